"""Customer invoices and credit notes: drafted from posted delivery notes and customer returns, posted
(booking the receivable and taking a Taiwan uniform invoice number), voided (the number is kept with
the reason, the entry reversed).

Amounts: a delivered quantity is invoiced at its share of the sales order line's amount (after
discount), cumulatively: the line's deliveries so far × amount ÷ ordered, minus what was invoiced
before, so partial deliveries add up to the order line to the cent. Tax is worked out per rate on the
document's total (as a uniform invoice states it); each line shows its own rounded share."""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.db.models import F, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from erp import audit
from erp.db import atomic_with_retry
from erp.documents import transition, void
from erp.errors import DomainError
from erp.models import Company
from erp.money import round_money
from finance import status as st
from finance.models import (
    CustomerInvoice,
    CustomerInvoiceLine,
    FinanceSettings,
    JournalEntry,
    UniformInvoiceRange,
)
from finance.services.ledger import Line, RoleAccounts, entry_record, entry_reverse, journal_of_kind
from inventory.models import DeliveryNote
from sales.models import CustomerReturn, SalesOrder, SalesOrderLine

if TYPE_CHECKING:
    from erp.models import User
    from sales.models import Customer

ZERO = Decimal("0")
HUNDRED = Decimal("100")


def settings_of(company: Company | int) -> FinanceSettings:
    company_id = company if isinstance(company, int) else company.pk
    row, _created = FinanceSettings.objects.get_or_create(company_id=company_id)
    return row


def due_date_for(customer: Customer, day: datetime.date) -> datetime.date:
    term = customer.payment_term
    if term is None:
        return day
    start = day
    if term.end_of_month:
        start = (day.replace(day=28) + datetime.timedelta(days=4)).replace(day=1) - datetime.timedelta(days=1)
    return start + datetime.timedelta(days=term.days)


def recompute_totals(invoice: CustomerInvoice) -> None:
    """Net per line summed; tax per rate on the net of that rate; total = net + tax (saved)."""
    lines = list(invoice.lines.all())
    by_rate: dict[Decimal, Decimal] = defaultdict(lambda: ZERO)
    for line in lines:
        by_rate[line.tax_rate] += line.net_amount
    invoice.net_amount = sum((line.net_amount for line in lines), ZERO)
    invoice.tax_amount = sum((round_money(net * rate / HUNDRED) for rate, net in by_rate.items()), ZERO)
    invoice.total_amount = invoice.net_amount + invoice.tax_amount
    CustomerInvoice.objects.filter(pk=invoice.pk).update(net_amount=invoice.net_amount,
                                                         tax_amount=invoice.tax_amount,
                                                         total_amount=invoice.total_amount)


def invoiced_so_far(order_line_ids: Sequence[int], kind: str) -> dict[int, tuple[Decimal, Decimal]]:
    """{order line id: (quantity, amount)} already on invoices (or credit notes) that are not void."""
    rows = (CustomerInvoiceLine.objects.filter(order_line_id__in=order_line_ids, invoice__kind=kind)
            .exclude(invoice__status=st.CustomerInvoiceStatus.VOID)
            .values("order_line_id").annotate(q=Sum("quantity"), a=Sum("net_amount")))
    return {r["order_line_id"]: (r["q"] or ZERO, r["a"] or ZERO) for r in rows}


def share_of(order_line: SalesOrderLine, before_quantity: Decimal, before_amount: Decimal, quantity: Decimal
             ) -> Decimal:
    """The amount of ``quantity`` (base units) of the order line, cumulatively rounded."""
    cumulative = round_money(order_line.net_amount * (before_quantity + quantity) / order_line.quantity_base)
    return cumulative - before_amount


def _draft_for(company: Company, customer: Customer, day: datetime.date, *, kind: str, group: bool,
               actor: User | None, credited: CustomerInvoice | None = None) -> CustomerInvoice:
    period_key = f"{customer.pk}:{day:%Y-%m}" if group else ""
    if group:
        existing = (CustomerInvoice.objects.select_for_update()
                    .filter(company=company, period_key=period_key, status=st.CustomerInvoiceStatus.DRAFT, kind=kind)
                    .order_by("pk").first())
        if existing is not None:
            return existing
    invoice = CustomerInvoice(company=company, customer=customer, kind=kind, document_date=day,
                              due_date=due_date_for(customer, day), buyer_tax_id=customer.tax_id or "",
                              period_key=period_key, credited_invoice=credited, created_by=actor, updated_by=actor)
    invoice.save()
    return invoice


@atomic_with_retry
def invoice_from_delivery(*, delivery: DeliveryNote, lines: Sequence[dict[str, Any]], actor: User | None = None
                          ) -> CustomerInvoice | None:
    """Draft (or add to the customer's month draft) the invoice of a posted delivery note of a sales
    order: ``lines`` as the delivery_posted event carries them ({source_line_id, quantity}). Nothing
    when the delivery is invoiced already or does not ship a sales order."""
    order = delivery.source
    if not isinstance(order, SalesOrder):
        return None
    if CustomerInvoiceLine.objects.filter(delivery=delivery, invoice__kind=st.InvoiceKind.INVOICE).exclude(
            invoice__status=st.CustomerInvoiceStatus.VOID).exists():
        return None
    shipped: dict[int, Decimal] = defaultdict(lambda: ZERO)
    for row in lines:
        shipped[int(row["source_line_id"])] += Decimal(str(row["quantity"]))
    order_lines = {line.pk: line for line in SalesOrderLine.objects.filter(pk__in=shipped, order=order)
                   .select_related("item").order_by("pk")}
    if not order_lines:
        return None
    settings = settings_of(delivery.company_id)
    group = settings.invoice_grouping == st.InvoiceGrouping.PER_CUSTOMER_MONTH
    day = timezone.localdate()
    invoice = _draft_for(delivery.company, order.customer, day, kind=st.InvoiceKind.INVOICE, group=group, actor=actor)
    before = invoiced_so_far(list(order_lines), st.InvoiceKind.INVOICE)
    next_no = (invoice.lines.order_by("-line_no").values_list("line_no", flat=True).first() or 0) + 1
    rows = []
    for pk, order_line in order_lines.items():
        quantity = shipped[pk]
        q_before, a_before = before.get(pk, (ZERO, ZERO))
        amount = share_of(order_line, q_before, a_before, quantity)
        rows.append(CustomerInvoiceLine(
            invoice=invoice, line_no=next_no, item=order_line.item,
            description=order_line.description or order_line.item.name, quantity=quantity,
            unit_price=(amount / quantity).quantize(Decimal("0.000001")) if quantity else ZERO,
            tax_rate=order_line.tax_rate, net_amount=amount,
            tax_amount=round_money(amount * order_line.tax_rate / HUNDRED), order_line=order_line,
            delivery=delivery))
        next_no += 1
    CustomerInvoiceLine.objects.bulk_create(rows)
    audit.record_created(rows, actor=actor)
    recompute_totals(invoice)
    return invoice


@atomic_with_retry
def credit_note_from_return(*, customer_return: CustomerReturn, actor: User | None = None) -> CustomerInvoice | None:
    """Draft the credit note (銷貨折讓單) of a posted customer return, against the invoice of the
    delivery the goods came back from (when it was invoiced)."""
    if CustomerInvoiceLine.objects.filter(customer_return=customer_return).exclude(
            invoice__status=st.CustomerInvoiceStatus.VOID).exists():
        return None
    returned = list(customer_return.lines.select_related("delivery_line", "item"))
    order_line_ids = [line.delivery_line.source_line_id for line in returned]
    order_lines = {line.pk: line for line in SalesOrderLine.objects.filter(pk__in=order_line_ids)}
    credited = (CustomerInvoice.objects.filter(lines__delivery_id=customer_return.delivery_id,
                                               kind=st.InvoiceKind.INVOICE, status=st.CustomerInvoiceStatus.POSTED)
                .order_by("pk").first())
    invoice = _draft_for(customer_return.company, customer_return.customer, timezone.localdate(),
                         kind=st.InvoiceKind.CREDIT_NOTE, group=False, actor=actor, credited=credited)
    before = invoiced_so_far(list(order_lines), st.InvoiceKind.CREDIT_NOTE)
    rows = []
    for n, line in enumerate(returned, start=1):
        order_line = order_lines[line.delivery_line.source_line_id]
        q_before, a_before = before.get(order_line.pk, (ZERO, ZERO))
        quantity = line.quantity_base
        amount = share_of(order_line, q_before, a_before, quantity)
        before[order_line.pk] = (q_before + quantity, a_before + amount)
        rows.append(CustomerInvoiceLine(
            invoice=invoice, line_no=n, item=line.item, description=order_line.description or line.item.name,
            quantity=quantity, unit_price=(amount / quantity).quantize(Decimal("0.000001")),
            tax_rate=order_line.tax_rate, net_amount=amount,
            tax_amount=round_money(amount * order_line.tax_rate / HUNDRED), order_line=order_line,
            delivery_id=customer_return.delivery_id, customer_return=customer_return))
    CustomerInvoiceLine.objects.bulk_create(rows)
    audit.record_created(rows, actor=actor)
    recompute_totals(invoice)
    return invoice


# Uniform invoice numbers --------------------------------------------------------------------------------


def two_month_start(day: datetime.date) -> int:
    return day.month if day.month % 2 == 1 else day.month - 1


def uniform_number_take(company: Company, day: datetime.date) -> tuple[str, UniformInvoiceRange]:
    """The next number of the open range for ``day``'s two-month period, taken under the range's row lock
    (gapless: a rollback gives it back; never reused)."""
    candidates = (UniformInvoiceRange.objects.select_for_update()
                  .filter(company=company, year=day.year, start_month=two_month_start(day),
                          next_number__lte=F("last_number"))
                  .order_by("track", "first_number"))
    chosen = candidates.first()
    if chosen is None:
        raise DomainError(_("No uniform invoice numbers are left for %(year)s/%(start)02d–%(end)02d: enter the "
                            "range the tax office allotted under Finance → Uniform invoice ranges.")
                          % {"year": day.year, "start": two_month_start(day), "end": two_month_start(day) + 1})
    number = f"{chosen.track}{chosen.next_number:08d}"
    UniformInvoiceRange.objects.filter(pk=chosen.pk).update(next_number=F("next_number") + 1)
    chosen.next_number += 1
    return number, chosen


@atomic_with_retry
def uniform_range_save(*, company: Company, actor: User, year: int, start_month: int, track: str, first_number: int,
                       last_number: int) -> UniformInvoiceRange:
    """Enter a range of uniform invoice numbers; one that overlaps another of the same letters and period
    is refused."""
    track = (track or "").strip().upper()
    if start_month not in (1, 3, 5, 7, 9, 11):
        raise DomainError(_("A period starts in an odd month (January, March, …)."), field="start_month")
    if not (0 <= first_number <= last_number <= 99_999_999):
        raise DomainError(_("The last number must not be below the first (at most eight digits)."),
                          field="last_number")
    row = UniformInvoiceRange(company=company, year=year, start_month=start_month, track=track,
                              first_number=first_number, last_number=last_number, next_number=first_number)
    row.full_clean(exclude=["company"])
    # Lock the period's ranges of these letters so two overlapping entries cannot both pass the check.
    same = list(UniformInvoiceRange.objects.select_for_update().filter(company=company, year=year,
                                                                       start_month=start_month, track=track))
    for other in same:
        if first_number <= other.last_number and other.first_number <= last_number:
            raise DomainError(_("The range overlaps %(other)s.") % {"other": other}, field="first_number")
    row.save()
    return row


# Posting and voiding ---------------------------------------------------------------------------------


def _lock(invoice: CustomerInvoice) -> CustomerInvoice:
    return CustomerInvoice.objects.select_for_update().select_related("company", "customer").get(pk=invoice.pk)


@atomic_with_retry
def invoice_post(*, invoice: CustomerInvoice, actor: User | None) -> CustomerInvoice:
    """Post: an invoice books Dr receivable / Cr revenue and output tax and takes a uniform invoice
    number (when the company uses them); a credit note books Dr sales returns and output tax / Cr
    receivable and is applied to the invoice it credits as far as that is open."""
    invoice = _lock(invoice)
    if invoice.status != st.CustomerInvoiceStatus.DRAFT:
        raise DomainError(_("Only a draft invoice can be posted."))
    if not invoice.lines.exists() or invoice.total_amount <= 0:
        raise DomainError(_("The invoice has nothing to invoice."))
    company = invoice.company
    roles = RoleAccounts(company)
    extra: dict[str, Any] = {"posted_at": timezone.now()}
    if invoice.kind == st.InvoiceKind.INVOICE and settings_of(company).uniform_invoices:
        number, uniform_range = uniform_number_take(company, invoice.document_date)
        extra.update(uniform_number=number, uniform_range=uniform_range)
    sign = -1 if invoice.is_credit_note else 1
    description = f"{invoice.customer.code} {invoice.customer.name}"[:300]
    revenue_role = st.AccountRole.SALES_RETURNS if invoice.is_credit_note else st.AccountRole.REVENUE
    lines = [
        Line.signed(roles.get(st.AccountRole.RECEIVABLE), sign * invoice.total_amount, description=description,
                    customer_id=invoice.customer_id),
        Line.signed(roles.get(revenue_role), -sign * invoice.net_amount, description=description),
        Line.signed(roles.get(st.AccountRole.OUTPUT_TAX), -sign * invoice.tax_amount, description=description),
    ]
    invoice = transition(invoice, st.CustomerInvoiceStatus.POSTED, actor=actor, extra_fields=extra)
    entry = entry_record(company=company, journal=journal_of_kind(company, st.JournalKind.SALES),
                         date=invoice.document_date, lines=lines, memo=f"{invoice.number} {description}",
                         source=invoice, source_key=f"customer-invoice:{invoice.pk}", actor=actor, roles=roles)
    set_fields(invoice, actor, journal_entry=entry)
    if invoice.is_credit_note and invoice.credited_invoice_id:
        apply_credit_note(invoice, actor)
    return invoice


def set_fields(invoice: CustomerInvoice, actor: User | None, **values: Any) -> None:
    """Change fields of a posted invoice the system keeps (its entry, the amount paid), audited."""
    before = audit.snapshot([invoice])
    for field, value in values.items():
        setattr(invoice, field, value)
    CustomerInvoice.objects.filter(pk=invoice.pk).update(**values)
    audit.record_updated([invoice], before, list(values), actor=actor)


def apply_credit_note(credit_note: CustomerInvoice, actor: User | None) -> None:
    """Settle the credited invoice with the credit note as far as the invoice is open. A voided invoice
    has nothing open (its entry was reversed): the credit note stays open, the customer's credit."""
    credited = CustomerInvoice.objects.select_for_update().get(pk=credit_note.credited_invoice_id)
    if credited.status != st.CustomerInvoiceStatus.POSTED:
        return
    amount = min(credited.open_amount, credit_note.total_amount)
    if amount > 0:
        set_fields(credited, actor, paid_amount=credited.paid_amount + amount)
        set_fields(credit_note, actor, paid_amount=credit_note.paid_amount + amount)


@atomic_with_retry
def invoice_void(*, invoice: CustomerInvoice, actor: User | None, reason: str) -> CustomerInvoice:
    """Void (作廢) a posted invoice: its entry is reversed today, its uniform number is kept with the
    reason. Refused once anything was paid (or credited) against it."""
    invoice = _lock(invoice)
    if invoice.status != st.CustomerInvoiceStatus.POSTED:
        raise DomainError(_("Only a posted invoice can be voided; a draft is deleted."))
    if invoice.paid_amount > 0 and not invoice.is_credit_note:
        raise DomainError(_("%(invoice)s has payments or credit notes applied: reverse those first.")
                          % {"invoice": invoice.number}, field="reason")
    invoice = void(invoice, st.CustomerInvoiceStatus.VOID, actor=actor, reason=reason)
    if invoice.journal_entry_id:
        entry_reverse(entry=JournalEntry.objects.get(pk=invoice.journal_entry_id), actor=actor)
    if invoice.is_credit_note and invoice.credited_invoice_id and invoice.paid_amount:
        credited = CustomerInvoice.objects.select_for_update().get(pk=invoice.credited_invoice_id)
        set_fields(credited, actor, paid_amount=credited.paid_amount - invoice.paid_amount)
        set_fields(invoice, actor, paid_amount=ZERO)
    return invoice


@atomic_with_retry
def invoice_delete_draft(*, invoice: CustomerInvoice, actor: User) -> None:
    invoice = _lock(invoice)
    if invoice.status != st.CustomerInvoiceStatus.DRAFT:
        raise DomainError(_("Only a draft invoice can be deleted."))
    with transaction.atomic():
        invoice.lines.all().delete()
        invoice.delete()
