"""A purchase document's amounts: each line rounded to the cent, tax per rate on the document (the
same rule as sales: sales.services.pricing)."""

from __future__ import annotations

from sales.services.pricing import document_totals, line_amount

__all__ = ["document_totals", "line_amount"]
