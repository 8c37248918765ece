"""``actor-network-by-document`` and ``actor-network-over-time``: who blames or cooperates with whom."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import pandas as pd

from stance.figures.actor_roles import PERIOD_NAMES
from stance.figures.documents import document_view, is_pool
from stance.figures.narrative_inputs import relations
from stance.narrative.plotting import ACTION_COLORS, plot_relation_network

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.figure import Figure

    from stance.codebook import Codebook
    from stance.corpus import Corpus
    from stance.figures.context import FigureContext

__all__ = [
    "DESCRIPTION_BY_DOCUMENT",
    "DESCRIPTION_OVER_TIME",
    "NETWORK_ACTIONS",
    "build_by_document",
    "build_over_time",
    "draw",
    "headline",
    "network_edges",
]

DESCRIPTION_BY_DOCUMENT = (
    "Directed blame / sanction / reject / help / cooperate network, one panel per document plus one for the "
    "whole corpus."
)
DESCRIPTION_OVER_TIME = "The same network per year."
#: Actions drawn in the network figures (regulation aimed at non-actors has no edge anyway).
NETWORK_ACTIONS: tuple[str, ...] = ("blame", "reject", "sanction", "cooperate", "help", "regulate")
_FREQ = {"Y": "Y", "A": "Y", "Q": "Q", "M": "M"}


def _document_groups(rel: pd.DataFrame, docs: pd.DataFrame | None) -> tuple[list[str], dict[str, str]]:
    if docs is None:
        return sorted(rel["doc_id"].unique()), {}
    docs = docs.sort_values(["published", "doc_id"], kind="stable")
    labels = {
        r.doc_id: f"{r.published:%Y-%m-%d} {r.outlet or ''}".strip() if pd.notna(r.published) else r.doc_id
        for r in docs.itertuples(index=False)
    }
    return docs["doc_id"].tolist(), labels


def network_edges(
    relations: pd.DataFrame,
    corpus: Corpus | None = None,
    by: str = "document",
    freq: str = "Y",
    actions: tuple[str, ...] = NETWORK_ACTIONS,
) -> pd.DataFrame:
    """Actor-to-actor edge counts per document or period, plus an ``all`` group.

    Returns
    -------
    DataFrame
        Columns: group, group_label, agent, action, patient, count. Groups in date order,
        the whole corpus last; ``attrs["groups"]`` and ``attrs["labels"]`` give the order and
        panel names.
    """
    from stance.narrative import relation_counts

    rel = relations[relations["action"].isin(list(actions))].copy()
    docs = getattr(corpus, "documents", None)
    labels: dict[str, str] = {}
    if by == "document":
        order, labels = _document_groups(rel, docs)
        rel["group"] = rel["doc_id"]
    elif by == "period":
        if docs is None:
            raise ValueError("by='period' needs a Corpus with publication dates")
        dates = dict(zip(docs["doc_id"], docs["published"], strict=True))
        alias = _FREQ.get(freq.upper(), freq)
        rel["group"] = rel["doc_id"].map(dates).dt.to_period(alias).astype(str)
        order = sorted(pd.Series(list(dates.values())).dt.to_period(alias).astype(str).unique())
    else:
        raise ValueError(f"by must be 'document' or 'period', not {by!r}")
    per = relation_counts(rel, by="group")
    whole = relation_counts(rel, by=None).assign(group="all")
    out = pd.concat([per, whole[per.columns]], ignore_index=True)
    rank = {g: i for i, g in enumerate([*order, "all"])}
    out["group_label"] = out["group"].map(lambda g: labels.get(g, g) if g != "all" else "all documents")
    out = out.sort_values(
        ["group", "agent", "action", "patient"], key=lambda s: s.map(rank) if s.name == "group" else s
    )
    out = out[["group", "group_label", "agent", "action", "patient", "count"]].reset_index(drop=True)
    out.attrs["groups"] = [*order, "all"]
    out.attrs["labels"] = {**{g: labels.get(g, g) for g in order}, "all": "all documents"}
    return out


#: Most per-document panels (the pooled panel included; the whole-corpus panel comes on top).
MAX_PANELS = 6


def compute(ctx: FigureContext, by: str = "document", freq: str = "Y") -> pd.DataFrame:
    """Edge counts of the context's corpus (:func:`network_edges`).

    By document with more than :data:`MAX_PANELS` documents, the documents with the most
    statements (of each side) get a panel each and the rest share an ``other`` panel per side.
    """
    rel = relations(ctx)
    kept = rel[rel["action"].isin(list(NETWORK_ACTIONS))]
    view = document_view(ctx.corpus, limit=MAX_PANELS, weights=kept.groupby("doc_id").size())
    if by != "document" or not view.pooled:
        return network_edges(rel, ctx.corpus, by=by, freq=freq)
    pooled = rel.assign(doc_id=view.group_of(rel["doc_id"]))
    edges = network_edges(pooled, view.shown_corpus(ctx.corpus), by="document")
    groups = [g for g in edges.attrs["groups"] if g != "all" and g not in view.pools]
    edges.attrs["groups"] = [*groups, *view.pools, "all"]
    edges.attrs["labels"] = {**edges.attrs["labels"], **view.labels}
    rank = {g: i for i, g in enumerate(edges.attrs["groups"])}
    edges["group_label"] = edges["group"].map(lambda g: edges.attrs["labels"].get(g, g))
    order = edges["group"].map(rank)
    return edges.assign(_r=order).sort_values("_r", kind="stable").drop(columns="_r").reset_index(drop=True)


def headline(by: str, freq: str = "Y") -> str:
    """The title: what an arrow means, per document or period."""
    what = "document" if by == "document" else PERIOD_NAMES.get(freq.upper(), f"period ({freq})")
    return (
        f"Who blames, sanctions, rejects, helps or cooperates with whom, per {what}\n"
        "arrow: agent to patient; width: number of statements; colour: action"
    )


def draw(edges: pd.DataFrame, codebook: Codebook, title: str, actions: Sequence[str] = NETWORK_ACTIONS) -> Figure:
    """One network panel per group (one edge-width scale across the per-group panels) and a legend."""
    from matplotlib.figure import Figure
    from matplotlib.lines import Line2D

    groups = edges.attrs["groups"]
    labels = edges.attrs["labels"]
    used = set(edges["agent"]) | set(edges["patient"])
    actors = [a.name for a in codebook.actors if a.name in used or a.name in ("china", "united_states")]
    display = {a.name: a.display or a.name for a in codebook.actors}
    ncols = min(3, len(groups))
    nrows = -(-len(groups) // ncols)
    fig = Figure(figsize=(4.4 * ncols, 4.3 * nrows + 0.6))
    axes = fig.subplots(nrows, ncols, squeeze=False)
    whole = (edges["group"] == "all") | is_pool(edges["group"])
    per_group = edges[~whole]
    top = float(per_group["count"].max()) if len(per_group) else 1.0
    for k, ax in enumerate(axes.flat):
        if k >= len(groups):
            ax.axis("off")
            continue
        g = groups[k]
        sub = edges[edges["group"] == g]
        plot_relation_network(
            sub,
            ax=ax,
            actors=actors,
            actions=list(actions),
            display=display,
            title=f"{labels.get(g, g)}  ({int(sub['count'].sum())} statements)",
            max_count=top if g != "all" and not is_pool(pd.Series([g])).iloc[0] else None,
            legend=False,
        )
    handles = [Line2D([0], [0], color=ACTION_COLORS[a], linewidth=3, label=a) for a in actions]
    fig.legend(
        handles=handles, loc="upper center", bbox_to_anchor=(0.5, 0.945), ncol=len(handles), frameon=False, fontsize=9
    )
    fig.suptitle(title, fontsize=11)
    fig.tight_layout(rect=(0, 0.04, 1, 0.91))
    return fig


def _build(ctx: FigureContext, by: str, freq: str = "Y") -> tuple[Figure, pd.DataFrame]:
    edges = compute(ctx, by=by, freq=freq)
    return draw(edges, ctx.codebook, headline(by, freq)), edges


def build_by_document(ctx: FigureContext) -> tuple[Figure, pd.DataFrame]:
    """The per-document network and its edge table."""
    return _build(ctx, "document")


def build_over_time(ctx: FigureContext) -> tuple[Figure, pd.DataFrame]:
    """The per-year network and its edge table."""
    return _build(ctx, "period", "Y")
