"""Label agreement of every default model under each encoder runtime, on the project's on-topic passages.

Scores the analysable, on-topic passages of the project corpus (what ``stance score`` encodes) with
every default model under ``torch``, ``onnx`` and ``onnx-int8``, each from its own empty embedding
cache, and prints the share of labels that match torch's, per model, as a Markdown table.

Usage::

    python scripts/runtime_parity.py [--runtimes torch,onnx,onnx-int8]
"""

from __future__ import annotations

import argparse
import os
import tempfile

import pandas as pd

from stance import cache, scoring
from stance.corpus import load_project_corpus


def on_topic_texts() -> pd.DataFrame:
    """Distinct texts of the passages that get scores (``Corpus.scored``) in the project corpus."""
    texts = load_project_corpus().scored()["text"].drop_duplicates()
    return pd.DataFrame({"text": texts.tolist()})


def labels_under(runtime: str, frame: pd.DataFrame, models: list, cache_dir: str) -> pd.DataFrame:
    """The labels of ``models`` on ``frame`` with the encoder under ``runtime``, from an empty cache."""
    os.environ["STANCE_ENCODER_RUNTIME"] = runtime
    os.environ["STANCE_CACHE_DIR"] = os.path.join(cache_dir, runtime)
    cache.clear()
    return scoring.score_frame(frame, models)


def main() -> None:
    """Print the agreement table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runtimes", default="torch,onnx,onnx-int8")
    runtimes = parser.parse_args().runtimes.split(",")
    frame = on_topic_texts()
    models = scoring.resolve_models(None, "default")
    with tempfile.TemporaryDirectory() as tmp:
        labels = {rt: labels_under(rt, frame, models, tmp) for rt in runtimes}
    print(f"{len(frame)} distinct on-topic texts\n")
    print("| model | backend | " + " | ".join(f"`{rt}`" for rt in runtimes[1:]) + " |")
    print("|---|---|" + "---:|" * (len(runtimes) - 1))
    for tm in models:
        col = scoring.pred_column(tm)
        cells = []
        for rt in runtimes[1:]:
            differ = int((labels[rt][col] != labels[runtimes[0]][col]).sum())
            cells.append(f"{1 - differ / len(frame):.1%} ({differ} differ)")
        print(f"| {tm.task} {tm.version} | {tm.backend} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
