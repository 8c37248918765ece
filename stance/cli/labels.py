"""``stance label``: the gold-label store - counts, reliability, adjudication, suggest, import and export.

``app`` is the one ``stance label`` group (``stance label`` alone shows the counts table).
``stance labels`` is a hidden, deprecated name for the same group.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from stance.cli._common import console, err_console, fail, parse_pairs, print_frame, refuse_seed_project

__all__ = ["app", "label_app"]

app = typer.Typer(
    rich_markup_mode="markdown",
    name="label",
    help="Gold labels: counts per label and document, coder reliability, adjudication, passages to label next "
    "(suggest), import and export (CSV, Label Studio, Prodigy/doccano).",
    invoke_without_command=True,
    add_completion=False,
)
label_app = app  # the former name of the group

_STORE = typer.Option(
    None, "--store", "-s", help="Label store (JSONL). Default: the project's (labels/labels.jsonl after stance init)."
)
_CORPUS = typer.Option(
    None, "--corpus", help="Corpus folder or table. Default: the corpus beside the store, else the project's corpora."
)
_CODEBOOK = typer.Option(None, "--codebook", help="Codebook YAML. Default: the project's codebook.")
_ANNOTATOR = typer.Option("gold", "--annotator", "-a", help="Whose labels (default: gold).")
_DOCUMENTS = typer.Option(
    False, "--documents", help="List every document, however many (default: counts by group above 30 documents)."
)
_CODERS = typer.Option(
    None,
    "--coders",
    help="The two coders to compare, e.g. coder_a,coder_b (default: coder_a,coder_b, or the only "
    "two non-gold annotators). Join annotators with + to read them as one coder, e.g. "
    "coder_c+coder_d+coder_a,coder_e.",
)
_ROUND = typer.Option(None, "--round", help="Only records of this coding round.")


# ------------------------------------------------------------------------------ helpers
def _store(store: Path | None, codebook: Path | None = None) -> Any:
    from stance.labels import LabelStore

    cb = _codebook(codebook) if codebook is not None else None
    return LabelStore(store, codebook=cb)


def _codebook(path: Path | None, store: Any = None) -> Any:
    from stance.codebook import cached_codebook

    if path is not None:
        return cached_codebook(path)
    if store is not None and store.codebook is not None:
        return store.codebook
    return cached_codebook()


def _corpus(path: Path | None, store: Any) -> Any:
    import warnings

    from stance.corpus import load_corpus
    from stance.labels.store import load_corpus_for

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return load_corpus(path) if path is not None else load_corpus_for(store.path)


def _coders(value: str | None) -> tuple[str, str] | None:
    if not value:
        return None
    names = [c.strip() for c in value.split(",") if c.strip()]
    if len(names) != 2:
        fail(f"--coders needs two names separated by a comma, got {value!r}")
    return names[0], names[1]


def _print_report(report: Any) -> None:
    for note in report.warnings:
        err_console.print(f"[yellow]note:[/yellow] {note}", highlight=False, soft_wrap=True)
    table = report.to_frame()
    changed = table[table["status"] == "changed"]
    if len(changed):
        print_frame(changed, title="Changed labels (the earlier records stay in the history)")
    if report.unchanged:
        console.print(
            f"{len(report.unchanged)} record(s) repeat labels already stored or given earlier in the "
            "input; nothing was written for them",
            highlight=False,
        )
    console.print(report.summary(), highlight=False)


MAX_DOCUMENT_ROWS = 30
"""Above this many documents, label counts are shown by side and year instead of per document."""


def _show(
    store: Path | None, annotator: str, corpus: Path | None, codebook: Path | None, documents: bool = False
) -> None:
    from stance.labels import document_counts, label_counts
    from stance.labels.store import group_counts

    st = _store(store, codebook)
    cb = _codebook(codebook, st)
    if not st.path.is_file():
        fail(f"no label store at {st.path}; add labels with `stance label import FILE --annotator NAME`")
    res = st.resolved(annotator, cb)
    records = st.records()
    by_ann: dict[str, int] = {}
    for r in records:
        by_ann[str(r.get("annotator"))] = by_ann.get(str(r.get("annotator")), 0) + 1
    console.print(
        f"{st.path}: {len(records)} record(s); "
        + ", ".join(f"{a}: {n}" for a, n in sorted(by_ann.items()))
        + f"; {len(res)} passage(s) labelled by {annotator}",
        highlight=False,
    )
    if res.empty:
        fail(f"no labels by {annotator!r} (annotators: {', '.join(sorted(by_ann)) or 'none'})", code=1)
    counts = label_counts(res, cb)
    print_frame(counts.drop(columns="rare"), title=f"Labels of {annotator}: positives per label")
    try:
        corp = _corpus(corpus, st)
    except Exception as exc:  # the counts still make sense without the corpus
        err_console.print(f"[yellow]note:[/yellow] corpus not loaded ({exc})", highlight=False)
        corp = None
    per_document = document_counts(res, cb, corp)
    if len(per_document) > MAX_DOCUMENT_ROWS and not documents:
        if corp is not None:
            print_frame(group_counts(res, cb, corp), title=f"Positives per label by side and year ({annotator})")
        print_frame(
            per_document.head(10),
            title=f"First 10 of {len(per_document)} documents (--documents lists all)",
        )
    else:
        print_frame(per_document, title="Passages labelled and frame positives per document")
    coded_tasks = set(counts.loc[counts["coded"] > 0, "task"])
    rare = counts[counts["rare"] & counts["task"].isin(coded_tasks)]
    for task, group in rare.groupby("task", sort=False):
        listed = ", ".join(f"{r.label} ({r.positives})" for r in group.itertuples(index=False))
        err_console.print(
            f"[yellow]warning:[/yellow] {task}: fewer than 5 positives, too few to train or evaluate reliably: "
            f"{listed}",
            highlight=False,
            soft_wrap=True,
        )
    if corp is not None:
        stale = st.stale(corp)
        if len(stale):
            err_console.print(
                f"[yellow]warning:[/yellow] {stale['passage_id'].nunique()} labelled passage(s) are no longer in the "
                "corpus; see `stance label reanchor --dry-run`",
                highlight=False,
            )


# ------------------------------------------------------------------------------ commands
@app.callback()
def _labels(ctx: typer.Context) -> None:
    """Gold labels: counts per label and document (as `label show`), reliability, adjudication, import, export."""
    if ctx.info_name == "labels":
        err_console.print(
            "[yellow]note:[/yellow] `stance labels` is now `stance label`; the old name will go", highlight=False
        )
    from stance.cli._common import announce_project

    announce_project(f"label {ctx.invoked_subcommand or 'show'}")
    if ctx.invoked_subcommand is None:
        _show(None, _ANNOTATOR.default, None, None)


@app.command("show")
def show(
    store: Path | None = _STORE,
    annotator: str = _ANNOTATOR,
    corpus: Path | None = _CORPUS,
    codebook: Path | None = _CODEBOOK,
    documents: bool = _DOCUMENTS,
) -> None:
    """Counts per label, then per group of documents (all documents with --documents); warns about rare labels."""
    _show(store, annotator, corpus, codebook, documents)


@app.command("history")
def history(
    passage_id: str = typer.Argument(..., help="Passage id."),
    store: Path | None = _STORE,
    annotator: str | None = typer.Option(None, "--annotator", "-a", help="Only this annotator's records."),
) -> None:
    """Every record about one passage, oldest first (superseded records included)."""
    import pandas as pd

    st = _store(store)
    recs = st.history(passage_id, annotator)
    if not recs:
        fail(f"no records for {passage_id!r} in {st.path}", code=1)
    cols = ["timestamp", "annotator", "kind", "round", "record_id", "fields", "frames", "stance", "roles", "reason"]
    frame = pd.DataFrame(recs).reindex(columns=cols)
    print_frame(frame.astype(object).where(frame.notna(), ""), title=f"History of {passage_id}")


@app.command("reliability")
def reliability(
    store: Path | None = _STORE,
    coders: str | None = _CODERS,
    round: int | None = _ROUND,
    codebook: Path | None = _CODEBOOK,
    out: Path | None = typer.Option(None, "--out", "-o", help="Also write the table to this CSV file."),
    intervals: bool = typer.Option(
        False, "--intervals", help="Add a 95% interval for alpha from 1,000 bootstrap resamples of passages."
    ),
) -> None:
    """Krippendorff's alpha and percent agreement per frame, stance target and role between two coders."""
    from stance.io import atomic_write, check_output, replaced_note
    from stance.labels import reliability_table

    if out is not None:
        refuse_seed_project("label reliability -o")
    st = _store(store, codebook)
    replaced = check_output(out, [".csv"], inputs=[st.path, codebook]) if out is not None else False
    table = reliability_table(st, _codebook(codebook, st), coders=_coders(coders), round=round, intervals=intervals)
    if table.empty:
        fail(
            "no passage is coded by two coders; import each coder's labels with "
            "`stance label import FILE --annotator NAME`",
            code=1,
        )
    a, b = table.attrs.get("coders", ["a", "b"])
    print_frame(table, title=f"Reliability: {a} (a) vs {b} (b); alpha >= 0.8 reliable, >= 0.667 tentative")
    if out is not None:
        atomic_write(out, table.to_csv(index=False, lineterminator="\n", float_format="%.4f"))
        console.print(replaced_note(out, replaced), highlight=False)


@app.command("disagreements")
def disagreements_cmd(
    store: Path | None = _STORE,
    coders: str | None = _CODERS,
    round: int | None = _ROUND,
    corpus: Path | None = _CORPUS,
    codebook: Path | None = _CODEBOOK,
    out: Path | None = typer.Option(
        None,
        "--out",
        "-o",
        help="Write a CSV to adjudicate: fill in 'decision' and 'reason', then `stance label adjudicate FILE`.",
    ),
) -> None:
    """Units where two coders differ, with both codings."""
    from stance.io import atomic_write, check_output, replaced_note
    from stance.labels import disagreements

    if out is not None:
        refuse_seed_project("label disagreements -o")
    st = _store(store, codebook)
    replaced = check_output(out, [".csv"], inputs=[st.path, corpus, codebook]) if out is not None else False
    table = disagreements(st, _codebook(codebook, st), coders=_coders(coders), corpus=_corpus(corpus, st), round=round)
    shown = table[["passage_id", "field", "annotator_a", "value_a", "annotator_b", "value_b"]]
    print_frame(shown, title=f"{len(table)} disagreement(s)")
    if out is not None:
        atomic_write(out, table.to_csv(index=False, lineterminator="\n"))
        console.print(
            f"{replaced_note(out, replaced)}: fill in decision and reason, then run `stance label adjudicate {out}`",
            highlight=False,
        )


@app.command("adjudicate")
def adjudicate_cmd(
    decisions: Path | None = typer.Argument(
        None,
        help="Filled-in disagreements CSV (passage_id, field, decision, reason). Without it only passages the "
        "coders agree on entirely become gold.",
    ),
    store: Path | None = _STORE,
    coders: str | None = _CODERS,
    round: int | None = _ROUND,
    annotator: str = typer.Option("gold", "--annotator", "-a", help="Annotator of the adjudicated records."),
    corpus: Path | None = _CORPUS,
    codebook: Path | None = _CODEBOOK,
    dry_run: bool = typer.Option(False, "--dry-run", help="Check and report without writing."),
) -> None:
    """Write gold records: agreed labels plus resolved disagreements, referencing both codings."""
    from stance.labels import adjudicate

    st = _store(store, codebook)
    report = adjudicate(
        st,
        decisions,
        _codebook(codebook, st),
        coders=_coders(coders),
        corpus=_corpus(corpus, st),
        annotator=annotator,
        round=round,
        dry_run=dry_run,
    )
    _print_report(report)


def export_cmd(
    format: str = typer.Option("csv", "--format", "-f", help="csv, labelstudio, prodigy, doccano or jsonl."),
    out: Path = typer.Option(
        ..., "--out", "-o", help="Output file (Label Studio also gets `<stem>.xml`, the labelling interface)."
    ),
    n: int | None = typer.Option(None, "--n", "-n", help="Export a random sample of N passages (seeded)."),
    ids: list[str] | None = typer.Option(None, "--ids", help="Passage ids to export (repeatable or comma-separated)."),
    annotator: str = typer.Option("gold", "--annotator", "-a", help="Whose labels to include (default: gold)."),
    blank: bool = typer.Option(False, "--blank", help="Export passages without labels (tasks to code)."),
    labelled_only: bool = typer.Option(False, "--labelled", help="Only passages the annotator has labelled."),
    seed: int = typer.Option(0, "--seed", help="Random seed for --n."),
    store: Path | None = _STORE,
    corpus: Path | None = _CORPUS,
    codebook: Path | None = _CODEBOOK,
) -> None:
    """Write passages (with labels) for a spreadsheet, Label Studio, Prodigy or doccano."""
    from stance.labels import export_labels

    st = _store(store, codebook)
    id_list = [i.strip() for item in ids or [] for i in item.split(",") if i.strip()]
    table = export_labels(
        out,
        format,
        st,
        _corpus(corpus, st),
        _codebook(codebook, st),
        annotator=None if blank else annotator,
        ids=id_list or None,
        n=n,
        labelled_only=labelled_only,
        random_state=seed,
    )
    extra = f" and the labelling interface {out.with_suffix('.xml')}" if format == "labelstudio" else ""
    again = " (replacing the earlier file)" if table.attrs.get("replaced") else ""
    console.print(
        f"wrote {len(table)} passage(s) ({int(table['labelled'].sum())} with labels) to {out}{again}{extra}",
        highlight=False,
    )


def _table_target(add_to: Path | None) -> Path | None:
    """The table corpus that receives new passages: --add-to, else the project's first CSV or JSONL corpus table."""
    from stance.paths import ProjectPaths

    if add_to is not None:
        return add_to
    tables = [c for c in ProjectPaths.discover().corpora if c.suffix.lower() in {".csv", ".jsonl", ".ndjson"}]
    return tables[0] if tables else None


def _import_table(file: Path, spec: Any, st: Any, cb: Any, corpus: Path | None, add_to: Path | None, **kw: Any) -> None:
    from stance.labels.tables import import_table
    from stance.paths import ProjectPaths

    target = _table_target(add_to)
    corpora = [corpus] if corpus is not None else list(ProjectPaths.discover().corpora)
    report, added = import_table(file, spec, st, cb, corpora=corpora, add_to=target, **kw)
    if added:
        verb = "would add" if kw.get("dry_run") else "added"
        console.print(f"{verb} {added} new passage(s) to the corpus table {target}", highlight=False)
    _print_report(report)


_TABLE_HELP = "Labelled table (with --text-column): "


def import_cmd(
    file: Path = typer.Argument(
        ...,
        help="Label file: CSV, Label Studio JSON export, Prodigy/doccano JSONL, or label-store JSONL; with "
        "--text-column, any labelled table (CSV, TSV, JSONL, Parquet).",
    ),
    annotator: str | None = typer.Option(
        None, "--annotator", "-a", help="Annotator of every record (needed when the file does not name one)."
    ),
    format: str = typer.Option("auto", "--format", "-f", help="auto, csv, labelstudio, prodigy or jsonl."),
    round: int | None = typer.Option(None, "--round", help="Coding round of the records (default 1)."),
    kind: str = typer.Option("import", "--kind", help="Record kind: import, annotation or adjudication."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Check and report without writing."),
    text_column: str | None = typer.Option(
        None,
        "--text-column",
        help="Read FILE as a labelled table (CSV, TSV, JSONL, Parquet) with passage texts in this column. Texts "
        "are matched to the corpus by text hash; new ones are added to the project's table corpus.",
    ),
    label_column: list[str] | None = typer.Option(
        None,
        "--label-column",
        help=_TABLE_HELP + "the column of label names (several joined by ; or |). Repeat it for a first and a "
        "second label column; their labels are combined.",
    ),
    label_columns: str | None = typer.Option(
        None,
        "--label-columns",
        help=_TABLE_HELP + "instead of --label-column, one column per frame (comma-separated) holding 1/0, "
        "true/false or yes/no.",
    ),
    id_column: str | None = typer.Option(
        None, "--id-column", help=_TABLE_HELP + "document id of new passages. Default: t + 12 hex of the text hash."
    ),
    mapping: list[str] | None = typer.Option(
        None, "--map", help=_TABLE_HELP + "VALUE=NAME: a table value (or column) to a codebook label (repeatable)."
    ),
    none: list[str] | None = typer.Option(
        None,
        "--none",
        help=_TABLE_HELP + "a value meaning no label applies (repeatable; 'none' always does; --none '' for empty "
        "cells). Such rows are stored as coded with no frame.",
    ),
    document_column: list[str] | None = typer.Option(
        None,
        "--document-column",
        help=_TABLE_HELP + "COLUMN or COLUMN=FIELD: copy a column into the corpus table as document metadata of "
        "new passages, e.g. --document-column date=published (dates make the figures over time), "
        "--document-column outlet, or a column of your own such as --document-column fold (folds can group by "
        "it: --folds group:fold). Repeatable.",
    ),
    task: str = typer.Option(
        "frames",
        "--task",
        "-t",
        help=_TABLE_HELP + "what the labels are: frames, or stance:TARGET for one stance target's classes.",
    ),
    add_to: Path | None = typer.Option(
        None,
        "--add-to",
        help=_TABLE_HELP + "CSV or JSONL table corpus for new texts. Default: the project's first corpus table "
        "(corpus/passages.csv in a project made by stance init).",
    ),
    store: Path | None = _STORE,
    corpus: Path | None = _CORPUS,
    codebook: Path | None = _CODEBOOK,
) -> None:
    """Import labels, all or nothing; reports added, changed and unchanged records.

    A labelled table of your own (e.g. `sentence,label`) needs --text-column and --label-column
    (or --label-columns), and --annotator: `stance label import sentences.csv --text-column sentence
    --label-column label --annotator gold`. On any problem nothing is written, neither labels nor
    passages, and the message names the file, line and column.
    """
    from stance.labels import import_labels

    st = _store(store, codebook)
    table_only = {
        "--label-column": label_column,
        "--label-columns": label_columns,
        "--id-column": id_column,
        "--map": mapping,
        "--none": none,
        "--add-to": add_to,
        "--document-column": document_column,
    }
    if text_column is None:
        given = [name for name, value in table_only.items() if value]
        if given:
            fail(f"{', '.join(given)} read a labelled table: give its text column with --text-column")
    else:
        from stance.labels.tables import TableSpec

        if not annotator:
            fail("a labelled table needs --annotator (e.g. --annotator gold for the labels models train on)")
        spec = TableSpec(
            text_column=text_column,
            label_column=tuple(label_column or ()),
            label_columns=tuple(c.strip() for c in (label_columns or "").split(",") if c.strip()),
            id_column=id_column,
            mapping=parse_pairs(mapping, "--map", "VALUE=NAME"),
            none_values=("none", *(none or [])),
            task=task,
            document_columns={
                src.strip(): (dst or src).strip()
                for src, _, dst in (item.partition("=") for item in document_column or [])
            },
        )
        _import_table(
            file,
            spec,
            st,
            _codebook(codebook, st),
            corpus,
            add_to,
            annotator=annotator,
            round=round,
            kind=kind,
            dry_run=dry_run,
        )
        return
    report = import_labels(
        file,
        st,
        _corpus(corpus, st),
        _codebook(codebook, st),
        annotator=annotator,
        format=format,
        round=round,
        kind=kind,
        dry_run=dry_run,
    )
    _print_report(report)


def reanchor_cmd(
    mapping: list[str] | None = typer.Option(
        None, "--map", help="OLD_ID=NEW_ID: carry labels of an edited passage over to its new id (repeatable)."
    ),
    dry_run: bool = typer.Option(False, "--dry-run", help="List stale passages and what would be done."),
    store: Path | None = _STORE,
    corpus: Path | None = _CORPUS,
    codebook: Path | None = _CODEBOOK,
) -> None:
    """Re-attach labels of passages whose ids changed (moved text automatically; edited text with --map)."""
    st = _store(store, codebook)
    pairs = parse_pairs(mapping, "--map", "OLD_ID=NEW_ID")
    corp = _corpus(corpus, st)
    stale = st.stale(corp)
    if len(stale):
        print_frame(stale, title="Labelled passages no longer in the corpus")
    report = st.reanchor(corp, _codebook(codebook, st), pairs, dry_run=dry_run)
    left = stale[(stale["status"] != "moved") & ~stale["passage_id"].isin(pairs)]
    for row in left.itertuples(index=False):
        hint = f" (candidate: --map {row.passage_id}={row.new_passage_id})" if row.new_passage_id else ""
        err_console.print(
            f"[yellow]note:[/yellow] {row.passage_id} is {row.status}; not re-anchored{hint}", highlight=False
        )
    _print_report(report)


def _suggest_model(task: str, codebook: Any, root: Path | None, texts: list[str]) -> tuple[Any, str]:
    """The task's default model, else a lexicon model from the codebook's cue phrases."""
    from stance.models import default_version, load_default

    try:
        model = load_default(task, root, codebook=codebook)
        return model, f"the default model {task} {default_version(task, root)} ({getattr(model, 'backend', '')})"
    except FileNotFoundError:
        from stance.classifiers import make_classifier

        model = make_classifier("lexicon", task, codebook, calibration=None, threshold=0.5).fit(texts)
        return model, "the codebook's cue phrases (lexicon; no default model yet, train one with `stance train`)"


def suggest_cmd(
    n: int = typer.Option(20, "--n", "-n", help="How many passages to suggest."),
    task: str = typer.Option(
        "frames", "--task", "-t", help="Task whose model ranks the passages: frames or `stance:<target>`."
    ),
    format: str = typer.Option(
        "csv",
        "--format",
        "-f",
        help="csv (fill in and import) or labelstudio (tasks plus the labelling interface `<stem>.xml`).",
    ),
    out: Path = typer.Option(..., "--out", "-o", help="Output file."),
    diversity: float = typer.Option(
        0.5,
        "--diversity",
        help="Weight of dissimilarity against uncertainty (0 = most uncertain first, near-duplicates still skipped).",
    ),
    root: Path | None = typer.Option(None, "--root", help="Model store. Default: models/."),
    store: Path | None = _STORE,
    corpus: Path | None = _CORPUS,
    codebook: Path | None = _CODEBOOK,
) -> None:
    """Suggest unlabelled passages worth labelling next: the model's most uncertain, without near-duplicates.

    Candidates are the analysable passages of the corpus that no annotator has coded for the
    task. The task's default model scores them (without one, the codebook's cue phrases do);
    passages are picked greedily by uncertainty (closeness to a decision threshold, or the margin
    between the two likeliest classes) minus their similarity to passages already picked, and
    near-duplicates are skipped. The file is a blank task list for `stance label import`.
    """
    from stance.active import export_suggestions, suggest
    from stance.labels.store import coded

    if format not in ("csv", "labelstudio"):
        fail(f"--format must be csv or labelstudio, got {format!r}")
    if n < 1:
        fail("--n must be at least 1")
    st = _store(store, codebook)
    cb = _codebook(codebook, st)
    if task not in cb.tasks or task == "roles":
        fail(f"unknown task {task!r}; choose from: {', '.join(t for t in cb.tasks if t != 'roles')}")
    corp = _corpus(corpus, st)
    pool = corp.analysable()
    done: set[str] = set()
    if st.path.is_file():
        res = st.resolved(None, cb)
        if len(res):
            done = set(res.loc[coded(res, cb, task).to_numpy(dtype=bool), "passage_id"].astype(str))
    model, source = _suggest_model(task, cb, root, pool["text"].astype(str).tolist())
    table = suggest(model, pool, n=n, exclude_ids=sorted(done), diversity=diversity)
    left = int((~pool["passage_id"].isin(done)).sum())
    if table.empty:
        fail(f"no unlabelled analysable passage left for {task} ({len(done)} coded)", code=1)
    exported = export_suggestions(out, table, format, st, corp, cb)
    shown = table[["rank", "passage_id", "uncertainty", "max_similarity"]].copy()
    shown["text"] = [t if len(t) <= 70 else t[:69] + "…" for t in table["text"].astype(str)]
    print_frame(shown, title=f"{len(table)} of {left} unlabelled passages, ranked by {source}")
    extra = f" and the labelling interface {out.with_suffix('.xml')}" if format == "labelstudio" else ""
    again = " (replacing the earlier file)" if exported.attrs.get("replaced") else ""
    console.print(
        f"wrote {out}{again}{extra}; label them, then run `stance label import {out} --annotator NAME`", highlight=False
    )


app.command("export")(export_cmd)
app.command("import")(import_cmd)
app.command("reanchor")(reanchor_cmd)
app.command("suggest")(suggest_cmd)
