"""The ``stance`` command line. Every command has ``--help``; ``stance --version`` prints the version.

Sub-commands live in one module each under :mod:`stance.cli` and import their heavy
dependencies only when they run, so ``stance --help`` is fast.
"""

from __future__ import annotations

import sys

import typer

from stance import __version__
from stance.cli import corpus as _corpus
from stance.cli._boundary import run
from stance.cli._common import console

__all__ = ["app", "main"]

app = typer.Typer(
    rich_markup_mode="markdown",
    name="stance",
    help="Narrative, framing and stance analysis of news and official statements (offline, CPU).",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _version(value: bool) -> None:
    if value:
        console.print(f"stance {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Print the version and exit."
    ),
    debug: bool = typer.Option(
        False, "--debug", help="Print the full traceback of an unexpected error (else it is saved to a file)."
    ),
) -> None:
    """Narrative, framing and stance analysis of news and official statements (offline, CPU)."""


app.command("corpus")(_corpus.corpus)
app.command("codebook")(_corpus.codebook)


def _mount_optional() -> None:
    """Attach the sub-command groups of the other modules."""
    from importlib import import_module

    for module, name, attr, kind in _GROUPS:
        mod = import_module(f"stance.cli.{module}")
        if kind == "group":
            app.add_typer(getattr(mod, attr), name=name, hidden=name in _HIDDEN)
        else:
            app.command(name)(getattr(mod, attr))


_HIDDEN = {"labels"}  # deprecated name of `stance label`
# (module, command name, attribute, "group" | "command")
_GROUPS: list[tuple[str, str, str, str]] = [
    ("labels", "label", "app", "group"),
    ("labels", "labels", "app", "group"),
    ("evaluate", "evaluate", "evaluate", "command"),
    ("evaluate", "train", "train", "command"),
    ("evaluate", "benchmark", "benchmark", "command"),
    ("finetune", "finetune", "finetune", "command"),
    ("figures", "figures", "figures", "command"),
    ("score", "score", "score", "command"),
    ("bench", "bench", "bench", "command"),
    ("narrative", "narrative", "app", "group"),
]
_mount_optional()


def main(argv: list[str] | None = None) -> None:
    """Console entry point: run the app inside the error boundary and exit with its code.

    Exit codes: 0 done, 1 internal error, 2 bad input, 130 interrupted (see :mod:`stance.cli._boundary`).
    """
    sys.exit(run(app, argv))
