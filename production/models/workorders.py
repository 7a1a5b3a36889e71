from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from erp.models import CompanyOwned, Document
from erp.money import COST, LINE_QTY, MONEY, QTY, RATE
from production import status as st

__all__ = ["WorkOrder", "WorkOrderComponent", "WorkOrderOperation"]

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
    backflush = models.BooleanField(_("backflush components"), default=False,
                                    help_text=_("Issue the components at completion instead of by hand."))
    overhead_percent = models.DecimalField(_("overhead (percent of labour)"), **RATE, default=0,
                                           validators=[MinValueValidator(Decimal("0"))])
    # Costs (production.services.workorders): standard for the ordered quantity from release, restated
    # for the completed quantity at close; actual accumulated by issues and completions; the finished
    # goods' value received and the by-products' (at their standard cost, taken off the finished
    # goods' value); variances (actual - standard) at close.
    standard_material = models.DecimalField(_("standard material"), default=0, **MONEY)
    standard_labour = models.DecimalField(_("standard labour"), default=0, **MONEY)
    standard_overhead = models.DecimalField(_("standard overhead"), default=0, **MONEY)
    actual_material = models.DecimalField(_("actual material"), default=0, **MONEY)
    actual_labour = models.DecimalField(_("actual labour"), default=0, **MONEY)
    actual_overhead = models.DecimalField(_("actual overhead"), default=0, **MONEY)
    received_value = models.DecimalField(_("finished goods value"), default=0, **MONEY)
    byproduct_value = models.DecimalField(_("by-products value"), default=0, **MONEY)
    material_variance = models.DecimalField(_("material variance"), default=0, **MONEY)
    labour_variance = models.DecimalField(_("labour variance"), default=0, **MONEY)
    overhead_variance = models.DecimalField(_("overhead variance"), default=0, **MONEY)

    class Meta(Document.Meta):
        verbose_name = _("work order")
        verbose_name_plural = _("work orders")
        constraints = [
            *Document.Meta.constraints,
            models.CheckConstraint(condition=Q(quantity__gt=0) & Q(completed_quantity__gte=0),
                                   name="work_order_quantities_valid"),
            models.CheckConstraint(condition=Q(due_date__gte=F("start_date")), name="work_order_dates_ordered"),
            models.CheckConstraint(condition=Q(completed_quantity__lte=F("quantity")),
                                   name="work_order_completed_within_quantity"),
            models.CheckConstraint(condition=Q(overhead_percent__gte=0), name="work_order_overhead_not_negative"),
        ]
        indexes = [
            models.Index(fields=["company", "-created_at"], name="work_order_by_created"),
            models.Index(fields=["company", "item", "status"], name="work_order_by_item"),
        ]

    def get_absolute_url(self) -> str:
        return reverse("production:work_order_detail", args=[self.pk])


class WorkOrderComponent(CompanyOwned):
    """What the order consumes of one component (base unit): the BOM explosion for its quantity, with
    scrap, phantoms exploded through to their components and the same component merged into one row.
    Its reservations are inventory's (``Reservation.line_id`` is this row's id)."""

    work_order = models.ForeignKey(WorkOrder, on_delete=models.CASCADE, related_name="components",
                                   verbose_name=_("work order"))
    sequence = models.PositiveIntegerField(_("line"), default=10)
    component = models.ForeignKey("inventory.Item", on_delete=models.PROTECT, related_name="+",
                                  verbose_name=_("component"))
    quantity_per = models.DecimalField(_("quantity per unit"), **QTY)
    quantity_required = models.DecimalField(_("required"), **QTY)
    issued_quantity = models.DecimalField(_("issued"), default=0, **QTY)
    issued_value = models.DecimalField(_("issued value"), default=0, **MONEY)
    standard_cost = models.DecimalField(_("standard unit cost"), default=0, **COST)
    backflush = models.BooleanField(_("backflush"), default=False)

    class Meta:
        verbose_name = _("work order component")
        verbose_name_plural = _("work order components")
        ordering = ["work_order", "sequence", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["work_order", "component"], name="work_order_component_unique"),
            models.CheckConstraint(condition=Q(quantity_required__gte=0) & Q(issued_quantity__gte=0),
                                   name="work_order_component_quantities"),
        ]

    def __str__(self) -> str:
        return f"{self.work_order} {self.component.code}"

    @property
    def unit_cost_issued(self) -> Decimal:
        """The average cost per unit of what was issued (0 before any issue)."""
        if not self.issued_quantity:
            return Decimal("0")
        return (self.issued_value / self.issued_quantity).quantize(Decimal("0.000001"))


class WorkOrderOperation(CompanyOwned):
    """An operation of the order, copied from its routing at release with the work center's cost rate
    and efficiency of that day; ``planned_hours`` = (setup + run x quantity) / 60 / efficiency."""

    work_order = models.ForeignKey(WorkOrder, on_delete=models.CASCADE, related_name="operations",
                                   verbose_name=_("work order"))
    sequence = models.PositiveIntegerField(_("sequence"), default=10)
    name = models.CharField(_("operation"), max_length=100)
    work_center = models.ForeignKey("production.WorkCenter", on_delete=models.PROTECT, related_name="+",
                                    verbose_name=_("work center"))
    setup_minutes = models.DecimalField(_("setup (minutes)"), **LINE_QTY, default=0)
    run_minutes = models.DecimalField(_("run time per unit (minutes)"), **LINE_QTY, default=0)
    efficiency_percent = models.DecimalField(_("efficiency %"), **RATE,
                                             default=Decimal("100"))
    cost_rate = models.DecimalField(_("cost per hour"), default=0, **MONEY)
    planned_hours = models.DecimalField(_("planned hours"), **LINE_QTY, default=0)

    class Meta:
        verbose_name = _("work order operation")
        verbose_name_plural = _("work order operations")
        ordering = ["work_order", "sequence", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["work_order", "sequence"], name="work_order_operation_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.work_order} {self.sequence} {self.name}"
