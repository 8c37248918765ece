"""The estimator contract of the role models, shared by :class:`~stance.narrative.roles.RoleCueBaseline`
and :class:`~stance.narrative.role_model.ActorRoleClassifier`.

The role models follow the contract of :mod:`stance.classifiers`: parameters declared in
``__init__`` and checked in ``fit`` against ``_parameter_constraints``, learned state
ending in ``_``, ``predict_proba`` columns in ``classes_`` order, one decision rule
(:meth:`RoleEstimator.decide`), ``clone`` and ``get_params``/``set_params``. They save to
the same kind of folder as the classifiers (``config.json``, a safetensors file and
``MODEL_CARD.md``) and are loaded by class name through :func:`stance.models.load_model_folder`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
from safetensors.numpy import load_file, save_file
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.exceptions import NotFittedError

from stance.classifiers import check_texts, decide_labels
from stance.classifiers._validation import Options, validate_params
from stance.classifiers.base import library_versions
from stance.classifiers.card import model_card
from stance.paths import CONFIG_FILE, MODEL_CARD

__all__ = ["FORMAT", "ROLE_CONSTRAINTS", "RoleEstimator"]

#: ``format`` field of a saved role model's ``config.json``.
FORMAT = "stance-role-model"

#: Provenance fields written at the top level of ``config.json`` (the model card reads them there).
_TOP_LEVEL = ("codebook_hash", "codebook_version", "codebook_name", "intended_use", "training_data_hash")


def _headline(provenance: Mapping[str, Any]) -> dict[str, Any] | None:
    """The card's metrics of a role model: macro-F1 ``[value, low, high]`` per scheme and the selection score."""
    scores = {
        f"macro_f1 ({key.split('|')[0]})": value
        for key, value in (provenance.get("metrics") or {}).items()
        if key.endswith("|macro_f1")
    }
    if not scores:
        return None
    return {**scores, "selection_score": provenance.get("selection_score"), "criterion": provenance.get("criterion")}


#: Allowed values of the parameters every role model takes; each model's
#: ``_parameter_constraints`` extends them with its own.
ROLE_CONSTRAINTS: dict[str, list] = {
    "labels": [None, "sequence"],
    "multilabel": [Options({False})],
}


class RoleEstimator(ClassifierMixin, BaseEstimator):
    """Base class of the role models: one role per (passage, actor) example, over marked passages."""

    #: Registry-style name written into ``config.json`` as ``backend``.
    backend: ClassVar[str] = ""
    #: File that holds the learned arrays.
    weights_file: ClassVar[str] = "weights.safetensors"
    _parameter_constraints: ClassVar[dict[str, list]] = ROLE_CONSTRAINTS

    def _check_params(self) -> None:
        validate_params(self, self._parameter_constraints)

    def _check_fit_input(self, X: Any, y: Any) -> tuple[list[str], list[str]]:
        """Validate parameters and inputs of ``fit``: texts, one role name per text."""
        self._check_params()
        texts = check_texts(X)
        if isinstance(y, str):
            raise ValueError("y must be a sequence of role names (one per text), not a single string")
        roles = [str(v) for v in y]
        if len(texts) != len(roles):
            raise ValueError(f"X has {len(texts)} examples but y has {len(roles)} labels")
        return texts, roles

    def _check_fitted(self) -> None:
        if not hasattr(self, "classes_"):
            raise NotFittedError(f"{type(self).__name__} is not fitted yet; call fit first")

    def decide(self, P: np.ndarray) -> np.ndarray:
        """The decision rule (:func:`~stance.classifiers.decide_labels`): the most probable role per row of ``P``."""
        self._check_fitted()
        return decide_labels(P, self.classes_, multilabel=False)

    def predict(self, X: Any) -> np.ndarray:
        """Most probable role per example."""
        return self.decide(self.predict_proba(X))

    # -------------------------------------------------------------- persistence
    def _write(
        self,
        path: str | Path,
        state: Mapping[str, Any],
        arrays: Mapping[str, np.ndarray],
        provenance: Mapping[str, Any] | None,
    ) -> Path:
        """Write ``config.json`` (parameters, classes, ``state``, provenance), the weights and the card."""
        self._check_fitted()
        path = Path(path)
        path.mkdir(parents=True, exist_ok=True)
        prov = dict(provenance or {})
        own = dict(state.get("provenance") or {})
        for key in _TOP_LEVEL:
            if key not in prov and own.get(key) is not None:
                prov[key] = own[key]
        prov.setdefault("metrics", _headline(own))
        params = {k: list(v) if isinstance(v, tuple) else v for k, v in self.get_params().items()}
        config = {
            "format": FORMAT,
            "class": type(self).__name__,
            "backend": self.backend,
            "params": params,
            "labels": [str(c) for c in self.classes_],
            "classes": [str(c) for c in self.classes_],
            "multilabel": False,
            "task": prov.pop("task", "roles"),
            "n_train": int(self.n_train_),
            **{k: prov.pop(k) for k in list(prov) if k in _TOP_LEVEL},
            "metrics": prov.pop("metrics", None),
            "provenance_extra": prov,
            **state,
            "versions": library_versions(),
        }
        (path / CONFIG_FILE).write_text(json.dumps(config, indent=2, sort_keys=True), encoding="utf-8")
        save_file(
            {k: np.ascontiguousarray(v, dtype=np.float64) for k, v in arrays.items()}, str(path / self.weights_file)
        )
        (path / MODEL_CARD).write_text(model_card(config), encoding="utf-8")
        return path

    @classmethod
    def _read(cls, path: str | Path) -> tuple[dict[str, Any], dict[str, Any], dict[str, np.ndarray]]:
        """``(config, constructor parameters, arrays)`` of a saved role model."""
        path = Path(path)
        config = json.loads((path / CONFIG_FILE).read_text(encoding="utf-8"))
        params = {"labels": config["labels"], **config["params"]}  # older saves keep labels out of params
        if params.get("labels") is not None:
            params["labels"] = list(params["labels"])
        if "ngram_range" in params:
            params["ngram_range"] = tuple(params["ngram_range"])
        arrays = load_file(str(path / cls.weights_file))
        return config, params, arrays
