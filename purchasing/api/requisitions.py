"""/api/purchasing/requisitions/: requisitions with their lines (each with its peg and, once
ordered, its purchase order line); drafts created and changed with their lines as a whole; POST
…/<id>/submit/, …/<id>/cancel/ {"reason"}; and POST …/consolidate/ {"lines": [ids], "supplier"?: code,
"order_date"?} turning open lines into draft purchase orders."""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch, QuerySet
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import exceptions, mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from erp.api.fields import CodeRelatedField, base_qty_field, qty_field
from erp.api.params import by_code, parse_day
from erp.api.serializers import VoidSerializer, actor_and_company, void_reason_of
from erp.api.viewsets import CompanyViewMixin
from erp.errors import ImmutableDocument
from inventory.models import Item, UnitOfMeasure, Warehouse
from purchasing.models import PurchaseRequisition, PurchaseRequisitionLine, Supplier
from purchasing.selectors.requisitions import requisitions_for_user
from purchasing.services import requisitions as services
from purchasing.services.consolidation import requisition_lines_consolidate


class RequisitionLineSerializer(serializers.ModelSerializer[PurchaseRequisitionLine]):
    item = CodeRelatedField(queryset=Item.objects.all())
    unit = CodeRelatedField(queryset=UnitOfMeasure.objects.all(), required=False, allow_null=True,
                            help_text=gettext_lazy("Unit code; empty = the item's base unit"))
    supplier = CodeRelatedField(queryset=Supplier.objects.all(), required=False, allow_null=True,
                                help_text=gettext_lazy("Suggested supplier code; empty = the preferred one"))
    quantity = qty_field()
    quantity_base = base_qty_field(read_only=True)
    sales_order = serializers.SerializerMethodField()
    purchase_order = serializers.SerializerMethodField()

    class Meta:
        model = PurchaseRequisitionLine
        fields = ["id", "line_no", "status", "item", "quantity", "unit", "quantity_base", "required_date",
                  "supplier", "notes", "source", "sales_order_line", "sales_order", "source_event", "order_line",
                  "purchase_order"]
        read_only_fields = ["line_no", "status", "source", "sales_order_line", "source_event", "order_line"]

    def get_sales_order(self, line: PurchaseRequisitionLine) -> str | None:
        return line.sales_order_line.order.reference if line.sales_order_line_id else None

    def get_purchase_order(self, line: PurchaseRequisitionLine) -> str | None:
        return line.order_line.order.reference if line.order_line_id else None


class RequisitionSerializer(serializers.ModelSerializer[PurchaseRequisition]):
    reference = serializers.CharField(read_only=True)
    warehouse = CodeRelatedField(queryset=Warehouse.objects.all())
    requested_by = serializers.CharField(source="requested_by.username", read_only=True, allow_null=True)
    lines = RequisitionLineSerializer(many=True)

    class Meta:
        model = PurchaseRequisition
        fields = ["id", "number", "reference", "status", "source", "document_date", "warehouse", "notes",
                  "requested_by", "void_reason", "created_at", "lines"]
        read_only_fields = ["number", "status", "source", "void_reason", "created_at"]

    def save_with(self, validated_data: dict[str, Any], instance: PurchaseRequisition | None) -> PurchaseRequisition:
        user, company = actor_and_company(self)
        lines = validated_data.pop("lines", None)
        if lines is None and instance is not None:  # a partial update of the header keeps the lines
            lines = [{"item": line.item, "quantity": line.quantity, "unit": line.unit,
                      "required_date": line.required_date, "supplier": line.supplier, "notes": line.notes}
                     for line in instance.lines.all()]
        warehouse = validated_data.get("warehouse", instance.warehouse if instance is not None else None)
        return services.requisition_save(
            company=company, actor=user, requisition=instance, warehouse=warehouse, lines=lines or [],
            notes=validated_data.get("notes", instance.notes if instance is not None else ""),
            document_date=validated_data.get("document_date"))

    def create(self, validated_data: dict[str, Any]) -> PurchaseRequisition:
        return self.save_with(validated_data, None)

    def update(self, instance: PurchaseRequisition, validated_data: dict[str, Any]) -> PurchaseRequisition:
        return self.save_with(validated_data, instance)


class ConsolidateSerializer(serializers.Serializer[Any]):
    lines = serializers.ListField(child=serializers.IntegerField(min_value=1), allow_empty=False, max_length=20000,
                                  help_text=gettext_lazy("Ids of open requisition lines"))
    supplier = CodeRelatedField(queryset=Supplier.objects.all(), required=False, allow_null=True,
                                help_text=gettext_lazy("Order every line from this supplier (code)"))
    order_date = serializers.DateField(required=False, allow_null=True)


class OrderSummarySerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    reference = serializers.CharField()
    supplier = serializers.CharField(source="supplier.code")
    warehouse = serializers.CharField(source="warehouse.code")
    status = serializers.CharField()
    expected_date = serializers.DateField()
    total_amount = serializers.DecimalField(max_digits=20, decimal_places=2)
    line_count = serializers.SerializerMethodField()

    def get_line_count(self, order: Any) -> int:
        return len(self.context["lines_of"].get(order.pk, ()))


FILTERS = [
    OpenApiParameter("status", str),
    OpenApiParameter("source", str, description=gettext_lazy("manual, sales, reorder or mrp")),
    OpenApiParameter("item", str, description=gettext_lazy("Item code (any line)")),
    OpenApiParameter("warehouse", str, description=gettext_lazy("Warehouse code")),
    OpenApiParameter("date_from", OpenApiTypes.DATE),
    OpenApiParameter("date_to", OpenApiTypes.DATE),
]


@extend_schema_view(list=extend_schema(parameters=FILTERS))
class RequisitionViewSet(CompanyViewMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin,
                         mixins.CreateModelMixin, mixins.UpdateModelMixin, viewsets.GenericViewSet[Any]):
    """Purchase requisitions. Lines: ``{"item": code, "quantity", "unit": code, "required_date",
    "supplier": code, "notes"}``; only drafts change (409 otherwise)."""

    serializer_class = RequisitionSerializer
    queryset = PurchaseRequisition.objects.all()  # the model for the schema and the API walk; rows: get_queryset

    def get_queryset(self) -> QuerySet[Any]:
        if self.fake():
            return PurchaseRequisition.objects.none()
        lines = PurchaseRequisitionLine.objects.select_related(
            "item", "unit", "supplier", "sales_order_line__order", "order_line__order")
        return (requisitions_for_user(self.request.user).prefetch_related(Prefetch("lines", queryset=lines))
                .order_by("-created_at", "-id"))

    def filter_queryset(self, queryset: QuerySet[Any]) -> QuerySet[Any]:
        if self.action != "list":
            return queryset
        params, user = self.request.query_params, self.request.user
        if params.get("status"):
            queryset = queryset.filter(status=params["status"])
        if params.get("source"):
            queryset = queryset.filter(source=params["source"])
        for name, model, lookup in (("item", Item, "lines__item"), ("warehouse", Warehouse, "warehouse")):
            if params.get(name):
                queryset = queryset.filter(**{lookup: by_code(model, user, params, name)}).distinct()
        date_from, date_to = parse_day(params, "date_from"), parse_day(params, "date_to")
        if date_from:
            queryset = queryset.filter(document_date__gte=date_from)
        if date_to:
            queryset = queryset.filter(document_date__lte=date_to)
        return queryset

    def perform_create(self, serializer: serializers.BaseSerializer[Any]) -> None:
        serializer.instance = self.reload(serializer.save())

    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        if not self.get_object().is_editable:
            raise ImmutableDocument()
        return super().update(request, *args, **kwargs)

    def perform_update(self, serializer: serializers.BaseSerializer[Any]) -> None:
        serializer.instance = self.reload(serializer.save())

    @extend_schema(request=None)
    @action(detail=True, methods=["post"])
    def submit(self, request: Request, pk: str | None = None) -> Response:
        """Submit the draft: it takes its number and its lines wait for the buyers."""
        requisition = self.get_object()
        services.requisition_submit(requisition=requisition, actor=self.actor)
        return self.answer(requisition)

    @extend_schema(request=VoidSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request: Request, pk: str | None = None) -> Response:
        """Void the requisition (``reason`` required): its open lines are cancelled."""
        requisition = self.get_object()
        services.requisition_cancel(requisition=requisition, actor=self.actor, reason=void_reason_of(request))
        return self.answer(requisition)

    @extend_schema(request=ConsolidateSerializer, responses=OpenApiTypes.OBJECT)
    @action(detail=False, methods=["post"])
    def consolidate(self, request: Request) -> Response:
        """Open lines into draft purchase orders (one per supplier and warehouse): ``{"orders": [...],
        "skipped": [{"line", "reason"}], "warnings": [...]}``."""
        if not request.user.has_perm("purchasing.add_purchaseorder"):
            raise exceptions.PermissionDenied()
        body = ConsolidateSerializer(data=request.data, context=self.get_serializer_context())
        body.is_valid(raise_exception=True)
        result = requisition_lines_consolidate(
            company=self.company, line_ids=body.validated_data["lines"], actor=self.actor,
            supplier=body.validated_data.get("supplier"), order_date=body.validated_data.get("order_date"))
        lines_of: dict[int, list[Any]] = {}
        for line in result.order_lines:
            lines_of.setdefault(line.order_id, []).append(line)
        orders = OrderSummarySerializer(result.orders, many=True, context={"lines_of": lines_of}).data
        return Response({"orders": orders, "skipped": [{"line": s.line_id, "reason": s.reason} for s in result.skipped],
                         "warnings": result.warnings}, status=201 if result.orders else 200)
