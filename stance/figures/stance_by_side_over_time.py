"""``stance-by-side-over-time``: stance balance per quarter (or month) and side, with events."""

from __future__ import annotations

from typing import TYPE_CHECKING

from stance.figures import series

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd
    from matplotlib.figure import Figure

    from stance.figures.context import FigureContext

__all__ = ["DESCRIPTION", "NAME", "build", "compute", "headline"]

NAME = "stance-by-side-over-time"
DESCRIPTION = (
    "One panel per stance target: balance (FAVOR share − AGAINST share) of officials' on-topic passages per "
    "quarter and side, 95% cluster-bootstrap intervals, sparse bins hollow, events as numbered lines."
)
headline = series.headline


def compute(ctx: FigureContext) -> pd.DataFrame:
    """Stance balances per bin and side (:func:`stance.timeseries.time_series`)."""
    return series.compute(ctx, "stance:")


def build(ctx: FigureContext) -> tuple[Figure, pd.DataFrame]:
    """The figure and its numbers."""
    return series.build_series(
        ctx,
        "stance:",
        "balance",
        (-1.05, 1.05),
        "Point: balance = share of the bin's passages coded FAVOR − share coded AGAINST toward the target "
        "(officials' and authors' on-topic passages), one {freq} per bin, one colour per side; bar: 95% interval "
        "from a cluster bootstrap over the bin's documents.",
        [f"stance:{t}" for t in ctx.codebook.stance_targets],
    )
