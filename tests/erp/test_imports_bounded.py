"""Bounded imports (issue 10): the probe's hostile workbook (208 KB declaring A1:XFD20001, a cell far
right in every row) is read in bounded memory, rows and cells are capped by settings, a file is parsed
once at upload and its table re-used by the preview and the commit, and hostile files give a form error
on every kind's upload screen, never a 500."""

import datetime
import io
import re
import time
import tracemalloc
import zipfile
from dataclasses import replace
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation

from erp import imports
from erp.import_views import SESSION_KEY
from erp.models import Department
from tests.files import csv_bytes, rezipped, xlsx_bytes
from tests.sampleapp.imports import DEPARTMENTS

SCREENS = "tests.sampleapp.urls"
UPLOAD = "/sample/imports/org-units/"
# Every kind the departments offer (the sample app's test-only kind has its own screens, above).
KINDS = [kind for kind in imports.import_kinds() if kind.app_label != "sampleapp"]


def hostile_xlsx(rows):
    """The probe's file: the sheet declares A1:XFD20001 and every row has a cell in column XFD (16,384),
    so openpyxl's read-only reader, left to itself, builds 16,384 cells a row (2.6 GB for 20,001 rows)."""
    def far_right(name, data):
        if name.startswith("xl/worksheets/"):
            data = re.sub(rb'<dimension ref="[^"]*" ?/>', b'<dimension ref="A1:XFD20001"/>', data)
            data = re.sub(rb'(<row r="(\d+)"[^>]*>.*?)</row>', lambda m: m.group(1) + b'<c r="XFD' + m.group(2)
                          + b'" t="inlineStr"><is><t>far</t></is></c></row>', data, flags=re.S)
        return {name: data}

    return rezipped(xlsx_bytes(rows), far_right)


def peak_of(function):
    """(what ``function()`` returned, the peak of Python memory allocated while it ran, in bytes)."""
    tracemalloc.start()
    try:
        result = function()
        return result, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def _uploads_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def admin(make_user):
    return make_user("admin", "System admin", language="en")


@pytest.fixture
def as_admin(client, admin):
    client.force_login(admin)
    return client


def read(data, name):
    return imports.read_table(data, name, DEPARTMENTS)


def file_error(data, name):
    with pytest.raises(imports.ImportFileError) as refusal:
        read(data, name)
    return str(refusal.value.message)


def form_errors(response):
    assert response.status_code == 200
    return response.context["form"].errors["file"]


# The reader ------------------------------------------------------------------------------------


def test_the_probes_hostile_workbook_is_read_in_bounded_memory():
    data = hostile_xlsx([["code", "name"]] + [[f"D{n}", "x"] for n in range(20_000)])
    assert b'<dimension ref="A1:XFD20001"/>' in zipfile.ZipFile(io.BytesIO(data)).read("xl/worksheets/sheet1.xml")
    assert len(data) < 400 * 1024

    table, peak = peak_of(lambda: read(data, "hostile.xlsx"))

    assert len(table.rows) == 20_000
    assert table.rows[-1] == (20_001, {"code": "D19999", "name": "x"})
    assert peak < 50 * 1024 * 1024  # 16,384 cells a row would be 2.6 GB


def test_data_rows_are_read_only_up_to_the_last_column_the_kind_knows(settings):
    settings.IMPORT_MAX_CELLS = 10  # 5 rows of code and name
    header = ["code", "name"] + [f"extra{n}" for n in range(50)]

    table = read(csv_bytes([header] + [[f"D{n}", "x"] + ["y"] * 50 for n in range(5)]), "d.csv")

    assert len(table.rows) == 5 and table.ignored_headers[:2] == ["extra0", "extra1"]


@pytest.mark.parametrize("name", ["d.csv", "d.xlsx"])
def test_rows_times_columns_read_over_IMPORT_MAX_CELLS_are_refused(settings, name):
    settings.IMPORT_MAX_CELLS = 10
    write = csv_bytes if name.endswith(".csv") else xlsx_bytes

    assert len(read(write([["code", "name"]] + [[f"D{n}", "x"] for n in range(5)]), name).rows) == 5
    # An unknown column before the kind's makes the rows read wider: 4 rows of 3 cells are over 10.
    assert file_error(write([["colour", "code", "name"]] + [["red", f"D{n}", "x"] for n in range(4)]), name) == (
        "The file has more than 10 cells to read: remove the columns that are not imported, or split it into "
        "smaller files.")


def test_the_row_limit_is_the_IMPORT_MAX_ROWS_setting(settings):
    settings.IMPORT_MAX_ROWS = 5
    rows = [["code", "name"]] + [[f"D{n}", "x"] for n in range(5)]

    assert len(read(csv_bytes(rows), "d.csv").rows) == 5
    assert file_error(csv_bytes([*rows, ["D9", "x"]]), "d.csv") == (
        "The file has more than 5 rows: split it into smaller files.")


def test_a_header_without_one_known_column_is_refused_even_when_every_column_is_optional():
    optional = replace(DEPARTMENTS, columns=tuple(replace(c, required=False) for c in DEPARTMENTS.columns))

    with pytest.raises(imports.ImportFileError) as refusal:
        imports.read_table(csv_bytes([["colour"], ["red"]]), "d.csv", optional)

    assert str(refusal.value.message) == (
        "Missing column(s): code, name, rank. The first row must hold the column headers; download the template "
        "to see them.")


def test_a_stored_table_comes_back_with_every_kind_of_cell():
    cells = ["text", 7, 2.5, True, None, datetime.datetime(2026, 11, 25, 8, 30), datetime.date(2026, 1, 2),
             datetime.time(8, 15), datetime.timedelta(hours=36), Decimal("1.50"), float("inf"), "=1+2"]
    keys = [f"c{n}" for n in range(len(cells))]
    table = imports.Table(kind="sampleapp.departments", filename="d.xlsx", headers={k: k.upper() for k in keys},
                          rows=[(2, dict(zip(keys, cells, strict=True))), (5, dict.fromkeys(keys))],
                          ignored_headers=["colour"])

    again = imports.table_from_json(imports.table_to_json(table))

    assert again == table
    assert [type(v) for v in again.rows[0][1].values()] == [type(v) for v in cells]


# The screens -----------------------------------------------------------------------------------


def upload(client, data, name):
    return client.post(UPLOAD, {"file": SimpleUploadedFile(name, data)})


@pytest.mark.urls(SCREENS)
def test_the_file_is_parsed_once_and_its_table_used_by_the_preview_and_the_commit(as_admin, admin, company,
                                                                                  monkeypatch, settings):
    response = upload(as_admin, xlsx_bytes([["code", "name"], ["D1", "one"], ["D2", "two"]]), "d.xlsx")
    token = response["Location"].rstrip("/").rsplit("/", 1)[-1]
    assert as_admin.session[SESSION_KEY][token]["ext"] == "json"
    assert [p.name for p in (settings.MEDIA_ROOT / "imports").iterdir()] == [f"{admin.pk}-{token}.json"]

    def parse_again(*args, **kwargs):
        raise AssertionError("the file was parsed again")

    monkeypatch.setattr(imports, "read_table", parse_again)
    monkeypatch.setattr(imports.engine, "read_table", parse_again)
    first = as_admin.get(response["Location"])
    second = as_admin.get(response["Location"] + "?show=all&q=two")
    done = as_admin.post(response["Location"] + "commit/")

    assert first.context["result"].ok is True and len(first.context["result"].rows) == 2
    assert [row["cells"][0] for row in second.context["page"].object_list] == ["D2"]
    assert done.status_code == 302
    assert sorted(Department.objects.filter(company=company).values_list("code", flat=True)) == ["D1", "D2"]
    assert list((settings.MEDIA_ROOT / "imports").iterdir()) == []


@pytest.mark.urls(SCREENS)
def test_a_damaged_stored_table_asks_for_the_file_again(as_admin, admin, settings):
    response = upload(as_admin, csv_bytes([["code", "name"], ["D1", "one"]]), "d.csv")
    token = response["Location"].rstrip("/").rsplit("/", 1)[-1]
    (settings.MEDIA_ROOT / "imports" / f"{admin.pk}-{token}.json").write_bytes(b"{not json")

    preview = as_admin.get(response["Location"], follow=True)

    assert preview.redirect_chain == [(UPLOAD, 302)]
    assert "This upload is no longer available: upload the file again." in preview.content.decode()


@pytest.mark.urls(SCREENS)
def test_the_byte_limit_is_the_IMPORT_MAX_BYTES_setting_and_the_form_says_the_limits(as_admin, settings):
    settings.IMPORT_MAX_BYTES = 1024 * 1024
    settings.IMPORT_MAX_ROWS = 500

    page = as_admin.get(UPLOAD).content.decode()
    response = upload(as_admin, csv_bytes([["code", "name"], ["D1", "x"]]) + b"x" * 1024 * 1024, "big.csv")

    assert "At most 1 MB and 500 rows." in page
    assert form_errors(response) == ["The file is larger than 1 MB: split it into smaller files."]


def zip_bomb():
    return rezipped(xlsx_bytes([["code", "name"], ["D1", "x"]]), lambda name, data: {
        name: data, **({"xl/media/bomb.bin": b"\0" * (imports.limits().unpacked_bytes + 1)}
                       if name == "xl/workbook.xml" else {})})


@pytest.mark.urls(SCREENS)
@pytest.mark.parametrize("make,name,message", [
    (zip_bomb, "bomb.xlsx", "The workbook is too large once unpacked: split it into smaller files."),
    (lambda: rezipped(xlsx_bytes([["code", "name"]]), lambda name, data: {
        name: b"<garbage" if name == "xl/workbook.xml" else data}), "damaged.xlsx",
     "The file is not an Excel .xlsx workbook or it is damaged."),
    (lambda: rezipped(xlsx_bytes([["code", "name"], ["D1", "x"]]), lambda name, data: {
        name: data.replace(b"<sheetData>", b"<sheetData><row") if name.startswith("xl/worksheets/") else data}),
     "malformed-sheet.xlsx", "The workbook could not be read; it may be damaged."),
    (lambda: b"code,name\nD1,x\x00y\n", "nul.csv", "The file is not a CSV text file: save it as CSV (UTF-8) or .xlsx."),
    (lambda: "代號,名稱\nD1,名稱\n".encode("big5"), "big5.csv",
     "The file is not UTF-8 text: save it as “CSV UTF-8” or as .xlsx."),
    (lambda: b"code,name\nD1," + b"x" * (4 * 1024 * 1024) + b"\n", "huge-line.csv",
     "The CSV file is malformed (check quotes and line breaks)."),
    (lambda: b"a," * (2 * 1024 * 1024) + b"\ncode,name\n", "huge-header.csv",
     "Missing column(s): code, name. The first row must hold the column headers; download the template to "
     "see them."),
])
def test_a_hostile_file_is_a_form_error_never_a_500(as_admin, make, name, message):
    response, peak = peak_of(lambda: upload(as_admin, make(), name))

    assert form_errors(response) == [message]
    assert peak < 100 * 1024 * 1024


# Every kind goes through the same bounded reader -----------------------------------------------


def test_the_departments_offer_their_kinds():
    assert {"inventory.units", "inventory.items", "inventory.opening", "sales.customers", "sales.prices"} <= {
        kind.id for kind in KINDS}


@pytest.mark.parametrize("kind", KINDS, ids=[kind.id for kind in KINDS])
def test_every_kinds_upload_reads_the_hostile_workbook_bounded_and_caps_its_cells(kind, as_admin, settings):
    headers = [column.key for column in kind.columns]
    # 300 rows: a reader that followed the declared width would build 16,384 cells a row (about 600 MB
    # for these rows, far above the bound); each row more only makes the preview's row errors longer.
    data = hostile_xlsx([headers] + [[f"X{n}"] * len(headers) for n in range(300)])
    url = reverse(f"{kind.app_label}:import_{kind.key}")

    started = time.monotonic()
    response, peak = peak_of(lambda: as_admin.post(url, {"file": SimpleUploadedFile("hostile.xlsx", data)}))
    settings.IMPORT_MAX_CELLS = 299 * len(headers)
    capped = as_admin.post(url, {"file": SimpleUploadedFile("hostile.xlsx", data)})

    assert response.status_code == 302  # read: its rows' errors are the preview's
    assert as_admin.get(response["Location"]).status_code == 200
    assert peak < 50 * 1024 * 1024
    assert time.monotonic() - started < 60
    assert form_errors(capped) == [
        f"The file has more than {299 * len(headers):,} cells to read: remove the columns that are not imported, "
        "or split it into smaller files."]
