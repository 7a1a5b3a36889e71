"""How errors become answers: 400 with field errors, 403, 409 for illegal state changes — never a 500
for a domain error (``exception_handler`` is DRF's EXCEPTION_HANDLER)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import DataError
from django.utils.translation import gettext as _
from rest_framework import exceptions, status
from rest_framework.response import Response

from erp.errors import DomainError
from erp.models import AccessLog


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """400 with field errors, 403, 409 for illegal state changes — never a 500 for a domain error."""
    from rest_framework.views import exception_handler as drf_exception_handler  # avoids an import cycle

    if isinstance(exc, DomainError):
        body: dict[str, str | list[str]] = {"detail": str(exc.message)}
        if exc.field:
            body[exc.field] = [str(exc.message)]
        return Response(body, status=exc.http_status)
    if isinstance(exc, DjangoValidationError):
        if hasattr(exc, "error_dict"):
            fields = {field: [str(m) for e in errors for m in e.messages] for field, errors in exc.error_dict.items()}
            return Response(fields, status=status.HTTP_400_BAD_REQUEST)
        return Response({"detail": " ".join(str(m) for m in exc.messages)}, status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    response = drf_exception_handler(exc, context)
    # Every 403 is recorded by erp.middleware.RefusalLogMiddleware; a session's missing CSRF token
    # (DRF's SessionAuthentication) is recorded as what it is.
    if response is not None and isinstance(exc, exceptions.PermissionDenied) and str(exc.detail).startswith("CSRF"):
        response.access_log_kind = AccessLog.Kind.CSRF_FAILURE  # type: ignore[attr-defined]
        response.access_log_detail = "api"  # type: ignore[attr-defined]
    return response


def number_out_of_range(exc: Exception) -> Exception:
    """A DataError (a number beyond its column's digits) as a 400; any other exception unchanged.

    The service's transaction has been rolled back by then. Viewsets apply this in
    ``handle_exception`` (``erp.api.viewsets.CompanyViewMixin``)."""
    if isinstance(exc, DataError):
        return exceptions.ValidationError({"detail": _("A number is too large or has too many decimals.")})
    return exc
