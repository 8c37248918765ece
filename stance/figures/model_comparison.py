"""``model-comparison``: F1 per label for every backend with 95% CIs, one panel per task."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

import pandas as pd

from stance import analysis, plotting
from stance.figures.common import dot_handle, join_words, label_order, metric_table, task_order
from stance.paths import CONFIG_FILE

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.figure import Figure

    from stance.figures.context import FigureContext

__all__ = ["DESCRIPTION", "NAME", "best_backends", "build", "compute", "default_backends", "headline"]

NAME = "model-comparison"
DESCRIPTION = (
    "F1 per label for every classifier backend with 95% CIs (leave-one-document-out cross-validation), "
    "one panel per task; the default model is marked in the legend."
)
_METRIC_NAMES = {"macro_f1": "macro-F1", "f_avg": "F_avg"}


def compute(ctx: FigureContext) -> pd.DataFrame:
    """F1 per task, backend and label with its CI, from ``per_label.csv``."""
    data = metric_table(ctx.evaluation("per_label.csv"), "f1", "per_label.csv")
    return data.rename(columns={"value": "f1", "value_lo": "f1_lo", "value_hi": "f1_hi"})


def best_backends(comparison: pd.DataFrame, tasks: Sequence[str]) -> pd.DataFrame:
    """The rank-1 backend of each task (task, model, score, metric), in ``tasks`` order."""
    cols = ["task", "model", "score", "metric"]
    if not {"task", "model", "score", "rank"} <= set(comparison.columns):
        return pd.DataFrame(columns=cols)
    top = comparison[comparison["rank"] == 1].drop_duplicates("task")
    top = top.assign(metric=top["metric"] if "metric" in top.columns else "score")
    rows = [top[top["task"] == t].iloc[0] for t in tasks if (top["task"] == t).any()]
    return pd.DataFrame([{c: r[c] for c in cols} for r in rows], columns=cols)


def default_backends(ctx: FigureContext, tasks: Sequence[str]) -> set[str]:
    """Backends of the promoted models of ``tasks`` (read from their config files)."""
    chosen = set()
    for t in tasks:
        folder = analysis.default_model_dir(t, ctx.models_dir)
        if folder is not None and (folder / CONFIG_FILE).is_file():
            chosen.add(str(json.loads((folder / CONFIG_FILE).read_text(encoding="utf-8")).get("backend") or ""))
    return chosen


def headline(best: pd.DataFrame, task_titles: Mapping[str, str]) -> str:
    """'lexicon scores best on every task (macro-F1 0.61, ...)' or the best backend per task."""
    if best.empty:
        return "F1 per label and backend"
    names = best["model"].astype(str).tolist()
    if names.count(names[0]) == len(names):
        title = f"{names[0]} scores best on every task"
    else:
        by_backend: dict[str, list[str]] = {}
        for t, m in zip(best["task"], names, strict=True):
            by_backend.setdefault(m, []).append(task_titles.get(t, t).removeprefix("Stance: "))
        title = "Best backend: " + "; ".join(f"{m} for {join_words(ts)}" for m, ts in by_backend.items())
    scores = [f"{_METRIC_NAMES.get(m, m)} {float(v):.2f}" for v, m in zip(best["score"], best["metric"], strict=True)]
    return title + " (" + ", ".join(scores) + ")"


def _label_rows(ctx: FigureContext, data: pd.DataFrame, task: str) -> list[str]:
    present = set(data.loc[data["task"] == task, "label"])
    return [lbl for lbl in label_order(ctx.codebook, task) if lbl in present]


def _protocol(comparison: pd.DataFrame) -> str:
    """How the evaluation run split and resampled, from the ``folds`` and ``resample`` columns of ``comparison.csv``."""
    folds = comparison["folds"].dropna().unique() if "folds" in comparison else []
    split = "; ".join(str(f) for f in folds) or "cross-validation"
    unit = "documents" if "document" in set(comparison.get("resample", pd.Series(dtype=str))) else "passages"
    return f"{split}; bar: 95% bootstrap CI over {unit}"


def build(ctx: FigureContext) -> tuple[Figure, pd.DataFrame]:
    """The figure and its numbers."""
    data = compute(ctx)
    comparison = ctx.evaluation("comparison.csv")
    tasks = task_order(ctx.codebook.tasks, data["task"].unique())
    backends = sorted(data["backend"].astype(str).unique())
    colors = plotting.backend_colors(backends)
    heights = [max(len(_label_rows(ctx, data, t)) or data.loc[data["task"] == t, "label"].nunique(), 1) for t in tasks]
    fig, axes = plotting.new_figure(
        (9.0, 0.36 * sum(heights) * max(1.0, len(backends) / 4) + 0.7 * len(tasks) + 1.6),
        len(tasks),
        1,
        grid=True,
        sharex=True,
        gridspec_kw={"height_ratios": heights},
    )
    for k, task in enumerate(tasks):
        ax = axes[k, 0]
        sub = data[data["task"] == task]
        plotting.plot_metric_intervals(
            sub,
            ax=ax,
            labels=_label_rows(ctx, data, task) or list(dict.fromkeys(sub["label"])),
            hues=backends,
            colors=colors,
            label_titles=ctx.frame_titles if task == "frames" else {},
            xlabel="F1 (out-of-fold)" if k == len(tasks) - 1 else "",
            legend=False,
        )
        ax.set_title(ctx.task_title(task), loc="left")
    chosen = default_backends(ctx, tasks)
    handles = [dot_handle(colors[b], b + (" (default)" if b in chosen else "")) for b in backends]
    axes[0, 0].legend(
        handles=handles,
        loc="lower left",
        bbox_to_anchor=(0.0, 1.08),
        ncol=min(len(backends), 4),
        frameon=False,
        borderaxespad=0.0,
    )
    titles = {t: ctx.task_title(t) for t in tasks}
    plotting.set_title(fig, headline(best_backends(comparison, tasks), titles), width=90)
    plotting.add_caption(
        fig,
        ctx.caption(
            f"Dot: F1 of the label over out-of-fold predictions ({_protocol(comparison)}). A label without a dot never "
            "occurs in the gold labels or the predictions. Source: models/evaluation/per_label.csv and "
            "comparison.csv (`stance evaluate`).",
        ),
        width=125,
    )
    keep = [c for c in ("task", "backend", "label", "f1", "f1_lo", "f1_hi", "support") if c in data.columns]
    return fig, data[keep]
