"""Writing to the audit table behind the application's back, as a privileged attacker."""

from django.db import connection

PG_TRIGGER = "audit_entry_append_only"
SQLITE_TRIGGER_SQL = """
CREATE TRIGGER IF NOT EXISTS audit_entry_no_update
BEFORE UPDATE ON audit_auditentry
BEGIN
    SELECT RAISE(ABORT, '审计日志只能追加，不能修改或删除：UPDATE');
END;
"""


def tamper_sql(sql: str, params=()) -> None:
    """Run ``sql`` with the append-only triggers switched off, then switch them back on."""
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            cur.execute(f"ALTER TABLE audit_auditentry DISABLE TRIGGER {PG_TRIGGER}")
        else:
            cur.execute("DROP TRIGGER IF EXISTS audit_entry_no_update")
        try:
            cur.execute(sql, params)
        finally:
            if connection.vendor == "postgresql":
                cur.execute(f"ALTER TABLE audit_auditentry ENABLE TRIGGER {PG_TRIGGER}")
            else:
                cur.execute(SQLITE_TRIGGER_SQL)
