"""Write the gold records of the White House coding round to the label store.

Usage::

    python scripts/build_gold.py --adjudicated build/coding/adjudicated.jsonl

For every passage coded in the round: where the independent second coder (``coder_e``) also
coded it, fields on which both codings agree are gold as coded, and every disagreement takes
the adjudicator's decision and reason (from the adjudication file, one line per passage:
``{"passage_id", "decisions": {field: value}, "reasons": {field: text}}``); elsewhere the
first coding is gold. Gold records are ``kind: adjudication`` records of the annotator
``gold`` that reference the codings they resolve (``adjudicates``) and give a reason.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from stance.codebook import Codebook
from stance.errors import StanceInputError
from stance.labels.store import LabelStore
from stance.paths import ProjectPaths

FIRST = ("coder_c", "coder_d", "coder_a")
SECOND = "coder_e"


def _latest(store: LabelStore, annotators: tuple[str, ...]) -> dict[str, dict]:
    out: dict[str, dict] = {}
    for rec in store.records(annotator=list(annotators)):
        out[rec["passage_id"]] = rec
    return out


def _apply(base: dict, other: dict | None, decisions: dict) -> dict:
    frames = set(base.get("frames") or [])
    stance = dict(base.get("stance") or {})
    roles = dict(base.get("roles") or {})
    rationale = dict(base.get("rationale") or {})
    other_rat = (other or {}).get("rationale") or {}
    on_topic = base.get("on_topic")
    for field, value in decisions.items():
        kind, _, name = field.partition(":")
        if kind == "frames":
            (frames.add if value else frames.discard)(name)
            if value and name not in rationale and name in other_rat:
                rationale[name] = other_rat[name]
        elif kind == "stance":
            stance[name] = value
        elif kind == "roles":
            if value in (None, "none"):
                roles.pop(name, None)
            else:
                roles[name] = value
        elif kind == "on_topic":
            on_topic = bool(value)
    for key in list(rationale):
        if key.startswith("stance:"):
            if stance.get(key.split(":", 1)[1]) in (None, "NONE"):
                rationale.pop(key)
        elif key not in frames:
            rationale.pop(key)
    for t, cls in stance.items():
        key = f"stance:{t}"
        if cls != "NONE" and key not in rationale and key in other_rat:
            rationale[key] = other_rat[key]
    out = {"frames": sorted(frames), "stance": stance, "roles": roles, "rationale": rationale}
    if on_topic is not None:
        out["on_topic"] = on_topic
    return out


def _gold_record(base: dict, labels: dict, refs: dict, reason: object, codebook: Codebook, date: str, rnd: int) -> dict:
    """An adjudication record of the annotator ``gold`` that resolves the codings in ``refs``."""
    return {
        "passage_id": base["passage_id"],
        "text_hash": base["text_hash"],
        "annotator": "gold",
        "kind": "adjudication",
        "round": rnd,
        **labels,
        "adjudicates": refs,
        "reason": reason,
        "codebook_version": codebook.version,
        "codebook_hash": codebook.hash,
        "timestamp": date,
    }


def gold_records(store: LabelStore, adjudicated: dict[str, dict], codebook: Codebook, date: str) -> list[dict]:
    first = _latest(store, FIRST)
    second = _latest(store, (SECOND,))
    round_ids = {r["passage_id"] for r in store.records(annotator=["coder_c", "coder_d"])} | set(second)
    out = []
    for pid in sorted(round_ids):
        base, other = first[pid], second.get(pid)
        adj = adjudicated.get(pid, {"decisions": {}, "reasons": {}})
        labels = _apply(base, other, adj["decisions"])
        refs = {base["annotator"]: base["record_id"]}
        if other is not None:
            refs[SECOND] = other["record_id"]
            reason = adj["reasons"] or "the coders agreed on every label"
        else:
            reason = "coded once (not in the reliability subsample): the first coding is gold"
        out.append(_gold_record(base, labels, refs, reason, codebook, date, 1))
    return out


def gold_roles_records(
    store: LabelStore, adjudicated: dict[str, dict], codebook: Codebook, date: str, first: tuple[str, ...], second: str
) -> list[dict]:
    """Gold roles of a roles-only re-code round: partial ``fields: ["roles"]`` records of round 2."""
    one = {r["passage_id"]: r for r in store.records(annotator=list(first)) if r.get("fields") == ["roles"]}
    two = {r["passage_id"]: r for r in store.records(annotator=[second]) if r.get("fields") == ["roles"]}
    out = []
    for pid in sorted(one):
        base, other = one[pid], two.get(pid)
        adj = adjudicated.get(pid, {"decisions": {}, "reasons": {}})
        roles = _apply({"roles": base.get("roles") or {}}, None, adj["decisions"])["roles"]
        refs = {base["annotator"]: base["record_id"]}
        if other is not None:
            refs[second] = other["record_id"]
            reason = adj["reasons"] or "the coders agreed on every role"
        else:
            reason = "roles coded once in the re-code round (not in the reliability subsample): the coding is gold"
        labels = {"fields": ["roles"], "roles": roles}
        out.append(_gold_record(base, labels, refs, reason, codebook, date, int(base.get("round") or 2)))
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--adjudicated", type=Path, required=True)
    ap.add_argument("--date", default="2026-12-01T12:00:00Z")
    ap.add_argument("--roles-round", action="store_true", help="gold roles of the roles re-code round (round 2)")
    ap.add_argument("--first", default="coder_f,coder_h", help="with --roles-round: the first coders")
    ap.add_argument("--second", default="coder_g", help="with --roles-round: the independent second coder")
    args = ap.parse_args(argv)
    paths = ProjectPaths.discover()
    codebook = Codebook.load(paths.codebook)
    store = LabelStore(paths.labels, codebook=codebook)
    lines = [json.loads(x) for x in args.adjudicated.read_text(encoding="utf-8").splitlines() if x.strip()]
    adjudicated = {x["passage_id"]: x for x in lines}
    try:
        if args.roles_round:
            records = gold_roles_records(
                store, adjudicated, codebook, args.date, tuple(args.first.split(",")), args.second
            )
        else:
            records = gold_records(store, adjudicated, codebook, args.date)
        report = store.append(records, source=args.adjudicated.name)
    except StanceInputError as exc:
        print(f"error: {exc}", file=sys.stderr)
        for p in getattr(exc, "problems", [])[:10]:
            print(f"  {p}", file=sys.stderr)
        return 2
    print(report.summary())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
