"""The inputs shared by the figures of one run: :class:`FigureContext`."""

from __future__ import annotations

from collections.abc import Sequence
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from stance import analysis, plotting, timeseries
from stance.figures.common import fmt_date
from stance.paths import ProjectPaths
from stance.timeseries import MIN_DOCS

if TYPE_CHECKING:  # pragma: no cover
    from stance.codebook import Codebook
    from stance.corpus import Corpus

__all__ = ["N_BOOT", "FigureContext", "MissingInputError", "NotApplicableError"]

#: Default number of bootstrap resamples for CIs in figures.
N_BOOT = 1000


class MissingInputError(FileNotFoundError):
    """A figure's input does not exist; the message names the command that produces it."""


class NotApplicableError(MissingInputError):
    """A figure does not apply to this corpus (e.g. a time series of texts without dates); it is skipped."""


class FigureContext:
    """Inputs shared by the figures of one run, each computed on first use.

    Every figure entry reads its inputs from here only: corpus, codebook, models, the label
    store, the evaluation tables and the events table.

    Parameters
    ----------
    corpus : Corpus, optional
        Default: the whole project corpus (every corpus folder of ``paths``, with the
        codebook's topic rule applied).
    codebook : Codebook, optional
        Default: the project codebook.
    models : mapping, optional
        Task to classifier or model folder (default: the promoted models under ``models_dir``).
    models_dir : path, optional
        Default ``paths.models``.
    labels : path, optional
        Gold label store (default ``paths.labels``).
    cache_dir : path, optional
        Score cache (default ``settings().cache_dir``).
    n_boot : int
        Bootstrap resamples for CIs.
    random_state : int
        Seed of the bootstrap.
    paths : ProjectPaths, optional
        The project (default :meth:`ProjectPaths.discover`).
    events : path, optional
        Dated events table (default ``paths.events``).
    scores : DataFrame, optional
        Model scores of the corpus' passages (:func:`stance.analysis.score_passages` format);
        default: scored with ``models`` (cached on disk).
    freq : {"M", "Q", "Y"}
        Bins of the time series: month, quarter (default) or year.
    min_docs : int
        Fewest documents in a bin for a solid point (sparser bins are hollow).
    event_window_days : int
        Length of the windows before and after an event.
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
        paths: ProjectPaths | None = None,
        events: str | Path | None = None,
        scores: pd.DataFrame | None = None,
        freq: str = "Q",
        min_docs: int = MIN_DOCS,
        event_window_days: int = 365,
    ) -> None:
        self.paths = paths if paths is not None else ProjectPaths.discover()
        self.root = self.paths.root
        self._corpus = corpus
        self._codebook = codebook
        self.models = dict(models or {})
        self.models_dir = Path(models_dir) if models_dir is not None else self.paths.models
        self.labels_path = Path(labels) if labels is not None else self.paths.labels
        self.events_path = Path(events) if events is not None else self.paths.events
        self.cache_dir = cache_dir
        self.n_boot = n_boot
        self.random_state = random_state
        self._scores = scores
        self.freq = freq
        self.min_docs = min_docs
        self.event_window_days = event_window_days
        self.gold_reads = 0

    def prepare(self) -> None:
        """Compute the inputs most figures share (corpus, scores, gold, measures, events) now.

        ``stance figures`` calls it before building figures in several processes, so they
        share these instead of each computing them. A missing or bad input is left to the
        figures that need it to report.
        """
        for name in ("corpus", "codebook", "scores", "_gold", "_scores_and_gold", "measures", "events"):
            try:
                getattr(self, name)
            except (MissingInputError, ValueError, KeyError, OSError):
                continue  # each figure that needs it reports the problem

    # -- inputs
    @cached_property
    def corpus(self) -> Corpus:
        """The corpus drawn (default: the whole project corpus, :func:`stance.corpus.load_project_corpus`)."""
        if self._corpus is not None:
            return self._corpus
        from stance.corpus import load_project_corpus

        return load_project_corpus(self.paths, codebook=self.codebook)

    @cached_property
    def codebook(self) -> Codebook:
        """The codebook (label order, display names, version)."""
        if self._codebook is not None:
            return self._codebook
        from stance.codebook import Codebook

        return Codebook.load(self.paths.codebook)

    @cached_property
    def tasks(self) -> list[str]:
        """Tasks scored per passage."""
        return analysis.scored_tasks(self.codebook)

    @cached_property
    def scores(self) -> pd.DataFrame:
        """Model scores of every analysable passage (cached on disk)."""
        if self._scores is not None:
            return self._scores
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

    @property
    def gold(self) -> pd.DataFrame:
        """Gold labels of the scored passages in score format (empty when there are none).

        Every read is counted in :attr:`gold_reads`, so ``stance figures`` can name the
        figures drawn without gold labels when the label store is missing.
        """
        self.gold_reads += 1
        return self._gold

    @cached_property
    def _gold(self) -> pd.DataFrame:
        return analysis.gold_scores(self.corpus, self.codebook, store=self.labels_path)

    @property
    def scores_and_gold(self) -> pd.DataFrame:
        """Model scores with the gold rows appended (``source`` tells them apart)."""
        self.gold_reads += 1
        return self._scores_and_gold

    @cached_property
    def _scores_and_gold(self) -> pd.DataFrame:
        if self._gold.empty:
            return self.scores
        return pd.concat([self.scores, self._gold], ignore_index=True)

    @cached_property
    def measures(self) -> pd.DataFrame:
        """On-topic passages of officials and authors, with groups and measures (see ``timeseries``)."""
        return timeseries.passage_measures(self.scores, self.corpus)

    @cached_property
    def events(self) -> pd.DataFrame:
        """The dated events table (empty when the project has none)."""
        if not self.events_path.is_file():
            return pd.DataFrame({"date": pd.Series(dtype="datetime64[ns]"), "label": [], "source": []})
        return timeseries.read_events(self.events_path)

    def measure_title(self, measure: str) -> str:
        """Display name of a measure column: a frame's title, or ``Balance: <target>``."""
        kind, _, name = measure.partition(":")
        if kind == "frame":
            return self.frame_title(name)
        return f"Balance: {self.target_title(name)}"

    def require(self, needs: Sequence[str]) -> None:
        """Raise :class:`NotApplicableError` for the first of ``needs`` this corpus or codebook does not meet.

        ``dates``: at least two documents with a publication date; ``stance``: stance targets in
        the codebook; ``roles``: narrative roles in the codebook.

        Raises
        ------
        NotApplicableError
            Saying what is missing and how to add it.
        """
        missing = {
            "dates": lambda: (
                int(self.corpus.documents["published"].notna().sum()) < 2
                and "it shows change over time, and fewer than two documents of the corpus have a date (give them a "
                "`published` column, YYYY-MM-DD, in the corpus table or manifest)"
            ),
            "stance": lambda: not self.codebook.stance_targets and "the codebook defines no stance targets",
            "roles": lambda: not self.codebook.roles and "the codebook defines no narrative roles",
        }
        for need in needs:
            why = missing[need]()
            if why:
                raise NotApplicableError(f"not drawn: {why}")

    def evaluation(self, name: str) -> pd.DataFrame:
        """A table written by the evaluation (``<models_dir>/evaluation/<name>``).

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

    @cached_property
    def target_titles(self) -> dict[str, str]:
        """Stance target to display name."""
        return {t: self.target_title(t) for t in self.codebook.stance_targets}

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
        where = _corpus_name(source)
        span = f"{fmt_date(docs['published'].min())} to {fmt_date(docs['published'].max())}"
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
        from stance.encoders_onnx import ENCODER_BACKENDS

        encodes = any(info.get(t, {}).get("backend") in ENCODER_BACKENDS for t in tasks or self.tasks)
        runtime = f" Encoder runtime: {self.scores.attrs['encoder_runtime']}." if encodes else ""
        return f"Models: {', '.join(parts)}.{runtime}" if parts else ""

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
            if not self.labels_path.is_file():
                return f"No gold labels: there is no label store ({self.labels_path.name} is missing)."
            return "No gold labels for these passages."
        n = self.gold["passage_id"].nunique()
        return (
            f"Hollow diamonds: adjudicated gold labels ({n} passages). Where a model was trained on these gold labels, "
            "its values on the same passages are in-sample fits, not independent estimates (cross-validated quality: "
            "model-comparison)."
        )


def _corpus_name(source: object) -> str:
    """How a caption names the data: the corpus folder or table, or the project corpus (never a clone's folder name)."""
    if source is None:
        return "corpus"
    path = Path(str(source))
    if (path / "codebook").is_dir():
        return "the project corpus"
    return f"{path.name}/" if path.is_dir() else path.name
