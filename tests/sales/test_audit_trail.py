"""The audit trail sees everything a confirmation writes: the order, every line, every reservation
(written by inventory_reserve in SQL, recorded on the order at document level), the promised date
and the status change; all with the actor and the address, at no extra statement."""

from decimal import Decimal as D

from auditlog.context import set_actor
from auditlog.models import LogEntry
from django.utils import translation

from erp.history import history_for
from inventory.models import Reservation
from sales import status as st
from sales.services.orders import order_confirm


def entries(instance):
    return list(LogEntry.objects.get_for_object(instance).order_by("pk"))


def test_creating_and_confirming_an_order_puts_every_row_in_the_trail(sal):
    sal.receive(sal.widget, 3, location=sal.a1)
    sal.receive(sal.widget, 2, location=sal.a2)
    sal.receive(sal.pump, 10)
    with set_actor(sal.rep, remote_addr="10.20.30.40"):
        order = sal.order([{"item": sal.widget, "quantity": D("4")}, {"item": sal.pump, "quantity": D("1")},
                           {"item": sal.motor, "quantity": D("2")}])
        order_confirm(order=order, actor=sal.rep)
    order.refresh_from_db()
    lines = list(order.lines.order_by("line_no"))
    reservations = list(Reservation.objects.filter(document_id=order.pk).order_by("pk"))
    assert order.status == st.OrderStatus.CONFIRMED and len(lines) == 3 and len(reservations) == 3

    order_entries = entries(order)
    assert [e.action for e in order_entries] == [LogEntry.Action.CREATE, LogEntry.Action.UPDATE, LogEntry.Action.UPDATE]
    (confirmed,) = [e for e in order_entries[1:] if "status" in e.changes_dict]
    assert confirmed.changes_dict["status"] == ["draft", "confirmed"]
    assert confirmed.changes_dict["number"] == ["", order.number]
    assert confirmed.changes_dict["promised_date"] == ["None", str(order.promised_date)]
    for line in lines:
        (created,) = entries(line)  # the confirmation's shortages and dates are the order's, below
        assert created.action == LogEntry.Action.CREATE and created.changes_dict["quantity"][0] == "None"
    # every reservation, on the order: item, quantity, location (inventory_reserve's entry)
    (reserved,) = [e for e in order_entries if "reserved" in e.changes_dict]
    assert reserved.changes_dict["reserved"][1] == ", ".join(
        f"{r.item.code} {r.quantity.normalize():f} @ {r.location.code}" for r in reservations)
    assert not any(entries(r) for r in reservations)
    everything = [*order_entries, *(e for line in lines for e in entries(line))]
    assert {(e.actor, e.remote_addr) for e in everything} == {(sal.rep, "10.20.30.40")}


def test_the_order_history_shows_what_was_reserved_and_the_promised_date(sal):
    sal.receive(sal.widget, 5, location=sal.a1)
    order = sal.order([{"item": sal.widget, "quantity": D("2")}])
    order_confirm(order=order, actor=sal.rep)
    with translation.override("en"):
        rows = {(str(change["field"]), change["new"]) for row in history_for(order) for change in row["changes"]}
    assert ("Reserved stock", f"{sal.widget.code} 2 @ {sal.a1.code}") in rows
    assert any(field.lower() == "promised date" for field, _new in rows)
