"""Writes of WeChat Work (企業微信): a company's app settings, its group robots, and the robots' message
queue with its pacing.

A group robot takes at most 20 messages a minute (WeCom's limit, developer.work.weixin.qq.com path/91770),
so every post goes through its queue: ``robot_enqueue`` stores the message (its content cut to WeCom's
byte limits: 2,048 for text, 4,096 for markdown, never inside a UTF-8 character) and asks a worker to
drain the robot (``office.tasks.drain_robot``, after commit); ``robot_queue_drain`` posts the due
messages in order, one transaction each under the robot's row lock (one drainer per robot: another
one skips it), counting its posts of the last minute (``WeComRobot.recent_posts``, a sliding window)
and stopping when the window is full. WeCom's answers:

- 0: sent.
- 93000 (invalid webhook url): the key is wrong or the robot was removed from its group; the robot is
  disabled with the reason and its waiting messages fail.
- 45009 (too many): the robot pauses (a minute, doubling up to ten) and the message waits.
- WeCom unreachable, -1 (busy) or 45033 (too many at once): the message is tried again later (30 s,
  doubling up to ten minutes, ``ROBOT_MAX_ATTEMPTS`` times) and the robot waits with it, so the order
  holds.
- Anything else (a malformed message): that message fails; the next one goes.

Nothing lives only in Redis or in a worker: the beat task ``office.tasks.resume_robot_queues`` finds
every robot with a due message and drains it, so a lost task or worker loses nothing (a worker lost
between WeCom's "ok" and the commit sends that message twice: at least once, never lost).
"""

from __future__ import annotations

import datetime
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final, Literal

from django.conf import settings as django_settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from erp import messages
from erp.db import atomic_with_retry
from erp.errors import DomainError
from erp.models import Company, User
from office.models import WeComIdentity, WeComRobot, WeComRobotMessage, WeComSettings
from office.status import RobotMessageStatus, RobotMsgType
from office.wecom import client, errors
from office.wecom.clock import SYSTEM_CLOCK, Clock
from office.wecom.errors import WeComError
from office.wecom.limits import MARKDOWN_BYTES, TEXT_BYTES, cut_to_bytes

log = logging.getLogger(__name__)

ROBOT_PER_MINUTE: Final = 20
ROBOT_MAX_ATTEMPTS: Final = 50  # tries while WeCom is unreachable (10 minutes apart at most: about 8 hours)
RETRY_FIRST: Final = datetime.timedelta(seconds=30)
FREQUENCY_FIRST: Final = datetime.timedelta(minutes=1)  # WeCom blocks a per-minute excess for 60 s
BACKOFF_MAX: Final = datetime.timedelta(minutes=10)
MINUTE: Final = datetime.timedelta(minutes=1)
NEWS_ARTICLES: Final = 8
NEWS_TITLE_BYTES: Final = 128
NEWS_DESCRIPTION_BYTES: Final = 512
SECRET_FIELDS: Final = ("app_secret", "callback_token", "encoding_aes_key")


# Settings ----------------------------------------------------------------------------------------

@atomic_with_retry
def wecom_settings_save(*, company: Company, actor: User | None, **fields: Any) -> WeComSettings:
    """Create or change the company's WeCom settings. A secret given blank keeps the stored one (the
    screens never show it back); a changed app secret or app drops the cached access token."""
    current = WeComSettings.objects.select_for_update().filter(company=company).first()
    wecom = current or WeComSettings(company=company)
    before = (wecom.corp_id, wecom.agent_id, wecom.app_secret)
    for name, value in fields.items():
        if name in SECRET_FIELDS and not value:
            continue
        setattr(wecom, name, value)
    wecom.full_clean()
    wecom.save()
    if current is not None and before != (wecom.corp_id, wecom.agent_id, wecom.app_secret):
        client.forget_access_token(corp_id=before[0], agent_id=before[1])
    return wecom


# Robots ------------------------------------------------------------------------------------------

def webhook_key_of(value: str) -> str:
    """The key of a webhook address pasted whole (https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=…),
    or the key as typed."""
    from urllib.parse import parse_qs, urlsplit

    value = value.strip()
    if "key=" in value:
        keys = parse_qs(urlsplit(value).query).get("key")
        if keys:
            return keys[0].strip()
    return value


@atomic_with_retry
def robot_save(*, company: Company, actor: User | None, robot: WeComRobot | None = None,
               **fields: Any) -> WeComRobot:
    """Create or change a group robot (name, department, webhook key; a blank key keeps the stored one)."""
    robot = robot or WeComRobot(company=company)
    if robot.pk is not None and robot.company_id != company.pk:
        raise DomainError(_("This robot belongs to another company."))
    for name, value in fields.items():
        if name == "webhook_key":
            if not value:
                continue
            value = webhook_key_of(value)
        setattr(robot, name, value)
    if robot.department_id is not None and robot.department is not None and robot.department.company_id != company.pk:
        raise ValidationError({"department": _("Choose a department of your company.")})
    robot.full_clean()
    robot.save()
    return robot


@atomic_with_retry
def robot_disable(*, robot: WeComRobot, actor: User | None,
                  reason: messages.Message | None = None) -> WeComRobot:
    """Stop a robot: its queue keeps what waits (sent when it is enabled again)."""
    robot = WeComRobot.objects.select_for_update().get(pk=robot.pk)
    if not robot.is_active:
        return robot
    robot.is_active = False
    robot.disabled_at = SYSTEM_CLOCK.now()
    robot.disabled_reason = reason or messages.message(gettext_noop("Disabled by %(user)s."),
                                                       user=actor.get_username() if actor else "-")
    robot.save()
    return robot


@atomic_with_retry
def robot_enable(*, robot: WeComRobot, actor: User | None) -> WeComRobot:
    """Start a disabled robot again (after its key was corrected): what still waits in its queue goes."""
    robot = WeComRobot.objects.select_for_update().get(pk=robot.pk)
    robot.is_active = True
    robot.disabled_at = None
    robot.disabled_reason = None
    robot.backoff_until = None
    robot.backoff_count = 0
    robot.save()
    transaction.on_commit(lambda: enqueue_robot_drain(robot.pk))
    return robot


RobotContent = str | Sequence[Mapping[str, Any]]


def robot_payload(msgtype: str, content: RobotContent) -> dict[str, Any]:
    """The part of webhook/send's body a message type names, within WeCom's limits: text 2,048 bytes,
    markdown 4,096 (cut at a whole character, with "…"), news 1 to 8 articles (title 128 bytes,
    description 512, url required, picurl optional)."""
    if msgtype in (RobotMsgType.TEXT, RobotMsgType.MARKDOWN):
        if not isinstance(content, str) or not content.strip():
            raise DomainError(_("A text or markdown message needs some text."))
        limit = TEXT_BYTES if msgtype == RobotMsgType.TEXT else MARKDOWN_BYTES
        return {"content": cut_to_bytes(content, limit)}
    if msgtype == RobotMsgType.NEWS:
        if isinstance(content, str) or not content or len(content) > NEWS_ARTICLES:
            raise DomainError(_("A news message has one to eight articles."))
        articles = []
        for article in content:
            if not article.get("title") or not article.get("url"):
                raise DomainError(_("Every article of a news message needs a title and a link."))
            item = {"title": cut_to_bytes(str(article["title"]), NEWS_TITLE_BYTES), "url": str(article["url"])}
            if article.get("description"):
                item["description"] = cut_to_bytes(str(article["description"]), NEWS_DESCRIPTION_BYTES)
            if article.get("picurl"):
                item["picurl"] = str(article["picurl"])
            articles.append(item)
        return {"articles": articles}
    raise DomainError(_("A robot posts text, markdown or news."))


@atomic_with_retry
def robot_enqueue(*, robot: WeComRobot, msgtype: str, content: RobotContent,
                  clock: Clock = SYSTEM_CLOCK) -> WeComRobotMessage:
    """Queue a message for a group robot (text or markdown: a string; news: a list of articles) and
    have it drained after commit. A disabled robot's message is kept as failed (the queue page shows
    it)."""
    payload = robot_payload(msgtype, content)
    now = clock.now()
    message = WeComRobotMessage(company_id=robot.company_id, robot=robot, msgtype=msgtype, payload=payload,
                                created_at=now, next_attempt_at=now)
    if not robot.is_active:
        message.status = RobotMessageStatus.FAILED
        message.errmsg = "the robot is disabled"
    message.save()
    if robot.is_active:
        transaction.on_commit(lambda: enqueue_robot_drain(robot.pk))
    return message


def enqueue_robot_drain(robot_id: int, *, eta: datetime.datetime | None = None) -> bool:
    """Ask a worker to drain a robot's queue (now or at ``eta``); with the broker down the beat task does
    it later."""
    from office.tasks import drain_robot  # office.tasks imports this module

    try:
        drain_robot.apply_async((robot_id,), eta=eta)
        return True
    except Exception as exc:  # kombu raises several connection error types
        log.warning("robot %s not drained now (%s); the beat task will", robot_id, exc)
        return False


def _doubling(first: datetime.timedelta, times: int) -> datetime.timedelta:
    factor: int = 2 ** max(times - 1, 0)  # int ** int is untyped
    return min(BACKOFF_MAX, first * factor)


def api_base_of(company_id: int) -> str:
    """The WeCom API a company's robots post to: its settings' address (the fake's in tests), or WeCom's."""
    base = WeComSettings.objects.filter(company_id=company_id).values_list("api_base", flat=True).first()
    return str(base or django_settings.WECOM_API_BASE)


Step = Literal["sent", "failed", "retry", "wait", "idle", "busy"]


@dataclass
class DrainOutcome:
    """What a drain did: messages sent and failed, and why it stopped: "idle" (nothing due), "wait"
    (the window is full, the robot paused or the next message not due: drain again at ``wait_until``),
    "busy" (another drainer holds the robot)."""

    sent: int = 0
    failed: int = 0
    stopped: Step = "idle"
    wait_until: datetime.datetime | None = None


def robot_queue_drain(*, robot_id: int, clock: Clock = SYSTEM_CLOCK, max_messages: int | None = None) -> DrainOutcome:
    """Post a robot's due messages in order while its minute's window has room; see the module's text."""
    outcome = DrainOutcome()
    while max_messages is None or outcome.sent + outcome.failed < max_messages:
        step, wait_until = _drain_one(robot_id, clock)
        if step == "sent":
            outcome.sent += 1
        elif step == "failed":
            outcome.failed += 1
        elif step != "retry":
            outcome.stopped, outcome.wait_until = step, wait_until
            return outcome
    outcome.stopped = "wait"
    outcome.wait_until = clock.now()
    return outcome


def _drain_one(robot_id: int, clock: Clock) -> tuple[Step, datetime.datetime | None]:
    with transaction.atomic():
        robot = WeComRobot.objects.select_for_update(skip_locked=True).filter(pk=robot_id).first()
        if robot is None:
            return "busy", None
        if not robot.is_active:
            return "idle", None
        now = clock.now()
        if robot.backoff_until is not None and robot.backoff_until > now:
            return "wait", robot.backoff_until
        message = (WeComRobotMessage.objects.select_for_update().filter(robot=robot, status=RobotMessageStatus.PENDING)
                   .order_by("pk").first())
        if message is None:
            return "idle", None
        if message.next_attempt_at > now:  # the head of the queue waits, and the rest behind it
            return "wait", message.next_attempt_at
        window = sorted(t for t in robot.recent_posts if t > now - MINUTE)
        if len(window) >= ROBOT_PER_MINUTE:
            robot.recent_posts = window
            robot.save(update_fields=["recent_posts"])
            return "wait", window[len(window) - ROBOT_PER_MINUTE] + MINUTE
        if not robot.webhook_key:  # a key no FIELD_ENCRYPTION_KEY opens: keep the queue until it is fixed
            log.error("robot %s: its webhook key cannot be read (FIELD_ENCRYPTION_KEY changed?)", robot.pk)
            return "idle", None
        robot.recent_posts = [*window, now]
        message.attempts += 1
        try:
            answer = client.robot_post(api_base_of(robot.company_id), robot.webhook_key, message.msgtype,
                                       message.payload)
            errcode, errmsg = answer.errcode, answer.errmsg
        except WeComError as error:
            errcode, errmsg = error.errcode, error.errmsg
        message.errcode, message.errmsg = errcode, errmsg[:500]
        step = _record(robot, message, errcode, errmsg, now)
        robot.save(update_fields=["recent_posts", "backoff_until", "backoff_count", "is_active", "disabled_at",
                                  "disabled_reason"])
        message.save()
        return step, None


def _record(robot: WeComRobot, message: WeComRobotMessage, errcode: int, errmsg: str,
            now: datetime.datetime) -> Step:
    """Apply WeCom's answer to the message and the robot (saved by the caller)."""
    if errcode == errors.OK:
        message.status, message.sent_at = RobotMessageStatus.SENT, now
        robot.backoff_until, robot.backoff_count = None, 0
        return "sent"
    if errcode == errors.INVALID_WEBHOOK:
        robot.is_active, robot.disabled_at = False, now
        robot.disabled_reason = messages.message(
            gettext_noop("WeCom refused the webhook key (%(errcode)s: %(errmsg)s)."), errcode=errcode,
            errmsg=errmsg[:200])
        message.status = RobotMessageStatus.FAILED
        WeComRobotMessage.objects.filter(robot=robot, status=RobotMessageStatus.PENDING).exclude(pk=message.pk).update(
            status=RobotMessageStatus.FAILED, errcode=errcode, errmsg=errmsg[:500])
        log.warning("robot %s disabled: WeCom refused its key (%s)", robot.pk, errmsg)
        return "failed"
    if errcode == errors.FREQUENCY:
        robot.backoff_count += 1
        robot.backoff_until = message.next_attempt_at = now + _doubling(FREQUENCY_FIRST, robot.backoff_count)
        return "retry"
    if errcode in errors.RETRYABLE:  # unreachable, busy, too many at once
        if message.attempts >= ROBOT_MAX_ATTEMPTS:
            message.status = RobotMessageStatus.FAILED
            return "failed"
        robot.backoff_until = message.next_attempt_at = now + _doubling(RETRY_FIRST, message.attempts)
        return "retry"
    message.status = RobotMessageStatus.FAILED  # WeCom refused this message itself
    return "failed"


@dataclass
class RobotTestResult:
    """A test post's outcome: WeCom's answer when it went now, or how many messages it waits behind."""

    message: WeComRobotMessage
    waiting_before: int

    @property
    def explain(self) -> str:
        if self.message.status == RobotMessageStatus.PENDING:
            return _("The test message waits in the queue behind %(count)s other messages.") % {
                "count": self.waiting_before}
        return errors.explain(self.message.errcode or 0, self.message.errmsg)


def robot_test_post(*, robot: WeComRobot, actor: User | None, clock: Clock = SYSTEM_CLOCK) -> RobotTestResult:
    """Post a test message through the robot's queue: drained at once when nothing waits before it, so
    WeCom's answer can be shown."""
    if not robot.is_active:
        raise DomainError(_("Enable the robot before testing it."))
    waiting = WeComRobotMessage.objects.filter(robot=robot, status=RobotMessageStatus.PENDING).count()
    text = _("Test message from the ERP, sent by %(user)s.") % {"user": actor.get_username() if actor else "-"}
    message = robot_enqueue(robot=robot, msgtype=RobotMsgType.TEXT, content=text, clock=clock)
    if waiting == 0:
        robot_queue_drain(robot_id=robot.pk, clock=clock, max_messages=1)
        message.refresh_from_db()
    return RobotTestResult(message=message, waiting_before=waiting)


# App messages ------------------------------------------------------------------------------------

def wecom_test_app_message(*, company: Company, actor: User, clock: Clock = SYSTEM_CLOCK) -> client.AppMessageResult:
    """Send the signed-in user an app message through the company's WeCom app (the settings page's test
    button). Refused when WeCom is not set up or the user has no WeCom user ID."""
    wecom = WeComSettings.objects.filter(company=company).first()
    if wecom is None or not wecom.is_ready:
        raise DomainError(_("WeCom is not set up and enabled for this company."))
    identity = WeComIdentity.objects.filter(company=company, user=actor).first()
    if identity is None:
        raise DomainError(_("Your account has no WeCom user ID yet: ask an administrator to map it."))
    text = _("Test message from the ERP for %(user)s.") % {"user": actor.get_full_name() or actor.get_username()}
    try:
        return client.send_app_message(wecom, userids=[identity.wecom_userid], msgtype="text", content=text,
                                       clock=clock)
    except WeComError as error:
        return client.AppMessageResult(errcode=error.errcode, errmsg=error.errmsg)
