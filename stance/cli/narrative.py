"""``stance narrative``: actors, their roles, and who blames or cooperates with whom."""

from __future__ import annotations

from pathlib import Path

import typer

from stance.cli._common import console, fail, parse_pairs, print_frame, refuse_seed_project

__all__ = ["app"]

app = typer.Typer(
    rich_markup_mode="markdown",
    name="narrative",
    help="Actors, their roles (protagonist / antagonist / innocent / none) and who blames or cooperates with whom.",
    no_args_is_help=True,
    add_completion=False,
)

_PATH = typer.Argument(
    None, help="Corpus folder with manifest.csv, or a CSV/JSONL/Parquet table. Default: the project's first corpus."
)
_ALIAS = typer.Option(
    None,
    "--alias",
    "-a",
    help="Map an entity to an actor, e.g. --alias 'Qin Gang=china' (repeatable); '=ignore' hides it.",
)
_OUT = typer.Option(None, "--out", "-o", help="Also write the full table to this CSV file.")


def _aliases(items: list[str] | None) -> dict[str, str]:
    return parse_pairs(items, "--alias", "the form 'Entity name=actor'")


def _window(sentence: str, entity: str, width: int = 40) -> str:
    """The part of ``sentence`` around ``entity`` (at most about 2 * width characters)."""
    i = sentence.find(entity)
    if i < 0:
        return sentence[: 2 * width]
    start, end = max(0, i - width), min(len(sentence), i + len(entity) + width)
    return ("..." if start else "") + sentence[start:end] + ("..." if end < len(sentence) else "")


def _corpus(path: Path | None):
    from stance.corpus import load_corpus

    return load_corpus(path)


def _write(frame, out: Path | None) -> None:
    from stance.io import check_output, replaced_note, write_frame

    if out is None:
        return
    replaced = check_output(out, [".csv"])
    write_frame(frame, out)
    console.print(f"{replaced_note(out, replaced)} ({len(frame)} rows)", highlight=False)


@app.command("actors")
def actors(
    path: Path | None = _PATH,
    alias: list[str] | None = _ALIAS,
    min_count: int = typer.Option(1, "--min-count", help="Hide unmapped entities seen fewer times."),
    show_mentions: bool = typer.Option(False, "--mentions", help="List every mention with its sentence."),
    out: Path | None = _OUT,
) -> None:
    """Actor mentions per document, and the named entities that map to no actor.

    Mentions come from the codebook alias table, spaCy named entities, speakers' titles
    ("Wei Xiaojun, deputy director of the Ministry of Public Security" -> china) and "the
    two sides". Unmapped entities are listed with counts and an example sentence: add them
    to the codebook aliases, or pass --alias 'Name=actor'.
    """
    from stance.narrative import ActorMatcher, find_actors, unmapped_entities

    if out is not None:
        refuse_seed_project("narrative actors -o")
    corpus = _corpus(path)
    matcher = ActorMatcher(aliases=_aliases(alias))
    mentions = find_actors(corpus, matcher=matcher, include_unmapped=True)
    mapped = mentions[mentions["actor"].notna()]
    table = mapped.pivot_table(index="actor", columns="doc_id", values="passage_id", aggfunc="count", fill_value=0)
    table = table.reindex([a for a in matcher.actors if a in table.index])
    table["total"] = table.sum(axis=1)
    print_frame(table.reset_index(), title="Actor mentions per document")
    by_source = mapped.groupby("source").size().to_dict()
    console.print("mentions by source: " + ", ".join(f"{k} {v}" for k, v in sorted(by_source.items())))
    if show_mentions:
        show = mapped[["passage_id", "actor", "mention", "source", "sentence"]].copy()
        show["sentence"] = show["sentence"].str.slice(0, 90)
        print_frame(show, title="Mentions")
    un = unmapped_entities(corpus, matcher=matcher, min_count=min_count)
    if un.empty:
        console.print("[green]every named entity maps to an actor[/green]")
    else:
        show = un[["entity", "entity_label", "count", "n_passages", "example"]].copy()
        show["example"] = [_window(s, e) for s, e in zip(show["example"], show["entity"], strict=True)]
        print_frame(show, title=f"Unmapped entities ({len(un)}): map with --alias 'Name=actor' or the codebook")
    _write(mentions, out)


@app.command("relations")
def relations(
    path: Path | None = _PATH,
    alias: list[str] | None = _ALIAS,
    action: list[str] | None = typer.Option(
        None, "--action", help="Only these actions (blame, reject, cooperate, sanction, help, regulate, other)."
    ),
    actor: list[str] | None = typer.Option(None, "--actor", help="Only statements with this actor (agent or patient)."),
    evidence: bool = typer.Option(True, "--evidence/--no-evidence", help="List each statement with its sentence."),
    out: Path | None = _OUT,
) -> None:
    """Who accuses, blames, sanctions, rejects, helps or cooperates with whom, with the evidence sentence."""
    from stance.narrative import ACTIONS, ActorMatcher, extract_relations, relation_counts

    bad = sorted(set(action or []) - set(ACTIONS))
    if bad:
        fail(f"unknown action(s) {bad}; choose from {', '.join(ACTIONS)}")
    if out is not None:
        refuse_seed_project("narrative relations -o")
    corpus = _corpus(path)
    rel = extract_relations(corpus, matcher=ActorMatcher(aliases=_aliases(alias)))
    if action:
        rel = rel[rel["action"].isin(action)]
    if actor:
        rel = rel[rel["agent"].isin(actor) | rel["patient"].isin(actor)]
    if evidence and len(rel):
        show = rel[["passage_id", "sent_index", "agent", "action", "patient", "negated", "sentence"]].copy()
        show["agent"] = show["agent"].fillna("-")
        show["patient"] = show["patient"].fillna("-")
        show["sentence"] = show["sentence"].str.slice(0, 80)
        print_frame(show, title="Statements (agent -> action -> patient)")
    counts = relation_counts(rel, by=None, actors_only=True)
    if len(counts):
        print_frame(counts, title="Actor-to-actor statements (not negated)")
    per_action = rel.groupby("action").size().reindex(list(ACTIONS), fill_value=0)
    console.print(
        f"{len(rel)} statements in {rel['passage_id'].nunique()} passages: "
        + ", ".join(f"{k} {v}" for k, v in per_action.items() if v)
    )
    _write(rel, out)


@app.command("roles")
def roles(
    path: Path | None = _PATH,
    alias: list[str] | None = _ALIAS,
    model: Path | None = typer.Option(
        None, "--model", help="A saved role model folder. Default: the promoted model, else the cue baseline."
    ),
    evaluate: bool = typer.Option(
        False,
        "--evaluate",
        help="Evaluate the role models on the gold roles instead: grouped folds of whole documents, cross-source "
        "(both directions) and leave-one-kind-out, with bootstrap intervals over documents.",
    ),
    train: bool = typer.Option(False, "--train", help="Train a role model on all gold roles and save it."),
    model_name: str | None = typer.Option(
        None,
        "--model-name",
        help="Model to --train: role-lr, role-cues, ... Default: the model ranked first by the selection score in "
        "models/evaluation/roles.csv, else role-lr.",
    ),
    save: Path | None = typer.Option(
        None, "--save", help="Folder for the --train model. Default: a new version under models/roles/."
    ),
    labels: Path | None = typer.Option(None, "--labels", help="Gold label store. Default: the project's."),
    n_boot: int = typer.Option(1000, "--n-boot", help="Bootstrap resamples for the confidence intervals."),
    n_splits: int = typer.Option(5, "--n-splits", help="Grouped folds of --evaluate."),
    out: Path | None = _OUT,
) -> None:
    """Protagonist, antagonist, innocent or none for each actor in each passage (or --evaluate / --train role models).

    Without a corpus, --evaluate and --train read the corpora beside the label store (both sides).
    """
    from stance.narrative import ActorMatcher, gold_roles, load_role_model, predict_roles

    if evaluate or train or out is not None:
        refuse_seed_project("narrative roles " + ("--evaluate" if evaluate else "--train" if train else "-o"))
    if evaluate or train:
        corpus = _corpus(path) if path is not None else _gold_corpus(labels)
        gold = gold_roles(labels)
        if gold.empty:
            fail(f"no gold roles in {labels or _paths().labels}")
        if evaluate:
            _evaluate(corpus, gold, n_boot, n_splits, out)
        else:
            _train(corpus, gold, model_name, save)
        return
    corpus = _corpus(path)
    role_model = load_role_model(model, data=corpus)
    table = predict_roles(corpus, model=role_model, matcher=ActorMatcher(aliases=_aliases(alias)))
    summary = table.pivot_table(index="actor", columns="role", values="passage_id", aggfunc="count", fill_value=0)
    print_frame(summary.reset_index(), title=f"Roles per actor ({type(role_model).__name__})")
    show = table[["passage_id", "actor", "role", "prob", "text"]].copy()
    show["text"] = show["text"].str.slice(0, 80)
    print_frame(show, title="Roles per passage")
    _write(table, out)


def _gold_corpus(labels: Path | None):
    from stance.labels.store import load_corpus_for

    return load_corpus_for(labels)


def _paths():
    from stance.paths import ProjectPaths

    return ProjectPaths.discover()


def _role_table_path() -> Path:
    return _paths().evaluation / "roles.csv"


def _examples(corpus, gold):
    from stance.narrative import role_examples

    examples = role_examples(corpus, gold)
    if examples.empty:
        fail("the gold roles match no passage of this corpus")
    return examples


def _train(corpus, gold, model_name: str | None, save: Path | None) -> None:
    import pandas as pd

    from stance.narrative.roles import matching_role_table, role_model_card, select_role_model, train_role_model

    examples = _examples(corpus, gold)
    table = _role_table_path()
    metrics = pd.read_csv(table, keep_default_na=False, na_values=[""]) if table.is_file() else None
    metrics = matching_role_table(metrics, examples)
    if metrics is None and table.is_file():
        console.print(f"[yellow]note:[/yellow] {table} was computed on other examples; its scores are not used")
    name = model_name or select_role_model(metrics)
    fitted = train_role_model(corpus, gold, model=name, examples=examples, metrics=metrics)
    card = role_model_card(name, examples, metrics)
    if save is None:
        try:
            from stance.models import save_version
        except ImportError:
            fail("no model store here (stance.models); pass --save FOLDER")
        target = save_version("roles", fitted, card_extra=card, make_default=True)
    else:
        target = fitted.save(save)
        (Path(target) / "MODEL_CARD.md").write_text(card + "\n", encoding="utf-8")
    console.print(f"saved {type(fitted).__name__} ({name}) to {target}")


def _evaluate(corpus, gold, n_boot: int, n_splits: int, out: Path | None) -> None:
    from stance.io import atomic_write
    from stance.narrative import evaluate_roles, role_summary

    examples = _examples(corpus, gold)
    console.print(
        f"{len(examples)} gold (passage, actor) roles in {examples['doc_id'].nunique()} documents: "
        + ", ".join(f"{k} {v}" for k, v in examples["role"].value_counts().sort_index().items())
    )
    metrics, _ = evaluate_roles(
        examples, n_boot=n_boot, n_splits=n_splits, log=lambda m: console.print(f"[dim]{m}[/dim]")
    )
    print_frame(role_summary(metrics), title="Role models, ranked by the selection score (macro-F1)")
    target = out or _role_table_path()
    atomic_write(target, metrics.to_csv(index=False, float_format="%.4f", lineterminator="\n"))
    console.print(f"wrote {target}")
