"""Honest evaluation: one fold loop, one metric definition, one selection policy.

Modules
-------
:mod:`~stance.evaluation.data`
    Gold labels joined with passage texts: :class:`TaskData` (texts, targets, groups).
:mod:`~stance.evaluation.folds`
    Leave-one-document-out, leave-one-outlet-out, stratified (warns when it leaks), grouped,
    the scheme that fits the data (``auto``: stratified over one-passage documents, else
    grouped), cross-source (train on one side, test on the other), leave-one-kind-out and
    custom folds; every fold records the scheme that made it.
:mod:`~stance.evaluation.cv`
    The fold loop :func:`run_folds`: fit on each fold's training part, one forward pass
    (``predict_proba`` then the estimator's ``decide``) on its test part.
:mod:`~stance.evaluation.metrics`
    The metric definition (per-label F1, macro-F1 over the labels in gold or predictions,
    ``f_avg``, accuracy, Brier) and the bootstrap intervals.
:mod:`~stance.evaluation.selection`
    Ranking with a tie rule, the selection criterion (grouped and cross-source scores),
    the choice of a task's default model.
:mod:`~stance.evaluation.compare`
    Every model on the same folds: :func:`compare_models`; the protocol of a task
    (:func:`evaluate_task`: primary and transfer folds) and of the gold set (:func:`evaluate_gold`).
:mod:`~stance.evaluation.reports`
    Confusion tables, error examples, the evaluation tables on disk (:class:`Evaluation`).
:mod:`~stance.evaluation.runtimes`
    The same evaluation under each encoder runtime (:func:`runtime_parity`).
"""

from __future__ import annotations

from stance.evaluation.compare import (
    MODEL_FAILURES,
    TRANSFER_SCHEMES,
    Comparison,
    compare_models,
    cross_source_predictions,
    default_models,
    evaluate_gold,
    evaluate_task,
)
from stance.evaluation.cv import (
    PREDICTION_COLUMNS,
    CVResult,
    build_model,
    cross_validate,
    decide,
    fit_on,
    learning_curve,
    model_name,
    run_folds,
)
from stance.evaluation.data import (
    TaskData,
    codebook_examples,
    data_hash,
    gold_task_data,
    gold_tasks,
    load_gold,
    passage_order,
)
from stance.evaluation.folds import (
    GROUP_PREFIX,
    SCHEMES,
    Fold,
    LeakageWarning,
    auto_scheme,
    column_folds,
    cross_source_folds,
    describe_folds,
    fold_scheme,
    folds_from_column,
    group_columns,
    grouped_folds,
    is_scheme,
    kind_folds,
    make_folds,
)
from stance.evaluation.metrics import (
    RESAMPLES,
    bootstrap_weights,
    metric_arrays,
    percentile_interval,
    prediction_matrices,
    primary_metric,
    resample_weights,
    score_predictions,
)
from stance.evaluation.reports import Evaluation, confusion_matrix, confusion_table, error_examples
from stance.evaluation.runtimes import PARITY_METRICS, runtime_parity, use_runtime
from stance.evaluation.selection import (
    CRITERION,
    TIE_TOLERANCE,
    learning_curve_models,
    rank_models,
    select_default,
    selection_scores,
    selection_table,
    speed_class,
    transfer_table,
)

__all__ = [
    "CRITERION",
    "GROUP_PREFIX",
    "MODEL_FAILURES",
    "PARITY_METRICS",
    "PREDICTION_COLUMNS",
    "RESAMPLES",
    "SCHEMES",
    "TIE_TOLERANCE",
    "TRANSFER_SCHEMES",
    "CVResult",
    "Comparison",
    "Evaluation",
    "Fold",
    "LeakageWarning",
    "TaskData",
    "auto_scheme",
    "bootstrap_weights",
    "build_model",
    "codebook_examples",
    "column_folds",
    "compare_models",
    "confusion_matrix",
    "confusion_table",
    "cross_source_folds",
    "cross_source_predictions",
    "cross_validate",
    "data_hash",
    "decide",
    "default_models",
    "describe_folds",
    "error_examples",
    "evaluate_gold",
    "evaluate_task",
    "fit_on",
    "fold_scheme",
    "folds_from_column",
    "gold_task_data",
    "gold_tasks",
    "group_columns",
    "grouped_folds",
    "is_scheme",
    "kind_folds",
    "learning_curve",
    "learning_curve_models",
    "load_gold",
    "make_folds",
    "metric_arrays",
    "model_name",
    "passage_order",
    "percentile_interval",
    "prediction_matrices",
    "primary_metric",
    "rank_models",
    "resample_weights",
    "run_folds",
    "runtime_parity",
    "score_predictions",
    "select_default",
    "selection_scores",
    "selection_table",
    "speed_class",
    "transfer_table",
    "use_runtime",
]
