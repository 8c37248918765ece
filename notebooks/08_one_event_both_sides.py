# %% [markdown]
# # 08 · One event on both sides: the Counternarcotics Working Group
#
# **Question.** How do the two governments' texts present the same event — the U.S.–PRC Counternarcotics Working
# Group, launched on 30 January 2024 after the Woodside summit — and how does the U.S. framing move around it?
#
# **Answer.** The working group is named in 14 on-topic passages of 11 White House documents (June 2023 to
# September 2024) and in 4 passages of 3 Chinese texts (December 2024 to May 2025). Both sides present it as
# cooperation and as control measures; the U.S. passages also carry coercion and blame (the working group beside
# sanctions and indictments), the Chinese passages never do. The Chinese texts mention it only after the U.S. side
# has stopped, as evidence of China's record, in the months around the U.S. tariffs. On the U.S. side the year
# after the launch holds more coercion framing than the year before (+13 points, 95% interval 8 to 18) and no
# clear change in cooperation (+7, interval −3 to +18). The labels are automated model outputs and the Chinese
# side is three documents, so this is a reading of these texts, not an estimate.

# %% tags=["parameters"]
SMOKE = False  # CI sets True: the cue lexicon scores every task, no trained models needed, fewer resamples
CORPUS = None  # None = the whole project corpus (seeds/ and seeds/us-white-house/); or a corpus folder
CODEBOOK = None  # None = codebook/codebook.yaml
MODELS = None  # None = the promoted default models under models/; or {task: model folder}
N_BOOT = 1000  # bootstrap resamples behind every 95% interval
EVENT = "2024-01-30"  # the launch of the working group (seeds/events.csv)
PATTERN = r"working group"  # how the passages name the event

# %%
import pandas as pd

from stance import timeseries
from stance.corpus import load_project_corpus
from stance.notebooks import environment_report, figure_context

pd.set_option("display.max_colwidth", 300)
corpus = load_project_corpus() if CORPUS is None else CORPUS
ctx = figure_context(corpus, CODEBOOK, models=MODELS, n_boot=N_BOOT, smoke=SMOKE)
corpus = ctx.corpus
ctx.events

# %% [markdown]
# The dated events, each with its source. The working group is the event both corpora name most directly.
#
# ## The passages that name it
# `timeseries.mentioning` keeps the on-topic passages of officials and authors whose text matches the pattern, in
# date order, with their frames (1 = coded) and stance (+1 FAVOR, −1 AGAINST, 0 NONE).

# %%
named = timeseries.mentioning(ctx.measures, corpus, PATTERN)
named.groupby("side").agg(
    passages=("passage_id", "size"), documents=("doc_id", "nunique"), first=("published", "min"),
    last=("published", "max"))

# %%
named[["side", "published", "kind", "passage_id", "text"]]

# %% [markdown]
# The U.S. passages come around the launch (the Sullivan–Wang meeting of January 2024, the readout of the
# inaugural meeting) and in the fact sheets of 2024. The Chinese passages come a year later: the Xinhua report of
# a Foreign Ministry briefing (December 2024), CGTN (January 2025) and People's Daily (May 2025) cite the working
# group as the record of China's cooperation.
#
# ## How each side frames it
# The mean of each measure over the passages that name the event, per side:

# %%
measures = timeseries.measure_columns(named)
named.groupby("side")[measures].mean().T.round(2)

# %% [markdown]
# Cooperation is coded in every passage on both sides. The U.S. passages add coercion and blame — the working group
# stands beside sanctions, indictments and demands — while the Chinese passages pair it only with China's control
# measures. With 4 Chinese passages this is a description of these texts.
#
# ## The U.S. framing around the launch
# `timeseries.before_after`: all on-topic official passages of the year before and the year after the launch, per
# side, with the difference and its interval (cluster bootstrap over documents). Only the U.S. side has documents
# in both windows.

# %%
around = timeseries.before_after(ctx.measures, EVENT, window_days=365, n_boot=ctx.n_boot)
cols = ["side", "measure", "value_before", "value_after", "difference", "difference_lo", "difference_hi"]
around[[*cols, "n_docs_before", "n_docs_after"]].round(3)

# %% [markdown]
# Coercion rises after the launch, with an interval clear of zero; cooperation rises too, but its interval
# includes no change. A before/after difference belongs to the window, not to the event: the passages behind the
# coercion share after the launch say what it is about.

# %%
row = around[(around["side"] == "US") & (around["measure"] == "frame:coercion")].iloc[0]
text = corpus.passages.set_index("passage_id")["text"]
pd.DataFrame([(pid, text[pid]) for pid in str(row["passages_after"]).split()[:4]], columns=["passage_id", "text"])
#
# ## The U.S. series around the event
# Quarterly shares on the U.S. side for the two frames that move, with the number of documents behind each
# quarter (`timeseries.time_series`; quarters with fewer than three documents are marked sparse):

# %%
series = timeseries.time_series(ctx.measures, freq="Q", n_boot=ctx.n_boot)
year = pd.Timedelta(days=365)
window = series[
    (series["side"] == "US")
    & series["measure"].isin(["frame:cooperation", "frame:coercion"])
    & series["period_start"].between(pd.Timestamp(EVENT) - year, pd.Timestamp(EVENT) + year)
]
window.pivot_table(index=["period", "n_docs"], columns="measure", values="value").round(2)

# %% [markdown]
# ## What this can and cannot show
# - The event is found by its name: passages that describe it without naming it are not in `named`.
# - Three Chinese documents, all after the U.S. side stops naming the event: the two sides are not compared in the
#   same months.
# - The labels are automated model outputs (notebook 03); the intervals cover the sampling of documents, not the
#   models' errors.

# %% [markdown]
# ## Environment

# %%
environment_report()
