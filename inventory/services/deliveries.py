"""Delivery notes (出貨單): made for a source document's reservations (a confirmed sales order), picked
by the keeper, posted (stock issued at average cost, the source told what was shipped, a backorder for
the rest, finance told to invoice), or cancelled while still a draft.

Inventory stands below the apps whose documents it ships, so it knows a note's source only as a
generic reference. The source's app takes part through in-transaction Django signals
(``inventory.signals``): ``delivery_posting`` (lock the source, refuse if it can no longer ship),
``delivery_picking`` (refuse picks beyond what the source still has to deliver) and
``delivery_shipped`` (record what left). Finance hears of a posted note on the event bus.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db.models import Model
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from erp import audit, messages
from erp.db import atomic_with_retry
from erp.documents import check_transition, transition, void, void_reason
from erp.errors import DomainError
from erp.events import publish
from erp.models import Company, User
from erp.money import plain, round_line_quantity, round_quantity
from erp.roles import WAREHOUSE
from inventory import status as st
from inventory.errors import InvalidStockLine
from inventory.models import DeliveryNote, DeliveryNoteLine, Item, Reservation, UnitOfMeasure, Warehouse
from inventory.selectors import held_by_line, unit_factors
from inventory.services import stock
from inventory.services.documents import check_editable, check_location, check_lot, checked_base, refuse
from inventory.signals import delivery_picking, delivery_posted, delivery_posting, delivery_shipped
from inventory.sql import FefoKey
from office.services import task_assign, tasks_close_for_document

ZERO = Decimal("0")
PICK_TASK = "inventory.pick_delivery"  # the kind of the warehouse's task for a note: one open per note


@dataclass(frozen=True)
class DeliveryParty:
    """What a note shows of the customer, copied from the source when the note is made."""

    customer_name: str
    customer_code: str = ""
    customer_tax_id: str = ""
    customer_reference: str = ""
    ship_to: str = ""
    due_date: date | None = None


@dataclass(frozen=True)
class DeliveryDemand:
    """A line of the source document that is to be shipped, with what it still has to deliver."""

    source_line_id: int
    line_no: int
    item: Item
    unit: UnitOfMeasure  # the source line's unit: the note shows its quantities in it when exact
    open_quantity: Decimal  # base unit
    description: str = ""
    due_date: date | None = None  # when the customer was promised this line


def earliest_due(demands: Sequence[DeliveryDemand], lines: Iterable[DeliveryNoteLine],
                 fallback: date | None) -> date | None:
    """A note is due when its earliest line is: the pick task follows what ships first, not last."""
    on_note = {line.source_line_id for line in lines}
    dates = [d.due_date for d in demands if d.due_date is not None and d.source_line_id in on_note]
    return min(dates) if dates else fallback


def source_model(delivery: DeliveryNote) -> type[Model]:
    """The model of the note's source document (the sender of the delivery signals); no query."""
    model = ContentType.objects.get_for_id(delivery.source_type_id).model_class()
    assert model is not None, "a delivery note's source model is installed"
    return model


def in_demand_unit(demand: DeliveryDemand | DeliveryNoteLine, quantity_base: Decimal,
                   factors: dict[int, dict[int, Decimal]]) -> tuple[Decimal, UnitOfMeasure]:
    """(quantity, unit) to show ``quantity_base`` in: the line's unit when exact, else the base unit."""
    item = demand.item
    if demand.unit.pk == item.base_unit_id:
        return quantity_base, demand.unit
    factor = factors.get(item.pk, {}).get(demand.unit.pk)
    if factor:
        quantity = round_line_quantity(quantity_base / factor)
        if round_quantity(quantity * factor) == round_quantity(quantity_base):
            return quantity, demand.unit
    return quantity_base, item.base_unit


def pick_task_title(*, order: str, customer: str, backorder: bool = False) -> messages.Message:
    """The pick task's title, shown in the reader's language (also what the bench generator writes)."""
    if backorder:
        return messages.message(gettext_noop("Pick and ship the backorder of %(order)s (%(customer)s)"),
                                order=order, customer=customer)
    return messages.message(gettext_noop("Pick and ship %(order)s (%(customer)s)"), order=order, customer=customer)


def assign_pick_task(delivery: DeliveryNote, actor: User | None, *, backorder: bool = False) -> None:
    task_assign(
        company=delivery.company, role=WAREHOUSE, document=delivery, close_on_status=st.DocStatus.POSTED,
        kind=PICK_TASK,
        title=pick_task_title(order=delivery.source_reference, customer=delivery.customer_display,
                              backorder=backorder),
        actor=actor, due_date=delivery.due_date,
        description=messages.message(gettext_noop("Delivery note %(dn)s is ready to pick in %(wh)s."),
                                     dn=messages.reference(delivery), wh=delivery.warehouse.code),
    )


def suggested_lines(source: Model, demands: Sequence[DeliveryDemand],
                    wanted: dict[int, Decimal]) -> list[DeliveryNoteLine]:
    """Note lines for ``wanted`` ({source line id: base quantity}): taken from the source's active
    reservations (their location and lot: first-expiring lots first), the rest with no location."""
    reservations: dict[int | None, list[Reservation]] = defaultdict(list)
    for r in stock.active_reservations(source).select_related("lot").order_by(FefoKey("lot__expires_on"), "pk"):
        reservations[r.line_id].append(r)
    factors = unit_factors([demand.item.pk for demand in demands])
    result = []
    for demand in demands:
        remaining = wanted.get(demand.source_line_id, ZERO)
        if remaining <= 0:
            continue
        common = {"source_line_id": demand.source_line_id, "source_line_no": demand.line_no,
                  "description": demand.description, "item": demand.item}
        for reservation in reservations.get(demand.source_line_id, []):
            take = min(reservation.quantity, remaining)
            if take <= 0:
                continue
            quantity, unit = in_demand_unit(demand, take, factors)
            result.append(DeliveryNoteLine(**common, unit=unit, quantity=quantity, picked=quantity,
                                           location_id=reservation.location_id, lot_id=reservation.lot_id))
            remaining -= take
            if remaining <= 0:
                break
        if remaining > 0:
            quantity, unit = in_demand_unit(demand, remaining, factors)
            result.append(DeliveryNoteLine(**common, unit=unit, quantity=quantity, picked=0))
    return result


def source_filter(source: Model) -> dict[str, Any]:
    return {"source_type": ContentType.objects.get_for_model(source), "source_id": source.pk}


@atomic_with_retry
def delivery_create_for_source(*, source: Model, company: Company, warehouse: Warehouse, party: DeliveryParty,
                               demands: Sequence[DeliveryDemand], actor: User | None = None,
                               source_event: int | None = None) -> DeliveryNote | None:
    """The draft note for what ``source`` holds reserved on the lines that have no draft yet, at most
    what each still has to deliver (idempotent per event). The caller holds the source's lock and
    has checked it may ship. Returns None when nothing is reserved for those lines."""
    if source_event is not None:
        existing = DeliveryNote.objects.filter(source_event=source_event).first()
        if existing is not None:
            return existing
    on_drafts = set(
        DeliveryNoteLine.objects.filter(document__status=st.DocStatus.DRAFT,
                                        **{f"document__{k}": v for k, v in source_filter(source).items()})
        .values_list("source_line_id", flat=True)
    )
    held = held_by_line([source])
    wanted = {
        demand.source_line_id: min(held.get(demand.source_line_id, ZERO), demand.open_quantity)
        for demand in demands if demand.item.is_stocked and demand.source_line_id not in on_drafts
    }
    lines = [line for line in suggested_lines(source, demands, wanted) if line.location_id]
    if not lines:
        return None
    header = {**party.__dict__, "due_date": earliest_due(demands, lines, party.due_date)}
    delivery = DeliveryNote.objects.create(
        company=company, warehouse=warehouse, **source_filter(source),
        source_reference=str(getattr(source, "reference", source))[:60], **header,
        source_event=source_event, created_by=actor, updated_by=actor, document_date=timezone.localdate(),
    )
    for line in lines:
        line.document = delivery
    audit.record_created(DeliveryNoteLine.objects.bulk_create(lines), actor=actor)
    assign_pick_task(delivery, actor)
    return delivery


@atomic_with_retry
def delivery_add_reserved(*, source: Model, company: Company, warehouse: Warehouse, party: DeliveryParty,
                          demands: Sequence[DeliveryDemand], reserved: Mapping[int, Decimal],
                          actor: User | None = None) -> DeliveryNote | None:
    """Stock just reserved for ``source``'s lines (``reserved``: {source line id: base quantity}, the
    newest of the lines' reservations) goes onto its delivery-note draft, ready to pick from where it
    is held; the line's waiting rest on a backorder shrinks by as much. With no draft, a new one is
    made for everything the source holds. The warehouse gets (or keeps) the note's pick task, due
    on its earliest line. The caller holds the source's lock."""
    drafts = list(DeliveryNote.objects.select_for_update().filter(status=st.DocStatus.DRAFT, **source_filter(source))
                  .order_by("pk"))
    if not drafts:
        return delivery_create_for_source(source=source, company=company, warehouse=warehouse, party=party,
                                          demands=demands, actor=actor)
    notes = {note.pk: note for note in drafts}
    by_line = {demand.source_line_id: demand for demand in demands}
    draft_lines = list(DeliveryNoteLine.objects.filter(document__in=drafts).select_related("item", "unit")
                       .order_by("pk"))
    waiting = {line.source_line_id: line for line in draft_lines if line.location_id is None and line.picked == 0}
    carrying = {line.source_line_id: line.document_id for line in draft_lines}
    newest: dict[int | None, list[Reservation]] = defaultdict(list)
    for r in stock.active_reservations(source).filter(line_id__in=list(reserved)).order_by("-pk"):
        newest[r.line_id].append(r)
    factors = unit_factors([demand.item.pk for demand in demands])
    added: list[DeliveryNoteLine] = []
    shrunk: list[DeliveryNoteLine] = []
    emptied: list[DeliveryNoteLine] = []
    touched: dict[int, DeliveryNote] = {}
    for line_id, quantity in sorted(reserved.items()):
        demand = by_line.get(line_id)
        if demand is None or quantity <= 0:
            continue
        rest = waiting.get(line_id)
        note = notes[rest.document_id if rest is not None else carrying.get(line_id, drafts[-1].pk)]
        touched[note.pk] = note
        remaining = Decimal(quantity)
        for reservation in newest.get(line_id, []):  # the reservations just made: the newest rows
            take = min(reservation.quantity, remaining)
            if take <= 0:
                break
            shown, unit = in_demand_unit(demand, take, factors)
            added.append(DeliveryNoteLine(
                document=note, source_line_id=line_id, source_line_no=demand.line_no, description=demand.description,
                item=demand.item, unit=unit, quantity=shown, picked=shown, location_id=reservation.location_id,
                lot_id=reservation.lot_id))
            remaining -= take
        if rest is not None:
            left = checked_base(rest.item, rest.quantity, rest.unit, factors.get(rest.item_id, {})) - Decimal(quantity)
            if left <= 0:
                emptied.append(rest)
            else:
                rest.quantity, rest.unit = in_demand_unit(demand, left, factors)
                shrunk.append(rest)
    if not touched:
        return None
    before = audit.snapshot(shrunk)
    if shrunk:
        DeliveryNoteLine.objects.bulk_update(shrunk, ["quantity", "unit"])
        audit.record_updated(shrunk, before, ["quantity", "unit"], actor=actor)
    if emptied:
        DeliveryNoteLine.objects.filter(pk__in=[line.pk for line in emptied]).delete()
    audit.record_created(DeliveryNoteLine.objects.bulk_create(added), actor=actor)
    for note in touched.values():
        lines = [line for line in [*draft_lines, *added] if line.document_id == note.pk and line not in emptied]
        due = earliest_due(demands, lines, note.due_date)
        if due is not None and (note.due_date is None or due < note.due_date):
            note.due_date = due
            note.updated_by = actor
            note.save(update_fields=["due_date", "updated_by", "updated_at"])
        assign_pick_task(note, actor, backorder=note.backorder_of_id is not None)
    return drafts[-1] if len(touched) > 1 else next(iter(touched.values()))


def picked_by_source_line(lines: Iterable[DeliveryNoteLine],
                          factors: dict[int, dict[int, Decimal]] | None = None) -> dict[int, Decimal]:
    """{source line id: picked base quantity} of ``lines``."""
    lines = list(lines)
    factors = unit_factors({line.item_id for line in lines}) if factors is None else factors
    picked: dict[int, Decimal] = defaultdict(lambda: ZERO)
    for line in lines:
        picked[line.source_line_id] += checked_base(line.item, line.picked, line.unit, factors.get(line.item_id, {}))
    return dict(picked)


def check_picks(delivery: DeliveryNote, lines: Iterable[DeliveryNoteLine],
                factors: dict[int, dict[int, Decimal]] | None = None) -> dict[int, Decimal]:
    """The picked base quantities per source line, after the source's app had its say: it refuses
    picking more of a line than it still has to deliver (``delivery_picking``)."""
    picked = picked_by_source_line(lines, factors)
    delivery_picking.send(sender=source_model(delivery), delivery=delivery, picked=picked)
    return picked


@atomic_with_retry
def delivery_save_picks(*, delivery: DeliveryNote, lines: Sequence[Mapping[str, Any]], actor: User | None = None,
                        notes: str | None = None) -> DeliveryNote:
    """The keeper's picking on a draft: ``lines`` is [{id?, source_line, location, lot, picked}]. Lines
    with an id update that line (its quantity to ship stays); lines without add a split pick of a
    source line already on the note. Lines of the note not listed are kept as they are."""
    delivery = DeliveryNote.objects.select_for_update().get(pk=delivery.pk)
    check_editable(delivery)
    existing = {line.pk: line for line in delivery.lines.select_related("item", "unit", "location", "lot")}
    before = audit.snapshot(existing.values())
    templates: dict[int | None, DeliveryNoteLine] = {}  # looked up by the posted "source_line", maybe missing
    for existing_line in existing.values():
        templates.setdefault(existing_line.source_line_id, existing_line)
    changed: list[DeliveryNoteLine] = []
    new: list[DeliveryNoteLine] = []
    for n, fields in enumerate(lines, start=1):
        line_id = fields.get("id")
        if line_id:
            line = existing.get(int(line_id))
            if line is None:
                refuse(n, _("this line is not on the delivery note."))
        else:
            template = templates.get(fields.get("source_line"))
            if template is None:
                refuse(n, _("choose an order line that is on this delivery note."))
            line = DeliveryNoteLine(document=delivery, source_line_id=template.source_line_id,
                                    source_line_no=template.source_line_no, description=template.description,
                                    item=template.item, unit=template.unit, quantity=0)
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
    check_picks(delivery, [*existing.values(), *new])
    changed = [line for line in changed if picks_data([line]) != picks_data([before[line.pk]])]
    if changed:
        DeliveryNoteLine.objects.bulk_update(changed, ["picked", "location", "lot"])
        audit.record_updated(changed, before, ["picked", "location", "lot"], actor=actor)
    if new:
        audit.record_created(DeliveryNoteLine.objects.bulk_create(new), actor=actor)
    if changed or new:  # on the note's own history: what was picked where, line by line
        audit.record([audit.entry(delivery, audit.UPDATE, {"picked": [
            picks_data([before[line.pk] for line in changed]), picks_data([*changed, *new])]}, audit.context(actor))])
    if notes is not None:
        delivery.notes = notes
    delivery.updated_by = actor
    delivery.save()
    return delivery


def picks_data(lines: Sequence[Any]) -> list[dict[str, Any]]:
    """Delivery lines' picks as the note's history records them (erp.history.shown_data writes them
    in the reader's format): order line, item, quantity and unit, location, lot."""
    return [{"line": line.source_line_no or "", "item": line.item.code, "quantity": plain(line.picked),
             "unit": line.unit.code, "decimals": line.unit.decimals,
             "location": line.location.code if line.location is not None else "",
             "lot": line.lot.number if line.lot is not None else ""} for line in lines]


@atomic_with_retry
def delivery_post(*, delivery: DeliveryNote, actor: User | None = None) -> DeliveryNote:
    """Ship what was picked: stock leaves at average cost (consuming the source's reservations), the
    source's app records what was shipped, a backorder note takes what was not picked, and finance
    is told to invoice. The source is locked first (``delivery_posting``), as its cancellation does."""
    check_transition(delivery, st.DocStatus.POSTED)
    sender = source_model(delivery)
    delivery_posting.send(sender=sender, delivery=delivery, actor=actor)
    delivery = DeliveryNote.objects.select_for_update().select_related("warehouse").get(pk=delivery.pk)
    check_transition(delivery, st.DocStatus.POSTED)
    lines = list(delivery.lines.select_related("item", "item__base_unit", "unit", "location", "lot").order_by("pk"))
    factors = unit_factors({line.item_id for line in lines})
    picked_base = check_picks(delivery, lines, factors)
    picks: list[stock.Pick] = []
    picked_lines: list[DeliveryNoteLine] = []
    demand_base: defaultdict[int, Decimal] = defaultdict(lambda: ZERO)
    for n, line in enumerate(lines, start=1):
        line_factors = factors.get(line.item_id, {})
        demand_base[line.source_line_id] += checked_base(line.item, line.quantity, line.unit, line_factors)
        if line.picked <= 0:
            continue
        location = check_location(n, delivery.warehouse, line.location)
        check_lot(n, line.item, line.lot)
        base = checked_base(line.item, line.picked, line.unit, line_factors)
        picks.append(stock.Pick(line_id=line.source_line_id, item=line.item, location=location,
                                lot=line.lot, quantity=base, field="lines", line=n))
        picked_lines.append(line)
    if not picks:
        raise InvalidStockLine(_("Nothing is picked: enter the picked quantities first."), field="lines")
    source: Model | None = delivery.source
    assert source is not None, "the source of a note being posted exists (it is locked by delivery_posting)"
    # The number first, as receipts do: the moves carry it in the ledger (a refusal below rolls it back).
    transition(delivery, st.DocStatus.POSTED, actor=actor, extra_fields={"posted_at": timezone.now()})
    moves = stock.issue_picks(company=delivery.company, document=source, picks=picks, issuing_document=delivery,
                              actor=actor)
    before = audit.snapshot(picked_lines)
    for line, move in zip(picked_lines, moves, strict=True):
        line.unit_cost = move.unit_cost
    DeliveryNoteLine.objects.bulk_update(picked_lines, ["unit_cost"])
    audit.record_updated(picked_lines, before, ["unit_cost"], actor=actor)
    delivery_shipped.send(sender=sender, delivery=delivery, shipped=picked_base, actor=actor)
    backorder = create_backorder(delivery, source, lines, demand_base, picked_base, actor)
    publish(delivery_posted, company=delivery.company, source=delivery, delivery_id=delivery.pk,
            delivery_number=delivery.number, source_type=sender._meta.label_lower, source_id=delivery.source_id,
            source_reference=delivery.source_reference,
            customer=delivery.customer_display, backorder_id=backorder.pk if backorder else None,
            lines=[{"source_line_id": line.source_line_id, "item_id": line.item_id, "item_code": line.item.code,
                    "quantity": str(pick.quantity), "unit_cost": str(line.unit_cost)}
                   for line, pick in zip(picked_lines, picks, strict=True)])
    return delivery


def create_backorder(delivery: DeliveryNote, source: Model, lines: Sequence[DeliveryNoteLine],
                     demand_base: dict[int, Decimal], picked_base: dict[int, Decimal],
                     actor: User | None) -> DeliveryNote | None:
    """A draft note for what this note was to ship and did not (still reserved where it was)."""
    wanted = {key: demand_base[key] - picked_base.get(key, ZERO) for key in demand_base
              if demand_base[key] - picked_base.get(key, ZERO) > 0}
    if not wanted:
        return None
    demands: list[DeliveryDemand] = []
    for line in lines:  # the first line of each source line carries its unit and description
        if line.source_line_id in wanted and all(d.source_line_id != line.source_line_id for d in demands):
            demands.append(DeliveryDemand(source_line_id=line.source_line_id, line_no=line.source_line_no,
                                          item=line.item, unit=line.unit, open_quantity=wanted[line.source_line_id],
                                          description=line.description))
    demands.sort(key=lambda d: d.source_line_id)
    backorder = DeliveryNote.objects.create(
        company=delivery.company, warehouse=delivery.warehouse, source_type=delivery.source_type,
        source_id=delivery.source_id, source_reference=delivery.source_reference,
        customer_code=delivery.customer_code, customer_name=delivery.customer_name,
        customer_tax_id=delivery.customer_tax_id, customer_reference=delivery.customer_reference,
        ship_to=delivery.ship_to, due_date=delivery.due_date, backorder_of=delivery, created_by=actor,
        updated_by=actor, document_date=timezone.localdate(),
    )
    new_lines = suggested_lines(source, demands, wanted)
    for line in new_lines:
        line.document = backorder
    audit.record_created(DeliveryNoteLine.objects.bulk_create(new_lines), actor=actor)
    assign_pick_task(backorder, actor, backorder=True)
    return backorder


@atomic_with_retry
def delivery_cancel(*, delivery: DeliveryNote, actor: User | None = None, reason: str) -> DeliveryNote:
    """Void a draft note with the reason (the source keeps its reservations; a posted note is returned,
    not voided)."""
    void_reason(reason)
    delivery = DeliveryNote.objects.select_for_update().get(pk=delivery.pk)
    if delivery.status == st.DocStatus.POSTED:
        raise DomainError(_("A posted delivery cannot be voided: the customer returns the goods instead."))
    void(delivery, st.DocStatus.CANCELLED, actor=actor, reason=reason)
    tasks_close_for_document(document=delivery, actor=actor,
                             note=messages.message(gettext_noop("%(dn)s was voided."), dn=messages.reference(delivery)))
    return delivery


def delivery_cancel_drafts_for_source(*, source: Model, actor: User | None = None,
                                      reason: str) -> list[DeliveryNote]:
    """Void the source's draft notes with the source's reason and close their tasks (the source is
    being voided; the caller holds its lock)."""
    drafts = list(DeliveryNote.objects.select_for_update().filter(status=st.DocStatus.DRAFT, **source_filter(source))
                  .order_by("pk"))
    for delivery in drafts:
        void(delivery, st.DocStatus.CANCELLED, actor=actor, reason=reason)
    tasks_close_for_document(documents=drafts, actor=actor,
                             note=messages.message(gettext_noop("%(order)s was voided."),
                                                   order=messages.reference(source)))
    return drafts
