"""/api/inventory/ stock documents: receipts, issues, transfers, adjustments and counts.

Drafts are saved through the services with their lines as a whole; the lines name items, units and
locations by code (a location's code within the document's warehouse) and lots by number.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

from django.db.models import Model, Prefetch, QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from erp.api.fields import IN_COMPANY, CodeRelatedField, ObjectCodeField, base_qty_field, cost_field, qty_field
from erp.api.params import by_code, parse_day
from erp.api.serializers import LineErrors, VoidSerializer, actor_and_company, void_reason_of
from erp.documents import check_transition
from erp.errors import ImmutableDocument
from inventory import selectors
from inventory import status as st
from inventory.api.common import LineResolver, LotNumberField, WarehouseViewMixin, check_operate
from inventory.models import (
    AdjustmentReason,
    GoodsReceipt,
    GoodsReceiptLine,
    Item,
    Lot,
    StockAdjustment,
    StockAdjustmentLine,
    StockCount,
    StockCountLine,
    StockDocument,
    StockIssue,
    StockIssueLine,
    StockTransfer,
    StockTransferLine,
    UnitOfMeasure,
    Warehouse,
)
from inventory.services import documents as docs

# Serializers ---------------------------------------------------------------------------------


class LineSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField(read_only=True)
    item = CodeRelatedField(queryset=Item.objects.all())
    unit = CodeRelatedField(queryset=UnitOfMeasure.objects.all(), required=False, allow_null=True,
                            help_text=gettext_lazy("Unit code; empty = the item's base unit"))


class ReceiptLineSerializer(LineSerializer):
    quantity = qty_field()
    location = ObjectCodeField(help_text=gettext_lazy("Location code in the receipt's warehouse"))
    lot_number = serializers.CharField(max_length=60, required=False, allow_blank=True, default="",
                                       help_text=gettext_lazy("Lot-tracked items: the lot to receive into"))
    lot_id = serializers.IntegerField(required=False, allow_null=True, write_only=True,
                                      help_text=gettext_lazy("Instead of lot_number: an existing lot's id"))
    manufactured_on = serializers.DateField(required=False, allow_null=True)
    expires_on = serializers.DateField(required=False, allow_null=True)
    unit_cost = cost_field(required=False, default=0, help_text=gettext_lazy("Per line unit"))


class IssueLineSerializer(LineSerializer):
    quantity = qty_field()
    location = ObjectCodeField(help_text=gettext_lazy("Location code in the issue's warehouse"))
    lot = LotNumberField()
    lot_id = serializers.IntegerField(required=False, allow_null=True)


class TransferLineSerializer(LineSerializer):
    quantity = qty_field()
    from_location = ObjectCodeField(help_text=gettext_lazy("Location code in the source warehouse"))
    to_location = ObjectCodeField(help_text=gettext_lazy("Location code in the destination warehouse"))
    lot = LotNumberField()
    lot_id = serializers.IntegerField(required=False, allow_null=True)


class AdjustmentLineSerializer(LineSerializer):
    quantity_change = qty_field(help_text=gettext_lazy("Positive adds stock, negative removes it"))
    location = ObjectCodeField(help_text=gettext_lazy("Location code in the adjustment's warehouse"))
    lot = LotNumberField()
    lot_id = serializers.IntegerField(required=False, allow_null=True)
    unit_cost = cost_field(required=False, allow_null=True,
                           help_text=gettext_lazy("For additions; empty = current average cost"))


class DocumentSerializer(serializers.ModelSerializer[Any]):
    """Header and lines of a stock document; create/update save a draft through the service."""

    reference = serializers.CharField(read_only=True)
    warehouse = CodeRelatedField(queryset=Warehouse.objects.all())
    created_by = serializers.CharField(source="created_by.username", read_only=True, allow_null=True)

    common_fields = ["id", "number", "reference", "status", "document_date", "warehouse", "notes", "posted_at",
                     "created_by", "created_at"]
    common_read_only = ["number", "status", "posted_at", "created_at"]
    save_service: ClassVar[Callable[..., Any]]
    document_kwarg = ""

    def validate_warehouse(self, warehouse: Warehouse) -> Warehouse:
        check_operate(self.context["request"].user, warehouse)
        return warehouse

    def header(self, attrs: dict[str, Any], name: str) -> Any:
        if name in attrs:
            return attrs[name]
        return getattr(self.instance, name) if self.instance is not None else None

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if "lines" in attrs:
            resolver = LineResolver()
            attrs["lines"] = [self.resolve_line(resolver, resolver.start_line(), line, attrs)
                              for line in attrs["lines"]]
            resolver.raise_if_any()
        return attrs

    def resolve_line(self, resolver: LineResolver, errors: LineErrors, line: dict[str, Any],
                     attrs: dict[str, Any]) -> dict[str, Any]:
        raise NotImplementedError

    def create(self, validated_data: dict[str, Any]) -> StockDocument:
        user, company = actor_and_company(self)
        lines = validated_data.pop("lines")
        document: StockDocument = type(self).save_service(company=company, actor=user, lines=lines,
                                                          **validated_data)
        return document

    def update(self, instance: Any, validated_data: dict[str, Any]) -> StockDocument:
        user, company = actor_and_company(self)
        lines = validated_data.pop("lines", None)
        if lines is None:  # a partial update of the header keeps the lines
            lines = [docs.vars_of(line) for line in instance.lines.all()]
        document: StockDocument = type(self).save_service(company=company, actor=user, lines=lines,
                                                          **{self.document_kwarg: instance}, **validated_data)
        return document


class ReceiptSerializer(DocumentSerializer):
    lines = ReceiptLineSerializer(many=True)
    save_service = staticmethod(docs.receipt_save)
    document_kwarg = "receipt"

    class Meta:
        model = GoodsReceipt
        fields = [*DocumentSerializer.common_fields, "supplier_reference", "lines"]
        read_only_fields = DocumentSerializer.common_read_only

    def resolve_line(self, resolver: LineResolver, errors: LineErrors, line: dict[str, Any],
                     attrs: dict[str, Any]) -> dict[str, Any]:
        line = dict(line)
        line["location"] = resolver.location(self.header(attrs, "warehouse"), line["location"], errors, "location")
        lot_id = line.pop("lot_id", None)
        if lot_id is not None:
            lot = Lot.objects.filter(pk=lot_id, item=line["item"]).first()
            if lot is None:
                errors["lot_id"] = [_("%(item)s has no lot %(lot)s.") % {"item": line["item"].code, "lot": lot_id}]
            else:
                line["lot_number"] = lot.number
        return line


class IssueSerializer(DocumentSerializer):
    lines = IssueLineSerializer(many=True)
    save_service = staticmethod(docs.issue_save)
    document_kwarg = "issue"

    class Meta:
        model = StockIssue
        fields = [*DocumentSerializer.common_fields, "purpose", "lines"]
        read_only_fields = DocumentSerializer.common_read_only

    def resolve_line(self, resolver: LineResolver, errors: LineErrors, line: dict[str, Any],
                     attrs: dict[str, Any]) -> dict[str, Any]:
        return {
            "item": line["item"], "unit": line.get("unit"), "quantity": line["quantity"],
            "location": resolver.location(self.header(attrs, "warehouse"), line["location"], errors, "location"),
            "lot": resolver.lot(line["item"], line, errors),
        }


class TransferSerializer(DocumentSerializer):
    # any warehouse of the company, as on the screen: its keeper receives the goods
    to_warehouse = CodeRelatedField(queryset=Warehouse.objects.all(), action=IN_COMPANY)
    is_two_step = serializers.BooleanField(read_only=True)
    lines = TransferLineSerializer(many=True)
    save_service = staticmethod(docs.transfer_save)
    document_kwarg = "transfer"

    class Meta:
        model = StockTransfer
        fields = [*DocumentSerializer.common_fields, "to_warehouse", "is_two_step", "shipped_at", "received_at",
                  "source_reference", "lines"]
        read_only_fields = [*DocumentSerializer.common_read_only, "shipped_at", "received_at", "source_reference"]

    def resolve_line(self, resolver: LineResolver, errors: LineErrors, line: dict[str, Any],
                     attrs: dict[str, Any]) -> dict[str, Any]:
        source, destination = self.header(attrs, "warehouse"), self.header(attrs, "to_warehouse")
        return {
            "item": line["item"], "unit": line.get("unit"), "quantity": line["quantity"],
            "from_location": resolver.location(source, line["from_location"], errors, "from_location"),
            "to_location": resolver.location(destination, line["to_location"], errors, "to_location"),
            "lot": resolver.lot(line["item"], line, errors),
        }


class AdjustmentSerializer(DocumentSerializer):
    reason = CodeRelatedField(queryset=AdjustmentReason.objects.all())
    lines = AdjustmentLineSerializer(many=True)
    save_service = staticmethod(docs.adjustment_save)
    document_kwarg = "adjustment"

    class Meta:
        model = StockAdjustment
        fields = [*DocumentSerializer.common_fields, "reason", "lines"]
        read_only_fields = DocumentSerializer.common_read_only

    def resolve_line(self, resolver: LineResolver, errors: LineErrors, line: dict[str, Any],
                     attrs: dict[str, Any]) -> dict[str, Any]:
        return {
            "item": line["item"], "unit": line.get("unit"), "quantity_change": line["quantity_change"],
            "location": resolver.location(self.header(attrs, "warehouse"), line["location"], errors, "location"),
            "lot": resolver.lot(line["item"], line, errors), "unit_cost": line.get("unit_cost"),
        }


class CountLineSerializer(serializers.ModelSerializer[StockCountLine]):
    item = serializers.CharField(source="item.code")
    item_name = serializers.CharField(source="item.name")
    unit = serializers.CharField(source="item.base_unit.code")
    location = serializers.CharField(source="location.code")
    lot = serializers.CharField(source="lot.number", allow_null=True)
    variance = base_qty_field(allow_null=True)

    class Meta:
        model = StockCountLine
        fields = ["id", "item", "item_name", "unit", "location", "lot", "lot_id", "expected_quantity",
                  "counted_quantity", "variance"]
        read_only_fields = fields


class CountSerializer(serializers.ModelSerializer[StockCount]):
    reference = serializers.CharField(read_only=True)
    warehouse = CodeRelatedField(queryset=Warehouse.objects.all())
    location = ObjectCodeField(required=False, allow_null=True, allow_blank=True,
                               help_text=gettext_lazy("A location code in the warehouse; empty = the whole warehouse"))
    created_by = serializers.CharField(source="created_by.username", read_only=True, allow_null=True)
    lines = CountLineSerializer(many=True, read_only=True)

    class Meta:
        model = StockCount
        fields = ["id", "number", "reference", "status", "document_date", "warehouse", "location", "notes",
                  "posted_at", "created_by", "created_at", "lines"]
        read_only_fields = ["number", "status", "posted_at", "created_at"]

    def validate_warehouse(self, warehouse: Warehouse) -> Warehouse:
        check_operate(self.context["request"].user, warehouse)
        return warehouse

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        errors: LineErrors = {}
        code = attrs.get("location")
        attrs["location"] = LineResolver().location(attrs["warehouse"], code, errors, "location") if code else None
        if errors:
            raise serializers.ValidationError(errors)
        return attrs

    def create(self, validated_data: dict[str, Any]) -> StockCount:
        user, company = actor_and_company(self)
        count: StockCount = docs.count_create(company=company, actor=user, **validated_data)
        return count


class CountRecordSerializer(serializers.Serializer[Any]):
    counted = serializers.DictField(
        child=base_qty_field(allow_null=True), allow_empty=False,
        help_text=gettext_lazy("{line id: counted quantity in the item's base unit, or null to clear}"),
    )

    def validate_counted(self, value: dict[str, Any]) -> dict[int, Any]:
        counted = {}
        for key, quantity in value.items():
            try:
                counted[int(key)] = quantity
            except ValueError:
                raise serializers.ValidationError(_("%(key)s is not a line id.") % {"key": key})
        return counted


class CountAddLineSerializer(serializers.Serializer[Any]):
    item = CodeRelatedField(queryset=Item.objects.all())
    location = ObjectCodeField()
    lot = LotNumberField()
    lot_id = serializers.IntegerField(required=False, allow_null=True)
    counted_quantity = base_qty_field(min_value=0)


# Viewsets ------------------------------------------------------------------------------------


DOCUMENT_FILTERS = [
    OpenApiParameter("status", str),
    OpenApiParameter("warehouse", str, description=gettext_lazy("Warehouse code")),
    OpenApiParameter("search", str, description=gettext_lazy("Part of the number")),
    OpenApiParameter("date_from", OpenApiTypes.DATE),
    OpenApiParameter("date_to", OpenApiTypes.DATE),
]


class DocumentBase(WarehouseViewMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin,
                   viewsets.GenericViewSet[Any]):
    """Listing, reading and creating documents of the warehouses the user may see."""

    model: ClassVar[type[StockDocument]]
    document_kwarg: str = ""

    def scoped(self) -> QuerySet[Any]:
        """The documents of this kind the user may see (inventory.scoping: their warehouses; a
        transfer's two). Writes check the right to operate the warehouse concerned (403)."""
        return selectors.documents_for_user(self.request.user, self.model)

    def filter_queryset(self, queryset: QuerySet[Any]) -> QuerySet[Any]:
        if self.action != "list":
            return queryset
        params, user = self.request.query_params, self.request.user
        if params.get("status"):
            queryset = queryset.filter(status=params["status"])
        warehouse = by_code(Warehouse, user, params, "warehouse")
        if warehouse is not None:
            queryset = queryset.filter(warehouse=warehouse)
        if params.get("search"):
            queryset = queryset.filter(number__icontains=params["search"].strip())
        date_from, date_to = parse_day(params, "date_from"), parse_day(params, "date_to")
        if date_from:
            queryset = queryset.filter(document_date__gte=date_from)
        if date_to:
            queryset = queryset.filter(document_date__lte=date_to)
        return queryset

    def perform_create(self, serializer: serializers.BaseSerializer[Any]) -> None:
        serializer.instance = self.reload(serializer.save())

    def run(self, service: Callable[..., Any], *, target: str | None = None, warehouse_field: str = "warehouse",
            void: bool = False, **kwargs: Any) -> Response:
        """One service call on one document the user may operate; answers with the document. ``void``:
        the body's ``reason`` is required (read after the scope and operate checks: 404/403 first)."""
        document = self.get_object()
        check_operate(self.request.user, getattr(document, warehouse_field))
        if void:
            kwargs["reason"] = void_reason_of(self.request)
        if target is not None:
            check_transition(document, target)  # refuse before any move is written
        service(**{self.document_kwarg: document}, actor=self.actor, **kwargs)
        return self.answer(document)


class DocumentViewSet(mixins.UpdateModelMixin, DocumentBase):
    """Drafts are created and changed here (the lines are replaced as a whole); POST …/post/ posts,
    POST …/cancel/ ``{"reason"}`` voids (作廢) a draft or reverses a posted document, keeping the reason
    (required: 400 without it). Posted documents are immutable (409)."""

    line_model: ClassVar[type[Model]]
    line_related: ClassVar[tuple[str, ...]] = ("item", "unit", "location", "lot")
    header_related: ClassVar[tuple[str, ...]] = ("warehouse", "created_by")
    post_service: ClassVar[Callable[..., Any]]
    cancel_service: ClassVar[Callable[..., Any]]
    serializer_class: type[DocumentSerializer]

    @property
    def document_kwarg(self) -> str:  # type: ignore[override]  # the serializer's, read-only here
        return self.serializer_class.document_kwarg

    def get_queryset(self) -> QuerySet[Any]:
        if self.fake():
            return self.model._default_manager.none()
        lines = self.line_model._default_manager.select_related(*self.line_related)
        return (
            self.scoped()
            .select_related(*self.header_related)
            .prefetch_related(Prefetch("lines", queryset=lines))
            .order_by("-created_at", "-id")
        )

    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        document = self.get_object()
        check_operate(request.user, document.warehouse)
        if not document.is_editable:
            raise ImmutableDocument()
        return super().update(request, *args, **kwargs)

    def perform_update(self, serializer: serializers.BaseSerializer[Any]) -> None:
        serializer.instance = self.reload(serializer.save())

    def post_target(self, document: Any) -> str:
        return st.DocStatus.POSTED

    @extend_schema(request=None)
    @action(detail=True, methods=["post"], url_path="post", url_name="post")
    def post_document(self, request: Request, pk: str | None = None) -> Response:
        """Post the draft: its moves are written and it takes its number."""
        return self.run(type(self).post_service, target=self.post_target(self.get_object()))

    @extend_schema(request=VoidSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request: Request, pk: str | None = None) -> Response:
        """Void a draft, or reverse a posted document with opposite moves; ``reason`` is required."""
        return self.run(type(self).cancel_service, target=st.DocStatus.CANCELLED, void=True)


@extend_schema_view(list=extend_schema(parameters=DOCUMENT_FILTERS))
class ReceiptViewSet(DocumentViewSet):
    """Goods receipts. Lines: ``{"item": code, "quantity", "unit": code, "location": code,
    "lot_number", "unit_cost"}``; a lot-tracked item needs a lot number (the lot is created on posting)."""

    model, line_model = GoodsReceipt, GoodsReceiptLine
    line_related = ("item", "unit", "location")
    queryset = GoodsReceipt.objects.none()
    serializer_class = ReceiptSerializer
    post_service = staticmethod(docs.receipt_post)
    cancel_service = staticmethod(docs.receipt_cancel)


@extend_schema_view(list=extend_schema(parameters=DOCUMENT_FILTERS))
class IssueViewSet(DocumentViewSet):
    """Stock issues. Lines: ``{"item": code, "quantity", "unit": code, "location": code, "lot": number}``
    (or ``lot_id``). Posting more than is available is refused with 409."""

    model, line_model = StockIssue, StockIssueLine
    queryset = StockIssue.objects.none()
    serializer_class = IssueSerializer
    post_service = staticmethod(docs.issue_post)
    cancel_service = staticmethod(docs.issue_cancel)

    @extend_schema(request=None)
    @action(detail=True, methods=["post"])
    def reserve(self, request: Request, pk: str | None = None) -> Response:
        """Reserve the draft's quantities until it is posted, edited or cancelled (409 if not available)."""
        return self.run(docs.issue_reserve)

    @extend_schema(request=None)
    @action(detail=True, methods=["post"])
    def release(self, request: Request, pk: str | None = None) -> Response:
        """Give back what the draft reserved."""
        return self.run(docs.issue_release)


@extend_schema_view(list=extend_schema(parameters=[
    *DOCUMENT_FILTERS, OpenApiParameter("to_warehouse", str, description=gettext_lazy("Destination warehouse code")),
]))
class TransferViewSet(DocumentViewSet):
    """Transfers. Within a warehouse POST …/post/ moves the goods at once; between warehouses it ships
    them (they wait in the destination's transit location) and POST …/receive/ puts them away."""

    model, line_model = StockTransfer, StockTransferLine
    line_related = ("item", "unit", "from_location", "to_location", "lot")
    header_related = ("warehouse", "to_warehouse", "created_by")
    queryset = StockTransfer.objects.none()
    serializer_class = TransferSerializer
    post_service = staticmethod(docs.transfer_ship)  # receives at once when both ends are in one warehouse
    cancel_service = staticmethod(docs.transfer_cancel)

    def filter_queryset(self, queryset: QuerySet[Any]) -> QuerySet[Any]:
        queryset = super().filter_queryset(queryset)
        if self.action == "list":
            to_warehouse = by_code(Warehouse, self.request.user, self.request.query_params, "to_warehouse")
            if to_warehouse is not None:
                queryset = queryset.filter(to_warehouse=to_warehouse)
        return queryset

    def post_target(self, transfer: StockTransfer) -> str:
        return st.TransferStatus.SHIPPED if transfer.is_two_step else st.TransferStatus.RECEIVED

    @extend_schema(request=None)
    @action(detail=True, methods=["post"])
    def receive(self, request: Request, pk: str | None = None) -> Response:
        """Receive a shipped transfer into its destination locations."""
        return self.run(docs.transfer_receive, target=st.TransferStatus.RECEIVED, warehouse_field="to_warehouse")

    @extend_schema(request=VoidSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request: Request, pk: str | None = None) -> Response:  # type: ignore[override]  # stubs' action type
        """Void a draft, or reverse a shipped or received transfer; ``reason`` is required."""
        transfer = self.get_object()
        if transfer.status == st.TransferStatus.RECEIVED:
            check_operate(request.user, transfer.to_warehouse)
        return self.run(docs.transfer_cancel, target=st.TransferStatus.CANCELLED, void=True)


@extend_schema_view(list=extend_schema(parameters=DOCUMENT_FILTERS))
class AdjustmentViewSet(DocumentViewSet):
    """Stock adjustments with a reason (code). Lines: ``{"item", "quantity_change", "unit", "location",
    "lot", "unit_cost"}``; a negative change removes stock."""

    model, line_model = StockAdjustment, StockAdjustmentLine
    header_related = ("warehouse", "reason", "created_by")
    queryset = StockAdjustment.objects.none()
    serializer_class = AdjustmentSerializer
    post_service = staticmethod(docs.adjustment_post)
    cancel_service = staticmethod(docs.adjustment_cancel)


@extend_schema_view(list=extend_schema(parameters=DOCUMENT_FILTERS))
class CountViewSet(DocumentBase):
    """Stock counts: create with ``{"warehouse", "location"?}``, POST …/start/ makes the sheet,
    …/record/ enters ``{"counted": {line id: quantity}}``, …/post/ posts the variances."""

    model = StockCount
    queryset = StockCount.objects.none()
    serializer_class = CountSerializer
    document_kwarg = "count"

    def get_queryset(self) -> QuerySet[StockCount]:
        if self.fake():
            return StockCount.objects.none()
        lines = StockCountLine.objects.select_related("item", "item__base_unit", "location", "lot")
        return (
            self.scoped()
            .select_related("warehouse", "location", "created_by")
            .prefetch_related(Prefetch("lines", queryset=lines))
            .order_by("-created_at", "-id")
        )

    @extend_schema(request=None)
    @action(detail=True, methods=["post"])
    def start(self, request: Request, pk: str | None = None) -> Response:
        """Snapshot what is on hand as the count sheet's lines; a count already started is a 409."""
        return self.run(docs.count_start, target=st.CountStatus.COUNTING)

    @extend_schema(request=CountRecordSerializer)
    @action(detail=True, methods=["post"])
    def record(self, request: Request, pk: str | None = None) -> Response:
        """Enter counted quantities (base unit) by line id."""
        count = self.get_object()  # a count out of the user's scope is a 404 before the payload is judged
        check_operate(request.user, count.warehouse)
        payload = CountRecordSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        docs.count_record(count=count, counted=payload.validated_data["counted"], actor=self.actor)
        return self.answer(count)

    @extend_schema(request=CountAddLineSerializer)
    @action(detail=True, methods=["post"], url_path="add-line", url_name="add-line")
    def add_line(self, request: Request, pk: str | None = None) -> Response:
        """Add something found that is not on the sheet."""
        count = self.get_object()
        check_operate(request.user, count.warehouse)
        payload = CountAddLineSerializer(data=request.data, context=self.get_serializer_context())
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        errors: LineErrors = {}
        location = LineResolver().location(count.warehouse, data["location"], errors, "location")
        lot = LineResolver.lot(data["item"], data, errors)
        if errors:
            raise serializers.ValidationError(errors)
        docs.count_add_line(count=count, item=data["item"], location=location, lot=lot,
                            counted_quantity=data["counted_quantity"], actor=request.user)
        return self.answer(count)

    @extend_schema(request=None)
    @action(detail=True, methods=["post"], url_path="post", url_name="post")
    def post_document(self, request: Request, pk: str | None = None) -> Response:
        """Post the variances of the counted lines; every line must be counted. Posting twice is a 409."""
        return self.run(docs.count_post)

    @extend_schema(request=VoidSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request: Request, pk: str | None = None) -> Response:
        """Void a count that is not posted; ``reason`` is required."""
        return self.run(docs.count_cancel, void=True)
