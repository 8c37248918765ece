"""``stance-over-time``: stance balance per document on a true date axis, one panel per target."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

import pandas as pd

from stance import analysis, plotting
from stance.figures.common import document_trends, join_words, model_dates, model_trends, trend_note
from stance.timeseries import MIN_TREND_DATES

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.figure import Figure

    from stance.figures.context import FigureContext

__all__ = ["DESCRIPTION", "NAME", "build", "compute", "headline"]

NAME = "stance-over-time"
DESCRIPTION = (
    "Stance balance (FAVOR share − AGAINST share) per document on a true date axis, one panel per "
    "target, with 95% CIs, gold and a trend line when there are enough dates."
)


def compute(ctx: FigureContext) -> pd.DataFrame:
    """Stance balance per document with the trend (points a year) of each target on model rows."""
    return document_trends(ctx, analysis.stance_balance, "target", "balance")


def headline(data: pd.DataFrame, target_titles: Mapping[str, str]) -> str:
    """Per target: rises or falls by how many points a year (at least one), or barely moves."""
    trends = model_trends(data, "target")
    if not trends:
        return f"Stance balance per document ({model_dates(data)} dates: too few for a trend line)"
    moving = [
        f"toward {target_titles.get(t, t)} it {'rises' if v > 0 else 'falls'} {abs(v):.1f} points a year"
        for t, v in trends.items()
        if abs(v) >= 1.0
    ]
    still = [target_titles.get(t, t) for t, v in trends.items() if abs(v) < 1.0]
    parts = moving + ([f"toward {join_words(still)} it barely moves"] if still else [])
    return "Stance balance: " + "; ".join(parts)


def build(ctx: FigureContext) -> tuple[Figure, pd.DataFrame]:
    """The figure and its numbers."""
    data = compute(ctx)
    bal = data.drop(columns=["trend_pp_per_year"])
    targets = [t for t in ctx.codebook.stance_targets if t in set(bal["target"])]
    fig, axes = plotting.new_figure((4.2 * len(targets), 3.9), 1, len(targets), grid=True, sharey=True)
    for k, t in enumerate(targets):
        plotting.plot_stance_trend(
            bal, t, ax=axes[0, k], min_dates=MIN_TREND_DATES, title=f"Toward: {ctx.target_title(t)}"
        )
    plotting.set_title(fig, headline(data, ctx.target_titles))
    plotting.add_caption(
        fig,
        ctx.caption(
            "Point: balance = share of the document's passages coded FAVOR − share coded AGAINST toward the target, "
            "at the publication date (true time axis); bar: 95% bootstrap CI over passages. "
            + trend_note(data, "target")
            + " One quarter per point, by side: stance-by-side-over-time.",
            models=[f"stance:{t}" for t in targets],
            extra=ctx.gold_note(),
        ),
        width=150,
    )
    return fig, data
