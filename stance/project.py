"""Make a new project: ``stance init DIR``.

A new project is a folder with::

    stance.toml              where everything is (read by stance.paths.ProjectPaths)
    README.md                the commands from a labelled table to figures
    codebook/codebook.yaml   the codebook: a template, or a copy of the user's own
    corpus/                  the corpus; `stance label import --text-column` writes corpus/passages.csv
    labels/labels.jsonl      the label store (empty, append-only)
    models/                  saved models
    figures/                 generated figures

Nothing that exists is ever replaced: a folder that is already a project, or that is not
empty, is refused unless ``force`` is given, and even then only the missing parts are added.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from stance.errors import StanceInputError
from stance.io import atomic_write
from stance.paths import ProjectPaths

__all__ = ["PROJECT_TABLE", "InitReport", "init_project", "template_codebook"]

PROJECT_TABLE = "corpus/passages.csv"
"""The table corpus of a new project (``doc_id``, ``text``, optional ``title``, ``published`` ...)."""

_TOML = """\
# Settings of this stance project. Paths are relative to this folder.
[stance]
codebook = "codebook/codebook.yaml"
# Corpus folders (with a manifest.csv) or tables (CSV/JSONL/Parquet with doc_id and text columns).
corpora = ["{table}"]
labels = "labels/labels.jsonl"
events = "corpus/events.csv"
"""

_README = """\
# {name}

A stance project: codebook, corpus, gold labels, models and figures.

| path | what |
|---|---|
| `stance.toml` | settings: where the codebook, corpus and label store are |
| `codebook/codebook.yaml` | the codebook (edit it; `stance codebook --check` validates it) |
| `corpus/passages.csv` | the corpus table (`doc_id`, `text`; written by `stance label import`) |
| `labels/labels.jsonl` | the gold-label store, append-only (never edit it by hand) |
| `models/` | trained models, one folder per task, each with a model card |
| `figures/` | figures made by `stance figures` |

From a table of labelled sentences (`sentence,label`; an empty label means no frame applies) to
figures, run inside this folder:

```bash
stance codebook --check
stance label import ../sentences.csv --text-column sentence --label-column label --annotator gold --none ''
stance evaluate --models tfidf,lexicon
stance train --models tfidf,lexicon
stance score corpus/passages.csv -o scores.parquet
stance figures
```

Each command's first line names the project it acts on. `docs/own-project.md` in the stance
documentation explains every option: labelled tables, table corpora, figures without dates.
"""


@dataclass
class InitReport:
    """What :func:`init_project` did.

    Attributes
    ----------
    paths : ProjectPaths
        The new project.
    created : list of Path
        Files and folders written.
    kept : list of Path
        Files and folders that existed and were left as they were.
    """

    paths: ProjectPaths
    created: list[Path] = field(default_factory=list)
    kept: list[Path] = field(default_factory=list)


def template_codebook() -> str:
    """The text of the template codebook that ``stance init`` writes without ``--codebook``."""
    return resources.files("stance").joinpath("templates", "codebook.yaml").read_text(encoding="utf-8")


def _check_target(folder: Path, force: bool) -> None:
    from stance.config import is_project

    if folder.exists() and not folder.is_dir():
        raise StanceInputError("exists and is not a folder; choose another path", file=folder)
    if force or not folder.exists():
        return
    if is_project(folder):
        raise StanceInputError(
            "is already a stance project; nothing was written (add --force to add only its missing parts)",
            file=folder,
        )
    if any(folder.iterdir()):
        raise StanceInputError(
            "is not empty; nothing was written (choose a new folder, or add --force to add the project's parts "
            "beside what is there, replacing nothing)",
            file=folder,
        )


def init_project(folder: str | Path, codebook: str | Path | None = None, *, force: bool = False) -> InitReport:
    """Make a project in ``folder`` (see the module docstring for the layout).

    Parameters
    ----------
    folder : str or Path
        The new project folder; created when missing.
    codebook : str or Path, optional
        The user's codebook YAML, validated and copied byte for byte to ``codebook/codebook.yaml``.
        Default: the template codebook (:func:`template_codebook`).
    force : bool
        Also write into a folder that is not empty or is already a project; files that exist
        are kept as they are.

    Returns
    -------
    InitReport

    Raises
    ------
    StanceInputError
        When the folder is not empty (without ``force``), or the codebook is not valid (naming its file,
        line and field). Nothing is written then.
    """
    from stance.codebook import Codebook

    folder = Path(folder).expanduser().resolve()
    _check_target(folder, force)
    if codebook is not None:
        Codebook.load(codebook)  # a bad codebook stops here, before anything is written
        codebook_text: bytes = Path(codebook).read_bytes()
    else:
        codebook_text = template_codebook().encode("utf-8")
    files: dict[str, bytes] = {
        "codebook/codebook.yaml": codebook_text,
        "stance.toml": _TOML.format(table=PROJECT_TABLE).encode("utf-8"),
        "README.md": _README.format(name=folder.name).encode("utf-8"),
        "labels/labels.jsonl": b"",
    }
    created: list[Path] = []
    kept: list[Path] = []
    for name in ("codebook", "corpus", "labels", "models", "figures"):
        path = folder / name
        (kept if path.is_dir() else created).append(path)
        path.mkdir(parents=True, exist_ok=True)
    for name, data in files.items():
        path = folder / name
        if path.exists():
            kept.append(path)
            continue
        atomic_write(path, data)
        created.append(path)
    return InitReport(paths=ProjectPaths.discover(folder), created=created, kept=kept)
