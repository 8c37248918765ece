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
"""

from __future__ import annotations

import argparse
import platform
import sys
import time
from importlib import metadata
from pathlib import Path

import pandas as pd

from stance.config import project_root

__all__ = ["check", "environment_report", "notebook_pairs", "run", "sync"]

KERNEL = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}


def notebook_pairs(folder: Path | None = None) -> list[tuple[Path, Path]]:
    """``(py, ipynb)`` pairs in reading order."""
    folder = folder or project_root() / "notebooks"
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
            str(src), str(out / f"{py.stem}.ipynb"), parameters={"SMOKE": smoke}, cwd=str(py.parent),
            kernel_name="python3", progress_bar=False,
        )
        src.unlink()
        rows.append({"notebook": py.stem, "seconds": round(time.perf_counter() - start, 1), "smoke": smoke})
    return pd.DataFrame(rows)


def environment_report() -> pd.DataFrame:
    """Python, platform and key package versions, for the last cell of each notebook."""
    rows = [("python", platform.python_version()), ("platform", platform.platform())]
    for pkg in ["stance", "numpy", "pandas", "scikit-learn", "matplotlib", "torch", "transformers",
                "sentence-transformers", "setfit", "spacy"]:
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
