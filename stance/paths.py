"""One object for every path of a project: codebook, corpora, label store, models, figures, cache.

A project is a folder with a ``codebook/`` folder (and usually a ``stance.toml``). Every
function that reads or writes project files takes a :class:`ProjectPaths` (or builds the
default one with :meth:`ProjectPaths.discover`) instead of joining path literals.

``stance.toml`` may override any path, relative to the project folder::

    [stance]
    corpora = ["seeds", "seeds/us-white-house"]
    labels = "seeds/labels.jsonl"
    codebook = "codebook/codebook.yaml"

Without ``corpora``, the project corpus is ``seeds/`` (when it has a manifest) and every
folder below it that has a ``manifest.csv``, in sorted order.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, replace
from pathlib import Path

__all__ = ["CONFIG_FILE", "MODEL_CARD", "ProjectPaths", "discover_corpora", "read_project_settings"]

CONFIG_FILE = "config.json"
"""Name of the JSON file that describes a saved model version."""
MODEL_CARD = "MODEL_CARD.md"
"""Name of a saved model version's model card."""
MANIFEST = "manifest.csv"


def read_project_settings(root: str | Path) -> dict:
    """The ``[stance]`` table of a project's ``stance.toml`` (empty when there is none)."""
    path = Path(root) / "stance.toml"
    if not path.is_file():
        return {}
    with path.open("rb") as fh:
        data = tomllib.load(fh)
    return data.get("stance", data)


def discover_corpora(seeds: Path) -> tuple[Path, ...]:
    """``seeds`` (when it has a manifest) and every folder below it with a manifest, sorted."""
    if not seeds.is_dir():
        return ()
    found = [seeds] if (seeds / MANIFEST).is_file() else []
    found += sorted(p.parent for p in seeds.rglob(MANIFEST) if p.parent != seeds)
    return tuple(found)


@dataclass(frozen=True)
class ProjectPaths:
    """Paths of one project.

    Attributes
    ----------
    root : Path
        Project folder.
    codebook : Path
        Codebook YAML file.
    corpora : tuple of Path
        Corpus folders (with a manifest) or corpus tables that make up the project corpus.
    labels : Path
        Append-only JSONL label store.
    models : Path
        Saved model versions, one folder per task.
    figures : Path
        Generated figures.
    cache : Path
        Embedding, score and segmentation caches.
    events : Path
        Dated events table (CSV) drawn on time figures.
    notebooks : Path
        Notebooks folder.
    build : Path
        Scratch outputs (executed notebooks, benchmark runs).
    """

    root: Path
    codebook: Path
    corpora: tuple[Path, ...]
    labels: Path
    models: Path
    figures: Path
    cache: Path
    events: Path
    notebooks: Path
    build: Path

    @property
    def evaluation(self) -> Path:
        """Evaluation tables written by ``stance evaluate``."""
        return self.models / "evaluation"

    @property
    def seeds(self) -> Path:
        """The project's main corpus folder (the first corpus)."""
        return self.corpora[0] if self.corpora else self.root / "seeds"

    def task_dir(self, slug: str) -> Path:
        """Folder that holds the saved versions of one task."""
        return self.models / slug

    def with_root(self, root: str | Path) -> ProjectPaths:
        """The same layout under another project folder."""
        return ProjectPaths.discover(root)

    def replace(self, **changes: object) -> ProjectPaths:
        """A copy with some paths changed (``paths.replace(labels=other_store)``)."""
        fixed = {k: (tuple(Path(p) for p in v) if k == "corpora" else Path(v)) for k, v in changes.items()}
        return replace(self, **fixed)

    def is_input(self, path: str | Path) -> bool:
        """True when ``path`` is one of the project's inputs: codebook, label store, corpus files, manifests."""
        target = Path(path).resolve()
        if target in {self.codebook.resolve(), self.labels.resolve(), self.events.resolve()}:
            return True
        return any(target == c.resolve() or c.resolve() in target.parents for c in self.corpora)

    @classmethod
    def discover(cls, root: str | Path | None = None) -> ProjectPaths:
        """Paths of the project at ``root`` (default: the current project, see :func:`stance.config.project_root`)."""
        if root is None:
            from stance.config import project_root

            root = project_root()
        root = Path(root).resolve()
        cfg = read_project_settings(root)

        def _path(key: str, default: str) -> Path:
            value = Path(str(cfg.get(key) or default))
            return value if value.is_absolute() else root / value

        corpora_cfg = cfg.get("corpora")
        if corpora_cfg:
            corpora = tuple(p if p.is_absolute() else root / p for p in map(Path, corpora_cfg))
        else:
            corpora = discover_corpora(root / "seeds")
        return cls(
            root=root,
            codebook=_path("codebook", "codebook/codebook.yaml"),
            corpora=corpora,
            labels=_path("labels", "seeds/labels.jsonl"),
            models=_path("models", "models"),
            figures=_path("figures", "figures"),
            cache=Path(os.environ["STANCE_CACHE_DIR"])
            if os.environ.get("STANCE_CACHE_DIR")
            else _path("cache_dir", ".cache/stance"),
            events=_path("events", "seeds/events.csv"),
            notebooks=_path("notebooks", "notebooks"),
            build=_path("build", "build"),
        )
