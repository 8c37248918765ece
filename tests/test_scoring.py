"""Streaming scoring (stance.scoring, `stance score` on a table): parts, engines, bad input."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest

from stance import analysis, scoring
from stance.errors import StanceInputError
from stance.models import ModelHandle

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def passages(seed_corpus) -> pd.DataFrame:
    return seed_corpus.analysable()[["passage_id", "doc_id", "text"]].reset_index(drop=True)


@pytest.fixture(scope="module")
def lexicon(codebook) -> list[ModelHandle]:
    return scoring.resolve_models(codebook=codebook, model="lexicon")


@pytest.fixture(scope="module")
def tables(passages, tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("tables")
    out = {"csv": folder / "p.csv", "jsonl": folder / "p.jsonl", "parquet": folder / "p.parquet"}
    passages.to_csv(out["csv"], index=False)
    passages.to_json(out["jsonl"], orient="records", lines=True, force_ascii=False)
    passages.to_parquet(out["parquet"], index=False, row_group_size=10)  # several row groups, not chunk-aligned
    return out


def _whole(passages: pd.DataFrame, models) -> pd.DataFrame:
    frame = passages.assign(row=np.arange(len(passages)))[["row", "passage_id", "doc_id", "text"]]
    return scoring.score_frame(frame, models)


def _same(a: pd.DataFrame, b: pd.DataFrame) -> None:
    pd.testing.assert_frame_equal(
        a.reset_index(drop=True), b.reset_index(drop=True), check_dtype=False, check_exact=True
    )


@pytest.mark.parametrize("kind", ["csv", "jsonl", "parquet"])
def test_parts_equal_whole_frame(kind, tables, passages, lexicon, tmp_path):
    out = tmp_path / "scores.parquet"
    run = scoring.score_file(tables[kind], out, models=lexicon, chunksize=7, keep=["doc_id"], show_progress=False)
    # Parquet parts never straddle a row group: groups of 10, 10, ..., 9 rows give two parts each
    assert run.parts == (2 * int(np.ceil(len(passages) / 10)) if kind == "parquet" else int(np.ceil(len(passages) / 7)))
    assert run.rows_in == run.rows_out == len(passages)
    written = pd.read_parquet(out)
    _same(written, _whole(passages, lexicon))
    assert written["row"].tolist() == list(range(len(passages)))
    meta = json.loads(pq.read_schema(out).metadata[b"stance"])
    assert meta["models"]["frames"]["backend"] == "lexicon" and meta["input"] == str(tables[kind])


def test_chunk_size_does_not_change_scores(tables, lexicon, tmp_path):
    outs = []
    for size in (1, 5, 1000):
        out = tmp_path / f"s{size}.parquet"
        scoring.score_file(tables["csv"], out, models=lexicon, chunksize=size, show_progress=False)
        outs.append(pd.read_parquet(out))
    _same(outs[0], outs[1])
    _same(outs[0], outs[2])


def test_columns_and_decisions_match_score_passages(seed_corpus, codebook, lexicon, passages):
    wide = _whole(passages, lexicon).set_index("passage_id")
    models = {tm.task: tm.load() for tm in lexicon}
    long = analysis.score_passages(seed_corpus, models=models, codebook=codebook, cache=False)
    assert list(wide.columns[:2]) == ["row", "doc_id"]
    assert scoring.output_columns(lexicon) == list(wide.columns[2:])
    for row in long.itertuples(index=False):
        prefix = next(scoring.prob_prefix(tm) for tm in lexicon if tm.task == row.task)
        assert wide.loc[row.passage_id, f"{prefix}{row.label}"] == pytest.approx(row.prob, abs=1e-12)
        predicted = wide.loc[row.passage_id, row.task]
        chosen = predicted.split(";") if row.task == "frames" else [predicted]
        assert (row.label in chosen) == bool(row.pred), (row.passage_id, row.task, row.label)


def test_split_documents_gives_the_corpus_passages(seed_corpus, lexicon, tmp_path):
    from stance.corpus import load_corpus, read_text_file

    docs = seed_corpus.documents
    table = pd.DataFrame(
        {
            "doc_id": docs["doc_id"],
            "title": docs["title"],
            "author": docs["author"],
            "text": [read_text_file(ROOT / "seeds" / f) for f in docs["file"]],
        }
    )
    path = tmp_path / "docs.jsonl"
    table.to_json(path, orient="records", lines=True, force_ascii=False)
    out = tmp_path / "split.parquet"
    run = scoring.score_file(path, out, models=lexicon, split=True, chunksize=2, show_progress=False)
    scored = pd.read_parquet(out)
    expected = load_corpus(path).analysable()
    assert run.rows_in == len(docs) and run.rows_out == len(expected)
    assert sorted(scored["passage_id"]) == sorted(expected["passage_id"])
    assert "title" not in scored.columns and "author" not in scored.columns
    again = _whole(expected[["passage_id", "doc_id", "text"]], lexicon).set_index("passage_id")
    mine = scored.set_index("passage_id")
    cols = scoring.output_columns(lexicon)
    _same(mine.loc[again.index, cols], again[cols])


def test_dask_local_cluster_equals_single_process(tables, lexicon, tmp_path):
    pytest.importorskip("distributed")
    local, dask = tmp_path / "local.parquet", tmp_path / "dask.parquet"
    scoring.score_file(tables["parquet"], local, models=lexicon, chunksize=9, keep=["doc_id"], show_progress=False)
    run = scoring.score_file(
        tables["parquet"],
        dask,
        models=lexicon,
        chunksize=9,
        keep=["doc_id"],
        engine="dask",
        n_workers=2,
        show_progress=False,
    )
    assert run.engine == "dask" and run.parts > 2
    _same(pd.read_parquet(dask), pd.read_parquet(local))


def test_transient_cache_shares_embeddings_in_memory_only(tmp_path, monkeypatch):
    from stance.encoders import Encoder, transient_cache

    monkeypatch.setenv("STANCE_CACHE_DIR", str(tmp_path / "cache"))
    enc = Encoder.__new__(Encoder)
    enc.spec, enc.hash, enc.pooling, enc.max_length, enc.dim = "fake", "f" * 64, "mean", 8, 2
    enc._memory, enc._disk_seen = {}, set()
    calls: list[list[str]] = []

    def fake(texts, batch_size=32, show_progress=False):
        calls.append(list(texts))
        return np.array([[len(t), 1.0] for t in texts], dtype=np.float32)

    enc.encode_uncached = fake
    with transient_cache():
        first = enc.encode(["aa", "b", "aa"])
        second = enc.encode(["b", "ccc"])
    assert calls == [["aa", "b"], ["ccc"]]
    assert first[:, 0].tolist() == [2, 1, 2] and second[:, 0].tolist() == [1, 3]
    assert enc._memory == {} and not (tmp_path / "cache").exists()
    enc.encode(["b"])  # outside the block: the lasting cache is used again
    assert calls[-1] == ["b"] and len(enc._memory) == 1


# ------------------------------------------------------------------------------ bad input
def _expect(path: Path, match: str, **where) -> StanceInputError:
    with pytest.raises(StanceInputError, match=match) as info:
        scoring.plan_parts(path, 10)
    for key, value in where.items():
        assert getattr(info.value, key) == value, (key, getattr(info.value, key))
    assert info.value.file == str(path)
    return info.value


def test_missing_text_column(tmp_path):
    path = tmp_path / "a.csv"
    path.write_text("id,body\n1,hello\n", encoding="utf-8")
    _expect(path, "no column 'text'.*id, body.*--text-column", line=1, field="text")
    jl = tmp_path / "a.jsonl"
    jl.write_text('{"id": 1, "body": "x"}\n', encoding="utf-8")
    _expect(jl, "no key 'text'", line=1, field="text")
    parquet = tmp_path / "a.parquet"
    pd.DataFrame({"body": ["x"]}).to_parquet(parquet)
    _expect(parquet, "no column 'text'", field="text")


def test_missing_key_on_a_later_jsonl_line(tmp_path, lexicon):
    path = tmp_path / "a.jsonl"
    path.write_text('{"text": "one"}\n\n{"text": "two"}\n{"body": "three"}\n', encoding="utf-8")
    with pytest.raises(StanceInputError, match="no key 'text'") as info:
        scoring.score_file(path, tmp_path / "o.parquet", models=lexicon, show_progress=False)
    assert (info.value.line, info.value.field) == (4, "text")


@pytest.mark.parametrize("content", [b"", b"\n  \n", b"text\n"])
def test_empty_files(tmp_path, content):
    path = tmp_path / "e.csv"
    path.write_bytes(content)
    _expect(path, "empty|no rows")
    jl = tmp_path / "e.jsonl"
    jl.write_bytes(content.replace(b"text", b""))
    _expect(jl, "empty", line=1)


def test_non_utf8_names_line_and_field(tmp_path):
    path = tmp_path / "latin.csv"
    path.write_bytes('id,text,outlet\n1,"fine",a\n2,"caf\u00e9 au lait",b\n'.encode("latin-1"))
    err = _expect(path, "not valid UTF-8.*re-save", line=3, field="text")
    assert "b'\\xe9'" in str(err)
    jl = tmp_path / "latin.jsonl"
    jl.write_bytes('{"id": 1, "text": "ok"}\n{"id": 2, "outlet": "x", "text": "na\u00efve"}\n'.encode("latin-1"))
    _expect(jl, "not valid UTF-8", line=2, field="text")


def test_empty_text_after_a_multiline_record_names_its_line(tmp_path, lexicon):
    path = tmp_path / "m.csv"
    path.write_text('id,text\n1,"first line\n\nsecond, with comma"\n2,ok\n3,\n', encoding="utf-8")
    parts = scoring.plan_parts(path, 2)
    assert [p.n_rows for p in parts] == [2, 1] and parts[1].first_line == 6
    out = tmp_path / "o.parquet"
    with pytest.raises(StanceInputError, match="empty text") as info:
        scoring.score_file(path, out, models=lexicon, chunksize=2, show_progress=False)
    assert (info.value.line, info.value.field) == (6, "text")
    assert not out.exists() and list(tmp_path.glob(".o.parquet*")) == []


def test_multiline_fields_are_read_whole(tmp_path, lexicon):
    path = tmp_path / "m.csv"
    path.write_text('id,text\n1,"Cooperation on fentanyl.\n\nA second paragraph."\n2,"plain"\n', encoding="utf-8")
    scoring.score_file(path, tmp_path / "o.parquet", models=lexicon, chunksize=1, keep_text=True, show_progress=False)
    got = pd.read_parquet(tmp_path / "o.parquet")
    assert got["id"].tolist() == ["1", "2"]
    assert got["text"].iloc[0] == "Cooperation on fentanyl.\n\nA second paragraph."


def test_unclosed_quote_and_unknown_type(tmp_path):
    path = tmp_path / "q.csv"
    path.write_text('id,text\n1,"never closed\n2,x\n', encoding="utf-8")
    _expect(path, "never closed", line=2)
    other = tmp_path / "x.xlsx"
    other.write_bytes(b"PK")
    _expect(other, "unsupported file type")
    with pytest.raises(StanceInputError, match="not found"):
        scoring.plan_parts(tmp_path / "missing.csv")


def test_bad_output_and_models(tables, tmp_path, codebook):
    with pytest.raises(StanceInputError, match=r"\.parquet"):
        scoring.score_file(tables["csv"], tmp_path / "o.csv", model="lexicon", codebook=codebook)
    with pytest.raises(StanceInputError, match="needs training"):
        scoring.resolve_models(["frames"], "tfidf", codebook=codebook)
    with pytest.raises(StanceInputError, match="unknown task"):
        scoring.resolve_models(["framez"], "lexicon", codebook=codebook)
    with pytest.raises(analysis.MissingModelError, match="stance train"):
        scoring.resolve_models(["frames"], "default", codebook=codebook, models_dir=tmp_path / "none")


def test_saved_model_folder(tmp_path, codebook, passages):
    from stance.classifiers import make_classifier, provenance_record

    clf = make_classifier("lexicon", "frames", codebook).fit_from_params()
    clf.save(tmp_path / "m", provenance=provenance_record(codebook=codebook, task="frames"))
    [tm] = scoring.resolve_models(None, tmp_path / "m", codebook=codebook)
    assert tm.task == "frames" and tm.source == "folder" and tm.backend == "lexicon" and len(tm.hash) == 64
    [built] = scoring.resolve_models(["frames"], "lexicon", codebook=codebook)
    a = scoring.score_frame(passages.head(12), [tm])
    b = scoring.score_frame(passages.head(12), [built])
    _same(a, b)


def test_cli_scores_a_table(tables, tmp_path, monkeypatch):
    import typer
    from typer.testing import CliRunner

    from stance.cli.score import score

    app = typer.Typer()
    app.command("score")(score)
    app.command("other")(lambda: None)
    out = tmp_path / "cli.parquet"
    result = CliRunner().invoke(
        app,
        [
            "score",
            str(tables["jsonl"]),
            "--out",
            str(out),
            "--model",
            "lexicon",
            "--task",
            "frames",
            "--chunksize",
            "30",
            "--keep",
            "doc_id",
            "--quiet",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "wrote 69 rows" in result.output
    got = pd.read_parquet(out)
    assert list(got.columns[:4]) == ["row", "passage_id", "doc_id", "frames"]
    assert not any(c.startswith("stance:") for c in got.columns)
    bad = CliRunner().invoke(
        app, ["score", str(tables["csv"]), "--out", str(out), "--model", "lexicon", "--text-column", "body"]
    )
    assert isinstance(bad.exception, StanceInputError) and "no column 'body'" in str(bad.exception)


# ------------------------------------------------------------- rows that need no model
def _flagged(passages: pd.DataFrame) -> pd.DataFrame:
    n = len(passages)
    return passages.assign(
        on_topic=pd.array([(True, False, None)[i % 3] for i in range(n)], dtype="boolean"),
        analysable=[i % 5 != 0 for i in range(n)],
    )


@pytest.mark.parametrize("kind", ["csv", "jsonl", "parquet"])
def test_rows_off_topic_or_not_analysable_are_kept_unscored(kind, passages, lexicon, tmp_path, monkeypatch):
    frame = _flagged(passages)
    path = tmp_path / f"flags.{kind}"
    {"csv": lambda: frame.to_csv(path, index=False), "parquet": lambda: frame.to_parquet(path, index=False)}.get(
        kind, lambda: frame.to_json(path, orient="records", lines=True, force_ascii=False)
    )()
    seen: list[str] = []
    real = scoring._task_scores
    monkeypatch.setattr(scoring, "_task_scores", lambda handle, texts: seen.extend(texts) or real(handle, texts))
    out = tmp_path / "o.parquet"
    run = scoring.score_file(path, out, models=lexicon, chunksize=11, show_progress=False)
    got = pd.read_parquet(out)
    skip = frame["on_topic"].eq(False).fillna(False).to_numpy() | ~frame["analysable"].to_numpy()
    assert 0 < skip.sum() < len(frame) and run.rows_out == len(frame)  # nothing is lost
    assert set(seen) == set(frame.loc[~skip, "text"])  # no model saw a flagged row
    assert got["on_topic"].tolist() == [None if v is pd.NA else bool(v) for v in frame["on_topic"]]
    assert got["analysable"].tolist() == frame["analysable"].tolist()
    cols = scoring.output_columns(lexicon)
    labels = [c for c in cols if not c.startswith("p:")]
    assert (
        got.loc[skip, labels].isna().all().all()
        and got.loc[skip, [c for c in cols if c.startswith("p:")]].isna().all().all()
    )
    expected = _whole(passages[~skip].reset_index(drop=True), lexicon)
    _same(got.loc[~skip, cols], expected[cols])
    assert json.loads(pq.read_schema(out).metadata[b"stance"])["skip_flags"] == ["analysable", "on_topic"]


def test_a_bad_flag_value_names_line_and_field(tmp_path, lexicon):
    path = tmp_path / "f.csv"
    path.write_text("id,text,on_topic\n1,one,yes\n2,two,maybe\n3,three,0\n", encoding="utf-8")
    out = tmp_path / "o.parquet"
    with pytest.raises(StanceInputError, match="'maybe' is not true or false") as info:
        scoring.score_file(path, out, models=lexicon, show_progress=False)
    assert (info.value.line, info.value.field, info.value.file) == (3, "on_topic", str(path))
    assert not out.exists()


def test_score_frame_leaves_flagged_rows_unscored(lexicon):
    frame = pd.DataFrame({"text": ["a", "b"], "on_topic": [False, "no"]})
    got = scoring.score_frame(frame, lexicon)
    assert got[scoring.pred_column(lexicon[0])].isna().all() and len(got) == 2
