"""Serializer fields every department's API uses.

Related records are named by code (``CodeRelatedField``) or id (``CompanyPrimaryKeyField``) and are
looked up through ``erp.scoping.restrict``, as the screens' selectors read them: a code or id of
another company, another rep's customer or a warehouse the keeper does not see is "does not exist",
never a way in. A field declared with ``action=CHANGE`` (a location's warehouse) also needs the right
to change the record it names: one the user sees but may not change is a 403.

Decimal fields carry the digits of the models' columns (design rule 6), so the API refuses with a 400
what the column could not hold.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy
from rest_framework import exceptions, serializers

from erp.codes import CODE_MAX_LENGTH, code_validator, normalise_code
from erp.models import Company
from erp.money import COST, LINE_QTY, MONEY, PRICE, QTY, RATE, DecimalSpec
from erp.permissions import user_company
from erp.scoping import CHANGE, VIEW, restrict

DEACTIVATE_HELP = gettext_lazy(
    "Deleting is refused (409) while other records use this one: set is_active to false to retire it instead."
)



def request_company(context: dict[str, Any]) -> Company | None:
    """The company of the serializer context's request user; None without a request (nothing matches)."""
    request = context.get("request")
    company: Company | None = user_company(request.user) if request is not None else None
    return company


def in_company(queryset: QuerySet[Any] | None, context: dict[str, Any]) -> QuerySet[Any]:
    """A writable related field's queryset narrowed to the request user's company."""
    assert queryset is not None, "a writable related field needs a queryset"
    return queryset.filter(company=request_company(context))


# ``action`` of a related field naming a record anywhere in the user's company, beyond their scope:
# what the screen offers the same way (a transfer's destination warehouse, an order's ship-from
# warehouse: inventory.selectors.company_warehouses). Naming one never shows what is in it.
IN_COMPANY = "company"


def in_scope(queryset: QuerySet[Any] | None, context: dict[str, Any], action: str = VIEW) -> QuerySet[Any]:
    """A writable related field's queryset as far as the request user may see it (erp.scoping), or
    their whole company's (``IN_COMPANY``); nothing without a request."""
    assert queryset is not None, "a writable related field needs a queryset"
    request = context.get("request")
    if request is None:
        return queryset.none()
    if action == IN_COMPANY:
        return in_company(queryset, context)
    return restrict(queryset, request.user, VIEW)


class ScopedRelatedMixin:
    """A related field that finds records through ``restrict`` (VIEW) and, with ``action=CHANGE``,
    refuses with a 403 one the user sees but may not change (the parent a write puts a record in);
    with ``action=IN_COMPANY`` it finds any of the company's, as the screen's choice does."""

    context: dict[str, Any]

    def __init__(self, *, action: str = VIEW, **kwargs: Any) -> None:
        self.scope_action = action
        super().__init__(**kwargs)

    def get_queryset(self) -> QuerySet[Any]:
        return in_scope(super().get_queryset(), self.context, self.scope_action)  # type: ignore[misc]

    def to_internal_value(self, data: Any) -> Any:
        found = super().to_internal_value(data)  # type: ignore[misc]
        if self.scope_action == CHANGE and found is not None:
            user = self.context["request"].user
            if not restrict(type(found)._default_manager.filter(pk=found.pk), user, CHANGE).exists():
                raise exceptions.PermissionDenied()
        return found


class CodeField(serializers.CharField):
    """A master-data code: trimmed and upper-cased like the model field does."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", CODE_MAX_LENGTH)
        kwargs.setdefault("validators", [code_validator])
        super().__init__(**kwargs)

    def to_internal_value(self, data: Any) -> str:
        code: str = normalise_code(super().to_internal_value(data))
        return code


class CodeRelatedField(ScopedRelatedMixin, serializers.SlugRelatedField[Any]):
    """A related record given by its code, looked up in the user's scope."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("slug_field", "code")
        super().__init__(**kwargs)

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, bool) or not isinstance(data, str | int):
            self.fail("invalid")
        return super().to_internal_value(normalise_code(data))


class CompanyPrimaryKeyField(ScopedRelatedMixin, serializers.PrimaryKeyRelatedField[Any]):
    """A related record by id, looked up in the user's scope."""


class UserField(serializers.SlugRelatedField[Any]):
    """An active user of the request user's company, by username."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("slug_field", "username")
        if not kwargs.get("read_only"):
            kwargs.setdefault("queryset", get_user_model().objects.all())
        super().__init__(**kwargs)

    def get_queryset(self) -> QuerySet[Any]:
        return in_company(super().get_queryset(), self.context).filter(is_active=True)


class ObjectCodeField(serializers.CharField):
    """Reads as the related object's code; writes the normalised code, which the serializer resolves
    itself (a location's code means something only within its warehouse)."""

    def to_representation(self, value: Any) -> str:
        code: str = value.code
        return code

    def to_internal_value(self, data: Any) -> str:
        code: str = normalise_code(super().to_internal_value(data))
        return code


def active_field() -> serializers.BooleanField:
    """``is_active`` of master data: retiring a record that other records still use."""
    return serializers.BooleanField(required=False, help_text=DEACTIVATE_HELP)


def _decimal(digits: DecimalSpec, kwargs: dict[str, Any]) -> serializers.DecimalField:
    return serializers.DecimalField(**digits, **kwargs)


def qty_field(**kwargs: Any) -> serializers.DecimalField:
    """A line quantity in the line's unit; a quantity break."""
    return _decimal(LINE_QTY, kwargs)


def base_qty_field(**kwargs: Any) -> serializers.DecimalField:
    """A quantity in the item's base unit (or a unit factor)."""
    return _decimal(QTY, kwargs)


def price_field(**kwargs: Any) -> serializers.DecimalField:
    return _decimal(PRICE, kwargs)


def cost_field(**kwargs: Any) -> serializers.DecimalField:
    return _decimal(COST, kwargs)


def money_field(**kwargs: Any) -> serializers.DecimalField:
    return _decimal(MONEY, kwargs)


def rate_field(**kwargs: Any) -> serializers.DecimalField:
    """A percentage: a tax rate, a discount."""
    return _decimal(RATE, kwargs)
