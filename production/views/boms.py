"""Screens of bills of materials: one ``DocumentKind`` (erp.document_screens) -- the list (filters
item, version, default, active, valid on a date; pagination; XLSX/CSV export), the version's page
(header, lines, the indented explosion for a quantity, where-used of its item, the cost roll-up with
its breakdown, the item's other versions, history), entry of a version with its lines (components
found with inventory's item lookup, a unit per line), and the actions: copy as a new version,
roll up the cost, deactivate. A where-used screen finds the BOMs that use any item.

Reads go through production.selectors.boms (the user's company: another's is a 404); each write is
one call to production.services.boms, whose refusals are shown beside the field or above the lines.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l
from django.utils.translation import pgettext_lazy

from erp.document_screens import COST, QTY, Cell, Column, DocumentKind, Entry, ServiceAction, Templates
from erp.document_screens.columns import line_count_column
from erp.permissions import permission_required
from inventory.models import Item
from production.forms import boms as forms
from production.models import Bom, BomLine
from production.selectors import boms as selectors
from production.services import boms as services


def yes(value: bool) -> str:
    return _("Yes") if value else _("No")


def plain(value: Decimal | None) -> str:
    """A decimal as typed: 10, 12.5 (not 10.0000 nor 1E+1)."""
    return "" if value is None else format(value.normalize(), "f")


def bom_rows(user: Any, values: dict[str, Any]) -> QuerySet[Bom]:
    form = forms.BomFilterForm(values)
    form.is_valid()
    return selectors.bom_list(user, **form.selector_kwargs())


def item_cell(bom: Bom) -> Cell:
    return Cell(bom.item.code, url=getattr(bom, "detail_url", ""), note=bom.item.name)


COLUMNS = (
    Column(_l("Item code"), lambda b: b.item.code, display=item_cell),
    Column(_l("Item name"), lambda b: b.item.name, listed=False),
    Column(_l("Version"), lambda b: b.version),
    Column(_l("Description"), lambda b: b.name),
    Column(_l("Makes quantity"), lambda b: b.quantity, numeric=True,
           display=lambda b: Cell(b.quantity, b.item.base_unit, num=True, fmt=QTY)),
    Column(pgettext_lazy("BOM version", "Default"), lambda b: yes(b.is_default)),
    Column(_l("Valid from"), lambda b: b.valid_from),
    Column(_l("Valid to"), lambda b: b.valid_to),
    Column(_l("Routing"), lambda b: b.routing.code if b.routing else ""),
    Column(_l("Active"), lambda b: yes(b.is_active)),
    line_count_column(),
    Column(_l("Material cost"), lambda b: b.material_cost, numeric=True,
           display=lambda b: Cell(b.material_cost, num=True, fmt=COST)),
    Column(_l("Operation cost"), lambda b: b.operation_cost, numeric=True,
           display=lambda b: Cell(b.operation_cost, num=True, fmt=COST)),
    Column(_l("Costed at"), lambda b: b.costed_at, listed=False),
)


def where_used_url(item: Item) -> str:
    return reverse("production:bom_where_used") + f"?item={item.code}"


LINE_COLUMNS = (
    Column(pgettext_lazy("BOM line", "Kind"), lambda line: line.get_kind_display()),
    Column(_l("Component"), lambda line: f"{line.component.code} {line.component.name}",
           display=lambda line: Cell(line.component.code, note=line.component.name,
                                     url=where_used_url(line.component))),
    Column(_l("Quantity per"), lambda line: line.quantity, numeric=True,
           display=lambda line: Cell(line.quantity, line.unit, num=True)),
    Column(_l("Quantity per (base unit)"), lambda line: line.quantity_base, numeric=True,
           display=lambda line: Cell(line.quantity_base, line.component.base_unit, num=True, fmt=QTY)),
    Column(_l("Scrap %"), lambda line: line.scrap_percent, numeric=True,
           display=lambda line: Cell(line.scrap_percent, num=True, fmt="") if line.scrap_percent else ""),
    Column(_l("Operation"), lambda line: str(line.operation or "")),
    Column(_l("Notes"), lambda line: line.notes),
)


def header_rows(bom: Bom) -> list[tuple[Any, Any]]:
    rows: list[tuple[Any, Any]] = [
        (_("Item"), f"{bom.item.code} {bom.item.name}"),
        (_("Version"), bom.version),
        (_("Description"), bom.name),
        (_("Makes quantity"), f"{plain(bom.quantity)} {bom.item.base_unit.code}"),
        (_("Routing"), str(bom.routing or "")),
        (pgettext_lazy("BOM version", "Default"), yes(bom.is_default)),
        (_("Valid from"), bom.valid_from), (_("Valid to"), bom.valid_to),
        (_("Active"), yes(bom.is_active)),
    ]
    if bom.costed_at:
        rows += [(_("Material cost per unit"), plain(bom.material_cost)),
                 (_("Operation cost per unit"), plain(bom.operation_cost)),
                 (_("Costed at"), bom.costed_at)]
    if bom.notes:
        rows.append((_("Notes"), bom.notes))
    return rows


def lines_of(bom: Bom) -> QuerySet[BomLine]:
    return selectors.bom_lines(bom)


def detail_context(request: HttpRequest, bom: Bom, context: dict[str, Any]) -> dict[str, Any]:
    """The explosion for the quantity asked (?quantity=), where-used of the item, the cost breakdown
    at the basis asked (?cost_basis=), the item's versions and the copy form."""
    explosion_form = forms.ExplosionForm(request.GET or None, initial={"quantity": plain(bom.quantity)})
    quantity = bom.quantity
    if explosion_form.is_bound and explosion_form.is_valid() and explosion_form.cleaned_data["quantity"]:
        quantity = explosion_form.cleaned_data["quantity"]
    cost_form = forms.CostForm(request.GET or None)
    basis = cost_form.cleaned_data.get("cost_basis") if cost_form.is_bound and cost_form.is_valid() else ""
    return {
        "explosion_form": explosion_form, "explosion_quantity": quantity,
        "explosion": selectors.bom_explode(bom, quantity),
        "where_used": selectors.where_used(request.user, bom.item),
        "cost_form": cost_form, "breakdown": selectors.bom_cost_breakdown(bom, cost_basis=basis or selectors.STANDARD),
        "versions": list(selectors.bom_versions(bom).select_related("item")),
        "may_change": request.user.has_perm("production.change_bom"),
        "where_used_url": where_used_url(bom.item),
    }


def initial(bom: Bom) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    header = {"item": bom.item, "version": bom.version, "name": bom.name, "quantity": plain(bom.quantity),
              "routing": bom.routing_id, "is_default": bom.is_default, "valid_from": bom.valid_from,
              "valid_to": bom.valid_to, "is_active": bom.is_active, "notes": bom.notes}
    lines = [{"id": line.pk, "item": line.component, "kind": line.kind, "quantity": plain(line.quantity),
              "unit": line.unit_id, "scrap_percent": plain(line.scrap_percent) if line.scrap_percent else "",
              "operation": line.operation_id, "notes": line.notes}
             for line in selectors.bom_lines(bom)]
    return header, lines


def copied(bom: Bom, before: str, result: Bom) -> str:
    return _("%(bom)s copied to version %(version)s: change its lines, then make it the default.") % {
        "bom": str(bom), "version": result.version}


def costed(bom: Bom, before: str, result: selectors.CostBreakdown) -> str:
    return _("Cost of %(bom)s rolled up: material %(material)s and operations %(operations)s per unit.") % {
        "bom": str(bom), "material": plain(result.material_per_unit), "operations": plain(result.operation_per_unit)}


def copy_params(request: HttpRequest) -> dict[str, Any]:
    return {"version": request.POST.get("version", "").strip()[:20]}


def cost_params(request: HttpRequest) -> dict[str, Any]:
    return {"cost_basis": request.POST.get("cost_basis") or selectors.STANDARD}


ACTIONS = (
    ServiceAction(name="copy", label=_l("Copy as a new version"), service=services.bom_copy, success=copied,
                  params=copy_params, button=False, permissions=("production.add_bom",),
                  redirect=lambda bom, result: result.get_absolute_url()),
    ServiceAction(name="cost", label=_l("Roll up the cost"), service=services.bom_cost_rollup, success=costed,
                  params=cost_params, button=False, path="cost-rollup"),
    ServiceAction(name="deactivate", label=_l("Deactivate"), service=services.bom_deactivate,
                  when=lambda bom: bom.is_active, style="outline-danger",
                  confirm=_l("Deactivate this version? MRP and new work orders will no longer use it."),
                  success=_l("%(document)s deactivated.")),
)

BOMS = DocumentKind(
    namespace="production", key="bom", segment="boms", model=Bom,
    title=_l("Bill of materials"), title_plural=_l("Bills of materials"), new_title=_l("New BOM version"),
    selector=lambda user: selectors.boms_for_user(user).select_related("item", "item__base_unit", "routing"),
    filter_form=forms.BomFilterForm, rows=bom_rows, ordering=("item__code", "version", "pk"),
    export_filename="boms", columns=COLUMNS, header_rows=header_rows, lines=lines_of, line_columns=LINE_COLUMNS,
    detail_context=detail_context,
    entry=Entry(header_form=forms.BomForm, formset=forms.BomLineFormSet, save=services.bom_save,
                form_kwargs=forms.form_kwargs, line_kwargs=forms.line_kwargs, initial=initial,
                max_lines=forms.MAX_LINES, saved=_l("BOM %(document)s saved."), submit=_l("Save")),
    actions=ACTIONS, section="bom", empty=_l("No BOM versions match the filters."),
    templates=Templates(detail="production/boms/detail.html", form="production/boms/form.html",
                        list="production/boms/list.html"),
)


@permission_required("production.view_bom")
def where_used_view(request: HttpRequest) -> HttpResponse:
    """The BOM versions that use an item (?item=CODE), one level up or all the way to the top."""
    form = forms.WhereUsedForm(request.GET or None)
    item, rows = None, []
    if form.is_bound and form.is_valid() and form.cleaned_data["item"]:
        code = form.cleaned_data["item"].strip()
        item = Item.objects.restrict(request.user).filter(code__iexact=code).first()
        if item is None:
            form.add_error("item", _("No item has the code %(code)s.") % {"code": code})
        else:
            rows = selectors.where_used(request.user, item, multi_level=form.cleaned_data["levels"] != "one")
    return render(request, "production/boms/where_used.html",
                  {"form": form, "item": item, "rows": rows, "kind": BOMS, "section": "bom"})
