"""Revising an approved purchase order: the order as approved is kept, the revision is approved again,
received quantities are kept."""

import pytest
from django.utils import translation

from erp.errors import DomainError, IllegalTransition
from purchasing import status as st
from purchasing.models import PurchaseOrder, PurchaseOrderLine
from purchasing.services import orders as services
from tests.purchasing.conftest import D
from tests.purchasing.order_helpers import approved, decide

pytestmark = pytest.mark.django_db


def lines_of(order, **changes):
    return [{"id": line.pk, "item": line.item, "quantity": changes.get("quantity", line.quantity),
             "unit": line.unit, "unit_price": line.unit_price, "expected_date": line.expected_date}
            for line in order.lines.all()]


def test_a_revision_keeps_the_order_as_approved_and_is_approved_again(pur):
    order = approved(pur, "10")
    number = order.number

    revision = services.order_revise(order=order, reason="廠商改價", actor=pur.buyer)
    order.refresh_from_db()
    assert (order.status, order.revision, order.number) == (st.OrderStatus.DRAFT, 1, number)
    assert (revision.revision, revision.reason, revision.created_by) == (0, "廠商改價", pur.buyer)
    assert revision.snapshot["total_amount"] == "8400.00"
    assert revision.snapshot["lines"][0]["quantity"] == "10.0000"
    assert revision.snapshot["lines"][0]["unit_price"] == "800.0000"

    services.order_save(company=pur.company, actor=pur.buyer, order=order, lines=lines_of(order, quantity=D("200")))
    services.order_submit(order=order, actor=pur.buyer)  # now above 100,000: the Purchasing manager
    assert PurchaseOrder.objects.get(pk=order.pk).status == st.OrderStatus.AWAITING_APPROVAL
    decide(order, pur.purchasing_manager)

    order.refresh_from_db()
    assert (order.status, order.revision, order.number) == (st.OrderStatus.APPROVED, 1, number)
    assert list(order.revisions.values_list("revision", flat=True)) == [0]
    assert order.lines.get().quantity == D("200")


def test_a_revised_order_with_receipts_keeps_them_and_comes_back_partially_received(pur):
    order = approved(pur, "10")
    line = order.lines.get()
    PurchaseOrderLine.objects.filter(pk=line.pk).update(received_quantity=D("4"))
    PurchaseOrder.objects.filter(pk=order.pk).update(status=st.OrderStatus.PARTIAL)
    order.refresh_from_db()

    services.order_revise(order=order, reason="加量", actor=pur.buyer)
    order.refresh_from_db()
    services.order_save(company=pur.company, actor=pur.buyer, order=order, lines=lines_of(order, quantity=D("12")))
    services.order_submit(order=order, actor=pur.buyer)

    order.refresh_from_db()
    line.refresh_from_db()
    assert order.status == st.OrderStatus.PARTIAL
    assert (line.quantity, line.received_quantity) == (D("12"), D("4"))


def test_a_revision_may_not_go_below_what_was_received_nor_remove_a_received_line(pur):
    order = approved(pur, "10")
    PurchaseOrderLine.objects.filter(order=order).update(received_quantity=D("4"))
    PurchaseOrder.objects.filter(pk=order.pk).update(status=st.OrderStatus.PARTIAL)
    order.refresh_from_db()
    services.order_revise(order=order, reason="減量", actor=pur.buyer)
    order.refresh_from_db()

    with translation.override("en"):
        with pytest.raises(DomainError) as refused:
            services.order_save(company=pur.company, actor=pur.buyer, order=order,
                                lines=lines_of(order, quantity=D("3")))
        assert str(refused.value.message) == "Line 1: the quantity may not be less than what was received (4)."
        with pytest.raises(DomainError) as refused:
            services.order_save(company=pur.company, actor=pur.buyer, order=order,
                                lines=[{"item": pur.resin, "quantity": D("5")}])
        assert "was received: it cannot be removed" in str(refused.value.message)
    assert order.lines.get().quantity == D("10")


def test_revising_a_draft_or_a_cancelled_order_is_refused(pur):
    from tests.purchasing.order_helpers import draft
    with pytest.raises(IllegalTransition):
        services.order_revise(order=draft(pur), reason="x", actor=pur.buyer)
    with pytest.raises(DomainError):
        services.order_revise(order=approved(pur), reason="  ", actor=pur.buyer)


def test_revising_while_awaiting_approval_withdraws_the_request(pur):
    from tests.purchasing.order_helpers import draft, request_of
    order = services.order_submit(order=draft(pur, "200"), actor=pur.buyer)

    services.order_revise(order=order, reason="改交期", actor=pur.buyer)

    assert request_of(order).status == "cancelled"
    assert PurchaseOrder.objects.get(pk=order.pk).status == st.OrderStatus.DRAFT


def test_a_revision_down_to_what_was_received_comes_back_received(pur):
    order = approved(pur, "10")
    PurchaseOrderLine.objects.filter(order=order).update(received_quantity=D("4"))
    PurchaseOrder.objects.filter(pk=order.pk).update(status=st.OrderStatus.PARTIAL)
    order.refresh_from_db()
    services.order_revise(order=order, reason="廠商只能交 4 台", actor=pur.buyer)
    order.refresh_from_db()
    services.order_save(company=pur.company, actor=pur.buyer, order=order, lines=lines_of(order, quantity=D("4")))

    services.order_submit(order=order, actor=pur.buyer)

    assert PurchaseOrder.objects.get(pk=order.pk).status == st.OrderStatus.RECEIVED
