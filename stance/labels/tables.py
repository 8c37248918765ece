"""Labels from any table: a text column and a label column (or one column per label).

``stance label import FILE --text-column sentence --label-column label`` reads a CSV, TSV,
JSONL or Parquet table of labelled texts. Each row's text is matched to a passage of the
project corpus by its text hash; texts that are not in the corpus yet are added to a table
corpus (CSV or JSONL, ``doc_id`` and ``text``), one document per row. Then the labels are
appended to the label store like any other import: all or nothing, every problem named by
file, line and field, nothing written on error.

Label values
    With ``label_column``, a cell names one label, or several joined by ``;`` or ``|`` (with
    several label columns, e.g. a first and a second frame, their labels are combined and empty
    cells after the first column are skipped); ``mapping`` turns the table's values into
    codebook names (``{"1": "economic"}``). With
    ``label_columns``, each column is one frame (its name, or ``mapping[column]``) holding
    1/0, true/false or yes/no. A value in ``none_values`` (default ``none``; add ``""`` when
    an empty cell means "no frame applies") is an explicit "no frame": the row is stored as
    coded with no frame, not skipped. Any other empty cell is an error.
"""

from __future__ import annotations

import csv
import difflib
import io
import json
import re
import tempfile
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from stance.errors import StanceInputError, did_you_mean, missing_column
from stance.io import atomic_write, read_table
from stance.labels.schema import LabelSchema, Located
from stance.labels.store import ImportReport, LabelStore, state_record

__all__ = ["DOCUMENT_METADATA", "RESERVED_COLUMNS", "TableSpec", "import_table", "read_labelled_table"]

_TRUE = {"1", "true", "yes", "y", "x"}
_FALSE = {"0", "false", "no", "n"}
_APPENDABLE = {".csv", ".jsonl", ".ndjson"}
#: Columns of a table corpus that ``document_columns`` may fill (document metadata).
DOCUMENT_METADATA = (
    "published",
    "title",
    "outlet",
    "author",
    "url",
    "language",
    "country",
    "kind",
    "side",
    "administration",
    "date_evidence",
)
#: Columns of a table corpus that ``document_columns`` may not name (the corpus fills them itself).
RESERVED_COLUMNS = ("doc_id", "id", "text", "file", "sha256", "transcript", "corpus")


@dataclass(frozen=True)
class TableSpec:
    """Which columns of a labelled table hold what.

    Attributes
    ----------
    text_column : str
        The passage text.
    label_column : str or tuple of str, optional
        Column(s) of label names (several joined by ``;`` or ``|``), mapped through ``mapping``.
    label_columns : tuple of str
        One column per frame instead, holding 1/0, true/false or yes/no.
    id_column : str, optional
        Document id of a new passage (default: ``t`` and 12 hex of its text hash).
    mapping : mapping of str to str
        Table value (or column) to codebook label name.
    none_values : tuple of str
        Values meaning "no label applies" (compared case-insensitively, after stripping).
    task : str
        ``frames`` or ``stance:<target>``.
    document_columns : mapping of str to str
        Table column to corpus-table column (``{"date": "published"}``): metadata copied to the
        documents of new passages; targets are :data:`DOCUMENT_METADATA` or columns of the
        user's own (``{"fold": "fold"}``; folds can group by them, ``--folds group:fold``),
        named neither as a :data:`RESERVED_COLUMNS` nor close to a metadata field.
    """

    text_column: str
    label_column: str | tuple[str, ...] | None = None
    label_columns: tuple[str, ...] = ()
    id_column: str | None = None
    mapping: Mapping[str, str] = field(default_factory=dict)
    none_values: tuple[str, ...] = ("none",)
    task: str = "frames"
    document_columns: Mapping[str, str] = field(default_factory=dict)

    @property
    def name_columns(self) -> tuple[str, ...]:
        """The columns of label names (``label_column`` as a tuple)."""
        if not self.label_column:
            return ()
        return (self.label_column,) if isinstance(self.label_column, str) else tuple(self.label_column)


@dataclass
class TableRow:
    """One labelled row: where it is, its text, the document id it asks for, the cells it decides."""

    line: int
    text: str
    doc_id: str | None
    cells: dict[str, Any]
    meta: dict[str, str] = field(default_factory=dict)


def _cell(value: Any) -> str:
    """A table value as stripped text ('' for missing; 1.0 -> '1')."""
    if value is None or (isinstance(value, float) and value != value):
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _check_document_column(src: str, dst: str, path: Path) -> None:
    """A document column is a metadata field, or a column of the user's own not mistakable for one."""
    if dst in DOCUMENT_METADATA:
        return
    close = difflib.get_close_matches(dst.lower(), DOCUMENT_METADATA, n=1, cutoff=0.8)
    if dst.lower() in RESERVED_COLUMNS or close or not dst.strip():
        raise StanceInputError(
            f"{dst!r} cannot be a document column of a table corpus{did_you_mean(dst, DOCUMENT_METADATA)} (metadata "
            f"fields: {', '.join(DOCUMENT_METADATA)}, e.g. --document-column {src}=published; a column of your own "
            f"needs a name that is none of {', '.join(RESERVED_COLUMNS)} and not close to a field)",
            file=path,
            line=1,
            field=src,
        )


def _check_columns(header: Sequence[str], spec: TableSpec, schema: LabelSchema, path: Path) -> None:
    wanted = [spec.text_column, *spec.name_columns, *spec.label_columns]
    wanted += [spec.id_column] if spec.id_column else []
    wanted += list(spec.document_columns)
    for src, dst in spec.document_columns.items():
        _check_document_column(src, dst, path)
    for col in wanted:
        if col not in header:
            raise missing_column(col, header, path)
    if bool(spec.name_columns) == bool(spec.label_columns):
        raise StanceInputError("give either a label column or one column per label", file=path, field="label")
    if spec.label_columns and spec.task != "frames":
        raise StanceInputError("one column per label is for frames only", file=path, field=spec.label_columns[0])
    for col in spec.label_columns:
        name = spec.mapping.get(col, col)
        if name not in schema.frames:
            raise StanceInputError(
                f"column {col!r} names no frame of the codebook{did_you_mean(name, schema.frames)} (frames: "
                f"{', '.join(schema.frames)}); rename it or map it with --map {col}=FRAME",
                file=path,
                line=1,
                field=col,
            )


def _values(raw: str, spec: TableSpec, valid: Sequence[str], where: dict) -> list[str] | None:
    """Codebook names in one label cell; None when it says no label applies."""
    none = {v.strip().lower() for v in spec.none_values}
    if raw.lower() in none:
        return None
    if not raw:
        raise StanceInputError(
            "empty label; if an empty cell means no label applies, add --none '' (else fill it in or delete the row)",
            **where,
        )
    names = []
    for part in [p.strip() for p in re.split(r"[;|]", raw) if p.strip()]:
        name = spec.mapping.get(part, part)
        if name not in valid:
            raise StanceInputError(
                f"unknown label {part!r}{f' (mapped to {name!r})' if name != part else ''}{did_you_mean(name, valid)} "
                f"(codebook: {', '.join(valid)}); map table values "
                "to codebook names with --map VALUE=NAME",
                **where,
            )
        names.append(name)
    return names


def _named(row: Mapping[str, Any], spec: TableSpec, valid: Sequence[str], path: Path, line: int) -> list[str] | None:
    """Codebook names in a row's label columns; None when they say no label applies."""
    names: list[str] = []
    said_none = False
    for i, col in enumerate(spec.name_columns):
        raw = _cell(row.get(col))
        if i and not raw:
            continue  # a second label column is often empty
        got = _values(raw, spec, valid, {"file": path, "line": line, "field": col})
        said_none = said_none or got is None
        names += got or []
    return None if said_none and not names else names


def _row_cells(row: Mapping[str, Any], spec: TableSpec, schema: LabelSchema, path: Path, line: int) -> dict:
    if spec.label_columns:
        cells = {}
        for col in spec.label_columns:
            raw = _cell(row.get(col)).lower()
            if raw not in _TRUE | _FALSE:
                raise StanceInputError(
                    f"expected 1/0, true/false or yes/no, got {raw!r}", file=path, line=line, field=col
                )
            cells[f"frame:{spec.mapping.get(col, col)}"] = raw in _TRUE
        return cells
    if spec.task == "frames":
        names = _named(row, spec, schema.frames, path, line) or []
        return {f"frame:{f}": f in names for f in schema.frames}
    where = {"file": path, "line": line, "field": spec.name_columns[0]}
    names = _named(row, spec, schema.stance_classes, path, line)
    if names is None:
        if "NONE" not in schema.stance_classes:
            raise StanceInputError("the codebook's stance has no NONE class for a 'none' value", **where)
        names = ["NONE"]
    if len(names) != 1:
        raise StanceInputError(f"a stance label is one class, got {', '.join(names)}", **where)
    return {spec.task: names[0]}


def read_labelled_table(path: str | Path, schema: LabelSchema, spec: TableSpec) -> list[TableRow]:
    """Read and check a labelled table (see the module docstring); nothing is matched or written yet.

    Raises
    ------
    StanceInputError
        Naming the file, line and column of the first problem.
    """
    path = Path(path)
    if spec.task != "frames" and spec.task.removeprefix("stance:") not in schema.stance_targets:
        raise StanceInputError(
            f"unknown task {spec.task!r}; use frames or stance:<target> (targets: {', '.join(schema.stance_targets)})",
            file=path,
        )
    rows = read_table(path)
    if not rows:
        raise StanceInputError("the table has no rows", file=path, line=1)
    _check_columns(list(rows[0][1]), spec, schema, path)
    out = []
    for line, row in rows:
        text = re.sub(r"\s+", " ", _cell(row.get(spec.text_column)))
        if not text:
            raise StanceInputError("empty text", file=path, line=line, field=spec.text_column)
        doc_id = _cell(row.get(spec.id_column)) if spec.id_column else None
        if spec.id_column and not doc_id:
            raise StanceInputError("empty id", file=path, line=line, field=spec.id_column)
        meta = {dst: _cell(row.get(src)) for src, dst in spec.document_columns.items()}
        if meta.get("published"):
            _check_date(
                meta["published"], path, line, next(k for k, v in spec.document_columns.items() if v == "published")
            )
        out.append(TableRow(line, text, doc_id, _row_cells(row, spec, schema, path, line), meta))
    return out


def _check_date(value: str, path: Path, line: int, column: str) -> None:
    import datetime as _dt

    try:
        _dt.date.fromisoformat(value[:10])
    except ValueError as exc:
        raise StanceInputError(f"not a date (YYYY-MM-DD): {value!r}", file=path, line=line, field=column) from exc


# ------------------------------------------------------------------------------ matching
def _passages_by_hash(corpus: Any) -> dict[str, str]:
    """``{text_hash: passage_id}`` (the first passage of each text)."""
    out: dict[str, str] = {}
    if corpus is None:
        return out
    for h, pid in zip(corpus.passages["text_hash"], corpus.passages["passage_id"], strict=True):
        out.setdefault(str(h), str(pid))
    return out


def _new_documents(rows: Sequence[TableRow], known: Mapping[str, str], doc_ids: set[str], path: Path) -> list[dict]:
    """Table-corpus rows for the texts not in the corpus (one document each); checks ids."""
    from stance.corpus import text_hash

    new: dict[str, dict] = {}
    given: dict[str, tuple[str, int]] = {}
    for row in rows:
        h = text_hash(row.text)
        doc_id = row.doc_id or f"t{h[:12]}"
        if row.doc_id:
            first = given.setdefault(row.doc_id, (h, row.line))
            if first[0] != h:
                raise StanceInputError(
                    f"id {row.doc_id!r} is given to two different texts (the other on line {first[1]})",
                    file=path,
                    line=row.line,
                    field="id",
                )
        if h in known or h in new:
            continue
        if doc_id in doc_ids:
            raise StanceInputError(
                f"document id {doc_id!r} is in the corpus already, with another text; give this text another id",
                file=path,
                line=row.line,
                field="id",
            )
        new[h] = {"doc_id": doc_id, "text": row.text, **row.meta}
    return list(new.values())


def _table_bytes(target: Path, documents: Sequence[dict]) -> bytes:
    """The table corpus with ``documents`` added after its rows (its earlier bytes kept as they are)."""
    old = target.read_bytes() if target.is_file() else b""
    if old and not old.endswith(b"\n"):
        old += b"\n"
    buf = io.StringIO()
    if target.suffix.lower() != ".csv":
        buf.writelines(json.dumps(d, ensure_ascii=False) + "\n" for d in documents)
        return old + buf.getvalue().encode("utf-8")
    columns = list(dict.fromkeys(k for d in documents for k in d))
    header = next(csv.reader([old.decode("utf-8-sig").splitlines()[0]])) if old else columns
    if not {"doc_id", "text"} <= {h.strip() for h in header}:
        raise StanceInputError("the corpus table has no doc_id and text columns", file=target, line=1)
    lacking = [c for c in columns if c not in header and any(d.get(c) for d in documents)]
    if lacking:
        raise StanceInputError(
            f"the corpus table has no column {lacking[0]!r} for the new passages' {lacking[0]}; add the column to "
            "its header (empty for the rows it has), or import without that --document-column",
            file=target,
            line=1,
        )
    writer = csv.DictWriter(buf, fieldnames=header, lineterminator="\n", restval="", extrasaction="ignore")
    if not old:
        writer.writeheader()
    writer.writerows(documents)
    return old + buf.getvalue().encode("utf-8")


def _load(paths: Sequence[Path]) -> Any:
    """The corpora at ``paths`` as one corpus (None when there are none)."""
    from stance.corpus import concat_corpora, load_corpus

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        parts = [load_corpus(p) for p in paths]
    return concat_corpora(parts) if parts else None


def _with_documents(others: Sequence[Path], target: Path, documents: Sequence[dict]) -> tuple[Any, bytes]:
    """The corpus as it will be once ``documents`` are in ``target``, and the new bytes of ``target``."""
    data = _table_bytes(target, documents)
    with tempfile.TemporaryDirectory() as tmp:
        trial = Path(tmp) / target.name
        trial.write_bytes(data)
        return _load([*others, trial]), data


def import_table(
    path: str | Path,
    spec: TableSpec,
    store: LabelStore,
    codebook: Any,
    *,
    corpora: Sequence[str | Path],
    add_to: str | Path | None,
    annotator: str,
    round: int | None = None,
    kind: str = "import",
    dry_run: bool = False,
) -> tuple[ImportReport, int]:
    """Import a labelled table into ``store``; add its new texts to the table corpus ``add_to``.

    Parameters
    ----------
    path : str or Path
        The labelled table (CSV, TSV, JSONL or Parquet).
    spec : TableSpec
        Its columns and values.
    store : LabelStore
    codebook : Codebook
    corpora : sequence of path
        Corpus folders and tables whose passages the texts are matched against (by text hash);
        those that do not exist yet are left out.
    add_to : str or Path, optional
        CSV or JSONL table corpus that receives texts the corpora do not have (created when missing).
    annotator : str
    round, kind, dry_run
        As for :func:`stance.labels.import_labels`.

    Returns
    -------
    report : ImportReport
    added : int
        Passages added (or, with ``dry_run``, that would be added) to ``add_to``.

    Raises
    ------
    StanceInputError
        Naming file, line and field of the first problem; then neither the corpus table nor the
        store is changed.
    """
    from stance.corpus import text_hash

    path = Path(path)
    schema = LabelSchema.from_codebook(codebook)
    rows = read_labelled_table(path, schema, spec)
    add_to = Path(add_to).resolve() if add_to is not None else None
    sources = [Path(c).resolve() for c in corpora if Path(c).exists()]
    if add_to is not None and add_to.is_file() and add_to not in sources:
        sources.append(add_to)
    corpus = _load(sources)
    known = _passages_by_hash(corpus)
    doc_ids = set() if corpus is None else set(corpus.documents["doc_id"])
    documents = _new_documents(rows, known, doc_ids, path)
    data = None
    if documents:
        if add_to is None:
            raise StanceInputError(
                f"{len(documents)} text(s) are not in the corpus (the first on line "
                f"{next(r.line for r in rows if text_hash(r.text) not in known)}) and the project has no CSV or JSONL "
                "table corpus to add them to; name one with --add-to FILE.csv and list it under corpora in stance.toml",
                file=path,
                field=spec.text_column,
            )
        if add_to.suffix.lower() not in _APPENDABLE:
            raise StanceInputError("new passages can be added to a .csv or .jsonl table corpus only", file=add_to)
        corpus, data = _with_documents([c for c in sources if c != add_to], add_to, documents)
        known = _passages_by_hash(corpus)
    records = [
        Located(
            state_record(r.cells, schema, passage_id=known[text_hash(r.text)], text_hash=text_hash(r.text)),
            str(path),
            r.line,
        )
        for r in rows
    ]
    defaults = {"kind": kind, "round": round, "source": path.name, "annotator": annotator}
    report = store.append(records, corpus, codebook, source=path, defaults=defaults, dry_run=True)
    if dry_run:
        return report, len(documents)
    if data is not None:
        atomic_write(add_to, data)
    report = store.append(records, corpus, codebook, source=path, defaults=defaults)
    return report, len(documents)
