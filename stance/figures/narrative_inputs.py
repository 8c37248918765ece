"""The narrative tables the actor figures draw, read through the :class:`FigureContext`.

Predicted roles and extracted relations are cached on disk (parsing every passage with
spaCy costs seconds); the key covers the passages, the codebook, the role model the
context points at and the label store the fallback baseline is fitted on.
"""

from __future__ import annotations

import dataclasses
import hashlib
from typing import TYPE_CHECKING, Any

import pandas as pd

from stance import models
from stance.corpus import on_topic_mask
from stance.narrative import cached_table, table_key

if TYPE_CHECKING:  # pragma: no cover
    from stance.figures.context import FigureContext

__all__ = ["NEUTRAL_ROLE", "cast_roles", "on_topic_corpus", "passages", "relations", "role_model", "roles"]

#: Role of an actor mentioned without being cast (codebook v1.1); figures of roles leave it out.
NEUTRAL_ROLE = "none"


def passages(ctx: FigureContext) -> pd.DataFrame:
    """Analysable on-topic passages in document and paragraph order (what the narrative tables are computed from)."""
    frame = ctx.corpus.scored()
    order = [c for c in ("doc_id", "para_index") if c in frame.columns]
    return frame.sort_values(order, kind="stable").reset_index(drop=True)


def on_topic_corpus(ctx: FigureContext) -> Any:
    """The context's corpus with only its on-topic passages (and their sentences): off-topic text is never parsed."""
    corpus = ctx.corpus
    keep = on_topic_mask(corpus.passages)
    if keep.all():
        return corpus
    passages_kept = corpus.passages[keep].reset_index(drop=True)
    sentences = getattr(corpus, "sentences", None)
    if sentences is not None and "passage_id" in sentences.columns:
        sentences = sentences[sentences["passage_id"].isin(set(passages_kept["passage_id"]))].reset_index(drop=True)
    return dataclasses.replace(corpus, passages=passages_kept, sentences=sentences)


def role_model(ctx: FigureContext) -> Any:
    """The promoted role model under ``ctx.models_dir``, else a cue baseline fitted on the context's gold roles.

    Without gold roles in ``ctx.labels_path`` the baseline is fitted on the codebook's
    example passages.
    """
    from stance.narrative import RoleCueBaseline, gold_roles, load_role_model, role_examples

    folder = models.default_folder("roles", ctx.models_dir)
    if folder is not None:
        return load_role_model(folder)
    gold = gold_roles(ctx.labels_path)
    if len(gold):
        ex = role_examples(ctx.corpus, gold)
        if len(ex):
            return RoleCueBaseline().fit(ex["text"], ex["role"])
    examples = ctx.codebook.examples("roles")
    return RoleCueBaseline().fit([t for t, _, _ in examples], [label for _, label, _ in examples])


def _file_hash(path: Any) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else "none"


def roles(ctx: FigureContext) -> pd.DataFrame:
    """Predicted role of every actor mention (:func:`stance.narrative.predict_roles`), cached."""
    from stance.narrative import predict_roles

    folder = models.default_folder("roles", ctx.models_dir)
    extra = {
        "role_model": models.model_hash(folder) if folder is not None else "none",
        "labels": _file_hash(ctx.labels_path),
    }
    key = table_key(passages(ctx), ctx.codebook.hash, extra)
    return cached_table(
        "roles",
        key,
        lambda: predict_roles(on_topic_corpus(ctx), model=role_model(ctx), matcher=ctx.codebook),
        cache_dir=ctx.cache_dir,
    )


def cast_roles(table: pd.DataFrame) -> pd.DataFrame:
    """Rows whose role casts the actor (the neutral :data:`NEUTRAL_ROLE` left out)."""
    return table[table["role"].astype(str) != NEUTRAL_ROLE].reset_index(drop=True)


def relations(ctx: FigureContext) -> pd.DataFrame:
    """Agent-action-patient relations of the corpus (:func:`stance.narrative.extract_relations`), cached."""
    from stance.narrative import extract_relations

    key = table_key(passages(ctx), ctx.codebook.hash)
    return cached_table(
        "relations",
        key,
        lambda: extract_relations(on_topic_corpus(ctx), ctx.codebook),
        cache_dir=ctx.cache_dir,
    )
