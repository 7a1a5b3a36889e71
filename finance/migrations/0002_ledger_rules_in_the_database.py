"""The ledger's rules in the database too, whoever writes (a bug, a shell session, SQL access):

- a posted journal entry is never changed or deleted (its reversal is a new entry);
- a posted entry's lines are never changed or deleted, and no line is added to it;
- an entry becomes posted only with at least two lines whose debits equal its credits, and only into
  an open period (the period row is read FOR KEY SHARE: a period being closed makes it wait).

TRUNCATE (test teardown) is not a row operation and is unaffected."""

from django.db import migrations

SQL = """
CREATE OR REPLACE FUNCTION finance_entry_guard() RETURNS trigger AS $$
DECLARE
    debits numeric;
    credits numeric;
    line_count integer;
    period_status varchar;
BEGIN
    IF TG_OP = 'DELETE' THEN
        IF OLD.status = 'posted' THEN
            RAISE EXCEPTION 'journal entry % is posted: reverse it instead of deleting it', OLD.number
                USING ERRCODE = 'restrict_violation';
        END IF;
        RETURN OLD;
    END IF;
    IF TG_OP = 'UPDATE' AND OLD.status = 'posted' THEN
        RAISE EXCEPTION 'journal entry % is posted: reverse it instead of changing it', OLD.number
            USING ERRCODE = 'restrict_violation';
    END IF;
    IF NEW.status = 'posted' THEN
        SELECT coalesce(sum(debit), 0), coalesce(sum(credit), 0), count(*) INTO debits, credits, line_count
            FROM finance_journalline WHERE entry_id = NEW.id;
        IF line_count < 2 OR debits <> credits THEN
            RAISE EXCEPTION 'journal entry % does not balance (debits %, credits %, % lines)',
                NEW.id, debits, credits, line_count USING ERRCODE = 'check_violation';
        END IF;
        SELECT status INTO period_status FROM finance_period WHERE id = NEW.period_id FOR KEY SHARE;
        IF period_status IS DISTINCT FROM 'open' THEN
            RAISE EXCEPTION 'journal entry % is dated in a closed or missing period', NEW.id
                USING ERRCODE = 'check_violation';
        END IF;
        IF EXISTS (SELECT 1 FROM finance_journalline WHERE entry_id = NEW.id
                   AND (date IS DISTINCT FROM NEW.document_date OR company_id <> NEW.company_id)) THEN
            RAISE EXCEPTION 'journal entry % has lines of another date or company', NEW.id
                USING ERRCODE = 'check_violation';
        END IF;
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER finance_entry_guard
    BEFORE UPDATE OR DELETE ON finance_journalentry
    FOR EACH ROW EXECUTE FUNCTION finance_entry_guard();
CREATE TRIGGER finance_entry_guard_insert
    BEFORE INSERT ON finance_journalentry
    FOR EACH ROW WHEN (NEW.status = 'posted') EXECUTE FUNCTION finance_entry_guard();

CREATE OR REPLACE FUNCTION finance_line_guard() RETURNS trigger AS $$
DECLARE
    entry_ids bigint[];
BEGIN
    IF TG_OP = 'INSERT' THEN
        entry_ids := ARRAY[NEW.entry_id];
    ELSIF TG_OP = 'UPDATE' THEN
        entry_ids := ARRAY[OLD.entry_id, NEW.entry_id];
    ELSE
        entry_ids := ARRAY[OLD.entry_id];
    END IF;
    IF EXISTS (SELECT 1 FROM finance_journalentry WHERE id = ANY(entry_ids) AND status = 'posted') THEN
        RAISE EXCEPTION 'the lines of a posted journal entry are never added, changed or deleted'
            USING ERRCODE = 'restrict_violation';
    END IF;
    IF TG_OP = 'DELETE' THEN
        RETURN OLD;
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER finance_line_guard
    BEFORE INSERT OR UPDATE OR DELETE ON finance_journalline
    FOR EACH ROW EXECUTE FUNCTION finance_line_guard();
"""
REVERSE = """
DROP TRIGGER IF EXISTS finance_line_guard ON finance_journalline;
DROP FUNCTION IF EXISTS finance_line_guard();
DROP TRIGGER IF EXISTS finance_entry_guard_insert ON finance_journalentry;
DROP TRIGGER IF EXISTS finance_entry_guard ON finance_journalentry;
DROP FUNCTION IF EXISTS finance_entry_guard();
"""


class Migration(migrations.Migration):
    dependencies = [("finance", "0001_ledger")]

    operations = [migrations.RunSQL(SQL, REVERSE)]
