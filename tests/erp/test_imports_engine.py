"""The core's import engine on its own: cell parsers, reading files within limits, hostile files, the
registry, all-or-nothing commits and the shared screens, with the sample app's test-only kind
(departments) instead of a department's."""

import datetime
import io
import re
import time
import tracemalloc
import zipfile
from decimal import Decimal

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation
from openpyxl import load_workbook

from erp import imports
from erp.errors import DomainError
from erp.import_views import LEGACY_SESSION_KEY, SESSION_KEY
from erp.imports import CellError, kinds
from erp.models import Department
from inventory import status as inventory_status
from tests.files import csv_bytes, rezipped, xlsx_bytes
from tests.sampleapp.imports import DEPARTMENTS, REFUSED_NAME

D = Decimal
SCREENS = "tests.sampleapp.urls"


def read(data, name="d.csv"):
    return imports.read_table(data, name, DEPARTMENTS)


def file_error(data, name="d.csv"):
    with pytest.raises(imports.ImportFileError) as refusal:
        read(data, name)
    return str(refusal.value.message)


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


# Parsers ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("raw,expected", [
    (None, ""), ("  x ", "x"), (12.0, "12"), (12.5, "12.5"), (7, "7"),
    (datetime.datetime(2026, 11, 25), "2026-11-25"), (datetime.datetime(2026, 11, 25, 8, 30), "2026-11-25 08:30:00"),
    (datetime.date(2026, 1, 2), "2026-01-02"),
])
def test_cell_text_shows_a_cell_as_the_user_sees_it(raw, expected):
    assert imports.cell_text(raw) == expected


def test_parse_code_normalises_and_checks_the_alphabet_and_length():
    assert imports.parse_code(" ab-01 ") == "AB-01"
    assert imports.parse_code("a b/c.d_e") == "AB/C.D_E"
    assert imports.parse_code(7.0) == "7"
    assert imports.parse_code("", required=False) == ""
    messages = []
    for raw in ("", "-AB", "A#1", "X" * 33):
        with pytest.raises(CellError) as error:
            imports.parse_code(raw)
        messages.append(error.value.message)
    assert messages == [
        "a value is required.",
        "“-AB” is not a valid code: use letters, digits and . _ / - only, starting with a letter or digit.",
        "“A#1” is not a valid code: use letters, digits and . _ / - only, starting with a letter or digit.",
        f"“{'X' * 33}” is longer than 32 characters.",
    ]


def test_parse_text_checks_length_and_requirement_and_refuses_formulas():
    assert imports.parse_text("  快乾膠 ", max_length=3) == "快乾膠"
    assert imports.parse_text(None, max_length=3) == ""
    assert imports.parse_text("a=b", max_length=10) == "a=b"
    assert imports.parse_text("-5 °C", max_length=10) == "-5 °C"
    messages = []
    for raw, kwargs in ((None, {"required": True}), ("abcd", {}), ('=HYPERLINK("http://x","y")', {})):
        with pytest.raises(CellError) as error:
            imports.parse_text(raw, max_length=3 if raw == "abcd" else 100, **kwargs)
        messages.append(error.value.message)
    assert messages == [
        "a value is required.",
        "the text is longer than 3 characters.",
        "“=HYPERLINK(\"http://x\",\"y\")” looks like a spreadsheet formula: import its result, not the formula.",
    ]


@pytest.mark.parametrize("raw,kwargs,expected", [
    ("1,250.5", {}, D("1250.5")), ("1，250", {}, D("1250")), (12, {}, D("12")), (0.1, {}, D("0.1")),
    (D("2.50"), {}, D("2.5")), ("0.000", {}, D("0")), ("", {"default": D("7")}, D("7")), (None, {}, None),
    ("12.3456", {"places": 4}, D("12.3456")), ("1E+3", {}, D("1000")),
])
def test_parse_decimal_reads_numbers_as_people_type_them(raw, kwargs, expected):
    value = imports.parse_decimal(raw, **kwargs)

    assert value == expected


@pytest.mark.parametrize("raw,kwargs,message", [
    ("abc", {}, "“abc” is not a number."),
    ("NaN", {}, "“NaN” is not a number."),
    ("Infinity", {}, "“Infinity” is not a number."),
    (True, {}, "“True” is not a number."),
    ("-1", {}, "must not be negative (got -1)."),
    ("0", {"positive": True}, "must be greater than zero (got 0)."),
    ("0.0000001", {}, "“0.0000001” has more than 6 decimal places."),
    ("1.005", {"places": 2}, "“1.005” has more than 2 decimal places."),
    ("1" * 15, {}, f"“{'1' * 15}” is too large."),
    ("", {"required": True}, "a value is required."),
])
def test_parse_decimal_refuses_what_does_not_fit(raw, kwargs, message):
    with pytest.raises(CellError) as error:
        imports.parse_decimal(raw, **kwargs)

    assert error.value.message == message


def test_parse_int_and_parse_bool_and_parse_date():
    assert imports.parse_int("12") == 12
    assert imports.parse_int(3.0) == 3
    assert imports.parse_int("", default=5) == 5
    assert [imports.parse_bool(raw, default=None) for raw in ("yes", "Y", "1", "是", "啟用", "x", "no", "0", "否",
                                                              "停用", True, "")] == [
        True, True, True, True, True, True, False, False, False, False, True, None]
    assert [imports.parse_date(raw) for raw in ("2026-11-25", "2026/11/25", "2026.11.25", "20261125",
                                                datetime.datetime(2026, 11, 25, 9, 0), datetime.date(2026, 1, 1),
                                                "", None)] == [
        datetime.date(2026, 11, 25)] * 5 + [datetime.date(2026, 1, 1), None, None]
    messages = []
    for parse, raw in ((lambda r: imports.parse_int(r), "1.5"), (lambda r: imports.parse_int(r, maximum=6), "7"),
                       (lambda r: imports.parse_bool(r, default=False), "maybe"),
                       (imports.parse_date, "25/11/2026"), (imports.parse_date, "2026-02-30")):
        with pytest.raises(CellError) as error:
            parse(raw)
        messages.append(error.value.message)
    assert messages == [
        "“1.5” is not a whole number.",
        "must be at most 6 (got 7).",
        "“maybe” is not yes or no (use yes/no, 1/0 or 是/否).",
        "“25/11/2026” is not a date (use 2026-11-25 or 2026/11/25).",
        "“2026-02-30” is not a date (use 2026-11-25 or 2026/11/25).",
    ]


def test_choices_are_understood_by_value_label_in_every_language_and_alias():
    lookup = imports.choice_lookup(inventory_status.Procurement, {"make": ("自製",)})

    assert [imports.parse_choice(raw, lookup, default="buy") for raw in ("MAKE", "Make", "自製", "", "buy")] == [
        "make", "make", "make", "buy", "buy"]
    with translation.override("zh-hant"):
        label = str(inventory_status.Procurement.MAKE.label)
    assert imports.parse_choice(label, lookup, default="buy") == "make"
    with pytest.raises(CellError) as error:
        imports.parse_choice("rent", lookup, default="buy")
    assert error.value.message == "“rent” is not one of: buy, make."


def test_fmt_decimal_shows_numbers_without_exponent_or_trailing_zeros():
    assert [imports.fmt_decimal(v) for v in (D("1E+3"), D("2.500"), D("0.000"), None)] == ["1000", "2.5", "0", ""]


# Reading files ---------------------------------------------------------------------------------


def test_headers_are_understood_in_any_language_and_unknown_ones_are_listed():
    table = read(csv_bytes([["部門代號", "Department Name", "顺序", "colour"], ["d1", "品保", "1", "red"]]))

    assert table.kind == "sampleapp.departments"
    assert table.headers == {"code": "部門代號", "name": "Department Name", "rank": "顺序"}
    assert table.ignored_headers == ["colour"]
    assert table.rows == [(2, {"code": "d1", "name": "品保", "rank": "1"})]


def test_blank_rows_are_skipped_and_row_numbers_are_the_spreadsheets():
    table = read(xlsx_bytes([[None, None], ["code", "name"], [None, " "], ["D1", "one"], [], ["D2", "two"]]),
                 "d.xlsx")

    assert table.rows == [(4, {"code": "D1", "name": "one"}), (6, {"code": "D2", "name": "two"})]


def test_a_semicolon_or_tab_separated_csv_is_read():
    assert read(b"code;name\nD1;one\n").rows == [(2, {"code": "D1", "name": "one"})]
    assert read(b"code\tname\nD1\tone\n").rows == [(2, {"code": "D1", "name": "one"})]


def test_two_columns_meaning_the_same_are_refused():
    assert file_error(b"code,name,department code\nD1,x,D2\n") == (
        "Columns “code” and “department code” both mean code: keep one of them.")


def test_more_than_20000_rows_are_refused_and_20000_are_read():
    rows = [["code", "name"]] + [[f"X{n}", "x"] for n in range(20_000)]

    assert len(read(csv_bytes(rows)).rows) == 20_000
    assert file_error(csv_bytes([*rows, ["X", "x"]])) == (
        "The file has more than 20,000 rows: split it into smaller files.")


def test_a_file_over_the_byte_limit_is_refused_before_it_is_read():
    assert file_error(b"code,name\n" + b"x" * imports.limits().bytes) == (
        "The file is larger than 5 MB: split it into smaller files.")


@pytest.mark.parametrize("data,name,message", [
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "photo.png", "Upload a CSV (UTF-8) or Excel .xlsx file."),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1old", "old.xlsx",
     "Old Excel .xls files are not supported: save the file as .xlsx or CSV (UTF-8)."),
    (b"PK\x03\x04not really a zip", "fake.xlsx", "The file is not an Excel .xlsx workbook."),
    (b"", "empty.csv", "The file is empty."),
    (b"\n , \n", "blank.csv", "The file is empty."),
    (b"code,name\n" + b"A,x\n" * 2000 + b"B,\x00\n", "nul.csv",
     "The file is not a CSV text file: save it as CSV (UTF-8) or .xlsx."),
    (b'code,name\nA,"' + b"x" * 200_000 + b'"\n', "huge-cell.csv",
     "The CSV file is malformed (check quotes and line breaks)."),
    ("代號,名稱\n".encode("big5"), "big5.csv", "The file is not UTF-8 text: save it as “CSV UTF-8” or as .xlsx."),
])
def test_hostile_or_foreign_files_are_refused_as_a_whole(data, name, message):
    assert file_error(data, name) == message


def test_a_zip_that_is_not_a_workbook_or_a_damaged_workbook_is_refused():
    docx = io.BytesIO()
    with zipfile.ZipFile(docx, "w") as archive:
        archive.writestr("word/document.xml", "<w/>")
    damaged = rezipped(xlsx_bytes([["code", "name"]]),
                       lambda name, data: {name: b"<garbage" if name == "xl/workbook.xml" else data})

    assert file_error(docx.getvalue(), "letter.xlsx") == "The file is not an Excel .xlsx workbook."
    assert file_error(damaged, "damaged.xlsx") == "The file is not an Excel .xlsx workbook or it is damaged."


def test_a_zip_bomb_is_refused_without_unpacking_it():
    bomb = rezipped(xlsx_bytes([["code", "name"], ["D1", "x"]]), lambda name, data: {
        name: data, **({"xl/media/bomb.bin": b"\0" * (imports.limits().unpacked_bytes + 1)}
                       if name == "xl/workbook.xml" else {})})
    assert len(bomb) < imports.limits().bytes

    tracemalloc.start()
    try:
        message = file_error(bomb, "bomb.xlsx")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()

    assert message == "The workbook is too large once unpacked: split it into smaller files."
    assert peak < 5 * 1024 * 1024


def test_entity_expansion_in_the_workbook_is_refused():
    laughs = (b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lololololololololol">'
              + b"".join(b'<!ENTITY lol%d "%s">' % (n, (b"&lol%d;" % (n - 1) if n > 1 else b"&lol;") * 10)
                         for n in range(1, 10))
              + b']><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="1" uniqueCount="1">'
              b"<si><t>&lol9;</t></si></sst>")

    def with_laughs(name, data):
        if name == "[Content_Types].xml":
            data = data.replace(b"</Types>", b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
                                b'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>')
        if name == "xl/_rels/workbook.xml.rels":
            data = data.replace(b"</Relationships>", b'<Relationship Id="rIdS" Type="http://schemas.openxmlformats'
                                b'.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/>'
                                b"</Relationships>")
        return {name: data, **({"xl/sharedStrings.xml": laughs} if name == "xl/workbook.xml" else {})}

    hostile = rezipped(xlsx_bytes([["code", "name"], ["D1", "x"]]), with_laughs)

    assert file_error(hostile, "laughs.xlsx") == "The file is not an Excel .xlsx workbook or it is damaged."


def test_a_sheet_that_claims_16384_columns_is_read_within_the_column_limit():
    rows = [["code", "name"]] + [[f"D{n}", "x"] for n in range(5000)]
    wide = rezipped(xlsx_bytes(rows), lambda name, data: {name: re.sub(
        rb'<dimension ref="[^"]*" ?/>', b'<dimension ref="A1:XFD1048576"/>', data)})

    tracemalloc.start()
    try:
        table = read(wide, "wide.xlsx")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()

    assert len(table.rows) == 5000 and table.rows[-1] == (5001, {"code": "D4999", "name": "x"})
    assert peak < 50 * 1024 * 1024  # 16,384 cells a row would take 650 MB


def test_a_sheet_of_a_million_blank_rows_stops_early():
    far = rezipped(xlsx_bytes([["code", "name"], ["D1", "x"]]), lambda name, data: {name: data.replace(
        b"</sheetData>", b'<row r="1048576"><c r="A1048576" t="inlineStr"><is><t>D9</t></is></c></row></sheetData>')})

    started = time.monotonic()
    message = file_error(far, "far.xlsx")

    assert message == "The file has more than 20,000 rows: split it into smaller files."
    assert time.monotonic() - started < 30


def test_cells_beyond_the_column_limit_are_not_read():
    header = [f"extra{n}" for n in range(imports.MAX_COLUMNS)] + ["code", "name"]

    assert file_error(csv_bytes([header, ["x"] * len(header)])) == (
        "Missing column(s): code, name. The first row must hold the column headers; download the template to "
        "see them.")


def test_formulas_are_never_evaluated(company):
    # openpyxl writes formulas without a cached result: the cell reads as empty.
    table = read(xlsx_bytes([["code", "name"], ["D1", "=1+2"], ["D2", '=HYPERLINK("http://x","y")']]), "f.xlsx")
    assert [raw["name"] for _number, raw in table.rows] == [None, None]
    csv_table = read(csv_bytes([["code", "name"], ["D1", "=1+2"]]))

    result = imports.validate(DEPARTMENTS, csv_table, company=company, user=None)

    assert [str(e) for e in result.errors] == [
        "Row 2, column name: “=1+2” looks like a spreadsheet formula: import its result, not the formula."]


# The registry ----------------------------------------------------------------------------------


@pytest.fixture
def registry(monkeypatch):
    monkeypatch.setattr(kinds, "_REGISTRY", dict(kinds._REGISTRY))
    return kinds._REGISTRY


def test_departments_register_their_kinds_from_their_app_config():
    assert imports.import_kind("sampleapp.departments") is DEPARTMENTS
    assert [k.key for k in imports.import_kinds("inventory")] == ["units", "items", "opening"]
    assert [k.key for k in imports.import_kinds("sales")] == ["customers", "prices"]
    assert [k.url_segment for k in imports.import_kinds("inventory")] == ["units", "items", "opening-balances"]


def test_the_registry_refuses_clashing_kinds(registry):
    from dataclasses import replace

    assert imports.register_import_kind(DEPARTMENTS) is DEPARTMENTS  # again: nothing happens
    messages = []
    for kind in (replace(DEPARTMENTS, label="Other"), replace(DEPARTMENTS, key="teams"),
                 replace(DEPARTMENTS, key="teams", segment="Bad Segment")):
        with pytest.raises(ImproperlyConfigured) as error:
            imports.register_import_kind(kind)
        messages.append(str(error.value))
    with pytest.raises(LookupError):
        imports.import_kind("sampleapp.nothing")

    assert messages == [
        "Two import kinds are registered as 'sampleapp.departments'.",
        "Import kinds 'sampleapp.departments' and 'sampleapp.teams' share the URL segment 'org-units'.",
        "Import kind 'sampleapp.teams': 'Bad Segment' is not a URL segment.",
    ]
    teams = imports.register_import_kind(replace(DEPARTMENTS, key="teams", segment=""))
    assert imports.import_kinds("sampleapp") == [DEPARTMENTS, teams]


# Validate and commit ---------------------------------------------------------------------------


@pytest.fixture
def admin(make_user):
    return make_user("admin", "System admin", language="en")


def department_file(*rows):
    return read(csv_bytes([["code", "name"], *rows]))


def test_the_commit_writes_every_row(company, admin):
    table = department_file(["qa", "品保"], ["WH", "倉儲"])

    assert imports.validate(DEPARTMENTS, table, company=company, user=admin).ok is True
    assert imports.commit(DEPARTMENTS, table, company=company, user=admin) == 2

    assert sorted(Department.objects.filter(company=company).values_list("code", "name")) == [
        ("QA", "品保"), ("WH", "倉儲")]


def test_row_errors_name_the_row_and_the_header_as_written(company, admin):
    Department.objects.create(company=company, code="WH", name="倉儲")
    table = read(csv_bytes([["部門代號", "name", "rank"], ["wh", "x", ""], ["D1", "", "1.5"], ["d1", "y", "100"]]))

    result = imports.validate(DEPARTMENTS, table, company=company, user=admin)

    assert [(e.row, e.column, str(e)) for e in result.errors] == [
        (2, "code", "Row 2, column 部門代號: department “WH” already exists."),
        (3, "name", "Row 3, column name: a value is required."),
        (3, "rank", "Row 3, column rank: “1.5” is not a whole number."),
        (4, "code", "Row 4, column 部門代號: code “D1” already appears in row 3."),
        (4, "rank", "Row 4, column rank: must be at most 99 (got 100)."),
    ]
    assert result.error_row_count == 3 and [r.number for r in result.error_rows] == [2, 3, 4]
    assert result.rows[0].cells(DEPARTMENTS.columns) == ["WH", "x", ""]


def test_a_row_that_became_invalid_rejects_the_whole_commit(company, admin):
    table = department_file(["D1", "one"], ["D2", "two"])
    Department.objects.create(company=company, code="D2", name="made meanwhile")

    with pytest.raises(imports.ImportRejected) as rejection:
        imports.commit(DEPARTMENTS, table, company=company, user=admin)

    assert rejection.value.message == "Nothing was imported: 1 row(s) have errors now. Check the preview again."
    assert rejection.value.http_status == 409
    assert Department.objects.filter(company=company, code="D1").exists() is False


def test_a_service_refusing_a_row_rolls_back_the_rows_before_it(company, admin):
    table = department_file(["D1", "one"], ["D2", REFUSED_NAME], ["D3", "three"])

    with pytest.raises(DomainError) as refusal:
        imports.commit(DEPARTMENTS, table, company=company, user=admin)

    assert refusal.value.message == "Row 3: the service refuses this name."
    assert Department.objects.filter(company=company).exists() is False


def test_validation_errors_of_a_service_name_the_row(company):
    from django.core.exceptions import ValidationError

    row = imports.RowResult(number=7, raw={})

    def service():
        raise ValidationError({"code": ["Taken."], "__all__": ["Nope."]})

    with pytest.raises(DomainError) as refusal:
        imports.for_row(row, service)

    assert refusal.value.message == "Row 7: code: Taken.; Nope."


# Templates -------------------------------------------------------------------------------------


@pytest.mark.parametrize("language,headers,help_header", [
    ("en", ["code", "name", "rank"], "Column"),
    ("zh-hant", ["部門代號", "部門名稱", "順序"], "欄位"),
    ("zh-hans", ["部门代码", "部门名称", "顺序"], "列"),
])
def test_the_template_has_the_headers_and_help_in_the_language_asked_for(language, headers, help_header):
    with translation.override(language):
        workbook = load_workbook(io.BytesIO(imports.template_workbook(DEPARTMENTS, language)))

    assert workbook.sheetnames == ["departments", "help"]
    assert [c.value for c in workbook["departments"][1]] == headers
    assert [c.value for c in workbook["help"]["A"]][1:] == headers
    assert workbook["help"]["A1"].value == help_header
    # The template reads back.
    assert read(xlsx_bytes([headers, ["D1", "x", 1]]), "t.xlsx").headers == dict(zip(["code", "name", "rank"],
                                                                                       headers, strict=True))


# The shared screens ----------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def _uploads_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def as_admin(client, admin):
    client.force_login(admin)
    return client


def upload(client, data, name):
    return client.post("/sample/imports/org-units/", {"file": SimpleUploadedFile(name, data)})


def form_errors(response):
    assert response.status_code == 200
    return response.context["form"].errors["file"]


@pytest.mark.urls(SCREENS)
def test_an_oversized_file_is_refused_beside_the_field(as_admin):
    data = csv_bytes([["code", "name"], ["D1", "x"]]) + b"x" * (5 * 1024 * 1024)

    response = upload(as_admin, data, "big.csv")

    assert form_errors(response) == ["The file is larger than 5 MB: split it into smaller files."]
    assert "The file is larger than 5 MB" in response.content.decode()


@pytest.mark.urls(SCREENS)
@pytest.mark.parametrize("data,name,message", [
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "photo.png", "Upload a CSV (UTF-8) or Excel .xlsx file."),
    (b"%PDF-1.4\n\x00\x01\x02binary", "report.csv",
     "The file is not a CSV text file: save it as CSV (UTF-8) or .xlsx."),
    ("代號,名稱\n".encode("big5"), "big5.csv", "The file is not UTF-8 text: save it as “CSV UTF-8” or as .xlsx."),
    (b"PK\x03\x04not really a zip", "fake.xlsx", "The file is not an Excel .xlsx workbook."),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1old", "old.xls",
     "Old Excel .xls files are not supported: save the file as .xlsx or CSV (UTF-8)."),
    (b"", "empty.csv", "The submitted file is empty."),
    (b"name,rank\nx,1\n", "no-code.csv", "Missing column(s): code. The first row must hold the column "
     "headers; download the template to see them."),
    (b"code,name,rank\n", "headers-only.csv", "The file has column headers but no rows to import."),
])
def test_a_file_that_is_not_a_usable_spreadsheet_gives_a_form_error(as_admin, data, name, message):
    response = upload(as_admin, data, name)

    assert form_errors(response) == [message]


@pytest.mark.urls(SCREENS)
def test_more_than_20000_rows_are_refused(as_admin):
    rows = [["code", "name"]] + [[f"X{n}", "x"] for n in range(20_001)]

    response = upload(as_admin, csv_bytes(rows), "many.csv")

    assert form_errors(response) == ["The file has more than 20,000 rows: split it into smaller files."]


@pytest.mark.urls(SCREENS)
def test_unknown_columns_are_ignored_and_shown(as_admin):
    rows = [["code", "name", "colour"], ["C-1", "x", "red"]]
    response = upload(as_admin, csv_bytes(rows, bom=False), "d.csv")

    html = as_admin.get(response["Location"]).content.decode()

    assert "These columns are not recognised and are ignored: colour." in html


@pytest.mark.urls(SCREENS)
def test_upload_preview_and_commit_through_the_screens(as_admin, company):
    response = upload(as_admin, csv_bytes([["code", "name"], ["D1", "one"], ["D2", "two"]]), "d.csv")
    token = response["Location"].rstrip("/").rsplit("/", 1)[-1]
    assert response["Location"] == f"/sample/imports/org-units/{token}/"
    assert as_admin.session[SESSION_KEY][token]["kind"] == "sampleapp.departments"

    preview = as_admin.get(response["Location"])
    assert preview.context["result"].ok is True
    assert 'id="import-ready"' in preview.content.decode()
    done = as_admin.post(response["Location"] + "commit/", follow=True)

    assert done.redirect_chain == [("/sample/imports/org-units/", 302)]
    assert "2 departments imported." in done.content.decode()
    assert Department.objects.filter(company=company, code__in=["D1", "D2"]).count() == 2
    assert as_admin.session[SESSION_KEY] == {}


@pytest.mark.urls(SCREENS)
def test_a_formula_in_a_cell_is_a_row_error_in_the_preview(as_admin, company):
    response = upload(as_admin, csv_bytes([["code", "name"], ["D1", "=cmd|' /C calc'!A0"]]), "d.csv")

    preview = as_admin.get(response["Location"])

    assert [str(e) for e in preview.context["result"].errors] == [
        "Row 2, column name: “=cmd|' /C calc'!A0” looks like a spreadsheet formula: import its result, not the "
        "formula."]
    assert as_admin.post(response["Location"] + "commit/").status_code == 302
    assert Department.objects.filter(company=company).exists() is False


@pytest.mark.urls(SCREENS)
def test_the_template_download_names_the_kinds_segment(as_admin):
    response = as_admin.get("/sample/imports/org-units/template/")

    assert response["Content-Disposition"] == 'attachment; filename="import-org-units.xlsx"'
    assert [c.value for c in load_workbook(io.BytesIO(response.content)).worksheets[0][1]] == ["code", "name", "rank"]


@pytest.mark.urls(SCREENS)
def test_an_upload_pending_under_the_old_session_key_survives_the_upgrade(as_admin, admin, settings):
    token = "t" * 32
    (settings.MEDIA_ROOT / "imports").mkdir()
    (settings.MEDIA_ROOT / "imports" / f"{admin.pk}-{token}.csv").write_bytes(b"code,name\nD1,one\n")
    session = as_admin.session
    session[LEGACY_SESSION_KEY] = {token: {"kind": "departments", "filename": "d.csv", "ext": "csv",
                                           "user": admin.pk, "created": time.time()}}
    session.save()

    preview = as_admin.get(f"/sample/imports/org-units/{token}/")

    assert preview.status_code == 200
    assert preview.context["result"].ok is True
    assert LEGACY_SESSION_KEY not in as_admin.session
    assert as_admin.session[SESSION_KEY][token]["kind"] == "sampleapp.departments"
    # Read once, now, and kept as its table like a new upload.
    assert as_admin.session[SESSION_KEY][token]["ext"] == "json"
    assert [p.name for p in (settings.MEDIA_ROOT / "imports").iterdir()] == [f"{admin.pk}-{token}.json"]
    assert as_admin.get(f"/sample/imports/org-units/{token}/").context["result"].ok is True
