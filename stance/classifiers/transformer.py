"""The encoder fine-tuned end to end with a linear classification head, optionally through LoRA adapters."""

from __future__ import annotations

import math
import warnings
from typing import ClassVar

import numpy as np

from stance.classifiers._torch import FineTunedEncoderMixin
from stance.classifiers._validation import Interval, Options
from stance.classifiers.base import SHARED_CONSTRAINTS, TextClassifier

__all__ = ["TransformerClassifier"]


class TransformerClassifier(FineTunedEncoderMixin, TextClassifier):
    """The sentence encoder fine-tuned with a linear head on its pooled embeddings, on CPU.

    The head starts as the logistic regression of the ``embedding`` backend fitted on
    the frozen embeddings of the training texts, so training starts from a model that
    already separates the classes. The top ``train_layers`` layers of the encoder and the
    head are then trained together: multi-class models with cross-entropy, multi-label
    models with one binary cross-entropy per label, both weighted for class balance by
    default (multi-label: ``pos_weight`` = negatives / positives of each label, at most
    ``max_pos_weight``). The learning rate warms up linearly over the first ``warmup``
    share of the steps, then decays linearly to zero.

    Multi-label decision thresholds are tuned by default (``threshold="auto"``) on an
    inner split of the training data (``cv=0.2``: a model is fine-tuned on 80% of the
    training texts and the thresholds maximise each label's F1 on the other 20%); the
    final model is then fine-tuned on all of them.

    With ``lora=True`` the encoder's weights stay fixed and low-rank adapters on the
    attention of the trained layers learn instead (PEFT); the saved folder then holds the
    adapter alone, and the base encoder is resolved again from its spec at load.

    Parameters
    ----------
    labels, multilabel
        As in :class:`~stance.classifiers.base.TextClassifier`.
    encoder : str, optional
        Encoder spec whose weights are fine-tuned; default from settings.
    train_layers : int or None
        Top encoder layers trained (see :class:`~stance.classifiers._torch.TrainableBody`);
        None trains every layer. Token embeddings are never trained.
    lora : bool
        Train LoRA adapters instead of the weights of the trained layers.
    lora_r, lora_alpha, lora_dropout : int, int, float
        LoRA rank, scaling and dropout.
    num_epochs : int
        Passes over the training data.
    max_steps : int, optional
        Upper bound on optimiser steps.
    batch_size : int
    learning_rate : float, optional
        Encoder learning rate; default 1e-4 (weights) or 1e-3 (LoRA).
    head_learning_rate : float
        Learning rate of the head.
    warmup : float
        Share of the steps over which the learning rate warms up.
    weight_decay : float
    max_length : int
        Token limit.
    C : float or "auto"
        Inverse regularisation strength of the logistic regression that starts the head
        (see :class:`~stance.classifiers.embedding.EmbeddingClassifier`).
    class_weight : {"balanced", None}
        Loss weights (multi-class) or ``pos_weight`` (multi-label), and the start head's.
    max_pos_weight : float
        Cap on a label's ``pos_weight``.
    calibration, threshold, cv, random_state
        See :class:`~stance.classifiers.base.TextClassifier`.

    Attributes
    ----------
    encoder_, encoder_hash_ : str
        Base encoder spec and the sha256 of its weights.
    head_ : LinearHead
    C_ : float
        Regularisation strength of the start head.
    n_steps_ : int
    """

    backend = "transformer"
    needs = (("torch", "models"), ("transformers", "models"))
    _parameter_constraints: ClassVar[dict[str, list]] = {
        **SHARED_CONSTRAINTS,
        "encoder": [None, str],
        "train_layers": [None, Interval(int, 0, None, closed="left")],
        "lora": ["boolean"],
        "lora_r": [Interval(int, 1, None, closed="left")],
        "lora_alpha": [Interval(int, 1, None, closed="left")],
        "lora_dropout": [Interval(float, 0, 1, closed="left")],
        "num_epochs": [Interval(int, 1, None, closed="left")],
        "max_steps": [None, Interval(int, 1, None, closed="left")],
        "batch_size": [Interval(int, 1, None, closed="left")],
        "learning_rate": [None, Interval(float, 0, None, closed="neither")],
        "head_learning_rate": [Interval(float, 0, None, closed="neither")],
        "warmup": [Interval(float, 0, 1, closed="left")],
        "weight_decay": [Interval(float, 0, None, closed="left")],
        "max_length": [Interval(int, 1, None, closed="left")],
        "C": [Interval(float, 0, None, closed="neither"), Options({"auto"})],
        "class_weight": [None, Options({"balanced"}), dict],
        "max_pos_weight": [Interval(float, 0, None, closed="neither")],
    }

    def __init__(
        self,
        labels: list[str] | None = None,
        multilabel: bool = False,
        encoder: str | None = None,
        train_layers: int | None = 2,
        lora: bool = False,
        lora_r: int = 8,
        lora_alpha: int = 16,
        lora_dropout: float = 0.1,
        num_epochs: int = 2,
        max_steps: int | None = None,
        batch_size: int = 16,
        learning_rate: float | None = None,
        head_learning_rate: float = 1e-3,
        warmup: float = 0.1,
        weight_decay: float = 0.01,
        max_length: int = 128,
        C: float | str = 10.0,
        class_weight: str | None = "balanced",
        max_pos_weight: float = 20.0,
        calibration: str | None = None,
        threshold: float | str = "auto",
        cv: int | float = 0.2,
        random_state: int = 0,
    ) -> None:
        self.encoder = encoder
        self.train_layers = train_layers
        self.lora = lora
        self.lora_r = lora_r
        self.lora_alpha = lora_alpha
        self.lora_dropout = lora_dropout
        self.num_epochs = num_epochs
        self.max_steps = max_steps
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.head_learning_rate = head_learning_rate
        self.warmup = warmup
        self.weight_decay = weight_decay
        self.max_length = max_length
        self.C = C
        self.class_weight = class_weight
        self.max_pos_weight = max_pos_weight
        super().__init__(labels, multilabel, calibration, threshold, cv, random_state)

    def _check_params(self) -> None:
        super()._check_params()
        if self.lora:
            from stance._lazy import require

            require("peft", extra="models")

    # ------------------------------------------------------------------ model
    def _lora(self, model):
        from stance._lazy import require

        peft = require("peft", extra="models")
        n_layers = int(model.config.num_hidden_layers)
        top = None if self.train_layers is None else list(range(max(0, n_layers - int(self.train_layers)), n_layers))
        config = peft.LoraConfig(
            task_type=peft.TaskType.FEATURE_EXTRACTION,
            r=self.lora_r,
            lora_alpha=self.lora_alpha,
            lora_dropout=self.lora_dropout,
            target_modules=["query", "value"],
            layers_to_transform=top,
        )
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", category=FutureWarning)  # peft probes deprecated attributes
            return peft.get_peft_model(model, config)

    def _loss(self, Y: np.ndarray):
        """The training loss on logits, class-weighted as ``class_weight`` says."""
        from stance._lazy import require

        torch = require("torch", extra="models")
        balanced = self.class_weight == "balanced"
        if self.multilabel:
            pos = Y.sum(axis=0).astype(float)
            ratio = np.where(pos > 0, (len(Y) - pos) / np.maximum(pos, 1), 1.0)
            weight = np.clip(ratio, 1.0, float(self.max_pos_weight)) if balanced else np.ones(Y.shape[1])
            return torch.nn.BCEWithLogitsLoss(pos_weight=torch.tensor(weight, dtype=torch.float32))
        counts = np.bincount(Y, minlength=len(self.classes_)).astype(float)
        weight = np.where(counts > 0, len(Y) / (np.count_nonzero(counts) * np.maximum(counts, 1)), 0.0)
        return torch.nn.CrossEntropyLoss(weight=torch.tensor(weight, dtype=torch.float32) if balanced else None)

    def _fit_features(self, F: list[str], Y: np.ndarray) -> None:
        from stance._lazy import require
        from stance.classifiers._head import LinearHead
        from stance.classifiers._torch import train_loop
        from stance.classifiers.embedding import fit_head

        torch = require("torch", extra="models")
        body = self._start_body(wrap=self._lora if self.lora else None)
        body.prepare(F)
        start = fit_head(self, body.embed_all(), Y)
        on = body.device  # the head trains beside the encoder (a CUDA device when torch sees one)
        coef = torch.nn.Parameter(torch.tensor(start.coef, dtype=torch.float32, device=on))
        intercept = torch.nn.Parameter(torch.tensor(start.intercept, dtype=torch.float32, device=on))
        inactive = torch.tensor(~start.active, device=on)
        targets = torch.tensor(np.asarray(Y), dtype=torch.float32 if self.multilabel else torch.long, device=on)
        loss_fn = self._loss(np.asarray(Y)).to(on)

        def loss_of(idx: np.ndarray):
            logits = body.embed(idx) @ coef.T + intercept
            if not self.multilabel:
                logits = logits.masked_fill(inactive, -1e4)
            return loss_fn(logits, targets[idx])

        def batches(rng: np.random.Generator):
            order = rng.permutation(len(F))
            return (order[s : s + self.batch_size] for s in range(0, len(order), self.batch_size))

        total = math.ceil(len(F) / self.batch_size) * int(self.num_epochs)
        if self.max_steps is not None:
            total = min(total, int(self.max_steps))
        lr = self.learning_rate or (1e-3 if self.lora else 1e-4)
        groups = [{"params": body.parameters(), "lr": lr}, {"params": [coef, intercept], "lr": self.head_learning_rate}]
        body.model.train()
        self.n_steps_ = train_loop(
            groups,
            total,
            batches,
            loss_of,
            lr=lr,
            weight_decay=self.weight_decay,
            warmup_ratio=self.warmup,
            seed=self.random_state,
        )
        body.model.eval()
        self.head_ = LinearHead(
            coef.detach().cpu().numpy(), intercept.detach().cpu().numpy(), start.active, self.multilabel
        )
        self._finish_body(body)
