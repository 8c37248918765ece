"""Import and export of labels: CSV, Label Studio, Prodigy / doccano JSONL, and the store's own JSONL.

CSV (for spreadsheets)
    One row per passage. Columns: ``passage_id`` (required), ``doc_id``, ``text_hash``,
    ``annotator``, ``frames`` (frame names joined by ``;``; ``none`` = coded, no frame applies;
    empty = not coded), ``stance:<target>`` (a class; empty = not coded), ``role:<actor>``
    (a role, or ``none``; empty = not coded), ``rationale:<frame>`` (quoted words), ``note``,
    ``fields`` (``;``-joined field specs, only for partial codings), ``text``. On import the
    column ``label`` (or ``labels``) is read as ``frames``, and ``frame:<name>`` columns with
    1/0 or true/false may replace the ``frames`` column. Other columns are ignored.

Label Studio
    :func:`labelstudio_config` writes the labelling interface from the codebook (multi-choice
    frames with definitions as hints, one rationale box per ticked frame, one single choice per
    stance target, one per actor for roles). Export writes tasks
    (``data``: text, passage_id, text_hash, doc_id; existing labels as ``annotations``);
    import reads Label Studio's JSON export (``annotations[].result[]``).

Prodigy / doccano
    JSONL, one passage per line: ``text``, ``meta`` (passage_id, doc_id, text_hash),
    ``options`` and ``accept`` (Prodigy choice; doccano: ``label``). Label ids are frame
    names, ``stance:<target>:<CLASS>`` and ``role:<actor>:<role>``. Import also reads
    Prodigy binary answers (``label`` + ``answer``) and spaCy-style ``cats``.

Round trip: exporting a store's labels and importing the file into an empty store gives the
same resolved labels, in every format.
"""

from __future__ import annotations

import csv
import io
import json
import re
import xml.etree.ElementTree as ET
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from stance.errors import StanceInputError, did_you_mean, unknown_name
from stance.io import atomic_write, check_output, csv_rows, json_value
from stance.labels.schema import NO_ROLE, LabelSchema, Located
from stance.labels.store import (
    ImportReport,
    LabelStore,
    load_corpus_for,
    state_record,
)

__all__ = [
    "EXPORT_FORMATS",
    "EXPORT_SUFFIXES",
    "IMPORT_FORMATS",
    "detect_format",
    "export_labels",
    "import_labels",
    "labelstudio_config",
    "read_labels",
]

IMPORT_FORMATS = ("auto", "jsonl", "csv", "labelstudio", "prodigy")
EXPORT_FORMATS = ("csv", "labelstudio", "prodigy", "doccano", "jsonl")
#: File name endings each export format may be written to.
EXPORT_SUFFIXES = {
    "csv": (".csv",),
    "labelstudio": (".json",),
    "prodigy": (".jsonl", ".json"),
    "doccano": (".jsonl", ".json"),
    "jsonl": (".jsonl",),
}
_EMPTY = {"", "nan"}
_NONE = {"none", "-", "no", "[]"}
_TRUE = {"1", "true", "yes", "y", "x"}
_FALSE = {"0", "false", "no", "n"}
_CSV_META = {"outlet", "title", "published", "para_index", "url", "kind", "round", "note", "timestamp"}


# ------------------------------------------------------------------------------ reading
def detect_format(path: str | Path) -> str:
    """Guess the format of a label file from its suffix and first record."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix in {".csv", ".tsv"}:
        return "csv"
    text = _read_text(path)
    first = text.lstrip()[:1]
    if suffix == ".json" or first == "[":
        return "labelstudio"
    for i, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        obj = json_value(line, path, i)
        if isinstance(obj, dict) and "data" in obj and ("annotations" in obj or "predictions" in obj):
            return "labelstudio"
        if isinstance(obj, dict) and "text" in obj and any(k in obj for k in ("accept", "label", "cats", "answer")):
            return "prodigy"
        return "jsonl"
    raise StanceInputError("the file is empty", file=path, line=1)


def _read_text(path: Path) -> str:
    if not path.is_file():
        raise StanceInputError("file not found", file=path)
    raw = path.read_bytes()
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise StanceInputError(
            "not valid UTF-8; re-save the file as UTF-8", file=path, line=raw[: exc.start].count(b"\n") + 1
        ) from exc


def read_labels(
    path: str | Path,
    codebook: Any,
    format: str = "auto",
    annotator: str | None = None,
) -> tuple[list[Located], list[str]]:
    """Read a label file into records (not yet checked against the corpus).

    Parameters
    ----------
    path : str or Path
    codebook : Codebook or LabelSchema
    format : str
        One of :data:`IMPORT_FORMATS`.
    annotator : str, optional
        Annotator of every record (overrides what the file says).

    Returns
    -------
    records : list of Located
    notes : list of str
        Rows skipped (no labels, rejected answers), for the import report.

    Raises
    ------
    StanceInputError
        For malformed files: bad JSON, missing columns, unknown label columns.
    """
    path = Path(path)
    schema = codebook if isinstance(codebook, LabelSchema) else LabelSchema.from_codebook(codebook)
    fmt = detect_format(path) if format == "auto" else format
    readers = {
        "csv": _read_csv,
        "labelstudio": _read_labelstudio,
        "prodigy": _read_prodigy,
        "jsonl": _read_jsonl,
        "doccano": _read_prodigy,
    }
    if fmt not in readers:
        raise StanceInputError(f"unknown format {format!r}; use one of {', '.join(IMPORT_FORMATS)}", file=path)
    records, notes = readers[fmt](path, schema)
    if annotator:
        for item in records:
            if isinstance(item.record, dict):
                item.record["annotator"] = annotator
    return records, notes


def _jsonl_objects(path: Path) -> list[tuple[int, Any]]:
    out = []
    for i, line in enumerate(_read_text(path).splitlines(), start=1):
        if not line.strip():
            continue
        out.append((i, json_value(line, path, i)))
    return out


def _read_jsonl(path: Path, schema: LabelSchema) -> tuple[list[Located], list[str]]:
    return [Located(obj, str(path), line) for line, obj in _jsonl_objects(path)], []


def _cells_record(cells: dict[str, Any], schema: LabelSchema, fields: Sequence[str] | None, **extra: Any) -> dict:
    """A record deciding ``cells``; with explicit ``fields`` those decide instead."""
    if fields:
        rec = state_record(cells, schema, **extra)
        rec["fields"] = list(fields)
        return rec
    return state_record(cells, schema, **extra)


# CSV ------------------------------------------------------------------------------------
def _read_csv(path: Path, schema: LabelSchema) -> tuple[list[Located], list[str]]:
    text = _read_text(path)
    delimiter = "\t" if path.suffix.lower() == ".tsv" else ","
    reader = csv.DictReader(io.StringIO(text, newline=""), delimiter=delimiter)
    header = [h.strip() for h in (reader.fieldnames or [])]
    reader.fieldnames = header
    frame_col, label_cols = _csv_label_columns(header, schema, path)
    out, notes = [], []
    prev = 1
    for row in csv_rows(reader, path):
        line = prev + 1
        prev = reader.line_num
        row = _csv_complete_row(row, header, path, line)
        cells = _csv_cells(row, frame_col, label_cols, schema, path, line)
        if not cells:
            notes.append(f"{path}, line {line}: no labels, skipped")
            continue
        fields = [f.strip() for f in re.split(r"[;|]", row.get("fields", "")) if f.strip()] or None
        rationale = {c.split(":", 1)[1]: row[c] for c in header if c.startswith("rationale:") and row.get(c, "")}
        rec = _cells_record(cells, schema, fields, **_csv_extra(row))
        if rationale:
            rec["rationale"] = rationale
        out.append(Located(rec, str(path), line))
    return out, notes


def _csv_label_columns(header: list[str], schema: LabelSchema, path: Path) -> tuple[str | None, list[str]]:
    """The frames column (or None) and the other label columns of a CSV header, checked."""
    if not header:
        raise StanceInputError("the CSV file has no header row", file=path, line=1)
    if "passage_id" not in header:
        raise StanceInputError(
            f"missing column 'passage_id' (columns: {', '.join(header)})", file=path, line=1, field="passage_id"
        )
    frame_col = next((c for c in ("frames", "label", "labels") if c in header), None)
    valid_cols = (
        {f"stance:{t}" for t in schema.stance_targets}
        | {f"role:{a}" for a in schema.actors}
        | {f"rationale:{f}" for f in schema.frames}
        | {f"rationale:stance:{t}" for t in schema.stance_targets}
        | {f"frame:{f}" for f in schema.frames}
    )
    for col in header:
        if re.match(r"(stance|role|rationale|frame):", col) and col not in valid_cols:
            raise StanceInputError(
                f"unknown label column {col!r}{did_you_mean(col, sorted(valid_cols))}", file=path, line=1, field=col
            )
    label_cols = [c for c in header if c in valid_cols and not c.startswith("rationale:")]
    if frame_col is None and not label_cols:
        raise StanceInputError(
            "no label columns: give 'frames' (or 'label'), 'stance:<target>' or 'role:<actor>' columns",
            file=path,
            line=1,
            field="frames",
        )
    return frame_col, label_cols


def _csv_complete_row(row: dict, header: list[str], path: Path, line: int) -> dict[str, str]:
    """``row`` with its values stripped; an error when it has more or fewer fields than the header."""
    if None in row:
        raise StanceInputError("the row has more fields than the header", file=path, line=line)
    missing = [k for k, v in row.items() if v is None]
    if missing:
        raise StanceInputError(
            f"the row has {len(header) - len(missing)} of the header's {len(header)} fields (it looks cut short); "
            "complete it or delete it",
            file=path,
            line=line,
            field=missing[0],
        )
    return {k: v.strip() for k, v in row.items()}


def _csv_cells(
    row: dict[str, str], frame_col: str | None, label_cols: list[str], schema: LabelSchema, path: Path, line: int
) -> dict[str, Any]:
    """The label cells a CSV row decides (empty when it codes nothing)."""
    cells: dict[str, Any] = {}
    if frame_col and row.get(frame_col, "").lower() not in _EMPTY:
        names = _csv_frame_names(row[frame_col], schema, path, line, frame_col)
        cells.update({f"frame:{f}": f in names for f in schema.frames})
    for col in label_cols:
        value = row.get(col, "")
        if value.lower() in _EMPTY:
            continue
        if col.startswith("frame:"):
            if value.lower() not in _TRUE | _FALSE:
                raise StanceInputError(f"expected 1/0 or true/false, got {value!r}", file=path, line=line, field=col)
            cells[col] = value.lower() in _TRUE
        elif col.startswith("role:"):
            cells[col] = NO_ROLE if value.lower() in _NONE else value
        else:
            cells[col] = value
    return cells


def _csv_frame_names(value: str, schema: LabelSchema, path: Path, line: int, field: str) -> list[str]:
    """The frames named in a ``frames`` cell, each checked against the codebook."""
    names = [] if value.lower() in _NONE else [x.strip() for x in re.split(r"[;|]", value) if x.strip()]
    for f in names:
        if f not in schema.frames:
            raise StanceInputError(
                unknown_name("frame", f, schema.frames, listed="codebook frames"),
                file=path,
                line=line,
                field=field,
            )
    return names


def _csv_extra(row: dict[str, str]) -> dict[str, Any]:
    """The record fields other than labels that a CSV row gives."""
    extra: dict[str, Any] = {"passage_id": row.get("passage_id", "")}
    for key in ("text_hash", "doc_id", "annotator", "note", "timestamp", "kind", "on_topic", "round", "text"):
        if row.get(key):
            extra[key] = row[key]
    return extra


# Label Studio ---------------------------------------------------------------------------
def _json_array_items(text: str, path: Path) -> list[tuple[int, Any]]:
    """Items of a top-level JSON array with the line each starts on."""
    decoder = json.JSONDecoder()
    i = len(text) - len(text.lstrip())
    if text[i : i + 1] != "[":
        return [(1, json_value(text, path))]
    i += 1
    items = []
    n = len(text)
    while True:
        while i < n and text[i] in " \t\r\n,":
            i += 1
        if i >= n:
            raise StanceInputError("not valid JSON: the array is not closed", file=path, line=text.count("\n") + 1)
        if text[i] == "]":
            break
        try:
            obj, end = decoder.raw_decode(text, i)
        except json.JSONDecodeError as exc:
            raise StanceInputError(
                f"not valid JSON: {exc.msg} (column {exc.colno})", file=path, line=exc.lineno
            ) from exc
        except RecursionError as exc:
            line = text.count("\n", 0, i) + 1
            raise StanceInputError("JSON nested too deeply to read; flatten the value", file=path, line=line) from exc
        items.append((text.count("\n", 0, i) + 1, obj))
        i = end
    return items


def _cat_score(score: Any, path: Path, line: int, label: str) -> float:
    """A ``cats`` score as a number in [0, 1]."""
    ok = isinstance(score, int | float) and not isinstance(score, bool) and 0.0 <= float(score) <= 1.0
    if not ok and isinstance(score, bool):
        return float(score)
    if not ok:
        raise StanceInputError(
            f"cats score of {label!r} must be a number from 0 to 1 (or true/false), got {score!r}",
            file=path,
            line=line,
            field=f"cats.{label}",
        )
    return float(score)


def _ls_name(kind: str, name: str) -> str:
    return f"{kind}_{name}"


class _LSControls:
    """The Label Studio control names of a schema: ``stance_<target>``, ``role_<actor>``, ``rationale_<frame>``."""

    def __init__(self, schema: LabelSchema) -> None:
        self.stance = {_ls_name("stance", t): t for t in schema.stance_targets}
        self.role = {_ls_name("role", a): a for a in schema.actors}
        self.rationale = {_ls_name("rationale", f): f for f in schema.frames}
        self.known = {"frames", "note", *self.stance, *self.role, *self.rationale}


def _read_labelstudio(path: Path, schema: LabelSchema) -> tuple[list[Located], list[str]]:
    text = _read_text(path)
    if path.suffix.lower() == ".jsonl":
        items = _jsonl_objects(path)
    else:
        items = _json_array_items(text, path)
    controls = _LSControls(schema)
    out, notes = [], []
    for line, task in items:
        data, anns = _ls_task(task, path, line)
        if not anns:
            notes.append(f"{path}, line {line}: task {data['passage_id']} has no annotations, skipped")
        fields = [f for f in str(data.get("fields") or "").split(";") if f] or None
        for k, ann in enumerate(anns):
            where = f"annotations[{k}]"
            if not isinstance(ann, dict) or not isinstance(ann.get("result", []), list):
                raise StanceInputError(
                    "an annotation must be an object with a 'result' list", file=path, line=line, field=where
                )
            if ann.get("was_cancelled") or ann.get("skipped"):
                notes.append(f"{path}, line {line}: a skipped annotation of {data['passage_id']} was left out")
                continue
            cells, rationale, note = _ls_results(ann.get("result") or [], where, schema, controls, path, line)
            if fields:
                cells = {c: v for c, v in cells.items() if c in {x for s in fields for x in schema.spec_cells(s)}}
            rec = _cells_record(cells, schema, fields, **_ls_extra(ann, data, note))
            unticked = sorted(f for f in rationale if not cells.get(f"frame:{f}"))
            if unticked:  # a rationale box keeps its text after its frame is unticked
                notes.append(
                    f"{path}, line {line}: rationale of unticked frame(s) {', '.join(unticked)} "
                    f"of {data['passage_id']} left out"
                )
            rationale = {f: w for f, w in rationale.items() if f not in unticked and w.strip()}
            if rationale:
                rec["rationale"] = rationale
            out.append(Located(rec, str(path), line))
    return out, notes


def _ls_task(task: Any, path: Path, line: int) -> tuple[dict, list]:
    """A Label Studio task's ``data`` and its annotations, checked."""
    if not isinstance(task, dict) or not isinstance(task.get("data"), dict):
        raise StanceInputError(
            "each Label Studio task must be an object with 'data'", file=path, line=line, field="data"
        )
    data = task["data"]
    if not data.get("passage_id"):
        raise StanceInputError(
            "task has no data.passage_id; create tasks with `stance label export --format labelstudio`",
            file=path,
            line=line,
            field="data.passage_id",
        )
    anns = task.get("annotations")
    if anns is None:
        anns = task.get("completions") or []
    if not isinstance(anns, list):
        raise StanceInputError("annotations must be a list", file=path, line=line, field="annotations")
    return data, anns


def _ls_results(
    results: list, where: str, schema: LabelSchema, controls: _LSControls, path: Path, line: int
) -> tuple[dict[str, Any], dict[str, str], str]:
    """The cells, rationales and note that one annotation's results give."""
    cells: dict[str, Any] = {f"frame:{f}": False for f in schema.frames}
    rationale: dict[str, str] = {}
    note = ""
    has_roles = False
    for j, res in enumerate(results):
        rwhere = f"{where}.result[{j}]"
        name, value = _ls_control(res, controls, path, line, rwhere)
        if name in controls.rationale or name == "note":
            words = value.get("text") or []
            words = " ".join(words) if isinstance(words, list) else str(words)
            if name == "note":
                note = words
            else:
                rationale[controls.rationale[name]] = words
            continue
        choices = _ls_choices(name, value, schema, path, line, rwhere)
        if name == "frames":
            cells.update({f"frame:{f}": True for f in choices})
        elif name in controls.stance:
            cells[f"stance:{controls.stance[name]}"] = choices[0]
        else:
            has_roles = True
            cells[f"role:{controls.role[name]}"] = choices[0]
    if has_roles:
        for a in schema.actors:
            cells.setdefault(f"role:{a}", NO_ROLE)
    return cells, rationale, note


def _ls_control(res: Any, controls: _LSControls, path: Path, line: int, field: str) -> tuple[str, dict]:
    """A result's control name and value, checked."""
    if not isinstance(res, dict) or "from_name" not in res or not isinstance(res.get("value"), dict):
        raise StanceInputError("a result needs from_name and value", file=path, line=line, field=field)
    name = str(res["from_name"])
    if name not in controls.known:
        raise StanceInputError(
            f"unknown control {name!r}{did_you_mean(name, sorted(controls.known))}; build the labelling interface "
            "with `stance label export --format labelstudio`",
            file=path,
            line=line,
            field=field,
        )
    return name, res["value"]


def _ls_choices(name: str, value: dict, schema: LabelSchema, path: Path, line: int, field: str) -> list:
    """The checked choices of a choices result: frames for ``frames``, exactly one for the others."""
    choices = value.get("choices")
    if not isinstance(choices, list):
        raise StanceInputError("a choices result needs value.choices (a list)", file=path, line=line, field=field)
    if name == "frames":
        for f in choices:
            if f not in schema.frames:
                raise StanceInputError(unknown_name("frame", f, schema.frames), file=path, line=line, field=field)
    elif len(choices) != 1:
        raise StanceInputError(f"{name} takes exactly one choice, got {choices}", file=path, line=line, field=field)
    return choices


def _ls_extra(ann: dict, data: dict, note: str) -> dict[str, Any]:
    """The record fields other than labels of one annotation of a task."""
    annotator = ann.get("completed_by")
    if isinstance(annotator, dict):
        annotator = annotator.get("email") or annotator.get("id")
    extra: dict[str, Any] = {"passage_id": data["passage_id"]}
    if annotator not in (None, ""):
        extra["annotator"] = str(annotator)
    for key, src in (
        ("text_hash", data.get("text_hash")),
        ("text", data.get("text")),
        ("doc_id", data.get("doc_id")),
        ("timestamp", ann.get("updated_at") or ann.get("created_at")),
    ):
        if src:
            extra[key] = src
    if note:
        extra["note"] = note
    return extra


# Prodigy / doccano ----------------------------------------------------------------------
def _option_ids(schema: LabelSchema) -> list[str]:
    return (
        list(schema.frames)
        + [f"stance:{t}:{c}" for t in schema.stance_targets for c in schema.stance_classes]
        + [f"role:{a}:{r}" for a in schema.actors for r in schema.roles]
    )


def _read_prodigy(path: Path, schema: LabelSchema) -> tuple[list[Located], list[str]]:
    options = _option_ids(schema)
    out, notes = [], []
    for line, obj in _jsonl_objects(path):
        if not isinstance(obj, dict):
            raise StanceInputError("each line must be a JSON object", file=path, line=line)
        meta = obj.get("meta") if isinstance(obj.get("meta"), dict) else {}
        pid = meta.get("passage_id") or obj.get("passage_id")
        if not pid:
            raise StanceInputError(
                "missing passage_id (in meta or at the top level)", file=path, line=line, field="meta.passage_id"
            )
        cells, labels, skipped = _prodigy_answer(obj, schema, options, path, line)
        if skipped:
            notes.append(f"{path}, line {line}: {skipped}, skipped")
            continue
        _add_option_labels(cells, labels, schema, options, path, line)
        fields = meta.get("fields") or obj.get("fields")
        if isinstance(fields, str):
            fields = [f for f in fields.split(";") if f]
        if isinstance(obj.get("label"), str) and obj["label"] in schema.frames:
            fields = None  # a binary answer about one frame decides that frame only
        if fields:
            keep = {
                x
                for s in fields
                for x in schema.spec_cells(schema.normalise_spec(s))
                if schema.normalise_spec(s) in schema.field_specs
            }
            cells = {c: v for c, v in cells.items() if c in keep}
        rec = _cells_record(cells, schema, fields, passage_id=pid)
        out.append(Located(_prodigy_extra(rec, obj, meta), str(path), line))
    return out, notes


def _prodigy_answer(
    obj: dict, schema: LabelSchema, options: list[str], path: Path, line: int
) -> tuple[dict[str, Any], list, str | None]:
    """The frame cells and option labels one Prodigy / doccano line gives, or why it is skipped."""
    answer = obj.get("answer", "accept")
    cells: dict[str, Any] = {}
    if isinstance(obj.get("label"), str):  # Prodigy binary answer about one label
        if answer == "ignore":
            return cells, [], "ignored answer"
        lab = obj["label"]
        _check_option(lab, options, path, line, "label")
        if lab in schema.frames:
            cells[f"frame:{lab}"] = answer == "accept"
            return cells, [], None
        if answer == "accept":
            return cells, [lab], None
        return cells, [], f"rejected {lab!r} says nothing definite"
    if answer in ("reject", "ignore"):
        return cells, [], f"{answer}ed example"
    labels = []
    if isinstance(obj.get("cats"), dict):
        for lab, score in obj["cats"].items():
            _check_option(lab, options, path, line, "cats")
            present = _cat_score(score, path, line, lab) >= 0.5
            if lab in schema.frames:
                cells[f"frame:{lab}"] = present
            elif present:
                labels.append(lab)
        return cells, labels, None
    key = "accept" if "accept" in obj else "label" if "label" in obj else None
    if key is None:
        raise StanceInputError(
            "missing labels: give 'accept' (Prodigy), 'label' (doccano) or 'cats'",
            file=path,
            line=line,
            field="accept",
        )
    labels = obj[key]
    if not isinstance(labels, list):
        raise StanceInputError(f"{key} must be a list of labels", file=path, line=line, field=key)
    cells.update({f"frame:{f}": False for f in schema.frames})
    return cells, labels, None


def _add_option_labels(
    cells: dict[str, Any], labels: list, schema: LabelSchema, options: list[str], path: Path, line: int
) -> None:
    """Set in ``cells`` what accepted option labels (frames, ``stance:t:C``, ``role:a:r``) say."""
    for lab in labels:
        lab = lab[0] if isinstance(lab, list) and lab else lab  # doccano [start, end, label] spans are not ours
        _check_option(lab, options, path, line, "accept")
        if lab in schema.frames:
            cells[f"frame:{lab}"] = True
        elif lab.startswith("stance:"):
            _, t, c = lab.split(":", 2)
            if f"stance:{t}" in cells and cells[f"stance:{t}"] != c:
                raise StanceInputError(f"two classes for stance target {t!r}", file=path, line=line, field="accept")
            cells[f"stance:{t}"] = c
        else:
            _, a, r = lab.split(":", 2)
            if cells.get(f"role:{a}") not in (None, NO_ROLE, r):
                raise StanceInputError(f"two roles for actor {a!r}", file=path, line=line, field="accept")
            for other in schema.actors:
                cells.setdefault(f"role:{other}", NO_ROLE)
            cells[f"role:{a}"] = r


def _check_option(lab: Any, options: list[str], path: Path, line: int, field: str) -> None:
    if not isinstance(lab, str) or lab not in options:
        hint = did_you_mean(str(lab), options)
        raise StanceInputError(
            f"unknown label {lab!r}{hint}; labels are frame names, stance:<target>:<CLASS> and role:<actor>:<role>",
            file=path,
            line=line,
            field=field,
        )


def _prodigy_extra(rec: dict, obj: Mapping[str, Any], meta: Mapping[str, Any]) -> dict:
    for key in ("text_hash", "doc_id", "note", "timestamp"):
        if meta.get(key):
            rec[key] = meta[key]
    annotator = meta.get("annotator") or obj.get("_annotator_id") or obj.get("user")
    if annotator:
        rec["annotator"] = str(annotator)
    if isinstance(meta.get("rationale"), dict):
        rec["rationale"] = meta["rationale"]
    if obj.get("text"):
        rec["text"] = obj["text"]
    if obj.get("_timestamp") and "timestamp" not in rec:
        import datetime as _dt

        rec["timestamp"] = _dt.datetime.fromtimestamp(int(obj["_timestamp"]), _dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return rec


# ------------------------------------------------------------------------------ import
def import_labels(
    path: str | Path,
    store: LabelStore | str | Path | None = None,
    corpus: Any = None,
    codebook: Any = None,
    *,
    annotator: str | None = None,
    format: str = "auto",
    round: int | None = None,
    kind: str = "import",
    dry_run: bool = False,
) -> ImportReport:
    """Import a label file into the store, all or nothing.

    Parameters
    ----------
    path : str or Path
        CSV, Label Studio JSON export, Prodigy/doccano JSONL, or label-store JSONL.
    store : LabelStore or path, optional
        Default ``<project>/seeds/labels.jsonl``.
    corpus, codebook : optional
        Default: those of the store's project.
    annotator : str, optional
        Annotator of every record (needed when the file does not name one).
    format : str
        One of :data:`IMPORT_FORMATS`; ``"auto"`` guesses from the suffix and content.
    round : int, optional
        Coding round of records that do not give one.
    kind : str
        Kind of records that do not give one (default ``"import"``).
    dry_run : bool
        Check and report without writing.

    Returns
    -------
    ImportReport
        Added, changed (with old and new values; the old records stay in the history) and
        unchanged records.

    Raises
    ------
    StanceInputError
        Naming the file, line and field of the first problem; the store is left unchanged.
    """
    store = store if isinstance(store, LabelStore) else LabelStore(store)
    codebook = codebook if codebook is not None else store.codebook
    if codebook is None:
        raise StanceInputError("no codebook to check labels against")
    records, notes = read_labels(path, codebook, format=format, annotator=annotator)
    defaults = {"kind": kind, "round": round, "source": Path(path).name}
    report = store.append(records, corpus, codebook, source=path, defaults=defaults, dry_run=dry_run)
    report.warnings = notes + report.warnings
    return report


# ------------------------------------------------------------------------------ export
def labelstudio_config(codebook: Any) -> str:
    """Label Studio labelling interface (XML) for a codebook.

    Frames: one multiple-choice control (``frames``) whose choices carry the frame
    definitions as hints, with a one-line rationale box (``rationale_<frame>``) shown when the
    frame is ticked. Stance: one required single choice per target (``stance_<target>``).
    Roles: one single choice per actor (``role_<actor>``: the roles and ``none``). A free
    ``note`` box closes the form.
    """
    frames = list(getattr(codebook, "frames", []))
    view = ET.Element("View")
    ET.SubElement(view, "Header", value="Passage $passage_id ($doc_id)")
    ET.SubElement(view, "Text", name="text", value="$text")
    if frames:
        ET.SubElement(view, "Header", value="Frames: tick every frame the passage uses")
        choices = ET.SubElement(view, "Choices", name="frames", toName="text", choice="multiple", showInline="false")
        for lab in frames:
            ET.SubElement(choices, "Choice", value=lab.name, hint=" ".join(lab.definition.split()))
        for lab in frames:
            _ls_text_area(
                view,
                _ls_name("rationale", lab.name),
                "1",
                f"{lab.title}: quote the words that justify this frame",
                visibleWhen="choice-selected",
                whenTagName="frames",
                whenChoiceValue=lab.name,
            )
    for t in getattr(codebook, "stance_targets", []):
        target = codebook.target(t)
        ET.SubElement(view, "Header", value=f"Stance toward {t.replace('_', ' ')}")
        choices = _ls_radio(view, _ls_name("stance", t), required="true")
        for c in codebook.stance_classes:
            ET.SubElement(choices, "Choice", value=c, hint=" ".join(str(target.get("definition", "")).split()))
    roles = list(getattr(codebook, "roles", []))
    if roles and getattr(codebook, "actors", None):
        ET.SubElement(view, "Header", value="Roles of the actors the passage mentions")
        for actor in codebook.actors:
            ET.SubElement(view, "Header", value=actor.display, size="6")
            choices = _ls_radio(view, _ls_name("role", actor.name))
            for lab in roles:
                ET.SubElement(choices, "Choice", value=lab.name, hint=" ".join(lab.definition.split()))
            ET.SubElement(choices, "Choice", value=NO_ROLE, hint="Not mentioned, or no narrative role")
    _ls_text_area(view, "note", "2", "Note (optional)")
    ET.indent(view, space="  ")
    return ET.tostring(view, encoding="unicode") + "\n"


def _ls_radio(view: ET.Element, name: str, **extra: str) -> ET.Element:
    """A Label Studio single-choice control (radio buttons in a row) on the passage text."""
    return ET.SubElement(view, "Choices", name=name, toName="text", choice="single-radio", showInline="true", **extra)


def _ls_text_area(view: ET.Element, name: str, rows: str, placeholder: str, **extra: str) -> ET.Element:
    """A Label Studio one-submission text box on the passage text (``extra``: when it shows)."""
    return ET.SubElement(
        view,
        "TextArea",
        name=name,
        toName="text",
        rows=rows,
        maxSubmissions="1",
        editable="true",
        **extra,
        placeholder=placeholder,
    )


def _cells_of_row(row: Mapping[str, Any], schema: LabelSchema) -> dict[str, Any]:
    cells: dict[str, Any] = {}
    for c in schema.cells:
        v = row.get(c)
        if v is None or v is pd.NA or (isinstance(v, float) and np.isnan(v)):
            continue
        cells[c] = bool(v) if c.startswith("frame:") else v
    return cells


def export_labels(
    out: str | Path,
    format: str = "csv",
    store: LabelStore | str | Path | None = None,
    corpus: Any = None,
    codebook: Any = None,
    *,
    annotator: str | None = "gold",
    ids: Sequence[str] | None = None,
    n: int | None = None,
    labelled_only: bool = False,
    random_state: int = 0,
) -> pd.DataFrame:
    """Write passages (with an annotator's labels where there are any) for a labelling tool.

    Parameters
    ----------
    out : str or Path
        Output file; written atomically. For Label Studio the labelling interface is written
        beside it as ``<out stem>.xml``.
    format : str
        One of :data:`EXPORT_FORMATS`.
    store, corpus, codebook : optional
        Defaults: the project's.
    annotator : str or None
        Whose labels to include (default ``"gold"``); None for blank tasks.
    ids : list of str, optional
        Passage ids to export; default every analysable passage.
    n : int, optional
        Export a random sample of this many passages (seeded by ``random_state``), kept in corpus order.
    labelled_only : bool
        Only passages the annotator has labelled.

    Returns
    -------
    DataFrame
        The exported passages: passage_id, doc_id, text_hash, labelled. ``attrs["replaced"]``
        is True when ``out`` replaced an earlier export.

    Raises
    ------
    StanceInputError
        When ``out`` is one of the inputs (the store, the corpus, the codebook, or another
        project input) or an existing file of another kind; see :func:`stance.io.check_output`.
    """
    if format not in EXPORT_FORMATS:
        raise StanceInputError(f"unknown export format {format!r}; use one of {', '.join(EXPORT_FORMATS)}")
    store = store if isinstance(store, LabelStore) else LabelStore(store)
    codebook = codebook if codebook is not None else store.codebook
    schema = LabelSchema.from_codebook(codebook)
    if corpus is None:
        corpus = load_corpus_for(store.path)
    inputs = [store.path, getattr(corpus, "source", None), getattr(codebook, "path", None)]
    out = Path(out)
    replaced = check_output(
        out, EXPORT_SUFFIXES[format], inputs=inputs, writes="a label store" if format == "jsonl" else None
    )
    if format == "labelstudio":
        check_output(out.with_suffix(".xml"), [".xml"], inputs=inputs)
    passages = corpus.passages
    if ids:
        known = set(passages["passage_id"])
        for pid in ids:
            if pid not in known:
                import difflib

                close = difflib.get_close_matches(pid, sorted(known), n=1)
                hint = f"; did you mean {close[0]!r}?" if close else ""
                raise StanceInputError(f"no passage {pid!r} in the corpus{hint}", field="ids")
        order = {p: i for i, p in enumerate(ids)}
        sel = passages[passages["passage_id"].isin(order)]
    else:
        sel = passages[passages["analysable"]]
    labels: dict[str, dict] = {}
    if annotator:
        res = store.resolved(annotator, codebook)
        labels = {r["passage_id"]: r for r in res.to_dict("records")}
        if labelled_only:
            sel = sel[sel["passage_id"].isin(labels)]
    if n is not None and n < len(sel):
        rng = np.random.default_rng(random_state)
        pick = np.sort(rng.choice(len(sel), size=n, replace=False))
        sel = sel.iloc[pick]
    rows = sel.to_dict("records")
    writer = {
        "csv": _write_csv,
        "labelstudio": _write_labelstudio,
        "prodigy": _write_prodigy,
        "doccano": _write_prodigy,
        "jsonl": _write_jsonl,
    }[format]
    blob = writer(rows, labels, schema, codebook, annotator, format)
    atomic_write(out, blob)
    if format == "labelstudio":
        atomic_write(out.with_suffix(".xml"), labelstudio_config(codebook))
    table = pd.DataFrame(
        [(r["passage_id"], r["doc_id"], r["text_hash"], r["passage_id"] in labels) for r in rows],
        columns=["passage_id", "doc_id", "text_hash", "labelled"],
    )
    table.attrs["replaced"] = replaced
    return table


def _partial_fields(cells: Mapping[str, Any], schema: LabelSchema) -> list[str]:
    """Field specs a CSV row needs: only when frames or roles are partly decided."""
    rec = state_record(cells, schema)
    return list(rec.get("fields") or [])


def _needs_fields(cells: Mapping[str, Any], schema: LabelSchema) -> list[str]:
    """Field specs a Label Studio or Prodigy task needs, where choices alone would decide every frame."""
    if all(f"frame:{f}" in cells for f in schema.frames) and not _partial_fields(cells, schema):
        return []
    return schema.fields_of_cells(cells)


def _write_csv(
    rows: list[dict], labels: dict, schema: LabelSchema, codebook: Any, annotator: str | None, fmt: str
) -> str:
    cols = [
        "passage_id",
        "doc_id",
        "text_hash",
        "annotator",
        "frames",
        *[f"stance:{t}" for t in schema.stance_targets],
        *[f"role:{a}" for a in schema.actors],
        "on_topic",
        *[f"rationale:{f}" for f in schema.frames],
        *[f"rationale:stance:{t}" for t in schema.stance_targets],
        "fields",
        "note",
        "text",
    ]
    buf = io.StringIO(newline="")
    w = csv.DictWriter(buf, fieldnames=cols, lineterminator="\n")
    w.writeheader()
    for r in rows:
        lab = labels.get(r["passage_id"])
        row = {"passage_id": r["passage_id"], "doc_id": r["doc_id"], "text_hash": r["text_hash"], "text": r["text"]}
        if lab is not None:
            cells = _cells_of_row(lab, schema)
            row["annotator"] = annotator or ""
            if any(c.startswith("frame:") for c in cells):
                row["frames"] = ";".join(f for f in schema.frames if cells.get(f"frame:{f}")) or "none"
            for c, v in cells.items():
                if not c.startswith("frame:"):
                    row[c] = v
            for f, words in (lab.get("rationale") or {}).items():
                row[f"rationale:{f}"] = words
            if lab.get("on_topic") is not None and not pd.isna(lab.get("on_topic")):
                row["on_topic"] = "true" if lab["on_topic"] else "false"
            row["fields"] = ";".join(_partial_fields(cells, schema))
        w.writerow(row)
    return buf.getvalue()


def _ls_result(cells: Mapping[str, Any], rationale: Mapping[str, str], schema: LabelSchema) -> list[dict]:
    def choices(name: str, values: list[str]) -> dict:
        return {"from_name": name, "to_name": "text", "type": "choices", "value": {"choices": values}}

    out = []
    frames = [f for f in schema.frames if cells.get(f"frame:{f}")]
    if frames:
        out.append(choices("frames", frames))
    for f, words in rationale.items():
        out.append(
            {"from_name": _ls_name("rationale", f), "to_name": "text", "type": "textarea", "value": {"text": [words]}}
        )
    for t in schema.stance_targets:
        if cells.get(f"stance:{t}") is not None:
            out.append(choices(_ls_name("stance", t), [cells[f"stance:{t}"]]))
    for a in schema.actors:
        if cells.get(f"role:{a}") is not None:
            out.append(choices(_ls_name("role", a), [cells[f"role:{a}"]]))
    return out


def _write_labelstudio(
    rows: list[dict], labels: dict, schema: LabelSchema, codebook: Any, annotator: str | None, fmt: str
) -> str:
    tasks = []
    for i, r in enumerate(rows, start=1):
        data = {"text": r["text"], "passage_id": r["passage_id"], "text_hash": r["text_hash"], "doc_id": r["doc_id"]}
        task: dict[str, Any] = {"id": i, "data": data}
        lab = labels.get(r["passage_id"])
        if lab is not None:
            cells = _cells_of_row(lab, schema)
            partial = _needs_fields(cells, schema)
            if partial:
                data["fields"] = ";".join(partial)
            task["annotations"] = [
                {
                    "completed_by": annotator,
                    "result": _ls_result(cells, lab.get("rationale") or {}, schema),
                    "was_cancelled": False,
                }
            ]
        tasks.append(task)
    return json.dumps(tasks, ensure_ascii=False, indent=1) + "\n"


def _write_prodigy(
    rows: list[dict], labels: dict, schema: LabelSchema, codebook: Any, annotator: str | None, fmt: str
) -> str:
    titles = {lab.name: lab.title for lab in getattr(codebook, "frames", [])}
    options = [{"id": o, "text": titles.get(o, o)} for o in _option_ids(schema)]
    lines = []
    for r in rows:
        meta: dict[str, Any] = {"passage_id": r["passage_id"], "doc_id": r["doc_id"], "text_hash": r["text_hash"]}
        obj: dict[str, Any] = {"text": r["text"], "meta": meta}
        if fmt == "prodigy":
            obj["options"] = options
        lab = labels.get(r["passage_id"])
        chosen: list[str] = []
        if lab is not None:
            cells = _cells_of_row(lab, schema)
            chosen = [f for f in schema.frames if cells.get(f"frame:{f}")]
            chosen += [
                f"stance:{t}:{cells[f'stance:{t}']}"
                for t in schema.stance_targets
                if cells.get(f"stance:{t}") is not None
            ]
            chosen += [
                f"role:{a}:{cells[f'role:{a}']}" for a in schema.actors if cells.get(f"role:{a}") not in (None, NO_ROLE)
            ]
            meta["fields"] = schema.fields_of_cells(cells)
            if lab.get("rationale"):
                meta["rationale"] = lab["rationale"]
            if annotator:
                meta["annotator"] = annotator
        if fmt == "prodigy":
            obj["accept"] = chosen
            if lab is not None:
                obj["answer"] = "accept"
        else:
            obj["label"] = chosen
        if lab is None and fmt == "doccano":
            obj["label"] = []
        lines.append(json.dumps(obj, ensure_ascii=False))
    return "\n".join(lines) + ("\n" if lines else "")


def _write_jsonl(
    rows: list[dict], labels: dict, schema: LabelSchema, codebook: Any, annotator: str | None, fmt: str
) -> str:
    lines = []
    for r in rows:
        lab = labels.get(r["passage_id"])
        if lab is None:
            continue
        rec = state_record(
            _cells_of_row(lab, schema),
            schema,
            passage_id=r["passage_id"],
            text_hash=r["text_hash"],
            annotator=annotator,
        )
        if lab.get("rationale"):
            rec["rationale"] = lab["rationale"]
        lines.append(json.dumps(rec, ensure_ascii=False))
    return "\n".join(lines) + ("\n" if lines else "")
