"""Customer returns: goods sent back against a posted delivery note come back into stock (at the
location the keeper chooses, at the cost they left with); finance is told a credit note is due."""

import datetime
from collections import defaultdict
from collections.abc import Iterable
from decimal import Decimal
from typing import NoReturn, TypedDict

from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from erp import audit
from erp.db import atomic_with_retry
from erp.documents import check_transition, transition, void, void_reason
from erp.errors import DomainError, ImmutableDocument
from erp.events import publish
from erp.models import Company, User
from erp.money import Number, format_quantity
from inventory import status as inventory_status
from inventory.models import DeliveryNote, DeliveryNoteLine, Item, Location, Lot, UnitOfMeasure
from inventory.selectors import deliveries_for_user
from inventory.services.stock import MoveSpec, post_moves
from inventory.units import to_base
from sales import signals
from sales import status as st
from sales.errors import InvalidSalesLine
from sales.models import CustomerReturn, CustomerReturnLine
from sales.selectors import order_of_delivery
from sales.services.masterdata import check_can_serve
from sales.services.orders import order_record_return

ZERO = Decimal("0")


class ReturnLineInput(TypedDict, total=False):
    """A return line as a form or the API gives it: which delivery line, how much, back to where."""

    delivery_line: DeliveryNoteLine | None
    quantity: Number | None
    unit: UnitOfMeasure | None
    location: Location | None


class CheckedReturnLine(TypedDict):
    """A checked return line: the fields of a CustomerReturnLine."""

    delivery_line: DeliveryNoteLine
    item: Item
    quantity: Decimal
    unit: UnitOfMeasure
    quantity_base: Decimal
    location: Location
    lot: Lot | None


def refuse(n: int, message: str) -> NoReturn:
    raise InvalidSalesLine(_("Line %(n)s: ") % {"n": n} + message, field="lines")


def returned_so_far(delivery_line_ids: Iterable[int], exclude: CustomerReturn | None = None) -> dict[int, Decimal]:
    rows = CustomerReturnLine.objects.filter(delivery_line_id__in=delivery_line_ids,
                                             customer_return__status=st.ReturnStatus.POSTED)
    if exclude is not None:
        rows = rows.exclude(customer_return=exclude)
    return dict(rows.values_list("delivery_line_id").annotate(total=Sum("quantity_base")))


def checked_lines(delivery: DeliveryNote, lines: Iterable[ReturnLineInput], company: Company,
                  exclude: CustomerReturn | None = None) -> list[CheckedReturnLine]:
    delivery_lines = {line.pk: line for line in DeliveryNoteLine.objects.filter(document=delivery)
                      .select_related("item", "item__base_unit", "unit", "lot")}
    already = returned_so_far(list(delivery_lines), exclude=exclude)
    wanted: defaultdict[int, Decimal] = defaultdict(lambda: ZERO)
    checked: list[CheckedReturnLine] = []
    for n, fields in enumerate(lines, start=1):
        delivery_line = fields.get("delivery_line")
        if delivery_line is None or delivery_line.pk not in delivery_lines:
            refuse(n, _("choose a line of delivery note %(dn)s.") % {"dn": delivery.reference})
        delivery_line = delivery_lines[delivery_line.pk]
        quantity = fields.get("quantity")
        if quantity is None or Decimal(quantity) <= 0:
            refuse(n, _("the quantity must be greater than zero."))
        unit = fields.get("unit") or delivery_line.unit
        base = to_base(delivery_line.item, quantity, unit)
        if base is None:
            refuse(n, _("%(item)s has no unit %(unit)s.") % {"item": delivery_line.item.code, "unit": unit.code})
        location = fields.get("location")
        if location is None:
            refuse(n, _("choose the location the goods go back to."))
        if location.company_id != company.pk or location.kind != inventory_status.LocationKind.INTERNAL \
                or not location.is_active:
            refuse(n, _("location %(loc)s cannot take stock.") % {"loc": location})
        shipped = to_base(delivery_line.item, delivery_line.picked, delivery_line.unit)
        assert shipped is not None  # the note was posted in this unit of the item
        wanted[delivery_line.pk] += base
        if wanted[delivery_line.pk] + already.get(delivery_line.pk, ZERO) > shipped:
            refuse(n, _("only %(left)s %(unit)s of %(item)s can still be returned from this delivery.") % {
                "left": format_quantity(shipped - already.get(delivery_line.pk, ZERO), delivery_line.item.base_unit),
                "unit": delivery_line.item.base_unit.code, "item": delivery_line.item.code})
        checked.append({"delivery_line": delivery_line, "item": delivery_line.item, "quantity": Decimal(quantity),
                        "unit": unit, "quantity_base": base, "location": location, "lot": delivery_line.lot})
    if not checked:
        raise InvalidSalesLine(_("Add at least one line."), field="lines")
    return checked


@atomic_with_retry
def return_save(*, company: Company, actor: User | None, delivery: DeliveryNote | None,
                lines: Iterable[ReturnLineInput], reason: str = "", customer_return: CustomerReturn | None = None,
                document_date: datetime.date | None = None) -> CustomerReturn:
    # The scope first, answered like a missing note: nothing of another rep's delivery (its number,
    # its customer) may show in the messages of the checks below.
    if delivery is None or delivery.company_id != company.pk or (
            actor is not None and not deliveries_for_user(actor).filter(pk=delivery.pk).exists()):
        raise DomainError(_("Choose a delivery note of this company."), field="delivery")
    if delivery.status != inventory_status.DocStatus.POSTED:
        raise DomainError(_("Only a posted delivery can be returned."), field="delivery")
    order = order_of_delivery(delivery)
    check_can_serve(actor, order.customer)
    if customer_return is None:
        customer_return = CustomerReturn(company=company, created_by=actor)
    else:
        customer_return = CustomerReturn.objects.select_for_update().get(pk=customer_return.pk)
        if not customer_return.is_editable:
            raise ImmutableDocument()
    checked = checked_lines(delivery, lines, company, exclude=customer_return if customer_return.pk else None)
    customer_return.delivery = delivery
    customer_return.order = order
    customer_return.customer = order.customer
    customer_return.reason = reason
    if document_date:
        customer_return.document_date = document_date
    customer_return.updated_by = actor
    customer_return.save()
    CustomerReturnLine.objects.filter(customer_return=customer_return).delete()
    audit.record_created(CustomerReturnLine.objects.bulk_create([
        CustomerReturnLine(customer_return=customer_return, **line) for line in checked]), actor=actor)
    return customer_return


@atomic_with_retry
def return_post(*, customer_return: CustomerReturn, actor: User | None) -> CustomerReturn:
    """Put the goods back into stock at the cost they left with, count them as returned on the
    order, and tell finance a credit note is due."""
    customer_return = CustomerReturn.objects.select_for_update().select_related("order", "delivery").get(
        pk=customer_return.pk)
    check_transition(customer_return, st.ReturnStatus.POSTED)
    check_can_serve(actor, customer_return.customer)
    lines = list(customer_return.lines.select_related("delivery_line", "item", "unit", "location", "lot"))
    # Re-checked under the lock: two returns against the same delivery cannot both take the last units.
    DeliveryNote.objects.select_for_update().filter(pk=customer_return.delivery_id).first()
    checked_lines(customer_return.delivery, [
        {"delivery_line": line.delivery_line, "quantity": line.quantity, "unit": line.unit, "location": line.location}
        for line in lines], customer_return.company, exclude=customer_return)
    specs = [
        MoveSpec(item=line.item, location=line.location, lot=line.lot, quantity=line.quantity_base,
                 move_type=inventory_status.MoveType.CUSTOMER_RETURN,
                 unit_cost=line.delivery_line.unit_cost if line.delivery_line.unit_cost is not None else None,
                 field="lines", line=n)
        for n, line in enumerate(lines, start=1)
    ]
    # The number first: the moves carry it in the ledger (a failure below rolls it back, gapless).
    transition(customer_return, st.ReturnStatus.POSTED, actor=actor, extra_fields={"posted_at": timezone.now()})
    post_moves(company=customer_return.company, specs=specs, actor=actor, document=customer_return)
    returned: defaultdict[int, Decimal] = defaultdict(lambda: ZERO)
    for line in lines:
        returned[line.delivery_line.source_line_id] += line.quantity_base
    order_record_return(order=customer_return.order, returned=dict(returned), actor=actor)
    publish(signals.return_posted, company=customer_return.company, source=customer_return,
            return_id=customer_return.pk, return_number=customer_return.number,
            order_id=customer_return.order_id, order_number=customer_return.order.number,
            delivery_id=customer_return.delivery_id, delivery_number=customer_return.delivery.number,
            customer=str(customer_return.customer),
            lines=[{"order_line_id": line.delivery_line.source_line_id, "item_id": line.item_id,
                    "quantity": str(line.quantity_base)} for line in lines])
    return customer_return


@atomic_with_retry
def return_cancel(*, customer_return: CustomerReturn, actor: User | None, reason: str) -> CustomerReturn:
    void_reason(reason)
    check_can_serve(actor, customer_return.customer)
    return void(customer_return, st.ReturnStatus.CANCELLED, actor=actor, reason=reason)
