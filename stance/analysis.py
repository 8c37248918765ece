"""Score a corpus with the default models and aggregate frames and stance.

Every function returns a tidy DataFrame:

:func:`score_passages`
    One row per passage x task x label: frame probabilities, stance per target and the
    labels after thresholds. Scores are cached on disk, keyed by the model's hash and the
    passage's text hash, so a re-run scores only new or edited passages and never loads a
    model whose scores are all cached.
:func:`gold_scores`
    Gold labels in the same long format (``prob`` is 0 or 1), to show beside predictions.
:func:`frame_shares`, :func:`stance_balance`
    Aggregates per document, outlet, country (or any manifest column) or time period,
    with bootstrap CIs over passages.
:func:`evidence`, :func:`passages_behind`, :func:`passage_table`, :func:`narrative_arc`
    The passages (and their key sentences) behind every aggregate, so that any number in a
    figure can be traced back to text.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from stance._progress import progress
from stance.codebook import Codebook
from stance.config import settings
from stance.corpus import scored_passages, text_hash
from stance.io import atomic_path
from stance.labels import LabelStore
from stance.models import MissingModelError, ModelHandle, default_folder, resolve, task_slug
from stance.paths import ProjectPaths
from stance.timeseries import percentile_interval, seeded_rng

if TYPE_CHECKING:  # pragma: no cover
    from stance.corpus import Corpus

__all__ = [
    "SCORE_COLUMNS",
    "MissingModelError",
    "default_model_dir",
    "evidence",
    "frame_shares",
    "gold_scores",
    "narrative_arc",
    "passage_table",
    "passages_behind",
    "score_passages",
    "score_texts",
    "scored_tasks",
    "stance_balance",
]

#: Columns of :func:`score_passages` and :func:`gold_scores`, in order.
SCORE_COLUMNS = ["passage_id", "doc_id", "task", "label", "prob", "pred", "source", "model"]
_CACHE_VERSION = "1"
_BATCH = 64


# --------------------------------------------------------------------------- models
#: The store's reader of a task's promoted folder (:func:`stance.models.default_folder`), under its older name.
default_model_dir = default_folder


def scored_tasks(codebook: Codebook) -> list[str]:
    """Codebook tasks scored per passage: ``frames`` and every ``stance:<target>``."""
    return [t for t in codebook.tasks if t == "frames" or t.startswith("stance:")]


# --------------------------------------------------------------------------- scoring
def _decisions(model: Any, prob: np.ndarray) -> np.ndarray:
    """The model's decisions (:meth:`TextClassifier.decide`) as a boolean (n, k) matrix in ``classes_`` order."""
    decided = np.asarray(model.decide(prob))
    if decided.ndim == 2:
        return decided.astype(bool)
    classes = [str(c) for c in model.classes_]
    pred = np.zeros(prob.shape, dtype=bool)
    if len(decided):
        pred[np.arange(len(decided)), [classes.index(str(c)) for c in decided]] = True
    return pred


def _predict(model: Any, texts: list[str], desc: str) -> tuple[list[str], np.ndarray, np.ndarray]:
    """Probabilities and decisions for ``texts``: (classes, prob (n, k), pred (n, k) bool)."""
    classes = [str(c) for c in model.classes_]
    chunks = [texts[i : i + _BATCH] for i in range(0, len(texts), _BATCH)]
    parts = [np.asarray(model.predict_proba(chunk), dtype=float) for chunk in progress(chunks, desc=desc)]
    prob = np.vstack(parts) if parts else np.zeros((0, len(classes)))
    return classes, prob, _decisions(model, prob)


def _cache_file(cache_dir: Path, task: str, digest: str) -> Path:
    return cache_dir / "scores" / f"{task_slug(task)}-{digest[:16]}.parquet"


def _read_cache(path: Path) -> pd.DataFrame:
    if not path.is_file():
        return pd.DataFrame(columns=["text_hash", "label", "prob", "pred"])
    try:
        return pd.read_parquet(path)
    except (OSError, ValueError):  # a damaged cache file is rebuilt
        return pd.DataFrame(columns=["text_hash", "label", "prob", "pred"])


def _write_cache(path: Path, frame: pd.DataFrame) -> None:
    with atomic_path(path) as tmp:
        frame.to_parquet(tmp, index=False)


def score_texts(
    texts: Mapping[str, str],
    ref: ModelHandle,
    multilabel: bool,
    cache: bool = True,
    cache_dir: str | Path | None = None,
) -> pd.DataFrame:
    """Score texts with one model, reusing cached scores.

    Parameters
    ----------
    texts : mapping
        Text hash to text (see :func:`stance.corpus.text_hash`).
    ref : ModelHandle
        The model (see :func:`stance.models.resolve`); loaded only if some text is not cached.
    multilabel : bool
        Whether the task is multi-label (part of the cache key); the decisions are the
        model's own (:meth:`stance.classifiers.TextClassifier.decide`).
    cache : bool
        Read and write the score cache.
    cache_dir : path, optional
        Default ``settings().cache_dir``; scores go to ``<cache_dir>/scores/``.

    Returns
    -------
    DataFrame
        Columns text_hash, label, prob, pred; one row per text x label.
    """
    if cache_dir is None:
        cache_dir = settings().cache_dir
    use_cache = cache and ref.hash is not None
    key = f"{_CACHE_VERSION}:{ref.hash}:{int(multilabel)}"
    from stance.encoders_onnx import ENCODER_BACKENDS, recorded_runtime

    if ref.backend in ENCODER_BACKENDS:  # scores of models that embed are cached per encoder runtime
        key += f":{recorded_runtime([ref.backend])}"
    digest = hashlib.sha256(key.encode()).hexdigest()
    path = _cache_file(Path(cache_dir), ref.task, digest)
    cached = _read_cache(path) if use_cache else _read_cache(Path("/nonexistent"))
    have = set(cached["text_hash"])
    missing = sorted(h for h in texts if h not in have)
    if missing:
        model = ref.load()
        classes, prob, pred = _predict(model, [texts[h] for h in missing], desc=f"scoring {ref.task}")
        new = pd.DataFrame(
            {
                "text_hash": np.repeat(missing, len(classes)),
                "label": np.tile(classes, len(missing)),
                "prob": prob.reshape(-1),
                "pred": pred.reshape(-1),
            }
        )
        cached = new if cached.empty else pd.concat([cached, new], ignore_index=True)
        if use_cache:
            _write_cache(path, cached.sort_values(["text_hash", "label"], kind="stable").reset_index(drop=True))
    out = cached[cached["text_hash"].isin(set(texts))].copy()
    out["prob"] = out["prob"].astype(float)
    out["pred"] = out["pred"].astype(bool)
    return out.reset_index(drop=True)


def _load_codebook(codebook: Codebook | None) -> Codebook:
    return codebook if codebook is not None else Codebook.load()


def _passages(corpus: Corpus | pd.DataFrame) -> pd.DataFrame:
    """Analysable (and, where flagged, on-topic) passages of a corpus or a passages table, with text hashes."""
    passages = scored_passages(corpus if isinstance(corpus, pd.DataFrame) else corpus.passages)
    if "text_hash" not in passages.columns:
        passages["text_hash"] = passages["text"].map(text_hash)
    return passages


def score_passages(
    corpus: Corpus | pd.DataFrame,
    models: Mapping[str, Any] | None = None,
    *,
    codebook: Codebook | None = None,
    tasks: Sequence[str] | None = None,
    cache: bool = True,
    models_dir: str | Path | None = None,
    cache_dir: str | Path | None = None,
) -> pd.DataFrame:
    """Score every analysable passage: frame probabilities and stance per target.

    Parameters
    ----------
    corpus : Corpus or DataFrame
        A corpus (its analysable passages are scored) or a passages table with columns
        passage_id, doc_id, text (and optionally text_hash, analysable).
    models : mapping, optional
        Task to classifier or model folder. Tasks not given use their default model under
        ``models/``; a task without one raises :class:`MissingModelError`.
    codebook : Codebook, optional
        Default: the project codebook (label order, which tasks are multi-label).
    tasks : sequence of str, optional
        Tasks to score (default: ``frames`` and every ``stance:<target>``).
    cache : bool
        Reuse and store scores under ``<cache_dir>/scores/``, keyed by model hash and
        text hash. With every score cached no model is loaded.
    models_dir, cache_dir : path, optional
        Override ``<project>/models`` and ``settings().cache_dir``.

    Returns
    -------
    DataFrame
        Columns :data:`SCORE_COLUMNS`: passage_id, doc_id, task, label, prob (float),
        pred (bool: above the label's threshold for frames, the argmax for stance),
        source (``"model"``) and model (``<version>@<hash>``). Rows follow passage order,
        then codebook label order. ``attrs["models"]`` maps task to
        ``{"version", "hash"}``.
    """
    codebook = _load_codebook(codebook)
    tasks = list(tasks) if tasks is not None else scored_tasks(codebook)
    refs = resolve(tasks, models, models_dir)
    passages = _passages(corpus)
    texts = dict(zip(passages["text_hash"], passages["text"], strict=False))
    base = passages[["passage_id", "doc_id", "text_hash"]].assign(_order=np.arange(len(passages)))
    frames: list[pd.DataFrame] = []
    for task in tasks:
        ref = refs[task]
        scores = score_texts(texts, ref, codebook.is_multilabel(task), cache=cache, cache_dir=cache_dir)
        order = {lbl: i for i, lbl in enumerate(codebook.task_labels(task))}
        merged = base.merge(scores, on="text_hash", how="inner")
        merged["_label_order"] = merged["label"].map(lambda x, o=order: o.get(x, len(o)))
        merged = merged.sort_values(["_order", "_label_order", "label"], kind="stable")
        merged["task"] = task
        merged["source"] = "model"
        merged["model"] = ref.short
        frames.append(merged[SCORE_COLUMNS])
    out = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=SCORE_COLUMNS)
    out.attrs["models"] = {
        t: {"version": r.version, "hash": r.hash or "", "backend": r.backend} for t, r in refs.items()
    }
    from stance.encoders_onnx import recorded_runtime

    out.attrs["encoder_runtime"] = recorded_runtime(r.backend for r in refs.values())
    return out


# --------------------------------------------------------------------------- gold
def gold_scores(
    corpus: Corpus | pd.DataFrame,
    codebook: Codebook | None = None,
    store: str | Path | None = None,
    gold: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Gold labels in the long format of :func:`score_passages` (``source == "gold"``).

    Parameters
    ----------
    corpus : Corpus or DataFrame
        Only gold labels of its analysable passages are kept.
    codebook : Codebook, optional
        Default: the project codebook.
    store : path, optional
        Label store (default ``<project>/seeds/labels.jsonl``).
    gold : DataFrame, optional
        Resolved gold labels (``LabelStore.resolved("gold")``: passage_id,
        ``frame:<name>`` booleans, ``stance:<target>`` strings); read from ``store`` if None.

    Returns
    -------
    DataFrame
        Columns :data:`SCORE_COLUMNS`; ``prob`` is 1.0 where ``pred`` is True, else 0.0.
        Empty when there are no gold labels.
    """
    codebook = _load_codebook(codebook)
    if gold is None:
        gold = _read_gold(store)
    empty = pd.DataFrame(columns=SCORE_COLUMNS)
    if gold is None or gold.empty:
        return empty
    passages = _passages(corpus)
    keep = gold[gold["passage_id"].isin(set(passages["passage_id"]))].copy()
    keep = keep.drop(columns=["doc_id"], errors="ignore").merge(
        passages[["passage_id", "doc_id"]].assign(_order=np.arange(len(passages))), on="passage_id"
    )
    keep = keep.sort_values("_order", kind="stable")
    rows: list[pd.DataFrame] = []
    for task in scored_tasks(codebook):
        labels = codebook.task_labels(task)
        if task == "frames":
            cols = [f"frame:{f}" for f in labels]
            if not set(cols) & set(keep.columns):
                if "frames" not in keep.columns:
                    continue
                for f in labels:
                    keep[f"frame:{f}"] = keep["frames"].map(
                        lambda v, f=f: f in v if isinstance(v, list | tuple | np.ndarray) else None
                    )
            sub = keep[["passage_id", "doc_id", *[c for c in cols if c in keep.columns]]]
            long = sub.melt(id_vars=["passage_id", "doc_id"], var_name="label", value_name="pred")
            long["label"] = long["label"].str.removeprefix("frame:")
        else:
            col = f"stance:{task.split(':', 1)[1]}"
            if col not in keep.columns:
                continue
            sub = keep[["passage_id", "doc_id", col]]
            sub = sub[sub[col].notna() & sub[col].astype(str).isin(labels)]
            long = pd.DataFrame(
                {
                    "passage_id": np.repeat(sub["passage_id"].to_numpy(), len(labels)),
                    "doc_id": np.repeat(sub["doc_id"].to_numpy(), len(labels)),
                    "label": np.tile(labels, len(sub)),
                    "pred": (np.repeat(sub[col].astype(str).to_numpy(), len(labels)) == np.tile(labels, len(sub))),
                }
            )
        long = long[long["pred"].notna()].copy()
        long["pred"] = long["pred"].astype(bool)
        order = {lbl: i for i, lbl in enumerate(labels)}
        pos = {p: i for i, p in enumerate(keep["passage_id"])}
        long = long.assign(_p=long["passage_id"].map(pos), _l=long["label"].map(order))
        long = long.sort_values(["_p", "_l"], kind="stable")
        long["task"] = task
        long["prob"] = long["pred"].astype(float)
        long["source"] = "gold"
        long["model"] = "gold"
        rows.append(long[SCORE_COLUMNS])
    return pd.concat(rows, ignore_index=True) if rows else empty


def _read_gold(store: str | Path | None) -> pd.DataFrame | None:
    """Resolved gold labels from the label store, or None when there are none."""
    store = Path(store) if store is not None else ProjectPaths.discover().labels
    if not store.is_file():
        return None
    return LabelStore(store).resolved("gold")


# --------------------------------------------------------------------------- grouping
def _documents(corpus: Corpus | pd.DataFrame | None) -> pd.DataFrame:
    docs = getattr(corpus, "documents", None)
    if docs is None:
        raise ValueError("aggregation needs a Corpus (its documents table gives dates, outlets and countries)")
    return docs


def _doc_label(row: Any) -> str:
    date = f"{row.published:%Y-%m-%d}" if pd.notna(row.published) else "undated"
    outlet = str(row.outlet).strip() if isinstance(row.outlet, str) and row.outlet.strip() else row.doc_id
    return f"{date} {outlet}"


def _freq(freq: str) -> str:
    return {"Y": "Y", "A": "Y", "YEAR": "Y", "Q": "Q", "M": "M", "W": "W", "D": "D"}.get(freq.upper(), freq)


def _groups(corpus: Corpus, by: str, freq: str = "Y") -> pd.DataFrame:
    """Map doc_id to (group, group_label, date) for a grouping.

    ``by`` is ``"document"``, ``"period"`` (publication date binned by ``freq``) or a
    column of the documents table (``outlet``, ``country``, ``kind``, a ``side`` column...).
    """
    docs = _documents(corpus).copy()
    if by == "document":
        out = pd.DataFrame(
            {
                "doc_id": docs["doc_id"],
                "group": docs["doc_id"],
                "group_label": [_doc_label(r) for r in docs.itertuples(index=False)],
                "date": docs["published"],
            }
        )
    elif by == "period":
        periods = docs["published"].dt.to_period(_freq(freq))
        out = pd.DataFrame(
            {
                "doc_id": docs["doc_id"],
                "group": periods.astype(str),
                "group_label": periods.astype(str),
                "date": periods.dt.start_time,
            }
        )
    elif by in docs.columns:
        values = docs[by].fillna("unknown").astype(str).replace("", "unknown")
        first = docs.assign(_g=values).groupby("_g")["published"].min()
        out = pd.DataFrame(
            {"doc_id": docs["doc_id"], "group": values, "group_label": values, "date": values.map(first)}
        )
    else:
        raise ValueError(
            f"cannot group by {by!r}: use 'document', 'period' or a documents column ({', '.join(docs.columns)})"
        )
    out["date"] = pd.to_datetime(out["date"])
    return out


def _boot_means(values: np.ndarray, rng: np.random.Generator, n_boot: int) -> np.ndarray:
    """Bootstrap means of the columns of ``values`` (n, k) over rows: (n_boot, k)."""
    n = len(values)
    weights = rng.multinomial(n, np.full(n, 1.0 / n), size=n_boot).astype(float)
    return weights @ values / n


def _with_groups(scores: pd.DataFrame, corpus: Corpus, by: str, freq: str) -> pd.DataFrame:
    groups = _groups(corpus, by, freq)
    out = scores.merge(groups, on="doc_id", how="inner")
    if "source" not in out.columns:
        out["source"] = "model"
    return out


def _group_keys(df: pd.DataFrame) -> list[tuple[str, str]]:
    """(source, group) pairs: model first, groups in date order."""
    first = df.groupby(["source", "group"])["date"].min().reset_index()
    first["_s"] = (first["source"] != "model").astype(int)
    first = first.sort_values(["_s", "source", "date", "group"], kind="stable", na_position="last")
    return list(zip(first["source"], first["group"], strict=True))


def _wide(df: pd.DataFrame, keys: list[str], labels: list[str]) -> tuple[np.ndarray, np.ndarray, dict]:
    """One pivot of every row: passage x label arrays of ``prob`` and ``pred``, and each block's rows.

    Rows are ordered by ``keys`` and passage id, columns follow ``labels``; block ``key``'s
    rows are ``positions[key]``. A block's rows with the columns that have a value in the
    block are what a pivot of that block's rows alone gives.
    """
    index = [*keys, "passage_id"]
    prob = df.pivot_table(index=index, columns="label", values="prob", aggfunc="first", sort=True)
    pred = df.pivot_table(index=index, columns="label", values="pred", aggfunc="first", sort=True)
    pred = pred.reindex(index=prob.index, columns=labels).astype(float)
    positions = prob.index.to_frame(index=False).groupby(keys, sort=False).indices
    positions = {k if isinstance(k, tuple) else (k,): v for k, v in positions.items()}
    return prob.reindex(columns=labels).to_numpy(float), pred.to_numpy(), positions


def _first_rows(df: pd.DataFrame, keys: list[str]) -> dict[tuple, tuple[Any, Any]]:
    """(group_label, date) of the first row of each block of ``keys``."""
    first = df.drop_duplicates(keys)
    return {
        tuple(k): (label, date)
        for *k, label, date in zip(*(first[c] for c in keys), first["group_label"], first["date"], strict=True)
    }


def _column_mean(values: np.ndarray, column: int | None) -> float:
    """Mean of a column over its values (NaN when the column is missing or empty), as pandas takes it."""
    if column is None:
        return np.nan
    return pd.Series(values[:, column]).mean()


def frame_shares(
    scores: pd.DataFrame,
    corpus: Corpus,
    *,
    by: str = "document",
    freq: str = "Y",
    task: str = "frames",
    n_boot: int = 1000,
    ci: float = 0.95,
    random_state: int = 0,
) -> pd.DataFrame:
    """Frame share per group: mean probability and share of passages, with bootstrap CIs.

    Parameters
    ----------
    scores : DataFrame
        From :func:`score_passages`, :func:`gold_scores` or both concatenated (the
        ``source`` column keeps them apart).
    corpus : Corpus
        Gives each document's date, outlet, country and other manifest columns.
    by : str
        ``"document"``, ``"period"``, or a documents column such as ``"outlet"``,
        ``"country"`` or ``"kind"``.
    freq : str
        Period length for ``by="period"``: ``"Y"``, ``"Q"``, ``"M"``.
    task : str
        The multi-label task to aggregate.
    n_boot : int
        Bootstrap resamples of the group's passages.
    ci : float
        Confidence level of the percentile intervals.
    random_state : int
        Seed; each group's resamples are seeded by its name, and model and gold rows of a
        group share them.

    Returns
    -------
    DataFrame
        One row per source x group x frame: source, group, group_label, date, frame,
        n_passages, share, share_lo, share_hi (share of passages whose label is on),
        mean_prob, mean_prob_lo, mean_prob_hi. Groups in date order, frames in score order.
    """
    df = _with_groups(scores[scores["task"] == task], corpus, by, freq)
    columns = [
        "source",
        "group",
        "group_label",
        "date",
        "frame",
        "n_passages",
        "share",
        "share_lo",
        "share_hi",
        "mean_prob",
        "mean_prob_lo",
        "mean_prob_hi",
    ]
    if df.empty:
        return pd.DataFrame(columns=columns)
    labels = list(dict.fromkeys(df["label"]))
    keys = ["source", "group"]
    prob_all, pred_all, positions = _wide(df, keys, labels)
    firsts = _first_rows(df, keys)
    rows: list[dict[str, Any]] = []
    for source, group in _group_keys(df):
        pos = positions[(source, group)]
        keep = ~np.isnan(prob_all[pos]).all(axis=0)
        cols = [lbl for lbl, kept in zip(labels, keep, strict=True) if kept]
        p = prob_all[pos][:, keep]
        b = pred_all[pos][:, keep]
        n = len(p)
        boot = _boot_means(np.hstack([p, b]), seeded_rng(random_state, group), n_boot)
        lo, hi = percentile_interval(boot, ci)
        k = len(cols)
        group_label, date = firsts[(source, group)]
        for j, lbl in enumerate(cols):
            ok = np.isfinite(p[:, j])
            rows.append(
                {
                    "source": source,
                    "group": group,
                    "group_label": group_label,
                    "date": date,
                    "frame": lbl,
                    "n_passages": int(ok.sum()),
                    "share": float(np.nanmean(b[:, j])) if n else np.nan,
                    "share_lo": float(lo[k + j]),
                    "share_hi": float(hi[k + j]),
                    "mean_prob": float(np.nanmean(p[:, j])) if n else np.nan,
                    "mean_prob_lo": float(lo[j]),
                    "mean_prob_hi": float(hi[j]),
                }
            )
    return pd.DataFrame(rows, columns=columns)


def stance_balance(
    scores: pd.DataFrame,
    corpus: Corpus,
    *,
    by: str = "document",
    freq: str = "Y",
    targets: Sequence[str] | None = None,
    n_boot: int = 1000,
    ci: float = 0.95,
    random_state: int = 0,
) -> pd.DataFrame:
    """Stance balance per target and group: share FAVOR minus share AGAINST, with CIs.

    Parameters
    ----------
    scores : DataFrame
        From :func:`score_passages` and/or :func:`gold_scores` (stance tasks are
        ``stance:<target>`` with labels FAVOR, AGAINST, NONE).
    corpus : Corpus
        Document metadata for grouping.
    by, freq, n_boot, ci, random_state
        As in :func:`frame_shares`.
    targets : sequence of str, optional
        Targets to include (default: every stance task in ``scores``).

    Returns
    -------
    DataFrame
        One row per source x group x target: source, group, group_label, date, target,
        n_passages, favor, favor_lo, favor_hi, against, against_lo, against_hi, none,
        balance, balance_lo, balance_hi (from the predicted labels) and prob_balance
        (mean P(FAVOR) minus mean P(AGAINST)).
    """
    stance = scores[scores["task"].astype(str).str.startswith("stance:")]
    df = _with_groups(stance, corpus, by, freq)
    df["target"] = df["task"].str.removeprefix("stance:")
    columns = [
        "source",
        "group",
        "group_label",
        "date",
        "target",
        "n_passages",
        "favor",
        "favor_lo",
        "favor_hi",
        "against",
        "against_lo",
        "against_hi",
        "none",
        "balance",
        "balance_lo",
        "balance_hi",
        "prob_balance",
    ]
    if df.empty:
        return pd.DataFrame(columns=columns)
    targets = list(targets) if targets is not None else list(dict.fromkeys(df["target"]))
    keys = ["source", "group", "target"]
    classes = list(dict.fromkeys(df["label"]))
    prob_all, _, positions = _wide(df, keys, classes)
    chosen = df[df["pred"]].drop_duplicates([*keys, "passage_id"]).sort_values([*keys, "passage_id"], kind="stable")
    chosen_labels = chosen["label"].to_numpy(object)
    chosen_at = {k: v for k, v in chosen.groupby(keys, sort=False).indices.items()}
    firsts = _first_rows(df, keys)
    fav_col = classes.index("FAVOR") if "FAVOR" in classes else None
    ag_col = classes.index("AGAINST") if "AGAINST" in classes else None
    rows: list[dict[str, Any]] = []
    for source, group in _group_keys(df):
        rng_seed = seeded_rng(random_state, group).integers(0, 2**32 - 1)
        for t in targets:
            if (source, group, t) not in firsts:
                continue
            pred = chosen_labels[chosen_at.get((source, group, t), np.empty(0, dtype=int))]
            prob = prob_all[positions[(source, group, t)]]
            fav = (pred == "FAVOR").astype(float)
            ag = (pred == "AGAINST").astype(float)
            n = len(pred)
            rng = seeded_rng(rng_seed, t)
            boot = _boot_means(np.column_stack([fav, ag, fav - ag]), rng, n_boot)
            lo, hi = percentile_interval(boot, ci)
            group_label, date = firsts[(source, group, t)]
            pf = _column_mean(prob, fav_col)
            pa = _column_mean(prob, ag_col)
            rows.append(
                {
                    "source": source,
                    "group": group,
                    "group_label": group_label,
                    "date": date,
                    "target": t,
                    "n_passages": n,
                    "favor": float(fav.mean()),
                    "favor_lo": float(lo[0]),
                    "favor_hi": float(hi[0]),
                    "against": float(ag.mean()),
                    "against_lo": float(lo[1]),
                    "against_hi": float(hi[1]),
                    "none": float(1.0 - fav.mean() - ag.mean()),
                    "balance": float(fav.mean() - ag.mean()),
                    "balance_lo": float(lo[2]),
                    "balance_hi": float(hi[2]),
                    "prob_balance": float(pf - pa),
                }
            )
    return pd.DataFrame(rows, columns=columns)


# --------------------------------------------------------------------------- evidence
def _passage_meta(corpus: Corpus | pd.DataFrame) -> pd.DataFrame:
    passages = corpus.passages if hasattr(corpus, "passages") else corpus
    cols = [c for c in ("passage_id", "doc_id", "para_index", "text", "text_hash") if c in passages.columns]
    return passages[cols]


def passages_behind(
    scores: pd.DataFrame,
    corpus: Corpus,
    group: str,
    label: str,
    *,
    task: str = "frames",
    by: str = "document",
    freq: str = "Y",
    source: str = "model",
) -> pd.DataFrame:
    """The passages behind one aggregate (one heatmap cell, one point, one bar).

    The share in :func:`frame_shares` is the mean of ``pred`` over these rows and the mean
    probability the mean of ``prob``.

    Parameters
    ----------
    scores : DataFrame
        As passed to the aggregate.
    corpus : Corpus
        The scored corpus.
    group : str
        A ``group`` value of the aggregate (a doc_id, a year, an outlet...).
    label : str
        Frame name, or stance class for a stance ``task``.
    task, by, freq, source
        As in the aggregate.

    Returns
    -------
    DataFrame
        passage_id, doc_id, para_index, prob, pred, text; highest probability first.
    """
    df = _with_groups(scores[(scores["task"] == task) & (scores["label"] == label)], corpus, by, freq)
    df = df[(df["group"].astype(str) == str(group)) & (df["source"] == source)]
    out = df[["passage_id", "prob", "pred"]].merge(_passage_meta(corpus), on="passage_id", how="left")
    out = out.sort_values(["prob", "doc_id", "para_index"], ascending=[False, True, True], kind="stable")
    return out[["passage_id", "doc_id", "para_index", "prob", "pred", "text"]].reset_index(drop=True)


def evidence(
    scores: pd.DataFrame,
    corpus: Corpus,
    *,
    task: str = "frames",
    top_k: int = 3,
    min_prob: float = 0.0,
    key_sentences: bool = False,
    models: Mapping[str, Any] | None = None,
    models_dir: str | Path | None = None,
    cache_dir: str | Path | None = None,
    codebook: Codebook | None = None,
) -> pd.DataFrame:
    """Top passages per document and label, with their scores and (optionally) key sentence.

    Parameters
    ----------
    scores : DataFrame
        From :func:`score_passages` (model rows are used).
    corpus : Corpus
        The scored corpus (passage text and sentences).
    task : str
        Task whose labels are ranked (``"frames"`` or a stance task).
    top_k : int
        Passages per document x label.
    min_prob : float
        Leave out passages below this probability.
    key_sentences : bool
        Also score each evidence passage's sentences with the same model and report the
        sentence with the highest probability for the label (cached like passages).
    models, models_dir, cache_dir, codebook
        Used for the key sentences, as in :func:`score_passages`.

    Returns
    -------
    DataFrame
        doc_id, label, rank, passage_id, para_index, prob, pred, text and, with
        ``key_sentences``, key_sentence and key_sentence_prob.
    """
    model_rows = scores[(scores["task"] == task)]
    if "source" in model_rows.columns:
        model_rows = model_rows[model_rows["source"] == "model"]
    df = model_rows.merge(_passage_meta(corpus), on=["passage_id", "doc_id"], how="left")
    df = df[df["prob"] >= min_prob]
    df = df.sort_values(["doc_id", "label", "prob", "para_index"], ascending=[True, True, False, True], kind="stable")
    df["rank"] = df.groupby(["doc_id", "label"]).cumcount() + 1
    df = df[df["rank"] <= top_k]
    label_order = {lbl: i for i, lbl in enumerate(dict.fromkeys(model_rows["label"]))}
    doc_order = {d: i for i, d in enumerate(dict.fromkeys(model_rows["doc_id"]))}
    df = df.assign(_d=df["doc_id"].map(doc_order), _l=df["label"].map(label_order))
    df = df.sort_values(["_d", "_l", "rank"], kind="stable")
    out = df[["doc_id", "label", "rank", "passage_id", "para_index", "prob", "pred", "text"]].reset_index(drop=True)
    if key_sentences and len(out):
        out = _add_key_sentences(out, corpus, task, models, models_dir, cache_dir, codebook)
    return out


def _add_key_sentences(
    ev: pd.DataFrame,
    corpus: Corpus,
    task: str,
    models: Mapping[str, Any] | None,
    models_dir: str | Path | None,
    cache_dir: str | Path | None,
    codebook: Codebook | None,
) -> pd.DataFrame:
    codebook = _load_codebook(codebook)
    sentences = corpus.sentences[corpus.sentences["passage_id"].isin(set(ev["passage_id"]))]
    sentences = sentences.assign(text_hash=sentences["text"].map(text_hash))
    multi = sentences.groupby("passage_id")["sent_index"].transform("size") > 1
    to_score = sentences[multi]
    scored = pd.DataFrame(columns=["text_hash", "label", "prob", "pred"])
    if len(to_score):
        ref = resolve([task], models, models_dir)[task]
        texts = dict(zip(to_score["text_hash"], to_score["text"], strict=False))
        scored = score_texts(texts, ref, codebook.is_multilabel(task), cache_dir=cache_dir)
    # the passage's only sentence, or the passage text when it has no sentence row
    single = sentences.drop_duplicates("passage_id").set_index("passage_id")["text"]
    key_text = ev["passage_id"].map(single).fillna(ev["text"]).to_numpy(object).copy()
    key_prob = ev["prob"].to_numpy(float).copy()
    # several sentences: the one with the highest probability for the row's label
    rows = ev[["passage_id", "label"]].assign(_row=np.arange(len(ev)))
    cand = rows.merge(to_score[["passage_id", "sent_index", "text", "text_hash"]], on="passage_id", how="inner")
    cand = cand.merge(scored[["text_hash", "label", "prob"]], on=["text_hash", "label"], how="left")
    cand = cand.sort_values(["_row", "prob", "sent_index"], ascending=[True, False, True], kind="stable")
    best = cand.drop_duplicates("_row")
    at = best["_row"].to_numpy(int)
    key_text[at] = best["text"].astype(str).to_numpy(object)
    key_prob[at] = best["prob"].to_numpy(float)
    return ev.assign(key_sentence=key_text, key_sentence_prob=key_prob)


def passage_table(
    scores: pd.DataFrame,
    corpus: Corpus,
    codebook: Codebook | None = None,
) -> pd.DataFrame:
    """One row per analysable passage with every score and, where present, its gold labels.

    Parameters
    ----------
    scores : DataFrame
        Model scores (:func:`score_passages`), optionally with gold rows
        (:func:`gold_scores`) appended.
    corpus : Corpus
        The scored corpus.
    codebook : Codebook, optional
        Label order (default: the project codebook).

    Returns
    -------
    DataFrame
        doc_id, published, para_index, passage_id, frames (predicted, ``;``-joined),
        ``p:<frame>`` probabilities, ``stance:<target>`` predicted classes and
        ``p:<target>:<class>`` probabilities, then ``gold:frames`` and
        ``gold:stance:<target>`` when gold rows are given, and the passage text.
    """
    codebook = _load_codebook(codebook)
    src = scores["source"] if "source" in scores.columns else pd.Series("model", index=scores.index)
    model = scores[src == "model"]
    gold = scores[src == "gold"]
    meta = _passage_meta(corpus).merge(_documents(corpus)[["doc_id", "published"]], on="doc_id", how="left")
    base = meta[meta["passage_id"].isin(set(model["passage_id"]) | set(gold["passage_id"]))].copy()
    cols: dict[str, pd.Series] = {}
    frames = model[model["task"] == "frames"]
    if len(frames):
        wide = frames.pivot_table(index="passage_id", columns="label", values="prob", aggfunc="first")
        on = frames[frames["pred"]]
        cols["frames"] = on.groupby("passage_id")["label"].agg(lambda s: ";".join(s))
        for f in codebook.frame_names:
            if f in wide.columns:
                cols[f"p:{f}"] = wide[f]
    for task in [t for t in scored_tasks(codebook) if t != "frames"]:
        sub = model[model["task"] == task]
        if not len(sub):
            continue
        target = task.split(":", 1)[1]
        cols[f"stance:{target}"] = sub[sub["pred"]].drop_duplicates("passage_id").set_index("passage_id")["label"]
        wide = sub.pivot_table(index="passage_id", columns="label", values="prob", aggfunc="first")
        for c in codebook.task_labels(task):
            if c in wide.columns:
                cols[f"p:{target}:{c}"] = wide[c]
    if len(gold):
        gf = gold[gold["task"] == "frames"]
        if len(gf):
            cols["gold:frames"] = gf.groupby("passage_id").apply(
                lambda g: ";".join(g.loc[g["pred"], "label"]), include_groups=False
            )
        for task in [t for t in scored_tasks(codebook) if t != "frames"]:
            sub = gold[(gold["task"] == task) & gold["pred"]]
            if len(sub):
                cols[f"gold:{task}"] = sub.drop_duplicates("passage_id").set_index("passage_id")["label"]
    out = base.set_index("passage_id")
    for name, series in cols.items():
        out[name] = series.reindex(out.index)
    if "frames" in out.columns:
        out["frames"] = out["frames"].fillna("")
    if "gold:frames" in out.columns:
        out["gold:frames"] = out["gold:frames"].fillna("")
    out = out.reset_index()
    order = ["doc_id", "published", "para_index", "passage_id", *cols.keys(), "text"]
    out = out.sort_values(["published", "doc_id", "para_index"], kind="stable")
    return out[[c for c in order if c in out.columns]].reset_index(drop=True)


def narrative_arc(scores: pd.DataFrame, corpus: Corpus, task: str = "frames") -> pd.DataFrame:
    """Every passage of every document in reading order, with its dominant frame.

    Parameters
    ----------
    scores : DataFrame
        From :func:`score_passages` (model rows are used).
    corpus : Corpus
        The scored corpus; non-analysable passages are kept (marked, with their reason).
    task : str
        The multi-label task.

    Returns
    -------
    DataFrame
        doc_id, group_label, date, position (1-based within the document), para_index,
        passage_id, analysable, reason, n_words, dominant (predicted frame with the highest
        probability; ``""`` when none), dominant_prob, second (next predicted frame or
        ``""``), second_prob, frames (all predicted, ``;``-joined), top_prob (highest frame
        probability, predicted or not).
    """
    sub = scores[scores["task"] == task]
    if "source" in sub.columns:
        sub = sub[sub["source"] == "model"]
    docs = _groups(corpus, "document")
    passages = corpus.passages.merge(docs[["doc_id", "group_label", "date"]], on="doc_id", how="left")
    passages = passages.sort_values(["date", "doc_id", "para_index"], kind="stable").reset_index(drop=True)
    passages["position"] = passages.groupby("doc_id").cumcount() + 1
    order = {lbl: i for i, lbl in enumerate(dict.fromkeys(sub["label"]))}
    ranked = sub.assign(_l=sub["label"].map(order)).sort_values(
        ["passage_id", "prob", "_l"], ascending=[True, False, True], kind="stable"
    )
    on = ranked[ranked["pred"]]
    first = on.groupby("passage_id").nth(0).set_index("passage_id")
    second = on.groupby("passage_id").nth(1).set_index("passage_id")
    frames = on.sort_values(["passage_id", "_l"], kind="stable").groupby("passage_id")["label"].agg(";".join)
    top = ranked.groupby("passage_id")["prob"].max()
    pid = passages["passage_id"]
    out = passages[
        ["doc_id", "group_label", "date", "position", "para_index", "passage_id", "analysable", "reason", "n_words"]
    ].copy()

    def text(values: pd.Series) -> np.ndarray:
        mapped = pid.map(values).astype(object)
        return mapped.where(mapped.notna(), "").to_numpy()

    out["dominant"] = text(first["label"])
    out["dominant_prob"] = pid.map(first["prob"]).to_numpy(dtype=float)
    out["second"] = text(second["label"])
    out["second_prob"] = pid.map(second["prob"]).to_numpy(dtype=float)
    out["frames"] = text(frames)
    out["top_prob"] = pid.map(top).to_numpy(dtype=float)
    scored_ids = set(sub["passage_id"])
    out["analysable"] = out["analysable"].astype(bool) & out["passage_id"].isin(scored_ids)
    return out
