"""Cross-source and leave-one-kind-out folds, the transfer table and the selection criterion."""

from __future__ import annotations

from typing import ClassVar

import numpy as np
import pandas as pd
import pytest

from stance.evaluation import (
    CRITERION,
    TaskData,
    cross_source_predictions,
    evaluate_task,
    make_folds,
    select_default,
    selection_scores,
    transfer_table,
)


def _sided(task_data, n_docs: int = 6, kinds=("briefing", "briefing", "statement", "statement", "a", "b")):
    """Toy stance data: documents 0-1 on side CN, the rest on side US, one kind per document."""
    data = task_data(multilabel=False, n_docs=n_docs)
    p = data.passages.copy()
    doc = p["doc_id"].str.removeprefix("doc").astype(int)
    p["side"] = np.where(doc < 2, "CN", "US")
    p["kind"] = [kinds[d] for d in doc]
    return TaskData(data.task, data.labels, data.multilabel, p, data.y)


def test_cross_source_folds_train_on_one_side_and_test_on_the_other(task_data):
    data = _sided(task_data)
    folds = make_folds(data, "cross-source")
    assert [f.name for f in folds] == ["US->CN", "CN->US"]
    side = data.passages["side"].to_numpy()
    for f in folds:
        assert len(set(side[f.train])) == 1 and len(set(side[f.test])) == 1
        assert set(side[f.train]) != set(side[f.test])
        assert f.scheme == "cross-source"
    assert sorted(np.concatenate([f.test for f in folds]).tolist()) == list(range(len(data)))


def test_cross_source_needs_two_sides(task_data):
    data = task_data(multilabel=False)
    with pytest.raises(ValueError, match="two sides"):
        make_folds(data, "cross-source")


def test_kind_folds_hold_out_shared_kinds_only(task_data):
    data = _sided(task_data)
    folds = make_folds(data, "kind")
    assert [f.name for f in folds] == ["kind:briefing", "kind:statement"]
    kind = data.passages["kind"].to_numpy()
    for f in folds:
        held = f.name.removeprefix("kind:")
        assert set(kind[f.test]) == {held} and held not in set(kind[f.train])
    # kinds of a single document ("a", "b") always train
    assert all({"a", "b"} <= set(kind[f.train]) for f in folds)
    with pytest.raises(ValueError, match="two kinds"):
        make_folds(_sided(task_data, kinds=("x", "y", "z", "w", "v", "u")), "kind")


def test_grouped_scheme_keeps_documents_whole(task_data):
    data = _sided(task_data)
    folds = make_folds(data, "grouped", n_splits=3)
    assert len(folds) == 3 and {f.scheme for f in folds} == {"grouped-document"}
    docs = data.groups
    for f in folds:
        assert not set(docs[f.train]) & set(docs[f.test])


def test_evaluate_task_scores_transfer_and_ranks_by_the_selection_score(task_data, keyword_classifier):
    data = _sided(task_data)
    good = keyword_classifier(labels=data.labels)
    scored: dict = {}
    comp, transfer, _ = evaluate_task(data, [good], scheme="grouped", n_splits=3, n_boot=20, comparisons=scored)
    across = cross_source_predictions(comp, scored)
    assert set(across["fold"]) == {"US->CN", "CN->US"} and set(across["scheme"]) == {"cross-source"}
    assert across["passage_id"].nunique() == len(data)
    assert set(across["model"]) == {comp.best}
    assert cross_source_predictions(comp, {}).empty
    assert set(transfer["scheme"]) == {"cross-source", "cross-source US->CN", "cross-source CN->US", "kind"}
    row = comp.table.iloc[0]
    pooled = transfer[transfer["scheme"] == "cross-source"].iloc[0]
    assert row["cross-source"] == pytest.approx(pooled["score"])
    assert row["selection_score"] == pytest.approx((row["score"] + pooled["score"]) / 2)
    assert (
        transfer.set_index("scheme").loc["cross-source CN->US", "n_passages"] == (data.passages["side"] == "US").sum()
    )
    md = transfer_table(comp.table, transfer)
    assert "cross-source CN->US" in md and "grouped" in md


def test_selection_uses_the_cross_source_score():
    table = pd.DataFrame(
        {
            "task": "t",
            "model": ["a", "b"],
            "metric": "f_avg",
            "score": [0.9, 0.8],
            "ci_low": [0.8, 0.7],
            "ci_high": [1.0, 0.9],
            "fit_seconds": [1.0, 1.0],
            "predict_ms": [1.0, 1.0],
            "error": "",
            "scheme": "grouped-document",
        }
    )
    transfer = pd.DataFrame(
        {"task": "t", "model": ["a", "b"], "scheme": "cross-source", "score": [0.1, 0.7], "ci_low": 0, "ci_high": 1}
    )
    ranked = selection_scores(table, transfer)
    assert ranked["selection_score"].tolist() == pytest.approx([0.5, 0.75])
    order, reasons = select_default(ranked)
    assert order == ["b", "a"]
    assert CRITERION in reasons[0]
    strat = selection_scores(table.assign(scheme="stratified"), transfer)
    assert strat["selection_score"].isna().all()


def test_pooled_models_train_on_every_target_without_the_held_out_documents(task_data, keyword_classifier):
    from stance.evaluation import cross_validate

    class Pooled(keyword_classifier):
        pools_targets = True
        calls: ClassVar[list] = []

        def target_list(self):
            return ["stance:cooperation", "stance:other"]

        def fit(self, X, y, targets=None):
            Pooled.calls.append((list(X), list(targets)))
            return super().fit(X, y)

    data = _sided(task_data)
    other = TaskData("stance:other", data.labels, False, data.passages, data.y)
    folds = make_folds(data, "cross-source")
    cross_validate(Pooled(labels=data.labels), data, folds, related={"stance:other": other})
    texts = np.asarray(data.texts, dtype=object)
    for fold, (X, targets) in zip(folds, Pooled.calls, strict=True):
        assert sorted(set(targets)) == ["stance:cooperation", "stance:other"]
        assert len(X) == 2 * len(fold.train)
        assert not set(X) & set(texts[fold.test])


def test_choose_c_picks_from_the_grid_by_inner_cv():
    from stance.classifiers._head import C_GRID, choose_C

    rng = np.random.default_rng(0)
    X = rng.normal(size=(90, 5))
    Y = (X[:, 0] > 0).astype(int) + (X[:, 1] > 1).astype(int)
    C, scores = choose_C(X, Y, 3, False, cv=3)
    assert C in C_GRID and set(scores) == set(C_GRID)
    assert scores[C] == max(scores.values())
    assert all(0.0 <= v <= 1.0 for v in scores.values())
