"""``stance label`` command line: show, reliability, disagreements, adjudicate, import, export, reanchor.

``stance labels`` is the deprecated name of the same group. Commands run through the CLI's error boundary.
"""

from __future__ import annotations

import json
from types import SimpleNamespace

import pytest
from support.labels import full
from typer.testing import CliRunner

from stance.cli import app as root
from stance.cli._boundary import run as boundary

runner = CliRunner()


def run(*args: str):
    with runner.isolation(env={"COLUMNS": "200", "STANCE_QUIET": "1"}) as streams:
        code = boundary(root, list(args))
        output = streams[-1].getvalue().decode()
    return SimpleNamespace(exit_code=code, output=output)


@pytest.mark.parametrize(
    "command",
    [
        [],
        ["show"],
        ["history"],
        ["reliability"],
        ["disagreements"],
        ["adjudicate"],
        ["export"],
        ["import"],
        ["reanchor"],
    ],
)
def test_every_command_has_help(command):
    result = run("labels", *command, "--help")
    assert result.exit_code == 0 and "Usage" in result.output
    assert len(result.output.split("Usage", 1)[1].strip()) > 40
    for sub in ("import", "export", "reanchor"):
        assert run("label", sub, "--help").exit_code == 0


def test_labels_without_subcommand_shows_counts(store, lcorpus, codebook, pids):
    store.append([full(p) for p in pids[:3]], lcorpus, codebook)
    result = run("labels")
    assert result.exit_code == 0, result.output
    assert "positives per label" in result.output and "per document" in result.output
    assert "cooperation" in result.output and "testdaily-2023-05-02" in result.output
    assert "fewer than 5 positives" in result.output  # rare labels are flagged
    assert run("labels", "show", "--annotator", "gold").output == result.output


def test_show_without_a_store_explains(project):
    result = run("labels")
    assert result.exit_code == 2 and "no label store" in result.output


def test_import_export_round_trip_on_the_command_line(project, store, lcorpus, codebook, pids, tmp_path):
    store.append([full(p) for p in pids[:2]], lcorpus, codebook)
    out = tmp_path / "tasks.json"
    result = run("labels", "export", "--format", "labelstudio", "--out", str(out), "--labelled")
    assert result.exit_code == 0 and "wrote 2 passage(s) (2 with labels)" in result.output
    assert (tmp_path / "tasks.xml").is_file()
    result = run("label", "import", str(out), "--annotator", "coder_a")
    assert result.exit_code == 0 and "added 2, changed 0, unchanged 0" in result.output
    result = run("labels", "import", str(out), "--annotator", "coder_a")
    assert "added 0, changed 0, unchanged 2" in result.output and "nothing was written" in result.output
    tasks = json.loads(out.read_text(encoding="utf-8"))
    tasks[0]["annotations"][0]["result"][0]["value"]["choices"] = ["blame"]
    out.write_text(json.dumps(tasks), encoding="utf-8")
    result = run("labels", "import", str(out), "--annotator", "coder_a")
    assert "changed 1" in result.output and "frame:blame: False -> True" in result.output
    result = run("labels", "history", pids[0], "--annotator", "coder_a")
    assert result.exit_code == 0 and result.output.count("coder_a") >= 2
    sample = tmp_path / "sample.csv"
    result = run("labels", "export", "--format", "csv", "--out", str(sample), "--n", "3", "--blank")
    assert result.exit_code == 0 and len(sample.read_text(encoding="utf-8").splitlines()) == 4
    ids = tmp_path / "ids.jsonl"
    run("labels", "export", "--format", "prodigy", "--out", str(ids), "--ids", f"{pids[0]},{pids[3]}")
    assert len(ids.read_text(encoding="utf-8").splitlines()) == 2


def test_bad_import_fails_cleanly(project, store, lcorpus, codebook, pids, tmp_path):
    store.append([full(pids[0])], lcorpus, codebook)
    before = store.path.read_bytes()
    bad = tmp_path / "bad.csv"
    bad.write_text(f"passage_id,frames\n{pids[1]},cooperation\n{pids[2]},blam\n", encoding="utf-8")
    result = run("labels", "import", str(bad), "--annotator", "coder_a")
    assert result.exit_code == 2
    assert "bad.csv, line 3, field frames" in result.output and "did you mean 'blame'?" in result.output
    assert store.path.read_bytes() == before


def test_reliability_disagreements_and_adjudication(project, store, lcorpus, codebook, pids, tmp_path):
    store.append(
        [
            full(pids[0], "coder_a"),
            full(pids[0], "coder_b", frames=["cooperation", "goodwill"]),
            full(pids[1], "coder_a", rationale={}),
            full(pids[1], "coder_b", rationale={}),
        ],
        lcorpus,
        codebook,
    )
    result = run("labels", "reliability", "--out", str(tmp_path / "rel.csv"))
    assert result.exit_code == 0 and "coder_a (a) vs coder_b (b)" in result.output
    assert (tmp_path / "rel.csv").read_text(encoding="utf-8").startswith("task,label,n_units,alpha")
    dis = tmp_path / "dis.csv"
    result = run("labels", "disagreements", "--out", str(dis))
    assert result.exit_code == 0 and "1 disagreement(s)" in result.output and "frames:goodwill" in result.output
    import pandas as pd

    table = pd.read_csv(dis, keep_default_na=False)
    table["decision"] = "false"
    table["reason"] = "no humanitarian motive is claimed"
    table.to_csv(dis, index=False)
    result = run("labels", "adjudicate", str(dis))
    assert result.exit_code == 0 and "added 2" in result.output
    assert store.resolved("gold").set_index("passage_id").loc[pids[0], "frames"] == ["cooperation"]
    result = run("labels", "reliability", "--coders", "coder_a")
    assert result.exit_code == 2 and "two names" in result.output


def test_reanchor_command(project, store, lcorpus, codebook, pids):
    store.append([full(pids[4], rationale={})], lcorpus, codebook)
    doc = project / "seeds" / "doc_b.txt"
    doc.write_text(
        "A new first paragraph was added to this report.\n\n" + doc.read_text(encoding="utf-8"), encoding="utf-8"
    )
    result = run("labels", "reanchor", "--dry-run")
    assert result.exit_code == 0 and "moved" in result.output and "would add 1" in result.output
    result = run("labels", "reanchor")
    assert "added 1" in result.output
    assert store.resolved().iloc[0]["passage_id"].startswith("testtimes-2024-02-10:p001:")
