"""`stance init`, the project each command names, and the refusal to write into the package's own project."""

from __future__ import annotations

import hashlib
from pathlib import Path
from types import SimpleNamespace

import pandas as pd
import pytest
from typer.testing import CliRunner

from stance.cli import app
from stance.cli._boundary import run as boundary
from stance.codebook import Codebook
from stance.config import find_project
from stance.paths import ProjectPaths
from stance.project import init_project

ROOT = Path(__file__).resolve().parent.parent


def cli(*args: str, quiet: bool = True) -> SimpleNamespace:
    """Run ``stance ARGS`` in-process through the error boundary; exit code and output (stdout and stderr)."""
    with CliRunner().isolation(env={"COLUMNS": "200", "STANCE_QUIET": "1" if quiet else "0", "CI": None}) as streams:
        code = boundary(app, [str(a) for a in args])
        output = streams[-1].getvalue().decode()
    return SimpleNamespace(code=code, output=" ".join(output.split()))


def _hashes(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest() for p in root.rglob("*") if p.is_file()
    }


@pytest.fixture
def outside(tmp_path, monkeypatch):
    """A working directory in no project, with no STANCE_PROJECT_DIR."""
    monkeypatch.delenv("STANCE_PROJECT_DIR", raising=False)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_init_makes_a_project_that_paths_discover(outside):
    res = cli("init", "mine")
    assert res.code == 0, res.output
    root = outside / "mine"
    paths = ProjectPaths.discover(root)
    assert paths.codebook == root / "codebook" / "codebook.yaml"
    assert paths.labels == root / "labels" / "labels.jsonl" and paths.labels.read_bytes() == b""
    assert paths.corpora == (root / "corpus" / "passages.csv",)
    for folder in (paths.models, paths.figures, root / "corpus"):
        assert folder.is_dir()
    assert "stance label import" in (root / "README.md").read_text(encoding="utf-8")
    cb = Codebook.load(paths.codebook)
    assert cb.frame_names and cb.intended_use
    # discovered from inside the project (and from a folder below it)
    (root / "corpus" / "sub").mkdir()
    with pytest.MonkeyPatch.context() as mp:
        mp.chdir(root / "corpus" / "sub")
        assert find_project() == (root, "working directory")


def test_init_copies_the_users_codebook_byte_for_byte(outside):
    own = ROOT / "examples" / "gvfc" / "codebook.yaml"
    report = init_project(outside / "gv", own)
    assert report.paths.codebook.read_bytes() == own.read_bytes()


def test_init_refuses_an_existing_project_or_a_non_empty_folder(outside):
    assert cli("init", "p").code == 0
    store = outside / "p" / "labels" / "labels.jsonl"
    store.write_text('{"x": 1}\n', encoding="utf-8")
    before = _hashes(outside / "p")
    res = cli("init", "p")
    assert res.code == 2 and "already a stance project" in res.output and "nothing was written" in res.output
    (outside / "other").mkdir()
    (outside / "other" / "notes.txt").write_text("mine", encoding="utf-8")
    res = cli("init", "other")
    assert res.code == 2 and "is not empty" in res.output
    assert sorted(p.name for p in (outside / "other").iterdir()) == ["notes.txt"]
    # --force adds missing parts only: the store and the codebook are kept as they are
    (outside / "p" / "README.md").unlink()
    res = cli("init", "p", "--force")
    assert res.code == 0 and "kept labels/labels.jsonl" in res.output
    after = _hashes(outside / "p")
    assert {k: v for k, v in after.items() if k != "README.md"} == {k: v for k, v in before.items() if k != "README.md"}


def test_init_refuses_a_bad_codebook_and_writes_nothing(outside):
    bad = outside / "bad.yaml"
    bad.write_text("name: x\nversion: '1'\nframes:\n  - name: a\n    definition: d\n", encoding="utf-8")
    res = cli("init", "q", "--codebook", bad)
    assert res.code == 2 and "bad.yaml" in res.output and "positive examples" in res.output
    assert not (outside / "q").exists()


def test_a_writing_command_outside_any_project_refuses_the_seed_project(outside):
    before = _hashes(ROOT / "seeds")
    for args in (["train"], ["label", "import", "x.csv", "-a", "gold"], ["figures"]):
        res = cli(*args)
        assert res.code == 2, (args, res.output)
        assert "no stance project" in res.output and "stance init DIR" in res.output and "--project" in res.output
    assert _hashes(ROOT / "seeds") == before


WRITING_WITH_AN_OPTION = [
    ["score", "-o", "scores.parquet"],
    ["benchmark", "gvfc", "--data", "headlines.csv"],
    ["narrative", "roles", "--train"],
    ["narrative", "roles", "--evaluate"],
    ["narrative", "roles", "-o", "roles.csv"],
    ["narrative", "actors", "-o", "actors.csv"],
    ["narrative", "relations", "-o", "relations.csv"],
    ["label", "export", "-o", "export.csv"],
    ["label", "suggest", "-o", "suggest.csv"],
    ["label", "reliability", "-o", "alpha.csv"],
    ["label", "disagreements", "-o", "disagreements.csv"],
]


@pytest.mark.parametrize("args", WRITING_WITH_AN_OPTION, ids=" ".join)
def test_a_command_that_writes_with_an_option_refuses_the_seed_project_then(outside, args):
    before = _hashes(ROOT / "seeds")
    res = cli(*args)
    assert res.code == 2, (args, res.output)
    assert "no stance project" in res.output and f"stance {args[0]}" in res.output and "--project" in res.output
    assert not list(outside.iterdir())
    assert _hashes(ROOT / "seeds") == before


def test_every_command_names_its_project_first(outside):
    assert cli("init", "p").code == 0
    res = cli("--project", outside / "p", "codebook", "--check", quiet=False)
    assert res.code == 0 and res.output.startswith(f"project: {outside / 'p'}")
    res = cli("--project", outside / "p", "label", "show", quiet=False)
    assert res.output.startswith(f"project: {outside / 'p'}")
    assert "project:" not in cli("--project", outside / "p", "codebook", "--check").output  # quiet mode
    res = cli("--project", outside / "nope", "corpus")
    assert res.code == 2 and "is not a stance project" in res.output


def test_an_empty_project_corpus_says_how_to_fill_it(outside):
    assert cli("init", "p").code == 0
    res = cli("--project", outside / "p", "corpus")
    assert res.code == 2 and "does not exist yet" in res.output and "stance label import" in res.output


def test_library_defaults_read_the_named_project_not_the_package(outside, monkeypatch):
    from stance.bench import generate_passages
    from stance.classifiers.profile import profile_data

    assert cli("init", "p").code == 0
    texts = [f"Officials spoke about taxes and jobs in town number {i}. The budget grew again." for i in range(6)]
    table = pd.DataFrame({"doc_id": [f"d{i}" for i in range(6)], "text": texts})
    table.to_csv(outside / "p" / "corpus" / "passages.csv", index=False, lineterminator="\n")
    monkeypatch.setenv("STANCE_PROJECT_DIR", str(outside / "p"))
    own = set(texts)
    assert ProjectPaths.discover().seeds == outside / "p" / "corpus" / "passages.csv"
    generated = generate_passages(4, seed=0)
    vocabulary = {w.strip(".") for t in texts for w in t.split()}
    assert all({w.strip(".") for w in t.split()} <= vocabulary for t in generated["text"])
    profiled, _ = profile_data()
    assert own <= set(profiled)
