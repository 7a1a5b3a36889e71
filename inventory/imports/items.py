"""Import of items: new items only (a code that exists is an error), with their alternative units; a
category the file names that does not exist yet is created (name = code)."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from erp.codes import normalise_code
from erp.errors import DomainError
from erp.imports import (
    CellError,
    Column,
    ImportKind,
    ImportResult,
    RowChecker,
    RowResult,
    Table,
    cell_text,
    choice_lookup,
    codes_of,
    fmt_decimal,
    for_row,
    parse_bool,
    parse_choice,
    parse_code,
    parse_decimal,
    parse_int,
    parse_text,
    validation_text,
)
from inventory import status as st
from inventory.models import Item, ItemCategory, UnitOfMeasure
from inventory.selectors import company_warehouses
from inventory.services import masterdata

if TYPE_CHECKING:
    from erp.models import Company, User

ITEM_COLUMNS = (
    Column("code", gettext_lazy("Code"), True, ("料號", "品號", "料件編號"), ("料号", "品号", "物料编码"),
           ("item code", "item"), gettext_lazy("Letters, digits and . _ / - ; must not exist yet.")),
    Column("name", gettext_lazy("Name"), True, ("品名", "名稱"), ("品名", "名称", "物料名称"), ("item name",),
           gettext_lazy("Up to 200 characters.")),
    Column("specification", gettext_lazy("Specification"), False, ("規格",), ("规格", "规格型号"), ("spec",),
           gettext_lazy("Up to 300 characters.")),
    Column("category", gettext_lazy("Category code"), False, ("類別", "分類", "類別代碼"), ("类别", "分类", "类别代码"),
           ("category code",), gettext_lazy("A category code; a missing category is created with the code as name.")),
    Column("item_type", gettext_lazy("Type"), False, ("類型", "料件類型", "物料類型"), ("类型", "物料类型"),
           ("type", "item type"),
           gettext_lazy("raw, semi, finished, consumable or service (or their names); empty = raw.")),
    Column("procurement", gettext_lazy("Procurement"), False, ("自製/採購", "取得方式", "來源"),
           ("自制/采购", "获取方式", "来源"), ("make/buy",), gettext_lazy("make or buy; empty = buy.")),
    Column("base_unit", gettext_lazy("Base unit"), True, ("基本單位", "庫存單位", "單位"),
           ("基本单位", "库存单位", "单位"), ("base unit", "unit"), gettext_lazy("An existing unit code, e.g. PCS.")),
    Column("alternative_units", gettext_lazy("Alternative units"), False, ("其他單位", "換算單位", "替代單位"),
           ("其他单位", "换算单位", "替代单位"), ("alternative units", "units", "conversions"),
           gettext_lazy("Unit=base units per unit, separated by semicolons, e.g. BOX=12;CTN=144.")),
    Column("standard_cost", gettext_lazy("Standard cost"), False, ("標準成本",), ("标准成本",),
           ("standard cost", "cost"), gettext_lazy("Zero or more; empty = 0.")),
    Column("reorder_point", gettext_lazy("Reorder point"), False, ("再訂購點", "請購點", "訂購點"),
           ("再订购点", "订货点", "请购点"), ("reorder point",), gettext_lazy("Zero or more, in the base unit.")),
    Column("safety_stock", gettext_lazy("Safety stock"), False, ("安全存量", "安全庫存"), ("安全库存", "安全存量"),
           ("safety stock",), gettext_lazy("Zero or more, in the base unit.")),
    Column("lead_time_days", gettext_lazy("Lead time (days)"), False, ("前置天數", "前置時間", "交期天數"),
           ("提前期", "前置天数", "交期天数"), ("lead time", "lead time days"),
           gettext_lazy("Whole days, zero or more.")),
    Column("lot_sizing", gettext_lazy("Lot sizing"), False, ("批量規則", "批量法"), ("批量规则", "批量法"),
           ("lot sizing", "lot rule"),
           gettext_lazy("lot_for_lot, fixed or min_multiple (or their names); empty = lot for lot.")),
    Column("lot_size", gettext_lazy("Fixed lot size"), False, ("固定批量",), ("固定批量",), ("fixed lot size",),
           gettext_lazy("For a fixed lot size: greater than zero, in the base unit.")),
    Column("lot_minimum", gettext_lazy("Minimum lot"), False, ("最小批量",), ("最小批量",), ("minimum lot",),
           gettext_lazy("Zero or more, in the base unit.")),
    Column("lot_multiple", gettext_lazy("Lot multiple"), False, ("批量倍數",), ("批量倍数",), ("lot multiple",),
           gettext_lazy("Zero (any quantity) or more, in the base unit.")),
    Column("lot_tracked", gettext_lazy("Lot tracked"), False, ("批號管理", "批號控管"), ("批号管理", "批次管理"),
           ("lot tracked", "lots"), gettext_lazy("yes/no, 1/0 or 是/否; empty = no.")),
    Column("shelf_life_days", gettext_lazy("Shelf life (days)"), False, ("保存期限(天)", "保存期限", "有效天數"),
           ("保质期(天)", "保质期", "有效天数"), ("shelf life", "shelf life days"),
           gettext_lazy("Whole days; may be empty.")),
    Column("barcode", gettext_lazy("Barcode"), False, ("條碼",), ("条码",), (),
           gettext_lazy("Up to 64 characters; unique.")),
    Column("default_warehouse", gettext_lazy("Default warehouse"), False, ("預設倉庫", "預設倉"),
           ("默认仓库", "默认仓"), ("default warehouse", "warehouse"),
           gettext_lazy("An existing warehouse code; may be empty.")),
    Column("is_active", gettext_lazy("Active"), False, ("啟用", "有效"), ("启用", "有效"), ("active",),
           gettext_lazy("yes/no, 1/0 or 是/否; empty = yes.")),
)

# Further words for the item types and procurements (the values and their labels in every language
# of the interface are understood anyway).
CHOICE_ALIASES: dict[str, tuple[str, ...]] = {
    st.ItemType.RAW_MATERIAL: ("raw material", "原料", "原物料", "材料"),
    st.ItemType.SEMI_FINISHED: ("semi-finished", "半成品"),
    st.ItemType.FINISHED_GOOD: ("finished good", "成品"),
    st.ItemType.CONSUMABLE: ("耗材", "消耗品"),
    st.ItemType.SERVICE: ("服務", "服务"),
    st.Procurement.MAKE: ("自製", "自制", "生產", "生产"),
    st.Procurement.BUY: ("採購", "采购", "外購", "外购"),
    st.LotSizing.LOT_FOR_LOT: ("lot for lot", "lfl", "逐批", "批對批", "按需"),
    st.LotSizing.FIXED: ("fixed quantity", "固定批量"),
    st.LotSizing.MIN_MULTIPLE: ("minimum and multiple", "最小批量與倍數", "最小批量与倍数"),
}
MAX_INT = 2_147_483_647


def parse_alternative_units(raw: object, *, units: dict[str, UnitOfMeasure]) -> list[tuple[UnitOfMeasure, Decimal]]:
    """'BOX=12;CTN=144' -> [(UnitOfMeasure, Decimal)]; unknown units and bad factors are errors."""
    text = cell_text(raw)
    if not text:
        return []
    parsed: list[tuple[UnitOfMeasure, Decimal]] = []
    seen: set[str] = set()
    for part in re.split(r"[;；\n]+", text):
        part = part.strip()
        if not part:
            continue
        pieces = re.split(r"[=＝]", part)
        if len(pieces) != 2 or not pieces[0].strip() or not pieces[1].strip():
            raise CellError(_("“%(part)s” is not UNIT=factor (e.g. BOX=12).") % {"part": part})
        code = normalise_code(pieces[0])
        unit = units.get(code)
        if unit is None:
            raise CellError(_("unit “%(code)s” does not exist.") % {"code": code})
        if not unit.is_active:
            raise CellError(_("unit “%(code)s” is inactive.") % {"code": code})
        if code in seen:
            raise CellError(_("unit “%(code)s” is listed twice.") % {"code": code})
        try:
            factor = parse_decimal(pieces[1].strip(), positive=True)
        except CellError as error:
            raise CellError(_("%(unit)s: %(message)s") % {"unit": code, "message": error.message}) from None
        assert factor is not None  # a non-empty cell
        seen.add(code)
        parsed.append((unit, factor))
    return parsed


def validate_items(table: Table, *, company: Company, user: User) -> ImportResult:
    codes = codes_of(table, "code")
    barcodes = {cell_text(raw.get("barcode")) for _number, raw in table.rows}
    barcodes.discard("")
    # A fixed number of queries, whatever the number of rows; the company's records (erp.scoping).
    items = Item.objects.restrict(user)
    existing_codes = set(items.filter(code__in=codes).values_list("code", flat=True))
    existing_barcodes = set(items.filter(barcode__in=barcodes).values_list("barcode", flat=True)) if barcodes else set()
    units = {u.code: u for u in UnitOfMeasure.objects.restrict(user)}
    categories = {c.code: c for c in ItemCategory.objects.restrict(user)}
    warehouses = {w.code: w for w in company_warehouses(user)}  # any of them may be an item's default
    types = choice_lookup(st.ItemType, CHOICE_ALIASES)
    procurements = choice_lookup(st.Procurement, CHOICE_ALIASES)
    lot_rules = choice_lookup(st.LotSizing, CHOICE_ALIASES)
    # Translated once, not once per row.
    type_labels = {str(value): str(label) for value, label in st.ItemType.choices}
    procurement_labels = {str(value): str(label) for value, label in st.Procurement.choices}
    lot_rule_labels = {str(value): str(label) for value, label in st.LotSizing.choices}
    yes_no = {True: _("Yes"), False: _("No")}

    seen_codes: dict[str, int] = {}
    seen_barcodes: dict[str, int] = {}
    new_categories: dict[str, int] = {}
    rows: list[RowResult] = []
    for number, raw in table.rows:
        check = RowChecker(table, number, raw)
        check.take_unique("code", seen_codes, existing_codes, _("item “%(code)s” already exists."))
        check.take("name", parse_text, max_length=200, required=True)
        check.take("specification", parse_text, max_length=300)

        category_code = check.take("category", parse_code, required=False)
        if category_code:
            check.show("category", category_code)
            category = categories.get(category_code)
            if category is None:
                new_categories.setdefault(category_code, number)
                check.row.notes.append(_("New category %(code)s") % {"code": category_code})
            elif not category.is_active:
                check.error("category", _("category “%(code)s” is inactive.") % {"code": category_code})
            check.row.values["category"] = category_code

        item_type = check.take("item_type", parse_choice, types, default=st.ItemType.RAW_MATERIAL)
        if item_type:
            check.show("item_type", type_labels[item_type])
        procurement = check.take("procurement", parse_choice, procurements, default=st.Procurement.BUY)
        if procurement:
            check.show("procurement", procurement_labels[procurement])

        base_code = check.take("base_unit", parse_code)
        base_unit = None
        if base_code:
            check.show("base_unit", base_code)
            base_unit = units.get(base_code)
            if base_unit is None:
                check.error("base_unit", _("unit “%(code)s” does not exist.") % {"code": base_code})
            elif not base_unit.is_active:
                check.error("base_unit", _("unit “%(code)s” is inactive.") % {"code": base_code})
        check.row.values["base_unit"] = base_unit

        alternatives = check.take("alternative_units", parse_alternative_units, units=units)
        if alternatives:
            check.show("alternative_units", "; ".join(f"{u.code}={fmt_decimal(f)}" for u, f in alternatives))
            if base_unit is not None and any(u.pk == base_unit.pk for u, _f in alternatives):
                check.error("alternative_units", _("the base unit %(code)s needs no conversion.") % {
                    "code": base_unit.code})

        for key in ("standard_cost", "reorder_point", "safety_stock"):
            value = check.take(key, parse_decimal, default=Decimal("0"))
            if value is not None:
                check.show(key, fmt_decimal(value))
        lead_time = check.take("lead_time_days", parse_int, default=0, maximum=MAX_INT)
        if lead_time is not None:
            check.show("lead_time_days", str(lead_time))
        lot_sizing = check.take("lot_sizing", parse_choice, lot_rules, default=st.LotSizing.LOT_FOR_LOT)
        if lot_sizing:
            check.show("lot_sizing", lot_rule_labels[lot_sizing])
        for key in ("lot_size", "lot_minimum", "lot_multiple"):
            value = check.take(key, parse_decimal, default=Decimal("0"))
            if value is not None:
                check.show(key, fmt_decimal(value))
        if lot_sizing == st.LotSizing.FIXED and check.row.values.get("lot_size") is not None \
                and check.row.values["lot_size"] <= 0:
            check.error("lot_size", _("a fixed lot size must be greater than zero."))
        lot_tracked = check.take("lot_tracked", parse_bool, default=False)
        if lot_tracked is not None:
            check.show("lot_tracked", yes_no[lot_tracked])
        shelf_life = check.take("shelf_life_days", parse_int, default=None, maximum=MAX_INT)
        if shelf_life is not None:
            check.show("shelf_life_days", str(shelf_life))

        barcode = check.take("barcode", parse_text, max_length=64)
        if barcode:
            if barcode in seen_barcodes:
                check.error("barcode", _("barcode “%(code)s” already appears in row %(row)s.") % {
                    "code": barcode, "row": seen_barcodes[barcode]})
            elif barcode in existing_barcodes:
                check.error("barcode", _("barcode “%(code)s” is already used by another item.") % {"code": barcode})
            seen_barcodes.setdefault(barcode, number)

        warehouse_code = check.take("default_warehouse", parse_code, required=False)
        warehouse = None
        if warehouse_code:
            check.show("default_warehouse", warehouse_code)
            warehouse = warehouses.get(warehouse_code)
            if warehouse is None:
                check.error("default_warehouse", _("warehouse “%(code)s” does not exist.") % {"code": warehouse_code})
            elif not warehouse.is_active:
                check.error("default_warehouse", _("warehouse “%(code)s” is inactive.") % {"code": warehouse_code})
        check.row.values["default_warehouse"] = warehouse

        active = check.take("is_active", parse_bool, default=True)
        if active is not None:
            check.show("is_active", yes_no[active])
        rows.append(check.row)

    result = ImportResult(table=table, rows=rows)
    if new_categories:
        result.notes.append(_("These categories do not exist and will be created (name = code): %(codes)s.") % {
            "codes": ", ".join(sorted(new_categories))})
    return result


ITEM_FIELDS = ("code", "name", "specification", "item_type", "procurement", "base_unit", "standard_cost",
               "reorder_point", "safety_stock", "lead_time_days", "lot_sizing", "lot_size", "lot_minimum",
               "lot_multiple", "lot_tracked", "shelf_life_days", "barcode", "default_warehouse", "is_active")


def commit_items(result: ImportResult, *, company: Company, user: User) -> int:
    categories = {c.code: c for c in ItemCategory.objects.restrict(user)}
    # The categories the validation (just before, in this transaction) announced as new.
    new_codes = sorted({code for row in result.rows if (code := row.values.get("category")) and code not in categories})
    for code in new_codes:
        row = next(r for r in result.rows if r.values.get("category") == code)
        categories[code] = for_row(row, masterdata.category_create, company=company, code=code, name=code, actor=user)
    rows = []
    for row in result.rows:
        fields = {key: row.values[key] for key in ITEM_FIELDS if row.values.get(key) is not None}
        fields.setdefault("specification", "")
        fields.setdefault("barcode", "")
        category_code = row.values.get("category")
        fields["category"] = categories[category_code] if category_code else None
        fields["units"] = row.values.get("alternative_units") or []
        rows.append(fields)
    # One bulk write (validated again there, uniqueness for all rows at once) instead of ~25
    # queries per item: 1,000 items commit in about a second.
    try:
        masterdata.items_create_bulk(company=company, rows=rows, actor=user)
    except ValidationError as error:
        raise DomainError(validation_text(error)) from None
    return len(result.rows)


ITEMS = ImportKind(
    app_label="inventory", key="items", label=gettext_lazy("Items"), permission="inventory.add_item",
    columns=ITEM_COLUMNS, validator=validate_items, committer=commit_items,
    done_message=gettext_lazy("%(count)s items imported."),
)
