from django import forms
from django.contrib import admin

from erp.admin_scoping import ScopedAdmin, ScopedGuardedAdmin, ScopedInline
from purchasing import models as m

# Supplier master data (masters) ------------------------------------------------------------------


class SupplierContactInline(ScopedInline, admin.TabularInline):
    model = m.SupplierContact
    extra = 0


@admin.register(m.Supplier)
class SupplierAdmin(ScopedGuardedAdmin):
    """Object permissions: "Can work with the supplier's requisitions, orders and invoices" per
    supplier and buyer (the screens and services keep the buyer's grant in step with the buyer)."""

    list_display = ["code", "name", "tax_id", "buyer", "lead_time_days", "is_active"]
    list_filter = ["company", "is_active", "buyer"]
    search_fields = ["code", "name", "short_name", "tax_id"]
    inlines = [SupplierContactInline]

    def save_model(self, request, obj, form, change):
        """The buyer's grant follows the buyer here too (as supplier_create / supplier_update keep it)."""
        from purchasing.services.suppliers import grant_buyer

        old_buyer_id = m.Supplier.objects.filter(pk=obj.pk).values_list("buyer_id", flat=True).first() if change \
            else None
        super().save_model(request, obj, form, change)
        grant_buyer(obj, old_buyer_id)


@admin.register(m.SupplierContact)
class SupplierContactAdmin(ScopedAdmin):
    list_display = ["name", "supplier", "title", "phone", "email", "is_primary"]
    list_filter = ["is_primary", "supplier__company"]
    search_fields = ["name", "supplier__code", "supplier__name"]


class SupplierPriceInline(ScopedInline, admin.TabularInline):
    model = m.SupplierPrice
    extra = 0


class SupplierItemAdminForm(forms.ModelForm):
    """One preferred supplier per item and date, said as the screens say it (not a 500 from the constraint)."""

    class Meta:
        model = m.SupplierItem
        fields = ["supplier", "item", "unit", "supplier_part_number", "min_order_quantity", "order_multiple",
                  "lead_time_days", "is_preferred", "valid_from", "valid_to", "is_active"]

    def clean(self):
        from purchasing.services.suppliers import overlapping_preferred, preferred_message

        data = super().clean()
        row = m.SupplierItem(pk=self.instance.pk, item=data.get("item"), is_preferred=data.get("is_preferred", False),
                             is_active=data.get("is_active", True), valid_from=data.get("valid_from"),
                             valid_to=data.get("valid_to"))
        item = data.get("item")
        if item is not None and row.is_preferred and row.is_active \
                and (other := overlapping_preferred(row)) is not None:
            self.add_error("is_preferred", preferred_message(item, other))
        return data


@admin.register(m.SupplierItem)
class SupplierItemAdmin(ScopedAdmin):
    form = SupplierItemAdminForm
    list_display = ["supplier", "item", "unit", "supplier_part_number", "is_preferred", "valid_from", "valid_to",
                    "is_active"]
    list_filter = ["is_preferred", "is_active", "supplier__company"]
    search_fields = ["item__code", "item__name", "supplier__code", "supplier__name", "supplier_part_number"]
    raw_id_fields = ["item"]
    inlines = [SupplierPriceInline]


@admin.register(m.SupplierPrice)
class SupplierPriceAdmin(ScopedAdmin):
    list_display = ["supplier_item", "min_quantity", "price", "valid_from", "valid_to"]
    list_filter = ["supplier_item__supplier__company"]
    search_fields = ["supplier_item__item__code", "supplier_item__supplier__code"]


@admin.register(m.PurchasingSettings)
class PurchasingSettingsAdmin(ScopedAdmin):
    list_display = ["company", "over_receipt_percent", "invoice_tolerance_percent", "invoice_tolerance_amount",
                    "default_lead_time_days"]
    list_filter = ["company"]
    search_fields = ["company__name", "company__code"]


from purchasing import admin_documents  # noqa: E402,F401  (the documents, read-only)
