"""Frame and stance classifiers: one estimator interface, several backends.

Every classifier is a scikit-learn estimator over raw text (``fit(X, y)``,
``predict_proba(X)`` with columns in ``classes_`` order, ``predict(X)``, ``clone``,
``get_params``) and saves to a folder of JSON, safetensors and a model card.

========== ======================================================= ===============
name       model                                                   needs labels
========== ======================================================= ===============
lexicon    codebook cue phrases, counted                           no
tfidf      TF-IDF + logistic regression                            yes
embedding  frozen sentence encoder + logistic regression           yes
zeroshot   similarity to codebook definitions and examples         no
conditioned frozen encoder over (target, passage) pairs of every     yes
           stance target, one logistic regression shared by them
setfit     contrastively fine-tuned encoder + logistic regression  yes
transformer fine-tuned encoder with a classification head (LoRA)   yes
========== ======================================================= ===============

Importing this module does not import torch or transformers; the neural backends load
them when they are fitted or loaded.

Examples
--------
>>> from stance.classifiers import make_classifier, load_model  # doctest: +SKIP
>>> clf = make_classifier("tfidf", "frames").fit(texts, y)      # doctest: +SKIP
>>> clf.save("models/frames/v001")                              # doctest: +SKIP
>>> load_model("models/frames/v001").predict_proba(["..."])     # doctest: +SKIP
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from stance.classifiers.base import (
    CodebookChangedWarning,
    TextClassifier,
    check_codebook,
    check_texts,
    decide_labels,
    provenance_record,
)
from stance.classifiers.conditioned import TargetConditionedClassifier
from stance.classifiers.embedding import EmbeddingClassifier
from stance.classifiers.lexicon import LexiconClassifier
from stance.classifiers.setfit import SetFitClassifier
from stance.classifiers.tfidf import TfidfClassifier
from stance.classifiers.transformer import TransformerClassifier
from stance.classifiers.zeroshot import ZeroShotClassifier

__all__ = [
    "CLASSES",
    "REGISTRY",
    "CodebookChangedWarning",
    "EmbeddingClassifier",
    "LexiconClassifier",
    "SetFitClassifier",
    "TargetConditionedClassifier",
    "TextClassifier",
    "TfidfClassifier",
    "TransformerClassifier",
    "ZeroShotClassifier",
    "check_codebook",
    "check_texts",
    "decide_labels",
    "load_model",
    "make_classifier",
    "provenance_record",
]

#: Backend name -> classifier class, cheapest first.
REGISTRY: dict[str, type[TextClassifier]] = {
    "lexicon": LexiconClassifier,
    "tfidf": TfidfClassifier,
    "embedding": EmbeddingClassifier,
    "zeroshot": ZeroShotClassifier,
    "conditioned": TargetConditionedClassifier,
    "setfit": SetFitClassifier,
    "transformer": TransformerClassifier,
}

#: Class name -> class, used to load saved models.
CLASSES: dict[str, type[TextClassifier]] = {cls.__name__: cls for cls in REGISTRY.values()}


def make_classifier(name: str, task: str = "frames", codebook: Any = None, **params: Any) -> TextClassifier:
    """An unfitted classifier of backend ``name`` for a codebook task.

    Parameters
    ----------
    name : str
        A key of :data:`REGISTRY`.
    task : str
        Codebook task: ``"frames"`` (multi-label), ``"stance:<target>"`` or ``"roles"``.
    codebook : Codebook, optional
        Defaults to the project codebook.
    **params
        Constructor parameters of the backend (they override the codebook-derived ones,
        e.g. ``cues`` or ``prototypes``).

    Returns
    -------
    TextClassifier
        With ``labels`` in codebook order and ``multilabel`` set for the task. Where it
        comes from (codebook hashes, task, metrics) is recorded when it is saved (see
        :func:`provenance_record`), not on the estimator.

    Raises
    ------
    ValueError
        For an unknown backend name.
    KeyError
        For a task the codebook does not define.
    """
    if name not in REGISTRY:
        raise ValueError(f"unknown classifier {name!r}; choose one of: {', '.join(REGISTRY)}")
    if codebook is None:
        from stance.codebook import Codebook

        codebook = Codebook.load()
    clf = REGISTRY[name].from_codebook(codebook, task, **params)
    return clf


def load_model(path: str | Path, codebook: Any = None) -> TextClassifier:
    """Load any saved classifier folder, whatever its backend.

    Parameters
    ----------
    path : str or Path
        Folder written by :meth:`TextClassifier.save`.
    codebook : Codebook or False, optional
        See :meth:`TextClassifier.load`.
    """
    path = Path(path)
    config_file = path / "config.json"
    if not config_file.is_file():
        raise FileNotFoundError(f"{path} is not a saved classifier (no config.json)")
    name = json.loads(config_file.read_text(encoding="utf-8")).get("class")
    if name not in CLASSES:
        raise ValueError(f"{path} holds an unknown classifier class {name!r}; known: {', '.join(sorted(CLASSES))}")
    return CLASSES[name].load(path, codebook=codebook)
