"""/api/production/: the router of the viewsets in production/api/."""

from rest_framework.routers import DefaultRouter

from production.api import boms, engineering, planning, workorders
from production.api.common import ProductionAPIRootView

router = DefaultRouter()
router.APIRootView = ProductionAPIRootView  # the root needs a production permission too
# One register line per endpoint (each area imports its module here):
# engineering: work centers, routings, capacity
router.register("work-centers", engineering.WorkCenterViewSet, basename="work-center")
router.register("routings", engineering.RoutingViewSet, basename="routing")
router.register("capacity", engineering.CapacityViewSet, basename="capacity")
# bills of materials
router.register("boms", boms.BomViewSet, basename="bom")
# planning: demand lines, MRP runs, planned orders
router.register("demands", planning.DemandViewSet, basename="demand")
router.register("mrp-runs", planning.MrpRunViewSet, basename="mrp-run")
router.register("planned-orders", planning.PlannedOrderViewSet, basename="planned-order")
# work orders
router.register("work-orders", workorders.WorkOrderViewSet, basename="work-order")
urlpatterns = router.urls
