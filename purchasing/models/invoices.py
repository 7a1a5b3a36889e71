from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from erp.models import Document, Restricted
from erp.money import LINE_QTY, MONEY, PRICE, QTY, RATE
from purchasing import status as st

__all__ = ["SupplierInvoice", "SupplierInvoiceLine"]

POSITIVE = [MinValueValidator(Decimal("0.0001"))]
NOT_NEGATIVE = [MinValueValidator(Decimal("0"))]


class SupplierInvoice(Document):
    """A supplier's bill, matched three ways before it is posted: per line, order price × received
    quantity against what is invoiced. A mismatch beyond the company's tolerance blocks posting until
    a Purchasing manager accepts it with a reason; posting announces ``purchasing.invoice_posted``
    (finance's payables)."""

    DOC_TYPE = "PI"
    TRANSITIONS = st.INVOICE_TRANSITIONS
    status = models.CharField(_("status"), max_length=20, choices=st.InvoiceStatus.choices,
                              default=st.InvoiceStatus.DRAFT)
    supplier = models.ForeignKey("purchasing.Supplier", on_delete=models.PROTECT, related_name="+",
                                 verbose_name=_("supplier"))
    supplier_invoice_number = models.CharField(_("supplier's invoice number"), max_length=60)
    due_date = models.DateField(_("due date"), null=True, blank=True)
    currency = models.CharField(_("currency"), max_length=3, default="TWD")
    net_amount = models.DecimalField(_("net amount"), default=0, **MONEY)
    tax_amount = models.DecimalField(_("tax"), default=0, validators=NOT_NEGATIVE, **MONEY)
    total_amount = models.DecimalField(_("total"), default=0, **MONEY)
    match_status = models.CharField(_("three-way match"), max_length=10, choices=st.MatchStatus.choices,
                                    default=st.MatchStatus.UNCHECKED)
    match_accepted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                          related_name="+", verbose_name=_("mismatch accepted by"))
    match_accepted_at = models.DateTimeField(_("mismatch accepted at"), null=True, blank=True)
    match_accepted_reason = models.CharField(_("reason for accepting the mismatch"), max_length=300, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    posted_at = models.DateTimeField(_("posted at"), null=True, blank=True)

    class Meta(Document.Meta):
        verbose_name = _("supplier invoice")
        verbose_name_plural = _("supplier invoices")
        constraints = [
            *Document.Meta.constraints,
            # A supplier's invoice is entered once (cancelled ones free their number).
            models.UniqueConstraint(fields=["supplier", "supplier_invoice_number"], condition=~Q(status="cancelled"),
                                    name="supplier_invoice_number_once"),
        ]
        indexes = [models.Index(fields=["supplier", "status", "company"], name="supplier_invoice_by_supplier")]

    def get_absolute_url(self) -> str:
        return reverse("purchasing:invoice_detail", args=[self.pk])


class SupplierInvoiceLine(Restricted):
    """One invoiced order line: quantity in the order line's unit, the supplier's price, and the match
    figures worked out when the invoice is checked (expected = order price × quantity)."""

    invoice = models.ForeignKey(SupplierInvoice, on_delete=models.CASCADE, related_name="lines",
                                verbose_name=_("invoice"))
    order_line = models.ForeignKey("purchasing.PurchaseOrderLine", on_delete=models.PROTECT, related_name="+",
                                   verbose_name=_("purchase order line"))
    item = models.ForeignKey("inventory.Item", on_delete=models.PROTECT, related_name="+", verbose_name=_("item"))
    quantity = models.DecimalField(_("quantity"), validators=POSITIVE, **LINE_QTY)
    quantity_base = models.DecimalField(_("quantity (base unit)"), **QTY)
    unit_price = models.DecimalField(_("unit price"), validators=NOT_NEGATIVE, **PRICE)
    tax_rate = models.DecimalField(_("tax rate (%)"), default=0, **RATE)
    net_amount = models.DecimalField(_("amount"), default=0, **MONEY)
    expected_amount = models.DecimalField(_("expected amount"), default=0, editable=False, **MONEY)
    variance = models.DecimalField(_("variance"), default=0, editable=False, **MONEY)
    within_tolerance = models.BooleanField(_("within tolerance"), default=True, editable=False)

    class Meta:
        verbose_name = _("supplier invoice line")
        verbose_name_plural = _("supplier invoice lines")
        ordering = ["invoice", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0) & Q(unit_price__gte=0),
                                   name="supplier_invoice_line_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.item.code} {self.quantity} × {self.unit_price}"
