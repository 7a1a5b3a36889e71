"""What inventory adds to other documents' pages (erp.registry): the stock a document reserves, and the
delivery notes made for a source document.

``document_reservations`` is registered by inventory for every document (shown when it holds any).
``source_deliveries`` shows its empty state too ("no delivery note yet"), so it belongs only on the
pages of documents that are shipped through delivery notes: the app that owns such a document puts
it there (sales, for its orders), since inventory cannot name the documents of the apps above it.
"""

from __future__ import annotations

from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db.models import Model

from inventory.models import Reservation
from inventory.selectors import deliveries_for_source, delivery_lines_for_source


def document_reservations(user: Any, document: Model) -> dict[str, Any] | None:
    """The stock ``document`` reserves or reserved (every status), per line and location; None if none."""
    reservations = list(
        Reservation.objects.filter(document_type=ContentType.objects.get_for_model(document),
                                   document_id=document.pk)
        .select_related("item", "item__base_unit", "location", "lot").order_by("line_id", "pk"))
    return {"reservations": reservations} if reservations else None


def source_deliveries(user: Any, document: Model) -> dict[str, Any]:
    """The delivery notes made for ``document`` with their lines: two queries, whatever their number."""
    deliveries = list(deliveries_for_source(document).select_related("warehouse", "backorder_of"))
    lines: dict[int, list[Any]] = {}
    if deliveries:
        rows = delivery_lines_for_source(document).select_related("item", "unit", "location", "lot").order_by("pk")
        for line in rows:
            lines.setdefault(line.document_id, []).append(line)
    for delivery in deliveries:
        delivery.line_rows = lines.get(delivery.pk, [])
    return {"deliveries": deliveries}
