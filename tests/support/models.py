"""A keyword model with the classifier contract the analysis and the figures use."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

__all__ = ["CueModel"]


class CueModel:
    """A tiny keyword classifier with the classifier contract used by the analysis.

    Frame probability rises with the number of cue words; stance is a softmax of cue counts.
    Counts calls to ``predict_proba`` so tests can check the cache.
    """

    def __init__(self, labels: list[str], cues: dict[str, list[str]], multilabel: bool) -> None:
        self.labels = list(labels)
        self.cues = cues
        self.multilabel = multilabel
        self.classes_ = np.array(self.labels)
        self.thresholds_ = np.full(len(self.labels), 0.5)
        self.calls = 0

    def predict_proba(self, X: list[str]) -> np.ndarray:
        self.calls += 1
        rows = []
        for text in X:
            t = text.lower()
            s = np.array([sum(t.count(c) for c in self.cues.get(lbl, [])) for lbl in self.labels], float)
            if self.multilabel:
                rows.append(1.0 / (1.0 + np.exp(-(2.0 * s - 1.0))))
            else:
                s = s + np.array([0.5 if lbl == "NONE" else 0.0 for lbl in self.labels])  # NONE wins ties
                e = np.exp(s - s.max())
                rows.append(e / e.sum())
        return np.array(rows)

    def decide(self, P: np.ndarray) -> np.ndarray:
        P = np.asarray(P, dtype=float)
        if self.multilabel:
            return (P >= self.thresholds_[None, :]).astype(int)
        return self.classes_[P.argmax(axis=1)] if len(P) else np.array([], dtype=object)

    def save(self, path: str | Path) -> None:
        p = Path(path)
        p.mkdir(parents=True, exist_ok=True)
        cfg = {"labels": self.labels, "cues": self.cues, "multilabel": self.multilabel}
        (p / "config.json").write_text(json.dumps(cfg, sort_keys=True))
