"""Plots of frames, stance, model quality and reliability.

Compute, then draw: every ``plot_*`` function takes a tidy DataFrame (from
:mod:`stance.analysis`, the evaluation tables or the reliability table), draws on the
given Axes (or on a new :class:`matplotlib.figure.Figure` when ``ax`` is None) and returns
the Axes. Nothing here calls ``savefig`` or ``show`` and nothing touches pyplot's global
state; :mod:`stance.figures` writes the files.

Colours are colour-blind safe and fixed: each frame keeps its colour in every figure
(:func:`frame_colors`, Paul Tol's *muted* scheme in codebook order), stance uses Tol's
blue for FAVOR and red for AGAINST, and backends use the Okabe-Ito colours.
"""

from __future__ import annotations

import textwrap
from collections.abc import Mapping, Sequence
from contextlib import contextmanager
from functools import wraps
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from stance.timeseries import DAYS_PER_YEAR, linear_trend

if TYPE_CHECKING:  # pragma: no cover
    from collections.abc import Callable, Iterator

    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from stance.codebook import Codebook

__all__ = [
    "BACKEND_PALETTE",
    "DENSE_POINTS",
    "FRAME_PALETTE",
    "GOLD_STYLE",
    "NOT_ANALYSED_COLOR",
    "NO_FRAME_COLOR",
    "SIDE_PALETTE",
    "STANCE_COLORS",
    "STYLE",
    "add_caption",
    "axes_or_new",
    "backend_colors",
    "frame_colors",
    "group_order",
    "interval_dots",
    "new_figure",
    "plot_frame_heatmap",
    "plot_frame_trend",
    "plot_learning_curve",
    "plot_metric_intervals",
    "plot_narrative_arc",
    "plot_reliability",
    "plot_stance_bars",
    "plot_stance_trend",
    "set_title",
    "side_colors",
    "style",
]

#: Paul Tol's muted qualitative scheme (colour-blind safe), in the order frames receive it.
FRAME_PALETTE: tuple[str, ...] = (
    "#117733",  # green
    "#CC6677",  # rose
    "#332288",  # indigo
    "#DDCC77",  # sand
    "#AA4499",  # purple
    "#44AA99",  # teal
    "#88CCEE",  # cyan
    "#882255",  # wine
    "#999933",  # olive
)
#: Used after the nine muted colours (Tol's light scheme), for codebooks with more frames.
_EXTRA_PALETTE: tuple[str, ...] = ("#77AADD", "#EE8866", "#EEDD88", "#FFAABB", "#99DDFF", "#44BB99", "#BBCC33")
#: Passages that carry no frame.
NO_FRAME_COLOR = "#DDDDDD"
#: Passages left out of the analysis (boilerplate, captions, datelines).
NOT_ANALYSED_COLOR = "#FFFFFF"
#: Tol's bright blue / red for the two sides of a stance, grey for NONE.
STANCE_COLORS: dict[str, str] = {"FAVOR": "#4477AA", "AGAINST": "#EE6677", "NONE": "#BBBBBB"}
#: Okabe-Ito colours (without yellow, which is too light for lines), given to backends in order.
BACKEND_PALETTE: tuple[str, ...] = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000")
#: Colours of the sides of a corpus (Okabe-Ito vermillion, blue, green, purple), given in sorted order.
SIDE_PALETTE: tuple[str, ...] = ("#D55E00", "#0072B2", "#009E73", "#CC79A7", "#E69F00", "#56B4E9")
#: How gold-label values are drawn beside model values: hollow black diamonds.
GOLD_STYLE: dict[str, Any] = {
    "marker": "D",
    "markersize": 9,
    "markerfacecolor": "white",
    "markeredgecolor": "black",
    "markeredgewidth": 1.2,
    "linestyle": "none",
}

#: Above this many points, a date-axis panel draws small markers and thin translucent CI bars,
#: so that hundreds of documents stay readable.
DENSE_POINTS = 40

#: Point and CI-bar style of a date-axis panel, and its style above :data:`DENSE_POINTS` points.
_POINT_STYLE: dict[str, Any] = {"elinewidth": 1.6, "capsize": 3, "markersize": 5.5}
_DENSE_POINT_STYLE: dict[str, Any] = {"elinewidth": 0.7, "capsize": 0, "markersize": 3.2, "alpha": 0.5}
_DENSE_GOLD_STYLE: dict[str, Any] = {"markersize": 4.5, "markeredgewidth": 0.8, "alpha": 0.7}

#: Matplotlib settings for every figure: readable sizes at 100 % zoom, fixed SVG ids.
STYLE: dict[str, Any] = {
    "font.family": "DejaVu Sans",
    "font.size": 10,
    "axes.titlesize": 11,
    "axes.titleweight": "bold",
    "axes.labelsize": 10,
    "xtick.labelsize": 9.5,
    "ytick.labelsize": 9.5,
    "legend.fontsize": 9.5,
    "legend.frameon": False,
    "figure.titlesize": 13,
    "figure.titleweight": "bold",
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.edgecolor": "#444444",
    "axes.labelcolor": "#222222",
    "xtick.color": "#444444",
    "ytick.color": "#444444",
    "figure.facecolor": "white",
    "savefig.facecolor": "white",
    "svg.hashsalt": "stance",
    "svg.fonttype": "path",
    "svg.id": None,
    "path.simplify": True,
    "figure.constrained_layout.use": False,
}


@contextmanager
def style() -> Iterator[None]:
    """Apply :data:`STYLE` for the duration of a ``with`` block."""
    import matplotlib

    with matplotlib.rc_context(STYLE):
        yield


def _styled(func: Callable[..., Axes]) -> Callable[..., Axes]:
    """Draw under :data:`STYLE`, so plots look the same in notebooks and in saved figures."""

    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Axes:
        with style():
            return func(*args, **kwargs)

    return wrapper


def new_figure(
    figsize: tuple[float, float], nrows: int = 1, ncols: int = 1, *, grid: bool = False, **kwargs: Any
) -> tuple[Figure, Any]:
    """Return ``(Figure, axes)`` built with the object API (no pyplot state), constrained layout.

    ``axes`` is a single Axes for a 1 x 1 grid unless ``grid`` is True; otherwise a 2-D
    array of Axes. ``kwargs`` go to :meth:`Figure.subplots` (e.g. ``sharex``).
    """
    from matplotlib.figure import Figure

    with style():
        fig = Figure(figsize=figsize, layout="constrained")
        if nrows == 1 and ncols == 1 and not grid:
            return fig, fig.add_subplot()
        axes = fig.subplots(nrows, ncols, squeeze=False, **kwargs)
    return fig, axes


def axes_or_new(ax: Axes | None, figsize: tuple[float, float]) -> Axes:
    """``ax``, or the Axes of a new :func:`new_figure` of ``figsize`` when ``ax`` is None."""
    if ax is not None:
        return ax
    return new_figure(figsize)[1]


# ------------------------------------------------------------------------ colours
def frame_colors(codebook: Codebook | Sequence[str]) -> dict[str, str]:
    """Colour of each frame: fixed by the frame's position in the codebook.

    Parameters
    ----------
    codebook : Codebook or sequence of str
        A codebook (its ``frame_names``) or frame names in codebook order.

    Returns
    -------
    dict
        Frame name to hex colour; every figure uses this mapping.
    """
    names = list(getattr(codebook, "frame_names", codebook))
    palette = FRAME_PALETTE + _EXTRA_PALETTE
    return {name: palette[i % len(palette)] for i, name in enumerate(names)}


def backend_colors(backends: Sequence[str]) -> dict[str, str]:
    """Colour of each backend, in the order given (Okabe-Ito)."""
    return {b: BACKEND_PALETTE[i % len(BACKEND_PALETTE)] for i, b in enumerate(backends)}


def side_colors(sides: Sequence[str]) -> dict[str, str]:
    """Colour of each side, fixed by its position in sorted order."""
    return {s: SIDE_PALETTE[i % len(SIDE_PALETTE)] for i, s in enumerate(sorted(set(map(str, sides))))}


def _rgb(color: str) -> np.ndarray:
    from matplotlib.colors import to_rgb

    return np.asarray(to_rgb(color), dtype=float)


def _luminance(rgb: np.ndarray) -> float:
    return float(0.2126 * rgb[0] + 0.7152 * rgb[1] + 0.0722 * rgb[2])


def _pct(x: float, digits: int = 0) -> str:
    return "" if pd.isna(x) else f"{100 * x:.{digits}f}%"


def _wrap(text: str, width: int) -> str:
    return "\n".join(textwrap.wrap(text, width=width, break_on_hyphens=False)) if text else text


def interval_dots(
    ax: Axes,
    x: Any,
    y: Any,
    err: np.ndarray,
    color: str,
    hollow: np.ndarray | None = None,
    *,
    horizontal: bool = True,
    **kwargs: Any,
) -> None:
    """Dots with 95% bars (``err``: 2 x n distances), solid or hollow (where ``hollow`` is True).

    Bars run along x when ``horizontal`` (dot-and-whisker charts), along y otherwise (time series).
    """
    hollow = np.zeros(len(err[0]), dtype=bool) if hollow is None else np.asarray(hollow, dtype=bool)
    x, y = np.asarray(x), np.asarray(y)
    style = {"fmt": "o", "markersize": 4.5, "elinewidth": 1.2, "capsize": 2, **kwargs}
    for mask, face in ((~hollow, color), (hollow, "white")):
        if mask.any():
            bars = {"xerr": err[:, mask]} if horizontal else {"yerr": err[:, mask]}
            ax.errorbar(x[mask], y[mask], color=color, ecolor=color, markerfacecolor=face, **bars, **style)


# ------------------------------------------------------------------------ titles
def set_title(fig: Figure, title: str, width: int = 95) -> None:
    """Set the figure title (the finding), bold, left-aligned and wrapped."""
    fig.suptitle(
        _wrap(title, width),
        x=0.01,
        ha="left",
        fontsize=STYLE["figure.titlesize"],
        fontweight=STYLE["figure.titleweight"],
    )


#: Font size of captions (points).
CAPTION_SIZE = 8.5


def add_caption(fig: Figure, text: str, width: int = 150) -> None:
    """Add the caption line(s) under the figure: what is drawn, data source, model version.

    With constrained layout, a strip at the bottom of the figure is reserved for the
    caption, so legends placed ``"outside lower center"`` stay clear of it. Otherwise the
    caption goes just below the figure and files are saved with a tight bounding box. Each
    paragraph of ``text`` (separated by newlines) is wrapped separately.
    """
    lines = [_wrap(p, width) for p in text.split("\n") if p.strip()]
    body = "\n".join(lines)
    n_lines = body.count("\n") + 1
    engine = fig.get_layout_engine()
    kwargs = {"ha": "left", "fontsize": CAPTION_SIZE, "color": "#444444", "gid": "stance-caption", "linespacing": 1.3}
    if engine is not None and hasattr(engine, "set") and type(engine).__name__ == "ConstrainedLayoutEngine":
        height_in = (n_lines * CAPTION_SIZE * 1.3 * 1.2 + 10) / 72.0
        fig.set_figheight(fig.get_figheight() + height_in)
        frac = min(0.6, height_in / fig.get_figheight())
        engine.set(rect=(0.0, frac, 1.0, 1.0 - frac))
        fig.text(0.01, frac * 0.92, body, va="top", **kwargs)
    else:
        fig.text(0.01, -0.005, body, va="top", **kwargs)


# ------------------------------------------------------------------------ frames
def _model_rows(data: pd.DataFrame) -> pd.DataFrame:
    if "source" in data.columns:
        return data[data["source"] == "model"]
    return data


def _gold_rows(data: pd.DataFrame) -> pd.DataFrame:
    if "source" in data.columns:
        return data[data["source"] == "gold"]
    return data.iloc[0:0]


def group_order(data: pd.DataFrame, group: str = "group") -> list[str]:
    """Groups in date order when a ``date`` column exists, else in order of appearance."""
    if "date" in data.columns:
        first = data.groupby(group, sort=False)["date"].min()
        latest = pd.Timestamp.max
        return sorted(first.index, key=lambda g: (pd.Timestamp(first[g]) if pd.notna(first[g]) else latest, str(g)))
    return list(dict.fromkeys(data[group]))


def _group_labels(data: pd.DataFrame, group: str = "group") -> dict[str, str]:
    if "group_label" not in data.columns:
        return {g: str(g) for g in data[group].unique()}
    return dict(zip(data[group], data["group_label"].astype(str), strict=False))


@_styled
def plot_frame_heatmap(
    data: pd.DataFrame,
    ax: Axes | None = None,
    *,
    value: str = "share",
    frames: Sequence[str] | None = None,
    groups: Sequence[str] | None = None,
    colors: Mapping[str, str] | None = None,
    frame_titles: Mapping[str, str] | None = None,
    show_ci: bool = True,
) -> Axes:
    """Frame x group heatmap: each cell shows the value, its CI and (if given) the gold value.

    Parameters
    ----------
    data : DataFrame
        Tidy table from :func:`stance.analysis.frame_shares`: ``group``, ``frame``,
        ``<value>``, ``<value>_lo``, ``<value>_hi`` and optionally ``group_label``,
        ``date``, ``n_passages`` and ``source`` (``"model"`` / ``"gold"``).
    ax : Axes, optional
        Where to draw; a new figure if None.
    value : {"share", "mean_prob"}
        Column drawn: share of passages with the frame, or mean frame probability.
    frames, groups : sequence of str, optional
        Row and column order (default: order of appearance; groups by date).
    colors : mapping, optional
        Frame colours (default :func:`frame_colors` over ``frames``). A cell is the frame's
        colour mixed with white in proportion to the value.
    frame_titles : mapping, optional
        Display names of frames.
    show_ci : bool
        Print the CI under each value.

    Returns
    -------
    Axes
    """
    model = _model_rows(data)
    gold = _gold_rows(data)
    frames = list(frames) if frames is not None else list(dict.fromkeys(model["frame"]))
    groups = list(groups) if groups is not None else group_order(model)
    colors = dict(colors) if colors is not None else frame_colors(frames)
    titles = dict(frame_titles or {})
    ax = axes_or_new(ax, (1.6 * len(groups) + 2.5, 0.75 * len(frames) + 1.5))

    idx = model.set_index(["frame", "group"])
    gidx = gold.set_index(["frame", "group"]) if len(gold) else None
    image = np.ones((len(frames), len(groups), 3))
    for i, f in enumerate(frames):
        c = _rgb(colors.get(f, "#777777"))
        for j, g in enumerate(groups):
            if (f, g) not in idx.index:
                image[i, j] = _rgb("#F4F4F4")
                ax.text(j, i, "n/a", ha="center", va="center", fontsize=8.5, color="#777777")
                continue
            row = idx.loc[(f, g)]
            v = float(row[value])
            image[i, j] = 1.0 - v * (1.0 - c)
            dark = _luminance(image[i, j]) < 0.5
            tc = "white" if dark else "black"
            lines = [(_pct(v), 11, "bold")]
            if show_ci and f"{value}_lo" in row.index:
                lines.append((f"{_pct(row[f'{value}_lo'])}–{_pct(row[f'{value}_hi'])}", 8, "normal"))
            if gidx is not None and (f, g) in gidx.index:
                lines.append((f"gold {_pct(gidx.loc[(f, g)][value])}", 8, "normal"))
            offsets = np.linspace(-0.22, 0.22, len(lines)) if len(lines) > 1 else [0.0]
            for (txt, size, weight), dy in zip(lines, offsets, strict=True):
                ax.text(j, i + dy, txt, ha="center", va="center", fontsize=size, fontweight=weight, color=tc)
    from matplotlib.collections import PatchCollection
    from matplotlib.patches import Rectangle

    cells = [Rectangle((j - 0.5, i - 0.5), 1.0, 1.0) for i in range(len(frames)) for j in range(len(groups))]
    ax.add_collection(
        PatchCollection(cells, facecolors=image.reshape(-1, 3), edgecolors="white", linewidths=2, zorder=0)
    )
    ax.set_xlim(-0.5, len(groups) - 0.5)
    ax.set_ylim(len(frames) - 0.5, -0.5)
    labels = _group_labels(model)
    ax.set_xticks(range(len(groups)), [labels.get(g, g) for g in groups])
    ax.set_yticks(range(len(frames)), [titles.get(f, f) for f in frames])
    ax.tick_params(length=0)
    ax.xaxis.tick_top()
    for spine in ax.spines.values():
        spine.set_visible(False)
    return ax


def _to_num(dates: pd.Series) -> np.ndarray:
    import matplotlib.dates as mdates

    return np.asarray(mdates.date2num(pd.to_datetime(dates).dt.to_pydatetime()), dtype=float)


def _time_points(
    ax: Axes,
    data: pd.DataFrame,
    value: str,
    color: str,
    min_dates: int,
    ylim: tuple[float, float],
    trend_label: str = "pp/yr",
) -> None:
    """Points with CI bars on a true date axis, gold beside them, and an optional trend line."""
    import matplotlib.dates as mdates

    model = _model_rows(data).sort_values("date", kind="stable")
    gold = _gold_rows(data).sort_values("date", kind="stable")
    if len(model):
        x = pd.to_datetime(model["date"]).dt.to_pydatetime()
        y = model[value].to_numpy(float)
        err = np.vstack([y - model[f"{value}_lo"].to_numpy(float), model[f"{value}_hi"].to_numpy(float) - y])
        dense = len(model) > DENSE_POINTS
        ax.errorbar(
            x,
            y,
            yerr=np.clip(err, 0, None),
            fmt="o",
            color=color,
            ecolor=color,
            zorder=3,
            **(_DENSE_POINT_STYLE if dense else _POINT_STYLE),
        )
        if model["date"].nunique() >= min_dates:
            fit = linear_trend(model["date"], model[value])
            if fit is not None:
                xs = _to_num(model["date"])
                grid = np.array([xs.min(), xs.max()])
                ax.plot(
                    mdates.num2date(grid),
                    fit[0] * grid + fit[1],
                    linestyle="--",
                    color=color,
                    linewidth=1.4,
                    alpha=0.9,
                    zorder=2,
                )
                per_year = fit[0] * DAYS_PER_YEAR * 100
                ax.text(
                    0.98,
                    0.95,
                    f"trend {per_year:+.1f} {trend_label}",
                    transform=ax.transAxes,
                    ha="right",
                    va="top",
                    fontsize=8.5,
                    color="#333333",
                    bbox={"facecolor": "white", "edgecolor": "none", "alpha": 0.85, "pad": 1.5},
                    zorder=4,
                )
    if len(gold):
        # drawn under the model points and larger, so both stay visible where they coincide
        style = {**GOLD_STYLE, **_DENSE_GOLD_STYLE} if len(gold) > DENSE_POINTS else GOLD_STYLE
        ax.plot(pd.to_datetime(gold["date"]).dt.to_pydatetime(), gold[value].to_numpy(float), zorder=2.5, **style)
    ax.set_ylim(*ylim)
    dates = pd.to_datetime(data["date"]).dropna()
    span = (dates.max().year - dates.min().year) if len(dates) else 0
    ax.xaxis.set_major_locator(mdates.YearLocator(base=max(1, -(-span // 4))))
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%Y"))
    ax.grid(axis="y", color="#E5E5E5", linewidth=0.8)
    ax.set_axisbelow(True)


@_styled
def plot_frame_trend(
    data: pd.DataFrame,
    frame: str,
    ax: Axes | None = None,
    *,
    value: str = "share",
    color: str | None = None,
    min_dates: int = 4,
    title: str | None = None,
) -> Axes:
    """One frame over time: a point per document (or period) with its CI, on a true date axis.

    A dashed least-squares trend line is drawn only when there are at least ``min_dates``
    distinct dates; gold values, when present (``source == "gold"``), are hollow diamonds.

    Parameters
    ----------
    data : DataFrame
        Table from :func:`stance.analysis.frame_shares` with a ``date`` column.
    frame : str
        The frame to draw.
    value : {"share", "mean_prob"}
        Column drawn.
    color : str, optional
        Colour of the frame (default: :func:`frame_colors` of the frames in ``data``).
    min_dates : int
        Fewest distinct dates for a trend line.
    title : str, optional
        Axes title (default: the frame name).

    Returns
    -------
    Axes
    """
    ax = axes_or_new(ax, (5.0, 3.2))
    if color is None:
        color = frame_colors(list(dict.fromkeys(data["frame"]))).get(frame, "#333333")
    sub = data[data["frame"] == frame]
    _time_points(ax, sub, value, color, min_dates, (-0.02, 1.02))
    from matplotlib.ticker import PercentFormatter

    ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    ax.set_title(
        title if title is not None else frame, color=color if _luminance(_rgb(color)) < 0.7 else "#333333", loc="left"
    )
    return ax


# ------------------------------------------------------------------------ stance
@_styled
def plot_stance_bars(
    data: pd.DataFrame,
    target: str,
    ax: Axes | None = None,
    *,
    groups: Sequence[str] | None = None,
    title: str | None = None,
    show_labels: bool = True,
) -> Axes:
    """Diverging bars for one stance target: FAVOR share to the right, AGAINST to the left.

    The black diamond is the balance (FAVOR minus AGAINST) with its bootstrap CI; a
    hollow diamond is the balance in the gold labels.

    Parameters
    ----------
    data : DataFrame
        Table from :func:`stance.analysis.stance_balance`: ``group``, ``target``,
        ``favor``, ``against``, ``balance``, ``balance_lo``, ``balance_hi`` and optionally
        ``group_label``, ``date``, ``source``.
    target : str
        Stance target to draw.
    groups : sequence of str, optional
        Group order, top to bottom (default: date order).
    title : str, optional
        Axes title (default: the target).
    show_labels : bool
        Label the groups on the y axis (switch off for panels to the right of the first).

    Returns
    -------
    Axes
    """
    sub = data[data["target"] == target]
    model = _model_rows(sub)
    gold = _gold_rows(sub)
    groups = list(groups) if groups is not None else group_order(model)
    ax = axes_or_new(ax, (5.0, 0.6 * len(groups) + 1.5))
    m = model.set_index("group")
    y = np.arange(len(groups))
    favor = np.array([m.loc[g, "favor"] if g in m.index else np.nan for g in groups], dtype=float)
    against = np.array([m.loc[g, "against"] if g in m.index else np.nan for g in groups], dtype=float)
    ax.barh(y, favor, height=0.6, color=STANCE_COLORS["FAVOR"], label="FAVOR share")
    ax.barh(y, -against, height=0.6, color=STANCE_COLORS["AGAINST"], label="AGAINST share")
    bal = np.array([m.loc[g, "balance"] if g in m.index else np.nan for g in groups], dtype=float)
    lo = np.array([m.loc[g, "balance_lo"] if g in m.index else np.nan for g in groups], dtype=float)
    hi = np.array([m.loc[g, "balance_hi"] if g in m.index else np.nan for g in groups], dtype=float)
    ax.errorbar(
        bal,
        y,
        xerr=np.clip(np.vstack([bal - lo, hi - bal]), 0, None),
        fmt="D",
        color="black",
        markersize=6,
        elinewidth=1.4,
        capsize=3,
        label="balance (95% CI)",
        zorder=3,
    )
    if len(gold):
        gi = gold.set_index("group")
        gb = [gi.loc[g, "balance"] if g in gi.index else np.nan for g in groups]
        ax.plot(gb, y, label="gold balance", zorder=2.5, **{**GOLD_STYLE, "markersize": 11})
    ax.axvline(0, color="#333333", linewidth=0.9)
    ax.set_xlim(-1.05, 1.05)
    ax.set_xticks([-1, -0.5, 0, 0.5, 1], ["100%", "50%", "0", "50%", "100%"])
    ax.set_xlabel("share of passages")
    for x, end, ha, color in ((0.0, "◀ AGAINST", "left", "#B8334A"), (1.0, "FAVOR ▶", "right", STANCE_COLORS["FAVOR"])):
        ax.text(x, -0.085, end, transform=ax.transAxes, ha=ha, va="top", fontsize=9.5, fontweight="bold", color=color)
    labels = _group_labels(model)
    ax.set_yticks(y)
    if show_labels:
        ax.set_yticklabels([labels.get(g, g) for g in groups])
    else:
        ax.tick_params(axis="y", labelleft=False)
    ax.set_ylim(len(groups) - 0.5, -0.5)
    ax.tick_params(axis="y", length=0)
    ax.grid(axis="x", color="#E5E5E5", linewidth=0.8)
    ax.set_axisbelow(True)
    ax.set_title(title if title is not None else target, loc="left")
    return ax


@_styled
def plot_stance_trend(
    data: pd.DataFrame,
    target: str,
    ax: Axes | None = None,
    *,
    min_dates: int = 4,
    title: str | None = None,
) -> Axes:
    """Stance balance for one target over time, on a true date axis, with CI bars.

    A dashed trend line is drawn only with at least ``min_dates`` distinct dates; gold
    balance is drawn as hollow diamonds.

    Returns
    -------
    Axes
    """
    ax = axes_or_new(ax, (5.0, 3.2))
    sub = data[data["target"] == target]
    ax.axhspan(0, 1.05, color=STANCE_COLORS["FAVOR"], alpha=0.07, linewidth=0)
    ax.axhspan(-1.05, 0, color=STANCE_COLORS["AGAINST"], alpha=0.07, linewidth=0)
    ax.axhline(0, color="#333333", linewidth=0.9)
    _time_points(ax, sub, "balance", "#222222", min_dates, (-1.05, 1.05))
    ax.set_yticks([-1, -0.5, 0, 0.5, 1], ["−100%", "−50%", "0", "+50%", "+100%"])
    ax.text(
        0.02,
        0.97,
        "▲ more FAVOR",
        transform=ax.transAxes,
        ha="left",
        va="top",
        fontsize=8.5,
        color=STANCE_COLORS["FAVOR"],
    )
    ax.text(0.02, 0.03, "▼ more AGAINST", transform=ax.transAxes, ha="left", va="bottom", fontsize=8.5, color="#B8334A")
    ax.set_title(title if title is not None else target, loc="left")
    return ax


# ------------------------------------------------------------------------ narrative arc
@_styled
def plot_narrative_arc(
    data: pd.DataFrame,
    ax: Axes | None = None,
    *,
    frames: Sequence[str] | None = None,
    colors: Mapping[str, str] | None = None,
    frame_titles: Mapping[str, str] | None = None,
    documents: Sequence[str] | None = None,
    legend: bool = True,
) -> Axes:
    """Each document as a row of passages in reading order, coloured by dominant frame.

    A cell is one paragraph. Its colour is the dominant frame (the predicted frame with
    the highest probability); a lower strip shows the second predicted frame, if any.
    Grey cells carry no frame; white outlined cells are not analysed (boilerplate).

    Parameters
    ----------
    data : DataFrame
        Table from :func:`stance.analysis.narrative_arc`: ``doc_id``, ``position``,
        ``analysable``, ``dominant``, ``second`` and optionally ``group_label``, ``date``.
    frames : sequence of str, optional
        Frames in legend order (default: order of appearance).
    colors : mapping, optional
        Frame colours (default :func:`frame_colors`).
    documents : sequence of str, optional
        Row order, top to bottom (default: date order).
    legend : bool
        Draw the colour legend under the Axes.

    Returns
    -------
    Axes
    """
    from matplotlib.patches import Patch, Rectangle

    frames = list(frames) if frames is not None else [f for f in dict.fromkeys(data["dominant"]) if f]
    colors = dict(colors) if colors is not None else frame_colors(frames)
    titles = dict(frame_titles or {})
    docs = list(documents) if documents is not None else group_order(data.rename(columns={"doc_id": "group"}))
    width = int(data["position"].max()) if len(data) else 1
    ax = axes_or_new(ax, (0.42 * width + 3.0, 0.6 * len(docs) + 1.8))
    labels = _group_labels(data.rename(columns={"doc_id": "group"}))
    for i, doc in enumerate(docs):
        sub = data[data["doc_id"] == doc]
        for row in sub.itertuples(index=False):
            x = row.position - 0.5
            if not row.analysable:
                ax.add_patch(
                    Rectangle(
                        (x + 0.06, i - 0.38),
                        0.88,
                        0.76,
                        facecolor=NOT_ANALYSED_COLOR,
                        edgecolor="#BBBBBB",
                        linewidth=0.8,
                        hatch="////",
                    )
                )
                continue
            face = colors.get(row.dominant, NO_FRAME_COLOR) if row.dominant else NO_FRAME_COLOR
            ax.add_patch(Rectangle((x + 0.06, i - 0.38), 0.88, 0.76, facecolor=face, edgecolor="none"))
            if getattr(row, "second", ""):
                ax.add_patch(
                    Rectangle(
                        (x + 0.06, i + 0.14),
                        0.88,
                        0.24,
                        facecolor=colors.get(row.second, "#777777"),
                        edgecolor="white",
                        linewidth=0.8,
                    )
                )
    ax.set_xlim(0.4, width + 0.6)
    ax.set_ylim(len(docs) - 0.5, -0.5)
    ax.set_yticks(range(len(docs)), [labels.get(d, d) for d in docs])
    step = 1 if width <= 12 else 2 if width <= 30 else 5 if width <= 60 else 10 * -(-width // 100)
    ax.set_xticks(range(1, width + 1, step))
    ax.set_xlabel("paragraph (reading order)")
    ax.tick_params(axis="y", length=0)
    for side in ("left", "top", "right"):
        ax.spines[side].set_visible(False)
    if legend:
        used = set(data["dominant"]) | set(data.get("second", pd.Series(dtype=str)))
        handles = [Patch(facecolor=colors[f], label=titles.get(f, f)) for f in frames if f in used]
        handles.append(Patch(facecolor=NO_FRAME_COLOR, label="no frame"))
        handles.append(Patch(facecolor=NOT_ANALYSED_COLOR, edgecolor="#BBBBBB", hatch="////", label="not analysed"))
        ax.legend(
            handles=handles,
            loc="upper center",
            bbox_to_anchor=(0.5, -0.16 - 0.25 / max(len(docs), 1)),
            ncol=min(len(handles), 5),
            frameon=False,
            handlelength=1.4,
        )
    return ax


# ------------------------------------------------------------------------ model quality
@_styled
def plot_metric_intervals(
    data: pd.DataFrame,
    ax: Axes | None = None,
    *,
    label: str = "label",
    value: str = "f1",
    hue: str = "backend",
    labels: Sequence[str] | None = None,
    hues: Sequence[str] | None = None,
    colors: Mapping[str, str] | None = None,
    label_titles: Mapping[str, str] | None = None,
    xlabel: str | None = None,
    legend: bool = True,
) -> Axes:
    """Dot-and-whisker chart: a metric per label, one dot per backend, with CIs.

    Parameters
    ----------
    data : DataFrame
        Columns ``<label>``, ``<hue>``, ``<value>`` and optionally ``<value>_lo`` /
        ``<value>_hi``.
    labels, hues : sequence of str, optional
        Order of labels (top to bottom) and of backends.
    colors : mapping, optional
        Backend colours (default :func:`backend_colors`).
    label_titles : mapping, optional
        Display names of labels.
    xlabel : str, optional
        Axis label (default: ``value``).
    legend : bool
        Draw the backend legend.

    Returns
    -------
    Axes
    """
    labels = list(labels) if labels is not None else list(dict.fromkeys(data[label]))
    hues = list(hues) if hues is not None else list(dict.fromkeys(data[hue]))
    colors = dict(colors) if colors is not None else backend_colors(hues)
    titles = dict(label_titles or {})
    ax = axes_or_new(ax, (6.0, 0.5 * len(labels) + 1.5))
    band = 0.7
    step = band / max(len(hues), 1)
    for k, h in enumerate(hues):
        sub = data[data[hue] == h].set_index(label)
        y = np.array([labels.index(lbl) for lbl in sub.index if lbl in labels], dtype=float)
        sub = sub.loc[[lbl for lbl in sub.index if lbl in labels]]
        if not len(sub):
            continue
        y = y - band / 2 + step * (k + 0.5)
        v = sub[value].to_numpy(float)
        if f"{value}_lo" in sub.columns:
            err = np.clip(
                np.vstack([v - sub[f"{value}_lo"].to_numpy(float), sub[f"{value}_hi"].to_numpy(float) - v]), 0, None
            )
        else:
            err = None
        ax.errorbar(
            v, y, xerr=err, fmt="o", color=colors.get(h, "#333333"), markersize=5, elinewidth=1.3, capsize=2, label=h
        )
    ax.set_yticks(range(len(labels)), [titles.get(lbl, lbl) for lbl in labels])
    ax.set_ylim(len(labels) - 0.5, -0.5)
    ax.set_xlim(0, 1.0)
    ax.set_xlabel(value if xlabel is None else xlabel)
    ax.grid(axis="x", color="#E5E5E5", linewidth=0.8)
    for i in range(1, len(labels)):
        ax.axhline(i - 0.5, color="#F0F0F0", linewidth=0.8)
    ax.set_axisbelow(True)
    ax.tick_params(axis="y", length=0)
    if legend and len(hues) > 1:
        ax.legend(loc="lower right", fontsize=8.5)
    return ax


@_styled
def plot_learning_curve(
    data: pd.DataFrame,
    ax: Axes | None = None,
    *,
    x: str = "n_train",
    value: str = "f1",
    hue: str = "backend",
    hues: Sequence[str] | None = None,
    colors: Mapping[str, str] | None = None,
    xlabel: str = "training passages",
    ylabel: str | None = None,
    legend: bool = True,
) -> Axes:
    """Metric against training-set size, one line per backend with a CI band.

    Parameters
    ----------
    data : DataFrame
        Columns ``<x>``, ``<hue>``, ``<value>`` and optionally ``<value>_lo`` / ``<value>_hi``.

    Returns
    -------
    Axes
    """
    hues = list(hues) if hues is not None else list(dict.fromkeys(data[hue]))
    colors = dict(colors) if colors is not None else backend_colors(hues)
    ax = axes_or_new(ax, (5.0, 3.5))
    for h in hues:
        sub = data[data[hue] == h].sort_values(x, kind="stable")
        if not len(sub):
            continue
        c = colors.get(h, "#333333")
        ax.plot(sub[x], sub[value], marker="o", markersize=4, color=c, linewidth=1.6, label=h)
        if f"{value}_lo" in sub.columns:
            ax.fill_between(
                sub[x].to_numpy(float),
                sub[f"{value}_lo"].to_numpy(float),
                sub[f"{value}_hi"].to_numpy(float),
                color=c,
                alpha=0.15,
                linewidth=0,
            )
    ax.set_ylim(0, 1.0)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(value if ylabel is None else ylabel)
    ax.grid(color="#E5E5E5", linewidth=0.8)
    ax.set_axisbelow(True)
    if legend and len(hues) > 1:
        ax.legend(loc="lower right", fontsize=8.5)
    return ax


@_styled
def plot_reliability(
    data: pd.DataFrame,
    ax: Axes | None = None,
    *,
    label: str = "label",
    value: str = "alpha",
    labels: Sequence[str] | None = None,
    colors: Mapping[str, str] | None = None,
    label_titles: Mapping[str, str] | None = None,
    references: Sequence[float] = (0.667, 0.8),
) -> Axes:
    """Krippendorff's alpha per label as horizontal bars, with reference lines.

    The reference lines mark Krippendorff's conventional thresholds: 0.667 (lowest
    acceptable for tentative conclusions) and 0.8 (reliable).

    Parameters
    ----------
    data : DataFrame
        Columns ``<label>``, ``<value>`` and optionally ``<value>_lo`` / ``<value>_hi``.
    labels : sequence of str, optional
        Order, top to bottom.
    colors : mapping, optional
        Bar colour per label (e.g. frame colours); grey for the rest.
    references : sequence of float
        Where to draw the dashed reference lines.

    Returns
    -------
    Axes
    """
    labels = list(labels) if labels is not None else list(dict.fromkeys(data[label]))
    colors = dict(colors or {})
    titles = dict(label_titles or {})
    ax = axes_or_new(ax, (6.0, 0.42 * len(labels) + 1.5))
    d = data.set_index(label)
    y = np.arange(len(labels))
    v = np.array([d.loc[lbl, value] if lbl in d.index else np.nan for lbl in labels], dtype=float)
    ax.barh(y, np.nan_to_num(v), height=0.62, color=[colors.get(lbl, "#888888") for lbl in labels])
    if f"{value}_lo" in d.columns:
        lo = np.array([d.loc[lbl, f"{value}_lo"] if lbl in d.index else np.nan for lbl in labels], dtype=float)
        hi = np.array([d.loc[lbl, f"{value}_hi"] if lbl in d.index else np.nan for lbl in labels], dtype=float)
        ok = np.isfinite(lo) & np.isfinite(hi) & np.isfinite(v)
        ax.errorbar(
            v[ok],
            y[ok],
            xerr=np.clip(np.vstack([v[ok] - lo[ok], hi[ok] - v[ok]]), 0, None),
            fmt="none",
            ecolor="#222222",
            elinewidth=1.2,
            capsize=3,
        )
    for yi, vi in zip(y, v, strict=True):
        txt = "n/a" if not np.isfinite(vi) else f"{vi:.2f}"
        ax.text(
            max(vi, 0) + 0.015 if np.isfinite(vi) else 0.015,
            yi,
            txt,
            va="center",
            ha="left",
            fontsize=8.5,
            color="#222222",
        )
    refs = sorted(references)
    for k, ref in enumerate(refs):
        name = ("tentative", "reliable")[k] if len(refs) == 2 else ""
        ax.axvline(ref, color="#333333", linestyle="--", linewidth=1.0)
        left = k == 0 and len(refs) > 1
        ax.text(
            ref + (-0.01 if left else 0.01),
            -0.75,
            f"{name} {ref:g}" if left else f"{ref:g} {name}",
            ha="right" if left else "left",
            va="bottom",
            fontsize=8.5,
            color="#333333",
        )
    lo_x = min(0.0, float(np.nanmin(v)) - 0.05) if np.isfinite(v).any() else 0.0
    ax.set_xlim(lo_x, 1.08)
    if lo_x < 0:
        ax.axvline(0, color="#333333", linewidth=0.8)
    ax.set_yticks(y, [titles.get(lbl, lbl) for lbl in labels])
    ax.set_ylim(len(labels) - 0.5, -1.0)
    ax.set_xlabel("Krippendorff's alpha (nominal)")
    ax.tick_params(axis="y", length=0)
    ax.grid(axis="x", color="#E5E5E5", linewidth=0.8)
    ax.set_axisbelow(True)
    return ax
