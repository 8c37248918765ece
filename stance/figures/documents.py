"""Per-document views at scale: the documents drawn one by one, the rest pooled by side.

A per-document figure stays readable with hundreds of documents by drawing at most
:data:`MAX_DOCUMENTS` columns, rows or panels. When the corpus has more documents, the
documents with the most analysable passages are drawn one by one and the others pooled.
When the documents carry a ``side`` column with several sides, every side keeps columns
of its own: the slots are shared out between the sides, each side's largest documents are
drawn and the rest of each side is pooled in its own group (``other 188 US documents``),
so a small side is never folded into a large one. With no more documents than the limit,
every document is drawn and nothing changes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from stance.corpus import scored_passages

__all__ = [
    "MAX_DOCUMENTS",
    "REST",
    "DocumentView",
    "document_view",
    "is_pool",
    "pool_label",
    "pool_rest",
    "rest_label",
]

#: Most documents drawn one by one in a per-document figure.
MAX_DOCUMENTS = 10
#: Group name of the pooled documents (a pool of one side is ``other <side>``).
REST = "other"


@dataclass(frozen=True)
class DocumentView:
    """Which documents a per-document figure draws.

    Attributes
    ----------
    shown : list of str
        Document ids drawn one by one (the largest of each side, by analysable passages).
    rest : list of str
        Document ids pooled (empty when every document is shown).
    pools : dict
        Pooled group name to its document ids: ``{"other": rest}`` for a corpus of one side,
        ``{"other US": [...], ...}`` per side otherwise.
    shown_by_side : dict
        Side to the number of its documents drawn one by one (empty for a corpus of one side).
    """

    shown: list[str]
    rest: list[str]
    pools: dict[str, list[str]] = field(default_factory=dict)
    shown_by_side: dict[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.rest and not self.pools:
            object.__setattr__(self, "pools", {REST: list(self.rest)})

    @property
    def pooled(self) -> bool:
        """Whether some documents are pooled."""
        return bool(self.rest)

    @property
    def labels(self) -> dict[str, str]:
        """Pooled group name to its label (``other 188 US documents``)."""
        return {name: pool_label(name, len(ids)) for name, ids in self.pools.items()}

    def group_of(self, doc_ids: pd.Series) -> pd.Series:
        """Each document's group in the view: its own id, or the name of its pool."""
        pool = {d: name for name, ids in self.pools.items() for d in ids}
        return doc_ids.map(lambda d: pool.get(d, d))

    def corpus(self, corpus: Any) -> Any:
        """A corpus-like object whose documents carry a ``view`` column (doc id, or pool name)."""
        docs = corpus.documents
        return _ViewCorpus(documents=docs.assign(view=self.group_of(docs["doc_id"])), passages=corpus.passages)

    def shown_corpus(self, corpus: Any) -> Any:
        """A corpus-like object with only the shown documents."""
        docs = corpus.documents
        return _ViewCorpus(documents=docs[docs["doc_id"].isin(self.shown)], passages=corpus.passages)

    def note(self, what: str = "analysable on-topic passages") -> str:
        """Caption sentence saying which documents are drawn (empty when all are)."""
        if not self.pooled:
            return ""
        pools = ", ".join(f"'{label}'" for label in self.labels.values())
        if not self.shown_by_side:
            return (
                f"The {len(self.shown)} documents with the most {what} are drawn one by one; "
                f"the other {len(self.rest)} are pooled in the last column or row ({pools})."
            )
        counts = ", ".join(f"{n} {side}" for side, n in self.shown_by_side.items())
        return (
            f"The documents with the most {what} of each side are drawn one by one ({counts}); "
            f"the other {len(self.rest)} are pooled by side in the last columns or rows ({pools})."
        )


@dataclass(frozen=True)
class _ViewCorpus:
    documents: pd.DataFrame
    passages: pd.DataFrame


def rest_label(n: int) -> str:
    """Label of the pooled group of a corpus of one side: ``other 187 documents``."""
    return f"{REST} {n} documents"


def pool_label(name: str, n: int) -> str:
    """Label of a pooled group: ``other 187 documents``, or ``other 187 US documents`` for side ``US``."""
    side = name[len(REST) :].strip()
    return f"{REST} {n} {side} documents" if side else rest_label(n)


def is_pool(groups: pd.Series) -> pd.Series:
    """Whether each group name is a pooled group (``other``, ``other <side>``)."""
    names = groups.astype(str)
    return (names == REST) | names.str.startswith(f"{REST} ")


def _sides(docs: pd.DataFrame) -> pd.Series:
    if "side" not in docs.columns:
        return pd.Series("", index=docs.index)
    return docs["side"].fillna("").astype(str).str.strip().replace("", "unknown")


def _slots(sizes: dict[str, int], limit: int) -> dict[str, int]:
    """Documents drawn one by one per side, the pools of the sides that overflow taking one slot each.

    Every side gets the same number of slots, up to its number of documents; a side drawn
    whole costs its documents, a pooled side the documents drawn plus one. Slots left over
    go to the pooled sides, the largest first. A pool of one document is drawn instead.
    """

    def cost(c: int) -> int:
        return sum(n if n <= c + 1 else c + 1 for n in sizes.values())

    c = 0
    while c < max(sizes.values()) and cost(c + 1) <= limit:
        c += 1
    shown = {s: n if n <= c + 1 else c for s, n in sizes.items()}
    spare = limit - cost(c)
    for s in sorted(sizes, key=lambda s: (-sizes[s], s)):
        if shown[s] < sizes[s]:
            extra = min(spare, sizes[s] - 1 - shown[s])
            shown[s] += extra
            spare -= extra
            if shown[s] == sizes[s] - 1:
                shown[s] = sizes[s]
    return shown


def document_view(corpus: Any, limit: int = MAX_DOCUMENTS, weights: pd.Series | None = None) -> DocumentView:
    """The documents to draw one by one: all of them, or the largest of each side and the rest pooled.

    Parameters
    ----------
    corpus : Corpus
    limit : int
        Most columns or rows the figure has (pooled groups included).
    weights : Series, optional
        Size of each document (index doc_id); default: its analysable on-topic passages. Ties
        go to the earlier document id.
    """
    docs = corpus.documents
    ids = docs["doc_id"].astype(str).tolist()
    if len(ids) <= limit:
        return DocumentView(ids, [])
    if weights is None:
        weights = scored_passages(corpus.passages).groupby("doc_id").size()
    size = pd.Series(weights).reindex(ids).fillna(0)
    side_of = dict(zip(ids, _sides(docs), strict=True))
    sides = list(dict.fromkeys(side_of.values()))
    members = {s: sorted((d for d in ids if side_of[d] == s), key=lambda d: (-float(size[d]), d)) for s in sides}
    slots = _slots({s: len(m) for s, m in members.items()}, limit)
    shown = {d for s in sides for d in members[s][: slots[s]]}
    pools = {
        (f"{REST} {s}" if len(sides) > 1 else REST): [d for d in ids if side_of[d] == s and d not in shown]
        for s in sorted(sides)
    }
    pools = {name: pooled for name, pooled in pools.items() if pooled}
    by_side = {s: sum(side_of[d] == s for d in shown) for s in sorted(sides)} if len(sides) > 1 else {}
    return DocumentView([d for d in ids if d in shown], [d for d in ids if d not in shown], pools, by_side)


def pool_rest(per_document: pd.DataFrame, view: DocumentView, rest: pd.DataFrame) -> pd.DataFrame:
    """Rows of the shown documents, then the pooled groups' rows (from an aggregate ``by="view"``).

    Parameters
    ----------
    per_document : DataFrame
        An aggregate by document (``group`` = doc_id).
    view : DocumentView
    rest : DataFrame
        The same aggregate over ``view.corpus(corpus)`` by ``"view"``; its pooled groups' rows
        are kept, labelled :func:`pool_label` and undated (so they sort last).
    """
    if not view.pooled:
        return per_document
    shown = per_document[per_document["group"].isin(view.shown)]
    pooled = rest[rest["group"].isin(list(view.pools))]
    pooled = pooled.assign(group_label=pooled["group"].map(view.labels), date=pd.NaT)
    return pd.concat([shown, pooled], ignore_index=True)
