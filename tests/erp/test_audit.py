"""The operation trail: every business model audited with actor and IP; logins, failures,
denials and exports recorded; log entries read-only for everyone."""

import pytest
from auditlog.models import LogEntry
from auditlog.registry import auditlog
from django.apps import apps
from django.conf import settings

from erp.access_log import record_export
from erp.models import AccessLog, Company, Department, User
from office.models import Task
from tests.factories import UserFactory


def test_every_model_of_every_department_app_and_the_core_is_in_the_audit_trail():
    # ApiToken: issuing and "sign out everywhere" are in the access log; its rows hold only digests.
    # WeCom's robot queue keeps its own status, attempts and answers, like the outbox; the access tokens and
    # the sends per user are the WeCom client's working state. Notifications, group messages, their
    # deliveries and read receipts: what the system sent and who read what, each row its own record; so
    # are WeCom's approval cards and the callbacks of their buttons (the decisions they lead to are audited).
    infrastructure = {"OutboxEvent", "EventDelivery", "NumberSequence", "AccessLog", "ExportJob", "ApiToken",
                      "WeComRobotMessage", "WeComAccessToken", "WeComUserSends", "WeComApprovalCard", "WeComCallback",
                      "Notification", "Broadcast", "NotificationDelivery", "AnnouncementRead",
                      # what an MRP run computed, written in bulk and never edited (its run is audited)
                      "MrpRecord", "MrpItemPlan", "PlannedOrderPeg", "MrpException",
                      # the ledger's lines (written with their entry, immutable once posted; the entry is audited)
                      # and the period balance rows the postings keep
                      "JournalLine", "AccountBalance"}
    models = [
        model
        for label in [*settings.DEPARTMENT_APPS, "erp"]
        for model in apps.get_app_config(label).get_models()
        if model.__name__ not in infrastructure
    ]
    missing = [model._meta.label for model in models if not auditlog.contains(model)]

    assert missing == []
    assert {Company, Department, User, Task} <= set(models)


def test_a_change_through_the_ui_is_logged_with_the_user_and_ip(client, make_user):
    user = make_user("clerk", "Sales")
    client.force_login(user)

    response = client.post(
        "/office/tasks/new/",
        {"title": "Call the customer", "assignee_user": user.pk, "priority": "normal"},
        REMOTE_ADDR="10.1.2.3",
    )

    assert response.status_code == 302
    task = Task.objects.get()
    entry = LogEntry.objects.get_for_object(task).get()
    assert (entry.action, entry.actor, entry.remote_addr) == (LogEntry.Action.CREATE, user, "10.1.2.3")
    assert entry.changes_dict["title"] == ["None", "Call the customer"]


def test_updates_and_deletes_are_logged(company):
    department = Department.objects.create(company=company, code="qa", name="品保")
    department.name = "品質保證"
    department.save()
    department.delete()

    actions = list(LogEntry.objects.filter(object_repr__contains="QA").order_by("pk").values_list("action", flat=True))
    assert actions == [LogEntry.Action.CREATE, LogEntry.Action.UPDATE, LogEntry.Action.DELETE]


def test_logins_failed_logins_and_logouts_are_recorded(client, make_user):
    make_user("clerk")

    client.post("/accounts/login/", {"username": "clerk", "password": "wrong"}, REMOTE_ADDR="10.0.0.9")
    client.post("/accounts/login/", {"username": "clerk", "password": "pw-for-tests"}, REMOTE_ADDR="10.0.0.9")
    client.post("/accounts/logout/")

    rows = list(AccessLog.objects.order_by("pk").values_list("kind", "username", "ip_address"))
    assert rows == [
        ("login_failed", "clerk", "10.0.0.9"),
        ("login", "clerk", "10.0.0.9"),
        ("logout", "clerk", "127.0.0.1"),
    ]


def test_permission_denials_are_recorded(client, make_user):
    client.force_login(make_user("norole"))

    client.get("/office/")
    client.get("/api/office/tasks/")

    denials = AccessLog.objects.filter(kind=AccessLog.Kind.PERMISSION_DENIED).order_by("pk")
    assert list(denials.values_list("kind", "path", "detail")) == [
        ("denied", "/office/", ""),
        ("denied", "/api/office/tasks/", "api"),
    ]


def test_exports_are_recorded(rf, make_user):
    request = rf.get("/inventory/items/export/?format=xlsx")
    request.user = make_user("clerk")

    record_export(request, "items.xlsx")

    entry = AccessLog.objects.get(kind=AccessLog.Kind.EXPORT)
    assert (entry.detail, entry.username, entry.path) == ("items.xlsx", "clerk", "/inventory/items/export/?format=xlsx")


@pytest.mark.parametrize("path", ["/admin/auditlog/logentry/", "/admin/erp/accesslog/"])
def test_log_entries_are_read_only_even_for_superusers(client, company, path):
    admin = UserFactory(username="root", company=company, is_staff=True, is_superuser=True)
    client.force_login(admin)
    Department.objects.create(company=company, code="X", name="X")
    model = LogEntry if "logentry" in path else AccessLog
    entry = model.objects.order_by("pk").first()

    listing = client.get(path)
    change = client.post(f"{path}{entry.pk}/change/", {})
    delete = client.post(f"{path}{entry.pk}/delete/", {"post": "yes"})

    assert listing.status_code == 200
    assert change.status_code in (403, 302, 200)
    assert delete.status_code == 403
    assert model.objects.filter(pk=entry.pk).exists()
    assert client.get(f"{path}add/").status_code == 403
