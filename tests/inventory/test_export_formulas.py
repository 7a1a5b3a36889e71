"""An item named like a formula is exported as text, at once and in the background (issue 10)."""

import csv
import io

import pytest
from openpyxl import load_workbook

from erp.export_jobs import run_job
from erp.models import ExportJob
from inventory.models import Item


@pytest.fixture
def hostile(inv):
    Item.objects.filter(pk=inv.screw.pk).update(name="-1+cmd|' /C calc'!A0", specification="=1+2")
    return inv


def exported(client, fmt):
    response = client.get(f"/inventory/items/?q=SCR-M3&export={fmt}")
    if response.status_code == 302:  # in the background
        job = ExportJob.objects.get()
        assert run_job(job.pk) == "done"
        return b"".join(client.get(f"/exports/{job.pk}/download/").streaming_content)
    assert response.status_code == 200
    return response.content


@pytest.mark.parametrize("inline_rows", [5000, 0], ids=["at once", "in the background"])
def test_an_item_named_like_a_formula_is_exported_as_text(hostile, client, settings, inline_rows):
    settings.EXPORT_INLINE_ROWS = inline_rows
    client.force_login(hostile.admin)

    as_csv = list(csv.reader(io.StringIO(exported(client, "csv").decode("utf-8-sig"), newline="")))
    ExportJob.objects.all().delete()
    row = load_workbook(io.BytesIO(exported(client, "xlsx"))).active[2]

    assert as_csv[1][:3] == ["SCR-M3", "'-1+cmd|' /C calc'!A0", "'=1+2"]
    assert [(c.value, c.data_type) for c in row[:3]] == [
        ("SCR-M3", "s"), ("-1+cmd|' /C calc'!A0", "s"), ("=1+2", "s")]
