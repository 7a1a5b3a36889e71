"""The buyer's workbench and supplier performance: the figures, the reader's scope, the screens and
their query budgets."""

import datetime

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from erp.documents import transition
from inventory.services.documents import receipt_post
from purchasing.models import Inspection, PurchaseOrderLine
from purchasing.selectors.performance import supplier_performance
from purchasing.selectors.workbench import workbench_for_user
from purchasing.services.inspections import inspection_record
from purchasing.services.invoices import invoice_accept_mismatch, invoice_match, invoice_post, invoice_save
from purchasing.services.receiving import receipt_create_for_order
from tests.conftest import warm_permissions
from tests.purchasing.conftest import D


def days(n):
    return datetime.timedelta(days=n)


def order_expected(pur, supplier, lines, expected):
    order = pur.approved_order(supplier, lines)
    PurchaseOrderLine.objects.filter(order=order).update(expected_date=expected)
    return order


def receive_all(pur, order):
    return receipt_post(receipt=receipt_create_for_order(order=order, actor=pur.keeper), actor=pur.keeper)


def test_performance_counts_on_time_lines_price_variance_and_rejections_per_supplier(pur):
    today = pur.today
    late = order_expected(pur, pur.acme_parts, [(pur.motor, "10", "800")], today - days(5))
    on_time = order_expected(pur, pur.acme_parts, [(pur.motor, "4", "800")], today + days(5))
    sensors = order_expected(pur, pur.acme_parts, [(pur.sensor, "10", "300")], today)
    for order in (late, on_time, sensors):
        receive_all(pur, order)
    inspection_record(inspection=Inspection.objects.get(order_line__order=sensors), accepted=D("8"), rejected=D("2"),
                      actor=pur.inspector)
    # invoiced at 810 instead of 800: 100 over on 10 motors, accepted by the manager
    invoice = invoice_save(company=pur.company, actor=pur.buyer, supplier=pur.acme_parts,
                           supplier_invoice_number="AB00000001",
                           lines=[{"order_line": late.lines.get(), "quantity": D("10"), "unit_price": D("810")}])
    invoice = invoice_match(invoice=invoice, actor=pur.buyer)
    invoice_accept_mismatch(invoice=invoice, reason="漲價", actor=pur.purchasing_manager)
    invoice_post(invoice=invoice, actor=pur.buyer)

    (row,) = supplier_performance(pur.purchasing_manager, today - days(30), today)

    assert row.supplier == pur.acme_parts
    assert (row.receipt_lines, row.on_time_lines, row.late_lines, row.on_time_percent) == (3, 2, 1, D("66.7"))
    assert (row.invoiced_expected, row.price_variance, row.price_variance_percent) == (D("8000"), D("100"), D("1.25"))
    assert (row.inspected, row.rejected, row.rejection_percent) == (D("10"), D("2"), D("20.00"))
    # the buyer of the other supplier sees none of it; an earlier period has nothing
    assert supplier_performance(pur.buyer2, today - days(30), today) == []
    assert supplier_performance(pur.purchasing_manager, today - days(60), today - days(31)) == []


def test_the_workbench_lists_what_waits_in_the_readers_scope(pur):
    today = pur.today
    pur.requisition([{"item": pur.screw, "quantity": D("3"), "unit": pur.box, "required_date": today + days(9)}])
    waiting = pur.approved_order(pur.acme_parts, [(pur.motor, "60", "760")], status="draft")
    transition(waiting, "awaiting_approval", actor=pur.admin)
    order_expected(pur, pur.acme_parts, [(pur.motor, "5", "800")], today - days(1))
    receive_all(pur, order_expected(pur, pur.acme_parts, [(pur.sensor, "2", "300")], today + days(3)))

    mine = {group.key: group for group in workbench_for_user(pur.buyer, today)}
    other = {group.key: group for group in workbench_for_user(pur.buyer2, today)}

    assert {key: group.count for key, group in mine.items()} == {
        "requisitions": 1, "approvals": 1, "late": 1, "inspections": 1}
    assert mine["approvals"].rows == [waiting]
    assert mine["late"].rows[0].expected_date == today - days(1)
    # requisitions are the buyers' shared pool; another buyer's supplier's orders and inspections are not theirs
    assert {key: group.count for key, group in other.items()} == {
        "requisitions": 1, "approvals": 0, "late": 0, "inspections": 0}


def test_a_group_is_counted_up_to_the_cap_and_then_says_more(pur, client, monkeypatch):
    from purchasing.selectors import workbench

    monkeypatch.setattr(workbench, "COUNT_CAP", 1)
    for expected in (pur.today - days(3), pur.today - days(2)):
        order_expected(pur, pur.acme_parts, [(pur.motor, "5", "800")], expected)
    pur.buyer.language = "en"
    pur.buyer.save(update_fields=["language"])
    client.force_login(pur.buyer)

    late = {group.key: group for group in workbench_for_user(pur.buyer, pur.today)}["late"]
    page = client.get(reverse("purchasing:workbench")).content.decode()

    assert (late.count, late.more, late.shown_count, len(late.rows)) == (2, True, 1, 2)
    assert '<span class="badge bg-danger">1+</span>' in page


def receivable(order):
    return set(PurchaseOrderLine.objects.filter(order=order).values_list("order_receivable", flat=True))


def test_the_lines_carry_whether_their_order_can_receive_through_every_status_change(pur):
    order = pur.approved_order(pur.acme_parts, [(pur.motor, "5", "800"), (pur.sensor, "2", "300")], status="draft")
    draft = receivable(order)
    transition(order, "awaiting_approval", actor=pur.admin)
    waiting = receivable(order)
    transition(order, "approved", actor=pur.admin)
    approved = receivable(order)
    receive_all(pur, order)  # received: nothing more to receive
    received = receivable(order)
    late_one = order_expected(pur, pur.acme_parts, [(pur.motor, "5", "800")], pur.today - days(2))
    late_before = workbench_for_user(pur.buyer, pur.today)[2].count
    transition(late_one, "cancelled", actor=pur.admin)

    assert (draft, waiting, approved, received) == ({False}, {False}, {True}, {False})
    assert receivable(late_one) == {False}
    assert late_before == 1 and workbench_for_user(pur.buyer, pur.today)[2].count == 0  # a cancelled order is not late


def page_queries(client, url):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


def test_the_screens_answer_by_permission_and_keep_their_query_budget(pur):
    today = pur.today
    for user in (pur.buyer, pur.rep):
        user.language = "en"
        user.save(update_fields=["language"])
    buyer = Client()
    buyer.force_login(pur.buyer)
    warm_permissions(pur.buyer)
    assert Client().get("/purchasing/").status_code == 302  # to the login page
    rep = Client()
    rep.force_login(pur.rep)
    assert rep.get("/purchasing/").status_code == 403
    assert rep.get("/purchasing/performance/").status_code == 403

    order_expected(pur, pur.acme_parts, [(pur.motor, "5", "800")], today - days(1))
    receive_all(pur, order_expected(pur, pur.acme_parts, [(pur.sensor, "2", "300")], today))
    few = (page_queries(buyer, "/purchasing/"), page_queries(buyer, "/purchasing/performance/"))
    for n in range(4):
        order_expected(pur, pur.acme_parts, [(pur.motor, str(5 + n), "800")], today - days(2))
        receive_all(pur, order_expected(pur, pur.acme_parts, [(pur.sensor, "2", "300")], today))
    assert (page_queries(buyer, "/purchasing/"), page_queries(buyer, "/purchasing/performance/")) == few

    page = buyer.get("/purchasing/").content.decode()
    assert "Late deliveries" in page and "Inspections waiting" in page
    report = buyer.get("/purchasing/performance/").content.decode()
    assert pur.acme_parts.name in report and pur.bolt_co.name not in report
    export = buyer.get("/purchasing/performance/?export=csv")
    assert export.status_code == 200 and pur.acme_parts.code in export.content.decode("utf-8-sig")
    with translation.override("en"):
        refused = buyer.get("/purchasing/performance/", {"date_from": "2026-02-01", "date_to": "2026-01-01"})
    assert refused.status_code == 200
    assert "The end of the period must not be before its start." in refused.content.decode()
