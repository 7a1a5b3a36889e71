"""Statuses and transition tables of the sales documents."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class QuotationStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SENT = "sent", _("Sent")
    CONVERTED = "converted", _("Converted to order")
    CANCELLED = "cancelled", pgettext_lazy("document status", "Cancelled")


QUOTATION_TRANSITIONS = {
    QuotationStatus.DRAFT: {QuotationStatus.SENT, QuotationStatus.CONVERTED, QuotationStatus.CANCELLED},
    QuotationStatus.SENT: {QuotationStatus.CONVERTED, QuotationStatus.CANCELLED},
}


class OrderStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    CONFIRMED = "confirmed", _("Confirmed")
    PARTIAL = "partial", _("Partially delivered")
    DELIVERED = "delivered", _("Delivered")
    CLOSED = "closed", _("Closed")
    CANCELLED = "cancelled", pgettext_lazy("document status", "Cancelled")


# Delivered quantities cannot be cancelled: an order with deliveries is closed (the rest
# short-closed), and what was delivered comes back only through a customer return.
ORDER_TRANSITIONS = {
    OrderStatus.DRAFT: {OrderStatus.CONFIRMED, OrderStatus.CANCELLED},
    OrderStatus.CONFIRMED: {OrderStatus.PARTIAL, OrderStatus.DELIVERED, OrderStatus.CANCELLED},
    OrderStatus.PARTIAL: {OrderStatus.DELIVERED, OrderStatus.CLOSED},
    OrderStatus.DELIVERED: {OrderStatus.CLOSED},
}

# Orders whose undelivered quantities are still to ship (reserved, on delivery notes, in the credit exposure).
OPEN_ORDER_STATUSES = (OrderStatus.CONFIRMED, OrderStatus.PARTIAL)
# Orders that count for the customer's credit exposure at all.
COMMITTED_ORDER_STATUSES = (OrderStatus.CONFIRMED, OrderStatus.PARTIAL, OrderStatus.DELIVERED, OrderStatus.CLOSED)


class ReturnStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    POSTED = "posted", _("Posted")
    CANCELLED = "cancelled", pgettext_lazy("document status", "Cancelled")


RETURN_TRANSITIONS = {
    ReturnStatus.DRAFT: {ReturnStatus.POSTED, ReturnStatus.CANCELLED},
}


class ShortageState(models.TextChoices):
    """Where a shortage request sent to production or purchasing stands, in business terms (the order
    page): asked for; the department's task done (planned, ordered); the order's lines no longer short
    (stock reserved for them); delivered. Ranked in that order: a request stands where its least
    advanced line stands."""

    REQUESTED = "requested", _("Requested")
    PLANNED = "planned", _("Planned by production")
    ORDERED = "ordered", _("Ordered by purchasing")
    COVERED = "covered", _("Covered: stock reserved")
    DELIVERED = "delivered", _("Delivered")
    NOT_NEEDED = "not_needed", _("No longer needed")


SHORTAGE_PROGRESS = (ShortageState.REQUESTED, ShortageState.PLANNED, ShortageState.ORDERED, ShortageState.COVERED,
                     ShortageState.DELIVERED)
