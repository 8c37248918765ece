"""Small helpers shared by the figure entries: words for headlines, tick labels, orders, trend columns."""

from __future__ import annotations

import textwrap
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from stance.timeseries import MIN_TREND_DATES, trend_slopes

__all__ = [
    "clear_changes",
    "date_names",
    "doc_tick",
    "document_trends",
    "dot_handle",
    "finish_measure_axis",
    "fmt_date",
    "join_words",
    "label_order",
    "measure_intervals",
    "metric_table",
    "model_dates",
    "model_trends",
    "side_legend",
    "task_order",
    "trend_note",
    "with_trends",
    "years",
]


def fmt_date(ts: Any) -> str:
    """``YYYY-MM-DD`` or ``undated``."""
    return f"{pd.Timestamp(ts):%Y-%m-%d}" if pd.notna(ts) else "undated"


def join_words(items: Sequence[str]) -> str:
    """``a``, ``a and b``, ``a, b and c``."""
    items = list(items)
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def years(dates: Sequence[Any]) -> str:
    """The distinct years of ``dates`` in words (``2017, 2022 and 2025``)."""
    return join_words(list(dict.fromkeys(f"{pd.Timestamp(d):%Y}" for d in dates if pd.notna(d))))


def date_names(dates: Sequence[Any]) -> dict[Any, str]:
    """Short names of dates: the year when it is unique among ``dates``, else month and year."""
    stamps = [pd.Timestamp(d) for d in dates if pd.notna(d)]
    counts = pd.Series([d.year for d in stamps]).value_counts()
    return {d: f"{d:%Y}" if counts[d.year] == 1 else f"{d:%b %Y}" for d in stamps}


def doc_tick(label: str, n: int | None = None, width: int = 16) -> str:
    """Tick label of a document: its date, then its outlet wrapped, then ``n = ...``."""
    date, _, outlet = label.partition(" ")
    text = date + "\n" + "\n".join(textwrap.wrap(outlet, width=width, break_on_hyphens=False)[:3])
    return text + (f"\nn = {n}" if n is not None else "")


def task_order(codebook_tasks: Sequence[str], tasks: Sequence[str]) -> list[str]:
    """``tasks`` in codebook order, unknown ones after, sorted."""
    present = set(tasks)
    return [t for t in codebook_tasks if t in present] + sorted(present - set(codebook_tasks))


def label_order(codebook: Any, task: str) -> list[str]:
    """Labels of ``task`` in codebook order (empty when the codebook does not know the task)."""
    try:
        return list(codebook.task_labels(task))
    except (KeyError, ValueError):
        return []


def metric_table(table: pd.DataFrame, metric: str, what: str) -> pd.DataFrame:
    """Rows of one metric from a long evaluation table, as backend / value / value_lo / value_hi."""
    need = {"model", "task", "metric", "value"}
    if not need <= set(table.columns):
        raise ValueError(f"{what} lacks the columns {sorted(need - set(table.columns))} (has {list(table.columns)})")
    sub = table[table["metric"] == metric].rename(columns={"model": "backend"})
    sub = sub.rename(columns={"ci_low": "value_lo", "ci_high": "value_hi"})
    return sub.reset_index(drop=True)


def dot_handle(color: str, label: str) -> Any:
    """A legend handle: a dot of ``color`` labelled ``label``."""
    from matplotlib.lines import Line2D

    return Line2D([0], [0], marker="o", color=color, linestyle="none", markersize=6, label=label)


def side_legend(ax: Any, colors: Mapping[str, str], sides: Sequence[str], **kwargs: Any) -> None:
    """A legend of one dot per side, on a light box placed where it hides least."""
    handles = [dot_handle(colors[s], s) for s in sides]
    ax.legend(handles=handles, loc="best", **kwargs, frameon=True, framealpha=0.9, edgecolor="none")


# ------------------------------------------------------------------ per-document trends
def with_trends(table: pd.DataFrame, key: str, value: str) -> pd.DataFrame:
    """``table`` with ``trend_pp_per_year``: the trend of each ``key``'s ``value`` on the model rows.

    Gold rows get NaN; a ``key`` with fewer than :data:`~stance.timeseries.MIN_TREND_DATES`
    dates gets no trend.
    """
    trends = trend_slopes(table, key, value, min_dates=MIN_TREND_DATES)
    data = table.copy()
    data["trend_pp_per_year"] = data[key].map(trends).where(data["source"] == "model")
    return data


def document_trends(ctx: Any, measure: Any, key: str, value: str) -> pd.DataFrame:
    """``measure`` (:func:`stance.analysis.frame_shares` or ``stance_balance``) per document of the
    figure context ``ctx``, with :func:`with_trends`."""
    table = measure(ctx.scores_and_gold, ctx.corpus, by="document", n_boot=ctx.n_boot, random_state=ctx.random_state)
    return with_trends(table, key, value)


def model_trends(data: pd.DataFrame, key: str) -> dict[str, float]:
    """``{key: trend}`` from the model rows of a :func:`with_trends` table (keys without a trend left out)."""
    rows = data[(data["source"] == "model") & data["trend_pp_per_year"].notna()]
    return dict(zip(rows[key], rows["trend_pp_per_year"].astype(float), strict=False))


def model_dates(data: pd.DataFrame) -> int:
    """Distinct dates of the model rows."""
    return data.loc[data["source"] == "model", "date"].nunique()


def trend_note(data: pd.DataFrame, key: str) -> str:
    """Caption sentence on the trend lines of a :func:`with_trends` table, and how to read them."""
    n_dates = model_dates(data)
    if not model_trends(data, key):
        return f"No trend line: only {n_dates} distinct dates (at least {MIN_TREND_DATES} needed)."
    return (
        f"Dashed line: least-squares trend over the {n_dates} document dates (drawn only with at least "
        f"{MIN_TREND_DATES} distinct dates); descriptive, not a test (the documents are not a sample of dates)."
    )


# ------------------------------------------------------------------ dot-and-whisker rows of measures
def clear_changes(data: pd.DataFrame) -> pd.DataFrame:
    """Well-covered rows (not ``sparse``) whose interval of the difference excludes zero."""
    lo, hi = data["difference_lo"].astype(float), data["difference_hi"].astype(float)
    solid = ~data["sparse"].astype(bool) if "sparse" in data.columns else True
    return data[((lo > 0) | (hi < 0)) & solid]


def measure_intervals(sub: pd.DataFrame, rows: Sequence[str], column: str) -> tuple[np.ndarray, np.ndarray]:
    """``column`` at ``rows`` in points and its 95% bars (2 x n distances, from ``<column>_lo`` / ``_hi``)."""
    v = sub.loc[rows, column].to_numpy(float) * 100
    lo = sub.loc[rows, f"{column}_lo"].to_numpy(float) * 100
    hi = sub.loc[rows, f"{column}_hi"].to_numpy(float) * 100
    return v, np.clip(np.vstack([v - lo, hi - v]), 0, None)


def finish_measure_axis(
    ax: Any, measures: Sequence[str], titles: Mapping[str, str], show_labels: bool, xlabel: str
) -> None:
    """A zero line, one row per measure (named when ``show_labels``) and a light x grid."""
    ax.axvline(0, color="#333333", linewidth=0.9)
    if show_labels:
        ax.set_yticks(range(len(measures)), [titles.get(m, m) for m in measures])
    else:
        ax.tick_params(axis="y", labelleft=False)
    ax.set_ylim(len(measures) - 0.5, -0.5)
    ax.set_xlabel(xlabel)
    ax.grid(axis="x", color="#E5E5E5", linewidth=0.8)
    ax.tick_params(axis="y", length=0)
