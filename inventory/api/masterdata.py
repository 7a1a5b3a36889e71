"""/api/inventory/ master data: units, items, warehouses, locations and lots."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import Prefetch, QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import serializers, viewsets

from erp.api import viewsets as core
from erp.api.fields import IN_COMPANY, CodeField, CodeRelatedField, ObjectCodeField, active_field, base_qty_field
from erp.api.params import by_code, param_error, parse_bool
from erp.api.serializers import UniqueCodeMixin, actor_and_company
from erp.permissions import user_company
from erp.scoping import CHANGE
from inventory import selectors
from inventory import status as st
from inventory.api.common import location_missing
from inventory.errors import InUse
from inventory.models import Item, ItemCategory, ItemUnit, Location, Lot, UnitOfMeasure, Warehouse
from inventory.services import masterdata


class UnitSerializer(UniqueCodeMixin, serializers.ModelSerializer[UnitOfMeasure]):
    code = CodeField()
    display_name = serializers.CharField(read_only=True)
    is_active = active_field()

    class Meta:
        model = UnitOfMeasure
        fields = ["id", "code", "name", "display_name", "decimals", "is_active"]

    def create(self, validated_data: dict[str, Any]) -> UnitOfMeasure:
        user, company = actor_and_company(self)
        active = validated_data.pop("is_active", True)
        with transaction.atomic():
            unit: UnitOfMeasure = masterdata.unit_create(company=company, actor=user, **validated_data)
            if not active:
                masterdata.unit_update(unit=unit, actor=user, is_active=False)
        return unit

    def update(self, instance: UnitOfMeasure, validated_data: dict[str, Any]) -> UnitOfMeasure:
        unit: UnitOfMeasure = masterdata.unit_update(unit=instance, actor=self.context["request"].user,
                                                     **validated_data)
        return unit


class ItemUnitSerializer(serializers.Serializer[ItemUnit]):
    unit = CodeRelatedField(queryset=UnitOfMeasure.objects.all())
    factor = base_qty_field(help_text=gettext_lazy("Base units in one of this unit (a box of 12 pieces: 12)"))


class ItemSerializer(UniqueCodeMixin, serializers.ModelSerializer[Item]):
    code = CodeField()
    base_unit = CodeRelatedField(queryset=UnitOfMeasure.objects.all())
    category = CodeRelatedField(queryset=ItemCategory.objects.all(), required=False, allow_null=True)
    # any warehouse of the company, as on the item screen: naming it shows nothing of what is in it
    default_warehouse = CodeRelatedField(queryset=Warehouse.objects.all(), action=IN_COMPANY, required=False,
                                         allow_null=True)
    units = ItemUnitSerializer(many=True, required=False,
                               help_text=gettext_lazy("Alternative units; on update the list replaces the old one"))
    is_active = active_field()

    class Meta:
        model = Item
        fields = [
            "id", "code", "name", "specification", "category", "item_type", "procurement", "base_unit", "units",
            "standard_cost", "reorder_point", "safety_stock", "lead_time_days", "lot_sizing", "lot_size",
            "lot_minimum", "lot_multiple", "lot_tracked", "shelf_life_days",
            "barcode", "default_warehouse", "is_active",
        ]

    def validate_barcode(self, value: str) -> str:
        value = value.strip()
        if value:
            taken = Item.objects.filter(company=user_company(self.context["request"].user), barcode=value)
            if self.instance is not None:
                taken = taken.exclude(pk=self.instance.pk)
            if taken.exists():
                raise serializers.ValidationError(Item().unique_error_message(Item, ["barcode"]).messages)
        return value

    @staticmethod
    def unit_pairs(units: list[dict[str, Any]]) -> list[tuple[UnitOfMeasure, Any]]:
        return [(row["unit"], row["factor"]) for row in units]

    def create(self, validated_data: dict[str, Any]) -> Item:
        user, company = actor_and_company(self)
        units = self.unit_pairs(validated_data.pop("units", []))
        item: Item = masterdata.item_create(company=company, units=units, actor=user, **validated_data)
        return item

    def update(self, instance: Item, validated_data: dict[str, Any]) -> Item:
        user, _company = actor_and_company(self)
        units = validated_data.pop("units", None)
        item: Item = masterdata.item_update(item=instance, units=None if units is None else self.unit_pairs(units),
                                            actor=user, **validated_data)
        return item


class WarehouseSerializer(UniqueCodeMixin, serializers.ModelSerializer[Warehouse]):
    code = CodeField()
    is_active = active_field()

    class Meta:
        model = Warehouse
        fields = ["id", "code", "name", "address", "is_active"]

    def create(self, validated_data: dict[str, Any]) -> Warehouse:
        user, company = actor_and_company(self)
        active = validated_data.pop("is_active", True)
        with transaction.atomic():
            warehouse: Warehouse = masterdata.warehouse_create(company=company, actor=user, **validated_data)
            if not active:
                masterdata.warehouse_update(warehouse=warehouse, actor=user, is_active=False)
        return warehouse

    def update(self, instance: Warehouse, validated_data: dict[str, Any]) -> Warehouse:
        warehouse: Warehouse = masterdata.warehouse_update(warehouse=instance, actor=self.context["request"].user,
                                                           **validated_data)
        return warehouse


class LocationSerializer(serializers.ModelSerializer[Location]):
    # A location is the warehouse's master data: only who may change the warehouse adds one to it.
    warehouse = CodeRelatedField(queryset=Warehouse.objects.all(), action=CHANGE)
    code = CodeField()
    parent = ObjectCodeField(  # type: ignore[assignment]  # a declared field, not Field.parent (its serializer)
        required=False, allow_null=True, allow_blank=True,
        help_text=gettext_lazy("Code of the parent location in the same warehouse"))
    kind = serializers.CharField(read_only=True)
    is_active = active_field()

    class Meta:
        model = Location
        fields = ["id", "warehouse", "code", "name", "parent", "kind", "is_active"]
        validators: list[Any] = []  # the code's uniqueness is checked in validate(), on the code field

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        instance = self.instance
        warehouse: Any = attrs.get("warehouse", instance.warehouse if instance else None)
        if instance is not None and warehouse.pk != instance.warehouse_id:
            raise param_error("warehouse", _("A location cannot move to another warehouse."))
        if instance is not None and instance.kind == st.LocationKind.TRANSIT and (
            attrs.get("code", instance.code) != instance.code or attrs.get("is_active") is False
        ):
            raise param_error("code", _("The transit location of a warehouse cannot be renamed or deactivated."))
        code = attrs.get("code", instance.code if instance else None)
        taken = Location.objects.filter(warehouse=warehouse, code=code)
        if instance is not None:
            taken = taken.exclude(pk=instance.pk)
        if taken.exists():
            raise param_error("code", Location().unique_error_message(Location, ["code"]).messages[0])
        if "parent" in attrs:
            attrs["parent"] = self.resolve_parent(attrs["parent"], warehouse)
        return attrs

    def resolve_parent(self, code: str | None, warehouse: Warehouse) -> Location | None:
        if not code:
            return None
        parent = Location.objects.filter(warehouse=warehouse, code=code).first()
        if parent is None:
            raise param_error("parent", location_missing(code, warehouse))
        ancestor: Location | None = parent
        while ancestor is not None:  # a location cannot sit below itself
            if self.instance is not None and ancestor.pk == self.instance.pk:
                raise param_error("parent", _("A location cannot be placed inside itself."))
            ancestor = ancestor.parent
        return parent

    def create(self, validated_data: dict[str, Any]) -> Location:
        user, _company = actor_and_company(self)
        active = validated_data.pop("is_active", True)
        with transaction.atomic():
            location: Location = masterdata.location_create(actor=user, **validated_data)
            if not active:
                masterdata.location_update(location=location, actor=user, is_active=False)
        return location

    def update(self, instance: Location, validated_data: dict[str, Any]) -> Location:
        validated_data.pop("warehouse", None)
        location: Location = masterdata.location_update(location=instance, actor=self.context["request"].user,
                                                        **validated_data)
        return location


class LotSerializer(serializers.ModelSerializer[Lot]):
    item = CodeRelatedField(queryset=Item.objects.all())
    number = serializers.CharField(max_length=60)

    class Meta:
        model = Lot
        fields = ["id", "item", "number", "manufactured_on", "expires_on", "created_at"]
        read_only_fields = ["created_at"]
        validators: list[Any] = []  # the number's uniqueness is checked in validate(), on the number field

    def validate_number(self, value: str) -> str:
        value = value.strip()
        if not value:
            raise serializers.ValidationError(_("Give the lot number."))
        return value

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        instance = self.instance
        item: Any = attrs.get("item", instance.item if instance else None)
        if instance is not None and item.pk != instance.item_id:
            raise param_error("item", _("The item of a lot cannot be changed."))
        if instance is None and not item.lot_tracked:
            raise param_error("item", _("%(item)s is not lot-tracked: leave the lot empty.") % {"item": item.code})
        number = attrs.get("number", instance.number if instance else None)
        taken = Lot.objects.filter(item=item, number=number)
        if instance is not None:
            taken = taken.exclude(pk=instance.pk)
        if taken.exists():
            raise param_error("number", Lot().unique_error_message(Lot, ["number"]).messages[0])
        made = attrs.get("manufactured_on", instance.manufactured_on if instance else None)
        expires = attrs.get("expires_on", instance.expires_on if instance else None)
        if made and expires and expires < made:
            raise param_error("expires_on", _("A lot cannot expire before it was made."))
        return attrs

    def create(self, validated_data: dict[str, Any]) -> Lot:
        item = validated_data.pop("item")
        lot: Lot = masterdata.lot_create(item=item, actor=self.context["request"].user, **validated_data)
        return lot

    def update(self, instance: Lot, validated_data: dict[str, Any]) -> Lot:
        lot: Lot = masterdata.lot_update(lot=instance, actor=self.context["request"].user, **validated_data)
        return lot


class MasterDataViewSet(core.MasterDataViewSet):
    """CRUD of one kind of master data in the user's company; delete refuses what is in use."""

    delete_service = staticmethod(masterdata.master_record_delete)


ACTIVE_PARAMS = [
    OpenApiParameter("search", str, description=gettext_lazy("Part of the code or name")),
    OpenApiParameter("active", bool),
]


@extend_schema_view(list=extend_schema(parameters=ACTIVE_PARAMS))
class UnitViewSet(MasterDataViewSet):
    """Units of measure (pcs, kg, box…); conversions are per item (see items' ``units``)."""

    model = UnitOfMeasure
    queryset = UnitOfMeasure.objects.none()
    serializer_class = UnitSerializer


@extend_schema_view(list=extend_schema(parameters=[
    *ACTIVE_PARAMS,
    OpenApiParameter("category", str, description=gettext_lazy("Category code (its sub-categories included)")),
    OpenApiParameter("item_type", str, enum=st.ItemType.values),
    OpenApiParameter("lot_tracked", bool),
]))
class ItemViewSet(MasterDataViewSet):
    """The item master. Base unit, category and default warehouse are given by code; ``units``
    lists the alternative units as ``{"unit": "BOX", "factor": "12"}``."""

    model = Item
    queryset = Item.objects.none()
    serializer_class = ItemSerializer

    def filter_queryset(self, queryset: QuerySet[Any]) -> QuerySet[Any]:
        params, user = self.request.query_params, self.request.user
        item_type = params.get("item_type") or None
        if item_type and item_type not in st.ItemType.values:
            raise param_error("item_type", _("Unknown item type."))
        if self.action != "list":
            items = queryset
        else:
            items = selectors.item_list(
                user, search=params.get("search", "").strip(), category=by_code(ItemCategory, user, params, "category"),
                item_type=item_type, active=parse_bool(params, "active"), lot_tracked=parse_bool(params, "lot_tracked"),
            )
        return items.select_related("base_unit", "category", "default_warehouse").prefetch_related(
            Prefetch("units", queryset=ItemUnit.objects.select_related("unit").order_by("unit__code"))
        )


@extend_schema_view(list=extend_schema(parameters=ACTIVE_PARAMS))
class WarehouseViewSet(MasterDataViewSet):
    """Warehouses. Creating one also creates its transit location; deleting an unused one removes it too."""

    model = Warehouse
    queryset = Warehouse.objects.none()
    serializer_class = WarehouseSerializer


@extend_schema_view(list=extend_schema(parameters=[
    *ACTIVE_PARAMS, OpenApiParameter("warehouse", str, description=gettext_lazy("Warehouse code")),
]))
class LocationViewSet(MasterDataViewSet):
    """Bins and areas of the warehouses; the warehouse is given by code, the parent by its code in
    the same warehouse. The transit locations are made and kept by the system."""

    model = Location
    queryset = Location.objects.none()
    serializer_class = LocationSerializer

    def get_queryset(self) -> QuerySet[Location]:
        if self.fake():
            return Location.objects.none()
        locations: QuerySet[Location] = selectors.locations_for_user(self.request.user)
        return locations

    def filter_queryset(self, queryset: QuerySet[Any]) -> QuerySet[Any]:
        queryset = super().filter_queryset(queryset)
        warehouse = by_code(Warehouse, self.request.user, self.request.query_params, "warehouse")
        if warehouse is not None:
            queryset = queryset.filter(warehouse=warehouse)
        return queryset

    def perform_destroy(self, instance: Location) -> None:
        if instance.kind == st.LocationKind.TRANSIT:
            raise InUse(_("The transit location of a warehouse cannot be deleted."))
        super().perform_destroy(instance)


@extend_schema_view(list=extend_schema(parameters=[
    OpenApiParameter("item", str, description=gettext_lazy("Item code")),
    OpenApiParameter("search", str, description=gettext_lazy("Part of the lot number or item code")),
]))
class LotViewSet(core.DeleteOrDeactivateMixin, viewsets.ModelViewSet[Lot]):
    """Lots of lot-tracked items. Receipts create lots by number; this creates one ahead of time."""

    queryset = Lot.objects.none()
    serializer_class = LotSerializer
    deactivatable = False  # a lot has no is_active
    delete_service = staticmethod(masterdata.master_record_delete)

    def get_queryset(self) -> QuerySet[Lot]:
        if self.fake():
            return Lot.objects.none()
        lots: QuerySet[Lot] = selectors.lots_for_user(self.request.user)
        return lots

    def filter_queryset(self, queryset: QuerySet[Any]) -> QuerySet[Any]:
        if self.action != "list":
            return queryset
        params, user = self.request.query_params, self.request.user
        lots: QuerySet[Lot] = selectors.lots_for_user(user, item=by_code(Item, user, params, "item"),
                                                      search=params.get("search", "").strip())
        return lots
