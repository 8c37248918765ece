"""Single-label codebooks (one frame of K per passage) and folds that fit one-passage documents."""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from typer.testing import CliRunner

from stance.codebook import Codebook
from stance.errors import StanceInputError

FRAMES = {
    "economic": ["budget", "cost", "taxes", "jobs", "market"],
    "health": ["hospital", "doctors", "disease", "patients", "vaccine"],
    "crime": ["police", "arrest", "court", "prison", "theft"],
}
FILLER = ["the", "city", "said", "on", "monday", "new", "plan", "report", "officials", "week"]


def _codebook_data(kind: str = "single-label") -> dict:
    labels = []
    for name, words in FRAMES.items():
        labels.append(
            {
                "name": name,
                "definition": f"The passage is about {name} matters.",
                "examples": {
                    "positive": [f"{w} {words[(i + 1) % 5]} rose this year" for i, w in enumerate(words[:3])],
                    "negative": ["the weather was mild", "a concert took place"],
                },
            }
        )
    return {"name": "toy", "version": "1.0", "frames": {"type": kind, "labels": labels}}


def _write_codebook(folder: Path, data: dict) -> Path:
    path = folder / "codebook.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def _sentences(n: int, seed: int = 0) -> pd.DataFrame:
    """One sentence per document; its frame's cue words decide the label (a little noise)."""
    rng = np.random.default_rng(seed)
    names = list(FRAMES)
    rows = []
    for i in range(n):
        label = names[i % len(names)]
        cue = rng.choice(FRAMES[label], size=2, replace=False)
        text = " ".join([*rng.choice(FILLER, size=5), *cue, *rng.choice(FILLER, size=3)]).capitalize() + "."
        rows.append({"doc_id": f"s{i:03d}", "text": text, "label": label})
    return pd.DataFrame(rows)


@pytest.fixture
def project(tmp_path):
    """A single-label codebook, a table corpus of 60 one-sentence documents, gold labels of the first 48."""
    from stance.corpus import load_corpus
    from stance.labels import LabelStore

    (tmp_path / "codebook").mkdir()
    cb_path = _write_codebook(tmp_path / "codebook", _codebook_data())
    cb = Codebook.load(cb_path)
    table = _sentences(60)
    corpus_path = tmp_path / "sentences.csv"
    table[["doc_id", "text"]].to_csv(corpus_path, index=False)
    corpus = load_corpus(corpus_path)
    assert len(corpus.passages) == len(table)
    label_of = dict(zip(table["doc_id"], table["label"], strict=True))
    records = [
        {"passage_id": p.passage_id, "text_hash": p.text_hash, "frames": [label_of[p.doc_id]]}
        for p in corpus.passages.itertuples()
        if int(p.doc_id[1:]) < 48
    ]
    store = tmp_path / "labels.jsonl"
    LabelStore(store, codebook=cb).append(records, corpus, cb, defaults={"annotator": "gold", "kind": "import"})
    return {"root": tmp_path, "codebook": cb_path, "corpus": corpus_path, "labels": store, "cb": cb, "table": table}


# ---------------------------------------------------------------------------- codebook
def test_task_type_is_declared_in_the_codebook(tmp_path):
    single = Codebook.load(_write_codebook(tmp_path, _codebook_data()))
    assert single.frames_type == "single-label" and not single.is_multilabel("frames")
    assert single.task_type("frames") == "single-label" and single.frame_names == list(FRAMES)
    multi = Codebook.from_dict(_codebook_data("multi-label"))
    assert multi.is_multilabel("frames") and multi.task_type("frames") == "multi-label"
    listed = _codebook_data()
    listed["frames"] = listed["frames"]["labels"]
    assert Codebook.from_dict(listed).is_multilabel("frames")  # a plain list stays multi-label
    assert single.hash != multi.hash


def test_unknown_task_type_names_file_line_and_field(tmp_path):
    data = _codebook_data("single_label")
    path = _write_codebook(tmp_path, data)
    with pytest.raises(StanceInputError) as exc:
        Codebook.load(path)
    err = exc.value
    assert "single_label" in str(err) and "did you mean 'single-label'" in str(err)
    assert err.field == "frames.type" and err.line == 4 and Path(err.file) == path


def test_codebook_command_names_the_task_type(tmp_path):
    path = _write_codebook(tmp_path, _codebook_data())
    res = _invoke("codebook", "--check", path)
    assert "frames: 3 labels, single-label" in res.output
    assert "frames (single-label)" in _invoke("codebook", path).output


def test_single_label_task_checks(tmp_path):
    one = _codebook_data()
    one["frames"]["labels"] = one["frames"]["labels"][:1]
    with pytest.raises(StanceInputError, match="at least two labels"):
        Codebook.from_dict(one)
    extra = _codebook_data()
    extra["frames"]["kind"] = "x"
    with pytest.raises(StanceInputError, match="unknown key 'kind'"):
        Codebook.from_dict(extra)
    short = _codebook_data()
    short["frames"]["labels"][1]["examples"]["positive"] = ["only one"]
    with pytest.raises(StanceInputError) as exc:
        Codebook.from_dict(short)
    assert exc.value.field == "frames.labels.1.examples"


def test_label_store_refuses_two_frames_under_a_single_label_codebook(project):
    from stance.corpus import load_corpus
    from stance.labels import LabelStore

    corpus = load_corpus(project["corpus"])
    p = corpus.passages.iloc[0]
    rec = {"passage_id": p.passage_id, "text_hash": p.text_hash, "frames": ["economic", "health"]}
    store = LabelStore(project["labels"], codebook=project["cb"])
    before = project["labels"].read_bytes()
    with pytest.raises(StanceInputError, match="single-label: give one frame, not 2"):
        store.append([rec], corpus, project["cb"], defaults={"annotator": "coder_a"})
    assert project["labels"].read_bytes() == before


def test_gold_task_data_gives_one_class_per_passage(project):
    from stance.corpus import load_corpus
    from stance.evaluation import gold_task_data, load_gold

    corpus = load_corpus(project["corpus"])
    gold = load_gold(project["labels"], codebook=project["cb"])
    data = gold_task_data(corpus, gold, project["cb"], "frames")
    assert not data.multilabel and len(data) == 48
    truth = dict(zip(project["table"]["doc_id"], project["table"]["label"], strict=True))
    assert [truth[d] for d in data.passages["doc_id"]] == list(data.y)
    two = gold.copy()
    two.loc[0, "frames"] = ["economic", "crime"]
    two.loc[0, "frame:crime"] = True
    two.loc[0, "frame:economic"] = True
    with pytest.raises(ValueError, match="several frames"):
        gold_task_data(corpus, two, project["cb"], "frames")


# ------------------------------------------------------------------------------- folds
def _data(per_doc: int, n_docs: int):
    from stance.evaluation import TaskData

    rows = [
        {"passage_id": f"d{d}:p{p}", "doc_id": f"d{d}", "text": f"text {d} {p}"}
        for d in range(n_docs)
        for p in range(per_doc)
    ]
    y = np.array([["a", "b", "c"][i % 3] for i in range(len(rows))], dtype=object)
    return TaskData("frames", ["a", "b", "c"], False, pd.DataFrame(rows), y)


def test_fold_chooser_stratified_for_one_passage_documents():
    from stance.evaluation import auto_scheme, describe_folds, make_folds

    data = _data(per_doc=1, n_docs=300)
    assert auto_scheme(data) == "stratified"
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no leakage warning: every document is held out whole
        folds = make_folds(data, "auto", n_splits=5)
        assert make_folds(data, "stratified", n_splits=5)[0].scheme == "stratified-document"
    assert len(folds) == 5 and {f.scheme for f in folds} == {"stratified-document"}
    for f in folds:  # stratified: every class in every test fold, in proportion
        assert sorted(np.unique(data.y[f.test], return_counts=True)[1]) == [20, 20, 20]
    assert "one passage per document" in describe_folds(folds)


def test_fold_chooser_grouped_for_multi_passage_documents():
    from stance.evaluation import LeakageWarning, auto_scheme, make_folds

    data = _data(per_doc=4, n_docs=30)
    assert auto_scheme(data) == "grouped"
    folds = make_folds(data, "auto", n_splits=5)
    assert len(folds) == 5 and {f.scheme for f in folds} == {"grouped-document"}
    for f in folds:
        assert not set(data.groups[f.train]) & set(data.groups[f.test])
    with pytest.warns(LeakageWarning):
        make_folds(data, "stratified", n_splits=5)
    one_doc = _data(per_doc=30, n_docs=1)
    assert auto_scheme(one_doc) == "stratified"
    with pytest.warns(LeakageWarning):
        assert make_folds(one_doc, "auto")[0].scheme == "stratified"


# ------------------------------------------------------------------------ the commands
def _invoke(*args: str):
    from stance.cli import app

    result = CliRunner().invoke(app, [str(a) for a in args])
    assert result.exit_code == 0, (result.output, result.exception)
    return result


def test_single_label_project_through_evaluate_train_score_suggest(project, monkeypatch):
    root = project["root"]
    monkeypatch.chdir(root)  # the project of the commands: its codebook/ is the single-label one
    inputs = ["--labels", project["labels"], "--corpus", project["corpus"], "--codebook", project["codebook"]]
    fast = ["-p", "tfidf.calibration=null", "-p", "lexicon.calibration=null"]
    out = root / "evaluation"
    res = _invoke(
        "evaluate", "-t", "frames", "-m", "lexicon,tfidf", "--no-curve", "--n-boot", "20", "--max-folds", "4",
        "--transfer", "", "--out", out, *fast, *inputs,
    )  # fmt: skip
    assert "frames: ranked by macro_f1" in res.output and "warning" not in res.output.lower()
    comp = pd.read_csv(out / "comparison.csv")
    assert set(comp["scheme"]) == {"stratified-document"} and set(comp["n_folds"]) == {4}
    assert {"accuracy", "macro_f1"} <= set(comp.columns) and "subset_accuracy" not in comp.columns
    preds = pd.read_csv(out / "predictions.csv")
    assert (preds.groupby(["model", "passage_id"])["pred"].sum() == 1).all()  # one frame per passage
    tfidf = comp.set_index("model").loc["tfidf"]
    assert tfidf["macro_f1"] > 0.6  # the cue words make the toy task learnable

    models = root / "models"
    res = _invoke("train", "-t", "frames", "-m", "tfidf", "--n-boot", "20", "--max-folds", "3", "--root", models,
                  "--evaluation", root / "none", *fast, *inputs)  # fmt: skip
    version = (models / "frames" / "DEFAULT").read_text().strip()
    config = json.loads((models / "frames" / version / "config.json").read_text())
    assert config["multilabel"] is False and config["thresholds"] is None
    assert config["metrics"]["metric"] == "macro_f1"
    assert config["metrics"]["cv"].startswith("stratified 3-fold over passages, one passage per document")
    card = (models / "frames" / version / "MODEL_CARD.md").read_text()
    assert "multi-class (one label)" in card and "one passage per document" in card
    assert "leave-one-document-out" not in card

    scored = root / "scored.parquet"
    table = root / "new.csv"
    project["table"][["doc_id", "text"]].head(12).to_csv(table, index=False)
    _invoke("score", table, "--out", scored, "--task", "frames", "--models-dir", models,
            "--codebook", project["codebook"])  # fmt: skip
    frame = pd.read_parquet(scored)
    assert set(frame["frames"]) <= set(FRAMES)  # one frame name per passage
    probs = frame[[f"p:{f}" for f in FRAMES]].to_numpy()
    np.testing.assert_allclose(probs.sum(axis=1), 1.0, atol=1e-6)

    from stance.analysis import score_passages
    from stance.corpus import load_corpus

    long = score_passages(load_corpus(project["corpus"]), codebook=project["cb"], tasks=["frames"], models_dir=models,
                          cache=False)  # fmt: skip
    assert (long.groupby("passage_id")["pred"].sum() == 1).all()  # the figures' input: one frame per passage

    res = _invoke("finetune", "-t", "frames", "--force", "--no-promote", "--n-boot", "20", "--max-folds", "3",
                  "--root", models, *inputs)  # fmt: skip
    assert "warning" not in res.output.lower() and "one passage per document" in res.output

    suggested = root / "next.csv"
    _invoke("label", "suggest", "-n", "5", "--out", suggested, "--root", models, "--store", project["labels"],
            "--corpus", project["corpus"], "--codebook", project["codebook"])  # fmt: skip
    picked = pd.read_csv(suggested)
    assert len(picked) == 5 and picked["uncertainty"].between(0, 1).all()
    assert all(int(d[1:]) >= 48 for d in picked["doc_id"])  # only passages nobody labelled


def test_tfidf_chooses_c_by_inner_cv_and_keeps_it(tmp_path):
    from stance.classifiers._head import C_GRID
    from stance.classifiers.tfidf import TfidfClassifier

    table = _sentences(45)
    model = TfidfClassifier(C="auto", calibration=None).fit(table["text"].tolist(), table["label"].tolist())
    assert model.C_ in C_GRID and set(model.C_scores_) == set(C_GRID)
    assert model.C_scores_[model.C_] == max(model.C_scores_.values())
    loaded = TfidfClassifier.load(model.save(tmp_path / "m"), codebook=False)
    assert loaded.C_ == model.C_ and loaded.C_scores_ == model.C_scores_
    np.testing.assert_array_equal(loaded.predict_proba(table["text"]), model.predict_proba(table["text"]))
    with pytest.raises(ValueError, match="parameter 'C' must be"):
        TfidfClassifier(C="big").fit(table["text"].tolist(), table["label"].tolist())
