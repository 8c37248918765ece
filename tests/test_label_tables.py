"""`stance label import --text-column`: labels from any table, new passages added to the table corpus."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from stance.labels import LabelStore
from stance.paths import ProjectPaths
from tests.test_project import _hashes, cli

ROWS = [
    ("Taxes will rise to pay for the new stadium.", "1"),
    ("It is wrong to leave the poor without shelter.", "morality"),
    ("The meeting started at noon.", ""),
    ("Hospitals filled up as the virus spread.", "health_safety"),
    ("Jobs and budgets; and a duty to the poor.", "1;morality"),
]


def _write_csv(path: Path, rows, header=("sentence", "label"), sep=",") -> Path:
    pd.DataFrame(rows, columns=list(header)).to_csv(path, index=False, sep=sep, lineterminator="\n")
    return path


@pytest.fixture
def project(tmp_path, monkeypatch):
    monkeypatch.delenv("STANCE_PROJECT_DIR", raising=False)
    monkeypatch.chdir(tmp_path)
    assert cli("init", "p").code == 0
    monkeypatch.chdir(tmp_path / "p")
    return tmp_path / "p"


IMPORT = ["label", "import", "../t.csv", "--text-column", "sentence", "--label-column", "label", "-a", "gold"]
OPTS = ["--map", "1=economic", "--none", ""]


def test_a_sentence_label_table_imports_with_new_passages_and_explicit_no_frame(project):
    _write_csv(project.parent / "t.csv", ROWS)
    res = cli(*IMPORT, *OPTS)
    assert res.code == 0, res.output
    assert "added 5 new passage(s)" in res.output and "added 5, changed 0, unchanged 0" in res.output
    paths = ProjectPaths.discover(project)
    table = pd.read_csv(paths.corpora[0])
    assert list(table.columns) == ["doc_id", "text"] and len(table) == 5
    gold = LabelStore(paths.labels).resolved("gold")
    assert len(gold) == 5
    by_text = dict(zip(table["doc_id"], table["text"], strict=True))
    frames = {by_text[d]: sorted(f or []) for d, f in zip(gold["doc_id"], gold["frames"], strict=True)}
    assert frames[ROWS[0][0]] == ["economic"]
    assert frames[ROWS[4][0]] == ["economic", "morality"]
    none_row = gold[gold["doc_id"].map(by_text) == ROWS[2][0]].iloc[0]
    assert none_row["frames"] == [] and not any(none_row[f"frame:{f}"] for f in ("economic", "morality"))
    # the same table again: nothing new, the corpus table byte for byte the same
    before = _hashes(project)
    res = cli(*IMPORT, *OPTS)
    assert res.code == 0 and "added 0, changed 0, unchanged 5" in res.output and "new passage" not in res.output
    assert _hashes(project) == before


def test_texts_already_in_the_corpus_are_matched_by_hash(project):
    _write_csv(project.parent / "t.csv", ROWS[:2])
    assert cli(*IMPORT, *OPTS).code == 0
    # same text with other white space, and one new text; JSONL this time
    lines = [
        {"sentence": "  Taxes will rise to pay\nfor the new stadium. ", "label": "economic"},
        {"sentence": "Soldiers guarded the border.", "label": "none"},
    ]
    (project.parent / "t2.jsonl").write_text("".join(json.dumps(r) + "\n" for r in lines), encoding="utf-8")
    res = cli("label", "import", "../t2.jsonl", "--text-column", "sentence", "--label-column", "label", "-a", "gold")
    assert res.code == 0, res.output
    assert "added 1 new passage(s)" in res.output and "unchanged 1" in res.output
    assert len(pd.read_csv(project / "corpus" / "passages.csv")) == 3


def test_a_bad_row_names_file_line_and_column_and_writes_nothing(project):
    _write_csv(project.parent / "t.csv", ROWS[:2])
    assert cli(*IMPORT, *OPTS).code == 0
    before = _hashes(project)
    bad = [*ROWS, ("Another sentence.", "economy")]
    _write_csv(project.parent / "t.csv", bad)
    res = cli(*IMPORT, *OPTS)
    assert res.code == 2
    assert "t.csv, line 7, field label" in res.output and "'economy'" in res.output and "did you mean" in res.output
    assert _hashes(project) == before
    # an empty label cell without --none '' is an error, not a silent skip
    _write_csv(project.parent / "t.csv", ROWS)
    res = cli(*IMPORT, "--map", "1=economic")
    assert res.code == 2 and "line 4, field label" in res.output and "--none ''" in res.output
    assert _hashes(project) == before


def test_one_column_per_frame_tsv_and_ids(project):
    rows = [("a1", "Budgets were cut again.", "1", "0"), ("a2", "Nothing to see here today.", "0", "0")]
    _write_csv(project.parent / "t.tsv", rows, header=("id", "text", "economic", "moral"), sep="\t")
    args = ["label", "import", "../t.tsv", "--text-column", "text", "--id-column", "id", "-a", "coder_a"]
    res = cli(*args, "--label-columns", "economic,moral")
    assert res.code == 2 and "column 'moral' names no frame" in res.output and "--map moral=FRAME" in res.output
    res = cli(*args, "--label-columns", "economic,moral", "--map", "moral=morality")
    assert res.code == 0, res.output
    table = pd.read_csv(project / "corpus" / "passages.csv")
    assert list(table["doc_id"]) == ["a1", "a2"]
    res = LabelStore(project / "labels" / "labels.jsonl").resolved("coder_a")
    assert res.set_index("doc_id").loc["a1", "frame:economic"] == True  # noqa: E712
    assert pd.isna(res.set_index("doc_id").loc["a1", "frame:health_safety"])  # not decided by this table


def test_parquet_tables_and_option_checks(project):
    pd.DataFrame({"sentence": [r[0] for r in ROWS[:2]], "label": ["economic", "morality"]}).to_parquet(
        project.parent / "t.parquet"
    )
    res = cli("label", "import", "../t.parquet", "--text-column", "sentence", "--label-column", "label", "-a", "gold")
    assert res.code == 0 and "added 2, changed 0" in res.output, res.output
    res = cli("label", "import", "../t.parquet", "--label-column", "label", "-a", "gold")
    assert res.code == 2 and "--text-column" in res.output
    res = cli("label", "import", "../t.parquet", "--text-column", "sentence", "--label-column", "label")
    assert res.code == 2 and "--annotator" in res.output


def test_a_store_of_another_project_is_read_under_this_projects_codebook_with_a_warning(project):
    from stance.labels.store import CodebookMismatchWarning
    from stance.project import init_project

    other = project.parent / "other"
    init_project(other, Path(__file__).resolve().parent.parent / "examples" / "gvfc" / "codebook.yaml")
    with pytest.warns(CodebookMismatchWarning, match="differs from this project's"):
        codebook = LabelStore(other / "labels" / "labels.jsonl").codebook
    assert codebook.path == project / "codebook" / "codebook.yaml"
    assert LabelStore(project / "labels" / "labels.jsonl").codebook.path == codebook.path  # its own: no warning


def test_a_first_and_a_second_label_column_combine(project):
    rows = [("Budgets and duty to the poor.", "1", "3"), ("Hospitals were full.", "2", ""), ("A quiet day.", "0", "")]
    _write_csv(project.parent / "t.csv", rows, header=("headline", "frame1", "frame2"))
    args = ["label", "import", "../t.csv", "--text-column", "headline", "-a", "gold"]
    maps = ["--map", "1=economic", "--map", "2=health_safety", "--map", "3=morality", "--none", "0"]
    res = cli(*args, "--label-column", "frame1", "--label-column", "frame2", *maps[:-2])
    assert res.code == 2 and "line 4, field frame1" in res.output and "'0'" in res.output
    res = cli(*args, "--label-column", "frame1", "--label-column", "frame2", *maps)
    assert res.code == 0, res.output
    gold = LabelStore(project / "labels" / "labels.jsonl").resolved("gold")
    assert sorted(sorted(f) for f in gold["frames"]) == [[], ["economic", "morality"], ["health_safety"]]


def test_document_columns_give_new_passages_dates_and_outlets(project):
    rows = [("Taxes rose again.", "economic", "2024-03-01", "Daily"), ("A quiet day.", "none", "2024-05-02", "Post")]
    _write_csv(project.parent / "t.csv", rows, header=("sentence", "label", "date", "outlet"))
    args = ["label", "import", "../t.csv", "--text-column", "sentence", "--label-column", "label", "-a", "gold"]
    res = cli(*args, "--document-column", "date=publishd")
    assert res.code == 2 and "did you mean 'published'" in res.output
    _write_csv(
        project.parent / "t.csv",
        [*rows, ("Later.", "none", "May 2024", "Post")],
        header=("sentence", "label", "date", "outlet"),
    )
    res = cli(*args, "--document-column", "date=published")
    assert res.code == 2 and "line 4, field date" in res.output and "YYYY-MM-DD" in res.output
    _write_csv(project.parent / "t.csv", rows, header=("sentence", "label", "date", "outlet"))
    res = cli(*args, "--document-column", "date=published", "--document-column", "outlet")
    assert res.code == 0, res.output
    from stance.corpus import load_project_corpus

    docs = load_project_corpus(ProjectPaths.discover(project)).documents
    assert sorted(docs["outlet"]) == ["Daily", "Post"] and docs["published"].notna().all()


def test_figures_skip_what_a_codebook_or_corpus_lacks(project):
    from stance.figures import available

    stance_figures = [n for n, spec in available().items() if "stance" in n and n != "stance-by-document"]
    assert stance_figures and all("stance" in available()[n].needs for n in stance_figures)
    assert all("dates" in spec.needs for n, spec in available().items() if "over-time" in n)
