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
from pathlib import Path

import numpy as np

from stance.classifiers._head import LinearHead
from stance.classifiers._torch import TorchTrainingMixin
from stance.classifiers.base import TextClassifier

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


class SetFitClassifier(TorchTrainingMixin, TextClassifier):
    """Contrastively fine-tuned sentence encoder plus a logistic-regression head (SetFit).

    Parameters
    ----------
    labels : sequence of str, optional
    multilabel : bool
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
    freeze_embeddings : bool
        Keep the token-embedding matrix fixed (half of MiniLM's weights; training is
        about twice as fast on CPU and less prone to overfit small data).
    C : float
        Inverse regularisation strength of the head.
    class_weight : {"balanced", None}
    calibration, threshold, cv, random_state
        See :class:`~stance.classifiers.base.TextClassifier`. Calibration and tuned
        thresholds repeat the fine-tuning ``cv`` times, so they are off by default.

    Attributes
    ----------
    encoder_, encoder_hash_ : str
        Starting encoder and the sha256 of its weights.
    head_ : LinearHead
    n_pairs_, n_steps_ : int
        Pairs and optimiser steps used in training.
    """

    backend = "setfit"
    needs = (("torch", "models"), ("transformers", "models"))

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
        learning_rate: float = 2e-5,
        max_length: int = 128,
        freeze_embeddings: bool = True,
        C: float = 10.0,
        class_weight: str | None = "balanced",
        calibration: str | None = None,
        threshold: float | str = 0.5,
        cv: int = 3,
        random_state: int = 0,
    ) -> None:
        self.labels = labels
        self.multilabel = multilabel
        self.encoder = encoder
        self.num_iterations = num_iterations
        self.max_pairs = max_pairs
        self.max_steps = max_steps
        self.num_epochs = num_epochs
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.max_length = max_length
        self.freeze_embeddings = freeze_embeddings
        self.C = C
        self.class_weight = class_weight
        self.calibration = calibration
        self.threshold = threshold
        self.cv = cv
        self.random_state = random_state

    # ----------------------------------------------------------------- training
    def _fit_features(self, F: list[str], Y: np.ndarray) -> None:
        from stance._lazy import require
        from stance.classifiers._torch import linear_schedule, pad, seed_all
        from stance.encoders import Encoder, _pooling_mode, pool

        torch = require("torch", extra="models")
        transformers = require("transformers", extra="models")
        resolved = self._resolve_base()
        seed_all(self.random_state)
        rng = np.random.default_rng(self.random_state)
        tokenizer = transformers.AutoTokenizer.from_pretrained(str(resolved.path), local_files_only=True)
        body = transformers.AutoModel.from_pretrained(str(resolved.path), local_files_only=True)
        if self.freeze_embeddings:
            body.get_input_embeddings().weight.requires_grad_(False)
        pooling = _pooling_mode(resolved.path)
        ids = tokenizer(list(F), truncation=True, max_length=self.max_length)["input_ids"]

        pairs = contrastive_pairs(Y, self.multilabel, self.num_iterations, rng)
        if len(pairs) > self.max_pairs:
            keep = rng.choice(len(pairs), size=self.max_pairs, replace=False)
            pairs = [pairs[i] for i in sorted(keep)]
        steps_per_epoch = math.ceil(len(pairs) / self.batch_size) if pairs else 0
        total = steps_per_epoch * self.num_epochs
        if self.max_steps is not None:
            total = min(total, int(self.max_steps))
        self.n_pairs_ = len(pairs)
        self.n_steps_ = total
        if total > 0:
            body.train()
            optim = torch.optim.AdamW([p for p in body.parameters() if p.requires_grad], lr=self.learning_rate)
            sched = linear_schedule(optim, total)
            pad_id = tokenizer.pad_token_id or 0
            step = 0
            while step < total:
                order = rng.permutation(len(pairs))
                for start in range(0, len(order), self.batch_size):
                    if step >= total:
                        break
                    batch = [pairs[i] for i in order[start : start + self.batch_size]]
                    left = [ids[i] for i, _, _ in batch]
                    right = [ids[j] for _, j, _ in batch]
                    input_ids, mask = pad(left + right, pad_id)
                    states = body(input_ids=input_ids, attention_mask=mask).last_hidden_state
                    emb = pool(states, mask, pooling, normalize=True)
                    cos = (emb[: len(batch)] * emb[len(batch) :]).sum(-1)
                    target = torch.tensor([t for _, _, t in batch], dtype=cos.dtype)
                    loss = torch.nn.functional.mse_loss(cos, target)
                    loss.backward()
                    optim.step()
                    sched.step()
                    optim.zero_grad()
                    step += 1
        body.eval()
        self._body = Encoder.from_model(body, tokenizer, pooling, self.max_length, spec=self.encoder_)
        E = self._body.encode(list(F), cache=False)
        self.head_ = LinearHead.fit(
            E,
            Y,
            len(self.classes_),
            self.multilabel,
            C=self.C,
            class_weight=self.class_weight,
            random_state=self.random_state,
        )

    def transform(self, X) -> np.ndarray:
        """Embeddings of ``X`` from the fine-tuned encoder, shape (n, dim)."""
        from stance.classifiers.base import check_texts

        return self._body.encode(check_texts(X), batch_size=32)

    def _raw_proba(self, F: list[str]) -> np.ndarray:
        return self.head_.proba(self._body.encode(list(F), batch_size=32))

    # ------------------------------------------------------------ persistence
    def _get_state(self, path: Path) -> tuple[dict, dict[str, np.ndarray]]:
        folder = Path(path) / "encoder"
        self._body.model.save_pretrained(str(folder))
        self._body.tokenizer.save_pretrained(str(folder))
        state = {
            "encoder": self.encoder_,
            "encoder_hash": self.encoder_hash_,
            "pooling": self._body.pooling,
            "n_pairs": self.n_pairs_,
            "n_steps": self.n_steps_,
        }
        return state, self.head_.arrays()

    def _set_state(self, state: dict, arrays: dict[str, np.ndarray], path: Path) -> None:
        from stance._lazy import require
        from stance.encoders import Encoder, encoder_hash, quiet_transformers, set_torch_threads

        transformers = require("transformers", extra="models")
        quiet_transformers()
        set_torch_threads()
        folder = Path(path) / "encoder"
        body = transformers.AutoModel.from_pretrained(str(folder), local_files_only=True)
        body.eval()
        tokenizer = transformers.AutoTokenizer.from_pretrained(str(folder), local_files_only=True)
        self.encoder_ = state["encoder"]
        self.encoder_hash_ = state["encoder_hash"]
        self.n_pairs_ = int(state.get("n_pairs", 0))
        self.n_steps_ = int(state.get("n_steps", 0))
        self._body = Encoder.from_model(
            body,
            tokenizer,
            state.get("pooling", "mean"),
            self.max_length,
            spec=str(folder),
            hash=encoder_hash(folder),
        )
        self.head_ = LinearHead.from_arrays(arrays, self.multilabel)
