"""Order and quotation entry: the create/edit screen of the two kinds (the generic document form with
totals as you type) and its htmx helpers: the item lookup of a line, the customer lookup of the
header, a line re-priced after a change, the totals of the form being typed.

The totals are computed by the same pricing functions as sales.services (line rounding, tax per
rate on the document); the services compute them again when the draft is saved.
"""

from __future__ import annotations

import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from erp.document_screens.views import DocumentFormView
from erp.forms import LINE_PREFIX, line_lookup_query
from erp.money import plain
from erp.permissions import permission_required, user_company
from inventory import selectors as inventory_selectors
from inventory.models import Item
from inventory.units import to_base
from sales import selectors
from sales.forms import documents as forms
from sales.services.lines import default_tax_code
from sales.services.pricing import document_totals, line_amount, pick_price, price_list_for, prices_for

LOOKUP_LIMIT = 10
ZERO = Decimal("0")


def number(text: Any) -> Decimal | None:
    """A decimal typed by the user, or None."""
    try:
        value = Decimal(str(text).strip().replace(",", ""))
    except (InvalidOperation, ValueError):
        return None
    return value if value.is_finite() else None


# The entry form ------------------------------------------------------------------------------


def form_kwargs(request: HttpRequest) -> dict[str, Any]:
    return {"user": request.user, "company": user_company(request.user)}


def initial_of(header_form: type[Any]) -> Any:
    """A draft's header and lines as the entry form shows them (prices as typed: 100, not 100.0000)."""

    def initial(document: Any) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        header = {name: getattr(document, name) for name in header_form.base_fields if name != "customer"}
        header["customer"] = document.customer_id
        lines = [
            {"item": line.item, "description": line.description, "quantity": plain(line.quantity),
             "unit": line.unit_id, "list_price": plain(line.list_price), "unit_price": plain(line.unit_price),
             "discount_percent": plain(line.discount_percent) if line.discount_percent else "",
             "tax_code": line.tax_code_id, "requested_date": line.requested_date, "amount": line.net_amount}
            for line in document.lines.select_related("item", "item__base_unit").order_by("line_no", "pk")
        ]
        return header, lines

    return initial


class SalesEntryView(DocumentFormView):
    """The generic create/edit screen, plus the totals (and each line's amount) of what is shown."""

    def extra_context(self, document: Any, header: Any, formset: Any, data: QueryDict | None) -> dict[str, Any]:
        if data is not None:
            totals = preview_totals(self.user, user_company(self.user), data)
            for form in formset.forms:
                form.amount = totals["amounts"].get(form.prefix)
        else:
            codes = ([line.tax_code for line in document.lines.select_related("tax_code")] if document
                     else [default_tax_code(user_company(self.user))])  # a new document: the default tax
            totals = {"net": getattr(document, "net_amount", ZERO), "tax": getattr(document, "tax_amount", ZERO),
                      "total": getattr(document, "total_amount", ZERO), "tax_label": selectors.tax_label(codes)}
            for form, row in zip(formset.forms, formset.initial or [], strict=False):
                form.amount = row["amount"]
        return {"totals": totals, "can_override": self.user.has_perm("sales.override_price")}


# Prices and totals ---------------------------------------------------------------------------


class Prices:
    """List prices for one customer (or the company's default list) on one date: one query."""

    def __init__(self, user: Any, company: Any, customer_id: Any, on_date: datetime.date, item_ids: Any) -> None:
        customer = None
        if company is not None and str(customer_id).isdigit():
            customer = (selectors.customers_for_user(user).filter(pk=int(customer_id))
                        .select_related("price_list", "tax_code").first())
        price_list: Any
        if customer is not None:
            price_list = price_list_for(customer)
            self.fallback_tax = customer.tax_code if customer.tax_code_id else default_tax_code(company)
        elif company is not None:
            price_list = (selectors.price_lists_for_user(user).filter(is_default=True, is_active=True)
                          .order_by("pk").first())
            self.fallback_tax = default_tax_code(company)
        else:
            price_list, self.fallback_tax = None, None
        self.rows = prices_for(price_list, list(item_ids), on_date) if price_list else {}

    def list_price(self, item: Any, unit: Any, quantity: Decimal | None, factors: dict[Any, Any]) -> Decimal | None:
        quantity = quantity if quantity and quantity > 0 else Decimal("1")
        quantity_base = to_base(item, quantity, unit, factors)
        if quantity_base is None:
            return None
        price: Decimal | None = pick_price(self.rows.get(item.pk, []), item=item, unit=unit, quantity=quantity,
                                           quantity_base=quantity_base)
        return price


def document_date_of(params: QueryDict) -> datetime.date:
    try:
        return datetime.date.fromisoformat(params.get("document_date", ""))
    except ValueError:
        return timezone.localdate()


def preview_totals(user: Any, company: Any, data: QueryDict) -> dict[str, Any]:
    """Line amounts and document totals of the posted (unsaved) form, computed by the same pricing
    functions as sales.services (line rounding, tax per rate on the document)."""
    context = forms.line_context(user, company, forms.item_ids_in(data))
    prices = Prices(user, company, data.get("customer"), document_date_of(data), context.items)
    try:
        count = min(int(data.get("lines-TOTAL_FORMS") or 0), forms.MAX_LINES)
    except ValueError:
        count = 0
    amounts: dict[str, Decimal | None] = {}
    taxed = []
    codes: list[Any] = []
    for index in range(count):
        prefix = f"lines-{index}"
        if data.get(f"{prefix}-DELETE"):
            amounts[prefix] = None
            continue
        value = data.get(f"{prefix}-item", "")
        item = context.items.get(int(value)) if value.isdigit() else None
        quantity = number(data.get(f"{prefix}-quantity", ""))
        amounts[prefix] = None
        if item is None or quantity is None or quantity <= 0:
            continue
        unit_id = data.get(f"{prefix}-unit", "")
        unit = context.units.get(int(unit_id)) if unit_id.isdigit() else item.base_unit
        factors = {u.pk: factor for u, factor in context.item_units.get(item.pk, [])}
        price = forms.entered_price(number(data.get(f"{prefix}-unit_price", "")),
                                    number(data.get(f"{prefix}-list_price", "")))
        if price is None:
            price = prices.list_price(item, unit or item.base_unit, quantity, factors)
        discount = number(data.get(f"{prefix}-discount_percent", "")) or ZERO
        if price is None or price < 0 or not ZERO <= discount <= 100:
            continue
        tax_id = data.get(f"{prefix}-tax_code", "")
        tax = context.tax_codes.get(int(tax_id)) if tax_id.isdigit() else prices.fallback_tax
        amounts[prefix] = line_amount(quantity, price, discount)
        taxed.append((amounts[prefix], tax.rate if tax else ZERO))
        codes.append(tax)
    net, tax, total = document_totals(taxed)
    return {"amounts": amounts, "net": net, "tax": tax, "total": total, "tax_label": selectors.tax_label(codes)}


# htmx helpers --------------------------------------------------------------------------------


@permission_required("sales.view_salesorder")
@require_POST
def totals(request: HttpRequest) -> HttpResponse:
    """The totals box (and each line's amount, out of band) of the order or quotation being typed."""
    result = preview_totals(request.user, user_company(request.user), request.POST)
    return render(request, "sales/partials/totals.html", {"totals": result, "oob": True})


@permission_required("sales.view_salesorder")
def item_lookup(request: HttpRequest) -> HttpResponse:
    """Items matching a code, name or barcode typed in a line (htmx): choosing one fills the line;
    Enter chooses the exact (or only) match at once."""
    params = request.GET
    prefix, text = line_lookup_query(params)
    items: list[Item] = []
    if user_company(request.user) is not None:
        items = inventory_selectors.item_lookup(request.user, text, limit=LOOKUP_LIMIT)
    chosen = inventory_selectors.item_lookup_pick(items, text) if params.get("pick") else None
    picked = chosen.pk if chosen is not None else None
    return render(request, "sales/partials/item_lookup.html",
                  {"items": items, "prefix": prefix, "text": text, "picked": picked})


@permission_required("sales.view_salesorder")
def customer_lookup(request: HttpRequest) -> HttpResponse:
    """The customer search of the order and quotation headers when the user has too many customers
    for a select (htmx): typing lists matches, choosing one (``pick``) fills the field."""
    pick = request.GET.get("pick", "")
    if pick.isdigit():
        customer = selectors.customers_for_user(request.user).filter(pk=int(pick), is_active=True).first()
        if customer is None:
            return HttpResponse(status=400)
        response = render(request, "sales/partials/customer_field.html", {
            "value": customer.pk, "label": f"{customer.code} {customer.name}",
            "field_label": _("Customer")})
        response["HX-Trigger-After-Swap"] = "lineChanged"  # another customer, maybe another tax code
        return response
    text = request.GET.get("customer_search", request.GET.get("q", "")).strip()[:100]
    customers = list(selectors.customer_list(request.user, search=text, active=True)[:LOOKUP_LIMIT]) if text else []
    return render(request, "sales/partials/customer_lookup.html", {"customers": customers, "text": text})


@permission_required("sales.view_salesorder")
def line_price(request: HttpRequest) -> HttpResponse:
    """One line re-rendered after choosing an item or changing its unit or quantity (htmx): the
    units are the item's, the price the list price for the customer (kept if the user may
    override it and changed it)."""
    params = request.GET
    prefix = params.get("prefix", "")
    company = user_company(request.user)
    chosen = params.get("item", "")
    current = params.get(f"{prefix}-item", "")
    item_id = chosen or current
    if not LINE_PREFIX.fullmatch(prefix) or not item_id.isdigit() or company is None:
        return HttpResponse(status=400)
    item = inventory_selectors.item_list(request.user, active=True).filter(pk=int(item_id)).first()
    if item is None:
        return HttpResponse(status=400)
    new_item = chosen != "" and chosen != current

    def value(name: str) -> str:
        return params.get(f"{prefix}-{name}", "")

    initial: dict[str, Any] = {
        "item": item, "description": value("description"), "quantity": value("quantity"),
        "unit": "" if new_item else value("unit"), "discount_percent": value("discount_percent"),
        "tax_code": value("tax_code"), "requested_date": value("requested_date")}
    form = forms.single_line_form(request.user, company, prefix, initial)
    unit_id = initial["unit"]
    unit = form.context.units.get(int(unit_id)) if unit_id.isdigit() else None
    if unit is None or unit not in [u for u, _f in form.context.units_of(item)]:
        unit = item.base_unit
    initial["unit"] = unit.pk
    factors = {u.pk: factor for u, factor in form.context.item_units.get(item.pk, [])}
    prices = Prices(request.user, company, params.get("customer"), document_date_of(params), [item.pk])
    listed = prices.list_price(item, unit, number(initial["quantity"]), factors)
    entered = number(value("unit_price"))
    own = forms.entered_price(entered, number(value("list_price")))
    keep = not new_item and own is not None and (form.context.can_override or listed is None)
    initial.update(list_price=plain(listed), unit_price=plain(own if keep else listed))
    form = forms.single_line_form(request.user, company, prefix, initial)
    response = render(request, "sales/partials/line_row.html", {
        "line": form, "number": int(prefix.split("-")[1]) + 1})
    response["HX-Trigger-After-Swap"] = "lineChanged"  # the totals follow, with the new row
    return response
