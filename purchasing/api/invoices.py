"""/api/purchasing/invoices/: supplier invoices (drafts with their lines, the three-way match, the
acceptance of a mismatch, posting and voiding).

A line names the purchase order line it bills by id (one of the supplier's approved orders). Refusals:
invoicing more than received and not yet invoiced, a negative price, a supplier out of reach → 400
(``{"lines": ["Line 1: …"]}``, ``{"supplier": [...]}``); posting a mismatch nobody accepted → 409;
accepting without ``purchasing.accept_invoice_mismatch`` → 403."""

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

from erp.api.fields import CompanyPrimaryKeyField, base_qty_field, money_field, price_field, qty_field, rate_field
from erp.api.params import by_code, parse_choice, parse_date_range
from erp.api.serializers import VoidSerializer, actor_and_company, void_reason_of
from erp.api.viewsets import ReloadAfterSaveMixin
from erp.errors import ImmutableDocument
from purchasing import status as st
from purchasing.models import PurchaseOrderLine, Supplier, SupplierInvoice, SupplierInvoiceLine
from purchasing.selectors.invoices import invoices_for_user
from purchasing.services import invoices as services


@extend_schema_field({"type": "string", "enum": st.InvoiceStatus.values}, component_name="SupplierInvoiceStatusEnum")
class InvoiceStatusField(serializers.ChoiceField):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(choices=st.InvoiceStatus.choices, read_only=True, **kwargs)


@extend_schema_field({"type": "string", "enum": st.MatchStatus.values}, component_name="InvoiceMatchStatusEnum")
class MatchStatusField(serializers.ChoiceField):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(choices=st.MatchStatus.choices, read_only=True, **kwargs)


class InvoiceLineSerializer(serializers.Serializer[SupplierInvoiceLine]):
    id = serializers.IntegerField(read_only=True)
    order_line = serializers.IntegerField(source="order_line_id",
                                          help_text=gettext_lazy("Id of the purchase order line billed"))
    order_reference = serializers.CharField(source="order_line.order.reference", read_only=True)
    item = serializers.CharField(source="item.code", read_only=True)
    quantity = qty_field(help_text=gettext_lazy("In the order line's unit"))
    quantity_base = base_qty_field(read_only=True)
    unit_price = price_field(required=False, allow_null=True, help_text=gettext_lazy("Empty = the order's price"))
    tax_rate = rate_field(required=False, allow_null=True, help_text=gettext_lazy("Empty = the order line's rate"))
    net_amount = money_field(read_only=True)
    expected_amount = money_field(read_only=True)
    variance = money_field(read_only=True)
    within_tolerance = serializers.BooleanField(read_only=True)


class SupplierField(CompanyPrimaryKeyField):
    """A supplier by id, among those the user may work with."""


class InvoiceSerializer(serializers.ModelSerializer[SupplierInvoice]):
    reference = serializers.CharField(read_only=True)
    status = InvoiceStatusField()
    match_status = MatchStatusField()
    supplier = SupplierField(queryset=Supplier.objects.all(), help_text=gettext_lazy("Id of the supplier"))
    supplier_code = serializers.CharField(source="supplier.code", read_only=True)
    tax_amount = money_field(required=False, allow_null=True,
                             help_text=gettext_lazy("The supplier's tax figure; empty = worked out from the lines"))
    net_amount = money_field(read_only=True)
    total_amount = money_field(read_only=True)
    match_accepted_by = serializers.CharField(source="match_accepted_by.username", read_only=True, allow_null=True)
    lines = InvoiceLineSerializer(many=True)

    class Meta:
        model = SupplierInvoice
        fields = ["id", "number", "reference", "status", "supplier", "supplier_code", "supplier_invoice_number",
                  "document_date", "due_date", "currency", "net_amount", "tax_amount", "total_amount",
                  "match_status", "match_accepted_by", "match_accepted_at", "match_accepted_reason", "notes",
                  "posted_at", "void_reason", "lines"]
        read_only_fields = ["number", "currency", "match_accepted_at", "match_accepted_reason", "posted_at",
                            "void_reason"]
        extra_kwargs = {"due_date": {"required": False, "allow_null": True}}

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        supplier = attrs.get("supplier", self.instance.supplier if self.instance is not None else None)
        if "lines" in attrs:
            ids = [line["order_line_id"] for line in attrs["lines"]]
            found = {row.pk: row for row in PurchaseOrderLine.objects.filter(pk__in=ids, order__supplier=supplier)}
            errors: list[dict[str, Any]] = []
            lines = []
            for line in attrs["lines"]:
                order_line = found.get(line["order_line_id"])
                errors.append({} if order_line is not None else {"order_line": [
                    _("Line %(id)s is not a line of an order of this supplier.") % {"id": line["order_line_id"]}]})
                lines.append({"order_line": order_line, "quantity": line["quantity"],
                              "unit_price": line.get("unit_price"), "tax_rate": line.get("tax_rate")})
            if any(errors):
                raise serializers.ValidationError({"lines": errors})
            attrs["lines"] = lines
        return attrs

    def create(self, validated_data: dict[str, Any]) -> SupplierInvoice:
        user, company = actor_and_company(self)
        return services.invoice_save(company=company, actor=user, **validated_data)

    def update(self, instance: SupplierInvoice, validated_data: dict[str, Any]) -> SupplierInvoice:
        user, company = actor_and_company(self)
        if "lines" not in validated_data:
            validated_data["lines"] = [{"order_line": line.order_line, "quantity": line.quantity,
                                        "unit_price": line.unit_price, "tax_rate": line.tax_rate}
                                       for line in instance.lines.select_related("order_line")]
        for name in ("supplier", "supplier_invoice_number", "document_date", "due_date", "notes"):
            validated_data.setdefault(name, getattr(instance, name))
        return services.invoice_save(company=company, actor=user, invoice=instance, **validated_data)


class AcceptSerializer(serializers.Serializer[Any]):
    """Why the difference is accepted (kept on the invoice)."""

    reason = serializers.CharField(max_length=300)


@extend_schema_view(list=extend_schema(parameters=[
    OpenApiParameter("supplier", str, description=gettext_lazy("Supplier code")),
    OpenApiParameter("status", str, enum=st.InvoiceStatus.values),
    OpenApiParameter("match", str, enum=st.MatchStatus.values),
    OpenApiParameter("date_from", OpenApiTypes.DATE),
    OpenApiParameter("date_to", OpenApiTypes.DATE),
    OpenApiParameter("search", str, description=gettext_lazy("Part of the number, the supplier's invoice number or "
                                                             "the supplier's name")),
]))
class InvoiceViewSet(ReloadAfterSaveMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin,
                     mixins.CreateModelMixin, mixins.UpdateModelMixin, viewsets.GenericViewSet[Any]):
    """Supplier invoices. Lines: ``{"order_line": id, "quantity", "unit_price"?, "tax_rate"?}``.
    POST …/match/ checks the three-way match, …/accept/ ``{"reason"}`` accepts a mismatch (Purchasing
    manager), …/post/ posts (409 while a mismatch is not accepted), …/cancel/ ``{"reason"}`` voids a draft."""

    model = SupplierInvoice
    queryset = SupplierInvoice.objects.none()
    serializer_class = InvoiceSerializer

    def get_queryset(self) -> QuerySet[SupplierInvoice]:
        if self.fake():
            return SupplierInvoice.objects.none()
        return self.with_lines(invoices_for_user(self.request.user))

    @staticmethod
    def with_lines(rows: QuerySet[SupplierInvoice]) -> QuerySet[SupplierInvoice]:
        lines = SupplierInvoiceLine.objects.select_related("item", "order_line__order").order_by("pk")
        return rows.select_related("supplier", "match_accepted_by").prefetch_related(Prefetch("lines", queryset=lines))

    def filter_queryset(self, queryset: QuerySet[Any]) -> QuerySet[Any]:
        if self.action != "list":
            return queryset
        params, user = self.request.query_params, self.request.user
        date_from, date_to = parse_date_range(params)
        return self.with_lines(invoices_for_user(
            user, supplier=by_code(Supplier, user, params, "supplier"),
            status=parse_choice(params, "status", st.InvoiceStatus.values, _("Unknown status.")),
            match_status=parse_choice(params, "match", st.MatchStatus.values, _("Unknown match status.")),
            date_from=date_from, date_to=date_to, search=params.get("search", "").strip()))

    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        if not self.get_object().is_editable:
            raise ImmutableDocument()
        return super().update(request, *args, **kwargs)

    def run(self, service: Any, *, void: bool = False) -> Response:
        """One service call on one invoice the user may see; ``void``: the body's ``reason`` is required
        (read after the scoped read: another's invoice is a 404 first)."""
        document = self.get_object()
        kwargs = {"reason": void_reason_of(self.request)} if void else {}
        service(invoice=document, actor=self.actor, **kwargs)
        return self.answer(document)

    @extend_schema(request=None, responses=InvoiceSerializer)
    @action(detail=True, methods=["post"])
    def match(self, request: Request, pk: str | None = None) -> Response:
        """Check the three-way match of a draft: each line's expected amount and variance."""
        return self.run(services.invoice_match)

    @extend_schema(request=AcceptSerializer, responses=InvoiceSerializer)
    @action(detail=True, methods=["post"])
    def accept(self, request: Request, pk: str | None = None) -> Response:
        """Accept the difference of a mismatched draft (needs purchasing.accept_invoice_mismatch);
        ``reason`` required."""
        document = self.get_object()
        payload = AcceptSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        services.invoice_accept_mismatch(invoice=document, actor=self.actor, reason=payload.validated_data["reason"])
        return self.answer(document)

    @extend_schema(request=None, responses=InvoiceSerializer)
    @action(detail=True, methods=["post"], url_path="post", url_name="post")
    def post_document(self, request: Request, pk: str | None = None) -> Response:
        """Post the invoice: quantities counted as invoiced on the order; finance is told a payable is due."""
        return self.run(services.invoice_post)

    @extend_schema(request=VoidSerializer, responses=InvoiceSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request: Request, pk: str | None = None) -> Response:
        """Void a draft; ``reason`` is required. A posted invoice is corrected by finance (credit or debit
        note)."""
        return self.run(services.invoice_cancel, void=True)
