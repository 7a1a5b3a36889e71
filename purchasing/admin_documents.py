"""Django admin of purchasing's documents: read-only (they are written on their screens and through the
API, by their services). Imported by purchasing/admin.py."""

from django.contrib import admin

from erp.admin import ReadOnlyAdmin
from purchasing import models as m


class DocumentAdmin(ReadOnlyAdmin):
    list_display = ["number", "status", "supplier", "document_date", "created_by"]
    list_filter = ["status", "company"]
    search_fields = ["number", "supplier__code", "supplier__name"]
    date_hierarchy = "document_date"


class LineAdmin(ReadOnlyAdmin):
    list_display = ["__str__", "item"]
    list_filter = ["item__item_type"]
    search_fields = ["item__code"]


@admin.register(m.PurchaseOrder)
class PurchaseOrderAdmin(DocumentAdmin):
    list_display = ["number", "revision", "status", "supplier", "buyer", "document_date", "expected_date",
                    "total_amount"]


@admin.register(m.SupplierInvoice)
class SupplierInvoiceAdmin(DocumentAdmin):
    list_display = ["number", "supplier_invoice_number", "status", "match_status", "supplier", "document_date",
                    "total_amount"]
    list_filter = ["status", "match_status", "company"]


@admin.register(m.SupplierReturn)
class SupplierReturnAdmin(DocumentAdmin):
    list_display = ["number", "status", "supplier", "receipt", "order", "document_date"]


@admin.register(m.Inspection)
class InspectionAdmin(DocumentAdmin):
    list_display = ["number", "status", "item", "supplier", "receipt", "quantity", "accepted_quantity",
                    "rejected_quantity"]
    search_fields = ["number", "item__code", "supplier__code", "receipt__number"]


@admin.register(m.PurchaseRequisition)
class PurchaseRequisitionAdmin(ReadOnlyAdmin):
    list_display = ["number", "status", "source", "warehouse", "requested_by", "document_date"]
    list_filter = ["status", "source", "company"]
    search_fields = ["number"]
    date_hierarchy = "document_date"


@admin.register(m.PurchaseOrderRevision)
class PurchaseOrderRevisionAdmin(ReadOnlyAdmin):
    list_display = ["order", "revision", "reason", "created_by", "created_at"]
    list_filter = ["order__company"]
    search_fields = ["order__number"]


@admin.register(m.PurchaseRequisitionLine)
class RequisitionLineAdmin(LineAdmin):
    list_display = ["__str__", "item", "status", "source", "required_date", "order_line"]
    list_filter = ["status", "source"]


admin.site.register(m.PurchaseOrderLine, LineAdmin)
admin.site.register(m.SupplierInvoiceLine, LineAdmin)
admin.site.register(m.SupplierReturnLine, LineAdmin)
