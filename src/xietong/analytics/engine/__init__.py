"""The analytics engine: standard datasets, normalisers and the built-in models.

Plain Python with no Django import, so it is tested on its own and can run in a
worker, the CLI or a Spark driver. Each model is written once in SQL and runs on
DuckDB (embedded, the default) or on Apache Spark (``engine="spark"``).
"""

from xietong.analytics.engine.catalogue import (
    CATALOGUE,
    PRIMARY_DATASET,
    ModelDefinition,
    Parameter,
    get_model,
)
from xietong.analytics.engine.datasets import (
    DATASETS,
    Column,
    Dataset,
    HeaderMapping,
    get_dataset,
    map_headers,
    row_key,
)
from xietong.analytics.engine.normalize import (
    NormalizationError,
    Normalized,
    normalize_row,
)
from xietong.analytics.engine.runner import (
    ENGINES,
    ParameterError,
    RunCancelled,
    calendar_table,
    check_scope,
    hit_identity,
    model_sql,
    resolve_params,
    run_models,
    sort_hits,
    validate_params,
)

__all__ = [
    "CATALOGUE",
    "DATASETS",
    "ENGINES",
    "PRIMARY_DATASET",
    "Column",
    "Dataset",
    "HeaderMapping",
    "ModelDefinition",
    "NormalizationError",
    "Normalized",
    "Parameter",
    "ParameterError",
    "RunCancelled",
    "calendar_table",
    "check_scope",
    "get_dataset",
    "get_model",
    "hit_identity",
    "map_headers",
    "model_sql",
    "normalize_row",
    "resolve_params",
    "row_key",
    "run_models",
    "sort_hits",
    "validate_params",
]
