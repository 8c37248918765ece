"""Full fine-tuning of the encoder with a classification head, optionally through LoRA adapters."""

from __future__ import annotations

import json
import math
import warnings
from pathlib import Path

import numpy as np

from stance.classifiers._torch import TorchTrainingMixin
from stance.classifiers.base import TextClassifier

__all__ = ["TransformerClassifier"]


class TransformerClassifier(TorchTrainingMixin, TextClassifier):
    """The encoder fine-tuned end to end with a sequence-classification head, on CPU.

    Multi-class models use cross-entropy (class-balanced by default), multi-label models
    one binary cross-entropy per label. With ``lora=True`` the encoder stays frozen and
    only low-rank adapters and the head are trained (PEFT); the saved folder then holds
    the adapter alone, and the base encoder is resolved again from its spec at load.

    Parameters
    ----------
    labels : sequence of str, optional
    multilabel : bool
    encoder : str, optional
        Encoder spec to start from; default from settings.
    lora : bool
        Train LoRA adapters instead of all weights.
    lora_r, lora_alpha, lora_dropout : int, int, float
        LoRA rank, scaling and dropout.
    num_epochs : int
        Passes over the training data.
    max_steps : int, optional
        Upper bound on optimiser steps.
    batch_size : int
    learning_rate : float, optional
        Default 5e-5 (full) or 1e-3 (LoRA).
    weight_decay : float
    max_length : int
        Token limit.
    freeze_embeddings : bool
        Keep the token-embedding matrix fixed (all other weights are trained).
    class_weight : {"balanced", None}
        Multi-class loss weights.
    calibration, threshold, cv, random_state
        See :class:`~stance.classifiers.base.TextClassifier`. Calibration and tuned
        thresholds repeat the fine-tuning ``cv`` times, so they are off by default.

    Attributes
    ----------
    encoder_, encoder_hash_ : str
        Base encoder spec and the sha256 of its weights.
    n_steps_ : int
    """

    backend = "transformer"
    needs = (("torch", "models"), ("transformers", "models"))

    def __init__(
        self,
        labels: list[str] | None = None,
        multilabel: bool = False,
        encoder: str | None = None,
        lora: bool = False,
        lora_r: int = 8,
        lora_alpha: int = 16,
        lora_dropout: float = 0.1,
        num_epochs: int = 4,
        max_steps: int | None = None,
        batch_size: int = 16,
        learning_rate: float | None = None,
        weight_decay: float = 0.01,
        max_length: int = 128,
        freeze_embeddings: bool = True,
        class_weight: str | None = "balanced",
        calibration: str | None = None,
        threshold: float | str = 0.5,
        cv: int = 3,
        random_state: int = 0,
    ) -> None:
        self.labels = labels
        self.multilabel = multilabel
        self.encoder = encoder
        self.lora = lora
        self.lora_r = lora_r
        self.lora_alpha = lora_alpha
        self.lora_dropout = lora_dropout
        self.num_epochs = num_epochs
        self.max_steps = max_steps
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.weight_decay = weight_decay
        self.max_length = max_length
        self.freeze_embeddings = freeze_embeddings
        self.class_weight = class_weight
        self.calibration = calibration
        self.threshold = threshold
        self.cv = cv
        self.random_state = random_state

    def _check_params(self) -> None:
        super()._check_params()
        if self.lora:
            from stance._lazy import require

            require("peft", extra="models")

    # ------------------------------------------------------------------ model
    def _base_model(self, path: Path):
        from stance._lazy import require

        transformers = require("transformers", extra="models")
        classes = [str(c) for c in self.classes_]
        config = transformers.AutoConfig.from_pretrained(
            str(path),
            local_files_only=True,
            num_labels=len(classes),
            id2label=dict(enumerate(classes)),
            label2id={c: i for i, c in enumerate(classes)},
            problem_type="multi_label_classification" if self.multilabel else "single_label_classification",
        )
        return transformers.AutoModelForSequenceClassification.from_pretrained(
            str(path), config=config, local_files_only=True
        )

    def _lora_config(self):
        from stance._lazy import require

        peft = require("peft", extra="models")
        return peft.LoraConfig(
            task_type=peft.TaskType.SEQ_CLS,
            r=self.lora_r,
            lora_alpha=self.lora_alpha,
            lora_dropout=self.lora_dropout,
        )

    def _fit_features(self, F: list[str], Y: np.ndarray) -> None:
        from stance._lazy import require
        from stance.classifiers._torch import linear_schedule, pad, seed_all

        torch = require("torch", extra="models")
        transformers = require("transformers", extra="models")
        resolved = self._resolve_base()
        seed_all(self.random_state)
        rng = np.random.default_rng(self.random_state)
        tokenizer = transformers.AutoTokenizer.from_pretrained(str(resolved.path), local_files_only=True)
        model = self._base_model(resolved.path)
        if self.freeze_embeddings:
            model.get_input_embeddings().weight.requires_grad_(False)
        if self.lora:
            peft = require("peft", extra="models")
            with warnings.catch_warnings():
                warnings.filterwarnings("ignore", category=FutureWarning)  # peft probes deprecated attributes
                model = peft.get_peft_model(model, self._lora_config())
        ids = tokenizer(list(F), truncation=True, max_length=self.max_length)["input_ids"]
        k = len(self.classes_)
        if self.multilabel:
            targets = torch.tensor(np.asarray(Y), dtype=torch.float32)
            loss_fn = torch.nn.BCEWithLogitsLoss()
        else:
            targets = torch.tensor(np.asarray(Y), dtype=torch.long)
            weight = None
            if self.class_weight == "balanced":
                counts = np.bincount(Y, minlength=k).astype(float)
                w = np.where(counts > 0, len(Y) / (np.count_nonzero(counts) * np.maximum(counts, 1)), 0.0)
                weight = torch.tensor(w, dtype=torch.float32)
            loss_fn = torch.nn.CrossEntropyLoss(weight=weight)
        total = math.ceil(len(ids) / self.batch_size) * self.num_epochs
        if self.max_steps is not None:
            total = min(total, int(self.max_steps))
        lr = self.learning_rate or (1e-3 if self.lora else 5e-5)
        params = [p for p in model.parameters() if p.requires_grad]
        optim = torch.optim.AdamW(params, lr=lr, weight_decay=self.weight_decay)
        sched = linear_schedule(optim, max(total, 1))
        pad_id = tokenizer.pad_token_id or 0
        model.train()
        step = 0
        while step < total:
            order = rng.permutation(len(ids))
            for start in range(0, len(order), self.batch_size):
                if step >= total:
                    break
                idx = order[start : start + self.batch_size]
                input_ids, mask = pad([ids[i] for i in idx], pad_id)
                logits = model(input_ids=input_ids, attention_mask=mask).logits
                loss = loss_fn(logits, targets[idx])
                loss.backward()
                optim.step()
                sched.step()
                optim.zero_grad()
                step += 1
        model.eval()
        self.n_steps_ = total
        self._model = model
        self._tokenizer = tokenizer

    def _raw_proba(self, F: list[str]) -> np.ndarray:
        from stance._lazy import require
        from stance.classifiers._torch import length_batches, pad

        torch = require("torch", extra="models")
        ids = self._tokenizer(list(F), truncation=True, max_length=self.max_length)["input_ids"]
        out = np.zeros((len(ids), len(self.classes_)), dtype=np.float64)
        pad_id = self._tokenizer.pad_token_id or 0
        with torch.inference_mode():
            for idx in length_batches(ids, 32):
                input_ids, mask = pad([ids[i] for i in idx], pad_id)
                logits = self._model(input_ids=input_ids, attention_mask=mask).logits.double()
                probs = torch.sigmoid(logits) if self.multilabel else torch.softmax(logits, dim=-1)
                out[idx] = probs.numpy()
        return out

    # ------------------------------------------------------------ persistence
    def _get_state(self, path: Path) -> tuple[dict, dict[str, np.ndarray]]:
        path = Path(path)
        if self.lora:
            folder = path / "adapter"
            self._model.save_pretrained(str(folder))
            # PEFT records the absolute path of the base model; store the portable spec instead
            cfg_path = folder / "adapter_config.json"
            cfg = json.loads(cfg_path.read_text(encoding="utf-8"))
            cfg["base_model_name_or_path"] = self.encoder_
            cfg_path.write_text(json.dumps(cfg, indent=2, sort_keys=True) + "\n", encoding="utf-8")
            (folder / "README.md").unlink(missing_ok=True)  # PEFT's empty template; MODEL_CARD.md describes the model
        else:
            folder = path / "model"
            self._model.save_pretrained(str(folder))
            self._tokenizer.save_pretrained(str(folder))
        state = {
            "encoder": self.encoder_,
            "encoder_hash": self.encoder_hash_,
            "weights": folder.name,
            "n_steps": self.n_steps_,
        }
        return state, {}

    def _set_state(self, state: dict, arrays: dict[str, np.ndarray], path: Path) -> None:
        from stance._lazy import require
        from stance.encoders import quiet_transformers, set_torch_threads

        transformers = require("transformers", extra="models")
        quiet_transformers()
        set_torch_threads()
        path = Path(path)
        self.n_steps_ = int(state.get("n_steps", 0))
        self.encoder_hash_ = state["encoder_hash"]
        if state.get("weights") == "adapter":
            peft = require("peft", extra="models")
            # resolve the base model again on this machine (the saved config holds only its spec)
            resolved = self._resolve_base(state["encoder"])
            base = self._base_model(resolved.path)
            with warnings.catch_warnings():
                warnings.filterwarnings("ignore", category=FutureWarning)
                model = peft.PeftModel.from_pretrained(base, str(path / "adapter"))
            for cfg in model.peft_config.values():
                cfg.base_model_name_or_path = str(resolved.path)
            tokenizer = transformers.AutoTokenizer.from_pretrained(str(resolved.path), local_files_only=True)
        else:
            self.encoder_ = state["encoder"]
            folder = path / "model"
            model = transformers.AutoModelForSequenceClassification.from_pretrained(str(folder), local_files_only=True)
            tokenizer = transformers.AutoTokenizer.from_pretrained(str(folder), local_files_only=True)
        model.eval()
        self._model = model
        self._tokenizer = tokenizer
