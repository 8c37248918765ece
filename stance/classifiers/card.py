"""Model cards: a Markdown summary written beside every saved classifier."""

from __future__ import annotations

import json
from typing import Any

__all__ = ["model_card"]

_INTENDED = (
    "Assigning the labels of the codebook {codebook} to passages of texts like those it was trained on, "
    "as a measurement aid for researchers who check a sample of its output against human coding."
)
_NOT_JUDGEMENTS = "Scores describe how texts are framed; they are not judgements about the events or actors."


def _intended(config: dict[str, Any]) -> str:
    """The codebook's own intended use (``intended_use``), else a statement naming the codebook."""
    own = str(config.get("intended_use") or "").strip()
    name = config.get("codebook_name")
    text = own or _INTENDED.format(codebook=f"`{name}`" if name else "it was trained under")
    return f"{text} {_NOT_JUDGEMENTS}"


_LIMITATIONS = [
    "Trained on a small number of passages; expect errors, especially for rare labels. Check "
    "cross-validated metrics before relying on a label, and validate on your own material.",
    "Labels follow the codebook the model was trained under; if the codebook changes, retrain "
    "(loading under a different codebook warns and names the changed labels).",
    "English text only. Quotation, irony and reported speech are hard cases for every backend.",
    "Probabilities are calibrated on the training data only (inner cross-validation) when "
    "calibration is on; they may still be over- or under-confident on other sources or periods.",
    "Codebook example passages are synthetic and, if used for training, make the model resemble "
    "the codebook's wording; they are never used for scoring.",
]

_BACKENDS = {
    "lexicon": "Cue phrases from the codebook, counted per label: a transparent baseline that needs no training. "
    "Cross-validation holds out labelled passages, not the cue lists: when the codebook's cues were written "
    "with the evaluated texts in view (as for the seed corpus), its cross-validated scores on those texts "
    "are optimistic. Check it on texts the cues were not written from before relying on it.",
    "tfidf": "TF-IDF of word unigrams and bigrams with logistic regression.",
    "embedding": "Frozen sentence encoder with a logistic-regression head.",
    "zeroshot": "Cosine similarity between passage embeddings and label prototypes (codebook "
    "definitions and examples); needs no labelled data.",
    "conditioned": "Frozen sentence encoder over (target, passage) pairs of every stance target, with one "
    "logistic-regression head shared by the targets.",
    "setfit": "Sentence encoder fine-tuned contrastively on pairs of training passages, then a "
    "logistic-regression head (SetFit).",
    "transformer": "Encoder fine-tuned end to end with a classification head (optionally through LoRA adapters).",
}


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.3f}"
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def model_card(config: dict[str, Any]) -> str:
    """Render ``MODEL_CARD.md`` from a saved model's ``config.json`` content."""
    backend = config.get("backend", "")
    task = config.get("task") or "(not recorded)"
    kind = "multi-label (one probability per label)" if config.get("multilabel") else "multi-class (one label)"
    lines = [
        f"# Model card: {config.get('class')} ({backend})",
        "",
        f"Task: `{task}`, {kind}.",
        "",
        "## Intended use",
        "",
        _intended(config),
        "",
        "## Model",
        "",
        _BACKENDS.get(backend, ""),
        "",
        "| parameter | value |",
        "| --- | --- |",
    ]
    for name, value in sorted((config.get("params") or {}).items()):
        if name in {"labels", "cues", "prototypes", "negative_prototypes"}:
            continue
        lines.append(f"| {name} | {_fmt(value)} |")
    state = config.get("state") or {}
    if state.get("encoder"):
        lines.append(f"| encoder (resolved) | {state['encoder']} |")
    if state.get("encoder_hash"):
        lines.append(f"| encoder weights sha256 | `{state['encoder_hash']}` |")
    lines += ["", "## Labels", "", "In output column order:", ""]
    thresholds = config.get("thresholds")
    for i, label in enumerate(config.get("labels") or []):
        thr = f" (decision threshold {thresholds[i]:.3f})" if thresholds else ""
        lines.append(f"{i + 1}. `{label}`{thr}")
    lines += [
        "",
        "## Training data",
        "",
        f"- Passages: {config.get('n_train')}",
        f"- Training-data sha256: `{config.get('training_data_hash')}`",
        f"- Codebook: {config.get('codebook_name') or '(not recorded)'} version "
        f"{config.get('codebook_version') or '?'}, sha256 `{config.get('codebook_hash')}`",
        f"- Calibration: {config.get('calibration') or 'none'}",
        "",
        "## Metrics",
        "",
    ]
    metrics = config.get("metrics")
    if metrics:
        lines += ["| metric | value |", "| --- | --- |"]
        lines += [f"| {k} | {_fmt(v)} |" for k, v in metrics.items()]
    else:
        lines.append("No evaluation results were recorded with this model.")
    lines += ["", "## Limitations", ""]
    lines += [f"- {item}" for item in _LIMITATIONS]
    versions = config.get("versions") or {}
    lines += ["", "## Software", ""]
    lines += [f"- {k} {v}" for k, v in sorted(versions.items())]
    lines.append("")
    return "\n".join(lines)
