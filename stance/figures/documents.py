"""Per-document views at scale: the documents drawn one by one, the rest pooled.

A per-document figure stays readable with hundreds of documents by drawing the
:data:`MAX_DOCUMENTS` documents with the most analysable passages (in date order) and
pooling every other document into one ``other`` column, row or panel. With no more
documents than that, every document is drawn and nothing changes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd

__all__ = ["MAX_DOCUMENTS", "REST", "DocumentView", "document_view", "rest_label"]

#: Most documents drawn one by one in a per-document figure.
MAX_DOCUMENTS = 10
#: Group name of the pooled documents.
REST = "other"


@dataclass(frozen=True)
class DocumentView:
    """Which documents a per-document figure draws.

    Attributes
    ----------
    shown : list of str
        Document ids drawn one by one (the largest, by analysable passages).
    rest : list of str
        Document ids pooled into the ``other`` group (empty when every document is shown).
    """

    shown: list[str]
    rest: list[str]

    @property
    def pooled(self) -> bool:
        """Whether some documents are pooled."""
        return bool(self.rest)

    def corpus(self, corpus: Any) -> Any:
        """A corpus-like object whose documents carry a ``view`` column (doc id, or ``other``)."""
        docs = corpus.documents
        view = docs["doc_id"].where(docs["doc_id"].isin(self.shown), REST)
        return _ViewCorpus(documents=docs.assign(view=view), passages=corpus.passages)

    def shown_corpus(self, corpus: Any) -> Any:
        """A corpus-like object with only the shown documents."""
        docs = corpus.documents
        return _ViewCorpus(documents=docs[docs["doc_id"].isin(self.shown)], passages=corpus.passages)

    def note(self) -> str:
        """Caption sentence saying which documents are drawn (empty when all are)."""
        if not self.pooled:
            return ""
        return (
            f"The {len(self.shown)} documents with the most analysable on-topic passages are drawn one by one; "
            f"the other {len(self.rest)} are pooled in the last column or row ('{rest_label(len(self.rest))}')."
        )


@dataclass(frozen=True)
class _ViewCorpus:
    documents: pd.DataFrame
    passages: pd.DataFrame


def rest_label(n: int) -> str:
    """Label of the pooled group: ``other 187 documents``."""
    return f"{REST} {n} documents"


def document_view(corpus: Any, limit: int = MAX_DOCUMENTS, weights: pd.Series | None = None) -> DocumentView:
    """The documents to draw one by one: all of them, or the ``limit`` - 1 largest and the rest pooled.

    Parameters
    ----------
    corpus : Corpus
    limit : int
        Most columns or rows the figure has (pooled group included).
    weights : Series, optional
        Size of each document (index doc_id); default: its analysable on-topic passages. Ties
        go to the earlier document id.
    """
    ids = corpus.documents["doc_id"].astype(str).tolist()
    if len(ids) <= limit:
        return DocumentView(ids, [])
    if weights is None:
        passages = corpus.passages
        kept = passages["analysable"].astype(bool)
        if "on_topic" in passages.columns:
            kept &= passages["on_topic"].fillna(True).astype(bool)
        weights = passages[kept].groupby("doc_id").size()
    size = pd.Series(weights).reindex(ids).fillna(0)
    ranked = sorted(ids, key=lambda d: (-float(size[d]), d))
    shown = set(ranked[: limit - 1])
    return DocumentView([d for d in ids if d in shown], [d for d in ids if d not in shown])


def pool_rest(per_document: pd.DataFrame, view: DocumentView, rest: pd.DataFrame) -> pd.DataFrame:
    """Rows of the shown documents, then the pooled group's rows (from an aggregate ``by="view"``).

    Parameters
    ----------
    per_document : DataFrame
        An aggregate by document (``group`` = doc_id).
    view : DocumentView
    rest : DataFrame
        The same aggregate over ``view.corpus(corpus)`` by ``"view"``; its ``other`` rows are kept,
        labelled :func:`rest_label` and undated (so they sort last).
    """
    if not view.pooled:
        return per_document
    shown = per_document[per_document["group"].isin(view.shown)]
    pooled = rest[rest["group"] == REST].assign(group_label=rest_label(len(view.rest)), date=pd.NaT)
    return pd.concat([shown, pooled], ignore_index=True)
