"""``passage-scores`` (CSV only): every analysable passage with its scores, gold labels and text."""

from __future__ import annotations

from typing import TYPE_CHECKING

from stance import analysis

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

    from stance.figures.context import FigureContext

__all__ = ["DESCRIPTION", "NAME", "build"]

NAME = "passage-scores"
DESCRIPTION = (
    "Every analysable passage with its frame probabilities, predicted frames and stance, gold labels "
    "and text: every number in the figures is a mean over rows of this table."
)


def build(ctx: FigureContext) -> pd.DataFrame:
    """All passage scores with gold labels and text."""
    return analysis.passage_table(ctx.scores_and_gold, ctx.corpus, ctx.codebook)
