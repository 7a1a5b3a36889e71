"""Waiting order lines get the stock that arrives: the loop that closes a shortage.

A confirmed order line that could not be covered at confirmation keeps its ``shortage_quantity``.
When stock of its item becomes available in the order's warehouse (inventory's ``stock_available``
event: a goods receipt, a transfer arriving, a customer return, a count or adjustment, a released
reservation), ``reserve_waiting`` reserves it for the waiting lines in a fair order — earliest
promised date first, then the order confirmed first — grows the order's delivery-note draft (or
makes one) so the warehouse gets a pick task, and announces ``shortage_reduced`` so production and
purchasing can adjust what they were asked for. The same service runs on demand from the order's
page ("Reserve available stock") and nightly for every company (``sales.tasks``), so a lost event
costs a day at most.

Concurrency: the orders are locked in id order (the lock confirmation, cancellation and delivery
take first), then each line reserves through inventory's ``reserve_many``, which never holds more
than is available: two receipts of the same item handled at once, or a receipt beside a
confirmation, serialise on the same rows and cannot over-reserve.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from functools import reduce
from operator import or_

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from erp import audit
from erp.db import atomic_with_retry
from erp.errors import IllegalTransition
from erp.events import publish
from erp.models import Company, User
from erp.money import plain
from erp.sql import bulk_set
from inventory.models import DeliveryNote
from inventory.selectors import held_by_line
from inventory.services import deliveries, stock
from sales import signals
from sales import status as st
from sales.models import SalesOrder, SalesOrderLine
from sales.services.masterdata import check_can_serve
from sales.services.orders import delivery_demands, delivery_party, needed_by

ZERO = Decimal("0")
FAR_FUTURE = datetime.date.max


@dataclass
class WaitingResult:
    """What ``reserve_waiting`` reserved: {order id: {line id: base quantity}} and the notes it grew or made."""

    reserved: dict[int, dict[int, Decimal]] = field(default_factory=dict)
    deliveries: list[int] = field(default_factory=list)

    @property
    def lines(self) -> int:
        return sum(len(lines) for lines in self.reserved.values())


def waiting_filter(stock_pairs: Iterable[Sequence[int]] | None) -> Q:
    """Lines still short, of stocked items, on open orders; of the given (item id, warehouse id) pairs."""
    condition = Q(shortage_quantity__gt=0, order__status__in=st.OPEN_ORDER_STATUSES)
    if stock_pairs is not None:
        pairs = [Q(item_id=item_id, order__warehouse_id=warehouse_id) for item_id, warehouse_id in stock_pairs]
        if not pairs:
            return Q(pk__in=[])
        condition &= reduce(or_, pairs)
    return condition


def fair_order(line: SalesOrderLine) -> tuple[datetime.date, datetime.datetime | None, int, int]:
    """Who gets arriving stock first: the earliest promised date, then the order confirmed first."""
    order = line.order
    confirmed = order.confirmed_at or order.created_at
    return (line.promised_date or order.promised_date or FAR_FUTURE, confirmed, order.pk, line.line_no)


@atomic_with_retry
def reserve_waiting(*, company: Company, stock_pairs: Iterable[Sequence[int]] | None = None,
                    actor: User | None = None) -> WaitingResult:
    """Reserve what is available now for the company's waiting order lines (of ``stock_pairs`` —
    [(item id, warehouse id)]; all of them when None).
    Returns what was reserved; the orders' delivery-note drafts and the warehouse's pick tasks
    follow in the same transaction."""
    condition = waiting_filter(list(stock_pairs) if stock_pairs is not None else None)
    candidates = SalesOrderLine.objects.filter(condition, order__company=company)
    order_ids = sorted(set(candidates.values_list("order_id", flat=True)))
    result = WaitingResult()
    if not order_ids:
        return result
    # The lock order of every order write: orders by id. The lines are read after the locks, so
    # a concurrent reservation for the same lines is wholly before or after this one.
    orders = {
        o.pk: o for o in SalesOrder.objects.select_for_update(of=("self",)).select_related("warehouse", "customer")
        .filter(pk__in=order_ids, status__in=st.OPEN_ORDER_STATUSES).order_by("pk")
    }
    lines = list(
        SalesOrderLine.objects.filter(condition, order_id__in=list(orders))
        .select_related("item", "item__base_unit", "unit").order_by("pk")
    )
    for line in lines:
        line.order = orders[line.order_id]
    lines = [line for line in lines if line.item.is_stocked]
    held = held_by_line(orders.values())
    before = audit.snapshot(lines)
    exhausted: set[tuple[int, int]] = set()
    changed: list[SalesOrderLine] = []
    for line in sorted(lines, key=fair_order):
        the_order = line.order
        key = (line.item_id, the_order.warehouse_id)
        # What the line still lacks: never more than it has left to deliver beyond what it holds.
        wanted = min(line.shortage_quantity, line.quantity_base - line.delivered_quantity - held.get(line.pk, ZERO))
        if wanted <= 0:
            line.shortage_quantity = ZERO
            changed.append(line)
            continue
        if key in exhausted:
            continue
        got = stock.reserve_many(
            company=company, document=the_order, partial=True, actor=actor,
            requests=[stock.ReserveRequest(item=line.item, warehouse=the_order.warehouse, quantity=wanted,
                                           line_id=line.pk)],
        ).get(line.pk, ZERO)
        if got < wanted:
            exhausted.add(key)
        if got > 0:
            line.shortage_quantity = wanted - got
            changed.append(line)
            result.reserved.setdefault(the_order.pk, {})[line.pk] = got
    if changed:
        bulk_set(SalesOrderLine, ["shortage_quantity"], {line.pk: (line.shortage_quantity,) for line in changed})
        audit.record_updated(changed, before, ["shortage_quantity"], actor=actor)
    by_order: dict[int, list[SalesOrderLine]] = defaultdict(list)
    for line in lines:
        by_order[line.order_id].append(line)
    for order_id, reserved in result.reserved.items():
        the_order = orders[order_id]
        note = grow_delivery(the_order, reserved, actor)
        if note is not None:
            result.deliveries.append(note.pk)
        announce_reduced(the_order, reserved)
    return result


def grow_delivery(order: SalesOrder, reserved: dict[int, Decimal], actor: User | None) -> DeliveryNote | None:
    """The newly reserved quantities onto the order's delivery-note draft (a new draft if it has
    none), with the warehouse's pick task; inventory does the note's part."""
    return deliveries.delivery_add_reserved(
        source=order, company=order.company, warehouse=order.warehouse, party=delivery_party(order),
        demands=delivery_demands(order), reserved=reserved, actor=actor)


def announce_reduced(order: SalesOrder, reserved: dict[int, Decimal]) -> None:
    """``shortage_reduced``: what got reserved per line now, and every line's shortage left (by how
    the item is procured, with the date it is needed by), so production and purchasing restate or
    close what they were asked."""
    lines = order.lines.select_related("item", "item__base_unit").order_by("line_no", "pk")
    today = timezone.localdate()
    publish(signals.shortage_reduced, company=order.company, source=order, order_id=order.pk,
            order_number=order.number, lines=[
                {"line_id": line.pk, "line_no": line.line_no, "item_id": line.item_id, "item_code": line.item.code,
                 "item_name": line.item.name, "procurement": line.item.procurement,
                 "reserved": plain(reserved.get(line.pk, ZERO)), "short": plain(line.shortage_quantity),
                 "unit": line.item.base_unit.code,
                 "required_date": needed_by(line.promised_date, order.company, today).isoformat()}
                for line in lines if line.item.is_stocked])


def order_reserve_available(*, order: SalesOrder, actor: User | None) -> WaitingResult:
    """"Reserve available stock" on the order's page: free stock of the order's short items in its
    warehouse is reserved now, in the same fair order as when it arrives — an order promised
    earlier that waits for the same item is served first, so asking does not jump the queue."""
    order = SalesOrder.objects.select_related("customer").get(pk=order.pk)  # its status now
    check_can_serve(actor, order.customer)
    if order.status not in st.OPEN_ORDER_STATUSES:
        raise IllegalTransition(_("%(order)s is %(status)s: nothing is waiting for stock.")
                                % {"order": order.reference, "status": order.get_status_display()})
    pairs = {(item_id, order.warehouse_id)
             for item_id in order.lines.filter(shortage_quantity__gt=0).values_list("item_id", flat=True)}
    return reserve_waiting(company=order.company, stock_pairs=sorted(pairs), actor=actor)


def reserve_waiting_everywhere() -> dict[int, int]:
    """The nightly sweep: every active company's waiting lines get what is available; returns
    {company id: lines reserved}. One transaction per company."""
    done = {}
    for company in Company.objects.filter(is_active=True).order_by("pk"):
        done[company.pk] = reserve_waiting(company=company).lines
    return done
