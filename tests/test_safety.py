"""Nothing a user types destroys labels or inputs; every bad input gets a located message (issue 20).

Each case runs the command line in-process through its one error boundary, in a small project
the tests write themselves (a copy of the codebook, a two-document corpus, a label store), and
checks the message and that every input file is byte-identical afterwards (sha256), with no
temporary file left behind.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import stat
from pathlib import Path
from types import SimpleNamespace

import pytest
from typer.testing import CliRunner

from stance.cli import app
from stance.cli._boundary import run as boundary
from stance.errors import StanceInputError

ROOT = Path(__file__).resolve().parent.parent

DOC_A = (
    "Beijing and Washington agreed on Tuesday to set up a joint working group on fentanyl precursors.\n\n"
    "The two sides will share intelligence and coordinate law enforcement against trafficking networks.\n\n"
    "A foreign ministry spokesperson said the United States should stop blaming China for its drug crisis.\n"
)
DOC_B = (
    "The White House announced new tariffs, saying China had failed to stop the flow of precursors.\n\n"
    "Officials said overdose deaths remain high and blamed Chinese suppliers for the crisis.\n"
)
MANIFEST = (
    "id,file,outlet,published,title\n"
    "testdaily-2023-05-02,doc_a.txt,Test Daily,2023-05-02,Joint group\n"
    "testtimes-2024-02-10,doc_b.txt,Test Times,2024-02-10,Tariffs\n"
)


def _record(pid: str) -> dict:
    return {
        "passage_id": pid,
        "annotator": "gold",
        "frames": ["cooperation"],
        "stance": {"us_government": "NONE", "china_government": "FAVOR", "cooperation": "FAVOR"},
        "roles": {"china": "protagonist"},
        "timestamp": "2026-01-01T00:00:00Z",
    }


@pytest.fixture
def project(tmp_path, monkeypatch) -> Path:
    """A small project: codebook copy, a two-document corpus and a label store with two records."""
    import warnings

    from stance.codebook import Codebook
    from stance.corpus import load_corpus
    from stance.labels import LabelStore

    root = tmp_path / "proj"
    seeds = root / "seeds"
    seeds.mkdir(parents=True)
    (seeds / "doc_a.txt").write_text(DOC_A, encoding="utf-8")
    (seeds / "doc_b.txt").write_text(DOC_B, encoding="utf-8")
    (seeds / "manifest.csv").write_text(MANIFEST, encoding="utf-8")
    (root / "codebook").mkdir()
    shutil.copy(ROOT / "codebook" / "codebook.yaml", root / "codebook" / "codebook.yaml")
    monkeypatch.setenv("STANCE_PROJECT_DIR", str(root))
    monkeypatch.setenv("STANCE_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.chdir(root)
    cb = Codebook.load(root / "codebook" / "codebook.yaml")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        corpus = load_corpus(seeds)
    pids = list(corpus.passages["passage_id"])
    LabelStore(seeds / "labels.jsonl", codebook=cb).append([_record(p) for p in pids[:2]], corpus, cb)
    return root


def snapshot(root: Path) -> dict[str, str]:
    """sha256 of every file under ``root`` (temporary files included, so a leftover shows)."""
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest() for p in root.rglob("*") if p.is_file()
    }


def cli(*args: str) -> SimpleNamespace:
    """Run ``stance ARGS`` in-process through the error boundary; exit code and output."""
    with CliRunner().isolation(env={"COLUMNS": "200", "STANCE_QUIET": "1"}) as streams:
        code = boundary(app, [str(a) for a in args])
        output = streams[-1].getvalue().decode()
    return SimpleNamespace(code=code, output=" ".join(output.split()))


# ----------------------------------------------------------------------------- 1-3: protected outputs
PROTECTED = [
    pytest.param(
        ["label", "export", "-f", "jsonl", "--blank", "-o", "seeds/labels.jsonl"],
        "labels.jsonl",
        id="1-export-blank-over-store",
    ),
    pytest.param(
        ["label", "export", "-f", "jsonl", "-o", "seeds/labels.jsonl"], "labels.jsonl", id="1-export-over-store"
    ),
    pytest.param(
        ["labels", "export", "-f", "csv", "-o", "seeds/manifest.csv"], "manifest", id="1-export-over-manifest"
    ),
    pytest.param(["label", "export", "-f", "csv", "-o", "codebook/codebook.yaml"], ".csv", id="1-export-over-codebook"),
    pytest.param(["label", "export", "-f", "csv", "-o", "seeds/doc_a.txt"], ".csv", id="1-export-over-corpus-file"),
    pytest.param(["score", "-o", "seeds/labels.jsonl"], ".csv or .parquet", id="2-score-over-store"),
    pytest.param(["score", "-o", "seeds/manifest.csv"], "manifest", id="2-score-over-manifest"),
    pytest.param(["score", "-o", "scores.jsonl"], ".csv or .parquet", id="2-score-jsonl-suffix"),
    pytest.param(["label", "reliability", "-o", "seeds/manifest.csv"], "manifest", id="1-reliability-over-manifest"),
    pytest.param(
        ["label", "disagreements", "-o", "seeds/manifest.csv"], "manifest", id="1-disagreements-over-manifest"
    ),
]


@pytest.mark.parametrize(("argv", "expected"), PROTECTED)
def test_commands_refuse_to_overwrite_inputs(project, argv, expected):
    before = snapshot(project)
    result = cli(*argv)
    assert result.code == 2, result.output
    assert "error:" in result.output and expected in result.output
    assert argv[-1] in result.output  # names the path
    assert "Traceback" not in result.output
    assert snapshot(project) == before


def test_score_refuses_its_own_input_table(project, tmp_path):
    table = tmp_path / "in.parquet"
    import pandas as pd

    pd.DataFrame({"passage_id": ["a", "b"], "text": ["China blamed the US.", "They agreed."]}).to_parquet(table)
    before = table.read_bytes()
    result = cli("score", table, "-o", table, "--model", "lexicon")
    assert result.code == 2 and "is an input of this command" in result.output and "in.parquet" in result.output
    assert table.read_bytes() == before


def test_export_refuses_an_existing_file_of_another_kind(project, tmp_path):
    other = tmp_path / "someone-elses-store.jsonl"
    other.write_text(json.dumps({"passage_id": "x", "annotator": "a"}) + "\n", encoding="utf-8")
    before = other.read_bytes()
    result = cli("label", "export", "-f", "prodigy", "-o", other)
    assert result.code == 2 and "is a label store" in result.output
    assert other.read_bytes() == before


def test_export_says_when_it_replaces_its_own_kind(project, tmp_path):
    out = tmp_path / "tasks.csv"
    assert cli("label", "export", "-o", out).code == 0
    result = cli("label", "export", "-o", out)
    assert result.code == 0 and "replacing the earlier file" in result.output


# ----------------------------------------------------------------------------- 4: outside the corpus
def _escape(project: Path, how: str) -> str:
    secret = project.parent / "secret.txt"
    secret.write_text("Outside text that must not become a document.\n", encoding="utf-8")
    if how == "dotdot":
        return "../../secret.txt"
    if how == "absolute":
        return str(secret)
    (project / "seeds" / "link.txt").symlink_to(secret)
    return "link.txt"


@pytest.mark.parametrize("how", ["dotdot", "absolute", "symlink"])
def test_manifest_files_must_stay_inside_the_corpus(project, how):
    name = _escape(project, how)
    manifest = project / "seeds" / "manifest.csv"
    manifest.write_text(MANIFEST + f"evil-2024-01-01,{name},Evil,2024-01-01,Evil\n", encoding="utf-8")
    before = snapshot(project)
    result = cli("corpus")
    assert result.code == 2, result.output
    assert "manifest.csv, line 4, field file" in result.output
    assert "outside the corpus folder" in result.output and "allow_outside_corpus" in result.output
    assert snapshot(project) == before


def test_outside_files_are_read_when_the_setting_allows(project, monkeypatch):
    from stance.corpus import load_corpus

    name = _escape(project, "dotdot")
    (project / "seeds" / "manifest.csv").write_text(MANIFEST + f"ok-2024-01-01,{name},X,2024-01-01,X\n")
    monkeypatch.setenv("STANCE_ALLOW_OUTSIDE_CORPUS", "1")
    assert "ok-2024-01-01" in set(load_corpus(project / "seeds").documents["doc_id"])


# ----------------------------------------------------------------------------- 10: read-only and modes
@pytest.mark.skipif(os.name != "posix", reason="POSIX permissions")
def test_read_only_label_store_is_refused(project, tmp_path):
    store = project / "seeds" / "labels.jsonl"
    csv_in = tmp_path / "new.csv"
    assert cli("label", "export", "-o", csv_in).code == 0
    store.chmod(0o444)
    try:
        before = snapshot(project)
        result = cli("label", "import", csv_in, "--annotator", "coder_a")
        assert result.code == 2 and "read-only" in result.output and "labels.jsonl" in result.output
        assert snapshot(project) == before
        assert stat.S_IMODE(store.stat().st_mode) == 0o444
    finally:
        store.chmod(0o644)


@pytest.mark.skipif(os.name != "posix", reason="POSIX permissions")
def test_atomic_writer_keeps_mode_and_uses_umask(tmp_path):
    from stance.io import atomic_write

    old = os.umask(0o027)
    try:
        new = atomic_write(tmp_path / "new.txt", "a")
        assert stat.S_IMODE(new.stat().st_mode) == 0o640
        kept = tmp_path / "kept.txt"
        kept.write_text("x")
        kept.chmod(0o604)
        atomic_write(kept, "y")
        assert stat.S_IMODE(kept.stat().st_mode) == 0o604 and kept.read_text() == "y"
    finally:
        os.umask(old)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["kept.txt", "new.txt"]


# ----------------------------------------------------------------------------- 15: interrupts
@pytest.mark.parametrize("how", ["sigterm", "ctrl-c", "error"])
def test_atomic_writer_leaves_no_temporary_file(tmp_path, how):
    from stance.io import Interrupted, atomic_path

    target = tmp_path / "out.csv"
    target.write_text("old")
    expected = {"sigterm": Interrupted, "ctrl-c": KeyboardInterrupt, "error": RuntimeError}[how]
    with pytest.raises(expected), atomic_path(target) as tmp:
        tmp.write_text("half")
        if how == "sigterm":
            signal.raise_signal(signal.SIGTERM)  # to this thread: os.kill may reach another one first
        raise expected("stop")
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["out.csv"]


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_interrupted_command_says_so_and_leaves_nothing(project, tmp_path, monkeypatch, signum):
    from stance.labels import formats

    def interrupted(*args, **kwargs):
        signal.raise_signal(signum)  # to this thread: os.kill may reach another one first
        raise AssertionError("the signal should have interrupted the command")

    monkeypatch.setattr(formats, "_write_csv", interrupted)
    before = snapshot(project)
    result = cli("label", "export", "-o", tmp_path / "out.csv")
    assert result.code == 130 and "interrupted, nothing written" in result.output
    assert snapshot(project) == before
    assert not (tmp_path / "out.csv").exists()


# ----------------------------------------------------------------------------- the boundary itself
def test_unexpected_error_is_one_line_with_the_traceback_saved(project, monkeypatch, tmp_path):
    from stance.labels import formats

    def bug(*args, **kwargs):
        raise TypeError("unsupported operand")

    monkeypatch.setattr(formats, "_write_csv", bug)
    result = cli("label", "export", "-o", tmp_path / "out.csv")
    assert result.code == 1 and "internal error: TypeError: unsupported operand" in result.output
    assert "Traceback" not in result.output and "--debug" in result.output
    saved = Path(result.output.split("full traceback in ", 1)[1].split(";", 1)[0])
    assert "Traceback" in saved.read_text(encoding="utf-8") and "bug" in saved.read_text(encoding="utf-8")
    shown = cli("--debug", "label", "export", "-o", tmp_path / "out.csv")
    assert shown.code == 1 and "Traceback" in shown.output


def test_usage_errors_exit_2(project):
    result = cli("label", "export", "--no-such-option")
    assert result.code == 2 and "No such option" in result.output


def test_input_error_type_formats_file_line_field():
    err = StanceInputError("not a date", file="seeds/manifest.csv", line=3, field="published")
    assert str(err) == "seeds/manifest.csv, line 3, field published: not a date"


# ----------------------------------------------------------------------------- 5, 9, 11-13, 17: bad input files
def _passage_ids(project: Path) -> list[str]:
    import warnings

    from stance.corpus import load_corpus

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return list(load_corpus(project / "seeds").passages["passage_id"])


def _billion_laughs(project: Path, tmp: Path) -> list:
    lines = ["name: laughs", 'a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]" for i in range(1, 10)]
    (project / "codebook" / "codebook.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return ["codebook", "--check"]


def _huge_codebook(project: Path, tmp: Path) -> list:
    path = project / "codebook" / "codebook.yaml"
    path.write_text(path.read_text(encoding="utf-8") + ("# padding\n" * 600_000), encoding="utf-8")
    return ["codebook", "--check"]


def _big_manifest_cell(project: Path, tmp: Path) -> list:
    path = project / "seeds" / "manifest.csv"
    path.write_text(MANIFEST + f"big-2024-01-01,doc_b.txt,X,2024-01-01,{'x' * 140_000}\n", encoding="utf-8")
    return ["corpus"]


def _big_label_cell(project: Path, tmp: Path) -> list:
    pid = _passage_ids(project)[0]
    (tmp / "big.csv").write_text(f'passage_id,annotator,frames\n{pid},a,"{"x" * 140_000}"\n', encoding="utf-8")
    return ["label", "import", tmp / "big.csv", "-a", "coder_a"]


def _deep_json(project: Path, tmp: Path) -> list:
    (tmp / "deep.jsonl").write_text("[" * 200_000 + "]" * 200_000 + "\n", encoding="utf-8")
    return ["label", "import", tmp / "deep.jsonl", "-a", "coder_a"]


def _deep_json_table(project: Path, tmp: Path) -> list:
    (tmp / "deep.jsonl").write_text('{"text": "a", "x": ' + "[" * 200_000 + "]" * 200_000 + "}\n", encoding="utf-8")
    return ["score", tmp / "deep.jsonl", "-o", tmp / "out.parquet", "--model", "lexicon"]


def _damaged_parquet(project: Path, tmp: Path) -> list:
    import pandas as pd

    path = tmp / "corpus.parquet"
    pd.DataFrame({"doc_id": ["a"], "text": ["Some text."]}).to_parquet(path)
    blob = bytearray(path.read_bytes())
    blob[-12:-8] = b"\xff\xff\xff\x7f"  # the footer length: the header cannot be read
    path.write_bytes(bytes(blob))
    return ["corpus", path]


def _cut_short_row(project: Path, tmp: Path) -> list:
    out = tmp / "tasks.csv"
    assert cli("label", "export", "-o", out).code == 0
    lines = out.read_text(encoding="utf-8").splitlines()
    lines[2] = ",".join(lines[2].split(",")[:5])
    out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return ["label", "import", out, "-a", "coder_a"]


def _stale_hash(project: Path, tmp: Path) -> list:
    import warnings

    from stance.corpus import load_corpus

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        p = load_corpus(project / "seeds").passages.iloc[0]
    rec = _record(p["passage_id"]) | {"annotator": "coder_a", "text": p["text"], "text_hash": "0" * 16}
    (tmp / "stale.jsonl").write_text(json.dumps(rec) + "\n", encoding="utf-8")
    return ["label", "import", tmp / "stale.jsonl"]


def _prodigy_cats(project: Path, tmp: Path) -> list:
    pid = _passage_ids(project)[0]
    row = {"text": "x", "meta": {"passage_id": pid}, "cats": {"cooperation": "yes please"}}
    (tmp / "cats.jsonl").write_text(json.dumps(row) + "\n", encoding="utf-8")
    return ["label", "import", tmp / "cats.jsonl", "-a", "coder_a", "-f", "prodigy"]


def _nul_bytes(project: Path, tmp: Path) -> list:
    (project / "seeds" / "doc_b.txt").write_bytes(b"First paragraph.\n\nSecond \x00 paragraph.\n")
    return ["corpus"]


BAD_INPUT = [
    pytest.param(_billion_laughs, ["codebook.yaml", "aliases expand to more than"], id="5-billion-laughs"),
    pytest.param(_huge_codebook, ["codebook.yaml", "bytes, more than"], id="5-oversized-codebook"),
    pytest.param(_big_manifest_cell, ["manifest.csv, line 4", "longer than 131,072"], id="9-manifest-cell"),
    pytest.param(_big_label_cell, ["big.csv, line 2", "longer than 131,072"], id="9-label-csv-cell"),
    pytest.param(_deep_json, ["deep.jsonl, line 1", "nested too deeply"], id="9-deep-json-import"),
    pytest.param(_deep_json_table, ["deep.jsonl, line 1", "nested too deeply"], id="9-deep-json-score"),
    pytest.param(_damaged_parquet, ["corpus.parquet", "not a readable Parquet file"], id="9-damaged-parquet"),
    pytest.param(_cut_short_row, ["tasks.csv, line 3", "cut short", "5 of the header's"], id="11-cut-short-row"),
    pytest.param(_stale_hash, ["stale.jsonl, line 1", "no re-anchoring is needed"], id="12-stale-hash-same-id"),
    pytest.param(_prodigy_cats, ["cats.jsonl, line 1", "field cats.cooperation", "'yes please'"], id="13-cats"),
    pytest.param(_nul_bytes, ["doc_b.txt, line 3", "NUL byte"], id="17-nul-bytes"),
]


@pytest.mark.parametrize(("make", "expected"), BAD_INPUT)
def test_bad_input_gets_a_located_message(project, tmp_path, make, expected):
    argv = make(project, tmp_path)
    before = snapshot(project)
    result = cli(*argv)
    assert result.code == 2, result.output
    assert "error:" in result.output and "Traceback" not in result.output
    for part in expected:
        assert part in result.output
    assert snapshot(project) == before


def test_stale_hint_never_maps_an_id_to_itself(project, tmp_path):
    argv = _stale_hash(project, tmp_path)
    pid = _passage_ids(project)[0]
    result = cli(*argv)
    assert f"--map {pid}={pid}" not in result.output and "similarity 1.00" in result.output


def test_oversized_passage_is_named_in_a_warning(project):
    (project / "seeds" / "doc_b.txt").write_text(" ".join(["word"] * 6000) + ".\n", encoding="utf-8")
    before = snapshot(project)
    result = cli("corpus")
    assert result.code == 0, result.output
    assert "doc_b.txt, paragraph 1: passage testtimes-2024-02-10:p000:" in result.output
    assert "has 6,000 words" in result.output
    assert snapshot(project) == before


def test_codebook_line_index_does_not_expand_aliases(tmp_path):
    from stance.codebook import Codebook

    path = tmp_path / "codebook.yaml"
    shutil.copy(ROOT / "codebook" / "codebook.yaml", path)
    assert Codebook.load(path).hash == Codebook.load(ROOT / "codebook" / "codebook.yaml").hash


# ----------------------------------------------------------------------------- 6, 7, 14, 18: models
@pytest.fixture
def trained(project) -> Path:
    """The project with a TF-IDF default model of the frames task (trained on the codebook examples)."""
    from stance import models as store
    from stance.classifiers import make_classifier, provenance_record
    from stance.codebook import Codebook
    from stance.evaluation.data import codebook_examples

    cb = Codebook.load(project / "codebook" / "codebook.yaml")
    X, y = codebook_examples(cb, "frames")
    model = make_classifier("tfidf", "frames", cb).fit(X, y)
    provenance = provenance_record(codebook=cb, task="frames")
    return store.save_version("frames", model, project / "models", make_default=True, provenance=provenance)


def _truncated_arrays(folder: Path, project: Path) -> None:
    path = folder / "arrays.safetensors"
    path.write_bytes(path.read_bytes()[:100])


def _foreign_arrays(folder: Path, project: Path) -> None:
    import numpy as np
    from safetensors.numpy import save_file

    save_file({"other.weight": np.zeros(3, dtype=np.float32)}, str(folder / "arrays.safetensors"))


def _missing_version(folder: Path, project: Path) -> None:
    (folder.parent / "DEFAULT").write_text("v099\n", encoding="utf-8")


def _renamed_frame(folder: Path, project: Path) -> None:
    import yaml

    path = project / "codebook" / "codebook.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    for frame in data["frames"]:
        if frame["name"] == "blame":
            frame["name"] = "blaming"
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")


MODEL_CASES = [
    pytest.param(_truncated_arrays, ["arrays.safetensors", "truncated or damaged"], id="6-truncated-arrays"),
    pytest.param(
        _foreign_arrays, ["arrays.safetensors", "has no array 'tfidf.idf'", "another model"], id="6-foreign-arrays"
    ),
    pytest.param(_missing_version, ["DEFAULT names version 'v099'", "versions present: v001"], id="14-default-missing"),
    pytest.param(_renamed_frame, ["label(s) 'blame'", "has 'blaming' instead", "stance train --force"], id="18-rename"),
]


@pytest.mark.parametrize(("damage", "expected"), MODEL_CASES)
@pytest.mark.parametrize("mode", ["corpus", "table"])
def test_damaged_or_stale_models_are_named(trained, tmp_path, damage, expected, mode):
    project = trained.parents[2]
    damage(trained, project)
    table = tmp_path / "in.csv"
    table.write_text("passage_id,text\na,China and the US agreed to cooperate.\n", encoding="utf-8")
    argv = ["score", "--task", "frames"] if mode == "corpus" else ["score", table, "--task", "frames"]
    before = snapshot(project)
    result = cli(*argv, "-o", tmp_path / "out.parquet")
    assert result.code == 2, result.output
    assert "Traceback" not in result.output and "internal error" not in result.output
    for part in expected:
        assert part in result.output
    assert snapshot(project) == before
    assert not (tmp_path / "out.parquet").exists()


@pytest.mark.parametrize(
    "argv",
    [
        ["train", "-t", "stance:martians"],
        ["score", "--task", "stance:martians"],
        ["evaluate", "-t", "stance:martians"],
        ["finetune", "-t", "stance:martians"],
    ],
    ids=["7-train", "7-score", "7-evaluate", "7-finetune"],
)
def test_unknown_task_is_named_with_the_known_ones(project, argv):
    before = snapshot(project)
    result = cli(*argv)
    assert result.code == 2, result.output
    assert "unknown task 'stance:martians'" in result.output and "stance:cooperation" in result.output
    assert "stance train`" not in result.output  # not told to train a task that cannot exist
    assert snapshot(project) == before


def test_changed_definition_warns_in_one_line(trained, tmp_path):
    import yaml

    project = trained.parents[2]
    path = project / "codebook" / "codebook.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["frames"][1]["definition"] += " (revised)"
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")
    result = cli("score", "--task", "frames", "-o", tmp_path / "out.csv")
    assert result.code == 0, result.output
    assert "warning: the model at" in result.output and "changed labels: blame" in result.output
    assert "CodebookChangedWarning" not in result.output and "warnings.warn" not in result.output


# ----------------------------------------------------------------------------- 8: unreachable scheduler
def test_unreachable_dask_scheduler_is_named(project, tmp_path, monkeypatch):
    pytest.importorskip("distributed")
    from stance import scoring

    monkeypatch.setattr(scoring, "SCHEDULER_TIMEOUT", 0.5)
    table = tmp_path / "in.csv"
    table.write_text("passage_id,text\na,China and the US agreed to cooperate.\n", encoding="utf-8")
    argv = ["score", table, "-o", tmp_path / "out.parquet", "--model", "lexicon", "--engine", "dask"]
    result = cli(*argv, "--scheduler", "tcp://127.0.0.1:1")
    assert result.code == 2, result.output
    assert "field --scheduler: no Dask scheduler answered at tcp://127.0.0.1:1 within 0.5 s" in result.output
    assert "Traceback" not in result.output and not (tmp_path / "out.parquet").exists()


# ----------------------------------------------------------------------------- 15: SIGTERM during stance score
def test_sigterm_during_score_leaves_no_temporary_file(project, tmp_path, monkeypatch):
    from stance import scoring

    table = tmp_path / "in.csv"
    table.write_text("passage_id,text\n" + "".join(f"p{i},China and the US agreed {i}.\n" for i in range(50)))
    real = scoring.read_part
    calls = []

    def read_then_term(*args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            signal.raise_signal(signal.SIGTERM)  # to this thread: os.kill may reach another one first
        return real(*args, **kwargs)

    monkeypatch.setattr(scoring, "read_part", read_then_term)
    out = tmp_path / "out.parquet"
    result = cli("score", table, "-o", out, "--model", "lexicon", "--chunksize", "10")
    assert result.code == 130 and "interrupted, nothing written" in result.output
    assert sorted(p.name for p in tmp_path.iterdir() if p.name != "cache") == ["in.csv", "proj"]  # caches may fill


# ----------------------------------------------------------------------------- 16: figures without the label store
def test_figures_without_label_store_say_which_are_drawn_without_gold(project, tmp_path):
    from stance import analysis
    from stance import models as store
    from stance.classifiers import make_classifier
    from stance.codebook import Codebook
    from stance.evaluation.data import codebook_examples

    cb = Codebook.load(project / "codebook" / "codebook.yaml")
    for task in analysis.scored_tasks(cb):
        X, y = codebook_examples(cb, task)
        store.save_version(task, make_classifier("lexicon", task, cb).fit(X, y), project / "models", make_default=True)
    (project / "seeds" / "labels.jsonl").unlink()
    before = snapshot(project)
    out = tmp_path / "figs"
    result = cli("figures", "--only", "frame-document-heatmap", "--no-train", "--out", out)
    assert result.code == 0, result.output
    assert "no label store at" in result.output and "labels.jsonl" in result.output
    assert "drawn without gold labels (no label store): frame-document-heatmap" in result.output
    caption = (out / "frame-document-heatmap.svg").read_text(encoding="utf-8")
    assert "no label store" in caption
    assert snapshot(project) == before
