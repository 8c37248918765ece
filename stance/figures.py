"""The figures registry: one entry per figure, written as PNG, SVG and the CSV of its numbers.

Each entry is a function that computes its data and draws it (with
:mod:`stance.plotting`), returning ``(Figure, DataFrame)``; table entries return only a
DataFrame. Only :func:`write_figure` writes files, deterministically: PNG without the
``Software`` tag, SVG with a fixed hash salt and no date, CSV with fixed float format, so
a re-run gives byte-identical files. Files are named after the entry:
``figures/<name>.png``, ``.svg``, ``.csv``.

Other modules add entries with the same decorator::

    from stance.figures import register_figure

    @register_figure("actor-roles-by-document", description="...")
    def actor_roles(corpus=None, codebook=None):
        ...
        return fig, data

The registry calls every entry with ``corpus=`` and ``codebook=``; an entry that names a
``context`` parameter also receives the shared :class:`FigureContext` (scores, gold labels,
evaluation tables, caption), computed once per run.

:func:`generate` builds all (or some) entries; ``stance figures`` is its command.
"""

from __future__ import annotations

import hashlib
import importlib
import inspect
import io
import json
import os
import re
import sys
import tempfile
import textwrap
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from stance import analysis, plotting

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.figure import Figure

    from stance.codebook import Codebook
    from stance.corpus import Corpus

__all__ = [
    "DPI",
    "FIGURES",
    "PLUGINS",
    "FigureContext",
    "FigureResult",
    "FigureSpec",
    "MissingInputError",
    "available",
    "generate",
    "register_figure",
    "write_figure",
    "write_table",
]

#: Resolution of the PNG files.
DPI = 150
#: Modules that register more figures when imported (loaded by :func:`available`).
PLUGINS: tuple[str, ...] = ("stance.narrative.figures",)
#: Default number of bootstrap resamples for CIs in figures.
N_BOOT = 1000
#: Fewest distinct dates for drawing a trend line.
MIN_TREND_DATES = 4


class MissingInputError(FileNotFoundError):
    """A figure's input does not exist; the message names the command that produces it."""


@dataclass(frozen=True)
class FigureSpec:
    """One registry entry.

    Attributes
    ----------
    name : str
        File stem, named by content (``frame-document-heatmap``).
    func : callable
        Returns ``(Figure, DataFrame)`` (``kind="figure"``) or a DataFrame (``kind="table"``).
    description : str
        One-line reading guide (shown by ``stance figures --list`` and in figures/README.md).
    kind : {"figure", "table"}
        Figures write PNG, SVG and CSV; tables write only CSV.
    """

    name: str
    func: Callable[..., Any]
    description: str = ""
    kind: str = "figure"


#: name -> FigureSpec, in registration order.
FIGURES: dict[str, FigureSpec] = {}


def register_figure(name: str, *, description: str = "", kind: str = "figure") -> Callable[[Callable], Callable]:
    """Decorator that adds a figure (or table) function to :data:`FIGURES`.

    Parameters
    ----------
    name : str
        Content name, used for the files (lower case, hyphens).
    description : str
        One-line reading guide; defaults to the first line of the function's docstring.
    kind : {"figure", "table"}
        What the function returns: ``(Figure, DataFrame)`` or a DataFrame.
    """
    if kind not in ("figure", "table"):
        raise ValueError(f"kind must be 'figure' or 'table', not {kind!r}")

    def decorator(func: Callable) -> Callable:
        doc = (inspect.getdoc(func) or "").strip().splitlines()
        FIGURES[name] = FigureSpec(name, func, description or (doc[0] if doc else ""), kind)
        return func

    return decorator


_PLUGIN_ERRORS: dict[str, str] = {}


def available() -> dict[str, FigureSpec]:
    """All registered entries, after importing the plugin modules in :data:`PLUGINS`."""
    for module in PLUGINS:
        if module in sys.modules or module in _PLUGIN_ERRORS:
            continue
        try:
            importlib.import_module(module)
        except ImportError as exc:  # an optional part that is not installed
            _PLUGIN_ERRORS[module] = str(exc)
    return dict(FIGURES)


# --------------------------------------------------------------------------- context
def _fmt_date(ts: Any) -> str:
    return f"{pd.Timestamp(ts):%Y-%m-%d}" if pd.notna(ts) else "undated"


class FigureContext:
    """Inputs shared by the figures of one run, each computed on first use.

    Parameters
    ----------
    corpus : Corpus, optional
        Default: ``<project>/seeds``.
    codebook : Codebook, optional
        Default: the project codebook.
    models : mapping, optional
        Task to classifier or model folder (default: the promoted models under ``models/``).
    models_dir : path, optional
        Default ``<project>/models``.
    labels : path, optional
        Gold label store (default ``<project>/seeds/labels.jsonl``).
    cache_dir : path, optional
        Score cache (default ``settings().cache_dir``).
    n_boot : int
        Bootstrap resamples for CIs.
    random_state : int
        Seed of the bootstrap.
    """

    def __init__(
        self,
        corpus: Corpus | None = None,
        codebook: Codebook | None = None,
        *,
        models: dict[str, Any] | None = None,
        models_dir: str | Path | None = None,
        labels: str | Path | None = None,
        cache_dir: str | Path | None = None,
        n_boot: int = N_BOOT,
        random_state: int = 0,
    ) -> None:
        from stance.config import project_root

        self.root = project_root()
        self._corpus = corpus
        self._codebook = codebook
        self.models = dict(models or {})
        self.models_dir = Path(models_dir) if models_dir is not None else self.root / "models"
        self.labels_path = Path(labels) if labels is not None else self.root / "seeds" / "labels.jsonl"
        self.cache_dir = cache_dir
        self.n_boot = n_boot
        self.random_state = random_state

    # -- inputs
    @cached_property
    def corpus(self) -> Corpus:
        """The corpus drawn (default: the seed corpus)."""
        if self._corpus is not None:
            return self._corpus
        from stance.corpus import load_corpus

        return load_corpus(self.root / "seeds")

    @cached_property
    def codebook(self) -> Codebook:
        """The codebook (label order, display names, version)."""
        if self._codebook is not None:
            return self._codebook
        from stance.codebook import Codebook

        return Codebook.load()

    @cached_property
    def tasks(self) -> list[str]:
        """Tasks scored per passage."""
        return analysis.scored_tasks(self.codebook)

    @cached_property
    def scores(self) -> pd.DataFrame:
        """Model scores of every analysable passage (cached on disk)."""
        try:
            return analysis.score_passages(
                self.corpus,
                self.models,
                codebook=self.codebook,
                tasks=self.tasks,
                models_dir=self.models_dir,
                cache_dir=self.cache_dir,
            )
        except analysis.MissingModelError as exc:
            raise MissingInputError(str(exc)) from exc

    @cached_property
    def gold(self) -> pd.DataFrame:
        """Gold labels of the scored passages in score format (empty when there are none)."""
        return analysis.gold_scores(self.corpus, self.codebook, store=self.labels_path)

    @cached_property
    def scores_and_gold(self) -> pd.DataFrame:
        """Model scores with the gold rows appended (``source`` tells them apart)."""
        if self.gold.empty:
            return self.scores
        return pd.concat([self.scores, self.gold], ignore_index=True)

    def evaluation(self, name: str) -> pd.DataFrame:
        """A table written by the evaluation (``models/evaluation/<name>``).

        Raises
        ------
        MissingInputError
            If the file does not exist; the message names ``stance evaluate``.
        """
        path = self.models_dir / "evaluation" / name
        if not path.is_file():
            raise MissingInputError(
                f"{path} does not exist; write the evaluation tables with `stance evaluate` (then re-run the figures)"
            )
        return pd.read_csv(path)

    # -- display
    def frame_title(self, name: str) -> str:
        """Display name of a frame."""
        try:
            return self.codebook.label(name, "frames").title
        except KeyError:
            return name.replace("_", " ").capitalize()

    @cached_property
    def frame_titles(self) -> dict[str, str]:
        """Frame name to display name."""
        return {f: self.frame_title(f) for f in self.codebook.frame_names}

    def target_title(self, name: str) -> str:
        """Display name of a stance target (``us_government`` -> ``U.S. government``)."""
        try:
            shown = str(self.codebook.target(name).get("display") or "")
        except KeyError:
            shown = ""
        if shown:
            return shown
        abbrev = {"us": "U.S.", "uk": "U.K.", "eu": "EU", "un": "UN", "prc": "PRC"}
        words = [abbrev.get(w, w) for w in name.split("_")]
        text = " ".join(words)
        return text[:1].upper() + text[1:]

    def task_title(self, task: str) -> str:
        """Display name of a task: ``Frames``, ``Stance: U.S. government``, ``Roles``."""
        if task.startswith("stance:"):
            return f"Stance: {self.target_title(task.split(':', 1)[1])}"
        return task.replace("_", " ").capitalize()

    @cached_property
    def frame_colors(self) -> dict[str, str]:
        """Frame colours shared by every figure."""
        return plotting.frame_colors(self.codebook)

    def data_line(self) -> str:
        """Caption part naming the data: folder, documents, date range, passages."""
        docs = self.corpus.documents
        n_pass = int(self.corpus.passages["analysable"].sum())
        source = getattr(self.corpus, "source", None)
        where = f"{Path(source).name}/" if source is not None else "corpus"
        span = f"{_fmt_date(docs['published'].min())} to {_fmt_date(docs['published'].max())}"
        return f"Data: {where} ({len(docs)} documents, {span}; {n_pass} analysable passages)."

    def codebook_line(self) -> str:
        """Caption part naming the codebook version and hash."""
        cb = self.codebook
        return f"Codebook {getattr(cb, 'name', '')} v{cb.version} ({cb.hash[:8]})."

    def models_line(self, tasks: Sequence[str] | None = None) -> str:
        """Caption part naming the model version and hash of each task."""
        info = self.scores.attrs.get("models", {})
        parts = []
        for task in tasks or self.tasks:
            m = info.get(task)
            if m:
                name = f"{m['backend']} " if m.get("backend") else ""
                at = f"@{m['hash'][:8]}" if m.get("hash") else ""
                parts.append(f"{task} {name}{m['version']}{at}")
        return f"Models: {', '.join(parts)}." if parts else ""

    def caption(self, what: str = "", models: Sequence[str] | None = (), extra: str = "") -> str:
        """Full caption: what is drawn, then data source, codebook and (if any) model versions.

        Parameters
        ----------
        what : str
            How to read the marks (first paragraph).
        models : sequence of str or None
            Tasks whose model versions to name; None for all scored tasks, ``()`` for none.
        extra : str
            A further paragraph (e.g. about gold labels).
        """
        source = " ".join(
            s for s in (self.data_line(), self.codebook_line(), self.models_line(models) if models != () else "") if s
        )
        return "\n".join(s for s in (what, extra, source) if s)

    def gold_note(self) -> str:
        """Caption note on gold labels shown beside model values."""
        if self.gold.empty:
            return "No gold labels for these passages."
        n = self.gold["passage_id"].nunique()
        return (
            f"Hollow diamonds: adjudicated gold labels ({n} passages). Where a model was trained on these gold labels, "
            "its values on the same passages are in-sample fits, not independent estimates (cross-validated quality: "
            "model-comparison)."
        )


# --------------------------------------------------------------------------- writing
def _write_bytes(path: Path, data: bytes) -> bool:
    """Write ``data`` atomically; return False (and leave the file alone) if it is unchanged."""
    if path.is_file() and path.read_bytes() == data:
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return True


def _csv_bytes(data: pd.DataFrame) -> bytes:
    out = data.copy()
    for col in out.columns:
        if pd.api.types.is_datetime64_any_dtype(out[col]):
            out[col] = out[col].dt.strftime("%Y-%m-%d")
    return out.to_csv(index=False, lineterminator="\n", float_format="%.4f").encode("utf-8")


_SVG_CLIP_ID = re.compile(rb"\bp[0-9a-f]{10}\b")


def _stable_svg_ids(svg: bytes) -> bytes:
    """Number clip-path ids by first use.

    Matplotlib derives them from a hash of the clip rectangle's full-precision floats, which
    can differ in the last bits between runs although the drawing is the same.
    """
    ids: dict[bytes, bytes] = {}

    def sub(match: re.Match[bytes]) -> bytes:
        return ids.setdefault(match.group(0), b"clip%d" % len(ids))

    return _SVG_CLIP_ID.sub(sub, svg)


def _has_caption(fig: Figure) -> bool:
    return any(t.get_gid() == "stance-caption" for t in fig.texts)


def write_table(data: pd.DataFrame, name: str, out_dir: str | Path) -> dict[str, bool]:
    """Write ``<out_dir>/<name>.csv``; return ``{path: changed}``."""
    path = Path(out_dir) / f"{name}.csv"
    return {str(path): _write_bytes(path, _csv_bytes(data))}


def write_figure(
    fig: Figure,
    data: pd.DataFrame,
    name: str,
    out_dir: str | Path,
    caption: str | None = None,
) -> dict[str, bool]:
    """Write ``<name>.png``, ``<name>.svg`` and ``<name>.csv`` deterministically.

    Parameters
    ----------
    fig : Figure
        The figure; closed afterwards if pyplot manages it.
    data : DataFrame
        The numbers drawn.
    name : str
        File stem.
    out_dir : path
        Output folder.
    caption : str, optional
        Added under the figure when the figure has no caption yet.

    Returns
    -------
    dict
        Path to whether the file changed.
    """
    out_dir = Path(out_dir)
    if caption and not _has_caption(fig):
        plotting.add_caption(fig, caption)
    written: dict[str, bool] = {}
    with plotting.style():
        for fmt, meta in (
            ("png", {"Software": None}),
            ("svg", {"Date": None, "Creator": None, "Title": name}),
        ):
            buf = io.BytesIO()
            fig.savefig(buf, format=fmt, dpi=DPI, metadata=meta, bbox_inches="tight", pad_inches=0.15)
            content = buf.getvalue() if fmt == "png" else _stable_svg_ids(buf.getvalue())
            path = out_dir / f"{name}.{fmt}"
            written[str(path)] = _write_bytes(path, content)
    written.update(write_table(data, name, out_dir))
    if "matplotlib.pyplot" in sys.modules:
        import matplotlib.pyplot as plt

        if plt.fignum_exists(getattr(fig, "number", -1)):
            plt.close(fig)
    return written


# --------------------------------------------------------------------------- running
@dataclass
class FigureResult:
    """Outcome of one entry: ``status`` is written, unchanged, missing-input or failed."""

    name: str
    status: str
    seconds: float
    files: list[str] = field(default_factory=list)
    message: str = ""


def _call(spec: FigureSpec, context: FigureContext) -> Any:
    params = inspect.signature(spec.func).parameters
    kwargs: dict[str, Any] = {"corpus": context.corpus, "codebook": context.codebook}
    if "context" in params:
        kwargs["context"] = context
    return spec.func(**kwargs)


def generate(
    names: Sequence[str] | None = None,
    out_dir: str | Path | None = None,
    *,
    context: FigureContext | None = None,
    raise_errors: bool = False,
    on_result: Callable[[FigureResult, int, int], None] | None = None,
) -> list[FigureResult]:
    """Build registry entries and write their files.

    Parameters
    ----------
    names : sequence of str, optional
        Entries to build (default: all, in registration order).
    out_dir : path, optional
        Output folder (default ``<project>/figures``).
    context : FigureContext, optional
        Shared inputs (default: seed corpus, project codebook, default models).
    raise_errors : bool
        Re-raise the first error instead of recording it and going on.
    on_result : callable, optional
        Called as ``on_result(result, index, total)`` after each entry (progress output).

    Returns
    -------
    list of FigureResult
        One per entry. An entry whose input is missing has status ``missing-input`` and a
        message naming the command that produces the input.

    Raises
    ------
    KeyError
        For an unknown name (the message lists the known ones).
    """
    specs = available()
    chosen = list(names) if names else list(specs)
    unknown = [n for n in chosen if n not in specs]
    if unknown:
        raise KeyError(f"unknown figure(s) {', '.join(unknown)}; known: {', '.join(specs)}")
    context = context or FigureContext()
    out = Path(out_dir) if out_dir is not None else context.root / "figures"
    results: list[FigureResult] = []
    for i, name in enumerate(chosen, start=1):
        spec = specs[name]
        start = time.perf_counter()
        try:
            produced = _call(spec, context)
            if spec.kind == "table":
                written = write_table(produced, name, out)
            else:
                fig, data = produced
                written = write_figure(fig, data, name, out, caption=context.caption(models=()))
            status = "written" if any(written.values()) else "unchanged"
            result = FigureResult(name, status, time.perf_counter() - start, sorted(written))
        except MissingInputError as exc:
            if raise_errors:
                raise
            result = FigureResult(name, "missing-input", time.perf_counter() - start, message=str(exc))
        except Exception as exc:
            if raise_errors:
                raise
            result = FigureResult(name, "failed", time.perf_counter() - start, message=f"{type(exc).__name__}: {exc}")
        results.append(result)
        if on_result is not None:
            on_result(result, i, len(chosen))
    return results


def file_hashes(folder: str | Path, names: Sequence[str] | None = None) -> dict[str, str]:
    """sha256 of every figure file in ``folder`` (PNG, SVG, CSV), by file name."""
    folder = Path(folder)
    out: dict[str, str] = {}
    for path in sorted(folder.iterdir()):
        if path.suffix not in (".png", ".svg", ".csv"):
            continue
        if names is not None and path.stem not in names:
            continue
        out[path.name] = hashlib.sha256(path.read_bytes()).hexdigest()
    return out


# --------------------------------------------------------------------------- findings
def _join(items: Sequence[str]) -> str:
    items = list(items)
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def _years(dates: Sequence[Any]) -> str:
    years = list(dict.fromkeys(f"{pd.Timestamp(d):%Y}" for d in dates if pd.notna(d)))
    return _join(years)


def _date_names(dates: Sequence[Any]) -> dict[Any, str]:
    """Short names of dates: the year when it is unique among ``dates``, else month and year."""
    stamps = [pd.Timestamp(d) for d in dates if pd.notna(d)]
    years = pd.Series([d.year for d in stamps]).value_counts()
    out: dict[Any, str] = {}
    for d in stamps:
        out[d] = f"{d:%Y}" if years[d.year] == 1 else f"{d:%b %Y}"
    return out


def _lead_frames(shares: pd.DataFrame, ctx: FigureContext) -> str:
    """'Cooperation leads the 2017, 2022 and Dec 2024 texts; Blame leads the May 2025 text'."""
    model = shares[shares["source"] == "model"].sort_values(["date", "group"], kind="stable")
    if model.empty:
        return "Frame shares per document"
    order = {f: i for i, f in enumerate(ctx.codebook.frame_names)}
    names = _date_names(model.drop_duplicates("group")["date"].tolist())
    runs: list[tuple[str, list[str]]] = []
    for _, sub in model.groupby(["date", "group"], sort=False):
        sub = sub.assign(_o=sub["frame"].map(order)).sort_values(["share", "_o"], ascending=[False, True])
        top = sub.iloc[0]
        label = ctx.frame_title(top["frame"]) if top["share"] > 0 else "No frame"
        when = names.get(pd.Timestamp(top["date"]), "undated") if pd.notna(top["date"]) else "undated"
        if runs and runs[-1][0] == label:
            runs[-1][1].append(when)
        else:
            runs.append((label, [when]))
    if len(runs) == 1:
        return f"{runs[0][0]} is the most frequent frame in every document"
    parts = [f"{label} leads the {_join(dates)} text{'s' if len(dates) > 1 else ''}" for label, dates in runs]
    return "Most frequent frame: " + "; ".join(parts)


def _trends(data: pd.DataFrame, key: str, value: str) -> dict[str, float]:
    """Least-squares slope (points per year) of ``value`` over dates, per ``key``, model rows only."""
    model = data[data["source"] == "model"]
    out: dict[str, float] = {}
    for k, sub in model.groupby(key, sort=False):
        if sub["date"].nunique() < MIN_TREND_DATES:
            continue
        x = (pd.to_datetime(sub["date"]) - pd.Timestamp("1970-01-01")).dt.days.to_numpy(float) / 365.25
        y = sub[value].to_numpy(float)
        ok = np.isfinite(y)
        if ok.sum() >= 2 and np.ptp(x[ok]) > 0:
            out[str(k)] = float(np.polyfit(x[ok], y[ok], 1)[0] * 100)
    return out


# --------------------------------------------------------------------------- entries
def _doc_tick(label: str, n: int | None = None, width: int = 16) -> str:
    date, _, outlet = label.partition(" ")
    text = date + "\n" + "\n".join(textwrap.wrap(outlet, width=width, break_on_hyphens=False)[:3])
    return text + (f"\nn = {n}" if n is not None else "")


def _evidence_ids(ctx: FigureContext, k: int = 3) -> pd.DataFrame:
    ev = analysis.evidence(ctx.scores, ctx.corpus, task="frames", top_k=k)
    ev = ev[ev["pred"]]
    ids = ev.groupby(["doc_id", "label"])["passage_id"].agg(" ".join).rename("top_passages").reset_index()
    return ids.rename(columns={"doc_id": "group", "label": "frame"})


@register_figure(
    "frame-document-heatmap",
    description="Frame x document: share of each document's passages with the frame (95% CI below, gold beside); "
    "documents in date order.",
)
def frame_document_heatmap(
    corpus: Corpus | None = None, codebook: Codebook | None = None, context: FigureContext | None = None
) -> tuple[Figure, pd.DataFrame]:
    """Frame x document heatmap: share of passages with each frame, with CI and gold."""
    ctx = context or FigureContext(corpus, codebook)
    shares = analysis.frame_shares(
        ctx.scores_and_gold, ctx.corpus, by="document", n_boot=ctx.n_boot, random_state=ctx.random_state
    )
    model = shares[shares["source"] == "model"]
    n = model.groupby("group")["n_passages"].max()
    groups = plotting._group_order(model)
    labels = dict(zip(model["group"], model["group_label"], strict=False))
    frames = [f for f in ctx.codebook.frame_names if f in set(model["frame"])]
    fig, ax = plotting.new_figure((1.75 * len(groups) + 2.6, 0.78 * len(frames) + 2.2))
    plotting.plot_frame_heatmap(
        shares, ax=ax, frames=frames, groups=groups, colors=ctx.frame_colors, frame_titles=ctx.frame_titles
    )
    ax.set_xticks(range(len(groups)), [_doc_tick(labels[g], int(n[g])) for g in groups])
    plotting.set_title(fig, _lead_frames(shares, ctx))
    plotting.add_caption(
        fig,
        ctx.caption(
            "Cell: share of the document's analysable passages that the model codes with the frame (bold), 95% "
            "bootstrap CI over passages (below) and the gold share where passages carry gold labels; colour "
            "strength follows the model share. n = analysable passages.",
            models=["frames"],
            extra=ctx.gold_note(),
        ),
        width=130,
    )
    data = shares.merge(_evidence_ids(ctx), on=["group", "frame"], how="left")
    data.loc[data["source"] != "model", "top_passages"] = ""
    data["top_passages"] = data["top_passages"].fillna("")
    return fig, data


@register_figure(
    "frames-over-time",
    description="One panel per frame: share of passages per document on a true date axis, with 95% CIs, gold and "
    "a trend line when there are enough dates.",
)
def frames_over_time(
    corpus: Corpus | None = None, codebook: Codebook | None = None, context: FigureContext | None = None
) -> tuple[Figure, pd.DataFrame]:
    """Frames over time: a point per document with CI bars, trend line when >= 4 dates."""
    ctx = context or FigureContext(corpus, codebook)
    shares = analysis.frame_shares(
        ctx.scores_and_gold, ctx.corpus, by="document", n_boot=ctx.n_boot, random_state=ctx.random_state
    )
    frames = [f for f in ctx.codebook.frame_names if f in set(shares["frame"])]
    ncols = 4 if len(frames) > 4 else len(frames)
    nrows = -(-len(frames) // ncols)
    fig, axes = plotting.new_figure((3.3 * ncols, 2.7 * nrows + 1.0), nrows, ncols, grid=True, sharex=True, sharey=True)
    for k, ax in enumerate(axes.flat):
        if k >= len(frames):
            ax.set_visible(False)
            continue
        f = frames[k]
        plotting.plot_frame_trend(
            shares, f, ax=ax, color=ctx.frame_colors[f], min_dates=MIN_TREND_DATES, title=ctx.frame_title(f)
        )
        if k % ncols == 0:
            ax.set_ylabel("share of passages")
    n_dates = shares.loc[shares["source"] == "model", "date"].nunique()
    trends = _trends(shares, "frame", "share")
    if trends:
        up = max(trends, key=lambda f: trends[f])
        down = min(trends, key=lambda f: trends[f])
        span = f"{pd.Timestamp(shares['date'].min()):%Y}–{pd.Timestamp(shares['date'].max()):%Y}"
        parts = []
        if trends[up] > 0.5:
            parts.append(f"{ctx.frame_title(up)} rises most ({trends[up]:+.1f} percentage points a year)")
        if trends[down] < -0.5:
            parts.append(f"{ctx.frame_title(down)} falls most ({trends[down]:+.1f})")
        title = (
            (" and ".join(parts) + f" across the {span} documents")
            if parts
            else (f"No frame share moves by more than half a point a year across the {span} documents")
        )
        trend_note = (
            f"Dashed line: least-squares trend over the {n_dates} document dates (drawn only with at "
            f"least {MIN_TREND_DATES} distinct dates); with so few documents it describes, it does not "
            "test."
        )
    else:
        title = f"Frame shares per document ({n_dates} dates: too few for a trend line)"
        trend_note = f"No trend line: only {n_dates} distinct dates (at least {MIN_TREND_DATES} needed)."
    plotting.set_title(fig, title)
    plotting.add_caption(
        fig,
        ctx.caption(
            "Point: share of a document's analysable passages that the model codes with the frame, at the publication "
            "date (true time axis); bar: 95% bootstrap CI over passages. " + trend_note,
            models=["frames"],
            extra=ctx.gold_note(),
        ),
        width=165,
    )
    data = shares.copy()
    data["trend_pp_per_year"] = data["frame"].map(trends).where(data["source"] == "model")
    return fig, data


def _pooled_balance(ctx: FigureContext) -> dict[str, float]:
    scores = ctx.scores
    out: dict[str, float] = {}
    for t in ctx.codebook.stance_targets:
        sub = scores[(scores["task"] == f"stance:{t}") & scores["pred"]]
        if len(sub):
            out[t] = float((sub["label"] == "FAVOR").mean() - (sub["label"] == "AGAINST").mean())
    return out


def _stance_title(ctx: FigureContext) -> str:
    pooled = _pooled_balance(ctx)
    favour = [f"{ctx.target_title(t)} ({v * 100:+.0f})" for t, v in pooled.items() if v > 0.05]
    against = [f"{ctx.target_title(t)} ({v * 100:+.0f})" for t, v in pooled.items() if v < -0.05]
    parts = []
    if favour:
        parts.append("favour " + _join(favour))
    if against:
        parts.append("oppose " + _join(against))
    if not parts:
        return "Passages are balanced or neutral toward every stance target"
    return "Passages " + " and ".join(parts) + " (balance, points)"


@register_figure(
    "stance-by-document",
    description="Diverging bars per stance target: FAVOR share right, AGAINST share left, balance with 95% CI "
    "(black diamond) and gold balance (hollow); documents in date order, top to bottom.",
)
def stance_by_document(
    corpus: Corpus | None = None, codebook: Codebook | None = None, context: FigureContext | None = None
) -> tuple[Figure, pd.DataFrame]:
    """Stance per document: diverging FAVOR/AGAINST bars and balance per target."""
    ctx = context or FigureContext(corpus, codebook)
    bal = analysis.stance_balance(
        ctx.scores_and_gold, ctx.corpus, by="document", n_boot=ctx.n_boot, random_state=ctx.random_state
    )
    targets = [t for t in ctx.codebook.stance_targets if t in set(bal["target"])]
    model = bal[bal["source"] == "model"]
    groups = plotting._group_order(model)
    labels = dict(zip(model["group"], model["group_label"], strict=False))
    fig, axes = plotting.new_figure(
        (4.0 * len(targets) + 1.8, 0.62 * len(groups) + 2.4), 1, len(targets), grid=True, sharey=True
    )
    for k, t in enumerate(targets):
        ax = axes[0, k]
        plotting.plot_stance_bars(
            bal, t, ax=ax, groups=groups, title=f"Toward: {ctx.target_title(t)}", show_labels=k == 0
        )
        if k == 0:
            ax.set_yticks(range(len(groups)), [_doc_tick(labels[g], width=24).replace("\n", " ", 1) for g in groups])
    plotting.set_title(fig, _stance_title(ctx))
    plotting.add_caption(
        fig,
        ctx.caption(
            "Bars: share of the document's analysable passages the model codes FAVOR (right, blue) or AGAINST (left, "
            "red) toward the target; the rest are NONE. Black diamond: balance = FAVOR share − AGAINST share, with "
            "95% bootstrap CI over passages.",
            models=[f"stance:{t}" for t in targets],
            extra=ctx.gold_note(),
        ),
        width=150,
    )
    return fig, bal


@register_figure(
    "stance-over-time",
    description="Stance balance (FAVOR share − AGAINST share) per document on a true date axis, one panel per "
    "target, with 95% CIs, gold and a trend line when there are enough dates.",
)
def stance_over_time(
    corpus: Corpus | None = None, codebook: Codebook | None = None, context: FigureContext | None = None
) -> tuple[Figure, pd.DataFrame]:
    """Stance balance per target over time (true date axis)."""
    ctx = context or FigureContext(corpus, codebook)
    bal = analysis.stance_balance(
        ctx.scores_and_gold, ctx.corpus, by="document", n_boot=ctx.n_boot, random_state=ctx.random_state
    )
    targets = [t for t in ctx.codebook.stance_targets if t in set(bal["target"])]
    fig, axes = plotting.new_figure((4.2 * len(targets), 3.9), 1, len(targets), grid=True, sharey=True)
    for k, t in enumerate(targets):
        plotting.plot_stance_trend(
            bal, t, ax=axes[0, k], min_dates=MIN_TREND_DATES, title=f"Toward: {ctx.target_title(t)}"
        )
    n_dates = bal.loc[bal["source"] == "model", "date"].nunique()
    trends = _trends(bal, "target", "balance")
    if trends:
        moving = [
            f"toward {ctx.target_title(t)} it {'rises' if v > 0 else 'falls'} {abs(v):.1f} points a year"
            for t, v in trends.items()
            if abs(v) >= 1.0
        ]
        still = [ctx.target_title(t) for t, v in trends.items() if abs(v) < 1.0]
        parts = moving + ([f"toward {_join(still)} it barely moves"] if still else [])
        title = "Stance balance: " + "; ".join(parts)
        note = (
            f"Dashed line: least-squares trend over the {n_dates} document dates (drawn only with at least "
            f"{MIN_TREND_DATES} distinct dates); descriptive, not a test."
        )
    else:
        title = f"Stance balance per document ({n_dates} dates: too few for a trend line)"
        note = f"No trend line: only {n_dates} distinct dates (at least {MIN_TREND_DATES} needed)."
    plotting.set_title(fig, title)
    plotting.add_caption(
        fig,
        ctx.caption(
            "Point: balance = share of the document's passages coded FAVOR − share coded AGAINST toward the target, "
            "at the publication date (true time axis); bar: 95% bootstrap CI over passages. " + note,
            models=[f"stance:{t}" for t in targets],
            extra=ctx.gold_note(),
        ),
        width=150,
    )
    data = bal.copy()
    data["trend_pp_per_year"] = data["target"].map(trends).where(data["source"] == "model")
    return fig, data


@register_figure(
    "narrative-arc",
    description="Each document as a row of paragraphs in reading order, coloured by dominant frame (lower strip: "
    "second frame); shows how each text is built.",
)
def narrative_arc(
    corpus: Corpus | None = None, codebook: Codebook | None = None, context: FigureContext | None = None
) -> tuple[Figure, pd.DataFrame]:
    """Narrative arc: each document's paragraphs coloured by dominant frame."""
    ctx = context or FigureContext(corpus, codebook)
    arc = analysis.narrative_arc(ctx.scores, ctx.corpus)
    docs = plotting._group_order(arc.rename(columns={"doc_id": "group"}))
    width = int(arc["position"].max())
    fig, ax = plotting.new_figure((max(9.0, 0.36 * width + 3.4), 0.62 * len(docs) + 2.6))
    plotting.plot_narrative_arc(
        arc,
        ax=ax,
        frames=ctx.codebook.frame_names,
        colors=ctx.frame_colors,
        frame_titles=ctx.frame_titles,
        documents=docs,
    )
    labels = dict(zip(arc["doc_id"], arc["group_label"], strict=False))
    ax.set_yticks(range(len(docs)), [_doc_tick(labels[d], width=24).replace("\n", " ", 1) for d in docs])
    framed = arc[arc["analysable"] & (arc["dominant"] != "")]
    opening = framed.groupby("doc_id")["dominant"].first()
    closing = framed.groupby("doc_id")["dominant"].last()
    n = len(docs)
    title = "Dominant frame of each paragraph, in reading order"
    if len(opening):
        o = opening.value_counts().sort_index().sort_values(ascending=False, kind="stable")
        c = closing.value_counts().sort_index().sort_values(ascending=False, kind="stable")
        parts = []
        if o.iloc[0] >= 2:
            parts.append(f"{o.iloc[0]} of {n} documents open on {ctx.frame_title(o.index[0]).lower()}")
        if c.iloc[0] >= 2:
            parts.append(f"{c.iloc[0]} of {n} close on {ctx.frame_title(c.index[0]).lower()}")
        if parts:
            title = " and ".join(parts) + ": " + title[0].lower() + title[1:]
    else:
        title += " (the model codes no frame)"
    plotting.set_title(fig, title)
    plotting.add_caption(
        fig,
        ctx.caption(
            "Cell: one paragraph; colour: the frame the model codes with the highest probability (lower strip: the "
            "second coded frame); grey: no frame coded; hatched: not analysed (headline, dateline, caption or other "
            "boilerplate). Open on / close on: the first and last paragraph with a coded frame.",
            models=["frames"],
        ),
        width=140,
    )
    return fig, arc


# -- evaluation and reliability
def _eval_label_order(ctx: FigureContext, task: str) -> list[str]:
    try:
        return list(ctx.codebook.task_labels(task))
    except (KeyError, ValueError):
        return []


def _col(df: pd.DataFrame, *names: str) -> str | None:
    for n in names:
        if n in df.columns:
            return n
    return None


def _task_order(ctx: FigureContext, tasks: Sequence[str]) -> list[str]:
    present = set(tasks)
    return [t for t in ctx.codebook.tasks if t in present] + sorted(present - set(ctx.codebook.tasks))


def _metric_table(table: pd.DataFrame, metric: str, what: str) -> pd.DataFrame:
    """Rows of one metric from a long evaluation table, as backend / value / value_lo / value_hi."""
    need = {"model", "task", "metric", "value"}
    if not need <= set(table.columns):
        raise ValueError(f"{what} lacks the columns {sorted(need - set(table.columns))} (has {list(table.columns)})")
    sub = table[table["metric"] == metric].rename(columns={"model": "backend"})
    sub = sub.rename(columns={"ci_low": "value_lo", "ci_high": "value_hi"})
    return sub.reset_index(drop=True)


def _dot_handle(color: str, label: str) -> Any:
    """A legend handle: a dot of ``color`` labelled ``label``."""
    from matplotlib.lines import Line2D

    return Line2D([0], [0], marker="o", color=color, linestyle="none", markersize=6, label=label)


@register_figure(
    "model-comparison",
    description="F1 per label for every classifier backend with 95% CIs (leave-one-document-out cross-validation), "
    "one panel per task; the default model is marked in the legend.",
)
def model_comparison(
    corpus: Corpus | None = None, codebook: Codebook | None = None, context: FigureContext | None = None
) -> tuple[Figure, pd.DataFrame]:
    """Model comparison: F1 per label per backend with CIs, from the evaluation tables."""
    ctx = context or FigureContext(corpus, codebook)
    data = _metric_table(ctx.evaluation("per_label.csv"), "f1", "per_label.csv").rename(
        columns={"value": "f1", "value_lo": "f1_lo", "value_hi": "f1_hi"}
    )
    comparison = ctx.evaluation("comparison.csv")
    tasks = _task_order(ctx, data["task"].unique())
    backends = sorted(data["backend"].astype(str).unique())
    colors = plotting.backend_colors(backends)
    heights = [
        max(
            len([lbl for lbl in _eval_label_order(ctx, t) if lbl in set(data.loc[data["task"] == t, "label"])])
            or data.loc[data["task"] == t, "label"].nunique(),
            1,
        )
        for t in tasks
    ]
    fig, axes = plotting.new_figure(
        (9.0, 0.36 * sum(heights) * max(1.0, len(backends) / 4) + 0.7 * len(tasks) + 1.6),
        len(tasks),
        1,
        grid=True,
        sharex=True,
        gridspec_kw={"height_ratios": heights},
    )
    for k, task in enumerate(tasks):
        ax = axes[k, 0]
        sub = data[data["task"] == task]
        order = [lbl for lbl in _eval_label_order(ctx, task) if lbl in set(sub["label"])] or list(
            dict.fromkeys(sub["label"])
        )
        titles = ctx.frame_titles if task == "frames" else {}
        plotting.plot_metric_intervals(
            sub,
            ax=ax,
            labels=order,
            hues=backends,
            colors=colors,
            label_titles=titles,
            xlabel="F1 (out-of-fold)" if k == len(tasks) - 1 else "",
            legend=False,
        )
        ax.set_title(ctx.task_title(task), loc="left")
    defaults = {t: analysis.default_model_dir(t, ctx.models_dir) for t in tasks}
    chosen: dict[str, str] = {}
    for t, folder in defaults.items():
        if folder is not None and (folder / "config.json").is_file():
            cfg = json.loads((folder / "config.json").read_text(encoding="utf-8"))
            chosen[t] = str(cfg.get("backend") or "")
    handles = [_dot_handle(colors[b], b + (" (default)" if b in set(chosen.values()) else "")) for b in backends]
    axes[0, 0].legend(
        handles=handles,
        loc="lower left",
        bbox_to_anchor=(0.0, 1.08),
        ncol=min(len(backends), 4),
        frameon=False,
        borderaxespad=0.0,
    )
    best = []
    if {"task", "model", "score", "rank"} <= set(comparison.columns):
        top = comparison[comparison["rank"] == 1]
        for t in tasks:
            row = top[top["task"] == t]
            if len(row):
                r = row.iloc[0]
                best.append((t, str(r["model"]), float(r["score"]), str(r.get("metric", "score"))))
    if best:
        names = [b[1] for b in best]
        if names.count(names[0]) == len(names):
            title = f"{names[0]} scores best on every task"
        else:
            by_backend: dict[str, list[str]] = {}
            for t, m, _, _ in best:
                by_backend.setdefault(m, []).append(ctx.task_title(t).removeprefix("Stance: "))
            title = "Best backend: " + "; ".join(f"{m} for {_join(ts)}" for m, ts in by_backend.items())
        names_of = {"macro_f1": "macro-F1", "f_avg": "F_avg"}
        title += " (" + ", ".join(f"{names_of.get(m, m)} {v:.2f}" for _, _, v, m in best) + ")"
    else:
        title = "F1 per label and backend"
    plotting.set_title(fig, title, width=90)
    plotting.add_caption(
        fig,
        ctx.caption(
            "Dot: F1 of the label over out-of-fold predictions (grouped cross-validation, one document held out per "
            "fold); bar: 95% bootstrap CI over passages. A label without a dot never occurs in the gold labels or the "
            "predictions. Source: models/evaluation/per_label.csv and comparison.csv (`stance evaluate`).",
        ),
        width=125,
    )
    keep = [c for c in ("task", "backend", "label", "f1", "f1_lo", "f1_hi", "support") if c in data.columns]
    return fig, data[keep]


@register_figure(
    "learning-curve",
    description="Macro F1 against the number of training passages (range over repeated subsamples), one panel "
    "per task: does labelling more passages still help?",
)
def learning_curve(
    corpus: Corpus | None = None, codebook: Codebook | None = None, context: FigureContext | None = None
) -> tuple[Figure, pd.DataFrame]:
    """Learning curve: macro F1 by training-set size per backend, from the evaluation tables."""
    ctx = context or FigureContext(corpus, codebook)
    raw = _metric_table(ctx.evaluation("learning_curve.csv"), "macro_f1", "learning_curve.csv")
    if "n_train" not in raw.columns:
        raise ValueError(f"learning_curve.csv lacks n_train (has {list(raw.columns)})")
    keys = ["task", "backend"] + (["fraction"] if "fraction" in raw.columns else [])
    data = (
        raw.groupby(keys, sort=True)
        .agg(
            n_train=("n_train", "mean"),
            f1=("value", "mean"),
            f1_lo=("value", "min"),
            f1_hi=("value", "max"),
            n_repeats=("value", "size"),
        )
        .reset_index()
    )
    tasks = _task_order(ctx, data["task"].unique())
    backends = sorted(data["backend"].astype(str).unique())
    colors = plotting.backend_colors(backends)
    ncols = min(len(tasks), 4) or 1
    nrows = -(-len(tasks) // ncols)
    fig, axes = plotting.new_figure((3.4 * ncols + 0.6, 3.1 * nrows + 1.0), nrows, ncols, grid=True, sharey=True)
    for k, ax in enumerate(axes.flat):
        if k >= len(tasks):
            ax.set_visible(False)
            continue
        sub = data[data["task"] == tasks[k]]
        plotting.plot_learning_curve(
            sub, ax=ax, hues=backends, colors=colors, ylabel="macro F1" if k % ncols == 0 else "", legend=False
        )
        ax.set_title(ctx.task_title(tasks[k]), loc="left")
        names = ", ".join(sub["backend"].unique())
        ax.text(0.98, 0.04, names, transform=ax.transAxes, ha="right", va="bottom", fontsize=8.5, color="#333333")
    gains = []
    for t in tasks:
        sub = data[data["task"] == t].sort_values("n_train")
        for b, g in sub.groupby("backend"):
            if len(g) >= 2:
                gains.append((t, b, float(g["f1"].iloc[-1] - g["f1"].iloc[-2])))
    rising = [t for t, _, g in gains if g > 0.01]
    if gains:
        if len(rising) == len(gains):
            title = "Every curve still rises at full size: more labelled passages would help"
        elif not rising:
            title = "Curves flatten at full size: more labels of the same kind add little"
        else:
            title = f"Still rising at full size: {_join([ctx.task_title(t) for t in rising])}; flat elsewhere"
    else:
        title = "Learning curves: macro F1 by number of training passages"
    plotting.set_title(fig, title)
    plotting.add_caption(
        fig,
        ctx.caption(
            "Line: macro F1 over out-of-fold predictions when each training fold is subsampled to 25, 50, 75 and "
            "100% of its passages (x: mean training passages per fold); band: range over repeated subsamples. "
            "Backend named in each panel: the best in the comparison. Source: models/evaluation/learning_curve.csv "
            "(`stance evaluate`).",
        ),
        width=130,
    )
    return fig, data


def _reliability_table(ctx: FigureContext) -> pd.DataFrame:
    """Krippendorff's alpha per label from the label store (:func:`stance.labels.reliability_table`)."""
    path = ctx.labels_path
    if not path.is_file():
        raise MissingInputError(
            f"{path} does not exist; import two coders' annotations with `stance labels import` first"
        )
    from stance.labels import LabelStore, reliability_table

    table = reliability_table(LabelStore(path, codebook=ctx.codebook), codebook=ctx.codebook)
    if table.empty:
        raise MissingInputError(
            f"no passage in {path} is coded by two coders; import a second coder's annotations with "
            "`stance labels import` to measure reliability"
        )
    return table


def _reliability_display(ctx: FigureContext, task: str, label: str) -> str:
    if task == "frames":
        return ctx.frame_title(label)
    if task.startswith("stance:"):
        return ctx.task_title(task)
    if task == "roles":
        return "Roles (all)" if label == "roles" else f"Role: {label}"
    return f"{task}: {label}"


@register_figure(
    "coder-reliability",
    description="Krippendorff's alpha per label between two independent coders, with the 0.667 (tentative) and "
    "0.8 (reliable) reference lines.",
)
def coder_reliability(
    corpus: Corpus | None = None, codebook: Codebook | None = None, context: FigureContext | None = None
) -> tuple[Figure, pd.DataFrame]:
    """Reliability: Krippendorff's alpha per label between two coders, from the label store."""
    ctx = context or FigureContext(corpus, codebook)
    table = _reliability_table(ctx)
    coders = list(table.attrs.get("coders", []))
    data = table[table["n_units"] > 0].reset_index(drop=True)
    data["display"] = [
        _reliability_display(ctx, str(t), str(lbl)) for t, lbl in zip(data["task"], data["label"], strict=True)
    ]
    colors = {
        d: ctx.frame_colors.get(str(lbl), "#888888") if t == "frames" else "#888888"
        for d, t, lbl in zip(data["display"], data["task"], data["label"], strict=True)
    }
    fig, ax = plotting.new_figure((8.0, 0.36 * len(data) + 1.8))
    plotting.plot_reliability(data, ax=ax, label="display", colors=colors)
    ok = data.dropna(subset=["alpha"])
    good = int((ok["alpha"] >= 0.8).sum())
    fair = int(((ok["alpha"] >= 0.667) & (ok["alpha"] < 0.8)).sum())
    title = f"{good} of {len(ok)} labels reach α ≥ 0.8" if good else f"No label reaches α ≥ 0.8 (of {len(ok)})"
    if fair:
        title += f" and {fair} more α ≥ 0.667"
    if len(ok):
        worst = ok.loc[ok["alpha"].idxmin()]
        title += f"; lowest: {worst['display']} (α = {worst['alpha']:.2f})"
    plotting.set_title(fig, title, width=80)
    n_units = int(data.loc[data["task"] == "frames", "n_units"].max()) if (data["task"] == "frames").any() else 0
    who = f" ({' and '.join(coders)})" if coders else ""
    plotting.add_caption(
        fig,
        ctx.caption(
            f"Bar: Krippendorff's alpha (nominal) between two independent coders{who} over {n_units} double-coded "
            "passages; frames coded present/absent, stance as FAVOR/AGAINST/NONE per target, "
            "roles per mentioned actor. "
            "Dashed lines: 0.667 (lowest for tentative conclusions) and 0.8 (reliable). n/a: the label never varies. "
            "Source: seeds/labels.jsonl (annotation records), `stance labels reliability`.",
        ),
        width=110,
    )
    data.attrs = {}
    return fig, data.drop(columns=["display"])


# -- tables (CSV only): the numbers behind the figures, down to passages and sentences
@register_figure(
    "passage-scores",
    kind="table",
    description="Every analysable passage with its frame probabilities, predicted frames and stance, gold labels "
    "and text: every number in the figures is a mean over rows of this table.",
)
def passage_scores(
    corpus: Corpus | None = None, codebook: Codebook | None = None, context: FigureContext | None = None
) -> pd.DataFrame:
    """All passage scores with gold labels and text (CSV only)."""
    ctx = context or FigureContext(corpus, codebook)
    return analysis.passage_table(ctx.scores_and_gold, ctx.corpus, ctx.codebook)


@register_figure(
    "frame-evidence",
    kind="table",
    description="For each document x frame, the three passages with the highest model probability, with their "
    "key sentence: the text behind each heatmap cell.",
)
def frame_evidence(
    corpus: Corpus | None = None, codebook: Codebook | None = None, context: FigureContext | None = None
) -> pd.DataFrame:
    """Top passages per document x frame with their key sentence (CSV only)."""
    ctx = context or FigureContext(corpus, codebook)
    ev = analysis.evidence(
        ctx.scores,
        ctx.corpus,
        task="frames",
        top_k=3,
        key_sentences=True,
        models=ctx.models,
        models_dir=ctx.models_dir,
        cache_dir=ctx.cache_dir,
        codebook=ctx.codebook,
    )
    return ev.rename(columns={"label": "frame"})


@register_figure(
    "group-aggregates",
    kind="table",
    description="Frame shares and stance balance with 95% CIs by document, outlet, country and year, model and "
    "gold side by side.",
)
def aggregates(
    corpus: Corpus | None = None, codebook: Codebook | None = None, context: FigureContext | None = None
) -> pd.DataFrame:
    """Frame shares and stance balance by document, outlet, country and year (CSV only)."""
    ctx = context or FigureContext(corpus, codebook)
    rows = []
    for by in ("document", "outlet", "country", "period"):
        fs = analysis.frame_shares(
            ctx.scores_and_gold, ctx.corpus, by=by, n_boot=ctx.n_boot, random_state=ctx.random_state
        )
        fs = fs.rename(columns={"frame": "label", "share": "value", "share_lo": "value_lo", "share_hi": "value_hi"})
        rows.append(fs.assign(by=by, measure="frame share"))
        sb = analysis.stance_balance(
            ctx.scores_and_gold, ctx.corpus, by=by, n_boot=ctx.n_boot, random_state=ctx.random_state
        )
        sb = sb.rename(
            columns={"target": "label", "balance": "value", "balance_lo": "value_lo", "balance_hi": "value_hi"}
        )
        rows.append(sb.assign(by=by, measure="stance balance"))
    out = pd.concat(rows, ignore_index=True)
    cols = [
        "by",
        "group",
        "group_label",
        "date",
        "measure",
        "label",
        "source",
        "n_passages",
        "value",
        "value_lo",
        "value_hi",
        "mean_prob",
        "mean_prob_lo",
        "mean_prob_hi",
        "favor",
        "against",
        "none",
    ]
    return out[[c for c in cols if c in out.columns]]
