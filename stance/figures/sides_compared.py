"""``sides-compared``: the two sides' frame shares and stance balance in the same years, and their difference."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from stance import plotting, timeseries
from stance.figures.common import clear_changes, finish_measure_axis, measure_intervals, side_legend

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from stance.figures.context import FigureContext

__all__ = ["DESCRIPTION", "NAME", "build", "compute", "headline", "plot_sides"]

NAME = "sides-compared"
DESCRIPTION = (
    "The two sides in the years both publish: frame shares and stance balances per side with 95% "
    "cluster-bootstrap intervals (top) and their difference with its interval (bottom)."
)
#: Period of the comparison (years: the sides rarely share a quarter).
FREQ = "Y"


def compute(ctx: FigureContext) -> pd.DataFrame:
    """:func:`stance.timeseries.compare_sides` by year (empty when the corpus has fewer than two sides)."""
    table = ctx.measures
    sides = sorted(table["side"].dropna().astype(str).unique()) if "side" in table.columns else []
    if len(sides) < 2:
        out = pd.DataFrame(columns=["period", "measure", "difference", "difference_lo", "difference_hi"])
        out.attrs["sides"] = sides
        return out
    out = timeseries.compare_sides(table, sides=sides[:2], freq=FREQ, n_boot=ctx.n_boot, random_state=ctx.random_state)
    if len(out):
        out["sparse"] = (out[f"n_docs_{sides[0]}"] < ctx.min_docs) | (out[f"n_docs_{sides[1]}"] < ctx.min_docs)
    return out


def headline(data: pd.DataFrame, titles: Mapping[str, str]) -> str:
    """The largest well-covered difference between the sides whose interval excludes zero (ties: first listed).

    Rows flagged ``sparse`` (a side with too few documents that year) are never the headline.
    """
    sides = list(data.attrs.get("sides", []))
    if len(sides) < 2:
        return f"Only one side in the corpus ({', '.join(sides) or 'none'}): nothing to compare"
    if data.empty:
        return f"{sides[0]} and {sides[1]} never publish in the same year"
    if "sparse" in data.columns and data["sparse"].astype(bool).all():
        return f"Too few documents per side in every shared year to compare {sides[0]} and {sides[1]}"
    clear = clear_changes(data)
    if clear.empty:
        return f"No difference between {sides[0]} and {sides[1]} texts is beyond its 95% interval in a shared year"
    row = clear.loc[clear["difference"].abs().idxmax()]
    more = sides[0] if row["difference"] > 0 else sides[1]
    less = sides[1] if more == sides[0] else sides[0]
    return (
        f"Largest gap: {titles.get(row['measure'], row['measure'])} is {abs(row['difference']) * 100:.0f} points "
        f"higher in {more} than in {less} texts in {row['period']} "
        f"(95% interval {abs(row['difference_lo'] if more == sides[0] else row['difference_hi']) * 100:.0f}"
        f" to {abs(row['difference_hi'] if more == sides[0] else row['difference_lo']) * 100:.0f})"
    )


def _sparse(sub: pd.DataFrame, rows: list[str]) -> np.ndarray:
    return sub.loc[rows, "sparse"].to_numpy(bool) if "sparse" in sub.columns else np.zeros(len(rows), bool)


def plot_sides(
    data: pd.DataFrame,
    ax: Axes | None = None,
    *,
    columns: Sequence[str],
    measures: Sequence[str] | None = None,
    titles: Mapping[str, str] | None = None,
    colors: Sequence[str] = ("#333333",),
    show_labels: bool = True,
    xlabel: str = "",
) -> Axes:
    """Dots with 95% bars per measure for each value column (``value_<side>`` or ``difference``)."""
    with plotting.style():
        measures = list(measures) if measures is not None else list(dict.fromkeys(data["measure"]))
        ax = plotting.axes_or_new(ax, (4.0, 0.32 * len(measures) + 1.4))
        sub = data.set_index("measure")
        step = 0.5 / max(len(columns), 1)
        for k, col in enumerate(columns):
            rows = [m for m in measures if m in sub.index]
            y = np.array([measures.index(m) for m in rows], dtype=float) - 0.25 + step * (k + 0.5)
            v, err = measure_intervals(sub, rows, col)
            plotting.interval_dots(ax, v, y, err, colors[k % len(colors)], _sparse(sub, rows))
        finish_measure_axis(ax, measures, dict(titles or {}), show_labels, xlabel)
    return ax


def build(ctx: FigureContext) -> tuple[Figure, pd.DataFrame]:
    """The figure (a column per shared year: values above, difference below) and its numbers."""
    data = compute(ctx)
    measures = timeseries.measure_columns(ctx.measures)
    titles = {m: ctx.measure_title(m) for m in measures}
    title = headline(data, titles)
    sides = list(data.attrs.get("sides", []))
    periods = list(dict.fromkeys(data["period"])) if len(data) else []
    if not periods:
        fig, ax = plotting.new_figure((7.0, 2.2))
        ax.axis("off")
        ax.text(0.0, 0.5, "Nothing to compare: " + title[0].lower() + title[1:] + ".", transform=ax.transAxes)
    else:
        colors = plotting.side_colors(sides)
        n = len(periods)
        height = 0.3 * len(measures) + 1.2
        fig, axes = plotting.new_figure(
            (2.6 * n + 2.6, 2 * height + 1.4), 2, n, grid=True, sharey=True, gridspec_kw={"height_ratios": [1, 1]}
        )
        for k, period in enumerate(periods):
            sub = data[data["period"] == period]
            cols = [f"value_{s}" for s in sides]
            plot_sides(
                sub,
                ax=axes[0, k],
                columns=cols,
                measures=measures,
                titles=titles,
                colors=[colors[s] for s in sides],
                show_labels=k == 0,
                xlabel="points",
            )
            axes[0, k].set_title(str(period), loc="left")
            plot_sides(
                sub,
                ax=axes[1, k],
                columns=["difference"],
                measures=measures,
                titles=titles,
                show_labels=k == 0,
                xlabel=f"{sides[0]} − {sides[1]} (points)",
            )
        side_legend(axes[0, 0], colors, sides)
    plotting.set_title(fig, title)
    plotting.add_caption(
        fig,
        ctx.caption(
            "Top: per side and year, the share of officials' and authors' on-topic passages coded with each frame "
            "and the stance balance (FAVOR − AGAINST) toward each target, in points, with 95% intervals from a "
            "cluster bootstrap over documents. Bottom: the difference between the sides with its interval. Only years "
            f"in which both sides publish; hollow: a side has fewer than {ctx.min_docs} documents that year (never the "
            "headline). The sides differ in outlet and genre as well as in view.",
            models=None,
        ),
        width=140,
    )
    return fig, data
