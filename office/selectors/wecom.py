"""Reads of WeChat Work (企業微信): a company's app settings, its group robots and their queues, each
through ``restrict(user)`` (the user's company)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import Count, Max, Min, Q, QuerySet
from django.utils import timezone

from erp.models import Company, Department, User
from erp.scoping import VIEW
from office.models import WeComIdentity, WeComRobot, WeComRobotMessage, WeComSettings
from office.status import RobotMessageStatus


def wecom_settings_of(company: Company) -> WeComSettings | None:
    """A company's WeCom settings (enabled or not), for the services and tasks that send."""
    return WeComSettings.objects.filter(company=company).first()


def wecom_settings_for_user(user: User) -> WeComSettings | None:
    """The WeCom settings of the user's company, if it has any."""
    return WeComSettings.objects.restrict(user).first()


def wecom_userid_of(user: User) -> str | None:
    """The user's WeCom user ID (the identity map), if mapped."""
    return WeComIdentity.objects.filter(user=user).values_list("wecom_userid", flat=True).first()


def robots_for_user(user: User, *, department: Department | None = None, active: bool | None = None,
                    search: str = "") -> QuerySet[WeComRobot]:
    """The company's group robots, with their queue's counts (``waiting``, ``failed``, ``last_sent``)."""
    robots = WeComRobot.objects.restrict(user).select_related("department").annotate(
        waiting=Count("messages", filter=Q(messages__status=RobotMessageStatus.PENDING)),
        failed=Count("messages", filter=Q(messages__status=RobotMessageStatus.FAILED)),
        last_sent=Max("messages__sent_at"),
    )
    if department is not None:
        robots = robots.filter(department=department)
    if active is not None:
        robots = robots.filter(is_active=active)
    if search:
        robots = robots.filter(name__icontains=search)
    return robots.order_by("name", "pk")


def robot_get_for_user(user: User, pk: int, action: str = VIEW) -> WeComRobot:
    """A robot of the user's company (``WeComRobot.DoesNotExist`` otherwise)."""
    return WeComRobot.objects.restrict(user, action).select_related("department").get(pk=pk)


def robot_for_department(company: Company, department: Department | None) -> WeComRobot | None:
    """The active robot that posts for a department (the company's robot without a department when the
    department has none), for a department's or the lead's daily posts."""
    robots = WeComRobot.objects.filter(company=company, is_active=True)
    if department is not None:
        own = robots.filter(department=department).order_by("pk").first()
        if own is not None:
            return own
    return robots.filter(department__isnull=True).order_by("pk").first()


@dataclass
class QueueStatus:
    waiting: int
    sent_last_day: int
    failed: int
    oldest_waiting: datetime.datetime | None
    next_attempt: datetime.datetime | None


def robot_queue_status(robot: WeComRobot) -> QueueStatus:
    """A robot's queue in numbers (one query)."""
    day_ago = timezone.now() - datetime.timedelta(days=1)
    pending = Q(status=RobotMessageStatus.PENDING)
    numbers = WeComRobotMessage.objects.filter(robot=robot).aggregate(
        waiting=Count("pk", filter=pending),
        sent_last_day=Count("pk", filter=Q(status=RobotMessageStatus.SENT, sent_at__gte=day_ago)),
        failed=Count("pk", filter=Q(status=RobotMessageStatus.FAILED)),
        oldest_waiting=Min("created_at", filter=pending),
        next_attempt=Min("next_attempt_at", filter=pending),
    )
    return QueueStatus(**numbers)


def robot_messages_for_user(user: User, robot: WeComRobot, *, status: str | None = None
                            ) -> QuerySet[WeComRobotMessage]:
    """A robot's messages, newest first (``status``: one of RobotMessageStatus)."""
    messages = WeComRobotMessage.objects.restrict(user).filter(robot=robot)
    if status:
        messages = messages.filter(status=status)
    return messages.order_by("-pk")


def robots_to_resume(now: datetime.datetime) -> list[int]:
    """Active robots with a message due and no pause running: what the beat task drains."""
    return list(WeComRobot.objects.filter(is_active=True).filter(
        Q(backoff_until__isnull=True) | Q(backoff_until__lte=now)).filter(
        messages__status=RobotMessageStatus.PENDING, messages__next_attempt_at__lte=now).values_list(
        "pk", flat=True).distinct().order_by("pk"))
