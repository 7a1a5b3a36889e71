"""What the inventory department announces.

Business events on the durable bus (``EventSignal``: handled after commit, see docs/events.md), and
in-transaction hooks (Django ``Signal``) for the app that owns a delivery note's source document:
inventory stands below it and cannot call it, so it lets that app take part in the same transaction.
The sender of a hook is the source's model class; a receiver refuses by raising a ``DomainError``,
which rolls the whole change back.
"""

from django.dispatch import Signal
from django.utils.translation import gettext_lazy as _

from erp.events import EventSignal

goods_received = EventSignal("inventory.goods_received", _("A goods receipt was posted."))
reorder_needed = EventSignal("inventory.reorder_needed",
                             _("An item's available stock fell below its reorder point."))
delivery_posted = EventSignal("inventory.delivery_posted",
                              _("A delivery note was posted: goods left for the customer and are to be invoiced."))

# In-transaction hooks of delivery notes ------------------------------------------------------

#: A note is about to be posted (kwargs: ``delivery``, ``actor``), sent before the note is locked:
#: lock the source document first (its cancellation locks it first too) and refuse if it cannot ship.
delivery_posting = Signal()

#: Picks are being saved or posted (kwargs: ``delivery``, ``picked`` = {source line id: base quantity
#: picked on this note}): refuse picking more of a line than the source still has to deliver.
delivery_picking = Signal()

#: The picked stock has left (kwargs: ``delivery``, ``shipped`` = {source line id: base quantity},
#: ``actor``): record it on the source document (delivered quantities, status).
delivery_shipped = Signal()
