"""Groups and time on synthetic passage tables: cluster bootstrap, time series, events, sides."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from stance import timeseries as ts
from stance.errors import StanceInputError


def synthetic_table(docs: list[tuple[str, str, str, float]], per_doc: int = 10) -> pd.DataFrame:
    """A passage_measures-like table: (doc_id, published, side, share of passages with frame a)."""
    rows = []
    for doc_id, published, side, share in docs:
        n_on = round(share * per_doc)
        for k in range(per_doc):
            rows.append(
                {
                    "doc_id": doc_id,
                    "passage_id": f"{doc_id}:{k}",
                    "published": pd.Timestamp(published),
                    "side": side,
                    "kind": "press briefing" if k % 2 else "fact sheet",
                    "frame:a": float(k < n_on),
                    "stance:x": 1.0 if k < n_on else -1.0,
                }
            )
    return pd.DataFrame(rows)


def test_cluster_bootstrap_resamples_documents_not_passages():
    table = synthetic_table([("d1", "2024-01-01", "US", 1.0), ("d2", "2024-01-02", "US", 0.0)], per_doc=50)
    means, boot = ts.cluster_bootstrap(table, ["frame:a"], n_boot=400)
    assert means[0] == pytest.approx(0.5)
    assert set(np.round(boot[:, 0], 6)) <= {0.0, 0.5, 1.0}  # two documents: whole documents drawn
    out = ts.group_means(table, ["side"], n_boot=400)
    row = out[out["measure"] == "frame:a"].iloc[0]
    assert (row["value_lo"], row["value_hi"]) == (0.0, 1.0)  # passage resampling would give about 0.4-0.6
    assert row["n_docs"] == 2 and row["n_passages"] == 100
    assert row["passages"].split() == [f"d1:{k}" for k in range(50)]
    again = ts.group_means(table, ["side"], n_boot=400)
    pd.testing.assert_frame_equal(out, again)


def test_time_series_bins_by_quarter_and_flags_sparse_bins():
    docs = [(f"q1-{i}", f"2024-0{1 + i % 3}-10", "US", 0.2) for i in range(4)]
    docs += [("q2-0", "2024-05-01", "US", 0.8), ("cn-0", "2024-02-01", "CN", 0.5)]
    series = ts.time_series(synthetic_table(docs), freq="Q", min_docs=3, n_boot=100)
    frames = series[series["measure"] == "frame:a"].set_index(["side", "period"])
    assert frames.loc[("US", "2024Q1"), "value"] == pytest.approx(0.2)
    assert not frames.loc[("US", "2024Q1"), "sparse"] and frames.loc[("US", "2024Q2"), "sparse"]
    assert frames.loc[("CN", "2024Q1"), "n_docs"] == 1
    assert frames.loc[("US", "2024Q1"), "period_mid"] == pd.Timestamp("2024-02-15")
    months = ts.time_series(synthetic_table(docs), freq="M", n_boot=50)
    assert set(months["period"]) == {"2024-01", "2024-02", "2024-03", "2024-05"}
    with pytest.raises(ValueError, match="month, quarter, year"):
        ts.time_series(synthetic_table(docs), freq="W")


def test_before_after_finds_the_step_and_its_sign():
    docs = [(f"b{i}", f"2023-0{i + 3}-01", "US", 0.0) for i in range(4)]
    docs += [(f"a{i}", f"2024-0{i + 3}-01", "US", 1.0) for i in range(4)]
    table = synthetic_table(docs)
    up = ts.before_after(table, "2024-01-30", window_days=365, n_boot=200)
    row = up[up["measure"] == "frame:a"].iloc[0]
    assert row["value_before"] == 0.0 and row["value_after"] == 1.0
    assert (row["difference"], row["difference_lo"], row["difference_hi"]) == (1.0, 1.0, 1.0)
    assert row["n_docs_before"] == 4 and row["n_docs_after"] == 4
    assert up.loc[up["measure"] == "stance:x", "difference"].iloc[0] == 2.0  # -1 to +1
    flipped = synthetic_table([(d, p, s, 1.0 - v) for d, p, s, v in docs])
    down = ts.before_after(flipped, "2024-01-30", n_boot=200)
    assert down.loc[down["measure"] == "frame:a", "difference"].iloc[0] == -1.0
    narrow = ts.before_after(table, "2024-01-30", window_days=30, n_boot=50)
    assert narrow.empty  # no document within 30 days before the event


def test_compare_sides_uses_shared_periods_only():
    docs = [("us1", "2022-03-01", "US", 0.5), ("us2", "2022-06-01", "US", 0.5), ("us3", "2023-01-01", "US", 0.1)]
    docs += [("cn1", "2022-05-01", "CN", 0.9), ("cn2", "2024-05-01", "CN", 0.9)]
    out = ts.compare_sides(synthetic_table(docs), freq="Y", n_boot=100)
    assert out.attrs["sides"] == ["CN", "US"]
    assert set(out["period"]) == {"2022"}
    row = out[out["measure"] == "frame:a"].iloc[0]
    assert row["value_CN"] == pytest.approx(0.9) and row["value_US"] == pytest.approx(0.5)
    assert row["difference"] == pytest.approx(0.4) and row["difference_lo"] <= 0.4 <= row["difference_hi"]
    swapped = ts.compare_sides(synthetic_table(docs), sides=("US", "CN"), freq="Y", n_boot=100)
    assert swapped.loc[swapped["measure"] == "frame:a", "difference"].iloc[0] == pytest.approx(-0.4)
    with pytest.raises(ValueError, match="side"):
        ts.compare_sides(synthetic_table(docs).drop(columns="side"))
    pooled = ts.compare_sides(synthetic_table(docs), freq=None, n_boot=100)
    row = pooled[pooled["measure"] == "frame:a"].iloc[0]
    assert set(pooled["period"]) == {"all"} and row["n_docs_CN"] == 2 and row["n_docs_US"] == 3
    assert row["value_US"] == pytest.approx(pd.Series([0.5, 0.5, 0.1]).mean())


def test_passage_measures_keeps_officials_on_topic_passages():
    documents = pd.DataFrame(
        {
            "doc_id": ["d1", "d2"],
            "published": pd.to_datetime(["2024-01-01", "2025-01-01"]),
            "side": ["US", "CN"],
            "outlet": ["The White House", "China Daily"],
            "kind": ["press briefing", "news report"],
            "administration": ["Biden", ""],
        }
    )
    passages = pd.DataFrame(
        {
            "passage_id": ["d1:0", "d1:1", "d1:2", "d2:0"],
            "doc_id": ["d1", "d1", "d1", "d2"],
            "on_topic": [True, True, False, True],
            "speaker_role": ["official", "journalist", "official", "author"],
        }
    )
    scores = []
    for pid in passages["passage_id"]:
        scores += [
            {"passage_id": pid, "task": "frames", "label": "blame", "pred": pid == "d1:0", "source": "model"},
            {"passage_id": pid, "task": "stance:us", "label": "AGAINST", "pred": True, "source": "model"},
            {"passage_id": pid, "task": "stance:us", "label": "NONE", "pred": False, "source": "model"},
        ]
    corpus = SimpleNamespace(documents=documents, passages=passages)
    table = ts.passage_measures(pd.DataFrame(scores), corpus)
    assert table["passage_id"].tolist() == ["d1:0", "d2:0"]
    assert ts.measure_columns(table) == ["frame:blame", "stance:us"]
    assert table["frame:blame"].tolist() == [1.0, 0.0] and table["stance:us"].tolist() == [-1.0, -1.0]
    everyone = ts.passage_measures(pd.DataFrame(scores), corpus, speaker_roles=None, on_topic_only=False)
    assert len(everyone) == 4


def test_read_events_names_file_line_and_field(tmp_path):
    good = tmp_path / "events.csv"
    good.write_text("date,label,source\n2024-01-30,Launch,https://example.org/a\n2019-05-01,Scheduling,UNODC\n")
    events = ts.read_events(good)
    assert events["label"].tolist() == ["Scheduling", "Launch"]  # sorted by date
    bad_date = tmp_path / "bad.csv"
    bad_date.write_text("date,label,source\n2024-01-30,Launch,x\n2024-13-01,Oops,y\n")
    with pytest.raises(StanceInputError) as err:
        ts.read_events(bad_date)
    assert (err.value.line, err.value.field) == (3, "date") and "bad.csv" in str(err.value)
    no_source = tmp_path / "nosource.csv"
    no_source.write_text("date,label,source\n2024-01-30,Launch,\n")
    with pytest.raises(StanceInputError, match="source") as err:
        ts.read_events(no_source)
    assert err.value.line == 2
    no_column = tmp_path / "nocol.csv"
    no_column.write_text("date,label\n2024-01-30,Launch\n")
    with pytest.raises(StanceInputError, match="source"):
        ts.read_events(no_column)


def test_project_events_table_is_valid(root):
    events = ts.read_events(root / "seeds" / "events.csv")
    assert len(events) >= 5 and events["source"].str.len().min() > 10
    assert pd.Timestamp("2023-11-15") in set(events["date"])


def test_mentioning_keeps_the_passages_that_name_a_term():
    from types import SimpleNamespace

    table = synthetic_table([("d1", "2024-01-01", "US", 0.5), ("d2", "2024-06-01", "CN", 0.5)], per_doc=2)
    texts = ["The Working Group met.", "Tariffs rose.", "A working-group? No.", "The working group was launched."]
    corpus = SimpleNamespace(passages=pd.DataFrame({"passage_id": table["passage_id"], "text": texts}))
    out = ts.mentioning(table, corpus, r"working group")
    assert out["passage_id"].tolist() == ["d1:0", "d2:1"] and out["text"].iloc[1] == texts[3]
