"""Writes of the analytics app, one module per sub-domain; every public service is
re-exported here so callers write ``services.dataset_import``."""

from .datasets import dataset_import, datasets_root  # noqa: F401
from .hits import hit_triage  # noqa: F401
from .runs import hit_key, latest_versions, model_run_execute  # noqa: F401
