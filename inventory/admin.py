from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from erp.admin import ReadOnlyAdmin
from erp.admin_scoping import ScopedAdmin, ScopedGuardedAdmin, ScopedInline
from inventory import models as m
from inventory.status import LotSizing


class MasterDataAdmin(ScopedAdmin):
    list_display = ["code", "name", "company", "is_active"]
    list_filter = ["company", "is_active"]
    search_fields = ["code", "name"]


admin.site.register(m.UnitOfMeasure, MasterDataAdmin)
admin.site.register(m.ItemCategory, MasterDataAdmin)
admin.site.register(m.AdjustmentReason, MasterDataAdmin)


@admin.register(m.Warehouse)
class WarehouseAdmin(ScopedGuardedAdmin):
    """Object permissions: grant a keeper "Can post stock moves in the warehouse" per warehouse."""

    list_display = ["code", "name", "company", "is_active"]
    list_filter = ["company", "is_active"]
    search_fields = ["code", "name"]


@admin.register(m.Location)
class LocationAdmin(ScopedAdmin):
    list_display = ["code", "name", "warehouse", "kind", "parent", "is_active"]
    list_filter = ["warehouse", "kind", "is_active"]
    search_fields = ["code", "name"]


class ItemUnitInline(ScopedInline, admin.TabularInline):
    model = m.ItemUnit
    extra = 0


class ItemAdminForm(forms.ModelForm):
    """MRP's lot sizing said beside the field, as the item screen says it (not as a constraint error).
    The admin makes the form of the item's fields from it."""

    def clean(self):
        data = super().clean()
        if data.get("lot_sizing") == LotSizing.FIXED and "lot_size" not in self.errors \
                and not (data.get("lot_size") or 0) > 0:
            self.add_error("lot_size", _("A fixed lot size must be greater than zero."))
        return data


@admin.register(m.Item)
class ItemAdmin(ScopedAdmin):
    form = ItemAdminForm
    list_display = ["code", "name", "item_type", "procurement", "base_unit", "lot_sizing", "lot_tracked", "is_active"]
    list_filter = ["company", "item_type", "procurement", "lot_sizing", "lot_tracked", "is_active", "category"]
    search_fields = ["code", "name", "barcode", "specification"]
    inlines = [ItemUnitInline]


@admin.register(m.ItemUnit)
class ItemUnitAdmin(ScopedAdmin):
    list_display = ["item", "unit", "factor"]
    list_filter = ["unit"]
    search_fields = ["item__code", "item__name"]


@admin.register(m.Lot)
class LotAdmin(ScopedAdmin):
    list_display = ["number", "item", "manufactured_on", "expires_on"]
    list_filter = ["company", "expires_on"]
    search_fields = ["number", "item__code"]


@admin.register(m.StockMove)
class StockMoveAdmin(ReadOnlyAdmin):
    list_display = ["posted_at", "document_reference", "item", "location", "lot", "move_type", "quantity",
                    "unit_cost", "value"]
    list_filter = ["move_type", "warehouse", "company"]
    search_fields = ["document_reference", "item__code", "lot__number"]
    date_hierarchy = "posted_at"


@admin.register(m.StockBalance)
class StockBalanceAdmin(ReadOnlyAdmin):
    list_display = ["item", "warehouse", "location", "lot", "on_hand", "reserved"]
    list_filter = ["warehouse", "company"]
    search_fields = ["item__code", "lot__number"]


@admin.register(m.ItemValuation)
class ItemValuationAdmin(ReadOnlyAdmin):
    list_display = ["item", "quantity", "average_cost", "value"]
    list_filter = ["company"]
    search_fields = ["item__code"]


@admin.register(m.Reservation)
class ReservationAdmin(ReadOnlyAdmin):
    list_display = ["document_reference", "item", "location", "lot", "quantity", "issued_quantity", "status"]
    list_filter = ["status", "warehouse"]
    search_fields = ["document_reference", "item__code"]


class DocumentAdmin(ReadOnlyAdmin):
    """Documents are created and posted on their screens; admin shows them read-only."""

    list_display = ["number", "status", "warehouse", "document_date", "created_by", "posted_at"]
    list_filter = ["status", "warehouse", "company"]
    search_fields = ["number", "notes"]
    date_hierarchy = "document_date"


class LineAdmin(ReadOnlyAdmin):
    list_display = ["document", "item"]
    list_filter = ["document__status"]
    search_fields = ["document__number", "item__code"]


for document_model, line_model in [
    (m.GoodsReceipt, m.GoodsReceiptLine), (m.StockIssue, m.StockIssueLine), (m.StockTransfer, m.StockTransferLine),
    (m.StockAdjustment, m.StockAdjustmentLine), (m.StockCount, m.StockCountLine),
]:
    admin.site.register(document_model, DocumentAdmin)
    admin.site.register(line_model, LineAdmin)
admin.site.register(m.DeliveryNote, DocumentAdmin)
admin.site.register(m.DeliveryNoteLine, LineAdmin)
