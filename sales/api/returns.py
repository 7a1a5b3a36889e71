"""/api/sales/returns/: customer returns against a posted delivery note.

The goods go back to locations of inventory's warehouses: the lines name them by code, resolved
with inventory's own resolver, and posting needs to operate each warehouse (inventory's rule)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db.models import Prefetch, QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from erp.api.fields import CodeRelatedField, CompanyPrimaryKeyField, ObjectCodeField, base_qty_field, qty_field
from erp.api.params import by_code, parse_date_range
from erp.api.serializers import VoidSerializer, actor_and_company, void_reason_of
from erp.codes import normalise_code
from inventory import selectors as inventory_selectors
from inventory.api.common import LineResolver, check_operate
from inventory.models import DeliveryNote, DeliveryNoteLine, UnitOfMeasure, Warehouse
from sales import selectors
from sales import status as st
from sales.api.common import status_field, status_param
from sales.api.documents import SalesDocumentViewSet
from sales.models import Customer, CustomerReturn, CustomerReturnLine
from sales.services import returns as return_services


class ReturnLineSerializer(serializers.Serializer[CustomerReturnLine]):
    id = serializers.IntegerField(read_only=True)
    delivery_line = serializers.IntegerField(source="delivery_line_id",
                                             help_text=gettext_lazy("Id of the delivery note's line"))
    item = serializers.CharField(source="item.code", read_only=True)
    quantity = qty_field()
    unit = CodeRelatedField(queryset=UnitOfMeasure.objects.all(), required=False, allow_null=True,
                            help_text=gettext_lazy("Unit code; empty = the delivery line's unit"))
    quantity_base = base_qty_field(read_only=True)
    location = ObjectCodeField(help_text=gettext_lazy("Location code the goods go back to"))
    warehouse = serializers.CharField(required=False, allow_blank=True, help_text=gettext_lazy(
        "Warehouse code of the location; empty = the delivery's warehouse"))
    lot = serializers.CharField(source="lot.number", read_only=True, allow_null=True)

    def to_representation(self, instance: CustomerReturnLine) -> dict[str, Any]:
        data: dict[str, Any] = super().to_representation(instance)
        data["warehouse"] = instance.location.warehouse.code
        return data


class DeliveryField(CompanyPrimaryKeyField):
    """A delivery note the user may see: another rep's note is answered as a missing one (its lines,
    and so its number, are never looked at)."""

    def get_queryset(self) -> QuerySet[DeliveryNote]:
        request = self.context.get("request")
        if request is None:
            return DeliveryNote.objects.none()
        return super().get_queryset().filter(pk__in=inventory_selectors.deliveries_for_user(request.user).values("pk"))


class ReturnSerializer(serializers.ModelSerializer[CustomerReturn]):
    reference = serializers.CharField(read_only=True)
    status = status_field(st.ReturnStatus.choices)
    customer = serializers.CharField(source="customer.code", read_only=True)
    order_reference = serializers.CharField(source="order.reference", read_only=True)
    delivery = DeliveryField(queryset=DeliveryNote.objects.all(),
                             help_text=gettext_lazy("Id of a posted delivery note"))
    delivery_reference = serializers.CharField(source="delivery.reference", read_only=True)
    created_by = serializers.CharField(source="created_by.username", read_only=True, allow_null=True)
    lines = ReturnLineSerializer(many=True)

    class Meta:
        model = CustomerReturn
        fields = ["id", "number", "reference", "status", "document_date", "customer", "order", "order_reference",
                  "delivery", "delivery_reference", "reason", "posted_at", "created_by", "created_at", "lines"]
        read_only_fields = ["number", "order", "posted_at", "created_at"]

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        delivery = attrs.get("delivery", self.instance.delivery if self.instance is not None else None)
        if "lines" in attrs:
            attrs["lines"] = self.resolve_lines(delivery, attrs["lines"])
        return attrs

    def resolve_lines(self, delivery: Any, lines: list[dict[str, Any]]) -> list[dict[str, Any]]:
        user = self.context["request"].user
        delivery_lines = {line.pk: line for line in DeliveryNoteLine.objects.filter(document=delivery)}
        warehouses: dict[str, Warehouse | None] = {delivery.warehouse.code: delivery.warehouse}
        resolver, resolved = LineResolver(), []
        for line in lines:
            errors = resolver.start_line()
            delivery_line = delivery_lines.get(line["delivery_line_id"])
            if delivery_line is None:
                errors["delivery_line"] = [_("Line %(id)s is not on delivery note %(dn)s.") % {
                    "id": line["delivery_line_id"], "dn": delivery.reference}]
            code = normalise_code(line.get("warehouse") or "") or delivery.warehouse.code
            if code not in warehouses:
                warehouses[code] = inventory_selectors.company_warehouses(user).filter(code=code).first()
            warehouse = warehouses[code]
            location = None
            if warehouse is None:
                errors["warehouse"] = [_("No record with the code %(code)s.") % {"code": code}]
            else:
                location = resolver.location(warehouse, line["location"], errors, "location")
            resolved.append({"delivery_line": delivery_line, "quantity": line["quantity"], "unit": line.get("unit"),
                             "location": location})
        resolver.raise_if_any()
        return resolved

    def create(self, validated_data: dict[str, Any]) -> CustomerReturn:
        user, company = actor_and_company(self)
        customer_return: CustomerReturn = return_services.return_save(company=company, actor=user, **validated_data)
        return customer_return

    def update(self, instance: CustomerReturn, validated_data: dict[str, Any]) -> CustomerReturn:
        user, company = actor_and_company(self)
        lines = validated_data.pop("lines", None)
        if lines is None:
            lines = [{"delivery_line": line.delivery_line, "quantity": line.quantity, "unit": line.unit,
                      "location": line.location} for line in instance.lines.all()]
        validated_data.setdefault("delivery", instance.delivery)
        validated_data.setdefault("reason", instance.reason)
        customer_return: CustomerReturn = return_services.return_save(
            company=company, actor=user, customer_return=instance, lines=lines, **validated_data)
        return customer_return


@extend_schema_view(list=extend_schema(parameters=[
    OpenApiParameter("customer", str, description=gettext_lazy("Customer code")),
    OpenApiParameter("status", str, enum=st.ReturnStatus.values),
    OpenApiParameter("date_from", OpenApiTypes.DATE),
    OpenApiParameter("date_to", OpenApiTypes.DATE),
    OpenApiParameter("search", str, description=gettext_lazy("Part of the number or customer name")),
]))
class ReturnViewSet(SalesDocumentViewSet):
    """Customer returns against a posted delivery note. Lines: ``{"delivery_line": id, "quantity",
    "unit"?, "location": code, "warehouse"?: code}``. POST …/post/ puts the goods back into stock
    (needs to operate the location's warehouse), POST …/cancel/ cancels a draft."""

    model = CustomerReturn
    queryset = CustomerReturn.objects.none()
    serializer_class = ReturnSerializer
    summary_serializer = ReturnSerializer
    statuses = st.ReturnStatus.values

    def get_queryset(self) -> QuerySet[CustomerReturn]:
        if self.fake():
            return CustomerReturn.objects.none()
        return self.with_lines(selectors.returns_for_user(self.request.user))

    @staticmethod
    def with_lines(rows: QuerySet[CustomerReturn]) -> QuerySet[CustomerReturn]:
        lines = CustomerReturnLine.objects.select_related("item", "unit", "location__warehouse", "lot")
        return rows.select_related("created_by").prefetch_related(Prefetch("lines", queryset=lines))

    def filter_queryset(self, queryset: QuerySet[Any]) -> QuerySet[Any]:
        if self.action != "list":
            return queryset
        params, user = self.request.query_params, self.request.user
        date_from, date_to = parse_date_range(params)
        return self.with_lines(selectors.returns_for_user(
            user, customer=by_code(Customer, user, params, "customer"),
            status=status_param(params, self.statuses), date_from=date_from, date_to=date_to,
            search=params.get("search", "").strip()))

    def run(self, service: Callable[..., Any], *, void: bool = False, **kwargs: Any) -> Response:
        document = self.get_object()
        if void:
            kwargs["reason"] = void_reason_of(self.request)
        service(customer_return=document, actor=self.actor, **kwargs)
        return self.answer(document)

    @extend_schema(request=None, responses=ReturnSerializer)
    @action(detail=True, methods=["post"], url_path="post", url_name="post")
    def post_document(self, request: Request, pk: str | None = None) -> Response:
        """Post the return: stock comes back at the cost it left with; finance is told a credit note is due."""
        document = self.get_object()
        for warehouse in {line.location.warehouse for line in document.lines.all()}:
            check_operate(request.user, warehouse)
        return self.run(return_services.return_post)

    @extend_schema(request=VoidSerializer, responses=ReturnSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request: Request, pk: str | None = None) -> Response:
        """Void a draft return; ``reason`` is required."""
        return self.run(return_services.return_cancel, void=True)
