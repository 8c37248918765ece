"""The registry: every figure and table entry, listed explicitly in one tuple.

Each entry is a module of this package with ``compute`` (a tidy DataFrame from the
:class:`~stance.figures.context.FigureContext`), ``headline`` (a pure function from that
DataFrame to the title sentence) and a ``build(ctx)`` that draws with the ``plot_*``
functions of :mod:`stance.plotting` / :mod:`stance.narrative.plotting` and returns
``(Figure, DataFrame)``; table entries return only a DataFrame.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from stance.figures import (
    actor_network,
    actor_roles,
    coder_reliability,
    event_before_after,
    frame_document_heatmap,
    frame_evidence,
    frames_by_side_over_time,
    frames_over_time,
    group_aggregates,
    groups_compared,
    learning_curve,
    model_comparison,
    narrative_arc,
    passage_scores,
    sides_compared,
    stance_by_document,
    stance_by_side_over_time,
    stance_over_time,
)

__all__ = ["ENTRIES", "FigureSpec", "available"]


@dataclass(frozen=True)
class FigureSpec:
    """One registry entry.

    Attributes
    ----------
    name : str
        File stem, named by content (``frame-document-heatmap``).
    func : callable
        ``func(ctx: FigureContext)`` returns ``(Figure, DataFrame)`` (``kind="figure"``) or a
        DataFrame (``kind="table"``).
    description : str
        One-line reading guide (shown by ``stance figures --list`` and in figures/README.md).
    kind : {"figure", "table"}
        Figures write PNG, SVG and CSV; tables write only CSV.
    needs : tuple of str
        What the entry draws, checked before it is built: ``dates`` (change over time),
        ``stance`` (stance targets in the codebook), ``roles`` (narrative roles). An entry whose
        needs the corpus or codebook does not meet is skipped (:class:`NotApplicableError`).
    """

    name: str
    func: Callable[[Any], Any]
    description: str = ""
    kind: str = "figure"
    needs: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.kind not in ("figure", "table"):
            raise ValueError(f"kind must be 'figure' or 'table', not {self.kind!r}")


#: Every entry, in the order ``stance figures`` builds them.
ENTRIES: tuple[FigureSpec, ...] = (
    FigureSpec(frame_document_heatmap.NAME, frame_document_heatmap.build, frame_document_heatmap.DESCRIPTION),
    FigureSpec(frames_over_time.NAME, frames_over_time.build, frames_over_time.DESCRIPTION, needs=("dates",)),
    FigureSpec(stance_by_document.NAME, stance_by_document.build, stance_by_document.DESCRIPTION, needs=("stance",)),
    FigureSpec(stance_over_time.NAME, stance_over_time.build, stance_over_time.DESCRIPTION, needs=("dates", "stance")),
    FigureSpec(narrative_arc.NAME, narrative_arc.build, narrative_arc.DESCRIPTION),
    FigureSpec(
        frames_by_side_over_time.NAME,
        frames_by_side_over_time.build,
        frames_by_side_over_time.DESCRIPTION,
        needs=("dates",),
    ),
    FigureSpec(
        stance_by_side_over_time.NAME,
        stance_by_side_over_time.build,
        stance_by_side_over_time.DESCRIPTION,
        needs=("dates", "stance"),
    ),
    FigureSpec(event_before_after.NAME, event_before_after.build, event_before_after.DESCRIPTION, needs=("dates",)),
    FigureSpec(sides_compared.NAME, sides_compared.build, sides_compared.DESCRIPTION, needs=("dates",)),
    FigureSpec(groups_compared.NAME, groups_compared.build, groups_compared.DESCRIPTION),
    FigureSpec(model_comparison.NAME, model_comparison.build, model_comparison.DESCRIPTION),
    FigureSpec(learning_curve.NAME, learning_curve.build, learning_curve.DESCRIPTION),
    FigureSpec(coder_reliability.NAME, coder_reliability.build, coder_reliability.DESCRIPTION),
    FigureSpec(passage_scores.NAME, passage_scores.build, passage_scores.DESCRIPTION, "table"),
    FigureSpec(frame_evidence.NAME, frame_evidence.build, frame_evidence.DESCRIPTION, "table"),
    FigureSpec(group_aggregates.NAME, group_aggregates.build, group_aggregates.DESCRIPTION, "table"),
    FigureSpec(
        "actor-roles-by-document", actor_roles.build_by_document, actor_roles.DESCRIPTION_BY_DOCUMENT, needs=("roles",)
    ),
    FigureSpec(
        "actor-roles-over-time",
        actor_roles.build_over_time,
        actor_roles.DESCRIPTION_OVER_TIME,
        needs=("dates", "roles"),
    ),
    FigureSpec("actor-network-by-document", actor_network.build_by_document, actor_network.DESCRIPTION_BY_DOCUMENT),
    FigureSpec(
        "actor-network-over-time", actor_network.build_over_time, actor_network.DESCRIPTION_OVER_TIME, needs=("dates",)
    ),
)


def available() -> dict[str, FigureSpec]:
    """Every registry entry by name, in build order (a new dict each call)."""
    return {spec.name: spec for spec in ENTRIES}
