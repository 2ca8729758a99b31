"""Writing to the audit log. Every write service calls :func:`audit_record` in its transaction."""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from xietong.core.keys import load_keyring

from .chain import (
    CANONICAL_FIELDS,
    GENESIS,
    CheckpointFile,
    VerifyResult,
    entry_hash,
    verify_entries,
)
from .context import client_ip
from .models import Action, AuditEntry

# Any constant works: it only has to be the same for every writer of the chain.
_PG_LOCK_KEY = 774_501_2026


@lru_cache(maxsize=1)
def checkpoint_file() -> CheckpointFile:
    """The signed checkpoint file of the configured ``XIETONG_HOME``."""
    home = Path(settings.XIETONG_HOME)
    return CheckpointFile(
        home / "audit" / "checkpoints.log", load_keyring(home).checkpoint
    )


def _summary_text(summary) -> str:
    if summary is None:
        return ""
    if isinstance(summary, str):
        return summary
    return json.dumps(summary, ensure_ascii=False, sort_keys=True, default=str)


def audit_record(
    *,
    actor,
    action: str,
    obj=None,
    object_type: str = "",
    object_id: str | int = "",
    object_repr: str = "",
    summary=None,
    ip: str | None = None,
) -> AuditEntry:
    """Append one entry to the chain inside the caller's transaction.

    ``actor`` may be None for system jobs and failed logins of unknown accounts.
    """
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or obj.pk
        object_repr = object_repr or str(obj)
    unit = getattr(actor, "unit", None) if actor is not None else None
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cur:
                cur.execute("SELECT pg_advisory_xact_lock(%s)", [_PG_LOCK_KEY])
        last = AuditEntry.objects.order_by("-seq").values("seq", "entry_hash").first()
        values = {
            "seq": (last["seq"] + 1) if last else 1,
            "created_at": timezone.now(),
            "actor_id": getattr(actor, "pk", None),
            "actor_username": getattr(actor, "username", "") or "",
            "actor_name": (getattr(actor, "full_name", "") or "") if actor else "",
            "unit_name": unit.name if unit is not None else "",
            "action": str(action),
            "object_type": str(object_type or ""),
            "object_id": str(object_id or ""),
            "object_repr": str(object_repr or "")[:255],
            "summary": _summary_text(summary),
            "client_ip": ip if ip is not None else client_ip.get(),
        }
        prev = last["entry_hash"] if last else GENESIS
        digest = entry_hash(prev, values)
        entry = AuditEntry(prev_hash=prev, entry_hash=digest, **values)
        entry.save(force_insert=True)
        seq = values["seq"]
        transaction.on_commit(lambda: checkpoint_file().append(seq, digest))
    return entry


def audit_verify() -> VerifyResult:
    """Check the whole chain and the signed checkpoints; names the first bad entry."""
    fields = (*CANONICAL_FIELDS, "prev_hash", "entry_hash")
    checkpoints, bad_lines = checkpoint_file().read()
    rows = AuditEntry.objects.order_by("seq").values(*fields).iterator(chunk_size=5000)
    result = verify_entries(rows, checkpoints)
    if result.ok and bad_lines:
        return VerifyResult(
            False,
            result.checked,
            None,
            f"检查点文件第 {bad_lines[0]} 行签名无效：检查点文件被改动。",
        )
    return result


__all__ = ["Action", "audit_record", "audit_verify"]
