"""``stance bench``: measure scoring throughput, memory, figures, fine-tuning and growth on this machine."""

from __future__ import annotations

import shlex
import sys
from pathlib import Path

import typer

from stance.cli._common import console, fail, print_frame

__all__ = ["bench"]

_HELP = (
    "Measure this machine: scoring throughput per backend against raw sentence-transformers `encode` of the same "
    "texts (ratio), peak memory, cold and warm `stance figures`, fine-tune time per 100 labels, and how the cost of "
    "`stance score` grows from 1k to 10k to 100k generated passages."
    "\n\n"
    "Every measurement runs in its own subprocess with an empty cache, so peak memory is that measurement's alone. "
    "The full run takes about an hour on 2 cores (scoring 100k passages is most of it); `--quick` about 5 "
    "minutes. Close other heavy work first: "
    "the load average is recorded with the results."
)


def _ints(text: str) -> list[int]:
    try:
        return [int(x.replace("_", "").replace("k", "000")) for x in text.split(",") if x.strip()]
    except ValueError:
        fail(f"expected comma-separated numbers, e.g. 1000,10000; got {text!r}")


def bench(
    backends: str = typer.Option(
        "default,default-all,lexicon,tfidf,embedding,zeroshot,setfit,transformer",
        "--backends",
        "-b",
        help="Throughput subjects, comma-separated: `default` (the default frames model), `default-all` (every "
        "default model, as `stance score` runs), or a backend on the frames task. Empty to skip.",
    ),
    throughput_n: int = typer.Option(2000, "--throughput-n", help="Generated passages per throughput run."),
    reference: bool = typer.Option(True, "--reference/--no-reference", help="Measure raw sentence-transformers."),
    repeats: int = typer.Option(2, "--repeats", help="Throughput runs per subject; the fastest is kept."),
    sizes: str = typer.Option("1000,10000,100000", "--sizes", help="Growth sizes (passages). Empty to skip."),
    growth_model: str = typer.Option("default", "--growth-model", help="`default` or `lexicon` for growth runs."),
    growth_budget: float | None = typer.Option(
        None,
        "--growth-budget",
        help="Seconds of scoring a growth size may take: a size projected to take longer is streamed part by part, "
        "stopped after this long, and its time extrapolated (marked in the table). Default: no limit.",
    ),
    figures: bool = typer.Option(True, "--figures/--no-figures", help="Time cold and warm `stance figures`."),
    finetune: bool = typer.Option(True, "--finetune/--no-finetune", help="Time `stance finetune` of frames."),
    chunksize: int = typer.Option(2000, "--chunksize", help="Rows per part when scoring."),
    seed: int = typer.Option(0, "--seed", help="Seed of the generated passages."),
    quick: bool = typer.Option(
        False,
        "--quick",
        help="About 10 minutes: 500 passages, one run each, sizes 1000 and 10000, no setfit, "
        "transformer, fine-tuning or project corpus.",
    ),
    markdown: Path | None = typer.Option(None, "--markdown", help="Also write the results as Markdown here."),
    csv: Path | None = typer.Option(None, "--csv", help="Also write the result table as CSV here."),
    workdir: Path | None = typer.Option(None, "--workdir", help="Scratch folder (default: a temporary one)."),
    runtimes: str = typer.Option(
        "torch,onnx,onnx-int8",
        "--runtimes",
        help="Encoder runtimes to measure the encoder, default-all, embedding and zeroshot under. Empty: "
        "the configured runtime only.",
    ),
    corpus: bool = typer.Option(
        True, "--corpus/--no-corpus", help="Score the whole project corpus from a cold cache under each runtime."
    ),
) -> None:
    from stance import bench as harness

    subjects = [b.strip() for b in backends.split(",") if b.strip()]
    size_list = _ints(sizes)
    if quick:
        subjects = [b for b in subjects if b not in ("setfit", "transformer")]
        throughput_n, repeats, finetune, corpus = min(throughput_n, 500), 1, False, False
        size_list = [n for n in size_list if n <= 10000]
    unknown = [b for b in subjects if b not in harness.BACKENDS]
    if unknown:
        fail(f"unknown --backends {', '.join(unknown)}; choose from {', '.join(harness.BACKENDS)}")
    command = "stance bench " + shlex.join(sys.argv[2:]) if sys.argv[1:2] == ["bench"] else "stance bench"
    result = harness.run_bench(
        backends=subjects,
        throughput_n=throughput_n,
        reference=reference,
        repeats=repeats,
        sizes=size_list,
        growth_model=growth_model,
        figures=figures,
        finetune=finetune,
        chunksize=chunksize,
        seed=seed,
        workdir=workdir,
        command=command.strip(),
        log=lambda msg: console.print(f"[dim]{msg}[/dim]", highlight=False),
        runtimes=[r.strip() for r in runtimes.split(",") if r.strip()],
        corpus=corpus,
        growth_budget=growth_budget,
    )
    m = result.machine
    console.print(
        f"{m['cpu']}, {m['cores']} cores, AVX2 {'yes' if m['avx2'] else 'no'}; load average "
        f"{m['load_average']} -> {m['load_average_end']}",
        highlight=False,
    )
    table = result.table
    for section in ("throughput", "corpus", "growth", "figures", "finetune"):
        sub = table[table["section"] == section].drop(columns="section")
        if len(sub):
            sub = sub.loc[:, [c for c in sub.columns if c in ("subject", "note") or sub[c].notna().any()]]
            print_frame(sub, title=section, floatfmt="{:,.2f}")
    print_frame(harness.targets(table, readable=True), title="targets", floatfmt="{:,.2f}")
    if markdown is not None:
        markdown.parent.mkdir(parents=True, exist_ok=True)
        markdown.write_text(harness.to_markdown(result), encoding="utf-8")
        console.print(f"wrote {markdown}", highlight=False)
    if csv is not None:
        csv.parent.mkdir(parents=True, exist_ok=True)
        table.to_csv(csv, index=False, lineterminator="\n")
        console.print(f"wrote {csv}", highlight=False)


bench.__doc__ = _HELP
