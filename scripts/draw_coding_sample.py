"""Draw the passages of the White House coding round (seeded, reproducible).

Usage::

    python scripts/draw_coding_sample.py --codebook codebook/codebook.yaml --out docs/coding --seed 20261201

Strata (see docs/annotation.md):

- ``on_topic_term``: every analysable on-topic passage of the U.S. side spoken by an
  official (or in a document's own voice) that contains a topic term, or that the document
  rule marks on topic;
- ``on_topic_exchange``: a random sample of official passages that are on topic only
  because they belong to an on-topic question-and-answer exchange;
- ``off_topic``: passages the topic rule marks off topic, drawn at random within document
  kind and year;
- ``question``: on-topic journalist questions, at random.

The reliability subsample for the independent second coding is drawn from the sample and
from the seed corpus' analysable passages, stratified by side and by the codebook's frame and
stance cues (codebook content, not a model's output), and shuffled into its own order.
Outputs are ``sample.csv`` and ``reliability_sample.csv`` (passage id, stratum, order).
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import pandas as pd

from stance.codebook import Codebook
from stance.corpus import load_project_corpus
from stance.paths import ProjectPaths

SIZES = {"on_topic_exchange": 160, "off_topic": 160, "question": 60}
RELIABILITY = {"seed": 40, "per_frame": 14, "per_stance_cue": 8, "total": 260}


def _passages(codebook: Codebook, root: Path) -> pd.DataFrame:
    corpus = load_project_corpus(ProjectPaths.discover(root), codebook=codebook)
    docs = corpus.documents[["doc_id", "side", "kind", "published", "title"]]
    p = corpus.passages.merge(docs, on="doc_id")
    p["year"] = p["published"].dt.year
    return p[p["analysable"]].reset_index(drop=True)


def draw_sample(p: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    us = p[p["side"] == "US"]
    own = us["speaker_role"].isin(["official", "author"])
    base = us["topic_reason"].str.startswith("term:") | (us["topic_reason"] == "document")
    parts = [us[own & base].assign(stratum="on_topic_term")]
    ex = us[own & (us["topic_reason"] == "exchange")]
    parts.append(
        ex.sample(n=min(SIZES["on_topic_exchange"], len(ex)), random_state=rng).assign(stratum="on_topic_exchange")
    )
    off = us[own & ~us["on_topic"]]
    n_cells = off.groupby(["kind", "year"]).ngroups
    per = int(np.ceil(SIZES["off_topic"] / n_cells))
    off_s = off.groupby(["kind", "year"], group_keys=False).apply(
        lambda g: g.sample(n=min(per, len(g)), random_state=rng)
    )
    parts.append(off_s.sample(n=min(SIZES["off_topic"], len(off_s)), random_state=rng).assign(stratum="off_topic"))
    q = us[(us["speaker_role"] == "journalist") & us["on_topic"]]
    parts.append(q.sample(n=min(SIZES["question"], len(q)), random_state=rng).assign(stratum="question"))
    return pd.concat(parts, ignore_index=True).drop_duplicates("passage_id")


def _cue_hits(texts: pd.Series, cues: list[str]) -> pd.Series:
    low = texts.str.lower()
    return pd.Series(np.any([low.str.contains(c.lower(), regex=False) for c in cues], axis=0), index=texts.index)


def draw_reliability(
    sample: pd.DataFrame, p: pd.DataFrame, codebook: Codebook, rng: np.random.Generator
) -> pd.DataFrame:
    chosen: list[str] = []
    seeds = p[p["side"] != "US"]
    chosen += list(seeds.sample(n=min(RELIABILITY["seed"], len(seeds)), random_state=rng)["passage_id"])
    pool = sample.set_index("passage_id")
    for frame in codebook.frame_names:
        hits = pool[_cue_hits(pool["text"], codebook.label(frame).cues or [frame])].index.difference(chosen)
        chosen += list(rng.permutation(np.array(hits))[: RELIABILITY["per_frame"]])
    for target in codebook.stance_targets:
        cues = (codebook.target(target).get("cues") or {}) if hasattr(codebook, "target") else {}
        for cls in ("FAVOR", "AGAINST"):
            hits = pool[_cue_hits(pool["text"], list(cues.get(cls) or [cls]))].index.difference(chosen)
            chosen += list(rng.permutation(np.array(hits))[: RELIABILITY["per_stance_cue"]])
    for stratum in ("question", "off_topic"):
        left = pool[pool["stratum"] == stratum].index.difference(chosen)
        chosen += list(rng.permutation(np.array(left))[:15])
    rest = pool.index.difference(chosen)
    chosen += list(rng.permutation(np.array(rest))[: max(0, RELIABILITY["total"] - len(chosen))])
    out = p.set_index("passage_id").loc[chosen].reset_index()
    out["stratum"] = out["passage_id"].map(pool["stratum"]).fillna("seed")
    out = out.iloc[rng.permutation(len(out))].reset_index(drop=True)
    out["order"] = np.arange(len(out))
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--codebook", type=Path, default=Path("codebook/codebook.yaml"))
    ap.add_argument("--root", type=Path, default=Path("."))
    ap.add_argument("--out", type=Path, default=Path("docs/coding"))
    ap.add_argument("--seed", type=int, default=20261201)
    args = ap.parse_args(argv)
    codebook = Codebook.load(args.codebook)
    p = _passages(codebook, args.root)
    rng = np.random.default_rng(args.seed)
    sample = draw_sample(p, rng)
    sample = sample.iloc[rng.permutation(len(sample))].reset_index(drop=True)
    sample["order"] = np.arange(len(sample))
    rel = draw_reliability(sample, p, codebook, rng)
    args.out.mkdir(parents=True, exist_ok=True)
    cols = ["passage_id", "doc_id", "stratum", "order", "kind", "year", "speaker_role", "topic_reason"]
    for name, frame in (("sample.csv", sample), ("reliability_sample.csv", rel)):
        target = args.out / name
        if target.exists():
            raise SystemExit(f"{target} exists; the drawn sample is never overwritten (remove it to redraw)")
        frame[cols].to_csv(target, index=False, lineterminator="\n")
    print(sample.groupby("stratum").size().to_string())
    print(f"reliability subsample: {len(rel)} passages")
    print(rel.groupby("stratum").size().to_string())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
