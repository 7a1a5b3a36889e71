"""Payments received from customers and made to suppliers, allocated to open invoices (沖帳).

Posting locks the invoices it settles (in id order), refuses to settle more than an invoice has open,
and refuses money left over unless the user chose to keep it as the partner's credit (an advance
received, or a prepayment made). The entry: money in — Dr bank / Cr receivable (allocated) and
advances from customers (the rest); money out — Dr payable (allocated) and prepayments to suppliers
(the rest) / Cr bank."""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.db.models import F
from django.utils.translation import gettext as _

from erp import audit
from erp.db import atomic_with_retry
from erp.documents import transition
from erp.errors import DomainError
from erp.models import Company
from erp.money import round_money
from finance import status as st
from finance.models import Account, CustomerInvoice, Payment, PaymentAllocation
from finance.selectors import supplier_invoice_paid  # noqa: F401  (also read from here)
from finance.services.ledger import Line, RoleAccounts, entry_record, journal_of_kind
from purchasing import status as purchasing_status
from purchasing.models import SupplierInvoice

if TYPE_CHECKING:
    from erp.models import User

ZERO = Decimal("0")


@atomic_with_retry
def payment_save(*, company: Company, actor: User, direction: str, account: Account, amount: Decimal,
                 document_date: datetime.date, partner: Any, allocations: Sequence[tuple[Any, Decimal]] = (),
                 reference: str = "", payment: Payment | None = None) -> Payment:
    """Save a draft payment with its allocations [(invoice, amount)]; checked again when posted."""
    amount = Decimal(amount)
    if amount <= 0 or amount != round_money(amount):
        raise DomainError(_("The amount must be positive, with at most two decimals."), field="amount")
    if account.company_id != company.pk or account.is_group or not account.is_active:
        raise DomainError(_("Choose an active account of this company to pay through."), field="account")
    if partner is None or partner.company_id != company.pk:
        raise DomainError(_("Choose the customer or the supplier."), field="partner")
    if payment is None:
        payment = Payment(company=company, created_by=actor)
    else:
        payment = Payment.objects.select_for_update().get(pk=payment.pk)
        if not payment.is_editable:
            raise DomainError(_("Only a draft payment can be changed."))
    payment.direction, payment.account, payment.amount = direction, account, amount
    payment.document_date, payment.bank_reference, payment.updated_by = document_date, reference[:100], actor
    payment.customer = partner if direction == st.PaymentDirection.IN else None
    payment.supplier = partner if direction == st.PaymentDirection.OUT else None
    payment.save()
    payment.allocations.all().delete()
    rows = []
    for n, (invoice, allocated) in enumerate(allocations, start=1):
        allocated = Decimal(allocated)
        if allocated <= 0 or allocated != round_money(allocated):
            raise DomainError(_("Allocation %(n)s: the amount must be positive, with at most two decimals.")
                              % {"n": n}, field="allocations")
        if invoice.company_id != company.pk or getattr(invoice, "customer_id", None) not in (None, partner.pk) \
                or getattr(invoice, "supplier_id", None) not in (None, partner.pk):
            raise DomainError(_("Allocation %(n)s: the invoice is not the partner's.") % {"n": n},
                              field="allocations")
        rows.append(PaymentAllocation(
            payment=payment, amount=allocated,
            customer_invoice=invoice if isinstance(invoice, CustomerInvoice) else None,
            supplier_invoice=invoice if isinstance(invoice, SupplierInvoice) else None))
    PaymentAllocation.objects.bulk_create(rows)
    audit.record_created(rows, actor=actor)
    if sum((row.amount for row in rows), ZERO) > amount:
        raise DomainError(_("The allocations add up to more than the payment."), field="allocations")
    return payment


@atomic_with_retry
def payment_post(*, payment: Payment, actor: User | None, keep_overpayment: bool = False) -> Payment:
    """Post a draft payment (see the module's docstring)."""
    payment = Payment.objects.select_for_update().select_related("company", "account").get(pk=payment.pk)
    if payment.status != st.PaymentStatus.DRAFT:
        raise DomainError(_("Only a draft payment can be posted."))
    allocations = list(payment.allocations.order_by("customer_invoice_id", "supplier_invoice_id", "pk"))
    allocated = sum((a.amount for a in allocations), ZERO)
    if allocated > payment.amount:
        raise DomainError(_("The allocations add up to more than the payment."), field="allocations")
    _settle(payment, allocations, actor)  # refuses settling more than is open (all rolls back)
    rest = payment.amount - allocated
    if rest and not keep_overpayment:
        raise DomainError(_("%(rest)s of the payment is not allocated to an invoice: allocate it, or choose to keep "
                            "it as the partner's credit.") % {"rest": rest}, field="keep_overpayment")
    company = payment.company
    roles = RoleAccounts(company)
    partner = payment.partner
    description = f"{partner.code} {partner.name}"[:300]
    if payment.direction == st.PaymentDirection.IN:
        partner_ids = {"customer_id": payment.customer_id}
        lines = [Line.signed(payment.account, payment.amount, description=description),
                 Line.signed(roles.get(st.AccountRole.RECEIVABLE), -allocated, description=description, **partner_ids),
                 Line.signed(roles.get(st.AccountRole.CUSTOMER_ADVANCE), -rest, description=description,
                             **partner_ids)]
    else:
        partner_ids = {"supplier_id": payment.supplier_id}
        lines = [Line.signed(roles.get(st.AccountRole.PAYABLE), allocated, description=description, **partner_ids),
                 Line.signed(roles.get(st.AccountRole.SUPPLIER_ADVANCE), rest, description=description,
                             **partner_ids),
                 Line.signed(payment.account, -payment.amount, description=description)]
    payment = transition(payment, st.PaymentStatus.POSTED, actor=actor, extra_fields={"allocated_amount": allocated})
    entry = entry_record(company=company, journal=journal_of_kind(company, st.JournalKind.BANK),
                         date=payment.document_date, lines=lines, memo=f"{payment.number} {description}",
                         source=payment, source_key=f"payment:{payment.pk}", actor=actor, roles=roles)
    before = audit.snapshot([payment])
    payment.journal_entry = entry
    Payment.objects.filter(pk=payment.pk).update(journal_entry=entry)
    audit.record_updated([payment], before, ["journal_entry"], actor=actor)
    return payment


def _settle(payment: Payment, allocations: Sequence[PaymentAllocation], actor: User | None) -> None:
    """Add each allocation to its invoice's paid amount, refusing more than the invoice has open."""
    customer_ids = sorted({a.customer_invoice_id for a in allocations if a.customer_invoice_id})
    invoices = {i.pk: i for i in CustomerInvoice.objects.select_for_update().filter(pk__in=customer_ids)
                .order_by("pk")}
    supplier_ids = sorted({a.supplier_invoice_id for a in allocations if a.supplier_invoice_id})
    bills = {i.pk: i for i in SupplierInvoice.objects.select_for_update().filter(pk__in=supplier_ids).order_by("pk")}
    paid = supplier_invoice_paid(supplier_ids)
    for n, allocation in enumerate(allocations, start=1):
        if allocation.customer_invoice_id:
            invoice = invoices[allocation.customer_invoice_id]
            if invoice.status != st.CustomerInvoiceStatus.POSTED or invoice.is_credit_note:
                raise DomainError(_("Allocation %(n)s: %(invoice)s is not a posted invoice.")
                                  % {"n": n, "invoice": invoice.reference}, field="allocations")
            if allocation.amount > invoice.open_amount:
                raise DomainError(_("Allocation %(n)s: %(invoice)s has only %(open)s open.")
                                  % {"n": n, "invoice": invoice.reference, "open": invoice.open_amount},
                                  field="allocations")
            before = audit.snapshot([invoice])
            invoice.paid_amount += allocation.amount
            CustomerInvoice.objects.filter(pk=invoice.pk).update(paid_amount=F("paid_amount") + allocation.amount)
            audit.record_updated([invoice], before, ["paid_amount"], actor=actor)
        else:
            bill = bills[allocation.supplier_invoice_id]
            open_amount = bill.total_amount - paid.get(bill.pk, ZERO)
            if bill.status != purchasing_status.InvoiceStatus.POSTED or allocation.amount > open_amount:
                raise DomainError(_("Allocation %(n)s: %(invoice)s has only %(open)s open.")
                                  % {"n": n, "invoice": bill.reference, "open": max(open_amount, ZERO)},
                                  field="allocations")
            paid[bill.pk] = paid.get(bill.pk, ZERO) + allocation.amount


@atomic_with_retry
def payment_save_and_post(*, company: Company, actor: User, keep_overpayment: bool = False, **values: Any) -> Payment:
    """The form's *Post*: ``payment_save`` then ``payment_post`` in one transaction, so a refusal of the
    posting takes the saving back with it (nothing half-saved). ``values`` are ``payment_save``'s."""
    saved = payment_save(company=company, actor=actor, **values)
    return payment_post(payment=saved, actor=actor, keep_overpayment=keep_overpayment)
