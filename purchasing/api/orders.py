"""/api/purchasing/orders/: purchase orders. Drafts are created and changed with their lines through
``purchasing.services.orders.order_save``; POST ``<id>/submit/`` (to the approval engine, or approved
at once when no rule applies; approvers decide through /api/office/approval-requests/),
``<id>/send/``, ``<id>/revise/`` {reason}, ``<id>/redate/`` {lines: [{id, expected_date}]},
``<id>/cancel/`` {reason}, ``<id>/close/``. A buyer sees the orders of their suppliers only (another's
is a 404); a negative price is a 400 on the line's ``unit_price``; an action the status does not
allow is a 409."""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch, QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field, extend_schema_view
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from erp.api.fields import (
    IN_COMPANY,
    CodeRelatedField,
    UserField,
    base_qty_field,
    money_field,
    price_field,
    qty_field,
    rate_field,
)
from erp.api.params import by_code, by_username, parse_bool, parse_choice, parse_date_range
from erp.api.serializers import VoidSerializer, actor_and_company, void_reason_of
from erp.api.viewsets import ReloadAfterSaveMixin
from erp.errors import ImmutableDocument
from inventory.models import Item, UnitOfMeasure, Warehouse
from office.selectors.approvals import latest_request
from purchasing import status as st
from purchasing.approvals import ORDER_APPROVAL
from purchasing.models import PurchaseOrder, PurchaseOrderLine, PurchaseOrderRevision, Supplier
from purchasing.selectors.orders import orders_for_user
from purchasing.services import orders as services
from sales.models import PaymentTerm, TaxCode

NEGATIVE_PRICE = gettext_lazy("The price must not be negative.")


@extend_schema_field({"type": "string", "enum": st.OrderStatus.values}, component_name="PurchaseOrderStatusEnum")
class PurchaseOrderStatusField(serializers.ChoiceField):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(choices=st.OrderStatus.choices, read_only=True, **kwargs)


class PurchaseOrderLineSerializer(serializers.Serializer[Any]):
    """A line as written: ``item`` and ``unit`` by code; ``id`` names an existing line (a revision keeps
    its received quantities); the unit price defaults to the supplier's price, the expected date to
    the order date plus the lead time."""

    id = serializers.IntegerField(required=False, allow_null=True)
    line_no = serializers.IntegerField(read_only=True)
    item = CodeRelatedField(queryset=Item.objects.all(), action=IN_COMPANY)
    item_name = serializers.CharField(source="item.name", read_only=True)
    description = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")
    supplier_part_number = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    quantity = qty_field()
    unit = CodeRelatedField(queryset=UnitOfMeasure.objects.all(), action=IN_COMPANY, required=False,
                            allow_null=True, help_text=gettext_lazy("Unit code; empty = the item's base unit"))
    quantity_base = base_qty_field(read_only=True)
    unit_price = price_field(required=False, allow_null=True, min_value=0,
                             error_messages={"min_value": NEGATIVE_PRICE},
                             help_text=gettext_lazy("Empty = the supplier's price"))
    tax_rate = rate_field(read_only=True)
    net_amount = money_field(read_only=True)
    expected_date = serializers.DateField(required=False, allow_null=True)
    received_quantity = base_qty_field(read_only=True)
    returned_quantity = base_qty_field(read_only=True)
    invoiced_quantity = base_qty_field(read_only=True)


def lines_of(order: PurchaseOrder) -> list[dict[str, Any]]:
    """A draft's lines as the save service takes them (a header-only PATCH keeps them)."""
    return [{"id": line.pk, "item": line.item, "quantity": line.quantity, "unit": line.unit,
             "unit_price": line.unit_price, "expected_date": line.expected_date, "description": line.description,
             "supplier_part_number": line.supplier_part_number} for line in order.lines.all()]


class PurchaseOrderRevisionSerializer(serializers.ModelSerializer[PurchaseOrderRevision]):
    created_by = serializers.CharField(source="created_by.username", read_only=True, allow_null=True)

    class Meta:
        model = PurchaseOrderRevision
        fields = ["revision", "reason", "created_by", "created_at", "snapshot"]
        read_only_fields = fields


class PurchaseOrderSerializer(serializers.ModelSerializer[PurchaseOrder]):
    reference = serializers.CharField(read_only=True)
    status = PurchaseOrderStatusField()
    supplier = CodeRelatedField(queryset=Supplier.objects.all())
    supplier_name = serializers.CharField(source="supplier.name", read_only=True)
    warehouse = CodeRelatedField(queryset=Warehouse.objects.all(), action=IN_COMPANY, required=False,
                                 help_text=gettext_lazy("Deliver-to warehouse code; empty = the first warehouse"))
    buyer = UserField(required=False, allow_null=True,
                      help_text=gettext_lazy("Username; empty = the supplier's buyer"))
    payment_term = CodeRelatedField(queryset=PaymentTerm.objects.all(), action=IN_COMPANY, required=False,
                                    allow_null=True)
    tax_code = CodeRelatedField(queryset=TaxCode.objects.all(), action=IN_COMPANY, required=False, allow_null=True)
    created_by = serializers.CharField(source="created_by.username", read_only=True, allow_null=True)
    approval = serializers.SerializerMethodField()
    lines = PurchaseOrderLineSerializer(many=True)

    class Meta:
        model = PurchaseOrder
        fields = ["id", "number", "reference", "status", "revision", "document_date", "supplier", "supplier_name",
                  "warehouse", "buyer", "currency", "payment_term", "tax_code", "supplier_reference", "notes",
                  "expected_date", "net_amount", "tax_amount", "total_amount", "approved_at", "sent_at",
                  "void_reason", "created_by", "created_at", "approval", "lines"]
        read_only_fields = ["number", "revision", "expected_date", "net_amount", "tax_amount", "total_amount",
                            "approved_at", "sent_at", "void_reason", "created_at"]

    def get_approval(self, order: PurchaseOrder) -> dict[str, Any] | None:
        """The order's latest approval request (its steps: /api/office/approval-requests/<id>/)."""
        request = latest_request(order, ORDER_APPROVAL) if self.context.get("with_approval", True) else None
        if request is None:
            return None
        return {"approval_request": request.pk, "status": request.status, "comment": request.outcome_comment}

    def create(self, validated_data: dict[str, Any]) -> PurchaseOrder:
        user, company = actor_and_company(self)
        lines = validated_data.pop("lines")
        return services.order_save(company=company, actor=user, lines=lines, **validated_data)

    def update(self, instance: PurchaseOrder, validated_data: dict[str, Any]) -> PurchaseOrder:
        user, company = actor_and_company(self)
        lines = validated_data.pop("lines", None)
        if lines is None:
            lines = lines_of(instance)
        return services.order_save(company=company, actor=user, lines=lines, order=instance, **validated_data)


class PurchaseOrderSummarySerializer(PurchaseOrderSerializer):
    line_count = serializers.IntegerField(read_only=True)

    class Meta(PurchaseOrderSerializer.Meta):
        fields = [f for f in PurchaseOrderSerializer.Meta.fields if f not in ("lines", "approval")] + ["line_count"]


class PurchaseOrderReasonSerializer(serializers.Serializer[Any]):
    reason = serializers.CharField(max_length=300)


class PurchaseOrderRedateLineSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    expected_date = serializers.DateField()


class PurchaseOrderRedateSerializer(serializers.Serializer[Any]):
    lines = PurchaseOrderRedateLineSerializer(many=True, allow_empty=False)


class PurchaseOrderCloseSerializer(serializers.Serializer[Any]):
    reason = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")


def order_lines_prefetch() -> Prefetch[Any]:
    return Prefetch("lines", queryset=PurchaseOrderLine.objects.select_related("item", "unit").order_by("line_no",
                                                                                                         "pk"))


@extend_schema_view(list=extend_schema(parameters=[
    OpenApiParameter("status", str, enum=[*st.OrderStatus.values, "open"]),
    OpenApiParameter("supplier", str, description=gettext_lazy("Supplier code")),
    OpenApiParameter("buyer", str, description=gettext_lazy("Username of the buyer")),
    OpenApiParameter("date_from", OpenApiTypes.DATE), OpenApiParameter("date_to", OpenApiTypes.DATE),
    OpenApiParameter("late", bool, description=gettext_lazy("Approved orders past their expected date")),
    OpenApiParameter("search", str),
]))
class PurchaseOrderViewSet(ReloadAfterSaveMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin,
                           mixins.CreateModelMixin, mixins.UpdateModelMixin, mixins.DestroyModelMixin,
                           viewsets.GenericViewSet[Any]):
    """Purchase orders with their lines. Lines: ``{"id"?, "item": code, "quantity", "unit"?: code,
    "unit_price"?, "expected_date"?, "description"?}``. Actions: submit, send, revise (``reason``),
    redate (``lines``), cancel (``reason``), close. DELETE removes a draft never submitted."""

    queryset = PurchaseOrder.objects.none()
    serializer_class = PurchaseOrderSerializer

    def get_serializer_class(self) -> type[serializers.BaseSerializer[Any]]:
        return PurchaseOrderSummarySerializer if self.action == "list" else PurchaseOrderSerializer

    def get_queryset(self) -> QuerySet[PurchaseOrder]:
        if self.fake():
            return PurchaseOrder.objects.none()
        rows = orders_for_user(self.request.user).select_related("payment_term", "tax_code", "created_by")
        if self.action != "list":
            rows = rows.prefetch_related(order_lines_prefetch())
        return rows

    def filter_queryset(self, queryset: QuerySet[Any]) -> QuerySet[Any]:
        if self.action != "list":
            return queryset
        params, user = self.request.query_params, self.request.user
        date_from, date_to = parse_date_range(params)
        return orders_for_user(
            user, status=parse_choice(params, "status", [*st.OrderStatus.values, "open"], _("Unknown status.")),
            supplier=by_code(Supplier, user, params, "supplier"), buyer=by_username(user, params, "buyer"),
            date_from=date_from, date_to=date_to, late=parse_bool(params, "late"),
            search=params.get("search", "").strip()).select_related("payment_term", "tax_code", "created_by")

    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        if self.get_object().status != st.OrderStatus.DRAFT:
            raise ImmutableDocument()
        return super().update(request, *args, **kwargs)

    def perform_destroy(self, instance: PurchaseOrder) -> None:
        services.order_delete_draft(order=instance, actor=self.actor)

    def run(self, service: Any, **kwargs: Any) -> Response:
        order = self.get_object()
        service(order=order, actor=self.actor, **kwargs)
        return self.answer(order)

    @extend_schema(request=None, responses=PurchaseOrderSerializer)
    @action(detail=True, methods=["post"])
    def submit(self, request: Request, pk: str | None = None) -> Response:
        """Submit the draft for approval (approved at once when no rule applies)."""
        return self.run(services.order_submit)

    @extend_schema(request=None, responses=PurchaseOrderSerializer)
    @action(detail=True, methods=["post"])
    def send(self, request: Request, pk: str | None = None) -> Response:
        """E-mail the approved order to the supplier and mark it sent."""
        return self.run(services.order_send)

    @extend_schema(request=PurchaseOrderReasonSerializer, responses=PurchaseOrderSerializer)
    @action(detail=True, methods=["post"])
    def revise(self, request: Request, pk: str | None = None) -> Response:
        """Change an approved order: it is kept as a revision and comes back as a draft to approve again."""
        order = self.get_object()
        services.order_revise(order=order, reason=void_reason_of(request), actor=self.actor)
        return self.answer(order)

    @extend_schema(request=PurchaseOrderRedateSerializer, responses=PurchaseOrderSerializer)
    @action(detail=True, methods=["post"])
    def redate(self, request: Request, pk: str | None = None) -> Response:
        """New expected dates for lines of an approved order (no new approval; sales is told)."""
        order = self.get_object()
        payload = PurchaseOrderRedateSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        services.order_redate(order=order, actor=self.actor, dates={
            row["id"]: row["expected_date"] for row in payload.validated_data["lines"]})
        return self.answer(order)

    @extend_schema(request=VoidSerializer, responses=PurchaseOrderSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request: Request, pk: str | None = None) -> Response:
        """Void an order nothing was received on (``reason`` required)."""
        order = self.get_object()
        services.order_cancel(order=order, reason=void_reason_of(request), actor=self.actor)
        return self.answer(order)

    @extend_schema(request=PurchaseOrderCloseSerializer, responses=PurchaseOrderSerializer)
    @action(detail=True, methods=["post"])
    def close(self, request: Request, pk: str | None = None) -> Response:
        """Short-close a partially received order."""
        payload = PurchaseOrderCloseSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        return self.run(services.order_close, reason=payload.validated_data["reason"])

    @extend_schema(responses=PurchaseOrderRevisionSerializer(many=True))
    @action(detail=True, methods=["get"], pagination_class=None)  # a plain list: an order has few revisions
    def revisions(self, request: Request, pk: str | None = None) -> Response:
        """The order's earlier revisions, newest first, each with the order as it was."""
        order = self.get_object()
        rows = order.revisions.select_related("created_by").order_by("-revision")
        return Response(PurchaseOrderRevisionSerializer(rows, many=True).data)
