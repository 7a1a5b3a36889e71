"""The durable event bus: outbox in the publisher's transaction, delivery after commit through a
real Celery worker on a real Redis, at most once per subscriber, retries, re-delivery."""

import contextlib
import threading
import time

import pytest
from celery._state import _register_app
from celery.contrib.testing.worker import start_worker
from django.conf import settings
from django.core.management import call_command
from django.db import connection, transaction

from erp import events
from erp.celery import app
from erp.models import EventDelivery, OutboxEvent
from tests.factories import CompanyFactory, UserFactory
from tests.sampleapp import receivers
from tests.sampleapp.models import SampleEffect
from tests.sampleapp.services import sample_order_confirm, sample_order_create

UNREACHABLE_BROKER = "redis://127.0.0.1:1/0"


@contextlib.contextmanager
def broker(url):
    """Point Celery's producer at ``url`` (dropping pooled connections), then back."""
    original = app.conf.broker_url

    def switch(to):
        app.close()
        # close() also forgets the app as an active one: a module of @shared_task functions imported
        # afterwards (office.tasks, the first time a notification is queued) would not register its
        # tasks with it. It stays the process's app, so it is registered again.
        _register_app(app)
        app.conf.broker_url = to
        app._pool = None
        app.amqp._producer_pool = None

    switch(url)
    try:
        yield
    finally:
        switch(original)


@pytest.fixture
def worker():
    with app.connection_for_write() as conn:
        conn.default_channel.client.flushdb()  # no stale messages from earlier runs
    with start_worker(app, perform_ping_check=False, pool="solo", shutdown_timeout=30) as running:
        yield running


@pytest.fixture(autouse=True)
def _reset_failures():
    receivers.FAILURES["remaining"] = 0
    yield
    receivers.FAILURES["remaining"] = 0


def wait_for(predicate, timeout=20):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return False


def confirmed_order(code="EVT"):
    company = CompanyFactory(code=code)
    user = UserFactory(username=f"u-{code.lower()}", company=company)
    order = sample_order_create(company=company, actor=user)
    return sample_order_confirm(order=order, actor=user, note="hello")


def test_publishing_writes_the_event_and_one_pending_delivery_per_subscriber(company, make_user):
    user = make_user("clerk")
    order = sample_order_confirm(order=sample_order_create(company=company, actor=user), actor=user, note="x")

    event = OutboxEvent.objects.get()
    delivery = EventDelivery.objects.get()
    assert event.name == "sampleapp.order_confirmed"
    assert event.payload == {"order_id": order.pk, "note": "x"}
    assert event.source == order
    assert (delivery.event, delivery.subscriber, delivery.status) == (event, "sampleapp.record_effect", "pending")


def test_a_rolled_back_transaction_publishes_nothing(company, make_user):
    user = make_user("clerk")
    order = sample_order_create(company=company, actor=user)

    with pytest.raises(RuntimeError), transaction.atomic():
        sample_order_confirm(order=order, actor=user)
        raise RuntimeError("something later in the same transaction failed")

    assert OutboxEvent.objects.count() == 0
    assert EventDelivery.objects.count() == 0


@pytest.mark.django_db(transaction=True)
def test_committed_event_is_handled_by_the_worker(worker):
    confirmed_order("OK1")

    assert wait_for(lambda: EventDelivery.objects.filter(status="done").exists())
    assert SampleEffect.objects.get().note == "hello"
    assert EventDelivery.objects.get().attempts == 1


@pytest.mark.django_db(transaction=True)
def test_with_the_broker_unreachable_at_commit_the_event_is_handled_once_it_returns():
    with broker(UNREACHABLE_BROKER):
        confirmed_order("DOWN")  # commits; queuing the delivery fails, the outbox row stays

    delivery = EventDelivery.objects.get()
    assert delivery.status == "pending"
    assert SampleEffect.objects.count() == 0

    with app.connection_for_write() as conn:
        conn.default_channel.client.flushdb()
    with start_worker(app, perform_ping_check=False, pool="solo", shutdown_timeout=30):
        assert events.redeliver_pending(older_than_seconds=0) == 1  # what the beat task does
        assert wait_for(lambda: EventDelivery.objects.filter(status="done").exists())

    assert SampleEffect.objects.count() == 1
    assert EventDelivery.objects.get().attempts == 1


@pytest.mark.django_db(transaction=True)
def test_a_subscriber_that_fails_twice_then_succeeds_leaves_its_effect_exactly_once(worker):
    receivers.FAILURES["remaining"] = 2

    confirmed_order("FLAKY")

    assert wait_for(lambda: EventDelivery.objects.filter(status="done").exists())
    delivery = EventDelivery.objects.get()
    assert delivery.attempts == 3
    assert "failed on purpose" in delivery.last_error
    assert SampleEffect.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_workers_racing_for_one_delivery_handle_it_once():
    with broker(UNREACHABLE_BROKER):
        confirmed_order("RACE")
    delivery_id = EventDelivery.objects.get().pk
    outcomes = []
    barrier = threading.Barrier(4)

    def run():
        barrier.wait(timeout=10)
        try:
            outcomes.append(events.deliver(delivery_id))
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert outcomes.count("done") == 1
    assert outcomes.count("skipped") == 3
    assert SampleEffect.objects.count() == 1
    assert events.deliver(delivery_id) == "skipped"


def test_a_delivery_that_keeps_failing_is_marked_failed_shown_in_admin_and_can_be_retried(
    company, make_user, client, settings, django_capture_on_commit_callbacks
):
    settings.EVENT_MAX_ATTEMPTS = 2
    receivers.FAILURES["remaining"] = 99
    user = make_user("clerk")
    with broker(UNREACHABLE_BROKER):
        sample_order_confirm(order=sample_order_create(company=company, actor=user), actor=user)
    delivery = EventDelivery.objects.get()

    assert events.deliver(delivery.pk) == "retry"
    assert events.deliver(delivery.pk) == "failed"
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("failed", 2)
    assert SampleEffect.objects.count() == 0

    admin = UserFactory(username="root", company=company, is_staff=True, is_superuser=True)
    client.force_login(admin)
    page = client.get("/admin/erp/eventdelivery/?status__exact=failed")
    assert page.status_code == 200
    assert "sampleapp.record_effect" in page.content.decode()
    detail = client.get(f"/admin/erp/eventdelivery/{delivery.pk}/change/")
    assert "failed on purpose" in detail.content.decode()

    receivers.FAILURES["remaining"] = 0
    with broker(UNREACHABLE_BROKER), django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/admin/erp/eventdelivery/", {"action": "retry", "_selected_action": [delivery.pk]}
        )
    assert response.status_code == 302
    delivery.refresh_from_db()
    assert delivery.status == "pending"
    assert events.deliver(delivery.pk) == "done"
    assert SampleEffect.objects.count() == 1


def test_retry_delay_grows_exponentially_and_is_capped(settings):
    settings.EVENT_RETRY_BASE_SECONDS = 10

    delays = [events.retry_delay(n) for n in (1, 2, 3, 20)]

    assert 8 <= delays[0] <= 12
    assert 16 <= delays[1] <= 24
    assert 32 <= delays[2] <= 48
    assert 2880 <= delays[3] <= 4320


def test_the_event_map_in_the_docs_is_current():
    call_command("event_map", "--check")  # exits 1 when docs/events.md is stale


def test_beat_schedules_the_redelivery_task():
    assert settings.CELERY_BEAT_SCHEDULE["redeliver-pending-events"]["task"] == "erp.tasks.redeliver_pending_events"
    assert "erp.tasks.redeliver_pending_events" in app.tasks
