"""Purchase order entry, submit, send, cancel and close (purchasing.services.orders)."""

import datetime

import pytest
from django.core import mail
from django.utils import translation

from erp.errors import DomainError, IllegalTransition, ImmutableDocument
from purchasing import status as st
from purchasing.models import PurchaseOrder, PurchaseOrderLine, PurchaseRequisitionLine
from purchasing.services import orders as services
from tests.purchasing.conftest import D
from tests.purchasing.order_helpers import approved, draft, peg

pytestmark = pytest.mark.django_db


def test_a_draft_takes_the_supplier_terms_prices_and_lead_time(pur):
    order = draft(pur, "10")

    line = order.lines.get()
    assert (order.status, order.number, order.currency) == ("draft", "", "TWD")
    assert (order.payment_term, order.tax_code, order.buyer, order.warehouse) == (pur.net30, pur.vat, pur.buyer,
                                                                                   pur.wh)
    assert (line.unit_price, line.quantity_base, line.tax_rate, line.net_amount) == (D("800"), D("10"), D("5"),
                                                                                     D("8000"))
    assert line.expected_date == order.document_date + datetime.timedelta(days=10)  # the supplier item's lead time
    assert order.expected_date == line.expected_date
    assert (order.net_amount, order.tax_amount, order.total_amount) == (D("8000"), D("400"), D("8400"))


def test_the_price_break_and_another_unit_of_the_item(pur):
    big = draft(pur, "60")
    screws = services.order_save(company=pur.company, actor=pur.buyer2, supplier=pur.bolt_co,
                                 lines=[{"item": pur.screw, "quantity": D("300"), "unit": pur.pcs}])

    assert big.lines.get().unit_price == D("760")
    line = screws.lines.get()  # 120 a box of 100
    assert (line.unit_price, line.quantity_base, line.net_amount) == (D("1.2000"), D("300"), D("360"))
    assert line.expected_date == screws.document_date + datetime.timedelta(days=5)  # the supplier's lead time


def test_a_given_price_and_date_are_kept(pur):
    order = services.order_save(company=pur.company, actor=pur.buyer, supplier=pur.acme_parts, lines=[
        {"item": pur.motor, "quantity": D("2"), "unit_price": D("700"), "expected_date": pur.in_a_week}])

    line = order.lines.get()
    assert (line.unit_price, line.expected_date) == (D("700"), pur.in_a_week)


def test_a_negative_price_is_refused(pur):
    with translation.override("en"), pytest.raises(DomainError) as refused:
        services.order_save(company=pur.company, actor=pur.buyer, supplier=pur.acme_parts,
                            lines=[{"item": pur.motor, "quantity": D("2"), "unit_price": D("-1")}])

    assert str(refused.value.message) == "Line 1: The price must not be negative."
    assert not PurchaseOrder.objects.exists()


def test_a_supplier_of_another_company_or_another_buyer_is_refused(pur):
    from tests.conftest import CompanyFactory

    other = CompanyFactory(code="OTHER", name="Other")
    foreign = type(pur.acme_parts).objects.create(company=other, code="X1", name="外")
    with translation.override("en"):
        with pytest.raises(DomainError) as refused:
            draft(pur, supplier=foreign)
        assert str(refused.value.message) == "This supplier belongs to another company."
        with pytest.raises(DomainError) as refused:
            draft(pur, supplier=pur.bolt_co, item=pur.screw)  # buyer's colleague's supplier
        assert str(refused.value.message) == "You do not buy from supplier S002."
    assert not PurchaseOrder.objects.exists()


def test_submit_below_every_threshold_approves_at_once_and_notes_it(pur):
    order = services.order_submit(order=draft(pur, "10"), actor=pur.buyer)

    order.refresh_from_db()
    assert order.status == st.OrderStatus.APPROVED
    assert order.number.startswith("PO")
    assert order.approved_at is not None
    from auditlog.models import LogEntry
    notes = [entry.changes.get("approval") for entry in LogEntry.objects.get_for_object(order) if
             "approval" in (entry.changes or {})]
    assert notes == [["", "No approval rule applies: approved when submitted."]]


def test_send_mails_the_supplier_and_marks_it_sent(pur, django_capture_on_commit_callbacks):
    order = approved(pur)

    with django_capture_on_commit_callbacks(execute=True):
        services.order_send(order=order, actor=pur.buyer)

    order.refresh_from_db()
    assert order.status == st.OrderStatus.SENT and order.sent_at is not None
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["sales@teco.example"]
    assert order.number in mail.outbox[0].subject
    assert "MOT-1" in mail.outbox[0].alternatives[0][0]


def test_sending_a_draft_or_to_a_supplier_without_mail_is_refused(pur):
    with pytest.raises(IllegalTransition):
        services.order_send(order=draft(pur), actor=pur.buyer)
    pur.acme_parts.email = ""
    pur.acme_parts.save()
    order = approved(pur)
    with pytest.raises(DomainError):
        services.order_send(order=order, actor=pur.buyer)
    services.order_send(order=order, actor=pur.buyer, by_email=False)
    assert PurchaseOrder.objects.get(pk=order.pk).status == st.OrderStatus.SENT
    assert mail.outbox == []


def test_cancel_reopens_the_requisition_lines(pur):
    order = approved(pur)
    line = order.lines.get()
    from tests.purchasing.order_helpers import confirmed_sales_order
    sales_line = confirmed_sales_order(pur).lines.get()
    requisition_line = peg(pur, line, sales_line)

    services.order_cancel(order=order, reason="廠商停產", actor=pur.buyer)

    order.refresh_from_db()
    requisition_line.refresh_from_db()
    assert (order.status, order.void_reason) == (st.OrderStatus.CANCELLED, "廠商停產")
    assert (requisition_line.status, requisition_line.order_line) == (st.RequisitionLineStatus.OPEN, None)


def test_cancel_after_a_receipt_is_refused_close_is_allowed(pur):
    order = approved(pur)
    PurchaseOrderLine.objects.filter(order=order).update(received_quantity=D("4"))
    PurchaseOrder.objects.filter(pk=order.pk).update(status=st.OrderStatus.PARTIAL)

    with pytest.raises(IllegalTransition):
        services.order_cancel(order=order, reason="x", actor=pur.buyer)
    services.order_close(order=order, actor=pur.buyer)

    assert PurchaseOrder.objects.get(pk=order.pk).status == st.OrderStatus.CLOSED


def test_an_approved_order_cannot_be_saved(pur):
    order = approved(pur)
    with pytest.raises(ImmutableDocument):
        services.order_save(company=pur.company, actor=pur.buyer, order=order,
                            lines=[{"item": pur.motor, "quantity": D("1")}])


def test_a_draft_never_submitted_is_deleted_and_its_requisitions_reopened(pur):
    order = draft(pur)
    from tests.purchasing.order_helpers import confirmed_sales_order
    requisition_line = peg(pur, order.lines.get(), confirmed_sales_order(pur).lines.get())

    services.order_delete_draft(order=order, actor=pur.buyer)

    assert not PurchaseOrder.objects.filter(pk=order.pk).exists()
    assert PurchaseRequisitionLine.objects.get(pk=requisition_line.pk).status == st.RequisitionLineStatus.OPEN
