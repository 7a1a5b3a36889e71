"""Quotations: draft, sent, converted into a sales order (one action, the order links back), cancelled."""

import datetime
from collections.abc import Sequence
from typing import Any, TypedDict, Unpack

from django.utils import timezone
from django.utils.translation import gettext as _

from erp import audit
from erp.db import atomic_with_retry
from erp.documents import check_transition, transition, void, void_reason
from erp.errors import DomainError, ImmutableDocument
from erp.formats import format_date
from erp.models import Company, User
from inventory.models import Warehouse
from sales import status as st
from sales.models import Customer, PaymentTerm, Quotation, QuotationLine, SalesOrder, SalesOrderLine
from sales.services.lines import (
    LINE_FIELDS,
    LineInput,
    apply_totals,
    check_document_terms,
    check_header,
    fill_from_customer,
    priced_lines,
)
from sales.services.masterdata import check_can_serve
from sales.services.orders import default_warehouse


class QuotationHeader(TypedDict, total=False):
    """The header fields ``quotation_save`` takes."""

    customer: Customer | None
    sales_rep: User | None
    document_date: datetime.date
    valid_until: datetime.date | None
    customer_reference: str
    ship_to: str
    notes: str
    payment_term: PaymentTerm | None


HEADER_FIELDS = tuple(QuotationHeader.__annotations__)  # refused at run time too: callers pass form data


@atomic_with_retry
def quotation_save(*, company: Company, actor: User | None, lines: Sequence[LineInput],
                   quotation: Quotation | None = None, **header: Unpack[QuotationHeader]) -> Quotation:
    """Create or update a draft quotation with its lines (replaced as a whole)."""
    if quotation is not None:
        quotation = Quotation.objects.select_for_update().get(pk=quotation.pk)
        if not quotation.is_editable:
            raise ImmutableDocument()
        check_can_serve(actor, quotation.customer)
    else:
        quotation = Quotation(company=company, created_by=actor)
    unknown = set(header) - set(HEADER_FIELDS)
    if unknown:
        raise DomainError(_("Unknown fields: %(fields)s") % {"fields": ", ".join(sorted(unknown))})
    customer = header.get("customer", getattr(quotation, "customer", None) if quotation.customer_id else None)
    customer = check_header(company=company, customer=customer, actor=actor)
    before = (quotation.sales_rep_id, quotation.payment_term_id) if quotation.pk else None
    for name, value in header.items():
        setattr(quotation, name, value)
    fill_from_customer(quotation, customer, actor)
    check_document_terms(quotation, customer, actor, before)
    on_date = quotation.document_date or timezone.localdate()
    if quotation.valid_until and quotation.valid_until < on_date:
        raise DomainError(_("A quotation cannot expire before its date."), field="valid_until")
    checked = priced_lines(company=company, customer=customer, lines=lines, actor=actor, on_date=on_date)
    apply_totals(quotation, checked)
    quotation.updated_by = actor
    quotation.full_clean(exclude=["number", "status"])
    quotation.save()
    QuotationLine.objects.filter(quotation=quotation).delete()
    audit.record_created(QuotationLine.objects.bulk_create([QuotationLine(quotation=quotation, **line)
                                                            for line in checked]), actor=actor)
    return quotation


@atomic_with_retry
def quotation_send(*, quotation: Quotation, actor: User | None) -> Quotation:
    """Mark the quotation as sent to the customer: it takes its number and can no longer change."""
    check_can_serve(actor, quotation.customer)
    return transition(quotation, st.QuotationStatus.SENT, actor=actor)


@atomic_with_retry
def quotation_cancel(*, quotation: Quotation, actor: User | None, reason: str) -> Quotation:
    void_reason(reason)
    check_can_serve(actor, quotation.customer)
    return void(quotation, st.QuotationStatus.CANCELLED, actor=actor, reason=reason)


@atomic_with_retry
def quotation_convert(*, quotation: Quotation, actor: User | None, warehouse: Warehouse | None = None,
                      requested_date: datetime.date | None = None) -> SalesOrder:
    """Copy the quotation into a draft sales order (same lines and prices) and mark it converted.

    Converting twice is refused by the status table, so a double click makes one order."""
    quotation = Quotation.objects.select_for_update().get(pk=quotation.pk)
    check_can_serve(actor, quotation.customer)
    if quotation.status == st.QuotationStatus.CONVERTED:
        order = quotation.orders.order_by("pk").first()
        if order is not None:
            return order  # a retried request gets the order the first one made
    check_transition(quotation, st.QuotationStatus.CONVERTED)
    today = timezone.localdate()
    if quotation.valid_until and quotation.valid_until < today:
        raise DomainError(_("This quotation expired on %(date)s.") % {"date": format_date(quotation.valid_until)})
    order = SalesOrder(
        company=quotation.company, created_by=actor, updated_by=actor, quotation=quotation,
        customer=quotation.customer, sales_rep=quotation.sales_rep, currency=quotation.currency,
        price_list=quotation.price_list, payment_term=quotation.payment_term,
        customer_reference=quotation.customer_reference, ship_to=quotation.ship_to, notes=quotation.notes,
        net_amount=quotation.net_amount, tax_amount=quotation.tax_amount, total_amount=quotation.total_amount,
        warehouse=warehouse or default_warehouse(quotation.company), requested_date=requested_date,
    )
    order.save()
    lines = []
    for line in quotation.lines.all():
        fields: dict[str, Any] = {name: getattr(line, name) for name in LINE_FIELDS}
        if fields["requested_date"] is not None and fields["requested_date"] < today:
            fields["requested_date"] = requested_date
        lines.append(SalesOrderLine(order=order, line_no=line.line_no, **fields))
    audit.record_created(SalesOrderLine.objects.bulk_create(lines), actor=actor)
    transition(quotation, st.QuotationStatus.CONVERTED, actor=actor)
    return order
