"""Public benchmarks: the classifiers on labels nobody on this project wrote.

Two data sets, read from wherever they are (nothing is copied into the project):

``gvfc``
    Gun Violence Frame Corpus headlines (Liu et al., CoNLL 2019), a CSV with columns
    ``id, headline, frame1, frame2, frame1_name, frame2_name, fold``. Five-fold
    cross-validation on the given ``fold`` column (the split of Akyürek et al., ACL 2020),
    reported as the mean over folds, for the single-label task (first frame; macro-F1,
    micro-F1 = accuracy) and the multi-label task ({frame1, frame2}; macro- and micro-F1).
    The headlines become examples as they would in a project of one's own
    (``stance label import --id-column id --document-column fold``, then
    ``stance evaluate --folds group:fold``): each headline is its own document, a headline
    that repeats an earlier one's text is one passage (three do, each in the same fold and
    with the same frames), examples are in :func:`stance.evaluation.passage_order`, and
    the folds are ``group:fold``, so both paths give the same folds, models and scores.
    Models are built from the example GVFC codebook (``examples/gvfc/codebook.yaml``) when
    it is found, so the codebook-driven backends (lexicon, zeroshot) work too; the
    single-label setting uses it with its frames task declared single-label.
``semeval2016``
    SemEval-2016 Task 6 subtask A tweets, a CSV with ``id, target, tweet, stance, split``.
    Train on ``train``, score on ``test`` with the official metric ``F_avg`` (mean of the
    F1 of FAVOR and AGAINST, pooled over the five targets) and per target. Two
    strategies: ``per-target`` (one model per target) and ``joint`` (one model, the target
    written in front of each tweet).

Both run through the same code as the project's own evaluation
(:func:`stance.evaluation.cross_validate` and :func:`stance.evaluation.score_predictions`):
a fresh model per fold, thresholds and calibration tuned inside the training data only.
Every headline and every tweet is a document of its own, so those inner splits hold out
headlines or tweets (not whole folds or targets).
"""

from __future__ import annotations

import platform
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from stance.corpus import text_hash
from stance.errors import StanceInputError
from stance.evaluation import Fold, TaskData, cross_validate, make_folds, passage_order, score_predictions

__all__ = [
    "BENCHMARKS",
    "GVFC_FRAMES",
    "PUBLISHED",
    "load_gvfc",
    "load_semeval",
    "run_benchmark",
    "run_gvfc",
    "run_semeval",
]

#: GVFC frame codes 1-9 in order, named as in the example GVFC codebook.
GVFC_FRAMES = [
    "gun_rights",
    "gun_control",
    "politics",
    "mental_health",
    "school_public_safety",
    "race_ethnicity",
    "public_opinion",
    "society_culture",
    "economic_consequences",
]
STANCE_CLASSES = ["FAVOR", "AGAINST", "NONE"]

#: Published reference figures (see ``../shared/benchmarks/README.md``).
PUBLISHED = pd.DataFrame(
    [
        ("gvfc", "single-label", "BERT-base (Akyürek et al. 2020)", "macro_f1", 0.77),
        ("gvfc", "single-label", "BERT-base (Akyürek et al. 2020)", "micro_f1", 0.83),
        ("gvfc", "multi-label", "BERT-base (Akyürek et al. 2020)", "macro_f1", 0.76),
        ("gvfc", "multi-label", "BERT-base (Akyürek et al. 2020)", "micro_f1", 0.82),
        ("gvfc", "single-label", "Naive Bayes (Akyürek et al. 2020)", "macro_f1", 0.58),
        ("semeval2016", "test", "MITRE, best team (Mohammad et al. 2016)", "f_avg", 0.678),
        ("semeval2016", "test", "BERT-large (Ghosh et al. 2019)", "f_avg", 0.751),
        ("semeval2016", "test", "CNN (Ghosh et al. 2019)", "f_avg", 0.706),
        ("semeval2016", "test", "SVM (Ghosh et al. 2019)", "f_avg", 0.631),
    ],
    columns=["benchmark", "setting", "model", "metric", "value"],
)


def _read_csv(path: str | Path, required: Sequence[str]) -> pd.DataFrame:
    path = Path(path)
    if not path.is_file():
        raise StanceInputError("benchmark data not found", file=path)
    df = pd.read_csv(path, dtype=str, keep_default_na=False)
    missing = [c for c in required if c not in df.columns]
    if missing:
        raise StanceInputError(f"missing columns {missing}; expected {list(required)}", file=path, line=1)
    return df


def load_gvfc(path: str | Path) -> pd.DataFrame:
    """Read GVFC headlines: ``id, text, frame1, frame2`` (frame names; ``""`` when absent), ``fold``."""
    df = _read_csv(path, ["id", "headline", "frame1", "frame2", "fold"])

    def name(code: str, line: int, field: str) -> str:
        code = code.strip()
        if not code:
            return ""
        try:
            return GVFC_FRAMES[int(float(code)) - 1]
        except (ValueError, IndexError) as exc:
            raise StanceInputError(f"unknown frame code {code!r}", file=path, line=line, field=field) from exc

    out = pd.DataFrame(
        {
            "id": df["id"],
            "text": df["headline"],
            "frame1": [name(c, i + 2, "frame1") for i, c in enumerate(df["frame1"])],
            "frame2": [name(c, i + 2, "frame2") for i, c in enumerate(df["frame2"])],
            "fold": df["fold"].astype(int),
        }
    )
    empty = out.index[out["frame1"] == ""]
    if len(empty):
        raise StanceInputError("headline without a first frame", file=path, line=int(empty[0]) + 2, field="frame1")
    return out


def load_semeval(path: str | Path) -> pd.DataFrame:
    """Read SemEval-2016 stance tweets: ``id, target, text, stance, split``."""
    df = _read_csv(path, ["id", "target", "tweet", "stance", "split"])
    bad = df.index[~df["stance"].isin(STANCE_CLASSES)]
    if len(bad):
        raise StanceInputError(
            f"stance must be one of {STANCE_CLASSES}", file=path, line=int(bad[0]) + 2, field="stance"
        )
    return df.rename(columns={"tweet": "text"})[["id", "target", "text", "stance", "split"]]


def _subsample(df: pd.DataFrame, limit: int | None, by: str, random_state: int) -> pd.DataFrame:
    """At most ``limit`` rows, spread evenly over the values of ``by`` (for smoke runs)."""
    if limit is None or len(df) <= limit:
        return df
    groups = df.groupby(by, sort=True)
    per = max(1, limit // groups.ngroups)
    return pd.concat([g.sample(min(per, len(g)), random_state=random_state) for _, g in groups]).sort_index()


def _gvfc_codebook(codebook: Any) -> Any:
    if codebook is not None:
        return codebook if codebook is not False else None
    from stance.codebook import Codebook
    from stance.config import project_root

    for folder in (project_root(), Path(__file__).resolve().parent.parent):
        path = folder / "examples" / "gvfc" / "codebook.yaml"
        if path.is_file():
            cb = Codebook.load(path)
            return cb if cb.frame_names == GVFC_FRAMES else None
    return None


def _single_label(codebook: Any) -> Any:
    """The GVFC codebook with its frames task declared single-label (the first frame), or None."""
    if codebook is None:
        return None
    from stance.codebook import Codebook

    frames = codebook.data.get("frames")
    labels = frames.get("labels") if isinstance(frames, dict) else frames
    return Codebook.from_dict({**codebook.data, "frames": {"type": "single-label", "labels": labels}})


def _fold_mean(predictions: pd.DataFrame, labels: list[str], multilabel: bool, metrics: Sequence[str]) -> dict:
    per_fold = []
    for _, part in predictions.groupby("fold", sort=True):
        overall, _ = score_predictions(part, labels, multilabel, n_boot=0)
        per_fold.append(overall.set_index("metric")["value"])
    table = pd.DataFrame(per_fold)
    return {m: (float(table[m].mean()), float(table[m].std(ddof=1)) if len(table) > 1 else np.nan) for m in metrics}


def _env() -> dict[str, Any]:
    import os

    return {"cores": os.cpu_count(), "machine": platform.machine(), "python": platform.python_version()}


def run_gvfc(
    path: str | Path,
    models: Sequence[str] = ("tfidf",),
    *,
    settings: Sequence[str] = ("single-label", "multi-label"),
    params: Mapping[str, Mapping[str, Any]] | None = None,
    limit: int | None = None,
    codebook: Any = None,
    n_boot: int = 1000,
    random_state: int = 0,
    log: Callable[[str], None] | None = None,
) -> pd.DataFrame:
    """Five-fold cross-validation on GVFC headlines.

    Parameters
    ----------
    path : path
        ``headlines.csv``.
    models : list of str
        Registry names.
    settings : list of {"single-label", "multi-label"}
    params : mapping, optional
        Constructor parameters per model name.
    limit : int, optional
        Use at most this many headlines (smoke runs).
    codebook : Codebook or False, optional
        GVFC codebook for building models (default: ``examples/gvfc/codebook.yaml`` when found).
    n_boot : int
        Bootstrap resamples for the pooled intervals.
    random_state : int

    Returns
    -------
    DataFrame
        One row per (setting, model, metric): ``benchmark, setting, model, metric, value``
        (mean over folds), ``sd`` (over folds), ``pooled`` with ``ci_low, ci_high``
        (all test predictions pooled, passage bootstrap), ``n_train, n_test, seconds``.
    """
    df = _subsample(load_gvfc(path), limit, "fold", random_state)
    df = df[~df["text"].map(text_hash).duplicated()]  # one passage per text, as a label import keeps
    df = passage_order(df.assign(passage_id=df["id"], doc_id=df["id"], fold=df["fold"].astype(str)))
    cb = _gvfc_codebook(codebook)
    passages = df[["passage_id", "doc_id", "text", "fold"]]
    folds = make_folds(
        TaskData("frames", GVFC_FRAMES, False, passages, df["frame1"].to_numpy(dtype=object)),
        "group:fold",
        n_splits=df["fold"].nunique(),
    )
    rows = []
    for setting in settings:
        task_cb = cb
        if setting == "single-label":
            data = TaskData("frames", GVFC_FRAMES, False, passages, df["frame1"].to_numpy(dtype=object))
            metrics = ["macro_f1", "micro_f1", "accuracy"]
            task_cb = _single_label(cb)
        elif setting == "multi-label":
            y = np.array(
                [[int(f in (a, b)) for f in GVFC_FRAMES] for a, b in zip(df["frame1"], df["frame2"], strict=True)]
            )
            data = TaskData("frames", GVFC_FRAMES, True, passages, y)
            metrics = ["macro_f1", "micro_f1", "subset_accuracy"]
        else:
            raise ValueError(f"unknown GVFC setting {setting!r}")
        for model in models:
            if log:
                log(f"gvfc {setting}: {model} on {len(df)} headlines, {len(folds)} folds")
            t0 = time.perf_counter()
            res = cross_validate(
                model,
                data,
                folds,
                codebook=task_cb,
                params=(params or {}).get(model),
                random_state=random_state,
            )
            seconds = time.perf_counter() - t0
            means = _fold_mean(res.predictions, data.labels, data.multilabel, metrics)
            pooled, _ = score_predictions(
                res.predictions, data.labels, data.multilabel, n_boot=n_boot, random_state=random_state
            )
            pooled = pooled.set_index("metric")
            for m in metrics:
                rows.append(
                    {
                        "benchmark": "gvfc",
                        "setting": setting,
                        "model": model,
                        "metric": m,
                        "value": means[m][0],
                        "sd": means[m][1],
                        "pooled": float(pooled.loc[m, "value"]),
                        "ci_low": float(pooled.loc[m, "ci_low"]),
                        "ci_high": float(pooled.loc[m, "ci_high"]),
                        "n_train": float(np.mean([len(f.train) for f in folds])),
                        "n_test": len(df),
                        "seconds": seconds,
                    }
                )
            if log:
                log(f"gvfc {setting}: {model} macro-F1 {means['macro_f1'][0]:.3f} in {seconds:.0f} s")
    out = pd.DataFrame(rows)
    for k, v in _env().items():
        out[k] = v
    return out


def run_semeval(
    path: str | Path,
    models: Sequence[str] = ("tfidf",),
    *,
    strategies: Sequence[str] = ("per-target", "joint"),
    params: Mapping[str, Mapping[str, Any]] | None = None,
    limit: int | None = None,
    n_boot: int = 1000,
    random_state: int = 0,
    log: Callable[[str], None] | None = None,
) -> pd.DataFrame:
    """Train on the SemEval-2016 training tweets, score F_avg on the test tweets.

    Parameters
    ----------
    path : path
        ``tweets.csv``.
    models : list of str
        Registry names of backends that learn from labels (not ``lexicon``/``zeroshot``,
        which need a codebook for the targets).
    strategies : list of {"per-target", "joint"}
        One model per target, or one model with the target written before each tweet.
    params : mapping, optional
        ``{model name: constructor parameters}``, as for :func:`run_gvfc`.
    limit : int, optional
        At most this many tweets per split (smoke runs).
    n_boot, random_state
        Bootstrap settings for the intervals.

    Returns
    -------
    DataFrame
        ``benchmark, setting, model, target, metric, value, ci_low, ci_high, n_train,
        n_test, seconds``; ``target`` is ``"all"`` for the official pooled score.
    """
    df = load_semeval(path)
    train = _subsample(df[df["split"] == "train"], limit, "target", random_state)
    test = _subsample(df[df["split"] == "test"], limit, "target", random_state)
    if train.empty or test.empty:
        raise StanceInputError("need both 'train' and 'test' rows in the split column", file=path)
    df = pd.concat([train, test], ignore_index=True)
    rows = []
    for strategy in strategies:
        if strategy not in ("per-target", "joint"):
            raise ValueError(f"unknown SemEval strategy {strategy!r}")
        for model in models:
            t0 = time.perf_counter()
            parts = []
            groups = [("all", df)] if strategy == "joint" else list(df.groupby("target", sort=True))
            for target, part in groups:
                part = part.reset_index(drop=True)
                text = part["target"] + ": " + part["text"] if strategy == "joint" else part["text"]
                # every tweet is a document of its own (a target as the group would leave no inner split)
                passages = pd.DataFrame({"passage_id": part["id"], "doc_id": part["id"].astype(str), "text": text})
                data = TaskData(f"semeval:{target}", STANCE_CLASSES, False, passages, part["stance"].to_numpy(object))
                fold = Fold(
                    "test",
                    np.flatnonzero(part["split"].to_numpy() == "train"),
                    np.flatnonzero(part["split"].to_numpy() == "test"),
                )
                if log:
                    log(f"semeval {strategy}: {model} on {target} ({len(fold.train)} train, {len(fold.test)} test)")
                res = cross_validate(model, data, [fold], params=(params or {}).get(model), random_state=random_state)
                parts.append(res.predictions)
            seconds = time.perf_counter() - t0
            preds = pd.concat(parts, ignore_index=True)
            preds["doc_id"] = preds["passage_id"].map(dict(zip(df["id"], df["target"], strict=True)))
            scopes = [("all", preds), *list(preds.groupby("doc_id", sort=True))]
            for target, part in scopes:
                overall, _ = score_predictions(part, STANCE_CLASSES, False, n_boot=n_boot, random_state=random_state)
                overall = overall.set_index("metric")
                for m in ("f_avg", "macro_f1", "accuracy"):
                    rows.append(
                        {
                            "benchmark": "semeval2016",
                            "setting": strategy,
                            "model": model,
                            "target": target,
                            "metric": m,
                            "value": float(overall.loc[m, "value"]),
                            "ci_low": float(overall.loc[m, "ci_low"]),
                            "ci_high": float(overall.loc[m, "ci_high"]),
                            "n_train": int((df["split"] == "train").sum())
                            if target == "all"
                            else int(((df["split"] == "train") & (df["target"] == target)).sum()),
                            "n_test": int(part["passage_id"].nunique()),
                            "seconds": seconds,
                        }
                    )
            if log:
                f_avg = next(
                    r["value"]
                    for r in rows[::-1]
                    if r["target"] == "all"
                    and r["metric"] == "f_avg"
                    and r["model"] == model
                    and r["setting"] == strategy
                )
                log(f"semeval {strategy}: {model} F_avg {f_avg:.3f} in {seconds:.0f} s")
    out = pd.DataFrame(rows)
    for k, v in _env().items():
        out[k] = v
    return out


#: Benchmark name -> runner.
BENCHMARKS: dict[str, Callable[..., pd.DataFrame]] = {"gvfc": run_gvfc, "semeval2016": run_semeval}


def run_benchmark(
    name: str,
    data: str | Path,
    models: Sequence[str] = ("tfidf",),
    *,
    out: str | Path | None = None,
    **kwargs: Any,
) -> pd.DataFrame:
    """Run benchmark ``name`` (``gvfc`` or ``semeval2016``) on the data file ``data``.

    Keyword arguments go to :func:`run_gvfc` or :func:`run_semeval`. With ``out``, the
    results are also written to ``<out>/<name>.csv`` (appending new rows to earlier ones
    for other models or settings).
    """
    key = name.lower().replace("-", "").replace("_", "")
    aliases = {
        "gvfc": "gvfc",
        "semeval2016": "semeval2016",
        "semeval": "semeval2016",
        "semeval2016stance": "semeval2016",
    }
    if key not in aliases:
        raise ValueError(f"unknown benchmark {name!r}; choose one of: {', '.join(BENCHMARKS)}")
    name = aliases[key]
    result = BENCHMARKS[name](data, models, **kwargs)
    if out is not None:
        folder = Path(out)
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{name}.csv"
        keys = ["benchmark", "setting", "model", "metric"] + (["target"] if "target" in result else [])
        if path.is_file():
            old = pd.read_csv(path, keep_default_na=False, na_values=[""])
            merged = pd.concat([old, result], ignore_index=True)
            result_all = merged.drop_duplicates(keys, keep="last")
        else:
            result_all = result
        result_all.to_csv(path, index=False, float_format="%.6g", lineterminator="\n")
    return result
