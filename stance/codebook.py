"""The codebook: label definitions, decision rules, cues and examples, kept as YAML data.

A codebook has up to three parts, each optional except that at least one must exist:

``frames``
    Frames: a list of labels, multi-label (a passage may carry none, or several). Written
    as a mapping ``{type: single-label, labels: [...]}``, the task is single-label: every
    passage carries exactly one of the K frames (arg-max decision; accuracy and macro-F1).
``stance``
    Classes (e.g. FAVOR / AGAINST / NONE) and targets; one multi-class task per target.
``roles``
    Narrative roles of the actors a passage mentions, with an ``actors`` alias table.

Every label has a definition, include and exclude rules, cue phrases and example
passages. Examples are synthetic teaching material: they may help training but are
never scored.
"""

from __future__ import annotations

import difflib
import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from stance.cache import BoundedCache
from stance.errors import StanceInputError, UnknownNameError

__all__ = [
    "NO_ROLE",
    "TASK_TYPES",
    "Actor",
    "Codebook",
    "Label",
    "cached_codebook",
    "canonical_hash",
]

NO_ROLE = "none"
"""A roles entry of this name defines the no-role outcome: it is not a role label."""

_TOP_KEYS = {
    "name",
    "version",
    "description",
    "intended_use",
    "policy_frames_reference",
    "changelog",
    "topic",
    "frames",
    "stance",
    "roles",
    "actors",
}
_LABEL_KEYS = {
    "name",
    "version",
    "definition",
    "include",
    "exclude",
    "cues",
    "policy_frames",
    "examples",
    "display",
}
_TARGET_KEYS = _LABEL_KEYS
#: Types of the frames task: several labels per passage, or exactly one of K.
TASK_TYPES = ("multi-label", "single-label")
_FRAMES_KEYS = {"type", "labels"}
_MIN_POSITIVE = 3
_MIN_NEGATIVE = 2


def _frame_entries(data: dict) -> list:
    """The frame label entries, whether ``frames`` is a list or a ``{type, labels}`` mapping."""
    frames = data.get("frames") or []
    if isinstance(frames, dict):
        return frames.get("labels") or []
    return frames


def _frames_type(data: dict) -> str:
    frames = data.get("frames")
    return str(frames.get("type", TASK_TYPES[0])) if isinstance(frames, dict) else TASK_TYPES[0]


def canonical_hash(obj: Any) -> str:
    """Return the sha256 hex digest of ``obj`` serialised as canonical JSON."""
    blob = json.dumps(obj, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Label:
    """One label of a codebook task.

    Attributes
    ----------
    name : str
        Machine name, e.g. ``"cooperation"`` or ``"FAVOR"``.
    task : str
        ``"frames"``, ``"stance:<target>"`` or ``"roles"``.
    definition : str
        What the label means.
    include, exclude : list of str
        Decision rules: when to code it, and when not to.
    cues : list of str
        Cue words and phrases (lower case) for the lexicon baseline and for reviewers.
    positive_examples, negative_examples : list of str
        Synthetic example passages; never scored.
    policy_frames : list of str
        Policy Frames Codebook dimensions the label maps to.
    version : str
        Version of this label's definition.
    hash : str
        Hash of the label's full entry, used to name labels that changed between codebooks.
    """

    name: str
    task: str
    definition: str = ""
    include: list[str] = field(default_factory=list)
    exclude: list[str] = field(default_factory=list)
    cues: list[str] = field(default_factory=list)
    positive_examples: list[str] = field(default_factory=list)
    negative_examples: list[str] = field(default_factory=list)
    policy_frames: list[str] = field(default_factory=list)
    version: str = ""
    display: str = ""
    hash: str = ""

    @property
    def title(self) -> str:
        """Human-readable name for tables and figures."""
        return self.display or self.name.replace("_", " ").capitalize()


@dataclass(frozen=True)
class Actor:
    """An actor with the aliases that refer to it (``Beijing`` -> China)."""

    name: str
    display: str
    aliases: list[str] = field(default_factory=list)


#: Largest codebook file read, in bytes (a codebook is a few hundred kilobytes at most).
MAX_CODEBOOK_BYTES = 5_000_000
#: Most YAML nodes a codebook may hold once its aliases are expanded.
MAX_CODEBOOK_NODES = 200_000


def _line_index(root: yaml.Node | None) -> dict[tuple, int]:
    """Map YAML paths (tuples of keys and indices) to 1-based line numbers.

    An aliased node is indexed once, where its anchor is: aliases are not expanded.
    """
    lines: dict[tuple, int] = {}
    seen: set[int] = set()
    stack: list[tuple[yaml.Node, tuple]] = [(root, ())] if root is not None else []
    while stack:
        node, path = stack.pop()
        lines[path] = node.start_mark.line + 1
        if id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                lines[(*path, key.value)] = key.start_mark.line + 1
                stack.append((value, (*path, key.value)))
        elif isinstance(node, yaml.SequenceNode):
            stack.extend((item, (*path, i)) for i, item in enumerate(node.value))
    return lines


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.MappingNode):
        return [n for pair in node.value for n in pair]
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    return []


def _expanded_size(root: yaml.Node, limit: int) -> int:
    """Number of nodes once aliases are expanded (counted without expanding them), capped past ``limit``.

    Raises
    ------
    ValueError
        If an alias refers to a node that contains it (a recursive structure).
    """
    size: dict[int, int] = {}
    active: set[int] = set()
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, done = stack.pop()
        key = id(node)
        if done:
            active.discard(key)
            size[key] = min(limit + 1, 1 + sum(size[id(c)] for c in _children(node)))
            continue
        if key in size:
            continue
        if key in active:
            raise ValueError(f"line {node.start_mark.line + 1}: an alias refers to a node that contains it")
        active.add(key)
        stack.append((node, True))
        stack.extend((c, False) for c in _children(node) if id(c) not in size)
    return size[id(root)]


def _parse_yaml(text: str, path: Path) -> tuple[Any, dict[tuple, int]]:
    """Parse ``text`` once: the data and its line index, refusing alias bombs and deep nesting."""
    loader = yaml.SafeLoader(text)
    try:
        root = loader.get_single_node()
        if root is None:
            return None, {}
        try:
            n = _expanded_size(root, MAX_CODEBOOK_NODES)
        except ValueError as exc:
            raise StanceInputError(f"recursive YAML alias ({exc}); write the value out", file=path) from exc
        if n > MAX_CODEBOOK_NODES:
            raise StanceInputError(
                f"its YAML aliases expand to more than {MAX_CODEBOOK_NODES:,} values (an alias bomb?); write the "
                "values out instead of nesting aliases",
                file=path,
                line=root.start_mark.line + 1,
            )
        return loader.construct_document(root), _line_index(root)
    except RecursionError as exc:
        raise StanceInputError("YAML nested too deeply to read; flatten the structure", file=path) from exc
    finally:
        loader.dispose()


class Codebook:
    """A loaded, validated codebook. Build with :meth:`Codebook.load` or :meth:`from_dict`.

    Attributes
    ----------
    name, version, description : str
    path : Path or None
        File it was read from.
    hash : str
        sha256 of the canonical content; stored with every label record and model.
    frames : list of Label
    stance_targets : list of str
    stance_classes : list of str
    roles : list of Label
    actors : list of Actor
    """

    def __init__(self, data: dict, path: Path | None = None, lines: dict[tuple, int] | None = None) -> None:
        self.data = data
        self.path = path
        self._lines = lines or {}
        self._validate()
        self.name: str = str(data.get("name", ""))
        self.version: str = str(data.get("version", ""))
        self.description: str = str(data.get("description", "")).strip()
        #: What models trained under this codebook are for (their model cards quote it); may be empty.
        self.intended_use: str = str(data.get("intended_use", "")).strip()
        self.hash: str = canonical_hash(data)
        self.frames: list[Label] = [self._label(d, "frames") for d in _frame_entries(data)]
        #: Type of the frames task: ``"multi-label"`` (default) or ``"single-label"``.
        self.frames_type: str = _frames_type(data)
        stance = data.get("stance") or {}
        self.stance_classes: list[str] = [c["name"] for c in stance.get("classes") or []]
        self._stance_class_defs = {c["name"]: str(c.get("definition", "")) for c in stance.get("classes") or []}
        self._targets: list[dict] = list(stance.get("targets") or [])
        self.stance_targets: list[str] = [t["name"] for t in self._targets]
        role_entries = [self._label(d, "roles") for d in data.get("roles") or []]
        self.roles: list[Label] = [r for r in role_entries if r.name != NO_ROLE]
        #: The entry that defines the no-role outcome (``none``), when the codebook has one.
        self.no_role: Label | None = next((r for r in role_entries if r.name == NO_ROLE), None)
        self.actors: list[Actor] = [
            Actor(name=a["name"], display=str(a.get("display") or a["name"]), aliases=list(a.get("aliases") or []))
            for a in data.get("actors") or []
        ]

    # ------------------------------------------------------------------ loading
    @classmethod
    def load(cls, path: str | Path | None = None) -> Codebook:
        """Read and validate a codebook YAML file.

        Parameters
        ----------
        path : str or Path, optional
            Defaults to the project's codebook (``codebook/codebook.yaml`` unless ``stance.toml`` says otherwise).

        Raises
        ------
        StanceInputError
            Naming the file, line and field of the first problem found.
        """
        if path is None:
            from stance.paths import ProjectPaths

            path = ProjectPaths.discover().codebook
        path = Path(path)
        if not path.is_file():
            raise StanceInputError("codebook file not found", file=path)
        size = path.stat().st_size
        if size > MAX_CODEBOOK_BYTES:
            raise StanceInputError(
                f"codebook file is {size:,} bytes, more than the {MAX_CODEBOOK_BYTES:,} a codebook may have; "
                "is this the right file?",
                file=path,
            )
        raw = path.read_bytes()
        if not raw.strip():
            raise StanceInputError("codebook file is empty", file=path, line=1)
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            line = raw[: exc.start].count(b"\n") + 1
            raise StanceInputError(f"not valid UTF-8 (byte {exc.start})", file=path, line=line) from exc
        try:
            data, lines = _parse_yaml(text, path)
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            raise StanceInputError(
                f"not valid YAML: {getattr(exc, 'problem', exc)}", file=path, line=mark.line + 1 if mark else None
            ) from exc
        if not isinstance(data, dict):
            raise StanceInputError("a codebook must be a YAML mapping", file=path, line=1)
        return cls(data, path=path, lines=lines)

    @classmethod
    def from_dict(cls, data: dict) -> Codebook:
        """Build a codebook from an already-parsed mapping (validated the same way)."""
        return cls(data)

    # --------------------------------------------------------------- validation
    def _error(self, message: str, path: tuple) -> StanceInputError:
        line = None
        for i in range(len(path), -1, -1):
            if path[:i] in self._lines:
                line = self._lines[path[:i]]
                break
        field_name = ".".join(str(p) for p in path) or None
        return StanceInputError(message, file=self.path, line=line, field=field_name)

    def _validate(self) -> None:
        data = self.data
        unknown = sorted(set(data) - _TOP_KEYS)
        if unknown:
            raise self._error(
                f"unknown top-level key {unknown[0]!r}; expected one of {sorted(_TOP_KEYS)}", (unknown[0],)
            )
        if "version" not in data:
            raise self._error("the codebook needs a 'version'", ())
        self._validate_frames_task(data.get("frames"))
        if not (_frame_entries(data) or (data.get("stance") or {}).get("targets") or data.get("roles")):
            raise self._error("the codebook defines no labels: give 'frames', 'stance' or 'roles'", ())
        labels_path = ("frames", "labels") if isinstance(data.get("frames"), dict) else ("frames",)
        self._validate_labels(_frame_entries(data), labels_path)
        self._validate_labels(data.get("roles") or [], ("roles",))
        stance = data.get("stance") or {}
        if stance:
            classes = stance.get("classes") or []
            self._validate_names(classes, ("stance", "classes"))
            names = [c["name"] for c in classes]
            targets = stance.get("targets") or []
            self._validate_names(targets, ("stance", "targets"))
            for i, target in enumerate(targets):
                path = ("stance", "targets", i)
                self._check_keys(target, _TARGET_KEYS, path)
                self._require(target, "definition", path)
                examples = target.get("examples") or {}
                for cls_name in examples:
                    if cls_name not in names:
                        raise self._error(self._unknown(cls_name, names, "stance class"), (*path, "examples", cls_name))
                cues = target.get("cues") or {}
                for cls_name in cues if isinstance(cues, dict) else []:
                    if cls_name not in names:
                        raise self._error(self._unknown(cls_name, names, "stance class"), (*path, "cues", cls_name))
        actors = data.get("actors") or []
        self._validate_names(actors, ("actors",))
        seen_alias: dict[str, str] = {}
        for i, actor in enumerate(actors):
            for j, alias in enumerate(actor.get("aliases") or []):
                key = str(alias).lower()
                if key in seen_alias and seen_alias[key] != actor["name"]:
                    raise self._error(
                        f"alias {alias!r} is given to both {seen_alias[key]!r} and {actor['name']!r}",
                        ("actors", i, "aliases", j),
                    )
                seen_alias[key] = actor["name"]

    def _validate_frames_task(self, frames: Any) -> None:
        """``frames`` is a list of labels, or a mapping of a ``type`` and its ``labels``."""
        if not isinstance(frames, dict):
            return
        self._check_keys(frames, _FRAMES_KEYS, ("frames",))
        kind = frames.get("type", TASK_TYPES[0])
        if kind not in TASK_TYPES:
            close = difflib.get_close_matches(str(kind), TASK_TYPES, n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            raise self._error(f"unknown task type {kind!r} (known: {', '.join(TASK_TYPES)}){hint}", ("frames", "type"))
        if not isinstance(frames.get("labels"), list) or not frames["labels"]:
            raise self._error("the frames task needs a list of 'labels'", ("frames", "labels"))
        if kind == "single-label" and len(frames["labels"]) < 2:
            raise self._error("a single-label task needs at least two labels", ("frames", "labels"))

    @staticmethod
    def _unknown(name: str, valid: list[str], what: str) -> str:
        close = difflib.get_close_matches(str(name), valid, n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        return f"unknown {what} {name!r} (known: {', '.join(valid)}){hint}"

    def _validate_names(self, items: list, path: tuple) -> None:
        if not isinstance(items, list):
            raise self._error("expected a list", path)
        seen: set[str] = set()
        for i, item in enumerate(items):
            if not isinstance(item, dict) or not item.get("name"):
                raise self._error("each entry needs a 'name'", (*path, i))
            name = str(item["name"])
            if name in seen:
                raise self._error(f"duplicate label {name!r}", (*path, i, "name"))
            seen.add(name)

    def _check_keys(self, item: dict, allowed: set[str], path: tuple) -> None:
        extra = sorted(set(item) - allowed)
        if extra:
            raise self._error(f"unknown key {extra[0]!r}; expected one of {sorted(allowed)}", (*path, extra[0]))

    def _require(self, item: dict, key: str, path: tuple) -> None:
        if not str(item.get(key) or "").strip():
            raise self._error(f"label {item.get('name')!r} has no {key}", (*path, key))

    def _validate_labels(self, items: list, path: tuple) -> None:
        self._validate_names(items, path)
        for i, item in enumerate(items):
            p = (*path, i)
            self._check_keys(item, _LABEL_KEYS, p)
            self._require(item, "definition", p)
            examples = item.get("examples") or {}
            unknown = sorted(set(examples) - {"positive", "negative"})
            if unknown:
                raise self._error(
                    f"unknown example kind {unknown[0]!r}; use 'positive' and 'negative'", (*p, "examples")
                )
            if len(examples.get("positive") or []) < _MIN_POSITIVE:
                raise self._error(
                    f"label {item['name']!r} needs at least {_MIN_POSITIVE} positive examples", (*p, "examples")
                )
            if len(examples.get("negative") or []) < _MIN_NEGATIVE:
                raise self._error(
                    f"label {item['name']!r} needs at least {_MIN_NEGATIVE} negative examples", (*p, "examples")
                )

    # ------------------------------------------------------------------ access
    @staticmethod
    def _label(d: dict, task: str) -> Label:
        ex = d.get("examples") or {}
        cues = d.get("cues") or []
        return Label(
            name=str(d["name"]),
            task=task,
            definition=str(d.get("definition", "")).strip(),
            include=[str(x) for x in d.get("include") or []],
            exclude=[str(x) for x in d.get("exclude") or []],
            cues=[str(x) for x in cues] if isinstance(cues, list) else [],
            positive_examples=[str(x) for x in ex.get("positive") or []],
            negative_examples=[str(x) for x in ex.get("negative") or []],
            policy_frames=[str(x) for x in d.get("policy_frames") or []],
            version=str(d.get("version", "")),
            display=str(d.get("display", "")),
            hash=canonical_hash(d),
        )

    @property
    def frame_names(self) -> list[str]:
        """Frame names in codebook order."""
        return [f.name for f in self.frames]

    @property
    def role_names(self) -> list[str]:
        """Role names in codebook order (the ``none`` entry, the no-role outcome, is not one of them)."""
        return [r.name for r in self.roles]

    @property
    def tasks(self) -> list[str]:
        """Classification tasks this codebook defines, e.g. ``["frames", "stance:us_government", "roles"]``."""
        out = ["frames"] if self.frames else []
        out += [f"stance:{t}" for t in self.stance_targets]
        if self.roles:
            out.append("roles")
        return out

    def check_tasks(self, tasks: Sequence[str], exclude: Sequence[str] = ()) -> list[str]:
        """``tasks`` when every one is a task of this codebook (and not in ``exclude``).

        Raises
        ------
        UnknownNameError
            Naming the first unknown task, the known ones and the closest match.
        """
        valid = [t for t in self.tasks if t not in exclude]
        for task in tasks:
            if task not in valid:
                raise UnknownNameError(self._unknown(task, valid, "task"), file=self.path, field="task")
        return list(tasks)

    def _check_task(self, task: str) -> None:
        if task not in self.tasks:
            raise UnknownNameError(self._unknown(task, self.tasks, "task"), file=self.path, field="task")

    def task_labels(self, task: str) -> list[str]:
        """Class names of ``task`` in codebook order."""
        self._check_task(task)
        if task == "frames":
            return self.frame_names
        if task == "roles":
            return self.role_names
        return list(self.stance_classes)

    def is_multilabel(self, task: str) -> bool:
        """True for a multi-label frames task (several labels per passage), False otherwise.

        The frames task is single-label (one of K) when the codebook declares
        ``frames: {type: single-label, labels: [...]}``; stance targets are always one of
        their classes.
        """
        self._check_task(task)
        return task == "frames" and self.frames_type == "multi-label"

    def task_type(self, task: str) -> str:
        """``"multi-label"`` or ``"single-label"`` (one label of K per passage)."""
        return TASK_TYPES[0] if self.is_multilabel(task) else TASK_TYPES[1]

    def target(self, name: str) -> dict:
        """Raw entry of a stance target (definition, rules, cues, examples)."""
        for t in self._targets:
            if t["name"] == name:
                return t
        raise UnknownNameError(self._unknown(name, self.stance_targets, "stance target"), file=self.path)

    def labels(self, task: str) -> list[Label]:
        """Labels of ``task`` as :class:`Label` objects.

        For a stance task, each class becomes a Label whose cues and examples are those
        the target gives for that class (negatives: the other classes' examples).
        """
        self._check_task(task)
        if task == "frames":
            return list(self.frames)
        if task == "roles":
            return list(self.roles)
        target = self.target(task.split(":", 1)[1])
        examples = target.get("examples") or {}
        cues = target.get("cues") or {}
        out = []
        for cls_name in self.stance_classes:
            others = [str(x) for c, xs in examples.items() if c != cls_name for x in xs or []]
            entry = {"target": target, "class": cls_name}
            out.append(
                Label(
                    name=cls_name,
                    task=task,
                    definition=(
                        f"{self._stance_class_defs.get(cls_name, '')} "
                        f"Target: {str(target.get('definition', '')).strip()}"
                    ).strip(),
                    include=[str(x) for x in target.get("include") or []],
                    exclude=[str(x) for x in target.get("exclude") or []],
                    cues=[str(x) for x in (cues.get(cls_name) or [])] if isinstance(cues, dict) else [],
                    positive_examples=[str(x) for x in examples.get(cls_name) or []],
                    negative_examples=others,
                    version=str(target.get("version", "")),
                    hash=canonical_hash(entry),
                )
            )
        return out

    def label(self, name: str, task: str = "frames") -> Label:
        """One label of ``task`` by name."""
        for lab in self.labels(task):
            if lab.name == name:
                return lab
        raise UnknownNameError(self._unknown(name, self.task_labels(task), f"{task} label"), file=self.path)

    def label_hashes(self) -> dict[str, str]:
        """``{"task/label": hash}`` for every label, to tell which labels changed."""
        return {f"{task}/{lab.name}": lab.hash for task in self.tasks for lab in self.labels(task)}

    def diff(self, other: Codebook) -> dict[str, list[str]]:
        """Labels added, removed and changed going from ``self`` to ``other``."""
        a, b = self.label_hashes(), other.label_hashes()
        return {
            "added": sorted(set(b) - set(a)),
            "removed": sorted(set(a) - set(b)),
            "changed": sorted(k for k in set(a) & set(b) if a[k] != b[k]),
        }

    def actor_aliases(self) -> dict[str, str]:
        """``{alias (lower case): actor name}``: each actor's display name and aliases."""
        out: dict[str, str] = {}
        for actor in self.actors:
            names = [actor.display, *actor.aliases] if actor.name != "other" else list(actor.aliases)
            for alias in names:
                out[str(alias).lower()] = actor.name
        return out

    def examples(self, task: str, include_negative: bool = False) -> list[tuple[str, str, bool]]:
        """Synthetic example passages as ``(text, label, is_positive)``; never for scoring."""
        out = []
        for lab in self.labels(task):
            out += [(t, lab.name, True) for t in lab.positive_examples]
            if include_negative:
                out += [(t, lab.name, False) for t in lab.negative_examples]
        return out

    def __repr__(self) -> str:
        return f"Codebook(name={self.name!r}, version={self.version!r}, tasks={self.tasks})"


#: Codebooks read by :func:`cached_codebook`, per file, modification time and size.
_LOADED: BoundedCache[tuple[str, int, int], Codebook] = BoundedCache("codebook.loaded", maxsize=4)


def cached_codebook(path: str | Path | None = None) -> Codebook:
    """:meth:`Codebook.load` of ``path``, reused while the file is unchanged.

    Parameters
    ----------
    path : str or Path, optional
        Defaults to the project's codebook.

    Returns
    -------
    Codebook
        Shared by every caller that reads the same file: do not modify it.

    Raises
    ------
    StanceInputError
        As :meth:`Codebook.load` (a missing file is not cached).
    """
    if path is None:
        from stance.paths import ProjectPaths

        path = ProjectPaths.discover().codebook
    path = Path(path)
    if not path.is_file():
        return Codebook.load(path)  # raises the codebook's own error
    st = path.stat()
    return _LOADED.get_or_set((str(path.resolve()), st.st_mtime_ns, st.st_size), lambda: Codebook.load(path))
