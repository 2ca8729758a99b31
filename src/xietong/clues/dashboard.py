"""Home-page figures of the clue ledger."""

from django.urls import reverse

from xietong.access import policies
from xietong.dashboard.registry import Counter, counter_provider

from .models import Clue


@counter_provider
def clue_counters(viewer):
    if not policies.clue_units(viewer).exists():
        return []
    qs = policies.scope_clues(viewer, Clue.objects.all())
    return [Counter("本单位问题线索", qs.count(), reverse("clues:ledger"))]
