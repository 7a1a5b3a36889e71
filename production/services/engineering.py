"""Writes of production's engineering data: work centers with their calendars (working weekdays and
holidays) and routings with their operations.

Every write is one transaction (``atomic_with_retry``): a refusal raises a DomainError naming the
field to blame and nothing is saved. A routing is saved with all its operations in one go: an
operation refused (a sequence given twice, a negative time, a work center that is inactive or of
another company) raises ``OperationRefused``, which also says which line (its position in the
``operations`` given), so a screen can show the message beside that line."""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from decimal import Decimal
from typing import Any, NotRequired, TypedDict

from django.db import transaction
from django.db.models import ProtectedError, RestrictedError
from django.utils.translation import gettext as _

from erp.codes import normalise_code
from erp.db import atomic_with_retry
from erp.errors import DomainError
from erp.models import Company, User
from inventory.errors import InUse
from inventory.models import Item
from production.models import Routing, RoutingOperation, WorkCenter, WorkCenterHoliday

ZERO = Decimal("0")
MAX_SEQUENCE = 1_000_000
# While a routing's operations are renumbered, the ones that move park above every real sequence so
# that the unique (routing, sequence) constraint never sees two at the same number.
PARKED = 2_000_000_000
WORK_CENTER_FIELDS = frozenset({"code", "name", "capacity_hours", "working_weekdays", "cost_rate",
                                "efficiency_percent", "warehouse", "notes", "is_active"})
ROUTING_FIELDS = frozenset({"code", "name", "item", "notes", "is_active"})


class OperationRefused(DomainError):
    """An operation of a routing being saved was refused; ``index`` is its position (from 0) in the
    ``operations`` given and ``line_field`` the operation's field to blame, when there is one."""

    def __init__(self, index: int, message: str, *, line_field: str | None = None) -> None:
        self.index = index
        self.line_field = line_field
        self.line_message = message
        super().__init__(_("Operation line %(n)s: %(message)s") % {"n": index + 1, "message": message},
                         field="operations")


class OperationInput(TypedDict):
    """One operation of ``routing_save``: ``id`` names one of the routing's operations to change;
    without it the operation is added. Times are in minutes; run time is per unit (base unit)."""

    sequence: int
    name: str
    work_center: WorkCenter
    setup_minutes: NotRequired[Decimal | None]
    run_minutes: NotRequired[Decimal | None]
    instructions: NotRequired[str]
    id: NotRequired[int | None]


# Work centers ----------------------------------------------------------------------------------


def check_unknown(fields: dict[str, Any], allowed: frozenset[str]) -> None:
    unknown = set(fields) - allowed
    if unknown:
        raise TypeError(f"unknown fields: {', '.join(sorted(unknown))}")


def check_code_free(model: type[WorkCenter] | type[Routing], company: Company, code: str,
                    pk: int | None = None) -> None:
    taken = model.objects.filter(company=company, code=normalise_code(code))
    if pk is not None:
        taken = taken.exclude(pk=pk)
    if taken.exists():
        raise DomainError(_("The code %(code)s is already used by another %(kind)s.")
                          % {"code": normalise_code(code), "kind": model._meta.verbose_name}, field="code")


def clean_weekdays(weekdays: Sequence[int] | None) -> list[int]:
    days = sorted(set(weekdays or []))
    if any(not isinstance(day, int) or day < 0 or day > 6 for day in days):
        raise DomainError(_("Working days are 0 (Monday) to 6 (Sunday)."), field="working_weekdays")
    return days


def check_work_center_fields(company: Company, fields: dict[str, Any]) -> None:
    if "working_weekdays" in fields:
        fields["working_weekdays"] = clean_weekdays(fields["working_weekdays"])
    capacity = fields.get("capacity_hours")
    if capacity is not None and capacity < 0:
        raise DomainError(_("The capacity must not be negative."), field="capacity_hours")
    if capacity is not None and capacity > 24 * 100:
        raise DomainError(_("The capacity is too large."), field="capacity_hours")
    efficiency = fields.get("efficiency_percent")
    if efficiency is not None and efficiency <= 0:
        raise DomainError(_("The efficiency must be greater than zero."), field="efficiency_percent")
    rate = fields.get("cost_rate")
    if rate is not None and rate < 0:
        raise DomainError(_("The cost per hour must not be negative."), field="cost_rate")
    warehouse = fields.get("warehouse")
    if warehouse is not None and warehouse.company_id != company.pk:
        raise DomainError(_("This record belongs to another company."), field="warehouse")


@atomic_with_retry
def work_center_create(*, company: Company, actor: User | None = None, **fields: Any) -> WorkCenter:
    """A new work center; ``working_weekdays`` are 0 (Monday) … 6 (Sunday)."""
    check_unknown(fields, WORK_CENTER_FIELDS)
    check_code_free(WorkCenter, company, fields.get("code") or "")
    check_work_center_fields(company, fields)
    work_center = WorkCenter(company=company, **fields)
    work_center.full_clean()
    work_center.save()
    return work_center


def locked_work_center(work_center: WorkCenter) -> WorkCenter:
    locked: WorkCenter = WorkCenter.objects.select_for_update().get(pk=work_center.pk)
    return locked


@atomic_with_retry
def work_center_update(*, work_center: WorkCenter, actor: User | None = None, **fields: Any) -> WorkCenter:
    check_unknown(fields, WORK_CENTER_FIELDS)
    work_center = locked_work_center(work_center)
    if "code" in fields:
        check_code_free(WorkCenter, work_center.company, fields["code"] or "", work_center.pk)
    check_work_center_fields(work_center.company, fields)
    for name, value in fields.items():
        setattr(work_center, name, value)
    work_center.full_clean()
    work_center.save()
    return work_center


@atomic_with_retry
def work_center_deactivate(*, work_center: WorkCenter, actor: User | None = None) -> WorkCenter:
    """No new operation may use it; routings that use it keep their operations (and their load)."""
    work_center = locked_work_center(work_center)
    if work_center.is_active:
        work_center.is_active = False
        work_center.save(update_fields=["is_active"])
    return work_center


def delete_or_refuse(instance: WorkCenter | Routing, in_use: str, deactivate: str, deactivatable: bool) -> None:
    """Delete ``instance``, or refuse it (InUse, a 409) with ``in_use`` while rows still point at it;
    ``deactivate`` (said with ``deactivatable``) tells what to do instead."""
    try:
        with transaction.atomic():
            instance.delete()
    except (ProtectedError, RestrictedError):
        message = in_use % {"code": instance.code}
        raise InUse(f"{message} {deactivate}" if deactivatable else message) from None


@atomic_with_retry
def work_center_delete(*, instance: WorkCenter, actor: User | None = None, deactivatable: bool = True) -> None:
    """Delete a work center no routing uses (its holidays go with it); one in use is refused (InUse)."""
    delete_or_refuse(instance, _("Work center %(code)s is used by routings and cannot be deleted."),
                     _("Deactivate it instead."), deactivatable)


# Holidays --------------------------------------------------------------------------------------


@atomic_with_retry
def holiday_save(*, work_center: WorkCenter, date: datetime.date, name: str = "",
                 capacity_hours: Decimal | None = None, holiday: WorkCenterHoliday | None = None,
                 actor: User | None = None) -> WorkCenterHoliday:
    """Add a holiday to the work center's calendar (``holiday`` None) or change one of its holidays. A
    holiday's ``capacity_hours`` replace the work center's hours that day: 0 (the default) = closed."""
    work_center = locked_work_center(work_center)
    if holiday is not None and holiday.work_center_id != work_center.pk:
        raise DomainError(_("This holiday belongs to another work center."), field="date")
    hours = ZERO if capacity_hours is None else capacity_hours
    if hours < 0:
        raise DomainError(_("The capacity must not be negative."), field="capacity_hours")
    if hours > 24:
        raise DomainError(_("A day has at most 24 hours."), field="capacity_hours")
    taken = WorkCenterHoliday.objects.filter(work_center=work_center, date=date)
    if holiday is not None:
        taken = taken.exclude(pk=holiday.pk)
    if taken.exists():
        raise DomainError(_("%(date)s is already in this work center's calendar.") % {"date": date.isoformat()},
                          field="date")
    row = holiday if holiday is not None else WorkCenterHoliday(work_center=work_center)
    row.date, row.name, row.capacity_hours = date, name.strip(), hours
    row.full_clean()
    row.save()
    return row


@atomic_with_retry
def holiday_delete(*, holiday: WorkCenterHoliday, actor: User | None = None) -> None:
    locked_work_center(holiday.work_center)
    holiday.delete()


# Routings --------------------------------------------------------------------------------------


def check_routing_item(company: Company, item: Item | None) -> None:
    if item is None:
        raise DomainError(_("Choose the item the routing makes."), field="item")
    if item.company_id != company.pk:
        raise DomainError(_("This record belongs to another company."), field="item")


def checked_operations(routing: Routing | None, company: Company, operations: Sequence[OperationInput]
                       ) -> list[tuple[OperationInput, RoutingOperation | None]]:
    """Each operation given with the stored operation it changes (None: a new one), checked."""
    existing = {op.pk: op for op in routing.operations.all()} if routing is not None and routing.pk else {}
    centers = sorted({op["work_center"].pk for op in operations if op.get("work_center") is not None})
    # Locked in pk order: a work center deactivated meanwhile waits for this routing, or is seen inactive.
    current = {wc.pk: wc for wc in WorkCenter.objects.select_for_update().filter(pk__in=centers).order_by("pk")}
    sequences: set[int] = set()
    seen: set[int] = set()
    checked: list[tuple[OperationInput, RoutingOperation | None]] = []
    for n, op in enumerate(operations):
        op_id = op.get("id")
        row = existing.get(op_id) if op_id else None
        if op_id and row is None:
            raise OperationRefused(n, _("this operation is not one of the routing's operations."))
        if row is not None:
            if row.pk in seen:
                raise OperationRefused(n, _("the operation is given twice."))
            seen.add(row.pk)
        sequence = op.get("sequence")
        if sequence is None or sequence < 1 or sequence > MAX_SEQUENCE:
            raise OperationRefused(n, _("the sequence must be between 1 and %(max)s.") % {"max": MAX_SEQUENCE},
                                   line_field="sequence")
        if sequence in sequences:
            raise OperationRefused(n, _("sequence %(sequence)s is used by another operation.")
                                   % {"sequence": sequence}, line_field="sequence")
        sequences.add(sequence)
        if not (op.get("name") or "").strip():
            raise OperationRefused(n, _("give the operation a name."), line_field="name")
        for field, value in (("setup_minutes", op.get("setup_minutes")), ("run_minutes", op.get("run_minutes"))):
            if value is not None and value < 0:
                raise OperationRefused(n, _("times must not be negative."), line_field=field)
        given = op.get("work_center")
        center = current.get(given.pk) if given is not None else None
        if center is None:
            raise OperationRefused(n, _("choose the work center."), line_field="work_center")
        if center.company_id != company.pk:
            raise OperationRefused(n, _("the work center belongs to another company."), line_field="work_center")
        unchanged = row is not None and row.work_center_id == center.pk
        if not center.is_active and not unchanged:
            raise OperationRefused(n, _("work center %(code)s is inactive: choose an active work center.")
                                   % {"code": center.code}, line_field="work_center")
        checked.append((op, row))
    return checked


@atomic_with_retry
def routing_save(*, company: Company, operations: Sequence[OperationInput], routing: Routing | None = None,
                 actor: User | None = None, **fields: Any) -> Routing:
    """Create (``routing`` None) or change a routing with all its operations in one go: the operations
    given are the routing's operations afterwards (those with the ``id`` of one of its operations are
    changed, those without are added, the others removed). Sequences are unique within the routing,
    times are not negative, and an operation may not be put at an inactive work center (one already
    there may stay). A refusal saves nothing."""
    check_unknown(fields, ROUTING_FIELDS)
    if routing is not None:
        routing = Routing.objects.select_for_update().get(pk=routing.pk)
        company = routing.company
    code = fields.get("code", routing.code if routing is not None else "")
    check_code_free(Routing, company, code or "", routing.pk if routing is not None else None)
    if "item" in fields or routing is None:
        check_routing_item(company, fields.get("item"))
    if routing is None:
        routing = Routing(company=company)
    for name, value in fields.items():
        setattr(routing, name, value)
    routing.full_clean()
    checked = checked_operations(routing, company, operations)
    routing.save()
    kept = {row.pk for _op, row in checked if row is not None}
    RoutingOperation.objects.filter(routing=routing).exclude(pk__in=kept).delete()
    moving = [row for op, row in checked if row is not None and row.sequence != op["sequence"]]
    for n, parked in enumerate(sorted(moving, key=lambda r: r.pk)):
        parked.sequence = PARKED + n
        parked.save(update_fields=["sequence"])
    for op, row in checked:
        target = row if row is not None else RoutingOperation(routing=routing)
        target.sequence = op["sequence"]
        target.name = op["name"].strip()
        target.work_center = op["work_center"]
        target.setup_minutes = op.get("setup_minutes") or ZERO
        target.run_minutes = op.get("run_minutes") or ZERO
        target.instructions = op.get("instructions") or ""
        target.save()
    return routing


@atomic_with_retry
def routing_deactivate(*, routing: Routing, actor: User | None = None) -> Routing:
    routing = Routing.objects.select_for_update().get(pk=routing.pk)
    if routing.is_active:
        routing.is_active = False
        routing.save(update_fields=["is_active"])
    return routing


@atomic_with_retry
def routing_delete(*, instance: Routing, actor: User | None = None, deactivatable: bool = True) -> None:
    """Delete a routing no BOM or work order uses (its operations go with it); one in use is refused."""
    delete_or_refuse(instance, _("Routing %(code)s is used by BOMs or work orders and cannot be deleted."),
                     _("Deactivate it instead."), deactivatable)
