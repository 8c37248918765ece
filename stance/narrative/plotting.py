"""Plots of the narrative analysis: actor x role matrices and the blame/cooperation network.

Compute, then draw: each function takes a tidy DataFrame (from
:func:`stance.narrative.role_matrix` or :func:`stance.narrative.relation_counts`) and an
optional Axes, draws on it and returns it. Nothing here saves a file; the figures registry
does. Layouts are fixed (actors on a circle in codebook order), so the same data always
gives the same picture.
"""

from __future__ import annotations

import textwrap
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes

__all__ = [
    "ACTION_COLORS",
    "ROLE_COLORS",
    "circular_layout",
    "plot_relation_network",
    "plot_role_matrix",
]

#: Okabe-Ito colours (colour-blind safe), fixed per action.
ACTION_COLORS: dict[str, str] = {
    "blame": "#D55E00",
    "reject": "#CC79A7",
    "sanction": "#E69F00",
    "cooperate": "#0072B2",
    "help": "#009E73",
    "regulate": "#56B4E9",
    "other": "#999999",
}
#: Fixed colours per role.
ROLE_COLORS: dict[str, str] = {"protagonist": "#009E73", "antagonist": "#D55E00", "innocent": "#0072B2"}


def _ax(ax: Axes | None, figsize: tuple[float, float]) -> Axes:
    if ax is not None:
        return ax
    from matplotlib.figure import Figure

    return Figure(figsize=figsize).subplots()


def plot_role_matrix(
    data: pd.DataFrame,
    ax: Axes | None = None,
    group: str = "group",
    roles: Sequence[str] | None = None,
    actors: Sequence[str] | None = None,
    display: Mapping[str, str] | None = None,
    title: str | None = None,
) -> Axes:
    """Actor x role matrix for each document or period, side by side on one Axes.

    Rows are actors; each group (document or period, in the order given) has one column
    per role. A cell's colour is the role's colour, its strength the share of the actor's
    role assignments in that group that have this role; the number is the count of
    passages.

    Parameters
    ----------
    data : DataFrame
        Long table with columns ``group`` (see ``group``), ``actor``, ``role``, ``count``
        and optionally ``group_label`` (column heading), e.g. from
        :func:`stance.narrative.role_matrix`.
    ax : Axes, optional
        Where to draw; a new figure if None.
    group : str
        Column that names the group.
    roles, actors : sequence of str, optional
        Order of roles and actors (default: order of first appearance).
    display : mapping, optional
        Actor display names.
    title : str, optional
        Axes title.

    Returns
    -------
    Axes
    """
    from matplotlib.colors import to_rgb
    from matplotlib.patches import Rectangle

    roles = list(roles) if roles is not None else list(dict.fromkeys(data["role"]))
    actors = list(actors) if actors is not None else list(dict.fromkeys(data["actor"]))
    groups = list(dict.fromkeys(data[group])) if len(data) else []
    labels = dict(zip(data[group], data["group_label"], strict=True)) if "group_label" in data.columns else {}
    display = dict(display or {})
    ncol = len(groups) * len(roles)
    ax = _ax(ax, (max(6.0, 0.55 * ncol + 2.5), 0.55 * max(len(actors), 1) + 2.2))
    counts = data.groupby([group, "actor", "role"])["count"].sum() if len(data) else pd.Series(dtype=float)
    for gi, g in enumerate(groups):
        for ai, actor in enumerate(actors):
            row = np.array([float(counts.get((g, actor, r), 0.0)) for r in roles])
            total = row.sum()
            for ri, role in enumerate(roles):
                x = gi * len(roles) + ri
                share = row[ri] / total if total else 0.0
                base = np.array(to_rgb(ROLE_COLORS.get(role, "#777777")))
                colour = 1 - share * (1 - base) * 0.9
                ax.add_patch(Rectangle((x, ai), 1, 1, facecolor=colour, edgecolor="white", linewidth=1.0))
                if row[ri]:
                    ax.text(
                        x + 0.5,
                        ai + 0.5,
                        f"{int(row[ri])}",
                        ha="center",
                        va="center",
                        fontsize=8,
                        color="white" if share > 0.55 else "#222222",
                    )
        if gi:
            ax.axvline(gi * len(roles), color="#444444", linewidth=1.2)
    ax.set_xlim(0, max(ncol, 1))
    ax.set_ylim(len(actors), 0)
    ax.set_yticks(np.arange(len(actors)) + 0.5)
    ax.set_yticklabels([display.get(a, a) for a in actors])
    ax.set_xticks(np.arange(ncol) + 0.5)
    ax.set_xticklabels([_short(r) for _ in groups for r in roles], fontsize=7)
    for gi, g in enumerate(groups):
        ax.text(
            gi * len(roles) + len(roles) / 2,
            -0.12,
            textwrap.fill(str(labels.get(g, g)), 16),
            ha="center",
            va="bottom",
            fontsize=8,
        )
    for side in ("top", "right", "left", "bottom"):
        ax.spines[side].set_visible(False)
    ax.tick_params(length=0)
    from matplotlib.patches import Patch

    handles = [Patch(facecolor=ROLE_COLORS.get(r, "#777777"), label=r) for r in roles]
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False, fontsize=8, title="role")
    if title:
        ax.set_title(title, loc="left", fontsize=10, pad=58)
    return ax


def _short(role: str) -> str:
    return {"protagonist": "prot.", "antagonist": "antag.", "innocent": "innoc."}.get(role, role[:6])


def circular_layout(actors: Sequence[str], radius: float = 1.0) -> dict[str, tuple[float, float]]:
    """Fixed positions on a circle, first actor at the top, clockwise.

    Examples
    --------
    >>> pos = circular_layout(["a", "b"])
    >>> [tuple(round(v, 3) + 0.0 for v in pos[k]) for k in "ab"]
    [(0.0, 1.0), (0.0, -1.0)]
    """
    n = max(len(actors), 1)
    out = {}
    for i, a in enumerate(actors):
        angle = np.pi / 2 - 2 * np.pi * i / n
        out[a] = (float(radius * np.cos(angle)), float(radius * np.sin(angle)))
    return out


def plot_relation_network(
    edges: pd.DataFrame,
    ax: Axes | None = None,
    actors: Sequence[str] | None = None,
    actions: Sequence[str] | None = None,
    display: Mapping[str, str] | None = None,
    title: str | None = None,
    max_width: float = 7.0,
    max_count: float | None = None,
    legend: bool = True,
) -> Axes:
    """Directed actor network: who blames, sanctions, helps or cooperates with whom.

    Actors sit on a fixed circle (codebook order); an arrow goes from agent to patient,
    coloured by action (:data:`ACTION_COLORS`), its width proportional to the number of
    statements. Parallel arrows of different actions between the same pair are bent apart.

    Parameters
    ----------
    edges : DataFrame
        Columns ``agent``, ``action``, ``patient``, ``count`` (e.g. one document's rows of
        :func:`stance.narrative.relation_counts`).
    ax : Axes, optional
        Where to draw; a new figure if None.
    actors : sequence of str, optional
        Nodes in layout order (default: actors in the edges, sorted). Actors with no edge
        are drawn faded.
    actions : sequence of str, optional
        Actions to draw (default: all in the data, in :data:`ACTION_COLORS` order).
    display : mapping, optional
        Actor display names.
    title : str, optional
        Axes title.
    max_width : float
        Line width of the most frequent edge.
    max_count : float, optional
        Count drawn at ``max_width`` (default: the largest count here); pass the same
        value to every panel of a small-multiple figure so widths compare.
    legend : bool
        Draw the action legend.

    Returns
    -------
    Axes
    """
    from matplotlib.lines import Line2D
    from matplotlib.patches import Circle, FancyArrowPatch

    display = dict(display or {})
    edges = edges[edges["count"] > 0] if len(edges) else edges
    if actions is None:
        present = set(edges["action"]) if len(edges) else set()
        actions = [a for a in ACTION_COLORS if a in present]
    edges = edges[edges["action"].isin(list(actions))] if len(edges) else edges
    if actors is None:
        actors = sorted(set(edges["agent"]) | set(edges["patient"])) if len(edges) else []
    actors = list(actors)
    ax = _ax(ax, (5.5, 5.0))
    pos = circular_layout(actors)
    active = set(edges["agent"]) | set(edges["patient"]) if len(edges) else set()
    top = float(max_count or (edges["count"].max() if len(edges) else 1.0))
    node_r = 0.17
    for a in actors:
        x, y = pos[a]
        on = a in active
        ax.add_patch(
            Circle(
                (x, y),
                node_r,
                facecolor="#F2F2F2" if on else "#FAFAFA",
                edgecolor="#333333" if on else "#BBBBBB",
                linewidth=1.2,
                zorder=3,
            )
        )
        label = textwrap.fill(display.get(a, a), 14)
        norm = float(np.hypot(x, y)) or 1.0
        lx, ly = x + (node_r + 0.06) * x / norm, y + (node_r + 0.06) * y / norm
        ha = "center" if abs(x) < 0.3 else ("left" if x > 0 else "right")
        va = "center" if abs(y) < 0.3 else ("bottom" if y > 0 else "top")
        ax.text(
            lx,
            ly,
            label,
            ha=ha,
            va=va,
            fontsize=8.5,
            color="#111111" if on else "#AAAAAA",
            zorder=4,
            wrap=True,
        )
    if len(edges):
        ordered = edges.sort_values(["agent", "patient", "action"], key=lambda s: s.map(str))
        pair_actions: dict[tuple[str, str], list[str]] = {}
        for e in ordered.itertuples(index=False):
            pair_actions.setdefault((e.agent, e.patient), []).append(e.action)
        for e in ordered.itertuples(index=False):
            if e.agent not in pos or e.patient not in pos:
                continue
            k = pair_actions[(e.agent, e.patient)].index(e.action)
            rad = 0.12 + 0.14 * k
            width = 0.8 + (max_width - 0.8) * float(e.count) / top
            arrow = FancyArrowPatch(
                pos[e.agent],
                pos[e.patient],
                connectionstyle=f"arc3,rad={rad:.3f}",
                arrowstyle="-|>",
                mutation_scale=9 + 1.6 * width,
                linewidth=width,
                color=ACTION_COLORS.get(e.action, "#999999"),
                alpha=0.85,
                shrinkA=16,
                shrinkB=18,
                zorder=2,
            )
            ax.add_patch(arrow)
    ax.set_xlim(-1.85, 1.85)
    ax.set_ylim(-1.45, 1.45)
    ax.set_aspect("equal")
    ax.axis("off")
    if title:
        ax.set_title(textwrap.fill(title, 42), fontsize=9.5)
    if legend and actions:
        handles = [Line2D([0], [0], color=ACTION_COLORS.get(a, "#999999"), linewidth=3, label=a) for a in actions]
        ax.legend(
            handles=handles,
            loc="lower center",
            bbox_to_anchor=(0.5, -0.12),
            ncol=min(len(handles), 4),
            frameon=False,
            fontsize=8,
        )
    return ax
