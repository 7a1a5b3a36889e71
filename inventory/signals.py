"""What the inventory department announces.

Business events on the durable bus (``EventSignal``: handled after commit, see docs/events.md), and
in-transaction hooks (``Hook``, a Django signal) for the app that owns a delivery note's source
document: inventory stands below it and cannot call it, so it lets that app take part in the same
transaction. The sender of a hook is the source's model class; a receiver refuses by raising a
``DomainError``, which rolls the whole change back.
"""

from django.utils.translation import gettext_lazy as _

from erp.events import EventSignal, Hook

goods_received = EventSignal("inventory.goods_received", _("A goods receipt was posted."))
reorder_needed = EventSignal("inventory.reorder_needed",
                             _("An item's available stock fell below its reorder point."))
# payload ``stock``: [[item id, warehouse id], ...]. Sent by the stock engine whenever stock may
# be reserved that could not be before (goods received, a transfer arrived, a return, a count or
# adjustment found more, reservations released): an app that holds waiting demand reserves it.
stock_available = EventSignal("inventory.stock_available", _(
    "Stock became available to reserve (received, transferred in, returned, counted, or released by a reservation): "
    "per item and warehouse."))
# payload: ``move_ids`` (the moves one posting wrote), ``document`` ("app.model" of the document or
# ""), ``document_id``, ``reference``: finance books their values (each move's value is what the
# stock ledger recorded, to the cent).
stock_posted = EventSignal("inventory.stock_posted", _(
    "Stock moves were posted (receipt, delivery, return, adjustment, count, transfer, production issue or output): "
    "their values are to be booked."))
delivery_posted = EventSignal("inventory.delivery_posted",
                              _("A delivery note was posted: goods left for the customer and are to be invoiced."))

# In-transaction hooks of delivery notes ------------------------------------------------------

# kwargs: ``delivery``, ``actor``; sent before the note is locked (the source's cancellation locks the
# source first too).
delivery_posting = Hook("inventory.delivery_posting", _(
    "A delivery note is about to be posted: lock its source document and refuse if it can no longer ship."))
# kwargs: ``delivery``, ``picked`` = {source line id: base quantity picked on this note}.
delivery_picking = Hook("inventory.delivery_picking", _(
    "Picks are being saved or posted: refuse picking more of a line than the source still has to deliver."))
# kwargs: ``delivery``, ``shipped`` = {source line id: base quantity}, ``actor``.
delivery_shipped = Hook("inventory.delivery_shipped", _(
    "The picked goods left the warehouse: record the delivered quantities on the source document."))

# In-transaction hooks of goods receipts ------------------------------------------------------
# The sender is the model of the receipt's source document, or GoodsReceipt for a receipt without one.

# kwargs: ``receipt``, ``actor``; sent first, before anything is checked or posted: the source's app
# locks its document and refuses if nothing can be received against it any more.
receipt_posting = Hook("inventory.receipt_posting", _(
    "A goods receipt is about to be posted: lock its source document and refuse if it can no longer receive."))
# kwargs: ``receipt``, ``received`` = {source line id: base quantity}, ``lines`` = the posted
# GoodsReceiptLine rows (``posted_location`` and ``lot`` set), ``actor``.
receipt_posted = Hook("inventory.receipt_posted", _(
    "A goods receipt was posted: record the received quantities on the source document; goods posted to "
    "quarantine wait for an incoming inspection."))
# kwargs: ``receipt``, ``received`` = {source line id: base quantity}, ``actor``; sent when a posted
# receipt is voided and reversed, before its moves are reversed.
receipt_reversed = Hook("inventory.receipt_reversed", _(
    "A posted goods receipt was voided and reversed: take the received quantities off the source document."))
