"""/api/inventory/ balances and the stock ledger (read only)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import serializers, viewsets

from erp.api.fields import base_qty_field
from erp.api.params import by_code, param_error, parse_bool, parse_date_range, parse_int
from erp.api.viewsets import CompanyViewMixin
from erp.codes import normalise_code
from inventory import selectors
from inventory import status as st
from inventory.models import Item, StockBalance, StockMove, Warehouse


class BalanceSerializer(serializers.ModelSerializer[StockBalance]):
    item = serializers.CharField(source="item.code")
    item_name = serializers.CharField(source="item.name")
    unit = serializers.CharField(source="item.base_unit.code")
    warehouse = serializers.CharField(source="warehouse.code")
    location = serializers.CharField(source="location.code")
    lot = serializers.CharField(source="lot.number", allow_null=True)
    available = base_qty_field()

    class Meta:
        model = StockBalance
        fields = ["id", "item", "item_name", "unit", "warehouse", "location", "lot", "lot_id", "on_hand",
                  "reserved", "available"]
        read_only_fields = fields


class MoveSerializer(serializers.ModelSerializer[StockMove]):
    item = serializers.CharField(source="item.code")
    unit = serializers.CharField(source="item.base_unit.code")
    warehouse = serializers.CharField(source="warehouse.code")
    location = serializers.CharField(source="location.code")
    lot = serializers.CharField(source="lot.number", allow_null=True)
    document_type = serializers.CharField(source="document_type.model", allow_null=True)
    posted_by = serializers.CharField(source="posted_by.username", allow_null=True)

    class Meta:
        model = StockMove
        fields = ["id", "posted_at", "move_type", "item", "unit", "warehouse", "location", "lot", "lot_id",
                  "quantity", "unit_cost", "value", "document_type", "document_id", "document_reference",
                  "reverses", "posted_by"]
        read_only_fields = fields


STOCK_FILTERS = [
    OpenApiParameter("item", str, description=gettext_lazy("Item code")),
    OpenApiParameter("warehouse", str, description=gettext_lazy("Warehouse code")),
    OpenApiParameter("location", str, description=gettext_lazy("Location code")),
    OpenApiParameter("lot", str, description=gettext_lazy("Lot number")),
    OpenApiParameter("lot_id", int),
]


class StockReadMixin(CompanyViewMixin):
    """Rows come from the scoping selectors; ``queryset`` only names the model for the permissions."""

    def common_filters(self) -> dict[str, Any]:
        params, user = self.request.query_params, self.request.user
        return {"item": by_code(Item, user, params, "item"), "warehouse": by_code(Warehouse, user, params, "warehouse")}

    def narrow(self, rows: QuerySet[Any]) -> QuerySet[Any]:
        params = self.request.query_params
        if params.get("location"):
            rows = rows.filter(location__code=normalise_code(params["location"]))
        if params.get("lot"):
            rows = rows.filter(lot__number=params["lot"].strip())
        lot_id = parse_int(params, "lot_id")
        if lot_id is not None:
            rows = rows.filter(lot_id=lot_id)
        return rows


@extend_schema_view(list=extend_schema(parameters=[
    *STOCK_FILTERS, OpenApiParameter("include_zero", bool, description=gettext_lazy("Also rows with nothing on hand")),
]))
class BalanceViewSet(StockReadMixin, viewsets.ReadOnlyModelViewSet[StockBalance]):
    """On hand, reserved and available per item, warehouse, location and lot (base units)."""

    queryset = StockBalance.objects.none()
    serializer_class = BalanceSerializer

    def filter_queryset(self, queryset: QuerySet[Any]) -> QuerySet[Any]:
        include_zero = self.action != "list" or bool(parse_bool(self.request.query_params, "include_zero"))
        return self.narrow(selectors.balances_for_user(self.request.user, include_zero=include_zero,
                                                       **self.common_filters()))


@extend_schema_view(list=extend_schema(parameters=[
    *STOCK_FILTERS,
    OpenApiParameter("move_type", str, enum=st.MoveType.values),
    OpenApiParameter("date_from", OpenApiTypes.DATE),
    OpenApiParameter("date_to", OpenApiTypes.DATE),
    OpenApiParameter("reference", str, description=gettext_lazy("Part of the document reference")),
]))
class MoveViewSet(StockReadMixin, viewsets.ReadOnlyModelViewSet[StockMove]):
    """The stock ledger: every posted move, newest first. Moves are never changed; corrections are
    reversing moves (``reverses``)."""

    queryset = StockMove.objects.none()
    serializer_class = MoveSerializer

    def filter_queryset(self, queryset: QuerySet[Any]) -> QuerySet[Any]:
        params = self.request.query_params
        move_type = params.get("move_type") or None
        if move_type and move_type not in st.MoveType.values:
            raise param_error("move_type", _("Unknown move type."))
        date_from, date_to = parse_date_range(params)
        moves = selectors.moves_for_user(
            self.request.user, move_type=move_type, date_from=date_from, date_to=date_to,
            document_reference=(params.get("reference") or params.get("document_reference") or "").strip(),
            **self.common_filters(),
        )
        return self.narrow(moves).select_related("document_type")
