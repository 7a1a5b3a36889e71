"""Stock of another warehouse brought to a shortage: one action makes the transfer and the task.

A confirmed sales order short of an item its warehouse lacks, while another warehouse of the
company holds some: ``transfer_create_for_shortage`` makes a stock transfer (a draft) from that
warehouse to the order's for what is short and available there, and gives the warehouse a task
to ship it. The transfer names the document it serves (its source, a generic reference: inventory
stands below sales). Nothing is reserved at the source now: shipping checks availability under
lock (``transfer_ship`` → ``post_moves``) and refuses to take more than is free then. The goods
arrive only through ``transfer_receive``, where waiting orders take them.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from django.contrib.contenttypes.models import ContentType
from django.db.models import Model
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from erp import messages
from erp.db import atomic_with_retry
from erp.errors import DomainError
from erp.models import Company, User
from erp.roles import WAREHOUSE
from inventory import status as st
from inventory.models import Item, Location, StockBalance, StockTransfer, Warehouse
from inventory.selectors import open_transfer_quantities, transferable_balances
from inventory.services.documents import LineInput, transfer_save
from office.services import task_assign

ZERO = Decimal("0")
SHIP_TRANSFER_TASK = "inventory.ship_transfer"  # the warehouse's task for a shortage transfer: one open per transfer

ShortLine = tuple[Item, Decimal]  # an item and how much of it is short (base unit)


def destination_locations(warehouse: Warehouse, item_ids: Sequence[int]) -> dict[int, Location]:
    """{item id: where the goods go in ``warehouse``}: the active storage location already holding
    most of the item, otherwise the warehouse's first active storage location (by code). Two queries."""
    storage = Location.objects.filter(warehouse=warehouse, kind=st.LocationKind.INTERNAL, is_active=True)
    first = storage.order_by("code").first()
    if first is None:
        raise DomainError(_("%(warehouse)s has no active storage location to receive the goods in.")
                          % {"warehouse": warehouse.code}, field="warehouse")
    chosen: dict[int, Location] = {}
    held = (StockBalance.objects.filter(warehouse=warehouse, item_id__in=item_ids, on_hand__gt=0,
                                        location__in=storage)
            .select_related("location").order_by("item_id", "-on_hand", "location__code"))
    for balance in held:
        chosen.setdefault(balance.item_id, balance.location)
    return {item_id: chosen.get(item_id, first) for item_id in item_ids}


def check_warehouses(company: Company, from_warehouse: Warehouse, to_warehouse: Warehouse) -> None:
    if from_warehouse.company_id != company.pk or to_warehouse.company_id != company.pk:
        raise DomainError(_("The warehouse belongs to another company."), field="warehouse")
    if from_warehouse.pk == to_warehouse.pk:
        raise DomainError(_("Choose a warehouse other than the one the goods are needed in."), field="warehouse")
    if not from_warehouse.is_active or not to_warehouse.is_active:
        raise DomainError(_("Both warehouses must be active."), field="warehouse")


def still_needed(company: Company, source: Model,
                 lines: Sequence[ShortLine]) -> tuple[dict[int, Item], dict[int, Decimal]]:
    """({item id: item}, {item id: quantity}) of what is short and not yet on its way on an open
    transfer for ``source``, per item (several lines of one item add up)."""
    items: dict[int, Item] = {}
    short: dict[int, Decimal] = {}
    for item, quantity in lines:
        if item.company_id != company.pk:
            raise DomainError(_("The item belongs to another company."), field="lines")
        if not item.is_stocked or quantity <= 0:
            continue
        items[item.pk] = item
        short[item.pk] = short.get(item.pk, ZERO) + quantity
    on_the_way = open_transfer_quantities(source)
    needed = {pk: quantity - on_the_way.get(pk, ZERO) for pk, quantity in short.items()}
    return items, {pk: quantity for pk, quantity in needed.items() if quantity > 0}


def lines_from(company: Company, from_warehouse: Warehouse, items: dict[int, Item], needed: dict[int, Decimal],
               destinations: dict[int, Location]) -> list[LineInput]:
    """Transfer lines for ``needed`` out of what is free to transfer at ``from_warehouse``
    (``selectors.transferable_balances``: not reserved, not on another draft transfer), first-expiring
    lots first (the order reservations take): one line per location and lot."""
    remaining = dict(needed)
    result: list[LineInput] = []
    for balance, free in transferable_balances(company, list(needed), warehouse=from_warehouse):
        take = min(free, remaining[balance.item_id])
        if take <= 0:
            continue
        remaining[balance.item_id] -= take
        item = items[balance.item_id]
        result.append({"item": item, "unit": item.base_unit, "quantity": take, "from_location": balance.location,
                       "to_location": destinations[item.pk], "lot": balance.lot})
    return result


@atomic_with_retry
def transfer_create_for_shortage(*, company: Company, source: Model, to_warehouse: Warehouse,
                                 from_warehouse: Warehouse, lines: Sequence[ShortLine], actor: User,
                                 reference: str = "") -> StockTransfer:
    """A draft transfer from ``from_warehouse`` to ``to_warehouse`` for ``source``'s shortage:
    for each item of ``lines`` ((item, quantity short in base units)), the smaller of what is still
    short — less what open transfers for ``source`` already bring — and what is free at the source
    now (not reserved, not on another draft transfer); and a task for the warehouse to ship it
    (closed when the transfer is received, or cancelled with it).

    Refused (DomainError, nothing written) for another company's warehouse or item, when open
    transfers already cover the shortage (a second click), or when the source has none of it
    available. ``reference``: how the transfer names its source (default ``source.reference``)."""
    check_warehouses(company, from_warehouse, to_warehouse)
    reference = (reference or str(getattr(source, "reference", "")))[:60]
    # One shortage transfer at a time into a warehouse: a double click (or two keepers at once,
    # from two warehouses) waits here for the first to commit, then counts its transfer as on the way.
    # FOR NO KEY UPDATE: rows pointing at the warehouse (moves, balances) can still be written meanwhile.
    list(Warehouse.objects.select_for_update(no_key=True).filter(pk=to_warehouse.pk))
    items, needed = still_needed(company, source, lines)
    if not needed:
        raise DomainError(_("Transfers under way already cover what %(document)s is short of.")
                          % {"document": reference})
    inputs = lines_from(company, from_warehouse, items, needed, destination_locations(to_warehouse, list(needed)))
    if not inputs:
        raise DomainError(_("%(warehouse)s has nothing available of what %(document)s is short of.")
                          % {"warehouse": from_warehouse.code, "document": reference})
    transfer = transfer_save(company=company, actor=actor, warehouse=from_warehouse, to_warehouse=to_warehouse,
                             lines=inputs, source_type=ContentType.objects.get_for_model(source),
                             source_id=source.pk, source_reference=reference)
    task_assign(
        company=company, role=WAREHOUSE, document=transfer, close_on_status=st.TransferStatus.RECEIVED,
        kind=SHIP_TRANSFER_TASK, actor=actor,
        title=messages.message(gettext_noop("Ship stock from %(from)s to %(to)s for %(document)s"),
                               **{"from": from_warehouse.code, "to": to_warehouse.code, "document": reference}),
        description=messages.message(gettext_noop("Transfer %(transfer)s brings what %(document)s is short of to "
                                                  "%(to)s."), transfer=messages.reference(transfer),
                                     document=reference, to=to_warehouse.code),
    )
    return transfer
