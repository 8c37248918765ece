"""Reliability of the independent second coding: Krippendorff's alpha with 95% bootstrap intervals.

Usage::

    python scripts/reliability_report.py --second coder_e --first coder_c,coder_d,coder_a --out docs/coding

For every passage coded by the second coder and by one of the first coders, each field
(``frames:<frame>`` present/absent, ``stance:<target>``, ``roles:<actor>``, ``on_topic``) is a
unit. Alpha is computed per field and per label family; the interval is the 2.5th and 97.5th
percentile of alpha over 1,000 bootstrap resamples of passages (seeded). Written:
``reliability.csv`` (one row per sample and label) and ``disagreement_confusion.csv`` (first
coder's value against the second's, for every field where they differ).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))

from coding_disagreements import cell_values, pairs

from stance.labels.reliability import krippendorff_alpha
from stance.labels.store import LabelStore
from stance.paths import ProjectPaths


def unit_table(one: pd.DataFrame, two: pd.DataFrame, schema: object) -> pd.DataFrame:
    rows = []
    for pid in one.index:
        a = cell_values(one.loc[pid], schema.frames, schema.stance_targets, schema.actors)
        b = cell_values(two.loc[pid], schema.frames, schema.stance_targets, schema.actors)
        for field, va in a.items():
            vb = b[field]
            if va is None or vb is None:
                continue
            if field.startswith("roles:") and va == "none" and vb == "none":
                continue  # an actor neither coder saw characterised is not a roles unit
            rows.append({"passage_id": pid, "field": field, "first": str(va), "second": str(vb)})
    return pd.DataFrame(rows)


def _label(field: str) -> str:
    kind, _, name = field.partition(":")
    return {"frames": name, "stance": f"stance:{name}", "roles": "roles", "on_topic": "on_topic"}[kind]


def _alpha(units: pd.DataFrame) -> float:
    cats = sorted(set(units["first"]) | set(units["second"]))
    if len(cats) < 2:
        return float("nan")
    return krippendorff_alpha(list(units["first"]), list(units["second"]), cats)


def alpha_table(units: pd.DataFrame, n_boot: int = 1000, seed: int = 0) -> pd.DataFrame:
    units = units.assign(label=units["field"].map(_label))
    ids = np.array(sorted(units["passage_id"].unique()))
    rng = np.random.default_rng(seed)
    by_pid = {pid: g for pid, g in units.groupby("passage_id")}
    boots = [pd.concat([by_pid[p] for p in rng.choice(ids, size=len(ids))]) for _ in range(n_boot)]
    rows = []
    for label, g in units.groupby("label", sort=False):
        draws = [_alpha(b[b["label"] == label]) for b in boots]
        draws = np.array([d for d in draws if np.isfinite(d)])
        positives = g[~g["first"].isin(["False", "NONE", "none"])].shape[0]
        rows.append(
            {
                "label": label,
                "n_units": len(g),
                "alpha": _alpha(g),
                "ci_low": float(np.percentile(draws, 2.5)) if len(draws) else float("nan"),
                "ci_high": float(np.percentile(draws, 97.5)) if len(draws) else float("nan"),
                "percent_agreement": float((g["first"] == g["second"]).mean()),
                "n_positive_first": positives,
                "n_positive_second": g[~g["second"].isin(["False", "NONE", "none"])].shape[0],
            }
        )
    return pd.DataFrame(rows)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--second", default="coder_e")
    ap.add_argument("--first", default="coder_c,coder_d,coder_a")
    ap.add_argument("--out", type=Path, default=Path("docs/coding"))
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--round", type=int, default=None, help="only records of this coding round")
    ap.add_argument("--name", default="", help="suffix of the output files (reliability<name>.csv)")
    args = ap.parse_args(argv)
    store = LabelStore(ProjectPaths.discover().labels)
    one, two = pairs(store, args.first.split(","), args.second, args.round)
    units = unit_table(one, two, store.schema())
    side = units["passage_id"].str.startswith("wh-").map({True: "US", False: "CN"})
    tables = []
    for sample, part in (("white_house", units[side == "US"]), ("combined", units)):
        t = alpha_table(part, seed=args.seed)
        tables.append(t.assign(sample=sample, n_passages=part["passage_id"].nunique()))
    out = pd.concat(tables, ignore_index=True).round(3)
    cols = ["sample", "n_passages", "label", "n_units", "alpha", "ci_low", "ci_high", "percent_agreement"]
    out = out[[*cols, "n_positive_first", "n_positive_second"]]
    conf = units[units["first"] != units["second"]].assign(label=lambda d: d["field"].map(_label))
    conf = conf.groupby(["label", "first", "second"]).size().rename("n").reset_index()
    args.out.mkdir(parents=True, exist_ok=True)
    out.to_csv(args.out / f"reliability{args.name}.csv", index=False, lineterminator="\n")
    conf.to_csv(args.out / f"disagreement_confusion{args.name}.csv", index=False, lineterminator="\n")
    print(out.to_string(index=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
