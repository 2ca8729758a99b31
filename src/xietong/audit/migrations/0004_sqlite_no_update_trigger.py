"""On SQLite the database refuses UPDATE of audit entries too.

DELETE stays possible there because test-database flushes use it; a removed entry is
caught by ``xietong audit verify`` (sequence gap, hash chain and signed checkpoints).
PostgreSQL refuses both (migration 0002).
"""

from django.db import migrations

TRIGGER = """
CREATE TRIGGER IF NOT EXISTS audit_entry_no_update
BEFORE UPDATE ON audit_auditentry
BEGIN
    SELECT RAISE(ABORT, '审计日志只能追加，不能修改或删除：UPDATE');
END;
"""


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        schema_editor.execute(TRIGGER)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        schema_editor.execute("DROP TRIGGER IF EXISTS audit_entry_no_update")


class Migration(migrations.Migration):
    dependencies = [("audit", "0003_alter_auditentry_action")]
    operations = [migrations.RunPython(forward, backward)]
