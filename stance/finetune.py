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
from sklearn.base import clone

from stance.classifiers import provenance_record
from stance.corpus import text_hash
from stance.evaluation import (
    GROUP_PREFIX,
    Fold,
    TaskData,
    auto_scheme,
    build_model,
    codebook_examples,
    data_hash,
    describe_folds,
    gold_task_data,
    grouped_folds,
    load_gold,
    make_folds,
    metric_arrays,
    percentile_interval,
    prediction_matrices,
    primary_metric,
    resample_weights,
    run_folds,
)
from stance.evaluation.cv import CODEBOOK_GROUP, takes_groups
from stance.labels import LabelStore
from stance.labels.store import MIN_POSITIVES, resolve_records
from stance.models import card_number, default_version, load_version, models_root, save_version, task_slug
from stance.models import promote as promote_version
from stance.paths import CONFIG_FILE, ProjectPaths

if TYPE_CHECKING:
    from stance.codebook import Codebook
    from stance.corpus import Corpus

__all__ = [
    "FINETUNE_SCHEMES",
    "MIN_POSITIVES",
    "NOT_WORSE_TOLERANCE",
    "PROMOTION_RULE",
    "FinetuneResult",
    "RareLabel",
    "comparison_frame",
    "comparison_markdown",
    "finetune",
    "finetune_folds",
    "paired_comparison",
    "rare_labels",
]

#: Fold schemes of :func:`finetune_folds` (``group:COLUMN`` for any column of the corpus).
FINETUNE_SCHEMES = ("auto", "document", "outlet", "stratified", "group:COLUMN")
#: A new version is "not worse" when its primary metric is at least the old one's minus this.
NOT_WORSE_TOLERANCE = 0.01
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
    data: TaskData, scheme: str = "auto", max_folds: int = 10, random_state: int = 0
) -> tuple[list[Fold], str]:
    """Held-out folds shared by the old and the new version.

    Parameters
    ----------
    data : TaskData
    scheme : {"document", "auto", "outlet", "stratified", "group:COLUMN"}
        Leave one document (outlet, value of a column of the corpus) out; ``auto`` is
        stratified when every document is one passage (:func:`stance.evaluation.auto_scheme`)
        and ``document`` otherwise; ``stratified`` warns when it leaks within documents.
    max_folds : int
        With more documents (outlets, values) than this, whole documents are dealt into
        ``max_folds`` folds of similar size (seeded, :func:`stance.evaluation.grouped_folds`),
        so every document is still held out in one piece.
    random_state : int

    Returns
    -------
    folds : list of Fold
    description : str
        E.g. ``"leave-one-document-out (5 folds)"`` or ``"group:year, 4 folds (...)"``.
    """
    if scheme == "auto":
        scheme = "stratified" if auto_scheme(data) == "stratified" else "document"
    if scheme == "stratified":
        folds = make_folds(data, "stratified", n_splits=min(max_folds, 5), random_state=random_state)
        return folds, describe_folds(folds)
    if scheme.startswith(GROUP_PREFIX):
        folds = make_folds(data, scheme, n_splits=max_folds, random_state=random_state)
        return folds, describe_folds(folds, data.passages[scheme.removeprefix(GROUP_PREFIX)].nunique())
    if scheme not in ("document", "outlet"):
        make_folds(data, scheme)  # raises the error naming the known schemes
    folds = grouped_folds(data, scheme, max_folds, random_state)
    n_groups = data.passages["doc_id" if scheme == "document" else "outlet"].nunique()
    return folds, describe_folds(folds, n_groups)


# ------------------------------------------------------------------------------ scoring
def _paired_row(
    label: str, metric: str, support: int, o: np.ndarray, w: np.ndarray, few: bool, confidence: float
) -> dict[str, Any]:
    d = w - o
    (o_lo, o_hi), (w_lo, w_hi), (d_lo, d_hi) = (percentile_interval(v, confidence) for v in (o, w, d))
    return {
        "label": label, "metric": metric, "support": support,
        "old": float(o[0]), "old_lo": o_lo, "old_hi": o_hi,
        "new": float(w[0]), "new_lo": w_lo, "new_hi": w_hi,
        "diff": float(d[0]), "diff_lo": d_lo, "diff_hi": d_hi,
        "few": few,
    }  # fmt: skip


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

    The metrics are those of :mod:`stance.evaluation.metrics`, and the intervals its
    bootstrap: every resample weights the passages identically for both models, so the
    interval of the difference is paired.

    Parameters
    ----------
    old, new : DataFrame
        Tidy predictions (``passage_id, doc_id, label, true, pred, prob``) of the same passages;
        ``old`` may be None (no earlier model: its columns are NaN).
    labels : list of str
    multilabel : bool
    n_boot : int
        Bootstrap resamples.
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

    Raises
    ------
    ValueError
        When ``old`` and ``new`` cover different passages.
    """
    labels = list(labels)
    order, T, Pn, Qn, docs = prediction_matrices(new, labels)
    W = resample_weights(len(T), n_boot, resample, docs, random_state)
    new_all, new_lab = metric_arrays(T, Pn, Qn, W, labels, multilabel)
    if old is not None:
        o_order, _, Po, Qo, _ = prediction_matrices(old, labels)
        pos = pd.Index(o_order).get_indexer(order)
        if (pos < 0).any():
            raise ValueError("old and new predictions cover different passages")
        old_all, old_lab = metric_arrays(T, Po[pos], Qo[pos], W, labels, multilabel)
    else:
        old_all = {k: np.full_like(v, np.nan) for k, v in new_all.items()}
        old_lab = {k: np.full_like(v, np.nan) for k, v in new_lab.items()}
    rows = [_paired_row("(all)", m, len(T), old_all[m], new_all[m], False, confidence) for m in new_all]
    support = T.sum(axis=0).astype(int)
    for j, lab in enumerate(labels):
        few = int(support[j]) < min_positives
        for m in ("f1", "precision", "recall"):
            rows.append(_paired_row(lab, m, int(support[j]), old_lab[m][:, j], new_lab[m][:, j], few, confidence))
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

    Returns
    -------
    list of RareLabel
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
    """The comparison as printed: one row per label (F1) and one for the primary metric, CIs as text.

    Parameters
    ----------
    comparison : DataFrame
        From :func:`paired_comparison`.
    metric : str
        The primary metric.
    per_label_metric : str
        Per-label metric to show.

    Returns
    -------
    DataFrame
        ``label, support, old, old 95% CI, new, new 95% CI, new - old, diff 95% CI, note``.
    """
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
    """The per-label comparison as a Markdown table (for model cards).

    Parameters
    ----------
    comparison, metric
        As in :func:`comparison_frame`.

    Returns
    -------
    str
    """
    frame = comparison_frame(comparison, metric)
    head = "| " + " | ".join(frame.columns) + " |"
    align = "|---|" + "---:|" * (len(frame.columns) - 2) + "---|"
    body = ["| " + " | ".join(str(v) for v in row) + " |" for row in frame.itertuples(index=False)]
    return "\n".join([head, align, *body])


# --------------------------------------------------------------------- old training set
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
                return old.targets(), "recovered from the label store's history (matching training-data hash)"
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


def _warm_folder(est: Any, old_fitted: Any, workdir: Path) -> Path | None:
    """Save a fold's old model when the new recipe continues from its fine-tuned encoder."""
    if getattr(est, "backend", "") not in _WARM_ENCODER or getattr(old_fitted, "backend", "") != est.backend:
        return None
    folder = Path(tempfile.mkdtemp(prefix="warm-", dir=workdir))
    old_fitted.save(folder)
    return folder


def _warm_from(est: Any, folder: Path | None) -> Any:
    """Point an encoder-tuning backend at the fine-tuned encoder saved in ``folder``."""
    if folder is None or getattr(est, "backend", "") not in _WARM_ENCODER:
        return est
    if (folder / "encoder").is_dir():
        est.set_params(encoder=str((folder / "encoder").resolve()))
    return est


def _fit(
    est: Any, data: TaskData, index: np.ndarray, targets: Mapping[str, Any] | None, extra: tuple[list[str], Any] | None
) -> Any:
    """Fit a clone of ``est`` on the passages at ``index`` (with ``targets`` overriding the current labels).

    A model whose ``fit`` takes ``groups`` is given the document of every passage (one group
    for the codebook's examples), so its inner splits (``C``, calibration, thresholds) keep
    documents whole.
    """
    pids = data.passages["passage_id"].astype(str).to_numpy()
    if targets is not None:
        index = np.asarray([i for i in index if pids[i] in targets], dtype=int)
    if len(index) == 0:
        return None
    texts = [data.texts[i] for i in index]
    groups = data.groups[index].tolist()
    if targets is None:
        y = data.y[index]
    elif data.multilabel:
        y = np.asarray([targets[pids[i]] for i in index], dtype=int).reshape(len(index), len(data.labels))
    else:
        y = np.asarray([targets[pids[i]] for i in index], dtype=object)
    if extra is not None and len(extra[0]):
        texts = texts + list(extra[0])
        y = np.concatenate([y, extra[1]])
        groups += [CODEBOOK_GROUP] * len(extra[0])
    model = clone(est)
    return model.fit(texts, y, groups=groups) if takes_groups(model) else model.fit(texts, y)


@dataclass
class _Plan:
    """What one fine-tune run compares: the old recipe on its labels, the new recipe on all."""

    data: TaskData
    est: Any
    warm: bool
    old_recipe: Any = None
    old_targets: dict[str, Any] | None = None
    extra: tuple[list[str], Any] | None = None
    identical: bool = False


def _cross_validate_pair(plan: _Plan, folds: Sequence[Fold], workdir: Path) -> tuple[pd.DataFrame | None, pd.DataFrame]:
    """Out-of-fold predictions of the old and the new version on the same folds (the one fold loop).

    In each fold the old version is its recipe refitted on the labels it was trained on
    (restricted to the fold's training part); the new version is the new recipe on every
    label of the training part, warm-started from that fold's old model.
    """
    data, task = plan.data, plan.data.task
    warm_dirs: dict[str, Path | None] = {}

    def fit_old(fold: Fold) -> Any:
        model = _fit(plan.old_recipe, data, fold.train, plan.old_targets, plan.extra)
        if plan.warm and model is not None:
            warm_dirs[fold.name] = _warm_folder(plan.est, model, workdir)
        return model

    def fit_new(fold: Fold) -> Any:
        est = _warm_from(clone(plan.est), warm_dirs.get(fold.name)) if plan.warm else plan.est
        return _fit(est, data, fold.train, None, plan.extra)

    old = None
    if plan.old_recipe is not None:
        old = run_folds(data, folds, fit_old, "old", desc=f"finetune {task} (old)")
        if plan.identical:
            return old.predictions, old.predictions.assign(model="new")
    new = run_folds(data, folds, fit_new, "new", desc=f"finetune {task} (new)")
    return (old.predictions if old is not None else None), new.predictions


class _WithFiles:
    """A fitted model whose ``save`` also writes extra text files into the version folder."""

    def __init__(self, model: Any, files: Mapping[str, str]) -> None:
        self.model = model
        self.files = dict(files)

    def save(self, path: str | Path, provenance: Mapping[str, Any] | None = None) -> Path:
        out = Path(self.model.save(path, provenance=provenance))
        for name, text in self.files.items():
            (out / name).write_text(text, encoding="utf-8")
        return out


def _cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


# ---------------------------------------------------------------------------- finetune
@dataclass
class _Default:
    """The task's current default model."""

    version: str = ""
    model: Any = None
    config: dict[str, Any] = field(default_factory=dict)
    folder: Path | None = None


def _check_request(task: str, backend: str | None, codebook: Codebook) -> None:
    if task not in codebook.tasks or task == "roles":
        options = ", ".join(t for t in codebook.tasks if t != "roles")
        raise ValueError(f"unknown task {task!r} for fine-tuning; choose from: {options}")
    if backend is not None:
        from stance.classifiers import REGISTRY

        if backend not in REGISTRY:
            raise ValueError(f"unknown backend {backend!r}; choose from: {', '.join(REGISTRY)}")


def _current_default(task: str, root: Path, codebook: Codebook, backend: str | None, notes: list[str]) -> _Default:
    """Load the task's default model (notes receive codebook warnings)."""
    version = default_version(task, root) or ""
    folder = models_root(root) / task_slug(task)
    if not version:
        if backend is None:
            raise FileNotFoundError(
                f"no default model for {task!r} under {folder}; train one with `stance train --task "
                f"{task}` or start one with `stance finetune --task {task} --backend NAME`"
            )
        return _Default()
    folder = folder / version
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model = load_version(task, version, root, codebook=codebook)
    notes += [str(w.message) for w in caught if "codebook" in str(w.message).lower()]
    config = json.loads((folder / CONFIG_FILE).read_text(encoding="utf-8"))
    if not hasattr(model, "get_params") or not getattr(model, "backend", ""):
        raise ValueError(f"{folder} is not a stance classifier; fine-tune works on frames and stance models")
    return _Default(version, model, config, folder)


def _old_targets(
    old: _Default, corpus: Corpus, codebook: Codebook, data: TaskData, store_path: Path, notes: list[str]
) -> dict[str, Any] | None:
    """The labels the default was trained on, with a note saying how they were found."""
    if old.model is None:
        return None
    targets, how = _old_training(old.folder, old.config, corpus, codebook, data.task, data, store_path)
    if targets is None:
        notes.append(
            f"The passages {old.version} was trained on are not recorded (no {TRAINING_FILE}) and no state of "
            "the label store matches its training-data hash, so its recipe is refitted on the same labels "
            "as the new version: the comparison shows the effect of the backend and settings, not of the "
            "new labels."
        )
    else:
        notes.append(f"Training passages of {old.version}: {how}.")
    return targets


def _old_recipe(old: _Default, random_state: int) -> Any:
    if old.model is None:
        return None
    recipe = clone(old.model)
    if "random_state" in recipe.get_params():
        recipe.set_params(random_state=random_state)
    return recipe


def _decision(
    old_version: str, promote: bool | None, metric: str, old_score: float, delta: float, tolerance: float
) -> tuple[bool, str, bool]:
    """Whether to promote, why (one phrase), and whether the new version is not worse."""
    not_worse = bool(np.isnan(old_score) or delta >= -tolerance - 1e-12)
    if not old_version:
        return promote is not False, "there was no default model", not_worse
    if promote is True:
        return True, "--promote was given", not_worse
    if promote is False:
        return False, "--no-promote was given", not_worse
    decision = (
        f"{metric} new - old = {delta:+.3f} is {'at least' if not_worse else 'below'} -{tolerance:g} "
        f"({'not worse' if not_worse else 'worse'})"
    )
    return not_worse, decision, not_worse


def _training_record(data: TaskData, dhash: str) -> dict[str, Any]:
    """``training.json``: the passages (text hashes) and labels a version was trained on."""
    return {
        "task": data.task,
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
                data.passages["text"].map(text_hash),
                data.targets().values(),
                strict=True,
            )
        ],
    }


def _final_fit(plan: _Plan, old: _Default) -> Any:
    final = clone(plan.est)
    if plan.warm and old.folder is not None:
        final = _warm_from(final, old.folder)
    return _fit(final, plan.data, np.arange(len(plan.data)), None, plan.extra)


@dataclass
class _Settings:
    """The run settings that go into the saved version's provenance."""

    n_boot: int
    resample: str
    tolerance: float
    random_state: int
    use_examples: bool
    dhash: str


def _provenance(
    result: FinetuneResult, top: pd.Series, info: dict[str, Any], codebook: Codebook, s: _Settings
) -> dict[str, Any]:
    """What the new version's ``config.json`` records about where it comes from."""
    metrics = {
        "metric": result.metric,
        "score": card_number(result.new_score),
        "ci_low": card_number(float(top["new_lo"])),
        "ci_high": card_number(float(top["new_hi"])),
        "cv": result.folds,
        "n_folds": result.n_folds,
        "n_passages": result.n_passages,
        "bootstrap": {"n_boot": s.n_boot, "resample": s.resample},
    }
    return provenance_record(
        codebook=codebook, task=result.task, training_data_hash=s.dhash, metrics=metrics, finetune=info,
        gold_passages=result.n_passages, codebook_examples=s.use_examples, random_state=s.random_state,
    )  # fmt: skip


def _promotion_info(result: FinetuneResult, warm: bool, not_worse: bool, do_promote: bool, tolerance: float) -> dict:
    return {
        "from_version": result.old_version or None,
        "warm_start": bool(warm),
        "old_score": card_number(result.old_score),
        "delta": card_number(result.delta),
        "delta_ci": [card_number(result.delta_ci[0]), card_number(result.delta_ci[1])],
        "tolerance": tolerance,
        "not_worse": not_worse,
        "promotion": "promote" if do_promote else "keep",
        "n_new_labels": result.n_new,
        "n_changed_labels": result.n_changed,
    }


def _save(
    result: FinetuneResult,
    fitted: Any,
    plan: _Plan,
    root: Path,
    decision: str,
    do_promote: bool,
    s: _Settings,
    provenance: Mapping[str, Any],
) -> None:
    """Write the new version beside the old ones, promote it when decided, and fill in ``result``."""
    card = _card(result, decision, do_promote, s.tolerance, plan.warm)
    files = {
        TRAINING_FILE: json.dumps(_training_record(plan.data, s.dhash), indent=1, ensure_ascii=False) + "\n",
        COMPARISON_FILE: result.comparison.to_csv(index=False, float_format="%.6g", lineterminator="\n"),
    }
    path = save_version(
        result.task,
        _WithFiles(fitted, files),
        root,
        make_default=False,
        card_extra=card,
        dedupe=False,
        provenance=provenance,
    )
    result.version, result.path = path.name, path
    if do_promote:
        promote_version(result.task, path.name, root)
        result.promoted = True
    result.decision = (
        f"{path.name} {'promoted to default' if result.promoted else 'saved, not promoted'}: {decision}"
        + ("" if result.promoted or not result.old_version else f"; {result.old_version} stays the default")
    )


def _inputs(
    task: str,
    corpus: Corpus | None,
    gold: pd.DataFrame | None,
    codebook: Codebook,
    store_path: Path,
    paths: ProjectPaths,
) -> tuple[Corpus, TaskData]:
    from stance.corpus import load_corpus

    if corpus is None:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            corpus = load_corpus(paths.seeds)
    if gold is None:
        gold = load_gold(store_path, codebook)
    data = gold_task_data(corpus, gold, codebook, task)
    if len(data) == 0:
        raise ValueError(f"no gold labels for {task!r} in {store_path}; import labels with `stance label import`")
    return corpus, data


def _label_changes(data: TaskData, old_targets: dict[str, Any] | None, has_old: bool) -> tuple[int, int, int]:
    """Passages new since the default, passages whose label changed, passages the default was trained on."""
    current = data.targets()
    known = old_targets if old_targets is not None else current
    n_new = sum(p not in known for p in current)
    n_changed = sum(p in known and known[p] != t for p, t in current.items())
    n_old_train = len(old_targets) if old_targets is not None else (len(data) if has_old else 0)
    return n_new, n_changed, n_old_train


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
    scheme: str = "auto",
    max_folds: int = 10,
    n_boot: int = 1000,
    resample: str = "passage",
    min_positives: int = MIN_POSITIVES,
    root: str | Path | None = None,
    random_state: int = 0,
    force: bool = False,
    log: Callable[[str], None] | None = None,
    paths: ProjectPaths | None = None,
) -> FinetuneResult:
    """Fine-tune ``task``'s default model on the gold labels, compare old and new, promote if not worse.

    Parameters
    ----------
    task : str
        ``"frames"`` or ``"stance:<target>"``.
    corpus : Corpus, optional
        Default: the project corpus ``paths.seeds``.
    gold : DataFrame, optional
        Resolved gold labels; default: read from the label store ``labels``.
    codebook : Codebook, optional
        Default: the project codebook ``paths.codebook``.
    labels : path, optional
        Label store (JSONL); default ``paths.labels``. Also used to find which passages the
        current default was trained on.
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
    scheme : {"auto", "document", "outlet", "stratified", "group:COLUMN"}
        Held-out folds (see :func:`finetune_folds`).
    max_folds : int
        Upper bound on the number of folds (documents are grouped beyond it).
    n_boot, resample
        Paired bootstrap settings of the comparison.
    min_positives : int
        Labels with fewer positive examples are reported (see :func:`rare_labels`).
    root : path, optional
        Model store; default ``paths.models``.
    random_state : int
        Seed of the folds, the models and the bootstrap: the same seed, labels and codebook give
        the same model files and the same comparison.
    force : bool
        Fine-tune even when there is nothing new (same labels and recipe as the default).
    log : callable, optional
        Receives a message when the folds are set and when the cross-validation is done.
    paths : ProjectPaths, optional
        Project paths for the defaults; default :meth:`ProjectPaths.discover`.

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

    t0 = time.perf_counter()
    say = log or (lambda _msg: None)
    paths = paths or ProjectPaths.discover()
    codebook = codebook or Codebook.load(paths.codebook)
    _check_request(task, backend, codebook)
    store_path = Path(labels) if labels is not None else paths.labels
    root = Path(root) if root is not None else paths.models
    corpus, data = _inputs(task, corpus, gold, codebook, store_path, paths)
    notes: list[str] = []
    old = _current_default(task, root, codebook, backend, notes)
    est, warm = _new_recipe(old.model, backend, codebook, data, params, random_state)
    name = str(getattr(est, "backend", backend or ""))
    old_targets = _old_targets(old, corpus, codebook, data, store_path, notes)
    n_new, n_changed, n_old_train = _label_changes(data, old_targets, old.model is not None)
    plan = _Plan(data, est, warm, _old_recipe(old, random_state), old_targets)
    same_recipe = plan.old_recipe is not None and name not in _WARM_ENCODER and _same_params(plan.old_recipe, est)
    if old.model is not None and n_new == 0 and n_changed == 0 and same_recipe and not force:
        return FinetuneResult(
            task, old_version=old.version, backend=name, n_passages=len(data), n_old_train=n_old_train,
            notes=notes, skipped=True,
            reason=f"no new or changed labels for {task} since {old.version}; nothing to fine-tune "
            "(use --force to refit anyway)",
        )  # fmt: skip
    use_examples = bool((old.config.get("provenance_extra") or {}).get("codebook_examples"))
    plan.extra = codebook_examples(codebook, task, data.labels) if use_examples else None
    plan.identical = same_recipe and (old_targets is None or old_targets == data.targets())
    folds, fold_text = finetune_folds(data, scheme, max_folds, random_state)
    say(
        f"{task}: {len(data)} labelled passages ({n_new} new, {n_changed} changed since {old.version or 'none'}); "
        f"{fold_text}; new version: {name}{' warm-started from ' + old.version if warm else ''}"
    )
    t_cv = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="stance-finetune-") as tmp:
        old_preds, new_preds = _cross_validate_pair(plan, folds, Path(tmp))
    t_cv = time.perf_counter() - t_cv
    comparison = paired_comparison(
        old_preds, new_preds, data.labels, data.multilabel, n_boot=n_boot, resample=resample,
        random_state=random_state, min_positives=min_positives,
    )  # fmt: skip
    metric = primary_metric(data.labels, data.multilabel)
    top = comparison[(comparison["label"] == "(all)") & (comparison["metric"] == metric)].iloc[0]
    do_promote, decision, not_worse = _decision(
        old.version, promote, metric, float(top["old"]), float(top["diff"]), tolerance
    )
    say(f"{task}: cross-validated both versions in {t_cv:.1f} s; fitting the new version on {len(data)} passages")
    t_fit = time.perf_counter()
    fitted = _final_fit(plan, old)
    t_fit = time.perf_counter() - t_fit
    seconds = {"cv": round(t_cv, 1), "final_fit": round(t_fit, 1), "total": round(time.perf_counter() - t0, 1)}
    result = FinetuneResult(
        task, old_version=old.version, promoted=False, backend=name, metric=metric,
        old_score=float(top["old"]), new_score=float(top["new"]), delta=float(top["diff"]),
        delta_ci=(float(top["diff_lo"]), float(top["diff_hi"])), comparison=comparison,
        n_passages=len(data), n_new=n_new, n_changed=n_changed, n_old_train=n_old_train, n_folds=len(folds),
        folds=fold_text, rare=rare_labels(data, min_positives, backend=name), notes=notes, seconds=seconds,
    )  # fmt: skip
    settings = _Settings(n_boot, resample, tolerance, random_state, use_examples, data_hash(data))
    provenance = _provenance(
        result, top, _promotion_info(result, warm, not_worse, do_promote, tolerance), codebook, settings
    )
    _save(result, fitted, plan, root, decision, do_promote, settings, provenance)
    return result


def _same_params(a: Any, b: Any) -> bool:
    """Same class and constructor parameters (compared as JSON)."""
    if type(a) is not type(b):
        return False

    def norm(est: Any) -> str:
        return json.dumps(est.get_params(deep=False), sort_keys=True, default=str)

    return norm(a) == norm(b)


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
