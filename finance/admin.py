"""Django admin of the ledger, the customer invoices and the payments: read-only. Accounts, roles and
periods change on finance's screens through their services (which keep the rules: an account with
entries keeps its type, a period is closed with its checks); journal entries are written and posted by
the services, and a posted entry and its lines never change (the database refuses it too)."""

from django.contrib import admin

from erp.admin import ReadOnlyAdmin
from erp.admin_scoping import ScopedInline
from finance import models as m


@admin.register(m.Account)
class AccountAdmin(ReadOnlyAdmin):
    list_display = ["code", "name", "account_type", "is_group", "is_active", "parent", "company"]
    list_filter = ["company", "account_type", "is_group", "is_active"]
    search_fields = ["code", "name", "name_zh_hans", "name_en"]


@admin.register(m.AccountRoleAccount)
class AccountRoleAccountAdmin(ReadOnlyAdmin):
    list_display = ["role", "account", "item_category", "warehouse", "adjustment_reason", "company"]
    list_filter = ["company", "role"]
    search_fields = ["account__code", "account__name"]


class PeriodInline(ScopedInline, admin.TabularInline):
    model = m.Period
    extra = 0
    fields = ["number", "start", "end", "status", "closed_by", "closed_at"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(m.FiscalYear)
class FiscalYearAdmin(ReadOnlyAdmin):
    list_display = ["year", "start", "end", "status", "company"]
    list_filter = ["company", "status"]
    search_fields = ["year"]
    inlines = [PeriodInline]


@admin.register(m.Period)
class PeriodAdmin(ReadOnlyAdmin):
    list_display = ["__str__", "fiscal_year", "number", "status", "closed_by", "closed_at", "company"]
    list_filter = ["company", "status"]
    search_fields = ["fiscal_year__year"]


@admin.register(m.Journal)
class JournalAdmin(ReadOnlyAdmin):
    list_display = ["code", "name", "kind", "is_active", "company"]
    list_filter = ["company", "kind", "is_active"]
    search_fields = ["code", "name"]


class JournalLineInline(ScopedInline, admin.TabularInline):
    model = m.JournalLine
    extra = 0
    fields = ["line_no", "account", "debit", "credit", "description", "customer", "supplier"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(m.JournalEntry)
class JournalEntryAdmin(ReadOnlyAdmin):
    list_display = ["number", "status", "journal", "document_date", "memo", "source_reference", "total", "company"]
    list_filter = ["company", "status", "journal__kind"]
    search_fields = ["number", "memo", "source_reference"]
    date_hierarchy = "document_date"
    inlines = [JournalLineInline]


@admin.register(m.JournalLine)
class JournalLineAdmin(ReadOnlyAdmin):
    list_display = ["entry", "line_no", "account", "date", "debit", "credit", "description"]
    list_filter = ["company", "closing"]
    search_fields = ["entry__number", "account__code", "description"]


# Customer invoices, uniform invoice ranges, payments: written by finance.services (posting takes the
# uniform invoice number, voiding keeps it; a payment settles its invoices when posted).


@admin.register(m.FinanceSettings)
class FinanceSettingsAdmin(ReadOnlyAdmin):
    list_display = ["company", "invoice_grouping", "uniform_invoices"]
    list_filter = ["invoice_grouping", "uniform_invoices"]
    search_fields = ["company__name", "company__code"]


@admin.register(m.UniformInvoiceRange)
class UniformInvoiceRangeAdmin(ReadOnlyAdmin):
    list_display = ["__str__", "year", "start_month", "track", "next_number", "remaining", "company"]
    list_filter = ["company", "year", "start_month"]
    search_fields = ["track"]


class CustomerInvoiceLineInline(ScopedInline, admin.TabularInline):
    model = m.CustomerInvoiceLine
    extra = 0
    fields = ["line_no", "item", "description", "quantity", "unit_price", "tax_rate", "net_amount", "tax_amount",
              "delivery", "customer_return"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(m.CustomerInvoice)
class CustomerInvoiceAdmin(ReadOnlyAdmin):
    list_display = ["number", "uniform_number", "kind", "status", "customer", "document_date", "total_amount",
                    "paid_amount", "company"]
    list_filter = ["company", "status", "kind"]
    search_fields = ["number", "uniform_number", "customer__code", "customer__name", "buyer_tax_id"]
    date_hierarchy = "document_date"
    inlines = [CustomerInvoiceLineInline]


@admin.register(m.CustomerInvoiceLine)
class CustomerInvoiceLineAdmin(ReadOnlyAdmin):
    list_filter = ["invoice__kind", "invoice__status"]
    list_display = ["invoice", "line_no", "item", "quantity", "net_amount", "tax_amount", "delivery"]
    search_fields = ["invoice__number", "item__code", "description"]


class PaymentAllocationInline(ScopedInline, admin.TabularInline):
    model = m.PaymentAllocation
    extra = 0
    fields = ["customer_invoice", "supplier_invoice", "amount"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(m.Payment)
class PaymentAdmin(ReadOnlyAdmin):
    list_display = ["number", "direction", "status", "customer", "supplier", "account", "document_date", "amount",
                    "allocated_amount", "company"]
    list_filter = ["company", "status", "direction"]
    search_fields = ["number", "bank_reference", "customer__code", "supplier__code"]
    date_hierarchy = "document_date"
    inlines = [PaymentAllocationInline]


@admin.register(m.PaymentAllocation)
class PaymentAllocationAdmin(ReadOnlyAdmin):
    list_filter = ["payment__direction", "payment__status"]
    list_display = ["payment", "customer_invoice", "supplier_invoice", "amount"]
    search_fields = ["payment__number", "customer_invoice__number"]


@admin.register(m.AccountBalance)
class AccountBalanceAdmin(ReadOnlyAdmin):
    """The period balance rows the postings keep (sums of the lines, per slot): to look at, never to edit."""

    list_display = ["account", "period", "slot", "closing", "debit", "credit", "company"]
    list_filter = ["company", "closing"]
    search_fields = ["account__code"]
