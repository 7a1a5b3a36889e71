"""/api/purchasing/: the router of the viewsets in purchasing/api/."""

from rest_framework.routers import DefaultRouter

from purchasing.api import invoices, masterdata, receiving, requisitions
from purchasing.api.common import PurchasingAPIRootView
from purchasing.api.orders import PurchaseOrderViewSet

router = DefaultRouter()
router.APIRootView = PurchasingAPIRootView  # the root needs a purchasing permission too
# One register line per endpoint (each area imports its module here):
router.register("suppliers", masterdata.SupplierViewSet, basename="supplier")
router.register("supplier-items", masterdata.SupplierItemViewSet, basename="supplier-item")
router.register("orders", PurchaseOrderViewSet, basename="purchase-order")
router.register("invoices", invoices.InvoiceViewSet, basename="invoice")
router.register("requisitions", requisitions.RequisitionViewSet, basename="requisition")
router.register("receipts", receiving.ReceiptViewSet, basename="receipt")
router.register("inspections", receiving.InspectionViewSet, basename="inspection")
router.register("returns", receiving.ReturnViewSet, basename="supplier-return")
urlpatterns = router.urls
