"""/api/production/boms/: bills of materials, each version with its lines, written through
``production.services.boms.bom_save`` (the same rules as the screens: a refused line is a 400 on
``lines`` naming the line, a second default version a 400 on ``is_default`` naming the other, a
cycle a 400 showing its path). GET ``<id>/explosion/?quantity=N&date=YYYY-MM-DD`` (the indented
explosion), ``<id>/where-used/?levels=one|all`` (where the version's item is used); POST
``<id>/cost-rollup/`` {cost_basis: standard|average}, ``<id>/copy/`` {version}, ``<id>/deactivate/``."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db.models import Prefetch, QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from erp.api.fields import (
    IN_COMPANY,
    CodeRelatedField,
    CompanyPrimaryKeyField,
    base_qty_field,
    cost_field,
    qty_field,
)
from erp.api.params import param_error, parse_bool, parse_choice, parse_day
from erp.api.serializers import actor_and_company
from erp.api.viewsets import ReloadAfterSaveMixin
from erp.money import COST, QTY
from inventory.models import Item, UnitOfMeasure
from production import status as st
from production.models import Bom, BomLine, Routing, RoutingOperation
from production.selectors import boms as selectors
from production.services import boms as services

SCRAP = {"max_digits": 6, "decimal_places": 2}


class BomLineSerializer(serializers.Serializer[Any]):
    """A line as written: ``component`` and ``unit`` by code (the unit defaults to the component's
    base unit), ``operation`` by id (an operation of the BOM's routing); ``id`` names an existing line."""

    id = serializers.IntegerField(required=False, allow_null=True)
    sequence = serializers.IntegerField(read_only=True)
    kind = serializers.ChoiceField(choices=st.BomLineKind.choices, required=False, default=st.BomLineKind.COMPONENT)
    component = CodeRelatedField(queryset=Item.objects.all(), action=IN_COMPANY)
    component_name = serializers.CharField(source="component.name", read_only=True)
    quantity = qty_field(help_text=gettext_lazy("Quantity per the BOM's quantity, in the line's unit"))
    unit = CodeRelatedField(queryset=UnitOfMeasure.objects.all(), action=IN_COMPANY, required=False,
                            allow_null=True, help_text=gettext_lazy("Unit code; empty = the component's base unit"))
    quantity_base = base_qty_field(read_only=True)
    scrap_percent = serializers.DecimalField(**SCRAP, required=False, default=Decimal("0"))
    operation = CompanyPrimaryKeyField(queryset=RoutingOperation.objects.all(), required=False, allow_null=True)
    notes = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")


class BomSerializer(serializers.ModelSerializer[Bom]):
    item = CodeRelatedField(queryset=Item.objects.all(), action=IN_COMPANY)
    item_name = serializers.CharField(source="item.name", read_only=True)
    quantity = base_qty_field(required=False, default=Decimal("1"),
                              help_text=gettext_lazy("What the lines make, in the item's base unit"))
    routing = CodeRelatedField(queryset=Routing.objects.all(), required=False, allow_null=True)
    material_cost = cost_field(read_only=True)
    operation_cost = cost_field(read_only=True)
    lines = BomLineSerializer(many=True)

    class Meta:
        model = Bom
        fields = ["id", "item", "item_name", "version", "name", "quantity", "routing", "is_default", "valid_from",
                  "valid_to", "is_active", "notes", "material_cost", "operation_cost", "costed_at", "lines"]
        read_only_fields = ["costed_at"]
        validators: list[Any] = []  # the service checks the unique version and the default, naming the field

    def create(self, validated_data: dict[str, Any]) -> Bom:
        user, company = actor_and_company(self)
        lines = validated_data.pop("lines")
        return services.bom_save(company=company, actor=user, lines=lines, **validated_data)  # type: ignore[arg-type]

    def update(self, instance: Bom, validated_data: dict[str, Any]) -> Bom:
        user, company = actor_and_company(self)
        lines = validated_data.pop("lines", None)
        if lines is None:
            lines = lines_of(instance)
        validated_data.setdefault("item", instance.item)
        validated_data.setdefault("version", instance.version)
        return services.bom_save(company=company, actor=user, lines=lines, bom=instance,  # type: ignore[arg-type]
                                 **validated_data)


class BomSummarySerializer(BomSerializer):
    line_count = serializers.IntegerField(read_only=True)

    class Meta(BomSerializer.Meta):
        fields = [f for f in BomSerializer.Meta.fields if f != "lines"] + ["line_count"]


def lines_of(bom: Bom) -> list[services.BomLineInput]:
    """A version's lines as the save service takes them (a header-only PATCH keeps them)."""
    return [{"id": line.pk, "component": line.component, "quantity": line.quantity, "unit": line.unit,
             "kind": line.kind, "scrap_percent": line.scrap_percent, "operation": line.operation,
             "notes": line.notes} for line in selectors.bom_lines(bom)]


class ExplosionRowSerializer(serializers.Serializer[Any]):
    level = serializers.IntegerField()
    path = serializers.ListField(child=serializers.CharField())
    component = serializers.CharField(source="component.code")
    component_name = serializers.CharField(source="component.name")
    kind = serializers.ChoiceField(choices=st.BomLineKind.choices)
    quantity_per = qty_field()
    unit = serializers.CharField(source="unit.code")
    scrap_percent = serializers.DecimalField(**SCRAP)
    extended_quantity = serializers.DecimalField(**QTY, help_text=gettext_lazy(
        "In the component's base unit, scrap included; what a by-product yields"))
    base_unit = serializers.CharField(source="base_unit.code")
    bom = serializers.IntegerField(source="bom.pk", allow_null=True, default=None,
                                   help_text=gettext_lazy("The component's version exploded below this row"))


class WhereUsedRowSerializer(serializers.Serializer[Any]):
    level = serializers.IntegerField()
    path = serializers.ListField(child=serializers.CharField())
    bom = serializers.IntegerField(source="bom.pk")
    item = serializers.CharField(source="parent.code")
    item_name = serializers.CharField(source="parent.name")
    version = serializers.CharField(source="bom.version")
    is_default = serializers.BooleanField(source="bom.is_default")
    kind = serializers.ChoiceField(source="line.kind", choices=st.BomLineKind.choices)
    quantity_per = qty_field(source="line.quantity")
    unit = serializers.CharField(source="line.unit.code")


class MaterialCostSerializer(serializers.Serializer[Any]):
    path = serializers.ListField(child=serializers.CharField(), source="row.path")
    component = serializers.CharField(source="row.component.code")
    quantity = serializers.DecimalField(**QTY, source="row.extended_quantity")
    unit = serializers.CharField(source="row.base_unit.code")
    unit_cost = cost_field()
    source = serializers.ChoiceField(choices=selectors.COST_BASES)
    amount = cost_field()


class OperationCostSerializer(serializers.Serializer[Any]):
    path = serializers.ListField(child=serializers.CharField())
    bom = serializers.IntegerField(source="bom.pk")
    sequence = serializers.IntegerField(source="operation.sequence")
    operation = serializers.CharField(source="operation.name")
    work_center = serializers.CharField(source="operation.work_center.code")
    quantity = serializers.DecimalField(**QTY)
    hours = serializers.DecimalField(**COST)
    cost_rate = cost_field()
    amount = cost_field()


class CostRollupSerializer(serializers.Serializer[Any]):
    bom = serializers.IntegerField(source="bom.pk")
    cost_basis = serializers.ChoiceField(choices=selectors.COST_BASES)
    material_total = cost_field()
    operation_total = cost_field()
    material_per_unit = cost_field()
    operation_per_unit = cost_field()
    total_per_unit = cost_field()
    materials = MaterialCostSerializer(many=True)
    operations = OperationCostSerializer(many=True)


class CostRequestSerializer(serializers.Serializer[Any]):
    cost_basis = serializers.ChoiceField(choices=selectors.COST_BASES, required=False, default=selectors.STANDARD)


class CopyRequestSerializer(serializers.Serializer[Any]):
    version = serializers.CharField(max_length=20)
    is_default = serializers.BooleanField(required=False, default=False)
    valid_from = serializers.DateField(required=False, allow_null=True, default=None)
    valid_to = serializers.DateField(required=False, allow_null=True, default=None)


def lines_prefetch() -> Prefetch[Any]:
    return Prefetch("lines", queryset=BomLine.objects.select_related("component", "unit").order_by("sequence", "pk"))


@extend_schema_view(list=extend_schema(parameters=[
    OpenApiParameter("item", str, description=gettext_lazy("Item code")),
    OpenApiParameter("version", str),
    OpenApiParameter("default", bool),
    OpenApiParameter("active", bool),
    OpenApiParameter("valid_on", OpenApiTypes.DATE, description=gettext_lazy("Versions valid on this date")),
    OpenApiParameter("search", str, description=gettext_lazy("Part of the item's code or name, or the description")),
]))
class BomViewSet(ReloadAfterSaveMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin,
                 mixins.UpdateModelMixin, viewsets.GenericViewSet[Any]):
    """BOM versions with their lines: ``{"item": code, "version", "quantity"?, "routing"?: code,
    "is_default"?, "valid_from"?, "valid_to"?, "lines": [{"component": code, "quantity", "unit"?: code,
    "kind"?, "scrap_percent"?, "operation"?: id, "notes"?}]}``. A PATCH without ``lines`` keeps them."""

    queryset = Bom.objects.none()
    serializer_class = BomSerializer

    def get_serializer_class(self) -> type[serializers.BaseSerializer[Any]]:
        return BomSummarySerializer if self.action == "list" else BomSerializer

    def get_queryset(self) -> QuerySet[Bom]:
        if self.fake():
            return Bom.objects.none()
        rows = selectors.boms_for_user(self.request.user).select_related("item", "routing")
        if self.action != "list":
            rows = rows.prefetch_related(lines_prefetch())
        return rows.order_by("item__code", "version", "pk")

    def filter_queryset(self, queryset: QuerySet[Any]) -> QuerySet[Any]:
        if self.action != "list":
            return queryset
        params = self.request.query_params
        return selectors.bom_list(
            self.request.user, item_code=params.get("item", "").strip().upper(),
            version=params.get("version", "").strip(), default=parse_bool(params, "default"),
            active=parse_bool(params, "active"), valid_date=parse_day(params, "valid_on"),
            search=params.get("search", "").strip()).select_related("routing")

    @extend_schema(parameters=[
        OpenApiParameter("quantity", OpenApiTypes.DECIMAL, description=gettext_lazy("Default: the BOM's quantity")),
        OpenApiParameter("date", OpenApiTypes.DATE, description=gettext_lazy(
            "The day whose default versions the made components and phantoms go through (default today)")),
    ], responses=ExplosionRowSerializer(many=True))
    @action(detail=True, methods=["get"], pagination_class=None)
    def explosion(self, request: Request, pk: str | None = None) -> Response:
        """The indented multi-level explosion for a quantity of the item, in reading order."""
        bom = self.get_object()
        quantity = self.quantity_param(request)
        rows = selectors.bom_explode(bom, quantity, on_date=parse_day(request.query_params, "date"))
        return Response(ExplosionRowSerializer(rows, many=True).data)

    @staticmethod
    def quantity_param(request: Request) -> Decimal | None:
        raw = request.query_params.get("quantity", "").strip()
        if not raw:
            return None
        try:
            quantity = Decimal(raw)
        except ArithmeticError:
            raise param_error("quantity", _("Give a number.")) from None
        if not quantity.is_finite() or quantity <= 0 or quantity >= Decimal("1e14"):
            raise param_error("quantity", _("The quantity must be greater than zero."))
        return quantity

    @extend_schema(parameters=[OpenApiParameter("levels", str, enum=["all", "one"])],
                   responses=WhereUsedRowSerializer(many=True))
    @action(detail=True, methods=["get"], url_path="where-used", pagination_class=None)
    def where_used(self, request: Request, pk: str | None = None) -> Response:
        """The active versions that use this version's item, one level up or all the way to the top."""
        bom = self.get_object()
        levels = parse_choice(request.query_params, "levels", ["all", "one"], _("Choose all or one."))
        rows = selectors.where_used(request.user, bom.item, multi_level=levels != "one")
        return Response(WhereUsedRowSerializer(rows, many=True).data)

    @extend_schema(request=CostRequestSerializer, responses=CostRollupSerializer)
    @action(detail=True, methods=["post"], url_path="cost-rollup")
    def cost_rollup(self, request: Request, pk: str | None = None) -> Response:
        """Roll up the material and operation cost per unit and keep it on the version."""
        bom = self.get_object()
        payload = CostRequestSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        breakdown = services.bom_cost_rollup(bom=bom, actor=self.actor, cost_basis=payload.validated_data["cost_basis"])
        return Response(CostRollupSerializer(breakdown).data)

    @extend_schema(request=CopyRequestSerializer, responses={201: BomSerializer})
    @action(detail=True, methods=["post"])
    def copy(self, request: Request, pk: str | None = None) -> Response:
        """A new version with this version's header and lines (not the default unless asked)."""
        bom = self.get_object()
        payload = CopyRequestSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        copied = services.bom_copy(bom=bom, actor=self.actor, **payload.validated_data)
        return Response(self.get_serializer(self.reload(copied)).data, status=201)

    @extend_schema(request=None, responses=BomSerializer)
    @action(detail=True, methods=["post"])
    def deactivate(self, request: Request, pk: str | None = None) -> Response:
        """Retire the version: MRP and new work orders no longer use it."""
        bom = self.get_object()
        services.bom_deactivate(bom=bom, actor=self.actor)
        return self.answer(bom)
