"""SM4 key rotation: a new key becomes current and every sensitive field is re-encrypted.

Encrypted fields are registered in :data:`ENCRYPTED_FIELDS`; later apps (petitions: reporter
identity) append theirs so one rotation covers the whole database.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.apps import apps
from django.db import transaction

from xietong.audit.models import Action
from xietong.audit.services import audit_record
from xietong.core.crypto import FieldCipher, reset_cipher_cache
from xietong.core.keys import load_keyring

ENCRYPTED_FIELDS: list[tuple[str, tuple[str, ...]]] = [
    ("org.Person", ("id_number_enc", "phone_enc")),
    ("org.Relative", ("id_number_enc",)),
]


@dataclass
class RotationReport:
    new_key_id: str
    fields: int


def rotate_keys(*, log=print) -> RotationReport:
    """Add a key, re-encrypt in one transaction (all or nothing), then make it current."""
    from django.conf import settings

    ring = load_keyring(settings.XIETONG_HOME)
    if ring.current == "env":
        raise SystemExit(
            "当前密钥来自环境变量 XIETONG_SM4_KEY，请在密钥管理系统中轮换。"
        )
    old = FieldCipher(ring)
    kid = str(max(int(k) for k in ring.sm4 if k.isdigit()) + 1)
    import secrets

    ring.sm4[kid] = secrets.token_bytes(16)
    new_ring = type(ring)(
        path=ring.path,
        current=kid,
        sm4=dict(ring.sm4),
        index=ring.index,
        checkpoint=ring.checkpoint,
    )
    new = FieldCipher(new_ring)
    # Save the new key before touching rows (not yet current) so no ciphertext can be
    # written under a key that is not on disk.
    ring.save()
    count = 0
    with transaction.atomic():
        for label, fields in ENCRYPTED_FIELDS:
            model = apps.get_model(label)
            batch = []
            for obj in model.objects.only("pk", *fields).iterator(chunk_size=2000):
                for name in fields:
                    token = getattr(obj, name)
                    if token:
                        setattr(obj, name, new.encrypt(old.decrypt(token)))
                        count += 1
                batch.append(obj)
                if len(batch) >= 2000:
                    model.objects.bulk_update(batch, fields)
                    batch = []
            if batch:
                model.objects.bulk_update(batch, fields)
            log(f"{model._meta.verbose_name}：已重新加密")
        audit_record(
            actor=None,
            action=Action.KEY_ROTATE,
            object_type="core.keyring",
            object_id=kid,
            object_repr="SM4 字段密钥",
            summary={"新密钥编号": kid, "字段数": count},
        )
    new_ring.save()
    reset_cipher_cache()
    return RotationReport(new_key_id=kid, fields=count)
