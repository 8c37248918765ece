"""``coder-reliability``: Krippendorff's alpha per label between two independent coders."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from stance import plotting
from stance.figures.context import MissingInputError

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.figure import Figure

    from stance.figures.context import FigureContext

__all__ = ["DESCRIPTION", "NAME", "build", "compute", "headline"]

NAME = "coder-reliability"
DESCRIPTION = (
    "Krippendorff's alpha per label between two independent coders, with the 0.667 (tentative) and "
    "0.8 (reliable) reference lines."
)


def _display(ctx: FigureContext, task: str, label: str) -> str:
    if task == "frames":
        return ctx.frame_title(label)
    if task.startswith("stance:"):
        return ctx.task_title(task)
    if task == "roles":
        return "Roles (all)" if label == "roles" else f"Role: {label}"
    return f"{task}: {label}"


def _shown(ctx: FigureContext) -> str:
    path = ctx.labels_path.resolve()
    root = ctx.root.resolve()
    return path.relative_to(root).as_posix() if path.is_relative_to(root) else str(ctx.labels_path)


def compute(ctx: FigureContext) -> pd.DataFrame:
    """Alpha per task and label from the context's label store, with a ``display`` name per row.

    Raises
    ------
    MissingInputError
        When the label store is missing or no passage is coded by two coders.
    """
    from stance.labels import LabelStore, reliability_table

    path = ctx.labels_path
    if not path.is_file():
        raise MissingInputError(
            f"{path} does not exist; import two coders' annotations with `stance labels import` first"
        )
    table = reliability_table(LabelStore(path, codebook=ctx.codebook), codebook=ctx.codebook)
    if table.empty:
        raise MissingInputError(
            f"no passage in {path} is coded by two coders; import a second coder's annotations with "
            "`stance labels import` to measure reliability"
        )
    data = table[table["n_units"] > 0].reset_index(drop=True)
    data.attrs = {"coders": list(table.attrs.get("coders", []))}
    data["display"] = [_display(ctx, str(t), str(lbl)) for t, lbl in zip(data["task"], data["label"], strict=True)]
    return data


def headline(data: pd.DataFrame) -> str:
    """How many labels reach alpha 0.8 and 0.667, and the lowest one (ties: the first listed)."""
    ok = data.dropna(subset=["alpha"])
    good = int((ok["alpha"] >= 0.8).sum())
    fair = int(((ok["alpha"] >= 0.667) & (ok["alpha"] < 0.8)).sum())
    title = f"{good} of {len(ok)} labels reach α ≥ 0.8" if good else f"No label reaches α ≥ 0.8 (of {len(ok)})"
    if fair:
        title += f" and {fair} more α ≥ 0.667"
    if len(ok):
        worst = ok.loc[ok["alpha"].idxmin()]
        title += f"; lowest: {worst['display']} (α = {worst['alpha']:.2f})"
    return title


def build(ctx: FigureContext) -> tuple[Figure, pd.DataFrame]:
    """The figure and its numbers."""
    data = compute(ctx)
    coders = data.attrs.get("coders", [])
    colors = {
        d: ctx.frame_colors.get(str(lbl), "#888888") if t == "frames" else "#888888"
        for d, t, lbl in zip(data["display"], data["task"], data["label"], strict=True)
    }
    fig, ax = plotting.new_figure((8.0, 0.36 * len(data) + 1.8))
    plotting.plot_reliability(data, ax=ax, label="display", colors=colors)
    plotting.set_title(fig, headline(data), width=80)
    frames = data["task"] == "frames"
    n_units = int(data.loc[frames, "n_units"].max()) if frames.any() else 0
    who = f" ({' and '.join(coders)})" if coders else ""
    plotting.add_caption(
        fig,
        ctx.caption(
            f"Bar: Krippendorff's alpha (nominal) between two independent coders{who} over {n_units} double-coded "
            "passages; frames coded present/absent, stance as FAVOR/AGAINST/NONE per target, roles per mentioned "
            "actor. Dashed lines: 0.667 (lowest for tentative conclusions) and 0.8 (reliable). n/a: the label never "
            "varies. "
            f"Source: {_shown(ctx)} (annotation records), `stance labels reliability`.",
        ),
        width=110,
    )
    out = data.drop(columns=["display"])
    out.attrs = {}
    return fig, out
