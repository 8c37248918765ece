"""Contract tests for every classifier in ``stance.classifiers.REGISTRY`` and every role model, plus specifics.

One mixin of contract tests (:class:`ContractTests`) with one subclass per backend and per
role model: multi-label frames and multi-class stance for each classifier, marked passages
for the role models. Backends that load the sentence encoder or fine-tune it carry the
``slow`` marker; each model is fitted once per session and shared between tests. The data
set is ``fixtures/tiny_news.json`` (invented sentences).
"""

from __future__ import annotations

import json
import subprocess
import sys
import warnings
from pathlib import Path
from typing import ClassVar

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.exceptions import NotFittedError

from stance.classifiers import (
    REGISTRY,
    CodebookChangedWarning,
    LexiconClassifier,
    TfidfClassifier,
    decide_labels,
    load_model,
    make_classifier,
    provenance_record,
)
from stance.classifiers.tfidf import TfidfFallbackWarning
from stance.models import load_model_folder, read_config
from stance.narrative.role_model import ROLE_MODELS, ActorRoleClassifier
from stance.narrative.roles import RoleCueBaseline

ROOT = Path(__file__).resolve().parent.parent
#: The tiny invented data set of these tests (texts, frames, stance, cues, prototypes).
TINY = json.loads((Path(__file__).parent / "fixtures" / "tiny_news.json").read_text(encoding="utf-8"))
FRAMES: list[str] = TINY["frames"]
STANCE: list[str] = TINY["stance"]
FRAME_CUES, STANCE_CUES = TINY["frame_cues"], TINY["stance_cues"]
FRAME_PROTOTYPES, STANCE_PROTOTYPES = TINY["frame_prototypes"], TINY["stance_prototypes"]


def frame_data() -> tuple[list[str], list[list[str]]]:
    """Texts and their frame-name lists."""
    return list(TINY["texts"]), [list(row) for row in TINY["frame_labels"]]


def frame_matrix() -> tuple[list[str], np.ndarray]:
    """Texts and an indicator matrix aligned with FRAMES."""
    texts, y = frame_data()
    return texts, np.array([[int(f in row) for f in FRAMES] for row in y])


def stance_data() -> tuple[list[str], np.ndarray]:
    """Texts with a stance class each: blame AGAINST, cooperation FAVOR, the rest NONE."""
    texts, y = frame_data()
    out = ["AGAINST" if "blame" in row else "FAVOR" if "cooperation" in row else "NONE" for row in y]
    return texts, np.array(out, dtype=object)


def role_data() -> tuple[list[str], np.ndarray, list[str]]:
    """The codebook's synthetic role examples (marked passages) and the role outcomes (roles, then ``none``)."""
    from stance.codebook import Codebook
    from stance.narrative.roles import role_labels

    cb = Codebook.load(ROOT / "codebook" / "codebook.yaml")
    examples = cb.examples("roles")
    return [t for t, _, _ in examples], np.array([lab for _, lab, _ in examples], dtype=object), role_labels(cb)


def _data(kind: str):
    if kind == "frames":
        texts, y = frame_data()
        return texts, y, FRAMES, True
    if kind == "roles":
        texts, y, labels = role_data()
        return texts, y, labels, False
    texts, y = stance_data()
    return texts, y, STANCE, False


_FITTED: dict[tuple[str, str], object] = {}


def pytest_generate_tests(metafunc):
    """Each contract class runs for the task kinds it declares."""
    if "kind" in metafunc.fixturenames and metafunc.cls is not None:
        metafunc.parametrize("kind", metafunc.cls.kinds)


# ----------------------------------------------------------------------------------- contract
class ContractTests:
    """The estimator contract every model meets (the small-text shared-mixin pattern).

    One subclass per backend (and per role model) sets ``model`` (a class) and ``params``
    (constructor parameters per task kind); the tests below run for each of its ``kinds``.
    """

    model: ClassVar[type]
    params: ClassVar[dict] = {}
    kinds: ClassVar[tuple[str, ...]] = ("frames", "stance")

    def build(self, kind: str, **extra):
        _, _, labels, multilabel = _data(kind)
        kw = {"labels": labels} if kind != "roles" else {}
        if multilabel:
            kw["multilabel"] = True
        return self.model(**kw, **self.params.get(kind, {}), **extra)

    def fitted(self, kind: str):
        """The model fitted on the tiny data set, once per session."""
        key = (type(self).__name__, kind)
        if key not in _FITTED:
            texts, y, _, _ = _data(kind)
            _FITTED[key] = self.build(kind).fit(texts, y)
        return _FITTED[key]

    def test_fit_predict_proba(self, kind):
        texts, _, labels, multilabel = _data(kind)
        clf = self.fitted(kind)
        assert list(clf.classes_) == labels  # codebook order, including labels absent from y
        P = clf.predict_proba(texts)
        assert P.shape == (len(texts), len(labels))
        assert np.isfinite(P).all() and (P >= 0).all() and (P <= 1).all()
        pred = clf.predict(texts)
        np.testing.assert_array_equal(pred, clf.decide(P))  # predict is the one decision rule
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

    def test_label_never_in_y_keeps_its_column(self, kind):
        clf = self.fitted(kind)
        if kind == "frames":
            assert "sovereignty" in list(clf.classes_)
            return
        texts, y, labels, _ = _data(kind)
        if getattr(self.model, "backend", "") in ("setfit", "transformer"):
            pytest.skip("covered by the frames case for fine-tuned backends")
        drop = "NONE" if kind == "stance" else labels[-1]
        keep = np.asarray(y) != drop  # refit without one class: its column stays, in codebook order
        sub = self.build(kind).fit([t for t, k in zip(texts, keep, strict=True) if k], np.asarray(y)[keep])
        assert list(sub.classes_) == labels
        assert sub.predict_proba(texts[:3]).shape == (3, len(labels))

    def test_clone_and_get_params(self, kind):
        clf = self.fitted(kind)
        params = clf.get_params()
        twin = clone(clf)
        assert not hasattr(twin, "classes_")
        assert twin.get_params() == params
        twin.set_params(**params)  # get_params and set_params round-trip
        assert twin.get_params() == params
        with pytest.raises(NotFittedError):
            twin.predict_proba(["text"])

    def test_every_parameter_is_declared_and_checked(self, kind):
        texts, y, _, _ = _data(kind)
        clf = self.build(kind)
        assert set(clf.get_params()) == set(type(clf)._parameter_constraints)
        for name in clf.get_params():
            bad = clone(clf).set_params(**{name: object()})
            with pytest.raises(ValueError, match=rf"parameter '{name}' must be"):
                bad.fit(texts, y)

    def test_save_load_round_trip(self, kind, tmp_path):
        texts, _, labels, _ = _data(kind)
        clf = self.fitted(kind)
        folder = clf.save(tmp_path / "model", provenance={"metrics": {"macro_f1": 0.5}})
        files = {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()}
        assert {"config.json", "MODEL_CARD.md"} <= files
        assert any(f.endswith(".safetensors") for f in files)
        assert not any(f.endswith((".pkl", ".pickle", ".joblib", ".bin", ".pt")) for f in files)
        config = read_config(folder)
        assert config["labels"] == labels
        assert config["class"] == type(clf).__name__
        assert config["metrics"] == {"macro_f1": 0.5}  # provenance lives in the saved config
        assert "scikit-learn" in config["versions"]
        card = (folder / "MODEL_CARD.md").read_text()
        assert "Intended use" in card and "Limitations" in card and "macro_f1" in card
        loaded = load_model_folder(folder, **({} if kind == "roles" else {"codebook": False}))
        assert type(loaded) is type(clf)
        assert list(loaded.classes_) == labels
        np.testing.assert_allclose(loaded.predict_proba(texts), clf.predict_proba(texts), atol=1e-6)
        np.testing.assert_array_equal(loaded.predict(texts), clf.predict(texts))
        assert loaded.get_params() == clf.get_params()
        assert not hasattr(loaded, "_provenance")

    def test_empty_input(self, kind):
        clf = self.fitted(kind)
        k = len(clf.classes_)
        assert clf.predict_proba([]).shape == (0, k)
        expected = (0, k) if kind == "frames" else (0,)
        assert clf.predict(np.array([], dtype=object)).shape == expected

    def test_single_string_is_rejected(self, kind):
        _, y, _, _ = _data(kind)
        with pytest.raises(ValueError, match="single string"):
            self.build(kind).fit("one text", y[:1])
        with pytest.raises(ValueError, match="wrap it in a list"):
            self.fitted(kind).predict("one text")

    def test_mismatched_lengths_and_non_text(self, kind):
        texts, y, _, _ = _data(kind)
        with pytest.raises(ValueError, match=r"X has \d+ (texts|examples) but y has \d+ label"):
            self.build(kind).fit(texts, y[:-1])
        with pytest.raises(ValueError, match=r"X\[1\] is int"):
            self.build(kind).fit(["a", 3], y[:2])

    def test_unseen_labels_in_y_are_named(self, kind):
        texts, y, _, multilabel = _data(kind)
        if multilabel:
            fy = [list(r) for r in y]
            fy[3] = ["cooperation", "blame_game"]
            with pytest.raises(ValueError, match="blame_game"):
                self.build(kind).fit(texts, fy)
            return
        bad = np.asarray(y).copy()
        bad[0], bad[1] = "NEUTRAL", "SUPPORT"
        with pytest.raises(ValueError, match=r"NEUTRAL.*SUPPORT"):
            self.build(kind).fit(texts, bad)

    def test_unfitted_predict(self, kind):
        with pytest.raises(NotFittedError):
            self.build(kind).predict_proba(["text"])


class TestLexicon(ContractTests):
    model = LexiconClassifier
    params: ClassVar[dict] = {"frames": {"cues": FRAME_CUES}, "stance": {"cues": STANCE_CUES}}


class TestLexiconLearned(ContractTests):
    model = LexiconClassifier


class TestTfidf(ContractTests):
    model = TfidfClassifier


@pytest.mark.slow
class TestEmbedding(ContractTests):
    model = REGISTRY["embedding"]


@pytest.mark.slow
class TestZeroShot(ContractTests):
    model = REGISTRY["zeroshot"]
    params: ClassVar[dict] = {"frames": {"prototypes": FRAME_PROTOTYPES}, "stance": {"prototypes": STANCE_PROTOTYPES}}


@pytest.mark.slow
class TestConditioned(ContractTests):
    model = REGISTRY["conditioned"]
    params: ClassVar[dict] = {"frames": {"C": 1.0}, "stance": {"target": "stance:x", "targets": ["stance:x"]}}


@pytest.mark.slow
class TestSetFit(ContractTests):
    model = REGISTRY["setfit"]
    params: ClassVar[dict] = {kind: {"num_iterations": 1, "max_steps": 3} for kind in ("frames", "stance")}


@pytest.mark.slow
class TestTransformer(ContractTests):
    model = REGISTRY["transformer"]
    params: ClassVar[dict] = {kind: {"max_steps": 3} for kind in ("frames", "stance")}


@pytest.mark.slow
class TestTransformerLora(ContractTests):
    model = REGISTRY["transformer"]
    params: ClassVar[dict] = {kind: {"max_steps": 3, "lora": True} for kind in ("frames", "stance")}


class TestRoleCues(ContractTests):
    model = RoleCueBaseline
    kinds = ("roles",)


class TestRoleLogistic(ContractTests):
    model = ActorRoleClassifier
    kinds = ("roles",)


CONTRACT_CLASSES = [c for c in list(globals().values()) if isinstance(c, type) and issubclass(c, ContractTests)]


def test_registry_is_covered():
    covered = {c.model for c in CONTRACT_CLASSES if c is not ContractTests}
    assert set(REGISTRY.values()) | set(ROLE_MODELS.values()) == covered
    assert list(REGISTRY) == ["lexicon", "tfidf", "embedding", "zeroshot", "conditioned", "setfit", "transformer"]


# ------------------------------------------------------------------------------- fast specifics
def test_one_decision_rule_turns_probabilities_into_labels():
    from stance.evaluation import decide

    P = np.array([[0.2, 0.5, 0.3], [0.4, 0.4, 0.2]])
    classes = ["a", "b", "c"]
    assert decide_labels(P, classes, multilabel=False).tolist() == ["b", "a"]  # ties: the first column
    np.testing.assert_array_equal(decide_labels(P, classes, multilabel=True), [[0, 1, 0], [0, 0, 0]])
    np.testing.assert_array_equal(decide_labels(P, classes, True, thresholds=[0.4, 0.6, 0.1]), [[0, 0, 1], [1, 0, 1]])
    assert decide_labels(np.zeros((0, 3)), classes, multilabel=False).shape == (0,)

    class Plain:  # a scikit-learn-style estimator without ``decide`` gets the same rule
        classes_ = np.array(classes, dtype=object)

    np.testing.assert_array_equal(decide(Plain(), P, multilabel=False), ["b", "a"])
    np.testing.assert_array_equal(decide(Plain(), P, multilabel=True), [[0, 1, 0], [0, 0, 0]])


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
    clf = LexiconClassifier(cues=STANCE_CUES, labels=STANCE).fit_from_params()  # no data needed
    pred = clf.predict(["The two agencies cooperate closely.", "Rain is expected.", "They blamed others."])
    assert list(pred) == ["FAVOR", "NONE", "AGAINST"]
    mixed = clf.predict(["They cooperate, but blame each other."])
    assert list(mixed) == ["NONE"]  # a tie between FAVOR and AGAINST is mixed
    assert clf.matches(["Joint patrols will cooperate."]) == [{"FAVOR": ["cooperat", "joint"]}]
    frames = LexiconClassifier(cues=FRAME_CUES, labels=FRAMES, multilabel=True).fit_from_params()
    assert frames.predict(["Overdose deaths rose; officials blamed suppliers."]).tolist() == [[0, 1, 0, 1]]
    with pytest.raises(ValueError, match="not in labels"):
        LexiconClassifier(cues={"bogus": ["x"]}, labels=STANCE).fit_from_params()
    with pytest.raises(ValueError, match="needs labels"):
        LexiconClassifier(cues=STANCE_CUES).fit_from_params()
    with pytest.raises(ValueError, match="needs training data"):
        TfidfClassifier(labels=STANCE).fit_from_params()
    assert clf.n_train_ == 0 and clf.training_data_hash_ is None


def test_make_classifier_for_every_codebook_task(codebook):
    assert codebook.tasks
    for task in codebook.tasks:
        for name in REGISTRY:
            clf = make_classifier(name, task, codebook)
            assert clf.labels == codebook.task_labels(task)
            assert clf.multilabel == codebook.is_multilabel(task)
            assert clone(clf).get_params() == clf.get_params()
        lex = make_classifier("lexicon", task, codebook)
        assert set(lex.cues) <= set(codebook.task_labels(task))
    zs = make_classifier("zeroshot", "frames", codebook)
    assert set(zs.prototypes) == set(codebook.frame_names)
    assert zs.negative_prototypes
    with pytest.raises(ValueError, match="unknown classifier"):
        make_classifier("svm", "frames", codebook)


def test_lexicon_from_codebook_predicts_with_codebook_cues(codebook):
    clf = make_classifier("lexicon", "frames", codebook).fit_from_params()
    examples = [lab.positive_examples[0] for lab in codebook.frames]
    P = clf.predict_proba(examples)
    assert P.shape == (len(examples), len(codebook.frames))
    stance = make_classifier("lexicon", "stance:us_government", codebook).fit_from_params()
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
    folder = clf.save(tmp_path / "m", provenance=provenance_record(codebook=codebook, task="frames"))
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
    clf = TestTransformerLora().fitted("stance")
    folder = clf.save(tmp_path / "lora")
    cfg = json.loads((folder / "adapter" / "adapter_config.json").read_text())
    assert cfg["base_model_name_or_path"] == clf.encoder_
    assert not (folder / "model").exists()
    text = "".join(p.read_text(errors="ignore") for p in folder.rglob("*.json"))
    assert str(ROOT) not in text


@pytest.mark.slow
def test_encoder_hash_is_recorded_and_checked(tmp_path):
    clf = TestEmbedding().fitted("stance")
    from stance.encoders import PACKAGED_MODELS

    assert clf.encoder_hash_ == PACKAGED_MODELS["all-MiniLM-L6-v2"][1]
    folder = clf.save(tmp_path / "m")
    config = json.loads((folder / "config.json").read_text())
    config["state"]["encoder_hash"] = "0" * 64
    (folder / "config.json").write_text(json.dumps(config))
    with pytest.raises(ValueError, match="retrain"):
        load_model(folder, codebook=False).predict(["text"])


def test_tfidf_says_when_it_falls_back_to_characters():
    texts, y = ["!!!", "???", "...", "!?!"], ["FAVOR", "AGAINST", "FAVOR", "AGAINST"]
    with pytest.warns(TfidfFallbackWarning, match="character unigrams"):
        clf = TfidfClassifier(labels=["FAVOR", "AGAINST"], calibration=None).fit(texts, y)
    assert clf.vectorizer_.analyzer == "char"
    with pytest.raises(ValueError, match="vocabulary"):
        TfidfClassifier(labels=["FAVOR", "AGAINST"], calibration=None, fallback_analyzer=None).fit(texts, y)


def test_parameter_errors_name_the_parameter():
    texts, y = stance_data()
    with pytest.raises(ValueError, match=r"'C' must be a float in \(0, inf\) or one of 'auto', got -1"):
        TfidfClassifier(C=-1).fit(texts, y)
    with pytest.raises(ValueError, match=r"parameter 'threshold' must be one of 'auto' or a float in \(0, 1\)"):
        TfidfClassifier(threshold=1.5).fit(texts, y)
    with pytest.raises(ValueError, match="parameter 'multilabel'"):
        RoleCueBaseline(multilabel=True).fit(["[[China]] helped."], ["protagonist"])
