"""The capacity screen: load per work center per day (or week) against its calendar's capacity, as a
table with overloaded days flagged and a bar chart (Chart.js); exported as XLSX/CSV with the filters
applied. Reads ``production.selectors.capacity.capacity_load`` (docs/production.md, "Capacity")."""

from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from erp.exports import export_response
from erp.permissions import permission_required
from inventory.views.reports import export_format
from production.forms.engineering import CapacityFilterForm
from production.selectors.capacity import capacity_load


def yes(value):
    return _("Yes") if value else ""


def columns(period_header, period, last_header, last):
    """The export's columns: a row is (work center row, day or week)."""
    return [
        (gettext_lazy("Work center"), lambda r: r[0].work_center.code),
        (period_header, lambda r: period(r[1])),
        (gettext_lazy("Capacity (hours)"), lambda r: r[1].capacity),
        (gettext_lazy("Load (hours)"), lambda r: r[1].load),
        (gettext_lazy("Load %"), lambda r: r[1].percent if r[1].percent is not None else ""),
        (last_header, lambda r: last(r[1])),
        (gettext_lazy("Overloaded"), lambda r: yes(r[1].overloaded)),
    ]


DAY_COLUMNS = columns(gettext_lazy("Date"), lambda d: d.date, gettext_lazy("Operations"), lambda d: d.orders)
WEEK_COLUMNS = columns(gettext_lazy("Week of"), lambda w: w.start, gettext_lazy("Overloaded days"),
                       lambda w: w.overloaded_days)


def chart_data(load, by_week):
    """What static/js/production_capacity.js draws: per work center, labels, capacity and load."""
    charts = []
    for row in load.rows:
        periods = row.weeks if by_week else row.days
        charts.append({
            "id": f"chart-{row.work_center.pk}", "code": row.work_center.code,
            "labels": [(p.start if by_week else p.date).isoformat() for p in periods],
            "capacity": [float(p.capacity) for p in periods], "load": [float(p.load) for p in periods],
            "overloaded": [p.overloaded for p in periods],
        })
    return {"charts": charts, "labels": {"capacity": _("Capacity (hours)"), "load": _("Load (hours)"),
                                         "overloaded": _("Overloaded")}}


@permission_required("production.view_workcenter", "production.view_workorder")
def capacity(request):
    filters = CapacityFilterForm(request.GET or None, user=request.user)
    date_from, date_to = filters.period()
    by_week = filters.by_week()
    load = capacity_load(request.user, date_from=date_from, date_to=date_to, work_centers=filters.work_center_ids())
    if fmt := export_format(request):
        rows = [(row, period) for row in load.rows for period in (row.weeks if by_week else row.days)]
        return export_response(request, rows=rows, columns=WEEK_COLUMNS if by_week else DAY_COLUMNS,
                               filename="capacity", fmt=fmt)
    context = {"filters": filters, "load": load, "by_week": by_week, "chart": chart_data(load, by_week),
               "querystring": request.GET.urlencode()}
    if request.htmx and request.htmx.target == "results":
        return render(request, "production/engineering/partials/capacity_table.html", context)
    return render(request, "production/engineering/capacity.html", context)
