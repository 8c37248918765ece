"""Scoring, caching, aggregation and evidence on a tiny synthetic corpus (no real models)."""

from __future__ import annotations

from typing import ClassVar

import numpy as np
import pandas as pd
import pytest
from support.models import CueModel

from stance import analysis
from stance.models import ModelHandle, model_hash, task_slug

FRAMES = ["cooperation", "blame"]
CLASSES = ["FAVOR", "AGAINST", "NONE"]


class TinyCodebook:
    """The parts of a Codebook the analysis uses: two frames, one stance target."""

    frame_names: ClassVar[list[str]] = FRAMES
    stance_targets: ClassVar[list[str]] = ["cooperation"]
    stance_classes: ClassVar[list[str]] = CLASSES
    tasks: ClassVar[list[str]] = ["frames", "stance:cooperation"]
    version = "0.1"
    hash = "0" * 64
    name = "tiny"

    def task_labels(self, task: str) -> list[str]:
        return FRAMES if task == "frames" else CLASSES

    def is_multilabel(self, task: str) -> bool:
        return task == "frames"


def make_models() -> dict[str, CueModel]:
    return {
        "frames": CueModel(FRAMES, {"cooperation": ["cooperat", "jointly"], "blame": ["blame", "fault"]}, True),
        "stance:cooperation": CueModel(
            CLASSES, {"FAVOR": ["cooperat", "jointly"], "AGAINST": ["halt", "suspend"], "NONE": ["weather"]}, False
        ),
    }


DOCS = [
    (
        "a-2017",
        "2017-03-01",
        "Daily A",
        [
            "The two countries cooperate jointly on drug control.",
            "Officials said cooperation will deepen. Jointly they seized drugs.",
            "The weather was fine that day.",
            "Critics blame the other side for the crisis.",
        ],
    ),
    (
        "b-2020",
        "2020-06-15",
        "Daily B",
        [
            "They blame each other. It is their fault.",
            "Talks were suspended and cooperation halted.",
            "The weather turned cold.",
        ],
    ),
    (
        "c-2022",
        "2022-01-10",
        "Daily A",
        [
            "Both sides agreed to cooperate jointly again.",
            "No one is to blame, officials said.",
            "Cooperation resumed in the spring.",
        ],
    ),
    (
        "d-2024",
        "2024-09-30",
        "Daily C",
        [
            "Cooperation on precursors continued jointly.",
            "The weather report followed.",
            "They blame traffickers and their fault is clear.",
        ],
    ),
]


@pytest.fixture(scope="module")
def tiny_corpus(tmp_path_factory):
    from stance.corpus import load_corpus

    path = tmp_path_factory.mktemp("corpus") / "docs.csv"
    rows = [
        {"doc_id": d, "published": date, "outlet": outlet, "country": "X" if i % 2 else "Y", "text": "\n\n".join(paras)}
        for i, (d, date, outlet, paras) in enumerate(DOCS)
    ]
    pd.DataFrame(rows).to_csv(path, index=False)
    return load_corpus(path)


@pytest.fixture()
def scores(tiny_corpus, tmp_path):
    return analysis.score_passages(tiny_corpus, make_models(), codebook=TinyCodebook(), cache_dir=tmp_path)


def test_scores_are_tidy_and_complete(tiny_corpus, scores):
    assert list(scores.columns) == analysis.SCORE_COLUMNS
    n = len(tiny_corpus.analysable())
    assert len(scores[scores["task"] == "frames"]) == n * len(FRAMES)
    assert len(scores[scores["task"] == "stance:cooperation"]) == n * len(CLASSES)
    assert scores["prob"].between(0, 1).all()
    stance = scores[scores["task"] == "stance:cooperation"]
    assert (stance.groupby("passage_id")["pred"].sum() == 1).all()  # argmax: exactly one class
    frames = scores[scores["task"] == "frames"]
    assert ((frames["prob"] >= 0.5) == frames["pred"]).all()  # thresholds
    assert set(scores.attrs["models"]) == {"frames", "stance:cooperation"}
    # passages in corpus order, labels in codebook order
    first = frames["passage_id"].iloc[0]
    assert frames[frames["passage_id"] == first]["label"].tolist() == FRAMES


def test_scores_are_cached_by_model_and_text_hash(tiny_corpus, tmp_path):
    models = make_models()
    a = analysis.score_passages(tiny_corpus, models, codebook=TinyCodebook(), cache_dir=tmp_path)
    calls = models["frames"].calls
    assert calls >= 1
    assert list((tmp_path / "scores").glob("frames-*.parquet"))
    b = analysis.score_passages(tiny_corpus, models, codebook=TinyCodebook(), cache_dir=tmp_path)
    assert models["frames"].calls == calls  # nothing re-scored
    pd.testing.assert_frame_equal(a, b)
    # a different model (other cues) gets its own cache entry
    other = make_models()
    other["frames"].cues = {"cooperation": ["weather"], "blame": []}
    c = analysis.score_passages(tiny_corpus, other, codebook=TinyCodebook(), cache_dir=tmp_path)
    assert other["frames"].calls >= 1
    assert not np.allclose(c["prob"].to_numpy(), a["prob"].to_numpy())


def test_cached_model_folder_is_not_loaded(tiny_corpus, tmp_path, monkeypatch):
    models = make_models()
    folders = {}
    for task, m in models.items():
        folders[task] = tmp_path / "models" / task_slug(task) / "v001"
        m.save(folders[task])
        (folders[task].parent / "DEFAULT").write_text("v001\n")
    # first run: the folder "loads" as the in-memory model
    monkeypatch.setattr(ModelHandle, "load", lambda self: models[self.task])
    a = analysis.score_passages(
        tiny_corpus, codebook=TinyCodebook(), models_dir=tmp_path / "models", cache_dir=tmp_path / "cache"
    )
    assert a.attrs["models"]["frames"]["version"] == "v001"
    assert a["model"].str.startswith("v001@").all()

    def boom(self):
        raise AssertionError("a model was loaded although every score is cached")

    monkeypatch.setattr(ModelHandle, "load", boom)
    b = analysis.score_passages(
        tiny_corpus, codebook=TinyCodebook(), models_dir=tmp_path / "models", cache_dir=tmp_path / "cache"
    )
    pd.testing.assert_frame_equal(a, b)


def test_missing_default_model_names_the_command(tiny_corpus, tmp_path):
    with pytest.raises(analysis.MissingModelError, match="stance train"):
        analysis.score_passages(tiny_corpus, codebook=TinyCodebook(), models_dir=tmp_path / "none", cache_dir=tmp_path)


def test_frame_shares_values_and_cis(tiny_corpus, scores):
    shares = analysis.frame_shares(scores, tiny_corpus, by="document", n_boot=200)
    assert list(shares["group"].drop_duplicates()) == ["a-2017", "b-2020", "c-2022", "d-2024"]  # date order
    row = shares[(shares["group"] == "a-2017") & (shares["frame"] == "cooperation")].iloc[0]
    f = scores[(scores["task"] == "frames") & (scores["label"] == "cooperation") & (scores["doc_id"] == "a-2017")]
    assert row["share"] == pytest.approx(f["pred"].mean())
    assert row["mean_prob"] == pytest.approx(f["prob"].mean())
    assert row["n_passages"] == len(f)
    assert (shares["share_lo"] <= shares["share"] + 1e-9).all()
    assert (shares["share"] <= shares["share_hi"] + 1e-9).all()
    again = analysis.frame_shares(scores, tiny_corpus, by="document", n_boot=200)
    pd.testing.assert_frame_equal(shares, again)  # seeded


def test_frame_shares_groupings(tiny_corpus, scores):
    by_outlet = analysis.frame_shares(scores, tiny_corpus, by="outlet", n_boot=50)
    assert set(by_outlet["group"]) == {"Daily A", "Daily B", "Daily C"}
    by_country = analysis.frame_shares(scores, tiny_corpus, by="country", n_boot=50)
    assert set(by_country["group"]) == {"X", "Y"}
    by_year = analysis.frame_shares(scores, tiny_corpus, by="period", freq="Y", n_boot=50)
    assert list(by_year["group"].drop_duplicates()) == ["2017", "2020", "2022", "2024"]
    with pytest.raises(ValueError, match="cannot group by"):
        analysis.frame_shares(scores, tiny_corpus, by="nonsense")


def test_group_cis_do_not_depend_on_other_groups(tiny_corpus, scores):
    full = analysis.frame_shares(scores, tiny_corpus, n_boot=200)
    part = analysis.frame_shares(scores[scores["doc_id"] != "b-2020"], tiny_corpus, n_boot=200)
    a = full[full["group"] == "a-2017"].reset_index(drop=True)
    b = part[part["group"] == "a-2017"].reset_index(drop=True)
    pd.testing.assert_frame_equal(a, b)


def test_stance_balance(tiny_corpus, scores):
    bal = analysis.stance_balance(scores, tiny_corpus, n_boot=200)
    assert set(bal["target"]) == {"cooperation"}
    np.testing.assert_allclose(bal["balance"], bal["favor"] - bal["against"])
    np.testing.assert_allclose(bal["favor"] + bal["against"] + bal["none"], 1.0)
    assert (bal["balance_lo"] <= bal["balance"] + 1e-9).all() and (bal["balance"] <= bal["balance_hi"] + 1e-9).all()
    b = bal.set_index("group")["balance"]
    assert b["a-2017"] > 0 > b["b-2020"]  # cooperation praised, then halted


def gold_frame(tiny_corpus) -> pd.DataFrame:
    p = tiny_corpus.analysable()
    rows = []
    for pid, text in zip(p["passage_id"], p["text"], strict=True):
        t = text.lower()
        rows.append(
            {
                "passage_id": pid,
                "frame:cooperation": "cooperat" in t,
                "frame:blame": "blame" in t,
                "stance:cooperation": "FAVOR" if "cooperat" in t and "halt" not in t else "NONE",
            }
        )
    return pd.DataFrame(rows)


def test_gold_scores_beside_model(tiny_corpus, scores):
    gold = analysis.gold_scores(tiny_corpus, TinyCodebook(), gold=gold_frame(tiny_corpus))
    assert list(gold.columns) == analysis.SCORE_COLUMNS
    assert set(gold["source"]) == {"gold"}
    assert set(gold["prob"]) <= {0.0, 1.0}
    both = pd.concat([scores, gold], ignore_index=True)
    shares = analysis.frame_shares(both, tiny_corpus, n_boot=50)
    assert set(shares["source"]) == {"model", "gold"}
    g = shares[(shares["source"] == "gold") & (shares["group"] == "c-2022") & (shares["frame"] == "blame")]
    assert g["share"].iloc[0] == pytest.approx(1 / 3)
    bal = analysis.stance_balance(both, tiny_corpus, n_boot=50)
    assert set(bal["source"]) == {"model", "gold"}
    table = analysis.passage_table(both, tiny_corpus, TinyCodebook())
    assert {"gold:frames", "gold:stance:cooperation", "p:cooperation", "stance:cooperation"} <= set(table.columns)


def test_gold_scores_empty_without_store(tiny_corpus, tmp_path):
    assert analysis.gold_scores(tiny_corpus, TinyCodebook(), store=tmp_path / "none.jsonl").empty


def test_evidence_traces_numbers_to_passages(tiny_corpus, scores, tmp_path):
    ev = analysis.evidence(scores, tiny_corpus, top_k=2)
    assert (ev.groupby(["doc_id", "label"])["rank"].max() <= 2).all()
    top = ev[(ev["doc_id"] == "a-2017") & (ev["label"] == "cooperation")]
    assert top["prob"].is_monotonic_decreasing
    assert "cooperat" in top["text"].iloc[0].lower()
    behind = analysis.passages_behind(scores, tiny_corpus, "a-2017", "cooperation")
    shares = analysis.frame_shares(scores, tiny_corpus, n_boot=20)
    cell = shares[(shares["group"] == "a-2017") & (shares["frame"] == "cooperation")].iloc[0]
    assert behind["pred"].mean() == pytest.approx(cell["share"])
    assert behind["prob"].mean() == pytest.approx(cell["mean_prob"])
    keyed = analysis.evidence(
        scores,
        tiny_corpus,
        top_k=1,
        key_sentences=True,
        models=make_models(),
        cache_dir=tmp_path,
        codebook=TinyCodebook(),
    )
    row = keyed[(keyed["doc_id"] == "a-2017") & (keyed["label"] == "cooperation")].iloc[0]
    assert row["key_sentence"] in row["text"]
    assert "key_sentence_prob" in keyed.columns


def test_narrative_arc(tiny_corpus, scores):
    arc = analysis.narrative_arc(scores, tiny_corpus)
    assert len(arc) == len(tiny_corpus.passages)
    assert (arc.groupby("doc_id")["position"].min() == 1).all()
    weather = arc[arc["passage_id"].isin(scores["passage_id"]) & arc["frames"].eq("")]
    assert (weather["dominant"] == "").all()
    coop = arc[arc["frames"].str.contains("cooperation") & ~arc["frames"].str.contains("blame")]
    assert (coop["dominant"] == "cooperation").all()


def test_model_hash_is_content_based(tmp_path):
    a, b = make_models()["frames"], make_models()["frames"]
    assert model_hash(a) == model_hash(b)
    b.cues = {"cooperation": ["x"], "blame": []}
    assert model_hash(a) != model_hash(b)
    assert model_hash(object()) is None
