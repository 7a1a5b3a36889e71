"""Inventory's hand-written SQL (docs/architecture.md, "Hand-written SQL"): the only module of
``inventory`` that opens a cursor, and the one place of the first-expiry-first-out rule.

FEFO: stock is taken from the lots that expire first, stock without a lot or an expiry date last,
then by location code, then by lot id. The database function ``inventory_fefo_key`` (migration 0011)
is the expiry part, used by ``inventory_reserve`` in the database and through ``FefoKey`` by every
ORM ordering (``FEFO_BALANCE_ORDER``, the pick suggestions, the delivery-note lines); the parity
test (tests/inventory/test_sql.py) proves the reservation engine and the pick list take the same
balances in the same order.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any, cast

from django.db import transaction
from django.db.models import DateField, F, Func
from django.db.models.expressions import Combinable


class FefoKey(Func):
    """The FEFO sort key of a lot's expiry date (``inventory_fefo_key``): the date, or infinity for
    no lot or no date. Order by it ascending."""

    function = "inventory_fefo_key"
    output_field = DateField()

    def __init__(self, expires_on: str | Combinable, **extra: Any) -> None:
        super().__init__(F(expires_on) if isinstance(expires_on, str) else expires_on, **extra)


def fefo_balance_order(prefix: str = "") -> list[Any]:
    """The FEFO order of stock balances (or of rows with ``lot``, ``location`` and ``lot_id`` at
    ``prefix``): what ``inventory_reserve`` takes first comes first."""
    return [FefoKey(f"{prefix}lot__expires_on"), F(f"{prefix}location__code"),
            F(f"{prefix}lot_id").asc(nulls_first=True)]


def reserve(*, company_id: int, document_type_id: int, document_id: int, reference: str, actor_id: int | None,
            partial: bool, requests: Sequence[Mapping[str, Any]], audit: Mapping[str, Any]) -> dict[str, Any]:
    """Call ``inventory_reserve`` (migration 0011, rules in 0007): lock, choose the balances in FEFO
    order, write the reservations, raise the balances' and valuations' ``reserved`` and record one
    audit entry on the document, what was reserved where (migration 0012; ``audit``:
    ``erp.audit.Context`` as JSON). Returns {"reserved": {line id or "": quantity}} or
    {"short": index, "available": …}.
    The ORM formulation is the Python engine the function replaced (tests/inventory/test_sql.py
    keeps one as the parity reference).

    Why raw: reserving every line of an order is one round trip instead of a lock, a read and three
    writes: 5 statements and 2.9 ms became one statement and about 0.8 ms (bench/README.md, "Sales
    figures", 2026-11-28)."""
    with transaction.get_connection().cursor() as cursor:
        cursor.execute("SELECT inventory_reserve(%s, %s, %s, %s, %s, %s, %s::jsonb, %s::jsonb)",
                       [company_id, document_type_id, document_id, reference, actor_id, partial,
                        json.dumps(list(requests)), json.dumps(dict(audit))])
        (result,) = cursor.fetchone()
    # Django hands jsonb over as text
    return cast(dict[str, Any], json.loads(result) if isinstance(result, str) else result)
