"""The ``stance`` command line. Every command has ``--help``; ``stance --version`` prints the version.

Sub-commands live in one module each under :mod:`stance.cli` and import their heavy
dependencies only when they run, so ``stance --help`` is fast.
"""

from __future__ import annotations

import sys

import typer

from stance import __version__
from stance.cli import corpus as _corpus
from stance.cli._common import console, fail
from stance.errors import StanceInputError

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
            app.add_typer(getattr(mod, attr), name=name)
        else:
            app.command(name)(getattr(mod, attr))


# (module, command name, attribute, "group" | "command")
_GROUPS: list[tuple[str, str, str, str]] = [
    ("labels", "labels", "app", "group"),
    ("labels", "label", "label_app", "group"),
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


def main() -> None:
    """Console entry point: run the app and turn input errors into a clear message and exit code 2."""
    try:
        app()
    except StanceInputError as exc:
        fail(str(exc))
    except KeyboardInterrupt:
        console.print("[yellow]interrupted; nothing was left half-written[/yellow]")
        sys.exit(130)
