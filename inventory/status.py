"""Statuses, choices and transition tables of the inventory app."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class ItemType(models.TextChoices):
    RAW_MATERIAL = "raw", _("Raw material")
    SEMI_FINISHED = "semi", _("Semi-finished good")
    FINISHED_GOOD = "finished", _("Finished good")
    CONSUMABLE = "consumable", _("Consumable")
    SERVICE = "service", _("Service")


class Procurement(models.TextChoices):
    MAKE = "make", _("Make")
    BUY = "buy", _("Buy")


class LotSizing(models.TextChoices):
    """How MRP sizes a planned order for a net requirement (production.services.mrp)."""

    LOT_FOR_LOT = "lot_for_lot", _("Lot for lot")
    FIXED = "fixed", _("Fixed quantity")
    MIN_MULTIPLE = "min_multiple", _("Minimum and multiple")


class LocationKind(models.TextChoices):
    INTERNAL = "internal", _("Storage")
    TRANSIT = "transit", _("In transit")
    # Goods waiting for incoming inspection: on hand, valued, never available (purchasing's inspections
    # move what they accept to storage).
    QUARANTINE = "quarantine", _("Quarantine")


class MoveType(models.TextChoices):
    RECEIPT = "receipt", pgettext_lazy("stock move", "Goods receipt")
    ISSUE = "issue", pgettext_lazy("stock move", "Goods issue")
    TRANSFER_OUT = "transfer_out", pgettext_lazy("stock move", "Transfer out")
    TRANSFER_IN = "transfer_in", pgettext_lazy("stock move", "Transfer in")
    ADJUSTMENT = "adjustment", pgettext_lazy("stock move", "Adjustment")
    COUNT_VARIANCE = "count_variance", pgettext_lazy("stock move", "Count variance")
    PRODUCTION_CONSUMPTION = "consumption", pgettext_lazy("stock move", "Production consumption")
    PRODUCTION_OUTPUT = "output", pgettext_lazy("stock move", "Production output")
    DELIVERY = "delivery", pgettext_lazy("stock move", "Delivery")
    CUSTOMER_RETURN = "customer_return", pgettext_lazy("stock move", "Customer return")
    SUPPLIER_RETURN = "supplier_return", pgettext_lazy("stock move", "Supplier return")
    OPENING = "opening", pgettext_lazy("stock move", "Opening balance")


# Move types that bring stock in at a cost of their own (they change the moving average).
INBOUND_AT_OWN_COST = {MoveType.RECEIPT, MoveType.OPENING, MoveType.PRODUCTION_OUTPUT, MoveType.CUSTOMER_RETURN}


class ReservationStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    RELEASED = "released", _("Released")
    CONSUMED = "consumed", _("Issued")


class DocStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    POSTED = "posted", _("Posted")
    CANCELLED = "cancelled", pgettext_lazy("document status", "Cancelled")


SIMPLE_TRANSITIONS = {
    DocStatus.DRAFT: {DocStatus.POSTED, DocStatus.CANCELLED},
    DocStatus.POSTED: {DocStatus.CANCELLED},  # cancelling a posted document reverses its moves
}


class TransferStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SHIPPED = "shipped", _("Shipped")
    RECEIVED = "received", _("Received")
    CANCELLED = "cancelled", pgettext_lazy("document status", "Cancelled")


OPEN_TRANSFER_STATUSES = (TransferStatus.DRAFT, TransferStatus.SHIPPED)  # not arrived yet

TRANSFER_TRANSITIONS = {
    TransferStatus.DRAFT: {TransferStatus.SHIPPED, TransferStatus.RECEIVED, TransferStatus.CANCELLED},
    TransferStatus.SHIPPED: {TransferStatus.RECEIVED, TransferStatus.CANCELLED},
    TransferStatus.RECEIVED: {TransferStatus.CANCELLED},
}


class CountStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    COUNTING = "counting", _("Counting")
    POSTED = "posted", _("Posted")
    CANCELLED = "cancelled", pgettext_lazy("document status", "Cancelled")


COUNT_TRANSITIONS = {
    CountStatus.DRAFT: {CountStatus.COUNTING, CountStatus.CANCELLED},
    CountStatus.COUNTING: {CountStatus.POSTED, CountStatus.CANCELLED},
}
