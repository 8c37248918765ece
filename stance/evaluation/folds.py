"""Cross-validation folds: which passages each fold holds out.

Schemes
-------
``auto`` (default of ``stance evaluate`` and ``stance train``)
    Folds that fit the data: when every document is one passage (a table of sentences),
    stratified k-fold over passages, which then holds every document out whole (scheme
    ``stratified-document``, no leakage); when documents have several passages, whole
    documents dealt into ``n_splits`` grouped folds (``grouped``); with a single document,
    stratified k-fold, which leaks and warns. Leave-one-document-out is never chosen when it
    would be leave-one-out over hundreds of one-passage documents.
``document``
    Leave one document out: passages of a document share topic, author and wording, so
    they are held out together.
``outlet``
    Leave one outlet out, when the corpus names its outlets: a harder test of transfer
    to an unseen source.
``stratified``
    Stratified k-fold over passages. When a document has several passages, they then sit
    on both sides of a split, so the scores are optimistic; a :class:`LeakageWarning` says
    so. When every document is one passage nothing leaks: the folds' scheme is then
    ``stratified-document`` and nothing is warned.
``grouped-document``, ``grouped-outlet``
    :func:`grouped_folds`: with more documents (outlets) than folds wanted, whole documents
    are dealt into folds of similar size, so every document is still held out in one piece.
``grouped``
    :func:`grouped_folds` by document with ``n_splits`` folds: the affordable form of
    leave-one-document-out on a corpus of many documents.
``group:COLUMN``
    Leave one value of ``COLUMN`` out: any column of the corpus's passages or documents
    table (``group:outlet``, ``group:year`` -- the year of ``published`` --, or a column of
    the user's own table corpus). With more values than ``n_splits``, whole values are dealt
    into ``n_splits`` folds of similar size (as :func:`grouped_folds` deals documents), so
    every value is still held out in one piece. Folds record the scheme ``group:COLUMN``.
``cross-source``
    Train on one side, test on the other (the ``side`` of every document, e.g. ``CN`` and
    ``US``): one fold per side, named ``<train side>-><test side>``. With more than two
    sides a fold tests one side and trains on all the others.
``kind``
    Leave one document kind out: each kind that at least two documents share is held
    out in turn (named ``kind:<kind>``), and the model trains on every other passage.
    Kinds of a single document are never held out, so they always train. On the
    project corpus this holds out each White House document kind (press briefing,
    fact sheet, ...); the five seed articles are each of their own kind and always train.
``custom``
    Folds given by the caller (:func:`folds_from_column`, or :class:`Fold` built by hand).

Every :class:`Fold` records the scheme that made it, and :func:`fold_scheme` names the
scheme of a list of folds, so that tables report how they were made.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from stance.errors import StanceInputError
from stance.evaluation.data import TaskData

__all__ = [
    "GROUP_PREFIX",
    "SCHEMES",
    "Fold",
    "LeakageWarning",
    "auto_scheme",
    "column_folds",
    "cross_source_folds",
    "describe_folds",
    "fold_scheme",
    "folds_from_column",
    "group_columns",
    "grouped_folds",
    "is_scheme",
    "kind_folds",
    "make_folds",
]

SCHEMES = ("auto", "document", "outlet", "stratified", "grouped", "cross-source", "kind", "group:COLUMN")
#: Prefix of the schemes that group folds by a column (``group:outlet``).
GROUP_PREFIX = "group:"
#: Columns of a :class:`TaskData`'s passages that are not groups of a ``group:COLUMN`` scheme.
_NOT_GROUPS = ("passage_id", "text", "text_hash")
_GROUP_COLUMN = {"document": "doc_id", "outlet": "outlet"}


def is_scheme(name: str, schemes: Sequence[str] = SCHEMES) -> bool:
    """Whether ``name`` is one of ``schemes`` (``group:COLUMN`` standing for any column).

    Parameters
    ----------
    name : str
    schemes : sequence of str
        Default: every scheme :func:`make_folds` knows.

    Returns
    -------
    bool
    """
    if name.startswith(GROUP_PREFIX):
        return f"{GROUP_PREFIX}COLUMN" in schemes and bool(name.removeprefix(GROUP_PREFIX).strip())
    return name in schemes


class LeakageWarning(UserWarning):
    """The chosen folds let passages of one document sit in both training and test data."""


@dataclass(frozen=True)
class Fold:
    """One train/test split.

    Attributes
    ----------
    name : str
        E.g. the held-out document.
    train, test : ndarray of int
        Positions of the training and test examples.
    scheme : str
        How the fold was made (see the module docstring); ``"custom"`` for folds given by hand.
    """

    name: str
    train: np.ndarray
    test: np.ndarray
    scheme: str = "custom"


def folds_from_column(values: Sequence[Any], scheme: str = "custom") -> list[Fold]:
    """Folds given by a column of fold ids: fold ``f`` tests the rows whose value is ``f``.

    Parameters
    ----------
    values : sequence
        One fold id per example.
    scheme : str
        Recorded on every fold (default ``"custom"``).

    Returns
    -------
    list of Fold
        Sorted by name, shorter names first (so ``2`` comes before ``10``).
    """
    values = np.asarray([str(v) for v in values], dtype=object)
    out = []
    for name in sorted(set(values), key=lambda v: (len(v), v)):
        test = np.flatnonzero(values == name)
        train = np.flatnonzero(values != name)
        out.append(Fold(str(name), train, test, scheme))
    return out


def _groups(data: TaskData, scheme: str) -> np.ndarray:
    """The group of every example for a leave-one-group-out scheme, checked."""
    groups = data.passages[_GROUP_COLUMN[scheme]].fillna("").astype(str)
    if scheme == "outlet" and (groups == "").all():
        raise ValueError("leave-one-outlet-out needs outlets; the passages have none")
    if groups.nunique() < 2:
        raise ValueError(f"leave-one-{scheme}-out needs at least two {scheme}s, found {groups.nunique()}")
    return groups.to_numpy()


def _max_passages_per_document(data: TaskData) -> int:
    return int(pd.Series(data.groups).value_counts().max()) if len(data) else 0


def auto_scheme(data: TaskData) -> str:
    """The primary fold scheme that fits ``data`` (see ``auto`` in the module docstring).

    Parameters
    ----------
    data : TaskData
        The examples to split; their ``groups`` are the documents.

    Returns
    -------
    str
        ``"stratified"`` when every document is one passage or there is only one document,
        else ``"grouped"``.
    """
    if _max_passages_per_document(data) <= 1 or pd.Series(data.groups).nunique() < 2:
        return "stratified"
    return "grouped"


def _stratified(data: TaskData, n_splits: int, random_state: int) -> list[Fold]:
    """Stratified k-fold; scheme ``stratified-document`` when every document is one passage."""
    from sklearn.model_selection import KFold, StratifiedKFold

    n_splits = max(2, min(n_splits, len(data)))
    if data.multilabel:
        strata = np.array(["|".join(lab for lab, v in zip(data.labels, row, strict=True) if v) for row in data.y])
    else:
        strata = np.asarray(data.y, dtype=str)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            splits = list(StratifiedKFold(n_splits, shuffle=True, random_state=random_state).split(strata, strata))
    except ValueError:  # a class with fewer members than folds
        splits = list(KFold(n_splits, shuffle=True, random_state=random_state).split(strata))
    scheme = "stratified-document" if _max_passages_per_document(data) <= 1 else "stratified"
    return [Fold(f"fold{i}", np.sort(tr), np.sort(te), scheme) for i, (tr, te) in enumerate(splits)]


def _column(data: TaskData, name: str) -> pd.Series:
    if name not in data.passages:
        return pd.Series("", index=data.passages.index)
    return data.passages[name].fillna("").astype(str)


def cross_source_folds(data: TaskData) -> list[Fold]:
    """Train on one side, test on another: one fold per side (see the module docstring).

    Parameters
    ----------
    data : TaskData
        Passages with a ``side``.

    Returns
    -------
    list of Fold
        Scheme ``cross-source``, named ``<train sides>-><test side>``, in sorted order of
        the test side.

    Raises
    ------
    ValueError
        When the passages do not come from at least two sides.
    """
    sides = _column(data, "side").to_numpy()
    names = sorted(set(sides) - {""})
    if len(names) < 2:
        raise ValueError(f"cross-source folds need passages of at least two sides, found {names or 'none'}")
    folds = []
    for side in names:
        test = np.flatnonzero(sides == side)
        train = np.flatnonzero((sides != side) & (sides != ""))
        others = "+".join(n for n in names if n != side)
        folds.append(Fold(f"{others}->{side}", train, test, "cross-source"))
    return folds


def kind_folds(data: TaskData) -> list[Fold]:
    """Leave one document kind out, for kinds that at least two documents share.

    Parameters
    ----------
    data : TaskData
        Passages with a ``kind``.

    Returns
    -------
    list of Fold
        Scheme ``kind``, named ``kind:<kind>``; each trains on every passage of another kind.

    Raises
    ------
    ValueError
        When fewer than two kinds are shared by two or more documents.
    """
    kinds = _column(data, "kind").to_numpy()
    docs_per_kind = pd.Series(data.groups).groupby(kinds).nunique()
    held = sorted(k for k, n in docs_per_kind.items() if k and n >= 2)
    if len(held) < 2:
        raise ValueError(f"leave-one-kind-out needs two kinds of two or more documents each, found {held or 'none'}")
    return [Fold(f"kind:{k}", np.flatnonzero(kinds != k), np.flatnonzero(kinds == k), "kind") for k in held]


def make_folds(data: TaskData, scheme: str = "document", n_splits: int = 5, random_state: int = 0) -> list[Fold]:
    """Cross-validation folds for ``data``.

    Parameters
    ----------
    data : TaskData
    scheme : {"document", "auto", "outlet", "stratified", "grouped", "cross-source", "kind", "group:COLUMN"}
        Leave one document out (default), the scheme that fits the data
        (:func:`auto_scheme`), leave one outlet out, stratified k-fold over passages
        (warns when it leaks within documents), documents dealt into ``n_splits`` grouped
        folds, train on one side and test on the other, leave one document kind out, or
        leave one value of a column out (:func:`column_folds`; see the module docstring).
    n_splits : int
        Folds for ``"auto"``, ``"stratified"`` and ``"grouped"``, and at most for ``"group:COLUMN"``.
    random_state : int
        Shuffling seed for ``"stratified"``, ``"grouped"`` and ``"group:COLUMN"``.

    Returns
    -------
    list of Fold
        Folds with at least one test passage, in sorted order of their names.

    Raises
    ------
    ValueError
        Unknown scheme, no outlets, fewer than two groups, or a ``group:COLUMN`` the passages
        do not have (the message names the columns they have).
    """
    if scheme.startswith(GROUP_PREFIX):
        return column_folds(data, scheme.removeprefix(GROUP_PREFIX), n_splits, random_state)
    if not is_scheme(scheme):
        raise ValueError(f"unknown fold scheme {scheme!r}; use one of {', '.join(SCHEMES)}")
    if scheme == "auto":
        scheme = auto_scheme(data)
    if scheme in _GROUP_COLUMN:
        return folds_from_column(_groups(data, scheme), scheme)
    if scheme == "grouped":
        return grouped_folds(data, "document", n_splits, random_state)
    if scheme == "cross-source":
        return cross_source_folds(data)
    if scheme == "kind":
        return kind_folds(data)
    folds = _stratified(data, n_splits, random_state)
    if fold_scheme(folds) == "stratified":
        warnings.warn(
            "stratified k-fold puts passages of the same document in training and test folds; "
            "scores are optimistic. Use scheme='grouped' or 'document' for an honest estimate.",
            LeakageWarning,
            stacklevel=2,
        )
    return folds


def grouped_folds(data: TaskData, scheme: str = "document", n_folds: int = 10, random_state: int = 0) -> list[Fold]:
    """Whole documents (outlets) dealt into at most ``n_folds`` folds of similar size.

    Groups are shuffled (seeded), then dealt largest first, each to the fold with the fewest
    passages so far; every group is held out in one piece. With at most ``n_folds`` groups
    this is :func:`make_folds` (one group per fold).

    Parameters
    ----------
    data : TaskData
    scheme : {"document", "outlet"}
    n_folds : int
    random_state : int

    Returns
    -------
    list of Fold
        Scheme ``grouped-<scheme>`` (or ``<scheme>`` with one group per fold).
    """
    if scheme not in _GROUP_COLUMN:
        raise ValueError(f"grouped folds need scheme 'document' or 'outlet', not {scheme!r}")
    groups = _groups(data, scheme)
    if len(set(groups.tolist())) <= n_folds:
        return folds_from_column(groups, scheme)
    return _deal(groups, n_folds, random_state, f"{scheme}s", f"grouped-{scheme}")


def _deal(groups: np.ndarray, n_folds: int, random_state: int, prefix: str, scheme: str) -> list[Fold]:
    """Whole groups dealt into ``n_folds`` folds: shuffled (seeded), then largest first to the lightest fold."""
    names, counts = np.unique(groups, return_counts=True)
    size = dict(zip(names.tolist(), counts.tolist(), strict=True))
    order = [str(names[i]) for i in np.random.default_rng(random_state).permutation(len(names))]
    order.sort(key=lambda g: -size[g])  # stable: equal sizes keep the seeded order
    load = np.zeros(n_folds, dtype=int)
    assign: dict[str, str] = {}
    width = len(str(n_folds))
    for g in order:
        k = int(np.argmin(load))
        load[k] += size[g]
        assign[g] = f"{prefix}-{k + 1:0{width}d}"
    return folds_from_column([assign[g] for g in groups], scheme)


def group_columns(data: TaskData) -> list[str]:
    """The columns of ``data``'s passages a ``group:COLUMN`` scheme can name, sorted.

    Parameters
    ----------
    data : TaskData

    Returns
    -------
    list of str
    """
    return sorted(c for c in data.passages.columns if c not in _NOT_GROUPS)


def column_folds(data: TaskData, column: str, n_folds: int = 5, random_state: int = 0) -> list[Fold]:
    """Leave one value of ``column`` out (scheme ``group:<column>``; see the module docstring).

    Parameters
    ----------
    data : TaskData
        Its passages carry the columns of the corpus's passages and documents tables.
    column : str
        E.g. ``"outlet"``, ``"year"`` or a column of the user's table corpus.
    n_folds : int
        With more values than this, whole values are dealt into ``n_folds`` folds.
    random_state : int
        Seed of the dealing.

    Returns
    -------
    list of Fold
        Scheme ``group:<column>``: one fold per value (named by it), or ``n_folds`` folds
        named ``<column>s-1`` ... when there are more values.

    Raises
    ------
    StanceInputError
        A ``ValueError``: when the passages have no such column (naming the columns they have), when some
        passages have no value in it, or when it has fewer than two values.
    """
    scheme = f"{GROUP_PREFIX}{column}"
    if not column or column not in group_columns(data):
        raise StanceInputError(
            f"--folds {scheme}: the corpus has no column {column!r}; its passages and documents have "
            f"{', '.join(group_columns(data))}"
        )
    groups = data.passages[column].fillna("").astype(str).str.strip().to_numpy()
    empty = np.flatnonzero(groups == "")
    if len(empty):
        first = data.passages["passage_id"].iloc[empty[0]]
        raise StanceInputError(
            f"--folds {scheme}: {len(empty)} of {len(groups)} passages have no {column} (first: {first}); "
            f"fill the column or choose another"
        )
    n_values = len(set(groups.tolist()))
    if n_values < 2:
        raise StanceInputError(f"--folds {scheme} needs at least two values of {column}, found {n_values}")
    if n_values <= n_folds:
        return folds_from_column(groups, scheme)
    return _deal(groups, n_folds, random_state, f"{column}s", scheme)


def fold_scheme(folds: Sequence[Fold]) -> str:
    """The scheme shared by ``folds``.

    Parameters
    ----------
    folds : list of Fold

    Returns
    -------
    str
        The folds' common scheme, or ``"custom"`` when they were made in different ways.
    """
    schemes = {getattr(f, "scheme", "custom") for f in folds}
    return schemes.pop() if len(schemes) == 1 else "custom"


def describe_folds(folds: Sequence[Fold], n_groups: int | None = None) -> str:
    """How the folds were made, in words, e.g. ``"leave-one-document-out (5 folds)"``.

    Parameters
    ----------
    folds : list of Fold
    n_groups : int, optional
        Number of documents (outlets, column values) dealt into grouped folds, named in the text.

    Returns
    -------
    str
    """
    scheme, k = fold_scheme(folds), len(folds)
    if scheme in _GROUP_COLUMN:
        return f"leave-one-{scheme}-out ({k} folds)"
    if scheme.startswith(GROUP_PREFIX):
        held = "each value held out whole" if n_groups is None else f"{n_groups} values, each held out whole"
        return f"{scheme}, {k} folds ({held})"
    if scheme == "cross-source":
        return f"cross-source: train on one side, test on the other ({', '.join(f.name for f in folds)})"
    if scheme == "kind":
        return f"leave-one-document-kind-out ({k} kinds held out in turn)"
    if scheme == "stratified":
        return f"stratified {k}-fold over passages (documents leak across folds)"
    if scheme == "stratified-document":
        return f"stratified {k}-fold over passages, one passage per document (each document held out whole)"
    if scheme.startswith("grouped-"):
        unit = scheme.removeprefix("grouped-")
        dealt = f"{n_groups} {unit}s" if n_groups is not None else f"{unit}s"
        return f"grouped {k}-fold: {dealt} dealt into {k} folds, each held out whole"
    return f"custom folds ({k})"
