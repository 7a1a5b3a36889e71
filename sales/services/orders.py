"""Sales orders: save a draft, check credit, confirm (reserve stock, promise a date, announce the
shortages), record deliveries and returns, cancel or close.

Confirmation is one transaction: the order's number and status and its stock reservations (through
inventory's services) change together or not at all. Everything other departments do about it
follows on the event bus after commit: inventory prepares the delivery note, production and
purchasing receive the shortages, and finance later the deliveries.
"""

import datetime
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TypedDict, Unpack

from django.db.models import Case, DecimalField, ExpressionWrapper, F, Sum, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from erp import audit, messages
from erp.db import atomic_with_retry
from erp.documents import SYSTEM_VOID_REASONS, transition, void, void_reason
from erp.errors import DomainError, IllegalTransition, ImmutableDocument
from erp.events import publish
from erp.models import Company, User
from erp.money import UNROUNDED_AMOUNT, format_money, format_quantity, round_money
from erp.scoping import CHANGE
from erp.sql import bulk_set
from inventory import status as inventory_status
from inventory.errors import InvalidStockLine
from inventory.models import DeliveryNote, Warehouse
from inventory.selectors import held_by_line
from inventory.services import deliveries, stock
from office.models import ApprovalRequest
from office.selectors.approvals import latest_request, pending_request
from office.services import tasks_close_for_document
from office.services.approvals import approval_cancel, approval_decide, approval_submit
from office.status import ApprovalStatus, Decision, DecisionVia, TaskStatus
from sales import signals
from sales import sql as sql_queries
from sales import status as st
from sales.approvals import CREDIT_EXCEPTION
from sales.errors import CreditLimitExceeded
from sales.models import CreditApproval, Customer, PaymentTerm, SalesOrder, SalesOrderLine
from sales.services.lines import (
    LineInput,
    apply_totals,
    check_document_terms,
    check_header,
    fill_from_customer,
    priced_lines,
)
from sales.services.masterdata import check_can_serve

ZERO = Decimal("0")
# The kind of the sales managers' "approve credit" task before the approval engine took it over: such
# tasks still open close when the order's credit is approved.
CREDIT_APPROVAL_TASK = "sales.credit_approval"
# The title of those tasks, stored as a message (erp.messages) on tasks made before the approval engine:
# kept in the catalogues so that they still read in each reader's language.
CREDIT_APPROVAL_TASK_TITLE = gettext_noop("Approve credit for %(order)s (%(customer)s)")
# Why a pending credit request is withdrawn when the order is confirmed within the limit (a message
# key: the trail shows it in the reader's language).
CREDIT_NOT_NEEDED = gettext_noop("The order is within the credit limit now: no approval is needed.")


class OrderHeader(TypedDict, total=False):
    """The header fields ``order_save`` takes."""

    customer: Customer | None
    sales_rep: User | None
    document_date: datetime.date
    requested_date: datetime.date | None
    warehouse: Warehouse
    customer_reference: str
    ship_to: str
    notes: str
    payment_term: PaymentTerm | None


HEADER_FIELDS = tuple(OrderHeader.__annotations__)  # refused at run time too: callers pass form data


def default_warehouse(company: Company) -> Warehouse | None:
    return Warehouse.objects.filter(company=company, is_active=True).order_by("code").first()


def lock_order(order: SalesOrder) -> SalesOrder:
    return (SalesOrder.objects.select_for_update(of=("self",)).select_related("customer", "company", "warehouse")
            .get(pk=order.pk))


@atomic_with_retry
def order_save(*, company: Company, actor: User | None, lines: Sequence[LineInput], order: SalesOrder | None = None,
               **header: Unpack[OrderHeader]) -> SalesOrder:
    """Create or update a draft order with its lines (replaced as a whole). A confirmed order is immutable."""
    if order is not None:
        order = lock_order(order)
        if not order.is_editable:
            raise ImmutableDocument()
        check_can_serve(actor, order.customer)
    else:
        order = SalesOrder(company=company, created_by=actor)
    unknown = set(header) - set(HEADER_FIELDS)
    if unknown:
        raise DomainError(_("Unknown fields: %(fields)s") % {"fields": ", ".join(sorted(unknown))})
    customer = header.get("customer", order.customer if order.customer_id else None)
    customer = check_header(company=company, customer=customer, actor=actor,
                            requested_date=header.get("requested_date"))
    before = (order.sales_rep_id, order.payment_term_id) if order.pk else None
    for name, value in header.items():
        setattr(order, name, value)
    fill_from_customer(order, customer, actor)
    check_document_terms(order, customer, actor, before)
    if not order.warehouse_id:
        warehouse = default_warehouse(company)
        if warehouse is None:
            raise DomainError(_("Create a warehouse first: an order ships from one."), field="warehouse")
        order.warehouse = warehouse
    if order.warehouse.company_id != company.pk:
        raise DomainError(_("The warehouse belongs to another company."), field="warehouse")
    checked = priced_lines(company=company, customer=customer, lines=lines, actor=actor,
                           on_date=order.document_date or timezone.localdate(),
                           default_requested_date=order.requested_date)
    apply_totals(order, checked)
    order.updated_by = actor
    order.full_clean(exclude=["number", "status"])
    order.save()
    SalesOrderLine.objects.filter(order=order).delete()
    audit.record_created(SalesOrderLine.objects.bulk_create([SalesOrderLine(order=order, **line) for line in checked]),
                         actor=actor)
    return order


@atomic_with_retry
def order_delete_draft(*, order: SalesOrder, actor: User | None) -> None:
    check_can_serve(actor, order.customer)
    order = lock_order(order)
    if order.status != st.OrderStatus.DRAFT:
        raise ImmutableDocument()
    if latest_request(order, CREDIT_EXCEPTION) is not None:  # its trail stays with the order
        raise DomainError(_("%(order)s has a credit approval request: void it instead.") % {"order": order.reference})
    order.lines.all().delete()
    order.delete()


# Credit ---------------------------------------------------------------------------------------


def customer_exposure(customer: Customer, *, exclude_order: SalesOrder | None = None) -> Decimal:
    """What the customer owes or has committed to: the open orders' undelivered value plus what was
    delivered and not returned (every delivery counts as unpaid until finance records payments),
    with tax. One query."""
    lines = SalesOrderLine.objects.filter(order__customer=customer, order__status__in=st.COMMITTED_ORDER_STATUSES)
    if exclude_order is not None:
        lines = lines.exclude(order=exclude_order)
    counted = Case(
        When(order__status__in=st.OPEN_ORDER_STATUSES, then=F("quantity_base") - F("returned_quantity")),
        default=F("delivered_quantity") - F("returned_quantity"),
    )
    gross = ExpressionWrapper(
        F("net_amount") * (Value(Decimal("100")) + F("tax_rate")) / Value(Decimal("100"))
        * counted / F("quantity_base"),
        output_field=DecimalField(**UNROUNDED_AMOUNT),
    )
    return round_money(lines.aggregate(total=Sum(gross))["total"] or ZERO)


@dataclass
class CreditCheck:
    limit: Decimal | None
    exposure: Decimal
    order_total: Decimal
    approved: bool

    @property
    def exceeds(self) -> bool:
        return self.limit is not None and self.exposure + self.order_total > self.limit


def credit_check(order: SalesOrder) -> CreditCheck:
    customer = order.customer
    if customer.credit_limit is None:
        return CreditCheck(None, ZERO, order.total_amount, False)  # no limit: nothing to add up
    exposure = customer_exposure(customer, exclude_order=order)
    approved = (exposure + order.total_amount > customer.credit_limit
                and order.credit_approvals.filter(order_total__gte=order.total_amount).exists())
    return CreditCheck(customer.credit_limit, exposure, order.total_amount, approved)


@atomic_with_retry
def credit_request_approval(*, order: SalesOrder, actor: User | None) -> ApprovalRequest:
    """Ask for the approval of an order above the credit limit: a request to the approval engine
    (office), under the company's credit-exception rules — out of the box, anyone with the role Sales
    manager. Asking again while a request is pending returns it."""
    check_can_serve(actor, order.customer)
    check = credit_check(order)
    if not check.exceeds or check.approved:
        raise DomainError(_("This order needs no credit approval."))
    return approval_submit(document=order, type_key=CREDIT_EXCEPTION, actor=actor)


@atomic_with_retry
def credit_approve(*, order: SalesOrder, actor: User | None, note: str = "",
                   via: str = DecisionVia.WEB) -> CreditApproval | None:
    """The actor approves this draft above the credit limit: their decision on the order's pending
    credit-exception request (asked for first when nobody has), through the approval engine, which
    refuses anyone who is not an approver of it (the requester included). Returns the CreditApproval
    recorded once the request is approved, None while further approvals are needed."""
    order = lock_order(order)
    if order.status != st.OrderStatus.DRAFT:
        raise IllegalTransition(_("Only a draft order needs a credit approval."))
    if order.customer.credit_limit is None:
        raise DomainError(_("Customer %(customer)s has no credit limit.") % {"customer": order.customer.code})
    request = pending_request(order, CREDIT_EXCEPTION)
    if request is None:
        check = credit_check(order)
        if not check.exceeds or check.approved:
            raise DomainError(_("This order needs no credit approval."))
        request = approval_submit(document=order, type_key=CREDIT_EXCEPTION, actor=actor)
    request = approval_decide(request=request, actor=actor, decision=Decision.APPROVE, comment=note, via=via)
    if request.status != ApprovalStatus.APPROVED:
        return None
    return order.credit_approvals.order_by("-approved_at", "-pk").first()


def credit_record_decision(*, order_id: int, request: ApprovalRequest, outcome: str,
                           actor: User | None) -> CreditApproval | None:
    """The approval engine's outcome of a credit-exception request (``office.approval_decided``, in the
    deciding transaction): approved, the order's CreditApproval records the total and exposure the
    approvers saw (``credit_check`` lets the order through at that total or less). Rejected or returned,
    the draft stays as it is and its page shows the comment. An order no longer in draft needs nothing."""
    if request.type_key != CREDIT_EXCEPTION or outcome != ApprovalStatus.APPROVED:
        return None
    order = lock_order(SalesOrder(pk=order_id))
    if order.status != st.OrderStatus.DRAFT or order.customer.credit_limit is None or actor is None:
        return None
    values = request.values
    approval = CreditApproval.objects.create(
        company=order.company, order=order, order_total=Decimal(values["order_total"]["value"]),
        exposure=Decimal(values["exposure"]["value"]), credit_limit=order.customer.credit_limit,
        note=request.outcome_comment, approved_by=actor,
    )
    # Open "approve credit" tasks of before the approval engine close with the approval.
    tasks_close_for_document(document=order, kinds=[CREDIT_APPROVAL_TASK], actor=actor, status=TaskStatus.DONE,
                             note=messages.message(gettext_noop("Credit approved.")))
    return approval


# Confirmation ----------------------------------------------------------------------------------


@dataclass
class LineResult:
    line: SalesOrderLine
    reserved: Decimal
    short: Decimal
    promised_date: datetime.date | None


@dataclass
class ConfirmResult:
    order: SalesOrder
    lines: list[LineResult] = field(default_factory=list)
    already_confirmed: bool = False

    @property
    def promised_date(self) -> datetime.date | None:
        return self.order.promised_date

    @property
    def shortages(self) -> list[LineResult]:
        return [r for r in self.lines if r.short > 0]


def promised_for(line: SalesOrderLine, short: Decimal, order: SalesOrder, today: datetime.date) -> datetime.date:
    """Available-to-promise: covered from stock now → the requested date (today if none);
    short → the requested date plus the item's lead time."""
    requested = line.requested_date or order.requested_date or today
    requested = max(requested, today)
    if short > 0:
        return requested + datetime.timedelta(days=line.item.lead_time_days)
    return requested


def lock_for_confirmation(order: SalesOrder, scope_user: User | None = None
                          ) -> tuple[SalesOrder, list[SalesOrderLine]]:
    """The order under a row lock with its customer, company and warehouse, then its lines with
    their items and base units: confirmation's hot path, in two hand-written statements where the
    ORM would compile two wide select_related queries on every call. The lines are read after the
    lock, so a concurrent save of the draft is either wholly before or wholly after."""
    scope = None
    if scope_user is not None:  # the user's orders, as the selectors define them
        sql, params = (SalesOrder.objects.restrict(scope_user, CHANGE).filter(pk=order.pk).values("pk")
                       .query.sql_with_params())
        scope = (sql, list(params))
    order = sql_queries.order_for_confirmation(order.pk, scope)
    return order, sql_queries.order_lines_with_items(order)


@atomic_with_retry
def order_confirm(*, order: SalesOrder, actor: User | None, scoped: bool = False) -> ConfirmResult:
    """Confirm a draft order: number, status and reservations in one transaction; returns what was
    reserved and what is short per line and the promised date. Confirming an order that is already
    confirmed returns its result unchanged (a double click or a retried request confirms once).
    ``scoped``: an order outside the actor's company and customers raises SalesOrder.DoesNotExist
    (the API's 404), checked while locking."""
    with audit.batch():  # the lines', the status change's and the tasks' entries: one INSERT
        return _confirm(order, actor=actor, scoped=scoped)


def _confirm(order: SalesOrder, *, actor: User | None, scoped: bool) -> ConfirmResult:
    order, lines = lock_for_confirmation(order, actor if scoped else None)
    if order.status != st.OrderStatus.DRAFT:
        check_can_serve(actor, order.customer)
        if order.status in (st.OrderStatus.CANCELLED,):
            raise IllegalTransition(_("%(order)s is cancelled.") % {"order": order.reference})
        return confirmation_of(order, lines, already=True)
    if not lines:
        raise DomainError(_("Add at least one line."), field="lines")
    check_header(company=order.company, customer=order.customer, actor=actor)
    for line in lines:
        if not line.item.is_active:
            raise DomainError(_("Line %(n)s: %(item)s is inactive and cannot be sold.")
                              % {"n": line.line_no, "item": line.item.code}, field="lines")
    check = credit_check(order)
    if check.limit is not None and not check.exceeds:  # a request asked before the limit was raised
        approval_cancel(document=order, type_key=CREDIT_EXCEPTION, actor=actor, reason=CREDIT_NOT_NEEDED)
    if check.exceeds and not check.approved:
        raise CreditLimitExceeded(
            _("%(customer)s: exposure %(exposure)s + this order %(total)s exceeds the credit limit %(limit)s. "
              "A sales manager must approve the order.") % {
                "customer": order.customer, "exposure": format_money(check.exposure),
                "total": format_money(check.order_total), "limit": format_money(check.limit)},
        )
    stocked = [line for line in lines if line.item.is_stocked]
    reserved = stock.reserve_many(
        company=order.company, document=order, partial=True, actor=actor,
        requests=[stock.ReserveRequest(item=line.item, warehouse=order.warehouse, quantity=line.quantity_base,
                                       line_id=line.pk) for line in stocked],
    )
    today = timezone.localdate()
    results: list[LineResult] = []
    promised_dates: list[datetime.date] = []
    for line in lines:
        got = reserved.get(line.pk, ZERO) if line.item.is_stocked else line.quantity_base
        short = line.quantity_base - got
        line.shortage_quantity = short
        line.promised_date = promised_date = promised_for(line, short, order, today)
        promised_dates.append(promised_date)
        results.append(LineResult(line, got, short, promised_date))
    bulk_set(SalesOrderLine, ["shortage_quantity", "promised_date"],
             {line.pk: (line.shortage_quantity, line.promised_date) for line in lines})
    # The lines' shortages and promised dates follow from the reservations: recorded at document
    # level, by the order's confirmation entry (its promised date) and inventory_reserve's (what was
    # reserved where), not as an entry per line.
    promised = max(promised_dates)
    transition(order, st.OrderStatus.CONFIRMED, actor=actor,
               extra_fields={"promised_date": promised, "confirmed_at": timezone.now()})
    announce_confirmation(order, results)
    return ConfirmResult(order=order, lines=results)


def confirmation_of(order: SalesOrder, lines: Iterable[SalesOrderLine], *, already: bool) -> ConfirmResult:
    held = held_by_line([order])
    results = [
        LineResult(line, held.get(line.pk, ZERO), line.shortage_quantity, line.promised_date) for line in lines
    ]
    return ConfirmResult(order=order, lines=results, already_confirmed=already)


class ShortagePayload(TypedDict):
    """A short line in the payload of production_requested / purchase_requested."""

    line_id: int
    line_no: int
    item_id: int
    item_code: str
    item_name: str
    quantity: str
    unit: str
    required_date: str


def needed_by(promised: datetime.date | None, company: Company, today: datetime.date) -> datetime.date:
    """When goods asked of production or purchasing must be in to keep the promise: the line's
    promised date less the company's shipping preparation days (never before today)."""
    if promised is None:
        return today
    return max(today, promised - datetime.timedelta(days=company.shipping_prep_days))


def shortage_payload(result: LineResult, order: SalesOrder, today: datetime.date) -> ShortagePayload:
    line = result.line
    return {
        "line_id": line.pk, "line_no": line.line_no, "item_id": line.item_id, "item_code": line.item.code,
        "item_name": line.item.name, "quantity": str(result.short), "unit": line.item.base_unit.code,
        "required_date": needed_by(result.promised_date, order.company, today).isoformat(),
    }


def announce_confirmation(order: SalesOrder, results: Sequence[LineResult]) -> None:
    """The events that set the other departments moving (after commit, on the bus)."""
    today = timezone.localdate()
    common = {"order_id": order.pk, "order_number": order.number, "customer": str(order.customer)}
    publish(signals.order_confirmed, company=order.company, source=order, **common,
            promised_date=order.promised_date.isoformat() if order.promised_date else None,
            lines=[{"line_id": r.line.pk, "item_id": r.line.item_id, "reserved": str(r.reserved),
                    "short": str(r.short)} for r in results])
    make = [shortage_payload(r, order, today) for r in results
            if r.short > 0 and r.line.item.procurement == inventory_status.Procurement.MAKE]
    buy = [shortage_payload(r, order, today) for r in results
           if r.short > 0 and r.line.item.procurement == inventory_status.Procurement.BUY]
    if make:
        publish(signals.production_requested, company=order.company, source=order, **common, lines=make)
    if buy:
        publish(signals.purchase_requested, company=order.company, source=order, **common, lines=buy)


# Cancellation ---------------------------------------------------------------------------------


@atomic_with_retry
def order_cancel(*, order: SalesOrder, actor: User | None, reason: str) -> SalesOrder:
    """Cancel a draft or confirmed order; on an order with deliveries, close the undelivered rest.

    Releases the reservations, cancels the delivery-note drafts and closes the tasks the order made.
    Delivered quantities stay delivered: they come back only through customer returns. ``reason``
    (required) is kept on the voided order and its voided delivery-note drafts."""
    reason = void_reason(reason)
    order = lock_order(order)
    check_can_serve(actor, order.customer)
    if order.status == st.OrderStatus.DRAFT:
        approval_cancel(document=order, type_key=CREDIT_EXCEPTION, actor=actor, reason=reason)
        return void(order, st.OrderStatus.CANCELLED, actor=actor, reason=reason)
    if order.status == st.OrderStatus.CONFIRMED:
        target = st.OrderStatus.CANCELLED
    elif order.status == st.OrderStatus.PARTIAL:
        target = st.OrderStatus.CLOSED
    else:
        raise IllegalTransition(
            _("%(order)s is %(status)s: nothing is left to void; delivered goods come back through a customer "
              "return.") % {"order": order.reference, "status": order.get_status_display()})
    stock.release(document=order, actor=actor)
    deliveries.delivery_cancel_drafts_for_source(source=order, actor=actor, reason=reason)
    tasks_close_for_document(document=order, actor=actor, note=messages.message(
        gettext_noop("%(order)s was voided."), order=messages.reference(order)))
    if target == st.OrderStatus.CANCELLED:
        void(order, target, actor=actor, reason=reason)
    else:
        transition(order, target, actor=actor)
    publish(signals.order_cancelled, company=order.company, source=order, order_id=order.pk,
            order_number=order.number, reason=reason[:300], status=target)
    return order


@atomic_with_retry
def order_close(*, order: SalesOrder, actor: User | None) -> SalesOrder:
    """Close a delivered order (nothing left to do in sales)."""
    order = lock_order(order)
    check_can_serve(actor, order.customer)
    if order.status == st.OrderStatus.PARTIAL:
        return order_cancel(order=order, actor=actor, reason=SYSTEM_VOID_REASONS["order_closed"])
    return transition(order, st.OrderStatus.CLOSED, actor=actor)


# Deliveries: the delivery note draft after confirmation, and inventory's delivery hooks ---------


def delivery_party(order: SalesOrder) -> deliveries.DeliveryParty:
    return deliveries.DeliveryParty(
        customer_code=order.customer.code, customer_name=order.customer.name, customer_tax_id=order.customer.tax_id,
        customer_reference=order.customer_reference, ship_to=order.ship_to, due_date=order.promised_date,
    )


@atomic_with_retry
def order_prepare_delivery(*, order_id: int, source_event: int | None = None,
                           actor: User | None = None) -> DeliveryNote | None:
    """The delivery note draft for what the confirmed order holds reserved (inventory makes it, with
    a pick task for the warehouse); idempotent per event. None when the order is no longer open or
    nothing is reserved yet."""
    order = SalesOrder.objects.select_for_update(of=("self",)).select_related("customer", "warehouse", "company") \
        .filter(pk=order_id).first()
    if order is None or order.status not in st.OPEN_ORDER_STATUSES:
        return None
    return deliveries.delivery_create_for_source(
        source=order, company=order.company, warehouse=order.warehouse, party=delivery_party(order),
        demands=delivery_demands(order), actor=actor, source_event=source_event)


def delivery_demands(order: SalesOrder) -> list[deliveries.DeliveryDemand]:
    """The order's lines as inventory's delivery demands: what each still has to deliver, by when."""
    return [
        deliveries.DeliveryDemand(source_line_id=line.pk, line_no=line.line_no, item=line.item, unit=line.unit,
                                  open_quantity=line.open_quantity, description=line.description,
                                  due_date=line.promised_date)
        for line in order.lines.select_related("item", "item__base_unit", "unit").order_by("line_no", "pk")
    ]


def order_for_delivery(order_id: int) -> SalesOrder:
    """Lock an order a delivery note is about to ship from; refuses unless it is open."""
    order = SalesOrder.objects.select_for_update(of=("self",)).select_related("customer").get(pk=order_id)
    if order.status not in st.OPEN_ORDER_STATUSES:
        raise IllegalTransition(_("%(order)s is %(status)s: nothing can be shipped on it.")
                                % {"order": order.reference, "status": order.get_status_display()})
    return order


def order_check_picks(*, order_id: int, picked: Mapping[int, Decimal]) -> None:
    """Refuse picking more of an order line (``picked``: {line id: base quantity}) than it still
    has to deliver; saving the picks and posting them check the same."""
    lines = SalesOrderLine.objects.filter(order_id=order_id, pk__in=list(picked)).order_by("line_no", "pk")
    for line in lines:
        open_quantity = line.quantity_base - line.delivered_quantity
        if picked[line.pk] > open_quantity:
            raise InvalidStockLine(
                _("Order line %(n)s: %(picked)s picked but only %(open)s still to deliver.") % {
                    "n": line.line_no, "picked": format_quantity(picked[line.pk], line.item.base_unit, with_unit=True),
                    "open": format_quantity(open_quantity, line.item.base_unit, with_unit=True)}, field="lines")


def order_record_delivery(*, order: SalesOrder, delivered: Mapping[int, Decimal], actor: User | None) -> SalesOrder:
    """Add ``delivered`` ({order line id: base quantity}) to the order's lines, trim the reservations
    to what is still to deliver, and move the order to partially delivered or delivered. The caller
    holds the order's lock (``order_for_delivery``)."""
    lines = list(order.lines.select_related("item").order_by("pk"))
    before = audit.snapshot(lines)
    for line in lines:
        extra = Decimal(delivered.get(line.pk, ZERO))
        if line.delivered_quantity + extra > line.quantity_base:
            raise DomainError(_("Line %(n)s: more would be delivered than was ordered.") % {"n": line.line_no},
                              field="lines")
        line.delivered_quantity += extra
    SalesOrderLine.objects.bulk_update(lines, ["delivered_quantity"])
    audit.record_updated(lines, before, ["delivered_quantity"], actor=actor)
    stock.hold_at_most(company=order.company, document=order, actor=actor,
                       needed={line.pk: line.quantity_base - line.delivered_quantity
                               for line in lines if line.pk in delivered})
    settle_shortages(order, [line for line in lines if line.pk in delivered and line.shortage_quantity > 0], actor)
    stocked = [line for line in lines if line.item.is_stocked]
    complete = all(line.delivered_quantity >= line.quantity_base for line in stocked)
    target = st.OrderStatus.DELIVERED if complete else st.OrderStatus.PARTIAL
    if target != order.status:
        transition(order, target, actor=actor)
    return order


def settle_shortages(order: SalesOrder, lines: Sequence[SalesOrderLine], actor: User | None) -> None:
    """A short line shipped from stock it had not reserved (the keeper found it elsewhere): it is
    short only of what it still has to deliver beyond what it holds."""
    if not lines:
        return
    held = held_by_line([order], [line.pk for line in lines])
    before = audit.snapshot(lines)
    changed = []
    for line in lines:
        short = max(ZERO, line.quantity_base - line.delivered_quantity - held.get(line.pk, ZERO))
        if short < line.shortage_quantity:
            line.shortage_quantity = short
            changed.append(line)
    if changed:
        SalesOrderLine.objects.bulk_update(changed, ["shortage_quantity"])
        audit.record_updated(changed, before, ["shortage_quantity"], actor=actor)


def order_record_return(*, order: SalesOrder, returned: Mapping[int, Decimal], actor: User | None) -> None:
    """Add ``returned`` ({order line id: base quantity}) to the order's lines (a posted customer return)."""
    lines = list(SalesOrderLine.objects.select_for_update().filter(order=order, pk__in=list(returned)).order_by("pk"))
    before = audit.snapshot(lines)
    for line in lines:
        line.returned_quantity += Decimal(returned[line.pk])
        if line.returned_quantity > line.delivered_quantity:
            raise DomainError(_("Line %(n)s: more would be returned than was delivered.") % {"n": line.line_no},
                              field="lines")
    SalesOrderLine.objects.bulk_update(lines, ["returned_quantity"])
    audit.record_updated(lines, before, ["returned_quantity"], actor=actor)
