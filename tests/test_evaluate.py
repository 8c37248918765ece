"""Grouped cross-validation, metrics with bootstrap intervals, learning curves and comparisons."""

from __future__ import annotations

from typing import ClassVar

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import accuracy_score, f1_score

from stance.evaluation import (
    Fold,
    LeakageWarning,
    bootstrap_weights,
    compare_models,
    confusion_table,
    cross_validate,
    data_hash,
    folds_from_column,
    learning_curve,
    make_folds,
    primary_metric,
    rank_models,
    score_predictions,
)

FRAMES = ["cooperation", "blame", "sovereignty"]  # the labels of task_data(multilabel=True)
STANCE = ["FAVOR", "AGAINST", "NONE"]


@pytest.fixture
def frames_data(task_data):
    return task_data(multilabel=True)


@pytest.fixture
def stance_data(task_data):
    return task_data(multilabel=False)


@pytest.fixture
def model_for(keyword_classifier):
    """A fresh keyword estimator for a task's labels."""
    return lambda data: keyword_classifier(labels=data.labels, multilabel=data.multilabel)


def test_leave_one_document_out_keeps_documents_whole(frames_data):
    folds = make_folds(frames_data)
    assert [f.name for f in folds] == ["doc0", "doc1", "doc2", "doc3"]
    docs = frames_data.passages["doc_id"].to_numpy()
    for fold in folds:
        assert set(docs[fold.train]).isdisjoint(docs[fold.test])
    assert sorted(np.concatenate([f.test for f in folds])) == list(range(len(frames_data)))


def test_outlet_folds_and_stratified_warning(frames_data):
    folds = make_folds(frames_data, scheme="outlet")
    assert [f.name for f in folds] == ["outlet0", "outlet1"]
    with pytest.warns(LeakageWarning):
        strat = make_folds(frames_data, scheme="stratified", n_splits=3)
    assert len(strat) == 3
    with pytest.raises(ValueError, match="unknown fold scheme"):
        make_folds(frames_data, scheme="random")


def test_folds_from_column_orders_numerically():
    folds = folds_from_column([0, 1, 10, 2, 1])
    assert [f.name for f in folds] == ["0", "1", "2", "10"]
    assert list(folds[1].test) == [1, 4]


def test_every_fold_fits_a_fresh_model_on_training_passages_only(frames_data, keyword_classifier, model_for):
    keyword_classifier.seen.clear()
    folds = make_folds(frames_data)
    res = cross_validate(model_for(frames_data), frames_data, folds)
    assert len(keyword_classifier.seen) == len(folds)
    texts = frames_data.texts
    for fold, seen in zip(folds, keyword_classifier.seen, strict=True):
        assert seen == [texts[i] for i in fold.train]
    preds = res.predictions
    assert set(preds.columns) >= {"model", "task", "fold", "passage_id", "doc_id", "label", "true", "pred", "prob"}
    assert len(preds) == len(frames_data) * len(FRAMES)
    # each passage is predicted by the fold that held out its document
    assert (preds["fold"] == preds["doc_id"]).all()


def test_codebook_examples_go_to_training_folds_only(stance_data, codebook, keyword_classifier, model_for):
    from stance.evaluation import codebook_examples

    ex_text, ex_y = codebook_examples(codebook, "stance:cooperation")
    assert len(ex_text) == len(ex_y) > 0
    assert set(ex_y) <= set(STANCE)
    keyword_classifier.seen.clear()
    res = cross_validate(
        model_for(stance_data), stance_data, make_folds(stance_data), codebook=codebook, use_codebook_examples=True
    )
    assert all(set(ex_text) <= set(seen) for seen in keyword_classifier.seen)
    assert not set(ex_text) & set(res.predictions["passage_id"])
    assert res.n_predicted == len(stance_data)


def test_point_metrics_match_sklearn(frames_data, stance_data, model_for):
    res = cross_validate(model_for(frames_data), frames_data)
    overall, per_label = res.score(n_boot=0)
    wide_t = res.predictions.pivot(index="passage_id", columns="label", values="true")[FRAMES].to_numpy(int)
    wide_p = res.predictions.pivot(index="passage_id", columns="label", values="pred")[FRAMES].to_numpy(int)
    values = overall.set_index("metric")["value"]
    assert values["macro_f1"] == pytest.approx(f1_score(wide_t, wide_p, average="macro", zero_division=0))
    assert values["micro_f1"] == pytest.approx(f1_score(wide_t, wide_p, average="micro", zero_division=0))
    f1s = per_label[per_label["metric"] == "f1"].set_index("label")["value"]
    assert f1s.to_numpy() == pytest.approx(f1_score(wide_t, wide_p, average=None, zero_division=0))

    res = cross_validate(model_for(stance_data), stance_data)
    overall, _ = res.score(n_boot=0)
    p = res.predictions
    true = p[p["true"]].set_index("passage_id")["label"]
    pred = p[p["pred"]].set_index("passage_id")["label"].reindex(true.index)
    values = overall.set_index("metric")["value"]
    assert values["accuracy"] == pytest.approx(accuracy_score(true, pred))
    assert values["macro_f1"] == pytest.approx(f1_score(true, pred, average="macro"))
    assert values["f_avg"] == pytest.approx(f1_score(true, pred, labels=["FAVOR", "AGAINST"], average="macro"))
    prob = p.pivot(index="passage_id", columns="label", values="prob")[STANCE].to_numpy()
    onehot = p.pivot(index="passage_id", columns="label", values="true")[STANCE].to_numpy(float)
    assert values["brier"] == pytest.approx(((prob - onehot) ** 2).sum(axis=1).mean())


def test_bootstrap_intervals_are_seeded_and_bracket_the_estimate(stance_data, model_for):
    res = cross_validate(model_for(stance_data), stance_data)
    a, _ = res.score(n_boot=200, random_state=3)
    b, _ = res.score(n_boot=200, random_state=3)
    pd.testing.assert_frame_equal(a, b)
    for row in a.itertuples():
        assert row.ci_low <= row.value + 1e-9 <= row.ci_high + 2e-9
    docs, _ = res.score(n_boot=200, resample="document")
    assert (docs["ci_high"] >= docs["ci_low"]).all()


def test_bootstrap_weights_resample_whole_groups():
    w = bootstrap_weights(6, 50, groups=["a", "a", "b", "b", "c", "c"], random_state=0)
    assert w.shape == (50, 6)
    assert (w[:, 0] == w[:, 1]).all() and (w[:, 4] == w[:, 5]).all()
    assert (w.sum(axis=1) == 6).all()
    plain = bootstrap_weights(6, 50)
    assert (plain.sum(axis=1) == 6).all()


def test_absent_labels_are_left_out_of_macro_averages():
    preds = pd.DataFrame(
        {
            "passage_id": ["a", "a", "b", "b"],
            "doc_id": ["d", "d", "d", "d"],
            "label": ["x", "y", "x", "y"],
            "true": [True, False, False, False],
            "pred": [True, False, False, False],
            "prob": [0.9, 0.1, 0.2, 0.1],
        }
    )
    overall, per_label = score_predictions(preds, ["x", "y"], True, n_boot=0)
    assert overall.set_index("metric").loc["macro_f1", "value"] == 1.0
    assert np.isnan(per_label.set_index(["label", "metric"]).loc[("y", "f1"), "value"])


def test_confusion_tables_count_every_passage(frames_data, stance_data, model_for):
    res = cross_validate(model_for(stance_data), stance_data)
    conf = confusion_table(res.predictions, res.labels, False)
    assert list(conf.columns) == ["label", "true", "pred", "count"]
    assert conf["count"].sum() == len(stance_data)
    res = cross_validate(model_for(frames_data), frames_data)
    conf = confusion_table(res.predictions, res.labels, True)
    assert (conf.groupby("label")["count"].sum() == len(frames_data)).all()


def test_primary_metric():
    assert primary_metric(FRAMES, True) == "macro_f1"
    assert primary_metric(STANCE, False) == "f_avg"
    assert primary_metric(["a", "b"], False) == "macro_f1"


def test_rank_models_breaks_near_ties_by_speed():
    table = pd.DataFrame(
        {
            "model": ["slow", "fast", "bad"],
            "score": [0.80, 0.795, 0.5],
            "fit_seconds": [10.0, 0.1, 0.01],
            "predict_ms": [5.0, 0.1, 0.1],
        }
    )
    ranked = rank_models(table, "score", tie_tolerance=0.01)
    assert ranked["model"].tolist() == ["fast", "slow", "bad"]
    strict = rank_models(table, "score", tie_tolerance=0.0)
    assert strict["model"].tolist() == ["slow", "fast", "bad"]


def test_compare_models_ranks_on_the_same_folds_and_records_failures(stance_data, keyword_classifier):
    good = keyword_classifier(labels=STANCE)
    good.name = "keyword"
    broken = keyword_classifier(labels=STANCE, fail=True)
    broken.name = "broken"
    with pytest.warns(RuntimeWarning, match="broken failed"):
        comp = compare_models(stance_data, [good, broken], n_boot=50)
    table = comp.table
    assert table["model"].tolist() == ["keyword", "broken"]
    assert table.loc[0, "metric"] == "f_avg"
    assert table.loc[0, "ci_low"] <= table.loc[0, "score"] <= table.loc[0, "ci_high"]
    assert "failed" not in table.loc[0, "error"] and "deliberate" in table.loc[1, "error"]
    assert comp.best == "keyword"
    assert set(comp.per_label["label"]) == set(STANCE)
    assert comp.confusion["count"].sum() == len(stance_data)


def test_learning_curve_subsamples_training_folds(frames_data, model_for):
    folds = [Fold(f.name, f.train, f.test) for f in make_folds(frames_data)]
    curve = learning_curve(model_for(frames_data), frames_data, folds, fractions=(0.5, 1.0), n_repeats=2)
    assert set(curve["fraction"]) == {0.5, 1.0}
    assert curve[curve["fraction"] == 0.5]["repeat"].nunique() == 2
    assert curve[curve["fraction"] == 1.0]["repeat"].nunique() == 1
    sizes = curve.groupby("fraction")["n_train"].first()
    assert sizes[0.5] < sizes[1.0] == pytest.approx(np.mean([len(f.train) for f in folds]))
    assert set(curve["metric"]) == {"macro_f1", "micro_f1"}


def test_data_hash_ignores_row_order(frames_data):
    shuffled = frames_data.subset(np.arange(len(frames_data))[::-1])
    assert data_hash(shuffled) == data_hash(frames_data)
    changed = frames_data.subset(np.arange(len(frames_data)))
    changed.y[0] = 1 - changed.y[0]
    assert data_hash(changed) != data_hash(frames_data)


# ------------------------------------------------------------------ metric definition
def _long(true: list[str], pred: list[str], labels: list[str], doc: str = "d") -> pd.DataFrame:
    """Tidy multi-class predictions for constructed gold and predicted classes."""
    rows = []
    for i, (t, p) in enumerate(zip(true, pred, strict=True)):
        for lab in labels:
            rows.append(
                {"passage_id": f"p{i}", "doc_id": f"{doc}{i % 2}", "label": lab, "true": t == lab, "pred": p == lab}
            )
    frame = pd.DataFrame(rows)
    frame["prob"] = frame["pred"].astype(float)
    return frame


def _value(overall: pd.DataFrame, metric: str) -> float:
    return float(overall.set_index("metric").loc[metric, "value"])


def test_a_label_predicted_but_absent_from_gold_counts_as_f1_zero():
    labels = ["a", "b", "c", "d"]
    true = ["a", "a", "b", "b", "a"]
    pred = ["a", "c", "b", "b", "a"]  # c never in gold, predicted once; d in neither
    overall, per_label = score_predictions(_long(true, pred, labels), labels, False, n_boot=0)
    f1 = per_label[per_label["metric"] == "f1"].set_index("label")["value"]
    assert f1["c"] == 0.0 and np.isnan(f1["d"])
    # the label set is the union of gold and predicted labels, as sklearn's default
    assert _value(overall, "macro_f1") == pytest.approx(f1_score(true, pred, average="macro"))
    assert _value(overall, "macro_f1") == pytest.approx(np.mean([f1["a"], f1["b"], 0.0]))


def test_a_gold_label_never_predicted_counts_as_f1_zero_and_nothing_predicted_scores_zero():
    labels = ["x", "y"]
    preds = pd.DataFrame(
        {
            "passage_id": ["a", "a", "b", "b"],
            "doc_id": "d",
            "label": ["x", "y", "x", "y"],
            "true": [True, True, False, True],
            "pred": [False, False, False, False],
            "prob": [0.4, 0.3, 0.2, 0.1],
        }
    )
    overall, per_label = score_predictions(preds, labels, True, n_boot=0)
    assert _value(overall, "macro_f1") == 0.0
    assert per_label.set_index(["label", "metric"]).loc[("x", "precision"), "value"] == 0.0


def test_empty_predictions_give_undefined_metrics_not_an_error():
    from stance.evaluation import PREDICTION_COLUMNS

    overall, per_label = score_predictions(pd.DataFrame(columns=PREDICTION_COLUMNS), STANCE, False, n_boot=20)
    assert (overall["n"] == 0).all()
    assert overall["value"].isna().all() and overall["ci_low"].isna().all()
    assert (per_label["support"] == 0).all()


def test_f_avg_averages_the_scored_ones_of_favor_and_against():
    labels = ["FAVOR", "AGAINST", "NONE"]
    true = ["AGAINST", "NONE", "AGAINST", "NONE"]
    pred = ["AGAINST", "NONE", "NONE", "NONE"]  # FAVOR in neither gold nor predictions
    overall, per_label = score_predictions(_long(true, pred, labels), labels, False, n_boot=0)
    against = per_label.set_index(["label", "metric"]).loc[("AGAINST", "f1"), "value"]
    assert _value(overall, "f_avg") == pytest.approx(against) == pytest.approx(2 / 3)


def test_each_resample_decides_its_own_label_set():
    from stance.evaluation import metric_arrays

    T = np.array([[1, 0], [0, 1], [1, 0]], dtype=bool)
    P = T.copy()
    P[1] = [True, False]  # the only "b" passage is predicted "a"
    W = np.array([[1.0, 1.0, 1.0], [2.0, 0.0, 1.0]])  # resample 1 leaves the "b" passage out
    overall, per_label = metric_arrays(T, P, P.astype(float), W, ["a", "b"], False)
    assert per_label["f1"][0].tolist() == pytest.approx([0.8, 0.0])
    assert per_label["f1"][1, 0] == 1.0 and np.isnan(per_label["f1"][1, 1])
    assert overall["macro_f1"].tolist() == pytest.approx([0.4, 1.0])


def test_rank_models_exact_ties_go_to_the_name_and_failures_come_last():
    table = pd.DataFrame(
        {
            "model": ["zeta", "alpha", "broken"],
            "score": [0.7, 0.7, np.nan],
            "fit_seconds": [0.1, 0.1, 0.0],
            "predict_ms": [0.1, 0.1, 0.0],
        }
    )
    assert rank_models(table, "score")["model"].tolist() == ["alpha", "zeta", "broken"]


def test_decide_without_a_decision_rule_takes_the_first_of_tied_classes(keyword_classifier):
    from stance.evaluation import decide

    est = keyword_classifier(labels=STANCE)
    est.classes_ = np.array(STANCE, dtype=object)
    P = np.array([[0.4, 0.4, 0.2], [0.2, 0.4, 0.4]])
    assert decide(est, P, False).tolist() == ["FAVOR", "AGAINST"]
    assert decide(est, np.array([[0.5, 0.49, 0.7]]), True).tolist() == [[1, 0, 1]]


# ------------------------------------------------------------------------ fold schemes
def test_every_fold_records_the_scheme_that_made_it(frames_data):
    from stance.evaluation import fold_scheme

    assert {f.scheme for f in make_folds(frames_data)} == {"document"}
    assert {f.scheme for f in make_folds(frames_data, "outlet")} == {"outlet"}
    with pytest.warns(LeakageWarning):
        assert {f.scheme for f in make_folds(frames_data, "stratified", n_splits=3)} == {"stratified"}
    custom = folds_from_column(np.arange(len(frames_data)) % 3)
    assert fold_scheme(custom) == "custom"
    assert fold_scheme([*make_folds(frames_data)[:1], *custom[:1]]) == "custom"


def test_grouped_folds_hold_whole_documents_in_balanced_folds(task_data):
    from stance.evaluation import describe_folds, grouped_folds

    data = task_data(multilabel=True, n_docs=7, per_doc=3)
    data = data.subset(np.flatnonzero(~data.passages["passage_id"].isin(["doc6:p001", "doc6:p002"])))
    folds = grouped_folds(data, "document", n_folds=3, random_state=0)
    docs = data.passages["doc_id"].to_numpy()
    assert len(folds) == 3 and {f.scheme for f in folds} == {"grouped-document"}
    assert sorted(np.concatenate([f.test for f in folds]).tolist()) == list(range(len(data)))
    for f in folds:
        assert not set(docs[f.test]) & set(docs[f.train])
    assert max(len(f.test) for f in folds) - min(len(f.test) for f in folds) <= 3
    assert [f.name for f in folds] == [f.name for f in grouped_folds(data, "document", 3, random_state=0)]
    assert describe_folds(folds, 7) == "grouped 3-fold: 7 documents dealt into 3 folds, each held out whole"
    assert {f.scheme for f in grouped_folds(data, "document", n_folds=10)} == {"document"}


def test_compare_models_names_custom_folds_custom(stance_data, model_for):
    folds = folds_from_column(np.arange(len(stance_data)) % 2)
    comp = compare_models(stance_data, [model_for(stance_data)], folds, n_boot=0)
    assert comp.table["scheme"].tolist() == ["custom"]
    comp = compare_models(stance_data, [model_for(stance_data)], n_boot=0)
    assert comp.table["scheme"].tolist() == ["document"]


# --------------------------------------------------------------------------- fold loop
@pytest.fixture
def counting_classifier(keyword_classifier):
    """A keyword estimator that counts forward passes; the fold loop must not call ``predict``."""

    class CountingClassifier(keyword_classifier):
        calls: ClassVar[dict[str, int]] = {"predict_proba": 0, "decide": 0}

        def predict_proba(self, X):
            CountingClassifier.calls["predict_proba"] += 1
            return super().predict_proba(X)

        def predict(self, X):
            raise AssertionError("the fold loop calls predict_proba once, then decide")

        def decide(self, P):
            CountingClassifier.calls["decide"] += 1
            return self.classes_[np.asarray(P).argmin(axis=1)]  # a rule predict would not follow

    return CountingClassifier


def test_the_fold_loop_makes_one_forward_pass_per_fold_and_decides_with_the_estimator(stance_data, counting_classifier):
    folds = make_folds(stance_data)
    res = cross_validate(counting_classifier(labels=STANCE), stance_data, folds)
    assert counting_classifier.calls == {"predict_proba": len(folds), "decide": len(folds)}
    wide = res.predictions.pivot(index="passage_id", columns="label", values="prob")[STANCE]
    chosen = res.predictions[res.predictions["pred"]].set_index("passage_id")["label"]
    assert (chosen.reindex(wide.index) == wide.idxmin(axis=1)).all()
    assert res.scheme == "document"


def test_a_bug_in_a_model_is_raised_not_ranked(stance_data, keyword_classifier, model_for):
    class Buggy(keyword_classifier):
        def fit(self, X, y):
            raise TypeError("a bug")

    with pytest.raises(TypeError, match="a bug"):
        compare_models(stance_data, [model_for(stance_data), Buggy(labels=STANCE)], n_boot=0)


def test_compare_models_shows_a_bar_over_each_models_folds(stance_data, model_for, monkeypatch):
    import stance.evaluation.cv as cv

    bars = []

    def recording(iterable, desc="", total=None, leave=False):
        bars.append((desc, total))
        yield from iterable

    monkeypatch.setattr(cv, "progress", recording)
    model = model_for(stance_data)
    folds = make_folds(stance_data, scheme="document")
    compare_models(stance_data, {"kw": model}, folds, n_boot=0)
    assert bars == [("kw folds", len(folds))]
