"""/api/purchasing/: the router of the viewsets in purchasing/api/."""

from rest_framework.routers import DefaultRouter

from purchasing.api import requisitions
from purchasing.api.common import PurchasingAPIRootView

router = DefaultRouter()
router.APIRootView = PurchasingAPIRootView  # the root needs a purchasing permission too
# One register line per endpoint (each area imports its module here):
router.register("requisitions", requisitions.RequisitionViewSet, basename="requisition")
urlpatterns = router.urls
