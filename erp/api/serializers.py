"""Serializer behaviour every department's API uses: the actor and company for the services, codes
unique per company, errors collected per document line."""

from __future__ import annotations

from typing import Any

from django.db.models import Model
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers
from rest_framework.settings import api_settings

from erp.documents import VOID_REASON_MAX_LENGTH
from erp.models import Company
from erp.permissions import user_company

LineErrors = dict[str, list[str]]


def actor_and_company(serializer: serializers.BaseSerializer[Any]) -> tuple[Any, Company | None]:
    """The request user (the services' ``actor``) and the company they work in."""
    user = serializer.context["request"].user
    return user, user_company(user)


class VoidSerializer(serializers.Serializer[Any]):
    """The body of every document's …/cancel/ (void, 作廢): the reason, required."""

    reason = serializers.CharField(
        max_length=VOID_REASON_MAX_LENGTH, help_text=_("Why the document is voided; kept on the document."),
        error_messages={"required": _("Give the reason for voiding."), "blank": _("Give the reason for voiding.")},
    )


def void_reason_of(request: Any) -> str:
    """The request's void reason, or a 400 naming the field ``reason``."""
    payload = VoidSerializer(data=request.data)
    payload.is_valid(raise_exception=True)
    reason: str = payload.validated_data["reason"]
    return reason


class UniqueCodeMixin:
    """Say "already exists" on the code field, not as a constraint error of the whole record."""

    # For ModelSerializers of master data (a code unique per company). The docstring above is kept
    # short: drf-spectacular shows it as the description of every serializer without its own.

    context: dict[str, Any]
    instance: Any
    Meta: Any

    def validate_code(self, value: str) -> str:
        model: type[Model] = self.Meta.model
        taken = model._default_manager.filter(company=user_company(self.context["request"].user), code=value)
        if self.instance is not None:
            taken = taken.exclude(pk=self.instance.pk)
        if taken.exists():
            raise serializers.ValidationError(model().unique_error_message(model, ["code"]).messages)
        return value


class LineErrorCollector:
    """Errors of a document's lines, one dict per line, raised together in the shape of DRF's own
    nested-list errors: ``{"lines": {index: {field: [message]}}}`` (or a list, per DRF's settings)."""

    def __init__(self) -> None:
        self.errors: list[LineErrors] = []

    def start_line(self) -> LineErrors:
        """The (empty) errors of the next line, to fill while resolving it."""
        self.errors.append({})
        return self.errors[-1]

    def raise_if_any(self) -> None:
        if any(self.errors):
            if api_settings.LIST_SERIALIZER_ERRORS_AS_DICT:
                by_index: dict[int, LineErrors] = {n: e for n, e in enumerate(self.errors) if e}
                # The stubs want str keys; DRF's own nested-list errors use the line's index too.
                raise serializers.ValidationError({"lines": by_index})  # type: ignore[dict-item]
            raise serializers.ValidationError({"lines": self.errors})
