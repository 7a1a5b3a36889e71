"""The migrations that give tasks their keys and turn text ids into integers, on rows written
before them, and back: erp 0007 (an event's source id), inventory 0009 (stock moves' and
reservations' document and line ids, and the reserve function that writes them), office 0003–0005
(a task's kind and source event, from the text markers the old code wrote).

They run in a database of their own, migrated from empty only as far as they reach: their apps and
what those depend on (auth, contenttypes, erp, inventory, office; about 35 migrations), so that
going back to erp 0006 and inventory 0008 unapplies these five migrations and nothing else. In the
test database the same trip would unapply, and then replay, every later migration of every app (44
when this was written: two to three minutes of Django's model-state rendering, more with each new
migration); here it takes seconds and stays so. The rows are written through the models as the
migrations' states have them: before the migrations, what the old code wrote (text ids, blanks,
markers); after them, what today's code writes into the same columns (integer ids, a task's kind and
source event)."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from typing import Any

import pytest
from django.apps.registry import Apps
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("erp", "0006_numbering_follows_fiscal_year"), ("inventory", "0008_delivery_source_from_sales_order")]
AFTER = [("erp", "0007_outbox_source_id_integer"), ("inventory", "0009_integer_document_and_line_ids"),
         ("office", "0005_task_unique_keys")]
# Ids of documents that live in apps this database does not hold (the sample app's orders): the
# columns are generic references, their content type is enough.
ORDER, KEYED_ORDER = 41, 42


@contextlib.contextmanager
def database_of_its_own() -> Iterator[None]:
    """The default connection on an empty database of its own while the block runs (the migrations'
    RunPython reads and writes through the default database), then back on the test database; the
    database is dropped afterwards. Named after the test database, so each xdist worker has its own."""
    assert not connection.in_atomic_block  # a transaction=True test: nothing open on the connection
    original = connection.settings_dict["NAME"]
    name = f"{original}_key_migrations"
    quoted = connection.ops.quote_name(name)
    with connection._nodb_cursor() as cursor:
        cursor.execute(f"DROP DATABASE IF EXISTS {quoted}")
        cursor.execute(f"CREATE DATABASE {quoted}")
    connection.close()
    connection.settings_dict["NAME"] = name
    try:
        yield
    finally:
        connection.close()
        connection.settings_dict["NAME"] = original
        with connection._nodb_cursor() as cursor:
            cursor.execute(f"DROP DATABASE IF EXISTS {quoted}")


def migrate(targets: list[tuple[str, str]]) -> Apps:
    """Migrate to ``targets``; returns the models as they are there."""
    MigrationExecutor(connection).migrate(targets)
    return MigrationExecutor(connection)._create_project_state(with_applied_migrations=True).apps


def column_type(table: str, column: str) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT data_type FROM information_schema.columns WHERE table_name = %s AND column_name = %s",
                       [table, column])
        return cursor.fetchone()[0]


def reserve(document_id: Any, line: Any) -> dict[str, Any]:
    """``inventory_reserve``, inventory 0007's or 0009's (whichever is in place), for 1 of the screw at A1:
    each reads its own field of the request, 0007 the line's key as text, 0009 its id."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT id, company_id, item_id, warehouse_id, location_id FROM inventory_stockbalance")
        _balance, company, item, warehouse, location = cursor.fetchone()
        request = {"line": line, "key": line, "item": item, "warehouse": warehouse, "quantity": "1",
                   "location": location}
        cursor.execute("SELECT inventory_reserve(%s, NULL, %s, 'R', NULL, false, %s)",
                       [company, document_id, json.dumps([request])])
        return json.loads(cursor.fetchone()[0])


def test_rows_keep_their_links_both_ways_and_tasks_get_their_keys_from_the_text():
    with database_of_its_own():
        new = migrate(AFTER)
        ContentType = new.get_model("contenttypes", "ContentType")
        types = {model: ContentType.objects.get_or_create(app_label=app, model=model)[0].pk for app, model in (
            ("inventory", "goodsreceipt"), ("inventory", "item"), ("erp", "user"), ("sampleapp", "sampleorder"))}
        company = new.get_model("erp", "Company").objects.create(code="ACME", name="測試精密股份有限公司")
        admin = new.get_model("erp", "User").objects.create(username="admin", password="!", company=company)
        role = new.get_model("auth", "Group").objects.get_or_create(name="Warehouse")[0].pk  # erp 0002 seeds it
        pcs = new.get_model("inventory", "UnitOfMeasure").objects.create(company=company, code="PCS", name="PCS")
        Item = new.get_model("inventory", "Item")
        screw = Item.objects.create(company=company, code="SCR-M3", name="Screw", base_unit=pcs)
        resin = Item.objects.create(company=company, code="RES-01", name="Resin", base_unit=pcs)
        warehouse = new.get_model("inventory", "Warehouse").objects.create(company=company, code="WH1", name="WH1")
        a1 = new.get_model("inventory", "Location").objects.create(company=company, warehouse=warehouse, code="A1",
                                                                   name="A1")
        stock = {"company": company, "item": screw, "warehouse": warehouse, "location": a1}
        new.get_model("inventory", "StockBalance").objects.create(**stock, on_hand=9, reserved=2)
        # What today's code writes: a posted receipt's move and its three events, a reservation of a
        # document's line, two orders' confirmations, a task an event asked for and a reorder task.
        receipt = new.get_model("inventory", "GoodsReceipt").objects.create(company=company, warehouse=warehouse)
        new.get_model("inventory", "StockMove").objects.create(
            **stock, move_type="receipt", quantity=9, unit_cost=1, value=9, document_type_id=types["goodsreceipt"],
            document_id=receipt.pk)
        new.get_model("inventory", "Reservation").objects.create(
            **stock, quantity=2, document_type_id=types["user"], document_id=admin.pk, line_id=5)
        Event = new.get_model("erp", "OutboxEvent")
        for name in ("inventory.stock_available", "inventory.stock_posted", "inventory.goods_received"):
            Event.objects.create(company=company, name=name, source_type_id=types["goodsreceipt"], source_id=receipt.pk)
        event = Event.objects.create(company=company, name="sampleapp.order_confirmed",
                                     source_type_id=types["sampleorder"], source_id=ORDER)
        keyed_event = Event.objects.create(company=company, name="sampleapp.order_confirmed",
                                           source_type_id=types["sampleorder"], source_id=KEYED_ORDER)
        Task = new.get_model("office", "Task")
        Task.objects.create(company=company, title="Plan", description="Make 5 PCS", kind="production.plan_shortage",
                            source_event=keyed_event, assignee_role_id=role, document_type_id=types["sampleorder"],
                            document_id=KEYED_ORDER)
        Task.objects.create(company=company, title="Reorder RES-01", kind="inventory.reorder", assignee_role_id=role,
                            document_type_id=types["item"], document_id=resin.pk)

        # Back to the text columns: these five migrations are undone, and nothing else.
        assert sorted((m.app_label, m.name) for m, _backwards in MigrationExecutor(connection).migration_plan(
            BEFORE)) == sorted([*AFTER, ("office", "0003_task_kind_source_event_integer_document_id"),
                                ("office", "0004_task_keys_from_text")])
        old = migrate(BEFORE)
        # What the old code wrote, including its markers.
        assert column_type("inventory_reservation", "line_key") == "character varying"
        with connection.cursor() as cursor:
            cursor.execute("SELECT document_id FROM inventory_stockmove")
            assert cursor.fetchall() == [(str(receipt.pk),)]
            cursor.execute("SELECT document_id, line_key FROM inventory_reservation")
            assert cursor.fetchall() == [(str(admin.pk), "5")]
            cursor.execute("SELECT source_id FROM erp_outboxevent ORDER BY id")
            assert cursor.fetchall() == [(str(receipt.pk),)] * 3 + [(str(ORDER),), (str(KEYED_ORDER),)]
        assert sorted(old.get_model("office", "Task").objects.values_list("title", "description", "document_id")) == [
            ("Plan", f"Make 5 PCS\n[event {keyed_event.pk}]", str(KEYED_ORDER)),
            ("[REORDER] Reorder RES-01", "", str(resin.pk))]
        # and the reserve function of inventory 0007 is back: a text document id and line key
        assert reserve(str(admin.pk), "6") == {"reserved": {"6": "1"}}
        OldEvent, OldTask = old.get_model("erp", "OutboxEvent"), old.get_model("office", "Task")
        OldReservation = old.get_model("inventory", "Reservation")
        OldEvent.objects.create(name="sampleapp.order_confirmed", payload={}, source_id="")
        shortage = OldEvent.objects.create(name="sales.production_requested", payload={},
                                           source_type_id=types["sampleorder"], source_id=str(ORDER))
        OldReservation.objects.create(company_id=company.pk, item_id=screw.pk, warehouse_id=warehouse.pk,
                                      location_id=a1.pk, quantity=1, status="released", document_id="", line_key="")
        common = {"company_id": company.pk, "assignee_role_id": role}
        about_order = {**common, "document_type_id": types["sampleorder"], "document_id": str(ORDER)}
        about_item = {**common, "document_type_id": types["item"], "document_id": str(screw.pk)}
        handled = OldTask.objects.create(title="Plan", description=f"Make 5 PCS\n[event {event.pk}]", **about_order)
        raced = OldTask.objects.create(title="Plan", description=f"Make 5 PCS\n[event {event.pk}]", **about_order)
        planned = OldTask.objects.create(title="Plan", description=f"[event {shortage.pk}]", **about_order)
        lost = OldTask.objects.create(title="Old", description="[event 987654]", **about_order)
        reorder = OldTask.objects.create(title="[REORDER] Reorder SCR-M3", **about_item)
        reorder_twice = OldTask.objects.create(title="[REORDER] Reorder SCR-M3", **about_item)
        reorder_done = OldTask.objects.create(title="[REORDER] Reorder SCR-M3 (earlier)", status="done",
                                              closed_at=event.created_at, **about_item)
        by_hand = OldTask.objects.create(title="By hand", description="see [event 1] above", document_id="", **common)

        new = migrate(AFTER)

        assert column_type("inventory_reservation", "line_id") == "bigint"
        Reservation, Event = new.get_model("inventory", "Reservation"), new.get_model("erp", "OutboxEvent")
        assert set(Reservation.objects.values_list("document_id", "line_id")) == {
            (None, None), (admin.pk, 5), (admin.pk, 6)}
        assert list(new.get_model("inventory", "StockMove").objects.values_list("document_type", "document_id")) == [
            (types["goodsreceipt"], receipt.pk)]
        others = ["inventory.goods_received", "inventory.stock_available", "inventory.stock_posted"]
        assert list(Event.objects.exclude(name__in=others).order_by("pk").values_list("source_id", flat=True)) == [
            ORDER, KEYED_ORDER, None, ORDER]
        assert Event.objects.filter(name="inventory.goods_received").values_list(
            "source_type", "source_id").get() == (types["goodsreceipt"], receipt.pk)
        tasks = {t.pk: t for t in new.get_model("office", "Task").objects.all()}
        assert [(tasks[pk].description, tasks[pk].source_event_id, tasks[pk].kind)
                for pk in (handled.pk, raced.pk)] == [
            ("Make 5 PCS", event.pk, ""), ("Make 5 PCS", None, "")]  # an unknown event name gives no kind
        assert (tasks[handled.pk].document_type_id, tasks[handled.pk].document_id) == (types["sampleorder"], ORDER)
        assert (tasks[planned.pk].description, tasks[planned.pk].source_event_id, tasks[planned.pk].kind) == (
            "", shortage.pk, "production.plan_shortage")  # the kind its handler gives now
        assert (tasks[lost.pk].description, tasks[lost.pk].source_event_id) == ("[event 987654]", None)
        assert [(tasks[pk].title, tasks[pk].kind, tasks[pk].status) for pk in (reorder.pk, reorder_twice.pk,
                                                                               reorder_done.pk)] == [
            ("Reorder SCR-M3", "inventory.reorder", "open"), ("Reorder SCR-M3", "", "open"),
            ("Reorder SCR-M3 (earlier)", "inventory.reorder", "done")]
        assert (tasks[by_hand.pk].description, tasks[by_hand.pk].document_id, tasks[by_hand.pk].kind) == (
            "see [event 1] above", None, "")
        # And the reserve function of inventory 0009 writes integer document and line ids.
        assert reserve(KEYED_ORDER, KEYED_ORDER) == {"reserved": {str(KEYED_ORDER): "1"}}
        assert Reservation.objects.filter(line_id=KEYED_ORDER).values_list("document_id", "quantity").get() == (
            KEYED_ORDER, 1)
