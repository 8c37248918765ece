# %% [markdown]
# # 06 · Fine-tune on new labels
#
# **Question.** When a new document arrives and some of its passages are labelled, does the loop — suggest,
# label, import, fine-tune, compare, promote, regenerate — run end to end without touching anything it should
# not, and do the new labels make the models better on the same held-out passages?
#
# **Answer.** The loop runs end to end in about half a minute on two cores and writes only into a scratch
# folder; the project's `seeds/labels.jsonl` and `models/` are only read. One seed document (People's Daily,
# 2025-05-03) plays the new arrival: the default models are trained on the other four, the ten passages of
# the new document the frames model is least sure about are labelled (with their gold labels) and imported,
# and both tasks are fine-tuned. With this project's default backends the ten new labels do not help. The cue
# lexicon for frames learns only its calibration and thresholds from labels, and ten more passages leave them
# where they were: macro-F1 0.819 before and after on the same 62 held-out passages, so the new version is
# promoted as "not worse". The embedding model for stance toward cooperation gets worse (F_avg 0.811 to 0.757,
# paired 95% interval −0.146 to 0.000), so its new version is saved beside the old one and the old one stays
# the default. The figure regenerated from the promoted frames model shows the limit of the lexicon on the new
# document: it finds blame and rebuttal in a quarter of its passages, where the coders found them in half or
# more of the ten labelled ones.

# %% tags=["parameters"]
SMOKE = False  # CI sets True: TF-IDF without inner calibration for every task, 200 bootstrap resamples
HOLD_OUT = "peoplesdaily-2025-05-03"  # the seed document that plays the newly arrived one
N_SUGGEST = 10  # passages suggested for labelling (their gold labels stand in for the coder)
TASKS = ["frames", "stance:cooperation"]  # tasks to fine-tune; suggestions are ranked by the first
BACKENDS = None  # None = the backend of each task's default model in this project (tfidf when it has none)
SOURCE = None  # None = this project; only read: its seeds/labels.jsonl and models/ are never written
N_BOOT = 1000
SEED = 0

# %%
import shutil

import pandas as pd

import stance
from stance import active, finetune, models, testing
from stance.analysis import scored_tasks
from stance.classifiers import make_classifier
from stance.evaluation import load_gold
from stance.figures import FigureContext
from stance.labels import LabelStore, export_labels, import_labels, label_counts
from stance.notebooks import environment_report, scratch_dir, show_figure

pd.set_option("display.max_colwidth", 160)
n_boot = 200 if SMOKE else N_BOOT
work = scratch_dir("06_finetune")
shutil.rmtree(work)  # a fresh scratch project on every run
paths = testing.rehearsal_project(work / "project", HOLD_OUT, source=SOURCE)
codebook = stance.Codebook.load(paths["codebook"])


def project_backend(task: str) -> str:
    """Backend of the task's default model in the source project (read from its config, not loaded)."""
    versions = models.list_versions(task, None if SOURCE is None else f"{SOURCE}/models")
    default = versions[versions["default"]] if len(versions) else versions
    return str(default["backend"].iloc[0]) if len(default) else "tfidf"


if SMOKE:
    BACKENDS = dict.fromkeys(TASKS, "tfidf")
elif BACKENDS is None:
    BACKENDS = {task: project_backend(task) for task in TASKS}
fast = {"tfidf": {"calibration": None, "threshold": 0.5}} if SMOKE else None
pd.DataFrame({"backend": BACKENDS}).rename_axis("task")

# %% [markdown]
# ## Before: four documents, their gold labels and default models
# The scratch project is the seed project as it was before the held-out document arrived: its `seeds/`
# lacks the document's file and manifest row, and its label store lacks every record about the document's
# passages. Everything below writes into the scratch folder only. Each task's default model is trained there
# as `stance train` would do it, with the task's backend as the only candidate.

# %%
before = stance.load_corpus(paths["seeds"])
gold_before = load_gold(paths["labels"], codebook)
for task in TASKS:
    models.train_default(
        task,
        corpus=before,
        gold=gold_before,
        codebook=codebook,
        candidates=[BACKENDS[task]],
        params=fast,
        evaluation=False,
        n_boot=n_boot,
        root=paths["models"],
        random_state=SEED,
    )
pd.concat([models.list_versions(t, paths["models"]) for t in TASKS])[
    ["task", "version", "default", "backend", "n_train", "metric", "score"]
]

# %% [markdown]
# ## 1 · Add the document
# Copy its file into `seeds/` and append its manifest row; loading the corpus validates both and gives the
# new passages their ids.

# %%
shutil.copy(paths["incoming_text"], paths["seeds"])
with (paths["seeds"] / "manifest.csv").open("a", encoding="utf-8") as fh:
    fh.write(paths["incoming_manifest"].read_text(encoding="utf-8"))
corpus = stance.load_corpus(paths["seeds"])
corpus.summary()[["doc_id", "published", "passages", "analysable"]]

# %% [markdown]
# ## 2 · Suggest passages to label
# The default model of the first task scores every analysable passage nobody has labelled; the most
# uncertain are picked, skipping near-duplicates of passages already picked (`stance label suggest` does the
# same and writes a CSV or a Label Studio task file).

# %%
store = LabelStore(paths["labels"], codebook=codebook)
labelled = set(store.resolved(None)["passage_id"])
suggested = active.suggest(
    models.load_default(TASKS[0], paths["models"], codebook=codebook),
    corpus.analysable(),
    n=N_SUGGEST,
    exclude_ids=sorted(labelled),
)
suggested[["rank", "passage_id", "uncertainty", "max_similarity", "text"]]

# %% [markdown]
# ## 3 · Label and import
# A coder would fill in the suggested passages (frames, stance, roles). Here the adjudicated gold labels of
# those passages, set aside when the scratch project was made, stand in for the coder. The import validates
# every record against the corpus and codebook, writes all or nothing, and reports what was added or
# changed; earlier records stay in the store's history.

# %%
coder_file = work / "labelled_by_coder.csv"
export_labels(
    coder_file,
    "csv",
    LabelStore(paths["incoming_labels"], codebook=codebook),
    corpus,
    codebook,
    annotator="gold",
    ids=suggested["passage_id"].tolist(),
)
report = import_labels(coder_file, store, corpus, codebook)
report.summary()

# %%
counts = label_counts(store.resolved("gold"), codebook)
counts[counts["task"].isin(TASKS)][["task", "label", "positives", "rare"]]

# %% [markdown]
# ## 4 · Fine-tune, compare, promote
# `finetune` warm-starts from each default (same backend and settings), trains on every gold label, and
# cross-validates old and new on the same leave-one-document-out folds. Each fold's old model is refitted on
# the passages the default was trained on (found in the label store's history), so in the held-out
# document's own fold both see the same training data, and in the other four folds the new model also sees
# the new labels. Intervals are 95% paired bootstrap intervals over the same held-out passages.

# %%
results = {
    task: finetune.finetune(
        task,
        corpus=corpus,
        codebook=codebook,
        labels=paths["labels"],
        root=paths["models"],
        n_boot=n_boot,
        random_state=SEED,
    )
    for task in TASKS
}
pd.DataFrame(
    [
        {
            "task": t,
            "backend": r.backend,
            "passages": r.n_passages,
            "new": r.n_new,
            "metric": r.metric,
            "old": round(r.old_score, 3),
            "new version": round(r.new_score, 3),
            "new - old": round(r.delta, 3),
            "95% CI": f"{r.delta_ci[0]:+.3f} to {r.delta_ci[1]:+.3f}",
            "decision": r.decision,
            "seconds": r.seconds["total"],
        }
        for t, r in results.items()
    ]
)

# %% [markdown]
# Per label, for the first task (every row is scored on the same held-out passages for old and new):

# %%
finetune.comparison_frame(results[TASKS[0]].comparison, results[TASKS[0]].metric)

# %% [markdown]
# With the lexicon (the project's default for frames) every fold's old and new models predict the same
# thing: the lexicon scores passages by counting the codebook's cue phrases, and labels only tune the
# calibration of those counts and the per-frame thresholds, which ten more passages do not move. A tie is
# "not worse", so the new version, which records the larger training set, becomes the default.

# %%
finetune.comparison_frame(results[TASKS[-1]].comparison, results[TASKS[-1]].metric)

# %% [markdown]
# Stance toward cooperation (the embedding model) loses 0.054 F_avg on the same passages: FAVOR F1 falls
# from 0.811 to 0.757 and the paired interval reaches 0 only at its upper end. With 20 FAVOR passages in all,
# a few passages decide this, and the rule errs on the side of keeping the model that was already checked:
# `v002` is saved, `v001` stays the default. AGAINST has no example at all among these 62 passages, so
# neither version can learn it and it has no F1 (the message below says so); F_avg is then the F1 of FAVOR.
#
# Labels with few examples get a message saying what happens to them:

# %%
for r in results.values():
    for rare in r.rare:
        print(rare.message, end="\n\n")

# %% [markdown]
# The new versions sit beside the old ones; `DEFAULT` names the promoted one. Each version's model card
# records the comparison, the decision, the rule and the time taken.

# %%
pd.concat([models.list_versions(t, paths["models"]) for t in TASKS])[
    ["task", "version", "default", "backend", "n_train", "metric", "score"]
]

# %%
card = (results[TASKS[0]].path / "MODEL_CARD.md").read_text(encoding="utf-8")
print(card[card.index("## Fine-tuning") :])

# %% [markdown]
# ## 5 · Regenerate a figure from the promoted model
# The frame-by-document heatmap, built exactly as `stance figures` builds it, from the default frames model of
# the scratch project (the stance columns, not drawn here, are scored by the codebook's cue lexicon).

# %%
texts = corpus.analysable()["text"].tolist()
figure_models = {t: make_classifier("lexicon", t, codebook).fit(texts) for t in scored_tasks(codebook)}
figure_models["frames"] = models.default_path("frames", paths["models"])
ctx = FigureContext(
    corpus,
    codebook,
    models=figure_models,
    labels=paths["labels"],
    models_dir=paths["models"],
    cache_dir=work / "cache",
    n_boot=n_boot,
)
heatmap = show_figure("frame-document-heatmap", ctx, out_dir=work / "figures")
heatmap[heatmap["group"] == HOLD_OUT].pivot_table(
    index="frame", columns="source", values=["share", "n_passages"]
).round(2)

# %% [markdown]
# The promoted frames model is the one the figure names in its caption. For the new document its shares
# (n = 17 analysable passages) sit below the coders' for blame (0.24 against 0.60) and rebuttal (0.24
# against 0.50). The gold shares come from the ten labelled passages only, which were chosen as the ones the
# model was least sure about, so they are not a random sample of the document; the gap still says that the
# cue lexicon misses part of this commentary's blame and rebuttal language, which is where new cues or a
# learned backend would have to come in.
#
# ## Environment

# %%
environment_report()
