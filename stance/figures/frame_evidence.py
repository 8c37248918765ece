"""``frame-evidence`` (CSV only): the top passages per document x frame with their key sentence."""

from __future__ import annotations

from typing import TYPE_CHECKING

from stance import analysis

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

    from stance.figures.context import FigureContext

__all__ = ["DESCRIPTION", "NAME", "build"]

NAME = "frame-evidence"
DESCRIPTION = (
    "For each document x frame, the three passages with the highest model probability, with their "
    "key sentence: the text behind each heatmap cell."
)


def build(ctx: FigureContext) -> pd.DataFrame:
    """Top three passages per document x frame with their key sentence."""
    ev = analysis.evidence(
        ctx.scores,
        ctx.corpus,
        task="frames",
        top_k=3,
        key_sentences=True,
        models=ctx.models,
        models_dir=ctx.models_dir,
        cache_dir=ctx.cache_dir,
        codebook=ctx.codebook,
    )
    return ev.rename(columns={"label": "frame"})
