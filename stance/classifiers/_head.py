"""Linear heads, probability calibration and decision thresholds, kept as plain arrays.

Everything here stores its fitted state as NumPy arrays so that classifiers can save it
to safetensors and predict with NumPy alone after loading.
"""

from __future__ import annotations

import warnings

import numpy as np

__all__ = [
    "C_GRID",
    "Calibrator",
    "LinearHead",
    "brier",
    "choose_C",
    "choose_calibration",
    "inner_splits",
    "sigmoid",
    "softmax",
    "tune_thresholds",
]

_EPS = 1e-6


def sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.clip(z, -50, 50)))


def softmax(z: np.ndarray) -> np.ndarray:
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def _logit(p: np.ndarray) -> np.ndarray:
    p = np.clip(p, _EPS, 1 - _EPS)
    return np.log(p) - np.log1p(-p)


class LinearHead:
    """Logistic-regression head over dense or sparse features.

    Multi-class heads are multinomial (softmax); multi-label heads are one logistic
    regression per label (sigmoid). Classes absent from the training data get
    probability 0 (multi-class) or a constant low probability (multi-label).

    Parameters
    ----------
    coef : ndarray of shape (n_classes, n_features)
    intercept : ndarray of shape (n_classes,)
    active : ndarray of shape (n_classes,), bool
        Multi-class: classes the head was trained on (others always get 0).
    multilabel : bool
    """

    def __init__(self, coef: np.ndarray, intercept: np.ndarray, active: np.ndarray, multilabel: bool) -> None:
        self.coef = np.asarray(coef, dtype=np.float32)
        self.intercept = np.asarray(intercept, dtype=np.float64)
        self.active = np.asarray(active, dtype=bool)
        self.multilabel = bool(multilabel)

    @classmethod
    def fit(
        cls,
        X,
        Y: np.ndarray,
        n_classes: int,
        multilabel: bool,
        C: float = 1.0,
        class_weight: str | None = "balanced",
        random_state: int = 0,
        max_iter: int = 2000,
    ) -> LinearHead:
        """Fit the head.

        Parameters
        ----------
        X : array or sparse matrix of shape (n_samples, n_features)
        Y : ndarray
            Class codes of shape (n_samples,) (multi-class) or an indicator matrix of shape
            (n_samples, n_classes) (multi-label).
        """
        from sklearn.linear_model import LogisticRegression

        n_features = X.shape[1]
        coef = np.zeros((n_classes, n_features), dtype=np.float64)
        intercept = np.zeros(n_classes, dtype=np.float64)
        active = np.ones(n_classes, dtype=bool)

        def make() -> LogisticRegression:
            return LogisticRegression(C=C, class_weight=class_weight, max_iter=max_iter, random_state=random_state)

        with warnings.catch_warnings():
            warnings.simplefilter("ignore", category=UserWarning)
            warnings.filterwarnings("ignore", message=".*did not converge.*")
            if multilabel:
                for j in range(n_classes):
                    col = np.asarray(Y[:, j]).astype(int)
                    if col.min() == col.max():
                        intercept[j] = _logit(np.array([0.02 if col[0] == 0 else 0.98]))[0]
                        continue
                    lr = make().fit(X, col)
                    coef[j] = lr.coef_[0]
                    intercept[j] = lr.intercept_[0]
            else:
                codes = np.asarray(Y).astype(int)
                present = np.unique(codes)
                active[:] = False
                active[present] = True
                if len(present) == 2:
                    lr = make().fit(X, codes)
                    coef[present[1]] = lr.coef_[0]
                    intercept[present[1]] = lr.intercept_[0]
                elif len(present) > 2:
                    lr = make().fit(X, codes)
                    coef[present] = lr.coef_
                    intercept[present] = lr.intercept_
        return cls(coef, intercept, active, multilabel)

    def decision(self, X) -> np.ndarray:
        """Logits of shape (n_samples, n_classes)."""
        z = X @ self.coef.T
        z = np.asarray(z.todense() if hasattr(z, "todense") else z, dtype=np.float64)
        return z + self.intercept

    def proba(self, X) -> np.ndarray:
        """Probabilities of shape (n_samples, n_classes)."""
        z = self.decision(X)
        if self.multilabel:
            return sigmoid(z)
        z[:, ~self.active] = -np.inf
        return softmax(z)

    def arrays(self, prefix: str = "head") -> dict[str, np.ndarray]:
        """Fitted state as named arrays."""
        return {
            f"{prefix}.coef": self.coef,
            f"{prefix}.intercept": self.intercept,
            f"{prefix}.active": self.active.astype(np.uint8),
        }

    @classmethod
    def from_arrays(cls, arrays: dict[str, np.ndarray], multilabel: bool, prefix: str = "head") -> LinearHead:
        """Rebuild a head saved with :meth:`arrays`."""
        return cls(
            arrays[f"{prefix}.coef"],
            arrays[f"{prefix}.intercept"],
            arrays[f"{prefix}.active"].astype(bool),
            multilabel,
        )


def brier(P: np.ndarray, Y: np.ndarray, multilabel: bool) -> float:
    """Brier score: mean squared error of the probabilities (summed over classes for multi-class)."""
    T = Y.astype(float) if multilabel else np.eye(P.shape[1])[np.asarray(Y, dtype=int)]
    err = (P - T) ** 2
    return float(err.mean() if multilabel else err.sum(axis=1).mean())


def platt(x: np.ndarray, t: np.ndarray, iterations: int = 100) -> tuple[float, float]:
    """Platt scaling: ``a, b`` of ``sigmoid(a * x + b)`` fitted by Newton's method.

    Uses Platt's smoothed targets so that perfectly separated data keep a finite slope.
    """
    n_pos = float(t.sum())
    n_neg = float(len(t) - n_pos)
    target = np.where(t > 0, (n_pos + 1) / (n_pos + 2), 1 / (n_neg + 2))
    a, b = 1.0, float(np.log((n_pos + 1) / (n_neg + 1)))
    for _ in range(iterations):
        p = sigmoid(a * x + b)
        w = p * (1 - p) + 1e-12
        grad = np.array([((p - target) * x).sum(), (p - target).sum()])
        hess = np.array([[(w * x * x).sum() + 1e-6, (w * x).sum()], [(w * x).sum(), w.sum() + 1e-6]])
        try:
            step = np.linalg.solve(hess, grad)
        except np.linalg.LinAlgError:
            break
        if not np.isfinite(step).all():
            break
        step = np.clip(step, -5.0, 5.0)
        a, b = a - step[0], b - step[1]
        if np.abs(step).max() < 1e-8:
            break
    return float(a), float(b)


class Calibrator:
    """Per-class probability calibration: ``None``, ``"sigmoid"`` (Platt) or ``"isotonic"``.

    Multi-class probabilities are calibrated one class against the rest, then renormalised.
    Classes whose training targets are constant are left as they are.
    """

    METHODS = (None, "sigmoid", "isotonic")

    def __init__(self, method: str | None, multilabel: bool) -> None:
        if method not in self.METHODS:
            raise ValueError(f"calibration method must be one of {self.METHODS}, got {method!r}")
        self.method = method
        self.multilabel = multilabel
        self.params: dict[int, tuple[np.ndarray, np.ndarray]] = {}

    def fit(self, P: np.ndarray, Y: np.ndarray) -> Calibrator:
        """Fit on probabilities ``P`` (n, k) and targets (codes or indicator matrix)."""
        self.params = {}
        if self.method is None:
            return self
        T = Y.astype(int) if self.multilabel else np.eye(P.shape[1], dtype=int)[np.asarray(Y, dtype=int)]
        for j in range(P.shape[1]):
            t = T[:, j]
            if t.min() == t.max():
                continue
            if self.method == "sigmoid":
                a, b = platt(_logit(P[:, j]), t)
                self.params[j] = (np.array([a]), np.array([b]))
            else:
                from sklearn.isotonic import IsotonicRegression

                iso = IsotonicRegression(y_min=0.0, y_max=1.0, out_of_bounds="clip").fit(P[:, j], t)
                self.params[j] = (
                    np.asarray(iso.X_thresholds_, dtype=np.float64),
                    np.asarray(iso.y_thresholds_, dtype=np.float64),
                )
        return self

    def transform(self, P: np.ndarray) -> np.ndarray:
        """Calibrated probabilities, same shape as ``P``."""
        if self.method is None or not self.params or len(P) == 0:
            return P
        out = P.astype(np.float64, copy=True)
        for j, (a, b) in self.params.items():
            if self.method == "sigmoid":
                out[:, j] = sigmoid(a[0] * _logit(P[:, j]) + b[0])
            else:
                out[:, j] = np.interp(P[:, j], a, b)
        if not self.multilabel:
            out = np.clip(out, 0.0, None)
            out[P == 0] = 0.0
            total = out.sum(axis=1, keepdims=True)
            out = np.where(total > 0, out / np.where(total > 0, total, 1.0), P)
        return out

    def arrays(self, prefix: str = "calibration") -> dict[str, np.ndarray]:
        """Fitted state as named arrays."""
        out: dict[str, np.ndarray] = {}
        for j, (a, b) in sorted(self.params.items()):
            out[f"{prefix}.{j}.a"] = a
            out[f"{prefix}.{j}.b"] = b
        return out

    @classmethod
    def from_arrays(
        cls, method: str | None, multilabel: bool, arrays: dict[str, np.ndarray], prefix: str = "calibration"
    ) -> Calibrator:
        """Rebuild a calibrator saved with :meth:`arrays`."""
        cal = cls(method, multilabel)
        for name, value in arrays.items():
            if name.startswith(prefix + ".") and name.endswith(".a"):
                j = int(name.split(".")[1])
                cal.params[j] = (value, arrays[f"{prefix}.{j}.b"])
        return cal


def choose_calibration(
    P: np.ndarray,
    Y: np.ndarray,
    multilabel: bool,
    methods: tuple = (None, "sigmoid", "isotonic"),
    seed: int = 0,
    groups: np.ndarray | None = None,
) -> tuple[str | None, dict[str, float]]:
    """Pick the calibration with the lowest cross-validated Brier score.

    Parameters
    ----------
    P : ndarray (n, k)
        Out-of-fold probabilities.
    Y : ndarray
        Targets (codes or indicator matrix).
    methods : tuple
        Candidate methods (None: no calibration).
    seed : int
    groups : ndarray, optional
        The document of every row: the calibration folds keep documents whole (:func:`inner_splits`).

    Returns
    -------
    method, scores
        The chosen method (``None`` unless another is better by more than 0.001) and the
        Brier score of each candidate.
    """
    scores: dict[str, float] = {}
    folds = inner_splits(np.zeros((len(P), 1)), True, 5, seed, groups=groups)
    if not folds:
        return None, scores
    for method in methods:
        out = np.zeros_like(P, dtype=np.float64)
        for tr, te in folds:
            out[te] = Calibrator(method, multilabel).fit(P[tr], Y[tr]).transform(P[te])
        scores[str(method)] = brier(out, Y, multilabel)
    best = min(methods, key=lambda m: (scores[str(m)], methods.index(m)))
    if best is not None and scores[str(best)] > scores["None"] - 1e-3:
        best = None
    return best, scores


def tune_thresholds(P: np.ndarray, Y: np.ndarray, grid: np.ndarray | None = None) -> np.ndarray:
    """Per-label thresholds that maximise F1 on ``(P, Y)``; 0.5 for labels with no positives.

    Ties go to the threshold closest to 0.5.
    """
    grid = np.round(np.arange(0.05, 0.951, 0.025), 3) if grid is None else grid
    out = np.full(P.shape[1], 0.5)
    for j in range(P.shape[1]):
        y = Y[:, j].astype(bool)
        if not y.any():
            continue
        best = (-1.0, 0.0)
        for t in grid:
            pred = P[:, j] >= t
            tp = float((pred & y).sum())
            f1 = 2 * tp / max(pred.sum() + y.sum(), 1)
            key = (round(f1, 10), -abs(t - 0.5))
            if key > best:
                best = key
                out[j] = t
    return out


def inner_splits(
    Y: np.ndarray, multilabel: bool, cv: int | float, random_state: int = 0, groups: np.ndarray | None = None
) -> list[tuple[np.ndarray, np.ndarray]]:
    """Inner ``(train, test)`` splits of a training set, for what a model tunes on its own data.

    Parameters
    ----------
    Y : ndarray
        Class codes (multi-class) or an indicator matrix (multi-label).
    multilabel : bool
    cv : int or float
        An int ``k >= 2``: ``k`` folds. A float in (0, 1): one split that holds out that
        share of the samples (at least one), for models too costly to fit ``k`` times.
        Multi-class splits are stratified when every class present allows it.
    random_state : int
    groups : ndarray, optional
        The group (document) of every sample. Whole groups are then dealt into the splits,
        so no group sits on both sides of one (``StratifiedGroupKFold`` for multi-class,
        ``GroupKFold`` otherwise, ``GroupShuffleSplit`` for a float ``cv``); with fewer than
        two groups there is no split. Without groups, samples are split.

    Returns
    -------
    list of (ndarray, ndarray)
        Empty when there are too few samples (or groups) to split.
    """
    from sklearn.model_selection import KFold, ShuffleSplit, StratifiedKFold, StratifiedShuffleSplit

    if isinstance(cv, float) and not isinstance(cv, bool) and not 0.0 < cv < 1.0:
        raise ValueError(f"cv must be an int of at least 2 or a share between 0 and 1, got {cv!r}")
    if groups is not None:
        return _group_splits(Y, multilabel, cv, random_state, groups)
    n = len(Y)
    codes = None if multilabel else np.asarray(Y).astype(int)
    counts = np.bincount(codes) if codes is not None and n else np.array([0])
    smallest = counts[counts > 0].min() if codes is not None and n else 0
    X = np.zeros(n)
    if isinstance(cv, float) and not isinstance(cv, bool):
        n_test = max(1, round(cv * n))
        if n < 2 or n_test >= n:
            return []
        n_classes = int(np.count_nonzero(counts))
        if codes is not None and smallest >= 2 and n_classes <= n_test <= n - n_classes:
            splitter = StratifiedShuffleSplit(1, test_size=n_test, random_state=random_state)
            return list(splitter.split(X, codes))
        return list(ShuffleSplit(1, test_size=n_test, random_state=random_state).split(X))
    n_splits = min(int(cv), n)
    if n_splits < 2:
        return []
    if codes is not None and smallest >= n_splits:
        return list(StratifiedKFold(n_splits, shuffle=True, random_state=random_state).split(X, codes))
    return list(KFold(n_splits, shuffle=True, random_state=random_state).split(X))


def _group_splits(
    Y: np.ndarray, multilabel: bool, cv: int | float, random_state: int, groups: np.ndarray
) -> list[tuple[np.ndarray, np.ndarray]]:
    """The splits of :func:`inner_splits` that keep every group whole."""
    from sklearn.model_selection import GroupKFold, GroupShuffleSplit, StratifiedGroupKFold

    groups = np.asarray([str(g) for g in groups], dtype=object)
    n, n_groups = len(groups), len(set(groups.tolist()))
    if n_groups < 2:
        return []
    X = np.zeros(n)
    if isinstance(cv, float) and not isinstance(cv, bool):
        splits = list(GroupShuffleSplit(1, test_size=cv, random_state=random_state).split(X, groups=groups))
        return [(tr, te) for tr, te in splits if len(tr) and len(te)]
    k = min(int(cv), n_groups)
    if k < 2:
        return []
    stratified = not multilabel
    splitter = (StratifiedGroupKFold if stratified else GroupKFold)(k, shuffle=True, random_state=random_state)
    labels = np.asarray(Y).astype(int) if stratified else X
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # a class with fewer members than folds
        splits = list(splitter.split(X, labels, groups))
    return [(tr, te) for tr, te in splits if len(tr) and len(te)]


#: Regularisation strengths tried when a head's ``C`` is ``"auto"``.
C_GRID = (0.1, 1.0, 10.0, 100.0)


def choose_C(
    X,
    Y: np.ndarray,
    n_classes: int,
    multilabel: bool,
    *,
    grid: tuple[float, ...] = C_GRID,
    cv: int = 3,
    class_weight: str | None = "balanced",
    random_state: int = 0,
    groups: np.ndarray | None = None,
) -> tuple[float, dict[float, float]]:
    """The ``C`` of ``grid`` with the best mean macro-F1 over inner splits of the training data.

    Multi-class decisions are the arg-max class, multi-label ones every label with
    probability >= 0.5; macro-F1 is the project's one definition
    (:func:`stance.evaluation.metrics.metric_arrays`: over the labels present in the inner
    test fold's gold or predictions). Ties go to the smaller ``C`` (stronger regularisation).
    With ``groups`` the inner folds keep every group (document) whole (:func:`inner_splits`).

    Parameters
    ----------
    X : array or sparse matrix of shape (n_samples, n_features)
    Y : ndarray
        Class codes (multi-class) or an indicator matrix (multi-label).
    n_classes : int
    multilabel : bool
    grid : tuple of float
    cv : int or float
        Inner folds, or the share of one held-out split (see :func:`inner_splits`).
    class_weight : {"balanced", None}
    random_state : int
    groups : ndarray, optional
        The document of every row; without groups the inner folds split passages.

    Returns
    -------
    C : float
    scores : dict of float to float
        Mean inner macro-F1 per ``C``.
    """
    Y = np.asarray(Y)
    splits = inner_splits(Y, multilabel, cv, random_state, groups=groups)
    if not splits:
        return float(grid[len(grid) // 2]), {}
    scores: dict[float, float] = {}
    for C in grid:
        values = []
        for tr, te in splits:
            head = LinearHead.fit(
                X[tr], Y[tr], n_classes, multilabel, C=C, class_weight=class_weight, random_state=random_state
            )
            values.append(_macro_f1(Y[te], head.proba(X[te]), n_classes, multilabel))
        scores[float(C)] = float(np.mean(values))
    best = max(scores.values())
    return min(c for c, v in scores.items() if v >= best - 1e-12), scores


def _macro_f1(Y: np.ndarray, P: np.ndarray, n_classes: int, multilabel: bool) -> float:
    """Macro-F1 of the default decisions (arg-max; probability >= 0.5) by the project's one metric definition."""
    from stance.evaluation.metrics import metric_arrays

    if multilabel:
        T, D = np.asarray(Y).astype(bool), P >= 0.5
    else:
        eye = np.eye(n_classes, dtype=bool)
        T, D = eye[np.asarray(Y).astype(int)], eye[P.argmax(axis=1)]
    overall, _ = metric_arrays(T, D, P, np.ones((1, len(T))), [str(j) for j in range(n_classes)], multilabel)
    value = float(overall["macro_f1"][0])
    return 0.0 if np.isnan(value) else value
