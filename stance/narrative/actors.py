"""Actor mentions: codebook aliases, named entities, speaker affiliations and "the two sides".

An actor is one of the codebook's ``actors`` (china, united_states, mexico, traffickers,
pharma, other). A passage mentions an actor when

* an **alias** of the actor occurs in it (the codebook alias table plus a few built-in
  metonyms and demonyms such as "the American side"; aliases written with a capital letter
  match case-sensitively apart from the first letter, so "US" never matches "us");
* a **named entity** found by spaCy (person, organisation, place, nationality) is a known
  alias, or a person whose title or appositive names an actor ("Wei Xiaojun, deputy
  director of ... the Ministry of Public Security" -> china; later "Wei" in the same
  document too) -- source ``affiliation``;
* it says **"the two sides"**, "the two countries", "both countries" and similar, which
  stand for the two state actors the document mentions most -- source ``dyad``.

Entities that map to no actor are not dropped: :func:`unmapped_entities` lists them with
counts and an example sentence, so they can be added to the codebook aliases or passed as
``aliases={"Qin Gang": "china"}``.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pandas as pd

from stance.narrative._nlp import parse_many, sentence_index, sentence_offsets

if TYPE_CHECKING:  # pragma: no cover
    from spacy.tokens import Doc

    from stance.codebook import Codebook
    from stance.corpus import Corpus

__all__ = [
    "BUILTIN_ALIASES",
    "DYAD_PATTERN",
    "ENTITY_LABELS",
    "MENTION_COLUMNS",
    "TITLE_WORDS",
    "UNMAPPED_COLUMNS",
    "ActorMatcher",
    "Mention",
    "as_matcher",
    "clean_entity",
    "document_mentions",
    "find_actors",
    "mark_actor",
    "passage_mentions",
    "unmapped_entities",
]

#: Metonyms and demonyms added to the codebook alias table (the codebook wins on conflicts).
BUILTIN_ALIASES: dict[str, str] = {
    "the American side": "united_states",
    "American side": "united_states",
    "U.S. side": "united_states",
    "US side": "united_states",
    "U.S. officials": "united_states",
    "US officials": "united_states",
    "American officials": "united_states",
    "U.S. administration": "united_states",
    "Chinese officials": "china",
    "Chinese Embassy in the U.S.": "china",
    "Chinese Embassy in the US": "china",
    "Chinese Embassy in the United States": "china",
    "Chinese mainland": "china",
    "Sino": "china",
    "Mexico City": "mexico",
    "Mexican side": "mexico",
    "drug cartels": "traffickers",
    "criminal cartels": "traffickers",
}

#: spaCy entity labels that can name an actor.
ENTITY_LABELS: tuple[str, ...] = ("PERSON", "ORG", "GPE", "NORP", "LOC", "FAC")

#: Phrases that stand for both parties of the document's main dyad.
DYAD_PATTERN = re.compile(
    r"\b(?:the\s+)?(?:two|both)\s+(?:sides|countries|nations|governments|parties|presidents|heads of state)\b",
    re.IGNORECASE,
)

MENTION_COLUMNS = [
    "passage_id",
    "doc_id",
    "sent_index",
    "actor",
    "mention",
    "start",
    "end",
    "source",
    "entity_label",
    "sentence",
]
UNMAPPED_COLUMNS = ["entity", "entity_label", "count", "n_passages", "n_documents", "example_passage_id", "example"]


@dataclass(frozen=True)
class Mention:
    """One actor mention in a passage.

    Attributes
    ----------
    start, end : int
        Character offsets in the passage text.
    text : str
        The mention as written.
    actor : str or None
        Codebook actor name; None for a named entity that maps to no actor.
    source : str
        ``alias``, ``affiliation``, ``dyad`` or ``entity`` (unmapped named entity).
    entity_label : str
        spaCy entity label when a named entity is involved, else ``""``.
    """

    start: int
    end: int
    text: str
    actor: str | None
    source: str
    entity_label: str = ""


def _alias_regex(alias: str) -> str:
    """Regex for one alias: case-sensitive if written with capitals (first letter free), else not."""
    body = re.escape(alias)
    if alias == alias.lower():
        return f"(?i:{body})"
    first = alias[0]
    if first.isalpha():
        body = f"[{first.upper()}{first.lower()}]" + re.escape(alias[1:])
    return body


class ActorMatcher:
    """Find actor mentions in text with the codebook alias table.

    Parameters
    ----------
    codebook : Codebook, optional
        Supplies ``actors`` (name, display, aliases). Default: the project codebook.
    aliases : mapping of str to str, optional
        Extra ``{alias: actor}`` entries, e.g. ``{"Qin Gang": "china"}``; they win over the
        codebook. Map an alias to ``""`` or ``"ignore"`` to stop it being listed as unmapped.
    builtin : bool
        Also use :data:`BUILTIN_ALIASES`.

    Attributes
    ----------
    codebook : Codebook
        The codebook the table was built from.
    alias_table : dict
        ``{alias as written: actor}`` used for matching.
    actors : list of str
        Actor names in codebook order.
    display : dict
        ``{actor: display name}``.
    """

    def __init__(
        self,
        codebook: Codebook | None = None,
        aliases: Mapping[str, str] | None = None,
        builtin: bool = True,
    ) -> None:
        if codebook is None:
            from stance.codebook import Codebook

            codebook = Codebook.load()
        self.codebook = codebook
        self.actors: list[str] = [a.name for a in codebook.actors]
        self.display: dict[str, str] = {a.name: (a.display or a.name) for a in codebook.actors}
        table: dict[str, str] = dict(BUILTIN_ALIASES) if builtin else {}
        table = {k: v for k, v in table.items() if v in self.display}
        for actor in codebook.actors:
            for alias in [actor.display, *actor.aliases]:
                if alias:
                    table[str(alias)] = actor.name
        self.ignored: set[str] = set()
        for alias, actor in (aliases or {}).items():
            if actor in ("", "ignore", None):
                self.ignored.add(alias.lower())
                table.pop(alias, None)
                continue
            if actor not in self.display:
                from stance.errors import StanceInputError

                raise StanceInputError(
                    f"alias {alias!r} maps to unknown actor {actor!r}; known actors: {', '.join(self.actors)}",
                    field="aliases",
                )
            table[alias] = actor
        self.alias_table = table
        self._lower = {k.lower(): v for k, v in table.items()}
        ordered = sorted(table, key=lambda a: (-len(a), a))
        self._regex = re.compile(r"(?<![\w])(?:" + "|".join(_alias_regex(a) for a in ordered) + r")(?![\w])")

    # ------------------------------------------------------------------ lookups
    def actor_of(self, text: str) -> str | None:
        """Actor for an exact alias (case-insensitive, leading "the" and trailing "'s" ignored)."""
        key = re.sub(r"^the\s+", "", text.strip(), flags=re.IGNORECASE)
        key = re.sub(r"['’]s$", "", key).strip()
        for candidate in (text.strip(), key):
            actor = self._lower.get(candidate.lower())
            if actor:
                return actor
        return None

    def find(self, text: str) -> list[Mention]:
        """Alias mentions in ``text`` (leftmost-longest, non-overlapping)."""
        out = []
        for m in self._regex.finditer(text):
            actor = self._lower.get(m.group(0).lower())
            if actor is None:  # pragma: no cover - every alternative comes from the table
                continue
            out.append(Mention(m.start(), m.end(), m.group(0), actor, "alias"))
        return out

    def __repr__(self) -> str:
        return f"ActorMatcher({len(self.actors)} actors, {len(self.alias_table)} aliases)"


# ----------------------------------------------------------------------------- helpers
def _overlaps(a: tuple[int, int], spans: Iterable[tuple[int, int]]) -> bool:
    return any(a[0] < e and s < a[1] for s, e in spans)


#: Nouns that introduce a person's position ("Chinese Ambassador ...", "... deputy director of ...").
TITLE_WORDS = frozenset(
    """ambassador envoy spokesperson spokesman spokeswoman director official officer minister president
    secretary chief head commissioner chairman chairwoman chair deputy administrator diplomat representative
    senator lawmaker governor mayor adviser advisor counselor councillor member leader premier consul
    attache attaché prosecutor general commander inspector negotiator czar""".split()
)
_DOWN = {"compound", "appos", "amod", "nmod", "poss", "prep", "pobj", "npadvmod"}


def _nearest_alias(start: Any, alias_tokens: dict[int, str], skip: set[int], max_depth: int = 6) -> tuple | None:
    """Breadth-first search down the tree from ``start`` for the nearest alias token."""
    frontier = [(start, 0)]
    seen = set(skip)
    best = None
    while frontier:
        tok, depth = frontier.pop(0)
        if tok.i in seen or depth > max_depth:
            continue
        seen.add(tok.i)
        actor = alias_tokens.get(tok.i)
        if actor is not None:
            cand = (depth, tok.i, actor)
            best = cand if best is None or cand < best else best
            continue
        for child in tok.children:
            if child.dep_ in _DOWN and not (child.dep_ == "prep" and child.lower_ not in {"of", "at", "for"}):
                frontier.append((child, depth + 1))
    return best


def _affiliation(ent: Any, alias_tokens: dict[int, str]) -> str | None:
    """Actor named in a person's title or appositive, else None.

    The person's title is looked for among its own modifiers and, when the name hangs below
    a title ("Ambassador to the US Qin Gang"), among its ancestors; the actor modifying the
    title wins ("Chinese Ambassador" -> china). Otherwise the alias nearest in the person's
    own phrase is used.
    """
    own = {tok.i for tok in ent}
    titles = [tok for tok in ent.root.subtree if tok.lemma_.lower() in TITLE_WORDS and tok.i not in own]
    up, steps = ent.root, 0
    while up.dep_ in {"pobj", "prep", "appos", "compound"} and up.head.i != up.i and steps < 4:
        up, steps = up.head, steps + 1
        if up.lemma_.lower() in TITLE_WORDS:
            titles.append(up)
            break
    for title in sorted(titles, key=lambda t: abs(t.i - ent.root.i)):
        if title.i in alias_tokens:
            return alias_tokens[title.i]
        hit = _nearest_alias(title, alias_tokens, skip=own)
        if hit is not None:
            return hit[2]
    hit = _nearest_alias(ent.root, alias_tokens, skip=set())
    return hit[2] if hit is not None else None


def clean_entity(text: str) -> str:
    """Entity name without a leading "the" or title, trailing possessive and stray punctuation.

    Examples
    --------
    >>> clean_entity("Spokesperson Lin Jian's")
    'Lin Jian'
    """
    name = re.sub(r"['’]s$", "", text.strip()).strip(" -–—,.;:\"'“”‘’()")
    name = re.sub(r"^the\s+", "", name, flags=re.IGNORECASE)
    words = name.split()
    if len(words) > 1 and words[0].lower() in TITLE_WORDS:
        name = " ".join(words[1:])
    return name


def _alias_tokens(doc: Doc, mentions: Iterable[Mention]) -> dict[int, str]:
    """``{token index: actor}`` for the tokens of mapped mentions."""
    out: dict[int, str] = {}
    for m in mentions:
        span = doc.char_span(m.start, m.end, alignment_mode="expand")
        if span is not None and m.actor:
            out.update({tok.i: m.actor for tok in span})
    return out


def _title_affiliations(doc: Doc, alias_tokens: Mapping[int, str]) -> dict[str, str]:
    """``{"title:<noun>": actor}`` for titles an alias modifies ("Foreign Ministry spokesperson")."""
    out: dict[str, str] = {}
    for i, actor in sorted(alias_tokens.items()):
        head = doc[i].head
        if head.i not in alias_tokens and head.lemma_.lower() in TITLE_WORDS and doc[i].dep_ in {"compound", "amod"}:
            out.setdefault(f"title:{head.lemma_.lower()}", actor)
    return out


def _dyad_actors(counts: Counter) -> list[str]:
    """The two actors a document mentions most (state actors first), for 'the two sides'."""
    ranked = sorted((a for a in counts if a not in {"other", "traffickers", "pharma"}), key=lambda a: (-counts[a], a))
    return ranked[:2] if len(ranked) >= 2 else []


def passage_mentions(
    doc: Doc,
    matcher: ActorMatcher,
    affiliations: Mapping[str, str] | None = None,
    dyad: Iterable[str] = (),
) -> list[Mention]:
    """All actor mentions (and unmapped named entities) of one parsed passage.

    Parameters
    ----------
    doc : spacy.tokens.Doc
        The parsed passage.
    matcher : ActorMatcher
        Alias table.
    affiliations : mapping, optional
        ``{person name or name part: actor}`` learnt from earlier passages of the document.
    dyad : iterable of str
        The two actors "the two sides" refers to (empty: not resolved).

    Returns
    -------
    list of Mention
        Sorted by position; a dyad phrase yields one mention per actor.
    """
    text = doc.text
    mentions = matcher.find(text)
    spans = [(m.start, m.end) for m in mentions]
    alias_tokens = _alias_tokens(doc, mentions)
    affiliations = {**_title_affiliations(doc, alias_tokens), **(affiliations or {})}
    for ent in doc.ents:
        if ent.label_ not in ENTITY_LABELS:
            continue
        span = (ent.start_char, ent.end_char)
        if _overlaps(span, spans):
            continue
        name = clean_entity(ent.text)
        if ent.label_ in {"PERSON", "ORG"} and (
            not name or not name[0].isupper() or not any(tok.pos_ == "PROPN" for tok in ent)
        ):
            continue
        actor = matcher.actor_of(name)
        source = "alias"
        if actor is None and ent.label_ == "PERSON":
            actor = _person_actor(ent, name, affiliations, alias_tokens)
            if actor is not None:
                source = "affiliation"
                affiliations[name] = actor
        if actor is None:
            if name.lower() in matcher.ignored:
                continue
            mentions.append(Mention(ent.start_char, ent.end_char, ent.text, None, "entity", ent.label_))
        else:
            mentions.append(Mention(ent.start_char, ent.end_char, ent.text, actor, source, ent.label_))
        spans.append(span)
    dyad = list(dyad)
    if len(dyad) == 2:
        for m in DYAD_PATTERN.finditer(text):
            if not _overlaps((m.start(), m.end()), spans):
                mentions += [Mention(m.start(), m.end(), m.group(0), a, "dyad") for a in dyad]
    # entity labels for alias mentions that coincide with an entity
    ents = {(e.start_char, e.end_char): e.label_ for e in doc.ents}
    mentions = [
        Mention(m.start, m.end, m.text, m.actor, m.source, m.entity_label or ents.get((m.start, m.end), ""))
        for m in mentions
    ]
    return sorted(mentions, key=lambda m: (m.start, m.end, m.actor or ""))


def _person_actor(ent: Any, name: str, affiliations: Mapping[str, str], alias_tokens: dict[int, str]) -> str | None:
    """The actor a person entity speaks for: a known name or name part, an alias beside it, or a known title."""
    actor = affiliations.get(name)
    if actor is None:
        hits = {affiliations[p] for p in name.split() if p in affiliations}
        actor = hits.pop() if len(hits) == 1 else None
    if actor is None:
        actor = _affiliation(ent, alias_tokens)
    if actor is None:  # "Spokesperson Lin Jian" after "a Foreign Ministry spokesperson said"
        for tok in [*ent, *ent.root.children]:
            actor = affiliations.get(f"title:{tok.lemma_.lower()}")
            if actor is not None:
                break
    return actor


def _affiliations_in(doc: Doc, mentions: list[Mention]) -> dict[str, str]:
    """Person names (and their parts) mapped to an actor in this passage, for later passages."""
    out = _title_affiliations(doc, _alias_tokens(doc, [m for m in mentions if m.source == "alias"]))
    for m in mentions:
        if m.source == "affiliation" and m.actor:
            name = re.sub(r"['’]s$", "", m.text).strip()
            out[name] = m.actor
            for part in name.split():
                if len(part) > 1 and part[0].isupper():
                    out.setdefault(part, m.actor)
    return out


def _passages_frame(data: Corpus | pd.DataFrame, analysable_only: bool = True) -> pd.DataFrame:
    """Passage table from a corpus or a DataFrame (needs passage_id and text; doc_id optional)."""
    if hasattr(data, "passages"):
        frame = data.passages
    else:
        frame = data
    missing = {"passage_id", "text"} - set(frame.columns)
    if missing:
        from stance.errors import StanceInputError

        raise StanceInputError(f"passage table lacks columns {sorted(missing)}", field=", ".join(sorted(missing)))
    frame = frame.copy()
    if analysable_only and "analysable" in frame.columns:
        frame = frame[frame["analysable"].astype(bool)]
    if "doc_id" not in frame.columns:
        frame["doc_id"] = frame["passage_id"].astype(str).str.split(":").str[0]
    if "para_index" in frame.columns:
        frame = frame.sort_values(["doc_id", "para_index"], kind="stable")
    return frame.reset_index(drop=True)


def document_mentions(
    data: Corpus | pd.DataFrame, matcher: ActorMatcher, analysable_only: bool = True
) -> tuple[pd.DataFrame, dict[str, Doc], dict[str, list[Mention]]]:
    """Parse passages and find their actor mentions, document by document.

    Within a document, affiliations ("a Chinese national" -> china) and the document's
    dyad (the two actors it is mostly about) carry over from passage to passage.

    Parameters
    ----------
    data : Corpus or DataFrame
        A corpus, or a passage table with ``passage_id`` and ``text`` (``doc_id`` optional).
    matcher : ActorMatcher
        Finds the mentions.
    analysable_only : bool
        Skip passages marked as boilerplate.

    Returns
    -------
    passages : DataFrame
        The passages, ordered by document and paragraph.
    docs : dict of str to spacy.tokens.Doc
        The parse of each passage, by passage id (shared: do not modify).
    mentions : dict of str to list of Mention
        The mentions of each passage, by passage id.
    """
    passages = _passages_frame(data, analysable_only=analysable_only)
    docs = dict(zip(passages["passage_id"], parse_many(passages["text"].tolist()), strict=True))
    found: dict[str, list[Mention]] = {}
    for _doc_id, group in passages.groupby("doc_id", sort=False):
        counts: Counter = Counter()
        first = {pid: matcher.find(docs[pid].text) for pid in group["passage_id"]}
        for ms in first.values():
            counts.update(m.actor for m in ms)
        dyad = _dyad_actors(counts)
        affiliations: dict[str, str] = {}
        for pid in group["passage_id"]:
            ms = passage_mentions(docs[pid], matcher, affiliations=affiliations, dyad=dyad)
            affiliations.update(_affiliations_in(docs[pid], ms))
            found[pid] = ms
    return passages, docs, found


def as_matcher(matcher: ActorMatcher | Codebook | None = None) -> ActorMatcher:
    """The matcher itself, ``ActorMatcher(codebook)`` for a codebook, or the project codebook's matcher.

    The passage-level narrative functions take their actor table through this one argument;
    extra aliases go in an :class:`ActorMatcher` (``ActorMatcher(codebook, aliases=...)``).
    """
    return matcher if isinstance(matcher, ActorMatcher) else ActorMatcher(matcher)


def find_actors(
    data: Corpus | pd.DataFrame,
    matcher: ActorMatcher | Codebook | None = None,
    *,
    include_unmapped: bool = False,
    analysable_only: bool = True,
) -> pd.DataFrame:
    """Actor mentions in every passage, one row per mention.

    Parameters
    ----------
    data : Corpus or DataFrame
        A corpus, or a passage table with ``passage_id`` and ``text`` (``doc_id`` optional).
    matcher : ActorMatcher or Codebook, optional
        The actor table (see :func:`as_matcher`); default the project codebook.
    include_unmapped : bool
        Also return named entities that map to no actor (``actor`` is None).
    analysable_only : bool
        Skip passages marked as boilerplate.

    Returns
    -------
    DataFrame
        Columns :data:`MENTION_COLUMNS`: passage_id, doc_id, sent_index, actor, mention,
        start, end (character offsets in the passage), source (alias, affiliation, dyad,
        entity), entity_label, sentence.

    Examples
    --------
    >>> from stance import load_corpus
    >>> mentions = find_actors(load_corpus("seeds"))  # doctest: +SKIP
    >>> mentions.groupby("actor").size()  # doctest: +SKIP
    """
    matcher = as_matcher(matcher)
    passages, docs, found = document_mentions(data, matcher, analysable_only=analysable_only)
    rows = []
    for row in passages.itertuples(index=False):
        text = docs[row.passage_id].text
        offsets = sentence_offsets(text)
        for m in found[row.passage_id]:
            if m.actor is None and not include_unmapped:
                continue
            si = sentence_index(offsets, m.start)
            s, e = offsets[si] if offsets else (0, len(text))
            rows.append(
                dict(
                    passage_id=row.passage_id,
                    doc_id=row.doc_id,
                    sent_index=si,
                    actor=m.actor,
                    mention=m.text,
                    start=m.start,
                    end=m.end,
                    source=m.source,
                    entity_label=m.entity_label,
                    sentence=text[s:e],
                )
            )
    out = pd.DataFrame(rows, columns=MENTION_COLUMNS)
    return out.astype({"sent_index": "int64", "start": "int64", "end": "int64"})


def unmapped_entities(
    data: Corpus | pd.DataFrame,
    matcher: ActorMatcher | Codebook | None = None,
    *,
    min_count: int = 1,
    analysable_only: bool = True,
) -> pd.DataFrame:
    """Named entities that map to no actor, for the user to map.

    Parameters
    ----------
    data : Corpus or DataFrame
        Corpus or passage table.
    matcher, analysable_only
        As in :func:`find_actors`.
    min_count : int
        Leave out entities seen fewer times.

    Returns
    -------
    DataFrame
        Columns :data:`UNMAPPED_COLUMNS`: entity (as written, possessive dropped),
        entity_label, count, n_passages, n_documents, example_passage_id, example (the
        sentence of the first occurrence). Sorted by count (descending), then entity.
    """
    mentions = find_actors(data, matcher, include_unmapped=True, analysable_only=analysable_only)
    un = mentions[mentions["actor"].isna()].copy()
    if un.empty:
        return pd.DataFrame(columns=UNMAPPED_COLUMNS).astype(
            {"count": "int64", "n_passages": "int64", "n_documents": "int64"}
        )
    un["entity"] = un["mention"].map(clean_entity)
    grouped = un.groupby(["entity", "entity_label"], sort=True)
    out = grouped.agg(
        count=("passage_id", "size"),
        n_passages=("passage_id", "nunique"),
        n_documents=("doc_id", "nunique"),
        example_passage_id=("passage_id", "first"),
        example=("sentence", "first"),
    ).reset_index()
    out = out[out["count"] >= min_count]
    out = out.sort_values(["count", "entity"], ascending=[False, True], kind="stable").reset_index(drop=True)
    return out[UNMAPPED_COLUMNS]


def mark_actor(text: str, actor: str, mentions: Iterable[Mention] | pd.DataFrame, display: str | None = None) -> str:
    """Mark an actor in a passage for the role classifier: ``[[...]]`` around each of its mentions.

    This is the input format of the role models (the codebook's role examples use it too):
    every mention of the target actor is wrapped in double square brackets; other actors
    stay as written. When the passage has no mention of the actor, ``"[[<display>]]: "`` is
    put in front of the passage.

    Parameters
    ----------
    text : str
        The passage.
    actor : str
        Target actor name.
    mentions : iterable of Mention, or DataFrame with start, end, actor
        Mentions in this passage (others' are ignored).
    display : str, optional
        Name to use when the actor is not mentioned (default: ``actor``).

    Returns
    -------
    str

    Examples
    --------
    >>> mark_actor("China helped the US.", "china", [Mention(0, 5, "China", "china", "alias")])
    '[[China]] helped the US.'
    """
    if isinstance(mentions, pd.DataFrame):
        spans = [
            (int(s), int(e))
            for s, e, a in zip(mentions["start"], mentions["end"], mentions["actor"], strict=True)
            if a == actor
        ]
    else:
        spans = [(m.start, m.end) for m in mentions if m.actor == actor]
    spans = sorted(set(spans))
    merged: list[tuple[int, int]] = []
    for s, e in spans:
        if merged and s < merged[-1][1]:
            merged[-1] = (merged[-1][0], max(e, merged[-1][1]))
        else:
            merged.append((s, e))
    if not merged:
        return f"[[{display or actor}]]: {text}"
    parts, pos = [], 0
    for s, e in merged:
        parts += [text[pos:s], "[[", text[s:e], "]]"]
        pos = e
    parts.append(text[pos:])
    return "".join(parts)
