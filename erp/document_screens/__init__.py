"""Document screens: a department declares a ``DocumentKind`` (its model, scoped selector, list
columns and filters, header and line forms with their save service, header rows and line columns,
print signatures and actions) and gets the list (filters, pagination, XLSX/CSV export, htmx results),
detail (actions, other apps' panels, history), create/edit, print and action screens with their URL
patterns from ``kind.urls()``. Templates: ``templates/erp/documents/*.html``, with blocks a
department's templates extend. See docs/architecture.md, "Document screens".
"""

from erp.document_screens.columns import (
    COST,
    MONEY,
    QTY,
    Cell,
    Column,
    LineRow,
    ListRow,
    created_by_column,
    date_column,
    line_count_column,
    number_column,
    posted_at_column,
    render_cell,
    shown,
    status_column,
)
from erp.document_screens.forms import LineFormSet
from erp.document_screens.kinds import DocumentKind, Entry, LinkAction, ServiceAction, Templates, kinds_urls

__all__ = [
    "COST", "MONEY", "QTY", "Cell", "Column", "DocumentKind", "Entry", "LineFormSet", "LineRow", "LinkAction",
    "ListRow",
    "ServiceAction", "Templates", "created_by_column", "date_column", "kinds_urls", "line_count_column",
    "number_column", "posted_at_column", "render_cell", "shown", "status_column",
]
