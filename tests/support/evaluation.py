"""Tiny synthetic data and a minimal raw-text estimator for the evaluation tests.

``conftest.py`` offers them as the fixtures ``task_data``, ``keyword_classifier`` and
``gold_corpus`` (factories).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import ClassVar

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, ClassifierMixin

FRAMES = ["cooperation", "blame", "sovereignty"]
STANCE = ["FAVOR", "AGAINST", "NONE"]

_WORDS = {
    "cooperation": "joint talks working group cooperation",
    "blame": "blame fault accuse crisis",
    "sovereignty": "sovereignty internal affairs equality",
}
_STANCE_WORDS = {"FAVOR": "welcome praise", "AGAINST": "condemn oppose", "NONE": "report said"}


def synthetic_task_data(multilabel: bool = True, n_docs: int = 4, per_doc: int = 9, seed: int = 0):
    """A learnable toy task: cue words decide the labels; documents are the groups."""
    from stance.evaluation import TaskData

    rng = np.random.default_rng(seed)
    rows, ys = [], []
    for d in range(n_docs):
        for p in range(per_doc):
            if multilabel:
                y = np.zeros(len(FRAMES), dtype=int)
                y[(d + p) % len(FRAMES)] = 1
                if p % 4 == 0:
                    y[(d + p + 1) % len(FRAMES)] = 1
                words = " ".join(_WORDS[f] for f, v in zip(FRAMES, y, strict=True) if v)
                ys.append(y)
            else:
                lab = STANCE[(d + p) % 3]
                words = _STANCE_WORDS[lab]
                ys.append(lab)
            filler = " ".join(rng.choice(["the", "officials", "on", "drugs", "week"], size=4))
            rows.append(
                {
                    "passage_id": f"doc{d}:p{p:03d}",
                    "doc_id": f"doc{d}",
                    "outlet": f"outlet{d % 2}",
                    "text": f"{words} {filler}",
                }
            )
    labels = FRAMES if multilabel else STANCE
    y = np.array(ys, dtype=int) if multilabel else np.array(ys, dtype=object)
    return TaskData("frames" if multilabel else "stance:cooperation", labels, multilabel, pd.DataFrame(rows), y)


class KeywordClassifier(ClassifierMixin, BaseEstimator):
    """Counts words seen with each label in training; records every training set it sees."""

    seen: ClassVar[list[list[str]]] = []

    def __init__(self, labels=None, multilabel: bool = False, random_state: int = 0, fail: bool = False) -> None:
        self.labels = labels
        self.multilabel = multilabel
        self.random_state = random_state
        self.fail = fail

    def fit(self, X, y):
        if self.fail:
            raise ValueError("deliberate failure")
        X = list(X)
        KeywordClassifier.seen.append(X)
        self.classes_ = np.array(self.labels, dtype=object)
        k = len(self.classes_)
        if self.multilabel:
            Y = np.asarray(y, dtype=float)
        else:
            Y = (np.asarray(y, dtype=object)[:, None] == self.classes_[None, :]).astype(float)
        self.weights_: dict[str, np.ndarray] = {}
        for text, row in zip(X, Y, strict=True):
            for w in text.split():
                self.weights_.setdefault(w, np.zeros(k))
                self.weights_[w] += row
        self.prior_ = (Y.sum(axis=0) + 1) / (len(Y) + 2)
        return self

    def predict_proba(self, X):
        out = []
        for text in X:
            s = np.log(self.prior_).copy()
            for w in text.split():
                if w in self.weights_:
                    s += self.weights_[w] / (self.weights_[w].sum() + 1)
            if self.multilabel:
                out.append(1 / (1 + np.exp(-(4 * s - 2))))
            else:
                e = np.exp(3 * (s - s.max()))
                out.append(e / e.sum())
        return np.array(out)

    def predict(self, X):
        P = self.predict_proba(X)
        if self.multilabel:
            return (P >= 0.5).astype(int)
        return self.classes_[P.argmax(axis=1)]

    def save(self, path):
        path = Path(path)
        path.mkdir(parents=True, exist_ok=True)
        config = {"labels": list(self.classes_), "multilabel": self.multilabel, "words": sorted(self.weights_)}
        (path / "config.json").write_text(json.dumps(config, sort_keys=True), encoding="utf-8")
        (path / "MODEL_CARD.md").write_text("# Keyword model\n", encoding="utf-8")
        return path


def synthetic_gold_corpus(codebook, tmp_path: Path, n_docs: int = 4):
    """A small corpus built from the codebook's synthetic examples, with gold labels.

    Each document holds a few example passages of every frame; the gold frames are the
    example's frame, and the stance columns follow the frame (cooperation -> FAVOR of
    cooperation, blame -> AGAINST of us_government, otherwise NONE).
    """
    from stance.corpus import load_corpus

    examples = [(t, lab) for t, lab, pos in codebook.examples("frames") if pos]
    docs: dict[str, list[tuple[str, str]]] = {f"doc{d}": [] for d in range(n_docs)}
    for i, (text, lab) in enumerate(examples):
        docs[f"doc{i % n_docs}"].append((text, lab))
    table = pd.DataFrame(
        {
            "doc_id": list(docs),
            "text": ["\n\n".join(t for t, _ in items) for items in docs.values()],
            "outlet": [f"outlet{i % 2}" for i in range(n_docs)],
            "published": [f"2024-01-0{i + 1}" for i in range(n_docs)],
        }
    )
    path = tmp_path / "corpus.csv"
    table.to_csv(path, index=False)
    corpus = load_corpus(path)
    label_of = {text.strip(): lab for text, lab in examples}
    rows = []
    for p in corpus.passages.itertuples():
        lab = label_of.get(p.text.strip())
        if lab is None:
            continue
        row = {"passage_id": p.passage_id, "doc_id": p.doc_id, "frames": [lab]}
        for name in codebook.frame_names:
            row[f"frame:{name}"] = name == lab
        row["stance:cooperation"] = "FAVOR" if lab == "cooperation" else "NONE"
        row["stance:us_government"] = "AGAINST" if lab == "blame" else "NONE"
        row["stance:china_government"] = None
        rows.append(row)
    return corpus, pd.DataFrame(rows)
