"""Label records: schema, field specs, normalisation and validation against a corpus and codebook.

A label record is one JSON object: who decided what about one passage, under which
codebook, and why. Example::

    {"record_id": "r-3f2a…", "passage_id": "doc:p004:4f7b92f5", "text_hash": "4f7b92f5…",
     "annotator": "coder_a", "kind": "annotation", "round": 1,
     "frames": ["cooperation", "goodwill"],
     "stance": {"us_government": "NONE", "china_government": "FAVOR", "cooperation": "FAVOR"},
     "roles": {"china": "protagonist", "united_states": "antagonist"},
     "rationale": {"cooperation": "agreed to set up a joint working group"},
     "note": "", "codebook_version": "1.0", "codebook_hash": "…", "timestamp": "2026-11-23T00:00:00Z"}

Which labels a record decides
-----------------------------
Every record decides a set of *cells*: ``frame:<name>`` (True/False), ``stance:<target>``
(a stance class) and ``role:<actor>`` (a role, or ``"none"`` when the actor plays no role).

* Without a ``fields`` list: a ``frames`` list decides every frame (frames not listed are
  False); a ``stance`` mapping decides the targets it names; a ``roles`` mapping decides every
  codebook actor (actors not listed have no role).
* With a ``fields`` list, the record decides only those: ``"frames"`` (all frames),
  ``"frames:<name>"`` (one frame: True when listed in ``frames``), ``"stance"`` (every
  target, all must be given), ``"stance:<target>"``, ``"roles"`` (every actor) and
  ``"roles:<actor>"``. A round-2 recode of one frame is therefore
  ``{"fields": ["frames:blame"], "frames": []}`` (blame is absent) and changes nothing else.

Adjudicated gold records (annotator ``"gold"``, kind ``"adjudication"``) may name the
codings they resolve, ``"adjudicates": {"coder_a": <record id or timestamp>, ...}``, and
then carry a ``"reason"``: one string, or one per resolved field (``{"frames:blame": "..."}``).
"""

from __future__ import annotations

import datetime as _dt
import difflib
import hashlib
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from stance.errors import StanceInputError, did_you_mean, unknown_name

__all__ = [
    "KINDS",
    "NO_ROLE",
    "RECORD_KEYS",
    "LabelSchema",
    "Located",
    "Problems",
    "doc_id_of",
    "now_utc",
    "para_index_of",
    "record_id",
]

#: Value of a ``role:<actor>`` cell for an actor decided to play no role.
NO_ROLE = "none"

KINDS = ("annotation", "adjudication", "import", "reanchor")

#: Keys of a stored record, in the order they are written.
RECORD_KEYS = (
    "record_id",
    "passage_id",
    "text_hash",
    "annotator",
    "kind",
    "round",
    "fields",
    "frames",
    "stance",
    "roles",
    "on_topic",
    "rationale",
    "note",
    "adjudicates",
    "reason",
    "reanchored_from",
    "source",
    "codebook_version",
    "codebook_hash",
    "timestamp",
)
# accepted on input, checked against the corpus, not stored
_INPUT_ONLY = ("text", "doc_id")
_LABEL_KEYS = ("frames", "stance", "roles")
_FIELD_ALIASES = {"frame": "frames", "role": "roles", "stances": "stance"}
_NONE_ROLES = {"", "none", "no_role", "null"}


def _on_topic(value: Any, bad: Any) -> bool | None:
    """``on_topic`` as a bool (``true``/``false``/``1``/``0`` from a table are accepted)."""
    if value is None or isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in {"", "nan", "none"}:
        return None
    if text in {"true", "1", "yes"}:
        return True
    if text in {"false", "0", "no"}:
        return False
    bad(f"on_topic must be true or false, not {value!r}", "on_topic")
    return None


def now_utc() -> str:
    """The current UTC time as ``YYYY-MM-DDTHH:MM:SSZ``."""
    return _dt.datetime.now(_dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def doc_id_of(passage_id: str) -> str:
    """Document id of a passage id ``<doc_id>:p<NNN>:<hash8>`` (the id itself if it has another form)."""
    m = re.fullmatch(r"(.+):p(\d+):([0-9a-f]+)", str(passage_id))
    return m.group(1) if m else str(passage_id)


def para_index_of(passage_id: str) -> int | None:
    """Paragraph index of a passage id ``<doc_id>:p<NNN>:<hash8>`` (None if the id has another form)."""
    m = re.fullmatch(r"(.+):p(\d+):([0-9a-f]+)", str(passage_id))
    return int(m.group(2)) if m else None


def record_id(record: Mapping[str, Any]) -> str:
    """Stable id of a record: ``r-`` + 12 hex of the sha256 of its canonical JSON (without ``record_id``)."""
    body = {k: v for k, v in record.items() if k != "record_id"}
    blob = json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return "r-" + hashlib.sha256(blob.encode("utf-8")).hexdigest()[:12]


@dataclass
class Located:
    """A record with the place it was read from (for error messages).

    Attributes
    ----------
    record : dict
    file : str
        File (or ``"<records>"`` for records passed in memory).
    line : int
        1-based line (or item number) in ``file``.
    """

    record: dict
    file: str
    line: int


@dataclass
class Problems:
    """Collects input problems so that all of them can be reported, then raises the first."""

    items: list[StanceInputError] = field(default_factory=list)

    def add(self, message: str, file: str | Path | None, line: int | None, field_name: str | None = None) -> None:
        """Record one problem."""
        self.items.append(StanceInputError(message, file=file, line=line, field=field_name))

    def __bool__(self) -> bool:
        return bool(self.items)

    def raise_if_any(self) -> None:
        """Raise the first problem (with a count of the others) if there are any."""
        if not self.items:
            return
        first = self.items[0]
        message = first.message
        if len(self.items) > 1:
            others = "; ".join(str(e) for e in self.items[1:4])
            more = f" (+{len(self.items) - 4} more)" if len(self.items) > 4 else ""
            message += f" [{len(self.items) - 1} more problem(s): {others}{more}]"
        message += ". Nothing was written."
        err = StanceInputError(message, file=first.file, line=first.line, field=first.field)
        err.problems = list(self.items)  # type: ignore[attr-defined]
        raise err


class LabelSchema:
    """The label cells a codebook defines, and the rules for records that decide them.

    Parameters
    ----------
    frames : list of str
        Frame names in codebook order.
    stance_targets, stance_classes : list of str
    roles : list of str
        Role names.
    actors : list of str
        Actor names.
    version, hash : str
        Codebook version and hash.
    single_frame : bool
        The frames task is single-label: a record lists at most one frame.
    """

    def __init__(
        self,
        frames: Sequence[str] = (),
        stance_targets: Sequence[str] = (),
        stance_classes: Sequence[str] = (),
        roles: Sequence[str] = (),
        actors: Sequence[str] = (),
        version: str = "",
        hash: str = "",
        single_frame: bool = False,
    ) -> None:
        self.frames = list(frames)
        self.single_frame = bool(single_frame)
        self.stance_targets = list(stance_targets)
        self.stance_classes = list(stance_classes)
        self.roles = list(roles)
        self.actors = list(actors)
        self.version = version
        self.hash = hash

    @classmethod
    def from_codebook(cls, codebook: Any) -> LabelSchema:
        """Schema of a :class:`stance.codebook.Codebook`."""
        return cls(
            frames=list(codebook.frame_names),
            stance_targets=list(codebook.stance_targets),
            stance_classes=list(codebook.stance_classes),
            roles=list(codebook.role_names),
            actors=[a.name for a in codebook.actors],
            version=str(codebook.version),
            hash=str(codebook.hash),
            single_frame=bool(codebook.frames) and not codebook.is_multilabel("frames"),
        )

    @classmethod
    def from_records(cls, records: Iterable[Mapping[str, Any]]) -> LabelSchema:
        """Schema inferred from the labels records use (when no codebook is at hand)."""
        frames: dict[str, None] = {}
        targets: dict[str, None] = {}
        classes: dict[str, None] = {}
        roles: dict[str, None] = {}
        actors: dict[str, None] = {}
        for rec in records:
            for f in rec.get("frames") or []:
                frames[str(f)] = None
            for spec in rec.get("fields") or []:
                if str(spec).startswith("frames:"):
                    frames[str(spec).split(":", 1)[1]] = None
            for t, c in (rec.get("stance") or {}).items():
                targets[str(t)] = None
                classes[str(c)] = None
            for a, r in (rec.get("roles") or {}).items():
                actors[str(a)] = None
                if r:
                    roles[str(r)] = None
        return cls(list(frames), list(targets), list(classes), list(roles), list(actors))

    # ------------------------------------------------------------------ cells
    @property
    def cells(self) -> list[str]:
        """Every cell in column order: ``frame:*``, ``stance:*``, ``role:*``."""
        return (
            [f"frame:{f}" for f in self.frames]
            + [f"stance:{t}" for t in self.stance_targets]
            + [f"role:{a}" for a in self.actors]
        )

    @property
    def field_specs(self) -> list[str]:
        """Every valid entry of a record's ``fields`` list."""
        out = []
        if self.frames:
            out += ["frames", *[f"frames:{f}" for f in self.frames]]
        if self.stance_targets:
            out += ["stance", *[f"stance:{t}" for t in self.stance_targets]]
        if self.actors:
            out += ["roles", *[f"roles:{a}" for a in self.actors]]
        return out

    def spec_cells(self, spec: str) -> list[str]:
        """Cells a field spec decides (``"frames:blame"`` -> ``["frame:blame"]``)."""
        part, _, name = spec.partition(":")
        if part == "frames":
            return [f"frame:{name}"] if name else [f"frame:{f}" for f in self.frames]
        if part == "stance":
            return [f"stance:{name}"] if name else [f"stance:{t}" for t in self.stance_targets]
        if part == "roles":
            return [f"role:{name}"] if name else [f"role:{a}" for a in self.actors]
        raise KeyError(spec)

    def fields_of_cells(self, cells: Iterable[str]) -> list[str]:
        """Compact field specs covering exactly ``cells`` (a record's ``fields``; the inverse of :meth:`spec_cells`).

        ``"frames"`` (``"roles"``) stands for every frame (actor) when all of them are among
        ``cells``, else each one is named (``"frames:<frame>"``, ``"roles:<actor>"``); each
        stance target is ``"stance:<target>"``.

        Parameters
        ----------
        cells : iterable of str
            Cell names (``frame:<name>``, ``stance:<target>``, ``role:<actor>``).

        Returns
        -------
        list of str
            In codebook order: frames, roles, stance targets.
        """
        cells = set(cells)
        out: list[str] = []
        for kind, spec, names in (("frame", "frames", self.frames), ("role", "roles", self.actors)):
            have = [n for n in names if f"{kind}:{n}" in cells]
            if have and len(have) == len(names):
                out.append(spec)
            else:
                out += [f"{spec}:{n}" for n in have]
        out += [f"stance:{t}" for t in self.stance_targets if f"stance:{t}" in cells]
        return out

    def normalise_spec(self, spec: str) -> str:
        """``"frame:blame"`` -> ``"frames:blame"``; other specs unchanged."""
        part, sep, name = str(spec).strip().partition(":")
        part = _FIELD_ALIASES.get(part, part)
        return f"{part}{sep}{name}"

    def record_fields(self, rec: Mapping[str, Any]) -> list[str]:
        """The field specs a (normalised) record decides."""
        if rec.get("fields"):
            return list(rec["fields"])
        out = []
        if rec.get("frames") is not None:
            out.append("frames")
        for t in rec.get("stance") or {}:
            out.append(f"stance:{t}")
        if rec.get("roles") is not None:
            out.append("roles")
        return out

    def cells_of(self, rec: Mapping[str, Any]) -> dict[str, Any]:
        """``{cell: value}`` for every cell a normalised record decides."""
        frames = set(rec.get("frames") or [])
        stance = rec.get("stance") or {}
        roles = rec.get("roles") or {}
        out: dict[str, Any] = {}
        for spec in self.record_fields(rec):
            for cell in self.spec_cells(spec):
                kind, name = cell.split(":", 1)
                if kind == "frame":
                    out[cell] = name in frames
                elif kind == "stance":
                    out[cell] = stance.get(name)
                else:
                    out[cell] = roles.get(name) or NO_ROLE
        return out

    # ------------------------------------------------------------- validation
    def _stance_rationale(self, key: str, words: Any, out: dict, clean: dict[str, str], bad: Any) -> None:
        """Check a ``stance:<target>`` rationale: a known target whose class is not NONE, one line of words."""
        target = key.split(":", 1)[1]
        if target not in self.stance_targets:
            bad(
                f"rationale for unknown stance target {target!r}{did_you_mean(target, self.stance_targets)}",
                f"rationale.{key}",
            )
        elif (out.get("stance") or {}).get(target) in (None, "NONE"):
            bad(f"rationale given for {key!r}, which the record does not code FAVOR or AGAINST", f"rationale.{key}")
        elif not isinstance(words, str) or "\n" in words.strip():
            bad("a rationale is one line of quoted words", f"rationale.{key}")
        elif words.strip():
            clean[key] = " ".join(words.split())

    def normalise(
        self,
        item: Located,
        problems: Problems,
        *,
        passages: Mapping[str, tuple[str, int, str, str]] | None = None,
        defaults: Mapping[str, Any] | None = None,
        check_rationale: list[str] | None = None,
    ) -> dict | None:
        """Validate one input record and return it in stored form (or None, with problems added).

        Parameters
        ----------
        item : Located
            The record and where it came from.
        problems : Problems
            Problems found are added here.
        passages : mapping, optional
            ``{passage_id: (doc_id, para_index, text_hash, text)}`` of the corpus; when given,
            passage ids and text hashes are checked and a missing ``text_hash`` is filled in.
        defaults : mapping, optional
            Values for keys the record does not give (annotator, kind, round, timestamp, ...).
        check_rationale : list, optional
            When given, notes about rationales that do not quote the passage are appended.
        """
        rec, file, line = item.record, item.file, item.line
        n_before = len(problems.items)

        def bad(message: str, key: str | None = None) -> None:
            problems.add(message, file, line, key)

        if not isinstance(rec, Mapping):
            bad(f"each record must be a JSON object, got {type(rec).__name__}")
            return None
        out = self._header(rec, defaults, bad)
        if out is None:
            return None
        fields = self._fields(out, bad)
        decided = set() if fields is None else {c for s in fields for c in self.spec_cells(s)}
        self._frames(rec, out, fields, decided, bad)
        self._stance(rec, out, fields, decided, bad)
        self._roles(rec, out, fields, decided, bad)
        self._rationale(rec, out, bad)
        self._metadata(out, bad)
        self._adjudication(out, bad)
        if passages is not None:
            self._check_passage(out, rec, passages, bad, check_rationale)
        if len(problems.items) > n_before:
            return None
        if "text_hash" not in out:
            bad("missing text_hash (give it, or pass the corpus so it can be filled in)", "text_hash")
            return None
        stored = {k: out[k] for k in RECORD_KEYS if k in out}
        if "record_id" not in stored:
            stored = {"record_id": record_id(stored), **stored}
        return stored

    # -- the parts of one record, each validated on its own (``bad`` records a problem)
    def _header(self, rec: Mapping[str, Any], defaults: Mapping[str, Any] | None, bad: Any) -> dict | None:
        """Known keys, defaults filled in, passage id and the record's identity; None when unusable."""
        known = set(RECORD_KEYS) | set(_INPUT_ONLY)
        for key in rec:
            if key not in known:
                bad(f"unknown key {key!r}{did_you_mean(key, sorted(known))}", str(key))
        out: dict[str, Any] = {k: v for k, v in (defaults or {}).items() if rec.get(k) in (None, "") and v is not None}
        out.update({k: v for k, v in rec.items() if k in RECORD_KEYS and v is not None})
        pid = out.get("passage_id")
        if not isinstance(pid, str) or not pid.strip():
            bad("missing passage_id", "passage_id")
            return None
        out["passage_id"] = pid.strip()
        self._identity(out, bad)
        if not any(rec.get(k) is not None for k in _LABEL_KEYS):
            bad("the record has no labels: give frames, stance or roles", "frames")
            return None
        return out

    @staticmethod
    def _identity(out: dict, bad: Any) -> None:
        """Annotator, kind and round."""
        annotator = out.get("annotator")
        if not isinstance(annotator, str) or not annotator.strip():
            bad("missing annotator (give it in the record or with --annotator)", "annotator")
        else:
            out["annotator"] = annotator.strip()
        kind = out.setdefault("kind", "annotation")
        if kind not in KINDS:
            bad(f"unknown kind {kind!r}; use one of {', '.join(KINDS)}{did_you_mean(kind, KINDS)}", "kind")
        rnd = out.setdefault("round", 1)
        if isinstance(rnd, str) and rnd.strip().isdigit():
            out["round"] = rnd = int(rnd)
        if not isinstance(rnd, int) or isinstance(rnd, bool) or rnd < 0:
            bad(f"round must be a whole number, got {rnd!r}", "round")

    def _fields(self, out: dict, bad: Any) -> list[str] | None:
        """The field specs the record decides (None: all of the labels it gives)."""
        fields = out.get("fields")
        if isinstance(fields, str):
            fields = [fields]
        if fields is not None and (not isinstance(fields, list) or not all(isinstance(f, str) for f in fields)):
            bad("fields must be a list of strings such as ['frames:blame']", "fields")
            fields = None
        elif fields is not None:
            norm: list[str] = []
            valid = self.field_specs
            for f in fields:
                spec = self.normalise_spec(f)
                if spec not in valid:
                    bad(
                        f"unknown field {f!r}{did_you_mean(spec, valid)} (valid: frames, frames:<frame>, "
                        "stance, stance:<target>, roles, roles:<actor>)",
                        "fields",
                    )
                elif spec not in norm:
                    norm.append(spec)
            fields = sorted(norm, key=valid.index) or None
        if fields is None:
            out.pop("fields", None)
        else:
            out["fields"] = fields
        return fields

    def _frames(self, rec: Mapping[str, Any], out: dict, fields: list | None, decided: set, bad: Any) -> None:
        if rec.get("frames") is None:
            if fields is not None and any(c.startswith("frame:") for c in decided):
                out["frames"] = []
            return
        frames = rec["frames"]
        if isinstance(frames, str):
            frames = [frames]
        if not isinstance(frames, list) or not all(isinstance(f, str) for f in frames):
            bad("frames must be a list of frame names", "frames")
            return
        for f in frames:
            if f not in self.frames:
                bad(unknown_name("frame", f, self.frames, listed="codebook frames"), "frames")
            elif fields is not None and f"frame:{f}" not in decided:
                bad(f"frames lists {f!r}, which is outside the record's fields {fields}", "frames")
        if self.single_frame and len(set(frames)) > 1:
            bad(f"the codebook's frames task is single-label: give one frame, not {len(set(frames))}", "frames")
        out["frames"] = [f for f in self.frames if f in set(frames)]

    def _stance(self, rec: Mapping[str, Any], out: dict, fields: list | None, decided: set, bad: Any) -> None:
        stance = rec.get("stance")
        if stance is not None and not isinstance(stance, Mapping):
            bad('stance must map each target to a class, e.g. {"cooperation": "FAVOR"}', "stance")
        elif stance is not None:
            for t, c in stance.items():
                if t not in self.stance_targets:
                    bad(unknown_name("stance target", t, self.stance_targets), f"stance.{t}")
                elif c not in self.stance_classes:
                    bad(
                        unknown_name("stance class", c, self.stance_classes, of=f" for target {t!r}", listed="classes"),
                        f"stance.{t}",
                    )
                elif fields is not None and f"stance:{t}" not in decided:
                    bad(f"stance gives {t!r}, which is outside the record's fields {fields}", f"stance.{t}")
            out["stance"] = {t: stance[t] for t in self.stance_targets if t in stance}
        if fields is None:
            return
        for c in sorted(decided):
            if c.startswith("stance:") and c.split(":", 1)[1] not in (out.get("stance") or {}):
                bad(f"fields include {c!r} but stance gives no class for it", "stance")

    def _role(self, actor: str, role: Any, fields: list | None, decided: set, bad: Any) -> str | None:
        """One actor's role (None for no role), checked against the codebook and the record's fields."""
        r_norm = None if role is None or str(role).strip().lower() in _NONE_ROLES else role
        if actor not in self.actors:
            bad(unknown_name("actor", actor, self.actors, listed="actors"), f"roles.{actor}")
        elif r_norm is not None and r_norm not in self.roles:
            bad(
                unknown_name(
                    "role", role, self.roles, of=f" for actor {actor!r}", listed="roles", more=", or null for none"
                ),
                f"roles.{actor}",
            )
        elif fields is not None and f"role:{actor}" not in decided:
            bad(f"roles gives {actor!r}, which is outside the record's fields {fields}", f"roles.{actor}")
        return r_norm

    def _roles(self, rec: Mapping[str, Any], out: dict, fields: list | None, decided: set, bad: Any) -> None:
        roles = rec.get("roles")
        if roles is None:
            if fields is not None and any(c.startswith("role:") for c in decided):
                out["roles"] = {}
            return
        if not isinstance(roles, Mapping):
            bad('roles must map actors to roles, e.g. {"china": "protagonist"}', "roles")
            return
        clean = {a: self._role(a, r, fields, decided, bad) for a, r in roles.items()}
        out["roles"] = {a: clean[a] for a in self.actors if a in clean and clean[a] is not None}

    def _frame_rationale(self, f: Any, words: Any, out: dict, clean: dict[str, str], bad: Any) -> None:
        if f not in self.frames:
            hint = did_you_mean(f, self.frames) if f else "; key each rationale by its frame"
            bad(f"rationale for unknown frame {f!r}{hint}", f"rationale.{f}")
        elif f not in (out.get("frames") or []):
            bad(f"rationale given for frame {f!r}, which the record does not code as present", f"rationale.{f}")
        elif not isinstance(words, str) or "\n" in words.strip():
            bad("a rationale is one line of quoted words", f"rationale.{f}")
        elif words.strip():
            clean[f] = " ".join(words.split())

    def _rationale(self, rec: Mapping[str, Any], out: dict, bad: Any) -> None:
        rationale = rec.get("rationale")
        if rationale is None:
            return
        if isinstance(rationale, str):
            positives = out.get("frames") or []
            rationale = {positives[0]: rationale} if len(positives) == 1 else {"": rationale}
        if not isinstance(rationale, Mapping):
            bad("rationale must map each frame to the quoted words that justify it", "rationale")
            return
        clean: dict[str, str] = {}
        for f, words in rationale.items():
            if str(f).startswith("stance:"):
                self._stance_rationale(str(f), words, out, clean, bad)
            else:
                self._frame_rationale(f, words, out, clean, bad)
        keys = [*self.frames, *(f"stance:{t}" for t in self.stance_targets)]
        out["rationale"] = {f: clean[f] for f in keys if f in clean}
        if not out["rationale"]:
            out.pop("rationale")

    @staticmethod
    def _metadata(out: dict, bad: Any) -> None:
        """on_topic, the string-valued keys and the timestamp."""
        if "on_topic" in out:
            out["on_topic"] = _on_topic(out["on_topic"], bad)
            if out["on_topic"] is None:
                out.pop("on_topic")
        for key in ("note", "source", "reanchored_from", "codebook_version", "codebook_hash", "timestamp"):
            if key in out and not isinstance(out[key], str):
                out[key] = str(out[key])
        if "timestamp" in out and not re.fullmatch(
            r"\d{4}-\d{2}-\d{2}([T ][\d:.]+(Z|[+-]\d{2}:?\d{2})?)?", out["timestamp"]
        ):
            bad(f"timestamp {out['timestamp']!r} is not ISO 8601 (YYYY-MM-DDTHH:MM:SSZ)", "timestamp")

    def _adjudication(self, out: dict, bad: Any) -> None:
        """``adjudicates`` and ``reason``."""
        adj = out.get("adjudicates")
        if adj is not None:
            if not isinstance(adj, Mapping) or not all(isinstance(v, str) for v in adj.values()):
                bad(
                    "adjudicates must map each coder to the record id (or timestamp) of the coding resolved",
                    "adjudicates",
                )
            elif not out.get("reason"):
                bad("an adjudication needs a reason (a string, or one per resolved field)", "reason")
        reason = out.get("reason")
        if isinstance(reason, Mapping):
            for spec, text in reason.items():
                if self.normalise_spec(spec) not in self.field_specs and spec not in ("", "on_topic"):
                    bad(
                        f"reason given for unknown field {spec!r}{did_you_mean(spec, self.field_specs)}",
                        f"reason.{spec}",
                    )
                elif not isinstance(text, str) or not text.strip():
                    bad("each reason must be a non-empty string", f"reason.{spec}")
            out["reason"] = {self.normalise_spec(k): str(v).strip() for k, v in reason.items()}
        elif reason is not None and not isinstance(reason, str):
            bad("reason must be a string or a mapping of field to string", "reason")

    def _check_passage(
        self,
        out: dict,
        rec: Mapping[str, Any],
        passages: Mapping[str, tuple[str, int, str, str]],
        bad: Any,
        notes: list[str] | None,
    ) -> None:
        pid = out["passage_id"]
        given_hash = out.get("text_hash")
        text = rec.get("text")
        from stance.corpus import normalise_text, text_hash

        text_h = text_hash(text) if isinstance(text, str) and text.strip() else None
        if pid in passages:
            doc_id, _para, current, ptext = passages[pid]
            if rec.get("doc_id") not in (None, "", doc_id):
                bad(f"doc_id {rec['doc_id']!r} does not match passage {pid!r} (document {doc_id!r})", "doc_id")
            for key, h in (("text_hash", given_hash), ("text", text_h)):
                if h is not None and h != current:
                    bad(
                        f"the {'text hash' if key == 'text_hash' else 'hash of the text'} {h} no longer matches "
                        f"passage {pid!r} (current hash {current}): the label was made on a different text. "
                        + _reanchor_hint(pid, h, text, passages),
                        key,
                    )
                    return
            out["text_hash"] = current
            if notes is not None:
                flat = normalise_text(ptext).lower()
                for f, words in (out.get("rationale") or {}).items():
                    quote = normalise_text(words).strip("\"'“”‘’ .…").lower()
                    parts = [p.strip() for p in re.split(r"\.\.\.|…", quote) if p.strip()]
                    if parts and not all(p in flat for p in parts):
                        notes.append(f"{pid}: the rationale for {f!r} does not quote the passage: {words!r}")
            return
        doc_id = doc_id_of(pid)
        para = para_index_of(pid)
        docs = {v[0] for v in passages.values()}
        suffix = pid.rsplit(":", 1)[-1] if para is not None else ""
        old_hash = given_hash or text_h or suffix
        same_doc = doc_id in docs and (
            any(v[2].startswith(suffix) for v in passages.values() if v[0] == doc_id and suffix)
            or any(v[1] == para for v in passages.values() if v[0] == doc_id)
        )
        if same_doc:
            bad(
                f"passage {pid!r} no longer exists: the text hash {old_hash} of the labelled text no longer "
                f"matches the text of document {doc_id!r}. " + _reanchor_hint(pid, old_hash, text, passages),
                "text_hash" if given_hash else "passage_id",
            )
            return
        close = difflib.get_close_matches(pid, list(passages), n=3, cutoff=0.6)
        hint = f"; nearest ids: {', '.join(close)}" if close else ""
        where = "" if doc_id in docs else f" (no document {doc_id!r} in the corpus)"
        bad(f"no passage {pid!r} in the corpus{where}{hint}", "passage_id")


def _reanchor_hint(pid: str, old_hash: str, text: Any, passages: Mapping[str, tuple[str, int, str, str]]) -> str:
    """Suggest where the labelled text went: same hash elsewhere in the document, else the most similar passage."""
    doc_id = doc_id_of(pid)
    para = para_index_of(pid)
    same_doc = [(p, v) for p, v in passages.items() if v[0] == doc_id]
    if not same_doc:
        same_doc = list(passages.items())
    moved = [p for p, v in same_doc if old_hash and v[2].startswith(old_hash) and p != pid]
    if moved:
        target, why = moved[0], "holds the same text"
    elif isinstance(text, str) and text.strip():
        scored = sorted(
            ((difflib.SequenceMatcher(None, text, v[3], autojunk=False).ratio(), p) for p, v in same_doc),
            key=lambda t: (-t[0], t[1]),
        )
        if scored[0][0] < 0.5:
            return (
                f"No passage of document {doc_id!r} resembles the labelled text (best similarity "
                f"{scored[0][0]:.2f}); check that the label belongs to this passage."
            )
        target, why = scored[0][1], f"is the most similar passage (similarity {scored[0][0]:.2f})"
    else:
        at = [p for p, v in same_doc if v[1] == para]
        if not at:
            return "Check the passage ids with `stance corpus` and point the label at the right passage."
        target, why = at[0], "is the passage now at the same position"
    if target == pid:  # the id still exists: nothing to re-anchor, the input's hash or text is stale
        return (
            f"Passage {pid!r} itself {why}: the id is current, only the input's text_hash (or text) is out of "
            "date. If the label still applies, drop text_hash and text from the input (or correct them); no "
            "re-anchoring is needed."
        )
    return (
        f"Passage {target!r} {why}; if the label still applies, re-anchor it: change passage_id to {target!r} "
        f"in the input (and drop text_hash), or for stored labels run "
        f"`stance label reanchor --map {pid}={target}`."
    )
