"""Choose which unlabelled passages to label next: uncertainty sampling with diversity.

:func:`suggest` ranks unlabelled passages by how unsure the current model is about them
(closeness to the decision threshold for multi-label frames, the margin between the two
most likely classes for stance), then picks greedily so that no two suggestions are near
duplicates (maximal marginal relevance over TF-IDF vectors of the passages).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["export_suggestions", "suggest", "uncertainty"]


def uncertainty(proba: np.ndarray, multilabel: bool, thresholds: Sequence[float] | None = None) -> np.ndarray:
    """Per-row uncertainty in [0, 1]; 1 is most uncertain.

    Parameters
    ----------
    proba : ndarray of shape (n_samples, n_classes)
        Probabilities with columns in ``classes_`` order.
    multilabel : bool
        Frames (independent labels) or a single multi-class task.
    thresholds : sequence of float, optional
        Per-label decision thresholds for multi-label models (default 0.5).

    Returns
    -------
    ndarray of shape (n_samples,)
        Multi-label: the largest closeness of any label to its threshold. Multi-class:
        one minus the margin between the two most likely classes.
    """
    proba = np.asarray(proba, dtype=float)
    if proba.size == 0:
        return np.zeros(len(proba))
    if multilabel:
        t = np.full(proba.shape[1], 0.5) if thresholds is None else np.asarray(thresholds, dtype=float)
        # distance to the threshold, scaled so that 0 = at the threshold, 1 = at 0 or 1
        span = np.where(proba >= t, 1.0 - t, t)
        closeness = 1.0 - np.abs(proba - t) / np.maximum(span, 1e-9)
        return closeness.max(axis=1)
    top2 = -np.sort(-proba, axis=1)[:, :2]
    if top2.shape[1] == 1:
        return 1.0 - top2[:, 0]
    return 1.0 - (top2[:, 0] - top2[:, 1])


def _similarity(texts: Sequence[str]) -> np.ndarray:
    from sklearn.feature_extraction.text import TfidfVectorizer

    if len(texts) == 0:
        return np.zeros((0, 0))
    vec = TfidfVectorizer(sublinear_tf=True, ngram_range=(1, 2), min_df=1).fit_transform(texts)
    return (vec @ vec.T).toarray()


def suggest(
    model: Any,
    passages: pd.DataFrame,
    n: int = 20,
    exclude_ids: Sequence[str] = (),
    diversity: float = 0.5,
    duplicate_threshold: float = 0.8,
) -> pd.DataFrame:
    """Pick ``n`` unlabelled passages worth labelling next.

    Parameters
    ----------
    model : classifier
        A fitted stance classifier (``predict_proba``, ``classes_``; ``multilabel`` and
        ``thresholds_`` when it has them).
    passages : DataFrame
        Candidate passages with ``passage_id``, ``doc_id`` and ``text`` (e.g.
        ``corpus.analysable()``).
    n : int
        How many to suggest.
    exclude_ids : sequence of str
        Passage ids that already have labels.
    diversity : float
        Weight of dissimilarity against uncertainty in the greedy pick (0 = uncertainty only).
    duplicate_threshold : float
        Cosine similarity above which a candidate counts as a near duplicate of one already
        picked and is skipped.

    Returns
    -------
    DataFrame
        ``rank``, ``passage_id``, ``doc_id``, ``text``, ``uncertainty``, ``max_similarity``
        and, per class, the model's probability.
    """
    pool = passages[~passages["passage_id"].isin(set(exclude_ids))].reset_index(drop=True)
    if pool.empty or n <= 0:
        return pd.DataFrame(columns=["rank", "passage_id", "doc_id", "text", "uncertainty", "max_similarity"])
    proba = np.asarray(model.predict_proba(list(pool["text"])))
    multilabel = bool(getattr(model, "multilabel", False))
    thresholds = getattr(model, "thresholds_", None) if multilabel else None
    unc = uncertainty(proba, multilabel, thresholds)
    sim = _similarity(list(pool["text"]))
    chosen: list[int] = []
    max_sim = np.zeros(len(pool))
    # stable order: uncertainty, then passage id, so ties break the same way every run
    order = sorted(range(len(pool)), key=lambda i: (-unc[i], pool["passage_id"].iloc[i]))
    while len(chosen) < min(n, len(pool)):
        best, best_score = None, -np.inf
        for i in order:
            if i in chosen or (chosen and max_sim[i] >= duplicate_threshold):
                continue
            score = (1 - diversity) * unc[i] - diversity * max_sim[i]
            if score > best_score + 1e-12:
                best, best_score = i, score
        if best is None:
            break
        chosen.append(best)
        max_sim = np.maximum(max_sim, sim[best])
    out = pool.iloc[chosen][["passage_id", "doc_id", "text"]].reset_index(drop=True)
    out.insert(0, "rank", np.arange(1, len(out) + 1))
    out["uncertainty"] = unc[chosen].round(4)
    sims = [float(max(sim[c, chosen[:k]])) if k else 0.0 for k, c in enumerate(chosen)]
    out["max_similarity"] = np.round(sims, 4)
    for j, cls in enumerate(getattr(model, "classes_", range(proba.shape[1]))):
        out[f"p:{cls}"] = proba[chosen, j].round(4)
    return out


def export_suggestions(
    out: str | Path,
    table: pd.DataFrame,
    format: str = "csv",
    store: Any = None,
    corpus: Any = None,
    codebook: Any = None,
) -> pd.DataFrame:
    """Write suggested passages as a blank task file, in rank order, with rank, uncertainty and probabilities.

    Parameters
    ----------
    out : str or Path
        Output file (checked like any export: never an input of the project).
    table : DataFrame
        The result of :func:`suggest`.
    format : {"csv", "labelstudio"}
        A spreadsheet to fill in, or Label Studio tasks (plus ``<stem>.xml``, the interface).
    store, corpus, codebook : optional
        As for :func:`stance.labels.export_labels`.

    Returns
    -------
    DataFrame
        What :func:`stance.labels.export_labels` returns (``attrs["replaced"]`` included).
    """
    from stance.labels import export_labels

    out = Path(out)
    exported = export_labels(out, format, store, corpus, codebook, annotator=None, ids=table["passage_id"].tolist())
    _annotate(out, format, table)
    return exported


def _annotate(out: Path, format: str, table: pd.DataFrame) -> None:
    """Add rank, uncertainty and the model's probabilities to an exported task file, in rank order."""
    import csv
    import io
    import json

    from stance.io import atomic_write

    info = {r["passage_id"]: r for r in table.to_dict("records")}
    extra = [c for c in table.columns if c not in ("rank", "passage_id", "doc_id", "text")]
    if format == "csv":
        rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8"), newline="")))
        base = [c for c in rows[0] if c != "text"] if rows else []
        cols = ["rank", *base, *extra, "text"]
        for row in rows:
            row.update({k: info[row["passage_id"]][k] for k in ("rank", *extra)})
        rows.sort(key=lambda r: int(r["rank"]))
        buf = io.StringIO(newline="")
        writer = csv.DictWriter(buf, fieldnames=cols, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
        atomic_write(out, buf.getvalue())
        return
    tasks = json.loads(out.read_text(encoding="utf-8"))
    for t in tasks:
        r = info[t["data"]["passage_id"]]
        t["data"]["rank"] = int(r["rank"])
        t["data"]["uncertainty"] = float(r["uncertainty"])
    tasks.sort(key=lambda t: t["data"]["rank"])
    for i, t in enumerate(tasks, start=1):
        t["id"] = i
    atomic_write(out, json.dumps(tasks, ensure_ascii=False, indent=1) + "\n")
