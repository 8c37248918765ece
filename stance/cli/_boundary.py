"""The command line's one error boundary: known failures get a located message, anything else one line.

Exit codes (also in the README):

- 0: done.
- 1: an internal error (a bug): one line naming the exception and the file that holds the
  full traceback (``--debug`` prints it instead); or a command's own "nothing to do" result.
- 2: bad input: the message names the file, line and field, what is wrong and what to do.
- 130: interrupted (Ctrl-C or SIGTERM); nothing was written.
"""

from __future__ import annotations

import datetime as _dt
import os
import signal
import sys
import tempfile
import traceback
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path

import typer

from stance.errors import StanceInputError
from stance.io import Interrupted, atomic_write, on_sigterm

__all__ = ["EXIT_BAD_INPUT", "EXIT_INTERNAL", "EXIT_INTERRUPTED", "run"]

EXIT_INTERNAL = 1
EXIT_BAD_INPUT = 2
EXIT_INTERRUPTED = 130
INTERRUPTED = "interrupted, nothing written"

# failures that come from the input or the environment, not from a bug
_KNOWN: tuple[type[BaseException], ...] = (StanceInputError, FileNotFoundError, PermissionError, IsADirectoryError)


def _known_message(exc: BaseException) -> str:
    if isinstance(exc, OSError) and exc.filename is not None and not isinstance(exc, StanceInputError):
        what = exc.strerror or type(exc).__name__
        if isinstance(exc, PermissionError):
            return f"{exc.filename}: {what}; check the file's permissions or choose another path"
        if isinstance(exc, FileNotFoundError):
            return f"{exc.filename}: {what}; check the path"
        return f"{exc.filename}: {what}"
    return str(exc)


def _save_traceback(exc: BaseException) -> Path | None:
    """Write the traceback to the cache folder (else the temporary folder); return where."""
    text = "".join(traceback.format_exception(exc))
    stamp = _dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    name = f"stance-error-{stamp}-{os.getpid()}.txt"
    folders = []
    try:
        from stance.config import settings

        folders.append(settings().cache_dir / "errors")
    except (OSError, ValueError):
        pass
    folders.append(Path(tempfile.gettempdir()))
    for folder in folders:
        try:
            return atomic_write(folder / name, text)
        except (OSError, StanceInputError):
            continue
    return None


def _print_traceback(exc: BaseException) -> None:
    sys.stderr.write("".join(traceback.format_exception(exc)))
    sys.stderr.flush()


def _internal(exc: BaseException, debug: bool) -> int:
    from stance.cli._common import err_console

    if debug:
        _print_traceback(exc)
        return EXIT_INTERNAL
    where = _save_traceback(exc)
    saved = f"full traceback in {where}" if where else "the traceback could not be saved"
    what = "out of memory" if isinstance(exc, MemoryError) else f"{type(exc).__name__}: {exc}"
    first = what.splitlines()[0] if what.strip() else type(exc).__name__
    from rich.markup import escape

    err_console.print(
        f"[bold red]internal error:[/bold red] {escape(first[:300])} ({escape(saved)}; run again with --debug "
        "to print it; please report it)",
        highlight=False,
        soft_wrap=True,
    )
    return EXIT_INTERNAL


def _interrupted() -> int:
    from stance.cli._common import err_console

    err_console.print(f"[yellow]{INTERRUPTED}[/yellow]", highlight=False)
    return EXIT_INTERRUPTED


def _show_warning(message: Warning | str, category: type[Warning], *args: object, **kwargs: object) -> None:
    """Print a warning as one ``warning:`` line (no source path, no code line)."""
    from rich.markup import escape

    from stance.cli._common import err_console

    err_console.print(f"[yellow]warning:[/yellow] {escape(str(message))}", highlight=False, soft_wrap=True)


def _invoke(command: Callable[..., object], args: list[str]) -> int:
    """Run a typer command without its own exception handling; return the exit code."""
    try:
        rv = command(args=args, prog_name="stance", standalone_mode=False)
    except typer.Exit as exc:
        return int(exc.exit_code or 0)
    except typer.Abort:
        return _interrupted()
    except typer.TyperException as exc:  # usage errors: typer prints them with the usage line
        show = getattr(exc, "show", None)
        if show is not None:
            show()
        else:
            sys.stderr.write(f"error: {exc.format_message()}\n")
        return exc.exit_code
    if isinstance(rv, int) and rv == EXIT_INTERRUPTED:  # typer turns Ctrl-C into Exit(130)
        return _interrupted()
    return rv if isinstance(rv, int) else 0


def run(command: Callable[..., object], argv: Sequence[str] | None = None) -> int:
    """Run the command line ``argv`` (default ``sys.argv[1:]``) inside the error boundary.

    ``--debug`` anywhere before ``--`` (or ``STANCE_DEBUG=1``) prints tracebacks of
    unexpected errors instead of saving them.

    Returns
    -------
    int
        The exit code (see the module docstring).
    """
    from rich.markup import escape

    from stance.cli._common import err_console

    args = list(sys.argv[1:] if argv is None else argv)
    end = args.index("--") if "--" in args else len(args)
    debug = "--debug" in args[:end] or os.environ.get("STANCE_DEBUG", "") not in ("", "0")
    args = [a for i, a in enumerate(args) if not (a == "--debug" and i < end)]
    previous = None
    try:
        previous = signal.signal(signal.SIGTERM, on_sigterm)
    except ValueError:  # not the main thread
        pass
    shown = warnings.showwarning
    if not debug:
        warnings.showwarning = _show_warning
    try:
        return _invoke(command, args)
    except (KeyboardInterrupt, Interrupted):
        return _interrupted()
    except _KNOWN as exc:
        if debug:
            _print_traceback(exc)
        err_console.print(f"[bold red]error:[/bold red] {escape(_known_message(exc))}", highlight=False, soft_wrap=True)
        return EXIT_BAD_INPUT
    except SystemExit as exc:
        code = exc.code
        return code if isinstance(code, int) else (0 if code is None else EXIT_INTERNAL)
    except Exception as exc:
        return _internal(exc, debug)
    finally:
        warnings.showwarning = shown
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)
