"""``stance finetune``: train a new version of a task's model on gold plus new labels, compare, promote if not worse."""

from __future__ import annotations

import time
import warnings
from pathlib import Path

import typer

from stance.cli._common import ENCODER_RUNTIME, console, err_console, fail, print_frame, seed_or_default
from stance.finetune import NOT_WORSE_TOLERANCE, PROMOTION_RULE

__all__ = ["finetune"]

_HELP = (
    "Fine-tune the default model of a task on the gold labels, including labels added since it was trained."
    "\n\n"
    "The new version warm-starts from the current default (same backend and settings; setfit also continues "
    "from its fine-tuned encoder) and is saved as `models/<task>/vNNN/` beside the old one, which is never "
    "overwritten. Old and new are cross-validated on the same held-out folds (--folds; by default leave one "
    "document out, or stratified folds when every document is one passage; at most --max-folds folds) and a "
    "per-label comparison with 95% paired bootstrap intervals is printed and written to the version's "
    "comparison.csv and model card."
    "\n\n"
    f"{PROMOTION_RULE}"
    "\n\n"
    "An interrupted run leaves the previous versions, the DEFAULT pointer and the label store as they were."
)


def finetune(
    task: str = typer.Option("frames", "--task", "-t", help="Task: frames or `stance:<target>`."),
    backend: str | None = typer.Option(
        None, "--backend", "-b", help="Backend of the new version. Default: that of the current default (warm start)."
    ),
    promote: bool | None = typer.Option(
        None,
        "--promote/--no-promote",
        help="Promote the new version whatever the comparison says / never promote it. "
        "Default: promote when not worse (see the rule above).",
    ),
    tolerance: float = typer.Option(
        NOT_WORSE_TOLERANCE, "--tolerance", help="'Not worse' means new - old >= -TOLERANCE on the primary metric."
    ),
    folds: str = typer.Option(
        "auto",
        "--folds",
        help="auto (stratified when every document is one passage, else document), document (leave one document "
        "out), outlet, group:COLUMN (leave one value of any column of the corpus's passages or documents out, e.g. "
        "group:year), or stratified (warns when it leaks).",
    ),
    max_folds: int = typer.Option(10, "--max-folds", help="With more documents, group them into this many folds."),
    n_boot: int = typer.Option(1000, "--n-boot", help="Bootstrap resamples for the 95% intervals."),
    param: list[str] | None = typer.Option(
        None, "--param", "-p", help="Setting of the new version as model.name=value, e.g. -p tfidf.C=3 (repeatable)."
    ),
    force: bool = typer.Option(False, "--force", help="Fine-tune even when no label is new or changed."),
    labels: Path | None = typer.Option(
        None, "--labels", "--store", "-s", help="Gold label store (JSONL). Default: the project's."
    ),
    corpus: Path | None = typer.Option(
        None, "--corpus", help="Corpus folder or table. Default: the project's first corpus."
    ),
    codebook: Path | None = typer.Option(None, "--codebook", help="Codebook YAML. Default: the project's."),
    root: Path | None = typer.Option(None, "--root", help="Model store. Default: models/."),
    seed: int | None = typer.Option(None, "--seed", help="Random seed (default: STANCE_SEED or 0)."),
    encoder_runtime: str | None = ENCODER_RUNTIME,
) -> None:
    from stance.cli.evaluate import parse_params
    from stance.codebook import Codebook
    from stance.corpus import load_corpus
    from stance.evaluation import LeakageWarning, is_scheme
    from stance.finetune import FINETUNE_SCHEMES, comparison_frame
    from stance.finetune import finetune as run

    if not is_scheme(folds, FINETUNE_SCHEMES):
        fail(f"--folds must be one of {', '.join(FINETUNE_SCHEMES)}")
    cb = Codebook.load(codebook)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        c = load_corpus(corpus)
    given = parse_params(param)
    name = backend
    if given:
        unknown = set(given) - {name} if name else set()
        if len(given) > 1 or unknown:
            fail("--param applies to the new version only: name its backend, e.g. -p tfidf.C=3 with --backend tfidf")
    t0 = time.perf_counter()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", LeakageWarning)
        try:
            result = run(
                task,
                corpus=c,
                codebook=cb,
                labels=labels,
                backend=backend,
                params=next(iter(given.values())) if given else None,
                promote=promote,
                tolerance=tolerance,
                scheme=folds,
                max_folds=max_folds,
                n_boot=n_boot,
                root=root,
                random_state=seed_or_default(seed),
                force=force,
                log=lambda m: console.print(f"[dim]{m}[/dim]", highlight=False),
            )
        except (FileNotFoundError, ValueError, KeyError) as exc:
            fail(str(exc))
    for w in caught:
        if issubclass(w.category, LeakageWarning):
            err_console.print(f"[yellow]warning:[/yellow] {w.message}", soft_wrap=True)
    if result.skipped:
        console.print(result.reason, highlight=False)
        return
    for rare in result.rare:
        err_console.print(f"[yellow]few examples:[/yellow] {rare.message}", highlight=False, soft_wrap=True)
    for note in result.notes:
        err_console.print(f"[yellow]note:[/yellow] {note}", highlight=False, soft_wrap=True)
    old = result.old_version or "none"
    print_frame(
        comparison_frame(result.comparison, result.metric),
        title=f"{task}: {old} (old) vs {result.version} (new), per-label F1 on the same held-out passages "
        f"({result.folds})",
    )
    lo, hi = result.delta_ci
    if result.old_version:
        console.print(
            f"{result.metric}: old {result.old_score:.3f}, new {result.new_score:.3f}, "
            f"new - old {result.delta:+.3f} (95% paired bootstrap interval {lo:+.3f} to {hi:+.3f})",
            highlight=False,
        )
    console.print(result.decision, highlight=False)
    console.print(
        f"Saved {result.path}. Fine-tune took {time.perf_counter() - t0:.0f} s "
        f"({result.n_passages} passages, {result.n_new} new, {result.n_changed} changed).",
        highlight=False,
    )


finetune.__doc__ = _HELP
