"""Zero-shot classification: similarity to label prototypes built from the codebook."""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np

from stance.classifiers._head import sigmoid, softmax
from stance.classifiers._validation import Interval
from stance.classifiers.base import SHARED_CONSTRAINTS, TextClassifier
from stance.classifiers.embedding import EncoderMixin

__all__ = ["ZeroShotClassifier"]


def _unit(v: np.ndarray) -> np.ndarray:
    norm = np.linalg.norm(v, axis=-1, keepdims=True)
    return v / np.where(norm > 0, norm, 1.0)


class ZeroShotClassifier(EncoderMixin, TextClassifier):
    """Cosine similarity between passage embeddings and label prototypes; no labels needed.

    Each label's prototype is the mean embedding of its descriptions (codebook definition
    and positive examples). Multi-class probabilities are a softmax over the similarities
    divided by ``temperature``. Multi-label probabilities compare each label's positive
    prototype with its negative prototype (the codebook's negative examples, or the other
    labels' descriptions): ``sigmoid((sim_pos - sim_neg) / temperature)``.

    ``fit(X)`` without ``y`` only embeds the prototypes. With ``y`` it also calibrates the
    scores and tunes per-label thresholds on the training data; when ``prototypes`` is
    None the prototypes are the class centroids of the training embeddings instead.

    Parameters
    ----------
    prototypes : dict of str to list of str, optional
        Descriptions per label (definitions, example passages). Labels without an entry
        use their name.
    negative_prototypes : dict of str to list of str, optional
        Multi-label only: texts that do *not* carry each label.
    labels, multilabel
        As in :class:`~stance.classifiers.base.TextClassifier`.
    encoder : str, optional
        Encoder spec; default from settings.
    temperature : float
        Similarity scale of the probabilities.
    batch_size, cache
        See :class:`~stance.classifiers.embedding.EmbeddingClassifier`.
    calibration, threshold, cv, random_state
        See :class:`~stance.classifiers.base.TextClassifier`.

    Attributes
    ----------
    prototypes_ : ndarray of shape (n_classes, dim)
    negatives_ : ndarray of shape (n_classes, dim) or None
    """

    backend = "zeroshot"
    requires_labels = False
    _parameter_constraints: ClassVar[dict[str, list]] = {
        **SHARED_CONSTRAINTS,
        "prototypes": [None, dict],
        "negative_prototypes": [None, dict],
        "encoder": [None, str],
        "temperature": [Interval(float, 0, None, closed="neither")],
        "batch_size": [Interval(int, 1, None, closed="left")],
        "cache": ["boolean"],
    }
    needs = (("torch", "models"), ("transformers", "models"))

    def __init__(
        self,
        prototypes: dict[str, list[str]] | None = None,
        negative_prototypes: dict[str, list[str]] | None = None,
        labels: list[str] | None = None,
        multilabel: bool = False,
        encoder: str | None = None,
        temperature: float = 0.05,
        batch_size: int = 32,
        cache: bool = True,
        calibration: str | None = "auto",
        threshold: float | str = "auto",
        cv: int = 3,
        random_state: int = 0,
    ) -> None:
        self.prototypes = prototypes
        self.negative_prototypes = negative_prototypes
        self.encoder = encoder
        self.temperature = temperature
        self.batch_size = batch_size
        self.cache = cache
        super().__init__(labels, multilabel, calibration, threshold, cv, random_state)

    @classmethod
    def from_codebook(cls, codebook: Any, task: str, **params: Any) -> ZeroShotClassifier:
        """Prototypes from the codebook: each label's definition and positive examples.

        Multi-label tasks also get negative prototypes from the negative examples.
        """
        labs = codebook.labels(task)
        multilabel = codebook.is_multilabel(task)
        params.setdefault("prototypes", {lab.name: [lab.definition, *lab.positive_examples] for lab in labs})
        if multilabel:
            params.setdefault("negative_prototypes", {lab.name: list(lab.negative_examples) for lab in labs})
        return cls(labels=codebook.task_labels(task), multilabel=multilabel, **params)

    def _featurize(self, texts: list[str]) -> np.ndarray:
        return self._embed(texts)

    def _centroid(self, texts: list[str]) -> np.ndarray:
        return _unit(self._embed(texts).mean(axis=0))

    def _fit_features(self, F: np.ndarray, Y: np.ndarray | None) -> None:
        classes = [str(c) for c in self.classes_]
        k = len(classes)
        if self.prototypes is None and Y is None:
            raise ValueError("ZeroShotClassifier needs prototypes=... or training labels y")
        for name, given in (("prototypes", self.prototypes), ("negative_prototypes", self.negative_prototypes)):
            unknown = sorted(set(given or {}) - set(classes))
            if unknown:
                raise ValueError(f"{name} are given for labels that are not in labels={classes}: {unknown}")
        T = None
        if Y is not None:
            T = Y.astype(bool) if self.multilabel else np.eye(k, dtype=bool)[Y]
        rows = []
        for j, c in enumerate(classes):
            if self.prototypes is not None:
                rows.append(self._centroid(self.prototypes.get(c) or [c.replace("_", " ")]))
            elif T[:, j].any():
                rows.append(_unit(F[T[:, j]].mean(axis=0)))
            else:
                rows.append(self._centroid([c.replace("_", " ")]))
        pos = np.vstack(rows).astype(np.float32)
        self.prototypes_ = pos
        self.negatives_ = None
        if self.multilabel:
            neg = np.zeros_like(pos)
            for j, c in enumerate(classes):
                texts = (self.negative_prototypes or {}).get(c)
                if self.prototypes is None and T is not None and (~T[:, j]).any():
                    neg[j] = _unit(F[~T[:, j]].mean(axis=0))
                elif texts:
                    neg[j] = self._centroid(list(texts))
                else:
                    others = [i for i in range(k) if i != j]
                    neg[j] = _unit(pos[others].mean(axis=0)) if others else 0.0
            self.negatives_ = neg

    def similarities(self, F: np.ndarray) -> np.ndarray:
        """Cosine similarity of each embedding to each label prototype, shape (n, k)."""
        return np.asarray(F, dtype=np.float64) @ self.prototypes_.T.astype(np.float64)

    def _raw_proba(self, F: np.ndarray) -> np.ndarray:
        sim = self.similarities(F)
        if self.multilabel:
            neg = np.asarray(F, dtype=np.float64) @ self.negatives_.T.astype(np.float64)
            return sigmoid((sim - neg) / self.temperature)
        return softmax(sim / self.temperature)

    def _get_state(self, path) -> tuple[dict, dict[str, np.ndarray]]:
        arrays = {"zeroshot.prototypes": self.prototypes_}
        if self.negatives_ is not None:
            arrays["zeroshot.negatives"] = self.negatives_
        return self._encoder_state(), arrays

    def _set_state(self, state: dict, arrays: dict[str, np.ndarray], path) -> None:
        self._set_encoder_state(state)
        self.prototypes_ = arrays["zeroshot.prototypes"]
        self.negatives_ = arrays.get("zeroshot.negatives")
