"""Supplier invoices with the three-way match: per line, the order's price × the invoiced quantity
(which may not exceed what was received, less returned, less already invoiced) against what the
supplier bills. A line differing by more than the company's tolerance (PurchasingSettings: the larger
of an amount and a percentage of the expected amount) is a mismatch: posting is refused until a
Purchasing manager accepts the difference with a reason. Posting counts the quantities as invoiced on
the order lines (under row locks, so two invoices cannot both bill the last received units) and
announces ``purchasing.invoice_posted`` for finance's payables.

A posted invoice is never voided here: finance corrects it with a credit or debit note.
"""

from __future__ import annotations

import calendar
import datetime
from collections import defaultdict
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import NoReturn, TypedDict

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from erp import audit
from erp.db import atomic_with_retry
from erp.documents import check_transition, transition, void, void_reason
from erp.errors import DomainError, IllegalTransition, ImmutableDocument
from erp.events import publish
from erp.models import Company, User
from erp.money import Number, format_quantity, round_money, round_quantity
from purchasing import signals
from purchasing import status as st
from purchasing.models import PurchaseOrder, PurchaseOrderLine, Supplier, SupplierInvoice, SupplierInvoiceLine
from purchasing.scoping import ACCEPT_MISMATCH, can_buy_from
from purchasing.selectors.pricing import purchasing_settings
from purchasing.services.totals import document_totals, line_amount

ZERO = Decimal("0")
HUNDRED = Decimal("100")
CENT = Decimal("0.01")
# Orders an invoice may bill: approved and not cancelled (goods may have arrived on any of them).
INVOICEABLE_ORDER_STATUSES = (st.OrderStatus.APPROVED, st.OrderStatus.SENT, st.OrderStatus.PARTIAL,
                              st.OrderStatus.RECEIVED, st.OrderStatus.CLOSED)
UNIQUE_NUMBER_CONSTRAINT = "supplier_invoice_number_once"


class InvalidInvoiceLine(DomainError):
    http_status = 400


class MismatchNotAccepted(DomainError):
    """Posting an invoice whose match found a difference beyond the tolerance nobody accepted."""

    http_status = 409
    default_message = gettext_lazy("The invoice does not match the order and receipts: a Purchasing manager must "
                                   "accept the difference first.")


class AcceptanceRefused(DomainError):
    """Accepting a mismatch without ``purchasing.accept_invoice_mismatch``."""

    http_status = 403
    default_message = gettext_lazy("Only a Purchasing manager may accept an invoice that does not match.")


class PostedInvoiceNotVoided(IllegalTransition):
    default_message = gettext_lazy("A posted invoice cannot be voided: finance corrects it with a credit or "
                                   "debit note.")


class InvoiceLineInput(TypedDict, total=False):
    """An invoice line as a form or the API gives it."""

    order_line: PurchaseOrderLine | None
    quantity: Number | None
    unit_price: Number | None
    tax_rate: Number | None


class CheckedInvoiceLine(TypedDict):
    order_line: PurchaseOrderLine
    item_id: int
    quantity: Decimal
    quantity_base: Decimal
    unit_price: Decimal
    tax_rate: Decimal
    net_amount: Decimal


def refuse(n: int, message: str) -> NoReturn:
    raise InvalidInvoiceLine(_("Line %(n)s: ") % {"n": n} + message, field="lines")


def due_date_for(supplier: Supplier, invoice_date: datetime.date) -> datetime.date | None:
    """The supplier's payment term from the invoice date: net days, or days after the end of the
    invoice's month (月結); None without a term."""
    term = supplier.payment_term
    if term is None:
        return None
    start = invoice_date
    if term.end_of_month:
        start = invoice_date.replace(day=calendar.monthrange(invoice_date.year, invoice_date.month)[1])
    return start + datetime.timedelta(days=term.days)


def base_quantity(order_line: PurchaseOrderLine, quantity: Decimal) -> Decimal:
    """``quantity`` in the order line's unit, in the item's base unit (the order line's own factor)."""
    return round_quantity(quantity * order_line.quantity_base / order_line.quantity)


def check_supplier(company: Company, actor: User | None, supplier: Supplier | None) -> Supplier:
    # Another company's supplier or one out of the buyer's scope is answered like a missing one.
    if supplier is None or supplier.company_id != company.pk or not can_buy_from(actor, supplier):
        raise DomainError(_("Choose a supplier of this company that you buy from."), field="supplier")
    return supplier


def left_to_invoice(order_line: PurchaseOrderLine) -> Decimal:
    """Base-unit quantity received, kept and not yet on a posted invoice."""
    return order_line.net_received - order_line.invoiced_quantity


def over_invoiced_message(n: int, order_line: PurchaseOrderLine, wanted: Decimal) -> str:
    unit = order_line.item.base_unit
    return _("Line %(n)s: invoicing %(qty)s %(unit)s of %(item)s but only %(left)s received and not yet "
             "invoiced.") % {"n": n, "qty": format_quantity(wanted, unit), "unit": unit.code,
                             "item": order_line.item.code,
                             "left": format_quantity(max(left_to_invoice(order_line), ZERO), unit)}


def check_received(lines: Sequence[tuple[PurchaseOrderLine, Decimal]]) -> None:
    """Refuse (on the line) invoicing more than received less returned less invoiced by posted invoices;
    ``lines``: (order line as read, base quantity) in the invoice's order."""
    wanted: defaultdict[int, Decimal] = defaultdict(lambda: ZERO)
    for n, (order_line, base) in enumerate(lines, start=1):
        wanted[order_line.pk] += base
        if wanted[order_line.pk] > left_to_invoice(order_line):
            raise InvalidInvoiceLine(over_invoiced_message(n, order_line, wanted[order_line.pk]), field="lines")


def checked_lines(supplier: Supplier, lines: Iterable[InvoiceLineInput]) -> list[CheckedInvoiceLine]:
    given = list(lines)
    ids = [line.pk for fields in given if (line := fields.get("order_line")) is not None]
    order_lines = {line.pk: line for line in PurchaseOrderLine.objects.filter(
        pk__in=ids, order__supplier=supplier, order__status__in=INVOICEABLE_ORDER_STATUSES,
    ).select_related("order", "item", "item__base_unit", "unit")}
    checked: list[CheckedInvoiceLine] = []
    for n, fields in enumerate(given, start=1):
        chosen = fields.get("order_line")
        if chosen is None or chosen.pk not in order_lines:
            refuse(n, _("choose a line of an approved purchase order of supplier %(supplier)s.")
                   % {"supplier": supplier.code})
        order_line = order_lines[chosen.pk]
        quantity = fields.get("quantity")
        if quantity is None or Decimal(quantity) <= 0:
            refuse(n, _("the quantity must be greater than zero."))
        price = fields.get("unit_price")
        if price is None:
            price = order_line.unit_price
        if Decimal(price) < 0:
            refuse(n, _("The price must not be negative."))
        rate = fields.get("tax_rate")
        rate = order_line.tax_rate if rate is None else Decimal(rate)
        if rate < 0:
            refuse(n, _("the tax rate must not be negative."))
        quantity, price = Decimal(quantity), Decimal(price)
        checked.append({"order_line": order_line, "item_id": order_line.item_id, "quantity": quantity,
                        "quantity_base": base_quantity(order_line, quantity), "unit_price": price,
                        "tax_rate": Decimal(rate), "net_amount": line_amount(quantity, price)})
    if not checked:
        raise InvalidInvoiceLine(_("Add at least one line."), field="lines")
    check_received([(line["order_line"], line["quantity_base"]) for line in checked])
    return checked


def tax_of(checked: Sequence[CheckedInvoiceLine], entered: Number | None) -> Decimal:
    """The document's tax: the supplier's figure when given, if it differs from ours only by rounding
    (a cent per line), else ours."""
    _net, computed, _total = document_totals([(line["net_amount"], line["tax_rate"]) for line in checked])
    if entered is None or entered == "":
        return computed
    entered = round_money(Decimal(entered))
    if entered < 0:
        raise DomainError(_("The tax must not be negative."), field="tax_amount")
    if abs(entered - computed) > CENT * len(checked):
        raise DomainError(_("The tax differs from %(computed)s by more than rounding: check the supplier's figure.")
                          % {"computed": computed}, field="tax_amount")
    return entered


def duplicate_message(supplier: Supplier, number: str, existing: SupplierInvoice | None) -> str:
    return _("Invoice %(number)s of %(supplier)s is already entered as %(invoice)s.") % {
        "number": number, "supplier": supplier.code, "invoice": existing.reference if existing else "?"}


def existing_invoice(supplier: Supplier, number: str, exclude: int | None) -> SupplierInvoice | None:
    rows = SupplierInvoice.objects.filter(supplier=supplier, supplier_invoice_number=number).exclude(
        status=st.InvoiceStatus.CANCELLED)
    if exclude is not None:
        rows = rows.exclude(pk=exclude)
    return rows.order_by("pk").first()


@atomic_with_retry
def invoice_save(*, company: Company, actor: User | None, supplier: Supplier | None, supplier_invoice_number: str,
                 lines: Iterable[InvoiceLineInput], invoice: SupplierInvoice | None = None,
                 document_date: datetime.date | None = None, due_date: datetime.date | None = None,
                 tax_amount: Number | None = None, notes: str = "") -> SupplierInvoice:
    """Save a draft invoice with its lines; the match goes back to "not checked" (an accepted
    difference is dropped: the invoice changed)."""
    supplier = check_supplier(company, actor, supplier)
    number = " ".join((supplier_invoice_number or "").split())
    if not number:
        raise DomainError(_("Enter the supplier's invoice number."), field="supplier_invoice_number")
    if invoice is None:
        invoice = SupplierInvoice(company=company, created_by=actor)
    else:
        invoice = SupplierInvoice.objects.select_for_update().get(pk=invoice.pk, company=company)
        if not invoice.is_editable:
            raise ImmutableDocument()
        check_supplier(company, actor, invoice.supplier)
    if (existing := existing_invoice(supplier, number, invoice.pk)) is not None:
        raise DomainError(duplicate_message(supplier, number, existing), field="supplier_invoice_number")
    checked = checked_lines(supplier, lines)
    invoice.supplier = supplier
    invoice.supplier_invoice_number = number
    invoice.currency = supplier.currency
    if document_date:
        invoice.document_date = document_date
    invoice.due_date = due_date or due_date_for(supplier, invoice.document_date)
    invoice.notes = notes or ""
    net, _tax, _total = document_totals([(line["net_amount"], line["tax_rate"]) for line in checked])
    invoice.net_amount = net
    invoice.tax_amount = tax_of(checked, tax_amount)
    invoice.total_amount = net + invoice.tax_amount
    invoice.match_status = st.MatchStatus.UNCHECKED
    invoice.match_accepted_by = None
    invoice.match_accepted_at = None
    invoice.match_accepted_reason = ""
    invoice.updated_by = actor
    try:
        with transaction.atomic():
            invoice.save()
    except IntegrityError as exc:  # entered at the same moment by someone else: the constraint's backstop
        if UNIQUE_NUMBER_CONSTRAINT not in str(exc):
            raise
        raise DomainError(duplicate_message(supplier, number, existing_invoice(supplier, number, invoice.pk)),
                          field="supplier_invoice_number") from exc
    tolerance = Tolerance.of(company)
    SupplierInvoiceLine.objects.filter(invoice=invoice).delete()
    rows = []
    for line in checked:
        expected, variance, within = tolerance.match(line["order_line"], line["quantity"], line["net_amount"])
        rows.append(SupplierInvoiceLine(
            invoice=invoice, order_line=line["order_line"], item_id=line["item_id"], quantity=line["quantity"],
            quantity_base=line["quantity_base"], unit_price=line["unit_price"], tax_rate=line["tax_rate"],
            net_amount=line["net_amount"], expected_amount=expected, variance=variance, within_tolerance=within))
    audit.record_created(SupplierInvoiceLine.objects.bulk_create(rows), actor=actor)
    return invoice


@atomic_with_retry
def invoice_create_from_order(*, order: PurchaseOrder, actor: User | None, supplier_invoice_number: str,
                              document_date: datetime.date | None = None,
                              due_date: datetime.date | None = None) -> SupplierInvoice:
    """A draft invoice of what the order has received, kept and not yet invoiced, at the order's prices."""
    lines: list[InvoiceLineInput] = []
    for order_line in order.lines.select_related("item").order_by("line_no", "pk"):
        left = left_to_invoice(order_line)
        if left > 0:
            quantity = round_quantity(left * order_line.quantity / order_line.quantity_base)
            lines.append({"order_line": order_line, "quantity": quantity, "unit_price": order_line.unit_price,
                          "tax_rate": order_line.tax_rate})
    if not lines:
        raise DomainError(_("Nothing received on %(order)s is waiting to be invoiced.") % {"order": order.reference})
    return invoice_save(company=order.company, actor=actor, supplier=order.supplier,
                        supplier_invoice_number=supplier_invoice_number, lines=lines, document_date=document_date,
                        due_date=due_date)


class Tolerance:
    """The company's match tolerance: a line matches when |variance| ≤ max(amount, expected × % / 100)."""

    def __init__(self, amount: Decimal, percent: Decimal) -> None:
        self.amount, self.percent = amount, percent

    @classmethod
    def of(cls, company: Company) -> Tolerance:
        settings = purchasing_settings(company)
        return cls(settings.invoice_tolerance_amount, settings.invoice_tolerance_percent)

    def match(self, order_line: PurchaseOrderLine, quantity: Decimal, net: Decimal) -> tuple[Decimal, Decimal, bool]:
        """(expected, variance, within tolerance) of one invoice line."""
        expected = round_money(order_line.unit_price * quantity)
        variance = net - expected
        allowed = max(self.amount, abs(expected) * self.percent / HUNDRED)
        return expected, variance, abs(variance) <= allowed


def rematch(invoice: SupplierInvoice, lines: Sequence[SupplierInvoiceLine]) -> tuple[bool, bool]:
    """Work the figures out again on ``lines`` (with their order lines) and store those that changed:
    (every line within tolerance, any figure changed)."""
    tolerance = Tolerance.of(invoice.company)
    before = audit.snapshot(lines)
    changed: list[SupplierInvoiceLine] = []
    matched = True
    for line in lines:
        expected, variance, within = tolerance.match(line.order_line, line.quantity, line.net_amount)
        matched = matched and within
        if (expected, variance, within) != (line.expected_amount, line.variance, line.within_tolerance):
            line.expected_amount, line.variance, line.within_tolerance = expected, variance, within
            changed.append(line)
    if changed:
        SupplierInvoiceLine.objects.bulk_update(changed, ["expected_amount", "variance", "within_tolerance"])
        audit.record_updated(changed, before, ["expected_amount", "variance", "within_tolerance"])
    return matched, bool(changed)


def locked_invoice(invoice: SupplierInvoice) -> SupplierInvoice:
    return SupplierInvoice.objects.select_for_update().select_related("supplier", "company").get(pk=invoice.pk)


def invoice_lines(invoice: SupplierInvoice) -> list[SupplierInvoiceLine]:
    return list(invoice.lines.select_related("order_line", "order_line__order", "order_line__item",
                                             "order_line__item__base_unit").order_by("pk"))


def set_match(invoice: SupplierInvoice, match_status: str, actor: User | None) -> None:
    """Store the match status (dropping an acceptance unless it stays accepted)."""
    before = audit.snapshot([invoice])
    fields = ["match_status", "updated_by", "updated_at"]
    invoice.match_status = match_status
    if match_status != st.MatchStatus.ACCEPTED:
        invoice.match_accepted_by, invoice.match_accepted_at, invoice.match_accepted_reason = None, None, ""
        fields += ["match_accepted_by", "match_accepted_at", "match_accepted_reason"]
    invoice.updated_by, invoice.updated_at = actor, timezone.now()
    SupplierInvoice.objects.filter(pk=invoice.pk).update(**{name: getattr(invoice, name) for name in fields})
    audit.record_updated([invoice], before, ["match_status", "match_accepted_reason"], actor=actor)


@atomic_with_retry
def invoice_match(*, invoice: SupplierInvoice, actor: User | None) -> SupplierInvoice:
    """Check a draft against its orders and receipts: every line's expected amount and variance, and
    the invoice matched or a mismatch. An accepted mismatch stays accepted while its figures do not change."""
    invoice = locked_invoice(invoice)
    if not invoice.is_editable:
        raise ImmutableDocument()
    if not can_buy_from(actor, invoice.supplier):
        raise DomainError(_("You do not buy from supplier %(supplier)s.") % {"supplier": invoice.supplier.code})
    lines = invoice_lines(invoice)
    check_received([(line.order_line, line.quantity_base) for line in lines])
    matched, changed = rematch(invoice, lines)
    if invoice.match_status == st.MatchStatus.ACCEPTED and not changed and not matched:
        return invoice
    set_match(invoice, st.MatchStatus.MATCHED if matched else st.MatchStatus.MISMATCH, actor)
    return invoice


@atomic_with_retry
def invoice_accept_mismatch(*, invoice: SupplierInvoice, reason: str, actor: User | None) -> SupplierInvoice:
    """A Purchasing manager accepts the difference of a mismatched draft, with the reason (shown on
    the invoice and in its history); posting is then allowed."""
    if actor is not None and not actor.has_perm(ACCEPT_MISMATCH):
        raise AcceptanceRefused()
    text = " ".join(str(reason or "").split())
    if not text:
        raise DomainError(_("Give the reason for accepting the difference."), field="reason")
    if len(text) > 300:
        raise DomainError(_("The reason is too long: at most %(max)s characters.") % {"max": 300}, field="reason")
    invoice = locked_invoice(invoice)
    if not invoice.is_editable:
        raise ImmutableDocument()
    lines = invoice_lines(invoice)
    matched, _changed = rematch(invoice, lines)
    if matched:
        set_match(invoice, st.MatchStatus.MATCHED, actor)
        raise DomainError(_("The invoice matches the order and receipts: there is no difference to accept."))
    before = audit.snapshot([invoice])
    invoice.match_status = st.MatchStatus.ACCEPTED
    invoice.match_accepted_by, invoice.match_accepted_at, invoice.match_accepted_reason = actor, timezone.now(), text
    invoice.updated_by, invoice.updated_at = actor, timezone.now()
    SupplierInvoice.objects.filter(pk=invoice.pk).update(
        match_status=invoice.match_status, match_accepted_by=actor, match_accepted_at=invoice.match_accepted_at,
        match_accepted_reason=text, updated_by=actor, updated_at=invoice.updated_at)
    audit.record_updated([invoice], before, ["match_status", "match_accepted_reason"], actor=actor)
    return invoice


@atomic_with_retry
def invoice_post(*, invoice: SupplierInvoice, actor: User | None) -> SupplierInvoice:
    """Post a draft: matched again under row locks on its order lines (in pk order); refused, with
    nothing written, when it bills more than received and not yet invoiced or when a difference was
    not accepted. Counts the quantities as invoiced, takes the PI number and tells finance."""
    invoice = locked_invoice(invoice)
    check_transition(invoice, st.InvoiceStatus.POSTED)
    if not can_buy_from(actor, invoice.supplier):
        raise DomainError(_("You do not buy from supplier %(supplier)s.") % {"supplier": invoice.supplier.code})
    lines = invoice_lines(invoice)
    if not lines:
        raise InvalidInvoiceLine(_("Add at least one line."), field="lines")
    ids = sorted({line.order_line_id for line in lines})
    locked = {row.pk: row for row in PurchaseOrderLine.objects.select_for_update(of=("self",)).filter(
        pk__in=ids).select_related("order", "item", "item__base_unit").order_by("pk")}
    bad = [row for row in locked.values() if row.order.status not in INVOICEABLE_ORDER_STATUSES]
    if bad:
        raise DomainError(_("Order %(order)s is no longer open for invoicing.") % {"order": bad[0].order.reference})
    for line in lines:
        line.order_line = locked[line.order_line_id]
    check_received([(line.order_line, line.quantity_base) for line in lines])
    matched, changed = rematch(invoice, lines)
    if invoice.match_status == st.MatchStatus.ACCEPTED:
        if changed:
            raise MismatchNotAccepted(_("The order changed since the difference was accepted: check the match again."))
    elif not matched:
        raise MismatchNotAccepted()
    match_status = invoice.match_status if invoice.match_status == st.MatchStatus.ACCEPTED else st.MatchStatus.MATCHED
    invoiced: defaultdict[int, Decimal] = defaultdict(lambda: ZERO)
    for line in lines:
        invoiced[line.order_line_id] += line.quantity_base
    order_lines = list(PurchaseOrderLine.objects.filter(pk__in=ids).order_by("pk"))  # locked above
    before = audit.snapshot(order_lines)
    for order_line in order_lines:
        PurchaseOrderLine.objects.filter(pk=order_line.pk).update(
            invoiced_quantity=F("invoiced_quantity") + invoiced[order_line.pk])
        order_line.invoiced_quantity += invoiced[order_line.pk]
    audit.record_updated(order_lines, before, ["invoiced_quantity"], actor=actor)
    transition(invoice, st.InvoiceStatus.POSTED, actor=actor,
               extra_fields={"posted_at": timezone.now(), "match_status": match_status})
    publish(signals.invoice_posted, company=invoice.company, source=invoice,
            invoice_id=invoice.pk, number=invoice.number, supplier_id=invoice.supplier_id,
            supplier_code=invoice.supplier.code, net_amount=str(invoice.net_amount),
            tax_amount=str(invoice.tax_amount), total_amount=str(invoice.total_amount), currency=invoice.currency,
            invoice_date=invoice.document_date.isoformat(),
            due_date=invoice.due_date.isoformat() if invoice.due_date else None,
            lines=[{"order_line_id": line.order_line_id, "item_id": line.item_id,
                    "quantity_base": str(line.quantity_base), "net_amount": str(line.net_amount),
                    "expected_amount": str(line.expected_amount)} for line in lines])
    return invoice


@atomic_with_retry
def invoice_cancel(*, invoice: SupplierInvoice, actor: User | None, reason: str) -> SupplierInvoice:
    """Void a draft with the reason (its supplier invoice number is free again). A posted invoice is
    refused: finance corrects it with a credit or debit note."""
    void_reason(reason)
    invoice = locked_invoice(invoice)
    if invoice.status == st.InvoiceStatus.POSTED:
        raise PostedInvoiceNotVoided()
    if not can_buy_from(actor, invoice.supplier):
        raise DomainError(_("You do not buy from supplier %(supplier)s.") % {"supplier": invoice.supplier.code})
    return void(invoice, st.InvoiceStatus.CANCELLED, actor=actor, reason=reason)
