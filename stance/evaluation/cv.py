"""The fold loop: fit on each fold's training part, one forward pass on its test part.

Everything a fold learns is learned inside the fold. Each fold fits a fresh estimator on
the training passages only, so vocabularies, probability calibration and decision
thresholds (which the classifiers tune on their own training data) never see the
held-out passages. Codebook examples are synthetic: with ``use_codebook_examples=True``
they are added to the *training* part of every fold, and they are never predicted or
scored.

Prediction is one forward pass per fold: ``P = est.predict_proba(X_test)``, then
``est.decide(P)`` turns the probabilities into labels (the estimator's one decision rule,
:meth:`stance.classifiers.base.TextClassifier.decide`), so the prediction time in the
tables is the time of that one pass. :func:`run_folds` is the loop; cross-validation,
learning curves, fine-tuning comparisons and the role models all go through it.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from stance._progress import progress
from stance.classifiers.base import decide_labels
from stance.evaluation.data import TaskData, codebook_examples
from stance.evaluation.folds import Fold, fold_scheme, make_folds
from stance.evaluation.metrics import primary_metric, score_predictions

if TYPE_CHECKING:
    from stance.codebook import Codebook

__all__ = [
    "CODEBOOK_GROUP",
    "PREDICTION_COLUMNS",
    "CVResult",
    "build_model",
    "cross_validate",
    "decide",
    "fit_on",
    "learning_curve",
    "model_name",
    "pooled_pairs",
    "run_folds",
    "takes_groups",
]

PREDICTION_COLUMNS = ["model", "task", "fold", "passage_id", "doc_id", "label", "true", "pred", "prob"]

#: ``fit(fold) -> fitted estimator or None``: what the fold loop calls for every fold.
FoldFitter = Callable[[Fold], Any]


def model_name(model: Any) -> str:
    """Name of a model in the tables.

    Parameters
    ----------
    model : str or estimator

    Returns
    -------
    str
        The registry name, ``model.name`` or the class name.
    """
    if isinstance(model, str):
        return model
    return str(getattr(model, "name", None) or type(model).__name__)


def build_model(
    model: Any,
    data: TaskData,
    codebook: Codebook | None = None,
    params: Mapping[str, Any] | None = None,
    random_state: int = 0,
) -> Any:
    """A fresh, unfitted estimator for ``data``.

    Parameters
    ----------
    model : str, estimator or callable
        A registry name (built with :func:`stance.classifiers.make_classifier` when
        ``codebook`` defines the task, otherwise from the registry class with the task's
        labels), an estimator, which is cloned, or a factory called without arguments
        for a fresh estimator (e.g. the role models of
        :func:`stance.narrative.default_role_models`).
    data : TaskData
    codebook : Codebook, optional
    params : mapping, optional
        Constructor parameters.
    random_state : int
        Given to estimators that take one (unless ``params`` sets it).

    Returns
    -------
    estimator

    Raises
    ------
    KeyError
        For an unknown registry name.
    """
    from sklearn.base import clone

    params = dict(params or {})
    if isinstance(model, str):
        from stance.classifiers import REGISTRY, make_classifier

        if model not in REGISTRY:
            raise KeyError(f"unknown classifier {model!r}; known: {', '.join(sorted(REGISTRY))}")
        if codebook is not None and data.task in codebook.tasks:
            est = make_classifier(model, data.task, codebook, **params)
        else:
            est = REGISTRY[model](labels=list(data.labels), multilabel=data.multilabel, **params)
    else:
        est = model() if callable(model) else clone(model)
        if params:
            est.set_params(**params)
    if hasattr(est, "get_params") and "random_state" in est.get_params() and "random_state" not in params:
        est.set_params(random_state=random_state)
    return est


def decide(est: Any, P: np.ndarray, multilabel: bool) -> np.ndarray:
    """Decisions from probabilities: the estimator's own :meth:`decide`.

    Estimators outside the classifier contract (plain scikit-learn-style ones without
    ``decide``) get the contract's rule with its default thresholds: the arg-max class
    (multi-class; the first of tied classes) or every label with probability >= 0.5.

    Parameters
    ----------
    est : fitted estimator
    P : ndarray of shape (n, k)
        ``est.predict_proba`` output, columns in ``est.classes_`` order.
    multilabel : bool

    Returns
    -------
    ndarray
        Label names (multi-class) or an indicator matrix (multi-label).
    """
    if hasattr(est, "decide"):
        return est.decide(P)
    return decide_labels(P, est.classes_, multilabel)


def _align(est: Any, P: np.ndarray, labels: Sequence[str]) -> np.ndarray:
    """Reorder probability columns from ``est.classes_`` to ``labels`` (missing ones are 0)."""
    classes = [str(c) for c in getattr(est, "classes_", labels)]
    P = np.asarray(P, dtype=np.float64)
    if classes == list(labels):
        return P
    out = np.zeros((P.shape[0], len(labels)), dtype=np.float64)
    for j, c in enumerate(classes):
        if c in labels:
            out[:, list(labels).index(c)] = P[:, j]
    return out


def _pred_matrix(est: Any, pred: Any, labels: Sequence[str], multilabel: bool, n: int) -> np.ndarray:
    """Decisions as a boolean (n, k) matrix over ``labels``."""
    labels = list(labels)
    out = np.zeros((n, len(labels)), dtype=bool)
    if multilabel:
        arr = pred.toarray() if hasattr(pred, "toarray") else np.asarray(pred)
        classes = [str(c) for c in getattr(est, "classes_", labels)]
        for j, c in enumerate(classes):
            if c in labels:
                out[:, labels.index(c)] = arr[:, j].astype(bool)
        return out
    for i, name in enumerate(np.asarray(pred, dtype=object)):
        if str(name) in labels:
            out[i, labels.index(str(name))] = True
    return out


def _long_predictions(
    name: str, data: TaskData, fold: Fold, P: np.ndarray, pred: np.ndarray, truth: np.ndarray
) -> pd.DataFrame:
    k = len(data.labels)
    sub = data.passages.iloc[fold.test]
    return pd.DataFrame(
        {
            "model": name,
            "task": data.task,
            "fold": fold.name,
            "passage_id": np.repeat(sub["passage_id"].to_numpy(), k),
            "doc_id": np.repeat(sub["doc_id"].to_numpy(), k),
            "label": np.tile(np.asarray(data.labels, dtype=object), len(sub)),
            "true": truth.reshape(-1).astype(bool),
            "pred": pred.reshape(-1).astype(bool),
            "prob": P.reshape(-1).astype(float),
        }
    )


@dataclass
class CVResult:
    """Out-of-fold predictions of one model on one task.

    Attributes
    ----------
    model, task : str
    labels : list of str
    multilabel : bool
    predictions : DataFrame
        Long and tidy: ``model, task, fold, passage_id, doc_id, label, true, pred, prob``.
    fit_seconds, predict_seconds : float
        Wall time summed over folds (prediction: the one forward pass per fold).
    n_folds : int
    error : str
        Empty when every fold ran; otherwise the error that stopped the model.
    scheme : str
        How the folds were made (see :mod:`stance.evaluation.folds`).
    """

    model: str
    task: str
    labels: list[str]
    multilabel: bool
    predictions: pd.DataFrame
    fit_seconds: float = 0.0
    predict_seconds: float = 0.0
    n_folds: int = 0
    error: str = ""
    scheme: str = ""

    @property
    def n_predicted(self) -> int:
        """Number of passages predicted."""
        return int(self.predictions["passage_id"].nunique()) if len(self.predictions) else 0

    def score(self, **kwargs: Any) -> tuple[pd.DataFrame, pd.DataFrame]:
        """Overall and per-label metrics; keyword arguments go to :func:`score_predictions`."""
        return score_predictions(self.predictions, self.labels, self.multilabel, **kwargs)


def _fold_predictions(est: Any, data: TaskData, fold: Fold, name: str, truth: np.ndarray) -> tuple[pd.DataFrame, float]:
    """One forward pass over the fold's test passages, and its wall time (``est`` None: no label, probability 0)."""
    k, n = len(data.labels), len(fold.test)
    if est is None:
        frame = _long_predictions(name, data, fold, np.zeros((n, k)), np.zeros((n, k), bool), truth[fold.test])
        return frame, 0.0
    X_test = [data.texts[i] for i in fold.test]
    t0 = time.perf_counter()
    P_raw = est.predict_proba(X_test)
    decided = decide(est, P_raw, data.multilabel)
    seconds = time.perf_counter() - t0
    pred = _pred_matrix(est, decided, data.labels, data.multilabel, n)
    return _long_predictions(name, data, fold, _align(est, P_raw, data.labels), pred, truth[fold.test]), seconds


def run_folds(
    data: TaskData, folds: Sequence[Fold], fit: FoldFitter, name: str, *, desc: str | None = None
) -> CVResult:
    """The fold loop: for each fold, ``fit(fold)``, then one forward pass on its test passages.

    Parameters
    ----------
    data : TaskData
    folds : list of Fold
        Folds without test passages are skipped.
    fit : callable
        ``fit(fold)`` returns an estimator fitted on (part of) ``fold.train`` only, or None
        when there is nothing to train on (every test passage then gets no label).
    name : str
        Model name in the predictions.
    desc : str, optional
        Show a progress bar over the folds with this label (silent in quiet mode).

    Returns
    -------
    CVResult
        Out-of-fold predictions, fit and predict wall time summed over folds.
    """
    folds = list(folds)
    frames: list[pd.DataFrame] = []
    fit_s = pred_s = 0.0
    truth = data.indicator()
    for fold in progress(folds, desc=desc, total=len(folds)) if desc else folds:
        if len(fold.test) == 0:
            continue
        t0 = time.perf_counter()
        est = fit(fold)
        fit_s += time.perf_counter() - t0
        frame, seconds = _fold_predictions(est, data, fold, name, truth)
        frames.append(frame)
        pred_s += seconds
    predictions = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=PREDICTION_COLUMNS)
    return CVResult(
        name,
        data.task,
        list(data.labels),
        data.multilabel,
        predictions,
        fit_s,
        pred_s,
        len(frames),
        "",
        fold_scheme(folds),
    )


def fit_on(
    model: Any,
    data: TaskData,
    index: np.ndarray,
    *,
    codebook: Codebook | None = None,
    params: Mapping[str, Any] | None = None,
    use_codebook_examples: bool = False,
    random_state: int = 0,
    related: Mapping[str, TaskData] | None = None,
) -> Any:
    """A fresh ``model`` (see :func:`build_model`) fitted on the examples at ``index``.

    A model that pools targets (``pools_targets``, e.g. the target-conditioned stance
    model) is trained on the (target, passage) pairs of every target it names that
    ``related`` holds (:func:`pooled_pairs`), so the held-out documents and passages stay
    out of training for every target.

    A model whose ``fit`` takes ``groups`` is given the document of every training
    example (one group for all codebook examples), so its inner cross-validation (``C``,
    calibration, thresholds) holds whole documents out.

    Parameters
    ----------
    model : str or estimator
    data : TaskData
    index : ndarray of int
        Training positions.
    codebook : Codebook, optional
    params : mapping, optional
    use_codebook_examples : bool
        Add the codebook's synthetic examples to the training data.
    random_state : int
    related : mapping of str to TaskData, optional
        The data of other targets, for models that pool targets.

    Returns
    -------
    estimator
        Fitted.

    Raises
    ------
    ValueError
        ``use_codebook_examples`` without a codebook.
    """
    est = build_model(model, data, codebook, params, random_state)
    grouped = takes_groups(est)
    if getattr(est, "pools_targets", False) and related:
        X, y, targets, groups = pooled_pairs(est, data, index, related)
        return est.fit(X, y, targets=targets, **({"groups": groups} if grouped else {}))
    texts = data.texts
    X = [texts[i] for i in index]
    y = data.y[index]
    groups = data.groups[index].tolist()
    if use_codebook_examples:
        if codebook is None:
            raise ValueError("use_codebook_examples needs a codebook")
        ex_text, ex_y = codebook_examples(codebook, data.task, data.labels)
        X = X + ex_text
        y = np.concatenate([y, ex_y]) if len(ex_text) else y
        groups += [CODEBOOK_GROUP] * len(ex_text)
    if grouped:
        est.fit(X, y, groups=groups)
    else:
        est.fit(X, y)
    return est


#: The group of the codebook's synthetic examples in a grouped inner cross-validation.
CODEBOOK_GROUP = "__codebook__"


def takes_groups(est: Any) -> bool:
    """Whether ``est.fit`` takes ``groups`` (the documents of the training examples)."""
    import inspect

    try:
        return "groups" in inspect.signature(est.fit).parameters
    except (TypeError, ValueError):
        return False


def pooled_pairs(
    est: Any, data: TaskData, index: np.ndarray, related: Mapping[str, TaskData]
) -> tuple[list[str], np.ndarray, list[str], list[str]]:
    """The (target, passage) training pairs of a target-pooling model (see :func:`fit_on`).

    The pairs of ``data`` at ``index``, and of every other target the pairs whose document
    is among the training documents of ``index`` and whose passage is not one of the
    passages of ``data`` outside ``index``. So a held-out passage has no pair in training,
    for any target and any folds (also folds that split documents).

    Parameters
    ----------
    est : estimator
        With ``target_list()``.
    data : TaskData
        The task of the model's own target.
    index : ndarray of int
        Training positions in ``data``.
    related : mapping of str to TaskData
        Data of the other targets.

    Returns
    -------
    texts : list of str
    y : ndarray
    targets : list of str
    groups : list of str
        The document of every pair.
    """
    index = np.asarray(index, dtype=int)
    train_docs = list(set(data.groups[index].tolist()))
    held = np.ones(len(data), dtype=bool)
    held[index] = False
    held_out = data.passages["passage_id"].astype(str).to_numpy()[held]
    X: list[str] = []
    ys: list[np.ndarray] = []
    targets: list[str] = []
    groups: list[str] = []
    for task in est.target_list():
        other = data if task == data.task else related.get(task)
        if other is None or other.labels != data.labels:
            continue
        if other is data:
            idx = index
        else:
            pids = other.passages["passage_id"].astype(str).to_numpy()
            idx = np.flatnonzero(np.isin(other.groups, train_docs) & ~np.isin(pids, held_out))
        texts = other.texts
        X += [texts[i] for i in idx]
        ys.append(other.y[idx])
        targets += [task] * len(idx)
        groups += other.groups[idx].tolist()
    return X, np.concatenate(ys) if ys else data.y[:0], targets, groups


def cross_validate(
    model: Any,
    data: TaskData,
    folds: Sequence[Fold] | None = None,
    *,
    codebook: Codebook | None = None,
    params: Mapping[str, Any] | None = None,
    use_codebook_examples: bool = False,
    random_state: int = 0,
    name: str | None = None,
    related: Mapping[str, TaskData] | None = None,
    desc: str | None = None,
) -> CVResult:
    """Out-of-fold predictions of ``model`` on ``data``.

    Parameters
    ----------
    model : str or estimator
        Registry name or a raw-text estimator; a fresh clone is fitted in every fold.
    data : TaskData
    folds : list of Fold, optional
        Default: :func:`make_folds` (leave one document out).
    codebook : Codebook, optional
        Builds registry models for codebook tasks and supplies codebook examples.
    params : mapping, optional
        Constructor parameters for the model.
    use_codebook_examples : bool
        Add the codebook's synthetic examples to each training fold (never to test folds).
    random_state : int
        Seed given to estimators that take one.
    name : str, optional
        Model name in the results (default: the registry name or class name).
    related : mapping of str to TaskData, optional
        Other targets' data for models that pool targets (see :func:`fit_on`).
    desc : str, optional
        Show a progress bar over the folds with this label (see :func:`run_folds`).

    Returns
    -------
    CVResult
    """
    folds = list(folds) if folds is not None else make_folds(data)

    def fit(fold: Fold) -> Any:
        return fit_on(
            model,
            data,
            fold.train,
            codebook=codebook,
            params=params,
            use_codebook_examples=use_codebook_examples,
            random_state=random_state,
            related=related,
        )

    return run_folds(data, folds, fit, name or model_name(model), desc=desc)


def _subsampled(folds: Sequence[Fold], fraction: float, rng: np.random.Generator) -> list[Fold]:
    """The folds with their training part subsampled to ``fraction`` (at least two passages)."""
    out = []
    for fold in folds:
        size = max(2, round(fraction * len(fold.train)))
        train = fold.train if size >= len(fold.train) else np.sort(rng.choice(fold.train, size, replace=False))
        out.append(Fold(fold.name, train, fold.test, fold.scheme))
    return out


def learning_curve(
    model: Any,
    data: TaskData,
    folds: Sequence[Fold] | None = None,
    *,
    fractions: Sequence[float] = (0.25, 0.5, 0.75, 1.0),
    n_repeats: int = 3,
    codebook: Codebook | None = None,
    params: Mapping[str, Any] | None = None,
    use_codebook_examples: bool = False,
    random_state: int = 0,
    name: str | None = None,
) -> pd.DataFrame:
    """Score against the number of labelled training passages.

    Every training fold is subsampled to each fraction of its size (``n_repeats`` random
    subsamples per fraction, seeded; one at the full size) and the model is scored on the
    full test folds, pooled over folds.

    Parameters
    ----------
    model : str or estimator
    data : TaskData
    folds : list of Fold, optional
        Default: leave one document out.
    fractions : sequence of float
        Shares of each training fold to train on.
    n_repeats : int
        Random subsamples per fraction below 1.
    codebook, params, use_codebook_examples, random_state, name
        As for :func:`cross_validate` (repeat ``r`` uses seed ``random_state + r``).

    Returns
    -------
    DataFrame
        ``model, task, fraction, repeat, n_train`` (mean training passages per fold) and
        ``metric, value`` (the primary metric and micro/macro-F1), tidy.
    """
    folds = list(folds) if folds is not None else make_folds(data)
    name = name or model_name(model)
    metric = primary_metric(data.labels, data.multilabel)
    metrics = [metric, *(m for m in ("macro_f1", "micro_f1") if m != metric)]
    rows = []
    for fraction in fractions:
        for rep in range(1 if fraction >= 1.0 else n_repeats):
            rng = np.random.default_rng([random_state, rep, round(fraction * 1000)])
            sub = _subsampled(folds, fraction, rng)
            res = cross_validate(
                model,
                data,
                sub,
                codebook=codebook,
                params=params,
                use_codebook_examples=use_codebook_examples,
                random_state=random_state + rep,
                name=name,
            )
            values = res.score(n_boot=0)[0].set_index("metric")["value"]
            n_train = float(np.mean([len(f.train) for f in sub]))
            for m in metrics:
                rows.append(
                    {
                        "model": name,
                        "task": data.task,
                        "fraction": float(fraction),
                        "repeat": rep,
                        "n_train": n_train,
                        "metric": m,
                        "value": float(values.get(m, np.nan)),
                    }
                )
    return pd.DataFrame(rows)
