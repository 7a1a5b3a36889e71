from django.db import models

from erp.crypto import EncryptedTextField
from erp.models import Document
from erp.money import LINE_QTY


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


class SampleOrderLine(models.Model):
    """A line of a sample order (for the document screens' tests: a header with a line formset)."""

    document = models.ForeignKey(SampleOrder, on_delete=models.CASCADE, related_name="lines")
    item = models.CharField(max_length=40)
    quantity = models.DecimalField(**LINE_QTY)

    class Meta:
        ordering = ["pk"]

    def __str__(self):
        return f"{self.item} × {self.quantity}"


class SampleSecret(models.Model):
    """A row with a secret stored encrypted (erp.crypto's tests)."""

    name = models.CharField(max_length=50, blank=True)
    secret = EncryptedTextField(blank=True)

    def __str__(self):
        return self.name
