"""Master-data screens: items (with their alternative units), units of measure, warehouses with their
location tree, locations, lots and the lot trace. Reads go through inventory.selectors (warehouse
scoping), writes through inventory.services.masterdata."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError
from django.db.models import Count, Q, Sum
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from erp.errors import DomainError
from erp.history import history_for
from erp.permissions import permission_required, user_company
from inventory import selectors
from inventory import status as st
from inventory.forms.masterdata import (
    ItemFilterForm,
    ItemForm,
    LocationForm,
    LotFilterForm,
    UnitFilterForm,
    UnitForm,
    WarehouseFilterForm,
    WarehouseForm,
    add_conflict_error,
    add_service_error,
    item_unit_formset,
    yes_no,
)
from inventory.models import UnitOfMeasure
from inventory.services import masterdata
from inventory.views.reports import (
    list_or_export,
    paginate,
    with_document_urls,
)

ITEM_DETAIL_BALANCES = 200
ITEM_DETAIL_MOVES = 50


# Items ---------------------------------------------------------------------------------------

ITEM_COLUMNS = [
    (_("Code"), lambda i: i.code),
    (_("Name"), lambda i: i.name),
    (_("Specification"), lambda i: i.specification),
    (_("Category"), lambda i: i.category.code if i.category else ""),
    (_("Type"), lambda i: i.get_item_type_display()),
    (_("Procurement"), lambda i: i.get_procurement_display()),
    (_("Base unit"), lambda i: i.base_unit.code),
    (_("On hand"), lambda i: i.on_hand),
    (_("Reserved"), lambda i: i.reserved_total),
    (_("Available"), lambda i: i.available),
    (_("Reorder point"), lambda i: i.reorder_point),
    (_("Standard cost"), lambda i: i.standard_cost),
    (_("Lot tracked"), lambda i: _("Yes") if i.lot_tracked else _("No")),
    (_("Barcode"), lambda i: i.barcode),
    (_("Active"), lambda i: _("Yes") if i.is_active else _("No")),
]


@permission_required("inventory.view_item")
def item_list(request):
    filters = ItemFilterForm(request.GET or None, company=user_company(request.user))
    filters.filter_values()
    items = selectors.stock_totals_for_user(selectors.item_list(request.user, **filters.selector_kwargs()),
                                            request.user)
    return list_or_export(request, items, columns=ITEM_COLUMNS, filename="items",
                          template="inventory/item_list.html", filters=filters)


def get_item(request, pk):
    item = selectors.item_list(request.user).filter(pk=pk).select_related("default_warehouse").first()
    if item is None:
        raise Http404
    return item


def item_forms_valid(form, units):
    form_ok = form.is_valid()
    units.base_unit = form.cleaned_data.get("base_unit") if hasattr(form, "cleaned_data") else None
    units_ok = units.is_valid()
    return form_ok and units_ok


@permission_required("inventory.add_item")
def item_create(request):
    company = user_company(request.user)
    data = request.POST if request.method == "POST" else None
    form = ItemForm(data, company=company)
    units = item_unit_formset(data, company=company)
    if data is not None and item_forms_valid(form, units):
        try:
            item = masterdata.item_create(company=company, units=units.units(), actor=request.user,
                                          **form.service_fields())
        except (DomainError, ValidationError) as error:
            add_service_error(form, error, formset=units)
        except IntegrityError:
            add_conflict_error(form)
        else:
            messages.success(request, _("Item %(code)s created.") % {"code": item.code})
            return redirect("inventory:item_detail", pk=item.pk)
    return render(request, "inventory/item_form.html", {"form": form, "units": units, "item": None})


@permission_required("inventory.change_item")
def item_edit(request, pk):
    item = get_item(request, pk)
    company = item.company
    data = request.POST if request.method == "POST" else None
    form = ItemForm(data, company=company, instance=item)
    units = item_unit_formset(data, company=company, item=item)
    if data is not None and item_forms_valid(form, units):
        try:
            masterdata.item_update(item=item, units=units.units(), actor=request.user, **form.service_fields())
        except (DomainError, ValidationError) as error:
            add_service_error(form, error, formset=units)
        except IntegrityError:
            add_conflict_error(form)
        else:
            messages.success(request, _("Item %(code)s saved.") % {"code": item.code})
            return redirect("inventory:item_detail", pk=item.pk)
    return render(request, "inventory/item_form.html", {"form": form, "units": units, "item": item})


@permission_required("inventory.view_item")
def item_detail(request, pk):
    item = get_item(request, pk)
    item_units = list(item.units.select_related("unit").order_by("unit__code"))
    for unit in item_units:
        unit.inverse = 1 / unit.factor
    balances = list(
        selectors.balances_for_user(request.user, item=item)[: ITEM_DETAIL_BALANCES + 1]
    )
    by_warehouse = {}
    for balance in balances[:ITEM_DETAIL_BALANCES]:
        total = by_warehouse.setdefault(balance.warehouse_id, {"warehouse": balance.warehouse, "on_hand": 0,
                                                               "reserved": 0, "available": 0})
        total["on_hand"] += balance.on_hand
        total["reserved"] += balance.reserved
        total["available"] += balance.available
    reservations = selectors.reservations_for_item(request.user, item).select_related("warehouse")
    moves = with_document_urls(list(selectors.moves_for_user(request.user, item=item)[:ITEM_DETAIL_MOVES]),
                               request.user)
    return render(request, "inventory/item_detail.html", {
        "item": item,
        "item_units": item_units,
        "balances": balances[:ITEM_DETAIL_BALANCES],
        "more_balances": len(balances) > ITEM_DETAIL_BALANCES,
        "warehouse_totals": list(by_warehouse.values()),
        "reservations": reservations,
        "moves": moves,
        "history": history_for(item, user=request.user),
    })


# Units of measure ----------------------------------------------------------------------------

UNIT_COLUMNS = [
    (_("Code"), lambda u: u.code),
    (_("Name"), lambda u: u.display_name),
    (_("Decimals"), lambda u: u.decimals),
    (_("Active"), lambda u: _("Yes") if u.is_active else _("No")),
]


@permission_required("inventory.view_unitofmeasure")
def unit_list(request):
    filters = UnitFilterForm(request.GET or None)
    values = filters.filter_values()
    units = selectors.units_for_user(request.user, search=(values.get("q") or "").strip(),
                                     active=yes_no(values.get("active")))
    return list_or_export(request, units, columns=UNIT_COLUMNS, filename="units_of_measure",
                          template="inventory/unit_list.html", filters=filters)


def unit_form_view(request, unit):
    """Create (services.masterdata.unit_create) or edit a unit of measure."""
    company = user_company(request.user)
    form = UnitForm(request.POST if request.method == "POST" else None, company=company, instance=unit)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            if unit.pk is None:
                unit = masterdata.unit_create(company=company, code=data["code"], name=data["name"],
                                              decimals=data["decimals"], actor=request.user)
            else:
                unit.company = company  # the form filled in the other fields
                masterdata.unit_update(unit=unit, actor=request.user)
        except (DomainError, ValidationError) as error:
            add_service_error(form, error)
        except IntegrityError:
            add_conflict_error(form)
        else:
            messages.success(request, _("Unit %(code)s saved.") % {"code": unit.code})
            return redirect("inventory:unit_list")
    return render(request, "inventory/unit_form.html", {"form": form, "unit": unit if unit.pk else None})


@permission_required("inventory.add_unitofmeasure")
def unit_create(request):
    return unit_form_view(request, UnitOfMeasure())


@permission_required("inventory.change_unitofmeasure")
def unit_edit(request, pk):
    unit = selectors.units_for_user(request.user).filter(pk=pk).first()
    if unit is None:
        raise Http404
    return unit_form_view(request, unit)


# Warehouses and locations --------------------------------------------------------------------

WAREHOUSE_COLUMNS = [
    (_("Code"), lambda w: w.code),
    (_("Name"), lambda w: w.name),
    (_("Address"), lambda w: w.address),
    (_("Locations"), lambda w: w.location_count),
    (_("Active"), lambda w: _("Yes") if w.is_active else _("No")),
]


@permission_required("inventory.view_warehouse")
def warehouse_list(request):
    filters = WarehouseFilterForm(request.GET or None)
    values = filters.filter_values()
    warehouses = selectors.warehouses_for_user(request.user).annotate(
        location_count=Count("locations", filter=Q(locations__kind=st.LocationKind.INTERNAL))
    ).order_by("code")
    if search := (values.get("q") or "").strip():
        warehouses = warehouses.filter(Q(code__icontains=search) | Q(name__icontains=search))
    if (active := yes_no(values.get("active"))) is not None:
        warehouses = warehouses.filter(is_active=active)
    return list_or_export(request, warehouses, columns=WAREHOUSE_COLUMNS, filename="warehouses",
                          template="inventory/warehouse_list.html", filters=filters)


@permission_required("inventory.add_warehouse")
def warehouse_create(request):
    company = user_company(request.user)
    form = WarehouseForm(request.POST if request.method == "POST" else None, company=company)
    if request.method == "POST" and form.is_valid():
        try:
            warehouse = masterdata.warehouse_create(company=company, actor=request.user, **form.cleaned_data)
        except (DomainError, ValidationError) as error:
            add_service_error(form, error)
        except IntegrityError:
            add_conflict_error(form)
        else:
            messages.success(request, _("Warehouse %(code)s created.") % {"code": warehouse.code})
            return redirect("inventory:warehouse_detail", pk=warehouse.pk)
    return render(request, "inventory/warehouse_form.html", {"form": form})


def get_warehouse(request, pk):
    warehouse = selectors.warehouses_for_user(request.user).filter(pk=pk).first()
    if warehouse is None:
        raise Http404
    return warehouse


def location_tree(locations):
    """Locations in tree order (each parent followed by its children), each with its ``depth``."""
    children = {}
    by_pk = {location.pk: location for location in locations}
    for location in locations:
        parent = location.parent_id if location.parent_id in by_pk else None
        children.setdefault(parent, []).append(location)
    ordered, stack = [], [(location, 0) for location in reversed(children.get(None, []))]
    while stack:
        location, depth = stack.pop()
        location.depth = depth
        ordered.append(location)
        stack.extend((child, depth + 1) for child in reversed(children.get(location.pk, [])))
    return ordered


@permission_required("inventory.view_warehouse")
def warehouse_detail(request, pk):
    warehouse = get_warehouse(request, pk)
    locations = location_tree(list(selectors.locations_for_user(request.user, warehouse=warehouse)))
    return render(request, "inventory/warehouse_detail.html", {
        "warehouse": warehouse, "locations": locations, "history": history_for(warehouse, user=request.user),
    })


@permission_required("inventory.add_location")
def location_create(request, pk):
    warehouse = get_warehouse(request, pk)
    if not selectors.can_operate(request.user, warehouse):  # seen, but not the user's to change
        raise PermissionDenied
    form = LocationForm(request.POST if request.method == "POST" else None, warehouse=warehouse)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            location = masterdata.location_create(warehouse=warehouse, code=data["code"], name=data["name"],
                                                  parent=data["parent"], actor=request.user)
        except (DomainError, ValidationError) as error:
            add_service_error(form, error)
        except IntegrityError:
            add_conflict_error(form)
        else:
            messages.success(request, _("Location %(location)s created.") % {"location": location})
            return redirect("inventory:warehouse_detail", pk=warehouse.pk)
    return render(request, "inventory/location_form.html", {"form": form, "warehouse": warehouse, "location": None})


@permission_required("inventory.change_location")
def location_edit(request, pk):
    location = selectors.locations_for_user(request.user).filter(pk=pk).first()
    if location is None:
        raise Http404
    if not selectors.can_operate(request.user, location.warehouse):
        raise PermissionDenied
    warehouse = location.warehouse
    form = LocationForm(request.POST if request.method == "POST" else None, warehouse=warehouse, location=location)
    if request.method == "POST" and form.is_valid():
        if location.kind == st.LocationKind.TRANSIT and form.cleaned_data["code"] != location.code:
            form.add_error("code", _("The transit location keeps its code."))
        else:
            try:
                masterdata.location_update(
                    location=location, actor=request.user,
                    **{name: form.cleaned_data[name] for name in ("code", "name", "parent", "is_active")},
                )
            except (DomainError, ValidationError) as error:
                add_service_error(form, error)
            except IntegrityError:
                add_conflict_error(form)
            else:
                messages.success(request, _("Location %(location)s saved.") % {"location": location})
                return redirect("inventory:warehouse_detail", pk=warehouse.pk)
    return render(request, "inventory/location_form.html", {"form": form, "warehouse": warehouse,
                                                            "location": location})


# Lots ----------------------------------------------------------------------------------------

LOT_COLUMNS = [
    (_("Item code"), lambda lot: lot.item.code),
    (_("Item name"), lambda lot: lot.item.name),
    (_("Lot number"), lambda lot: lot.number),
    (_("Manufactured on"), lambda lot: lot.manufactured_on),
    (_("Expires on"), lambda lot: lot.expires_on),
    (_("Created at"), lambda lot: lot.created_at),
]


@permission_required("inventory.view_lot")
def lot_list(request):
    filters = LotFilterForm(request.GET or None, user=request.user)
    values = filters.filter_values()
    lots = selectors.lots_for_user(request.user, item=values.get("item"), search=(values.get("q") or "").strip())
    return list_or_export(request, lots, columns=LOT_COLUMNS, filename="lots", template="inventory/lot_list.html",
                          filters=filters, today=timezone.localdate())


@permission_required("inventory.view_lot")
def lot_detail(request, pk):
    """The lot trace: where the lot came from and where it went, move by move, with the documents."""
    lot = selectors.lots_for_user(request.user).filter(pk=pk).select_related("item__base_unit").first()
    if lot is None:
        raise Http404
    trace = selectors.lot_trace_for_user(request.user, lot)
    page = paginate(request, trace)
    with_document_urls(page.object_list, request.user)
    totals = trace.order_by().aggregate(came_in=Sum("quantity", filter=Q(quantity__gt=0)),
                                        went_out=Sum("quantity", filter=Q(quantity__lt=0)))
    balances = selectors.balances_for_user(request.user, lot=lot)
    return render(request, "inventory/lot_detail.html", {
        "lot": lot, "page": page, "balances": balances, "today": timezone.localdate(), "totals": totals,
    })
