"""Trends over time: the least-squares slope of a value over dates.

Used by the figures (headlines, CSV columns and the dashed trend lines), so a slope
printed in a title and a line drawn on a plot come from one computation.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["DAYS_PER_YEAR", "MIN_TREND_DATES", "day_numbers", "linear_trend", "trend_slopes"]

#: Fewest distinct dates for a trend line.
MIN_TREND_DATES = 4
#: Length of a year in days, for slopes per year.
DAYS_PER_YEAR = 365.25
_EPOCH = pd.Timestamp("1970-01-01")


def day_numbers(dates: Sequence[Any] | pd.Series) -> np.ndarray:
    """Days since 1970-01-01 as floats (Matplotlib's date numbers with its default epoch)."""
    stamps = pd.to_datetime(pd.Series(dates))
    return ((stamps - _EPOCH) / pd.Timedelta(days=1)).to_numpy(dtype=float)


def linear_trend(dates: Sequence[Any] | pd.Series, values: Sequence[float] | pd.Series) -> tuple[float, float] | None:
    """Least-squares line through (date, value).

    Parameters
    ----------
    dates : sequence of dates
    values : sequence of float
        Non-finite values are left out.

    Returns
    -------
    (slope, intercept) or None
        Slope per day and intercept at day 0 (:func:`day_numbers` units); None with fewer
        than two finite points or a single date.
    """
    x = day_numbers(dates)
    y = np.asarray(values, dtype=float)
    ok = np.isfinite(y)
    if ok.sum() < 2 or np.ptp(x[ok]) == 0:
        return None
    slope, intercept = np.polyfit(x[ok], y[ok], 1)
    return float(slope), float(intercept)


def trend_slopes(
    data: pd.DataFrame, key: str, value: str, *, min_dates: int = MIN_TREND_DATES, source: str = "model"
) -> dict[str, float]:
    """Slope of ``value`` over ``date`` per ``key``, in percentage points a year.

    Parameters
    ----------
    data : DataFrame
        Columns ``date``, ``key``, ``value`` and optionally ``source`` (only ``source`` rows are used).
    key : str
        Column that names the series (``frame``, ``target``).
    value : str
        Column of values in [0, 1] or [-1, 1] (shares, balances).
    min_dates : int
        Series with fewer distinct dates get no slope.

    Returns
    -------
    dict
        Series name to slope (points a year, i.e. 100 x value units a year), in order of appearance.
    """
    rows = data[data["source"] == source] if "source" in data.columns else data
    out: dict[str, float] = {}
    for name, sub in rows.groupby(key, sort=False):
        if sub["date"].nunique() < min_dates:
            continue
        fit = linear_trend(sub["date"], sub[value])
        if fit is not None:
            out[str(name)] = fit[0] * DAYS_PER_YEAR * 100
    return out
