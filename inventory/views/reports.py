"""Stock reports and the warehouse keeper's workbench. Every report reads through inventory.selectors,
so a keeper sees only the warehouses granted to them; every list pages (25) and exports (XLSX/CSV)
with the filters applied."""

from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.paginator import Paginator
from django.db.models import F, Q, Sum
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from erp.document_screens.kinds import visible_documents
from erp.exports import export_response
from erp.money import round_cost
from erp.permissions import permission_required
from inventory import selectors
from inventory.forms.masterdata import LedgerFilterForm, LowStockFilterForm, StockFilterForm, ValuationFilterForm
from inventory.models import Item

PAGE_SIZE = 25
EXPORT_FORMATS = ("xlsx", "csv")

# Inventory documents: model name -> (URL name prefix, path segment under /inventory/).
DOCUMENT_ROUTES = {
    "goodsreceipt": ("receipt", "receipts"),
    "stockissue": ("issue", "issues"),
    "stocktransfer": ("transfer", "transfers"),
    "stockadjustment": ("adjustment", "adjustments"),
    "stockcount": ("count", "counts"),
    "deliverynote": ("delivery", "deliveries"),
}
SEGMENTS = dict(DOCUMENT_ROUTES.values())
ZERO = Decimal("0")


# Shared by the master-data and report views --------------------------------------------------


def paginate(request, rows, per_page=PAGE_SIZE):
    page = Paginator(rows, per_page).get_page(request.GET.get("page"))
    page.object_list = list(page.object_list)
    return page


def export_format(request):
    fmt = request.GET.get("export", "")
    return fmt if fmt in EXPORT_FORMATS else None


def document_url(kind, pk):
    """The detail page of an inventory document ("receipt", 12) -> /inventory/receipts/12/."""
    try:
        return reverse(f"inventory:{kind}_detail", args=[pk])
    except NoReverseMatch:
        return f"/inventory/{SEGMENTS[kind]}/{pk}/"


def move_document_url(move):
    """The page of the document that posted a move, or None (documents of other apps, no document)."""
    if not move.document_type_id or not move.document_id:
        return None
    model = ContentType.objects.get_for_id(move.document_type_id).model  # cached per content type
    route = DOCUMENT_ROUTES.get(model)
    return document_url(route[0], move.document_id) if route else None


def with_document_urls(moves, user):
    """Each move's ``document_url``: its document's page when ``user`` may open it (a rep reads the
    ledger but not another rep's delivery notes: that reference stays text). One query per kind of
    document on the page."""
    ids_by_type = {}
    for move in moves:
        if move.document_type_id and move.document_id:
            ids_by_type.setdefault(move.document_type_id, set()).add(move.document_id)
    openable = {}
    for type_id, ids in ids_by_type.items():
        visible = visible_documents(user, ContentType.objects.get_for_id(type_id).model_class(), ids)
        openable[type_id] = visible[1] if visible is not None else set()
    for move in moves:
        allowed = move.document_id in openable.get(move.document_type_id, ())
        move.document_url = move_document_url(move) if allowed else None
    return moves


def list_context(request, page, filters, **extra):
    return {"page": page, "filters": filters, "querystring": request.GET.urlencode(), **extra}


def render_list(request, template, partial, context):
    """The whole page, or only the results when htmx refreshes them after a filter change."""
    if request.htmx and request.htmx.target == "results":
        return render(request, partial, context)
    return render(request, template, context)


def list_or_export(request, rows, *, columns, filename, template, filters, prepare=None, **extra):
    """A filtered list: exported (``?export=xlsx|csv``), or paginated and rendered — the whole page, or
    only ``partials/<template>_table.html`` when htmx refreshes the results. ``prepare(rows_of_page)``
    can decorate the rows shown."""
    if fmt := export_format(request):
        return export_response(request, rows=rows, columns=columns, filename=filename, fmt=fmt)
    page = paginate(request, rows)
    if prepare is not None:
        prepare(page.object_list)
    partial = template.replace("inventory/", "inventory/partials/", 1).replace(".html", "_table.html")
    return render_list(request, template, partial, list_context(request, page, filters, **extra))


# The workbench -------------------------------------------------------------------------------

WORKBENCH_LIMIT = 25
WORKBENCH_GROUPS = [
    # key in selectors.workbench_for_user, document kind, heading
    ("receipts", "receipt", _("Goods receipts to post")),
    ("deliveries_to_pick", "delivery", _("Delivery notes to pick")),
    ("issues", "issue", _("Stock issues to post")),
    ("transfers_to_ship", "transfer", _("Transfers to ship or post")),
    ("transfers_to_receive", "transfer", _("Transfers to receive")),
    ("adjustments", "adjustment", _("Adjustments to post")),
    ("counts", "count", _("Stock counts in progress")),
]


@permission_required("inventory.view_stockbalance")
def workbench(request, scan_error=""):
    """What waits for the keeper in the warehouses they operate, and the way to every inventory screen."""
    work = selectors.workbench_for_user(request.user)
    groups = []
    for key, kind, heading in WORKBENCH_GROUPS:
        documents = list(work[key].order_by("document_date", "pk")[: WORKBENCH_LIMIT + 1])
        for document in documents:
            document.detail_url = document_url(kind, document.pk)
        groups.append({
            "key": key, "heading": heading, "documents": documents[:WORKBENCH_LIMIT],
            "more": len(documents) > WORKBENCH_LIMIT, "list_url": f"/inventory/{SEGMENTS[kind]}/",
        })
    return render(request, "inventory/workbench.html", {
        "groups": groups, "waiting": sum(len(g["documents"]) for g in groups),
        "warehouses": selectors.warehouses_for_user(request.user).order_by("code"),
        "scan_error": scan_error,
    })


@permission_required("inventory.view_stockbalance")
def workbench_scan(request):
    """The workbench's scan field (a scanner types a code and Enter): open what the code names — a
    delivery note's pick sheet (by its number or its order's), another document, an item, a lot —
    or come back to the workbench saying nothing has that code."""
    code = request.GET.get("code", "")
    found = selectors.scan_target(request.user, code)
    if found is None:
        message = (gettext("Nothing in your warehouses has the code %(code)s.") % {"code": code.strip()[:60]}
                   if code.strip() else gettext("Scan or type a code."))
        return workbench(request, scan_error=message)
    record = found.record
    if found.kind == "delivery":
        is_draft = record.status == "draft" and request.user.has_perm("inventory.change_deliverynote")
        return redirect(reverse("inventory:delivery_pick" if is_draft else "inventory:delivery_detail",
                                args=[record.pk]))
    if found.kind in ("item", "lot"):
        return redirect(reverse(f"inventory:{found.kind}_detail", args=[record.pk]))
    return redirect(document_url(found.kind, record.pk))


# Stock on hand -------------------------------------------------------------------------------


def stock_rows(request, filters):
    values = filters.filter_values()
    balances = selectors.balances_for_user(
        request.user, item=values.get("item"), warehouse=values.get("warehouse"),
        location=values.get("location"), include_zero=bool(values.get("include_zero")),
    )
    if values.get("lot"):
        balances = balances.filter(lot__number=values["lot"].strip())
    return balances


STOCK_COLUMNS = [
    (_("Item code"), lambda b: b.item.code),
    (_("Item name"), lambda b: b.item.name),
    (_("Warehouse"), lambda b: b.warehouse.code),
    (_("Location"), lambda b: b.location.code),
    (_("Lot number"), lambda b: b.lot.number if b.lot else ""),
    (_("On hand"), lambda b: b.on_hand),
    (_("Reserved"), lambda b: b.reserved),
    (_("Available"), lambda b: b.available),
    (_("Unit"), lambda b: b.item.base_unit.code),
]


@permission_required("inventory.view_stockbalance")
def stock_on_hand(request):
    filters = StockFilterForm(request.GET or None, user=request.user)
    balances = stock_rows(request, filters)
    return list_or_export(request, balances, columns=STOCK_COLUMNS, filename="stock_on_hand",
                          template="inventory/report_stock.html", filters=filters)


# Stock ledger --------------------------------------------------------------------------------

LEDGER_COLUMNS = [
    (_("Posted at"), lambda m: m.posted_at),
    (_("Document"), lambda m: m.document_reference),
    (_("Move type"), lambda m: m.get_move_type_display()),
    (_("Item code"), lambda m: m.item.code),
    (_("Item name"), lambda m: m.item.name),
    (_("Warehouse"), lambda m: m.warehouse.code),
    (_("Location"), lambda m: m.location.code),
    (_("Lot number"), lambda m: m.lot.number if m.lot else ""),
    (_("Quantity"), lambda m: m.quantity),
    (_("Unit"), lambda m: m.item.base_unit.code),
    (_("Unit cost"), lambda m: m.unit_cost),
    (_("Value"), lambda m: m.value),
    (_("Posted by"), lambda m: str(m.posted_by) if m.posted_by else ""),
]


def ledger_rows(request, filters):
    values = filters.filter_values()
    return selectors.moves_for_user(
        request.user, item=values.get("item"), warehouse=values.get("warehouse"),
        move_type=values.get("move_type") or None, date_from=values.get("date_from"),
        date_to=values.get("date_to"), document_reference=(values.get("document") or "").strip(),
    )


@permission_required("inventory.view_stockmove")
def stock_ledger(request):
    filters = LedgerFilterForm(request.GET or None, user=request.user)
    moves = ledger_rows(request, filters)
    return list_or_export(request, moves, columns=LEDGER_COLUMNS, filename="stock_ledger",
                          template="inventory/report_ledger.html", filters=filters,
                          prepare=lambda rows: with_document_urls(rows, request.user))


# Low stock -----------------------------------------------------------------------------------

LOW_STOCK_COLUMNS = [
    (_("Item code"), lambda i: i.code),
    (_("Item name"), lambda i: i.name),
    (_("Reorder point"), lambda i: i.reorder_point),
    (_("Safety stock"), lambda i: i.safety_stock),
    (_("On hand"), lambda i: i.on_hand),
    (_("Reserved"), lambda i: i.reserved_total),
    (_("Available"), lambda i: i.available),
    (_("Shortage"), lambda i: i.shortage),
    (_("Unit"), lambda i: i.base_unit.code),
    (_("Lead time (days)"), lambda i: i.lead_time_days),
]


def low_stock_rows(request, filters):
    values = filters.filter_values()
    items = selectors.low_stock_for_user(request.user, values.get("warehouse"))
    if search := (values.get("q") or "").strip():
        items = items.filter(Q(code__icontains=search) | Q(name__icontains=search))
    return items.annotate(shortage=F("reorder_point") - F("available"))


@permission_required("inventory.view_stockbalance")
def low_stock(request):
    filters = LowStockFilterForm(request.GET or None, user=request.user)
    items = low_stock_rows(request, filters)
    return list_or_export(request, items, columns=LOW_STOCK_COLUMNS, filename="low_stock",
                          template="inventory/report_low_stock.html", filters=filters)


# Valuation -----------------------------------------------------------------------------------

VALUATION_ITEM_COLUMNS = [
    (_("Item code"), lambda r: r["item_code"]),
    (_("Item name"), lambda r: r["item_name"]),
    (_("Quantity"), lambda r: r["quantity"]),
    (_("Unit"), lambda r: r["unit"]),
    (_("Average cost"), lambda r: r["average_cost"]),
    (_("Value"), lambda r: r["value"]),
]
VALUATION_WAREHOUSE_COLUMNS = [
    (_("Warehouse"), lambda r: r["warehouse__code"]),
    (_("Warehouse name"), lambda r: r["warehouse__name"]),
    (_("Item code"), lambda r: r["item__code"]),
    (_("Item name"), lambda r: r["item__name"]),
    (_("Quantity"), lambda r: r["quantity"]),
    (_("Value"), lambda r: r["value"]),
]


def valuation_rows(request, filters):
    """(grouping, rows, totals). The value by item is the moving-average valuation; by warehouse it is
    the sum of the ledger's move values. Both totals equal the sum of the values of the moves shown.
    A keeper limited to some warehouses sees the by-item view built from those warehouses' moves."""
    values = filters.filter_values()
    by = values.get("by") or "item"
    search = (values.get("q") or "").strip()
    scoped = values.get("warehouse") is not None or not selectors.sees_every_warehouse(request.user)

    per_warehouse = selectors.valuation_by_warehouse_for_user(request.user, values.get("warehouse"))
    if search:
        per_warehouse = per_warehouse.filter(Q(item__code__icontains=search) | Q(item__name__icontains=search))
    if by == "warehouse":
        return by, per_warehouse, totals_of(per_warehouse)

    if scoped:  # the moves of the warehouses this user sees, regrouped by item
        return by, *regroup_by_item(request.user, per_warehouse)

    valuations = selectors.valuation_by_item_for_user(request.user)
    if search:
        valuations = valuations.filter(Q(item__code__icontains=search) | Q(item__name__icontains=search))
    totals = totals_of(valuations)
    item_rows = (
        valuations.annotate(item_code=F("item__code"), item_name=F("item__name"), unit=F("item__base_unit__code"),
                            unit_decimals=F("item__base_unit__decimals"))
        .values("item_code", "item_name", "unit", "unit_decimals", "quantity", "average_cost", "value")
    )
    return by, item_rows, totals


def totals_of(rows):
    totals = rows.aggregate(total_quantity=Sum("quantity"), total_value=Sum("value"))
    return {"quantity": totals["total_quantity"] or ZERO, "value": totals["total_value"] or ZERO}


def regroup_by_item(
    user: Any, per_warehouse: Iterable[dict[str, Any]]
) -> tuple[list[dict[str, Any]], dict[str, Decimal]]:
    rows: dict[str, dict[str, Any]] = {}
    for row in per_warehouse:
        entry = rows.setdefault(row["item__code"], {
            "item_code": row["item__code"], "item_name": row["item__name"], "quantity": ZERO, "value": ZERO,
        })
        entry["quantity"] += row["quantity"]
        entry["value"] += row["value"]
    units = {code: (unit, decimals) for code, unit, decimals in Item.objects.restrict(user).filter(
        code__in=list(rows)).values_list("code", "base_unit__code", "base_unit__decimals")}
    item_rows = sorted((r for r in rows.values() if r["quantity"] or r["value"]), key=lambda r: r["item_code"])
    for r in item_rows:
        r["unit"], r["unit_decimals"] = units.get(r["item_code"], ("", 0))
        r["average_cost"] = round_cost(r["value"] / r["quantity"]) if r["quantity"] else None
    totals = {"quantity": sum((r["quantity"] for r in item_rows), ZERO),
              "value": sum((r["value"] for r in item_rows), ZERO)}
    return item_rows, totals


@permission_required("inventory.view_itemvaluation")
def valuation(request):
    filters = ValuationFilterForm(request.GET or None, user=request.user)
    by, rows, totals = valuation_rows(request, filters)
    columns = VALUATION_WAREHOUSE_COLUMNS if by == "warehouse" else VALUATION_ITEM_COLUMNS
    return list_or_export(request, rows, columns=columns, filename=f"valuation_by_{by}",
                          template="inventory/report_valuation.html", filters=filters, by=by, totals=totals)

