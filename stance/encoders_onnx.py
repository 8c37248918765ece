"""ONNX Runtime execution of the frozen sentence encoder: export, int8 quantisation and cache.

The encoder runtime (``settings().encoder_runtime``, see :mod:`stance.config`) chooses
what computes sentence embeddings:

``torch``
    The transformers model in torch (what training always uses).
``onnx``
    The same weights exported to an ONNX graph by :func:`torch.onnx.export` and run by
    ONNX Runtime in fp32. Embeddings match torch's to a cosine of at least 0.9999.
``onnx-int8``
    That graph with the weights of the first feed-forward projection of each layer
    dynamically quantised to int8, per output channel
    (:func:`onnxruntime.quantization.quantize_dynamic`). Embeddings match torch's to a
    cosine of at least 0.98 on the project corpus, but the default stance models' labels
    differ from torch's on more than 1% of its passages, so it is not the default;
    activations are quantised per batch, so an embedding varies in the third decimal with
    the other texts of its batch.
``auto``
    ``torch`` when torch runs on a CUDA device, else :data:`CPU_DEFAULT`.

The graph is exported from the installed weights on first use (nothing is downloaded) and
kept under ``<cache_dir>/onnx/<key>/``, where the key is the sha256 of a description of
everything the graph depends on: the weights' sha256, the pooling, the ONNX Runtime, torch
and onnx versions and :data:`GRAPH_FORMAT`. A change in any of them builds a new graph. The
graph includes the pooling and the L2 normalisation, so it maps token ids and attention
masks straight to sentence embeddings.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any

import numpy as np

from stance._lazy import require

__all__ = [
    "CPU_DEFAULT",
    "ENCODER_BACKENDS",
    "GRAPH_FORMAT",
    "RUNTIMES",
    "OnnxEncoderSession",
    "build_graph",
    "feed_forward_matmuls",
    "graph_folder",
    "graph_key",
    "recorded_runtime",
    "resolve_runtime",
    "runtime_tag",
]

#: Concrete runtimes (``auto`` resolves to one of them).
RUNTIMES = ("torch", "onnx", "onnx-int8")
#: The scoring runtime on a CPU: the fastest that met parity (cosine and labels) in
#: ``stance bench`` and the parity tests (see docs/performance.md).
CPU_DEFAULT = "onnx"
#: Version of the export recipe (inputs, outputs, opset, quantisation options); part of the cache key.
GRAPH_FORMAT = 3
_OPSET = 17
_FILES = {"onnx": "model.onnx", "onnx-int8": "model-int8.onnx"}


def resolve_runtime(runtime: str | None = None) -> str:
    """The concrete runtime for ``runtime`` (default: the ``encoder_runtime`` setting).

    Parameters
    ----------
    runtime : str, optional
        ``auto``, ``torch``, ``onnx`` or ``onnx-int8``.

    Returns
    -------
    str
        One of :data:`RUNTIMES`.

    Raises
    ------
    ValueError
        An unknown runtime name.
    """
    from stance.config import settings

    value = (runtime or settings().encoder_runtime).strip().lower()
    if value == "auto":
        from stance.encoders import torch_device

        return "torch" if torch_device() == "cuda" else CPU_DEFAULT
    if value not in RUNTIMES:
        raise ValueError(f"unknown encoder runtime {value!r}; choose one of auto, {', '.join(RUNTIMES)}")
    return value


def _versions() -> dict[str, str]:
    from importlib.metadata import PackageNotFoundError, version

    out = {}
    for name in ("onnxruntime", "torch", "onnx"):
        try:
            out[name] = version(name)
        except PackageNotFoundError:
            out[name] = "not installed"
    return out


def runtime_tag(runtime: str) -> str:
    """Short name of a runtime and its version, as recorded in outputs (e.g. ``onnx-int8 (onnxruntime 1.32.0)``)."""
    if runtime == "torch":
        return f"torch {_versions()['torch']}"
    return f"{runtime} (onnxruntime {_versions()['onnxruntime']})"


#: Backends that embed with the shared frozen encoder, so follow the runtime setting (the
#: registry's classes built on :class:`stance.classifiers.embedding.EncoderMixin`).
ENCODER_BACKENDS = ("embedding", "zeroshot", "conditioned")
#: Backends that fine-tune and run their own copy of the encoder in torch (the registry's classes
#: built on :class:`stance.classifiers._torch.FineTunedEncoderMixin`).
_TORCH_BACKENDS = ("setfit", "transformer")


def recorded_runtime(backends: Any) -> str:
    """What runs the encoder for models of these backends, as recorded in score outputs and captions.

    Parameters
    ----------
    backends : iterable of str
        Backend names of the models that score (e.g. ``{"lexicon", "embedding"}``).

    Returns
    -------
    str
        E.g. ``"onnx-int8 (onnxruntime 1.32.0)"``, ``"none (no model encodes)"``.
    """
    names = set(backends)
    parts = []
    if names & set(ENCODER_BACKENDS):
        parts.append(runtime_tag(resolve_runtime()))
    if names & set(_TORCH_BACKENDS):
        parts.append(f"torch {_versions()['torch']} (fine-tuned encoders)")
    return "; ".join(dict.fromkeys(parts)) or "none (no model encodes)"


def graph_key(weights_sha256: str, pooling: str) -> dict[str, Any]:
    """What an exported graph depends on; its sha256 names the cache folder."""
    return {"weights_sha256": weights_sha256, "pooling": pooling, "format": GRAPH_FORMAT, **_versions()}


def graph_folder(weights_sha256: str, pooling: str, cache_dir: str | os.PathLike | None = None) -> Path:
    """Cache folder of the graphs of one encoder under the installed runtime versions."""
    if cache_dir is None:
        from stance.config import settings

        cache_dir = settings().cache_dir
    digest = hashlib.sha256(json.dumps(graph_key(weights_sha256, pooling), sort_keys=True).encode()).hexdigest()
    return Path(cache_dir) / "onnx" / digest[:16]


def _export(model: Any, pooling: str, target: Path) -> None:
    """Export ``model`` with pooling and normalisation to ``target`` (token ids, mask -> embeddings)."""
    import warnings

    torch = require("torch", extra="models")
    from stance.encoders import pool

    class _Sentence(torch.nn.Module):
        def __init__(self, body: Any) -> None:
            super().__init__()
            self.body = body

        def forward(self, input_ids: Any, attention_mask: Any) -> Any:
            states = self.body(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state
            return pool(states, attention_mask, pooling)

    ids = torch.ones((2, 8), dtype=torch.long)
    mask = torch.ones((2, 8), dtype=torch.long)
    axes = {"input_ids": {0: "batch", 1: "tokens"}, "attention_mask": {0: "batch", 1: "tokens"}}
    device = next(model.parameters()).device
    # the exporter restores the training flag of the module it is given: an eval-mode
    # wrapper keeps a model shared with the torch runtime in eval mode (no dropout)
    wrapper = _Sentence(model.cpu()).eval()
    try:
        with warnings.catch_warnings(), torch.no_grad():
            warnings.simplefilter("ignore")  # the TorchScript exporter announces its deprecation
            _onnx_export(torch, wrapper, ids, mask, axes, target)
    finally:
        model.to(device).eval()


def _onnx_export(torch: Any, wrapper: Any, ids: Any, mask: Any, axes: dict, target: Path) -> None:
    torch.onnx.export(
        wrapper,
        (ids, mask),
        str(target),
        input_names=["input_ids", "attention_mask"],
        output_names=["embedding"],
        dynamic_axes={**axes, "embedding": {0: "batch"}},
        opset_version=_OPSET,
        dynamo=False,
    )


def feed_forward_matmuls(model: Any) -> list[str]:
    """Names of the MatMul nodes of ``model`` (an ``onnx.ModelProto``) whose weight widens its input.

    In a BERT-like encoder these are the first feed-forward projection of each layer
    (hidden -> intermediate, e.g. 384 -> 1536). The second (intermediate -> hidden) and the
    attention projections are left in fp32, and so are the attention products, which
    multiply two activations.
    """
    shapes = {init.name: tuple(init.dims) for init in model.graph.initializer}
    names = []
    for node in model.graph.node:
        if node.op_type != "MatMul" or len(node.input) < 2:
            continue
        shape = shapes.get(node.input[1])
        if shape is not None and len(shape) == 2 and shape[1] > shape[0]:
            names.append(node.name)
    return names


def _quantize(source: Path, target: Path) -> None:
    """Dynamic int8 quantisation of the feed-forward MatMuls of ``source``, weights per output channel.

    Of the recipes measured on the project corpus (every MatMul; every weight; both
    feed-forward projections; the widening one only), only the last kept every passage's
    cosine to the torch embedding at 0.98 or more (short utterances such as "Thank you."
    suffer most); see docs/performance.md.
    """
    import logging

    onnx = require("onnx", extra="models")
    quantization = require("onnxruntime.quantization", extra="models")
    nodes = feed_forward_matmuls(onnx.load(str(source), load_external_data=False))
    if not nodes:
        raise ValueError(f"{source} has no feed-forward MatMul to quantise")
    root = logging.getLogger()
    level = root.level
    root.setLevel(logging.ERROR)  # the quantiser logs advice on the root logger
    try:
        quantization.quantize_dynamic(
            str(source),
            str(target),
            per_channel=True,
            weight_type=quantization.QuantType.QInt8,
            nodes_to_quantize=nodes,
            extra_options={"DefaultTensorType": onnx.TensorProto.FLOAT},
        )
    finally:
        root.setLevel(level)


def build_graph(encoder: Any, runtime: str, cache_dir: str | os.PathLike | None = None) -> Path:
    """The ONNX graph of ``encoder`` for ``runtime``, exported (and quantised) unless cached.

    Parameters
    ----------
    encoder : stance.encoders.Encoder
        Gives the weights' sha256 (``hash``), the pooling and, when a graph is built, the
        torch model (``model``).
    runtime : {"onnx", "onnx-int8"}
    cache_dir : path, optional
        Default ``settings().cache_dir``.

    Returns
    -------
    Path
        The ``.onnx`` file.
    """
    if runtime not in _FILES:
        raise ValueError(f"no ONNX graph for runtime {runtime!r}")
    if not encoder.hash:
        raise ValueError("an encoder without a weights hash cannot be run by ONNX Runtime (nothing keys its graph)")
    folder = graph_folder(encoder.hash, encoder.pooling, cache_dir)
    target = folder / _FILES[runtime]
    if target.is_file():
        return target
    folder.mkdir(parents=True, exist_ok=True)
    fp32 = folder / _FILES["onnx"]
    if not fp32.is_file():
        _atomic(fp32, lambda tmp: _export(encoder.model, encoder.pooling, tmp))
    if runtime == "onnx-int8":
        _atomic(target, lambda tmp: _quantize(fp32, tmp))
    key = folder / "key.json"
    if not key.is_file():
        _atomic(key, lambda tmp: tmp.write_text(json.dumps(graph_key(encoder.hash, encoder.pooling), indent=2)))
    return target


def _atomic(target: Path, write: Any) -> None:
    """Run ``write(tmp)`` and rename ``tmp`` to ``target`` (concurrent builders never see half a file)."""
    tmp = target.with_name(f".{target.stem}.{os.getpid()}.tmp{target.suffix}")
    try:
        write(tmp)
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)


class OnnxEncoderSession:
    """An ONNX Runtime session that maps padded token ids to sentence embeddings.

    Parameters
    ----------
    path : path
        Graph from :func:`build_graph`.
    threads : int, optional
        Intra-op threads (default: ``settings().threads``, else the cores this process may use).
    """

    def __init__(self, path: str | os.PathLike, threads: int | None = None) -> None:
        ort = require("onnxruntime", extra="models")
        if threads is None:
            from stance.config import settings

            threads = settings().threads or (
                len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
            )
        options = ort.SessionOptions()
        options.intra_op_num_threads = int(threads)
        options.inter_op_num_threads = 1
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        options.log_severity_level = 3
        # Activations live in ONNX Runtime's arena, which is shrunk back after every run. Left to
        # malloc (no arena), the large activations of one batch fragment the C heap and a batch of
        # 8 texts of 256 tokens peaked 400-700 MB above the resident size; an arena that is never
        # shrunk keeps the largest batch's memory for good. Shrunk after each run, the peak of such
        # a batch is about 130 MB above the session's resident size and nothing stays.
        options.enable_cpu_mem_arena = True
        self.run_options = ort.RunOptions()
        self.run_options.add_run_config_entry("memory.enable_memory_arena_shrinkage", "cpu:0")
        self.path = Path(path)
        self.session = ort.InferenceSession(str(self.path), options, providers=["CPUExecutionProvider"])

    def __call__(self, input_ids: np.ndarray, attention_mask: np.ndarray) -> np.ndarray:
        """Embeddings ``(batch, dim)`` float32 of int64 ``input_ids`` and ``attention_mask``."""
        feeds = {"input_ids": input_ids.astype(np.int64, copy=False), "attention_mask": attention_mask}
        return np.asarray(self.session.run(None, feeds, self.run_options)[0], dtype=np.float32)
