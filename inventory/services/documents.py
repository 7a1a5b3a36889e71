"""Receipts, issues, transfers, adjustments and counts: drafts, posting and cancellation.

A draft is saved with ``<kind>_save`` (header fields + the whole list of lines, validated against
the item master); ``<kind>_post`` posts its moves and takes the document's number in one
transaction; ``<kind>_cancel`` cancels a draft or reverses a posted document with new moves.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import date
from decimal import Decimal
from typing import Any, NoReturn, Protocol, TypedDict, TypeVar

from django.contrib.contenttypes.models import ContentType
from django.db.models import Manager, Model, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from erp import audit, messages
from erp.db import atomic_with_retry
from erp.documents import check_transition, transition, void, void_reason
from erp.errors import IllegalTransition, ImmutableDocument
from erp.events import publish
from erp.models import Company, Document, User
from erp.money import round_cost
from inventory import status as st
from inventory.errors import InvalidStockLine
from inventory.models import (
    GoodsReceipt,
    GoodsReceiptLine,
    Item,
    ItemValuation,
    Location,
    Lot,
    Reservation,
    StockAdjustment,
    StockAdjustmentLine,
    StockBalance,
    StockCount,
    StockCountLine,
    StockDocument,
    StockIssue,
    StockIssueLine,
    StockMove,
    StockTransfer,
    StockTransferLine,
    UnitOfMeasure,
    Warehouse,
)
from inventory.services import stock
from inventory.services.masterdata import lot_for_receipt, quarantine_location, transit_location
from inventory.services.stock import MoveSpec, post_moves, reversal_specs
from inventory.signals import goods_received, receipt_posted, receipt_posting, receipt_reversed
from inventory.units import to_base, unit_error
from office.services import tasks_close_for_document

ZERO = Decimal("0")

DocT = TypeVar("DocT", bound=StockDocument)


class LineModel(Protocol):
    """What ``save_document`` needs of a document's line model (GoodsReceiptLine…): its manager, and
    rows made from the checked fields plus ``document``."""

    @property
    def objects(self) -> Manager[Any]: ...

    def __call__(self, **fields: Any) -> Model: ...


# A line as a form or the API hands it over (or ``vars_of`` a saved line): field name -> value.
LineInput = Mapping[str, Any]


# What each kind's line check (``receipt_line``…) returns: the checked fields of its line model.
class ReceiptLineFields(TypedDict):
    item: Item
    unit: UnitOfMeasure
    quantity: Decimal
    location: Location
    lot_number: str
    manufactured_on: date | None
    expires_on: date | None
    unit_cost: Decimal
    source_line_id: int | None


class IssueLineFields(TypedDict):
    item: Item
    unit: UnitOfMeasure
    quantity: Decimal
    location: Location
    lot: Lot | None


class TransferLineFields(TypedDict):
    item: Item
    unit: UnitOfMeasure
    quantity: Decimal
    from_location: Location
    to_location: Location
    lot: Lot | None


class AdjustmentLineFields(TypedDict):
    item: Item
    unit: UnitOfMeasure
    quantity_change: Decimal
    location: Location
    lot: Lot | None
    unit_cost: Decimal | None


# Line checks shared by every document --------------------------------------------------------


def refuse(n: int, message: str, field: str = "lines") -> NoReturn:
    raise InvalidStockLine(_("Line %(n)s: ") % {"n": n} + message, field=field)


def check_item_and_unit(n: int, company: Company, item: Item, unit: UnitOfMeasure, quantity: Decimal | None, *,
                        signed: bool = False) -> Decimal:
    if item.company_id != company.pk:
        refuse(n, _("the item belongs to another company."))
    if not item.is_active:
        refuse(n, _("%(item)s is inactive and cannot be used on new documents.") % {"item": item.code})
    if not item.is_stocked:
        refuse(n, _("%(item)s is a service and has no stock.") % {"item": item.code})
    if quantity is None or (quantity == 0 if signed else quantity <= 0):
        refuse(n, _("the quantity must not be zero.") if signed else _("the quantity must be greater than zero."))
    base = to_base(item, quantity, unit)
    if base is None:
        refuse(n, unit_error(item, unit))
    return base


def checked_base(item: Item, quantity: Decimal, unit: UnitOfMeasure,
                 factors: Mapping[int, Decimal] | None = None) -> Decimal:
    """``to_base`` of a line whose unit is known to convert (its check, ``check_item_and_unit``,
    refuses one that does not)."""
    base = to_base(item, quantity, unit, factors)
    assert base is not None, "a checked line's unit converts to the base unit"
    return base


def check_location(n: int, warehouse: Warehouse, location: Location | None,
                   field_label: str | None = None) -> Location:
    """Refuse line ``n`` unless ``location`` is an active storage location of ``warehouse``; returns it."""
    if location is None:
        refuse(n, _("choose a location."))
    if location.warehouse_id != warehouse.pk:
        refuse(n, _("location %(loc)s is not in warehouse %(wh)s.") % {"loc": location, "wh": warehouse.code})
    if location.kind != st.LocationKind.INTERNAL:
        refuse(n, _("location %(loc)s is a transit location.") % {"loc": location})
    if not location.is_active:
        refuse(n, _("location %(loc)s is inactive.") % {"loc": location})
    return location


def check_lot(n: int, item: Item, lot: Lot | None) -> None:
    if item.lot_tracked and lot is None:
        refuse(n, _("%(item)s is lot-tracked: choose a lot.") % {"item": item.code})
    if not item.lot_tracked and lot is not None:
        refuse(n, _("%(item)s is not lot-tracked: leave the lot empty.") % {"item": item.code})
    if lot is not None and lot.item_id != item.pk:
        refuse(n, _("lot %(lot)s belongs to another item.") % {"lot": lot.number})


def check_editable(document: Document) -> None:
    if not document.is_editable:
        raise ImmutableDocument()


def save_document(model: type[DocT], line_model: LineModel, *, company: Company, actor: User, document: DocT | None,
                  header: Mapping[str, Any], lines: Sequence[LineInput],
                  check_line: Callable[[int, DocT, dict[str, Any]], Mapping[str, object]]) -> DocT:
    """Create or update a draft with its lines (replaced as a whole). Returns the document."""
    if not lines:
        raise InvalidStockLine(_("Add at least one line."), field="lines")
    if document is None:
        document = model(company=company, created_by=actor)
    else:
        check_editable(document)
    for name, value in header.items():
        setattr(document, name, value)
    document.updated_by = actor
    checked = [check_line(n, document, dict(line)) for n, line in enumerate(lines, start=1)]
    document.full_clean(exclude=["number", "status"])
    document.save()
    line_model.objects.filter(document=document).delete()
    created = line_model.objects.bulk_create([line_model(document=document, **fields) for fields in checked])
    audit.record_created(created, actor=actor)
    return document


def mark_posted(document: StockDocument, target: str, actor: User, **extra: Any) -> None:
    transition(document, target, actor=actor, extra_fields={"posted_at": timezone.now(), **extra})


def document_moves(document: Model) -> QuerySet[StockMove]:
    return StockMove.objects.filter(
        document_type=ContentType.objects.get_for_model(document), document_id=document.pk,
        reversed_by__isnull=True, reverses__isnull=True,
    ).select_related("item", "location", "lot").order_by("-pk")


def reverse_document(document: StockDocument, actor: User) -> None:
    """Undo every move of a posted document with reversing moves (newest first)."""
    moves = list(document_moves(document))
    if moves:
        # Each reversal carries the original move's cost: goods come back at the cost they left with.
        post_moves(company=document.company, specs=reversal_specs(moves), actor=actor, document=document)


def cancel_document(document: DocT, actor: User, reason: str, cancelled: str = st.DocStatus.CANCELLED) -> DocT:
    """Void (作廢) a draft, or reverse a posted document's moves and mark it cancelled, with the reason."""
    void_reason(reason)
    check_transition(document, cancelled)
    if document.status != st.DocStatus.DRAFT:
        reverse_document(document, actor)
    void(document, cancelled, actor=actor, reason=reason)
    return document


# Goods receipts ------------------------------------------------------------------------------


def receipt_line(n: int, receipt: GoodsReceipt, line: LineInput) -> ReceiptLineFields:
    item, unit = line["item"], line.get("unit") or line["item"].base_unit
    check_item_and_unit(n, receipt.company, item, unit, line.get("quantity"))
    check_location(n, receipt.warehouse, line.get("location"))
    number = (line.get("lot_number") or "").strip()
    if item.lot_tracked and not number:
        refuse(n, _("%(item)s is lot-tracked: give a lot number.") % {"item": item.code}, field="lines")
    if not item.lot_tracked and number:
        refuse(n, _("%(item)s is not lot-tracked: leave the lot number empty.") % {"item": item.code})
    cost = line.get("unit_cost") or ZERO
    if cost < 0:
        refuse(n, _("the unit cost must not be negative."))
    return {
        "item": item, "unit": unit, "quantity": line["quantity"], "location": line["location"], "lot_number": number,
        "manufactured_on": line.get("manufactured_on"), "expires_on": line.get("expires_on"), "unit_cost": cost,
        "source_line_id": line.get("source_line_id"),
    }


@atomic_with_retry
def receipt_save(*, company: Company, actor: User, receipt: GoodsReceipt | None = None, lines: Sequence[LineInput],
                 **header: Any) -> GoodsReceipt:
    return save_document(GoodsReceipt, GoodsReceiptLine, company=company, actor=actor, document=receipt,
                         header=header, lines=lines, check_line=receipt_line)


def receipt_sender(receipt: GoodsReceipt) -> type[Model]:
    """The sender of a receipt's hooks: its source document's model, or GoodsReceipt without one."""
    if receipt.source_type_id is None:
        return GoodsReceipt
    model = ContentType.objects.get_for_id(receipt.source_type_id).model_class()
    assert model is not None, "a receipt's source model is installed"
    return model


def received_by_source_line(lines: Sequence[GoodsReceiptLine]) -> dict[int, Decimal]:
    received: dict[int, Decimal] = {}
    for line in lines:
        if line.source_line_id is not None:
            base = checked_base(line.item, line.quantity, line.unit)
            received[line.source_line_id] = received.get(line.source_line_id, ZERO) + base
    return received


@atomic_with_retry
def receipt_post(*, receipt: GoodsReceipt, actor: User) -> GoodsReceipt:
    """Post a draft receipt. The source's app locks its document first (``receipt_posting``) and records
    the received quantities after the moves (``receipt_posted``); a line of an item that needs incoming
    inspection is posted to the warehouse's quarantine location (its ``location`` is where accepted goods
    go), where it is not available. Each line keeps where it was posted and its lot."""
    check_transition(receipt, st.DocStatus.POSTED)
    sender = receipt_sender(receipt)
    receipt_posting.send(sender=sender, receipt=receipt, actor=actor)
    # Lock the receipt (a second posting waits, then sees it posted); the caller's object is the one
    # that gets the number and status.
    list(GoodsReceipt.objects.select_for_update().filter(pk=receipt.pk).values_list("pk"))
    receipt.refresh_from_db(fields=["status", "number"])
    check_transition(receipt, st.DocStatus.POSTED)
    specs = []
    lines = list(receipt.lines.select_related("item", "unit", "location").order_by("pk"))
    quarantine: Location | None = None
    before = audit.snapshot(lines)
    for n, line in enumerate(lines, start=1):
        receipt_line(n, receipt, vars_of(line))
        base = checked_base(line.item, line.quantity, line.unit)
        lot = None
        if line.item.lot_tracked:
            lot = lot_for_receipt(item=line.item, number=line.lot_number, manufactured_on=line.manufactured_on,
                                  expires_on=line.expires_on)
        location = line.location
        if line.item.inspection_required:
            quarantine = quarantine or quarantine_location(receipt.warehouse)
            location = quarantine
        line.posted_location, line.lot = location, lot
        # The line's cost is per line unit; the ledger's per base unit.
        unit_cost = round_cost(line.unit_cost * line.quantity / base) if base else ZERO
        specs.append(MoveSpec(item=line.item, location=location, lot=lot, quantity=base,
                              move_type=st.MoveType.RECEIPT, unit_cost=unit_cost, line=n))
    mark_posted(receipt, st.DocStatus.POSTED, actor)  # first: the moves carry the document's number
    post_moves(company=receipt.company, specs=specs, actor=actor, document=receipt)
    GoodsReceiptLine.objects.bulk_update(lines, ["posted_location", "lot"])
    audit.record_updated(lines, before, ["posted_location", "lot"], actor=actor)
    receipt_posted.send(sender=sender, receipt=receipt, received=received_by_source_line(lines), lines=lines,
                        actor=actor)
    publish(goods_received, company=receipt.company, source=receipt, receipt_id=receipt.pk,
            number=receipt.number, warehouse=receipt.warehouse.code)
    return receipt


@atomic_with_retry
def receipt_cancel(*, receipt: GoodsReceipt, actor: User, reason: str) -> GoodsReceipt:
    """Void a draft, or void and reverse a posted receipt: its source's app takes the received
    quantities back first (``receipt_reversed``; it refuses when the goods were already inspected)."""
    if receipt.status == st.DocStatus.POSTED:
        void_reason(reason)
        check_transition(receipt, st.DocStatus.CANCELLED)
        lines = list(receipt.lines.select_related("item", "unit").order_by("pk"))
        receipt_reversed.send(sender=receipt_sender(receipt), receipt=receipt,
                              received=received_by_source_line(lines), actor=actor)
    return cancel_document(receipt, actor, reason)


def vars_of(line: Model) -> dict[str, Any]:
    """A saved line as the dict its check function takes."""
    return {f.name: getattr(line, f.name) for f in line._meta.concrete_fields if f.name not in ("id", "document")}


# Stock issues --------------------------------------------------------------------------------


def issue_line(n: int, issue: StockIssue, line: LineInput) -> IssueLineFields:
    item, unit = line["item"], line.get("unit") or line["item"].base_unit
    check_item_and_unit(n, issue.company, item, unit, line.get("quantity"))
    check_location(n, issue.warehouse, line.get("location"))
    check_lot(n, item, line.get("lot"))
    return {"item": item, "unit": unit, "quantity": line["quantity"], "location": line["location"],
            "lot": line.get("lot")}


@atomic_with_retry
def issue_save(*, company: Company, actor: User, issue: StockIssue | None = None, lines: Sequence[LineInput],
               **header: Any) -> StockIssue:
    if issue is not None:
        stock.release(document=issue, actor=actor)  # the lines change: what they held goes back
    return save_document(StockIssue, StockIssueLine, company=company, actor=actor, document=issue,
                         header=header, lines=lines, check_line=issue_line)


@atomic_with_retry
def issue_reserve(*, issue: StockIssue, actor: User) -> StockIssue:
    """Hold the draft's quantities at its lines' locations and lots until it is posted, edited or
    cancelled: from now on nobody else can take them."""
    check_editable(issue)
    if stock.active_reservations(issue).exists():
        raise InvalidStockLine(_("This issue has already reserved its stock."))
    for n, line in enumerate(issue.lines.select_related("item", "unit", "location", "lot"), start=1):
        issue_line(n, issue, vars_of(line))
        try:
            stock.reserve(company=issue.company, item=line.item, warehouse=issue.warehouse,
                          quantity=checked_base(line.item, line.quantity, line.unit), document=issue, line_id=line.pk,
                          location=line.location, lot=line.lot, actor=actor)
        except InvalidStockLine as refused:
            raise InvalidStockLine(_("Line %(n)s: ") % {"n": n} + str(refused.message), field=refused.field)
    return issue


@atomic_with_retry
def issue_release(*, issue: StockIssue, actor: User) -> Decimal:
    """Give back what the draft reserved; returns the quantity released (base units)."""
    return stock.release(document=issue, actor=actor)


@atomic_with_retry
def issue_post(*, issue: StockIssue, actor: User, move_type: str = st.MoveType.ISSUE) -> StockIssue:
    """Post the issue; lines that reserved their stock consume the reservation."""
    held: dict[int | None, Decimal] = {}
    reservations = list(stock.active_reservations(issue).select_for_update().order_by("pk"))
    for reservation in reservations:
        held[reservation.line_id] = held.get(reservation.line_id, ZERO) + reservation.quantity
    specs = []
    for n, line in enumerate(issue.lines.select_related("item", "unit", "location", "lot"), start=1):
        issue_line(n, issue, vars_of(line))
        base = checked_base(line.item, line.quantity, line.unit)
        specs.append(MoveSpec(item=line.item, location=line.location, lot=line.lot, quantity=-base,
                              move_type=move_type, line=n, from_reserved=min(held.get(line.pk, ZERO), base)))
    mark_posted(issue, st.DocStatus.POSTED, actor)
    post_moves(company=issue.company, specs=specs, actor=actor, document=issue)
    before = audit.snapshot(reservations)
    for reservation in reservations:
        reservation.issued_quantity += reservation.quantity
        reservation.quantity = ZERO
        reservation.status = st.ReservationStatus.CONSUMED
    Reservation.objects.bulk_update(reservations, ["quantity", "issued_quantity", "status"])
    audit.record_updated(reservations, before, ["quantity", "issued_quantity", "status"], actor=actor)
    return issue


@atomic_with_retry
def issue_cancel(*, issue: StockIssue, actor: User, reason: str) -> StockIssue:
    void_reason(reason)
    if issue.status == st.DocStatus.DRAFT:
        stock.release(document=issue, actor=actor)
    return cancel_document(issue, actor, reason)


# Transfers -----------------------------------------------------------------------------------


def transfer_line(n: int, transfer: StockTransfer, line: LineInput) -> TransferLineFields:
    item, unit = line["item"], line.get("unit") or line["item"].base_unit
    check_item_and_unit(n, transfer.company, item, unit, line.get("quantity"))
    check_location(n, transfer.warehouse, line.get("from_location"))
    check_location(n, transfer.to_warehouse, line.get("to_location"))
    if line["from_location"].pk == line["to_location"].pk:
        refuse(n, _("the goods must go to another location than the one they come from."))
    check_lot(n, item, line.get("lot"))
    return {"item": item, "unit": unit, "quantity": line["quantity"], "from_location": line["from_location"],
            "to_location": line["to_location"], "lot": line.get("lot")}


@atomic_with_retry
def transfer_save(*, company: Company, actor: User, transfer: StockTransfer | None = None,
                  lines: Sequence[LineInput], **header: Any) -> StockTransfer:
    return save_document(StockTransfer, StockTransferLine, company=company, actor=actor, document=transfer,
                         header=header, lines=lines, check_line=transfer_line)


def transfer_leg_specs(transfer: StockTransfer, *, source: Callable[[StockTransferLine], Location],
                       destination: Callable[[StockTransferLine], Location]) -> list[MoveSpec]:
    """Out of ``source(line)`` and into ``destination(line)`` at the same cost (valuation unchanged)."""
    specs = []
    for n, line in enumerate(transfer.lines.select_related("item", "unit", "from_location", "to_location", "lot"),
                             start=1):
        transfer_line(n, transfer, vars_of(line))
        base = checked_base(line.item, line.quantity, line.unit)
        specs.append(MoveSpec(item=line.item, location=source(line), lot=line.lot, quantity=-base,
                              move_type=st.MoveType.TRANSFER_OUT, line=n))
        specs.append(MoveSpec(item=line.item, location=destination(line), lot=line.lot, quantity=base,
                              move_type=st.MoveType.TRANSFER_IN, line=n))
    return specs


def post_transfer_leg(transfer: StockTransfer, specs: Sequence[MoveSpec], actor: User) -> None:
    # Outbound first, then inbound at the cost the goods left with.
    out = post_moves(company=transfer.company, specs=specs[0::2], actor=actor, document=transfer, announce=False)
    for spec, move in zip(specs[1::2], out, strict=True):
        spec.unit_cost = move.unit_cost
    inbound = post_moves(company=transfer.company, specs=specs[1::2], actor=actor, document=transfer,
                         announce=False)
    stock.announce_posted(transfer.company, [*out, *inbound], transfer)  # the two legs book as one entry


@atomic_with_retry
def transfer_ship(*, transfer: StockTransfer, actor: User) -> StockTransfer:
    """Between warehouses: the goods leave and wait in the destination's transit location."""
    if not transfer.is_two_step:
        return transfer_receive(transfer=transfer, actor=actor)
    transit = transit_location(transfer.to_warehouse)
    specs = transfer_leg_specs(transfer, source=lambda line: line.from_location, destination=lambda line: transit)
    mark_posted(transfer, st.TransferStatus.SHIPPED, actor, shipped_at=timezone.now())
    post_transfer_leg(transfer, specs, actor)
    return transfer


@atomic_with_retry
def transfer_receive(*, transfer: StockTransfer, actor: User) -> StockTransfer:
    """Within a warehouse: the whole move at once. Between warehouses: from transit into the bins."""
    now = timezone.now()
    if transfer.status == st.TransferStatus.SHIPPED:
        transit = transit_location(transfer.to_warehouse)
        specs = transfer_leg_specs(transfer, source=lambda line: transit, destination=lambda line: line.to_location)
        extra = {"received_at": now}
    else:
        if transfer.is_two_step:
            raise IllegalTransition(_("Ship this transfer before receiving it: it goes to another warehouse."))
        specs = transfer_leg_specs(
            transfer, source=lambda line: line.from_location, destination=lambda line: line.to_location
        )
        extra = {"shipped_at": now, "received_at": now}
    mark_posted(transfer, st.TransferStatus.RECEIVED, actor, **extra)
    post_transfer_leg(transfer, specs, actor)
    return transfer


@atomic_with_retry
def transfer_cancel(*, transfer: StockTransfer, actor: User, reason: str) -> StockTransfer:
    cancel_document(transfer, actor, reason, cancelled=st.TransferStatus.CANCELLED)
    # A shortage transfer's ship task (replenish.transfer_create_for_shortage) goes with it.
    tasks_close_for_document(document=transfer, actor=actor,
                             note=messages.message(gettext_noop("%(transfer)s was voided."),
                                                   transfer=messages.reference(transfer)))
    return transfer


# Adjustments ---------------------------------------------------------------------------------


def adjustment_line(n: int, adjustment: StockAdjustment, line: LineInput) -> AdjustmentLineFields:
    item, unit = line["item"], line.get("unit") or line["item"].base_unit
    check_item_and_unit(n, adjustment.company, item, unit, line.get("quantity_change"), signed=True)
    check_location(n, adjustment.warehouse, line.get("location"))
    check_lot(n, item, line.get("lot"))
    cost = line.get("unit_cost")
    if cost is not None and cost < 0:
        refuse(n, _("the unit cost must not be negative."))
    return {"item": item, "unit": unit, "quantity_change": line["quantity_change"], "location": line["location"],
            "lot": line.get("lot"), "unit_cost": cost}


@atomic_with_retry
def adjustment_save(*, company: Company, actor: User, adjustment: StockAdjustment | None = None,
                    lines: Sequence[LineInput], **header: Any) -> StockAdjustment:
    return save_document(StockAdjustment, StockAdjustmentLine, company=company, actor=actor, document=adjustment,
                         header=header, lines=lines, check_line=adjustment_line)


@atomic_with_retry
def adjustment_post(*, adjustment: StockAdjustment, actor: User) -> StockAdjustment:
    specs = []
    for n, line in enumerate(adjustment.lines.select_related("item", "unit", "location", "lot"), start=1):
        adjustment_line(n, adjustment, vars_of(line))
        base = checked_base(line.item, line.quantity_change, line.unit)
        cost = None
        if base > 0 and line.unit_cost is not None:
            cost = round_cost(line.unit_cost * line.quantity_change / base)
        specs.append(MoveSpec(item=line.item, location=line.location, lot=line.lot, quantity=base,
                              move_type=st.MoveType.ADJUSTMENT, unit_cost=cost, line=n))
    mark_posted(adjustment, st.DocStatus.POSTED, actor)
    post_moves(company=adjustment.company, specs=specs, actor=actor, document=adjustment)
    return adjustment


@atomic_with_retry
def adjustment_cancel(*, adjustment: StockAdjustment, actor: User, reason: str) -> StockAdjustment:
    return cancel_document(adjustment, actor, reason)


# Stock counts --------------------------------------------------------------------------------


@atomic_with_retry
def count_create(*, company: Company, warehouse: Warehouse, actor: User, location: Location | None = None,
                 document_date: date | None = None, notes: str = "") -> StockCount:
    if location is not None and location.warehouse_id != warehouse.pk:
        raise InvalidStockLine(_("The location must be in the counted warehouse."), field="location")
    count = StockCount(company=company, warehouse=warehouse, location=location, notes=notes, created_by=actor,
                       updated_by=actor)
    if document_date:
        count.document_date = document_date
    count.full_clean(exclude=["number", "status"])
    count.save()
    return count


@atomic_with_retry
def count_start(*, count: StockCount, actor: User) -> StockCount:
    """Generate the count sheet: one line per item, location and lot with stock (expected = on hand)."""
    # Lock the count and check its status before writing the sheet: a second start, or two at once,
    # is an illegal transition (409), not a duplicate sheet refused by count_line_unique (500).
    count.status = StockCount.objects.select_for_update().values_list("status", flat=True).get(pk=count.pk)
    check_transition(count, st.CountStatus.COUNTING)
    balances = StockBalance.objects.filter(warehouse=count.warehouse, location__kind=st.LocationKind.INTERNAL,
                                           on_hand__gt=0)
    if count.location_id:
        balances = balances.filter(location=count.location)
    audit.record_created(StockCountLine.objects.bulk_create([
        StockCountLine(document=count, item_id=b.item_id, location_id=b.location_id, lot_id=b.lot_id,
                       expected_quantity=b.on_hand)
        for b in balances.order_by("location__code", "item__code")
    ]), actor=actor)
    transition(count, st.CountStatus.COUNTING, actor=actor)
    return count


@atomic_with_retry
def count_record(*, count: StockCount, counted: Mapping[Any, Decimal | int | str | None],
                 actor: User) -> StockCount:
    """``counted``: {line id: quantity in base unit (or None to clear)}."""
    if count.status != st.CountStatus.COUNTING:
        raise InvalidStockLine(_("Counted quantities can be entered only while the count is in progress."))
    ids = {}
    for line_id in counted:
        try:
            ids[line_id] = int(line_id)
        except (TypeError, ValueError):
            raise InvalidStockLine(_("Line %(id)s is not on this count sheet.") % {"id": line_id}, field="lines")
    lines = {line.pk: line for line in count.lines.filter(pk__in=list(ids.values()))}
    before = audit.snapshot(lines.values())
    for line_id, quantity in counted.items():
        line = lines.get(ids[line_id])
        if line is None:
            raise InvalidStockLine(_("Line %(id)s is not on this count sheet.") % {"id": line_id}, field="lines")
        try:
            quantity = None if quantity in (None, "") else Decimal(str(quantity))
        except ArithmeticError:
            raise InvalidStockLine(_("“%(value)s” is not a quantity.") % {"value": quantity}, field="counted_quantity")
        if quantity is not None and (quantity < 0 or not quantity.is_finite()):
            raise InvalidStockLine(_("A counted quantity cannot be negative."), field="counted_quantity")
        line.counted_quantity = quantity
    StockCountLine.objects.bulk_update(lines.values(), ["counted_quantity"])
    audit.record_updated(lines.values(), before, ["counted_quantity"], actor=actor)
    return count


@atomic_with_retry
def count_add_line(*, count: StockCount, item: Item, location: Location, counted_quantity: Decimal | int | str | None,
                   lot: Lot | None = None, actor: User | None = None) -> StockCountLine:
    """Something was found that is not on the sheet."""
    if count.status != st.CountStatus.COUNTING:
        raise InvalidStockLine(_("Lines can be added only while the count is in progress."))
    check_item_and_unit(0, count.company, item, item.base_unit, Decimal("1"))
    check_location(0, count.warehouse, location)
    if count.location_id and location.pk != count.location_id:
        raise InvalidStockLine(_("This count covers location %(loc)s only.") % {"loc": count.location},
                               field="location")
    check_lot(0, item, lot)
    if counted_quantity is None or Decimal(counted_quantity) < 0:
        raise InvalidStockLine(_("A counted quantity cannot be negative."), field="counted_quantity")
    if count.lines.filter(item=item, location=location, lot=lot).exists():
        raise InvalidStockLine(_("This item, location and lot is already on the sheet."), field="item")
    return StockCountLine.objects.create(document=count, item=item, location=location, lot=lot,
                                         expected_quantity=ZERO, counted_quantity=counted_quantity)


@atomic_with_retry
def count_post(*, count: StockCount, actor: User) -> StockCount:
    """Post the variances of every counted line against what is on hand now, as one document."""
    if count.status == st.CountStatus.POSTED:
        raise IllegalTransition(_("This count sheet was already posted."))
    lines = list(count.lines.select_related("item", "location", "lot"))
    uncounted = [line for line in lines if line.counted_quantity is None]
    if uncounted:
        first = uncounted[0]
        raise InvalidStockLine(
            _("%(n)s lines are not counted yet (first: %(item)s at %(loc)s). Enter 0 for what is not there.")
            % {"n": len(uncounted), "item": first.item.code, "loc": first.location},
            field="counted_quantity",
        )
    on_hand = {
        (b["item_id"], b["location_id"], b["lot_id"]): b["on_hand"]
        for b in StockBalance.objects.filter(warehouse=count.warehouse).values("item_id", "location_id", "lot_id")
        .annotate(on_hand=Sum("on_hand"))
    }
    valued = set(ItemValuation.objects.filter(item__in={line.item_id for line in lines}, quantity__gt=0)
                 .values_list("item_id", flat=True))
    specs = []
    before = audit.snapshot(lines)
    for n, line in enumerate(lines, start=1):
        current = on_hand.get((line.item_id, line.location_id, line.lot_id), ZERO)
        line.expected_quantity = current  # what the books said at posting time
        variance = line.counted_quantity - current
        if variance:
            # Found stock is valued at the average cost, or the standard cost if there is none yet.
            cost = None if line.item_id in valued else line.item.standard_cost
            specs.append(MoveSpec(item=line.item, location=line.location, lot=line.lot, quantity=variance,
                                  move_type=st.MoveType.COUNT_VARIANCE, unit_cost=cost if variance > 0 else None,
                                  line=n))
    StockCountLine.objects.bulk_update(lines, ["expected_quantity"])
    audit.record_updated(lines, before, ["expected_quantity"], actor=actor)
    mark_posted(count, st.CountStatus.POSTED, actor)
    if specs:
        post_moves(company=count.company, specs=specs, actor=actor, document=count)
    return count


@atomic_with_retry
def count_cancel(*, count: StockCount, actor: User, reason: str) -> StockCount:
    void_reason(reason)
    if count.status == st.CountStatus.POSTED:
        raise ImmutableDocument(_("A posted count is corrected with an adjustment, not voided."))
    void(count, st.CountStatus.CANCELLED, actor=actor, reason=reason)
    return count


def lot_by_number(item: Item, number: str) -> Lot | None:
    return Lot.objects.filter(item=item, number=number).first()
