"""Hits keep ID numbers only encrypted: evidence keys and reasons are masked in their
columns with the full text SM4-encrypted beside them, and a hit's identity becomes a
keyed hash (a plain SHA-256 of ID numbers can be reversed by trying every number)."""

from django.db import migrations, models


def protect_existing(apps, schema_editor):
    from xietong.analytics.evidence import protect_hit_text
    from xietong.analytics.services.runs import hit_key
    from xietong.core.crypto import field_cipher

    Hit = apps.get_model("analytics", "Hit")
    cipher = field_cipher()
    for hit in Hit.objects.filter(evidence_enc="", reason_enc="").iterator():
        full = {"model": hit.model, "evidence": hit.evidence}
        if hit.custom_model_id is not None:
            full["identity"] = hit.identity
        hit.identity = hit_key(full)
        evidence, reason, full_evidence, full_reason = protect_hit_text(
            hit.evidence, hit.reason
        )
        hit.evidence, hit.reason = evidence, reason
        hit.evidence_enc = cipher.encrypt(full_evidence) if full_evidence else ""
        hit.reason_enc = cipher.encrypt(full_reason) if full_reason else ""
        hit.save(
            update_fields=[
                "identity",
                "evidence",
                "reason",
                "evidence_enc",
                "reason_enc",
            ]
        )


class Migration(migrations.Migration):
    dependencies = [
        ("analytics", "0002_jobs_schedules_custom"),
    ]

    operations = [
        migrations.AddField(
            model_name="hit",
            name="evidence_enc",
            field=models.TextField(blank=True, editable=False),
        ),
        migrations.AddField(
            model_name="hit",
            name="reason_enc",
            field=models.TextField(blank=True, editable=False),
        ),
        migrations.RunPython(protect_existing, migrations.RunPython.noop),
    ]
