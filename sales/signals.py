"""Business events the sales department announces (see docs/events.md)."""

import datetime
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from erp import messages
from erp.events import EventSignal, Hook

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
shortage_reduced = EventSignal(
    "sales.shortage_reduced",
    _("Stock that arrived was reserved for a waiting order: per line what was reserved now and what is still short, "
      "so production and purchasing can reduce what they were asked for."),
)
order_cancelled = EventSignal(
    "sales.order_cancelled",
    _("A sales order was cancelled or its undelivered rest closed; its reservations were released."),
)
return_posted = EventSignal(
    "sales.return_posted",
    _("A customer return was posted: the goods are back in stock and a credit note is due."),
)

# In-transaction hooks ---------------------------------------------------------------------------

# kwargs: ``order``, ``lines`` (its SalesOrderLine rows); sent by the order page (sales.selectors.
# order_tracking). A receiver returns {line id: ShortageState} for the lines its department has worked
# on (production: work orders pegged to the line answer "planned"); sales reads, never imports, them.
shortage_worked = Hook("sales.shortage_worked", _(
    "The order page asks where the order's short lines stand: a department answers for the lines it has "
    "worked on (planned, ordered)."))


def shortage_left(payload: Mapping[str, Any], procurement: str) -> list[messages.Message] | None:
    """For a subscriber of ``shortage_reduced``: the description of what is still short of the
    items procured so (``procurement``: make or buy), as ``shortage_description`` writes it — empty
    when nothing is left; None when nothing of them was reserved now (the request stands as it was)."""
    ours = [line for line in payload["lines"] if line["procurement"] == procurement]
    if not any(Decimal(line["reserved"]) > 0 for line in ours):
        return None
    still_short = [{**line, "quantity": line["short"]} for line in ours if Decimal(line["short"]) > 0]
    return shortage_description({"lines": still_short})[0] if still_short else []


def shortage_description(payload: Mapping[str, Any]) -> tuple[list[messages.Message], datetime.date]:
    """The lines of a production_requested / purchase_requested payload as a task's description (one
    message per line, shown in the reader's language and formats), and the earliest required date:
    (description, date)."""
    rows = [
        messages.message(gettext_noop("Line %(n)s: %(code)s %(name)s — %(quantity)s %(unit)s by %(date)s"),
                         n=line["line_no"], code=line["item_code"], name=line["item_name"],
                         quantity=messages.quantity(line["quantity"]), unit=line["unit"],
                         date=datetime.date.fromisoformat(line["required_date"]))
        for line in payload["lines"]
    ]
    earliest = min(line["required_date"] for line in payload["lines"])
    return rows, datetime.date.fromisoformat(earliest)
