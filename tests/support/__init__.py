"""Support code of the test suite: toy models, synthetic data and label-store helpers.

Test modules import it as a package (``from support.models import CueModel``); the fixtures
built on it are in ``conftest.py``. No test module imports another test module.
"""
