"""/api/inventory/deliveries/: delivery notes (出貨單) over HTTP.

Delivery notes are generated from confirmed sales orders (never created here). The list and the
notes are those of the warehouses the user may see, like every other stock document, and for a
sales rep only those of their customers' orders. The keeper records the picking (POST …/pick/),
posts the note (…/post/: the stock leaves, the order learns what was delivered, a backorder takes
the rest) or cancels a draft (…/cancel/); all three need to operate the note's warehouse (else 403).
"""

from django.contrib.contenttypes.models import ContentType
from django.db.models import Prefetch
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from erp.api.fields import ObjectCodeField, qty_field
from erp.api.params import param_error
from erp.api.serializers import VoidSerializer, void_reason_of
from erp.documents import check_transition
from erp.errors import IllegalTransition, ImmutableDocument
from inventory import selectors
from inventory import status as st
from inventory.api.common import LineResolver, LotNumberField, WarehouseViewMixin, check_operate
from inventory.api.documents import DOCUMENT_FILTERS, DocumentBase
from inventory.models import DeliveryNote, DeliveryNoteLine
from inventory.services import deliveries as services


class DeliveryLineSerializer(serializers.ModelSerializer):
    order_line = serializers.IntegerField(source="source_line_id", read_only=True,
                                          help_text=gettext_lazy("The line (id) of the source order it ships"))
    order_line_no = serializers.IntegerField(source="source_line_no", read_only=True)
    item = serializers.CharField(source="item.code", read_only=True)
    item_name = serializers.CharField(source="item.name", read_only=True)
    unit = serializers.CharField(source="unit.code", read_only=True)
    location = serializers.CharField(source="location.code", read_only=True, allow_null=True)
    lot = serializers.CharField(source="lot.number", read_only=True, allow_null=True)

    class Meta:
        model = DeliveryNoteLine
        fields = ["id", "order_line", "order_line_no", "description", "item", "item_name", "unit", "quantity",
                  "picked", "location", "lot", "lot_id", "unit_cost"]
        read_only_fields = fields


class DeliverySerializer(serializers.ModelSerializer):
    reference = serializers.CharField(read_only=True)
    warehouse = serializers.CharField(source="warehouse.code", read_only=True)
    source_type = serializers.SerializerMethodField(help_text=gettext_lazy(
        "What the note ships against, as app_label.model (sales.salesorder)"))
    backorders = serializers.PrimaryKeyRelatedField(many=True, read_only=True,
                                                    help_text=gettext_lazy("Notes made for what this one did not ship"))
    created_by = serializers.CharField(source="created_by.username", read_only=True, allow_null=True)
    lines = DeliveryLineSerializer(many=True, read_only=True)

    class Meta:
        model = DeliveryNote
        fields = ["id", "number", "reference", "status", "document_date", "warehouse", "source_type", "source_id",
                  "source_reference", "customer_code", "customer_name", "customer_tax_id", "customer_reference",
                  "ship_to", "due_date", "notes", "backorder_of", "backorders", "posted_at", "created_by",
                  "created_at", "lines"]
        read_only_fields = fields

    def get_source_type(self, delivery) -> str:
        return ContentType.objects.get_for_id(delivery.source_type_id).model_class()._meta.label_lower


class PickLineSerializer(serializers.Serializer):
    id = serializers.IntegerField(required=False, allow_null=True,
                                  help_text=gettext_lazy("The note's line; empty adds a split pick of order_line"))
    order_line = serializers.IntegerField(required=False, allow_null=True,
                                          help_text=gettext_lazy("For a new line: the order line (id) it ships"))
    location = ObjectCodeField(required=False, allow_null=True, allow_blank=True,
                               help_text=gettext_lazy("Location code in the note's warehouse"))
    lot = LotNumberField()
    lot_id = serializers.IntegerField(required=False, allow_null=True)
    picked = qty_field(help_text=gettext_lazy("Picked quantity, in the line's unit"))


class PickSerializer(serializers.Serializer):
    lines = PickLineSerializer(many=True, allow_empty=False)
    notes = serializers.CharField(required=False, allow_blank=True)


def resolve_picks(delivery, lines):
    """The pick lines with records for ids and codes; errors per line as {"lines": {n: {field: […]}}}."""
    existing = {line.pk: line for line in delivery.lines.all()}
    items_by_order_line = {line.source_line_id: line.item for line in existing.values()}
    resolver, resolved = LineResolver(), []
    for line in lines:
        errors = resolver.start_line()
        row = {"picked": line["picked"], "location": None, "lot": None}
        item = None
        if line.get("id"):
            found = existing.get(line["id"])
            if found is None:
                errors["id"] = [_("This line is not on the delivery note.")]
            else:
                row["id"], item = found.pk, found.item
        else:
            order_line_id = line.get("order_line")
            if order_line_id not in items_by_order_line:
                errors["order_line"] = [_("Choose an order line that is on this delivery note.")]
            else:
                row["source_line"] = order_line_id
                item = items_by_order_line[order_line_id]
        if line.get("location"):
            row["location"] = resolver.location(delivery.warehouse, line["location"], errors, "location")
        if item is not None:
            row["lot"] = resolver.lot(item, line, errors)
        resolved.append(row)
    resolver.raise_if_any()
    return resolved


@extend_schema_view(list=extend_schema(parameters=[
    *DOCUMENT_FILTERS,
    OpenApiParameter("source_id", int, description=gettext_lazy("Id of the document the notes ship against")),
    OpenApiParameter("source_type", str, description=gettext_lazy("Its type, as app_label.model (sales.salesorder)")),
]))
class DeliveryViewSet(WarehouseViewMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Delivery notes of the user's warehouses. POST …/pick/ records the picking: ``{"lines": [{"id"
    (or "order_line" for a split pick of a line of the source order), "location": code, "lot": number,
    "picked"}]}``; …/post/ ships what was picked (a backorder note takes the rest); …/cancel/ cancels a draft."""

    queryset = DeliveryNote.objects.none()
    serializer_class = DeliverySerializer
    filter_queryset_common = DocumentBase.filter_queryset

    def get_queryset(self):
        if self.fake():
            return DeliveryNote.objects.none()
        if not hasattr(self, "_notes"):  # the permission check asks too: find the warehouses once
            self._notes = selectors.deliveries_for_user(self.request.user)
        notes = self._notes
        lines = DeliveryNoteLine.objects.select_related("item", "unit", "location", "lot")
        return (
            notes.select_related("warehouse", "created_by")
            .prefetch_related(Prefetch("lines", queryset=lines), "backorders")
            .order_by("-created_at", "-id")
        )

    def filter_queryset(self, queryset):
        queryset = self.filter_queryset_common(queryset)
        if self.action != "list":
            return queryset
        params = self.request.query_params
        if raw := params.get("source_id"):
            try:
                queryset = queryset.filter(source_id=int(raw))
            except ValueError:
                raise param_error("source_id", _("Enter a whole number.")) from None
        if raw := params.get("source_type"):
            app_label, _dot, model = raw.lower().partition(".")
            source_type = ContentType.objects.filter(app_label=app_label, model=model).first()
            if source_type is None:
                raise param_error("source_type", _("Unknown document type."))
            queryset = queryset.filter(source_type=source_type)
        return queryset

    def reload(self, delivery):
        return self.get_queryset().get(pk=delivery.pk)

    def answer(self, delivery):
        return Response(self.get_serializer(self.reload(delivery)).data)

    @extend_schema(request=PickSerializer, responses=DeliverySerializer)
    @action(detail=True, methods=["post"])
    def pick(self, request, pk=None):
        """Record what was picked, where and from which lot (lines not listed stay as they are)."""
        delivery = self.get_object()
        check_operate(request.user, delivery.warehouse)
        if not delivery.is_editable:
            raise ImmutableDocument()  # 409 before any complaint about the payload
        payload = PickSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        lines = resolve_picks(delivery, payload.validated_data["lines"])
        services.delivery_save_picks(delivery=delivery, lines=lines, actor=request.user,
                                     notes=payload.validated_data.get("notes"))
        return self.answer(delivery)

    @extend_schema(request=None, responses=DeliverySerializer)
    @action(detail=True, methods=["post"], url_path="post", url_name="post")
    def post_document(self, request, pk=None):
        """Ship what was picked: the stock leaves at average cost, the order's delivered quantities
        grow, a backorder note takes what was not picked, and finance is told to invoice."""
        delivery = self.get_object()
        check_operate(request.user, delivery.warehouse)
        check_transition(delivery, st.DocStatus.POSTED)
        services.delivery_post(delivery=delivery, actor=request.user)
        return self.answer(delivery)

    @extend_schema(request=VoidSerializer, responses=DeliverySerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        """Void a draft with a ``reason`` (required; the order keeps its reservations); a posted note is
        returned, not voided."""
        delivery = self.get_object()
        check_operate(request.user, delivery.warehouse)
        reason = void_reason_of(request)
        if delivery.status == st.DocStatus.POSTED:
            raise IllegalTransition(_("A posted delivery cannot be voided: the customer returns the goods instead."))
        check_transition(delivery, st.DocStatus.CANCELLED)
        services.delivery_cancel(delivery=delivery, actor=request.user, reason=reason)
        return self.answer(delivery)

