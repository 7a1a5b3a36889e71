from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django import template

from sales.selectors import tax_label as _tax_label

register = template.Library()


@register.filter
def tax_label(lines: Iterable[Any]) -> str:
    """The tax row's label of a document from its lines' tax codes: {{ lines|tax_label }} → 營業稅 5%."""
    return _tax_label(getattr(line, "tax_code", None) for line in lines)
