"""Template filters of the approval screens: a type's label, a step as people read it, a submitted
condition value in the reader's number format."""

from __future__ import annotations

from typing import Any

from django import template

from erp.money import format_money, format_quantity
from office.approval_types import AMOUNT, NUMBER, to_decimal, type_label
from office.services.approvals import step_label as _step_label

register = template.Library()


@register.filter
def approval_type_label(key: str) -> Any:
    return type_label(key)


@register.filter
def step_label(step: Any) -> str:
    return _step_label(step)


@register.filter
def approval_value(entry: dict[str, Any]) -> str:
    """A condition value as submitted: amounts and numbers in the reader's format, the rest as text."""
    number = to_decimal(entry.get("value")) if entry.get("kind") in (AMOUNT, NUMBER) and entry.get("value") else None
    if number is not None:
        return format_money(number) if entry.get("kind") == AMOUNT else format_quantity(number)
    return str(entry.get("text") or "—")
