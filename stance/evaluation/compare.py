"""Every model on the same folds and resamples: :func:`compare_models`, :func:`evaluate_gold`.

A model that fails in a documented way (:data:`MODEL_FAILURES`: its optional dependency is
not installed, its weights or files are not available, or it cannot be fitted on the
data) is recorded with its error and ranked last; any other exception is a bug and
propagates.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from stance._progress import progress
from stance.evaluation.cv import PREDICTION_COLUMNS, CVResult, cross_validate, learning_curve, model_name
from stance.evaluation.data import TaskData, data_hash, gold_task_data, gold_tasks, load_gold
from stance.evaluation.folds import GROUP_PREFIX, Fold, describe_folds, fold_scheme, make_folds
from stance.evaluation.metrics import primary_metric, score_predictions
from stance.evaluation.reports import Evaluation, confusion_table
from stance.evaluation.selection import TIE_TOLERANCE, learning_curve_models, rank_models, selection_scores
from stance.paths import ProjectPaths

if TYPE_CHECKING:
    from stance.codebook import Codebook
    from stance.corpus import Corpus

__all__ = [
    "MODEL_FAILURES",
    "TRANSFER_SCHEMES",
    "Comparison",
    "compare_models",
    "cross_source_predictions",
    "default_models",
    "evaluate_gold",
    "evaluate_task",
]

#: Fold schemes scored beside the primary folds when the data allow them.
TRANSFER_SCHEMES = ("cross-source", "kind")

#: Failures recorded as a model's error by :func:`compare_models`: optional dependency
#: missing (ImportError), weights or files unavailable (OSError), data the model cannot be
#: fitted on or bad settings (ValueError, including StanceInputError), out of memory.
MODEL_FAILURES: tuple[type[BaseException], ...] = (ImportError, OSError, ValueError, MemoryError)


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
        ``scheme``, ``folds`` (the folds in words), ``error``.
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
    """Every registered classifier.

    Returns
    -------
    list of str
        Registry names, sorted.
    """
    from stance.classifiers import REGISTRY

    return sorted(REGISTRY)


def _scored_row(res: CVResult, metric: str, n_boot: int, resample: str, random_state: int) -> tuple[dict, pd.DataFrame]:
    """The comparison row of one cross-validated model, and its per-label table."""
    overall, labs = res.score(n_boot=n_boot, resample=resample, random_state=random_state)
    values = overall.set_index("metric")
    row: dict[str, Any] = {
        "score": float(values.loc[metric, "value"]),
        "ci_low": float(values.loc[metric, "ci_low"]),
        "ci_high": float(values.loc[metric, "ci_high"]),
    }
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
    return row, labs


def _tagged(frame: pd.DataFrame, task: str, model: str) -> pd.DataFrame:
    frame = frame.copy()
    frame.insert(0, "model", model)
    frame.insert(0, "task", task)
    return frame


def _cat(frames: list[pd.DataFrame], empty: pd.DataFrame | None = None) -> pd.DataFrame:
    frames = [f for f in frames if len(f)]
    if frames:
        return pd.concat(frames, ignore_index=True)
    return empty if empty is not None else pd.DataFrame()


def _finish_table(rows: list[dict], scheme: str, settings: Mapping[str, Any], tie_tolerance: float) -> pd.DataFrame:
    table = pd.DataFrame(rows)
    for col in ("score", "ci_low", "ci_high", "fit_seconds", "predict_ms", "n_passages", "n_folds"):
        if col not in table:
            table[col] = np.nan
    table["error"] = table.get("error", pd.Series("", index=table.index)).fillna("")
    table["scheme"] = scheme
    for key, value in settings.items():
        table[key] = value
    table = rank_models(table, "score", tie_tolerance)
    lead = ["rank", "task", "model", "metric", "score", "ci_low", "ci_high"]
    return table[lead + [c for c in table.columns if c not in lead]]


def _named(models: Sequence[Any] | Mapping[str, Any] | None) -> list[tuple[str, Any]]:
    """``(name, model)`` pairs of a list of models (named by :func:`model_name`) or of a mapping."""
    if isinstance(models, Mapping):
        return [(str(k), v) for k, v in models.items()]
    return [(model_name(m), m) for m in (list(models) if models is not None else default_models())]


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
    tie_tolerance: float = TIE_TOLERANCE,
    random_state: int = 0,
    on_error: str = "record",
    related: Mapping[str, TaskData] | None = None,
) -> Comparison:
    """Cross-validate several models on the same folds and rank them.

    Parameters
    ----------
    data : TaskData
    models : list of str or estimators, or mapping of name to model, optional
        Default: every classifier in :data:`stance.classifiers.REGISTRY`. A mapping names
        its models (e.g. factories, see :func:`stance.evaluation.cv.build_model`).
    folds : list of Fold, optional
        Default: :func:`make_folds` with ``scheme``. The table's ``scheme`` column records
        how the folds were made (``custom`` for folds built by hand).
    codebook : Codebook, optional
    params : mapping, optional
        ``{model name: constructor parameters}``.
    scheme : str
        Fold scheme when ``folds`` is not given.
    n_boot, resample : int, str
        Bootstrap settings (see :func:`stance.evaluation.metrics.score_predictions`).
    use_codebook_examples : bool
        Add codebook examples to the training folds.
    tie_tolerance : float
        Scores closer than this count as tied; ties go to the faster model.
    random_state : int
    on_error : {"record", "raise"}
        A model that fails in a documented way (:data:`MODEL_FAILURES`) is recorded with
        its error (default) or re-raised. Other exceptions always propagate.
    related : mapping of str to TaskData, optional
        Other targets' data for models that pool targets (see :func:`stance.evaluation.cv.fit_on`).

    Returns
    -------
    Comparison
    """
    named = _named(models)
    folds = list(folds) if folds is not None else make_folds(data, scheme=scheme, random_state=random_state)
    metric = primary_metric(data.labels, data.multilabel)
    params = params or {}
    rows, per_label, preds, conf = [], [], [], []
    results: dict[str, CVResult] = {}
    for name, model in progress(named, desc=f"compare {data.task}", total=len(named)):
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
                related=related,
                desc=f"{name} folds",
            )
        except MODEL_FAILURES as exc:
            if on_error == "raise":
                raise
            warnings.warn(f"{name} failed on {data.task}: {exc}", RuntimeWarning, stacklevel=2)
            rows.append({**row, "score": np.nan, "error": f"{type(exc).__name__}: {exc}"})
            continue
        results[name] = res
        scored, labs = _scored_row(res, metric, n_boot, resample, random_state)
        rows.append({**row, **scored})
        per_label.append(_tagged(labs, data.task, name))
        preds.append(res.predictions)
        conf.append(_tagged(confusion_table(res.predictions, res.labels, res.multilabel), data.task, name))
    settings = {
        "resample": resample,
        "n_boot": n_boot,
        "codebook_examples": bool(use_codebook_examples),
        "folds": _describe(data, folds),
    }
    return Comparison(
        data.task,
        _finish_table(rows, fold_scheme(folds), settings, tie_tolerance),
        _cat(per_label),
        _cat(preds, pd.DataFrame(columns=PREDICTION_COLUMNS)),
        _cat(conf),
        results,
    )


def _describe(data: TaskData, folds: Sequence[Fold]) -> str:
    """The folds in words, naming how many documents (outlets) grouped folds deal out."""
    scheme = fold_scheme(folds)
    unit = {"grouped-document": "doc_id", "grouped-outlet": "outlet"}.get(scheme)
    if scheme.startswith(GROUP_PREFIX):
        unit = scheme.removeprefix(GROUP_PREFIX)
    return describe_folds(folds, int(data.passages[unit].nunique()) if unit in data.passages else None)


TRANSFER_COLUMNS = [
    "task",
    "model",
    "scheme",
    "metric",
    "score",
    "ci_low",
    "ci_high",
    "n_passages",
    "n_folds",
    "fit_seconds",
    "folds",
    "error",
]


def _transfer_rows(comp: Comparison, scheme: str, folds: Sequence[Fold], score_kw: Mapping[str, Any]) -> list[dict]:
    """Pooled rows of a transfer comparison, and for cross-source one row per direction."""
    rows = []
    desc = describe_folds(folds)
    for rec in comp.table.to_dict("records"):
        base = {"task": comp.task, "model": rec["model"], "metric": rec["metric"], "folds": desc}
        rows.append(
            {
                **base,
                "scheme": scheme,
                **{k: rec.get(k) for k in ("score", "ci_low", "ci_high", "n_passages", "n_folds", "fit_seconds")},
                "error": rec.get("error", ""),
            }
        )
        res = comp.results.get(rec["model"])
        if scheme != "cross-source" or res is None:
            continue
        for fold in folds:
            sub = res.predictions[res.predictions["fold"] == fold.name]
            overall = score_predictions(sub, res.labels, res.multilabel, **score_kw)[0].set_index("metric")
            row = overall.loc[rec["metric"]] if rec["metric"] in overall.index else None
            rows.append(
                {
                    **base,
                    "scheme": f"{scheme} {fold.name}",
                    "score": float(row["value"]) if row is not None else np.nan,
                    "ci_low": float(row["ci_low"]) if row is not None else np.nan,
                    "ci_high": float(row["ci_high"]) if row is not None else np.nan,
                    "n_passages": int(sub["passage_id"].nunique()),
                    "n_folds": 1,
                    "fit_seconds": np.nan,
                    "folds": f"train on {fold.name.split('->')[0]}, test on {fold.name.split('->')[1]}",
                    "error": "",
                }
            )
    return rows


def evaluate_task(
    data: TaskData,
    models: Sequence[Any] | None = None,
    *,
    codebook: Codebook | None = None,
    params: Mapping[str, Mapping[str, Any]] | None = None,
    scheme: str = "auto",
    n_splits: int = 5,
    transfer: Sequence[str] = TRANSFER_SCHEMES,
    n_boot: int = 1000,
    resample: str = "document",
    use_codebook_examples: bool = False,
    tie_tolerance: float = TIE_TOLERANCE,
    random_state: int = 0,
    log: Callable[[str], None] | None = None,
    related: Mapping[str, TaskData] | None = None,
    comparisons: dict[str, tuple[Comparison, list[Fold]]] | None = None,
) -> tuple[Comparison, pd.DataFrame, list[Fold]]:
    """The evaluation protocol of one task: primary folds, transfer folds, selection score.

    Every model is cross-validated on the primary folds (default ``auto``: whole documents
    dealt into ``n_splits`` grouped folds, or stratified ``n_splits``-fold when every
    document is one passage) and on each transfer scheme the data allow
    (cross-source, leave-one-kind-out; a scheme the data do not allow is skipped). The
    comparison table gains the transfer scores and the ``selection_score`` of
    :data:`stance.evaluation.selection.CRITERION` and is ranked by it.

    Parameters
    ----------
    data : TaskData
    models : list, optional
        Default: every registered classifier.
    codebook, params, n_boot, resample, use_codebook_examples, tie_tolerance, random_state
        See :func:`compare_models`.
    scheme : str
        Primary fold scheme (see :func:`stance.evaluation.folds.make_folds`).
    n_splits : int
        Folds of the ``auto``, ``grouped`` and ``stratified`` schemes (at most).
    transfer : sequence of str
        Transfer schemes to score.
    log : callable, optional
        Receives progress messages.
    related : mapping of str to TaskData, optional
        Other targets' data for models that pool targets.
    comparisons : dict, optional
        Receives ``{scheme: (Comparison, folds)}`` of every transfer scheme scored, for
        callers that report more than the primary metric (e.g. the role table).

    Returns
    -------
    comparison : Comparison
        On the primary folds, its table ranked by the selection score.
    transfer : DataFrame
        Columns of :data:`TRANSFER_COLUMNS`.
    folds : list of Fold
        The primary folds.
    """
    say = log or (lambda _msg: None)
    kw = {
        "codebook": codebook,
        "params": params,
        "n_boot": n_boot,
        "resample": resample,
        "use_codebook_examples": use_codebook_examples,
        "tie_tolerance": tie_tolerance,
        "random_state": random_state,
        "related": related,
    }
    folds = make_folds(data, scheme=scheme, n_splits=n_splits, random_state=random_state)
    comp = compare_models(data, models, folds, **kw)
    rows: list[dict] = []
    for name in transfer:
        try:
            tfolds = make_folds(data, scheme=name, n_splits=n_splits, random_state=random_state)
        except ValueError as exc:
            say(f"{data.task}: {name} folds skipped ({exc})")
            continue
        tcomp = compare_models(data, models, tfolds, **kw)
        if comparisons is not None:
            comparisons[name] = (tcomp, tfolds)
        score_kw = {"n_boot": n_boot, "resample": resample, "random_state": random_state}
        rows += _transfer_rows(tcomp, name, tfolds, score_kw)
    table = pd.DataFrame(rows, columns=TRANSFER_COLUMNS)
    ranked = selection_scores(comp.table.drop(columns=["rank"]), table)
    by = "selection_score" if ranked["selection_score"].notna().any() else "score"
    comp.table = rank_models(ranked, by, tie_tolerance)
    return comp, table, folds


def _models_for(task: str, models: Sequence[Any] | None) -> list[Any]:
    """The models compared on ``task``: target-pooling backends only on stance targets."""
    from stance.classifiers import REGISTRY

    models = list(models) if models is not None else default_models()
    if task.startswith("stance:"):
        return models
    return [m for m in models if not (isinstance(m, str) and getattr(REGISTRY.get(m), "pools_targets", False))]


def _run_info(codebook: Codebook, settings: Mapping[str, Any]) -> dict[str, Any]:
    return {**settings, "codebook_hash": codebook.hash, "codebook_version": codebook.version, "tasks": {}}


def _task_info(data: TaskData, folds: Sequence[Fold]) -> dict[str, Any]:
    return {
        "data_hash": data_hash(data),
        "n_passages": len(data),
        "n_documents": int(data.passages["doc_id"].nunique()),
        "label_counts": data.label_counts(),
        "folds": [f.name for f in folds],
    }


def evaluate_gold(
    corpus: Corpus | None = None,
    gold: pd.DataFrame | None = None,
    codebook: Codebook | None = None,
    *,
    tasks: Sequence[str] | None = None,
    models: Sequence[Any] | None = None,
    params: Mapping[str, Mapping[str, Any]] | None = None,
    scheme: str = "auto",
    n_splits: int = 5,
    transfer: Sequence[str] = (),
    n_boot: int = 1000,
    resample: str = "passage",
    use_codebook_examples: bool = False,
    curve: bool = True,
    curve_models: Sequence[Any] | None = None,
    fractions: Sequence[float] = (0.25, 0.5, 0.75, 1.0),
    n_repeats: int = 3,
    curve_budget: float = 30.0,
    tie_tolerance: float = TIE_TOLERANCE,
    random_state: int = 0,
    out: str | Path | None = None,
    log: Callable[[str], None] | None = None,
    paths: ProjectPaths | None = None,
) -> Evaluation:
    """Compare every model on every task of the gold labels, with learning curves.

    Parameters
    ----------
    corpus : Corpus, optional
        Default: the project corpus ``paths.seeds``.
    gold : DataFrame, optional
        Resolved gold labels; default :func:`load_gold` of ``paths.labels``.
    codebook : Codebook, optional
        Default: the project codebook ``paths.codebook``.
    tasks : list of str, optional
        Default: frames and every stance target.
    models : list, optional
        Default: every registered classifier.
    params : mapping, optional
        Constructor parameters per model name.
    scheme : str
        Primary fold scheme (default ``auto``, see :func:`stance.evaluation.folds.auto_scheme`).
    n_boot, resample, use_codebook_examples, tie_tolerance, random_state
        See :func:`compare_models`.
    n_splits : int
        Folds of the ``auto``, ``grouped`` and ``stratified`` schemes (at most).
    transfer : sequence of str
        Transfer schemes scored beside the primary folds (e.g. :data:`TRANSFER_SCHEMES`);
        with any, the tables gain ``transfer.csv`` and a selection score
        (:func:`evaluate_task`).
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
        Write the CSV tables here (e.g. ``paths.evaluation``). The tasks of an earlier run there
        that this run does not evaluate are kept when that run had the same settings and codebook
        (:meth:`Evaluation.merged`), so tasks can be evaluated one at a time.
    log : callable, optional
        Receives progress messages.
    paths : ProjectPaths, optional
        Project paths for the defaults; default :meth:`ProjectPaths.discover`.

    Returns
    -------
    Evaluation
    """
    from stance.codebook import Codebook
    from stance.corpus import load_corpus

    say = log or (lambda _msg: None)
    if corpus is None or codebook is None or gold is None:
        paths = paths or ProjectPaths.discover()
    codebook = codebook or Codebook.load(paths.codebook)
    corpus = corpus or load_corpus(paths.seeds)
    gold = gold if gold is not None else load_gold(paths=paths)
    tasks = list(tasks) if tasks is not None else gold_tasks(codebook)
    settings = {
        "scheme": scheme,
        "n_splits": n_splits,
        "transfer": list(transfer),
        "n_boot": n_boot,
        "resample": resample,
        "use_codebook_examples": bool(use_codebook_examples),
        "random_state": random_state,
        "tie_tolerance": tie_tolerance,
    }
    info = _run_info(codebook, settings)
    comps: dict[str, Comparison] = {}
    curves, transfers, across = [], [], []
    datas = {
        task: gold_task_data(corpus, gold, codebook, task) for task in dict.fromkeys([*tasks, *gold_tasks(codebook)])
    }
    for task in tasks:
        data = datas[task]
        if len(data) == 0:
            say(f"{task}: no gold labels, skipped")
            continue
        say(f"{task}: {len(data)} passages, {data.passages['doc_id'].nunique()} documents")
        scored: dict[str, tuple[Comparison, list[Fold]]] = {}
        comp, table, folds = evaluate_task(
            data,
            _models_for(task, models),
            codebook=codebook,
            params=params,
            **settings,
            log=say,
            related=datas,
            comparisons=scored,
        )
        comps[task] = comp
        transfers.append(table)
        across.append(cross_source_predictions(comp, scored))
        info["tasks"][task] = _task_info(data, folds)
        if not curve:
            continue
        chosen = list(curve_models) if curve_models is not None else learning_curve_models(comp.table, curve_budget)
        for model in chosen:
            curves.append(
                learning_curve(
                    model,
                    data,
                    folds,
                    fractions=fractions,
                    n_repeats=n_repeats,
                    codebook=codebook,
                    params=(params or {}).get(model_name(model)),
                    use_codebook_examples=use_codebook_examples,
                    random_state=random_state,
                )
            )
    result = Evaluation(
        comparison=_cat([c.table for c in comps.values()]),
        per_label=_cat([c.per_label for c in comps.values()]),
        confusion=_cat([c.confusion for c in comps.values()]),
        predictions=_cat([c.predictions for c in comps.values()]),
        learning_curve=_cat(curves),
        comparisons=comps,
        info=info,
        transfer=_cat(transfers, pd.DataFrame(columns=TRANSFER_COLUMNS)),
        transfer_predictions=_cat(across),
    )
    if out is not None:
        result = _merge_earlier(result, Path(out), gold_tasks(codebook), say)
        result.write(out)
    return result


def cross_source_predictions(comp: Comparison, scored: Mapping[str, tuple[Comparison, list[Fold]]]) -> pd.DataFrame:
    """The cross-source predictions of the top-ranked model of a task.

    Parameters
    ----------
    comp : Comparison
        The ranked comparison on the primary folds (:func:`evaluate_task`).
    scored : mapping
        The ``comparisons`` that :func:`evaluate_task` filled.

    Returns
    -------
    DataFrame
        Tidy predictions with a ``scheme`` column; ``fold`` is the direction (``CN->US``).
        Empty when there were no cross-source folds or no model could be evaluated.
    """
    if "cross-source" not in scored or (comp.table["error"] == "").sum() == 0:
        return pd.DataFrame()
    preds = scored["cross-source"][0].predictions
    preds = preds[preds["model"] == comp.best].copy()
    preds.insert(2, "scheme", "cross-source")
    return preds.reset_index(drop=True)


def _merge_earlier(result: Evaluation, out: Path, order: Sequence[str], say: Callable[[str], None]) -> Evaluation:
    """Keep the tasks of an earlier run in ``out`` that this run did not evaluate, when the settings match."""
    if not (out / "comparison.csv").is_file():
        return result
    earlier = Evaluation.read(out)
    kept = [t for t in earlier.info.get("tasks", {}) if t not in result.info["tasks"]]
    if not kept:
        return result
    if not result.same_settings(earlier):
        say(f"{out}: the earlier run used other settings; its tasks {', '.join(kept)} are replaced")
        return result
    say(f"{out}: kept the earlier rows of {', '.join(kept)} (same settings)")
    return result.merged(earlier, order)
