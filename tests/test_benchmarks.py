"""Smoke runs of the public benchmarks and the evaluate / train / benchmark commands (tfidf, tiny data)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import typer
from typer.testing import CliRunner

from stance.benchmarks import GVFC_FRAMES, load_gvfc, load_semeval, run_benchmark
from stance.errors import StanceInputError

SHARED = Path(__file__).resolve().parents[2] / "shared" / "benchmarks"
FAST = {"tfidf": {"calibration": None, "threshold": 0.5, "cv": 2}}

_TOPIC = {
    1: "second amendment rights gun owners",
    2: "background check law ban",
    3: "senate democrats republicans vote",
    4: "mental illness troubled loner",
    5: "school campus security guards",
    6: "black white supremacist race",
    7: "poll vigil public mourns",
    8: "video games culture church",
    9: "stocks sales economy cost",
}


@pytest.fixture(scope="module")
def gvfc_csv(tmp_path_factory) -> Path:
    rng = np.random.default_rng(0)
    rows = []
    for i in range(45):
        f1 = i % 9 + 1
        f2 = (f1 % 9) + 1 if i % 4 == 0 else ""
        words = _TOPIC[f1] + (" " + _TOPIC[f2] if f2 else "")
        rows.append(
            {
                "id": i,
                "headline": f"{words} {rng.choice(['today', 'after shooting', 'in ohio'])}",
                "frame1": f1,
                "frame2": f2,
                "frame1_name": "",
                "frame2_name": "",
                "fold": i % 5,
            }
        )
    path = tmp_path_factory.mktemp("gvfc") / "headlines.csv"
    pd.DataFrame(rows).to_csv(path, index=False)
    return path


@pytest.fixture(scope="module")
def semeval_csv(tmp_path_factory) -> Path:
    words = {"FAVOR": "love support great", "AGAINST": "hate oppose wrong", "NONE": "weather lunch today"}
    rows = []
    for i in range(60):
        stance = ["FAVOR", "AGAINST", "NONE"][i % 3]
        target = ["Atheism", "Feminist Movement"][i // 3 % 2]
        rows.append(
            {
                "id": i,
                "target": target,
                "tweet": f"{words[stance]} #{target.split()[0]} {i}",
                "stance": stance,
                "split": "test" if i % 4 == 0 else "train",
            }
        )
    path = tmp_path_factory.mktemp("semeval") / "tweets.csv"
    pd.DataFrame(rows).to_csv(path, index=False)
    return path


def test_loaders_name_frames_and_check_columns(gvfc_csv, semeval_csv, tmp_path):
    df = load_gvfc(gvfc_csv)
    assert set(df["frame1"]) <= set(GVFC_FRAMES)
    assert (df["frame2"] == "").sum() > 0
    tweets = load_semeval(semeval_csv)
    assert list(tweets.columns) == ["id", "target", "text", "stance", "split"]
    bad = tmp_path / "bad.csv"
    bad.write_text("id,headline\n1,x\n")
    with pytest.raises(StanceInputError, match="missing columns"):
        load_gvfc(bad)


def test_gvfc_smoke_both_settings(gvfc_csv, tmp_path):
    result = run_benchmark("gvfc", gvfc_csv, ["tfidf"], params=FAST, n_boot=20, out=tmp_path)
    assert set(result["setting"]) == {"single-label", "multi-label"}
    macro = result.set_index(["setting", "metric"])["value"]
    assert 0 <= macro[("single-label", "macro_f1")] <= 1
    assert macro[("single-label", "micro_f1")] == pytest.approx(macro[("single-label", "accuracy")])
    assert (result["seconds"] > 0).all() and (result["n_test"] == load_gvfc(gvfc_csv)["text"].nunique()).all()
    saved = pd.read_csv(tmp_path / "gvfc.csv")
    assert len(saved) == len(result)


def test_semeval_smoke_per_target_and_joint(semeval_csv):
    result = run_benchmark("semeval2016", semeval_csv, ["tfidf"], params=FAST, n_boot=20)
    overall = result[(result["target"] == "all") & (result["metric"] == "f_avg")]
    assert set(overall["setting"]) == {"per-target", "joint"}
    assert set(result["target"]) == {"all", "Atheism", "Feminist Movement"}
    assert (overall["value"] > 0.5).all()  # the cue words make the toy task easy


@pytest.mark.skipif(not (SHARED / "gvfc" / "headlines.csv").is_file(), reason="shared benchmarks not present")
def test_real_benchmark_files_smoke():
    result = run_benchmark(
        "gvfc",
        SHARED / "gvfc" / "headlines.csv",
        ["tfidf"],
        params=FAST,
        limit=40,
        n_boot=0,
        settings=["single-label"],
    )
    assert (result["n_test"] == 40).all()
    result = run_benchmark(
        "semeval",
        SHARED / "semeval2016_stance" / "tweets.csv",
        ["tfidf"],
        params=FAST,
        limit=40,
        n_boot=0,
        strategies=["joint"],
    )
    assert result["target"].nunique() > 1


# ------------------------------------------------------------------------------ CLI
@pytest.fixture(scope="module")
def cli():
    from stance.cli.evaluate import benchmark, evaluate, train

    app = typer.Typer()
    app.command("evaluate")(evaluate)
    app.command("train")(train)
    app.command("benchmark")(benchmark)
    return app


def test_benchmark_command(cli, gvfc_csv, tmp_path):
    res = CliRunner().invoke(
        cli,
        [
            "benchmark",
            "gvfc",
            "--data",
            str(gvfc_csv),
            "-p",
            "tfidf.calibration=null",
            "--n-boot",
            "10",
            "--out",
            str(tmp_path),
            "-s",
            "single-label",
        ],
    )
    assert res.exit_code == 0, res.output
    assert "Published" in res.output and "0.77" in res.output
    assert (tmp_path / "gvfc.csv").is_file()


def test_parse_params():
    from stance.cli.evaluate import parse_params

    assert parse_params(["tfidf.C=3", "tfidf.ngram_range=[1,3]", "setfit.encoder=x"]) == {
        "tfidf": {"C": 3, "ngram_range": (1, 3)},
        "setfit": {"encoder": "x"},
    }


def test_evaluate_and_train_commands(cli, codebook, tmp_path, monkeypatch, gold_corpus):
    import stance.evaluation as ev

    _, gold = gold_corpus(codebook, tmp_path)
    monkeypatch.setattr(ev, "load_gold", lambda labels=None, codebook=None: gold)
    corpus_path = tmp_path / "corpus.csv"
    out = tmp_path / "evaluation"
    common = ["--corpus", str(corpus_path), "-t", "stance:us_government", "-m", "lexicon,tfidf"]
    res = CliRunner().invoke(
        cli,
        [
            "evaluate",
            *common,
            "--n-boot",
            "20",
            "--out",
            str(out),
            "--no-curve",
            "-p",
            "tfidf.calibration=null",
            "-p",
            "lexicon.calibration=null",
        ],
    )
    assert res.exit_code == 0, res.output
    assert "stance:us_government: ranked by f_avg" in res.output and "95% CI" in res.output
    for name in ("comparison", "per_label", "learning_curve", "confusion", "predictions"):
        assert (out / f"{name}.csv").is_file()
    root = tmp_path / "models"
    res = CliRunner().invoke(
        cli,
        [
            "train",
            *common,
            "--root",
            str(root),
            "--evaluation",
            str(out),
            "-p",
            "tfidf.calibration=null",
            "-p",
            "lexicon.calibration=null",
        ],
    )
    assert res.exit_code == 0, res.output
    assert "reusing the ranking" in res.output and "trained" in res.output
    assert (root / "stance-us_government" / "DEFAULT").is_file()
    res = CliRunner().invoke(cli, ["train", *common, "--root", str(root)])
    assert res.exit_code == 0 and "exists" in res.output


def test_gvfc_single_label_uses_a_single_label_codebook(gvfc_csv):
    from stance.benchmarks import _single_label
    from stance.codebook import Codebook
    from stance.config import project_root

    cb = Codebook.load(project_root() / "examples" / "gvfc" / "codebook.yaml")
    single = _single_label(cb)
    assert cb.is_multilabel("frames") and not single.is_multilabel("frames")
    assert single.frame_names == cb.frame_names == GVFC_FRAMES
    result = run_benchmark("gvfc", gvfc_csv, ["lexicon"], codebook=cb, n_boot=0, settings=["single-label"])
    assert set(result["metric"]) == {"macro_f1", "micro_f1", "accuracy"}
    acc = result.set_index("metric")["value"]
    assert acc["micro_f1"] == pytest.approx(acc["accuracy"])  # one frame per headline


def test_the_own_project_path_scores_gvfc_as_the_benchmark_does(gvfc_csv, tmp_path, monkeypatch):
    """`stance init`, `label import` and `evaluate --folds group:fold` give the benchmark's predictions, exactly."""
    import yaml

    from stance.evaluation import score_predictions
    from tests.test_project import cli as stance

    bench = run_benchmark("gvfc", gvfc_csv, ["tfidf"], settings=["single-label"], n_boot=20).set_index("metric")
    codebook = yaml.safe_load((Path(__file__).resolve().parents[1] / "examples/gvfc/codebook.yaml").read_text())
    codebook["frames"] = {"type": "single-label", "labels": codebook["frames"]}
    (tmp_path / "gvfc.yaml").write_text(yaml.safe_dump(codebook, sort_keys=False), encoding="utf-8")
    monkeypatch.delenv("STANCE_PROJECT_DIR", raising=False)
    monkeypatch.chdir(tmp_path)
    assert stance("init", "p", "--codebook", "gvfc.yaml").code == 0
    monkeypatch.chdir(tmp_path / "p")
    maps = [x for i, name in enumerate(GVFC_FRAMES, 1) for x in ("--map", f"{i}={name}")]
    columns = [
        "--text-column",
        "headline",
        "--label-column",
        "frame1",
        "--id-column",
        "id",
        "--document-column",
        "fold",
    ]
    res = stance("label", "import", gvfc_csv, *columns, *maps, "-a", "gold")
    assert res.code == 0, res.output
    res = stance("evaluate", "-m", "tfidf", "--folds", "group:fold", "--no-curve", "--n-boot", "20", "--transfer", "")
    assert res.code == 0, res.output
    predictions = pd.read_csv(tmp_path / "p/models/evaluation/predictions.csv", dtype={"fold": str})
    assert predictions["passage_id"].nunique() == bench.loc["macro_f1", "n_test"] < 45  # repeated headlines: one each
    per_fold = [
        score_predictions(g, GVFC_FRAMES, False, n_boot=0)[0].set_index("metric")["value"]
        for _, g in predictions.groupby("fold")
    ]
    pooled = score_predictions(predictions, GVFC_FRAMES, False, n_boot=0)[0].set_index("metric")["value"]
    for metric in ("macro_f1", "accuracy"):
        assert np.mean([v[metric] for v in per_fold]) == bench.loc[metric, "value"]
        assert pooled[metric] == bench.loc[metric, "pooled"]
