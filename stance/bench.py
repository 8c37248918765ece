"""Performance benchmark of this machine: throughput, memory, figures, fine-tuning and growth.

:func:`run_bench` (``stance bench``) measures, in one run:

throughput
    Passages per second to score generated passages with each backend (the ``stance score``
    path: parts of ``chunksize`` rows, length-sorted encoding, Parquet output), next to the
    raw ``SentenceTransformer.encode`` of the same texts with the same encoder (``ratio`` =
    backend / raw encode). Model loading and a warm-up batch are not timed. The project's
    encoder alone (``encoder (runtime)``) and the subjects that encode (``default-all``,
    ``embedding``, ``zeroshot``) are measured under each encoder runtime (``(torch)``,
    ``(onnx)``, ``(onnx-int8)``, see :mod:`stance.encoders_onnx`).
corpus
    :func:`stance.analysis.score_passages` of the whole project corpus
    (:func:`stance.corpus.load_project_corpus`) with every default model, from a cold cache
    (no cached scores or embeddings; the encoder is loaded and its ONNX graph built before
    timing), under each runtime. Only analysable, on-topic, distinct passages are encoded.
    ``ratio`` = raw ``SentenceTransformer.encode`` of the passages that get scores (analysable,
    on topic, duplicates included; measured once in the same run) / scoring time.
growth
    The whole ``stance score`` run (interpreter start, model loading, reading, scoring,
    writing) on 1k, 10k and 100k generated passages: wall time, scoring time, passages
    per second and peak memory; ``ratio`` is the cost relative to the smallest size. Each
    size is a random sample of synthetic passages generated for the largest size from the
    sentences of the project corpus's on-topic passages, so every size has the same
    distribution of passage lengths. The ONNX graph is built once beforehand (as after a
    first use). With a budget, a size projected to take longer is streamed part by part and
    stopped after the budget; its scoring time is extrapolated and marked so.
figures
    ``stance figures`` on a temporary copy of the project (codebook, seeds, models) with
    empty caches (cold), then again (warm: models, caches and figures present).
finetune
    ``stance finetune`` of the frames model on a temporary copy of the model store (never
    promoted): the final fit and the whole command (with its cross-validated comparison of
    old and new), per 100 labelled passages.

Every measurement runs in a fresh subprocess (``python -m stance.bench``) with its own empty
cache folder, and reports that process's peak resident memory (``ru_maxrss``), so one
measurement's imports, models and caches never inflate another's. Throughput runs are
repeated (``repeats``) and the best run is kept.

Passages are generated deterministically (:func:`generate_passages`): sentences of the
seed corpus's analysable passages recombined with a seeded generator, each passage unique.
"""

from __future__ import annotations

import json
import os
import platform
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from stance.errors import StanceInputError
from stance.paths import ProjectPaths

__all__ = [
    "BACKENDS",
    "COLUMNS",
    "RUNTIMES",
    "TARGETS",
    "BenchResult",
    "generate_passages",
    "machine_info",
    "measure",
    "run_bench",
    "targets",
    "to_markdown",
    "write_passages",
]

#: Subjects of the throughput section: the default frames model, every default model at
#: once (what ``stance score`` runs), and each backend on the frames task.
BACKENDS = ("default", "default-all", "lexicon", "tfidf", "embedding", "zeroshot", "setfit", "transformer")
#: Encoder runtimes measured (see :mod:`stance.encoders_onnx`).
RUNTIMES = ("torch", "onnx", "onnx-int8")
#: Throughput subjects that encode, so are measured under each runtime.
_ENCODING = ("default-all", "embedding", "zeroshot")
#: Columns of the result table.
COLUMNS = ["section", "subject", "n", "seconds", "scoring_seconds", "per_second", "ratio", "peak_mb", "note"]
#: The targets checked by :func:`targets`: name -> (description, threshold).
TARGETS: dict[str, tuple[str, float]] = {
    "throughput": ("default frames model, passages/s relative to raw sentence-transformers encode", 0.95),
    "throughput_onnx": ("every default model with the onnx runtime, relative to raw encode", 1.4),
    "throughput_onnx_int8": ("every default model with the onnx-int8 runtime, relative to raw encode", 2.0),
    "warm_figures": ("warm `stance figures`, seconds", 30.0),
    "memory": ("peak memory scoring 100k passages, MB", 1200.0),
    "growth": ("scoring cost of 100k passages relative to 1k", 110.0),
}
_MARK = "STANCE-BENCH-RESULT "
#: Cheap training settings for throughput runs (the speed of scoring does not depend on them).
_FIT_PARAMS: dict[str, dict[str, Any]] = {
    "setfit": {"max_pairs": 200},
    "transformer": {"num_epochs": 1},
}


# ---------------------------------------------------------------------------- passages
def generate_passages(n: int, seed: int = 0, corpus: Any = None) -> pd.DataFrame:
    """``n`` distinct passages recombined from the sentences of a corpus.

    Each passage takes a number of sentences drawn from the corpus's own sentences-per-passage
    distribution, then that many sentences at random; a passage already generated is drawn
    again (with one sentence more after repeated clashes), so every text is unique and no
    cache can make scoring look faster than it is.

    Parameters
    ----------
    n : int
    seed : int
        Same seed, same passages.
    corpus : Corpus, optional
        Default: the project's seed corpus.

    Returns
    -------
    DataFrame
        passage_id (``gen-NNNNNNN``), doc_id (20 passages per document), text.
    """
    if corpus is None:
        import warnings

        from stance.corpus import load_corpus

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            corpus = load_corpus(ProjectPaths.discover().seeds)
    passages = corpus.analysable()
    sentences = corpus.sentences[corpus.sentences["passage_id"].isin(set(passages["passage_id"]))]
    pool = list(dict.fromkeys(s.strip() for s in sentences["text"] if s.strip()))
    if len(pool) < 2:
        raise StanceInputError("the corpus has too few sentences to generate passages from")
    sizes = passages["n_sentences"].clip(lower=1, upper=len(pool)).to_numpy()
    rng = np.random.default_rng(seed)
    seen: set[str] = set()
    texts: list[str] = []
    while len(texts) < n:
        k = int(rng.choice(sizes))
        for attempt in range(50):
            size = min(len(pool), k + attempt // 5)
            text = " ".join(pool[i] for i in rng.choice(len(pool), size=size, replace=False))
            if text not in seen:
                break
        else:
            raise StanceInputError(f"cannot generate {n} distinct passages from {len(pool)} sentences")
        seen.add(text)
        texts.append(text)
    ids = [f"gen-{i:07d}" for i in range(n)]
    docs = [f"gendoc-{i // 20:06d}" for i in range(n)]
    return pd.DataFrame({"passage_id": ids, "doc_id": docs, "text": texts})


def write_passages(path: str | Path, n: int, seed: int = 0, corpus: Any = None) -> Path:
    """Write :func:`generate_passages` to a Parquet file (the input of ``stance score``)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    generate_passages(n, seed, corpus).to_parquet(path, index=False)
    return path


# ---------------------------------------------------------------------------- child side
def _peak_mb() -> float:
    """Peak resident memory of this process, MB (10^6 bytes)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 / 1e6


def _texts(path: str, n: int | None = None) -> list[str]:
    texts = pd.read_parquet(path, columns=["text"])["text"].tolist()
    return texts[:n] if n is not None else texts


def _child_project_encode(spec: Mapping[str, Any]) -> dict[str, Any]:
    """The project's encoder (:meth:`stance.encoders.Encoder.encode_uncached`) under ``spec["runtime"]``."""
    from stance.encoders import get_encoder

    texts = _texts(spec["input"])
    t0 = time.perf_counter()
    enc = get_encoder(runtime=spec["runtime"])
    load = time.perf_counter() - t0
    enc.encode_uncached(texts[:32], batch_size=32)
    t0 = time.perf_counter()
    enc.encode_uncached(texts, batch_size=32)
    seconds = time.perf_counter() - t0
    return {"n": len(texts), "seconds": seconds, "load_seconds": load, "runtime": enc.runtime}


def _child_encode(spec: Mapping[str, Any]) -> dict[str, Any]:
    from stance._lazy import require
    from stance.encoders import quiet_transformers, resolve_encoder, set_torch_threads

    if spec.get("runtime"):
        return _child_project_encode(spec)
    st = require("sentence_transformers", extra="models")
    quiet_transformers()
    set_torch_threads()
    texts = _texts(spec["input"])
    t0 = time.perf_counter()
    model = st.SentenceTransformer(str(resolve_encoder().path), device="cpu")
    load = time.perf_counter() - t0
    model.encode(texts[:32], batch_size=32, show_progress_bar=False)
    t0 = time.perf_counter()
    vectors = model.encode(texts, batch_size=32, show_progress_bar=False)
    seconds = time.perf_counter() - t0
    torch = require("torch", extra="models")
    return {
        "n": len(texts),
        "seconds": seconds,
        "load_seconds": load,
        "dim": int(vectors.shape[1]),
        "threads": torch.get_num_threads(),
        "max_seq_length": int(model.max_seq_length),
    }


def _fit_frames(backend: str, folder: Path) -> tuple[float, int]:
    """Fit ``backend`` on the profile data (codebook examples, lexicon-labelled seed passages): seconds, size."""
    from stance.classifiers import make_classifier
    from stance.classifiers.profile import profile_data

    texts, y = profile_data()
    t0 = time.perf_counter()
    clf = make_classifier(backend, "frames", **_FIT_PARAMS.get(backend, {})).fit(texts, y)
    seconds = time.perf_counter() - t0
    clf.save(folder)
    return seconds, len(texts)


def _child_score(spec: Mapping[str, Any]) -> dict[str, Any]:
    from stance import scoring

    subject = spec["subject"]
    fit_seconds, fit_n = None, 0
    if subject == "default":
        models = scoring.resolve_models(["frames"], "default")
    elif subject == "default-all":
        models = scoring.resolve_models(None, "default")
    elif subject in scoring.FREE_BACKENDS:
        models = scoring.resolve_models(["frames"], subject)
    else:
        folder = Path(spec["workdir"]) / f"model-{subject}"
        fit_seconds, fit_n = _fit_frames(subject, folder)
        models = scoring.resolve_models(["frames"], folder)
    texts = _texts(spec["input"])
    t0 = time.perf_counter()
    for handle in models:
        handle.load()
    load = time.perf_counter() - t0
    scoring.score_frame(pd.DataFrame({"text": texts[:32]}), models)
    run = scoring.score_file(
        spec["input"], spec["out"], models=models, chunksize=int(spec["chunksize"]), show_progress=False
    )
    backends = sorted({tm.backend for tm in models})
    return {
        "n": run.rows_out,
        "seconds": run.seconds_score,
        "load_seconds": load,
        "fit_seconds": fit_seconds,
        "fit_n": fit_n,
        "backends": backends,
        "tasks": [tm.task for tm in models],
        "versions": {tm.task: tm.version for tm in models},
    }


def _child_stream(spec: Mapping[str, Any]) -> dict[str, Any]:
    """Score the parts of ``spec["input"]`` one at a time until ``spec["budget"]`` seconds have passed.

    The ``stance score`` path (:func:`stance.scoring.plan_parts`, :func:`~stance.scoring.read_part`,
    :func:`~stance.scoring.score_frame`) without writing the output, stopping at the first part
    boundary past the budget; what it reports holds for the parts it scored.
    """
    from stance import scoring

    t0 = time.perf_counter()
    models = scoring.resolve_models(None, spec["model"])
    for handle in models:
        handle.load()
    load = time.perf_counter() - t0
    parts = scoring.plan_parts(spec["input"], int(spec["chunksize"]))
    done = 0
    t0 = time.perf_counter()
    for part in parts:
        done += len(scoring.score_frame(scoring.read_part(part, []), models))
        if time.perf_counter() - t0 > float(spec["budget"]):
            break
    return {
        "n": done,
        "n_total": sum(p.n_rows for p in parts),
        "scoring_seconds": time.perf_counter() - t0,
        "load_seconds": load,
        "backends": sorted({tm.backend for tm in models}),
    }


def _child_graph(spec: Mapping[str, Any]) -> dict[str, Any]:
    """Load the configured encoder, which exports (and caches) its ONNX graph when the runtime needs one."""
    from stance.encoders import get_encoder

    enc = get_encoder()
    return {"n": 0, "runtime": enc.runtime}


def _child_score_file(spec: Mapping[str, Any]) -> dict[str, Any]:
    from stance import scoring

    run = scoring.score_file(
        spec["input"], spec["out"], model=spec["model"], chunksize=int(spec["chunksize"]), show_progress=False
    )
    return {
        "n": run.rows_out,
        "seconds": run.seconds_total,
        "scoring_seconds": run.seconds_score,
        "load_seconds": run.seconds_load,
        "backends": sorted({m["backend"] for m in run.models.values()}),
    }


def _corpus_texts() -> list[str]:
    """The passages of the project corpus that get scores: analysable and on topic (duplicates included)."""
    import warnings

    from stance.corpus import load_project_corpus

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        corpus = load_project_corpus()
    return corpus.scored()["text"].tolist()


def _child_corpus(spec: Mapping[str, Any]) -> dict[str, Any]:
    """Raw encode of the project corpus (no runtime), or its cold scoring with every default model."""
    import warnings

    from stance import analysis
    from stance.corpus import load_project_corpus

    if not spec.get("runtime"):
        texts = _corpus_texts()
        path = Path(spec["workdir"]) / "corpus-texts.parquet"
        pd.DataFrame({"text": texts}).to_parquet(path, index=False)
        return _child_encode({"input": str(path)})
    from stance.encoders import get_encoder

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        corpus = load_project_corpus()
    t0 = time.perf_counter()
    enc = get_encoder(runtime=spec["runtime"])  # load and build the graph before timing
    enc.encode_uncached(["warm-up"])
    load = time.perf_counter() - t0
    cache = Path(tempfile.mkdtemp(prefix="corpus-cache-", dir=spec["workdir"]))
    t0 = time.perf_counter()
    scores = analysis.score_passages(corpus, cache_dir=cache)
    seconds = time.perf_counter() - t0
    passages = corpus.analysable()
    kept = corpus.scored()
    return {
        "n": len(kept),
        "n_analysable": len(passages),
        "n_on_topic": len(kept),
        "n_distinct": int(kept["text"].nunique()),
        "n_scored": int(scores["passage_id"].nunique()),
        "seconds": seconds,
        "load_seconds": load,
        "runtime": scores.attrs.get("encoder_runtime", ""),
    }


def _child_finetune(spec: Mapping[str, Any]) -> dict[str, Any]:
    import warnings

    from stance.finetune import finetune

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = finetune(spec["task"], root=spec["root"], force=True, promote=False, backend=spec.get("backend"))
    return {"n": result.n_passages, "backend": result.backend, "seconds": dict(result.seconds), "folds": result.folds}


_CHILDREN: dict[str, Callable[[Mapping[str, Any]], dict[str, Any]]] = {
    "encode": _child_encode,
    "score": _child_score,
    "score_file": _child_score_file,
    "finetune": _child_finetune,
    "corpus": _child_corpus,
    "stream": _child_stream,
    "graph": _child_graph,
}


def _child_main(argv: Sequence[str]) -> None:
    spec = json.loads(argv[0])
    if spec.get("runtime"):
        os.environ["STANCE_ENCODER_RUNTIME"] = spec["runtime"]
    result = _CHILDREN[spec["kind"]](spec)
    result["peak_mb"] = _peak_mb()
    sys.stdout.write("\n" + _MARK + json.dumps(result) + "\n")
    sys.stdout.flush()


# ---------------------------------------------------------------------------- parent side
def _child_env(workdir: Path, extra: Mapping[str, str] | None = None, graphs: Path | None = None) -> dict[str, str]:
    from stance.config import project_root

    env = dict(os.environ)
    env.update(
        {
            "STANCE_QUIET": "1",
            "HF_HUB_OFFLINE": "1",
            "TRANSFORMERS_OFFLINE": "1",
            "TOKENIZERS_PARALLELISM": "false",
            "STANCE_PROJECT_DIR": str(project_root()),
            "PYTHONWARNINGS": "ignore",
        }
    )
    cache = Path(tempfile.mkdtemp(prefix="cache-", dir=workdir))
    if graphs is not None:  # ONNX graphs built beforehand; the embedding and score caches stay empty
        (cache / "onnx").symlink_to(graphs, target_is_directory=True)
    env["STANCE_CACHE_DIR"] = str(cache)
    env.update(extra or {})
    return env


def measure(
    spec: Mapping[str, Any], workdir: str | Path, timeout: float | None = None, graphs: str | Path | None = None
) -> dict[str, Any]:
    """Run one measurement in a fresh subprocess; its result with ``wall_seconds`` added.

    Parameters
    ----------
    spec : mapping
        ``kind`` (encode, score, score_file, finetune) and its settings.
    workdir : path
        Scratch folder (an empty cache folder is made in it for the subprocess).
    timeout : float, optional
        Seconds before the subprocess is stopped.
    graphs : path, optional
        Folder of ONNX graphs already built (``<cache>/onnx``), shared with the subprocess
        so that it does not load torch to export one; every other cache starts empty.

    Raises
    ------
    RuntimeError
        When the subprocess fails (with the end of its error output).
    """
    workdir = Path(workdir)
    t0 = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-m", "stance.bench", json.dumps(dict(spec))],
        capture_output=True,
        text=True,
        env=_child_env(workdir, graphs=Path(graphs) if graphs is not None else None),
        timeout=timeout,
        check=False,
    )
    wall = time.perf_counter() - t0
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith(_MARK)]
    if proc.returncode != 0 or not lines:
        tail = "\n".join(proc.stderr.strip().splitlines()[-15:])
        raise RuntimeError(f"benchmark step {spec.get('kind')} ({spec.get('subject', '')}) failed:\n{tail}")
    result = json.loads(lines[-1][len(_MARK) :])
    result["wall_seconds"] = wall
    return result


def machine_info() -> dict[str, Any]:
    """CPU, cores, AVX2 and AVX-512, memory, versions and load average of this machine."""
    cpu, flags = platform.processor() or platform.machine(), ""
    try:
        info = Path("/proc/cpuinfo").read_text(encoding="utf-8", errors="replace")
        cpu = next((ln.split(":", 1)[1].strip() for ln in info.splitlines() if ln.startswith("model name")), cpu)
        flags = next((ln.split(":", 1)[1] for ln in info.splitlines() if ln.startswith("flags")), "")
    except OSError:
        pass
    try:
        memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 1e9
    except (ValueError, OSError, AttributeError):
        memory = float("nan")
    versions = {}
    for name in ("torch", "transformers", "sentence_transformers", "dask", "pandas", "pyarrow"):
        try:
            from importlib.metadata import version

            versions[name] = version(name.replace("_", "-"))
        except Exception:  # metadata lookups raise several types
            versions[name] = "not installed"
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return {
        "cpu": cpu,
        "cores": cores,
        "avx2": " avx2" in f" {flags} ",
        "avx512": " avx512f" in f" {flags} ",
        "memory_gb": round(memory, 1),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "versions": versions,
        "load_average": [round(x, 2) for x in os.getloadavg()],
    }


@dataclass
class BenchResult:
    """Output of :func:`run_bench`.

    Attributes
    ----------
    table : DataFrame
        One row per measurement, columns :data:`COLUMNS`.
    machine : dict
        :func:`machine_info` at the start, with ``load_average_end`` added.
    settings : dict
        The run's settings (sizes, backends, repeats...).
    command : str
        The command line that produced it.
    """

    table: pd.DataFrame
    machine: dict[str, Any] = field(default_factory=dict)
    settings: dict[str, Any] = field(default_factory=dict)
    command: str = ""


def _row(
    section: str,
    subject: str,
    n: float,
    seconds: float,
    *,
    scoring_seconds: float = float("nan"),
    per_second: float = float("nan"),
    ratio: float = float("nan"),
    peak_mb: float = float("nan"),
    note: str = "",
) -> dict[str, Any]:
    return {
        "section": section,
        "subject": subject,
        "n": n,
        "seconds": seconds,
        "scoring_seconds": scoring_seconds,
        "per_second": per_second,
        "ratio": ratio,
        "peak_mb": peak_mb,
        "note": note,
    }


def _missing_defaults(tasks: Sequence[str] | None = None) -> list[str]:
    from stance.analysis import default_model_dir, scored_tasks
    from stance.codebook import Codebook

    tasks = list(tasks) if tasks is not None else scored_tasks(Codebook.load())
    return [t for t in tasks if default_model_dir(t) is None]


def _plan(subjects: Sequence[str], reference: bool, runtimes: Sequence[str]) -> list[tuple[str, str, str | None]]:
    """Throughput measurements as (label, subject, runtime): raw encode, the encoder per runtime, the subjects."""
    plan: list[tuple[str, str, str | None]] = [("raw-encode", "raw-encode", None)] if reference else []
    plan += [(f"encoder ({r})", "encoder", r) for r in runtimes]
    for subject in subjects:
        if subject in _ENCODING and runtimes:
            plan += [(f"{subject} ({r})", subject, r) for r in runtimes]
        else:
            plan.append((subject, subject, None))
    return plan


def _throughput_spec(subject: str, runtime: str | None, data: Path, chunksize: int, workdir: Path) -> dict[str, Any]:
    if subject in ("raw-encode", "encoder"):
        return {"kind": "encode", "input": str(data), "runtime": runtime}
    return {
        "kind": "score",
        "subject": subject,
        "input": str(data),
        "chunksize": chunksize,
        "out": str(workdir / f"scores-{subject}-{runtime}.parquet"),
        "workdir": str(workdir),
        "runtime": runtime,
    }


def _throughput_note(subject: str, res: Mapping[str, Any]) -> str:
    if subject == "raw-encode":
        return (
            f"SentenceTransformer.encode, batch 32, max {res['max_seq_length']} tokens, {res['threads']} torch threads"
        )
    if subject == "encoder":
        return f"stance.encoders.Encoder.encode_uncached, batch 32, runtime {res['runtime']}"
    note = f"backend {', '.join(res['backends'])}"
    if subject.startswith("default"):
        note += "; " + ", ".join(f"{t} {v}" for t, v in res["versions"].items())
    if res.get("fit_seconds") is not None:
        note += f"; fitted in {res['fit_seconds']:.1f} s on {res['fit_n']} passages"
    return note


def _throughput(
    backends: Sequence[str],
    n: int,
    reference: bool,
    repeats: int,
    chunksize: int,
    seed: int,
    workdir: Path,
    say: Callable[[str], None],
    runtimes: Sequence[str] = (),
) -> list[dict[str, Any]]:
    data = write_passages(workdir / f"throughput-{n}.parquet", n, seed)
    subjects: list[str] = []
    rows: list[dict[str, Any]] = []
    for b in backends:
        needs = ["frames"] if b == "default" else None
        missing = _missing_defaults(needs) if b.startswith("default") else []
        if missing:
            rows.append(
                _row(
                    "throughput",
                    b,
                    n,
                    float("nan"),
                    note=f"not measured: no default model for {', '.join(missing)} (run `stance train`)",
                )
            )
        else:
            subjects.append(b)
    best: dict[str, dict[str, Any]] = {}
    peaks: dict[str, float] = {}
    plan = _plan(subjects, reference, runtimes)
    for r in range(repeats):
        for label, subject, runtime in plan:
            say(f"throughput {label} ({n} passages, run {r + 1} of {repeats})")
            res = measure(_throughput_spec(subject, runtime, data, chunksize, workdir), workdir)
            peaks[label] = max(peaks.get(label, 0.0), res["peak_mb"])
            if label not in best or res["seconds"] < best[label]["seconds"]:
                best[label] = res
    raw = best.get("raw-encode")
    raw_rate = raw["n"] / raw["seconds"] if raw else float("nan")
    for label, subject, _runtime in plan:
        res = best[label]
        rate = res["n"] / res["seconds"]
        rows.append(
            _row(
                "throughput",
                label,
                res["n"],
                res["seconds"],
                per_second=rate,
                ratio=rate / raw_rate if raw else float("nan"),
                peak_mb=peaks[label],
                note=_throughput_note(subject, res),
            )
        )
    return rows


def _corpus(runtimes: Sequence[str], repeats: int, workdir: Path, say: Callable[[str], None]) -> list[dict[str, Any]]:
    """Cold scoring of the whole project corpus per runtime, against raw encode of its analysable passages."""
    missing = _missing_defaults()
    if missing:
        note = f"not measured: no default model for {', '.join(missing)} (run `stance train`)"
        return [_row("corpus", f"project corpus ({r})", float("nan"), float("nan"), note=note) for r in runtimes]
    best: dict[str, dict[str, Any]] = {}
    peaks: dict[str, float] = {}
    for r in range(repeats):
        for runtime in ["", *runtimes] if r == 0 else runtimes:  # the raw baseline once
            label = f"project corpus ({runtime})" if runtime else "raw-encode (project corpus)"
            say(f"corpus: {label} (run {r + 1} of {repeats})")
            res = measure({"kind": "corpus", "runtime": runtime or None, "workdir": str(workdir)}, workdir)
            peaks[label] = max(peaks.get(label, 0.0), res["peak_mb"])
            if label not in best or res["seconds"] < best[label]["seconds"]:
                best[label] = res
    raw = best["raw-encode (project corpus)"]
    rows = [
        _row(
            "corpus",
            "raw-encode (project corpus)",
            raw["n"],
            raw["seconds"],
            per_second=raw["n"] / raw["seconds"],
            ratio=1.0,
            peak_mb=peaks["raw-encode (project corpus)"],
            note="SentenceTransformer.encode of the analysable, on-topic passages, batch 32 (one run)",
        )
    ]
    for runtime in runtimes:
        label = f"project corpus ({runtime})"
        res = best[label]
        rows.append(
            _row(
                "corpus",
                label,
                res["n"],
                res["seconds"],
                per_second=res["n"] / res["seconds"],
                ratio=raw["seconds"] / res["seconds"],
                peak_mb=peaks[label],
                note=(
                    f"score_passages, every default model, cold cache; of {res['n_analysable']} analysable passages "
                    f"{res['n_on_topic']} on topic, {res['n_distinct']} distinct texts encoded; "
                    f"runtime {res['runtime']}; encoder loaded in "
                    f"{res['load_seconds']:.1f} s (not timed)"
                ),
            )
        )
    return rows


def _growth_universe(n: int, seed: int) -> tuple[pd.DataFrame, str]:
    """``n`` synthetic passages recombined from the sentences of the project corpus's scored passages.

    The sentences come from the analysable, on-topic passages of
    :func:`stance.corpus.load_project_corpus` (what ``stance score`` would encode); a project
    without a corpus falls back to the seed corpus.
    """
    import dataclasses
    import warnings

    from stance.corpus import load_project_corpus, on_topic_mask

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            corpus = load_project_corpus()
    except StanceInputError:
        return generate_passages(n, seed), "the seed corpus"
    passages = corpus.passages[on_topic_mask(corpus.passages)]
    corpus = dataclasses.replace(corpus, passages=passages)
    return generate_passages(n, seed, corpus), "the project corpus's on-topic passages"


def _growth_row(n: int, res: Mapping[str, Any], first: Mapping[str, Any], model: str, extra: str) -> dict[str, Any]:
    """One growth row; a streamed run's time is extrapolated from the passages it scored."""
    done = int(res["n"])
    rate = done / res["scoring_seconds"]
    streamed = res.get("n_total") is not None
    scoring = n / rate if streamed else res["scoring_seconds"]
    how = (
        f"streamed: scored {done:,} of {n:,} passages in {res['scoring_seconds']:.0f} s, then stopped (budget); "
        f"scoring_seconds extrapolated at that rate, peak_mb over those parts; "
        if streamed
        else ""
    )
    return _row(
        "growth",
        f"{n} passages",
        n,
        float("nan") if streamed else res["wall_seconds"],
        scoring_seconds=scoring,
        per_second=rate,
        ratio=float("nan") if streamed else res["wall_seconds"] / first["wall_seconds"],
        peak_mb=res["peak_mb"],
        note=(
            f"{how}{model} models ({', '.join(res['backends'])}); scoring "
            f"{scoring / first['scoring_seconds']:.1f}x the smallest size; models loaded in "
            f"{res['load_seconds']:.1f} s; {extra}"
        ),
    )


def _growth(
    sizes: Sequence[int],
    model: str,
    chunksize: int,
    seed: int,
    workdir: Path,
    say: Callable[[str], None],
    budget: float | None = None,
) -> list[dict[str, Any]]:
    if model == "default":
        missing = _missing_defaults()
        if missing:
            return [
                _row(
                    "growth",
                    f"{n} passages",
                    n,
                    float("nan"),
                    note=f"not measured: no default model for {', '.join(missing)}",
                )
                for n in sizes
            ]
    # Every size is a random sample of one set of generated passages, so all sizes share one
    # length distribution (the generator lengthens passages as short combinations run out).
    universe, source = _growth_universe(max(sizes), seed)
    order = np.random.default_rng(seed).permutation(len(universe))
    graphs = workdir / "onnx-graphs"
    graphs.mkdir(exist_ok=True)
    encodes = model != "lexicon"
    runtime = measure({"kind": "graph"}, workdir, graphs=graphs)["runtime"] if encodes else "none"
    rows: list[dict[str, Any]] = []
    first: dict[str, Any] | None = None
    for n in sizes:
        sample = universe.iloc[np.sort(order[:n])]
        data = workdir / f"growth-{n}.parquet"
        sample.to_parquet(data, index=False)
        spec = {"input": str(data), "model": model, "chunksize": chunksize}
        stream = budget is not None and first is not None and n * first["scoring_seconds"] / first["n"] > budget
        if stream:
            say(f"growth: streaming {n} passages ({model} models) for at most {budget:.0f} s")
            res = measure({**spec, "kind": "stream", "budget": budget}, workdir, graphs=graphs)
        else:
            say(f"growth: stance score on {n} passages ({model} models)")
            out = workdir / f"growth-{n}-scores.parquet"
            res = measure({**spec, "kind": "score_file", "out": str(out)}, workdir, graphs=graphs)
            out.unlink(missing_ok=True)
        first = first or res
        extra = (
            f"encoder runtime {runtime} (graph built beforehand, as after first use); synthetic passages: sentences "
            f"of {source} recombined, {sample['text'].str.len().mean():.0f} characters on average"
        )
        rows.append(_growth_row(n, res, first, model, extra))
        data.unlink(missing_ok=True)
    return rows


_SUMMARY = re.compile(r"(\d+) of (\d+) built \((\d+) changed\) in ([\d.]+) s")
_FIGURE_LINE = re.compile(r"\[\s*\d+/\d+\]\s+(\S+)\s+\S+\s+([\d.]+) s")


def _project_inputs(paths: ProjectPaths) -> list[Path]:
    """What a copy of the project needs to draw its figures, where it lies inside the project folder.

    The codebook folder, the corpora, the label store, the events table, the model store and the
    ``stance.toml`` (and ``examples/``, whose codebooks some figures read); paths outside the project
    are read where they are (``stance.toml`` names them absolutely).
    """
    root = paths.root
    wanted = [
        paths.codebook.parent if paths.codebook.parent != root else paths.codebook,
        *paths.corpora,
        paths.labels,
        paths.events,
        paths.models,
        root / "examples",
        root / "stance.toml",
    ]
    found = [p for p in dict.fromkeys(wanted) if p.exists() and root in p.parents]
    return [p for p in found if not any(q in p.parents for q in found)]


def _figures(workdir: Path, say: Callable[[str], None]) -> list[dict[str, Any]]:
    paths = ProjectPaths.discover()
    root = paths.root
    missing = _missing_defaults()
    if missing:
        note = f"not measured: no default model for {', '.join(missing)} (run `stance train`)"
        return [_row("figures", s, float("nan"), float("nan"), note=note) for s in ("cold", "warm")]
    project = workdir / "project"
    for source in _project_inputs(paths):
        target = project / source.relative_to(root)
        if source.is_dir():
            shutil.copytree(source, target, dirs_exist_ok=True)
        else:
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)
    env = _child_env(
        workdir,
        {
            "STANCE_PROJECT_DIR": str(project),
            "STANCE_CACHE_DIR": str(project / ".cache" / "stance"),
            "MPLCONFIGDIR": str(project / ".cache" / "matplotlib"),
            "MPLBACKEND": "Agg",
        },
    )
    rows = []
    for state in ("cold", "warm"):
        say(f"figures ({state})")
        t0 = time.perf_counter()
        proc = subprocess.run(
            [sys.executable, "-m", "stance", "figures", "--no-train"],
            cwd=project,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        wall = time.perf_counter() - t0
        match = _SUMMARY.search(proc.stdout)
        summary = (
            f"{match.group(1)} of {match.group(2)} built, {match.group(3)} changed" if match else "no summary line"
        )
        status = "" if proc.returncode == 0 else f"; exit status {proc.returncode} (some figure lacks its input)"
        timed = sorted(((float(t), name) for name, t in _FIGURE_LINE.findall(proc.stdout)), reverse=True)
        inside = sum(t for t, _ in timed)
        slowest = ", ".join(f"{name} {t:.1f} s" for t, name in timed[:3])
        detail = (
            f"; drawing {inside:.1f} s (slowest: {slowest}), the rest (start-up) {wall - inside:.1f} s" if timed else ""
        )
        rows.append(
            _row(
                "figures",
                state,
                int(match.group(2)) if match else float("nan"),
                wall,
                note=f"`stance figures --no-train`: {summary}{status}{detail}",
            )
        )
    return rows


def _finetune(workdir: Path, backend: str | None, say: Callable[[str], None]) -> list[dict[str, Any]]:
    if backend is None and _missing_defaults(["frames"]):
        note = "not measured: no default frames model (run `stance train`, or pass a backend)"
        return [
            _row("finetune", s, 100, float("nan"), note=note) for s in ("fit per 100 labels", "finetune per 100 labels")
        ]
    root = workdir / "models"
    models = ProjectPaths.discover().models
    if models.is_dir():
        shutil.copytree(models, root)
    say("finetune frames (on a copy of the model store, not promoted)")
    res = measure({"kind": "finetune", "task": "frames", "root": str(root), "backend": backend}, workdir)
    n = max(1, int(res["n"]))
    s = res["seconds"]
    where = f"backend {res['backend']}, {n} labelled passages"
    timed = (
        ("fit per 100 labels", s["final_fit"], f"final fit {s['final_fit']:.1f} s; {where}"),
        (
            "finetune per 100 labels",
            s["total"],
            f"whole command {s['total']:.1f} s incl. comparison on {res['folds']}; {where}",
        ),
    )
    return [
        _row("finetune", what, 100, secs * 100 / n, peak_mb=res["peak_mb"], note=note) for what, secs, note in timed
    ]


def run_bench(
    *,
    backends: Sequence[str] = BACKENDS,
    throughput_n: int = 2000,
    reference: bool = True,
    repeats: int = 2,
    sizes: Sequence[int] = (1000, 10000, 100000),
    growth_model: str = "default",
    figures: bool = True,
    finetune: bool = True,
    finetune_backend: str | None = None,
    chunksize: int = 2000,
    seed: int = 0,
    workdir: str | Path | None = None,
    command: str = "",
    log: Callable[[str], None] | None = None,
    runtimes: Sequence[str] = (),
    corpus: bool = False,
    growth_budget: float | None = None,
) -> BenchResult:
    """Measure this machine; see the module docstring for what each section means.

    Parameters
    ----------
    backends : sequence of str
        Throughput subjects, from :data:`BACKENDS`; empty to skip the section.
    throughput_n : int
        Generated passages per throughput measurement.
    reference : bool
        Measure raw ``SentenceTransformer.encode`` on the same texts (for ``ratio``).
    repeats : int
        Throughput runs per subject; the fastest is kept.
    sizes : sequence of int
        Growth sizes (passages); empty to skip the section.
    growth_model : str
        ``--model`` of the growth runs: ``default`` (every default model) or ``lexicon``.
    figures, finetune : bool
        Measure cold and warm ``stance figures`` / ``stance finetune``.
    finetune_backend : str, optional
        Backend of the fine-tuned version (default: that of the default frames model).
    chunksize : int
        Rows per part when scoring.
    seed : int
        Seed of the generated passages.
    workdir : path, optional
        Scratch folder (default: a temporary folder, removed at the end).
    command : str
        The command line, recorded in the result.
    log : callable, optional
        Receives a message before each measurement.
    runtimes : sequence of str
        Encoder runtimes (from :data:`RUNTIMES`) to measure the encoder and the subjects
        that encode under; empty for one row per subject under the configured runtime.
    corpus : bool
        Score the whole project corpus from a cold cache under each runtime.
    growth_budget : float, optional
        Seconds of scoring a growth size may take. A size projected (at the smallest size's
        rate) to take longer is streamed part by part and stopped after the budget; its
        scoring time is extrapolated from the passages scored and marked so.

    Returns
    -------
    BenchResult
    """
    unknown = [b for b in backends if b not in BACKENDS]
    if unknown:
        raise StanceInputError(
            f"unknown benchmark subject(s) {', '.join(unknown)}; choose from {', '.join(BACKENDS)}", field="backends"
        )
    bad = [r for r in runtimes if r not in RUNTIMES]
    if bad:
        raise StanceInputError(
            f"unknown encoder runtime(s) {', '.join(bad)}; choose from {', '.join(RUNTIMES)}", field="runtimes"
        )
    say = log or (lambda _msg: None)
    machine = machine_info()
    own = workdir is None
    work = Path(tempfile.mkdtemp(prefix="stance-bench-")) if own else Path(workdir)
    work.mkdir(parents=True, exist_ok=True)
    rows: list[dict[str, Any]] = []
    try:
        if backends or reference:
            rows += _throughput(
                backends, throughput_n, reference, max(1, repeats), chunksize, seed, work, say, runtimes
            )
        if corpus:
            rows += _corpus(runtimes or RUNTIMES, max(1, repeats), work, say)
        if sizes:
            rows += _growth(sorted(sizes), growth_model, chunksize, seed, work, say, growth_budget)
        if figures:
            rows += _figures(work, say)
        if finetune:
            rows += _finetune(work, finetune_backend, say)
    finally:
        if own:
            shutil.rmtree(work, ignore_errors=True)
    machine["load_average_end"] = [round(x, 2) for x in os.getloadavg()]
    settings = {
        "backends": list(backends),
        "throughput_n": throughput_n,
        "reference": reference,
        "repeats": repeats,
        "sizes": list(sizes),
        "growth_model": growth_model,
        "figures": figures,
        "finetune": finetune,
        "chunksize": chunksize,
        "seed": seed,
        "runtimes": list(runtimes),
        "corpus": corpus,
        "growth_budget": growth_budget,
    }
    table = pd.DataFrame(rows, columns=COLUMNS)
    return BenchResult(table=table, machine=machine, settings=settings, command=command)


# ---------------------------------------------------------------------------- reporting
def _get(table: pd.DataFrame, section: str, subject: str, column: str) -> float:
    sub = table[(table["section"] == section) & (table["subject"] == subject)]
    return float(sub[column].iloc[0]) if len(sub) else float("nan")


def targets(table: pd.DataFrame, readable: bool = False) -> pd.DataFrame:
    """Each target of :data:`TARGETS` with the measured value and whether it is met.

    Parameters
    ----------
    table : DataFrame
        :attr:`BenchResult.table`.
    readable : bool
        ``met`` as ``"yes"``, ``"no"`` or ``"not measured"`` instead of True, False, None.

    Returns
    -------
    DataFrame
        target, description, threshold, measured, met (True, False, or None when not
        measured).
    """
    growth = table[table["section"] == "growth"].sort_values("n")
    big = growth[growth["n"] == 100000]
    small = growth[growth["n"] == 1000]
    values = {
        "throughput": _get(table, "throughput", "default", "ratio"),
        "throughput_onnx": _get(table, "throughput", "default-all (onnx)", "ratio"),
        "throughput_onnx_int8": _get(table, "throughput", "default-all (onnx-int8)", "ratio"),
        "warm_figures": _get(table, "figures", "warm", "seconds"),
        "memory": float(big["peak_mb"].iloc[0]) if len(big) else float("nan"),
        "growth": (
            float(big["scoring_seconds"].iloc[0] / small["scoring_seconds"].iloc[0])
            if len(big) and len(small)
            else float("nan")
        ),
    }
    rows = []
    for name, (description, threshold) in TARGETS.items():
        value = values[name]
        met = (
            None
            if np.isnan(value)
            else bool(
                value >= threshold
                if name.startswith("throughput")
                else value < threshold
                if name == "memory"
                else value <= threshold
            )
        )
        if readable:
            met = "not measured" if met is None else "yes" if met else "no"
        rows.append({"target": name, "description": description, "threshold": threshold, "measured": value, "met": met})
    return pd.DataFrame(rows)


def _fmt(value: Any, digits: int = 1) -> str:
    if isinstance(value, float):
        return "" if np.isnan(value) else f"{value:,.{digits}f}"
    return str(value)


def _md_table(frame: pd.DataFrame, digits: Mapping[str, int]) -> str:
    """A Markdown table; columns in ``digits`` are right-aligned numbers with that many decimals."""
    head = "| " + " | ".join(frame.columns) + " |"
    rule = "|" + "|".join("---:" if c in digits else "---" for c in frame.columns) + "|"
    body = []
    for row in frame.itertuples(index=False):
        cells = [
            _fmt(float(v), digits[c]) if c in digits and v is not None else _fmt(v)
            for c, v in zip(frame.columns, row, strict=True)
        ]
        body.append("| " + " | ".join(cells) + " |")
    return "\n".join([head, rule, *body])


def to_markdown(result: BenchResult) -> str:
    """The result as Markdown: machine, command, one table per section, the targets."""
    m = result.machine
    t = result.table
    lines = [
        f"Machine: {m.get('cpu')}, {m.get('cores')} cores (AVX2: {'yes' if m.get('avx2') else 'no'}, "
        f"AVX-512: {'yes' if m.get('avx512') else 'no'}), "
        f"{m.get('memory_gb')} GB RAM; Python {m.get('python')}; "
        + ", ".join(f"{k} {v}" for k, v in m.get("versions", {}).items())
        + f". Load average (1, 5, 15 min) at the start {m.get('load_average')}, at the end "
        f"{m.get('load_average_end')}.",
        "",
    ]
    if result.command:
        lines += ["```", result.command, "```", ""]
    numeric = {"n": 0, "seconds": 2, "scoring_seconds": 2, "per_second": 1, "ratio": 2, "peak_mb": 0}
    titles = {
        "throughput": "Throughput (passages/s; ratio = / raw SentenceTransformer.encode of the same texts)",
        "corpus": "Project corpus, cold cache (ratio = raw encode time of the scored passages / scoring time)",
        "growth": "Growth (whole `stance score` run; ratio = wall time / that of the smallest size)",
        "figures": "`stance figures`",
        "finetune": "Fine-tuning (seconds per 100 labelled passages)",
    }
    for section, title in titles.items():
        sub = t[t["section"] == section].drop(columns="section")
        if sub.empty:
            continue
        sub = sub.loc[:, [c for c in sub.columns if c in ("subject", "note") or sub[c].notna().any()]]
        lines += [f"**{title}**", "", _md_table(sub, {k: v for k, v in numeric.items() if k in sub.columns}), ""]
    lines += ["**Targets**", "", _md_table(targets(t, readable=True), {"threshold": 2, "measured": 2}), ""]
    return "\n".join(lines)


if __name__ == "__main__":
    _child_main(sys.argv[1:])
