"""Reading evaluation results: confusion matrices, error examples as passages, and saved tables read back."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from stance.evaluation import (
    Evaluation,
    compare_models,
    confusion_matrix,
    confusion_table,
    cross_validate,
    error_examples,
)


def _stance_predictions() -> pd.DataFrame:
    """Three passages, classes A/B: p1 right, p2 wrong (B at 0.8), p3 wrong (A at 0.6)."""
    rows = []
    for pid, gold, probs in (("d1:p1", "A", (0.9, 0.1)), ("d1:p2", "A", (0.2, 0.8)), ("d2:p3", "B", (0.6, 0.4))):
        best = "A" if probs[0] >= probs[1] else "B"
        for lab, p in zip(("A", "B"), probs, strict=True):
            rows.append(
                {
                    "model": "m",
                    "task": "stance:x",
                    "fold": pid[:2],
                    "passage_id": pid,
                    "doc_id": pid[:2],
                    "label": lab,
                    "true": lab == gold,
                    "pred": lab == best,
                    "prob": p,
                }
            )
    return pd.DataFrame(rows)


def _frame_predictions() -> pd.DataFrame:
    """Two passages, frames x/y. q1: gold {x}, predicted {x, y} (y at 0.7). q2: gold {x, y}, predicted {} ."""
    rows = []
    for pid, cells in (
        ("d1:q1", {"x": (True, True, 0.9), "y": (False, True, 0.7)}),
        ("d2:q2", {"x": (True, False, 0.45), "y": (True, False, 0.1)}),
    ):
        for lab, (t, p, prob) in cells.items():
            rows.append(
                {
                    "model": "m",
                    "task": "frames",
                    "fold": pid[:2],
                    "passage_id": pid,
                    "doc_id": pid[:2],
                    "label": lab,
                    "true": t,
                    "pred": p,
                    "prob": prob,
                }
            )
    return pd.DataFrame(rows)


def test_multiclass_confusion_matrix_is_gold_by_predicted():
    preds = _stance_predictions()
    wide = confusion_matrix(confusion_table(preds, ["A", "B"], False))
    assert wide.index.name == "gold" and wide.columns.name == "predicted"
    assert wide.loc["A", "A"] == 1 and wide.loc["A", "B"] == 1 and wide.loc["B", "A"] == 1 and wide.loc["B", "B"] == 0
    assert wide.to_numpy().sum() == 3


def test_multilabel_confusion_matrix_per_label_and_two_by_two():
    conf = confusion_table(_frame_predictions(), ["x", "y"], True)
    table = confusion_matrix(conf)
    assert list(table.columns) == ["tp", "fn", "fp", "tn", "support"]
    assert table.loc["x"].tolist() == [1, 1, 0, 0, 2]
    assert table.loc["y"].tolist() == [0, 1, 1, 0, 1]
    two = confusion_matrix(conf, label="y")
    assert two.loc["no", "yes"] == 1 and two.loc["yes", "no"] == 1 and two.to_numpy().sum() == 2
    with pytest.raises(ValueError, match="no label 'z'"):
        confusion_matrix(conf, label="z")


def test_confusion_matrix_needs_a_model_when_the_table_holds_several(keyword_classifier, task_data):
    data = task_data(multilabel=False)
    comp = compare_models(data, [keyword_classifier(labels=data.labels), "lexicon"], n_boot=0)
    with pytest.raises(ValueError, match="several models"):
        confusion_matrix(comp.confusion)
    wide = confusion_matrix(comp.confusion, model="KeywordClassifier")
    assert wide.to_numpy().sum() == len(data)


def test_error_examples_multiclass_most_confident_first():
    texts = {"d1:p1": "one", "d1:p2": "two", "d2:p3": "three"}
    err = error_examples(_stance_predictions(), texts)
    assert err["passage_id"].tolist() == ["d1:p2", "d2:p3"]
    assert err[["true", "pred"]].values.tolist() == [["A", "B"], ["B", "A"]]
    assert err["confidence"].tolist() == pytest.approx([0.8, 0.6])
    assert err["text"].tolist() == ["two", "three"]
    assert len(error_examples(_stance_predictions(), texts, n=1)) == 1


def test_error_examples_multilabel_missed_and_extra():
    passages = pd.DataFrame({"passage_id": ["d1:q1", "d2:q2"], "text": ["first", "second"]})
    err = error_examples(_frame_predictions(), passages)
    assert err["passage_id"].tolist() == ["d2:q2", "d1:q1"]  # 1 - 0.1 = 0.9 beats 0.7
    first, second = err.iloc[0], err.iloc[1]
    assert (first["true"], first["pred"], first["missed"], first["extra"]) == ("x;y", "", "x;y", "")
    assert first["confidence"] == pytest.approx(0.9)
    assert (second["true"], second["pred"], second["missed"], second["extra"]) == ("x", "x;y", "", "y")
    assert second["confidence"] == pytest.approx(0.7)


def test_error_examples_agree_with_the_cross_validation(keyword_classifier, task_data):
    data = task_data(multilabel=True, seed=3)
    res = cross_validate(keyword_classifier(labels=data.labels, multilabel=True), data)
    err = error_examples(res.predictions, data.passages, n=None)
    wrong = res.predictions.groupby("passage_id").apply(
        lambda g: bool((g["true"] != g["pred"]).any()), include_groups=False
    )
    assert set(err["passage_id"]) == set(wrong[wrong].index)
    assert (err["text"] != "").all()


def test_evaluation_tables_read_back(tmp_path, keyword_classifier, task_data):
    data = task_data(multilabel=False)
    comp = compare_models(data, [keyword_classifier(labels=data.labels)], n_boot=20)
    ev = Evaluation(
        comp.table, comp.per_label, comp.confusion, comp.predictions, pd.DataFrame(), info={"scheme": "document"}
    )
    ev.write(tmp_path)
    back = Evaluation.read(tmp_path)
    assert back.info == {"scheme": "document"}
    assert back.comparison["model"].tolist() == comp.table["model"].tolist()
    assert np.allclose(back.comparison["score"], comp.table["score"], atol=1e-5)
    assert back.comparison["error"].tolist() == [""]
    pd.testing.assert_frame_equal(confusion_matrix(back.confusion), confusion_matrix(comp.confusion), check_dtype=False)
    assert len(error_examples(back.predictions, data.passages, n=None)) == len(
        error_examples(comp.predictions, data.passages, n=None)
    )
    with pytest.raises(FileNotFoundError, match="stance evaluate"):
        Evaluation.read(tmp_path / "missing")


def test_tasks_evaluated_one_at_a_time_share_one_folder(tmp_path, codebook, gold_corpus):
    from stance.evaluation import evaluate_gold

    corpus, gold = gold_corpus(codebook, tmp_path)
    out = tmp_path / "evaluation"
    kw = {"models": ["lexicon"], "n_boot": 20, "curve": False, "out": out}
    evaluate_gold(corpus, gold, codebook, tasks=["stance:us_government"], **kw)
    evaluate_gold(corpus, gold, codebook, tasks=["frames"], **kw)
    both = Evaluation.read(out)
    assert list(both.info["tasks"]) == ["frames", "stance:us_government"]
    assert both.comparison["task"].drop_duplicates().tolist() == ["frames", "stance:us_government"]
    assert set(both.predictions["task"]) == {"frames", "stance:us_government"}
    again = evaluate_gold(corpus, gold, codebook, tasks=["frames"], **kw)
    timings = ["fit_seconds", "predict_ms"]
    pd.testing.assert_frame_equal(again.comparison.drop(columns=timings), both.comparison.drop(columns=timings))
    # other settings: the earlier tasks are not mixed in
    evaluate_gold(corpus, gold, codebook, tasks=["frames"], **{**kw, "n_boot": 30})
    assert list(Evaluation.read(out).info["tasks"]) == ["frames"]
    with pytest.raises(ValueError, match="different settings"):
        Evaluation.read(out).merged(both)
