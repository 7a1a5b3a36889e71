"""/api/production/: the router of the viewsets in production/api/."""

from rest_framework.routers import DefaultRouter

from production.api.common import ProductionAPIRootView

router = DefaultRouter()
router.APIRootView = ProductionAPIRootView  # the root needs a production permission too
# One register line per endpoint (each area imports its module here):

# planning (branch plan): demand lines, MRP runs, planned orders
from production.api import planning  # noqa: E402

router.register("demands", planning.DemandViewSet, basename="demand")
router.register("mrp-runs", planning.MrpRunViewSet, basename="mrp-run")
router.register("planned-orders", planning.PlannedOrderViewSet, basename="planned-order")

urlpatterns = router.urls
