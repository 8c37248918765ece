"""``coder-reliability``: Krippendorff's alpha per label between two independent coders."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from stance import plotting
from stance.errors import StanceInputError
from stance.figures.context import MissingInputError, NotApplicableError
from stance.paths import read_project_settings

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


N_BOOT = 200


def comparisons(ctx: FigureContext) -> list[dict]:
    """The coder comparisons drawn, from ``[stance.reliability] comparisons`` in ``stance.toml``.

    Each entry has ``name``, ``coders`` (``"a,b"``; ``a+b`` reads two annotators as one coder) and an
    optional ``round``. A label measured by several comparisons is drawn from the last one (a later
    re-code round supersedes an earlier one). Without the setting: the store's default coder pair.
    """
    settings = read_project_settings(ctx.root).get("reliability") or {}
    return [dict(c) for c in settings.get("comparisons") or []] or [{"name": "", "coders": None}]


def _comparison(store: object, ctx: FigureContext, comp: dict, n_boot: int) -> pd.DataFrame | None:
    from stance.labels import reliability_table

    coders = str(comp["coders"]).split(",") if comp.get("coders") else None
    try:
        table = reliability_table(
            store, codebook=ctx.codebook, coders=coders, round=comp.get("round"), intervals=True, n_boot=n_boot
        )
    except StanceInputError:
        return None  # a comparison whose coders this store does not hold
    table = table[table["n_units"] > 0] if not table.empty else table
    if table.empty:
        return None
    return table.assign(comparison=comp.get("name") or " vs ".join(table.attrs["coders"]))


def _comparisons_table(store: object, ctx: FigureContext) -> pd.DataFrame:
    """One row per label, the last listed comparison that measured it winning; else the default pair."""
    n_boot = min(int(getattr(ctx, "n_boot", N_BOOT) or N_BOOT), N_BOOT)
    parts = [t for t in (_comparison(store, ctx, c, n_boot) for c in comparisons(ctx)) if t is not None]
    if not parts:
        default = _comparison(store, ctx, {"name": "", "coders": None}, n_boot)
        parts = [default] if default is not None else []
    if not parts:
        return pd.DataFrame()
    out = pd.concat(parts, ignore_index=True).drop_duplicates(["task", "label"], keep="last")
    order = {t: i for i, t in enumerate(dict.fromkeys(parts[0]["task"]))}
    out = out.sort_values("task", key=lambda col: col.map(order), kind="stable").reset_index(drop=True)
    out.attrs["coders"] = list(dict.fromkeys(out["comparison"]))
    return out


def compute(ctx: FigureContext) -> pd.DataFrame:
    """Alpha per task and label from the context's label store, with a ``display`` name per row.

    Raises
    ------
    MissingInputError
        When the label store is missing (:class:`NotApplicableError` when no passage is coded by two coders).
    """
    from stance.labels import LabelStore

    path = ctx.labels_path
    if not path.is_file():
        raise MissingInputError(
            f"{path} does not exist; import two coders' annotations with `stance labels import` first"
        )
    store = LabelStore(path, codebook=ctx.codebook)
    table = _comparisons_table(store, ctx)
    if table.empty:
        raise NotApplicableError(
            f"not drawn: no passage in {path} is coded by two coders; import a second coder's annotations with "
            "`stance label import` to measure reliability"
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
    who = f" ({'; '.join(coders)})" if coders else ""
    plotting.add_caption(
        fig,
        ctx.caption(
            f"Bar: Krippendorff's alpha (nominal) between independent codings{who} over {n_units} double-coded "
            "passages; frames coded present/absent, stance as FAVOR/AGAINST/NONE per target, roles per mentioned "
            "actor. The CSV gives 95% intervals from a bootstrap over passages. Dashed lines: 0.667 (lowest for "
            "tentative conclusions) and 0.8 (reliable). n/a: the label never varies. "
            f"Source: {_shown(ctx)} (annotation records), `stance label reliability --intervals`.",
        ),
        width=110,
    )
    out = data.drop(columns=["display"])
    out.attrs = {}
    return fig, out
