"""/api/finance/: the router of the viewsets in finance/api/."""

from rest_framework.routers import DefaultRouter

from finance.api import accounts, entries, invoices, payments, reports
from finance.api.common import FinanceAPIRootView

router = DefaultRouter()
router.APIRootView = FinanceAPIRootView  # the root needs a finance permission too
router.register("accounts", accounts.AccountViewSet, basename="account")
router.register("account-roles", accounts.AccountRoleViewSet, basename="account-role")
router.register("periods", accounts.PeriodViewSet, basename="period")
router.register("journal-entries", entries.JournalEntryViewSet, basename="journal-entry")
router.register("customer-invoices", invoices.CustomerInvoiceViewSet, basename="customer-invoice")
router.register("supplier-invoices", invoices.SupplierInvoiceViewSet, basename="supplier-invoice")
router.register("payments", payments.PaymentViewSet, basename="payment")
router.register("uniform-invoice-ranges", invoices.UniformInvoiceRangeViewSet, basename="uniform-invoice-range")
router.register("reports", reports.ReportViewSet, basename="report")
urlpatterns = router.urls
