"""Keep the notebooks paired, stripped and runnable.

The notebooks in ``notebooks/`` are committed twice: as jupytext ``py:percent`` files (the
source of truth, easy to diff) and as ``.ipynb`` files without outputs (for JupyterLab).

``python -m stance.notebooks sync``
    Write each ``.ipynb`` from its ``.py`` pair, with no outputs.
``python -m stance.notebooks check``
    Exit non-zero if a notebook has outputs or differs from its pair.
``python -m stance.notebooks run --out build/notebooks [--smoke]``
    Execute every notebook headless with papermill into ``--out``; the committed files are
    never written.

Inside a notebook, :func:`show_figure` draws a figure through the same registry call as
``stance figures`` (into a scratch folder, never ``figures/``) and shows it, and
:func:`environment_report` fills the last cell.
"""

from __future__ import annotations

import argparse
import platform
import sys
import time
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from stance.paths import ProjectPaths

if TYPE_CHECKING:  # pragma: no cover
    from stance.figures import FigureContext

__all__ = [
    "check",
    "environment_report",
    "figure_context",
    "notebook_pairs",
    "run",
    "scratch_dir",
    "show_figure",
    "sync",
]

KERNEL = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}


def notebook_pairs(folder: Path | None = None) -> list[tuple[Path, Path]]:
    """``(py, ipynb)`` pairs in reading order."""
    folder = folder or ProjectPaths.discover().notebooks
    return [(py, py.with_suffix(".ipynb")) for py in sorted(folder.glob("[0-9][0-9]_*.py"))]


def _to_notebook(py: Path):
    import jupytext

    nb = jupytext.read(py, fmt="py:percent")
    nb.metadata["kernelspec"] = dict(KERNEL)
    nb.metadata["jupytext"] = {"formats": "ipynb,py:percent"}
    nb.metadata.pop("language_info", None)
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
        cell.metadata.pop("execution", None)
        cell.pop("id", None)
    return nb


def _dumps(nb) -> str:
    import nbformat

    nb.nbformat, nb.nbformat_minor = 4, 4
    return nbformat.writes(nb) + "\n"


def sync(folder: Path | None = None) -> list[Path]:
    """Write every ``.ipynb`` from its ``.py`` pair (no outputs); return the files changed."""
    changed = []
    for py, ipynb in notebook_pairs(folder):
        text = _dumps(_to_notebook(py))
        if not ipynb.is_file() or ipynb.read_text(encoding="utf-8") != text:
            ipynb.write_text(text, encoding="utf-8")
            changed.append(ipynb)
    return changed


def check(folder: Path | None = None) -> list[str]:
    """Problems found: notebooks with outputs, or out of sync with their ``.py`` pair."""
    import nbformat

    problems = []
    for py, ipynb in notebook_pairs(folder):
        if not ipynb.is_file():
            problems.append(f"{ipynb}: missing; run `make sync-notebooks`")
            continue
        nb = nbformat.read(ipynb, as_version=4)
        for i, cell in enumerate(nb.cells):
            if cell.cell_type == "code" and (cell.get("outputs") or cell.get("execution_count")):
                problems.append(f"{ipynb}: cell {i} has outputs; strip them (`make sync-notebooks`)")
                break
        if ipynb.read_text(encoding="utf-8") != _dumps(_to_notebook(py)):
            problems.append(f"{ipynb}: differs from {py.name}; edit the .py and run `make sync-notebooks`")
    return problems


def run(out: Path, smoke: bool = False, folder: Path | None = None, only: str | None = None) -> pd.DataFrame:
    """Execute the notebooks with papermill into ``out``; return name, seconds and status per notebook."""
    import papermill

    out.mkdir(parents=True, exist_ok=True)
    rows = []
    for py, _ in notebook_pairs(folder):
        if only and only not in py.stem:
            continue
        src = out / f"{py.stem}.source.ipynb"
        src.write_text(_dumps(_to_notebook(py)), encoding="utf-8")
        start = time.perf_counter()
        papermill.execute_notebook(
            str(src),
            str(out / f"{py.stem}.ipynb"),
            parameters={"SMOKE": smoke},
            cwd=str(py.parent),
            kernel_name="python3",
            progress_bar=False,
        )
        src.unlink()
        rows.append({"notebook": py.stem, "seconds": round(time.perf_counter() - start, 1), "smoke": smoke})
    return pd.DataFrame(rows)


def scratch_dir(name: str = "") -> Path:
    """A folder for files a notebook writes: ``<project>/build/notebooks/scratch/<name>`` (git-ignored)."""
    folder = ProjectPaths.discover().build / "notebooks" / "scratch" / name
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def figure_context(
    corpus=None,
    codebook=None,
    models: dict | None = None,
    n_boot: int = 1000,
    smoke: bool = False,
    *,
    labels: str | Path | None = None,
    models_dir: str | Path | None = None,
) -> FigureContext:
    """The shared figure inputs a notebook draws from.

    Parameters
    ----------
    corpus, codebook : optional
        Objects or paths; default the project's seed corpus and codebook.
    models : dict, optional
        Task to model folder or classifier; default the promoted models under ``models/``.
    n_boot : int
        Bootstrap resamples for the intervals.
    smoke : bool
        Fast mode for CI: the codebook's cue lexicon scores every task (no labels and no
        trained model needed) and at most 200 resamples are drawn.
    labels : path, optional
        Gold label store (default ``seeds/labels.jsonl``).
    models_dir : path, optional
        Models folder with ``evaluation/`` (default ``models/``).

    Returns
    -------
    FigureContext
    """
    from stance.analysis import scored_tasks
    from stance.classifiers import make_classifier
    from stance.codebook import Codebook
    from stance.corpus import load_corpus
    from stance.figures import FigureContext

    corpus = corpus if hasattr(corpus, "passages") else load_corpus(corpus)
    codebook = codebook if isinstance(codebook, Codebook) else Codebook.load(codebook)
    if smoke:
        texts = corpus.analysable()["text"].tolist()
        models = {t: make_classifier("lexicon", t, codebook).fit(texts) for t in scored_tasks(codebook)}
        n_boot = min(n_boot, 200)
    return FigureContext(corpus, codebook, models=models, n_boot=n_boot, labels=labels, models_dir=models_dir)


def show_figure(
    name: str, context: FigureContext | None = None, out_dir: str | Path | None = None, display: bool = True
) -> pd.DataFrame:
    """Build one registry figure exactly as ``stance figures`` does, show it, return its numbers.

    The entry is built by :func:`stance.figures.generate` (same inputs, same caption, same
    files), written to ``out_dir`` and the PNG is displayed, so a notebook figure and the
    committed one never disagree.

    Parameters
    ----------
    name : str
        A registry entry (``stance figures --list``).
    context : FigureContext, optional
        Shared inputs (models, labels, bootstrap settings); default the project's.
    out_dir : path, optional
        Where the files go; default :func:`scratch_dir` ``("figures")``, never ``figures/``.
    display : bool
        Show the PNG (in a notebook).

    Returns
    -------
    DataFrame
        The CSV written beside the figure: the numbers drawn.

    Raises
    ------
    MissingInputError
        When an input is missing; the message names the command that makes it.
    """
    from stance.figures import available, generate

    out = Path(out_dir) if out_dir is not None else scratch_dir("figures")
    generate([name], out, context=context, raise_errors=True)
    if display and available()[name].kind == "figure":
        from IPython.display import Image
        from IPython.display import display as show

        show(Image(filename=str(out / f"{name}.png")))
    return pd.read_csv(out / f"{name}.csv", keep_default_na=False, na_values=[""])


def environment_report() -> pd.DataFrame:
    """Python, platform and key package versions, for the last cell of each notebook."""
    rows = [("python", platform.python_version()), ("platform", platform.platform())]
    for pkg in [
        "stance",
        "numpy",
        "pandas",
        "scikit-learn",
        "matplotlib",
        "torch",
        "transformers",
        "sentence-transformers",
        "setfit",
        "spacy",
    ]:
        try:
            rows.append((pkg, metadata.version(pkg)))
        except metadata.PackageNotFoundError:
            rows.append((pkg, "not installed"))
    return pd.DataFrame(rows, columns=["package", "version"])


def _main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m stance.notebooks", description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="cmd", required=True)
    sub.add_parser("sync", help="write .ipynb files from their .py pairs")
    sub.add_parser("check", help="fail if a notebook has outputs or is out of sync")
    r = sub.add_parser("run", help="execute every notebook headless into a scratch folder")
    r.add_argument("--out", type=Path, default=Path("build/notebooks"))
    r.add_argument("--smoke", action="store_true", help="run with SMOKE=True (small, fast)")
    r.add_argument("--only", default=None, help="run only notebooks whose name contains this")
    args = parser.parse_args(argv)
    if args.cmd == "sync":
        for path in sync():
            print(f"wrote {path}")
        return 0
    if args.cmd == "check":
        problems = check()
        for p in problems:
            print(p, file=sys.stderr)
        return 1 if problems else 0
    print(run(args.out, smoke=args.smoke, only=args.only).to_string(index=False))
    return 0


if __name__ == "__main__":
    sys.exit(_main())
