"""Production screens: planning — the production home page, demand lines (with production's imports),
MRP runs with their planned orders, records and exceptions. Every list also exports what it shows with
``?export=xlsx`` or ``?export=csv`` (filters kept)."""

from django.urls import path

from production.views import demand, runs

urlpatterns = [
    path("", runs.home, name="home"),
    path("demand/", demand.demand_list, name="demand_list"),
    path("demand/new/", demand.demand_create, name="demand_create"),
    path("demand/<int:pk>/edit/", demand.demand_edit, name="demand_edit"),
    path("demand/<int:pk>/deactivate/", demand.demand_deactivate, name="demand_deactivate"),
    path("demand/<int:pk>/delete/", demand.demand_delete, name="demand_delete"),
    path("mrp/runs/", runs.run_list, name="mrp_run_list"),
    path("mrp/runs/new/", runs.run_start, name="mrp_run_start"),
    path("mrp/runs/<int:pk>/", runs.run_detail, name="mrp_run_detail"),
    path("mrp/runs/<int:pk>/mark-failed/", runs.run_mark_failed, name="mrp_run_mark_failed"),
    path("mrp/runs/<int:pk>/compare/", runs.run_compare, name="mrp_run_compare"),
    path("mrp/runs/<int:pk>/planned-orders/", runs.planned_order_list, name="planned_order_list"),
    path("mrp/runs/<int:pk>/planned-orders/firm/", runs.planned_orders_firm, name="planned_orders_firm"),
    path("mrp/runs/<int:pk>/record/", runs.mrp_record, name="mrp_record"),
    path("mrp/runs/<int:pk>/exceptions/", runs.exception_list, name="mrp_exception_list"),
]

# Production's imports (demand lines; every production kind registered in ProductionConfig.ready)
urlpatterns += demand.screens.urls()
