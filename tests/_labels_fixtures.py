"""Fixtures for the label-store tests: a two-document corpus and a temporary project.

Load with ``pytest_plugins = ["_labels_fixtures"]``.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from _labels_helpers import CODEBOOK, CORPUS, load


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
    """A temporary project: seeds/ (the fixture corpus) and codebook/codebook.yaml."""
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
