"""Business events the inventory department announces (see docs/events.md)."""

from django.utils.translation import gettext_lazy as _

from erp.events import EventSignal

goods_received = EventSignal("inventory.goods_received", _("A goods receipt was posted."))
reorder_needed = EventSignal("inventory.reorder_needed",
                             _("An item's available stock fell below its reorder point."))
delivery_posted = EventSignal("inventory.delivery_posted",
                              _("A delivery note was posted: goods left for the customer and are to be invoiced."))
