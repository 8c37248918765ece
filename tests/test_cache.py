"""The cache registry: every in-process cache of the package is registered, and one ``clear()`` empties them."""

from __future__ import annotations

import importlib
import pkgutil

import pytest

import stance
from stance import cache


def _import_all() -> None:
    for info in pkgutil.walk_packages(stance.__path__, "stance."):
        if not info.name.endswith("__main__"):  # runs the command line
            importlib.import_module(info.name)


def test_the_package_caches_are_registered():
    _import_all()
    names = set(cache.registered())
    expected = {
        "codebook.loaded",
        "encoders.file_hashes",
        "encoders.libc_trim",
        "encoders.loaded",
        "models.loaded",
        "narrative.parses",
        "roles.features",
        "scoring.parquet_cursor",
    }
    assert expected <= names, f"not registered: {sorted(expected - names)}"


def test_clear_empties_every_module_cache(root):
    from stance import codebook, encoders
    from stance.narrative import _nlp

    cache.clear()  # earlier tests in the session may have filled them
    cb = codebook.cached_codebook(root / "codebook" / "codebook.yaml")
    assert codebook.cached_codebook(root / "codebook" / "codebook.yaml") is cb  # read once while unchanged
    encoders._ENCODERS["key"] = object()
    encoders._HASHES[("file", 1, 1)] = "0" * 64
    _nlp._PARSES["text"] = object()
    caches = [codebook._LOADED, encoders._ENCODERS, encoders._HASHES, _nlp._PARSES]
    assert all(len(c) == 1 for c in caches)
    cache.clear()
    assert [len(c) for c in caches] == [0, 0, 0, 0]
    assert codebook.cached_codebook(root / "codebook" / "codebook.yaml") is not cb


def test_clear_one_cache_by_name(root):
    from stance import codebook, encoders

    codebook.cached_codebook(root / "codebook" / "codebook.yaml")
    encoders._HASHES[("file", 1, 1)] = "0" * 64
    cache.clear("codebook.loaded")
    assert len(codebook._LOADED) == 0
    assert len(encoders._HASHES) == 1
    cache.clear()
    with pytest.raises(KeyError, match="no cache named 'nothing'"):
        cache.clear("nothing")


def test_a_cached_codebook_is_read_again_when_its_file_changes(tmp_path, root):
    from stance.codebook import cached_codebook

    path = tmp_path / "codebook.yaml"
    text = (root / "codebook" / "codebook.yaml").read_text(encoding="utf-8")
    path.write_text(text, encoding="utf-8")
    first = cached_codebook(path)
    path.write_text(text.replace("\nversion:", "\n# edited\nversion:", 1), encoding="utf-8")
    assert cached_codebook(path) is not first


def test_clear_for_fork_keeps_the_encoders(root):
    from stance import codebook, encoders

    cache.clear()
    codebook.cached_codebook(root / "codebook" / "codebook.yaml")
    encoders._ENCODERS["key"] = object()
    cache.clear_for_fork()
    assert len(codebook._LOADED) == 0
    assert "key" in encoders._ENCODERS
    cache.clear()
    assert "key" not in encoders._ENCODERS
