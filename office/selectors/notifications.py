"""Reads of the notification service and of announcements (through ``restrict``, office.scoping):
a user's notifications and unread count, their preferences grid, the deliveries admins look after,
the people a role, a department or an announcement reaches, and the announcements a user sees."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.contrib.auth.models import Group
from django.db.models import Exists, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

from erp.models import Company, Department, User
from office import notification_channels as registry
from office.models import Announcement, AnnouncementRead, Notification, NotificationDelivery, NotificationPreference
from office.status import Audience

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


# Who is reached ------------------------------------------------------------------------------------


def company_users(company: Company) -> QuerySet[User]:
    return User.objects.filter(company=company, is_active=True)


def users_of_role(company: Company, role: Group) -> QuerySet[User]:
    """The company's active users holding ``role``."""
    return company_users(company).filter(groups=role)


def users_of_department(company: Company, department: Department) -> QuerySet[User]:
    """The company's active users of ``department`` (its own members, not its sub-departments')."""
    return company_users(company).filter(department=department)


# Notifications ---------------------------------------------------------------------------------


def notifications_for_user(user: User, *, read: bool | None = None, kind: str = "") -> QuerySet[Notification]:
    """The user's own notifications, newest first; ``read`` True/False for read or unread ones."""
    rows = Notification.objects.restrict(user).filter(recipient=user.pk)
    if read is not None:
        rows = rows.filter(read_at__isnull=not read)
    if kind:
        rows = rows.filter(kind=kind)
    return rows.select_related("actor").order_by("-created_at", "-id")


def unread_count(user: User) -> int:
    """The bell's number: one index-only count (the partial index of unread notifications)."""
    return Notification.objects.filter(recipient=user.pk, read_at__isnull=True).count()


def notification_get_for_user(user: User, pk: int) -> Notification:
    return notifications_for_user(user).get(pk=pk)


def kinds_received(user: User) -> list[str]:
    """The kinds among the user's notifications (the page's filter)."""
    return sorted(set(Notification.objects.filter(recipient=user.pk).values_list("kind", flat=True).distinct()))


def kind_label(key: str) -> StrOrPromise:
    spec = registry.KINDS.get(key)
    return spec.label if spec is not None else key


@dataclass(frozen=True)
class PreferenceCell:
    channel: str
    enabled: bool
    fixed: bool  # in-app: always on
    available: bool  # the channel can reach the user (an e-mail address, a WeCom account)


@dataclass(frozen=True)
class PreferenceRow:
    kind: registry.NotificationKind
    cells: list[PreferenceCell]


def preference_grid(user: User) -> tuple[list[registry.Channel], list[PreferenceRow]]:
    """(channels, one row per kind): what the user receives where, their choices over the kinds'
    defaults. One query."""
    channels = registry.channels()
    choices = {(kind, channel): enabled for kind, channel, enabled in
               NotificationPreference.objects.filter(user=user.pk).values_list("kind", "channel", "enabled")}
    available = {channel.name: channel.always_on or channel.available_for(user) for channel in channels}
    rows = []
    for spec in registry.kinds():
        cells = [PreferenceCell(channel.name, True, True, True) if channel.always_on else
                 PreferenceCell(channel.name, choices.get((spec.key, channel.name),
                                                          channel.name in spec.default_channels),
                                False, available[channel.name])
                 for channel in channels]
        rows.append(PreferenceRow(spec, cells))
    return channels, rows


def deliveries_for_user(user: User, *, status: str = "", channel: str = "",
                        kind: str = "") -> QuerySet[NotificationDelivery]:
    """The deliveries of the user's company (for those who may see them), newest first."""
    rows = NotificationDelivery.objects.restrict(user).select_related(
        "notification__recipient", "broadcast__department")
    if status:
        rows = rows.filter(status=status)
    if channel:
        rows = rows.filter(channel=channel)
    if kind:
        rows = rows.filter(Q(notification__kind=kind) | Q(broadcast__kind=kind))
    return rows.order_by("-created_at", "-id")


# Announcements -----------------------------------------------------------------------------------


def live(now: Any = None) -> Q:
    """Announcements shown now: published, not expired, not withdrawn."""
    moment = now or timezone.now()
    return (Q(publish_at__lte=moment, withdrawn_at__isnull=True)
            & (Q(expires_at__isnull=True) | Q(expires_at__gt=moment)))


def audience_of(user: Any) -> Q:
    """Announcements whose audience includes ``user``: everyone, their department, or one of their roles."""
    reaches = Q(audience=Audience.ALL)
    if user.department_id:
        reaches |= Q(Exists(Announcement.departments.through.objects.filter(
            announcement_id=OuterRef("pk"), department_id=user.department_id)), audience=Audience.DEPARTMENTS)
    reaches |= Q(Exists(Announcement.roles.through.objects.filter(
        announcement_id=OuterRef("pk"), group_id__in=user.groups.values("pk"))), audience=Audience.ROLES)
    return reaches


def may_manage_announcements(user: Any) -> bool:
    return bool(user.has_perm("office.change_announcement"))


def announcements_for_user(user: User, *, state: str = "", search: str = "") -> QuerySet[Announcement]:
    """The announcements the user sees, newest first, each with ``read_at`` (when the user opened it,
    or None). Managers (``office.change_announcement``) see every one of the company's, and filter by
    ``state``: "published", "scheduled", "expired", "withdrawn"."""
    rows = Announcement.objects.restrict(user).select_related("author")
    now = timezone.now()
    if state == "published":
        rows = rows.filter(live(now))
    elif state == "scheduled":
        rows = rows.filter(publish_at__gt=now, withdrawn_at__isnull=True)
    elif state == "expired":
        rows = rows.filter(expires_at__lte=now, withdrawn_at__isnull=True)
    elif state == "withdrawn":
        rows = rows.filter(withdrawn_at__isnull=False)
    if search:
        rows = rows.filter(Q(title__icontains=search) | Q(body__icontains=search))
    read_at = AnnouncementRead.objects.filter(announcement=OuterRef("pk"), user=user.pk).values("read_at")[:1]
    return rows.annotate(read_at=Subquery(read_at)).order_by("-publish_at", "-id")


def unread_announcements(user: User) -> QuerySet[Announcement]:
    """The live announcements for the user that they have not opened (the home page), newest first."""
    opened = AnnouncementRead.objects.filter(announcement=OuterRef("pk"), user=user.pk)
    return (Announcement.objects.restrict(user).filter(live(), audience_of(user)).filter(~Exists(opened))
            .select_related("author").order_by("-publish_at", "-id"))


def announcement_get_for_user(user: User, pk: int) -> Announcement:
    return announcements_for_user(user).prefetch_related("departments", "roles").get(pk=pk)


def announcement_audience(announcement: Announcement) -> QuerySet[User]:
    """The company's active users the announcement is for."""
    users = User.objects.filter(company=announcement.company_id, is_active=True)
    if announcement.audience == Audience.DEPARTMENTS:
        return users.filter(department__in=announcement.departments.values("pk"))
    if announcement.audience == Audience.ROLES:
        return users.filter(Exists(User.groups.through.objects.filter(
            user_id=OuterRef("pk"), group_id__in=announcement.roles.values("pk"))))
    return users


def announcement_receipts(announcement: Announcement, *, read: bool | None = None) -> QuerySet[User]:
    """The audience with ``read_at`` (when each opened it, or None); ``read`` picks readers or not."""
    read_at = AnnouncementRead.objects.filter(announcement=announcement, user=OuterRef("pk")).values("read_at")[:1]
    users = announcement_audience(announcement).select_related("department").annotate(read_at=Subquery(read_at))
    if read is not None:
        users = users.filter(read_at__isnull=not read)
    return users.order_by("username")


def announcement_read_counts(announcement: Announcement) -> dict[str, int]:
    """{"audience": how many it is for, "read": how many of them opened it, "unread": the rest}."""
    audience = announcement_audience(announcement)
    total = audience.count()
    read = AnnouncementRead.objects.filter(announcement=announcement, user__in=audience.values("pk")).count()
    return {"audience": total, "read": read, "unread": total - read}
