"""``frame-document-heatmap``: frame x document share of passages, with CI and gold."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

import pandas as pd

from stance import analysis, plotting
from stance.figures.common import date_names, doc_tick, join_words
from stance.figures.documents import REST, document_view, is_pool, pool_rest

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from stance.figures.context import FigureContext

__all__ = ["DESCRIPTION", "NAME", "build", "compute", "headline", "plot_frame_document_heatmap"]

NAME = "frame-document-heatmap"
DESCRIPTION = (
    "Frame x document: share of each document's passages with the frame (95% CI below, gold beside); "
    "documents in date order."
)


def evidence_ids(ctx: FigureContext, k: int = 3) -> pd.DataFrame:
    """The ``k`` passages with the highest probability per document x coded frame, space-joined."""
    ev = analysis.evidence(ctx.scores, ctx.corpus, task="frames", top_k=k)
    ev = ev[ev["pred"]]
    ids = ev.groupby(["doc_id", "label"])["passage_id"].agg(" ".join).rename("top_passages").reset_index()
    return ids.rename(columns={"doc_id": "group", "label": "frame"})


def compute(ctx: FigureContext) -> pd.DataFrame:
    """Frame shares per document (model and gold rows) with the passages behind each model cell.

    With more than :data:`~stance.figures.documents.MAX_DOCUMENTS` documents, the largest are
    kept and the rest pooled in one ``other`` group.
    """
    shares = analysis.frame_shares(
        ctx.scores_and_gold, ctx.corpus, by="document", n_boot=ctx.n_boot, random_state=ctx.random_state
    )
    view = document_view(ctx.corpus)
    if view.pooled:
        rest = analysis.frame_shares(
            ctx.scores_and_gold, view.corpus(ctx.corpus), by="view", n_boot=ctx.n_boot, random_state=ctx.random_state
        )
        shares = pool_rest(shares, view, rest)
    data = shares.merge(evidence_ids(ctx), on=["group", "frame"], how="left")
    data.loc[data["source"] != "model", "top_passages"] = ""
    data["top_passages"] = data["top_passages"].fillna("")
    return data


def headline(data: pd.DataFrame, frames: Sequence[str], frame_titles: Mapping[str, str]) -> str:
    """'Cooperation leads the 2017, 2022 and Dec 2024 texts; Blame leads the May 2025 text'.

    Ties between frames go to the frame first in ``frames`` (codebook order); a document
    whose top share is zero is led by "No frame"; the pooled ``other`` groups are not named.
    """
    model = data[(data["source"] == "model") & ~is_pool(data["group"])].sort_values(["date", "group"], kind="stable")
    if model.empty:
        return "Frame shares per document"
    order = {f: i for i, f in enumerate(frames)}
    names = date_names(model.drop_duplicates("group")["date"].tolist())
    runs: list[tuple[str, list[str]]] = []
    for _, sub in model.groupby(["date", "group"], sort=False):
        sub = sub.assign(_o=sub["frame"].map(order)).sort_values(["share", "_o"], ascending=[False, True])
        top = sub.iloc[0]
        label = frame_titles.get(top["frame"], top["frame"]) if top["share"] > 0 else "No frame"
        when = names.get(pd.Timestamp(top["date"]), "undated") if pd.notna(top["date"]) else "undated"
        if runs and runs[-1][0] == label:
            runs[-1][1].append(when)
        else:
            runs.append((label, [when]))
    if len(runs) == 1:
        return f"{runs[0][0]} is the most frequent frame in every document"
    parts = [f"{label} leads the {join_words(dates)} text{'s' if len(dates) > 1 else ''}" for label, dates in runs]
    return "Most frequent frame: " + "; ".join(parts)


def plot_frame_document_heatmap(
    data: pd.DataFrame,
    ax: Axes | None = None,
    *,
    frames: Sequence[str] | None = None,
    colors: Mapping[str, str] | None = None,
    frame_titles: Mapping[str, str] | None = None,
) -> Axes:
    """The heatmap with one column per document (date, outlet and passage count as tick label)."""
    model = data[data["source"] == "model"]
    groups = plotting.group_order(model)
    frames = list(frames) if frames is not None else list(dict.fromkeys(model["frame"]))
    ax = plotting.plot_frame_heatmap(
        data, ax=ax, frames=frames, groups=groups, colors=colors, frame_titles=frame_titles
    )
    n = model.groupby("group")["n_passages"].max()
    labels = dict(zip(model["group"], model["group_label"], strict=False))
    ax.set_xticks(range(len(groups)), [doc_tick(labels[g], int(n[g])) for g in groups])
    return ax


def _pool_note(data: pd.DataFrame) -> str:
    pools = data.loc[is_pool(data["group"]), ["group", "group_label"]].drop_duplicates("group")
    if pools.empty:
        return ""
    which = "the largest documents" + (" of each side" if (pools["group"] != REST).any() else "")
    last = "the last column pools" if len(pools) == 1 else "the last columns pool"
    labels = join_words([f"the {label}" for label in pools["group_label"]])
    return f" Columns: {which} by analysable on-topic passages; {last} {labels}."


def build(ctx: FigureContext) -> tuple[Figure, pd.DataFrame]:
    """The figure and its numbers."""
    data = compute(ctx)
    model = data[data["source"] == "model"]
    frames = [f for f in ctx.codebook.frame_names if f in set(model["frame"])]
    n_groups = model["group"].nunique()
    fig, ax = plotting.new_figure((1.75 * n_groups + 2.6, 0.78 * len(frames) + 2.2))
    plot_frame_document_heatmap(data, ax=ax, frames=frames, colors=ctx.frame_colors, frame_titles=ctx.frame_titles)
    plotting.set_title(fig, headline(data, ctx.codebook.frame_names, ctx.frame_titles))
    plotting.add_caption(
        fig,
        ctx.caption(
            "Cell: share of the document's analysable passages that the model codes with the frame (bold), 95% "
            "bootstrap CI over passages (below) and the gold share where passages carry gold labels; colour "
            "strength follows the model share. n = analysable passages." + _pool_note(data),
            models=["frames"],
            extra=ctx.gold_note(),
        ),
        width=130,
    )
    return fig, data
