"""Which tasks a user may see (registered in OfficeConfig.ready; see erp.scoping): those addressed to
them, to one of their roles or to their department, and those they created."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from erp.scoping import register_scope


def addressed_to(user: Any) -> Q:
    """Tasks assigned to ``user``, one of the user's roles or the user's department."""
    addressed = Q(assignee_user=user.pk) | Q(assignee_role__in=user.groups.all())
    if user.department_id:
        addressed |= Q(assignee_department_id=user.department_id)
    return addressed


def tasks_of_user(queryset: QuerySet[Any], user: Any, action: str) -> QuerySet[Any]:
    return queryset.filter(addressed_to(user) | Q(created_by=user.pk))


def register() -> None:
    register_scope("office.task", tasks_of_user)
