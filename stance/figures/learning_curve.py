"""``learning-curve``: macro F1 against the number of training passages, one panel per task."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

import pandas as pd

from stance import plotting
from stance.figures.common import join_words, metric_table, task_order

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.figure import Figure

    from stance.figures.context import FigureContext

__all__ = ["DESCRIPTION", "NAME", "build", "compute", "final_gains", "headline"]

NAME = "learning-curve"
DESCRIPTION = (
    "Macro F1 against the number of training passages (range over repeated subsamples), one panel "
    "per task: does labelling more passages still help?"
)
#: A curve whose last step gains more than this (macro F1) is still rising.
RISING = 0.01


def compute(ctx: FigureContext) -> pd.DataFrame:
    """Mean, min and max macro F1 per task, backend and training fraction over repeats."""
    raw = metric_table(ctx.evaluation("learning_curve.csv"), "macro_f1", "learning_curve.csv")
    if "n_train" not in raw.columns:
        raise ValueError(f"learning_curve.csv lacks n_train (has {list(raw.columns)})")
    keys = ["task", "backend"] + (["fraction"] if "fraction" in raw.columns else [])
    return (
        raw.groupby(keys, sort=True)
        .agg(
            n_train=("n_train", "mean"),
            f1=("value", "mean"),
            f1_lo=("value", "min"),
            f1_hi=("value", "max"),
            n_repeats=("value", "size"),
        )
        .reset_index()
    )


def final_gains(data: pd.DataFrame, tasks: Sequence[str]) -> list[tuple[str, str, float]]:
    """(task, backend, gain of the last step) for every curve with at least two points."""
    gains = []
    for t in tasks:
        sub = data[data["task"] == t].sort_values("n_train")
        for b, g in sub.groupby("backend"):
            if len(g) >= 2:
                gains.append((t, str(b), float(g["f1"].iloc[-1] - g["f1"].iloc[-2])))
    return gains


def headline(data: pd.DataFrame, tasks: Sequence[str], task_titles: Mapping[str, str]) -> str:
    """Whether the curves still rise at full size (last step gains more than :data:`RISING`)."""
    gains = final_gains(data, tasks)
    if not gains:
        return "Learning curves: macro F1 by number of training passages"
    rising = [t for t, _, g in gains if g > RISING]
    if len(rising) == len(gains):
        return "Every curve still rises at full size: more labelled passages would help"
    if not rising:
        return "Curves flatten at full size: more labels of the same kind add little"
    return f"Still rising at full size: {join_words([task_titles.get(t, t) for t in rising])}; flat elsewhere"


def build(ctx: FigureContext) -> tuple[Figure, pd.DataFrame]:
    """The figure and its numbers."""
    data = compute(ctx)
    tasks = task_order(ctx.codebook.tasks, data["task"].unique())
    backends = sorted(data["backend"].astype(str).unique())
    colors = plotting.backend_colors(backends)
    ncols = min(len(tasks), 4) or 1
    nrows = -(-len(tasks) // ncols)
    fig, axes = plotting.new_figure((3.4 * ncols + 0.6, 3.1 * nrows + 1.0), nrows, ncols, grid=True, sharey=True)
    for k, ax in enumerate(axes.flat):
        if k >= len(tasks):
            ax.set_visible(False)
            continue
        sub = data[data["task"] == tasks[k]]
        plotting.plot_learning_curve(
            sub, ax=ax, hues=backends, colors=colors, ylabel="macro F1" if k % ncols == 0 else "", legend=False
        )
        ax.set_title(ctx.task_title(tasks[k]), loc="left")
        names = ", ".join(sub["backend"].unique())
        ax.text(0.98, 0.04, names, transform=ax.transAxes, ha="right", va="bottom", fontsize=8.5, color="#333333")
    plotting.set_title(fig, headline(data, tasks, {t: ctx.task_title(t) for t in tasks}))
    plotting.add_caption(
        fig,
        ctx.caption(
            "Line: macro F1 over out-of-fold predictions when each training fold is subsampled to 25, 50, 75 and "
            "100% of its passages (x: mean training passages per fold); band: range over repeated subsamples. "
            "Backend named in each panel: the best in the comparison. Source: models/evaluation/learning_curve.csv "
            "(`stance evaluate`).",
        ),
        width=130,
    )
    return fig, data
