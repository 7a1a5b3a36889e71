from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from erp.models import Document
from erp.money import QTY
from production import status as st

__all__ = ["WorkOrder"]

POSITIVE = [MinValueValidator(Decimal("0.000001"))]


class WorkOrder(Document):
    """An order to make ``quantity`` (base unit) of an item with a BOM version and a routing, by hand
    or firmed from MRP (pegged to the sales order line it serves, when it serves one)."""

    DOC_TYPE = "WO"
    TRANSITIONS = st.WORK_ORDER_TRANSITIONS
    status = models.CharField(_("status"), max_length=20, choices=st.WorkOrderStatus.choices,
                              default=st.WorkOrderStatus.DRAFT)
    item = models.ForeignKey("inventory.Item", on_delete=models.PROTECT, related_name="+", verbose_name=_("item"))
    bom = models.ForeignKey("production.Bom", null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                            verbose_name=_("BOM"))
    routing = models.ForeignKey("production.Routing", null=True, blank=True, on_delete=models.PROTECT,
                                related_name="+", verbose_name=_("routing"))
    warehouse = models.ForeignKey("inventory.Warehouse", on_delete=models.PROTECT, related_name="+",
                                  verbose_name=_("warehouse"))
    quantity = models.DecimalField(_("quantity"), validators=POSITIVE, **QTY)
    completed_quantity = models.DecimalField(_("completed"), default=0, **QTY)
    start_date = models.DateField(_("start"))
    due_date = models.DateField(_("due"))
    source = models.CharField(_("source"), max_length=10, choices=st.WorkOrderSource.choices,
                              default=st.WorkOrderSource.MANUAL)
    sales_order_line = models.ForeignKey("sales.SalesOrderLine", null=True, blank=True, on_delete=models.PROTECT,
                                         related_name="+", verbose_name=_("for sales order line"))
    responsible = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+", verbose_name=_("responsible"))
    notes = models.TextField(_("notes"), blank=True)

    class Meta(Document.Meta):
        verbose_name = _("work order")
        verbose_name_plural = _("work orders")
        constraints = [
            *Document.Meta.constraints,
            models.CheckConstraint(condition=Q(quantity__gt=0) & Q(completed_quantity__gte=0),
                                   name="work_order_quantities_valid"),
            models.CheckConstraint(condition=Q(due_date__gte=F("start_date")), name="work_order_dates_ordered"),
        ]
        indexes = [
            models.Index(fields=["company", "-created_at"], name="work_order_by_created"),
            models.Index(fields=["company", "item", "status"], name="work_order_by_item"),
        ]

    def get_absolute_url(self) -> str:
        return reverse("production:work_order_detail", args=[self.pk])
