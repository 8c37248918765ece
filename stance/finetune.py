"""Fine-tune a task's default model on newly labelled passages, compare, and promote if not worse.

:func:`finetune` is the library side of ``stance finetune``:

1. **Warm start.** The new version starts from the task's current default model: the same
   backend and hyperparameters (codebook-derived settings such as lexicon cues are taken from
   the current codebook), and, for ``setfit``, the default's fine-tuned encoder as the starting
   point of further contrastive training. ``backend=`` starts a different backend afresh.
2. **Train on gold plus new labels.** Every passage with a gold label for the task in the label
   store is used; passages the default was not trained on are the *new labels*.
3. **Compare on the same held-out folds.** Both versions are cross-validated on identical folds
   (leave one document out by default; documents are grouped into at most ``max_folds`` folds
   when there are more) and scored on the same held-out passages, paired: every bootstrap
   resample scores old and new on the same passages, so the interval of the difference is
   honest. In each fold the *old* version is its recipe refitted on the labels it was trained
   on (restricted to the fold's training part) and the *new* version is the new recipe on every
   label of the training part (warm-started from that fold's old model), so no fold's model
   has seen its test passages.
4. **Save a new version beside the old.** ``models/<task>/vNNN/`` is written into a temporary
   folder and renamed into place in one step; existing versions are never touched. The
   version folder holds ``training.json`` (the passages and labels it was trained on) and
   ``comparison.csv`` besides the model files; the model card records the comparison, the
   promotion decision and the wall time.
5. **Promote if not worse** (see :data:`PROMOTION_RULE`). The ``DEFAULT`` pointer is
   replaced atomically. The label store is only read.

Which passages the default was trained on comes from its ``training.json``; for a default
written by ``stance train`` it is recovered from the label store's history (the state of the
store whose labels hash to the default's recorded training-data hash). When neither works, the
old recipe is refitted on the same labels as the new one and a note says so.
"""

from __future__ import annotations

import json
import os
import tempfile
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
    from stance.evaluate import Fold, TaskData

__all__ = [
    "MIN_POSITIVES",
    "NOT_WORSE_TOLERANCE",
    "PROMOTION_RULE",
    "FinetuneResult",
    "RareLabel",
    "comparison_markdown",
    "finetune",
    "finetune_folds",
    "paired_comparison",
    "rare_labels",
    "rehearsal_project",
]

#: A new version is "not worse" when its primary metric is at least the old one's minus this.
NOT_WORSE_TOLERANCE = 0.01
#: Labels with fewer positive examples than this get a warning and are marked "few".
MIN_POSITIVES = 5
#: The promotion rule, as printed by ``stance finetune --help`` and written into model cards.
PROMOTION_RULE = (
    "Promotion rule: the new version becomes the default automatically when it is not worse than the "
    "current default, that is when its cross-validated primary metric (macro-F1 for frames; F_avg, the "
    "mean F1 of FAVOR and AGAINST, for stance), scored on the same held-out folds and passages as the "
    "current default, is at least the default's minus 0.01 (new - old >= -0.01). --promote promotes "
    "it whatever the comparison says; --no-promote saves it without promoting."
)
TRAINING_FILE = "training.json"
COMPARISON_FILE = "comparison.csv"
#: Backends whose fine-tuned encoder can be the starting point of the next version.
_WARM_ENCODER = ("setfit",)
#: Backends that score labels from the codebook and so can predict a label without examples.
_FROM_CODEBOOK = ("lexicon", "zeroshot")


# ------------------------------------------------------------------------------ results
@dataclass
class RareLabel:
    """A label with fewer than :data:`MIN_POSITIVES` positive examples, and what happens to it."""

    task: str
    label: str
    positives: int
    message: str


@dataclass
class FinetuneResult:
    """Outcome of :func:`finetune`.

    Attributes
    ----------
    task : str
    old_version : str
        The default before the run ("" when there was none).
    version : str
        The new version ("" when nothing was saved).
    path : Path or None
        Its folder.
    promoted : bool
        Whether the new version is now the default.
    decision : str
        One sentence: why it was or was not promoted.
    backend : str
        Backend of the new version.
    metric : str
        Primary metric of the task.
    old_score, new_score, delta : float
        Primary metric of both versions on the shared folds, and new minus old.
    delta_ci : tuple of float
        95 % paired bootstrap interval of ``delta``.
    comparison : DataFrame
        ``label, metric, support, old, old_lo, old_hi, new, new_lo, new_hi, diff, diff_lo,
        diff_hi, few``; ``label`` is ``"(all)"`` for the overall metrics.
    n_passages, n_new, n_changed, n_old_train : int
        Labelled passages used; how many the default was not trained on; how many changed
        label since; how many the default was trained on.
    n_folds : int
    folds : str
        How the folds were made.
    rare : list of RareLabel
    notes : list of str
        Other things the user should know (how the old training set was found, warnings).
    seconds : dict of str to float
        Wall time: ``cv`` (both versions), ``final_fit``, ``total`` (until the version was written).
    skipped : bool
        True when there was nothing to fine-tune (``reason`` says why).
    reason : str
    """

    task: str
    old_version: str = ""
    version: str = ""
    path: Path | None = None
    promoted: bool = False
    decision: str = ""
    backend: str = ""
    metric: str = ""
    old_score: float = float("nan")
    new_score: float = float("nan")
    delta: float = float("nan")
    delta_ci: tuple[float, float] = (float("nan"), float("nan"))
    comparison: pd.DataFrame = field(default_factory=pd.DataFrame)
    n_passages: int = 0
    n_new: int = 0
    n_changed: int = 0
    n_old_train: int = 0
    n_folds: int = 0
    folds: str = ""
    rare: list[RareLabel] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=dict)
    skipped: bool = False
    reason: str = ""

    def per_label(self, metric: str = "f1") -> pd.DataFrame:
        """Rows of :attr:`comparison` for one per-label metric (default F1)."""
        c = self.comparison
        return c[(c["label"] != "(all)") & (c["metric"] == metric)].reset_index(drop=True)

    def overall(self) -> pd.DataFrame:
        """Rows of :attr:`comparison` for the overall metrics."""
        c = self.comparison
        return c[c["label"] == "(all)"].reset_index(drop=True)


# -------------------------------------------------------------------------------- folds
def finetune_folds(
    data: TaskData, scheme: str = "document", max_folds: int = 10, random_state: int = 0
) -> tuple[list[Fold], str]:
    """Held-out folds shared by the old and the new version.

    Parameters
    ----------
    data : TaskData
    scheme : {"document", "outlet", "stratified"}
        Leave one document (outlet) out; ``stratified`` leaks within documents and warns.
    max_folds : int
        With more documents (outlets) than this, whole documents are dealt into ``max_folds``
        folds of similar size (seeded), so every document is still held out in one piece.
    random_state : int

    Returns
    -------
    folds : list of Fold
    description : str
        E.g. ``"leave-one-document-out (5 folds)"``.
    """
    from stance.evaluate import folds_from_column, make_folds

    if scheme == "stratified":
        folds = make_folds(data, "stratified", n_splits=min(max_folds, 5), random_state=random_state)
        return folds, f"stratified {len(folds)}-fold over passages (documents leak across folds)"
    folds = make_folds(data, scheme, random_state=random_state)
    if len(folds) <= max_folds:
        return folds, f"leave-one-{scheme}-out ({len(folds)} folds)"
    col = "doc_id" if scheme == "document" else "outlet"
    groups = data.passages[col].fillna("").astype(str)
    sizes = groups.value_counts()
    rng = np.random.default_rng(random_state)
    names = sorted(sizes.index)
    names = [names[i] for i in rng.permutation(len(names))]
    names.sort(key=lambda g: -int(sizes[g]))  # stable: equal sizes keep the seeded order
    load = np.zeros(max_folds, dtype=int)
    assign: dict[str, str] = {}
    width = len(str(max_folds))
    for g in names:
        k = int(np.argmin(load))
        load[k] += int(sizes[g])
        assign[g] = f"{scheme}s-{k + 1:0{width}d}"
    folds = folds_from_column(groups.map(assign).to_numpy())
    n_groups = len(names)
    return folds, f"grouped {len(folds)}-fold: {n_groups} {scheme}s dealt into {len(folds)} folds, each held out whole"


# ------------------------------------------------------------------------------ scoring
def paired_comparison(
    old: pd.DataFrame | None,
    new: pd.DataFrame,
    labels: Sequence[str],
    multilabel: bool,
    *,
    n_boot: int = 1000,
    resample: str = "passage",
    confidence: float = 0.95,
    random_state: int = 0,
    min_positives: int = MIN_POSITIVES,
) -> pd.DataFrame:
    """Score two models' out-of-fold predictions on the same passages and resamples.

    Parameters
    ----------
    old, new : DataFrame
        Tidy predictions (``passage_id, doc_id, label, true, pred, prob``) of the same passages;
        ``old`` may be None (no earlier model: its columns are NaN).
    labels : list of str
    multilabel : bool
    n_boot : int
        Bootstrap resamples; each one weights the passages identically for both models.
    resample : {"passage", "document"}
    confidence : float
    random_state : int
    min_positives : int
        Labels with fewer positives among the scored passages are marked ``few``.

    Returns
    -------
    DataFrame
        ``label, metric, support, old, old_lo, old_hi, new, new_lo, new_hi, diff, diff_lo,
        diff_hi, few``. Overall metrics have ``label == "(all)"``; per-label rows hold
        precision, recall and F1.
    """
    from stance.evaluate import _matrices, _metric_arrays, bootstrap_weights

    labels = list(labels)
    order, T, Pn, Qn, docs = _matrices(new, labels)
    n = len(T)
    W = np.vstack(
        [np.ones((1, n)), bootstrap_weights(n, n_boot, docs if resample == "document" else None, random_state)]
    )
    new_all, new_lab = _metric_arrays(T, Pn, Qn, W, labels, multilabel)
    if old is not None:
        o_order, _, Po, Qo, _ = _matrices(old, labels)
        pos = pd.Index(o_order).get_indexer(order)
        if (pos < 0).any():
            raise ValueError("old and new predictions cover different passages")
        old_all, old_lab = _metric_arrays(T, Po[pos], Qo[pos], W, labels, multilabel)
    else:
        old_all = {k: np.full_like(v, np.nan) for k, v in new_all.items()}
        old_lab = {k: np.full_like(v, np.nan) for k, v in new_lab.items()}
    tails = [(1 - confidence) / 2 * 100, (1 + confidence) / 2 * 100]

    def ci(values: np.ndarray) -> tuple[float, float]:
        """Percentile interval over the resamples (row 0 is the full sample)."""
        if np.isnan(values[1:]).all():
            return np.nan, np.nan
        lo, hi = np.nanpercentile(values[1:], tails)
        return float(lo), float(hi)

    def row(label: str, metric: str, support: int, o: np.ndarray, w: np.ndarray, few: bool) -> dict[str, Any]:
        d = w - o
        return {
            "label": label, "metric": metric, "support": support,
            "old": float(o[0]), "old_lo": ci(o)[0], "old_hi": ci(o)[1],
            "new": float(w[0]), "new_lo": ci(w)[0], "new_hi": ci(w)[1],
            "diff": float(d[0]), "diff_lo": ci(d)[0], "diff_hi": ci(d)[1],
            "few": few,
        }  # fmt: skip

    rows = []
    support = T.sum(axis=0).astype(int)
    for metric in new_all:
        rows.append(row("(all)", metric, n, old_all[metric], new_all[metric], False))
    for j, lab in enumerate(labels):
        for metric in ("f1", "precision", "recall"):
            few = int(support[j]) < min_positives
            rows.append(row(lab, metric, int(support[j]), old_lab[metric][:, j], new_lab[metric][:, j], few))
    return pd.DataFrame(rows)


def rare_labels(data: TaskData, min_positives: int = MIN_POSITIVES, backend: str | None = None) -> list[RareLabel]:
    """Labels with fewer than ``min_positives`` examples, each with a message saying what happens to it.

    Parameters
    ----------
    data : TaskData
    min_positives : int
    backend : str, optional
        Backend of the new version; ``lexicon`` and ``zeroshot`` score labels from the codebook
        (cue phrases, label descriptions) and so can predict a label without any example.
    """
    out = []
    counts = data.label_counts()
    n = len(data)
    noun = "positive example" if data.multilabel else "example"
    from_codebook = backend in _FROM_CODEBOOK
    for lab, k in counts.items():
        if k >= min_positives:
            continue
        if k == 0 and from_codebook:
            msg = (
                f"{data.task}: {lab!r} has no {noun} among the {n} labelled passages. The {backend} backend still "
                f"scores it from the codebook, but with no passage that carries it every prediction of {lab!r} is "
                "a false positive: its F1 is 0 and counts in macro-F1 when it is predicted at all, and is "
                "undefined (left out of macro-F1 and of the promotion decision) when it is not. Label passages "
                "that use it (stance label suggest ranks the passages the model is least sure about) and "
                "fine-tune again."
            )
        elif k == 0:
            msg = (
                f"{data.task}: {lab!r} has no {noun} among the {n} labelled passages. The new version cannot "
                f"learn it: it gives {lab!r} a constant low probability and never predicts it, and {lab!r} has no "
                "F1, so it is left out of macro-F1 and of the promotion decision. Label passages that use it "
                "(stance label suggest ranks the passages the model is least sure about) and fine-tune again."
            )
        else:
            them, s = ("them", "s") if k > 1 else ("it", "")
            use = (
                f"The {backend} backend scores it from the codebook and tunes its threshold on {them}"
                if from_codebook
                else f"It is still trained on {them}, but a held-out fold whose training part has none never "
                f"predicts it, its decision threshold rests on {k} passage{s}"
            )
            msg = (
                f"{data.task}: {lab!r} has only {k} {noun}{s} (fewer than {min_positives}). {use}, "
                f"and its F1 (marked 'few' in the comparison) moves a lot with a single passage; it counts in "
                "macro-F1 like any other label. Read its interval rather than its value, and label more "
                "passages that use it."
            )
        out.append(RareLabel(data.task, lab, int(k), msg))
    return out


def _fmt_ci(lo: float, hi: float) -> str:
    if np.isnan(lo) or np.isnan(hi):
        return ""
    return f"[{lo:.3f}, {hi:.3f}]"


def _fmt(v: float, signed: bool = False) -> str:
    if v is None or np.isnan(v):
        return ""
    return f"{v:+.3f}" if signed else f"{v:.3f}"


def comparison_frame(comparison: pd.DataFrame, metric: str, per_label_metric: str = "f1") -> pd.DataFrame:
    """The comparison as printed: one row per label (F1) and one for the primary metric, CIs as text."""
    c = comparison
    top = c[(c["label"] == "(all)") & (c["metric"] == metric)]
    labs = c[(c["label"] != "(all)") & (c["metric"] == per_label_metric)]
    rows = []
    for r in [*labs.itertuples(index=False), *top.itertuples(index=False)]:
        name = f"{metric} (all labels)" if r.label == "(all)" else r.label
        rows.append(
            {
                "label": name,
                "support": int(r.support),
                "old": _fmt(r.old),
                "old 95% CI": _fmt_ci(r.old_lo, r.old_hi),
                "new": _fmt(r.new),
                "new 95% CI": _fmt_ci(r.new_lo, r.new_hi),
                "new - old": _fmt(r.diff, signed=True),
                "diff 95% CI": _fmt_ci(r.diff_lo, r.diff_hi),
                "note": "few" if r.few else "",
            }
        )
    return pd.DataFrame(rows)


def comparison_markdown(comparison: pd.DataFrame, metric: str) -> str:
    """The per-label comparison as a Markdown table (for model cards)."""
    frame = comparison_frame(comparison, metric)
    head = "| " + " | ".join(frame.columns) + " |"
    align = "|---|" + "---:|" * (len(frame.columns) - 2) + "---|"
    body = ["| " + " | ".join(str(v) for v in row) + " |" for row in frame.itertuples(index=False)]
    return "\n".join([head, align, *body])


# --------------------------------------------------------------------- old training set
def _targets_of(data: TaskData) -> dict[str, Any]:
    """``{passage_id: target}``: a tuple of 0/1 per label (multi-label) or the class."""
    pids = data.passages["passage_id"].astype(str).tolist()
    if data.multilabel:
        return {p: tuple(int(v) for v in row) for p, row in zip(pids, data.y, strict=True)}
    return {p: str(v) for p, v in zip(pids, data.y, strict=True)}


def _read_training_file(folder: Path, data: TaskData) -> dict[str, Any] | None:
    path = folder / TRAINING_FILE
    if not path.is_file():
        return None
    info = json.loads(path.read_text(encoding="utf-8"))
    out: dict[str, Any] = {}
    for item in info.get("passages", []):
        pid, target = str(item["passage_id"]), item["target"]
        if data.multilabel:
            names = set(target)
            out[pid] = tuple(int(lab in names) for lab in data.labels)
        else:
            out[pid] = str(target)
    return out


def _history_states(store_path: Path, codebook: Codebook) -> list[pd.DataFrame]:
    """Resolved gold labels after each batch of records in the store, newest first."""
    from stance.labels import LabelStore
    from stance.labels.store import resolve_records

    store = LabelStore(store_path, codebook=codebook)
    records = store.records()
    cuts = [
        i + 1
        for i in range(len(records))
        if i + 1 == len(records)
        or (records[i].get("timestamp"), records[i].get("source"))
        != (records[i + 1].get("timestamp"), records[i + 1].get("source"))
    ]
    schema = store.schema(codebook)
    out = []
    for cut in reversed(cuts[-200:]):
        gold = [r for r in records[:cut] if r.get("annotator") == "gold"]
        out.append(resolve_records(gold, schema))
    return out


def _old_training(
    folder: Path,
    config: Mapping[str, Any],
    corpus: Corpus,
    codebook: Codebook,
    task: str,
    data: TaskData,
    store_path: Path | None,
) -> tuple[dict[str, Any] | None, str]:
    """The passages (with their labels then) the default was trained on, and how they were found."""
    from stance.evaluate import data_hash, gold_task_data

    recorded = _read_training_file(folder, data)
    if recorded is not None:
        return recorded, f"read from {folder.name}/{TRAINING_FILE}"
    wanted = config.get("training_data_hash")
    if wanted and store_path is not None and Path(store_path).is_file():
        for state in _history_states(Path(store_path), codebook):
            if state.empty:
                continue
            old = gold_task_data(corpus, state, codebook, task)
            if len(old) and data_hash(old) == wanted:
                return _targets_of(old), "recovered from the label store's history (matching training-data hash)"
    return None, ""


# ----------------------------------------------------------------------------- recipes
def _codebook_params(name: str, codebook: Codebook, task: str) -> set[str]:
    """Constructor parameters that a backend takes from the codebook (e.g. lexicon cues)."""
    from stance.classifiers import REGISTRY

    cls = REGISTRY[name]
    plain = cls(labels=codebook.task_labels(task), multilabel=codebook.is_multilabel(task)).get_params(deep=False)
    derived = cls.from_codebook(codebook, task).get_params(deep=False)
    return {k for k in derived if derived[k] != plain.get(k)} | {"labels", "multilabel"}


def _new_recipe(
    old_model: Any,
    backend: str | None,
    codebook: Codebook,
    data: TaskData,
    params: Mapping[str, Any] | None,
    random_state: int,
) -> tuple[Any, bool]:
    """The unfitted new estimator, and whether it continues from the old one (same backend)."""
    from stance.classifiers import make_classifier
    from stance.evaluate import build_model

    old_backend = getattr(old_model, "backend", None) if old_model is not None else None
    name = backend or old_backend
    if name is None:
        raise ValueError("no backend: the task has no default model; pass backend=")
    warm = old_model is not None and name == old_backend
    if warm and data.task in codebook.tasks:
        est = make_classifier(name, data.task, codebook)
        skip = _codebook_params(name, codebook, data.task)
        keep = {k: v for k, v in old_model.get_params(deep=False).items() if k not in skip}
        est.set_params(**keep)
    else:
        est = build_model(name, data, codebook, None, random_state)
    if params:
        est.set_params(**dict(params))
    if "random_state" in est.get_params():
        est.set_params(random_state=random_state)
    return est, warm


def _warm_from(est: Any, old_fitted: Any, workdir: Path | None, saved: Path | None = None) -> Any:
    """Point an encoder-tuning backend at the old model's fine-tuned encoder."""
    if getattr(est, "backend", "") not in _WARM_ENCODER or getattr(old_fitted, "backend", "") != est.backend:
        return est
    folder = saved
    if folder is None:
        if workdir is None or old_fitted is None:
            return est
        folder = Path(tempfile.mkdtemp(prefix="warm-", dir=workdir))
        old_fitted.save(folder)
    if (folder / "encoder").is_dir():
        est.set_params(encoder=str((folder / "encoder").resolve()))
    return est


def _fit(
    est: Any, data: TaskData, index: np.ndarray, targets: Mapping[str, Any] | None, extra: tuple[list[str], Any] | None
) -> Any:
    """Fit a clone of ``est`` on the passages at ``index`` (with ``targets`` overriding the current labels)."""
    from sklearn.base import clone

    pids = data.passages["passage_id"].astype(str).to_numpy()
    if targets is not None:
        index = np.asarray([i for i in index if pids[i] in targets], dtype=int)
    if len(index) == 0:
        return None
    texts = [data.texts[i] for i in index]
    if targets is None:
        y = data.y[index]
    elif data.multilabel:
        y = np.asarray([targets[pids[i]] for i in index], dtype=int).reshape(len(index), len(data.labels))
    else:
        y = np.asarray([targets[pids[i]] for i in index], dtype=object)
    if extra is not None and len(extra[0]):
        texts = texts + list(extra[0])
        y = np.concatenate([y, extra[1]])
    model = clone(est)
    if hasattr(est, "_provenance"):
        model._provenance = dict(est._provenance)
    return model.fit(texts, y)


def _predict(model: Any, name: str, data: TaskData, fold: Fold) -> pd.DataFrame:
    from stance.evaluate import _align, _long_predictions, _pred_matrix

    X = [data.texts[i] for i in fold.test]
    truth = data.indicator()[fold.test]
    k = len(data.labels)
    if model is None:
        P = np.zeros((len(X), k))
        pred = np.zeros((len(X), k), dtype=bool)
    else:
        P = _align(model, model.predict_proba(X), data.labels)
        pred = _pred_matrix(model, model.predict(X), data.labels, data.multilabel, len(X))
    return _long_predictions(name, data, fold, P, pred, truth)


class _WithFiles:
    """A fitted model whose ``save`` also writes extra text files into the version folder."""

    def __init__(self, model: Any, files: Mapping[str, str]) -> None:
        self.model = model
        self.files = dict(files)

    def save(self, path: str | Path) -> Path:
        out = Path(self.model.save(path))
        for name, text in self.files.items():
            (out / name).write_text(text, encoding="utf-8")
        return out


def _cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


# ---------------------------------------------------------------------------- finetune
def finetune(
    task: str = "frames",
    *,
    corpus: Corpus | None = None,
    gold: pd.DataFrame | None = None,
    codebook: Codebook | None = None,
    labels: str | Path | None = None,
    backend: str | None = None,
    params: Mapping[str, Any] | None = None,
    promote: bool | None = None,
    tolerance: float = NOT_WORSE_TOLERANCE,
    scheme: str = "document",
    max_folds: int = 10,
    n_boot: int = 1000,
    resample: str = "passage",
    min_positives: int = MIN_POSITIVES,
    root: str | Path | None = None,
    random_state: int = 0,
    force: bool = False,
    log: Callable[[str], None] | None = None,
) -> FinetuneResult:
    """Fine-tune ``task``'s default model on the gold labels, compare old and new, promote if not worse.

    Parameters
    ----------
    task : str
        ``"frames"`` or ``"stance:<target>"``.
    corpus : Corpus, optional
        Default: the project's ``seeds/``.
    gold : DataFrame, optional
        Resolved gold labels; default: read from the label store ``labels``.
    codebook : Codebook, optional
        Default: the project codebook.
    labels : path, optional
        Label store (JSONL); default ``<project>/seeds/labels.jsonl``. Also used to find which
        passages the current default was trained on.
    backend : str, optional
        Backend of the new version; default that of the current default (warm start). Needed
        when the task has no default yet.
    params : mapping, optional
        Constructor parameters of the new version that override the warm-started ones.
    promote : bool, optional
        True: promote whatever the comparison says; False: never; None (default): promote
        when the new version is not worse (see :data:`PROMOTION_RULE`).
    tolerance : float
        "Not worse" means ``new - old >= -tolerance`` on the primary metric.
    scheme : {"document", "outlet", "stratified"}
        Held-out folds (see :func:`finetune_folds`).
    max_folds : int
        Upper bound on the number of folds (documents are grouped beyond it).
    n_boot, resample
        Paired bootstrap settings of the comparison.
    min_positives : int
        Labels with fewer positive examples are reported (see :func:`rare_labels`).
    root : path, optional
        Model store; default ``<project>/models``.
    random_state : int
        Seed of the folds, the models and the bootstrap: the same seed, labels and codebook give
        the same model files and the same comparison.
    force : bool
        Fine-tune even when there is nothing new (same labels and recipe as the default).
    log : callable, optional
        Receives progress messages.

    Returns
    -------
    FinetuneResult

    Raises
    ------
    FileNotFoundError
        No label store, or no default model and no ``backend``.
    ValueError
        Unknown task or backend, no gold labels for the task, or fewer than two documents.
    """
    from stance.codebook import Codebook
    from stance.config import project_root
    from stance.corpus import load_corpus
    from stance.evaluate import codebook_examples, data_hash, gold_task_data, load_gold, primary_metric
    from stance.models import _task_dir, default_version, load_version, save_version
    from stance.models import promote as promote_version

    t0 = time.perf_counter()
    say = log or (lambda _msg: None)
    codebook = codebook or Codebook.load()
    if task not in codebook.tasks or task == "roles":
        options = ", ".join(t for t in codebook.tasks if t != "roles")
        raise ValueError(f"unknown task {task!r} for fine-tuning; choose from: {options}")
    if backend is not None:
        from stance.classifiers import REGISTRY

        if backend not in REGISTRY:
            raise ValueError(f"unknown backend {backend!r}; choose from: {', '.join(REGISTRY)}")
    store_path = Path(labels) if labels is not None else project_root() / "seeds" / "labels.jsonl"
    if corpus is None:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            corpus = load_corpus(project_root() / "seeds")
    if gold is None:
        gold = load_gold(store_path, codebook)
    data = gold_task_data(corpus, gold, codebook, task)
    if len(data) == 0:
        raise ValueError(f"no gold labels for {task!r} in {store_path}; import labels with `stance label import`")
    dhash = data_hash(data)
    notes: list[str] = []
    old_version = default_version(task, root) or ""
    old_model, old_config, old_folder = None, {}, None
    if old_version:
        old_folder = _task_dir(task, root) / old_version
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            old_model = load_version(task, old_version, root, codebook=codebook)
        notes += [str(w.message) for w in caught if "codebook" in str(w.message).lower()]
        old_config = json.loads((old_folder / "config.json").read_text(encoding="utf-8"))
        if not hasattr(old_model, "get_params") or not getattr(old_model, "backend", ""):
            raise ValueError(f"{old_folder} is not a stance classifier; fine-tune works on frames and stance models")
    elif backend is None:
        raise FileNotFoundError(
            f"no default model for {task!r} under {_task_dir(task, root)}; train one with `stance train --task "
            f"{task}` or start one with `stance finetune --task {task} --backend NAME`"
        )
    est, warm = _new_recipe(old_model, backend, codebook, data, params, random_state)
    name = str(getattr(est, "backend", backend or ""))
    old_targets: dict[str, Any] | None = None
    if old_model is not None:
        old_targets, how = _old_training(old_folder, old_config, corpus, codebook, task, data, store_path)
        if old_targets is None:
            notes.append(
                f"The passages {old_version} was trained on are not recorded (no {TRAINING_FILE}) and no state of "
                "the label store matches its training-data hash, so its recipe is refitted on the same labels "
                "as the new version: the comparison shows the effect of the backend and settings, not of the "
                "new labels."
            )
        else:
            notes.append(f"Training passages of {old_version}: {how}.")
    current = _targets_of(data)
    known = old_targets if old_targets is not None else current
    n_new = sum(p not in known for p in current)
    n_changed = sum(p in known and known[p] != t for p, t in current.items())
    n_old_train = len(old_targets) if old_targets is not None else (len(data) if old_model is not None else 0)
    old_recipe = None
    if old_model is not None:
        old_recipe = clone_of(old_model)
        if "random_state" in old_recipe.get_params():
            old_recipe.set_params(random_state=random_state)
    same_recipe = old_recipe is not None and name not in _WARM_ENCODER and _same_params(old_recipe, est)
    if old_model is not None and n_new == 0 and n_changed == 0 and same_recipe and not force:
        return FinetuneResult(
            task,
            old_version=old_version,
            backend=name,
            n_passages=len(data),
            n_old_train=n_old_train,
            notes=notes,
            skipped=True,
            reason=f"no new or changed labels for {task} since {old_version}; nothing to fine-tune "
            "(use --force to refit anyway)",
        )
    rare = rare_labels(data, min_positives, backend=name)
    use_examples = bool((old_config.get("provenance_extra") or {}).get("codebook_examples"))
    extra = codebook_examples(codebook, task, data.labels) if use_examples else None
    folds, fold_text = finetune_folds(data, scheme, max_folds, random_state)
    say(
        f"{task}: {len(data)} labelled passages ({n_new} new, {n_changed} changed since {old_version or 'none'}); "
        f"{fold_text}; new version: {name}{' warm-started from ' + old_version if warm else ''}"
    )
    from stance._progress import progress

    identical = old_recipe is not None and same_recipe and (old_targets is None or old_targets == current)
    t_cv = time.perf_counter()
    old_preds, new_preds = [], []
    with tempfile.TemporaryDirectory(prefix="stance-finetune-") as tmp:
        for fold in progress(folds, desc=f"finetune {task}", total=len(folds)):
            old_f = _fit(old_recipe, data, fold.train, old_targets, extra) if old_recipe is not None else None
            if identical:
                new_f = old_f
            else:
                fold_est = _warm_from(clone_of(est), old_f, Path(tmp)) if warm else est
                new_f = _fit(fold_est, data, fold.train, None, extra)
            if old_recipe is not None:
                old_preds.append(_predict(old_f, "old", data, fold))
            new_preds.append(_predict(new_f, "new", data, fold))
    t_cv = time.perf_counter() - t_cv
    comparison = paired_comparison(
        pd.concat(old_preds, ignore_index=True) if old_preds else None,
        pd.concat(new_preds, ignore_index=True),
        data.labels,
        data.multilabel,
        n_boot=n_boot,
        resample=resample,
        random_state=random_state,
        min_positives=min_positives,
    )
    metric = primary_metric(data.labels, data.multilabel)
    top = comparison[(comparison["label"] == "(all)") & (comparison["metric"] == metric)].iloc[0]
    old_score, new_score, delta = float(top["old"]), float(top["new"]), float(top["diff"])
    not_worse = bool(np.isnan(old_score) or delta >= -tolerance - 1e-12)
    if not old_version:
        do_promote, decision = promote is not False, "there was no default model"
    elif promote is True:
        do_promote, decision = True, "--promote was given"
    elif promote is False:
        do_promote, decision = False, "--no-promote was given"
    else:
        do_promote = not_worse
        decision = (
            f"{metric} new - old = {delta:+.3f} is {'at least' if not_worse else 'below'} -{tolerance:g} "
            f"({'not worse' if not_worse else 'worse'})"
        )
    say(f"{task}: cross-validated both versions in {t_cv:.1f} s; fitting the new version on {len(data)} passages")

    t_fit = time.perf_counter()
    final = clone_of(est)
    if warm and old_folder is not None:
        final = _warm_from(final, old_model, None, saved=old_folder)
    final_fitted = _fit(final, data, np.arange(len(data)), None, extra)
    t_fit = time.perf_counter() - t_fit
    seconds = {"cv": round(t_cv, 1), "final_fit": round(t_fit, 1), "total": round(time.perf_counter() - t0, 1)}
    d_lo, d_hi = float(top["diff_lo"]), float(top["diff_hi"])
    result = FinetuneResult(
        task, old_version=old_version, promoted=False, backend=name, metric=metric,
        old_score=old_score, new_score=new_score, delta=delta, delta_ci=(d_lo, d_hi), comparison=comparison,
        n_passages=len(data), n_new=n_new, n_changed=n_changed, n_old_train=n_old_train, n_folds=len(folds),
        folds=fold_text, rare=rare, notes=notes, seconds=seconds,
    )  # fmt: skip
    new_metrics = {
        "metric": metric,
        "score": _r(new_score),
        "ci_low": _r(float(top["new_lo"])),
        "ci_high": _r(float(top["new_hi"])),
        "cv": fold_text,
        "n_folds": len(folds),
        "n_passages": len(data),
        "bootstrap": {"n_boot": n_boot, "resample": resample},
    }
    info = {
        "from_version": old_version or None,
        "warm_start": bool(warm),
        "old_score": _r(old_score),
        "delta": _r(delta),
        "delta_ci": [_r(d_lo), _r(d_hi)],
        "tolerance": tolerance,
        "not_worse": not_worse,
        "promotion": "promote" if do_promote else "keep",
        "n_new_labels": n_new,
        "n_changed_labels": n_changed,
    }
    if hasattr(final_fitted, "set_provenance"):
        final_fitted.set_provenance(
            codebook=codebook, task=task, training_data_hash=dhash, metrics=new_metrics, finetune=info,
            gold_passages=len(data), codebook_examples=use_examples, random_state=random_state,
        )  # fmt: skip
    training = {
        "task": task,
        "labels": data.labels,
        "data_hash": dhash,
        "passages": [
            {
                "passage_id": pid,
                "text_hash": th,
                "target": [lab for lab, v in zip(data.labels, t, strict=True) if v] if data.multilabel else t,
            }
            for pid, th, t in zip(
                data.passages["passage_id"].astype(str),
                data.passages["text"].map(_text_hash),
                current.values(),
                strict=True,
            )
        ],
    }
    card = _card(result, decision, do_promote, tolerance, warm)
    files = {
        TRAINING_FILE: json.dumps(training, indent=1, ensure_ascii=False) + "\n",
        COMPARISON_FILE: comparison.to_csv(index=False, float_format="%.6g", lineterminator="\n"),
    }
    path = save_version(task, _WithFiles(final_fitted, files), root, make_default=False, card_extra=card, dedupe=False)
    result.version, result.path = path.name, path
    if do_promote:
        promote_version(task, path.name, root)
        result.promoted = True
    result.decision = (
        f"{path.name} {'promoted to default' if result.promoted else 'saved, not promoted'}: {decision}"
        + ("" if result.promoted or not old_version else f"; {old_version} stays the default")
    )
    return result


def clone_of(est: Any) -> Any:
    """An unfitted copy of ``est`` that keeps its codebook provenance."""
    from sklearn.base import clone

    out = clone(est)
    if hasattr(est, "_provenance"):
        out._provenance = dict(est._provenance)
    return out


def _same_params(a: Any, b: Any) -> bool:
    """Same class and constructor parameters (compared as JSON)."""
    if type(a) is not type(b):
        return False

    def norm(est: Any) -> str:
        return json.dumps(est.get_params(deep=False), sort_keys=True, default=str)

    return norm(a) == norm(b)


def _text_hash(text: str) -> str:
    from stance.corpus import text_hash

    return text_hash(text)


def _r(value: float, digits: int = 4) -> float | None:
    return None if value is None or np.isnan(value) else round(float(value), digits)


def _card(result: FinetuneResult, decision: str, do_promote: bool, tolerance: float, warm: bool) -> str:
    metric = result.metric
    start = (
        f"warm-started from {result.old_version} (same backend and settings"
        + (", starting from its fine-tuned encoder" if result.backend in _WARM_ENCODER else "")
        + ")"
        if warm
        else (
            f"a new {result.backend} model (the default {result.old_version} used another backend)"
            if result.old_version
            else f"a new {result.backend} model (the task had no default)"
        )
    )
    lines = [
        "## Fine-tuning",
        f"This version is {start}, trained on {result.n_passages} gold passages: {result.n_new} new and "
        f"{result.n_changed} with changed labels since {result.old_version or 'no earlier version'}"
        + (f" ({result.n_old_train} passages trained the earlier version)." if result.old_version else "."),
        f"Old and new were cross-validated on the same folds ({result.folds}) and scored on the same "
        "held-out passages; intervals are 95 % paired bootstrap intervals over passages.",
        comparison_markdown(result.comparison, metric),
        f"**Decision: {'promote' if do_promote else 'keep the current default'}** ({decision}).",
        PROMOTION_RULE.replace("-0.01", f"-{tolerance:g}").replace("minus 0.01", f"minus {tolerance:g}"),
    ]
    if result.rare:
        lines.append("Labels with few examples:\n\n" + "\n".join(f"- {r.message}" for r in result.rare))
    if result.notes:
        lines.append("Notes:\n\n" + "\n".join(f"- {n}" for n in result.notes))
    s = result.seconds
    lines.append(
        f"Fine-tune time: {s['total']:.0f} s wall clock on {_cores()} CPU core(s) for {result.n_passages} "
        f"labelled passages, {result.n_new} of them new ({s['cv']:.0f} s cross-validating both versions on "
        f"{result.n_folds} folds, {s['final_fit']:.0f} s fitting the new version; loading the corpus and "
        "writing the files not included)."
    )
    return "\n\n".join(lines)


# --------------------------------------------------------------------------- rehearsal
def rehearsal_project(
    out: str | Path, hold_out: str, *, source: str | Path | None = None, labels: str | Path | None = None
) -> dict[str, Path]:
    """A scratch copy of a project with one document and its labels set aside, to rehearse the loop.

    The copy is what the project would have looked like before ``hold_out`` arrived: its
    ``seeds/`` lacks the document's file and manifest row, and its label store lacks every
    record about the document's passages. The set-aside pieces wait in ``incoming/``, ready
    for step 1 of the loop (copy the file into ``seeds/``, append the manifest row) and for
    the import (``incoming/labels.jsonl`` holds the document's gold records). The source
    project is only read.

    Parameters
    ----------
    out : path
        Folder of the scratch project (created; must not hold a ``seeds/`` folder yet).
    hold_out : str
        ``doc_id`` of the document to set aside.
    source : path, optional
        Project folder with ``codebook/`` and ``seeds/``; default the current project.
    labels : path, optional
        Label store to copy; default ``<source>/seeds/labels.jsonl``.

    Returns
    -------
    dict of str to Path
        ``root``, ``seeds``, ``codebook`` (the YAML file), ``labels`` (the scratch store),
        ``models`` (an empty model store), ``incoming_text``, ``incoming_manifest`` (the
        document's manifest row, without a header) and ``incoming_labels``.

    Raises
    ------
    StanceInputError
        When ``hold_out`` is not a document of the source manifest.
    FileExistsError
        When ``out`` already holds a ``seeds/`` folder.
    """
    import csv
    import io
    import shutil

    from stance.config import project_root
    from stance.errors import StanceInputError
    from stance.labels.store import atomic_write

    src = Path(source) if source is not None else project_root()
    store = Path(labels) if labels is not None else src / "seeds" / "labels.jsonl"
    root = Path(out)
    if (root / "seeds").exists():
        raise FileExistsError(f"{root / 'seeds'} exists; give an empty folder")
    manifest = src / "seeds" / "manifest.csv"
    lines = [x.rstrip("\r\n") + "\n" for x in manifest.read_text(encoding="utf-8").splitlines() if x.strip()]
    rows = list(csv.reader(io.StringIO("".join(lines))))
    if len(rows) != len(lines):  # a quoted field with a line break: rows are not lines
        raise StanceInputError("a manifest field spans lines; cannot set one row aside", file=manifest)
    header = rows[0]
    id_col, file_col = header.index("id"), header.index("file")
    where = [i for i, r in enumerate(rows) if i and r[id_col] == hold_out]
    if not where:
        ids = ", ".join(r[id_col] for r in rows[1:])
        raise StanceInputError(f"no document {hold_out!r} (documents: {ids})", file=manifest, field="id")
    held = where[0]
    seeds, incoming = root / "seeds", root / "incoming"
    seeds.mkdir(parents=True)
    incoming.mkdir(parents=True, exist_ok=True)
    shutil.copytree(src / "codebook", root / "codebook", dirs_exist_ok=True)
    for r in rows[1:]:
        if r[id_col] != hold_out:
            shutil.copy2(src / "seeds" / r[file_col], seeds / r[file_col])
    if (src / "seeds" / "sources.csv").is_file():
        shutil.copy2(src / "seeds" / "sources.csv", seeds / "sources.csv")
    atomic_write(seeds / "manifest.csv", "".join(x for i, x in enumerate(lines) if i != held))
    held_file = rows[held][file_col]
    shutil.copy2(src / "seeds" / held_file, incoming / held_file)
    atomic_write(incoming / "manifest-row.csv", lines[held])
    kept, aside = [], []
    if store.is_file():
        for line in store.read_text(encoding="utf-8").splitlines():
            if not line.strip():
                continue
            rec = json.loads(line)
            if str(rec.get("passage_id", "")).startswith(hold_out + ":"):
                if rec.get("annotator") == "gold":
                    aside.append(line)
            else:
                kept.append(line)
    atomic_write(seeds / "labels.jsonl", "".join(x + "\n" for x in kept))
    atomic_write(incoming / "labels.jsonl", "".join(x + "\n" for x in aside))
    (root / "models").mkdir(exist_ok=True)
    return {
        "root": root,
        "seeds": seeds,
        "codebook": root / "codebook" / "codebook.yaml",
        "labels": seeds / "labels.jsonl",
        "models": root / "models",
        "incoming_text": incoming / held_file,
        "incoming_manifest": incoming / "manifest-row.csv",
        "incoming_labels": incoming / "labels.jsonl",
    }
