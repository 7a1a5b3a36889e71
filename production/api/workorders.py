"""/api/production/work-orders/: work orders with their components (required, reserved, issued),
operations and costs; drafts created and changed; POST …/<id>/release/, …/<id>/reserve/,
…/<id>/issue/ {"lines": [{"component": code, "quantity", "location"?: code, "lot"?: number}]},
…/<id>/complete/ {"quantity", "location"?: code, "lot"?: number}, …/<id>/close/ and …/<id>/cancel/.
The same services as the screens; a refusal is a 400 (409 for a status or stock conflict) naming
the field."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db.models import Prefetch, QuerySet
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from erp.api.fields import CodeRelatedField, CompanyPrimaryKeyField, base_qty_field, cost_field, money_field
from erp.api.params import by_code, parse_day
from erp.api.serializers import actor_and_company
from erp.api.viewsets import ReloadAfterSaveMixin
from erp.errors import ImmutableDocument
from inventory.models import Item, Location, Warehouse
from inventory.selectors import held_by_line
from production.models import Bom, Routing, WorkOrder, WorkOrderComponent, WorkOrderOperation
from production.selectors.workorders import work_orders_for_user
from production.services import workorders as services


class ComponentSerializer(serializers.ModelSerializer[WorkOrderComponent]):
    component = serializers.CharField(source="component.code", read_only=True)
    quantity_per = base_qty_field(read_only=True)
    quantity_required = base_qty_field(read_only=True)
    issued_quantity = base_qty_field(read_only=True)
    issued_value = money_field(read_only=True)
    unit_cost_issued = cost_field(read_only=True)
    reserved_quantity = serializers.SerializerMethodField()

    class Meta:
        model = WorkOrderComponent
        fields = ["id", "sequence", "component", "quantity_per", "quantity_required", "reserved_quantity",
                  "issued_quantity", "issued_value", "unit_cost_issued", "backflush"]
        read_only_fields = fields

    def get_reserved_quantity(self, row: WorkOrderComponent) -> str:
        return f"{self.context.get('held', {}).get(row.pk, Decimal('0')):f}"


class WorkOrderOperationSerializer(serializers.ModelSerializer[WorkOrderOperation]):
    work_center = serializers.CharField(source="work_center.code", read_only=True)

    class Meta:
        model = WorkOrderOperation
        fields = ["sequence", "name", "work_center", "setup_minutes", "run_minutes", "efficiency_percent",
                  "cost_rate", "planned_hours"]
        read_only_fields = fields


COSTS = ["standard_material", "standard_labour", "standard_overhead", "actual_material", "actual_labour",
         "actual_overhead", "received_value", "byproduct_value", "material_variance", "labour_variance",
         "overhead_variance"]


class WorkOrderSerializer(serializers.ModelSerializer[WorkOrder]):
    reference = serializers.CharField(read_only=True)
    item = CodeRelatedField(queryset=Item.objects.all())
    warehouse = CodeRelatedField(queryset=Warehouse.objects.all())
    bom = CompanyPrimaryKeyField(queryset=Bom.objects.all(), required=False, allow_null=True,
                                 help_text=gettext_lazy("BOM version id; empty = the item's default on the start date"))
    routing = CodeRelatedField(queryset=Routing.objects.all(), required=False, allow_null=True,
                               help_text=gettext_lazy("Routing code; empty = the BOM's"))
    quantity = base_qty_field()
    completed_quantity = base_qty_field(read_only=True)
    due_date = serializers.DateField(required=False, allow_null=True)
    sales_order = serializers.SerializerMethodField()
    components = ComponentSerializer(many=True, read_only=True)
    operations = WorkOrderOperationSerializer(many=True, read_only=True)

    class Meta:
        model = WorkOrder
        fields = ["id", "number", "reference", "status", "source", "item", "bom", "routing", "warehouse", "quantity",
                  "completed_quantity", "start_date", "due_date", "backflush", "overhead_percent", "notes",
                  "sales_order_line", "sales_order", *COSTS, "created_at", "components", "operations"]
        read_only_fields = ["number", "status", "source", "sales_order_line", *COSTS, "created_at"]

    def get_sales_order(self, order: WorkOrder) -> str | None:
        return order.sales_order_line.order.reference if order.sales_order_line_id else None

    def save_with(self, data: dict[str, Any], instance: WorkOrder | None) -> WorkOrder:
        user, company = actor_and_company(self)

        def value(name: str, default: Any = None) -> Any:
            return data[name] if name in data else (getattr(instance, name) if instance is not None else default)

        return services.work_order_save(
            company=company, actor=user, work_order=instance, item=value("item"), warehouse=value("warehouse"),
            quantity=value("quantity"), start_date=value("start_date"), due_date=value("due_date"),
            bom=value("bom"), routing=value("routing"), backflush=value("backflush", False),
            overhead_percent=value("overhead_percent", 0), notes=value("notes", ""))

    def create(self, validated_data: dict[str, Any]) -> WorkOrder:
        return self.save_with(validated_data, None)

    def update(self, instance: WorkOrder, validated_data: dict[str, Any]) -> WorkOrder:
        return self.save_with(validated_data, instance)


class WorkOrderIssueLineSerializer(serializers.Serializer[Any]):
    component = serializers.CharField(help_text=gettext_lazy("Component item code"))
    quantity = base_qty_field()
    location = CodeRelatedField(queryset=Location.objects.all(), required=False, allow_null=True,
                                help_text=gettext_lazy("Location code; empty = the component's reserved stock"))
    lot = serializers.CharField(required=False, allow_blank=True, help_text=gettext_lazy("Lot number"))


class WorkOrderIssueSerializer(serializers.Serializer[Any]):
    lines = WorkOrderIssueLineSerializer(many=True, allow_empty=False)


class CompleteSerializer(serializers.Serializer[Any]):
    quantity = base_qty_field()
    location = CodeRelatedField(queryset=Location.objects.all(), required=False, allow_null=True,
                                help_text=gettext_lazy("Location code; empty = the warehouse's first storage location"))
    lot = serializers.CharField(required=False, allow_blank=True, help_text=gettext_lazy("Lot number"))


class ShortageSerializer(serializers.Serializer[Any]):
    component = serializers.CharField(source="component.code")
    required = base_qty_field()
    reserved = base_qty_field()
    short = base_qty_field()


FILTERS = [
    OpenApiParameter("status", str),
    OpenApiParameter("source", str, description=gettext_lazy("manual or mrp")),
    OpenApiParameter("item", str, description=gettext_lazy("Item code")),
    OpenApiParameter("warehouse", str, description=gettext_lazy("Warehouse code")),
    OpenApiParameter("date_from", OpenApiTypes.DATE, description=gettext_lazy("Due on or after")),
    OpenApiParameter("date_to", OpenApiTypes.DATE, description=gettext_lazy("Starting on or before")),
]


@extend_schema_view(list=extend_schema(parameters=FILTERS))
class WorkOrderViewSet(ReloadAfterSaveMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin,
                       mixins.UpdateModelMixin, viewsets.GenericViewSet[Any]):
    """Work orders: ``{"item": code, "quantity", "warehouse": code, "start_date", "due_date", "bom": id,
    "routing": code, "backflush", "overhead_percent", "notes"}``; only drafts change (409 otherwise)."""

    serializer_class = WorkOrderSerializer
    queryset = WorkOrder.objects.all()  # the model for the schema and the API walk; rows: get_queryset

    def get_queryset(self) -> QuerySet[Any]:
        if self.fake():
            return WorkOrder.objects.none()
        return (work_orders_for_user(self.request.user)
                .prefetch_related(Prefetch("components", queryset=WorkOrderComponent.objects.select_related(
                    "component").order_by("sequence", "pk")),
                                  Prefetch("operations", queryset=WorkOrderOperation.objects.select_related(
                                      "work_center").order_by("sequence", "pk")))
                .order_by("-created_at", "-id"))

    def get_serializer(self, *args: Any, **kwargs: Any) -> Any:
        """The serializer, with the active reservations of the orders it shows by component row (one
        query for a page or a record)."""
        serializer = super().get_serializer(*args, **kwargs)
        instance = args[0] if args else kwargs.get("instance")
        orders = [instance] if isinstance(instance, WorkOrder) else list(instance or [])
        serializer.context["held"] = held_by_line(orders) if orders else {}
        return serializer

    def filter_queryset(self, queryset: QuerySet[Any]) -> QuerySet[Any]:
        if self.action != "list":
            return queryset
        params, user = self.request.query_params, self.request.user
        for name in ("status", "source"):
            if params.get(name):
                queryset = queryset.filter(**{name: params[name]})
        for name, model in (("item", Item), ("warehouse", Warehouse)):
            if params.get(name):
                queryset = queryset.filter(**{name: by_code(model, user, params, name)})
        date_from, date_to = parse_day(params, "date_from"), parse_day(params, "date_to")
        if date_from:
            queryset = queryset.filter(due_date__gte=date_from)
        if date_to:
            queryset = queryset.filter(start_date__lte=date_to)
        return queryset

    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        if not self.get_object().is_editable:
            raise ImmutableDocument()
        return super().update(request, *args, **kwargs)

    def with_shortages(self, result: services.ReleaseResult) -> Response:
        data = dict(self.get_serializer(self.reload(result.work_order)).data)
        data["shortages"] = ShortageSerializer(result.shortages, many=True).data
        return Response(data)

    @extend_schema(request=None)
    @action(detail=True, methods=["post"])
    def release(self, request: Request, pk: str | None = None) -> Response:
        """Release the draft: number, components and operations, reservations; ``shortages`` lists
        what could not be reserved."""
        return self.with_shortages(services.work_order_release(work_order=self.get_object(), actor=self.actor))

    @extend_schema(request=None)
    @action(detail=True, methods=["post"])
    def reserve(self, request: Request, pk: str | None = None) -> Response:
        """Reserve what the components are still short of; ``shortages`` lists what is still missing."""
        return self.with_shortages(services.work_order_reserve(work_order=self.get_object(), actor=self.actor))

    @extend_schema(request=WorkOrderIssueSerializer)
    @action(detail=True, methods=["post"])
    def issue(self, request: Request, pk: str | None = None) -> Response:
        """Issue components (a production consumption at the moving-average cost)."""
        order = self.get_object()
        body = WorkOrderIssueSerializer(data=request.data, context=self.get_serializer_context())
        body.is_valid(raise_exception=True)
        rows = {row.component.code: row for row in order.components.select_related("component")}
        lines = []
        for n, line in enumerate(body.validated_data["lines"]):
            row = rows.get(str(line["component"]).strip().upper()) or rows.get(str(line["component"]).strip())
            if row is None:
                raise serializers.ValidationError({"lines": {n: {"component": [
                    gettext_lazy("This component is not on the work order.")]}}})
            lines.append(services.IssueLine(component=row.pk, quantity=line["quantity"], location=line.get("location"),
                                            lot_number=line.get("lot") or ""))
        services.work_order_issue(work_order=order, actor=self.actor, lines=lines)
        return self.answer(order)

    @extend_schema(request=CompleteSerializer)
    @action(detail=True, methods=["post"])
    def complete(self, request: Request, pk: str | None = None) -> Response:
        """Complete a quantity: backflush, then the finished goods received at actual cost."""
        order = self.get_object()
        body = CompleteSerializer(data=request.data, context=self.get_serializer_context())
        body.is_valid(raise_exception=True)
        services.work_order_complete(work_order=order, actor=self.actor, quantity=body.validated_data["quantity"],
                                     location=body.validated_data.get("location"),
                                     lot_number=body.validated_data.get("lot") or "")
        return self.answer(order)

    @extend_schema(request=None)
    @action(detail=True, methods=["post"])
    def close(self, request: Request, pk: str | None = None) -> Response:
        """Close: standard vs actual cost, variances announced (``production.work_order_closed``)."""
        order = self.get_object()
        services.work_order_close(work_order=order, actor=self.actor)
        return self.answer(order)

    @extend_schema(request=None)
    @action(detail=True, methods=["post"])
    def cancel(self, request: Request, pk: str | None = None) -> Response:
        """Cancel before anything was issued or completed: the reservations are released."""
        order = self.get_object()
        services.work_order_cancel(work_order=order, actor=self.actor)
        return self.answer(order)
