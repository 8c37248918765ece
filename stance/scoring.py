"""Score large corpora in bounded memory: chunked reading, scoring and Parquet writing.

A table of passages (CSV, JSON Lines or Parquet; one text per row) is cut into parts of
``chunksize`` rows. Each part is read on its own, scored by :func:`score_frame` with every
task's model, and appended to one Parquet file, so memory holds one part and the models
whatever the size of the input. Rows keep the input order.

The same parts and the same scoring function run in one process (``engine="local"``) or
as the partitions of a Dask DataFrame (``engine="dask"``) on a local cluster or on a
scheduler the user names. Because a passage's scores depend on its text only, the two
engines write the same table (bit for bit with the codebook lexicon or TF-IDF; neural
models may differ in the last float digits, as torch's arithmetic depends on the number of
threads).

Layout of the output (one row per passage)::

    row          0-based position of the input row (of the document with ``split``)
    <id column>  passage_id / id / doc_id of the input, when it has one
    <--keep>     any input columns asked for
    frames       predicted frames, ";"-joined, in codebook order
    p:<frame>    frame probabilities
    stance:<t>   predicted stance class towards target t
    p:<t>:<c>    stance class probabilities

The Parquet schema metadata (key ``stance``) records the models (task, version, content
hash, backend), what ran the sentence encoder (``encoder_runtime``) and the input file.
Exact duplicate texts within a part are scored once. When the input has an ``analysable`` or
an ``on_topic`` column (true/false, yes/no, 1/0; empty counts as true), a row where either is
false is not encoded or scored, as for the project corpus: it stays in the output with its
flags and empty scores (null labels, NaN probabilities).

Encoding is length-sorted within each part (see :mod:`stance.encoders`): texts are
ordered by token count, batched, padded only to the longest text of their batch, and put
back in input order. Embeddings are shared between the tasks of a part and then dropped
(:func:`stance.encoders.transient_cache`), never written to the on-disk cache.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import json
import logging
import threading
import time
from collections import deque
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from stance import cache
from stance._lazy import require
from stance._progress import progress
from stance.analysis import scored_tasks
from stance.classifiers import REGISTRY
from stance.codebook import Codebook
from stance.corpus import BOILERPLATE_RULES, classify_passage, split_paragraphs, text_hash
from stance.encoders import transient_cache
from stance.errors import StanceInputError
from stance.io import atomic_path, json_value
from stance.models import ModelHandle, default_path, read_config

__all__ = [
    "DEFAULT_CHUNKSIZE",
    "ENGINES",
    "FLAG_COLUMNS",
    "FREE_BACKENDS",
    "Part",
    "ScoreRun",
    "needs_model",
    "output_columns",
    "plan_parts",
    "pred_column",
    "prob_prefix",
    "read_part",
    "resolve_models",
    "score_file",
    "score_frame",
    "split_documents",
    "task_columns",
]

#: Rows per part. About 2,000 passages keep a part well under 100 MB with any backend.
DEFAULT_CHUNKSIZE = 2000
#: Execution engines of :func:`score_file`.
ENGINES = ("local", "dask")
#: Backends that score from the codebook alone (no trained model needed).
FREE_BACKENDS = ("lexicon", "zeroshot")
#: Input columns that mark rows needing no model (false: not encoded, scores left empty).
FLAG_COLUMNS = ("analysable", "on_topic")
_TRUE = frozenset({"true", "t", "yes", "y", "1", "1.0"})
_FALSE = frozenset({"false", "f", "no", "n", "0", "0.0"})
_ID_COLUMNS = ("passage_id", "id", "doc_id")
_FORMATS = {".csv": "csv", ".jsonl": "jsonl", ".ndjson": "jsonl", ".parquet": "parquet", ".pq": "parquet"}
#: The open Parquet reader of the part read last in this thread (reading part i+1 continues it).
_CURSOR = threading.local()
cache.register("scoring.parquet_cursor", lambda: _CURSOR.__dict__.pop("state", None))


# ------------------------------------------------------------------------------ models
def pred_column(handle: ModelHandle) -> str:
    """Column of a task's predicted labels: ``frames`` or the task name (``stance:<target>``)."""
    return handle.task


def prob_prefix(handle: ModelHandle) -> str:
    """Prefix of a task's probability columns: ``p:`` for frames, ``p:<target>:`` for stance."""
    if handle.task == "frames":
        return "p:"
    if handle.task.startswith("stance:"):
        return f"p:{handle.task.split(':', 1)[1]}:"
    return f"p:{handle.task}:"


def task_columns(handle: ModelHandle) -> list[str]:
    """Output columns of one task, in order: the predicted labels, then one probability per label."""
    return [pred_column(handle), *[f"{prob_prefix(handle)}{label}" for label in handle.labels]]


def _load_codebook(codebook: Codebook | str | Path | None) -> Codebook:
    if codebook is None or isinstance(codebook, str | Path):
        return Codebook.load(codebook)
    return codebook


def _folder_task(folder: Path) -> str:
    task = read_config(folder).get("task")
    if not task:
        raise StanceInputError("the model folder does not record its task; name it with --task", file=folder)
    return str(task)


def _check_tasks(tasks: Sequence[str], cb: Codebook) -> None:
    for task in tasks:
        if task not in cb.tasks:
            raise StanceInputError(f"unknown task {task!r}; the codebook defines: {', '.join(cb.tasks)}", field="task")


def resolve_models(
    tasks: Sequence[str] | None = None,
    model: str | Path = "default",
    *,
    codebook: Codebook | str | Path | None = None,
    models_dir: str | Path | None = None,
) -> list[ModelHandle]:
    """Which model scores each task, without loading any.

    Parameters
    ----------
    tasks : sequence of str, optional
        Codebook tasks. Default: ``frames`` and every ``stance:<target>``; for a model
        folder, the task recorded in its ``config.json``.
    model : str or Path
        ``"default"`` (each task's promoted model under ``models/``), a training-free
        backend (``"lexicon"`` or ``"zeroshot"``, built from the codebook), or a saved model
        folder (one task).
    codebook : Codebook or path, optional
        Default: the project codebook.
    models_dir : path, optional
        Model store for ``"default"`` (default ``<project>/models``).

    Returns
    -------
    list of stance.models.ModelHandle

    Raises
    ------
    stance.models.MissingModelError
        ``"default"`` and a task has no promoted model (the message names ``stance train``).
    StanceInputError
        Unknown task, a backend that needs training, or an unusable folder.
    """
    cb = _load_codebook(codebook)
    spec = str(model)
    folder = Path(spec).expanduser()
    if spec not in ("default", *REGISTRY) and folder.is_dir():
        tasks = list(tasks) if tasks is not None else [_folder_task(folder)]
        if len(tasks) != 1:
            raise StanceInputError(f"a model folder scores one task, but {len(tasks)} were asked for", file=folder)
        return [_folder_handle(tasks[0], folder, cb)]
    tasks = list(tasks) if tasks is not None else scored_tasks(cb)
    _check_tasks(tasks, cb)
    if spec == "default":
        return [_folder_handle(t, default_path(t, models_dir), cb) for t in tasks]
    if spec in FREE_BACKENDS:
        return [ModelHandle.from_backend(t, spec, cb) for t in tasks]
    if spec in REGISTRY:
        raise StanceInputError(
            f"backend {spec!r} needs training; use --model default (train with `stance train`), a saved model "
            f"folder, or a training-free backend ({', '.join(FREE_BACKENDS)})",
            field="model",
        )
    raise StanceInputError(
        f"--model must be 'default', one of {', '.join(FREE_BACKENDS)}, or a saved model folder",
        file=spec,
        field="model",
    )


def _folder_handle(task: str, folder: Path, cb: Codebook) -> ModelHandle:
    handle = ModelHandle.from_folder(task, folder, multilabel=cb.is_multilabel(task) if task in cb.tasks else False)
    return dataclasses.replace(handle, codebook=str(cb.path)) if getattr(cb, "path", None) else handle


# ------------------------------------------------------------------------------ scoring
def _task_scores(handle: ModelHandle, texts: list[str]) -> tuple[list[str], np.ndarray]:
    """Predicted labels (``;``-joined for multi-label) and probabilities in ``handle.labels`` order."""
    labels = np.asarray(handle.labels, dtype=object)
    if not texts:
        return [], np.zeros((0, len(labels)))
    model = handle.load()
    classes = [str(c) for c in model.classes_]
    raw = np.asarray(model.predict_proba(texts), dtype=np.float64)
    decided = np.asarray(model.decide(raw))
    index = [classes.index(label) for label in handle.labels]
    if decided.ndim == 2:
        on = decided[:, index].astype(bool)
        return [";".join(labels[row]) for row in on], raw[:, index]
    return [str(c) for c in decided], raw[:, index]


def score_frame(
    frame: pd.DataFrame, models: Sequence[ModelHandle], text_column: str = "text", keep_text: bool = False
) -> pd.DataFrame:
    """Score the texts of one part with every model: the per-part function of both engines.

    Parameters
    ----------
    frame : DataFrame
        Passages; every column other than ``text_column`` is carried through.
    models : sequence of ModelHandle
        From :func:`resolve_models`; loaded on first use in this process.
    text_column : str
    keep_text : bool
        Keep the text column in the output.

    Returns
    -------
    DataFrame
        The carried columns, then per task the predicted labels and the probabilities
        (see :func:`task_columns`), one row per input row in input order. The decisions
        are each model's own (:meth:`stance.classifiers.TextClassifier.decide`). Rows that
        :func:`needs_model` rules out keep empty scores. An empty frame gives the empty
        table with the right columns without loading any model.
    """
    # exact duplicates are scored once (a passage's scores depend on its text only); rows
    # flagged as not analysable or off topic get code -1: no model sees them
    codes, unique = pd.factorize(frame[text_column].where(needs_model(frame)), sort=False)
    texts = [str(t) for t in unique]
    scored = codes >= 0
    out = frame.drop(columns=[] if keep_text else [text_column]).reset_index(drop=True)
    cols: dict[str, Any] = {}
    with transient_cache():
        for handle in models:
            pred, prob = _task_scores(handle, texts)
            full = np.full((len(codes), len(handle.labels)), np.nan)
            full[scored] = prob[codes[scored]]
            cols[pred_column(handle)] = pd.Series([pred[c] if c >= 0 else None for c in codes], dtype=object)
            for j, name in enumerate(task_columns(handle)[1:]):
                cols[name] = full[:, j]
    return pd.concat([out, pd.DataFrame(cols, index=out.index)], axis=1)


def needs_model(frame: pd.DataFrame) -> np.ndarray:
    """Rows to encode and score: none of the :data:`FLAG_COLUMNS` present is false (missing counts as true)."""
    keep = np.ones(len(frame), dtype=bool)
    for column in FLAG_COLUMNS:
        if column in frame.columns:
            keep &= np.array([_flag(v) is not False for v in frame[column].tolist()], dtype=bool)
    return keep


def _flag(value: Any) -> bool | None:
    """``value`` of a flag column as True, False, or None (empty); raises ValueError otherwise."""
    if value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value)):
        return None
    if isinstance(value, bool | np.bool_):
        return bool(value)
    text = str(value).strip().lower()
    if not text:
        return None
    if text in _TRUE or text in _FALSE:
        return text in _TRUE
    raise ValueError(value)


def _parse_flags(frame: pd.DataFrame, part: Part, lines: list[int] | None) -> None:
    """Turn the flag columns of a part into nullable booleans, naming the line of a bad value."""
    for column in (c for c in FLAG_COLUMNS if c in frame.columns):
        values = []
        for i, value in enumerate(frame[column].tolist()):
            try:
                values.append(_flag(value))
            except ValueError:
                line = lines[i] if lines is not None else part.first_line + i
                raise StanceInputError(
                    f"{value!r} is not true or false (also accepted: yes/no, 1/0, empty for unknown)",
                    file=part.path,
                    line=line,
                    field=column,
                ) from None
        frame[column] = pd.array(values, dtype="boolean")


def output_columns(models: Sequence[ModelHandle]) -> list[str]:
    """Score columns written for ``models``, in order."""
    return [c for handle in models for c in task_columns(handle)]


def split_documents(frame: pd.DataFrame, id_column: str, text_column: str = "text") -> pd.DataFrame:
    """Split document rows into their analysable paragraphs, as :func:`stance.corpus.load_corpus` does.

    Parameters
    ----------
    frame : DataFrame
        One document per row: ``row``, ``id_column``, ``text_column`` and optionally
        ``title`` and ``author`` (used to drop headlines and bylines) and other columns.
    id_column : str
        Document id column; passage ids are ``<doc_id>:p<NNN>:<text hash>``.
    text_column : str

    Returns
    -------
    DataFrame
        One row per analysable paragraph: the document's columns (text replaced by the
        paragraph), then ``passage_id`` and ``para_index``.
    """
    rows: list[dict[str, Any]] = []
    for rec in frame.to_dict("records"):
        doc_id = str(rec[id_column]).strip()
        title, author = str(rec.get("title") or ""), str(rec.get("author") or "")
        for i, para in enumerate(split_paragraphs(rec[text_column])):
            if classify_passage(para, title=title, author=author, rules=BOILERPLATE_RULES):
                continue
            rows.append(
                {**rec, text_column: para, "passage_id": f"{doc_id}:p{i:03d}:{text_hash(para)[:8]}", "para_index": i}
            )
    columns = [*frame.columns, "passage_id", "para_index"]
    out = pd.DataFrame(rows, columns=columns)
    return out.astype({"para_index": "int64", "row": "int64"}) if "row" in out.columns else out


def _process(
    frame: pd.DataFrame,
    models: Sequence[ModelHandle],
    text_column: str,
    keep_text: bool,
    split_id: str | None,
    drop: tuple[str, ...],
) -> pd.DataFrame:
    """Read part -> (split into paragraphs) -> score: what each part goes through on either engine."""
    if split_id is not None:
        frame = split_documents(frame, split_id, text_column)
    if drop:
        frame = frame.drop(columns=[c for c in drop if c in frame.columns])
    return score_frame(frame, models, text_column, keep_text)


# ------------------------------------------------------------------------------ reading
@dataclass(frozen=True)
class Part:
    """A run of consecutive rows of an input file, readable on its own (by any process).

    Attributes
    ----------
    path : str
    kind : {"csv", "jsonl", "parquet"}
    index : int
        Position of the part in the file.
    start, stop : int
        Byte range (CSV, JSON Lines), or row group and slice number within it (Parquet).
    first_line : int
        1-based line of the part's first row (CSV: the header is line 1; Parquet: the row number).
    first_row : int
        0-based index of the part's first row among the file's rows.
    n_rows : int
    header : tuple of str
        Column names of the file.
    chunksize : int
    """

    path: str
    kind: str
    index: int
    start: int
    stop: int
    first_line: int
    first_row: int
    n_rows: int
    header: tuple[str, ...]
    chunksize: int


def _kind(path: Path) -> str:
    kind = _FORMATS.get(path.suffix.lower())
    if kind is None:
        raise StanceInputError(f"unsupported file type {path.suffix!r}; use .csv, .jsonl or .parquet", file=path)
    return kind


def _bad_utf8(path: Path, line: int, exc: UnicodeDecodeError, raw: bytes, field: str | None) -> StanceInputError:
    return StanceInputError(
        f"not valid UTF-8 (byte {raw[exc.start : exc.start + 1]!r} at column {exc.start + 1}); re-save the file as "
        "UTF-8",
        file=path,
        line=line,
        field=field,
    )


def _csv_field(header: Sequence[str], record: bytes) -> str | None:
    """Name of the CSV field in which ``record`` (the bytes up to a position) ends."""
    quoted, index = False, 0
    for byte in record:
        if byte == 0x22:
            quoted = not quoted
        elif byte == 0x2C and not quoted:
            index += 1
    return header[index] if index < len(header) else f"column {index + 1}"


def _plan_csv(path: Path, chunksize: int) -> list[Part]:
    parts: list[Part] = []
    with path.open("rb") as fh:
        offset, line_no, quoted = 0, 0, False
        header_bytes = b""
        header: tuple[str, ...] | None = None
        record = b""
        rec_start = rec_line = 0
        n_rows = 0
        part_start = part_line = part_row = 0

        def close_part(stop: int) -> None:
            """End the current part before byte ``stop``."""
            rows = n_rows - part_row
            parts.append(
                Part(str(path), "csv", len(parts), part_start, stop, part_line, part_row, rows, header, chunksize)
            )

        for raw in fh:
            line_no += 1
            if line_no == 1 and raw.startswith(b"\xef\xbb\xbf"):
                raw_text = raw[3:]
                offset += 3
            else:
                raw_text = raw
            try:
                raw_text.decode("utf-8")
            except UnicodeDecodeError as exc:
                before = record + raw_text[: exc.start] if quoted else raw_text[: exc.start]
                field = _csv_field(header, before) if header is not None else None
                raise _bad_utf8(path, line_no, exc, raw_text, field) from exc
            if header is None:
                header_bytes += raw_text
                quoted ^= raw_text.count(b'"') % 2 == 1
                offset += len(raw_text)
                if not quoted:
                    text = header_bytes.decode("utf-8")
                    if not text.strip():
                        raise StanceInputError("file is empty (no header row)", file=path, line=1)
                    header = tuple(next(csv.reader(io.StringIO(text))))
                continue
            if not quoted:
                if not raw_text.strip():
                    offset += len(raw_text)
                    continue
                rec_start, rec_line, record = offset, line_no, b""
                if n_rows % chunksize == 0:
                    if n_rows:
                        close_part(rec_start)
                    part_start, part_line, part_row = rec_start, rec_line, n_rows
                n_rows += 1
            record += raw_text
            quoted ^= raw_text.count(b'"') % 2 == 1
            offset += len(raw_text)
        if header is None:
            raise StanceInputError("file is empty", file=path, line=1)
        if quoted:
            raise StanceInputError("a quoted field is never closed", file=path, line=rec_line if n_rows else 1)
        if n_rows == 0:
            raise StanceInputError("the file has a header but no rows", file=path, line=2)
        close_part(offset)
    return parts


def _json_field(text: str) -> str | None:
    """The key of a JSON line whose value holds an undecodable byte (shown as U+FFFD)."""
    try:
        obj = json.loads(text)
    except (ValueError, RecursionError):
        return None
    if isinstance(obj, dict):
        for key, value in obj.items():
            if "\ufffd" in str(value):
                return str(key)
    return None


def _plan_jsonl(path: Path, chunksize: int) -> list[Part]:
    starts: list[tuple[int, int]] = []  # (byte offset, line) of every chunksize-th record
    offset = line_no = n_rows = 0
    header: tuple[str, ...] = ()
    with path.open("rb") as fh:
        for raw in fh:
            line_no += 1
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                raise _bad_utf8(path, line_no, exc, raw, _json_field(raw.decode("utf-8", errors="replace"))) from exc
            if text.strip():
                if n_rows == 0:
                    obj = json_value(text, path, line_no)
                    if not isinstance(obj, dict):
                        raise StanceInputError("each line must be a JSON object", file=path, line=line_no)
                    header = tuple(obj)
                if n_rows % chunksize == 0:
                    starts.append((offset, line_no))
                n_rows += 1
            offset += len(raw)
    if n_rows == 0:
        raise StanceInputError("file is empty", file=path, line=1)
    stops = [o for o, _ in starts[1:]] + [offset]
    return [
        Part(
            str(path),
            "jsonl",
            i,
            start,
            stop,
            line,
            i * chunksize,
            min(chunksize, n_rows - i * chunksize),
            header,
            chunksize,
        )
        for i, ((start, line), stop) in enumerate(zip(starts, stops, strict=True))
    ]


def _plan_parquet(path: Path, chunksize: int) -> list[Part]:
    import pyarrow as pa
    import pyarrow.parquet as pq

    if path.stat().st_size == 0:
        raise StanceInputError("file is empty", file=path, line=1)
    try:
        pf = pq.ParquetFile(path)
    except (pa.ArrowException, OSError) as exc:
        raise StanceInputError(f"not a readable Parquet file: {exc}", file=path) from exc
    header = tuple(pf.schema_arrow.names)
    parts: list[Part] = []
    row = 0
    for rg in range(pf.num_row_groups):
        n = pf.metadata.row_group(rg).num_rows
        for k in range(0, n, chunksize):
            size = min(chunksize, n - k)
            parts.append(
                Part(str(path), "parquet", len(parts), rg, k // chunksize, row + 1, row, size, header, chunksize)
            )
            row += size
    if row == 0:
        raise StanceInputError("the file has no rows", file=path, line=1)
    return parts


def plan_parts(path: str | Path, chunksize: int = DEFAULT_CHUNKSIZE, text_column: str = "text") -> list[Part]:
    """Cut an input file into parts of ``chunksize`` rows, checking it on the way.

    CSV and JSON Lines files are scanned once (checking UTF-8 and finding where every
    ``chunksize``-th row starts); Parquet parts come from the row-group metadata.

    Raises
    ------
    StanceInputError
        A missing, empty or non-UTF-8 file (naming the line and field of the first bad
        byte), an unclosed quote, or no ``text_column``.
    """
    path = Path(path)
    if chunksize < 1:
        raise StanceInputError("chunksize must be at least 1", field="chunksize")
    if not path.is_file():
        raise StanceInputError("file not found", file=path)
    kind = _kind(path)
    if path.stat().st_size == 0:
        raise StanceInputError("file is empty", file=path, line=1)
    parts = {"csv": _plan_csv, "jsonl": _plan_jsonl, "parquet": _plan_parquet}[kind](path, chunksize)
    header = parts[0].header
    if kind != "jsonl" and text_column not in header:
        raise StanceInputError(
            f"no column {text_column!r}; the columns are {', '.join(header)} (choose one with --text-column)",
            file=path,
            line=1,
            field=text_column,
        )
    if kind == "jsonl" and text_column not in header:
        raise StanceInputError(
            f"no key {text_column!r}; the keys are {', '.join(header)} (choose one with --text-column)",
            file=path,
            line=parts[0].first_line,
            field=text_column,
        )
    return parts


def _csv_record_lines(data: bytes, first_line: int) -> list[int]:
    """1-based line of each non-blank record in a CSV byte range starting at ``first_line``."""
    lines, quoted = [], False
    for i, raw in enumerate(data.split(b"\n")):
        if not quoted and raw.strip():
            lines.append(first_line + i)
        quoted ^= raw.count(b'"') % 2 == 1
    return lines


def _read_csv(part: Part, columns: list[str]) -> tuple[pd.DataFrame, list[int] | None]:
    with open(part.path, "rb") as fh:
        fh.seek(part.start)
        data = fh.read(part.stop - part.start)
    try:
        frame = pd.read_csv(
            io.StringIO(data.decode("utf-8")),
            header=None,
            names=list(part.header),
            usecols=columns,
            dtype=str,
            keep_default_na=False,
            skip_blank_lines=True,
        )
    except (pd.errors.ParserError, ValueError) as exc:
        raise StanceInputError(
            f"cannot parse the CSV rows from here on: {exc}", file=part.path, line=part.first_line
        ) from exc
    if len(frame) != part.n_rows:
        raise StanceInputError(
            f"expected {part.n_rows} rows from here on, read {len(frame)}; check the quoting",
            file=part.path,
            line=part.first_line,
        )
    return frame, _csv_record_lines(data, part.first_line)


def _read_jsonl(part: Part, columns: list[str]) -> tuple[pd.DataFrame, list[int]]:
    with open(part.path, "rb") as fh:
        fh.seek(part.start)
        data = fh.read(part.stop - part.start)
    records: list[dict] = []
    lines: list[int] = []
    for i, raw in enumerate(data.split(b"\n")):
        text = raw.decode("utf-8")
        if not text.strip():
            continue
        line = part.first_line + i
        obj = json_value(text, part.path, line)
        if not isinstance(obj, dict):
            raise StanceInputError("each line must be a JSON object", file=part.path, line=line)
        records.append({c: obj.get(c) for c in columns} | {"__has_text": columns[-1] in obj})
        lines.append(line)
    frame = pd.DataFrame.from_records(records, columns=[*columns, "__has_text"])
    missing = np.flatnonzero(~frame["__has_text"].to_numpy(dtype=bool))
    if len(missing):
        raise StanceInputError(f"no key {columns[-1]!r}", file=part.path, line=lines[missing[0]], field=columns[-1])
    return frame.drop(columns="__has_text"), lines


def _parquet_batches(path: str, rg: int, chunksize: int, columns: list[str]) -> Iterator[Any]:
    """Exactly ``chunksize``-row tables of one row group (the last may be shorter)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    pending: list[Any] = []
    size = 0
    for batch in pq.ParquetFile(path).iter_batches(batch_size=chunksize, row_groups=[rg], columns=columns):
        pending.append(batch)
        size += batch.num_rows
        while size >= chunksize:
            table = pa.Table.from_batches(pending)
            yield table.slice(0, chunksize)
            rest = table.slice(chunksize)
            pending, size = rest.to_batches(), rest.num_rows
    if size:
        yield pa.Table.from_batches(pending)


def _read_parquet(part: Part, columns: list[str]) -> tuple[pd.DataFrame, None]:
    key = (part.path, part.start, part.chunksize, tuple(columns))
    cursor = getattr(_CURSOR, "state", None)
    if cursor is None or cursor[0] != key or cursor[2] != part.stop:
        batches = _parquet_batches(part.path, part.start, part.chunksize, columns)
        for _ in range(part.stop):
            next(batches)
        cursor = (key, batches, part.stop)
    table = next(cursor[1])
    _CURSOR.state = (key, cursor[1], part.stop + 1)
    return table.to_pandas(), None


def read_part(part: Part, columns: Sequence[str], text_column: str = "text") -> pd.DataFrame:
    """Read one part: the ``row`` index, then ``columns`` (the text column last is checked).

    Parameters
    ----------
    part : Part
        From :func:`plan_parts`.
    columns : sequence of str
        Columns to read, ``text_column`` among them; missing ones are an error for CSV and
        Parquet, and empty (None) for JSON Lines. Those of :data:`FLAG_COLUMNS` are read as
        nullable booleans.
    text_column : str

    Raises
    ------
    StanceInputError
        Unparseable rows, or a text that is missing, empty or not a string (naming the
        line, or the row of a Parquet file, and the field).
    """
    columns = [c for c in dict.fromkeys(columns) if c != text_column] + [text_column]
    unknown = [c for c in columns if part.kind != "jsonl" and c not in part.header]
    if unknown:
        raise StanceInputError(
            f"no column {unknown[0]!r}; the columns are {', '.join(part.header)}",
            file=part.path,
            line=1,
            field=unknown[0],
        )
    reader = {"csv": _read_csv, "jsonl": _read_jsonl, "parquet": _read_parquet}[part.kind]
    frame, lines = reader(part, columns)
    text = frame[text_column]
    bad = ~text.map(lambda v: isinstance(v, str) and bool(v.strip())).to_numpy(dtype=bool)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        value = text.iloc[i]
        empty = value is None or (isinstance(value, float) and np.isnan(value)) or isinstance(value, str)
        what = "empty text" if empty else f"text is {type(value).__name__}, not a string"
        line = lines[i] if lines is not None else part.first_line + i
        raise StanceInputError(
            f"{what}; remove the row or fill in its text", file=part.path, line=line, field=text_column
        )
    _parse_flags(frame, part, lines)
    frame.insert(0, "row", np.arange(part.first_row, part.first_row + len(frame), dtype=np.int64))
    return frame.reset_index(drop=True)


# ------------------------------------------------------------------------------ writing
@dataclass
class ScoreRun:
    """What :func:`score_file` did.

    Attributes
    ----------
    out : Path
    rows_in, rows_out : int
        Input rows, and output rows (more with ``split``: one per analysable paragraph).
    parts : int
    engine : str
    seconds_load : float
        Loading the models (local engine; 0 with Dask, where the workers load them).
    seconds_score : float
        Reading, scoring and writing the parts.
    seconds_total : float
    models : dict
        Task to provenance (version, hash, backend, source).
    encoder_runtime : str
        What ran the sentence encoder (:func:`stance.encoders_onnx.recorded_runtime`).
    """

    out: Path
    rows_in: int = 0
    rows_out: int = 0
    parts: int = 0
    engine: str = "local"
    seconds_load: float = 0.0
    seconds_score: float = 0.0
    seconds_total: float = 0.0
    models: dict[str, dict[str, str]] = field(default_factory=dict)
    encoder_runtime: str = ""


def _id_column(header: Sequence[str], id_column: str | None, split: bool, path: str) -> str | None:
    if id_column is not None:
        if header and id_column not in header:
            raise StanceInputError(
                f"no column {id_column!r}; the columns are {', '.join(header)}", file=path, line=1, field=id_column
            )
        return id_column
    candidates = ("doc_id", "id") if split else _ID_COLUMNS
    found = next((c for c in candidates if c in header), None)
    if split and found is None:
        raise StanceInputError(
            "splitting documents needs a document id column (doc_id or id; or --id-column)",
            file=path,
            line=1,
            field="doc_id",
        )
    return found


def _write(frames: Iterable[pd.DataFrame], out: Path, metadata: dict[str, Any]) -> int:
    """Append ``frames`` to one Parquet file, written to a temporary name and renamed at the end."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    writer = None
    rows = 0
    with atomic_path(out) as tmp:
        try:
            for frame in frames:
                if writer is not None and frame.empty:
                    continue
                table = pa.Table.from_pandas(frame, preserve_index=False)
                if writer is None:
                    # a column with no value yet (all null, or no rows) is written as text
                    fields = [pa.field(f.name, pa.string()) if pa.types.is_null(f.type) else f for f in table.schema]
                    schema = pa.schema(fields, metadata={b"stance": json.dumps(metadata, sort_keys=True).encode()})
                    writer = pq.ParquetWriter(tmp, schema)
                try:
                    table = table.cast(writer.schema)
                except (pa.ArrowInvalid, pa.ArrowTypeError, ValueError) as exc:
                    raise StanceInputError(
                        f"a column changes type between rows: {exc}", file=metadata["input"]
                    ) from exc
                writer.write_table(table)
                rows += len(frame)
            if writer is None:
                raise StanceInputError("nothing to write", file=metadata["input"])
            writer.close()
            writer = None
        finally:
            if writer is not None:
                writer.close()
    return rows


#: Seconds to wait for a Dask scheduler named with ``--scheduler`` before giving up.
SCHEDULER_TIMEOUT = 10.0


def _connect(distributed: Any, scheduler: str) -> Any:
    """A client of the running scheduler at ``scheduler``, or a located error when it cannot be reached."""
    if "://" not in scheduler or not scheduler.split("://", 1)[1]:
        raise StanceInputError(
            f"{scheduler!r} is not a scheduler address; give one like tcp://host:8786", field="--scheduler"
        )
    try:
        return distributed.Client(scheduler, timeout=SCHEDULER_TIMEOUT)
    except (OSError, TimeoutError, ValueError) as exc:
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise StanceInputError(
            f"no Dask scheduler answered at {scheduler} within {SCHEDULER_TIMEOUT:g} s ({first}); check the "
            "address and that the scheduler is running, or leave out --scheduler to use a local cluster",
            field="--scheduler",
        ) from exc


def _dask_frames(
    parts: list[Part],
    columns: list[str],
    process: Any,
    meta_out: pd.DataFrame,
    text_column: str,
    n_workers: int,
    scheduler: str | None,
) -> Iterator[pd.DataFrame]:
    """The processed parts in order, computed as the partitions of a Dask DataFrame.

    At most two parts per worker are in flight, so the client holds a bounded number of
    results however many parts there are.
    """
    dd = require("dask.dataframe", extra="scale")
    distributed = require("distributed", extra="scale")
    reader = partial(read_part, columns=columns, text_column=text_column)
    meta_in = reader(parts[0]).iloc[:0]
    ddf = dd.from_map(reader, parts, meta=meta_in, enforce_metadata=False, label="read-part")
    scored = ddf.map_partitions(process, meta=meta_out, enforce_metadata=False)
    cluster = None
    if scheduler:
        client = _connect(distributed, scheduler)
    else:
        cluster = distributed.LocalCluster(
            n_workers=n_workers,
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
            silence_logs=logging.ERROR,
        )
        client = distributed.Client(cluster)
    try:
        pending: deque[Any] = deque()
        delayed = iter(scored.to_delayed())
        workers = n_workers if cluster is not None else len(client.scheduler_info().get("workers", {}))
        for item in delayed:
            pending.append(client.compute(item))
            if len(pending) >= 2 * max(1, workers):
                break
        while pending:
            result = pending.popleft().result()
            nxt = next(delayed, None)
            if nxt is not None:
                pending.append(client.compute(nxt))
            yield result
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


def score_file(
    path: str | Path,
    out: str | Path,
    *,
    models: Sequence[ModelHandle] | None = None,
    tasks: Sequence[str] | None = None,
    model: str | Path = "default",
    codebook: Codebook | str | Path | None = None,
    models_dir: str | Path | None = None,
    text_column: str = "text",
    id_column: str | None = None,
    keep: Sequence[str] = (),
    keep_text: bool = False,
    split: bool = False,
    chunksize: int = DEFAULT_CHUNKSIZE,
    engine: str = "local",
    n_workers: int = 2,
    scheduler: str | None = None,
    show_progress: bool = True,
) -> ScoreRun:
    """Score a CSV, JSON Lines or Parquet table in parts and write the scores to one Parquet file.

    Parameters
    ----------
    path : path
        Input table; one passage per row (one document per row with ``split``).
    out : path
        Output Parquet file (replaced only when the run succeeds).
    models : sequence of ModelHandle, optional
        Default: :func:`resolve_models` of ``tasks``, ``model``, ``codebook`` and
        ``models_dir``.
    tasks, model, codebook, models_dir
        See :func:`resolve_models`.
    text_column : str
    id_column : str, optional
        Carried into the output; default the first of passage_id, id, doc_id in the input.
    keep : sequence of str
        Further input columns to carry into the output.
    keep_text : bool
        Write the text column too.
    split : bool
        Rows are documents: split each into paragraphs, drop headlines, bylines and other
        boilerplate, and score the rest (as :func:`stance.corpus.load_corpus` would).
    chunksize : int
        Rows per part.
    engine : {"local", "dask"}
    n_workers : int
        Worker processes of the local Dask cluster (one thread each).
    scheduler : str, optional
        Address of a running Dask scheduler (e.g. ``tcp://10.0.0.5:8786``) to use instead
        of a local cluster; its workers must be able to read ``path`` and have ``stance``
        and the models installed at the same paths.
    show_progress : bool
        Progress bar over parts (off in quiet mode).

    Returns
    -------
    ScoreRun

    Raises
    ------
    StanceInputError
        Bad input (see :func:`plan_parts`, :func:`read_part`); nothing is written.
    """
    t0 = time.perf_counter()
    if engine not in ENGINES:
        raise StanceInputError(f"unknown engine {engine!r}; choose one of {', '.join(ENGINES)}", field="engine")
    path, out = Path(path), Path(out)
    if out.suffix.lower() not in (".parquet", ".pq"):
        raise StanceInputError("the output must be a .parquet file", file=out)
    parts = plan_parts(path, chunksize, text_column)
    header = parts[0].header
    ident = _id_column(header, id_column, split, str(path))
    extra = ["title", "author"] if split else []
    flags = [c for c in FLAG_COLUMNS if c in header]
    read_cols = [
        c
        for c in dict.fromkeys([*([ident] if ident else []), *keep, *flags, *[c for c in extra if c in header]])
        if c != text_column
    ]
    drop = tuple(c for c in extra if c in header and c not in keep and c != ident)
    models = (
        list(models) if models is not None else resolve_models(tasks, model, codebook=codebook, models_dir=models_dir)
    )
    run = ScoreRun(
        out=out,
        engine=engine,
        parts=len(parts),
        rows_in=sum(p.n_rows for p in parts),
        models={handle.task: handle.describe() for handle in models},
    )
    from stance.encoders_onnx import recorded_runtime

    run.encoder_runtime = recorded_runtime(handle.backend for handle in models)
    process = partial(
        _process,
        models=tuple(models),
        text_column=text_column,
        keep_text=keep_text,
        split_id=ident if split else None,
        drop=drop,
    )
    metadata = {
        "input": str(path),
        "models": run.models,
        "encoder_runtime": run.encoder_runtime,
        "text_column": text_column,
        "split": split,
        "chunksize": chunksize,
        "skip_flags": flags,
    }

    def shown(items: Iterable[Any]) -> Iterable[Any]:
        return progress(items, desc="scoring", total=len(parts)) if show_progress else items

    if engine == "local":
        t_load = time.perf_counter()
        for handle in models:
            handle.load()
        run.seconds_load = time.perf_counter() - t_load
        reader = partial(read_part, columns=read_cols, text_column=text_column)
        frames: Iterable[pd.DataFrame] = (process(reader(p)) for p in shown(parts))
    else:
        meta_out = process(read_part(parts[0], read_cols, text_column).iloc[:0])
        frames = shown(_dask_frames(parts, read_cols, process, meta_out, text_column, n_workers, scheduler))
    t_score = time.perf_counter()
    run.rows_out = _write(frames, out, metadata)
    run.seconds_score = time.perf_counter() - t_score
    run.seconds_total = time.perf_counter() - t0
    return run
