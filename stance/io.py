"""Writing files safely: the one atomic writer, and the check that an output is not an input.

Every file the package writes goes through :func:`atomic_path` (or :func:`atomic_write`,
built on it): the data goes to a temporary file in the target's folder, is flushed to disk
(``fsync``) and renamed over the target with one ``os.replace``, so a reader sees the old
file or the new one, never half of one. The new file keeps the permission bits of the file
it replaces; a new file gets the permissions the umask allows (like ``open``). A target
without write permission is refused. The temporary file is removed on any exception,
Ctrl-C and SIGTERM.

:func:`check_output` is called by every command before it writes a file a user named: it
refuses the project's inputs (label store, manifests, corpus files, codebook, model
folders) and the command's own inputs, and an existing file of another kind.
"""

from __future__ import annotations

import contextlib
import os
import signal
import stat
import tempfile
import threading
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from stance.errors import StanceInputError

__all__ = [
    "Interrupted",
    "atomic_path",
    "atomic_write",
    "check_output",
    "csv_rows",
    "inside_folder",
    "json_value",
    "on_sigterm",
    "read_parquet",
    "read_table",
    "replaced_note",
    "write_frame",
]


class Interrupted(KeyboardInterrupt):
    """Raised in the main thread when the process receives SIGTERM (handled like Ctrl-C)."""


def on_sigterm(signum: int, frame: Any) -> None:
    """Signal handler that turns SIGTERM into :class:`Interrupted`, so clean-up code runs."""
    raise Interrupted(f"signal {signum}")


@contextlib.contextmanager
def _sigterm_raises() -> Iterator[None]:
    """While writing, let SIGTERM unwind the stack (only where the default handler would kill the process)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    try:
        previous = signal.getsignal(signal.SIGTERM)
    except (ValueError, OSError):  # pragma: no cover - no signals here
        yield
        return
    if previous is not signal.SIG_DFL:
        yield
        return
    signal.signal(signal.SIGTERM, on_sigterm)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _target_mode(path: Path) -> int:
    """Permission bits for the new file: those of the file replaced, else what the umask allows."""
    try:
        st = path.stat()
    except FileNotFoundError:
        return 0o666 & ~_umask()
    if stat.S_ISDIR(st.st_mode):
        raise StanceInputError("is a folder; give a file name", file=path)
    mode = stat.S_IMODE(st.st_mode)
    if not mode & 0o222:
        raise StanceInputError(
            "is read-only, so it is left as it is; make it writable (chmod u+w) or write somewhere else", file=path
        )
    return mode


def _fsync_dir(folder: Path) -> None:
    with contextlib.suppress(OSError, AttributeError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


@contextlib.contextmanager
def atomic_path(path: str | Path) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; on success it replaces ``path`` in one rename.

    Write the new content to the yielded path (with any library that writes to a path:
    ``DataFrame.to_parquet``, ``savefig``, safetensors ...). When the block ends normally the
    file is fsynced, given the mode of the file it replaces (or the umask's default) and
    renamed over ``path``. On any exception, Ctrl-C or SIGTERM the temporary file is removed
    and ``path`` is left as it was.

    Parameters
    ----------
    path : str or Path
        Target file. Its folder is created if needed.

    Raises
    ------
    StanceInputError
        If ``path`` is a folder or a read-only file.
    """
    path = Path(path)
    mode = _target_mode(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with _sigterm_raises():
        fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        os.close(fd)
        tmp = Path(name)
        try:
            yield tmp
            with open(tmp, "rb+") as fh:
                os.fsync(fh.fileno())
            os.chmod(tmp, mode)
            os.replace(tmp, path)
        except BaseException:
            with contextlib.suppress(OSError):
                tmp.unlink()
            raise
    _fsync_dir(path.parent)


def write_frame(frame: Any, path: str | Path) -> Path:
    """Write a DataFrame atomically as Parquet (``.parquet``) or CSV (any other name); returns ``path``."""
    path = Path(path)
    with atomic_path(path) as tmp:
        if path.suffix.lower() == ".parquet":
            frame.to_parquet(tmp, index=False)
        else:
            frame.to_csv(tmp, index=False, lineterminator="\n")
    return path


def atomic_write(path: str | Path, data: bytes | str) -> Path:
    """Write ``data`` (text is encoded as UTF-8) to ``path`` atomically; returns ``path``.

    See :func:`atomic_path` for the guarantees.
    """
    path = Path(path)
    blob = data.encode("utf-8") if isinstance(data, str) else data
    with atomic_path(path) as tmp:
        tmp.write_bytes(blob)
    return path


# ---------------------------------------------------------------------------- reading
def csv_rows(reader: Any, file: str | Path) -> Iterator[dict]:
    """Rows of a ``csv.DictReader``, with a located error for a malformed row or an oversized cell."""
    import csv

    while True:
        start = reader.line_num + 1  # first line of the next row
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            limit = csv.field_size_limit()
            what = (
                f"a cell is longer than {limit:,} characters (often a quote that is never closed)"
                if "field larger" in str(exc)
                else f"not valid CSV ({exc})"
            )
            raise StanceInputError(f"{what}; fix the row", file=file, line=start) from exc
        yield row


def json_value(text: str, file: str | Path, line: int | None = None) -> Any:
    """``json.loads`` with a located error for invalid JSON and for nesting too deep to read."""
    import json

    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        where = line if line is not None else exc.lineno
        raise StanceInputError(f"not valid JSON: {exc.msg} (column {exc.colno})", file=file, line=where) from exc
    except RecursionError as exc:
        raise StanceInputError("JSON nested too deeply to read; flatten the value", file=file, line=line) from exc


def read_parquet(path: str | Path, **kwargs: Any) -> Any:
    """``pandas.read_parquet`` with a located error for a damaged or non-Parquet file."""
    import pandas as pd
    import pyarrow as pa

    try:
        return pd.read_parquet(path, **kwargs)
    except (pa.ArrowException, OSError) as exc:
        if isinstance(exc, FileNotFoundError):
            raise
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise StanceInputError(f"not a readable Parquet file ({first.strip()}); re-write it", file=path) from exc


#: File endings :func:`read_table` reads.
TABLE_SUFFIXES = (".csv", ".tsv", ".jsonl", ".ndjson", ".parquet", ".pq")


def read_table(path: str | Path) -> list[tuple[int, dict]]:
    """Rows of a CSV, TSV, JSONL or Parquet table as ``(line, {column: value})``, with located errors.

    ``line`` is the file line a row starts on (CSV, TSV, JSONL) or its 1-based row number
    (Parquet, where the header is not a line). CSV and TSV values are strings.

    Raises
    ------
    StanceInputError
        For an unsupported suffix, a file that is not UTF-8, malformed CSV or JSON, a JSON line
        that is not an object, or a damaged Parquet file.
    """
    import csv
    import io

    from stance.corpus import read_text_file

    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in TABLE_SUFFIXES:
        raise StanceInputError(f"unsupported table type {suffix!r}; use one of {', '.join(TABLE_SUFFIXES)}", file=path)
    if suffix in {".parquet", ".pq"}:
        frame = read_parquet(path)
        return [(i + 1, r) for i, r in enumerate(frame.to_dict("records"))]
    text = read_text_file(path)
    if suffix in {".jsonl", ".ndjson"}:
        rows = []
        for i, line in enumerate(text.splitlines(), start=1):
            if not line.strip():
                continue
            obj = json_value(line, path, i)
            if not isinstance(obj, dict):
                raise StanceInputError("each line must be a JSON object", file=path, line=i)
            rows.append((i, obj))
        return rows
    reader = csv.DictReader(io.StringIO(text, newline=""), delimiter="\t" if suffix == ".tsv" else ",")
    rows, start = [], 2
    for row in csv_rows(reader, path):
        if None in row:
            raise StanceInputError("the row has more fields than the header", file=path, line=start)
        rows.append((start, {str(k).strip(): v for k, v in row.items()}))
        start = reader.line_num + 1
    return rows


# ---------------------------------------------------------------------------- reading inside a folder
def inside_folder(
    folder: str | Path,
    name: str,
    *,
    allow_outside: bool | None = None,
    file: str | Path | None = None,
    line: int | None = None,
    field: str = "file",
) -> Path:
    """``folder / name``, refused when it leads outside ``folder``.

    A name with ``..``, an absolute path, or a symlink that resolves outside ``folder`` is
    refused unless ``allow_outside`` (default: the ``allow_outside_corpus`` setting).

    Raises
    ------
    StanceInputError
        Naming ``file``, ``line`` and ``field`` (the manifest cell) and where the name leads.
    """
    folder = Path(folder)
    target = folder / name
    if allow_outside is None:
        from stance.config import settings

        allow_outside = settings().allow_outside_corpus
    if allow_outside:
        return target
    hint = (
        f"corpus files must be inside {folder}; copy the file there and name it relative to the folder, "
        "or set allow_outside_corpus = true in stance.toml"
    )
    rel = Path(name)
    if rel.is_absolute() or ".." in rel.parts or ("\\" in name and ".." in name.split("\\")):
        raise StanceInputError(f"{name!r} points outside the corpus folder; {hint}", file=file, line=line, field=field)
    real, base = target.resolve(), folder.resolve()
    if real != base and base not in real.parents:
        raise StanceInputError(
            f"{name!r} is a link that leads outside the corpus folder (to {real}); {hint}",
            file=file,
            line=line,
            field=field,
        )
    return target


# ---------------------------------------------------------------------------- output checks
_KIND_NAMES = {".csv": "CSV", ".parquet": "Parquet", ".jsonl": "JSONL", ".json": "JSON", ".xml": "XML"}


def _sniff(path: Path) -> str | None:
    """What an existing file is, when it is one of the project's own kinds: label store or manifest."""
    try:
        with path.open("rb") as fh:
            head = fh.read(4096)
    except OSError:
        return None
    first = head.split(b"\n", 1)[0].decode("utf-8-sig", "replace")
    if path.suffix == ".jsonl" and '"passage_id"' in first and '"annotator"' in first:
        return "a label store"
    cells = {c.strip().strip('"') for c in first.split(",")}
    if {"id", "file"} <= cells:
        return "a corpus manifest"
    return None


def _project_role(target: Path, paths: Any) -> str | None:
    """Which of the project's inputs ``target`` is, if any."""
    named = {
        paths.labels: "the project's label store",
        paths.codebook: "the project's codebook",
        paths.events: "the project's events table",
    }
    for p, role in named.items():
        if target == Path(p).resolve():
            return role
    for corpus in paths.corpora:
        c = Path(corpus).resolve()
        if target == c or (c in target.parents and target.exists()):
            return f"a file of the project corpus {corpus}"
        if target == c / "manifest.csv":
            return f"the manifest of {corpus}"
    models = Path(paths.models).resolve()
    if models in target.parents and Path(paths.evaluation).resolve() not in [target, *target.parents]:
        return "inside the model store (model folders are written by stance train and stance finetune)"
    return None


def check_output(
    path: str | Path,
    suffixes: Iterable[str],
    *,
    inputs: Iterable[str | Path | None] = (),
    paths: Any = None,
    option: str = "--out",
    writes: str | None = None,
) -> bool:
    """Refuse to write ``path`` when it is an input; return True when it replaces an existing file.

    Parameters
    ----------
    path : str or Path
        The output file a user named.
    suffixes : iterable of str
        File kinds the command writes (``[".csv", ".parquet"]``). ``path`` must end in one
        of them; an existing file is replaced only when it is one of them and not a label
        store or a manifest.
    inputs : iterable of path, optional
        The command's own inputs (the file it reads, the store it uses ...).
    paths : ProjectPaths, optional
        The project; default :meth:`ProjectPaths.discover`.
    option : str
        Name of the option that gave ``path``, for the message.
    writes : str, optional
        ``"a label store"`` when the command writes label-store JSONL (an existing file of
        that kind may then be replaced, unless it is an input).

    Returns
    -------
    bool
        True when an existing file will be replaced (the command should say so).

    Raises
    ------
    StanceInputError
        Naming the path, why it is refused and what to do instead.
    """
    from stance.paths import ProjectPaths

    path = Path(path)
    kinds = [s.lower() for s in suffixes]
    if path.suffix.lower() not in kinds:
        raise StanceInputError(
            f"{option} must end in {' or '.join(kinds)} (the kinds this command writes), got {path.suffix or 'none'}",
            file=path,
            field=option,
        )
    target = path.resolve()
    for given in inputs:
        if given is not None and Path(given).resolve() == target:
            raise StanceInputError(
                f"is an input of this command; writing {option} there would destroy it. Give another file name",
                file=path,
                field=option,
            )
    try:
        paths = paths if paths is not None else ProjectPaths.discover()
    except (OSError, ValueError):  # no project here: only the command's own inputs are protected
        paths = None
    role = _project_role(target, paths) if paths is not None else None
    if role is not None:
        raise StanceInputError(
            f"is {role}; this command does not change it. Write {option} to a file outside the project's inputs, "
            f"e.g. build/{path.name}",
            file=path,
            field=option,
        )
    if not target.exists():
        return False
    if not target.is_file():
        raise StanceInputError(f"exists and is not a file; {option} needs a file name", file=path, field=option)
    kind = _sniff(target)
    if kind is not None and kind != writes:
        raise StanceInputError(
            f"is {kind}, not output of this command; it is left as it is. Give another file name",
            file=path,
            field=option,
        )
    return True


def replaced_note(path: str | Path, replaced: bool) -> str:
    """``"wrote X"``, or ``"wrote X (replacing the earlier file)"`` for a command's last line."""
    return f"wrote {path}{' (replacing the earlier file)' if replaced else ''}"
