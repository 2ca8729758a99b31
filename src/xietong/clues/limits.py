"""The configured clue time limits (settings.XIETONG_CLUE_TIME_LIMITS over the defaults)."""

from __future__ import annotations

import dataclasses

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from .rules import TimeLimits


def time_limits() -> TimeLimits:
    """The time limits in force; an unknown or non-positive setting is a startup error."""
    configured = dict(getattr(settings, "XIETONG_CLUE_TIME_LIMITS", {}) or {})
    known = {f.name for f in dataclasses.fields(TimeLimits)}
    unknown = set(configured) - known
    if unknown:
        raise ImproperlyConfigured(
            f"XIETONG_CLUE_TIME_LIMITS 含未知项：{sorted(unknown)}"
        )
    for key, value in configured.items():
        if not isinstance(value, int) or value <= 0:
            raise ImproperlyConfigured(f"XIETONG_CLUE_TIME_LIMITS.{key} 须为正整数")
    return TimeLimits(**configured)
