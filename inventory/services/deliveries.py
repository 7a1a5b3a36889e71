"""Delivery notes (出貨單): generated from a confirmed sales order's reservations, picked by the
keeper, posted (stock issued at average cost, the order told what was delivered, a backorder for
the rest, finance told to invoice), or cancelled while still a draft."""

from collections import defaultdict
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from erp.db import atomic_with_retry
from erp.documents import check_transition, transition
from erp.errors import DomainError
from erp.events import publish
from erp.money import round_line_quantity, round_quantity
from inventory import status as st
from inventory.errors import InvalidStockLine
from inventory.models import DeliveryNote, DeliveryNoteLine, UnitOfMeasure
from inventory.selectors import expiry_order, unit_factors
from inventory.services import stock
from inventory.services.documents import check_editable, check_location, check_lot, refuse
from inventory.signals import delivery_posted
from inventory.units import to_base

ZERO = Decimal("0")


def in_line_unit(
    line: Any, quantity_base: Decimal, factors: Mapping[int, Mapping[int, Decimal]]
) -> tuple[Decimal, UnitOfMeasure]:
    """(quantity, unit) to show ``quantity_base`` in: the order line's unit when exact, else the base unit.

    ``line`` is a sales order line (inventory does not import sales' models)."""
    item = line.item
    if line.unit_id == item.base_unit_id:
        return quantity_base, line.unit
    factor = factors.get(item.pk, {}).get(line.unit_id)
    if factor:
        quantity = round_line_quantity(quantity_base / factor)
        if round_quantity(quantity * factor) == round_quantity(quantity_base):
            return quantity, line.unit
    return quantity_base, item.base_unit


def assign_pick_task(delivery, actor, *, backorder=False):
    from erp.roles import WAREHOUSE
    from office.services import task_assign

    title = (_("Pick and ship the backorder of %(order)s") if backorder else _("Pick and ship %(order)s")) % {
        "order": delivery.sales_order.reference}
    task_assign(
        company=delivery.company, role=WAREHOUSE, document=delivery, close_on_status=st.DocStatus.POSTED,
        title=f"{title} ({delivery.customer_name})"[:200], actor=actor, due_date=delivery.sales_order.promised_date,
        description=_("Delivery note %(dn)s is ready to pick in %(wh)s.") % {
            "dn": delivery.reference, "wh": delivery.warehouse.code},
    )


def suggested_lines(order, order_lines, wanted):
    """Delivery lines for ``wanted`` ({order line id: base quantity}): taken from the order's active
    reservations (their location and lot: first-expiring lots first), the rest with no location."""
    reservations = defaultdict(list)
    for r in stock.active_reservations(order).select_related("lot").order_by("pk"):
        reservations[r.line_key].append(r)
    for rows in reservations.values():
        rows.sort(key=lambda r: (expiry_order(r.lot), r.pk))
    factors = unit_factors([line.item_id for line in order_lines])
    result = []
    for line in order_lines:
        remaining = wanted.get(line.pk, ZERO)
        if remaining <= 0:
            continue
        for reservation in reservations.get(str(line.pk), []):
            take = min(reservation.quantity, remaining)
            if take <= 0:
                continue
            quantity, unit = in_line_unit(line, take, factors)
            result.append(DeliveryNoteLine(order_line=line, item=line.item, unit=unit, quantity=quantity,
                                           picked=quantity, location_id=reservation.location_id,
                                           lot_id=reservation.lot_id))
            remaining -= take
            if remaining <= 0:
                break
        if remaining > 0:
            quantity, unit = in_line_unit(line, remaining, factors)
            result.append(DeliveryNoteLine(order_line=line, item=line.item, unit=unit, quantity=quantity, picked=0))
    return result


@atomic_with_retry
def delivery_create_for_order(*, order, actor=None, source_event=None):
    """The delivery note draft for what a confirmed order holds reserved (idempotent per event).
    Returns None when the order is no longer open or nothing is reserved yet."""
    from sales import status as sales_status

    if source_event is not None:
        existing = DeliveryNote.objects.filter(source_event=source_event).first()
        if existing is not None:
            return existing
    order = type(order).objects.select_for_update(of=("self",)).select_related("customer", "warehouse").get(pk=order.pk)
    if order.status not in sales_status.OPEN_ORDER_STATUSES:
        return None
    on_drafts = dict(
        DeliveryNoteLine.objects.filter(document__sales_order=order, document__status=st.DocStatus.DRAFT)
        .values_list("order_line_id").annotate(total=Sum("quantity"))
    )
    order_lines = list(order.lines.select_related("item", "unit").order_by("line_no", "pk"))
    held = dict(stock.active_reservations(order).values_list("line_key").annotate(total=Sum("quantity")))
    wanted = {}
    for line in order_lines:
        if line.item.is_stocked and not on_drafts.get(line.pk):
            wanted[line.pk] = min(held.get(str(line.pk), ZERO), line.open_quantity)
    lines = [line for line in suggested_lines(order, order_lines, wanted) if line.location_id]
    if not lines:
        return None
    delivery = DeliveryNote.objects.create(
        company=order.company, warehouse=order.warehouse, sales_order=order, customer_name=str(order.customer),
        ship_to=order.ship_to, source_event=source_event, created_by=actor, updated_by=actor,
        document_date=timezone.localdate(),
    )
    for line in lines:
        line.document = delivery
    DeliveryNoteLine.objects.bulk_create(lines)
    assign_pick_task(delivery, actor)
    return delivery


@atomic_with_retry
def delivery_save_picks(*, delivery, lines, actor=None, notes=None):
    """The keeper's picking on a draft: ``lines`` is [{id?, order_line, location, lot, picked}]. Lines
    with an id update that line (its quantity to ship stays); lines without add a split pick of an
    order line already on the note. Lines of the note not listed are kept as they are."""
    delivery = DeliveryNote.objects.select_for_update().get(pk=delivery.pk)
    check_editable(delivery)
    existing = {line.pk: line for line in delivery.lines.select_related("item", "unit", "order_line")}
    order_lines = {line.order_line_id: line.order_line for line in existing.values()}
    changed, new = [], []
    for n, fields in enumerate(lines, start=1):
        line_id = fields.get("id")
        if line_id:
            line = existing.get(int(line_id))
            if line is None:
                refuse(n, _("this line is not on the delivery note."))
        else:
            order_line = fields.get("order_line")
            if order_line is None or order_line.pk not in order_lines:
                refuse(n, _("choose an order line that is on this delivery note."))
            template = next(x for x in existing.values() if x.order_line_id == order_line.pk)
            line = DeliveryNoteLine(document=delivery, order_line=order_line, item=template.item,
                                    unit=template.unit, quantity=0)
        picked = fields.get("picked")
        if picked is None or Decimal(picked) < 0:
            refuse(n, _("the picked quantity must not be negative."))
        line.picked = Decimal(picked)
        line.location = fields.get("location")
        line.lot = fields.get("lot")
        if line.picked > 0:
            check_location(n, delivery.warehouse, line.location)
            check_lot(n, line.item, line.lot)
        (changed if line.pk else new).append(line)
    check_picked_within_open([*existing.values(), *new], order_lines)
    if changed:
        DeliveryNoteLine.objects.bulk_update(changed, ["picked", "location", "lot"])
    if new:
        DeliveryNoteLine.objects.bulk_create(new)
    if notes is not None:
        delivery.notes = notes
    delivery.updated_by = actor
    delivery.save()
    return delivery


def check_picked_within_open(lines, order_lines, factors=None):
    """{order line id: picked base quantity} of ``lines``; refuses picking more of an order line than
    it still has to deliver (saving the picks and posting them check the same)."""
    factors = unit_factors({line.item_id for line in lines}) if factors is None else factors
    picked_base = defaultdict(lambda: ZERO)
    for line in lines:
        picked_base[line.order_line_id] += to_base(line.item, line.picked, line.unit, factors.get(line.item_id, {}))
    for order_line_id, picked in picked_base.items():
        order_line = order_lines[order_line_id]
        open_quantity = order_line.quantity_base - order_line.delivered_quantity
        if picked > open_quantity:
            raise InvalidStockLine(
                _("Order line %(n)s: %(picked)s picked but only %(open)s still to deliver.") % {
                    "n": order_line.line_no, "picked": f"{picked.normalize():f}",
                    "open": f"{open_quantity.normalize():f}"}, field="lines")
    return picked_base


@atomic_with_retry
def delivery_post(*, delivery, actor=None):
    """Ship what was picked: stock leaves at average cost (consuming the order's reservations), the
    order's lines get their delivered quantities, a backorder note takes what was not picked, and
    finance is told to invoice. The order is locked first (the same lock order as a cancellation)."""
    from sales.services.orders import order_for_delivery, order_record_delivery

    check_transition(delivery, st.DocStatus.POSTED)
    order = order_for_delivery(delivery.sales_order_id)
    delivery = DeliveryNote.objects.select_for_update().select_related("warehouse").get(pk=delivery.pk)
    check_transition(delivery, st.DocStatus.POSTED)
    lines = list(delivery.lines.select_related("item", "item__base_unit", "unit", "order_line", "location", "lot")
                 .order_by("pk"))
    factors = unit_factors({line.item_id for line in lines})
    order_lines = {line.order_line_id: line.order_line for line in lines}
    picked_base = check_picked_within_open(lines, order_lines, factors)
    picks, picked_lines, demand_base = [], [], defaultdict(lambda: ZERO)
    for n, line in enumerate(lines, start=1):
        line_factors = factors.get(line.item_id, {})
        demand_base[line.order_line_id] += to_base(line.item, line.quantity, line.unit, line_factors)
        if line.picked <= 0:
            continue
        check_location(n, delivery.warehouse, line.location)
        check_lot(n, line.item, line.lot)
        base = to_base(line.item, line.picked, line.unit, line_factors)
        picks.append(stock.Pick(line_key=str(line.order_line_id), item=line.item, location=line.location,
                                lot=line.lot, quantity=base, field="lines", line=n))
        picked_lines.append(line)
    if not picks:
        raise InvalidStockLine(_("Nothing is picked: enter the picked quantities first."), field="lines")
    still_needed = {}
    for order_line_id, order_line in order_lines.items():
        open_quantity = order_line.quantity_base - order_line.delivered_quantity
        still_needed[str(order_line_id)] = open_quantity - picked_base[order_line_id]
    moves = stock.issue_picks(company=delivery.company, document=order, picks=picks, still_needed=still_needed,
                              issuing_document=delivery, actor=actor)
    for line, move in zip(picked_lines, moves, strict=True):
        line.unit_cost = move.unit_cost
    DeliveryNoteLine.objects.bulk_update(picked_lines, ["unit_cost"])
    transition(delivery, st.DocStatus.POSTED, actor=actor, extra_fields={"posted_at": timezone.now()})
    order_record_delivery(order=order, delivered=dict(picked_base), actor=actor)
    backorder = create_backorder(delivery, order, order_lines, demand_base, picked_base, actor)
    publish(delivery_posted, company=delivery.company, source=delivery, delivery_id=delivery.pk,
            delivery_number=delivery.number, order_id=order.pk, order_number=order.number,
            customer=delivery.customer_name, backorder_id=backorder.pk if backorder else None,
            lines=[{"order_line_id": line.order_line_id, "item_id": line.item_id, "item_code": line.item.code,
                    "quantity": str(pick.quantity), "unit_cost": str(line.unit_cost)}
                   for line, pick in zip(picked_lines, picks, strict=True)])
    return delivery


def create_backorder(delivery, order, order_lines, demand_base, picked_base, actor):
    """A draft note for what this note was to ship and did not (still reserved where it was)."""
    wanted = {}
    for order_line_id, order_line in order_lines.items():
        rest = demand_base[order_line_id] - picked_base[order_line_id]
        open_after = order_line.quantity_base - order_line.delivered_quantity - picked_base[order_line_id]
        rest = min(rest, open_after)
        if rest > 0:
            wanted[order_line_id] = rest
    if not wanted:
        return None
    lines = suggested_lines(order, [order_lines[k] for k in sorted(wanted)], wanted)
    backorder = DeliveryNote.objects.create(
        company=delivery.company, warehouse=delivery.warehouse, sales_order=order, customer_name=delivery.customer_name,
        ship_to=delivery.ship_to, backorder_of=delivery, created_by=actor, updated_by=actor,
        document_date=timezone.localdate(),
    )
    for line in lines:
        line.document = backorder
    DeliveryNoteLine.objects.bulk_create(lines)
    assign_pick_task(backorder, actor, backorder=True)
    return backorder


@atomic_with_retry
def delivery_cancel(*, delivery, actor=None):
    """Cancel a draft delivery note (the order keeps its reservations; a posted note is returned, not cancelled)."""
    from office.services import tasks_close_for_document

    delivery = DeliveryNote.objects.select_for_update().get(pk=delivery.pk)
    if delivery.status == st.DocStatus.POSTED:
        raise DomainError(_("A posted delivery cannot be cancelled: the customer returns the goods instead."))
    transition(delivery, st.DocStatus.CANCELLED, actor=actor)
    tasks_close_for_document(document=delivery, actor=actor,
                             note=_("%(dn)s was cancelled.") % {"dn": delivery.reference})
    return delivery


def delivery_cancel_drafts_for_order(*, order, actor=None):
    """Cancel the order's delivery-note drafts and close their tasks (the order is being cancelled)."""
    from office.services import tasks_close_for_document

    drafts = list(DeliveryNote.objects.select_for_update().filter(sales_order=order, status=st.DocStatus.DRAFT)
                  .order_by("pk"))
    for delivery in drafts:
        transition(delivery, st.DocStatus.CANCELLED, actor=actor)
    tasks_close_for_document(documents=drafts, actor=actor,
                             note=_("%(order)s was cancelled.") % {"order": order.reference})
    return drafts
