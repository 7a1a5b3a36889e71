"""Token authentication: one hand-written statement per request, and the actor in the audit trail."""

from __future__ import annotations

import functools
from typing import Any

from auditlog.context import auditlog_value
from django.contrib.auth import get_user_model
from django.db import connection
from django.utils.translation import gettext as _
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication
from rest_framework.authtoken.models import Token
from rest_framework.request import Request

from erp.db import instances_of, select_list
from erp.models import Company
from erp.permissions import permission_version_sql


@functools.cache
def _token_sql() -> str:
    User = get_user_model()
    return (f"SELECT {select_list((Token, 't'), (User, 'u'), (Company, 'c'))}, ({permission_version_sql()}) "
            f"FROM {Token._meta.db_table} t JOIN {User._meta.db_table} u ON u.id = t.user_id "
            f"LEFT JOIN {Company._meta.db_table} c ON c.id = u.company_id WHERE t.key = %s")


def read_token(key: str) -> tuple[Token, int] | None:
    """(token with its user and the user's company loaded, permission version), or None.

    Every API request does this: one hand-written statement, where the ORM would compile a
    three-table select_related on each request."""
    with connection.cursor() as cursor:
        cursor.execute(_token_sql(), [key])
        row = cursor.fetchone()
    if row is None:
        return None
    token, user, company = instances_of(row, Token, get_user_model(), Company)
    user.company = company
    token.user = user
    version: int = row[-1]
    return token, version


class AuditedTokenAuthentication(TokenAuthentication):
    """Token auth that also names the user in the audit trail.

    AuditlogMiddleware reads ``request.user`` before DRF has authenticated a token, so a token
    request would otherwise be audited without its actor.
    """

    def authenticate_credentials(self, key: str) -> tuple[Any, Token]:
        # One query for the token, its user, the user's company (every API view scopes by it) and
        # the permission version, which spares reading the user's permissions again (erp.permissions).
        found = read_token(key)
        if found is None:
            raise exceptions.AuthenticationFailed(_("Invalid token."))
        token, version = found
        user = token.user
        if not user.is_active:
            raise exceptions.AuthenticationFailed(_("User inactive or deleted."))
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
