"""/api/production/: the router of the viewsets in production/api/."""

from rest_framework.routers import DefaultRouter

from production.api import engineering
from production.api import boms as boms_api
from production.api.common import ProductionAPIRootView

router = DefaultRouter()
router.APIRootView = ProductionAPIRootView  # the root needs a production permission too
# One register line per endpoint (each area imports its module here):
# Engineering: work centers, routings, capacity
router.register("work-centers", engineering.WorkCenterViewSet, basename="work-center")
router.register("routings", engineering.RoutingViewSet, basename="routing")
router.register("capacity", engineering.CapacityViewSet, basename="capacity")
# Bills of materials (boms)
router.register("boms", boms_api.BomViewSet, basename="bom")
# Work orders (area wo)
from production.api.workorders import WorkOrderViewSet  # noqa: E402

router.register("work-orders", WorkOrderViewSet, basename="work-order")

# planning (branch plan): demand lines, MRP runs, planned orders
from production.api import planning  # noqa: E402

router.register("demands", planning.DemandViewSet, basename="demand")
router.register("mrp-runs", planning.MrpRunViewSet, basename="mrp-run")
router.register("planned-orders", planning.PlannedOrderViewSet, basename="planned-order")

urlpatterns = router.urls
