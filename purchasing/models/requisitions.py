from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from erp.models import Document, Restricted
from erp.money import LINE_QTY, QTY
from purchasing import status as st

__all__ = ["PurchaseRequisition", "PurchaseRequisitionLine"]

POSITIVE = [MinValueValidator(Decimal("0.0001"))]


class PurchaseRequisition(Document):
    """A request to buy: made by hand (a department's request) or by the system for a shortage (a sales
    order's buy items, an item below its reorder point, MRP). Buyers turn its open lines into purchase
    orders (consolidation); it closes when every line is ordered or cancelled."""

    DOC_TYPE = "PR"
    TRANSITIONS = st.REQUISITION_TRANSITIONS
    status = models.CharField(_("status"), max_length=20, choices=st.RequisitionStatus.choices,
                              default=st.RequisitionStatus.DRAFT)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="+", verbose_name=_("requested by"))
    warehouse = models.ForeignKey("inventory.Warehouse", on_delete=models.PROTECT, related_name="+",
                                  verbose_name=_("deliver to warehouse"))
    source = models.CharField(_("source"), max_length=10, choices=st.RequisitionSource.choices,
                              default=st.RequisitionSource.MANUAL)
    notes = models.TextField(_("notes"), blank=True)

    class Meta(Document.Meta):
        verbose_name = _("purchase requisition")
        verbose_name_plural = _("purchase requisitions")
        indexes = [models.Index(fields=["company", "-created_at"], name="requisition_by_created")]

    def get_absolute_url(self) -> str:
        return reverse("purchasing:requisition_detail", args=[self.pk])


class PurchaseRequisitionLine(Restricted):
    """One thing to buy, with what asked for it (its peg): a sales order line, the reorder scan of an
    item, MRP, or a person. ``source_key`` makes a system-made line idempotent per source: the same
    shortage delivered twice is one line (a partial unique constraint)."""

    requisition = models.ForeignKey(PurchaseRequisition, on_delete=models.CASCADE, related_name="lines",
                                    verbose_name=_("requisition"))
    line_no = models.PositiveIntegerField(_("line"), default=1)
    status = models.CharField(_("status"), max_length=10, choices=st.RequisitionLineStatus.choices,
                              default=st.RequisitionLineStatus.OPEN)
    item = models.ForeignKey("inventory.Item", on_delete=models.PROTECT, related_name="+", verbose_name=_("item"))
    quantity = models.DecimalField(_("quantity"), validators=POSITIVE, **LINE_QTY)
    unit = models.ForeignKey("inventory.UnitOfMeasure", on_delete=models.PROTECT, related_name="+",
                             verbose_name=_("unit"))
    quantity_base = models.DecimalField(_("quantity (base unit)"), **QTY)
    required_date = models.DateField(_("required date"), null=True, blank=True)
    supplier = models.ForeignKey("purchasing.Supplier", null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="+", verbose_name=_("suggested supplier"),
                                 help_text=_("Empty: the item's preferred supplier on the order date."))
    notes = models.CharField(_("notes"), max_length=300, blank=True)
    source = models.CharField(_("source"), max_length=10, choices=st.RequisitionSource.choices,
                              default=st.RequisitionSource.MANUAL)
    source_key = models.CharField(_("source key"), max_length=60, blank=True, editable=False)
    sales_order_line = models.ForeignKey("sales.SalesOrderLine", null=True, blank=True, on_delete=models.PROTECT,
                                         related_name="+", verbose_name=_("for sales order line"))
    source_event = models.BigIntegerField(_("source event"), null=True, blank=True, editable=False)
    # Set when the line is consolidated into a purchase order line (one order line may serve several).
    order_line = models.ForeignKey("purchasing.PurchaseOrderLine", null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="requisition_lines", verbose_name=_("purchase order line"))

    class Meta:
        verbose_name = _("purchase requisition line")
        verbose_name_plural = _("purchase requisition lines")
        ordering = ["requisition", "line_no", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0) & Q(quantity_base__gt=0),
                                   name="requisition_line_positive"),
            models.UniqueConstraint(fields=["requisition", "line_no"], name="requisition_line_no_unique"),
            # "sales:<sales order line id>", "reorder:<event id>", "mrp:<planned order id>": one line per source.
            models.UniqueConstraint(fields=["source_key"], condition=~Q(source_key=""),
                                    name="requisition_line_once_per_source"),
            models.CheckConstraint(condition=~Q(status="ordered") | Q(order_line__isnull=False),
                                   name="requisition_line_ordered_has_order_line"),
        ]
        indexes = [
            # The buyers' work: open lines by item (consolidation, the workbench, MRP's scheduled receipts).
            models.Index(fields=["item"], condition=Q(status="open"), name="requisition_line_open"),
            # The workbench's first open lines, the earliest required first (at 50,000 open lines: 190 ms
            # of hash joins and a sort without it, 15 ms with it).
            models.Index(fields=["required_date", "id"], condition=Q(status="open"),
                         name="requisition_line_open_by_date"),
            models.Index(fields=["sales_order_line"], condition=Q(sales_order_line__isnull=False),
                         name="requisition_line_by_so_line"),
        ]

    def __str__(self) -> str:
        return f"{self.requisition.reference}/{self.line_no} {self.item.code} {self.quantity}"
