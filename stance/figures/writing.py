"""Deterministic figure files: PNG without the ``Software`` tag, SVG with stable ids, fixed CSV.

Only :func:`write_figure` and :func:`write_table` write files, so a re-run gives
byte-identical files. Files are named after the entry: ``<name>.png``, ``.svg``, ``.csv``.
"""

from __future__ import annotations

import hashlib
import io
import re
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from stance import plotting
from stance.io import atomic_write

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.figure import Figure

__all__ = ["DPI", "csv_bytes", "file_hashes", "write_figure", "write_table"]

#: Resolution of the PNG files.
DPI = 150

_SVG_CLIP_ID = re.compile(rb"\bp[0-9a-f]{10}\b")


def _write_bytes(path: Path, data: bytes) -> bool:
    """Write ``data`` atomically; return False (and leave the file alone) if it is unchanged."""
    if path.is_file() and path.read_bytes() == data:
        return False
    atomic_write(path, data)
    return True


def csv_bytes(data: pd.DataFrame) -> bytes:
    """The CSV bytes of a figure's numbers: dates as ``YYYY-MM-DD``, floats with four decimals."""
    out = data.copy()
    for col in out.columns:
        if pd.api.types.is_datetime64_any_dtype(out[col]):
            out[col] = out[col].dt.strftime("%Y-%m-%d")
    return out.to_csv(index=False, lineterminator="\n", float_format="%.4f").encode("utf-8")


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
    return {str(path): _write_bytes(path, csv_bytes(data))}


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
        The figure (a :class:`matplotlib.figure.Figure`; nothing here touches pyplot).
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
    return written


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
