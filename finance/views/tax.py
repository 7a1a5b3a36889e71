"""The business tax report (營業稅 401 figures of a two-month period) and the reconciliation page
(the ledger against the stock valuation, the open customer and supplier invoices)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _

from erp.exports import export_response
from erp.permissions import permission_required
from finance import selectors
from finance.forms.reports import TaxPeriodForm
from finance.views.common import company_of, export_format
from finance.views.reports import REPORT_PERMISSIONS


@permission_required(*REPORT_PERMISSIONS)
def business_tax(request: HttpRequest) -> HttpResponse:
    company = company_of(request)
    if company is None:
        return redirect("home")
    form = TaxPeriodForm(request.GET or None)
    year, start_month = form.period()
    report = selectors.business_tax_report(company, year=year, start_month=start_month)
    rows = [
        (_("Taxable sales"), report.sales_net, report.output_tax),
        (_("Less sales returns and allowances"), -report.returns_net, -report.returns_tax),
        (_("Purchases and expenses with input tax"), report.purchases_net, report.input_tax),
    ]
    if fmt := export_format(request):
        columns = [(_("Item"), lambda row: row[0]), (_("Amount"), lambda row: row[1]), (_("Tax"), lambda row: row[2])]
        return export_response(request, rows=[*rows, (_("Tax payable (credit when negative)"), None,
                                                      report.tax_payable)],
                               columns=columns, filename=f"business_tax_{year}_{start_month:02d}", fmt=fmt)
    first, last = selectors.two_month_dates(year, start_month)
    return render(request, "finance/reports/business_tax.html", {
        "form": form, "report": report, "rows": rows, "first": first, "last": last, "section": "business_tax"})


@permission_required(*REPORT_PERMISSIONS)
def reconciliation(request: HttpRequest) -> HttpResponse:
    company = company_of(request)
    if company is None:
        return redirect("home")
    return render(request, "finance/reports/reconciliation.html", {
        "rows": selectors.reconciliations(company), "pending": selectors.pending_bookings(company),
        "section": "reconciliation"})
