"""Supplier invoices: saving a draft, the three-way match and its tolerance, accepting a mismatch,
posting (quantities invoiced, the event for finance) and voiding."""

import datetime

import pytest
from django.utils import translation

from erp.errors import DomainError
from erp.events import OutboxEvent
from purchasing import signals
from purchasing import status as st
from purchasing.models import PurchaseOrderLine, PurchasingSettings, SupplierInvoice, SupplierInvoiceLine
from purchasing.services import invoices as services
from tests.purchasing.conftest import D

pytestmark = pytest.mark.django_db


def motor_order(pur, received="10", price="800", quantity="10"):
    return pur.invoices_order(pur.acme_parts, [(pur.motor, quantity, price, received)])


def line_of(order, n=1):
    return order.lines.get(line_no=n)


def save(pur, order, quantity="10", price=None, actor=None, number="INV-001", **kwargs):
    line = {"order_line": line_of(order), "quantity": D(quantity)}
    if price is not None:
        line["unit_price"] = D(price)
    return services.invoice_save(company=pur.company, actor=actor or pur.buyer, supplier=order.supplier,
                                 supplier_invoice_number=number, lines=[line], **kwargs)


def test_save_defaults_price_tax_and_due_date_from_the_order_and_term(pur):
    order = motor_order(pur)
    invoice = save(pur, order, quantity="4", document_date=datetime.date(2026, 1, 15))
    line = invoice.lines.get()
    assert (line.unit_price, line.tax_rate, line.net_amount, line.quantity_base) == (
        D("800"), D("5"), D("3200"), D("4"))
    assert (invoice.net_amount, invoice.tax_amount, invoice.total_amount) == (D("3200"), D("160"), D("3360"))
    assert invoice.due_date == datetime.date(2026, 3, 2)  # 月結 30: 31 Jan + 30 days
    assert (invoice.status, invoice.match_status, invoice.number) == ("draft", "unchecked", "")


def test_tax_entered_within_rounding_is_kept_beyond_it_refused(pur):
    order = motor_order(pur)
    assert save(pur, order, tax_amount=D("400.01")).tax_amount == D("400.01")
    with translation.override("en"), pytest.raises(DomainError) as refused:
        save(pur, order, number="INV-002", tax_amount=D("410"))
    assert refused.value.field == "tax_amount"


def test_negative_price_is_refused_with_nothing_written(pur):
    order = motor_order(pur)
    with translation.override("en"), pytest.raises(DomainError) as refused:
        save(pur, order, price="-1")
    assert str(refused.value.message) == "Line 1: The price must not be negative."
    assert not SupplierInvoice.objects.exists()


def test_invoicing_more_than_received_is_refused_with_nothing_written(pur):
    order = motor_order(pur, received="6")
    PurchaseOrderLine.objects.filter(pk=line_of(order).pk).update(returned_quantity=D("1"))
    with translation.override("en"), pytest.raises(DomainError) as refused:
        save(pur, order, quantity="6")
    assert str(refused.value.message) == "Line 1: invoicing 6 PCS of MOT-1 but only 5 received and not yet invoiced."
    assert not SupplierInvoice.objects.exists()
    assert not SupplierInvoiceLine.objects.exists()


def test_supplier_of_another_buyer_or_company_is_refused(pur):
    order = motor_order(pur)
    with translation.override("en"), pytest.raises(DomainError) as refused:
        save(pur, order, actor=pur.buyer2)
    assert refused.value.field == "supplier"
    assert not SupplierInvoice.objects.exists()


def test_order_line_of_another_supplier_is_refused(pur):
    order = pur.invoices_order(pur.bolt_co, [(pur.screw, "10", "1", "10")])
    with translation.override("en"), pytest.raises(DomainError) as refused:
        services.invoice_save(company=pur.company, actor=pur.purchasing_manager, supplier=pur.acme_parts,
                              supplier_invoice_number="X1", lines=[{"order_line": line_of(order), "quantity": D("1")}])
    assert "choose a line of an approved purchase order of supplier S001" in str(refused.value.message)


def test_supplier_invoice_number_once_per_supplier_naming_the_existing_one(pur):
    order = motor_order(pur)
    first = save(pur, order, quantity="2")
    with translation.override("en"):
        reference = str(first.reference)
    with translation.override("en"), pytest.raises(DomainError) as refused:
        save(pur, order, quantity="2")
    assert str(refused.value.message) == f"Invoice INV-001 of S001 is already entered as {reference}."
    services.invoice_cancel(invoice=first, actor=pur.buyer, reason="Entered twice")
    assert save(pur, order, quantity="2").pk != first.pk  # a voided invoice frees its number


def test_create_from_order_bills_received_less_returned_less_invoiced(pur):
    order = pur.invoices_order(pur.acme_parts, [(pur.motor, "10", "800", "8"), (pur.sensor, "5", "300", "0")])
    PurchaseOrderLine.objects.filter(pk=line_of(order).pk).update(returned_quantity=D("1"), invoiced_quantity=D("2"))
    invoice = services.invoice_create_from_order(order=order, actor=pur.buyer, supplier_invoice_number="A-9")
    assert [(line.item.code, line.quantity, line.unit_price) for line in invoice.lines.all()] == [
        ("MOT-1", D("5"), D("800"))]


@pytest.mark.parametrize(("price", "expected_status"), [
    ("800", "matched"),
    ("807.9", "matched"),     # 8 000 expected, 79 over: within 1 % (80)
    ("808.1", "mismatch"),    # 81 over: beyond 1 %
])
def test_match_within_and_beyond_percent_tolerance(pur, price, expected_status):
    order = motor_order(pur)
    invoice = services.invoice_match(invoice=save(pur, order, price=price), actor=pur.buyer)
    assert invoice.match_status == expected_status
    line = invoice.lines.get()
    assert (line.expected_amount, line.variance) == (D("8000"), D(price) * 10 - D("8000"))


def test_match_amount_tolerance_for_small_lines(pur):
    PurchasingSettings.objects.filter(company=pur.company).update(invoice_tolerance_amount=D("5"))
    order = pur.invoices_order(pur.acme_parts, [(pur.resin, "10", "10", "10")])
    within = services.invoice_save(company=pur.company, actor=pur.buyer, supplier=pur.acme_parts,
                                   supplier_invoice_number="R1", lines=[{"order_line": line_of(order),
                                                                         "quantity": D("10"), "unit_price": D("10.5")}])
    assert services.invoice_match(invoice=within, actor=pur.buyer).match_status == "matched"  # 5.00 ≤ max(5, 1)
    beyond = services.invoice_save(company=pur.company, actor=pur.buyer, supplier=pur.acme_parts, invoice=within,
                                   supplier_invoice_number="R1", lines=[
                                       {"order_line": line_of(order), "quantity": D("10"), "unit_price": D("10.51")}])
    assert beyond.match_status == "unchecked"
    assert services.invoice_match(invoice=beyond, actor=pur.buyer).match_status == "mismatch"


def test_edit_after_match_resets_the_match_and_drops_an_acceptance(pur):
    order = motor_order(pur)
    invoice = services.invoice_match(invoice=save(pur, order, price="900"), actor=pur.buyer)
    services.invoice_accept_mismatch(invoice=invoice, reason="Copper surcharge agreed", actor=pur.purchasing_manager)
    edited = save(pur, order, price="901", invoice=invoice)
    edited.refresh_from_db()
    assert (edited.match_status, edited.match_accepted_by, edited.match_accepted_reason) == ("unchecked", None, "")


def test_post_refuses_an_unaccepted_mismatch_with_nothing_written(pur):
    order = motor_order(pur)
    invoice = save(pur, order, price="900")
    with translation.override("en"):
        with pytest.raises(services.MismatchNotAccepted) as refused:
            services.invoice_post(invoice=invoice, actor=pur.buyer)
        assert str(refused.value.message) == ("The invoice does not match the order and receipts: a Purchasing "
                                              "manager must accept the difference first.")
    invoice.refresh_from_db()
    assert (invoice.status, invoice.number) == ("draft", "")
    assert line_of(order).invoiced_quantity == 0
    assert not OutboxEvent.objects.filter(name=signals.invoice_posted.name).exists()


def test_accept_by_a_buyer_is_refused(pur):
    order = motor_order(pur)
    invoice = services.invoice_match(invoice=save(pur, order, price="900"), actor=pur.buyer)
    with pytest.raises(services.AcceptanceRefused):
        services.invoice_accept_mismatch(invoice=invoice, reason="ok", actor=pur.buyer)
    invoice.refresh_from_db()
    assert invoice.match_status == "mismatch"


def test_accept_needs_a_reason(pur):
    order = motor_order(pur)
    invoice = services.invoice_match(invoice=save(pur, order, price="900"), actor=pur.buyer)
    with pytest.raises(DomainError) as refused:
        services.invoice_accept_mismatch(invoice=invoice, reason="  ", actor=pur.purchasing_manager)
    assert refused.value.field == "reason"


def test_accepted_mismatch_posts_and_publishes_once_with_the_payload(pur):
    order = motor_order(pur)
    invoice = services.invoice_match(invoice=save(pur, order, quantity="4", price="850",
                                                  document_date=datetime.date(2026, 1, 15)), actor=pur.buyer)
    assert invoice.match_status == "mismatch"
    services.invoice_accept_mismatch(invoice=invoice, reason="Copper surcharge agreed", actor=pur.purchasing_manager)
    posted = services.invoice_post(invoice=invoice, actor=pur.buyer)
    posted.refresh_from_db()
    assert posted.status == "posted" and posted.number.startswith("PI-")
    assert (posted.match_status, posted.match_accepted_by, posted.match_accepted_reason) == (
        "accepted", pur.purchasing_manager, "Copper surcharge agreed")
    assert line_of(order).invoiced_quantity == D("4")
    events = OutboxEvent.objects.filter(name=signals.invoice_posted.name)
    assert events.count() == 1
    assert events.get().payload == {
        "invoice_id": posted.pk, "number": posted.number, "supplier_id": pur.acme_parts.pk, "supplier_code": "S001",
        "net_amount": "3400.00", "tax_amount": "170.00", "total_amount": "3570.00", "currency": "TWD",
        "invoice_date": "2026-01-15", "due_date": "2026-03-02",
        "lines": [{"order_line_id": line_of(order).pk, "item_id": pur.motor.pk, "quantity_base": "4.000000",
                   "net_amount": "3400.00", "expected_amount": "3200.00"}]}


def test_matched_invoice_posts_then_the_rest_cannot_be_billed_twice(pur):
    order = motor_order(pur)
    services.invoice_post(invoice=save(pur, order, quantity="10"), actor=pur.buyer)
    with translation.override("en"), pytest.raises(DomainError) as refused:
        save(pur, order, quantity="1", number="INV-002")
    assert "only 0 received and not yet invoiced" in str(refused.value.message)


def test_post_rechecks_over_invoicing_with_nothing_written(pur):
    order = motor_order(pur)
    first, second = save(pur, order, quantity="6"), save(pur, order, quantity="6", number="INV-002")
    services.invoice_post(invoice=first, actor=pur.buyer)
    with translation.override("en"), pytest.raises(DomainError) as refused:
        services.invoice_post(invoice=second, actor=pur.buyer)
    assert str(refused.value.message) == "Line 1: invoicing 6 PCS of MOT-1 but only 4 received and not yet invoiced."
    second.refresh_from_db()
    assert (second.status, second.number) == ("draft", "")
    assert line_of(order).invoiced_quantity == D("6")
    assert OutboxEvent.objects.filter(name=signals.invoice_posted.name).count() == 1


def test_posted_invoice_cannot_be_voided(pur):
    order = motor_order(pur)
    invoice = services.invoice_post(invoice=save(pur, order), actor=pur.buyer)
    with translation.override("en"), pytest.raises(services.PostedInvoiceNotVoided):
        services.invoice_cancel(invoice=invoice, actor=pur.buyer, reason="wrong")
    invoice.refresh_from_db()
    assert invoice.status == st.InvoiceStatus.POSTED
