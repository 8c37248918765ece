"""Scratch projects for rehearsing the label -> fine-tune -> promote loop without touching a real one.

:func:`rehearsal_project` copies a project with one document and its labels set aside, as
the project would have looked before the document arrived. Notebook 06 and
``docs/finetune.md`` rehearse the fine-tune loop on it; the tests use it through a fixture.
"""

from __future__ import annotations

import csv
import io
import json
import shutil
from pathlib import Path

from stance.errors import StanceInputError
from stance.io import atomic_write
from stance.paths import ProjectPaths

__all__ = ["rehearsal_project"]


def rehearsal_project(
    out: str | Path, hold_out: str, *, source: str | Path | None = None, labels: str | Path | None = None
) -> dict[str, Path]:
    """A scratch copy of a project with one document and its labels set aside, to rehearse the loop.

    The copy is what the project would have looked like before ``hold_out`` arrived: its
    ``seeds/`` lacks the document's file and manifest row, and its label store lacks every
    record about the document's passages. The set-aside pieces wait in ``incoming/``, ready
    for step 1 of the loop (copy the file into ``seeds/``, append the manifest row) and for
    the import (``incoming/labels.jsonl`` holds the document's gold records). The source
    project is only read.

    Parameters
    ----------
    out : path
        Folder of the scratch project (created; must not hold a ``seeds/`` folder yet).
    hold_out : str
        ``doc_id`` of the document to set aside.
    source : path, optional
        Project folder with ``codebook/`` and ``seeds/``; default the current project.
    labels : path, optional
        Label store to copy; default ``<source>/seeds/labels.jsonl``.

    Returns
    -------
    dict of str to Path
        ``root``, ``seeds``, ``codebook`` (the YAML file), ``labels`` (the scratch store),
        ``models`` (an empty model store), ``incoming_text``, ``incoming_manifest`` (the
        document's manifest row, without a header) and ``incoming_labels``.

    Raises
    ------
    StanceInputError
        When ``hold_out`` is not a document of the source manifest.
    FileExistsError
        When ``out`` already holds a ``seeds/`` folder.
    """
    project = ProjectPaths.discover(source)
    store = Path(labels) if labels is not None else project.labels
    scratch = ProjectPaths.discover(out)  # the default layout: out has no stance.toml yet
    root, seeds, incoming = scratch.root, scratch.seeds, scratch.root / "incoming"
    if seeds.exists():
        raise FileExistsError(f"{seeds} exists; give an empty folder")
    manifest = project.seeds / "manifest.csv"
    lines = [x.rstrip("\r\n") + "\n" for x in manifest.read_text(encoding="utf-8").splitlines() if x.strip()]
    rows = list(csv.reader(io.StringIO("".join(lines))))
    if len(rows) != len(lines):  # a quoted field with a line break: rows are not lines
        raise StanceInputError("a manifest field spans lines; cannot set one row aside", file=manifest)
    header = rows[0]
    id_col, file_col = header.index("id"), header.index("file")
    where = [i for i, r in enumerate(rows) if i and r[id_col] == hold_out]
    if not where:
        ids = ", ".join(r[id_col] for r in rows[1:])
        raise StanceInputError(f"no document {hold_out!r} (documents: {ids})", file=manifest, field="id")
    held = where[0]
    seeds.mkdir(parents=True)
    incoming.mkdir(parents=True, exist_ok=True)
    shutil.copytree(project.codebook.parent, scratch.codebook.parent, dirs_exist_ok=True)
    for r in rows[1:]:
        if r[id_col] != hold_out:
            shutil.copy2(project.seeds / r[file_col], seeds / r[file_col])
    if (project.seeds / "sources.csv").is_file():
        shutil.copy2(project.seeds / "sources.csv", seeds / "sources.csv")
    atomic_write(seeds / "manifest.csv", "".join(x for i, x in enumerate(lines) if i != held))
    held_file = rows[held][file_col]
    shutil.copy2(project.seeds / held_file, incoming / held_file)
    atomic_write(incoming / "manifest-row.csv", lines[held])
    kept, aside = [], []
    if store.is_file():
        for line in store.read_text(encoding="utf-8").splitlines():
            if not line.strip():
                continue
            rec = json.loads(line)
            if str(rec.get("passage_id", "")).startswith(hold_out + ":"):
                if rec.get("annotator") == "gold":
                    aside.append(line)
            else:
                kept.append(line)
    atomic_write(scratch.labels, "".join(x + "\n" for x in kept))
    atomic_write(incoming / "labels.jsonl", "".join(x + "\n" for x in aside))
    scratch.models.mkdir(exist_ok=True)
    return {
        "root": root,
        "seeds": seeds,
        "codebook": scratch.codebook,
        "labels": scratch.labels,
        "models": scratch.models,
        "incoming_text": incoming / held_file,
        "incoming_manifest": incoming / "manifest-row.csv",
        "incoming_labels": incoming / "labels.jsonl",
    }
