"""Turn the GVFC headlines into a stance corpus and a label file for the GVFC codebook.

The Gun Violence Frame Corpus is read where it lies (nothing is copied into the project):

    G=$(mktemp -d)
    python examples/gvfc/prepare.py --data ../shared/benchmarks/gvfc/headlines.csv --out $G

writes into ``--out`` (a folder outside the project, since the files hold the headlines):

``corpus.csv``
    A corpus table (``doc_id, text, title``) with one document per published cross-validation
    fold (``gvfc-fold0`` ... ``gvfc-fold4``); each headline is one passage. Leave-one-document-out
    folds, the default of ``stance evaluate`` and ``stance finetune``, are then exactly the
    five-fold split of Akyürek et al. (2020).
``labels.csv``
    Every headline's frames (``frame1`` and, when given, ``frame2``) as gold labels in the CSV
    format of ``stance label import``, keyed by passage id and text hash; ``gvfc_id`` keeps the
    benchmark's row id.
``labels-1.csv``, ``labels-2.csv``, ...
    With ``--batches 900,100``: disjoint random batches of those sizes (seeded by ``--seed``),
    to rehearse the loop "train on a first batch, import a second, fine-tune".

Then, with the GVFC codebook in ``examples/gvfc/codebook.yaml``::

    stance label import $G/labels.csv --annotator gold --store $G/labels.jsonl \\
        --corpus $G/corpus.csv --codebook examples/gvfc/codebook.yaml
    stance evaluate --task frames --models tfidf,embedding --labels $G/labels.jsonl \\
        --corpus $G/corpus.csv --codebook examples/gvfc/codebook.yaml --out $G/evaluation

``docs/finetune.md`` runs the fine-tuning loop on these files.
"""

from __future__ import annotations

import argparse
import csv
import io
import sys
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

__all__ = ["main", "prepare_gvfc"]


def _csv(rows: list[dict], columns: Sequence[str]) -> str:
    buf = io.StringIO(newline="")
    writer = csv.DictWriter(buf, fieldnames=list(columns), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buf.getvalue()


def prepare_gvfc(
    data: str | Path,
    out: str | Path,
    *,
    batches: Sequence[int] = (),
    seed: int = 0,
    limit: int | None = None,
) -> dict[str, Path]:
    """Write the GVFC corpus table and label files into ``out``.

    Parameters
    ----------
    data : path
        ``headlines.csv`` of the GVFC benchmark (columns ``id, headline, frame1, frame2, fold``).
    out : path
        Output folder (created).
    batches : sequence of int
        Sizes of disjoint random label batches to write as ``labels-<i>.csv``.
    seed : int
        Seed of the batch draw.
    limit : int, optional
        Use only the first ``limit`` headlines (for quick trials).

    Returns
    -------
    dict of str to Path
        ``{"corpus": ..., "labels": ..., "labels-1": ...}``.

    Raises
    ------
    StanceInputError
        For a malformed benchmark file (naming the file, line and field).
    ValueError
        When the batches ask for more headlines than there are.
    """
    from stance.benchmarks import load_gvfc
    from stance.corpus import load_corpus, normalise_text
    from stance.labels.store import atomic_write

    table = load_gvfc(data)
    if limit is not None:
        table = table.iloc[:limit]
    table = table.assign(text=[normalise_text(t) for t in table["text"]])
    table = table[table["text"] != ""].reset_index(drop=True)
    if sum(batches) > len(table):
        raise ValueError(f"the batches ask for {sum(batches)} headlines; there are {len(table)}")
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    docs = []
    order: list[int] = []
    for fold, part in table.groupby("fold", sort=True):
        docs.append({"doc_id": f"gvfc-fold{fold}", "text": "\n\n".join(part["text"]), "title": ""})
        order += part.index.tolist()
    corpus_path = out / "corpus.csv"
    atomic_write(corpus_path, _csv(docs, ["doc_id", "text", "title"]))
    corpus = load_corpus(corpus_path)
    passages = corpus.passages.sort_values(["doc_id", "para_index"], kind="stable").reset_index(drop=True)
    if len(passages) != len(order):
        raise ValueError(f"{len(order)} headlines became {len(passages)} passages; a headline spans paragraphs")
    rows = []
    for pos, p in zip(order, passages.itertuples(index=False), strict=True):
        rec = table.loc[pos]
        frames = [f for f in (rec["frame1"], rec["frame2"]) if f]
        rows.append(
            {
                "passage_id": p.passage_id,
                "text_hash": p.text_hash,
                "annotator": "gold",
                "frames": ";".join(dict.fromkeys(frames)),
                "gvfc_id": rec["id"],
                "text": p.text,
            }
        )
    rows.sort(key=lambda r: int(r["gvfc_id"]) if str(r["gvfc_id"]).isdigit() else str(r["gvfc_id"]))
    columns = ["passage_id", "text_hash", "annotator", "frames", "gvfc_id", "text"]
    paths = {"corpus": corpus_path, "labels": out / "labels.csv"}
    atomic_write(paths["labels"], _csv(rows, columns))
    rng = np.random.default_rng(seed)
    shuffled = rng.permutation(len(rows))
    start = 0
    for i, size in enumerate(batches, start=1):
        pick = sorted(shuffled[start : start + size])
        start += size
        paths[f"labels-{i}"] = out / f"labels-{i}.csv"
        atomic_write(paths[f"labels-{i}"], _csv([rows[j] for j in pick], columns))
    return paths


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry point; returns the exit code."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", required=True, type=Path, help="GVFC headlines.csv (read in place).")
    parser.add_argument("--out", required=True, type=Path, help="Output folder, e.g. a temporary one.")
    parser.add_argument("--batches", default="", help="Comma-separated sizes of random label batches, e.g. 900,100.")
    parser.add_argument("--seed", default=0, type=int, help="Seed of the batch draw (default 0).")
    parser.add_argument("--limit", default=None, type=int, help="Use only the first N headlines.")
    args = parser.parse_args(argv)
    from stance.errors import StanceInputError

    try:
        sizes = [int(s) for s in args.batches.split(",") if s.strip()]
        paths = prepare_gvfc(args.data, args.out, batches=sizes, seed=args.seed, limit=args.limit)
    except (StanceInputError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    labelled = pd.read_csv(paths["labels"], dtype=str, keep_default_na=False)
    print(
        f"wrote {paths['corpus']} ({labelled['passage_id'].str.split(':').str[0].nunique()} documents, "
        f"{len(labelled)} headlines) and {paths['labels']}"
    )
    for name, path in paths.items():
        if name.startswith("labels-"):
            print(f"wrote {path} ({len(pd.read_csv(path, dtype=str))} headlines)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
