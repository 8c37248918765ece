"""Plain scikit-learn TF-IDF + logistic regression on GVFC's first frame: the reference for the ``tfidf`` backend.

Usage::

    python scripts/gvfc_plain_baseline.py ../shared/benchmarks/gvfc/headlines.csv

Five-fold cross-validation on the data set's ``fold`` column, as ``stance benchmark gvfc -s
single-label`` does, with no calibration, no tuned thresholds and no inner cross-validation:
``TfidfVectorizer`` and ``LogisticRegression`` at their scikit-learn defaults, then with one
setting of the ``tfidf`` backend changed at a time. Prints macro-F1 and accuracy (mean over
folds, standard deviation over folds) and the wall time of each variant. A benchmark command,
not a test; the data are read where they are, never copied.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, f1_score

from stance.benchmarks import load_gvfc

#: Variant name -> (TfidfVectorizer settings, LogisticRegression settings).
VARIANTS = {
    "defaults (unigrams, C=1, unweighted)": ({}, {}),
    "+ word 1-2-grams, sublinear tf": ({"ngram_range": (1, 2), "sublinear_tf": True}, {}),
    "+ balanced class weights": ({}, {"class_weight": "balanced"}),
    "+ C=10": ({}, {"C": 10.0}),
    "tfidf backend's settings (1-2-grams, sublinear, C=10, balanced)": (
        {"ngram_range": (1, 2), "sublinear_tf": True, "max_features": 50000},
        {"C": 10.0, "class_weight": "balanced"},
    ),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data", help="GVFC headlines.csv")
    args = parser.parse_args()
    df = load_gvfc(args.data)
    for name, (vec, lr) in VARIANTS.items():
        t0 = time.perf_counter()
        f1s, accs = [], []
        for fold in sorted(df["fold"].unique()):
            train, test = df[df["fold"] != fold], df[df["fold"] == fold]
            vectorizer = TfidfVectorizer(**vec)
            X = vectorizer.fit_transform(train["text"])
            model = LogisticRegression(max_iter=2000, **lr).fit(X, train["frame1"])
            pred = model.predict(vectorizer.transform(test["text"]))
            f1s.append(f1_score(test["frame1"], pred, average="macro"))
            accs.append(accuracy_score(test["frame1"], pred))
        print(
            f"{name:66s} macro-F1 {np.mean(f1s):.3f} ± {np.std(f1s, ddof=1):.3f}  "
            f"accuracy {np.mean(accs):.3f} ± {np.std(accs, ddof=1):.3f}  {time.perf_counter() - t0:.0f} s",
            flush=True,
        )


if __name__ == "__main__":
    main()
