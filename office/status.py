from django.db import models
from django.utils.translation import gettext_lazy as _


class TaskStatus(models.TextChoices):
    OPEN = "open", _("Open")
    DONE = "done", _("Done")
    CANCELLED = "cancelled", _("Cancelled")


class TaskPriority(models.TextChoices):
    LOW = "low", _("Low")
    NORMAL = "normal", _("Normal")
    HIGH = "high", _("High")


class DeliveryStatus(models.TextChoices):
    """Where one notification's delivery on one channel stands (office.models.NotificationDelivery)."""

    PENDING = "pending", _("Pending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")
    SKIPPED = "skipped", _("Skipped")


class Audience(models.TextChoices):
    """Who an announcement is for."""

    ALL = "all", _("Everyone in the company")
    DEPARTMENTS = "departments", _("Departments")
    ROLES = "roles", _("Roles")
