"""/api/production/ engineering data: work centers (with their holidays), routings (with their
operations) and the capacity load. Writes go through production.services.engineering, as on the
screens: the same rules, the same messages (400 naming the field)."""

from __future__ import annotations

import datetime
from typing import Any

from django.db import transaction
from django.db.models import Prefetch, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, viewsets
from rest_framework.request import Request
from rest_framework.response import Response

from erp.api.fields import CodeField, CodeRelatedField
from erp.api.params import param_error, parse_bool, parse_day
from erp.api.serializers import UniqueCodeMixin, actor_and_company
from erp.api.viewsets import CompanyViewMixin, MasterDataViewSet
from inventory.models import Item, Warehouse
from production.models import Routing, RoutingOperation, WorkCenter, WorkCenterHoliday
from production.selectors import engineering as selectors
from production.selectors.capacity import capacity_load
from production.services import engineering as services

MAX_CAPACITY_DAYS = 366

# Work centers ----------------------------------------------------------------------------------


class HolidaySerializer(serializers.ModelSerializer[WorkCenterHoliday]):
    id = serializers.IntegerField(required=False, allow_null=True,
                                 help_text=gettext_lazy("On update: the holiday to change; empty adds one"))
    capacity_hours = serializers.DecimalField(max_digits=6, decimal_places=2, required=False, default=0,
                                              help_text=gettext_lazy("Hours that day; 0: closed"))

    class Meta:
        model = WorkCenterHoliday
        fields = ["id", "date", "name", "capacity_hours"]
        validators: list[Any] = []  # the service says which date is already in the calendar


class WorkCenterSerializer(UniqueCodeMixin, serializers.ModelSerializer[WorkCenter]):
    code = CodeField()
    warehouse = CodeRelatedField(queryset=Warehouse.objects.all(), required=False, allow_null=True)
    working_weekdays = serializers.ListField(child=serializers.IntegerField(min_value=0, max_value=6),
                                             required=False, help_text=gettext_lazy("0 = Monday … 6 = Sunday"))
    holidays = HolidaySerializer(many=True, required=False, help_text=gettext_lazy(
        "On update, when given, the calendar's holidays afterwards: those with an id are changed, those "
        "without are added, the others removed"))

    class Meta:
        model = WorkCenter
        fields = ["id", "code", "name", "capacity_hours", "working_weekdays", "efficiency_percent", "cost_rate",
                  "warehouse", "notes", "is_active", "holidays"]

    def validate_holidays(self, holidays: list[dict[str, Any]]) -> list[dict[str, Any]]:
        known = set(self.instance.holidays.values_list("pk", flat=True)) if self.instance is not None else set()
        for holiday in holidays:
            if holiday.get("id") and holiday["id"] not in known:
                raise serializers.ValidationError(
                    _("Holiday %(id)s is not in this work center's calendar.") % {"id": holiday["id"]})
        return holidays

    def save_holidays(self, work_center: WorkCenter, holidays: list[dict[str, Any]] | None, user: Any) -> None:
        if holidays is None:
            return
        existing = {h.pk: h for h in work_center.holidays.all()}
        kept = {h["id"] for h in holidays if h.get("id")}
        for pk in sorted(set(existing) - kept):
            services.holiday_delete(holiday=existing[pk], actor=user)
        for fields in holidays:
            fields = dict(fields)
            holiday = existing.get(fields.pop("id", None))
            services.holiday_save(work_center=work_center, holiday=holiday, actor=user, **fields)

    def create(self, validated_data: dict[str, Any]) -> WorkCenter:
        user, company = actor_and_company(self)
        holidays = validated_data.pop("holidays", None)
        with transaction.atomic():
            work_center: WorkCenter = services.work_center_create(company=company, actor=user, **validated_data)
            self.save_holidays(work_center, holidays, user)
        return work_center

    def update(self, instance: WorkCenter, validated_data: dict[str, Any]) -> WorkCenter:
        user = self.context["request"].user
        holidays = validated_data.pop("holidays", None)
        with transaction.atomic():
            work_center: WorkCenter = services.work_center_update(work_center=instance, actor=user, **validated_data)
            self.save_holidays(work_center, holidays, user)
        return work_center


@extend_schema_view(list=extend_schema(parameters=[
    OpenApiParameter("search", str, description=gettext_lazy("Part of the code or name")),
    OpenApiParameter("active", bool),
]))
class WorkCenterViewSet(MasterDataViewSet):
    """Work centers: capacity in hours per working day, the working weekdays (0 = Monday) and the
    calendar's ``holidays`` (a date with its hours, 0 = closed), cost per hour and efficiency %.
    DELETE removes a work center no routing uses; one in use is a 409: deactivate it instead."""

    model = WorkCenter
    queryset = WorkCenter.objects.none()
    serializer_class = WorkCenterSerializer
    delete_service = staticmethod(services.work_center_delete)

    def get_queryset(self) -> QuerySet[WorkCenter]:
        if self.fake():
            return WorkCenter.objects.none()
        holidays = Prefetch("holidays", queryset=WorkCenterHoliday.objects.order_by("date"))
        rows: QuerySet[WorkCenter] = (selectors.work_centers_for_user(self.request.user)
                                      .select_related("warehouse").prefetch_related(holidays).order_by("code"))
        return rows


# Routings --------------------------------------------------------------------------------------


class OperationSerializer(serializers.ModelSerializer[RoutingOperation]):
    id = serializers.IntegerField(required=False, allow_null=True,
                                 help_text=gettext_lazy("On update: the operation to change; empty adds one"))
    work_center = CodeRelatedField(queryset=WorkCenter.objects.all())
    setup_minutes = serializers.DecimalField(max_digits=12, decimal_places=2, required=False, default=0)
    run_minutes = serializers.DecimalField(max_digits=14, decimal_places=4, required=False, default=0)

    class Meta:
        model = RoutingOperation
        fields = ["id", "sequence", "name", "work_center", "setup_minutes", "run_minutes", "instructions"]
        validators: list[Any] = []  # the service checks unique sequences, naming the line


class RoutingSerializer(UniqueCodeMixin, serializers.ModelSerializer[Routing]):
    code = CodeField()
    item = CodeRelatedField(queryset=Item.objects.all())
    operations = OperationSerializer(many=True, required=False, help_text=gettext_lazy(
        "The routing's operations afterwards (when given on update): those with an id are changed, those "
        "without are added, the others removed"))

    class Meta:
        model = Routing
        fields = ["id", "code", "name", "item", "notes", "is_active", "operations"]

    def save_with(self, instance: Routing | None, validated_data: dict[str, Any]) -> Routing:
        user, company = actor_and_company(self)
        operations = validated_data.pop("operations", None)
        if operations is None:
            operations = ([{"id": op.pk, "sequence": op.sequence, "name": op.name, "work_center": op.work_center,
                            "setup_minutes": op.setup_minutes, "run_minutes": op.run_minutes,
                            "instructions": op.instructions} for op in instance.operations.all()]
                          if instance is not None else [])
        try:
            routing: Routing = services.routing_save(company=instance.company if instance else company,
                                                     routing=instance, actor=user, operations=operations,
                                                     **validated_data)
        except services.OperationRefused as error:
            field = error.line_field or "non_field_errors"
            lines: list[dict[str, list[str]]] = [{} for _op in operations]
            lines[error.index] = {field: [error.line_message]}
            raise serializers.ValidationError({"operations": lines}) from None
        return routing

    def create(self, validated_data: dict[str, Any]) -> Routing:
        return self.save_with(None, validated_data)

    def update(self, instance: Routing, validated_data: dict[str, Any]) -> Routing:
        return self.save_with(instance, validated_data)


@extend_schema_view(list=extend_schema(parameters=[
    OpenApiParameter("search", str, description=gettext_lazy("Part of the code, name or item")),
    OpenApiParameter("item", str, description=gettext_lazy("Item code")),
    OpenApiParameter("active", bool),
]))
class RoutingViewSet(MasterDataViewSet):
    """Routings: how an item is made, as ``operations`` in sequence, each at a work center with its
    setup (minutes, once per order) and run time (minutes per unit). An operation at an inactive work
    center, a sequence given twice or a negative time is a 400 naming the operation's line.
    DELETE removes a routing no BOM or work order uses (409 otherwise: deactivate it instead)."""

    model = Routing
    queryset = Routing.objects.none()
    serializer_class = RoutingSerializer
    delete_service = staticmethod(services.routing_delete)

    def get_queryset(self) -> QuerySet[Routing]:
        if self.fake():
            return Routing.objects.none()
        rows: QuerySet[Routing] = (selectors.routings_for_user(self.request.user).select_related("item")
                                   .prefetch_related(selectors.operations_prefetch()).order_by("code"))
        return rows

    def filter_queryset(self, queryset: QuerySet[Any]) -> QuerySet[Any]:
        if self.action != "list":
            return queryset
        params = self.request.query_params
        rows = selectors.routing_list(self.request.user, search=params.get("search", "").strip(),
                                      active=parse_bool(params, "active"),
                                      item_code=params.get("item", "").strip().upper())
        return rows.prefetch_related(selectors.operations_prefetch())


# Capacity --------------------------------------------------------------------------------------

class CapacityPeriodSerializer(serializers.Serializer[Any]):
    """A day, or a week (its Monday), of a work center's load."""

    date = serializers.DateField()
    capacity = serializers.DecimalField(max_digits=12, decimal_places=4)
    load = serializers.DecimalField(max_digits=12, decimal_places=4)
    percent = serializers.DecimalField(max_digits=12, decimal_places=1, allow_null=True)
    overloaded = serializers.BooleanField()


class CapacityRowSerializer(serializers.Serializer[Any]):
    """A work center's load per day and per week."""

    id = serializers.IntegerField(help_text=gettext_lazy("The work center's id"))
    work_center = serializers.CharField()
    name = serializers.CharField()
    capacity = serializers.DecimalField(max_digits=12, decimal_places=4)
    load = serializers.DecimalField(max_digits=12, decimal_places=4)
    days = CapacityPeriodSerializer(many=True)
    weeks = CapacityPeriodSerializer(many=True)


def decimal_text(value: Any) -> str | None:
    return None if value is None else f"{value:f}"


class CapacityViewSet(CompanyViewMixin, mixins.ListModelMixin, viewsets.GenericViewSet[WorkCenter]):
    """The load of each active work center (or ``work_center``) per day from ``from`` to ``to`` (at most
    366 days; default: four weeks from today) and per week (Monday to Sunday), against its calendar's
    capacity: released and in-progress work orders (remaining quantity) and the unfirmed planned work
    orders of the latest finished MRP run, each operation loaded whole on the first working day of its
    work center at or after the previous one (docs/production.md, "Capacity"). Needs the work center
    and work order view permissions."""

    queryset = WorkCenter.objects.none()
    pagination_class = None

    @extend_schema(parameters=[
        OpenApiParameter("from", str, description=gettext_lazy("First day, YYYY-MM-DD (default today)")),
        OpenApiParameter("to", str, description=gettext_lazy("Last day, YYYY-MM-DD (default four weeks on)")),
        OpenApiParameter("work_center", str, description=gettext_lazy("Work center code (default: all active)")),
    ], responses={200: CapacityRowSerializer(many=True)})
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        if not request.user.has_perm("production.view_workorder"):
            self.permission_denied(request)
        params = request.query_params
        date_from = parse_day(params, "from") or timezone.localdate()
        date_to = parse_day(params, "to") or date_from + datetime.timedelta(days=27)
        if date_to < date_from:
            raise param_error("to", _("The last day is before the first."))
        if (date_to - date_from).days >= MAX_CAPACITY_DAYS:
            raise param_error("to", _("Ask for at most %(days)s days.") % {"days": MAX_CAPACITY_DAYS})
        centers = None
        if code := params.get("work_center", "").strip():
            found = selectors.work_centers_for_user(request.user).filter(code=code.upper()).first()
            if found is None:
                raise param_error("work_center", _("No work center %(code)s.") % {"code": code})
            centers = [found.pk]
        load = capacity_load(request.user, date_from=date_from, date_to=date_to, work_centers=centers)
        return Response([{
            "id": row.work_center.pk, "work_center": row.work_center.code, "name": row.work_center.name,
            "capacity": decimal_text(row.capacity), "load": decimal_text(row.load),
            "days": [{"date": d.date, "capacity": decimal_text(d.capacity), "load": decimal_text(d.load),
                      "percent": decimal_text(d.percent), "overloaded": d.overloaded} for d in row.days],
            "weeks": [{"date": w.start, "capacity": decimal_text(w.capacity), "load": decimal_text(w.load),
                       "percent": decimal_text(w.percent), "overloaded": w.overloaded} for w in row.weeks],
        } for row in load.rows])
