"""The seven built-in models of DATASETS.md, each defined once in canonical SQL."""

from __future__ import annotations

from xietong.analytics.engine.catalogue.base import ModelDefinition, Parameter
from xietong.analytics.engine.catalogue.payments import (
    DEATH_PAYMENT,
    DUPLICATE_PAYMENT,
    RELATIVE_WELFARE,
)
from xietong.analytics.engine.catalogue.procurement import (
    SPLIT_PURCHASE,
    SUPPLIER_CONFLICT,
)
from xietong.analytics.engine.catalogue.staff import DOUBLE_PAYROLL, VEHICLE_MISUSE

# In the order of DATASETS.md; results are sorted by this order first.
CATALOGUE: dict[str, ModelDefinition] = {
    m.key: m
    for m in (
        DEATH_PAYMENT,
        RELATIVE_WELFARE,
        SUPPLIER_CONFLICT,
        SPLIT_PURCHASE,
        DOUBLE_PAYROLL,
        DUPLICATE_PAYMENT,
        VEHICLE_MISUSE,
    )
}

# The dataset whose evidence keys identify a hit of each model.
PRIMARY_DATASET: dict[str, str] = {key: m.primary for key, m in CATALOGUE.items()}


def get_model(key: str) -> ModelDefinition:
    """The built-in model ``key``; a KeyError in Chinese names the known ones."""
    try:
        return CATALOGUE[key]
    except KeyError:
        known = "、".join(CATALOGUE)
        raise KeyError(f"未知的模型“{key}”：可用的有 {known}") from None


__all__ = ["CATALOGUE", "PRIMARY_DATASET", "ModelDefinition", "Parameter", "get_model"]
