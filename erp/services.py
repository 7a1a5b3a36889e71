"""Writes of the shared core that views call."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import F, Q
from django.db.models.functions import Coalesce
from django.http import HttpRequest
from django.utils import timezone

from erp.access_log import record_access
from erp.db import atomic_with_retry
from erp.models import AccessLog, ApiToken, User

# A token's last_used is written at most this often: not on every request (docs/security.md).
TOKEN_TOUCH_INTERVAL = timedelta(minutes=1)


@atomic_with_retry
def user_set_language(*, user: User, language: str) -> User:
    user.language = language
    user.save(update_fields=["language"])
    return user


# API tokens (erp.models.ApiToken) -----------------------------------------------------------------


def token_digest(key: str) -> str:
    """What the database keeps of a key. A plain SHA-256 suffices: keys are 160 random bits, not
    passwords, so there is nothing to guess from the digest."""
    return hashlib.sha256(key.encode()).hexdigest()


def token_idle_cutoff(now: datetime) -> datetime:
    return now - timedelta(hours=settings.API_TOKEN_IDLE_HOURS)


def token_has_expired(token: ApiToken, now: datetime) -> bool:
    """Past its absolute end, or unused for API_TOKEN_IDLE_HOURS (last_used is at most
    TOKEN_TOUCH_INTERVAL behind the real last use)."""
    return now >= token.expires_at or (token.last_used or token.created) <= token_idle_cutoff(now)


@atomic_with_retry
def api_token_issue(*, user: User, request: HttpRequest | None = None) -> tuple[str, ApiToken]:
    """A new token for ``user``: (the key, shown this once; the row, which keeps only its digest).
    The user's ended tokens are deleted on the way; the issue is recorded in the access log."""
    now = timezone.now()
    ApiToken.objects.filter(user=user).alias(last_used_or_created=Coalesce("last_used", "created")).filter(
        Q(expires_at__lte=now) | Q(last_used_or_created__lte=token_idle_cutoff(now))
    ).delete()
    key = secrets.token_hex(20)
    token = ApiToken.objects.create(
        user=user, key_digest=token_digest(key), prefix=key[:8], created=now,
        expires_at=now + timedelta(days=settings.API_TOKEN_MAX_DAYS),
    )
    record_access(AccessLog.Kind.TOKEN_ISSUED, request, user=user, detail=token.prefix)
    return key, token


def api_token_touch(*, token: ApiToken, now: datetime) -> None:
    """Record a use of ``token``, at most once per TOKEN_TOUCH_INTERVAL: one UPDATE a minute per
    token, not one per request (authentication reads the token in one statement, erp.sql)."""
    if token.last_used is None or now - token.last_used >= TOKEN_TOUCH_INTERVAL:
        ApiToken.objects.filter(pk=token.pk).update(last_used=now)
        token.last_used = now


def api_tokens_revoke(*, user: User | int) -> int:
    """Delete every API token of ``user`` (a user or its id); the number deleted."""
    user_id = user if isinstance(user, int) else user.pk
    deleted, _by_model = ApiToken.objects.filter(user_id=user_id).delete()
    return deleted


@atomic_with_retry
def user_sign_out_everywhere(*, user: User, request: HttpRequest | None = None) -> int:
    """End every session of ``user`` (a new session generation: ``User.get_session_auth_hash``) and
    delete every API token; recorded in the access log. The number of tokens deleted."""
    User.objects.filter(pk=user.pk).update(session_generation=F("session_generation") + 1)
    user.refresh_from_db(fields=["session_generation"])
    revoked = api_tokens_revoke(user=user)
    record_access(AccessLog.Kind.SIGNED_OUT_EVERYWHERE, request, user=user, detail=revoked)
    return revoked
