"""/api/production/: demand lines (``demands/``), MRP runs (``mrp-runs/``: POST {"as_of", "horizon_days"}
starts one; ``<id>/planned-orders/`` and ``<id>/records/?item=CODE``) and firming planned orders
(``planned-orders/<id>/firm/`` and the bulk ``planned-orders/firm/`` {"ids": [...]}). The same
services and rules as the screens; refusals are 400s with the field to blame."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import exceptions, mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import JSONParser
from rest_framework.request import Request
from rest_framework.response import Response

from erp.api.fields import CodeRelatedField, base_qty_field
from erp.api.params import by_code, param_error, parse_bool, parse_day
from erp.api.serializers import actor_and_company
from erp.api.viewsets import CompanyViewMixin
from inventory.models import Item
from production.models import Demand, MrpRecord, MrpRun, PlannedOrder, PlannedOrderPeg
from production.selectors import planning as selectors
from production.services import demand as demand_services
from production.services import firming, runs
from production.services.runs import MAX_HORIZON_DAYS

# Demand lines ------------------------------------------------------------------------------------


class DemandSerializer(serializers.ModelSerializer[Demand]):
    item = CodeRelatedField(queryset=Item.objects.all())
    quantity = base_qty_field()
    unit = serializers.CharField(source="item.base_unit.code", read_only=True)

    class Meta:
        model = Demand
        fields = ["id", "item", "date", "quantity", "unit", "reference", "is_active", "created_at"]
        read_only_fields = ["created_at"]

    def save_with(self, validated_data: dict[str, Any], instance: Demand | None) -> Demand:
        user, company = actor_and_company(self)
        if company is None:
            raise exceptions.PermissionDenied()

        def given(name: str) -> Any:
            return validated_data.get(name, getattr(instance, name) if instance is not None else None)

        return demand_services.demand_save(
            company=company, actor=user, demand=instance, item=given("item"), date=given("date"),
            quantity=given("quantity"), reference=given("reference") or "",
            is_active=bool(validated_data.get("is_active", instance.is_active if instance is not None else True)))

    def create(self, validated_data: dict[str, Any]) -> Demand:
        return self.save_with(validated_data, None)

    def update(self, instance: Demand, validated_data: dict[str, Any]) -> Demand:
        return self.save_with(validated_data, instance)


DEMAND_FILTERS = [
    OpenApiParameter("item", str, description=gettext_lazy("Item code")),
    OpenApiParameter("active", bool),
    OpenApiParameter("date_from", OpenApiTypes.DATE),
    OpenApiParameter("date_to", OpenApiTypes.DATE),
]


@extend_schema_view(list=extend_schema(parameters=DEMAND_FILTERS))
class DemandViewSet(CompanyViewMixin, viewsets.ModelViewSet[Any]):
    """Demand lines (forecasts, expected orders): ``{"item": code, "date", "quantity" (base unit),
    "reference", "is_active"}``. DELETE refuses a line an MRP run used (409: deactivate it instead)."""

    serializer_class = DemandSerializer
    queryset = Demand.objects.all()  # the model for the schema and the API walk; rows: get_queryset

    def get_queryset(self) -> Any:
        if self.fake():
            return Demand.objects.none()
        return selectors.demands_for_user(self.request.user).order_by("date", "item__code", "pk")

    def filter_queryset(self, queryset: Any) -> Any:
        if self.action != "list":
            return queryset
        params, user = self.request.query_params, self.request.user
        return selectors.demand_rows(user, item=by_code(Item, user, params, "item"),
                                     date_from=parse_day(params, "date_from"), date_to=parse_day(params, "date_to"),
                                     active=parse_bool(params, "active")).filter(pk__in=queryset.values("pk"))

    def perform_create(self, serializer: serializers.BaseSerializer[Any]) -> None:
        serializer.instance = self.reload(serializer.save())

    def perform_update(self, serializer: serializers.BaseSerializer[Any]) -> None:
        serializer.instance = self.reload(serializer.save())

    def perform_destroy(self, instance: Demand) -> None:
        demand_services.demand_delete(demand=instance, actor=self.actor)  # 409 (InUse) once an MRP run used it


# MRP runs ----------------------------------------------------------------------------------------


class MrpRunSerializer(serializers.ModelSerializer[MrpRun]):
    started_by = serializers.CharField(source="created_by.username", read_only=True, allow_null=True)

    class Meta:
        model = MrpRun
        fields = ["id", "as_of", "horizon_days", "status", "progress", "step", "inputs", "counts", "error",
                  "started_by", "created_at", "started_at", "finished_at"]
        read_only_fields = fields


class RunStartSerializer(serializers.Serializer[Any]):
    as_of = serializers.DateField(required=False, allow_null=True, help_text=gettext_lazy("Default: today"))
    horizon_days = serializers.IntegerField(required=False, min_value=1, max_value=MAX_HORIZON_DAYS, default=90)


class PegSerializer(serializers.ModelSerializer[PlannedOrderPeg]):
    quantity = base_qty_field(read_only=True)
    sales_order = serializers.SerializerMethodField()
    parent_item = serializers.SerializerMethodField()

    class Meta:
        model = PlannedOrderPeg
        fields = ["quantity", "need_date", "sales_order_line", "sales_order", "demand", "parent", "parent_item",
                  "safety_stock"]
        read_only_fields = fields

    def get_sales_order(self, peg: PlannedOrderPeg) -> str | None:
        return peg.sales_order_line.order.reference if peg.sales_order_line_id else None

    def get_parent_item(self, peg: PlannedOrderPeg) -> str | None:
        return peg.parent.item.code if peg.parent_id else None


class PlannedOrderSerializer(serializers.ModelSerializer[PlannedOrder]):
    item = serializers.CharField(source="item.code", read_only=True)
    quantity = base_qty_field(read_only=True)
    due = serializers.DateField(source="due_date", read_only=True)
    release = serializers.DateField(source="release_date", read_only=True)
    late = serializers.BooleanField(source="is_late", read_only=True)
    bom = serializers.CharField(source="bom.version", read_only=True, allow_null=True)
    pegs = PegSerializer(many=True, read_only=True)

    class Meta:
        model = PlannedOrder
        fields = ["id", "run", "item", "kind", "quantity", "due", "release", "late", "bom", "firmed_at",
                  "work_order", "requisition_line", "pegs"]
        read_only_fields = fields


class RecordDaySerializer(serializers.ModelSerializer[MrpRecord]):
    gross = base_qty_field(read_only=True)
    scheduled = base_qty_field(read_only=True)
    projected = base_qty_field(read_only=True)
    net = base_qty_field(read_only=True)
    planned_receipt = base_qty_field(read_only=True)
    planned_release = base_qty_field(read_only=True)

    class Meta:
        model = MrpRecord
        fields = ["date", "gross", "scheduled", "projected", "net", "planned_receipt", "planned_release"]
        read_only_fields = fields


PLANNED_FILTERS = [
    OpenApiParameter("item", str, description=gettext_lazy("Item code")),
    OpenApiParameter("kind", str, description=gettext_lazy("make or buy")),
    OpenApiParameter("late", bool),
    OpenApiParameter("firmed", bool),
]


class MrpRunViewSet(CompanyViewMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin,
                    viewsets.GenericViewSet[Any]):
    """MRP runs, newest first. POST ``{"as_of": "YYYY-MM-DD", "horizon_days": N}`` queues a run (400 while
    another is queued or running) and answers its id; GET ``<id>/`` its status, progress and counts."""

    serializer_class = MrpRunSerializer
    queryset = MrpRun.objects.all()

    def get_queryset(self) -> Any:
        if self.fake():
            return MrpRun.objects.none()
        return selectors.runs_for_user(self.request.user).order_by("-created_at", "-pk")

    def filter_queryset(self, queryset: Any) -> Any:
        if self.action == "list" and self.request.query_params.get("status"):
            queryset = queryset.filter(status=self.request.query_params["status"])
        return queryset

    @extend_schema(request=RunStartSerializer, responses={201: MrpRunSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        body = RunStartSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        company = self.company
        if company is None:
            raise exceptions.PermissionDenied()
        run = runs.mrp_run_start(company=company, actor=self.actor, as_of=body.validated_data.get("as_of"),
                                 horizon_days=body.validated_data["horizon_days"])
        return Response(self.get_serializer(self.reload(run)).data, status=status.HTTP_201_CREATED)

    @extend_schema(parameters=PLANNED_FILTERS, responses=PlannedOrderSerializer(many=True))
    @action(detail=True, methods=["get"], url_path="planned-orders")
    def planned_orders(self, request: Request, pk: str | None = None) -> Response:
        """The run's planned orders by release date, with their pegging."""
        run = self.get_object()
        params, user = request.query_params, request.user
        kind = params.get("kind", "")
        if kind and kind not in ("make", "buy"):
            raise param_error("kind", _("Use make or buy."))
        rows = selectors.planned_order_rows(user, run, item=by_code(Item, user, params, "item"), kind=kind,
                                            late=parse_bool(params, "late"), firmed=parse_bool(params, "firmed"))
        page = self.paginate_queryset(rows)
        return self.get_paginated_response(PlannedOrderSerializer(page, many=True).data)

    @extend_schema(parameters=[OpenApiParameter("item", str, description=gettext_lazy("Item code"))],
                   responses=OpenApiTypes.OBJECT)
    @action(detail=True, methods=["get"])
    def records(self, request: Request, pk: str | None = None) -> Response:
        """An item's MRP record (``?item=CODE``): its header (starting available, safety stock, lead time,
        lot rule, low-level code), the days, its planned orders with pegging and its exceptions. Without
        ``item``: the items the run planned (code, low-level code, planned orders)."""
        run = self.get_object()
        item = by_code(Item, request.user, request.query_params, "item")
        if item is None:  # without ?item=: the items the run planned, whose records there are
            return Response({"items": [
                {"item": plan.item.code, "low_level_code": plan.low_level_code, "planned_orders": plan.planned_orders}
                for plan in selectors.run_items(request.user, run)]})
        record = selectors.item_record(request.user, run, item)
        plan = record.plan
        header = None if plan is None else {
            "low_level_code": plan.low_level_code, "procurement": plan.procurement,
            "starting_available": str(plan.on_hand), "safety_stock": str(plan.safety_stock),
            "lead_time_days": plan.lead_time_days, "lot_rule": plan.lot_rule, "phantom": plan.is_phantom}
        return Response({
            "item": item.code, "unit": item.base_unit.code, "header": header,
            "days": RecordDaySerializer(record.days, many=True).data,
            "planned_orders": PlannedOrderSerializer(record.planned_orders, many=True).data,
            "exceptions": [{"kind": e.kind, "date": e.date, "new_date": e.new_date, "quantity": str(e.quantity),
                            "reference": e.reference, "planned_order": e.planned_order_id}
                           for e in record.exceptions]})


# Firming -----------------------------------------------------------------------------------------------


class FirmSerializer(serializers.Serializer[Any]):
    ids = serializers.ListField(child=serializers.IntegerField(min_value=1), allow_empty=False, max_length=20000,
                                help_text=gettext_lazy("Ids of planned orders of the latest finished run"))


def firm_answer(result: firming.FirmResult) -> Response:
    return Response({
        "detail": firming.firm_message(result),
        "firmed": [order.pk for order in result.firmed],
        "already_firmed": [order.pk for order in result.already_firmed],
        "work_orders": [{"id": order.pk, "item": order.item.code, "quantity": str(order.quantity),
                         "warehouse": order.warehouse.code, "start_date": order.start_date,
                         "due_date": order.due_date} for order in result.work_orders],
        "requisition_lines": [{"id": line.pk, "requisition": line.requisition_id, "item_id": line.item_id,
                               "quantity": str(line.quantity_base), "required_date": line.required_date}
                              for line in result.requisition_lines],
    })


class PlannedOrderViewSet(CompanyViewMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet[Any]):
    """Planned orders: GET ``<id>/``; POST ``<id>/firm/`` or ``firm/`` {"ids": [...]} makes each its draft
    work order or purchase requisition line, once (already firmed ones are left alone)."""

    serializer_class = PlannedOrderSerializer
    queryset = PlannedOrder.objects.all()

    def get_queryset(self) -> Any:
        if self.fake():
            return PlannedOrder.objects.none()
        return selectors.planned_orders_for_user(self.request.user).prefetch_related(selectors.pegs_prefetch())

    def check_firm_permission(self) -> None:
        if not self.request.user.has_perm("production.change_plannedorder"):
            raise exceptions.PermissionDenied()

    @extend_schema(request=None, responses=OpenApiTypes.OBJECT, operation_id="production_planned_order_firm")
    @action(detail=True, methods=["post"])
    def firm(self, request: Request, pk: str | None = None) -> Response:
        self.check_firm_permission()
        order = self.get_object()
        return firm_answer(firming.planned_orders_firm(planned_orders=[order], actor=self.actor))

    @extend_schema(request=FirmSerializer, responses=OpenApiTypes.OBJECT,
                   operation_id="production_planned_orders_firm")
    # JSON only: a form body of thousands of "ids" fields would trip Django's field limit before DRF
    @action(detail=False, methods=["post"], url_path="firm", parser_classes=[JSONParser])
    def firm_many(self, request: Request) -> Response:
        self.check_firm_permission()
        body = FirmSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        ids = sorted(set(body.validated_data["ids"]))
        found = set(selectors.planned_orders_for_user(request.user, "change").filter(pk__in=ids)
                    .values_list("pk", flat=True))
        unknown = [pk for pk in ids if pk not in found]
        if unknown:
            raise serializers.ValidationError({"ids": [_("No planned order with the id %(ids)s.") % {
                "ids": ", ".join(str(pk) for pk in unknown[:20])}]})
        return firm_answer(firming.planned_orders_firm(planned_orders=ids, actor=self.actor))
