"""docs/own-project.md, end to end: the walk-through's commands, run as written, on a table this test writes."""

from __future__ import annotations

import csv
import random
import re
import shlex
import time
from pathlib import Path

import pandas as pd
import pytest

from stance.project import template_codebook
from tests.test_project import cli

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "own-project.md"

TOPICS = {
    "economic": ["taxes", "the budget", "jobs", "prices", "trade", "the deficit", "wages"],
    "health_safety": ["hospitals", "the outbreak", "injuries", "patients", "overdoses", "vaccines"],
    "morality": ["our duty", "conscience", "shared values", "what is right", "a moral failure"],
    "": ["the weather", "the schedule", "the venue", "the parade", "the ceremony", "the traffic"],
}
OPENINGS = ["The council discussed", "Critics pointed to", "Officials spoke about", "A report described"]
ENDINGS = ["on Monday.", "in a long statement.", "after the vote.", "during the meeting."]


def walk_through() -> list[str]:
    """The commands of the walk-through block of docs/own-project.md, in order."""
    text = DOC.read_text(encoding="utf-8")
    block = re.search(r"<!-- walk-through.*?```bash\n(.*?)```", text, re.S)
    assert block, "docs/own-project.md has no walk-through block"
    return [line.strip() for line in block.group(1).splitlines() if line.strip() and not line.startswith("#")]


def write_inputs(folder: Path, n: int = 48) -> None:
    """A codebook (the template, renamed) and a `sentence,label` table with an empty label for 'no frame'."""
    (folder / "my-frames.yaml").write_text(template_codebook().replace("my-codebook", "my-frames"), encoding="utf-8")
    rng = random.Random(7)
    labels = list(TOPICS)
    with (folder / "sentences.csv").open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["sentence", "label"])
        for i in range(n):
            label = labels[i % len(labels)]
            words = f"{rng.choice(OPENINGS)} {rng.choice(TOPICS[label])} {rng.choice(ENDINGS)} ({i})"
            writer.writerow([words, label])


@pytest.mark.slow
def test_the_walk_through_runs_as_documented(tmp_path, monkeypatch):
    monkeypatch.delenv("STANCE_PROJECT_DIR", raising=False)
    monkeypatch.chdir(tmp_path)
    write_inputs(tmp_path)
    commands = walk_through()
    assert sum(c.startswith("stance ") for c in commands) <= 6
    seconds = {}
    for command in commands:
        args = shlex.split(command)
        if args[0] == "cd":
            monkeypatch.chdir(Path.cwd() / args[1])
            continue
        start = time.perf_counter()
        res = cli(*args[1:])
        seconds[args[1]] = time.perf_counter() - start
        assert res.code == 0, (command, res.output)
    project = tmp_path / "frames-project"
    assert (project / "codebook" / "codebook.yaml").read_bytes() == (tmp_path / "my-frames.yaml").read_bytes()
    passages = pd.read_csv(project / "corpus" / "passages.csv")
    assert len(passages) == 48
    comparison = pd.read_csv(project / "models" / "evaluation" / "comparison.csv")
    best = comparison.sort_values("rank").iloc[0]
    assert set(comparison["model"]) == {"tfidf", "lexicon"}
    assert best["score"] > 0.6  # the table's frames are carried by distinct words: a working model separates them
    card = next((project / "models" / "frames").glob("v*/MODEL_CARD.md")).read_text(encoding="utf-8")
    assert "Assigning this codebook's frames to passages of the project's own corpus" in card
    scores = pd.read_parquet(project / "scores.parquet")
    assert len(scores) == 48
    figures = {p.name for p in (project / "figures").iterdir()}
    assert {"frame-document-heatmap.png", "model-comparison.png", "passage-scores.csv"} <= figures
    assert "frames-over-time.png" not in figures  # no dates: skipped, not failed
    print({k: round(v, 1) for k, v in seconds.items()})
