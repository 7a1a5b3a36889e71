"""Demand line screens: the list (filters, pages of 25, XLSX/CSV export), entry and change (the item
found with inventory's item lookup), deactivate, delete while no MRP run used the line, and
production's import screens (``erp.import_views``; the demand kind is ``production.imports.DEMAND``).
Reads go through ``production.selectors.planning``; every write is one call to
``production.services.demand``, whose refusal is shown beside its field."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from erp.errors import DomainError
from erp.history import history_for
from erp.import_views import ImportScreens
from erp.permissions import permission_required, user_company
from inventory.forms.masterdata import add_service_error
from inventory.views.reports import list_or_export
from production.forms.planning import DemandFilterForm, DemandForm
from production.models import Demand
from production.selectors import planning as selectors
from production.services import demand as services

WRITE_ERRORS = (DomainError, ValidationError)

screens = ImportScreens(
    app_label="production",
    namespace="production",
    index_name="imports",
    index_permission="production.view_demand",
    title=gettext_lazy("Production imports"),
    intro=gettext_lazy("Load demand lines (forecasts, expected orders) from a CSV (UTF-8) or Excel .xlsx file. "
                       "Every row is checked and shown in a preview first; nothing is imported until the whole "
                       "file is free of errors."),
    nav_template="production/planning/_nav.html",
)


def yes(value: bool) -> str:
    return _("Yes") if value else _("No")


DEMAND_COLUMNS = [
    (gettext_lazy("Item code"), lambda d: d.item.code),
    (gettext_lazy("Item name"), lambda d: d.item.name),
    (gettext_lazy("Required date"), lambda d: d.date),
    (gettext_lazy("Quantity"), lambda d: d.quantity),
    (gettext_lazy("Unit"), lambda d: d.item.base_unit.code),
    (gettext_lazy("Reference"), lambda d: d.reference),
    (gettext_lazy("Active"), lambda d: yes(d.is_active)),
]


@permission_required("production.view_demand")
def demand_list(request: HttpRequest) -> HttpResponse:
    filters = DemandFilterForm(request.GET or None)
    rows = selectors.demand_rows(request.user, **filters.selector_kwargs())
    return list_or_export(request, rows, columns=DEMAND_COLUMNS, filename="demand", filters=filters,
                          template="production/planning/demand_list.html")


def get_demand(request: HttpRequest, pk: int, action: str = "view") -> Demand:
    demand = selectors.demand_get_for_user(request.user, pk, action)
    if demand is None:
        raise Http404
    return demand


def demand_form(request: HttpRequest, demand: Demand | None) -> HttpResponse:
    company = user_company(request.user)
    if company is None:
        messages.error(request, _("Your user account is not attached to a company."))
        return redirect("home")
    initial = {} if demand is None else {"item": demand.item, "date": demand.date, "quantity": demand.quantity,
                                         "reference": demand.reference}
    form = DemandForm(request.POST if request.method == "POST" else None, user=request.user, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            saved = services.demand_save(company=company, actor=request.user, demand=demand,
                                         item=form.cleaned_data["item"], date=form.cleaned_data["date"],
                                         quantity=form.cleaned_data["quantity"],
                                         reference=form.cleaned_data["reference"],
                                         is_active=demand.is_active if demand is not None else True)
        except WRITE_ERRORS as error:
            add_service_error(form, error)
        else:
            messages.success(request, _("Demand line %(item)s on %(date)s saved.") % {
                "item": saved.item.code, "date": saved.date.isoformat()})
            return redirect("production:demand_list")
    history = history_for(demand, user=request.user) if demand is not None else None
    return render(request, "production/planning/demand_form.html",
                  {"form": form, "demand": demand, "history": history})


@permission_required("production.add_demand")
def demand_create(request: HttpRequest) -> HttpResponse:
    return demand_form(request, None)


@permission_required("production.change_demand")
def demand_edit(request: HttpRequest, pk: int) -> HttpResponse:
    return demand_form(request, get_demand(request, pk, "change"))


@permission_required("production.change_demand")
@require_POST
def demand_deactivate(request: HttpRequest, pk: int) -> HttpResponse:
    demand = get_demand(request, pk, "change")
    services.demand_deactivate(demand=demand, actor=request.user)
    messages.success(request, _("Demand line deactivated: MRP leaves it out from the next run on."))
    return redirect("production:demand_list")


@permission_required("production.delete_demand")
@require_POST
def demand_delete(request: HttpRequest, pk: int) -> HttpResponse:
    demand = get_demand(request, pk, "delete")
    try:
        services.demand_delete(demand=demand, actor=request.user)
    except DomainError as error:
        messages.error(request, str(error.message))
        return redirect("production:demand_edit", pk=pk)
    messages.success(request, _("Demand line deleted."))
    return redirect("production:demand_list")
