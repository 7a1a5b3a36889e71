"""An item named like a formula is exported as text, at once and in the background (issue 10)."""

import pytest

from inventory.models import Item
from tests.exports import exported_csv, exported_sheet

URL = "/inventory/items/?q=SCR-M3"


@pytest.fixture
def hostile(inv):
    Item.objects.filter(pk=inv.screw.pk).update(name="-1+cmd|' /C calc'!A0", specification="=1+2")
    return inv


@pytest.mark.parametrize("inline_rows", [5000, 0], ids=["at once", "in the background"])
def test_an_item_named_like_a_formula_is_exported_as_text(hostile, client, settings, inline_rows):
    settings.EXPORT_INLINE_ROWS = inline_rows
    client.force_login(hostile.admin)

    as_csv = exported_csv(client, URL)
    row = exported_sheet(client, URL)[2]

    assert as_csv[1][:3] == ["SCR-M3", "'-1+cmd|' /C calc'!A0", "'=1+2"]
    assert [(c.value, c.data_type) for c in row[:3]] == [
        ("SCR-M3", "s"), ("-1+cmd|' /C calc'!A0", "s"), ("=1+2", "s")]
