"""Writes of the analytics app, one module per sub-domain; every public service is
re-exported here so callers write ``services.dataset_import``."""

from .dataset_uploads import (  # noqa: F401
    Preview,
    StagedUpload,
    dataset_preview,
    dataset_upload_enqueue,
    dataset_upload_stage,
    staged_sweep,
    staged_upload_discard,
    staged_upload_get,
)
from .datasets import (  # noqa: F401
    ImportCancelled,
    dataset_import,
    dataset_import_cancel,
    dataset_import_enqueue,
    dataset_import_perform,
    datasets_root,
)
from .hits import hit_triage  # noqa: F401
from .runs import (  # noqa: F401
    hit_key,
    inspection_target_sweep,
    latest_versions,
    model_run_cancel,
    model_run_enqueue,
    model_run_execute,
    model_run_perform,
)
from .schedules import (  # noqa: F401
    schedule_create,
    schedule_delete,
    schedule_set_enabled,
    schedules_fire_due,
)
