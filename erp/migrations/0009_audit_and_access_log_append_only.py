"""The audit trail (auditlog's LogEntry) and the access log are append-only in the database too, as
the stock ledger is (inventory 0002): UPDATE and DELETE fail, whoever tries (a bug, a shell session,
an admin with SQL access). One exception: deleting a user sets the user column of their rows to NULL
(on_delete=SET_NULL); that UPDATE, and only that column going to NULL, passes — the row keeps the
actor's e-mail or username. auditlog's `auditlogflush` and a cascade from a deleted content type
are refused; purging old entries is a deliberate act with the trigger disabled (docs/deploy.md).
TRUNCATE (test teardown) is not a row operation and is unaffected."""

from django.db import migrations

# plpgsql cannot name a column through a variable (NEW.<TG_ARGV[0]>), hence the row as JSON.
SQL = """
CREATE OR REPLACE FUNCTION erp_append_only() RETURNS trigger AS $$
BEGIN
    -- TG_ARGV[0]: the user column that a user's deletion sets to NULL (on_delete=SET_NULL).
    IF TG_OP = 'UPDATE' AND to_jsonb(NEW) -> TG_ARGV[0] = 'null'::jsonb
       AND to_jsonb(OLD) -> TG_ARGV[0] <> 'null'::jsonb
       AND to_jsonb(NEW) - TG_ARGV[0] = to_jsonb(OLD) - TG_ARGV[0] THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION '% is append-only: row % cannot be changed or deleted', TG_TABLE_NAME, OLD.id
        USING ERRCODE = 'restrict_violation';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER auditlog_logentry_append_only
    BEFORE UPDATE OR DELETE ON auditlog_logentry
    FOR EACH ROW EXECUTE FUNCTION erp_append_only('actor_id');
CREATE TRIGGER erp_accesslog_append_only
    BEFORE UPDATE OR DELETE ON erp_accesslog
    FOR EACH ROW EXECUTE FUNCTION erp_append_only('user_id');
"""
REVERSE = """
DROP TRIGGER IF EXISTS auditlog_logentry_append_only ON auditlog_logentry;
DROP TRIGGER IF EXISTS erp_accesslog_append_only ON erp_accesslog;
DROP FUNCTION IF EXISTS erp_append_only();
"""


class Migration(migrations.Migration):
    dependencies = [("erp", "0008_api_tokens_hashed_and_lockout"), ("auditlog", "0017_add_actor_email")]

    operations = [migrations.RunSQL(SQL, REVERSE)]
