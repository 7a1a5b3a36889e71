"""Writes of announcements (公告): create and edit, withdraw, mark read, and publish — which notifies
the audience once (kind "office.announcement"), at once for an announcement published now, or by the
beat task (``announcements_publish_due``) when a scheduled one's time comes."""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.contrib.auth.models import Group
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from erp import messages
from erp.db import atomic_with_retry
from erp.errors import DomainError, IllegalTransition
from erp.models import Company, Department, User
from office.models import Announcement, AnnouncementRead, Notification
from office.selectors.notifications import announcement_audience
from office.services.notifications import notifications_mark_read_about, notify
from office.status import Audience

ANNOUNCEMENT = "office.announcement"  # the notification kind


@atomic_with_retry
def announcement_save(*, company: Company, actor: User, title: str, body: str, audience: str = Audience.ALL,
                      departments: Iterable[Department] = (), roles: Iterable[Group] = (),
                      publish_at: datetime.datetime | None = None, expires_at: datetime.datetime | None = None,
                      announcement: Announcement | None = None) -> Announcement:
    """Create an announcement, or edit ``announcement`` (not once withdrawn). If it is published by
    now its audience is notified (once: editing a published one notifies nobody again); a future
    ``publish_at`` schedules it."""
    departments, roles = list(departments), list(roles)
    title, body = title.strip(), body.strip()
    if not title:
        raise DomainError(_("Give the announcement a title."), field="title")
    if not body:
        raise DomainError(_("Write the announcement's text."), field="body")
    if audience not in Audience.values:
        raise DomainError(_("Choose who the announcement is for."), field="audience")
    if audience == Audience.DEPARTMENTS and not departments:
        raise DomainError(_("Choose at least one department."), field="departments")
    if audience == Audience.ROLES and not roles:
        raise DomainError(_("Choose at least one role."), field="roles")
    if any(department.company_id != company.pk for department in departments):
        raise DomainError(_("That department belongs to another company."), field="departments")
    publish_at = publish_at or timezone.now()
    if expires_at is not None and expires_at <= publish_at:
        raise DomainError(_("The expiry must come after the publishing time."), field="expires_at")
    if announcement is None:
        announcement = Announcement(company=company, author=actor)
    else:
        announcement = Announcement.objects.select_for_update().get(pk=announcement.pk, company=company)
        if announcement.withdrawn_at is not None:
            raise IllegalTransition(_("A withdrawn announcement cannot be edited."))
    announcement.title, announcement.body, announcement.audience = title[:200], body, audience
    announcement.publish_at, announcement.expires_at = publish_at, expires_at
    announcement.full_clean(exclude=["departments", "roles", "author", "company"])
    announcement.save()  # audited
    announcement.departments.set(departments if audience == Audience.DEPARTMENTS else [])
    announcement.roles.set(roles if audience == Audience.ROLES else [])
    if publish_at <= timezone.now():
        _publish(announcement.pk)
    return announcement


@atomic_with_retry
def announcement_withdraw(*, announcement: Announcement, actor: User) -> Announcement:
    """Take an announcement down: its audience no longer sees it (its author and managers still do)."""
    locked = Announcement.objects.select_for_update().get(pk=announcement.pk)
    if locked.withdrawn_at is not None:
        raise IllegalTransition(_("This announcement is already withdrawn."))
    locked.withdrawn_at, locked.withdrawn_by = timezone.now(), actor
    locked.save(update_fields=["withdrawn_at", "withdrawn_by", "updated_at"])  # audited
    return locked


@atomic_with_retry
def announcement_mark_read(*, announcement: Announcement, user: User) -> bool:
    """``user`` opened the announcement: a read receipt (once; concurrent openings make one) and its
    notification read. Returns whether this was the first time."""
    _receipt, created = AnnouncementRead.objects.get_or_create(
        announcement=announcement, user=user, defaults={"company_id": announcement.company_id})
    if created:
        notifications_mark_read_about(user=user, document=announcement, kind=ANNOUNCEMENT)
    return created


def _publish(announcement_id: int) -> list[Notification]:
    """Notify the audience of a published announcement, once: the row is locked and ``notified_at``
    set in the same transaction, so two beats (or a save and a beat) notify once."""
    now = timezone.now()
    announcement = (Announcement.objects.select_for_update().select_related("author", "company")
                    .filter(pk=announcement_id, notified_at__isnull=True, withdrawn_at__isnull=True,
                            publish_at__lte=now).first())
    if announcement is None:
        return []
    announcement.notified_at = now
    announcement.save(update_fields=["notified_at"])
    if announcement.expires_at is not None and announcement.expires_at <= now:
        return []  # expired before its time came round: nothing to tell
    recipients = announcement_audience(announcement).exclude(pk=announcement.author_id)
    return notify(company=announcement.company, recipients=recipients, kind=ANNOUNCEMENT,
                  message=messages.message(gettext_noop("Announcement: %(title)s"), title=announcement.title),
                  link=reverse("office:announcement_detail", args=[announcement.pk]), document=announcement,
                  actor=announcement.author)


@atomic_with_retry
def announcement_publish(*, announcement_id: int) -> int:
    """Notify a due announcement's audience (once); returns how many were notified."""
    return len(_publish(announcement_id))


def announcements_publish_due(*, now: datetime.datetime | None = None) -> int:
    """The beat task: scheduled announcements whose time has come notify their audience, each in its
    own transaction. Returns how many announcements were published."""
    due: QuerySet[Announcement] = Announcement.objects.filter(
        notified_at__isnull=True, withdrawn_at__isnull=True, publish_at__lte=now or timezone.now())
    published = 0
    for pk in list(due.order_by("publish_at", "pk").values_list("pk", flat=True)[:500]):
        announcement_publish(announcement_id=pk)
        published += 1
    return published
