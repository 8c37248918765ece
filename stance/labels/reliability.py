"""Inter-coder reliability and adjudication of double-coded passages.

:func:`reliability_table` gives Krippendorff's alpha (nominal) and percent agreement per
label between two coders: per frame (present / absent), per stance target (its classes)
and for roles over (passage, actor) units. :func:`disagreements` lists the units where the
coders differ, with both codings; :func:`adjudicate` turns agreed labels plus resolved
disagreements into gold records that reference both original codings and give a reason
for every resolution.
"""

from __future__ import annotations

import csv
import io
import warnings
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from stance.errors import StanceInputError, did_you_mean, missing_column, unknown_name
from stance.io import csv_rows
from stance.labels.schema import NO_ROLE, LabelSchema, Located, doc_id_of
from stance.labels.store import CoderState, ImportReport, LabelStore, fold_records, state_record

__all__ = [
    "DEFAULT_CODERS",
    "RELIABILITY_COLUMNS",
    "adjudicate",
    "adjudications",
    "disagreements",
    "krippendorff_alpha",
    "read_decisions",
    "reliability_table",
]

DEFAULT_CODERS = ("coder_a", "coder_b")
RELIABILITY_COLUMNS = ["task", "label", "n_units", "alpha", "percent_agreement", "n_positive_a", "n_positive_b"]
DISAGREEMENT_COLUMNS = [
    "passage_id",
    "doc_id",
    "task",
    "label",
    "field",
    "annotator_a",
    "value_a",
    "rationale_a",
    "record_a",
    "annotator_b",
    "value_b",
    "rationale_b",
    "record_b",
    "decision",
    "reason",
    "text",
]


def krippendorff_alpha(a: Sequence[Any], b: Sequence[Any], categories: Sequence[Any]) -> float:
    """Krippendorff's alpha (nominal) for two coders' values over the same units.

    Returns NaN when it is undefined: no units, or every value in one category.
    """
    import krippendorff

    if len(a) == 0:
        return float("nan")
    index = {c: i for i, c in enumerate(categories)}
    data = np.array([[index[x] for x in a], [index[x] for x in b]], dtype=float)
    if len(np.unique(data)) < 2:
        return float("nan")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return float(
            krippendorff.alpha(
                reliability_data=data, level_of_measurement="nominal", value_domain=list(range(len(categories)))
            )
        )


# ----------------------------------------------------------------------------- sources
def _records_of(source: Any) -> tuple[list[dict], LabelStore | None]:
    if isinstance(source, LabelStore):
        return source.records(), source
    if isinstance(source, str | Path):
        store = LabelStore(source)
        if not store.path.is_file():
            raise StanceInputError("label store not found", file=store.path)
        return store.records(), store
    if isinstance(source, pd.DataFrame):
        recs = []
        for row in source.to_dict("records"):
            recs.append({k: v for k, v in row.items() if not _is_missing(v)})
        return recs, None
    if isinstance(source, Iterable):
        return [dict(r) for r in source], None
    raise TypeError(f"expected a LabelStore, a path, a DataFrame of records or a list of records, got {source!r}")


def _is_missing(v: Any) -> bool:
    if v is None or v is pd.NA:
        return True
    return isinstance(v, float) and np.isnan(v)


def _schema_for(codebook: Any, store: LabelStore | None, records: list[dict]) -> LabelSchema:
    if isinstance(codebook, LabelSchema):
        return codebook
    if codebook is not None:
        return LabelSchema.from_codebook(codebook)
    if store is not None and store.codebook is not None:
        return LabelSchema.from_codebook(store.codebook)
    return LabelSchema.from_records(records)


def _pick_coders(records: list[dict], coders: Sequence[str] | None) -> tuple[str, str] | None:
    """The two coders to compare; None when ``coders`` is not given and no two coders share a passage."""
    present = sorted({str(r.get("annotator")) for r in records})
    if coders is None:
        if all(c in present for c in DEFAULT_CODERS):
            return DEFAULT_CODERS
        passages: dict[str, set[str]] = {}
        for r in records:
            if r.get("annotator") != "gold":
                passages.setdefault(str(r.get("annotator")), set()).add(str(r.get("passage_id")))
        names = sorted(passages)
        pairs = [(len(passages[x] & passages[y]), x, y) for i, x in enumerate(names) for y in names[i + 1 :]]
        pairs = [p for p in pairs if p[0] > 0]
        if not pairs:
            return None
        best = max(p[0] for p in pairs)
        _, x, y = next(p for p in pairs if p[0] == best)
        return x, y
    coders = tuple(coders)
    if len(coders) != 2:
        raise StanceInputError(f"reliability compares exactly two coders, got {list(coders)}", field="coders")
    for c in coders:
        if c not in present:
            raise StanceInputError(
                f"no records by {c!r}{did_you_mean(c, present)} (annotators: {', '.join(present)})", field="coders"
            )
    return coders[0], coders[1]


def _need_pair(records: list[dict], coders: Sequence[str] | None) -> tuple[str, str]:
    pair = _pick_coders(records, coders)
    if pair is None:
        present = sorted({str(r.get("annotator")) for r in records})
        raise StanceInputError(
            f"no two coders coded a passage in common (annotators: {', '.join(present) or 'none'}); import a second "
            "coder's labels with `stance label import FILE --annotator NAME`"
        )
    return pair


def _states(
    records: list[dict], schema: LabelSchema, coders: tuple[str, str], round: int | None
) -> tuple[dict[str, CoderState], dict[str, CoderState]]:
    recs = [r for r in records if round is None or r.get("round") == round]
    folded = fold_records([r for r in recs if r.get("annotator") in coders], schema)
    a = {pid: st for (ann, pid), st in folded.items() if ann == coders[0]}
    b = {pid: st for (ann, pid), st in folded.items() if ann == coders[1]}
    return a, b


# --------------------------------------------------------------------------- reliability
def _row(task: str, label: str, va: list, vb: list, categories: Sequence[Any], positive: Any) -> tuple:
    n = len(va)
    agree = float(np.mean([x == y for x, y in zip(va, vb, strict=True)])) if n else float("nan")
    alpha = krippendorff_alpha(va, vb, categories)
    return (task, label, n, alpha, agree, int(sum(positive(x) for x in va)), int(sum(positive(y) for y in vb)))


def _role_pairs(
    a: dict[str, CoderState], b: dict[str, CoderState], both: Sequence[str], actors: Sequence[str]
) -> tuple:
    va, vb = [], []
    for p in both:
        for actor in actors:
            x, y = a[p].cells.get(f"role:{actor}"), b[p].cells.get(f"role:{actor}")
            if x is None or y is None or (x == NO_ROLE and y == NO_ROLE):
                continue
            va.append(x)
            vb.append(y)
    return va, vb


def _rows(a: dict[str, CoderState], b: dict[str, CoderState], both: Sequence[str], schema: LabelSchema) -> list[tuple]:
    """One row per label: task, label, units, alpha, agreement, positives of each coder, over passages ``both``."""
    rows = []
    for f in schema.frames:
        cell = f"frame:{f}"
        units = [p for p in both if cell in a[p].cells and cell in b[p].cells]
        va, vb = [a[p].cells[cell] for p in units], [b[p].cells[cell] for p in units]
        rows.append(_row("frames", f, va, vb, [False, True], bool))
    negative = "NONE" if "NONE" in schema.stance_classes else (schema.stance_classes or [None])[-1]
    for t in schema.stance_targets:
        cell = f"stance:{t}"
        units = [p for p in both if a[p].cells.get(cell) is not None and b[p].cells.get(cell) is not None]
        va, vb = [a[p].cells[cell] for p in units], [b[p].cells[cell] for p in units]
        rows.append(_row(f"stance:{t}", t, va, vb, schema.stance_classes, lambda x: x != negative))
    if schema.actors and schema.roles:
        va, vb = _role_pairs(a, b, both, schema.actors)
        rows.append(_row("roles", "roles", va, vb, [*schema.roles, NO_ROLE], lambda x: x != NO_ROLE))
        for role in schema.roles:
            rows.append(_row("roles", role, [x == role for x in va], [y == role for y in vb], [False, True], bool))
    return rows


def _with_intervals(
    out: pd.DataFrame, a: dict, b: dict, both: Sequence[str], schema: LabelSchema, n_boot: int, seed: int
) -> pd.DataFrame:
    """Add ``alpha_low`` and ``alpha_high``: the 2.5th and 97.5th percentiles over bootstrap resamples of passages."""
    rng = np.random.default_rng(seed)
    ids = np.array(sorted(both))
    draws = np.full((n_boot, len(out)), np.nan)
    for i in range(n_boot):
        sample = list(rng.choice(ids, size=len(ids), replace=True))
        draws[i] = [r[3] for r in _rows(a, b, sample, schema)]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        out = out.assign(
            alpha_low=np.nanpercentile(draws, 2.5, axis=0), alpha_high=np.nanpercentile(draws, 97.5, axis=0)
        )
    return out


def _merge_groups(records: list[dict], coders: Sequence[str] | None) -> tuple[list[dict], Sequence[str] | None]:
    """Coders given as ``a+b+c`` count as one coder: their records are read under that name."""
    if coders is None or not any("+" in c for c in coders):
        return records, coders
    rename = {member: c for c in coders if "+" in c for member in c.split("+")}
    present = {str(r.get("annotator")) for r in records}
    missing = [m for m in rename if m not in present]
    if missing:
        raise StanceInputError(
            f"no records by {missing[0]!r} (annotators: {', '.join(sorted(present))})", field="coders"
        )
    return [{**r, "annotator": rename.get(str(r.get("annotator")), r.get("annotator"))} for r in records], coders


def reliability_table(
    store_or_df: Any,
    codebook: Any = None,
    coders: Sequence[str] | None = None,
    round: int | None = None,
    intervals: bool = False,
    n_boot: int = 1000,
    seed: int = 0,
) -> pd.DataFrame:
    """Krippendorff's alpha and percent agreement per label between two coders.

    Parameters
    ----------
    store_or_df : LabelStore, path, DataFrame of records, or list of records
        Labels of (at least) the two coders.
    codebook : Codebook, optional
        Default: the store's codebook, else the labels the records use.
    coders : pair of str, optional
        Default ``("coder_a", "coder_b")`` when both are present, else the two non-gold
        annotators who coded the most passages in common (ties: alphabetical).
    round : int, optional
        Only records of this coding round.
    intervals : bool
        Add ``alpha_low`` and ``alpha_high``, a 95% interval from ``n_boot`` bootstrap resamples
        of passages (seeded by ``seed``).
    n_boot, seed : int
        Bootstrap resamples and seed.

    A coder given as ``coder_c+coder_d`` is one coder made of several annotators (for example
    the first coding of a sample split between two coders).

    Returns
    -------
    DataFrame
        Columns task, label, n_units, alpha, percent_agreement, n_positive_a, n_positive_b.
        ``frames``: one row per frame, units = passages both coders coded for the frame,
        binary (present/absent), positives = passages coded present. ``stance:<target>``:
        one row per target (label = target), nominal over the stance classes, positives =
        codes other than NONE. ``roles``: units = (passage, actor) pairs both coders coded where
        at least one gave the actor a role; label ``roles`` is nominal over the roles and
        ``none``, then one binary row per role. alpha is NaN where undefined (no units, or a
        single value throughout). ``df.attrs["coders"]`` names the coders. Empty (no rows) when
        no two coders coded a passage in common.
    """
    records, store = _records_of(store_or_df)
    schema = _schema_for(codebook, store, records)
    records, coders = _merge_groups(records, coders)
    pair = _pick_coders(records, coders)
    if pair is None:
        return pd.DataFrame(columns=RELIABILITY_COLUMNS)
    a, b = _states(records, schema, pair, round)
    both = sorted(set(a) & set(b))
    if not both:
        out = pd.DataFrame(columns=RELIABILITY_COLUMNS)
        out.attrs["coders"] = list(pair)
        return out
    out = pd.DataFrame(_rows(a, b, both, schema), columns=RELIABILITY_COLUMNS)
    if intervals:
        out = _with_intervals(out, a, b, both, schema, n_boot, seed)
    out.attrs["coders"] = list(pair)
    return out


# --------------------------------------------------------------------------- disagreements
def _field_of(cell: str) -> tuple[str, str, str]:
    """(task, label, field spec) of a cell."""
    kind, name = cell.split(":", 1)
    if kind == "frame":
        return "frames", name, f"frames:{name}"
    if kind == "stance":
        return f"stance:{name}", name, f"stance:{name}"
    return "roles", name, f"roles:{name}"


def disagreements(
    store: Any,
    codebook: Any = None,
    coders: Sequence[str] | None = None,
    *,
    corpus: Any = None,
    round: int | None = None,
) -> pd.DataFrame:
    """Units where two coders differ, with both codings.

    Parameters
    ----------
    store : LabelStore, path, DataFrame of records or list of records
    codebook : Codebook, optional
    coders : pair of str, optional
        See :func:`reliability_table`.
    corpus : Corpus, optional
        Adds the passage text.
    round : int, optional
        Only records of this round.

    Returns
    -------
    DataFrame
        passage_id, doc_id, task, label (frame, stance target or actor), field (e.g.
        ``frames:blame``), annotator_a, value_a, rationale_a, record_a (latest record id),
        the same for coder b, and empty ``decision`` and ``reason`` columns to fill in for
        :func:`adjudicate`, then ``text``.
    """
    records, st = _records_of(store)
    schema = _schema_for(codebook, st, records)
    pair = _need_pair(records, coders)
    a, b = _states(records, schema, pair, round)
    texts = {}
    if corpus is not None:
        texts = dict(zip(corpus.passages["passage_id"], corpus.passages["text"], strict=True))
    rows = []
    for pid in sorted(set(a) & set(b), key=lambda p: (doc_id_of(p), p)):
        for cell in schema.cells:
            x, y = a[pid].cells.get(cell), b[pid].cells.get(cell)
            if x is None or y is None or x == y:
                continue
            task, label, spec = _field_of(cell)
            ra = a[pid].rationale.get(label, "") if task == "frames" else ""
            rb = b[pid].rationale.get(label, "") if task == "frames" else ""
            rows.append(
                (
                    pid,
                    doc_id_of(pid),
                    task,
                    label,
                    spec,
                    pair[0],
                    x,
                    ra,
                    a[pid].record_ids[-1],
                    pair[1],
                    y,
                    rb,
                    b[pid].record_ids[-1],
                    "",
                    "",
                    texts.get(pid, ""),
                )
            )
    return pd.DataFrame(rows, columns=DISAGREEMENT_COLUMNS)


# ---------------------------------------------------------------------------- adjudication
def read_decisions(path: str | Path) -> list[dict]:
    """Read a filled-in disagreements CSV: rows with passage_id, field, decision, reason (and line numbers)."""
    path = Path(path)
    if not path.is_file():
        raise StanceInputError("file not found", file=path)
    reader = csv.DictReader(io.StringIO(path.read_text(encoding="utf-8-sig"), newline=""))
    header = reader.fieldnames or []
    for col in ("passage_id", "field", "decision", "reason"):
        if col not in header:
            raise missing_column(col, header, path, "; write the file with `stance label disagreements --out`")
    out = []
    prev = 1
    for row in csv_rows(reader, path):
        line, prev = prev + 1, reader.line_num
        out.append({**{k: (v or "").strip() for k, v in row.items() if k}, "_line": line, "_file": str(path)})
    return out


_YES = {"true", "yes", "y", "1", "present"}
_NO = {"false", "no", "n", "0", "absent"}


def _decision_value(cell: str, raw: str, schema: LabelSchema) -> Any:
    kind = cell.split(":", 1)[0]
    if kind == "frame":
        if raw.lower() in _YES:
            return True
        if raw.lower() in _NO:
            return False
        raise ValueError(f"a frame decision is true or false, got {raw!r}")
    if kind == "stance":
        if raw not in schema.stance_classes:
            raise ValueError(unknown_name("stance class", raw, schema.stance_classes))
        return raw
    value = NO_ROLE if raw.lower() in {"", NO_ROLE} else raw
    if value != NO_ROLE and value not in schema.roles:
        raise ValueError(unknown_name("role", raw, schema.roles) + " (or 'none')")
    return value


def adjudicate(
    store: LabelStore | str | Path | None = None,
    decisions: pd.DataFrame | Iterable[Mapping[str, Any]] | str | Path | None = None,
    codebook: Any = None,
    coders: Sequence[str] | None = None,
    *,
    corpus: Any = None,
    annotator: str = "gold",
    round: int | None = None,
    dry_run: bool = False,
) -> ImportReport:
    """Write gold records for double-coded passages: agreed labels plus resolved disagreements.

    Each gold record (kind ``"adjudication"``) names the two codings it resolves
    (``"adjudicates": {coder: record id}``) and gives a reason per resolved field. Passages
    with a disagreement that ``decisions`` does not resolve are left out (listed in the
    report's warnings); labels only one coder decided are not carried into gold.

    Parameters
    ----------
    store : LabelStore or path, optional
    decisions : DataFrame, rows, or path of a filled-in :func:`disagreements` CSV
        Columns passage_id, field, decision, reason (and optionally rationale for frames).
    codebook, coders, corpus, round
        As for :func:`disagreements`.
    annotator : str
        Annotator of the gold records (default ``"gold"``).
    dry_run : bool
        Check and report without writing.

    Returns
    -------
    ImportReport

    Raises
    ------
    StanceInputError
        For a decision that names an unknown passage or field, gives an invalid value or no
        reason (naming the decisions file and line); nothing is written.
    """
    store = store if isinstance(store, LabelStore) else LabelStore(store)
    codebook = codebook if codebook is not None else store.codebook
    schema = LabelSchema.from_codebook(codebook) if not isinstance(codebook, LabelSchema) else codebook
    records = store.records()
    pair = _need_pair(records, coders)
    a, b = _states(records, schema, pair, round)
    resolved = _resolutions(_decision_rows(decisions), schema, a, b, pair)
    out: list[Located] = []
    pending: list[str] = []
    for pid in sorted(set(a) & set(b), key=lambda p: (doc_id_of(p), p)):
        sa, sb = a[pid], b[pid]
        cells, reasons, rationale, open_fields = _gold_cells(pid, sa, sb, schema, resolved)
        if open_fields:
            pending.append(f"{pid}: unresolved {', '.join(open_fields)}")
            continue
        if not cells:
            continue
        rec = state_record(
            cells,
            schema,
            passage_id=pid,
            text_hash=sa.last.get("text_hash"),
            annotator=annotator,
            kind="adjudication",
        )
        if rationale:
            rec["rationale"] = rationale
        rec["adjudicates"] = {pair[0]: sa.record_ids[-1], pair[1]: sb.record_ids[-1]}
        rec["reason"] = reasons or "the coders agreed on every label"
        rec["round"] = max(sa.round, sb.round, 1)
        out.append(Located(rec, "<adjudication>", len(out) + 1))
    report = store.append(out, corpus, codebook, source="adjudication", dry_run=dry_run)
    report.warnings = [f"left out (unresolved disagreements): {p}" for p in pending] + report.warnings
    return report


def _decision_rows(decisions: pd.DataFrame | Iterable[Mapping[str, Any]] | str | Path | None) -> list[dict]:
    """Decision rows, each with the ``_file`` and ``_line`` it came from."""
    if isinstance(decisions, str | Path):
        return read_decisions(decisions)
    if isinstance(decisions, pd.DataFrame):
        return [{**r, "_line": i + 2, "_file": "<decisions>"} for i, r in enumerate(decisions.to_dict("records"))]
    return [{**r, "_line": i + 1, "_file": "<decisions>"} for i, r in enumerate(decisions or [])]


def _resolutions(
    rows: list[dict], schema: LabelSchema, a: Mapping, b: Mapping, pair: Sequence[str]
) -> dict[tuple[str, str], tuple[Any, str, str]]:
    """``(passage_id, cell) -> (value, reason, rationale)`` of the rows that decide something.

    Raises
    ------
    StanceInputError
        Naming the first bad row and how many more there are.
    """
    resolved: dict[tuple[str, str], tuple[Any, str, str]] = {}
    problems: list[StanceInputError] = []
    valid_specs = {s: schema.spec_cells(s)[0] for s in schema.field_specs if s.count(":") == 1}
    for r in rows:
        raw = "" if _is_missing(r.get("decision")) else str(r.get("decision")).strip()
        if not raw:
            continue
        try:
            key, resolution = _resolution(r, raw, schema, valid_specs, a, b, pair)
        except StanceInputError as exc:
            problems.append(exc)
            continue
        resolved[key] = resolution
    if problems:
        first = problems[0]
        more = f" [{len(problems) - 1} more problem(s)]" if len(problems) > 1 else ""
        raise StanceInputError(
            first.message + more + ". Nothing was written.", file=first.file, line=first.line, field=first.field
        )
    return resolved


def _resolution(
    r: Mapping[str, Any],
    raw: str,
    schema: LabelSchema,
    valid_specs: Mapping[str, str],
    a: Mapping,
    b: Mapping,
    pair: Sequence[str],
) -> tuple[tuple[str, str], tuple[Any, str, str]]:
    """One decision row checked: its ``(passage_id, cell)`` and ``(value, reason, rationale)``."""
    file, line = r["_file"], r["_line"]
    spec = schema.normalise_spec(str(r.get("field", "")))
    pid = str(r.get("passage_id", ""))
    if pid not in a or pid not in b:
        raise StanceInputError(
            f"passage {pid!r} is not coded by both {pair[0]} and {pair[1]}", file=file, line=line, field="passage_id"
        )
    if spec not in valid_specs:
        raise StanceInputError(
            f"unknown field {spec!r}{did_you_mean(spec, list(valid_specs))}", file=file, line=line, field="field"
        )
    cell = valid_specs[spec]
    try:
        value = _decision_value(cell, raw, schema)
    except ValueError as exc:
        raise StanceInputError(str(exc), file=file, line=line, field="decision") from exc
    reason = "" if _is_missing(r.get("reason")) else str(r.get("reason")).strip()
    if not reason:
        raise StanceInputError("every resolution needs a reason", file=file, line=line, field="reason")
    rationale = "" if _is_missing(r.get("rationale")) else str(r.get("rationale") or "").strip()
    return (pid, cell), (value, reason, rationale)


def _gold_cells(
    pid: str, sa: Any, sb: Any, schema: LabelSchema, resolved: Mapping[tuple[str, str], tuple[Any, str, str]]
) -> tuple[dict[str, Any], dict[str, str], dict[str, str], list[str]]:
    """The gold cells, reasons and rationales of a double-coded passage, and its unresolved fields."""
    cells: dict[str, Any] = {}
    reasons: dict[str, str] = {}
    rationale: dict[str, str] = {}
    open_fields = []
    for cell in schema.cells:
        x, y = sa.cells.get(cell), sb.cells.get(cell)
        if x is None or y is None:
            continue
        task, label, spec = _field_of(cell)
        if x == y:
            cells[cell] = x
            words = (sa.rationale.get(label) or sb.rationale.get(label)) if task == "frames" and x else None
        elif (pid, cell) in resolved:
            value, reasons[spec], words = resolved[(pid, cell)]
            cells[cell] = value
            if task == "frames" and value:
                words = words or (sa.rationale.get(label) if x else sb.rationale.get(label))
            else:
                words = None
        else:
            open_fields.append(spec)
            continue
        if words:
            rationale[label] = words
    return cells, reasons, rationale, open_fields


def adjudications(
    store: Any,
    codebook: Any = None,
    coders: Sequence[str] | None = None,
    *,
    corpus: Any = None,
    annotator: str = "gold",
    round: int | None = None,
) -> pd.DataFrame:
    """How each disagreement between two coders was resolved.

    Parameters
    ----------
    store, codebook, coders, corpus, round
        As for :func:`disagreements`.
    annotator : str
        Annotator of the adjudicated records (default ``"gold"``).

    Returns
    -------
    DataFrame
        One row per disagreement: the :func:`disagreements` columns with ``decision`` (the
        adjudicated value, empty while unresolved) and ``reason`` filled in from the latest
        adjudication record of the passage.
    """
    records, st = _records_of(store)
    schema = _schema_for(codebook, st, records)
    table = disagreements(records, schema, coders, corpus=corpus, round=round)
    gold = _states(records, schema, (annotator, annotator), None)[0] if records else {}
    latest: dict[str, Mapping[str, Any]] = {}
    for rec in records:
        if rec.get("annotator") == annotator and rec.get("kind") == "adjudication":
            latest[rec["passage_id"]] = rec
    decisions, reasons = [], []
    for pid, spec in zip(table["passage_id"], table["field"], strict=True):
        cell = schema.spec_cells(spec)[0]
        state = gold.get(pid)
        decisions.append("" if state is None or cell not in state.cells else state.cells[cell])
        reason = latest.get(pid, {}).get("reason", "")
        reasons.append(reason.get(spec, "") if isinstance(reason, Mapping) else "")
    return table.assign(decision=decisions, reason=reasons)
