"""A task's structured keys: the ``kind`` of work and the ``source_event`` that asked for it, held
unique by the database (one task per event, kind and document; one open task per kind and document
otherwise), so a handler run twice, or by two workers at once, makes one task."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest
from django.db import connection, transaction
from django.urls import reverse

from erp.models import Company, OutboxEvent, User
from office.models import Task
from office.services import task_assign, task_assign_for_event, task_assign_once, task_close
from office.status import TaskStatus
from tests.factories import CompanyFactory, UserFactory
from tests.sampleapp.models import SampleOrder
from tests.sampleapp.services import sample_order_confirm, sample_order_create
from tests.sampleapp.signals import sample_confirmed

FOLLOW_UP = "sampleapp.follow_up"


def confirmed_order(company: Company, actor: User) -> tuple[SampleOrder, OutboxEvent]:
    """A confirmed sample order and the event its confirmation published."""
    order = sample_order_confirm(order=sample_order_create(company=company, actor=actor), actor=actor)
    return order, OutboxEvent.objects.get(name=sample_confirmed.name, source_id=order.pk)


@pytest.fixture
def seller(make_user: Any) -> User:
    return make_user("seller", "Sales")


def test_a_task_asked_for_by_an_event_is_made_once_per_event_kind_and_document(company, seller):
    order, event = confirmed_order(company, seller)

    first = task_assign_for_event(event=event, kind=FOLLOW_UP, document=order, role="Sales",
                                  title="Follow up", description="Call the customer.")
    again = task_assign_for_event(event=event, kind=FOLLOW_UP, document=order, role="Sales",
                                  title="Follow up", description="Call the customer.")

    assert again.pk == first.pk
    task = Task.objects.get()
    assert (task.kind, task.source_event, task.document_id, task.document) == (FOLLOW_UP, event, order.pk, order)
    assert task.description == "Call the customer."  # no marker in the text any more


def test_another_event_another_kind_or_another_document_makes_another_task(company, seller):
    order, event = confirmed_order(company, seller)
    other_order, other_event = confirmed_order(company, seller)

    tasks = {
        task_assign_for_event(event=event, kind=FOLLOW_UP, document=order, role="Sales", title="a").pk,
        task_assign_for_event(event=other_event, kind=FOLLOW_UP, document=order, role="Sales", title="b").pk,
        task_assign_for_event(event=event, kind="sampleapp.invoice", document=order, role="Sales", title="c").pk,
        task_assign_for_event(event=event, kind=FOLLOW_UP, document=other_order, role="Sales", title="d").pk,
    }

    assert len(tasks) == 4 == Task.objects.count()


def test_a_kind_of_work_about_a_document_is_open_once_and_again_once_it_is_closed(company, seller):
    order = sample_order_create(company=company, actor=seller)

    first, created = task_assign_once(company=company, kind=FOLLOW_UP, document=order, role="Sales", title="one")
    same, created_again = task_assign_once(company=company, kind=FOLLOW_UP, document=order, role="Sales",
                                           title="two")
    task_close(task=first, actor=seller)
    later = task_assign(company=company, kind=FOLLOW_UP, document=order, role="Sales", title="three")

    assert (created, created_again, same.pk) == (True, False, first.pk)
    assert later.pk != first.pk
    assert list(Task.objects.order_by("pk").values_list("title", "status")) == [
        ("one", TaskStatus.DONE), ("three", TaskStatus.OPEN)]


def test_tasks_without_a_kind_are_always_made(company, seller):
    order = sample_order_create(company=company, actor=seller)

    task_assign(company=company, document=order, role="Sales", title="by hand")
    task_assign(company=company, document=order, role="Sales", title="by hand")
    task_assign(company=company, kind=FOLLOW_UP, role="Sales", title="a kind about no document")
    task_assign(company=company, kind=FOLLOW_UP, role="Sales", title="a kind about no document")

    assert Task.objects.count() == 4


def test_a_kind_is_a_dotted_lower_case_key_and_an_event_asks_for_a_kind_of_task(company, seller):
    order, event = confirmed_order(company, seller)

    with pytest.raises(ValueError, match="kind"):
        task_assign(company=company, kind="Follow up", document=order, role="Sales", title="x")
    with pytest.raises(ValueError, match="kind"):
        task_assign_for_event(event=event, kind="", document=order, role="Sales", title="x")
    assert Task.objects.count() == 0


def test_the_same_keys_in_another_company_are_the_same_document_only_there(company, seller):
    other = CompanyFactory(code="OTHER")
    theirs = sample_order_create(company=other, actor=UserFactory(username="them", company=other))
    ours = sample_order_create(company=company, actor=seller)

    task_assign(company=company, kind=FOLLOW_UP, document=ours, role="Sales", title="ours")
    task_assign(company=other, kind=FOLLOW_UP, document=theirs, role="Sales", title="theirs")

    assert sorted(Task.objects.values_list("company__code", flat=True)) == ["ACME", "OTHER"]


def test_an_archived_event_leaves_its_task_without_a_source(company, seller):
    order, event = confirmed_order(company, seller)
    task = task_assign_for_event(event=event, kind=FOLLOW_UP, document=order, role="Sales", title="Follow up")

    event.delete()  # the core may archive delivered events: the task stays, its key is cleared

    task.refresh_from_db()
    assert (task.source_event_id, task.kind, task.status) == (None, FOLLOW_UP, TaskStatus.OPEN)


def test_the_task_page_names_the_event_that_asked_for_it(client, company, seller):
    order, event = confirmed_order(company, seller)
    task = task_assign_for_event(event=event, kind=FOLLOW_UP, document=order, user=seller, title="Follow up")
    client.force_login(seller)

    html = client.get(reverse("office:task_detail", args=[task.pk])).content.decode()

    assert "sampleapp.order_confirmed" in html and f"#{event.pk}" in html


# Two workers at once, on real PostgreSQL ----------------------------------------------------------


def backends_waiting_for_a_lock() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_clear_snapshot()")  # else read once per transaction
        cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                       "AND wait_event_type = 'Lock'")
        return cursor.fetchone()[0]


@pytest.mark.django_db(transaction=True)
def test_two_workers_handling_the_same_event_at_once_make_one_task():
    company = CompanyFactory(code="RACE")
    seller = UserFactory(username="racer", company=company)
    order, event = confirmed_order(company, seller)
    first_inserted, results, errors = threading.Event(), {}, []

    def first_worker() -> None:
        try:
            with transaction.atomic():
                results["first"] = task_assign_once(company=company, source_event=event, kind=FOLLOW_UP,
                                                    document=order, user=seller, title="first")
                first_inserted.set()
                deadline = time.monotonic() + 10
                while not (waited := backends_waiting_for_a_lock() > 0) and time.monotonic() < deadline:
                    time.sleep(0.02)  # hold the uncommitted task until the second worker waits on it
                results["second waited"] = waited
        except Exception as exc:  # pragma: no cover - reported by the assertion
            errors.append(repr(exc))
        finally:
            first_inserted.set()
            connection.close()

    def second_worker() -> None:
        try:
            first_inserted.wait(timeout=10)
            # It cannot see the first worker's task yet: its insert waits on the unique index.
            results["second"] = task_assign_once(company=company, source_event=event, kind=FOLLOW_UP,
                                                 document=order, user=seller, title="second")
        except Exception as exc:  # pragma: no cover - reported by the assertion
            errors.append(repr(exc))
        finally:
            connection.close()

    threads = [threading.Thread(target=first_worker), threading.Thread(target=second_worker)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert errors == []
    assert results["second waited"]  # the race happened: the database, not a lookup, decided
    (first, first_created), (second, second_created) = results["first"], results["second"]
    assert (first_created, second_created) == (True, False)
    assert second.pk == first.pk
    assert list(Task.objects.values_list("title", "source_event", "kind")) == [("first", event.pk, FOLLOW_UP)]
