"""``groups-compared``: frame shares and stance balances by side, outlet, kind, administration and year."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from stance import plotting, timeseries

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from stance.figures.context import FigureContext

__all__ = ["DESCRIPTION", "GROUPINGS", "NAME", "build", "compute", "headline", "plot_group_table"]

NAME = "groups-compared"
DESCRIPTION = (
    "Frame shares and stance balances by side, outlet, kind, administration and year (rows), one panel per "
    "grouping, with 95% cluster-bootstrap intervals and the number of documents behind each row."
)
#: Groupings drawn, in order (those the corpus lacks, or with a single value, are left out; ``year`` always stays).
GROUPINGS: tuple[str, ...] = ("side", "outlet", "kind", "administration", "year")


def compute(ctx: FigureContext) -> pd.DataFrame:
    """:func:`stance.timeseries.group_means` per grouping, stacked with a ``by`` and a ``group`` column."""
    table = ctx.measures.assign(year=pd.to_datetime(ctx.measures["published"]).dt.year.astype(str))
    parts = []
    for by in GROUPINGS:
        if by not in table.columns:
            continue
        values = table[by].fillna("").astype(str).replace("", "unknown")
        if by != "year" and values.nunique() < 2:
            continue
        out = timeseries.group_means(
            table.assign(group=values), ["group"], n_boot=ctx.n_boot, random_state=ctx.random_state
        )
        parts.append(out.assign(by=by, sparse=out["n_docs"] < ctx.min_docs))
    if not parts:
        return pd.DataFrame(columns=["by", "group", "measure", "value", "value_lo", "value_hi", "n_docs", "sparse"])
    data = pd.concat(parts, ignore_index=True)
    return data[["by", *[c for c in data.columns if c != "by"]]]


def headline(data: pd.DataFrame, titles: Mapping[str, str]) -> str:
    """The largest gap between two well-covered groups of one grouping (ties: first listed), or that none is."""
    solid = data[~data["sparse"].astype(bool)] if "sparse" in data.columns else data
    best = None
    for (by, measure), sub in solid.groupby(["by", "measure"], sort=False):
        if sub["group"].nunique() < 2:
            continue
        hi, lo = sub.loc[sub["value"].idxmax()], sub.loc[sub["value"].idxmin()]
        gap = float(hi["value"] - lo["value"])
        if best is None or gap > best[0]:
            best = (gap, by, measure, hi, lo)
    if best is None:
        return "Too few documents per group to compare groups"
    gap, by, measure, hi, lo = best
    return (
        f"Largest gap by {by}: {titles.get(measure, measure)} {hi['value'] * 100:.0f} points in {hi['group']} "
        f"against {lo['value'] * 100:.0f} in {lo['group']}"
    )


def _points(value: float) -> str:
    """A share or balance in whole points, without a negative zero."""
    return f"{round(float(value) * 100) + 0:.0f}" if np.isfinite(value) else "n/a"


def _cell_color(measure: str, value: float, colors: Mapping[str, str]) -> np.ndarray:
    from matplotlib.colors import to_rgb

    if not np.isfinite(value):
        return np.array(to_rgb("#F4F4F4"))
    if measure.startswith("frame:"):
        c = np.array(to_rgb(colors.get(measure.split(":", 1)[1], "#777777")))
        return 1.0 - min(max(value, 0.0), 1.0) * (1.0 - c)
    side = plotting.STANCE_COLORS["FAVOR" if value >= 0 else "AGAINST"]
    return 1.0 - min(abs(value), 1.0) * (1.0 - np.array(to_rgb(side)))


def plot_group_table(
    data: pd.DataFrame,
    ax: Axes | None = None,
    *,
    measures: Sequence[str] | None = None,
    titles: Mapping[str, str] | None = None,
    colors: Mapping[str, str] | None = None,
    show_columns: bool = True,
) -> Axes:
    """A group x measure table: value (points) and 95% interval per cell; hollow-grey text where sparse."""
    from matplotlib.collections import PatchCollection
    from matplotlib.patches import Rectangle

    with plotting.style():
        measures = list(measures) if measures is not None else list(dict.fromkeys(data["measure"]))
        groups = list(dict.fromkeys(data["group"]))
        ax = plotting.axes_or_new(ax, (0.9 * len(measures) + 2.5, 0.45 * len(groups) + 1.2))
        idx = data.set_index(["group", "measure"])
        faces, cells = [], []
        for i, g in enumerate(groups):
            for j, m in enumerate(measures):
                row = idx.loc[(g, m)] if (g, m) in idx.index else None
                v = float(row["value"]) if row is not None else np.nan
                faces.append(_cell_color(m, v, dict(colors or {})))
                cells.append(Rectangle((j - 0.5, i - 0.5), 1.0, 1.0))
                if row is not None:
                    tone = "#888888" if bool(row.get("sparse", False)) else "black"
                    ax.text(j, i - 0.12, _points(v), ha="center", va="center", fontsize=8.5, color=tone)
                    ci = f"{_points(row['value_lo'])}–{_points(row['value_hi'])}"
                    ax.text(j, i + 0.22, ci, ha="center", va="center", fontsize=6.5, color=tone)
        ax.add_collection(PatchCollection(cells, facecolors=faces, edgecolors="white", linewidths=1.5, zorder=0))
        n_docs = data.groupby("group", sort=False)["n_docs"].max()
        ax.set_yticks(range(len(groups)), [f"{g} ({int(n_docs[g])})" for g in groups])
        ax.set_xticks(range(len(measures)), [dict(titles or {}).get(m, m) for m in measures] if show_columns else [])
        ax.tick_params(length=0)
        ax.tick_params(axis="x", labelrotation=90)
        ax.xaxis.tick_top()
        ax.set_xlim(-0.5, len(measures) - 0.5)
        ax.set_ylim(len(groups) - 0.5, -0.5)
        for spine in ax.spines.values():
            spine.set_visible(False)
    return ax


def build(ctx: FigureContext) -> tuple[Figure, pd.DataFrame]:
    """The figure (one panel per grouping, stacked) and its numbers."""
    data = compute(ctx)
    measures = list(dict.fromkeys(data["measure"]))
    titles = {m: ctx.measure_title(m) for m in measures}
    groupings = list(dict.fromkeys(data["by"]))
    heights = [max(data.loc[data["by"] == b, "group"].nunique(), 1) for b in groupings] or [1]
    fig, axes = plotting.new_figure(
        (0.75 * len(measures) + 3.6, 0.42 * sum(heights) + 0.5 * len(heights) + 2.6),
        len(heights),
        1,
        grid=True,
        gridspec_kw={"height_ratios": heights},
    )
    for k, by in enumerate(groupings):
        ax = axes[k, 0]
        plot_group_table(
            data[data["by"] == by],
            ax=ax,
            measures=measures,
            titles=titles,
            colors=ctx.frame_colors,
            show_columns=k == 0,
        )
        ax.set_ylabel(by, rotation=0, ha="right", va="center", fontweight="bold")
    plotting.set_title(fig, headline(data, titles))
    plotting.add_caption(
        fig,
        ctx.caption(
            "Cell: frame share, or stance balance (FAVOR − AGAINST), in points, over the group's officials' and "
            "authors' on-topic passages, with its 95% interval from a cluster bootstrap over the group's documents "
            f"(below); row label: the group and its number of documents; grey text: fewer than {ctx.min_docs} "
            "documents (never the headline). Frame cells take the frame's colour, balance cells blue (FAVOR) or red "
            "(AGAINST). The CSV lists the passages behind each cell.",
            models=None,
        ),
        width=140,
    )
    return fig, data
