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
from office.models import ApprovalRequest, NotificationDelivery, WeComIdentity, WeComRobot
from office.notification_channels import SENT, SKIPPED, ChannelResult
from office.services import wecom_cards
from office.services.notifications import delivery_link, delivery_text
from office.services.wecom import robot_enqueue
from office.status import RobotMsgType
from office.wecom.clock import SYSTEM_CLOCK, Clock

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
    member = wecom_cards.wecom_member(company_id=notification.company_id, user=user)
    if isinstance(member, wecom_cards.SendOutcome):
        return ChannelResult(member.status, member.detail)
    wecom, userid = member
    link = delivery_link(delivery)
    text = delivery_text(delivery) + (f"\n{link}" if link else "")
    outcome, _answer = wecom_cards.send_to_member(wecom, userid=userid, msgtype="text", content=text, clock=clock)
    return ChannelResult(outcome.status, outcome.detail, outcome.retry_after)


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
