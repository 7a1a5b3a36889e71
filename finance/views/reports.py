"""An account's ledger (the general ledger detail: its posted lines in date order with the opening and a
running balance) and the reports: trial balance (試算表), profit and loss, balance sheet. Each reads
finance.selectors for the user's company and exports what it shows (``?export=xlsx``, or csv)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from erp.exports import export_response
from erp.permissions import permission_required
from finance import selectors
from finance import status as st
from finance.forms.entries import AsOfForm, DateRangeForm
from finance.models import Account, JournalLine
from finance.views.common import company_of, export_format, paginate_counted, year_to_date

ZERO = Decimal("0")
REPORT_PERMISSIONS = ("finance.view_journalentry", "finance.view_account")


Range = tuple[datetime.date, datetime.date]


def date_range(form: DateRangeForm, default: Range) -> Range:
    start, end = default
    if form.is_bound and form.is_valid():
        start = form.cleaned_data["date_from"] or start
        end = form.cleaned_data["date_to"] or end
        if end < start:  # only one given, the other's default on the wrong side of it
            start, end = (start, start) if form.cleaned_data["date_from"] else (end, end)
    return start, end


# An account's ledger ---------------------------------------------------------------------------------


class RunningBalance:
    """The running balance column of the ledger's export: rows are written in order, one column after
    the other, so each row adds its amount once."""

    def __init__(self, opening: Decimal) -> None:
        self.balance = opening

    def __call__(self, line: JournalLine) -> Decimal:
        self.balance += line.debit - line.credit
        return self.balance


@permission_required("finance.view_account", "finance.view_journalentry")
def account_ledger(request: HttpRequest, pk: int) -> HttpResponse:
    account: Account = get_object_or_404(selectors.accounts_for_user(request.user), pk=pk)
    form = DateRangeForm(request.GET or None)
    start, end = date_range(form, year_to_date(account.company))
    lines = selectors.ledger_lines(account, date_from=start, date_to=end)
    opening = selectors.balance_before(account, date_from=start)
    if fmt := export_format(request):
        columns = [
            (gettext_lazy("Date"), lambda line: line.date),
            (gettext_lazy("Number"), lambda line: line.entry.number),
            (gettext_lazy("Journal"), lambda line: line.entry.journal.code),
            (gettext_lazy("Memo"), lambda line: line.entry.memo),
            (gettext_lazy("Description"), lambda line: line.description),
            (pgettext_lazy("ledger", "Debit"), lambda line: line.debit),
            (pgettext_lazy("ledger", "Credit"), lambda line: line.credit),
            (gettext_lazy("Balance (debit − credit)"), RunningBalance(opening)),
        ]
        return export_response(request, rows=lines, columns=columns, filename=f"ledger_{account.code}", fmt=fmt)
    # The count and the totals from the period balance rows (only the days no whole period covers
    # are read from the lines), the page by its ids: a busy account pages at list speed.
    count = selectors.ledger_line_count(account, date_from=start, date_to=end)
    page = paginate_counted(request, lines, count, selectors.ledger_page)
    running = (selectors.balance_before(account, date_from=start, first_line=page.object_list[0])
               if page.object_list else opening)
    brought_forward, rows = running, []
    for line in page.object_list:
        running += line.debit - line.credit
        rows.append((line, running))
    debit, credit = selectors.movements(account.company_id, date_from=start, date_to=end,
                                        account_ids=[account.pk]).get(account.pk, [ZERO, ZERO])
    return render(request, "finance/ledger.html", {
        "account": account, "form": form, "date_from": start, "date_to": end, "page": page, "rows": rows,
        "opening": opening, "brought_forward": brought_forward, "debit": debit, "credit": credit,
        "closing": opening + debit - credit, "section": "accounts",
    })


# Trial balance ---------------------------------------------------------------------------------------


@dataclass
class ReportRow:
    """A row of a report's export (an account, a heading or a total)."""

    code: str = ""
    name: Any = ""
    kind: Any = ""
    opening: Decimal | None = None
    debit: Decimal | None = None
    credit: Decimal | None = None
    amount: Decimal | None = None


TRIAL_BALANCE_COLUMNS = [
    (gettext_lazy("Code"), lambda r: r.code),
    (pgettext_lazy("ledger", "Account"), lambda r: r.name),
    (gettext_lazy("Type"), lambda r: r.kind),
    (pgettext_lazy("ledger", "Opening balance"), lambda r: r.opening),
    (pgettext_lazy("ledger", "Debit"), lambda r: r.debit),
    (pgettext_lazy("ledger", "Credit"), lambda r: r.credit),
    (gettext_lazy("Closing balance"), lambda r: r.amount),
]


@permission_required(*REPORT_PERMISSIONS)
def trial_balance(request: HttpRequest) -> HttpResponse:
    company = company_of(request)
    if company is None:
        return redirect("home")
    form = DateRangeForm(request.GET or None)
    start, end = date_range(form, year_to_date(company))
    report = selectors.trial_balance(company, date_from=start, date_to=end)
    if fmt := export_format(request):
        rows = [ReportRow(r.account.code, r.account.display_name, r.account.get_account_type_display(), r.opening,
                          r.debit, r.credit, r.balance) for r in report.rows]
        rows.append(ReportRow("", _("Total"), "", report.total_opening, report.total_debit, report.total_credit,
                              report.total_balance))
        return export_response(request, rows=rows, columns=TRIAL_BALANCE_COLUMNS, filename="trial_balance", fmt=fmt)
    return render(request, "finance/reports/trial_balance.html", {
        "form": form, "report": report, "date_from": start, "date_to": end, "section": "trial_balance"})


# Profit and loss, balance sheet ---------------------------------------------------------------------

STATEMENT_COLUMNS = [
    (gettext_lazy("Code"), lambda r: r.code),
    (pgettext_lazy("ledger", "Account"), lambda r: r.name),
    (gettext_lazy("Amount"), lambda r: r.amount),
]


@dataclass
class Section:
    key: str
    title: Any
    lines: list[selectors.StatementLine]
    total: Decimal
    total_label: Any


def statement_rows(sections: list[Section], result: list[tuple[Any, Decimal]]) -> list[ReportRow]:
    rows: list[ReportRow] = []
    for section in sections:
        rows.append(ReportRow("", section.title))
        for line in section.lines:
            account = line.account
            rows.append(ReportRow(account.code if account else "", account.display_name if account else line.label,
                                  amount=line.amount))
        rows.append(ReportRow("", section.total_label, amount=section.total))
    rows += [ReportRow("", label, amount=amount) for label, amount in result]
    return rows


@permission_required(*REPORT_PERMISSIONS)
def profit_and_loss(request: HttpRequest) -> HttpResponse:
    company = company_of(request)
    if company is None:
        return redirect("home")
    form = DateRangeForm(request.GET or None)
    start, end = date_range(form, year_to_date(company))
    statement = selectors.profit_and_loss(company, date_from=start, date_to=end)
    income, expense = st.AccountType.INCOME, st.AccountType.EXPENSE
    sections = [
        Section(income, _("Income"), statement.sections[income], statement.totals[income], _("Total income")),
        Section(expense, _("Expenses"), statement.sections[expense], statement.totals[expense], _("Total expenses")),
    ]
    result = [(_("Profit (loss)"), statement.totals["profit"])]
    if fmt := export_format(request):
        return export_response(request, rows=statement_rows(sections, result), columns=STATEMENT_COLUMNS,
                               filename="profit_and_loss", fmt=fmt)
    return render(request, "finance/reports/statement.html", {
        "form": form, "sections": sections, "result": result, "date_from": start, "date_to": end,
        "title": _("Profit and loss"), "section": "profit_and_loss"})


@permission_required(*REPORT_PERMISSIONS)
def balance_sheet(request: HttpRequest) -> HttpResponse:
    company = company_of(request)
    if company is None:
        return redirect("home")
    form = AsOfForm(request.GET or None)
    as_of = year_to_date(company)[1]
    if form.is_bound and form.is_valid() and form.cleaned_data["as_of"]:
        as_of = form.cleaned_data["as_of"]
    statement = selectors.balance_sheet(company, as_of=as_of)
    asset, liability, equity = st.AccountType.ASSET, st.AccountType.LIABILITY, st.AccountType.EQUITY
    sections = [
        Section(asset, _("Assets"), statement.sections[asset], statement.totals[asset], _("Total assets")),
        Section(liability, _("Liabilities"), statement.sections[liability], statement.totals[liability],
                _("Total liabilities")),
        Section(equity, _("Equity"), statement.sections[equity], statement.totals[equity], _("Total equity")),
    ]
    result = [(_("Total liabilities and equity"), statement.totals["liabilities_and_equity"])]
    if fmt := export_format(request):
        return export_response(request, rows=statement_rows(sections, result), columns=STATEMENT_COLUMNS,
                               filename="balance_sheet", fmt=fmt)
    return render(request, "finance/reports/statement.html", {
        "form": form, "sections": sections, "result": result, "as_of": as_of, "title": _("Balance sheet"),
        "section": "balance_sheet", "balanced": statement.totals[asset] == statement.totals["liabilities_and_equity"]})
