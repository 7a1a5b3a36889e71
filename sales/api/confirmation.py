"""The answer of confirming a sales order: per line (base units) what was reserved, what is short
and when it is promised.

Confirmation is the API's hot path (docs/sales.md, "Performance"): ``ConfirmationSerializer`` builds
its answer directly, with formats made once here, instead of through its declared fields (a
serializer copies them on every response). The fields still describe the answer in the schema; a
test holds the two outputs equal.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from django.utils.translation import gettext_lazy
from rest_framework import serializers

from erp.api.fields import base_qty_field, money_field
from sales.api.common import OrderStatusField
from sales.services.orders import ConfirmResult

T = TypeVar("T")


class ConfirmLineSerializer(serializers.Serializer[Any]):
    line_id = serializers.IntegerField(source="line.pk")
    line_no = serializers.IntegerField(source="line.line_no")
    item = serializers.CharField(source="line.item.code")
    unit = serializers.CharField(source="line.item.base_unit.code", help_text=gettext_lazy("The item's base unit"))
    quantity = base_qty_field(source="line.quantity_base")
    reserved = base_qty_field()
    short = base_qty_field()
    promised_date = serializers.DateField(allow_null=True)


class ConfirmedOrderSerializer(serializers.Serializer[Any]):
    # Declared field by field rather than a ModelSerializer: confirmation is the hot path, and a
    # ModelSerializer introspects the model on every response.
    id = serializers.IntegerField(read_only=True)
    number = serializers.CharField(read_only=True)
    reference = serializers.CharField(read_only=True)
    status = OrderStatusField()
    promised_date = serializers.DateField(read_only=True, allow_null=True)
    confirmed_at = serializers.DateTimeField(read_only=True, allow_null=True)
    total_amount = money_field(read_only=True)


# The formats of ConfirmationSerializer's fields, shared by its hand-built answer.
_FORMAT: dict[str, serializers.Field[Any, Any, Any, Any]] = {
    "qty": base_qty_field(), "money": money_field(),
    "date": serializers.DateField(), "datetime": serializers.DateTimeField(),
}


def _maybe(format_value: Callable[[T], Any], value: T | None) -> Any:
    return None if value is None else format_value(value)


class ConfirmationSerializer(serializers.Serializer[ConfirmResult]):
    """What a confirmation did: per line (base units) what was reserved, what is short and when it is promised."""

    order = ConfirmedOrderSerializer()
    already_confirmed = serializers.BooleanField(
        help_text=gettext_lazy("True when the order was confirmed before: nothing was done again"))
    promised_date = serializers.DateField(allow_null=True)
    lines = ConfirmLineSerializer(many=True)

    # Confirmation is the API's hot path: the answer is built here directly instead of through the
    # declared fields (a serializer copies them on every response). The fields above still describe
    # it in the schema; a test holds the two outputs equal.
    def to_representation(self, result: ConfirmResult) -> dict[str, Any]:
        qty, money, date, moment = (_FORMAT[kind].to_representation for kind in ("qty", "money", "date", "datetime"))
        order = result.order
        return {
            "order": {
                "id": order.pk, "number": order.number, "reference": str(order.reference), "status": order.status,
                "promised_date": _maybe(date, order.promised_date),
                "confirmed_at": _maybe(moment, order.confirmed_at),
                "total_amount": money(order.total_amount),
            },
            "already_confirmed": result.already_confirmed,
            "promised_date": _maybe(date, result.promised_date),
            "lines": [
                {"line_id": r.line.pk, "line_no": r.line.line_no, "item": r.line.item.code,
                 "unit": r.line.item.base_unit.code, "quantity": qty(r.line.quantity_base),
                 "reserved": qty(r.reserved), "short": qty(r.short),
                 "promised_date": _maybe(date, r.promised_date)}
                for r in result.lines
            ],
        }
