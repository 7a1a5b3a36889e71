from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from erp.models import Document, Restricted
from erp.money import LINE_QTY, MONEY, PRICE, QTY, RATE
from purchasing import status as st

__all__ = ["PurchaseOrder", "PurchaseOrderLine", "PurchaseOrderRevision"]

POSITIVE = [MinValueValidator(Decimal("0.0001"))]
NOT_NEGATIVE = [MinValueValidator(Decimal("0"))]


class PurchaseOrder(Document):
    """An order to a supplier, approved through the office approval engine (type
    ``purchasing.order``). ``revision`` counts the changes made after approval: each one is kept as a
    PurchaseOrderRevision (what the order was) and approved again."""

    DOC_TYPE = "PO"
    TRANSITIONS = st.ORDER_TRANSITIONS
    status = models.CharField(_("status"), max_length=20, choices=st.OrderStatus.choices,
                              default=st.OrderStatus.DRAFT)
    supplier = models.ForeignKey("purchasing.Supplier", on_delete=models.PROTECT, related_name="+",
                                 verbose_name=_("supplier"))
    buyer = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                              related_name="+", verbose_name=_("buyer"))
    warehouse = models.ForeignKey("inventory.Warehouse", on_delete=models.PROTECT, related_name="+",
                                  verbose_name=_("deliver to warehouse"))
    currency = models.CharField(_("currency"), max_length=3, default="TWD")
    payment_term = models.ForeignKey("sales.PaymentTerm", null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="+", verbose_name=_("payment term"))
    tax_code = models.ForeignKey("sales.TaxCode", null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                                 verbose_name=_("tax code"))
    supplier_reference = models.CharField(_("supplier reference"), max_length=100, blank=True)
    expected_date = models.DateField(_("expected date"), null=True, blank=True,
                                     help_text=_("The latest expected date of the lines."))
    revision = models.PositiveIntegerField(_("revision"), default=0)
    notes = models.TextField(_("notes"), blank=True)
    net_amount = models.DecimalField(_("net amount"), default=0, **MONEY)
    tax_amount = models.DecimalField(_("tax"), default=0, **MONEY)
    total_amount = models.DecimalField(_("total"), default=0, **MONEY)
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    class Meta(Document.Meta):
        verbose_name = _("purchase order")
        verbose_name_plural = _("purchase orders")
        indexes = [
            models.Index(fields=["company", "-created_at"], name="purchase_order_by_created"),
            models.Index(fields=["company", "status", "expected_date"], name="purchase_order_by_status"),
            # A buyer's orders (scope: supplier_id = ANY(their suppliers) AND company_id = …).
            models.Index(fields=["supplier", "status", "company"], name="purchase_order_by_supplier"),
        ]

    def get_absolute_url(self) -> str:
        return reverse("purchasing:order_detail", args=[self.pk])


class PurchaseOrderLine(Restricted):
    """Quantities after ``quantity_base`` are in the item's base unit and change only through the
    services: received by posted goods receipts, returned by posted supplier returns, invoiced by
    posted supplier invoices."""

    order = models.ForeignKey(PurchaseOrder, on_delete=models.CASCADE, related_name="lines",
                              verbose_name=_("order"))
    line_no = models.PositiveIntegerField(_("line"), default=1)
    item = models.ForeignKey("inventory.Item", on_delete=models.PROTECT, related_name="+", verbose_name=_("item"))
    description = models.CharField(_("description"), max_length=300, blank=True)
    supplier_part_number = models.CharField(_("supplier part number"), max_length=100, blank=True)
    quantity = models.DecimalField(_("quantity"), validators=POSITIVE, **LINE_QTY)
    unit = models.ForeignKey("inventory.UnitOfMeasure", on_delete=models.PROTECT, related_name="+",
                             verbose_name=_("unit"))
    quantity_base = models.DecimalField(_("quantity (base unit)"), **QTY)
    unit_price = models.DecimalField(_("unit price"), validators=NOT_NEGATIVE, **PRICE)
    tax_rate = models.DecimalField(_("tax rate (%)"), default=0, **RATE)
    net_amount = models.DecimalField(_("amount"), default=0, **MONEY)
    expected_date = models.DateField(_("expected date"), null=True, blank=True)
    received_quantity = models.DecimalField(_("received"), default=0, **QTY)
    returned_quantity = models.DecimalField(_("returned"), default=0, **QTY)
    invoiced_quantity = models.DecimalField(_("invoiced"), default=0, **QTY)
    # A copy of "the order can receive" (approved, sent or partially received), kept by every status
    # transition of the order (purchasing.receivers.keep_lines_receivable): the late lines of the
    # workbench are a few among hundreds of thousands of past lines, most of cancelled or draft orders,
    # and only a flag on the line lets an index find them.
    order_receivable = models.BooleanField(_("order can receive"), default=False, editable=False)

    class Meta:
        verbose_name = _("purchase order line")
        verbose_name_plural = _("purchase order lines")
        ordering = ["order", "line_no", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0) & Q(quantity_base__gt=0) & Q(unit_price__gte=0),
                                   name="purchase_line_positive"),
            models.CheckConstraint(condition=Q(received_quantity__gte=0), name="purchase_line_received_not_negative"),
            models.CheckConstraint(condition=Q(returned_quantity__gte=0)
                                   & Q(returned_quantity__lte=F("received_quantity")),
                                   name="purchase_line_returned_in_range"),
            # Invoicing more than was received (less returned) is refused by the invoice's posting; a
            # return after the invoice may leave more invoiced than kept (a debit note settles it).
            models.CheckConstraint(condition=Q(invoiced_quantity__gte=0), name="purchase_line_invoiced_not_negative"),
        ]
        indexes = [
            models.Index(fields=["item"], name="purchase_line_by_item"),
            # Lines still to receive on receivable orders, by expected date (the workbench's late lines).
            models.Index(fields=["expected_date", "id"], name="purchase_line_to_receive",
                         condition=Q(order_receivable=True)
                         & Q(quantity_base__gt=F("received_quantity") - F("returned_quantity"))),
        ]

    def __str__(self) -> str:
        return f"{self.order.reference}/{self.line_no} {self.item.code} {self.quantity}"

    @property
    def net_received(self) -> Decimal:
        """Base-unit quantity received and kept (received less returned)."""
        return self.received_quantity - self.returned_quantity

    @property
    def open_quantity(self) -> Decimal:
        """Base-unit quantity still to receive (never below zero: an over-receipt leaves nothing open)."""
        return max(self.quantity_base - self.net_received, Decimal("0"))


class PurchaseOrderRevision(Restricted):
    """What an order was before a change after approval: its header and lines as approved, kept when
    the buyer revises it (the order's page lists every revision)."""

    order = models.ForeignKey(PurchaseOrder, on_delete=models.CASCADE, related_name="revisions",
                              verbose_name=_("order"))
    revision = models.PositiveIntegerField(_("revision"))
    snapshot = models.JSONField(_("order as approved"))
    reason = models.CharField(_("reason for the change"), max_length=300)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+",
                                   verbose_name=_("revised by"))
    created_at = models.DateTimeField(_("revised at"), auto_now_add=True)

    class Meta:
        verbose_name = _("purchase order revision")
        verbose_name_plural = _("purchase order revisions")
        ordering = ["order", "revision"]
        constraints = [models.UniqueConstraint(fields=["order", "revision"], name="purchase_revision_unique")]

    def __str__(self) -> str:
        return f"{self.order.reference} rev. {self.revision}"
