"""Which office rows a user may see (registered in OfficeConfig.ready; see erp.scoping): the tasks
addressed to them, to one of their roles or to their department, and those they created; their own
notifications and notification preferences; the announcements for them (every one of the company's
for those who manage announcements)."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from erp.scoping import VIEW, register_scope


def addressed_to(user: Any) -> Q:
    """Tasks assigned to ``user``, one of the user's roles or the user's department."""
    addressed = Q(assignee_user=user.pk) | Q(assignee_role__in=user.groups.all())
    if user.department_id:
        addressed |= Q(assignee_department_id=user.department_id)
    return addressed


def tasks_of_user(queryset: QuerySet[Any], user: Any, action: str) -> QuerySet[Any]:
    return queryset.filter(addressed_to(user) | Q(created_by=user.pk))


def own_rows(field: str) -> Any:
    """A rule: the rows whose ``field`` is the user (their notifications, their preferences)."""

    def rule(queryset: QuerySet[Any], user: Any, action: str) -> QuerySet[Any]:
        return queryset.filter(**{field: user.pk})

    rule.__name__ = rule.__qualname__ = f"own_rows_{field}"
    return rule


OWN_NOTIFICATIONS = own_rows("recipient")
OWN_PREFERENCES = own_rows("user")


def announcements_of_user(queryset: QuerySet[Any], user: Any, action: str) -> QuerySet[Any]:
    """Managers of announcements (office.change_announcement) see and change all of the company's;
    everyone else reads the live ones meant for them and changes none."""
    from office.selectors.notifications import audience_of, live

    if user.has_perm("office.change_announcement"):
        return queryset
    if action != VIEW:
        return queryset.none()
    return queryset.filter(live(), audience_of(user))


def register() -> None:
    register_scope("office.task", tasks_of_user)
    register_scope("office.notification", OWN_NOTIFICATIONS)
    register_scope("office.notificationpreference", OWN_PREFERENCES)
    register_scope("office.announcement", announcements_of_user)
