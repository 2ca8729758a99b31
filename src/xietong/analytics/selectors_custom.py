"""Reads of custom SQL models, scoped for the viewer by ``access.policies``."""

from __future__ import annotations

from django.db.models import Count, QuerySet

from xietong.access import policies
from xietong.analytics.models import CustomModel
from xietong.core.errors import NotFound


def custom_model_list(*, viewer) -> QuerySet:
    """Custom models ``viewer`` may see (own and shared), with their run and hit counts."""
    return policies.scope_custom_models(
        viewer,
        CustomModel.objects.select_related("unit", "created_by").annotate(
            run_count=Count("runs", distinct=True),
            hit_count=Count("hits", distinct=True),
        ),
    ).order_by("unit__name", "name")


def access_custom_model_by_id(actor, custom_model_id) -> CustomModel:
    """Fetch and authorise in one call; missing and forbidden answer the same."""
    try:
        custom_model = CustomModel.objects.select_related("unit", "created_by").get(
            pk=int(custom_model_id)
        )
    except (CustomModel.DoesNotExist, ValueError, TypeError):
        raise NotFound() from None
    if not policies.can_view_custom_model(actor, custom_model):
        raise NotFound()
    return custom_model
