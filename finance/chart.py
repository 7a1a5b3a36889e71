"""Charts of accounts as data: the templates in finance/charts/*.json (docs/finance-charts.md gives
their sources) and which account each role posts to."""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any

from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from erp.models import Company
from finance import status as st

CHARTS = Path(__file__).resolve().parent / "charts"
TEMPLATES = {"tw": _("Taiwan (Business Accounting Item Table, IFRS)"),
             "cn": _("PRC (Accounting Standards for Business Enterprises)")}


@functools.cache
def template_data(key: str) -> dict[str, Any]:
    """The template ``key`` ("tw" or "cn") as its JSON file holds it."""
    if key not in TEMPLATES:
        raise KeyError(key)
    data: dict[str, Any] = json.loads((CHARTS / f"{key}.json").read_text(encoding="utf-8"))
    return data


def default_template(company: Company) -> str:
    """The template a company gets when nobody chose one: the PRC's for a company keeping its books
    in renminbi, Taiwan's otherwise (the product's first market)."""
    return "cn" if company.base_currency == "CNY" else "tw"


def template_choices() -> list[tuple[str, Any]]:
    return list(TEMPLATES.items())


# The journals every company starts with: code, name (a message key, translated when shown), kind.
DEFAULT_JOURNALS = [
    ("SAL", gettext_noop("Sales journal"), st.JournalKind.SALES),
    ("PUR", gettext_noop("Purchases journal"), st.JournalKind.PURCHASES),
    ("BNK", gettext_noop("Cash and bank journal"), st.JournalKind.BANK),
    ("STK", gettext_noop("Inventory journal"), st.JournalKind.INVENTORY),
    ("GEN", gettext_noop("General journal"), st.JournalKind.GENERAL),
]
