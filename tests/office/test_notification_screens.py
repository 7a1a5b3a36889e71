"""The notification screens: the bell in the header (live count), the notifications page (25 a page,
filters, mark read, open), the preferences on the user's profile, and the deliveries admins see; each
in a fixed number of queries, and refused to who may not."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from erp import messages
from office.models import Notification, NotificationDelivery, NotificationPreference
from office.services.notifications import notify
from tests.conftest import warm_permissions
from tests.factories import CompanyFactory, UserFactory

CREDIT = messages.message("Approve credit for %(order)s (%(customer)s)", order="SO-1", customer="大同機械")
LATE = "sales.order_late"  # default channels: in-app, WeCom (not registered here) and e-mail


def queries_of(client, url):
    """How many queries one GET of ``url`` costs (200 expected)."""
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def send(company, user, count=1, kind="office.task_assigned", link="/office/"):
    return [notify(company=company, recipients=[user], kind=kind, message=CREDIT, link=link)[0]
            for _n in range(count)]


@pytest.fixture
def clerk(make_user):
    return make_user("clerk", "Sales", email="clerk@example.com", language="en")


def test_the_bell_shows_the_unread_count_and_refreshes_itself(company, clerk, client):
    send(company, clerk, 3)
    Notification.objects.filter(pk=Notification.objects.first().pk).update(read_at="2026-12-07T10:00:00+08:00")
    client.force_login(clerk)

    page = client.get("/").content.decode()
    badge = client.get("/office/notifications/badge/")

    assert 'id="notification-bell"' in page
    assert 'hx-get="/office/notifications/badge/"' in page
    assert 'data-count="2"' in page
    assert badge.status_code == 200
    assert 'data-count="2"' in badge.content.decode()


def test_the_badge_costs_the_same_queries_whatever_the_count(company, clerk, client):
    client.force_login(clerk)
    warm_permissions(clerk)
    client.get("/office/notifications/badge/")

    send(company, clerk, 1)
    few = queries_of(client, "/office/notifications/badge/")
    send(company, clerk, 20)
    assert queries_of(client, "/office/notifications/badge/") == few


def test_the_notifications_page_lists_25_a_page_newest_first_and_filters(company, clerk, client):
    made = send(company, clerk, 27)
    send(company, clerk, 1, kind=LATE)
    Notification.objects.filter(pk__in=[n.pk for n in made[:5]]).update(read_at="2026-12-07T10:00:00+08:00")
    client.force_login(clerk)

    first = client.get("/office/notifications/")
    second = client.get("/office/notifications/?page=2")
    unread = client.get("/office/notifications/?state=unread")
    read = client.get("/office/notifications/?state=read")
    late = client.get("/office/notifications/?kind=sales.order_late", HTTP_HX_REQUEST="true", HTTP_HX_TARGET="results")

    assert first.content.decode().count("data-notification=") == 25
    assert second.content.decode().count("data-notification=") == 3
    assert unread.content.decode().count("data-notification=") == 23
    assert read.content.decode().count("data-notification=") == 5
    assert late.content.decode().count("data-notification=") == 1
    assert "<html" not in late.content.decode()  # the htmx partial only
    assert "Approve credit for SO-1 (大同機械)" in first.content.decode()  # in the reader's language


def test_the_notifications_page_costs_the_same_queries_for_3_or_25_rows(company, clerk, client):
    client.force_login(clerk)
    warm_permissions(clerk)
    send(company, clerk, 3)
    client.get("/office/notifications/")

    few = queries_of(client, "/office/notifications/")
    send(company, clerk, 30)
    assert queries_of(client, "/office/notifications/") == few


def test_opening_a_notification_marks_it_read_and_goes_to_its_page(company, clerk, client):
    own, elsewhere = send(company, clerk, 1, link="/sales/orders/")[0], send(company, clerk, 1,
                                                                           link="https://evil.example/")[0]
    client.force_login(clerk)

    response = client.get(f"/office/notifications/{own.pk}/")
    away = client.get(f"/office/notifications/{elsewhere.pk}/")

    assert (response.status_code, response["Location"]) == (302, "/sales/orders/")
    assert away["Location"] == "/office/notifications/"  # never to another site
    own.refresh_from_db()
    assert own.read_at is not None


def test_marking_one_or_all_read(company, clerk, client):
    one, *rest = send(company, clerk, 3)
    client.force_login(clerk)

    client.post(f"/office/notifications/{one.pk}/read/", {"next": "/office/notifications/?state=unread"})
    assert Notification.objects.filter(read_at__isnull=True).count() == 2
    response = client.post("/office/notifications/read-all/")

    assert response.status_code == 302
    assert Notification.objects.filter(read_at__isnull=True).count() == 0


def test_nobody_reads_or_marks_anothers_notification(company, clerk, make_user, client):
    theirs = send(company, make_user("other", "Sales"), 1)[0]
    client.force_login(clerk)

    assert client.get(f"/office/notifications/{theirs.pk}/").status_code == 404
    assert client.post(f"/office/notifications/{theirs.pk}/read/").status_code == 404
    client.post("/office/notifications/read-all/")
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_the_profile_page_holds_the_preferences_grid_with_in_app_fixed_on(clerk, client):
    client.force_login(clerk)

    page = client.get("/accounts/profile/").content.decode()
    menu = client.get("/").content.decode()

    assert 'id="user-menu-profile"' in menu and 'href="/accounts/profile/"' in menu
    assert 'id="notification-preference-grid"' in page
    assert 'name="on" value="sales.order_late:email"' in page
    assert 'checked disabled aria-label="Always on"' in page  # in-app, one per kind
    assert 'value="office.task_assigned:email" id="pref-officetask_assigned-email" aria' in page  # off by default


def test_saving_the_grid_stores_the_users_choices(clerk, client):
    client.force_login(clerk)

    response = client.post("/office/notifications/preferences/", {"on": ["office.task_assigned:email"]})

    assert (response.status_code, response["Location"]) == (302, "/accounts/profile/")
    # Rows only where the choice differs from the kind's default (announcements: e-mail off, unticked),
    # and none for WeCom, which cannot reach the clerk (no WeCom id): its boxes are greyed out
    assert sorted(NotificationPreference.objects.filter(user=clerk).values_list("kind", "channel", "enabled")) == [
        ("office.approval_waiting", "email", False), ("office.task_assigned", "email", True),
        ("sales.order_late", "email", False), ("sales.promise_changed", "email", False)]
    page = client.get("/accounts/profile/").content.decode()
    assert 'value="office.task_assigned:email" id="pref-officetask_assigned-email" checked' in page


def test_the_deliveries_screen_lists_the_companys_deliveries_and_sends_one_again(company, make_user, client,
                                                                                   monkeypatch):
    monkeypatch.setattr("office.services.notifications.enqueue", lambda ids, countdown=None: True)
    admin = make_user("root", "System admin")
    clerk = make_user("clerk", "Sales", email="clerk@example.com")
    send(company, clerk, 2, kind=LATE)
    stranger = UserFactory(username="far", company=CompanyFactory(code="OTHER"), email="far@example.com")
    send(stranger.company, stranger, 1, kind=LATE)
    failed = NotificationDelivery.objects.filter(company=company).first()
    NotificationDelivery.objects.filter(pk=failed.pk).update(status="failed", detail="refused", attempts=8)
    client.force_login(admin)

    everything = client.get("/office/notifications/deliveries/").content.decode()
    only_failed = client.get("/office/notifications/deliveries/?status=failed").content.decode()
    retried = client.post(f"/office/notifications/deliveries/{failed.pk}/retry/")
    foreign = NotificationDelivery.objects.exclude(company=company).get()

    assert everything.count("data-delivery=") == 2
    assert only_failed.count("data-delivery=") == 1 and "refused" in only_failed
    assert retried.status_code == 302
    failed.refresh_from_db()
    assert failed.status == "pending"
    assert client.post(f"/office/notifications/deliveries/{foreign.pk}/retry/").status_code == 404


def test_the_deliveries_screen_costs_the_same_queries_for_2_or_20_rows(company, make_user, client):
    admin = make_user("root", "System admin")
    clerk = make_user("clerk", "Sales", email="clerk@example.com")
    client.force_login(admin)
    warm_permissions(admin)
    send(company, clerk, 2, kind=LATE)
    client.get("/office/notifications/deliveries/")

    few = queries_of(client, "/office/notifications/deliveries/")
    send(company, clerk, 18, kind=LATE)
    assert queries_of(client, "/office/notifications/deliveries/") == few


# Who may open what ------------------------------------------------------------------------------

GETS = ["/office/notifications/", "/office/notifications/badge/", "/office/notifications/deliveries/"]
POSTS = ["/office/notifications/read-all/", "/office/notifications/preferences/"]


@pytest.mark.parametrize("url", GETS + POSTS)
def test_anonymous_users_are_sent_to_log_in(client, db, url):
    response = client.post(url) if url in POSTS else client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize("url", GETS + POSTS)
def test_users_without_the_permission_get_403(client, roles, company, url):
    client.force_login(UserFactory(username="nobody", company=company))  # no role
    response = client.post(url) if url in POSTS else client.get(url)
    assert response.status_code == 403


@pytest.mark.parametrize("role,status", [("Sales", 403), ("Office staff", 403), ("Manager", 200),
                                         ("System admin", 200)])
def test_the_deliveries_screen_is_for_admins(make_user, client, role, status):
    client.force_login(make_user("someone", role))
    assert client.get("/office/notifications/deliveries/").status_code == status


def test_another_companys_user_reaches_none_of_the_notifications(company, clerk, client, roles):
    notification = send(company, clerk, 1, kind=LATE)[0]
    delivery = NotificationDelivery.objects.get()
    outsider = UserFactory(username="far-admin", company=CompanyFactory(code="OTHER"), roles=["System admin"])
    client.force_login(outsider)

    assert client.get(f"/office/notifications/{notification.pk}/").status_code == 404
    assert client.post(f"/office/notifications/{notification.pk}/read/").status_code == 404
    assert client.post(f"/office/notifications/deliveries/{delivery.pk}/retry/").status_code == 404
    assert "data-delivery=" not in client.get("/office/notifications/deliveries/").content.decode()
    notification.refresh_from_db()
    assert notification.read_at is None
