"""Document numbers: gapless and unique per company, type and year, even under concurrency."""

import datetime
import re
import threading

import pytest
from django.db import connection, transaction
from django.utils import translation

from erp.errors import IllegalTransition
from erp.models import NumberingRule
from erp.numbering import take_number
from tests.factories import CompanyFactory, UserFactory
from tests.sampleapp.models import SampleOrder
from tests.sampleapp.services import sample_order_confirm, sample_order_create


def test_draft_has_a_provisional_reference_and_confirmation_takes_the_first_number(company, make_user):
    user = make_user("clerk")
    order = sample_order_create(company=company, actor=user)

    assert order.number == ""
    with translation.override("en"):
        assert str(order.reference) == f"Draft SO #{order.pk}"
    with translation.override("zh-hant"):
        assert str(order.reference) == f"SO 草稿 #{order.pk}"

    sample_order_confirm(order=order, actor=user)

    year = order.document_date.year
    assert order.number == f"SO-{year}-000001"
    assert SampleOrder.objects.get(pk=order.pk).number == f"SO-{year}-000001"


def test_deleted_drafts_and_refused_transitions_burn_no_number(company, make_user):
    user = make_user("clerk")
    sample_order_create(company=company, actor=user).delete()
    cancelled = sample_order_create(company=company, actor=user)
    from erp.documents import transition

    transition(cancelled, SampleOrder.Status.CANCELLED, actor=user)
    with pytest.raises(IllegalTransition):
        transition(cancelled, SampleOrder.Status.CONFIRMED, actor=user)

    order = sample_order_confirm(order=sample_order_create(company=company, actor=user), actor=user)

    assert cancelled.number == ""
    assert order.number.endswith("-000001")


def test_format_is_configurable_per_type_and_series_restart_each_year(company):
    NumberingRule.objects.create(company=company, doc_type="SO", prefix="OR", format="{prefix}{year}{seq:05d}")
    with transaction.atomic():
        first = take_number(company=company, doc_type="SO", on_date=datetime.date(2026, 12, 31))
        second = take_number(company=company, doc_type="SO", on_date=datetime.date(2026, 12, 31))
        next_year = take_number(company=company, doc_type="SO", on_date=datetime.date(2027, 1, 1))
        other_company = take_number(company=CompanyFactory(), doc_type="SO", on_date=datetime.date(2026, 5, 1))

    assert [first, second, next_year, other_company] == ["OR202600001", "OR202600002", "OR202700001", "SO-2026-000001"]


@pytest.mark.django_db(transaction=True)
def test_taking_a_number_outside_a_transaction_is_refused():
    with pytest.raises(RuntimeError):
        take_number(company=CompanyFactory(), doc_type="SO", on_date=datetime.date(2026, 1, 1))


@pytest.mark.django_db(transaction=True)
def test_twenty_parallel_transactions_some_rolled_back_leave_no_gap_and_no_duplicate():
    company = CompanyFactory(code="PAR")
    user = UserFactory(username="parallel", company=company)
    drafts = [sample_order_create(company=company, actor=user) for _ in range(20)]
    barrier = threading.Barrier(20)
    errors = []

    class RollBack(Exception):
        pass

    def confirm(index, order):
        try:
            barrier.wait(timeout=30)
            with transaction.atomic():
                sample_order_confirm(order=order, actor=user)
                if index % 4 == 0:  # five of the twenty change their mind after taking a number
                    raise RollBack
        except RollBack:
            pass
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=confirm, args=(i, order)) for i, order in enumerate(drafts)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert errors == []
    numbers = list(SampleOrder.objects.filter(company=company).exclude(number="").values_list("number", flat=True))
    sequence = sorted(int(re.search(r"(\d+)$", n).group(1)) for n in numbers)
    assert len(numbers) == 15
    assert len(set(numbers)) == 15
    assert sequence == list(range(1, 16))
    assert SampleOrder.objects.filter(company=company, number="").count() == 5
