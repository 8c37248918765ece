"""The figures registry and plots: contract, determinism, missing inputs, committed figures."""

from __future__ import annotations

import hashlib
import re
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from test_analysis import CueModel

from stance import analysis, figures, plotting

ROOT = Path(__file__).resolve().parent.parent
SCORE_FIGURES = [
    "frame-document-heatmap",
    "frames-over-time",
    "stance-by-document",
    "stance-over-time",
    "narrative-arc",
]
TABLES = ["passage-scores", "frame-evidence", "group-aggregates"]
EVAL_FIGURES = ["model-comparison", "learning-curve"]


def cue_models(codebook) -> dict[str, CueModel]:
    """Keyword models over the codebook's cues, for every scored task."""
    out = {
        "frames": CueModel(codebook.frame_names, {f.name: [c.lower() for c in f.cues] for f in codebook.frames}, True)
    }
    for t in codebook.stance_targets:
        cues = {lab.name: [c.lower() for c in lab.cues] for lab in codebook.labels(f"stance:{t}")}
        out[f"stance:{t}"] = CueModel(codebook.stance_classes, cues, False)
    return out


def fake_evaluation(folder: Path, codebook) -> None:
    """Evaluation tables in the format of stance.evaluate (long: task, model, label, metric, value, CI)."""
    rng = np.random.default_rng(0)
    per, comp, curve = [], [], []
    for task in analysis.scored_tasks(codebook):
        for model in ("lexicon", "tfidf"):
            for label in codebook.task_labels(task):
                v = float(rng.uniform(0.2, 0.9))
                per.append(
                    {
                        "task": task,
                        "model": model,
                        "label": label,
                        "metric": "f1",
                        "value": v,
                        "ci_low": v - 0.1,
                        "ci_high": min(1.0, v + 0.1),
                        "support": 5,
                    }
                )
            comp.append(
                {
                    "rank": 1 if model == "tfidf" else 2,
                    "task": task,
                    "model": model,
                    "metric": "macro_f1",
                    "score": 0.6 if model == "tfidf" else 0.5,
                }
            )
        for frac in (0.5, 1.0):
            for rep in range(1 if frac == 1.0 else 2):
                curve.append(
                    {
                        "model": "tfidf",
                        "task": task,
                        "fraction": frac,
                        "repeat": rep,
                        "n_train": 50 * frac,
                        "metric": "macro_f1",
                        "value": 0.3 + 0.3 * frac + 0.01 * rep,
                    }
                )
    folder.mkdir(parents=True, exist_ok=True)
    pd.DataFrame(per).to_csv(folder / "per_label.csv", index=False)
    pd.DataFrame(comp).to_csv(folder / "comparison.csv", index=False)
    pd.DataFrame(curve).to_csv(folder / "learning_curve.csv", index=False)


@pytest.fixture(scope="module")
def context(seed_corpus, codebook, tmp_path_factory):
    base = tmp_path_factory.mktemp("figctx")
    fake_evaluation(base / "models" / "evaluation", codebook)
    return figures.FigureContext(
        seed_corpus,
        codebook,
        models=cue_models(codebook),
        models_dir=base / "models",
        labels=base / "no-labels.jsonl",
        cache_dir=base / "cache",
        n_boot=100,
    )


@pytest.fixture(scope="module")
def generated(context, tmp_path_factory):
    out = tmp_path_factory.mktemp("figs")
    results = figures.generate(SCORE_FIGURES + TABLES + EVAL_FIGURES, out, context=context, raise_errors=True)
    return out, results


# ----------------------------------------------------------------------------- registry
def test_registry_entries_are_named_by_content():
    specs = figures.available()
    for name in [*SCORE_FIGURES, *TABLES, *EVAL_FIGURES, "coder-reliability"]:
        assert name in specs
    for name, spec in specs.items():
        assert re.fullmatch(r"[a-z][a-z0-9]*(-[a-z0-9]+)+", name), name
        assert not re.search(r"fig\d", name)
        assert spec.kind in ("figure", "table")
    for name in [*SCORE_FIGURES, *TABLES, *EVAL_FIGURES, "coder-reliability"]:
        assert specs[name].description, name


def test_readme_lists_every_figure():
    readme = (ROOT / "figures" / "README.md").read_text(encoding="utf-8")
    missing = [name for name in figures.available() if f"`{name}" not in readme]
    assert not missing, f"figures/README.md lacks a reading guide for {missing}"


def test_register_figure_adds_an_entry(tmp_path, context):
    @figures.register_figure("test-only-figure", description="a test")
    def _make(corpus=None, codebook=None):
        fig, ax = plotting.new_figure((3, 2))
        ax.plot([0, 1], [0, 1])
        return fig, pd.DataFrame({"x": [0, 1], "y": [0.0, 1.0]})

    try:
        results = figures.generate(["test-only-figure"], tmp_path, context=context)
        assert results[0].status == "written"
        assert {p.name for p in tmp_path.iterdir()} == {
            "test-only-figure.png",
            "test-only-figure.svg",
            "test-only-figure.csv",
        }
        again = figures.generate(["test-only-figure"], tmp_path, context=context)
        assert again[0].status == "unchanged"
    finally:
        figures.FIGURES.pop("test-only-figure", None)


def test_unknown_figure_lists_known_ones(tmp_path, context):
    with pytest.raises(KeyError, match="frame-document-heatmap"):
        figures.generate(["no-such-figure"], tmp_path, context=context)


# ----------------------------------------------------------------------------- output
def test_every_figure_writes_png_svg_csv(generated):
    out, results = generated
    assert all(r.status == "written" for r in results), [(r.name, r.message) for r in results]
    for name in SCORE_FIGURES + EVAL_FIGURES:
        for ext in ("png", "svg", "csv"):
            assert (out / f"{name}.{ext}").stat().st_size > 0, (name, ext)
    for name in TABLES:
        assert (out / f"{name}.csv").is_file()
        assert not (out / f"{name}.png").exists()


def test_files_have_no_timestamps_or_software_tags(generated):
    out, _ = generated
    png = (out / "frame-document-heatmap.png").read_bytes()
    assert b"Software" not in png and b"matplotlib" not in png.lower()
    svg = (out / "frame-document-heatmap.svg").read_text()
    assert "<dc:date>" not in svg and "Matplotlib" not in svg


def test_rerun_is_byte_identical(generated, context, tmp_path):
    out, _ = generated
    names = ["frame-document-heatmap", "narrative-arc", "passage-scores", "model-comparison"]
    figures.generate(names, tmp_path, context=context, raise_errors=True)
    for path in sorted(tmp_path.iterdir()):
        assert path.read_bytes() == (out / path.name).read_bytes(), path.name


def test_heatmap_csv_traces_to_passages(generated, context):
    out, _ = generated
    data = pd.read_csv(out / "frame-document-heatmap.csv", keep_default_na=False)
    assert {"group", "frame", "share", "share_lo", "share_hi", "mean_prob", "top_passages"} <= set(data.columns)
    scores = pd.read_csv(out / "passage-scores.csv", keep_default_na=False)
    row = data[(data["share"].astype(float) > 0)].iloc[0]
    doc = scores[scores["doc_id"] == row["group"]]
    on = doc["frames"].str.split(";").map(lambda fs, f=row["frame"]: f in fs)
    assert on.mean() == pytest.approx(float(row["share"]), abs=1e-4)
    for pid in row["top_passages"].split():
        assert pid in set(doc["passage_id"])
    evidence = pd.read_csv(out / "frame-evidence.csv", keep_default_na=False)
    assert {"doc_id", "frame", "rank", "passage_id", "prob", "text", "key_sentence"} <= set(evidence.columns)
    assert all(k in t for k, t in zip(evidence["key_sentence"], evidence["text"], strict=True))


def test_frames_over_time_uses_dates_and_gates_trend(generated, context):
    out, _ = generated
    data = pd.read_csv(out / "frames-over-time.csv", parse_dates=["date"])
    n_dates = data["date"].nunique()
    assert n_dates == 5
    assert data.loc[data["source"] == "model", "trend_pp_per_year"].notna().all()  # 5 >= 4 dates
    shares = analysis.frame_shares(context.scores, context.corpus, n_boot=50)
    few = shares[shares["group"].isin(shares["group"].unique()[:3])]
    assert figures._trends(few, "frame", "share") == {}  # < 4 dates: no trend


def test_captions_name_data_codebook_and_model(context):
    fig, _ = figures.frame_document_heatmap(context=context)
    caption = next(t.get_text() for t in fig.texts if t.get_gid() == "stance-caption")
    assert "seeds/" in caption and f"v{context.codebook.version}" in caption
    assert context.codebook.hash[:8] in caption and "frames CueModel@" in caption
    assert fig._suptitle is not None and fig._suptitle.get_text()


def test_frame_colours_are_fixed_and_colour_blind_safe(codebook):
    a = plotting.frame_colors(codebook)
    b = plotting.frame_colors(list(codebook.frame_names))
    assert a == b and len(set(a.values())) == len(a)
    assert set(a.values()) <= set(plotting.FRAME_PALETTE)


# ----------------------------------------------------------------------------- plots
def test_plot_functions_draw_on_the_given_axes(context):
    import matplotlib

    shares = analysis.frame_shares(context.scores, context.corpus, n_boot=20)
    bal = analysis.stance_balance(context.scores, context.corpus, n_boot=20)
    arc = analysis.narrative_arc(context.scores, context.corpus)
    metric = pd.DataFrame({"label": ["a", "b"], "backend": ["x", "x"], "f1": [0.5, 0.7]})
    curve = pd.DataFrame({"n_train": [10, 20], "backend": ["x", "x"], "f1": [0.4, 0.6]})
    rel = pd.DataFrame({"label": ["a", "b"], "alpha": [0.5, 0.9]})
    calls = [
        (plotting.plot_frame_heatmap, (shares,), {}),
        (plotting.plot_frame_trend, (shares, "cooperation"), {}),
        (plotting.plot_stance_bars, (bal, "cooperation"), {}),
        (plotting.plot_stance_trend, (bal, "cooperation"), {}),
        (plotting.plot_narrative_arc, (arc,), {}),
        (plotting.plot_metric_intervals, (metric,), {}),
        (plotting.plot_learning_curve, (curve,), {}),
        (plotting.plot_reliability, (rel,), {}),
    ]
    pyplot_figs = len(matplotlib._pylab_helpers.Gcf.get_all_fig_managers())
    for func, args, kwargs in calls:
        fig, ax = plotting.new_figure((4, 3))
        assert func(*args, ax=ax, **kwargs) is ax, func.__name__
        own = func(*args, **kwargs)  # a new Figure, not pyplot state
        assert own.figure is not fig
    assert len(matplotlib._pylab_helpers.Gcf.get_all_fig_managers()) == pyplot_figs


def write_labels(path: Path, corpus, codebook, models) -> None:
    """Two coders and gold for every analysable passage, derived from the cue models with noise."""
    import json

    rng = np.random.default_rng(1)
    p = corpus.analysable()
    P = models["frames"].predict_proba(p["text"].tolist())
    with path.open("w", encoding="utf-8") as fh:
        for coder, noise in (("coder_a", 0.05), ("coder_b", 0.2), ("gold", 0.1)):
            for i, r in enumerate(p.itertuples()):
                frames = [f for j, f in enumerate(codebook.frame_names) if (P[i, j] > 0.5) ^ (rng.random() < noise)]
                stance = {t: str(rng.choice(codebook.stance_classes)) for t in codebook.stance_targets}
                rec = {
                    "passage_id": r.passage_id,
                    "text_hash": r.text_hash,
                    "annotator": coder,
                    "kind": "adjudication" if coder == "gold" else "annotation",
                    "round": 1,
                    "codebook_version": codebook.version,
                    "codebook_hash": codebook.hash,
                    "timestamp": "2026-01-01T00:00:00Z",
                    "frames": frames,
                    "stance": stance,
                    "roles": {},
                    "rationale": {},
                    "note": "",
                }
                fh.write(json.dumps(rec) + "\n")


def test_gold_beside_model_and_reliability(context, seed_corpus, codebook, tmp_path):
    labels = tmp_path / "labels.jsonl"
    write_labels(labels, seed_corpus, codebook, context.models)
    ctx = figures.FigureContext(
        seed_corpus, codebook, models=context.models, labels=labels, cache_dir=context.cache_dir, n_boot=50
    )
    assert set(ctx.gold["source"]) == {"gold"} and ctx.gold["passage_id"].nunique() == 69
    fig, data = figures.frame_document_heatmap(context=ctx)
    assert set(data["source"]) == {"model", "gold"}
    caption = next(t.get_text() for t in fig.texts if t.get_gid() == "stance-caption")
    assert "gold labels (69 passages)" in caption
    fig, rel = figures.coder_reliability(context=ctx)
    assert {"task", "label", "alpha", "n_units"} <= set(rel.columns)
    assert set(codebook.frame_names) <= set(rel["label"])
    assert "α" in fig._suptitle.get_text()


# ----------------------------------------------------------------------------- missing inputs
def test_missing_evaluation_names_the_command(context, seed_corpus, codebook, tmp_path):
    ctx = figures.FigureContext(
        seed_corpus,
        codebook,
        models=context.models,
        models_dir=tmp_path / "models",
        cache_dir=context.cache_dir,
        n_boot=20,
    )
    results = figures.generate(EVAL_FIGURES, tmp_path / "out", context=ctx)
    for r in results:
        assert r.status == "missing-input"
        assert "stance evaluate" in r.message
    with pytest.raises(figures.MissingInputError, match="stance evaluate"):
        figures.generate(["model-comparison"], tmp_path / "out", context=ctx, raise_errors=True)


def test_missing_models_name_the_command(seed_corpus, codebook, tmp_path):
    ctx = figures.FigureContext(seed_corpus, codebook, models_dir=tmp_path / "models", cache_dir=tmp_path)
    results = figures.generate(["frame-document-heatmap"], tmp_path / "out", context=ctx)
    assert results[0].status == "missing-input"
    assert "stance train" in results[0].message


def test_missing_labels_name_the_command(context, seed_corpus, codebook, tmp_path):
    ctx = figures.FigureContext(
        seed_corpus, codebook, models=context.models, labels=tmp_path / "none.jsonl", cache_dir=context.cache_dir
    )
    r = figures.generate(["coder-reliability"], tmp_path / "out", context=ctx)[0]
    assert r.status == "missing-input"
    assert "labels" in r.message


# ----------------------------------------------------------------------------- command line
def test_cli_lists_figures():
    import typer
    from typer.testing import CliRunner

    from stance.cli.figures import figures as command

    app = typer.Typer()
    app.command("figures")(command)
    app.command("other")(lambda: None)
    result = CliRunner().invoke(app, ["figures", "--list"])
    assert result.exit_code == 0, result.output
    assert "frame-document-heatmap" in result.output and "narrative-arc" in result.output


@pytest.fixture(scope="module")
def lexicon_project(tmp_path_factory, codebook):
    """A temporary project: the seed corpus, the codebook and lexicon default models."""
    from stance import models as store
    from stance.classifiers import make_classifier
    from stance.evaluate import codebook_examples

    root = tmp_path_factory.mktemp("project")
    shutil.copytree(ROOT / "seeds", root / "seeds", ignore=shutil.ignore_patterns("labels.jsonl"))
    shutil.copytree(ROOT / "codebook", root / "codebook")
    for task in analysis.scored_tasks(codebook):
        X, y = codebook_examples(codebook, task)
        store.save_version(
            task, make_classifier("lexicon", task, codebook).fit(X, y), root / "models", make_default=True
        )
    return root


def _cli_app():
    import typer

    from stance.cli.figures import figures as figures_command
    from stance.cli.figures import score as score_command

    app = typer.Typer()
    app.command("figures")(figures_command)
    app.command("score")(score_command)
    return app


def test_cli_figures_and_score_end_to_end(lexicon_project, tmp_path, monkeypatch):
    from typer.testing import CliRunner

    monkeypatch.setenv("STANCE_PROJECT_DIR", str(lexicon_project))
    monkeypatch.setenv("STANCE_CACHE_DIR", str(tmp_path / "cache"))
    runner = CliRunner()
    out = tmp_path / "figs"
    result = runner.invoke(
        _cli_app(),
        ["figures", "--only", "frame-document-heatmap", "--only", "passage-scores", "--no-train", "--out", str(out)],
    )
    assert result.exit_code == 0, result.output
    assert "frame-document-heatmap" in result.output and "written" in result.output
    assert {p.name for p in out.iterdir()} == {
        "frame-document-heatmap.png",
        "frame-document-heatmap.svg",
        "frame-document-heatmap.csv",
        "passage-scores.csv",
    }
    assert list((tmp_path / "cache" / "scores").glob("frames-*.parquet"))
    # evaluation tables are missing in this project: reported with the command, exit status 1
    result = runner.invoke(_cli_app(), ["figures", "--only", "model-comparison", "--no-train", "--out", str(out)])
    assert result.exit_code == 1
    assert "stance evaluate" in result.output
    # stance score
    table = tmp_path / "scores.csv"
    result = runner.invoke(_cli_app(), ["score", "--out", str(table), "--wide"])
    assert result.exit_code == 0, result.output
    wide = pd.read_csv(table)
    assert len(wide) == 69 and "p:cooperation" in wide.columns and "stance:us_government" in wide.columns


# ----------------------------------------------------------------------------- committed figures
def _default_models_missing(codebook) -> list[str]:
    return [t for t in analysis.scored_tasks(codebook) if analysis.default_model_dir(t, ROOT / "models") is None]


@pytest.mark.slow
def test_committed_figures_match_the_command(codebook, tmp_path, monkeypatch):
    """Regenerate every figure into a temp folder and compare with the committed figures/.

    Scores cached under the project's cache folder are copied in, so no model is loaded when
    they are warm.
    """
    missing = _default_models_missing(codebook)
    if missing:
        pytest.skip(f"default models missing for {', '.join(missing)}: run `stance train` (or `make models`)")
    committed = ROOT / "figures"
    cache = tmp_path / "cache"
    project_scores = ROOT / ".cache" / "stance" / "scores"
    if project_scores.is_dir():
        shutil.copytree(project_scores, cache / "scores")
    monkeypatch.setenv("STANCE_PROJECT_DIR", str(ROOT))
    monkeypatch.setenv("STANCE_CACHE_DIR", str(cache))
    out = tmp_path / "figures"
    results = figures.generate(None, out, context=figures.FigureContext())
    problems = [(r.name, r.status, r.message) for r in results if r.status not in ("written", "unchanged")]
    assert not problems, problems
    fresh = figures.file_hashes(out)
    saved = figures.file_hashes(committed)
    assert sorted(fresh) == sorted(saved), "figures/ differs from `stance figures`: run `make figures` and commit"
    changed = [name for name in fresh if fresh[name] != saved[name]]
    if changed:
        csv_changed = [n for n in changed if n.endswith(".csv")]
        detail = {n: hashlib.sha256((out / n).read_bytes()).hexdigest()[:12] for n in changed}
        pytest.fail(f"regenerated files differ from figures/ (data: {csv_changed}): {detail}; run `make figures`")
