"""The stock ledger engine.

Every change of stock goes through ``post_moves``: it validates the lines against the item master,
locks the item valuations and the balance rows it touches *in a fixed order* (valuations by item id,
then balances by item, location, lot — so two documents touching the same items in different orders
cannot deadlock), checks availability against the locked rows, writes the moves, and updates the
balances and the moving-average valuation in the same transaction. The CHECK constraints on
StockBalance are the backstop should a bug ever bypass the checks.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import Model, Q, QuerySet
from django.utils.translation import gettext as _

from erp import audit
from erp.db import atomic_with_retry
from erp.events import publish
from erp.models import Company, User
from erp.money import format_quantity, round_cost, round_money
from erp.sql import bulk_set
from inventory import sql
from inventory import status as st
from inventory.errors import InsufficientStock, InvalidStockLine
from inventory.models import Item, ItemValuation, Location, Lot, Reservation, StockBalance, StockMove, Warehouse
from inventory.signals import stock_available, stock_posted

ZERO = Decimal("0")
BalanceKey = tuple[int, int, int | None]  # item, location, lot


@dataclass
class MoveSpec:
    """One stock change to post. ``quantity`` is signed and in the item's base unit.

    ``unit_cost``: for inbound moves at a cost of their own (receipt, opening, output, returns,
    reversals of issues); None means "at the current average cost".
    ``from_reserved``: how much of an outbound quantity consumes stock already reserved.
    """

    item: Item
    location: Location
    quantity: Decimal
    move_type: str
    lot: Lot | None = None
    unit_cost: Decimal | None = None
    from_reserved: Decimal = ZERO
    reverses: StockMove | None = None
    field: str = ""  # the form/API field to blame when this line is refused
    line: int | None = None  # the document line number, for messages

    @property
    def balance_key(self) -> BalanceKey:
        return (self.item.pk, self.location.pk, self.lot.pk if self.lot else None)


def line_prefix(spec: MoveSpec) -> str:
    return _("Line %(n)s: ") % {"n": spec.line} if spec.line else ""


def validate_spec(spec: MoveSpec, company: Company) -> None:
    item, location, lot = spec.item, spec.location, spec.lot
    prefix = line_prefix(spec)
    if item.company_id != company.pk or location.company_id != company.pk:
        raise InvalidStockLine(prefix + _("The item and the location must belong to this company."), field="item")
    if not item.is_stocked:
        raise InvalidStockLine(prefix + _("%(item)s is a service and has no stock.") % {"item": item.code},
                               field="item")
    if spec.quantity == 0:
        raise InvalidStockLine(prefix + _("The quantity must not be zero."), field="quantity")
    if item.lot_tracked and lot is None:
        raise InvalidStockLine(prefix + _("%(item)s is lot-tracked: give a lot number.") % {"item": item.code},
                               field="lot")
    if not item.lot_tracked and lot is not None:
        raise InvalidStockLine(prefix + _("%(item)s is not lot-tracked: leave the lot empty.") % {"item": item.code},
                               field="lot")
    if lot is not None and lot.item_id != item.pk:
        raise InvalidStockLine(prefix + _("Lot %(lot)s belongs to another item.") % {"lot": lot.number}, field="lot")
    if not location.is_active and spec.quantity > 0:
        raise InvalidStockLine(prefix + _("Location %(loc)s is inactive.") % {"loc": location}, field="location")


def lock_valuations(company: Company, items: Iterable[Item]) -> dict[int, ItemValuation]:
    ids = sorted({item.pk for item in items})
    rows = {row.item_id: row for row in
            ItemValuation.objects.select_for_update().filter(item_id__in=ids).order_by("item_id")}
    if len(rows) < len(ids):  # an item's first movement: create its row (racing takers do nothing), lock again
        ItemValuation.objects.bulk_create(
            [ItemValuation(company=company, item_id=pk) for pk in ids if pk not in rows], ignore_conflicts=True
        )
        rows = {row.item_id: row for row in
                ItemValuation.objects.select_for_update().filter(item_id__in=ids).order_by("item_id")}
    return rows


def balance_filter(keys: Iterable[BalanceKey]) -> Q:
    condition = Q(pk__in=[])
    for item_id, location_id, lot_id in keys:
        condition |= Q(item_id=item_id, location_id=location_id, lot_id=lot_id)
    return condition


def lock_balances(company: Company, specs: Sequence[MoveSpec], *, create: bool) -> dict[BalanceKey, StockBalance]:
    """Lock the balance rows of ``specs`` in (item, location, lot) order; create missing ones for inbound."""
    keys = sorted({s.balance_key for s in specs}, key=lambda k: (k[0], k[1], k[2] or 0))
    if create:
        new = {s.balance_key: s for s in specs if s.quantity > 0}
        StockBalance.objects.bulk_create(
            [
                StockBalance(company=company, item_id=k[0], location_id=k[1], lot_id=k[2],
                             warehouse_id=spec.location.warehouse_id)
                for k, spec in sorted(new.items(), key=lambda kv: (kv[0][0], kv[0][1], kv[0][2] or 0))
            ],
            ignore_conflicts=True,
        )
    rows = (
        StockBalance.objects.select_for_update()
        .filter(balance_filter(keys))
        .order_by("item_id", "location_id", "lot_id")
    )
    return {(b.item_id, b.location_id, b.lot_id): b for b in rows}


def shortage_message(spec: MoveSpec, available: Decimal) -> str:
    return line_prefix(spec) + _(
        "Only %(available)s %(unit)s of %(item)s available at %(location)s%(lot)s; %(wanted)s requested."
    ) % {
        "available": format_quantity(available, spec.item.base_unit),
        "unit": spec.item.base_unit.code,
        "item": spec.item.code,
        "location": spec.location,
        "lot": f" ({_('lot')} {spec.lot.number})" if spec.lot else "",
        "wanted": format_quantity(-spec.quantity, spec.item.base_unit),
    }


def post_moves(*, company: Company, specs: Sequence[MoveSpec], actor: User | None = None,
               document: Model | None = None, announce: bool = True) -> list[StockMove]:
    """Post ``specs`` as stock moves; returns them. Raises InsufficientStock / InvalidStockLine and
    changes nothing if any line cannot be posted. Runs inside the caller's transaction.

    ``announce=False``: the caller announces these moves with others (``announce_posted``)."""
    if not specs:
        raise InvalidStockLine(_("There is nothing to post: add at least one line."))
    with transaction.atomic():
        for spec in specs:
            validate_spec(spec, company)
        valuations = lock_valuations(company, [s.item for s in specs])
        balances = lock_balances(company, specs, create=True)
        doc_type = ContentType.objects.get_for_model(document) if document is not None else None
        reference = str(getattr(document, "reference", ""))[:60] if document is not None else ""
        moves = []
        for spec in specs:
            balance = balances.get(spec.balance_key)
            valuation = valuations[spec.item.pk]
            quantity = spec.quantity
            if quantity < 0:
                free = (balance.on_hand - balance.reserved + spec.from_reserved) if balance else ZERO
                if balance is None or free < -quantity:
                    raise InsufficientStock(shortage_message(spec, max(free, ZERO)), field=spec.field or "quantity")
            assert balance is not None  # an inbound line's balance was created by lock_balances
            unit_cost, value = cost_of(spec, valuation)
            apply_to_valuation(valuation, quantity, value, own_cost=spec.unit_cost is not None)
            balance.on_hand += quantity
            balance.reserved -= spec.from_reserved
            if spec.location.kind == st.LocationKind.INTERNAL:
                valuation.stored += quantity
                valuation.reserved -= spec.from_reserved
            moves.append(
                StockMove(
                    company=company, item=spec.item, warehouse_id=spec.location.warehouse_id,
                    location=spec.location, lot=spec.lot, move_type=spec.move_type, quantity=quantity,
                    unit_cost=unit_cost, value=value, document_type=doc_type,
                    document_id=document.pk if document is not None else None, document_reference=reference,
                    reverses=spec.reverses, posted_by=actor,
                )
            )
        StockBalance.objects.bulk_update(balances.values(), ["on_hand", "reserved"])
        ItemValuation.objects.bulk_update(valuations.values(),
                                          ["quantity", "value", "average_cost", "stored", "reserved"])
        announce_available(company, [(s.item.pk, s.location.warehouse_id) for s in specs
                                     if s.quantity > 0 and s.location.kind == st.LocationKind.INTERNAL],
                           source=document)
        posted = StockMove.objects.bulk_create(moves)
        if announce:
            announce_posted(company, posted, document)
        return posted


def announce_posted(company: Company, moves: Sequence[StockMove], document: Model | None) -> None:
    """Tell finance that ``moves`` were posted together (``stock_posted``): it books their values in one
    entry, so moves that balance each other (a transfer's two legs) are announced in one event."""
    doc_type = ContentType.objects.get_for_model(document) if document is not None else None
    publish(stock_posted, company=company, source=document, move_ids=[m.pk for m in moves],
            document=f"{doc_type.app_label}.{doc_type.model}" if doc_type else "",
            document_id=document.pk if document is not None else None,
            reference=str(getattr(document, "reference", ""))[:60] if document is not None else "")


def announce_available(company: Company, pairs: Iterable[tuple[int, int]], source: Model | None = None) -> None:
    """Tell whoever holds waiting demand that ``pairs`` ([(item id, warehouse id)]) have stock to
    reserve again (``stock_available``, after commit), because of ``source`` (the document that
    brought or released it). Sales reserves its waiting order lines."""
    stock = sorted(set(pairs))
    if stock:
        publish(stock_available, company=company, source=source, stock=[list(pair) for pair in stock])


def cost_of(spec: MoveSpec, valuation: ItemValuation) -> tuple[Decimal, Decimal]:
    """(unit cost, value) of a move: its own cost if it has one, else the moving average."""
    quantity = spec.quantity
    if spec.unit_cost is not None:
        unit_cost = round_cost(spec.unit_cost)
        return unit_cost, round_money(quantity * unit_cost)
    unit_cost = valuation.average_cost
    if quantity < 0 and valuation.quantity + quantity == 0:
        return unit_cost, -valuation.value  # the last units carry the remaining value: no rounding residue
    return unit_cost, round_money(quantity * unit_cost)


def apply_to_valuation(valuation: ItemValuation, quantity: Decimal, value: Decimal, *, own_cost: bool) -> None:
    """Moving average: moves at a cost of their own (receipts, and reversals carrying the original
    cost) re-average; moves at the average leave it as it is."""
    valuation.quantity += quantity
    valuation.value += value
    if valuation.quantity > 0 and own_cost:
        valuation.average_cost = round_cost(valuation.value / valuation.quantity)


def reversal_specs(moves: Iterable[StockMove], *, field: str = "") -> list[MoveSpec]:
    """Specs that undo ``moves``: the same quantities with the opposite sign.

    Goods that went out come back at the cost they left with (that re-averages). Goods that came in
    go out at the current average, like any issue: taking them out at their original cost after the
    average has moved could leave an item with no stock but a value, even a negative one."""
    return [
        MoveSpec(
            item=m.item, location=m.location, lot=m.lot, quantity=-m.quantity, move_type=m.move_type,
            unit_cost=m.unit_cost if m.quantity < 0 else None, reverses=m, field=field,
        )
        for m in moves
    ]


# Reservations -------------------------------------------------------------------------------


def document_key(document: Model) -> tuple[ContentType, int]:
    return ContentType.objects.get_for_model(document), document.pk


@dataclass
class ReserveRequest:
    """Hold ``quantity`` (base unit) of ``item`` in ``warehouse`` for one line of a document
    (``line_id``: the line's id; None for a document without lines)."""

    item: Item
    warehouse: Warehouse
    quantity: Decimal
    line_id: int | None = None
    location: Location | None = None
    lot: Lot | None = None


def reserve_many(*, company: Company, document: Model, requests: list[ReserveRequest], partial: bool = False,
                 actor: User | None = None) -> dict[int | None, Decimal]:
    """Reserve stock for several lines of ``document`` at once, taking the lots that expire first,
    then locations in code order. Returns {line id: quantity reserved}.

    With ``partial`` a line gets what is available (possibly nothing) and the caller reports the
    rest as short; without it every line must be covered in full or nothing is reserved. The
    locking, the choice of balances and the writes run in the database function
    ``inventory_reserve`` (migration 0007, where its rules are listed): one round trip whatever
    the number of lines."""
    for request in requests:
        request.quantity = Decimal(request.quantity)
        if request.quantity <= 0:
            raise InvalidStockLine(_("The quantity to reserve must be greater than zero."), field="quantity")
        if not request.item.lot_tracked and request.lot is not None:
            raise InvalidStockLine(_("%(item)s is not lot-tracked: leave the lot empty.") % {"item": request.item.code},
                                   field="lot")
    if not requests:
        return {}
    result = _reserve_in_database(company, document, requests, partial, actor)
    if "short" in result:
        request = requests[result["short"]]
        raise InsufficientStock(
            _("Only %(available)s %(unit)s of %(item)s available in %(warehouse)s; %(wanted)s requested.") % {
                "available": format_quantity(Decimal(str(result["available"])), request.item.base_unit),
                "unit": request.item.base_unit.code, "item": request.item.code,
                "warehouse": request.warehouse.code,
                "wanted": format_quantity(request.quantity, request.item.base_unit),
            },
            field="quantity",
        )
    # The function answers per line in a JSON object, whose keys are text ("" for no line).
    return {int(key) if key else None: Decimal(quantity) for key, quantity in result["reserved"].items()}


# One statement, atomic by itself, that answers a shortage rather than raising it: inside a
# transaction it needs no savepoint (the refusal is raised by reserve_many, outside this block).
@atomic_with_retry(savepoint=False)
def _reserve_in_database(company: Company, document: Model, requests: list[ReserveRequest], partial: bool,
                         actor: User | None) -> dict[str, Any]:
    doc_type, doc_id = document_key(document)
    reference = str(getattr(document, "reference", document))[:60]
    payload = [
        {"line": r.line_id, "item": r.item.pk, "warehouse": r.warehouse.pk, "quantity": str(r.quantity),
         "location": r.location.pk if r.location is not None else None,
         "lot": r.lot.pk if r.lot is not None else None}
        for r in requests
    ]
    return sql.reserve(company_id=company.pk, document_type_id=doc_type.pk, document_id=doc_id, reference=reference,
                       actor_id=actor.pk if actor is not None else None, partial=partial, requests=payload,
                       audit={"content_type": ContentType.objects.get_for_model(Reservation).pk,
                              **audit.context(actor).as_json()})


@atomic_with_retry
def reserve(*, company: Company, item: Item, warehouse: Warehouse, quantity: Decimal, document: Model,
            line_id: int | None = None, location: Location | None = None, lot: Lot | None = None,
            actor: User | None = None) -> list[Reservation]:
    """Hold ``quantity`` (base unit) of ``item`` in ``warehouse`` for a document line (``line_id``;
    None for a document without lines). All or nothing. Returns the line's active reservations."""
    reserve_many(company=company, document=document, actor=actor, requests=[
        ReserveRequest(item=item, warehouse=warehouse, quantity=quantity, line_id=line_id, location=location,
                       lot=lot),
    ])
    rows = active_reservations(document)
    rows = rows.filter(line_id=line_id) if line_id is not None else rows.filter(line_id__isnull=True)
    return list(rows.order_by("pk"))


def active_reservations(document: Model, line_id: int | None = None) -> QuerySet[Reservation]:
    """The active reservations ``document`` holds; of one line with ``line_id`` (None: every line)."""
    doc_type, doc_id = document_key(document)
    rows = Reservation.objects.filter(document_type=doc_type, document_id=doc_id, status=st.ReservationStatus.ACTIVE)
    if line_id is not None:
        rows = rows.filter(line_id=line_id)
    return rows


def unhold(valuations: dict[int, ItemValuation], amounts: Sequence[tuple[Reservation, Decimal]]) -> None:
    """Take ``amounts`` ([(reservation, quantity)]) off the reserved quantities of the reservations'
    balances and of their items' ``valuations`` (already locked: the lock order is valuations, then
    balances). The reservation rows themselves are the caller's to update."""
    if not amounts:
        return
    keys = sorted({(r.item_id, r.location_id, r.lot_id) for r, _q in amounts}, key=lambda k: (k[0], k[1], k[2] or 0))
    balances = {
        (b.item_id, b.location_id, b.lot_id): b
        for b in StockBalance.objects.select_for_update().filter(balance_filter(keys))
        .order_by("item_id", "location_id", "lot_id")
    }
    for reservation, quantity in amounts:
        balances[(reservation.item_id, reservation.location_id, reservation.lot_id)].reserved -= quantity
        valuations[reservation.item_id].reserved -= quantity
    bulk_set(StockBalance, ["reserved"], {b.pk: (b.reserved,) for b in balances.values()})
    bulk_set(ItemValuation, ["reserved"], {v.pk: (v.reserved,) for v in valuations.values()})


@atomic_with_retry
def release(*, document: Model, line_id: int | None = None, actor: User | None = None) -> Decimal:
    """Release a document's (or one line's) active reservations; returns the quantity released."""
    reservations = list(active_reservations(document, line_id).select_for_update().order_by("pk"))
    if not reservations:
        return ZERO
    company = reservations[0].company
    valuations = lock_valuations(company, [r.item for r in reservations])
    unhold(valuations, [(r, r.quantity) for r in reservations])
    total = ZERO
    before = audit.snapshot(reservations)
    for reservation in reservations:
        reservation.status = st.ReservationStatus.RELEASED
        total += reservation.quantity
    Reservation.objects.bulk_update(reservations, ["status"])
    audit.record_updated(reservations, before, ["status"], actor=actor)
    announce_available(company, [(r.item_id, r.warehouse_id) for r in reservations], source=document)
    return total


@atomic_with_retry
def issue_reserved(*, company: Company, document: Model, line_id: int | None = None, quantity: Decimal | None = None,
                   move_type: str = st.MoveType.DELIVERY, actor: User | None = None,
                   issuing_document: Model | None = None) -> list[StockMove]:
    """Turn reservations into an issue: up to ``quantity`` (base unit; all if None) leaves stock,
    the reservations shrink or are consumed. Returns the moves."""
    reservations = list(active_reservations(document, line_id).select_for_update().order_by("pk"))
    wanted = sum((r.quantity for r in reservations), ZERO) if quantity is None else Decimal(quantity)
    held = sum((r.quantity for r in reservations), ZERO)
    if wanted <= 0 or wanted > held:
        raise InsufficientStock(
            _("Only %(held)s reserved for this document; %(wanted)s requested.") % {
                "held": format_quantity(held), "wanted": format_quantity(wanted)},
            field="quantity",
        )
    specs, remaining = [], wanted
    before = audit.snapshot(reservations)
    for reservation in reservations:
        take = min(reservation.quantity, remaining)
        if take <= 0:
            break
        specs.append(MoveSpec(item=reservation.item, location=reservation.location, lot=reservation.lot,
                              quantity=-take, move_type=move_type, from_reserved=take))
        reservation.quantity -= take
        reservation.issued_quantity += take
        if reservation.quantity == 0:
            reservation.status = st.ReservationStatus.CONSUMED
        remaining -= take
    moves = post_moves(company=company, specs=specs, actor=actor, document=issuing_document or document)
    Reservation.objects.bulk_update(reservations, ["quantity", "issued_quantity", "status"])
    audit.record_updated(reservations, before, ["quantity", "issued_quantity", "status"], actor=actor)
    return moves


@dataclass
class Pick:
    """What a keeper picked for one line (``line_id``) of a document holding reservations (base unit)."""

    line_id: int
    item: Item
    location: Location
    lot: Lot | None
    quantity: Decimal
    field: str = ""
    line: int | None = None


@atomic_with_retry
def issue_picks(*, company: Company, document: Model, picks: list[Pick], issuing_document: Model,
                move_type: str = st.MoveType.DELIVERY, actor: User | None = None) -> list[StockMove]:
    """Issue what the keeper picked for ``document``'s lines, wherever it was picked from.

    A pick from a location and lot the line had reserved consumes that reservation; a pick from
    elsewhere takes free stock (the line's other reservations stay: ``hold_at_most`` trims them to
    what the document still needs). Returns the moves in the order of ``picks``. Queries do not
    grow with the number of lines."""
    lines = sorted({p.line_id for p in picks})
    reservations = list(
        active_reservations(document).filter(line_id__in=lines).select_for_update().order_by("pk")
    )
    items = [p.item for p in picks] + [r.item for r in reservations]
    lock_valuations(company, items)  # the engine's lock order: valuations, then balances (post_moves)
    by_line: dict[int | None, list[Reservation]] = {}
    for reservation in reservations:
        by_line.setdefault(reservation.line_id, []).append(reservation)
    specs = []
    before = audit.snapshot(reservations)
    for pick in picks:
        quantity = Decimal(pick.quantity)
        from_reserved = ZERO
        for reservation in by_line.get(pick.line_id, []):
            if reservation.location_id != pick.location.pk or reservation.lot_id != (pick.lot.pk if pick.lot else None):
                continue
            take = min(reservation.quantity, quantity - from_reserved)
            if take <= 0:
                continue
            reservation.quantity -= take
            reservation.issued_quantity += take
            from_reserved += take
        specs.append(MoveSpec(item=pick.item, location=pick.location, lot=pick.lot, quantity=-quantity,
                              move_type=move_type, from_reserved=from_reserved, field=pick.field, line=pick.line))
    moves = post_moves(company=company, specs=specs, actor=actor, document=issuing_document)
    for reservation in reservations:
        if reservation.quantity == 0:
            reservation.status = (st.ReservationStatus.CONSUMED if reservation.issued_quantity > 0
                                  else st.ReservationStatus.RELEASED)
    Reservation.objects.bulk_update(reservations, ["quantity", "issued_quantity", "status"])
    audit.record_updated(reservations, before, ["quantity", "issued_quantity", "status"], actor=actor)
    return moves


@atomic_with_retry
def hold_at_most(*, company: Company, document: Model, needed: dict[int, Decimal],
                 actor: User | None = None) -> Decimal:
    """Trim the reservations of ``document``'s lines to what each still needs (``needed``: {line id:
    base quantity}), releasing the newest first: after a shipment, what a line held beyond its rest
    (picked elsewhere, or the line is complete) goes back to the available stock. Returns the
    quantity released."""
    needed = {int(line_id): Decimal(quantity) for line_id, quantity in needed.items()}
    reservations = list(
        active_reservations(document).filter(line_id__in=list(needed)).select_related("item")
        .select_for_update(of=("self",)).order_by("pk")
    )
    by_line: dict[int, list[Reservation]] = {}
    for reservation in reservations:
        assert reservation.line_id is not None  # filtered on the line ids
        by_line.setdefault(reservation.line_id, []).append(reservation)
    released = []
    before = audit.snapshot(reservations)
    for line_id, rows in by_line.items():
        surplus = sum((r.quantity for r in rows), ZERO) - max(needed[line_id], ZERO)
        for reservation in reversed(rows):
            if surplus <= 0:
                break
            take = min(reservation.quantity, surplus)
            reservation.quantity -= take
            released.append((reservation, take))
            surplus -= take
    if not released:
        return ZERO
    valuations = lock_valuations(company, [r.item for r in reservations])
    unhold(valuations, released)
    for reservation, _quantity in released:
        if reservation.quantity == 0:
            reservation.status = (st.ReservationStatus.CONSUMED if reservation.issued_quantity > 0
                                  else st.ReservationStatus.RELEASED)
    Reservation.objects.bulk_update([r for r, _q in released], ["quantity", "status"])
    audit.record_updated([r for r, _q in released], before, ["quantity", "status"], actor=actor)
    announce_available(company, [(r.item_id, r.warehouse_id) for r, _q in released], source=document)
    return sum((quantity for _r, quantity in released), ZERO)
