"""/api/inventory/: the item master, the stock documents, balances and the ledger over HTTP.

Every queryset is limited to the user's company; documents, balances and moves also to the
warehouses the user may see (``selectors.warehouses_for_user``). Writes go through the services,
so the API refuses exactly what the screens refuse: a DomainError becomes a 400/409 with the field
to blame (``erp.api.exception_handler``). Creating or posting in a warehouse the user may not
operate is a 403.
"""

from typing import Any

from django.db import DataError, transaction
from django.db.models import Prefetch, Q
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import exceptions, mixins, permissions, routers, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.settings import api_settings

from erp.codes import CODE_MAX_LENGTH, code_validator, normalise_code
from erp.documents import check_transition
from erp.errors import ImmutableDocument
from erp.money import COST, LINE_QTY, QTY
from erp.permissions import user_company
from inventory import selectors
from inventory import status as st
from inventory.errors import InUse
from inventory.models import (
    AdjustmentReason,
    GoodsReceipt,
    GoodsReceiptLine,
    Item,
    ItemCategory,
    ItemUnit,
    Location,
    Lot,
    StockAdjustment,
    StockAdjustmentLine,
    StockBalance,
    StockCount,
    StockCountLine,
    StockIssue,
    StockIssueLine,
    StockMove,
    StockTransfer,
    StockTransferLine,
    UnitOfMeasure,
    Warehouse,
)
from inventory.services import documents as docs
from inventory.services import masterdata

DEACTIVATE_HELP = gettext_lazy(
    "Deleting is refused (409) while other records use this one: set is_active to false to retire it instead."
)



# Permissions and small helpers ---------------------------------------------------------------


class HasInventoryAccess(permissions.BasePermission):
    """The API root: for users holding any inventory permission."""

    def has_permission(self, request, view):
        return bool(request.user and request.user.is_authenticated and request.user.has_module_perms("inventory"))


class InventoryAPIRootView(routers.APIRootView):
    """The inventory endpoints: item master, documents, balances and the stock ledger."""

    permission_classes = [HasInventoryAccess]


def check_operate(user, warehouse):
    if not selectors.can_operate(user, warehouse):
        raise exceptions.PermissionDenied(
            _("You may not post stock moves in warehouse %(warehouse)s.") % {"warehouse": warehouse.code}
        )


def param_error(name, message):
    return serializers.ValidationError({name: [message]})


def parse_bool(params, name):
    raw = params.get(name)
    if raw in (None, ""):
        return None
    value = raw.strip().lower()
    if value in ("1", "true", "yes"):
        return True
    if value in ("0", "false", "no"):
        return False
    raise param_error(name, _("Use true or false."))


def parse_day(params, name):
    raw = params.get(name)
    if not raw:
        return None
    try:
        day = parse_date(raw.strip())
    except ValueError:
        day = None
    if day is None:
        raise param_error(name, _("Enter a date as YYYY-MM-DD."))
    return day


def by_code(model, user, params, name):
    """The record of ``model`` whose code is ``?name=``, in the user's company; None if not asked."""
    raw = params.get(name)
    if not raw:
        return None
    found = model.objects.filter(company=user_company(user), code=normalise_code(raw)).first()
    if found is None:
        raise param_error(name, _("No record with the code %(code)s.") % {"code": normalise_code(raw)})
    return found


def delete_or_refuse(instance, *, deactivatable=True):
    """Delete an unused master record, or 409 saying why it cannot go (inventory.errors.InUse)."""
    masterdata.master_record_delete(instance=instance, deactivatable=deactivatable)


class InventoryViewMixin:
    """Viewset behaviour shared by every endpoint here."""

    def handle_exception(self, exc):
        # A number beyond the columns' range: the service's transaction was rolled back.
        if isinstance(exc, DataError):
            exc = serializers.ValidationError({"detail": _("A number is too large or has too many decimals.")})
        return super().handle_exception(exc)

    @property
    def company(self):
        return user_company(self.request.user)

    def fake(self):
        return getattr(self, "swagger_fake_view", False)


# Serializer fields ---------------------------------------------------------------------------


class CodeField(serializers.CharField):
    """A master-data code: trimmed and upper-cased like the model field does."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", CODE_MAX_LENGTH)
        kwargs.setdefault("validators", [code_validator])
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        return normalise_code(super().to_internal_value(data))


class CodeRelatedField(serializers.SlugRelatedField):
    """A related record given by its code, looked up only in the user's company."""

    def __init__(self, **kwargs):
        kwargs.setdefault("slug_field", "code")
        super().__init__(**kwargs)

    def get_queryset(self):
        request = self.context.get("request")
        company = user_company(request.user) if request is not None else None
        return super().get_queryset().filter(company=company)

    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, str | int):
            self.fail("invalid")
        return super().to_internal_value(normalise_code(data))


class ObjectCodeField(serializers.CharField):
    """Reads as the related object's code (a location); writes the normalised code, resolved later."""

    def to_representation(self, value):
        return value.code

    def to_internal_value(self, data):
        return normalise_code(super().to_internal_value(data))


class LotNumberField(serializers.CharField):
    """Reads as the lot's number; writes a lot number, resolved against the line's item."""

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("allow_null", True)
        kwargs.setdefault("allow_blank", True)
        kwargs.setdefault("max_length", 60)
        super().__init__(**kwargs)

    def to_representation(self, value):
        return value.number


def qty_field(**kwargs: Any) -> serializers.DecimalField:
    return serializers.DecimalField(**LINE_QTY, **kwargs)


def base_qty_field(**kwargs: Any) -> serializers.DecimalField:
    return serializers.DecimalField(**QTY, **kwargs)


# Master data ---------------------------------------------------------------------------------


class UniqueCodeMixin:
    """Say "already exists" on the code field, not as a constraint error of the whole record."""

    def validate_code(self, value):
        model = self.Meta.model
        taken = model.objects.filter(company=user_company(self.context["request"].user), code=value)
        if self.instance is not None:
            taken = taken.exclude(pk=self.instance.pk)
        if taken.exists():
            raise serializers.ValidationError(model().unique_error_message(model, ["code"]).messages)
        return value


def actor_and_company(serializer):
    user = serializer.context["request"].user
    return user, user_company(user)


class UnitSerializer(UniqueCodeMixin, serializers.ModelSerializer):
    code = CodeField()
    display_name = serializers.CharField(read_only=True)
    is_active = serializers.BooleanField(required=False, help_text=DEACTIVATE_HELP)

    class Meta:
        model = UnitOfMeasure
        fields = ["id", "code", "name", "display_name", "decimals", "is_active"]

    def create(self, validated_data):
        user, company = actor_and_company(self)
        active = validated_data.pop("is_active", True)
        with transaction.atomic():
            unit = masterdata.unit_create(company=company, actor=user, **validated_data)
            if not active:
                masterdata.unit_update(unit=unit, actor=user, is_active=False)
        return unit

    def update(self, instance, validated_data):
        return masterdata.unit_update(unit=instance, actor=self.context["request"].user, **validated_data)


class ItemUnitSerializer(serializers.Serializer):
    unit = CodeRelatedField(queryset=UnitOfMeasure.objects.all())
    factor = base_qty_field(help_text=gettext_lazy("Base units in one of this unit (a box of 12 pieces: 12)"))


class ItemSerializer(UniqueCodeMixin, serializers.ModelSerializer):
    code = CodeField()
    base_unit = CodeRelatedField(queryset=UnitOfMeasure.objects.all())
    category = CodeRelatedField(queryset=ItemCategory.objects.all(), required=False, allow_null=True)
    default_warehouse = CodeRelatedField(queryset=Warehouse.objects.all(), required=False, allow_null=True)
    units = ItemUnitSerializer(many=True, required=False,
                               help_text=gettext_lazy("Alternative units; on update the list replaces the old one"))
    is_active = serializers.BooleanField(required=False, help_text=DEACTIVATE_HELP)

    class Meta:
        model = Item
        fields = [
            "id", "code", "name", "specification", "category", "item_type", "procurement", "base_unit", "units",
            "standard_cost", "reorder_point", "safety_stock", "lead_time_days", "lot_tracked", "shelf_life_days",
            "barcode", "default_warehouse", "is_active",
        ]

    def validate_barcode(self, value):
        value = value.strip()
        if value:
            taken = Item.objects.filter(company=user_company(self.context["request"].user), barcode=value)
            if self.instance is not None:
                taken = taken.exclude(pk=self.instance.pk)
            if taken.exists():
                raise serializers.ValidationError(Item().unique_error_message(Item, ["barcode"]).messages)
        return value

    @staticmethod
    def unit_pairs(units):
        return [(row["unit"], row["factor"]) for row in units]

    def create(self, validated_data):
        user, company = actor_and_company(self)
        units = self.unit_pairs(validated_data.pop("units", []))
        return masterdata.item_create(company=company, units=units, actor=user, **validated_data)

    def update(self, instance, validated_data):
        user, _company = actor_and_company(self)
        units = validated_data.pop("units", None)
        return masterdata.item_update(item=instance,
                            units=None if units is None else self.unit_pairs(units), actor=user, **validated_data)


class WarehouseSerializer(UniqueCodeMixin, serializers.ModelSerializer):
    code = CodeField()
    is_active = serializers.BooleanField(required=False, help_text=DEACTIVATE_HELP)

    class Meta:
        model = Warehouse
        fields = ["id", "code", "name", "address", "is_active"]

    def create(self, validated_data):
        user, company = actor_and_company(self)
        active = validated_data.pop("is_active", True)
        with transaction.atomic():
            warehouse = masterdata.warehouse_create(company=company, actor=user, **validated_data)
            if not active:
                masterdata.warehouse_update(warehouse=warehouse, actor=user, is_active=False)
        return warehouse

    def update(self, instance, validated_data):
        return masterdata.warehouse_update(warehouse=instance, actor=self.context["request"].user, **validated_data)


class LocationSerializer(serializers.ModelSerializer):
    warehouse = CodeRelatedField(queryset=Warehouse.objects.all())
    code = CodeField()
    parent = ObjectCodeField(required=False, allow_null=True, allow_blank=True,
                             help_text=gettext_lazy("Code of the parent location in the same warehouse"))
    kind = serializers.CharField(read_only=True)
    is_active = serializers.BooleanField(required=False, help_text=DEACTIVATE_HELP)

    class Meta:
        model = Location
        fields = ["id", "warehouse", "code", "name", "parent", "kind", "is_active"]
        validators = []  # the code's uniqueness is checked in validate(), on the code field

    def validate(self, attrs):
        instance = self.instance
        warehouse = attrs.get("warehouse", instance.warehouse if instance else None)
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

    def resolve_parent(self, code, warehouse):
        if not code:
            return None
        parent = Location.objects.filter(warehouse=warehouse, code=code).first()
        if parent is None:
            raise param_error("parent", location_missing(code, warehouse))
        ancestor = parent
        while ancestor is not None:  # a location cannot sit below itself
            if self.instance is not None and ancestor.pk == self.instance.pk:
                raise param_error("parent", _("A location cannot be placed inside itself."))
            ancestor = ancestor.parent
        return parent

    def create(self, validated_data):
        user, _company = actor_and_company(self)
        active = validated_data.pop("is_active", True)
        with transaction.atomic():
            location = masterdata.location_create(actor=user, **validated_data)
            if not active:
                masterdata.location_update(location=location, actor=user, is_active=False)
        return location

    def update(self, instance, validated_data):
        validated_data.pop("warehouse", None)
        return masterdata.location_update(location=instance, actor=self.context["request"].user, **validated_data)


class LotSerializer(serializers.ModelSerializer):
    item = CodeRelatedField(queryset=Item.objects.all())
    number = serializers.CharField(max_length=60)

    class Meta:
        model = Lot
        fields = ["id", "item", "number", "manufactured_on", "expires_on", "created_at"]
        read_only_fields = ["created_at"]
        validators = []  # the number's uniqueness is checked in validate(), on the number field

    def validate_number(self, value):
        value = value.strip()
        if not value:
            raise serializers.ValidationError(_("Give the lot number."))
        return value

    def validate(self, attrs):
        instance = self.instance
        item = attrs.get("item", instance.item if instance else None)
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

    def create(self, validated_data):
        item = validated_data.pop("item")
        return masterdata.lot_create(item=item, actor=self.context["request"].user, **validated_data)

    def update(self, instance, validated_data):
        return masterdata.lot_update(lot=instance, actor=self.context["request"].user, **validated_data)


class MasterDataViewSet(InventoryViewMixin, viewsets.ModelViewSet):
    """CRUD of one kind of master data in the user's company; delete refuses what is in use."""

    model = None

    def get_queryset(self):
        if self.fake():
            return self.model.objects.none()
        return self.model.objects.filter(company=self.company).order_by("code")

    def filter_queryset(self, queryset):
        params = self.request.query_params
        search = params.get("search", "").strip()
        if search:
            queryset = queryset.filter(Q(code__icontains=search) | Q(name__icontains=search))
        active = parse_bool(params, "active")
        if active is not None:
            queryset = queryset.filter(is_active=active)
        return queryset

    def perform_destroy(self, instance):
        delete_or_refuse(instance)


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

    def filter_queryset(self, queryset):
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

    def perform_destroy(self, instance):
        delete_or_refuse(instance)


@extend_schema_view(list=extend_schema(parameters=[
    *ACTIVE_PARAMS, OpenApiParameter("warehouse", str, description=gettext_lazy("Warehouse code")),
]))
class LocationViewSet(MasterDataViewSet):
    """Bins and areas of the warehouses; the warehouse is given by code, the parent by its code in
    the same warehouse. The transit locations are made and kept by the system."""

    model = Location
    queryset = Location.objects.none()
    serializer_class = LocationSerializer

    def get_queryset(self):
        if self.fake():
            return Location.objects.none()
        return Location.objects.filter(company=self.company).select_related("warehouse", "parent").order_by(
            "warehouse__code", "code")

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        warehouse = by_code(Warehouse, self.request.user, self.request.query_params, "warehouse")
        if warehouse is not None:
            queryset = queryset.filter(warehouse=warehouse)
        return queryset

    def perform_destroy(self, instance):
        if instance.kind == st.LocationKind.TRANSIT:
            raise InUse(_("The transit location of a warehouse cannot be deleted."))
        super().perform_destroy(instance)


@extend_schema_view(list=extend_schema(parameters=[
    OpenApiParameter("item", str, description=gettext_lazy("Item code")),
    OpenApiParameter("search", str, description=gettext_lazy("Part of the lot number or item code")),
]))
class LotViewSet(InventoryViewMixin, viewsets.ModelViewSet):
    """Lots of lot-tracked items. Receipts create lots by number; this creates one ahead of time."""

    queryset = Lot.objects.none()
    serializer_class = LotSerializer

    def get_queryset(self):
        if self.fake():
            return Lot.objects.none()
        return Lot.objects.filter(company=self.company).select_related("item")

    def filter_queryset(self, queryset):
        if self.action != "list":
            return queryset
        params, user = self.request.query_params, self.request.user
        return selectors.lots_for_user(user, item=by_code(Item, user, params, "item"),
                                       search=params.get("search", "").strip())

    def perform_destroy(self, instance):
        delete_or_refuse(instance, deactivatable=False)


# Documents -----------------------------------------------------------------------------------


def location_missing(code, warehouse):
    return _("There is no location %(code)s in warehouse %(warehouse)s.") % {"code": code,
                                                                              "warehouse": warehouse.code}


class LineResolver:
    """Turns the codes of a document's lines into records, collecting errors per line."""

    def __init__(self):
        self.errors = []
        self.locations = {}

    def start_line(self):
        self.errors.append({})
        return self.errors[-1]

    def location(self, warehouse, code, errors, field):
        if warehouse.pk not in self.locations:
            self.locations[warehouse.pk] = {loc.code: loc for loc in Location.objects.filter(warehouse=warehouse)}
        location = self.locations[warehouse.pk].get(code)
        if location is None:
            errors[field] = [location_missing(code, warehouse)]
        return location

    @staticmethod
    def lot(item, line, errors):
        number, lot_id = (line.get("lot") or "").strip(), line.get("lot_id")
        if not number and lot_id is None:
            return None
        field = "lot_id" if lot_id is not None else "lot"
        if not item.lot_tracked:
            errors[field] = [_("%(item)s is not lot-tracked: leave the lot empty.") % {"item": item.code}]
            return None
        lots = Lot.objects.filter(item=item)
        lot = lots.filter(pk=lot_id).first() if lot_id is not None else lots.filter(number=number).first()
        if lot is None:
            errors[field] = [_("%(item)s has no lot %(lot)s.") % {"item": item.code, "lot": lot_id or number}]
        return lot

    def raise_if_any(self):
        """The same shape as DRF's own nested-list errors: {"lines": {index: {field: [message]}}}."""
        if any(self.errors):
            if api_settings.LIST_SERIALIZER_ERRORS_AS_DICT:
                raise serializers.ValidationError({"lines": {n: e for n, e in enumerate(self.errors) if e}})
            raise serializers.ValidationError({"lines": self.errors})


class LineSerializer(serializers.Serializer):
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
    unit_cost = serializers.DecimalField(required=False, default=0, help_text=gettext_lazy("Per line unit"), **COST)


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
    unit_cost = serializers.DecimalField(required=False, allow_null=True,
                                         help_text=gettext_lazy("For additions; empty = current average cost"), **COST)


class DocumentSerializer(serializers.ModelSerializer):
    """Header and lines of a stock document; create/update save a draft through the service."""

    reference = serializers.CharField(read_only=True)
    warehouse = CodeRelatedField(queryset=Warehouse.objects.all())
    created_by = serializers.CharField(source="created_by.username", read_only=True, allow_null=True)

    common_fields = ["id", "number", "reference", "status", "document_date", "warehouse", "notes", "posted_at",
                     "created_by", "created_at"]
    read_only = ["number", "status", "posted_at", "created_at"]
    save_service = None
    document_kwarg = ""

    def validate_warehouse(self, warehouse):
        check_operate(self.context["request"].user, warehouse)
        return warehouse

    def header(self, attrs, name):
        if name in attrs:
            return attrs[name]
        return getattr(self.instance, name) if self.instance is not None else None

    def validate(self, attrs):
        if "lines" in attrs:
            resolver = LineResolver()
            attrs["lines"] = [self.resolve_line(resolver, resolver.start_line(), line, attrs)
                              for line in attrs["lines"]]
            resolver.raise_if_any()
        return attrs

    def resolve_line(self, resolver, errors, line, attrs):
        raise NotImplementedError

    def create(self, validated_data):
        user, company = actor_and_company(self)
        lines = validated_data.pop("lines")
        return type(self).save_service(company=company, actor=user, lines=lines, **validated_data)

    def update(self, instance, validated_data):
        user, company = actor_and_company(self)
        lines = validated_data.pop("lines", None)
        if lines is None:  # a partial update of the header keeps the lines
            lines = [docs.vars_of(line) for line in instance.lines.all()]
        return type(self).save_service(company=company, actor=user, lines=lines,
                            **{self.document_kwarg: instance}, **validated_data)


class ReceiptSerializer(DocumentSerializer):
    lines = ReceiptLineSerializer(many=True)
    save_service = docs.receipt_save
    document_kwarg = "receipt"

    class Meta:
        model = GoodsReceipt
        fields = [*DocumentSerializer.common_fields, "supplier_reference", "lines"]
        read_only_fields = DocumentSerializer.read_only

    def resolve_line(self, resolver, errors, line, attrs):
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
    save_service = docs.issue_save
    document_kwarg = "issue"

    class Meta:
        model = StockIssue
        fields = [*DocumentSerializer.common_fields, "purpose", "lines"]
        read_only_fields = DocumentSerializer.read_only

    def resolve_line(self, resolver, errors, line, attrs):
        return {
            "item": line["item"], "unit": line.get("unit"), "quantity": line["quantity"],
            "location": resolver.location(self.header(attrs, "warehouse"), line["location"], errors, "location"),
            "lot": resolver.lot(line["item"], line, errors),
        }


class TransferSerializer(DocumentSerializer):
    to_warehouse = CodeRelatedField(queryset=Warehouse.objects.all())
    is_two_step = serializers.BooleanField(read_only=True)
    lines = TransferLineSerializer(many=True)
    save_service = docs.transfer_save
    document_kwarg = "transfer"

    class Meta:
        model = StockTransfer
        fields = [*DocumentSerializer.common_fields, "to_warehouse", "is_two_step", "shipped_at", "received_at",
                  "lines"]
        read_only_fields = [*DocumentSerializer.read_only, "shipped_at", "received_at"]

    def resolve_line(self, resolver, errors, line, attrs):
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
    save_service = docs.adjustment_save
    document_kwarg = "adjustment"

    class Meta:
        model = StockAdjustment
        fields = [*DocumentSerializer.common_fields, "reason", "lines"]
        read_only_fields = DocumentSerializer.read_only

    def resolve_line(self, resolver, errors, line, attrs):
        return {
            "item": line["item"], "unit": line.get("unit"), "quantity_change": line["quantity_change"],
            "location": resolver.location(self.header(attrs, "warehouse"), line["location"], errors, "location"),
            "lot": resolver.lot(line["item"], line, errors), "unit_cost": line.get("unit_cost"),
        }


class CountLineSerializer(serializers.ModelSerializer):
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


class CountSerializer(serializers.ModelSerializer):
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

    def validate_warehouse(self, warehouse):
        check_operate(self.context["request"].user, warehouse)
        return warehouse

    def validate(self, attrs):
        code, errors = attrs.get("location"), {}
        attrs["location"] = LineResolver().location(attrs["warehouse"], code, errors, "location") if code else None
        if errors:
            raise serializers.ValidationError(errors)
        return attrs

    def create(self, validated_data):
        user, company = actor_and_company(self)
        return docs.count_create(company=company, actor=user, **validated_data)


class CountRecordSerializer(serializers.Serializer):
    counted = serializers.DictField(
        child=base_qty_field(allow_null=True), allow_empty=False,
        help_text=gettext_lazy("{line id: counted quantity in the item's base unit, or null to clear}"),
    )

    def validate_counted(self, value):
        counted = {}
        for key, quantity in value.items():
            try:
                counted[int(key)] = quantity
            except ValueError:
                raise serializers.ValidationError(_("%(key)s is not a line id.") % {"key": key})
        return counted


class CountAddLineSerializer(serializers.Serializer):
    item = CodeRelatedField(queryset=Item.objects.all())
    location = ObjectCodeField()
    lot = LotNumberField()
    lot_id = serializers.IntegerField(required=False, allow_null=True)
    counted_quantity = base_qty_field(min_value=0)


DOCUMENT_FILTERS = [
    OpenApiParameter("status", str),
    OpenApiParameter("warehouse", str, description=gettext_lazy("Warehouse code")),
    OpenApiParameter("search", str, description=gettext_lazy("Part of the number")),
    OpenApiParameter("date_from", OpenApiTypes.DATE),
    OpenApiParameter("date_to", OpenApiTypes.DATE),
]


class DocumentBase(InventoryViewMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin,
                   viewsets.GenericViewSet):
    """Listing, reading and creating documents of the warehouses the user may see."""

    model = None

    def scope(self, documents):
        return documents.filter(warehouse__in=selectors.warehouses_for_user(self.request.user))

    def filter_queryset(self, queryset):
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

    def reload(self, document):
        return self.get_queryset().get(pk=document.pk)

    def perform_create(self, serializer):
        serializer.instance = self.reload(serializer.save())

    def run(self, service, *, target=None, warehouse_field="warehouse", **kwargs):
        """One service call on one document the user may operate; answers with the document."""
        document = self.get_object()
        check_operate(self.request.user, getattr(document, warehouse_field))
        if target is not None:
            check_transition(document, target)  # refuse before any move is written
        service(**{self.document_kwarg: document}, actor=self.request.user, **kwargs)
        return Response(self.get_serializer(self.reload(document)).data)


class DocumentViewSet(mixins.UpdateModelMixin, DocumentBase):
    """Drafts are created and changed here (the lines are replaced as a whole); POST …/post/ posts,
    POST …/cancel/ cancels a draft or reverses a posted document. Posted documents are immutable (409)."""

    line_model = None
    line_related = ("item", "unit", "location", "lot")
    header_related = ("warehouse", "created_by")
    post_service = None
    cancel_service = None

    @property
    def document_kwarg(self):
        return self.serializer_class.document_kwarg

    def get_queryset(self):
        if self.fake():
            return self.model.objects.none()
        lines = self.line_model.objects.select_related(*self.line_related)
        return (
            self.scope(self.model.objects.filter(company=self.company))
            .select_related(*self.header_related)
            .prefetch_related(Prefetch("lines", queryset=lines))
            .order_by("-created_at", "-id")
        )

    def update(self, request, *args, **kwargs):
        document = self.get_object()
        check_operate(request.user, document.warehouse)
        if not document.is_editable:
            raise ImmutableDocument()
        return super().update(request, *args, **kwargs)

    def perform_update(self, serializer):
        serializer.instance = self.reload(serializer.save())

    def post_target(self, document):
        return st.DocStatus.POSTED

    @extend_schema(request=None)
    @action(detail=True, methods=["post"], url_path="post", url_name="post")
    def post_document(self, request, pk=None):
        """Post the draft: its moves are written and it takes its number."""
        return self.run(type(self).post_service, target=self.post_target(self.get_object()))

    @extend_schema(request=None)
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        """Cancel a draft, or reverse a posted document with opposite moves."""
        return self.run(type(self).cancel_service, target=st.DocStatus.CANCELLED)


@extend_schema_view(list=extend_schema(parameters=DOCUMENT_FILTERS))
class ReceiptViewSet(DocumentViewSet):
    """Goods receipts. Lines: ``{"item": code, "quantity", "unit": code, "location": code,
    "lot_number", "unit_cost"}``; a lot-tracked item needs a lot number (the lot is created on posting)."""

    model, line_model = GoodsReceipt, GoodsReceiptLine
    line_related = ("item", "unit", "location")
    queryset = GoodsReceipt.objects.none()
    serializer_class = ReceiptSerializer
    post_service = docs.receipt_post
    cancel_service = docs.receipt_cancel


@extend_schema_view(list=extend_schema(parameters=DOCUMENT_FILTERS))
class IssueViewSet(DocumentViewSet):
    """Stock issues. Lines: ``{"item": code, "quantity", "unit": code, "location": code, "lot": number}``
    (or ``lot_id``). Posting more than is available is refused with 409."""

    model, line_model = StockIssue, StockIssueLine
    queryset = StockIssue.objects.none()
    serializer_class = IssueSerializer
    post_service = docs.issue_post
    cancel_service = docs.issue_cancel

    @extend_schema(request=None)
    @action(detail=True, methods=["post"])
    def reserve(self, request, pk=None):
        """Reserve the draft's quantities until it is posted, edited or cancelled (409 if not available)."""
        return self.run(docs.issue_reserve)

    @extend_schema(request=None)
    @action(detail=True, methods=["post"])
    def release(self, request, pk=None):
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
    post_service = docs.transfer_ship  # receives at once when both ends are in one warehouse
    cancel_service = docs.transfer_cancel

    def scope(self, documents):
        visible = selectors.warehouses_for_user(self.request.user)
        return documents.filter(Q(warehouse__in=visible) | Q(to_warehouse__in=visible))

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        if self.action == "list":
            to_warehouse = by_code(Warehouse, self.request.user, self.request.query_params, "to_warehouse")
            if to_warehouse is not None:
                queryset = queryset.filter(to_warehouse=to_warehouse)
        return queryset

    def post_target(self, transfer):
        return st.TransferStatus.SHIPPED if transfer.is_two_step else st.TransferStatus.RECEIVED

    @extend_schema(request=None)
    @action(detail=True, methods=["post"])
    def receive(self, request, pk=None):
        """Receive a shipped transfer into its destination locations."""
        return self.run(docs.transfer_receive, target=st.TransferStatus.RECEIVED, warehouse_field="to_warehouse")

    @extend_schema(request=None)
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        """Cancel a draft, or reverse a shipped or received transfer."""
        transfer = self.get_object()
        if transfer.status == st.TransferStatus.RECEIVED:
            check_operate(request.user, transfer.to_warehouse)
        return self.run(docs.transfer_cancel, target=st.TransferStatus.CANCELLED)


@extend_schema_view(list=extend_schema(parameters=DOCUMENT_FILTERS))
class AdjustmentViewSet(DocumentViewSet):
    """Stock adjustments with a reason (code). Lines: ``{"item", "quantity_change", "unit", "location",
    "lot", "unit_cost"}``; a negative change removes stock."""

    model, line_model = StockAdjustment, StockAdjustmentLine
    header_related = ("warehouse", "reason", "created_by")
    queryset = StockAdjustment.objects.none()
    serializer_class = AdjustmentSerializer
    post_service = docs.adjustment_post
    cancel_service = docs.adjustment_cancel


@extend_schema_view(list=extend_schema(parameters=DOCUMENT_FILTERS))
class CountViewSet(DocumentBase):
    """Stock counts: create with ``{"warehouse", "location"?}``, POST …/start/ makes the sheet,
    …/record/ enters ``{"counted": {line id: quantity}}``, …/post/ posts the variances."""

    model = StockCount
    queryset = StockCount.objects.none()
    serializer_class = CountSerializer
    document_kwarg = "count"

    def get_queryset(self):
        if self.fake():
            return StockCount.objects.none()
        lines = StockCountLine.objects.select_related("item", "item__base_unit", "location", "lot")
        return (
            self.scope(StockCount.objects.filter(company=self.company))
            .select_related("warehouse", "location", "created_by")
            .prefetch_related(Prefetch("lines", queryset=lines))
            .order_by("-created_at", "-id")
        )

    @extend_schema(request=None)
    @action(detail=True, methods=["post"])
    def start(self, request, pk=None):
        """Snapshot what is on hand as the count sheet's lines."""
        return self.run(docs.count_start)

    @extend_schema(request=CountRecordSerializer)
    @action(detail=True, methods=["post"])
    def record(self, request, pk=None):
        """Enter counted quantities (base unit) by line id."""
        payload = CountRecordSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        return self.run(docs.count_record, counted=payload.validated_data["counted"])

    @extend_schema(request=CountAddLineSerializer)
    @action(detail=True, methods=["post"], url_path="add-line", url_name="add-line")
    def add_line(self, request, pk=None):
        """Add something found that is not on the sheet."""
        count = self.get_object()
        check_operate(request.user, count.warehouse)
        payload = CountAddLineSerializer(data=request.data, context=self.get_serializer_context())
        payload.is_valid(raise_exception=True)
        data, errors = payload.validated_data, {}
        location = LineResolver().location(count.warehouse, data["location"], errors, "location")
        lot = LineResolver.lot(data["item"], data, errors)
        if errors:
            raise serializers.ValidationError(errors)
        docs.count_add_line(count=count, item=data["item"], location=location, lot=lot,
                     counted_quantity=data["counted_quantity"], actor=request.user)
        return Response(self.get_serializer(self.reload(count)).data)

    @extend_schema(request=None)
    @action(detail=True, methods=["post"], url_path="post", url_name="post")
    def post_document(self, request, pk=None):
        """Post the variances of the counted lines; every line must be counted. Posting twice is a 409."""
        return self.run(docs.count_post)

    @extend_schema(request=None)
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        """Cancel a count that is not posted."""
        return self.run(docs.count_cancel)


# Balances and the ledger ---------------------------------------------------------------------


class BalanceSerializer(serializers.ModelSerializer):
    item = serializers.CharField(source="item.code")
    item_name = serializers.CharField(source="item.name")
    unit = serializers.CharField(source="item.base_unit.code")
    warehouse = serializers.CharField(source="warehouse.code")
    location = serializers.CharField(source="location.code")
    lot = serializers.CharField(source="lot.number", allow_null=True)
    available = base_qty_field()

    class Meta:
        model = StockBalance
        fields = ["id", "item", "item_name", "unit", "warehouse", "location", "lot", "lot_id", "on_hand",
                  "reserved", "available"]
        read_only_fields = fields


class MoveSerializer(serializers.ModelSerializer):
    item = serializers.CharField(source="item.code")
    unit = serializers.CharField(source="item.base_unit.code")
    warehouse = serializers.CharField(source="warehouse.code")
    location = serializers.CharField(source="location.code")
    lot = serializers.CharField(source="lot.number", allow_null=True)
    document_type = serializers.CharField(source="document_type.model", allow_null=True)
    posted_by = serializers.CharField(source="posted_by.username", allow_null=True)

    class Meta:
        model = StockMove
        fields = ["id", "posted_at", "move_type", "item", "unit", "warehouse", "location", "lot", "lot_id",
                  "quantity", "unit_cost", "value", "document_type", "document_id", "document_reference",
                  "reverses", "posted_by"]
        read_only_fields = fields


STOCK_FILTERS = [
    OpenApiParameter("item", str, description=gettext_lazy("Item code")),
    OpenApiParameter("warehouse", str, description=gettext_lazy("Warehouse code")),
    OpenApiParameter("location", str, description=gettext_lazy("Location code")),
    OpenApiParameter("lot", str, description=gettext_lazy("Lot number")),
    OpenApiParameter("lot_id", int),
]


class StockReadMixin(InventoryViewMixin):
    """Rows come from the scoping selectors; ``queryset`` only names the model for the permissions."""

    def common_filters(self):
        params, user = self.request.query_params, self.request.user
        return {"item": by_code(Item, user, params, "item"), "warehouse": by_code(Warehouse, user, params, "warehouse")}

    def narrow(self, rows):
        params = self.request.query_params
        if params.get("location"):
            rows = rows.filter(location__code=normalise_code(params["location"]))
        if params.get("lot"):
            rows = rows.filter(lot__number=params["lot"].strip())
        if params.get("lot_id"):
            try:
                rows = rows.filter(lot_id=int(params["lot_id"]))
            except ValueError:
                raise param_error("lot_id", _("Enter a whole number."))
        return rows


@extend_schema_view(list=extend_schema(parameters=[
    *STOCK_FILTERS, OpenApiParameter("include_zero", bool, description=gettext_lazy("Also rows with nothing on hand")),
]))
class BalanceViewSet(StockReadMixin, viewsets.ReadOnlyModelViewSet):
    """On hand, reserved and available per item, warehouse, location and lot (base units)."""

    queryset = StockBalance.objects.none()
    serializer_class = BalanceSerializer

    def filter_queryset(self, queryset):
        include_zero = self.action != "list" or bool(parse_bool(self.request.query_params, "include_zero"))
        return self.narrow(selectors.balances_for_user(self.request.user, include_zero=include_zero,
                                                       **self.common_filters()))


@extend_schema_view(list=extend_schema(parameters=[
    *STOCK_FILTERS,
    OpenApiParameter("move_type", str, enum=st.MoveType.values),
    OpenApiParameter("date_from", OpenApiTypes.DATE),
    OpenApiParameter("date_to", OpenApiTypes.DATE),
    OpenApiParameter("reference", str, description=gettext_lazy("Part of the document reference")),
]))
class MoveViewSet(StockReadMixin, viewsets.ReadOnlyModelViewSet):
    """The stock ledger: every posted move, newest first. Moves are never changed; corrections are
    reversing moves (``reverses``)."""

    queryset = StockMove.objects.none()
    serializer_class = MoveSerializer

    def filter_queryset(self, queryset):
        params = self.request.query_params
        move_type = params.get("move_type") or None
        if move_type and move_type not in st.MoveType.values:
            raise param_error("move_type", _("Unknown move type."))
        date_from, date_to = parse_day(params, "date_from"), parse_day(params, "date_to")
        if date_from and date_to and date_to < date_from:
            raise param_error("date_to", _("The end date is before the start date."))
        moves = selectors.moves_for_user(
            self.request.user, move_type=move_type, date_from=date_from, date_to=date_to,
            document_reference=(params.get("reference") or params.get("document_reference") or "").strip(),
            **self.common_filters(),
        )
        return self.narrow(moves).select_related("document_type")


