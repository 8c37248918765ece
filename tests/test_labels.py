"""Label store: records, partial records, supersession, history, resolved view and targets."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from support.labels import full, label_cells

from stance.errors import StanceInputError
from stance.labels import (
    LabelStore,
    coded,
    document_counts,
    frame_matrix,
    label_counts,
    task_targets,
)


def test_append_writes_full_records_and_resolves(store, lcorpus, codebook, pids):
    report = store.append([full(pids[0])], lcorpus, codebook)
    assert len(report.added) == 1 and not report.changed and not report.unchanged
    lines = store.path.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 1
    rec = json.loads(lines[0])
    assert rec["record_id"].startswith("r-")
    assert rec["text_hash"] == lcorpus.passage(pids[0])["text_hash"]
    assert rec["codebook_version"] == codebook.version and rec["codebook_hash"] == codebook.hash
    assert rec["kind"] == "annotation" and rec["round"] == 1
    assert rec["rationale"] == {"cooperation": "agreed on Tuesday to set up a joint working group"}

    df = store.resolved("gold")
    assert list(df["passage_id"]) == [pids[0]]
    row = df.iloc[0]
    assert row["doc_id"] == "testdaily-2023-05-02"
    assert row["frames"] == ["cooperation"]
    assert row["frame:cooperation"] is True or bool(row["frame:cooperation"]) is True
    assert bool(row["frame:blame"]) is False
    assert str(df["frame:blame"].dtype) == "boolean"
    assert row["stance:china_government"] == "FAVOR"
    assert row["roles"] == {"china": "protagonist"}
    assert row["role:china"] == "protagonist" and row["role:mexico"] == "none"
    assert [c for c in df.columns if c.startswith("frame:")] == [f"frame:{f}" for f in codebook.frame_names]


def test_partial_record_updates_only_its_frame(store, lcorpus, codebook, pids):
    store.append([full(pids[0])], lcorpus, codebook)
    before = label_cells(store.resolved())[pids[0]]
    report = store.append(
        [{"passage_id": pids[0], "annotator": "gold", "round": 2, "fields": ["frames:blame"], "frames": ["blame"]}],
        lcorpus,
        codebook,
    )
    assert len(report.changed) == 1
    assert [(c.cell, c.old, c.new) for c in report.changes] == [("frame:blame", False, True)]
    after = label_cells(store.resolved())[pids[0]]
    assert after["frame:blame"] is True
    assert {k: v for k, v in after.items() if k != "frame:blame"} == {
        k: v for k, v in before.items() if k != "frame:blame"
    }
    # and a recode that drops one frame leaves the others alone
    store.append(
        [{"passage_id": pids[0], "annotator": "gold", "fields": ["frame:cooperation"], "frames": []}], lcorpus, codebook
    )
    row = store.resolved().iloc[0]
    assert row["frames"] == ["blame"]
    assert row["rationale"] == {}  # the rationale went with the frame
    assert row["stance:cooperation"] == "FAVOR"


def test_partial_stance_record_decides_only_that_target(store, lcorpus, codebook, pids):
    store.append(
        [{"passage_id": pids[1], "annotator": "gold", "stance": {"cooperation": "AGAINST"}}], lcorpus, codebook
    )
    df = store.resolved()
    row = df.iloc[0]
    assert row["stance:cooperation"] == "AGAINST"
    assert row["stance:us_government"] is None
    assert row["frames"] is None and pd.isna(row["frame:blame"])
    assert row["roles"] is None and row["role:china"] is None
    assert not coded(df, codebook, "frames").iloc[0]
    assert coded(df, codebook, "stance:cooperation").iloc[0]


def test_later_decision_supersedes_same_annotator_only(store, lcorpus, codebook, pids):
    store.append([full(pids[0], "coder_a"), full(pids[0], "gold")], lcorpus, codebook)
    report = store.append([full(pids[0], "coder_a", frames=["blame"], rationale={}, round=2)], lcorpus, codebook)
    assert len(report.changed) == 1
    assert {(c.cell, c.old, c.new) for c in report.changes} == {
        ("frame:cooperation", True, False),
        ("frame:blame", False, True),
    }
    assert store.resolved("coder_a").iloc[0]["frames"] == ["blame"]
    assert store.resolved("gold").iloc[0]["frames"] == ["cooperation"]
    both = store.resolved(None)
    assert sorted(both["annotator"]) == ["coder_a", "gold"]


def test_a_second_coding_in_the_same_round_is_a_conflict(store, lcorpus, codebook, pids):
    store.append([full(pids[0], "coder_a")], lcorpus, codebook)
    before = store.path.read_bytes()
    with pytest.raises(StanceInputError, match=r"already coded by 'coder_a' in round 1 .* import it as round 2"):
        store.append([full(pids[0], "coder_a", frames=["blame"], rationale={})], lcorpus, codebook)
    assert store.path.read_bytes() == before
    # the same coding again is unchanged, not a conflict
    assert not store.append([full(pids[0], "coder_a")], lcorpus, codebook).added


def test_a_codebook_version_the_codebook_does_not_know_is_refused(store, lcorpus, codebook, pids):
    rec = full(pids[0], "coder_a") | {"codebook_version": "0.9"}
    with pytest.raises(StanceInputError, match=r"field codebook_version: coded under codebook version '0.9'"):
        store.append([rec], lcorpus, codebook)
    assert not store.path.exists() or not store.records()


def test_history_keeps_every_record(store, lcorpus, codebook, pids):
    store.append([full(pids[0])], lcorpus, codebook)
    store.append([full(pids[0], frames=["blame"], rationale={}, round=2)], lcorpus, codebook)
    store.append([full(pids[0], frames=["goodwill"], rationale={}, round=3)], lcorpus, codebook)
    hist = store.history(pids[0])
    assert [h["frames"] for h in hist] == [["cooperation"], ["blame"], ["goodwill"]]
    assert store.resolved().iloc[0]["record_ids"] == [h["record_id"] for h in hist]
    assert len(store.records()) == 3 and store.annotators() == ["gold"]
    assert list(store.to_frame()["record_id"]) == [h["record_id"] for h in hist]


def test_identical_labels_are_a_reported_no_op(store, lcorpus, codebook, pids):
    store.append([full(pids[0]), full(pids[1])], lcorpus, codebook)
    before = store.path.read_bytes()
    report = store.append([full(pids[0]), full(pids[1])], lcorpus, codebook)
    assert not report.written
    assert [u[1] for u in report.unchanged] == [pids[0], pids[1]]
    assert "unchanged 2" in report.summary()
    assert store.path.read_bytes() == before
    # a duplicate within one input is reported too
    report = store.append([full(pids[2]), full(pids[2])], lcorpus, codebook)
    assert len(report.added) == 1 and report.unchanged[0][3] == "duplicate within the input"


def test_dry_run_writes_nothing(store, lcorpus, codebook, pids):
    report = store.append([full(pids[0])], lcorpus, codebook, dry_run=True)
    assert len(report.added) == 1 and "would add 1" in report.summary()
    assert not store.path.exists()


def test_append_is_all_or_nothing(store, lcorpus, codebook, pids):
    store.append([full(pids[0])], lcorpus, codebook)
    before = store.path.read_bytes()
    bad = [full(pids[1]), full(pids[2], frames=["blam", "cooperation"]), full("nope:p000:00000000")]
    with pytest.raises(StanceInputError) as err:
        store.append(bad, lcorpus, codebook)
    assert len(err.value.problems) == 2
    assert "Nothing was written" in str(err.value)
    assert store.path.read_bytes() == before
    assert not [p for p in store.path.parent.iterdir() if p.name.endswith(".tmp")]


def test_adjudication_must_reference_stored_codings(store, lcorpus, codebook, pids):
    store.append([full(pids[0], "coder_a")], lcorpus, codebook)
    ref = store.records()[0]["record_id"]
    with pytest.raises(StanceInputError, match="no such record"):
        store.append(
            [
                full(
                    pids[0],
                    kind="adjudication",
                    adjudicates={"coder_a": ref, "coder_b": "r-000000000000"},
                    reason="coder a was right",
                )
            ],
            lcorpus,
            codebook,
        )
    with pytest.raises(StanceInputError, match="needs a reason"):
        store.append([full(pids[0], kind="adjudication", adjudicates={"coder_a": ref})], lcorpus, codebook)
    report = store.append(
        [
            full(
                pids[0],
                kind="adjudication",
                adjudicates={"coder_a": ref},
                reason={"frames:cooperation": "explicit joint working group"},
            )
        ],
        lcorpus,
        codebook,
    )
    assert report.added[0]["adjudicates"] == {"coder_a": ref}


def test_rationale_that_quotes_nothing_is_noted(store, lcorpus, codebook, pids):
    report = store.append([full(pids[0], rationale={"cooperation": "words that are not there"})], lcorpus, codebook)
    assert any("does not quote the passage" in w for w in report.warnings)
    report = store.append(
        [full(pids[1], rationale={"cooperation": "share intelligence ... coordinate"})], lcorpus, codebook
    )
    assert not report.warnings
    report = store.append([full(pids[2], rationale={})], lcorpus, codebook)
    assert report.warnings == [
        f"1 present frame(s) have no rationale quoting the passage (e.g. {pids[2]}: cooperation)"
    ]


def test_rationale_must_be_for_a_present_frame(store, lcorpus, codebook, pids):
    with pytest.raises(StanceInputError, match="does not code as present") as err:
        store.append([full(pids[0], rationale={"blame": "blaming"})], lcorpus, codebook)
    assert err.value.field == "rationale.blame"


def test_corrupt_store_line_is_named(project, codebook):
    path = project / "seeds" / "labels.jsonl"
    path.write_text('{"passage_id": "a", "annotator": "gold", "frames": []}\n{broken\n', encoding="utf-8")
    with pytest.raises(StanceInputError) as err:
        LabelStore(path, codebook=codebook).records()
    assert err.value.line == 2 and str(path) in str(err.value)


def test_default_codebook_and_corpus_come_from_the_project(project, pids):
    store = LabelStore(project / "seeds" / "labels.jsonl")
    store.append([full(pids[0])])
    assert store.codebook.path == project / "codebook" / "codebook.yaml"
    assert LabelStore().path == project / "seeds" / "labels.jsonl"
    assert len(LabelStore().resolved()) == 1


def test_round_filter(store, lcorpus, codebook, pids):
    store.append([full(pids[0]), full(pids[1], round=2, frames=["blame"], rationale={})], lcorpus, codebook)
    assert list(store.resolved(round=2)["passage_id"]) == [pids[1]]
    assert list(store.resolved(round=1)["passage_id"]) == [pids[0]]


def test_frame_matrix_and_task_targets(store, lcorpus, codebook, pids):
    store.append(
        [
            full(pids[0]),
            full(
                pids[2],
                frames=["blame", "rebuttal"],
                rationale={},
                roles={"united_states": "antagonist", "china": "innocent"},
            ),
            {"passage_id": pids[4], "annotator": "gold", "stance": {"cooperation": "NONE"}},
        ],
        lcorpus,
        codebook,
    )
    df = store.resolved()
    both = df[coded(df, codebook, "frames")]
    y = frame_matrix(both, codebook)
    assert y.shape == (2, len(codebook.frame_names)) and y.dtype.kind == "i"
    assert y[0].tolist() == [int(f == "cooperation") for f in codebook.frame_names]
    assert y[1].tolist() == [int(f in ("blame", "rebuttal")) for f in codebook.frame_names]
    assert np.array_equal(task_targets(both, codebook, "frames"), y)
    with pytest.raises(ValueError, match="not coded for every frame"):
        frame_matrix(df, codebook)
    stance = task_targets(df, codebook, "stance:cooperation")
    assert stance.tolist() == ["FAVOR", "FAVOR", "NONE"]
    with pytest.raises(ValueError, match="no stance:us_government"):
        task_targets(df, codebook, "stance:us_government")
    roles = task_targets(df, codebook, "roles")
    assert list(roles.columns) == ["passage_id", "doc_id", "actor", "role"]
    assert set(map(tuple, roles[["passage_id", "actor", "role"]].to_numpy())) == {
        (pids[0], "china", "protagonist"),
        (pids[2], "china", "innocent"),
        (pids[2], "united_states", "antagonist"),
    }
    assert len(task_targets(df, codebook, "roles", include_none=True)) == 12


def test_counts_per_label_and_document(store, lcorpus, codebook, pids):
    store.append([full(p) for p in pids[:5]], lcorpus, codebook)
    df = store.resolved()
    counts = label_counts(df, codebook)
    coop = counts[(counts["task"] == "frames") & (counts["label"] == "cooperation")].iloc[0]
    assert coop["positives"] == 5 and coop["coded"] == 5 and coop["documents"] == 2 and not coop["rare"]
    assert counts[(counts["task"] == "frames") & (counts["label"] == "blame")].iloc[0]["rare"]
    docs = document_counts(df, codebook, lcorpus)
    assert docs.set_index("doc_id").loc["testdaily-2023-05-02", "labelled"] == 4
    assert docs.set_index("doc_id").loc["testtimes-2024-02-10", "analysable"] == 3


def test_resolved_gold_feeds_the_evaluation(store, lcorpus, codebook, pids):
    from stance.evaluate import gold_task_data

    store.append(
        [full(p) for p in pids[:3]] + [{"passage_id": pids[3], "annotator": "gold", "stance": {"cooperation": "NONE"}}],
        lcorpus,
        codebook,
    )
    gold = store.resolved("gold")
    frames = gold_task_data(lcorpus, gold, codebook, "frames")
    assert frames.y.shape == (3, len(codebook.frame_names))
    stance = gold_task_data(lcorpus, gold, codebook, "stance:cooperation")
    assert sorted(stance.y.tolist()) == ["FAVOR", "FAVOR", "FAVOR", "NONE"]


def test_empty_store_resolves_to_an_empty_table(store, codebook):
    df = store.resolved()
    assert df.empty and "frame:blame" in df.columns and "roles" in df.columns
    assert store.records() == [] and store.history("x") == []
