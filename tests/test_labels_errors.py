"""Bad label input: each case gets a clear error naming file, line and field, and leaves the store unchanged."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from support.labels import full, load

from stance.errors import StanceInputError
from stance.labels import import_labels


@pytest.fixture
def seeded(store, lcorpus, codebook, pids):
    """The store with two gold records; returns (store, its bytes)."""
    store.append([full(pids[0]), full(pids[1])], lcorpus, codebook)
    return store, store.path.read_bytes()


def _jsonl(path: Path, records: list) -> Path:
    path.write_text("".join((r if isinstance(r, str) else json.dumps(r)) + "\n" for r in records), encoding="utf-8")
    return path


def _fails(seeded, path, corpus, codebook, **kw) -> StanceInputError:
    store, before = seeded
    with pytest.raises(StanceInputError) as err:
        import_labels(path, store, corpus, codebook, **kw)
    assert store.path.read_bytes() == before, "a failed import must leave the store byte-for-byte unchanged"
    assert err.value.file == str(path)
    assert str(path) in str(err.value) and f"line {err.value.line}" in str(err.value)
    return err.value


def test_unknown_label_name_suggests_the_nearest(seeded, tmp_path, lcorpus, codebook, pids):
    path = tmp_path / "coded.csv"
    path.write_text(
        f"passage_id,frames,stance:cooperation\n{pids[2]},blame,FAVOR\n{pids[3]},control_measures;blam,NONE\n",
        encoding="utf-8",
    )
    err = _fails(seeded, path, lcorpus, codebook, annotator="coder_a")
    assert err.line == 3 and err.field == "frames"
    assert "unknown frame 'blam'" in err.message and "did you mean 'blame'?" in err.message
    # stance classes and actors too, in the store's own JSONL format
    path = _jsonl(
        tmp_path / "coded.jsonl",
        [
            full(pids[2], "coder_a", rationale={}),
            full(pids[3], "coder_a", stance={"cooperation": "favour"}, rationale={}),
        ],
    )
    err = _fails(seeded, path, lcorpus, codebook)
    assert err.line == 2 and err.field == "stance.cooperation" and "did you mean 'FAVOR'?" in err.message
    path = _jsonl(tmp_path / "roles.jsonl", [full(pids[2], "coder_a", roles={"usa": "antagonist"}, rationale={})])
    err = _fails(seeded, path, lcorpus, codebook)
    assert err.field == "roles.usa" and "unknown actor" in err.message


def test_unknown_passage_id(seeded, tmp_path, lcorpus, codebook, pids):
    path = _jsonl(
        tmp_path / "coded.jsonl",
        [
            full(pids[2], "coder_a", rationale={}),
            full("testdaily-2023-05-02:p009:deadbeef", "coder_a", rationale={}),
            full("otherpaper-2020-01-01:p001:12345678", "coder_a", rationale={}),
        ],
    )
    err = _fails(seeded, path, lcorpus, codebook)
    assert err.line == 2 and err.field == "passage_id"
    assert "no passage 'testdaily-2023-05-02:p009:deadbeef'" in err.message and "nearest ids" in err.message
    assert len(err.problems) == 2 and "no document 'otherpaper-2020-01-01'" in str(err.problems[1])


def test_text_hash_that_no_longer_matches_gives_a_reanchor_hint(seeded, project, tmp_path, codebook, lcorpus, pids):
    # labels made on the original corpus ...
    old_pid = pids[2]
    old_hash = lcorpus.passage(old_pid)["text_hash"]
    path = _jsonl(
        tmp_path / "coded.jsonl",
        [
            {
                "passage_id": pids[3],
                "text_hash": lcorpus.passage(pids[3])["text_hash"],
                "annotator": "coder_a",
                "frames": ["control_measures"],
            },
            {
                "passage_id": old_pid,
                "text_hash": old_hash,
                "annotator": "coder_a",
                "frames": ["blame"],
                "text": lcorpus.passage(old_pid)["text"],
            },
        ],
    )
    # ... then the paragraph is edited in the corpus
    doc = project / "seeds" / "doc_a.txt"
    doc.write_text(
        doc.read_text(encoding="utf-8").replace("should stop blaming", "must stop blaming"), encoding="utf-8"
    )
    edited = load(project / "seeds")
    new_pid = edited.passages.loc[2, "passage_id"]
    assert new_pid != old_pid
    err = _fails(seeded, path, edited, codebook)
    assert err.line == 2 and err.field == "text_hash"
    assert "no longer matches" in err.message
    assert new_pid in err.message and "most similar passage" in err.message
    assert f"stance label reanchor --map {old_pid}={new_pid}" in err.message
    # a hash that disagrees with an existing passage is caught too
    path = _jsonl(
        tmp_path / "wrong.jsonl", [{"passage_id": pids[0], "text_hash": "0" * 16, "annotator": "coder_a", "frames": []}]
    )
    err = _fails(seeded, path, edited, codebook)
    assert err.field == "text_hash" and "no longer matches" in err.message


def test_moved_passage_hint_and_reanchor(store, project, lcorpus, codebook, pids):
    store.append(
        [full(pids[4], rationale={}), full(pids[6], "coder_a", frames=["sovereignty"], rationale={})], lcorpus, codebook
    )
    doc = project / "seeds" / "doc_b.txt"
    paras = doc.read_text(encoding="utf-8").strip().split("\n\n")
    doc.write_text("\n\n".join([paras[2], paras[0], paras[1]]) + "\n", encoding="utf-8")
    moved = load(project / "seeds")
    stale = store.stale(moved)
    assert set(stale["status"]) == {"moved"}
    new_ids = dict(zip(stale["passage_id"], stale["new_passage_id"], strict=True))
    before = store.path.read_bytes()
    report = store.reanchor(moved, codebook)
    assert len(report.added) == 2 and store.path.read_bytes().startswith(before)
    gold = store.resolved("gold")
    assert list(gold["passage_id"]) == [new_ids[pids[4]]]  # the old id no longer resolves
    assert gold.iloc[0]["frames"] == ["cooperation"] and gold.iloc[0]["kind"] == "reanchor"
    assert store.resolved("coder_a").iloc[0]["passage_id"] == new_ids[pids[6]]
    assert store.history(new_ids[pids[4]])[0]["reanchored_from"] == store.history(pids[4])[0]["record_id"]
    assert len(store.reanchor(moved, codebook).unchanged) == 2  # running it again changes nothing


def test_conflicting_labels_in_one_import(seeded, tmp_path, lcorpus, codebook, pids):
    path = _jsonl(
        tmp_path / "coded.jsonl",
        [
            full(pids[2], "coder_a", frames=["blame"], rationale={}),
            full(pids[3], "coder_a", frames=[], rationale={}),
            full(pids[2], "coder_a", frames=["blame", "rebuttal"], rationale={}),
        ],
    )
    err = _fails(seeded, path, lcorpus, codebook)
    assert err.line == 3 and err.field == "frame"
    assert "conflicting labels" in err.message and "line 1 says frame:rebuttal = False" in err.message
    # the same labels twice, or different annotators, are not conflicts
    ok = _jsonl(
        tmp_path / "ok.jsonl",
        [
            full(pids[2], "coder_a", rationale={}),
            full(pids[2], "coder_a", rationale={}),
            full(pids[2], "coder_b", frames=[], rationale={}),
        ],
    )
    store, _ = seeded
    report = import_labels(ok, store, lcorpus, codebook)
    assert len(report.added) == 2 and len(report.unchanged) == 1


def test_malformed_rows(seeded, tmp_path, lcorpus, codebook, pids):
    bad_json = _jsonl(tmp_path / "coded.jsonl", [full(pids[2], "coder_a", rationale={}), '{"passage_id": "x", '])
    err = _fails(seeded, bad_json, lcorpus, codebook)
    assert err.line == 2 and "not valid JSON" in err.message

    no_column = tmp_path / "coded.csv"
    no_column.write_text(f"id,frames\n{pids[2]},blame\n", encoding="utf-8")
    err = _fails(seeded, no_column, lcorpus, codebook, annotator="coder_a")
    assert err.line == 1 and err.field == "passage_id" and "missing column 'passage_id'" in err.message

    extra_field = tmp_path / "extra.csv"
    extra_field.write_text(f"passage_id,frames\n{pids[2]},blame\n{pids[3]},blame,oops\n", encoding="utf-8")
    err = _fails(seeded, extra_field, lcorpus, codebook, annotator="coder_a")
    assert err.line == 3 and "more fields than the header" in err.message

    no_annotator = _jsonl(tmp_path / "anon.jsonl", [{"passage_id": pids[2], "frames": ["blame"]}])
    err = _fails(seeded, no_annotator, lcorpus, codebook)
    assert err.field == "annotator" and "--annotator" in err.message

    typo_key = _jsonl(tmp_path / "typo.jsonl", [{"passage_id": pids[2], "annotator": "a", "frame": ["blame"]}])
    err = _fails(seeded, typo_key, lcorpus, codebook)
    assert err.field == "frame" and "did you mean 'frames'?" in err.message

    ls = tmp_path / "export.json"
    ls.write_text(json.dumps([{"id": 1, "data": {"text": "x"}, "annotations": []}], indent=1), encoding="utf-8")
    err = _fails(seeded, ls, lcorpus, codebook, annotator="coder_a")
    assert err.field == "data.passage_id" and err.line == 2


def test_changed_label_is_reported_and_history_kept(seeded, tmp_path, lcorpus, codebook, pids):
    store, before = seeded
    path = _jsonl(
        tmp_path / "recode.jsonl",
        [
            {"passage_id": pids[0], "annotator": "gold", "fields": ["frames:blame"], "frames": ["blame"], "round": 2},
            full(pids[1]),
        ],
    )
    report = import_labels(path, store, lcorpus, codebook)
    assert [(c.passage_id, c.cell, c.old, c.new, c.line) for c in report.changes] == [
        (pids[0], "frame:blame", False, True, 1)
    ]
    assert len(report.changed) == 1 and len(report.unchanged) == 1
    assert store.path.read_bytes().startswith(before)
    assert len(store.history(pids[0])) == 2
    assert store.history(pids[0])[1]["source"] == "recode.jsonl"
