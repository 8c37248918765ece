"""Contract tests for every classifier in ``stance.classifiers.REGISTRY`` plus backend specifics.

One parametrised contract runs over the registry (multi-label frames and multi-class
stance for each backend). Backends that load the sentence encoder or fine-tune it carry
the ``slow`` marker; each model is fitted once per session and shared between tests.
"""

from __future__ import annotations

import json
import subprocess
import sys
import warnings
from functools import cache
from pathlib import Path

import numpy as np
import pytest
from conftest_classifiers import (
    FRAME_CUES,
    FRAME_PROTOTYPES,
    FRAMES,
    STANCE,
    STANCE_CUES,
    STANCE_PROTOTYPES,
    frame_data,
    frame_matrix,
    stance_data,
)
from sklearn.base import clone
from sklearn.exceptions import NotFittedError

from stance.classifiers import (
    REGISTRY,
    CodebookChangedWarning,
    LexiconClassifier,
    TfidfClassifier,
    load_model,
    make_classifier,
)

ROOT = Path(__file__).resolve().parent.parent
SLOW_BACKENDS = {"embedding", "zeroshot", "conditioned", "setfit", "transformer"}

#: Contract cases: (id, registry name, constructor parameters per task kind).
CASES = [
    ("lexicon", "lexicon", {"frames": {"cues": FRAME_CUES}, "stance": {"cues": STANCE_CUES}}),
    ("lexicon-learned", "lexicon", {"frames": {}, "stance": {}}),
    ("tfidf", "tfidf", {"frames": {}, "stance": {}}),
    ("embedding", "embedding", {"frames": {}, "stance": {}}),
    (
        "zeroshot",
        "zeroshot",
        {"frames": {"prototypes": FRAME_PROTOTYPES}, "stance": {"prototypes": STANCE_PROTOTYPES}},
    ),
    ("conditioned", "conditioned", {"frames": {"C": 1.0}, "stance": {"target": "stance:x", "targets": ["stance:x"]}}),
    ("setfit", "setfit", {kind: {"num_iterations": 1, "max_steps": 3} for kind in ("frames", "stance")}),
    ("transformer", "transformer", {kind: {"max_steps": 3} for kind in ("frames", "stance")}),
    ("transformer-lora", "transformer", {kind: {"max_steps": 3, "lora": True} for kind in ("frames", "stance")}),
]


def _param(case: tuple, kind: str):
    cid, name, _ = case
    marks = [pytest.mark.slow] if name in SLOW_BACKENDS else []
    return pytest.param(case, kind, id=f"{cid}-{kind}", marks=marks)


CONTRACT = [_param(case, kind) for case in CASES for kind in ("frames", "stance")]


def _data(kind: str):
    if kind == "frames":
        texts, y = frame_data()
        return texts, y, FRAMES, True
    texts, y = stance_data()
    return texts, y, STANCE, False


def _build(case: tuple, kind: str, **extra):
    _, name, params = case
    _, _, labels, multilabel = _data(kind)
    return REGISTRY[name](labels=labels, multilabel=multilabel, **params[kind], **extra)


# tuples holding dicts are not hashable: key the cache by case id instead
_CASE_BY_ID = {c[0]: c for c in CASES}


@cache
def _fitted_by_id(cid: str, kind: str):
    case = _CASE_BY_ID[cid]
    texts, y, _, _ = _data(kind)
    return _build(case, kind).fit(texts, y)


def fitted(case: tuple, kind: str):
    """The model of ``case`` fitted on the tiny data set, once per session."""
    return _fitted_by_id(case[0], kind)


def test_registry_is_covered():
    assert set(REGISTRY) == {name for _, name, _ in CASES}
    assert list(REGISTRY) == ["lexicon", "tfidf", "embedding", "zeroshot", "conditioned", "setfit", "transformer"]


# ----------------------------------------------------------------------------------- contract
@pytest.mark.parametrize(("case", "kind"), CONTRACT)
class TestContract:
    """The estimator contract every backend must meet."""

    def test_fit_predict_proba(self, case, kind):
        texts, _, labels, multilabel = _data(kind)
        clf = fitted(case, kind)
        assert list(clf.classes_) == labels  # codebook order, including labels absent from y
        P = clf.predict_proba(texts)
        assert P.shape == (len(texts), len(labels))
        assert np.isfinite(P).all() and (P >= 0).all() and (P <= 1).all()
        pred = clf.predict(texts)
        if multilabel:
            assert pred.shape == (len(texts), len(labels))
            assert set(np.unique(pred)) <= {0, 1}
            assert clf.thresholds_.shape == (len(labels),)
            np.testing.assert_array_equal(pred, (P >= clf.thresholds_).astype(int))
        else:
            np.testing.assert_allclose(P.sum(axis=1), 1.0, atol=1e-6)
            assert pred.shape == (len(texts),)
            assert set(pred) <= set(labels)
            np.testing.assert_array_equal(pred, np.array(labels, dtype=object)[P.argmax(axis=1)])

    def test_label_never_in_y_keeps_its_column(self, case, kind):
        clf = fitted(case, kind)
        if kind == "frames":
            assert "sovereignty" in list(clf.classes_)
        else:  # refit without any NONE example: the NONE column stays, in codebook order
            texts, y, labels, _ = _data(kind)
            keep = np.asarray(y) != "NONE"
            if case[1] in SLOW_BACKENDS - {"embedding", "zeroshot"}:
                pytest.skip("covered by the frames case for fine-tuned backends")
            sub = _build(case, kind).fit([t for t, k in zip(texts, keep, strict=True) if k], np.asarray(y)[keep])
            assert list(sub.classes_) == labels
            assert sub.predict_proba(texts[:3]).shape == (3, len(labels))

    def test_clone_and_get_params(self, case, kind):
        clf = fitted(case, kind)
        params = clf.get_params()
        twin = clone(clf)
        assert not hasattr(twin, "classes_")
        assert twin.get_params().keys() == params.keys()
        for key, value in params.items():
            assert twin.get_params()[key] == value
        twin.set_params(random_state=7)
        assert twin.random_state == 7
        assert clf.random_state == params["random_state"]
        with pytest.raises(NotFittedError):
            twin.predict_proba(["text"])

    def test_save_load_round_trip(self, case, kind, tmp_path):
        texts, _, labels, _ = _data(kind)
        clf = fitted(case, kind)
        clf.set_provenance(metrics={"macro_f1": 0.5})
        folder = clf.save(tmp_path / "model")
        files = {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()}
        assert {"config.json", "MODEL_CARD.md"} <= files
        assert not any(f.endswith((".pkl", ".pickle", ".joblib", ".bin", ".pt")) for f in files)
        config = json.loads((folder / "config.json").read_text())
        assert config["labels"] == labels
        assert config["class"] == type(clf).__name__
        assert config["metrics"] == {"macro_f1": 0.5}
        assert config["training_data_hash"] == clf.training_data_hash_
        assert "scikit-learn" in config["versions"]
        card = (folder / "MODEL_CARD.md").read_text()
        assert "Intended use" in card and "Limitations" in card and "macro_f1" in card
        loaded = load_model(folder, codebook=False)
        assert type(loaded) is type(clf)
        assert list(loaded.classes_) == labels
        np.testing.assert_allclose(loaded.predict_proba(texts), clf.predict_proba(texts), atol=1e-6)
        np.testing.assert_array_equal(loaded.predict(texts), clf.predict(texts))
        assert loaded.get_params() == clf.get_params()
        assert type(clf).load(folder, codebook=False).provenance["metrics"] == {"macro_f1": 0.5}

    def test_empty_input(self, case, kind):
        clf = fitted(case, kind)
        k = len(clf.classes_)
        assert clf.predict_proba([]).shape == (0, k)
        expected = (0, k) if kind == "frames" else (0,)
        assert clf.predict(np.array([], dtype=object)).shape == expected


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
class TestInputErrors:
    """Input errors are raised before any model is loaded, so they run for every backend."""

    def test_single_string_is_rejected(self, case):
        clf = _build(case, "stance")
        with pytest.raises(ValueError, match="single string"):
            clf.fit("one text", ["FAVOR"])
        with pytest.raises(ValueError, match="wrap it in a list"):
            clf.predict("one text")

    def test_unseen_labels_in_y_are_named(self, case):
        texts, y, _, _ = _data("stance")
        bad = np.asarray(y).copy()
        bad[0], bad[1] = "NEUTRAL", "SUPPORT"
        with pytest.raises(ValueError, match=r"NEUTRAL.*SUPPORT"):
            _build(case, "stance").fit(texts, bad)
        ftexts, fy, _, _ = _data("frames")
        fy = [list(r) for r in fy]
        fy[3] = ["cooperation", "blame_game"]
        with pytest.raises(ValueError, match="blame_game"):
            _build(case, "frames").fit(ftexts, fy)

    def test_mismatched_lengths_and_non_text(self, case):
        texts, y, _, _ = _data("stance")
        with pytest.raises(ValueError, match="labels"):
            _build(case, "stance").fit(texts, y[:-1])
        with pytest.raises(ValueError, match=r"X\[1\] is int"):
            _build(case, "stance").fit(["a", 3], ["FAVOR", "NONE"])

    def test_unfitted_predict(self, case):
        with pytest.raises(NotFittedError):
            _build(case, "stance").predict_proba(["text"])


# ------------------------------------------------------------------------------- fast specifics
def test_targets_as_matrix_or_name_lists_agree():
    texts, names = frame_data()
    _, Y = frame_matrix()
    a = TfidfClassifier(labels=FRAMES, multilabel=True).fit(texts, names)
    b = TfidfClassifier(labels=FRAMES, multilabel=True).fit(texts, Y)
    np.testing.assert_allclose(a.predict_proba(texts), b.predict_proba(texts))
    assert a.training_data_hash_ == b.training_data_hash_
    with pytest.raises(ValueError, match="needs labels"):
        TfidfClassifier(multilabel=True).fit(texts, Y)
    with pytest.raises(ValueError, match="0 and 1"):
        TfidfClassifier(labels=FRAMES, multilabel=True).fit(texts, Y * 2)


def test_default_labels_are_sorted_and_pandas_input_works():
    pd = pytest.importorskip("pandas")
    texts, y = stance_data()
    clf = TfidfClassifier().fit(pd.Series(texts), pd.Series(y))
    assert list(clf.classes_) == sorted(STANCE)
    assert clf.predict(pd.DataFrame({"text": texts[:4]})).shape == (4,)
    assert 0.0 <= clf.score(texts, y) <= 1.0


def test_multilabel_column_order_follows_labels():
    texts, names = frame_data()
    order = list(reversed(FRAMES))
    a = TfidfClassifier(labels=FRAMES, multilabel=True).fit(texts, names)
    b = TfidfClassifier(labels=order, multilabel=True).fit(texts, names)
    assert list(b.classes_) == order
    np.testing.assert_allclose(b.predict_proba(texts)[:, ::-1], a.predict_proba(texts), atol=1e-6)
    np.testing.assert_allclose(b.thresholds_[::-1], a.thresholds_)


@pytest.mark.parametrize("method", [None, "sigmoid", "isotonic", "auto"])
def test_calibration_methods(method, tmp_path):
    texts, y = stance_data()
    clf = TfidfClassifier(labels=STANCE, calibration=method).fit(texts, y)
    if method != "auto":
        assert clf.calibration_ == method
    else:
        assert set(clf.calibration_scores_) == {"None", "sigmoid", "isotonic"}
        assert clf.calibration_scores_[str(clf.calibration_)] == min(clf.calibration_scores_.values())
    P = clf.predict_proba(texts)
    np.testing.assert_allclose(P.sum(axis=1), 1.0, atol=1e-9)
    loaded = load_model(clf.save(tmp_path / "m"), codebook=False)
    np.testing.assert_allclose(loaded.predict_proba(texts), P)
    with pytest.raises(ValueError, match="calibration"):
        TfidfClassifier(calibration="platt").fit(texts, y)


def test_thresholds_are_tuned_on_training_folds_only():
    texts, names = frame_data()
    clf = TfidfClassifier(labels=FRAMES, multilabel=True, threshold="auto").fit(texts, names)
    assert ((clf.thresholds_ > 0) & (clf.thresholds_ < 1)).all()
    assert clf.thresholds_[FRAMES.index("sovereignty")] == 0.5  # no positives: default
    fixed = TfidfClassifier(labels=FRAMES, multilabel=True, threshold=0.3, calibration=None).fit(texts, names)
    np.testing.assert_array_equal(fixed.thresholds_, 0.3)
    # thresholds depend only on the data given to fit: refitting gives the same ones
    again = TfidfClassifier(labels=FRAMES, multilabel=True, threshold="auto").fit(texts, names)
    np.testing.assert_array_equal(again.thresholds_, clf.thresholds_)


def test_lexicon_cues_and_none_fallback():
    clf = LexiconClassifier(cues=STANCE_CUES, labels=STANCE).fit(["x"])  # no labels needed
    pred = clf.predict(["The two agencies cooperate closely.", "Rain is expected.", "They blamed others."])
    assert list(pred) == ["FAVOR", "NONE", "AGAINST"]
    mixed = clf.predict(["They cooperate, but blame each other."])
    assert list(mixed) == ["NONE"]  # a tie between FAVOR and AGAINST is mixed
    assert clf.matches(["Joint patrols will cooperate."]) == [{"FAVOR": ["cooperat", "joint"]}]
    frames = LexiconClassifier(cues=FRAME_CUES, labels=FRAMES, multilabel=True).fit(["x"])
    assert frames.predict(["Overdose deaths rose; officials blamed suppliers."]).tolist() == [[0, 1, 0, 1]]
    with pytest.raises(ValueError, match="not in labels"):
        LexiconClassifier(cues={"bogus": ["x"]}, labels=STANCE).fit(["x"])
    with pytest.raises(ValueError, match="needs labels"):
        LexiconClassifier(cues=STANCE_CUES).fit(["x"])


def test_make_classifier_for_every_codebook_task(codebook):
    assert codebook.tasks
    for task in codebook.tasks:
        for name in REGISTRY:
            clf = make_classifier(name, task, codebook)
            assert clf.labels == codebook.task_labels(task)
            assert clf.multilabel == codebook.is_multilabel(task)
            assert clf.provenance["codebook_hash"] == codebook.hash
            assert clf.provenance["task"] == task
            assert clone(clf).provenance["codebook_hash"] == codebook.hash
        lex = make_classifier("lexicon", task, codebook)
        assert set(lex.cues) <= set(codebook.task_labels(task))
    zs = make_classifier("zeroshot", "frames", codebook)
    assert set(zs.prototypes) == set(codebook.frame_names)
    assert zs.negative_prototypes
    with pytest.raises(ValueError, match="unknown classifier"):
        make_classifier("svm", "frames", codebook)


def test_lexicon_from_codebook_predicts_with_codebook_cues(codebook):
    clf = make_classifier("lexicon", "frames", codebook).fit(["placeholder"])
    examples = [lab.positive_examples[0] for lab in codebook.frames]
    P = clf.predict_proba(examples)
    assert P.shape == (len(examples), len(codebook.frames))
    stance = make_classifier("lexicon", "stance:us_government", codebook).fit(["x"])
    assert stance.predict(["The weather was mild."]).tolist() == ["NONE"]


def _edit_label(codebook, name: str):
    from stance.codebook import Codebook

    data = json.loads(json.dumps(codebook.data))
    for frame in data["frames"]:
        if frame["name"] == name:
            frame["definition"] += " (revised)"
    return Codebook.from_dict(data)


def test_loading_under_a_changed_codebook_names_the_changed_labels(codebook, tmp_path):
    texts, names = frame_data()
    labels = codebook.frame_names
    names = [[n for n in row if n in labels] for row in names]
    clf = make_classifier("tfidf", "frames", codebook).fit(texts, names)
    folder = clf.save(tmp_path / "m")
    config = json.loads((folder / "config.json").read_text())
    assert config["codebook_hash"] == codebook.hash
    assert set(config["label_hashes"]) == set(labels)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        load_model(folder, codebook=codebook)  # same codebook: silent
    changed = _edit_label(codebook, "blame")
    with pytest.warns(CodebookChangedWarning, match=r"changed labels: blame$"):
        load_model(folder, codebook=changed)


def test_importing_stance_does_not_import_torch():
    code = (
        "import sys, stance, stance.classifiers, stance.encoders\n"
        "heavy = ['torch', 'transformers', 'sentence_transformers', 'setfit', 'peft']\n"
        "print([m for m in heavy if m in sys.modules])\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert out.stdout.strip() == "[]"


def test_missing_extra_gives_an_install_hint():
    code = (
        "import sys\n"
        "class Block:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name.split('.')[0] == 'torch':\n"
        "            raise ModuleNotFoundError(f'No module named {name!r}', name=name)\n"
        "sys.meta_path.insert(0, Block())\n"
        "from stance.classifiers import EmbeddingClassifier\n"
        "try:\n"
        "    EmbeddingClassifier(labels=['a', 'b']).fit(['x', 'y'], ['a', 'b'])\n"
        "except ImportError as exc:\n"
        "    print(exc)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert "pip install" in out.stdout and "torch" in out.stdout


# ------------------------------------------------------------------------------- slow specifics
@pytest.mark.slow
def test_zeroshot_needs_no_labels():
    texts, names = frame_data()
    clf = REGISTRY["zeroshot"](prototypes=FRAME_PROTOTYPES, labels=FRAMES, multilabel=True).fit(texts)
    assert clf.calibration_ is None
    P = clf.predict_proba(texts)
    assert P.shape == (len(texts), len(FRAMES))
    health = FRAMES.index("public_health")
    # passages about overdoses score higher on public_health than neutral ones
    is_health = np.array(["public_health" in r for r in names])
    assert P[is_health, health].mean() > P[~is_health, health].mean()
    with pytest.raises(ValueError, match="prototypes"):
        REGISTRY["zeroshot"](labels=FRAMES, multilabel=True).fit(texts)


@pytest.mark.slow
def test_lora_adapter_config_holds_no_absolute_base_path(tmp_path):
    case = _CASE_BY_ID["transformer-lora"]
    clf = fitted(case, "stance")
    folder = clf.save(tmp_path / "lora")
    cfg = json.loads((folder / "adapter" / "adapter_config.json").read_text())
    assert cfg["base_model_name_or_path"] == clf.encoder_
    assert not (folder / "model").exists()
    text = "".join(p.read_text(errors="ignore") for p in folder.rglob("*.json"))
    assert str(ROOT) not in text


@pytest.mark.slow
def test_encoder_hash_is_recorded_and_checked(tmp_path):
    clf = fitted(_CASE_BY_ID["embedding"], "stance")
    from stance.encoders import PACKAGED_MODELS

    assert clf.encoder_hash_ == PACKAGED_MODELS["all-MiniLM-L6-v2"][1]
    folder = clf.save(tmp_path / "m")
    config = json.loads((folder / "config.json").read_text())
    config["state"]["encoder_hash"] = "0" * 64
    (folder / "config.json").write_text(json.dumps(config))
    with pytest.raises(ValueError, match="retrain"):
        load_model(folder, codebook=False).predict(["text"])
