"""List the disagreements between the first coding and the independent second coding.

Usage::

    python scripts/coding_disagreements.py --second coder_e --first coder_c,coder_d,coder_a \\
        --out build/coding/disagreements.jsonl

For every passage the second coder coded, the first coding is the record of whichever first
coder coded it. Each line names the passage, its text and speaker, both codings, and the
fields on which they differ (``frames:<frame>``, ``stance:<target>``, ``roles:<actor>``,
``on_topic``); an adjudicator fills in a decision and a reason for each field.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pandas as pd

from stance.labels.store import LabelStore, load_corpus_for
from stance.paths import ProjectPaths


def cell_values(row: pd.Series, frames: list[str], targets: list[str], actors: list[str]) -> dict[str, object]:
    """Every field one coding decides (fields it leaves undecided are None)."""
    out: dict[str, object] = {
        f"frames:{f}": None if pd.isna(row[f"frame:{f}"]) else bool(row[f"frame:{f}"]) for f in frames
    }
    out |= {f"stance:{t}": row[f"stance:{t}"] for t in targets}
    decided = any(row[f"role:{a}"] is not None for a in actors)
    out |= {f"roles:{a}": (row[f"role:{a}"] or "none") if decided else None for a in actors}
    out["on_topic"] = row["on_topic"]
    return out


def pairs(store: LabelStore, first: list[str], second: str, round: int | None = None) -> tuple:
    """Resolved codings of the first coders and of the second coder, on the passages both coded."""
    df = store.resolved(annotator=[*first, second])
    if round is not None:
        df = df[df["round"] == round]
    one = df[df["annotator"].isin(first)].drop_duplicates("passage_id", keep="last").set_index("passage_id")
    two = df[df["annotator"] == second].set_index("passage_id")
    common = two.index.intersection(one.index)
    return one.loc[common], two.loc[common]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--second", default="coder_e")
    ap.add_argument("--first", default="coder_c,coder_d,coder_a")
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--round", type=int, default=None, help="only records of this coding round")
    args = ap.parse_args(argv)
    paths = ProjectPaths.discover()
    store = LabelStore(paths.labels)
    schema = store.schema()
    one, two = pairs(store, args.first.split(","), args.second, args.round)
    corpus = load_corpus_for(paths.labels).passages.set_index("passage_id")
    lines, n_fields = [], 0
    for pid in one.index:
        a = cell_values(one.loc[pid], schema.frames, schema.stance_targets, schema.actors)
        b = cell_values(two.loc[pid], schema.frames, schema.stance_targets, schema.actors)
        diff = [k for k in a if a[k] is not None and b[k] is not None and a[k] != b[k]]
        if not diff:
            continue
        n_fields += len(diff)
        p = corpus.loc[pid]
        lines.append(
            {
                "passage_id": pid,
                "text": p["text"],
                "speaker": p["speaker"],
                "speaker_role": p["speaker_role"],
                "first": {"annotator": one.loc[pid, "annotator"], "record": one.loc[pid, "record_ids"][-1]},
                "second": {"annotator": args.second, "record": two.loc[pid, "record_ids"][-1]},
                "fields": {k: {"first": a[k], "second": b[k]} for k in diff},
            }
        )
    args.out.parent.mkdir(parents=True, exist_ok=True)
    with args.out.open("x", encoding="utf-8") as fh:
        for line in lines:
            fh.write(json.dumps(line, ensure_ascii=False, default=str) + "\n")
    print(f"{len(one)} double-coded passages; {len(lines)} with disagreements; {n_fields} fields differ")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
