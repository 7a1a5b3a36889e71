"""Writes of the notification service.

``notify`` turns one event into a notification per recipient and a delivery per (notification,
channel) the recipient's preferences choose, in the caller's transaction (a rollback leaves nothing);
after commit the worker sends the deliveries (``delivery_send``), each at most once (a row lock),
retrying a channel that fails with exponential backoff and giving up after
``settings.NOTIFICATION_MAX_ATTEMPTS``. If Redis or the worker is down at commit time, the deliveries
stay pending and the beat task (``deliveries_resend_due``) sends them once it is back.

``notify_department_channels`` does the same for a department's group channels (a WeCom robot).

Notifications and deliveries are written in bulk and are the system's own record of what it sent (with
their times and statuses), left out of the audit trail as the event bus's deliveries are.
"""

from __future__ import annotations

import logging
import random
import smtplib
import traceback
from collections.abc import Iterable, Mapping, Sequence
from datetime import timedelta
from functools import partial

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.mail import send_mail
from django.db import IntegrityError, models, transaction
from django.db.models import QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from erp import messages
from erp.db import atomic_with_retry
from erp.errors import DomainError
from erp.models import Company, Department, User
from office import notification_channels as registry
from office.models import Broadcast, Notification, NotificationDelivery, NotificationPreference
from office.notification_channels import EMAIL, FAILED, INAPP, RETRY, SENT, SKIPPED, ChannelResult
from office.status import DeliveryStatus

logger = logging.getLogger(__name__)

ENQUEUE_CHUNK = 100  # deliveries per worker task
TEXT_LENGTH = 300  # Notification.text, Broadcast.text
ERROR_LENGTH = 5000
DETAIL_LENGTH = 500
SUBJECT_LENGTH = 120


# Making notifications -----------------------------------------------------------------------------


def notify(*, company: Company, recipients: Iterable[User] | QuerySet[User], kind: str,
           message: messages.Stored, link: str = "", document: models.Model | None = None,
           actor: User | None = None, key: str = "") -> list[Notification]:
    """One notification of ``kind`` per recipient (the company's active users among ``recipients``,
    each once), with a pending delivery on each channel their preferences choose; written in the
    caller's transaction, sent after commit. Returns the notifications made.

    ``message``: an erp.messages message (or a list of them), shown in each recipient's language.
    ``link``: the page the notification opens (default: ``document``'s page). ``key``: a recipient
    gets a kind with the same key once (the late-order scan's "late:<order>:<day>"); the ones who
    already have it are left out. A fixed number of statements, however many recipients."""
    spec = registry.kind(kind)
    ids = _recipient_ids(company, recipients)
    if key and ids:
        ids = _without_key(ids, kind=kind, key=key)
    if not ids:
        return []
    document_type, document_id, link = _about(document, link)
    text = messages.in_default_language(message)[:TEXT_LENGTH]
    now = timezone.now()
    rows = [Notification(company=company, recipient_id=pk, kind=kind, message=message, text=text, link=link[:300],
                         document_type=document_type, document_id=document_id, actor=actor, key=key,
                         created_at=now) for pk in ids]
    # The caller's transaction (no savepoint of its own); called outside one, a transaction of its own:
    # notifications and their deliveries are written together or not at all.
    with transaction.atomic(savepoint=False):
        if key:
            rows = _insert_keyed(rows, kind=kind, key=key)
        else:
            Notification.objects.bulk_create(rows)
        channels_of = _channels_by_recipient([row.recipient_id for row in rows], spec)
        deliveries = [NotificationDelivery(company=company, notification=row, channel=channel,
                                           next_attempt_at=now, created_at=now)
                      for row in rows for channel in channels_of[row.recipient_id]]
        _insert_deliveries(deliveries)
    return rows


def _recipient_ids(company: Company, recipients: Iterable[User] | QuerySet[User]) -> list[int]:
    """The primary keys of the company's active users among ``recipients``, each once, in order."""
    if isinstance(recipients, QuerySet):
        found = recipients.filter(company=company, is_active=True).values_list("pk", flat=True)
        return list(dict.fromkeys(found))
    return list(dict.fromkeys(user.pk for user in recipients if user.company_id == company.pk and user.is_active))


def _without_key(ids: Sequence[int], *, kind: str, key: str) -> list[int]:
    have = set(Notification.objects.filter(recipient_id__in=ids, kind=kind, key=key)
               .values_list("recipient_id", flat=True))
    return [pk for pk in ids if pk not in have]


def _insert_keyed(rows: list[Notification], *, kind: str, key: str) -> list[Notification]:
    """Insert notifications carrying an idempotency key; if another transaction inserted the same key
    for a recipient meanwhile (the unique constraint waits for it), leave that recipient out."""
    try:
        with transaction.atomic():  # a savepoint: a lost race leaves the caller's transaction usable
            Notification.objects.bulk_create(rows)
        return rows
    except IntegrityError:
        pass
    left = set(_without_key([row.recipient_id for row in rows], kind=kind, key=key))
    rows = [row for row in rows if row.recipient_id in left]
    Notification.objects.bulk_create(rows)
    return rows


def _about(document: models.Model | None, link: str) -> tuple[ContentType | None, int | None, str]:
    """(content type, id, link) for the document a notification is about; the link defaults to the
    document's page."""
    if document is None:
        return None, None, link
    if not link:
        link = _document_url(document)
    return ContentType.objects.get_for_model(document), document.pk, link


def _document_url(document: models.Model) -> str:
    absolute_url = getattr(document, "get_absolute_url", None)
    if callable(absolute_url):
        return str(absolute_url())
    from erp.document_screens.kinds import kind_for

    screens = kind_for(type(document))
    return screens.url_of("detail", document) if screens is not None else ""


def _channels_by_recipient(ids: Sequence[int], spec: registry.NotificationKind) -> dict[int, list[str]]:
    """{user id: the channels (besides in-app) this kind goes to}: the user's choice where they made
    one, else the kind's defaults. One query for everyone's choices."""
    channels = registry.optional_channels()
    optional = [channel.name for channel in channels]
    chosen: dict[int, list[str]] = {pk: [] for pk in ids}
    if not optional or not ids:
        return chosen
    # Channels that cannot reach some of the users (no WeCom id) make no delivery for them.
    unreachable = {channel.name: set(ids) - channel.reachable(ids) for channel in channels
                   if channel.reachable is not None}
    choices = {(user_id, channel): enabled for user_id, channel, enabled in NotificationPreference.objects.filter(
        user_id__in=ids, kind=spec.key, channel__in=optional).values_list("user_id", "channel", "enabled")}
    for pk in ids:
        chosen[pk] = [name for name in optional if choices.get((pk, name), name in spec.default_channels)
                      and pk not in unreachable.get(name, ())]
    return chosen


def _insert_deliveries(deliveries: list[NotificationDelivery]) -> None:
    """Write the deliveries (one statement) and hand them to the worker after commit."""
    if not deliveries:
        return
    NotificationDelivery.objects.bulk_create(deliveries)
    ids = [delivery.pk for delivery in deliveries]
    transaction.on_commit(partial(enqueue, ids))


def notify_department_channels(*, company: Company, department: Department | None, kind: str,
                               message: messages.Stored, link: str = "", key: str = "") -> Broadcast | None:
    """Post ``message`` to the group channels of ``department`` (None: the company's own group), one
    delivery per group channel that serves it, sent after commit like a notification. With ``key``
    the same broadcast is posted once (the late-order digest of a day): None when it already was."""
    registry.kind(kind)
    if department is not None and department.company_id != company.pk:
        raise DomainError(_("That department belongs to another company."), field="department")
    if key and Broadcast.objects.filter(company=company, department=department, kind=kind, key=key).exists():
        return None
    now = timezone.now()
    broadcast = Broadcast(company=company, department=department, kind=kind, message=message, key=key,
                          text=messages.in_default_language(message)[:TEXT_LENGTH], link=link[:300], created_at=now)
    with transaction.atomic(savepoint=False):  # as notify(): the caller's transaction, or one of its own
        try:
            with transaction.atomic():
                broadcast.save()
        except IntegrityError:
            if key:  # another transaction posted it meanwhile
                return None
            raise
        _insert_deliveries([NotificationDelivery(company=company, broadcast=broadcast, channel=channel.name,
                                                 next_attempt_at=now, created_at=now)
                            for channel in registry.group_channels() if channel.available_for(company, department)])
    return broadcast


# Sending -----------------------------------------------------------------------------------------


def enqueue(delivery_ids: Sequence[int], countdown: float | None = None) -> bool:
    """Hand deliveries to the worker. If the broker is unreachable they stay pending for the beat."""
    from office.tasks import send_notification_deliveries  # office.tasks imports this module

    try:
        for start in range(0, len(delivery_ids), ENQUEUE_CHUNK):
            send_notification_deliveries.apply_async((list(delivery_ids[start:start + ENQUEUE_CHUNK]),),
                                                     countdown=countdown)
        return True
    except Exception as exc:  # kombu raises several connection error types
        logger.warning("notification deliveries %s not queued (%s); the beat task will send them",
                       list(delivery_ids)[:10], exc)
        return False


def retry_delay(attempts: int) -> float:
    """Seconds before attempt ``attempts + 1``: exponential from NOTIFICATION_RETRY_BASE_SECONDS,
    capped at an hour, jittered."""
    exponential: int = settings.NOTIFICATION_RETRY_BASE_SECONDS * 2 ** max(attempts - 1, 0)
    return min(3600, exponential) * random.uniform(0.8, 1.2)


def delivery_send(delivery_id: int) -> str:
    """Send one pending delivery on its channel; returns what became of it: "sent", "failed",
    "skipped", "retry", or "busy" when it is no longer pending or another worker holds it (sent at
    most once: the row stays locked while its channel sends)."""
    with transaction.atomic():
        delivery = (
            NotificationDelivery.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("notification__recipient", "notification__company", "broadcast__department",
                            "broadcast__company")
            .filter(pk=delivery_id, status=DeliveryStatus.PENDING).first()
        )
        if delivery is None:
            return "busy"
        send = registry.sender(delivery.channel, group=delivery.broadcast_id is not None)
        delivery.attempts += 1
        delivery.last_error = ""
        try:
            if send is None:
                raise LookupError(f"no channel is registered as {delivery.channel!r}")
            with transaction.atomic():  # a savepoint: what a failing channel wrote is undone
                result = send(delivery)
            if not isinstance(result, ChannelResult):
                raise TypeError(f"channel {delivery.channel!r} answered {result!r}, not a ChannelResult")
        except Exception as exc:
            delivery.last_error = traceback.format_exc(limit=20)[-ERROR_LENGTH:]
            result = ChannelResult(RETRY, detail=f"{type(exc).__name__}: {exc}")
        return _record(delivery, result)


def _record(delivery: NotificationDelivery, result: ChannelResult) -> str:
    """Save what the channel answered (the delivery is locked); a retry is queued after commit."""
    delivery.detail = result.detail[:DETAIL_LENGTH]
    outcome = result.status
    if result.status == SENT:
        delivery.status, delivery.sent_at = DeliveryStatus.SENT, timezone.now()
    elif result.status == SKIPPED:
        delivery.status = DeliveryStatus.SKIPPED
    elif result.status == FAILED or delivery.attempts >= settings.NOTIFICATION_MAX_ATTEMPTS:
        delivery.status, outcome = DeliveryStatus.FAILED, FAILED
        logger.warning("notification delivery %s (%s) failed: %s", delivery.pk, delivery.channel, delivery.detail)
    else:
        delay = result.retry_after if result.retry_after is not None else retry_delay(delivery.attempts)
        delivery.next_attempt_at = timezone.now() + timedelta(seconds=delay)
        transaction.on_commit(partial(enqueue, [delivery.pk], countdown=delay))
    delivery.save(update_fields=["status", "attempts", "detail", "last_error", "sent_at", "next_attempt_at"])
    return outcome


def deliveries_resend_due(*, older_than_seconds: float = 10, limit: int = 1000) -> int:
    """The beat task: queue the pending deliveries that are due (their enqueue was lost: Redis or the
    worker was down at commit time; or their retry's time has come). Returns how many were queued."""
    cutoff = timezone.now() - timedelta(seconds=older_than_seconds)
    due = list(NotificationDelivery.objects.filter(status=DeliveryStatus.PENDING, next_attempt_at__lte=cutoff)
               .order_by("next_attempt_at").values_list("pk", flat=True)[:limit])
    return len(due) if due and enqueue(due) else 0


@atomic_with_retry
def deliveries_retry(*, deliveries: QuerySet[NotificationDelivery], actor: User | None = None) -> int:
    """Put failed (or pending, or skipped) deliveries back in the queue now: the admins' "Retry".
    Each gets one more attempt. Returns how many."""
    ids = list(deliveries.exclude(status=DeliveryStatus.SENT).order_by("pk").values_list("pk", flat=True))
    NotificationDelivery.objects.filter(pk__in=ids).update(status=DeliveryStatus.PENDING,
                                                           next_attempt_at=timezone.now())
    if ids:
        transaction.on_commit(partial(enqueue, ids))
    return len(ids)


def delivery_language(delivery: NotificationDelivery) -> str:
    """The language a delivery is written in: the recipient's, the site's for a group."""
    if delivery.notification is not None:
        return delivery.notification.recipient.language or settings.LANGUAGE_CODE
    return str(settings.LANGUAGE_CODE)


def delivery_text(delivery: NotificationDelivery) -> str:
    """The delivery's message in its language (for a channel's ``send``)."""
    source: Notification | Broadcast | None = delivery.notification or delivery.broadcast
    if source is None:
        return ""
    with translation.override(delivery_language(delivery)):
        return messages.render(source.message, source.text)


def delivery_link(delivery: NotificationDelivery) -> str:
    """The page the delivery's message opens, as an absolute URL when settings.SITE_URL is set."""
    source: Notification | Broadcast | None = delivery.notification or delivery.broadcast
    link = source.link if source is not None else ""
    if link.startswith("/") and settings.SITE_URL:
        return str(settings.SITE_URL).rstrip("/") + link
    return link


def send_email(delivery: NotificationDelivery) -> ChannelResult:
    """The e-mail channel: Django's mail backend, in the recipient's language; skipped when the
    recipient has no address."""
    notification = delivery.notification
    if notification is None:
        return ChannelResult(FAILED, gettext_noop("E-mail reaches people, not groups."))
    user = notification.recipient
    if not user.email:
        return ChannelResult(SKIPPED, gettext_noop("The user has no e-mail address."))
    text, link = delivery_text(delivery), delivery_link(delivery)
    with translation.override(delivery_language(delivery)):
        first_line = text.splitlines()[0] if text else ""
        subject = f"[{notification.company.name}] {first_line}"[:SUBJECT_LENGTH]
        body = f"{text}\n\n{link}" if link else text
    try:
        send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [user.email])
    except smtplib.SMTPRecipientsRefused as refused:
        return ChannelResult(FAILED, f"refused: {refused.recipients}")
    return ChannelResult(SENT)


def send_inapp(delivery: NotificationDelivery) -> ChannelResult:
    """The in-app channel is the notification itself: nothing is ever sent."""
    return ChannelResult(SENT)


# Reading and preferences -----------------------------------------------------------------------


def notifications_mark_read(*, user: User, notifications: QuerySet[Notification] | None = None) -> int:
    """Mark the user's unread notifications (all, or those of ``notifications``) read; returns how
    many. Only the user's own: anyone else's are left alone."""
    rows = Notification.objects.filter(recipient=user, read_at__isnull=True)
    if notifications is not None:
        rows = rows.filter(pk__in=notifications.values("pk"))
    return rows.update(read_at=timezone.now())


def notifications_mark_read_about(*, user: User, document: models.Model, kind: str = "") -> int:
    """Mark read the user's notifications about ``document`` (of ``kind`` if given): the user opened it."""
    rows = Notification.objects.filter(recipient=user, read_at__isnull=True,
                                       document_type=ContentType.objects.get_for_model(document),
                                       document_id=document.pk)
    if kind:
        rows = rows.filter(kind=kind)
    return rows.update(read_at=timezone.now())


@atomic_with_retry
def preferences_set(*, user: User, choices: Mapping[tuple[str, str], bool], actor: User | None = None) -> int:
    """Store the user's choices {(kind, channel): on?} for the optional channels; returns how many
    changed. In-app cannot be turned off; unknown kinds or channels are refused (DomainError)."""
    if user.company is None:
        raise DomainError(_("Only a company's users have notification preferences."))
    optional = {channel.name for channel in registry.optional_channels()}
    for kind_key, channel in choices:
        if channel == INAPP:
            if not choices[(kind_key, channel)]:
                raise DomainError(_("In-app notifications cannot be turned off."), field="preferences")
            continue
        if channel not in optional or kind_key not in registry.KINDS:
            raise DomainError(_("Unknown kind of notification or channel."), field="preferences")
    existing = {(pref.kind, pref.channel): pref for pref in
                NotificationPreference.objects.select_for_update().filter(user=user).order_by("pk")}
    changed = 0
    for (kind_key, channel), enabled in sorted(choices.items()):
        if channel == INAPP:
            continue
        pref = existing.get((kind_key, channel))
        default = channel in registry.kind(kind_key).default_channels
        if pref is None and enabled == default:
            continue  # the default holds: no row needed
        if pref is None:
            NotificationPreference.objects.create(company=user.company, user=user, kind=kind_key, channel=channel,
                                                  enabled=enabled)  # audited
            changed += 1
        elif pref.enabled != enabled:
            pref.enabled = enabled
            pref.save(update_fields=["enabled"])  # audited
            changed += 1
    return changed


def register_builtin_channels() -> None:
    """In-app (always on) and e-mail; called from OfficeConfig.ready()."""
    from django.utils.translation import gettext_lazy

    registry.register_channel(INAPP, gettext_lazy("In the app"), send_inapp, always_on=True, order=0)
    registry.register_channel(EMAIL, gettext_lazy("E-mail"), send_email,
                              available_for=lambda user: bool(user.email), order=20)


__all__ = [
    "delivery_link", "delivery_send", "delivery_text", "deliveries_resend_due", "deliveries_retry", "enqueue",
    "notifications_mark_read", "notifications_mark_read_about", "notify", "notify_department_channels",
    "preferences_set", "register_builtin_channels", "retry_delay", "send_email", "send_inapp",
]
