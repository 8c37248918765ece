"""A learned role classifier: logistic regression over a target-centred view of the passage.

:class:`ActorRoleClassifier` reads the role-model input format (the passage with the
target actor's mentions in ``[[...]]``, see :mod:`stance.narrative.roles`) and turns each
example into a bag of words in which

* the target's mentions become the token ``tgt`` and other actors' mentions ``oth``, so
  n-grams such as "tgt has", "help oth", "sanctioned tgt" generalise across actors;
* ``actor_<name>`` gives the target's identity (the model can learn that traffickers are
  rarely innocent);
* ``rule_<name>`` tokens add the rules of :class:`~stance.narrative.roles.RoleCueBaseline`
  that fired (the target is the agent of a help statement, the object of sanctions, ...).

TF-IDF weights of unigrams and bigrams feed a class-balanced logistic regression. It
follows the estimator contract of :mod:`stance.classifiers` (``labels``, ``multilabel``,
``fit``/``predict_proba``/``predict``, ``save``/``load`` as JSON plus safetensors, see
:mod:`stance.narrative.role_estimator`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import ClassVar

import numpy as np
from sklearn.exceptions import NotFittedError
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression

from stance.classifiers import check_texts
from stance.classifiers._validation import Interval, Options
from stance.narrative.role_estimator import ROLE_CONSTRAINTS, RoleEstimator
from stance.narrative.roles import RoleCueBaseline, split_marked

__all__ = ["ROLE_MODELS", "ActorRoleClassifier", "role_view"]

_TOKEN_PATTERN = r"(?u)\b\w+\b"


def role_view(marked: str, actor: str | None, fired: dict[str, float], other_spans: Sequence[tuple[int, int]]) -> str:
    """The text an :class:`ActorRoleClassifier` vectorises for one example.

    Parameters
    ----------
    marked : str
        Passage with the target's mentions in ``[[...]]``.
    actor : str or None
        The target actor's name.
    fired : dict
        Baseline rules that fired (``{rule: hits}``).
    other_spans : sequence of (int, int)
        Character spans (in the unmarked passage) of other actors' mentions.

    Returns
    -------
    str

    Examples
    --------
    >>> role_view("[[China]] helped the US.", "china", {"agent_help": 1.0}, [(17, 19)])
    'actor_china rule_agent_help  tgt  helped the  oth .'
    """
    text, spans, _ = split_marked(marked)
    marks = sorted(
        [(s, e, " tgt ") for s, e in spans]
        + [(s, e, " oth ") for s, e in other_spans if not any(s < b and a < e for a, b in spans)]
    )
    parts, pos = [], 0
    for s, e, token in marks:
        if s < pos:
            continue
        parts += [text[pos:s], token]
        pos = e
    parts.append(text[pos:])
    head = [f"actor_{actor or 'unknown'}"]
    for rule, hits in sorted(fired.items()):
        name = re.sub(r"\W", "_", rule)
        head += [f"rule_{name}"] * max(1, round(min(hits, 2.0)))
    return " ".join(head) + " " + "".join(parts)


class ActorRoleClassifier(RoleEstimator):
    """Logistic regression over TF-IDF of a target-centred view plus baseline rule tokens.

    Parameters
    ----------
    labels : sequence of str, optional
        Role names in order (default: :func:`~stance.narrative.roles.role_labels`, the
        codebook's roles and ``none``).
    multilabel : bool
        Must be False.
    C : float
        Inverse regularisation strength.
    ngram_range : tuple of int
        Word n-grams.
    use_rules : bool
        Add the baseline's rule tokens.
    class_weight : str or None
        ``"balanced"`` to weight roles by inverse frequency.
    random_state : int
        Seed of the solver.
    codebook_path : str, optional
        Codebook for the cue lexicons and the actor aliases.

    Attributes
    ----------
    classes_ : ndarray of str
    cues_ : dict
        Cue lists of the baseline rules (see :class:`~stance.narrative.roles.RoleCueBaseline`).
    vectorizer_ : TfidfVectorizer
    model_ : LogisticRegression
    """

    backend = "role-lr"
    weights_file = "weights.safetensors"
    _parameter_constraints: ClassVar[dict[str, list]] = {
        **ROLE_CONSTRAINTS,
        "C": [Interval(float, 0, None, closed="neither")],
        "ngram_range": ["sequence"],
        "use_rules": ["boolean"],
        "class_weight": [None, Options({"balanced"}), dict],
        "random_state": [None, Interval(int, 0, None, closed="left")],
        "codebook_path": [None, str],
    }

    def __init__(
        self,
        labels: Sequence[str] | None = None,
        multilabel: bool = False,
        C: float = 4.0,
        ngram_range: tuple[int, int] = (1, 2),
        use_rules: bool = True,
        class_weight: str | None = "balanced",
        random_state: int = 0,
        codebook_path: str | None = None,
    ) -> None:
        self.labels = labels
        self.multilabel = multilabel
        self.C = C
        self.ngram_range = ngram_range
        self.use_rules = use_rules
        self.class_weight = class_weight
        self.random_state = random_state
        self.codebook_path = codebook_path

    def _rules(self) -> RoleCueBaseline:
        """The baseline whose rules feed the view, set up with this model's cues (built once)."""
        if getattr(self, "_baseline", None) is None:
            base = RoleCueBaseline(labels=self.labels, codebook_path=self.codebook_path)
            self._baseline = base.prepared(getattr(self, "cues_", None))
            self.cues_ = self._baseline.cues_
        return self._baseline

    def _views(self, X: Sequence[str]) -> list[str]:
        base = self._rules()
        X = list(X)
        out = []
        for marked, (actor, fired) in zip(X, base.rule_features(X), strict=True):
            text, _, _ = split_marked(marked)
            others = [(m.start, m.end) for m in base.matcher.find(text)]
            out.append(role_view(marked, actor, fired if self.use_rules else {}, others))
        return out

    def fit(self, X: Sequence[str], y: Sequence[str]) -> ActorRoleClassifier:
        """Fit on marked passages ``X`` and roles ``y``."""
        X, y = self._check_fit_input(X, y)
        y = np.asarray(y, dtype=object)
        roles = list(self.labels) if self.labels is not None else self._rules().role_names()
        unknown = sorted(set(y) - set(roles))
        if unknown:
            raise ValueError(f"unknown roles {unknown}; expected {roles}")
        self.classes_ = np.array(roles, dtype=object)
        views = self._views(X)
        self.vectorizer_ = TfidfVectorizer(
            token_pattern=_TOKEN_PATTERN, ngram_range=tuple(self.ngram_range), sublinear_tf=True, min_df=1
        )
        features = self.vectorizer_.fit_transform(views)
        self.model_ = LogisticRegression(
            C=self.C, class_weight=self.class_weight, max_iter=5000, random_state=self.random_state
        )
        self.model_.fit(features, y)
        self.n_features_in_ = 1
        self.n_train_ = len(X)
        return self

    def predict_proba(self, X: Sequence[str]) -> np.ndarray:
        """Role probabilities, columns in ``classes_`` order (roles unseen in training get 0)."""
        if not hasattr(self, "model_"):
            raise NotFittedError("ActorRoleClassifier is not fitted yet; call fit first")
        X = check_texts(X)
        if not X:
            return np.zeros((0, len(self.classes_)))
        proba = self.model_.predict_proba(self.vectorizer_.transform(self._views(X)))
        out = np.zeros((len(X), len(self.classes_)))
        col = {c: i for i, c in enumerate(self.classes_)}
        for j, c in enumerate(self.model_.classes_):
            out[:, col[c]] = proba[:, j]
        return out

    def top_features(self, n: int = 10) -> dict[str, list[tuple[str, float]]]:
        """The ``n`` features with the largest weight for each role."""
        names = self.vectorizer_.get_feature_names_out()
        out = {}
        for j, c in enumerate(self.model_.classes_):
            coef = self.model_.coef_[j] if self.model_.coef_.shape[0] > 1 else self.model_.coef_[0] * (1 if j else -1)
            top = np.argsort(-coef)[:n]
            out[str(c)] = [(str(names[i]), float(coef[i])) for i in top]
        return out

    # -------------------------------------------------------------- persistence
    def save(self, path: str | Path, provenance: Mapping[str, object] | None = None) -> Path:
        """Write ``config.json`` (parameters, classes, vocabulary, cues), ``weights.safetensors`` and the card."""
        self._check_fitted()
        state = {
            "model_classes": [str(c) for c in self.model_.classes_],
            "vocabulary": {k: int(v) for k, v in sorted(self.vectorizer_.vocabulary_.items())},
            "cues": self.cues_,
            **({"provenance": self.provenance_} if getattr(self, "provenance_", None) else {}),
        }
        arrays = {"idf": self.vectorizer_.idf_, "coef": self.model_.coef_, "intercept": self.model_.intercept_}
        return self._write(path, state, arrays, provenance)

    @classmethod
    def load(cls, path: str | Path) -> ActorRoleClassifier:
        """Read a model written by :meth:`save`."""
        config, params, weights = cls._read(path)
        model = cls(**params)
        model.classes_ = np.array(config["labels"], dtype=object)
        model.cues_ = config["cues"]
        model.provenance_ = dict(config.get("provenance") or {})
        vec = TfidfVectorizer(token_pattern=_TOKEN_PATTERN, ngram_range=params["ngram_range"], sublinear_tf=True)
        vec.vocabulary_ = dict(config["vocabulary"])
        vec.idf_ = weights["idf"]
        model.vectorizer_ = vec
        lr = LogisticRegression(C=params["C"], class_weight=params["class_weight"])
        lr.classes_ = np.array(config["model_classes"], dtype=object)
        lr.coef_ = weights["coef"]
        lr.intercept_ = weights["intercept"]
        model.model_ = lr
        model.n_features_in_ = 1
        model.n_train_ = int(config.get("n_train") or 0)
        return model


#: Class name -> class of the role models the store (:mod:`stance.models`) loads from a folder.
ROLE_MODELS: dict[str, type] = {cls.__name__: cls for cls in (RoleCueBaseline, ActorRoleClassifier)}
