"""The performance harness (stance.bench, `stance bench`) at tiny sizes with the lexicon backend."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from stance import bench


def test_generated_passages_are_deterministic_unique_and_from_the_corpus(seed_corpus):
    a = bench.generate_passages(300, seed=3, corpus=seed_corpus)
    b = bench.generate_passages(300, seed=3, corpus=seed_corpus)
    c = bench.generate_passages(300, seed=4, corpus=seed_corpus)
    pd.testing.assert_frame_equal(a, b)
    assert not a["text"].equals(c["text"])
    assert list(a.columns) == ["passage_id", "doc_id", "text"] and len(a) == 300
    assert a["text"].is_unique and a["passage_id"].is_unique and a["doc_id"].nunique() == 15
    sentences = set(seed_corpus.sentences["text"].str.strip())
    first = a["text"].iloc[0]
    assert any(first.startswith(s) for s in sentences)


def test_tiny_run_returns_a_tidy_table(tmp_path):
    result = bench.run_bench(
        backends=["lexicon"],
        throughput_n=40,
        reference=False,
        repeats=1,
        sizes=(30, 120),
        growth_model="lexicon",
        figures=False,
        finetune=False,
        workdir=tmp_path,
    )
    t = result.table
    assert list(t.columns) == bench.COLUMNS
    assert t["section"].tolist() == ["throughput", "growth", "growth"]
    through = t.iloc[0]
    assert through["subject"] == "lexicon" and through["n"] == 40 and np.isnan(through["ratio"])
    assert through["per_second"] == pytest.approx(40 / through["seconds"])
    growth = t[t["section"] == "growth"]
    assert growth["n"].tolist() == [30, 120]
    assert growth["ratio"].iloc[0] == 1.0 and (growth["seconds"] > growth["scoring_seconds"]).all()
    assert (t["peak_mb"] > 20).all() and (t["peak_mb"] < 4000).all()
    assert result.machine["cores"] >= 1 and "load_average_end" in result.machine
    tg = bench.targets(t)
    assert tg["met"].isna().all()  # nothing at the target sizes was measured
    md = bench.to_markdown(result)
    assert "**Throughput" in md and "**Growth" in md and "**Targets**" in md and "not measured" in md


def test_a_growth_size_over_the_budget_is_streamed_and_extrapolated(tmp_path):
    result = bench.run_bench(
        backends=[],
        reference=False,
        sizes=(30, 120),
        growth_model="lexicon",
        figures=False,
        finetune=False,
        chunksize=40,
        growth_budget=1e-6,
        workdir=tmp_path,
    )
    small, big = (row for _, row in result.table.iterrows())
    assert "streamed" not in small["note"] and small["ratio"] == 1.0
    assert big["note"].startswith("streamed: scored 40 of 120 passages")
    assert np.isnan(big["seconds"]) and np.isnan(big["ratio"])
    assert big["scoring_seconds"] == pytest.approx(120 / big["per_second"])
    assert "synthetic passages" in big["note"]


def _table(rows):
    return pd.DataFrame([{**dict.fromkeys(bench.COLUMNS, float("nan")), **r} for r in rows], columns=bench.COLUMNS)


def test_targets_are_judged_on_the_measured_rows():
    t = _table(
        [
            {"section": "throughput", "subject": "default", "ratio": 0.97},
            {"section": "figures", "subject": "warm", "seconds": 31.0},
            {"section": "growth", "subject": "1000 passages", "n": 1000, "scoring_seconds": 10.0, "peak_mb": 700},
            {
                "section": "growth",
                "subject": "100000 passages",
                "n": 100000,
                "scoring_seconds": 1050.0,
                "peak_mb": 1199,
            },
        ]
    )
    got = bench.targets(t).set_index("target")
    assert got.index.tolist() == [
        "throughput",
        "throughput_onnx",
        "throughput_onnx_int8",
        "warm_figures",
        "memory",
        "growth",
    ]
    got = got.drop(index=["throughput_onnx", "throughput_onnx_int8"])  # not measured here
    assert got["met"].tolist() == [True, False, True, True]
    assert got["measured"].tolist() == pytest.approx([0.97, 31.0, 1199, 105.0])
    t.loc[3, "scoring_seconds"] = 1200.0
    t.loc[0, "ratio"] = 0.9
    worse = bench.targets(t, readable=True).set_index("target")
    assert worse.loc["growth", "met"] == "no" and worse.loc["throughput", "met"] == "no"


def test_unknown_subject_is_refused(tmp_path):
    from stance.errors import StanceInputError

    with pytest.raises(StanceInputError, match="unknown benchmark subject"):
        bench.run_bench(backends=["fastest"], sizes=(), figures=False, finetune=False, workdir=tmp_path)


def test_cli_writes_markdown_and_csv(tmp_path):
    import typer
    from typer.testing import CliRunner

    from stance.cli.bench import bench as command

    app = typer.Typer()
    app.command("bench")(command)
    app.command("other")(lambda: None)
    md, csv = tmp_path / "perf.md", tmp_path / "perf.csv"
    result = CliRunner().invoke(
        app,
        [
            "bench",
            "--backends",
            "lexicon",
            "--no-reference",
            "--throughput-n",
            "25",
            "--repeats",
            "1",
            "--sizes",
            "",
            "--no-figures",
            "--no-finetune",
            "--runtimes",
            "",
            "--no-corpus",
            "--markdown",
            str(md),
            "--csv",
            str(csv),
            "--workdir",
            str(tmp_path / "w"),
        ],
    )
    assert result.exit_code == 0, result.output
    assert "throughput" in result.output and "targets" in result.output
    assert "| lexicon | 25 |" in md.read_text(encoding="utf-8")
    assert pd.read_csv(csv)["subject"].tolist() == ["lexicon"]


@pytest.mark.slow
def test_raw_encode_reference_runs_in_the_same_run(tmp_path):
    result = bench.run_bench(
        backends=["lexicon"],
        throughput_n=24,
        reference=True,
        repeats=1,
        sizes=(),
        figures=False,
        finetune=False,
        workdir=tmp_path,
    )
    t = result.table.set_index("subject")
    assert list(t.index) == ["raw-encode", "lexicon"]
    assert t.loc["raw-encode", "ratio"] == 1.0
    raw, lexicon = t.loc["raw-encode", "per_second"], t.loc["lexicon", "per_second"]
    assert t.loc["lexicon", "ratio"] == pytest.approx(lexicon / raw)
    assert "SentenceTransformer.encode" in t.loc["raw-encode", "note"]


def test_runtime_rows_are_planned_per_runtime_for_subjects_that_encode():
    plan = bench._plan(["default", "default-all", "lexicon", "embedding"], True, ["torch", "onnx-int8"])
    assert [label for label, _, _ in plan] == [
        "raw-encode",
        "encoder (torch)",
        "encoder (onnx-int8)",
        "default",
        "default-all (torch)",
        "default-all (onnx-int8)",
        "lexicon",
        "embedding (torch)",
        "embedding (onnx-int8)",
    ]
    assert [label for label, _, _ in bench._plan(["default-all"], False, [])] == ["default-all"]
    spec = bench._throughput_spec("default-all", "onnx", Path("x.parquet"), 100, Path("w"))
    assert spec["kind"] == "score" and spec["runtime"] == "onnx"


def test_runtime_targets_read_the_default_all_rows():
    t = _table(
        [
            {"section": "throughput", "subject": "default-all (onnx)", "ratio": 1.5},
            {"section": "throughput", "subject": "default-all (onnx-int8)", "ratio": 1.9},
        ]
    )
    got = bench.targets(t).set_index("target")
    assert got.loc["throughput_onnx", "met"] and not got.loc["throughput_onnx_int8", "met"]


def test_unknown_runtime_is_refused(tmp_path):
    from stance.errors import StanceInputError

    with pytest.raises(StanceInputError, match="unknown encoder runtime"):
        bench.run_bench(backends=[], runtimes=["tensorrt"], sizes=(), figures=False, finetune=False, workdir=tmp_path)


@pytest.mark.slow
def test_encoder_rows_per_runtime_in_the_same_run(tmp_path):
    result = bench.run_bench(
        backends=[],
        throughput_n=40,
        reference=True,
        repeats=1,
        sizes=(),
        figures=False,
        finetune=False,
        workdir=tmp_path,
        runtimes=["torch", "onnx-int8"],
    )
    t = result.table.set_index("subject")
    assert list(t.index) == ["raw-encode", "encoder (torch)", "encoder (onnx-int8)"]
    assert "onnx-int8" in t.loc["encoder (onnx-int8)", "note"]
    raw = t.loc["raw-encode", "per_second"]
    assert t.loc["encoder (onnx-int8)", "ratio"] == pytest.approx(t.loc["encoder (onnx-int8)", "per_second"] / raw)
