"""Automatic postings: what the other departments' posted documents book in the ledger.

Each is idempotent per source (``source_key``): a redelivered event returns the entry already posted.
The rules name account roles, never codes. Adding a source is a rule here plus one receiver.

Stock: every posting of stock moves (inventory.stock_posted) books the moves' values — exactly what
the stock ledger recorded — to the inventory account of the item's category and warehouse, against
the account of the move type's role below. So the inventory accounts hold, to the cent, the sum of
the stock ledger's values: the stock valuation report. An adjustment books against the account of
its document's reason when the inventory adjustments role is mapped for that reason (scrap to a
scrap-loss account), the role's other mappings otherwise.

Production: issues book Dr work in process / Cr inventory at the components' value, completions
Dr inventory / Cr work in process at the finished goods' and by-products' value. A closed work order
(production.work_order_closed) then books Dr work in process / Cr applied direct labour and applied
manufacturing overhead at the order's actual labour and overhead (what its completions put into the
goods' value besides material), and moves what is still in work in process for it — actual material
+ labour + overhead − finished goods value − by-products value: material issued and not used, or
cents of the unit costs' rounding — to production variance, so a closed order leaves nothing in work
in process. Rule (docs/finance.md): finished goods are carried at actual cost, so the standard-vs-
actual variances the event also carries are a costing report, not ledger amounts.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.contrib.contenttypes.models import ContentType
from django.utils import timezone
from django.utils.translation import gettext as _

from erp.models import Company
from erp.money import round_money
from finance import status as st
from finance.models import Account, JournalEntry
from finance.services.ledger import Line, RoleAccounts, SourceRef, entry_record, journal_of_kind
from inventory import status as inventory_status
from inventory.models import StockAdjustment, StockMove

if TYPE_CHECKING:
    from production.models import WorkOrder
    from purchasing.models import SupplierInvoice

ZERO = Decimal("0")
MoveType = inventory_status.MoveType

# move type -> (journal kind, the role booked against inventory). None: inventory on both sides (a
# transfer: it books only where the two warehouses' inventory accounts differ).
STOCK_RULES: dict[str, tuple[str, str | None]] = {
    MoveType.RECEIPT: (st.JournalKind.INVENTORY, st.AccountRole.GRNI),
    MoveType.SUPPLIER_RETURN: (st.JournalKind.INVENTORY, st.AccountRole.GRNI),
    MoveType.DELIVERY: (st.JournalKind.INVENTORY, st.AccountRole.COGS),
    MoveType.CUSTOMER_RETURN: (st.JournalKind.INVENTORY, st.AccountRole.COGS),
    MoveType.ADJUSTMENT: (st.JournalKind.INVENTORY, st.AccountRole.STOCK_ADJUSTMENT),
    MoveType.COUNT_VARIANCE: (st.JournalKind.INVENTORY, st.AccountRole.COUNT_VARIANCE),
    MoveType.ISSUE: (st.JournalKind.INVENTORY, st.AccountRole.STOCK_ISSUE),
    MoveType.PRODUCTION_CONSUMPTION: (st.JournalKind.INVENTORY, st.AccountRole.WIP),
    MoveType.PRODUCTION_OUTPUT: (st.JournalKind.INVENTORY, st.AccountRole.WIP),
    MoveType.OPENING: (st.JournalKind.INVENTORY, st.AccountRole.OPENING_BALANCE),
    MoveType.TRANSFER_OUT: (st.JournalKind.INVENTORY, None),
    MoveType.TRANSFER_IN: (st.JournalKind.INVENTORY, None),
}


def merged(lines: Iterable[Line]) -> list[Line]:
    """One line per account and partner with the net amount (a transfer inside one account nets to
    nothing), in the order the accounts first appear."""
    net: dict[tuple[int, int | None, int | None], Decimal] = defaultdict(lambda: ZERO)
    accounts: dict[int, Account] = {}
    descriptions: dict[tuple[int, int | None, int | None], str] = {}
    for line in lines:
        key = (line.account.pk, line.customer_id, line.supplier_id)
        accounts[line.account.pk] = line.account
        net[key] += line.debit - line.credit
        descriptions.setdefault(key, line.description)
    return [Line.signed(accounts[key[0]], amount, description=descriptions[key], customer_id=key[1],
                        supplier_id=key[2]) for key, amount in net.items() if amount]


def adjustment_reasons(moves: list[StockMove]) -> dict[int, int]:
    """{stock adjustment id: its reason id} of the adjustment documents of ``moves``: one query, and
    none when no move is an adjustment's."""
    adjustment_type = ContentType.objects.get_for_model(StockAdjustment).pk  # cached after the first call
    ids = {move.document_id for move in moves if move.move_type == MoveType.ADJUSTMENT
           and move.document_type_id == adjustment_type and move.document_id is not None}
    if not ids:
        return {}
    return dict(StockAdjustment.objects.filter(pk__in=ids).values_list("pk", "reason_id"))


def source_of_move(move: StockMove) -> SourceRef | None:
    """The move's document by its type and id (not loaded: its reference is on the move)."""
    if move.document_type_id is None or move.document_id is None:
        return None
    return SourceRef(move.document_type_id, move.document_id, move.document_reference)


def stock_moves_book(*, company: Company, move_ids: list[int], reference: str = "") -> JournalEntry | None:
    """Book one stock posting's moves (see the module's docstring); None when they net to nothing."""
    moves = list(StockMove.objects.filter(company=company, pk__in=move_ids)
                 .select_related("item", "posted_by").order_by("pk"))
    if not moves:
        return None
    roles = RoleAccounts(company)
    reasons = adjustment_reasons(moves)
    lines: list[Line] = []
    for move in moves:
        if not move.value:
            continue
        _journal, counter_role = STOCK_RULES[move.move_type]
        category, warehouse = move.item.category_id, move.warehouse_id
        label = str(move.get_move_type_display())
        lines.append(Line.signed(roles.get(st.AccountRole.INVENTORY, category, warehouse), move.value,
                                 description=label))
        if counter_role is not None:  # a transfer's other half is its other move
            reason = reasons.get(move.document_id) if move.move_type == MoveType.ADJUSTMENT else None
            lines.append(Line.signed(roles.get(counter_role, category, warehouse, reason), -move.value,
                                     description=label))
    lines = merged(lines)
    if not lines:
        return None
    first = moves[0]
    day = timezone.localdate(first.posted_at)
    journal = journal_of_kind(company, STOCK_RULES[first.move_type][0])
    return entry_record(company=company, journal=journal, date=day, lines=lines,
                        memo=reference or first.document_reference,
                        source=source_of_move(first), source_key=f"stock:{first.pk}", actor=first.posted_by,
                        roles=roles,
                        rounding=True)  # a transfer's last units leave at their remaining value: cents


def supplier_invoice_book(*, invoice: SupplierInvoice) -> JournalEntry | None:
    """A posted supplier invoice: the received value it bills comes off goods received not invoiced,
    its tax is input tax, the total is payable to the supplier; what it bills above or below the
    order's price (the value the goods were received at) is purchase price variance.

    Rule (docs/finance.md): the difference always goes to purchase price variance, also while the goods
    are still in stock — the stock ledger keeps the order price it received them at, so the inventory
    account keeps equalling the stock valuation."""
    company = invoice.company
    roles = RoleAccounts(company)
    reference = invoice.number
    lines_rows = list(invoice.lines.all())
    expected = sum((row.expected_amount for row in lines_rows), ZERO)
    net = invoice.net_amount
    description = _("%(invoice)s (%(supplier)s)") % {"invoice": reference, "supplier": invoice.supplier.code}
    lines = [
        Line.signed(roles.get(st.AccountRole.GRNI), expected, description=description),
        Line.signed(roles.get(st.AccountRole.PRICE_VARIANCE), round_money(net - expected), description=description),
        Line.signed(roles.get(st.AccountRole.INPUT_TAX), invoice.tax_amount, description=description),
        Line.signed(roles.get(st.AccountRole.PAYABLE), -invoice.total_amount, description=description,
                    supplier_id=invoice.supplier_id),
    ]
    lines = merged(lines)
    if not lines:  # an invoice of nothing (goods free of charge received at no value): nothing to book
        return None
    return entry_record(company=company, journal=journal_of_kind(company, st.JournalKind.PURCHASES),
                        date=invoice.document_date, lines=lines, memo=description, source=invoice,
                        source_key=f"supplier-invoice:{invoice.pk}", actor=invoice.updated_by, roles=roles,
                        rounding=True)


def work_order_close_book(*, work_order: WorkOrder, payload: dict[str, Any]) -> JournalEntry | None:
    """A closed work order (the figures of its ``production.work_order_closed`` event): Dr work in
    process / Cr applied direct labour and applied manufacturing overhead at its actual labour and
    overhead; what is then left in work in process for it goes to production variance (see the
    module's docstring). Work in process is the account of the order's item's category and warehouse,
    where its completions were credited. None when there is nothing to book."""
    company = work_order.company
    actual = payload["actual"]
    material, labour, overhead = (Decimal(actual[key]) for key in ("material", "labour", "overhead"))
    left = (material + labour + overhead - Decimal(payload["finished_goods_value"])
            - Decimal(payload.get("byproduct_value") or ZERO))
    roles = RoleAccounts(company)
    wip = roles.get(st.AccountRole.WIP, work_order.item.category_id, work_order.warehouse_id)
    number = payload.get("number") or work_order.number
    applied = _("%(order)s: labour and overhead applied") % {"order": number}
    remainder = _("%(order)s: left in work in process at closing") % {"order": number}
    lines = merged([
        Line.signed(wip, labour + overhead, description=applied),
        Line.signed(roles.get(st.AccountRole.LABOUR_APPLIED), -labour, description=applied),
        Line.signed(roles.get(st.AccountRole.OVERHEAD_APPLIED), -overhead, description=applied),
        Line.signed(roles.get(st.AccountRole.PRODUCTION_VARIANCE), left, description=remainder),
        Line.signed(wip, -left, description=remainder),
    ])
    if not lines:
        return None
    return entry_record(company=company, journal=journal_of_kind(company, st.JournalKind.INVENTORY),
                        date=datetime.date.fromisoformat(payload["closed_on"]), lines=lines,
                        memo=_("Work order %(order)s closed") % {"order": number}, source=work_order,
                        source_key=f"work-order-close:{work_order.pk}", actor=work_order.updated_by, roles=roles)
