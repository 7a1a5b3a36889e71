"""Refused requests leave a trace in the access log: 403s, a signed-in user's 404 from a view (how an
object outside their scope answers) and CSRF failures — at most ACCESS_LOG_REFUSALS_PER_MINUTE per
user or address and kind."""

from django.test import Client

from erp.models import AccessLog
from office.services import task_assign
from tests.factories import CompanyFactory, UserFactory


def kinds():
    refusals = AccessLog.objects.exclude(kind=AccessLog.Kind.LOGIN).order_by("pk")
    return list(refusals.values_list("kind", "username", "path", "detail"))


def test_an_object_of_another_company_answers_404_and_is_recorded(client, make_user, roles):
    other = UserFactory(username="rival", company=CompanyFactory(), roles=["Sales"])
    task = task_assign(company=other.company, title="Theirs", user=other)
    client.force_login(make_user("clerk", "Sales"))

    screen = client.get(f"/office/tasks/{task.pk}/")
    api = client.get(f"/api/office/tasks/{task.pk}/")

    assert (screen.status_code, api.status_code) == (404, 404)
    assert kinds() == [
        ("not_found", "clerk", f"/office/tasks/{task.pk}/", ""),
        ("not_found", "clerk", f"/api/office/tasks/{task.pk}/", "api"),
    ]


def test_a_404_without_a_view_or_for_a_visitor_is_not_recorded(client, make_user):
    Client().get("/office/tasks/999999/")
    client.force_login(make_user("clerk", "Sales"))
    client.get("/no/such/page/")

    assert kinds() == []


def test_a_csrf_failure_gets_a_translated_page_and_is_recorded(db):
    browser = Client(enforce_csrf_checks=True)

    response = browser.post("/accounts/login/", {"username": "x", "password": "y"}, REMOTE_ADDR="10.0.0.7")

    assert response.status_code == 403
    assert "表單" in response.content.decode()  # zh-Hant, the default language
    entry = AccessLog.objects.get()
    assert (entry.kind, entry.ip_address, entry.path) == ("csrf_failure", "10.0.0.7", "/accounts/login/")
    assert "CSRF" in entry.detail


def test_an_api_write_without_the_sessions_csrf_token_is_recorded_as_a_csrf_failure(make_user):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(make_user("keeper", "Warehouse"))

    response = browser.post("/api/office/tasks/", {"title": "x"}, content_type="application/json")

    assert response.status_code == 403
    assert kinds() == [("csrf_failure", "keeper", "/api/office/tasks/", "api")]


def test_a_flood_of_refusals_is_recorded_up_to_the_rate_per_user_and_kind(client, make_user, settings):
    settings.ACCESS_LOG_REFUSALS_PER_MINUTE = 3
    client.force_login(make_user("norole"))
    for _ in range(10):
        assert client.get("/office/").status_code == 403
    other = Client()
    other.force_login(make_user("other"))
    other.get("/office/")
    for _ in range(5):
        Client().get("/api/office/tasks/", REMOTE_ADDR="10.6.6.6")

    rows = AccessLog.objects.filter(kind="denied")
    assert rows.filter(username="norole").count() == 3
    assert rows.filter(username="other").count() == 1
    assert rows.filter(ip_address="10.6.6.6").count() == 3
