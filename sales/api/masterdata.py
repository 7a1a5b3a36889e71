"""/api/sales/ master data: customers (with their contacts) and price lists."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import Prefetch, QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, viewsets

from erp.api.fields import CodeField, CodeRelatedField, UserField, price_field, qty_field
from erp.api.params import by_username, parse_bool
from erp.api.serializers import UniqueCodeMixin, actor_and_company
from erp.api.viewsets import ReloadAfterSaveMixin, search_and_active
from inventory.models import Item, UnitOfMeasure
from sales import selectors
from sales.models import Customer, CustomerContact, PaymentTerm, PriceList, PriceListItem, TaxCode
from sales.services import masterdata

# Customers -----------------------------------------------------------------------------------


class ContactSerializer(serializers.ModelSerializer[CustomerContact]):
    id = serializers.IntegerField(required=False, allow_null=True,
                                 help_text=gettext_lazy("On update: the contact to change; empty adds one"))

    class Meta:
        model = CustomerContact
        fields = ["id", "name", "title", "phone", "email", "is_primary"]


class CustomerSerializer(UniqueCodeMixin, serializers.ModelSerializer[Customer]):
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

    def validate_contacts(self, contacts: list[dict[str, Any]]) -> list[dict[str, Any]]:
        known = set(self.instance.contacts.values_list("pk", flat=True)) if self.instance is not None else set()
        for contact in contacts:
            if contact.get("id") and contact["id"] not in known:
                raise serializers.ValidationError(
                    _("Contact %(id)s is not a contact of this customer.") % {"id": contact["id"]})
        return contacts

    def create(self, validated_data: dict[str, Any]) -> Customer:
        user, company = actor_and_company(self)
        contacts = [{k: v for k, v in c.items() if k != "id"} for c in validated_data.pop("contacts", [])]
        customer: Customer = masterdata.customer_create(company=company, actor=user, contacts=contacts,
                                                        **validated_data)
        return customer

    def update(self, instance: Customer, validated_data: dict[str, Any]) -> Customer:
        user = self.context["request"].user
        contacts = validated_data.pop("contacts", None)
        with transaction.atomic():
            customer: Customer = masterdata.customer_update(customer=instance, actor=user, **validated_data)
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
class CustomerViewSet(ReloadAfterSaveMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin,
                      mixins.CreateModelMixin, mixins.UpdateModelMixin, viewsets.GenericViewSet[Customer]):
    """Customers the user serves (a sales rep: their own; a sales manager: all). A rep's new customer
    is their own; only a sales manager (``sales.manage_commercial_terms``) sets the rep, the credit
    limit, the price list or the payment term: a changed value from anyone else is a 403 naming the
    field (the same value sent back is accepted)."""

    queryset = Customer.objects.none()
    serializer_class = CustomerSerializer

    def get_queryset(self) -> QuerySet[Customer]:
        if self.fake():
            return Customer.objects.none()
        customers: QuerySet[Customer] = selectors.customers_for_user(self.request.user)
        return customers.select_related("owner", "price_list", "tax_code", "payment_term").prefetch_related("contacts")

    def filter_queryset(self, queryset: QuerySet[Any]) -> QuerySet[Any]:
        if self.action != "list":
            return queryset
        params, user = self.request.query_params, self.request.user
        customers: QuerySet[Customer] = selectors.customer_list(
            user, search=params.get("search", "").strip(), owner=by_username(user, params, "owner"),
            active=parse_bool(params, "active"),
        )
        return customers.prefetch_related("contacts")


# Price lists ---------------------------------------------------------------------------------


class PriceSerializer(serializers.Serializer[PriceListItem]):
    id = serializers.IntegerField(read_only=True)
    item = CodeRelatedField(queryset=Item.objects.all())
    unit = CodeRelatedField(queryset=UnitOfMeasure.objects.all(), required=False, allow_null=True,
                            help_text=gettext_lazy("Unit code; empty = the item's base unit"))
    min_quantity = qty_field(required=False, default=0, help_text=gettext_lazy("Quantity break, in this unit"))
    price = price_field()
    valid_from = serializers.DateField(required=False, allow_null=True)
    valid_to = serializers.DateField(required=False, allow_null=True)


class PriceListSerializer(UniqueCodeMixin, serializers.ModelSerializer[PriceList]):
    code = CodeField()
    price_count = serializers.IntegerField(read_only=True)
    prices = PriceSerializer(many=True, required=False,
                             help_text=gettext_lazy("When given, replaces all the prices of the list"))

    class Meta:
        model = PriceList
        fields = ["id", "code", "name", "currency", "is_default", "valid_from", "valid_to", "notes", "is_active",
                  "price_count", "prices"]

    @staticmethod
    def price_rows(prices: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return [{**row, "unit": row.get("unit") or row["item"].base_unit} for row in prices]

    def create(self, validated_data: dict[str, Any]) -> PriceList:
        user, company = actor_and_company(self)
        prices = self.price_rows(validated_data.pop("prices", []))
        price_list: PriceList = masterdata.price_list_save(company=company, actor=user, prices=prices,
                                                           **validated_data)
        return price_list

    def update(self, instance: PriceList, validated_data: dict[str, Any]) -> PriceList:
        user, company = actor_and_company(self)
        prices = validated_data.pop("prices", None)
        price_list: PriceList = masterdata.price_list_save(
            company=company, price_list=instance, actor=user,
            prices=None if prices is None else self.price_rows(prices), **validated_data)
        return price_list


class PriceListSummarySerializer(PriceListSerializer):
    class Meta(PriceListSerializer.Meta):
        fields = [f for f in PriceListSerializer.Meta.fields if f != "prices"]


@extend_schema_view(list=extend_schema(parameters=[
    OpenApiParameter("search", str, description=gettext_lazy("Part of the code or name")),
    OpenApiParameter("active", bool),
]))
class PriceListViewSet(ReloadAfterSaveMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin,
                       mixins.CreateModelMixin, mixins.UpdateModelMixin, viewsets.GenericViewSet[PriceList]):
    """Price lists. The list shows the headers (``price_count``); one list shows its ``prices``:
    ``{"item": code, "unit": code, "min_quantity", "price", "valid_from", "valid_to"}``. Saving with
    ``prices`` replaces them all. Writing needs ``sales.manage_commercial_terms`` (a sales manager): 403."""

    queryset = PriceList.objects.none()
    serializer_class = PriceListSerializer

    def get_serializer_class(self) -> type[PriceListSerializer]:
        return PriceListSummarySerializer if self.action == "list" else PriceListSerializer

    def get_queryset(self) -> QuerySet[PriceList]:
        if self.fake():
            return PriceList.objects.none()
        rows: QuerySet[PriceList] = selectors.price_lists_for_user(self.request.user)
        if self.action != "list":
            prices = PriceListItem.objects.select_related("item", "unit").order_by(
                "item__code", "unit__code", "min_quantity", "pk")
            rows = rows.prefetch_related(Prefetch("prices", queryset=prices))
        return rows

    def filter_queryset(self, queryset: QuerySet[Any]) -> QuerySet[Any]:
        if self.action != "list":
            return queryset
        return search_and_active(queryset, self.request.query_params)
