"""Document numbers: gapless and unique per company, type and fiscal year, even under concurrency."""

import datetime
import re
import threading

import pytest
from django.db import connection, transaction
from django.utils import translation

from erp.errors import IllegalTransition, InvalidNumberingRule
from erp.fiscal import fiscal_year_dates, fiscal_year_of
from erp.models import Company, NumberingRule, NumberSequence
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


@pytest.mark.parametrize(
    ("start_month", "day", "year"),
    [
        (1, datetime.date(2026, 1, 1), 2026),
        (1, datetime.date(2026, 12, 31), 2026),
        (7, datetime.date(2026, 6, 30), 2025),
        (7, datetime.date(2026, 7, 1), 2026),
        (7, datetime.date(2025, 12, 31), 2025),
        (12, datetime.date(2026, 11, 30), 2025),
        (12, datetime.date(2026, 12, 1), 2026),
    ],
)
def test_a_fiscal_year_is_named_after_the_calendar_year_in_which_it_starts(start_month, day, year):
    company = Company(fiscal_year_start_month=start_month)

    assert fiscal_year_of(company, day) == year
    first, last = fiscal_year_dates(company, year)
    assert first <= day <= last


def test_the_dates_of_a_fiscal_year():
    assert fiscal_year_dates(Company(fiscal_year_start_month=1), 2026) == (
        datetime.date(2026, 1, 1), datetime.date(2026, 12, 31))
    assert fiscal_year_dates(Company(fiscal_year_start_month=7), 2025) == (
        datetime.date(2025, 7, 1), datetime.date(2026, 6, 30))
    assert fiscal_year_dates(Company(fiscal_year_start_month=3), 2027) == (
        datetime.date(2027, 3, 1), datetime.date(2028, 2, 29))


def test_a_company_whose_fiscal_year_starts_in_july_restarts_its_series_on_the_first_of_july(db):
    company = CompanyFactory(fiscal_year_start_month=7)
    with transaction.atomic():
        numbers = [take_number(company=company, doc_type="SO", on_date=day) for day in (
            datetime.date(2025, 7, 1), datetime.date(2026, 1, 1), datetime.date(2026, 6, 30),
            datetime.date(2026, 7, 1), datetime.date(2026, 12, 31), datetime.date(2025, 6, 30),
        )]

    assert numbers == ["SO-2025-000001", "SO-2025-000002", "SO-2025-000003",
                       "SO-2026-000001", "SO-2026-000002", "SO-2024-000001"]
    assert sorted(NumberSequence.objects.filter(company=company).values_list("year", "last_value")) == [
        (2024, 1), (2025, 3), (2026, 2)]


def test_taking_a_number_is_one_statement_whatever_the_fiscal_year(db, django_assert_num_queries):
    company = CompanyFactory(fiscal_year_start_month=7)
    NumberingRule.objects.create(company=company, doc_type="SO", prefix="SO")
    with transaction.atomic():
        with django_assert_num_queries(1):
            first = take_number(company=company, doc_type="SO", on_date=datetime.date(2026, 6, 30))
        with django_assert_num_queries(1):
            second = take_number(company=company, doc_type="SO", on_date=datetime.date(2026, 7, 1))

    assert (first, second) == ("SO-2025-000001", "SO-2026-000001")


def test_a_series_that_never_restarts_shows_the_fiscal_year_of_each_document(db):
    company = CompanyFactory(fiscal_year_start_month=7)
    NumberingRule.objects.create(company=company, doc_type="SO", prefix="S", format="{prefix}{year}-{seq}",
                                 yearly_reset=False)
    with transaction.atomic():
        numbers = [take_number(company=company, doc_type="SO", on_date=day)
                   for day in (datetime.date(2026, 6, 30), datetime.date(2026, 7, 1))]

    assert numbers == ["S2025-1", "S2026-2"]
    assert list(NumberSequence.objects.filter(company=company).values_list("year", "last_value")) == [(0, 2)]


def test_confirming_a_document_numbers_it_in_the_fiscal_year_of_its_date(make_user):
    company = CompanyFactory(code="JULY", fiscal_year_start_month=7)
    user = make_user("clerk", company=company)
    june, july = (sample_order_create(company=company, actor=user) for _ in range(2))
    SampleOrder.objects.filter(pk=june.pk).update(document_date=datetime.date(2026, 6, 30))
    SampleOrder.objects.filter(pk=july.pk).update(document_date=datetime.date(2026, 7, 1))

    for order in SampleOrder.objects.filter(pk__in=[july.pk, june.pk]).order_by("-pk"):
        sample_order_confirm(order=order, actor=user)

    assert dict(SampleOrder.objects.filter(company=company).values_list("document_date", "number")) == {
        datetime.date(2026, 6, 30): "SO-2025-000001", datetime.date(2026, 7, 1): "SO-2026-000001"}


def test_a_rule_broken_behind_the_models_back_refuses_to_number_and_takes_nothing(company):
    rule = NumberingRule.objects.create(company=company, doc_type="SO", prefix="SO")
    NumberingRule.objects.filter(pk=rule.pk).update(format="{prefx}-{seq}")  # bypasses the validation

    with translation.override("en"), pytest.raises(InvalidNumberingRule) as refused, transaction.atomic():
        take_number(company=company, doc_type="SO", on_date=datetime.date(2026, 5, 1))

    assert refused.value.message == ("The numbering rule for SO cannot write a number: an administrator must "
                                     "correct its format under Numbering rules.")

    assert NumberSequence.objects.filter(company=company).count() == 0


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


@pytest.mark.django_db(transaction=True)
def test_parallel_takers_on_both_sides_of_a_fiscal_year_boundary_leave_two_gapless_series():
    company = CompanyFactory(code="PARJ", fiscal_year_start_month=7)
    user = UserFactory(username="parallel-july", company=company)
    drafts = [sample_order_create(company=company, actor=user) for _ in range(20)]
    for index, order in enumerate(drafts):  # alternately the last day of FY 2025 and the first of FY 2026
        order.document_date = datetime.date(2026, 6, 30) if index % 2 else datetime.date(2026, 7, 1)
        SampleOrder.objects.filter(pk=order.pk).update(document_date=order.document_date)
    barrier = threading.Barrier(20)
    errors = []

    class RollBack(Exception):
        pass

    def confirm(index, order):
        try:
            barrier.wait(timeout=30)
            with transaction.atomic():
                sample_order_confirm(order=order, actor=user)
                if index % 5 == 0:  # four of the twenty (two per year) change their mind
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
    numbers = sorted(SampleOrder.objects.filter(company=company).exclude(number="").values_list("number", flat=True))
    assert numbers == [f"SO-2025-{n:06d}" for n in range(1, 9)] + [f"SO-2026-{n:06d}" for n in range(1, 9)]
    series_by_date = {(day, number[:8]) for day, number in
                      SampleOrder.objects.filter(company=company).exclude(number="").values_list("document_date",
                                                                                                 "number")}
    assert series_by_date == {(datetime.date(2026, 6, 30), "SO-2025-"), (datetime.date(2026, 7, 1), "SO-2026-")}
    assert SampleOrder.objects.filter(company=company, number="").count() == 4
