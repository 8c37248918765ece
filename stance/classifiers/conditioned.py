"""Target-conditioned stance: one model over (target, passage) pairs, shared across targets."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

import numpy as np

from stance.classifiers.base import check_texts
from stance.classifiers.embedding import EMBEDDING_CONSTRAINTS, EmbeddingClassifier

__all__ = ["TargetConditionedClassifier"]


class TargetConditionedClassifier(EmbeddingClassifier):
    """One logistic regression over (target, passage) pairs of every stance target.

    The features of a pair are the passage embedding ``e`` (frozen encoder), the
    embedding again in the block of its target (``e`` times the target's one-hot
    indicator, zeros in the other targets' blocks) and the one-hot indicator itself. The
    weights on ``e`` are shared by every target and learn what favour and opposition look
    like in general; the target blocks learn how a target departs from that. Trained on
    the pairs of every target (``fit(X, y, targets=...)``), the model predicts the stance
    toward ``target``.

    Parameters
    ----------
    labels : sequence of str, optional
        Stance classes, shared by every target.
    multilabel : bool
        Multi-label tasks are supported (the pairs then carry indicator rows).
    target : str, optional
        The target predicted, e.g. ``"stance:cooperation"``.
    targets : sequence of str, optional
        Every target the model is trained over (default: ``[target]``).
    encoder, batch_size, cache
        See :class:`~stance.classifiers.embedding.EmbeddingClassifier`.
    C : float or "auto"
        Inverse regularisation strength; ``"auto"`` chooses it by inner CV (``C_``).
    class_weight : {"balanced", None}
    calibration, threshold, cv, random_state
        See :class:`~stance.classifiers.base.TextClassifier`.

    Attributes
    ----------
    encoder_, encoder_hash_, head_, C_, C_scores_
        As for :class:`~stance.classifiers.embedding.EmbeddingClassifier`.
    n_pairs_ : dict of str to int
        Training pairs per target.
    """

    backend = "conditioned"
    #: The fold loop trains this model on the pairs of every target in ``targets``.
    pools_targets = True
    _parameter_constraints: ClassVar[dict[str, list]] = {
        **EMBEDDING_CONSTRAINTS,
        "target": [None, str],
        "targets": [None, "sequence"],
    }

    def __init__(
        self,
        labels: list[str] | None = None,
        multilabel: bool = False,
        target: str | None = None,
        targets: Sequence[str] | None = None,
        encoder: str | None = None,
        C: float | str = "auto",
        class_weight: str | None = "balanced",
        batch_size: int = 32,
        cache: bool = True,
        calibration: str | None = "auto",
        threshold: float | str = "auto",
        cv: int = 3,
        random_state: int = 0,
    ) -> None:
        self.target = target
        self.targets = targets
        super().__init__(
            labels=labels,
            multilabel=multilabel,
            encoder=encoder,
            C=C,
            class_weight=class_weight,
            batch_size=batch_size,
            cache=cache,
            calibration=calibration,
            threshold=threshold,
            cv=cv,
            random_state=random_state,
        )

    @classmethod
    def from_codebook(cls, codebook: Any, task: str, **params: Any) -> TargetConditionedClassifier:
        """A model of ``task`` trained over every stance target of ``codebook`` that shares its labels."""
        labels = codebook.task_labels(task)
        targets = [t for t in codebook.tasks if t.startswith("stance:") and codebook.task_labels(t) == labels]
        params = {"target": task, "targets": targets if task in targets else [task], **params}
        return cls(labels=labels, multilabel=codebook.is_multilabel(task), **params)

    def target_list(self) -> list[str]:
        """The targets of the one-hot blocks, in order."""
        names = [str(t) for t in (self.targets or [])]
        own = str(self.target) if self.target is not None else ""
        return names if own in names else [*names, own]

    def fit(
        self, X: Any, y: Any = None, targets: Sequence[str] | None = None, groups: Any = None
    ) -> TargetConditionedClassifier:
        """Fit on (target, passage) pairs.

        Parameters
        ----------
        X : sequence of str
        y : array-like
            The stance of each pair.
        targets : sequence of str, optional
            The target of each pair (default: ``target`` for every row).
        groups : array-like, optional
            The document of each pair. The inner folds (``C="auto"``, calibration) then hold
            whole documents out, so the pairs of one passage (one per target) never sit on
            both sides of an inner split. Without groups the pairs of a passage share its
            text as their group.

        Returns
        -------
        self
        """
        self._check_params()  # before the targets are read
        n = len(check_texts(X))
        own = str(self.target) if self.target is not None else ""
        pair_targets = [own] * n if targets is None else [str(t) for t in targets]
        if len(pair_targets) != n:
            raise ValueError(f"targets has {len(pair_targets)} entries for {n} texts")
        unknown = sorted(set(pair_targets) - set(self.target_list()))
        if unknown:
            raise ValueError(f"targets {unknown} are not among the model's targets {self.target_list()}")
        self._pair_targets = pair_targets
        try:
            super().fit(X, y, groups=list(X) if groups is None else groups)
        finally:
            del self._pair_targets
        names, counts = np.unique(pair_targets, return_counts=True)
        self.n_pairs_ = {str(k): int(v) for k, v in zip(names, counts, strict=True)}
        return self

    def _featurize(self, texts: list[str]) -> np.ndarray:
        E = np.asarray(self._embed(texts), dtype=np.float32)
        names = self.target_list()
        own = str(self.target) if self.target is not None else ""
        pair = getattr(self, "_pair_targets", None) or [own] * len(texts)
        T = np.zeros((len(texts), len(names)), dtype=np.float32)
        T[np.arange(len(texts)), [names.index(t) for t in pair]] = 1.0
        blocks = (T[:, :, None] * E[:, None, :]).reshape(len(texts), -1)
        return np.hstack([E, blocks, T])

    def _get_state(self, path) -> tuple[dict, dict[str, np.ndarray]]:
        state, arrays = super()._get_state(path)
        return {**state, "n_pairs": self.n_pairs_}, arrays

    def _set_state(self, state: dict, arrays: dict[str, np.ndarray], path) -> None:
        super()._set_state(state, arrays, path)
        self.n_pairs_ = dict(state.get("n_pairs") or {})
