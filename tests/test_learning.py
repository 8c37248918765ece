"""The fine-tuning backends learn: a trivially separable signal, the cached frozen layers, the inner split."""

from __future__ import annotations

import numpy as np
import pytest

from stance.classifiers import REGISTRY
from stance.classifiers._head import inner_splits

#: Passages that name an animal carry the label; the others do not.
_POSITIVE = [
    "A zebra crossed the road near the market.",
    "The zoo said its zebra had a calf this spring.",
    "Children drew a zebra with black and white stripes.",
    "The zebra herd moved north across the plain.",
    "A photographer waited hours to see a zebra drink.",
    "The park counted every zebra from the air.",
]
_NEGATIVE = [
    "The ministry published its annual budget report.",
    "Trade figures for the quarter were released today.",
    "The council voted to repair the old town hall.",
    "Parliament will debate the tax bill next week.",
    "The central bank left interest rates unchanged.",
    "Officials signed a new agreement on customs duties.",
]
_LABELS = ["animal", "other"]


def _data():
    texts = _POSITIVE + _NEGATIVE
    y = np.array([[1, 0]] * len(_POSITIVE) + [[0, 1]] * len(_NEGATIVE))
    return texts, y


def test_transformer_learns_a_separable_signal():
    """From a head that starts flat, one epoch of fine-tuning separates the two groups.

    With ``C=1e-6`` the logistic regression that starts the head has coefficients of about
    zero, so every passage starts with the same probability: what separates them is learned
    by the fine-tuning steps.
    """
    texts, y = _data()
    clf = REGISTRY["transformer"](
        labels=_LABELS,
        multilabel=True,
        C=1e-6,
        train_layers=1,
        num_epochs=1,
        batch_size=2,
        learning_rate=1e-3,
        head_learning_rate=0.05,
        warmup=0.0,
        max_length=24,
        threshold=0.5,
    )
    clf.fit(texts, y)
    assert clf.C_ == 1e-6 and clf.n_steps_ == 6
    pred = clf.predict(texts)
    assert pred[: len(_POSITIVE), 0].all() and not pred[len(_POSITIVE) :, 0].any()
    assert pred[len(_POSITIVE) :, 1].all() and not pred[: len(_POSITIVE), 1].any()
    held_out = clf.predict(["A zebra stood by the water.", "The minister announced a new budget."])
    assert held_out[:, 0].tolist() == [1, 0]


def test_frozen_layers_give_the_full_models_embeddings():
    """The cached lower layers plus the trained top layers equal one full forward pass."""
    from stance.classifiers._torch import TrainableBody
    from stance.encoders import Encoder

    clf = REGISTRY["transformer"](labels=_LABELS, multilabel=True, train_layers=2, max_length=32)
    body = clf._start_body()
    assert body.n_frozen == 4
    texts = _POSITIVE[:3] + _NEGATIVE[:2]
    body.prepare(texts)
    cached = body.embed_all()
    full = Encoder.from_model(body.model, body.tokenizer, body.pooling, 32).encode_uncached(texts)
    np.testing.assert_allclose(cached, full, atol=1e-5)
    trained = {n for n, p in body.model.named_parameters() if p.requires_grad}
    assert trained and all(".layer.4." in n or ".layer.5." in n for n in trained)
    every = TrainableBody(body.model, body.tokenizer, body.pooling, 32, None, "x")
    assert every.n_frozen == 0


def test_inner_split_holds_out_a_share_stratified():
    y = np.array([0] * 40 + [1] * 10 + [2] * 10)
    (tr, te), *rest = inner_splits(y, False, 0.2, random_state=0)
    assert not rest
    assert len(te) == 12 and len(set(tr) | set(te)) == 60 and not set(tr) & set(te)
    assert sorted(np.bincount(y[te]).tolist()) == [2, 2, 8]
    assert len(inner_splits(y, False, 3)) == 3
    Y = np.zeros((10, 2), dtype=int)
    assert len(inner_splits(Y, True, 0.3)[0][1]) == 3
    assert inner_splits(y[:1], False, 0.2) == []
    with pytest.raises(ValueError, match="share"):
        inner_splits(y, False, 1.5)
