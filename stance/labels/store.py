"""The label store: an append-only JSONL file of label records beside the corpus.

Every decision is one line (see :mod:`stance.labels.schema`). Nothing is ever rewritten or
deleted: a later record by the same annotator on the same passage supersedes the earlier
one for the labels it decides, and :meth:`LabelStore.history` shows every record.
Appends are validated in full first (nothing is written if any record fails) and written
atomically (temporary file in the same folder, fsync, ``os.replace``).
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from stance.codebook import cached_codebook
from stance.errors import StanceInputError
from stance.io import atomic_write, json_value
from stance.labels.schema import (
    NO_ROLE,
    LabelSchema,
    Located,
    Problems,
    doc_id_of,
    now_utc,
    para_index_of,
    record_id,
)

__all__ = [
    "MIN_POSITIVES",
    "Change",
    "CodebookMismatchWarning",
    "CoderState",
    "ImportReport",
    "LabelStore",
    "atomic_write",
    "coded",
    "default_store_path",
    "document_counts",
    "fold_records",
    "frame_matrix",
    "group_counts",
    "label_counts",
    "load_codebook_for",
    "load_corpus_for",
    "passage_index",
    "resolve_records",
    "state_record",
    "task_targets",
]

#: Labels with fewer positives than this are flagged (:func:`label_counts`, ``stance label``, ``stance finetune``).
MIN_POSITIVES = 5


def default_store_path() -> Path:
    """The project's label store (:attr:`stance.paths.ProjectPaths.labels`; ``seeds/labels.jsonl`` by default)."""
    from stance.paths import ProjectPaths

    return ProjectPaths.discover().labels


@contextlib.contextmanager
def _locked(folder: Path) -> Iterator[None]:
    """Hold an exclusive lock on ``folder`` (POSIX), so concurrent appends do not lose records."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows
        yield
        return
    folder.mkdir(parents=True, exist_ok=True)
    fd = os.open(folder, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        with contextlib.suppress(OSError):
            fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)


class CodebookMismatchWarning(UserWarning):
    """A label store lies in another project, whose codebook differs from the one its labels are read under."""


def _store_project(path: Path) -> Path | None:
    """The nearest project folder at or above a label store's folder."""
    from stance.config import is_project

    folder = path.resolve().parent
    return next((f for f in (folder, *folder.parents) if is_project(f)), None)


def load_codebook_for(path: str | Path | None = None) -> Any:
    """The codebook of a label store: always the current project's codebook.

    A store inside another project whose codebook differs gets a
    :class:`CodebookMismatchWarning` that names both codebooks (its labels are still read and
    checked under the current project's codebook; run the command in that project, or pass
    ``--project`` / ``--codebook``, to use its own).
    """
    from stance.paths import ProjectPaths

    current = ProjectPaths.discover()
    codebook = cached_codebook(current.codebook)
    home = _store_project(Path(path)) if path is not None else None
    if home is None or home == current.root:
        return codebook
    other = ProjectPaths.discover(home).codebook
    if other.is_file() and other.resolve() != current.codebook.resolve():
        from stance.codebook import Codebook

        try:
            theirs = Codebook.load(other).hash
        except StanceInputError:
            theirs = codebook.hash  # its own codebook is broken: nothing to compare
        if theirs != codebook.hash:
            import warnings

            warnings.warn(
                f"the label store {path} is in the project {home}, whose codebook {other} differs from this "
                f"project's {current.codebook} (hash {theirs[:8]} vs {codebook.hash[:8]}); its labels are read under "
                f"{current.codebook}. Run the command in {home} (or pass --project {home}) to use its own codebook",
                CodebookMismatchWarning,
                stacklevel=2,
            )
    return codebook


def load_corpus_for(path: str | Path | None = None) -> Any:
    """The corpus beside a label store, else the project corpus.

    The corpus beside a store is its folder, when that holds ``manifest.csv``, together with
    every corpus folder below it (``seeds/`` and ``seeds/us-white-house/``).
    """
    import warnings

    from stance.corpus import check_corpora, concat_corpora, load_corpus
    from stance.paths import ProjectPaths, discover_corpora

    folder = Path(path).resolve().parent if path is not None else None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if folder is not None and (folder / "manifest.csv").is_file():
            corpora = discover_corpora(folder)
        else:
            corpora = ProjectPaths.discover().corpora
            check_corpora(corpora)
        return concat_corpora([load_corpus(c) for c in corpora], source=folder)


def passage_index(corpus: Any) -> dict[str, tuple[str, int, str, str]]:
    """``{passage_id: (doc_id, para_index, text_hash, text)}`` of a corpus (or a passage table)."""
    passages = corpus.passages if hasattr(corpus, "passages") else corpus
    cols = ["passage_id", "doc_id", "para_index", "text_hash", "text"]
    missing = [c for c in cols if c not in passages.columns]
    if missing:
        raise ValueError(f"the passage table lacks columns {missing}")
    return {
        str(r.passage_id): (str(r.doc_id), int(r.para_index), str(r.text_hash), str(r.text))
        for r in passages[cols].itertuples(index=False)
    }


def _schema(codebook: Any) -> LabelSchema:
    return codebook if isinstance(codebook, LabelSchema) else LabelSchema.from_codebook(codebook)


# ----------------------------------------------------------------------------- folding
@dataclass
class CoderState:
    """What one annotator has decided about one passage so far (the records folded in order).

    Attributes
    ----------
    cells : dict
        The decided cells (``frame:<name>``, ``stance:<target>``, ``role:<actor>``) and their values.
    rationale : dict
        Rationale quotes of the decided cells that carry one.
    record_ids : list of str
        Ids of the folded records, in order.
    last : dict
        The last record folded in.
    round : int
        Highest coding round of the folded records.
    on_topic : bool or None
        The last on-topic decision, if any.
    """

    cells: dict[str, Any] = field(default_factory=dict)
    rationale: dict[str, str] = field(default_factory=dict)
    record_ids: list[str] = field(default_factory=list)
    last: dict = field(default_factory=dict)
    round: int = 0
    on_topic: bool | None = None

    def apply(self, rec: Mapping[str, Any], schema: LabelSchema) -> None:
        """Fold ``rec`` in: its cells supersede earlier ones; a frame or stance undecided drops its rationale."""
        cells = schema.cells_of(rec)
        self.cells.update(cells)
        for cell, value in cells.items():
            if cell.startswith("frame:"):
                name = cell.split(":", 1)[1]
                if not value:
                    self.rationale.pop(name, None)
                elif name in (rec.get("rationale") or {}):
                    self.rationale[name] = rec["rationale"][name]
            elif cell.startswith("stance:"):
                if value in (None, "NONE"):
                    self.rationale.pop(cell, None)
                elif cell in (rec.get("rationale") or {}):
                    self.rationale[cell] = rec["rationale"][cell]
        if rec.get("on_topic") is not None:
            self.on_topic = bool(rec["on_topic"])
        self.record_ids.append(str(rec.get("record_id", "")))
        self.last = dict(rec)
        self.round = max(self.round, int(rec.get("round") or 0))


def fold_records(records: Iterable[Mapping[str, Any]], schema: LabelSchema) -> dict[tuple[str, str], CoderState]:
    """Fold ``records`` in order into one :class:`CoderState` per ``(annotator, passage_id)``.

    Parameters
    ----------
    records : iterable of mapping
        Label records, oldest first.
    schema : LabelSchema
        Reads each record's cells.

    Returns
    -------
    dict
        ``{(annotator, passage_id): CoderState}``.
    """
    states: dict[tuple[str, str], CoderState] = {}
    for rec in records:
        key = (str(rec.get("annotator")), str(rec.get("passage_id")))
        states.setdefault(key, CoderState()).apply(rec, schema)
    return states


def state_record(cells: Mapping[str, Any], schema: LabelSchema, **extra: Any) -> dict:
    """A record that decides exactly ``cells`` (``{"frame:blame": True, "stance:x": "FAVOR", ...}``).

    ``fields`` is left out when the record decides every frame, every given stance target
    and every actor, so that full codings look like ordinary records.
    """
    fields = schema.fields_of_cells(cells)
    rec: dict[str, Any] = dict(extra)
    partial = any(":" in f and not f.startswith("stance:") for f in fields)
    if partial:
        rec["fields"] = fields
    if any(c.startswith("frame:") for c in cells):
        rec["frames"] = [f for f in schema.frames if cells.get(f"frame:{f}") is True]
    stance = {t: cells[f"stance:{t}"] for t in schema.stance_targets if cells.get(f"stance:{t}") is not None}
    if stance:
        rec["stance"] = stance
    if any(c.startswith("role:") for c in cells):
        rec["roles"] = {a: cells[f"role:{a}"] for a in schema.actors if cells.get(f"role:{a}") not in (None, NO_ROLE)}
    return rec


# ----------------------------------------------------------------------------- reports
@dataclass
class Change:
    """One label changed by an import: the old value stays in the store's history."""

    passage_id: str
    annotator: str
    cell: str
    old: Any
    new: Any
    line: int


@dataclass
class ImportReport:
    """What an append or import did.

    Attributes
    ----------
    added : list of dict
        Records written that decide labels not decided before.
    changed : list of dict
        Records written that change earlier decisions (the earlier records stay in history).
    unchanged : list of tuple
        ``(line, passage_id, annotator, why)`` of records not written: identical to what the
        store already says, or duplicates within the input.
    changes : list of Change
        Every label that changed, with old and new value.
    warnings : list of str
        Notes that did not stop the import (rationales that quote nothing, other codebook versions).
    source : str
    """

    added: list[dict] = field(default_factory=list)
    changed: list[dict] = field(default_factory=list)
    unchanged: list[tuple[int, str, str, str]] = field(default_factory=list)
    changes: list[Change] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    source: str = ""
    dry_run: bool = False

    @property
    def written(self) -> list[dict]:
        """Records appended to the store, in order."""
        return self.added + self.changed

    def summary(self) -> str:
        """One line: counts of added, changed and unchanged records."""
        verb = "would add" if self.dry_run else "added"
        return (
            f"{verb} {len(self.added)}, changed {len(self.changed)}, unchanged {len(self.unchanged)} "
            f"record(s){' from ' + self.source if self.source else ''}"
        )

    def to_frame(self) -> pd.DataFrame:
        """One row per change and per unchanged record: status, passage_id, annotator, line, detail."""
        rows = [
            ("changed", c.passage_id, c.annotator, c.line, f"{c.cell}: {_show(c.old)} -> {_show(c.new)}")
            for c in self.changes
        ]
        rows += [("unchanged", pid, ann, line, why) for line, pid, ann, why in self.unchanged]
        return pd.DataFrame(rows, columns=["status", "passage_id", "annotator", "line", "detail"])


def _show(value: Any) -> str:
    return "unset" if value is None else str(value)


# ------------------------------------------------------------------------------ store
class LabelStore:
    """An append-only JSONL store of label records.

    Parameters
    ----------
    path : str or Path, optional
        The JSONL file; default ``<project_root>/seeds/labels.jsonl``. It need not exist yet.
    codebook : Codebook, optional
        Used to resolve records (which frames a full ``frames`` list decides). Default: the
        current project's codebook (:func:`load_codebook_for`, which warns when the store lies in
        another project with another codebook); without one, the labels seen in the records.

    Examples
    --------
    >>> store = LabelStore("seeds/labels.jsonl")                        # doctest: +SKIP
    >>> report = store.append([{"passage_id": pid, "annotator": "coder_a",
    ...                         "frames": ["blame"], "rationale": {"blame": "should stop blaming"}}],
    ...                       corpus, codebook)                          # doctest: +SKIP
    >>> gold = store.resolved("gold")                                    # doctest: +SKIP
    """

    def __init__(self, path: str | Path | None = None, codebook: Any = None) -> None:
        self.path = Path(path) if path is not None else default_store_path()
        self._codebook = codebook
        self._cache: tuple[tuple[int, int], list[dict]] | None = None

    def __repr__(self) -> str:
        return f"LabelStore({str(self.path)!r})"

    # ----------------------------------------------------------------- reading
    @property
    def codebook(self) -> Any:
        """The codebook used for resolution (loaded on first use; None when there is none)."""
        if self._codebook is None:
            try:
                self._codebook = load_codebook_for(self.path)
            except (OSError, StanceInputError):
                self._codebook = False
        return self._codebook or None

    def schema(self, codebook: Any = None) -> LabelSchema:
        """The label schema of ``codebook`` (default :attr:`codebook`, else inferred from the records)."""
        codebook = codebook if codebook is not None else self.codebook
        if codebook is not None:
            return _schema(codebook)
        return LabelSchema.from_records(self._read())

    def _read(self) -> list[dict]:
        if not self.path.is_file():
            return []
        st = self.path.stat()
        key = (st.st_mtime_ns, st.st_size)
        if self._cache is not None and self._cache[0] == key:
            return self._cache[1]
        records = _parse_store(self.path.read_bytes(), self.path)
        self._cache = (key, records)
        return records

    def records(self, annotator: str | Sequence[str] | None = None) -> list[dict]:
        """Every record in file order (copies), optionally of some annotators only."""
        keep = _annotator_filter(annotator)
        return [json.loads(json.dumps(r)) for r in self._read() if keep(r.get("annotator"))]

    def to_frame(self, annotator: str | Sequence[str] | None = None) -> pd.DataFrame:
        """The records as a DataFrame, one row per record, columns in record key order."""
        from stance.labels.schema import RECORD_KEYS

        recs = self.records(annotator)
        cols = list(RECORD_KEYS) + sorted({k for r in recs for k in r} - set(RECORD_KEYS))
        return pd.DataFrame(recs, columns=cols).astype(object).where(lambda d: d.notna(), None)

    def annotators(self) -> list[str]:
        """Annotators with at least one record, sorted."""
        return sorted({str(r.get("annotator")) for r in self._read()})

    def history(self, passage_id: str, annotator: str | None = None) -> list[dict]:
        """Every record about ``passage_id`` (optionally of one annotator), oldest first; nothing is ever lost."""
        return [r for r in self.records(annotator) if r.get("passage_id") == passage_id]

    # --------------------------------------------------------------- resolving
    def resolved(
        self,
        annotator: str | Sequence[str] | None = "gold",
        codebook: Any = None,
        round: int | None = None,
    ) -> pd.DataFrame:
        """The labels in force: one row per passage (per annotator when several are asked for).

        For each passage and annotator, each label takes the value of the latest record that
        decides it, so a record deciding only ``frames:blame`` changes only that frame.
        Passages whose labels were re-anchored to a new passage id (:meth:`reanchor`) appear
        under the new id only.

        Parameters
        ----------
        annotator : str, list of str or None
            Whose labels (default ``"gold"``); None for every annotator.
        codebook : Codebook, optional
            Default :attr:`codebook`.
        round : int, optional
            Only records of this coding round.

        Returns
        -------
        DataFrame
            Columns ``passage_id``, ``doc_id``, ``frames`` (list of present frames, None when no
            frame was coded), ``frame:<name>`` (nullable boolean; NA when not coded),
            ``stance:<target>`` (class or None), ``roles`` (``{actor: role}`` of actors with a
            role, None when roles were not coded), ``role:<actor>`` (role, ``"none"``, or None when
            not coded), ``rationale`` (``{frame: quoted words}``), ``annotator``, ``kind``,
            ``round``, ``text_hash``, ``codebook_version``, ``codebook_hash``, ``timestamp``
            (of the latest record), ``record_ids`` (records that contributed, oldest first).
            Sorted by doc_id and passage_id.
        """
        keep = _annotator_filter(annotator)
        recs = [r for r in self._read() if keep(r.get("annotator")) and (round is None or r.get("round") == round)]
        schema = self.schema(codebook)
        return resolve_records(recs, schema)

    # ----------------------------------------------------------------- writing
    def append(
        self,
        records: Iterable[Mapping[str, Any] | Located],
        corpus: Any = None,
        codebook: Any = None,
        *,
        source: str | Path | None = None,
        defaults: Mapping[str, Any] | None = None,
        dry_run: bool = False,
    ) -> ImportReport:
        """Validate ``records`` and append the new decisions atomically.

        Every record is checked first (labels against the codebook, passage ids and text
        hashes against the corpus, conflicts within the input, adjudication references);
        if any check fails, a :class:`~stance.errors.StanceInputError` names the file, line and
        field of the first problem (``.problems`` lists all) and the store is left untouched.
        Records that repeat what the store already says are not written (reported as
        unchanged); records that change an earlier decision are written and the change is
        reported (the earlier record stays in the history).

        Parameters
        ----------
        records : iterable of dict or Located
            Label records (see :mod:`stance.labels.schema`).
        corpus : Corpus, optional
            Default: the corpus beside the store, else the project seeds.
        codebook : Codebook, optional
            Default :attr:`codebook`.
        source : str or Path, optional
            Name of the input, for messages and the records' ``source`` field.
        defaults : mapping, optional
            Values for keys a record leaves out, e.g. ``{"annotator": "coder_a", "round": 2}``.
        dry_run : bool
            Validate and report without writing.

        Returns
        -------
        ImportReport
        """
        codebook = codebook if codebook is not None else self.codebook
        if codebook is None:
            raise StanceInputError("no codebook to check labels against", file=self.path)
        schema = _schema(codebook)
        if corpus is None:
            corpus = load_corpus_for(self.path)
        passages = passage_index(corpus)
        src = str(source) if source is not None else "<records>"
        located = [
            r if isinstance(r, Located) else Located(dict(r) if isinstance(r, Mapping) else r, src, i)
            for i, r in enumerate(records, start=1)
        ]
        base = {
            "kind": "annotation",
            "round": 1,
            "codebook_version": schema.version or None,
            "codebook_hash": schema.hash or None,
            "timestamp": now_utc(),
        }
        base.update({k: v for k, v in (defaults or {}).items() if v is not None})
        report = ImportReport(source=src if source is not None else "", dry_run=dry_run)
        with _locked(self.path.parent):
            self._cache = None
            existing_bytes = self.path.read_bytes() if self.path.is_file() else b""
            existing = _parse_store(existing_bytes, self.path)
            problems = Problems()
            clean: list[tuple[Located, dict]] = []
            for item in located:
                rec = schema.normalise(
                    item, problems, passages=passages, defaults=base, check_rationale=report.warnings
                )
                if rec is not None and _known_version(rec, codebook, item, problems):
                    clean.append((item, rec))
                    if schema.hash and rec.get("codebook_hash") not in (None, schema.hash):
                        report.warnings.append(
                            f"{item.file}, line {item.line}: coded under codebook version "
                            f"{rec.get('codebook_version', '?')} (hash {str(rec['codebook_hash'])[:8]}), "
                            f"not the current {schema.version} ({schema.hash[:8]})"
                        )
            problems.raise_if_any()
            keep = _check_batch(clean, schema, existing, problems, report)
            problems.raise_if_any()
            states = fold_records(existing, schema)
            for item, rec in keep:
                key = (rec["annotator"], rec["passage_id"])
                state = states.setdefault(key, CoderState())
                cells = schema.cells_of(rec)
                old = {c: state.cells.get(c) for c in cells}
                new_rationale = {f: w for f, w in (rec.get("rationale") or {}).items() if state.rationale.get(f) != w}
                diffs = [c for c in cells if old[c] is not None and old[c] != cells[c]]
                if all(old[c] == cells[c] for c in cells) and not new_rationale:
                    report.unchanged.append((item.line, rec["passage_id"], rec["annotator"], "same labels as stored"))
                    continue
                report.changes += [
                    Change(rec["passage_id"], rec["annotator"], c, old[c], cells[c], item.line) for c in diffs
                ]
                report.changes += [
                    Change(rec["passage_id"], rec["annotator"], f"rationale:{f}", state.rationale.get(f), w, item.line)
                    for f, w in new_rationale.items()
                    if state.rationale.get(f) is not None
                ]
                changed = bool(diffs) or any(state.rationale.get(f) is not None for f in new_rationale)
                (report.changed if changed else report.added).append(rec)
                state.apply(rec, schema)
            bare = [
                f"{r['passage_id']}: {f}"
                for r in report.written
                if r.get("kind") in ("annotation", "adjudication")
                for f in r.get("frames") or []
                if f"frame:{f}" in schema.cells_of(r) and f not in (r.get("rationale") or {})
            ]
            if bare:
                report.warnings.append(
                    f"{len(bare)} present frame(s) have no rationale quoting the passage (e.g. {bare[0]})"
                )
            if report.written and not dry_run:
                lines = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in report.written).encode("utf-8")
                if existing_bytes and not existing_bytes.endswith(b"\n"):
                    existing_bytes += b"\n"
                atomic_write(self.path, existing_bytes + lines)
                self._cache = None
        return report

    # --------------------------------------------------------------- re-anchoring
    def stale(self, corpus: Any = None) -> pd.DataFrame:
        """Labelled passages that are no longer in the corpus, with where their text may have gone.

        Returns
        -------
        DataFrame
            passage_id, annotator, n_records, status (``moved``: the same text is now another
            passage of the document; ``edited``: the paragraph at the same position changed;
            ``removed``), new_passage_id (suggestion; "" when there is none).
        """
        if corpus is None:
            corpus = load_corpus_for(self.path)
        passages = passage_index(corpus)
        rows = []
        seen: dict[tuple[str, str], int] = {}
        for r in self._read():
            if r.get("passage_id") in passages:
                continue
            key = (str(r["passage_id"]), str(r.get("annotator")))
            seen[key] = seen.get(key, 0) + 1
        for (pid, ann), n in sorted(seen.items()):
            status, target = _suggest_anchor(pid, self.history(pid, ann)[-1].get("text_hash", ""), passages)
            rows.append((pid, ann, n, status, target))
        return pd.DataFrame(rows, columns=["passage_id", "annotator", "n_records", "status", "new_passage_id"])

    def reanchor(
        self,
        corpus: Any = None,
        codebook: Any = None,
        mapping: Mapping[str, str] | None = None,
        *,
        dry_run: bool = False,
    ) -> ImportReport:
        """Carry labels of passages that left the corpus over to their new passage ids.

        Without ``mapping`` only ``moved`` passages (the identical text now has another id)
        are re-anchored; edited passages need an explicit ``{old_id: new_id}`` because the
        label was made on a different text. Each annotator's labels in force are appended as
        one record of kind ``"reanchor"`` naming the record it came from; the old records stay.
        """
        if corpus is None:
            corpus = load_corpus_for(self.path)
        codebook = codebook if codebook is not None else self.codebook
        schema = _schema(codebook)
        passages = passage_index(corpus)
        stale = self.stale(corpus)
        mapping = dict(mapping or {})
        problems = Problems()
        for old, new in mapping.items():
            if not self.history(old):
                problems.add(f"no stored labels for passage {old!r}", self.path, None, "passage_id")
            if new not in passages:
                problems.add(f"no passage {new!r} in the corpus", None, None, "passage_id")
        problems.raise_if_any()
        targets = dict(mapping)
        for row in stale.itertuples(index=False):
            if row.passage_id not in targets and row.status == "moved":
                targets[row.passage_id] = row.new_passage_id
        states = fold_records([r for r in self._read() if r.get("passage_id") in targets], schema)
        out = []
        for (ann, old), state in sorted(states.items()):
            new = targets[old]
            rec = state_record(
                state.cells,
                schema,
                passage_id=new,
                text_hash=passages[new][2],
                annotator=ann,
                kind="reanchor",
                round=state.round or 1,
            )
            if state.rationale:
                rec["rationale"] = dict(state.rationale)
            rec["reanchored_from"] = state.record_ids[-1]
            for key in ("codebook_version", "codebook_hash"):
                if state.last.get(key):
                    rec[key] = state.last[key]
            out.append(rec)
        return self.append(out, corpus, codebook, source="reanchor", dry_run=dry_run)


def _suggest_anchor(pid: str, old_hash: str, passages: Mapping[str, tuple[str, int, str, str]]) -> tuple[str, str]:
    doc = doc_id_of(pid)
    suffix = old_hash or pid.rsplit(":", 1)[-1]
    same = sorted((p, v) for p, v in passages.items() if v[0] == doc)
    for p, v in same:
        if suffix and v[2].startswith(suffix[:8]):
            return "moved", p
    para = para_index_of(pid)
    for p, v in same:
        if v[1] == para:
            return "edited", p
    return "removed", ""


def _annotator_filter(annotator: str | Sequence[str] | None) -> Any:
    if annotator is None:
        return lambda a: True
    wanted = {annotator} if isinstance(annotator, str) else set(annotator)
    return lambda a: a in wanted


def _parse_store(raw: bytes, path: Path) -> list[dict]:
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise StanceInputError(
            "label store is not valid UTF-8", file=path, line=raw[: exc.start].count(b"\n") + 1
        ) from exc
    out = []
    for i, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        rec = json_value(line, path, i)
        if not isinstance(rec, dict) or "passage_id" not in rec or "annotator" not in rec:
            raise StanceInputError("a label record needs passage_id and annotator", file=path, line=i)
        out.append(rec)
    return out


def known_versions(codebook: Any) -> set[str]:
    """Codebook versions a store accepts: the current one and every version in its ``changelog``."""
    data = getattr(codebook, "data", None) or {}
    versions = {str(e.get("version")) for e in data.get("changelog") or [] if isinstance(e, Mapping)}
    current = getattr(codebook, "version", None)
    return versions | ({str(current)} if current else set())


def _known_version(rec: Mapping[str, Any], codebook: Any, item: Located, problems: Problems) -> bool:
    """A record coded under a codebook version the codebook does not know is refused, naming the version."""
    known = known_versions(codebook) if codebook is not None else set()
    version = rec.get("codebook_version")
    if not known or version in (None, "") or str(version) in known:
        return True
    problems.add(
        f"coded under codebook version {version!r}, which this codebook does not know (its changelog lists "
        f"{', '.join(sorted(known))}); re-code under a listed version or add the version to the changelog",
        item.file,
        item.line,
        "codebook_version",
    )
    return False


def _is_full_coding(rec: Mapping[str, Any]) -> bool:
    return rec.get("kind", "annotation") == "annotation" and not rec.get("fields")


def _round_codings(existing: list[dict], schema: LabelSchema) -> dict[tuple[str, str, int], dict]:
    """The cells of each full annotation already stored, by (annotator, passage, round)."""
    out: dict[tuple[str, str, int], dict] = {}
    for r in existing:
        if _is_full_coding(r):
            key = (str(r.get("annotator")), str(r.get("passage_id")), int(r.get("round") or 1))
            out.setdefault(key, {}).update(schema.cells_of(r))
    return out


def _check_recoding(item: Located, rec: dict, cells: dict, coded: dict, problems: Problems) -> None:
    """A second, different full coding of a passage by one annotator in one round is a conflict."""
    if not _is_full_coding(rec):
        return
    rnd = int(rec.get("round") or 1)
    before = coded.get((rec["annotator"], rec["passage_id"], rnd))
    if before is None:
        return
    clash = [c for c in cells if c in before and before[c] != cells[c]]
    if clash:
        problems.add(
            f"passage {rec['passage_id']!r} is already coded by {rec['annotator']!r} in round {rnd} "
            f"({clash[0]} = {_show(before[clash[0]])}, this line says {_show(cells[clash[0]])}); a second coding "
            f"in the same round is a conflict: import it as round {rnd + 1} (--round {rnd + 1}), or as a re-code "
            "of the fields that change",
            item.file,
            item.line,
            clash[0].split(":", 1)[0],
        )


def _check_batch(
    clean: list[tuple[Located, dict]],
    schema: LabelSchema,
    existing: list[dict],
    problems: Problems,
    report: ImportReport,
) -> list[tuple[Located, dict]]:
    """Conflicts and duplicates within one input; adjudication references. Returns the records to consider."""
    seen: dict[tuple[str, str], list[tuple[Located, dict, dict]]] = {}
    keep: list[tuple[Located, dict]] = []
    by_ref: dict[tuple[str, str], set[str]] = {}
    for r in existing + [rec for _, rec in clean]:
        refs = by_ref.setdefault((str(r.get("annotator")), str(r.get("passage_id"))), set())
        refs.update({str(r.get("record_id", "")), str(r.get("timestamp", ""))})
    coded = _round_codings(existing, schema)
    for item, rec in clean:
        key = (rec["annotator"], rec["passage_id"])
        cells = schema.cells_of(rec)
        _check_recoding(item, rec, cells, coded, problems)
        duplicate = False
        for other_item, other_rec, other_cells in seen.get(key, []):
            clash = [c for c in cells if c in other_cells and other_cells[c] != cells[c]]
            r1, r2 = rec.get("rationale") or {}, other_rec.get("rationale") or {}
            clash += [f"rationale:{f}" for f in r1 if f in r2 and r1[f] != r2[f]]
            if clash:
                c = clash[0]
                problems.add(
                    f"conflicting labels for passage {rec['passage_id']!r} by {rec['annotator']!r} in one input: "
                    f"line {other_item.line} says {c} = {_show(other_cells.get(c, r2.get(c.split(':', 1)[1])))}, "
                    f"this line says {_show(cells.get(c, r1.get(c.split(':', 1)[1])))}; keep one of them",
                    item.file,
                    item.line,
                    c.split(":", 1)[0] if c.startswith(("frame", "role", "rationale")) else c,
                )
            elif set(cells) <= set(other_cells) and set(r1) <= set(r2):
                duplicate = True
        if duplicate:
            report.unchanged.append((item.line, rec["passage_id"], rec["annotator"], "duplicate within the input"))
            continue
        seen.setdefault(key, []).append((item, rec, cells))
        for coder, ref in (rec.get("adjudicates") or {}).items():
            if ref not in by_ref.get((coder, rec["passage_id"]), set()):
                problems.add(
                    f"adjudicates {coder!r} record {ref!r}, but the store has no such record of {coder!r} "
                    f"for passage {rec['passage_id']!r}",
                    item.file,
                    item.line,
                    f"adjudicates.{coder}",
                )
        keep.append((item, rec))
    return keep


# --------------------------------------------------------------------------- resolving
def resolve_records(records: Iterable[Mapping[str, Any]], schema: LabelSchema) -> pd.DataFrame:
    """Fold records (in order) into the resolved table described in :meth:`LabelStore.resolved`."""
    records = list(records)
    states = fold_records(records, schema)
    carried = {str(r["reanchored_from"]) for r in records if r.get("reanchored_from")}
    if carried:  # labels re-anchored to a new passage id no longer speak for the old one
        states = {k: st for k, st in states.items() if st.record_ids[-1] not in carried}
    frame_cols = [f"frame:{f}" for f in schema.frames]
    stance_cols = [f"stance:{t}" for t in schema.stance_targets]
    role_cols = [f"role:{a}" for a in schema.actors]
    cols = [
        "passage_id",
        "doc_id",
        "frames",
        *frame_cols,
        *stance_cols,
        "roles",
        *role_cols,
        "on_topic",
        "rationale",
        "annotator",
        "kind",
        "round",
        "text_hash",
        "codebook_version",
        "codebook_hash",
        "timestamp",
        "record_ids",
    ]
    rows = []
    for (ann, pid), st in states.items():
        row: dict[str, Any] = {"passage_id": pid, "doc_id": doc_id_of(pid)}
        decided_frames = [c for c in frame_cols if c in st.cells]
        row["frames"] = [c.split(":", 1)[1] for c in frame_cols if st.cells.get(c) is True] if decided_frames else None
        for c in frame_cols:
            row[c] = st.cells.get(c, pd.NA)
        for c in stance_cols:
            row[c] = st.cells.get(c)
        if any(c in st.cells for c in role_cols):
            row["roles"] = {
                c.split(":", 1)[1]: st.cells[c] for c in role_cols if st.cells.get(c) not in (None, NO_ROLE)
            }
        else:
            row["roles"] = None
        for c in role_cols:
            row[c] = st.cells.get(c)
        row["rationale"] = dict(st.rationale)
        row["on_topic"] = st.on_topic
        row.update(
            annotator=ann,
            kind=st.last.get("kind", ""),
            round=st.round,
            text_hash=st.last.get("text_hash", ""),
            codebook_version=st.last.get("codebook_version", ""),
            codebook_hash=st.last.get("codebook_hash", ""),
            timestamp=st.last.get("timestamp", ""),
            record_ids=list(st.record_ids),
        )
        rows.append(row)
    df = pd.DataFrame(rows, columns=cols)
    if not df.empty:
        df = df.sort_values(["doc_id", "passage_id", "annotator"], kind="stable").reset_index(drop=True)
    obj = [c for c in cols if c not in frame_cols and c != "round"]
    df[obj] = df[obj].astype(object)
    for c in frame_cols:
        df[c] = df[c].astype("boolean")
    df["round"] = df["round"].astype("int64")
    for c in (*stance_cols, *role_cols):
        df[c] = df[c].where(df[c].notna(), None)
    return df


# --------------------------------------------------------------------------- helpers
def coded(df: pd.DataFrame, codebook: Any, task: str) -> pd.Series:
    """Boolean mask of rows of a resolved table that are coded for ``task``.

    ``frames``: every frame decided; ``stance:<target>``: a class given; ``roles``: any actor decided.
    """
    schema = _schema(codebook)
    if task == "frames":
        cols = [f"frame:{f}" for f in schema.frames]
        if all(c in df.columns for c in cols):
            return df[cols].notna().all(axis=1)
        return df["frames"].map(lambda v: isinstance(v, list | tuple | np.ndarray))
    if task.startswith("stance:"):
        if task not in df.columns:
            raise KeyError(f"no column {task!r}; stance targets: {schema.stance_targets}")
        return df[task].map(lambda v: isinstance(v, str) and v != "")
    if task == "roles":
        return df["roles"].map(lambda v: isinstance(v, Mapping))
    raise KeyError(f"unknown task {task!r}")


def frame_matrix(df: pd.DataFrame, codebook: Any) -> np.ndarray:
    """Indicator matrix ``(n_passages, n_frames)`` of a resolved table, columns in codebook order.

    Raises
    ------
    ValueError
        If a row is not coded for every frame (select rows with :func:`coded` first).
    """
    schema = _schema(codebook)
    cols = [f"frame:{f}" for f in schema.frames]
    if all(c in df.columns for c in cols):
        block = df[cols]
        if block.isna().to_numpy().any():
            bad = df.loc[block.isna().any(axis=1), "passage_id"].tolist()
            raise ValueError(
                f"{len(bad)} passage(s) are not coded for every frame (e.g. {bad[0]}); "
                "keep rows with coded(df, codebook, 'frames')"
            )
        return block.astype(bool).to_numpy().astype(int)
    lists = df["frames"].tolist()
    if not all(isinstance(v, list | tuple | np.ndarray) for v in lists):
        raise ValueError("some rows have no frames list; keep rows with coded(df, codebook, 'frames')")
    return np.array([[int(f in set(v)) for f in schema.frames] for v in lists], dtype=int).reshape(
        len(lists), len(schema.frames)
    )


def task_targets(df: pd.DataFrame, codebook: Any, task: str, include_none: bool = False) -> Any:
    """Targets ``y`` of a resolved table for one classifier task.

    Parameters
    ----------
    df : DataFrame
        From :meth:`LabelStore.resolved`.
    codebook : Codebook
    task : str
        ``"frames"``, ``"stance:<target>"`` or ``"roles"``.
    include_none : bool
        For roles: also list actors decided to play no role (role ``"none"``).

    Returns
    -------
    ndarray or DataFrame
        ``frames``: indicator matrix aligned with codebook frame order; ``stance:<target>``:
        array of class strings aligned with ``df``; ``roles``: long DataFrame with columns
        passage_id, doc_id, actor, role.
    """
    schema = _schema(codebook)
    if task == "frames":
        return frame_matrix(df, schema)
    if task.startswith("stance:"):
        mask = coded(df, schema, task)
        if not mask.all():
            bad = df.loc[~mask, "passage_id"].tolist()
            raise ValueError(
                f"{len(bad)} passage(s) have no {task} label (e.g. {bad[0]}); keep rows with coded(df, codebook, task)"
            )
        return df[task].astype(str).to_numpy(dtype=object)
    if task == "roles":
        rows = []
        for rec in df.to_dict("records"):
            for a in schema.actors:
                role = rec.get(f"role:{a}") if f"role:{a}" in df.columns else (rec.get("roles") or {}).get(a)
                if role is None or (role == NO_ROLE and not include_none):
                    continue
                rows.append((rec["passage_id"], rec.get("doc_id", doc_id_of(rec["passage_id"])), a, role))
        return pd.DataFrame(rows, columns=["passage_id", "doc_id", "actor", "role"])
    raise KeyError(f"unknown task {task!r}")


def label_counts(resolved: pd.DataFrame, codebook: Any, min_positives: int = MIN_POSITIVES) -> pd.DataFrame:
    """Positives per label of a resolved table.

    Returns
    -------
    DataFrame
        task, label, positives, coded (passages, or (passage, actor) units for roles, coded for
        the task), documents (documents with a positive), rare (positives < ``min_positives``).
    """
    schema = _schema(codebook)
    rows = []
    for f in schema.frames:
        col = resolved.get(f"frame:{f}", pd.Series(dtype="boolean"))
        pos = resolved.loc[col.fillna(False).astype(bool)] if len(col) else resolved.iloc[:0]
        rows.append(("frames", f, len(pos), int(col.notna().sum()), pos["doc_id"].nunique()))
    for t in schema.stance_targets:
        col = resolved.get(f"stance:{t}", pd.Series(dtype=object))
        for c in schema.stance_classes:
            pos = resolved.loc[col == c] if len(col) else resolved.iloc[:0]
            rows.append((f"stance:{t}", c, len(pos), int(col.notna().sum()), pos["doc_id"].nunique()))
    if schema.actors and schema.roles:
        long = task_targets(resolved, schema, "roles", include_none=True) if len(resolved) else None
        for role in schema.roles:
            pos = long[long["role"] == role] if long is not None else pd.DataFrame(columns=["doc_id"])
            rows.append(("roles", role, len(pos), 0 if long is None else len(long), pos["doc_id"].nunique()))
    out = pd.DataFrame(rows, columns=["task", "label", "positives", "coded", "documents"])
    out["rare"] = out["positives"] < min_positives
    return out


def document_counts(resolved: pd.DataFrame, codebook: Any, corpus: Any = None) -> pd.DataFrame:
    """Labelled passages and frame positives per document.

    Returns
    -------
    DataFrame
        doc_id, labelled, analysable (when ``corpus`` is given), then one count column per frame.
    """
    schema = _schema(codebook)
    docs = sorted(set(resolved["doc_id"]))
    if corpus is not None:
        docs = list(corpus.documents["doc_id"])
    rows = []
    for d in docs:
        sub = resolved[resolved["doc_id"] == d]
        row: dict[str, Any] = {"doc_id": d, "labelled": len(sub)}
        if corpus is not None:
            row["analysable"] = int(corpus.passages.loc[corpus.passages["doc_id"] == d, "analysable"].sum())
        for f in schema.frames:
            col = sub.get(f"frame:{f}")
            row[f] = int(col.fillna(False).astype(bool).sum()) if col is not None else 0
        rows.append(row)
    cols = ["doc_id", "labelled", *(["analysable"] if corpus is not None else []), *schema.frames]
    return pd.DataFrame(rows, columns=cols)


def group_counts(
    resolved: pd.DataFrame, codebook: Any, corpus: Any, by: Sequence[str] = ("side", "year")
) -> pd.DataFrame:
    """Positives per label in each group of documents (by default side and year of publication).

    Parameters
    ----------
    resolved : DataFrame
        A resolved table (:meth:`LabelStore.resolved`).
    codebook : Codebook
        Supplies the labels.
    corpus : Corpus
        Supplies the documents' ``side``, ``published`` and other grouping columns.
    by : sequence of str
        Document columns to group by; ``year`` is the year of ``published``.

    Returns
    -------
    DataFrame
        One row per (task, label), one column per group (``"CN 2017"``, ...), plus ``labelled``
        rows giving the number of labelled passages per group.
    """
    docs = corpus.documents.assign(year=corpus.documents["published"].dt.year.astype("Int64").astype(str))
    cells = docs.set_index("doc_id")[list(by)].map(lambda v: "" if pd.isna(v) or str(v) == "<NA>" else str(v))
    keys = cells.agg(" ".join, axis=1).str.strip().replace("", "all")  # "all": documents with no side or date
    group = resolved["doc_id"].map(keys).fillna("unknown")
    columns = {}
    for name in sorted(group.unique()):
        sub = resolved[group == name]
        counts = label_counts(sub, codebook).set_index(["task", "label"])["positives"]
        columns[name] = pd.concat([pd.Series({("all", "labelled"): len(sub)}), counts])
    out = pd.DataFrame(columns).fillna(0).astype(int)
    out.index = out.index.set_names(["task", "label"])
    return out.reset_index()


def make_record(**kwargs: Any) -> dict:
    """A record dict with its ``record_id`` (helper for code that builds records by hand)."""
    rec = {k: v for k, v in kwargs.items() if v is not None}
    return {"record_id": record_id(rec), **rec}
