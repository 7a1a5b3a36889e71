"""Office: approval cards on WeChat Work (企業微信) and the callbacks their buttons send.

``WeComApprovalCard``: the template card (button_interaction: approve / reject) one approver's seat
of an approval step was sent on WeCom, found again by its unique ``task_id`` when a button is tapped.
``response_code`` is the code WeCom gave last (by message/send, then by each click) to update this
card once; ``replace_name`` is what its button is to read once the seat is settled ("已核准"), sent
while ``update_due`` (retried with backoff until WeCom takes it or refuses it for good).

``WeComCallback``: one event WeCom posted to the callback URL, kept so that WeCom's retries of the
same event (it posts again when the answer is slow) are recognised by ``dedupe_key`` and ignored,
and so that the work done on the worker is visible: what was decided, or why it was refused.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from erp import messages
from erp.models import CompanyOwned
from office.models.approvals import ApprovalStepApprover

__all__ = ["WeComApprovalCard", "WeComCallback"]


class WeComApprovalCard(CompanyOwned):
    seat = models.ForeignKey(ApprovalStepApprover, on_delete=models.CASCADE, related_name="wecom_cards",
                             verbose_name=_("approver"))
    task_id = models.CharField(_("card task ID"), max_length=128, unique=True)
    wecom_userid = models.CharField(_("WeCom user ID"), max_length=64)
    response_code = models.CharField(max_length=200, blank=True, editable=False)
    sent_at = models.DateTimeField(_("sent at"), default=timezone.now)
    replace_name = models.CharField(_("button reads"), max_length=40, blank=True)
    update_due = models.BooleanField(_("update waiting"), default=False)
    update_attempts = models.PositiveSmallIntegerField(_("update attempts"), default=0)
    update_next_at = models.DateTimeField(_("next update attempt"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated on WeCom at"), null=True, blank=True)
    update_error = models.CharField(_("last update error"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("WeCom approval card")
        verbose_name_plural = _("WeCom approval cards")
        ordering = ["-pk"]
        indexes = [models.Index(fields=["update_next_at"], condition=Q(update_due=True), name="wecom_card_update_due")]

    def __str__(self) -> str:
        return self.task_id


class CallbackStatus(models.TextChoices):
    RECEIVED = "received", _("Received")
    APPLIED = "applied", _("Applied")
    REFUSED = "refused", _("Refused")
    IGNORED = "ignored", _("Ignored")


class WeComCallback(CompanyOwned):
    dedupe_key = models.CharField(max_length=300, editable=False)
    event = models.CharField(_("event"), max_length=60)
    from_user = models.CharField(_("WeCom user ID"), max_length=64, blank=True)
    task_id = models.CharField(_("card task ID"), max_length=128, blank=True)
    event_key = models.CharField(_("button"), max_length=100, blank=True)
    response_code = models.CharField(max_length=200, blank=True, editable=False)
    status = models.CharField(_("status"), max_length=10, choices=CallbackStatus.choices,
                              default=CallbackStatus.RECEIVED)
    result = models.JSONField(_("result"), null=True, blank=True, editable=False)  # an erp.messages message
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    received_at = models.DateTimeField(_("received at"), default=timezone.now)
    processed_at = models.DateTimeField(_("processed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("WeCom callback")
        verbose_name_plural = _("WeCom callbacks")
        ordering = ["-pk"]
        constraints = [models.UniqueConstraint(fields=["company", "dedupe_key"], name="wecom_callback_once")]
        indexes = [models.Index(fields=["received_at"], condition=Q(status="received"), name="wecom_callback_pending")]

    def __str__(self) -> str:
        return f"{self.event} {self.from_user} {self.task_id}"

    @property
    def display_result(self) -> str:
        return messages.render(self.result)
