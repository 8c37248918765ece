"""``stance-by-document``: diverging FAVOR/AGAINST bars and balance per target and document."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

import pandas as pd

from stance import analysis, plotting
from stance.figures.common import doc_tick, join_words
from stance.figures.documents import document_view, pool_rest

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.figure import Figure

    from stance.figures.context import FigureContext

__all__ = ["DESCRIPTION", "NAME", "build", "compute", "headline", "pooled_balance"]

NAME = "stance-by-document"
DESCRIPTION = (
    "Diverging bars per stance target: FAVOR share right, AGAINST share left, balance with 95% CI "
    "(black diamond) and gold balance (hollow); documents in date order, top to bottom."
)


def compute(ctx: FigureContext) -> pd.DataFrame:
    """Stance balance per document and target (model and gold rows); many documents: the smaller pooled."""
    bal = analysis.stance_balance(
        ctx.scores_and_gold, ctx.corpus, by="document", n_boot=ctx.n_boot, random_state=ctx.random_state
    )
    view = document_view(ctx.corpus)
    if not view.pooled:
        return bal
    rest = analysis.stance_balance(
        ctx.scores_and_gold, view.corpus(ctx.corpus), by="view", n_boot=ctx.n_boot, random_state=ctx.random_state
    )
    return pool_rest(bal, view, rest)


def pooled_balance(data: pd.DataFrame) -> dict[str, float]:
    """Balance over all passages of the model rows per target (groups weighted by passages)."""
    model = data[data["source"] == "model"]
    out: dict[str, float] = {}
    for target, sub in model.groupby("target", sort=False):
        n = sub["n_passages"].to_numpy(float)
        if n.sum() > 0:
            out[str(target)] = float(((sub["favor"] - sub["against"]).to_numpy(float) * n).sum() / n.sum())
    return out


def headline(data: pd.DataFrame, target_titles: Mapping[str, str], targets: Sequence[str] | None = None) -> str:
    """Which targets the passages favour or oppose on balance (beyond five points), or that they are neutral."""
    pooled = pooled_balance(data)
    order = list(targets) if targets is not None else list(pooled)
    values = [(t, pooled[t]) for t in order if t in pooled]
    favour = [f"{target_titles.get(t, t)} ({v * 100:+.0f})" for t, v in values if v > 0.05]
    against = [f"{target_titles.get(t, t)} ({v * 100:+.0f})" for t, v in values if v < -0.05]
    parts = []
    if favour:
        parts.append("favour " + join_words(favour))
    if against:
        parts.append("oppose " + join_words(against))
    if not parts:
        return "Passages are balanced or neutral toward every stance target"
    return "Passages " + " and ".join(parts) + " (balance, points)"


def build(ctx: FigureContext) -> tuple[Figure, pd.DataFrame]:
    """The figure and its numbers."""
    bal = compute(ctx)
    targets = [t for t in ctx.codebook.stance_targets if t in set(bal["target"])]
    model = bal[bal["source"] == "model"]
    groups = plotting.group_order(model)
    labels = dict(zip(model["group"], model["group_label"], strict=False))
    fig, axes = plotting.new_figure(
        (4.0 * len(targets) + 1.8, 0.62 * len(groups) + 2.4), 1, len(targets), grid=True, sharey=True
    )
    for k, t in enumerate(targets):
        ax = axes[0, k]
        plotting.plot_stance_bars(
            bal, t, ax=ax, groups=groups, title=f"Toward: {ctx.target_title(t)}", show_labels=k == 0
        )
        if k == 0:
            ax.set_yticks(range(len(groups)), [doc_tick(labels[g], width=24).replace("\n", " ", 1) for g in groups])
    plotting.set_title(fig, headline(bal, ctx.target_titles, ctx.codebook.stance_targets))
    plotting.add_caption(
        fig,
        ctx.caption(
            "Bars: share of the document's analysable passages the model codes FAVOR (right, blue) or AGAINST (left, "
            "red) toward the target; the rest are NONE. Black diamond: balance = FAVOR share − AGAINST share, with "
            "95% bootstrap CI over passages." + (" " + document_view(ctx.corpus).note()).rstrip(),
            models=[f"stance:{t}" for t in targets],
            extra=ctx.gold_note(),
        ),
        width=150,
    )
    return fig, bal
