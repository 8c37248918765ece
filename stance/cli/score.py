"""``stance score``: score a corpus folder (cached), or stream a large table into a Parquet file."""

from __future__ import annotations

import os
from pathlib import Path

import typer

from stance.cli._common import ENCODER_RUNTIME, console, fail, print_frame, refuse_seed_project

__all__ = ["score"]

_HELP = (
    "Score passages with the default models: frame probabilities and stance per target."
    "\n\n"
    "**A table** (`.csv`, `.jsonl` or `.parquet`, one passage per row in the `text` column) is read in parts of "
    "--chunksize rows, scored and appended to one Parquet file (--out), so memory stays bounded whatever the size "
    "of the input. Each output row has the input `row` number, the input's id column (passage_id, id or doc_id), "
    "any --keep columns, `frames` and `p:<frame>`, `stance:<target>` and `p:<target>:<class>`. A row whose "
    "`analysable` or `on_topic` column (when present; true/false, yes/no, 1/0) is false is not encoded or scored: "
    "it is written with those columns and empty scores. With --split each "
    "row is a document: it is split into paragraphs and headlines, bylines and other boilerplate are left out, as "
    "for a corpus. --engine dask runs the same parts as the partitions of a Dask DataFrame on a local cluster "
    "(--workers processes) or on a running scheduler (--scheduler), with the same output."
    "\n\n"
    "**A corpus folder** (default: the project's first corpus) is scored passage by passage with the score cache "
    "(keyed by model hash and text hash), and printed or written as a long table (or --wide) to `.csv` or `.parquet`."
)


def _stream(
    path: Path,
    out: Path | None,
    task: list[str] | None,
    model: str,
    models_dir: Path | None,
    codebook: Path | None,
    text_column: str,
    id_column: str | None,
    keep: list[str] | None,
    keep_text: bool,
    split: bool,
    chunksize: int,
    engine: str,
    workers: int,
    scheduler: str | None,
) -> None:
    from stance import scoring
    from stance.analysis import MissingModelError
    from stance.io import check_output

    if out is None:
        fail("scoring a table needs --out FILE.parquet")
    replaced = check_output(out, (".parquet",), inputs=[path, codebook, models_dir])
    try:
        models = scoring.resolve_models(task or None, model, codebook=codebook, models_dir=models_dir)
    except MissingModelError as exc:
        fail(f"{exc}; or score with the codebook lexicon: --model lexicon")
    names = ", ".join(
        f"{tm.task} ({tm.backend} {tm.version})" if tm.source == "folder" else f"{tm.task} ({tm.backend})"
        for tm in models
    )
    console.print(f"[bold]Scoring[/bold] {path} -> {out} with {names}", highlight=False, soft_wrap=True)
    run = scoring.score_file(
        path,
        out,
        models=models,
        text_column=text_column,
        id_column=id_column,
        keep=keep or (),
        keep_text=keep_text,
        split=split,
        chunksize=chunksize,
        engine=engine,
        n_workers=workers,
        scheduler=scheduler,
    )
    rate = run.rows_out / run.seconds_score if run.seconds_score > 0 else float("nan")
    console.print(
        f"wrote {run.rows_out} rows ({run.rows_in} input rows, {run.parts} parts, engine {run.engine}) to "
        f"{out}{' (replacing the earlier file)' if replaced else ''} in "
        f"{run.seconds_total:.1f} s ({rate:.0f} passages/s after {run.seconds_load:.1f} s loading models)",
        highlight=False,
    )


def _corpus(
    corpus: Path | None, out: Path | None, task: list[str] | None, wide: bool, gold: bool, no_cache: bool
) -> None:
    """Score every analysable passage of a corpus with the default models (cached by model and text hash)."""
    import pandas as pd

    from stance import analysis
    from stance.codebook import Codebook
    from stance.corpus import load_corpus
    from stance.io import check_output, replaced_note, write_frame
    from stance.paths import ProjectPaths

    paths = ProjectPaths.discover()
    source = corpus if corpus is not None else paths.seeds
    replaced = check_output(out, (".csv", ".parquet"), inputs=[source], paths=paths) if out is not None else False
    codebook = Codebook.load(paths.codebook)
    codebook.check_tasks(task or [], exclude=["roles"])
    loaded = load_corpus(source)
    try:
        scores = analysis.score_passages(loaded, codebook=codebook, tasks=task or None, cache=not no_cache)
    except analysis.MissingModelError as exc:
        fail(str(exc))
    if gold:
        g = analysis.gold_scores(loaded, codebook)
        if len(g):
            scores = pd.concat([scores, g[g["task"].isin(set(scores["task"]))]], ignore_index=True)
    table = analysis.passage_table(scores, loaded, codebook) if wide else scores
    if out is None:
        shown = table.drop(columns=[c for c in ("text",) if c in table.columns])
        print_frame(shown.head(60), title=f"{len(table)} rows (first 60; use --out to save all)")
        return
    write_frame(table, out)
    console.print(f"{replaced_note(out, replaced)} ({len(table)} rows)", highlight=False)


def score(
    source: Path | None = typer.Argument(
        None,
        help="A table (.csv, .jsonl, .parquet) to stream, or a corpus folder. Default: the project's first corpus.",
    ),
    out: Path | None = typer.Option(None, "--out", "-o", help="Output file: .parquet (tables); .csv or .parquet."),
    task: list[str] | None = typer.Option(None, "--task", help="Task to score (repeat). Default: frames and stance."),
    model: str = typer.Option(
        "default",
        "--model",
        "-m",
        help="Tables: `default` (the promoted models), `lexicon` or `zeroshot` (from the codebook, no training), "
        "or a saved model folder (one --task).",
    ),
    models_dir: Path | None = typer.Option(None, "--models-dir", help="Model store. Default: `<project>/models`."),
    codebook: Path | None = typer.Option(None, "--codebook", help="Codebook YAML. Default: codebook/codebook.yaml."),
    text_column: str = typer.Option("text", "--text-column", help="Tables: the column holding the text."),
    id_column: str | None = typer.Option(
        None, "--id-column", help="Tables: id column carried into the output. Default: passage_id, id or doc_id."
    ),
    keep: list[str] | None = typer.Option(None, "--keep", help="Tables: another input column to carry (repeat)."),
    keep_text: bool = typer.Option(False, "--keep-text", help="Tables: write the text too."),
    split: bool = typer.Option(False, "--split", help="Tables: rows are documents; score their paragraphs."),
    chunksize: int = typer.Option(2000, "--chunksize", help="Tables: rows per part (memory grows with it)."),
    engine: str = typer.Option("local", "--engine", help="Tables: `local` (this process) or `dask`."),
    workers: int = typer.Option(2, "--workers", help="Dask: worker processes of the local cluster."),
    scheduler: str | None = typer.Option(
        None,
        "--scheduler",
        help="Dask: address of a running scheduler (e.g. tcp://host:8786) instead of a local "
        "cluster. Its workers must see the input file and the models at the same paths.",
    ),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bar."),
    wide: bool = typer.Option(False, "--wide", help="Corpus: one row per passage with every score and the text."),
    gold: bool = typer.Option(False, "--gold", help="Corpus: append gold labels (source = gold) where they exist."),
    no_cache: bool = typer.Option(False, "--no-cache", help="Corpus: ignore and do not write the score cache."),
    encoder_runtime: str | None = ENCODER_RUNTIME,
) -> None:
    if quiet:
        os.environ["STANCE_QUIET"] = "1"
    if out is not None:
        refuse_seed_project("score -o")
    if source is not None and source.is_file():
        if wide or gold or no_cache:
            fail("--wide, --gold and --no-cache apply to a corpus folder; a table is always written wide, uncached")
        _stream(
            source,
            out,
            task,
            model,
            models_dir,
            codebook,
            text_column,
            id_column,
            keep,
            keep_text,
            split,
            chunksize,
            engine,
            workers,
            scheduler,
        )
        return
    if source is not None and not source.exists():
        fail(f"{source}: no such file or folder")
    if model != "default" or models_dir or codebook or keep or keep_text or split or engine != "local":
        fail(
            "--model, --models-dir, --codebook, --keep, --keep-text, --split and --engine apply to a table "
            "(.csv, .jsonl, .parquet)"
        )
    _corpus(source, out, task, wide, gold, no_cache)


score.__doc__ = _HELP
