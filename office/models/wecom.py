"""Office: WeChat Work (企業微信) tables.

``WeComIdentity`` maps a local user to their WeCom user id (``UserId`` in the corp's address book):
sign-in by OAuth or QR finds the local user through it, app messages and approval cards are addressed
through it, and a card's button click is applied as the mapped user. An id maps to at most one user
per company, and a user has at most one id.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _

from erp.models import CompanyOwned

__all__ = ["WECOM_USERID_PATTERN", "WeComIdentity"]

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
