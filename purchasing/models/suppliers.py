from decimal import Decimal

from django.conf import settings
from django.contrib.postgres.constraints import ExclusionConstraint
from django.contrib.postgres.fields import DateRangeField, RangeOperators
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Func, Q, Value
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from erp.identifiers import TaxIdField
from erp.models import MasterData, Restricted
from erp.money import LINE_QTY, PRICE

__all__ = ["Supplier", "SupplierContact", "SupplierItem", "SupplierPrice"]

NOT_NEGATIVE = [MinValueValidator(Decimal("0"))]


class Supplier(MasterData):
    short_name = models.CharField(_("short name"), max_length=60, blank=True)
    tax_id = TaxIdField()
    address = models.TextField(_("address"), blank=True)
    remit_to_address = models.TextField(_("remit-to address"), blank=True,
                                        help_text=_("Where payments and correspondence go, if not the address."))
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    email = models.EmailField(_("email"), blank=True, help_text=_("Purchase orders are sent here."))
    payment_term = models.ForeignKey("sales.PaymentTerm", null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="+", verbose_name=_("payment term"))
    tax_code = models.ForeignKey("sales.TaxCode", null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                                 verbose_name=_("tax code"))
    currency = models.CharField(_("currency"), max_length=3, default="TWD")
    lead_time_days = models.PositiveIntegerField(
        _("lead time (days)"), null=True, blank=True,
        help_text=_("Days from order to arrival when the supplier's item has none; empty: the company's default."))
    buyer = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                              related_name="+", verbose_name=_("buyer"))
    notes = models.TextField(_("notes"), blank=True)

    class Meta(MasterData.Meta):
        verbose_name = _("supplier")
        verbose_name_plural = _("suppliers")
        permissions = [
            # Held per supplier (guardian) by its buyer, globally by the Purchasing manager and the
            # departments that work with every supplier: it scopes suppliers and their documents.
            ("buy_from_supplier", _("Can work with the supplier's requisitions, orders and invoices")),
            ("accept_invoice_mismatch", _("Can accept a supplier invoice that does not match")),
        ]
        indexes = [
            models.Index(fields=["company", "name"], name="supplier_by_name"),
            models.Index(fields=["company", "tax_id"], name="supplier_by_tax_id"),
            models.Index(fields=["buyer"], name="supplier_by_buyer"),
        ]

    def get_absolute_url(self) -> str:
        return reverse("purchasing:supplier_detail", args=[self.pk])


class SupplierContact(Restricted):
    supplier = models.ForeignKey(Supplier, on_delete=models.CASCADE, related_name="contacts",
                                 verbose_name=_("supplier"))
    name = models.CharField(_("name"), max_length=100)
    title = models.CharField(_("job title"), max_length=100, blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    email = models.EmailField(_("email"), blank=True)
    is_primary = models.BooleanField(_("primary contact"), default=False)

    class Meta:
        verbose_name = _("supplier contact")
        verbose_name_plural = _("supplier contacts")
        ordering = ["-is_primary", "name"]

    def __str__(self) -> str:
        return self.name


def validity_range() -> Func:
    """The dates a supplier item is valid on, as a closed range (an empty end is open)."""
    return Func(F("valid_from"), F("valid_to"), Value("[]"), function="daterange", output_field=DateRangeField())


class SupplierItem(Restricted):
    """What a supplier sells us of an item: their part number, the unit we buy it in (any unit of the
    item), minimum order quantity and order multiple (in that unit), lead time, and whether the
    supplier is the item's preferred one on the dates given. Prices are its SupplierPrice rows."""

    supplier = models.ForeignKey(Supplier, on_delete=models.CASCADE, related_name="items",
                                 verbose_name=_("supplier"))
    item = models.ForeignKey("inventory.Item", on_delete=models.PROTECT, related_name="+", verbose_name=_("item"))
    supplier_part_number = models.CharField(_("supplier part number"), max_length=100, blank=True)
    unit = models.ForeignKey("inventory.UnitOfMeasure", on_delete=models.PROTECT, related_name="+",
                             verbose_name=_("unit of purchase"))
    min_order_quantity = models.DecimalField(_("minimum order quantity"), default=0, validators=NOT_NEGATIVE,
                                             **LINE_QTY)
    order_multiple = models.DecimalField(_("order multiple"), default=0, validators=NOT_NEGATIVE, **LINE_QTY,
                                         help_text=_("Order whole multiples of this quantity; 0: any quantity."))
    lead_time_days = models.PositiveIntegerField(_("lead time (days)"), null=True, blank=True,
                                                 help_text=_("Empty: the supplier's lead time."))
    is_preferred = models.BooleanField(_("preferred supplier"), default=False,
                                       help_text=_("One preferred supplier per item and date."))
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_to = models.DateField(_("valid to"), null=True, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("supplier item")
        verbose_name_plural = _("supplier items")
        ordering = ["item__code", "supplier__code"]
        constraints = [
            models.UniqueConstraint(fields=["supplier", "item", "unit"], name="supplier_item_unique"),
            models.CheckConstraint(condition=Q(min_order_quantity__gte=0) & Q(order_multiple__gte=0),
                                   name="supplier_item_quantities_not_negative"),
            models.CheckConstraint(condition=Q(valid_to__isnull=True) | Q(valid_from__isnull=True)
                                   | Q(valid_to__gte=F("valid_from")), name="supplier_item_valid_range"),
            # The backstop of "one preferred supplier per item and date" (the service says which one).
            ExclusionConstraint(name="supplier_item_one_preferred",
                                expressions=[("item", RangeOperators.EQUAL),
                                             (validity_range(), RangeOperators.OVERLAPS)],
                                condition=Q(is_preferred=True, is_active=True)),
        ]
        indexes = [models.Index(fields=["item", "supplier"], name="supplier_item_by_item")]

    def __str__(self) -> str:
        return f"{self.supplier.code} {self.item.code}"

    def get_constraints(self):  # type: ignore[no-untyped-def]
        # Django cannot evaluate the exclusion constraint's condition in Python (a FieldError in every
        # ModelForm): purchasing.services.suppliers checks it under a lock and names the other supplier.
        return [(model, [c for c in constraints if c.name != "supplier_item_one_preferred"])
                for model, constraints in super().get_constraints()]


class SupplierPrice(Restricted):
    """One price of a supplier item in its unit, from a quantity (in that unit) on, optionally for a period."""

    supplier_item = models.ForeignKey(SupplierItem, on_delete=models.CASCADE, related_name="prices",
                                      verbose_name=_("supplier item"))
    min_quantity = models.DecimalField(_("from quantity"), default=0, validators=NOT_NEGATIVE, **LINE_QTY)
    price = models.DecimalField(_("unit price"), validators=NOT_NEGATIVE, **PRICE)
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_to = models.DateField(_("valid to"), null=True, blank=True)

    class Meta:
        verbose_name = _("supplier price")
        verbose_name_plural = _("supplier prices")
        ordering = ["supplier_item", "min_quantity", "valid_from"]
        constraints = [
            models.UniqueConstraint(fields=["supplier_item", "min_quantity", "valid_from"], nulls_distinct=False,
                                    name="supplier_price_unique_break"),
            models.CheckConstraint(condition=Q(price__gte=0) & Q(min_quantity__gte=0),
                                   name="supplier_price_not_negative"),
            models.CheckConstraint(condition=Q(valid_to__isnull=True) | Q(valid_from__isnull=True)
                                   | Q(valid_to__gte=F("valid_from")), name="supplier_price_valid_range"),
        ]

    def __str__(self) -> str:
        return f"{self.supplier_item} ≥{self.min_quantity} {self.price}"
