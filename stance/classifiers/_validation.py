"""Parameter constraints as class data, checked in ``fit``: a small validator of our own.

Every estimator of the package lists the allowed values of each constructor parameter in
a class attribute ``_parameter_constraints`` (scikit-learn's pattern; its validator is
private, so this module holds ours). A parameter may take a value when it satisfies any
one of its constraints:

``None``
    the value ``None``;
``"boolean"``
    ``True`` or ``False`` (numpy booleans included);
``"sequence"``
    a list, tuple or 1-D array (not a string);
a type such as ``str`` or ``dict``
    an instance of it (``bool`` does not count as ``int`` or ``float``);
:class:`Interval`
    a number in a range;
:class:`Options`
    one of a set of values.

:func:`validate_params` raises a :class:`ValueError` that names the estimator, the
parameter, what it may be and what it was given.

Examples
--------
>>> class Model:
...     _parameter_constraints = {"C": [Interval(float, 0, None, closed="neither")]}
...     def __init__(self, C=1.0):
...         self.C = C
...     def get_params(self, deep=True):
...         return {"C": self.C}
>>> validate_params(Model(C=-1), Model._parameter_constraints)
Traceback (most recent call last):
...
ValueError: Model: parameter 'C' must be a float in (0, inf), got -1
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from numbers import Integral, Real
from typing import Any

import numpy as np

__all__ = ["Interval", "Options", "describe", "satisfies", "validate_params"]


@dataclass(frozen=True)
class Interval:
    """Numbers of ``kind`` (``int`` or ``float``) between ``left`` and ``right`` (None: unbounded).

    ``closed`` is ``"both"``, ``"left"``, ``"right"`` or ``"neither"``. An ``int`` interval
    takes integers only; a ``float`` interval takes any real number. Booleans never match.
    """

    kind: type
    left: float | None
    right: float | None
    closed: str = "both"

    def __post_init__(self) -> None:
        if self.kind not in (int, float):
            raise ValueError(f"Interval kind must be int or float, got {self.kind!r}")
        if self.closed not in ("both", "left", "right", "neither"):
            raise ValueError(f"Interval closed must be 'both', 'left', 'right' or 'neither', got {self.closed!r}")

    def matches(self, value: Any) -> bool:
        """Whether ``value`` lies in the interval."""
        if isinstance(value, bool | np.bool_):
            return False
        if not isinstance(value, Integral if self.kind is int else Real):
            return False
        if isinstance(value, float) and math.isnan(value):
            return False
        lo_ok = self.left is None or (value >= self.left if self.closed in ("both", "left") else value > self.left)
        hi_ok = self.right is None or (value <= self.right if self.closed in ("both", "right") else value < self.right)
        return bool(lo_ok and hi_ok)

    def __str__(self) -> str:
        lo = "-inf" if self.left is None else f"{self.left:g}"
        hi = "inf" if self.right is None else f"{self.right:g}"
        left = "[" if self.closed in ("both", "left") and self.left is not None else "("
        right = "]" if self.closed in ("both", "right") and self.right is not None else ")"
        return f"{'an int' if self.kind is int else 'a float'} in {left}{lo}, {hi}{right}"


@dataclass(frozen=True)
class Options:
    """One of a fixed set of values (e.g. the names of calibration methods)."""

    values: frozenset

    def __init__(self, values: Iterable[Any]) -> None:
        object.__setattr__(self, "values", frozenset(values))

    def matches(self, value: Any) -> bool:
        """Whether ``value`` is one of the options."""
        try:
            return value in self.values
        except TypeError:  # unhashable values are not options
            return False

    def __str__(self) -> str:
        return "one of " + ", ".join(repr(v) for v in sorted(self.values, key=str))


def satisfies(value: Any, constraint: Any) -> bool:
    """Whether ``value`` meets one ``constraint`` (see the module docstring)."""
    if constraint is None:
        return value is None
    if isinstance(constraint, Interval | Options):
        return constraint.matches(value)
    if constraint == "boolean":
        return isinstance(value, bool | np.bool_)
    if constraint == "sequence":
        return isinstance(value, list | tuple) or (isinstance(value, np.ndarray) and value.ndim == 1)
    if isinstance(constraint, type):
        if constraint in (int, float) and isinstance(value, bool | np.bool_):
            return False
        return isinstance(value, constraint)
    raise TypeError(f"unknown parameter constraint {constraint!r}")


def describe(constraint: Any) -> str:
    """A constraint in words, as used in error messages."""
    if constraint is None:
        return "None"
    if constraint == "boolean":
        return "True or False"
    if constraint == "sequence":
        return "a list or tuple"
    if isinstance(constraint, type):
        return {dict: "a dict", str: "a string", int: "an int", float: "a float"}.get(
            constraint, f"a {constraint.__name__}"
        )
    return str(constraint)


def validate_params(estimator: Any, constraints: Mapping[str, list]) -> None:
    """Check every parameter of ``estimator`` against its constraints.

    Parameters
    ----------
    estimator : object
        With ``get_params(deep=False)``.
    constraints : mapping
        Parameter name -> list of allowed constraints (the estimator's
        ``_parameter_constraints``, passed by its ``fit``).

    Raises
    ------
    ValueError
        For a value no constraint allows (naming the estimator, the parameter, the allowed
        values and the value given), and for a parameter without declared constraints.
    """
    name = type(estimator).__name__
    for param, value in estimator.get_params(deep=False).items():
        if param not in constraints:
            raise ValueError(f"{name}: parameter {param!r} has no declared constraints (_parameter_constraints)")
        allowed = constraints[param]
        if any(satisfies(value, c) for c in allowed):
            continue
        words = [describe(c) for c in allowed]
        what = ", ".join(words[:-1]) + f" or {words[-1]}" if len(words) > 1 else words[0]
        raise ValueError(f"{name}: parameter {param!r} must be {what}, got {value!r}")
