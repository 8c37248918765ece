"""The figures: one registry entry per figure, written as PNG, SVG and the CSV of its numbers.

Each entry is a module of this package: ``compute(ctx)`` returns a tidy DataFrame from the
:class:`FigureContext` (corpus, codebook, models, label store, evaluation tables),
``headline(data, ...)`` is a pure function from that DataFrame to the title sentence, and
``build(ctx)`` draws with the ``plot_*(data, ax=None) -> Axes`` functions of
:mod:`stance.plotting` on a :class:`matplotlib.figure.Figure` (never pyplot) and returns
``(Figure, DataFrame)``. The registry (:data:`stance.figures.registry.ENTRIES`) lists the
entries explicitly::

    from stance.figures import FigureContext, available

    ctx = FigureContext()
    fig, numbers = available()["frame-document-heatmap"].func(ctx)

Only :func:`write_figure` and :func:`write_table` write files, deterministically (PNG
without the ``Software`` tag, SVG with stable ids and no date, CSV with a fixed float
format), so a re-run gives byte-identical files named after the entry. :func:`generate`
builds all or some entries; ``stance figures`` is its command.
"""

from __future__ import annotations

from stance.figures.context import N_BOOT, FigureContext, MissingInputError, NotApplicableError
from stance.figures.registry import ENTRIES, FigureSpec, available
from stance.figures.run import FigureResult, generate
from stance.figures.writing import DPI, file_hashes, write_figure, write_table

__all__ = [
    "DPI",
    "ENTRIES",
    "N_BOOT",
    "FigureContext",
    "FigureResult",
    "FigureSpec",
    "MissingInputError",
    "NotApplicableError",
    "available",
    "file_hashes",
    "generate",
    "write_figure",
    "write_table",
]
