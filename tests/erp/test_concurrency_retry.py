"""A deadlock or serialization failure re-runs the whole transaction instead of failing."""

import threading
import time

import pytest
from django.db import OperationalError, connection, transaction
from django.http import HttpResponse

from erp.db import atomic_with_retry, is_retryable
from erp.middleware import ConflictRetryMiddleware
from erp.models import Company
from tests.factories import CompanyFactory


@pytest.mark.django_db(transaction=True)
def test_two_transactions_locking_in_opposite_orders_both_succeed_after_the_deadlock():
    first, second = CompanyFactory(code="A1"), CompanyFactory(code="B1")
    barrier = threading.Barrier(2)
    attempts = {"ab": 0, "ba": 0}
    errors = []

    def lock_in_order(key, one, two):
        @atomic_with_retry
        def work():
            attempts[key] += 1
            Company.objects.select_for_update().get(pk=one.pk)
            if attempts[key] == 1:
                barrier.wait(timeout=10)  # both hold their first lock: a guaranteed deadlock
            Company.objects.select_for_update().get(pk=two.pk)
            Company.objects.filter(pk=two.pk).update(phone=f"{key}")

        try:
            work()
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [
        threading.Thread(target=lock_in_order, args=("ab", first, second)),
        threading.Thread(target=lock_in_order, args=("ba", second, first)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert errors == []
    assert sorted(attempts.values()) == [1, 2]  # PostgreSQL aborted one; it ran again and won
    assert {Company.objects.get(pk=first.pk).phone, Company.objects.get(pk=second.pk).phone} == {"ab", "ba"}


@pytest.mark.django_db(transaction=True)
def test_the_middleware_re_runs_a_view_whose_transaction_deadlocked(rf):
    first, second = CompanyFactory(code="V1"), CompanyFactory(code="V2")
    barrier = threading.Barrier(2)
    calls = []

    @atomic_with_retry(attempts=1)  # no retry of its own: the middleware must re-run the view
    def view(request):
        calls.append(1)
        Company.objects.select_for_update().get(pk=first.pk)
        if len(calls) == 1:
            barrier.wait(timeout=10)
        Company.objects.select_for_update().get(pk=second.pk)
        Company.objects.filter(pk=second.pk).update(phone="view")
        return HttpResponse("ok")

    def rival():
        try:
            with transaction.atomic():
                Company.objects.select_for_update().get(pk=second.pk)
                barrier.wait(timeout=10)
                time.sleep(0.3)  # the view starts waiting first, so its deadlock check fires first
                Company.objects.select_for_update().get(pk=first.pk)
        except OperationalError:
            pass
        finally:
            connection.close()

    middleware = ConflictRetryMiddleware(lambda request: HttpResponse())
    request = rf.post("/anything/")
    middleware.process_view(request, view, (), {})
    thread = threading.Thread(target=rival)
    thread.start()
    try:
        response = view(request)
    except OperationalError as exc:
        assert is_retryable(exc)
        response = middleware.process_exception(request, exc)
    thread.join(timeout=30)

    assert response.status_code == 200
    assert len(calls) == 2
    assert Company.objects.get(pk=second.pk).phone == "view"


@pytest.mark.django_db
def test_bulk_set_updates_several_columns_of_the_given_rows_only():
    from erp.db import bulk_set
    from erp.models import Company

    a, b, c = (Company.objects.create(code=f"BS{n}", name=f"bulk {n}") for n in range(3))
    assert bulk_set(Company, ["name", "fiscal_year_start_month"], {a.pk: ("甲", 4), b.pk: ("乙", 7)}) == 2
    assert list(Company.objects.filter(pk__in=[a.pk, b.pk, c.pk]).order_by("pk")
                .values_list("name", "fiscal_year_start_month")) == [("甲", 4), ("乙", 7), ("bulk 2", 1)]
    assert bulk_set(Company, ["name"], {}) == 0
