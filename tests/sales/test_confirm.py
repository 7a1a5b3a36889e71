"""Confirmation: concurrency on real PostgreSQL, idempotency, a bounded number of queries, credit."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from erp.errors import DomainError, IllegalTransition, ImmutableDocument
from inventory.models import ItemValuation, Reservation, StockBalance
from inventory.selectors import deliveries_for_source
from inventory.services import masterdata
from office.models import Task
from sales import status as st
from sales.errors import CreditLimitExceeded
from sales.models import CreditApproval, SalesOrder
from sales.services.masterdata import customer_update
from sales.services.orders import (
    credit_approve,
    credit_request_approval,
    customer_exposure,
    order_cancel,
    order_confirm,
    order_save,
)
from tests.parallel import run_parallel
from tests.sales.conftest import deliver_events

D = Decimal


@pytest.mark.django_db(transaction=True)
def test_two_orders_confirmed_at_once_for_the_last_units_never_reserve_more_than_available(sal):
    sal.receive(sal.widget, 10)
    first = sal.order([{"item": sal.widget, "quantity": D("8")}])
    second = sal.order([{"item": sal.widget, "quantity": D("8")}])
    orders = [first, second]

    outcomes, errors = run_parallel(2, lambda i: order_confirm(order=orders[i], actor=sal.rep))

    assert errors == []
    reserved = sorted(result.lines[0].reserved for result in outcomes)
    short = sorted(result.lines[0].short for result in outcomes)
    assert reserved == [D("2"), D("8")]
    assert short == [D("0"), D("6")]
    assert ItemValuation.objects.get(item=sal.widget).reserved == D("10")
    assert StockBalance.objects.get(item=sal.widget).reserved == D("10")
    assert sum(r.quantity for r in Reservation.objects.filter(status="active")) == D("10")
    assert set(SalesOrder.objects.values_list("status", flat=True)) == {st.OrderStatus.CONFIRMED}


@pytest.mark.django_db(transaction=True)
def test_a_double_click_confirms_once(sal):
    sal.receive(sal.widget, 10)
    order = sal.order([{"item": sal.widget, "quantity": D("4")}])

    outcomes, errors = run_parallel(4, lambda i: order_confirm(order=order, actor=sal.rep))

    assert errors == []
    assert sorted(r.already_confirmed for r in outcomes) == [False, True, True, True]
    assert all(r.lines[0].reserved == D("4") for r in outcomes)
    assert Reservation.objects.filter(status="active").count() == 1
    assert ItemValuation.objects.get(item=sal.widget).reserved == D("4")
    order.refresh_from_db()
    assert order.number.endswith("000001")
    from erp.models import OutboxEvent

    assert OutboxEvent.objects.filter(name="sales.order_confirmed").count() == 1


@pytest.mark.django_db
def test_a_retried_confirm_returns_the_same_result(sal):
    sal.receive(sal.widget, 10)
    order = sal.order([{"item": sal.widget, "quantity": D("12")}])
    first = order_confirm(order=order, actor=sal.rep)
    again = order_confirm(order=order, actor=sal.rep)
    assert again.already_confirmed and not first.already_confirmed
    assert [(r.reserved, r.short, r.promised_date) for r in again.lines] == [
        (r.reserved, r.short, r.promised_date) for r in first.lines]


@pytest.mark.django_db
def test_confirming_twenty_lines_runs_a_bounded_number_of_queries(sal, django_assert_max_num_queries):
    items = [masterdata.item_create(company=sal.company, code=f"BULK-{n:02d}", name=f"零件 {n}", base_unit=sal.pcs)
             for n in range(20)]
    for n, item in enumerate(items[:15]):
        sal.receive(item, 5 + n, location=sal.a1 if n % 2 else sal.a2)
    order = sal.order([{"item": item, "quantity": D("7"), "unit_price": D("10")} for item in items],
                      actor=sal.manager)
    single = sal.order([{"item": items[0], "quantity": D("1"), "unit_price": D("10")}], actor=sal.manager)
    with CaptureQueriesContext(connection) as one_line:
        order_confirm(order=single, actor=sal.manager)

    # The only extra work of 20 lines: one shortage event for purchasing (savepoint, event, its delivery row).
    with django_assert_max_num_queries(len(one_line) + 4):
        result = order_confirm(order=order, actor=sal.manager)

    assert len(result.lines) == 20
    assert sum(1 for r in result.lines if r.short > 0) == 7  # 5 never received, 2 with 5 and 6 < 7 on hand


@pytest.mark.django_db
def test_a_confirmed_order_cannot_be_edited(sal):
    sal.receive(sal.widget, 10)
    order = sal.order([{"item": sal.widget, "quantity": D("1")}])
    order_confirm(order=order, actor=sal.rep)
    with pytest.raises(ImmutableDocument):
        order_save(company=sal.company, actor=sal.rep, order=order,
                   lines=[{"item": sal.widget, "quantity": D("2"), "unit": sal.pcs}])
    order.refresh_from_db()
    assert order.lines.get().quantity == D("1")


@pytest.mark.django_db
def test_the_credit_limit_blocks_confirmation_until_a_sales_manager_approves(sal):
    customer_update(customer=sal.customer, actor=sal.manager, credit_limit=D("5000"))
    sal.receive(sal.widget, 100)
    earlier = sal.order([{"item": sal.widget, "quantity": D("30")}])  # 3,150 with tax
    order_confirm(order=earlier, actor=sal.rep)
    order = sal.order([{"item": sal.widget, "quantity": D("20")}])  # 2,100 with tax
    assert customer_exposure(sal.customer, exclude_order=order) == D("3150.00")

    with translation.override("en"), pytest.raises(CreditLimitExceeded) as refused:
        order_confirm(order=order, actor=sal.rep)
    assert "exceeds the credit limit 5,000.00" in str(refused.value.message)
    order.refresh_from_db()
    assert order.status == st.OrderStatus.DRAFT and order.number == ""
    assert not Reservation.objects.filter(document_id=str(order.pk)).exists()

    request = credit_request_approval(order=order, actor=sal.rep)  # the approval engine, the default rule
    assert [step.role.name for step in request.steps.all()] == ["Sales manager"]
    with pytest.raises(DomainError):
        credit_approve(order=order, actor=sal.rep)  # a rep cannot approve
    approval = credit_approve(order=order, actor=sal.manager, note="老客戶，月底付款")
    assert approval.exposure == D("3150.00") and approval.order_total == D("2100.00")
    request.refresh_from_db()
    assert request.status == "approved"

    result = order_confirm(order=order, actor=sal.rep)
    assert result.order.status == st.OrderStatus.CONFIRMED
    assert CreditApproval.objects.count() == 1


@pytest.mark.django_db
def test_cancelling_a_confirmed_order_undoes_what_confirmation_set_moving(sal):
    sal.receive(sal.widget, 10)
    order = sal.order([{"item": sal.widget, "quantity": D("6")}, {"item": sal.motor, "quantity": D("3")}])
    order_confirm(order=order, actor=sal.rep)
    deliver_events()
    assert Task.objects.filter(status="open").count() == 2  # warehouse pick, purchasing shortage

    order_cancel(order=order, actor=sal.rep, reason="客戶取消")

    order.refresh_from_db()
    assert order.status == st.OrderStatus.CANCELLED
    assert ItemValuation.objects.get(item=sal.widget).reserved == 0
    assert not Reservation.objects.filter(status="active").exists()
    assert set(deliveries_for_source(order).values_list("status", flat=True)) == {"cancelled"}
    assert Task.objects.filter(status="open").count() == 0
    with pytest.raises(IllegalTransition):
        order_cancel(order=order, actor=sal.rep, reason="客戶取消")


@pytest.mark.django_db
def test_an_event_handled_after_the_order_was_cancelled_makes_no_delivery_note(sal):
    sal.receive(sal.widget, 10)
    order = sal.order([{"item": sal.widget, "quantity": D("6")}])
    order_confirm(order=order, actor=sal.rep)
    order_cancel(order=order, actor=sal.rep, reason="客戶取消")
    deliver_events()
    assert not deliveries_for_source(order).exists()


def concrete_values(instance):
    return {f.attname: getattr(instance, f.attname) for f in type(instance)._meta.concrete_fields}


def test_the_hand_written_confirmation_read_gives_what_the_orm_would(sal):
    """lock_for_confirmation reads the order and lines with plain SQL; the instances must be the
    ORM's, field for field, related objects included (a new field with a converter would show here)."""
    from django.db import transaction

    from sales.models import SalesOrderLine
    from sales.services.orders import lock_for_confirmation

    order = sal.order([{"item": sal.widget, "quantity": D("2")}, {"item": sal.pump, "quantity": D("1")}])

    with transaction.atomic():
        locked, lines = lock_for_confirmation(order, sal.rep)
    orm = SalesOrder.objects.select_related("customer", "company", "warehouse").get(pk=order.pk)
    orm_lines = list(SalesOrderLine.objects.filter(order=order).select_related("item", "item__base_unit")
                     .order_by("line_no", "pk"))

    assert concrete_values(locked) == concrete_values(orm)
    for related in ("customer", "company", "warehouse"):
        assert concrete_values(getattr(locked, related)) == concrete_values(getattr(orm, related))
    assert [concrete_values(line) for line in lines] == [concrete_values(line) for line in orm_lines]
    assert [concrete_values(line.item) for line in lines] == [concrete_values(line.item) for line in orm_lines]
    assert [line.item.base_unit.code for line in lines] == [line.item.base_unit.code for line in orm_lines]
    assert all(line.order is locked for line in lines)


def test_the_confirmation_read_keeps_other_reps_orders_out_of_scope(sal):
    from django.db import transaction

    from sales.services.orders import lock_for_confirmation

    order = sal.order([{"item": sal.widget, "quantity": D("1")}])

    with transaction.atomic(), pytest.raises(SalesOrder.DoesNotExist):
        lock_for_confirmation(order, sal.rep2)
    with transaction.atomic():
        assert lock_for_confirmation(order, sal.manager)[0].pk == order.pk
