"""On-topic passages: which passages of a corpus are about the codebook's subject.

The topic is data, kept in the codebook under ``topic`` (``terms`` and ``rules``). A passage
is on topic when

- it contains one of the terms (reason ``term:<term>``);
- it belongs to a question-and-answer exchange of a transcript in which some turn contains a
  term (reason ``exchange``): a question, and the answers that follow it until the next
  question, are one exchange, so an answer about "it" stays with the question it answers;
- it is an analysable passage of a document that is not a transcript and whose title
  contains a term, or whose analysable passages contain a term in at least
  ``document_share`` of cases (reason ``document``): a news article or fact sheet about the
  subject is on topic as a whole.

Everything else is off topic (reason ``off_topic``); boilerplate is never on topic. Without a
topic in the codebook every analysable passage is on topic (reason ``no_topic_rule``).
Text is never removed: off-topic passages stay in the passage table and leave the analysis
with their reason.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import pandas as pd

__all__ = ["TopicRule", "mark_on_topic"]


@dataclass(frozen=True)
class TopicRule:
    """The topic definition of a codebook.

    Parameters
    ----------
    name : str
        Short name of the topic.
    terms : tuple of str
        Phrases matched case-insensitively at a word start (``"counternarcotic"`` matches
        ``counternarcotics``); a term in capitals (``"DEA"``) is an acronym and matches only
        as a whole word, in capitals.
    exchange : bool
        Whether question-and-answer exchanges are on topic as a whole.
    document_share : float
        Share of a non-transcript document's analysable passages that must contain a term
        for the whole document to be on topic (a title match is enough on its own).
    """

    name: str = "topic"
    terms: tuple[str, ...] = ()
    exchange: bool = True
    document_share: float = 0.3
    _pattern: re.Pattern | None = field(default=None, compare=False, repr=False)

    @classmethod
    def from_codebook(cls, codebook: object) -> TopicRule | None:
        """The codebook's ``topic`` section as a rule, or ``None`` when it has none."""
        data = getattr(codebook, "data", codebook) or {}
        topic = data.get("topic") if isinstance(data, dict) else None
        if not topic:
            return None
        rules = topic.get("rules") or {}
        return cls(
            name=str(topic.get("name", "topic")),
            terms=tuple(str(t) for t in topic.get("terms") or ()),
            exchange=bool(rules.get("exchange", True)),
            document_share=float(rules.get("document_share", 0.3)),
        )

    def match(self, text: str) -> str:
        """The first term found in ``text`` (lower-cased), or ``""``."""
        if not self.terms:
            return ""
        pattern = self._pattern
        if pattern is None:
            pattern = _compile(self.terms)
            object.__setattr__(self, "_pattern", pattern)
        found = pattern.search(text)
        return found.group(0).lower() if found else ""


def _compile(terms: tuple[str, ...]) -> re.Pattern:
    """Stems match case-insensitively at a word start; ALL-CAPS terms (acronyms) match whole words, as written."""
    stems = [re.escape(t.lower()) for t in sorted(terms, key=len, reverse=True) if not t.isupper()]
    acronyms = [re.escape(t) for t in terms if t.isupper()]
    parts = []
    if stems:
        parts.append(rf"(?i:(?<![\w-])(?:{'|'.join(stems)}))")
    if acronyms:
        parts.append(rf"(?<![\w-])(?:{'|'.join(acronyms)})(?![\w-])")
    return re.compile("|".join(parts))


def _exchanges(doc: pd.DataFrame) -> list[int]:
    """Exchange number of each passage of one transcript (-1 before the first question)."""
    out, current = [], -1
    for role in doc["speaker_role"]:
        if role == "journalist":
            current += 1
        out.append(current)
    return out


def _document_topical(doc: pd.DataFrame, title: str, rule: TopicRule, hits: pd.Series) -> bool:
    analysable = doc["analysable"].to_numpy()
    if rule.match(title or ""):
        return True
    n = int(analysable.sum())
    return n > 0 and (hits[analysable] != "").sum() / n >= rule.document_share


def mark_on_topic(passages: pd.DataFrame, documents: pd.DataFrame, rule: TopicRule | None) -> pd.DataFrame:
    """Add ``on_topic`` (bool) and ``topic_reason`` columns to a passage table.

    Parameters
    ----------
    passages : DataFrame
        Passage table with ``doc_id``, ``text``, ``analysable`` and ``speaker_role``.
    documents : DataFrame
        Document table with ``doc_id``, ``title`` and ``transcript`` (bool).
    rule : TopicRule or None
        The topic; ``None`` marks every analysable passage on topic.

    Returns
    -------
    DataFrame
        A copy of ``passages`` with the two columns.
    """
    out = passages.copy()
    if rule is None:
        out["on_topic"] = out["analysable"].astype(bool)
        out["topic_reason"] = out["analysable"].map({True: "no_topic_rule", False: "not_analysable"})
        return out
    hits = out["text"].map(rule.match)
    reason = pd.Series("off_topic", index=out.index, dtype=object)
    reason[hits != ""] = "term:" + hits[hits != ""]
    info = documents.set_index("doc_id")
    for doc_id, doc in out.groupby("doc_id", sort=False):
        transcript = bool(info.at[doc_id, "transcript"]) if "transcript" in info else False
        doc_hits = hits.loc[doc.index]
        if transcript and rule.exchange:
            ex = pd.Series(_exchanges(doc), index=doc.index)
            topical = set(ex[(doc_hits != "") & (ex >= 0)])
            extra = doc.index[ex.isin(topical) & (doc_hits == "")]
            reason.loc[extra] = "exchange"
        elif not transcript and _document_topical(doc, str(info.at[doc_id, "title"]), rule, doc_hits):
            reason.loc[doc.index[doc_hits == ""]] = "document"
    reason[~out["analysable"].astype(bool)] = "not_analysable"
    out["on_topic"] = ~reason.isin(["off_topic", "not_analysable"])
    out["topic_reason"] = reason
    return out
