"""/api/finance/reports/: the trial balance, profit and loss, the balance sheet and the receivables or
payables aging of the user's company, as the screens show them (finance.selectors). Each row names its
account (``id``, ``code``, ``name``; the aging: its customer or supplier); amounts are decimals as
text. A malformed date or an unknown choice is a 400 naming the parameter."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import permissions, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from erp.api.fields import money_field
from erp.api.params import param_error, parse_choice, parse_date_range, parse_day
from erp.api.viewsets import CompanyViewMixin
from erp.fiscal import fiscal_year_dates, fiscal_year_of
from erp.models import Company
from finance import selectors
from finance import status as st
from finance.api.common import enum_field
from finance.models import Account

REPORT_PERMISSION = "finance.view_journalentry"
AGING_KEYS = ("days_0_30", "days_31_60", "days_61_90", "days_over_90")  # selectors.AGING_BUCKETS
ZERO = Decimal("0")
FIRST_YEAR, LAST_YEAR = 1900, 2999
DATE_PARAMETERS = [
    OpenApiParameter("date_from", OpenApiTypes.DATE, description=gettext_lazy("First day (default: the first "
                                                                               "day of this fiscal year)")),
    OpenApiParameter("date_to", OpenApiTypes.DATE, description=gettext_lazy("Last day (default: today)")),
]


class TrialBalanceRowSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField(help_text=gettext_lazy("The account's id"))
    code = serializers.CharField()
    name = serializers.CharField()
    type = enum_field(st.AccountType.choices, "AccountTypeEnum")
    opening = money_field(help_text=gettext_lazy("Debit − credit before date_from"))
    debit = money_field()
    credit = money_field()
    balance = money_field(help_text=gettext_lazy("Debit − credit at date_to"))


class TrialBalanceTotalsSerializer(serializers.Serializer[Any]):
    opening = money_field()
    debit = money_field()
    credit = money_field()
    balance = money_field(help_text=gettext_lazy("Zero: the balances sum to zero"))


class TrialBalanceSerializer(serializers.Serializer[Any]):
    date_from = serializers.DateField()
    date_to = serializers.DateField()
    results = TrialBalanceRowSerializer(many=True)
    totals = TrialBalanceTotalsSerializer()


class StatementRowSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField(allow_null=True, help_text=gettext_lazy("The account's id; null for a line "
                                                                          "that is no account's"))
    section = enum_field(st.AccountType.choices, "AccountTypeEnum")
    code = serializers.CharField(allow_blank=True)
    name = serializers.CharField()
    amount = money_field(help_text=gettext_lazy("In the section's natural sign (income, liabilities and equity "
                                                "positive when credit)"))


class ProfitAndLossTotalsSerializer(serializers.Serializer[Any]):
    income = money_field()
    expense = money_field()
    profit = money_field()


class ProfitAndLossSerializer(serializers.Serializer[Any]):
    date_from = serializers.DateField()
    date_to = serializers.DateField()
    results = StatementRowSerializer(many=True)
    totals = ProfitAndLossTotalsSerializer()


class BalanceSheetTotalsSerializer(serializers.Serializer[Any]):
    asset = money_field()
    liability = money_field()
    equity = money_field()
    liabilities_and_equity = money_field()


class BalanceSheetSerializer(serializers.Serializer[Any]):
    as_of = serializers.DateField()
    results = StatementRowSerializer(many=True)
    totals = BalanceSheetTotalsSerializer()


class AgingBucketsSerializer(serializers.Serializer[Any]):
    days_0_30 = money_field(help_text=gettext_lazy("0–30 days since the invoice date"))
    days_31_60 = money_field()
    days_61_90 = money_field()
    days_over_90 = money_field()
    total = money_field()


class AgingRowSerializer(AgingBucketsSerializer):
    id = serializers.IntegerField(help_text=gettext_lazy("The customer's or the supplier's id"))
    code = serializers.CharField()
    name = serializers.CharField()


class AgingSerializer(serializers.Serializer[Any]):
    party = enum_field([(party, party) for party in selectors.AGING_PERMISSIONS], "AgingPartyEnum")
    as_of = serializers.DateField()
    results = AgingRowSerializer(many=True)
    totals = AgingBucketsSerializer()


def check_years(**days: datetime.date | None) -> None:
    """A report reads the years 1900 to 2999 (beyond, the calendar's arithmetic overflows): a 400."""
    for name, day in days.items():
        if day is not None and not FIRST_YEAR <= day.year <= LAST_YEAR:
            raise param_error(name, _("Enter a date between the years %(first)s and %(last)s.")
                              % {"first": FIRST_YEAR, "last": LAST_YEAR})


def statement_rows(statement: selectors.Statement) -> list[dict[str, Any]]:
    rows = []
    for section, lines in statement.sections.items():
        for line in lines:
            account = line.account
            rows.append({"id": account.pk if account else None, "section": section,
                         "code": account.code if account else "",
                         "name": account.display_name if account else line.label, "amount": line.amount})
    return rows


class ReportViewSet(CompanyViewMixin, viewsets.GenericViewSet[Any]):
    """The reports of the ledger (posted entries only). They need finance.view_account and
    finance.view_journalentry; the aging reads no account and needs its party's permissions only."""

    queryset = Account.objects.none()  # names the model for the permissions: reading needs view_account
    pagination_class = None

    def company_or_403(self, request: Request, *perms: str) -> Company:
        """The user's company, once they hold ``perms`` (default: REPORT_PERMISSION); else a 403."""
        if not request.user.has_perms(perms or (REPORT_PERMISSION,)):
            self.permission_denied(request)
        company = self.company
        if company is None:
            self.permission_denied(request, message=_("Your user account is not attached to a company."))
        return company

    def date_range(self, request: Request, company: Company) -> tuple[datetime.date, datetime.date]:
        """``date_from`` (default: the first day of the fiscal year of ``date_to``) and ``date_to``
        (default: today, or ``date_from`` if that is later)."""
        date_from, date_to = parse_date_range(request.query_params)
        check_years(date_from=date_from, date_to=date_to)
        if date_to is None:
            today = timezone.localdate()
            date_to = today if date_from is None or date_from <= today else date_from
        if date_from is None:
            date_from = fiscal_year_dates(company, fiscal_year_of(company, date_to))[0]
        return date_from, date_to

    @extend_schema(parameters=DATE_PARAMETERS, responses=TrialBalanceSerializer)
    @action(detail=False, methods=["get"], url_path="trial-balance", url_name="trial-balance")
    def trial_balance(self, request: Request) -> Response:
        """The trial balance (試算表): per account with a balance or a posting, the balance before the range
        (opening), its debits and credits and its balance at the end; the balances sum to zero."""
        company = self.company_or_403(request)
        date_from, date_to = self.date_range(request, company)
        report = selectors.trial_balance(company, date_from=date_from, date_to=date_to)
        data = {
            "date_from": date_from, "date_to": date_to,
            "results": [{"id": r.account.pk, "code": r.account.code, "name": r.account.display_name,
                         "type": r.account.account_type, "opening": r.opening, "debit": r.debit, "credit": r.credit,
                         "balance": r.balance} for r in report.rows],
            "totals": {"opening": report.total_opening, "debit": report.total_debit, "credit": report.total_credit,
                       "balance": report.total_balance},
        }
        return Response(TrialBalanceSerializer(data).data)

    @extend_schema(parameters=DATE_PARAMETERS, responses=ProfitAndLossSerializer)
    @action(detail=False, methods=["get"], url_path="profit-and-loss", url_name="profit-and-loss")
    def profit_and_loss(self, request: Request) -> Response:
        """Income and expenses of the range (a year-end closing entry left out) and the profit."""
        company = self.company_or_403(request)
        date_from, date_to = self.date_range(request, company)
        statement = selectors.profit_and_loss(company, date_from=date_from, date_to=date_to)
        totals = statement.totals
        data = {"date_from": date_from, "date_to": date_to, "results": statement_rows(statement),
                "totals": {"income": totals[st.AccountType.INCOME], "expense": totals[st.AccountType.EXPENSE],
                           "profit": totals["profit"]}}
        return Response(ProfitAndLossSerializer(data).data)

    @extend_schema(parameters=[OpenApiParameter("as_of", OpenApiTypes.DATE,
                                                description=gettext_lazy("The day (default: today)"))],
                   responses=BalanceSheetSerializer)
    @action(detail=False, methods=["get"], url_path="balance-sheet", url_name="balance-sheet")
    def balance_sheet(self, request: Request) -> Response:
        """Assets, liabilities and equity at ``as_of``; income and expenses not yet closed show as the
        equity line "Profit or loss not yet closed". Assets = liabilities + equity."""
        company = self.company_or_403(request)
        as_of = parse_day(request.query_params, "as_of") or timezone.localdate()
        check_years(as_of=as_of)
        statement = selectors.balance_sheet(company, as_of=as_of)
        totals = statement.totals
        data = {"as_of": as_of, "results": statement_rows(statement),
                "totals": {"asset": totals[st.AccountType.ASSET], "liability": totals[st.AccountType.LIABILITY],
                           "equity": totals[st.AccountType.EQUITY],
                           "liabilities_and_equity": totals["liabilities_and_equity"]}}
        return Response(BalanceSheetSerializer(data).data)

    @extend_schema(parameters=[
        OpenApiParameter("party", str, enum=list(selectors.AGING_PERMISSIONS),
                         description=gettext_lazy("customer: receivables per customer (the default); supplier: "
                                                  "payables per supplier")),
        OpenApiParameter("as_of", OpenApiTypes.DATE, description=gettext_lazy("The day (default: today)"))],
        responses=AgingSerializer)
    @action(detail=False, methods=["get"], permission_classes=[permissions.IsAuthenticated])
    def aging(self, request: Request) -> Response:
        """Aging (帳齡) as of a day: per customer (``party=customer``, the default: receivables) the open
        amount of posted invoices, or per supplier (``party=supplier``: payables) of posted supplier
        invoices, by days since the invoice date (credit notes reduce the bucket of their own date), and
        the totals. Only payments dated by ``as_of`` count; an invoice voided after it was still open.
        Customers need finance.view_customerinvoice; suppliers purchasing.view_supplierinvoice and
        finance.view_payment, and show the suppliers the user sees in purchasing. An unknown party is a
        400 on ``party``."""
        party = parse_choice(request.query_params, "party", selectors.AGING_PERMISSIONS,
                             _("Use customer or supplier.")) or selectors.CUSTOMER
        company = self.company_or_403(request, *selectors.AGING_PERMISSIONS[party])
        as_of = parse_day(request.query_params, "as_of") or timezone.localdate()
        check_years(as_of=as_of)
        rows = selectors.aging_for_user(request.user, company, party=party, as_of=as_of)
        totals = [sum((row.buckets[i] for row in rows), ZERO) for i in range(len(AGING_KEYS))]
        data = {"party": party, "as_of": as_of,
                "results": [{"id": row.partner.pk, "code": row.partner.code, "name": row.partner.name,
                             **dict(zip(AGING_KEYS, row.buckets, strict=True)), "total": row.total} for row in rows],
                "totals": {**dict(zip(AGING_KEYS, totals, strict=True)), "total": sum(totals, ZERO)}}
        return Response(AgingSerializer(data).data)
