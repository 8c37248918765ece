"""The ``stance`` command line. Every command has ``--help``; ``stance --version`` prints the version.

Sub-commands live in one module each under :mod:`stance.cli` and import their heavy
dependencies only when they run, so ``stance --help`` is fast.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import typer

from stance import __version__
from stance.cli import corpus as _corpus
from stance.cli._boundary import run
from stance.cli._common import announce_project, console, fail

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
    ctx: typer.Context,
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Print the version and exit."
    ),
    debug: bool = typer.Option(
        False, "--debug", help="Print the full traceback of an unexpected error (else it is saved to a file)."
    ),
    project: Path | None = typer.Option(
        None,
        "--project",
        help="The project to act on (a folder made by `stance init`). Default: STANCE_PROJECT_DIR, else the "
        "nearest folder at or above the working directory with a stance.toml or codebook/.",
    ),
) -> None:
    """Narrative, framing and stance analysis of news and official statements (offline, CPU).

    Start a project of your own with `stance init DIR`; every command names the project it acts on.
    """
    if project is not None:
        _use_project(ctx, project)
    if ctx.invoked_subcommand not in _SELF_ANNOUNCING:
        announce_project(str(ctx.invoked_subcommand))


def _use_project(ctx: typer.Context, project: Path) -> None:
    """Make ``project`` the current project (``STANCE_PROJECT_DIR``) while the command runs."""
    from stance.config import is_project

    if not is_project(project):
        fail(f"{project} is not a stance project (it has no stance.toml or codebook/); make one with `stance init`")
    previous = os.environ.get("STANCE_PROJECT_DIR")
    os.environ["STANCE_PROJECT_DIR"] = str(project.resolve())

    def restore() -> None:
        if previous is None:
            os.environ.pop("STANCE_PROJECT_DIR", None)
        else:
            os.environ["STANCE_PROJECT_DIR"] = previous

    ctx.call_on_close(restore)


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


#: Commands that name their project themselves: the label group (per sub-command) and `init` (a new project).
_SELF_ANNOUNCING = {"init", "label", "labels", None}
_HIDDEN = {"labels"}  # deprecated name of `stance label`
# (module, command name, attribute, "group" | "command")
_GROUPS: list[tuple[str, str, str, str]] = [
    ("project", "init", "init", "command"),
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
