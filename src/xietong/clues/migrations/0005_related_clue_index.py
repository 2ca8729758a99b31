"""Related-clue index for a million clues: integer text keys (a sample of each clue's
content shingles, see ``clues.matching.signature_keys``) read from a (key, clue) index,
and an index on the subjects' name and unit. Existing clues are re-indexed."""

from django.db import migrations, models


def drop_old_keys(apps, schema_editor):
    apps.get_model("clues", "ClueSignature").objects.all().delete()


def index_clues(apps, schema_editor):
    from xietong.clues.matching import signature_keys

    Clue = apps.get_model("clues", "Clue")
    ClueSignature = apps.get_model("clues", "ClueSignature")
    batch = []
    for pk, summary in Clue.objects.order_by("pk").values_list("pk", "summary"):
        batch.extend(ClueSignature(clue_id=pk, key=k) for k in signature_keys(summary))
        if len(batch) >= 5000:
            ClueSignature.objects.bulk_create(batch)
            batch = []
    ClueSignature.objects.bulk_create(batch)


class Migration(migrations.Migration):
    dependencies = [
        ("clues", "0004_disposal_transfer_team_outcome_integrity"),
    ]

    operations = [
        migrations.RunPython(drop_old_keys, migrations.RunPython.noop),
        migrations.RemoveConstraint(
            model_name="cluesignature", name="unique_clue_signature"
        ),
        migrations.RemoveField(model_name="cluesignature", name="key"),
        migrations.AddField(
            model_name="cluesignature",
            name="key",
            field=models.BigIntegerField(default=0),
            preserve_default=False,
        ),
        migrations.AddIndex(
            model_name="cluesignature",
            index=models.Index(fields=["key", "clue"], name="clue_signature_key_idx"),
        ),
        migrations.AddIndex(
            model_name="cluesubject",
            index=models.Index(
                fields=["name", "unit_name"], name="clue_subject_name_unit_idx"
            ),
        ),
        migrations.RunPython(index_clues, drop_old_keys),
    ]
