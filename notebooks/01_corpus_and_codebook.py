# %% [markdown]
# # 01 · Corpus and codebook
#
# **Question.** What is in the seed corpus, how is it cut into passages, and what do the labels mean?
#
# **Answer.** Five English-language articles from Chinese state media (China Daily, Xinhua, CGTN,
# People's Daily), dated 2017 to 2025, split into paragraphs. Boilerplate — cookie banners, language
# menus, licence numbers, hotlines, photo captions, bylines, datelines, repeated headlines — stays in the
# passage table, marked as not analysable with a reason; nothing is deleted. The codebook defines eight
# frames (multi-label), stance toward three targets, and three narrative roles, each with decision rules
# and synthetic examples that are never scored.

# %% tags=["parameters"]
SMOKE = False  # CI sets True; this notebook is fast either way
CORPUS = None  # None = the project's seeds/ folder; or a folder with manifest.csv, or a CSV/JSONL/Parquet table
CODEBOOK = None  # None = codebook/codebook.yaml

# %%
import pandas as pd

import stance
from stance.notebooks import environment_report

pd.set_option("display.max_colwidth", 120)
corpus = stance.load_corpus(CORPUS)
codebook = stance.Codebook.load(CODEBOOK)
corpus

# %% [markdown]
# ## Documents
# One row per document, in date order, with how the date is known. Dates come from the manifest, which
# records the evidence for each (a dateline in the text, the publisher's URL path, or a header line).

# %%
corpus.documents[["doc_id", "published", "outlet", "kind", "title", "date_evidence"]]

# %%
corpus.summary()[["doc_id", "published", "passages", "analysable", "sentences", "words", "analysable_words"]]

# %% [markdown]
# ## Passages set aside, and why
# Cleaning marks page furniture as not analysable. Each row keeps its text and the rule that matched.

# %%
corpus.passages.loc[~corpus.passages["analysable"], ["passage_id", "reason", "text"]]

# %% [markdown]
# The ids are `<document>:p<paragraph>:<hash>`: editing a paragraph changes its id, so labels never
# silently attach to new text. The first analysable passages and their sentences:

# %%
first = corpus.analysable().head(3)
first[["passage_id", "n_words", "n_sentences", "text"]]

# %%
corpus.sentences[corpus.sentences["passage_id"].isin(first["passage_id"])]

# %% [markdown]
# ## The codebook
# Frames are multi-label; a passage may carry none. Each frame maps to Policy Frames Codebook dimensions.

# %%
pd.DataFrame(
    [{"frame": f.name, "definition": f.definition, "policy frames": "; ".join(f.policy_frames),
      "cues": len(f.cues), "examples (+/-)": f"{len(f.positive_examples)}/{len(f.negative_examples)}"}
     for f in codebook.frames]
)

# %% [markdown]
# Decision rules for one frame, as coders see them:

# %%
blame = codebook.label("blame")
pd.DataFrame({"rule": ["include"] * len(blame.include) + ["exclude"] * len(blame.exclude),
              "text": blame.include + blame.exclude})

# %% [markdown]
# Stance is coded toward three targets, each FAVOR / AGAINST / NONE; roles follow SemEval-2025 Task 10.

# %%
pd.DataFrame([{"task": t, "labels": ", ".join(codebook.task_labels(t))} for t in codebook.tasks])

# %%
pd.DataFrame([{"actor": a.display, "aliases": ", ".join(a.aliases)} for a in codebook.actors])

# %% [markdown]
# ## Environment

# %%
environment_report()
