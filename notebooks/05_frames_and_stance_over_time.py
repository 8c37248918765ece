# %% [markdown]
# # 05 · Frames and stance over time
#
# **Question.** Do the frames and the stance of these texts change between 2017 and 2025?
#
# **Answer.** Across the five texts the tone toward the U.S. government hardens — its stance balance goes from −8
# points in 2017 to −33 in 2022 and −47 in the May 2025 commentary — while cooperation is endorsed at a steady
# +25 to +50 points throughout, and blame, control measures and public-health framing take a larger share of the
# later texts. But five documents from four outlets and of four genres (news report, interview summary, press
# briefing, commentary) cannot separate change over time from differences between outlets and genres: the
# hardest text is also the only commentary. These are descriptions of five texts, not estimates of a trend in
# Chinese state media.

# %% tags=["parameters"]
SMOKE = False  # CI sets True: the cue lexicon scores every task, no trained models needed, fewer resamples
CORPUS = None  # None = the project's seeds/ folder
CODEBOOK = None  # None = codebook/codebook.yaml
N_BOOT = 1000  # bootstrap resamples behind every 95% interval
MODELS = None  # None = the promoted default models under models/; or {task: model folder}

# %%
import pandas as pd

from stance.analysis import stance_balance
from stance.notebooks import environment_report, figure_context, show_figure

ctx = figure_context(CORPUS, CODEBOOK, models=MODELS, n_boot=N_BOOT, smoke=SMOKE)
corpus = ctx.corpus
pd.set_option("display.max_colwidth", 120)
corpus.summary()[["doc_id", "published", "analysable"]].merge(
    corpus.documents[["doc_id", "outlet", "kind", "date_evidence"]], on="doc_id")

# %% [markdown]
# Five dated documents, one point each on the time axis. Three of the five dates fall within five months
# (December 2024 to May 2025); the other two are 2017 and 2022.
#
# ## Frames over time
# The registry figure `frames-over-time`: one panel per frame, the share of each document's passages with
# the frame at its publication date, 95% bootstrap intervals over passages, gold beside the model.

# %%
frames_time = show_figure("frames-over-time", ctx)

# %% [markdown]
# The fitted lines all point up except rebuttal's, and control measures rises most (+4.3 percentage points a year).
# Every interval overlaps its neighbours, and three of the five points sit within five months (December 2024 to
# May 2025), so each line is driven by the 2017 and 2022 texts against the 2025 cluster. The gold diamonds follow
# the same pattern, so it is not an artefact of the model.

# %% [markdown]
# ## Stance over time
# Stance balance = share of passages FAVOR − share AGAINST toward each target, per document
# (`stance-by-document`), then on the date axis (`stance-over-time`).

# %%
stance_doc = show_figure("stance-by-document", ctx)

# %%
stance_time = show_figure("stance-over-time", ctx)

# %% [markdown]
# Toward the U.S. government every document is net AGAINST, from −8 (2017, a cooperative news report) to −47
# (People's Daily commentary, May 2025). Toward the Chinese government every document is net FAVOR; the 2024
# Xinhua briefing is highest (+50). Toward cooperation the balance barely moves (+0.6 points a year): every text,
# whatever its tone toward Washington, presents cooperation favourably. The model's balance (dots) and the gold
# balance (diamonds) agree closely for the U.S. government and cooperation; for the Chinese government the
# lexicon sits below the gold, because it misses FAVOR passages (notebook 03).
#
# The same numbers per year. A "year" here is one document, or two in 2025 (CGTN in January, People's
# Daily in May), so the yearly table says nothing the document table does not:

# %%
yearly = stance_balance(ctx.scores_and_gold, corpus, by="period", n_boot=ctx.n_boot)
yearly[yearly["source"] == "model"].pivot_table(index="group", columns="target", values="balance").round(2)

# %% [markdown]
# ## What five dated documents can and cannot show
# - **Five points are not a time series.** One document per year (two in 2025) means every "trend" is a line through
#   five texts. The dashed lines describe them; they test nothing, and the figures say so.
# - **Time is confounded with outlet and genre.** The two earliest texts are China Daily news reports; the latest
#   is a signed People's Daily commentary ("Zhong Sheng"), a genre written to criticise. The harder tone of 2025
#   could be the genre, the outlet or the year; this corpus cannot tell them apart.
# - **Intervals are over passages within a document**, so they describe uncertainty about each text, not about
#   what other texts of that year would say.
# - **Dates are known with different certainty** (see `date_evidence` above): two come from a dateline in the
#   text, two from the publisher's page or URL, one from a header line.
# - **What it can show**: within these texts, which frames co-occur, how each text is built, and that the
#   endorsement of cooperation survives even the most critical text. To study change over time, add dated
#   documents from the same outlet and genre in each period (notebook 06 shows how to label and fine-tune on them).

# %% [markdown]
# ## Environment

# %%
environment_report()
