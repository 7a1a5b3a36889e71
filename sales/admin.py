from django.contrib import admin

from erp.admin import ReadOnlyAdmin
from erp.admin_scoping import ScopedAdmin, ScopedGuardedAdmin, ScopedInline
from sales import models as m


class MasterDataAdmin(ScopedAdmin):
    list_display = ["code", "name", "company", "is_active"]
    list_filter = ["company", "is_active"]
    search_fields = ["code", "name"]


@admin.register(m.TaxCode)
class TaxCodeAdmin(MasterDataAdmin):
    list_display = ["code", "name", "rate", "is_default", "company", "is_active"]


@admin.register(m.PaymentTerm)
class PaymentTermAdmin(MasterDataAdmin):
    list_display = ["code", "name", "days", "end_of_month", "company", "is_active"]


class PriceInline(ScopedInline, admin.TabularInline):
    model = m.PriceListItem
    extra = 0
    raw_id_fields = ["item"]


@admin.register(m.PriceList)
class PriceListAdmin(MasterDataAdmin):
    list_display = ["code", "name", "currency", "is_default", "valid_from", "valid_to", "is_active"]
    inlines = [PriceInline]


@admin.register(m.PriceListItem)
class PriceListItemAdmin(ScopedAdmin):
    list_display = ["price_list", "item", "unit", "min_quantity", "price", "valid_from", "valid_to"]
    list_filter = ["price_list"]
    search_fields = ["item__code", "item__name"]
    raw_id_fields = ["item"]


class ContactInline(ScopedInline, admin.TabularInline):
    model = m.CustomerContact
    extra = 0


@admin.register(m.Customer)
class CustomerAdmin(ScopedGuardedAdmin):
    """Object permissions: "Can work with the customer's quotations and orders" per customer and rep."""

    list_display = ["code", "name", "tax_id", "owner", "credit_limit", "is_active"]
    list_filter = ["company", "is_active", "owner"]
    search_fields = ["code", "name", "short_name", "tax_id"]
    inlines = [ContactInline]


@admin.register(m.CustomerContact)
class CustomerContactAdmin(ScopedAdmin):
    list_display = ["name", "customer", "title", "phone", "email", "is_primary"]
    list_filter = ["is_primary", "customer__company"]
    search_fields = ["name", "customer__code", "customer__name"]


class DocumentAdmin(ReadOnlyAdmin):
    """Sales documents are written on their screens and through the API; admin shows them read-only."""

    list_display = ["number", "status", "customer", "document_date", "total_amount", "created_by"]
    list_filter = ["status", "company"]
    search_fields = ["number", "customer__code", "customer__name"]
    date_hierarchy = "document_date"


class LineAdmin(ReadOnlyAdmin):
    list_display = ["__str__", "item"]
    list_filter = ["item__item_type"]
    search_fields = ["item__code"]


admin.site.register(m.Quotation, DocumentAdmin)
admin.site.register(m.SalesOrder, DocumentAdmin)
admin.site.register(m.QuotationLine, LineAdmin)
admin.site.register(m.SalesOrderLine, LineAdmin)
admin.site.register(m.CustomerReturnLine, LineAdmin)


@admin.register(m.CustomerReturn)
class CustomerReturnAdmin(ReadOnlyAdmin):
    list_display = ["number", "status", "customer", "order", "delivery", "document_date"]
    list_filter = ["status", "company"]
    search_fields = ["number", "customer__code"]


@admin.register(m.CreditApproval)
class CreditApprovalAdmin(ReadOnlyAdmin):
    list_display = ["order", "order_total", "exposure", "credit_limit", "approved_by", "approved_at"]
    list_filter = ["company", "approved_by"]
    search_fields = ["order__number"]
