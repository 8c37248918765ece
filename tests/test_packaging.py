"""Packaging: pinned public API, environment files in step, CLI help, lazy heavy imports."""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib

import pytest
import yaml
from typer.testing import CliRunner

import stance

EXPECTED_ALL = [
    "Codebook",
    "Corpus",
    "ProjectPaths",
    "StanceInputError",
    "__version__",
    "diff_passages",
    "load_corpus",
    "load_project_corpus",
    "project_root",
    "settings",
    "text_hash",
]

# conda-forge names that differ from PyPI names
CONDA_TO_PYPI = {"pytorch": "torch"}


def _name(req: str) -> str:
    return re.split(r"[<>=!~\[ ;]", req.strip(), maxsplit=1)[0].lower().replace("_", "-")


def test_public_api_is_pinned():
    assert sorted(stance.__all__) == sorted(EXPECTED_ALL)
    for name in stance.__all__:
        assert hasattr(stance, name)


def test_version_matches_pyproject(root):
    meta = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))
    assert meta["project"]["version"] == stance.__version__


def test_environment_yml_lists_same_packages_as_pyproject(root):
    meta = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))
    extras = meta["project"]["optional-dependencies"]
    py_names = {_name(r) for r in meta["project"]["dependencies"]}
    for name, reqs in extras.items():
        if name != "all":
            py_names |= {_name(r) for r in reqs}
    env = yaml.safe_load((root / "environment.yml").read_text(encoding="utf-8"))
    conda, pip = set(), set()
    for dep in env["dependencies"]:
        if isinstance(dep, dict):
            pip |= {_name(r) for r in dep["pip"] if not r.startswith("-e")}
        else:
            conda.add(CONDA_TO_PYPI.get(_name(dep.split("=")[0]), _name(dep.split("=")[0])))
    conda -= {"python", "pip"}
    assert "conda-forge" in env["channels"]
    assert any(str(d).startswith("pytorch=2.13.0=cpu") for d in env["dependencies"] if isinstance(d, str))
    assert conda | pip == py_names, sorted((conda | pip) ^ py_names)


def test_lock_pins_every_dependency(root):
    lock = {}
    for line in (root / "requirements.lock").read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            name, version = line.split("==")
            lock[name.lower().replace("_", "-")] = version
    assert lock["torch"] == "2.13.0"
    meta = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))
    wanted = {_name(r) for r in meta["project"]["dependencies"]}
    for name, reqs in meta["project"]["optional-dependencies"].items():
        if name != "all":
            wanted |= {_name(r) for r in reqs}
    missing = sorted(w for w in wanted if w not in lock and w.replace("-", "_") not in lock)
    assert not missing


def test_import_stance_does_not_import_torch():
    code = "import sys, stance, stance.cli; print(any(m in sys.modules for m in ('torch', 'transformers', 'spacy')))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def _commands(app, prefix=()):
    import typer.main

    group = typer.main.get_command(app)
    stack = [(prefix, group)]
    while stack:
        path, cmd = stack.pop()
        yield path
        for name, sub in sorted(getattr(cmd, "commands", {}).items()):
            stack.append(((*path, name), sub))


def test_every_command_has_help():
    from stance.cli import app

    runner = CliRunner()
    paths = list(_commands(app))
    assert ("corpus",) in paths and ("codebook",) in paths
    for path in paths:
        result = runner.invoke(app, [*path, "--help"])
        assert result.exit_code == 0, (path, result.output)
        assert "Usage" in result.output


def test_cli_version():
    from stance.cli import app

    result = CliRunner().invoke(app, ["--version"])
    assert result.exit_code == 0 and stance.__version__ in result.output


def test_cli_corpus_and_codebook(root):
    from stance.cli import app

    runner = CliRunner()
    result = runner.invoke(app, ["corpus", str(root / "seeds")])
    assert result.exit_code == 0, result.output
    assert "5 documents" in result.output and "chinadaily-2017-11-04" in result.output
    result = runner.invoke(app, ["codebook", "--check"])
    assert result.exit_code == 0 and "ok" in result.output
    result = runner.invoke(app, ["codebook"])
    assert result.exit_code == 0 and "sovereignty" in result.output


@pytest.mark.parametrize("bad", ["corpus", "codebook"])
def test_cli_bad_input_exits_non_zero(tmp_path, bad):
    target = tmp_path / "nothing"
    target.mkdir()
    if bad == "codebook":
        target = target / "cb.yaml"
        target.write_text("name: x\nversion: '1'\nframes: [{name: a}, {name: a}]\n", encoding="utf-8")
    out = subprocess.run([sys.executable, "-m", "stance", bad, str(target)], capture_output=True, text=True)
    assert out.returncode == 2
    assert "error:" in out.stderr and str(target.name) in out.stderr


def test_architecture_doc_names_every_module(root):
    doc = (root / "docs" / "architecture.md").read_text(encoding="utf-8")
    entries = doc.split("`stance/figures/<entry>.py`", 1)[1].split("\n", 1)[0]  # the one-row list of figure entries
    missing = [
        path.relative_to(root).as_posix()
        for path in sorted((root / "stance").rglob("*.py"))
        if f"`{path.relative_to(root).as_posix()}`" not in doc
        and not (path.parent.name == "figures" and f"`{path.stem}`" in entries)
    ]
    assert not missing, f"docs/architecture.md does not list {missing}"
