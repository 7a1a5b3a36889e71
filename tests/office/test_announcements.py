"""Announcements (公告): an audience of everyone, departments or roles of one company; published now or
scheduled (the beat publishes it when its time comes, notifying the audience once), hidden once expired
or withdrawn; read receipts recorded when opened, counted for the author; unread ones on the home page."""

import datetime

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone

from erp.errors import DomainError, IllegalTransition
from erp.models import Department
from office.models import Announcement, AnnouncementRead, Notification
from office.selectors.notifications import announcement_read_counts, announcements_for_user, unread_announcements
from office.services.announcements import (
    announcement_mark_read,
    announcement_save,
    announcement_withdraw,
    announcements_publish_due,
)
from tests.conftest import warm_permissions
from tests.factories import CompanyFactory, DepartmentFactory, UserFactory
from tests.office.test_notification_screens import queries_of
from tests.parallel import run_parallel

HOUR = datetime.timedelta(hours=1)


@pytest.fixture
def office(company, make_user):
    """An office manager, a seller of the sales department, a keeper, and another company's seller of a
    department with the same code."""

    class People:
        pass

    p = People()
    p.sales = Department.objects.create(company=company, code="SAL", name="業務部")
    p.manager = make_user("officer", "Office staff", language="en")
    p.seller = make_user("seller", "Sales", department=p.sales)
    p.keeper = make_user("keeper", "Warehouse")
    other = CompanyFactory(code="OTHER")
    p.far_seller = UserFactory(username="far-seller", company=other, roles=["Sales", "Warehouse"],
                               department=DepartmentFactory(company=other, code="SAL"))
    return p


def publish(office, company, **fields):
    fields.setdefault("title", "年終盤點")
    fields.setdefault("body", "12/31 全廠盤點。")
    return announcement_save(company=company, actor=office.manager, **fields)


def titles(rows):
    return sorted(a.title for a in rows)


def test_the_audience_is_everyone_a_department_or_a_role_of_the_company_only(company, office):
    publish(office, company, title="all")
    publish(office, company, title="sales dept", audience="departments", departments=[office.sales])
    publish(office, company, title="warehouse role", audience="roles", roles=[Group.objects.get(name="Warehouse")])

    assert titles(unread_announcements(office.seller)) == ["all", "sales dept"]
    assert titles(unread_announcements(office.keeper)) == ["all", "warehouse role"]
    assert titles(announcements_for_user(office.far_seller)) == []
    assert titles(announcements_for_user(office.manager)) == ["all", "sales dept", "warehouse role"]  # manages them


def test_publishing_notifies_the_audience_once_but_not_the_author(company, office):
    announcement = publish(office, company, audience="departments", departments=[office.sales])
    announcement_save(company=company, actor=office.manager, announcement=announcement, title="年終盤點（更正）",
                      body="改為 12/30。", audience="departments", departments=[office.sales])

    notifications = Notification.objects.filter(kind="office.announcement")
    assert [n.recipient for n in notifications] == [office.seller]
    assert notifications.get().link == f"/office/announcements/{announcement.pk}/"
    announcement.refresh_from_db()
    assert announcement.notified_at is not None


def test_a_scheduled_announcement_waits_for_its_time_then_the_beat_publishes_it_once(company, office):
    announcement = publish(office, company, publish_at=timezone.now() + HOUR)

    assert unread_announcements(office.seller).count() == 0
    assert announcements_publish_due() == 0
    assert Notification.objects.count() == 0

    Announcement.objects.filter(pk=announcement.pk).update(publish_at=timezone.now() - datetime.timedelta(minutes=1))
    assert announcements_publish_due() == 1
    assert announcements_publish_due() == 0

    assert sorted(n.recipient.username for n in Notification.objects.all()) == ["keeper", "seller"]
    assert titles(unread_announcements(office.seller)) == ["年終盤點"]


def test_expired_and_withdrawn_announcements_leave_the_audiences_view(company, office):
    expiring = publish(office, company, title="expiring", publish_at=timezone.now() - 2 * HOUR,
                       expires_at=timezone.now() + HOUR)
    withdrawn = publish(office, company, title="withdrawn")
    Announcement.objects.filter(pk=expiring.pk).update(expires_at=timezone.now() - HOUR)
    announcement_withdraw(announcement=withdrawn, actor=office.manager)

    assert titles(announcements_for_user(office.seller)) == []
    assert titles(announcements_for_user(office.manager, state="expired")) == ["expiring"]
    assert titles(announcements_for_user(office.manager, state="withdrawn")) == ["withdrawn"]
    with pytest.raises(IllegalTransition):
        announcement_withdraw(announcement=withdrawn, actor=office.manager)
    with pytest.raises(IllegalTransition):
        announcement_save(company=company, actor=office.manager, announcement=withdrawn, title="again", body="x")


@pytest.mark.parametrize("fields,field", [
    ({"title": " "}, "title"),
    ({"body": ""}, "body"),
    ({"audience": "departments"}, "departments"),
    ({"audience": "roles"}, "roles"),
    ({"expires_at": timezone.now() - HOUR}, "expires_at"),
])
def test_bad_announcements_are_refused_naming_the_field_and_nothing_is_written(company, office, fields, field):
    with pytest.raises(DomainError) as refusal:
        publish(office, company, **fields)

    assert refusal.value.field == field
    assert Announcement.objects.count() == 0


def test_another_companys_department_is_refused(company, office):
    with pytest.raises(DomainError):
        publish(office, company, audience="departments", departments=[office.far_seller.department])


def test_opening_an_announcement_records_one_read_receipt_and_reads_its_notification(company, office, client):
    announcement = publish(office, company)
    client.force_login(office.seller)

    first = client.get(f"/office/announcements/{announcement.pk}/")
    client.get(f"/office/announcements/{announcement.pk}/")

    assert first.status_code == 200
    assert AnnouncementRead.objects.filter(announcement=announcement).count() == 1
    assert Notification.objects.get(recipient=office.seller).read_at is not None
    assert Notification.objects.get(recipient=office.keeper).read_at is None
    assert announcement_read_counts(announcement) == {"audience": 3, "read": 1, "unread": 2}  # author included
    assert unread_announcements(office.seller).count() == 0


def test_the_author_sees_who_read_and_who_has_not(company, office, client):
    announcement = publish(office, company)
    announcement_mark_read(announcement=announcement, user=office.keeper)
    client.force_login(office.manager)

    detail = client.get(f"/office/announcements/{announcement.pk}/").content.decode()
    readers = client.get(f"/office/announcements/{announcement.pk}/receipts/?show=read").content.decode()
    waiting = client.get(f"/office/announcements/{announcement.pk}/receipts/?show=unread").content.decode()

    assert 'id="announcement-read-counts">2 of 3' in detail  # the keeper, and the author opening it now
    assert "keeper" in readers and "seller" not in readers
    assert "seller" in waiting and "keeper" not in waiting
    assert 'id="receipt-unread-count">1<' in waiting


def test_the_text_is_shown_escaped_with_its_line_breaks(company, office, client):
    announcement = publish(office, company, body="第一行\n<script>alert(1)</script>")
    client.force_login(office.seller)

    body = client.get(f"/office/announcements/{announcement.pk}/").content.decode()

    assert "第一行<br>&lt;script&gt;alert(1)&lt;/script&gt;" in body
    assert "<script>alert" not in body


def test_unread_announcements_are_on_the_home_page_with_their_count(company, office, client):
    publish(office, company, title="first")
    read = publish(office, company, title="second")
    announcement_mark_read(announcement=read, user=office.seller)
    client.force_login(office.seller)

    home = client.get("/").content.decode()

    assert 'id="home-announcements"' in home
    assert 'id="unread-announcement-count">1<' in home
    assert "first" in home and ">second<" not in home


def test_the_create_screen_saves_and_shows_refusals_beside_the_field(company, office, client):
    client.force_login(office.manager)

    refused = client.post("/office/announcements/new/", {"title": "t", "body": "b", "audience": "departments"})
    saved = client.post("/office/announcements/new/", {
        "title": "停電通知", "body": "週六停電", "audience": "departments", "departments": [office.sales.pk],
        "publish_at": "", "expires_at": ""})

    assert refused.status_code == 400
    assert "Choose at least one department." in refused.content.decode()
    announcement = Announcement.objects.get()
    assert saved["Location"] == f"/office/announcements/{announcement.pk}/"
    assert list(announcement.departments.all()) == [office.sales]


def test_the_edit_and_withdraw_screens(company, office, client):
    announcement = publish(office, company)
    client.force_login(office.manager)

    form = client.get(f"/office/announcements/{announcement.pk}/edit/")
    edited = client.post(f"/office/announcements/{announcement.pk}/edit/", {
        "title": "改了", "body": "新內容", "audience": "all", "publish_at": "2026-01-01T08:00", "expires_at": ""})
    withdrawn = client.post(f"/office/announcements/{announcement.pk}/withdraw/")

    assert form.status_code == 200 and "年終盤點" in form.content.decode()
    assert edited.status_code == 302
    announcement.refresh_from_db()
    assert (announcement.title, announcement.withdrawn_by) == ("改了", office.manager)
    assert withdrawn.status_code == 302
    assert client.get(f"/office/announcements/{announcement.pk}/edit/").status_code == 302  # withdrawn: back


def test_the_list_costs_the_same_queries_for_3_or_20_announcements(company, office, client):
    for user in (office.manager, office.seller):
        warm_permissions(user)
    for n in range(3):
        publish(office, company, title=f"a{n}")

    def queries(user):
        client.force_login(user)
        client.get("/office/announcements/")
        return queries_of(client, "/office/announcements/")

    few = queries(office.manager), queries(office.seller)
    for n in range(17):
        publish(office, company, title=f"b{n}")
    assert (queries(office.manager), queries(office.seller)) == few


# Who may open what ------------------------------------------------------------------------------


def urls(pk):
    return {"list": "/office/announcements/", "new": "/office/announcements/new/",
            "detail": f"/office/announcements/{pk}/", "edit": f"/office/announcements/{pk}/edit/",
            "receipts": f"/office/announcements/{pk}/receipts/", "withdraw": f"/office/announcements/{pk}/withdraw/"}


def statuses(client, pk):
    answers = {}
    for name, url in urls(pk).items():
        answers[name] = (client.post(url) if name == "withdraw" else client.get(url)).status_code
    return answers


def test_anonymous_users_are_sent_to_log_in(company, office, client):
    announcement = publish(office, company)

    assert set(statuses(client, announcement.pk).values()) == {302}
    assert client.get("/office/announcements/")["Location"].startswith("/accounts/login/")


def test_a_user_without_a_role_gets_403(company, office, client):
    announcement = publish(office, company)
    client.force_login(UserFactory(username="nobody", company=company))

    assert set(statuses(client, announcement.pk).values()) == {403}


def test_the_audience_reads_but_does_not_manage(company, office, client):
    announcement = publish(office, company)
    client.force_login(office.seller)

    assert statuses(client, announcement.pk) == {"list": 200, "new": 403, "detail": 200, "edit": 403,
                                                 "receipts": 403, "withdraw": 403}


def test_who_is_not_in_the_audience_gets_404(company, office, client):
    announcement = publish(office, company, audience="departments", departments=[office.sales])
    client.force_login(office.keeper)

    assert client.get(f"/office/announcements/{announcement.pk}/").status_code == 404
    assert not AnnouncementRead.objects.exists()


def test_another_companys_office_manager_reaches_nothing(company, office, client):
    announcement = publish(office, company)
    client.force_login(UserFactory(username="far-officer", company=CompanyFactory(code="OTHER2"),
                                   roles=["Office staff"]))

    assert statuses(client, announcement.pk) == {"list": 200, "new": 200, "detail": 404, "edit": 404,
                                                 "receipts": 404, "withdraw": 404}
    assert "年終盤點" not in client.get("/office/announcements/").content.decode()
    announcement.refresh_from_db()
    assert announcement.withdrawn_at is None


@pytest.mark.django_db(transaction=True)
def test_two_beats_publishing_at_once_notify_the_audience_once():
    from tests.conftest import acme, ensure_roles

    ensure_roles()
    company = acme()
    author = UserFactory(username="officer", company=company, roles=["Office staff"])
    for n in range(3):
        UserFactory(username=f"reader{n}", company=company, roles=["Sales"])
    announcement = announcement_save(company=company, actor=author, title="t", body="b",
                                     publish_at=timezone.now() + HOUR)
    Announcement.objects.filter(pk=announcement.pk).update(publish_at=timezone.now() - HOUR)

    outcomes, errors = run_parallel(3, lambda i: announcements_publish_due())

    assert errors == []
    assert Notification.objects.filter(kind="office.announcement").count() == 3
