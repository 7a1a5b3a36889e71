"""Office: WeChat Work (企業微信) tables: the identity map, a company's app settings, its group
robots and their message queue, and the client's shared state (access tokens, sends per user).

``WeComIdentity`` maps a local user to their WeCom user id (``UserId`` in the corp's address book):
sign-in by OAuth or QR finds the local user through it, app messages and approval cards are addressed
through it, and a card's button click is applied as the mapped user. An id maps to at most one user
per company, and a user has at most one id.
"""

from __future__ import annotations

import re

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from erp import messages
from erp.crypto import EncryptedTextField
from erp.models import CompanyOwned, Restricted
from office.status import RobotMessageStatus, RobotMsgType
from office.wecom import errors as wecom_errors
from office.wecom.crypto import WeComCryptoError, aes_key

__all__ = ["WECOM_USERID_PATTERN", "RobotMessageStatus", "RobotMsgType", "WeComAccessToken", "WeComIdentity",
           "WeComRobot", "WeComRobotMessage", "WeComSettings", "WeComUserSends"]

# WeCom's UserId: 1-64 characters of letters, digits, "_", "-", "@" and "."; WeCom compares them
# without regard to case, so the table does too (the unique constraint and the sign-in's lookup).
WECOM_USERID_PATTERN = r"^[A-Za-z0-9_\-@.]{1,64}\Z"


class WeComIdentity(CompanyOwned):
    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="wecom_identity",
                                verbose_name=_("user"))
    wecom_userid = models.CharField(
        _("WeCom user ID"), max_length=64,
        validators=[RegexValidator(WECOM_USERID_PATTERN, _("Use 1 to 64 letters, digits and _ - @ . only."))],
        help_text=_("The member's account (UserID) in the WeCom address book."))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("WeCom identity")
        verbose_name_plural = _("WeCom identities")
        ordering = ["wecom_userid"]
        constraints = [
            # Case-insensitive, as WeCom compares user ids: "ZhangSan" and "zhangsan" are one member.
            models.UniqueConstraint("company", Lower("wecom_userid"), name="wecom_identity_unique_userid",
                                    violation_error_message=_("This WeCom user ID is already mapped to another user.")),
        ]

    def __str__(self) -> str:
        return f"{self.wecom_userid} → {self.user}"


def default_api_base() -> str:
    return str(settings.WECOM_API_BASE)


def validate_encoding_aes_key(value: str) -> None:
    """WeCom's EncodingAESKey: 43 characters of Base64 without the "=" (32 bytes once "=" is added)."""
    if len(value) != 43 or not re.fullmatch(r"[A-Za-z0-9+/]{43}", value):
        raise ValidationError(_("The EncodingAESKey has exactly 43 characters: letters, digits, + and /, without "
                                "“=”. Copy it from the app's “Receive messages” settings in WeCom's admin console."),
                              code="encoding_aes_key")
    try:
        aes_key(value)
    except WeComCryptoError:
        raise ValidationError(_("This EncodingAESKey is not a valid key: generate a new one in WeCom's admin console."),
                              code="encoding_aes_key") from None


class WeComSettings(CompanyOwned):
    """A company's WeCom app (企業微信 自建應用): where app messages, approval cards and sign-in go.

    The app secret, the callback token and the EncodingAESKey are stored encrypted (erp.crypto) and
    never shown back in full. ``api_base`` is WeCom's API (settings.WECOM_API_BASE) or, for tests and
    `make run` with WECOM_FAKE=1, the fake server's address (office.wecom.fake)."""

    corp_id = models.CharField(
        _("corp ID"), max_length=64, blank=True,
        validators=[RegexValidator(r"^[A-Za-z0-9_-]+$",
                                   _("A corp ID has letters and digits only, like ww0123456789abcdef."))],
        help_text=_("My Company → Company Information → Corp ID in WeCom's admin console."))
    agent_id = models.PositiveIntegerField(_("agent ID"), null=True, blank=True,
                                           help_text=_("The AgentId of the app built for the ERP."))
    app_secret = EncryptedTextField(_("app secret"), blank=True)
    callback_token = EncryptedTextField(
        _("callback token"), blank=True,
        validators=[RegexValidator(r"^[A-Za-z0-9]{1,32}$", _("The token has 1 to 32 letters and digits."))],
        help_text=_("The Token of the app's “Receive messages” (API) settings."))
    encoding_aes_key = EncryptedTextField(_("EncodingAESKey"), blank=True, validators=[validate_encoding_aes_key])
    enabled = models.BooleanField(_("enabled"), default=False,
                                  help_text=_("Send app messages and approval cards and accept WeCom sign-in."))
    api_base = models.URLField(_("API address"), max_length=200, default=default_api_base,
                               help_text=_("WeCom's API; only a test server changes it."))
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("WeCom settings")
        verbose_name_plural = _("WeCom settings")
        constraints = [
            models.UniqueConstraint(fields=["company"], name="wecom_settings_one_per_company"),
            # enabled only with what every call needs (the secret: encrypted, but empty when not set)
            models.CheckConstraint(
                condition=Q(enabled=False) | (~Q(corp_id="") & Q(agent_id__isnull=False) & ~Q(app_secret="")),
                name="wecom_settings_enabled_complete"),
        ]

    def __str__(self) -> str:
        return f"WeCom {self.corp_id or '-'}/{self.agent_id or '-'}"

    def clean(self) -> None:
        if self.enabled:
            missing = {name: _("Needed to enable WeCom.") for name in ("corp_id", "agent_id", "app_secret")
                       if not getattr(self, name)}
            if missing:
                raise ValidationError(missing)

    @property
    def is_ready(self) -> bool:
        """Enabled with everything a call needs (a secret no key decrypts counts as missing)."""
        return bool(self.enabled and self.corp_id and self.agent_id and self.app_secret)


WEBHOOK_KEY = re.compile(r"^[A-Za-z0-9-]{8,100}$")


class WeComRobot(CompanyOwned):
    """A group robot (群機器人) of a WeCom group chat, posted to through its webhook key; a department's
    robot posts what concerns the department (the day's late orders…).

    Its messages go out from a queue (``WeComRobotMessage``) at most 20 a minute (WeCom's limit per
    robot): ``recent_posts`` holds the times of its posts in the last minute (the sliding window),
    ``backoff_until`` the time before which it does not post (WeCom answered 45009 "too many", or was
    unreachable). WeCom refusing the key (93000) disables the robot with the reason."""

    department = models.ForeignKey("erp.Department", null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+", verbose_name=_("department"))
    name = models.CharField(_("name"), max_length=100, help_text=_("The group chat it posts to."))
    webhook_key = EncryptedTextField(
        _("webhook key"),
        validators=[RegexValidator(WEBHOOK_KEY, _("A webhook key looks like 693a91f6-7xxx-4bc4-97a0-0ec2sifa5aaa."))],
        help_text=_("The key=… part of the robot's webhook address (the whole address may be pasted)."))
    is_active = models.BooleanField(_("active"), default=True)
    disabled_reason = models.JSONField(_("reason disabled"), null=True, blank=True)  # erp.messages message
    disabled_at = models.DateTimeField(_("disabled at"), null=True, blank=True)
    backoff_until = models.DateTimeField(_("paused until"), null=True, blank=True)
    backoff_count = models.PositiveSmallIntegerField(default=0)  # consecutive back-offs: the next is longer
    recent_posts = ArrayField(models.DateTimeField(), default=list, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("WeCom group robot")
        verbose_name_plural = _("WeCom group robots")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["company", "name"], name="wecom_robot_unique_name"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def display_disabled_reason(self) -> str:
        return messages.render(self.disabled_reason)


class WeComRobotMessage(CompanyOwned):
    """A message in a robot's queue: ``payload`` is the body's part named by ``msgtype``
    ({"content": …} for text and markdown, already cut to WeCom's byte limits; {"articles": […]} for
    news). Sent in order of ``pk`` when due (``next_attempt_at``); ``errcode``/``errmsg`` WeCom's last
    answer."""

    robot = models.ForeignKey(WeComRobot, on_delete=models.CASCADE, related_name="messages",
                              verbose_name=_("robot"))
    msgtype = models.CharField(_("type"), max_length=10, choices=RobotMsgType.choices)
    payload = models.JSONField(_("content"))
    status = models.CharField(_("status"), max_length=10, choices=RobotMessageStatus.choices,
                              default=RobotMessageStatus.PENDING)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), default=timezone.now)
    errcode = models.IntegerField(_("error code"), null=True, blank=True)
    errmsg = models.CharField(_("error"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    class Meta:
        verbose_name = _("WeCom robot message")
        verbose_name_plural = _("WeCom robot messages")
        ordering = ["-pk"]
        indexes = [
            models.Index(fields=["robot", "status", "next_attempt_at"], name="wecom_robot_msg_due"),
            models.Index(fields=["status", "next_attempt_at"], name="wecom_robot_msg_pending",
                         condition=Q(status="pending")),
        ]

    def __str__(self) -> str:
        return f"{self.robot_id}: {self.msgtype} #{self.pk}"

    @property
    def explanation(self) -> str:
        """WeCom's last answer in words (the queue page)."""
        return "" if self.errcode is None else wecom_errors.explain(self.errcode, self.errmsg)


class WeComAccessToken(Restricted):
    """The access token of one WeCom app (corp ID + agent ID), shared by every process: fetched by
    one refresher at a time under this row's lock, used until shortly before ``expires_at``
    (office.wecom.client). Encrypted at rest like the secrets: it is a credential for two hours. No
    screen reads it (office.scoping: nobody's through ``restrict``; superusers in the admin)."""

    corp_id = models.CharField(max_length=64)
    agent_id = models.PositiveIntegerField()
    token = EncryptedTextField(blank=True)
    expires_at = models.DateTimeField(null=True)
    fetched_at = models.DateTimeField(null=True)

    class Meta:
        verbose_name = _("WeCom access token")
        constraints = [models.UniqueConstraint(fields=["corp_id", "agent_id"], name="wecom_token_per_app")]

    def __str__(self) -> str:
        return f"{self.corp_id}/{self.agent_id}"


class WeComUserSends(Restricted):
    """When one app sent app messages to one WeCom user in the last hour (WeCom's limits per app and
    member: 30 a minute, 1,000 an hour; beyond them WeCom drops messages). The row is locked while a
    send takes its slot, so two workers never overshoot together. The client's working state: nobody's
    through ``restrict`` (office.scoping), superusers' in the admin."""

    corp_id = models.CharField(max_length=64)
    agent_id = models.PositiveIntegerField()
    wecom_userid = models.CharField(max_length=64)
    sent_at = ArrayField(models.DateTimeField(), default=list)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("WeCom sends to a user")
        constraints = [models.UniqueConstraint(fields=["corp_id", "agent_id", "wecom_userid"],
                                               name="wecom_user_sends_unique")]

    def __str__(self) -> str:
        return f"{self.corp_id}/{self.agent_id} → {self.wecom_userid}"
