"""The contract every classifier follows: a scikit-learn estimator over raw text.

:class:`TextClassifier` implements input checks, label handling, inner cross-validation
for calibration and per-label thresholds, provenance and persistence; each backend fills
in four hooks:

``_featurize(texts)``
    Texts -> whatever the backend learns from (the texts themselves, a TF-IDF matrix,
    sentence embeddings). Must be row-indexable.
``_fit_features(F, Y)``
    Learn from features ``F`` and targets ``Y`` (class codes, or an indicator matrix for
    multi-label; ``None`` when fitting without labels).
``_raw_proba(F)``
    Uncalibrated probabilities of shape ``(n, len(classes_))``.
``_get_state(path)`` / ``_set_state(state, arrays, path)``
    Fitted state as JSON-able values plus named arrays (and, for neural backends, files
    written under ``path``).

Persistence writes a folder: ``config.json`` (class, parameters, labels, provenance,
library versions, metrics, JSON state), ``arrays.safetensors`` and ``MODEL_CARD.md``; no
pickle anywhere.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import inspect
import json
import platform
import warnings
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
from safetensors.numpy import load_file, save_file
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.metrics import accuracy_score
from sklearn.utils.validation import check_is_fitted

from stance._lazy import require_installed
from stance.classifiers._head import Calibrator, choose_calibration, inner_splits, tune_thresholds
from stance.classifiers._validation import Interval, Options, validate_params
from stance.classifiers.card import model_card
from stance.codebook import Codebook
from stance.errors import StanceInputError
from stance.paths import CONFIG_FILE, MODEL_CARD

__all__ = [
    "SHARED_CONSTRAINTS",
    "CodebookChangedWarning",
    "TextClassifier",
    "check_codebook",
    "check_texts",
    "decide_labels",
    "library_versions",
    "provenance_record",
    "training_data_hash",
]

FORMAT = "stance-classifier"
FORMAT_VERSION = 1
_CODEBOOK_KEYS = ("task", "codebook_hash", "codebook_version", "codebook_name", "label_hashes", "intended_use")
ARRAYS_FILE = "arrays.safetensors"
_VERSION_PACKAGES = ("numpy", "scikit-learn", "safetensors", "torch", "transformers", "peft")


class CodebookChangedWarning(UserWarning):
    """A saved model was trained under a different codebook than the current one."""


def check_texts(X: Any, name: str = "X") -> list[str]:
    """Validate raw-text input and return it as a list of str.

    Parameters
    ----------
    X : list, tuple, 1-D array, pandas Series or one-column DataFrame of str

    Raises
    ------
    ValueError
        For a single string (wrap it in a list), a 2-D input with several columns, or
        non-string items (naming the first one).
    """
    if isinstance(X, str | bytes):
        raise ValueError(
            f"{name} must be a sequence of texts (list, array or Series of str), not a single string; "
            "to classify one text, wrap it in a list: clf.predict([text])"
        )
    if hasattr(X, "columns"):
        if len(X.columns) != 1:
            raise ValueError(f"{name} is a table with {len(X.columns)} columns; pass the text column only")
        X = X.iloc[:, 0]
    if hasattr(X, "ndim") and X.ndim != 1:
        if X.ndim == 2 and X.shape[1] == 1:
            X = np.asarray(X).ravel()
        else:
            raise ValueError(f"{name} must be one-dimensional (one text per sample), got shape {X.shape}")
    if X is None or not hasattr(X, "__iter__"):
        raise ValueError(f"{name} must be a sequence of texts, got {type(X).__name__}")
    texts = list(X)
    for i, text in enumerate(texts):
        if not isinstance(text, str):
            raise ValueError(f"{name}[{i}] is {type(text).__name__} ({text!r:.40}), not str; every sample must be text")
    return texts


def training_data_hash(texts: Sequence[str], Y: np.ndarray | None, classes: Sequence[str]) -> str:
    """sha256 identifying a training set: its texts, targets and class names, in order."""
    digest = hashlib.sha256()
    digest.update(json.dumps(list(classes), ensure_ascii=False).encode())
    for text in texts:
        digest.update(hashlib.sha256(text.encode("utf-8")).digest())
    if Y is not None:
        digest.update(np.ascontiguousarray(np.asarray(Y, dtype=np.int64)).tobytes())
    return digest.hexdigest()


#: Allowed values of the parameters every classifier takes (see :mod:`stance.classifiers._validation`);
#: each backend's ``_parameter_constraints`` extends them with its own.
SHARED_CONSTRAINTS: dict[str, list] = {
    "labels": [None, "sequence"],
    "multilabel": ["boolean"],
    "calibration": [None, Options({"sigmoid", "isotonic", "auto"})],
    "threshold": [Options({"auto"}), Interval(float, 0, 1, closed="neither")],
    "cv": [Interval(int, 1, None, closed="left"), Interval(float, 0, 1, closed="neither")],
    "random_state": [None, Interval(int, 0, None, closed="left")],
}


def provenance_record(
    codebook: Any = None,
    task: str | None = None,
    training_data_hash: str | None = None,
    metrics: Mapping[str, Any] | None = None,
    **extra: Any,
) -> dict[str, Any]:
    """Where a model comes from, as :meth:`TextClassifier.save` records it in ``config.json``.

    Parameters
    ----------
    codebook : Codebook, optional
        Its hash, version, name, intended use (for the model card) and (with ``task``) the
        hash of each label of the task, so loading under a changed codebook can name the
        labels that changed.
    task : str, optional
        Codebook task, e.g. ``"frames"`` or ``"stance:us_government"``.
    training_data_hash : str, optional
        Replaces the hash ``fit`` computes from the training texts and targets (e.g. with a
        hash of the label-store records).
    metrics : mapping, optional
        Evaluation results (JSON-able), e.g. ``{"macro_f1": 0.61, "cv": "leave-one-document-out"}``.
    **extra
        Other JSON-able fields (``selection``, ``finetune``, ``random_state``, ...).

    Returns
    -------
    dict
    """
    prov: dict[str, Any] = {}
    if task is not None:
        prov["task"] = task
    if codebook is not None:
        prov["codebook_hash"] = codebook.hash
        prov["codebook_version"] = codebook.version
        prov["codebook_name"] = getattr(codebook, "name", "")
        if getattr(codebook, "intended_use", ""):
            prov["intended_use"] = codebook.intended_use
        if task is not None:
            prov["label_hashes"] = {lab.name: lab.hash for lab in codebook.labels(task)}
    if training_data_hash is not None:
        prov["training_data_hash"] = training_data_hash
    if metrics is not None:
        prov["metrics"] = _jsonable(dict(metrics))
    prov.update(_jsonable(extra))
    return prov


def decide_labels(
    P: np.ndarray, classes: Sequence[str], multilabel: bool, thresholds: Sequence[float] | None = None
) -> np.ndarray:
    """The decision rule of every model of the package: probabilities to labels.

    :meth:`TextClassifier.decide` and the role models' ``decide`` apply it with their
    fitted ``classes_`` and ``thresholds_``; scoring, analysis, evaluation and the figures
    reach it through those methods (or :func:`stance.evaluation.decide`).

    Parameters
    ----------
    P : ndarray of shape (n_samples, n_classes)
        Probabilities, columns in ``classes`` order.
    classes : sequence of str
    multilabel : bool
    thresholds : sequence of float, optional
        Per-label thresholds of a multi-label model (default 0.5 for every label).

    Returns
    -------
    ndarray
        Multi-label: indicator matrix ``(n, k)``, 1 where ``P >= thresholds``.
        Multi-class: array of class names (the arg-max column; the first of tied columns).
    """
    P = np.asarray(P, dtype=np.float64)
    if multilabel:
        t = np.full(P.shape[1], 0.5) if thresholds is None else np.asarray(thresholds, dtype=np.float64)
        return (P >= t[None, :]).astype(np.int64)
    if len(P) == 0:
        return np.array([], dtype=object)
    return np.asarray(classes, dtype=object)[P.argmax(axis=1)]


def _subclasses(cls: type) -> Iterator[type]:
    for sub in cls.__subclasses__():
        yield sub
        yield from _subclasses(sub)


def _take(F: Any, idx: np.ndarray) -> Any:
    if isinstance(F, list):
        return [F[i] for i in idx]
    return F[idx]


def _jsonable(value: Any) -> Any:
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, np.generic):
        return value.item()
    return value


def library_versions() -> dict[str, str]:
    """Versions of Python, stance and the numeric libraries (those installed)."""
    out = {"python": platform.python_version()}
    try:
        from stance import __version__

        out["stance"] = __version__
    except ImportError:  # pragma: no cover - partial installs
        pass
    for pkg in _VERSION_PACKAGES:
        try:
            out[pkg] = importlib.metadata.version(pkg)
        except importlib.metadata.PackageNotFoundError:
            continue
    return out


class TextClassifier(ClassifierMixin, BaseEstimator):
    """Base class of the stance classifiers (not used directly; see ``REGISTRY``).

    Subclasses take at least these constructor parameters:

    labels : sequence of str, optional
        Class names in output order (codebook order). Default: sorted labels seen in ``y``.
    multilabel : bool
        Independent labels (frames) instead of one class per sample.
    calibration : {None, "sigmoid", "isotonic", "auto"}
        Probability calibration fitted on out-of-fold predictions of the training data;
        ``"auto"`` keeps whichever of the three has the lowest cross-validated Brier score.
    threshold : float or "auto"
        Multi-label decision threshold; ``"auto"`` tunes one per label for F1 on
        out-of-fold predictions of the training data (inner CV; never on test data).
    cv : int or float
        Folds of the inner cross-validation used by ``calibration`` and ``threshold``
        (and ``C="auto"`` where a backend has it), or (a float in (0, 1)) the share of the
        training data held out in one inner split, for backends too costly to fit several
        times (see :func:`~stance.classifiers._head.inner_splits`). ``fit(X, y, groups=...)``
        keeps every group (document) whole in these inner splits.
    random_state : int
        Seed for every random choice the backend makes.

    Attributes (after ``fit``)
    --------------------------
    classes_ : ndarray of str
        Class names; the column order of :meth:`predict_proba`.
    thresholds_ : ndarray of float or None
        Per-label thresholds (multi-label), None for multi-class models.
    calibration_ : str or None
        Calibration method in use.
    training_data_hash_ : str or None
        sha256 of the training texts and targets.
    n_train_ : int
    """

    #: Registry name of the backend.
    backend: ClassVar[str] = ""
    #: Whether ``fit`` needs ``y``.
    requires_labels: ClassVar[bool] = True
    #: Optional packages this backend needs, as ``(module, extra)`` pairs.
    needs: ClassVar[tuple[tuple[str, str], ...]] = ()
    #: Allowed values of the shared parameters; backends add their own (checked in ``fit``).
    _parameter_constraints: ClassVar[dict[str, list]] = SHARED_CONSTRAINTS

    def __init__(
        self,
        labels: list[str] | None,
        multilabel: bool,
        calibration: str | None,
        threshold: float | str,
        cv: int | float,
        random_state: int,
    ) -> None:
        """Store the shared parameters; a backend's ``__init__`` declares every parameter and passes these on."""
        self.labels = labels
        self.multilabel = multilabel
        self.calibration = calibration
        self.threshold = threshold
        self.cv = cv
        self.random_state = random_state

    @classmethod
    def from_codebook(cls, codebook: Any, task: str, **params: Any) -> TextClassifier:
        """An unfitted classifier for a codebook task (labels in codebook order).

        Backends that use label descriptions (``lexicon`` cues, ``zeroshot`` prototypes)
        take them from the codebook unless given in ``params``.
        """
        return cls(labels=codebook.task_labels(task), multilabel=codebook.is_multilabel(task), **params)

    # ------------------------------------------------------------------ hooks
    def _featurize(self, texts: list[str]) -> Any:
        return texts

    def _prepare_fit(self) -> None:
        """Called at the start of ``fit`` (e.g. to resolve the encoder)."""
        return None

    def _fit_features(self, F: Any, Y: np.ndarray | None) -> None:
        raise NotImplementedError

    def _raw_proba(self, F: Any) -> np.ndarray:
        raise NotImplementedError

    def _get_state(self, path: Path) -> tuple[dict, dict[str, np.ndarray]]:
        return {}, {}

    def _set_state(self, state: dict, arrays: dict[str, np.ndarray], path: Path) -> None:
        return None

    def _fold_params(self) -> dict[str, Any]:
        """Parameter overrides for the models fitted inside the inner CV.

        A backend whose ``C="auto"`` has chosen ``C_`` fits its inner models with that ``C``.
        """
        return {"C": self.C_} if getattr(self, "C", None) == "auto" and hasattr(self, "C_") else {}

    # --------------------------------------------------------------- sklearn
    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.two_d_array = False
        tags.input_tags.string = True
        tags.classifier_tags.multi_label = bool(self.multilabel)
        tags.target_tags.multi_output = bool(self.multilabel)
        tags.requires_fit = True
        return tags

    # --------------------------------------------------------------- targets
    def _check_labels(self) -> list[str] | None:
        if self.labels is None:
            return None
        if isinstance(self.labels, str):
            raise ValueError("labels must be a sequence of label names, not a single string")
        labels = [str(x) for x in self.labels]
        dupes = sorted({x for x in labels if labels.count(x) > 1})
        if dupes:
            raise ValueError(f"labels contain duplicates: {dupes}")
        if not labels:
            raise ValueError("labels is empty")
        return labels

    def _targets(self, y: Any, n: int, labels: list[str] | None) -> tuple[list[str], np.ndarray]:
        """Turn ``y`` into (classes, codes) or (classes, indicator matrix)."""
        if self.multilabel:
            return self._multilabel_targets(y, n, labels)
        if hasattr(y, "ndim") and y.ndim == 2 and y.shape[1] == 1:
            y = np.asarray(y).ravel()
        if isinstance(y, str) or (hasattr(y, "ndim") and y.ndim != 1):
            raise ValueError("y must be a one-dimensional sequence of label names (one per text)")
        values = list(y)
        if len(values) != n:
            raise ValueError(f"X has {n} texts but y has {len(values)} labels")
        for i, v in enumerate(values):
            if not isinstance(v, str):
                raise ValueError(f"y[{i}] is {type(v).__name__} ({v!r}); labels must be label names (str)")
        if labels is None:
            labels = sorted(set(values))
        unseen = sorted(set(values) - set(labels))
        if unseen:
            raise ValueError(f"y contains labels not in labels={labels}: {unseen}")
        index = {c: i for i, c in enumerate(labels)}
        return labels, np.array([index[v] for v in values], dtype=np.int64)

    def _multilabel_targets(self, y: Any, n: int, labels: list[str] | None) -> tuple[list[str], np.ndarray]:
        if hasattr(y, "columns") and labels is None:
            labels = [str(c) for c in y.columns]
        if hasattr(y, "toarray"):
            y = y.toarray()
        rows = list(y) if not hasattr(y, "shape") else None
        is_names = rows is not None and all(
            isinstance(r, list | tuple | set | frozenset) and all(isinstance(v, str) for v in r) for r in rows
        )
        if is_names:
            if len(rows) != n:
                raise ValueError(f"X has {n} texts but y has {len(rows)} label lists")
            names = sorted({v for r in rows for v in r})
            if labels is None:
                labels = names
            unseen = sorted(set(names) - set(labels))
            if unseen:
                raise ValueError(f"y contains labels not in labels={labels}: {unseen}")
            index = {c: i for i, c in enumerate(labels)}
            Y = np.zeros((n, len(labels)), dtype=np.int64)
            for i, r in enumerate(rows):
                for v in r:
                    Y[i, index[v]] = 1
            return labels, Y
        try:
            Y = np.asarray(y, dtype=float)
        except (TypeError, ValueError) as exc:
            raise ValueError(
                "multi-label y must be an indicator matrix (n_samples, n_labels) or a list of label-name lists"
            ) from exc
        if Y.ndim != 2:
            raise ValueError(
                "multi-label y must be an indicator matrix (n_samples, n_labels) or a list of label-name lists, "
                f"got shape {Y.shape}"
            )
        if Y.shape[0] != n:
            raise ValueError(f"X has {n} texts but y has {Y.shape[0]} rows")
        if labels is None:
            raise ValueError("an indicator matrix y needs labels=[...] naming its columns")
        if Y.shape[1] != len(labels):
            raise ValueError(f"y has {Y.shape[1]} columns but there are {len(labels)} labels: {labels}")
        if not np.isin(Y, (0, 1)).all():
            raise ValueError("a multi-label indicator matrix may hold only 0 and 1 (or False and True)")
        return labels, Y.astype(np.int64)

    # ------------------------------------------------------------------- fit
    def fit(self, X: Any, y: Any = None, groups: Any = None) -> TextClassifier:
        """Fit on raw texts.

        Parameters
        ----------
        X : sequence of str
            Training texts.
        y : array-like, optional
            Multi-class: one label name per text. Multi-label: an indicator matrix aligned
            with ``labels`` or one list of label names per text. Backends that need no
            training (``lexicon``, ``zeroshot``) accept ``y=None`` when ``labels`` is set.
        groups : array-like, optional
            The group (document) of every text. Every inner cross-validation of the fit
            (calibration, thresholds, ``C="auto"``) then holds whole groups out, so no
            document sits on both sides of an inner split. Without groups the inner folds
            split passages.

        Returns
        -------
        self
        """
        self._check_params()
        texts = check_texts(X)
        if not texts:
            raise ValueError("cannot fit on an empty X")
        if groups is not None and len(groups) != len(texts):
            raise ValueError(f"groups has {len(groups)} entries for {len(texts)} texts")
        self._inner_groups = None if groups is None else np.asarray([str(g) for g in groups], dtype=object)
        try:
            return self._fit_texts(texts, y)
        finally:
            del self._inner_groups

    def _fit_texts(self, texts: list[str], y: Any) -> TextClassifier:
        labels = self._check_labels()
        if y is None:
            if self.requires_labels:
                raise ValueError(f"{type(self).__name__}.fit needs training labels y")
            if labels is None:
                raise ValueError(f"{type(self).__name__}.fit without y needs labels=[...]")
            Y = None
        else:
            labels, Y = self._targets(y, len(texts), labels)
        self.classes_ = np.array(labels, dtype=object)
        self._prepare_fit()
        F = self._featurize(texts)
        self._fit_features(F, Y)
        self._fit_decision(F, Y)
        self.training_data_hash_ = training_data_hash(texts, Y, labels)
        self.n_train_ = len(texts)
        return self

    def fit_from_params(self) -> TextClassifier:
        """Fit a training-free backend from its parameters alone: no texts, no labels.

        For backends with ``requires_labels = False`` (``lexicon`` with ``cues``,
        ``zeroshot`` with ``prototypes``), which score from the descriptions they are given
        (usually the codebook's, see :func:`stance.classifiers.make_classifier`). Nothing is
        calibrated or tuned: multi-label thresholds are ``threshold`` (0.5 for ``"auto"``),
        ``training_data_hash_`` is None and ``n_train_`` is 0.

        Returns
        -------
        self

        Raises
        ------
        ValueError
            For a backend that needs training data, or without ``labels``.
        """
        self._check_params()
        if self.requires_labels:
            raise ValueError(f"{type(self).__name__} needs training data; call fit(X, y)")
        labels = self._check_labels()
        if labels is None:
            raise ValueError(f"{type(self).__name__}.fit_from_params needs labels=[...]")
        self.classes_ = np.array(labels, dtype=object)
        self._prepare_fit()
        self._fit_features(None, None)
        self._fit_decision(None, None)
        self.training_data_hash_ = None
        self.n_train_ = 0
        return self

    def _check_params(self) -> None:
        """Validate the parameters (``_parameter_constraints``), then check the optional packages."""
        validate_params(self, self._parameter_constraints)
        for mod, extra in self.needs:
            require_installed(mod, extra=extra)

    def fold_proba(self, F_train: Any, Y_train: np.ndarray, F_test: Any) -> np.ndarray:
        """Fit on the features of training rows; the raw (uncalibrated) probabilities of test rows.

        One split of the inner cross-validation behind ``calibration`` and ``threshold``: the
        features are computed once by the model being fitted and shared by its splits.
        ``classes_`` must be set first.
        """
        self._fit_features(F_train, Y_train)
        return self._raw_proba(F_test)

    def _oof_proba(self, F: Any, Y: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
        """Raw probabilities of the inner splits' held-out samples and their positions, or None if too few samples."""
        seed = int(self.random_state or 0)
        splits = inner_splits(Y, self.multilabel, self.cv, seed, groups=getattr(self, "_inner_groups", None))
        if not splits:
            return None
        held = np.sort(np.concatenate([te for _, te in splits]))
        P = np.zeros((len(Y), len(self.classes_)), dtype=np.float64)
        overrides = {"calibration": None, "threshold": 0.5, **self._fold_params()}
        for tr, te in splits:
            sub = clone(self).set_params(**overrides)
            sub.classes_ = self.classes_
            P[te] = sub.fold_proba(_take(F, tr), Y[tr], _take(F, te))
        return P[held], held

    def _fit_decision(self, F: Any, Y: np.ndarray | None) -> None:
        k = len(self.classes_)
        threshold = self.threshold
        method = self.calibration
        self.calibration_ = None
        self.calibration_scores_ = {}
        self.calibrator_ = Calibrator(None, self.multilabel)
        fixed = 0.5 if threshold == "auto" else float(threshold)
        self.thresholds_ = np.full(k, fixed) if self.multilabel else None
        tune = self.multilabel and threshold == "auto"
        if Y is None or (method is None and not tune):
            return
        inner = self._oof_proba(F, Y)
        if inner is None:
            return
        P, held = inner
        Y = Y[held]
        if method == "auto":
            method, self.calibration_scores_ = choose_calibration(
                P,
                Y,
                self.multilabel,
                seed=int(self.random_state or 0),
                groups=None if getattr(self, "_inner_groups", None) is None else self._inner_groups[held],
            )
        if method is not None:
            self.calibrator_ = Calibrator(method, self.multilabel).fit(P, Y)
            self.calibration_ = method
            P = self.calibrator_.transform(P)
        if tune:
            self.thresholds_ = tune_thresholds(P, Y)

    # --------------------------------------------------------------- predict
    def predict_proba(self, X: Any) -> np.ndarray:
        """Probabilities of shape ``(n_samples, len(classes_))``, columns in ``classes_`` order.

        Multi-label rows hold one independent probability per label; multi-class rows sum
        to one.
        """
        texts = check_texts(X)
        check_is_fitted(self, "classes_")
        if not texts:
            return np.zeros((0, len(self.classes_)), dtype=np.float64)
        P = np.asarray(self._raw_proba(self._featurize(texts)), dtype=np.float64)
        return self.calibrator_.transform(P)

    def predict(self, X: Any) -> np.ndarray:
        """Multi-class: array of label names. Multi-label: indicator matrix (n, k) after ``thresholds_``."""
        return self.decide(self.predict_proba(X))

    def decide(self, P: np.ndarray) -> np.ndarray:
        """Turn probabilities from :meth:`predict_proba` into decisions (:func:`decide_labels`).

        Parameters
        ----------
        P : ndarray of shape (n_samples, n_classes)
            Probabilities, columns in ``classes_`` order.

        Returns
        -------
        ndarray
            Multi-label: indicator matrix ``(n, k)``, 1 where ``P >= thresholds_``.
            Multi-class: array of label names (the arg-max column).
        """
        check_is_fitted(self, "classes_")
        return decide_labels(P, self.classes_, self.multilabel, self.thresholds_)

    def predict_labels(self, X: Any) -> list[list[str]]:
        """Multi-label predictions as lists of label names (multi-class: one-item lists)."""
        pred = self.predict(X)
        if self.multilabel:
            return [[str(c) for c, v in zip(self.classes_, row, strict=True) if v] for row in pred]
        return [[str(c)] for c in pred]

    def score(self, X: Any, y: Any, sample_weight: Any = None) -> float:
        """Accuracy (multi-class) or subset accuracy (multi-label) on ``X, y``."""
        texts = check_texts(X)
        _, Y = self._targets(y, len(texts), list(self.classes_))
        pred = self.predict(texts)
        if not self.multilabel:
            index = {c: i for i, c in enumerate(self.classes_)}
            pred = np.array([index[c] for c in pred], dtype=np.int64)
        return float(accuracy_score(Y, pred, sample_weight=sample_weight))

    # ----------------------------------------------------------- persistence
    def _params_json(self) -> dict[str, Any]:
        return _jsonable(self.get_params(deep=False))

    @classmethod
    def _params_from_json(cls, params: dict[str, Any]) -> dict[str, Any]:
        sig = inspect.signature(cls.__init__)
        out = {}
        for name, value in params.items():
            if name not in sig.parameters:
                warnings.warn(f"{cls.__name__}: ignoring unknown saved parameter {name!r}", stacklevel=3)
                continue
            default = sig.parameters[name].default
            if isinstance(default, tuple) and isinstance(value, list):
                value = tuple(value)
            out[name] = value
        return out

    def config(self, provenance: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """The ``config.json`` content describing this fitted model (without state).

        Parameters
        ----------
        provenance : mapping, optional
            Where the model comes from (see :func:`provenance_record`): task, codebook
            hashes, training-data hash, metrics and any other JSON-able fields. Without a
            ``training_data_hash`` the one ``fit`` computed is recorded.
        """
        check_is_fitted(self, "classes_")
        prov = dict(provenance or {})
        return {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "class": type(self).__name__,
            "backend": self.backend,
            "params": self._params_json(),
            "labels": [str(c) for c in self.classes_],
            "multilabel": bool(self.multilabel),
            "task": prov.get("task"),
            "codebook_hash": prov.get("codebook_hash"),
            "codebook_version": prov.get("codebook_version"),
            "codebook_name": prov.get("codebook_name"),
            "label_hashes": prov.get("label_hashes"),
            "intended_use": prov.get("intended_use"),
            "training_data_hash": prov.get("training_data_hash") or self.training_data_hash_,
            "n_train": int(self.n_train_),
            "metrics": prov.get("metrics"),
            "provenance_extra": {
                k: v for k, v in prov.items() if k not in (*_CODEBOOK_KEYS, "training_data_hash", "metrics")
            },
            "calibration": self.calibration_,
            "calibration_scores": self.calibration_scores_,
            "thresholds": None if self.thresholds_ is None else [float(t) for t in self.thresholds_],
            "versions": library_versions(),
        }

    def save(self, path: str | Path, provenance: Mapping[str, Any] | None = None) -> Path:
        """Write the fitted model to the folder ``path`` (created if needed).

        Files: ``config.json``, ``arrays.safetensors``, ``MODEL_CARD.md`` and, for neural
        backends, ``save_pretrained`` folders.

        Parameters
        ----------
        path : str or Path
        provenance : mapping, optional
            Recorded in ``config.json`` and the model card (see :meth:`config`); the
            estimator itself carries none.

        Returns
        -------
        Path
            The folder.
        """
        path = Path(path)
        path.mkdir(parents=True, exist_ok=True)
        config = self.config(provenance)
        state, arrays = self._get_state(path)
        arrays = {**arrays, **self.calibrator_.arrays()}
        config["state"] = _jsonable(state)
        config["arrays"] = sorted(arrays)
        if arrays:
            save_file(
                {k: np.ascontiguousarray(v) for k, v in arrays.items()},
                str(path / ARRAYS_FILE),
                metadata={"format": FORMAT},
            )
        (path / CONFIG_FILE).write_text(json.dumps(config, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        (path / MODEL_CARD).write_text(model_card(config), encoding="utf-8")
        return path

    @classmethod
    def _saved_class(cls, name: str, path: Path) -> type[TextClassifier]:
        """The subclass of ``cls`` named ``name`` in a saved configuration (a subclass lookup, not an import)."""
        if name == cls.__name__:
            return cls
        known = {sub.__name__: sub for sub in _subclasses(TextClassifier)}
        if name not in known:
            raise ValueError(f"{path} holds an unknown classifier class {name!r}")
        if not issubclass(known[name], cls):
            raise TypeError(f"{path} holds a {name}, not a {cls.__name__}")
        return known[name]

    @classmethod
    def load(cls, path: str | Path, codebook: Any = None) -> TextClassifier:
        """Load a model written by :meth:`save`.

        Parameters
        ----------
        path : str or Path
            The model folder.
        codebook : Codebook or False, optional
            Codebook to compare with the one the model was trained under (default: the
            project codebook, when there is one). A differing hash issues a
            :class:`CodebookChangedWarning` naming the labels that changed. ``False`` skips
            the check.
        """
        path = Path(path)
        config_path = path / CONFIG_FILE
        if not config_path.is_file():
            raise FileNotFoundError(f"{path} is not a saved classifier (no {CONFIG_FILE})")
        config = json.loads(config_path.read_text(encoding="utf-8"))
        if config.get("format") != FORMAT:
            raise ValueError(f"{config_path} is not a stance classifier config (format={config.get('format')!r})")
        if config.get("format_version", 0) > FORMAT_VERSION:
            raise ValueError(f"{path} was saved by a newer stance (format {config['format_version']}); upgrade stance")
        target = cls._saved_class(config["class"], path)
        if target is not cls:  # the subclass named in the folder loads it
            return target.load(path, codebook)
        clf = cls(**cls._params_from_json(config["params"]))
        for mod, extra in cls.needs:
            require_installed(mod, extra=extra)
        clf.set_fitted_state(config, _load_arrays(path), path)
        if codebook is not False:
            check_codebook(config, codebook, path)
        return clf

    def set_fitted_state(self, config: Mapping[str, Any], arrays: Mapping[str, np.ndarray], path: Path) -> None:
        """Restore the learned state :meth:`save` wrote (used by :meth:`load`).

        Parameters
        ----------
        config : mapping
            The content of ``config.json``.
        arrays : mapping of str to ndarray
            The content of ``arrays.safetensors``.
        path : Path
            The model folder (backends with ``save_pretrained`` folders read them from it).

        Raises
        ------
        StanceInputError
            When an array the backend needs is missing.
        """
        self.classes_ = np.array(config["labels"], dtype=object)
        self.calibration_ = config.get("calibration")
        self.calibration_scores_ = config.get("calibration_scores") or {}
        self.calibrator_ = Calibrator.from_arrays(self.calibration_, bool(config["multilabel"]), arrays)
        thr = config.get("thresholds")
        self.thresholds_ = None if thr is None else np.asarray(thr, dtype=np.float64)
        self.training_data_hash_ = config.get("training_data_hash")
        self.n_train_ = int(config.get("n_train") or 0)
        try:
            self._set_state(config.get("state") or {}, dict(arrays), path)
        except KeyError as exc:
            raise StanceInputError(
                f"has no array {exc.args[0]!r}, which this {config['class']} needs: the file is damaged or belongs "
                "to another model; restore the model folder or retrain it (`stance train --force`)",
                file=path / ARRAYS_FILE,
            ) from exc


def _load_arrays(path: Path) -> dict[str, np.ndarray]:
    """The arrays of a saved model folder (none when it has no ``arrays.safetensors``)."""
    from safetensors import SafetensorError

    file = path / "arrays.safetensors"
    if not file.is_file():
        return {}
    try:
        return load_file(str(file))
    except (SafetensorError, OSError) as exc:
        raise StanceInputError(
            f"cannot read the model's arrays ({exc}); the file is truncated or damaged: restore the model folder "
            "or retrain it (`stance train --force`)",
            file=file,
        ) from exc


def check_codebook(config: dict, codebook: Any = None, path: Path | None = None) -> list[str]:
    """Warn when a saved model's codebook differs from ``codebook``; return the changed labels.

    Parameters
    ----------
    config : dict
        A model's ``config.json`` content.
    codebook : Codebook, optional
        Defaults to the project codebook; when there is none, nothing is checked.
    """
    saved = config.get("codebook_hash")
    if not saved:
        return []
    if codebook is None:
        try:
            codebook = Codebook.load()
        except (OSError, ValueError):
            return []
    if codebook.hash == saved:
        return []
    task = config.get("task")
    where = f" at {path}" if path is not None else ""
    head = (
        f"the model{where} was trained under codebook {config.get('codebook_version')!r} "
        f"(hash {saved[:12]}), but the current codebook is {codebook.version!r} (hash {codebook.hash[:12]})"
    )
    old = config.get("label_hashes") or {}
    fix = (
        "it cannot score under this codebook: retrain it (`stance train --force`) or restore the codebook it was "
        "trained under"
    )
    if task is not None and task not in getattr(codebook, "tasks", []):
        raise StanceInputError(
            f"{head}; its task {task!r} is not in the current codebook (tasks: {', '.join(codebook.tasks)}); {fix}",
            file=path / "config.json" if path is not None else None,
            field="task",
        )
    if task is None:
        warnings.warn(head, CodebookChangedWarning, stacklevel=3)
        return sorted(old)
    new = {lab.name: lab.hash for lab in codebook.labels(task)}
    changed = sorted(k for k in set(old) & set(new) if old[k] != new[k])
    added = sorted(set(new) - set(old))
    removed = sorted(set(old) - set(new))
    if removed:
        instead = f"; the codebook has {', '.join(repr(a) for a in added)} instead" if added else ""
        raise StanceInputError(
            f"{head}; the model predicts {task} label(s) {', '.join(repr(r) for r in removed)} that the codebook "
            f"no longer defines{instead}; {fix}",
            file=path / "config.json" if path is not None else None,
            field="labels",
        )
    parts = []
    if changed:
        parts.append(f"changed labels: {', '.join(changed)}")
    if added:
        parts.append(f"added labels: {', '.join(added)}")
    if removed:
        parts.append(f"removed labels: {', '.join(removed)}")
    if not parts:
        parts.append(f"the labels of task {task!r} are unchanged (other parts of the codebook differ)")
    warnings.warn(f"{head}; {'; '.join(parts)}", CodebookChangedWarning, stacklevel=3)
    return changed + added + removed
