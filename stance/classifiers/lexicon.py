"""Lexicon baseline: count the codebook's cue phrases in each passage."""

from __future__ import annotations

import re
from typing import Any, ClassVar

import numpy as np

from stance.classifiers._validation import Interval
from stance.classifiers.base import SHARED_CONSTRAINTS, TextClassifier

__all__ = ["LexiconClassifier"]


def _pattern(cues: list[str]) -> re.Pattern | None:
    """One regex per label; a cue matches at a word start, so ``cooperat`` covers ``cooperation``."""
    cues = sorted({c.strip().lower() for c in cues if c and c.strip()}, key=lambda c: (-len(c), c))
    if not cues:
        return None
    body = "|".join(re.escape(c).replace(r"\ ", r"\s+") for c in cues)
    return re.compile(rf"(?<!\w)(?:{body})", re.IGNORECASE)


class LexiconClassifier(TextClassifier):
    """Cue-phrase baseline: a label scores by the number of its distinct cues a passage contains.

    Transparent and training-free: with cues from the codebook (see
    :func:`stance.classifiers.make_classifier`) it needs no labels. Given labels, ``fit``
    calibrates its scores and tunes per-label thresholds on them; without cues it learns
    ``n_cues`` distinctive words or bigrams per label from the training data.

    Parameters
    ----------
    cues : dict of str to list of str, optional
        Cue phrases per label (case-insensitive; a cue matches at the start of a word, so
        ``"cooperat"`` also finds "cooperation"). For stance tasks, cues are per class and
        ``none_label`` wins when no cue fires.
    labels : sequence of str, optional
        Class order.
    multilabel : bool
    none_label : str
        Multi-class fallback when no cue of any class fires (ignored if not a label).
    n_cues : int
        Cues per label learned from the training data when ``cues`` is None.
    calibration, threshold, cv, random_state
        See :class:`~stance.classifiers.base.TextClassifier`.

    Attributes
    ----------
    cues_ : dict of str to list of str
        The cues in use, per label.

    Examples
    --------
    >>> clf = LexiconClassifier(cues={"cooperation": ["cooperat"], "blame": ["blame"]},
    ...                         labels=["cooperation", "blame"], multilabel=True).fit(["x"])
    >>> clf.predict(["Both sides agreed to cooperate."]).tolist()
    [[1, 0]]
    """

    backend = "lexicon"
    requires_labels = False
    _parameter_constraints: ClassVar[dict[str, list]] = {
        **SHARED_CONSTRAINTS,
        "cues": [None, dict],
        "none_label": [str],
        "n_cues": [Interval(int, 1, None, closed="left")],
    }

    def __init__(
        self,
        cues: dict[str, list[str]] | None = None,
        labels: list[str] | None = None,
        multilabel: bool = False,
        none_label: str = "NONE",
        n_cues: int = 15,
        calibration: str | None = "auto",
        threshold: float | str = "auto",
        cv: int = 3,
        random_state: int = 0,
    ) -> None:
        self.cues = cues
        self.none_label = none_label
        self.n_cues = n_cues
        super().__init__(labels, multilabel, calibration, threshold, cv, random_state)

    @classmethod
    def from_codebook(cls, codebook: Any, task: str, **params: Any) -> LexiconClassifier:
        """A lexicon classifier with the codebook's cues for ``task``."""
        params.setdefault("cues", {lab.name: list(lab.cues) for lab in codebook.labels(task) if lab.cues})
        return cls(labels=codebook.task_labels(task), multilabel=codebook.is_multilabel(task), **params)

    # ----------------------------------------------------------------- fitting
    def _fit_features(self, F: list[str], Y: np.ndarray | None) -> None:
        classes = [str(c) for c in self.classes_]
        if self.cues is not None:
            unknown = sorted(set(self.cues) - set(classes))
            if unknown:
                raise ValueError(f"cues are given for labels that are not in labels={classes}: {unknown}")
            self.cues_ = {c: sorted({str(x).lower() for x in self.cues.get(c, [])}) for c in classes}
        elif Y is None:
            raise ValueError("LexiconClassifier needs cues=... or training labels y to learn cues from")
        else:
            self.cues_ = self._learn_cues(F, Y, classes)
        self._compile()

    def _learn_cues(self, texts: list[str], Y: np.ndarray, classes: list[str]) -> dict[str, list[str]]:
        from sklearn.feature_extraction.text import CountVectorizer

        vec = CountVectorizer(ngram_range=(1, 2), binary=True, stop_words="english", min_df=1)
        try:
            X = vec.fit_transform(texts)
        except ValueError:  # only stop words
            return {c: [] for c in classes}
        terms = vec.get_feature_names_out()
        T = Y if self.multilabel else np.eye(len(classes), dtype=int)[Y]
        out = {}
        for j, c in enumerate(classes):
            pos = T[:, j].astype(bool)
            if (not self.multilabel and c == self.none_label) or not pos.any() or pos.all():
                out[c] = []
                continue
            df_pos = np.asarray(X[pos].sum(axis=0)).ravel()
            df_neg = np.asarray(X[~pos].sum(axis=0)).ravel()
            # smoothed log-odds of a term appearing in a positive vs a negative passage
            score = np.log((df_pos + 0.5) / (pos.sum() + 1)) - np.log((df_neg + 0.5) / ((~pos).sum() + 1))
            keep = (df_pos >= min(2, pos.sum())) & (score > 0)
            order = sorted(np.flatnonzero(keep), key=lambda i: (-score[i], terms[i]))[: self.n_cues]
            out[c] = sorted(str(terms[i]) for i in order)
        return out

    def _compile(self) -> None:
        self._patterns = [_pattern(self.cues_.get(str(c), [])) for c in self.classes_]

    # ---------------------------------------------------------------- scoring
    def matches(self, X: Any) -> list[dict[str, list[str]]]:
        """The cues found in each text, per label (only labels with a match).

        Examples
        --------
        >>> clf = LexiconClassifier(cues={"blame": ["blame", "scapegoat"]}, labels=["blame"],
        ...                         multilabel=True).fit(["x"])
        >>> clf.matches(["They blamed China."])
        [{'blame': ['blame']}]
        """
        from stance.classifiers.base import check_texts

        out = []
        for text in check_texts(X):
            found = {}
            for c, pat in zip(self.classes_, self._patterns, strict=True):
                if pat is None:
                    continue
                cues = sorted({self._cue_of(m.group(0), str(c)) for m in pat.finditer(text)})
                if cues:
                    found[str(c)] = cues
            out.append(found)
        return out

    def _cue_of(self, matched: str, label: str) -> str:
        low = re.sub(r"\s+", " ", matched.lower())
        for cue in self.cues_[label]:
            if low.startswith(cue):
                return cue
        return low

    def hits(self, texts: list[str]) -> np.ndarray:
        """Number of distinct cues of each label found in each text, shape (n, k)."""
        H = np.zeros((len(texts), len(self.classes_)), dtype=np.float64)
        for j, pat in enumerate(self._patterns):
            if pat is None:
                continue
            for i, text in enumerate(texts):
                found = {re.sub(r"\s+", " ", m.group(0).lower()) for m in pat.finditer(text)}
                H[i, j] = len(found)
        return H

    def _raw_proba(self, F: list[str]) -> np.ndarray:
        H = self.hits(F)
        if self.multilabel:
            return H / (H + 1.0)
        classes = list(self.classes_)
        if self.none_label in classes:
            # NONE wins when no other cue fires, and when the top two other classes tie (mixed)
            j = classes.index(self.none_label)
            others = np.delete(H, j, axis=1)
            top = others.max(axis=1) if others.shape[1] else np.zeros(len(H))
            tied = (others == top[:, None]).sum(axis=1) > 1
            H[:, j] += np.where(top == 0, 1.0, np.where(tied, top + 0.5, 0.5))
        W = H + 0.05
        return W / W.sum(axis=1, keepdims=True)

    # ------------------------------------------------------------ persistence
    def _get_state(self, path) -> tuple[dict, dict[str, np.ndarray]]:
        return {"cues": self.cues_}, {}

    def _set_state(self, state: dict, arrays: dict[str, np.ndarray], path) -> None:
        self.cues_ = {str(k): list(v) for k, v in state["cues"].items()}
        self._compile()
