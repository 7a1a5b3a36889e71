"""WeChat Work as channels of the notification service (office.notification_channels):

- "wecom" reaches a person by app message (message/send) through their WeCom user id: a text in their
  language with the link, or, for an approval waiting for them, the approval card with its approve /
  reject buttons (office.services.wecom_cards). WeCom's answers become the delivery's status: members
  over WeCom's per-member limits wait (retry at the time the limit frees), WeCom down or busy retries
  with the service's backoff, an unknown member fails with WeCom's reason on the delivery record.
- "wecom_robot" reaches a department's group chat through its group robot (office.services.wecom's
  paced queue: 20 posts a minute per robot, 93000 disables the robot, 45009 backs off).

Registered in OfficeConfig.ready()."""

from __future__ import annotations

from collections.abc import Sequence

from django.contrib.contenttypes.models import ContentType
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from erp.models import Company, Department, User
from office.models import ApprovalRequest, NotificationDelivery, WeComIdentity, WeComRobot, WeComSettings
from office.notification_channels import FAILED, RETRY, SENT, SKIPPED, ChannelResult
from office.services import wecom_cards
from office.services.notifications import delivery_link, delivery_text
from office.services.wecom import robot_enqueue
from office.status import RobotMsgType
from office.wecom import client, errors
from office.wecom.clock import SYSTEM_CLOCK, Clock
from office.wecom.errors import WeComError

APPROVAL_WAITING = "office.approval_waiting"


def reachable_on_wecom(user: User) -> bool:
    return WeComIdentity.objects.filter(user=user.pk).exists()


def users_on_wecom(user_ids: Sequence[int]) -> set[int]:
    """The ids among ``user_ids`` with a WeCom user id (one query)."""
    return set(WeComIdentity.objects.filter(user_id__in=list(user_ids)).values_list("user_id", flat=True))


def approval_request_of(delivery: NotificationDelivery) -> ApprovalRequest | None:
    notification = delivery.notification
    if notification is None or notification.kind != APPROVAL_WAITING or notification.document_id is None:
        return None
    if notification.document_type_id != ContentType.objects.get_for_model(ApprovalRequest).pk:
        return None
    return ApprovalRequest.objects.filter(pk=notification.document_id).select_related("company", "requester").first()


def send_wecom(delivery: NotificationDelivery, *, clock: Clock = SYSTEM_CLOCK) -> ChannelResult:
    """The "wecom" channel's ``send``: the approval card for an approval waiting, else a text."""
    notification = delivery.notification
    if notification is None:
        return ChannelResult(SKIPPED, gettext_noop("Not a message to a person."))
    user = notification.recipient
    request = approval_request_of(delivery)
    if request is not None:
        sent = wecom_cards.card_send(request=request, user=user, link=delivery_link(delivery), clock=clock)
        return ChannelResult(sent.status, sent.detail, sent.retry_after)
    identity = WeComIdentity.objects.filter(user=user.pk, company=notification.company_id).first()
    if identity is None:
        return ChannelResult(SKIPPED, gettext_noop("The user has no WeCom user ID."))
    wecom = WeComSettings.objects.filter(company=notification.company_id, enabled=True).first()
    if wecom is None:
        return ChannelResult(SKIPPED, gettext_noop("WeCom is not set up for the company."))
    link = delivery_link(delivery)
    text = delivery_text(delivery) + (f"\n{link}" if link else "")
    try:
        answer = client.send_app_message(wecom, userids=[identity.wecom_userid], msgtype="text", content=text,
                                         clock=clock)
    except WeComError as error:
        return ChannelResult(RETRY if error.retryable else FAILED, errors.explain(error.errcode, error.errmsg))
    if answer.deferred_users:
        wait = (answer.retry_at - clock.now()).total_seconds() if answer.retry_at else 60.0
        return ChannelResult(RETRY, answer.explain(), retry_after=max(wait, 1.0))
    if not answer.ok:
        return ChannelResult(RETRY if answer.retryable else FAILED, answer.explain())
    if answer.invalid_users:
        return ChannelResult(FAILED, _("WeCom does not know the member %(users)s.") % {
            "users": ", ".join(answer.invalid_users)})
    return ChannelResult(SENT, answer.msgid)


def department_robot(company: Company, department: Department | None) -> WeComRobot | None:
    return (WeComRobot.objects.filter(company=company, department=department, is_active=True)
            .order_by("pk").first())


def has_robot(company: Company, department: Department | None) -> bool:
    return department_robot(company, department) is not None


def send_robot(delivery: NotificationDelivery) -> ChannelResult:
    """The "wecom_robot" group channel's ``send``: the message (markdown, with its link) joins the
    department robot's paced queue, which posts it."""
    broadcast = delivery.broadcast
    if broadcast is None:
        return ChannelResult(SKIPPED, gettext_noop("Not a message to a group."))
    robot = department_robot(broadcast.company, broadcast.department)
    if robot is None:
        return ChannelResult(SKIPPED, gettext_noop("The department has no active group robot."))
    link = delivery_link(delivery)
    text = delivery_text(delivery) + (f"\n[{link}]({link})" if link else "")
    message = robot_enqueue(robot=robot, msgtype=RobotMsgType.MARKDOWN, content=text)
    return ChannelResult(SENT, _("Queued on robot %(robot)s (#%(message)s).") % {"robot": robot.name,
                                                                                  "message": message.pk})
