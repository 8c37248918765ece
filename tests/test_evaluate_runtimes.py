"""The same evaluation under each encoder runtime (stance evaluate --runtimes)."""

from __future__ import annotations

import os
from types import SimpleNamespace

import pandas as pd
import pytest

from stance.evaluation import compare, runtime_parity, use_runtime

# what the "embedding" model scores under each runtime; the lexicon scores the same everywhere
_SCORES = {"torch": 0.7812, "onnx": 0.7809, "onnx-int8": 0.7731}


def _fake_evaluate_gold(calls):
    def evaluate_gold(corpus, gold, codebook, *, tasks, models, curve, **kwargs):
        runtime = os.environ["STANCE_ENCODER_RUNTIME"]
        calls.append((runtime, tuple(tasks), tuple(models), curve, kwargs.get("n_boot")))
        score = _SCORES[runtime] if models == ["embedding"] else 0.55
        table = pd.DataFrame(
            {
                "task": tasks,
                "model": models,
                "score": [score],
                "ci_low": [score - 0.1],
                "macro_f1": [score],
                "cross-source": [score / 2],
                "cross-source_ci_low": [0.0],
                "error": [""],
            }
        )
        return SimpleNamespace(comparison=table)

    return evaluate_gold


def test_metrics_are_compared_per_runtime_and_the_setting_restored(monkeypatch):
    calls = []
    monkeypatch.setattr(compare, "evaluate_gold", _fake_evaluate_gold(calls))
    monkeypatch.setenv("STANCE_ENCODER_RUNTIME", "auto")
    models = {"frames": ["lexicon"], "stance:cooperation": ["embedding"]}
    table = runtime_parity(None, None, None, tasks=list(models), models=models, n_boot=10)
    assert os.environ["STANCE_ENCODER_RUNTIME"] == "auto"
    assert [c[0] for c in calls] == ["torch"] * 2 + ["onnx"] * 2 + ["onnx-int8"] * 2
    assert all(c[3] is False and c[4] == 10 for c in calls)  # no learning curves; options passed on
    assert list(table.columns) == ["task", "model", "metric", "torch", "onnx", "onnx-int8", "max_abs_diff", "same"]
    lexicon = table[table["model"] == "lexicon"]
    assert lexicon["same"].all() and (lexicon["max_abs_diff"] == 0).all()
    emb = table[table["model"] == "embedding"].set_index("metric")
    assert set(emb.index) == {"score", "ci_low", "macro_f1", "cross-source"}  # interval bounds of transfer left out
    # 0.7812 / 0.7809 agree to two decimals, 0.7731 does not
    assert not emb.loc["score", "same"] and emb.loc["score", "max_abs_diff"] == pytest.approx(0.0081)
    only_onnx = runtime_parity(
        None, None, None, tasks=["stance:cooperation"], runtimes=["torch", "onnx"], models=models
    )
    assert only_onnx["same"].all()


def test_use_runtime_restores_an_unset_setting(monkeypatch):
    monkeypatch.delenv("STANCE_ENCODER_RUNTIME", raising=False)
    with use_runtime("onnx-int8"):
        assert os.environ["STANCE_ENCODER_RUNTIME"] == "onnx-int8"
    assert "STANCE_ENCODER_RUNTIME" not in os.environ


def test_cli_refuses_a_single_or_unknown_runtime(monkeypatch):
    import typer
    from typer.testing import CliRunner

    from stance.cli.evaluate import evaluate

    app = typer.Typer()
    app.command("evaluate")(evaluate)
    app.command("other")(lambda: None)
    for value in ("torch", "torch,tensorrt"):
        result = CliRunner().invoke(app, ["evaluate", "-t", "frames", "--runtimes", value])
        assert result.exit_code != 0
        assert "--runtimes needs two or more of" in (result.output + str(result.exception))
