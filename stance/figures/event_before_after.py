"""``event-before-after``: frame shares and stance balance in windows before and after each event."""

from __future__ import annotations

import textwrap
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

__all__ = ["DESCRIPTION", "NAME", "build", "compute", "headline", "plot_before_after"]

NAME = "event-before-after"
DESCRIPTION = (
    "For each dated event: change (after minus before) in each frame share and stance balance between the "
    "windows before and after it, per side, with 95% cluster-bootstrap intervals."
)


def compute(ctx: FigureContext) -> pd.DataFrame:
    """:func:`stance.timeseries.before_after` for every event of the events table, one block per event."""
    parts = []
    for event in ctx.events.itertuples(index=False):
        out = timeseries.before_after(
            ctx.measures,
            event.date,
            window_days=ctx.event_window_days,
            by=("side",),
            n_boot=ctx.n_boot,
            random_state=ctx.random_state,
        )
        if len(out):
            sparse = (out["n_docs_before"] < ctx.min_docs) | (out["n_docs_after"] < ctx.min_docs)
            parts.append(out.assign(event=event.label, sparse=sparse))
    if not parts:
        return pd.DataFrame(columns=["event", "event_date", "side", "measure", "difference"])
    data = pd.concat(parts, ignore_index=True)
    first = ["event", "event_date", "side", "measure"]
    return data[first + [c for c in data.columns if c not in first]]


def headline(data: pd.DataFrame, titles: Mapping[str, str], window_days: int = 365) -> str:
    """The largest well-covered change whose 95% interval excludes zero (ties: the first listed), or that there is none.

    Rows flagged ``sparse`` (too few documents in a window) are never the headline.
    """
    if data.empty:
        return f"No event has documents within {window_days} days on both sides of it"
    if "sparse" in data.columns and data["sparse"].astype(bool).all():
        return "Too few documents in the windows around every event to read a change"
    clear = clear_changes(data)
    if clear.empty:
        return f"No share or balance changes beyond its 95% interval within {window_days} days of an event"
    row = clear.loc[clear["difference"].abs().idxmax()]
    verb = "rises" if row["difference"] > 0 else "falls"
    what = titles.get(row["measure"], row["measure"])
    return (
        f"After {row['event']} ({pd.Timestamp(row['event_date']):%Y-%m-%d}), {what} "
        f"{verb} {abs(row['difference']) * 100:.0f} points on the {row['side']} side "
        f"(95% interval {row['difference_lo'] * 100:+.0f} to {row['difference_hi'] * 100:+.0f})"
    )


def plot_before_after(
    data: pd.DataFrame,
    ax: Axes | None = None,
    *,
    measures: Sequence[str] | None = None,
    titles: Mapping[str, str] | None = None,
    colors: Mapping[str, str] | None = None,
    show_labels: bool = True,
) -> Axes:
    """Dot-and-whisker chart of the differences of one event: a row per measure, a dot per side."""
    with plotting.style():
        measures = list(measures) if measures is not None else list(dict.fromkeys(data["measure"]))
        ax = plotting.axes_or_new(ax, (4.5, 0.32 * len(measures) + 1.4))
        sides = sorted(data["side"].astype(str).unique())
        colors = dict(colors) if colors is not None else plotting.side_colors(sides)
        titles = dict(titles or {})
        step = 0.6 / max(len(sides), 1)
        for k, side in enumerate(sides):
            sub = data[data["side"].astype(str) == side].set_index("measure")
            rows = [m for m in measures if m in sub.index]
            y = np.array([measures.index(m) for m in rows], dtype=float) - 0.3 + step * (k + 0.5)
            v, err = measure_intervals(sub, rows, "difference")
            sparse = sub.loc[rows, "sparse"].to_numpy(bool) if "sparse" in sub.columns else None
            plotting.interval_dots(ax, v, y, err, colors[side], sparse)
        finish_measure_axis(ax, measures, titles, show_labels, "after − before (points)")
    return ax


def _empty(ctx: FigureContext, title: str) -> Figure:
    fig, ax = plotting.new_figure((7.0, 2.2))
    ax.axis("off")
    ax.text(0.0, 0.5, title, transform=ax.transAxes, ha="left", va="center", fontsize=10, wrap=True)
    return fig


def build(ctx: FigureContext) -> tuple[Figure, pd.DataFrame]:
    """The figure (one panel per event) and its numbers."""
    data = compute(ctx)
    measures = timeseries.measure_columns(ctx.measures)
    titles = {m: ctx.measure_title(m) for m in measures}
    title = headline(data, titles, ctx.event_window_days)
    events = list(dict.fromkeys(data["event"])) if len(data) else []
    if not events:
        fig = _empty(ctx, "Nothing to compare: " + title[0].lower() + title[1:] + ".")
    else:
        ncols = min(3, len(events))
        nrows = -(-len(events) // ncols)
        fig, axes = plotting.new_figure(
            (3.2 * ncols + 2.4, (0.3 * len(measures) + 1.3) * nrows + 1.2),
            nrows,
            ncols,
            grid=True,
            sharey=True,
            sharex=True,
        )
        sides = sorted(data["side"].astype(str).unique())
        colors = plotting.side_colors(sides)
        for k, ax in enumerate(axes.flat):
            if k >= len(events):
                ax.set_visible(False)
                continue
            sub = data[data["event"] == events[k]]
            plot_before_after(sub, ax=ax, measures=measures, titles=titles, colors=colors, show_labels=k % ncols == 0)
            ax.xaxis.set_tick_params(labelbottom=True)
            label = "\n".join(textwrap.wrap(str(events[k]), width=32))
            ax.set_title(f"{pd.Timestamp(sub['event_date'].iloc[0]):%Y-%m-%d}\n{label}", loc="left", fontsize=9.5)
        side_legend(axes[0, 0], colors, sides)
    plotting.set_title(fig, title)
    plotting.add_caption(
        fig,
        ctx.caption(
            f"Dot: mean over the passages of documents published in the {ctx.event_window_days} days after the event "
            "minus the mean over those in the days before it (frame share or stance balance, in points), per side; "
            "bar: 95% interval of the difference from cluster bootstraps over each window's documents; hollow: fewer "
            f"than {ctx.min_docs} documents in a window (never the headline). Officials' "
            "and authors' on-topic passages. Events and their sources: seeds/events.csv. Windows overlap other "
            "events; a difference is a description of timing, not a causal effect.",
            models=None,
        ),
        width=140,
    )
    return fig, data
