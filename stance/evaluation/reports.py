"""Reading the results: confusion tables, error examples, and the evaluation tables on disk.

All results are tidy DataFrames; :meth:`Evaluation.write` saves them as CSV (and the run
settings as ``run.json``), :meth:`Evaluation.read` reads them back.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from stance.evaluation.metrics import prediction_matrices
from stance.io import atomic_write

if TYPE_CHECKING:
    from stance.evaluation.compare import Comparison

__all__ = ["Evaluation", "confusion_matrix", "confusion_table", "error_examples"]


def confusion_table(predictions: pd.DataFrame, labels: Sequence[str], multilabel: bool) -> pd.DataFrame:
    """Confusion counts in tidy form: ``label, true, pred, count``.

    Multi-class: one row per (true class, predicted class), ``label`` empty. Multi-label:
    a 2x2 table per label, with ``true`` and ``pred`` in ``{"yes", "no"}``.

    Parameters
    ----------
    predictions : DataFrame
        Tidy predictions of one model and task.
    labels : list of str
    multilabel : bool

    Returns
    -------
    DataFrame
        ``label, true, pred, count``.
    """
    labels = list(labels)
    _, T, P, _, _ = prediction_matrices(predictions, labels)
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
    transfer : DataFrame
        Scores on the transfer folds (cross-source, leave-one-kind-out): ``task, model,
        scheme, metric, score, ci_low, ci_high, n_passages, n_folds, folds, error``.
    transfer_predictions : DataFrame
        The cross-source predictions of each task's top-ranked model, tidy as ``predictions``
        with a ``scheme`` column; ``fold`` names the direction (e.g. ``CN->US``).
    """

    comparison: pd.DataFrame
    per_label: pd.DataFrame
    confusion: pd.DataFrame
    predictions: pd.DataFrame
    learning_curve: pd.DataFrame
    comparisons: dict[str, Comparison] = field(default_factory=dict)
    info: dict[str, Any] = field(default_factory=dict)
    transfer: pd.DataFrame = field(default_factory=pd.DataFrame)
    transfer_predictions: pd.DataFrame = field(default_factory=pd.DataFrame)

    FILES = (
        "comparison",
        "per_label",
        "learning_curve",
        "confusion",
        "predictions",
        "transfer",
        "transfer_predictions",
    )

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

    def same_settings(self, other: Evaluation) -> bool:
        """Whether ``other`` ran with the same settings and codebook (its tasks may differ)."""
        mine = {k: v for k, v in self.info.items() if k != "tasks"}
        theirs = {k: v for k, v in other.info.items() if k != "tasks"}
        return bool(mine) and mine == theirs

    def merged(self, earlier: Evaluation, order: Sequence[str] = ()) -> Evaluation:
        """This evaluation with the rows of the tasks that only ``earlier`` evaluated.

        Parameters
        ----------
        earlier : Evaluation
            An evaluation with the same settings (:meth:`same_settings`), e.g. read from the
            folder this one is about to be written to.
        order : sequence of str
            Task order of the merged tables (e.g. the codebook's); tasks not in it follow, by name.

        Returns
        -------
        Evaluation
            Its ``comparisons`` are this evaluation's.

        Raises
        ------
        ValueError
            If the settings differ.
        """
        if not self.same_settings(earlier):
            raise ValueError("the two evaluations ran with different settings; they cannot be merged")
        kept = [t for t in earlier.info.get("tasks", {}) if t not in self.info.get("tasks", {})]
        tasks = {**{t: earlier.info["tasks"][t] for t in kept}, **self.info.get("tasks", {})}
        rank = {t: i for i, t in enumerate(order)}
        names = sorted(tasks, key=lambda t: (rank.get(t, len(rank)), t))
        tables = {}
        for name in self.FILES:
            old: pd.DataFrame = getattr(earlier, name)
            parts = [getattr(self, name)]
            if "task" in old.columns:
                parts.append(old[old["task"].astype(str).isin(kept)])
            parts = [p for p in parts if len(p.columns)]
            frame = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()
            if "task" in frame.columns and len(frame):
                key = frame["task"].map({t: i for i, t in enumerate(names)})
                frame = frame.iloc[np.argsort(key.to_numpy(), kind="stable")].reset_index(drop=True)
            tables[name] = frame
        info = {**self.info, "tasks": {t: tasks[t] for t in names}}
        return Evaluation(**tables, comparisons=self.comparisons, info=info)

    def write(self, out: str | Path) -> list[Path]:
        """Write the tables as CSV (and ``run.json``) into ``out``; returns the paths."""
        out = Path(out)
        out.mkdir(parents=True, exist_ok=True)
        paths = []
        for name in self.FILES:
            frame: pd.DataFrame = getattr(self, name)
            path = out / f"{name}.csv"
            atomic_write(path, frame.to_csv(index=False, float_format="%.6g", lineterminator="\n"))
            paths.append(path)
        path = out / "run.json"
        atomic_write(path, json.dumps(self.info, indent=1, sort_keys=True, default=str) + "\n")
        paths.append(path)
        return paths
