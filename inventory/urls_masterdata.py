"""Inventory URLs: master-data screens and stock reports (included by inventory/urls.py).

Every list also exports what it shows with ``?export=xlsx`` or ``?export=csv`` (filters kept)."""

from django.urls import path

from inventory.views import masterdata, reports

urlpatterns = [
    path("", reports.workbench, name="workbench"),
    path("scan/", reports.workbench_scan, name="workbench_scan"),
    # Items
    path("items/", masterdata.item_list, name="item_list"),
    path("items/new/", masterdata.item_create, name="item_create"),
    path("items/<int:pk>/", masterdata.item_detail, name="item_detail"),
    path("items/<int:pk>/edit/", masterdata.item_edit, name="item_edit"),
    # Units of measure
    path("units/", masterdata.unit_list, name="unit_list"),
    path("units/new/", masterdata.unit_create, name="unit_create"),
    path("units/<int:pk>/edit/", masterdata.unit_edit, name="unit_edit"),
    # Warehouses and locations
    path("warehouses/", masterdata.warehouse_list, name="warehouse_list"),
    path("warehouses/new/", masterdata.warehouse_create, name="warehouse_create"),
    path("warehouses/<int:pk>/", masterdata.warehouse_detail, name="warehouse_detail"),
    path("warehouses/<int:pk>/locations/new/", masterdata.location_create, name="location_create"),
    path("locations/<int:pk>/edit/", masterdata.location_edit, name="location_edit"),
    # Lots
    path("lots/", masterdata.lot_list, name="lot_list"),
    path("lots/<int:pk>/", masterdata.lot_detail, name="lot_detail"),
    # Reports
    path("stock/", reports.stock_on_hand, name="stock_on_hand"),
    path("ledger/", reports.stock_ledger, name="stock_ledger"),
    path("low-stock/", reports.low_stock, name="low_stock"),
    path("valuation/", reports.valuation, name="valuation"),
]
