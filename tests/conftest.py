"""Shared fixtures. Tests are offline; slow ones carry the ``slow`` marker.

Helpers the fixtures are built on live in the ``support`` package beside this file.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from support.evaluation import KeywordClassifier, synthetic_gold_corpus, synthetic_task_data
from support.labels import CODEBOOK, CORPUS, load

ROOT = Path(__file__).resolve().parent.parent
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


# ------------------------------------------------------------------ evaluation
@pytest.fixture(scope="session")
def task_data():
    """Factory of a learnable toy task: ``task_data(multilabel=True, n_docs=4, per_doc=9, seed=0)``."""
    return synthetic_task_data


@pytest.fixture(scope="session")
def keyword_classifier():
    """The class of a minimal raw-text estimator (``fail=True`` makes ``fit`` raise ValueError)."""
    return KeywordClassifier


@pytest.fixture(scope="session")
def gold_corpus():
    """Factory of a small corpus with gold labels: ``gold_corpus(codebook, tmp_path, n_docs=4)``."""
    return synthetic_gold_corpus


# ------------------------------------------------------------------ label store
@pytest.fixture(scope="session")
def lcorpus():
    """The two-document label fixture corpus."""
    return load(CORPUS)


@pytest.fixture(scope="session")
def pids(lcorpus) -> list[str]:
    """Its passage ids in corpus order."""
    return list(lcorpus.passages["passage_id"])


@pytest.fixture
def project(tmp_path, monkeypatch) -> Path:
    """A temporary project: seeds/ (the label fixture corpus) and codebook/codebook.yaml."""
    shutil.copytree(CORPUS, tmp_path / "seeds")
    (tmp_path / "codebook").mkdir()
    shutil.copy(CODEBOOK, tmp_path / "codebook" / "codebook.yaml")
    monkeypatch.setenv("STANCE_PROJECT_DIR", str(tmp_path))
    return tmp_path


@pytest.fixture
def store(project, codebook):
    """An empty label store in the temporary project."""
    from stance.labels import LabelStore

    return LabelStore(project / "seeds" / "labels.jsonl", codebook=codebook)
