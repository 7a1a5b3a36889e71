"""Purchasing's kinds of import, on the core's import engine (``erp.imports``): suppliers and supplier
prices.

Each kind declares its columns (with the zh-Hant and zh-Hans headers people type), its row checks and
its writes through ``purchasing.services.suppliers``. Codes, items, units, users and supplier items are
read once into dicts, so the number of queries does not grow with the number of rows. All or nothing:
the commit writes no row unless every row is valid.

- Suppliers: new suppliers only (a code that exists is an error). A buyer's imported suppliers are
  their own: only the Purchasing manager names another buyer.
- Supplier prices: one row per price break of a supplier item (supplier, item, unit). The rows of one
  supplier item give its terms (part number, MOQ, multiple, lead time, preferred: from its first row)
  and its complete list of price breaks, which replaces the breaks it had. A supplier item that does
  not exist yet is made.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from erp.identifiers import normalise_tax_id, tax_id_error
from erp.imports import (
    Column,
    ImportKind,
    ImportResult,
    RowChecker,
    RowResult,
    Table,
    codes_of,
    fmt_decimal,
    for_row,
    parse_bool,
    parse_code,
    parse_date,
    parse_decimal,
    parse_int,
    parse_text,
)
from erp.models import Company, User
from inventory import selectors as inventory_selectors
from inventory.models import Item, ItemUnit
from purchasing.models import Supplier, SupplierItem
from purchasing.scoping import sees_all_suppliers
from purchasing.selectors import suppliers as selectors
from purchasing.services import suppliers as services
from sales.models import PaymentTerm, TaxCode

PRICE_PLACES = 4
QTY_PLACES = 4
TEXT_MAX = 2000
MAX_DAYS = 3650

SUPPLIER_COLUMNS = (
    Column("code", gettext_lazy("Code"), True, ("廠商代號", "廠商編號", "供應商代號"), ("供应商代码", "供应商编号"),
           ("supplier code", "supplier"), gettext_lazy("Letters, digits and . _ / - ; must not exist yet.")),
    Column("name", gettext_lazy("Name"), True, ("廠商名稱", "名稱", "公司名稱"), ("供应商名称", "名称", "公司名称"),
           ("supplier name",), gettext_lazy("Up to 200 characters.")),
    Column("short_name", gettext_lazy("Short name"), False, ("簡稱", "廠商簡稱"), ("简称", "供应商简称"),
           ("short name",), gettext_lazy("Up to 60 characters.")),
    Column("tax_id", gettext_lazy("Tax id"), False, ("統一編號", "統編"), ("统一社会信用代码", "税号", "纳税人识别号"),
           ("tax id", "vat number"),
           gettext_lazy("8 digits: a Taiwan 統一編號 (checked); 18 characters: a unified social credit code.")),
    Column("address", gettext_lazy("Address"), False, ("地址", "公司地址"), ("地址", "公司地址"), (),
           gettext_lazy("Free text.")),
    Column("remit_to_address", gettext_lazy("Remit-to address"), False, ("匯款地址", "通訊地址"),
           ("汇款地址", "通讯地址"), ("remit to",), gettext_lazy("Free text.")),
    Column("phone", gettext_lazy("Phone"), False, ("電話",), ("电话",), ("telephone",),
           gettext_lazy("Up to 40 characters.")),
    Column("email", gettext_lazy("Email"), False, ("電子郵件", "電郵"), ("电子邮件", "邮箱"), ("e-mail", "mail"),
           gettext_lazy("An e-mail address; may be empty.")),
    Column("payment_term", gettext_lazy("Payment term"), False, ("付款條件",), ("付款条件",),
           ("payment term", "terms"), gettext_lazy("An existing payment term code; may be empty.")),
    Column("tax_code", gettext_lazy("Tax code"), False, ("稅別", "稅碼"), ("税码", "税别"), ("tax code", "tax"),
           gettext_lazy("An existing tax code; may be empty.")),
    Column("lead_time_days", gettext_lazy("Lead time (days)"), False, ("前置時間", "交期天數"), ("提前期", "交期天数"),
           ("lead time",), gettext_lazy("Whole days; empty = the company's default.")),
    Column("buyer", gettext_lazy("Buyer"), False, ("採購員", "採購"), ("采购员", "采购"), ("username",),
           gettext_lazy("The buyer's user name; empty = you (a buyer) or nobody (a Purchasing manager).")),
)

SUPPLIER_PRICE_COLUMNS = (
    Column("supplier", gettext_lazy("Supplier code"), True, ("廠商代號", "廠商編號"), ("供应商代码", "供应商编号"),
           ("supplier",), gettext_lazy("An existing supplier you buy from.")),
    Column("item", gettext_lazy("Item code"), True, ("料號", "品號"), ("料号", "品号", "物料编码"), ("item",),
           gettext_lazy("An existing, active item that is bought.")),
    Column("unit", gettext_lazy("Unit"), False, ("單位", "採購單位"), ("单位", "采购单位"), ("unit code", "uom"),
           gettext_lazy("The item's base unit or one of its alternative units; empty = the base unit.")),
    Column("supplier_part_number", gettext_lazy("Supplier part number"), False, ("廠商料號",), ("供应商料号",),
           ("part number",), gettext_lazy("Up to 100 characters.")),
    Column("min_order_quantity", gettext_lazy("Minimum order quantity"), False, ("最小訂購量", "MOQ"),
           ("最小订购量",), ("moq",), gettext_lazy("In the unit; empty = 0.")),
    Column("order_multiple", gettext_lazy("Order multiple"), False, ("訂購倍數",), ("订购倍数",), ("multiple",),
           gettext_lazy("In the unit; empty = 0 (any quantity).")),
    Column("lead_time_days", gettext_lazy("Lead time (days)"), False, ("前置時間", "交期天數"), ("提前期", "交期天数"),
           ("lead time",), gettext_lazy("Whole days; empty = the supplier's lead time.")),
    Column("is_preferred", gettext_lazy("Preferred"), False, ("優先廠商", "主要廠商"), ("首选供应商", "主要供应商"),
           ("preferred supplier",), gettext_lazy("yes/no; one preferred supplier per item and date.")),
    Column("min_quantity", gettext_lazy("From quantity"), False, ("起訂數量", "數量起點"), ("起订数量", "数量起点"),
           ("from quantity", "quantity break"), gettext_lazy("The price applies from this quantity on; empty = 0.")),
    Column("price", gettext_lazy("Unit price"), True, ("單價", "價格"), ("单价", "价格"), ("unit price",),
           gettext_lazy("Zero or more, up to 4 decimal places.")),
    Column("valid_from", gettext_lazy("Valid from"), False, ("生效日", "生效日期"), ("生效日期",), ("from",),
           gettext_lazy("Date, e.g. 2026-11-25; may be empty.")),
    Column("valid_to", gettext_lazy("Valid to"), False, ("失效日", "截止日期"), ("失效日期", "截止日期"), ("to",),
           gettext_lazy("Date on or after the start date; may be empty.")),
)


# Suppliers -------------------------------------------------------------------------------------


def validate_suppliers(table: Table, *, company: Company, user: User) -> ImportResult:
    existing = set(Supplier.objects.filter(company=company, code__in=codes_of(table, "code"))
                   .values_list("code", flat=True))
    terms = {t.code: t for t in PaymentTerm.objects.restrict(user).filter(is_active=True)}
    tax_codes = {t.code: t for t in TaxCode.objects.restrict(user).filter(is_active=True)}
    usernames = {str(raw.get("buyer")).strip() for _n, raw in table.rows if raw.get("buyer") not in (None, "")}
    users = {u.username: u for u in User.objects.filter(company=company, username__in=usernames)} if usernames else {}
    sees_all = sees_all_suppliers(user)
    seen: dict[str, int] = {}
    rows: list[RowResult] = []
    for number, raw in table.rows:
        check = RowChecker(table, number, raw)
        check.take_unique("code", seen, existing, _("supplier “%(code)s” already exists."))
        check.take("name", parse_text, max_length=200, required=True)
        check.take("short_name", parse_text, max_length=60)
        tax_id = check.take("tax_id", parse_text, max_length=20)
        if tax_id:
            tax_id = normalise_tax_id(tax_id)
            check.row.values["tax_id"] = tax_id
            check.show("tax_id", tax_id)
            if message := tax_id_error(tax_id):
                check.error("tax_id", str(message))
        for key in ("address", "remit_to_address"):
            check.take(key, parse_text, max_length=TEXT_MAX)
        check.take("phone", parse_text, max_length=40)
        email = check.take("email", parse_text, max_length=254)
        if email:
            try:
                validate_email(email)
            except ValidationError:
                check.error("email", _("“%(value)s” is not an e-mail address.") % {"value": email})
        for key, records, noun in (("payment_term", terms, _("payment term")), ("tax_code", tax_codes, _("tax code"))):
            code = check.take(key, parse_code, required=False)
            check.row.values[key] = None
            if code:
                if code not in records:
                    check.error(key, _("%(noun)s “%(code)s” does not exist or is inactive.") % {
                        "noun": noun, "code": code})
                else:
                    check.row.values[key] = records[code]
        check.take("lead_time_days", parse_int, maximum=MAX_DAYS)
        username = check.take("buyer", parse_text, max_length=150)
        buyer = None
        if username:
            buyer = users.get(username)
            if buyer is None or not buyer.is_active:
                check.error("buyer", _("user “%(name)s” does not exist in your company or is inactive.") % {
                    "name": username})
                buyer = None
            elif not sees_all and buyer.pk != user.pk:
                check.error("buyer", _("only a Purchasing manager may give a supplier to another buyer."))
                buyer = None
        check.row.values["buyer"] = buyer
        rows.append(check.row)
    return ImportResult(table=table, rows=rows)


SUPPLIER_FIELDS = ("code", "name", "short_name", "tax_id", "address", "remit_to_address", "phone", "email",
                   "payment_term", "tax_code", "lead_time_days", "buyer")


def commit_suppliers(result: ImportResult, *, company: Company, user: User) -> int:
    for row in result.rows:
        fields = {key: row.values[key] for key in SUPPLIER_FIELDS if row.values.get(key) not in (None, "")}
        for_row(row, services.supplier_create, company=company, actor=user, **fields)
    return len(result.rows)


# Supplier prices -------------------------------------------------------------------------------

GroupKey = tuple[int, int, int]  # supplier, item, unit


def validate_supplier_prices(table: Table, *, company: Company, user: User) -> ImportResult:
    suppliers = {s.code: s for s in selectors.suppliers_for_user(user).filter(code__in=codes_of(table, "supplier"))}
    items = {i.code: i for i in inventory_selectors.item_list(user).filter(code__in=codes_of(table, "item"))}
    units_of = {item.pk: {item.base_unit_id} for item in items.values()}
    if items:
        for item_id, unit_id in ItemUnit.objects.filter(item__in=list(items.values())).values_list("item_id",
                                                                                                 "unit_id"):
            units_of[item_id].add(unit_id)
    units = {u.code: u for u in inventory_selectors.units_for_user(user)}
    seen: dict[tuple[GroupKey, Decimal, datetime.date | None], int] = {}
    rows: list[RowResult] = []
    for number, raw in table.rows:
        check = RowChecker(table, number, raw)
        supplier = None
        if supplier_code := check.take("supplier", parse_code):
            check.show("supplier", supplier_code)
            supplier = suppliers.get(supplier_code)
            if supplier is None:
                check.error("supplier", _("supplier “%(code)s” does not exist or you do not buy from it.") % {
                    "code": supplier_code})
        item: Item | None = None
        if item_code := check.take("item", parse_code):
            check.show("item", item_code)
            item = items.get(item_code)
            if item is None:
                check.error("item", _("item “%(code)s” does not exist.") % {"code": item_code})
            elif not item.is_active or not services.is_buyable(item):
                check.error("item", _("item “%(code)s” is inactive or not bought.") % {"code": item_code})
                item = None
        unit = None
        unit_code = check.take("unit", parse_code, required=False)
        if unit_code:
            check.show("unit", unit_code)
            unit = units.get(unit_code)
            if unit is None:
                check.error("unit", _("unit “%(code)s” does not exist.") % {"code": unit_code})
            elif item is not None and unit.pk not in units_of[item.pk]:
                check.error("unit", _("%(item)s has no unit %(unit)s.") % {"item": item.code, "unit": unit_code})
                unit = None
        elif item is not None:
            unit = item.base_unit
        check.take("supplier_part_number", parse_text, max_length=100)
        for key in ("min_order_quantity", "order_multiple"):
            value = check.take(key, parse_decimal, default=Decimal("0"), places=QTY_PLACES)
            if value is not None:
                check.show(key, fmt_decimal(value))
        check.take("lead_time_days", parse_int, maximum=MAX_DAYS)
        check.take("is_preferred", parse_bool, default=False)
        min_quantity = check.take("min_quantity", parse_decimal, default=Decimal("0"), places=QTY_PLACES)
        if min_quantity is not None:
            check.show("min_quantity", fmt_decimal(min_quantity))
        price = check.take("price", parse_decimal, required=True, places=PRICE_PLACES)
        if price is not None:
            check.show("price", fmt_decimal(price))
        valid_from = check.take("valid_from", parse_date)
        valid_to = check.take("valid_to", parse_date)
        for key, date in (("valid_from", valid_from), ("valid_to", valid_to)):
            if date is not None:
                check.show(key, date.isoformat())
        if valid_from and valid_to and valid_to < valid_from:
            check.error("valid_to", _("the end date is before the start date."))
        check.row.values.update(supplier_obj=supplier, item_obj=item, unit_obj=unit)
        if supplier is not None and item is not None and unit is not None and min_quantity is not None:
            key = ((supplier.pk, item.pk, unit.pk), min_quantity.normalize(), valid_from)
            if key in seen:
                check.error("", _("the same supplier item, quantity break and start date already appear in row "
                                  "%(row)s.") % {"row": seen[key]})
            seen.setdefault(key, number)
        rows.append(check.row)
    return ImportResult(table=table, rows=rows)


def lock_supplier_prices(table: Table, *, company: Company) -> None:
    """Lock the file's items (in pk order): the same lock the supplier item service takes."""
    codes = codes_of(table, "item")
    if codes:
        list(Item.objects.filter(company=company, code__in=codes).order_by("pk").select_for_update()
             .values_list("pk", flat=True))


def commit_supplier_prices(result: ImportResult, *, company: Company, user: User) -> int:
    groups: dict[GroupKey, list[RowResult]] = {}
    for row in result.rows:
        key = (row.values["supplier_obj"].pk, row.values["item_obj"].pk, row.values["unit_obj"].pk)
        groups.setdefault(key, []).append(row)
    existing = {(r.supplier_id, r.item_id, r.unit_id): r for r in SupplierItem.objects.filter(
        supplier_id__in={k[0] for k in groups}, item_id__in={k[1] for k in groups})}
    for key in sorted(groups):
        rows = groups[key]
        first = rows[0].values
        fields = {"item": first["item_obj"], "unit": first["unit_obj"], "is_preferred": first["is_preferred"],
                  "min_order_quantity": first["min_order_quantity"], "order_multiple": first["order_multiple"],
                  "lead_time_days": first.get("lead_time_days")}
        if first.get("supplier_part_number"):
            fields["supplier_part_number"] = first["supplier_part_number"]
        prices = [{"min_quantity": r.values["min_quantity"], "price": r.values["price"],
                   "valid_from": r.values.get("valid_from"), "valid_to": r.values.get("valid_to")} for r in rows]
        for_row(rows[0], services.supplier_item_save, supplier=first["supplier_obj"], supplier_item=existing.get(key),
                actor=user, prices=prices, **fields)
    return len(result.rows)


SUPPLIERS = ImportKind(
    app_label="purchasing", key="suppliers", label=gettext_lazy("Suppliers"), permission="purchasing.add_supplier",
    columns=SUPPLIER_COLUMNS, validator=validate_suppliers, committer=commit_suppliers,
    done_message=gettext_lazy("%(count)s suppliers imported."),
)
SUPPLIER_PRICES = ImportKind(
    app_label="purchasing", key="supplier_prices", segment="supplier-prices", label=gettext_lazy("Supplier prices"),
    permission="purchasing.add_supplieritem", columns=SUPPLIER_PRICE_COLUMNS, validator=validate_supplier_prices,
    committer=commit_supplier_prices, done_message=gettext_lazy("%(count)s supplier prices imported."),
    lock=lock_supplier_prices,
)
KINDS = (SUPPLIERS, SUPPLIER_PRICES)
