"""Reads of the inventory app, scoped to what the user may see.

Warehouse scope: a user holding ``inventory.operate_warehouse`` globally sees every warehouse; a
warehouse keeper (the Warehouse role without that global permission) sees only the warehouses granted
to them with django-guardian; everyone else with view permissions reads all of them.
"""

from decimal import Decimal

from django.contrib.contenttypes.models import ContentType
from django.db.models import DecimalField, F, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from guardian.shortcuts import get_objects_for_user

from erp.money import QTY
from erp.permissions import user_company
from erp.roles import WAREHOUSE
from erp.scoping import restrict
from inventory import status as st
from inventory.models import (
    AdjustmentReason,
    DeliveryNote,
    DeliveryNoteLine,
    Item,
    ItemValuation,
    Location,
    Lot,
    Reservation,
    StockBalance,
    StockMove,
    StockTransfer,
    UnitOfMeasure,
    Warehouse,
)

OPERATE = "inventory.operate_warehouse"
ZERO = Value(Decimal("0"), output_field=DecimalField(**QTY))


def is_scoped_keeper(user):
    return not user.has_perm(OPERATE) and user.groups.filter(name=WAREHOUSE).exists()


def warehouses_for_user(user):
    company = user_company(user)
    warehouses = Warehouse.objects.filter(company=company)
    if is_scoped_keeper(user):
        return get_objects_for_user(user, OPERATE, klass=warehouses, accept_global_perms=False)
    return warehouses


def warehouse_ids_for_user(user):
    """The ids of the user's warehouses, as a literal list: PostgreSQL plans ``warehouse_id IN (1, 2)``
    far better than the equivalent subquery on large balance and move tables."""
    return list(warehouses_for_user(user).values_list("pk", flat=True))


def can_operate(user, warehouse):
    return user.has_perm(OPERATE) or user.has_perm(OPERATE, warehouse)


def item_list(user, *, search="", category=None, item_type=None, active=None, lot_tracked=None):
    items = Item.objects.filter(company=user_company(user)).select_related("base_unit", "category")
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


def units_for_user(user, *, search="", active=None):
    units = UnitOfMeasure.objects.filter(company=user_company(user))
    if search:
        units = units.filter(Q(code__icontains=search) | Q(name__icontains=search))
    if active is not None:
        units = units.filter(is_active=active)
    return units.order_by("code")


def with_stock_totals(items, warehouses=None):
    """Annotate on_hand / reserved / available summed over internal locations (one query)."""
    balances = StockBalance.objects.filter(item=OuterRef("pk"), location__kind=st.LocationKind.INTERNAL)
    if warehouses is not None:
        balances = balances.filter(warehouse__in=warehouses)
    totals = balances.values("item").annotate(on_hand=Sum("on_hand"), reserved=Sum("reserved"))
    return items.annotate(
        on_hand=Coalesce(Subquery(totals.values("on_hand")), ZERO),
        reserved_total=Coalesce(Subquery(totals.values("reserved")), ZERO),
    ).annotate(available=F("on_hand") - F("reserved_total"))


def low_stock_items(company, warehouses=None):
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


def low_stock_for_user(user, warehouse=None):
    """Low stock as the user may see it: company-wide from the per-item totals, or summed over the
    warehouses of a keeper's scope or of a warehouse filter."""
    company = user_company(user)
    if warehouse is None and not is_scoped_keeper(user):
        return low_stock_items(company)
    warehouses = warehouses_for_user(user)
    if warehouse is not None:
        warehouses = warehouses.filter(pk=warehouse.pk)
    return low_stock_items(company, warehouses)


def balances_for_user(user, *, item=None, warehouse=None, location=None, lot=None, search="", include_zero=False,
                      include_transit=True):
    balances = StockBalance.objects.filter(warehouse_id__in=warehouse_ids_for_user(user)).select_related(
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


def moves_for_user(user, *, item=None, warehouse=None, location=None, lot=None, move_type=None, date_from=None,
                   date_to=None, document_reference=""):
    moves = StockMove.objects.filter(warehouse_id__in=warehouse_ids_for_user(user)).select_related(
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


def reservations_for_item(user, item):
    return Reservation.objects.filter(item=item, status=st.ReservationStatus.ACTIVE,
                                      warehouse__in=warehouses_for_user(user)).select_related("location", "lot")


def document_reservations(document):
    """The active reservations a document holds, with where they are."""
    return Reservation.objects.filter(
        document_type=ContentType.objects.get_for_model(document), document_id=document.pk,
        status=st.ReservationStatus.ACTIVE,
    ).select_related("item", "item__base_unit", "location", "lot").order_by("pk")


def locations_for_user(user, warehouse=None):
    locations = Location.objects.filter(warehouse__in=warehouses_for_user(user)).select_related("warehouse", "parent")
    if warehouse is not None:
        locations = locations.filter(warehouse=warehouse)
    return locations.order_by("warehouse__code", "code")


def lot_trace(lot):
    """Where a lot came from and where it went: its moves in time order, with their documents."""
    return StockMove.objects.filter(lot=lot).select_related("location", "warehouse", "posted_by").order_by(
        "posted_at", "id"
    )


def lots_for_user(user, *, item=None, search=""):
    lots = Lot.objects.filter(company=user_company(user)).select_related("item")
    if item is not None:
        lots = lots.filter(item=item)
    if search:
        lots = lots.filter(Q(number__icontains=search) | Q(item__code__icontains=search))
    return lots.order_by("item__code", "number")


def valuation_by_item(company):
    """Quantity, average cost and value per item; the value equals the sum of the item's move values."""
    return ItemValuation.objects.filter(company=company).exclude(quantity=0, value=0).select_related(
        "item", "item__base_unit").order_by("item__code")


def valuation_by_warehouse(company):
    """Value per item and warehouse: the sum of the move values (the ledger is the source)."""
    return (
        StockMove.objects.filter(company=company)
        .values("warehouse__code", "warehouse__name", "item__code", "item__name")
        .annotate(quantity=Sum("quantity"), value=Sum("value"))
        .exclude(quantity=0, value=0)
        .order_by("warehouse__code", "item__code")
    )


def ledger_totals_match_balances(company=None):
    """[(item, location, lot, ledger sum, balance)] wherever the balance table and the ledger differ."""
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


def workbench_for_user(user):
    """What waits for a warehouse keeper: drafts to post, deliveries to pick, shipments to receive, counts."""
    from inventory.models import DeliveryNote, GoodsReceipt, StockAdjustment, StockCount, StockIssue, StockTransfer

    warehouses = warehouses_for_user(user)
    return {
        "receipts": GoodsReceipt.objects.filter(warehouse__in=warehouses, status="draft").select_related("warehouse"),
        "deliveries_to_pick": DeliveryNote.objects.filter(warehouse__in=warehouses, status="draft")
        .select_related("warehouse"),
        "issues": StockIssue.objects.filter(warehouse__in=warehouses, status="draft").select_related("warehouse"),
        "transfers_to_ship": StockTransfer.objects.filter(warehouse__in=warehouses, status="draft")
        .select_related("warehouse", "to_warehouse"),
        "transfers_to_receive": StockTransfer.objects.filter(to_warehouse__in=warehouses, status="shipped")
        .select_related("warehouse", "to_warehouse"),
        "adjustments": StockAdjustment.objects.filter(warehouse__in=warehouses, status="draft")
        .select_related("warehouse", "reason"),
        "counts": StockCount.objects.filter(warehouse__in=warehouses, status__in=["draft", "counting"])
        .select_related("warehouse", "location"),
    }


# Document screens ---------------------------------------------------------------------------


def deliveries_for_user(user):
    """Delivery notes of the user's warehouses (a keeper: those granted), narrowed by the scope rules
    of the apps whose documents they ship (a sales rep: their own customers' orders). Screens,
    exports and the API read here."""
    notes = DeliveryNote.objects.filter(warehouse_id__in=warehouse_ids_for_user(user))
    return restrict(notes, user)


def deliveries_for_source(source):
    """The delivery notes made for ``source`` (a sales order…), oldest first."""
    return (DeliveryNote.objects.filter(source_type=ContentType.objects.get_for_model(source), source_id=source.pk)
            .order_by("pk"))


def delivery_lines_for_source(source):
    """The lines of every delivery note made for ``source``."""
    return DeliveryNoteLine.objects.filter(document__source_type=ContentType.objects.get_for_model(source),
                                           document__source_id=source.pk)


def documents_for_user(user, model, related=()):
    """The user's documents of one kind: those of their warehouses (transfers: from or to them)."""
    warehouses = warehouses_for_user(user)
    documents = model.objects.filter(company=user_company(user))
    if model is StockTransfer:
        documents = documents.filter(Q(warehouse__in=warehouses) | Q(to_warehouse__in=warehouses))
    else:
        documents = documents.filter(warehouse__in=warehouses)
    return documents.select_related(*related)


def document_moves(document):
    """Every move the document posted, reversals included, in posting order."""
    return StockMove.objects.filter(
        document_type=ContentType.objects.get_for_model(document), document_id=document.pk
    ).select_related("item", "item__base_unit", "location__warehouse", "lot", "posted_by").order_by("pk")


def document_form_choices(user):
    """The choices of the document forms: the company's items, units, reasons; the user's warehouses."""
    company = user_company(user)
    own = warehouses_for_user(user)
    internal = Location.objects.filter(kind=st.LocationKind.INTERNAL, is_active=True).select_related("warehouse")
    return {
        "warehouses": own.filter(is_active=True).order_by("code"),
        "all_warehouses": Warehouse.objects.filter(company=company, is_active=True).order_by("code"),
        "reasons": AdjustmentReason.objects.filter(company=company, is_active=True).order_by("code"),
        "items": Item.objects.filter(company=company, is_active=True).exclude(item_type=st.ItemType.SERVICE)
        .order_by("code"),
        "units": UnitOfMeasure.objects.filter(company=company, is_active=True).order_by("code"),
        "locations": internal.filter(warehouse__in=own).order_by("warehouse__code", "code"),
        "all_locations": internal.filter(company=company).order_by("warehouse__code", "code"),
        "lots": Lot.objects.filter(company=company).select_related("item").order_by("item__code", "number"),
    }


# Picking -------------------------------------------------------------------------------------


def expiry_order(lot):
    """Sort key of first-expiry-first-out: a lot's expiry date; stock without lot or expiry last."""
    import datetime

    return lot.expires_on if lot is not None and lot.expires_on else datetime.date.max


def unit_factors(item_ids):
    """{item id: {unit id: base units per unit}} of the items' alternative units, in one query: the
    ``factors`` that ``inventory.units.to_base`` takes for a line."""
    from inventory.models import ItemUnit

    factors = {}
    for row in ItemUnit.objects.filter(item_id__in=set(item_ids)).values("item_id", "unit_id", "factor"):
        factors.setdefault(row["item_id"], {})[row["unit_id"]] = row["factor"]
    return factors


def locations_for_pick(warehouse, item):
    """Where ``item`` can be picked in ``warehouse``: first-expiring lots first (FEFO), then by location."""
    rows = list(StockBalance.objects.filter(item=item, warehouse=warehouse, on_hand__gt=0,
                                            location__kind=st.LocationKind.INTERNAL)
                .select_related("location", "lot"))
    rows.sort(key=lambda b: (expiry_order(b.lot), b.location.code))
    return rows
