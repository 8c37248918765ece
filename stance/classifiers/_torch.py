"""Small torch helpers shared by the fine-tuning backends (imported only when they train)."""

from __future__ import annotations

import random
from collections.abc import Iterator, Sequence

import numpy as np

from stance._lazy import require

__all__ = ["TorchTrainingMixin", "length_batches", "linear_schedule", "pad", "seed_all"]


def seed_all(seed: int) -> None:
    """Seed Python, NumPy and torch, and ask torch for deterministic kernels where cheap."""
    torch = require("torch", extra="models")
    random.seed(seed)
    np.random.seed(seed % (2**32))  # noqa: NPY002 - libraries that read the global state
    torch.manual_seed(seed)


def pad(batch_ids: Sequence[Sequence[int]], pad_id: int = 0):
    """Pad token-id lists to the longest in the batch; returns ``(input_ids, attention_mask)``."""
    torch = require("torch", extra="models")
    width = max(len(ids) for ids in batch_ids)
    input_ids = torch.full((len(batch_ids), width), pad_id, dtype=torch.long)
    mask = torch.zeros((len(batch_ids), width), dtype=torch.long)
    for i, ids in enumerate(batch_ids):
        input_ids[i, : len(ids)] = torch.tensor(list(ids), dtype=torch.long)
        mask[i, : len(ids)] = 1
    return input_ids, mask


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
