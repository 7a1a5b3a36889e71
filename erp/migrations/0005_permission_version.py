"""A version number of everything that decides a user's model permissions, raised by triggers on
every change to users' groups and permissions, groups' permissions, groups and permissions (by
the ORM, a cascade, raw SQL or a TRUNCATE alike), in the changing transaction.

Each process keeps the permission sets it has read together with the version they were read at
(erp.permissions.ModelBackend), and re-reads a user's set when the version has moved: a request
then costs a one-row read (folded into token authentication's query) instead of the join that
collects the permissions, and a change still takes effect on the next request everywhere."""

from django.db import migrations

TABLES = ("erp_user_groups", "erp_user_user_permissions", "auth_group_permissions", "auth_group",
          "auth_permission")

SQL = """
CREATE SEQUENCE erp_permission_version_seq;
CREATE TABLE erp_permission_version (id smallint PRIMARY KEY CHECK (id = 1), version bigint NOT NULL);
INSERT INTO erp_permission_version VALUES (1, nextval('erp_permission_version_seq'));
CREATE OR REPLACE FUNCTION erp_permission_version_bump() RETURNS trigger AS $$
BEGIN
    -- From a sequence, not version + 1: a rolled-back change must never hand out its number again.
    UPDATE erp_permission_version SET version = nextval('erp_permission_version_seq') WHERE id = 1;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;
""" + "".join(
    f"CREATE TRIGGER erp_permission_version_bump AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON {table} "
    "FOR EACH STATEMENT EXECUTE FUNCTION erp_permission_version_bump();\n"
    for table in TABLES
)

REVERSE = "".join(f"DROP TRIGGER IF EXISTS erp_permission_version_bump ON {table};\n" for table in TABLES) + """
DROP FUNCTION IF EXISTS erp_permission_version_bump();
DROP TABLE IF EXISTS erp_permission_version;
DROP SEQUENCE IF EXISTS erp_permission_version_seq;
"""


class Migration(migrations.Migration):
    dependencies = [("erp", "0004_event_by_source"), ("auth", "0012_alter_user_first_name_max_length")]

    operations = [migrations.RunSQL(SQL, REVERSE)]
