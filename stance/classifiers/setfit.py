"""SetFit: contrastive fine-tuning of the sentence encoder on text pairs, then a linear head.

The body is trained as SetFit does (Tunstall et al. 2022): pairs of training passages
get a target similarity (1 for the same label, 0 for different labels; for multi-label
data the Jaccard overlap of the two label sets) and the cosine similarity of their
mean-pooled embeddings is pulled towards it (mean squared error, sentence-transformers'
``CosineSimilarityLoss``). Pair sampling follows SetFit's ``num_iterations``: each
iteration draws one similar and one dissimilar partner per passage, so the number of
pairs grows linearly with the data, and ``max_pairs`` / ``max_steps`` cap it. A
logistic-regression head is then fitted on the fine-tuned embeddings.

The loop is written on plain transformers + torch so that training needs neither the
``setfit`` nor the ``sentence_transformers`` import (each costs 10-20 s here).
"""

from __future__ import annotations

import math
from typing import ClassVar

import numpy as np

from stance.classifiers._torch import FineTunedEncoderMixin
from stance.classifiers._validation import Interval, Options
from stance.classifiers.base import SHARED_CONSTRAINTS, TextClassifier

__all__ = ["SetFitClassifier", "contrastive_pairs"]


def contrastive_pairs(
    Y: np.ndarray, multilabel: bool, num_iterations: int, rng: np.random.Generator
) -> list[tuple[int, int, float]]:
    """SetFit-style pairs ``(i, j, target similarity)``.

    Each iteration gives every sample one partner with the same label (multi-label: an
    overlapping label set) and one with a different label, when such partners exist.
    """
    n = len(Y)
    if multilabel:
        Yb = Y.astype(bool)
        inter = (Yb[:, None, :] & Yb[None, :, :]).sum(-1)
        union = (Yb[:, None, :] | Yb[None, :, :]).sum(-1)
        sim = np.where(union == 0, 1.0, inter / np.maximum(union, 1))
    else:
        sim = (Y[:, None] == Y[None, :]).astype(float)
    np.fill_diagonal(sim, np.nan)
    pairs: list[tuple[int, int, float]] = []
    for _ in range(num_iterations):
        for i in range(n):
            row = sim[i]
            same = np.flatnonzero(row > 0)
            diff = np.flatnonzero(row == 0)
            if len(same):
                j = int(rng.choice(same))
                pairs.append((i, j, float(row[j])))
            if len(diff):
                j = int(rng.choice(diff))
                pairs.append((i, j, 0.0))
    return pairs


class SetFitClassifier(FineTunedEncoderMixin, TextClassifier):
    """Contrastively fine-tuned sentence encoder plus a logistic-regression head (SetFit).

    Parameters
    ----------
    labels, multilabel
        As in :class:`~stance.classifiers.base.TextClassifier`.
    encoder : str, optional
        Encoder spec to start from; default from settings.
    num_iterations : int
        Pair-sampling rounds (each adds up to two pairs per training passage).
    max_pairs : int
        Upper bound on the number of pairs (a random subset is kept). With the defaults
        training takes at most ``ceil(max_pairs / batch_size)`` = 63 steps whatever the
        data size (30 examples for each of 8 labels give 2,400 candidate pairs).
    max_steps : int, optional
        Upper bound on optimiser steps.
    num_epochs : int
        Passes over the pairs.
    batch_size : int
        Pairs per step.
    learning_rate : float
    max_length : int
        Token limit during training and inference.
    train_layers : int or None
        Top encoder layers trained (see :class:`~stance.classifiers._torch.TrainableBody`);
        None trains every layer. Token embeddings are never trained.
    C : float or "auto"
        Inverse regularisation strength of the head; ``"auto"`` chooses it by inner
        cross-validation on the fine-tuned embeddings of the training texts.
    class_weight : {"balanced", None}
        Class weights of the head.
    calibration, threshold, cv, random_state
        See :class:`~stance.classifiers.base.TextClassifier`. Multi-label thresholds are
        tuned by default on an inner split of the training data (``cv=0.2``: the encoder
        is fine-tuned on 80% of the training texts and each label's threshold maximises
        its F1 on the other 20%); the final model is then trained on all of them.

    Attributes
    ----------
    encoder_, encoder_hash_ : str
        Starting encoder and the sha256 of its weights.
    head_ : LinearHead
    C_ : float
        Regularisation strength of the head.
    n_pairs_, n_steps_ : int
        Pairs and optimiser steps used in training.
    """

    backend = "setfit"
    needs = (("torch", "models"), ("transformers", "models"))
    _parameter_constraints: ClassVar[dict[str, list]] = {
        **SHARED_CONSTRAINTS,
        "encoder": [None, str],
        "num_iterations": [Interval(int, 1, None, closed="left")],
        "max_pairs": [Interval(int, 1, None, closed="left")],
        "max_steps": [None, Interval(int, 1, None, closed="left")],
        "num_epochs": [Interval(int, 1, None, closed="left")],
        "batch_size": [Interval(int, 1, None, closed="left")],
        "learning_rate": [Interval(float, 0, None, closed="neither")],
        "max_length": [Interval(int, 1, None, closed="left")],
        "train_layers": [None, Interval(int, 0, None, closed="left")],
        "C": [Interval(float, 0, None, closed="neither"), Options({"auto"})],
        "class_weight": [None, Options({"balanced"}), dict],
    }

    def __init__(
        self,
        labels: list[str] | None = None,
        multilabel: bool = False,
        encoder: str | None = None,
        num_iterations: int = 5,
        max_pairs: int = 1000,
        max_steps: int | None = None,
        num_epochs: int = 1,
        batch_size: int = 16,
        learning_rate: float = 5e-5,
        max_length: int = 128,
        train_layers: int | None = 2,
        C: float | str = "auto",
        class_weight: str | None = "balanced",
        calibration: str | None = None,
        threshold: float | str = "auto",
        cv: int | float = 0.2,
        random_state: int = 0,
    ) -> None:
        self.encoder = encoder
        self.num_iterations = num_iterations
        self.max_pairs = max_pairs
        self.max_steps = max_steps
        self.num_epochs = num_epochs
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.max_length = max_length
        self.train_layers = train_layers
        self.C = C
        self.class_weight = class_weight
        super().__init__(labels, multilabel, calibration, threshold, cv, random_state)

    def _extra_state(self) -> dict:
        return {"n_pairs": self.n_pairs_, "n_steps": self.n_steps_}

    def _set_extra_state(self, state: dict) -> None:
        self.n_pairs_ = int(state.get("n_pairs", 0))
        self.n_steps_ = int(state.get("n_steps", 0))

    # ----------------------------------------------------------------- training
    def _fit_features(self, F: list[str], Y: np.ndarray) -> None:
        from stance._lazy import require
        from stance.classifiers._torch import train_loop
        from stance.classifiers.embedding import fit_head

        torch = require("torch", extra="models")
        body = self._start_body()
        body.prepare(F)
        rng = np.random.default_rng(self.random_state)
        pairs = contrastive_pairs(Y, self.multilabel, self.num_iterations, rng)
        if len(pairs) > self.max_pairs:
            keep = rng.choice(len(pairs), size=self.max_pairs, replace=False)
            pairs = [pairs[i] for i in sorted(keep)]
        total = math.ceil(len(pairs) / self.batch_size) * self.num_epochs if pairs else 0
        if self.max_steps is not None:
            total = min(total, int(self.max_steps))

        def loss_of(batch: list[tuple[int, int, float]]):
            emb = body.embed([i for i, _, _ in batch] + [j for _, j, _ in batch])
            cos = (emb[: len(batch)] * emb[len(batch) :]).sum(-1)
            target = torch.tensor([t for _, _, t in batch], dtype=cos.dtype, device=cos.device)
            return torch.nn.functional.mse_loss(cos, target)

        def batches(rng: np.random.Generator):
            order = rng.permutation(len(pairs))
            return ([pairs[i] for i in order[s : s + self.batch_size]] for s in range(0, len(order), self.batch_size))

        body.model.train()
        self.n_pairs_ = len(pairs)
        self.n_steps_ = train_loop(
            body.parameters(), total, batches, loss_of, lr=self.learning_rate, seed=self.random_state
        )
        body.model.eval()
        self.head_ = fit_head(self, body.embed_all(), Y)
        self._finish_body(body)
