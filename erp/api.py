"""API plumbing shared by every department's endpoints."""

import functools

from auditlog.context import auditlog_value
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import connection
from django.utils.translation import gettext as _
from rest_framework import exceptions, permissions, status
from rest_framework.authentication import TokenAuthentication
from rest_framework.authtoken.models import Token
from rest_framework.response import Response

from erp.access_log import record_access
from erp.db import instances_of, select_list
from erp.errors import DomainError
from erp.models import AccessLog, Company
from erp.permissions import permission_version_sql


@functools.cache
def _token_sql():
    User = get_user_model()
    return (f"SELECT {select_list((Token, 't'), (User, 'u'), (Company, 'c'))}, ({permission_version_sql()}) "
            f"FROM {Token._meta.db_table} t JOIN {User._meta.db_table} u ON u.id = t.user_id "
            f"LEFT JOIN {Company._meta.db_table} c ON c.id = u.company_id WHERE t.key = %s")


def read_token(key):
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
    return token, row[-1]


class AuditedTokenAuthentication(TokenAuthentication):
    """Token auth that also names the user in the audit trail.

    AuditlogMiddleware reads ``request.user`` before DRF has authenticated a token, so a token
    request would otherwise be audited without its actor.
    """

    def authenticate_credentials(self, key):
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

    def authenticate(self, request):
        result = super().authenticate(request)
        if result is not None:
            try:
                auditlog_value.get()["actor"] = result[0]
            except LookupError:  # outside AuditlogMiddleware (e.g. a test's APIRequestFactory)
                pass
        return result


class ModelPermissions(permissions.DjangoModelPermissions):
    """The UI's permissions for the API: reading needs the model's view permission too."""

    perms_map = {
        **permissions.DjangoModelPermissions.perms_map,
        "GET": ["%(app_label)s.view_%(model_name)s"],
        "HEAD": ["%(app_label)s.view_%(model_name)s"],
        "OPTIONS": [],
    }

    def _queryset(self, view):
        # Only the model matters here: take it from the view's declared queryset rather than build
        # the scoped one (get_queryset) a second time.
        declared = getattr(view, "queryset", None)
        return declared if declared is not None else super()._queryset(view)


def exception_handler(exc, context):
    """400 with field errors, 403, 409 for illegal state changes — never a 500 for a domain error."""
    from rest_framework.views import exception_handler as drf_exception_handler  # avoids an import cycle

    request = context.get("request")
    if isinstance(exc, DomainError):
        body = {"detail": str(exc.message)}
        if exc.field:
            body[exc.field] = [str(exc.message)]
        return Response(body, status=exc.http_status)
    if isinstance(exc, DjangoValidationError):
        if hasattr(exc, "error_dict"):
            body = {field: [str(m) for e in errors for m in e.messages] for field, errors in exc.error_dict.items()}
        else:
            body = {"detail": " ".join(str(m) for m in exc.messages)}
        return Response(body, status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    if isinstance(exc, exceptions.PermissionDenied) and request is not None:
        record_access(AccessLog.Kind.PERMISSION_DENIED, request, detail="api")
    return drf_exception_handler(exc, context)
