"""The audit trail sees everything a confirmation writes: the order, every line, every reservation
(written by inventory_reserve in SQL), the lines' shortages and promised dates (a bulk UPDATE) and
the status change; all with the actor and the address, at no extra statement."""

from decimal import Decimal as D

from auditlog.context import set_actor
from auditlog.models import LogEntry

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
    assert [e.action for e in order_entries] == [LogEntry.Action.CREATE, LogEntry.Action.UPDATE]
    assert order_entries[1].changes_dict["status"] == ["draft", "confirmed"]
    assert order_entries[1].changes_dict["number"] == ["", order.number]
    for line in lines:
        created, updated = entries(line)
        assert created.action == LogEntry.Action.CREATE and created.changes_dict["quantity"][0] == "None"
        assert updated.action == LogEntry.Action.UPDATE
        assert updated.changes_dict["promised_date"][1] == str(line.promised_date)
    assert entries(lines[2])[1].changes_dict["shortage_quantity"][1] == str(lines[2].shortage_quantity)
    for reservation in reservations:
        (created,) = entries(reservation)
        assert created.action == LogEntry.Action.CREATE
        assert created.changes_dict["quantity"][1] == str(reservation.quantity)
        assert created.changes_dict["line_id"][1] == str(reservation.line_id)
    everything = [*order_entries, *(e for line in lines for e in entries(line)),
                  *(e for r in reservations for e in entries(r))]
    assert {(e.actor, e.remote_addr) for e in everything} == {(sal.rep, "10.20.30.40")}
