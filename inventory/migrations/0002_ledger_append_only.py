"""The stock ledger is append-only in the database too: UPDATE and DELETE of a posted move fail,
whoever tries (a bug, a shell session, an admin with SQL access). TRUNCATE (test teardown) is not
a row operation and is unaffected."""

from django.db import migrations

SQL = """
CREATE OR REPLACE FUNCTION inventory_stockmove_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'stock moves are append-only: post a reversing move instead of changing or deleting move %',
        OLD.id USING ERRCODE = 'restrict_violation';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER inventory_stockmove_append_only
    BEFORE UPDATE OR DELETE ON inventory_stockmove
    FOR EACH ROW EXECUTE FUNCTION inventory_stockmove_append_only();
"""
REVERSE = """
DROP TRIGGER IF EXISTS inventory_stockmove_append_only ON inventory_stockmove;
DROP FUNCTION IF EXISTS inventory_stockmove_append_only();
"""


class Migration(migrations.Migration):
    dependencies = [("inventory", "0001_initial")]

    operations = [migrations.RunSQL(SQL, REVERSE)]
