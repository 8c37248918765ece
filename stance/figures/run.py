"""Build registry entries and write their files: :func:`generate` (the ``stance figures`` command)."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
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
    results: list[FigureResult] = []
    for i, name in enumerate(chosen, start=1):
        start = time.perf_counter()
        try:
            written = build(specs[name], context, out)
            status = "written" if any(written.values()) else "unchanged"
            result = FigureResult(name, status, time.perf_counter() - start, sorted(written))
        except NotApplicableError as exc:
            result = FigureResult(name, "skipped", time.perf_counter() - start, message=str(exc))
        except MissingInputError as exc:
            if raise_errors:
                raise
            result = FigureResult(name, "missing-input", time.perf_counter() - start, message=str(exc))
        except (ValueError, KeyError, OSError) as exc:
            if raise_errors:
                raise
            result = FigureResult(name, "failed", time.perf_counter() - start, message=f"{type(exc).__name__}: {exc}")
        results.append(result)
        if on_result is not None:
            on_result(result, i, len(chosen))
    return results
