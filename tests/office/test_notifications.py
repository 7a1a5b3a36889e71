"""The notification service: one notification per recipient, a delivery per channel the recipient's
preferences choose, written in the caller's transaction and sent after commit by a real worker on a
real Redis; retried with backoff, given up, re-sent by the beat after a lost enqueue, sent at most
once when two workers race; group channels for a department."""

import datetime
import threading
import time

import pytest
from celery.contrib.testing.worker import start_worker
from django.contrib.auth.models import Group
from django.core import mail
from django.db import transaction
from django.utils import timezone

from erp import messages
from erp.celery import app
from erp.errors import DomainError
from erp.models import Department
from office import notification_channels as registry
from office.models import Broadcast, Notification, NotificationDelivery, NotificationPreference
from office.notification_channels import FAILED, RETRY, SENT, ChannelResult
from office.services.notifications import (
    deliveries_resend_due,
    deliveries_retry,
    delivery_send,
    notify,
    notify_department_channels,
    preferences_set,
    retry_delay,
)
from tests.erp.test_events import UNREACHABLE_BROKER, broker, wait_for
from tests.factories import CompanyFactory, UserFactory
from tests.parallel import run_parallel

PING = "tests.ping"
CREDIT = messages.message("Approve credit for %(order)s (%(customer)s)", order="SO-1", customer="大同機械")


class Recorder:
    """A channel for the tests: records what it was asked to send, answers what it is told to."""

    def __init__(self):
        self.sent = []
        self.answers = []  # ChannelResults or exceptions, used up in order; then SENT
        self.delay = 0.0
        self.lock = threading.Lock()

    def __call__(self, delivery):
        if self.delay:
            time.sleep(self.delay)
        with self.lock:
            answer = self.answers.pop(0) if self.answers else ChannelResult(SENT)
            if isinstance(answer, Exception):
                raise answer
            if answer.status == SENT:
                self.sent.append(delivery.pk)
        return answer


@pytest.fixture
def channel():
    """A "test" channel and a "tests.ping" kind going to in-app and e-mail by default, registered for
    the test only."""
    recorder = Recorder()
    registry.register_channel("test", "Test", recorder, order=90)
    registry.register_kind(PING, "Ping", default_channels=("inapp", "email"))
    yield recorder
    registry.CHANNELS.pop("test", None)
    registry.KINDS.pop(PING, None)


@pytest.fixture
def group_channel():
    recorder = Recorder()
    served = set()
    registry.register_group_channel("test_robot", "Test robot", recorder,
                                    available_for=lambda company, department: department in served)
    recorder.served = served
    yield recorder
    registry.GROUP_CHANNELS.pop("test_robot", None)


def deliveries_of(user):
    return sorted(NotificationDelivery.objects.filter(notification__recipient=user).values_list("channel", flat=True))


def test_one_notification_per_recipient_and_a_delivery_per_channel_the_preferences_choose(
        company, make_user, channel):
    by_default, chooser = make_user("ann", email="ann@example.com"), make_user("bob", email="bob@example.com")
    preferences_set(user=chooser, choices={(PING, "email"): False, (PING, "test"): True})

    made = notify(company=company, recipients=[by_default, chooser, by_default], kind=PING, message=CREDIT,
                  link="/office/")

    assert sorted(n.recipient.username for n in made) == ["ann", "bob"]  # each once
    assert deliveries_of(by_default) == ["email"]  # the kind's defaults: in-app (the row itself) and e-mail
    assert deliveries_of(chooser) == ["test"]
    assert set(NotificationDelivery.objects.values_list("status", flat=True)) == {"pending"}
    notification = Notification.objects.get(recipient=chooser)
    assert (notification.kind, notification.link, notification.read_at) == (PING, "/office/", None)
    assert notification.text == "簽核信用額度：SO-1（大同機械）"  # the site's language, for searches


def test_in_app_cannot_be_turned_off(company, make_user, channel):
    user = make_user("ann")

    with pytest.raises(DomainError):
        preferences_set(user=user, choices={(PING, "inapp"): False, (PING, "test"): True})

    assert NotificationPreference.objects.count() == 0  # nothing of the refused choice was kept
    NotificationPreference.objects.create(company=company, user=user, kind=PING, channel="inapp", enabled=False)
    notify(company=company, recipients=[user], kind=PING, message=CREDIT)
    assert Notification.objects.filter(recipient=user).count() == 1  # a stray row changes nothing


def test_a_preference_equal_to_the_default_stores_nothing_and_a_change_is_audited(company, make_user, channel):
    from auditlog.models import LogEntry

    user = make_user("ann")

    assert preferences_set(user=user, choices={(PING, "email"): True, (PING, "test"): False}) == 0
    assert preferences_set(user=user, choices={(PING, "email"): False}) == 1
    assert preferences_set(user=user, choices={(PING, "email"): True}) == 1

    assert list(NotificationPreference.objects.values_list("kind", "channel", "enabled")) == [(PING, "email", True)]
    assert LogEntry.objects.filter(content_type__model="notificationpreference").count() == 2


def test_unknown_kinds_and_channels_are_refused(company, make_user, channel):
    user = make_user("ann")

    with pytest.raises(LookupError):
        notify(company=company, recipients=[user], kind="tests.nothing", message=CREDIT)
    with pytest.raises(DomainError):
        preferences_set(user=user, choices={(PING, "fax"): True})
    assert Notification.objects.count() == 0


def test_only_the_companys_active_users_are_notified(company, make_user, channel):
    active, inactive = make_user("ann"), make_user("old", is_active=False)
    stranger = UserFactory(username="stranger", company=CompanyFactory(code="OTHER"))

    made = notify(company=company, recipients=[active, inactive, stranger], kind=PING, message=CREDIT)

    assert [n.recipient for n in made] == [active]


def test_a_rolled_back_transaction_notifies_nobody(company, make_user, channel):
    user = make_user("ann", email="ann@example.com")

    with pytest.raises(RuntimeError), transaction.atomic():
        notify(company=company, recipients=[user], kind=PING, message=CREDIT)
        raise RuntimeError("the caller's change failed")

    assert Notification.objects.count() == NotificationDelivery.objects.count() == 0


def test_a_key_notifies_each_recipient_once(company, make_user, channel):
    ann, bob = make_user("ann"), make_user("bob")

    first = notify(company=company, recipients=[ann], kind=PING, message=CREDIT, key="late:1:2026-12-07")
    second = notify(company=company, recipients=[ann, bob], kind=PING, message=CREDIT, key="late:1:2026-12-07")

    assert [n.recipient for n in first] == [ann]
    assert [n.recipient for n in second] == [bob]
    assert Notification.objects.count() == 2


def test_email_is_sent_after_commit_in_each_recipients_language(company, make_user, channel, settings,
                                                                 django_capture_on_commit_callbacks, monkeypatch):
    settings.SITE_URL = "https://erp.example.com"
    queued = []
    monkeypatch.setattr("office.services.notifications.enqueue", lambda ids, countdown=None: queued.extend(ids))
    english = make_user("ann", email="ann@example.com", language="en")
    simplified = make_user("bob", email="bob@example.com", language="zh-hans")
    no_address = make_user("cat", language="en")

    with django_capture_on_commit_callbacks(execute=True):
        notify(company=company, recipients=[english, simplified, no_address], kind=PING, message=CREDIT,
               link="/sales/orders/1/")

    assert sorted(queued) == sorted(NotificationDelivery.objects.values_list("pk", flat=True))  # after commit
    outcomes = {d.notification.recipient.username: delivery_send(d.pk) for d in NotificationDelivery.objects.all()}
    assert outcomes == {"ann": "sent", "bob": "sent", "cat": "skipped"}
    by_address = {message.to[0]: message for message in mail.outbox}
    assert by_address["ann@example.com"].subject == "[測試精密股份有限公司] Approve credit for SO-1 (大同機械)"
    assert by_address["bob@example.com"].subject == "[測試精密股份有限公司] 信用审批：SO-1（大同機械）"
    assert by_address["bob@example.com"].body.endswith("https://erp.example.com/sales/orders/1/")
    skipped = NotificationDelivery.objects.get(notification__recipient=no_address)
    assert (skipped.status, skipped.detail) == ("skipped", "The user has no e-mail address.")
    assert delivery_send(skipped.pk) == "busy"  # done with: never sent twice
    assert len(mail.outbox) == 2


def test_a_failing_channel_is_retried_with_backoff_then_marked_failed(company, make_user, channel, settings,
                                                                      django_capture_on_commit_callbacks):
    settings.NOTIFICATION_MAX_ATTEMPTS = 3
    settings.NOTIFICATION_RETRY_BASE_SECONDS = 60
    user = make_user("ann")
    preferences_set(user=user, choices={(PING, "email"): False, (PING, "test"): True})
    notify(company=company, recipients=[user], kind=PING, message=CREDIT)
    delivery = NotificationDelivery.objects.get()
    channel.answers = [ConnectionError("WeCom is down"), ChannelResult(RETRY, "busy"), ConnectionError("still")]

    waits = []
    for expected in ("retry", "retry", "failed"):
        before = timezone.now()
        with django_capture_on_commit_callbacks() as callbacks:
            assert delivery_send(delivery.pk) == expected
        delivery.refresh_from_db()
        waits.append((delivery.next_attempt_at - before).total_seconds())
        assert len(callbacks) == (1 if expected == "retry" else 0)  # a retry is queued after commit

    assert (delivery.status, delivery.attempts) == ("failed", 3)
    assert 48 - 1 <= waits[0] <= 72 + 1  # 60 s ± 20 %
    assert 96 - 1 <= waits[1] <= 144 + 1  # then twice that
    assert "ConnectionError: still" in delivery.detail
    assert "WeCom is down" not in delivery.last_error and "still" in delivery.last_error  # the last traceback
    assert channel.sent == []


def test_a_channel_may_say_when_to_retry_and_may_fail_for_good(company, make_user, channel):
    ann, bob = make_user("ann"), make_user("bob")
    for user in (ann, bob):
        preferences_set(user=user, choices={(PING, "email"): False, (PING, "test"): True})
    notify(company=company, recipients=[ann, bob], kind=PING, message=CREDIT)
    first, second = NotificationDelivery.objects.order_by("pk")
    channel.answers = [ChannelResult(RETRY, "rate limited", retry_after=600), ChannelResult(FAILED, "invalid user")]

    before = timezone.now()
    assert delivery_send(first.pk) == "retry"
    assert delivery_send(second.pk) == "failed"

    first.refresh_from_db()
    second.refresh_from_db()
    assert 599 <= (first.next_attempt_at - before).total_seconds() <= 601
    assert (second.status, second.attempts, second.detail) == ("failed", 1, "invalid user")


def test_retry_delay_grows_exponentially_and_is_capped(settings):
    settings.NOTIFICATION_RETRY_BASE_SECONDS = 30

    delays = [retry_delay(n) for n in (1, 2, 3, 20)]

    assert 24 <= delays[0] <= 36
    assert 48 <= delays[1] <= 72
    assert 96 <= delays[2] <= 144
    assert 2880 <= delays[3] <= 4320


def test_a_failed_delivery_is_listed_in_admin_and_retried_from_there(company, make_user, channel, client,
                                                                      django_capture_on_commit_callbacks,
                                                                      monkeypatch):
    monkeypatch.setattr("office.services.notifications.enqueue", lambda ids, countdown=None: True)
    user = make_user("ann")
    preferences_set(user=user, choices={(PING, "email"): False, (PING, "test"): True})
    notify(company=company, recipients=[user], kind=PING, message=CREDIT)
    delivery = NotificationDelivery.objects.get()
    channel.answers = [ChannelResult(FAILED, "invalid user")]
    delivery_send(delivery.pk)
    admin = make_user("root", "System admin", is_staff=True)
    client.force_login(admin)

    page = client.get("/admin/office/notificationdelivery/?status__exact=failed")
    assert page.status_code == 200
    assert "invalid user" in page.content.decode()
    response = client.post("/admin/office/notificationdelivery/", {"action": "retry",
                                                                    "_selected_action": [delivery.pk]})
    assert response.status_code == 302
    delivery.refresh_from_db()
    assert delivery.status == "pending"
    assert delivery_send(delivery.pk) == "sent"
    assert channel.sent == [delivery.pk]


def test_retry_puts_back_what_was_not_sent(company, make_user, channel):
    ann, bob = make_user("ann"), make_user("bob")
    notify(company=company, recipients=[ann, bob], kind=PING, message=CREDIT)  # e-mail: neither has an address
    for delivery in NotificationDelivery.objects.all():
        delivery_send(delivery.pk)
    NotificationDelivery.objects.filter(notification__recipient=bob).update(status="sent")

    assert deliveries_retry(deliveries=NotificationDelivery.objects.all()) == 1
    assert NotificationDelivery.objects.get(notification__recipient=ann).status == "pending"


def test_a_department_broadcast_goes_to_the_group_channels_that_serve_it_once_per_key(company, group_channel):
    sales = Department.objects.create(company=company, code="SAL", name="業務部")
    silent = Department.objects.create(company=company, code="QA", name="品保部")
    group_channel.served.add(sales)
    registry.register_kind(PING, "Ping")
    try:
        posted = notify_department_channels(company=company, department=sales, kind=PING, message=[CREDIT, CREDIT],
                                            key="2026-12-07")
        again = notify_department_channels(company=company, department=sales, kind=PING, message=[CREDIT],
                                           key="2026-12-07")
        quiet = notify_department_channels(company=company, department=silent, kind=PING, message=[CREDIT])
    finally:
        registry.KINDS.pop(PING, None)

    assert again is None
    assert [(d.channel, d.status) for d in posted.deliveries.all()] == [("test_robot", "pending")]
    assert quiet.deliveries.count() == 0  # recorded, but no group channel serves that department
    assert Broadcast.objects.count() == 2
    delivery = posted.deliveries.get()
    assert delivery_send(delivery.pk) == "sent"
    assert group_channel.sent == [delivery.pk]
    from office.services.notifications import delivery_text

    assert delivery_text(delivery) == "簽核信用額度：SO-1（大同機械）\n簽核信用額度：SO-1（大同機械）"


def test_a_broadcast_to_another_companys_department_is_refused(company, group_channel):
    other = Department.objects.create(company=CompanyFactory(code="OTHER"), code="SAL", name="業務部")
    registry.register_kind(PING, "Ping")
    try:
        with pytest.raises(DomainError):
            notify_department_channels(company=company, department=other, kind=PING, message=CREDIT)
    finally:
        registry.KINDS.pop(PING, None)
    assert Broadcast.objects.count() == 0


# With a real worker and Redis -----------------------------------------------------------------


def committed_notification(code, channel_name="email"):
    from tests.conftest import ensure_roles

    ensure_roles()
    company = CompanyFactory(code=code)
    user = UserFactory(username=f"u-{code.lower()}", company=company, email=f"{code.lower()}@example.com",
                       language="en")
    if channel_name != "email":
        preferences_set(user=user, choices={(PING, "email"): False, (PING, channel_name): True})
    with transaction.atomic():
        notify(company=company, recipients=[user], kind=PING, message=CREDIT)
    return NotificationDelivery.objects.get(notification__recipient=user)


@pytest.mark.django_db(transaction=True)
def test_with_the_worker_down_at_commit_the_beat_sends_the_delivery_once_it_is_back(channel):
    with broker(UNREACHABLE_BROKER):
        delivery = committed_notification("DOWN")  # commits; queuing fails, the delivery stays pending
    delivery.refresh_from_db()
    assert delivery.status == "pending"
    assert mail.outbox == []

    with app.connection_for_write() as conn:
        conn.default_channel.client.flushdb()
    with start_worker(app, perform_ping_check=False, pool="solo", shutdown_timeout=30):
        assert deliveries_resend_due(older_than_seconds=0) == 1  # what the beat task does
        assert wait_for(lambda: NotificationDelivery.objects.filter(status="sent").exists())

    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("sent", 1)
    assert [message.to for message in mail.outbox] == [["down@example.com"]]


@pytest.mark.django_db(transaction=True)
def test_a_queued_delivery_whose_message_was_lost_is_sent_by_the_beat(channel):
    """The worker is not running when the transaction commits: the task waits in Redis, and Redis
    then loses it (restarted without persistence). The beat finds the delivery pending and sends it."""
    with app.connection_for_write() as conn:
        conn.default_channel.client.flushdb()
    delivery = committed_notification("LOST")
    with app.connection_for_write() as conn:
        assert conn.default_channel.client.llen("celery") == 1  # queued, nobody to take it
        conn.default_channel.client.flushdb()  # and lost

    assert deliveries_resend_due(older_than_seconds=60) == 0  # not due yet: its enqueue may still be on the way
    with start_worker(app, perform_ping_check=False, pool="solo", shutdown_timeout=30):
        assert deliveries_resend_due(older_than_seconds=0) == 1
        assert wait_for(lambda: NotificationDelivery.objects.filter(status="sent").exists())

    delivery.refresh_from_db()
    assert delivery.status == "sent"
    assert len(mail.outbox) == 1


@pytest.mark.django_db(transaction=True)
def test_two_workers_racing_for_one_delivery_send_it_once(channel):
    with broker(UNREACHABLE_BROKER):
        delivery = committed_notification("RACE", channel_name="test")
    channel.delay = 0.3  # the first sender holds the row while the others arrive

    outcomes, errors = run_parallel(4, lambda i: delivery_send(delivery.pk))

    assert errors == []
    assert sorted(outcomes) == ["busy", "busy", "busy", "sent"]
    assert channel.sent == [delivery.pk]
    assert delivery_send(delivery.pk) == "busy"


def test_beat_schedules_the_resend_and_the_scheduled_announcements(settings):
    app.loader.import_default_modules()  # what the worker and beat do when they start: every app's tasks.py
    schedule = settings.CELERY_BEAT_SCHEDULE
    assert schedule["resend-due-notifications"]["task"] == "office.tasks.resend_due_notifications"
    assert schedule["publish-due-announcements"]["task"] == "office.tasks.publish_due_announcements"
    assert {"office.tasks.resend_due_notifications", "office.tasks.publish_due_announcements",
            "office.tasks.send_notification_deliveries"} <= set(app.tasks)


def test_the_kinds_and_channels_are_registered_by_the_apps():
    assert {"office.task_assigned", "office.announcement", "sales.order_late"} <= set(registry.KINDS)
    assert [c.name for c in registry.channels()][:1] == ["inapp"]
    assert "email" in registry.CHANNELS
    with pytest.raises(ValueError):
        registry.register_channel("email", "Another e-mail", lambda delivery: ChannelResult(SENT))
    with pytest.raises(ValueError):
        ChannelResult("delivered")


def test_a_roles_members_of_another_company_are_not_reached(company, make_user, channel):
    make_user("keeper", "Warehouse")
    UserFactory(username="far-keeper", company=CompanyFactory(code="OTHER"), roles=["Warehouse"])
    from office.selectors.notifications import users_of_role

    made = notify(company=company, recipients=users_of_role(company, Group.objects.get(name="Warehouse")), kind=PING,
                  message=CREDIT)

    assert [n.recipient.username for n in made] == ["keeper"]


def test_notify_stamps_the_time(company, make_user, channel):
    user = make_user("ann")
    made = notify(company=company, recipients=[user], kind=PING, message=CREDIT)
    assert abs(made[0].created_at - timezone.now()) < datetime.timedelta(seconds=5)


@pytest.mark.django_db(transaction=True)
def test_two_scans_notifying_with_the_same_key_at_once_make_one_notification(channel):
    from tests.conftest import ensure_roles

    ensure_roles()
    company = CompanyFactory(code="KEYS")
    user = UserFactory(username="rep-keys", company=company)

    def scan(_index):
        with transaction.atomic():
            made = notify(company=company, recipients=[user], kind=PING, message=CREDIT, key="late:1:2026-12-07")
            time.sleep(0.2)  # both have looked for the key before either commits
            return len(made)

    outcomes, errors = run_parallel(2, scan)

    assert errors == []
    assert sorted(outcomes) == [0, 1]
    assert Notification.objects.filter(recipient=user).count() == 1
