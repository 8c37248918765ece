"""Corpus loading, cleaning, segmentation, stable ids, and one test per bad-input case."""

from __future__ import annotations

import csv
import hashlib
import json
import time
from pathlib import Path

import pandas as pd
import pytest

from stance.corpus import (
    StanceDataWarning,
    classify_passage,
    diff_passages,
    load_corpus,
    split_paragraphs,
    split_sentences,
    text_hash,
)
from stance.errors import StanceInputError

HEADER = [
    "id",
    "file",
    "outlet",
    "published",
    "date_evidence",
    "title",
    "author",
    "url",
    "language",
    "country",
    "kind",
    "sha256",
]
BODY = (
    "China and the US agreed to share intelligence.\n\n"
    "The ministry scheduled two new precursors as controlled substances.\n"
)


def make_corpus(
    folder: Path, docs: dict[str, tuple[str, str]] | None = None, extra_rows: list[dict] | None = None
) -> Path:
    """Write a corpus folder. ``docs`` maps id -> (file text, published)."""
    folder.mkdir(parents=True, exist_ok=True)
    docs = docs if docs is not None else {"a": (BODY, "2020-01-02"), "b": (BODY + "More text here.\n", "2021-03-04")}
    rows = []
    for doc_id, (text, published) in docs.items():
        (folder / f"{doc_id}.txt").write_text(text, encoding="utf-8")
        rows.append({"id": doc_id, "file": f"{doc_id}.txt", "outlet": "Outlet", "published": published})
    rows += extra_rows or []
    with (folder / "manifest.csv").open("w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=HEADER, lineterminator="\n")
        w.writeheader()
        for r in rows:
            w.writerow(r)
    return folder


# ------------------------------------------------------------------ seed corpus
def test_seed_files_are_byte_identical_to_manifest_hashes(root):
    rows = list(csv.DictReader((root / "seeds" / "manifest.csv").open(encoding="utf-8")))
    assert len(rows) == 5
    for row in rows:
        assert hashlib.sha256((root / "seeds" / row["file"]).read_bytes()).hexdigest() == row["sha256"]
        for col in HEADER:
            assert col in row


def test_seed_files_match_shared_originals(root):
    shared = root.parent / "shared" / "seeds"
    if not shared.is_dir():
        pytest.skip("shared/seeds is not beside this checkout")
    for f in sorted(shared.glob("*.txt")):
        assert (root / "seeds" / f.name).read_bytes() == f.read_bytes()


def test_seed_corpus_tables(seed_corpus):
    docs, passages = seed_corpus.documents, seed_corpus.passages
    assert list(docs["doc_id"]) == [
        "chinadaily-2017-11-04",
        "chinadaily-2022-10-01",
        "xinhua-2024-12-20",
        "cgtn-2025-01-19",
        "peoplesdaily-2025-05-03",
    ]
    assert pd.api.types.is_datetime64_any_dtype(docs["published"])
    assert passages["passage_id"].is_unique
    assert set(seed_corpus.sentences["passage_id"]) <= set(passages["passage_id"])
    # boilerplate is kept, with a reason, never deleted
    aside = passages[~passages["analysable"]]
    assert (aside["reason"] != "").all()
    assert {
        "cookie_banner",
        "language_menu",
        "licence_number",
        "hotline",
        "photo_caption",
        "byline",
        "dateline",
    } <= set(aside["reason"])
    assert (passages[passages["analysable"]]["reason"] == "").all()


def test_no_text_is_lost(seed_corpus, root):
    for doc in seed_corpus.documents.itertuples():
        raw = (root / "seeds" / doc.file).read_text(encoding="utf-8")
        joined = "".join(seed_corpus.passages.loc[seed_corpus.passages["doc_id"] == doc.doc_id, "text"])
        assert "".join(raw.split()) == "".join(joined.split())


def test_content_paragraph_with_byline_prefix_stays_analysable(seed_corpus):
    p = seed_corpus.passages
    row = p[p["text"].str.startswith("By Zhong Sheng")].iloc[0]
    assert row["analysable"]


def test_passage_ids_are_stable_and_content_addressed(seed_corpus):
    again = load_corpus(seed_corpus.source)
    assert list(again.passages["passage_id"]) == list(seed_corpus.passages["passage_id"])
    row = seed_corpus.passages.iloc[5]
    assert row["passage_id"] == f"{row['doc_id']}:p{row['para_index']:03d}:{row['text_hash'][:8]}"
    assert text_hash("a  b\n") == text_hash("a b")


def test_edit_reports_changed_ids(tmp_path):
    folder = make_corpus(tmp_path / "c")
    before = load_corpus(folder).passages
    (folder / "a.txt").write_text(BODY.replace("two new", "three new"), encoding="utf-8")
    after = load_corpus(folder).passages
    diff = diff_passages(before, after)
    assert diff.set_index("passage_id").loc[before["passage_id"].iloc[1], "status"] == "edited"
    assert (diff["status"] == "unchanged").sum() == len(before) - 1


def test_segmentation():
    assert split_paragraphs("One.\nTwo.\n\n\nThree.") == ["One.", "Two.", "Three."]
    wrapped = (
        "This is a long hard-wrapped paragraph that continues on the next\n"
        "line of the file without any sentence ending at the line end and\n"
        "keeps going for a third line of roughly the same width as the rest\n"
        "until it ends."
    )
    assert len(split_paragraphs(wrapped)) == 1
    assert split_sentences("BEIJING, Dec. 19 (Xinhua) -- It rained. The U.S. side agreed. See No. 5 here.") == [
        "BEIJING, Dec. 19 (Xinhua) -- It rained.",
        "The U.S. side agreed.",
        "See No. 5 here.",
    ]


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("By continuing to browse our site you agree to our use of cookies.", "cookie_banner"),
        ("CHOOSE YOUR LANGUAGE", "language_menu"),
        ("互联网新闻信息许可证10120180008", "licence_number"),
        ("Disinformation report hotline: 010-85061466", "hotline"),
        ("A man walks past a pharmacy in Ohio, U.S., March 3, 2024. /CFP", "photo_caption"),
        ("By Jane Doe", "byline"),
        ("Updated: Nov 4,2017 9:40 AM China Daily", "dateline"),
        ("China and the US agreed to share intelligence on fentanyl cases.", ""),
    ],
)
def test_boilerplate_rules(text, reason):
    assert classify_passage(text) == reason


def test_load_is_fast(root):
    start = time.perf_counter()
    load_corpus(root / "seeds")
    assert time.perf_counter() - start < 2.0


# ------------------------------------------------------------- tables as corpora
@pytest.mark.parametrize("fmt", ["csv", "jsonl", "parquet"])
def test_table_corpus(tmp_path, fmt):
    frame = pd.DataFrame(
        {
            "doc_id": ["x", "y"],
            "text": [BODY, BODY + "Extra."],
            "published": ["2020-01-01", "2021-01-01"],
            "outlet": ["A", "B"],
        }
    )
    path = tmp_path / f"c.{fmt}"
    if fmt == "csv":
        frame.to_csv(path, index=False)
    elif fmt == "jsonl":
        frame.to_json(path, orient="records", lines=True)
    else:
        frame.to_parquet(path)
    c = load_corpus(path)
    assert list(c.documents["doc_id"]) == ["x", "y"]
    assert len(c.passages) == 5


# -------------------------------------------------------------- bad input cases
def _error(path) -> StanceInputError:
    with pytest.raises(StanceInputError) as info:
        load_corpus(path)
    return info.value


def test_empty_file(tmp_path):
    folder = make_corpus(tmp_path / "c", {"a": ("  \n", "2020-01-01")})
    err = _error(folder)
    assert err.file.endswith("a.txt") and err.line == 1 and "empty" in str(err)


def test_non_utf8_file(tmp_path):
    folder = make_corpus(tmp_path / "c")
    (folder / "a.txt").write_bytes("line one\ncaf\xe9 au lait\n".encode("latin-1"))
    err = _error(folder)
    assert err.file.endswith("a.txt") and err.line == 2 and "UTF-8" in str(err)


def test_bom_is_accepted(tmp_path):
    folder = make_corpus(tmp_path / "c")
    (folder / "a.txt").write_bytes(b"\xef\xbb\xbf" + BODY.encode("utf-8"))
    c = load_corpus(folder)
    assert not c.passages["text"].iloc[0].startswith("\ufeff")


def test_file_missing_from_manifest(tmp_path):
    folder = make_corpus(tmp_path / "c")
    (folder / "stray.txt").write_text("An unlisted document.", encoding="utf-8")
    err = _error(folder)
    assert "stray.txt" in str(err) and err.file.endswith("manifest.csv") and err.field == "file"


def test_manifest_row_without_file(tmp_path):
    folder = make_corpus(tmp_path / "c", extra_rows=[{"id": "ghost", "file": "ghost.txt", "published": "2020-01-01"}])
    err = _error(folder)
    assert err.line == 4 and err.field == "file" and "ghost.txt" in str(err)


def test_unparseable_date(tmp_path):
    folder = make_corpus(tmp_path / "c", {"a": (BODY, "2020-01-02"), "b": (BODY, "03/04/2021")})
    err = _error(folder)
    assert err.line == 3 and err.field == "published" and "03/04/2021" in str(err)


def test_impossible_date(tmp_path):
    folder = make_corpus(tmp_path / "c", {"a": (BODY, "2020-02-31")})
    err = _error(folder)
    assert err.line == 2 and err.field == "published"


def test_duplicate_ids(tmp_path):
    folder = make_corpus(tmp_path / "c", extra_rows=[{"id": "a", "file": "b.txt", "published": "2020-01-01"}])
    err = _error(folder)
    assert err.line == 4 and err.field == "id" and "duplicate" in str(err)


def test_missing_manifest_column(tmp_path):
    folder = make_corpus(tmp_path / "c")
    (folder / "manifest.csv").write_text("id,file\na,a.txt\nb,b.txt\n", encoding="utf-8")
    err = _error(folder)
    assert err.field == "published" and err.line == 1


def test_missing_manifest(tmp_path):
    folder = tmp_path / "c"
    folder.mkdir()
    err = _error(folder)
    assert "manifest" in str(err)


def test_changed_file_warns(tmp_path):
    folder = make_corpus(tmp_path / "c", extra_rows=[])
    rows = list(csv.DictReader((folder / "manifest.csv").open(encoding="utf-8")))
    rows[0]["sha256"] = "0" * 64
    with (folder / "manifest.csv").open("w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=HEADER, lineterminator="\n")
        w.writeheader()
        w.writerows(rows)
    with pytest.warns(StanceDataWarning, match="line 2, field sha256"):
        load_corpus(folder)


def test_jsonl_bad_line(tmp_path):
    path = tmp_path / "c.jsonl"
    path.write_text(json.dumps({"doc_id": "a", "text": "x y z."}) + "\n{not json\n", encoding="utf-8")
    err = _error(path)
    assert err.line == 2


def test_table_duplicate_and_missing_text(tmp_path):
    path = tmp_path / "c.csv"
    path.write_text("doc_id,text\na,Some text.\na,Other text.\n", encoding="utf-8")
    err = _error(path)
    assert err.line == 3 and err.field == "doc_id"
    path.write_text("doc_id,text\na,\n", encoding="utf-8")
    err = _error(path)
    assert err.line == 2 and err.field == "text"


def test_scored_passages_keep_analysable_on_topic_and_unmarked():
    from stance.corpus import on_topic_mask, scored_passages

    table = pd.DataFrame(
        {
            "passage_id": ["a", "b", "c", "d"],
            "analysable": [True, True, False, True],
            "on_topic": [True, False, True, None],
        }
    )
    assert on_topic_mask(table).tolist() == [True, False, True, True]
    assert scored_passages(table)["passage_id"].tolist() == ["a", "d"]
    assert scored_passages(table.drop(columns="on_topic"))["passage_id"].tolist() == ["a", "b", "d"]
