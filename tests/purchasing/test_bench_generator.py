"""The bench generator (manage.py generate_purchasing_data) leaves data the selectors and services take up."""

from io import StringIO

from django.contrib.auth import get_user_model
from django.core.management import call_command

from erp.models import Company, NumberSequence
from purchasing.models import PurchaseOrder, PurchaseRequisitionLine, Supplier, SupplierItem
from purchasing.selectors.pricing import preferred_supplier_items
from purchasing.services.totals import document_totals


def test_the_bench_generator_leaves_suppliers_requisitions_and_orders(roles):
    call_command("generate_purchasing_data", company="PTBENCH", suppliers=12, items=40, locations=4, moves=80,
                 requisition_lines=250, orders=300, buyers=3, days=120, seed=5, stdout=StringIO())

    company = Company.objects.get(code="PTBENCH")
    assert Supplier.objects.filter(company=company).count() == 12
    items = SupplierItem.objects.filter(supplier__company=company)
    item_ids = set(items.values_list("item_id", flat=True))
    assert len(item_ids) == 40
    # every item has exactly one preferred supplier item today, as the pricing rules read it
    assert len(preferred_supplier_items(company, item_ids, PurchaseOrder(company=company).document_date)) == 40
    assert PurchaseRequisitionLine.objects.filter(requisition__company=company, status="open").count() == 250
    orders = PurchaseOrder.objects.filter(company=company).prefetch_related("lines")
    assert orders.count() == 300
    assert {"draft", "awaiting_approval", "sent", "received", "closed"} <= set(orders.values_list("status", flat=True))
    for order in orders:
        lines = list(order.lines.all())
        assert (order.net_amount, order.tax_amount, order.total_amount) == document_totals(
            (line.net_amount, line.tax_rate) for line in lines)
        assert bool(order.number) == (order.status != "draft")
    numbered = orders.exclude(number="")
    assert NumberSequence.objects.filter(company=company, doc_type="PO").count() >= 1
    assert len(set(numbered.values_list("number", flat=True))) == numbered.count()
    # buyers see their own suppliers only; the manager sees all
    users = {u.username: u for u in get_user_model().objects.filter(company=company)}
    assert Supplier.objects.restrict(users["ptbench-buyer01"]).count() == 4
    assert Supplier.objects.restrict(users["ptbench-purchmgr"]).count() == 12
