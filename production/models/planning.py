from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from erp.models import CompanyOwned, Restricted
from erp.money import QTY
from production import status as st

__all__ = ["Demand", "MrpException", "MrpItemPlan", "MrpRecord", "MrpRun", "PlannedOrder", "PlannedOrderPeg"]

POSITIVE = [MinValueValidator(Decimal("0.000001"))]


class Demand(CompanyOwned):
    """Independent demand entered by a planner: a forecast or an expected order (item, date, quantity
    in the base unit). MRP adds it to the confirmed sales order lines not yet delivered."""

    item = models.ForeignKey("inventory.Item", on_delete=models.PROTECT, related_name="+", verbose_name=_("item"))
    date = models.DateField(_("required date"))
    quantity = models.DecimalField(_("quantity"), validators=POSITIVE, **QTY)
    reference = models.CharField(_("reference"), max_length=100, blank=True,
                                 help_text=_("A forecast's name, a customer's expected order."))
    is_active = models.BooleanField(_("active"), default=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+",
                                   editable=False, verbose_name=_("created by"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("demand line")
        verbose_name_plural = _("demand lines")
        ordering = ["date", "item__code", "pk"]
        constraints = [models.CheckConstraint(condition=Q(quantity__gt=0), name="demand_quantity_positive")]
        indexes = [models.Index(fields=["company", "date"], name="demand_by_date")]

    def __str__(self) -> str:
        return f"{self.item.code} {self.date} {self.quantity}"


class MrpRun(CompanyOwned):
    """One MRP run: its as-of date and horizon, its progress while the Celery task works, and when done
    a summary of what went in (inputs) and came out (counts), so that two runs can be compared."""

    as_of = models.DateField(_("as of"))
    horizon_days = models.PositiveIntegerField(_("horizon (days)"), default=90)
    status = models.CharField(_("status"), max_length=10, choices=st.MrpRunStatus.choices,
                              default=st.MrpRunStatus.QUEUED)
    progress = models.PositiveSmallIntegerField(_("progress %"), default=0)
    step = models.CharField(_("step"), max_length=100, blank=True)
    inputs = models.JSONField(_("inputs"), default=dict, blank=True)
    counts = models.JSONField(_("counts"), default=dict, blank=True)
    error = models.TextField(_("error"), blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+",
                                   verbose_name=_("started by"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        verbose_name = _("MRP run")
        verbose_name_plural = _("MRP runs")
        ordering = ["-created_at", "-pk"]
        constraints = [models.CheckConstraint(condition=Q(progress__lte=100), name="mrp_run_progress_range")]

    def __str__(self) -> str:
        return f"MRP {self.as_of} #{self.pk}"

    def get_absolute_url(self) -> str:
        return reverse("production:mrp_run_detail", args=[self.pk])


class MrpItemPlan(Restricted):
    """What a run knew of an item: its low-level code, where projected available started, its
    planning parameters; the header of its MRP record."""

    run = models.ForeignKey(MrpRun, on_delete=models.CASCADE, related_name="items", verbose_name=_("MRP run"))
    item = models.ForeignKey("inventory.Item", on_delete=models.PROTECT, related_name="+", verbose_name=_("item"))
    low_level_code = models.PositiveSmallIntegerField(_("low-level code"), default=0)
    procurement = models.CharField(_("procurement"), max_length=4)
    on_hand = models.DecimalField(_("available at start"), **QTY)
    safety_stock = models.DecimalField(_("safety stock"), **QTY)
    lead_time_days = models.PositiveIntegerField(_("lead time (days)"))
    lot_rule = models.CharField(_("lot sizing"), max_length=100, blank=True)
    is_phantom = models.BooleanField(_("phantom"), default=False)
    planned_orders = models.PositiveIntegerField(_("planned orders"), default=0)

    class Meta:
        verbose_name = _("MRP item")
        verbose_name_plural = _("MRP items")
        ordering = ["run", "low_level_code", "item__code"]
        constraints = [models.UniqueConstraint(fields=["run", "item"], name="mrp_item_plan_unique")]


class MrpRecord(Restricted):
    """One day of an item's MRP record (only days on which something happens are stored)."""

    # No database foreign-key constraints on a record's run and item: a run writes hundreds of thousands
    # of record days in one COPY, and checking each row's keys at commit took longer than the netting
    # (bench/production.py). The engine writes them from the rows it read; Django's CASCADE / PROTECT
    # still apply (they are Django's, not the database's).
    run = models.ForeignKey(MrpRun, on_delete=models.CASCADE, related_name="+", verbose_name=_("MRP run"),
                            db_constraint=False, db_index=False)  # mrp_record_unique_day leads with it
    item = models.ForeignKey("inventory.Item", on_delete=models.PROTECT, related_name="+", verbose_name=_("item"),
                             db_constraint=False)
    date = models.DateField(_("date"))
    gross = models.DecimalField(_("gross requirement"), default=0, **QTY)
    scheduled = models.DecimalField(_("scheduled receipts"), default=0, **QTY)
    projected = models.DecimalField(_("projected available"), default=0, **QTY)
    net = models.DecimalField(_("net requirement"), default=0, **QTY)
    planned_receipt = models.DecimalField(_("planned receipt"), default=0, **QTY)
    planned_release = models.DecimalField(_("planned release"), default=0, **QTY)

    class Meta:
        verbose_name = _("MRP record day")
        verbose_name_plural = _("MRP record days")
        ordering = ["run", "item", "date"]
        constraints = [models.UniqueConstraint(fields=["run", "item", "date"], name="mrp_record_unique_day")]


class PlannedOrder(Restricted):
    """An order MRP proposes: make (a work order) or buy (a purchase requisition), due on the day of the
    net requirement and released lead time earlier; late when that release is before the as-of date.
    Firming makes the real document once (``firmed_at`` is set by a conditional update)."""

    # Indexes: the run's (planned_order_by_item leads with it); the keys set by firming only where set
    # (a run writes its planned orders in one COPY: every index is paid for on each row).
    run = models.ForeignKey(MrpRun, on_delete=models.CASCADE, related_name="planned_orders",
                            verbose_name=_("MRP run"), db_index=False)
    item = models.ForeignKey("inventory.Item", on_delete=models.PROTECT, related_name="+", verbose_name=_("item"))
    kind = models.CharField(_("kind"), max_length=4, choices=st.PlannedOrderKind.choices)
    quantity = models.DecimalField(_("quantity"), validators=POSITIVE, **QTY)
    due_date = models.DateField(_("due"))
    release_date = models.DateField(_("release"))
    is_late = models.BooleanField(_("late"), default=False)
    bom = models.ForeignKey("production.Bom", null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                            verbose_name=_("BOM"))
    firmed_at = models.DateTimeField(_("firmed at"), null=True, blank=True)
    firmed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="+", verbose_name=_("firmed by"), db_index=False)
    work_order = models.ForeignKey("production.WorkOrder", null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+", verbose_name=_("work order"), db_index=False)
    requisition_line = models.ForeignKey("purchasing.PurchaseRequisitionLine", null=True, blank=True,
                                         on_delete=models.SET_NULL, related_name="+",
                                         verbose_name=_("requisition line"), db_index=False)

    class Meta:
        verbose_name = _("planned order")
        verbose_name_plural = _("planned orders")
        ordering = ["run", "release_date", "item__code", "pk"]
        constraints = [models.CheckConstraint(condition=Q(quantity__gt=0), name="planned_order_quantity_positive")]
        indexes = [
            models.Index(fields=["run", "item"], name="planned_order_by_item"),
            models.Index(fields=["firmed_by"], condition=Q(firmed_by__isnull=False), name="planned_order_firmed_by"),
            models.Index(fields=["work_order"], condition=Q(work_order__isnull=False),
                         name="planned_order_work_order"),
            models.Index(fields=["requisition_line"], condition=Q(requisition_line__isnull=False),
                         name="planned_order_requisition"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.item.code} {self.quantity} {self.due_date}"


class PlannedOrderPeg(Restricted):
    """What a planned order serves, and how much of it: a sales order line, a demand line, a parent's
    planned order (dependent demand) or the safety stock. Followed upwards, every planned quantity
    leads to the independent demand behind it."""

    # As MrpRecord's keys: no database constraint on the two keys to the run's own planned orders
    # (written in the same COPY transaction by the engine).
    planned_order = models.ForeignKey(PlannedOrder, on_delete=models.CASCADE, related_name="pegs",
                                      verbose_name=_("planned order"), db_constraint=False)
    quantity = models.DecimalField(_("quantity"), **QTY)
    need_date = models.DateField(_("needed on"))
    sales_order_line = models.ForeignKey("sales.SalesOrderLine", null=True, blank=True, on_delete=models.SET_NULL,
                                         related_name="+", verbose_name=_("sales order line"), db_index=False)
    demand = models.ForeignKey(Demand, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
                               verbose_name=_("demand line"), db_index=False)
    parent = models.ForeignKey(PlannedOrder, null=True, blank=True, on_delete=models.CASCADE, related_name="+",
                               verbose_name=_("parent planned order"), db_constraint=False)
    safety_stock = models.BooleanField(_("safety stock"), default=False)

    class Meta:
        verbose_name = _("planned order pegging")
        verbose_name_plural = _("planned order pegging")
        ordering = ["planned_order", "need_date", "pk"]
        indexes = [  # only the pegs to independent demand (most pegs are a parent's)
            models.Index(fields=["sales_order_line"], condition=Q(sales_order_line__isnull=False),
                         name="peg_by_sales_order_line"),
            models.Index(fields=["demand"], condition=Q(demand__isnull=False), name="peg_by_demand"),
        ]


class MrpException(Restricted):
    """A message for the planner: a late release, a scheduled receipt to pull in or push out, or one
    nobody needs (cancel)."""

    run = models.ForeignKey(MrpRun, on_delete=models.CASCADE, related_name="exceptions", verbose_name=_("MRP run"))
    item = models.ForeignKey("inventory.Item", on_delete=models.PROTECT, related_name="+", verbose_name=_("item"))
    kind = models.CharField(_("kind"), max_length=16, choices=st.MrpExceptionKind.choices)
    date = models.DateField(_("date"))
    new_date = models.DateField(_("new date"), null=True, blank=True)
    quantity = models.DecimalField(_("quantity"), default=0, **QTY)
    reference = models.CharField(_("reference"), max_length=60, blank=True,
                                 help_text=_("The scheduled receipt's document, or the planned order."))
    planned_order = models.ForeignKey(PlannedOrder, null=True, blank=True, on_delete=models.CASCADE,
                                      related_name="+", verbose_name=_("planned order"))

    class Meta:
        verbose_name = _("MRP exception")
        verbose_name_plural = _("MRP exceptions")
        ordering = ["run", "date", "item__code", "pk"]
