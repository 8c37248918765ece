"""Shared console helpers for the command line."""

from __future__ import annotations

import os
import sys
from typing import NoReturn

import pandas as pd
import typer
from rich.console import Console
from rich.table import Table

__all__ = ["ENCODER_RUNTIME", "console", "err_console", "fail", "print_frame"]


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
            elif isinstance(v, pd.Timestamp):
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
