"""``stance corpus`` and ``stance codebook``."""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import pandas as pd
import typer

from stance.cli._common import console, fail, print_frame

__all__ = ["codebook", "corpus"]

MAX_ROWS = 30
"""Summaries longer than this print counts by group and the first rows instead."""


def _snapshot_path(source: Path) -> Path:
    from hashlib import sha256

    from stance.config import settings

    key = sha256(str(source.resolve()).encode()).hexdigest()[:12]
    return settings().cache_dir / "passages" / f"{key}.json"


def corpus(
    path: Path | None = typer.Argument(
        None,
        help="Corpus folder with manifest.csv, or a table (CSV, TSV, JSONL, Parquet; one row per document: doc_id "
        "and text, optional published, title, outlet, author, url, language, country, kind, side). Default: the "
        "whole project corpus (stance.toml corpora, else every folder under seeds/ with a manifest).",
    ),
    documents: bool = typer.Option(False, "--documents", help="List every document, however many there are."),
    passages: bool = typer.Option(
        False, "--passages", help="Also list every passage with its id and boilerplate reason."
    ),
    set_aside: bool = typer.Option(
        False, "--set-aside", help="List the passages marked as boilerplate, with the reason."
    ),
) -> None:
    """Validate a corpus and print a summary: documents, dates, passages, words.

    Also reports which passage ids changed since the last run (edited, moved, added or
    removed paragraphs), so labels can be re-anchored.
    """
    from stance.corpus import diff_passages, load_corpus, load_project_corpus

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        c = load_corpus(path) if path is not None else load_project_corpus()
    for w in caught:
        console.print(f"[yellow]warning:[/yellow] {w.message}", soft_wrap=True)
    summary = c.summary()
    cols = ["doc_id", "published", "outlet", "passages", "analysable", "sentences", "words"]
    if len(summary) > MAX_ROWS and not documents:
        print_frame(c.group_summary(), title=f"Corpus {c.source}: by corpus, side and kind")
        print_frame(summary[cols].head(10), title=f"First 10 of {len(summary)} documents (--documents lists all)")
    else:
        print_frame(summary[cols], title=f"Corpus {c.source}")
    n_aside = int((~c.passages["analysable"]).sum())
    n_kept = int(c.passages["analysable"].sum())
    first, last = summary["published"].min(), summary["published"].max()
    console.print(
        f"{len(c.documents)} documents, {first:%Y-%m-%d} to {last:%Y-%m-%d}; "
        f"{len(c.passages)} passages ({n_kept} analysable, {n_aside} set aside as boilerplate); "
        f"{int(summary['words'].sum())} words."
        if summary["published"].notna().any()
        else f"{len(c.documents)} documents; {len(c.passages)} passages; {int(summary['words'].sum())} words."
    )
    if set_aside or passages:
        rows = c.passages if passages else c.passages[~c.passages["analysable"]]
        show = rows[["passage_id", "reason", "text"]].copy()
        show["text"] = show["text"].str.slice(0, 70)
        print_frame(show, title="Passages" if passages else "Set aside as boilerplate")
    snap = _snapshot_path(c.source)
    current = c.passages[["passage_id", "doc_id", "para_index", "text_hash"]]
    if snap.is_file():
        old = pd.DataFrame(json.loads(snap.read_text(encoding="utf-8")))
        diff = diff_passages(old, current)
        changed = diff[diff["status"] != "unchanged"]
        if changed.empty:
            console.print("Passage ids: unchanged since the last run.")
        else:
            console.print(f"[yellow]Passage ids changed since the last run ({len(changed)}):[/yellow]")
            if len(changed) > MAX_ROWS and not passages:
                counts = changed.groupby("status", sort=True).size().rename("passages").reset_index()
                print_frame(counts, title="Changed passage ids by status")
                print_frame(changed.head(10), title=f"First 10 of {len(changed)} (--passages lists all)")
            else:
                print_frame(changed)
    from stance.io import atomic_write

    atomic_write(snap, json.dumps(current.to_dict("list")))


def codebook(
    path: Path | None = typer.Argument(None, help="Codebook YAML. Default: codebook/codebook.yaml."),
    check: bool = typer.Option(
        False, "--check", help="Validate only; exit non-zero with file, line and field on error."
    ),
    full: bool = typer.Option(False, "--full", help="Print rules, cues and examples for every label."),
) -> None:
    """Print the codebook (labels and definitions), or validate it with --check."""
    from stance.codebook import Codebook

    cb = Codebook.load(path)
    if check:
        n = {task: len(cb.task_labels(task)) for task in cb.tasks}
        console.print(
            f"[green]ok[/green] {cb.path}: codebook {cb.name!r} v{cb.version}, hash {cb.hash[:12]}; "
            + ", ".join(f"{task}: {k} labels, {cb.task_type(task)}" for task, k in n.items())
            + f"; {len(cb.actors)} actors"
        )
        return
    console.print(f"[bold]{cb.name}[/bold] v{cb.version} (hash {cb.hash[:12]})")
    if cb.description:
        console.print(cb.description, soft_wrap=True)
    for task in cb.tasks:
        rows = []
        for lab in cb.labels(task):
            rows.append(
                {
                    "label": lab.name,
                    "definition": lab.definition if full else lab.definition[:110],
                    "cues": len(lab.cues),
                    "examples": f"{len(lab.positive_examples)}+/{len(lab.negative_examples)}-",
                }
            )
        print_frame(pd.DataFrame(rows), title=f"{task} ({cb.task_type(task)})")
        if full:
            for lab in cb.labels(task):
                console.print(f"[bold]{task} / {lab.name}[/bold]")
                for rule in lab.include:
                    console.print(f"  + {rule}", soft_wrap=True)
                for rule in lab.exclude:
                    console.print(f"  - {rule}", soft_wrap=True)
                if lab.cues:
                    console.print(f"  cues: {', '.join(lab.cues)}", soft_wrap=True)
    if cb.actors:
        print_frame(
            pd.DataFrame(
                [{"actor": a.name, "display": a.display, "aliases": ", ".join(a.aliases[:8])} for a in cb.actors]
            ),
            title="actors",
        )
    if not cb.tasks:
        fail("codebook defines no tasks")
