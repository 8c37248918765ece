"""``stance evaluate``, ``stance train`` and ``stance benchmark``."""

from __future__ import annotations

import json
import time
import warnings
from pathlib import Path
from typing import Any

import typer

from stance.cli._common import ENCODER_RUNTIME, console, fail, print_frame, refuse_seed_project, seed_or_default

__all__ = ["benchmark", "evaluate", "parse_params", "train"]

_LABELS = typer.Option(None, "--labels", help="Gold label store (JSONL). Default: the project's label store.")
_CORPUS = typer.Option(
    None, "--corpus", help="Corpus folder or table. Default: the corpora beside the label store, else the project's."
)
_CODEBOOK = typer.Option(None, "--codebook", help="Codebook YAML. Default: the project's codebook.")
_TASK = typer.Option(None, "--task", "-t", help="Task to run, e.g. frames or stance:cooperation (repeatable).")
_PARAM = typer.Option(
    None, "--param", "-p", help="Model parameter as model.name=value, e.g. -p transformer.num_epochs=3 (repeatable)."
)
_SEED = typer.Option(None, "--seed", help="Random seed (default: STANCE_SEED or 0).")
_FOLDS = typer.Option(
    "auto",
    "--folds",
    help="Primary folds: auto (stratified k-fold when every document is one passage, else grouped), grouped "
    "(whole documents dealt into --max-folds folds), document (leave one document out), outlet, cross-source, "
    "kind, group:COLUMN (leave one value of any column of the corpus's passages or documents out, e.g. "
    "group:outlet, group:year or a column of your own table; more values than --max-folds are dealt into that "
    "many folds), or stratified (warns when documents have several passages).",
)
_MAX_FOLDS = typer.Option(
    5, "--max-folds", "--n-splits", help="Folds of --folds auto, grouped and stratified; at most, of group:COLUMN."
)


def parse_params(items: list[str] | None) -> dict[str, dict[str, Any]]:
    """Turn ``["setfit.num_iterations=5", "tfidf.C=3"]`` into ``{"setfit": {"num_iterations": 5}, ...}``."""
    out: dict[str, dict[str, Any]] = {}
    for item in items or []:
        if "=" not in item or "." not in item.split("=", 1)[0]:
            fail(f"--param needs the form model.name=value, got {item!r}")
        key, raw = item.split("=", 1)
        model, name = key.split(".", 1)
        try:
            value = json.loads(raw)
        except json.JSONDecodeError:
            value = raw
        if isinstance(value, list):
            value = tuple(value)
        out.setdefault(model.strip(), {})[name.strip()] = value
    return out


def _models(value: str | None) -> list[str] | None:
    if not value:
        return None
    from stance.classifiers import REGISTRY

    names = [m.strip() for m in value.split(",") if m.strip()]
    unknown = [m for m in names if m not in REGISTRY]
    if unknown:
        fail(f"unknown model(s) {', '.join(unknown)}; choose from: {', '.join(REGISTRY)}")
    return names


def _inputs(corpus: Path | None, labels: Path | None, codebook: Path | None):
    from stance.codebook import Codebook
    from stance.corpus import load_corpus
    from stance.evaluation import load_gold
    from stance.labels.store import load_corpus_for

    cb = Codebook.load(codebook)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        c = load_corpus(corpus) if corpus is not None else load_corpus_for(labels)
    try:
        gold = load_gold(labels, codebook=cb)
    except FileNotFoundError as exc:
        fail(f"{exc}; label passages first (stance label) or pass --labels")
    return c, gold, cb


def _check_folds(folds: str, max_folds: int) -> None:
    from stance.evaluation import SCHEMES, is_scheme

    if not is_scheme(folds):
        fail(f"--folds must be one of {', '.join(SCHEMES)}")
    if max_folds < 2:
        fail(f"--max-folds must be at least 2, got {max_folds}")


def _warn_leakage(caught: list) -> None:
    """Print the leakage and model-failure warnings caught during an evaluation."""
    from stance.evaluation import LeakageWarning

    for w in caught:
        if issubclass(w.category, LeakageWarning | RuntimeWarning):
            console.print(f"[yellow]warning:[/yellow] {w.message}", soft_wrap=True)


def _print_comparison(table, task: str) -> None:
    import pandas as pd

    if table.empty:
        return
    t = table.copy()
    ok = t["error"] == ""
    t["95% CI"] = [
        f"[{lo:.3f}, {hi:.3f}]" if good else "" for lo, hi, good in zip(t["ci_low"], t["ci_high"], ok, strict=True)
    ]
    cols = ["rank", "model", "score", "95% CI"]
    extra = [c for c in ("macro_f1", "micro_f1", "accuracy", "brier") if c in t and c != t["metric"].iloc[0]]
    transfer = [c for c in t.columns if c.startswith(("cross-source", "kind")) and not c.endswith(("_low", "_high"))]
    cols += [*extra, *transfer, *(["selection_score"] if transfer else []), "fit_seconds", "predict_ms"]
    show = t[cols].rename(columns={"fit_seconds": "train s/fold", "predict_ms": "ms/passage"})
    show["note"] = [e[:60] for e in t["error"]]
    metric = t["metric"].iloc[0]
    n = int(pd.to_numeric(t["n_passages"], errors="coerce").max() or 0)
    folds = int(pd.to_numeric(t["n_folds"], errors="coerce").max() or 0)
    by = f"selection score (mean of grouped and cross-source {metric})" if transfer else metric
    print_frame(show, title=f"{task}: ranked by {by} ({n} passages, {folds} {t['scheme'].iloc[0]} folds)")


def evaluate(
    task: list[str] | None = _TASK,
    models: str | None = typer.Option(
        None, "--models", "-m", help="Comma-separated models to compare. Default: every registered classifier."
    ),
    folds: str = _FOLDS,
    n_splits: int = _MAX_FOLDS,
    transfer: str = typer.Option(
        "cross-source,kind",
        "--transfer",
        help="Comma-separated transfer schemes scored beside the primary folds (cross-source: train on one side, "
        "test on the other; kind: leave one document kind out); empty for none.",
    ),
    n_boot: int = typer.Option(1000, "--n-boot", help="Bootstrap resamples for the 95% intervals."),
    resample: str = typer.Option("document", "--resample", help="Bootstrap unit: document (default) or passage."),
    codebook_examples: bool = typer.Option(
        False, "--codebook-examples/--no-codebook-examples", help="Add codebook examples to the training folds."
    ),
    curve: bool = typer.Option(True, "--curve/--no-curve", help="Compute learning curves for the best model."),
    out: Path | None = typer.Option(
        None, "--out", "-o", help="Folder for the CSV tables. Default: models/evaluation/."
    ),
    param: list[str] | None = _PARAM,
    labels: Path | None = _LABELS,
    corpus: Path | None = _CORPUS,
    codebook: Path | None = _CODEBOOK,
    seed: int | None = _SEED,
    encoder_runtime: str | None = ENCODER_RUNTIME,
    runtimes: str | None = typer.Option(
        None,
        "--runtimes",
        help="Compare encoder runtimes instead, e.g. torch,onnx,onnx-int8 (the first is the reference): evaluate "
        "each task's default model (or --models) under each on the same folds, print every metric side by side and "
        "whether it agrees to two decimals, and write runtimes.csv to --out (default: build/evaluation/).",
    ),
) -> None:
    """Cross-validate every classifier on the gold labels and print a ranked table with 95% intervals.

    Writes comparison.csv, per_label.csv, learning_curve.csv, confusion.csv, predictions.csv,
    transfer.csv (the --transfer scores), transfer_predictions.csv (the cross-source predictions
    of each task's best model) and run.json to --out. The tasks of an earlier run there that
    --task leaves out are kept when that run used the same settings, so tasks can be evaluated
    one at a time. With --runtimes, compares encoder runtimes instead (runtimes.csv).
    """
    from stance.evaluation import LeakageWarning, evaluate_gold, gold_tasks, is_scheme
    from stance.paths import ProjectPaths

    _check_folds(folds, n_splits)
    schemes = [s.strip() for s in transfer.split(",") if s.strip()]
    bad = [s for s in schemes if not is_scheme(s) or s in ("stratified", "auto")]
    if bad:
        fail(f"--transfer: unknown or passage-level scheme(s) {', '.join(bad)}; use cross-source, kind")
    if resample not in ("passage", "document"):
        fail("--resample must be passage or document")
    from stance.codebook import Codebook

    names = _runtime_names(runtimes) if runtimes is not None else None
    Codebook.load(codebook).check_tasks(task or [], exclude=["roles"])
    c, gold, cb = _inputs(corpus, labels, codebook)
    tasks = task or gold_tasks(cb)
    kwargs = {"scheme": folds, "n_splits": n_splits, "transfer": schemes, "n_boot": n_boot, "resample": resample}
    kwargs |= {
        "use_codebook_examples": codebook_examples,
        "random_state": seed_or_default(seed),
        "params": parse_params(param),
    }
    if names is not None:
        _compare_runtimes(c, gold, cb, tasks, names, _models(models), out, kwargs)
        return
    out = out or ProjectPaths.discover().evaluation
    t0 = time.perf_counter()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", LeakageWarning)
        warnings.simplefilter("always", RuntimeWarning)
        result = evaluate_gold(
            c,
            gold,
            cb,
            tasks=tasks,
            models=_models(models),
            curve=curve,
            out=out,
            log=lambda m: console.print(f"[dim]{m}[/dim]"),
            **kwargs,
        )
    _warn_leakage(caught)
    if result.comparison.empty:
        fail("no task had gold labels to evaluate")
    for name, comp in result.comparisons.items():
        _print_comparison(comp.table, name)
    console.print(
        f"Intervals: percentile bootstrap over {resample}s ({n_boot} resamples). "
        f"Took {time.perf_counter() - t0:.0f} s. Tables written to {out}/"
    )


def _runtime_names(runtimes: str) -> list[str]:
    from stance.config import ENCODER_RUNTIMES

    names = [r.strip().lower() for r in runtimes.split(",") if r.strip()]
    if len(names) < 2 or any(r not in ENCODER_RUNTIMES for r in names):
        fail(f"--runtimes needs two or more of {', '.join(ENCODER_RUNTIMES)}, comma-separated; got {runtimes!r}")
    return names


def _compare_runtimes(c, gold, cb, tasks, names: list[str], models, out: Path | None, kwargs: dict[str, Any]) -> None:
    """``stance evaluate --runtimes``: the same evaluation under each encoder runtime, side by side."""
    from stance.evaluation import runtime_parity
    from stance.io import write_frame
    from stance.paths import ProjectPaths

    t0 = time.perf_counter()
    table = runtime_parity(
        c,
        gold,
        cb,
        tasks=tasks,
        runtimes=names,
        models={t: models for t in tasks} if models else None,
        log=lambda m: console.print(f"[dim]{m}[/dim]"),
        **kwargs,
    )
    if table.empty:
        fail("no task had gold labels to evaluate")
    shown = table.assign(same=table["same"].map({True: "yes", False: "NO"}))
    print_frame(shown, title=f"Metrics under each encoder runtime (reference {names[0]}; same = equal to 2 decimals)")
    for runtime in names[1:]:
        differ = table[table[runtime].round(2) != table[names[0]].round(2)]
        verdict = "every metric the same to two decimals" if differ.empty else f"{len(differ)} metric(s) differ"
        console.print(f"{runtime} vs {names[0]}: {verdict} ({len(table)} metrics)")
    out = out or ProjectPaths.discover().build / "evaluation"
    out.mkdir(parents=True, exist_ok=True)
    write_frame(table, out / "runtimes.csv")
    console.print(f"Took {time.perf_counter() - t0:.0f} s. Table written to {out / 'runtimes.csv'}")


def train(
    task: list[str] | None = _TASK,
    force: bool = typer.Option(False, "--force", help="Retrain tasks that already have a default model."),
    models: str | None = typer.Option(
        None, "--models", "-m", help="Comma-separated candidate models. Default: every registered classifier."
    ),
    evaluation: Path | None = typer.Option(
        None,
        "--evaluation",
        help="Reuse the ranking of a stance evaluate run on the same data and --folds. Default: models/evaluation/.",
    ),
    codebook_examples: bool = typer.Option(
        False, "--codebook-examples/--no-codebook-examples", help="Add codebook examples to the training data."
    ),
    n_boot: int = typer.Option(1000, "--n-boot", help="Bootstrap resamples for the intervals in the model card."),
    folds: str = _FOLDS,
    n_splits: int = _MAX_FOLDS,
    param: list[str] | None = _PARAM,
    labels: Path | None = _LABELS,
    corpus: Path | None = _CORPUS,
    codebook: Path | None = _CODEBOOK,
    root: Path | None = typer.Option(None, "--root", help="Model store. Default: models/."),
    seed: int | None = _SEED,
) -> None:
    """Train the default model of each task (frames, stance targets) that has gold labels and no default yet.

    The default is the best model by cross-validated score (near-ties go to the faster
    model), refitted on all gold labels and saved as `models/<task>/<version>/` with its
    model card.
    """
    import pandas as pd

    from stance.codebook import Codebook
    from stance.evaluation import gold_tasks
    from stance.models import default_version, train_defaults

    _check_folds(folds, n_splits)
    cb = Codebook.load(codebook)
    tasks = cb.check_tasks(task, exclude=["roles"]) if task else gold_tasks(cb)
    if not force and all(default_version(t, root) for t in tasks):
        for t in tasks:
            console.print(f"{t}: default {default_version(t, root)} exists (use --force to retrain)")
        return
    from stance.evaluation import LeakageWarning

    c, gold, cb = _inputs(corpus, labels, codebook)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", LeakageWarning)
        results = train_defaults(
            tasks,
            codebook=cb,
            corpus=c,
            gold=gold,
            force=force,
            root=root,
            log=lambda m: console.print(f"[dim]{m}[/dim]"),
            candidates=_models(models),
            params=parse_params(param),
            evaluation=evaluation,
            use_codebook_examples=codebook_examples,
            n_boot=n_boot,
            scheme=folds,
            n_splits=n_splits,
            random_state=seed_or_default(seed),
        )
    _warn_leakage(caught)
    rows = [
        {
            "task": r.task,
            "model": r.model,
            "version": r.version,
            "status": "skipped" if r.skipped else "trained",
            "note": r.reason or (r.reasons[1] if len(r.reasons) > 1 else ""),
        }
        for r in results
    ]
    print_frame(pd.DataFrame(rows), title="Default models")


def benchmark(
    name: str = typer.Argument(..., help="gvfc or semeval2016."),
    data: Path = typer.Option(..., "--data", "-d", help="Benchmark CSV, e.g. ../shared/benchmarks/gvfc/headlines.csv."),
    models: str = typer.Option("tfidf", "--models", "-m", help="Comma-separated models."),
    setting: list[str] | None = typer.Option(
        None,
        "--setting",
        "-s",
        help="gvfc: single-label, multi-label; semeval2016: per-target, joint (repeatable). Default: both.",
    ),
    limit: int | None = typer.Option(None, "--limit", help="Use at most this many rows (smoke runs)."),
    n_boot: int = typer.Option(1000, "--n-boot", help="Bootstrap resamples for the intervals."),
    param: list[str] | None = _PARAM,
    out: Path | None = typer.Option(
        None,
        "--out",
        "-o",
        help="Folder for `<name>.csv` (rows are merged with earlier runs). Default: build/benchmarks/.",
    ),
    seed: int | None = _SEED,
) -> None:
    """Run a public benchmark with the project's training code and print our scores next to the published ones."""
    from stance.benchmarks import PUBLISHED, run_benchmark
    from stance.paths import ProjectPaths

    key = name.lower().replace("-", "").replace("_", "")
    kind = "gvfc" if key == "gvfc" else "semeval2016" if key.startswith("semeval") else None
    if kind is None:
        fail(f"unknown benchmark {name!r}; choose gvfc or semeval2016")
    kwargs: dict[str, Any] = {}
    if setting:
        kwargs["settings" if kind == "gvfc" else "strategies"] = list(setting)
    if out is None:
        refuse_seed_project("benchmark")
    out = out or ProjectPaths.discover().build / "benchmarks"
    t0 = time.perf_counter()
    result = run_benchmark(
        kind,
        data,
        _models(models) or ["tfidf"],
        out=out,
        params=parse_params(param),
        limit=limit,
        n_boot=n_boot,
        random_state=seed_or_default(seed),
        log=lambda m: console.print(f"[dim]{m}[/dim]"),
        **kwargs,
    )
    if kind == "semeval2016":
        overall = result[result["target"] == "all"]
        show = overall.pivot_table(index=["setting", "model"], columns="metric", values="value").reset_index()
        print_frame(show, title="SemEval-2016 stance, test set (F_avg pooled over targets)")
        per = result[(result["metric"] == "f_avg") & (result["target"] != "all")]
        print_frame(
            per.pivot_table(index="target", columns=["setting", "model"], values="value").reset_index(),
            title="F_avg per target",
        )
    else:
        show = result.pivot_table(index=["setting", "model"], columns="metric", values="value").reset_index()
        print_frame(show, title="GVFC headlines, 5-fold CV on the given folds (mean over folds)")
    print_frame(PUBLISHED[PUBLISHED["benchmark"] == kind], title="Published")
    console.print(f"Wall time {time.perf_counter() - t0:.0f} s on {result['cores'].iloc[0]} cores. Results in {out}/")
