"""Large exports run in the background with progress, for their owner only, with the same filters."""

import csv
import io

import openpyxl
import pytest
from guardian.shortcuts import assign_perm

from erp.export_jobs import run_job
from erp.models import AccessLog, ExportJob


@pytest.fixture
def stocked(inv, settings):
    settings.EXPORT_INLINE_ROWS = 2
    for n in range(3):
        inv.receive(inv.screw, str(n + 1), inv.a1)
    inv.receive(inv.screw, "9", inv.b1)
    return inv


def test_a_large_export_becomes_a_job_whose_file_holds_the_filtered_rows(client, stocked,
                                                                         django_capture_on_commit_callbacks):
    client.force_login(stocked.admin)

    with django_capture_on_commit_callbacks(execute=False):
        response = client.get(f"/inventory/ledger/?warehouse={stocked.wh1.pk}&export=csv")
    job = ExportJob.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/exports/{job.pk}/"
    assert (job.status, job.rows_total, job.fmt) == ("queued", 3, "csv")
    progress = client.get(f"/exports/{job.pk}/", HTTP_HX_REQUEST="true").content.decode()
    assert 'hx-trigger="every 2s"' in progress and 'data-status="queued"' in progress

    assert run_job(job.pk) == "done"

    job.refresh_from_db()
    assert (job.status, job.rows_done, job.percent) == ("done", 3, 100)
    download = client.get(f"/exports/{job.pk}/download/")
    rows = list(csv.reader(io.StringIO(b"".join(download.streaming_content).decode("utf-8-sig"))))
    assert download.status_code == 200
    assert len(rows) == 1 + 3
    assert all("WH1" in " ".join(row) for row in rows[1:])
    assert AccessLog.objects.filter(kind="export", detail__contains="download").count() == 1
    assert 'hx-trigger' not in client.get(f"/exports/{job.pk}/", HTTP_HX_REQUEST="true").content.decode()


def test_the_background_export_keeps_the_owners_warehouse_scope(client, stocked):
    keeper = stocked.keeper
    assign_perm("inventory.operate_warehouse", keeper, stocked.wh1)
    client.force_login(keeper)

    client.get("/inventory/ledger/?export=xlsx")
    job = ExportJob.objects.get()
    run_job(job.pk)

    job.refresh_from_db()
    assert (job.status, job.rows_total) == ("done", 3)  # WH2's receipt is outside the keeper's scope
    with job.file.open("rb") as stored:
        sheet = openpyxl.load_workbook(stored, read_only=True).active
        assert len(list(sheet.iter_rows(values_only=True))) == 1 + 3


def test_only_the_owner_sees_or_downloads_an_export(client, stocked, make_user):
    client.force_login(stocked.admin)
    client.get("/inventory/ledger/?export=csv")
    job = ExportJob.objects.get()
    run_job(job.pk)
    client.force_login(make_user("other", "Warehouse"))

    assert client.get(f"/exports/{job.pk}/").status_code == 404
    assert client.get(f"/exports/{job.pk}/download/").status_code == 404
    assert job.filename not in client.get("/exports/").content.decode()


def test_a_small_export_still_answers_at_once(client, inv):
    inv.receive(inv.screw, "1", inv.a1)
    client.force_login(inv.admin)

    response = client.get("/inventory/ledger/?export=csv")

    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="stock_ledger.csv"'
    assert ExportJob.objects.count() == 0


def test_an_export_that_breaks_is_marked_failed_with_its_error(stocked):
    job = ExportJob.objects.create(user=stocked.admin, filename="x", fmt="csv", path="/inventory/nowhere/")

    assert run_job(job.pk) == "failed"
    job.refresh_from_db()
    assert job.status == "failed" and "Resolver404" in job.error
