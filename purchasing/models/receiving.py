from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from erp.models import Document, Restricted
from erp.money import COST, LINE_QTY, QTY
from purchasing import status as st

__all__ = ["Inspection", "SupplierReturn", "SupplierReturnLine"]

POSITIVE = [MinValueValidator(Decimal("0.0001"))]
NOT_NEGATIVE = [MinValueValidator(Decimal("0"))]


class Inspection(Document):
    """Incoming inspection of one goods receipt line whose item needs it: the goods wait in the
    warehouse's quarantine location (not available) until the inspection accepts them. Accepted
    quantity moves to the receipt line's location; rejected quantity stays in quarantine for a
    supplier return. Made by purchasing when inventory posts the receipt (the in-transaction hook)."""

    DOC_TYPE = "QC"
    TRANSITIONS = st.INSPECTION_TRANSITIONS
    status = models.CharField(_("status"), max_length=20, choices=st.InspectionStatus.choices,
                              default=st.InspectionStatus.PENDING)
    receipt = models.ForeignKey("inventory.GoodsReceipt", on_delete=models.PROTECT, related_name="+",
                                verbose_name=_("goods receipt"))
    receipt_line = models.OneToOneField("inventory.GoodsReceiptLine", on_delete=models.PROTECT, related_name="+",
                                        verbose_name=_("receipt line"))
    order_line = models.ForeignKey("purchasing.PurchaseOrderLine", null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="inspections", verbose_name=_("purchase order line"))
    supplier = models.ForeignKey("purchasing.Supplier", null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="+", verbose_name=_("supplier"))
    item = models.ForeignKey("inventory.Item", on_delete=models.PROTECT, related_name="+", verbose_name=_("item"))
    lot = models.ForeignKey("inventory.Lot", null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                            verbose_name=_("lot"))
    warehouse = models.ForeignKey("inventory.Warehouse", on_delete=models.PROTECT, related_name="+",
                                  verbose_name=_("warehouse"))
    quarantine_location = models.ForeignKey("inventory.Location", on_delete=models.PROTECT, related_name="+",
                                            verbose_name=_("quarantine location"))
    destination = models.ForeignKey("inventory.Location", on_delete=models.PROTECT, related_name="+",
                                    verbose_name=_("put away to"))
    quantity = models.DecimalField(_("quantity received (base unit)"), **QTY)
    accepted_quantity = models.DecimalField(_("accepted"), default=0, validators=NOT_NEGATIVE, **QTY)
    rejected_quantity = models.DecimalField(_("rejected"), default=0, validators=NOT_NEGATIVE, **QTY)
    returned_quantity = models.DecimalField(_("returned to supplier"), default=0, **QTY)
    result_notes = models.TextField(_("findings"), blank=True)
    inspected_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="+", verbose_name=_("inspected by"))
    inspected_at = models.DateTimeField(_("inspected at"), null=True, blank=True)

    class Meta(Document.Meta):
        verbose_name = _("incoming inspection")
        verbose_name_plural = _("incoming inspections")
        constraints = [
            *Document.Meta.constraints,
            models.CheckConstraint(condition=Q(accepted_quantity__gte=0) & Q(rejected_quantity__gte=0)
                                   & Q(accepted_quantity__lte=F("quantity") - F("rejected_quantity")),
                                   name="inspection_quantities_in_range"),
            models.CheckConstraint(condition=Q(returned_quantity__gte=0)
                                   & Q(returned_quantity__lte=F("rejected_quantity")),
                                   name="inspection_returned_in_range"),
        ]
        indexes = [models.Index(fields=["company", "status"], name="inspection_by_status")]

    def get_absolute_url(self) -> str:
        return reverse("purchasing:inspection_detail", args=[self.pk])


class SupplierReturn(Document):
    """Goods sent back to the supplier from a goods receipt (rejected at inspection, or found wrong
    later): posting issues them at the receipt's cost and lowers the order lines' kept quantities."""

    DOC_TYPE = "RTV"
    TRANSITIONS = st.RETURN_TRANSITIONS
    status = models.CharField(_("status"), max_length=20, choices=st.ReturnStatus.choices,
                              default=st.ReturnStatus.DRAFT)
    supplier = models.ForeignKey("purchasing.Supplier", on_delete=models.PROTECT, related_name="+",
                                 verbose_name=_("supplier"))
    receipt = models.ForeignKey("inventory.GoodsReceipt", on_delete=models.PROTECT, related_name="+",
                                verbose_name=_("goods receipt"))
    order = models.ForeignKey("purchasing.PurchaseOrder", null=True, blank=True, on_delete=models.PROTECT,
                              related_name="returns", verbose_name=_("purchase order"))
    warehouse = models.ForeignKey("inventory.Warehouse", on_delete=models.PROTECT, related_name="+",
                                  verbose_name=_("warehouse"))
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    posted_at = models.DateTimeField(_("posted at"), null=True, blank=True)

    class Meta(Document.Meta):
        verbose_name = _("supplier return")
        verbose_name_plural = _("supplier returns")
        indexes = [models.Index(fields=["supplier", "status", "company"], name="supplier_return_by_supplier")]

    def get_absolute_url(self) -> str:
        return reverse("purchasing:return_detail", args=[self.pk])


class SupplierReturnLine(Restricted):
    supplier_return = models.ForeignKey(SupplierReturn, on_delete=models.CASCADE, related_name="lines",
                                        verbose_name=_("supplier return"))
    receipt_line = models.ForeignKey("inventory.GoodsReceiptLine", on_delete=models.PROTECT, related_name="+",
                                     verbose_name=_("receipt line"))
    order_line = models.ForeignKey("purchasing.PurchaseOrderLine", null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+", verbose_name=_("purchase order line"))
    inspection = models.ForeignKey(Inspection, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                                   verbose_name=_("inspection"))
    item = models.ForeignKey("inventory.Item", on_delete=models.PROTECT, related_name="+", verbose_name=_("item"))
    quantity = models.DecimalField(_("quantity"), validators=POSITIVE, **LINE_QTY)
    unit = models.ForeignKey("inventory.UnitOfMeasure", on_delete=models.PROTECT, related_name="+",
                             verbose_name=_("unit"))
    quantity_base = models.DecimalField(_("quantity (base unit)"), **QTY)
    location = models.ForeignKey("inventory.Location", on_delete=models.PROTECT, related_name="+",
                                 verbose_name=_("from location"))
    lot = models.ForeignKey("inventory.Lot", null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                            verbose_name=_("lot"))
    unit_cost = models.DecimalField(_("unit cost (base unit)"), default=0, editable=False, **COST)

    class Meta:
        verbose_name = _("supplier return line")
        verbose_name_plural = _("supplier return lines")
        ordering = ["supplier_return", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0) & Q(quantity_base__gt=0),
                                   name="supplier_return_line_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.item.code} {self.quantity}"
