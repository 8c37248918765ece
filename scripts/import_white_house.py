"""Copy the White House corpus into ``seeds/us-white-house/`` byte for byte and write its manifest.

Usage::

    python scripts/import_white_house.py ../shared/corpora/us-white-house

The source folder holds Markdown files with YAML front matter in ``<section>/<YYYY-MM>/``
folders and a ``sources.csv``. Files are copied unchanged (their sha256 is checked against
``sources.csv``); the manifest gets one row per document with the document kind read from
the section and the title, and the administration read from the date. An existing
manifest is never overwritten: the script refuses and says so.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import re
import shutil
import sys
from pathlib import Path

import yaml

COLUMNS = [
    "id", "file", "outlet", "published", "date_evidence", "title", "author", "url",
    "language", "country", "kind", "sha256", "side", "administration", "section",
]  # fmt: skip

_KIND_BY_TITLE = [
    (r"background (press )?call", "background call"),
    (r"\bpress call\b", "background call"),
    (r"\bgaggle\b", "press gaggle"),
    (r"\bpress briefing\b", "press briefing"),
    (r"^readout\b", "readout"),
    (r"^fact sheet\b", "fact sheet"),
    (r"^(remarks|statement and remarks)\b", "remarks"),
    (r"^statement\b", "statement"),
]
_KIND_BY_SECTION = {
    "press-briefings": "press briefing",
    "remarks": "remarks",
    "speeches-remarks": "remarks",
    "presidential-actions": "presidential action",
    "fact-sheets": "fact sheet",
    "statements-releases": "statement",
    "briefings-statements": "statement",
    "articles": "statement",
}


def front_matter(path: Path) -> dict:
    text = path.read_text(encoding="utf-8")
    match = re.match(r"^---\n(.*?)\n---\n", text, flags=re.S)
    if not match:
        raise SystemExit(f"{path}: no YAML front matter")
    return yaml.safe_load(match.group(1)) or {}


def kind_of(section: str, title: str) -> str:
    low = re.sub(r"\s+", " ", title.replace("\u00a0", " ")).strip().lower()
    if section == "presidential-actions":
        return "presidential action"
    for pattern, kind in _KIND_BY_TITLE:
        if re.search(pattern, low):
            return kind
    return _KIND_BY_SECTION[section]


def doc_id(date: str, title: str, seen: set[str]) -> str:
    words = re.findall(r"[a-z0-9]+", title.replace("\u2060", "").lower())
    stop = {"by", "the", "of", "and", "a", "an", "on", "to", "in", "for", "at", "with"}
    slug = "-".join([w for w in words if w not in stop][:6])
    base = f"wh-{date}-{slug}"
    out, n = base, 2
    while out in seen:
        out, n = f"{base}-{n}", n + 1
    seen.add(out)
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("source", type=Path)
    ap.add_argument("--dest", type=Path, default=Path(__file__).resolve().parent.parent / "seeds" / "us-white-house")
    args = ap.parse_args(argv)
    manifest = args.dest / "manifest.csv"
    if manifest.exists():
        print(f"{manifest} exists; remove it first if you mean to rebuild it", file=sys.stderr)
        return 2
    with (args.source / "sources.csv").open(encoding="utf-8", newline="") as fh:
        sources = list(csv.DictReader(fh))
    rows, seen = [], set()
    for src in sorted(sources, key=lambda r: (r["date"], r["file"])):
        path = args.source / src["file"]
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        if digest != src["sha256"]:
            raise SystemExit(f"{path}: sha256 differs from sources.csv")
        meta = front_matter(path)
        date = str(meta["date"])
        title = re.sub(r"\s+", " ", str(meta["title"]).replace("\u00a0", " ").replace("\u2060", "")).strip()
        target = args.dest / src["file"]
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, target)
        rows.append(
            {
                "id": doc_id(date, title, seen),
                "file": src["file"],
                "outlet": "The White House",
                "published": date,
                "date_evidence": "front matter 'date' (the page's publication date)",
                "title": title,
                "author": "",
                "url": meta.get("source_url", src["source_url"]),
                "language": "en",
                "country": "US",
                "kind": kind_of(src["section"], title),
                "sha256": digest,
                "side": "US",
                "administration": "Biden" if date < "2025-01-20" else "Trump",
                "section": src["section"],
            }
        )
    with manifest.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    print(f"copied {len(rows)} documents into {args.dest}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
