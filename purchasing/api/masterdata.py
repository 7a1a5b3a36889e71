"""/api/purchasing/ supplier master data: suppliers (with their contacts) and supplier items (with
their price breaks)."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import serializers

from erp.api.fields import CodeField, CodeRelatedField, UserField, price_field, qty_field
from erp.api.params import by_username, parse_bool
from erp.api.serializers import UniqueCodeMixin, actor_and_company
from erp.api.viewsets import MasterDataViewSet
from inventory.models import Item, UnitOfMeasure
from purchasing.models import Supplier, SupplierContact, SupplierItem, SupplierPrice
from purchasing.selectors import suppliers as selectors
from purchasing.services import suppliers as services
from sales.models import PaymentTerm, TaxCode

# Suppliers -----------------------------------------------------------------------------------


class SupplierContactSerializer(serializers.ModelSerializer[SupplierContact]):
    id = serializers.IntegerField(required=False, allow_null=True,
                                 help_text=gettext_lazy("On update: the contact to change; empty adds one"))

    class Meta:
        model = SupplierContact
        fields = ["id", "name", "title", "phone", "email", "is_primary"]


class SupplierSerializer(UniqueCodeMixin, serializers.ModelSerializer[Supplier]):
    code = CodeField()
    payment_term = CodeRelatedField(queryset=PaymentTerm.objects.all(), required=False, allow_null=True)
    tax_code = CodeRelatedField(queryset=TaxCode.objects.all(), required=False, allow_null=True)
    buyer = UserField(required=False, allow_null=True, help_text=gettext_lazy(
        "The buyer (username); a buyer's new supplier is their own; only a Purchasing manager changes it"))
    contacts = SupplierContactSerializer(many=True, required=False, help_text=gettext_lazy(
        "On update, contacts with an id are changed, those without are added; others are kept"))

    class Meta:
        model = Supplier
        fields = ["id", "code", "name", "short_name", "tax_id", "address", "remit_to_address", "phone", "email",
                  "payment_term", "tax_code", "currency", "lead_time_days", "buyer", "notes", "is_active",
                  "contacts"]

    def validate_contacts(self, contacts: list[dict[str, Any]]) -> list[dict[str, Any]]:
        known = set(self.instance.contacts.values_list("pk", flat=True)) if self.instance is not None else set()
        for contact in contacts:
            if contact.get("id") and contact["id"] not in known:
                raise serializers.ValidationError(
                    _("Contact %(id)s is not a contact of this supplier.") % {"id": contact["id"]})
        return contacts

    def create(self, validated_data: dict[str, Any]) -> Supplier:
        user, company = actor_and_company(self)
        contacts = [{k: v for k, v in c.items() if k != "id"} for c in validated_data.pop("contacts", [])]
        supplier: Supplier = services.supplier_create(company=company, actor=user, contacts=contacts,
                                                      **validated_data)
        return supplier

    def update(self, instance: Supplier, validated_data: dict[str, Any]) -> Supplier:
        user = self.context["request"].user
        contacts = validated_data.pop("contacts", None)
        with transaction.atomic():
            supplier: Supplier = services.supplier_update(supplier=instance, actor=user, **validated_data)
            existing = {c.pk: c for c in supplier.contacts.all()}
            for fields in contacts or []:
                fields = dict(fields)
                contact = existing.get(fields.pop("id", None))
                services.contact_save(supplier=supplier, actor=user, contact=contact, **fields)
        return supplier


@extend_schema_view(list=extend_schema(parameters=[
    OpenApiParameter("search", str, description=gettext_lazy("Part of the code, name or short name; or the tax id")),
    OpenApiParameter("buyer", str, description=gettext_lazy("Username of the buyer")),
    OpenApiParameter("active", bool),
]))
class SupplierViewSet(MasterDataViewSet):
    """Suppliers the user buys from (a buyer: their own; the Purchasing manager: all). A buyer's new
    supplier is their own; only the Purchasing manager sets or changes the buyer (403 otherwise).
    DELETE removes an unused supplier; one used by documents is a 409: deactivate it instead."""

    model = Supplier
    queryset = Supplier.objects.none()
    serializer_class = SupplierSerializer
    delete_service = staticmethod(services.supplier_delete)

    def get_queryset(self) -> QuerySet[Supplier]:
        if self.fake():
            return Supplier.objects.none()
        rows: QuerySet[Supplier] = selectors.suppliers_for_user(self.request.user)
        return rows.select_related("buyer", "tax_code", "payment_term").prefetch_related("contacts").order_by("code")

    def filter_queryset(self, queryset: QuerySet[Any]) -> QuerySet[Any]:
        if self.action != "list":
            return queryset
        params, user = self.request.query_params, self.request.user
        rows: QuerySet[Supplier] = selectors.supplier_list(
            user, search=params.get("search", "").strip(), buyer=by_username(user, params, "buyer"),
            active=parse_bool(params, "active"))
        return rows.prefetch_related("contacts")


# Supplier items --------------------------------------------------------------------------------


class SupplierPriceSerializer(serializers.ModelSerializer[SupplierPrice]):
    min_quantity = qty_field(required=False, default=0, help_text=gettext_lazy("Quantity break, in the unit"))
    price = price_field()

    class Meta:
        model = SupplierPrice
        fields = ["id", "min_quantity", "price", "valid_from", "valid_to"]
        read_only_fields = ["id"]
        validators: list[Any] = []


class SupplierItemSerializer(serializers.ModelSerializer[SupplierItem]):
    supplier = CodeRelatedField(queryset=Supplier.objects.all())
    item = CodeRelatedField(queryset=Item.objects.all())
    unit = CodeRelatedField(queryset=UnitOfMeasure.objects.all(), required=False, allow_null=True,
                            help_text=gettext_lazy("Unit code; empty = the item's base unit"))
    min_order_quantity = qty_field(required=False, default=0)
    order_multiple = qty_field(required=False, default=0)
    prices = SupplierPriceSerializer(many=True, required=False,
                                     help_text=gettext_lazy("When given, replaces all the price breaks"))

    class Meta:
        model = SupplierItem
        fields = ["id", "supplier", "item", "unit", "supplier_part_number", "min_order_quantity", "order_multiple",
                  "lead_time_days", "is_preferred", "valid_from", "valid_to", "is_active", "prices"]
        validators: list[Any] = []  # the service checks the unique and preferred rules, naming the field

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if self.instance is not None and "supplier" in attrs and attrs["supplier"].pk != self.instance.supplier_id:
            raise serializers.ValidationError({"supplier": _("A supplier item cannot move to another supplier.")})
        return attrs

    def save_with(self, instance: SupplierItem | None, validated_data: dict[str, Any]) -> SupplierItem:
        user, _company = actor_and_company(self)
        supplier = validated_data.pop("supplier", None) or (instance.supplier if instance is not None else None)
        prices = validated_data.pop("prices", None)
        if "unit" in validated_data and validated_data["unit"] is None:
            validated_data.pop("unit")
        row: SupplierItem = services.supplier_item_save(supplier=supplier, supplier_item=instance, actor=user,
                                                        prices=prices, **validated_data)
        return row

    def create(self, validated_data: dict[str, Any]) -> SupplierItem:
        return self.save_with(None, validated_data)

    def update(self, instance: SupplierItem, validated_data: dict[str, Any]) -> SupplierItem:
        return self.save_with(instance, validated_data)


@extend_schema_view(list=extend_schema(parameters=[
    OpenApiParameter("supplier", str, description=gettext_lazy("Supplier code")),
    OpenApiParameter("item", str, description=gettext_lazy("Item code")),
    OpenApiParameter("preferred", bool),
    OpenApiParameter("active", bool),
]))
class SupplierItemViewSet(MasterDataViewSet):
    """What suppliers sell us: item, unit of purchase, part number, MOQ and multiple, lead time, the
    preferred flag (one preferred supplier per item and date: 400 on ``is_preferred`` naming the other
    supplier) and ``prices`` [{min_quantity, price, valid_from, valid_to}]."""

    model = SupplierItem
    queryset = SupplierItem.objects.none()
    serializer_class = SupplierItemSerializer
    delete_service = staticmethod(services.supplier_item_delete)

    def get_queryset(self) -> QuerySet[SupplierItem]:
        if self.fake():
            return SupplierItem.objects.none()
        rows: QuerySet[SupplierItem] = selectors.supplier_item_list(self.request.user)
        return rows

    def filter_queryset(self, queryset: QuerySet[Any]) -> QuerySet[Any]:
        if self.action != "list":
            return queryset
        params = self.request.query_params
        return selectors.supplier_item_list(
            self.request.user, supplier_code=params.get("supplier", "").strip(),
            item_code=params.get("item", "").strip(), preferred=parse_bool(params, "preferred"),
            active=parse_bool(params, "active"))
