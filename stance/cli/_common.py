"""Shared console helpers for the command line."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import NoReturn

import pandas as pd
import typer
from rich.console import Console
from rich.table import Table

__all__ = [
    "ENCODER_RUNTIME",
    "WRITING_COMMANDS",
    "announce_project",
    "console",
    "err_console",
    "fail",
    "parse_pairs",
    "print_frame",
    "refuse_seed_project",
    "seed_or_default",
]


def _console(stderr: bool = False) -> Console:
    probe = Console(stderr=stderr)
    # tables stay readable when output goes to a file, a pipe or CI logs
    return probe if probe.is_terminal else Console(stderr=stderr, width=160)


console = _console()
err_console = _console(stderr=True)


def fail(message: str, code: int = 2) -> NoReturn:
    """Print an error to stderr and exit with ``code``."""
    from rich.markup import escape

    err_console.print(f"[bold red]error:[/bold red] {escape(message)}", highlight=False, soft_wrap=True)
    sys.exit(code)


def seed_or_default(seed: int | None) -> int:
    """The ``--seed`` given, or the configured seed (``STANCE_SEED``, default 0) when it is None."""
    from stance.config import settings

    return settings().seed if seed is None else seed


def parse_pairs(items: list[str] | None, option: str, form: str) -> dict[str, str]:
    """``["a=b", ...]`` of a repeatable option as ``{"a": "b"}``; ``form`` says what is expected in the error."""
    pairs = {}
    for item in items or []:
        if "=" not in item:
            fail(f"{option} needs {form}, got {item!r}")
        key, value = item.split("=", 1)
        pairs[key.strip()] = value.strip()
    return pairs


def print_frame(frame: pd.DataFrame, title: str | None = None, floatfmt: str = "{:.3f}") -> None:
    """Print a DataFrame as a rich table."""
    table = Table(title=title, show_lines=False, title_justify="left")
    for col in frame.columns:
        numeric = pd.api.types.is_numeric_dtype(frame[col]) and not pd.api.types.is_bool_dtype(frame[col])
        table.add_column(str(col), justify="right" if numeric else "left")
    for row in frame.itertuples(index=False):
        cells = []
        for v in row:
            if isinstance(v, float):
                cells.append("" if pd.isna(v) else floatfmt.format(v))
            elif isinstance(v, pd.Timestamp) or v is pd.NaT:
                cells.append("" if pd.isna(v) else v.strftime("%Y-%m-%d"))
            else:
                cells.append(str(v))
        table.add_row(*cells)
    console.print(table)


def _set_encoder_runtime(value: str | None) -> str | None:
    """Apply ``--encoder-runtime`` as the ``STANCE_ENCODER_RUNTIME`` setting (worker processes inherit it)."""
    if value is None:
        return None
    from stance.config import ENCODER_RUNTIMES

    choice = value.strip().lower()
    if choice not in ENCODER_RUNTIMES:
        raise typer.BadParameter(f"choose one of {', '.join(ENCODER_RUNTIMES)}")
    os.environ["STANCE_ENCODER_RUNTIME"] = choice
    return choice


#: ``--encoder-runtime`` of the commands that encode passages.
ENCODER_RUNTIME = typer.Option(
    None,
    "--encoder-runtime",
    callback=_set_encoder_runtime,
    help="What runs the sentence encoder: auto, torch, onnx or onnx-int8. Default: STANCE_ENCODER_RUNTIME, "
    "stance.toml, else auto.",
)


#: Commands that always write (into the project: label store, models, figures, evaluation tables; or a file of
#: what they read from it: an export, suggestions); ``label`` sub-commands are named ``label <name>``. Commands that
#: write only with an option (``score -o``, ``narrative roles --train``, ``benchmark`` without ``--out``, ...) call
#: :func:`refuse_seed_project` when given it.
WRITING_COMMANDS = frozenset(
    {
        "train",
        "finetune",
        "figures",
        "evaluate",
        "label import",
        "label adjudicate",
        "label reanchor",
        "label export",
        "label suggest",
    }
)


def refuse_seed_project(command: str) -> None:
    """Stop ``command``, which is about to write, when it would act on the package's own seed project.

    That is when no project is named (``--project``, ``STANCE_PROJECT_DIR``) and none holds the working
    directory; ``--project`` with the package's folder asks for the seed project explicitly.

    Parameters
    ----------
    command : str
        The command as typed after ``stance`` (e.g. ``"score -o"``), named in the message.
    """
    from stance.config import PROJECT_SOURCES, find_project

    root, how = find_project()
    if how == PROJECT_SOURCES[2]:
        fail(
            f"no stance project in {Path.cwd()} or above it, so `stance {command}` would act on the package's "
            f"own seed project ({root}) and write what it makes of it. Make a project with `stance init DIR` and run "
            f"the command inside it, or name one with `stance --project DIR {command.split()[0]} ...` "
            f"(`--project {root}` to use the seed project)"
        )


def announce_project(command: str) -> None:
    """Name the project ``command`` acts on (one stderr line, unless quiet); refuse to write to the package's own.

    Outside any project (no ``--project``, no ``STANCE_PROJECT_DIR``, no project folder above the working
    directory), a command that writes into the project would write into the package's own seed project:
    it stops with a message that says how to make or name a project.
    """
    from stance.config import PROJECT_SOURCES, find_project, settings

    if command in WRITING_COMMANDS:
        refuse_seed_project(command)
    root, how = find_project()
    if not settings().quiet:
        where = {
            PROJECT_SOURCES[0]: " (from --project or STANCE_PROJECT_DIR)",
            PROJECT_SOURCES[2]: " (the package's own seed project: no project in the working directory or above)",
        }.get(how, "")
        err_console.print(f"[dim]project: {root}{where}[/dim]", highlight=False, soft_wrap=True)
