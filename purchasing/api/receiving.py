"""/api/purchasing/receipts/, inspections/ and returns/: goods received against purchase orders,
their incoming inspections and the goods sent back to suppliers."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from erp.api.fields import CodeRelatedField, CompanyPrimaryKeyField, base_qty_field, qty_field
from erp.api.permissions import ModelPermissions
from erp.api.serializers import VoidSerializer, void_reason_of
from erp.api.viewsets import CompanyViewMixin
from erp.documents import check_transition
from erp.errors import ImmutableDocument
from inventory.api.common import check_operate
from inventory.models import GoodsReceipt, Location, UnitOfMeasure
from inventory.services.documents import receipt_post
from purchasing import status as st
from purchasing.models import Inspection, PurchaseOrder, SupplierReturn
from purchasing.selectors import receiving as selectors
from purchasing.services import inspections, receiving, returns


def location_in(warehouse: Any, code: str, errors: dict[str, list[str]], field: str = "location") -> Location | None:
    if not code:
        return None
    found = Location.objects.filter(warehouse=warehouse, code=code.strip().upper()).first() or \
        Location.objects.filter(warehouse=warehouse, code=code.strip()).first()
    if found is None:
        errors[field] = [_("Warehouse %(wh)s has no location %(code)s.") % {"wh": warehouse.code, "code": code}]
    return found


# Receipts --------------------------------------------------------------------------------------


class PurchaseReceiptLineSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField(read_only=True)
    order_line = serializers.IntegerField(source="source_line_id", help_text=gettext_lazy("Purchase order line id"))
    item = serializers.CharField(source="item.code", read_only=True)
    quantity = qty_field()
    unit = CodeRelatedField(queryset=UnitOfMeasure.objects.all(), required=False, allow_null=True,
                            help_text=gettext_lazy("Unit code; empty = the order line's unit"))
    location = serializers.CharField(source="location.code", required=False, allow_blank=True,
                                     help_text=gettext_lazy("Location code; empty = where the item is kept"))
    posted_location = serializers.CharField(source="posted_location.code", read_only=True, allow_null=True)
    lot_number = serializers.CharField(max_length=60, required=False, allow_blank=True, default="")
    manufactured_on = serializers.DateField(required=False, allow_null=True)
    expires_on = serializers.DateField(required=False, allow_null=True)
    unit_cost = serializers.DecimalField(max_digits=20, decimal_places=6, read_only=True)


class PurchaseReceiptSerializer(serializers.ModelSerializer[GoodsReceipt]):
    """A goods receipt of a purchase order (inventory's document): a draft until posted."""

    order = CompanyPrimaryKeyField(queryset=PurchaseOrder.objects.all(), source="source_id",
                                   help_text=gettext_lazy("Purchase order id"))
    order_number = serializers.CharField(source="source_reference", read_only=True)
    warehouse = serializers.CharField(source="warehouse.code", read_only=True)
    lines = PurchaseReceiptLineSerializer(many=True, required=False)

    class Meta:
        model = GoodsReceipt
        fields = ["id", "number", "status", "document_date", "order", "order_number", "warehouse",
                  "supplier_reference", "notes", "posted_at", "lines"]
        read_only_fields = ["number", "status", "posted_at"]

    def create(self, validated_data: dict[str, Any]) -> GoodsReceipt:
        user = self.context["request"].user
        order: PurchaseOrder = validated_data.pop("source_id")
        check_operate(user, order.warehouse)
        given = validated_data.pop("lines", None)
        lines = None
        if given:
            errors: dict[str, Any] = {}
            lines = []
            for n, line in enumerate(given):
                line_errors: dict[str, list[str]] = {}
                location = location_in(order.warehouse, (line.get("location") or {}).get("code", ""), line_errors)
                if line_errors:
                    errors[f"lines[{n}]"] = line_errors
                lines.append({"order_line": line["source_line_id"], "quantity": line["quantity"],
                              "unit": line.get("unit"), "location": location,
                              "lot_number": line.get("lot_number", ""),
                              "manufactured_on": line.get("manufactured_on"), "expires_on": line.get("expires_on")})
            if errors:
                raise serializers.ValidationError({"lines": list(errors.values())})
        return receiving.receipt_create_for_order(order=order, actor=user, lines=lines, **validated_data)


class ReceiptViewSet(CompanyViewMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin,
                     viewsets.GenericViewSet[Any]):
    """Goods receipts of purchase orders in the user's scope. POST makes a draft from the order's open
    quantities, or from ``lines`` ``[{order_line, quantity, unit?, location?, lot_number?, manufactured_on?,
    expires_on?}]``; POST …/post/ posts it (goods that need inspection go to quarantine)."""

    queryset = GoodsReceipt.objects.none()
    serializer_class = PurchaseReceiptSerializer

    def get_queryset(self) -> Any:
        if self.fake():
            return GoodsReceipt.objects.none()
        rows = selectors.receipts_for_user(self.request.user).select_related("warehouse")
        params = self.request.query_params
        if self.action == "list":
            if params.get("order"):
                rows = rows.filter(source_id=params["order"]) if params["order"].isdigit() else rows.none()
            if params.get("status"):
                rows = rows.filter(status=params["status"])
        return rows.prefetch_related("lines__item", "lines__unit", "lines__location",
                                     "lines__posted_location").order_by("-created_at", "-id")

    def perform_create(self, serializer: serializers.BaseSerializer[Any]) -> None:
        serializer.instance = self.reload(serializer.save())

    @extend_schema(request=None)
    @action(detail=True, methods=["post"], url_path="post", url_name="post")
    def post_receipt(self, request: Request, pk: str | None = None) -> Response:
        """Post the draft receipt: stock, the order's received quantities and the inspections."""
        receipt = self.get_object()
        check_operate(request.user, receipt.warehouse)
        check_transition(receipt, "posted")
        receipt_post(receipt=receipt, actor=request.user)
        return self.answer(receipt)


# Inspections -----------------------------------------------------------------------------------


class InspectionSerializer(serializers.ModelSerializer[Inspection]):
    """An incoming inspection of one receipt line: quantities in the item's base unit."""

    item = serializers.CharField(source="item.code", read_only=True)
    supplier = serializers.CharField(source="supplier.code", read_only=True, allow_null=True)
    warehouse = serializers.CharField(source="warehouse.code", read_only=True)
    lot = serializers.CharField(source="lot.number", read_only=True, allow_null=True)
    quarantine_location = serializers.CharField(source="quarantine_location.code", read_only=True)
    destination = serializers.CharField(source="destination.code", read_only=True)
    receipt_number = serializers.CharField(source="receipt.number", read_only=True)

    class Meta:
        model = Inspection
        fields = ["id", "number", "status", "document_date", "receipt", "receipt_number", "receipt_line",
                  "order_line", "supplier", "item", "lot", "warehouse", "quarantine_location", "destination",
                  "quantity", "accepted_quantity", "rejected_quantity", "returned_quantity", "result_notes",
                  "inspected_at"]
        read_only_fields = fields


class RecordPermission(ModelPermissions):
    """Recording an inspection changes it: the change permission (Quality, Purchasing), not add."""

    perms_map = {**ModelPermissions.perms_map, "POST": ["%(app_label)s.change_%(model_name)s"]}


class InspectionResultSerializer(serializers.Serializer[Any]):
    accepted = base_qty_field(min_value=0)
    rejected = base_qty_field(min_value=0)
    notes = serializers.CharField(required=False, allow_blank=True, default="")


class InspectionViewSet(CompanyViewMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin,
                        viewsets.GenericViewSet[Any]):
    """Incoming inspections (``?waiting=1``: those waiting). POST …/record/ ``{accepted, rejected, notes}``:
    the accepted goods move from quarantine to storage, the rejected stay for a supplier return."""

    queryset = Inspection.objects.none()
    serializer_class = InspectionSerializer

    def get_queryset(self) -> Any:
        if self.fake():
            return Inspection.objects.none()
        waiting = self.action == "list" and self.request.query_params.get("waiting") in ("1", "true")
        return selectors.inspections_for_user(self.request.user, waiting=waiting).order_by("-created_at", "-id")

    @extend_schema(request=InspectionResultSerializer)
    @action(detail=True, methods=["post"], permission_classes=[RecordPermission])
    def record(self, request: Request, pk: str | None = None) -> Response:
        """Record the result: accepted + rejected = the quantity received (the inspectors': change_inspection)."""
        inspection = self.get_object()
        body = InspectionResultSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        check_transition(inspection, st.InspectionStatus.DONE)
        inspections.inspection_record(inspection=inspection, actor=request.user, **body.validated_data)
        return self.answer(inspection)


# Supplier returns ------------------------------------------------------------------------------


class SupplierReturnLineSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField(read_only=True)
    receipt_line = serializers.IntegerField(source="receipt_line_id", help_text=gettext_lazy("Goods receipt line id"))
    item = serializers.CharField(source="item.code", read_only=True)
    quantity = qty_field()
    unit = CodeRelatedField(queryset=UnitOfMeasure.objects.all(), required=False, allow_null=True)
    quantity_base = serializers.DecimalField(max_digits=20, decimal_places=6, read_only=True)
    location = serializers.CharField(source="location.code", required=False, allow_blank=True)
    unit_cost = serializers.DecimalField(max_digits=20, decimal_places=6, read_only=True)


class SupplierReturnSerializer(serializers.ModelSerializer[SupplierReturn]):
    """A supplier return (RTV) of a posted goods receipt; without lines it proposes the rejects."""

    receipt = CompanyPrimaryKeyField(queryset=GoodsReceipt.objects.all())
    supplier = serializers.CharField(source="supplier.code", read_only=True)
    warehouse = serializers.CharField(source="warehouse.code", read_only=True)
    lines = SupplierReturnLineSerializer(many=True, required=False)

    class Meta:
        model = SupplierReturn
        fields = ["id", "number", "status", "document_date", "receipt", "order", "supplier", "warehouse", "reason",
                  "posted_at", "void_reason", "lines"]
        read_only_fields = ["number", "status", "order", "posted_at", "void_reason"]

    def lines_of(self, receipt: GoodsReceipt, given: list[dict[str, Any]]) -> list[dict[str, Any]]:
        errors: list[dict[str, list[str]]] = []
        lines = []
        for line in given:
            line_errors: dict[str, list[str]] = {}
            location = location_in(receipt.warehouse, (line.get("location") or {}).get("code", ""), line_errors)
            errors.append(line_errors)
            lines.append({"receipt_line": line["receipt_line_id"], "quantity": line["quantity"],
                          "unit": line.get("unit"), "location": location})
        if any(errors):
            raise serializers.ValidationError({"lines": errors})
        return lines

    def create(self, validated_data: dict[str, Any]) -> SupplierReturn:
        user = self.context["request"].user
        receipt: GoodsReceipt = validated_data.pop("receipt")
        check_operate(user, receipt.warehouse)
        given = validated_data.pop("lines", None)
        if not given:
            return returns.return_create_from_receipt(receipt=receipt, actor=user, **validated_data)
        return returns.return_save(company=receipt.company, actor=user, receipt=receipt,
                                   lines=self.lines_of(receipt, given), **validated_data)

    def update(self, instance: SupplierReturn, validated_data: dict[str, Any]) -> SupplierReturn:
        user = self.context["request"].user
        receipt: GoodsReceipt = validated_data.pop("receipt", instance.receipt)
        given = validated_data.pop("lines", None)
        lines = self.lines_of(receipt, given) if given else [
            {"receipt_line": line.receipt_line_id, "quantity": line.quantity, "unit": line.unit,
             "location": line.location, "lot": line.lot} for line in instance.lines.all()]
        return returns.return_save(company=instance.company, actor=user, receipt=receipt, lines=lines,
                                   supplier_return=instance, **validated_data)


class ReturnViewSet(CompanyViewMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin,
                    mixins.UpdateModelMixin, viewsets.GenericViewSet[Any]):
    """Supplier returns. POST ``{receipt, reason?, lines?}`` makes a draft (without lines: the receipt's
    rejects not yet returned); POST …/post/ sends the goods back at the receipt's cost; POST …/cancel/
    ``{"reason"}`` voids a draft (a posted return is final: 400)."""

    queryset = SupplierReturn.objects.none()
    serializer_class = SupplierReturnSerializer

    def get_queryset(self) -> Any:
        if self.fake():
            return SupplierReturn.objects.none()
        return (selectors.returns_for_user(self.request.user)
                .prefetch_related("lines__item", "lines__unit", "lines__location").order_by("-created_at", "-id"))

    def perform_create(self, serializer: serializers.BaseSerializer[Any]) -> None:
        serializer.instance = self.reload(serializer.save())

    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        document = self.get_object()
        check_operate(request.user, document.warehouse)
        if not document.is_editable:
            raise ImmutableDocument()
        return super().update(request, *args, **kwargs)

    def perform_update(self, serializer: serializers.BaseSerializer[Any]) -> None:
        serializer.instance = self.reload(serializer.save())

    @extend_schema(request=None)
    @action(detail=True, methods=["post"], url_path="post", url_name="post")
    def post_return(self, request: Request, pk: str | None = None) -> Response:
        """Post the draft: the goods leave at the receipt's cost."""
        document = self.get_object()
        check_operate(request.user, document.warehouse)
        check_transition(document, st.ReturnStatus.POSTED)
        returns.return_post(supplier_return=document, actor=request.user)
        return self.answer(document)

    @extend_schema(request=VoidSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request: Request, pk: str | None = None) -> Response:
        """Void a draft return; ``reason`` is required."""
        document = self.get_object()
        check_operate(request.user, document.warehouse)
        returns.return_cancel(supplier_return=document, actor=request.user, reason=void_reason_of(request))
        return self.answer(document)
