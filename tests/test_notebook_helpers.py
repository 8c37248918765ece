"""Notebook helpers: figures drawn through the registry into a scratch folder, never into figures/."""

from __future__ import annotations

import pandas as pd

from stance.config import project_root
from stance.notebooks import figure_context, show_figure


def test_smoke_context_scores_with_the_cue_lexicon():
    ctx = figure_context(smoke=True, n_boot=1000)
    assert ctx.n_boot == 200
    backends = {m["backend"] for m in ctx.scores.attrs["models"].values()}
    assert backends == {"lexicon"}


def test_show_figure_writes_the_registry_files_elsewhere(tmp_path):
    committed = project_root() / "figures"
    before = sorted(p.name for p in committed.glob("*"))
    ctx = figure_context(smoke=True, n_boot=20)
    data = show_figure("frame-document-heatmap", ctx, out_dir=tmp_path, display=False)
    assert {"frame-document-heatmap.png", "frame-document-heatmap.svg", "frame-document-heatmap.csv"} <= {
        p.name for p in tmp_path.iterdir()
    }
    assert isinstance(data, pd.DataFrame) and {"group", "frame", "share"} <= set(data.columns)
    assert sorted(p.name for p in committed.glob("*")) == before
