"""TF-IDF features with a logistic-regression head."""

from __future__ import annotations

import json
import warnings
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from stance.classifiers._head import LinearHead
from stance.classifiers._validation import Interval, Options
from stance.classifiers.base import SHARED_CONSTRAINTS, TextClassifier
from stance.classifiers.embedding import c_state, fit_head, set_c_state

__all__ = ["TfidfClassifier", "TfidfFallbackWarning"]


class TfidfFallbackWarning(UserWarning):
    """The word analyzer found no term, so the TF-IDF features are character unigrams."""


class TfidfClassifier(TextClassifier):
    """TF-IDF of word n-grams plus logistic regression (one per label when multi-label).

    Parameters
    ----------
    labels, multilabel
        As in :class:`~stance.classifiers.base.TextClassifier`.
    ngram_range : tuple of int
        Word n-gram lengths.
    min_df : int or float
        Minimum document frequency of a term.
    max_features : int, optional
        Keep the most frequent terms only.
    sublinear_tf : bool
        Use ``1 + log(tf)``.
    C : float or "auto"
        Inverse regularisation strength of the logistic regression; ``"auto"`` chooses it
        from :data:`~stance.classifiers._head.C_GRID` by inner ``cv``-fold cross-validation
        on the training data, recorded in ``C_``.
    class_weight : {"balanced", None}
    fallback_analyzer : {"char", None}
        What to do when the word analyzer finds no usable term in the training texts
        (punctuation or digits only): ``"char"`` fits on character unigrams instead and
        issues a :class:`TfidfFallbackWarning`; None raises the vectorizer's ValueError.
    calibration, threshold, cv, random_state
        See :class:`~stance.classifiers.base.TextClassifier`.

    Attributes
    ----------
    vectorizer_ : TfidfVectorizer
    head_ : LinearHead
    C_ : float
        The regularisation strength used (``C``, or the one chosen for ``"auto"``).
    C_scores_ : dict
        Mean inner macro-F1 per candidate ``C`` (empty unless ``C="auto"``).
    """

    backend = "tfidf"
    _parameter_constraints: ClassVar[dict[str, list]] = {
        **SHARED_CONSTRAINTS,
        "ngram_range": ["sequence"],
        "min_df": [Interval(int, 1, None, closed="left"), Interval(float, 0, 1, closed="right")],
        "max_features": [None, Interval(int, 1, None, closed="left")],
        "sublinear_tf": ["boolean"],
        "C": [Interval(float, 0, None, closed="neither"), Options({"auto"})],
        "class_weight": [None, Options({"balanced"}), dict],
        "fallback_analyzer": [None, Options({"char"})],
    }

    def __init__(
        self,
        labels: list[str] | None = None,
        multilabel: bool = False,
        ngram_range: tuple[int, int] = (1, 2),
        min_df: int | float = 1,
        max_features: int | None = 50000,
        sublinear_tf: bool = True,
        C: float | str = 10.0,
        class_weight: str | None = "balanced",
        fallback_analyzer: str | None = "char",
        calibration: str | None = "auto",
        threshold: float | str = "auto",
        cv: int = 3,
        random_state: int = 0,
    ) -> None:
        self.ngram_range = ngram_range
        self.min_df = min_df
        self.max_features = max_features
        self.sublinear_tf = sublinear_tf
        self.C = C
        self.class_weight = class_weight
        self.fallback_analyzer = fallback_analyzer
        super().__init__(labels, multilabel, calibration, threshold, cv, random_state)

    def _vectorizer(self, vocabulary: list[str] | None = None) -> Any:
        from sklearn.feature_extraction.text import TfidfVectorizer

        return TfidfVectorizer(
            ngram_range=tuple(self.ngram_range),
            min_df=1 if vocabulary is not None else self.min_df,
            max_features=None if vocabulary is not None else self.max_features,
            sublinear_tf=self.sublinear_tf,
            strip_accents="unicode",
            vocabulary=vocabulary,
            dtype=np.float32,
        )

    def _fit_features(self, F: list[str], Y: np.ndarray) -> None:
        self.vectorizer_ = self._vectorizer()
        try:
            X = self.vectorizer_.fit_transform(F)
        except ValueError as exc:  # no usable term (e.g. punctuation only)
            if self.fallback_analyzer is None:
                raise
            warnings.warn(
                f"TfidfClassifier: the training texts have no word terms ({exc}); fitting on character "
                "unigrams instead (fallback_analyzer='char'; pass fallback_analyzer=None to raise)",
                TfidfFallbackWarning,
                stacklevel=4,
            )
            self.vectorizer_.set_params(analyzer="char", ngram_range=(1, 1))
            X = self.vectorizer_.fit_transform(F)
        self.head_ = fit_head(self, X, Y)

    def _raw_proba(self, F: list[str]) -> np.ndarray:
        return self.head_.proba(self.vectorizer_.transform(F))

    def top_terms(self, n: int = 10) -> dict[str, list[str]]:
        """The ``n`` terms with the largest positive weight for each label."""
        terms = self.vectorizer_.get_feature_names_out()
        return {
            str(c): [
                str(terms[i]) for i in np.argsort(-self.head_.coef[j], kind="stable")[:n] if self.head_.coef[j, i] > 0
            ]
            for j, c in enumerate(self.classes_)
        }

    def _get_state(self, path) -> tuple[dict, dict[str, np.ndarray]]:
        vocab = self.vectorizer_.vocabulary_
        terms = sorted(vocab, key=vocab.get)  # position = column of the idf and coefficient arrays
        (Path(path) / "vocabulary.json").write_text(json.dumps(terms, ensure_ascii=False) + "\n", encoding="utf-8")
        state = {
            "vocabulary": "vocabulary.json",
            "n_terms": len(terms),
            "analyzer": self.vectorizer_.analyzer,
            "ngram_range": list(self.vectorizer_.ngram_range),
            **c_state(self),
        }
        return state, {"tfidf.idf": self.vectorizer_.idf_.astype(np.float64), **self.head_.arrays()}

    def _set_state(self, state: dict, arrays: dict[str, np.ndarray], path) -> None:
        vocabulary = state["vocabulary"]
        if isinstance(vocabulary, str):
            vocabulary = json.loads((Path(path) / vocabulary).read_text(encoding="utf-8"))
        self.vectorizer_ = self._vectorizer(vocabulary=list(vocabulary))
        self.vectorizer_.set_params(
            analyzer=state.get("analyzer", "word"), ngram_range=tuple(state.get("ngram_range", self.ngram_range))
        )
        self.vectorizer_.idf_ = arrays["tfidf.idf"]
        set_c_state(self, state)
        self.head_ = LinearHead.from_arrays(arrays, self.multilabel)
