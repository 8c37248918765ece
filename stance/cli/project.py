"""``stance init``: make a project of your own."""

from __future__ import annotations

from pathlib import Path

import typer

from stance.cli._common import console

__all__ = ["init"]


def init(
    folder: Path = typer.Argument(..., help="Folder of the new project (created when missing)."),
    codebook: Path | None = typer.Option(
        None,
        "--codebook",
        help="Your codebook YAML, validated and copied into the project. Default: a template codebook to edit.",
    ),
    force: bool = typer.Option(
        False,
        "--force",
        help="Also write into a folder that is not empty or is already a project; existing files are kept as they "
        "are, only missing parts are added.",
    ),
) -> None:
    """Make a project: codebook, corpus folder, empty label store, models/, figures/, stance.toml and a README.

    Refuses a folder that is not empty or is already a project (nothing is written) unless
    --force is given; even then no existing file is replaced.
    """
    from stance.project import init_project

    report = init_project(folder, codebook, force=force)
    paths = report.paths
    console.print(f"project: {paths.root} (new)", highlight=False, soft_wrap=True)
    for path in report.created:
        console.print(f"  created {path.relative_to(paths.root)}{'/' if path.is_dir() else ''}", highlight=False)
    for path in report.kept:
        console.print(f"  kept    {path.relative_to(paths.root)} (it exists)", highlight=False)
    source = f"your codebook {codebook}" if codebook is not None else "the template codebook (edit it)"
    console.print(
        f"codebook: {source}. Next: `cd {folder}` and import a labelled table with\n"
        "  stance label import FILE --text-column TEXT --label-column LABEL --annotator gold\n"
        "(see README.md in the project)",
        highlight=False,
        soft_wrap=True,
    )
