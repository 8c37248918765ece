"""Compatibility module: the evaluation core lives in :mod:`stance.evaluation`.

``stance.evaluate`` re-exports the public names of :mod:`stance.evaluation` so that code
written against it keeps working; new code imports from :mod:`stance.evaluation`.
"""

from __future__ import annotations

from stance.evaluation import *  # noqa: F403
from stance.evaluation import __all__  # noqa: F401
