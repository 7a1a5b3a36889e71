"""A deadlock or serialization failure re-runs the service's whole transaction instead of failing;
a conflict that outlasts the attempts becomes a "please try again" page, never a 500 or a second run."""

import threading
import time

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import OperationalError, connection, transaction
from django.http import HttpResponse
from django.utils import translation

from erp.db import atomic_with_retry, is_retryable
from erp.middleware import BusyOnConflictMiddleware
from erp.models import Company
from tests.erp import conflict_urls
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
def test_a_conflict_that_outlasts_the_services_retries_becomes_the_busy_page_without_re_running_the_view(rf):
    first, second = CompanyFactory(code="V1"), CompanyFactory(code="V2")
    barrier = threading.Barrier(2)
    calls = []

    @atomic_with_retry(attempts=1)  # a service that ran out of attempts
    def view(request):
        calls.append(1)
        Company.objects.select_for_update().get(pk=first.pk)
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

    middleware = BusyOnConflictMiddleware(lambda request: HttpResponse())
    request = rf.post("/anything/")
    request.user = AnonymousUser()
    thread = threading.Thread(target=rival)
    thread.start()
    with pytest.raises(OperationalError) as conflict:
        view(request)
    thread.join(timeout=30)
    with translation.override("en"):
        response = middleware.process_exception(request, conflict.value)

    assert is_retryable(conflict.value)
    assert response.status_code == 503
    assert "The system is busy with the same records right now. Please try again." in response.content.decode()
    assert calls == [1]  # the view ran once: retrying is atomic_with_retry's job alone
    assert Company.objects.get(pk=second.pk).phone == ""


def test_other_errors_pass_the_busy_page_middleware_by(rf):
    middleware = BusyOnConflictMiddleware(lambda request: HttpResponse())
    request = rf.get("/anything/")

    assert middleware.process_exception(request, OperationalError("server closed the connection")) is None
    assert middleware.process_exception(request, ValueError("not a database error")) is None


def test_the_installed_middleware_answers_a_conflict_with_the_translated_busy_page(client, settings, db):
    settings.ROOT_URLCONF = "tests.erp.conflict_urls"
    conflict_urls.CALLS.clear()

    page = client.get("/conflict/")
    english = client.get("/conflict/", HTTP_ACCEPT_LANGUAGE="en")
    api = client.post("/api/conflict/", HTTP_ACCEPT_LANGUAGE="en")

    assert "erp.middleware.BusyOnConflictMiddleware" in settings.MIDDLEWARE
    assert (page.status_code, page["Retry-After"], page["Content-Language"]) == (503, "1", "zh-hant")
    assert "系統正在處理相同的資料，請稍後再試。" in page.content.decode()
    assert english.status_code == 503
    assert "The system is busy with the same records right now. Please try again." in english.content.decode()
    assert (api.status_code, api["Retry-After"]) == (503, "1")
    assert api.json() == {"detail": "The system is busy with the same records right now. Please try again."}
    assert conflict_urls.CALLS == ["/conflict/", "/conflict/", "/api/conflict/"]  # each view ran once


@pytest.mark.django_db
def test_bulk_set_updates_several_columns_of_the_given_rows_only():
    from erp.models import Company
    from erp.sql import bulk_set

    a, b, c = (Company.objects.create(code=f"BS{n}", name=f"bulk {n}") for n in range(3))
    assert bulk_set(Company, ["name", "fiscal_year_start_month"], {a.pk: ("甲", 4), b.pk: ("乙", 7)}) == 2
    assert list(Company.objects.filter(pk__in=[a.pk, b.pk, c.pk]).order_by("pk")
                .values_list("name", "fiscal_year_start_month")) == [("甲", 4), ("乙", 7), ("bulk 2", 1)]
    assert bulk_set(Company, ["name"], {}) == 0
