"""Validation and pricing of quotation and order lines, and the header checks and defaults, shared
by both documents."""

import datetime
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any, NoReturn, TypedDict

from django.utils import timezone
from django.utils.translation import gettext as _

from erp.errors import DomainError
from erp.models import Company, User
from erp.money import Number, format_cost
from inventory.models import Item, ItemUnit, UnitOfMeasure
from inventory.units import to_base
from sales.errors import InvalidSalesLine
from sales.models import Customer, SalesDocument, TaxCode
from sales.services.masterdata import check_can_serve, check_terms_unchanged
from sales.services.pricing import document_totals, line_amount, pick_price, price_list_for, prices_for

LINE_FIELDS = ("item", "description", "quantity", "unit", "quantity_base", "list_price", "unit_price",
               "discount_percent", "tax_code", "tax_rate", "net_amount", "requested_date")


class LineInput(TypedDict, total=False):
    """A line as a form or the API gives it to ``priced_lines`` (only ``item`` and ``quantity`` are
    needed; a blank unit price takes the list price)."""

    item: Item | None
    quantity: Number | None
    unit: UnitOfMeasure | None
    unit_price: Number | None
    discount_percent: Number | None
    tax_code: TaxCode | None
    requested_date: datetime.date | None
    description: str | None


class PricedLine(TypedDict):
    """A checked and priced line: the fields of a QuotationLine or SalesOrderLine."""

    line_no: int
    item: Item
    description: str
    quantity: Decimal
    unit: UnitOfMeasure
    quantity_base: Decimal
    list_price: Decimal | None
    unit_price: Decimal
    discount_percent: Decimal
    tax_code: TaxCode | None
    tax_rate: Decimal
    net_amount: Decimal
    requested_date: datetime.date | None


def refuse(n: int, message: str, field: str = "lines") -> NoReturn:
    raise InvalidSalesLine(_("Line %(n)s: ") % {"n": n} + message, field=field)


def default_tax_code(company: Company) -> TaxCode | None:
    return TaxCode.objects.filter(company=company, is_default=True, is_active=True).order_by("pk").first()


def check_header(*, company: Company, customer: Customer | None, actor: User | None,
                 requested_date: datetime.date | None = None, today: datetime.date | None = None) -> Customer:
    """The document's customer, checked: of this company, active, and served by ``actor``."""
    if customer is None:
        raise DomainError(_("Choose a customer."), field="customer")
    if customer.company_id != company.pk:
        raise DomainError(_("This customer belongs to another company."), field="customer")
    if not customer.is_active:
        raise DomainError(_("Customer %(customer)s is inactive.") % {"customer": customer.code}, field="customer")
    check_can_serve(actor, customer)
    today = today or timezone.localdate()
    if requested_date is not None and requested_date < today:
        raise DomainError(_("The requested date is in the past."), field="requested_date")
    return customer


def fill_from_customer(document: SalesDocument, customer: Customer, actor: User | None) -> None:
    """Defaults a new document takes from its customer (the rep, terms, price list, address)."""
    document.customer = customer
    if not document.sales_rep_id:
        document.sales_rep = customer.owner or actor
    if not document.payment_term_id:
        document.payment_term = customer.payment_term
    document.currency = customer.currency or document.currency
    document.price_list = price_list_for(customer)
    if not document.ship_to:
        document.ship_to = customer.shipping_address or customer.billing_address


def check_document_terms(document: SalesDocument, customer: Customer, actor: User | None,
                         before: tuple[int | None, int | None] | None) -> None:
    """After ``fill_from_customer``: without the permission to manage the commercial terms, a new
    document's rep is the user or the customer's rep and its terms the customer's; a saved one keeps
    ``before`` (its rep and terms as they were)."""
    allowed: dict[str, list[Any]]
    if before is None:
        allowed = {"sales_rep": [actor, customer.owner_id], "payment_term": [customer.payment_term_id]}
    else:
        allowed = {"sales_rep": [before[0]], "payment_term": [before[1]]}
    check_terms_unchanged(actor, {"sales_rep": document.sales_rep_id, "payment_term": document.payment_term_id},
                          allowed)


def priced_lines(*, company: Company, customer: Customer, lines: Sequence[LineInput], actor: User | None,
                 on_date: datetime.date, default_requested_date: datetime.date | None = None,
                 today: datetime.date | None = None) -> list[PricedLine]:
    """Check ``lines`` (dicts: item, quantity, unit, unit_price?, discount_percent?, tax_code?,
    requested_date?, description?) and return them completed with base quantity, list price, tax
    rate and amount. Raises InvalidSalesLine naming the line; nothing is written."""
    if not lines:
        raise InvalidSalesLine(_("Add at least one line."), field="lines")
    today = today or timezone.localdate()
    items = [line.get("item") for line in lines]
    item_ids = [item.pk for item in items if item is not None]
    factors: dict[int, dict[int, Decimal]] = {}
    for row in ItemUnit.objects.filter(item_id__in=item_ids).values("item_id", "unit_id", "factor"):
        factors.setdefault(row["item_id"], {})[row["unit_id"]] = row["factor"]
    price_list = price_list_for(customer)
    prices = prices_for(price_list, item_ids, on_date)
    fallback_tax = customer.tax_code if customer.tax_code_id else default_tax_code(company)
    may_override = actor is None or actor.has_perm("sales.override_price")
    checked: list[PricedLine] = []
    for n, line in enumerate(lines, start=1):
        item, unit, quantity = line.get("item"), line.get("unit"), line.get("quantity")
        if item is None:
            refuse(n, _("choose an item."))
        if item.company_id != company.pk:
            refuse(n, _("the item belongs to another company."))
        if not item.is_active:
            refuse(n, _("%(item)s is inactive and cannot be sold.") % {"item": item.code})
        if quantity is None or Decimal(quantity) <= 0:
            refuse(n, _("the quantity must be greater than zero."))
        unit = unit or item.base_unit
        quantity_base = to_base(item, quantity, unit, factors.get(item.pk, {}))
        if quantity_base is None:
            refuse(n, _("%(item)s is not sold in %(unit)s: choose one of its units.")
                   % {"item": item.code, "unit": unit.code})
        list_price = pick_price(prices.get(item.pk, []), item=item, unit=unit, quantity=Decimal(quantity),
                                quantity_base=quantity_base)
        unit_price = line.get("unit_price")
        if unit_price is None or unit_price == "":
            if list_price is None:
                refuse(n, _("%(item)s has no price on the price list: enter a unit price.") % {"item": item.code})
            unit_price = list_price
        unit_price = Decimal(unit_price)
        if unit_price < 0:
            refuse(n, _("the unit price must not be negative."))
        if list_price is not None and unit_price != list_price and not may_override:
            refuse(n, _("only a sales manager may change the list price (%(price)s).")
                   % {"price": format_cost(list_price, company)})
        discount = Decimal(line.get("discount_percent") or 0)
        if not 0 <= discount <= 100:
            refuse(n, _("the discount must be between 0 and 100 %."))
        if discount and not may_override and list_price is not None:
            refuse(n, _("only a sales manager may give a discount."))
        tax_code = line.get("tax_code") or fallback_tax
        if tax_code is not None and tax_code.company_id != company.pk:
            refuse(n, _("the tax code belongs to another company."))
        requested = line.get("requested_date") or default_requested_date
        if requested is not None and requested < today:
            refuse(n, _("the requested date is in the past."))
        checked.append({
            "line_no": n, "item": item, "description": (line.get("description") or "")[:300],
            "quantity": Decimal(quantity), "unit": unit, "quantity_base": quantity_base, "list_price": list_price,
            "unit_price": unit_price, "discount_percent": discount, "tax_code": tax_code,
            "tax_rate": tax_code.rate if tax_code else Decimal("0"),
            "net_amount": line_amount(quantity, unit_price, discount), "requested_date": requested,
        })
    return checked


def apply_totals(document: SalesDocument, lines: Iterable[PricedLine]) -> None:
    document.net_amount, document.tax_amount, document.total_amount = document_totals(
        (line["net_amount"], line["tax_rate"]) for line in lines
    )
