"""Progress bars that fall silent in quiet mode (``STANCE_QUIET=1`` or ``CI`` set)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TypeVar

from stance.config import settings

__all__ = ["is_quiet", "progress"]

T = TypeVar("T")


def is_quiet() -> bool:
    """Return True when progress output is switched off."""
    return settings().quiet


def progress(iterable: Iterable[T], desc: str = "", total: int | None = None, leave: bool = False) -> Iterator[T]:
    """Wrap ``iterable`` in a tqdm progress bar unless quiet mode is on.

    Parameters
    ----------
    iterable : iterable
        Items to iterate over.
    desc : str
        Label shown beside the bar.
    total : int, optional
        Number of items, when ``len(iterable)`` is not available.
    leave : bool
        Keep the finished bar on screen.
    """
    if is_quiet():
        yield from iterable
        return
    from tqdm.auto import tqdm

    yield from tqdm(iterable, desc=desc, total=total, leave=leave, dynamic_ncols=True)
