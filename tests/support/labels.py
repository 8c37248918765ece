"""Paths and records for the label-store tests (their fixtures are in ``conftest.py``)."""

from __future__ import annotations

import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CORPUS = ROOT / "tests" / "fixtures" / "labels" / "corpus"
CODEBOOK = ROOT / "codebook" / "codebook.yaml"


def load(path: Path):
    """Load a corpus without data warnings."""
    from stance.corpus import load_corpus

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return load_corpus(path)


def full(pid: str, annotator: str = "gold", **kw) -> dict:
    """A full coding of one passage (frames, every stance target, roles)."""
    rec = {
        "passage_id": pid,
        "annotator": annotator,
        "frames": ["cooperation"],
        "stance": {"us_government": "NONE", "china_government": "FAVOR", "cooperation": "FAVOR"},
        "roles": {"china": "protagonist"},
        "rationale": {"cooperation": "agreed on Tuesday to set up a joint working group"},
        "timestamp": "2026-01-01T00:00:00Z",
    }
    rec.update(kw)
    return rec


def label_cells(df):
    """The label columns of a resolved table, as plain objects (NA -> None), keyed by passage."""
    cols = [c for c in df.columns if c.startswith(("frame:", "stance:", "role:"))] + ["rationale"]
    out = df.set_index("passage_id")[cols].astype(object)
    return out.where(out.notna(), None).to_dict("index")
