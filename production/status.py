"""Statuses, kinds and transition tables of production's engineering data, planning and work orders."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class BomLineKind(models.TextChoices):
    """What a BOM line is: a component consumed, a phantom (an assembly never stocked: its own BOM's
    components are used in its place), or a by-product the order also yields."""

    COMPONENT = "component", _("Component")
    PHANTOM = "phantom", _("Phantom")
    BY_PRODUCT = "by_product", _("By-product")


class PlannedOrderKind(models.TextChoices):
    MAKE = "make", _("Work order")
    BUY = "buy", pgettext_lazy("planned order kind", "Purchase")


class MrpRunStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


class MrpExceptionKind(models.TextChoices):
    """MRP's exception messages: what a planner should act on."""

    LATE_RELEASE = "late", _("Late release")
    RESCHEDULE_IN = "reschedule_in", _("Reschedule in")
    RESCHEDULE_OUT = "reschedule_out", _("Reschedule out")
    CANCEL = "cancel", _("Cancel")


class WorkOrderStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    RELEASED = "released", _("Released")
    IN_PROGRESS = "in_progress", _("In progress")
    COMPLETED = "completed", _("Completed")
    CLOSED = "closed", _("Closed")
    CANCELLED = "cancelled", pgettext_lazy("document status", "Cancelled")


# Released reserves the components; in progress once the first component is issued or the first
# quantity completed; completed when the whole quantity is in; closed once costed (variances announced).
WORK_ORDER_TRANSITIONS = {
    WorkOrderStatus.DRAFT: {WorkOrderStatus.RELEASED, WorkOrderStatus.CANCELLED},
    WorkOrderStatus.RELEASED: {WorkOrderStatus.IN_PROGRESS, WorkOrderStatus.COMPLETED, WorkOrderStatus.DRAFT,
                               WorkOrderStatus.CANCELLED},
    WorkOrderStatus.IN_PROGRESS: {WorkOrderStatus.COMPLETED, WorkOrderStatus.CLOSED},
    WorkOrderStatus.COMPLETED: {WorkOrderStatus.CLOSED},
}
# Work orders that will still bring stock in: MRP's scheduled receipts.
OPEN_WORK_ORDER = frozenset({WorkOrderStatus.DRAFT, WorkOrderStatus.RELEASED, WorkOrderStatus.IN_PROGRESS})


class WorkOrderSource(models.TextChoices):
    MANUAL = "manual", _("By hand")
    MRP = "mrp", _("Material requirements planning")
