"""Finance demo data: the demo company's books (the Taiwan chart, its roles and journals), a range of
uniform invoice numbers for the current two-month period, and the invoices the demo's deliveries
drafted: the first three posted (taking uniform numbers), the first of them paid. Registered with
``register_demo_loader`` (order 60, after the departments whose documents it books). Idempotent."""

from __future__ import annotations

from decimal import Decimal

from django.utils import timezone

from erp.models import Company, User
from finance import status as st
from finance.models import CustomerInvoice, Payment, UniformInvoiceRange
from finance.services import invoices as invoicing
from finance.services.ledger import RoleAccounts
from finance.services.payments import payment_post, payment_save
from finance.services.setup import books_seed


def load_finance_demo(company: Company, users: dict[str, User]) -> int:
    from sales.demo import run_events  # the deliveries' events draft the invoices

    created = books_seed(company)
    run_events(company)
    accountant = users.get("finance") or next(iter(users.values()))
    today = timezone.localdate()
    start = invoicing.two_month_start(today)
    if not UniformInvoiceRange.objects.filter(company=company, year=today.year, start_month=start).exists():
        invoicing.uniform_range_save(company=company, actor=accountant, year=today.year, start_month=start,
                                     track="AB", first_number=12345000, last_number=12345249)
        created += 1
    if CustomerInvoice.objects.filter(company=company, status=st.CustomerInvoiceStatus.POSTED).exists():
        return created
    drafts = list(CustomerInvoice.objects.filter(company=company, status=st.CustomerInvoiceStatus.DRAFT,
                                                 kind=st.InvoiceKind.INVOICE).order_by("pk")[:3])
    posted = [invoicing.invoice_post(invoice=invoice, actor=accountant) for invoice in drafts]
    if posted and not Payment.objects.filter(company=company).exists():
        first = posted[0]
        payment = payment_save(company=company, actor=accountant, direction=st.PaymentDirection.IN,
                               account=RoleAccounts(company).get(st.AccountRole.BANK),
                               amount=Decimal(first.total_amount), document_date=today, partner=first.customer,
                               allocations=[(first, first.total_amount)], reference="匯款 0001")
        payment_post(payment=payment, actor=accountant)
        created += 1
    return created + len(posted)
