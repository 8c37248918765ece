"""Errors raised for bad input, naming the file, line and field involved."""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from pathlib import Path
from typing import Any

__all__ = ["StanceInputError", "UnknownNameError", "did_you_mean", "missing_column", "unknown_name"]


class StanceInputError(ValueError):
    """Bad user input: a file, row or field that cannot be used as given.

    Parameters
    ----------
    message : str
        What is wrong, and where possible how to fix it.
    file : str or Path, optional
        The file that holds the bad input.
    line : int, optional
        1-based line number in ``file``.
    field : str, optional
        Column, key or field name.

    Examples
    --------
    >>> str(StanceInputError("not a date", file="seeds/manifest.csv", line=3, field="published"))
    'seeds/manifest.csv, line 3, field published: not a date'
    """

    def __init__(
        self,
        message: str,
        file: str | Path | None = None,
        line: int | None = None,
        field: str | None = None,
    ) -> None:
        self.message = message
        self.file = str(file) if file is not None else None
        self.line = line
        self.field = field
        super().__init__(self._format())

    def __str__(self) -> str:
        return self._format()

    def _format(self) -> str:
        where = []
        if self.file is not None:
            where.append(self.file)
        if self.line is not None:
            where.append(f"line {self.line}")
        if self.field is not None:
            where.append(f"field {self.field}")
        return f"{', '.join(where)}: {self.message}" if where else self.message


class UnknownNameError(StanceInputError, KeyError):
    """A task, label or target name the codebook does not define (also a ``KeyError``)."""


def did_you_mean(name: str, valid: Sequence[str]) -> str:
    """The hint ``"; did you mean 'x'?"`` naming the valid name nearest to ``name``, or ``""``.

    The comparison ignores case; a name is suggested only when it is reasonably close
    (:func:`difflib.get_close_matches` with cutoff 0.5).

    Parameters
    ----------
    name : str
        The name given.
    valid : sequence of str
        The names that would have been accepted.

    Returns
    -------
    str
        The hint, to append to an error message, or an empty string.

    Examples
    --------
    >>> did_you_mean("Blam", ["blame", "praise"])
    "; did you mean 'blame'?"
    >>> did_you_mean("zzz", ["blame", "praise"])
    ''
    """
    lower = {str(v).lower(): str(v) for v in valid}
    close = difflib.get_close_matches(str(name).lower(), list(lower), n=1, cutoff=0.5)
    return f"; did you mean {lower[close[0]]!r}?" if close else ""


def unknown_name(what: str, name: Any, valid: Sequence[str], *, of: str = "", listed: str = "", more: str = "") -> str:
    """The message ``unknown <what> 'name'<of>``, the nearest valid name and, with ``listed``, the valid names.

    Parameters
    ----------
    what : str
        What the name should have been (``"frame"``, ``"stance class"``).
    name : object
        The name given.
    valid : sequence of str
        The names that would have been accepted.
    of : str
        Words after the name (``" for target 'x'"``).
    listed : str
        When given, the valid names follow in parentheses under this heading (``"actors"``).
    more : str
        Words after the list, inside the parentheses.

    Returns
    -------
    str

    Examples
    --------
    >>> unknown_name("role", "hero", ["protagonist", "villain"], listed="roles", more=", or null for none")
    "unknown role 'hero' (roles: protagonist, villain, or null for none)"
    """
    names = f" ({listed}: {', '.join(valid)}{more})" if listed else ""
    return f"unknown {what} {name!r}{of}{did_you_mean(str(name), valid)}{names}"


def missing_column(column: str, header: Sequence[str], path: str | Path, hint: str = "") -> StanceInputError:
    """The error for a table whose header (line 1 of ``path``) lacks ``column``: the nearest name and every column.

    Parameters
    ----------
    column : str
        The column wanted.
    header : sequence of str
        The columns the file has.
    path : str or Path
        The file.
    hint : str
        Words after the list of columns (``"; write the file with ..."``).

    Returns
    -------
    StanceInputError
        To raise.
    """
    header = [str(h) for h in header]
    message = f"no column {column!r}{did_you_mean(column, header)} (columns: {', '.join(header)}){hint}"
    return StanceInputError(message, file=path, line=1, field=column)
