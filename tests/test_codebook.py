"""Codebook loading, validation (with file/line/field errors), hashing and diffs."""

from __future__ import annotations

import copy
import time
from pathlib import Path

import pytest
import yaml

from stance.codebook import Codebook
from stance.errors import StanceInputError

FRAMES = [
    "cooperation",
    "blame",
    "rebuttal",
    "sovereignty",
    "coercion",
    "control_measures",
    "goodwill",
    "public_health",
]


def test_project_codebook(codebook):
    assert codebook.frame_names == FRAMES
    assert codebook.stance_targets == ["us_government", "china_government", "cooperation"]
    assert codebook.stance_classes == ["FAVOR", "AGAINST", "NONE"]
    assert codebook.role_names == ["protagonist", "antagonist", "innocent"]
    assert {"china", "united_states", "mexico", "traffickers", "pharma", "other"} <= {a.name for a in codebook.actors}
    assert codebook.tasks == [
        "frames",
        "stance:us_government",
        "stance:china_government",
        "stance:cooperation",
        "roles",
    ]
    for task in codebook.tasks:
        for lab in codebook.labels(task):
            assert lab.definition
            assert len(lab.positive_examples) >= 3, (task, lab.name)
            assert len(lab.negative_examples) >= 2, (task, lab.name)
    for frame in codebook.frames:
        assert frame.include and frame.exclude and frame.cues and frame.policy_frames


def test_aliases_map_to_actors(codebook):
    aliases = codebook.actor_aliases()
    assert aliases["beijing"] == "china"
    assert aliases["washington"] == "united_states"
    assert aliases["the u.s. side"] == "united_states"


def test_examples_are_not_seed_passages(codebook, seed_corpus):
    """Codebook examples are synthetic and must never coincide with scored passages."""
    seeds = {" ".join(t.lower().split()) for t in seed_corpus.passages["text"]}
    for task in codebook.tasks:
        for text, _, _ in codebook.examples(task, include_negative=True):
            assert " ".join(text.lower().split()) not in seeds


def test_hash_is_stable_and_content_based(codebook, root):
    again = Codebook.load(root / "codebook" / "codebook.yaml")
    assert again.hash == codebook.hash and len(codebook.hash) == 64
    data = copy.deepcopy(codebook.data)
    data["frames"][1]["definition"] += " Edited."
    changed = Codebook.from_dict(data)
    assert changed.hash != codebook.hash
    assert codebook.diff(changed) == {"added": [], "removed": [], "changed": ["frames/blame"]}


def test_load_is_fast(root):
    start = time.perf_counter()
    Codebook.load(root / "codebook" / "codebook.yaml")
    assert time.perf_counter() - start < 2.0


def _write(tmp_path, data) -> str:
    path = tmp_path / "cb.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return path


def _load_error(path) -> StanceInputError:
    with pytest.raises(StanceInputError) as info:
        Codebook.load(path)
    return info.value


def test_duplicate_label(tmp_path, codebook):
    data = copy.deepcopy(codebook.data)
    data["frames"].append(copy.deepcopy(data["frames"][0]))
    path = _write(tmp_path, data)
    err = _load_error(path)
    assert "duplicate label 'cooperation'" in str(err)
    assert err.file == str(path) and err.field == f"frames.{len(data['frames']) - 1}.name"
    assert path.read_text(encoding="utf-8").splitlines()[err.line - 1].lstrip("- ").startswith("name: cooperation")


def test_unknown_stance_class(tmp_path, codebook):
    data = copy.deepcopy(codebook.data)
    data["stance"]["targets"][0]["examples"]["FAVOUR"] = data["stance"]["targets"][0]["examples"].pop("FAVOR")
    err = _load_error(_write(tmp_path, data))
    assert "unknown stance class 'FAVOUR'" in str(err) and "did you mean 'FAVOR'" in str(err)
    assert err.line is not None and err.field == "stance.targets.0.examples.FAVOUR"


def test_unknown_label_key(tmp_path, codebook):
    data = copy.deepcopy(codebook.data)
    data["frames"][2]["defintion"] = "typo"
    err = _load_error(_write(tmp_path, data))
    assert "unknown key 'defintion'" in str(err) and err.field == "frames.2.defintion"


def test_too_few_examples(tmp_path, codebook):
    data = copy.deepcopy(codebook.data)
    data["frames"][0]["examples"]["positive"] = data["frames"][0]["examples"]["positive"][:2]
    err = _load_error(_write(tmp_path, data))
    assert "at least 3 positive examples" in str(err)


def test_empty_and_non_utf8_and_invalid_yaml(tmp_path):
    path = tmp_path / "cb.yaml"
    path.write_text("\n", encoding="utf-8")
    assert "empty" in str(_load_error(path))
    path.write_bytes(b"name: x\nversion: '1'\ndescription: caf\xe9\n")
    err = _load_error(path)
    assert err.line == 3 and "UTF-8" in str(err)
    path.write_text("name: x\nframes: [a, b\n", encoding="utf-8")
    assert "not valid YAML" in str(_load_error(path))


def test_duplicate_alias_across_actors(tmp_path, codebook):
    data = copy.deepcopy(codebook.data)
    data["actors"][1]["aliases"].append(data["actors"][0]["aliases"][0])
    err = _load_error(_write(tmp_path, data))
    assert "is given to both" in str(err)


def test_user_codebook_with_frames_only(tmp_path):
    frame = {"definition": "d", "examples": {"positive": ["a", "b", "c"], "negative": ["x", "y"]}}
    data = {"name": "mine", "version": "0.1", "frames": [{"name": "economy", **frame}, {"name": "politics", **frame}]}
    cb = Codebook.load(_write(tmp_path, data))
    assert cb.tasks == ["frames"] and cb.frame_names == ["economy", "politics"]
    with pytest.raises(KeyError, match="unknown task"):
        cb.task_labels("roles")


def _allowed_keys(tmp_path, codebook, where: str) -> list[str]:
    """The keys the loader allows at the top level or in a label, read from its refusal of an unknown key."""
    data = copy.deepcopy(codebook.data)
    (data if where == "top" else data["frames"][0])["zz_not_a_key"] = 1
    message = str(_load_error(_write(tmp_path, data)))
    return yaml.safe_load(message[message.index("expected one of ") + len("expected one of ") :].split("]")[0] + "]")


@pytest.mark.parametrize("where", ["top", "label"])
def test_schema_doc_describes_every_allowed_key(tmp_path, codebook, where):
    doc = (Path(__file__).resolve().parents[1] / "docs" / "codebook.md").read_text(encoding="utf-8")
    keys = _allowed_keys(tmp_path, codebook, where)
    assert len(keys) >= 5
    missing = [k for k in keys if f"| `{k}` |" not in doc]
    assert not missing, f"docs/codebook.md does not describe {missing}"
