"""/api/production/: the router of the viewsets in production/api/."""

from rest_framework.routers import DefaultRouter

from production.api.common import ProductionAPIRootView

router = DefaultRouter()
router.APIRootView = ProductionAPIRootView  # the root needs a production permission too
# One register line per endpoint (each area imports its module here):
# Work orders (area wo)
from production.api.workorders import WorkOrderViewSet  # noqa: E402

router.register("work-orders", WorkOrderViewSet, basename="work-order")
urlpatterns = router.urls
