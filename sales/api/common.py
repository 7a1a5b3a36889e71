"""What the sales endpoints share: the API root, status fields and the status parameter."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from erp.api.params import Params, parse_choice
from erp.api.viewsets import DepartmentRootView
from sales import status as st


class SalesAPIRootView(DepartmentRootView):
    """The sales endpoints: customers, price lists, quotations, orders and customer returns."""

    app_label = "sales"


def status_param(params: Params, statuses: Collection[str]) -> str | None:
    """``?status=``, one of ``statuses``."""
    return parse_choice(params, "status", statuses, _("Unknown status."))


def status_field(choices: Any) -> serializers.ChoiceField:
    return serializers.ChoiceField(choices=choices, read_only=True)


# Named enums: "status" fields with different choices would otherwise collide in the OpenAPI schema.
@extend_schema_field({"type": "string", "enum": st.QuotationStatus.values}, component_name="QuotationStatusEnum")
class QuotationStatusField(serializers.ChoiceField):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(choices=st.QuotationStatus.choices, read_only=True, **kwargs)


@extend_schema_field({"type": "string", "enum": st.OrderStatus.values}, component_name="SalesOrderStatusEnum")
class OrderStatusField(serializers.ChoiceField):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(choices=st.OrderStatus.choices, read_only=True, **kwargs)
