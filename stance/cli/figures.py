"""``stance figures``: regenerate the figures."""

from __future__ import annotations

import os
import time
from pathlib import Path

import typer

from stance.cli._common import ENCODER_RUNTIME, console, err_console, fail

__all__ = ["figures"]


def _train_missing(tasks: list[str], codebook: object) -> None:
    """Train the default models of ``tasks`` that have none (``stance train``)."""
    from stance import models as store

    console.print(f"[bold]Training missing default models:[/bold] {', '.join(tasks)}")
    start = time.perf_counter()
    results = store.train_defaults(tasks, codebook=codebook, log=lambda msg: console.print(f"  {msg}", highlight=False))
    for r in results:
        if getattr(r, "skipped", False) and getattr(r, "reason", "") != "a default model exists":
            err_console.print(f"  [yellow]{r.task}: not trained ({r.reason})[/yellow]", highlight=False)
    console.print(f"  trained in {time.perf_counter() - start:.0f} s")


def default_jobs() -> int:
    """Figure processes by default: the cores this process may use, at most 4."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    return max(1, min(4, cores))


def figures(
    only: list[str] | None = typer.Option(
        None, "--only", help="Build only this figure (repeat for several). Default: every figure."
    ),
    out: Path | None = typer.Option(None, "--out", help="Output folder. Default: `<project>/figures`."),
    corpus: Path | None = typer.Option(
        None, "--corpus", help="Corpus folder or table. Default: the whole project corpus."
    ),
    labels: Path | None = typer.Option(
        None, "--labels", help="Gold label store (JSONL) of the figures that show gold labels. Default: the project's."
    ),
    train: bool = typer.Option(True, "--train/--no-train", help="Train missing default models first."),
    list_only: bool = typer.Option(False, "--list", help="List the figures with a one-line reading guide and exit."),
    encoder_runtime: str | None = ENCODER_RUNTIME,
    jobs: int | None = typer.Option(
        None,
        "--jobs",
        "-j",
        min=1,
        help="Processes that build figures in parallel (the files do not depend on it). Default: the CPU cores "
        "this process may use, at most 4.",
    ),
) -> None:
    """Regenerate the figures (PNG, SVG and the CSV of the numbers drawn) from the project's corpus, labels and models.

    Missing default models are trained first. Scores are cached by model and text hash,
    so a re-run loads no model and takes seconds. A figure whose input is missing (the
    evaluation tables, the label store) is reported with the command that makes it, and the
    command exits with status 1 after building the others.
    """
    os.environ.setdefault("MPLBACKEND", "Agg")
    from stance import analysis
    from stance import figures as registry

    specs = registry.available()
    if list_only:
        for name, spec in specs.items():
            kind = "" if spec.kind == "figure" else " (CSV)"
            console.print(f"[cyan]{name}[/cyan]{kind}  {spec.description}", highlight=False)
        return
    unknown = [n for n in only or [] if n not in specs]
    if unknown:
        fail(f"unknown figure(s): {', '.join(unknown)}. Known: {', '.join(specs)}")

    start = time.perf_counter()
    loaded = None
    if corpus is not None:
        from stance.corpus import load_corpus

        loaded = load_corpus(corpus)
    context = registry.FigureContext(loaded, labels=labels)
    tasks = context.tasks
    missing = [
        t
        for t, ref in zip(tasks, [analysis.default_model_dir(t, context.models_dir) for t in tasks], strict=True)
        if ref is None
    ]
    if missing and train:
        _train_missing(missing, context.codebook)
    target = out if out is not None else context.paths.figures
    console.print(f"[bold]Figures[/bold] -> {target}", highlight=False)

    no_store = not context.labels_path.is_file()
    if no_store:
        err_console.print(
            f"[yellow]warning:[/yellow] no label store at {context.labels_path}: figures that show gold labels are "
            "drawn without them, with a note in their caption; add labels with `stance label import`",
            highlight=False,
            soft_wrap=True,
        )
    without_gold: list[str] = []
    said: set[str] = set()  # a reason to skip is printed once

    def report(result: registry.FigureResult, index: int, total: int) -> None:
        if no_store and result.read_gold:
            without_gold.append(result.name)
        colour = {"written": "green", "unchanged": "dim", "skipped": "dim", "missing-input": "yellow", "failed": "red"}[
            result.status
        ]
        status = f"[{colour}]{result.status:<13}[/{colour}]"
        line = f"  [{index:>2}/{total}] {result.name:<28} {status} {result.seconds:5.1f} s"
        console.print(line, highlight=False)
        if result.message and not (result.status == "skipped" and result.message in said):
            err_console.print(f"         {result.message}", highlight=False, soft_wrap=True)
        said.add(result.message)

    results = registry.generate(only or None, target, context=context, on_result=report, jobs=jobs or default_jobs())
    bad = [r for r in results if r.status in ("missing-input", "failed")]
    written = sum(r.status == "written" for r in results)
    skipped = [r.name for r in results if r.status == "skipped"]
    not_for = f"; {len(skipped)} not drawn for this corpus or codebook" if skipped else ""
    console.print(
        f"{len(results) - len(bad) - len(skipped)} of {len(results)} built ({written} changed){not_for} in "
        f"{time.perf_counter() - start:.1f} s",
        highlight=False,
    )
    if without_gold:
        err_console.print(
            f"[yellow]drawn without gold labels[/yellow] (no label store): {', '.join(without_gold)}",
            highlight=False,
            soft_wrap=True,
        )
    if bad:
        raise typer.Exit(1)
