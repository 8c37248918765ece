"""Time series per side: the shared compute, headline and draw of the two ``*-by-side-over-time`` entries.

A point is the mean over a bin's passages (frame share, or stance balance), the bar its
95% interval from a cluster bootstrap over the bin's documents; bins with fewer than
``min_docs`` documents are hollow. Dotted vertical lines are the events of the events
table, numbered in date order (the caption names them).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from stance import plotting, timeseries
from stance.figures.common import side_legend

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from stance.figures.context import FigureContext

__all__ = ["build_series", "compute", "event_note", "headline", "plot_side_series", "series_trends"]


def compute(ctx: FigureContext, prefix: str) -> pd.DataFrame:
    """Time series per side of the measures starting with ``prefix`` (``frame:`` or ``stance:``)."""
    table = ctx.measures
    measures = [m for m in timeseries.measure_columns(table) if m.startswith(prefix)]
    return timeseries.time_series(
        table,
        freq=ctx.freq,
        by=("side",),
        min_docs=ctx.min_docs,
        measures=measures,
        n_boot=ctx.n_boot,
        random_state=ctx.random_state,
    )


def series_trends(data: pd.DataFrame) -> dict[tuple[str, str], float]:
    """Slope (points a year) per (side, measure) over the solid bins, where there are enough of them."""
    solid = data[~data["sparse"].astype(bool)].rename(columns={"period_mid": "date"})
    if "side" not in solid.columns:
        solid = solid.assign(side="all")
    out: dict[tuple[str, str], float] = {}
    for side, sub in solid.groupby("side", sort=True):
        for measure, slope in timeseries.trend_slopes(sub, "measure", "value").items():
            out[(str(side), measure)] = slope
    return out


def headline(data: pd.DataFrame, titles: Mapping[str, str], what: str = "share") -> str:
    """Per side, the measure that moves most over the solid bins (at least one point a year), or that none does.

    Ties go to the measure that appears first in ``data``.
    """
    trends = series_trends(data)
    sides = (
        sorted(data["side"].astype(str).unique())
        if "side" in data.columns and len(data)
        else sorted({s for s, _ in trends})
    )
    if not trends:
        return "Too few well-covered bins for a trend on any side"
    parts = []
    for side in sides:
        mine = {m: v for (s, m), v in trends.items() if s == side}
        if not mine:
            parts.append(f"{side}: too few well-covered bins for a trend")
            continue
        top = max(mine, key=lambda m: abs(mine[m]))
        v = mine[top]
        if abs(v) < 1.0:
            parts.append(f"{side}: no {what} moves by a point a year")
        else:
            parts.append(
                f"{side}: {titles.get(top, top)} {'rises' if v > 0 else 'falls'} most ({v:+.1f} points a year)"
            )
    return "; ".join(parts)


def event_note(events: pd.DataFrame) -> str:
    """Caption sentence naming the numbered event lines."""
    if events.empty:
        return ""
    named = "; ".join(
        f"{k} {d:%Y-%m-%d} {label}" for k, (d, label) in enumerate(zip(events["date"], events["label"], strict=True), 1)
    )
    return f"Dotted lines: events ({named}; sources in seeds/events.csv)."


def _draw_events(ax: Axes, events: pd.DataFrame) -> None:
    from matplotlib.transforms import blended_transform_factory

    trans = blended_transform_factory(ax.transData, ax.transAxes)
    last = None
    for k, date in enumerate(events["date"], start=1):
        ax.axvline(date, color="#777777", linestyle=":", linewidth=1.0, zorder=1)
        close = last is not None and (date - last).days < 240
        ax.text(
            date,
            0.985 - (0.07 if close else 0.0),
            str(k),
            transform=trans,
            ha="center",
            va="top",
            fontsize=7.5,
            bbox={"facecolor": "white", "edgecolor": "none", "pad": 0.5},
        )
        last = date


def plot_side_series(
    data: pd.DataFrame,
    measure: str,
    ax: Axes | None = None,
    *,
    colors: Mapping[str, str] | None = None,
    events: pd.DataFrame | None = None,
    ylim: tuple[float, float] = (-0.02, 1.02),
    title: str | None = None,
) -> Axes:
    """One measure over time, one line per side: points with 95% bars, hollow where the bin is sparse.

    Parameters
    ----------
    data : DataFrame
        From :func:`stance.timeseries.time_series` (``side``, ``measure``, ``period_mid``,
        ``value``, ``value_lo``, ``value_hi``, ``sparse``).
    measure : str
        The measure drawn.
    colors : mapping, optional
        Side colours (default :func:`stance.plotting.side_colors`).
    events : DataFrame, optional
        ``date`` (and ``label``) of events drawn as numbered dotted lines.
    """
    import matplotlib.dates as mdates

    with plotting.style():
        ax = plotting.axes_or_new(ax, (5.0, 3.2))
        sub = data[data["measure"] == measure]
        sides = sorted(sub["side"].astype(str).unique()) if "side" in sub.columns else ["all"]
        colors = dict(colors) if colors is not None else plotting.side_colors(sides)
        for side in sides:
            rows = sub[sub["side"].astype(str) == side] if "side" in sub.columns else sub
            _draw_side(ax, rows.sort_values("period_mid"), colors.get(side, "#333333"), side)
        if events is not None and len(events):
            _draw_events(ax, events)
        ax.set_ylim(*ylim)
        locator = mdates.AutoDateLocator(minticks=3, maxticks=6)
        ax.xaxis.set_major_locator(locator)
        ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
        ax.grid(axis="y", color="#E5E5E5", linewidth=0.8)
        ax.set_axisbelow(True)
        ax.set_title(title if title is not None else measure, loc="left")
    return ax


def _draw_side(ax: Axes, rows: pd.DataFrame, color: str, label: str) -> None:
    x = pd.to_datetime(rows["period_mid"]).dt.to_pydatetime()
    y = rows["value"].to_numpy(float)
    err = np.clip(np.vstack([y - rows["value_lo"].to_numpy(float), rows["value_hi"].to_numpy(float) - y]), 0, None)
    sparse = rows["sparse"].to_numpy(bool)
    if (~sparse).sum() > 1:
        ax.plot(x[~sparse], y[~sparse], color=color, linewidth=1.0, alpha=0.6, zorder=2)
    plotting.interval_dots(ax, x, y, err, color, sparse, horizontal=False, elinewidth=1.1, label=label, zorder=3)


def build_series(
    ctx: FigureContext, prefix: str, what: str, ylim: tuple[float, float], caption: str, tasks: Sequence[str]
) -> tuple[Figure, pd.DataFrame]:
    """The figure (one panel per measure) and its numbers."""
    data = compute(ctx, prefix)
    measures = list(dict.fromkeys(data["measure"]))
    titles = {m: ctx.measure_title(m) for m in measures}
    sides = sorted(data["side"].astype(str).unique()) if "side" in data.columns else []
    colors = plotting.side_colors(sides)
    ncols = min(3, max(len(measures), 1))
    nrows = max(-(-len(measures) // ncols), 1)
    fig, axes = plotting.new_figure((3.6 * ncols, 2.8 * nrows + 1.2), nrows, ncols, grid=True, sharex=True, sharey=True)
    for k, ax in enumerate(axes.flat):
        if k >= len(measures):
            ax.set_visible(False)
            continue
        plot_side_series(
            data, measures[k], ax=ax, colors=colors, events=ctx.events, ylim=ylim, title=titles[measures[k]]
        )
    if sides:
        side_legend(axes[0, 0], colors, sides, ncol=len(sides))
    plotting.set_title(fig, headline(data, titles, what))
    sparse_note = (
        f"Hollow points: bins with fewer than {ctx.min_docs} documents (drawn, not merged; read them with care)."
    )
    plotting.add_caption(
        fig,
        ctx.caption(
            caption.format(freq=timeseries.FREQUENCIES[ctx.freq]) + " " + sparse_note + " " + event_note(ctx.events),
            models=list(tasks),
        ),
        width=150,
    )
    return fig, data
