# %% [markdown]
# # 05 · Frames and stance over time
#
# **Question.** What changes over time on the U.S. side, from the Biden to the Trump administration, how do the
# two sides move around the same dated events, and what can this corpus show about change at all?
#
# **Answer.** The White House's framing of counternarcotics with China turns from cooperation to coercion. Under
# Biden 22% of the officials' on-topic passages are framed as cooperation and 11% as coercion; under Trump 2% and
# 28%. Around the fentanyl tariffs of 1 February 2025 the cooperation share falls from 23% in the year before to 2%
# in the year after (−21 points, 95% interval −29 to −14, cluster bootstrap over 61 and 38 documents), and the
# stance toward cooperation from +28 to +5 points. The change of administration twelve days earlier falls in the
# same window, so the corpus cannot say whether the tariffs or the new administration moved the framing. The
# Chinese side is five documents, one or two a year: it can be placed beside the U.S. series, not read as a series
# of its own.

# %% tags=["parameters"]
SMOKE = False  # CI sets True: the cue lexicon scores every task, no trained models needed, fewer resamples
CORPUS = None  # None = the whole project corpus (seeds/ and seeds/us-white-house/); or a corpus folder
CODEBOOK = None  # None = codebook/codebook.yaml
N_BOOT = 1000  # bootstrap resamples behind every 95% interval
MODELS = None  # None = the promoted default models under models/; or {task: model folder}

# %%
import pandas as pd

from stance import timeseries
from stance.corpus import load_project_corpus
from stance.notebooks import environment_report, figure_context, show_figure

pd.set_option("display.max_colwidth", 200)
corpus = load_project_corpus() if CORPUS is None else CORPUS
ctx = figure_context(corpus, CODEBOOK, models=MODELS, n_boot=N_BOOT, smoke=SMOKE)
corpus = ctx.corpus
table = ctx.measures
table.assign(year=table["published"].dt.year).pivot_table(
    index="year", columns="side", values="doc_id", aggfunc="nunique", fill_value=0
)

# %% [markdown]
# Documents with on-topic official passages per year and side. The U.S. side starts in April 2021 and has from 7
# (2021) to 69 (2024) documents a year; the Chinese side has one document in 2017, 2022 and 2024 and two in 2025.
#
# ## The time series per side
# `frames-by-side-over-time`: the share of on-topic passages with each frame per quarter and side, 95% intervals
# from a cluster bootstrap over documents; quarters with fewer than three documents are hollow, and the dashed
# lines are the dated events of `seeds/events.csv`.

# %%
frames_time = show_figure("frames-by-side-over-time", ctx)

# %%
stance_time = show_figure("stance-by-side-over-time", ctx)

# %% [markdown]
# ## Biden and Trump
# The same measures per administration on the U.S. side (`timeseries.group_means`, intervals over documents):

# %%
us = table[table["side"] == "US"]
admin = timeseries.group_means(us, ["administration"], n_boot=ctx.n_boot)
admin.pivot_table(index="measure", columns="administration", values=["value", "value_lo", "value_hi"]).round(3)

# %% [markdown]
# Cooperation framing and the endorsement of cooperation nearly vanish under Trump, while coercion (tariffs,
# sanctions) more than doubles; public health and control measures change less. But the genres change with the
# administration too: the Trump documents are mostly statements, presidential actions and fact sheets, with two
# press briefings and no readout or background call, and those genres differ in framing (notebook 04). The kinds
# per administration:

# %%
us.drop_duplicates("doc_id").pivot_table(index="kind", columns="administration", values="doc_id", aggfunc="count")

# %% [markdown]
# ## Before and after a dated event
# `event-before-after`: for each event, the year before against the year after, per side, and the difference with
# its interval. The same numbers from the library call, for the February 2025 tariffs:

# %%
before_after = show_figure("event-before-after", ctx)

# %%
tariffs = timeseries.before_after(table, "2025-02-01", window_days=365, n_boot=ctx.n_boot)
cols = ["side", "measure", "value_before", "value_after", "difference", "difference_lo", "difference_hi"]
tariffs[[*cols, "n_docs_before", "n_docs_after"]].round(3)

# %% [markdown]
# The passages behind the cooperation share before the tariffs, and the few after them:

# %%
row = tariffs[(tariffs["side"] == "US") & (tariffs["measure"] == "frame:cooperation")].iloc[0]
text = corpus.passages.set_index("passage_id")["text"]
pd.DataFrame(
    [(when, pid, text[pid]) for when in ("before", "after") for pid in str(row[f"passages_{when}"]).split()[:3]],
    columns=["window", "passage_id", "text"],
)

# %% [markdown]
# ## The two sides in the same years
# `sides-compared`: both sides' values in each year both publish, and their difference. With one Chinese document
# in a year the Chinese interval has no width: it describes that text, not the year.

# %%
sides = show_figure("sides-compared", ctx)

# %% [markdown]
# ## What this corpus can and cannot show
# - **One U.S. outlet.** The U.S. side is the White House's own communication; it shows how the government
#   presents the issue, not how U.S. media report it.
# - **Five Chinese documents.** One or two a year, from four outlets and four genres. Their points can be set beside
#   the U.S. series; a Chinese trend cannot be read from them, and the intervals of a single document only cover
#   its passages.
# - **Genres differ.** Briefings, fact sheets, readouts and presidential actions are written for different
#   purposes, and their mix changes between administrations; a pooled change can be a change of genre mix.
# - **Journalists set the agenda of briefings.** Only officials' answers are analysed by default, but what they talk
#   about depends on what they are asked (notebook 04 reads the questions on their own).
# - **Events overlap.** The 2025 tariffs came twelve days after the inauguration; a before/after difference
#   belongs to the window, not to one cause.
# - **Labels are model outputs** (notebook 03 gives their quality); intervals are cluster bootstraps over
#   documents and leave the models' errors out.

# %% [markdown]
# ## Environment

# %%
environment_report()
