"""Business events the sales department announces (see docs/events.md)."""

from django.utils.translation import gettext_lazy as _

from erp.events import EventSignal

order_confirmed = EventSignal(
    "sales.order_confirmed",
    _("A sales order was confirmed: its stock is reserved; what was reserved is to be picked and shipped."),
)
production_requested = EventSignal(
    "sales.production_requested",
    _("A confirmed order is short of items the company makes: item, quantity and required date per line."),
)
purchase_requested = EventSignal(
    "sales.purchase_requested",
    _("A confirmed order is short of items the company buys: item, quantity and required date per line."),
)
order_cancelled = EventSignal(
    "sales.order_cancelled",
    _("A sales order was cancelled or its undelivered rest closed; its reservations were released."),
)
return_posted = EventSignal(
    "sales.return_posted",
    _("A customer return was posted: the goods are back in stock and a credit note is due."),
)
