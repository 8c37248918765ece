"""Narrative figures: actor x role matrices and the blame/cooperation network.

Each function computes its data, draws it with :mod:`stance.narrative.plotting` and
returns ``(Figure, DataFrame)``; the figures registry (:mod:`stance.figures`) writes the
PNG, SVG and CSV. Registered names:

``actor-roles-by-document``
    Actor x role matrix for each document, documents in date order.
``actor-roles-over-time``
    The same matrix per year.
``actor-network-by-document``
    Directed blame / sanction / reject / help / cooperate network, one panel per document
    plus one for the whole corpus.
``actor-network-over-time``
    The same network per year.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from stance.narrative._cache import cached_table, table_key
from stance.narrative.actors import _passages_frame
from stance.narrative.plotting import plot_relation_network, plot_role_matrix

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.figure import Figure

    from stance.codebook import Codebook
    from stance.corpus import Corpus

__all__ = [
    "NETWORK_ACTIONS",
    "figure_actor_network",
    "figure_actor_roles",
    "network_edges",
]

#: Actions drawn in the network figures (regulation aimed at non-actors has no edge anyway).
NETWORK_ACTIONS: tuple[str, ...] = ("blame", "reject", "sanction", "cooperate", "help", "regulate")
_PERIOD_NAMES = {"Y": "year", "A": "year", "Q": "quarter", "M": "month"}


def _defaults(corpus: Corpus | None, codebook: Codebook | None) -> tuple[Corpus, Codebook]:
    from stance.codebook import Codebook
    from stance.config import project_root
    from stance.corpus import load_corpus

    if corpus is None:
        corpus = load_corpus(project_root() / "seeds")
    if codebook is None:
        codebook = Codebook.load()
    return corpus, codebook


def _cached_roles(corpus: Corpus, codebook: Codebook) -> pd.DataFrame:
    """Predicted roles of the corpus, from the narrative cache when nothing they depend on changed."""
    import hashlib

    from stance.analysis import default_model_dir, model_hash
    from stance.config import project_root
    from stance.narrative.roles import predict_roles

    folder = default_model_dir("roles")
    labels = project_root() / "seeds" / "labels.jsonl"
    extra = {
        "role_model": model_hash(folder) if folder is not None else "none",
        "labels": hashlib.sha256(labels.read_bytes()).hexdigest() if labels.is_file() else "none",
    }
    key = table_key(_passages_frame(corpus), codebook.hash, extra)
    return cached_table("roles", key, lambda: predict_roles(corpus, codebook=codebook))


def figure_actor_roles(
    corpus: Corpus | None = None,
    codebook: Codebook | None = None,
    roles: pd.DataFrame | None = None,
    by: str = "document",
    freq: str = "Y",
) -> tuple[Figure, pd.DataFrame]:
    """Actor x role matrix per document (``by="document"``) or per period (``by="period"``).

    Parameters
    ----------
    corpus : Corpus, optional
        Default: the seed corpus.
    codebook : Codebook, optional
        Default: the project codebook (actor order, display names, roles).
    roles : DataFrame, optional
        Predicted roles (:func:`stance.narrative.predict_roles`); computed if None.
    by : {"document", "period"}
        Grouping.
    freq : str
        Period for ``by="period"`` (``"Y"``, ``"Q"``, ``"M"``).

    Returns
    -------
    (Figure, DataFrame)
        The figure and its data (:func:`stance.narrative.role_matrix`).
    """
    import matplotlib.pyplot as plt

    from stance.narrative.roles import role_matrix

    corpus, codebook = _defaults(corpus, codebook)
    if roles is None:
        roles = _cached_roles(corpus, codebook)
    data = role_matrix(roles, corpus, by=by, freq=freq, role_names=codebook.role_names)
    actors = [a.name for a in codebook.actors if a.name in set(data["actor"])]
    display = {a.name: a.display or a.name for a in codebook.actors}
    n_groups = data["group"].nunique()
    fig, ax = plt.subplots(figsize=(max(6.5, 1.45 * n_groups + 3.2), 0.5 * len(actors) + 2.6))
    what = "document" if by == "document" else _PERIOD_NAMES.get(freq.upper(), f"period ({freq})")
    plot_role_matrix(
        data,
        ax=ax,
        roles=codebook.role_names,
        actors=actors,
        display=display,
        title=f"Actor roles per {what}: passages in which each actor is cast in each role\n"
        "(the model gives every mention a role; coders gave one only where the passage casts the actor)",
    )
    fig.tight_layout()
    return fig, data


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
        the whole corpus last.
    """
    from stance.narrative.relations import relation_counts

    rel = relations[relations["action"].isin(list(actions))].copy()
    docs = getattr(corpus, "documents", None)
    labels: dict[str, str] = {}
    order: list[str] = []
    if by == "document":
        if docs is not None:
            docs = docs.sort_values(["published", "doc_id"], kind="stable")
            order = docs["doc_id"].tolist()
            labels = {
                r.doc_id: f"{r.published:%Y-%m-%d} {r.outlet or ''}".strip() if pd.notna(r.published) else r.doc_id
                for r in docs.itertuples(index=False)
            }
        else:
            order = sorted(rel["doc_id"].unique())
        rel["group"] = rel["doc_id"]
    elif by == "period":
        if docs is None:
            raise ValueError("by='period' needs a Corpus with publication dates")
        dates = dict(zip(docs["doc_id"], docs["published"], strict=True))
        alias = {"Y": "Y", "A": "Y", "Q": "Q", "M": "M"}.get(freq.upper(), freq)
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
    cols = ["group", "group_label", "agent", "action", "patient", "count"]
    out = out[cols].reset_index(drop=True)
    out.attrs["groups"] = [*order, "all"]
    out.attrs["labels"] = {**{g: labels.get(g, g) for g in order}, "all": "all documents"}
    return out


def figure_actor_network(
    corpus: Corpus | None = None,
    codebook: Codebook | None = None,
    relations: pd.DataFrame | None = None,
    by: str = "document",
    freq: str = "Y",
) -> tuple[Figure, pd.DataFrame]:
    """Blame and cooperation network: one panel per document (or period) and one overall.

    Edge widths use one scale across panels, so panels compare.

    Returns
    -------
    (Figure, DataFrame)
        The figure and its edge table (:func:`network_edges`).
    """
    import matplotlib.pyplot as plt
    from matplotlib.lines import Line2D

    from stance.narrative.plotting import ACTION_COLORS
    from stance.narrative.relations import extract_relations

    corpus, codebook = _defaults(corpus, codebook)
    if relations is None:
        key = table_key(_passages_frame(corpus), codebook.hash)
        relations = cached_table("relations", key, lambda: extract_relations(corpus, codebook=codebook))
    edges = network_edges(relations, corpus, by=by, freq=freq)
    groups = edges.attrs["groups"]
    labels = edges.attrs["labels"]
    used = set(edges["agent"]) | set(edges["patient"])
    actors = [a.name for a in codebook.actors if a.name in used or a.name in ("china", "united_states")]
    display = {a.name: a.display or a.name for a in codebook.actors}
    ncols = min(3, len(groups))
    nrows = -(-len(groups) // ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(4.4 * ncols, 4.3 * nrows + 0.6), squeeze=False)
    per_group = edges[edges["group"] != "all"]
    top = float(per_group["count"].max()) if len(per_group) else 1.0
    for k, ax in enumerate(axes.flat):
        if k >= len(groups):
            ax.axis("off")
            continue
        g = groups[k]
        sub = edges[edges["group"] == g]
        n = int(sub["count"].sum())
        plot_relation_network(
            sub,
            ax=ax,
            actors=actors,
            actions=list(NETWORK_ACTIONS),
            display=display,
            title=f"{labels.get(g, g)}  ({n} statements)",
            max_count=top if g != "all" else None,
            legend=False,
        )
    handles = [Line2D([0], [0], color=ACTION_COLORS[a], linewidth=3, label=a) for a in NETWORK_ACTIONS]
    fig.legend(
        handles=handles, loc="upper center", bbox_to_anchor=(0.5, 0.945), ncol=len(handles), frameon=False, fontsize=9
    )
    what = "document" if by == "document" else _PERIOD_NAMES.get(freq.upper(), f"period ({freq})")
    fig.suptitle(
        f"Who blames, sanctions, rejects, helps or cooperates with whom, per {what}\n"
        "arrow: agent to patient; width: number of statements; colour: action",
        fontsize=11,
    )
    fig.tight_layout(rect=(0, 0.04, 1, 0.91))
    return fig, edges


def _register() -> None:
    """Add the narrative figures to the figures registry when it is available."""
    try:
        from stance.figures import register_figure
    except ImportError:  # the registry is optional for the narrative functions
        return
    register_figure("actor-roles-by-document")(lambda **kw: figure_actor_roles(by="document", **kw))
    register_figure("actor-roles-over-time")(lambda **kw: figure_actor_roles(by="period", **kw))
    register_figure("actor-network-by-document")(lambda **kw: figure_actor_network(by="document", **kw))
    register_figure("actor-network-over-time")(lambda **kw: figure_actor_network(by="period", **kw))


_register()
