"""What the purchasing department announces (durable events, docs/events.md)."""

from django.utils.translation import gettext_lazy as _

from erp.events import EventSignal

# payload: invoice_id, number, supplier_id, supplier_code, net_amount, tax_amount, total_amount (text
# decimals), currency, invoice_date, due_date, lines [{order_line_id, item_id, quantity_base,
# net_amount, expected_amount}]
invoice_posted = EventSignal("purchasing.invoice_posted", _(
    "A supplier invoice was posted (matched, or its mismatch accepted): a payable is due to the supplier."))
