"""MRP screens: the production home page, the runs (list, start, detail with a progress bar htmx
refreshes while the run is queued or running, "mark failed" for a run its worker left, compare with
another run), a run's planned orders (filters, pages, export, "Firm selected"), the MRP record of an
item with its pegging and exceptions, and a run's exceptions. Reads go through
``production.selectors.planning``; writes are one call to ``production.services.runs`` or
``production.services.firming``."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from erp.errors import DomainError
from erp.permissions import permission_required, user_company
from inventory.forms.masterdata import add_service_error
from inventory.models import Item
from inventory.views.reports import list_or_export
from production import status as st
from production.forms.planning import ExceptionFilterForm, PlannedOrderFilterForm, RunFilterForm, RunStartForm
from production.models import MrpRun, PlannedOrder, PlannedOrderPeg
from production.selectors import planning as selectors
from production.services import firming, runs

# The production screens the home page links to: (URL name, label). Areas written in parallel add
# theirs; a name not (yet) in the URLconf is shown as text, never a broken link.
HOME_LINKS = [
    ("production:bom_list", gettext_lazy("Bills of materials"), "production.view_bom"),
    ("production:work_center_list", gettext_lazy("Work centers"), "production.view_workcenter"),
    ("production:routing_list", gettext_lazy("Routings"), "production.view_routing"),
    ("production:demand_list", gettext_lazy("Demand lines"), "production.view_demand"),
    ("production:mrp_run_list", gettext_lazy("MRP runs"), "production.view_mrprun"),
    ("production:work_order_list", gettext_lazy("Work orders"), "production.view_workorder"),
    ("production:imports", gettext_lazy("Imports"), "production.view_demand"),
]


# The figures of a run's summaries (keys of the engine's inputs and counts, nested ones as "a.b") and
# the engine's steps, as people read them; a key not named here is shown as it is.
SUMMARY_LABELS = {
    "as_of": gettext_lazy("As of"), "end": gettext_lazy("Horizon end"), "items": gettext_lazy("Items"),
    "boms": gettext_lazy("BOM versions"), "bom_lines": gettext_lazy("BOM lines"),
    "sales_lines": gettext_lazy("Sales order lines"), "demand_lines": gettext_lazy("Demand lines"),
    "scheduled_receipts": gettext_lazy("Scheduled receipts"), "stock_rows": gettext_lazy("Stock rows"),
    "supplier_items": gettext_lazy("Supplier items"), "digest": gettext_lazy("Digest of the inputs"),
    "planned_orders": gettext_lazy("Planned orders"), "planned_orders_by_kind": gettext_lazy("Planned orders"),
    "late": gettext_lazy("Late planned orders"), "exceptions": gettext_lazy("Exceptions"),
    "exceptions_by_kind": gettext_lazy("Exceptions"), "items_planned": gettext_lazy("Items planned"),
    "record_days": gettext_lazy("MRP record days"), "pegs": gettext_lazy("Pegging rows"),
}
# The keys of nested figures: kinds of planned orders, exceptions and scheduled receipts.
PART_LABELS = {
    "work_order": gettext_lazy("Work orders"), "purchase_order": gettext_lazy("Purchase orders"),
    "requisition": gettext_lazy("Purchase requisitions"),
    **dict(st.PlannedOrderKind.choices), **dict(st.MrpExceptionKind.choices),
}
STEP_LABELS = {"loading": gettext_lazy("Reading the inputs"), "netting": gettext_lazy("Netting"),
               "writing": gettext_lazy("Writing the plan"), "done": gettext_lazy("Done")}


def summary_label(key: str) -> str:
    """"planned_orders_by_kind.make" -> "Planned orders · Work order"."""
    first, *parts = key.split(".")
    return " · ".join([str(SUMMARY_LABELS.get(first, first)), *(str(PART_LABELS.get(part, part)) for part in parts)])


def labelled(rows: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    return [(summary_label(row[0]), *row[1:]) for row in rows]


def optional_url(name: str, *args: Any) -> str:
    """The URL of ``name``, or "" while no screen has that name."""
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return ""


def yes(value: bool) -> str:
    return _("Yes") if value else _("No")


def get_run(request: HttpRequest, pk: int, action: str = "view") -> MrpRun:
    run = selectors.run_get_for_user(request.user, pk, action)
    if run is None:
        raise Http404
    return run


def peg_text(peg: PlannedOrderPeg) -> str:
    """What a peg serves, as text (exports and the API)."""
    if peg.sales_order_line_id:
        return _("%(order)s line %(n)s") % {"order": peg.sales_order_line.order.reference,
                                             "n": peg.sales_order_line.line_no}
    if peg.demand_id:
        return _("Demand %(reference)s") % {"reference": peg.demand.reference or peg.demand.date.isoformat()}
    if peg.parent_id:
        return _("Planned order %(id)s (%(item)s)") % {"id": peg.parent_id, "item": peg.parent.item.code}
    if peg.safety_stock:
        return _("Safety stock")
    return ""


def peg_url(peg: PlannedOrderPeg, run: MrpRun) -> str:
    if peg.sales_order_line_id:
        return optional_url("sales:order_detail", peg.sales_order_line.order_id)
    if peg.demand_id:
        return optional_url("production:demand_edit", peg.demand_id)
    if peg.parent_id:
        url = optional_url("production:mrp_record", run.pk)
        return f"{url}?item={peg.parent.item.code}" if url else ""
    return ""


def decorate(orders: list[PlannedOrder], run: MrpRun) -> list[PlannedOrder]:
    """Each planned order's pegging as (text, url) and the link to what firming made."""
    for order in orders:
        order.peg_rows = [(peg_text(peg), peg_url(peg, run), peg.quantity, peg.need_date)  # type: ignore[attr-defined]
                          for peg in order.pegs.all()]
        order.work_order_url = (optional_url("production:work_order_detail", order.work_order_id)  # type: ignore[attr-defined]
                                if order.work_order_id else "")
        order.requisition_url = (  # type: ignore[attr-defined]
            optional_url("purchasing:requisition_detail", order.requisition_line.requisition_id)
            if order.requisition_line_id else "")
    return orders


def firmed_text(order: PlannedOrder) -> str:
    if order.work_order_id:
        return order.work_order.reference
    if order.requisition_line_id:
        return _("%(requisition)s line %(n)s") % {"requisition": order.requisition_line.requisition.reference,
                                                   "n": order.requisition_line.line_no}
    return ""


# Home ------------------------------------------------------------------------------------------


@permission_required("production.view_mrprun")
def home(request: HttpRequest) -> HttpResponse:
    summary = selectors.planning_summary(request.user)
    done = summary["done"]
    summary["counts"] = labelled(sorted(selectors.flatten(done.counts).items())) if done is not None else []
    links = [{"label": label, "url": optional_url(name), "name": name} for name, label, perm in HOME_LINKS
             if request.user.has_perm(perm)]
    return render(request, "production/planning/home.html", {**summary, "links": links})


# Runs ------------------------------------------------------------------------------------------

RUN_COLUMNS = [
    (gettext_lazy("Run"), lambda r: r.pk),
    (gettext_lazy("As of"), lambda r: r.as_of),
    (gettext_lazy("Horizon (days)"), lambda r: r.horizon_days),
    (gettext_lazy("Status"), lambda r: r.get_status_display()),
    (gettext_lazy("Progress %"), lambda r: r.progress),
    (gettext_lazy("Planned orders"), lambda r: r.counts.get("planned_orders", "")),
    (gettext_lazy("Exceptions"), lambda r: r.counts.get("exceptions", "")),
    (gettext_lazy("Started by"), lambda r: r.created_by.username if r.created_by else ""),
    (gettext_lazy("Created at"), lambda r: r.created_at),
    (gettext_lazy("Finished at"), lambda r: r.finished_at),
]


@permission_required("production.view_mrprun")
def run_list(request: HttpRequest) -> HttpResponse:
    filters = RunFilterForm(request.GET or None)
    rows = selectors.run_rows(request.user, **filters.selector_kwargs())
    return list_or_export(request, rows, columns=RUN_COLUMNS, filename="mrp_runs", filters=filters,
                          template="production/planning/run_list.html")


@permission_required("production.add_mrprun")
def run_start(request: HttpRequest) -> HttpResponse:
    company = user_company(request.user)
    if company is None:
        messages.error(request, _("Your user account is not attached to a company."))
        return redirect("home")
    form = RunStartForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            run = runs.mrp_run_start(company=company, actor=request.user, as_of=form.cleaned_data["as_of"],
                                     horizon_days=form.cleaned_data["horizon_days"])
        except DomainError as error:
            add_service_error(form, error)
        else:
            messages.success(request, _("MRP run #%(id)s queued.") % {"id": run.pk})
            return redirect("production:mrp_run_detail", pk=run.pk)
    busy = selectors.runs_for_user(request.user).filter(status__in=runs.ACTIVE).first()
    return render(request, "production/planning/run_start.html", {"form": form, "busy": busy})


def progress_context(run: MrpRun) -> dict[str, Any]:
    return {"run": run, "active": run.status in runs.ACTIVE, "may_mark_failed": runs.stuck(run),
            "step": STEP_LABELS.get(run.step, run.step)}


@permission_required("production.view_mrprun")
def run_detail(request: HttpRequest, pk: int) -> HttpResponse:
    run = get_run(request, pk)
    context = progress_context(run)
    if request.htmx and request.htmx.target == "run-progress":
        if not context["active"]:  # finished meanwhile: the whole page shows the results
            response = HttpResponse(status=204)
            response["HX-Refresh"] = "true"
            return response
        return render(request, "production/planning/partials/run_progress.html", context)
    counts = labelled(sorted(selectors.flatten(run.counts).items()))
    inputs = labelled(sorted(selectors.flatten(run.inputs).items()))
    return render(request, "production/planning/run_detail.html", {
        **context, "counts": counts, "inputs": inputs, "others": selectors.other_runs(request.user, run),
        "items": selectors.run_items(request.user, run)[:200] if run.status == st.MrpRunStatus.DONE else [],
        "latest_done": selectors.is_latest_done(run)})


@permission_required("production.change_mrprun")
@require_POST
def run_mark_failed(request: HttpRequest, pk: int) -> HttpResponse:
    run = get_run(request, pk, "change")
    try:
        runs.mrp_run_mark_failed(run=run, actor=request.user)
    except DomainError as error:
        messages.error(request, str(error.message))
    else:
        messages.success(request, _("MRP run #%(id)s marked failed.") % {"id": run.pk})
    return redirect("production:mrp_run_detail", pk=run.pk)


@permission_required("production.view_mrprun")
def run_compare(request: HttpRequest, pk: int) -> HttpResponse:
    run = get_run(request, pk)
    other_pk = request.GET.get("other", "")
    other = selectors.run_get_for_user(request.user, int(other_pk)) if other_pk.isdigit() else None
    if other is None:
        messages.error(request, _("Choose a run to compare with."))
        return redirect("production:mrp_run_detail", pk=run.pk)
    compared = selectors.runs_compare(request.user, other, run)
    compared["counts"], compared["inputs"] = labelled(compared["counts"]), labelled(compared["inputs"])
    return render(request, "production/planning/run_compare.html", {"run": run, "other": other, **compared})


# Planned orders ----------------------------------------------------------------------------------


def pegs_export(order: PlannedOrder) -> str:
    return "; ".join(f"{peg_text(peg)} ({peg.quantity.normalize():f})" for peg in order.pegs.all())


PLANNED_ORDER_COLUMNS = [
    (gettext_lazy("Planned order"), lambda o: o.pk),
    (gettext_lazy("Item code"), lambda o: o.item.code),
    (gettext_lazy("Item name"), lambda o: o.item.name),
    (gettext_lazy("Kind"), lambda o: o.get_kind_display()),
    (gettext_lazy("Quantity"), lambda o: o.quantity),
    (gettext_lazy("Unit"), lambda o: o.item.base_unit.code),
    (gettext_lazy("Release"), lambda o: o.release_date),
    (gettext_lazy("Due"), lambda o: o.due_date),
    (gettext_lazy("Late"), lambda o: yes(o.is_late)),
    (gettext_lazy("Pegged to"), pegs_export),
    (gettext_lazy("Firmed at"), lambda o: o.firmed_at),
    (gettext_lazy("Firmed as"), firmed_text),
]


@permission_required("production.view_plannedorder")
def planned_order_list(request: HttpRequest, pk: int) -> HttpResponse:
    run = get_run(request, pk)
    filters = PlannedOrderFilterForm(request.GET or None)
    rows = selectors.planned_order_rows(request.user, run, **filters.selector_kwargs())
    may_firm = request.user.has_perm("production.change_plannedorder") and selectors.is_latest_done(run)
    return list_or_export(request, rows, columns=PLANNED_ORDER_COLUMNS, filename=f"mrp_run_{run.pk}_planned_orders",
                          template="production/planning/planned_order_list.html", filters=filters,
                          prepare=lambda orders: decorate(orders, run), run=run, may_firm=may_firm)


@permission_required("production.change_plannedorder")
@require_POST
def planned_orders_firm(request: HttpRequest, pk: int) -> HttpResponse:
    run = get_run(request, pk)
    ids = [int(value) for value in request.POST.getlist("ids") if value.isdigit()]
    chosen = list(selectors.planned_orders_for_user(request.user, "change").filter(run=run, pk__in=ids)
                  .values_list("pk", flat=True))
    back = reverse("production:planned_order_list", args=[run.pk])
    if request.POST.get("next", "").startswith("?"):
        back += request.POST["next"]
    if not chosen:
        messages.error(request, _("Choose at least one planned order to firm."))
        return redirect(back)
    try:
        result = firming.planned_orders_firm(planned_orders=chosen, actor=request.user)
    except DomainError as error:
        messages.error(request, str(error.message))
    else:
        messages.success(request, firming.firm_message(result))
    return redirect(back)


# The MRP record of an item, and the exceptions ---------------------------------------------------------


@permission_required("production.view_mrprecord")
def mrp_record(request: HttpRequest, pk: int) -> HttpResponse:
    run = get_run(request, pk)
    code = (request.GET.get("item") or "").strip()
    item = Item.objects.restrict(request.user).filter(code__iexact=code).first() if code else None
    record = selectors.item_record(request.user, run, item) if item is not None else None
    if record is not None:
        decorate(record.planned_orders, run)
    if code and item is None:
        messages.error(request, _("No item has the code %(code)s.") % {"code": code})
    return render(request, "production/planning/mrp_record.html", {
        "run": run, "record": record, "code": code, "items": selectors.run_items(request.user, run)[:500]})


EXCEPTION_COLUMNS = [
    (gettext_lazy("Item code"), lambda e: e.item.code),
    (gettext_lazy("Item name"), lambda e: e.item.name),
    (gettext_lazy("Kind"), lambda e: e.get_kind_display()),
    (gettext_lazy("Date"), lambda e: e.date),
    (gettext_lazy("New date"), lambda e: e.new_date),
    (gettext_lazy("Quantity"), lambda e: e.quantity),
    (gettext_lazy("Reference"), lambda e: e.reference),
]


@permission_required("production.view_mrpexception")
def exception_list(request: HttpRequest, pk: int) -> HttpResponse:
    run = get_run(request, pk)
    filters = ExceptionFilterForm(request.GET or None)
    rows = selectors.exception_rows(request.user, run, **filters.selector_kwargs())
    return list_or_export(request, rows, columns=EXCEPTION_COLUMNS, filename=f"mrp_run_{run.pk}_exceptions",
                          template="production/planning/exception_list.html", filters=filters, run=run)
