"""Fine-tuning loop: suggest, import, fine-tune, compare, promote; interrupt safety; a user codebook (GVFC)."""

from __future__ import annotations

import csv
import hashlib
import importlib.util
import json
import shutil
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from stance.benchmarks import GVFC_FRAMES

ROOT = Path(__file__).resolve().parent.parent
GVFC_CODEBOOK = ROOT / "examples" / "gvfc" / "codebook.yaml"
N_BOOT = 200
#: Cheap tfidf settings (no inner cross-validation) for the default model the tests fine-tune.
FAST = {"calibration": None, "threshold": 0.5}

_FILLER = ["officials", "city", "week", "report", "county", "residents", "after", "new", "state", "local"]


def _load_prepare():
    spec = importlib.util.spec_from_file_location("gvfc_prepare", ROOT / "examples" / "gvfc" / "prepare.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def write_gvfc_csv(path: Path, per_fold: int = 18, seed: int = 0) -> Path:
    """A GVFC-shaped file whose headlines use the cue phrases of the example codebook."""
    from stance.codebook import Codebook

    cb = Codebook.load(GVFC_CODEBOOK)
    cues = {i + 1: list(lab.cues) for i, lab in enumerate(cb.frames)}
    rng = np.random.default_rng(seed)
    rows = []
    for fold in range(5):
        for i in range(per_fold):
            code = i % 9 + 1
            second = code % 9 + 1 if i % 6 == 0 else None
            words = list(rng.choice(cues[code], size=2, replace=False))
            if second:
                words.append(str(rng.choice(cues[second])))
            words += list(rng.choice(_FILLER, size=3))
            rows.append({
                "id": str(len(rows)), "headline": f"{' '.join(words)} story {len(rows)}".capitalize(),
                "frame1": str(code), "frame2": str(second or ""), "frame1_name": "", "frame2_name": "",
                "fold": str(fold),
            })  # fmt: skip
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    return path


def _snapshot(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


@pytest.fixture(scope="module")
def gvfc_base(tmp_path_factory):
    """A GVFC project: 90 headlines, a default tfidf model trained on 50, and 25 newer labels imported."""
    from stance.codebook import Codebook
    from stance.corpus import load_corpus
    from stance.labels import LabelStore, import_labels
    from stance.models import train_default

    base = tmp_path_factory.mktemp("gvfc")
    data = write_gvfc_csv(base / "headlines.csv")
    paths = _load_prepare().prepare_gvfc(data, base / "project", batches=[50, 25], seed=0)
    project = base / "project"
    cb = Codebook.load(GVFC_CODEBOOK)
    corpus = load_corpus(paths["corpus"])
    store = LabelStore(project / "labels.jsonl", codebook=cb)
    import_labels(paths["labels-1"], store, corpus, cb)
    gold = store.resolved("gold")
    res = train_default(
        "frames", corpus=corpus, gold=gold, codebook=cb, candidates=["tfidf"], evaluation=False, n_boot=N_BOOT,
        root=project / "models", params={"tfidf": FAST},
    )  # fmt: skip
    assert res.version == "v001"
    import_labels(paths["labels-2"], LabelStore(project / "labels.jsonl", codebook=cb), corpus, cb, kind="annotation")
    return project


@pytest.fixture
def gvfc(gvfc_base, tmp_path, monkeypatch):
    project = tmp_path / "project"
    shutil.copytree(gvfc_base, project)
    monkeypatch.setenv("STANCE_PROJECT_DIR", str(project))
    return project


def _run(project: Path, **kw):
    from stance.codebook import Codebook
    from stance.corpus import load_corpus
    from stance.finetune import finetune

    kw.setdefault("n_boot", N_BOOT)
    return finetune(
        "frames",
        corpus=load_corpus(project / "corpus.csv"),
        codebook=Codebook.load(GVFC_CODEBOOK),
        labels=project / "labels.jsonl",
        root=project / "models",
        **kw,
    )


# ------------------------------------------------------------------------ user codebook
def test_prepare_gvfc_reads_in_place_and_keys_labels_to_passages(tmp_path):
    data = write_gvfc_csv(tmp_path / "headlines.csv", per_fold=4)
    out = tmp_path / "out"
    paths = _load_prepare().prepare_gvfc(data, out, batches=[8, 5], seed=1)
    corpus = pd.read_csv(paths["corpus"])
    assert sorted(corpus["doc_id"]) == [f"gvfc-fold{k}" for k in range(5)]
    labels = pd.read_csv(paths["labels"], dtype=str, keep_default_na=False)
    assert len(labels) == 20 and sorted(p.name for p in out.iterdir()) == [
        "corpus.csv",
        "labels-1.csv",
        "labels-2.csv",
        "labels.csv",
    ]
    source = pd.read_csv(data, dtype=str, keep_default_na=False)
    merged = labels.merge(source, left_on="gvfc_id", right_on="id")
    # each passage sits in the document of its published fold and carries frame1 (and frame2)
    assert (merged["passage_id"].str.split(":").str[0] == "gvfc-fold" + merged["fold"]).all()
    assert (merged["frames"].str.count(";") == (merged["frame2"] != "").astype(int)).all()
    one, two = (set(pd.read_csv(paths[k])["passage_id"]) for k in ("labels-1", "labels-2"))
    assert len(one) == 8 and len(two) == 5 and not one & two
    with pytest.raises(ValueError, match="batches ask for 30"):
        _load_prepare().prepare_gvfc(data, tmp_path / "x", batches=[25, 5])


def test_evaluate_cli_resolves_gold_with_the_given_codebook(gvfc):
    from stance.cli import app

    out = gvfc / "evaluation"
    result = CliRunner().invoke(app, [
        "evaluate", "--task", "frames", "--models", "tfidf", "--no-curve", "--n-boot", "50",
        "--labels", str(gvfc / "labels.jsonl"), "--corpus", str(gvfc / "corpus.csv"),
        "--codebook", str(GVFC_CODEBOOK), "--out", str(out),
    ], env={"COLUMNS": "200", "STANCE_QUIET": "1"})  # fmt: skip
    assert result.exit_code == 0, result.output
    per_label = pd.read_csv(out / "per_label.csv")
    f1 = per_label[per_label["metric"] == "f1"].set_index("label")
    assert list(f1.index) == GVFC_FRAMES
    assert (f1["support"] >= 5).all()  # the frames of the labels were resolved, not dropped


# ------------------------------------------------------------------------------ the loop
def test_finetune_writes_a_new_version_beside_the_old_and_compares_on_the_same_passages(gvfc):
    models = gvfc / "models" / "frames"
    before = _snapshot(models / "v001")
    store_before = (gvfc / "labels.jsonl").read_bytes()
    res = _run(gvfc)
    assert res.old_version == "v001" and res.version == "v002"
    assert _snapshot(models / "v001") == before and (gvfc / "labels.jsonl").read_bytes() == store_before
    assert res.n_passages == 75 and res.n_new == 25 and res.n_changed == 0 and res.n_old_train == 50
    assert any("history" in n for n in res.notes)  # v001 came from `stance train`: found via the store history
    files = {p.name for p in res.path.iterdir()}
    assert {"config.json", "MODEL_CARD.md", "training.json", "comparison.csv"} <= files
    training = json.loads((res.path / "training.json").read_text())
    assert len(training["passages"]) == 75
    per = res.per_label()
    assert len(per) == 9 and (per["support"] >= 5).all()
    assert per[["old", "new"]].notna().all().all()
    assert np.allclose(per["diff"], per["new"] - per["old"])
    assert ((per["diff_lo"] <= per["diff"] + 1e-9) & (per["diff"] <= per["diff_hi"] + 1e-9)).all()
    assert res.delta == pytest.approx(res.new_score - res.old_score)
    # the automatic rule: promoted exactly when new - old >= -0.01
    assert res.promoted == (res.delta >= -0.01)
    assert (models / "DEFAULT").read_text().strip() == ("v002" if res.promoted else "v001")
    card = (res.path / "MODEL_CARD.md").read_text()
    for text in ("## Fine-tuning", "new - old >= -0.01", "Fine-tune time:", "CPU core", "| gun_rights |"):
        assert text in card
    config = json.loads((res.path / "config.json").read_text())
    assert config["provenance_extra"]["finetune"]["from_version"] == "v001"


def test_finetune_gives_every_fit_the_documents_of_its_passages(gvfc, monkeypatch):
    from stance.classifiers.base import TextClassifier
    from stance.corpus import load_corpus

    passages = load_corpus(gvfc / "corpus.csv").passages
    doc_of = dict(zip(passages["text"], passages["doc_id"].astype(str), strict=False))
    seen = []
    original = TextClassifier.fit

    def record(self, X, y=None, groups=None):
        seen.append((list(X), groups))
        return original(self, X, y, groups=groups)

    monkeypatch.setattr(TextClassifier, "fit", record)
    _run(gvfc)
    assert len(seen) > 2  # the folds of both versions and the final fit
    for texts, groups in seen:
        assert groups is not None, "a fit without the documents of its passages"
        assert list(groups) == [doc_of.get(t, "__codebook__") for t in texts]


def test_nothing_new_is_not_fine_tuned_again(gvfc):
    first = _run(gvfc, promote=True)
    again = _run(gvfc)
    assert again.skipped and "no new or changed labels" in again.reason and again.old_version == first.version
    assert sorted(p.name for p in (gvfc / "models" / "frames").iterdir() if p.name.startswith("v")) == ["v001", "v002"]


def test_promotion_flags_and_tolerance(gvfc):
    default = gvfc / "models" / "frames" / "DEFAULT"
    fast = {"max_folds": 2}  # two folds of whole documents: the rule, not the scores, is under test
    kept = _run(gvfc, promote=False, **fast)
    assert not kept.promoted and default.read_text().strip() == "v001"
    strict = _run(gvfc, tolerance=-1.0, force=True, **fast)  # asks for new - old >= +1: never met
    assert not strict.promoted and "below" in strict.decision and default.read_text().strip() == "v001"
    forced = _run(gvfc, promote=True, tolerance=-1.0, force=True, **fast)
    assert forced.promoted and default.read_text().strip() == forced.version


def test_reproducible_with_a_seed(gvfc, tmp_path):
    twin = tmp_path / "twin"
    shutil.copytree(gvfc, twin)
    a, b = _run(gvfc, random_state=3), _run(twin, random_state=3)
    for name in ("config.json", "arrays.safetensors", "training.json", "comparison.csv", "vocabulary.json"):
        assert (a.path / name).read_bytes() == (b.path / name).read_bytes(), name
    c = _run(twin, random_state=4, force=True)
    assert not a.comparison[["old_lo", "new_lo"]].equals(c.comparison[["old_lo", "new_lo"]])


@pytest.mark.parametrize("error", [KeyboardInterrupt, OSError])
def test_an_interrupted_save_leaves_models_and_labels_intact(gvfc, monkeypatch, error):
    from stance import finetune as ft

    models = gvfc / "models"
    before, labels_before = _snapshot(models), (gvfc / "labels.jsonl").read_bytes()

    def broken_save(self, path, provenance=None):
        out = Path(path)
        out.mkdir(parents=True, exist_ok=True)
        (out / "config.json").write_text("{half", encoding="utf-8")
        raise error("killed while writing")

    monkeypatch.setattr(ft._WithFiles, "save", broken_save)
    with pytest.raises(error):
        _run(gvfc)
    assert _snapshot(models) == before
    assert (gvfc / "labels.jsonl").read_bytes() == labels_before
    assert not [p for p in (models / "frames").iterdir() if p.name.startswith(".")]


def test_an_interrupted_promotion_keeps_the_previous_default(gvfc, monkeypatch):
    from stance import models as store

    real = store.os.replace

    def failing_replace(src, dst):
        if Path(dst).name == "DEFAULT":
            raise KeyboardInterrupt
        return real(src, dst)

    monkeypatch.setattr(store.os, "replace", failing_replace)
    with pytest.raises(KeyboardInterrupt):
        _run(gvfc, promote=True)
    monkeypatch.setattr(store.os, "replace", real)
    from stance.models import default_version, load_default

    assert default_version("frames", gvfc / "models") == "v001"
    assert load_default("frames", gvfc / "models", codebook=False).predict_proba(["gun control bill"]).shape == (1, 9)


#: Child process for the kill tests: pauses at the last step of a write, waits to be signalled.
_PAUSED_CHILD = """
import os, pathlib, signal, sys, time

signal.signal(signal.SIGINT, signal.default_int_handler)  # as in a terminal, even when started in the background
marker, where = pathlib.Path(sys.argv[1]), sys.argv[2]


def pause(info):
    marker.write_text(str(info))
    time.sleep(300)


if where == "model":
    import stance.finetune as ft

    real_save = ft._WithFiles.save

    def save(self, path, provenance=None):
        out = real_save(self, path, provenance)  # every file of the new version is in its temporary folder now
        pause(out)
        return out

    ft._WithFiles.save = save
else:
    real_replace = os.replace

    def replace(src, dst):
        if pathlib.Path(dst).name == "labels.jsonl":
            pause(src)  # the new store is written and synced, not yet moved into place
        return real_replace(src, dst)

    os.replace = replace
from stance.cli import main

sys.argv = ["stance", *sys.argv[3:]]
main()
"""


def _kill_paused(tmp_path: Path, project: Path, where: str, sig: int, args: list[str]) -> tuple[int, str]:
    """Run ``stance ARGS`` in a child process, signal it while it writes, return its exit code and output."""
    import os
    import subprocess
    import sys
    import time

    script, marker = tmp_path / "child.py", tmp_path / "paused"
    script.write_text(_PAUSED_CHILD, encoding="utf-8")
    env = {**os.environ, "STANCE_QUIET": "1", "STANCE_PROJECT_DIR": str(project), "COLUMNS": "200"}
    proc = subprocess.Popen(
        [sys.executable, str(script), str(marker), where, *args],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    deadline = time.monotonic() + 240
    while not marker.exists() and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.1)
    if not marker.exists():
        proc.kill()
        pytest.fail(f"the child never reached the write: {proc.communicate()[0]}")
    proc.send_signal(sig)
    out, _ = proc.communicate(timeout=60)
    return proc.returncode, out


@pytest.mark.parametrize("sig", ["SIGINT", "SIGKILL"])
def test_ctrl_c_or_kill_while_a_version_is_written_leaves_models_and_labels_intact(gvfc, tmp_path, sig):
    import signal

    from stance.models import default_version, list_versions, load_default

    models = gvfc / "models"
    before, labels_before = _snapshot(models), (gvfc / "labels.jsonl").read_bytes()
    code, out = _kill_paused(tmp_path, gvfc, "model", getattr(signal, sig), [
        "finetune", "--task", "frames", "--labels", str(gvfc / "labels.jsonl"), "--corpus", str(gvfc / "corpus.csv"),
        "--codebook", str(GVFC_CODEBOOK), "--root", str(models), "--n-boot", "50", "--promote",
    ])  # fmt: skip
    assert code != 0, out
    left = sorted(p.name for p in (models / "frames").iterdir() if p.name.startswith("."))
    if sig == "SIGINT":  # Python unwinds: the temporary folder is removed
        assert not left, left
    else:  # no clean-up after SIGKILL: a hidden temporary folder remains and is never taken for a version
        assert len(left) == 1 and left[0].startswith(".saving-")
    kept = {k: v for k, v in _snapshot(models).items() if not k.split("/")[1].startswith(".")}
    assert kept == before
    assert (gvfc / "labels.jsonl").read_bytes() == labels_before
    assert default_version("frames", models) == "v001" and list(list_versions("frames", models)["version"]) == ["v001"]
    assert load_default("frames", models, codebook=False).predict_proba(["gun control bill"]).shape == (1, 9)
    if sig == "SIGKILL":  # the next run is not confused by the leftover
        res = _run(gvfc, promote=True)
        assert res.version == "v002" and default_version("frames", models) == "v002"


@pytest.mark.parametrize("sig", ["SIGINT", "SIGKILL"])
def test_ctrl_c_or_kill_during_an_import_leaves_the_label_store_intact(gvfc, tmp_path, sig):
    import signal

    from stance.codebook import Codebook
    from stance.labels import LabelStore

    store = gvfc / "labels.jsonl"
    before = store.read_bytes()
    n_before = len(LabelStore(store).records())
    rows = pd.read_csv(gvfc / "labels.csv", dtype=str, keep_default_na=False)
    stored = set(LabelStore(store).resolved(None)["passage_id"])
    rows[~rows["passage_id"].isin(stored)].iloc[:5].to_csv(gvfc / "new.csv", index=False)
    args = ["label", "import", str(gvfc / "new.csv"), "--annotator", "gold", "--store", str(store),
            "--corpus", str(gvfc / "corpus.csv"), "--codebook", str(GVFC_CODEBOOK)]  # fmt: skip
    code, out = _kill_paused(tmp_path, gvfc, "labels", getattr(signal, sig), args)
    assert code != 0, out
    assert store.read_bytes() == before
    st = LabelStore(store, codebook=Codebook.load(GVFC_CODEBOOK))
    assert len(st.records()) == n_before
    left = [p.name for p in gvfc.iterdir() if p.name.startswith(".labels.jsonl.")]
    assert (not left) if sig == "SIGINT" else len(left) == 1
    assert "added 5" in _cli(*args).output  # the import then goes through as if nothing had happened
    assert len(LabelStore(store).records()) == n_before + 5


def test_merge_conflicts_are_reported_kept_in_history_and_used(gvfc):
    from stance.codebook import Codebook
    from stance.corpus import load_corpus
    from stance.errors import StanceInputError
    from stance.labels import LabelStore, import_labels

    cb = Codebook.load(GVFC_CODEBOOK)
    corpus = load_corpus(gvfc / "corpus.csv")
    store = LabelStore(gvfc / "labels.jsonl", codebook=cb)
    rows = pd.read_csv(gvfc / "labels-1.csv", dtype=str, keep_default_na=False).iloc[:3].copy()
    rows["frames"] = "economic_consequences"
    changed = gvfc / "changed.csv"
    rows.to_csv(changed, index=False)
    report = import_labels(changed, store, corpus, cb)
    assert len(report.changed) == 3 and len(report.changes) >= 3
    assert all(len(store.history(p)) == 2 for p in rows["passage_id"])
    # two different codings of one passage in one file: refused, store untouched
    conflict = pd.concat([rows.iloc[:1], rows.iloc[:1].assign(frames="gun_rights")])
    conflict.to_csv(gvfc / "conflict.csv", index=False)
    before = (gvfc / "labels.jsonl").read_bytes()
    with pytest.raises(StanceInputError):
        import_labels(gvfc / "conflict.csv", store, corpus, cb)
    assert (gvfc / "labels.jsonl").read_bytes() == before
    res = _run(gvfc)
    assert res.n_changed == 3 and res.n_new == 25
    training = json.loads((res.path / "training.json").read_text())
    latest = {p["passage_id"]: p["target"] for p in training["passages"]}
    assert all(latest[p] == ["economic_consequences"] for p in rows["passage_id"])


# ------------------------------------------------------------------ rare labels, folds
def test_rare_labels_say_what_happens(task_data):
    from stance.finetune import rare_labels

    data = task_data(multilabel=True, n_docs=4, per_doc=9)
    y = data.y.copy()
    y[:, 2] = 0
    y[:2, 2] = 1  # sovereignty: 2 positives
    y[:, 1] = 0  # blame: none
    data = data.subset(np.arange(len(data)))
    data.y = y
    notes = {r.label: r for r in rare_labels(data)}
    assert set(notes) == {"blame", "sovereignty"}
    assert notes["blame"].positives == 0 and "never predicts it" in notes["blame"].message
    assert "left out of macro-F1" in notes["blame"].message
    assert notes["sovereignty"].positives == 2 and "only 2 positive examples" in notes["sovereignty"].message
    assert "marked 'few'" in notes["sovereignty"].message
    cues = {r.label: r.message for r in rare_labels(data, backend="lexicon")}
    assert "scores it from the codebook" in cues["blame"] and "false positive" in cues["blame"]
    assert "never predicts it" not in cues["blame"] and "tunes its threshold on them" in cues["sovereignty"]


def test_rare_labels_are_flagged_in_a_fine_tune(gvfc):
    from stance.codebook import Codebook
    from stance.labels import LabelStore

    cb = Codebook.load(GVFC_CODEBOOK)
    gold = LabelStore(gvfc / "labels.jsonl", codebook=cb).resolved("gold")
    gold = gold[~gold["frames"].map(lambda f: "society_culture" in f) | (gold.index % 10 == 0)]
    res = _run(gvfc, gold=gold, min_positives=5)
    counts = {r.label: r.positives for r in res.rare}
    assert "society_culture" in counts and counts["society_culture"] < 5
    assert res.per_label().set_index("label").loc["society_culture", "few"]


def test_documents_beyond_max_folds_are_grouped_whole(task_data):
    from stance.finetune import finetune_folds

    data = task_data(multilabel=True, n_docs=25, per_doc=3)
    folds, text = finetune_folds(data, max_folds=10, random_state=0)
    assert len(folds) == 10 and "25 documents" in text
    docs = data.passages["doc_id"].to_numpy()
    tested = np.concatenate([f.test for f in folds])
    assert sorted(tested) == list(range(len(data)))
    for f in folds:
        assert not set(docs[f.test]) & set(docs[f.train])
    few, text = finetune_folds(data.subset(np.arange(9)), max_folds=10)
    assert len(few) == 3 and text.startswith("leave-one-document-out")


def test_paired_comparison_scores_with_the_evaluation_core(keyword_classifier, task_data):
    from stance.evaluation import cross_validate, score_predictions
    from stance.finetune import paired_comparison

    data = task_data(multilabel=False, n_docs=4, per_doc=9)
    new = cross_validate(keyword_classifier(labels=data.labels), data).predictions
    k = len(data.labels)
    wrong = new["pred"].to_numpy().reshape(-1, k).copy()
    wrong[:12] = np.roll(wrong[:12], 1, axis=1)  # the old model errs on 12 passages
    old = new.assign(pred=wrong.reshape(-1))
    comp = paired_comparison(old, new, data.labels, data.multilabel, n_boot=200, random_state=3)
    for which, preds in (("new", new), ("old", old)):
        overall, per_label = score_predictions(preds, data.labels, False, n_boot=200, random_state=3)
        top = comp[comp["label"] == "(all)"].set_index("metric")
        for metric, value, lo, hi in overall[["metric", "value", "ci_low", "ci_high"]].itertuples(index=False):
            assert top.loc[metric, which] == pytest.approx(value, nan_ok=True)
            assert (top.loc[metric, f"{which}_lo"], top.loc[metric, f"{which}_hi"]) == pytest.approx((lo, hi))
        f1 = per_label[per_label["metric"] == "f1"].set_index("label")["value"]
        mine = comp[(comp["label"] != "(all)") & (comp["metric"] == "f1")].set_index("label")[which]
        assert mine.to_numpy() == pytest.approx(f1.reindex(mine.index).to_numpy(), nan_ok=True)
    same = paired_comparison(new, new, data.labels, data.multilabel, n_boot=50)
    assert (same["diff"].fillna(0) == 0).all() and (same["diff_hi"].fillna(0) == 0).all()


def test_a_task_without_default_needs_a_backend(gvfc):
    shutil.rmtree(gvfc / "models")
    with pytest.raises(FileNotFoundError, match="stance train"):
        _run(gvfc)
    res = _run(gvfc, backend="lexicon")
    assert res.version == "v001" and res.promoted and res.old_version == ""
    assert res.per_label()["old"].isna().all() and res.per_label()["new"].notna().all()


def test_stance_task_with_the_project_codebook(tmp_path, codebook, monkeypatch, gold_corpus):
    """Multi-class path: a lexicon default, then a tfidf version on the same folds, ranked by F_avg."""
    from stance.finetune import finetune

    monkeypatch.setenv("STANCE_PROJECT_DIR", str(tmp_path))
    corpus, gold = gold_corpus(codebook, tmp_path)
    kw = {
        "corpus": corpus,
        "gold": gold,
        "codebook": codebook,
        "root": tmp_path / "models",
        "n_boot": N_BOOT,
        "labels": tmp_path / "none.jsonl",
    }
    first = finetune("stance:cooperation", backend="lexicon", **kw)
    second = finetune("stance:cooperation", backend="tfidf", **kw)
    assert second.metric == "f_avg" and second.old_version == first.version
    assert not any("history" in n for n in second.notes)
    assert set(second.per_label()["label"]) == {"FAVOR", "AGAINST", "NONE"}
    assert "tfidf" in (second.path / "MODEL_CARD.md").read_text()


# --------------------------------------------------------------------------------- CLI
def _cli(*args: str):
    from stance.cli import app

    return CliRunner().invoke(app, list(args), env={"COLUMNS": "220", "STANCE_QUIET": "1"})


def test_finetune_help_states_the_rule():
    result = _cli("finetune", "--help")
    assert result.exit_code == 0
    flat = " ".join(result.output.split())
    assert "new - old >= -0.01" in flat and "--promote" in flat and "--no-promote" in flat


def test_finetune_cli_prints_the_comparison(gvfc):
    result = _cli(
        "finetune", "--task", "frames", "--labels", str(gvfc / "labels.jsonl"), "--corpus", str(gvfc / "corpus.csv"),
        "--codebook", str(GVFC_CODEBOOK), "--root", str(gvfc / "models"), "--n-boot", "100", "--seed", "1",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    for text in ("v001 (old) vs v002 (new)", "macro_f1 (all labels)", "gun_control", "new - old", "Saved"):
        assert text in result.output
    bad = _cli(
        "finetune",
        "--task",
        "stance:nobody",
        "--codebook",
        str(GVFC_CODEBOOK),
        "--corpus",
        str(gvfc / "corpus.csv"),
        "--labels",
        str(gvfc / "labels.jsonl"),
    )
    assert bad.exit_code == 2 and "unknown task" in bad.output


def _label_args(project: Path) -> list[str]:
    return ["--store", str(project / "labels.jsonl"), "--corpus", str(project / "corpus.csv"),
            "--codebook", str(GVFC_CODEBOOK), "--root", str(project / "models")]  # fmt: skip


def test_label_suggest_writes_unlabelled_passages_that_import_back(gvfc):
    from stance.labels import LabelStore

    out = gvfc / "suggest.csv"
    common = _label_args(gvfc)
    result = _cli("label", "suggest", "--n", "6", "--task", "frames", "--out", str(out), *common)
    assert result.exit_code == 0, result.output
    assert "default model frames v001" in result.output
    table = pd.read_csv(out, dtype=str, keep_default_na=False)
    labelled = set(pd.read_csv(gvfc / "labels.csv")["passage_id"])
    imported = set(LabelStore(gvfc / "labels.jsonl").resolved(None)["passage_id"])
    assert len(table) == 6 and table["rank"].tolist() == [str(i) for i in range(1, 7)]
    assert not set(table["passage_id"]) & imported and set(table["passage_id"]) <= labelled
    assert table["text"].str.len().gt(0).all() and "uncertainty" in table and "p:gun_control" in table
    # label the suggestions (here: copy the benchmark's frames) and import them
    truth = pd.read_csv(gvfc / "labels.csv", dtype=str, keep_default_na=False).set_index("passage_id")["frames"]
    table["frames"] = table["passage_id"].map(truth)
    table.to_csv(out, index=False)
    imp = _cli("label", "import", str(out), "--annotator", "gold", *common[:-2])
    assert imp.exit_code == 0, imp.output
    assert "added 6" in imp.output
    again = _cli("label", "suggest", "--n", "6", "--format", "labelstudio", "--out", str(gvfc / "s.json"), *common)
    assert again.exit_code == 0, again.output
    tasks = json.loads((gvfc / "s.json").read_text())
    assert [t["data"]["rank"] for t in tasks] == list(range(1, 7)) and (gvfc / "s.xml").is_file()
    assert not {t["data"]["passage_id"] for t in tasks} & set(table["passage_id"])


def test_label_suggest_without_a_model_uses_the_codebook_cues(gvfc):
    shutil.rmtree(gvfc / "models")
    out = gvfc / "suggest.csv"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = _cli("label", "suggest", "--n", "3", "--out", str(out), *_label_args(gvfc))
    assert result.exit_code == 0, result.output
    assert "cue phrases" in result.output and len(pd.read_csv(out)) == 3


# ------------------------------------------------------------------------- rehearsal
def test_rehearsal_project_sets_one_document_aside_and_only_reads_the_source(tmp_path):
    from stance.codebook import Codebook
    from stance.corpus import load_corpus
    from stance.errors import StanceInputError
    from stance.labels import LabelStore, import_labels
    from stance.testing import rehearsal_project

    source = tmp_path / "source"
    shutil.copytree(ROOT / "codebook", source / "codebook")
    shutil.copytree(ROOT / "tests" / "fixtures" / "labels" / "corpus", source / "seeds")
    cb = Codebook.load(source / "codebook" / "codebook.yaml")
    corpus = load_corpus(source / "seeds")
    docs = sorted(corpus.documents["doc_id"])
    passages = corpus.analysable()
    rows = [{"passage_id": p, "text_hash": h, "frames": "cooperation"}
            for p, h in zip(passages["passage_id"], passages["text_hash"], strict=True)]  # fmt: skip
    pd.DataFrame(rows).to_csv(tmp_path / "gold.csv", index=False)
    pd.DataFrame(rows).to_csv(tmp_path / "coder.csv", index=False)
    import_labels(tmp_path / "gold.csv", LabelStore(source / "seeds" / "labels.jsonl"), corpus, cb, annotator="gold")
    import_labels(tmp_path / "coder.csv", LabelStore(source / "seeds" / "labels.jsonl"), corpus, cb, annotator="x")
    before = _snapshot(source)
    hold = docs[-1]
    paths = rehearsal_project(tmp_path / "demo", hold, source=source)
    assert _snapshot(source) == before
    rest = load_corpus(paths["seeds"])
    assert sorted(rest.documents["doc_id"]) == docs[:-1]
    kept = LabelStore(paths["labels"]).records()
    aside = LabelStore(paths["incoming_labels"]).records()
    held_ids = set(passages.loc[passages["doc_id"] == hold, "passage_id"])
    assert kept and not {r["passage_id"] for r in kept} & held_ids  # no annotator's record of it stays
    assert {r["passage_id"] for r in aside} == held_ids and {r["annotator"] for r in aside} == {"gold"}
    # step 1 of the loop: the file and its manifest row go back, and the corpus is whole again
    shutil.copy(paths["incoming_text"], paths["seeds"])
    with (paths["seeds"] / "manifest.csv").open("a", encoding="utf-8") as fh:
        fh.write(paths["incoming_manifest"].read_text(encoding="utf-8"))
    whole = load_corpus(paths["seeds"])
    assert whole.passages["passage_id"].tolist() == corpus.passages["passage_id"].tolist()
    with pytest.raises(FileExistsError):
        rehearsal_project(tmp_path / "demo", hold, source=source)
    with pytest.raises(StanceInputError, match="no document 'nope'"):
        rehearsal_project(tmp_path / "other", "nope", source=source)


def test_finetune_cli_takes_the_store_option_of_the_label_commands(gvfc):
    result = _cli(
        "finetune", "--store", str(gvfc / "labels.jsonl"), "--corpus", str(gvfc / "corpus.csv"),
        "--codebook", str(GVFC_CODEBOOK), "--root", str(gvfc / "models"), "--n-boot", "50", "--no-promote",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "v002 saved, not promoted" in " ".join(result.output.split())
