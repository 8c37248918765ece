"""``actor-roles-by-document`` and ``actor-roles-over-time``: actor x role matrices.

Rows are actors, columns roles per document (or per period); the neutral role ``none``
(an actor mentioned without being cast) is left out.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import pandas as pd

from stance.figures.documents import document_view
from stance.figures.narrative_inputs import NEUTRAL_ROLE, cast_roles, roles
from stance.narrative.plotting import plot_role_matrix

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.figure import Figure

    from stance.codebook import Codebook
    from stance.figures.context import FigureContext

__all__ = [
    "DESCRIPTION_BY_DOCUMENT",
    "DESCRIPTION_OVER_TIME",
    "PERIOD_NAMES",
    "build_by_document",
    "build_over_time",
    "compute",
    "draw",
    "headline",
]

DESCRIPTION_BY_DOCUMENT = "Actor x role matrix for each document, documents in date order."
DESCRIPTION_OVER_TIME = "Actor x role matrix per year."
#: Names of period frequencies in titles.
PERIOD_NAMES = {"Y": "year", "A": "year", "Q": "quarter", "M": "month"}


def cast_role_names(codebook: Codebook) -> list[str]:
    """The codebook's roles without the neutral one."""
    return [r for r in codebook.role_names if r != NEUTRAL_ROLE]


def compute(
    ctx: FigureContext, by: str = "document", freq: str = "Y", table: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Actor x role counts per document or period (:func:`stance.narrative.role_matrix`).

    Parameters
    ----------
    ctx : FigureContext
        Corpus, codebook, role model (``ctx.models_dir``) and gold roles (``ctx.labels_path``).
    by : {"document", "period"}
    freq : str
        Period for ``by="period"``.
    table : DataFrame, optional
        Predicted roles (default: :func:`stance.figures.narrative_inputs.roles`).

    With more documents than :data:`~stance.figures.documents.MAX_DOCUMENTS`, the documents
    with the most role assignments (of each side) are kept and the rest pooled in ``other`` groups.
    """
    from stance.narrative import role_matrix

    cast = cast_roles(roles(ctx) if table is None else table)
    names = cast_role_names(ctx.codebook)
    view = document_view(ctx.corpus, weights=cast.groupby("doc_id").size())
    if by != "document" or not view.pooled:
        return role_matrix(cast, ctx.corpus, by=by, freq=freq, role_names=names)
    shown = cast[cast["doc_id"].isin(view.shown)]
    per_doc = role_matrix(shown, view.shown_corpus(ctx.corpus), by="document", role_names=names)
    pools = [
        role_matrix(cast[cast["doc_id"].isin(ids)], None, by="all", role_names=names).assign(
            group=name, group_label=view.labels[name]
        )
        for name, ids in view.pools.items()
    ]
    return pd.concat([per_doc, *(rest[per_doc.columns] for rest in pools)], ignore_index=True)


def headline(by: str, freq: str = "Y") -> str:
    """The title: what one cell counts, per document or period."""
    what = "document" if by == "document" else PERIOD_NAMES.get(freq.upper(), f"period ({freq})")
    return (
        f"Actor roles per {what}: passages in which each actor is cast in each role\n"
        "(the model gives every mention a role; coders gave one only where the passage casts the actor)"
    )


def draw(data: pd.DataFrame, codebook: Codebook, title: str, roles_shown: Sequence[str]) -> Figure:
    """The matrix on a new figure sized by the number of groups and actors."""
    from matplotlib.figure import Figure

    actors = [a.name for a in codebook.actors if a.name in set(data["actor"])]
    display = {a.name: a.display or a.name for a in codebook.actors}
    n_groups = data["group"].nunique()
    fig = Figure(figsize=(max(6.5, 1.45 * n_groups + 3.2), 0.5 * len(actors) + 2.6))
    ax = fig.subplots()
    plot_role_matrix(data, ax=ax, roles=list(roles_shown), actors=actors, display=display, title=title)
    fig.tight_layout()
    return fig


def _build(ctx: FigureContext, by: str, freq: str = "Y") -> tuple[Figure, pd.DataFrame]:
    data = compute(ctx, by=by, freq=freq)
    return draw(data, ctx.codebook, headline(by, freq), cast_role_names(ctx.codebook)), data


def build_by_document(ctx: FigureContext) -> tuple[Figure, pd.DataFrame]:
    """The per-document matrix and its numbers."""
    return _build(ctx, "document")


def build_over_time(ctx: FigureContext) -> tuple[Figure, pd.DataFrame]:
    """The per-year matrix and its numbers."""
    return _build(ctx, "period", "Y")
