"""Statuses and transition tables of the purchasing documents."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class RequisitionStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    OPEN = "open", pgettext_lazy("requisition status", "Open")
    CLOSED = "closed", _("Closed")
    CANCELLED = "cancelled", pgettext_lazy("document status", "Cancelled")


# A requisition is open once submitted (or made by the system from a shortage); it closes by itself
# when every line is ordered or cancelled.
REQUISITION_TRANSITIONS = {
    RequisitionStatus.DRAFT: {RequisitionStatus.OPEN, RequisitionStatus.CANCELLED},
    RequisitionStatus.OPEN: {RequisitionStatus.CLOSED, RequisitionStatus.CANCELLED},
}


class RequisitionLineStatus(models.TextChoices):
    OPEN = "open", pgettext_lazy("requisition line status", "Open")
    ORDERED = "ordered", pgettext_lazy("requisition line status", "Ordered")
    CANCELLED = "cancelled", pgettext_lazy("document status", "Cancelled")


class RequisitionSource(models.TextChoices):
    """What asked for a requisition line (its pegging)."""

    MANUAL = "manual", _("By hand")
    SALES = "sales", _("Sales order shortage")
    REORDER = "reorder", _("Reorder point")
    MRP = "mrp", _("Material requirements planning")


class OrderStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    AWAITING_APPROVAL = "awaiting_approval", _("Awaiting approval")
    APPROVED = "approved", _("Approved")
    SENT = "sent", _("Sent")
    PARTIAL = "partial", _("Partially received")
    RECEIVED = "received", _("Received")
    CLOSED = "closed", _("Closed")
    CANCELLED = "cancelled", pgettext_lazy("document status", "Cancelled")


# Changing an approved order makes a revision: back to draft with the next revision number, then
# submitted and approved again (purchasing.services.orders.order_revise). A revised order that had
# receipts comes back as partially received once approved (received, when the revision lowered its
# quantities to what had arrived).
ORDER_TRANSITIONS = {
    OrderStatus.DRAFT: {OrderStatus.AWAITING_APPROVAL, OrderStatus.APPROVED, OrderStatus.PARTIAL,
                        OrderStatus.CANCELLED},
    OrderStatus.AWAITING_APPROVAL: {OrderStatus.APPROVED, OrderStatus.PARTIAL, OrderStatus.RECEIVED,
                                    OrderStatus.DRAFT, OrderStatus.CANCELLED},
    OrderStatus.APPROVED: {OrderStatus.SENT, OrderStatus.PARTIAL, OrderStatus.RECEIVED, OrderStatus.DRAFT,
                           OrderStatus.CANCELLED},
    OrderStatus.SENT: {OrderStatus.PARTIAL, OrderStatus.RECEIVED, OrderStatus.DRAFT, OrderStatus.CANCELLED},
    OrderStatus.PARTIAL: {OrderStatus.RECEIVED, OrderStatus.CLOSED, OrderStatus.DRAFT},
    OrderStatus.RECEIVED: {OrderStatus.PARTIAL, OrderStatus.CLOSED},
}

# Orders goods may be received against (approved, and not yet closed).
RECEIVABLE_ORDER_STATUSES = (OrderStatus.APPROVED, OrderStatus.SENT, OrderStatus.PARTIAL)
# Orders whose unreceived quantities are still expected (scheduled receipts for planning).
OPEN_ORDER_STATUSES = (OrderStatus.AWAITING_APPROVAL, OrderStatus.APPROVED, OrderStatus.SENT, OrderStatus.PARTIAL)
# Orders that may be revised (a change after approval).
REVISABLE_ORDER_STATUSES = (OrderStatus.AWAITING_APPROVAL, OrderStatus.APPROVED, OrderStatus.SENT,
                            OrderStatus.PARTIAL)


class InspectionStatus(models.TextChoices):
    PENDING = "draft", _("Waiting for inspection")
    DONE = "done", _("Inspected")
    CANCELLED = "cancelled", pgettext_lazy("document status", "Cancelled")


INSPECTION_TRANSITIONS = {
    InspectionStatus.PENDING: {InspectionStatus.DONE, InspectionStatus.CANCELLED},
}


class ReturnStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    POSTED = "posted", _("Posted")
    CANCELLED = "cancelled", pgettext_lazy("document status", "Cancelled")


RETURN_TRANSITIONS = {
    ReturnStatus.DRAFT: {ReturnStatus.POSTED, ReturnStatus.CANCELLED},
}


class InvoiceStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    POSTED = "posted", _("Posted")
    CANCELLED = "cancelled", pgettext_lazy("document status", "Cancelled")


INVOICE_TRANSITIONS = {
    InvoiceStatus.DRAFT: {InvoiceStatus.POSTED, InvoiceStatus.CANCELLED},
}


class MatchStatus(models.TextChoices):
    """The three-way match of a supplier invoice: order price × received quantity against what is invoiced."""

    UNCHECKED = "unchecked", _("Not checked")
    MATCHED = "matched", _("Matched")
    MISMATCH = "mismatch", _("Mismatch")
    ACCEPTED = "accepted", _("Mismatch accepted")
