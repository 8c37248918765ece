"""Honest evaluation: grouped cross-validation, metrics with bootstrap intervals, learning curves.

Everything a fold learns is learned inside the fold. Each fold fits a fresh clone of the
estimator on the training passages only, so vocabularies, probability calibration and
decision thresholds (which the classifiers tune on their own training data) never see
the held-out passages. Codebook examples are synthetic: with
``use_codebook_examples=True`` they are added to the *training* part of every fold, and
they are never predicted or scored.

Folds
-----
``document`` (default)
    Leave one document out: passages of a document share topic, author and wording, so
    they are held out together.
``outlet``
    Leave one outlet out, when the corpus names its outlets: a harder test of transfer
    to an unseen source.
``stratified``
    Stratified k-fold over passages. Passages of one document then sit on both sides of
    a split, so the scores are optimistic; a :class:`LeakageWarning` says so.

Metrics
-------
Multi-label tasks (frames): precision, recall and F1 per label; macro- and micro-F1,
macro precision and recall, subset accuracy and the Brier score overall. Multi-class
tasks (stance): precision, recall and F1 per class; accuracy, macro-F1 and the SemEval
``f_avg`` (mean of the F1 of FAVOR and of AGAINST) overall, and the multi-class Brier
score (squared error summed over classes, 0 to 2).

A label that occurs neither in the gold labels nor in the predictions of the scored set
has no F1; macro averages (and ``f_avg``) average the labels that do occur. Precision of
a label that is never predicted (and recall of one never present) counts as 0.

Uncertainty
-----------
Every metric comes with a percentile bootstrap interval (default 95 %, 1,000 resamples,
seed 0). ``resample="passage"`` (default) draws passages with replacement; it answers
"how much would the score move with other passages like these". ``resample="document"``
draws whole documents, which respects the dependence between passages of a document
but is coarse when there are few documents (five seed documents allow only 126
distinct resamples), so it gives wide, lumpy intervals. Every model of a comparison is
scored on the same resamples (paired). Intervals describe the sampling of the evaluated
passages; they do not cover the variability of training.

All results are tidy DataFrames; :meth:`Evaluation.write` saves them as CSV.
"""

from __future__ import annotations

import hashlib
import json
import time
import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from stance.codebook import Codebook
    from stance.corpus import Corpus

__all__ = [
    "SCHEMES",
    "CVResult",
    "Comparison",
    "Evaluation",
    "Fold",
    "LeakageWarning",
    "TaskData",
    "bootstrap_weights",
    "codebook_examples",
    "compare_models",
    "confusion_matrix",
    "confusion_table",
    "cross_validate",
    "data_hash",
    "error_examples",
    "evaluate_gold",
    "folds_from_column",
    "gold_task_data",
    "learning_curve",
    "make_folds",
    "primary_metric",
    "rank_models",
    "score_predictions",
    "speed_class",
]

SCHEMES = ("document", "outlet", "stratified")
PREDICTION_COLUMNS = ["model", "task", "fold", "passage_id", "doc_id", "label", "true", "pred", "prob"]


class LeakageWarning(UserWarning):
    """The chosen folds let passages of one document sit in both training and test data."""


# ----------------------------------------------------------------------------- data
@dataclass
class TaskData:
    """Texts and targets of one classification task.

    Attributes
    ----------
    task : str
        Task name, e.g. ``"frames"`` or ``"stance:cooperation"``.
    labels : list of str
        Class names in codebook order (the columns of ``y`` for multi-label tasks).
    multilabel : bool
    passages : DataFrame
        One row per example: ``passage_id``, ``doc_id``, ``outlet`` and ``text`` (index 0..n-1).
    y : ndarray
        Multi-label: indicator matrix of shape (n, k), int. Multi-class: label strings, shape (n,).
    """

    task: str
    labels: list[str]
    multilabel: bool
    passages: pd.DataFrame
    y: np.ndarray

    def __post_init__(self) -> None:
        self.passages = self.passages.reset_index(drop=True)
        for col in ("passage_id", "doc_id", "outlet"):
            if col not in self.passages:
                self.passages[col] = self.passages.index.astype(str) if col == "passage_id" else ""
        self.labels = [str(x) for x in self.labels]
        if self.multilabel:
            self.y = np.asarray(self.y, dtype=int).reshape(len(self.passages), len(self.labels))
        else:
            self.y = np.asarray(self.y, dtype=object)
            unknown = sorted(set(self.y) - set(self.labels))
            if unknown:
                raise ValueError(f"{self.task}: targets {unknown} are not among the labels {self.labels}")
        if len(self.y) != len(self.passages):
            raise ValueError(f"{self.task}: {len(self.y)} targets for {len(self.passages)} passages")

    def __len__(self) -> int:
        return len(self.passages)

    @property
    def texts(self) -> list[str]:
        """The passage texts as a list."""
        return self.passages["text"].astype(str).tolist()

    def indicator(self) -> np.ndarray:
        """Targets as a boolean matrix of shape (n, k) (one-hot for multi-class tasks)."""
        if self.multilabel:
            return self.y.astype(bool)
        return np.asarray(self.y)[:, None] == np.asarray(self.labels, dtype=object)[None, :]

    def subset(self, index: Sequence[int] | np.ndarray) -> TaskData:
        """The examples at positions ``index``."""
        index = np.asarray(index, dtype=int)
        return TaskData(self.task, list(self.labels), self.multilabel, self.passages.iloc[index], self.y[index])

    def label_counts(self) -> dict[str, int]:
        """Number of examples carrying each label."""
        return dict(zip(self.labels, self.indicator().sum(axis=0).astype(int).tolist(), strict=True))


def data_hash(data: TaskData) -> str:
    """sha256 of the task's examples (passage ids, text hashes and targets), order-independent."""
    from stance.corpus import text_hash

    if data.multilabel:
        targets = [[lab for lab, v in zip(data.labels, row, strict=True) if v] for row in data.y]
    else:
        targets = [str(v) for v in data.y]
    rows = sorted(
        zip(data.passages["passage_id"].astype(str), (text_hash(t) for t in data.texts), targets, strict=True),
        key=lambda r: (r[0], r[1]),
    )
    payload = {"task": data.task, "labels": data.labels, "rows": rows}
    blob = json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


def _missing(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, float) and np.isnan(value):
        return True
    return isinstance(value, str) and value.strip() == ""


def gold_task_data(corpus: Corpus, gold: pd.DataFrame, codebook: Codebook, task: str) -> TaskData:
    """Join resolved gold labels with the corpus texts for one task.

    Parameters
    ----------
    corpus : Corpus
        Supplies passage texts and document outlets.
    gold : DataFrame
        Resolved gold labels (``LabelStore(path).resolved("gold")``): ``passage_id`` and
        either ``frames`` (list of names) / ``frame:<name>`` columns, or ``stance:<target>``.
    codebook : Codebook
    task : str
        ``"frames"`` or ``"stance:<target>"``.

    Returns
    -------
    TaskData
        Passages that have a gold label for the task and whose text is in the corpus.
        Passages not coded for the task (missing value) are left out.
    """
    labels = codebook.task_labels(task)
    multilabel = codebook.is_multilabel(task)
    if task == "roles":
        raise ValueError("roles are evaluated per actor by stance.narrative.evaluate_roles")
    passages = corpus.passages[["passage_id", "doc_id", "text"]]
    docs = corpus.documents[["doc_id", "outlet"]] if "outlet" in corpus.documents else None
    g = gold.drop(columns=[c for c in ("doc_id", "text") if c in gold.columns])
    merged = passages.merge(g, on="passage_id", how="inner")
    if docs is not None:
        merged = merged.merge(docs, on="doc_id", how="left")
    merged["outlet"] = merged.get("outlet", pd.Series("", index=merged.index)).fillna("").astype(str)
    cols = [f"frame:{name}" for name in labels]
    if multilabel:
        if all(c in merged.columns for c in cols):
            merged = merged[merged[cols].notna().all(axis=1)]
        elif "frames" in merged.columns:
            merged = merged[merged["frames"].map(lambda v: isinstance(v, list | tuple | np.ndarray))]
        else:
            raise ValueError("gold labels have neither 'frames' nor 'frame:<name>' columns")
    else:
        if task not in merged.columns:
            raise ValueError(f"gold labels have no column {task!r}")
        merged = merged[~merged[task].map(_missing)]
    merged = merged.sort_values(["doc_id", "passage_id"], kind="stable").reset_index(drop=True)
    if not multilabel:
        y = merged[task].astype(str).to_numpy(dtype=object)
    elif all(c in merged.columns for c in cols):
        y = merged[cols].astype(bool).to_numpy().astype(int)
    else:
        y = np.array([[int(n in set(v)) for n in labels] for v in merged["frames"]], dtype=int)
        y = y.reshape(len(merged), len(labels))
    return TaskData(task, labels, multilabel, merged[["passage_id", "doc_id", "outlet", "text"]], y)


def codebook_examples(codebook: Codebook, task: str, labels: Sequence[str] | None = None) -> tuple[list[str], Any]:
    """Synthetic codebook examples of ``task`` as training data (never for scoring).

    Multi-label tasks use each positive example as a passage with that one label;
    negative examples are left out, because a negative for one frame may be a positive
    for another. Multi-class tasks use the examples of each class.

    Returns
    -------
    texts : list of str
    y : ndarray
        Indicator matrix (multi-label) or label strings (multi-class), aligned with ``labels``.
    """
    labels = list(labels or codebook.task_labels(task))
    examples = [(t, lab) for t, lab, positive in codebook.examples(task) if positive and lab in labels]
    texts = [t for t, _ in examples]
    if codebook.is_multilabel(task):
        y = np.zeros((len(examples), len(labels)), dtype=int)
        for i, (_, lab) in enumerate(examples):
            y[i, labels.index(lab)] = 1
        return texts, y
    return texts, np.asarray([lab for _, lab in examples], dtype=object)


# ---------------------------------------------------------------------------- folds
@dataclass(frozen=True)
class Fold:
    """One train/test split: ``name`` (e.g. the held-out document) and positions."""

    name: str
    train: np.ndarray
    test: np.ndarray


def folds_from_column(values: Sequence[Any]) -> list[Fold]:
    """Folds given by a column of fold ids: fold ``f`` tests the rows whose value is ``f``."""
    values = np.asarray([str(v) for v in values], dtype=object)
    out = []
    for name in sorted(set(values), key=lambda v: (len(v), v)):
        test = np.flatnonzero(values == name)
        train = np.flatnonzero(values != name)
        out.append(Fold(str(name), train, test))
    return out


def make_folds(data: TaskData, scheme: str = "document", n_splits: int = 5, random_state: int = 0) -> list[Fold]:
    """Cross-validation folds for ``data``.

    Parameters
    ----------
    data : TaskData
    scheme : {"document", "outlet", "stratified"}
        Leave one document out (default), leave one outlet out, or stratified k-fold
        over passages (warns: it leaks within documents).
    n_splits : int
        Folds for ``"stratified"``.
    random_state : int
        Shuffling seed for ``"stratified"``.

    Returns
    -------
    list of Fold
        Folds with at least one test passage, in sorted order of their names.
    """
    if scheme not in SCHEMES:
        raise ValueError(f"unknown fold scheme {scheme!r}; use one of {', '.join(SCHEMES)}")
    if scheme in ("document", "outlet"):
        col = "doc_id" if scheme == "document" else "outlet"
        groups = data.passages[col].fillna("").astype(str)
        if scheme == "outlet" and (groups == "").all():
            raise ValueError("leave-one-outlet-out needs outlets; the passages have none")
        if groups.nunique() < 2:
            raise ValueError(f"leave-one-{scheme}-out needs at least two {scheme}s, found {groups.nunique()}")
        return folds_from_column(groups.to_numpy())
    warnings.warn(
        "stratified k-fold puts passages of the same document in training and test folds; "
        "scores are optimistic. Use scheme='document' for an honest estimate.",
        LeakageWarning,
        stacklevel=2,
    )
    from sklearn.model_selection import KFold, StratifiedKFold

    n = len(data)
    n_splits = max(2, min(n_splits, n))
    if data.multilabel:
        strata = np.array(["|".join(lab for lab, v in zip(data.labels, row, strict=True) if v) for row in data.y])
    else:
        strata = np.asarray(data.y, dtype=str)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            splits = list(StratifiedKFold(n_splits, shuffle=True, random_state=random_state).split(strata, strata))
    except ValueError:
        splits = list(KFold(n_splits, shuffle=True, random_state=random_state).split(strata))
    return [Fold(f"fold{i}", np.sort(tr), np.sort(te)) for i, (tr, te) in enumerate(splits)]


# --------------------------------------------------------------------------- models
def _model_name(model: Any) -> str:
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

    ``model`` is a registry name (built with :func:`stance.classifiers.make_classifier`
    when ``codebook`` defines the task, otherwise from the registry class with the task's
    labels) or an estimator, which is cloned.
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
        est = clone(model)
        if params:
            est.set_params(**params)
    if "random_state" in est.get_params() and "random_state" not in params:
        est.set_params(random_state=random_state)
    return est


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
    """Predictions as a boolean (n, k) matrix over ``labels``."""
    labels = list(labels)
    out = np.zeros((n, len(labels)), dtype=bool)
    if multilabel:
        if isinstance(pred, list | tuple) and pred and isinstance(pred[0], list | tuple | set):
            for i, names in enumerate(pred):
                for name in names:
                    out[i, labels.index(str(name))] = True
            return out
        arr = np.asarray(pred)
        if hasattr(pred, "toarray"):
            arr = pred.toarray()
        classes = [str(c) for c in getattr(est, "classes_", labels)]
        for j, c in enumerate(classes):
            if c in labels:
                out[:, labels.index(c)] = arr[:, j].astype(bool)
        return out
    for i, name in enumerate(np.asarray(pred, dtype=object)):
        if str(name) in labels:
            out[i, labels.index(str(name))] = True
    return out


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
        Wall time summed over folds.
    n_folds : int
    error : str
        Empty when every fold ran; otherwise the error that stopped the model.
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

    @property
    def n_predicted(self) -> int:
        """Number of passages predicted."""
        return int(self.predictions["passage_id"].nunique()) if len(self.predictions) else 0

    def score(self, **kwargs: Any) -> tuple[pd.DataFrame, pd.DataFrame]:
        """Overall and per-label metrics; keyword arguments go to :func:`score_predictions`."""
        return score_predictions(self.predictions, self.labels, self.multilabel, **kwargs)


def _fit_fold(
    model: Any,
    data: TaskData,
    train: np.ndarray,
    codebook: Codebook | None,
    params: Mapping[str, Any] | None,
    use_codebook_examples: bool,
    random_state: int,
) -> tuple[Any, float]:
    est = build_model(model, data, codebook, params, random_state)
    X = [data.texts[i] for i in train]
    y = data.y[train]
    if use_codebook_examples:
        if codebook is None:
            raise ValueError("use_codebook_examples needs a codebook")
        ex_text, ex_y = codebook_examples(codebook, data.task, data.labels)
        X = X + ex_text
        y = np.concatenate([y, ex_y]) if len(ex_text) else y
    t0 = time.perf_counter()
    est.fit(X, y)
    return est, time.perf_counter() - t0


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

    Returns
    -------
    CVResult
    """
    folds = list(folds) if folds is not None else make_folds(data)
    name = name or _model_name(model)
    labels = list(data.labels)
    frames: list[pd.DataFrame] = []
    fit_s = pred_s = 0.0
    truth = data.indicator()
    for fold in folds:
        if len(fold.test) == 0:
            continue
        est, seconds = _fit_fold(model, data, fold.train, codebook, params, use_codebook_examples, random_state)
        fit_s += seconds
        X_test = [data.texts[i] for i in fold.test]
        t0 = time.perf_counter()
        P = _align(est, est.predict_proba(X_test), labels)
        pred = _pred_matrix(est, est.predict(X_test), labels, data.multilabel, len(X_test))
        pred_s += time.perf_counter() - t0
        frames.append(_long_predictions(name, data, fold, P, pred, truth[fold.test]))
    predictions = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=PREDICTION_COLUMNS)
    return CVResult(name, data.task, labels, data.multilabel, predictions, fit_s, pred_s, len(frames))


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


# -------------------------------------------------------------------------- metrics
def primary_metric(labels: Sequence[str], multilabel: bool) -> str:
    """The metric that ranks models: ``macro_f1`` for frames, ``f_avg`` for FAVOR/AGAINST stance."""
    if not multilabel and {"FAVOR", "AGAINST"} <= set(labels):
        return "f_avg"
    return "macro_f1"


def bootstrap_weights(n: int, n_boot: int, groups: Sequence[Any] | None = None, random_state: int = 0) -> np.ndarray:
    """Resampling weights of shape (n_boot, n): how often each passage is drawn.

    With ``groups``, whole groups (documents) are drawn with replacement and each passage
    gets the count of its group.
    """
    rng = np.random.default_rng(random_state)
    if n == 0 or n_boot <= 0:
        return np.zeros((max(n_boot, 0), n))
    if groups is None:
        return rng.multinomial(n, np.full(n, 1.0 / n), size=n_boot).astype(np.float64)
    codes, uniques = pd.factorize(pd.Series(list(groups)).astype(str), sort=True)
    g = len(uniques)
    counts = rng.multinomial(g, np.full(g, 1.0 / g), size=n_boot).astype(np.float64)
    return counts[:, codes]


def _safe_div(num: np.ndarray, den: np.ndarray, fill: float) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(den > 0, num / np.where(den > 0, den, 1.0), fill)


def _metric_arrays(
    T: np.ndarray, P: np.ndarray, Q: np.ndarray, W: np.ndarray, labels: Sequence[str], multilabel: bool
) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """Weighted metrics for every row of W. Returns overall {metric: (B,)} and per-label {metric: (B, k)}."""
    Tf, Pf = T.astype(np.float64), P.astype(np.float64)
    tp = W @ (Tf * Pf)
    fp = W @ ((1 - Tf) * Pf)
    fn = W @ (Tf * (1 - Pf))
    total = W.sum(axis=1)
    present = (tp + fp + fn) > 0
    precision = np.where(present, _safe_div(tp, tp + fp, 0.0), np.nan)
    recall = np.where(present, _safe_div(tp, tp + fn, 0.0), np.nan)
    f1 = np.where(present, _safe_div(2 * tp, 2 * tp + fp + fn, 0.0), np.nan)
    sq = (Q - Tf) ** 2
    per_label = {
        "precision": precision,
        "recall": recall,
        "f1": f1,
        "brier": _safe_div(W @ sq, total[:, None], np.nan),
        "support": W @ Tf,
    }
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        overall = {
            "macro_f1": np.nanmean(f1, axis=1),
            "macro_precision": np.nanmean(precision, axis=1),
            "macro_recall": np.nanmean(recall, axis=1),
            "micro_f1": _safe_div(2 * tp.sum(1), 2 * tp.sum(1) + fp.sum(1) + fn.sum(1), np.nan),
        }
        if multilabel:
            exact = (T == P).all(axis=1).astype(np.float64)
            overall["subset_accuracy"] = _safe_div(W @ exact, total, np.nan)
            overall["brier"] = _safe_div(W @ sq.mean(axis=1), total, np.nan)
        else:
            correct = (Tf * Pf).sum(axis=1)
            overall["accuracy"] = _safe_div(W @ correct, total, np.nan)
            labels = list(labels)
            if {"FAVOR", "AGAINST"} <= set(labels):
                pair = f1[:, [labels.index("FAVOR"), labels.index("AGAINST")]]
                overall["f_avg"] = np.nanmean(pair, axis=1)
            overall["brier"] = _safe_div(W @ sq.sum(axis=1), total, np.nan)
    return overall, per_label


def _matrices(predictions: pd.DataFrame, labels: Sequence[str]) -> tuple[pd.Index, np.ndarray, ...]:
    """Wide (n, k) matrices of truth, prediction and probability, one row per passage."""
    df = predictions[predictions["label"].isin(list(labels))]
    order = pd.Index(pd.unique(df["passage_id"]))
    wide = df.pivot_table(index="passage_id", columns="label", values=["true", "pred", "prob"], aggfunc="first")
    wide = wide.reindex(index=order)
    T = wide["true"].reindex(columns=list(labels)).fillna(False).to_numpy(dtype=bool)
    P = wide["pred"].reindex(columns=list(labels)).fillna(False).to_numpy(dtype=bool)
    Q = wide["prob"].reindex(columns=list(labels)).fillna(0.0).to_numpy(dtype=np.float64)
    docs = df.drop_duplicates("passage_id").set_index("passage_id")["doc_id"].reindex(order).to_numpy()
    return order, T, P, Q, docs


def score_predictions(
    predictions: pd.DataFrame,
    labels: Sequence[str],
    multilabel: bool,
    *,
    n_boot: int = 1000,
    resample: str = "passage",
    confidence: float = 0.95,
    random_state: int = 0,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Metrics with bootstrap confidence intervals for one model on one task.

    Parameters
    ----------
    predictions : DataFrame
        Tidy predictions of one model and task (see :class:`CVResult`).
    labels : list of str
    multilabel : bool
    n_boot : int
        Bootstrap resamples (0 for no intervals).
    resample : {"passage", "document"}
        Unit drawn with replacement.
    confidence : float
        Coverage of the percentile intervals.
    random_state : int

    Returns
    -------
    overall : DataFrame
        ``metric, value, ci_low, ci_high, n``.
    per_label : DataFrame
        ``label, metric, value, ci_low, ci_high, support``.
    """
    if resample not in ("passage", "document"):
        raise ValueError("resample must be 'passage' or 'document'")
    labels = list(labels)
    _, T, P, Q, docs = _matrices(predictions, labels)
    n = len(T)
    W = np.vstack(
        [
            np.ones((1, n)),
            bootstrap_weights(n, n_boot, docs if resample == "document" else None, random_state),
        ]
    )
    overall, per_label = _metric_arrays(T, P, Q, W, labels, multilabel)
    alpha = (1 - confidence) / 2 * 100

    def ci(values: np.ndarray) -> tuple[float, float]:
        boot = values[1:]
        boot = boot[~np.isnan(boot)]
        if len(boot) == 0:
            return np.nan, np.nan
        lo, hi = np.percentile(boot, [alpha, 100 - alpha])
        return float(lo), float(hi)

    rows = []
    for metric, values in overall.items():
        lo, hi = ci(values)
        rows.append({"metric": metric, "value": float(values[0]), "ci_low": lo, "ci_high": hi, "n": n})
    lab_rows = []
    support = per_label["support"][0]
    for j, lab in enumerate(labels):
        for metric in ("precision", "recall", "f1", "brier"):
            lo, hi = ci(per_label[metric][:, j])
            lab_rows.append(
                {
                    "label": lab,
                    "metric": metric,
                    "value": float(per_label[metric][0, j]),
                    "ci_low": lo,
                    "ci_high": hi,
                    "support": int(support[j]),
                }
            )
    return pd.DataFrame(rows), pd.DataFrame(lab_rows)


def confusion_table(predictions: pd.DataFrame, labels: Sequence[str], multilabel: bool) -> pd.DataFrame:
    """Confusion counts in tidy form: ``label, true, pred, count``.

    Multi-class: one row per (true class, predicted class), ``label`` empty. Multi-label:
    a 2x2 table per label, with ``true`` and ``pred`` in ``{"yes", "no"}``.
    """
    labels = list(labels)
    _, T, P, _, _ = _matrices(predictions, labels)
    rows = []
    if multilabel:
        for j, lab in enumerate(labels):
            for t in (True, False):
                for p in (True, False):
                    count = int(((T[:, j] == t) & (P[:, j] == p)).sum())
                    rows.append(
                        {"label": lab, "true": "yes" if t else "no", "pred": "yes" if p else "no", "count": count}
                    )
    else:
        t_idx = np.where(T.any(axis=1), T.argmax(axis=1), -1)
        p_idx = np.where(P.any(axis=1), P.argmax(axis=1), -1)
        names = [*labels, ""]
        for a, ta in enumerate(labels):
            for b, pb in enumerate(labels):
                rows.append({"label": "", "true": ta, "pred": pb, "count": int(((t_idx == a) & (p_idx == b)).sum())})
        missing = int(((t_idx >= 0) & (p_idx < 0)).sum())
        if missing:
            for a, ta in enumerate(labels):
                c = int(((t_idx == a) & (p_idx < 0)).sum())
                if c:
                    rows.append({"label": "", "true": ta, "pred": names[-1], "count": c})
    return pd.DataFrame(rows, columns=["label", "true", "pred", "count"])


def _select(table: pd.DataFrame, task: str | None, model: str | None, what: str) -> pd.DataFrame:
    """Rows of one task and one model; either may be omitted when the table holds only one."""
    for col, value in (("task", task), ("model", model)):
        if col not in table.columns:
            continue
        if value is None:
            values = list(dict.fromkeys(table[col].astype(str)))
            if len(values) > 1:
                raise ValueError(f"{what} holds several {col}s ({', '.join(values)}); pass {col}=")
        else:
            table = table[table[col].astype(str) == str(value)]
            if table.empty:
                raise ValueError(f"{what} has no rows for {col} {value!r}")
    return table


def confusion_matrix(
    confusion: pd.DataFrame, task: str | None = None, model: str | None = None, label: str | None = None
) -> pd.DataFrame:
    """A tidy confusion table (:func:`confusion_table`, ``Comparison.confusion``) as a readable matrix.

    Parameters
    ----------
    confusion : DataFrame
        Columns ``label, true, pred, count`` and optionally ``task`` and ``model``.
    task, model : str, optional
        Which task and model; needed only when the table holds several.
    label : str, optional
        Multi-label tasks: the 2x2 table of this label.

    Returns
    -------
    DataFrame
        Multi-class: gold classes as rows, predicted classes as columns (counts), in the order
        of the table. Multi-label: one row per label with ``tp, fn, fp, tn`` and ``support``
        (gold positives), or with ``label`` the 2x2 table (rows gold yes/no, columns predicted
        yes/no).
    """
    sub = _select(confusion, task, model, "the confusion table")
    labels = [str(lab) for lab in dict.fromkeys(sub["label"]) if not pd.isna(lab) and str(lab)]
    if not labels:
        order = list(dict.fromkeys(sub["true"].astype(str)))
        cols = order + [c for c in dict.fromkeys(sub["pred"].astype(str)) if c not in order]
        wide = sub.pivot_table(index="true", columns="pred", values="count", aggfunc="sum", fill_value=0)
        wide = wide.reindex(index=order, columns=cols, fill_value=0)
        wide.index.name, wide.columns.name = "gold", "predicted"
        return wide.astype(int)
    sub = sub.assign(label=sub["label"].astype(str), true=sub["true"].astype(str), pred=sub["pred"].astype(str))
    if label is not None:
        if label not in labels:
            raise ValueError(f"no label {label!r} in the confusion table (labels: {', '.join(labels)})")
        one = sub[sub["label"] == label]
        wide = one.pivot_table(index="true", columns="pred", values="count", aggfunc="sum", fill_value=0)
        wide = wide.reindex(index=["yes", "no"], columns=["yes", "no"], fill_value=0)
        wide.index.name, wide.columns.name = f"gold {label}", f"predicted {label}"
        return wide.astype(int)
    cells = {("yes", "yes"): "tp", ("yes", "no"): "fn", ("no", "yes"): "fp", ("no", "no"): "tn"}
    sub = sub.assign(cell=[cells[(t, p)] for t, p in zip(sub["true"], sub["pred"], strict=True)])
    wide = sub.pivot_table(index="label", columns="cell", values="count", aggfunc="sum", fill_value=0)
    wide = wide.reindex(index=labels, columns=["tp", "fn", "fp", "tn"], fill_value=0).astype(int)
    wide["support"] = wide["tp"] + wide["fn"]
    wide.columns.name = None
    return wide


def _texts_of(texts: Any) -> dict[str, str]:
    if hasattr(texts, "passages"):
        texts = texts.passages
    if isinstance(texts, pd.DataFrame):
        return dict(zip(texts["passage_id"].astype(str), texts["text"].astype(str), strict=True))
    return {str(k): str(v) for k, v in dict(texts).items()}


def error_examples(
    predictions: pd.DataFrame,
    texts: Any,
    task: str | None = None,
    model: str | None = None,
    n: int | None = 10,
    multilabel: bool | None = None,
) -> pd.DataFrame:
    """The passages a model got wrong, with their text, most confident errors first.

    Parameters
    ----------
    predictions : DataFrame
        Tidy out-of-fold predictions (``CVResult.predictions``, ``Comparison.predictions``,
        ``Evaluation.predictions`` or ``predictions.csv``).
    texts : Corpus, DataFrame or mapping
        Passage texts: a corpus, a table with ``passage_id`` and ``text``, or ``{passage_id: text}``.
    task, model : str, optional
        Which task and model; needed only when ``predictions`` holds several.
    n : int or None
        At most this many passages (None for all).
    multilabel : bool, optional
        Default: multi-label unless every passage has exactly one gold label and its
        probabilities sum to one.

    Returns
    -------
    DataFrame
        passage_id, doc_id (the held-out document), true and pred (``;``-joined labels),
        missed (gold labels not predicted), extra (predicted labels not in gold),
        confidence and text. ``confidence`` is how sure the model was of its wrong
        decision: multi-class, the probability of the predicted class; multi-label, the
        largest of ``prob`` over wrongly predicted labels and ``1 - prob`` over missed ones.
        Sorted by confidence (descending), then passage id.
    """
    sub = _select(predictions, task, model, "the predictions")
    sub = sub.assign(true=sub["true"].astype(bool), pred=sub["pred"].astype(bool), prob=sub["prob"].astype(float))
    if multilabel is None:
        per = sub.groupby("passage_id", sort=False)
        multilabel = not (bool((per["true"].sum() == 1).all()) and bool(np.allclose(per["prob"].sum(), 1.0, atol=1e-3)))
    lookup = _texts_of(texts)
    rows = []
    for pid, g in sub.groupby("passage_id", sort=True):
        wrong = g[g["true"] != g["pred"]]
        if wrong.empty:
            continue
        labels = g["label"].astype(str)
        missed = labels[g["true"] & ~g["pred"]].tolist()
        extra = labels[~g["true"] & g["pred"]].tolist()
        if multilabel:
            confidence = float(np.where(wrong["pred"], wrong["prob"], 1.0 - wrong["prob"]).max())
        else:
            chosen = g[g["pred"]]
            confidence = float(chosen["prob"].max()) if len(chosen) else float("nan")
        rows.append(
            {
                "passage_id": str(pid),
                "doc_id": str(g["doc_id"].iloc[0]),
                "true": ";".join(labels[g["true"]]),
                "pred": ";".join(labels[g["pred"]]),
                "missed": ";".join(missed),
                "extra": ";".join(extra),
                "confidence": confidence,
                "text": lookup.get(str(pid), ""),
            }
        )
    cols = ["passage_id", "doc_id", "true", "pred", "missed", "extra", "confidence", "text"]
    out = pd.DataFrame(rows, columns=cols)
    if len(out):
        out = out.sort_values(["confidence", "passage_id"], ascending=[False, True], kind="stable")
    out = out.reset_index(drop=True)
    return out if n is None else out.head(n)


# ----------------------------------------------------------------------- comparison
def _cost_order(name: str) -> int:
    try:
        from stance.classifiers import REGISTRY
    except ImportError:  # pragma: no cover - partial installs
        return 0
    names = list(REGISTRY)
    return names.index(name) if name in names else len(names)


def speed_class(fit_seconds: float, predict_ms: float) -> int:
    """Order of magnitude of a model's cost: training per fold plus scoring 1,000 passages, in log10 seconds.

    Models within the same power of ten count as equally fast, so that timing noise does
    not flip a choice.
    """
    total = float(fit_seconds or 0.0) + float(predict_ms or 0.0)
    return int(np.floor(np.log10(max(total, 1e-3))))


def rank_models(table: pd.DataFrame, metric: str, tie_tolerance: float = 0.01) -> pd.DataFrame:
    """Rank models by ``metric``; near-ties go to the faster model.

    Repeatedly take the best remaining score; among the models within ``tie_tolerance`` of
    it, the fastest gets the next rank. Speed is compared by :func:`speed_class` (powers of
    ten of training plus prediction time), then by the registry's cost order (cheapest
    backend first), then by the higher score and the name, so the choice does not depend
    on timing noise. Models that failed (NaN score) come last.

    Returns
    -------
    DataFrame
        ``table`` sorted by a new ``rank`` column (1 = best).
    """
    remaining = table.copy()
    remaining["_score"] = remaining[metric].astype(float)
    remaining["_speed"] = [
        speed_class(f, p)
        for f, p in zip(
            remaining.get("fit_seconds", pd.Series(0.0, index=remaining.index)).fillna(0.0),
            remaining.get("predict_ms", pd.Series(0.0, index=remaining.index)).fillna(0.0),
            strict=True,
        )
    ]
    remaining["_cost"] = [_cost_order(str(m)) for m in remaining["model"]]
    order: list[Any] = []
    while len(remaining):
        valid = remaining[remaining["_score"].notna()]
        if valid.empty:
            order += sorted(remaining.index, key=lambda i: str(remaining.loc[i, "model"]))
            break
        best = valid["_score"].max()
        near = valid[valid["_score"] >= best - tie_tolerance - 1e-12]
        near = near.sort_values(
            ["_speed", "_cost", "_score", "model"], ascending=[True, True, False, True], kind="stable"
        )
        pick = near.index[0]
        order.append(pick)
        remaining = remaining.drop(index=pick)
    out = table.loc[order].copy()
    out.insert(0, "rank", np.arange(1, len(out) + 1))
    return out.reset_index(drop=True)


@dataclass
class Comparison:
    """Every model of a comparison on one task, scored on the same folds and resamples.

    Attributes
    ----------
    task : str
    table : DataFrame
        One row per model, ranked: ``rank, task, model, metric, score, ci_low, ci_high``,
        every overall metric with ``<metric>_lo`` / ``<metric>_hi``, ``fit_seconds``
        (mean per fold), ``predict_ms`` (per passage), ``n_passages``, ``n_folds``,
        ``scheme``, ``error``.
    per_label : DataFrame
        ``task, model, label, metric, value, ci_low, ci_high, support``.
    predictions : DataFrame
        Out-of-fold predictions of every model (tidy).
    confusion : DataFrame
        ``task, model, label, true, pred, count``.
    results : dict of CVResult
    """

    task: str
    table: pd.DataFrame
    per_label: pd.DataFrame
    predictions: pd.DataFrame
    confusion: pd.DataFrame
    results: dict[str, CVResult] = field(default_factory=dict)

    @property
    def best(self) -> str:
        """Name of the top-ranked model."""
        ok = self.table[self.table["error"] == ""]
        if ok.empty:
            raise ValueError(f"no model could be evaluated on {self.task}")
        return str(ok.iloc[0]["model"])


def default_models() -> list[str]:
    """Every registered classifier, in sorted order."""
    from stance.classifiers import REGISTRY

    return sorted(REGISTRY)


def compare_models(
    data: TaskData,
    models: Sequence[Any] | None = None,
    folds: Sequence[Fold] | None = None,
    *,
    codebook: Codebook | None = None,
    params: Mapping[str, Mapping[str, Any]] | None = None,
    scheme: str = "document",
    n_boot: int = 1000,
    resample: str = "passage",
    use_codebook_examples: bool = False,
    tie_tolerance: float = 0.01,
    random_state: int = 0,
    on_error: str = "record",
) -> Comparison:
    """Cross-validate several models on the same folds and rank them.

    Parameters
    ----------
    data : TaskData
    models : list of str or estimators, optional
        Default: every classifier in :data:`stance.classifiers.REGISTRY`.
    folds : list of Fold, optional
        Default: :func:`make_folds` with ``scheme``.
    codebook : Codebook, optional
    params : mapping, optional
        ``{model name: constructor parameters}``.
    scheme : str
        Fold scheme when ``folds`` is not given.
    n_boot, resample : int, str
        Bootstrap settings (see :func:`score_predictions`).
    use_codebook_examples : bool
        Add codebook examples to the training folds.
    tie_tolerance : float
        Scores closer than this count as tied; ties go to the faster model.
    random_state : int
    on_error : {"record", "raise"}
        A model that fails is recorded with its error (default) or re-raised.

    Returns
    -------
    Comparison
    """
    models = list(models) if models is not None else default_models()
    if folds is None:
        folds = make_folds(data, scheme=scheme, random_state=random_state)
    metric = primary_metric(data.labels, data.multilabel)
    params = params or {}
    rows, per_label, preds, conf = [], [], [], []
    results: dict[str, CVResult] = {}
    from stance._progress import progress

    for model in progress(models, desc=f"compare {data.task}", total=len(models)):
        name = _model_name(model)
        row: dict[str, Any] = {"task": data.task, "model": name, "metric": metric}
        try:
            res = cross_validate(
                model,
                data,
                folds,
                codebook=codebook,
                params=params.get(name),
                use_codebook_examples=use_codebook_examples,
                random_state=random_state,
                name=name,
            )
        except Exception as exc:
            if on_error == "raise":
                raise
            warnings.warn(f"{name} failed on {data.task}: {exc}", RuntimeWarning, stacklevel=2)
            row.update({"score": np.nan, "error": f"{type(exc).__name__}: {exc}"})
            rows.append(row)
            continue
        results[name] = res
        overall, labs = res.score(n_boot=n_boot, resample=resample, random_state=random_state)
        values = overall.set_index("metric")
        row["score"] = float(values.loc[metric, "value"])
        row["ci_low"] = float(values.loc[metric, "ci_low"])
        row["ci_high"] = float(values.loc[metric, "ci_high"])
        for m, r in values.iterrows():
            row[m] = float(r["value"])
            row[f"{m}_lo"] = float(r["ci_low"])
            row[f"{m}_hi"] = float(r["ci_high"])
        row.update(
            {
                "fit_seconds": res.fit_seconds / max(res.n_folds, 1),
                "predict_ms": 1000 * res.predict_seconds / max(res.n_predicted, 1),
                "n_passages": res.n_predicted,
                "n_folds": res.n_folds,
                "error": "",
            }
        )
        rows.append(row)
        labs.insert(0, "model", name)
        labs.insert(0, "task", data.task)
        per_label.append(labs)
        preds.append(res.predictions)
        c = confusion_table(res.predictions, res.labels, res.multilabel)
        c.insert(0, "model", name)
        c.insert(0, "task", data.task)
        conf.append(c)
    table = pd.DataFrame(rows)
    for col in ("score", "ci_low", "ci_high", "fit_seconds", "predict_ms", "n_passages", "n_folds"):
        if col not in table:
            table[col] = np.nan
    table["error"] = table.get("error", pd.Series("", index=table.index)).fillna("")
    table["scheme"] = scheme if folds is None or scheme else ""
    table["resample"] = resample
    table["n_boot"] = n_boot
    table["codebook_examples"] = bool(use_codebook_examples)
    table = rank_models(table, "score", tie_tolerance)
    lead = ["rank", "task", "model", "metric", "score", "ci_low", "ci_high"]
    table = table[lead + [c for c in table.columns if c not in lead]]
    return Comparison(
        data.task,
        table,
        pd.concat(per_label, ignore_index=True) if per_label else pd.DataFrame(),
        pd.concat(preds, ignore_index=True) if preds else pd.DataFrame(columns=PREDICTION_COLUMNS),
        pd.concat(conf, ignore_index=True) if conf else pd.DataFrame(),
        results,
    )


# -------------------------------------------------------------------- learning curve
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

    Returns
    -------
    DataFrame
        ``model, task, fraction, repeat, n_train`` (mean training passages per fold) and
        ``metric, value`` (the primary metric and micro/macro-F1), tidy.
    """
    folds = list(folds) if folds is not None else make_folds(data)
    name = name or _model_name(model)
    metric = primary_metric(data.labels, data.multilabel)
    metrics = [metric, *(m for m in ("macro_f1", "micro_f1") if m != metric)]
    rows = []
    truth = data.indicator()
    for fraction in fractions:
        repeats = 1 if fraction >= 1.0 else n_repeats
        for rep in range(repeats):
            rng = np.random.default_rng([random_state, rep, round(fraction * 1000)])
            frames, sizes = [], []
            for fold in folds:
                size = max(2, round(fraction * len(fold.train)))
                train = fold.train if size >= len(fold.train) else np.sort(rng.choice(fold.train, size, replace=False))
                sizes.append(len(train))
                est, _ = _fit_fold(model, data, train, codebook, params, use_codebook_examples, random_state + rep)
                X_test = [data.texts[i] for i in fold.test]
                P = _align(est, est.predict_proba(X_test), data.labels)
                pred = _pred_matrix(est, est.predict(X_test), data.labels, data.multilabel, len(X_test))
                frames.append(_long_predictions(name, data, fold, P, pred, truth[fold.test]))
            overall, _ = score_predictions(pd.concat(frames), data.labels, data.multilabel, n_boot=0)
            values = overall.set_index("metric")["value"]
            for m in metrics:
                rows.append(
                    {
                        "model": name,
                        "task": data.task,
                        "fraction": float(fraction),
                        "repeat": rep,
                        "n_train": float(np.mean(sizes)),
                        "metric": m,
                        "value": float(values.get(m, np.nan)),
                    }
                )
    return pd.DataFrame(rows)


# ------------------------------------------------------------------ whole evaluation
@dataclass
class Evaluation:
    """Results of :func:`evaluate_gold`: tidy tables for every task and model.

    Attributes
    ----------
    comparison, per_label, confusion, predictions, learning_curve : DataFrame
    comparisons : dict of Comparison
        Per task.
    info : dict
        Settings and hashes of the run (written as ``run.json``).
    """

    comparison: pd.DataFrame
    per_label: pd.DataFrame
    confusion: pd.DataFrame
    predictions: pd.DataFrame
    learning_curve: pd.DataFrame
    comparisons: dict[str, Comparison] = field(default_factory=dict)
    info: dict[str, Any] = field(default_factory=dict)

    FILES = ("comparison", "per_label", "learning_curve", "confusion", "predictions")

    @classmethod
    def read(cls, folder: str | Path) -> Evaluation:
        """Read the tables :meth:`write` wrote (e.g. ``models/evaluation``); ``comparisons`` stays empty.

        Raises
        ------
        FileNotFoundError
            If ``comparison.csv`` is missing; the message names ``stance evaluate``.
        """
        folder = Path(folder)
        if not (folder / "comparison.csv").is_file():
            raise FileNotFoundError(f"{folder / 'comparison.csv'} does not exist; write it with `stance evaluate`")
        tables = {}
        for name in cls.FILES:
            path = folder / f"{name}.csv"
            has_rows = path.is_file() and path.stat().st_size > 1
            frame = pd.read_csv(path, keep_default_na=False, na_values=[""]) if has_rows else pd.DataFrame()
            if "error" in frame.columns:
                frame["error"] = ["" if pd.isna(v) else str(v) for v in frame["error"]]
            tables[name] = frame
        run = folder / "run.json"
        info = json.loads(run.read_text(encoding="utf-8")) if run.is_file() else {}
        return cls(**tables, info=info)

    def write(self, out: str | Path) -> list[Path]:
        """Write the tables as CSV (and ``run.json``) into ``out``; returns the paths."""
        out = Path(out)
        out.mkdir(parents=True, exist_ok=True)
        paths = []
        for name in self.FILES:
            frame: pd.DataFrame = getattr(self, name)
            path = out / f"{name}.csv"
            tmp = path.with_suffix(".csv.tmp")
            frame.to_csv(tmp, index=False, float_format="%.6g", lineterminator="\n")
            tmp.replace(path)
            paths.append(path)
        path = out / "run.json"
        path.write_text(json.dumps(self.info, indent=1, sort_keys=True, default=str) + "\n", encoding="utf-8")
        paths.append(path)
        return paths


def _curve_model(table: pd.DataFrame, budget: float) -> list[str]:
    ok = table[table["error"] == ""]
    if ok.empty:
        return []
    cheap = ok[ok["fit_seconds"] <= budget]
    return [str((cheap if len(cheap) else ok.sort_values("fit_seconds")).iloc[0]["model"])]


def load_gold(labels: str | Path | None = None, codebook: Codebook | None = None) -> pd.DataFrame:
    """Resolved gold labels from the label store (default ``<project>/seeds/labels.jsonl``).

    ``codebook`` decides which labels a record's ``frames`` list covers (default: the codebook
    of the store's project); pass a user codebook when the labels follow it.
    """
    from stance.config import project_root
    from stance.labels import LabelStore

    path = Path(labels) if labels is not None else project_root() / "seeds" / "labels.jsonl"
    if not path.is_file():
        raise FileNotFoundError(f"no gold label store at {path}")
    return LabelStore(path, codebook=codebook).resolved("gold")


def gold_tasks(codebook: Codebook) -> list[str]:
    """Tasks of ``codebook`` that passage classifiers handle (frames and stance targets)."""
    return [t for t in codebook.tasks if t != "roles"]


def evaluate_gold(
    corpus: Corpus | None = None,
    gold: pd.DataFrame | None = None,
    codebook: Codebook | None = None,
    *,
    tasks: Sequence[str] | None = None,
    models: Sequence[Any] | None = None,
    params: Mapping[str, Mapping[str, Any]] | None = None,
    scheme: str = "document",
    n_boot: int = 1000,
    resample: str = "passage",
    use_codebook_examples: bool = False,
    curve: bool = True,
    curve_models: Sequence[Any] | None = None,
    fractions: Sequence[float] = (0.25, 0.5, 0.75, 1.0),
    n_repeats: int = 3,
    curve_budget: float = 30.0,
    tie_tolerance: float = 0.01,
    random_state: int = 0,
    out: str | Path | None = None,
    log: Callable[[str], None] | None = None,
) -> Evaluation:
    """Compare every model on every task of the gold labels, with learning curves.

    Parameters
    ----------
    corpus : Corpus, optional
        Default: the project's ``seeds/`` corpus.
    gold : DataFrame, optional
        Resolved gold labels; default :func:`load_gold`.
    codebook : Codebook, optional
        Default: the project codebook.
    tasks : list of str, optional
        Default: frames and every stance target.
    models : list, optional
        Default: every registered classifier.
    params : mapping, optional
        Constructor parameters per model name.
    scheme, n_boot, resample, use_codebook_examples, tie_tolerance, random_state
        See :func:`compare_models`.
    curve : bool
        Compute learning curves.
    curve_models : list, optional
        Models for the learning curves. Default: the top-ranked model of each task whose
        training takes at most ``curve_budget`` seconds per fold (the curve refits it
        ``len(fractions) * n_repeats`` times per fold).
    curve_budget : float
        Training-time budget (seconds per fold) for the default learning-curve model.
    fractions, n_repeats
        Learning-curve sizes and repeats.
    out : path, optional
        Write the CSV tables here (e.g. ``models/evaluation``).
    log : callable, optional
        Receives progress messages.

    Returns
    -------
    Evaluation
    """
    from stance.codebook import Codebook
    from stance.config import project_root
    from stance.corpus import load_corpus

    codebook = codebook or Codebook.load()
    corpus = corpus or load_corpus(project_root() / "seeds")
    gold = gold if gold is not None else load_gold()
    tasks = list(tasks) if tasks is not None else gold_tasks(codebook)
    comps: dict[str, Comparison] = {}
    curves = []
    info: dict[str, Any] = {
        "scheme": scheme,
        "n_boot": n_boot,
        "resample": resample,
        "use_codebook_examples": bool(use_codebook_examples),
        "random_state": random_state,
        "tie_tolerance": tie_tolerance,
        "codebook_hash": codebook.hash,
        "codebook_version": codebook.version,
        "tasks": {},
    }
    for task in tasks:
        data = gold_task_data(corpus, gold, codebook, task)
        if len(data) == 0:
            if log:
                log(f"{task}: no gold labels, skipped")
            continue
        if log:
            log(f"{task}: {len(data)} passages, {data.passages['doc_id'].nunique()} documents")
        folds = make_folds(data, scheme=scheme, random_state=random_state)
        comp = compare_models(
            data,
            models,
            folds,
            codebook=codebook,
            params=params,
            scheme=scheme,
            n_boot=n_boot,
            resample=resample,
            use_codebook_examples=use_codebook_examples,
            tie_tolerance=tie_tolerance,
            random_state=random_state,
        )
        comps[task] = comp
        info["tasks"][task] = {
            "data_hash": data_hash(data),
            "n_passages": len(data),
            "n_documents": int(data.passages["doc_id"].nunique()),
            "label_counts": data.label_counts(),
            "folds": [f.name for f in folds],
        }
        if curve:
            chosen = list(curve_models) if curve_models is not None else _curve_model(comp.table, curve_budget)
            for model in chosen:
                curves.append(
                    learning_curve(
                        model,
                        data,
                        folds,
                        fractions=fractions,
                        n_repeats=n_repeats,
                        codebook=codebook,
                        params=(params or {}).get(_model_name(model)),
                        use_codebook_examples=use_codebook_examples,
                        random_state=random_state,
                    )
                )

    def cat(frames: list[pd.DataFrame]) -> pd.DataFrame:
        frames = [f for f in frames if len(f)]
        return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()

    result = Evaluation(
        comparison=cat([c.table for c in comps.values()]),
        per_label=cat([c.per_label for c in comps.values()]),
        confusion=cat([c.confusion for c in comps.values()]),
        predictions=cat([c.predictions for c in comps.values()]),
        learning_curve=cat(curves),
        comparisons=comps,
        info=info,
    )
    if out is not None:
        result.write(out)
    return result
