"""Payments (``PAYMENTS``, a ``DocumentKind``: erp.document_screens): money received from customers
(收款) and paid to suppliers (付款), each through a bank or cash account and allocated to the partner's
open invoices (沖帳). The list with its filters and export, the payment's page (header, allocations,
journal entry; *Post* with the choice to keep what is left over as the partner's credit, 預收款 or a
prepayment), the form (direction, partner, account, amount, date, bank reference and the allocation
table of the partner's open invoices, reloaded by htmx when the partner changes or by *Load
invoices*), and the printable voucher.

The form's *Save* is ``payment_save``; its *Post* saves and posts together (``payment_save_and_post``,
one transaction): a refusal of either is shown beside its field and nothing is written. Reads go
through finance.selectors."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l

from erp.document_screens import (
    MONEY,
    Cell,
    Column,
    DocumentKind,
    Entry,
    ServiceAction,
    Templates,
    date_column,
    status_column,
)
from erp.document_screens.columns import line_rows
from erp.document_screens.views import DocumentView
from erp.errors import DomainError
from finance import selectors
from finance import status as st
from finance.forms.payments import PaymentFilterForm, PaymentForm, payment_initial
from finance.models import Payment, PaymentAllocation
from finance.services import payments as services
from finance.views.common import company_of

DRAFT = st.PaymentStatus.DRAFT
ZERO = Decimal("0")


def label_of(payment: Payment) -> str:
    """The payment's number, or its provisional reference while a draft (as ``Payment.reference``)."""
    if payment.number:
        return payment.number
    return _("Draft %(type)s #%(id)s") % {"type": Payment.DOC_TYPE, "id": payment.pk or "-"}


def partner_of(payment: Payment) -> str:
    partner = payment.partner
    return f"{partner.code} {partner.name}" if partner is not None else ""


def money(value: Any) -> Cell:
    return Cell(value, num=True, fmt=MONEY)


COLUMNS = (
    Column(_l("Number"), label_of, display=lambda p: Cell(label_of(p), url=p.detail_url)),
    date_column(),
    Column(_l("Direction"), lambda p: p.get_direction_display()),
    Column(_l("Partner code"), lambda p: p.partner.code, listed=False),
    Column(_l("Partner"), lambda p: p.partner.name, display=partner_of),
    Column(_l("Bank or cash account"), lambda p: p.account.code,
           display=lambda p: f"{p.account.code} {p.account.display_name}"),
    Column(_l("Amount"), lambda p: p.amount, display=lambda p: money(p.amount), numeric=True),
    Column(_l("Allocated"), lambda p: p.allocated_amount, display=lambda p: money(p.allocated_amount),
           numeric=True),
    Column(_l("Unallocated"), lambda p: p.unallocated, display=lambda p: money(p.unallocated), numeric=True),
    Column(_l("Bank reference"), lambda p: p.bank_reference, listed=False),
    status_column(),
)


def payment_rows(user: Any, values: dict[str, Any]) -> QuerySet[Payment]:
    return selectors.payment_list_for_user(
        user, direction=values.get("direction") or None, status=values.get("status") or None,
        customer=values.get("customer"), supplier=values.get("supplier"), date_from=values.get("date_from"),
        date_to=values.get("date_to"), search=values.get("q") or "")


def filter_kwargs(request: HttpRequest) -> dict[str, Any]:
    return {"user": request.user}


def invoice_of(allocation: PaymentAllocation) -> Any:
    return allocation.customer_invoice if allocation.customer_invoice_id else allocation.supplier_invoice


def invoice_cell(allocation: PaymentAllocation) -> Cell:
    invoice = invoice_of(allocation)
    url = getattr(allocation, "invoice_url", "")
    return Cell(invoice.reference, url=url)


def their_number(allocation: PaymentAllocation) -> str:
    """The uniform invoice number of a customer invoice, the supplier's own number of a supplier's."""
    if allocation.customer_invoice_id:
        return allocation.customer_invoice.uniform_number
    return allocation.supplier_invoice.supplier_invoice_number


LINE_COLUMNS = (
    Column(_l("Invoice"), lambda a: invoice_of(a).reference, display=invoice_cell),
    Column(_l("Uniform or supplier's invoice number"), their_number),
    Column(_l("Invoice date"), lambda a: invoice_of(a).document_date),
    Column(_l("Invoice total"), lambda a: invoice_of(a).total_amount,
           display=lambda a: money(invoice_of(a).total_amount), numeric=True),
    Column(_l("Allocated"), lambda a: a.amount, display=lambda a: money(a.amount), numeric=True),
)


def header_rows(payment: Payment) -> list[tuple[Any, Any]]:
    return [
        (_("Direction"), payment.get_direction_display()), (_("Partner"), partner_of(payment)),
        (_("Bank or cash account"), f"{payment.account.code} {payment.account.display_name}"),
        (_("Date"), payment.document_date), (_("Amount"), payment.amount),
        (_("Allocated"), payment.allocated_amount if payment.status != DRAFT else None),
        (_("Bank reference"), payment.bank_reference),
    ]


def link_invoices(user: Any, allocations: list[PaymentAllocation]) -> None:
    """Each allocation's ``invoice_url``: the invoice's page where the user may open it."""
    customer = user.has_perm("finance.view_customerinvoice")
    supplier = user.has_perm("purchasing.view_supplierinvoice")
    for allocation in allocations:
        url = ""
        if allocation.customer_invoice_id and customer:
            url = allocation.customer_invoice.get_absolute_url()
        elif allocation.supplier_invoice_id and supplier:
            url = allocation.supplier_invoice.get_absolute_url()
        allocation.invoice_url = url


def detail_context(request: HttpRequest, payment: Payment, context: dict[str, Any]) -> dict[str, Any]:
    allocations = context.get("lines", [])
    link_invoices(request.user, allocations)
    allocated = sum((a.amount for a in allocations), ZERO)
    may_post = payment.status == DRAFT and request.user.has_perm("finance.change_payment")
    return {"rows": line_rows(LINE_COLUMNS, allocations), "label": label_of(payment), "allocated": allocated,
            "rest": payment.amount - allocated,
            "post_url": reverse("finance:payment_post", args=[payment.pk]) if may_post else "",
            "can_open_entry": request.user.has_perm("finance.view_journalentry")}


def print_context(request: HttpRequest, payment: Payment, context: dict[str, Any]) -> dict[str, Any]:
    return {"label": label_of(payment), "total": sum((a.amount for a in context.get("lines", [])), ZERO)}


def keep_overpayment(request: HttpRequest) -> dict[str, Any]:
    return {"keep_overpayment": request.POST.get("keep_overpayment") in ("1", "on", "true")}


def posted_message(payment: Payment, before: str, posted: Payment) -> str:
    return _("%(document)s posted.") % {"document": label_of(posted)}


def payments_for_user(user: Any) -> QuerySet[Payment]:
    return selectors.payments_for_user(user).select_related("company", "journal_entry")


class PaymentFormView(DocumentView):
    """A new payment or a draft's changes, with the allocation table of the partner's open invoices.
    *Load invoices* (or htmx, when the direction or the partner changes) shows the table again and
    saves nothing; *Save* saves the draft; *Post* saves and posts it in one transaction."""

    http_method_names = ["get", "post"]
    template = "finance/payments/form.html"

    def get(self, request: HttpRequest, pk: int | None = None) -> HttpResponse:
        return self.handle(pk)

    def post(self, request: HttpRequest, pk: int | None = None) -> HttpResponse:
        return self.handle(pk)

    def initial(self, payment: Payment | None) -> dict[str, Any]:
        if payment is not None:
            return payment_initial(payment)
        bank = selectors.bank_and_cash_accounts(self.user).filter(roles__role=st.AccountRole.BANK).first()
        initial: dict[str, Any] = {"direction": st.PaymentDirection.IN, "document_date": timezone.localdate(),
                                   "account": bank}
        if self.request.GET.get("direction") in st.PaymentDirection.values:
            initial["direction"] = self.request.GET["direction"]
        for name in ("customer", "supplier"):
            if code := self.request.GET.get(name, "").strip():
                initial[name] = code
        return initial

    def handle(self, pk: int | None) -> HttpResponse:
        request = self.request
        company = company_of(request)
        if company is None:
            return redirect("home")
        payment = self.get_document(pk) if pk is not None else None
        if payment is not None and not payment.is_editable:
            messages.error(request, _("%(document)s is posted: it can no longer be changed.")
                           % {"document": label_of(payment)})
            return redirect(self.kind.url("detail"), pk=payment.pk)
        data = request.POST if request.method == "POST" else None
        form = PaymentForm(data, user=self.user, company=company, payment=payment, initial=self.initial(payment))
        if data is not None and "load_invoices" not in data and form.is_valid():
            posting = "post" in data
            if posting and not self.user.has_perm("finance.change_payment"):
                raise PermissionDenied
            try:
                saved = self.save(form, company, payment, posting)
            except DomainError as error:
                self.show(form, error)
            else:
                text = _("%(document)s posted.") if posting else _("%(document)s saved.")
                messages.success(request, text % {"document": label_of(saved)})
                return redirect(self.kind.url("detail"), pk=saved.pk)
        return render(request, self.template, self.base_context(
            document=payment, label=label_of(payment) if payment else "", form=form,
            accounts=selectors.bank_and_cash_accounts(self.user),
            cancel_url=self.kind.url_of("detail", payment) if payment is not None else self.kind.list_url))

    def save(self, form: PaymentForm, company: Any, payment: Payment | None, posting: bool) -> Payment:
        """``payment_save``, or with *Post* ``payment_save_and_post`` (one transaction)."""
        if posting:
            return services.payment_save_and_post(company=company, actor=self.user, payment=payment,
                                                  keep_overpayment=form.cleaned_data["keep_overpayment"],
                                                  **form.values())
        return services.payment_save(company=company, actor=self.user, payment=payment, **form.values())

    @staticmethod
    def show(form: PaymentForm, error: DomainError) -> None:
        """The service's refusal beside the field it names (the partner's code field for ``partner``),
        above the allocation table for ``allocations``, else above the form."""
        field = error.field
        if field == "partner":
            field = form.partner_field()
        form.add_error(field if field in form.fields else None, str(error.message))


PAYMENTS = DocumentKind(
    namespace="finance", key="payment", segment="payments", model=Payment,
    title=_l("Payment"), title_plural=_l("Payments"), new_title=_l("New payment"),
    selector=payments_for_user, filter_form=PaymentFilterForm, filter_kwargs=filter_kwargs, rows=payment_rows,
    columns=COLUMNS, export_filename="payments", empty=_l("No payments."),
    header_rows=header_rows, lines=selectors.payment_allocations, line_columns=LINE_COLUMNS,
    detail_context=detail_context, print_context=print_context,
    signatures=(_l("Prepared by"), _l("Reviewed by"), _l("Approved by")),
    entry=Entry(header_form=PaymentForm, save=services.payment_save),
    actions=(
        ServiceAction(name="post", label=_l("Post"), service=services.payment_post, statuses=(DRAFT,),
                      params=keep_overpayment, button=False, success=posted_message),
    ),
    section="payments",
    templates=Templates(list="finance/payments/list.html", detail="finance/payments/detail.html",
                        print="finance/payments/print.html"),
    views={"create": PaymentFormView, "edit": PaymentFormView},
)
