"""Reliability (Krippendorff's alpha), disagreements and adjudication."""

from __future__ import annotations

import math

import krippendorff
import numpy as np
import pandas as pd
import pytest
from support.labels import full

from stance.errors import StanceInputError
from stance.labels import (
    LabelStore,
    adjudicate,
    adjudications,
    disagreements,
    krippendorff_alpha,
    reliability_table,
)

A_FRAMES = [
    ["cooperation"],
    ["cooperation", "control_measures"],
    ["blame", "rebuttal"],
    ["control_measures"],
    [],
    ["coercion"],
    ["sovereignty"],
]
B_FRAMES = [
    ["cooperation"],
    ["cooperation"],
    ["blame"],
    ["control_measures"],
    [],
    ["coercion", "blame"],
    ["sovereignty"],
]
A_COOP = ["FAVOR", "FAVOR", "NONE", "NONE", "NONE", "AGAINST", "NONE"]
B_COOP = ["FAVOR", "FAVOR", "NONE", "FAVOR", "NONE", "AGAINST", "AGAINST"]


@pytest.fixture
def coded(store, lcorpus, codebook, pids):
    """Two coders over all seven passages (round 1), plus a round-2 recode by coder_a."""
    recs = []
    for coder, frames, coop in (("coder_a", A_FRAMES, A_COOP), ("coder_b", B_FRAMES, B_COOP)):
        for i, pid in enumerate(pids):
            roles = (
                {
                    "china": "protagonist",
                    "united_states": "antagonist" if coder == "coder_a" or i != 2 else "protagonist",
                }
                if i < 3
                else {}
            )
            recs.append(
                full(
                    pid,
                    coder,
                    frames=frames[i],
                    rationale={},
                    stance={"us_government": "NONE", "china_government": "FAVOR", "cooperation": coop[i]},
                    roles=roles,
                )
            )
    store.append(recs, lcorpus, codebook)
    return store


def test_alpha_matches_the_krippendorff_package(coded, codebook):
    table = reliability_table(coded, codebook)
    assert list(table.columns) == [
        "task",
        "label",
        "n_units",
        "alpha",
        "percent_agreement",
        "n_positive_a",
        "n_positive_b",
    ]
    assert table.attrs["coders"] == ["coder_a", "coder_b"]
    frames = table[table["task"] == "frames"].set_index("label")
    assert list(frames.index) == codebook.frame_names
    a = np.array([[int("blame" in f) for f in A_FRAMES], [int("blame" in f) for f in B_FRAMES]], dtype=float)
    expected = krippendorff.alpha(reliability_data=a, level_of_measurement="nominal")
    blame = frames.loc["blame"]
    assert blame["n_units"] == 7 and math.isclose(blame["alpha"], expected)
    assert math.isclose(blame["percent_agreement"], 6 / 7)
    assert (blame["n_positive_a"], blame["n_positive_b"]) == (1, 2)
    assert frames.loc["cooperation", "alpha"] == 1.0
    assert math.isnan(frames.loc["goodwill", "alpha"]) and frames.loc["goodwill", "percent_agreement"] == 1.0
    coop = table[table["task"] == "stance:cooperation"].iloc[0]
    cats = {"FAVOR": 0, "AGAINST": 1, "NONE": 2}
    data = np.array([[cats[x] for x in A_COOP], [cats[x] for x in B_COOP]], dtype=float)
    assert coop["label"] == "cooperation" and math.isclose(
        coop["alpha"], krippendorff.alpha(reliability_data=data, level_of_measurement="nominal")
    )
    assert (coop["n_positive_a"], coop["n_positive_b"]) == (3, 5)
    roles = table[table["task"] == "roles"].set_index("label")
    assert roles.loc["roles", "n_units"] == 6  # (passage, actor) pairs where either coder gave a role
    assert math.isclose(roles.loc["roles", "percent_agreement"], 5 / 6)
    assert roles.loc["antagonist", "n_positive_a"] == 3 and roles.loc["antagonist", "n_positive_b"] == 2


def test_reliability_of_users_own_records(codebook):
    """A plain DataFrame of double-coded records (no store, no corpus) works, with any coder names."""
    recs = pd.DataFrame(
        {
            "passage_id": [f"doc:p{i:03d}:00000000" for i in range(4)] * 2,
            "annotator": ["ann"] * 4 + ["bob"] * 4,
            "frames": [["blame"], [], ["blame"], [], ["blame"], [], [], []],
        }
    )
    table = reliability_table(recs, codebook)
    assert table.attrs["coders"] == ["ann", "bob"]
    blame = table.set_index("label").loc["blame"]
    assert blame["n_units"] == 4 and math.isclose(blame["percent_agreement"], 0.75)
    with pytest.raises(ValueError, match="no records by 'carol'"):
        reliability_table(recs, codebook, coders=("ann", "carol"))


def test_reliability_by_round(coded, lcorpus, codebook, pids):
    coded.append(
        [
            full(pids[2], "coder_a", round=2, frames=["blame"], rationale={}),
            full(pids[2], "coder_b", round=2, frames=["blame"], rationale={}),
        ],
        lcorpus,
        codebook,
    )
    r2 = reliability_table(coded, codebook, round=2).set_index("label")
    assert r2.loc["blame", "n_units"] == 1 and r2.loc["rebuttal", "percent_agreement"] == 1.0
    assert reliability_table(coded.path, codebook).set_index("label").loc["rebuttal", "percent_agreement"] == 1.0


def test_krippendorff_alpha_edge_cases():
    assert math.isnan(krippendorff_alpha([], [], [False, True]))
    assert math.isnan(krippendorff_alpha([True, True], [True, True], [False, True]))
    assert krippendorff_alpha(["a", "b", "a"], ["a", "b", "a"], ["a", "b"]) == 1.0


def test_disagreements_list_both_codings(coded, codebook, lcorpus, pids):
    table = disagreements(coded, codebook, corpus=lcorpus)
    fields = set(zip(table["passage_id"], table["field"], strict=True))
    assert fields == {
        (pids[1], "frames:control_measures"),
        (pids[2], "frames:rebuttal"),
        (pids[5], "frames:blame"),
        (pids[3], "stance:cooperation"),
        (pids[6], "stance:cooperation"),
        (pids[2], "roles:united_states"),
    }
    row = table[table["field"] == "frames:rebuttal"].iloc[0]
    assert (row["annotator_a"], row["value_a"], row["annotator_b"], row["value_b"]) == (
        "coder_a",
        True,
        "coder_b",
        False,
    )
    assert row["record_a"].startswith("r-") and row["text"] == lcorpus.passage(pids[2])["text"]
    assert (table["decision"] == "").all() and (table["reason"] == "").all()


def test_adjudication_keeps_both_codings_and_reasons(coded, codebook, lcorpus, pids, tmp_path):
    table = disagreements(coded, codebook)
    decide = {
        "frames:control_measures": "true",
        "frames:rebuttal": "false",
        "frames:blame": "no",
        "stance:cooperation": "NONE",
        "roles:united_states": "antagonist",
    }
    table["decision"] = table["field"].map(decide)
    table["reason"] = "codebook rule: " + table["field"]
    table.loc[table["passage_id"] == pids[6], "decision"] = ""  # left open
    path = tmp_path / "decisions.csv"
    table.to_csv(path, index=False)
    report = adjudicate(coded, path, codebook, corpus=lcorpus)
    assert len(report.added) == 6
    assert any(pids[6] in w and "unresolved stance:cooperation" in w for w in report.warnings)
    gold = coded.resolved("gold").set_index("passage_id")
    assert pids[6] not in gold.index
    assert gold.loc[pids[1], "frames"] == ["cooperation", "control_measures"]
    assert gold.loc[pids[2], "frames"] == ["blame"] and gold.loc[pids[5], "frames"] == ["coercion"]
    assert gold.loc[pids[3], "stance:cooperation"] == "NONE"
    assert gold.loc[pids[2], "roles"] == {"china": "protagonist", "united_states": "antagonist"}
    rec = coded.history(pids[2], "gold")[0]
    assert rec["kind"] == "adjudication"
    a_id = coded.history(pids[2], "coder_a")[-1]["record_id"]
    b_id = coded.history(pids[2], "coder_b")[-1]["record_id"]
    assert rec["adjudicates"] == {"coder_a": a_id, "coder_b": b_id}
    assert rec["reason"] == {
        "frames:rebuttal": "codebook rule: frames:rebuttal",
        "roles:united_states": "codebook rule: roles:united_states",
    }
    agreed = coded.history(pids[0], "gold")[0]
    assert agreed["reason"] == "the coders agreed on every label"
    # the coders' own records are untouched
    assert len(coded.history(pids[2], "coder_a")) == 1
    # running it again adds nothing
    assert not adjudicate(coded, path, codebook, corpus=lcorpus).written


def test_adjudications_show_each_resolution_with_its_reason(coded, codebook, lcorpus, pids, tmp_path):
    table = disagreements(coded, codebook)
    table["decision"] = table["field"].map(
        {
            "frames:control_measures": "true",
            "frames:rebuttal": "false",
            "frames:blame": "no",
            "stance:cooperation": "AGAINST",
            "roles:united_states": "innocent",
        }
    )
    table["reason"] = "rule for " + table["field"]
    table.loc[table["passage_id"] == pids[6], "decision"] = ""  # left open
    path = tmp_path / "decisions.csv"
    table.to_csv(path, index=False)
    adjudicate(coded, path, codebook, corpus=lcorpus)
    out = adjudications(coded, codebook, corpus=lcorpus).set_index(["passage_id", "field"])
    assert len(out) == len(table)
    row = out.loc[(pids[2], "roles:united_states")]
    assert (row["value_a"], row["value_b"], row["decision"]) == ("antagonist", "protagonist", "innocent")
    assert row["reason"] == "rule for roles:united_states"
    assert out.loc[(pids[3], "stance:cooperation"), "decision"] == "AGAINST"
    assert out.loc[(pids[1], "frames:control_measures"), "decision"] is True
    assert out.loc[(pids[6], "stance:cooperation"), ["decision", "reason"]].tolist() == ["", ""]
    assert out.loc[(pids[2], "frames:rebuttal"), "text"] == lcorpus.passage(pids[2])["text"]


def test_adjudication_decision_errors_name_the_line(coded, codebook, lcorpus, pids, tmp_path):
    table = disagreements(coded, codebook)
    table["decision"] = ""
    table.loc[0, "decision"] = "maybe"
    table.loc[0, "reason"] = "unsure"
    path = tmp_path / "decisions.csv"
    table.to_csv(path, index=False)
    before = coded.path.read_bytes()
    with pytest.raises(StanceInputError) as err:
        adjudicate(coded, path, codebook, corpus=lcorpus)
    assert err.value.line == 2 and err.value.field == "decision" and str(path) in str(err.value)
    table.loc[0, "decision"] = "true"
    table.loc[0, "reason"] = ""
    table.to_csv(path, index=False)
    with pytest.raises(StanceInputError, match="needs a reason"):
        adjudicate(coded, path, codebook, corpus=lcorpus)
    assert coded.path.read_bytes() == before


def test_coders_default_to_the_two_non_gold_annotators(project, lcorpus, codebook, pids):
    store = LabelStore(project / "seeds" / "labels.jsonl", codebook=codebook)
    store.append(
        [full(pids[0], "x"), full(pids[0], "y", frames=[], rationale={}), full(pids[0], "gold")], lcorpus, codebook
    )
    assert reliability_table(store, codebook).attrs["coders"] == ["x", "y"]
    store.append([full(pids[1], "w"), full(pids[1], "z"), full(pids[2], "w"), full(pids[2], "z")], lcorpus, codebook)
    assert reliability_table(store, codebook).attrs["coders"] == ["w", "z"]  # most passages in common
    assert reliability_table(store, codebook, coders=("x", "y")).attrs["coders"] == ["x", "y"]


def test_no_double_coding_gives_an_empty_table(store, lcorpus, codebook, pids):
    store.append([full(pids[0]), full(pids[1], "coder_a")], lcorpus, codebook)
    assert reliability_table(store, codebook).empty
    store.append([full(pids[2], "coder_b")], lcorpus, codebook)
    table = reliability_table(store, codebook)
    assert table.empty and list(table.columns)[:2] == ["task", "label"]
    with pytest.raises(ValueError, match="no two coders"):
        disagreements(LabelStore(store.path, codebook=codebook).records()[:1], codebook)


def test_a_coder_group_reads_several_annotators_as_one_coder(coded, codebook):
    records = coded.records()
    split = [
        {**r, "annotator": "coder_x"} if r["annotator"] == "coder_a" and i % 2 else r for i, r in enumerate(records)
    ]
    whole = reliability_table(records, codebook, coders=["coder_a", "coder_b"])
    grouped = reliability_table(split, codebook, coders=["coder_a+coder_x", "coder_b"])
    pd.testing.assert_series_equal(whole["alpha"], grouped["alpha"])
    with pytest.raises(StanceInputError, match="no records by 'coder_z'"):
        reliability_table(records, codebook, coders=["coder_a+coder_z", "coder_b"])


def test_alpha_intervals_come_from_a_seeded_bootstrap_over_passages(coded, codebook):
    table = reliability_table(coded, codebook, intervals=True, n_boot=200, seed=3)
    again = reliability_table(coded, codebook, intervals=True, n_boot=200, seed=3)
    pd.testing.assert_frame_equal(table, again)
    blame = table.set_index("label").loc["blame"]
    assert blame["alpha_low"] <= blame["alpha"] <= blame["alpha_high"]
    assert blame["alpha_low"] < blame["alpha_high"]
