"""``frames-by-side-over-time``: frame shares per quarter (or month) and side, with events."""

from __future__ import annotations

from typing import TYPE_CHECKING

from stance.figures import series

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd
    from matplotlib.figure import Figure

    from stance.figures.context import FigureContext

__all__ = ["DESCRIPTION", "NAME", "build", "compute", "headline"]

NAME = "frames-by-side-over-time"
DESCRIPTION = (
    "One panel per frame: share of officials' on-topic passages per quarter and side, 95% intervals from a "
    "cluster bootstrap over documents, sparse bins hollow, events as numbered lines."
)
headline = series.headline


def compute(ctx: FigureContext) -> pd.DataFrame:
    """Frame shares per bin and side (:func:`stance.timeseries.time_series`)."""
    return series.compute(ctx, "frame:")


def build(ctx: FigureContext) -> tuple[Figure, pd.DataFrame]:
    """The figure and its numbers."""
    return series.build_series(
        ctx,
        "frame:",
        "frame share",
        (-0.02, 1.02),
        "Point: share of the bin's passages (officials' and authors' on-topic passages; journalists' questions "
        "left out) that the model codes with the frame, one {freq} per bin, one colour per side; bar: 95% interval "
        "from a cluster bootstrap over the bin's documents.",
        ["frames"],
    )
