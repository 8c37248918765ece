"""Import and export: CSV, Label Studio, Prodigy/doccano and the store's JSONL, with round trips."""

from __future__ import annotations

import csv
import json
import xml.etree.ElementTree as ET

import pytest
from support.labels import full, label_cells

from stance.labels import (
    LabelStore,
    detect_format,
    export_labels,
    import_labels,
    labelstudio_config,
)

SUFFIX = {"csv": ".csv", "labelstudio": ".json", "prodigy": ".jsonl", "doccano": ".jsonl", "jsonl": ".jsonl"}


@pytest.fixture
def gold(store, lcorpus, codebook, pids):
    """A store whose gold labels mix full codings, partial recodes, stance-only records and all-none roles."""
    store.append(
        [
            full(pids[0]),
            full(
                pids[1],
                frames=["cooperation", "control_measures"],
                rationale={"cooperation": "share intelligence and coordinate law enforcement operations"},
            ),
            full(
                pids[2],
                frames=["blame", "rebuttal"],
                roles={"united_states": "antagonist", "china": "innocent"},
                rationale={"blame": "the United States should stop blaming China"},
            ),
            full(pids[3], frames=[], roles={}, rationale={}),
            {"passage_id": pids[4], "annotator": "gold", "stance": {"us_government": "NONE"}},
            {
                "passage_id": pids[5],
                "annotator": "gold",
                "fields": ["frames:coercion", "roles:china"],
                "frames": ["coercion"],
                "roles": {"china": "innocent"},
                "rationale": {"coercion": "new tariffs"},
            },
        ],
        lcorpus,
        codebook,
    )
    # a round-2 recode of one frame
    store.append(
        [{"passage_id": pids[2], "annotator": "gold", "round": 2, "fields": ["frames:rebuttal"], "frames": []}],
        lcorpus,
        codebook,
    )
    return store


@pytest.mark.parametrize("fmt", ["csv", "labelstudio", "prodigy", "doccano", "jsonl"])
def test_round_trip_gives_identical_resolved_labels(fmt, gold, project, lcorpus, codebook, tmp_path):
    out = tmp_path / f"export{SUFFIX[fmt]}"
    table = export_labels(out, fmt, gold, lcorpus, codebook, annotator="gold", labelled_only=True)
    assert int(table["labelled"].sum()) == 6
    fresh = LabelStore(tmp_path / "fresh.jsonl", codebook=codebook)
    report = import_labels(
        out, fresh, lcorpus, codebook, annotator="gold", format="prodigy" if fmt == "doccano" else "auto"
    )
    assert len(report.added) == 6 and not report.changed
    assert label_cells(fresh.resolved("gold")) == label_cells(gold.resolved("gold"))
    # importing the same file again is a no-op
    again = import_labels(
        out, fresh, lcorpus, codebook, annotator="gold", format="prodigy" if fmt == "doccano" else "auto"
    )
    assert not again.written and len(again.unchanged) == 6


def test_csv_layout_is_spreadsheet_friendly(gold, lcorpus, codebook, tmp_path, pids):
    out = tmp_path / "labels.csv"
    export_labels(out, "csv", gold, lcorpus, codebook)
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert len(rows) == 7  # every analysable passage; unlabelled ones have empty label cells
    header = list(rows[0])
    assert header[:5] == ["passage_id", "doc_id", "text_hash", "annotator", "frames"]
    assert "stance:cooperation" in header and "role:china" in header and "rationale:blame" in header
    assert header[-1] == "text"
    by_id = {r["passage_id"]: r for r in rows}
    assert by_id[pids[1]]["frames"] == "cooperation;control_measures"
    assert by_id[pids[3]]["frames"] == "none"
    assert by_id[pids[4]]["frames"] == "" and by_id[pids[4]]["stance:us_government"] == "NONE"
    assert by_id[pids[2]]["role:united_states"] == "antagonist" and by_id[pids[2]]["role:mexico"] == "none"
    assert by_id[pids[5]]["fields"] == "frames:coercion;roles:china"
    assert by_id[pids[6]]["frames"] == "" and by_id[pids[6]]["annotator"] == ""


def test_csv_text_label_columns_from_a_spreadsheet(store, lcorpus, codebook, pids, tmp_path):
    path = tmp_path / "sheet.csv"
    text = lcorpus.passage(pids[2])["text"]
    path.write_text(
        "text,label,passage_id,outlet,comment\n"
        f'"{text}",blame;rebuttal,{pids[2]},Test Daily,checked twice\n'
        f'"{lcorpus.passage(pids[3])["text"]}",none,{pids[3]},Test Daily,\n'
        f'"{lcorpus.passage(pids[4])["text"]}",,{pids[4]},Test Times,not coded yet\n',
        encoding="utf-8",
    )
    assert detect_format(path) == "csv"
    report = import_labels(path, store, lcorpus, codebook, annotator="coder_a")
    assert len(report.added) == 2 and any("no labels, skipped" in w for w in report.warnings)
    df = store.resolved("coder_a")
    assert df.set_index("passage_id").loc[pids[2], "frames"] == ["blame", "rebuttal"]
    assert df.set_index("passage_id").loc[pids[3], "frames"] == []
    assert store.records()[0]["kind"] == "import" and store.records()[0]["source"] == "sheet.csv"


def test_csv_one_column_per_frame(store, lcorpus, codebook, pids, tmp_path):
    path = tmp_path / "wide.csv"
    path.write_text(f"passage_id,frame:blame,frame:rebuttal\n{pids[2]},1,0\n", encoding="utf-8")
    import_labels(path, store, lcorpus, codebook, annotator="coder_a")
    row = store.resolved("coder_a").iloc[0]
    assert bool(row["frame:blame"]) and not bool(row["frame:rebuttal"])
    assert row["frames"] == ["blame"] and str(row["frame:cooperation"]) == "<NA>"


def test_labelstudio_config_from_the_codebook(codebook):
    xml = labelstudio_config(codebook)
    root = ET.fromstring(xml)
    assert root.tag == "View"
    assert root.find("Text").get("value") == "$text"
    frames = root.find("Choices[@name='frames']")
    assert frames.get("choice") == "multiple" and frames.get("toName") == "text"
    choices = frames.findall("Choice")
    assert [c.get("value") for c in choices] == codebook.frame_names
    assert choices[1].get("hint").startswith(codebook.frames[1].definition.split()[0])
    for t in codebook.stance_targets:
        node = root.find(f"Choices[@name='stance_{t}']")
        assert node.get("choice") == "single-radio"
        assert [c.get("value") for c in node.findall("Choice")] == codebook.stance_classes
    rationale = root.find("TextArea[@name='rationale_blame']")
    assert rationale.get("visibleWhen") == "choice-selected" and rationale.get("whenChoiceValue") == "blame"
    role = root.find("Choices[@name='role_china']")
    assert [c.get("value") for c in role.findall("Choice")] == [*codebook.role_names, "none"]


def test_labelstudio_tasks_and_config_file(gold, lcorpus, codebook, tmp_path, pids):
    out = tmp_path / "tasks.json"
    export_labels(out, "labelstudio", gold, lcorpus, codebook, annotator=None, n=3)
    tasks = json.loads(out.read_text(encoding="utf-8"))
    assert len(tasks) == 3 and all("annotations" not in t for t in tasks)
    assert set(tasks[0]["data"]) == {"text", "passage_id", "text_hash", "doc_id"}
    assert (tmp_path / "tasks.xml").read_text(encoding="utf-8").startswith("<View>")
    # the sample is seeded and kept in corpus order
    again = export_labels(tmp_path / "again.json", "labelstudio", gold, lcorpus, codebook, annotator=None, n=3)
    assert list(again["passage_id"]) == [t["data"]["passage_id"] for t in tasks]
    order = [p for p in pids if p in set(again["passage_id"])]
    assert list(again["passage_id"]) == order
    picked = export_labels(tmp_path / "ids.json", "labelstudio", gold, lcorpus, codebook, ids=[pids[5], pids[0]])
    assert set(picked["passage_id"]) == {pids[0], pids[5]}


def test_labelstudio_export_from_the_tool(store, lcorpus, codebook, pids, tmp_path):
    """A JSON export as Label Studio writes it: several annotators, a cancelled annotation, textarea results."""

    def choice(name, values):
        return {"from_name": name, "to_name": "text", "type": "choices", "value": {"choices": values}}

    tasks = [
        {
            "id": 11,
            "data": {"text": lcorpus.passage(pids[2])["text"], "passage_id": pids[2]},
            "annotations": [
                {
                    "id": 1,
                    "completed_by": {"id": 3, "email": "ann@example.org"},
                    "was_cancelled": False,
                    "updated_at": "2026-02-01T10:00:00.123456Z",
                    "result": [
                        choice("frames", ["blame", "rebuttal"]),
                        {
                            "from_name": "rationale_blame",
                            "to_name": "text",
                            "type": "textarea",
                            "value": {"text": ["should stop blaming China"]},
                        },
                        choice("stance_us_government", ["AGAINST"]),
                        choice("role_united_states", ["antagonist"]),
                    ],
                },
                {"id": 2, "completed_by": 4, "was_cancelled": True, "result": []},
            ],
        },
        {"id": 12, "data": {"passage_id": pids[3]}, "annotations": []},
    ]
    path = tmp_path / "project-1-at-2026.json"
    path.write_text(json.dumps(tasks, indent=2), encoding="utf-8")
    assert detect_format(path) == "labelstudio"
    report = import_labels(path, store, lcorpus, codebook)
    assert len(report.added) == 1 and len(report.warnings) == 2
    rec = store.records()[0]
    assert rec["annotator"] == "ann@example.org" and rec["timestamp"].startswith("2026-02-01T10:00:00")
    row = store.resolved("ann@example.org").iloc[0]
    assert row["frames"] == ["blame", "rebuttal"] and row["rationale"] == {"blame": "should stop blaming China"}
    assert row["stance:us_government"] == "AGAINST" and row["stance:cooperation"] is None
    assert row["roles"] == {"united_states": "antagonist"} and row["role:china"] == "none"


def test_prodigy_binary_answers_decide_one_frame(store, lcorpus, codebook, pids, tmp_path):
    path = tmp_path / "binary.jsonl"
    t2, t5 = lcorpus.passage(pids[2])["text"], lcorpus.passage(pids[5])["text"]
    lines = [
        {"text": t2, "label": "blame", "answer": "accept", "meta": {"passage_id": pids[2]}, "_annotator_id": "s-ann"},
        {
            "text": t2,
            "label": "rebuttal",
            "answer": "reject",
            "meta": {"passage_id": pids[2]},
            "_annotator_id": "s-ann",
        },
        {
            "text": t2,
            "label": "goodwill",
            "answer": "ignore",
            "meta": {"passage_id": pids[2]},
            "_annotator_id": "s-ann",
        },
        {
            "text": t5,
            "cats": {"coercion": 1.0, "sovereignty": 0.0},
            "meta": {"passage_id": pids[5]},
            "_annotator_id": "s-ann",
        },
    ]
    path.write_text("".join(json.dumps(x) + "\n" for x in lines), encoding="utf-8")
    assert detect_format(path) == "prodigy"
    report = import_labels(path, store, lcorpus, codebook)
    assert len(report.added) == 3 and any("ignored" in w for w in report.warnings)
    assert [r["fields"] for r in store.records()] == [
        ["frames:blame"],
        ["frames:rebuttal"],
        ["frames:sovereignty", "frames:coercion"],
    ]
    df = store.resolved("s-ann").set_index("passage_id")
    assert bool(df.loc[pids[2], "frame:blame"]) and not bool(df.loc[pids[2], "frame:rebuttal"])
    assert str(df.loc[pids[2], "frame:cooperation"]) == "<NA>"


def test_prodigy_choice_export_lists_every_option(gold, lcorpus, codebook, tmp_path, pids):
    out = tmp_path / "choice.jsonl"
    export_labels(out, "prodigy", gold, lcorpus, codebook, labelled_only=True)
    first = json.loads(out.read_text(encoding="utf-8").splitlines()[0])
    ids = [o["id"] for o in first["options"]]
    assert ids[: len(codebook.frame_names)] == codebook.frame_names
    assert "stance:cooperation:FAVOR" in ids and "role:china:protagonist" in ids
    assert first["accept"][0] == "cooperation" and first["answer"] == "accept"
    assert first["meta"]["passage_id"] == pids[0]
    doccano = tmp_path / "doccano.jsonl"
    export_labels(doccano, "doccano", gold, lcorpus, codebook, labelled_only=True)
    line = json.loads(doccano.read_text(encoding="utf-8").splitlines()[0])
    assert "options" not in line and line["label"] == first["accept"]


def test_unknown_format_is_refused(gold, lcorpus, codebook, tmp_path):
    from stance.errors import StanceInputError

    with pytest.raises(StanceInputError, match="unknown export format"):
        export_labels(tmp_path / "x.txt", "excel", gold, lcorpus, codebook)
    path = tmp_path / "x.jsonl"
    path.write_text("{}\n", encoding="utf-8")
    with pytest.raises(StanceInputError, match="unknown format"):
        import_labels(path, gold, lcorpus, codebook, format="excel")
