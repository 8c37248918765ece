# %% [markdown]
# # 02 · Annotations and reliability
#
# **Question.** How many passages carry each label, how far do two independent coders agree, and how were
# their disagreements settled?
#
# **Answer.** All 69 analysable passages of the five seed texts were coded twice, blind, with codebook v1.0, and
# every disagreement was resolved into a gold set with a stated reason. The two coders are independent automated
# (large-language-model) coding passes, not people, so their agreement is an upper bound on what human coders
# would reach: alpha is 0.95–1.00 for every frame, 0.89–1.00 for stance and 0.71 for roles, where "protagonist"
# is the least reliable label (0.73). No frame fell below 0.67, so no frame needed a second round. Three stance
# classes are (almost) absent from these texts — FAVOR toward the U.S. government, AGAINST the Chinese government,
# AGAINST cooperation — and no classifier can learn them from this corpus.

# %% tags=["parameters"]
SMOKE = False  # CI sets True; this notebook only reads the label store, so it is fast either way
CORPUS = None  # None = the project's seeds/ folder
CODEBOOK = None  # None = codebook/codebook.yaml
LABELS = None  # None = seeds/labels.jsonl, the append-only label store

# %%
import pandas as pd

import stance
from stance import labels
from stance.notebooks import environment_report, figure_context, show_figure

pd.set_option("display.max_colwidth", 200)
corpus = stance.load_corpus(CORPUS)
codebook = stance.Codebook.load(CODEBOOK)
store = labels.LabelStore(LABELS, codebook=codebook)
records = store.to_frame()
pd.crosstab([records["annotator"], records["kind"]], records["round"], margins=True)

# %% [markdown]
# The store is one JSON line per decision, never rewritten: a later record supersedes an earlier one for the
# labels it decides, and the history stays. Each record carries the passage id, the text hash, the
# codebook version and hash, the annotator, a timestamp and, for frames, the words that justify them.
# Here: 69 records from each coder (round 1, kind `annotation`) and 69 gold records (kind `adjudication`), each
# pointing at the two codings it resolves. The coders are automated coding passes that saw the codebook and the
# passages only, never each other's work.
#
# ## Label counts
# Gold labels per label: passages with the label, passages coded, documents with at least one positive,
# and a flag for labels with fewer than five positives.

# %%
gold = store.resolved("gold")
labels.label_counts(gold, codebook)

# %% [markdown]
# Cooperation (29 passages) and control measures (25) dominate; sovereignty (7) and coercion (8) are the rarest
# frames but still appear in four of the five texts. The stance rows show what state media do not say: no passage
# praises the U.S. government, none argues against cooperation, and only two (one document, quoting U.S.
# accusations) are against the Chinese government. Classifiers for those classes have nothing to learn from.

# %%
labels.document_counts(gold, codebook, corpus)

# %% [markdown]
# ## Reliability
# Krippendorff's alpha (nominal) and percent agreement between the two independent coders: frames as
# present/absent, stance as FAVOR/AGAINST/NONE per target, roles per mentioned actor.
# Alpha of at least 0.8 is conventionally reliable, 0.667–0.8 tentative (Krippendorff 2004).

# %%
reliability = labels.reliability_table(store, codebook)
reliability.round(3)

# %%
ctx = figure_context(corpus, codebook, labels=LABELS)
alpha = show_figure("coder-reliability", ctx)

# %% [markdown]
# Frames are applied almost identically by the two coders: six of eight frames have alpha 1.0, blame and
# control measures differ on one passage each. Stance toward the two governments differs on 3 and 4 passages —
# mostly whether an official's self-praise or a veiled plea counts as evaluation. Roles are the weakest (0.71):
# one coder gave both governments `protagonist` in passages about joint work ("the two sides agreed to further
# strengthen dialogue"), the other gave no role. Because both coders are automated passes of the same kind of
# model, read these values as the consistency of the codebook's rules, not as human inter-coder reliability.
#
# ## Disagreements and how they were settled
# Every unit where the coders differ, with both codings:

# %%
disagreements = labels.disagreements(store, codebook, corpus=corpus)
disagreements.groupby(["task", "label"]).size().rename("disagreements").reset_index()

# %% [markdown]
# Each disagreement was settled by a rule of the codebook, and the reason is stored in the gold record.
# `labels.adjudications` shows every resolution beside both codings:

# %%
resolved = labels.adjudications(store, codebook, corpus=corpus)
resolved[["passage_id", "field", "value_a", "value_b", "decision", "reason", "text"]]

# %% [markdown]
# Most role disagreements were resolved in favour of `protagonist` for joint cooperative acts presented as
# productive; one (China in the CGTN passage about the U.S. "pointing blame") took a value neither coder gave,
# `innocent`, because the codebook's rule for an unfairly accused actor fits it. The full trail of one passage —
# both codings and the gold record that supersedes them — is in the store:

# %%
pd.DataFrame(store.history("cgtn-2025-01-19:p007:d2b33e5a"))[
    ["annotator", "kind", "round", "stance", "roles", "reason"]]

# %% [markdown]
# ## Environment

# %%
environment_report()
