"""/api/sales/ quotations and sales orders: drafts saved with their lines through the services,
and the actions of each (send, convert, confirm, cancel, close, credit approval)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

from django.db.models import Model, Prefetch, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field, extend_schema_view
from rest_framework import exceptions, mixins, serializers, status, viewsets
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
from erp.api.params import by_code, by_username, parse_bool, parse_date_range
from erp.api.serializers import VoidSerializer, actor_and_company, void_reason_of
from erp.api.viewsets import ReloadAfterSaveMixin
from erp.errors import ImmutableDocument
from inventory.models import Item, UnitOfMeasure, Warehouse
from office.models import ApprovalRequest
from office.selectors.approvals import pending_request
from office.status import DecisionVia
from sales import selectors
from sales import status as st
from sales.api.common import OrderStatusField, QuotationStatusField, status_param
from sales.api.confirmation import ConfirmationSerializer
from sales.approvals import CREDIT_EXCEPTION
from sales.models import (
    CreditApproval,
    Customer,
    PaymentTerm,
    Quotation,
    QuotationLine,
    SalesDocument,
    SalesOrder,
    SalesOrderLine,
    TaxCode,
)
from sales.services import orders as order_services
from sales.services import quotations as quotation_services

# Serializers ---------------------------------------------------------------------------------


class SalesLineSerializer(serializers.Serializer[Any]):
    """A line as written: ``item``, ``quantity``, ``unit`` (codes); the unit price comes from the
    price list unless given (changing it needs sales.override_price)."""

    id = serializers.IntegerField(read_only=True)
    line_no = serializers.IntegerField(read_only=True)
    item = CodeRelatedField(queryset=Item.objects.all())
    item_name = serializers.CharField(source="item.name", read_only=True)
    description = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")
    quantity = qty_field()
    unit = CodeRelatedField(queryset=UnitOfMeasure.objects.all(), required=False, allow_null=True,
                            help_text=gettext_lazy("Unit code; empty = the item's base unit"))
    quantity_base = base_qty_field(read_only=True)
    list_price = price_field(read_only=True, allow_null=True)
    unit_price = price_field(required=False, allow_null=True, help_text=gettext_lazy("Empty = the price list's price"))
    discount_percent = rate_field(required=False, default=0)
    tax_code = CodeRelatedField(queryset=TaxCode.objects.all(), required=False, allow_null=True,
                                help_text=gettext_lazy("Empty = the customer's or the default tax code"))
    tax_rate = rate_field(read_only=True)
    net_amount = money_field(read_only=True)
    requested_date = serializers.DateField(required=False, allow_null=True)


class OrderLineSerializer(SalesLineSerializer):
    shortage_quantity = base_qty_field(read_only=True, help_text=gettext_lazy("Short at confirmation (base unit)"))
    delivered_quantity = base_qty_field(read_only=True)
    returned_quantity = base_qty_field(read_only=True)
    open_quantity = base_qty_field(read_only=True, help_text=gettext_lazy("Still to deliver (base unit)"))
    promised_date = serializers.DateField(read_only=True, allow_null=True)  # none until confirmed


def lines_of(document: Any) -> list[dict[str, Any]]:
    """A draft's lines as the save service takes them (a header-only PATCH keeps them). A price equal
    to the list price is left to the price list, so that only real overrides need the permission."""
    return [{
        "item": line.item, "quantity": line.quantity, "unit": line.unit, "description": line.description,
        "unit_price": None if line.list_price is not None and line.unit_price == line.list_price else line.unit_price,
        "discount_percent": line.discount_percent, "tax_code": line.tax_code, "requested_date": line.requested_date,
    } for line in document.lines.all()]


class SalesDocumentSerializer(serializers.ModelSerializer[Any]):
    """Header and lines of a quotation or order; create/update save a draft through the service."""

    reference = serializers.CharField(read_only=True)
    customer = CodeRelatedField(queryset=Customer.objects.all())
    customer_name = serializers.CharField(source="customer.name", read_only=True)
    sales_rep = UserField(required=False, allow_null=True,
                          help_text=gettext_lazy("Username; empty = the customer's sales rep"))
    price_list = serializers.CharField(source="price_list.code", read_only=True, allow_null=True)
    payment_term = CodeRelatedField(queryset=PaymentTerm.objects.all(), required=False, allow_null=True)
    created_by = serializers.CharField(source="created_by.username", read_only=True, allow_null=True)

    common_fields = ["id", "number", "reference", "status", "document_date", "customer", "customer_name",
                     "sales_rep", "currency", "price_list", "payment_term", "customer_reference", "ship_to", "notes",
                     "net_amount", "tax_amount", "total_amount", "created_by", "created_at"]
    common_read_only = ["number", "currency", "net_amount", "tax_amount", "total_amount", "created_at"]
    document_kwarg = ""

    @staticmethod
    def save_service(**kwargs: Any) -> Any:
        raise NotImplementedError

    def create(self, validated_data: dict[str, Any]) -> SalesDocument:
        user, company = actor_and_company(self)
        lines = validated_data.pop("lines")
        document: SalesDocument = self.save_service(company=company, actor=user, lines=lines, **validated_data)
        return document

    def update(self, instance: SalesDocument, validated_data: dict[str, Any]) -> SalesDocument:
        user, company = actor_and_company(self)
        lines = validated_data.pop("lines", None)
        if lines is None:  # a partial update of the header keeps the lines
            lines = lines_of(instance)
        document: SalesDocument = self.save_service(company=company, actor=user, lines=lines,
                                                    **{self.document_kwarg: instance}, **validated_data)
        return document


class QuotationSerializer(SalesDocumentSerializer):
    status = QuotationStatusField()
    orders: serializers.PrimaryKeyRelatedField[SalesOrder] = serializers.PrimaryKeyRelatedField(
        many=True, read_only=True, help_text=gettext_lazy("The order made from this quotation"))
    lines = SalesLineSerializer(many=True)
    document_kwarg = "quotation"

    class Meta:
        model = Quotation
        fields = [*SalesDocumentSerializer.common_fields, "valid_until", "orders", "lines"]
        read_only_fields = SalesDocumentSerializer.common_read_only

    @staticmethod
    def save_service(**kwargs: Any) -> Quotation:
        quotation: Quotation = quotation_services.quotation_save(**kwargs)
        return quotation


class QuotationSummarySerializer(QuotationSerializer):
    class Meta(QuotationSerializer.Meta):
        fields = [f for f in QuotationSerializer.Meta.fields if f not in ("lines", "orders")]


class OrderSerializer(SalesDocumentSerializer):
    status = OrderStatusField()
    warehouse = CodeRelatedField(queryset=Warehouse.objects.all(), action=IN_COMPANY, required=False,
                                 help_text=gettext_lazy("Ship-from warehouse code; empty = the first warehouse"))
    late = serializers.SerializerMethodField()
    lines = OrderLineSerializer(many=True)
    document_kwarg = "order"

    class Meta:
        model = SalesOrder
        fields = [*SalesDocumentSerializer.common_fields, "quotation", "warehouse", "requested_date",
                  "promised_date", "confirmed_at", "late", "lines"]
        read_only_fields = [*SalesDocumentSerializer.common_read_only, "quotation", "promised_date", "confirmed_at"]

    @extend_schema_field(OpenApiTypes.BOOL)
    def get_late(self, order: SalesOrder) -> bool:
        return order.status in st.OPEN_ORDER_STATUSES and order.promised_date is not None and (
            order.promised_date < timezone.localdate())

    @staticmethod
    def save_service(**kwargs: Any) -> SalesOrder:
        order: SalesOrder = order_services.order_save(**kwargs)
        return order


class OrderSummarySerializer(OrderSerializer):
    class Meta(OrderSerializer.Meta):
        fields = [f for f in OrderSerializer.Meta.fields if f != "lines"]


class ConvertSerializer(serializers.Serializer[Any]):
    warehouse = CodeRelatedField(queryset=Warehouse.objects.all(), action=IN_COMPANY, required=False,
                                 allow_null=True,
                                 help_text=gettext_lazy("Ship-from warehouse code; empty = the first warehouse"))
    requested_date = serializers.DateField(required=False, allow_null=True)

    def validate_requested_date(self, value: Any) -> Any:
        if value is not None and value < timezone.localdate():
            raise serializers.ValidationError(_("The requested date is in the past."))
        return value


class CreditApproveSerializer(serializers.Serializer[Any]):
    note = serializers.CharField(required=False, allow_blank=True, default="")


class CreditRequestSerializer(serializers.ModelSerializer[ApprovalRequest]):
    """An order's credit-exception request on the approval engine (its steps and decisions:
    /api/office/approval-requests/<id>/)."""

    approval_request = serializers.IntegerField(source="pk", read_only=True)

    class Meta:
        model = ApprovalRequest
        fields = ["approval_request", "type_key", "reference", "status"]
        read_only_fields = fields


class CreditApprovalSerializer(serializers.ModelSerializer[CreditApproval]):
    approved_by = serializers.CharField(source="approved_by.username", read_only=True)

    class Meta:
        model = CreditApproval
        fields = ["id", "order", "order_total", "exposure", "credit_limit", "note", "approved_by", "approved_at"]
        read_only_fields = fields


# Viewsets ------------------------------------------------------------------------------------


DOCUMENT_FILTERS = [
    OpenApiParameter("customer", str, description=gettext_lazy("Customer code")),
    OpenApiParameter("rep", str, description=gettext_lazy("Username of the sales rep")),
    OpenApiParameter("date_from", OpenApiTypes.DATE),
    OpenApiParameter("date_to", OpenApiTypes.DATE),
    OpenApiParameter("search", str, description=gettext_lazy("Part of the number, customer name or reference")),
]


class SalesDocumentViewSet(ReloadAfterSaveMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin,
                           mixins.CreateModelMixin, mixins.UpdateModelMixin, viewsets.GenericViewSet[Any]):
    """Listing (headers), reading (with lines), creating and changing drafts of a sales document."""

    model: ClassVar[type[Model]]
    statuses: ClassVar[list[str]] = []
    summary_serializer: ClassVar[type[serializers.BaseSerializer[Any]]]

    def get_serializer_class(self) -> type[serializers.BaseSerializer[Any]]:
        serializer_class = self.summary_serializer if self.action == "list" else self.serializer_class
        assert serializer_class is not None
        return serializer_class

    def document_filters(self) -> dict[str, Any]:
        params, user = self.request.query_params, self.request.user
        date_from, date_to = parse_date_range(params)
        return {"customer": by_code(Customer, user, params, "customer"), "rep": by_username(user, params, "rep"),
                "status": status_param(params, self.statuses), "date_from": date_from,
                "date_to": date_to, "search": params.get("search", "").strip()}

    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        document = self.get_object()
        if not document.is_editable:
            raise ImmutableDocument()
        return super().update(request, *args, **kwargs)

    def run(self, service: Callable[..., Any], *, void: bool = False, **kwargs: Any) -> Response:
        """One service call on one document the user may see; answers with the document. ``void``: the
        body's ``reason`` is required (read after the scoped read: another's document is a 404 first)."""
        document = self.get_object()
        if void:
            kwargs["reason"] = void_reason_of(self.request)
        serializer_class: Any = self.serializer_class  # a SalesDocumentSerializer: it names the service's argument
        service(**{serializer_class.document_kwarg: document}, actor=self.actor, **kwargs)
        return self.answer(document)


@extend_schema_view(list=extend_schema(parameters=[
    *DOCUMENT_FILTERS, OpenApiParameter("status", str, enum=st.QuotationStatus.values),
]))
class QuotationViewSet(SalesDocumentViewSet):
    """Quotations. Lines: ``{"item": code, "quantity", "unit": code, "unit_price"?, "discount_percent"?,
    "tax_code"?, "requested_date"?, "description"?}``. POST …/send/, …/cancel/; POST …/convert/
    makes the draft sales order (201; converting again answers the same order with 200)."""

    model = Quotation
    queryset = Quotation.objects.none()
    serializer_class = QuotationSerializer
    summary_serializer = QuotationSummarySerializer
    statuses = st.QuotationStatus.values

    def get_queryset(self) -> QuerySet[Quotation]:
        if self.fake():
            return Quotation.objects.none()
        rows: QuerySet[Quotation] = selectors.quotations_for_user(self.request.user).select_related(
            "price_list", "payment_term", "created_by")
        if self.action != "list":
            lines = QuotationLine.objects.select_related("item", "unit", "tax_code").order_by("line_no", "pk")
            rows = rows.prefetch_related(Prefetch("lines", queryset=lines), "orders")
        return rows

    def filter_queryset(self, queryset: QuerySet[Any]) -> QuerySet[Any]:
        if self.action != "list":
            return queryset
        rows: QuerySet[Quotation] = selectors.quotations_for_user(self.request.user, **self.document_filters())
        return rows.select_related("price_list", "payment_term", "created_by")

    @extend_schema(request=None, responses=QuotationSerializer)
    @action(detail=True, methods=["post"])
    def send(self, request: Request, pk: str | None = None) -> Response:
        """Mark the quotation as sent: it takes its number and can no longer change."""
        return self.run(quotation_services.quotation_send)

    @extend_schema(request=VoidSerializer, responses=QuotationSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request: Request, pk: str | None = None) -> Response:
        """Void a draft or sent quotation; ``reason`` is required."""
        return self.run(quotation_services.quotation_cancel, void=True)

    @extend_schema(request=ConvertSerializer, responses={201: OrderSerializer, 200: OrderSerializer})
    @action(detail=True, methods=["post"])
    def convert(self, request: Request, pk: str | None = None) -> Response:
        """Copy the quotation into a draft sales order (201 with the order); a quotation already
        converted answers with the order it made (200)."""
        quotation = self.get_object()
        if not request.user.has_perm("sales.add_salesorder"):
            raise exceptions.PermissionDenied()
        payload = ConvertSerializer(data=request.data, context=self.get_serializer_context())
        payload.is_valid(raise_exception=True)
        already = quotation.status == st.QuotationStatus.CONVERTED
        order = quotation_services.quotation_convert(quotation=quotation, actor=request.user,
                                                     **payload.validated_data)
        order = order_queryset(request.user).get(pk=order.pk)
        return Response(OrderSerializer(order, context=self.get_serializer_context()).data,
                        status=status.HTTP_200_OK if already else status.HTTP_201_CREATED)


def order_queryset(user: Any, **filters: Any) -> QuerySet[SalesOrder]:
    orders: QuerySet[SalesOrder] = selectors.orders_for_user(user, **filters)
    return orders.select_related("price_list", "payment_term", "created_by")


def order_lines_prefetch() -> Prefetch[Any]:
    lines = SalesOrderLine.objects.select_related("item", "unit", "tax_code").order_by("line_no", "pk")
    return Prefetch("lines", queryset=lines)


@extend_schema_view(list=extend_schema(parameters=[
    *DOCUMENT_FILTERS, OpenApiParameter("status", str, enum=st.OrderStatus.values),
    OpenApiParameter("late", bool, description=gettext_lazy("Open orders past their promised date")),
]))
class OrderViewSet(mixins.DestroyModelMixin, SalesDocumentViewSet):
    """Sales orders. Lines as for quotations; read with what was short at confirmation, delivered,
    returned and the promised date. POST …/confirm/ reserves stock and answers per line what was
    reserved, what is short and the promised date (confirming again answers the same, 200; above the
    credit limit: 409). POST …/cancel/ (``reason``), …/close/, …/request-credit/ (a request to the approval
    engine), …/approve-credit/ (its approvers). DELETE removes a draft."""

    model = SalesOrder
    queryset = SalesOrder.objects.none()
    serializer_class = OrderSerializer
    summary_serializer = OrderSummarySerializer
    statuses = st.OrderStatus.values

    def get_queryset(self) -> QuerySet[SalesOrder]:
        if self.fake():
            return SalesOrder.objects.none()
        rows = order_queryset(self.request.user)
        if self.action != "list":
            rows = rows.prefetch_related(order_lines_prefetch())
        return rows

    def filter_queryset(self, queryset: QuerySet[Any]) -> QuerySet[Any]:
        if self.action != "list":
            return queryset
        return order_queryset(self.request.user, late=parse_bool(self.request.query_params, "late"),
                              **self.document_filters())

    def perform_destroy(self, instance: SalesOrder) -> None:
        order_services.order_delete_draft(order=instance, actor=self.actor)

    @extend_schema(request=None, responses=ConfirmationSerializer)
    @action(detail=True, methods=["post"])
    def confirm(self, request: Request, pk: str | None = None) -> Response:
        """Confirm the draft: number, status and stock reservations in one transaction."""
        if not str(pk).isdigit():
            raise exceptions.NotFound()
        try:  # the scope check and the lock in one query
            result = order_services.order_confirm(order=SalesOrder(pk=int(str(pk))), actor=request.user,
                                                  scoped=True)
        except SalesOrder.DoesNotExist:
            raise exceptions.NotFound() from None
        return Response(ConfirmationSerializer(result, context=self.get_serializer_context()).data)

    @extend_schema(request=VoidSerializer, responses=OrderSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request: Request, pk: str | None = None) -> Response:
        """Void the order with a ``reason`` (required; its reservations and delivery-note drafts are
        released); with deliveries, close the undelivered rest. Delivered goods come back only through a
        customer return."""
        return self.run(order_services.order_cancel, void=True)

    @extend_schema(request=None, responses=OrderSerializer)
    @action(detail=True, methods=["post"])
    def close(self, request: Request, pk: str | None = None) -> Response:
        """Close a delivered order (a partly delivered one: its rest is cancelled)."""
        return self.run(order_services.order_close)

    @extend_schema(request=None, responses={201: CreditRequestSerializer})
    @action(detail=True, methods=["post"], url_path="request-credit", url_name="request-credit")
    def request_credit(self, request: Request, pk: str | None = None) -> Response:
        """Ask for the approval of an order above the credit limit: a request to the approval engine under
        the company's credit-exception rules (out of the box the sales managers); see
        /api/office/approval-requests/."""
        approval = order_services.credit_request_approval(order=self.get_object(), actor=request.user)
        return Response(CreditRequestSerializer(approval).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=CreditApproveSerializer, responses={201: CreditApprovalSerializer,
                                                               202: CreditRequestSerializer})
    @action(detail=True, methods=["post"], url_path="approve-credit", url_name="approve-credit")
    def approve_credit(self, request: Request, pk: str | None = None) -> Response:
        """Approve this draft above the customer's credit limit: your decision on its credit-exception
        request (the approval engine refuses anyone who is not its approver: 403). 201 with the credit
        approval once the request is approved; 202 with the request while it waits for more approvals."""
        order = self.get_object()
        payload = CreditApproveSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        approval = order_services.credit_approve(order=order, actor=request.user, note=payload.validated_data["note"],
                                                 via=DecisionVia.API)
        if approval is None:
            pending = pending_request(order, CREDIT_EXCEPTION)
            return Response(CreditRequestSerializer(pending).data, status=status.HTTP_202_ACCEPTED)
        return Response(CreditApprovalSerializer(approval).data, status=status.HTTP_201_CREATED)
