"""Consolidation: open requisition lines become draft purchase orders by supplier and warehouse,
rounded to MOQ and multiples, priced by quantity and date, expected after the lead time; set-based
(a constant number of queries) and safe when two buyers consolidate the same lines at once."""

import datetime

import pytest
from django.utils import translation

from erp.errors import DomainError
from inventory.services import masterdata
from office.models import Task
from purchasing.models import PurchaseOrder, PurchaseOrderLine, PurchaseRequisition, PurchaseRequisitionLine
from purchasing.services.consolidation import requisition_lines_consolidate
from tests.parallel import run_parallel
from tests.purchasing.conftest import D, deliver_events

pytestmark = pytest.mark.django_db


def ids(requisition):
    return list(requisition.lines.order_by("line_no").values_list("pk", flat=True))


def consolidate(pur, line_ids, actor=None, **kwargs):
    return requisition_lines_consolidate(company=pur.company, line_ids=line_ids, actor=actor or pur.purchasing_manager,
                                         **kwargs)


def test_lines_of_one_item_are_summed_and_rounded_up_to_the_minimum_order_quantity(pur):
    first = pur.requisition([{"item": pur.motor, "quantity": D("1")}])
    second = pur.requisition([{"item": pur.motor, "quantity": D("2")}])

    result = consolidate(pur, ids(first) + ids(second), order_date=pur.today)

    order = PurchaseOrder.objects.get()
    assert result.orders == [order] and result.skipped == []
    assert (order.status, order.supplier_id, order.warehouse_id, order.buyer_id, order.tax_code_id,
            order.payment_term_id, order.document_date) == (
        "draft", pur.acme_parts.pk, pur.wh.pk, pur.buyer.pk, pur.vat.pk, pur.net30.pk, pur.today)
    line = PurchaseOrderLine.objects.get()
    # 3 needed, MOQ 5, price break 0 → 800, item lead time 10 days
    assert (line.quantity, line.quantity_base, line.unit_price, line.tax_rate, line.net_amount, line.expected_date) == (
        D("5"), D("5"), D("800"), D("5"), D("4000"), pur.today + datetime.timedelta(days=10))
    assert (order.net_amount, order.tax_amount, order.total_amount, order.expected_date) == (
        D("4000"), D("200"), D("4200"), line.expected_date)
    assert set(PurchaseRequisitionLine.objects.values_list("status", "order_line_id")) == {("ordered", line.pk)}
    assert set(PurchaseRequisition.objects.values_list("status", flat=True)) == {"closed"}


def test_a_quantity_in_another_unit_is_converted_up_and_rounded_to_the_order_multiple(pur):
    requisition = pur.requisition([{"item": pur.screw, "quantity": D("250")}])  # pieces; bought in boxes of 100, x2

    consolidate(pur, ids(requisition))

    line = PurchaseOrderLine.objects.get()
    assert (line.unit_id, line.quantity, line.quantity_base, line.unit_price, line.net_amount) == (
        pur.box.pk, D("4"), D("400"), D("120"), D("480"))
    # no lead time on the supplier item: the supplier's 5 days
    assert line.expected_date == pur.today + datetime.timedelta(days=5)


def test_the_price_break_of_the_rounded_quantity_applies(pur):
    requisition = pur.requisition([{"item": pur.motor, "quantity": D("50")}])
    consolidate(pur, ids(requisition))
    assert PurchaseOrderLine.objects.get().unit_price == D("760")


def test_the_price_valid_on_the_order_date_applies_and_no_price_gives_zero_with_a_warning(pur):
    later = pur.today + datetime.timedelta(days=30)
    prices = pur.motor_from_s1.prices.all()
    prices.update(valid_to=pur.today + datetime.timedelta(days=10))
    pur.motor_from_s1.prices.create(min_quantity=D("0"), price=D("900"), valid_from=pur.today + datetime.timedelta(11))
    first = pur.requisition([{"item": pur.motor, "quantity": D("5")}])
    second = pur.requisition([{"item": pur.resin, "quantity": D("5")}])
    pur.resin_from_s1.prices.all().delete()

    with translation.override("en"):
        result = consolidate(pur, ids(first) + ids(second), order_date=later)

    assert dict(PurchaseOrderLine.objects.values_list("item_id", "unit_price")) == {
        pur.motor.pk: D("900"), pur.resin.pk: D("0")}
    assert result.warnings == [f"S001 has no price for RES-1 on {later.isoformat()}: the order line's price is 0."]
    assert PurchaseOrder.objects.get().document_date == later


def test_lines_are_grouped_by_supplier_and_warehouse(pur):
    other = masterdata.warehouse_create(company=pur.company, code="FG", name="成品倉")
    a = pur.requisition([{"item": pur.motor, "quantity": D("5")}, {"item": pur.screw, "quantity": D("2"),
                                                                  "unit": pur.box}])
    b = pur.requisition([{"item": pur.resin, "quantity": D("5")}, {"item": pur.motor, "quantity": D("5")}])
    c = pur.requisition([{"item": pur.motor, "quantity": D("5")}], warehouse=other)

    result = consolidate(pur, ids(a) + ids(b) + ids(c))

    assert len(result.orders) == 3
    summary = sorted((o.supplier.code, o.warehouse.code, sorted((ln.item.code, ln.quantity) for ln in o.lines.all()))
                     for o in PurchaseOrder.objects.all())
    assert summary == [
        ("S001", "FG", [("MOT-1", D("5"))]),
        ("S001", "RM", [("MOT-1", D("10")), ("RES-1", D("5"))]),
        ("S002", "RM", [("SCR-1", D("2"))]),
    ]


def test_the_given_supplier_wins_over_the_suggested_and_the_suggested_over_the_preferred(pur):
    pur.supplier_item(pur.bolt_co, pur.motor, prices=[("0", "700")])
    suggested = pur.requisition([{"item": pur.motor, "quantity": D("5"), "supplier": pur.bolt_co}])
    consolidate(pur, ids(suggested))
    assert PurchaseOrder.objects.get().supplier_id == pur.bolt_co.pk
    assert PurchaseOrderLine.objects.get().unit_price == D("700")

    given = pur.requisition([{"item": pur.resin, "quantity": D("5")}])
    consolidate(pur, ids(given), supplier=pur.bolt_co)
    line = PurchaseOrderLine.objects.get(item=pur.resin)
    assert (line.order.supplier_id, line.unit_price) == (pur.bolt_co.pk, D("0"))


def test_lines_without_a_supplier_or_no_longer_open_are_reported_not_ordered(pur):
    loose = masterdata.item_create(company=pur.company, code="X-1", name="無廠商", base_unit=pur.pcs)
    requisition = pur.requisition([{"item": loose, "quantity": D("1")}, {"item": pur.motor, "quantity": D("5")},
                                   {"item": pur.resin, "quantity": D("1")}])
    no_supplier, motor, resin = ids(requisition)
    from purchasing.services.requisitions import requisition_line_cancel
    requisition_line_cancel(line=PurchaseRequisitionLine.objects.get(pk=resin), actor=pur.buyer)
    draft = pur.requisition([{"item": pur.motor, "quantity": D("1")}], submit=False)

    with translation.override("en"):
        result = consolidate(pur, [no_supplier, motor, resin, *ids(draft), 987654321])

    assert sorted((s.line_id, s.reason) for s in result.skipped) == sorted([
        (no_supplier, "No supplier: suggest one or set the item's preferred supplier."),
        (resin, "Cancelled."),
        (ids(draft)[0], "Its requisition is not open (submit it first)."),
        (987654321, "No such requisition line.")])
    assert list(PurchaseOrderLine.objects.values_list("item_id", flat=True)) == [pur.motor.pk]
    assert PurchaseRequisition.objects.get(pk=requisition.pk).status == "open"  # the loose line is still open


def test_a_buyer_may_not_order_from_another_buyers_supplier_and_nothing_is_written(pur):
    requisition = pur.requisition([{"item": pur.motor, "quantity": D("5")}, {"item": pur.screw, "quantity": D("1"),
                                                                            "unit": pur.box}])
    with translation.override("en"), pytest.raises(DomainError) as refused:
        consolidate(pur, ids(requisition), actor=pur.buyer)
    assert str(refused.value.message) == "You may not order from supplier S002: ask a Purchasing manager."
    assert not PurchaseOrder.objects.exists()
    assert set(PurchaseRequisitionLine.objects.values_list("status", flat=True)) == {"open"}

    consolidate(pur, ids(requisition)[:1], actor=pur.buyer)
    assert PurchaseOrder.objects.get().buyer_id == pur.buyer.pk


def test_ordering_every_line_of_a_sales_shortage_closes_the_buy_task(pur):
    order = pur.sales_order([{"item": pur.motor, "quantity": D("4")}, {"item": pur.resin, "quantity": D("2")}])
    deliver_events()
    lines = list(PurchaseRequisitionLine.objects.order_by("line_no").values_list("pk", flat=True))

    consolidate(pur, lines[:1])
    assert Task.objects.get(kind="purchasing.buy_shortage", document_id=order.pk).status == "open"
    consolidate(pur, lines[1:])

    assert Task.objects.get(kind="purchasing.buy_shortage", document_id=order.pk).status == "done"
    line = PurchaseRequisitionLine.objects.get(pk=lines[0])
    assert (line.order_line.order.supplier_id, line.sales_order_line.order_id) == (pur.acme_parts.pk, order.pk)


def test_the_queries_do_not_grow_with_the_lines(pur, django_assert_max_num_queries):
    def batch(n):
        items = [masterdata.item_create(company=pur.company, code=f"Q{n}-{i}", name="件", base_unit=pur.pcs)
                 for i in range(n)]
        for item in items:
            pur.supplier_item(pur.acme_parts, item, prices=[("0", "1")], is_preferred=True)
        requisition = pur.requisition([{"item": item, "quantity": D("1")} for item in items])
        return ids(requisition)

    small, large = batch(5), batch(50)
    with django_assert_max_num_queries(22) as few:
        consolidate(pur, small)
    with django_assert_max_num_queries(len(few.captured_queries)) as many:
        consolidate(pur, large)
    assert PurchaseOrderLine.objects.count() == 55 and len(many.captured_queries) <= len(few.captured_queries)


@pytest.mark.django_db(transaction=True)
def test_two_buyers_consolidating_the_same_lines_at_once_make_one_order_line(pur):
    requisition = pur.requisition([{"item": pur.motor, "quantity": D("5")}])
    line_ids = ids(requisition)

    outcomes, errors = run_parallel(2, lambda i: consolidate(pur, line_ids))

    assert errors == []
    assert PurchaseOrderLine.objects.count() == 1 and PurchaseOrder.objects.count() == 1
    assert sorted(len(result.skipped) for result in outcomes) == [0, 1]
    assert PurchaseRequisitionLine.objects.get().order_line == PurchaseOrderLine.objects.get()
