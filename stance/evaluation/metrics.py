"""The metric definition: one for every task, model and table.

Counts
------
For each label ``j`` of the task's label list, over the scored passages (weighted by a
bootstrap resample when there is one): ``tp`` (gold and predicted), ``fp`` (predicted,
not gold) and ``fn`` (gold, not predicted). Multi-class tasks are scored as one-hot
indicator matrices, so the same counts apply.

Per label
---------
``precision = tp / (tp + fp)``, ``recall = tp / (tp + fn)``, ``f1 = 2 tp / (2 tp + fp + fn)``.

**Which labels are scored.** A label is scored on a set of passages when it occurs in the
gold labels *or* in the predictions of that set (``tp + fp + fn > 0``). A label that
occurs in neither has no precision, recall or F1 (NaN) and is left out of every average.
A scored label's precision when it is never predicted, and its recall when it never
occurs in gold, count as 0. So a label predicted but absent from gold has F1 0 and
counts against the model, and a gold label never predicted has F1 0. This is the label
set of ``sklearn.metrics.f1_score(average="macro", zero_division=0)`` without ``labels=``
(the union of gold and predicted labels), restricted to the task's labels. It is decided
afresh on every bootstrap resample.

Overall
-------
``macro_f1``, ``macro_precision``, ``macro_recall``
    Unweighted means over the scored labels.
``micro_f1``
    From the counts pooled over labels.
``f_avg`` (multi-class tasks with FAVOR and AGAINST)
    The SemEval stance score: mean of the F1 of FAVOR and of AGAINST (those of the two
    that are scored).
``macro_f1_excl_none`` (multi-class tasks with a ``none`` outcome: roles)
    Macro-F1 over the scored labels other than ``none`` (the actor mentioned without
    being characterised), beside ``macro_f1`` over all of them.
``accuracy`` (multi-class), ``subset_accuracy`` (multi-label)
    Share of passages whose predicted class (label set) equals the gold one.
``brier``
    Mean squared error of the probabilities: summed over classes for multi-class tasks
    (0 to 2), averaged over labels for multi-label tasks (0 to 1).

:func:`primary_metric` names the metric that ranks models: ``f_avg`` for FAVOR/AGAINST
stance, ``macro_f1`` otherwise (frames, roles).

Uncertainty
-----------
Every metric comes with a percentile bootstrap interval (default 95 %, 1,000 resamples,
seed 0; :func:`resample_weights`, :func:`percentile_interval`). ``resample="passage"``
draws passages (examples) with replacement; ``resample="document"`` draws whole
documents, which respects the dependence between passages of a document but is coarse
with few documents (five allow only 126 distinct resamples). Every model of a comparison
is scored on the same resamples (paired). Intervals describe the sampling of the evaluated
passages, not the variability of training.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

__all__ = [
    "RESAMPLES",
    "bootstrap_weights",
    "metric_arrays",
    "percentile_interval",
    "prediction_matrices",
    "primary_metric",
    "resample_weights",
    "score_predictions",
]

RESAMPLES = ("passage", "document")
#: The label of a multi-class task that means "no class" (the role task's ``none``).
NO_OUTCOME = "none"
PER_LABEL_METRICS = ("precision", "recall", "f1", "brier")


def primary_metric(labels: Sequence[str], multilabel: bool) -> str:
    """The metric that ranks models: ``f_avg`` for FAVOR/AGAINST stance, else ``macro_f1``.

    Parameters
    ----------
    labels : list of str
    multilabel : bool

    Returns
    -------
    str
    """
    if not multilabel and {"FAVOR", "AGAINST"} <= set(labels):
        return "f_avg"
    return "macro_f1"


def bootstrap_weights(n: int, n_boot: int, groups: Sequence[Any] | None = None, random_state: int = 0) -> np.ndarray:
    """Resampling weights of shape (n_boot, n): how often each passage is drawn.

    Parameters
    ----------
    n : int
        Passages.
    n_boot : int
        Resamples.
    groups : sequence, optional
        With groups (documents), whole groups are drawn with replacement and each passage
        gets the count of its group.
    random_state : int

    Returns
    -------
    ndarray of float
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


def resample_weights(
    n: int, n_boot: int, resample: str = "passage", groups: Sequence[Any] | None = None, random_state: int = 0
) -> np.ndarray:
    """Weights of shape (1 + n_boot, n): row 0 the full sample, then the bootstrap resamples.

    Parameters
    ----------
    n, n_boot : int
    resample : {"passage", "document"}
    groups : sequence, optional
        The document of every passage (needed for ``"document"``).
    random_state : int

    Returns
    -------
    ndarray of float
    """
    if resample not in RESAMPLES:
        raise ValueError("resample must be 'passage' or 'document'")
    boot = bootstrap_weights(n, n_boot, groups if resample == "document" else None, random_state)
    return np.vstack([np.ones((1, n)), boot])


def percentile_interval(values: np.ndarray, confidence: float = 0.95) -> tuple[float, float]:
    """Percentile interval over the resamples ``values[1:]`` (row 0 is the full sample).

    Resamples where the metric is undefined (NaN) are left out; with none left the
    interval is ``(nan, nan)``.

    Parameters
    ----------
    values : ndarray of shape (1 + n_boot,)
        A metric on the full sample and on each resample.
    confidence : float
        Coverage, e.g. 0.95.

    Returns
    -------
    tuple of float
        Lower and upper percentile.
    """
    boot = np.asarray(values, dtype=np.float64)[1:]
    boot = boot[~np.isnan(boot)]
    if len(boot) == 0:
        return np.nan, np.nan
    alpha = (1 - confidence) / 2 * 100
    lo, hi = np.percentile(boot, [alpha, 100 - alpha])
    return float(lo), float(hi)


def _safe_div(num: np.ndarray, den: np.ndarray, fill: float) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(den > 0, num / np.where(den > 0, den, 1.0), fill)


def _nanmean(values: np.ndarray) -> np.ndarray:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # rows with no scored label: NaN
        return np.nanmean(values, axis=1)


def _overall(
    T: np.ndarray, P: np.ndarray, W: np.ndarray, labels: list[str], multilabel: bool, counts: dict[str, np.ndarray]
) -> dict[str, np.ndarray]:
    tp, fp, fn, total = counts["tp"], counts["fp"], counts["fn"], W.sum(axis=1)
    f1 = counts["f1"]
    out = {
        "macro_f1": _nanmean(f1),
        "macro_precision": _nanmean(counts["precision"]),
        "macro_recall": _nanmean(counts["recall"]),
        "micro_f1": _safe_div(2 * tp.sum(1), 2 * tp.sum(1) + fp.sum(1) + fn.sum(1), np.nan),
    }
    sq = counts["sq"]
    if multilabel:
        exact = (T == P).all(axis=1).astype(np.float64)
        out["subset_accuracy"] = _safe_div(W @ exact, total, np.nan)
        out["brier"] = _safe_div(W @ sq.mean(axis=1), total, np.nan)
        return out
    correct = (T.astype(np.float64) * P).sum(axis=1)
    out["accuracy"] = _safe_div(W @ correct, total, np.nan)
    if {"FAVOR", "AGAINST"} <= set(labels):
        out["f_avg"] = _nanmean(f1[:, [labels.index("FAVOR"), labels.index("AGAINST")]])
    if NO_OUTCOME in labels and len(labels) > 1:
        out["macro_f1_excl_none"] = _nanmean(f1[:, [j for j, lab in enumerate(labels) if lab != NO_OUTCOME]])
    out["brier"] = _safe_div(W @ sq.sum(axis=1), total, np.nan)
    return out


def metric_arrays(
    T: np.ndarray, P: np.ndarray, Q: np.ndarray, W: np.ndarray, labels: Sequence[str], multilabel: bool
) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """Every metric of the module docstring, for every row of weights ``W`` at once.

    Parameters
    ----------
    T, P : ndarray of bool, shape (n, k)
        Gold and predicted labels (one-hot for multi-class tasks).
    Q : ndarray of float, shape (n, k)
        Probabilities.
    W : ndarray of float, shape (B, n)
        Passage weights, one row per resample (see :func:`resample_weights`).
    labels : list of str
        The ``k`` labels.
    multilabel : bool

    Returns
    -------
    overall : dict of str to ndarray of shape (B,)
    per_label : dict of str to ndarray of shape (B, k)
        ``precision, recall, f1, brier, support``.
    """
    Tf, Pf = np.asarray(T, dtype=np.float64), np.asarray(P, dtype=np.float64)
    W = np.asarray(W, dtype=np.float64)
    tp = W @ (Tf * Pf)
    fp = W @ ((1 - Tf) * Pf)
    fn = W @ (Tf * (1 - Pf))
    scored = (tp + fp + fn) > 0
    sq = (np.asarray(Q, dtype=np.float64) - Tf) ** 2
    counts = {
        "tp": tp,
        "fp": fp,
        "fn": fn,
        "sq": sq,
        "precision": np.where(scored, _safe_div(tp, tp + fp, 0.0), np.nan),
        "recall": np.where(scored, _safe_div(tp, tp + fn, 0.0), np.nan),
        "f1": np.where(scored, _safe_div(2 * tp, 2 * tp + fp + fn, 0.0), np.nan),
    }
    per_label = {
        "precision": counts["precision"],
        "recall": counts["recall"],
        "f1": counts["f1"],
        "brier": _safe_div(W @ sq, W.sum(axis=1)[:, None], np.nan),
        "support": W @ Tf,
    }
    return _overall(np.asarray(T, bool), Pf, W, list(labels), multilabel, counts), per_label


def prediction_matrices(
    predictions: pd.DataFrame, labels: Sequence[str]
) -> tuple[pd.Index, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Wide (n, k) matrices of truth, prediction and probability, one row per passage.

    Parameters
    ----------
    predictions : DataFrame
        Tidy predictions: ``passage_id, doc_id, label, true, pred, prob``.
    labels : list of str

    Returns
    -------
    order : Index
        Passage ids, in order of first appearance.
    T, P : ndarray of bool
    Q : ndarray of float
    docs : ndarray
        The document of every passage.
    """
    labels = list(labels)
    df = predictions[predictions["label"].isin(labels)]
    order = pd.Index(pd.unique(df["passage_id"]))
    if df.empty:
        k = len(labels)
        return order, np.zeros((0, k), bool), np.zeros((0, k), bool), np.zeros((0, k)), np.array([], dtype=object)
    wide = df.pivot_table(index="passage_id", columns="label", values=["true", "pred", "prob"], aggfunc="first")
    wide = wide.reindex(index=order)
    T = wide["true"].reindex(columns=labels).fillna(False).to_numpy(dtype=bool)
    P = wide["pred"].reindex(columns=labels).fillna(False).to_numpy(dtype=bool)
    Q = wide["prob"].reindex(columns=labels).fillna(0.0).to_numpy(dtype=np.float64)
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
        Tidy predictions of one model and task (see :class:`stance.evaluation.cv.CVResult`).
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
    labels = list(labels)
    _, T, P, Q, docs = prediction_matrices(predictions, labels)
    n = len(T)
    W = resample_weights(n, n_boot, resample, docs, random_state)
    overall, per_label = metric_arrays(T, P, Q, W, labels, multilabel)
    rows = []
    for metric, values in overall.items():
        lo, hi = percentile_interval(values, confidence)
        rows.append({"metric": metric, "value": float(values[0]), "ci_low": lo, "ci_high": hi, "n": n})
    lab_rows = []
    support = per_label["support"][0]
    for j, lab in enumerate(labels):
        for metric in PER_LABEL_METRICS:
            lo, hi = percentile_interval(per_label[metric][:, j], confidence)
            value = float(per_label[metric][0, j])
            lab_rows.append(
                {
                    "label": lab,
                    "metric": metric,
                    "value": value,
                    "ci_low": lo,
                    "ci_high": hi,
                    "support": int(support[j]),
                }
            )
    return pd.DataFrame(rows), pd.DataFrame(lab_rows)
