"""``group-aggregates`` (CSV only): frame shares and stance balance by document, outlet, country, year."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import pandas as pd

from stance import analysis

if TYPE_CHECKING:  # pragma: no cover
    from stance.figures.context import FigureContext

__all__ = ["COLUMNS", "DESCRIPTION", "GROUPINGS", "NAME", "build"]

NAME = "group-aggregates"
DESCRIPTION = (
    "Frame shares and stance balance with 95% CIs by document, outlet, country and year, model and gold side by side."
)
#: Groupings written (documents columns that the corpus lacks are skipped).
GROUPINGS: tuple[str, ...] = ("document", "outlet", "country", "period")
COLUMNS = [
    "by",
    "group",
    "group_label",
    "date",
    "measure",
    "label",
    "source",
    "n_passages",
    "value",
    "value_lo",
    "value_hi",
    "mean_prob",
    "mean_prob_lo",
    "mean_prob_hi",
    "favor",
    "against",
    "none",
]


def aggregates(ctx: FigureContext, groupings: Sequence[str] = GROUPINGS) -> pd.DataFrame:
    """Frame shares and stance balance per grouping in one long table (``by``, ``measure``, ``label``)."""
    rows = []
    for by in groupings:
        fs = analysis.frame_shares(
            ctx.scores_and_gold, ctx.corpus, by=by, n_boot=ctx.n_boot, random_state=ctx.random_state
        )
        fs = fs.rename(columns={"frame": "label", "share": "value", "share_lo": "value_lo", "share_hi": "value_hi"})
        rows.append(fs.assign(by=by, measure="frame share"))
        sb = analysis.stance_balance(
            ctx.scores_and_gold, ctx.corpus, by=by, n_boot=ctx.n_boot, random_state=ctx.random_state
        )
        sb = sb.rename(
            columns={"target": "label", "balance": "value", "balance_lo": "value_lo", "balance_hi": "value_hi"}
        )
        rows.append(sb.assign(by=by, measure="stance balance"))
    out = pd.concat(rows, ignore_index=True)
    return out[[c for c in COLUMNS if c in out.columns]]


def build(ctx: FigureContext) -> pd.DataFrame:
    """The table over :data:`GROUPINGS`."""
    return aggregates(ctx)
