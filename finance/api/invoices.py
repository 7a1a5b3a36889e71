"""/api/finance/customer-invoices/ (customer invoices and credit notes with their lines; POST …/post/
posts a draft and takes its uniform invoice number, …/void/ ``{"reason"}`` voids a posted one),
/api/finance/supplier-invoices/ (purchasing's supplier invoices, read-only, with what finance paid of
each and what is open) and /api/finance/uniform-invoice-ranges/ (list, enter a range).

Refusals: a malformed filter, an invalid range (overlapping, reversed, bad letters), a void without a
reason or of an invoice with payments applied → 400 naming the field; posting without a uniform
invoice number left → 400; another company's record → 404."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db.models import Case, DecimalField, F, Prefetch, QuerySet, Value, When
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field, extend_schema_view
from rest_framework import mixins, permissions, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from erp.api.fields import money_field
from erp.api.params import by_code, param_error, parse_bool, parse_choice, parse_date_range
from erp.api.serializers import VoidSerializer, actor_and_company, void_reason_of
from erp.api.viewsets import CompanyViewMixin, ReloadAfterSaveMixin
from finance import selectors
from finance import status as st
from finance.api.common import ChangePermission, enum_field
from finance.models import CustomerInvoice, CustomerInvoiceLine, UniformInvoiceRange
from finance.services import invoices as invoicing
from purchasing import status as purchasing_status
from purchasing.api.invoices import InvoiceStatusField
from purchasing.models import Supplier, SupplierInvoice
from purchasing.selectors.invoices import invoices_for_user
from sales.models import Customer

ZERO = Decimal("0")
MONEY_OUTPUT = DecimalField(max_digits=20, decimal_places=2)

# Customer invoices ------------------------------------------------------------------------------------


class CustomerInvoiceLineSerializer(serializers.ModelSerializer[CustomerInvoiceLine]):
    item = serializers.CharField(source="item.code", read_only=True)
    item_name = serializers.CharField(source="item.name", read_only=True)
    delivery_number = serializers.CharField(source="delivery.number", read_only=True, allow_null=True)
    net_amount = money_field(read_only=True)
    tax_amount = money_field(read_only=True)

    class Meta:
        model = CustomerInvoiceLine
        fields = ["id", "line_no", "item", "item_name", "description", "quantity", "unit_price", "tax_rate",
                  "net_amount", "tax_amount", "delivery", "delivery_number", "customer_return", "order_line"]
        read_only_fields = fields


class CustomerInvoiceSerializer(serializers.ModelSerializer[CustomerInvoice]):
    """A customer invoice or credit note (銷貨折讓單); the reference is the number once posted."""

    reference = serializers.CharField(read_only=True)
    status = enum_field(st.CustomerInvoiceStatus.choices, "CustomerInvoiceStatusEnum", read_only=True)
    kind = enum_field(st.InvoiceKind.choices, "CustomerInvoiceKindEnum", read_only=True)
    customer = serializers.CharField(source="customer.code", read_only=True, help_text=gettext_lazy("Customer code"))
    customer_name = serializers.CharField(source="customer.name", read_only=True)
    net_amount = money_field(read_only=True)
    tax_amount = money_field(read_only=True)
    total_amount = money_field(read_only=True)
    paid_amount = money_field(read_only=True, help_text=gettext_lazy("Paid, or of a credit note: applied"))
    open_amount = money_field(read_only=True)
    lines = CustomerInvoiceLineSerializer(many=True, read_only=True)

    class Meta:
        model = CustomerInvoice
        fields = ["id", "number", "reference", "status", "kind", "customer", "customer_name", "buyer_tax_id",
                  "document_date", "due_date", "currency", "net_amount", "tax_amount", "total_amount", "paid_amount",
                  "open_amount", "uniform_number", "credited_invoice", "journal_entry", "notes", "posted_at",
                  "void_reason", "lines"]
        read_only_fields = fields


@extend_schema_view(list=extend_schema(parameters=[
    OpenApiParameter("status", str, enum=st.CustomerInvoiceStatus.values),
    OpenApiParameter("kind", str, enum=st.InvoiceKind.values),
    OpenApiParameter("customer", str, description=gettext_lazy("Customer code")),
    OpenApiParameter("date_from", OpenApiTypes.DATE),
    OpenApiParameter("date_to", OpenApiTypes.DATE),
    OpenApiParameter("search", str, description=gettext_lazy("Part of the number, the uniform invoice number or "
                                                             "the customer's name")),
]))
class CustomerInvoiceViewSet(CompanyViewMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin,
                             viewsets.GenericViewSet[Any]):
    """Customer invoices and credit notes, newest first, with their lines (drafted from posted delivery
    notes and customer returns). POST …/post/ posts a draft: an invoice takes its uniform invoice number
    (400 when none is left for its period); …/void/ ``{"reason"}`` voids a posted one (作廢: the
    number is kept; 400 on ``reason`` once payments or credit notes are applied). Both need
    finance.change_customerinvoice."""

    queryset = CustomerInvoice.objects.none()
    serializer_class = CustomerInvoiceSerializer

    def get_queryset(self) -> QuerySet[CustomerInvoice]:
        if self.fake():
            return CustomerInvoice.objects.none()
        return self.with_lines(selectors.customer_invoices_for_user(self.request.user))

    @staticmethod
    def with_lines(rows: QuerySet[CustomerInvoice]) -> QuerySet[CustomerInvoice]:
        lines = CustomerInvoiceLine.objects.select_related("item", "delivery").order_by("line_no", "pk")
        return rows.select_related("customer").prefetch_related(Prefetch("lines", queryset=lines)).order_by(
            "-document_date", "-pk")

    def filter_queryset(self, queryset: QuerySet[CustomerInvoice]) -> QuerySet[CustomerInvoice]:
        if self.action != "list":
            return queryset
        params, user = self.request.query_params, self.request.user
        date_from, date_to = parse_date_range(params)
        return self.with_lines(selectors.customer_invoice_list_for_user(
            user, status=parse_choice(params, "status", st.CustomerInvoiceStatus.values, _("Unknown status.")),
            kind=parse_choice(params, "kind", st.InvoiceKind.values, _("Unknown kind.")),
            customer=by_code(Customer, user, params, "customer"), date_from=date_from, date_to=date_to,
            search=params.get("search", "")))

    @extend_schema(request=None, responses=CustomerInvoiceSerializer)
    @action(detail=True, methods=["post"], url_path="post", url_name="post", permission_classes=[ChangePermission])
    def post_invoice(self, request: Request, pk: str | None = None) -> Response:
        """Post a draft (its number; an invoice's uniform invoice number; the receivable booked)."""
        invoice = self.get_object()
        invoicing.invoice_post(invoice=invoice, actor=self.actor)
        return self.answer(invoice)

    @extend_schema(request=VoidSerializer, responses=CustomerInvoiceSerializer)
    @action(detail=True, methods=["post"], permission_classes=[ChangePermission])
    def void(self, request: Request, pk: str | None = None) -> Response:
        """Void a posted invoice or credit note with the reason (its entry reversed, its number kept)."""
        invoice = self.get_object()
        invoicing.invoice_void(invoice=invoice, actor=self.actor, reason=void_reason_of(request))
        return self.answer(invoice)


# Supplier invoices (purchasing's), with what finance paid -------------------------------------------


class ReadsPayments(permissions.BasePermission):
    """What finance paid of a supplier invoice is finance's to show: finance.view_payment besides
    purchasing's view permission (the model permission of the viewset)."""

    def has_permission(self, request: Request, view: Any) -> bool:
        return bool(request.user and request.user.has_perm("finance.view_payment"))


class SupplierInvoiceBalanceSerializer(serializers.ModelSerializer[SupplierInvoice]):
    """A supplier invoice as finance pays it: its total, what posted payments paid of it, what is open."""

    reference = serializers.CharField(read_only=True)
    status = InvoiceStatusField()
    supplier = serializers.CharField(source="supplier.code", read_only=True, help_text=gettext_lazy("Supplier code"))
    supplier_name = serializers.CharField(source="supplier.name", read_only=True)
    net_amount = money_field(read_only=True)
    tax_amount = money_field(read_only=True)
    total_amount = money_field(read_only=True)
    paid_amount = money_field(source="finance_paid", read_only=True,
                              help_text=gettext_lazy("Paid by posted payments"))
    open_amount = money_field(source="finance_open", read_only=True,
                              help_text=gettext_lazy("Left to pay of a posted invoice (0 of a draft or void one)"))

    class Meta:
        model = SupplierInvoice
        fields = ["id", "number", "reference", "status", "supplier", "supplier_name", "supplier_invoice_number",
                  "document_date", "due_date", "currency", "net_amount", "tax_amount", "total_amount", "paid_amount",
                  "open_amount", "posted_at"]
        read_only_fields = fields


def with_paid(rows: QuerySet[SupplierInvoice]) -> QuerySet[SupplierInvoice]:
    rows = selectors.with_supplier_paid(rows)
    return rows.annotate(finance_open=Case(When(status=purchasing_status.InvoiceStatus.POSTED,
                                                then=F("total_amount") - F("finance_paid")),
                                           default=Value(ZERO), output_field=MONEY_OUTPUT))


@extend_schema_view(list=extend_schema(parameters=[
    OpenApiParameter("supplier", str, description=gettext_lazy("Supplier code")),
    OpenApiParameter("status", str, enum=purchasing_status.InvoiceStatus.values),
    OpenApiParameter("open", bool, description=gettext_lazy("Only invoices with something left to pay")),
    OpenApiParameter("date_from", OpenApiTypes.DATE),
    OpenApiParameter("date_to", OpenApiTypes.DATE),
    OpenApiParameter("search", str, description=gettext_lazy("Part of the number, the supplier's invoice number or "
                                                             "the supplier's name")),
]))
class SupplierInvoiceViewSet(CompanyViewMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin,
                             viewsets.GenericViewSet[Any]):
    """Purchasing's supplier invoices as the user may see them there (a buyer: their suppliers'), newest
    first, with ``paid_amount`` (posted payments' allocations) and ``open_amount``. Read-only: they are
    entered and posted in purchasing, paid through payments/. Needs finance.view_payment too."""

    queryset = SupplierInvoice.objects.none()
    serializer_class = SupplierInvoiceBalanceSerializer

    def get_permissions(self) -> list[Any]:
        return [*super().get_permissions(), ReadsPayments()]

    def get_queryset(self) -> QuerySet[SupplierInvoice]:
        if self.fake():
            return SupplierInvoice.objects.none()
        return with_paid(invoices_for_user(self.request.user))

    def filter_queryset(self, queryset: QuerySet[SupplierInvoice]) -> QuerySet[SupplierInvoice]:
        if self.action != "list":
            return queryset
        params, user = self.request.query_params, self.request.user
        date_from, date_to = parse_date_range(params)
        rows = with_paid(invoices_for_user(
            user, supplier=by_code(Supplier, user, params, "supplier"),
            status=parse_choice(params, "status", purchasing_status.InvoiceStatus.values, _("Unknown status.")),
            date_from=date_from, date_to=date_to, search=params.get("search", "")))
        if (open_only := parse_bool(params, "open")) is not None:
            rows = rows.filter(finance_open__gt=0) if open_only else rows.filter(finance_open__lte=0)
        return rows


# Uniform invoice ranges ---------------------------------------------------------------------------


@extend_schema_field({"type": "integer", "enum": [1, 3, 5, 7, 9, 11]}, component_name="UniformRangeStartMonthEnum")
class StartMonthField(serializers.ChoiceField):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(choices=[(m, str(m)) for m in (1, 3, 5, 7, 9, 11)], **kwargs)


class UniformInvoiceRangeSerializer(serializers.ModelSerializer[UniformInvoiceRange]):
    """A range of uniform invoice numbers (字軌 and eight digits) of a two-month period."""

    year = serializers.IntegerField(min_value=2000, max_value=2999)
    start_month = StartMonthField(help_text=gettext_lazy("The first month of the two-month period"))
    track = serializers.CharField(min_length=2, max_length=2, help_text=gettext_lazy("Two upper-case letters"))
    first_number = serializers.IntegerField(min_value=0, max_value=99_999_999)
    last_number = serializers.IntegerField(min_value=0, max_value=99_999_999)
    remaining = serializers.IntegerField(read_only=True)

    class Meta:
        model = UniformInvoiceRange
        fields = ["id", "year", "start_month", "track", "first_number", "last_number", "next_number", "remaining"]
        read_only_fields = ["next_number"]

    def create(self, validated_data: dict[str, Any]) -> UniformInvoiceRange:
        user, company = actor_and_company(self)
        return invoicing.uniform_range_save(company=company, actor=user, **validated_data)


@extend_schema_view(list=extend_schema(parameters=[OpenApiParameter("year", int)]))
class UniformInvoiceRangeViewSet(ReloadAfterSaveMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin,
                                 mixins.CreateModelMixin, viewsets.GenericViewSet[Any]):
    """The uniform invoice ranges the tax office allotted, the latest period first. POST enters one
    (``uniform_range_save``): a range overlapping another of the same letters and period is a 400 on
    ``first_number``; posting an invoice takes the next number of its period's range."""

    queryset = UniformInvoiceRange.objects.none()
    serializer_class = UniformInvoiceRangeSerializer

    def get_queryset(self) -> QuerySet[UniformInvoiceRange]:
        if self.fake():
            return UniformInvoiceRange.objects.none()
        return selectors.uniform_ranges_for_user(self.request.user)

    def filter_queryset(self, queryset: QuerySet[UniformInvoiceRange]) -> QuerySet[UniformInvoiceRange]:
        if self.action == "list" and (year := self.request.query_params.get("year", "").strip()):
            if not year.isdigit() or len(year) > 4:
                raise param_error("year", _("Enter a year, e.g. 2026."))
            queryset = queryset.filter(year=int(year))
        return queryset
