"""Token authentication: one hand-written statement per request, expiry, and the actor in the audit
trail. Tokens are kept hashed (erp.models.ApiToken); the key travels as ``Authorization: Token <key>``."""

from __future__ import annotations

from typing import Any

from auditlog.context import auditlog_value
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication
from rest_framework.request import Request

from erp.models import ApiToken
from erp.services import api_token_touch, token_digest, token_has_expired
from erp.sql import token_with_user


def read_token(key: str) -> tuple[ApiToken, int] | None:
    """(token with its user and the user's company loaded, permission version), or None: one
    hand-written statement per request (``erp.sql.token_with_user``)."""
    return token_with_user(token_digest(key))


class AuditedTokenAuthentication(TokenAuthentication):
    """Token auth that refuses ended tokens and names the user in the audit trail.

    AuditlogMiddleware reads ``request.user`` before DRF has authenticated a token, so a token
    request would otherwise be audited without its actor.
    """

    model = ApiToken

    def authenticate_credentials(self, key: str) -> tuple[Any, ApiToken]:
        # One query for the token, its user, the user's company (every API view scopes by it) and
        # the permission version, which spares reading the user's permissions again (erp.permissions).
        found = read_token(key)
        if found is None:
            raise exceptions.AuthenticationFailed(_("Invalid token."))
        token, version = found
        now = timezone.now()
        if token_has_expired(token, now):
            raise exceptions.AuthenticationFailed(_("The token has expired; ask for a new one."))
        user = token.user
        if not user.is_active:
            raise exceptions.AuthenticationFailed(_("User inactive or deleted."))
        api_token_touch(token=token, now=now)
        user._perm_version = version
        return user, token

    def authenticate(self, request: Request) -> tuple[Any, Any] | None:
        result = super().authenticate(request)
        if result is not None:
            try:
                auditlog_value.get()["actor"] = result[0]
            except LookupError:  # outside AuditlogMiddleware (e.g. a test's APIRequestFactory)
                pass
        return result
