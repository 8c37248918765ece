"""stance: narrative, framing and stance analysis of news and official statements.

Offline and CPU-first: the default sentence encoder ships inside an installed package,
nothing is downloaded at run time, and every saved artefact is JSON, CSV or safetensors.

The top-level namespace holds the light entry points; models, evaluation, analysis and
figures live in their submodules (``stance.classifiers``, ``stance.evaluation``,
``stance.analysis``, ``stance.figures``) so that importing :mod:`stance` stays fast and
never imports torch.
"""

from __future__ import annotations

from stance.codebook import Codebook
from stance.config import project_root, settings
from stance.corpus import Corpus, diff_passages, load_corpus, load_project_corpus, text_hash
from stance.errors import StanceInputError
from stance.paths import ProjectPaths

__version__ = "0.1.0"

__all__ = [
    "Codebook",
    "Corpus",
    "ProjectPaths",
    "StanceInputError",
    "__version__",
    "diff_passages",
    "load_corpus",
    "load_project_corpus",
    "project_root",
    "settings",
    "text_hash",
]
