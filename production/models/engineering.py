from decimal import Decimal

from django.contrib.postgres.constraints import ExclusionConstraint
from django.contrib.postgres.fields import ArrayField, DateRangeField, RangeOperators
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Func, Q, Value
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from erp.models import CompanyOwned, MasterData, Restricted
from erp.money import COST, LINE_QTY, MONEY, QTY, RATE
from production import status as st

__all__ = ["Bom", "BomLine", "Routing", "RoutingOperation", "WorkCenter", "WorkCenterHoliday"]

NOT_NEGATIVE = [MinValueValidator(Decimal("0"))]
POSITIVE = [MinValueValidator(Decimal("0.0001"))]
MONDAY_TO_FRIDAY = [0, 1, 2, 3, 4]


def monday_to_friday() -> list[int]:
    return list(MONDAY_TO_FRIDAY)


class WorkCenter(MasterData):
    """A machine, line or group of people that operations run on: its capacity per working day, the
    days it works (weekdays, 0 = Monday, minus its holidays), its cost per hour and its efficiency
    (run and setup times are divided by it: 80 % makes an hour of standard work take 1.25 hours)."""

    capacity_hours = models.DecimalField(_("capacity (hours per day)"), **LINE_QTY,
                                         default=Decimal("8"), validators=NOT_NEGATIVE)
    working_weekdays = ArrayField(models.PositiveSmallIntegerField(validators=[MaxValueValidator(6)]),
                                  verbose_name=_("working days"), default=monday_to_friday, blank=True)
    cost_rate = models.DecimalField(_("cost per hour"), default=0, validators=NOT_NEGATIVE, **MONEY)
    efficiency_percent = models.DecimalField(_("efficiency %"), **RATE,
                                             default=Decimal("100"), validators=POSITIVE)
    warehouse = models.ForeignKey("inventory.Warehouse", null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="+", verbose_name=_("warehouse"),
                                  help_text=_("Where its work orders take components from and put finished goods."))
    notes = models.TextField(_("notes"), blank=True)

    class Meta(MasterData.Meta):
        verbose_name = _("work center")
        verbose_name_plural = _("work centers")
        constraints = [
            *MasterData.Meta.constraints,
            models.CheckConstraint(condition=Q(capacity_hours__gte=0) & Q(cost_rate__gte=0)
                                   & Q(efficiency_percent__gt=0), name="work_center_figures_valid"),
        ]

    def get_absolute_url(self) -> str:
        return reverse("production:work_center_detail", args=[self.pk])


class WorkCenterHoliday(Restricted):
    """A day the work center does not work (a public holiday, a shutdown), or works other hours."""

    work_center = models.ForeignKey(WorkCenter, on_delete=models.CASCADE, related_name="holidays",
                                    verbose_name=_("work center"))
    date = models.DateField(_("date"))
    name = models.CharField(_("name"), max_length=100, blank=True)
    capacity_hours = models.DecimalField(_("capacity (hours)"), **LINE_QTY, default=0,
                                         validators=NOT_NEGATIVE, help_text=_("0: closed that day."))

    class Meta:
        verbose_name = _("work center holiday")
        verbose_name_plural = _("work center holidays")
        ordering = ["work_center", "date"]
        constraints = [
            models.UniqueConstraint(fields=["work_center", "date"], name="work_center_holiday_unique"),
            models.CheckConstraint(condition=Q(capacity_hours__gte=0), name="work_center_holiday_hours"),
        ]

    def __str__(self) -> str:
        return f"{self.work_center.code} {self.date}"


class Routing(MasterData):
    """How an item is made: its operations in sequence, each at a work center."""

    item = models.ForeignKey("inventory.Item", on_delete=models.PROTECT, related_name="+", verbose_name=_("item"))
    notes = models.TextField(_("notes"), blank=True)

    class Meta(MasterData.Meta):
        verbose_name = _("routing")
        verbose_name_plural = _("routings")
        indexes = [models.Index(fields=["item"], name="routing_by_item")]

    def get_absolute_url(self) -> str:
        return reverse("production:routing_detail", args=[self.pk])


class RoutingOperation(Restricted):
    """One step of a routing: setup once per order, run time per unit of the item's base unit."""

    routing = models.ForeignKey(Routing, on_delete=models.CASCADE, related_name="operations",
                                verbose_name=_("routing"))
    sequence = models.PositiveIntegerField(_("sequence"), default=10)
    name = models.CharField(_("operation"), max_length=100)
    work_center = models.ForeignKey(WorkCenter, on_delete=models.PROTECT, related_name="operations",
                                    verbose_name=_("work center"))
    setup_minutes = models.DecimalField(_("setup (minutes)"), **LINE_QTY, default=0,
                                        validators=NOT_NEGATIVE)
    run_minutes = models.DecimalField(_("run time per unit (minutes)"), **LINE_QTY, default=0,
                                      validators=NOT_NEGATIVE)
    instructions = models.TextField(_("instructions"), blank=True)

    class Meta:
        verbose_name = _("routing operation")
        verbose_name_plural = _("routing operations")
        ordering = ["routing", "sequence", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["routing", "sequence"], name="routing_operation_unique_sequence"),
            models.CheckConstraint(condition=Q(setup_minutes__gte=0) & Q(run_minutes__gte=0),
                                   name="routing_operation_times_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.sequence} {self.name}"


def validity_range() -> Func:
    """The dates a BOM version is valid on, as a closed range (an empty end is open)."""
    return Func(F("valid_from"), F("valid_to"), Value("[]"), function="daterange", output_field=DateRangeField())


class Bom(CompanyOwned):
    """A version of an item's bill of materials: what ``quantity`` (base unit) of the item is made of,
    valid between two dates. One default version per item and date is what MRP and new work orders use
    (checked under a lock by the service, backed by an exclusion constraint)."""

    item = models.ForeignKey("inventory.Item", on_delete=models.PROTECT, related_name="+", verbose_name=_("item"))
    version = models.CharField(_("version"), max_length=20)
    name = models.CharField(_("description"), max_length=200, blank=True)
    quantity = models.DecimalField(_("makes quantity"), default=1, validators=POSITIVE,
                                   help_text=_("In the item's base unit; the lines are per this quantity."), **QTY)
    routing = models.ForeignKey(Routing, null=True, blank=True, on_delete=models.PROTECT, related_name="boms",
                                verbose_name=_("routing"))
    is_default = models.BooleanField(_("default"), default=True,
                                     help_text=_("One default version per item and date."))
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_to = models.DateField(_("valid to"), null=True, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    # Cost roll-up per unit of the item (production.services.boms.bom_cost_rollup), kept with when.
    material_cost = models.DecimalField(_("material cost"), default=0, **COST)
    operation_cost = models.DecimalField(_("operation cost"), default=0, **COST)
    costed_at = models.DateTimeField(_("costed at"), null=True, blank=True, editable=False)
    notes = models.TextField(_("notes"), blank=True)

    class Meta:
        verbose_name = _("bill of materials")
        verbose_name_plural = _("bills of materials")
        ordering = ["item__code", "version"]
        constraints = [
            models.UniqueConstraint(fields=["item", "version"], name="bom_unique_version"),
            models.CheckConstraint(condition=Q(quantity__gt=0), name="bom_quantity_positive"),
            models.CheckConstraint(condition=Q(valid_to__isnull=True) | Q(valid_from__isnull=True)
                                   | Q(valid_to__gte=F("valid_from")), name="bom_valid_range"),
            ExclusionConstraint(name="bom_one_default",
                                expressions=[("item", RangeOperators.EQUAL),
                                             (validity_range(), RangeOperators.OVERLAPS)],
                                condition=Q(is_default=True, is_active=True)),
        ]
        indexes = [models.Index(fields=["company", "item"], name="bom_by_item")]

    def __str__(self) -> str:
        return f"{self.item.code} v{self.version}"

    @property
    def reference(self) -> str:
        """How the screens and messages name the version (the document screens' ``reference``)."""
        return str(self)

    @property
    def status(self) -> str:
        """"active" or "inactive": what the generic document screens read as a document's status."""
        return "active" if self.is_active else "inactive"

    @property
    def is_editable(self) -> bool:
        """Always offered for editing: production.services.boms refuses changing the lines of a version
        an open work order uses (its header still changes)."""
        return True

    def get_absolute_url(self) -> str:
        return reverse("production:bom_detail", args=[self.pk])

    def get_constraints(self):  # type: ignore[no-untyped-def]
        # As for supplier items: Django cannot evaluate the exclusion constraint's condition in a
        # ModelForm; production.services.boms checks it under a lock and names the other version.
        return [(model, [c for c in constraints if c.name != "bom_one_default"])
                for model, constraints in super().get_constraints()]


class BomLine(Restricted):
    """A component (or phantom, or by-product) per the BOM's quantity, in any unit of the component;
    ``quantity_base`` is the same in the component's base unit. Scrap % raises what is consumed:
    needed = quantity × (1 + scrap % / 100)."""

    bom = models.ForeignKey(Bom, on_delete=models.CASCADE, related_name="lines", verbose_name=_("BOM"))
    sequence = models.PositiveIntegerField(_("line"), default=10)
    kind = models.CharField(_("kind"), max_length=10, choices=st.BomLineKind.choices,
                            default=st.BomLineKind.COMPONENT)
    component = models.ForeignKey("inventory.Item", on_delete=models.PROTECT, related_name="+",
                                  verbose_name=_("component"))
    quantity = models.DecimalField(_("quantity per"), validators=POSITIVE, **LINE_QTY)
    unit = models.ForeignKey("inventory.UnitOfMeasure", on_delete=models.PROTECT, related_name="+",
                             verbose_name=_("unit"))
    quantity_base = models.DecimalField(_("quantity per (base unit)"), **QTY)
    scrap_percent = models.DecimalField(_("scrap %"), **RATE, default=0,
                                        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("99"))])
    operation = models.ForeignKey(RoutingOperation, null=True, blank=True, on_delete=models.SET_NULL,
                                  related_name="+", verbose_name=_("used at operation"))
    notes = models.CharField(_("notes"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("BOM line")
        verbose_name_plural = _("BOM lines")
        ordering = ["bom", "sequence", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0) & Q(quantity_base__gt=0),
                                   name="bom_line_quantity_positive"),
            models.CheckConstraint(condition=Q(scrap_percent__gte=0) & Q(scrap_percent__lt=100),
                                   name="bom_line_scrap_range"),
        ]
        indexes = [models.Index(fields=["component"], name="bom_line_by_component")]  # where-used

    def __str__(self) -> str:
        return f"{self.bom} {self.sequence} {self.component.code}"
