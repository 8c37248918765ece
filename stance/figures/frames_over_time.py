"""``frames-over-time``: one panel per frame, share of passages per document on a true date axis."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

import pandas as pd

from stance import analysis, plotting
from stance.figures.common import document_trends, model_dates, model_trends, trend_note
from stance.timeseries import MIN_TREND_DATES

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.figure import Figure

    from stance.figures.context import FigureContext

__all__ = ["DESCRIPTION", "NAME", "build", "compute", "headline"]

NAME = "frames-over-time"
DESCRIPTION = (
    "One panel per frame: share of passages per document on a true date axis, with 95% CIs, gold and "
    "a trend line when there are enough dates."
)


def compute(ctx: FigureContext) -> pd.DataFrame:
    """Frame shares per document with the trend (points a year) of each frame on model rows."""
    return document_trends(ctx, analysis.frame_shares, "frame", "share")


def headline(data: pd.DataFrame, frame_titles: Mapping[str, str]) -> str:
    """Which frame rises and which falls most (more than half a point a year), or that none moves.

    Ties go to the frame that appears first in ``data``.
    """
    trends = model_trends(data, "frame")
    if not trends:
        return f"Frame shares per document ({model_dates(data)} dates: too few for a trend line)"
    up = max(trends, key=lambda f: trends[f])
    down = min(trends, key=lambda f: trends[f])
    span = f"{pd.Timestamp(data['date'].min()):%Y}–{pd.Timestamp(data['date'].max()):%Y}"
    parts = []
    if trends[up] > 0.5:
        parts.append(f"{frame_titles.get(up, up)} rises most ({trends[up]:+.1f} percentage points a year)")
    if trends[down] < -0.5:
        parts.append(f"{frame_titles.get(down, down)} falls most ({trends[down]:+.1f})")
    if not parts:
        return f"No frame share moves by more than half a point a year across the {span} documents"
    return " and ".join(parts) + f" across the {span} documents"


def build(ctx: FigureContext) -> tuple[Figure, pd.DataFrame]:
    """The figure and its numbers."""
    data = compute(ctx)
    shares = data.drop(columns=["trend_pp_per_year"])
    frames = [f for f in ctx.codebook.frame_names if f in set(shares["frame"])]
    ncols = 4 if len(frames) > 4 else len(frames)
    nrows = -(-len(frames) // ncols)
    fig, axes = plotting.new_figure((3.3 * ncols, 2.7 * nrows + 1.0), nrows, ncols, grid=True, sharex=True, sharey=True)
    for k, ax in enumerate(axes.flat):
        if k >= len(frames):
            ax.set_visible(False)
            continue
        f = frames[k]
        plotting.plot_frame_trend(
            shares, f, ax=ax, color=ctx.frame_colors[f], min_dates=MIN_TREND_DATES, title=ctx.frame_title(f)
        )
        if k % ncols == 0:
            ax.set_ylabel("share of passages")
    plotting.set_title(fig, headline(data, ctx.frame_titles))
    plotting.add_caption(
        fig,
        ctx.caption(
            "Point: share of a document's analysable passages that the model codes with the frame, at the publication "
            "date (true time axis); bar: 95% bootstrap CI over passages. "
            + trend_note(data, "frame")
            + " One quarter per point, by side: frames-by-side-over-time.",
            models=["frames"],
            extra=ctx.gold_note(),
        ),
        width=165,
    )
    return fig, data
