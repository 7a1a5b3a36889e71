"""erp.messages: text stored as a message key with parameters, shown in the reader's language and
formats (design rule 9)."""

import datetime
from decimal import Decimal

from django.utils import translation
from django.utils.translation import gettext_lazy

from erp.messages import in_default_language, message, money, quantity, render, text_and_message


def test_dates_and_numbers_are_stored_language_neutral_and_shown_in_the_readers_formats():
    stored = message("Line %(n)s: %(code)s %(name)s — %(quantity)s %(unit)s by %(date)s", n=2, code="PMP-1",
                     name="油壓泵", quantity=Decimal("1234.5000"), unit="PCS", date=datetime.date(2026, 12, 7))

    assert stored["params"] == {"n": 2, "code": "PMP-1", "name": "油壓泵", "unit": "PCS",
                                "quantity": {"number": "1234.5000", "format": "quantity"},
                                "date": {"date": "2026-12-07"}}
    with translation.override("en"):
        assert render(stored) == "Line 2: PMP-1 油壓泵 — 1,234.5 PCS by 2026-12-07"
    with translation.override("zh-hant"):
        assert render(stored) == "第 2 行：PMP-1 油壓泵 — 1,234.5 PCS，需求日期 2026/12/07"
    assert in_default_language(stored) == "第 2 行：PMP-1 油壓泵 — 1,234.5 PCS，需求日期 2026/12/07"


def test_amounts_quantities_lists_and_nested_messages():
    lines = [message("Credit approved."), message("Draft %(type)s #%(id)s", type="SO", id=12)]
    nested = message("Approve credit for %(order)s (%(customer)s)", customer="C001",
                     order=message("Draft %(type)s #%(id)s", type="SO", id=12))

    with translation.override("en"):
        assert render(lines) == "Credit approved.\nDraft SO #12"
        assert render(nested) == "Approve credit for Draft SO #12 (C001)"
        assert render(message("%(a)s / %(b)s", a=money("36540"), b=quantity("0.8800"))) == "36,540.00 / 0.88"
    with translation.override("zh-hans"):
        assert render(nested) == "信用审批：SO 草稿 #12（C001）"


def test_no_message_or_a_broken_one_shows_the_stored_text():
    assert render(None, "為 SO-1 安排生產") == "為 SO-1 安排生產"
    assert render({"key": "Plan production for %(order)s", "params": {}}, "stored text") == "stored text"
    assert render({"key": "Plan production for %(order)s", "params": {"other": "x"}}, "") == (
        "Plan production for %(order)s")


def test_a_persons_text_is_kept_as_typed_and_a_message_with_its_site_language_text():
    assert text_and_message("請確認包裝") == ("請確認包裝", None)
    assert text_and_message(gettext_lazy("Task inbox")) == ("待辦事項", None)  # a lazy text is a text
    stored = message("Plan production for %(order)s", order="SO-1")
    assert text_and_message(stored) == ("為 SO-1 安排生產", stored)
