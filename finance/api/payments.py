"""/api/finance/payments/: money received from customers and paid to suppliers, each through a bank or
cash account and allocated to the partner's invoices (沖帳). POST creates a draft with its allocations
(``payment_save``); …/post/ ``{"keep_overpayment"}`` posts it (``payment_post``: what is not allocated
stays as the partner's credit only when asked)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db.models import Prefetch, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from erp.api.fields import CodeRelatedField, CompanyPrimaryKeyField, money_field
from erp.api.params import by_code, parse_choice, parse_date_range
from erp.api.serializers import actor_and_company
from erp.api.viewsets import ReloadAfterSaveMixin
from finance import selectors
from finance import status as st
from finance.api.common import ByCodeField, ChangePermission, enum_field
from finance.models import Account, CustomerInvoice, Payment, PaymentAllocation
from finance.services import payments as services
from purchasing.models import Supplier, SupplierInvoice
from sales.models import Customer

CENT = Decimal("0.01")


class PaymentAllocationSerializer(serializers.ModelSerializer[PaymentAllocation]):
    """One invoice the payment settles: a customer invoice (money received) or a supplier invoice (paid)."""

    customer_invoice = CompanyPrimaryKeyField(queryset=CustomerInvoice.objects.all(), required=False,
                                              allow_null=True, help_text=gettext_lazy("Id of a customer invoice"))
    supplier_invoice = CompanyPrimaryKeyField(queryset=SupplierInvoice.objects.all(), required=False,
                                              allow_null=True, help_text=gettext_lazy("Id of a supplier invoice"))
    invoice_number = serializers.SerializerMethodField()
    amount = money_field(min_value=CENT)

    class Meta:
        model = PaymentAllocation
        fields = ["customer_invoice", "supplier_invoice", "invoice_number", "amount"]

    def get_invoice_number(self, allocation: PaymentAllocation) -> str:
        invoice = allocation.customer_invoice if allocation.customer_invoice_id else allocation.supplier_invoice
        return invoice.number if invoice is not None else ""

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if (attrs.get("customer_invoice") is None) == (attrs.get("supplier_invoice") is None):
            raise serializers.ValidationError(_("Name either a customer invoice or a supplier invoice."))
        return attrs


class PaymentSerializer(serializers.ModelSerializer[Payment]):
    """A payment: ``direction`` "in" from a ``customer`` (code), "out" to a ``supplier`` (code), through
    ``account`` (a postable asset account's code), with its allocations."""

    status = enum_field(st.PaymentStatus.choices, "PaymentStatusEnum", read_only=True)
    direction = enum_field(st.PaymentDirection.choices, "PaymentDirectionEnum")
    customer = CodeRelatedField(queryset=Customer.objects.all(), required=False, allow_null=True,
                                help_text=gettext_lazy("Customer code (money received)"))
    supplier = CodeRelatedField(queryset=Supplier.objects.all(), required=False, allow_null=True,
                                help_text=gettext_lazy("Supplier code (money paid)"))
    account = ByCodeField(queryset=Account.objects.all(), help_text=gettext_lazy("Code of the bank or cash account"))
    amount = money_field(min_value=CENT)
    document_date = serializers.DateField(default=timezone.localdate)
    reference = serializers.CharField(source="bank_reference", max_length=100, required=False, allow_blank=True,
                                      default="",
                                      help_text=gettext_lazy("The bank's transaction reference or the cheque number"))
    allocated_amount = money_field(read_only=True)
    unallocated = money_field(read_only=True)
    allocations = PaymentAllocationSerializer(many=True, required=False, default=list)

    class Meta:
        model = Payment
        fields = ["id", "number", "status", "direction", "customer", "supplier", "account", "amount",
                  "document_date", "reference", "allocated_amount", "unallocated", "journal_entry", "allocations"]
        read_only_fields = ["number", "journal_entry"]

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        incoming = attrs["direction"] == st.PaymentDirection.IN
        partner, other = ("customer", "supplier") if incoming else ("supplier", "customer")
        if attrs.get(partner) is None:
            raise serializers.ValidationError({partner: [_("Give the customer's code.") if incoming
                                                         else _("Give the supplier's code.")]})
        if attrs.get(other) is not None:
            raise serializers.ValidationError({other: [_("Money received names a customer, money paid a supplier.")]})
        account = attrs["account"]
        if account.is_group or not account.is_active or account.account_type != st.AccountType.ASSET:
            raise serializers.ValidationError({"account": [_("Choose an active asset account that is not a group.")]})
        kind = "customer_invoice" if incoming else "supplier_invoice"
        errors: dict[int, dict[str, list[str]]] = {}
        for index, allocation in enumerate(attrs.get("allocations") or []):
            if allocation.get(kind) is None:
                errors[index] = {kind: [_("Money received settles customer invoices, money paid supplier "
                                          "invoices.")]}
        if errors:
            raise serializers.ValidationError({"allocations": errors})
        return attrs

    def create(self, validated_data: dict[str, Any]) -> Payment:
        user, company = actor_and_company(self)
        incoming = validated_data["direction"] == st.PaymentDirection.IN
        allocations = [(a["customer_invoice"] if incoming else a["supplier_invoice"], a["amount"])
                       for a in validated_data.get("allocations") or []]
        return services.payment_save(
            company=company, actor=user, direction=validated_data["direction"], account=validated_data["account"],
            amount=validated_data["amount"], document_date=validated_data["document_date"],
            partner=validated_data["customer"] if incoming else validated_data["supplier"],
            allocations=allocations, reference=validated_data.get("bank_reference", ""))


class PaymentPostSerializer(serializers.Serializer[Any]):
    keep_overpayment = serializers.BooleanField(required=False, default=False, help_text=gettext_lazy(
        "Keep what is not allocated as the partner's credit (an advance received or a prepayment made)"))


@extend_schema_view(list=extend_schema(parameters=[
    OpenApiParameter("direction", str, enum=st.PaymentDirection.values),
    OpenApiParameter("status", str, enum=st.PaymentStatus.values),
    OpenApiParameter("customer", str, description=gettext_lazy("Customer code")),
    OpenApiParameter("supplier", str, description=gettext_lazy("Supplier code")),
    OpenApiParameter("date_from", OpenApiTypes.DATE),
    OpenApiParameter("date_to", OpenApiTypes.DATE),
    OpenApiParameter("search", str, description=gettext_lazy("Part of the number, the bank reference or the "
                                                             "partner's name")),
]))
class PaymentViewSet(ReloadAfterSaveMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin,
                     mixins.CreateModelMixin, viewsets.GenericViewSet[Any]):
    """Payments, newest first. POST: a draft ``{"direction", "customer" | "supplier", "account", "amount",
    "document_date", "reference", "allocations": [{"customer_invoice" | "supplier_invoice": id, "amount"}]}``
    (400 naming the field: allocations above the payment, an invoice not the partner's, an inactive or
    group account). POST …/post/ ``{"keep_overpayment"}`` posts a draft: an allocation above what the
    invoice has open, or money left over without ``keep_overpayment``, is a 400 and nothing is posted
    (finance.change_payment)."""

    queryset = Payment.objects.none()
    serializer_class = PaymentSerializer

    def get_queryset(self) -> QuerySet[Payment]:
        if self.fake():
            return Payment.objects.none()
        return self.with_allocations(selectors.payments_for_user(self.request.user))

    @staticmethod
    def with_allocations(rows: QuerySet[Payment]) -> QuerySet[Payment]:
        allocations = PaymentAllocation.objects.select_related("customer_invoice", "supplier_invoice").order_by("pk")
        return rows.prefetch_related(Prefetch("allocations", queryset=allocations)).order_by("-document_date", "-pk")

    def filter_queryset(self, queryset: QuerySet[Payment]) -> QuerySet[Payment]:
        if self.action != "list":
            return queryset
        params, user = self.request.query_params, self.request.user
        date_from, date_to = parse_date_range(params)
        return self.with_allocations(selectors.payment_list_for_user(
            user, direction=parse_choice(params, "direction", st.PaymentDirection.values, _("Unknown direction.")),
            status=parse_choice(params, "status", st.PaymentStatus.values, _("Unknown status.")),
            customer=by_code(Customer, user, params, "customer"), supplier=by_code(Supplier, user, params, "supplier"),
            date_from=date_from, date_to=date_to, search=params.get("search", "")))

    @extend_schema(request=PaymentPostSerializer, responses=PaymentSerializer)
    @action(detail=True, methods=["post"], url_path="post", url_name="post", permission_classes=[ChangePermission])
    def post_payment(self, request: Request, pk: str | None = None) -> Response:
        """Post a draft: its number, the invoices it settles, the entry."""
        payment = self.get_object()
        body = PaymentPostSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        services.payment_post(payment=payment, actor=self.actor,
                              keep_overpayment=body.validated_data["keep_overpayment"])
        return self.answer(payment)
