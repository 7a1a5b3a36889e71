"""What finance's screens share: the page size, the company of the request, the list helpers of the
other departments (filters, pagination, htmx results, XLSX/CSV export)."""

from __future__ import annotations

import datetime
from typing import Any

from django.contrib import messages
from django.core.paginator import Page, Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from erp.document_screens.views import export_format, wants_results
from erp.fiscal import fiscal_year_dates, fiscal_year_of
from erp.models import Company
from erp.permissions import user_company

PAGE_SIZE = 25

__all__ = ["PAGE_SIZE", "company_of", "export_format", "paginate", "render_list", "year_to_date"]


def company_of(request: HttpRequest) -> Company | None:
    """The company the user works in; None (with a message) for a user attached to none."""
    company = user_company(request.user)
    if company is None:
        messages.error(request, _("Your user account is not attached to a company."))
    return company


def paginate(request: HttpRequest, rows: Any, per_page: int = PAGE_SIZE) -> Page[Any]:
    page = Paginator(rows, per_page).get_page(request.GET.get("page"))
    page.object_list = list(page.object_list)
    return page


class CountedPaginator(Paginator):
    """A paginator told its row count (read from summary rows) instead of counting the rows."""

    def __init__(self, rows: Any, per_page: int, count: int) -> None:
        super().__init__(rows, per_page)
        self.known_count = count

    @property
    def count(self) -> int:  # type: ignore[override]  # Paginator's is a cached_property
        return self.known_count


def paginate_counted(request: HttpRequest, rows: Any, count: int, fetch: Any, per_page: int = PAGE_SIZE
                     ) -> Page[Any]:
    """``paginate`` with a known ``count``; ``fetch(rows, offset, size)`` reads the page's rows."""
    paginator = CountedPaginator(rows, per_page, count)
    page = paginator.get_page(request.GET.get("page"))
    page.object_list = fetch(rows, page.start_index() - 1, per_page) if count else []
    return page


def render_list(request: HttpRequest, template: str, partial: str, context: dict[str, Any]) -> HttpResponse:
    """The whole page, or only its results when htmx refreshes them after a filter change."""
    return render(request, partial if wants_results(request) else template, context)


def year_to_date(company: Company | None, today: datetime.date | None = None) -> tuple[datetime.date, datetime.date]:
    """The first day of the fiscal year of today, and today: the reports' default range."""
    today = today or timezone.localdate()
    if company is None:
        return today.replace(month=1, day=1), today
    first, _last = fiscal_year_dates(company, fiscal_year_of(company, today))
    return first, today
