"""Engineering screens: work centers (with their calendar, whose holidays are edited in place with
htmx) and routings (with their operations).

Reads go through ``production.selectors.engineering``; every write is one call to
``production.services.engineering``; a refusal is shown beside the field (or the operation line) it
names, never as a 500. Lists filter, page (25), refresh their results with htmx and export what they
show (``?export=xlsx|csv``)."""

import datetime
from decimal import Decimal, InvalidOperation

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from erp.errors import DomainError
from erp.history import history_for
from erp.permissions import permission_required, user_company
from inventory.forms.masterdata import add_conflict_error, add_service_error
from production.forms.engineering import (
    HolidayForm,
    RoutingFilterForm,
    RoutingForm,
    WorkCenterFilterForm,
    WorkCenterForm,
    operation_formset,
)
from production.selectors import engineering as selectors
from production.services import engineering as services
from purchasing.views.masterdata import list_or_export  # the same filtered, paged, exported list

WRITE_ERRORS = (DomainError, ValidationError)
CALENDAR_WEEKS = 6


def yes(value):
    return _("Yes") if value else _("No")


def company_or_home(request):
    company = user_company(request.user)
    if company is None:
        messages.error(request, _("Your user account is not attached to a company."))
    return company


def weekday_names(days):
    names = dict((n, str(label)) for n, label in WEEKDAY_LABELS)
    return ", ".join(names[d] for d in sorted(days or []) if d in names)


WEEKDAY_LABELS = [(0, gettext_lazy("Mon")), (1, gettext_lazy("Tue")), (2, gettext_lazy("Wed")),
                  (3, gettext_lazy("Thu")), (4, gettext_lazy("Fri")), (5, gettext_lazy("Sat")),
                  (6, gettext_lazy("Sun"))]


# Work centers ----------------------------------------------------------------------------------

WORK_CENTER_COLUMNS = [
    (gettext_lazy("Code"), lambda w: w.code),
    (gettext_lazy("Name"), lambda w: w.name),
    (gettext_lazy("Capacity (hours per day)"), lambda w: w.capacity_hours),
    (gettext_lazy("Working days"), lambda w: weekday_names(w.working_weekdays)),
    (gettext_lazy("Efficiency %"), lambda w: w.efficiency_percent),
    (gettext_lazy("Cost per hour"), lambda w: w.cost_rate),
    (gettext_lazy("Warehouse"), lambda w: w.warehouse.code if w.warehouse else ""),
    (gettext_lazy("Operations"), lambda w: w.operation_count),
    (gettext_lazy("Active"), lambda w: yes(w.is_active)),
]


@permission_required("production.view_workcenter")
def work_center_list(request):
    filters = WorkCenterFilterForm(request.GET or None, company=user_company(request.user))
    rows = selectors.work_center_list(request.user, **filters.selector_kwargs())
    return list_or_export(request, rows, columns=WORK_CENTER_COLUMNS, filename="work_centers",
                          template="production/engineering/work_center_list.html",
                          partial="production/engineering/partials/work_center_list_table.html", filters=filters,
                          weekday_labels=WEEKDAY_LABELS)


def get_work_center(request, pk):
    work_center = selectors.work_center_get_for_user(request.user, pk)
    if work_center is None:
        raise Http404
    return work_center


@permission_required("production.add_workcenter")
def work_center_create(request):
    company = company_or_home(request)
    if company is None:
        return redirect("home")
    form = WorkCenterForm(request.POST if request.method == "POST" else None, company=company)
    if request.method == "POST" and form.is_valid():
        try:
            work_center = services.work_center_create(company=company, actor=request.user, **form.service_fields())
        except WRITE_ERRORS as error:
            add_service_error(form, error)
        except IntegrityError:
            add_conflict_error(form)
        else:
            messages.success(request, _("Work center %(code)s created.") % {"code": work_center.code})
            return redirect("production:work_center_detail", pk=work_center.pk)
    return render(request, "production/engineering/work_center_form.html", {"form": form, "work_center": None})


@permission_required("production.change_workcenter")
def work_center_edit(request, pk):
    work_center = get_work_center(request, pk)
    form = WorkCenterForm(request.POST if request.method == "POST" else None, company=work_center.company,
                          instance=work_center)
    if request.method == "POST" and form.is_valid():
        fields = form.service_fields()
        work_center = get_work_center(request, pk)  # as stored, not as the form changed it
        try:
            services.work_center_update(work_center=work_center, actor=request.user, **fields)
        except WRITE_ERRORS as error:
            add_service_error(form, error)
        except IntegrityError:
            add_conflict_error(form)
        else:
            messages.success(request, _("Work center %(code)s saved.") % {"code": fields.get("code", "")})
            return redirect("production:work_center_detail", pk=pk)
    shown = get_work_center(request, pk) if request.method == "POST" else work_center
    return render(request, "production/engineering/work_center_form.html", {"form": form, "work_center": shown})


@permission_required("production.change_workcenter")
@require_POST
def work_center_deactivate(request, pk):
    work_center = services.work_center_deactivate(work_center=get_work_center(request, pk), actor=request.user)
    messages.success(request, _("Work center %(code)s deactivated: no new operation can use it.")
                     % {"code": work_center.code})
    return redirect("production:work_center_detail", pk=pk)


def calendar_start(request):
    start = parse_date(request.GET.get("from") or "") or timezone.localdate()
    return start - datetime.timedelta(days=start.weekday())


@permission_required("production.view_workcenter")
def work_center_detail(request, pk):
    return render_work_center(request, get_work_center(request, pk))


def render_work_center(request, work_center, *, holiday_form=None, holiday=None, status=200):
    """The work center's page; with htmx only its calendar (after adding, changing or removing a holiday)."""
    start = calendar_start(request)
    may_change = request.user.has_perm("production.change_workcenter")
    if holiday_form is None and may_change:
        holiday_form = HolidayForm(prefix="holiday", instance=holiday)
    context = {
        "work_center": work_center, "weeks": selectors.calendar_weeks(work_center, start, CALENDAR_WEEKS),
        "holidays": list(selectors.holidays_of(work_center, start)), "holiday_form": holiday_form,
        "holiday": holiday, "may_change": may_change, "start": start,
        "previous": start - datetime.timedelta(days=7 * CALENDAR_WEEKS),
        "next": start + datetime.timedelta(days=7 * CALENDAR_WEEKS), "weekday_labels": WEEKDAY_LABELS,
    }
    if request.htmx and request.htmx.target == "calendar":
        return render(request, "production/engineering/partials/work_center_calendar.html", context, status=status)
    context.update({
        "working_days": weekday_names(work_center.working_weekdays),
        "routings": list(selectors.routings_using(request.user, work_center)),
        "history": history_for(work_center, user=request.user),
    })
    return render(request, "production/engineering/work_center_detail.html", context, status=status)


def get_holiday(work_center, holiday_pk):
    holiday = selectors.holiday_get(work_center, holiday_pk)
    if holiday is None:
        raise Http404
    return holiday


def holiday_form_view(request, pk, holiday_pk=None):
    work_center = get_work_center(request, pk)
    holiday = get_holiday(work_center, holiday_pk) if holiday_pk is not None else None
    if request.method != "POST":
        return render_work_center(request, work_center, holiday=holiday)
    form = HolidayForm(request.POST, prefix="holiday", instance=holiday)
    if form.is_valid():
        try:
            services.holiday_save(work_center=work_center, holiday=get_holiday(work_center, holiday_pk)
                                  if holiday_pk is not None else None, actor=request.user, **form.service_fields())
        except WRITE_ERRORS as error:
            add_service_error(form, error)
        except IntegrityError:
            add_conflict_error(form)
        else:
            if request.htmx and request.htmx.target == "calendar":
                return render_work_center(request, work_center)
            messages.success(request, _("The calendar of %(code)s is saved.") % {"code": work_center.code})
            return redirect("production:work_center_detail", pk=work_center.pk)
    return render_work_center(request, work_center, holiday=holiday, holiday_form=form)


@permission_required("production.change_workcenter")
def holiday_create(request, pk):
    return holiday_form_view(request, pk)


@permission_required("production.change_workcenter")
def holiday_edit(request, pk, holiday_pk):
    return holiday_form_view(request, pk, holiday_pk)


@permission_required("production.change_workcenter")
@require_POST
def holiday_delete(request, pk, holiday_pk):
    work_center = get_work_center(request, pk)
    services.holiday_delete(holiday=get_holiday(work_center, holiday_pk), actor=request.user)
    if request.htmx and request.htmx.target == "calendar":
        return render_work_center(request, work_center)
    messages.success(request, _("The calendar of %(code)s is saved.") % {"code": work_center.code})
    return redirect("production:work_center_detail", pk=work_center.pk)


# Routings --------------------------------------------------------------------------------------

ROUTING_COLUMNS = [
    (gettext_lazy("Code"), lambda r: r.code),
    (gettext_lazy("Name"), lambda r: r.name),
    (gettext_lazy("Item code"), lambda r: r.item.code),
    (gettext_lazy("Item name"), lambda r: r.item.name),
    (gettext_lazy("Operations"), lambda r: r.operation_count),
    (gettext_lazy("Active"), lambda r: yes(r.is_active)),
]


@permission_required("production.view_routing")
def routing_list(request):
    filters = RoutingFilterForm(request.GET or None, user=request.user)
    rows = selectors.routing_list(request.user, **filters.selector_kwargs())
    return list_or_export(request, rows, columns=ROUTING_COLUMNS, filename="routings",
                          template="production/engineering/routing_list.html",
                          partial="production/engineering/partials/routing_list_table.html", filters=filters)


def get_routing(request, pk):
    routing = selectors.routing_get_for_user(request.user, pk)
    if routing is None:
        raise Http404
    return routing


@permission_required("production.view_routing")
def routing_detail(request, pk):
    routing = get_routing(request, pk)
    operations = list(routing.operations.all())
    hours_for = request.GET.get("quantity") or "1"
    try:
        quantity = Decimal(hours_for)
        if not quantity.is_finite() or quantity <= 0 or quantity > Decimal("1e9"):
            raise InvalidOperation
    except (InvalidOperation, ValueError):
        quantity = Decimal("1")
    for op in operations:
        op.hours = selectors.routing_operation_hours(op, quantity)
    return render(request, "production/engineering/routing_detail.html", {
        "routing": routing, "operations": operations, "quantity": quantity,
        "total_hours": sum((op.hours for op in operations), Decimal("0")),
        "history": history_for(routing, user=request.user),
    })


def routing_form(request, routing=None):
    company = company_or_home(request)
    if company is None:
        return redirect("home")
    data = request.POST if request.method == "POST" else None
    form = RoutingForm(data, company=company, instance=routing)
    formset = operation_formset(data, routing=routing, company=company)
    if data is not None and form.is_valid() and formset.is_valid():
        fields = form.service_fields()
        stored = get_routing(request, routing.pk) if routing is not None else None
        try:
            saved = services.routing_save(company=company, routing=stored, actor=request.user,
                                          operations=formset.operations(), **fields)
        except services.OperationRefused as error:
            formset.add_operation_error(error)
        except WRITE_ERRORS as error:
            add_service_error(form, error, formset=formset, formset_field="operations")
        except IntegrityError:
            add_conflict_error(form)
        else:
            messages.success(request, _("Routing %(code)s saved.") % {"code": saved.code})
            return redirect("production:routing_detail", pk=saved.pk)
    shown = get_routing(request, routing.pk) if routing is not None else None
    return render(request, "production/engineering/routing_form.html",
                  {"form": form, "formset": formset, "routing": shown})


@permission_required("production.add_routing")
def routing_create(request):
    return routing_form(request)


@permission_required("production.change_routing")
def routing_edit(request, pk):
    return routing_form(request, get_routing(request, pk))


@permission_required("production.change_routing")
@require_POST
def routing_deactivate(request, pk):
    routing = services.routing_deactivate(routing=get_routing(request, pk), actor=request.user)
    messages.success(request, _("Routing %(code)s deactivated.") % {"code": routing.code})
    return redirect("production:routing_detail", pk=pk)
