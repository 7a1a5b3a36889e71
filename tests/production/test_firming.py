"""Firming planned orders: make → a draft work order, buy → purchase requisition lines (one call per
warehouse), each planned order once (twice, or two planners at once, make nothing new); only the
company's latest finished run; the screen's "Firm selected" and the API."""

import datetime
import threading

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone, translation

from erp.errors import DomainError
from inventory.services import masterdata
from production import status as st
from production.models import MrpRun, PlannedOrder, WorkOrder
from production.services.firming import planned_orders_firm
from purchasing.models import PurchaseRequisition, PurchaseRequisitionLine
from tests.production.conftest import D, build_world
from tests.production.test_planning import bike_run, english, make_run, peg, planned

DAY = datetime.timedelta(days=1)


def test_a_make_order_becomes_a_draft_work_order_for_its_sales_order_line(prod):
    run, orders = bike_run(prod)

    result = planned_orders_firm(planned_orders=[orders["bike"]], actor=prod.planner)

    order = WorkOrder.objects.get()
    assert result.work_orders == [order] and result.requisition_lines == []
    assert (order.status, order.number, order.source, order.item, order.bom, order.routing, order.warehouse) == (
        "draft", "", "mrp", prod.bike, prod.bike_bom, prod.bike_routing, prod.wh)
    assert (order.quantity, order.start_date, order.due_date, order.sales_order_line) == (
        D("2"), prod.in_a_week - 3 * DAY, prod.in_a_week, orders["line"])
    bike = PlannedOrder.objects.get(pk=orders["bike"].pk)
    assert (bike.work_order, bike.firmed_by) == (order, prod.planner)
    assert bike.firmed_at is not None


def test_a_late_make_order_starts_today_and_one_serving_a_parent_has_no_sales_order_line(prod):
    run, orders = bike_run(prod)
    PlannedOrder.objects.filter(pk=orders["wheels"].pk).update(release_date=prod.today - 2 * DAY,
                                                               due_date=prod.today - DAY, is_late=True)

    planned_orders_firm(planned_orders=[orders["wheels"].pk], actor=prod.planner)

    order = WorkOrder.objects.get()
    assert (order.item, order.start_date, order.due_date, order.sales_order_line, order.routing) == (
        prod.wheel, prod.today, prod.today, None, None)


def test_buy_orders_become_requisition_lines_grouped_per_warehouse(prod):
    run, orders = bike_run(prod)
    east = masterdata.warehouse_create(company=prod.company, code="EAST", name="東倉")
    prod.tube.default_warehouse = east
    prod.tube.save()
    tube = planned(prod, run, prod.tube, "12.5", due=prod.in_a_week)
    spokes = planned(prod, run, prod.spoke, "300", due=prod.in_a_week)
    peg(spokes, "8", sales_order_line=orders["line"])

    result = planned_orders_firm(planned_orders=[tube, spokes, orders["rims"]], actor=prod.planner)

    requisitions = list(PurchaseRequisition.objects.order_by("warehouse__code"))
    assert [(r.warehouse.code, r.source, r.status) for r in requisitions] == [("EAST", "mrp", "open"),
                                                                               ("FG", "mrp", "open")]
    lines = {line.source_key: line for line in PurchaseRequisitionLine.objects.all()}
    assert set(lines) == {f"mrp:{tube.pk}", f"mrp:{spokes.pk}", f"mrp:{orders['rims'].pk}"}
    assert (lines[f"mrp:{tube.pk}"].requisition.warehouse, lines[f"mrp:{tube.pk}"].quantity_base) == (east, D("12.5"))
    assert lines[f"mrp:{spokes.pk}"].sales_order_line == orders["line"]
    assert lines[f"mrp:{spokes.pk}"].required_date == prod.in_a_week
    assert lines[f"mrp:{orders['rims'].pk}"].sales_order_line is None
    assert sorted(line.pk for line in result.requisition_lines) == sorted(line.pk for line in lines.values())
    assert PlannedOrder.objects.get(pk=spokes.pk).requisition_line == lines[f"mrp:{spokes.pk}"]
    assert not WorkOrder.objects.exists()


def test_without_a_pegged_order_or_default_the_first_active_warehouse_by_code_is_used(prod):
    run = make_run(prod)
    masterdata.warehouse_create(company=prod.company, code="AAA", name="甲倉")
    first = masterdata.warehouse_create(company=prod.company, code="A00", name="零倉")
    closed = masterdata.warehouse_create(company=prod.company, code="0CLOSED", name="停用")
    closed.is_active = False
    closed.save()
    order = planned(prod, run, prod.frame, "3")

    planned_orders_firm(planned_orders=[order], actor=prod.planner)

    assert WorkOrder.objects.get().warehouse == first


def test_firming_twice_makes_nothing_new(prod):
    run, orders = bike_run(prod)
    every = [orders["bike"], orders["wheels"], orders["rims"]]
    planned_orders_firm(planned_orders=every, actor=prod.planner)

    again = planned_orders_firm(planned_orders=every, actor=prod.buyer)

    assert (again.firmed, again.work_orders, again.requisition_lines) == ([], [], [])
    assert [o.pk for o in again.already_firmed] == sorted(o.pk for o in every)
    assert (WorkOrder.objects.count(), PurchaseRequisitionLine.objects.count()) == (2, 1)
    assert set(PlannedOrder.objects.values_list("firmed_by", flat=True)) == {prod.planner.pk}


def test_planned_orders_of_an_older_run_are_refused_and_nothing_is_written(prod):
    old, orders = bike_run(prod)
    make_run(prod)  # a newer finished run
    make_run(prod, status=st.MrpRunStatus.QUEUED)  # runs not finished do not count

    with translation.override("en"), pytest.raises(DomainError) as refused:
        planned_orders_firm(planned_orders=[orders["bike"], orders["rims"]], actor=prod.planner)

    assert refused.value.field == "ids"
    assert str(refused.value.message) == (
        f"Only the planned orders of the latest finished MRP run can be firmed: run #{old.pk} is not it. Open the "
        "latest run and firm its planned orders.")
    assert not WorkOrder.objects.exists() and not PurchaseRequisitionLine.objects.exists()
    assert not PlannedOrder.objects.filter(firmed_at__isnull=False).exists()


def test_nothing_chosen_is_refused(prod):
    with translation.override("en"), pytest.raises(DomainError) as refused:
        planned_orders_firm(planned_orders=[], actor=prod.planner)
    assert str(refused.value.message) == "Choose at least one planned order to firm."


@pytest.mark.django_db(transaction=True)
def test_two_planners_firming_the_same_orders_at_once_make_each_document_once():
    prod = build_world()
    run, orders = bike_run(prod)
    ids = [orders["bike"].pk, orders["wheels"].pk, orders["rims"].pk]
    barrier = threading.Barrier(2)
    results, errors = [], []

    def firm(actor):
        try:
            barrier.wait()
            results.append(planned_orders_firm(planned_orders=ids, actor=actor))
        except Exception as exc:  # noqa: BLE001
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=firm, args=(user,)) for user in (prod.planner, prod.admin)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert sorted(len(r.firmed) for r in results) == [0, 3]
    assert sorted(len(r.already_firmed) for r in results) == [0, 3]
    assert (WorkOrder.objects.count(), PurchaseRequisitionLine.objects.count(), PurchaseRequisition.objects.count()) \
        == (2, 1, 1)
    assert PlannedOrder.objects.filter(firmed_at__isnull=True).count() == 0


# Screens and API ------------------------------------------------------------------------------------


def test_firm_selected_on_the_planned_orders_list(prod, client):
    client.force_login(english(prod.planner))
    run, orders = bike_run(prod)
    url = reverse("production:planned_order_list", args=[run.pk])

    response = client.post(reverse("production:planned_orders_firm", args=[run.pk]),
                           {"ids": [orders["bike"].pk, orders["rims"].pk], "next": "?kind=make"})
    page = client.get(url)

    assert (response.status_code, response["Location"]) == (302, f"{url}?kind=make")
    messages = [str(m) for m in page.context["messages"]]
    assert messages == [
        "2 planned orders firmed (work orders: 1, requisition lines: 1)."]
    bike = next(o for o in page.context["page"] if o.pk == orders["bike"].pk)
    assert bike.work_order == WorkOrder.objects.get()
    assert f'value="{orders["bike"].pk}"'.encode() not in page.content  # no checkbox once firmed
    assert f'value="{orders["wheels"].pk}"'.encode() in page.content


def test_firm_selected_on_an_older_run_says_why_and_writes_nothing(prod, client):
    client.force_login(english(prod.planner))
    run, orders = bike_run(prod)
    make_run(prod)

    page = client.get(reverse("production:planned_order_list", args=[run.pk]))
    response = client.post(reverse("production:planned_orders_firm", args=[run.pk]), {"ids": [orders["bike"].pk]},
                           follow=True)

    assert page.context["may_firm"] is False and b"Firm selected" not in page.content
    assert [str(m) for m in response.context["messages"]][0].startswith(
        "Only the planned orders of the latest finished MRP run can be firmed")
    assert not WorkOrder.objects.exists()


def test_the_api_firms_one_planned_order_and_many(prod, client):
    client.force_login(english(prod.planner))
    run, orders = bike_run(prod)

    one = client.post(f"/api/production/planned-orders/{orders['bike'].pk}/firm/")
    many = client.post("/api/production/planned-orders/firm/",
                       {"ids": [orders["bike"].pk, orders["wheels"].pk, orders["rims"].pk]},
                       content_type="application/json")
    shown = client.get(f"/api/production/planned-orders/{orders['rims'].pk}/").json()

    assert one.status_code == 200
    assert one.json()["firmed"] == [orders["bike"].pk]
    assert one.json()["work_orders"][0]["warehouse"] == "FG"
    body = many.json()
    assert (body["firmed"], body["already_firmed"]) == ([orders["wheels"].pk, orders["rims"].pk], [orders["bike"].pk])
    assert body["detail"] == "2 planned orders firmed (work orders: 1, requisition lines: 1). 1 was already firmed."
    assert shown["requisition_line"] == PurchaseRequisitionLine.objects.get().pk


def test_the_api_answers_400_with_field_errors_for_bad_ids_and_an_older_run(prod, client):
    client.force_login(english(prod.planner))
    run, orders = bike_run(prod)

    empty = client.post("/api/production/planned-orders/firm/", {"ids": []}, content_type="application/json")
    unknown = client.post("/api/production/planned-orders/firm/", {"ids": [orders["bike"].pk, 999999]},
                          content_type="application/json")
    MrpRun.objects.create(company=prod.company, as_of=prod.today, status="done", finished_at=timezone.now())
    older = client.post("/api/production/planned-orders/firm/", {"ids": [orders["bike"].pk]},
                        content_type="application/json")

    assert (empty.status_code, list(empty.json())) == (400, ["ids"])
    assert unknown.status_code == 400 and unknown.json()["ids"] == ["No planned order with the id 999999."]
    assert older.status_code == 400 and older.json()["ids"][0].startswith("Only the planned orders of the latest")
    assert not WorkOrder.objects.exists()


def test_the_api_refuses_firming_to_a_keeper(prod, client):
    client.force_login(english(prod.keeper))
    run, orders = bike_run(prod)
    response = client.post(f"/api/production/planned-orders/{orders['bike'].pk}/firm/")
    assert response.status_code == 403
    assert not PlannedOrder.objects.filter(firmed_at__isnull=False).exists()
