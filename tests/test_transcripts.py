"""Markdown ingest, transcript speakers, transcript markers and the topic rule."""

from __future__ import annotations

import hashlib
import warnings
from pathlib import Path

import pandas as pd
import pytest

from stance.corpus import StanceDataWarning, concat_corpora, load_corpus, load_project_corpus
from stance.errors import StanceInputError
from stance.markdown import render_inline, split_front_matter, split_markdown_blocks
from stance.paths import ProjectPaths
from stance.speakers import parse_label, speaker_role, transcript_marker
from stance.topic import TopicRule, mark_on_topic

ROOT = Path(__file__).resolve().parent.parent
TOPIC = TopicRule(name="drugs", terms=("fentanyl", "counternarcotic", "DEA"))

BRIEFING = """---
tags: press-briefings
date: '2024-01-30'
title: "Press Briefing by Press Secretary"
---

James S. Brady Press Briefing Room

1:02 P.M. EST

MS. JEAN-PIERRE:  Good afternoon.  The [Counternarcotics Working
Group](https://example.org/cnwg) met today\\_ in Beijing.

We will keep working with our partners.

Q    Thank you.  What about the weather?

MS. JEAN-PIERRE:  It is sunny.

Q    And on fentanyl, did China act?

MS. JEAN-PIERRE:  They did, and we welcomed it.

It is an important step.

(Applause.)

END 1:30 P.M. EST
"""


def _write_corpus(folder: Path, files: dict[str, str], rows: list[dict]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(text, encoding="utf-8")
    pd.DataFrame(rows).to_csv(folder / "manifest.csv", index=False)
    return folder


def _briefing_corpus(tmp_path: Path, text: str = BRIEFING, published: str = "2024-01-30") -> Path:
    row = {"id": "b1", "file": "press/2024-01/b1.md", "published": published, "kind": "press briefing"}
    row |= {"title": "Press Briefing by Press Secretary", "country": "US"}
    return _write_corpus(tmp_path / "wh", {"press/2024-01/b1.md": text}, [row])


def test_front_matter_is_metadata_and_body_lines_are_counted():
    meta, body, offset = split_front_matter(BRIEFING)
    assert meta["date"] == "2024-01-30"
    assert "tags:" not in body
    assert offset == 5


def test_inline_markdown_renders_as_plain_text():
    assert (
        render_inline("The [Working Group](https://x.org/a_(b)) met\\_ \\[today\\]") == "The Working Group met_ [today]"
    )
    assert render_inline("**bold** and &amp; <https://x.org>") == "bold and & https://x.org"


def test_markdown_blocks_join_wrapped_lines_and_split_list_items():
    blocks = split_markdown_blocks("One line\nwrapped here.\n\n- item one\n- item two\n")
    assert [b for _, b in blocks] == ["One line wrapped here.", "- item one", "- item two"]


@pytest.mark.parametrize(
    ("text", "label", "role"),
    [
        ("MS. JEAN-PIERRE:  Good afternoon.", "MS. JEAN-PIERRE", "official"),
        ("Q    Thank you.", "Q", "journalist"),
        ("THE PRESIDENT:  Hello.", "THE PRESIDENT", "official"),
        ("SENIOR ADMINISTRATION OFFICIAL:  Thanks.", "SENIOR ADMINISTRATION OFFICIAL", "official"),
        ("PRIME MINISTER TRUDEAU:  Merci.", "PRIME MINISTER TRUDEAU", "other"),
        ("AUDIENCE MEMBER:  Yes!", "AUDIENCE MEMBER", "other"),
    ],
)
def test_speaker_labels_and_roles(text, label, role):
    found, rest = parse_label(text)
    assert found == label
    assert speaker_role(found) == role
    assert rest and not rest.startswith(":")


def test_plain_sentences_are_not_labels():
    assert parse_label("Quite a day it was.")[0] == ""
    assert parse_label("U.S. ACTIONS")[0] == ""


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("12:33 P.M. EDT", "timestamp"),
        ("END 1:14 P.M. EDT", "end_marker"),
        ("(Applause.)", "stage_direction"),
        ("(Cross-talk by reporters.)", "stage_direction"),
        ("Thank you, Karine", ""),
        ("Okay.", ""),
    ],
)
def test_transcript_markers(text, reason):
    assert transcript_marker(text, before_first_turn=True) == reason


def test_briefing_passages_carry_speakers_and_markers(tmp_path):
    c = load_corpus(_briefing_corpus(tmp_path), topic=TOPIC)
    p = c.passages.set_index("para_index")
    assert not p["text"].str.contains('tags:|Press Secretary"').any()
    assert p.loc[0, "reason"] == "location_line" and p.loc[1, "reason"] == "timestamp"
    assert p.loc[2, "text"].startswith("Good afternoon.  The Counternarcotics Working Group met today_ in Beijing")
    assert p.loc[2, "speaker"] == "MS. JEAN-PIERRE" and p.loc[2, "speaker_role"] == "official"
    assert p.loc[3, "speaker"] == "MS. JEAN-PIERRE"  # a paragraph without a label continues the speaker
    assert p.loc[4, "speaker_role"] == "journalist" and p.loc[4, "text"] == "Thank you.  What about the weather?"
    assert p.loc[9, "reason"] == "stage_direction" and p.loc[10, "reason"] == "end_marker"
    assert p.loc[2, "line"] == 11  # the file line the paragraph starts on
    assert c.documents.loc[0, "transcript"]


def test_topic_rule_terms_exchanges_and_acronyms(tmp_path):
    c = load_corpus(_briefing_corpus(tmp_path), topic=TOPIC)
    p = c.passages.set_index("para_index")
    assert p.loc[2, "topic_reason"] == "term:counternarcotic"
    assert p.loc[3, "topic_reason"] == "off_topic"  # before the first question: no exchange
    assert not p.loc[4, "on_topic"] and not p.loc[5, "on_topic"]  # the weather exchange
    assert p.loc[6, "topic_reason"] == "term:fentanyl"
    assert p.loc[7, "topic_reason"] == "exchange" and p.loc[8, "topic_reason"] == "exchange"
    assert TOPIC.match("a good deal") == "" and TOPIC.match("the DEA said") == "dea"
    assert TOPIC.match("the dea said") == ""


def test_document_rule_makes_a_topical_article_on_topic_throughout():
    passages = pd.DataFrame(
        {
            "doc_id": ["a"] * 3,
            "text": ["Fentanyl deaths rose.", "Officials met.", "They talked."],
            "analysable": [True, True, True],
            "speaker_role": ["author"] * 3,
        }
    )
    docs = pd.DataFrame({"doc_id": ["a"], "title": ["A meeting"], "transcript": [False]})
    out = mark_on_topic(passages, docs, TOPIC)
    assert out["topic_reason"].tolist() == ["term:fentanyl", "document", "document"]
    out = mark_on_topic(passages, docs, TopicRule(terms=("fentanyl",), document_share=0.5))
    assert out["on_topic"].tolist() == [True, False, False]
    assert mark_on_topic(passages, docs, None)["topic_reason"].eq("no_topic_rule").all()


# ------------------------------------------------------------------ bad input
def test_unclosed_front_matter_names_file_and_line(tmp_path):
    folder = _briefing_corpus(tmp_path, text="---\ndate: '2024-01-30'\nno closing line\n")
    with pytest.raises(StanceInputError, match=r"b1\.md, line 1: front matter .* never closed"):
        load_corpus(folder)


def test_broken_front_matter_yaml_names_the_line(tmp_path):
    folder = _briefing_corpus(tmp_path, text="---\ndate: '2024-01-30'\ntitle: [unclosed\n---\nBody text here.\n")
    with pytest.raises(StanceInputError, match=r"b1\.md, line \d+: front matter is not valid YAML"):
        load_corpus(folder)


def test_front_matter_date_that_disagrees_with_the_manifest_warns(tmp_path):
    folder = _briefing_corpus(tmp_path, published="2024-02-01")
    with pytest.warns(StanceDataWarning, match=r"manifest\.csv, line 2, field published: 2024-02-01 disagrees"):
        c = load_corpus(folder)
    assert c.documents.loc[0, "published"] == pd.Timestamp("2024-02-01")


def test_missing_manifest_date_takes_the_front_matter_date(tmp_path):
    folder = _briefing_corpus(tmp_path, published="")
    with pytest.warns(StanceDataWarning, match="field published: empty; using the front matter date 2024-01-30"):
        c = load_corpus(folder)
    assert c.documents.loc[0, "published"] == pd.Timestamp("2024-01-30")


def test_unknown_speaker_label_warns_with_file_line_and_field(tmp_path):
    text = BRIEFING.replace("MS. JEAN-PIERRE:  It is sunny.", "NEWS ANCHOR TWELVE:  It is sunny.")
    with pytest.warns(StanceDataWarning, match=r"b1\.md, line \d+, field speaker: unknown speaker label"):
        c = load_corpus(_briefing_corpus(tmp_path, text=text))
    assert (c.passages["speaker_role"] == "other").sum() == 1


def test_document_with_no_on_topic_passage_warns(tmp_path):
    text = BRIEFING.replace("Counternarcotics", "Gardening").replace("fentanyl", "tulips")
    with pytest.warns(StanceDataWarning, match=r"b1\.md: no passage is on topic"):
        load_corpus(_briefing_corpus(tmp_path, text=text), topic=TOPIC)


def test_files_of_a_corpus_stay_byte_identical(tmp_path):
    folder = _briefing_corpus(tmp_path)
    before = {p: hashlib.sha256(p.read_bytes()).hexdigest() for p in folder.rglob("*") if p.is_file()}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        load_corpus(folder, topic=TOPIC)
    assert before == {p: hashlib.sha256(p.read_bytes()).hexdigest() for p in folder.rglob("*") if p.is_file()}


def test_duplicate_document_ids_across_corpora_are_refused(tmp_path):
    a = load_corpus(_briefing_corpus(tmp_path / "a"))
    b = load_corpus(_briefing_corpus(tmp_path / "b"))
    with pytest.raises(StanceInputError, match="document id 'b1' is used by two corpora"):
        concat_corpora([a, b])


# ------------------------------------------------------------ project corpus
def test_project_corpus_holds_both_sides():
    paths = ProjectPaths.discover(ROOT)
    assert ROOT / "seeds" / "us-white-house" in paths.corpora
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", StanceDataWarning)
        c = load_project_corpus(paths)
    docs = c.documents
    assert (docs["side"] == "CN").sum() == 5 and (docs["side"] == "US").sum() == 192
    assert set(docs.loc[docs["side"] == "US", "administration"]) == {"Biden", "Trump"}
    assert {"official", "journalist", "author"} <= set(c.passages["speaker_role"])
    seeds = load_corpus(ROOT / "seeds")
    assert set(seeds.passages["passage_id"]) <= set(c.passages["passage_id"])


def test_white_house_files_match_their_manifest():
    folder = ROOT / "seeds" / "us-white-house"
    manifest = pd.read_csv(folder / "manifest.csv", dtype=str)
    assert len(manifest) == 192 and manifest["id"].is_unique
    for row in manifest.itertuples():
        assert hashlib.sha256((folder / row.file).read_bytes()).hexdigest() == row.sha256, row.file


def test_segmentation_is_cached_by_file_hash(tmp_path, monkeypatch):
    import stance.corpus as corpus_module

    monkeypatch.setenv("STANCE_CACHE_DIR", str(tmp_path / "cache"))
    folder = _briefing_corpus(tmp_path)
    first = load_corpus(folder, topic=TOPIC)
    calls = []
    real = corpus_module._segment
    monkeypatch.setattr(corpus_module, "_segment", lambda *a, **k: calls.append(1) or real(*a, **k))
    again = load_corpus(folder, topic=TOPIC)
    assert calls == []
    pd.testing.assert_frame_equal(first.passages, again.passages)
    pd.testing.assert_frame_equal(first.sentences, again.sentences)
    (folder / "press/2024-01/b1.md").write_text(BRIEFING.replace("sunny", "rainy"), encoding="utf-8")
    edited = load_corpus(folder, topic=TOPIC)
    assert calls == [1]
    assert edited.passages["text"].str.contains("rainy").any()
