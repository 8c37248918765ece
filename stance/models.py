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
import importlib
import json
import os
import re
import shutil
import tempfile
import time
import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from stance.evaluation.selection import select_default, selection_table
from stance.io import atomic_write

if TYPE_CHECKING:
    from stance.codebook import Codebook
    from stance.corpus import Corpus

__all__ = [
    "DEFAULT_FILE",
    "TrainResult",
    "default_path",
    "default_version",
    "list_versions",
    "load_default",
    "load_model_folder",
    "load_version",
    "models_root",
    "promote",
    "save_version",
    "select_default",
    "slug_task",
    "task_slug",
    "train_default",
    "train_defaults",
]

DEFAULT_FILE = "DEFAULT"
_VERSION = re.compile(r"^v(\d{3,})$")
#: Models larger than this (MB) are not shipped as defaults; the next-ranked model is used.
MAX_MODEL_MB = 50.0


def models_root(root: str | Path | None = None) -> Path:
    """The model store folder: ``root`` if given, else ``<project>/models``."""
    if root is not None:
        return Path(root)
    from stance.config import project_root

    return project_root() / "models"


def task_slug(task: str) -> str:
    """Folder name of a task: ``"stance:us_government"`` -> ``"stance-us_government"``."""
    return task.replace(":", "-")


def slug_task(slug: str) -> str:
    """Task name of a folder: ``"stance-us_government"`` -> ``"stance:us_government"``."""
    return slug.replace("-", ":", 1) if slug.startswith("stance-") else slug


def _task_dir(task: str, root: str | Path | None) -> Path:
    return models_root(root) / task_slug(task)


def _versions(folder: Path) -> list[str]:
    if not folder.is_dir():
        return []
    names = [p.name for p in folder.iterdir() if p.is_dir() and _VERSION.match(p.name)]
    return sorted(names, key=lambda v: int(v[1:]))


def default_version(task: str, root: str | Path | None = None) -> str | None:
    """The promoted version of ``task`` (e.g. ``"v002"``), or None when there is none."""
    folder = _task_dir(task, root)
    marker = folder / DEFAULT_FILE
    if not marker.is_file():
        return None
    version = marker.read_text(encoding="utf-8").strip()
    if not version or not (folder / version).is_dir():
        return None
    return version


def default_path(task: str, root: str | Path | None = None) -> Path:
    """Folder of the promoted model of ``task``.

    Raises
    ------
    FileNotFoundError
        When ``task`` has no promoted model (run ``stance train``).
    """
    version = default_version(task, root)
    if version is None:
        raise FileNotFoundError(
            f"no default model for {task!r} under {_task_dir(task, root)}; train one with: stance train"
        )
    return _task_dir(task, root) / version


def load_model_folder(path: str | Path, **kwargs: Any) -> Any:
    """Load any saved model folder: a :mod:`stance.classifiers` model or a class named in its config.

    Folders whose ``config.json`` names a ``module`` and ``class`` (e.g. the role models
    of :mod:`stance.narrative`) are loaded with that class's ``load``.
    """
    path = Path(path)
    config_path = path / "config.json"
    if not config_path.is_file():
        raise FileNotFoundError(f"{path} is not a saved model (no config.json)")
    config = json.loads(config_path.read_text(encoding="utf-8"))
    module, cls_name = config.get("module"), config.get("class")
    if config.get("format") != "stance-classifier" and module and cls_name:
        if not str(module).startswith("stance."):
            raise ValueError(f"{path}: refusing to load a model class from outside stance ({module})")
        cls = getattr(importlib.import_module(module), cls_name)
        return cls.load(path)
    from stance.classifiers import load_model

    return load_model(path, **kwargs)


def load_version(task: str, version: str, root: str | Path | None = None, **kwargs: Any) -> Any:
    """Load version ``version`` of ``task``."""
    path = _task_dir(task, root) / version
    if not path.is_dir():
        raise FileNotFoundError(f"no version {version!r} of {task!r} at {path}")
    return load_model_folder(path, **kwargs)


def load_default(task: str, root: str | Path | None = None, **kwargs: Any) -> Any:
    """Load the promoted model of ``task`` (raises FileNotFoundError when there is none)."""
    return load_model_folder(default_path(task, root), **kwargs)


def promote(task: str, version: str, root: str | Path | None = None) -> Path:
    """Make ``version`` the default model of ``task``; returns its folder."""
    folder = _task_dir(task, root)
    if not (folder / version).is_dir():
        raise FileNotFoundError(f"no version {version!r} of {task!r} under {folder}")
    atomic_write(folder / DEFAULT_FILE, version + "\n")
    return folder / version


def _content_hash(path: Path, skip: Sequence[str] = ("MODEL_CARD.md",)) -> str:
    """sha256 over the relative names and bytes of the files of a model folder."""
    digest = hashlib.sha256()
    for file in sorted(p for p in path.rglob("*") if p.is_file()):
        rel = file.relative_to(path).as_posix()
        if rel in skip:
            continue
        digest.update(rel.encode())
        digest.update(hashlib.sha256(file.read_bytes()).digest())
    return digest.hexdigest()


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

    Returns
    -------
    Path
        The version folder.
    """
    folder = _task_dir(task, root)
    folder.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".saving-", dir=folder))
    try:
        clf.save(tmp)
        if card_extra:
            card = tmp / "MODEL_CARD.md"
            head = card.read_text(encoding="utf-8").rstrip() + "\n\n" if card.is_file() else ""
            card.write_text(head + card_extra.strip() + "\n", encoding="utf-8")
        target: Path | None = None
        if dedupe:
            new_hash = _content_hash(tmp)
            for version in _versions(folder):
                if _content_hash(folder / version) == new_hash:
                    target = folder / version
                    if (tmp / "MODEL_CARD.md").is_file():
                        shutil.copyfile(tmp / "MODEL_CARD.md", target / "MODEL_CARD.md")
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
    folder = _task_dir(task, root)
    current = default_version(task, root)
    rows = []
    for version in _versions(folder):
        path = folder / version
        try:
            config = json.loads((path / "config.json").read_text(encoding="utf-8"))
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


def _r(value: Any, digits: int = 4) -> Any:
    try:
        f = float(value)
    except (TypeError, ValueError):
        return value
    return None if np.isnan(f) else round(f, digits)


def _matching_evaluation(
    evaluation: str | Path | None, task: str, dhash: str, codebook: Codebook, use_codebook_examples: bool
) -> pd.DataFrame | None:
    """Rows of a saved comparison.csv for ``task`` when it was computed on the same data."""
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
    )
    if not same:
        return None
    table = pd.read_csv(comp, keep_default_na=False, na_values=[""], dtype={"error": str})
    table = table[table["task"] == task].copy()
    table["error"] = table["error"].fillna("").astype(str)
    return table if len(table) else None


def train_default(
    task: str,
    *,
    corpus: Corpus | None = None,
    gold: pd.DataFrame | None = None,
    codebook: Codebook | None = None,
    candidates: Sequence[str] | None = None,
    params: Mapping[str, Mapping[str, Any]] | None = None,
    evaluation: str | Path | bool | None = None,
    scheme: str = "document",
    n_boot: int = 1000,
    use_codebook_examples: bool = False,
    tie_tolerance: float = 0.01,
    max_size_mb: float = MAX_MODEL_MB,
    force: bool = False,
    root: str | Path | None = None,
    random_state: int = 0,
    log: Callable[[str], None] | None = None,
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
    scheme, n_boot, use_codebook_examples, tie_tolerance, random_state
        Cross-validation settings (see :func:`stance.evaluation.compare_models`).
    max_size_mb : float
        Candidates whose saved folder is larger are passed over (defaults ship small).
    force : bool
        Train even when the task already has a default model.
    root : path, optional
        Model store (default ``<project>/models``).
    log : callable, optional
        Receives progress messages.

    Returns
    -------
    TrainResult
    """
    from stance.codebook import Codebook
    from stance.config import project_root
    from stance.corpus import load_corpus
    from stance.evaluation import (
        build_model,
        codebook_examples,
        compare_models,
        data_hash,
        gold_task_data,
        load_gold,
        make_folds,
    )

    say = log or (lambda _msg: None)
    existing = default_version(task, root)
    if existing and not force:
        return TrainResult(
            task,
            version=existing,
            path=_task_dir(task, root) / existing,
            skipped=True,
            reason="a default model exists (use --force to retrain)",
        )
    codebook = codebook or Codebook.load()
    corpus = corpus or load_corpus(project_root() / "seeds")
    gold = gold if gold is not None else load_gold()
    data = gold_task_data(corpus, gold, codebook, task)
    if len(data) == 0:
        return TrainResult(task, skipped=True, reason="no gold labels for this task")
    dhash = data_hash(data)
    if evaluation is None or evaluation is True:
        evaluation = models_root(root) / "evaluation"
    table = _matching_evaluation(evaluation or None, task, dhash, codebook, use_codebook_examples)
    if table is not None and candidates is not None:
        table = table[table["model"].isin(list(candidates))]
    if table is None or table.empty:
        say(f"{task}: cross-validating {len(candidates) if candidates else 'all'} candidates on {len(data)} passages")
        folds = make_folds(data, scheme=scheme, random_state=random_state)
        table = compare_models(
            data,
            candidates,
            folds,
            codebook=codebook,
            params=params,
            scheme=scheme,
            n_boot=n_boot,
            use_codebook_examples=use_codebook_examples,
            tie_tolerance=tie_tolerance,
            random_state=random_state,
        ).table
    else:
        say(f"{task}: reusing the ranking in {evaluation}")
    order, reasons = select_default(table, tie_tolerance)
    if not order:
        return TrainResult(task, skipped=True, reason="no candidate model could be evaluated")
    ranked = table.set_index("model")
    X, y = data.texts, data.y
    if use_codebook_examples:
        ex_text, ex_y = codebook_examples(codebook, task, data.labels)
        X = X + ex_text
        y = np.concatenate([y, ex_y]) if len(ex_text) else y
    for name in order:
        clf = build_model(name, data, codebook, (params or {}).get(name), random_state)
        t0 = time.perf_counter()
        clf.fit(X, y)
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
            "score": _r(row["score"]),
            "ci_low": _r(row["ci_low"]),
            "ci_high": _r(row["ci_high"]),
            "cv": f"leave-one-{scheme}-out" if scheme != "stratified" else "stratified k-fold",
            "n_folds": int(row.get("n_folds", 0) or 0),
            "n_passages": int(row.get("n_passages", 0) or 0),
            "bootstrap": {"n_boot": int(row.get("n_boot", n_boot)), "resample": str(row.get("resample", "passage"))},
        }
        for m in ("macro_f1", "micro_f1", "accuracy", "f_avg", "brier", "subset_accuracy"):
            if m in row.index and not pd.isna(row[m]):
                metrics[m] = [_r(row[m]), _r(row.get(f"{m}_lo")), _r(row.get(f"{m}_hi"))]
        candidates_json = [{"model": str(m), "score": _r(ranked.loc[m, "score"])} for m in order if m in ranked.index]
        if hasattr(clf, "set_provenance"):
            clf.set_provenance(
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
                f"Cross-validation on {len(data)} gold passages of {data.passages['doc_id'].nunique()} documents; "
                f"data hash `{dhash[:16]}`, codebook {codebook.version} (hash `{codebook.hash[:16]}`). "
                "Timings are wall-clock on the machine that ran the comparison.",
                selection_table(ranked_table),
            ]
        )
        path = save_version(task, clf, root, make_default=True, card_extra=card)
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
    **kwargs
        Passed to :func:`train_default` (``candidates``, ``evaluation``, ``scheme``, ...).

    Returns
    -------
    list of TrainResult
    """
    from stance.codebook import Codebook
    from stance.config import project_root
    from stance.corpus import load_corpus
    from stance.evaluation import gold_tasks, load_gold

    codebook = codebook or Codebook.load()
    tasks = list(tasks) if tasks is not None else gold_tasks(codebook)
    pending = [t for t in tasks if force or default_version(t, root) is None]
    out = [
        TrainResult(t, version=str(default_version(t, root)), skipped=True, reason="a default model exists")
        for t in tasks
        if t not in pending
    ]
    if pending:
        corpus = corpus or load_corpus(project_root() / "seeds")
        if gold is None:
            try:
                gold = load_gold()
            except FileNotFoundError as exc:
                warnings.warn(str(exc), stacklevel=2)
                return out + [TrainResult(t, skipped=True, reason=str(exc)) for t in pending]
        for task in pending:
            out.append(
                train_default(
                    task, corpus=corpus, gold=gold, codebook=codebook, force=force, root=root, log=log, **kwargs
                )
            )
    order = {t: i for i, t in enumerate(tasks)}
    return sorted(out, key=lambda r: order.get(r.task, len(order)))
