# %% [markdown]
# # 04 · Frames across documents and sides
#
# **Question.** Which frames do the two sides of the project corpus use — five Chinese state-media texts and 192
# White House documents — in which kinds of document, and which passages carry them?
#
# **Answer.** Over the years both sides publish (April 2021 to December 2025), the Chinese texts frame the issue as
# cooperation about twice as often as the White House's officials: 38% of their on-topic passages against 17%, a
# difference of 21 points (95% interval 12 to 30, cluster bootstrap over documents). Goodwill, rebuttal and
# sovereignty are almost only Chinese frames; the U.S. officials speak most of public health (24%), control
# measures (20%) and coercion (15%). The U.S. genres differ as much as the sides do: readouts and background calls
# are the most cooperative, fact sheets and statements the most coercive, and journalists' questions carry
# less cooperation framing than the officials' answers. Every label is an automated model output, and the Chinese
# side is five documents, so its intervals rest on very few units.

# %% tags=["parameters"]
SMOKE = False  # CI sets True: lexicon models, no trained models needed, and fewer resamples
CORPUS = None  # None = the whole project corpus (seeds/ and seeds/us-white-house/); or a corpus folder
CODEBOOK = None  # None = codebook/codebook.yaml
MODELS = None  # None = the promoted default models under models/; or {task: model folder}
N_BOOT = 1000  # bootstrap resamples for the 95% intervals

# %%
import pandas as pd

from stance import analysis, timeseries
from stance.corpus import load_project_corpus
from stance.notebooks import environment_report, figure_context, show_figure

pd.set_option("display.max_colwidth", 200)
corpus = load_project_corpus() if CORPUS is None else CORPUS
ctx = figure_context(corpus, CODEBOOK, models=MODELS, n_boot=N_BOOT, smoke=SMOKE)
corpus, codebook = ctx.corpus, ctx.codebook
corpus.documents.groupby(["side", "kind"]).size().rename("documents").to_frame()

# %% [markdown]
# Each document has a side, a country, an outlet and a kind; every comparison below is by these groups. The U.S.
# side is one outlet (the White House) in eight genres; the Chinese side is five texts from four outlets. The
# analysis uses the on-topic passages of officials and authors (`ctx.measures`); journalists' questions stay in
# the corpus and are read on their own further down.

# %%
table = ctx.measures
table.groupby("side").agg(documents=("doc_id", "nunique"), passages=("passage_id", "size"))

# %% [markdown]
# ## The frame × document heatmap
# The registry figure `frame-document-heatmap`, the same call as `stance figures`. With 197 documents the figure
# shares its columns between the sides: every Chinese document is a column of its own, the largest U.S. documents
# follow, and the other U.S. documents are pooled in one column named after their side.

# %%
heatmap = show_figure("frame-document-heatmap", ctx)

# %% [markdown]
# ## The two sides over the same years
# `timeseries.compare_sides` with `freq=None` pools each side over the span both cover (the first U.S. document
# is from April 2021, so the 2017 China Daily text is left out here). The interval of the difference is a cluster
# bootstrap over documents: the passages of one document are not independent.

# %%
same_span = table[table["published"] >= table.loc[table["side"] == "US", "published"].min()]
sides = timeseries.compare_sides(same_span, sides=["CN", "US"], freq=None, n_boot=ctx.n_boot)
cols = ["measure", "value_CN", "value_US", "difference", "difference_lo", "difference_hi", "n_docs_CN", "n_docs_US"]
sides[cols].round(3)

# %% [markdown]
# The passages behind the cooperation share of each side (the `passages_<side>` columns name them); the first
# few of each, as the model labelled them:

# %%
row = sides.set_index("measure").loc["frame:cooperation"]
text = corpus.passages.set_index("passage_id")["text"]
pd.DataFrame(
    [(side, pid, text[pid]) for side in ("CN", "US") for pid in str(row[f"passages_{side}"]).split()[:3]],
    columns=["side", "passage_id", "text"],
)

# %% [markdown]
# The passages are the model's labels, errors included: the full run lists first a U.S. memorandum passage that
# only names cooperation ("neither a reflection of its government's counterdrug efforts nor level of
# cooperation"), coded as the cooperation frame.
#
# ## Genres on the U.S. side
# The White House side mixes genres written for different purposes. The `groups-compared` figure draws every
# grouping (side, outlet, kind, administration, year); here the U.S. kinds as a table.

# %%
groups = show_figure("groups-compared", ctx)

# %%
us = table[table["side"] == "US"]
kinds = timeseries.group_means(us, ["kind"], n_boot=ctx.n_boot)
kinds.pivot_table(index="measure", columns="kind", values="value").round(2)

# %% [markdown]
# Readouts (records of a meeting) and background calls (officials explaining a meeting) are where cooperation is
# framed most; fact sheets, statements and presidential actions carry the most coercion (tariffs, sanctions,
# indictments). A shift over time in the share of each genre would move the pooled U.S. numbers without any
# change of tone inside a genre (notebook 05).
#
# ## Journalists set part of the agenda
# In briefings, gaggles and calls a journalist's question is not the government's statement. The same measures on
# the on-topic questions alone:

# %%
questions = timeseries.passage_measures(ctx.scores, corpus, speaker_roles=("journalist",))
asked = timeseries.group_means(questions, ["side"], n_boot=ctx.n_boot).assign(who="journalists")
answered = timeseries.group_means(table, ["side"], n_boot=ctx.n_boot).assign(who="officials and authors")
both = pd.concat([asked, answered])
both[both["side"] == "US"].pivot_table(index="measure", columns="who", values="value").round(3)

# %% [markdown]
# Questions bring up public health about as often as the answers, control measures less often, cooperation far
# less (in the full run, 6% of the questions against 17% of the officials' passages) and coercion never: the
# cooperative and the coercive framing of the briefings come from the officials, not from what they are asked.
#
# ## Narrative arcs
# The registry figure `narrative-arc`: each document as a row of paragraphs in reading order, coloured by its
# leading frame; off-topic and boilerplate paragraphs are hatched. The rows are the largest documents of each
# side.

# %%
arc = show_figure("narrative-arc", ctx)

# %% [markdown]
# Any cell traces back to its passages: the passages behind one heatmap cell, highest probability first.

# %%
cell = heatmap[(heatmap["source"] == "model") & (heatmap["frame"] == "cooperation")]
cell = cell[~cell["group"].astype(str).str.startswith("other")].nlargest(1, "share").iloc[0]
analysis.passages_behind(ctx.scores, corpus, group=cell["group"], label="cooperation").head(5)

# %% [markdown]
# ## What this can and cannot show
# - **Labels are model outputs.** Every share is the default models' coding (notebook 03 gives their
#   cross-validated and cross-source quality); the gold labels are automated coding passes too.
# - **Five Chinese documents.** Their intervals come from resampling five (here four) documents, so they are
#   rough; a difference is firm only when it is large, as for cooperation and goodwill.
# - **One U.S. outlet.** The White House side is official communication only, in eight genres; it says nothing
#   about U.S. media.
# - **On-topic passages only.** The topic rule of the codebook decides which passages enter (notebook 02 reports
#   its precision and recall on the coded sample).

# %% [markdown]
# ## Environment

# %%
environment_report()
