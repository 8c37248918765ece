# %% [markdown]
# # 04 · Frames across documents
#
# **Question.** Which frames does each of the five texts use, which passages carry them, and how is each
# text built from beginning to end?
#
# **Answer.** All five texts are built around cooperation and China's own control measures: one of the two is the
# leading frame in every document. What separates them is the second layer. The 2017 China Daily report is
# cooperation plus rebuttal of the claim that most U.S. fentanyl comes from China; the 2022 China Daily piece adds
# coercion (U.S. sanctions on Chinese institutions) and goodwill; the 2024 Xinhua statement is almost pure
# cooperation, control measures and goodwill, with no blame; the CGTN piece of January 2025 and the People's Daily
# commentary of May 2025 carry the most blame and public-health framing — the May 2025 text is the only one where
# blame, rebuttal and coercion each reach about a quarter of the passages. With 8 to 17 passages per document the
# intervals are wide, so only large differences (such as cooperation at 50% in Xinhua against blame at 0%) are
# firm.

# %% tags=["parameters"]
SMOKE = False  # CI sets True: lexicon models, no trained models needed, and fewer resamples
CORPUS = None  # None = the project's seeds/ folder
CODEBOOK = None  # None = codebook/codebook.yaml
MODELS = None  # None = the promoted default models under models/; or {task: model folder}
N_BOOT = 1000  # bootstrap resamples for the 95% intervals

# %%
import pandas as pd

from stance import analysis
from stance.notebooks import environment_report, figure_context, show_figure

pd.set_option("display.max_colwidth", 200)
ctx = figure_context(CORPUS, CODEBOOK, models=MODELS, n_boot=N_BOOT, smoke=SMOKE)
corpus, codebook = ctx.corpus, ctx.codebook
pd.DataFrame(ctx.scores.attrs["models"]).T

# %% [markdown]
# Every analysable passage is scored for the eight frames (multi-label) and for stance toward the three
# targets. The table above names the model, version and content hash behind every number below.
#
# ## The frame × document heatmap
# The registry figure `frame-document-heatmap` — the same call as `stance figures`. Each cell is the share
# of a document's passages the model codes with the frame, with its 95% bootstrap interval over passages,
# and the gold share beside it.

# %%
heatmap = show_figure("frame-document-heatmap", ctx)

# %% [markdown]
# Model shares (bold) are mostly at or below the gold shares: the lexicon misses frames more often than it
# invents them (notebook 03), most visibly for cooperation in 2017 (31% against 54% in the gold labels). Read the
# gold line where it exists; the model's value matters for texts without gold labels. Blame is absent from
# Xinhua 2024 in both, and rises from 8% (2017) to 19–24% (2025).
#
# ## Evidence for each document's leading frames
# For each document, its two most frequent frames and the passage the model is most sure of, with the
# sentence that scores highest on its own (the `frame-evidence` table).

# %%
evidence = show_figure("frame-evidence", ctx)
leading = heatmap[heatmap["source"] == "model"].sort_values("share", ascending=False).groupby("group").head(2)
leading = leading.rename(columns={"group": "doc_id"})[["doc_id", "frame", "share"]]
evidence.merge(leading, on=["doc_id", "frame"]).query("rank == 1").sort_values(["doc_id", "share"])[
    ["doc_id", "frame", "share", "prob", "key_sentence"]]

# %% [markdown]
# The key sentences show what each leading frame means in each text: in 2017 cooperation is operational
# ("strengthen intelligence sharing and joint investigations"); in 2022 it is moral ("a well-intentioned and
# sincere partner"); in 2025 control measures are a contrast with the U.S. ("In China, by contrast, the government
# has consistently adhered to a rigid drug control policy").
#
# Any cell traces back to its passages. The passages behind one cell — the document with the largest
# share of blame — highest probability first:

# %%
cell = heatmap[(heatmap["source"] == "model") & (heatmap["frame"] == "blame")].nlargest(1, "share").iloc[0]
analysis.passages_behind(ctx.scores, corpus, group=cell["group"], label="blame").head(6)

# %% [markdown]
# ## Narrative arcs
# The registry figure `narrative-arc`: each document as a row of paragraphs in reading order, coloured by
# the dominant predicted frame (lower strip: second frame; grey: boilerplate or no frame).

# %%
arc = show_figure("narrative-arc", ctx)

# %% [markdown]
# The arcs show the shape of each text. The news reports of 2017 and 2022 open with cooperation (and goodwill) and
# move to rebuttal, control measures and coercion in the middle. The People's Daily commentary of May 2025 opens with
# rebuttal and public health (U.S. failures), turns to China's control measures in its second half and closes on
# cooperation: criticism first, then China's record, then an offer.

# %% [markdown]
# ## Environment

# %%
environment_report()
