"""Inner cross-validation keeps documents whole: C, calibration and thresholds never see a split document."""

from __future__ import annotations

import zlib
from typing import ClassVar

import numpy as np
import pytest

from stance.classifiers import _head, base
from stance.classifiers._head import choose_C, inner_splits
from stance.evaluation import TaskData, cross_validate, make_folds
from stance.evaluation.cv import pooled_pairs


def _crossing(splits, groups) -> list[str]:
    """Groups found on both sides of any split."""
    groups = np.asarray(groups, dtype=object)
    out = set()
    for tr, te in splits:
        out |= set(groups[tr].tolist()) & set(groups[te].tolist())
    return sorted(out)


@pytest.fixture
def spy(monkeypatch):
    """Every inner split made while fitting, with the rows' true documents checked by the test."""
    calls = []

    def record(Y, multilabel, cv, random_state=0, groups=None):
        splits = inner_splits(Y, multilabel, cv, random_state, groups=groups)
        calls.append((len(Y), groups, splits))
        return splits

    monkeypatch.setattr(_head, "inner_splits", record)
    monkeypatch.setattr(base, "inner_splits", record)
    return calls


def test_inner_splits_with_groups_never_split_a_group():
    rng = np.random.default_rng(0)
    groups = np.repeat([f"doc{i}" for i in range(7)], rng.integers(2, 9, size=7))
    y = rng.integers(0, 3, size=len(groups))
    for labels, multilabel in ((y, False), (np.eye(3, dtype=int)[y], True)):
        splits = inner_splits(labels, multilabel, 3, 0, groups=groups)
        assert len(splits) == 3
        assert _crossing(splits, groups) == []
        assert sorted(np.concatenate([te for _, te in splits]).tolist()) == list(range(len(groups)))
        # one held-out share (costly backends) holds whole groups out too
        ((tr, te),) = inner_splits(labels, multilabel, 0.25, 0, groups=groups)
        assert len(te) and _crossing([(tr, te)], groups) == []
    assert inner_splits(y, False, 3, 0, groups=["one"] * len(groups)) == []
    # without groups, passages are split: documents then cross (the leak the groups prevent)
    assert _crossing(inner_splits(y, False, 3, 0), groups)


def test_choose_c_with_groups_keeps_documents_whole(spy):
    rng = np.random.default_rng(1)
    X = rng.normal(size=(60, 4))
    Y = (X[:, 0] > 0).astype(int)
    groups = np.repeat([f"d{i}" for i in range(6)], 10)
    C, scores = choose_C(X, Y, 2, False, cv=3, groups=groups)
    assert C in scores
    ((n, given, splits),) = spy
    assert n == 60 and given is not None
    assert _crossing(splits, groups) == []


class _Hashed:
    """Encoder stand-in: a fixed random vector per word, averaged (no weights to load)."""

    def _prepare_encoder(self):
        self.encoder_, self.encoder_hash_ = "hashed", "0" * 64

    def _embed(self, texts):
        out = []
        for t in texts:
            vecs = [np.random.default_rng(zlib.crc32(w.encode())).normal(size=16) for w in t.lower().split()]
            out.append(np.mean(vecs, axis=0) if vecs else np.zeros(16))
        return np.asarray(out, dtype=np.float32)


def _embedding_cls():
    from stance.classifiers.embedding import EmbeddingClassifier

    return type("HashedEmbedding", (_Hashed, EmbeddingClassifier), {})


def _conditioned_cls():
    from stance.classifiers.conditioned import TargetConditionedClassifier

    return type("HashedConditioned", (_Hashed, TargetConditionedClassifier), {})


@pytest.mark.parametrize("multilabel", [False, True])
def test_embedding_fit_with_groups_chooses_c_calibration_and_thresholds_on_whole_documents(spy, task_data, multilabel):
    data = task_data(multilabel=multilabel, n_docs=6)
    est = _embedding_cls()(labels=data.labels, multilabel=multilabel, C="auto", cache=False)
    est.fit(data.texts, data.y, groups=data.groups)
    assert len(spy) >= 2  # C by inner CV, then the out-of-fold probabilities (and calibration)
    for n, given, splits in spy:
        assert given is not None and n == len(data)
        assert splits and _crossing(splits, data.groups) == []
    assert est.C_ in est.C_scores_


@pytest.mark.slow
@pytest.mark.parametrize(
    ("backend", "params"),
    [("setfit", {"num_iterations": 1, "max_steps": 2}), ("transformer", {"max_steps": 2, "C": "auto"})],
)
def test_fine_tuned_backends_fit_with_groups_tune_on_whole_documents(spy, task_data, backend, params):
    """The held-out share of the fine-tuning backends (C, thresholds) is whole documents when groups are given."""
    from stance.classifiers import REGISTRY

    data = task_data(multilabel=True, n_docs=6, per_doc=5)
    est = REGISTRY[backend](labels=data.labels, multilabel=True, **params)
    est.fit(data.texts, data.y, groups=data.groups)
    assert len(spy) >= 2  # C on the fine-tuned embeddings, then the thresholds' held-out share
    for n, given, splits in spy:
        assert given is not None and n == len(data)
        assert splits and _crossing(splits, data.groups) == []


def test_fold_loop_gives_the_training_documents_to_fit(task_data, keyword_classifier):
    class Grouped(keyword_classifier):
        seen: ClassVar[list] = []

        def fit(self, X, y, groups=None):
            Grouped.seen.append(list(groups))
            return super().fit(X, y)

    data = task_data(multilabel=False, n_docs=5)
    folds = make_folds(data, "grouped", n_splits=3)
    Grouped.seen = []
    cross_validate(Grouped(labels=data.labels), data, folds)
    assert Grouped.seen == [data.groups[f.train].tolist() for f in folds]


def test_tfidf_in_the_fold_loop_never_splits_a_document_inside(spy, task_data):
    from stance.classifiers import REGISTRY

    data = task_data(multilabel=True, n_docs=6)
    folds = make_folds(data, "grouped", n_splits=3)
    cross_validate(REGISTRY["tfidf"](labels=data.labels, multilabel=True), data, folds)
    assert spy
    by_size = {len(f.train): data.groups[f.train] for f in folds}
    for n, given, splits in spy:
        assert given is not None
        assert _crossing(splits, by_size[n]) == []


def _two_targets(task_data):
    data = task_data(multilabel=False, n_docs=6)
    data = TaskData("stance:cooperation", data.labels, False, data.passages, data.y)
    rng = np.random.default_rng(3)
    other = TaskData("stance:other", data.labels, False, data.passages, rng.permutation(data.y))
    return data, other


def test_pooled_pairs_keep_held_out_passages_out_for_every_target(task_data):
    data, other = _two_targets(task_data)
    est = _conditioned_cls()(labels=data.labels, target=data.task, targets=[data.task, other.task])
    texts = np.asarray(data.texts, dtype=object)
    # passage-level (stratified) folds split documents: the passages held out still get no pair
    with pytest.warns(UserWarning, match="optimistic"):
        folds = make_folds(data, "stratified", n_splits=3)
    for fold in folds:
        X, y, targets, groups = pooled_pairs(est, data, fold.train, {other.task: other})
        assert not set(X) & set(texts[fold.test])
        assert sorted(set(targets)) == [data.task, other.task]
        assert len(X) == len(y) == len(groups) == 2 * len(fold.train)
        doc_of = dict(zip(data.texts, data.groups, strict=True))
        assert groups == [doc_of[t] for t in X]


def test_conditioned_inner_folds_keep_the_pairs_of_a_document_together(spy, task_data):
    data, other = _two_targets(task_data)
    est = _conditioned_cls()(labels=data.labels, target=data.task, targets=[data.task, other.task], cache=False)
    X, y, targets, groups = pooled_pairs(est, data, np.arange(len(data)), {other.task: other})
    est.fit(X, y, targets=targets, groups=groups)
    assert spy
    for _, given, splits in spy:
        assert given is not None
        assert _crossing(splits, groups) == []
        assert _crossing(splits, X) == []  # one passage's pairs never on both sides
    # without groups the pairs of one passage still stay together
    spy.clear()
    est.fit(X, y, targets=targets)
    assert spy and all(_crossing(splits, X) == [] for _, _, splits in spy)
