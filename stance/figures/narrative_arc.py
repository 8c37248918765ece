"""``narrative-arc``: each document's paragraphs in reading order, coloured by dominant frame."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

import pandas as pd

from stance import analysis, plotting
from stance.figures.common import doc_tick
from stance.figures.documents import MAX_DOCUMENTS, document_view

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.figure import Figure

    from stance.figures.context import FigureContext

__all__ = ["DESCRIPTION", "MAX_WIDTH", "NAME", "build", "compute", "headline"]

NAME = "narrative-arc"
#: Widest figure (inches); longer documents get narrower cells.
MAX_WIDTH = 18.0
DESCRIPTION = (
    "Each document as a row of paragraphs in reading order, coloured by dominant frame (lower strip: "
    "second frame); shows how each text is built."
)


def compute(ctx: FigureContext) -> pd.DataFrame:
    """Every passage of every document in reading order with its dominant frame."""
    return analysis.narrative_arc(ctx.scores, ctx.corpus)


def _most_common(values: pd.Series) -> tuple[str, int]:
    """The most frequent value (ties: alphabetical first) and its count."""
    counts = values.value_counts().sort_index().sort_values(ascending=False, kind="stable")
    return str(counts.index[0]), int(counts.iloc[0])


def headline(data: pd.DataFrame, frame_titles: Mapping[str, str]) -> str:
    """How many documents open and close on the same frame (when at least two do)."""
    n = data["doc_id"].nunique()
    title = "Dominant frame of each paragraph, in reading order"
    framed = data[data["analysable"] & (data["dominant"] != "")]
    if framed.empty:
        return title + " (the model codes no frame)"
    parts = []
    opening, n_open = _most_common(framed.groupby("doc_id")["dominant"].first())
    closing, n_close = _most_common(framed.groupby("doc_id")["dominant"].last())
    if n_open >= 2:
        parts.append(f"{n_open} of {n} documents open on {frame_titles.get(opening, opening).lower()}")
    if n_close >= 2:
        parts.append(f"{n_close} of {n} close on {frame_titles.get(closing, closing).lower()}")
    if parts:
        title = " and ".join(parts) + ": " + title[0].lower() + title[1:]
    return title


def build(ctx: FigureContext) -> tuple[Figure, pd.DataFrame]:
    """The figure and its numbers."""
    arc = compute(ctx)
    view = document_view(ctx.corpus, limit=MAX_DOCUMENTS + 1)
    drawn = arc[arc["doc_id"].isin(view.shown)] if view.pooled else arc
    docs = plotting.group_order(drawn.rename(columns={"doc_id": "group"}))
    width = int(drawn["position"].max())
    fig, ax = plotting.new_figure((min(max(9.0, 0.36 * width + 3.4), MAX_WIDTH), 0.62 * len(docs) + 2.6))
    plotting.plot_narrative_arc(
        drawn,
        ax=ax,
        frames=ctx.codebook.frame_names,
        colors=ctx.frame_colors,
        frame_titles=ctx.frame_titles,
        documents=docs,
    )
    labels = dict(zip(arc["doc_id"], arc["group_label"], strict=False))
    ax.set_yticks(range(len(docs)), [doc_tick(labels[d], width=24).replace("\n", " ", 1) for d in docs])
    plotting.set_title(fig, headline(arc, ctx.frame_titles))
    plotting.add_caption(
        fig,
        ctx.caption(
            "Cell: one paragraph; colour: the frame the model codes with the highest probability (lower strip: the "
            "second coded frame); grey: no frame coded; hatched: not analysed (off topic, or headline, dateline, "
            "caption or other boilerplate). Open on / close on: the first and last paragraph with a coded frame."
            + (
                f" Rows: the {len(view.shown)} documents with the most analysable on-topic passages"
                f"{' of each side' if len(view.pools) > 1 else ''}, of {arc['doc_id'].nunique()} (the CSV and "
                "the title count every document)."
                if view.pooled
                else ""
            ),
            models=["frames"],
        ),
        width=140,
    )
    return fig, arc
