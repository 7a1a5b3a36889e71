"""The audit trail and the access log are append-only in the database (erp migration 0008): UPDATE
and DELETE fail through the ORM and in plain SQL; only a user's deletion may clear their user column."""

import pytest
from auditlog.models import LogEntry
from django.db import IntegrityError, connection, transaction

from erp.access_log import record_access
from erp.models import AccessLog, Department


@pytest.fixture
def entries(company, make_user):
    user = make_user("clerk")
    Department.objects.create(company=company, code="QA", name="品保")
    log = record_access(AccessLog.Kind.LOGIN, user=user)
    return user, LogEntry.objects.order_by("pk").last(), log


def refused(action):
    with pytest.raises(IntegrityError, match="append-only"), transaction.atomic():
        action()


@pytest.mark.parametrize("model_index", [1, 2], ids=["logentry", "accesslog"])
def test_update_and_delete_through_the_orm_are_refused(entries, model_index):
    row = entries[model_index]
    model = type(row)

    refused(lambda: model.objects.filter(pk=row.pk).update(path="/x") if model is AccessLog
            else model.objects.filter(pk=row.pk).update(object_repr="forged"))
    refused(lambda: model.objects.filter(pk=row.pk).delete())
    refused(row.delete)

    assert model.objects.filter(pk=row.pk).exists()


@pytest.mark.parametrize("table", ["auditlog_logentry", "erp_accesslog"])
def test_update_and_delete_in_sql_are_refused(entries, table):
    def run(sql):
        with connection.cursor() as cursor:
            cursor.execute(sql)

    refused(lambda: run(f"UPDATE {table} SET timestamp = now()" if table == "auditlog_logentry"
                        else f"UPDATE {table} SET ip_address = '6.6.6.6'"))
    refused(lambda: run(f"DELETE FROM {table}"))
    # the user column may not be changed to another user either, only cleared with the user
    refused(lambda: run(f"UPDATE {table} SET {'actor_id' if table == 'auditlog_logentry' else 'user_id'} = NULL, "
                        f"{'object_repr' if table == 'auditlog_logentry' else 'detail'} = 'x'"))


def test_deleting_a_user_keeps_their_entries_with_the_user_column_cleared(entries, make_user):
    user, entry, log = entries
    actor_entry = LogEntry.objects.create(content_type=entry.content_type, object_pk="1", object_repr="x",
                                          action=LogEntry.Action.UPDATE, actor=user, actor_email="c@example.com")

    user.delete()

    log.refresh_from_db()
    actor_entry.refresh_from_db()
    assert (log.user_id, log.username) == (None, "clerk")
    assert (actor_entry.actor_id, actor_entry.actor_email) == (None, "c@example.com")
