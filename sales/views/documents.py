"""Screens of the sales documents: quotation and order lists (filters, pagination, XLSX/CSV export,
htmx refresh), create/edit of drafts with a line formset, the quotation page with its actions,
print pages, and the order entry helpers (htmx item lookup, line price, totals as you type).

Views are thin: reads through sales.selectors (a rep sees only their customers' documents; another
rep's document is a 404), every write is exactly one call to a sales service, and a refusal
(DomainError) becomes a message beside the field it names or above the page — never a 500.
The order's own page (the cross-department one) and its actions live in views/order_page.py.
"""

import datetime
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from erp.errors import DomainError, ImmutableDocument
from erp.exports import export_response
from erp.forms import show_error
from erp.history import history_for
from erp.permissions import permission_required, user_company
from inventory import selectors as inventory_selectors
from inventory.units import to_base
from sales import selectors
from sales import status as st
from sales.forms import documents as forms
from sales.models import Quotation, SalesOrder
from sales.services import orders as order_services
from sales.services import quotations as quotation_services
from sales.services.lines import default_tax_code
from sales.services.pricing import document_totals, line_amount, pick_price, price_list_for, prices_for

PAGE_SIZE = 25
EXPORT_FORMATS = ("xlsx", "csv")
LINE_PREFIX = re.compile(r"lines-\d{1,3}")
LOOKUP_LIMIT = 10
ZERO = Decimal("0")


@dataclass(frozen=True)
class Kind:
    key: str  # URL name prefix and the service's keyword for the document
    model: type
    title: object
    title_plural: object
    new_title: object
    filename: str
    header_form: type
    save: object

    def url(self, action):
        return f"sales:{self.key}_{action}"

    @property
    def list_url(self):
        return reverse(self.url("list"))


QUOTATIONS = Kind("quotation", Quotation, gettext_lazy("Quotation"), gettext_lazy("Quotations"),
                  gettext_lazy("New quotation"), "quotations", forms.QuotationForm, quotation_services.quotation_save)
ORDERS = Kind("order", SalesOrder, gettext_lazy("Sales order"), gettext_lazy("Sales orders"),
              gettext_lazy("New sales order"), "sales_orders", forms.OrderForm, order_services.order_save)


# Small helpers -------------------------------------------------------------------------------


def number(text):
    """A decimal typed by the user, or None."""
    try:
        value = Decimal(str(text).strip().replace(",", ""))
    except (InvalidOperation, ValueError):
        return None
    return value if value.is_finite() else None


def plain(value):
    """A Decimal for an input field: 100, 2.5 (not 1E+2, not 2.5000)."""
    if value is None:
        return ""
    return format(value.normalize(), "f")


def shown_date(value):
    return formats.date_format(value, "SHORT_DATE_FORMAT") if value else ""


def quantity_text(value, unit_code):
    return f"{plain(value)} {unit_code}"


def get_or_404(rows, pk):
    try:
        return rows.get(pk=pk)
    except rows.model.DoesNotExist:
        raise Http404 from None


def get_quotation(user, pk):
    return get_or_404(selectors.quotations_for_user(user).select_related("payment_term", "created_by"), pk)


def get_order(user, pk):
    try:
        return selectors.order_get_for_user(user, pk)
    except SalesOrder.DoesNotExist:
        raise Http404 from None


# Lists ---------------------------------------------------------------------------------------


def filtered(user, kind, filters):
    values = filters.values()
    common = {"customer": values.get("customer"), "rep": values.get("rep"), "date_from": values.get("date_from"),
              "date_to": values.get("date_to"), "search": values.get("q", "")}
    status = values.get("status")
    if kind is QUOTATIONS:
        return selectors.quotations_for_user(user, status=status, **common)
    rows = selectors.orders_for_user(user, status=None if status == filters.OPEN else status,
                                     late=values.get("late"), **common)
    if status == filters.OPEN:
        rows = rows.filter(status__in=st.OPEN_ORDER_STATUSES)
    if values.get("ship_today"):
        rows = rows.filter(status__in=st.OPEN_ORDER_STATUSES, promised_date=timezone.localdate())
    return rows


def export_columns(kind):
    columns = [
        (_("Number"), lambda d: str(d.reference)),
        (_("Date"), lambda d: d.document_date),
        (_("Customer code"), lambda d: d.customer.code),
        (_("Customer"), lambda d: d.customer.name),
        (_("Sales rep"), lambda d: str(d.sales_rep or "")),
    ]
    if kind is QUOTATIONS:
        columns.append((_("Valid until"), lambda d: d.valid_until))
    else:
        columns += [(_("Requested date"), lambda d: d.requested_date), (_("Promised date"), lambda d: d.promised_date),
                    (_("Warehouse"), lambda d: d.warehouse.code)]
    return columns + [
        (_("Status"), lambda d: d.get_status_display()),
        (_("Customer reference"), lambda d: d.customer_reference),
        (_("Net amount"), lambda d: d.net_amount),
        (_("Tax"), lambda d: d.tax_amount),
        (_("Total"), lambda d: d.total_amount),
        (_("Currency"), lambda d: d.currency),
    ]


def document_list(request, kind):
    filters = forms.DocumentFilterForm(request.GET or None, user=request.user,
                                       statuses=kind.model._meta.get_field("status").choices,
                                       orders=kind is ORDERS)
    rows = filtered(request.user, kind, filters)
    fmt = request.GET.get("export")
    if fmt in EXPORT_FORMATS:
        return export_response(request, rows=rows, columns=export_columns(kind), filename=kind.filename, fmt=fmt)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    page.object_list = list(page.object_list)
    today = timezone.localdate()
    for document in page.object_list:
        document.is_late = bool(kind is ORDERS and document.status in st.OPEN_ORDER_STATUSES
                                and document.promised_date and document.promised_date < today)
    context = {
        "kind": kind, "filters": filters, "page": page, "section": kind.key,
        "can_add": request.user.has_perm(f"sales.add_{kind.model._meta.model_name}"),
        "create_url": reverse(kind.url("create")),
    }
    if request.htmx and request.htmx.target == "results":
        return render(request, f"sales/partials/{kind.key}_table.html", context)
    return render(request, "sales/documents/list.html", context)


@permission_required("sales.view_quotation")
def quotation_list(request):
    return document_list(request, QUOTATIONS)


@permission_required("sales.view_salesorder")
def order_list(request):
    return document_list(request, ORDERS)


# Create and edit drafts ----------------------------------------------------------------------


def header_initial(kind, document):
    names = [name for name in kind.header_form.base_fields if name != "customer"]
    initial = {name: getattr(document, name) for name in names}
    initial["customer"] = document.customer_id
    return initial


def lines_initial(document):
    return [
        {"item": line.item, "description": line.description, "quantity": plain(line.quantity),
         "unit": line.unit_id, "list_price": plain(line.list_price), "unit_price": plain(line.unit_price),
         "discount_percent": plain(line.discount_percent) if line.discount_percent else "",
         "tax_code": line.tax_code_id, "requested_date": line.requested_date, "amount": line.net_amount}
        for line in document.lines.select_related("item", "item__base_unit").order_by("line_no", "pk")
    ]


def with_added_line(data):
    data = data.copy()
    try:
        total = int(data.get("lines-TOTAL_FORMS") or 0)
    except ValueError:
        total = 0
    data["lines-TOTAL_FORMS"] = str(min(total + 1, forms.MAX_LINES))
    return data


def document_form(request, kind, document=None):
    user = request.user
    company = user_company(user)
    if document is not None and not document.is_editable:
        messages.error(request, ImmutableDocument.default_message)
        return redirect(kind.url("detail"), pk=document.pk)
    data = request.POST if request.method == "POST" else None
    adding = data is not None and "add_line" in data
    if adding:
        data = with_added_line(data)
    initial_lines = lines_initial(document) if document is not None and data is None else None
    header = kind.header_form(data, user=user, company=company,
                              initial=header_initial(kind, document) if document is not None else {})
    formset = forms.line_formset(user, company, data, initial_lines)
    errors = []
    if data is not None and not adding:
        valid = [header.is_valid(), formset.is_valid()]
        if all(valid):
            try:
                saved = kind.save(company=company, actor=user, lines=formset.lines(), **{kind.key: document},
                                  **header.header())
            except (DomainError, ValidationError) as exc:
                show_error(exc, header, errors)
            else:
                messages.success(request, _("%(document)s saved.") % {"document": saved.reference})
                return redirect(kind.url("detail"), pk=saved.pk)
        errors += [str(e) for e in formset.non_form_errors()]
    if data is not None:
        totals = preview_totals(user, company, data)
        for form in formset.forms:
            form.amount = totals["amounts"].get(form.prefix)
    else:
        totals = {"net": getattr(document, "net_amount", ZERO), "tax": getattr(document, "tax_amount", ZERO),
                  "total": getattr(document, "total_amount", ZERO)}
        for form, row in zip(formset.forms, initial_lines or [], strict=False):
            form.amount = row["amount"]
    return render(request, "sales/documents/form.html", {
        "kind": kind, "document": document, "form": header, "formset": formset, "errors": errors,
        "totals": totals, "section": kind.key, "can_override": user.has_perm("sales.override_price"),
        "cancel_url": reverse(kind.url("detail"), args=[document.pk]) if document else kind.list_url,
    })


@permission_required("sales.add_quotation")
def quotation_create(request):
    return document_form(request, QUOTATIONS)


@permission_required("sales.change_quotation")
def quotation_edit(request, pk):
    return document_form(request, QUOTATIONS, get_quotation(request.user, pk))


@permission_required("sales.add_salesorder")
def order_create(request):
    return document_form(request, ORDERS)


@permission_required("sales.change_salesorder")
def order_edit(request, pk):
    return document_form(request, ORDERS, get_order(request.user, pk))


# Order entry helpers (htmx) --------------------------------------------------------------------


class Prices:
    """List prices for one customer (or the company's default list) on one date: one query."""

    def __init__(self, user, company, customer_id, on_date, item_ids):
        customer = None
        if company is not None and str(customer_id).isdigit():
            customer = (selectors.customers_for_user(user).filter(pk=int(customer_id))
                        .select_related("price_list", "tax_code").first())
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

    def list_price(self, item, unit, quantity, factors):
        quantity = quantity if quantity and quantity > 0 else Decimal("1")
        quantity_base = to_base(item, quantity, unit, factors)
        if quantity_base is None:
            return None
        return pick_price(self.rows.get(item.pk, []), item=item, unit=unit, quantity=quantity,
                          quantity_base=quantity_base)


def document_date_of(params):
    try:
        return datetime.date.fromisoformat(params.get("document_date", ""))
    except ValueError:
        return timezone.localdate()


def preview_totals(user, company, data):
    """Line amounts and document totals of the posted (unsaved) form, computed by the same pricing
    functions as sales.services (line rounding, tax per rate on the document)."""
    context = forms.line_context(user, company, forms.item_ids_in(data))
    prices = Prices(user, company, data.get("customer"), document_date_of(data), context.items)
    try:
        count = min(int(data.get("lines-TOTAL_FORMS") or 0), forms.MAX_LINES)
    except ValueError:
        count = 0
    amounts, taxed = {}, []
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
    net, tax, total = document_totals(taxed)
    return {"amounts": amounts, "net": net, "tax": tax, "total": total}


@permission_required("sales.view_salesorder")
@require_POST
def totals(request):
    """The totals box (and each line's amount, out of band) of the order or quotation being typed."""
    result = preview_totals(request.user, user_company(request.user), request.POST)
    return render(request, "sales/partials/totals.html", {"totals": result, "oob": True})


@permission_required("sales.view_salesorder")
def item_lookup(request):
    """Items matching a code, name or barcode typed in a line (htmx): choosing one fills the line;
    Enter chooses the exact (or only) match at once."""
    params = request.GET
    prefix = params.get("prefix", "")
    if not LINE_PREFIX.fullmatch(prefix):
        prefix = ""
    text = params.get("q") or next((v for k, v in params.items() if k.endswith("item_search")), "")
    text = text.strip()[:100]
    items = []
    company = user_company(request.user)
    if text and company is not None:
        items = list(
            inventory_selectors.item_list(request.user, active=True)
            .filter(Q(barcode=text) | Q(code__istartswith=text) | Q(name__icontains=text))
            .select_related("base_unit").order_by("code")[:LOOKUP_LIMIT]
        )
    picked = None
    if params.get("pick") and items:
        # Enter (a barcode scanner ends with it) takes the exact barcode or code, or the only match.
        exact = [i for i in items if i.barcode == text or i.code.lower() == text.lower()]
        picked = exact[0].pk if len(exact) == 1 else (items[0].pk if len(items) == 1 else None)
    return render(request, "sales/partials/item_lookup.html",
                  {"items": items, "prefix": prefix, "text": text, "picked": picked})


@permission_required("sales.view_salesorder")
def customer_lookup(request):
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
def line_price(request):
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

    def value(name):
        return params.get(f"{prefix}-{name}", "")

    initial = {"item": item, "description": value("description"), "quantity": value("quantity"),
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


# The quotation's page, print pages -----------------------------------------------------------


@dataclass
class Action:
    label: str
    url: str
    style: str = "primary"
    confirm: str = ""
    link: bool = False  # a GET link (edit) instead of a POST button


def quotation_actions(quotation, user):
    if not user.has_perm("sales.change_quotation"):
        return []

    def url(action):
        return reverse(f"sales:quotation_{action}", args=[quotation.pk])

    actions = []
    status = quotation.status
    if status == st.QuotationStatus.DRAFT:
        actions.append(Action(_("Edit"), url("edit"), "outline-primary", link=True))
        actions.append(Action(_("Mark as sent"), url("send"), "outline-primary",
                              confirm=_("Mark the quotation as sent? It takes its number and can no longer change.")))
    if status in (st.QuotationStatus.DRAFT, st.QuotationStatus.SENT):
        if user.has_perm("sales.add_salesorder"):
            actions.append(Action(_("Convert to order"), url("convert"),
                                  confirm=_("Copy this quotation into a new sales order?")))
        actions.append(Action(_("Cancel"), url("cancel"), "outline-danger", confirm=_("Cancel this quotation?")))
    return actions


def header_rows(document):
    rows = [
        (_("Customer"), f"{document.customer.code} {document.customer.name}"),
        (_("Sales rep"), document.sales_rep or ""),
        (_("Date"), shown_date(document.document_date)),
    ]
    if isinstance(document, Quotation):
        rows.append((_("Valid until"), shown_date(document.valid_until)))
    else:
        rows += [(_("Requested date"), shown_date(document.requested_date)),
                 (_("Promised date"), shown_date(document.promised_date)),
                 (_("Ship from warehouse"), document.warehouse)]
    rows += [
        (_("Customer reference"), document.customer_reference),
        (_("Payment term"), document.payment_term or ""),
        (_("Ship to"), document.ship_to),
        (_("Currency"), document.currency),
    ]
    if document.notes:
        rows.append((_("Notes"), document.notes))
    return rows


def document_lines(document):
    return list(document.lines.select_related("item", "unit", "tax_code").order_by("line_no", "pk"))


@permission_required("sales.view_quotation")
def quotation_detail(request, pk):
    quotation = get_quotation(request.user, pk)
    return render(request, "sales/documents/quotation_detail.html", {
        "kind": QUOTATIONS, "document": quotation, "header_rows": header_rows(quotation),
        "lines": document_lines(quotation), "actions": quotation_actions(quotation, request.user),
        "orders": list(selectors.orders_for_user(request.user).filter(quotation=quotation)),
        "history": history_for(quotation), "section": "quotation",
    })


SIGNATURES = (gettext_lazy("Prepared by"), gettext_lazy("Approved by"), gettext_lazy("Customer acceptance"))


def document_print(request, kind, document):
    return render(request, "sales/documents/print.html", {
        "kind": kind, "document": document, "company": document.company, "header_rows": header_rows(document),
        "lines": document_lines(document), "signatures": SIGNATURES,
    })


@permission_required("sales.view_quotation")
def quotation_print(request, pk):
    return document_print(request, QUOTATIONS, get_quotation(request.user, pk))


@permission_required("sales.view_salesorder")
def order_print(request, pk):
    return document_print(request, ORDERS, get_order(request.user, pk))


# Quotation actions: one service each ----------------------------------------------------------


def quotation_action(request, pk, service, success):
    quotation = get_quotation(request.user, pk)
    try:
        result = service(quotation=quotation, actor=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("sales:quotation_detail", pk=pk)
    messages.success(request, success(quotation, result))
    return None


@permission_required("sales.change_quotation")
@require_POST
def quotation_send(request, pk):
    refused = quotation_action(request, pk, quotation_services.quotation_send,
                               lambda q, result: _("%(document)s marked as sent.") % {"document": result.reference})
    return refused or redirect("sales:quotation_detail", pk=pk)


@permission_required("sales.change_quotation")
@require_POST
def quotation_cancel(request, pk):
    refused = quotation_action(request, pk, quotation_services.quotation_cancel,
                               lambda q, result: _("%(document)s cancelled.") % {"document": result.reference})
    return refused or redirect("sales:quotation_detail", pk=pk)


@permission_required("sales.change_quotation", "sales.add_salesorder")
@require_POST
def quotation_convert(request, pk):
    quotation = get_quotation(request.user, pk)
    try:
        order = quotation_services.quotation_convert(quotation=quotation, actor=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("sales:quotation_detail", pk=pk)
    quotation.refresh_from_db(fields=["number", "status"])
    messages.success(request, _("%(order)s created from %(quotation)s: check it and confirm it.")
                     % {"order": order.reference, "quotation": quotation.reference})
    return redirect("sales:order_detail", pk=order.pk)
