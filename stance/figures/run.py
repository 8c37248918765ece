"""Build registry entries and write their files: :func:`generate` (the ``stance figures`` command)."""

from __future__ import annotations

import multiprocessing
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from stance.figures.context import FigureContext, MissingInputError, NotApplicableError
from stance.figures.registry import FigureSpec, available
from stance.figures.writing import write_figure, write_table

__all__ = ["FigureResult", "build", "generate"]


@dataclass
class FigureResult:
    """Outcome of one entry: ``status`` is written, unchanged, skipped (not for this corpus), missing-input, failed."""

    name: str
    status: str
    seconds: float
    files: list[str] = field(default_factory=list)
    message: str = ""
    #: Whether the entry read the gold labels (:attr:`FigureContext.gold_reads`).
    read_gold: bool = False


def build(spec: FigureSpec, context: FigureContext, out: Path) -> dict[str, bool]:
    """Build one entry and write its files; return ``{path: changed}``."""
    context.require(spec.needs)
    produced: Any = spec.func(context)
    if spec.kind == "table":
        return write_table(produced, spec.name, out)
    fig, data = produced
    return write_figure(fig, data, spec.name, out, caption=context.caption(models=()))


def generate(
    names: Sequence[str] | None = None,
    out_dir: str | Path | None = None,
    *,
    context: FigureContext | None = None,
    raise_errors: bool = False,
    on_result: Callable[[FigureResult, int, int], None] | None = None,
    specs: Mapping[str, FigureSpec] | None = None,
    jobs: int = 1,
) -> list[FigureResult]:
    """Build registry entries and write their files.

    Parameters
    ----------
    names : sequence of str, optional
        Entries to build (default: all, in registry order).
    out_dir : path, optional
        Output folder (default ``context.paths.figures``).
    context : FigureContext, optional
        Shared inputs (default: the project's corpus, codebook, default models).
    raise_errors : bool
        Re-raise the first error instead of recording it and going on.
    on_result : callable, optional
        Called as ``on_result(result, index, total)`` after each entry (progress output).
    specs : mapping, optional
        The entries to choose from (default :func:`available`); pass
        ``{**available(), "my-figure": FigureSpec(...)}`` to add your own.
    jobs : int
        Worker processes (default 1: build in this process). With more, the context's
        shared inputs are computed first and the entries are built in forked processes, in
        parallel; the files are the same as with one.

    Returns
    -------
    list of FigureResult
        One per entry. An entry that does not apply to the corpus (a time series of undated
        texts) has status ``skipped``. An entry whose input is missing has status ``missing-input`` and a
        message naming the command that produces the input; one that fails on bad input
        (ValueError, KeyError, OSError) has status ``failed``. Other errors propagate.

    Raises
    ------
    KeyError
        For an unknown name (the message lists the known ones).
    """
    specs = dict(specs) if specs is not None else available()
    chosen = list(names) if names else list(specs)
    unknown = [n for n in chosen if n not in specs]
    if unknown:
        raise KeyError(f"unknown figure(s) {', '.join(unknown)}; known: {', '.join(specs)}")
    context = context or FigureContext()
    out = Path(out_dir) if out_dir is not None else context.paths.figures
    run = _Run(specs, context, out, raise_errors)
    results: list[FigureResult] = []
    for i, result in enumerate(run.results(chosen, jobs), start=1):
        results.append(result)
        if on_result is not None:
            on_result(result, i, len(chosen))
    return results


@dataclass
class _Run:
    """One ``generate`` call: what every entry needs, shared with the worker processes by fork."""

    specs: Mapping[str, FigureSpec]
    context: FigureContext
    out: Path
    raise_errors: bool

    def one(self, name: str) -> FigureResult:
        """Build one entry and record its outcome."""
        start = time.perf_counter()
        reads = self.context.gold_reads
        try:
            written = build(self.specs[name], self.context, self.out)
            status = "written" if any(written.values()) else "unchanged"
            result = FigureResult(name, status, time.perf_counter() - start, sorted(written))
        except NotApplicableError as exc:
            result = FigureResult(name, "skipped", time.perf_counter() - start, message=str(exc))
        except MissingInputError as exc:
            if self.raise_errors:
                raise
            result = FigureResult(name, "missing-input", time.perf_counter() - start, message=str(exc))
        except (ValueError, KeyError, OSError) as exc:
            if self.raise_errors:
                raise
            result = FigureResult(name, "failed", time.perf_counter() - start, message=f"{type(exc).__name__}: {exc}")
        result.read_gold = self.context.gold_reads > reads
        return result

    def results(self, chosen: list[str], jobs: int) -> Iterator[FigureResult]:
        """The entries' results in ``chosen`` order, built in ``jobs`` processes (forked) when more than one."""
        jobs = min(jobs, len(chosen))
        if jobs <= 1 or "fork" not in multiprocessing.get_all_start_methods():
            yield from (self.one(name) for name in chosen)
            return
        self.context.prepare()
        global _RUN
        _RUN = self
        try:
            context = multiprocessing.get_context("fork")
            with ProcessPoolExecutor(jobs, mp_context=context, initializer=_start_worker) as pool:
                yield from (future.result() for future in [pool.submit(_build_in_worker, n) for n in chosen])
        finally:
            _RUN = None


#: The run a forked worker builds for (set in the parent just before the fork).
_RUN: _Run | None = None


def _start_worker() -> None:
    """Drop the models loaded in the parent (their threads do not survive the fork).

    The encoders stay: destroying an encoder's runtime session in the child waits for the
    session's threads, which do not survive the fork, so the worker would never start (the
    encoder cache is registered with ``keep_in_forks=True``).
    """
    from stance import cache

    cache.clear_for_fork()


def _build_in_worker(name: str) -> FigureResult:
    assert _RUN is not None, "figure workers are forked from a running generate()"
    return _RUN.one(name)
