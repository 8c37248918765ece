"""Frozen sentence encoder with a logistic-regression head."""

from __future__ import annotations

from typing import ClassVar

import numpy as np

from stance.classifiers._head import LinearHead, choose_C
from stance.classifiers._validation import Interval, Options
from stance.classifiers.base import SHARED_CONSTRAINTS, TextClassifier

__all__ = [
    "EMBEDDING_CONSTRAINTS",
    "EmbeddingClassifier",
    "EncoderMixin",
    "c_state",
    "fit_head",
    "set_c_state",
]


#: Allowed parameter values of the frozen-encoder backends with a logistic-regression head.
EMBEDDING_CONSTRAINTS: dict[str, list] = {
    **SHARED_CONSTRAINTS,
    "encoder": [None, str],
    "C": [Interval(float, 0, None, closed="neither"), Options({"auto"})],
    "class_weight": [None, Options({"balanced"}), dict],
    "batch_size": [Interval(int, 1, None, closed="left")],
    "cache": ["boolean"],
}


class EncoderMixin:
    """Shared handling of the ``encoder`` parameter for backends that embed texts.

    At fit time the encoder spec is resolved (parameter, else ``STANCE_ENCODER``, else
    ``stance.toml``) and stored with the sha256 of its weights in ``encoder_`` and
    ``encoder_hash_``. A loaded model refuses to embed with weights whose hash differs.
    Fitting embeds with torch (:func:`stance.encoders.training_runtime`); predicting
    embeds with the ``encoder_runtime`` setting.
    """

    encoder: str | None
    batch_size: int
    cache: bool

    def fit(self, X, y=None, groups=None):
        """Fit as the backend does, embedding with torch."""
        from stance.encoders import training_runtime

        with training_runtime():
            return super().fit(X, y, groups=groups)

    def _prepare_fit(self) -> None:
        self._prepare_encoder()

    def _prepare_encoder(self) -> None:
        from stance.config import settings
        from stance.encoders import get_encoder

        spec = str(self.encoder) if self.encoder is not None else settings().encoder
        enc = get_encoder(spec)
        self.encoder_ = spec
        self.encoder_hash_ = enc.hash

    def _encoder(self):
        from stance.encoders import get_encoder

        enc = get_encoder(self.encoder_)
        if enc.hash != self.encoder_hash_:
            raise ValueError(
                f"encoder {self.encoder_!r} now resolves to weights with sha256 {enc.hash[:12]}, but this model "
                f"was trained with {self.encoder_hash_[:12]}; install the original encoder or retrain"
            )
        return enc

    def _embed(self, texts: list[str]) -> np.ndarray:
        if not hasattr(self, "encoder_"):
            self._prepare_encoder()
        return self._encoder().encode(texts, batch_size=self.batch_size, cache=self.cache)

    def _encoder_state(self) -> dict:
        return {"encoder": self.encoder_, "encoder_hash": self.encoder_hash_}

    def _set_encoder_state(self, state: dict) -> None:
        self.encoder_ = state["encoder"]
        self.encoder_hash_ = state["encoder_hash"]


class EmbeddingClassifier(EncoderMixin, TextClassifier):
    """Sentence embeddings from a frozen encoder, classified by logistic regression.

    Embeddings are cached on disk (see :mod:`stance.encoders`), so refitting, inner
    cross-validation and re-scoring do not re-encode.

    Parameters
    ----------
    labels, multilabel
        As in :class:`~stance.classifiers.base.TextClassifier`.
    encoder : str, optional
        Encoder spec (``packaged:all-MiniLM-L6-v2``, a folder or a hub id); default from
        settings.
    C : float or "auto"
        Inverse regularisation strength of the head; ``"auto"`` chooses it from
        :data:`~stance.classifiers._head.C_GRID` by inner ``cv``-fold cross-validation on
        the training data (:func:`~stance.classifiers._head.choose_C`; whole documents per
        inner fold when ``fit`` is given ``groups``), recorded in ``C_``.
    class_weight : {"balanced", None}
    batch_size : int
        Texts per encoder forward pass.
    cache : bool
        Use the embedding cache.
    calibration, threshold, cv, random_state
        See :class:`~stance.classifiers.base.TextClassifier`.

    Attributes
    ----------
    encoder_ : str
        Encoder spec used.
    encoder_hash_ : str
        sha256 of its weights.
    head_ : LinearHead
    C_ : float
        The regularisation strength used (``C``, or the one chosen for ``"auto"``).
    C_scores_ : dict
        Mean inner macro-F1 per candidate ``C`` (empty unless ``C="auto"``).
    """

    backend = "embedding"
    needs = (("torch", "models"), ("transformers", "models"))
    _parameter_constraints: ClassVar[dict[str, list]] = EMBEDDING_CONSTRAINTS

    def __init__(
        self,
        labels: list[str] | None = None,
        multilabel: bool = False,
        encoder: str | None = None,
        C: float | str = 10.0,
        class_weight: str | None = "balanced",
        batch_size: int = 32,
        cache: bool = True,
        calibration: str | None = "auto",
        threshold: float | str = "auto",
        cv: int = 3,
        random_state: int = 0,
    ) -> None:
        self.encoder = encoder
        self.C = C
        self.class_weight = class_weight
        self.batch_size = batch_size
        self.cache = cache
        super().__init__(labels, multilabel, calibration, threshold, cv, random_state)

    def _featurize(self, texts: list[str]) -> np.ndarray:
        return self._embed(texts)

    def _fit_features(self, F: np.ndarray, Y: np.ndarray) -> None:
        self.head_ = fit_head(self, F, Y)

    def _raw_proba(self, F: np.ndarray) -> np.ndarray:
        return self.head_.proba(F)

    def _get_state(self, path) -> tuple[dict, dict[str, np.ndarray]]:
        return {**self._encoder_state(), **c_state(self)}, self.head_.arrays()

    def _set_state(self, state: dict, arrays: dict[str, np.ndarray], path) -> None:
        self._set_encoder_state(state)
        set_c_state(self, state)
        self.head_ = LinearHead.from_arrays(arrays, self.multilabel)


def fit_head(est, F, Y: np.ndarray) -> LinearHead:
    """The logistic-regression head of ``est`` on features ``F``; ``C="auto"`` is chosen by inner CV first."""
    if est.C == "auto":
        est.C_, est.C_scores_ = choose_C(
            F,
            Y,
            len(est.classes_),
            est.multilabel,
            cv=est.cv,
            class_weight=est.class_weight,
            random_state=est.random_state,
            groups=getattr(est, "_inner_groups", None),
        )
        est.C_metric_ = "macro-F1"
    else:  # a positive number (checked in fit against _parameter_constraints)
        est.C_, est.C_scores_, est.C_metric_ = float(est.C), {}, ""
    return LinearHead.fit(
        F,
        Y,
        len(est.classes_),
        est.multilabel,
        C=est.C_,
        class_weight=est.class_weight,
        random_state=est.random_state,
    )


def c_state(est) -> dict:
    """The saved form of ``C_`` and its inner-CV scores."""
    return {"C": est.C_, "C_scores": {str(k): v for k, v in est.C_scores_.items()}, "C_metric": est.C_metric_}


def set_c_state(est, state: dict) -> None:
    """Restore what :func:`c_state` saved (models saved before it get their ``C``)."""
    est.C_ = float(state.get("C", est.C if est.C != "auto" else np.nan))
    est.C_scores_ = {float(k): float(v) for k, v in (state.get("C_scores") or {}).items()}
    est.C_metric_ = str(state.get("C_metric", ""))
