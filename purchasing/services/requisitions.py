"""Purchase requisitions: made by hand (a draft, submitted), or by the system for a shortage (a sales
order's buy items, the reorder scan, MRP), each line keeping what asked for it. Lines are turned into
purchase orders by ``purchasing.services.consolidation``; a requisition closes itself when no line is
open."""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_CEILING, Decimal
from typing import NoReturn, TypedDict

from django.db.models import DecimalField, ExpressionWrapper, F, Sum, Value
from django.db.models.functions import Coalesce, Greatest
from django.utils import timezone
from django.utils.translation import gettext as _

from erp import audit
from erp.db import atomic_with_retry
from erp.documents import transition, void
from erp.errors import DomainError
from erp.models import Company, User
from erp.money import QTY, round_quantity
from inventory.models import Item, ItemUnit, UnitOfMeasure, Warehouse
from inventory.units import to_base
from purchasing import status as st
from purchasing.models import PurchaseOrderLine, PurchaseRequisition, PurchaseRequisitionLine, Supplier

ZERO = Decimal("0")
# The kind of the buyers' task for a sales order's shortage ("Buy for SO-…"): made by the receiver of
# sales.purchase_requested, done when every requisition line of the order is ordered.
BUY_SHORTAGE = "purchasing.buy_shortage"
LINE_PLACES = Decimal("0.0001")
# Orders whose unreceived quantities count as already on order for the reorder quantity: the open
# ones, and the drafts consolidation made (their requisition lines are no longer open).
ON_ORDER_STATUSES = (st.OrderStatus.DRAFT, *st.OPEN_ORDER_STATUSES)


class RequisitionLineInput(TypedDict, total=False):
    """A line as the form or the API gives it (``item`` and ``quantity`` are needed)."""

    item: Item | None
    quantity: Decimal | str | int | None
    unit: UnitOfMeasure | None
    required_date: datetime.date | None
    supplier: Supplier | None
    notes: str | None


@dataclass(frozen=True)
class ShortageLine:
    """A line the system asks for: ``quantity_base`` of an item (base unit) and what asked for it."""

    item_id: int
    quantity_base: Decimal
    source_key: str
    required_date: datetime.date | None = None
    sales_order_line_id: int | None = None
    notes: str = ""


def refuse(n: int, message: str) -> NoReturn:
    raise DomainError(_("Line %(n)s: ") % {"n": n} + message, field="lines")


def check_warehouse(company: Company, warehouse: Warehouse | None) -> Warehouse:
    if warehouse is None:
        raise DomainError(_("Choose the warehouse to deliver to."), field="warehouse")
    if warehouse.company_id != company.pk:
        raise DomainError(_("This warehouse belongs to another company."), field="warehouse")
    if not warehouse.is_active:
        raise DomainError(_("Warehouse %(code)s is inactive.") % {"code": warehouse.code}, field="warehouse")
    return warehouse


def checked_lines(company: Company, lines: Sequence[RequisitionLineInput]) -> list[PurchaseRequisitionLine]:
    """The lines as unsaved rows (base quantity through the item's unit factors, one query), or a
    DomainError naming the line."""
    if not lines:
        raise DomainError(_("Add at least one line."), field="lines")
    item_ids = [item.pk for line in lines if (item := line.get("item")) is not None]
    factors: dict[int, dict[int, Decimal]] = {}
    for row in ItemUnit.objects.filter(item_id__in=item_ids).values("item_id", "unit_id", "factor"):
        factors.setdefault(row["item_id"], {})[row["unit_id"]] = row["factor"]
    rows = []
    for n, line in enumerate(lines, start=1):
        item, quantity, supplier = line.get("item"), line.get("quantity"), line.get("supplier")
        if item is None:
            refuse(n, _("choose an item."))
        assert item is not None
        if item.company_id != company.pk:
            refuse(n, _("the item belongs to another company."))
        if not item.is_active:
            refuse(n, _("%(item)s is inactive.") % {"item": item.code})
        if quantity is None or quantity == "" or Decimal(quantity) <= 0:
            refuse(n, _("the quantity must be greater than zero."))
        assert quantity is not None
        unit = line.get("unit") or item.base_unit
        quantity_base = to_base(item, quantity, unit, factors.get(item.pk, {}))
        if quantity_base is None:
            refuse(n, _("%(item)s has no unit %(unit)s: choose one of its units.")
                   % {"item": item.code, "unit": unit.code})
        if supplier is not None and (supplier.company_id != company.pk or not supplier.is_active):
            refuse(n, _("supplier %(supplier)s is not an active supplier of this company.")
                   % {"supplier": supplier.code})
        rows.append(PurchaseRequisitionLine(
            line_no=n, item=item, quantity=Decimal(quantity), unit=unit, quantity_base=quantity_base,
            required_date=line.get("required_date"), supplier=supplier, notes=(line.get("notes") or "")[:300],
            source=st.RequisitionSource.MANUAL))
    return rows


def locked(requisition: PurchaseRequisition) -> PurchaseRequisition:
    return PurchaseRequisition.objects.select_for_update().get(pk=requisition.pk)


@atomic_with_retry
def requisition_save(*, company: Company, actor: User | None, warehouse: Warehouse | None,
                     lines: Sequence[RequisitionLineInput], requisition: PurchaseRequisition | None = None,
                     notes: str = "", document_date: datetime.date | None = None) -> PurchaseRequisition:
    """Create a draft requisition by hand, or replace a draft's header and lines. Raises DomainError
    (nothing written) on a bad line or when the requisition is no longer a draft."""
    check_warehouse(company, warehouse)
    rows = checked_lines(company, lines)
    if requisition is None or requisition.pk is None:
        requisition = PurchaseRequisition(company=company, created_by=actor, requested_by=actor)
    else:
        requisition = locked(requisition)
        if requisition.company_id != company.pk:
            raise DomainError(_("This requisition belongs to another company."))
        if requisition.status != st.RequisitionStatus.DRAFT:
            raise DomainError(_("Only a draft requisition can be changed."))
        requisition.updated_by = actor
    requisition.warehouse = warehouse  # type: ignore[assignment]
    requisition.notes = notes or ""
    if document_date is not None:
        requisition.document_date = document_date
    requisition.save()
    old = list(requisition.lines.all())
    for line in old:
        line.delete()  # each deletion audited (a draft's few lines)
    for row in rows:
        row.requisition = requisition
    created = PurchaseRequisitionLine.objects.bulk_create(rows)
    audit.record_created(created, actor=actor)
    return requisition


@atomic_with_retry
def requisition_submit(*, requisition: PurchaseRequisition, actor: User | None) -> PurchaseRequisition:
    """Draft → open: the requisition takes its number (PR-…) and its lines wait for the buyers."""
    requisition = locked(requisition)
    if requisition.status == st.RequisitionStatus.DRAFT and not requisition.lines.exists():
        raise DomainError(_("Add at least one line."), field="lines")
    return transition(requisition, st.RequisitionStatus.OPEN, actor=actor)


@atomic_with_retry
def requisition_cancel(*, requisition: PurchaseRequisition, actor: User | None, reason: str
                       ) -> PurchaseRequisition:
    """Void a draft or open requisition with a reason: its open lines are cancelled, lines already
    ordered stay with their purchase order lines."""
    requisition = locked(requisition)
    voided = void(requisition, st.RequisitionStatus.CANCELLED, actor=actor, reason=reason)
    audit.update_queryset(requisition.lines.filter(status=st.RequisitionLineStatus.OPEN), actor=actor,
                          status=st.RequisitionLineStatus.CANCELLED)
    return voided


@atomic_with_retry
def requisition_line_cancel(*, line: PurchaseRequisitionLine, actor: User | None) -> PurchaseRequisitionLine:
    """Cancel one open line of an open requisition (the requisition closes when none is left open)."""
    requisition = locked(line.requisition)
    line = PurchaseRequisitionLine.objects.select_for_update().get(pk=line.pk)
    if requisition.status != st.RequisitionStatus.OPEN:
        raise DomainError(_("Only a line of an open requisition can be cancelled (edit a draft instead)."))
    if line.status != st.RequisitionLineStatus.OPEN:
        raise DomainError(_("This line is no longer open."))
    line.status = st.RequisitionLineStatus.CANCELLED
    line.save(update_fields=["status"])
    close_done([requisition.pk], actor=actor)
    return line


def close_done(requisition_ids: Iterable[int], *, actor: User | None) -> int:
    """Close the open requisitions among ``requisition_ids`` that have no open line left (one
    conditional UPDATE whatever their number, each change audited). Returns how many closed."""
    ids = sorted(set(requisition_ids))
    if not ids:
        return 0
    done = list(PurchaseRequisition.objects.filter(pk__in=ids, status=st.RequisitionStatus.OPEN)
                .exclude(lines__status=st.RequisitionLineStatus.OPEN).only("pk", "number", "status", "company_id"))
    if not done:
        return 0
    now = timezone.now()
    closed = PurchaseRequisition.objects.filter(pk__in=[r.pk for r in done], status=st.RequisitionStatus.OPEN).update(
        status=st.RequisitionStatus.CLOSED, updated_by=actor, updated_at=now)
    ctx = audit.context(actor)
    audit.record([audit.row_entry(PurchaseRequisition, r.pk, r.number, audit.UPDATE,
                                  {"status": [st.RequisitionStatus.OPEN, st.RequisitionStatus.CLOSED]}, ctx)
                  for r in done])
    return closed


# Lines the system asks for ----------------------------------------------------------------------


@atomic_with_retry
def requisition_for_shortage(*, company: Company, warehouse: Warehouse, source: str, lines: Sequence[ShortageLine],
                             actor: User | None = None, source_event: int | None = None, notes: str = "",
                             requested_by: User | None = None) -> PurchaseRequisition | None:
    """One open requisition with a line per shortage not asked for before (``source_key`` unique):
    the same shortage delivered twice, or by two workers at once, makes one line — the second
    insert waits for the first and skips it (ON CONFLICT DO NOTHING). None when every line was
    already asked for (nothing is left behind). Used by the receivers and by MRP."""
    wanted = [line for line in lines if line.quantity_base > 0]
    if not wanted:
        return None
    keys = [line.source_key for line in wanted]
    known = set(PurchaseRequisitionLine.objects.filter(source_key__in=keys).values_list("source_key", flat=True))
    wanted = [line for line in wanted if line.source_key not in known]
    if not wanted:
        return None
    units = dict(Item.objects.filter(pk__in=[line.item_id for line in wanted]).values_list("pk", "base_unit_id"))
    requisition = PurchaseRequisition.objects.create(company=company, warehouse=warehouse, source=source,
                                                     notes=notes, created_by=actor, requested_by=requested_by)
    rows = [PurchaseRequisitionLine(
        requisition=requisition, line_no=n, item_id=line.item_id, quantity=line.quantity_base,
        unit_id=units[line.item_id], quantity_base=line.quantity_base, required_date=line.required_date,
        source=source, source_key=line.source_key, sales_order_line_id=line.sales_order_line_id,
        source_event=source_event, notes=line.notes[:300]) for n, line in enumerate(wanted, start=1)]
    PurchaseRequisitionLine.objects.bulk_create(rows, ignore_conflicts=True)
    made = list(requisition.lines.all())
    if not made:  # another worker was faster with every line
        requisition.delete()
        return None
    audit.record_created(made, actor=actor)
    return transition(requisition, st.RequisitionStatus.OPEN, actor=actor)


@atomic_with_retry
def requisition_lines_restate(*, company: Company, still_short: Mapping[str, Decimal], actor: User | None = None
                              ) -> int:
    """The shortages behind open lines got smaller (``still_short``: source key → base quantity still
    short): each line is lowered to it, or cancelled when nothing is short; never raised. Returns
    how many lines changed."""
    rows = list(PurchaseRequisitionLine.objects.select_for_update().filter(
        source_key__in=list(still_short), status=st.RequisitionLineStatus.OPEN,
        requisition__company=company).order_by("pk"))
    before = audit.snapshot(rows)
    changed = []
    for row in rows:
        short = still_short[row.source_key]
        if short <= 0:
            row.status = st.RequisitionLineStatus.CANCELLED
        elif short < row.quantity_base:
            ratio = row.quantity / row.quantity_base
            row.quantity = (short * ratio).quantize(LINE_PLACES, rounding=ROUND_CEILING)
            row.quantity_base = round_quantity(short)
        else:
            continue
        changed.append(row)
    if changed:
        PurchaseRequisitionLine.objects.bulk_update(changed, ["status", "quantity", "quantity_base"])
        audit.record_updated(changed, before, ["status", "quantity", "quantity_base"], actor=actor)
        close_done({row.requisition_id for row in changed}, actor=actor)
    return len(changed)


def on_order(item_id: int) -> Decimal:
    """Base quantity of an item already asked for or ordered: open requisition lines (draft or open
    requisitions) and what open purchase orders (drafts included) have still to bring."""
    requested = PurchaseRequisitionLine.objects.filter(
        item_id=item_id, status=st.RequisitionLineStatus.OPEN,
        requisition__status__in=(st.RequisitionStatus.DRAFT, st.RequisitionStatus.OPEN),
    ).aggregate(total=Sum("quantity_base"))["total"] or ZERO
    open_quantity = Greatest(
        ExpressionWrapper(F("quantity_base") - F("received_quantity") + F("returned_quantity"),
                          output_field=DecimalField(**QTY)), Value(ZERO))
    ordered = PurchaseOrderLine.objects.filter(item_id=item_id, order__status__in=ON_ORDER_STATUSES).aggregate(
        total=Coalesce(Sum(open_quantity), Value(ZERO), output_field=DecimalField(**QTY)))["total"]
    return Decimal(requested) + Decimal(ordered)


def reorder_quantity(item: Item, *, available: Decimal, reorder_point: Decimal) -> Decimal:
    """What the reorder scan asks for: up to the reorder point plus safety stock, less what is
    available and what is already on order (nothing when that is not above zero)."""
    return max(reorder_point + item.safety_stock - available - on_order(item.pk), ZERO)


def reorder_warehouse(item: Item) -> Warehouse | None:
    if item.default_warehouse_id and item.default_warehouse is not None and item.default_warehouse.is_active:
        return item.default_warehouse
    return Warehouse.objects.filter(company_id=item.company_id, is_active=True).order_by("pk").first()


@atomic_with_retry
def requisition_for_reorder(*, item: Item, available: Decimal, reorder_point: Decimal, event_id: int,
                            actor: User | None = None) -> PurchaseRequisition | None:
    """The reorder scan found ``item`` below its reorder point: one line for what is missing (see
    ``reorder_quantity``), keyed by the event; None when enough is on order."""
    item = Item.objects.select_related("default_warehouse", "company").get(pk=item.pk)
    quantity = round_quantity(reorder_quantity(item, available=available, reorder_point=reorder_point))
    warehouse = reorder_warehouse(item)
    if quantity <= 0 or warehouse is None:
        return None
    return requisition_for_shortage(
        company=item.company, warehouse=warehouse, source=st.RequisitionSource.REORDER, actor=actor,
        source_event=event_id, lines=[ShortageLine(item_id=item.pk, quantity_base=quantity,
                                                   source_key=f"reorder:{event_id}")])
