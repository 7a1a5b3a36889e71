from django.db import models

from erp.models import Document


class SampleOrder(Document):
    DOC_TYPE = "SO"

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        CONFIRMED = "confirmed", "Confirmed"
        DELIVERED = "delivered", "Delivered"
        CANCELLED = "cancelled", "Cancelled"

    TRANSITIONS = {
        Status.DRAFT: {Status.CONFIRMED, Status.CANCELLED},
        Status.CONFIRMED: {Status.DELIVERED, Status.CANCELLED},
    }

    status = models.CharField(max_length=20, choices=Status.choices, default=Status.DRAFT)
    customer = models.CharField(max_length=100, blank=True)

    class Meta(Document.Meta):
        pass


class SampleEffect(models.Model):
    """What the sample subscriber does: one row per handled event."""

    event_id = models.BigIntegerField()
    note = models.CharField(max_length=100)

    def __str__(self):
        return f"effect of event {self.event_id}"
