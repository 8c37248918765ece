"""Cost of each backend on this machine: train time, prediction throughput, saved size.

Run ``python -m stance.classifiers.profile`` to print the table for the project's
frames task. The training set is the codebook's synthetic positive examples (true
labels) plus the seed corpus's analysable passages labelled by the codebook lexicon
(silver labels): the numbers measure cost, not accuracy.

Torch and the encoder are loaded once before timing (the one-off start-up cost is
reported separately), embeddings are not cached, and each model is saved to a temporary
folder to measure its size.
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["profile_backends", "profile_data"]

#: Backends and parameters profiled by default (LoRA as a variant of ``transformer``).
DEFAULT_RUNS: dict[str, tuple[str, dict[str, Any]]] = {
    "lexicon": ("lexicon", {}),
    "tfidf": ("tfidf", {}),
    "embedding": ("embedding", {"cache": False}),
    "zeroshot": ("zeroshot", {"cache": False}),
    "setfit": ("setfit", {}),
    "transformer": ("transformer", {}),
    "transformer-lora": ("transformer", {"lora": True}),
}


def profile_data(codebook: Any = None, corpus_path: str | Path | None = None) -> tuple[list[str], list[list[str]]]:
    """About 100 short passages with frame labels (see the module docstring)."""
    from stance.classifiers import make_classifier
    from stance.codebook import Codebook
    from stance.corpus import load_corpus
    from stance.paths import ProjectPaths

    cb = codebook or Codebook.load()
    texts = [t for t, _, _ in cb.examples("frames")]
    y = [[label] for _, label, _ in cb.examples("frames")]
    corpus = load_corpus(corpus_path or ProjectPaths.discover().seeds)
    passages = corpus.analysable()["text"].tolist()
    lexicon = make_classifier("lexicon", "frames", cb).fit_from_params()
    texts += passages
    y += lexicon.predict_labels(passages)
    return texts, y


def _folder_mb(path: Path) -> float:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) / 1e6


def profile_backends(
    texts: Sequence[str],
    y: Sequence[Sequence[str]],
    task: str = "frames",
    runs: Mapping[str, tuple[str, dict[str, Any]]] | None = None,
    codebook: Any = None,
    predict_repeats: int = 3,
) -> pd.DataFrame:
    """Fit, time and save each backend on ``texts, y``.

    Returns
    -------
    DataFrame
        One row per run: ``backend``, ``train_s``, ``predict_per_s`` (passages per
        second), ``size_mb``, ``n_train``, ``notes``.
    """
    from stance.classifiers import make_classifier
    from stance.codebook import Codebook

    cb = codebook or Codebook.load()
    runs = dict(runs or DEFAULT_RUNS)
    rows = []
    predict_texts = list(texts) * predict_repeats
    for label, (name, params) in runs.items():
        clf = make_classifier(name, task, cb, **params)
        t0 = time.perf_counter()
        clf.fit(list(texts), list(y))
        train = time.perf_counter() - t0
        t0 = time.perf_counter()
        clf.predict_proba(predict_texts)
        rate = len(predict_texts) / (time.perf_counter() - t0)
        with tempfile.TemporaryDirectory() as tmp:
            size = _folder_mb(clf.save(Path(tmp) / "m"))
        notes = []
        if hasattr(clf, "n_steps_"):
            notes.append(f"{clf.n_steps_} steps")
        if hasattr(clf, "n_pairs_"):
            notes.append(f"{clf.n_pairs_} pairs")
        if getattr(clf, "calibration_", None):
            notes.append(f"calibration {clf.calibration_}")
        rows.append(
            {
                "backend": label,
                "train_s": round(train, 2),
                "predict_per_s": round(rate, 1),
                "size_mb": round(size, 3),
                "n_train": len(texts),
                "notes": ", ".join(notes),
            }
        )
    return pd.DataFrame(rows)


def main() -> None:  # pragma: no cover - a measuring script
    """Print the profile table for the project's frames task (Markdown)."""
    import os

    from stance.encoders import get_encoder

    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    with tempfile.TemporaryDirectory() as cache:
        os.environ["STANCE_CACHE_DIR"] = cache
        t0 = time.perf_counter()
        get_encoder()
        start = time.perf_counter() - t0
        texts, y = profile_data()
        table = profile_backends(texts, y)
    print(f"{len(texts)} passages; start-up (import torch + load encoder): {start:.1f} s")
    print(table.to_markdown(index=False) if _has_tabulate() else table.to_string(index=False))
    print(f"labels per passage: {np.mean([len(r) for r in y]):.2f}")


def _has_tabulate() -> bool:
    try:
        import tabulate  # noqa: F401
    except ImportError:
        return False
    return True


if __name__ == "__main__":  # pragma: no cover
    main()
