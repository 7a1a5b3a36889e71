"""Reads of the inventory app, scoped to what the user may see.

Every read goes through ``erp.scoping.restrict`` (``Model.objects.restrict(user, action)``): the
user's company, narrowed by the warehouse scope of ``inventory.scoping`` (a keeper: the warehouses
granted to them or their group; the roles that read inventory: every warehouse) and by the rules other
apps add (sales: a rep's delivery notes are those of their customers' orders).
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any, TypedDict, TypeVar, cast

from django.contrib.contenttypes.models import ContentType
from django.db.models import DecimalField, F, Model, OuterRef, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce

from erp.models import Company, User
from erp.money import QTY
from erp.permissions import user_company
from erp.scoping import VIEW, restrict
from inventory import status as st
from inventory.models import (
    AdjustmentReason,
    DeliveryNote,
    DeliveryNoteLine,
    GoodsReceipt,
    Item,
    ItemCategory,
    ItemUnit,
    ItemValuation,
    Location,
    Lot,
    Reservation,
    StockAdjustment,
    StockBalance,
    StockCount,
    StockDocument,
    StockIssue,
    StockMove,
    StockTransfer,
    StockTransferLine,
    UnitOfMeasure,
    Warehouse,
)
from inventory.scoping import OPERATE, can_operate, sees_every_warehouse  # noqa: F401  (the views ask here too)
from inventory.sql import fefo_balance_order
from inventory.units import to_base

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations

ZERO = Value(Decimal("0"), output_field=DecimalField(**QTY))
DocT = TypeVar("DocT", bound=StockDocument)
BalanceKey = tuple[int, int, int | None]  # item, location, lot


class StockTotals(TypedDict):
    """What ``with_stock_totals`` and ``low_stock_items`` annotate an item with (base unit)."""

    on_hand: Decimal
    reserved_total: Decimal
    available: Decimal


class Workbench(TypedDict):
    """``workbench_for_user``: what waits for a warehouse keeper."""

    receipts: QuerySet[GoodsReceipt]
    deliveries_to_pick: QuerySet[DeliveryNote]
    issues: QuerySet[StockIssue]
    transfers_to_ship: QuerySet[StockTransfer]
    transfers_to_receive: QuerySet[StockTransfer]
    adjustments: QuerySet[StockAdjustment]
    counts: QuerySet[StockCount]


class DocumentChoices(TypedDict):
    """``document_form_choices``: the querysets of the document forms' choice fields."""

    warehouses: QuerySet[Warehouse]
    all_warehouses: QuerySet[Warehouse]
    reasons: QuerySet[AdjustmentReason]
    items: QuerySet[Item]
    units: QuerySet[UnitOfMeasure]
    locations: QuerySet[Location]
    all_locations: QuerySet[Location]
    lots: QuerySet[Lot]


def warehouses_for_user(user: User, action: str = VIEW) -> QuerySet[Warehouse]:
    """The warehouses ``user`` may see (``action`` VIEW) or operate (CHANGE)."""
    return Warehouse.objects.restrict(user, action)


def warehouse_ids_for_user(user: User, action: str = VIEW) -> list[int]:
    """The ids of the user's warehouses, as a literal list: PostgreSQL plans ``warehouse_id IN (1, 2)``
    far better than the equivalent subquery on large balance and move tables."""
    return list(warehouses_for_user(user, action).values_list("pk", flat=True))


def item_list(user: User, *, search: str = "", category: ItemCategory | None = None, item_type: str | None = None,
              active: bool | None = None, lot_tracked: bool | None = None) -> QuerySet[Item]:
    items = Item.objects.restrict(user).select_related("base_unit", "category")
    if search:
        items = items.filter(Q(code__icontains=search) | Q(name__icontains=search) | Q(barcode=search.strip())
                             | Q(specification__icontains=search))
    if category:
        items = items.filter(Q(category=category) | Q(category__parent=category))
    if item_type:
        items = items.filter(item_type=item_type)
    if active is not None:
        items = items.filter(is_active=active)
    if lot_tracked is not None:
        items = items.filter(lot_tracked=lot_tracked)
    return items.order_by("code")


ITEM_LOOKUP_LIMIT = 10


def item_lookup(user: User, text: str, *, limit: int = ITEM_LOOKUP_LIMIT,
                items: QuerySet[Item] | None = None) -> list[Item]:
    """The active items of the user's company a line's item field offers for what was typed: the exact
    barcode, codes starting with it, names containing it (``items``: a narrower choice, else all)."""
    text = text.strip()[:100]
    if not text:
        return []
    rows = item_list(user, active=True) if items is None else items
    return list(rows.filter(Q(barcode=text) | Q(code__istartswith=text) | Q(name__icontains=text))
                .select_related("base_unit").order_by("code")[:limit])


def item_lookup_pick(items: list[Item], text: str) -> Item | None:
    """What Enter (a barcode scanner ends with it) takes: the exact barcode or code, or the only match."""
    text = text.strip()
    exact = [item for item in items if item.barcode == text or item.code.lower() == text.lower()]
    if len(exact) == 1:
        return exact[0]
    return items[0] if len(items) == 1 else None


def units_for_user(user: User, *, search: str = "", active: bool | None = None) -> QuerySet[UnitOfMeasure]:
    units = UnitOfMeasure.objects.restrict(user)
    if search:
        units = units.filter(Q(code__icontains=search) | Q(name__icontains=search))
    if active is not None:
        units = units.filter(is_active=active)
    return units.order_by("code")


def categories_for_user(user: User) -> QuerySet[ItemCategory]:
    return ItemCategory.objects.restrict(user).order_by("code")


def reasons_for_user(user: User) -> QuerySet[AdjustmentReason]:
    return AdjustmentReason.objects.restrict(user).order_by("code")


def with_stock_totals(items: QuerySet[Item], warehouses: QuerySet[Warehouse] | None = None,
                      ) -> QuerySet[WithAnnotations[Item, StockTotals]]:
    """Annotate on_hand / reserved / available summed over internal locations (one query)."""
    balances = StockBalance.objects.filter(item=OuterRef("pk"), location__kind=st.LocationKind.INTERNAL)
    if warehouses is not None:
        balances = balances.filter(warehouse__in=warehouses)
    totals = balances.values("item").annotate(on_hand=Sum("on_hand"), reserved=Sum("reserved"))
    return items.annotate(
        on_hand=Coalesce(Subquery(totals.values("on_hand")), ZERO),
        reserved_total=Coalesce(Subquery(totals.values("reserved")), ZERO),
    ).annotate(available=F("on_hand") - F("reserved_total"))


def stock_totals_for_user(items: QuerySet[Item], user: User) -> QuerySet[WithAnnotations[Item, StockTotals]]:
    """``items`` with the stock the user may see: every warehouse, or a keeper's own."""
    return with_stock_totals(items, None if sees_every_warehouse(user) else warehouses_for_user(user))


def low_stock_items(company: Company,
                    warehouses: QuerySet[Warehouse] | None = None) -> QuerySet[WithAnnotations[Item, StockTotals]]:
    """Active items whose available stock is below their reorder point.

    Company-wide it reads the per-item totals kept on ItemValuation (no sum over the balances);
    limited to some warehouses it sums their balances."""
    items = Item.objects.filter(company=company, is_active=True, reorder_point__gt=0).exclude(item_type="service")
    items = items.select_related("base_unit")
    if warehouses is not None:
        return with_stock_totals(items, warehouses).filter(available__lt=F("reorder_point")).order_by("code")
    return items.annotate(
        on_hand=Coalesce(F("valuation__stored"), ZERO),
        reserved_total=Coalesce(F("valuation__reserved"), ZERO),
    ).annotate(available=F("on_hand") - F("reserved_total")).filter(available__lt=F("reorder_point")).order_by("code")


def low_stock_for_user(user: User,
                       warehouse: Warehouse | None = None) -> QuerySet[WithAnnotations[Item, StockTotals]]:
    """Low stock as the user may see it: company-wide from the per-item totals, or summed over the
    warehouses of a keeper's scope or of a warehouse filter."""
    company = user_company(user)
    if company is None:  # no rows: nothing to annotate
        return cast("QuerySet[WithAnnotations[Item, StockTotals]]", Item.objects.none())
    if warehouse is None and sees_every_warehouse(user):
        return low_stock_items(company)
    warehouses = warehouses_for_user(user)
    if warehouse is not None:
        warehouses = warehouses.filter(pk=warehouse.pk)
    return low_stock_items(company, warehouses)


def balances_for_user(user: User, *, item: Item | None = None, warehouse: Warehouse | None = None,
                      location: Location | None = None, lot: Lot | None = None, search: str = "",
                      include_zero: bool = False, include_transit: bool = True) -> QuerySet[StockBalance]:
    balances = StockBalance.objects.restrict(user).select_related(
        "item", "item__base_unit", "warehouse", "location", "lot"
    )
    if not include_zero:
        balances = balances.filter(Q(on_hand__gt=0) | Q(reserved__gt=0))
    if not include_transit:
        balances = balances.filter(location__kind=st.LocationKind.INTERNAL)
    if item is not None:
        balances = balances.filter(item=item)
    if warehouse is not None:
        balances = balances.filter(warehouse=warehouse)
    if location is not None:
        balances = balances.filter(location=location)
    if lot is not None:
        balances = balances.filter(lot=lot)
    if search:
        balances = balances.filter(Q(item__code__icontains=search) | Q(item__name__icontains=search))
    return balances.order_by("item__code", "warehouse__code", "location__code", "lot__number")


def moves_for_user(user: User, *, item: Item | None = None, warehouse: Warehouse | None = None,
                   location: Location | None = None, lot: Lot | None = None, move_type: str | None = None,
                   date_from: datetime.date | None = None, date_to: datetime.date | None = None,
                   document_reference: str = "") -> QuerySet[StockMove]:
    moves = StockMove.objects.restrict(user).select_related(
        "item", "item__base_unit", "warehouse", "location", "lot", "posted_by"
    )
    if item is not None:
        moves = moves.filter(item=item)
    if warehouse is not None:
        moves = moves.filter(warehouse=warehouse)
    if location is not None:
        moves = moves.filter(location=location)
    if lot is not None:
        moves = moves.filter(lot=lot)
    if move_type:
        moves = moves.filter(move_type=move_type)
    if date_from:
        moves = moves.filter(posted_at__date__gte=date_from)
    if date_to:
        moves = moves.filter(posted_at__date__lte=date_to)
    if document_reference:
        moves = moves.filter(document_reference__icontains=document_reference)
    return moves.order_by("-posted_at", "-id")


def reservations_for_item(user: User, item: Item) -> QuerySet[Reservation]:
    return Reservation.objects.restrict(user).filter(item=item, status=st.ReservationStatus.ACTIVE).select_related(
        "location", "lot")


def document_reservations(document: Model) -> QuerySet[Reservation]:
    """The active reservations a document holds, with where they are."""
    return Reservation.objects.filter(
        document_type=ContentType.objects.get_for_model(document), document_id=document.pk,
        status=st.ReservationStatus.ACTIVE,
    ).select_related("item", "item__base_unit", "location", "lot").order_by("pk")


def locations_for_user(user: User, warehouse: Warehouse | None = None, action: str = VIEW) -> QuerySet[Location]:
    locations = Location.objects.restrict(user, action).select_related("warehouse", "parent")
    if warehouse is not None:
        locations = locations.filter(warehouse=warehouse)
    return locations.order_by("warehouse__code", "code")


def lot_trace(lot: Lot) -> QuerySet[StockMove]:
    """Where a lot came from and where it went: its moves in time order, with their documents."""
    return StockMove.objects.filter(lot=lot).select_related("location", "warehouse", "posted_by").order_by(
        "posted_at", "id"
    )


def lot_trace_for_user(user: User, lot: Lot) -> QuerySet[StockMove]:
    """The lot's trace in the warehouses the user may see."""
    return restrict(lot_trace(lot), user)


def lots_for_user(user: User, *, item: Item | None = None, search: str = "") -> QuerySet[Lot]:
    lots = Lot.objects.restrict(user).select_related("item")
    if item is not None:
        lots = lots.filter(item=item)
    if search:
        lots = lots.filter(Q(number__icontains=search) | Q(item__code__icontains=search))
    return lots.order_by("item__code", "number")


def valuation_by_item(company: Company) -> QuerySet[ItemValuation]:
    """Quantity, average cost and value per item; the value equals the sum of the item's move values."""
    return ItemValuation.objects.filter(company=company).exclude(quantity=0, value=0).select_related(
        "item", "item__base_unit").order_by("item__code")


def valuation_by_warehouse(company: Company) -> QuerySet[StockMove, dict[str, Any]]:
    """Value per item and warehouse: the sum of the move values (the ledger is the source)."""
    return (
        StockMove.objects.filter(company=company)
        .values("warehouse__code", "warehouse__name", "item__code", "item__name")
        .annotate(quantity=Sum("quantity"), value=Sum("value"))
        .exclude(quantity=0, value=0)
        .order_by("warehouse__code", "item__code")
    )


def valuation_by_warehouse_for_user(user: User,
                                    warehouse: Warehouse | None = None) -> QuerySet[StockMove, dict[str, Any]]:
    """Value per item and warehouse over the warehouses the user may see (or one of them)."""
    moves = StockMove.objects.restrict(user)
    if warehouse is not None:
        moves = moves.filter(warehouse=warehouse)
    return (
        moves.values("warehouse__code", "warehouse__name", "item__code", "item__name")
        .annotate(quantity=Sum("quantity"), value=Sum("value"))
        .exclude(quantity=0, value=0)
        .order_by("warehouse__code", "item__code")
    )


def valuation_by_item_for_user(user: User) -> QuerySet[ItemValuation]:
    """The company's moving-average valuation per item (for users who see every warehouse)."""
    return ItemValuation.objects.restrict(user).exclude(quantity=0, value=0).select_related(
        "item", "item__base_unit").order_by("item__code")


def ledger_totals_match_balances(company: Company | None = None,
                                 ) -> list[tuple[BalanceKey, Decimal | int, Decimal | int]]:
    """[((item, location, lot), ledger sum, balance)] wherever the balance table and the ledger differ."""
    moves = StockMove.objects.all()
    balances = StockBalance.objects.all()
    if company is not None:
        moves, balances = moves.filter(company=company), balances.filter(company=company)
    ledger = {
        (r["item_id"], r["location_id"], r["lot_id"]): r["total"]
        for r in moves.values("item_id", "location_id", "lot_id").annotate(total=Sum("quantity"))
    }
    table = {(b.item_id, b.location_id, b.lot_id): b.on_hand for b in balances}
    keys = set(ledger) | set(table)
    return [(k, ledger.get(k, 0), table.get(k, 0)) for k in sorted(keys, key=str)
            if ledger.get(k, 0) != table.get(k, 0)]


def workbench_for_user(user: User) -> Workbench:
    """What waits for a warehouse keeper: drafts to post, deliveries to pick, shipments to receive, counts."""
    warehouses = warehouse_ids_for_user(user)
    return {
        "receipts": GoodsReceipt.objects.restrict(user).filter(status="draft").select_related("warehouse"),
        "deliveries_to_pick": deliveries_for_user(user).filter(warehouse_id__in=warehouses, status="draft")
        .select_related("warehouse"),
        "issues": StockIssue.objects.restrict(user).filter(status="draft").select_related("warehouse"),
        "transfers_to_ship": StockTransfer.objects.restrict(user).filter(warehouse_id__in=warehouses, status="draft")
        .select_related("warehouse", "to_warehouse"),
        "transfers_to_receive": StockTransfer.objects.restrict(user)
        .filter(to_warehouse_id__in=warehouses, status="shipped").select_related("warehouse", "to_warehouse"),
        "adjustments": StockAdjustment.objects.restrict(user).filter(status="draft")
        .select_related("warehouse", "reason"),
        "counts": StockCount.objects.restrict(user).filter(status__in=["draft", "counting"])
        .select_related("warehouse", "location"),
    }


DRAFT_REFERENCE = re.compile(r"\D*#(?P<id>\d{1,12})")  # "DN 草稿 #12", "Draft DN #12"


@dataclass(frozen=True)
class Scanned:
    """What a code scanned on the workbench names: ``kind`` ("delivery", "receipt", … "item", "lot")
    and the record (a document, an item, a lot)."""

    kind: str
    record: Model


def scan_target(user: User, code: str) -> Scanned | None:
    """The record a scanned code names among what the user may see: a document number of the
    workbench's kinds (a delivery note also by the number of the order it ships: its draft), an
    item's barcode or code, a lot number. Documents first (their numbers are unique per company),
    then items, then lots. A fixed number of queries."""
    code = code.strip()[:60]
    if not code:
        return None
    documents: list[tuple[str, QuerySet[Any]]] = [
        ("delivery", deliveries_for_user(user)), ("receipt", GoodsReceipt.objects.restrict(user)),
        ("issue", StockIssue.objects.restrict(user)), ("transfer", StockTransfer.objects.restrict(user)),
        ("adjustment", StockAdjustment.objects.restrict(user)), ("count", StockCount.objects.restrict(user)),
    ]
    draft = DRAFT_REFERENCE.fullmatch(code)  # a draft's reference as its pick sheet prints it: "DN 草稿 #12"
    for kind, rows in documents:
        found = rows.filter(number__iexact=code).first()
        if found is None and draft and rows.model.DOC_TYPE in re.findall(r"[A-Z]+", code.upper()):
            found = rows.filter(pk=int(draft["id"]), status=st.DocStatus.DRAFT).first()
        if found is not None:
            return Scanned(kind, found)
    shipping = (deliveries_for_user(user).filter(source_reference__iexact=code, status=st.DocStatus.DRAFT)
                .order_by("pk").first())
    if shipping is not None:
        return Scanned("delivery", shipping)
    item = item_lookup_pick(list(item_list(user).filter(Q(barcode=code) | Q(code__iexact=code))[:2]), code)
    if item is not None:
        return Scanned("item", item)
    lot = Lot.objects.restrict(user).filter(number__iexact=code).order_by("pk").first()
    return Scanned("lot", lot) if lot is not None else None


# Document screens ---------------------------------------------------------------------------


def deliveries_for_user(user: User, action: str = VIEW) -> QuerySet[DeliveryNote]:
    """Delivery notes of the user's warehouses (a keeper: those granted), narrowed by the scope rules
    of the apps whose documents they ship (a sales rep: their own customers' orders). Screens,
    exports and the API read here."""
    return DeliveryNote.objects.restrict(user, action)


def deliveries_for_source(source: Model) -> QuerySet[DeliveryNote]:
    """The delivery notes made for ``source`` (a sales order…), oldest first."""
    return (DeliveryNote.objects.filter(source_type=ContentType.objects.get_for_model(source), source_id=source.pk)
            .order_by("pk"))


def delivery_lines_for_source(source: Model) -> QuerySet[DeliveryNoteLine]:
    """The lines of every delivery note made for ``source``."""
    return DeliveryNoteLine.objects.filter(document__source_type=ContentType.objects.get_for_model(source),
                                           document__source_id=source.pk)


def documents_for_user(user: User, model: type[DocT], related: tuple[str, ...] = (),
                       action: str = VIEW) -> QuerySet[DocT]:
    """The user's documents of one kind: those of their warehouses (transfers: from or to them)."""
    # Any: mypy types ``model.objects`` by DocT's bound, not by the model passed
    documents: QuerySet[Any] = model.objects.restrict(user, action)
    return documents.select_related(*related)


def document_moves(document: Model) -> QuerySet[StockMove]:
    """Every move the document posted, reversals included, in posting order."""
    return StockMove.objects.filter(
        document_type=ContentType.objects.get_for_model(document), document_id=document.pk
    ).select_related("item", "item__base_unit", "location__warehouse", "lot", "posted_by").order_by("pk")


def company_warehouses(user: User) -> QuerySet[Warehouse]:
    """Every warehouse of the user's company, beyond a keeper's own: for naming one — a transfer's
    destination (its keeper puts the goods away), an import row's warehouse (refused unless operated)
    — never for reading what is in it."""
    return Warehouse.objects.filter(company=user_company(user))


def document_form_choices(user: User) -> DocumentChoices:
    """The choices of the document forms: the company's items, units, reasons; the user's warehouses."""
    own = warehouses_for_user(user)
    internal = Location.objects.filter(kind=st.LocationKind.INTERNAL, is_active=True).select_related("warehouse")
    destinations = company_warehouses(user)
    return {
        "warehouses": own.filter(is_active=True).order_by("code"),
        "all_warehouses": destinations.filter(is_active=True).order_by("code"),
        "reasons": reasons_for_user(user).filter(is_active=True),
        "items": Item.objects.restrict(user).filter(is_active=True).exclude(item_type=st.ItemType.SERVICE)
        .order_by("code"),
        "units": units_for_user(user, active=True),
        "locations": internal.filter(warehouse__in=own).order_by("warehouse__code", "code"),
        "all_locations": internal.filter(warehouse__in=destinations).order_by("warehouse__code", "code"),
        "lots": lots_for_user(user),
    }


def held_by_line(documents: Iterable[Model], line_ids: Iterable[int] | None = None) -> dict[int | None, Decimal]:
    """{line id: base quantity held} of the active reservations of ``documents`` (of one model, whose
    line ids are unique across them), of ``line_ids`` only when given: one query."""
    documents = list(documents)
    if not documents:
        return {}
    rows = Reservation.objects.filter(document_type=ContentType.objects.get_for_model(documents[0]),
                                      document_id__in=[document.pk for document in documents],
                                      status=st.ReservationStatus.ACTIVE)
    if line_ids is not None:
        rows = rows.filter(line_id__in=list(line_ids))
    return dict(rows.order_by().values_list("line_id").annotate(total=Sum("quantity")))


# Picking -------------------------------------------------------------------------------------


def unit_factors(item_ids: Iterable[int]) -> dict[int, dict[int, Decimal]]:
    """{item id: {unit id: base units per unit}} of the items' alternative units, in one query: the
    ``factors`` that ``inventory.units.to_base`` takes for a line."""
    factors: dict[int, dict[int, Decimal]] = {}
    for row in ItemUnit.objects.filter(item_id__in=set(item_ids)).values("item_id", "unit_id", "factor"):
        factors.setdefault(row["item_id"], {})[row["unit_id"]] = row["factor"]
    return factors


def locations_for_pick(warehouse: Warehouse, item: Item) -> list[StockBalance]:
    """Where ``item`` can be picked in ``warehouse``, in the order the reservation engine takes it
    (FEFO, ``inventory.sql``): first-expiring lots first, then by location."""
    return list(StockBalance.objects.filter(item=item, warehouse=warehouse, on_hand__gt=0,
                                            location__kind=st.LocationKind.INTERNAL)
                .select_related("location", "lot").order_by(*fefo_balance_order()))


# Stock in the company's other warehouses (a shortage's transfer) -----------------------------


@dataclass(frozen=True)
class WarehouseStock:
    """What one warehouse holds available of an item (base unit): on hand in its active storage
    locations, less what is reserved there and what draft transfers plan to take out of it."""

    warehouse: Warehouse
    available: Decimal


def base_quantities(lines: list[StockTransferLine]) -> list[tuple[StockTransferLine, Decimal]]:
    """Transfer lines (with item and unit) and their quantity in the item's base unit: one query for
    the units' factors when there are lines."""
    factors = unit_factors(line.item_id for line in lines) if lines else {}
    return [(line, to_base(line.item, line.quantity, line.unit, factors.get(line.item_id, {})) or Decimal("0"))
            for line in lines]


def planned_transfers_out(company: Company, item_ids: Iterable[int]) -> dict[BalanceKey, Decimal]:
    """{(item, location, lot): base quantity} that draft transfers plan to take from each balance:
    nothing is reserved for them, but that stock is spoken for. Two queries at most."""
    lines = list(StockTransferLine.objects.filter(document__company=company, item_id__in=list(item_ids),
                                                  document__status=st.TransferStatus.DRAFT)
                 .select_related("item", "unit"))
    planned: dict[BalanceKey, Decimal] = {}
    for line, base in base_quantities(lines):
        key = (line.item_id, line.from_location_id, line.lot_id)
        planned[key] = planned.get(key, Decimal("0")) + base
    return planned


def transferable_balances(company: Company, item_ids: Iterable[int], *, warehouse: Warehouse | None = None,
                          exclude_warehouse: Warehouse | None = None, warehouses: Iterable[int] | None = None,
                          ) -> list[tuple[StockBalance, Decimal]]:
    """[(balance, quantity free to transfer)] of ``item_ids`` in the active storage locations of the
    company's active warehouses (``warehouse`` only, or all but ``exclude_warehouse``, or only the ids
    ``warehouses``): on hand less reserved less what draft transfers plan to take; by item, then in
    the order reservations take stock (FEFO, then location). Three queries at most."""
    item_ids = list(item_ids)
    balances = StockBalance.objects.filter(
        company=company, item_id__in=item_ids, location__kind=st.LocationKind.INTERNAL, location__is_active=True,
        warehouse__is_active=True, on_hand__gt=F("reserved"))
    if warehouse is not None:
        balances = balances.filter(warehouse_id=warehouse.pk)
    if exclude_warehouse is not None:
        balances = balances.exclude(warehouse_id=exclude_warehouse.pk)
    if warehouses is not None:
        balances = balances.filter(warehouse_id__in=list(warehouses))
    rows = list(balances.select_related("warehouse", "location", "lot").order_by("item_id", *fefo_balance_order()))
    planned = planned_transfers_out(company, {b.item_id for b in rows}) if rows else {}
    result = []
    for balance in rows:
        free = balance.on_hand - balance.reserved - planned.get((balance.item_id, balance.location_id, balance.lot_id),
                                                                Decimal("0"))
        if free > 0:
            result.append((balance, free))
    return result


def available_elsewhere(company: Company, items: Iterable[Item | int], exclude_warehouse: Warehouse | None,
                        warehouses: Iterable[int] | None = None) -> dict[int, list[WarehouseStock]]:
    """{item id: [WarehouseStock…]}: where else the company holds ``items`` available to transfer, by
    warehouse code, leaving out ``exclude_warehouse`` (where the demand is) and warehouses with
    nothing available. ``warehouses``: only these warehouse ids (what a keeper may see). Counted:
    the active storage locations of active warehouses, on hand less reserved less what draft
    transfers plan to take (``transferable_balances``). Three queries at most whatever the number
    of items and warehouses, none without items."""
    item_ids = sorted({item if isinstance(item, int) else item.pk for item in items})
    if not item_ids:
        return {}
    totals: dict[tuple[int, int], Decimal] = {}
    found: dict[int, Warehouse] = {}
    for balance, free in transferable_balances(company, item_ids, exclude_warehouse=exclude_warehouse,
                                               warehouses=warehouses):
        key = (balance.item_id, balance.warehouse_id)
        totals[key] = totals.get(key, Decimal("0")) + free
        found[balance.warehouse_id] = balance.warehouse
    result: dict[int, list[WarehouseStock]] = {}
    for (item_id, warehouse_id), available in sorted(totals.items(), key=lambda kv: (kv[0][0], found[kv[0][1]].code)):
        result.setdefault(item_id, []).append(WarehouseStock(found[warehouse_id], available))
    return result


def transfers_for_source(source: Model) -> QuerySet[StockTransfer]:
    """The stock transfers made for ``source`` (a sales order's shortage), oldest first."""
    return (StockTransfer.objects.filter(source_type=ContentType.objects.get_for_model(source), source_id=source.pk)
            .order_by("pk"))


def open_transfer_quantities(source: Model) -> dict[int, Decimal]:
    """{item id: base quantity} on the transfers for ``source`` that have not arrived yet (drafts and
    shipped ones): what is already on its way to the source's shortage. Two queries at most."""
    lines = list(StockTransferLine.objects.filter(
        document__source_type=ContentType.objects.get_for_model(source), document__source_id=source.pk,
        document__status__in=st.OPEN_TRANSFER_STATUSES).select_related("item", "unit"))
    totals: dict[int, Decimal] = {}
    for line, base in base_quantities(lines):
        totals[line.item_id] = totals.get(line.item_id, Decimal("0")) + base
    return totals
