"""The model store (versions, DEFAULT, atomic saves) and training of the default models."""

from __future__ import annotations

import json

import numpy as np
import pytest

from stance.models import (
    default_version,
    list_versions,
    load_default,
    promote,
    save_version,
    select_default,
    slug_task,
    task_slug,
    train_default,
    train_defaults,
)

STANCE = ["FAVOR", "AGAINST", "NONE"]


def test_task_slugs_round_trip():
    for task in ("frames", "stance:us_government", "roles"):
        assert slug_task(task_slug(task)) == task
    assert task_slug("stance:cooperation") == "stance-cooperation"


@pytest.fixture
def fitted(keyword_classifier, task_data):
    """Factory of a keyword stance model fitted on the toy task."""

    def make(seed: int = 0):
        data = task_data(multilabel=False, seed=seed)
        return keyword_classifier(labels=STANCE).fit(data.texts, data.y)

    return make


def test_versions_default_and_dedupe(tmp_path, fitted):
    first = save_version("stance:cooperation", fitted(), tmp_path)
    assert first == tmp_path / "stance-cooperation" / "v001"
    assert default_version("stance:cooperation", tmp_path) == "v001"  # first version becomes the default
    again = save_version("stance:cooperation", fitted(), tmp_path, card_extra="## Note\n\nsame data")
    assert again == first  # byte-identical content reuses the version
    assert "same data" in (first / "MODEL_CARD.md").read_text()
    other = fitted()
    other.weights_["extra-word"] = np.zeros(3)
    second = save_version("stance:cooperation", other, tmp_path)
    assert second.name == "v002"
    assert default_version("stance:cooperation", tmp_path) == "v001"  # not promoted by default
    promote("stance:cooperation", "v002", tmp_path)
    assert (tmp_path / "stance-cooperation" / "DEFAULT").read_text().strip() == "v002"
    table = list_versions("stance:cooperation", tmp_path)
    assert table["version"].tolist() == ["v001", "v002"]
    assert table["default"].tolist() == [False, True]
    leftovers = [p.name for p in (tmp_path / "stance-cooperation").iterdir() if p.name.startswith(".")]
    assert leftovers == []
    with pytest.raises(FileNotFoundError):
        promote("stance:cooperation", "v009", tmp_path)
    with pytest.raises(FileNotFoundError, match="stance train"):
        load_default("frames", tmp_path)


def test_select_default_explains_ties():
    import pandas as pd

    table = pd.DataFrame(
        {
            "model": ["big", "small", "broken"],
            "metric": "f_avg",
            "score": [0.70, 0.695, float("nan")],
            "ci_low": [0.5, 0.5, float("nan")],
            "ci_high": [0.8, 0.8, float("nan")],
            "fit_seconds": [30.0, 0.2, 0.0],
            "predict_ms": [4.0, 0.1, 0.0],
            "error": ["", "", "ImportError: x"],
        }
    )
    order, reasons = select_default(table, tie_tolerance=0.01)
    assert order == ["small", "big"]
    text = " ".join(reasons)
    assert "within 0.01" in text and "overlap" in text


@pytest.fixture(scope="module")
def project(tmp_path_factory, gold_corpus):
    from stance.codebook import Codebook

    codebook = Codebook.load()
    corpus, gold = gold_corpus(codebook, tmp_path_factory.mktemp("corpus"))
    return codebook, corpus, gold


def test_train_default_selects_saves_and_is_deterministic(project, tmp_path):
    codebook, corpus, gold = project
    fast = {"calibration": None}
    kwargs = {
        "corpus": corpus,
        "gold": gold,
        "codebook": codebook,
        "candidates": ["lexicon", "tfidf"],
        "params": {"lexicon": fast, "tfidf": fast},
        "n_boot": 50,
    }
    res = train_default("stance:us_government", root=tmp_path / "a", **kwargs)
    assert not res.skipped and res.version == "v001" and res.model in {"lexicon", "tfidf"}
    config = json.loads((res.path / "config.json").read_text())
    assert config["codebook_hash"] == codebook.hash
    assert config["metrics"]["metric"] == "f_avg"
    assert config["metrics"]["cv"] == "leave-one-document-out (4 folds)"
    assert config["provenance_extra"]["selection"]["chosen"] == res.model
    card = (res.path / "MODEL_CARD.md").read_text()
    assert "## Why this model" in card and "lexicon" in card and "tfidf" in card
    model = load_default("stance:us_government", tmp_path / "a")
    assert set(model.predict(["The two agencies agreed to share intelligence."])) <= set(STANCE)

    skipped = train_default("stance:us_government", root=tmp_path / "a", **kwargs)
    assert skipped.skipped and "exists" in skipped.reason
    forced = train_default("stance:us_government", root=tmp_path / "a", force=True, **kwargs)
    assert forced.version == "v001"  # same data and seed: identical files, same version

    other = train_default("stance:us_government", root=tmp_path / "b", **kwargs)
    for name in ("config.json", "arrays.safetensors"):
        a, b = res.path / name, other.path / name
        if a.exists():
            assert a.read_bytes() == b.read_bytes(), name


def test_train_defaults_skips_tasks_without_gold(project, tmp_path):
    codebook, corpus, gold = project
    results = train_defaults(
        ["frames", "stance:china_government"],
        codebook=codebook,
        corpus=corpus,
        gold=gold,
        root=tmp_path,
        candidates=["tfidf"],
        params={"tfidf": {"calibration": None, "threshold": 0.5}},
        n_boot=20,
    )
    by_task = {r.task: r for r in results}
    assert not by_task["frames"].skipped
    assert by_task["stance:china_government"].skipped
    assert "no gold" in by_task["stance:china_government"].reason
    assert (tmp_path / "frames" / "DEFAULT").is_file()
