"""What the finance API modules share: the router's root, the change permission of the actions, the
fields naming a journal or an account by its code within the user's company."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from erp.api.fields import ScopedRelatedMixin
from erp.api.permissions import ModelPermissions
from erp.api.viewsets import DepartmentRootView


class FinanceAPIRootView(DepartmentRootView):
    """The finance API: the chart of accounts, the account roles, the periods, journal entries (drafted,
    posted, reversed), customer invoices (posted, voided), supplier invoices with what was paid, payments
    (drafted with their allocations, posted), uniform invoice ranges and the reports (trial balance,
    profit and loss, balance sheet, receivables aging)."""

    app_label = "finance"


class ChangePermission(ModelPermissions):
    """An action that changes a record (post, reverse, close, reopen): its change permission, not add."""

    perms_map = {**ModelPermissions.perms_map, "POST": ["%(app_label)s.change_%(model_name)s"]}


class ByCodeField(ScopedRelatedMixin, serializers.SlugRelatedField[Any]):
    """A journal or an account of the user's company, by its code (as typed: account codes keep their
    case)."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("slug_field", "code")
        super().__init__(**kwargs)

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, bool) or not isinstance(data, str | int):
            self.fail("invalid")
        return super().to_internal_value(str(data).strip())


_ENUM_FIELDS: dict[str, type[serializers.ChoiceField]] = {}


def enum_field(choices: Any, component: str, **kwargs: Any) -> serializers.ChoiceField:
    """A choice field with its own enum component in the schema (names would collide otherwise); one
    field class per component, however many serializers use it."""
    if component not in _ENUM_FIELDS:
        @extend_schema_field({"type": "string", "enum": [value for value, _label in choices]},
                             component_name=component)
        class Field(serializers.ChoiceField):
            pass

        _ENUM_FIELDS[component] = Field
    return _ENUM_FIELDS[component](choices=choices, **kwargs)
