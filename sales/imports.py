"""Sales's kinds of import, on the core's import engine (``erp.imports``): customers and prices.

Each kind declares its columns (with the zh-Hant and zh-Hans headers people type), its row checks and
its writes through ``sales.services.masterdata``. Existing codes, price lists, items, units, users and
prices are read once into dicts, so the number of queries does not grow with the number of rows.
``SalesConfig.ready()`` registers the kinds; ``sales.views.imports`` gives them their screens.

- Customers: new customers only (a code that exists is an error, as for items). A sales rep's imported
  customers are their own, with the default terms: only a user who may manage the commercial terms
  (``sales.manage_commercial_terms``) names another rep in ``owner`` or fills the credit limit, price
  list or payment term (the service refuses them too).
- Prices (for users who may manage the commercial terms): rows go into existing price lists. A row
  with the price list, item, unit, quantity break and start date of a price already there replaces
  that price; the list's other prices stay.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from decimal import Decimal
from typing import Protocol, TypeVar

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from erp.errors import DomainError
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
    parse_code,
    parse_date,
    parse_decimal,
    parse_text,
    validation_text,
)
from erp.models import Company, User
from inventory import selectors as inventory_selectors
from inventory.models import ItemUnit
from sales import selectors
from sales.models import Customer, PaymentTerm, PriceList, PriceListItem, TaxCode
from sales.scoping import may_manage_terms
from sales.services import masterdata as services

MONEY_PLACES = 2
PRICE_PLACES = 4
TEXT_MAX = 2000


CUSTOMER_COLUMNS = (
    Column("code", gettext_lazy("Code"), True, ("客戶代號", "客戶編號", "客戶代碼"),
           ("客户代码", "客户编号", "客户代号"), ("customer code", "customer"),
           gettext_lazy("Letters, digits and . _ / - ; must not exist yet.")),
    Column("name", gettext_lazy("Name"), True, ("客戶名稱", "名稱", "公司名稱"), ("客户名称", "名称", "公司名称"),
           ("customer name",), gettext_lazy("Up to 200 characters.")),
    Column("short_name", gettext_lazy("Short name"), False, ("簡稱", "客戶簡稱"), ("简称", "客户简称"),
           ("short name",), gettext_lazy("Up to 60 characters.")),
    Column("tax_id", gettext_lazy("Tax id"), False, ("統一編號", "統編"), ("统一社会信用代码", "税号", "纳税人识别号"),
           ("tax id", "vat number"),
           gettext_lazy("8 digits: a Taiwan 統一編號 (checked); 18 characters: a unified social credit code.")),
    Column("billing_address", gettext_lazy("Billing address"), False, ("帳單地址", "發票地址"),
           ("账单地址", "开票地址"), ("billing address", "address"), gettext_lazy("Free text.")),
    Column("shipping_address", gettext_lazy("Shipping address"), False, ("送貨地址", "出貨地址"),
           ("送货地址", "收货地址"), ("shipping address", "ship to"), gettext_lazy("Free text.")),
    Column("phone", gettext_lazy("Phone"), False, ("電話",), ("电话",), ("telephone",),
           gettext_lazy("Up to 40 characters.")),
    Column("email", gettext_lazy("Email"), False, ("電子郵件", "電郵"), ("电子邮件", "邮箱"), ("e-mail", "mail"),
           gettext_lazy("An e-mail address; may be empty.")),
    Column("payment_term", gettext_lazy("Payment term"), False, ("付款條件",), ("付款条件",),
           ("payment term", "terms"), gettext_lazy("An existing payment term code; may be empty.")),
    Column("credit_limit", gettext_lazy("Credit limit"), False, ("信用額度",), ("信用额度",), ("credit limit",),
           gettext_lazy("Zero or more, 2 decimal places; empty = no limit.")),
    Column("price_list", gettext_lazy("Price list"), False, ("價目表", "價格表"), ("价目表", "价格表"),
           ("price list",), gettext_lazy("An existing price list code; empty = the default price list.")),
    Column("tax_code", gettext_lazy("Tax code"), False, ("稅別", "稅碼"), ("税码", "税别"), ("tax code", "tax"),
           gettext_lazy("An existing tax code; empty = the default tax code.")),
    Column("owner", gettext_lazy("Sales rep"), False, ("業務", "業務員", "負責業務"), ("业务员", "销售员", "负责人"),
           ("sales rep", "rep", "username"),
           gettext_lazy("The rep's user name; empty = you (a sales rep) or nobody (a sales manager).")),
)

PRICE_COLUMNS = (
    Column("price_list", gettext_lazy("Price list"), True, ("價目表", "價目表代號"), ("价目表", "价目表代码"),
           ("price list", "list"), gettext_lazy("An existing price list code.")),
    Column("item", gettext_lazy("Item code"), True, ("料號", "品號"), ("料号", "品号", "物料编码"),
           ("item code", "code"),
           gettext_lazy("An existing, active item.")),
    Column("unit", gettext_lazy("Unit"), True, ("單位",), ("单位",), ("unit code", "uom"),
           gettext_lazy("The item's base unit or one of its alternative units.")),
    Column("min_quantity", gettext_lazy("From quantity"), False, ("起訂數量", "數量起點"), ("起订数量", "数量起点"),
           ("from quantity", "min quantity", "quantity break"),
           gettext_lazy("The price applies from this quantity (in the unit) on; empty = 0.")),
    Column("price", gettext_lazy("Unit price"), True, ("單價", "價格"), ("单价", "价格"), ("unit price",),
           gettext_lazy("Zero or more, up to 4 decimal places.")),
    Column("valid_from", gettext_lazy("Valid from"), False, ("生效日", "生效日期"), ("生效日期",),
           ("valid from", "from"),
           gettext_lazy("Date, e.g. 2026-11-25; may be empty.")),
    Column("valid_to", gettext_lazy("Valid to"), False, ("失效日", "截止日期"), ("失效日期", "截止日期"),
           ("valid to", "to"),
           gettext_lazy("Date on or after the start date; may be empty.")),
)


class ActiveRecord(Protocol):
    is_active: bool


R = TypeVar("R", bound=ActiveRecord)


def lookup_code(check: RowChecker, key: str, records: Mapping[str, R], noun: str) -> R | None:
    """The active record whose code the row names in ``key`` (None when empty or in error)."""
    code = check.take(key, parse_code, required=False)
    if not code:
        return None
    check.show(key, code)
    record = records.get(code)
    if record is None:
        check.error(key, _("%(noun)s “%(code)s” does not exist.") % {"noun": noun, "code": code})
        return None
    if not record.is_active:
        check.error(key, _("%(noun)s “%(code)s” is inactive.") % {"noun": noun, "code": code})
        return None
    return record


# Customers -------------------------------------------------------------------------------------


def validate_customers(table: Table, *, company: Company, user: User) -> ImportResult:
    codes = codes_of(table, "code")
    # A code is unique in the company whoever serves the customer: the whole company's codes.
    existing = set(Customer.objects.filter(company=company, code__in=codes).values_list("code", flat=True))
    terms = {t.code: t for t in selectors.payment_terms_for_user(user)}
    price_lists = {p.code: p for p in PriceList.objects.restrict(user)}
    tax_codes = {t.code: t for t in selectors.tax_codes_for_user(user)}
    usernames = {str(raw.get("owner")).strip() for _n, raw in table.rows if raw.get("owner") not in (None, "")}
    users = {u.username: u for u in User.objects.filter(company=company, username__in=usernames)} if usernames else {}
    manages_terms = may_manage_terms(user)
    nouns = {"payment_term": _("payment term"), "price_list": _("price list"), "tax_code": _("tax code")}
    records: dict[str, Mapping[str, PaymentTerm | PriceList | TaxCode]] = {
        "payment_term": terms, "price_list": price_lists, "tax_code": tax_codes}

    seen: dict[str, int] = {}
    rows: list[RowResult] = []
    for number, raw in table.rows:
        check = RowChecker(table, number, raw)
        check.take_unique("code", seen, existing, _("customer “%(code)s” already exists."))
        check.take("name", parse_text, max_length=200, required=True)
        check.take("short_name", parse_text, max_length=60)
        tax_id = check.take("tax_id", parse_text, max_length=20)
        if tax_id:
            tax_id = normalise_tax_id(tax_id)
            check.row.values["tax_id"] = tax_id
            check.show("tax_id", tax_id)
            if message := tax_id_error(tax_id):
                check.error("tax_id", str(message))
        for key in ("billing_address", "shipping_address"):
            check.take(key, parse_text, max_length=TEXT_MAX)
        check.take("phone", parse_text, max_length=40)
        email = check.take("email", parse_text, max_length=254)
        if email:
            try:
                validate_email(email)
            except ValidationError:
                check.error("email", _("“%(value)s” is not an e-mail address.") % {"value": email})
        credit_limit = check.take("credit_limit", parse_decimal, places=MONEY_PLACES)
        if credit_limit is not None:
            check.show("credit_limit", fmt_decimal(credit_limit))
        for key in ("payment_term", "price_list", "tax_code"):
            check.row.values[key] = lookup_code(check, key, records[key], nouns[key])
        if not manages_terms:
            for key, message in (("credit_limit", _("only a sales manager may set the credit limit.")),
                                 ("payment_term", _("only a sales manager may set the payment terms.")),
                                 ("price_list", _("only a sales manager may set the price list.")),
                                 ("tax_code", _("only a sales manager may set the tax code."))):
                value = check.row.values.get(key)
                if value is not None and not (key == "tax_code" and value.is_default):  # the default: as if empty
                    check.error(key, message)
        username = check.take("owner", parse_text, max_length=150)
        owner = None
        if username:
            owner = users.get(username)
            if owner is None or not owner.is_active:
                check.error("owner", _("user “%(name)s” does not exist in your company or is inactive.") % {
                    "name": username})
                owner = None
            elif not manages_terms and owner.pk != user.pk:
                check.error("owner", _("only a sales manager may give a customer to another sales rep."))
                owner = None
        check.row.values["owner"] = owner
        rows.append(check.row)
    return ImportResult(table=table, rows=rows)


CUSTOMER_FIELDS = ("code", "name", "short_name", "tax_id", "billing_address", "shipping_address", "phone", "email",
                   "payment_term", "credit_limit", "price_list", "tax_code", "owner")


def commit_customers(result: ImportResult, *, company: Company, user: User) -> int:
    for row in result.rows:
        fields = {key: row.values[key] for key in CUSTOMER_FIELDS if row.values.get(key) is not None}
        for_row(row, services.customer_create, company=company, actor=user, **fields)
    return len(result.rows)


# Prices ----------------------------------------------------------------------------------------


PriceKey = tuple[int, int, Decimal, datetime.date | None]


def price_key(item_id: int, unit_id: int, min_quantity: Decimal | None, valid_from: datetime.date | None) -> PriceKey:
    return (item_id, unit_id, Decimal(min_quantity or 0).normalize(), valid_from)


def validate_prices(table: Table, *, company: Company, user: User) -> ImportResult:
    price_lists = {p.code: p for p in PriceList.objects.restrict(user).filter(code__in=codes_of(table, "price_list"))}
    items = {i.code: i for i in inventory_selectors.item_list(user).filter(code__in=codes_of(table, "item"))}
    units_of = {item.pk: {item.base_unit_id} for item in items.values()}
    if items:
        for item_id, unit_id in ItemUnit.objects.filter(item__in=list(items.values())).values_list("item_id",
                                                                                                 "unit_id"):
            units_of[item_id].add(unit_id)
    units = {u.code: u for u in inventory_selectors.units_for_user(user)}
    current: dict[tuple[int, int, int, Decimal, datetime.date | None], Decimal] = {}
    if price_lists:
        for p in PriceListItem.objects.filter(price_list__in=list(price_lists.values())).values(
                "price_list_id", "item_id", "unit_id", "min_quantity", "valid_from", "price"):
            key = price_key(p["item_id"], p["unit_id"], p["min_quantity"], p["valid_from"])
            current[(p["price_list_id"], *key)] = p["price"]

    seen: dict[tuple[int, int, int, Decimal, datetime.date | None], int] = {}
    rows: list[RowResult] = []
    for number, raw in table.rows:
        check = RowChecker(table, number, raw)
        price_list = None
        list_code = check.take("price_list", parse_code)
        if list_code:
            check.show("price_list", list_code)
            price_list = price_lists.get(list_code)
            if price_list is None:
                check.error("price_list", _("price list “%(code)s” does not exist.") % {"code": list_code})
        item = None
        item_code = check.take("item", parse_code)
        if item_code:
            check.show("item", item_code)
            item = items.get(item_code)
            if item is None:
                check.error("item", _("item “%(code)s” does not exist.") % {"code": item_code})
            elif not item.is_active:
                check.error("item", _("item “%(code)s” is inactive.") % {"code": item_code})
                item = None
        unit = None
        unit_code = check.take("unit", parse_code)
        if unit_code:
            check.show("unit", unit_code)
            unit = units.get(unit_code)
            if unit is None:
                check.error("unit", _("unit “%(code)s” does not exist.") % {"code": unit_code})
            elif item is not None and unit.pk not in units_of[item.pk]:
                check.error("unit", _("%(item)s has no unit %(unit)s.") % {"item": item.code, "unit": unit_code})
                unit = None
        min_quantity = check.take("min_quantity", parse_decimal, default=Decimal("0"), places=PRICE_PLACES)
        if min_quantity is not None:
            check.show("min_quantity", fmt_decimal(min_quantity))
        price = check.take("price", parse_decimal, required=True, places=PRICE_PLACES)
        if price is not None:
            check.show("price", fmt_decimal(price))
        valid_from = check.take("valid_from", parse_date)
        valid_to = check.take("valid_to", parse_date)
        for date_key, date in (("valid_from", valid_from), ("valid_to", valid_to)):
            if date is not None:
                check.show(date_key, date.isoformat())
        if valid_from and valid_to and valid_to < valid_from:
            check.error("valid_to", _("the end date is before the start date."))
        check.row.values.update(price_list_obj=price_list, item_obj=item, unit_obj=unit)

        if price_list is not None and item is not None and unit is not None and min_quantity is not None \
                and not check.failed("valid_from"):
            row_key = (price_list.pk, *price_key(item.pk, unit.pk, min_quantity, valid_from))
            if row_key in seen:
                check.error("", _("the same price list, item, unit, quantity break and start date already appear "
                                  "in row %(row)s.") % {"row": seen[row_key]})
            elif row_key in current:
                check.row.notes.append(_("Replaces the current price %(price)s.") % {
                    "price": fmt_decimal(current[row_key])})
            seen.setdefault(row_key, number)
        rows.append(check.row)
    return ImportResult(table=table, rows=rows)


def lock_prices(table: Table, *, company: Company) -> None:
    """Lock the file's price lists (in pk order) so two imports into one list do not interleave."""
    codes = codes_of(table, "price_list")
    if codes:
        list(PriceList.objects.filter(company=company, code__in=codes).order_by("pk").select_for_update()
             .values_list("pk", flat=True))


def commit_prices(result: ImportResult, *, company: Company, user: User) -> int:
    """Per price list: its current prices, with those the file names replaced, saved as a whole through
    ``price_list_save(prices=…)``."""
    by_list: dict[int, list[RowResult]] = {}
    for row in result.rows:
        by_list.setdefault(row.values["price_list_obj"].pk, []).append(row)
    for rows in (by_list[pk] for pk in sorted(by_list)):
        price_list = rows[0].values["price_list_obj"]
        new = [{"item": r.values["item_obj"], "unit": r.values["unit_obj"], "price": r.values["price"],
                "min_quantity": r.values["min_quantity"], "valid_from": r.values.get("valid_from"),
                "valid_to": r.values.get("valid_to")} for r in rows]
        replaced = {price_key(p["item"].pk, p["unit"].pk, p["min_quantity"], p["valid_from"]) for p in new}
        kept = [
            {"item": p.item, "unit": p.unit, "price": p.price, "min_quantity": p.min_quantity,
             "valid_from": p.valid_from, "valid_to": p.valid_to}
            for p in price_list.prices.select_related("item", "unit").order_by("pk")
            if price_key(p.item_id, p.unit_id, p.min_quantity, p.valid_from) not in replaced
        ]
        try:
            services.price_list_save(company=company, price_list=price_list, prices=kept + new, actor=user)
        except (DomainError, ValidationError) as error:
            message = error.message if isinstance(error, DomainError) else validation_text(error)
            raise DomainError(_("Price list %(code)s: %(message)s") % {"code": price_list.code,
                                                                       "message": message}) from None
    return len(result.rows)


CUSTOMERS = ImportKind(
    app_label="sales", key="customers", label=gettext_lazy("Customers"), permission="sales.add_customer",
    columns=CUSTOMER_COLUMNS, validator=validate_customers, committer=commit_customers,
    done_message=gettext_lazy("%(count)s customers imported."),
)
PRICES = ImportKind(
    app_label="sales", key="prices", label=gettext_lazy("Prices"), permission="sales.manage_commercial_terms",
    columns=PRICE_COLUMNS, validator=validate_prices, committer=commit_prices,
    done_message=gettext_lazy("%(count)s prices imported."), lock=lock_prices,
)
# In the order the screens offer them.
KINDS = (CUSTOMERS, PRICES)
