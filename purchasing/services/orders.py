"""Purchase orders: save a draft (prices and expected dates from the supplier's terms), submit it to
the approval engine, record the engine's outcome, send it to the supplier, revise it after approval,
re-date its lines, cancel or short-close it.

Approval is office's (type ``purchasing.order``, purchasing.approvals): an order no rule matches is
approved when submitted. Changing an approved order is a revision: ``order_revise`` keeps the order
as it was (PurchaseOrderRevision), counts the revision and takes the order back to draft; it is
edited and approved again, its received quantities kept. Approval and a new expected date move the
promised dates of the sales order lines the order serves (purchasing.services.feedback).

Receipts and supplier invoices (other modules) change the received and invoiced quantities and move
an order to partially received or received.
"""

from __future__ import annotations

import datetime
import logging
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any, TypedDict, Unpack

from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.html import strip_tags
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from erp import audit
from erp.db import atomic_with_retry
from erp.documents import transition, void, void_reason
from erp.errors import DomainError, IllegalTransition, ImmutableDocument
from erp.models import Company, User
from erp.money import format_quantity
from inventory.models import Item, UnitOfMeasure, Warehouse
from inventory.units import to_base
from office.errors import NoApprovalRule
from office.models import ApprovalRequest
from office.services.approvals import approval_cancel, approval_submit
from office.status import ApprovalStatus
from purchasing import status as st
from purchasing.approvals import ORDER_APPROVAL
from purchasing.models import PurchaseOrder, PurchaseOrderLine, PurchaseOrderRevision, PurchaseRequisitionLine, Supplier
from purchasing.scoping import can_buy_from
from purchasing.selectors.pricing import (
    lead_time_days,
    price_for,
    price_rows,
    purchasing_settings,
    supplier_items_of,
)
from purchasing.services.feedback import repromise_pegged_sales_lines
from purchasing.services.totals import document_totals, line_amount
from sales.models import PaymentTerm, TaxCode
from sales.services.lines import default_tax_code

logger = logging.getLogger(__name__)
ZERO = Decimal("0")
NEGATIVE_PRICE = gettext_noop("The price must not be negative.")
# History notes (audit entries under the registered key "approval", PurchasingConfig.ready).
APPROVED_AT_ONCE = gettext_noop("No approval rule applies: approved when submitted.")
# Why a pending approval request is withdrawn (message keys the trail shows in the reader's language).
REQUEST_WITHDRAWN_REVISED = gettext_noop("The order is being revised: it will be submitted again.")
REQUEST_WITHDRAWN_CANCELLED = gettext_noop("The order was cancelled.")


class OrderHeader(TypedDict, total=False):
    """The header fields ``order_save`` takes."""

    supplier: Supplier | None
    warehouse: Warehouse | None
    buyer: User | None
    payment_term: PaymentTerm | None
    tax_code: TaxCode | None
    currency: str
    supplier_reference: str
    notes: str
    document_date: datetime.date


class OrderLineInput(TypedDict, total=False):
    """A line as a form or the API gives it: ``id`` names a line of the order being changed (a
    revision keeps its received quantities); a blank unit price takes the supplier's price, a blank
    expected date the order date plus the lead time."""

    id: int | None
    item: Item | None
    description: str | None
    supplier_part_number: str | None
    quantity: Decimal | int | str | None
    unit: UnitOfMeasure | None
    unit_price: Decimal | int | str | None
    expected_date: datetime.date | None


HEADER_FIELDS = tuple(OrderHeader.__annotations__)


def lock_order(order: PurchaseOrder) -> PurchaseOrder:
    return (PurchaseOrder.objects.select_for_update(of=("self",))
            .select_related("company", "supplier", "warehouse", "buyer").get(pk=order.pk))


def check_supplier(company: Company, supplier: Supplier | None, actor: User | None) -> Supplier:
    if supplier is None:
        raise DomainError(_("Choose a supplier."), field="supplier")
    if supplier.company_id != company.pk:
        raise DomainError(_("This supplier belongs to another company."), field="supplier")
    if not supplier.is_active:
        raise DomainError(_("Supplier %(supplier)s is inactive.") % {"supplier": supplier.code}, field="supplier")
    if not can_buy_from(actor, supplier):
        raise DomainError(_("You do not buy from supplier %(supplier)s.") % {"supplier": supplier.code},
                          field="supplier")
    return supplier


def check_can_work_on(order: PurchaseOrder, actor: User | None) -> None:
    if not can_buy_from(actor, order.supplier):
        raise DomainError(_("You do not buy from supplier %(supplier)s.") % {"supplier": order.supplier.code})


def refuse(n: int, message: str, field: str = "lines") -> DomainError:
    return DomainError(_("Line %(n)s: ") % {"n": n} + message, field=field)


# Saving a draft -------------------------------------------------------------------------------


@atomic_with_retry
def order_save(*, company: Company, actor: User | None, lines: Sequence[OrderLineInput],
               order: PurchaseOrder | None = None, **header: Unpack[OrderHeader]) -> PurchaseOrder:
    """Create or change a draft order with its lines. A line with the ``id`` of one of the order's
    lines changes it, one without is added, and the order's lines not named are removed (a revised
    order keeps what was received: a received line stays and keeps at least its received quantity).
    Requisition lines consolidated into a removed line are open again. Only a draft changes."""
    unknown = set(header) - set(HEADER_FIELDS)
    if unknown:
        raise DomainError(_("Unknown fields: %(fields)s") % {"fields": ", ".join(sorted(unknown))})
    if order is not None:
        order = lock_order(order)
        if order.company_id != company.pk:
            raise DomainError(_("That order belongs to another company."))
        if order.status != st.OrderStatus.DRAFT:
            raise ImmutableDocument()
        check_can_work_on(order, actor)
    else:
        order = PurchaseOrder(company=company, created_by=actor)
    supplier = check_supplier(company, header.get("supplier", order.supplier if order.supplier_id else None), actor)
    supplier_changed = order.supplier_id != supplier.pk
    for name, value in header.items():
        setattr(order, name, value)
    order.supplier = supplier
    fill_from_supplier(order, supplier, actor, supplier_changed=supplier_changed)
    check_header(order, company)
    existing = {line.pk: line for line in order.lines.all()} if order.pk else {}
    checked = checked_lines(order, lines, existing)
    order.net_amount, order.tax_amount, order.total_amount = document_totals(
        (line.net_amount, line.tax_rate) for line in checked)
    dates = [line.expected_date for line in checked if line.expected_date is not None]
    order.expected_date = max(dates) if dates else None
    order.updated_by = actor
    order.full_clean(exclude=["number", "status"])
    order.save()
    save_lines(order, checked, existing, actor)
    return order


def fill_from_supplier(order: PurchaseOrder, supplier: Supplier, actor: User | None, *,
                       supplier_changed: bool) -> None:
    """Defaults a new order (or one given another supplier) takes from its supplier."""
    if supplier_changed or not order.pk:
        if not order.payment_term_id:
            order.payment_term = supplier.payment_term
        if not order.tax_code_id:
            order.tax_code = supplier.tax_code or default_tax_code(order.company)
        order.currency = supplier.currency or order.currency
    if not order.buyer_id:
        order.buyer = supplier.buyer or actor
    if not order.warehouse_id:
        first = Warehouse.objects.filter(company=order.company, is_active=True).order_by("code").first()
        if first is not None:  # none: check_header names the missing warehouse
            order.warehouse = first


def check_header(order: PurchaseOrder, company: Company) -> None:
    if order.warehouse is None:
        raise DomainError(_("Create a warehouse first: an order is delivered to one."), field="warehouse")
    if order.warehouse.company_id != company.pk:
        raise DomainError(_("The warehouse belongs to another company."), field="warehouse")
    if order.buyer is not None and order.buyer.company_id != company.pk:
        raise DomainError(_("The buyer works for another company."), field="buyer")
    for name in ("payment_term", "tax_code"):
        value = getattr(order, name)
        if value is not None and value.company_id != company.pk:
            raise DomainError(_("This belongs to another company."), field=name)


def checked_lines(order: PurchaseOrder, lines: Sequence[OrderLineInput],
                  existing: Mapping[int, PurchaseOrderLine]) -> list[PurchaseOrderLine]:
    """``lines`` checked and completed (base quantity, supplier price, expected date, tax rate,
    amount) as unsaved PurchaseOrderLine objects (an existing line's object when ``id`` names it).
    Raises a DomainError naming the line; nothing is written."""
    if not lines:
        raise DomainError(_("Add at least one line."), field="lines")
    company, supplier = order.company, order.supplier
    on_date = order.document_date or timezone.localdate()
    items = [line.get("item") for line in lines]
    item_ids = [item.pk for item in items if item is not None]
    factors: dict[int, dict[int, Decimal]] = {}
    from inventory.selectors import unit_factors
    factors = unit_factors(item_ids)
    offers = supplier_items_of(supplier, item_ids, on_date)
    prices = price_rows(offers.values(), on_date)
    settings = purchasing_settings(company)
    tax_rate = order.tax_code.rate if order.tax_code is not None else ZERO
    checked: list[PurchaseOrderLine] = []
    seen: set[int] = set()
    for n, line in enumerate(lines, start=1):
        item, quantity = line.get("item"), line.get("quantity")
        if item is None:
            raise refuse(n, _("choose an item."))
        if item.company_id != company.pk:
            raise refuse(n, _("the item belongs to another company."))
        if quantity is None or quantity == "" or Decimal(quantity) <= 0:
            raise refuse(n, _("the quantity must be greater than zero."))
        quantity = Decimal(quantity)
        unit = line.get("unit") or item.base_unit
        item_factors = factors.get(item.pk, {})
        quantity_base = to_base(item, quantity, unit, item_factors)
        if quantity_base is None:
            raise refuse(n, _("%(item)s is not counted in %(unit)s: choose one of its units.")
                         % {"item": item.code, "unit": unit.code})
        line_id = line.get("id")
        row = existing.get(line_id) if line_id else None
        if line_id and row is None:
            raise refuse(n, _("this line is not one of the order's lines."))
        if row is not None:
            if row.pk in seen:
                raise refuse(n, _("the line is given twice."))
            seen.add(row.pk)
        if row is None and not item.is_active:
            raise refuse(n, _("%(item)s is inactive and cannot be bought.") % {"item": item.code})
        if row is not None and row.received_quantity > 0 and row.item_id != item.pk:
            raise refuse(n, _("goods were received on this line: its item cannot change."))
        if row is not None and quantity_base < row.net_received:
            raise refuse(n, _("the quantity may not be less than what was received (%(received)s).")
                         % {"received": format_quantity(row.net_received)}, field="lines")
        offer = offers.get(item.pk)
        unit_price = line.get("unit_price")
        if unit_price is None or unit_price == "":
            unit_price = offered_price(offer, prices, quantity_base, unit, item, item_factors)
            if unit_price is None:
                raise refuse(n, _("%(supplier)s has no price for %(item)s: enter a unit price.")
                             % {"supplier": supplier.code, "item": item.code})
        unit_price = Decimal(unit_price)
        if unit_price < 0:
            raise refuse(n, _(NEGATIVE_PRICE))
        expected = line.get("expected_date") or on_date + datetime.timedelta(
            days=lead_time_days(offer, supplier, settings))
        if expected < on_date:
            raise refuse(n, _("the expected date is before the order date."))
        row = row or PurchaseOrderLine(order=order)
        row.line_no, row.item, row.unit, row.quantity, row.quantity_base = n, item, unit, quantity, quantity_base
        row.description = (line.get("description") or "")[:300]
        row.supplier_part_number = (line.get("supplier_part_number")
                                    or (offer.supplier_part_number if offer is not None else ""))[:100]
        row.unit_price, row.tax_rate, row.expected_date = unit_price, tax_rate, expected
        row.net_amount = line_amount(quantity, unit_price)
        checked.append(row)
    for gone in set(existing) - seen:
        removed = existing[gone]
        if removed.received_quantity > 0 or removed.invoiced_quantity > 0:
            raise DomainError(_("Line %(n)s (%(item)s) was received: it cannot be removed.")
                              % {"n": removed.line_no, "item": removed.item.code}, field="lines")
    return checked


def offered_price(offer: Any, prices: Mapping[int, list[Any]], quantity_base: Decimal, unit: UnitOfMeasure,
                  item: Item, factors: Mapping[int, Decimal]) -> Decimal | None:
    """The supplier's price of ``quantity_base`` per ``unit`` (its list is per the supplier item's unit)."""
    if offer is None:
        return None

    def factor(unit_id: int) -> Decimal | None:
        return Decimal("1") if unit_id == item.base_unit_id else factors.get(unit_id)

    offer_factor, line_factor = factor(offer.unit_id), factor(unit.pk)
    if offer_factor is None or line_factor is None:
        return None
    price = price_for(prices.get(offer.pk, []), quantity_base / offer_factor)
    if price is None:
        return None
    return (price * line_factor / offer_factor).quantize(Decimal("0.0001"))


def save_lines(order: PurchaseOrder, checked: list[PurchaseOrderLine], existing: Mapping[int, PurchaseOrderLine],
               actor: User | None) -> None:
    kept = {line.pk for line in checked if line.pk}
    gone = [pk for pk in existing if pk not in kept]
    if gone:
        reopen_requisition_lines(PurchaseRequisitionLine.objects.filter(order_line_id__in=gone), actor)
        PurchaseOrderLine.objects.filter(pk__in=gone).delete()
    # Line numbers are not unique in the table: renumbering in place needs no shuffling.
    for line in checked:
        if line.pk:
            before = audit.snapshot([existing[line.pk]])
            line.full_clean(exclude=["order"])
            line.save()
            audit.record_updated([line], before, ["quantity", "unit_price", "expected_date", "item"], actor=actor)
        else:
            line.order = order
            line.full_clean(exclude=["order"])
            line.save()


def reopen_requisition_lines(rows: Any, actor: User | None) -> int:
    """Requisition lines whose order line is gone or cancelled are open again (the need is not lost)."""
    return audit.update_queryset(rows.select_for_update().order_by("pk"), actor=actor,
                                 status=st.RequisitionLineStatus.OPEN, order_line=None)


@atomic_with_retry
def order_delete_draft(*, order: PurchaseOrder, actor: User | None) -> None:
    """Delete a draft never submitted (no number); its requisition lines are open again."""
    order = lock_order(order)
    check_can_work_on(order, actor)
    if order.status != st.OrderStatus.DRAFT or order.number:
        raise ImmutableDocument()
    reopen_requisition_lines(PurchaseRequisitionLine.objects.filter(order_line__order=order), actor)
    order.lines.all().delete()
    order.delete()


# Submit and approval ----------------------------------------------------------------------------


@atomic_with_retry
def order_submit(*, order: PurchaseOrder, actor: User | None) -> PurchaseOrder:
    """Submit a draft: it takes its number (PO-…) and goes to the approval engine under the company's
    rules for ``purchasing.order``. When no rule applies it is approved at once (the history says
    so). Refused, writing nothing, when a rule's step has nobody to approve."""
    order = lock_order(order)
    check_can_work_on(order, actor)
    if order.status != st.OrderStatus.DRAFT:
        raise IllegalTransition(_("Only a draft order is submitted."))
    lines = list(order.lines.select_related("item"))
    if not lines:
        raise DomainError(_("Add at least one line."), field="lines")
    check_supplier(order.company, order.supplier, actor)
    transition(order, st.OrderStatus.AWAITING_APPROVAL, actor=actor)
    try:
        approval_submit(document=order, type_key=ORDER_APPROVAL, actor=actor)
    except NoApprovalRule:
        approve(order, actor, note=APPROVED_AT_ONCE)
    return order


def approve(order: PurchaseOrder, actor: User | None, *, note: str = "") -> PurchaseOrder:
    """The order (awaiting approval) is approved: partially received if a revision had receipts."""
    lines = list(order.lines.all())
    target = st.OrderStatus.APPROVED
    if any(line.received_quantity > 0 for line in lines):
        done = all(line.net_received >= line.quantity_base for line in lines)
        target = st.OrderStatus.RECEIVED if done else st.OrderStatus.PARTIAL
    transition(order, target, actor=actor, extra_fields={"approved_at": timezone.now()})
    if note:
        audit.record([audit.entry(order, audit.UPDATE, {"approval": ["", note]}, audit.context(actor))])
    repromise_pegged_sales_lines(order_lines=lines, actor=actor)
    return order


def order_record_decision(*, order_id: int, request: ApprovalRequest, outcome: str,
                          actor: User | None) -> PurchaseOrder | None:
    """The approval engine's final outcome of an order's request (``office.approval_decided``, in the
    deciding transaction): approved → approved (partially received when a revision had receipts);
    rejected or returned → back to draft, the comment shown on the order's page."""
    if request.type_key != ORDER_APPROVAL:
        return None
    order = lock_order(PurchaseOrder(pk=order_id))
    if order.status != st.OrderStatus.AWAITING_APPROVAL:
        return None
    if outcome == ApprovalStatus.APPROVED:
        return approve(order, actor)
    if outcome in (ApprovalStatus.REJECTED, ApprovalStatus.RETURNED):
        return transition(order, st.OrderStatus.DRAFT, actor=actor)
    return None


# Send -----------------------------------------------------------------------------------------


@atomic_with_retry
def order_send(*, order: PurchaseOrder, actor: User | None, by_email: bool = True) -> PurchaseOrder:
    """An approved order goes to the supplier: e-mailed (the print page as HTML) to the supplier's
    address after commit, and marked sent. ``by_email`` False marks it sent (given by other means)."""
    order = lock_order(order)
    check_can_work_on(order, actor)
    if order.status != st.OrderStatus.APPROVED:
        raise IllegalTransition(_("Only an approved order is sent."))
    address = order.supplier.email
    if by_email and not address:
        raise DomainError(_("Supplier %(supplier)s has no e-mail address: add one, or mark the order as sent.")
                          % {"supplier": order.supplier.code})
    transition(order, st.OrderStatus.SENT, actor=actor, extra_fields={"sent_at": timezone.now()})
    if by_email:
        audit.record([audit.entry(order, audit.UPDATE, {"sent_to": ["", address]}, audit.context(actor))])
        order_pk = order.pk
        transaction.on_commit(lambda: mail_order(order_pk, address))
    return order


def order_mail_body(order: PurchaseOrder) -> str:
    """The order as the supplier reads it (HTML: header, lines, totals)."""
    lines = order.lines.select_related("item", "unit").order_by("line_no", "pk")
    return render_to_string("purchasing/orders/mail.html", {"order": order, "lines": lines, "company": order.company})


def mail_order(order_pk: int, address: str) -> None:
    """Send the order to ``address`` (after commit; a mail failure is logged, the order stays sent)."""
    from django.conf import settings

    order = PurchaseOrder.objects.select_related("company", "supplier").get(pk=order_pk)
    with translation.override(settings.LANGUAGE_CODE):
        html = order_mail_body(order)
        subject = _("Purchase order %(order)s from %(company)s") % {"order": order.reference,
                                                                    "company": order.company.name}
    message = EmailMultiAlternatives(subject, strip_tags(html), settings.DEFAULT_FROM_EMAIL, [address])
    message.attach_alternative(html, "text/html")
    try:
        message.send()
    except Exception:  # the order is sent as far as we are concerned; the log says the mail failed
        logger.exception("purchase order %s: the mail to %s failed", order.reference, address)


# Revise and re-date ----------------------------------------------------------------------------


def snapshot_of(order: PurchaseOrder) -> dict[str, Any]:
    """The order's header and lines as JSON (decimals and dates as text)."""
    def text(value: Any) -> Any:
        if value is None:
            return None
        if isinstance(value, (Decimal, datetime.date, datetime.datetime)):
            return value.isoformat() if not isinstance(value, Decimal) else str(value)
        return value

    lines = order.lines.select_related("item", "unit").order_by("line_no", "pk")
    return {
        "number": order.number, "revision": order.revision, "status": order.status,
        "supplier": order.supplier.code, "supplier_name": order.supplier.name,
        "buyer": order.buyer.username if order.buyer is not None else None,
        "warehouse": order.warehouse.code, "currency": order.currency,
        "payment_term": order.payment_term.code if order.payment_term is not None else None,
        "tax_code": order.tax_code.code if order.tax_code is not None else None,
        "supplier_reference": order.supplier_reference, "notes": order.notes,
        "document_date": text(order.document_date), "expected_date": text(order.expected_date),
        "net_amount": text(order.net_amount), "tax_amount": text(order.tax_amount),
        "total_amount": text(order.total_amount), "approved_at": text(order.approved_at),
        "lines": [{
            "id": line.pk, "line_no": line.line_no, "item": line.item.code, "item_name": line.item.name,
            "description": line.description, "quantity": text(line.quantity), "unit": line.unit.code,
            "quantity_base": text(line.quantity_base), "unit_price": text(line.unit_price),
            "tax_rate": text(line.tax_rate), "net_amount": text(line.net_amount),
            "expected_date": text(line.expected_date), "received_quantity": text(line.received_quantity),
        } for line in lines],
    }


@atomic_with_retry
def order_revise(*, order: PurchaseOrder, reason: str, actor: User | None) -> PurchaseOrderRevision:
    """Change an order after approval (or while awaiting it): the order as it is now is kept as
    revision N, the order counts revision N+1 and is a draft again (a pending approval request is
    withdrawn); the buyer edits it and submits it, and it is approved again."""
    text = void_reason(reason)
    order = lock_order(order)
    check_can_work_on(order, actor)
    if order.status not in st.REVISABLE_ORDER_STATUSES:
        raise IllegalTransition(_("%(order)s cannot be revised now.") % {"order": order.reference})
    if order.status == st.OrderStatus.AWAITING_APPROVAL:
        approval_cancel(document=order, type_key=ORDER_APPROVAL, actor=actor, reason=REQUEST_WITHDRAWN_REVISED)
    revision = PurchaseOrderRevision.objects.create(order=order, revision=order.revision, snapshot=snapshot_of(order),
                                                    reason=text, created_by=actor)
    transition(order, st.OrderStatus.DRAFT, actor=actor, extra_fields={"revision": order.revision + 1})
    return revision


@atomic_with_retry
def order_redate(*, order: PurchaseOrder, dates: Mapping[int, datetime.date], actor: User | None) -> PurchaseOrder:
    """New expected dates for lines of an approved order ({line id: date}, the supplier's confirmation):
    no new approval; the sales order lines it serves are promised again."""
    order = lock_order(order)
    check_can_work_on(order, actor)
    if order.status not in st.RECEIVABLE_ORDER_STATUSES:
        raise IllegalTransition(_("Only an approved order is re-dated: revise a draft's lines instead."))
    lines = {line.pk: line for line in order.lines.select_for_update().order_by("pk")}
    changed = []
    for pk, date in dates.items():
        line = lines.get(int(pk))
        if line is None:
            raise DomainError(_("That line is not one of the order's lines."), field="lines")
        if date is None or date < order.document_date:
            raise DomainError(_("Line %(n)s: the expected date is before the order date.") % {"n": line.line_no},
                              field="lines")
        if line.expected_date != date:
            before = audit.snapshot([line])
            line.expected_date = date
            line.save(update_fields=["expected_date"])
            audit.record_updated([line], before, ["expected_date"], actor=actor)
            changed.append(line)
    if changed:
        latest = max(line.expected_date for line in lines.values() if line.expected_date is not None)
        PurchaseOrder.objects.filter(pk=order.pk).update(expected_date=latest)
        order.expected_date = latest
        repromise_pegged_sales_lines(order_lines=changed, actor=actor)
    return order


# Cancel and close -------------------------------------------------------------------------------


@atomic_with_retry
def order_cancel(*, order: PurchaseOrder, reason: str, actor: User | None) -> PurchaseOrder:
    """Void an order nothing was received on: a pending approval request is withdrawn and the
    requisition lines it was made from are open again (the shortage is still to buy)."""
    text = void_reason(reason)
    order = lock_order(order)
    check_can_work_on(order, actor)
    if order.status == st.OrderStatus.CANCELLED:
        raise IllegalTransition(_("%(order)s is already cancelled.") % {"order": order.reference})
    if order.lines.filter(received_quantity__gt=0).exists():
        raise IllegalTransition(_("Goods were received on %(order)s: close it instead of cancelling it.")
                                % {"order": order.reference})
    approval_cancel(document=order, type_key=ORDER_APPROVAL, actor=actor, reason=REQUEST_WITHDRAWN_CANCELLED)
    void(order, st.OrderStatus.CANCELLED, actor=actor, reason=text)
    reopen_requisition_lines(PurchaseRequisitionLine.objects.filter(order_line__order=order), actor)
    return order


@atomic_with_retry
def order_close(*, order: PurchaseOrder, actor: User | None, reason: str = "") -> PurchaseOrder:
    """Short-close a partially received (or received) order: what was not received is no longer
    expected."""
    order = lock_order(order)
    check_can_work_on(order, actor)
    if order.status not in (st.OrderStatus.PARTIAL, st.OrderStatus.RECEIVED):
        raise IllegalTransition(_("Only an order with receipts is closed: cancel it instead."))
    extra = {"void_reason": " ".join(reason.split())[:300]} if reason and reason.strip() else None
    return transition(order, st.OrderStatus.CLOSED, actor=actor, extra_fields=extra)


__all__ = [
    "NEGATIVE_PRICE", "OrderHeader", "OrderLineInput", "order_cancel", "order_close", "order_delete_draft",
    "order_record_decision", "order_redate", "order_revise", "order_save", "order_send", "order_submit",
    "snapshot_of",
]
