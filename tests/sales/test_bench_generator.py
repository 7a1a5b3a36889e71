"""The bench generator (manage.py generate_sales_data) leaves data the services and selectors take up.
(Moved out of test_demo.py, whose tests share one demo company: this one starts from an empty database.)"""

from io import StringIO

from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.utils import translation

from erp.models import Company, NumberSequence
from inventory.models import DeliveryNote
from inventory.panels import source_deliveries
from office.panels import document_tasks
from sales.models import SalesOrder
from sales.selectors import customers_for_user, order_tracking
from sales.services.orders import order_confirm
from sales.services.pricing import document_totals


def test_the_bench_generator_leaves_orders_the_services_and_selectors_take_up(roles):
    call_command("generate_sales_data", company="TBENCH", customers=30, items=60, locations=4, moves=600,
                 orders=400, reps=3, days=60, seed=3, stdout=StringIO())

    company = Company.objects.get(code="TBENCH")
    orders = SalesOrder.objects.filter(company=company).prefetch_related("lines")
    assert orders.count() == 400
    assert set(orders.values_list("status", flat=True)) == {
        "draft", "confirmed", "partial", "delivered", "closed", "cancelled"}
    for order in orders:
        lines = list(order.lines.all())
        assert (order.net_amount, order.tax_amount, order.total_amount) == document_totals(
            (line.net_amount, line.tax_rate) for line in lines)
        shipped = DeliveryNote.objects.filter(source_id=order.pk, status="posted")
        if order.status in ("partial", "delivered", "closed"):
            on_notes = {dl.source_line_id: dl.picked for note in shipped for dl in note.lines.all()}
            assert on_notes == {line.pk: line.delivered_quantity for line in lines if line.delivered_quantity}
        else:
            assert not shipped.exists() and all(line.delivered_quantity == 0 for line in lines)
    users = {u.username: u for u in get_user_model().objects.filter(company=company)}
    assert customers_for_user(users["tbench-rep01"]).count() == 10
    assert customers_for_user(users["tbench-mgr"]).count() == 30
    delivered = orders.filter(status="delivered").first()
    tracking = order_tracking(delivered)
    assert len(source_deliveries(users["tbench-mgr"], delivered)["deliveries"]) == 1
    assert tracking["requests"] == []  # nothing was short
    short = orders.filter(status="confirmed", lines__shortage_quantity__gt=0).distinct().first()
    (request,) = order_tracking(short)["requests"]
    assert (request.to_production, request.state, [t.kind for t in request.tasks]) == (
        False, "requested", ["purchasing.buy_shortage"])
    with translation.override("en"):
        assert request.tasks[0].display_title == f"Buy for {short.number}"
        assert request.tasks[0].display_description.startswith("Line 1: ")
    assert {t.assignee_role.name for t in document_tasks(users["tbench-mgr"], delivered)["tasks"]} == {
        "Warehouse", "Finance"}

    # a generated draft confirms through the service and takes the next number of the series
    draft = orders.filter(status="draft").first()
    year = draft.document_date.year
    last = NumberSequence.objects.get(company=company, doc_type="SO", year=year).last_value
    order_confirm(order=draft, actor=users["tbench"])
    draft.refresh_from_db()
    assert draft.status == "confirmed" and draft.number == f"SO-{year}-{last + 1:06d}"
