"""/api/sales/: the router of sales/api.py's viewsets."""

from rest_framework.routers import DefaultRouter

from sales import api

router = DefaultRouter()
router.APIRootView = api.SalesAPIRootView  # the root needs a sales permission too
router.register("customers", api.CustomerViewSet, basename="customer")
router.register("price-lists", api.PriceListViewSet, basename="price-list")
router.register("quotations", api.QuotationViewSet, basename="quotation")
router.register("orders", api.OrderViewSet, basename="order")
router.register("returns", api.ReturnViewSet, basename="return")
urlpatterns = router.urls
