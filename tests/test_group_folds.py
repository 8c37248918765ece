"""`--folds group:COLUMN`: folds grouped by any column of the corpus's passages or documents table."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from stance.errors import StanceInputError
from stance.evaluation import TaskData, column_folds, describe_folds, fold_scheme, make_folds
from stance.paths import ProjectPaths
from tests.test_project import cli

WORDS = {
    "economic": ["taxes", "the budget", "jobs", "prices", "wages"],
    "morality": ["our duty", "conscience", "shared values", "what is right"],
    "health_safety": ["hospitals", "patients", "the outbreak", "vaccines"],
}


def _data(values: list[str], column: str = "outlet") -> TaskData:
    n = len(values)
    passages = pd.DataFrame(
        {"passage_id": [f"p{i}" for i in range(n)], "doc_id": [f"d{i}" for i in range(n)], "text": ["t"] * n}
    )
    passages[column] = values
    return TaskData("frames", ["a", "b"], False, passages, np.array(["a", "b"] * (n // 2), dtype=object))


def test_one_fold_per_value_each_value_held_out_whole():
    values = ["x", "y", "z", "x", "y", "z", "x", "y"]
    folds = make_folds(_data(values, "wave"), "group:wave", n_splits=5)
    assert [f.name for f in folds] == ["x", "y", "z"] and fold_scheme(folds) == "group:wave"
    for f in folds:
        assert {values[i] for i in f.test} == {f.name}
        assert f.name not in {values[i] for i in f.train}
    assert sorted(np.concatenate([f.test for f in folds]).tolist()) == list(range(len(values)))
    assert describe_folds(folds, 3).startswith("group:wave, 3 folds")


def test_more_values_than_folds_are_dealt_whole_into_that_many_folds():
    values = [str(2000 + i % 12) for i in range(48)]
    data = _data(values, "year")
    folds = column_folds(data, "year", n_folds=4, random_state=1)
    assert len(folds) == 4 and fold_scheme(folds) == "group:year"
    held = [{values[i] for i in f.test} for f in folds]
    assert all(not (a & b) for i, a in enumerate(held) for b in held[i + 1 :])  # no value in two folds
    assert set().union(*held) == set(values)
    assert [f.test.tolist() for f in folds] == [f.test.tolist() for f in column_folds(data, "year", 4, 1)]


def test_a_missing_column_names_it_and_the_available_ones():
    with pytest.raises(StanceInputError) as err:
        make_folds(_data(["x", "y"] * 2), "group:party")
    msg = str(err.value)
    assert "'party'" in msg and "outlet" in msg and "doc_id" in msg and "text," not in msg
    with pytest.raises(ValueError, match="2 of 4 passages have no outlet"):
        make_folds(_data(["x", "", "y", ""]), "group:outlet")
    with pytest.raises(ValueError, match="at least two values"):
        make_folds(_data(["x"] * 4), "group:outlet")


@pytest.fixture
def project(tmp_path, monkeypatch):
    """A project with 36 labelled sentences from three outlets, two years and four waves of the user's own."""
    monkeypatch.delenv("STANCE_PROJECT_DIR", raising=False)
    monkeypatch.chdir(tmp_path)
    assert cli("init", "p").code == 0
    rows = []
    for i in range(36):
        label = list(WORDS)[i % 3]
        text = f"Speakers turned to {WORDS[label][i % len(WORDS[label])]} in item {i}."
        rows.append((text, label, ["Daily", "Post", "Herald"][i % 4 % 3], f"{2020 + i % 2}-05-01", f"w{i % 4}"))
    pd.DataFrame(rows, columns=["sentence", "label", "source", "date", "wave"]).to_csv(
        tmp_path / "t.csv", index=False, lineterminator="\n"
    )
    monkeypatch.chdir(tmp_path / "p")
    args = ["label", "import", "../t.csv", "--text-column", "sentence", "--label-column", "label", "-a", "gold"]
    meta = ["--document-column", "source=outlet", "--document-column", "date=published", "--document-column", "wave"]
    res = cli(*args, *meta)
    assert res.code == 0, res.output
    return tmp_path / "p"


EVAL = ["evaluate", "-m", "tfidf", "--no-curve", "--n-boot", "20", "--transfer", ""]


def test_evaluate_and_train_group_by_a_users_column_and_record_the_scheme(project):
    res = cli(*EVAL, "--folds", "group:wave")
    assert res.code == 0, res.output
    table = pd.read_csv(project / "models" / "evaluation" / "comparison.csv")
    assert set(table["scheme"]) == {"group:wave"} and set(table["n_folds"]) == {4}
    assert table["folds"].str.startswith("group:wave, 4 folds").all()
    predictions = pd.read_csv(project / "models" / "evaluation" / "predictions.csv")
    assert set(predictions["fold"]) == {"w0", "w1", "w2", "w3"}
    res = cli("train", "-m", "tfidf", "--n-boot", "20", "--folds", "group:year", "--max-folds", "5")
    assert res.code == 0, res.output
    version = next((project / "models" / "frames").glob("v*"))
    assert "group:year, 2 folds" in (version / "MODEL_CARD.md").read_text(encoding="utf-8")
    metrics = json.loads((version / "config.json").read_text(encoding="utf-8"))["metrics"]
    assert metrics["cv"].startswith("group:year, 2 folds")


def test_an_unknown_group_column_is_a_clear_error_naming_the_columns(project):
    res = cli(*EVAL, "--folds", "group:party")
    assert res.code == 2, res.output
    assert "'party'" in res.output and "wave" in res.output and "outlet" in res.output
    assert "Traceback" not in res.output and not (project / "models" / "evaluation" / "comparison.csv").exists()
    assert cli(*EVAL, "--folds", "group:").code == 2


def test_finetune_holds_out_whole_outlets(project):
    assert cli("train", "-m", "tfidf", "--n-boot", "20").code == 0
    paths = ProjectPaths.discover(project)
    res = cli("finetune", "--force", "--folds", "group:outlet", "--n-boot", "20", "--no-promote")
    assert res.code == 0, res.output
    assert "group:outlet, 3 folds" in res.output
    new = sorted((paths.models / "frames").glob("v*"))[-1]
    assert "group:outlet, 3 folds" in (new / "MODEL_CARD.md").read_text(encoding="utf-8")
    assert cli("finetune", "--force", "--folds", "group:nope", "--no-promote").code == 2


def test_a_users_own_document_column_stays_in_the_table_corpus(project):
    from stance.corpus import load_project_corpus

    docs = load_project_corpus(ProjectPaths.discover(project)).documents
    assert sorted(set(docs["wave"])) == ["w0", "w1", "w2", "w3"]
    assert (project / "corpus" / "passages.csv").read_text(encoding="utf-8").splitlines()[0].endswith("wave")
    assert Path(project / "corpus" / "passages.csv").is_file()
