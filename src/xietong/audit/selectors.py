"""Searching the audit log (安全审计员 only; the caller checks the policy)."""

from __future__ import annotations

import datetime as dt

from django.db.models import Q, QuerySet

from .models import AuditEntry


def audit_search(
    *,
    action: str = "",
    actor: str = "",
    object_type: str = "",
    q: str = "",
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
) -> QuerySet[AuditEntry]:
    """Entries newest first, filtered by action, actor, object and date."""
    qs = AuditEntry.objects.all()
    if action:
        qs = qs.filter(action=action)
    if actor:
        qs = qs.filter(
            Q(actor_username__icontains=actor) | Q(actor_name__contains=actor)
        )
    if object_type:
        qs = qs.filter(object_type=object_type)
    if q:
        qs = qs.filter(
            Q(object_repr__contains=q) | Q(summary__contains=q) | Q(client_ip=q)
        )
    if date_from:
        qs = qs.filter(created_at__date__gte=date_from)
    if date_to:
        qs = qs.filter(created_at__date__lte=date_to)
    return qs.order_by("-seq")
