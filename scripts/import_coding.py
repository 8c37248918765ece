"""Append the records of one automated coding pass to the label store.

Usage::

    python scripts/import_coding.py CODING.jsonl --annotator coder_c --round 1 [--store seeds/labels.jsonl]

A coding file has one JSON object per passage (``passage_id``, ``text_hash``, ``frames``,
``stance``, ``roles``, ``on_topic``, ``rationale``, ``note``; see docs/annotation.md). The
records are stamped with the annotator, the round, the project codebook's version and hash
and the coding date, and appended through :class:`stance.labels.LabelStore`, which checks
every record first and writes all or nothing.
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


def read_coding(path: Path) -> list[dict]:
    out = []
    for i, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            rec = json.loads(line)
        except json.JSONDecodeError as exc:
            raise StanceInputError(f"not valid JSON: {exc.msg}", file=path, line=i) from exc
        roles = {a: r for a, r in (rec.get("roles") or {}).items() if r and r != "none"}
        out.append({**rec, "roles": roles})
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("coding", type=Path)
    ap.add_argument("--annotator", required=True)
    ap.add_argument("--round", type=int, default=1)
    ap.add_argument("--date", default="2026-12-01T00:00:00Z", help="coding date stamped on every record")
    ap.add_argument("--store", type=Path, default=None)
    ap.add_argument("--fields", default=None, help="comma-separated fields a re-code decides, e.g. roles")
    args = ap.parse_args(argv)
    paths = ProjectPaths.discover()
    codebook = Codebook.load(paths.codebook)
    store = LabelStore(args.store or paths.labels, codebook=codebook)
    defaults = {
        "annotator": args.annotator,
        "round": args.round,
        "kind": "annotation",
        "codebook_version": codebook.version,
        "codebook_hash": codebook.hash,
        "timestamp": args.date,
    }
    if args.fields:
        defaults["fields"] = args.fields.split(",")
    try:
        report = store.append(read_coding(args.coding), source=args.coding.name, defaults=defaults)
    except StanceInputError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(report.summary())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
