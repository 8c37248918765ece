"""Evaluation data: gold labels joined with passage texts, as texts ``X``, targets ``y`` and groups.

A :class:`TaskData` holds one classification task: the passages (``passage_id``,
``doc_id`` — the group of leave-one-document-out — ``outlet`` and ``text``) and the targets
(an indicator matrix for multi-label tasks, label strings for multi-class tasks).
Codebook examples are synthetic: :func:`codebook_examples` returns them as extra
*training* data, never as data to score.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from stance.corpus import text_hash
from stance.labels import LabelStore
from stance.paths import ProjectPaths

if TYPE_CHECKING:
    from stance.codebook import Codebook
    from stance.corpus import Corpus

__all__ = [
    "TaskData",
    "codebook_examples",
    "data_hash",
    "gold_task_data",
    "gold_tasks",
    "load_gold",
    "passage_order",
]


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
        One row per example: ``passage_id``, ``doc_id``, ``outlet``, ``side``, ``kind``,
        ``speaker_role`` and ``text`` (index 0..n-1). ``side`` and ``kind`` (of the passage's
        document) make the cross-source and leave-one-kind-out folds; empty when the corpus
        does not record them. :func:`gold_task_data` adds every other column of the corpus's
        passages and documents tables (and ``year``), the groups of ``group:COLUMN`` folds.
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
        for col in ("passage_id", "doc_id", "outlet", "side", "kind", "speaker_role"):
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
        """The passage texts as a list (``X``)."""
        return self.passages["text"].astype(str).tolist()

    @property
    def groups(self) -> np.ndarray:
        """The document of every passage: the groups of leave-one-document-out."""
        return self.passages["doc_id"].astype(str).to_numpy()

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

    def targets(self) -> dict[str, Any]:
        """``{passage_id: target}``: a tuple of 0/1 per label (multi-label) or the class name."""
        pids = self.passages["passage_id"].astype(str).tolist()
        if self.multilabel:
            return {p: tuple(int(v) for v in row) for p, row in zip(pids, self.y, strict=True)}
        return {p: str(v) for p, v in zip(pids, self.y, strict=True)}


def data_hash(data: TaskData) -> str:
    """sha256 of the task's examples (passage ids, text hashes and targets), order-independent.

    Parameters
    ----------
    data : TaskData
        The examples to hash; only ids, texts and targets count, not their order.

    Returns
    -------
    str
        64 hex characters; the same examples in any order give the same hash.
    """
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


def passage_order(passages: pd.DataFrame) -> pd.DataFrame:
    """Examples in the order every task takes them: by document id, then passage id (stable).

    The order decides which rows inner cross-validation and seeded folds put together, so
    every path to a :class:`TaskData` (the gold labels, a benchmark table) uses this one.

    Parameters
    ----------
    passages : DataFrame
        With ``doc_id`` and ``passage_id``.

    Returns
    -------
    DataFrame
        Sorted, with a fresh index 0..n-1.
    """
    return passages.sort_values(["doc_id", "passage_id"], kind="stable").reset_index(drop=True)


def _missing(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, float) and np.isnan(value):
        return True
    return isinstance(value, str) and value.strip() == ""


#: Columns of a :class:`TaskData`'s passages, in order.
PASSAGE_COLUMNS = ["passage_id", "doc_id", "outlet", "side", "kind", "speaker_role", "text"]
_DOC_COLUMNS = ("outlet", "side", "kind")


def _joined(corpus: Corpus, gold: pd.DataFrame) -> tuple[pd.DataFrame, list[str]]:
    """Gold rows with their passage's and document's columns, and the names of those metadata columns.

    Every column of the corpus's passages and documents tables comes along (a gold column of
    the same name wins), so that folds can group by any of them (``group:COLUMN``); ``year``
    is the year of ``published`` when the documents have no column of that name.
    """
    cols = ["passage_id", "doc_id", "text"] + (["speaker_role"] if "speaker_role" in corpus.passages else [])
    passages = corpus.passages[cols]
    g = gold.drop(columns=[c for c in ("doc_id", "text", "speaker_role", *_DOC_COLUMNS) if c in gold.columns])
    merged = passages.merge(g, on="passage_id", how="inner")
    doc_cols = [c for c in corpus.documents.columns if c == "doc_id" or c not in merged.columns]
    merged = merged.merge(corpus.documents[doc_cols], on="doc_id", how="left")
    passage_cols = [c for c in corpus.passages.columns if c == "passage_id" or c not in merged.columns]
    merged = merged.merge(corpus.passages[passage_cols], on="passage_id", how="left")
    for col in (*_DOC_COLUMNS, "speaker_role"):
        merged[col] = merged.get(col, pd.Series("", index=merged.index)).fillna("").astype(str)
    meta = [c for c in (*doc_cols, *passage_cols) if c not in ("doc_id", "passage_id", *PASSAGE_COLUMNS)]
    if "published" in merged and "year" not in merged:
        merged["year"] = [("" if pd.isna(t) else str(pd.Timestamp(t).year)) for t in merged["published"]]
        meta.append("year")
    return merged, meta


def _frame_targets(merged: pd.DataFrame, labels: list[str]) -> tuple[pd.DataFrame, np.ndarray]:
    cols = [f"frame:{name}" for name in labels]
    if all(c in merged.columns for c in cols):
        merged = merged[merged[cols].notna().all(axis=1)]
        merged = passage_order(merged)
        return merged, merged[cols].astype(bool).to_numpy().astype(int)
    if "frames" not in merged.columns:
        raise ValueError("gold labels have neither 'frames' nor 'frame:<name>' columns")
    merged = merged[merged["frames"].map(lambda v: isinstance(v, list | tuple | np.ndarray))]
    merged = passage_order(merged)
    y = np.array([[int(n in set(v)) for n in labels] for v in merged["frames"]], dtype=int)
    return merged, y.reshape(len(merged), len(labels))


def _single_targets(merged: pd.DataFrame, Y: np.ndarray, labels: list[str]) -> tuple[pd.DataFrame, np.ndarray]:
    """Class names of a single-label frames task: passages coded with no frame are left out.

    Raises
    ------
    ValueError
        Naming the first passage coded with several frames.
    """
    n = Y.sum(axis=1)
    several = np.flatnonzero(n > 1)
    if len(several):
        pid = merged["passage_id"].iloc[several[0]]
        names = [lab for lab, v in zip(labels, Y[several[0]], strict=True) if v]
        raise ValueError(
            f"the frames task is single-label, but {len(several)} gold passage(s) carry several frames "
            f"(first: {pid}: {', '.join(names)}); adjudicate them to one frame"
        )
    keep = n == 1
    merged = merged[keep].reset_index(drop=True)
    return merged, np.asarray(labels, dtype=object)[Y[keep].argmax(axis=1)] if keep.any() else np.array([], object)


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
        Passages not coded for the task (missing value) are left out; so are, for a
        single-label frames task, passages coded with no frame.

    Raises
    ------
    ValueError
        For ``roles`` (evaluated per actor by :func:`stance.narrative.evaluate_roles`),
        when the gold labels lack the task's columns, and when a passage of a single-label
        frames task carries several frames.
    """
    if task == "roles":
        raise ValueError("roles are evaluated per actor by stance.narrative.evaluate_roles")
    labels = codebook.task_labels(task)
    multilabel = codebook.is_multilabel(task)
    merged, meta = _joined(corpus, gold)
    if task == "frames":
        merged, y = _frame_targets(merged, labels)
        if not multilabel:
            merged, y = _single_targets(merged, y, labels)
    else:
        if task not in merged.columns:
            raise ValueError(f"gold labels have no column {task!r}")
        merged = merged[~merged[task].map(_missing)]
        merged = passage_order(merged)
        y = merged[task].astype(str).to_numpy(dtype=object)
    return TaskData(task, labels, multilabel, merged[PASSAGE_COLUMNS + meta], y)


def codebook_examples(codebook: Codebook, task: str, labels: Sequence[str] | None = None) -> tuple[list[str], Any]:
    """Synthetic codebook examples of ``task`` as training data (never for scoring).

    Multi-label tasks use each positive example as a passage with that one label;
    negative examples are left out, because a negative for one frame may be a positive
    for another. Multi-class tasks use the examples of each class.

    Parameters
    ----------
    codebook : Codebook
    task : str
    labels : list of str, optional
        Label order of ``y`` (default: the codebook's labels of the task).

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


def load_gold(
    labels: str | Path | None = None, codebook: Codebook | None = None, *, paths: ProjectPaths | None = None
) -> pd.DataFrame:
    """Resolved gold labels from the label store.

    Parameters
    ----------
    labels : path, optional
        The label store (JSONL); default ``paths.labels``.
    codebook : Codebook, optional
        Decides which labels a record's ``frames`` list covers (default: the codebook of
        the store's project); pass a user codebook when the labels follow it.
    paths : ProjectPaths, optional
        Project paths; default :meth:`ProjectPaths.discover`.

    Returns
    -------
    DataFrame
        ``LabelStore(labels).resolved("gold")``.

    Raises
    ------
    FileNotFoundError
        When there is no label store at the path.
    """
    path = Path(labels) if labels is not None else (paths or ProjectPaths.discover()).labels
    if not path.is_file():
        raise FileNotFoundError(f"no gold label store at {path}")
    return LabelStore(path, codebook=codebook).resolved("gold")


def gold_tasks(codebook: Codebook) -> list[str]:
    """Tasks of ``codebook`` that passage classifiers handle (frames and stance targets).

    Parameters
    ----------
    codebook : Codebook

    Returns
    -------
    list of str
        Every task but ``roles``, in codebook order.
    """
    return [t for t in codebook.tasks if t != "roles"]
