"""What the production API modules share."""

from erp.api.viewsets import DepartmentRootView


class ProductionAPIRootView(DepartmentRootView):
    """The production API: work centers, routings, bills of materials, demand lines, MRP runs with
    their planned orders and records, and work orders."""

    app_label = "production"
