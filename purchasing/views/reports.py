"""The buyer's workbench and the supplier performance report. Both read through purchasing's
selectors, so a buyer sees only their own suppliers' documents; the report exports (XLSX/CSV)."""

from __future__ import annotations

import datetime

from django import forms
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from erp.exports import export_response
from erp.permissions import permission_required
from purchasing.models import Supplier
from purchasing.selectors.performance import supplier_performance
from purchasing.selectors.workbench import workbench_for_user

EXPORT_FORMATS = ("xlsx", "csv")
PAGE_SIZE = 25


@permission_required("purchasing.view_purchaserequisition")
def workbench(request: HttpRequest) -> HttpResponse:
    groups = {group.key: group for group in workbench_for_user(request.user)}
    return render(request, "purchasing/workbench.html", {"groups": groups, "section": "workbench"})


class PerformanceFilterForm(forms.Form):
    date_from = forms.DateField(label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    supplier = forms.ModelChoiceField(label=_("Supplier"), queryset=Supplier.objects.none(), required=False)

    def __init__(self, *args: object, user: object = None, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["supplier"].queryset = Supplier.objects.restrict(user).order_by("code")  # type: ignore[attr-defined]

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        start, end = data.get("date_from"), data.get("date_to")
        if isinstance(start, datetime.date) and isinstance(end, datetime.date) and end < start:
            self.add_error("date_to", _("The end of the period must not be before its start."))
        return data


def default_period(today: datetime.date) -> tuple[datetime.date, datetime.date]:
    """The last twelve months up to today."""
    return today.replace(year=today.year - 1) + datetime.timedelta(days=1), today


PERFORMANCE_COLUMNS = [
    (_("Supplier code"), lambda p: p.supplier.code),
    (_("Supplier"), lambda p: p.supplier.name),
    (_("Receipt lines"), lambda p: p.receipt_lines),
    (_("On time"), lambda p: p.on_time_lines),
    (_("On-time delivery (%)"), lambda p: p.on_time_percent),
    (_("Invoiced at order price"), lambda p: p.invoiced_expected),
    (_("Price variance"), lambda p: p.price_variance),
    (_("Price variance (%)"), lambda p: p.price_variance_percent),
    (_("Inspected"), lambda p: p.inspected),
    (pgettext_lazy("inspection", "Rejected"), lambda p: p.rejected),
    (_("Rejection rate (%)"), lambda p: p.rejection_percent),
]


@permission_required("purchasing.view_supplier")
def performance(request: HttpRequest) -> HttpResponse:
    form = PerformanceFilterForm(request.GET or None, user=request.user)
    start, end = default_period(timezone.localdate())
    supplier = None
    if form.is_bound and form.is_valid():
        start = form.cleaned_data["date_from"] or start
        end = form.cleaned_data["date_to"] or end
        supplier = form.cleaned_data["supplier"]
    rows = supplier_performance(request.user, start, end, supplier=supplier) if not form.errors else []
    fmt = request.GET.get("export", "")
    if fmt in EXPORT_FORMATS:
        return export_response(request, rows=rows, columns=PERFORMANCE_COLUMNS, filename="supplier_performance",
                               fmt=fmt)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "purchasing/performance.html", {
        "form": form, "page": page, "rows": page.object_list, "date_from": start, "date_to": end,
        "section": "performance", "querystring": request.GET.urlencode(),
    })
