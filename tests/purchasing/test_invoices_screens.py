"""The supplier invoice screens through the test client: the permission matrix, entry from an order,
the actions (check match, accept with a reason, post, void), the list's filters, export and query count."""

import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext

from purchasing.models import PurchaseOrderLine, SupplierInvoice
from purchasing.services import invoices as services
from tests.purchasing.conftest import D

pytestmark = pytest.mark.django_db


def messages_of(response):
    return [str(m) for m in get_messages(response.wsgi_request)]


def english(*users):
    for user in users:
        user.language = "en"
        user.save(update_fields=["language"])


def draft(pur, price="800", quantity="4", number="INV-1", order=None):
    order = order or pur.invoices_order(pur.acme_parts, [(pur.motor, "10", "800", "10")])
    return services.invoice_save(company=pur.company, actor=pur.buyer, supplier=pur.acme_parts,
                                 supplier_invoice_number=number, lines=[
                                     {"order_line": order.lines.get(line_no=1), "quantity": D(quantity),
                                      "unit_price": D(price)}])


@pytest.mark.parametrize(("who", "list_status", "detail_status"), [
    ("anonymous", 302, 302),
    ("rep", 403, 403),          # no purchasing permission
    ("buyer2", 200, 404),       # a buyer of another supplier
    ("buyer", 200, 200),
    ("keeper", 200, 200),       # reads every supplier
    ("purchasing_manager", 200, 200),
])
def test_permission_matrix(pur, client, who, list_status, detail_status):
    invoice = draft(pur)
    if who != "anonymous":
        client.force_login(getattr(pur, who))
    assert client.get("/purchasing/invoices/").status_code == list_status
    assert client.get(f"/purchasing/invoices/{invoice.pk}/").status_code == detail_status


def test_buyer_of_another_supplier_cannot_act(pur, client):
    invoice = draft(pur)
    client.force_login(pur.buyer2)
    assert client.post(f"/purchasing/invoices/{invoice.pk}/post/").status_code == 404
    assert client.get(f"/purchasing/invoices/{invoice.pk}/edit/").status_code == 404
    invoice.refresh_from_db()
    assert invoice.status == "draft"


def test_keeper_reads_but_cannot_post(pur, client):
    invoice = draft(pur)
    client.force_login(pur.keeper)
    assert client.post(f"/purchasing/invoices/{invoice.pk}/post/").status_code == 403
    invoice.refresh_from_db()
    assert invoice.status == "draft"


def test_create_from_an_order_fills_the_received_lines(pur, client):
    english(pur.buyer)
    order = pur.invoices_order(pur.acme_parts, [(pur.motor, "10", "800", "6")])
    client.force_login(pur.buyer)
    page = client.get(f"/purchasing/invoices/new/?order={order.pk}")
    assert page.status_code == 200
    formset = page.context["formset"]
    assert formset.initial == [{"order_line": order.lines.get().pk, "supplier_id": pur.acme_parts.pk,
                                "quantity": D("6"), "unit_price": D("800"), "tax_rate": D("5")}]
    line = order.lines.get()
    saved = client.post(f"/purchasing/invoices/new/?order={order.pk}", {
        "supplier": pur.acme_parts.pk, "supplier_invoice_number": "F-77", "document_date": "2026-01-15",
        "lines-TOTAL_FORMS": "1", "lines-INITIAL_FORMS": "0",
        "lines-0-order_line": line.pk, "lines-0-quantity": "6", "lines-0-unit_price": "800"})
    assert saved.status_code == 302, saved.context and saved.context.get("errors")
    invoice = SupplierInvoice.objects.get()
    assert (invoice.supplier_invoice_number, invoice.net_amount) == ("F-77", D("4800"))


def test_over_invoicing_on_the_form_is_an_error_with_nothing_saved(pur, client):
    english(pur.buyer)
    order = pur.invoices_order(pur.acme_parts, [(pur.motor, "10", "800", "6")])
    client.force_login(pur.buyer)
    answer = client.post("/purchasing/invoices/new/?supplier=1", {
        "supplier": pur.acme_parts.pk, "supplier_invoice_number": "F-78", "document_date": "2026-01-15",
        "lines-TOTAL_FORMS": "1", "lines-INITIAL_FORMS": "0",
        "lines-0-order_line": order.lines.get().pk, "lines-0-quantity": "7"})
    assert answer.status_code == 200
    assert "Line 1: invoicing 7 PCS of MOT-1 but only 6 received and not yet invoiced." in answer.content.decode()
    assert not SupplierInvoice.objects.exists()


def test_match_accept_and_post_through_the_page(pur, client):
    english(pur.buyer, pur.purchasing_manager)
    invoice = draft(pur, price="850")
    client.force_login(pur.buyer)
    client.post(f"/purchasing/invoices/{invoice.pk}/match/")
    page = client.get(f"/purchasing/invoices/{invoice.pk}/")
    assert 'data-match="mismatch"' in page.content.decode()
    assert f"/purchasing/invoices/{invoice.pk}/accept/" not in page.content.decode()  # a buyer has no button
    assert client.post(f"/purchasing/invoices/{invoice.pk}/accept/", {"reason": "x"}).status_code == 403
    refused = client.post(f"/purchasing/invoices/{invoice.pk}/post/")
    assert any("must accept the difference first" in m for m in messages_of(refused))
    client.force_login(pur.purchasing_manager)
    page = client.get(f"/purchasing/invoices/{invoice.pk}/")
    assert f"/purchasing/invoices/{invoice.pk}/accept/" in page.content.decode()
    reason_page = client.get(f"/purchasing/invoices/{invoice.pk}/accept/")
    assert "Reason for accepting the mismatch" in reason_page.content.decode()
    missing = client.post(f"/purchasing/invoices/{invoice.pk}/accept/", {"reason": ""})
    assert missing.status_code == 400
    assert "Give the reason for accepting the difference." in missing.content.decode()
    client.post(f"/purchasing/invoices/{invoice.pk}/accept/", {"reason": "Copper surcharge"})
    invoice.refresh_from_db()
    assert (invoice.match_status, invoice.match_accepted_reason) == ("accepted", "Copper surcharge")
    assert "Copper surcharge" in client.get(f"/purchasing/invoices/{invoice.pk}/").content.decode()
    client.force_login(pur.buyer)
    posted = client.post(f"/purchasing/invoices/{invoice.pk}/post/")
    invoice.refresh_from_db()
    assert invoice.status == "posted", messages_of(posted)
    assert PurchaseOrderLine.objects.get(pk=invoice.lines.get().order_line_id).invoiced_quantity == D("4")


def test_void_a_draft_with_a_reason(pur, client):
    invoice = draft(pur)
    client.force_login(pur.buyer)
    assert client.post(f"/purchasing/invoices/{invoice.pk}/cancel/", {"reason": ""}).status_code == 400
    client.post(f"/purchasing/invoices/{invoice.pk}/cancel/", {"reason": "Entered twice"})
    invoice.refresh_from_db()
    assert (invoice.status, invoice.void_reason) == ("cancelled", "Entered twice")


def test_list_filters_and_export(pur, client):
    order = pur.invoices_order(pur.acme_parts, [(pur.motor, "10", "800", "10")])
    draft(pur, quantity="2", order=order)
    services.invoice_match(invoice=draft(pur, quantity="2", number="INV-2", price="900", order=order),
                           actor=pur.buyer)
    client.force_login(pur.buyer)
    page = client.get("/purchasing/invoices/", {"match_status": "mismatch"})
    assert [row.supplier_invoice_number for row in page.context["page"]] == ["INV-2"]
    exported = client.get("/purchasing/invoices/", {"export": "csv"})
    assert exported.status_code == 200
    assert b"INV-1" in exported.content and b"INV-2" in exported.content


def test_list_and_detail_run_a_fixed_number_of_queries(pur, client):
    order = pur.invoices_order(pur.acme_parts, [(pur.motor, "100", "800", "100"), (pur.sensor, "10", "300", "10")])
    first = draft(pur, quantity="1", order=order)
    client.force_login(pur.buyer)
    with CaptureQueriesContext(connection) as few:
        assert client.get("/purchasing/invoices/").status_code == 200
    with CaptureQueriesContext(connection) as few_detail:
        assert client.get(f"/purchasing/invoices/{first.pk}/").status_code == 200
    for n in range(5):
        draft(pur, quantity="1", number=f"N-{n}", order=order)
    lines = order.lines.order_by("line_no")
    services.invoice_save(company=pur.company, actor=pur.buyer, supplier=pur.acme_parts, invoice=first,
                          supplier_invoice_number="INV-1", lines=[
                              {"order_line": lines[0], "quantity": D("1")},
                              {"order_line": lines[1], "quantity": D("1")},
                              {"order_line": lines[0], "quantity": D("2")}])
    with CaptureQueriesContext(connection) as many:
        response = client.get("/purchasing/invoices/")
    with CaptureQueriesContext(connection) as many_detail:
        detail = client.get(f"/purchasing/invoices/{first.pk}/")
    assert len(response.context["page"]) == 6
    assert len(detail.context["lines"]) == 3
    assert len(many) == len(few)
    assert len(many_detail) == len(few_detail)


def test_create_invoice_action_on_a_purchase_order(pur):
    from erp.registry import document_actions

    order = pur.invoices_order(pur.acme_parts, [(pur.motor, "10", "800", "6")])
    draft_order = pur.invoices_order(pur.acme_parts, [(pur.motor, "10", "800", "0")], status="draft")
    labels = [(str(action.label), action.url) for action in document_actions(pur.buyer, order)]
    assert f"/purchasing/invoices/new/?order={order.pk}" in [url for _label, url in labels]
    assert not [a for a in document_actions(pur.buyer, draft_order) if "invoices/new" in a.url]
    assert not [a for a in document_actions(pur.buyer2, order) if "invoices/new" in a.url]  # not their supplier
    assert not [a for a in document_actions(pur.rep, order) if "invoices/new" in a.url]  # no permission
