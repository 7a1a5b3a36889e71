"""Fiscal years and their twelve periods: open a fiscal year, close or reopen a period (結帳 / 關帳),
close a year (its closing entry moves the profit or loss into retained earnings). Each button is a
confirmed POST calling one service of finance.services.ledger or finance.services.setup; a refusal is
an error message on the page."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from erp.errors import DomainError
from erp.permissions import permission_required
from finance import selectors
from finance.forms.entries import FiscalYearForm
from finance.models import Period
from finance.services.ledger import fiscal_year_close as close_year
from finance.services.ledger import period_close, period_reopen
from finance.services.setup import fiscal_year_ensure
from finance.views.common import company_of, paginate

YEARS_PER_PAGE = 5


@permission_required("finance.view_period")
def period_list(request: HttpRequest, form: FiscalYearForm | None = None) -> HttpResponse:
    page = paginate(request, selectors.fiscal_years_for_user(request.user), YEARS_PER_PAGE)
    return render(request, "finance/periods/list.html", {
        "page": page, "years": page.object_list, "form": form or FiscalYearForm(), "section": "periods"})


@permission_required("finance.add_fiscalyear")
@require_POST
def fiscal_year_create(request: HttpRequest) -> HttpResponse:
    company = company_of(request)
    if company is None:
        return redirect("home")
    form = FiscalYearForm(request.POST)
    if not form.is_valid():
        return period_list(request, form)
    year = form.cleaned_data["year"]
    if selectors.fiscal_years_for_user(request.user).filter(year=year).exists():
        messages.info(request, _("The fiscal year %(year)s exists already.") % {"year": year})
        return redirect("finance:period_list")
    fiscal_year_ensure(company=company, year=year)
    messages.success(request, _("The fiscal year %(year)s and its twelve periods are open.") % {"year": year})
    return redirect("finance:period_list")


def run(request: HttpRequest, service: Callable[..., Any], done: str, **kwargs: Any) -> HttpResponse:
    try:
        service(actor=request.user, **kwargs)
    except DomainError as error:
        messages.error(request, str(error.message))
    else:
        messages.success(request, done)
    return redirect("finance:period_list")


def get_period(request: HttpRequest, pk: int) -> Period:
    period: Period = get_object_or_404(selectors.periods_for_user(request.user), pk=pk)
    return period


@permission_required("finance.change_period")
@require_POST
def period_close_view(request: HttpRequest, pk: int) -> HttpResponse:
    period = get_period(request, pk)
    return run(request, period_close, _("The period %(period)s is closed: nothing more is posted into it.")
               % {"period": period}, period=period)


@permission_required("finance.change_period")
@require_POST
def period_reopen_view(request: HttpRequest, pk: int) -> HttpResponse:
    period = get_period(request, pk)
    return run(request, period_reopen, _("The period %(period)s is open again.") % {"period": period}, period=period)


@permission_required("finance.change_fiscalyear", "finance.change_period")
@require_POST
def fiscal_year_close_view(request: HttpRequest, pk: int) -> HttpResponse:
    fiscal_year = get_object_or_404(selectors.fiscal_years_for_user(request.user), pk=pk)
    return run(request, close_year, _("The fiscal year %(year)s is closed; its profit or loss is in retained "
                                      "earnings.") % {"year": fiscal_year}, fiscal_year=fiscal_year)
