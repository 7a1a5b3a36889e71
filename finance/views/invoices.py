"""Customer invoices and credit notes (``INVOICES``, a ``DocumentKind``: erp.document_screens): the list
with its filters and export, the invoice's page (header with the buyer's tax id and the uniform
invoice number, the credited invoice or its credit notes, lines with their delivery notes, totals, the
journal entry and the payments allocated), the draft's header form (``invoice_update_header``), and the
actions: post (takes the uniform invoice number), void with a reason (作廢), delete a draft, print
(the uniform invoice's fields, the date in the ROC year if asked).

Also the receivables' other screens: the uniform invoice ranges (字軌) and their form, the aging report
(帳齡), a customer's statement, and the finance settings.

Reads go through finance.selectors (the user's company: another company's record is a 404); every
write is one call to a service of finance.services (invoices, invoice_edit, settings)."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l
from django.utils.translation import pgettext_lazy

from erp.document_screens import (
    MONEY,
    Cell,
    Column,
    DocumentKind,
    LinkAction,
    ServiceAction,
    Templates,
    date_column,
    number_column,
    status_column,
)
from erp.document_screens.columns import QTY, line_rows
from erp.document_screens.kinds import visible_documents
from erp.document_screens.views import DocumentView, filter_values
from erp.errors import DomainError
from erp.exports import export_response
from erp.forms import show_error
from erp.permissions import any_permission_required, permission_required
from finance import selectors
from finance import status as st
from finance.forms.invoices import (
    AgingForm,
    InvoiceFilterForm,
    InvoiceHeaderForm,
    SettingsForm,
    StatementForm,
    UniformRangeForm,
)
from finance.models import CustomerInvoice, CustomerInvoiceLine
from finance.services import invoices as invoicing
from finance.services.invoice_edit import invoice_update_header
from finance.services.settings import settings_save
from finance.views.common import company_of, export_format, paginate, year_to_date
from finance.views.reports import date_range
from inventory.forms.masterdata import add_service_error
from inventory.models import DeliveryNote

ZERO = Decimal("0")
DRAFT, POSTED = st.CustomerInvoiceStatus.DRAFT, st.CustomerInvoiceStatus.POSTED


def money(value: Decimal | None) -> Cell:
    return Cell(value, num=True, fmt=MONEY)


def open_of(invoice: CustomerInvoice) -> Decimal | None:
    """What is left to pay (or, of a credit note, to apply) of a posted document; none of a draft or a
    void one."""
    return invoice.open_amount if invoice.status == POSTED else None


def invoice_rows(user: Any, values: dict[str, Any]) -> QuerySet[CustomerInvoice]:
    return selectors.customer_invoice_list_for_user(
        user, status=values.get("status") or None, kind=values.get("kind") or None, customer=values.get("customer"),
        date_from=values.get("date_from"), date_to=values.get("date_to"), search=values.get("q") or "")


def filter_kwargs(request: HttpRequest) -> dict[str, Any]:
    return {"user": request.user}


COLUMNS = (
    number_column(),
    Column(_l("Uniform invoice number"), lambda i: i.uniform_number),
    date_column(),
    Column(_l("Customer code"), lambda i: i.customer.code, listed=False),
    Column(_l("Customer"), lambda i: i.customer.name, display=lambda i: f"{i.customer.code} {i.customer.name}"),
    Column(_l("Kind"), lambda i: i.get_kind_display()),
    Column(_l("Total"), lambda i: i.total_amount, display=lambda i: money(i.total_amount), numeric=True),
    Column(_l("Paid"), lambda i: i.paid_amount, display=lambda i: money(i.paid_amount), numeric=True),
    Column(pgettext_lazy("amount", "Open"), open_of, display=lambda i: money(open_of(i)), numeric=True),
    status_column(),
)


def delivery_cell(line: CustomerInvoiceLine) -> Cell:
    if line.delivery_id is None:
        return Cell(None)
    note = _("return %(reference)s") % {"reference": line.customer_return.reference} if line.customer_return_id \
        else ""
    return Cell(line.delivery.reference, url=getattr(line, "delivery_url", ""), note=note)


LINE_COLUMNS = (
    Column(_l("Item"), lambda line: f"{line.item.code} {line.item.name}"),
    Column(_l("Description"), lambda line: line.description),
    Column(_l("Quantity"), lambda line: line.quantity, display=lambda line: Cell(line.quantity.normalize(), num=True,
                                                                                  fmt=QTY), numeric=True),
    Column(_l("Unit price"), lambda line: line.unit_price, display=lambda line: Cell(line.unit_price, num=True,
                                                                                     fmt=MONEY), numeric=True),
    Column(_l("Tax rate (%)"), lambda line: line.tax_rate, display=lambda line: Cell(line.tax_rate.normalize(),
                                                                                     num=True), numeric=True),
    Column(_l("Amount"), lambda line: line.net_amount, display=lambda line: money(line.net_amount), numeric=True),
    Column(_l("Tax"), lambda line: line.tax_amount, display=lambda line: money(line.tax_amount), numeric=True),
    Column(_l("Delivery note"), lambda line: line.delivery.reference if line.delivery_id else "",
           display=delivery_cell),
)


def header_rows(invoice: CustomerInvoice) -> list[tuple[Any, Any]]:
    """The header; the links (credited invoice, credit notes, entry) follow in the template."""
    rows: list[tuple[Any, Any]] = [
        (_("Customer"), f"{invoice.customer.code} {invoice.customer.name}"),
        (_("Kind"), invoice.get_kind_display()),
        (_("Buyer's tax id"), invoice.buyer_tax_id),
        (_("Invoice date"), invoice.document_date), (_("Due date"), invoice.due_date),
        (_("Uniform invoice number"), invoice.uniform_number),
        (_("Currency"), invoice.currency),
    ]
    if invoice.fapiao_number:
        rows += [(_("Fapiao code"), invoice.fapiao_code), (_("Fapiao number"), invoice.fapiao_number)]
    if invoice.posted_at:
        rows.append((_("Posted at"), invoice.posted_at))
    if invoice.notes:
        rows.append((_("Notes"), invoice.notes))
    return rows


def link_deliveries(user: Any, lines: list[CustomerInvoiceLine]) -> None:
    """Each line's ``delivery_url``: its delivery note's page where the user may open it (one query)."""
    ids = {line.delivery_id for line in lines if line.delivery_id}
    visible = visible_documents(user, DeliveryNote, ids) if ids else None
    urls = {}
    if visible is not None:
        kind, openable = visible
        urls = {pk: reverse(kind.url("detail"), args=[pk]) for pk in openable}
    for line in lines:
        line.delivery_url = urls.get(line.delivery_id or 0, "")


def detail_context(request: HttpRequest, invoice: CustomerInvoice, context: dict[str, Any]) -> dict[str, Any]:
    lines = context.get("lines", [])
    link_deliveries(request.user, lines)
    credit_notes = [] if invoice.is_credit_note else list(
        invoice.credit_notes.exclude(status=st.CustomerInvoiceStatus.VOID).order_by("document_date", "pk"))
    return {
        "rows": line_rows(LINE_COLUMNS, lines), "credit_notes": credit_notes, "open_amount": open_of(invoice),
        "allocations": list(selectors.invoice_allocations(invoice)),
        "can_open_entry": request.user.has_perm("finance.view_journalentry"),
        "can_open_payments": request.user.has_perm("finance.view_payment"),
    }


def roc_date(day: datetime.date) -> str:
    """The date with the Republic of China's year (民國), as Taiwan's tax documents may print it."""
    return _("ROC %(year)s/%(month)02d/%(day)02d") % {"year": day.year - 1911, "month": day.month, "day": day.day}


def print_context(request: HttpRequest, invoice: CustomerInvoice, context: dict[str, Any]) -> dict[str, Any]:
    roc = request.GET.get("roc") == "1"
    return {"roc": roc, "roc_date": roc_date(invoice.document_date),
            "customer": invoice.customer, "company": invoice.company}


def invoices_for_user(user: Any) -> QuerySet[CustomerInvoice]:
    return selectors.customer_invoices_for_user(user).select_related(
        "company", "journal_entry", "credited_invoice", "uniform_range", "voided_by")


def posted_message(invoice: CustomerInvoice, before: str, posted: CustomerInvoice) -> str:
    if posted.uniform_number:
        return _("%(document)s posted with the uniform invoice number %(uniform)s.") % {
            "document": posted.reference, "uniform": posted.uniform_number}
    return _("%(document)s posted.") % {"document": posted.reference}


INVOICES = DocumentKind(
    namespace="finance", key="invoice", segment="invoices", model=CustomerInvoice,
    title=_l("Customer invoice"), title_plural=_l("Customer invoices"),
    selector=invoices_for_user, filter_form=InvoiceFilterForm, filter_kwargs=filter_kwargs, rows=invoice_rows,
    columns=COLUMNS, export_filename="customer_invoices", empty=_l("No customer invoices."),
    header_rows=header_rows, lines=selectors.customer_invoice_lines, line_columns=LINE_COLUMNS,
    detail_context=detail_context, print_context=print_context,
    actions=(
        LinkAction(name="edit", label=_l("Edit"), url_name="invoice_edit", statuses=(DRAFT,)),
        ServiceAction(name="post", label=_l("Post"), service=invoicing.invoice_post, statuses=(DRAFT,),
                      confirm=_l("Post this invoice? It takes its number (and a uniform invoice number), books the "
                                 "receivable and can no longer be changed, only voided."),
                      success=posted_message),
        ServiceAction(name="void", label=_l("Void"), service=invoicing.invoice_void, statuses=(POSTED,),
                      style="outline-danger", reason=True, success=_l("%(document)s voided."),
                      confirm=_l("Void this invoice? Its entry is reversed today; its uniform invoice number is kept "
                                 "with the reason and never used again. An invoice with payments or credit notes "
                                 "applied cannot be voided.")),
        ServiceAction(name="delete", label=_l("Delete draft"), service=invoicing.invoice_delete_draft,
                      statuses=(DRAFT,), permissions=("finance.delete_customerinvoice",), style="outline-danger",
                      confirm=_l("Delete this draft invoice? Its deliveries can be invoiced again."),
                      success=_l("%(document)s deleted."), redirect=lambda i, result: reverse("finance:invoice_list")),
    ),
    section="invoices",
    templates=Templates(list="finance/invoices/list.html", detail="finance/invoices/detail.html",
                        print="finance/invoices/print.html"),
)


class InvoiceEditView(DocumentView):
    """A draft's header (date, due date, buyer's tax id, notes), saved by ``invoice_update_header``; a
    refusal is shown beside its field, a posted invoice goes back to its page with a message."""

    http_method_names = ["get", "post"]

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        return self.handle(pk)

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        return self.handle(pk)

    def handle(self, pk: int) -> HttpResponse:
        invoice = self.get_document(pk)
        detail = redirect(self.kind.url("detail"), pk=invoice.pk)
        if invoice.status != DRAFT:
            messages.error(self.request, _("%(document)s is no longer a draft: void it instead of editing it.")
                           % {"document": invoice.reference})
            return detail
        initial = {"document_date": invoice.document_date, "due_date": invoice.due_date,
                   "buyer_tax_id": invoice.buyer_tax_id, "notes": invoice.notes}
        form = InvoiceHeaderForm(self.request.POST if self.request.method == "POST" else None, initial=initial)
        errors: list[str] = []
        if self.request.method == "POST" and form.is_valid():
            try:
                invoice_update_header(invoice=invoice, actor=self.user, **form.cleaned_data)
            except (DomainError, ValidationError) as error:
                show_error(error, form, errors)
            else:
                messages.success(self.request, _("%(document)s saved.") % {"document": invoice.reference})
                return detail
        return render(self.request, "finance/invoices/edit.html", self.base_context(
            document=invoice, form=form, errors=errors, detail_url=self.kind.url_of("detail", invoice)))


# Uniform invoice ranges ----------------------------------------------------------------------------


@permission_required("finance.view_uniforminvoicerange")
def range_list(request: HttpRequest) -> HttpResponse:
    page = paginate(request, selectors.uniform_ranges_for_user(request.user))
    return render(request, "finance/ranges/list.html", {"page": page, "section": "ranges"})


@permission_required("finance.add_uniforminvoicerange")
def range_create(request: HttpRequest) -> HttpResponse:
    """Enter a range the tax office allotted (``uniform_range_save``); an overlap is refused beside the
    first number."""
    company = company_of(request)
    if company is None:
        return redirect("home")
    form = UniformRangeForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            saved = invoicing.uniform_range_save(company=company, actor=request.user, **form.cleaned_data)
        except (DomainError, ValidationError) as error:
            add_service_error(form, error)
        else:
            messages.success(request, _("The range %(range)s is entered.") % {"range": saved})
            return redirect("finance:range_list")
    return render(request, "finance/ranges/form.html", {"form": form, "section": "ranges"})


# Aging and the customer statement -------------------------------------------------------------------

AGING_LABELS = (_l("0–30 days"), _l("31–60 days"), _l("61–90 days"), _l("Over 90 days"))
AGING_PARTNER_LABELS = {selectors.CUSTOMER: (_l("Customer code"), _l("Customer")),
                        selectors.SUPPLIER: (_l("Supplier code"), _l("Supplier"))}


def aging_export_columns(party: str) -> list[tuple[Any, Any]]:
    """[(header, value)] of the aging export, whose rows are (code, name, bucket…, total) tuples; the
    first two name the customer or the supplier."""
    code, name = AGING_PARTNER_LABELS[party]
    columns: list[tuple[Any, Any]] = [(code, lambda row: row[0]), (name, lambda row: row[1])]
    for index, label in enumerate(AGING_LABELS):
        columns.append((label, lambda row, index=index: row[2 + index]))
    columns.append((_l("Total"), lambda row: row[-1]))
    return columns


@any_permission_required(*dict.fromkeys(perm for perms in selectors.AGING_PERMISSIONS.values() for perm in perms))
def aging(request: HttpRequest) -> HttpResponse:
    """Open invoices per customer (receivables) or per supplier (payables, ``?party=supplier``) by age
    (帳齡) as of a day; credit notes reduce theirs. Each party needs its AGING_PERMISSIONS."""
    company = company_of(request)
    if company is None:
        return redirect("home")
    allowed = [party for party, perms in selectors.AGING_PERMISSIONS.items() if request.user.has_perms(perms)]
    form = AgingForm(request.GET or None, default_party=allowed[0] if allowed else selectors.CUSTOMER)
    party, as_of = form.chosen_party(), form.day()
    if party not in allowed:
        raise PermissionDenied
    rows = selectors.aging_for_user(request.user, company, party=party, as_of=as_of)
    totals = [sum((row.buckets[i] for row in rows), ZERO) for i in range(len(AGING_LABELS))]
    if fmt := export_format(request):
        table = [(row.partner.code, row.partner.name, *row.buckets, row.total) for row in rows]
        table.append(("", _("Total"), *totals, sum(totals, ZERO)))
        return export_response(request, rows=table, columns=aging_export_columns(party),
                               filename=f"aging_{party}_{as_of}", fmt=fmt)
    return render(request, "finance/reports/aging.html", {
        "form": form, "party": party, "rows": rows, "totals": totals, "total": sum(totals, ZERO), "as_of": as_of,
        "labels": AGING_LABELS, "section": "aging"})


STATEMENT_KINDS = {st.InvoiceKind.INVOICE: _l("Invoice"), st.InvoiceKind.CREDIT_NOTE: _l("Credit note"),
                   "payment": _l("Payment")}


def entry_number(entry: selectors.StatementEntry) -> str:
    document = entry.document
    return document.number if entry.kind == "payment" else document.reference


STATEMENT_COLUMNS = [
    (_l("Date"), lambda e: e.date),
    (_l("Kind"), lambda e: STATEMENT_KINDS[e.kind]),
    (_l("Number"), entry_number),
    (_l("Uniform invoice number"), lambda e: getattr(e.document, "uniform_number", "")),
    (_l("Invoiced"), lambda e: e.debit or None),
    (_l("Credited or paid"), lambda e: e.credit or None),
    (_l("Balance"), lambda e: e.balance),
]


@permission_required("finance.view_customerinvoice", "finance.view_payment")
def customer_statement(request: HttpRequest) -> HttpResponse:
    """One customer's posted invoices, credit notes and payments of a range in date order, with the
    balance brought forward and the running balance (對帳單)."""
    company = company_of(request)
    if company is None:
        return redirect("home")
    form = StatementForm(request.GET or None, user=request.user)
    start, end = date_range(form, year_to_date(company))
    statement = None
    values = filter_values(form)
    if customer := values.get("customer"):
        statement = selectors.customer_statement(company, customer=customer, date_from=start, date_to=end)
        if fmt := export_format(request):
            return export_response(request, rows=statement.entries, columns=STATEMENT_COLUMNS,
                                   filename=f"statement_{customer.code}", fmt=fmt)
    return render(request, "finance/reports/customer_statement.html", {
        "form": form, "statement": statement, "date_from": start, "date_to": end, "kinds": STATEMENT_KINDS,
        "section": "statement"})


# Settings -----------------------------------------------------------------------------------------


@permission_required("finance.view_financesettings")
def finance_settings(request: HttpRequest) -> HttpResponse:
    """The company's invoicing choices (``settings_save``; changing needs finance.change_financesettings)."""
    company = company_of(request)
    if company is None:
        return redirect("home")
    current = invoicing.settings_of(company)
    can_change = request.user.has_perm("finance.change_financesettings")
    initial = {"invoice_grouping": current.invoice_grouping, "uniform_invoices": current.uniform_invoices}
    form = SettingsForm(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST":
        if not can_change:
            raise PermissionDenied
        if form.is_valid():
            try:
                settings_save(company=company, actor=request.user, **form.cleaned_data)
            except DomainError as error:
                add_service_error(form, error)
            else:
                messages.success(request, _("The finance settings are saved."))
                return redirect("finance:finance_settings")
    if not can_change:
        for field in form.fields.values():
            field.disabled = True
    return render(request, "finance/settings.html", {"form": form, "can_change": can_change, "section": "settings"})
