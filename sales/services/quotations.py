"""Quotations: draft, sent, converted into a sales order (one action, the order links back), cancelled."""

from django.utils import timezone
from django.utils.translation import gettext as _

from erp import audit
from erp.db import atomic_with_retry
from erp.documents import check_transition, transition
from erp.errors import DomainError, ImmutableDocument
from sales import status as st
from sales.models import Quotation, QuotationLine
from sales.services.lines import LINE_FIELDS, apply_totals, check_header, priced_lines
from sales.services.masterdata import check_can_serve

HEADER_FIELDS = ("customer", "sales_rep", "document_date", "valid_until", "customer_reference", "ship_to", "notes",
                 "payment_term")


@atomic_with_retry
def quotation_save(*, company, actor, lines, quotation=None, **header):
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
    check_header(company=company, customer=customer, actor=actor)
    for name, value in header.items():
        setattr(quotation, name, value)
    fill_from_customer(quotation, customer, actor)
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


def fill_from_customer(document, customer, actor):
    """Defaults a new document takes from its customer (the rep, terms, price list, address)."""
    document.customer = customer
    if not document.sales_rep_id:
        document.sales_rep = customer.owner or actor
    if not document.payment_term_id:
        document.payment_term = customer.payment_term
    document.currency = customer.currency or document.currency
    from sales.services.pricing import price_list_for

    document.price_list = price_list_for(customer)
    if not document.ship_to:
        document.ship_to = customer.shipping_address or customer.billing_address


@atomic_with_retry
def quotation_send(*, quotation, actor):
    """Mark the quotation as sent to the customer: it takes its number and can no longer change."""
    check_can_serve(actor, quotation.customer)
    return transition(quotation, st.QuotationStatus.SENT, actor=actor)


@atomic_with_retry
def quotation_cancel(*, quotation, actor):
    check_can_serve(actor, quotation.customer)
    return transition(quotation, st.QuotationStatus.CANCELLED, actor=actor)


@atomic_with_retry
def quotation_convert(*, quotation, actor, warehouse=None, requested_date=None):
    """Copy the quotation into a draft sales order (same lines and prices) and mark it converted.

    Converting twice is refused by the status table, so a double click makes one order."""
    from sales.models import SalesOrder, SalesOrderLine
    from sales.services.orders import default_warehouse

    quotation = Quotation.objects.select_for_update().get(pk=quotation.pk)
    check_can_serve(actor, quotation.customer)
    if quotation.status == st.QuotationStatus.CONVERTED:
        order = quotation.orders.order_by("pk").first()
        if order is not None:
            return order  # a retried request gets the order the first one made
    check_transition(quotation, st.QuotationStatus.CONVERTED)
    today = timezone.localdate()
    if quotation.valid_until and quotation.valid_until < today:
        raise DomainError(_("This quotation expired on %(date)s.") % {"date": quotation.valid_until})
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
        fields = {name: getattr(line, name) for name in LINE_FIELDS}
        if fields["requested_date"] is not None and fields["requested_date"] < today:
            fields["requested_date"] = requested_date
        lines.append(SalesOrderLine(order=order, line_no=line.line_no, **fields))
    audit.record_created(SalesOrderLine.objects.bulk_create(lines), actor=actor)
    transition(quotation, st.QuotationStatus.CONVERTED, actor=actor)
    return order
