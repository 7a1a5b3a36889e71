"""Office: notifications and announcements.

A **notification** is one message to one user (``office.services.notifications.notify``): the in-app
copy is the row itself (read or unread, in the bell and on the notifications page); every other
channel the recipient's preferences choose (e-mail, WeCom…) gets a ``NotificationDelivery`` with its
own status, attempts and error. A **broadcast** is one message to a department's group channels (a
WeCom group robot), with a delivery per group channel. Messages are stored as erp.messages keys and
parameters and shown in each reader's language.

An **announcement** (公告) is a text for everyone, some departments or some roles of the company,
published at a date (a future date schedules it), optionally until an expiry; ``AnnouncementRead``
records who opened it.

Notifications, broadcasts, their deliveries and read receipts are the system's own records of what it
sent and who read what (each carries its time and status): they are left out of the audit trail as the
event bus's deliveries are (settings.AUDITLOG_EXCLUDE_TRACKING_MODELS). Preferences and announcements
are people's choices and texts, audited as every business record.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from erp import messages
from erp.models import CompanyOwned, Department
from office.status import Audience, DeliveryStatus

__all__ = [
    "Announcement", "AnnouncementRead", "Broadcast", "Notification", "NotificationDelivery",
    "NotificationPreference",
]


class Notification(CompanyOwned):
    """One message to one user; the row itself is the in-app channel (``read_at``)."""

    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications",
                                  verbose_name=_("recipient"))
    kind = models.CharField(_("kind"), max_length=60)
    message = models.JSONField(_("message"))  # erp.messages: shown in the reader's language
    text = models.CharField(_("text"), max_length=300, blank=True)  # the message in the site's language (search)
    link = models.CharField(_("link"), max_length=300, blank=True)
    document_type = models.ForeignKey(ContentType, null=True, blank=True, on_delete=models.PROTECT,
                                      related_name="+", verbose_name=_("document type"))
    document_id = models.PositiveBigIntegerField(_("document id"), null=True, blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="+", verbose_name=_("by"))
    # The caller's idempotency key ("late:123:2026-12-07"): a recipient gets a kind with a key once.
    key = models.CharField(_("key"), max_length=120, blank=True, editable=False)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["recipient", "kind", "key"], condition=~Q(key=""),
                                    name="notification_once_per_key"),
        ]
        indexes = [
            models.Index(fields=["recipient", "-created_at", "-id"], name="notification_by_recipient"),
            # The bell's count: the user's unread notifications, a small part of all of them.
            models.Index(fields=["recipient"], condition=Q(read_at__isnull=True), name="notification_unread"),
            models.Index(fields=["document_type", "document_id"], name="notification_by_document"),
        ]

    def __str__(self) -> str:
        return self.display_text

    @property
    def display_text(self) -> str:
        """The message in the active language (the reader's)."""
        return messages.render(self.message, self.text)

    @property
    def is_read(self) -> bool:
        return self.read_at is not None


class Broadcast(CompanyOwned):
    """One message to a department's group channels (a WeCom group robot), or the company's when
    ``department`` is empty; one delivery per group channel that serves it."""

    department = models.ForeignKey(Department, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                                   verbose_name=_("department"))
    kind = models.CharField(_("kind"), max_length=60)
    message = models.JSONField(_("message"))
    text = models.CharField(_("text"), max_length=300, blank=True)
    link = models.CharField(_("link"), max_length=300, blank=True)
    key = models.CharField(_("key"), max_length=120, blank=True, editable=False)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("group message")
        verbose_name_plural = _("group messages")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["company", "department", "kind", "key"], condition=~Q(key=""),
                                    nulls_distinct=False, name="broadcast_once_per_key"),
        ]

    def __str__(self) -> str:
        return self.display_text

    @property
    def display_text(self) -> str:
        return messages.render(self.message, self.text)


class NotificationDelivery(CompanyOwned):
    """A notification (or a broadcast) on one channel: sent after commit by the worker, retried with
    backoff, given up after ``settings.NOTIFICATION_MAX_ATTEMPTS``. ``detail`` is what the channel
    said (a skipped e-mail: no address; WeCom: an invalid user id)."""

    notification = models.ForeignKey(Notification, null=True, blank=True, on_delete=models.CASCADE,
                                     related_name="deliveries", verbose_name=_("notification"))
    broadcast = models.ForeignKey(Broadcast, null=True, blank=True, on_delete=models.CASCADE,
                                  related_name="deliveries", verbose_name=_("group message"))
    channel = models.CharField(_("channel"), max_length=30)
    status = models.CharField(_("status"), max_length=10, choices=DeliveryStatus.choices,
                              default=DeliveryStatus.PENDING)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt at"), default=timezone.now)
    detail = models.CharField(_("detail"), max_length=500, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("notification delivery")
        verbose_name_plural = _("notification deliveries")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                name="delivery_of_notification_or_broadcast",
                condition=(Q(notification__isnull=False, broadcast__isnull=True)
                           | Q(notification__isnull=True, broadcast__isnull=False)),
            ),
            models.UniqueConstraint(fields=["notification", "channel"], name="delivery_once_per_channel"),
            models.UniqueConstraint(fields=["broadcast", "channel"], name="broadcast_delivery_once_per_channel"),
        ]
        indexes = [
            # The beat's scan: pending deliveries that are due.
            models.Index(fields=["next_attempt_at"], condition=Q(status=DeliveryStatus.PENDING),
                         name="delivery_due"),
            models.Index(fields=["company", "status", "-created_at"], name="delivery_by_company"),
        ]

    def __str__(self) -> str:
        return f"{self.channel} #{self.pk} ({self.status})"

    @property
    def kind(self) -> str:
        source = self.notification or self.broadcast
        return source.kind if source is not None else ""


class NotificationPreference(CompanyOwned):
    """A user's choice for one kind on one channel; without a row the kind's default channels apply.
    The in-app channel is always on and has no rows."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="notification_preferences", verbose_name=_("user"))
    kind = models.CharField(_("kind"), max_length=60)
    channel = models.CharField(_("channel"), max_length=30)
    enabled = models.BooleanField(_("enabled"), default=True)

    class Meta:
        verbose_name = _("notification preference")
        verbose_name_plural = _("notification preferences")
        ordering = ["user", "kind", "channel"]
        constraints = [
            models.UniqueConstraint(fields=["user", "kind", "channel"], name="notification_preference_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.user} {self.kind} {self.channel}: {'on' if self.enabled else 'off'}"


class Announcement(CompanyOwned):
    """A text for the whole company, some departments or some roles, shown from ``publish_at`` (a
    future time schedules it) until ``expires_at`` unless withdrawn. Publishing notifies the audience
    once (``notified_at``)."""

    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("text"))  # plain text: shown escaped, line breaks kept
    audience = models.CharField(_("audience"), max_length=12, choices=Audience.choices, default=Audience.ALL)
    departments = models.ManyToManyField(Department, blank=True, related_name="+", verbose_name=_("departments"))
    roles = models.ManyToManyField(Group, blank=True, related_name="+", verbose_name=_("roles"))
    publish_at = models.DateTimeField(_("published from"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires at"), null=True, blank=True)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                               verbose_name=_("author"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    notified_at = models.DateTimeField(_("audience notified at"), null=True, blank=True, editable=False)
    withdrawn_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True, editable=False)
    withdrawn_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="+", editable=False, verbose_name=_("withdrawn by"))

    class Meta:
        verbose_name = _("announcement")
        verbose_name_plural = _("announcements")
        ordering = ["-publish_at", "-id"]
        constraints = [
            models.CheckConstraint(name="announcement_expires_after_publishing",
                                   condition=Q(expires_at__isnull=True) | Q(expires_at__gt=models.F("publish_at"))),
        ]
        indexes = [
            models.Index(fields=["company", "-publish_at"], name="announcement_by_company"),
            # The beat's scan for scheduled announcements whose time has come.
            models.Index(fields=["publish_at"], condition=Q(notified_at__isnull=True, withdrawn_at__isnull=True),
                         name="announcement_to_notify"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_withdrawn(self) -> bool:
        return self.withdrawn_at is not None

    def state(self, now: object = None) -> str:
        """"withdrawn", "scheduled", "expired" or "published" (at ``now``, default the present)."""
        moment = now or timezone.now()
        if self.withdrawn_at is not None:
            return "withdrawn"
        if self.publish_at > moment:  # type: ignore[operator]
            return "scheduled"
        if self.expires_at is not None and self.expires_at <= moment:  # type: ignore[operator]
            return "expired"
        return "published"


class AnnouncementRead(CompanyOwned):
    """A read receipt: ``user`` opened ``announcement`` (once, at ``read_at``)."""

    announcement = models.ForeignKey(Announcement, on_delete=models.CASCADE, related_name="reads",
                                     verbose_name=_("announcement"))
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+",
                             verbose_name=_("user"))
    read_at = models.DateTimeField(_("read at"), default=timezone.now)

    class Meta:
        verbose_name = _("read receipt")
        verbose_name_plural = _("read receipts")
        ordering = ["-read_at"]
        constraints = [
            models.UniqueConstraint(fields=["announcement", "user"], name="announcement_read_once"),
        ]

    def __str__(self) -> str:
        return f"{self.user} {self.announcement_id}"
