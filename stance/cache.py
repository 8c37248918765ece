"""One registry of the in-process caches, and :func:`clear` that empties them all.

Every module-level cache of the package (loaded models, parsed passages, codebooks read
from disk, ...) is registered here under a name, with the function that empties it. Tests
and long-running sessions call :func:`clear` to start from a clean state; nothing else
needs to know where the caches live.

Two helpers make a bounded, registered cache in one line:

:func:`lru`
    Decorator: :func:`functools.lru_cache` with a size bound, registered under a name.
:class:`BoundedCache`
    A dict-like least-recently-used store with a size bound, registered under a name.

Examples
--------
>>> from stance import cache
>>> @cache.lru("example.square", maxsize=4)
... def square(x: int) -> int:
...     return x * x
>>> square(3)
9
>>> "example.square" in cache.registered()
True
>>> cache.clear()
"""

from __future__ import annotations

import functools
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterator
from typing import Any, Generic, TypeVar

__all__ = ["BoundedCache", "clear", "clear_for_fork", "lru", "register", "registered"]

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")
F = TypeVar("F", bound=Callable[..., Any])

_REGISTRY: dict[str, Callable[[], None]] = {}
#: Caches a forked child keeps (see :func:`clear_for_fork`).
_KEPT_IN_FORKS: set[str] = set()
_LOCK = threading.Lock()


def register(name: str, clear_fn: Callable[[], None], *, keep_in_forks: bool = False) -> None:
    """Register a cache under ``name`` with the function that empties it.

    Parameters
    ----------
    name : str
        Unique name, by convention ``<module>.<what>`` (e.g. ``"models.loaded"``).
    clear_fn : callable
        Called without arguments by :func:`clear`.
    keep_in_forks : bool
        :func:`clear_for_fork` leaves this cache alone: its items cannot be destroyed in a forked
        child (e.g. a runtime session that waits for threads that do not survive the fork).

    Raises
    ------
    ValueError
        When another cache is already registered under ``name``.
    """
    with _LOCK:
        if name in _REGISTRY and _REGISTRY[name] is not clear_fn:
            raise ValueError(f"a cache named {name!r} is already registered")
        _REGISTRY[name] = clear_fn
        if keep_in_forks:
            _KEPT_IN_FORKS.add(name)


def registered() -> list[str]:
    """Names of the registered caches, sorted."""
    with _LOCK:
        return sorted(_REGISTRY)


def clear(name: str | None = None) -> None:
    """Empty every registered cache, or only the one called ``name``.

    Raises
    ------
    KeyError
        When ``name`` is given and no cache has that name.
    """
    with _LOCK:
        if name is not None and name not in _REGISTRY:
            raise KeyError(f"no cache named {name!r}; registered: {', '.join(sorted(_REGISTRY))}")
        targets = [_REGISTRY[name]] if name is not None else list(_REGISTRY.values())
    for fn in targets:
        fn()


def clear_for_fork() -> None:
    """Empty every registered cache a forked child may empty (all but those registered with
    ``keep_in_forks=True``); called first thing in a forked worker."""
    with _LOCK:
        targets = [fn for name, fn in _REGISTRY.items() if name not in _KEPT_IN_FORKS]
    for fn in targets:
        fn()


def lru(name: str, maxsize: int = 32) -> Callable[[F], F]:
    """Decorator: a bounded :func:`functools.lru_cache`, registered under ``name``.

    Parameters
    ----------
    name : str
        Registry name.
    maxsize : int
        Most results kept; the least recently used is dropped first.
    """
    if maxsize is None or maxsize <= 0:
        raise ValueError(f"maxsize must be a positive integer, got {maxsize!r}")

    def wrap(fn: F) -> F:
        cached = functools.lru_cache(maxsize=maxsize)(fn)
        register(name, cached.cache_clear)
        return cached  # type: ignore[return-value]

    return wrap


class BoundedCache(Generic[K, V]):
    """A least-recently-used mapping that holds at most ``maxsize`` items; thread-safe.

    Parameters
    ----------
    name : str
        Registry name (see :func:`register`).
    maxsize : int
        Most items kept; adding one more drops the least recently used.
    keep_in_forks : bool
        Left alone by :func:`clear_for_fork` (see :func:`register`).
    """

    def __init__(self, name: str, maxsize: int, *, keep_in_forks: bool = False) -> None:
        if maxsize <= 0:
            raise ValueError(f"maxsize must be a positive integer, got {maxsize!r}")
        self.name = name
        self.maxsize = maxsize
        self._data: OrderedDict[K, V] = OrderedDict()
        self._lock = threading.RLock()
        register(name, self.clear, keep_in_forks=keep_in_forks)

    def get(self, key: K, default: V | None = None) -> V | None:
        """The value of ``key`` (marked as recently used), or ``default``."""
        with self._lock:
            if key not in self._data:
                return default
            self._data.move_to_end(key)
            return self._data[key]

    def __contains__(self, key: object) -> bool:
        with self._lock:
            return key in self._data

    def __getitem__(self, key: K) -> V:
        with self._lock:
            value = self._data[key]
            self._data.move_to_end(key)
            return value

    def __setitem__(self, key: K, value: V) -> None:
        with self._lock:
            self._data[key] = value
            self._data.move_to_end(key)
            while len(self._data) > self.maxsize:
                self._data.popitem(last=False)

    def __len__(self) -> int:
        with self._lock:
            return len(self._data)

    def __iter__(self) -> Iterator[K]:
        with self._lock:
            return iter(list(self._data))

    def get_or_set(self, key: K, make: Callable[[], V]) -> V:
        """The value of ``key``, computed with ``make()`` and stored when missing.

        ``make`` runs under the cache's lock, so two threads asking for the same missing
        key compute it once.
        """
        with self._lock:
            if key in self._data:
                self._data.move_to_end(key)
                return self._data[key]
            value = make()
            self[key] = value
            return value

    def clear(self) -> None:
        """Drop every item."""
        with self._lock:
            self._data.clear()
