"""The migrations that give tasks their keys and turn text ids into integers, on rows written
before them: erp 0007, inventory 0009, office 0003–0005 (and back)."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

import pytest
from django.apps.registry import Apps
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from erp.models import OutboxEvent
from inventory.models import Item, Reservation, StockMove
from inventory.services.documents import receipt_post, receipt_save
from inventory.services.stock import ReserveRequest, reserve_many
from inventory.signals import goods_received, stock_available, stock_posted
from office.models import Task
from office.services import task_assign, task_assign_for_event
from office.status import TaskStatus
from tests.sampleapp.models import SampleOrder
from tests.sampleapp.services import sample_order_confirm, sample_order_create
from tests.sampleapp.signals import sample_confirmed

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("erp", "0006_numbering_follows_fiscal_year"), ("inventory", "0008_delivery_source_from_sales_order")]


def migrate(targets: list[tuple[str, str]] | None = None) -> Apps:
    """Migrate to ``targets`` (None: the latest); returns the models as they are there."""
    executor = MigrationExecutor(connection)
    targets = targets or list(executor.loader.graph.leaf_nodes())
    executor.migrate(targets)
    return MigrationExecutor(connection)._create_project_state(with_applied_migrations=True).apps


@pytest.fixture
def back_to_text_ids() -> Iterator[None]:
    yield
    migrate()  # whatever happened, the next test finds the latest schema


def column_type(table: str, column: str) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT data_type FROM information_schema.columns WHERE table_name = %s AND column_name = %s",
                       [table, column])
        return cursor.fetchone()[0]


# One test, not two: each trip back to the text columns and forward again replays every later migration
# of every app (about a minute of Django's model-state rendering), so both directions share one trip.
def test_rows_keep_their_links_both_ways_and_tasks_get_their_keys_from_the_text(inv, back_to_text_ids):
    receipt = receipt_post(receipt=receipt_save(company=inv.company, actor=inv.admin, warehouse=inv.wh1, lines=[
        {"item": inv.screw, "quantity": Decimal("9"), "unit": inv.pcs, "location": inv.a1,
         "unit_cost": Decimal("1")}]), actor=inv.admin)
    reserve_many(company=inv.company, document=inv.admin, requests=[
        ReserveRequest(item=inv.screw, warehouse=inv.wh1, quantity=Decimal("2"), line_id=5)])
    order = sample_order_confirm(order=sample_order_create(company=inv.company, actor=inv.admin), actor=inv.admin)
    event = OutboxEvent.objects.get(name=sample_confirmed.name, source_id=order.pk)
    order_type = ContentType.objects.get_for_model(SampleOrder).pk
    item_type = ContentType.objects.get_for_model(Item).pk
    # Tasks written by today's code: their markers come back when the migrations are reversed.
    keyed = sample_order_confirm(order=sample_order_create(company=inv.company, actor=inv.admin), actor=inv.admin)
    keyed_event = OutboxEvent.objects.get(name=sample_confirmed.name, source_id=keyed.pk)
    task_assign_for_event(event=keyed_event, kind="production.plan_shortage", document=keyed, role="Warehouse",
                          title="Plan", description="Make 5 PCS")
    task_assign(company=inv.company, kind="inventory.reorder", document=inv.resin, role="Warehouse",
                title="Reorder RES-01")

    # Back to the text columns: what the old code wrote, including its markers.
    old = migrate(BEFORE)
    assert column_type("inventory_reservation", "line_key") == "character varying"
    with connection.cursor() as cursor:
        cursor.execute("SELECT document_id FROM inventory_stockmove")
        assert cursor.fetchall() == [(str(receipt.pk),)]
        cursor.execute("SELECT document_id, line_key FROM inventory_reservation")
        assert cursor.fetchall() == [(str(inv.admin.pk), "5")]
        cursor.execute("SELECT source_id FROM erp_outboxevent ORDER BY id")
        # the receipt's stock_available, stock_posted and goods_received, the two orders' confirmations
        assert cursor.fetchall() == [(str(receipt.pk),)] * 3 + [(str(order.pk),), (str(keyed.pk),)]
    assert sorted(old.get_model("office", "Task").objects.values_list("title", "description", "document_id")) == [
        ("Plan", f"Make 5 PCS\n[event {keyed_event.pk}]", str(keyed.pk)),
        ("[REORDER] Reorder RES-01", "", str(inv.resin.pk))]
    OldEvent, OldTask = old.get_model("erp", "OutboxEvent"), old.get_model("office", "Task")
    OldReservation = old.get_model("inventory", "Reservation")
    OldEvent.objects.create(name="sampleapp.order_confirmed", payload={}, source_id="")
    shortage = OldEvent.objects.create(name="sales.production_requested", payload={}, source_type_id=order_type,
                                       source_id=str(order.pk))
    OldReservation.objects.create(company_id=inv.company.pk, item_id=inv.screw.pk, warehouse_id=inv.wh1.pk,
                                  location_id=inv.a1.pk, quantity=1, status="released", document_id="",
                                  line_key="")
    role = inv.keeper.groups.get().pk
    common = {"company_id": inv.company.pk, "assignee_role_id": role}
    about_order = {**common, "document_type_id": order_type, "document_id": str(order.pk)}
    about_item = {**common, "document_type_id": item_type, "document_id": str(inv.screw.pk)}
    handled = OldTask.objects.create(title="Plan", description=f"Make 5 PCS\n[event {event.pk}]", **about_order)
    raced = OldTask.objects.create(title="Plan", description=f"Make 5 PCS\n[event {event.pk}]", **about_order)
    planned = OldTask.objects.create(title="Plan", description=f"[event {shortage.pk}]", **about_order)
    lost = OldTask.objects.create(title="Old", description="[event 987654]", **about_order)
    reorder = OldTask.objects.create(title="[REORDER] Reorder SCR-M3", **about_item)
    reorder_twice = OldTask.objects.create(title="[REORDER] Reorder SCR-M3", **about_item)
    reorder_done = OldTask.objects.create(title="[REORDER] Reorder SCR-M3 (earlier)", status="done",
                                          closed_at=event.created_at, **about_item)
    by_hand = OldTask.objects.create(title="By hand", description="see [event 1] above", document_id="", **common)

    migrate()

    assert column_type("inventory_reservation", "line_id") == "bigint"
    assert set(Reservation.objects.values_list("document_id", "line_id")) == {(None, None), (inv.admin.pk, 5)}
    assert StockMove.objects.get().document == receipt
    others = [goods_received.name, stock_available.name, stock_posted.name]
    assert list(OutboxEvent.objects.exclude(name__in=others).order_by("pk")
                .values_list("source_id", flat=True)) == [order.pk, keyed.pk, None, order.pk]
    assert OutboxEvent.objects.get(name=goods_received.name).source == receipt
    tasks = {t.pk: t for t in Task.objects.all()}
    assert [(tasks[pk].description, tasks[pk].source_event_id, tasks[pk].kind) for pk in (handled.pk, raced.pk)] == [
        ("Make 5 PCS", event.pk, ""), ("Make 5 PCS", None, "")]  # an unknown event name gives no kind
    assert (tasks[handled.pk].document_id, tasks[handled.pk].document) == (order.pk, order)
    assert (tasks[planned.pk].description, tasks[planned.pk].source_event_id, tasks[planned.pk].kind) == (
        "", shortage.pk, "production.plan_shortage")  # the kind its handler gives now
    assert (tasks[lost.pk].description, tasks[lost.pk].source_event_id) == ("[event 987654]", None)
    assert [(tasks[pk].title, tasks[pk].kind, tasks[pk].status) for pk in (reorder.pk, reorder_twice.pk,
                                                                           reorder_done.pk)] == [
        ("Reorder SCR-M3", "inventory.reorder", TaskStatus.OPEN), ("Reorder SCR-M3", "", TaskStatus.OPEN),
        ("Reorder SCR-M3 (earlier)", "inventory.reorder", TaskStatus.DONE)]
    assert (tasks[by_hand.pk].description, tasks[by_hand.pk].document_id, tasks[by_hand.pk].kind) == (
        "see [event 1] above", None, "")
    # And the reservation engine works on the integer columns.
    assert reserve_many(company=inv.company, document=order, requests=[
        ReserveRequest(item=inv.screw, warehouse=inv.wh1, quantity=Decimal("1"), line_id=order.pk)]) == {
        order.pk: Decimal("1")}
