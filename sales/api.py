"""/api/sales/: customers, price lists, quotations, sales orders and customer returns over HTTP.

Every read goes through ``sales.selectors`` (the screens' scoping): a sales rep sees only the
customers granted to them and their documents, a sales manager the whole company; anything out of
scope is a 404. Every write is one call of a sales service, so the API refuses exactly what the
screens refuse: a DomainError becomes a 400 (bad input, on the field to blame) or a 409 (an illegal
change of status, a credit limit), see ``erp.api.exception_handler``. Master data and lines name
items, units, tax codes, payment terms, price lists, warehouses and customers by code, users by
username.
"""

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Prefetch, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field, extend_schema_view
from rest_framework import exceptions, mixins, permissions, routers, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from erp.codes import normalise_code
from erp.errors import ImmutableDocument
from erp.money import MONEY, PRICE, RATE
from erp.permissions import user_company
from inventory.api import (
    CodeField,
    CodeRelatedField,
    InventoryViewMixin,
    LineResolver,
    ObjectCodeField,
    UniqueCodeMixin,
    actor_and_company,
    base_qty_field,
    by_code,
    check_operate,
    param_error,
    parse_bool,
    parse_day,
    qty_field,
)
from inventory.models import DeliveryNote, DeliveryNoteLine, Item, UnitOfMeasure, Warehouse
from sales import selectors
from sales import status as st
from sales.models import (
    CreditApproval,
    Customer,
    CustomerContact,
    CustomerReturn,
    CustomerReturnLine,
    PaymentTerm,
    PriceList,
    PriceListItem,
    Quotation,
    QuotationLine,
    SalesOrder,
    SalesOrderLine,
    TaxCode,
)
from sales.services import masterdata
from sales.services import orders as order_services
from sales.services import quotations as quotation_services
from sales.services import returns as return_services

SERVE = "sales.serve_customer"


# Permissions and small helpers ---------------------------------------------------------------


class HasSalesAccess(permissions.BasePermission):
    """The API root: for users holding any sales permission."""

    def has_permission(self, request, view):
        return bool(request.user and request.user.is_authenticated and request.user.has_module_perms("sales"))


class SalesAPIRootView(routers.APIRootView):
    """The sales endpoints: customers, price lists, quotations, orders and customer returns."""

    permission_classes = [HasSalesAccess]


def by_username(user, params, name):
    """The active user of the company whose username is ``?name=``; None if not asked."""
    raw = (params.get(name) or "").strip()
    if not raw:
        return None
    found = get_user_model().objects.filter(company=user_company(user), username=raw).first()
    if found is None:
        raise param_error(name, _("No user with the username %(username)s.") % {"username": raw})
    return found


def choice_param(params, name, choices):
    value = (params.get(name) or "").strip() or None
    if value is not None and value not in choices:
        raise param_error(name, _("Unknown status."))
    return value


def date_range(params):
    date_from, date_to = parse_day(params, "date_from"), parse_day(params, "date_to")
    if date_from and date_to and date_to < date_from:
        raise param_error("date_to", _("The end date is before the start date."))
    return date_from, date_to


class SalesViewMixin(InventoryViewMixin):
    """The inventory API's behaviour (a too-large number is a 400; the user's company)."""

    def reload(self, instance):
        return self.get_queryset().get(pk=instance.pk)


class UserField(serializers.SlugRelatedField):
    """A user of the request user's company, by username."""

    def __init__(self, **kwargs):
        kwargs.setdefault("slug_field", "username")
        if not kwargs.get("read_only"):
            kwargs.setdefault("queryset", get_user_model().objects.all())
        super().__init__(**kwargs)

    def get_queryset(self):
        request = self.context.get("request")
        company = user_company(request.user) if request is not None else None
        return super().get_queryset().filter(company=company, is_active=True)


class CompanyPrimaryKeyField(serializers.PrimaryKeyRelatedField):
    """A related record by id, looked up only in the user's company."""

    def get_queryset(self):
        request = self.context.get("request")
        company = user_company(request.user) if request is not None else None
        return super().get_queryset().filter(company=company)


def status_field(choices):
    return serializers.ChoiceField(choices=choices, read_only=True)


# Named enums: "status" fields with different choices would otherwise collide in the OpenAPI schema.
@extend_schema_field({"type": "string", "enum": st.QuotationStatus.values}, component_name="QuotationStatusEnum")
class QuotationStatusField(serializers.ChoiceField):
    def __init__(self, **kwargs):
        super().__init__(choices=st.QuotationStatus.choices, read_only=True, **kwargs)


@extend_schema_field({"type": "string", "enum": st.OrderStatus.values}, component_name="SalesOrderStatusEnum")
class OrderStatusField(serializers.ChoiceField):
    def __init__(self, **kwargs):
        super().__init__(choices=st.OrderStatus.choices, read_only=True, **kwargs)


# Customers -----------------------------------------------------------------------------------


class ContactSerializer(serializers.ModelSerializer):
    id = serializers.IntegerField(required=False, allow_null=True,
                                 help_text=gettext_lazy("On update: the contact to change; empty adds one"))

    class Meta:
        model = CustomerContact
        fields = ["id", "name", "title", "phone", "email", "is_primary"]


class CustomerSerializer(UniqueCodeMixin, serializers.ModelSerializer):
    code = CodeField()
    payment_term = CodeRelatedField(queryset=PaymentTerm.objects.all(), required=False, allow_null=True)
    price_list = CodeRelatedField(queryset=PriceList.objects.all(), required=False, allow_null=True)
    tax_code = CodeRelatedField(queryset=TaxCode.objects.all(), required=False, allow_null=True)
    owner = UserField(required=False, allow_null=True,
                      help_text=gettext_lazy("The sales rep (username); a rep's new customer is their own"))
    contacts = ContactSerializer(many=True, required=False, help_text=gettext_lazy(
        "On update, contacts with an id are changed, those without are added; others are kept"))

    class Meta:
        model = Customer
        fields = ["id", "code", "name", "short_name", "tax_id", "billing_address", "shipping_address", "phone",
                  "email", "payment_term", "currency", "credit_limit", "price_list", "tax_code", "owner", "notes",
                  "is_active", "contacts"]

    def validate_owner(self, owner):
        user = self.context["request"].user
        if self.instance is None and owner is not None and owner != user and not user.has_perm(SERVE):
            raise serializers.ValidationError(_("Only a sales manager may give a customer to another sales rep."))
        return owner

    def validate_contacts(self, contacts):
        known = set(self.instance.contacts.values_list("pk", flat=True)) if self.instance is not None else set()
        for contact in contacts:
            if contact.get("id") and contact["id"] not in known:
                raise serializers.ValidationError(
                    _("Contact %(id)s is not a contact of this customer.") % {"id": contact["id"]})
        return contacts

    def create(self, validated_data):
        user, company = actor_and_company(self)
        contacts = [{k: v for k, v in c.items() if k != "id"} for c in validated_data.pop("contacts", [])]
        return masterdata.customer_create(company=company, actor=user, contacts=contacts, **validated_data)

    def update(self, instance, validated_data):
        user = self.context["request"].user
        contacts = validated_data.pop("contacts", None)
        with transaction.atomic():
            customer = masterdata.customer_update(customer=instance, actor=user, **validated_data)
            existing = {c.pk: c for c in customer.contacts.all()}
            for fields in contacts or []:
                fields = dict(fields)
                contact = existing.get(fields.pop("id", None))
                masterdata.contact_save(customer=customer, actor=user, contact=contact, **fields)
        return customer


@extend_schema_view(list=extend_schema(parameters=[
    OpenApiParameter("search", str, description=gettext_lazy("Part of the code, name or short name; or the tax id")),
    OpenApiParameter("owner", str, description=gettext_lazy("Username of the sales rep")),
    OpenApiParameter("active", bool),
]))
class CustomerViewSet(SalesViewMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin,
                      mixins.UpdateModelMixin, viewsets.GenericViewSet):
    """Customers the user serves (a sales rep: their own; a sales manager: all). A rep's new customer
    is their own; only a sales manager hands a customer to another rep."""

    queryset = Customer.objects.none()
    serializer_class = CustomerSerializer

    def get_queryset(self):
        if self.fake():
            return Customer.objects.none()
        return selectors.customers_for_user(self.request.user).select_related(
            "owner", "price_list", "tax_code", "payment_term").prefetch_related("contacts")

    def filter_queryset(self, queryset):
        if self.action != "list":
            return queryset
        params, user = self.request.query_params, self.request.user
        return selectors.customer_list(
            user, search=params.get("search", "").strip(), owner=by_username(user, params, "owner"),
            active=parse_bool(params, "active"),
        ).prefetch_related("contacts")

    def perform_create(self, serializer):
        serializer.instance = self.reload(serializer.save())

    def perform_update(self, serializer):
        serializer.instance = self.reload(serializer.save())


# Price lists ---------------------------------------------------------------------------------


class PriceSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    item = CodeRelatedField(queryset=Item.objects.all())
    unit = CodeRelatedField(queryset=UnitOfMeasure.objects.all(), required=False, allow_null=True,
                            help_text=gettext_lazy("Unit code; empty = the item's base unit"))
    min_quantity = qty_field(required=False, default=0, help_text=gettext_lazy("Quantity break, in this unit"))
    price = serializers.DecimalField(**PRICE)
    valid_from = serializers.DateField(required=False, allow_null=True)
    valid_to = serializers.DateField(required=False, allow_null=True)


class PriceListSerializer(UniqueCodeMixin, serializers.ModelSerializer):
    code = CodeField()
    price_count = serializers.IntegerField(read_only=True)
    prices = PriceSerializer(many=True, required=False,
                             help_text=gettext_lazy("When given, replaces all the prices of the list"))

    class Meta:
        model = PriceList
        fields = ["id", "code", "name", "currency", "is_default", "valid_from", "valid_to", "notes", "is_active",
                  "price_count", "prices"]

    @staticmethod
    def price_rows(prices):
        return [{**row, "unit": row.get("unit") or row["item"].base_unit} for row in prices]

    def create(self, validated_data):
        user, company = actor_and_company(self)
        prices = self.price_rows(validated_data.pop("prices", []))
        return masterdata.price_list_save(company=company, actor=user, prices=prices, **validated_data)

    def update(self, instance, validated_data):
        user, company = actor_and_company(self)
        prices = validated_data.pop("prices", None)
        return masterdata.price_list_save(company=company, price_list=instance, actor=user,
                                          prices=None if prices is None else self.price_rows(prices),
                                          **validated_data)


class PriceListSummarySerializer(PriceListSerializer):
    class Meta(PriceListSerializer.Meta):
        fields = [f for f in PriceListSerializer.Meta.fields if f != "prices"]


@extend_schema_view(list=extend_schema(parameters=[
    OpenApiParameter("search", str, description=gettext_lazy("Part of the code or name")),
    OpenApiParameter("active", bool),
]))
class PriceListViewSet(SalesViewMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin,
                       mixins.UpdateModelMixin, viewsets.GenericViewSet):
    """Price lists. The list shows the headers (``price_count``); one list shows its ``prices``:
    ``{"item": code, "unit": code, "min_quantity", "price", "valid_from", "valid_to"}``. Saving with
    ``prices`` replaces them all."""

    queryset = PriceList.objects.none()
    serializer_class = PriceListSerializer

    def get_serializer_class(self):
        return PriceListSummarySerializer if self.action == "list" else PriceListSerializer

    def get_queryset(self):
        if self.fake():
            return PriceList.objects.none()
        rows = selectors.price_lists_for_user(self.request.user)
        if self.action != "list":
            prices = PriceListItem.objects.select_related("item", "unit").order_by(
                "item__code", "unit__code", "min_quantity", "pk")
            rows = rows.prefetch_related(Prefetch("prices", queryset=prices))
        return rows

    def filter_queryset(self, queryset):
        if self.action != "list":
            return queryset
        params = self.request.query_params
        search = params.get("search", "").strip()
        if search:
            queryset = queryset.filter(Q(code__icontains=search) | Q(name__icontains=search))
        active = parse_bool(params, "active")
        if active is not None:
            queryset = queryset.filter(is_active=active)
        return queryset

    def perform_create(self, serializer):
        serializer.instance = self.reload(serializer.save())

    def perform_update(self, serializer):
        serializer.instance = self.reload(serializer.save())


# Quotations and orders -----------------------------------------------------------------------


class SalesLineSerializer(serializers.Serializer):
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
    list_price = serializers.DecimalField(read_only=True, allow_null=True, **PRICE)
    unit_price = serializers.DecimalField(required=False, allow_null=True,
                                          help_text=gettext_lazy("Empty = the price list's price"), **PRICE)
    discount_percent = serializers.DecimalField(required=False, default=0, **RATE)
    tax_code = CodeRelatedField(queryset=TaxCode.objects.all(), required=False, allow_null=True,
                                help_text=gettext_lazy("Empty = the customer's or the default tax code"))
    tax_rate = serializers.DecimalField(read_only=True, **RATE)
    net_amount = serializers.DecimalField(read_only=True, **MONEY)
    requested_date = serializers.DateField(required=False, allow_null=True)


class OrderLineSerializer(SalesLineSerializer):
    shortage_quantity = base_qty_field(read_only=True, help_text=gettext_lazy("Short at confirmation (base unit)"))
    delivered_quantity = base_qty_field(read_only=True)
    returned_quantity = base_qty_field(read_only=True)
    open_quantity = base_qty_field(read_only=True, help_text=gettext_lazy("Still to deliver (base unit)"))
    promised_date = serializers.DateField(read_only=True)


def lines_of(document):
    """A draft's lines as the save service takes them (a header-only PATCH keeps them). A price equal
    to the list price is left to the price list, so that only real overrides need the permission."""
    return [{
        "item": line.item, "quantity": line.quantity, "unit": line.unit, "description": line.description,
        "unit_price": None if line.list_price is not None and line.unit_price == line.list_price else line.unit_price,
        "discount_percent": line.discount_percent, "tax_code": line.tax_code, "requested_date": line.requested_date,
    } for line in document.lines.all()]


class SalesDocumentSerializer(serializers.ModelSerializer):
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
    read_only = ["number", "currency", "net_amount", "tax_amount", "total_amount", "created_at"]
    document_kwarg = ""

    @staticmethod
    def save_service(**kwargs):
        raise NotImplementedError

    def create(self, validated_data):
        user, company = actor_and_company(self)
        lines = validated_data.pop("lines")
        return self.save_service(company=company, actor=user, lines=lines, **validated_data)

    def update(self, instance, validated_data):
        user, company = actor_and_company(self)
        lines = validated_data.pop("lines", None)
        if lines is None:  # a partial update of the header keeps the lines
            lines = lines_of(instance)
        return self.save_service(company=company, actor=user, lines=lines, **{self.document_kwarg: instance},
                                 **validated_data)


class QuotationSerializer(SalesDocumentSerializer):
    status = QuotationStatusField()
    orders = serializers.PrimaryKeyRelatedField(many=True, read_only=True,
                                                help_text=gettext_lazy("The order made from this quotation"))
    lines = SalesLineSerializer(many=True)
    document_kwarg = "quotation"

    class Meta:
        model = Quotation
        fields = [*SalesDocumentSerializer.common_fields, "valid_until", "orders", "lines"]
        read_only_fields = SalesDocumentSerializer.read_only

    @staticmethod
    def save_service(**kwargs):
        return quotation_services.quotation_save(**kwargs)


class QuotationSummarySerializer(QuotationSerializer):
    class Meta(QuotationSerializer.Meta):
        fields = [f for f in QuotationSerializer.Meta.fields if f not in ("lines", "orders")]


class OrderSerializer(SalesDocumentSerializer):
    status = OrderStatusField()
    warehouse = CodeRelatedField(queryset=Warehouse.objects.all(), required=False,
                                 help_text=gettext_lazy("Ship-from warehouse code; empty = the first warehouse"))
    late = serializers.SerializerMethodField()
    lines = OrderLineSerializer(many=True)
    document_kwarg = "order"

    class Meta:
        model = SalesOrder
        fields = [*SalesDocumentSerializer.common_fields, "quotation", "warehouse", "requested_date",
                  "promised_date", "confirmed_at", "late", "lines"]
        read_only_fields = [*SalesDocumentSerializer.read_only, "quotation", "promised_date", "confirmed_at"]

    @extend_schema_field(OpenApiTypes.BOOL)
    def get_late(self, order):
        return order.status in st.OPEN_ORDER_STATUSES and bool(order.promised_date) and (
            order.promised_date < timezone.localdate())

    @staticmethod
    def save_service(**kwargs):
        return order_services.order_save(**kwargs)


class OrderSummarySerializer(OrderSerializer):
    class Meta(OrderSerializer.Meta):
        fields = [f for f in OrderSerializer.Meta.fields if f != "lines"]


class ConvertSerializer(serializers.Serializer):
    warehouse = CodeRelatedField(queryset=Warehouse.objects.all(), required=False, allow_null=True,
                                 help_text=gettext_lazy("Ship-from warehouse code; empty = the first warehouse"))
    requested_date = serializers.DateField(required=False, allow_null=True)

    def validate_requested_date(self, value):
        if value is not None and value < timezone.localdate():
            raise serializers.ValidationError(_("The requested date is in the past."))
        return value


class ConfirmLineSerializer(serializers.Serializer):
    line_id = serializers.IntegerField(source="line.pk")
    line_no = serializers.IntegerField(source="line.line_no")
    item = serializers.CharField(source="line.item.code")
    unit = serializers.CharField(source="line.item.base_unit.code", help_text=gettext_lazy("The item's base unit"))
    quantity = base_qty_field(source="line.quantity_base")
    reserved = base_qty_field()
    short = base_qty_field()
    promised_date = serializers.DateField(allow_null=True)


class ConfirmedOrderSerializer(serializers.Serializer):
    # Declared field by field rather than a ModelSerializer: confirmation is the hot path, and a
    # ModelSerializer introspects the model on every response.
    id = serializers.IntegerField(read_only=True)
    number = serializers.CharField(read_only=True)
    reference = serializers.CharField(read_only=True)
    status = OrderStatusField()
    promised_date = serializers.DateField(read_only=True, allow_null=True)
    confirmed_at = serializers.DateTimeField(read_only=True, allow_null=True)
    total_amount = serializers.DecimalField(read_only=True, **MONEY)


_FORMAT = {  # the formats of ConfirmationSerializer's fields, shared by its hand-built answer
    "qty": base_qty_field(), "money": serializers.DecimalField(**MONEY),
    "date": serializers.DateField(), "datetime": serializers.DateTimeField(),
}


class ConfirmationSerializer(serializers.Serializer):
    """What a confirmation did: per line (base units) what was reserved, what is short and when it is promised."""

    order = ConfirmedOrderSerializer()
    already_confirmed = serializers.BooleanField(
        help_text=gettext_lazy("True when the order was confirmed before: nothing was done again"))
    promised_date = serializers.DateField(allow_null=True)
    lines = ConfirmLineSerializer(many=True)

    # Confirmation is the API's hot path: the answer is built here directly instead of through the
    # declared fields (a serializer copies them on every response). The fields above still describe
    # it in the schema; a test holds the two outputs equal.
    def to_representation(self, result):
        qty, money, date, moment = (_FORMAT[kind].to_representation for kind in ("qty", "money", "date", "datetime"))
        order = result.order

        def maybe(format_value, value):
            return None if value is None else format_value(value)

        return {
            "order": {
                "id": order.pk, "number": order.number, "reference": str(order.reference), "status": order.status,
                "promised_date": maybe(date, order.promised_date),
                "confirmed_at": maybe(moment, order.confirmed_at),
                "total_amount": money(order.total_amount),
            },
            "already_confirmed": result.already_confirmed,
            "promised_date": maybe(date, result.promised_date),
            "lines": [
                {"line_id": r.line.pk, "line_no": r.line.line_no, "item": r.line.item.code,
                 "unit": r.line.item.base_unit.code, "quantity": qty(r.line.quantity_base),
                 "reserved": qty(r.reserved), "short": qty(r.short),
                 "promised_date": maybe(date, r.promised_date)}
                for r in result.lines
            ],
        }


class CancelSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")


class CreditApproveSerializer(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, default="")


class CreditApprovalSerializer(serializers.ModelSerializer):
    approved_by = serializers.CharField(source="approved_by.username", read_only=True)

    class Meta:
        model = CreditApproval
        fields = ["id", "order", "order_total", "exposure", "credit_limit", "note", "approved_by", "approved_at"]
        read_only_fields = fields


DOCUMENT_FILTERS = [
    OpenApiParameter("customer", str, description=gettext_lazy("Customer code")),
    OpenApiParameter("rep", str, description=gettext_lazy("Username of the sales rep")),
    OpenApiParameter("date_from", OpenApiTypes.DATE),
    OpenApiParameter("date_to", OpenApiTypes.DATE),
    OpenApiParameter("search", str, description=gettext_lazy("Part of the number, customer name or reference")),
]


class SalesDocumentViewSet(SalesViewMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin,
                           mixins.CreateModelMixin, mixins.UpdateModelMixin, viewsets.GenericViewSet):
    """Listing (headers), reading (with lines), creating and changing drafts of a sales document."""

    model = None
    statuses = ()
    summary_serializer = None

    def get_serializer_class(self):
        return self.summary_serializer if self.action == "list" else self.serializer_class

    def document_filters(self):
        params, user = self.request.query_params, self.request.user
        date_from, date_to = date_range(params)
        return {"customer": by_code(Customer, user, params, "customer"), "rep": by_username(user, params, "rep"),
                "status": choice_param(params, "status", self.statuses), "date_from": date_from,
                "date_to": date_to, "search": params.get("search", "").strip()}

    def update(self, request, *args, **kwargs):
        document = self.get_object()
        if not document.is_editable:
            raise ImmutableDocument()
        return super().update(request, *args, **kwargs)

    def perform_create(self, serializer):
        serializer.instance = self.reload(serializer.save())

    def perform_update(self, serializer):
        serializer.instance = self.reload(serializer.save())

    def run(self, service, **kwargs):
        """One service call on one document the user may see; answers with the document."""
        document = self.get_object()
        service(**{self.serializer_class.document_kwarg: document}, actor=self.request.user, **kwargs)
        return Response(self.serializer_class(self.reload(document), context=self.get_serializer_context()).data)


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

    def get_queryset(self):
        if self.fake():
            return Quotation.objects.none()
        rows = selectors.quotations_for_user(self.request.user).select_related("price_list", "payment_term",
                                                                               "created_by")
        if self.action != "list":
            lines = QuotationLine.objects.select_related("item", "unit", "tax_code").order_by("line_no", "pk")
            rows = rows.prefetch_related(Prefetch("lines", queryset=lines), "orders")
        return rows

    def filter_queryset(self, queryset):
        if self.action != "list":
            return queryset
        return selectors.quotations_for_user(self.request.user, **self.document_filters()).select_related(
            "price_list", "payment_term", "created_by")

    @extend_schema(request=None, responses=QuotationSerializer)
    @action(detail=True, methods=["post"])
    def send(self, request, pk=None):
        """Mark the quotation as sent: it takes its number and can no longer change."""
        return self.run(quotation_services.quotation_send)

    @extend_schema(request=None, responses=QuotationSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        """Cancel a draft or sent quotation."""
        return self.run(quotation_services.quotation_cancel)

    @extend_schema(request=ConvertSerializer, responses={201: OrderSerializer, 200: OrderSerializer})
    @action(detail=True, methods=["post"])
    def convert(self, request, pk=None):
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


def order_queryset(user, **filters):
    return selectors.orders_for_user(user, **filters).select_related("price_list", "payment_term", "created_by")


def order_lines_prefetch():
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
    credit limit: 409). POST …/cancel/ (``reason``), …/close/, …/request-credit/, …/approve-credit/
    (sales managers). DELETE removes a draft."""

    model = SalesOrder
    queryset = SalesOrder.objects.none()
    serializer_class = OrderSerializer
    summary_serializer = OrderSummarySerializer
    statuses = st.OrderStatus.values

    def get_queryset(self):
        if self.fake():
            return SalesOrder.objects.none()
        rows = order_queryset(self.request.user)
        if self.action != "list":
            rows = rows.prefetch_related(order_lines_prefetch())
        return rows

    def filter_queryset(self, queryset):
        if self.action != "list":
            return queryset
        return order_queryset(self.request.user, late=parse_bool(self.request.query_params, "late"),
                              **self.document_filters())

    def perform_destroy(self, instance):
        order_services.order_delete_draft(order=instance, actor=self.request.user)

    @extend_schema(request=None, responses=ConfirmationSerializer)
    @action(detail=True, methods=["post"])
    def confirm(self, request, pk=None):
        """Confirm the draft: number, status and stock reservations in one transaction."""
        if not str(pk).isdigit():
            raise exceptions.NotFound()
        try:  # the scope check and the lock in one query
            result = order_services.order_confirm(order=SalesOrder(pk=int(pk)), actor=request.user, scoped=True)
        except SalesOrder.DoesNotExist:
            raise exceptions.NotFound() from None
        return Response(ConfirmationSerializer(result, context=self.get_serializer_context()).data)

    @extend_schema(request=CancelSerializer, responses=OrderSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        """Cancel the order (releasing its reservations and delivery-note drafts); with deliveries,
        close the undelivered rest. Delivered goods come back only through a customer return."""
        payload = CancelSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        return self.run(order_services.order_cancel, reason=payload.validated_data["reason"])

    @extend_schema(request=None, responses=OrderSerializer)
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        """Close a delivered order (a partly delivered one: its rest is cancelled)."""
        return self.run(order_services.order_close)

    @extend_schema(request=None, responses={201: OpenApiTypes.OBJECT})
    @action(detail=True, methods=["post"], url_path="request-credit", url_name="request-credit")
    def request_credit(self, request, pk=None):
        """Ask the sales managers to approve an order above the credit limit (a task in their inbox)."""
        task = order_services.credit_request_approval(order=self.get_object(), actor=request.user)
        return Response({"task": task.pk, "title": task.title}, status=status.HTTP_201_CREATED)

    @extend_schema(request=CreditApproveSerializer, responses={201: CreditApprovalSerializer})
    @action(detail=True, methods=["post"], url_path="approve-credit", url_name="approve-credit")
    def approve_credit(self, request, pk=None):
        """Let this draft through above the customer's credit limit at its current total (sales managers)."""
        order = self.get_object()
        if not request.user.has_perm("sales.approve_credit"):
            raise exceptions.PermissionDenied(_("Only a sales manager may approve orders above the credit limit."))
        payload = CreditApproveSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        approval = order_services.credit_approve(order=order, actor=request.user, note=payload.validated_data["note"])
        return Response(CreditApprovalSerializer(approval).data, status=status.HTTP_201_CREATED)


# Customer returns ----------------------------------------------------------------------------


class ReturnLineSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    delivery_line = serializers.IntegerField(source="delivery_line_id",
                                             help_text=gettext_lazy("Id of the delivery note's line"))
    item = serializers.CharField(source="item.code", read_only=True)
    quantity = qty_field()
    unit = CodeRelatedField(queryset=UnitOfMeasure.objects.all(), required=False, allow_null=True,
                            help_text=gettext_lazy("Unit code; empty = the delivery line's unit"))
    quantity_base = base_qty_field(read_only=True)
    location = ObjectCodeField(help_text=gettext_lazy("Location code the goods go back to"))
    warehouse = serializers.CharField(required=False, allow_blank=True, help_text=gettext_lazy(
        "Warehouse code of the location; empty = the delivery's warehouse"))
    lot = serializers.CharField(source="lot.number", read_only=True, allow_null=True)

    def to_representation(self, instance):
        data = super().to_representation(instance)
        data["warehouse"] = instance.location.warehouse.code
        return data


class ReturnSerializer(serializers.ModelSerializer):
    reference = serializers.CharField(read_only=True)
    status = status_field(st.ReturnStatus.choices)
    customer = serializers.CharField(source="customer.code", read_only=True)
    order_reference = serializers.CharField(source="order.reference", read_only=True)
    delivery = CompanyPrimaryKeyField(queryset=DeliveryNote.objects.all(),
                                      help_text=gettext_lazy("Id of a posted delivery note"))
    delivery_reference = serializers.CharField(source="delivery.reference", read_only=True)
    created_by = serializers.CharField(source="created_by.username", read_only=True, allow_null=True)
    lines = ReturnLineSerializer(many=True)

    class Meta:
        model = CustomerReturn
        fields = ["id", "number", "reference", "status", "document_date", "customer", "order", "order_reference",
                  "delivery", "delivery_reference", "reason", "posted_at", "created_by", "created_at", "lines"]
        read_only_fields = ["number", "order", "posted_at", "created_at"]

    def validate(self, attrs):
        delivery = attrs.get("delivery", self.instance.delivery if self.instance is not None else None)
        if "lines" in attrs:
            attrs["lines"] = self.resolve_lines(delivery, attrs["lines"])
        return attrs

    def resolve_lines(self, delivery, lines):
        company = user_company(self.context["request"].user)
        delivery_lines = {line.pk: line for line in DeliveryNoteLine.objects.filter(document=delivery)}
        warehouses = {delivery.warehouse.code: delivery.warehouse}
        resolver, resolved = LineResolver(), []
        for line in lines:
            errors = resolver.start_line()
            delivery_line = delivery_lines.get(line["delivery_line_id"])
            if delivery_line is None:
                errors["delivery_line"] = [_("Line %(id)s is not on delivery note %(dn)s.") % {
                    "id": line["delivery_line_id"], "dn": delivery.reference}]
            code = normalise_code(line.get("warehouse") or "") or delivery.warehouse.code
            if code not in warehouses:
                warehouses[code] = Warehouse.objects.filter(company=company, code=code).first()
            warehouse = warehouses[code]
            location = None
            if warehouse is None:
                errors["warehouse"] = [_("No record with the code %(code)s.") % {"code": code}]
            else:
                location = resolver.location(warehouse, line["location"], errors, "location")
            resolved.append({"delivery_line": delivery_line, "quantity": line["quantity"], "unit": line.get("unit"),
                             "location": location})
        resolver.raise_if_any()
        return resolved

    def create(self, validated_data):
        user, company = actor_and_company(self)
        return return_services.return_save(company=company, actor=user, **validated_data)

    def update(self, instance, validated_data):
        user, company = actor_and_company(self)
        lines = validated_data.pop("lines", None)
        if lines is None:
            lines = [{"delivery_line": line.delivery_line, "quantity": line.quantity, "unit": line.unit,
                      "location": line.location} for line in instance.lines.all()]
        validated_data.setdefault("delivery", instance.delivery)
        validated_data.setdefault("reason", instance.reason)
        return return_services.return_save(company=company, actor=user, customer_return=instance, lines=lines,
                                           **validated_data)


@extend_schema_view(list=extend_schema(parameters=[
    OpenApiParameter("customer", str, description=gettext_lazy("Customer code")),
    OpenApiParameter("status", str, enum=st.ReturnStatus.values),
    OpenApiParameter("date_from", OpenApiTypes.DATE),
    OpenApiParameter("date_to", OpenApiTypes.DATE),
    OpenApiParameter("search", str, description=gettext_lazy("Part of the number or customer name")),
]))
class ReturnViewSet(SalesDocumentViewSet):
    """Customer returns against a posted delivery note. Lines: ``{"delivery_line": id, "quantity",
    "unit"?, "location": code, "warehouse"?: code}``. POST …/post/ puts the goods back into stock
    (needs to operate the location's warehouse), POST …/cancel/ cancels a draft."""

    model = CustomerReturn
    queryset = CustomerReturn.objects.none()
    serializer_class = ReturnSerializer
    summary_serializer = ReturnSerializer
    statuses = st.ReturnStatus.values

    def get_queryset(self):
        if self.fake():
            return CustomerReturn.objects.none()
        return self.with_lines(selectors.returns_for_user(self.request.user))

    @staticmethod
    def with_lines(rows):
        lines = CustomerReturnLine.objects.select_related("item", "unit", "location__warehouse", "lot")
        return rows.select_related("created_by").prefetch_related(Prefetch("lines", queryset=lines))

    def filter_queryset(self, queryset):
        if self.action != "list":
            return queryset
        params, user = self.request.query_params, self.request.user
        date_from, date_to = date_range(params)
        return self.with_lines(selectors.returns_for_user(
            user, customer=by_code(Customer, user, params, "customer"),
            status=choice_param(params, "status", self.statuses), date_from=date_from, date_to=date_to,
            search=params.get("search", "").strip()))

    def run(self, service, **kwargs):
        document = self.get_object()
        service(customer_return=document, actor=self.request.user, **kwargs)
        return Response(self.serializer_class(self.reload(document), context=self.get_serializer_context()).data)

    @extend_schema(request=None, responses=ReturnSerializer)
    @action(detail=True, methods=["post"], url_path="post", url_name="post")
    def post_document(self, request, pk=None):
        """Post the return: stock comes back at the cost it left with; finance is told a credit note is due."""
        document = self.get_object()
        for warehouse in {line.location.warehouse for line in document.lines.all()}:
            check_operate(request.user, warehouse)
        return self.run(return_services.return_post)

    @extend_schema(request=None, responses=ReturnSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        """Cancel a draft return."""
        return self.run(return_services.return_cancel)
