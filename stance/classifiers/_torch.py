"""Small torch helpers shared by the fine-tuning backends (imported only when they train).

The fine-tuned encoder trains and embeds on the device of :func:`stance.encoders.torch_device`
(a CUDA device when torch sees one, unless the ``device`` setting says ``cpu``), as the
frozen encoder does; the frozen-layer cache and every returned array stay on the CPU.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

import numpy as np

from stance._lazy import require

__all__ = [
    "FineTunedEncoderMixin",
    "TorchTrainingMixin",
    "TrainableBody",
    "length_batches",
    "linear_schedule",
    "pad",
    "seed_all",
    "train_loop",
]


def seed_all(seed: int) -> None:
    """Seed Python, NumPy and torch, and ask torch for deterministic kernels where cheap."""
    torch = require("torch", extra="models")
    random.seed(seed)
    np.random.seed(seed % (2**32))  # noqa: NPY002 - libraries that read the global state
    torch.manual_seed(seed)


def pad(batch_ids: Sequence[Sequence[int]], pad_id: int = 0, device: str = "cpu"):
    """Pad token-id lists to the longest in the batch; returns ``(input_ids, attention_mask)`` on ``device``."""
    torch = require("torch", extra="models")
    width = max(len(ids) for ids in batch_ids)
    input_ids = torch.full((len(batch_ids), width), pad_id, dtype=torch.long)
    mask = torch.zeros((len(batch_ids), width), dtype=torch.long)
    for i, ids in enumerate(batch_ids):
        input_ids[i, : len(ids)] = torch.tensor(list(ids), dtype=torch.long)
        mask[i, : len(ids)] = 1
    return input_ids.to(device), mask.to(device)


def length_batches(ids: Sequence[Sequence[int]], batch_size: int) -> Iterator[np.ndarray]:
    """Index batches of texts sorted by length (longest first), for padding-efficient inference."""
    order = np.argsort([-len(x) for x in ids], kind="stable")
    for start in range(0, len(order), batch_size):
        yield order[start : start + batch_size]


def linear_schedule(optimizer, total_steps: int, warmup_ratio: float = 0.1):
    """Linear warm-up then linear decay to zero."""
    torch = require("torch", extra="models")
    warmup = max(1, round(total_steps * warmup_ratio))

    def factor(step: int) -> float:
        if step < warmup:
            return (step + 1) / warmup
        return max(0.0, (total_steps - step) / max(1, total_steps - warmup))

    return torch.optim.lr_scheduler.LambdaLR(optimizer, factor)


class TorchTrainingMixin:
    """Encoder resolution and weight checks for backends that load their own copy of the encoder."""

    encoder: str | None

    def _resolve_base(self, spec: str | None = None):
        """Resolve the encoder spec, check its weights, and record ``encoder_`` / ``encoder_hash_``."""
        from stance.config import settings
        from stance.encoders import check_weights, quiet_transformers, resolve_encoder, set_torch_threads

        quiet_transformers()
        set_torch_threads()
        spec = spec or (str(self.encoder) if self.encoder is not None else settings().encoder)
        resolved = resolve_encoder(spec)
        digest = check_weights(resolved)
        if getattr(self, "encoder_hash_", None) and digest != self.encoder_hash_:
            raise ValueError(
                f"encoder {spec!r} now resolves to weights with sha256 {digest[:12]}, but this model was "
                f"trained on {self.encoder_hash_[:12]}; install the original encoder or retrain"
            )
        self.encoder_ = spec
        self.encoder_hash_ = digest
        return resolved


#: Outputs of an encoder's frozen lower layers, per (weights hash, frozen layers, token limit, text):
#: shared by every fit in the process (inner splits, folds, tasks), at most 6,000 texts.
_FROZEN_STATES = None


def _frozen_cache():
    global _FROZEN_STATES
    if _FROZEN_STATES is None:
        from stance.cache import BoundedCache

        _FROZEN_STATES = BoundedCache("classifiers.frozen_states", maxsize=6000)
    return _FROZEN_STATES


def _layers(model):
    """The list of transformer layers of a BERT-like encoder (``model.encoder.layer``), or None."""
    base = model.get_base_model() if hasattr(model, "get_base_model") else model
    encoder = getattr(base, "encoder", None)
    layers = getattr(encoder, "layer", None)
    if layers is None or not hasattr(base, "embeddings"):
        return None
    return base, layers


class TrainableBody:
    """An encoder whose lower layers stay fixed, trained through its top ``train_layers`` layers.

    The token embeddings and every layer below the top ``train_layers`` are frozen. For
    BERT-like encoders (``embeddings`` + ``encoder.layer``, e.g. MiniLM) the frozen part
    then gives the same output in every step, so it is computed once per text (without
    gradients, cached in the process by weights hash, text and token limit) and each
    training step runs only the trained layers: on a CPU an epoch costs about
    ``train_layers / n_layers`` of a full fine-tuning epoch. Other encoders, or
    ``train_layers=None``, run the whole model in every step.

    Parameters
    ----------
    model : transformers model
        The encoder (``AutoModel``; a PEFT model wrapping one is accepted).
    tokenizer : transformers tokenizer
    pooling : str
        ``"mean"``, ``"cls"`` or ``"max"`` (see :func:`stance.encoders.pool`).
    max_length : int
        Token limit.
    train_layers : int or None
        Top layers trained; None trains every layer (the token embeddings stay frozen).
    weights_hash : str
        sha256 of the starting weights (keys the cache of frozen outputs).

    Attributes
    ----------
    device : str
        Where the model's parameters are (``"cpu"`` or ``"cuda"``); batches are moved there.
    """

    def __init__(self, model, tokenizer, pooling: str, max_length: int, train_layers: int | None, weights_hash: str):
        self.model = model
        self.tokenizer = tokenizer
        self.pooling = pooling
        self.max_length = int(max_length)
        self.pad_id = tokenizer.pad_token_id or 0
        self.weights_hash = weights_hash
        self.device = str(next(model.parameters()).device.type)
        found = _layers(model)
        n_layers = len(found[1]) if found else None
        self.n_frozen = 0
        if found and train_layers is not None and 0 <= int(train_layers) < n_layers:
            self.n_frozen = n_layers - int(train_layers)
        model.get_input_embeddings().weight.requires_grad_(False)
        pooler = getattr(found[0], "pooler", None) if found else None
        if pooler is not None:
            pooler.requires_grad_(False)  # sentence embeddings are pooled from the token states
        if found and self.n_frozen:
            found[0].embeddings.requires_grad_(False)
            for layer in found[1][: self.n_frozen]:
                layer.requires_grad_(False)
        self._base, self._all_layers = found if found else (None, None)
        self._ids: list[list[int]] = []
        self._states: list = []

    def prepare(self, texts: Sequence[str]) -> None:
        """Tokenise ``texts`` and, with frozen layers, compute (or fetch) their frozen outputs."""
        self._ids = self.tokenizer(list(texts), truncation=True, max_length=self.max_length)["input_ids"]
        self._states = []
        if not self.n_frozen:
            return
        torch = require("torch", extra="models")
        cache = _frozen_cache()
        training = self.model.training
        self.model.eval()  # no dropout in the frozen part: its outputs are fixed
        keys = [(self.weights_hash, self.n_frozen, self.max_length, tuple(ids)) for ids in self._ids]
        missing = [i for i, key in enumerate(keys) if key not in cache]
        with torch.no_grad():
            for start in range(0, len(missing), 32):
                batch = missing[start : start + 32]
                input_ids, mask = pad([self._ids[i] for i in batch], self.pad_id, self.device)
                hidden = self._base.embeddings(input_ids=input_ids)
                hidden = self._run_layers(hidden, mask, self._all_layers[: self.n_frozen]).cpu()
                for row, i in enumerate(batch):
                    cache[keys[i]] = hidden[row, : len(self._ids[i])].clone()
        self._states = [cache[key] for key in keys]
        self.model.train(training)

    def _run_layers(self, hidden, mask, layers):
        from transformers.masking_utils import create_bidirectional_mask

        mask4d = create_bidirectional_mask(config=self._base.config, inputs_embeds=hidden, attention_mask=mask)
        for layer in layers:
            hidden = layer(hidden, mask4d)
        return hidden

    def embed(self, index: Sequence[int]):
        """Pooled, L2-normalised embeddings of the prepared texts at ``index``, with gradients."""
        from stance.encoders import pool

        torch = require("torch", extra="models")
        if not self.n_frozen:
            input_ids, mask = pad([self._ids[i] for i in index], self.pad_id, self.device)
            states = self.model(input_ids=input_ids, attention_mask=mask).last_hidden_state
            return pool(states, mask, self.pooling, normalize=True)
        rows = [self._states[i] for i in index]
        width = max(len(r) for r in rows)
        hidden = torch.zeros((len(rows), width, rows[0].shape[-1]), dtype=rows[0].dtype)
        mask = torch.zeros((len(rows), width), dtype=torch.long)
        for i, r in enumerate(rows):
            hidden[i, : len(r)] = r
            mask[i, : len(r)] = 1
        hidden, mask = hidden.to(self.device), mask.to(self.device)
        states = self._run_layers(hidden, mask, self._all_layers[self.n_frozen :])
        return pool(states, mask, self.pooling, normalize=True)

    def parameters(self) -> list:
        """The trained parameters."""
        return [p for p in self.model.parameters() if p.requires_grad]

    def embed_all(self, batch_size: int = 64) -> np.ndarray:
        """Embeddings of every prepared text under the current weights, without gradients (eval mode)."""
        torch = require("torch", extra="models")
        training = self.model.training
        self.model.eval()
        with torch.no_grad():
            parts = [
                self.embed(np.arange(s, min(s + batch_size, len(self._ids)))).cpu().numpy()
                for s in range(0, len(self._ids), batch_size)
            ]
        self.model.train(training)
        return np.concatenate(parts).astype(np.float32) if parts else np.zeros((0, 0), dtype=np.float32)


def train_loop(
    params,
    total: int,
    batches: Callable[[np.random.Generator], Iterator],
    loss_of,
    *,
    lr,
    weight_decay: float = 0.01,
    warmup_ratio: float = 0.1,
    seed: int = 0,
) -> int:
    """AdamW with linear warm-up and decay over ``total`` steps; returns the steps taken.

    Parameters
    ----------
    params : list
        Parameters, or parameter groups (dicts with their own ``lr``).
    total : int
        Optimiser steps.
    batches : callable
        ``batches(rng)`` yields the batches of one pass over the data (called again for
        every pass until ``total`` steps are done).
    loss_of : callable
        ``loss_of(batch)`` -> scalar loss tensor.
    lr : float
    weight_decay, warmup_ratio : float
    seed : int
    """
    torch = require("torch", extra="models")
    if total <= 0:
        return 0
    rng = np.random.default_rng(seed)
    optim = torch.optim.AdamW(params, lr=lr, weight_decay=weight_decay, foreach=True)
    sched = linear_schedule(optim, total, warmup_ratio)
    step = 0
    while step < total:
        for batch in batches(rng):
            if step >= total:
                break
            loss = loss_of(batch)
            loss.backward()
            optim.step()
            sched.step()
            optim.zero_grad()
            step += 1
    return step


class FineTunedEncoderMixin(TorchTrainingMixin):
    """A fine-tuned copy of the encoder and a :class:`~stance.classifiers._head.LinearHead` on its embeddings.

    Shared by the ``setfit`` and ``transformer`` backends: building the trainable body,
    predicting, and saving the encoder with ``save_pretrained`` (folder ``encoder/``, or
    ``adapter/`` for LoRA adapters) and the head as arrays. Subclasses train in
    ``_fit_features``: ``body = self._start_body()``, then ``self.head_ = ...`` and
    ``self._finish_body(body)``.
    """

    max_length: int
    train_layers: int | None
    random_state: int

    def _start_body(self, wrap: Callable | None = None) -> TrainableBody:
        """The starting encoder (seeded), optionally wrapped (e.g. by LoRA), as a :class:`TrainableBody`."""
        from stance.encoders import pooling_mode, torch_device

        transformers = require("transformers", extra="models")
        resolved = self._resolve_base()
        seed_all(self.random_state)
        tokenizer = transformers.AutoTokenizer.from_pretrained(str(resolved.path), local_files_only=True)
        model = transformers.AutoModel.from_pretrained(str(resolved.path), local_files_only=True)
        if wrap is not None:
            model = wrap(model)
        model.to(torch_device())
        return TrainableBody(
            model, tokenizer, pooling_mode(resolved.path), self.max_length, self.train_layers, self.encoder_hash_
        )

    def _finish_body(self, body: TrainableBody) -> None:
        from stance.encoders import Encoder

        body.model.eval()
        self._body = Encoder.from_model(body.model, body.tokenizer, body.pooling, self.max_length, spec=self.encoder_)

    def transform(self, X) -> np.ndarray:
        """Embeddings of ``X`` from the fine-tuned encoder, shape (n, dim)."""
        from stance.classifiers.base import check_texts

        return self._body.encode(check_texts(X), batch_size=32)

    def _raw_proba(self, F: list[str]) -> np.ndarray:
        return self.head_.proba(self._body.encode(list(F), batch_size=32))

    def _extra_state(self) -> dict:
        return {"n_steps": self.n_steps_}

    def _set_extra_state(self, state: dict) -> None:
        self.n_steps_ = int(state.get("n_steps", 0))

    # ------------------------------------------------------------ persistence
    def _get_state(self, path: Path) -> tuple[dict, dict[str, np.ndarray]]:
        import json

        model = self._body.model
        adapter = hasattr(model, "peft_config")
        folder = Path(path) / ("adapter" if adapter else "encoder")
        model.save_pretrained(str(folder))
        if adapter:
            # PEFT records the absolute path of the base model; store the portable spec instead
            cfg_path = folder / "adapter_config.json"
            cfg = json.loads(cfg_path.read_text(encoding="utf-8"))
            cfg["base_model_name_or_path"] = self.encoder_
            cfg_path.write_text(json.dumps(cfg, indent=2, sort_keys=True) + "\n", encoding="utf-8")
            (folder / "README.md").unlink(missing_ok=True)  # PEFT's empty template; MODEL_CARD.md describes the model
        else:
            self._body.tokenizer.save_pretrained(str(folder))
        state = {
            "encoder": self.encoder_,
            "encoder_hash": self.encoder_hash_,
            "weights": folder.name,
            "pooling": self._body.pooling,
            **self._extra_state(),
        }
        return state, self.head_.arrays()

    def _load_body(self, state: dict, path: Path):
        """The saved encoder (or base encoder plus adapter) and its tokenizer."""
        import warnings

        transformers = require("transformers", extra="models")
        weights = state.get("weights", "encoder")
        if weights not in ("encoder", "adapter"):
            from stance.errors import StanceInputError

            raise StanceInputError(
                f"holds {weights!r} weights of an earlier version of this backend (a sequence-classification head), "
                "which this version cannot load; retrain the model (`stance train --force`)",
                file=Path(path) / "config.json",
                field="state.weights",
            )
        if weights == "encoder":
            folder = str(Path(path) / "encoder")
            model = transformers.AutoModel.from_pretrained(folder, local_files_only=True)
            return model, transformers.AutoTokenizer.from_pretrained(folder, local_files_only=True)
        peft = require("peft", extra="models")
        # resolve the base model again on this machine (the saved config holds only its spec)
        resolved = self._resolve_base(state["encoder"])
        base = transformers.AutoModel.from_pretrained(str(resolved.path), local_files_only=True)
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", category=FutureWarning)
            model = peft.PeftModel.from_pretrained(base, str(Path(path) / "adapter"))
        for cfg in model.peft_config.values():
            cfg.base_model_name_or_path = str(resolved.path)
        return model, transformers.AutoTokenizer.from_pretrained(str(resolved.path), local_files_only=True)

    def _set_state(self, state: dict, arrays: dict[str, np.ndarray], path: Path) -> None:
        from stance.classifiers._head import LinearHead
        from stance.encoders import Encoder, encoder_hash, quiet_transformers, set_torch_threads

        quiet_transformers()
        set_torch_threads()
        self.encoder_hash_ = state["encoder_hash"]
        from stance.encoders import torch_device

        model, tokenizer = self._load_body(state, path)
        model.to(torch_device()).eval()
        self.encoder_ = state["encoder"]
        self._set_extra_state(state)
        folder = Path(path) / "encoder"
        full = folder.is_dir()
        self._body = Encoder.from_model(
            model,
            tokenizer,
            state.get("pooling", "mean"),
            self.max_length,
            spec=str(folder) if full else self.encoder_,
            hash=encoder_hash(folder) if full else None,
        )
        self.head_ = LinearHead.from_arrays(arrays, self.multilabel)
