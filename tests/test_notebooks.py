"""Notebooks: paired with their .py, committed without outputs, and runnable headless with SMOKE=True."""

from __future__ import annotations

import nbformat
import pytest

from stance.notebooks import check, notebook_pairs, run

PAIRS = notebook_pairs()


def test_notebooks_exist_in_reading_order():
    names = [py.stem for py, _ in PAIRS]
    assert names and names == sorted(names)
    assert names[0] == "01_corpus_and_codebook"


def test_committed_notebooks_are_stripped_and_in_sync():
    assert check() == []


@pytest.mark.parametrize("pair", PAIRS, ids=[py.stem for py, _ in PAIRS])
def test_first_code_cell_is_tagged_parameters(pair):
    nb = nbformat.read(pair[1], as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert "parameters" in code[0].metadata.get("tags", [])
    assert "SMOKE" in code[0].source
    assert nb.cells[0].cell_type == "markdown" and "**Answer.**" in nb.cells[0].source
    assert "environment_report()" in code[-1].source


@pytest.mark.notebooks
@pytest.mark.parametrize("pair", PAIRS, ids=[py.stem for py, _ in PAIRS])
def test_notebook_runs_with_smoke(pair, tmp_path):
    result = run(tmp_path, smoke=True, only=pair[0].stem)
    assert list(result["notebook"]) == [pair[0].stem]
    executed = nbformat.read(tmp_path / f"{pair[0].stem}.ipynb", as_version=4)
    outputs = [o for c in executed.cells if c.cell_type == "code" for o in c.get("outputs", [])]
    errors = [o for o in outputs if o.output_type == "error"]
    assert not errors
