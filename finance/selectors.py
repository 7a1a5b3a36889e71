"""Reading the ledger: balances, the trial balance, profit and loss, the balance sheet and an account's
ledger detail.

Sums over whole periods come from the period balance rows (AccountBalance, kept by every posting);
the days of a range that cover part of a period only are summed from the lines, by the index on
(company, account, date). Either way only posted lines count: a draft's lines have no date."""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import F, Q, QuerySet, Sum

from erp.models import Company
from erp.scoping import VIEW
from finance import status as st
from finance.models import Account, AccountBalance, JournalEntry, JournalLine, Period
from purchasing.status import InvoiceStatus as BillStatus

ZERO = Decimal("0")
Sums = dict[int, list[Decimal]]  # account id -> [debit, credit]
BILL_POSTED = BillStatus.POSTED  # a supplier invoice (purchasing's) that is posted


def _add(target: Sums, rows: Iterable[tuple[int, Decimal | None, Decimal | None]]) -> None:
    for account_id, debit, credit in rows:
        sums = target.setdefault(account_id, [ZERO, ZERO])
        sums[0] += debit or ZERO
        sums[1] += credit or ZERO


def covering(company_id: int, date_from: datetime.date | None, date_to: datetime.date
             ) -> tuple[list[int], list[tuple[datetime.date, datetime.date]]]:
    """The periods the range covers whole (their ids) and the days of it no whole period covers (at
    most a part of a period at either end, as (first, last) days)."""
    periods = Period.objects.filter(company_id=company_id, start__lte=date_to)
    if date_from is not None:
        periods = periods.filter(end__gte=date_from)
    whole_ids, partial = [], []
    for pk, start, end in periods.order_by("start").values_list("pk", "start", "end"):
        if (date_from is None or start >= date_from) and end <= date_to:
            whole_ids.append(pk)
        else:  # the part of this period inside the range
            partial.append((max(start, date_from) if date_from else start, min(end, date_to)))
    return whole_ids, partial


def days_of(partial: Sequence[tuple[datetime.date, datetime.date]]) -> Q:
    days = Q()
    for start, end in partial:
        days |= Q(date__range=(start, end))
    return days


def movements(company: Company | int, *, date_from: datetime.date | None, date_to: datetime.date,
              include_closing: bool = True, types: Sequence[str] | None = None,
              account_ids: Sequence[int] | None = None) -> Sums:
    """Debits and credits posted per account (of ``account_ids`` if given) from ``date_from`` (None: the
    beginning) to ``date_to``.

    The periods the range covers whole are read from their balance rows; only the days no whole
    period covers (a part of a period at either end, at most two) are summed from the lines."""
    company_id = company if isinstance(company, int) else company.pk
    sums: Sums = {}
    whole_ids, partial = covering(company_id, date_from, date_to)
    balances = AccountBalance.objects.filter(company_id=company_id, period_id__in=whole_ids).order_by()
    if not include_closing:
        balances = balances.filter(closing=False)
    if types is not None:
        balances = balances.filter(account__account_type__in=types)
    if account_ids is not None:
        balances = balances.filter(account_id__in=account_ids)
    if whole_ids:
        _add(sums, balances.values("account_id").annotate(d=Sum("debit"), c=Sum("credit"))
             .values_list("account_id", "d", "c"))
    if partial:
        lines = JournalLine.objects.filter(days_of(partial), company_id=company_id).order_by()
        if not include_closing:
            lines = lines.filter(closing=False)
        if types is not None:
            lines = lines.filter(account__account_type__in=types)
        if account_ids is not None:
            lines = lines.filter(account_id__in=account_ids)
        _add(sums, lines.values("account_id").annotate(d=Sum("debit"), c=Sum("credit"))
             .values_list("account_id", "d", "c"))
    return sums


def account_balances(company: Company, *, date_from: datetime.date | None, date_to: datetime.date,
                     types: Sequence[str] | None = None, include_closing: bool = True) -> list[tuple[Account, Decimal]]:
    """[(account, debit − credit)] over the range, accounts with postings only, in code order."""
    sums = movements(company, date_from=date_from, date_to=date_to, types=types, include_closing=include_closing)
    accounts = Account.objects.filter(pk__in=sums.keys()).order_by("code")
    return [(account, sums[account.pk][0] - sums[account.pk][1]) for account in accounts]


# Reports --------------------------------------------------------------------------------------------


@dataclass
class TrialBalanceRow:
    account: Account
    opening: Decimal  # debit − credit before date_from
    debit: Decimal
    credit: Decimal

    @property
    def balance(self) -> Decimal:
        """Debit − credit at the end of the range (opening included)."""
        return self.opening + self.debit - self.credit


@dataclass
class TrialBalance:
    date_from: datetime.date
    date_to: datetime.date
    rows: list[TrialBalanceRow] = field(default_factory=list)

    @property
    def total_opening(self) -> Decimal:
        return sum((r.opening for r in self.rows), ZERO)

    @property
    def total_debit(self) -> Decimal:
        return sum((r.debit for r in self.rows), ZERO)

    @property
    def total_credit(self) -> Decimal:
        return sum((r.credit for r in self.rows), ZERO)

    @property
    def total_balance(self) -> Decimal:
        return sum((r.balance for r in self.rows), ZERO)


def trial_balance(company: Company, *, date_from: datetime.date, date_to: datetime.date) -> TrialBalance:
    """Every account with a balance or a posting: what it held before ``date_from``, the debits and
    credits of the range, and its balance at ``date_to``. The balances sum to zero."""
    before = movements(company, date_from=None, date_to=date_from - datetime.timedelta(days=1))
    during = movements(company, date_from=date_from, date_to=date_to)
    ids = {pk for pk, (d, c) in before.items() if d != c} | set(during)
    report = TrialBalance(date_from, date_to)
    for account in Account.objects.filter(pk__in=ids).order_by("code"):
        opening = before.get(account.pk, [ZERO, ZERO])
        debit, credit = during.get(account.pk, [ZERO, ZERO])
        report.rows.append(TrialBalanceRow(account, opening[0] - opening[1], debit, credit))
    return report


@dataclass
class StatementLine:
    account: Account | None
    label: str
    amount: Decimal  # in the section's natural sign: income and liabilities positive when credit
    depth: int = 0


@dataclass
class Statement:
    sections: dict[str, list[StatementLine]]
    totals: dict[str, Decimal]


def _natural(account: Account, debit_minus_credit: Decimal) -> Decimal:
    return debit_minus_credit if account.debit_normal else -debit_minus_credit


def profit_and_loss(company: Company, *, date_from: datetime.date, date_to: datetime.date) -> Statement:
    """Income and expenses of the range (a year-end closing entry left out), and the profit."""
    balances = account_balances(company, date_from=date_from, date_to=date_to, types=st.PROFIT_AND_LOSS,
                                include_closing=False)
    sections: dict[str, list[StatementLine]] = {st.AccountType.INCOME: [], st.AccountType.EXPENSE: []}
    totals = {st.AccountType.INCOME: ZERO, st.AccountType.EXPENSE: ZERO}
    for account, amount in balances:
        natural = _natural(account, amount)
        sections[account.account_type].append(StatementLine(account, str(account), natural))
        totals[account.account_type] += natural
    totals["profit"] = totals[st.AccountType.INCOME] - totals[st.AccountType.EXPENSE]
    return Statement(sections, totals)


def balance_sheet(company: Company, *, as_of: datetime.date) -> Statement:
    """Assets, liabilities and equity at ``as_of``; the income and expenses not yet closed into retained
    earnings show as the equity line "current year profit or loss". Assets = liabilities + equity."""
    balances = account_balances(company, date_from=None, date_to=as_of)
    sections: dict[str, list[StatementLine]] = {t: [] for t in st.BALANCE_SHEET}
    totals = {t: ZERO for t in st.BALANCE_SHEET}
    unclosed = ZERO
    for account, amount in balances:
        if account.account_type in st.PROFIT_AND_LOSS:
            unclosed -= amount  # credit-positive: income raises equity
            continue
        natural = _natural(account, amount)
        if natural:
            sections[account.account_type].append(StatementLine(account, str(account), natural))
            totals[account.account_type] += natural
    if unclosed:
        from django.utils.translation import gettext

        sections[st.AccountType.EQUITY].append(StatementLine(None, gettext("Profit or loss not yet closed"), unclosed))
        totals[st.AccountType.EQUITY] += unclosed
    totals["liabilities_and_equity"] = totals[st.AccountType.LIABILITY] + totals[st.AccountType.EQUITY]
    return Statement(sections, totals)


# Lists --------------------------------------------------------------------------------------------------


def accounts_for_user(user: Any) -> QuerySet[Account]:
    return Account.objects.restrict(user, VIEW).select_related("parent").order_by("code")


def entries_for_user(user: Any) -> QuerySet[JournalEntry]:
    return JournalEntry.objects.restrict(user, VIEW).select_related("journal", "period")


def ledger_lines(account: Account, *, date_from: datetime.date | None, date_to: datetime.date | None
                 ) -> QuerySet[JournalLine]:
    """An account's posted lines in date order, with their entries (the general ledger detail)."""
    lines = JournalLine.objects.filter(company_id=account.company_id, account=account, date__isnull=False)
    if date_from is not None:
        lines = lines.filter(date__gte=date_from)
    if date_to is not None:
        lines = lines.filter(date__lte=date_to)
    return lines.select_related("entry", "entry__journal").order_by("date", "id")


def ledger_line_count(account: Account, *, date_from: datetime.date | None, date_to: datetime.date) -> int:
    """How many lines ``ledger_lines`` gives: whole periods from the balance rows' counts, the other
    days counted (a busy account's count without reading its lines)."""
    whole_ids, partial = covering(account.company_id, date_from, date_to)
    count = int(AccountBalance.objects.filter(account=account, period_id__in=whole_ids).order_by()
                .aggregate(n=Sum("line_count"))["n"] or 0) if whole_ids else 0
    if partial:
        count += JournalLine.objects.filter(days_of(partial), company_id=account.company_id, account=account
                                            ).order_by().count()
    return count


def ledger_page(lines: QuerySet[JournalLine], offset: int, size: int) -> list[JournalLine]:
    """A page of ``ledger_lines``: the page's ids first (an index scan of the account's lines), then
    those lines with their entries; skipping deep into a busy account then joins nothing it skips."""
    ids = list(lines.select_related(None).values_list("pk", flat=True)[offset:offset + size])
    return list(lines.filter(pk__in=ids))


def balance_before(account: Account, *, date_from: datetime.date | None, first_line: JournalLine | None = None
                   ) -> Decimal:
    """Debit − credit of ``account`` before ``date_from`` (and, within the range, before ``first_line``
    of a page: the running balance a page of the ledger starts from)."""
    total = ZERO
    if date_from is not None:
        sums = movements(account.company_id, date_from=None, date_to=date_from - datetime.timedelta(days=1),
                         account_ids=[account.pk])
        debit, credit = sums.get(account.pk, [ZERO, ZERO])
        total = debit - credit
    if first_line is not None and first_line.date is not None:
        # the range's days before the page's first (periods from their balance rows), then its own day
        day_before = first_line.date - datetime.timedelta(days=1)
        if date_from is None or day_before >= date_from:
            debit, credit = movements(account.company_id, date_from=date_from, date_to=day_before,
                                      account_ids=[account.pk]).get(account.pk, [ZERO, ZERO])
            total += debit - credit
        agg = (JournalLine.objects.filter(company_id=account.company_id, account=account, date=first_line.date,
                                          id__lt=first_line.pk).order_by().aggregate(d=Sum("debit"), c=Sum("credit")))
        total += (agg["d"] or ZERO) - (agg["c"] or ZERO)
    return total


def role_accounts_for_user(user: Any) -> QuerySet[Any]:
    from finance.models import AccountRoleAccount

    return (AccountRoleAccount.objects.restrict(user, VIEW)
            .select_related("account", "item_category", "warehouse", "adjustment_reason").order_by("role", "pk"))


def periods_for_user(user: Any) -> QuerySet[Period]:
    return Period.objects.restrict(user, VIEW).select_related("fiscal_year", "closed_by").order_by("-start")



# Screens and API (finance/views, finance/api) --------------------------------------------------------


def fiscal_years_for_user(user: Any) -> QuerySet[Any]:
    """The company's fiscal years, newest first, each with its periods in order (and who closed them)."""
    from django.db.models import Prefetch

    from finance.models import FiscalYear

    periods = Period.objects.select_related("closed_by").order_by("start")
    return (FiscalYear.objects.restrict(user, VIEW).select_related("closing_entry")
            .prefetch_related(Prefetch("periods", queryset=periods)).order_by("-year"))


def journals_for_user(user: Any) -> QuerySet[Any]:
    from finance.models import Journal

    return Journal.objects.restrict(user, VIEW).order_by("code")


def entry_list_for_user(user: Any, *, journal: Any = None, status: str | None = None,
                        date_from: datetime.date | None = None, date_to: datetime.date | None = None,
                        search: str = "") -> QuerySet[JournalEntry]:
    """The journal entries list: newest first, narrowed by journal, status, date range and a text found
    in the number, the memo or the source's reference."""
    entries = entries_for_user(user)
    if journal is not None:
        entries = entries.filter(journal=journal)
    if status:
        entries = entries.filter(status=status)
    if date_from is not None:
        entries = entries.filter(document_date__gte=date_from)
    if date_to is not None:
        entries = entries.filter(document_date__lte=date_to)
    if search := search.strip():
        entries = entries.filter(Q(number__icontains=search) | Q(memo__icontains=search)
                                 | Q(source_reference__icontains=search))
    return entries.order_by("-document_date", "-id")


def entry_lines(entry: JournalEntry) -> QuerySet[JournalLine]:
    """An entry's lines in order, with their accounts and partners."""
    return entry.lines.select_related("account", "customer", "supplier").order_by("line_no")


def chart_balances(company: Company, *, as_of: datetime.date) -> dict[int, Decimal]:
    """Debit − credit of every account with postings up to ``as_of``, each group account summing every
    account under it (a fixed number of queries, whatever the chart)."""
    sums = movements(company, date_from=None, date_to=as_of)
    parents: dict[int, int | None] = dict(Account.objects.filter(company=company).values_list("pk", "parent_id"))
    totals: dict[int, Decimal] = defaultdict(lambda: ZERO)
    for account_id, (debit, credit) in sums.items():
        node: int | None = account_id
        seen: set[int] = set()
        while node is not None and node not in seen:
            totals[node] += debit - credit
            seen.add(node)
            node = parents.get(node)
    return dict(totals)


# Receivables and payables ------------------------------------------------------------------------------

AGING_BUCKETS = ((0, 30), (31, 60), (61, 90), (91, None))
CUSTOMER, SUPPLIER = "customer", "supplier"
# Whose aging, and what reading it needs: the customers' is the receivables' (what the invoice list
# shows); the suppliers' is read from purchasing's supplier invoices (its view permission, and its
# scope: a buyer, their suppliers') with what finance paid of them, finance's to show (as the API's
# supplier-invoices/ asks finance.view_payment besides).
AGING_PERMISSIONS: dict[str, tuple[str, ...]] = {
    CUSTOMER: ("finance.view_customerinvoice",),
    SUPPLIER: ("purchasing.view_supplierinvoice", "finance.view_payment"),
}


@dataclass
class AgingRow:
    partner: Any
    buckets: list[Decimal]

    @property
    def total(self) -> Decimal:
        return sum(self.buckets, ZERO)


def open_customer_invoices(company: Company) -> QuerySet[Any]:
    """Posted invoices and credit notes with something open (credit notes count against the customer)."""
    from finance.models import CustomerInvoice

    return (CustomerInvoice.objects.filter(company=company, status=st.CustomerInvoiceStatus.POSTED)
            .exclude(paid_amount=F("total_amount")).select_related("customer"))


def receivable_open_total(company: Company) -> Decimal:
    """Open invoices minus open credit notes: what the receivable account must hold."""
    total = ZERO
    for kind, amount, paid in open_customer_invoices(company).values_list("kind", "total_amount", "paid_amount"):
        total += (paid - amount) if kind == st.InvoiceKind.CREDIT_NOTE else (amount - paid)
    return total


def aging_bucket(as_of: datetime.date, day: datetime.date) -> int:
    """The index in AGING_BUCKETS of a document dated ``day``, as of ``as_of``."""
    age = (as_of - day).days
    return next(i for i, (_low, high) in enumerate(AGING_BUCKETS) if high is None or age <= high)


def _aging_add(rows: dict[int, AgingRow], partner: Any, bucket: int, amount: Decimal) -> None:
    if amount:
        rows.setdefault(partner.pk, AgingRow(partner, [ZERO] * len(AGING_BUCKETS))).buckets[bucket] += amount


def allocations_as_of(field: str, invoice_ids: Iterable[int], as_of: datetime.date
                      ) -> dict[int, tuple[Decimal, Decimal]]:
    """{invoice id: (what posted payments dated on or before ``as_of`` allocated to it, what all posted
    payments allocated to it)} for ``field`` "customer_invoice_id" or "supplier_invoice_id": one query."""
    from finance.models import PaymentAllocation

    ids = list(invoice_ids)
    if not ids:
        return {}
    rows = (PaymentAllocation.objects.filter(**{f"{field}__in": ids}, payment__status=st.PaymentStatus.POSTED)
            .values(field).order_by()
            .annotate(to_day=Sum("amount", filter=Q(payment__document_date__lte=as_of)), every=Sum("amount"))
            .values_list(field, "to_day", "every"))
    return {pk: (to_day or ZERO, every or ZERO) for pk, to_day, every in rows}


def customer_aging(company: Company, *, as_of: datetime.date) -> list[AgingRow]:
    """Customer invoices open as of ``as_of`` per customer by age since the invoice date: 0–30, 31–60,
    61–90, 90+ days (credit notes reduce the bucket of their own date).

    As of that day: only posted payments dated on or before it count; an invoice voided after it was
    still open then; a credit note dated after it has not reduced anything yet. Today this is what
    the invoices' paid amounts say. Three queries, however many invoices."""
    from django.db.models import Exists, OuterRef

    from finance.models import CustomerInvoice, PaymentAllocation

    posted, void = st.CustomerInvoiceStatus.POSTED, st.CustomerInvoiceStatus.VOID
    credit_note = st.InvoiceKind.CREDIT_NOTE
    paid_later = Exists(PaymentAllocation.objects.filter(customer_invoice=OuterRef("pk"),
                                                         payment__status=st.PaymentStatus.POSTED,
                                                         payment__document_date__gt=as_of))
    credited_later = Exists(CustomerInvoice.objects.filter(credited_invoice=OuterRef("pk"), kind=credit_note,
                                                           status=posted, document_date__gt=as_of))
    # The documents of the day that can be open then: open now, voided after the day, or settled by
    # something dated after it (what is settled now and was by the day is left out unread).
    documents = list(
        CustomerInvoice.objects.filter(company=company, document_date__lte=as_of)
        .filter(Q(status=posted) | Q(status=void, voided_at__date__gt=as_of))
        .filter(~Q(paid_amount=F("total_amount")) | Q(status=void) | paid_later | credited_later
                | Q(kind=credit_note, credited_invoice__document_date__gt=as_of))
        .annotate(credited_date=F("credited_invoice__document_date"))
        .select_related("customer").order_by("customer__code", "customer_id", "document_date", "pk"))
    # A posted credit note is applied to the invoice it credits when it is posted: apply_credit_note
    # adds the same amount to both paid_amount fields. So what it applied is its paid_amount less what
    # payments allocated to it (none today: payments settle invoices only; kept general), and it
    # reduces the invoice from the credit note's own date. A credit note voided since has given its
    # amount back (paid_amount 0): as of an earlier day it counts open in full and the invoice
    # unreduced, the customer's total as it was (only the bucket may differ).
    invoice_ids = [d.pk for d in documents if not d.is_credit_note]
    notes = list(CustomerInvoice.objects.filter(credited_invoice_id__in=invoice_ids, kind=credit_note, status=posted,
                                                document_date__lte=as_of)
                 .order_by().values_list("pk", "credited_invoice_id", "paid_amount")) if invoice_ids else []
    allocated = allocations_as_of("customer_invoice_id", {d.pk for d in documents} | {n[0] for n in notes}, as_of)

    def applied(pk: int, paid: Decimal) -> Decimal:
        return paid - allocated.get(pk, (ZERO, ZERO))[1]

    credited: dict[int, Decimal] = defaultdict(lambda: ZERO)
    for pk, invoice_id, paid in notes:
        credited[invoice_id] += applied(pk, paid)
    rows: dict[int, AgingRow] = {}
    for document in documents:
        paid = allocated.get(document.pk, (ZERO, ZERO))[0]
        if document.is_credit_note:
            if document.credited_date is not None and document.credited_date <= as_of:
                paid += applied(document.pk, document.paid_amount)
            amount = paid - document.total_amount  # what is left of it to apply: a credit
        else:
            amount = document.total_amount - paid - credited[document.pk]
        _aging_add(rows, document.customer, aging_bucket(as_of, document.document_date), amount)
    return list(rows.values())


def supplier_aging(company: Company, *, as_of: datetime.date, user: Any = None) -> list[AgingRow]:
    """Posted supplier invoices open as of ``as_of`` per supplier by age since the invoice date (the
    buckets of ``customer_aging``): the total less what posted payments dated on or before the day
    allocated to it (a posted supplier invoice is never voided). With ``user``, only the invoices they
    see in purchasing (a buyer: their suppliers'). One query."""
    from purchasing.models import SupplierInvoice
    from purchasing.selectors.invoices import invoices_for_user

    bills = invoices_for_user(user) if user is not None else SupplierInvoice.objects.select_related("supplier")
    bills = (with_supplier_paid(bills.filter(company=company, status=BILL_POSTED, document_date__lte=as_of),
                                as_of=as_of)
             .exclude(total_amount=F("finance_paid")).order_by("supplier__code", "supplier_id", "document_date", "pk"))
    rows: dict[int, AgingRow] = {}
    for bill in bills:
        _aging_add(rows, bill.supplier, aging_bucket(as_of, bill.document_date), bill.total_amount - bill.finance_paid)
    return list(rows.values())


def aging_for_user(user: Any, company: Company, *, party: str, as_of: datetime.date) -> list[AgingRow]:
    """The aging the screen and the API show: ``party`` CUSTOMER or SUPPLIER (the caller has checked
    AGING_PERMISSIONS[party])."""
    if party == SUPPLIER:
        return supplier_aging(company, as_of=as_of, user=user)
    return customer_aging(company, as_of=as_of)


# Business tax (營業稅 401) and reconciliation ------------------------------------------------------------


@dataclass
class BusinessTaxReport:
    """The figures of a two-month business tax return (Taiwan's 401; the PRC's VAT figures alike)."""

    year: int
    start_month: int
    sales_net: Decimal
    output_tax: Decimal
    returns_net: Decimal
    returns_tax: Decimal
    purchases_net: Decimal
    input_tax: Decimal
    invoices_issued: int
    invoices_void: int

    @property
    def net_output_tax(self) -> Decimal:
        return self.output_tax - self.returns_tax

    @property
    def tax_payable(self) -> Decimal:
        """Output less input tax: payable when positive, carried forward as a credit (留抵) when negative."""
        return self.net_output_tax - self.input_tax


def two_month_dates(year: int, start_month: int) -> tuple[datetime.date, datetime.date]:
    first = datetime.date(year, start_month, 1)
    after = datetime.date(year + (start_month + 2 > 12), (start_month + 1) % 12 + 1, 1)
    return first, after - datetime.timedelta(days=1)


def business_tax_report(company: Company, *, year: int, start_month: int) -> BusinessTaxReport:
    """Posted customer invoices and credit notes, and posted supplier invoices, dated in the period."""
    from finance.models import CustomerInvoice
    from purchasing.models import SupplierInvoice

    first, last = two_month_dates(year, start_month)
    invoices = CustomerInvoice.objects.filter(company=company, document_date__range=(first, last))
    posted = invoices.exclude(status=st.CustomerInvoiceStatus.DRAFT)
    sums = {kind: posted.filter(kind=kind, status=st.CustomerInvoiceStatus.POSTED).order_by()
            .aggregate(net=Sum("net_amount"), tax=Sum("tax_amount")) for kind in st.InvoiceKind.values}
    bills = (SupplierInvoice.objects.filter(company=company, status=BILL_POSTED, document_date__range=(first, last))
             .order_by().aggregate(net=Sum("net_amount"), tax=Sum("tax_amount")))
    sales, returns = sums[st.InvoiceKind.INVOICE], sums[st.InvoiceKind.CREDIT_NOTE]
    numbered = posted.exclude(uniform_number="")
    return BusinessTaxReport(
        year=year, start_month=start_month, sales_net=sales["net"] or ZERO, output_tax=sales["tax"] or ZERO,
        returns_net=returns["net"] or ZERO, returns_tax=returns["tax"] or ZERO, purchases_net=bills["net"] or ZERO,
        input_tax=bills["tax"] or ZERO, invoices_issued=numbered.count(),
        invoices_void=numbered.filter(status=st.CustomerInvoiceStatus.VOID).count())


@dataclass
class Reconciliation:
    label: str
    ledger: Decimal
    subledger: Decimal
    subledger_label: str

    @property
    def difference(self) -> Decimal:
        return self.ledger - self.subledger


def role_balance(company: Company, role: str) -> Decimal:
    """Debit − credit of every account mapped to ``role`` (its overrides included), all posted lines."""
    from finance.models import AccountRoleAccount

    ids = list(AccountRoleAccount.objects.filter(company=company, role=role).values_list("account_id", flat=True))
    sums = movements(company, date_from=None, date_to=datetime.date.max, account_ids=ids)
    return sum((debit - credit for debit, credit in sums.values()), ZERO)


def pending_bookings(company: Company) -> int:
    """Finance's event deliveries of the company not yet handled (postings on their way to the ledger)."""
    from erp.models import EventDelivery

    return EventDelivery.objects.filter(event__company=company, subscriber__startswith="finance.",
                                        status=EventDelivery.Status.PENDING).count()


def reconciliations(company: Company) -> list[Reconciliation]:
    """The ledger against what the departments hold: the inventory accounts against the stock valuation
    report, the receivable against open customer invoices, the payable against open supplier invoices.
    Each difference should be zero once the pending bookings are done."""
    from django.utils.translation import gettext

    from inventory.models import ItemValuation
    from purchasing.models import SupplierInvoice

    valuation = ItemValuation.objects.filter(company=company).order_by().aggregate(v=Sum("value"))["v"] or ZERO
    bills = list(SupplierInvoice.objects.filter(company=company, status=BILL_POSTED).values_list("pk", "total_amount"))
    paid = supplier_invoice_paid([pk for pk, _total in bills])
    open_bills = sum((total - paid.get(pk, ZERO) for pk, total in bills), ZERO)
    return [
        Reconciliation(gettext("Inventory"), role_balance(company, st.AccountRole.INVENTORY), valuation,
                       gettext("Stock valuation")),
        Reconciliation(gettext("Accounts receivable"), role_balance(company, st.AccountRole.RECEIVABLE),
                       receivable_open_total(company), gettext("Open customer invoices less open credit notes")),
        Reconciliation(gettext("Accounts payable"), -role_balance(company, st.AccountRole.PAYABLE), open_bills,
                       gettext("Open supplier invoices")),
    ]


def supplier_invoice_paid(invoice_ids: Sequence[int]) -> dict[int, Decimal]:
    """{supplier invoice id: paid so far by posted payments} (purchasing's invoice keeps no paid field)."""
    from finance.models import PaymentAllocation

    rows = (PaymentAllocation.objects.filter(supplier_invoice_id__in=invoice_ids,
                                             payment__status=st.PaymentStatus.POSTED)
            .values("supplier_invoice_id").annotate(paid=Sum("amount")).order_by())
    return {r["supplier_invoice_id"]: r["paid"] for r in rows}


# Customer invoices, payments, uniform invoice ranges and statements (finance/views, finance/api) ----------


def customer_invoices_for_user(user: Any) -> QuerySet[Any]:
    """The company's customer invoices and credit notes as ``user`` may see them (erp.scoping)."""
    from finance.models import CustomerInvoice

    return CustomerInvoice.objects.restrict(user, VIEW).select_related("customer")


def customer_invoice_list_for_user(user: Any, *, status: str | None = None, kind: str | None = None,
                                   customer: Any = None, date_from: datetime.date | None = None,
                                   date_to: datetime.date | None = None, search: str = "") -> QuerySet[Any]:
    """The customer invoices list: newest first, narrowed by status, kind, customer, date range and a
    text found in the number, the uniform invoice number or the customer's code or name."""
    rows = customer_invoices_for_user(user)
    if status:
        rows = rows.filter(status=status)
    if kind:
        rows = rows.filter(kind=kind)
    if customer is not None:
        rows = rows.filter(customer=customer)
    if date_from is not None:
        rows = rows.filter(document_date__gte=date_from)
    if date_to is not None:
        rows = rows.filter(document_date__lte=date_to)
    if search := search.strip():
        rows = rows.filter(Q(number__icontains=search) | Q(uniform_number__icontains=search.upper())
                           | Q(customer__code__iexact=search) | Q(customer__name__icontains=search))
    return rows.order_by("-document_date", "-pk")


def customer_invoice_lines(invoice: Any) -> QuerySet[Any]:
    """An invoice's lines in order, with their items, delivery notes and returns."""
    return invoice.lines.select_related("item", "delivery", "customer_return").order_by("line_no", "pk")


def invoice_allocations(invoice: Any) -> QuerySet[Any]:
    """The payments allocated to a customer invoice (drafts too: they settle it once posted)."""
    from finance.models import PaymentAllocation

    return (PaymentAllocation.objects.filter(customer_invoice=invoice).select_related("payment")
            .order_by("payment__document_date", "pk"))


def uniform_ranges_for_user(user: Any) -> QuerySet[Any]:
    """The uniform invoice ranges, the latest period first."""
    from finance.models import UniformInvoiceRange

    return UniformInvoiceRange.objects.restrict(user, VIEW).order_by("-year", "-start_month", "track", "first_number")


def payments_for_user(user: Any) -> QuerySet[Any]:
    from finance.models import Payment

    return Payment.objects.restrict(user, VIEW).select_related("customer", "supplier", "account")


def payment_list_for_user(user: Any, *, direction: str | None = None, status: str | None = None,
                          customer: Any = None, supplier: Any = None, date_from: datetime.date | None = None,
                          date_to: datetime.date | None = None, search: str = "") -> QuerySet[Any]:
    """The payments list: newest first, narrowed by direction, status, partner, date range and a text
    found in the number, the bank's reference or the partner's code or name."""
    rows = payments_for_user(user)
    if direction:
        rows = rows.filter(direction=direction)
    if status:
        rows = rows.filter(status=status)
    if customer is not None:
        rows = rows.filter(customer=customer)
    if supplier is not None:
        rows = rows.filter(supplier=supplier)
    if date_from is not None:
        rows = rows.filter(document_date__gte=date_from)
    if date_to is not None:
        rows = rows.filter(document_date__lte=date_to)
    if search := search.strip():
        rows = rows.filter(Q(number__icontains=search) | Q(bank_reference__icontains=search)
                           | Q(customer__code__iexact=search) | Q(customer__name__icontains=search)
                           | Q(supplier__code__iexact=search) | Q(supplier__name__icontains=search))
    return rows.order_by("-document_date", "-pk")


def payment_allocations(payment: Any) -> QuerySet[Any]:
    """A payment's allocations with the invoices they settle."""
    return payment.allocations.select_related("customer_invoice", "supplier_invoice").order_by("pk")


def payment_accounts(user: Any) -> QuerySet[Account]:
    """The accounts money may go through: postable, active asset accounts of the company."""
    return accounts_for_user(user).filter(is_group=False, is_active=True, account_type=st.AccountType.ASSET)


def bank_and_cash_accounts(user: Any) -> QuerySet[Account]:
    """The accounts under the parent groups of the bank and cash roles' accounts (what a payment form
    suggests first)."""
    from finance.models import AccountRoleAccount

    parents = (AccountRoleAccount.objects.restrict(user, VIEW)
               .filter(role__in=[st.AccountRole.BANK, st.AccountRole.CASH]).values("account__parent_id"))
    return payment_accounts(user).filter(parent_id__in=parents)


def with_supplier_paid(rows: QuerySet[Any], *, as_of: datetime.date | None = None) -> QuerySet[Any]:
    """Supplier invoices annotated with ``finance_paid``: what posted payments allocated to each (as
    ``supplier_invoice_paid`` sums it; with ``as_of``, the payments dated on or before that day), in the
    same query."""
    from django.db.models import DecimalField, OuterRef, Subquery, Value
    from django.db.models.functions import Coalesce

    from finance.models import PaymentAllocation

    allocations = PaymentAllocation.objects.filter(supplier_invoice=OuterRef("pk"),
                                                   payment__status=st.PaymentStatus.POSTED)
    if as_of is not None:
        allocations = allocations.filter(payment__document_date__lte=as_of)
    paid = (allocations.order_by().values("supplier_invoice").annotate(s=Sum("amount")).values("s")[:1])
    return rows.annotate(finance_paid=Coalesce(Subquery(paid), Value(ZERO),
                                               output_field=DecimalField(max_digits=20, decimal_places=2)))


@dataclass
class OpenInvoice:
    """An invoice a payment may settle, with what is open of it."""

    invoice: Any  # a CustomerInvoice or a purchasing SupplierInvoice
    total: Decimal
    paid: Decimal

    @property
    def open(self) -> Decimal:
        return self.total - self.paid

    @property
    def key(self) -> str:
        """``c<id>`` for a customer invoice, ``s<id>`` for a supplier invoice (form field names)."""
        from finance.models import CustomerInvoice

        return f"{'c' if isinstance(self.invoice, CustomerInvoice) else 's'}{self.invoice.pk}"


def open_invoices_of(company: Company, *, customer: Any = None, supplier: Any = None,
                     include: Sequence[int] = ()) -> list[OpenInvoice]:
    """A customer's posted invoices with something open (``open_customer_invoices``; credit notes are
    settled against their invoice, not paid), or a supplier's posted invoices less what posted payments
    paid of them; oldest first. ``include``: invoices shown whatever they have open (a draft payment's)."""
    if customer is not None:
        from finance.models import CustomerInvoice

        rows = (open_customer_invoices(company).filter(customer=customer, kind=st.InvoiceKind.INVOICE)
                | CustomerInvoice.objects.filter(company=company, customer=customer, pk__in=list(include)))
        return [OpenInvoice(i, i.total_amount, i.paid_amount)
                for i in rows.distinct().order_by("document_date", "pk")]
    if supplier is not None:
        from purchasing.models import SupplierInvoice

        bills = with_supplier_paid(SupplierInvoice.objects.filter(company=company, supplier=supplier,
                                                                  status=BILL_POSTED))
        return [OpenInvoice(b, b.total_amount, b.finance_paid) for b in bills.order_by("document_date", "pk")
                if b.total_amount > b.finance_paid or b.pk in include]
    return []


@dataclass
class StatementEntry:
    """A line of a customer statement: an invoice (debit), a credit note or a payment (credit)."""

    date: datetime.date
    document: Any  # a CustomerInvoice or a Payment
    kind: str  # "invoice", "credit_note" or "payment"
    debit: Decimal
    credit: Decimal
    balance: Decimal = ZERO


@dataclass
class CustomerStatement:
    customer: Any
    date_from: datetime.date
    date_to: datetime.date
    opening: Decimal
    entries: list[StatementEntry] = field(default_factory=list)

    @property
    def total_debit(self) -> Decimal:
        return sum((e.debit for e in self.entries), ZERO)

    @property
    def total_credit(self) -> Decimal:
        return sum((e.credit for e in self.entries), ZERO)

    @property
    def closing(self) -> Decimal:
        return self.opening + self.total_debit - self.total_credit


def customer_statement(company: Company, *, customer: Any, date_from: datetime.date, date_to: datetime.date
                       ) -> CustomerStatement:
    """A customer's account (對帳單) for a range: what they owed before it (posted invoices less credit
    notes and posted payments; void invoices count nowhere), then each posted invoice, credit note and
    payment in date order with the running balance. Four queries, whatever the range."""
    from django.db.models import Case, When

    from finance.models import CustomerInvoice, Payment

    invoices = CustomerInvoice.objects.filter(company=company, customer=customer,
                                              status=st.CustomerInvoiceStatus.POSTED)
    payments = Payment.objects.filter(company=company, customer=customer, status=st.PaymentStatus.POSTED,
                                      direction=st.PaymentDirection.IN)
    signed = Case(When(kind=st.InvoiceKind.CREDIT_NOTE, then=-1 * F("total_amount")),
                  default=F("total_amount"))
    owed = invoices.filter(document_date__lt=date_from).order_by().aggregate(s=Sum(signed))["s"] or ZERO
    paid = payments.filter(document_date__lt=date_from).order_by().aggregate(s=Sum("amount"))["s"] or ZERO
    statement = CustomerStatement(customer, date_from, date_to, owed - paid)
    entries = [StatementEntry(i.document_date, i, i.kind, ZERO if i.is_credit_note else i.total_amount,
                              i.total_amount if i.is_credit_note else ZERO)
               for i in invoices.filter(document_date__range=(date_from, date_to))]
    entries += [StatementEntry(p.document_date, p, "payment", ZERO, p.amount)
                for p in payments.filter(document_date__range=(date_from, date_to))]
    order = {st.InvoiceKind.INVOICE: 0, st.InvoiceKind.CREDIT_NOTE: 1, "payment": 2}
    entries.sort(key=lambda e: (e.date, order[e.kind], e.document.pk))
    balance = statement.opening
    for entry in entries:
        balance += entry.debit - entry.credit
        entry.balance = balance
    statement.entries = entries
    return statement

