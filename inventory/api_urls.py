"""/api/inventory/: the router of inventory/api.py's viewsets."""

from rest_framework.routers import DefaultRouter

from inventory import api, api_deliveries

router = DefaultRouter()
router.APIRootView = api.InventoryAPIRootView  # the root needs an inventory permission too
router.register("items", api.ItemViewSet, basename="item")
router.register("units", api.UnitViewSet, basename="unit")
router.register("warehouses", api.WarehouseViewSet, basename="warehouse")
router.register("locations", api.LocationViewSet, basename="location")
router.register("lots", api.LotViewSet, basename="lot")
router.register("receipts", api.ReceiptViewSet, basename="receipt")
router.register("issues", api.IssueViewSet, basename="issue")
router.register("transfers", api.TransferViewSet, basename="transfer")
router.register("adjustments", api.AdjustmentViewSet, basename="adjustment")
router.register("counts", api.CountViewSet, basename="count")
router.register("deliveries", api_deliveries.DeliveryViewSet, basename="delivery")
router.register("balances", api.BalanceViewSet, basename="balance")
router.register("moves", api.MoveViewSet, basename="move")
urlpatterns = router.urls
