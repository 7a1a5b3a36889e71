"""/api/sales/: the router of the viewsets in sales/api/."""

from rest_framework.routers import DefaultRouter

from sales.api import documents, masterdata, returns
from sales.api.common import SalesAPIRootView

router = DefaultRouter()
router.APIRootView = SalesAPIRootView  # the root needs a sales permission too
router.register("customers", masterdata.CustomerViewSet, basename="customer")
router.register("price-lists", masterdata.PriceListViewSet, basename="price-list")
router.register("quotations", documents.QuotationViewSet, basename="quotation")
router.register("orders", documents.OrderViewSet, basename="order")
router.register("returns", returns.ReturnViewSet, basename="return")
urlpatterns = router.urls
