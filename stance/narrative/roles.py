"""Actor roles: protagonist, antagonist or innocent for each actor an passage mentions.

Input format of every role model
--------------------------------
One example is one (passage, actor) pair, written as the passage text with **every
mention of the target actor wrapped in double square brackets**::

    "Thanks to its rigorous control measures, [[China]] is not facing any prevalent
     fentanyl overdoses or deaths, yet [[China]] has done everything possible to help
     the US address this problem."

Other actors stay as written. When the passage has no mention of the actor (a gold role
given through a pronoun, say), ``"[[<Display name>]]: "`` is put in front of the passage.
The codebook's synthetic role examples use the same convention. :func:`mark_actor` builds
the format; :func:`split_marked` reads it back.

Models
------
:class:`RoleCueBaseline`
    Transparent rules over the dependency parse and cue lexicons: the target as subject of
    cooperate/help/regulate verbs -> protagonist; as agent of blame or sanctions, or subject
    of failure verbs ("failed to", "has yet to regulate") -> antagonist; as the object of
    blame or sanctions, or the place or group of deaths and victims -> innocent; the
    codebook's role cues, frame cues and stance cues in the target's sentences add
    evidence; the log of a per-actor role prior learnt in ``fit`` is added to the rule
    scores (it breaks ties; a role the gold almost never gives an actor stays out of reach
    of the rules). :meth:`RoleCueBaseline.explain` lists the rules that fired.
Learned classifiers
    Any classifier of :mod:`stance.classifiers` trained on the marked texts (see
    :func:`role_examples`, :func:`evaluate_roles`).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

import numpy as np
import pandas as pd

from stance.cache import BoundedCache
from stance.classifiers import check_texts
from stance.classifiers._validation import Interval
from stance.codebook import NO_ROLE, Codebook, cached_codebook
from stance.corpus import load_corpus
from stance.evaluation import (
    TRANSFER_SCHEMES,
    CVResult,
    TaskData,
    decide,
    describe_folds,
    evaluate_task,
    score_predictions,
)
from stance.labels import LabelStore
from stance.models import card_number, default_folder, load_model_folder
from stance.narrative._nlp import parse_many, sentence_offsets
from stance.narrative.actors import ActorMatcher, Mention, as_matcher, document_mentions, mark_actor
from stance.narrative.relations import STATE_ACTORS, passage_statements
from stance.narrative.role_estimator import ROLE_CONSTRAINTS, RoleEstimator
from stance.paths import ProjectPaths

if TYPE_CHECKING:  # pragma: no cover
    from spacy.tokens import Token

    from stance.corpus import Corpus
    from stance.narrative.relations import Statement

__all__ = [
    "DEFAULT_ROLES",
    "ROLE_COLUMNS",
    "ROLE_METRICS",
    "ROLE_RULES",
    "RoleCueBaseline",
    "RoleRule",
    "default_role_models",
    "evaluate_roles",
    "gold_roles",
    "load_role_model",
    "matching_role_table",
    "predict_roles",
    "role_candidates",
    "role_examples",
    "role_examples_hash",
    "role_labels",
    "role_matrix",
    "role_model_card",
    "role_provenance",
    "role_summary",
    "role_task_data",
    "select_role_model",
    "split_marked",
    "train_role_model",
]

DEFAULT_ROLES: tuple[str, ...] = ("protagonist", "antagonist", "innocent")
TARGET = "__target__"
ROLE_COLUMNS = ["passage_id", "doc_id", "actor", "role", "prob", "method", "n_mentions", "text"]

_MARK = re.compile(r"\[\[(.+?)\]\]")
_PREFIX = re.compile(r"^\[\[(.+?)\]\]:\s")


def split_marked(marked: str) -> tuple[str, list[tuple[int, int]], str | None]:
    """Read the role-model input format back.

    Parameters
    ----------
    marked : str
        Passage with the target's mentions in ``[[...]]`` (see the module docstring).

    Returns
    -------
    text : str
        The passage without markers.
    spans : list of (int, int)
        Character spans of the target's mentions in ``text`` (empty for the prefix form).
    prefix : str or None
        The actor name of the ``"[[Name]]: "`` prefix form, else None.

    Examples
    --------
    >>> split_marked("[[China]] helped the [[U.S.]] side.")
    ('China helped the U.S. side.', [(0, 5), (17, 21)], None)
    """
    prefix = None
    m = _PREFIX.match(marked)
    if m and marked.count("[[") == 1:
        return marked[m.end() :], [], m.group(1)
    parts, spans, pos, out_len = [], [], 0, 0
    for m in _MARK.finditer(marked):
        before = marked[pos : m.start()]
        parts.append(before)
        out_len += len(before)
        inner = m.group(1)
        spans.append((out_len, out_len + len(inner)))
        parts.append(inner)
        out_len += len(inner)
        pos = m.end()
    parts.append(marked[pos:])
    return "".join(parts), spans, prefix


# ------------------------------------------------------------------------ rules
@dataclass(frozen=True)
class RoleRule:
    """One transparent rule of :class:`RoleCueBaseline`."""

    name: str
    role: str
    weight: float
    description: str


ROLE_RULES: tuple[RoleRule, ...] = (
    RoleRule("agent_cooperate", "protagonist", 1.0, "target is the agent of a cooperate statement"),
    RoleRule("agent_help", "protagonist", 1.5, "target is the agent of a help statement"),
    RoleRule("agent_regulate", "protagonist", 1.0, "target is the agent of a regulate statement (not negated)"),
    RoleRule("agent_reject", "protagonist", 0.5, "target rejects or opposes something"),
    RoleRule("agent_blame", "antagonist", 1.0, "target blames or accuses another actor"),
    RoleRule("agent_sanction", "antagonist", 1.5, "target sanctions, threatens or imposes tariffs on an actor"),
    RoleRule("agent_failure", "antagonist", 1.5, "target is subject of a failure verb or a negated measure"),
    RoleRule("patient_blame", "innocent", 1.0, "target is blamed or accused"),
    RoleRule("patient_sanction", "innocent", 1.5, "target is sanctioned, threatened or hit by tariffs"),
    RoleRule("patient_regulate", "antagonist", 1.0, "target is the object of enforcement (traffickers)"),
    RoleRule("patient_help", "innocent", 0.3, "target receives help"),
    RoleRule("victim", "innocent", 1.0, "target is the place or group of deaths, overdoses or victims"),
    RoleRule("criminal_actor", "antagonist", 2.0, "target is traffickers or cartels"),
    RoleRule("role_cue", "", 0.5, "a codebook cue of the role occurs in the target's sentence (per role)"),
    RoleRule("frame_support", "protagonist", 0.5, "target acts in a passage with cooperation/goodwill/control frames"),
    RoleRule("frame_rebuttal", "innocent", 0.5, "target is acted upon in a passage with rebuttal/coercion frames"),
    RoleRule("stance_favor", "protagonist", 0.7, "FAVOR cues for the target's government in its sentences"),
    RoleRule("stance_against", "antagonist", 0.7, "AGAINST cues for the target's government in its sentences"),
)
_RULES = {r.name: r for r in ROLE_RULES}

_FAILURE = frozenset(
    """fail neglect ignore worsen cause smuggle traffic flood deflect undermine politicize politicise abuse
    exploit obstruct hinder sabotage mislead deceive refuse stall""".split()
)
_FAILURE_IF_NEGATED = frozenset(
    """do act take address confront respond reduce stop curb regulate schedule control deliver tackle
    prevent provide share cooperate help""".split()
)
_VICTIM_WORDS = frozenset(
    """death deaths overdose overdoses victim victims die died dying kill killed suffer suffering casualty
    casualties toll fatality fatalities addiction addict addicts""".split()
)
_STANCE_TARGET = {"china": "china_government", "united_states": "us_government"}


#: Rules fired per (cue set, marked example): parsing is the slow part of the baseline.
_FEATURES: BoundedCache[tuple[str, str], tuple[str | None, dict[str, float]]] = BoundedCache(
    "roles.features", maxsize=200_000
)


def _load_codebook(path: str | None) -> Codebook:
    """:func:`stance.codebook.cached_codebook` of ``path`` (default: the project codebook)."""
    return cached_codebook(path or None)


def role_labels(codebook: Codebook | None = None) -> list[str]:
    """The outcomes of the role task: the codebook's roles, then ``none`` when the codebook defines it.

    ``none`` (codebook v1.1 and later) is the outcome of an actor that the passage mentions
    without characterising it.

    Parameters
    ----------
    codebook : Codebook, optional
        Default: the project codebook (:data:`DEFAULT_ROLES` and ``none`` without one).

    Returns
    -------
    list of str
    """
    try:
        cb = codebook or _load_codebook(None)
    except FileNotFoundError:
        return [*DEFAULT_ROLES, NO_ROLE]
    return [*cb.role_names, *([NO_ROLE] if cb.no_role is not None else [])]


def _statement_rules(statements: Sequence[Statement]) -> list[str]:
    """Rules fired by the target's place in a passage's statements: agent or patient of an action."""
    out = []
    for st in statements:
        if st.agent == TARGET:
            if st.action in ("regulate", "help", "cooperate") and st.negated:
                out.append("agent_failure")
            elif st.action == "sanction" and st.patient in STATE_ACTORS:
                out.append("agent_sanction")
            elif st.action in ("cooperate", "help", "regulate", "reject", "blame"):
                out.append(f"agent_{st.action}")
        if st.patient == TARGET and not st.negated and st.action in ("blame", "sanction", "regulate", "help"):
            out.append(f"patient_{st.action}")
    return out


def _token_rules(tok: Token) -> list[str]:
    """Rules fired by the parse around one token of the target mention: failure and victim."""
    out = []
    if tok.dep_ in {"nsubj", "nsubjpass"} and tok.head.lemma_.lower() in _FAILURE:
        out.append("agent_failure")
    if tok.dep_ == "nsubj" and any(c.lower_ == "yet" for c in tok.head.children):
        out.append("agent_failure")
    if (
        tok.dep_ == "nsubj"
        and tok.head.lemma_.lower() in _FAILURE_IF_NEGATED
        and any(c.dep_ == "neg" for c in tok.head.children)
    ):  # "has not done enough", "did not act"
        out.append("agent_failure")
    # "deaths in the US", "U.S. overdose deaths", "cause of death in the U.S.", "China was a victim"
    near = []
    if tok.dep_ in {"pobj", "compound", "poss", "amod", "nmod"}:
        anchor = tok.head.head if tok.dep_ == "pobj" else tok.head
        near = [anchor, *anchor.children]
        near += [g for c in anchor.children if c.dep_ == "prep" for g in c.children]
    if tok.dep_ == "nsubj":
        near += [c for c in tok.head.children if c.dep_ in {"attr", "dobj"}]
    if any(n.lower_ in _VICTIM_WORDS or n.lemma_.lower() in _VICTIM_WORDS for n in near):
        out.append("victim")
    return out


def _cue_regex(cues: Sequence[str]) -> re.Pattern | None:
    cues = [c for c in cues if c and c.strip()]
    if not cues:
        return None
    return re.compile(r"(?<![\w])(?:" + "|".join(re.escape(c.lower()) for c in sorted(cues, key=len)[::-1]) + ")")


class RoleCueBaseline(RoleEstimator):
    """Transparent role baseline: parse rules + codebook cues + a per-actor prior.

    Parameters
    ----------
    labels : sequence of str, optional
        Role names in order (default: :func:`role_labels`, the codebook's roles and ``none``).
    multilabel : bool
        Must be False (one role per actor and passage).
    prior_weight : float
        Weight of the log prior (per-actor role distribution learnt in ``fit``).
    smoothing : float
        Additive smoothing of the prior counts.
    codebook_path : str, optional
        Codebook for the cue lexicons and the actor alias table; default the project codebook.
    use_rules : bool
        False leaves only the per-actor prior (the "most frequent role of this actor"
        baseline).

    Attributes
    ----------
    classes_ : ndarray of str
    priors_ : dict
        ``{actor: [p(role) for role in classes_]}``, with ``"*"`` for any actor.
    cues_ : dict
        Cue lists used: ``role:<name>``, ``frame:<name>``, ``stance:<target>:<class>``.

    Notes
    -----
    ``X`` is a sequence of marked passages (see :mod:`stance.narrative.roles`); the actor of
    an example is recognised from its marked mentions with the alias table.
    """

    backend = "role-cues"
    weights_file = "priors.safetensors"
    _parameter_constraints: ClassVar[dict[str, list]] = {
        **ROLE_CONSTRAINTS,
        "prior_weight": [Interval(float, 0, None, closed="left")],
        "smoothing": [Interval(float, 0, None, closed="neither")],
        "codebook_path": [None, str],
        "use_rules": ["boolean"],
    }

    def __init__(
        self,
        labels: Sequence[str] | None = None,
        multilabel: bool = False,
        prior_weight: float = 1.0,
        smoothing: float = 1.0,
        codebook_path: str | None = None,
        use_rules: bool = True,
    ) -> None:
        self.labels = labels
        self.multilabel = multilabel
        self.prior_weight = prior_weight
        self.smoothing = smoothing
        self.codebook_path = codebook_path
        self.use_rules = use_rules

    # ------------------------------------------------------------------ helpers
    def _codebook(self) -> Codebook:
        return _load_codebook(self.codebook_path)

    def _setup(self) -> None:
        if getattr(self, "_matcher", None) is not None:
            return
        cb = self._codebook()
        self._matcher = ActorMatcher(cb)
        if not hasattr(self, "cues_"):
            cues: dict[str, list[str]] = {}
            for lab in cb.roles:
                cues[f"role:{lab.name}"] = list(lab.cues)
            for lab in cb.frames:
                cues[f"frame:{lab.name}"] = list(lab.cues)
            for target in cb.stance_targets:
                for lab in cb.labels(f"stance:{target}"):
                    if lab.name in ("FAVOR", "AGAINST"):
                        cues[f"stance:{target}:{lab.name}"] = list(lab.cues)
            self.cues_ = cues
        self._regex = {k: _cue_regex(v) for k, v in self.cues_.items()}
        key = json.dumps([self.cues_, sorted(self._matcher.alias_table.items())], sort_keys=True)
        self._cache_key = hashlib.sha256(key.encode()).hexdigest()

    def _actor_of(self, text: str, spans: list[tuple[int, int]], prefix: str | None) -> str | None:
        names = [prefix] if prefix else [text[s:e] for s, e in spans]
        for name in names:
            actor = self._matcher.actor_of(name) if name else None
            if actor is None and name:
                found = self._matcher.find(name)
                actor = found[0].actor if found else None
            if actor is None and name and name in self._matcher.actors:
                actor = name
            if actor is not None:
                return actor
        return None

    def _has(self, key: str, text: str) -> bool:
        rx = self._regex.get(key)
        return bool(rx and rx.search(text.lower()))

    def _features(self, marked: Sequence[str]) -> list[tuple[str | None, dict[str, float]]]:
        """``(actor, {rule or rule:role: hits})`` for each example."""
        self._setup()
        marked = list(marked)
        todo = [m for m in dict.fromkeys(marked) if (self._cache_key, m) not in _FEATURES]
        parsed = [split_marked(m) for m in todo]
        docs = parse_many([p[0] for p in parsed])
        found = {}
        for m, (text, spans, prefix), doc in zip(todo, parsed, docs, strict=True):
            found[m] = self._example_features(doc, text, spans, prefix)
            _FEATURES[(self._cache_key, m)] = found[m]
        out = []
        for m in marked:
            actor, fired = found[m] if m in found else _FEATURES[(self._cache_key, m)]
            out.append((actor, dict(fired)))
        return out

    def _example_features(
        self, doc: object, text: str, spans: list[tuple[int, int]], prefix: str | None
    ) -> tuple[str | None, dict[str, float]]:
        """Rules fired for one example (see :data:`ROLE_RULES`)."""
        actor = self._actor_of(text, spans, prefix)
        fired: dict[str, float] = {}

        def fire(name: str, n: float = 1.0, fired: dict[str, float] = fired) -> None:
            fired[name] = fired.get(name, 0.0) + n

        others = [m for m in self._matcher.find(text) if not any(s < m.end and m.start < e for s, e in spans)]
        mentions = [Mention(s, e, text[s:e], TARGET, "alias") for s, e in spans] + others
        if actor in ("traffickers",):
            fire("criminal_actor")
        for name in _statement_rules(passage_statements(doc, mentions)):
            fire(name)
        offsets = sentence_offsets(text)
        target_sents = sorted({i for i, (a, b) in enumerate(offsets) for s, e in spans if a <= s < b})
        target_tokens = [t for s, e in spans for t in (doc.char_span(s, e, alignment_mode="expand") or [])]
        for tok in target_tokens:
            for name in _token_rules(tok):
                fire(name)
        sent_text = " ".join(text[offsets[i][0] : offsets[i][1]] for i in target_sents) if spans else text
        for role in self._roles():
            if self._has(f"role:{role}", sent_text):
                fire(f"role_cue:{role}")
        frames = {k.split(":", 1)[1] for k in self._regex if k.startswith("frame:") and self._has(k, text)}
        is_agent = any(k.startswith("agent_") for k in fired)
        is_patient = any(k.startswith("patient_") for k in fired)
        if is_agent and frames & {"cooperation", "goodwill", "control_measures"}:
            fire("frame_support")
        if is_patient and frames & {"rebuttal", "coercion", "sovereignty"}:
            fire("frame_rebuttal")
        target = _STANCE_TARGET.get(actor or "")
        if target:
            if self._has(f"stance:{target}:FAVOR", sent_text):
                fire("stance_favor")
            if self._has(f"stance:{target}:AGAINST", sent_text):
                fire("stance_against")
        return actor, fired

    def _roles(self) -> list[str]:
        if self.labels is not None:
            return list(self.labels)
        return role_labels(self._codebook())

    # ------------------------------------------------- parts other role models reuse
    def prepared(self, cues: Mapping[str, list[str]] | None = None) -> RoleCueBaseline:
        """Set up the actor matcher and the cue patterns (``cues`` instead of the codebook's when given).

        Returns
        -------
        self
        """
        if cues is not None:
            self.cues_ = dict(cues)
        self._setup()
        return self

    @property
    def matcher(self) -> ActorMatcher:
        """The actor matcher of the codebook (set up on first use)."""
        self._setup()
        return self._matcher

    def rule_features(self, marked: Sequence[str]) -> list[tuple[str | None, dict[str, float]]]:
        """``(actor, {rule: hits})`` of each marked example: what :meth:`predict_proba` scores."""
        return self._features(marked)

    def role_names(self) -> list[str]:
        """The roles in order: ``labels``, else the codebook's."""
        return self._roles()

    def _scores(self, fired: Mapping[str, float]) -> np.ndarray:
        idx = {r: i for i, r in enumerate(self.classes_)}
        score = np.zeros(len(self.classes_))
        for key, n in fired.items():
            name, _, role = key.partition(":")
            rule = _RULES[name]
            role = role or rule.role
            if role in idx:
                score[idx[role]] += rule.weight * min(n, 2.0)
        return score

    # ----------------------------------------------------------------- contract
    def fit(self, X: Sequence[str], y: Sequence[str]) -> RoleCueBaseline:
        """Learn the per-actor role prior from marked passages ``X`` and roles ``y``."""
        X, y = self._check_fit_input(X, y)
        roles = self._roles()
        unknown = sorted(set(y) - set(roles))
        if unknown:
            raise ValueError(f"unknown roles {unknown}; expected {roles}")
        self.classes_ = np.array(roles, dtype=object)
        self._setup()
        actors = [a for a, _ in self._features(X)]
        counts: dict[str, np.ndarray] = {"*": np.zeros(len(roles))}
        idx = {r: i for i, r in enumerate(roles)}
        for a, role in zip(actors, y, strict=True):
            counts.setdefault(a or "*", np.zeros(len(roles)))[idx[role]] += 1
            if a is not None:
                counts["*"][idx[role]] += 1
        self.priors_ = {
            a: ((c + self.smoothing) / (c + self.smoothing).sum()).tolist() for a, c in sorted(counts.items())
        }
        self.n_features_in_ = 1
        self.n_train_ = len(X)
        return self

    def predict_proba(self, X: Sequence[str]) -> np.ndarray:
        """Role probabilities, columns in ``classes_`` order."""
        self._check_fitted()
        out = []
        for actor, fired in self._features(check_texts(X)):
            prior = np.asarray(self.priors_.get(actor or "*", self.priors_["*"]), dtype=float)
            logit = self.prior_weight * np.log(prior)
            if self.use_rules:
                logit = logit + self._scores(fired)
            p = np.exp(logit - logit.max())
            out.append(p / p.sum())
        return np.vstack(out) if out else np.zeros((0, len(self.classes_)))

    def explain(self, X: Sequence[str]) -> pd.DataFrame:
        """The rules that fired for each example.

        Returns
        -------
        DataFrame
            Columns: example (index in X), actor, rule, role, weight, hits, description.
        """
        self._check_fitted()
        rows = []
        for i, (actor, fired) in enumerate(self._features(list(X))):
            for key, n in sorted(fired.items()):
                name, _, role = key.partition(":")
                rule = _RULES[name]
                rows.append(
                    dict(
                        example=i,
                        actor=actor,
                        rule=name,
                        role=role or rule.role,
                        weight=rule.weight,
                        hits=n,
                        description=rule.description,
                    )
                )
        return pd.DataFrame(rows, columns=["example", "actor", "rule", "role", "weight", "hits", "description"])

    # -------------------------------------------------------------- persistence
    def save(self, path: str | Path, provenance: Mapping[str, object] | None = None) -> Path:
        """Write ``config.json`` (parameters, classes, priors, cues), ``priors.safetensors`` and ``MODEL_CARD.md``."""
        self._check_fitted()
        actors = sorted(self.priors_)
        state = {
            "prior_actors": actors,
            "cues": self.cues_,
            "rules": [r.__dict__ for r in ROLE_RULES],
            **({"provenance": self.provenance_} if getattr(self, "provenance_", None) else {}),
        }
        return self._write(path, state, {"priors": [self.priors_[a] for a in actors]}, provenance)

    @classmethod
    def load(cls, path: str | Path) -> RoleCueBaseline:
        """Read a model written by :meth:`save`."""
        config, params, arrays = cls._read(path)
        model = cls(**params)
        model.classes_ = np.array(config["classes"], dtype=object)
        model.priors_ = {a: arrays["priors"][i].tolist() for i, a in enumerate(config["prior_actors"])}
        model.cues_ = config["cues"]
        model.provenance_ = dict(config.get("provenance") or {})
        model.n_features_in_ = 1
        model.n_train_ = int(config.get("n_train") or 0)
        return model


# ------------------------------------------------------------------- data tables
def role_candidates(
    data: Corpus | pd.DataFrame,
    matcher: ActorMatcher | Codebook | None = None,
    *,
    analysable_only: bool = True,
) -> pd.DataFrame:
    """One row per (passage, mentioned actor), with the marked text a role model reads.

    ``data``, ``matcher`` and ``analysable_only`` are as in :func:`stance.narrative.find_actors`.

    Returns
    -------
    DataFrame
        Columns: passage_id, doc_id, actor, n_mentions, text (marked, see module docstring).
    """
    matcher = as_matcher(matcher)
    passages, _docs, found = document_mentions(data, matcher, analysable_only=analysable_only)
    rows = []
    for row in passages.itertuples(index=False):
        ms = [m for m in found[row.passage_id] if m.actor is not None]
        for actor in sorted({m.actor for m in ms}, key=lambda a: matcher.actors.index(a)):
            rows.append(
                dict(
                    passage_id=row.passage_id,
                    doc_id=row.doc_id,
                    actor=actor,
                    n_mentions=sum(m.actor == actor for m in ms),
                    text=mark_actor(row.text, actor, ms, display=matcher.display.get(actor)),
                )
            )
    return pd.DataFrame(rows, columns=["passage_id", "doc_id", "actor", "n_mentions", "text"])


def role_examples(
    data: Corpus | pd.DataFrame,
    gold: pd.DataFrame,
    matcher: ActorMatcher | Codebook | None = None,
    *,
    include_none: bool | None = None,
) -> pd.DataFrame:
    """Training and evaluation examples from gold roles: one row per (passage, actor, role).

    Parameters
    ----------
    data : Corpus or DataFrame
        Corpus or passage table (texts). Only the passages of ``gold`` are parsed.
    gold : DataFrame
        Gold labels with ``passage_id`` and ``roles`` (a ``{actor: role}`` dict per passage),
        e.g. ``LabelStore(path).resolved("gold")``.
    matcher : ActorMatcher or Codebook, optional
        The actor table (see :func:`stance.narrative.as_matcher`); its codebook also
        supplies the roles.
    include_none : bool, optional
        Also give every actor that the matcher finds in a coded passage, and that has no
        gold role there, the outcome ``none`` (mentioned without being characterised).
        Default: when the codebook defines ``none`` (v1.1 and later).

    Returns
    -------
    DataFrame
        Columns: passage_id, doc_id, actor, role, text (marked passage), mentioned (whether
        the matcher found the actor in the passage; if not the text has the prefix form),
        and the document's outlet, side and kind when ``data`` is a corpus that records them
        (the cross-source and leave-one-kind-out folds use them).
    """
    matcher = as_matcher(matcher)
    if include_none is None:
        include_none = NO_ROLE in role_labels(matcher.codebook)
    frame = data.passages if hasattr(data, "passages") else data
    coded = {str(p) for p, r in zip(gold["passage_id"], gold.get("roles", []), strict=False) if isinstance(r, Mapping)}
    passages, _docs, found = document_mentions(frame[frame["passage_id"].astype(str).isin(coded)], matcher, False)
    texts = dict(zip(passages["passage_id"], passages["text"], strict=True))
    doc_ids = dict(zip(passages["passage_id"], passages["doc_id"], strict=True))
    rows = []
    for rec in gold.itertuples(index=False):
        roles = getattr(rec, "roles", None)
        if not isinstance(roles, Mapping) or rec.passage_id not in texts:
            continue
        ms = found[rec.passage_id]
        cast = {a: str(r) for a, r in roles.items() if r}
        if include_none:
            cast.update({m.actor: NO_ROLE for m in ms if m.actor is not None and m.actor not in cast})
        for actor, role in sorted(cast.items()):
            rows.append(
                dict(
                    passage_id=rec.passage_id,
                    doc_id=doc_ids[rec.passage_id],
                    actor=actor,
                    role=role,
                    text=mark_actor(texts[rec.passage_id], actor, ms, display=matcher.display.get(actor)),
                    mentioned=any(m.actor == actor for m in ms),
                )
            )
    out = pd.DataFrame(rows, columns=["passage_id", "doc_id", "actor", "role", "text", "mentioned"])
    docs = getattr(data, "documents", None)
    meta = [c for c in ("outlet", "side", "kind") if docs is not None and c in docs.columns]
    if meta:
        out = out.merge(docs[["doc_id", *meta]].drop_duplicates("doc_id"), on="doc_id", how="left")
    return out


# ---------------------------------------------------------------- gold and models
def gold_roles(path: str | Path | None = None, *, paths: ProjectPaths | None = None) -> pd.DataFrame:
    """Gold role labels: one row per passage with a ``roles`` dict (``{actor: role}``).

    Parameters
    ----------
    path : str or Path, optional
        Label store; default ``paths.labels``.
    paths : ProjectPaths, optional
        Project paths; default :meth:`ProjectPaths.discover`.

    Returns
    -------
    DataFrame
        Columns passage_id, roles (empty when there is no label store or no gold roles):
        the gold records resolved by :class:`stance.labels.LabelStore`.
    """
    path = Path(path) if path is not None else (paths or ProjectPaths.discover()).labels
    empty = pd.DataFrame(columns=["passage_id", "roles"])
    if not path.is_file():
        return empty
    resolved = LabelStore(path).resolved("gold")
    if "roles" not in resolved.columns:
        return empty
    out = resolved[["passage_id", "roles"]].copy()
    return out[out["roles"].map(lambda r: isinstance(r, Mapping))].reset_index(drop=True)


def load_role_model(path: str | Path | None = None, data: Corpus | pd.DataFrame | None = None):
    """The role model to use: a saved one, the promoted default, or a fitted baseline.

    Parameters
    ----------
    path : str or Path, optional
        A saved model folder (a role model or any :mod:`stance.classifiers` model), loaded
        through the model store (:func:`stance.models.load_model_folder`).
    data : Corpus or DataFrame, optional
        Texts for gold examples when the baseline has to be fitted (default: the seed corpus).

    Returns
    -------
    estimator
        With ``predict``/``predict_proba`` over marked passages. Without a saved or promoted
        model this is a :class:`RoleCueBaseline` fitted on the gold roles (or, with no gold
        roles, on the codebook's synthetic examples).
    """
    if path is not None:
        return load_model_folder(path)
    paths = ProjectPaths.discover()
    folder = default_folder("roles", paths.models)
    if folder is not None:
        return load_model_folder(folder)
    model = RoleCueBaseline()
    gold = gold_roles(paths.labels)
    if len(gold):
        if data is None:
            data = load_corpus(paths.seeds)
        ex = role_examples(data, gold)
        if len(ex):
            return model.fit(ex["text"], ex["role"])
    from stance.codebook import Codebook

    examples = Codebook.load().examples("roles")
    return model.fit([t for t, _, _ in examples], [label for _, label, _ in examples])


def train_role_model(
    data: Corpus | pd.DataFrame | None = None,
    gold: pd.DataFrame | None = None,
    model: str = "role-lr",
    codebook_examples: bool = False,
    *,
    examples: pd.DataFrame | None = None,
    metrics: pd.DataFrame | None = None,
):
    """Fit a role model on all gold roles.

    Parameters
    ----------
    data : Corpus or DataFrame, optional
        Texts of the gold passages (default: the seed corpus).
    gold : DataFrame, optional
        Gold roles (default: :func:`gold_roles`).
    model : str
        A name of :func:`default_role_models` (``role-lr``, ``role-cues``, ...).
    codebook_examples : bool
        Also train on the codebook's synthetic role examples.
    examples : DataFrame, optional
        The examples of ``data`` and ``gold`` when already built (:func:`role_examples`).
    metrics : DataFrame, optional
        The role table of :func:`evaluate_roles`; the model's scores from it are recorded
        in its ``provenance_`` (saved in ``config.json``).

    Returns
    -------
    estimator
        The fitted model, with ``provenance_``: codebook version and hash, the training
        data's hash and counts, and the scores.

    Raises
    ------
    StanceInputError
        When there are no gold roles for the corpus.
    """
    from stance.errors import StanceInputError

    models = default_role_models()
    if model not in models:
        raise StanceInputError(f"unknown role model {model!r}; choose from {', '.join(models)}", field="model")
    if data is None:
        data = load_corpus(ProjectPaths.discover().seeds)
    gold = gold_roles() if gold is None else gold
    if examples is None:
        examples = role_examples(data, gold) if len(gold) else pd.DataFrame(columns=["text", "role"])
    X, y = examples["text"].tolist(), examples["role"].tolist()
    if codebook_examples:
        extra = _load_codebook(None).examples("roles")
        X += [t for t, _, _ in extra]
        y += [label for _, label, _ in extra]
    if not X:
        raise StanceInputError("no gold roles to train on (the label store has no 'roles' for this corpus)")
    fitted = models[model]().fit(X, np.asarray(y, dtype=object))
    fitted.provenance_ = role_provenance(model, examples, metrics, codebook_examples=codebook_examples)
    return fitted


def role_examples_hash(examples: pd.DataFrame) -> str:
    """sha256 of the (passage, actor, role) triples of role examples, order-independent."""
    triples = sorted(
        zip(
            examples["passage_id"].astype(str), examples["actor"].astype(str), examples["role"].astype(str), strict=True
        )
    )
    return hashlib.sha256(json.dumps(triples).encode("utf-8")).hexdigest()


def role_provenance(
    name: str, examples: pd.DataFrame, metrics: pd.DataFrame | None = None, *, codebook_examples: bool = False
) -> dict:
    """What a saved role model records of its training: codebook, data, scores (JSON-able)."""
    cb = _load_codebook(None)
    out = {
        "model": name,
        "task": "roles",
        "codebook_name": cb.name,
        "codebook_version": cb.version,
        "codebook_hash": cb.hash,
        "training_data_hash": role_examples_hash(examples),
        "n_train": len(examples),
        "n_documents": int(examples["doc_id"].nunique()),
        "role_counts": {str(k): int(v) for k, v in examples["role"].value_counts().sort_index().items()},
        "codebook_examples": bool(codebook_examples),
    }
    if "side" in examples.columns:
        out["side_counts"] = {
            str(k): int(v) for k, v in examples["side"].fillna("").value_counts().sort_index().items()
        }
    if metrics is not None and len(metrics):
        from stance.evaluation import CRITERION

        mine = metrics[metrics["model"] == name]
        out["metrics"] = {
            f"{r.scheme}|{r.metric}{':' + r.label if r.label else ''}": [
                card_number(r.value),
                card_number(r.ci_low),
                card_number(r.ci_high),
            ]
            for r in mine.fillna({"label": ""}).itertuples(index=False)
        }
        out["folds"] = {str(r.scheme): str(r.cv) for r in mine.drop_duplicates("scheme").itertuples(index=False)}
        out["criterion"] = CRITERION
        out["selection_score"] = card_number(mine["selection_score"].iloc[0]) if len(mine) else None
        out["candidates"] = {
            str(m): card_number(v)
            for m, v in metrics.drop_duplicates("model").set_index("model")["selection_score"].items()
        }
    return out


def predict_roles(
    data: Corpus | pd.DataFrame,
    model=None,
    matcher: ActorMatcher | Codebook | None = None,
    *,
    analysable_only: bool = True,
) -> pd.DataFrame:
    """Role of every actor mentioned in every passage.

    Parameters
    ----------
    data : Corpus or DataFrame
        Corpus or passage table.
    model : estimator, optional
        Role model over marked passages; default :func:`load_role_model`.
    matcher : ActorMatcher or Codebook, optional
        The actor table (see :func:`stance.narrative.as_matcher`); default the project codebook.
    analysable_only : bool
        Skip boilerplate passages.

    Returns
    -------
    DataFrame
        Columns :data:`ROLE_COLUMNS`: passage_id, doc_id, actor, role, prob (probability of
        the predicted role), method (model class), n_mentions, text (the marked passage),
        plus one ``prob:<role>`` column per role.
    """
    cand = role_candidates(data, matcher, analysable_only=analysable_only)
    if model is None:
        model = load_role_model(data=data)
    if cand.empty:
        return pd.DataFrame(columns=ROLE_COLUMNS)
    proba = np.asarray(model.predict_proba(cand["text"].tolist()), dtype=float)
    classes = [str(c) for c in model.classes_]
    column = {c: j for j, c in enumerate(classes)}
    best = np.array([column[str(c)] for c in decide(model, proba, multilabel=False)], dtype=np.int64)
    out = cand.assign(
        role=[classes[i] for i in best],
        prob=proba[np.arange(len(best)), best],
        method=type(model).__name__,
    )
    for j, c in enumerate(classes):
        out[f"prob:{c}"] = proba[:, j]
    return out[ROLE_COLUMNS + [f"prob:{c}" for c in classes]].reset_index(drop=True)


def _group_labels(data: Corpus | pd.DataFrame | None, doc_ids: Sequence[str]) -> pd.DataFrame:
    """doc_id, published, outlet for the documents (from a Corpus when given)."""
    docs = getattr(data, "documents", None)
    if docs is not None and "doc_id" in docs.columns:
        cols = [c for c in ("doc_id", "published", "outlet") if c in docs.columns]
        return docs[cols].drop_duplicates("doc_id")
    return pd.DataFrame({"doc_id": pd.Series(sorted(set(doc_ids)), dtype=str)})


def role_matrix(
    roles: pd.DataFrame,
    data: Corpus | pd.DataFrame | None = None,
    by: str = "document",
    freq: str = "Y",
    role_names: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Actor x role counts per document or per period.

    Parameters
    ----------
    roles : DataFrame
        From :func:`predict_roles` (or gold roles in the same long form: passage_id,
        doc_id, actor, role).
    data : Corpus, optional
        Supplies publication dates and outlets (document order and labels).
    by : {"document", "period", "all"}
        Group by document (ordered by date), by period of ``freq``, or not at all.
    freq : str
        Period frequency for ``by="period"``: ``"Y"`` (year), ``"Q"``, ``"M"``.
    role_names : sequence of str, optional
        All roles to list (zero counts included); default the roles present.

    Returns
    -------
    DataFrame
        Columns: group, group_label, actor, role, count, share (of the actor's role
        assignments in the group). Sorted by group order (date), actor, role order.
    """
    if by not in ("document", "period", "all"):
        raise ValueError(f"by must be 'document', 'period' or 'all', not {by!r}")
    role_names = list(role_names) if role_names is not None else list(dict.fromkeys(roles["role"]))
    meta = _group_labels(data, roles["doc_id"].tolist())
    df = roles[["doc_id", "actor", "role"]].merge(meta, on="doc_id", how="left")
    if by == "document":
        meta = meta.sort_values([c for c in ("published", "doc_id") if c in meta.columns], kind="stable")
        order = meta["doc_id"].tolist()
        df["group"] = df["doc_id"]
        if "published" in meta.columns:
            label = {
                r.doc_id: f"{r.published:%Y-%m-%d} {getattr(r, 'outlet', '') or ''}".strip()
                if pd.notna(r.published)
                else r.doc_id
                for r in meta.itertuples(index=False)
            }
        else:
            label = {d: d for d in order}
    elif by == "period":
        if "published" not in df.columns:
            raise ValueError("by='period' needs a Corpus with publication dates")
        alias = {"Y": "Y", "A": "Y", "Q": "Q", "M": "M"}.get(freq.upper(), freq)
        df["group"] = df["published"].dt.to_period(alias).astype(str)
        order = sorted(df["group"].dropna().unique())
        label = {g: g for g in order}
    else:
        df["group"] = "all"
        order, label = ["all"], {"all": "all documents"}
    actors = list(dict.fromkeys(roles["actor"]))
    full = pd.MultiIndex.from_product([order, actors, role_names], names=["group", "actor", "role"])
    counts = df.groupby(["group", "actor", "role"]).size().reindex(full, fill_value=0).rename("count").reset_index()
    totals = counts.groupby(["group", "actor"])["count"].transform("sum")
    counts["share"] = np.where(totals > 0, counts["count"] / totals.where(totals > 0, 1), 0.0)
    counts = counts[totals > 0].reset_index(drop=True)
    counts.insert(1, "group_label", counts["group"].map(label))
    return counts.astype({"count": "int64"})


# -------------------------------------------------------------------- evaluation
def default_role_models() -> dict[str, Callable[[], object]]:
    """Role models compared by :func:`evaluate_roles`: name -> factory of an unfitted model.

    Every model predicts the outcomes of :func:`role_labels` (the roles and ``none``).
    Always the transparent baseline (``role-cues``), the per-actor majority role
    (``actor-prior``) and the learned :class:`~stance.narrative.role_model.ActorRoleClassifier`
    with (``role-lr``) and without (``role-lr-text``) the baseline's rule features; and the
    ``tfidf`` classifier of :mod:`stance.classifiers` over the marked passages.
    """
    from stance.narrative.role_model import ActorRoleClassifier

    models: dict[str, Callable[[], object]] = {
        "actor-prior": lambda: RoleCueBaseline(use_rules=False),
        "role-cues": lambda: RoleCueBaseline(),
        "role-lr": lambda: ActorRoleClassifier(),
        "role-lr-text": lambda: ActorRoleClassifier(use_rules=False),
    }
    from stance.classifiers import REGISTRY

    outcomes = role_labels()
    models["tfidf"] = lambda: REGISTRY["tfidf"](labels=outcomes)
    return models


#: Overall metrics of the role table (definitions in :mod:`stance.evaluation.metrics`): macro-F1 over
#: the roles and ``none``, and over the roles without ``none``.
ROLE_METRICS = ("accuracy", "macro_f1", "macro_f1_excl_none")


def role_task_data(examples: pd.DataFrame, labels: Sequence[str] | None = None) -> TaskData:
    """Role examples as a multi-class :class:`~stance.evaluation.TaskData` grouped by document.

    Parameters
    ----------
    examples : DataFrame
        From :func:`role_examples`: passage_id, doc_id, actor, role, text (marked).
    labels : sequence of str, optional
        Role names in order; default :func:`role_labels` (the codebook's roles and ``none``),
        then any other gold role in sorted order.

    Returns
    -------
    TaskData
        Task ``"roles"``; one example per (passage, actor), whose ``passage_id`` is
        ``"<passage_id>|<actor>"``, with the document's outlet, side and kind when the
        examples have them.
    """
    if labels is None:
        labels = role_labels()
        labels += sorted(set(examples["role"].astype(str)) - set(labels))
    passages = pd.DataFrame(
        {
            "passage_id": examples["passage_id"].astype(str) + "|" + examples["actor"].astype(str),
            "doc_id": examples["doc_id"].astype(str),
            "text": examples["text"].astype(str),
        }
    )
    for col in ("outlet", "side", "kind"):
        if col in examples.columns:
            passages[col] = examples[col].fillna("").astype(str).to_numpy()
    return TaskData("roles", list(labels), False, passages, examples["role"].astype(str).to_numpy(dtype=object))


def _role_predictions(res: CVResult, examples: pd.DataFrame, keys: pd.Series) -> pd.DataFrame:
    """Held-out predictions in the role table's long form: one row per example."""
    long = res.predictions
    chosen = long[long["pred"].astype(bool)].drop_duplicates("passage_id").set_index("passage_id")["label"]
    return pd.DataFrame(
        {
            "model": res.model,
            "passage_id": examples["passage_id"].to_numpy(),
            "doc_id": examples["doc_id"].to_numpy(),
            "actor": examples["actor"].to_numpy(),
            "role": examples["role"].astype(str).to_numpy(),
            "pred": keys.map(chosen).fillna("").astype(str).to_numpy(),
        }
    )


#: Columns of the role table (:func:`evaluate_roles`).
ROLE_TABLE_COLUMNS = [
    "task",
    "model",
    "scheme",
    "metric",
    "label",
    "value",
    "ci_low",
    "ci_high",
    "n",
    "n_groups",
    "cv",
    "selection_score",
    "rank",
    "data_hash",
]


def _scored_rows(res: CVResult, subsets: Sequence[tuple[str, str, pd.DataFrame]], score_kw: Mapping) -> list[dict]:
    """Role-table rows of one model: :data:`ROLE_METRICS` and the F1 of every role, per scheme."""
    rows = []
    for scheme, cv, sub in subsets:
        overall, per_label = score_predictions(sub, res.labels, False, **score_kw)
        base = {
            "task": "roles",
            "model": res.model,
            "scheme": scheme,
            "n": int(sub["passage_id"].nunique()),
            "n_groups": int(sub["doc_id"].nunique()),
            "cv": cv,
        }
        for r in overall[overall["metric"].isin(ROLE_METRICS)].itertuples(index=False):
            rows.append(
                {**base, "metric": r.metric, "label": "", "value": r.value, "ci_low": r.ci_low, "ci_high": r.ci_high}
            )
        for r in per_label[per_label["metric"] == "f1"].itertuples(index=False):
            rows.append(
                {**base, "metric": "f1", "label": r.label, "value": r.value, "ci_low": r.ci_low, "ci_high": r.ci_high}
            )
    return rows


def _scheme_subsets(comp, name: str, folds: Sequence) -> list[tuple[str, str, pd.DataFrame]]:
    """``(scheme, description, predictions)`` of one comparison: pooled, and per direction for cross-source."""
    out = []
    for model, res in comp.results.items():
        pred = res.predictions
        parts = [(name, describe_folds(folds), pred)]
        if name == "cross-source":
            parts += [
                (f"{name} {f.name}", f"train on {f.name.replace('->', ', test on ')}", pred[pred["fold"] == f.name])
                for f in folds
            ]
        out.append((model, parts))
    return out


def evaluate_roles(
    examples: pd.DataFrame,
    models: Mapping[str, Callable[[], object]] | None = None,
    n_boot: int = 1000,
    random_state: int = 0,
    *,
    resample: str = "document",
    labels: Sequence[str] | None = None,
    scheme: str = "grouped",
    n_splits: int = 5,
    transfer: Sequence[str] = TRANSFER_SCHEMES,
    log: Callable[[str], None] | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Role models under the evaluation protocol of every task, with bootstrap intervals.

    The protocol is :func:`stance.evaluation.evaluate_task`: grouped folds of whole
    documents (``scheme``, ``n_splits``), then each transfer scheme the data allow
    (cross-source in both directions, leave one document kind out), the fold loop
    (:func:`stance.evaluation.run_folds`: a fresh model per fold, one forward pass on the
    held-out examples), the one metric definition (:mod:`stance.evaluation.metrics`) and
    the selection score of :data:`stance.evaluation.CRITERION`.

    Parameters
    ----------
    examples : DataFrame
        From :func:`role_examples`: text (marked), role, doc_id (the CV group), actor,
        passage_id, and side and kind for the transfer folds.
    models : mapping of str to callable, optional
        Name -> factory of an unfitted model; default :func:`default_role_models`.
    n_boot : int
        Bootstrap resamples for the 95% intervals.
    random_state : int
        Seed of the folds and the bootstrap.
    resample : {"document", "passage"}
        Bootstrap unit: whole documents (default), or (passage, actor) examples.
    labels : sequence of str, optional
        The roles (see :func:`role_task_data`).
    scheme, n_splits : str, int
        Primary folds (see :func:`stance.evaluation.make_folds`).
    transfer : sequence of str
        Transfer schemes (skipped when the data do not allow them).
    log : callable, optional
        Receives progress messages.

    Returns
    -------
    metrics : DataFrame
        Columns :data:`ROLE_TABLE_COLUMNS`: per model and scheme (the primary folds' scheme,
        ``cross-source``, ``cross-source <train>-><test>``, ``kind``) the metrics of
        :data:`ROLE_METRICS` (``label`` empty) and the ``f1`` of every role (``label`` the
        role), with intervals, examples ``n``, documents ``n_groups``, the folds in words
        (``cv``), the model's ``selection_score``, its ``rank`` by it and the ``data_hash`` of
        the examples (:func:`role_examples_hash`).
    predictions : DataFrame
        Held-out predictions of the primary folds: model, passage_id, doc_id, actor, role (gold), pred.
    """
    models = dict(models or default_role_models())
    examples = examples.reset_index(drop=True)
    data = role_task_data(examples, labels)
    transfers: dict = {}
    comp, _, folds = evaluate_task(
        data,
        models,
        scheme=scheme,
        n_splits=n_splits,
        transfer=transfer,
        n_boot=n_boot,
        resample=resample,
        random_state=random_state,
        log=log,
        comparisons=transfers,
    )
    score_kw = {"n_boot": n_boot, "resample": resample, "random_state": random_state}
    schemes = [(comp, comp.table["scheme"].iloc[0], folds), *((c, n, f) for n, (c, f) in transfers.items())]
    rows = []
    for c, name, fs in schemes:
        for model, parts in _scheme_subsets(c, name, fs):
            rows += _scored_rows(c.results[model], parts, score_kw)
    table = pd.DataFrame(rows)
    ranked = comp.table.set_index("model")
    table["selection_score"] = table["model"].map(
        ranked["selection_score"] if "selection_score" in ranked else ranked["score"]
    )
    table["rank"] = table["model"].map(ranked["rank"])
    table["data_hash"] = role_examples_hash(examples)
    table = table.sort_values(["rank", "model"], kind="stable").reset_index(drop=True)
    preds = [_role_predictions(res, examples, data.passages["passage_id"]) for res in comp.results.values()]
    columns = ["model", "passage_id", "doc_id", "actor", "role", "pred"]
    predictions = pd.concat(preds, ignore_index=True) if preds else pd.DataFrame(columns=columns)
    return table.reindex(columns=ROLE_TABLE_COLUMNS), predictions


def matching_role_table(metrics: pd.DataFrame | None, examples: pd.DataFrame) -> pd.DataFrame | None:
    """``metrics`` when it is a role table (:func:`evaluate_roles`) of these very examples, else None."""
    if metrics is None or not set(ROLE_TABLE_COLUMNS) <= set(metrics.columns):
        return None
    same = metrics["data_hash"].astype(str) == role_examples_hash(examples)
    return metrics if len(metrics) and bool(same.all()) else None


def select_role_model(metrics: pd.DataFrame | None, fallback: str = "role-lr") -> str:
    """The role model ranked first in a role table (:func:`evaluate_roles`), else ``fallback``.

    The rank is that of the selection score (:data:`stance.evaluation.CRITERION`: the mean
    of the grouped and the cross-source macro-F1 over the roles and ``none``; near-ties go
    to the faster model).
    """
    if metrics is None or metrics.empty or "rank" not in metrics:
        return fallback
    ranked = metrics.dropna(subset=["rank"]).sort_values(["rank", "model"], kind="stable")
    return str(ranked["model"].iloc[0]) if len(ranked) else fallback


def role_summary(metrics: pd.DataFrame, metric: str = "macro_f1") -> pd.DataFrame:
    """One row per model of a role table: ``metric`` (with interval) under every scheme, ranked.

    Parameters
    ----------
    metrics : DataFrame
        From :func:`evaluate_roles`.
    metric : str
        An overall metric of :data:`ROLE_METRICS`.

    Returns
    -------
    DataFrame
        ``rank, model, selection_score``, then per scheme ``<scheme>`` as ``"0.812 [0.770, 0.850]"``.
    """
    rows = metrics[(metrics["metric"] == metric) & (metrics["label"].fillna("") == "")]
    order = list(dict.fromkeys(rows["scheme"]))
    out = []
    for model, group in rows.groupby("model", sort=False):
        by = group.set_index("scheme")
        rec = {
            "rank": int(group["rank"].iloc[0]),
            "model": model,
            "selection_score": round(float(group["selection_score"].iloc[0]), 3),
        }
        for scheme in order:
            if scheme in by.index:
                r = by.loc[scheme]
                rec[scheme] = f"{r['value']:.3f} [{r['ci_low']:.3f}, {r['ci_high']:.3f}]"
        out.append(rec)
    return pd.DataFrame(out).sort_values(["rank", "model"], kind="stable").reset_index(drop=True)


def role_model_card(name: str, examples: pd.DataFrame, metrics: pd.DataFrame | None = None) -> str:
    """Model card of a role model: outcomes, training data, codebook, the criterion and its scores side by side.

    Parameters
    ----------
    name : str
        The model of :func:`default_role_models`.
    examples : DataFrame
        The training examples (:func:`role_examples`).
    metrics : DataFrame, optional
        The role table (:func:`evaluate_roles`) of the same examples.

    Returns
    -------
    str
        Markdown.
    """
    cb = _load_codebook(None)
    counts = ", ".join(f"{k} {v}" for k, v in examples["role"].value_counts().sort_index().items())
    sides = ""
    if "side" in examples.columns:
        by = examples.groupby(examples["side"].fillna(""))["doc_id"].agg(["size", "nunique"])
        sides = (
            " (" + ", ".join(f"{k or 'no side'}: {n} examples of {d} documents" for k, (n, d) in by.iterrows()) + ")"
        )
    lines = [
        f"# Role model: {name}",
        "",
        f"Main narrative role of each actor a passage mentions: {', '.join(role_labels(cb))} (none: mentioned "
        "without being characterised; SemEval-2025 Task 10 main roles).",
        "",
        f"- Training data: {len(examples)} gold (passage, actor) outcomes in {examples['doc_id'].nunique()} documents"
        f"{sides}: {counts}; sha256 `{role_examples_hash(examples)}`.",
        f"- Codebook: {cb.name} v{cb.version}, sha256 `{cb.hash}`.",
    ]
    if metrics is None or metrics.empty:
        return "\n".join(lines)
    from stance.evaluation import CRITERION

    folds = metrics.drop_duplicates("scheme")[["scheme", "cv"]]
    lines += [
        "",
        "## Why this model",
        "",
        f"Chosen on the {CRITERION} (macro-F1 over the roles and none).",
        "",
        "## Grouped and cross-source scores side by side (macro-F1, 95% bootstrap intervals over documents)",
        "",
        _markdown(role_summary(metrics), mark=name),
        "",
        "Without none (macro-F1 over protagonist, antagonist and innocent):",
        "",
        _markdown(role_summary(metrics, "macro_f1_excl_none"), mark=name),
        "",
        f"## F1 per outcome of {name}",
        "",
        _markdown(_per_role(metrics, name)),
        "",
        "## Folds used",
        "",
        *[f"- {r.scheme}: {r.cv}" for r in folds.itertuples(index=False)],
        "",
        "From `models/evaluation/roles.csv`, written by `stance narrative roles --evaluate`.",
    ]
    return "\n".join(lines)


def _per_role(metrics: pd.DataFrame, name: str) -> pd.DataFrame:
    rows = metrics[(metrics["model"] == name) & (metrics["metric"] == "f1")]
    table = rows.assign(
        cell=[
            f"{v:.3f} [{lo:.3f}, {hi:.3f}]"
            for v, lo, hi in zip(rows["value"], rows["ci_low"], rows["ci_high"], strict=True)
        ]
    )
    wide = table.pivot_table(index="label", columns="scheme", values="cell", aggfunc="first", sort=False)
    return wide.reindex(columns=list(dict.fromkeys(rows["scheme"]))).reset_index().rename(columns={"label": "outcome"})


def _markdown(table: pd.DataFrame, mark: str | None = None) -> str:
    cols = [str(c) for c in table.columns]
    out = ["| " + " | ".join(cols) + " |", "|" + "|".join("---" for _ in cols) + "|"]
    for rec in table.astype(object).where(table.notna(), "").to_dict("records"):
        cells = [str(rec[c]) for c in table.columns]
        if mark is not None and rec.get("model") == mark:
            cells[cols.index("model")] += " (this model)"
        out.append("| " + " | ".join(cells) + " |")
    return "\n".join(out)
