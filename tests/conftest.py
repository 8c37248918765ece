"""Shared fixtures. Tests are offline; slow ones carry the ``slow`` marker."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
pytest_plugins = ["_eval_fixtures"]
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("STANCE_QUIET", "1")


@pytest.fixture(scope="session")
def root() -> Path:
    """The repository root."""
    return ROOT


@pytest.fixture(scope="session")
def seed_corpus():
    """The seed corpus, loaded once."""
    from stance.corpus import load_corpus

    return load_corpus(ROOT / "seeds")


@pytest.fixture(scope="session")
def codebook():
    """The project codebook, loaded once."""
    from stance.codebook import Codebook

    return Codebook.load(ROOT / "codebook" / "codebook.yaml")


@pytest.fixture(autouse=True)
def _isolated_cache(tmp_path_factory, monkeypatch):
    """Keep caches written by tests out of the working tree."""
    monkeypatch.setenv("STANCE_CACHE_DIR", str(tmp_path_factory.getbasetemp() / "stance-cache"))
