"""Choosing between models: ranking with a tie rule, the default model, the learning-curve model.

The policy is separate from the model store: :func:`stance.models.train_default` calls
:func:`select_default` and saves what it picks.

Tie rule
--------
Repeatedly take the best remaining score; among the models within ``tie_tolerance``
(default 0.01) of it, the fastest gets the next rank. Speed is compared by
:func:`speed_class` (powers of ten of training plus prediction time), then by the
registry's cost order (cheapest backend first), then by the higher score and the name,
so the choice does not depend on timing noise. Models that failed (NaN score) come last.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

__all__ = [
    "TIE_TOLERANCE",
    "learning_curve_models",
    "rank_models",
    "select_default",
    "selection_table",
    "speed_class",
]

#: Scores closer than this count as tied.
TIE_TOLERANCE = 0.01


def _cost_order(name: str) -> int:
    """Position of a backend in the registry (cheapest first); unknown names last."""
    from stance.classifiers import REGISTRY

    names = list(REGISTRY)
    return names.index(name) if name in names else len(names)


def speed_class(fit_seconds: float, predict_ms: float) -> int:
    """Order of magnitude of a model's cost: training per fold plus scoring 1,000 passages, in log10 seconds.

    Models within the same power of ten count as equally fast, so that timing noise does
    not flip a choice.

    Parameters
    ----------
    fit_seconds : float
        Training time per fold.
    predict_ms : float
        Prediction time per passage in milliseconds (= seconds per 1,000 passages).

    Returns
    -------
    int
    """
    total = float(fit_seconds or 0.0) + float(predict_ms or 0.0)
    return int(np.floor(np.log10(max(total, 1e-3))))


def _column(table: pd.DataFrame, name: str) -> pd.Series:
    return table[name].fillna(0.0) if name in table else pd.Series(0.0, index=table.index)


def rank_models(table: pd.DataFrame, metric: str, tie_tolerance: float = TIE_TOLERANCE) -> pd.DataFrame:
    """Rank models by ``metric``; near-ties go to the faster model (see the module docstring).

    Parameters
    ----------
    table : DataFrame
        One row per model: ``model``, ``metric`` and optionally ``fit_seconds, predict_ms``.
    metric : str
        Column to rank by.
    tie_tolerance : float

    Returns
    -------
    DataFrame
        ``table`` sorted by a new ``rank`` column (1 = best).
    """
    remaining = table.copy()
    remaining["_score"] = remaining[metric].astype(float)
    remaining["_speed"] = [
        speed_class(f, p)
        for f, p in zip(_column(remaining, "fit_seconds"), _column(remaining, "predict_ms"), strict=True)
    ]
    remaining["_cost"] = [_cost_order(str(m)) for m in remaining["model"]]
    order: list[Any] = []
    while len(remaining):
        valid = remaining[remaining["_score"].notna()]
        if valid.empty:
            order += sorted(remaining.index, key=lambda i: str(remaining.loc[i, "model"]))
            break
        near = valid[valid["_score"] >= valid["_score"].max() - tie_tolerance - 1e-12]
        near = near.sort_values(
            ["_speed", "_cost", "_score", "model"], ascending=[True, True, False, True], kind="stable"
        )
        order.append(near.index[0])
        remaining = remaining.drop(index=near.index[0])
    out = table.loc[order].copy()
    out.insert(0, "rank", np.arange(1, len(out) + 1))
    return out.reset_index(drop=True)


def _runner_up(best: pd.Series, second: pd.Series) -> str:
    overlap = best["ci_low"] <= second["ci_high"] and second["ci_low"] <= best["ci_high"]
    return f"Runner-up: {second['model']} ({second['score']:.3f}). " + (
        "Their 95% bootstrap intervals overlap, so the data cannot tell the two apart with confidence."
        if overlap
        else "Their 95% bootstrap intervals do not overlap."
    )


def select_default(table: pd.DataFrame, tie_tolerance: float = TIE_TOLERANCE) -> tuple[list[str], list[str]]:
    """Order the candidates of one task for promotion and explain the choice.

    Parameters
    ----------
    table : DataFrame
        Comparison rows of one task (from :func:`stance.evaluation.compare_models`), with
        ``model, score, ci_low, ci_high, fit_seconds, predict_ms, error``.
    tie_tolerance : float
        Scores closer than this count as tied; ties go to the faster model.

    Returns
    -------
    order : list of str
        Model names, best first (failed models left out).
    reasons : list of str
        Sentences for the model card.
    """
    ok = table[table["error"].fillna("") == ""].drop(columns=["rank"], errors="ignore")
    if ok.empty:
        return [], ["no candidate could be evaluated"]
    ranked = rank_models(ok, "score", tie_tolerance)
    best = ranked.iloc[0]
    metric = str(best.get("metric", "score"))
    reasons = [
        f"Candidates were ranked by cross-validated {metric} ({best.get('scheme', 'document')} folds); "
        f"scores within {tie_tolerance:g} of the best count as tied and go to the faster model (training per "
        "fold plus scoring 1,000 passages, compared by order of magnitude), then to the cheaper backend."
    ]
    if best["score"] < ranked["score"].max():
        leader = ranked.loc[ranked["score"].idxmax()]
        reasons.append(
            f"{best['model']} ({metric} {best['score']:.3f}) is within {tie_tolerance:g} of "
            f"{leader['model']} ({leader['score']:.3f}) and is faster or cheaper to train and run."
        )
    else:
        reasons.append(f"{best['model']} has the highest {metric}: {best['score']:.3f}.")
    if len(ranked) > 1:
        reasons.append(_runner_up(best, ranked.iloc[1]))
    return ranked["model"].astype(str).tolist(), reasons


def selection_table(table: pd.DataFrame) -> str:
    """The ranked candidates as a Markdown table (for model cards).

    Parameters
    ----------
    table : DataFrame
        Comparison rows of one task, ranked.

    Returns
    -------
    str
    """
    lines = [
        "| rank | model | score | 95% CI | train s/fold | predict ms/passage | note |",
        "|---:|---|---:|---|---:|---:|---|",
    ]
    for row in table.itertuples(index=False):
        d = row._asdict()
        err = str(d.get("error") or "")
        if err:
            lines.append(f"| {d.get('rank', '')} | {d['model']} |  |  |  |  | failed: {err[:80]} |")
            continue
        lines.append(
            f"| {d.get('rank', '')} | {d['model']} | {d['score']:.3f} | [{d['ci_low']:.3f}, {d['ci_high']:.3f}] "
            f"| {d['fit_seconds']:.2f} | {d['predict_ms']:.2f} |  |"
        )
    return "\n".join(lines)


def learning_curve_models(table: pd.DataFrame, budget: float) -> list[str]:
    """The model of a task's learning curve: the best-ranked one that trains within ``budget``.

    Parameters
    ----------
    table : DataFrame
        Ranked comparison rows of one task.
    budget : float
        Training seconds per fold; when no model fits, the fastest one.

    Returns
    -------
    list of str
        One name, or none when every model failed.
    """
    ok = table[table["error"] == ""]
    if ok.empty:
        return []
    cheap = ok[ok["fit_seconds"] <= budget]
    return [str((cheap if len(cheap) else ok.sort_values("fit_seconds")).iloc[0]["model"])]
