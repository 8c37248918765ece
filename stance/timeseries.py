"""Groups and time: trends, group means with cluster-bootstrap intervals, time series, events.

* :func:`linear_trend` / :func:`trend_slopes` -- the least-squares slope of a value over
  dates (the figures' headlines, CSV columns and dashed trend lines all use it).
* :func:`passage_measures` -- one row per passage with its document's groups (side,
  outlet, kind, administration) and one column per measure (frame coded 0/1; stance
  +1/0/-1), keeping officials' on-topic passages by default.
* :func:`group_means` -- frame shares and stance balances per group with 95% intervals
  from a cluster bootstrap over documents (the passages of one document are not
  independent).
* :func:`time_series` -- the same per month, quarter or year and side, bins with fewer
  than ``min_docs`` documents flagged sparse.
* :func:`before_after` -- windows before and after an event and their difference.
* :func:`compare_sides` -- two sides in the same periods and their difference.
* :func:`mentioning` -- the passages of the table whose text matches a pattern (one
  event, actor or term followed across sides and time).
* :func:`read_events` -- the dated events table (``date,label,source``).

Every group row names the passages behind it (``passages``: the ids where the measure is
not zero).
"""

from __future__ import annotations

import zlib
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

__all__ = [
    "DAYS_PER_YEAR",
    "EVENT_COLUMNS",
    "FREQUENCIES",
    "GROUP_COLUMNS",
    "MIN_DOCS",
    "MIN_TREND_DATES",
    "SPEAKING_ROLES",
    "before_after",
    "cluster_bootstrap",
    "compare_sides",
    "day_numbers",
    "group_means",
    "linear_trend",
    "measure_columns",
    "mentioning",
    "passage_measures",
    "percentile_interval",
    "read_events",
    "seeded_rng",
    "time_series",
    "trend_slopes",
    "with_periods",
]

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


# --------------------------------------------------------------------------- passage table
#: Speaker roles whose passages speak for a side by default (journalists' questions are left out).
SPEAKING_ROLES: tuple[str, ...] = ("official", "author", "")
#: Document columns carried into the passage table, for grouping.
GROUP_COLUMNS: tuple[str, ...] = ("side", "outlet", "country", "kind", "administration")
FRAME_PREFIX = "frame:"
STANCE_PREFIX = "stance:"


def passage_measures(
    scores: pd.DataFrame,
    corpus: Any,
    *,
    speaker_roles: Sequence[str] | None = SPEAKING_ROLES,
    on_topic_only: bool = True,
    source: str = "model",
) -> pd.DataFrame:
    """One row per scored passage with its document's groups and one column per measure.

    Parameters
    ----------
    scores : DataFrame
        Long scores (:func:`stance.analysis.score_passages`): passage_id, doc_id, task,
        label, pred and optionally source.
    corpus : Corpus
        Documents (published and the :data:`GROUP_COLUMNS` it has) and passages
        (``on_topic``, ``speaker_role`` when present).
    speaker_roles : sequence of str, optional
        Keep passages whose ``speaker_role`` is one of these (default: officials and
        authors, not journalists); None keeps every passage.
    on_topic_only : bool
        Keep only passages marked ``on_topic`` (when the corpus has the column).
    source : str
        Which rows of ``scores`` to use (``"model"`` or ``"gold"``).

    Returns
    -------
    DataFrame
        doc_id, passage_id, published, the group columns, ``on_topic``, ``speaker_role``,
        then ``frame:<name>`` (1 when the frame is coded, else 0) and ``stance:<target>``
        (+1 FAVOR, -1 AGAINST, 0 NONE): the mean of a measure over passages is a frame
        share or a stance balance.
    """
    rows = scores[scores["source"] == source] if "source" in scores.columns else scores
    frames = rows[rows["task"] == "frames"]
    wide = frames.pivot_table(index="passage_id", columns="label", values="pred", aggfunc="first", sort=False)
    wide = wide.astype(float).add_prefix(FRAME_PREFIX)
    stance = rows[rows["task"].astype(str).str.startswith("stance:") & rows["pred"].astype(bool)]
    sign = stance["label"].map({"FAVOR": 1.0, "AGAINST": -1.0}).fillna(0.0)
    balance = stance.assign(_v=sign).pivot_table(
        index="passage_id", columns="task", values="_v", aggfunc="first", sort=False
    )
    measures = wide.join(balance, how="outer")
    docs = corpus.documents
    keep = ["doc_id", "published", *[c for c in GROUP_COLUMNS if c in docs.columns]]
    passages = corpus.passages
    pcols = ["passage_id", "doc_id", *[c for c in ("on_topic", "speaker_role") if c in passages.columns]]
    out = passages[pcols].merge(docs[keep], on="doc_id", how="inner")
    out = out[out["passage_id"].isin(measures.index)]
    if on_topic_only and "on_topic" in out.columns:
        out = out[out["on_topic"].astype(bool)]
    if speaker_roles is not None and "speaker_role" in out.columns:
        out = out[out["speaker_role"].fillna("").astype(str).isin(set(speaker_roles))]
    out = out.merge(measures, left_on="passage_id", right_index=True, how="left")
    return out.sort_values(["published", "doc_id", "passage_id"], kind="stable").reset_index(drop=True)


def measure_columns(table: pd.DataFrame) -> list[str]:
    """The measure columns of a :func:`passage_measures` table, frames first."""
    frames = [c for c in table.columns if str(c).startswith(FRAME_PREFIX)]
    stance = [c for c in table.columns if str(c).startswith(STANCE_PREFIX)]
    return frames + stance


def mentioning(table: pd.DataFrame, corpus: Any, pattern: str) -> pd.DataFrame:
    """The rows of a :func:`passage_measures` table whose passage text matches ``pattern``.

    Parameters
    ----------
    table : DataFrame
        From :func:`passage_measures`.
    corpus : Corpus
        Gives the passages' text (the rendered text that was scored).
    pattern : str
        A regular expression, matched case-insensitively (``"working group"``).

    Returns
    -------
    DataFrame
        The matching rows in date order, with a ``text`` column.
    """
    text = corpus.passages.set_index("passage_id")["text"]
    rows = table.assign(text=table["passage_id"].map(text).fillna("").astype(str))
    return rows[rows["text"].str.contains(pattern, case=False, regex=True)].reset_index(drop=True)


# --------------------------------------------------------------------------- cluster bootstrap
def seeded_rng(random_state: int, name: Any) -> np.random.Generator:
    """A generator seeded by ``random_state`` and a group's name: its interval stays when groups are added."""
    return np.random.default_rng([int(random_state), zlib.crc32(str(name).encode("utf-8"))])


def _doc_sums(sub: pd.DataFrame, cols: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """Per document: sums of each measure over its passages (NaN counted as missing) and counts."""
    values = sub[cols].to_numpy(float)
    ok = np.isfinite(values)
    codes, _ = pd.factorize(sub["doc_id"], sort=True)
    n_docs = int(codes.max()) + 1 if len(codes) else 0
    sums = np.zeros((n_docs, len(cols)))
    counts = np.zeros((n_docs, len(cols)))
    np.add.at(sums, codes, np.where(ok, values, 0.0))
    np.add.at(counts, codes, ok.astype(float))
    return sums, counts


def cluster_bootstrap(
    sub: pd.DataFrame, cols: Sequence[str], *, n_boot: int = 1000, random_state: int = 0, name: str = ""
) -> tuple[np.ndarray, np.ndarray]:
    """Passage means of ``cols`` and their bootstrap replicates, resampling whole documents.

    The passages of one document are not independent, so documents (not passages) are
    drawn with replacement; each replicate is the passage-weighted mean over the drawn
    documents.

    Returns
    -------
    (means, replicates)
        Arrays of shape (k,) and (n_boot, k).
    """
    cols = list(cols)
    sums, counts = _doc_sums(sub, cols)
    with np.errstate(invalid="ignore", divide="ignore"):
        means = sums.sum(axis=0) / counts.sum(axis=0)
        m = len(sums)
        if m == 0:
            return means, np.full((n_boot, len(cols)), np.nan)
        weights = seeded_rng(random_state, name).multinomial(m, np.full(m, 1.0 / m), size=n_boot).astype(float)
        boot = (weights @ sums) / (weights @ counts)
    return means, boot


def percentile_interval(boot: np.ndarray, ci: float) -> tuple[np.ndarray, np.ndarray]:
    """Lower and upper percentile bounds of bootstrap replicates ``boot`` (n_boot, k) at level ``ci``, per column.

    Missing replicates are left out; a column without any is NaN.
    """
    a = (1.0 - ci) / 2.0
    with np.errstate(invalid="ignore"):
        return np.nanquantile(boot, a, axis=0), np.nanquantile(boot, 1.0 - a, axis=0)


def _evidence(sub: pd.DataFrame, col: str) -> str:
    """Passages behind a mean: those where the measure is not zero (coded frame, FAVOR or AGAINST)."""
    on = sub.loc[sub[col].fillna(0.0) != 0.0, "passage_id"]
    return " ".join(on.astype(str))


def _group_rows(
    sub: pd.DataFrame, key: dict[str, Any], cols: list[str], n_boot: int, ci: float, random_state: int
) -> tuple[list[dict[str, Any]], np.ndarray]:
    name = "|".join(f"{k}={v}" for k, v in key.items())
    means, boot = cluster_bootstrap(sub, cols, n_boot=n_boot, random_state=random_state, name=name)
    lo, hi = percentile_interval(boot, ci)
    n_docs = sub["doc_id"].nunique()
    rows = [
        {
            **key,
            "measure": col,
            "value": float(means[j]),
            "value_lo": float(lo[j]),
            "value_hi": float(hi[j]),
            "n_docs": n_docs,
            "n_passages": int(sub[col].notna().sum()),
            "passages": _evidence(sub, col),
        }
        for j, col in enumerate(cols)
    ]
    return rows, boot


def group_means(
    table: pd.DataFrame,
    by: Sequence[str],
    *,
    measures: Sequence[str] | None = None,
    n_boot: int = 1000,
    ci: float = 0.95,
    random_state: int = 0,
) -> pd.DataFrame:
    """Frame shares and stance balances per group, with 95% cluster-bootstrap intervals.

    Parameters
    ----------
    table : DataFrame
        From :func:`passage_measures`.
    by : sequence of str
        Grouping columns (``side``, ``kind``, ``administration``, ``period``...).
    measures : sequence of str, optional
        Measure columns (default :func:`measure_columns`).
    n_boot, ci, random_state
        Bootstrap resamples of documents, interval level, seed.

    Returns
    -------
    DataFrame
        One row per group x measure: the ``by`` columns, measure, value, value_lo,
        value_hi, n_docs, n_passages and passages (the ids of the passages where the
        measure is not zero).
    """
    cols = list(measures) if measures is not None else measure_columns(table)
    by = list(by)
    rows: list[dict[str, Any]] = []
    for values, sub in table.groupby(by, sort=True, dropna=False):
        key = dict(zip(by, values if isinstance(values, tuple) else (values,), strict=True))
        rows += _group_rows(sub, key, cols, n_boot, ci, random_state)[0]
    columns = [*by, "measure", "value", "value_lo", "value_hi", "n_docs", "n_passages", "passages"]
    return pd.DataFrame(rows, columns=columns)


# --------------------------------------------------------------------------- time series
#: Period settings of the time series.
FREQUENCIES = {"M": "month", "Q": "quarter", "Y": "year"}
#: Fewest documents in a bin for a solid point; sparser bins are drawn hollow.
MIN_DOCS = 3


def with_periods(table: pd.DataFrame, freq: str = "Q") -> pd.DataFrame:
    """Add ``period`` (``2024Q1``), ``period_start``, ``period_end`` and ``period_mid`` from ``published``."""
    if freq not in FREQUENCIES:
        raise ValueError(f"freq must be one of {', '.join(FREQUENCIES)} (month, quarter, year), not {freq!r}")
    periods = pd.to_datetime(table["published"]).dt.to_period(freq)
    start = periods.dt.start_time
    end = periods.dt.end_time.dt.normalize()
    return table.assign(
        period=periods.astype(str), period_start=start, period_end=end, period_mid=start + (end - start) / 2
    )


def time_series(
    table: pd.DataFrame,
    *,
    freq: str = "Q",
    by: Sequence[str] = ("side",),
    min_docs: int = MIN_DOCS,
    measures: Sequence[str] | None = None,
    n_boot: int = 1000,
    ci: float = 0.95,
    random_state: int = 0,
) -> pd.DataFrame:
    """Frame shares and stance balances per period (and side), with cluster-bootstrap intervals.

    Parameters
    ----------
    table : DataFrame
        From :func:`passage_measures`.
    freq : {"M", "Q", "Y"}
        Bin length: month, quarter or year.
    by : sequence of str
        Further grouping (default: one series per side).
    min_docs : int
        Bins with fewer documents are flagged ``sparse`` (drawn hollow).

    Returns
    -------
    DataFrame
        :func:`group_means` rows per ``by`` x period x measure, with period_start,
        period_end, period_mid and ``sparse``; periods in time order.
    """
    binned = with_periods(table, freq)
    by = [c for c in by if c in binned.columns]
    out = group_means(binned, [*by, "period"], measures=measures, n_boot=n_boot, ci=ci, random_state=random_state)
    dates = binned.drop_duplicates("period").set_index("period")[["period_start", "period_end", "period_mid"]]
    out = out.join(dates, on="period")
    out["sparse"] = out["n_docs"] < min_docs
    out.attrs.update(freq=freq, min_docs=min_docs)
    return out.sort_values([*by, "period_start", "measure"], kind="stable").reset_index(drop=True)


def _difference(
    a: pd.DataFrame,
    b: pd.DataFrame,
    key: dict[str, Any],
    cols: list[str],
    tags: tuple[str, str],
    boot: tuple[int, float, int],
) -> list[dict[str, Any]]:
    """Rows with the values of ``a`` and ``b`` (suffixed by ``tags``) and ``a - b``, each with its interval.

    ``a`` and ``b`` hold different documents, so their replicates are independent.
    """
    n_boot, ci, seed = boot
    rows_a, boot_a = _group_rows(a, {**key, "part": tags[0]}, cols, n_boot, ci, seed)
    rows_b, boot_b = _group_rows(b, {**key, "part": tags[1]}, cols, n_boot, ci, seed)
    lo, hi = percentile_interval(boot_a - boot_b, ci)
    out = []
    for j, col in enumerate(cols):
        ra, rb = rows_a[j], rows_b[j]
        row: dict[str, Any] = {**key, "measure": col}
        for tag, r in zip(tags, (ra, rb), strict=True):
            row.update({f"value_{tag}": r["value"], f"value_{tag}_lo": r["value_lo"], f"value_{tag}_hi": r["value_hi"]})
            row.update({f"n_docs_{tag}": r["n_docs"], f"n_passages_{tag}": r["n_passages"]})
            row[f"passages_{tag}"] = r["passages"]
        row.update(difference=ra["value"] - rb["value"], difference_lo=float(lo[j]), difference_hi=float(hi[j]))
        out.append(row)
    return out


def before_after(
    table: pd.DataFrame,
    event_date: Any,
    *,
    window_days: int = 365,
    by: Sequence[str] = ("side",),
    measures: Sequence[str] | None = None,
    n_boot: int = 1000,
    ci: float = 0.95,
    random_state: int = 0,
) -> pd.DataFrame:
    """Frame shares and stance balance in a window before and after an event, and their difference.

    Documents published in the ``window_days`` before the event date form the *before*
    window; those from the event date up to ``window_days`` after it, the *after* window.
    Intervals are cluster bootstraps over documents; the difference (after minus before)
    has the interval of the difference of independent replicates.

    Parameters
    ----------
    table : DataFrame
        From :func:`passage_measures`.
    event_date : date
    window_days : int
        Length of each window.
    by : sequence of str
        Compare within each group (default: per side).

    Returns
    -------
    DataFrame
        One row per group x measure: the ``by`` columns, measure, ``value_after``,
        ``value_before`` (each with ``_lo``/``_hi``, ``n_docs_*``, ``n_passages_*`` and
        ``passages_*``), difference, difference_lo, difference_hi. Groups with no document
        in one of the windows are left out.
    """
    day = pd.Timestamp(event_date)
    published = pd.to_datetime(table["published"])
    span = pd.Timedelta(days=window_days)
    before = table[(published >= day - span) & (published < day)]
    after = table[(published >= day) & (published <= day + span)]
    cols = list(measures) if measures is not None else measure_columns(table)
    by = [c for c in by if c in table.columns]
    groups = sorted(
        set(map(tuple, before[by].astype(str).to_numpy())) & set(map(tuple, after[by].astype(str).to_numpy()))
    )
    rows: list[dict[str, Any]] = []
    for values in groups:
        key = {"event_date": day, **dict(zip(by, values, strict=True))}
        mask_a = (after[by].astype(str) == list(values)).all(axis=1)
        mask_b = (before[by].astype(str) == list(values)).all(axis=1)
        rows += _difference(after[mask_a], before[mask_b], key, cols, ("after", "before"), (n_boot, ci, random_state))
    return pd.DataFrame(rows)


def compare_sides(
    table: pd.DataFrame,
    *,
    sides: Sequence[str] | None = None,
    freq: str | None = "Y",
    measures: Sequence[str] | None = None,
    n_boot: int = 1000,
    ci: float = 0.95,
    random_state: int = 0,
) -> pd.DataFrame:
    """Two sides in the same periods: each side's values with intervals and their difference.

    Parameters
    ----------
    table : DataFrame
        From :func:`passage_measures` (needs ``side``).
    sides : pair of str, optional
        The two sides, first minus second (default: the two sides in sorted order).
    freq : {"M", "Q", "Y"} or None
        The periods compared; only periods in which both sides have documents. None pools
        the whole table into one period, ``all`` (restrict ``table`` to the span both sides
        cover first, to compare them over the same time).

    Returns
    -------
    DataFrame
        One row per period x measure: period, period_start, measure, ``value_<side>`` (with
        ``_lo``, ``_hi``, ``n_docs_<side>``, ``n_passages_<side>``, ``passages_<side>``) for
        both sides, difference (first minus second), difference_lo, difference_hi.
    """
    if "side" not in table.columns:
        raise ValueError("compare_sides needs a 'side' column (a corpus whose documents carry a side)")
    found = sorted(table["side"].dropna().astype(str).unique())
    sides = list(sides) if sides is not None else found[:2]
    if len(sides) != 2:
        raise ValueError(f"compare_sides needs two sides; the table has {found}")
    if freq is None:
        binned = table.assign(period="all", period_start=pd.to_datetime(table["published"]).min())
    else:
        binned = with_periods(table, freq)
    cols = list(measures) if measures is not None else measure_columns(table)
    rows: list[dict[str, Any]] = []
    for period, sub in binned.groupby("period", sort=True):
        a, b = (sub[sub["side"].astype(str) == s] for s in sides)
        if len(a) and len(b):
            key = {"period": period, "period_start": sub["period_start"].iloc[0]}
            rows += _difference(a, b, key, cols, (sides[0], sides[1]), (n_boot, ci, random_state))
    out = pd.DataFrame(rows)
    out.attrs["sides"] = sides
    return out


# --------------------------------------------------------------------------- events
EVENT_COLUMNS = ("date", "label", "source")


def read_events(path: str | Path) -> pd.DataFrame:
    """The dated events table: one row per event with its date, a short label and its source.

    Raises
    ------
    StanceInputError
        Naming the file, line and field of a missing column, an empty field or a bad date.
    """
    from stance.errors import StanceInputError

    path = Path(path)
    table = pd.read_csv(path, dtype=str, keep_default_na=False)
    missing = [c for c in EVENT_COLUMNS if c not in table.columns]
    if missing:
        raise StanceInputError(
            f"the events table lacks the column(s) {', '.join(missing)}", file=path, line=1, field=missing[0]
        )
    for i, row in enumerate(table.itertuples(index=False), start=2):
        for col in EVENT_COLUMNS:
            if not str(getattr(row, col)).strip():
                raise StanceInputError(
                    f"empty {col}: every event needs a date, a label and a source", file=path, line=i, field=col
                )
        if pd.isna(pd.to_datetime(row.date, format="%Y-%m-%d", errors="coerce")):
            raise StanceInputError(f"{row.date!r} is not a date (YYYY-MM-DD)", file=path, line=i, field="date")
    out = table[list(EVENT_COLUMNS)].copy()
    out["date"] = pd.to_datetime(out["date"], format="%Y-%m-%d")
    return out.sort_values("date", kind="stable").reset_index(drop=True)
