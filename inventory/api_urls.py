"""/api/inventory/: the router of the viewsets in inventory/api/."""

from rest_framework.routers import DefaultRouter

from inventory.api import deliveries, documents, masterdata, stock
from inventory.api.common import InventoryAPIRootView

router = DefaultRouter()
router.APIRootView = InventoryAPIRootView  # the root needs an inventory permission too
router.register("items", masterdata.ItemViewSet, basename="item")
router.register("units", masterdata.UnitViewSet, basename="unit")
router.register("warehouses", masterdata.WarehouseViewSet, basename="warehouse")
router.register("locations", masterdata.LocationViewSet, basename="location")
router.register("lots", masterdata.LotViewSet, basename="lot")
router.register("receipts", documents.ReceiptViewSet, basename="receipt")
router.register("issues", documents.IssueViewSet, basename="issue")
router.register("transfers", documents.TransferViewSet, basename="transfer")
router.register("adjustments", documents.AdjustmentViewSet, basename="adjustment")
router.register("counts", documents.CountViewSet, basename="count")
router.register("deliveries", deliveries.DeliveryViewSet, basename="delivery")
router.register("balances", stock.BalanceViewSet, basename="balance")
router.register("moves", stock.MoveViewSet, basename="move")
urlpatterns = router.urls
