"""Active-learning suggestions: uncertainty first, no near duplicates, deterministic."""

from __future__ import annotations

import numpy as np
import pandas as pd

from stance.active import suggest, uncertainty


class FixedModel:
    """A stand-in classifier whose probabilities are looked up by text."""

    def __init__(self, table: dict[str, list[float]], multilabel: bool) -> None:
        self.table, self.multilabel = table, multilabel
        self.classes_ = np.array(["a", "b"]) if multilabel else np.array(["FAVOR", "AGAINST", "NONE"])
        self.thresholds_ = np.array([0.5, 0.3]) if multilabel else None

    def predict_proba(self, texts):
        return np.array([self.table[t] for t in texts])


def test_uncertainty_multilabel_uses_thresholds():
    u = uncertainty(np.array([[0.5, 0.0], [0.9, 0.3], [1.0, 1.0]]), True, [0.5, 0.3])
    assert u[0] == 1.0 and u[1] == 1.0 and u[2] == 0.0


def test_uncertainty_multiclass_margin():
    u = uncertainty(np.array([[0.4, 0.4, 0.2], [0.9, 0.05, 0.05]]), False)
    assert u[0] == 1.0 and np.isclose(u[1], 0.15)


def test_suggest_prefers_uncertain_and_skips_duplicates():
    texts = {
        "China and the US agreed to share intelligence on fentanyl.": [0.5, 0.1],
        "China and the US agreed to share intelligence on fentanyl cases.": [0.5, 0.1],
        "Overdose deaths rose sharply in Ohio last year.": [0.05, 0.31],
        "The ministry listed two new precursor chemicals.": [0.99, 0.0],
    }
    passages = pd.DataFrame({"passage_id": [f"d:p{i}" for i in range(4)], "doc_id": "d", "text": list(texts)})
    model = FixedModel(texts, multilabel=True)
    out = suggest(model, passages, n=3, diversity=0.3)
    assert list(out["passage_id"][:2]) == ["d:p0", "d:p2"]  # the near duplicate d:p1 is skipped
    assert "d:p1" not in set(out["passage_id"])
    assert out.equals(suggest(model, passages, n=3, diversity=0.3))
    assert {"p:a", "p:b", "uncertainty", "max_similarity"} <= set(out.columns)


def test_suggest_excludes_labelled():
    texts = {"x one.": [0.3, 0.3, 0.4], "y two.": [0.34, 0.33, 0.33]}
    passages = pd.DataFrame({"passage_id": ["a", "b"], "doc_id": "d", "text": list(texts)})
    out = suggest(FixedModel(texts, multilabel=False), passages, n=5, exclude_ids=["b"])
    assert list(out["passage_id"]) == ["a"]
