"""Sales: customers, price lists, tax codes, quotations, sales orders, credit approvals and customer returns.

Money is Decimal with 2 places, unit prices 4 places, quantities as entered (4 places) plus the item's
base unit (6 places, the unit of reservations and stock moves): the settings of ``erp.money``. A line's
net amount is rounded to the cent on the line; the document's tax is rounded per tax code on the
document (see services/pricing.py).
"""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from erp.identifiers import TaxIdField
from erp.models import CompanyOwned, Document, MasterData, Restricted
from erp.money import LINE_QTY, MONEY, PRICE, QTY, RATE
from sales import status as st

NOT_NEGATIVE = [MinValueValidator(Decimal("0"))]
PERCENT = [MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))]


class TaxCode(MasterData):
    """A sales tax with its rate in percent (Taiwan's business tax is 5): rates are data, not code."""

    rate = models.DecimalField(_("rate (%)"), validators=PERCENT, **RATE)
    is_default = models.BooleanField(_("default"), default=False)

    class Meta(MasterData.Meta):
        verbose_name = _("tax code")
        verbose_name_plural = _("tax codes")


class PaymentTerm(MasterData):
    """Net days after the invoice, or after the end of the invoice's month (Taiwan's 月結 terms)."""

    days = models.PositiveIntegerField(_("days"), default=0)
    end_of_month = models.BooleanField(_("from the end of the month"), default=False)

    class Meta(MasterData.Meta):
        verbose_name = _("payment term")
        verbose_name_plural = _("payment terms")


class PriceList(MasterData):
    currency = models.CharField(_("currency"), max_length=3, default="TWD")
    is_default = models.BooleanField(_("default"), default=False,
                                     help_text=_("Used for customers without a price list of their own."))
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_to = models.DateField(_("valid to"), null=True, blank=True)
    notes = models.TextField(_("notes"), blank=True)

    class Meta(MasterData.Meta):
        verbose_name = _("price list")
        verbose_name_plural = _("price lists")
        constraints = [
            *MasterData.Meta.constraints,
            models.CheckConstraint(condition=Q(valid_to__isnull=True) | Q(valid_from__isnull=True)
                                   | Q(valid_to__gte=models.F("valid_from")), name="price_list_valid_range"),
        ]


class PriceListItem(Restricted):
    """One price of an item in a unit, from a quantity (in that unit) on, optionally for a period."""

    price_list = models.ForeignKey(PriceList, on_delete=models.CASCADE, related_name="prices",
                                   verbose_name=_("price list"))
    item = models.ForeignKey("inventory.Item", on_delete=models.PROTECT, related_name="+", verbose_name=_("item"))
    unit = models.ForeignKey("inventory.UnitOfMeasure", on_delete=models.PROTECT, related_name="+",
                             verbose_name=_("unit"))
    min_quantity = models.DecimalField(_("from quantity"), default=0, validators=NOT_NEGATIVE, **LINE_QTY)
    price = models.DecimalField(_("unit price"), validators=NOT_NEGATIVE, **PRICE)
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_to = models.DateField(_("valid to"), null=True, blank=True)

    class Meta:
        verbose_name = _("price")
        verbose_name_plural = _("prices")
        ordering = ["item__code", "unit__code", "min_quantity"]
        constraints = [
            models.UniqueConstraint(fields=["price_list", "item", "unit", "min_quantity", "valid_from"],
                                    nulls_distinct=False, name="price_unique_break"),
            models.CheckConstraint(condition=Q(price__gte=0) & Q(min_quantity__gte=0), name="price_not_negative"),
            models.CheckConstraint(condition=Q(valid_to__isnull=True) | Q(valid_from__isnull=True)
                                   | Q(valid_to__gte=models.F("valid_from")), name="price_valid_range"),
        ]
        indexes = [models.Index(fields=["price_list", "item"], name="price_by_item")]

    def __str__(self) -> str:
        return f"{self.price_list.code} {self.item.code} ≥{self.min_quantity} {self.price}"


class Customer(MasterData):
    short_name = models.CharField(_("short name"), max_length=60, blank=True)
    tax_id = TaxIdField()
    billing_address = models.TextField(_("billing address"), blank=True)
    shipping_address = models.TextField(_("shipping address"), blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    email = models.EmailField(_("email"), blank=True)
    payment_term = models.ForeignKey(PaymentTerm, null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="+", verbose_name=_("payment term"))
    currency = models.CharField(_("currency"), max_length=3, default="TWD")
    credit_limit = models.DecimalField(_("credit limit"), null=True, blank=True, validators=NOT_NEGATIVE,
                                       help_text=_("Empty: no limit."), **MONEY)
    price_list = models.ForeignKey(PriceList, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                                   verbose_name=_("price list"))
    tax_code = models.ForeignKey(TaxCode, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                                 verbose_name=_("tax code"))
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                              related_name="+", verbose_name=_("sales rep"))
    notes = models.TextField(_("notes"), blank=True)

    class Meta(MasterData.Meta):
        verbose_name = _("customer")
        verbose_name_plural = _("customers")
        permissions = [
            # Held per customer (guardian) by its sales rep, globally by the sales manager and the
            # departments that serve every customer: it scopes customers, quotations and orders.
            ("serve_customer", _("Can work with the customer's quotations and orders")),
            ("approve_credit", _("Can approve orders above the credit limit")),
            ("override_price", _("Can change prices from the price list")),
            # Credit limits, price lists (and their assignment), payment terms, tax codes and the sales
            # rep of customers and documents: enforced by the services, so screens, API and imports agree.
            ("manage_commercial_terms",
             _("Can change credit limits, price lists, payment terms, tax codes and sales reps")),
        ]
        indexes = [
            models.Index(fields=["company", "name"], name="customer_by_name"),
            models.Index(fields=["company", "tax_id"], name="customer_by_tax_id"),
            models.Index(fields=["owner"], name="customer_by_owner"),
        ]


class CustomerContact(Restricted):
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="contacts",
                                 verbose_name=_("customer"))
    name = models.CharField(_("name"), max_length=100)
    title = models.CharField(_("job title"), max_length=100, blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    email = models.EmailField(_("email"), blank=True)
    is_primary = models.BooleanField(_("primary contact"), default=False)

    class Meta:
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")
        ordering = ["-is_primary", "name"]

    def __str__(self) -> str:
        return self.name


# Documents ----------------------------------------------------------------------------------


class SalesDocument(Document):
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="+", verbose_name=_("customer"))
    sales_rep = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="+", verbose_name=_("sales rep"))
    currency = models.CharField(_("currency"), max_length=3, default="TWD")
    price_list = models.ForeignKey(PriceList, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                                   verbose_name=_("price list"))
    payment_term = models.ForeignKey(PaymentTerm, null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="+", verbose_name=_("payment term"))
    customer_reference = models.CharField(_("customer reference"), max_length=100, blank=True)
    ship_to = models.TextField(_("ship to"), blank=True)
    notes = models.TextField(_("notes"), blank=True)
    net_amount = models.DecimalField(_("net amount"), default=0, **MONEY)
    tax_amount = models.DecimalField(_("tax"), default=0, **MONEY)
    total_amount = models.DecimalField(_("total"), default=0, **MONEY)

    class Meta(Document.Meta):
        abstract = True


class SalesLine(Restricted):
    line_no = models.PositiveIntegerField(_("line"), default=1)
    item = models.ForeignKey("inventory.Item", on_delete=models.PROTECT, related_name="+", verbose_name=_("item"))
    description = models.CharField(_("description"), max_length=300, blank=True)
    quantity = models.DecimalField(_("quantity"), **LINE_QTY)
    unit = models.ForeignKey("inventory.UnitOfMeasure", on_delete=models.PROTECT, related_name="+",
                             verbose_name=_("unit"))
    quantity_base = models.DecimalField(_("quantity (base unit)"), **QTY)
    list_price = models.DecimalField(_("list price"), null=True, blank=True, **PRICE)
    unit_price = models.DecimalField(_("unit price"), **PRICE)
    discount_percent = models.DecimalField(_("discount (%)"), default=0, validators=PERCENT, **RATE)
    tax_code = models.ForeignKey(TaxCode, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                                 verbose_name=_("tax code"))
    tax_rate = models.DecimalField(_("tax rate (%)"), default=0, **RATE)
    net_amount = models.DecimalField(_("amount"), default=0, **MONEY)
    requested_date = models.DateField(_("requested date"), null=True, blank=True)

    class Meta:
        abstract = True
        ordering = ["line_no", "pk"]

    def __str__(self) -> str:
        return f"{self.line_no}: {self.item.code} {self.quantity} {self.unit.code}"


LINE_CHECKS = [
    models.CheckConstraint(condition=Q(quantity__gt=0) & Q(quantity_base__gt=0), name="%(class)s_quantity_positive"),
    models.CheckConstraint(condition=Q(unit_price__gte=0), name="%(class)s_price_not_negative"),
    models.CheckConstraint(condition=Q(discount_percent__gte=0) & Q(discount_percent__lte=100),
                           name="%(class)s_discount_range"),
]


class Quotation(SalesDocument):
    DOC_TYPE = "QT"
    TRANSITIONS = st.QUOTATION_TRANSITIONS
    status = models.CharField(_("status"), max_length=20, choices=st.QuotationStatus.choices,
                              default=st.QuotationStatus.DRAFT, db_index=True)
    valid_until = models.DateField(_("valid until"), null=True, blank=True)

    class Meta(SalesDocument.Meta):
        verbose_name = _("quotation")
        verbose_name_plural = _("quotations")
        indexes = [models.Index(fields=["company", "customer", "-document_date"], name="quotation_by_customer")]

    def get_absolute_url(self) -> str:
        return reverse("sales:quotation_detail", args=[self.pk])


class QuotationLine(SalesLine):
    quotation = models.ForeignKey(Quotation, on_delete=models.CASCADE, related_name="lines",
                                  verbose_name=_("quotation"))

    class Meta(SalesLine.Meta):
        verbose_name = _("quotation line")
        verbose_name_plural = _("quotation lines")
        constraints = LINE_CHECKS


class SalesOrder(SalesDocument):
    DOC_TYPE = "SO"
    TRANSITIONS = st.ORDER_TRANSITIONS
    status = models.CharField(_("status"), max_length=20, choices=st.OrderStatus.choices,
                              default=st.OrderStatus.DRAFT)
    quotation = models.ForeignKey(Quotation, null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="orders", verbose_name=_("quotation"))
    warehouse = models.ForeignKey("inventory.Warehouse", on_delete=models.PROTECT, related_name="+",
                                  verbose_name=_("ship from warehouse"))
    requested_date = models.DateField(_("requested date"), null=True, blank=True)
    promised_date = models.DateField(_("promised date"), null=True, blank=True)
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)

    class Meta(SalesDocument.Meta):
        verbose_name = _("sales order")
        verbose_name_plural = _("sales orders")
        indexes = [
            models.Index(fields=["company", "-created_at"], name="order_by_created"),
            models.Index(fields=["company", "status", "promised_date"], name="order_by_status"),
            # A rep's orders (erp.scoping: customer_id IN (their customers) AND company_id = …) are
            # counted from this index alone (an index-only scan); also a customer's open orders.
            models.Index(fields=["customer", "status", "company"], name="order_by_customer_scope"),
            models.Index(fields=["sales_rep", "-created_at"], name="order_by_rep"),
        ]

    def get_absolute_url(self) -> str:
        return reverse("sales:order_detail", args=[self.pk])


class SalesOrderLine(SalesLine):
    """Quantities after ``quantity_base`` are in the item's base unit and change only through the
    order's services: short (at confirmation, then less as stock arrives), delivered by posted
    delivery notes, returned by posted customer returns."""

    order = models.ForeignKey(SalesOrder, on_delete=models.CASCADE, related_name="lines", verbose_name=_("order"))
    reserved_now: Decimal  # not a field: what the line holds reserved, set by sales.selectors.order_tracking
    # Short of stock: set at confirmation, lowered as arriving stock is reserved (services.waiting).
    shortage_quantity = models.DecimalField(_("short"), default=0, **QTY)
    delivered_quantity = models.DecimalField(_("delivered"), default=0, **QTY)
    returned_quantity = models.DecimalField(_("returned"), default=0, **QTY)
    promised_date = models.DateField(_("promised date"), null=True, blank=True)

    class Meta(SalesLine.Meta):
        verbose_name = _("sales order line")
        verbose_name_plural = _("sales order lines")
        constraints = [
            *LINE_CHECKS,
            models.CheckConstraint(condition=Q(delivered_quantity__gte=0)
                                   & Q(delivered_quantity__lte=models.F("quantity_base")),
                                   name="order_line_delivered_in_range"),
            models.CheckConstraint(condition=Q(returned_quantity__gte=0)
                                   & Q(returned_quantity__lte=models.F("delivered_quantity")),
                                   name="order_line_returned_in_range"),
        ]
        # The lines waiting for stock, found by item when it arrives (a small part of all lines).
        indexes = [models.Index(fields=["item"], condition=Q(shortage_quantity__gt=0), name="order_line_waiting")]

    @property
    def open_quantity(self) -> Decimal:
        """Base-unit quantity still to deliver."""
        return self.quantity_base - self.delivered_quantity


class CreditApproval(CompanyOwned):
    """A sales manager let an order through above the customer's credit limit (recorded, audited)."""

    order = models.ForeignKey(SalesOrder, on_delete=models.PROTECT, related_name="credit_approvals",
                              verbose_name=_("order"))
    order_total = models.DecimalField(_("order total approved"), **MONEY)
    exposure = models.DecimalField(_("exposure before the order"), **MONEY)
    credit_limit = models.DecimalField(_("credit limit"), **MONEY)
    note = models.TextField(_("note"), blank=True)
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                    verbose_name=_("approved by"))
    approved_at = models.DateTimeField(_("approved at"), auto_now_add=True)

    class Meta:
        verbose_name = _("credit approval")
        verbose_name_plural = _("credit approvals")
        ordering = ["-approved_at"]

    def __str__(self) -> str:
        return f"{self.order} {self.order_total}"


class CustomerReturn(Document):
    """Goods a customer sends back against a delivery note: stock comes back in at the cost it left with."""

    DOC_TYPE = "SR"
    TRANSITIONS = st.RETURN_TRANSITIONS
    status = models.CharField(_("status"), max_length=20, choices=st.ReturnStatus.choices,
                              default=st.ReturnStatus.DRAFT)
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="+", verbose_name=_("customer"))
    order = models.ForeignKey(SalesOrder, on_delete=models.PROTECT, related_name="returns", verbose_name=_("order"))
    delivery = models.ForeignKey("inventory.DeliveryNote", on_delete=models.PROTECT, related_name="+",
                                 verbose_name=_("delivery note"))
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    posted_at = models.DateTimeField(_("posted at"), null=True, blank=True)

    class Meta(Document.Meta):
        verbose_name = _("customer return")
        verbose_name_plural = _("customer returns")

    def get_absolute_url(self) -> str:
        return reverse("sales:return_detail", args=[self.pk])


class CustomerReturnLine(Restricted):
    customer_return = models.ForeignKey(CustomerReturn, on_delete=models.CASCADE, related_name="lines",
                                        verbose_name=_("customer return"))
    delivery_line = models.ForeignKey("inventory.DeliveryNoteLine", on_delete=models.PROTECT, related_name="+",
                                      verbose_name=_("delivery line"))
    item = models.ForeignKey("inventory.Item", on_delete=models.PROTECT, related_name="+", verbose_name=_("item"))
    quantity = models.DecimalField(_("quantity"), **LINE_QTY)
    unit = models.ForeignKey("inventory.UnitOfMeasure", on_delete=models.PROTECT, related_name="+",
                             verbose_name=_("unit"))
    quantity_base = models.DecimalField(_("quantity (base unit)"), **QTY)
    location = models.ForeignKey("inventory.Location", on_delete=models.PROTECT, related_name="+",
                                 verbose_name=_("return to location"))
    lot = models.ForeignKey("inventory.Lot", null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                            verbose_name=_("lot"))

    class Meta:
        verbose_name = _("customer return line")
        verbose_name_plural = _("customer return lines")
        ordering = ["pk"]
        constraints = [models.CheckConstraint(condition=Q(quantity__gt=0) & Q(quantity_base__gt=0),
                                              name="return_line_quantity_positive")]

    def __str__(self) -> str:
        return f"{self.item.code} {self.quantity} {self.unit.code}"
