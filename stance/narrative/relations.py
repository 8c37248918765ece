"""Agent-action-patient statements from the dependency parse: who blames, sanctions, helps whom.

Every verb (and every action noun such as "cooperation", "sanctions", "tariffs") is a
candidate predicate. Its **agent** is the grammatical subject (the ``by`` phrase of a
passive, the subject of the governing verb for ``xcomp``/``conj``/participles, the
possessor or ``by``/``from`` phrase of an action noun); its **patient** is the object, the
passive subject, or the object of a preposition that the action takes ("cooperate *with*",
"point blame *at*", "impose tariffs *on*", "give support *to*"). Arguments are mapped to
actors through the actor mentions (:mod:`stance.narrative.actors`): the argument's own
mention, the nearest actor inside its phrase ("Chinese imports" -> china), its conjuncts
("China and the United States" -> both), and the nearest earlier actor for "it"/"they".

The action is normalised to :data:`ACTIONS`: blame, reject, cooperate, sanction, help,
regulate, other. "Light" verbs take the action of their object noun ("carry out
cooperation", "impose tariffs", "point blame"). Cooperation between conjoined agents with
no patient ("China and the US will strengthen intelligence sharing") becomes a statement in
each direction.

A statement is kept when its action is not ``other`` and it involves at least one actor,
or when it links two different actors (``other``). Each keeps its evidence: passage id,
sentence index and sentence text.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pandas as pd

from stance.narrative._nlp import sentence_index, sentence_offsets
from stance.narrative.actors import ActorMatcher, Mention, as_matcher, document_mentions

if TYPE_CHECKING:  # pragma: no cover
    from spacy.tokens import Doc, Token

    from stance.codebook import Codebook
    from stance.corpus import Corpus

__all__ = [
    "ACTIONS",
    "LIGHT_VERBS",
    "NOUN_ACTIONS",
    "RELATION_COLUMNS",
    "STATE_ACTORS",
    "VERB_ACTIONS",
    "Statement",
    "extract_relations",
    "normalise_action",
    "passage_statements",
    "relation_counts",
]

#: The normalised actions, in display order.
ACTIONS: tuple[str, ...] = ("blame", "reject", "cooperate", "sanction", "help", "regulate", "other")


def _lex(**groups: str) -> dict[str, str]:
    return {word: action for action, words in groups.items() for word in words.split()}


#: Verb lemmas and the action they express.
VERB_ACTIONS: dict[str, str] = _lex(
    blame="""blame accuse criticize criticise condemn denounce smear scapegoat vilify demonize demonise fault
        slam charge indict allege finger implicate stigmatize stigmatise castigate lambaste""",
    reject="""reject deny refute dismiss oppose rebut dispute protest deplore repudiate resist disagree
        decry object""",
    cooperate="""cooperate collaborate partner coordinate team exchange share communicate negotiate
        ally liaise""",
    sanction="""sanction tariff penalize penalise punish blacklist embargo threaten pressure coerce bully
        blackmail retaliate impose""",
    help="""help assist aid support save protect rescue contribute facilitate enable train donate""",
    regulate="""regulate schedule control list supervise monitor curb ban prohibit enforce tighten combat fight
        counter seize intercept investigate prosecute arrest dismantle prevent police inspect screen verify
        trace destroy eradicate outlaw license licence crack""",
)

#: Nouns that name an action; light verbs ("carry out", "impose", "give") take their action.
NOUN_ACTIONS: dict[str, str] = _lex(
    blame="blame accusation criticism allegation smear scapegoating finger condemnation",
    reject="rejection opposition denial refutation",
    cooperate="""cooperation collaboration partnership dialogue coordination communication exchange
        consultation sharing""",
    sanction="""sanction tariff restriction penalty embargo pressure threat coercion imposition countermeasure
        blacklist""",
    help="support assistance help aid contribution",
    regulate="regulation control supervision crackdown scheduling enforcement ban oversight",
)

#: Verbs whose own meaning is weak: the action comes from their object noun when it has one.
LIGHT_VERBS: frozenset[str] = frozenset(
    """carry conduct have hold launch continue strengthen enhance deepen promote maintain expand resume seek
    make take give provide offer lend extend level lodge file point shift deflect pass push pursue advance
    boost step intensify exercise implement keep begin start adopt introduce put deliver show do
    impose tighten""".split()
)

#: Verbs that undo the action of their object ("lift the sanctions"): no statement unless two actors.
_REVERSAL_VERBS = frozenset("lift remove ease end drop withdraw cancel scrap revoke stop avoid".split())
#: Reporting verbs never make a statement themselves (their clauses do).
_SPEECH_VERBS = frozenset(
    "say tell add note state remark report write comment stress emphasize emphasise quote reveal".split()
)
_PRONOUNS = frozenset("it its itself they them their themselves".split())
_RELATIVE = frozenset("which that who whom whose".split())
#: Prepositions that introduce the patient of each action (on the verb or the action noun).
_PATIENT_PREPS: dict[str, frozenset[str]] = {
    "blame": frozenset("at on onto upon against to for".split()),
    "reject": frozenset("against".split()),
    "cooperate": frozenset("with between".split()),
    "sanction": frozenset("on upon against".split()),
    "help": frozenset("to for toward towards".split()),
    "regulate": frozenset("on against over".split()),
    "other": frozenset("with against on to at".split()),
}
_AGENT_PREPS_NOUN = frozenset("by from".split())
_ARG_DEPS = frozenset("compound amod poss nmod prep pobj appos npadvmod".split())
_ARG_PREPS = frozenset("of from".split())
#: Head nouns for people: a demonym on them ("two Chinese men") does not make the state the argument.
_PERSON_NOUNS = frozenset(
    """man woman men women people person national citizen individual suspect student resident family user
    addict youth child teenager worker""".split()
)
#: Actors that are states or institutions (a "regulate" action aimed at them is a sanction).
STATE_ACTORS = frozenset({"china", "united_states", "mexico", "other"})
#: Actors whose punishment is law enforcement (a "sanction" aimed at them is regulation).
_ENFORCEMENT_TARGETS = frozenset({"traffickers", "pharma"})

RELATION_COLUMNS = [
    "passage_id",
    "doc_id",
    "sent_index",
    "agent",
    "action",
    "patient",
    "negated",
    "predicate",
    "agent_text",
    "patient_text",
    "via",
    "sentence",
]


def normalise_action(lemma: str, noun: str | None = None) -> str:
    """Normalised action for a verb lemma, optionally with its object noun.

    Parameters
    ----------
    lemma : str
        Verb lemma ("accuse", "impose", "carry").
    noun : str, optional
        Lemma of the verb's object, used for light verbs ("carry" + "cooperation").

    Returns
    -------
    str
        One of :data:`ACTIONS`.

    Examples
    --------
    >>> normalise_action("accuse"), normalise_action("carry", "cooperation"), normalise_action("say")
    ('blame', 'cooperate', 'other')
    """
    lemma, noun = lemma.lower(), (noun or "").lower()
    verb_action = VERB_ACTIONS.get(lemma) or VERB_ACTIONS.get(re.sub(r"(ing|ed)$", "", lemma))
    noun_action = NOUN_ACTIONS.get(noun)
    if noun_action and (verb_action is None or lemma in LIGHT_VERBS):
        return noun_action
    return verb_action or "other"


@dataclass(frozen=True)
class Statement:
    """One agent-action-patient statement found in a sentence."""

    sent_index: int
    agent: str | None
    action: str
    patient: str | None
    negated: bool
    predicate: str
    agent_text: str
    patient_text: str
    via: str


# ----------------------------------------------------------------------- arguments
class _Args:
    """Token-to-actor map of one parsed passage, and argument resolution."""

    def __init__(self, doc: Doc, mentions: Iterable[Mention]) -> None:
        self.doc = doc
        self.token_actors: dict[int, list[str]] = {}
        self.mention_start: list[tuple[int, str]] = []  # (token index, actor) of mapped mentions
        for m in mentions:
            if m.actor is None:
                continue
            span = doc.char_span(m.start, m.end, alignment_mode="expand")
            if span is None:
                continue
            for tok in span:
                acts = self.token_actors.setdefault(tok.i, [])
                if m.actor not in acts:
                    acts.append(m.actor)
            self.mention_start.append((span.start, m.actor))

    def phrase(self, tok: Token) -> str:
        """The words of the subtree of ``tok`` without its clauses (at most 12, then "...")."""
        skip = {"relcl", "acl", "advcl", "ccomp", "punct", "cc", "conj", "appos"}
        keep = [tok]
        stack = [c for c in tok.children if c.dep_ not in skip]
        while stack:
            t = stack.pop()
            keep.append(t)
            stack += [c for c in t.children if c.dep_ not in skip]
        keep.sort(key=lambda t: t.i)
        words = [t.text for t in keep]
        return " ".join(words[:12]) + (" ..." if len(words) > 12 else "")

    def _pronoun(self, tok: Token) -> list[str]:
        earlier = [(i, a) for i, a in self.mention_start if i < tok.i]
        if not earlier:
            return []
        last = max(i for i, _ in earlier)
        return sorted({a for i, a in earlier if i == last})

    def _inside(self, tok: Token) -> list[str]:
        """Nearest actors inside the argument's phrase (compound chains count as one step)."""
        if tok.lemma_.lower() in _PERSON_NOUNS:
            return []
        best: dict[int, int] = {tok.i: 0}
        queue = [(0, tok.i)]
        found: list[tuple[int, int, str]] = []
        while queue:
            queue.sort()
            cost, i = queue.pop(0)
            if cost > best.get(i, 99):
                continue
            for a in self.token_actors.get(i, []):
                found.append((cost, i, a))
            for c in self.doc[i].children:
                # "goods imported from China": a past-participle modifier is part of the phrase
                participle = c.dep_ == "acl" and c.tag_ == "VBN"
                if (c.dep_ not in _ARG_DEPS and not participle) or (c.dep_ == "prep" and c.lower_ not in _ARG_PREPS):
                    continue
                step = 0 if c.dep_ in {"compound", "nmod"} else 1
                if cost + step < best.get(c.i, 99):
                    best[c.i] = cost + step
                    queue.append((cost + step, c.i))
        if not found:
            return []
        low = min(c for c, _, _ in found)
        out: list[str] = []
        for _, _, a in sorted(f for f in found if f[0] == low):
            if a not in out:
                out.append(a)
        return out

    def resolve(self, tok: Token) -> list[tuple[str | None, str, bool]]:
        """``[(actor or None, phrase, direct)]`` for an argument head and its conjuncts.

        ``direct`` is True when the head itself is the actor's mention (or a relative
        pronoun standing for one), False when the actor was found inside the phrase or
        through a pronoun.
        """
        out: list[tuple[str | None, str, bool]] = []
        heads = [tok, *[c for c in tok.conjuncts if c.i > tok.i]]
        for h in heads:
            low = h.lower_
            if low in _RELATIVE and h.head.dep_ == "relcl":
                h = h.head.head
                low = h.lower_
            direct = h.i in self.token_actors
            if direct:
                actors = self.token_actors[h.i]
            elif low in _PRONOUNS and h.pos_ == "PRON":
                actors = self._pronoun(h)
            else:
                actors = self._inside(h)
            phrase = self.phrase(h)
            if actors:
                out += [(a, phrase, direct) for a in actors]
            else:
                out.append((None, phrase, False))
        return out


def _subject(v: Token, depth: int = 0) -> tuple[list[Token], bool]:
    """Subject tokens of a verb, and whether it is passive.

    A verb without its own subject inherits one: a relative clause from the noun it
    modifies, a participle ("companies producing ...") from its noun, and open complements,
    conjoined verbs, adverbial clauses and infinitives ("a pretext to impose tariffs") from
    the nearest governing verb.
    """
    subj = [c for c in v.children if c.dep_ in {"nsubj", "csubj"}]
    if subj:
        return subj, False
    passive = [c for c in v.children if c.dep_ in {"nsubjpass", "csubjpass"}]
    if passive:
        return passive, True
    if depth >= 6 or v.head.i == v.i:
        return [], False
    if v.dep_ == "relcl" or (v.dep_ == "acl" and v.tag_ == "VBG"):
        return [v.head], False
    if v.dep_ in {"xcomp", "conj", "acomp", "oprd", "advcl", "pcomp", "acl"}:
        up, steps = v.head, 0
        while up.pos_ not in {"VERB", "AUX"} and up.head.i != up.i and steps < 4:
            up, steps = up.head, steps + 1
        if up.pos_ in {"VERB", "AUX"}:
            return _subject(up, depth + 1)
    return [], False


def _negated(v: Token) -> bool:
    """True for "not", "never", "no longer" on the predicate, or "no" on its object."""
    for c in v.children:
        if c.dep_ == "neg" or c.lower_ in {"never", "not", "n't"}:
            return True
        if c.dep_ in {"dobj", "attr"} and any(g.dep_ == "det" and g.lower_ == "no" for g in c.children):
            return True
    return False


def _prep_objects(tok: Token, preps: frozenset[str]) -> list[Token]:
    out = []
    for c in tok.children:
        if c.dep_ in {"prep", "dative"} and c.lower_ in preps:
            out += [g for g in c.children if g.dep_ == "pobj"]
        elif c.dep_ == "dative" and c.pos_ in {"PROPN", "NOUN", "PRON"}:
            out.append(c)
    return out


_JOINT = frozenset("joint bilateral multilateral mutual concerted".split())


def _noun_action(n: Token) -> str | None:
    """Action of a noun: the lexicon, or cooperate for "joint actions", "bilateral efforts"."""
    action = NOUN_ACTIONS.get(n.lemma_.lower())
    if action is None and n.pos_ == "NOUN" and any(c.lower_ in _JOINT for c in n.children if c.dep_ == "amod"):
        return "cooperate"
    return action


def _action_noun(v: Token) -> Token | None:
    """The action noun a light verb takes its action from ("carry out cooperation"), or None."""
    if v.lemma_.lower() not in LIGHT_VERBS and v.lemma_.lower() not in _REVERSAL_VERBS:
        return None
    for c in v.children:
        if c.dep_ in {"dobj", "attr", "nsubjpass"} and _noun_action(c):
            return c
    # "step up cooperation", "crack down": particle verbs keep their object
    return None


def _verb_statements(v: Token, args: _Args) -> list[tuple[list, str, list, bool, str]]:
    """(agents, action, patients, negated, predicate) for one verb, or []."""
    lemma = v.lemma_.lower()
    if lemma in _SPEECH_VERBS:
        return []
    noun = _action_noun(v)
    action = normalise_action(lemma, noun.lemma_ if noun is not None else None)
    if noun is not None and noun.lemma_.lower() not in NOUN_ACTIONS:  # "conduct joint actions"
        action = _noun_action(noun) or action
    if lemma in _REVERSAL_VERBS and noun is not None:
        action = "other"
    if lemma == "work" and any(
        c.lower_ in {"together", "jointly"} or (c.dep_ == "prep" and c.lower_ == "with") for c in v.children
    ):
        action = "cooperate"
    if lemma == "add" and any(
        c.dep_ == "prep" and c.lower_ in {"to", "on"} and any("list" in g.lower_ for g in c.subtree) for c in v.children
    ):
        action = "sanction"
    predicate = lemma if noun is None else f"{lemma} {noun.lemma_.lower()}"
    subj, passive = _subject(v)
    agents = [r for s in subj for r in args.resolve(s)]
    patient_toks: list[Token] = []
    if passive:
        patients = agents
        by = [g for c in v.children if c.dep_ == "agent" for g in c.children if g.dep_ == "pobj"]
        agents = [r for t in by for r in args.resolve(t)]
        if noun is not None and noun.dep_ == "nsubjpass":  # "sanctions were imposed on China"
            patients = []
    else:
        patients = []
    objs = [c for c in v.children if c.dep_ in {"dobj", "dative"}]
    if noun is None:
        patient_toks += objs
    preps = _PATIENT_PREPS.get(action, _PATIENT_PREPS["other"])
    patient_toks += _prep_objects(v, preps)
    if noun is not None:
        patient_toks += _prep_objects(noun, preps)
        if not agents:  # "China's support", "U.S. sanctions"
            agents = [r for c in noun.children if c.dep_ == "poss" for r in args.resolve(c)]
    if action == "help":  # "help the US address the problem"
        for c in v.children:
            if c.dep_ in {"ccomp", "xcomp"}:
                patient_toks += [g for g in c.children if g.dep_ == "nsubj"]
    patients += [r for t in patient_toks for r in args.resolve(t)]
    return [(agents, action, patients, _negated(v), predicate)]


def _noun_statements(n: Token, args: _Args, consumed: set[int]) -> list[tuple[list, str, list, bool, str]]:
    """Statements expressed by an action noun that no verb took ("China-U.S. cooperation")."""
    if n.i in consumed or n.pos_ not in {"NOUN", "PROPN"} or n.ent_type_ or n.i in args.token_actors:
        return []
    if n.dep_ in {"compound", "amod", "nmod"}:  # a modifier ("narcotics control official"), not an event
        return []
    action = _noun_action(n)
    if action is None:
        return []
    agents = _noun_agents(n, action, args)
    # "the imposition of tariffs": the action noun inside an "of" phrase
    preps = _PATIENT_PREPS.get(action, _PATIENT_PREPS["other"])
    patient_toks = _prep_objects(n, preps)
    for c in n.children:
        if c.dep_ == "prep" and c.lower_ == "of":
            for g in c.children:
                if g.dep_ == "pobj":
                    consumed.add(g.i)
                    patient_toks += _prep_objects(g, preps)
    patients = [r for t in patient_toks for r in args.resolve(t)]
    if not any(a for a, _, _ in agents) and not any(p for p, _, _ in patients):
        return []
    return [(agents, action, patients, _negated(n), n.lemma_.lower())]


def _noun_agents(n: Token, action: str, args: _Args) -> list:
    """Who acts in an action noun: its possessive and modifiers, or its "by" / "between" phrase."""
    agents: list = []
    for c in n.children:
        if c.dep_ in {"poss", "compound", "amod", "nmod"}:
            agents += [r for r in args.resolve(c) if r[0] is not None]
            # "China-U.S. cooperation": every actor in the modifier chain
            for g in c.subtree:
                for a in args.token_actors.get(g.i, []):
                    if all(a != x for x, _, _ in agents):
                        agents.append((a, args.phrase(c), True))
        elif c.dep_ == "prep" and c.lower_ in _AGENT_PREPS_NOUN:
            agents += [r for g in c.children if g.dep_ == "pobj" for r in args.resolve(g)]
        elif c.dep_ == "prep" and c.lower_ == "between" and action == "cooperate":
            agents += [r for g in c.children if g.dep_ == "pobj" for r in args.resolve(g)]
    return agents


def _emit(
    sent_index: int, agents: list, action: str, patients: list, negated: bool, predicate: str, via: str
) -> list[Statement]:
    out: list[Statement] = []
    agents = agents or [(None, "", False)]
    real_agents = sorted({a for a, _, _ in agents if a is not None})
    if action == "cooperate" and not any(p for p, _, _ in patients) and len(real_agents) >= 2:
        text = {a: t for a, t, _ in agents if a is not None}
        for a in real_agents:
            for b in real_agents:
                if a != b:
                    out.append(Statement(sent_index, a, action, b, negated, predicate, text[a], text[b], via))
        return out
    for a, atext, adirect in agents:
        for p, ptext, pdirect in patients or [(None, "", False)]:
            if a is not None and a == p:
                continue
            act = action
            if act == "regulate" and p in STATE_ACTORS:  # "curbed China's capability"
                act = "sanction"
            elif act == "sanction" and p in _ENFORCEMENT_TARGETS:  # "punish drug traffickers"
                act = "regulate"
            if act == "other":  # unlisted actions only between two directly named actors
                if a is None or p is None or not (adirect and pdirect):
                    continue
            elif a is None and p is None:
                continue
            out.append(Statement(sent_index, a, act, p, negated, predicate, atext, ptext, via))
    return out


def passage_statements(doc: Doc, mentions: Iterable[Mention]) -> list[Statement]:
    """Agent-action-patient statements of one parsed passage.

    Parameters
    ----------
    doc : spacy.tokens.Doc
        Passage parsed by :func:`stance.narrative._nlp.parse`.
    mentions : iterable of Mention
        Its actor mentions (see :func:`stance.narrative.actors.passage_mentions`).

    Returns
    -------
    list of Statement
        In sentence and token order; duplicates removed.
    """
    args = _Args(doc, mentions)
    offsets = sentence_offsets(doc.text)
    out: list[Statement] = []
    consumed: set[int] = set()
    for tok in doc:
        if tok.pos_ == "VERB":
            noun = _action_noun(tok)
            if noun is not None:
                consumed.add(noun.i)
            si = sentence_index(offsets, tok.idx)
            for agents, action, patients, neg, pred in _verb_statements(tok, args):
                out += _emit(si, agents, action, patients, neg, pred, "verb")
    for tok in doc:
        si = sentence_index(offsets, tok.idx)
        for agents, action, patients, neg, pred in _noun_statements(tok, args, consumed):
            out += _emit(si, agents, action, patients, neg, pred, "noun")
    seen: set[tuple] = set()
    unique = []
    for s in sorted(out, key=lambda s: s.sent_index):
        key = (s.sent_index, s.agent, s.action, s.patient, s.predicate, s.negated)
        if key not in seen:
            seen.add(key)
            unique.append(s)
    return unique


def extract_relations(
    data: Corpus | pd.DataFrame,
    matcher: ActorMatcher | Codebook | None = None,
    *,
    analysable_only: bool = True,
) -> pd.DataFrame:
    """Agent-action-patient statements for every passage, with the sentence as evidence.

    Parameters
    ----------
    data : Corpus or DataFrame
        A corpus, or a passage table with ``passage_id`` and ``text``.
    matcher : ActorMatcher or Codebook, optional
        The actor table (see :func:`stance.narrative.as_matcher`); default the project codebook.
    analysable_only : bool
        Skip boilerplate passages.

    Returns
    -------
    DataFrame
        Columns :data:`RELATION_COLUMNS`: passage_id, doc_id, sent_index, agent, action
        (one of :data:`ACTIONS`), patient (actor names, or None when the argument is not an
        actor), negated, predicate (verb lemma, plus object noun for light verbs), agent_text,
        patient_text, via (``verb`` or ``noun``), sentence (the evidence).

    Examples
    --------
    >>> from stance import load_corpus
    >>> rel = extract_relations(load_corpus("seeds"))  # doctest: +SKIP
    >>> rel.query("action == 'blame'")[["agent", "patient", "sentence"]]  # doctest: +SKIP
    """
    matcher = as_matcher(matcher)
    passages, docs, found = document_mentions(data, matcher, analysable_only=analysable_only)
    rows: list[dict[str, Any]] = []
    for row in passages.itertuples(index=False):
        doc = docs[row.passage_id]
        offsets = sentence_offsets(doc.text)
        for s in passage_statements(doc, found[row.passage_id]):
            start, end = offsets[s.sent_index] if offsets else (0, len(doc.text))
            rows.append(
                dict(
                    passage_id=row.passage_id,
                    doc_id=row.doc_id,
                    sent_index=s.sent_index,
                    agent=s.agent,
                    action=s.action,
                    patient=s.patient,
                    negated=s.negated,
                    predicate=s.predicate,
                    agent_text=s.agent_text,
                    patient_text=s.patient_text,
                    via=s.via,
                    sentence=doc.text[start:end],
                )
            )
    out = pd.DataFrame(rows, columns=RELATION_COLUMNS)
    return out.astype({"sent_index": "int64", "negated": "bool"})


def relation_counts(
    relations: pd.DataFrame,
    by: str | None = "doc_id",
    actors_only: bool = True,
    include_negated: bool = False,
) -> pd.DataFrame:
    """Edge table for the actor network: statements counted per agent, action, patient.

    Parameters
    ----------
    relations : DataFrame
        From :func:`extract_relations`.
    by : str, optional
        Extra grouping column (``doc_id``, or a period column); None for the whole corpus.
    actors_only : bool
        Keep only statements whose agent and patient are both actors.
    include_negated : bool
        Count negated statements ("has not cooperated") too.

    Returns
    -------
    DataFrame
        Columns ``[by,] agent, action, patient, count``, sorted.
    """
    rel = relations
    if actors_only:
        rel = rel[rel["agent"].notna() & rel["patient"].notna()]
    if not include_negated:
        rel = rel[~rel["negated"]]
    keys = ([by] if by else []) + ["agent", "action", "patient"]
    if rel.empty:
        return pd.DataFrame(columns=[*keys, "count"]).astype({"count": "int64"})
    out = rel.groupby(keys, sort=True).size().rename("count").reset_index()
    return out
