"""/api/purchasing/: the router of the viewsets in purchasing/api/."""

from rest_framework.routers import DefaultRouter

from purchasing.api import receiving
from purchasing.api.common import PurchasingAPIRootView

router = DefaultRouter()
router.APIRootView = PurchasingAPIRootView  # the root needs a purchasing permission too
# One register line per endpoint (each area imports its module here):
router.register("receipts", receiving.ReceiptViewSet, basename="receipt")
router.register("inspections", receiving.InspectionViewSet, basename="inspection")
router.register("returns", receiving.ReturnViewSet, basename="supplier-return")
urlpatterns = router.urls
