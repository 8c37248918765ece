"""Choosing between models: ranking with a tie rule, the default model, the learning-curve model.

The policy is separate from the model store: :func:`stance.models.train_default` calls
:func:`select_default` and saves what it picks.

Selection criterion
-------------------
A task's default is chosen on :data:`CRITERION`: the **selection score** is the mean of

* the grouped cross-validation score (folds of whole documents over the combined gold
  set; the task's primary metric, macro-F1 or F_avg), and
* the cross-source score: the same metric on the out-of-fold predictions of the
  cross-source folds (train on one side and test on the other, both directions, the
  predictions pooled and scored once).

Without a cross-source score (a corpus with one side), the selection score is the
grouped score. Passage-level (stratified) splits never enter the choice: a stratified
primary scheme is refused. The leave-one-kind-out score is reported beside them but does
not enter the criterion. :func:`selection_scores` computes the column, :func:`select_default`
ranks by it.

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
    "CRITERION",
    "TIE_TOLERANCE",
    "learning_curve_models",
    "rank_models",
    "select_default",
    "selection_scores",
    "selection_table",
    "speed_class",
    "transfer_table",
]

#: Scores closer than this count as tied.
TIE_TOLERANCE = 0.01

#: The documented rule that picks a task's default model (see the module docstring).
CRITERION = (
    "selection score = mean of the grouped cross-validation score (whole documents held out, combined gold set) "
    "and the cross-source score (train on one side, test on the other, both directions pooled); "
    "the grouped score alone when there is no second side; never passage-level splits"
)

#: Transfer schemes whose score enters the selection score.
SELECTION_SCHEMES = ("cross-source",)


def selection_scores(comparison: pd.DataFrame, transfer: pd.DataFrame | None) -> pd.DataFrame:
    """Add the transfer scores and the ``selection_score`` of :data:`CRITERION` to a comparison table.

    Parameters
    ----------
    comparison : DataFrame
        Rows ``task, model, score, ...`` of the primary (grouped) folds.
    transfer : DataFrame, optional
        Rows ``task, model, scheme, score, ci_low, ci_high`` of the transfer folds
        (:func:`stance.evaluation.compare.evaluate_task`).

    Returns
    -------
    DataFrame
        ``comparison`` with ``<scheme>``, ``<scheme>_ci_low``, ``<scheme>_ci_high`` for every
        transfer scheme and ``selection_score``.

        The selection score is NaN when the primary folds were passage-level (stratified):
        the criterion never uses them.
    """
    out = comparison.copy()
    if "scheme" in out and (out["scheme"].astype(str) == "stratified").any():
        out["selection_score"] = np.nan
        return out
    parts = [out["score"].astype(float)]
    if transfer is not None and len(transfer):
        for scheme, rows in transfer.groupby("scheme", sort=True):
            idx = rows.set_index(["task", "model"])
            key = list(zip(out["task"], out["model"], strict=True))
            for col, src in ((scheme, "score"), (f"{scheme}_ci_low", "ci_low"), (f"{scheme}_ci_high", "ci_high")):
                out[col] = [float(idx[src].get(k, np.nan)) for k in key]
            if scheme in SELECTION_SCHEMES:
                parts.append(out[scheme].astype(float))
    # a model that failed on a transfer scheme has no selection score and ranks last
    out["selection_score"] = pd.concat(parts, axis=1).mean(axis=1, skipna=False)
    return out


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
    by = "selection_score" if "selection_score" in ok and ok["selection_score"].notna().any() else "score"
    ranked = rank_models(ok, by, tie_tolerance)
    best = ranked.iloc[0]
    metric = str(best.get("metric", "score"))
    what = f"the {CRITERION}" if by == "selection_score" else f"cross-validated {metric}"
    reasons = [
        f"Candidates were ranked by {what} ({metric}; primary folds: {best.get('scheme', 'document')}); "
        f"scores within {tie_tolerance:g} of the best count as tied and go to the faster model (training per "
        "fold plus scoring 1,000 passages, compared by order of magnitude), then to the cheaper backend."
    ]
    if best[by] < ranked[by].max():
        leader = ranked.loc[ranked[by].idxmax()]
        reasons.append(
            f"{best['model']} ({by} {best[by]:.3f}) is within {tie_tolerance:g} of "
            f"{leader['model']} ({leader[by]:.3f}) and is faster or cheaper to train and run."
        )
    else:
        reasons.append(f"{best['model']} has the highest {by}: {best[by]:.3f}.")
    if len(ranked) > 1 and by == "score":
        reasons.append(_runner_up(best, ranked.iloc[1]))
    elif len(ranked) > 1:
        reasons.append(f"Runner-up: {ranked.iloc[1]['model']} ({by} {ranked.iloc[1][by]:.3f}).")
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


#: Notes on scores that are not out of sample everywhere (shown beside the tables).
IN_SAMPLE_NOTES = {
    "lexicon": (
        "lexicon: the codebook's cue lists were written with the five seed articles in view, before the "
        "White House texts were read; its scores on the US side (cross-source ->US, kind) are out of sample, "
        "its scores on the seed (CN) side are not."
    ),
}


def _cell(value: float, lo: float, hi: float) -> str:
    if value is None or pd.isna(value):
        return ""
    if pd.isna(lo) or pd.isna(hi):
        return f"{value:.3f}"
    return f"{value:.3f} [{lo:.3f}, {hi:.3f}]"


def transfer_table(table: pd.DataFrame, transfer: pd.DataFrame | None = None) -> str:
    """Grouped and transfer scores side by side, one row per model, as Markdown (model cards, README).

    Parameters
    ----------
    table : DataFrame
        Ranked comparison rows of one task with ``selection_score`` (:func:`selection_scores`).
    transfer : DataFrame, optional
        Transfer rows of the task; their ``folds`` column names the folds used.

    Returns
    -------
    str
        Columns: the grouped score, every transfer scheme (with 95% intervals) and the
        selection score, followed by the folds used and notes on in-sample scores.
    """
    schemes = sorted(transfer["scheme"].unique()) if transfer is not None and len(transfer) else []
    primary = str(table["scheme"].iloc[0]) if "scheme" in table and len(table) else ""
    head = (
        f"| rank | model | {'stratified' if primary.startswith('stratified') else 'grouped'} CV | "
        + " | ".join(schemes)
        + (" | " if schemes else "")
        + "selection |"
    )
    lines = [head, "|---:|---|---:|" + "---:|" * len(schemes) + "---:|"]
    for _, row in table.iterrows():
        cells = [_cell(row.get("score"), row.get("ci_low"), row.get("ci_high"))]
        cells += [_cell(row.get(s), row.get(f"{s}_ci_low"), row.get(f"{s}_ci_high")) for s in schemes]
        sel = row.get("selection_score")
        cells.append("" if sel is None or pd.isna(sel) else f"{sel:.3f}")
        lines.append(f"| {row.get('rank', '')} | {row['model']} | " + " | ".join(cells) + " |")
    notes = []
    if "folds" in table and len(table) and isinstance(table["folds"].iloc[0], str):
        notes.append(f"Primary CV folds: {table['folds'].iloc[0]}.")
    elif primary:
        notes.append(f"Grouped CV folds: {primary} ({int(table['n_folds'].max())} folds).")
    if schemes:
        for scheme, rows in transfer.groupby("scheme", sort=True):
            notes.append(f"{scheme}: {rows['folds'].iloc[0]}.")
    notes += [note for name, note in IN_SAMPLE_NOTES.items() if name in set(table["model"].astype(str))]
    return "\n".join(lines) + ("\n\n" + "\n".join(f"- {n}" for n in notes) if notes else "")


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
