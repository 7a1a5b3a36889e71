"""Import of opening balances: OPENING stock moves posted through ``services.stock.post_moves``, in
warehouses the user may post stock moves in, at most one per item, location and lot."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from erp.imports import (
    Column,
    ImportKind,
    ImportResult,
    RowChecker,
    RowResult,
    Table,
    codes_of,
    fmt_decimal,
    parse_code,
    parse_date,
    parse_decimal,
    parse_text,
)
from erp.scoping import CHANGE
from inventory import status as st
from inventory.models import Item, Location, StockMove
from inventory.selectors import company_warehouses, warehouses_for_user
from inventory.services import masterdata
from inventory.services.stock import MoveSpec, lock_valuations, post_moves

if TYPE_CHECKING:
    from erp.models import Company, User

OPENING_COLUMNS = (
    Column("item", gettext_lazy("Item code"), True, ("料號", "品號"), ("料号", "品号", "物料编码"),
           ("item code", "code"), gettext_lazy("An existing item.")),
    Column("warehouse", gettext_lazy("Warehouse code"), True, ("倉庫", "倉庫代碼"), ("仓库", "仓库代码"),
           ("warehouse code",), gettext_lazy("A warehouse you may post stock moves in.")),
    Column("location", gettext_lazy("Location code"), True, ("儲位", "儲位代碼"), ("库位", "库位代码"),
           ("location code", "bin"), gettext_lazy("A storage location of that warehouse.")),
    Column("lot_number", gettext_lazy("Lot number"), False, ("批號",), ("批号", "批次"), ("lot number", "lot"),
           gettext_lazy("Required for lot-tracked items, empty for the others.")),
    Column("quantity", gettext_lazy("Quantity (base unit)"), True, ("數量", "期初數量"), ("数量", "期初数量"),
           ("qty",), gettext_lazy("Greater than zero, in the item's base unit.")),
    Column("unit_cost", gettext_lazy("Unit cost"), False, ("單位成本", "單價"), ("单位成本", "单价"),
           ("unit cost", "cost"), gettext_lazy("Zero or more per base unit; empty = the item's standard cost.")),
    Column("manufactured_on", gettext_lazy("Manufactured on"), False, ("製造日期",), ("生产日期", "制造日期"),
           ("manufactured", "manufactured on"), gettext_lazy("Date of a new lot, e.g. 2026-11-25; may be empty.")),
    Column("expires_on", gettext_lazy("Expires on"), False, ("有效日期", "到期日"), ("有效期至", "到期日"),
           ("expiry", "expires on"), gettext_lazy("Date of a new lot; empty = manufacture date + shelf life.")),
)


def validate_opening(table: Table, *, company: Company, user: User) -> ImportResult:
    item_codes, warehouse_codes = codes_of(table, "item"), codes_of(table, "warehouse")
    items = {i.code: i for i in Item.objects.restrict(user).filter(code__in=item_codes).select_related("base_unit")}
    # Every warehouse of the company by code (a row naming another keeper's warehouse is told so),
    # but only those the user operates are open to the rows (erp.scoping, CHANGE).
    warehouses = {w.code: w for w in company_warehouses(user).filter(code__in=warehouse_codes)}
    allowed: set[str] = set(
        warehouses_for_user(user, CHANGE).filter(code__in=list(warehouses)).values_list("code", flat=True)
    ) if warehouses else set()
    locations = {
        (loc.warehouse_id, loc.code): loc
        for loc in Location.objects.restrict(user, CHANGE).filter(warehouse__code__in=list(allowed))
        .select_related("warehouse")
    } if allowed else {}
    existing_openings = set(
        StockMove.objects.filter(company=company, move_type=st.MoveType.OPENING,
                                 item__in=list(items.values())).values_list("item_id", "location_id", "lot__number")
    ) if items else set()

    seen: dict[tuple[int, int, str | None], int] = {}
    rows: list[RowResult] = []
    for number, raw in table.rows:
        check = RowChecker(table, number, raw)
        item_code = check.take("item", parse_code)
        item = None
        if item_code:
            check.show("item", item_code)
            item = items.get(item_code)
            if item is None:
                check.error("item", _("item “%(code)s” does not exist.") % {"code": item_code})
            elif not item.is_active:
                check.error("item", _("item “%(code)s” is inactive.") % {"code": item_code})
                item = None
            elif not item.is_stocked:
                check.error("item", _("item “%(code)s” is a service and has no stock.") % {"code": item_code})
                item = None
        warehouse_code = check.take("warehouse", parse_code)
        warehouse = None
        if warehouse_code:
            check.show("warehouse", warehouse_code)
            warehouse = warehouses.get(warehouse_code)
            if warehouse is None:
                check.error("warehouse", _("warehouse “%(code)s” does not exist.") % {"code": warehouse_code})
            elif warehouse_code not in allowed:
                check.error("warehouse", _("you may not post stock moves in warehouse “%(code)s”.") % {
                    "code": warehouse_code})
                warehouse = None
            elif not warehouse.is_active:
                check.error("warehouse", _("warehouse “%(code)s” is inactive.") % {"code": warehouse_code})
                warehouse = None
        location_code = check.take("location", parse_code)
        location = None
        if location_code:
            check.show("location", location_code)
            if warehouse is not None:
                location = locations.get((warehouse.pk, location_code))
                if location is None:
                    check.error("location", _("location “%(code)s” does not exist in warehouse %(warehouse)s.") % {
                        "code": location_code, "warehouse": warehouse.code})
                elif location.kind != st.LocationKind.INTERNAL:
                    check.error("location", _("location “%(code)s” is not a storage location.") % {
                        "code": location_code})
                    location = None
                elif not location.is_active:
                    check.error("location", _("location “%(code)s” is inactive.") % {"code": location_code})
                    location = None
        lot_number = check.take("lot_number", parse_text, max_length=60)
        if item is not None and lot_number is not None:
            if item.lot_tracked and not lot_number:
                check.error("lot_number", _("item %(code)s is lot-tracked: give a lot number.") % {"code": item.code})
            elif not item.lot_tracked and lot_number:
                check.error("lot_number", _("item %(code)s is not lot-tracked: leave the lot number empty.") % {
                    "code": item.code})
        quantity = check.take("quantity", parse_decimal, positive=True, required=True)
        if quantity is not None:
            check.show("quantity", fmt_decimal(quantity) + (f" {item.base_unit.code}" if item else ""))
        unit_cost = check.take("unit_cost", parse_decimal)
        if unit_cost is None and item is not None and not check.failed("unit_cost"):
            unit_cost = item.standard_cost
            check.row.values["unit_cost"] = unit_cost
        if unit_cost is not None:
            check.show("unit_cost", fmt_decimal(unit_cost))
        for date_key in ("manufactured_on", "expires_on"):
            date = check.take(date_key, parse_date)
            if date is not None:
                check.show(date_key, date.isoformat())
        check.row.values.update(item_obj=item, location_obj=location)

        if item is not None and location is not None and lot_number is not None:
            key = (item.pk, location.pk, lot_number or None)
            if key in seen:
                check.error("", _("%(item)s at %(location)s%(lot)s already appears in row %(row)s.") % {
                    "item": item.code, "location": location, "lot": f" ({lot_number})" if lot_number else "",
                    "row": seen[key]})
            elif key in existing_openings:
                check.error("", _("%(item)s at %(location)s%(lot)s already has an opening balance.") % {
                    "item": item.code, "location": location, "lot": f" ({lot_number})" if lot_number else ""})
            seen.setdefault(key, number)
        rows.append(check.row)
    return ImportResult(table=table, rows=rows)


def lock_opening(table: Table, *, company: Company) -> None:
    """Lock the valuations of the file's items (as post_moves will, in item order) before validating,
    so two imports of the same opening balances cannot both pass the duplicate check."""
    items = list(Item.objects.filter(company=company, code__in=codes_of(table, "item")).order_by("pk"))
    if items:
        lock_valuations(company, items)


def commit_opening(result: ImportResult, *, company: Company, user: User) -> int:
    specs = []
    for row in result.rows:
        item, location = row.values["item_obj"], row.values["location_obj"]
        lot = None
        if row.values.get("lot_number"):
            lot = masterdata.lot_for_receipt(item=item, number=row.values["lot_number"],
                                             manufactured_on=row.values.get("manufactured_on"),
                                             expires_on=row.values.get("expires_on"))
        specs.append(MoveSpec(item=item, location=location, lot=lot, quantity=row.values["quantity"],
                              move_type=st.MoveType.OPENING, unit_cost=row.values["unit_cost"], field="file",
                              line=row.number))
    post_moves(company=company, specs=specs, actor=user)
    return len(specs)


OPENING = ImportKind(
    app_label="inventory", key="opening", label=gettext_lazy("Opening balances"),
    permission="inventory.add_goodsreceipt", columns=OPENING_COLUMNS, validator=validate_opening,
    committer=commit_opening, done_message=gettext_lazy("%(count)s opening balances posted."), lock=lock_opening,
    segment="opening-balances",
)
