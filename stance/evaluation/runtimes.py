"""The same evaluation under each encoder runtime: do the metrics agree to two decimals?

:func:`runtime_parity` runs :func:`~stance.evaluation.compare.evaluate_gold` once per encoder
runtime (``torch``, ``onnx``, ``onnx-int8``; see :mod:`stance.encoders_onnx`) on the same
folds and seed, and tabulates each metric side by side. Training embeds with torch whatever
the runtime (:func:`stance.encoders.training_runtime`), so only the embeddings of the
held-out passages differ between runs; backends that do not embed score the same by
construction.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from stance.codebook import Codebook
    from stance.corpus import Corpus

__all__ = ["PARITY_METRICS", "runtime_parity", "use_runtime"]

#: Columns of the comparison table compared across runtimes (those present): the primary
#: score and its interval, the other metrics, the transfer scores and the selection score.
PARITY_METRICS = (
    "score",
    "ci_low",
    "ci_high",
    "macro_f1",
    "micro_f1",
    "f_avg",
    "accuracy",
    "brier",
    "selection_score",
)


@contextmanager
def use_runtime(runtime: str) -> Iterator[None]:
    """Inside the block the ``encoder_runtime`` setting is ``runtime`` (``STANCE_ENCODER_RUNTIME``)."""
    previous = os.environ.get("STANCE_ENCODER_RUNTIME")
    os.environ["STANCE_ENCODER_RUNTIME"] = runtime
    try:
        yield
    finally:
        if previous is None:
            os.environ.pop("STANCE_ENCODER_RUNTIME", None)
        else:
            os.environ["STANCE_ENCODER_RUNTIME"] = previous


def _default_backends(tasks: Sequence[str], codebook: Codebook) -> dict[str, list[str]]:
    """Each task's default model backend (``stance train``'s choice under ``models/``)."""
    from stance.scoring import resolve_models

    return {h.task: [h.backend] for h in resolve_models(list(tasks), "default", codebook=codebook)}


def _metric_columns(table: pd.DataFrame) -> list[str]:
    transfer = [
        c for c in table.columns if c.startswith(("cross-source", "kind")) and not c.endswith(("_low", "_high"))
    ]
    return [c for c in (*PARITY_METRICS, *transfer) if c in table.columns]


def _long(table: pd.DataFrame, runtime: str) -> pd.DataFrame:
    ok = table[table["error"] == ""]
    cols = _metric_columns(ok)
    out = ok.melt(id_vars=["task", "model"], value_vars=cols, var_name="metric", value_name="value")
    out["runtime"] = runtime
    return out.dropna(subset=["value"])


def runtime_parity(
    corpus: Corpus,
    gold: pd.DataFrame,
    codebook: Codebook,
    *,
    tasks: Sequence[str],
    runtimes: Sequence[str] = ("torch", "onnx", "onnx-int8"),
    models: Mapping[str, Sequence[Any]] | None = None,
    decimals: int = 2,
    log: Callable[[str], None] | None = None,
    **evaluate_kwargs: Any,
) -> pd.DataFrame:
    """Evaluate each task's models under every runtime and compare the metrics.

    Parameters
    ----------
    corpus, gold, codebook
        As for :func:`~stance.evaluation.compare.evaluate_gold`.
    tasks : sequence of str
    runtimes : sequence of str
        Encoder runtimes; the first is the reference.
    models : mapping, optional
        Task to the models to evaluate; default each task's default model (its backend).
    decimals : int
        Metrics agree when they are equal rounded to this many decimals.
    log : callable, optional
        Receives progress messages.
    **evaluate_kwargs
        Passed on to :func:`~stance.evaluation.compare.evaluate_gold` (scheme, n_splits,
        transfer, n_boot, resample, random_state, ...); learning curves are off.

    Returns
    -------
    DataFrame
        One row per task, model and metric: the value under each runtime (one column per
        runtime), ``max_abs_diff`` from the reference, and ``same`` (every runtime equal to
        the reference at ``decimals``).
    """
    from stance.evaluation.compare import evaluate_gold

    say = log or (lambda _msg: None)
    chosen = dict(models) if models is not None else _default_backends(tasks, codebook)
    parts = []
    for runtime in runtimes:
        for task in tasks:
            say(f"{task} ({', '.join(map(str, chosen[task]))}) under {runtime}")
            with use_runtime(runtime):
                result = evaluate_gold(
                    corpus, gold, codebook, tasks=[task], models=list(chosen[task]), curve=False, **evaluate_kwargs
                )
            if not result.comparison.empty:
                parts.append(_long(result.comparison, runtime))
    if not parts:
        return pd.DataFrame(columns=["task", "model", "metric", *runtimes, "max_abs_diff", "same"])
    long = pd.concat(parts, ignore_index=True)
    wide = long.pivot_table(index=["task", "model", "metric"], columns="runtime", values="value", sort=False)
    wide = wide.reindex(columns=list(runtimes)).reset_index()
    wide.columns.name = None
    values = wide[list(runtimes)].to_numpy(dtype=float)
    reference = values[:, :1]
    wide["max_abs_diff"] = np.nanmax(np.abs(values - reference), axis=1)
    wide["same"] = (np.round(values, decimals) == np.round(reference, decimals)).all(axis=1)
    return wide
