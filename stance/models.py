"""The model store: versioned, promoted default models per task, and ``stance train``.

Layout under ``<project>/models/``::

    models/
      frames/
        DEFAULT            one line: the promoted version, e.g. "v001"
        v001/              a classifier's save() folder: config.json, *.safetensors, MODEL_CARD.md
      stance-us_government/
      stance-china_government/
      stance-cooperation/
      roles/
      evaluation/          CSV tables written by ``stance evaluate``

Task names map to folder names by replacing ``:`` with ``-`` (``stance:cooperation`` ->
``stance-cooperation``). Versions are written to a temporary folder and moved into place
with one ``os.replace``, so a reader never sees half a model. Saving a model whose files
are identical to an existing version (same data, same seed) reuses that version.

:func:`train_default` chooses a task's default model by cross-validated score on the
gold labels (ties within a tolerance go to the faster model), refits it on every gold
passage and promotes it. The reasons, the cross-validation table and the data and
codebook hashes go into the model card and ``config.json``. Nothing saved carries a
timestamp, so the same labels, codebook and seed give byte-identical ``config.json`` and
safetensors files.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import tempfile
import threading
import time
import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from stance.cache import BoundedCache
from stance.classifiers import CLASSES, make_classifier, provenance_record
from stance.codebook import Codebook
from stance.errors import StanceInputError
from stance.evaluation.selection import CRITERION, select_default, selection_table, transfer_table
from stance.io import atomic_write
from stance.paths import CONFIG_FILE, MODEL_CARD, ProjectPaths

if TYPE_CHECKING:
    from stance.corpus import Corpus


class MissingModelError(FileNotFoundError):
    """A task has no promoted model; the message names the command that trains it."""


__all__ = [
    "DEFAULT_FILE",
    "MissingModelError",
    "ModelHandle",
    "TrainResult",
    "card_number",
    "content_hash",
    "default_folder",
    "default_path",
    "default_version",
    "list_versions",
    "load_default",
    "load_model_folder",
    "load_version",
    "model_classes",
    "model_hash",
    "models_root",
    "promote",
    "read_config",
    "resolve",
    "save_version",
    "select_default",
    "slug_task",
    "task_dir",
    "task_slug",
    "train_default",
    "train_defaults",
]

DEFAULT_FILE = "DEFAULT"
_VERSION = re.compile(r"^v(\d{3,})$")
#: Models larger than this (MB) are not shipped as defaults; the next-ranked model is used.
MAX_MODEL_MB = 50.0
#: Where a :class:`ModelHandle` comes from.
SOURCES = ("folder", "estimator", "backend")
_LOAD_LOCK = threading.RLock()
#: Models loaded from folders (or built from the codebook), keyed by handle; a few are kept.
_LOADED: BoundedCache[ModelHandle, Any] = BoundedCache("models.loaded", maxsize=16)


def models_root(root: str | Path | None = None, paths: ProjectPaths | None = None) -> Path:
    """The model store folder: ``root`` if given, else ``paths.models`` (default: the current project's)."""
    if root is not None:
        return Path(root)
    return (paths or ProjectPaths.discover()).models


def task_slug(task: str) -> str:
    """Folder name of a task: ``"stance:us_government"`` -> ``"stance-us_government"``."""
    return task.replace(":", "-")


def slug_task(slug: str) -> str:
    """Task name of a folder: ``"stance-us_government"`` -> ``"stance:us_government"``."""
    return slug.replace("-", ":", 1) if slug.startswith("stance-") else slug


def task_dir(task: str, root: str | Path | None = None) -> Path:
    """Folder that holds the saved versions of ``task`` in the store at ``root``."""
    return models_root(root) / task_slug(task)


def _versions(folder: Path) -> list[str]:
    if not folder.is_dir():
        return []
    names = [p.name for p in folder.iterdir() if p.is_dir() and _VERSION.match(p.name)]
    return sorted(names, key=lambda v: int(v[1:]))


def default_folder(task: str, root: str | Path | None = None) -> Path | None:
    """Folder of the promoted version of ``task`` (named in its ``DEFAULT`` file), or None.

    The one reader of ``DEFAULT``: None when the file is missing or empty, or names a
    version that has no folder.
    """
    folder = task_dir(task, root)
    marker = folder / DEFAULT_FILE
    if not marker.is_file():
        return None
    version = marker.read_text(encoding="utf-8").strip()
    if not version or not (folder / version).is_dir():
        return None
    return folder / version


def default_version(task: str, root: str | Path | None = None) -> str | None:
    """The promoted version of ``task`` (e.g. ``"v002"``), or None when there is none."""
    folder = default_folder(task, root)
    return folder.name if folder is not None else None


def default_path(task: str, root: str | Path | None = None) -> Path:
    """Folder of the promoted model of ``task``.

    Raises
    ------
    MissingModelError
        When ``task`` has no promoted model (the message names ``stance train``).
    """
    folder = default_folder(task, root)
    if folder is None:
        where = task_dir(task, root)
        marker = where / DEFAULT_FILE
        named = marker.read_text(encoding="utf-8").strip() if marker.is_file() else ""
        if named:
            versions = ", ".join(_versions(where)) or "none"
            raise MissingModelError(
                f"{marker} names version {named!r}, but there is no folder {where / named} (versions present: "
                f"{versions}); promote one of them (`stance.models.promote`), or retrain with `stance train --force`"
            )
        raise MissingModelError(
            f"no default model for task '{task}' (expected {where}/{DEFAULT_FILE}); "
            "train the default models with `stance train` (or `make models`)"
        )
    return folder


# --------------------------------------------------------------------------- content hash
def _hashed_files(folder: Path) -> list[tuple[str, Path]]:
    """The files the content hash covers: every file except the model card and dotfiles."""
    out = []
    for file in sorted(p for p in folder.rglob("*") if p.is_file()):
        rel = file.relative_to(folder)
        if rel.as_posix() == MODEL_CARD or any(part.startswith(".") for part in rel.parts):
            continue
        out.append((rel.as_posix(), file))
    return out


def content_hash(folder: str | Path) -> str:
    """Content hash of a saved model folder: the one rule for score caches, dedupe and captions.

    sha256 over the files of ``folder`` in sorted order of their relative POSIX paths,
    each contributing ``<relative path> NUL sha256(<bytes>)``. ``MODEL_CARD.md`` (prose
    that may be rewritten without changing the model) and dotfiles or files under dotted
    folders (temporary and editor files) are left out.

    Parameters
    ----------
    folder : str or Path

    Returns
    -------
    str
        64 hex characters.
    """
    folder = Path(folder)
    digest = hashlib.sha256()
    for rel, file in _hashed_files(folder):
        digest.update(rel.encode("utf-8") + b"\0")
        digest.update(hashlib.sha256(file.read_bytes()).digest())
    return digest.hexdigest()


def model_hash(model: Any) -> str | None:
    """Content hash of a model: its saved folder, or what ``model.save()`` writes.

    Parameters
    ----------
    model : estimator, str or Path
        A model folder, or an estimator with a ``save(path)`` method.

    Returns
    -------
    str or None
        See :func:`content_hash`; None when the model cannot be saved (its scores are then
        not cached).
    """
    if isinstance(model, str | Path):
        return content_hash(model)
    if not hasattr(model, "save"):
        return None
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "model"
        model.save(out)
        return content_hash(out)


def read_config(folder: str | Path) -> dict[str, Any]:
    """The ``config.json`` of a saved model folder.

    Raises
    ------
    StanceInputError
        When the file is missing, is not JSON, or holds no JSON object (naming the file).
    """
    path = Path(folder) / CONFIG_FILE
    try:
        config = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise StanceInputError(f"not a saved model folder (no {CONFIG_FILE})", file=folder) from exc
    except (OSError, ValueError) as exc:
        raise StanceInputError(f"cannot read the model's configuration: {exc}", file=path) from exc
    if not isinstance(config, dict):
        raise StanceInputError("the model's configuration is not a JSON object", file=path)
    return config


# --------------------------------------------------------------------------- loading
def model_classes() -> dict[str, type]:
    """Class name -> class of every model the store can load: the classifiers and the role models."""
    from stance.narrative.role_model import ROLE_MODELS  # the narrative layer sits above the store

    return {**CLASSES, **ROLE_MODELS}


def load_model_folder(path: str | Path, **kwargs: Any) -> Any:
    """Load any saved model folder: the class named in its ``config.json``, looked up by name.

    Parameters
    ----------
    path : str or Path
        A folder written by a model's ``save``.
    **kwargs
        Passed to the classifiers' ``load`` (e.g. ``codebook=False``); role models take none.

    Raises
    ------
    StanceInputError
        For a folder without a readable ``config.json``, or naming a class the store does
        not know.
    """
    path = Path(path)
    name = read_config(path).get("class")
    classes = model_classes()
    if name not in classes:
        raise StanceInputError(
            f"unknown model class {name!r}; known: {', '.join(sorted(classes))}", file=path / CONFIG_FILE, field="class"
        )
    cls = classes[name]
    return cls.load(path, **kwargs) if name in CLASSES else cls.load(path)


def load_version(task: str, version: str, root: str | Path | None = None, **kwargs: Any) -> Any:
    """Load version ``version`` of ``task``."""
    path = task_dir(task, root) / version
    if not path.is_dir():
        raise FileNotFoundError(f"no version {version!r} of {task!r} at {path}")
    return load_model_folder(path, **kwargs)


def load_default(task: str, root: str | Path | None = None, **kwargs: Any) -> Any:
    """Load the promoted model of ``task`` (raises :class:`MissingModelError` when there is none)."""
    return load_model_folder(default_path(task, root), **kwargs)


# --------------------------------------------------------------------------- handles
@dataclass(frozen=True)
class ModelHandle:
    """What one task is scored with: a saved folder, a live estimator or a codebook-built backend.

    A handle is cheap (it holds paths and hashes, not the model), hashable and picklable,
    so it can be shipped to worker processes; :meth:`load` returns the estimator, loading
    it on first use and keeping it in a bounded process-wide cache (``stance.cache``).

    Attributes
    ----------
    task : str
        Codebook task, e.g. ``"frames"`` or ``"stance:us_government"``.
    version : str
        The version folder's name (``"v001"``), the backend name, or the estimator's class.
    hash : str or None
        :func:`content_hash` of the saved model (the codebook hash for a codebook-built
        backend); None for an estimator that cannot be saved.
    source : {"folder", "estimator", "backend"}
    folder : Path or None
        The saved folder (``source == "folder"``).
    backend : str
        Registry name of the backend (or the model class), for provenance.
    labels : tuple of str
        Class order of the model's probabilities (``classes_``).
    multilabel : bool
    codebook : str or None
        Codebook file a ``"backend"`` handle is built from, and a ``"folder"`` handle's model
        is checked against when loaded (None: the project codebook).
    estimator : object or None
        The live estimator of an ``"estimator"`` handle (not compared, not hashed).
    """

    task: str
    version: str
    hash: str | None
    source: str = "folder"
    folder: Path | None = None
    backend: str = ""
    labels: tuple[str, ...] = ()
    multilabel: bool = False
    codebook: str | None = None
    estimator: Any = field(default=None, compare=False, repr=False)

    def __post_init__(self) -> None:
        if self.source not in SOURCES:
            raise ValueError(f"source must be one of {', '.join(SOURCES)}, got {self.source!r}")

    @classmethod
    def from_folder(cls, task: str, folder: str | Path, multilabel: bool | None = None) -> ModelHandle:
        """The handle of a saved model folder (its ``config.json`` is read, the model is not loaded).

        Parameters
        ----------
        task : str
        folder : str or Path
        multilabel : bool, optional
            Used when the configuration does not say (default False).

        Raises
        ------
        StanceInputError
            When the folder has no readable configuration or it lists no labels.
        """
        folder = Path(folder).resolve()
        config = read_config(folder)
        labels = config.get("labels") or config.get("classes")
        if not labels:
            raise StanceInputError(
                "the model's configuration lists no labels", file=folder / CONFIG_FILE, field="labels"
            )
        saved = config.get("multilabel")
        return cls(
            task=task,
            version=folder.name,
            hash=content_hash(folder),
            source="folder",
            folder=folder,
            backend=str(config.get("backend") or config.get("class") or ""),
            labels=tuple(str(x) for x in labels),
            multilabel=bool(saved if saved is not None else multilabel),
        )

    @classmethod
    def from_estimator(cls, task: str, estimator: Any) -> ModelHandle:
        """The handle of a live (fitted) estimator; its hash is that of what it saves."""
        classes = getattr(estimator, "classes_", ())
        return cls(
            task=task,
            version=type(estimator).__name__,
            hash=model_hash(estimator),
            source="estimator",
            backend=str(getattr(estimator, "backend", "") or ""),
            labels=tuple(str(c) for c in classes),
            multilabel=bool(getattr(estimator, "multilabel", False)),
            estimator=estimator,
        )

    @classmethod
    def from_backend(cls, task: str, name: str, codebook: Codebook) -> ModelHandle:
        """The handle of a training-free backend (``lexicon``, ``zeroshot``) built from ``codebook``."""
        return cls(
            task=task,
            version=name,
            hash=codebook.hash,
            source="backend",
            backend=name,
            labels=tuple(codebook.task_labels(task)),
            multilabel=codebook.is_multilabel(task),
            codebook=str(codebook.path) if getattr(codebook, "path", None) else None,
        )

    @property
    def short(self) -> str:
        """``<version>@<first 8 hex of the hash>``, as printed in captions."""
        return f"{self.version}@{self.hash[:8]}" if self.hash else self.version

    def describe(self) -> dict[str, str]:
        """Provenance as written into output metadata: version, hash, backend, source."""
        return {"version": self.version, "hash": self.hash or "", "backend": self.backend, "source": self.source}

    def load(self) -> Any:
        """The estimator: loaded from the folder (or built from the codebook) once per process."""
        if self.source == "estimator":
            return self.estimator
        with _LOAD_LOCK:
            return _LOADED.get_or_set(self, self._build)

    def _build(self) -> Any:
        if self.source == "folder":
            return load_model_folder(
                self.folder, **({"codebook": Codebook.load(self.codebook)} if self.codebook else {})
            )
        codebook = Codebook.load(self.codebook)
        return make_classifier(self.backend, self.task, codebook).fit_from_params()


def resolve(
    tasks: Sequence[str],
    models: Mapping[str, Any] | None = None,
    root: str | Path | None = None,
    required: bool = True,
    codebook: Codebook | None = None,
) -> dict[str, ModelHandle]:
    """The handle of each task's model, without loading any.

    Parameters
    ----------
    tasks : sequence of str
        Codebook tasks.
    models : mapping, optional
        Task to estimator or model folder; tasks not given use their promoted model.
    root : path, optional
        The model store (default: the project's ``models/``).
    required : bool
        Raise :class:`MissingModelError` for a task without a model (else leave it out).
    codebook : Codebook, optional
        Says whether a task is multi-label when a folder's configuration does not.

    Returns
    -------
    dict
        Task to :class:`ModelHandle`.
    """
    given = dict(models or {})
    out: dict[str, ModelHandle] = {}
    for task in tasks:
        model = given.get(task)
        if model is None:
            folder = default_folder(task, root)
            if folder is None and not required:
                continue
            model = folder if folder is not None else default_path(task, root)
        if isinstance(model, str | Path):
            multi = codebook.is_multilabel(task) if codebook is not None and task in codebook.tasks else None
            out[task] = ModelHandle.from_folder(task, model, multilabel=multi)
        else:
            out[task] = ModelHandle.from_estimator(task, model)
    return out


def promote(task: str, version: str, root: str | Path | None = None) -> Path:
    """Make ``version`` the default model of ``task``; returns its folder."""
    folder = task_dir(task, root)
    if not (folder / version).is_dir():
        raise FileNotFoundError(f"no version {version!r} of {task!r} under {folder}")
    atomic_write(folder / DEFAULT_FILE, version + "\n")
    return folder / version


def _folder_mb(path: Path) -> float:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) / 1e6


def _readable(folder: Path) -> None:
    """Give a saved version the permissions of an ordinary folder (the temporary folder is owner-only)."""
    umask = os.umask(0)
    os.umask(umask)
    for path in [folder, *folder.rglob("*")]:
        os.chmod(path, (0o777 if path.is_dir() else 0o666) & ~umask)


def save_version(
    task: str,
    clf: Any,
    root: str | Path | None = None,
    *,
    make_default: bool | None = None,
    card_extra: str | None = None,
    dedupe: bool = True,
    provenance: Mapping[str, Any] | None = None,
) -> Path:
    """Save a fitted model as the next version of ``task``.

    Parameters
    ----------
    task : str
        Codebook task, e.g. ``"frames"``.
    clf : estimator
        Fitted model with ``save(path)``.
    root : path, optional
        Model store (default ``<project>/models``).
    make_default : bool, optional
        Make it the default. Default: only when ``task`` has no default yet.
    card_extra : str, optional
        Markdown appended to the model's ``MODEL_CARD.md``.
    dedupe : bool
        Reuse an existing version whose files (other than the card) are byte-identical.
    provenance : mapping, optional
        Where the model comes from, recorded in its ``config.json`` (see
        :func:`stance.classifiers.provenance_record`).

    Returns
    -------
    Path
        The version folder.
    """
    folder = task_dir(task, root)
    folder.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".saving-", dir=folder))
    try:
        if provenance is not None:
            clf.save(tmp, provenance=provenance)
        else:
            clf.save(tmp)
        if card_extra:
            card = tmp / MODEL_CARD
            head = card.read_text(encoding="utf-8").rstrip() + "\n\n" if card.is_file() else ""
            card.write_text(head + card_extra.strip() + "\n", encoding="utf-8")
        target: Path | None = None
        if dedupe:
            new_hash = content_hash(tmp)
            for version in _versions(folder):
                if content_hash(folder / version) == new_hash:
                    target = folder / version
                    if (tmp / MODEL_CARD).is_file():
                        shutil.copyfile(tmp / MODEL_CARD, target / MODEL_CARD)
                    break
        while target is None:
            existing = _versions(folder)
            number = int(existing[-1][1:]) + 1 if existing else 1
            candidate = folder / f"v{number:03d}"
            try:
                os.replace(tmp, candidate)
            except OSError:
                if candidate.exists():
                    continue
                raise
            target = candidate
            _readable(target)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    if make_default or (make_default is None and default_version(task, root) is None):
        promote(task, target.name, root)
    return target


def list_versions(task: str, root: str | Path | None = None) -> pd.DataFrame:
    """Saved versions of ``task``: ``version, default, class, backend, n_train, metric, score, path``."""
    folder = task_dir(task, root)
    current = default_version(task, root)
    rows = []
    for version in _versions(folder):
        path = folder / version
        try:
            config = json.loads((path / CONFIG_FILE).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            config = {}
        metrics = config.get("metrics") or {}
        rows.append(
            {
                "task": task,
                "version": version,
                "default": version == current,
                "class": config.get("class", ""),
                "backend": config.get("backend", ""),
                "n_train": config.get("n_train"),
                "metric": metrics.get("metric", ""),
                "score": metrics.get("score"),
                "size_mb": round(_folder_mb(path), 3),
                "path": str(path),
            }
        )
    columns = ["task", "version", "default", "class", "backend", "n_train", "metric", "score", "size_mb", "path"]
    return pd.DataFrame(rows, columns=columns)


# --------------------------------------------------------------------------- training
@dataclass
class TrainResult:
    """Outcome of :func:`train_default` for one task."""

    task: str
    model: str = ""
    version: str = ""
    path: Path | None = None
    skipped: bool = False
    reason: str = ""
    reasons: list[str] = field(default_factory=list)


def card_number(value: Any, digits: int = 4) -> Any:
    """A number as a model card or evaluation record stores it: rounded, NaN as None, non-numbers as given."""
    try:
        f = float(value)
    except (TypeError, ValueError):
        return value
    return None if np.isnan(f) else round(f, digits)


def _matching_evaluation(
    evaluation: str | Path | None,
    task: str,
    dhash: str,
    codebook: Codebook,
    use_codebook_examples: bool,
    folds: tuple[str, int] = ("auto", 5),
) -> pd.DataFrame | None:
    """Rows of a saved comparison.csv for ``task`` when it was computed on the same data and ``(scheme, n_splits)``."""
    if evaluation is None:
        return None
    folder = Path(evaluation)
    run, comp = folder / "run.json", folder / "comparison.csv"
    if not (run.is_file() and comp.is_file()):
        return None
    info = json.loads(run.read_text(encoding="utf-8"))
    same = (
        info.get("codebook_hash") == codebook.hash
        and (info.get("tasks") or {}).get(task, {}).get("data_hash") == dhash
        and bool(info.get("use_codebook_examples")) == bool(use_codebook_examples)
        and (info.get("scheme", folds[0]), info.get("n_splits", folds[1])) == folds
    )
    if not same:
        return None
    table = pd.read_csv(comp, keep_default_na=False, na_values=[""], dtype={"error": str})
    table = table[table["task"] == task].copy()
    table["error"] = table["error"].fillna("").astype(str)
    return table if len(table) else None


def _matching_transfer(evaluation: str | Path | None, task: str) -> pd.DataFrame | None:
    """The transfer rows of ``task`` beside a reused comparison.csv (None when there are none)."""
    path = Path(evaluation) / "transfer.csv" if evaluation is not None else None
    if path is None or not path.is_file() or path.stat().st_size <= 1:
        return None
    table = pd.read_csv(path, keep_default_na=False, na_values=[""], dtype={"error": str})
    return table[table["task"] == task].copy()


def _cv_words(row: pd.Series, scheme: str) -> str:
    """The folds a comparison row was scored on, in words (tables written before ``folds`` give the scheme)."""
    folds = row.get("folds")
    if isinstance(folds, str) and folds:
        return folds
    scheme = str(row.get("scheme", scheme))
    if scheme in ("document", "outlet"):
        return f"leave-one-{scheme}-out"
    return "stratified k-fold" if scheme == "stratified" else scheme


def _side_counts(data: Any) -> str:
    counts = data.passages.groupby("side")["doc_id"].agg(["size", "nunique"])
    return ", ".join(f"{side or 'no side'}: {n} passages of {d} documents" for side, (n, d) in counts.iterrows())


def _fitted_notes(clf: Any) -> list[str]:
    """Card lines about what the fitted model chose inside its training data (e.g. C by inner CV)."""
    notes = []
    if getattr(clf, "C_", None) is not None and getattr(clf, "C", None) == "auto":
        scores = ", ".join(f"C={c:g}: {v:.3f}" for c, v in sorted((clf.C_scores_ or {}).items()))
        cv = clf.cv
        how = f"one inner split holding out {cv:.0%}" if isinstance(cv, float) else f"inner {cv}-fold cross-validation"
        notes.append(
            f"Regularisation: C = {clf.C_:g}, chosen by {how} of the training data, whole documents per inner "
            f"split (mean {clf.C_metric_} over the inner folds; {scores})."
        )
    return notes


def train_default(
    task: str,
    *,
    corpus: Corpus | None = None,
    gold: pd.DataFrame | None = None,
    codebook: Codebook | None = None,
    candidates: Sequence[str] | None = None,
    params: Mapping[str, Mapping[str, Any]] | None = None,
    evaluation: str | Path | bool | None = None,
    scheme: str = "auto",
    n_splits: int = 5,
    transfer_schemes: Sequence[str] = ("cross-source", "kind"),
    n_boot: int = 1000,
    resample: str = "document",
    use_codebook_examples: bool = False,
    tie_tolerance: float = 0.01,
    max_size_mb: float = MAX_MODEL_MB,
    force: bool = False,
    root: str | Path | None = None,
    random_state: int = 0,
    log: Callable[[str], None] | None = None,
    paths: ProjectPaths | None = None,
) -> TrainResult:
    """Choose, fit and promote the default model of one task.

    Parameters
    ----------
    task : str
        ``"frames"`` or ``"stance:<target>"``.
    corpus, gold, codebook : optional
        Default: the project's seed corpus, gold labels and codebook.
    candidates : list of str, optional
        Registry names to choose from (default: every registered classifier).
    params : mapping, optional
        Constructor parameters per candidate.
    evaluation : path or False, optional
        Folder of a previous ``stance evaluate`` run (``comparison.csv`` + ``run.json``;
        default ``<models>/evaluation``); its ranking is reused when it was computed on
        the same gold data, codebook and settings, instead of cross-validating again.
        ``False`` always cross-validates.
    scheme, n_splits, transfer_schemes, n_boot, resample, use_codebook_examples, tie_tolerance, random_state
        Evaluation settings (see :func:`stance.evaluation.compare.evaluate_task`); the
        default is chosen on :data:`stance.evaluation.selection.CRITERION`.
    max_size_mb : float
        Candidates whose saved folder is larger are passed over (defaults ship small).
    force : bool
        Train even when the task already has a default model.
    root : path, optional
        Model store (default ``paths.models``).
    log : callable, optional
        Receives progress messages.
    paths : ProjectPaths, optional
        The project whose codebook, corpus, labels and models are used (default
        :meth:`ProjectPaths.discover`).

    Returns
    -------
    TrainResult
    """
    from stance.evaluation import build_model, codebook_examples, data_hash, gold_task_data, load_gold
    from stance.evaluation.compare import evaluate_task
    from stance.evaluation.cv import CODEBOOK_GROUP, pooled_pairs, takes_groups
    from stance.labels.store import load_corpus_for

    say = log or (lambda _msg: None)
    paths = paths or ProjectPaths.discover()
    root = models_root(root, paths)
    existing = default_version(task, root)
    if existing and not force:
        return TrainResult(
            task,
            version=existing,
            path=task_dir(task, root) / existing,
            skipped=True,
            reason="a default model exists (use --force to retrain)",
        )
    codebook = codebook or Codebook.load(paths.codebook)
    corpus = corpus or load_corpus_for(paths.labels)
    gold = gold if gold is not None else load_gold(paths.labels)
    data = gold_task_data(corpus, gold, codebook, task)
    if len(data) == 0:
        return TrainResult(task, skipped=True, reason="no gold labels for this task")
    dhash = data_hash(data)
    if evaluation is None or evaluation is True:
        evaluation = root / "evaluation"
    table = _matching_evaluation(evaluation or None, task, dhash, codebook, use_codebook_examples, (scheme, n_splits))
    if table is not None and candidates is not None:
        table = table[table["model"].isin(list(candidates))]
    transfer = _matching_transfer(evaluation or None, task) if table is not None and len(table) else None
    if table is None or table.empty:
        say(f"{task}: cross-validating {len(candidates) if candidates else 'all'} candidates on {len(data)} passages")
        related = {t: gold_task_data(corpus, gold, codebook, t) for t in codebook.tasks if t.startswith("stance:")}
        comp, transfer, _ = evaluate_task(
            data,
            candidates,
            codebook=codebook,
            params=params,
            scheme=scheme,
            n_splits=n_splits,
            transfer=transfer_schemes,
            n_boot=n_boot,
            resample=resample,
            use_codebook_examples=use_codebook_examples,
            tie_tolerance=tie_tolerance,
            random_state=random_state,
            log=say,
            related=related,
        )
        table = comp.table
    else:
        say(f"{task}: reusing the ranking in {evaluation}")
    order, reasons = select_default(table, tie_tolerance)
    if not order:
        return TrainResult(task, skipped=True, reason="no candidate model could be evaluated")
    ranked = table.set_index("model")
    X, y, groups = data.texts, data.y, data.groups.tolist()
    if use_codebook_examples:
        ex_text, ex_y = codebook_examples(codebook, task, data.labels)
        X = X + ex_text
        y = np.concatenate([y, ex_y]) if len(ex_text) else y
        groups += [CODEBOOK_GROUP] * len(ex_text)
    for name in order:
        clf = build_model(name, data, codebook, (params or {}).get(name), random_state)
        t0 = time.perf_counter()
        by_doc = {"groups": groups} if takes_groups(clf) else {}
        if getattr(clf, "pools_targets", False):
            related = {t: gold_task_data(corpus, gold, codebook, t) for t in clf.target_list() if t in codebook.tasks}
            pX, py, targets, pgroups = pooled_pairs(clf, data, np.arange(len(data)), related)
            clf.fit(pX, py, targets=targets, **({"groups": pgroups} if by_doc else {}))
        else:
            clf.fit(X, y, **by_doc)
        say(f"{task}: fitted {name} on {len(X)} passages in {time.perf_counter() - t0:.1f} s")
        with tempfile.TemporaryDirectory() as tmp:
            size = _folder_mb(clf.save(Path(tmp) / "m"))
        if size > max_size_mb:
            reasons.append(f"{name} was passed over: its saved folder is {size:.0f} MB (limit {max_size_mb:g} MB).")
            continue
        row = ranked.loc[name]
        metric = str(row.get("metric", "score"))
        metrics = {
            "metric": metric,
            "score": card_number(row["score"]),
            "ci_low": card_number(row["ci_low"]),
            "ci_high": card_number(row["ci_high"]),
            "cv": _cv_words(row, scheme),
            "criterion": CRITERION,
            "selection_score": card_number(row.get("selection_score")),
            "n_folds": int(row.get("n_folds", 0) or 0),
            "n_passages": int(row.get("n_passages", 0) or 0),
            "bootstrap": {"n_boot": int(row.get("n_boot", n_boot)), "resample": str(row.get("resample", resample))},
        }
        if transfer is not None and len(transfer):
            mine = transfer[transfer["model"] == name]
            metrics["transfer"] = {
                str(r["scheme"]): [card_number(r["score"]), card_number(r["ci_low"]), card_number(r["ci_high"])]
                for _, r in mine.iterrows()
            }
        for m in ("macro_f1", "micro_f1", "accuracy", "f_avg", "brier", "subset_accuracy"):
            if m in row.index and not pd.isna(row[m]):
                metrics[m] = [card_number(row[m]), card_number(row.get(f"{m}_lo")), card_number(row.get(f"{m}_hi"))]
        candidates_json = [
            {"model": str(m), "score": card_number(ranked.loc[m, "score"])} for m in order if m in ranked.index
        ]
        provenance = provenance_record(
            codebook=codebook,
            task=task,
            training_data_hash=dhash,
            metrics=metrics,
            selection={"chosen": name, "candidates": candidates_json, "tie_tolerance": tie_tolerance},
            gold_passages=len(data),
            codebook_examples=bool(use_codebook_examples),
            random_state=random_state,
        )
        ranked_table = table.sort_values("rank") if "rank" in table else table
        card = "\n\n".join(
            [
                "## Why this model",
                " ".join(reasons),
                f"Cross-validation on {len(data)} gold passages of {data.passages['doc_id'].nunique()} documents "
                f"({_side_counts(data)}); data hash `{dhash[:16]}`, codebook {codebook.version} "
                f"(hash `{codebook.hash[:16]}`). Timings are wall-clock on the machine that ran the comparison.",
                selection_table(ranked_table),
                f"## Scores by fold scheme ({metric}, 95% bootstrap intervals over "
                f"{metrics['bootstrap']['resample']}s)",
                transfer_table(ranked_table, None if transfer is None else transfer[transfer["task"] == task]),
                *_fitted_notes(clf),
            ]
        )
        path = save_version(task, clf, root, make_default=True, card_extra=card, provenance=provenance)
        say(f"{task}: {name} saved as {path}")
        return TrainResult(task, model=name, version=path.name, path=path, reasons=reasons)
    return TrainResult(task, skipped=True, reason="every candidate exceeded the size limit", reasons=reasons)


def train_defaults(
    tasks: Sequence[str] | None = None,
    *,
    codebook: Codebook | None = None,
    corpus: Corpus | None = None,
    gold: pd.DataFrame | None = None,
    force: bool = False,
    root: str | Path | None = None,
    log: Callable[[str], None] | None = None,
    paths: ProjectPaths | None = None,
    **kwargs: Any,
) -> list[TrainResult]:
    """Train the default model of every task that has gold labels and no default yet.

    Parameters
    ----------
    tasks : list of str, optional
        Default: frames and every stance target of the codebook (roles are trained by
        :func:`stance.narrative.train_role_model`, which saves through :func:`save_version`).
    force : bool
        Retrain tasks that already have a default.
    root : path, optional
        Model store (default ``paths.models``).
    paths : ProjectPaths, optional
        The project (default :meth:`ProjectPaths.discover`).
    **kwargs
        Passed to :func:`train_default` (``candidates``, ``evaluation``, ``scheme``, ...).

    Returns
    -------
    list of TrainResult
    """
    from stance.evaluation import gold_tasks, load_gold
    from stance.labels.store import load_corpus_for

    paths = paths or ProjectPaths.discover()
    root = models_root(root, paths)
    codebook = codebook or Codebook.load(paths.codebook)
    tasks = list(tasks) if tasks is not None else gold_tasks(codebook)
    pending = [t for t in tasks if force or default_version(t, root) is None]
    out = [
        TrainResult(t, version=str(default_version(t, root)), skipped=True, reason="a default model exists")
        for t in tasks
        if t not in pending
    ]
    if pending:
        corpus = corpus or load_corpus_for(paths.labels)
        if gold is None:
            try:
                gold = load_gold(paths.labels)
            except FileNotFoundError as exc:
                warnings.warn(str(exc), stacklevel=2)
                return out + [TrainResult(t, skipped=True, reason=str(exc)) for t in pending]
        for task in pending:
            out.append(
                train_default(
                    task,
                    corpus=corpus,
                    gold=gold,
                    codebook=codebook,
                    force=force,
                    root=root,
                    log=log,
                    paths=paths,
                    **kwargs,
                )
            )
    order = {t: i for i, t in enumerate(tasks)}
    return sorted(out, key=lambda r: order.get(r.task, len(order)))
