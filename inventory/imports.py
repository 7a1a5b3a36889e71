"""Imports of units of measure, items and opening balances from CSV (UTF-8) or XLSX files.

Three steps, each usable on its own:

1. ``read_table(data, filename, kind)`` reads the file (size, type, row and header checks) into a
   ``Table``: the header row mapped onto the kind's columns (English keys or the zh-Hant / zh-Hans
   names such as 料號 or 品名) and the data rows with their spreadsheet row numbers. Problems with the
   file as a whole raise ``ImportFileError``.
2. ``validate(kind, table, company=, user=)`` checks every row and returns an ``ImportResult``: for each
   row its parsed values and its errors ("Row 7, column base_unit: unit “BX” does not exist.").
   Existing codes, units, categories and warehouses are read once into dicts, so the number of queries
   does not grow with the number of rows.
3. ``commit(kind, table, company=, user=)`` re-validates everything and writes it in one transaction,
   all or nothing (items through ``services.masterdata.item_create``, opening balances as OPENING
   moves through ``services.stock.post_moves``). Rows that have become invalid in the meantime raise
   ``ImportRejected`` and nothing is written.
"""

import csv
import datetime
import io
import re
import zipfile
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from erp.codes import CODE_MAX_LENGTH, normalise_code
from erp.db import atomic_with_retry
from erp.errors import DomainError
from inventory import status as st
from inventory.models import Item, ItemCategory, Location, StockMove, UnitOfMeasure, Warehouse
from inventory.services import masterdata
from inventory.services.stock import MoveSpec, lock_valuations, post_moves

MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 20_000
CODE_RE = re.compile(r"^[A-Z0-9][A-Z0-9._/-]*$")
QTY_PLACES = 6
MAX_DIGITS = 20


class ImportFileError(DomainError):
    """The file as a whole cannot be imported (size, type, encoding, missing columns…)."""

    default_message = gettext_lazy("The file cannot be read.")

    def __init__(self, message=None, *, field="file"):
        super().__init__(message, field=field)


class ImportRejected(DomainError):
    """At commit time some rows were no longer valid; nothing was imported."""

    http_status = 409

    def __init__(self, result):
        self.result = result
        super().__init__(
            _("Nothing was imported: %(count)s row(s) have errors now. Check the preview again.")
            % {"count": result.error_row_count}
        )


class CellError(Exception):
    def __init__(self, message):
        self.message = message
        super().__init__(message)


# Columns -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    key: str
    label: str  # lazy, shown in the preview and the template's help sheet
    required: bool = False
    zh_hant: tuple = ()  # accepted zh-Hant headers; the first is the template's header
    zh_hans: tuple = ()  # accepted zh-Hans headers; the first is the template's header
    en: tuple = ()  # further English headers
    help: str = ""

    def header_for(self, language):
        language = (language or "").lower()
        if language.startswith("zh-hant") or language in ("zh-tw", "zh-hk"):
            return self.zh_hant[0] if self.zh_hant else self.key
        if language.startswith("zh"):
            return self.zh_hans[0] if self.zh_hans else self.key
        return self.key

    def accepted_headers(self):
        return (self.key, *self.en, *self.zh_hant, *self.zh_hans)


UNIT_COLUMNS = (
    Column("code", gettext_lazy("Code"), True, ("單位代碼", "代碼", "單位"), ("单位代码", "代码", "单位"),
           ("unit code", "unit"), gettext_lazy("Letters, digits and . _ / - (e.g. BOX).")),
    Column("name", gettext_lazy("Name"), True, ("名稱", "單位名稱"), ("名称", "单位名称"), ("unit name",),
           gettext_lazy("The unit's name.")),
    Column("decimals", gettext_lazy("Decimals"), False, ("小數位數", "小數位"), ("小数位数", "小数位"),
           ("decimal places",), gettext_lazy("Decimal places shown, 0 to 6; empty = 0.")),
)

ITEM_COLUMNS = (
    Column("code", gettext_lazy("Code"), True, ("料號", "品號", "料件編號"), ("料号", "品号", "物料编码"),
           ("item code", "item"), gettext_lazy("Letters, digits and . _ / - ; must not exist yet.")),
    Column("name", gettext_lazy("Name"), True, ("品名", "名稱"), ("品名", "名称", "物料名称"), ("item name",),
           gettext_lazy("Up to 200 characters.")),
    Column("specification", gettext_lazy("Specification"), False, ("規格",), ("规格", "规格型号"), ("spec",),
           gettext_lazy("Up to 300 characters.")),
    Column("category", gettext_lazy("Category code"), False, ("類別", "分類", "類別代碼"), ("类别", "分类", "类别代码"),
           ("category code",), gettext_lazy("A category code; a missing category is created with the code as name.")),
    Column("item_type", gettext_lazy("Type"), False, ("類型", "料件類型", "物料類型"), ("类型", "物料类型"),
           ("type", "item type"),
           gettext_lazy("raw, semi, finished, consumable or service (or their names); empty = raw.")),
    Column("procurement", gettext_lazy("Procurement"), False, ("自製/採購", "取得方式", "來源"),
           ("自制/采购", "获取方式", "来源"), ("make/buy",), gettext_lazy("make or buy; empty = buy.")),
    Column("base_unit", gettext_lazy("Base unit"), True, ("基本單位", "庫存單位", "單位"),
           ("基本单位", "库存单位", "单位"), ("base unit", "unit"), gettext_lazy("An existing unit code, e.g. PCS.")),
    Column("alternative_units", gettext_lazy("Alternative units"), False, ("其他單位", "換算單位", "替代單位"),
           ("其他单位", "换算单位", "替代单位"), ("alternative units", "units", "conversions"),
           gettext_lazy("Unit=base units per unit, separated by semicolons, e.g. BOX=12;CTN=144.")),
    Column("standard_cost", gettext_lazy("Standard cost"), False, ("標準成本",), ("标准成本",),
           ("standard cost", "cost"), gettext_lazy("Zero or more; empty = 0.")),
    Column("reorder_point", gettext_lazy("Reorder point"), False, ("再訂購點", "請購點", "訂購點"),
           ("再订购点", "订货点", "请购点"), ("reorder point",), gettext_lazy("Zero or more, in the base unit.")),
    Column("safety_stock", gettext_lazy("Safety stock"), False, ("安全存量", "安全庫存"), ("安全库存", "安全存量"),
           ("safety stock",), gettext_lazy("Zero or more, in the base unit.")),
    Column("lead_time_days", gettext_lazy("Lead time (days)"), False, ("前置天數", "前置時間", "交期天數"),
           ("提前期", "前置天数", "交期天数"), ("lead time", "lead time days"),
           gettext_lazy("Whole days, zero or more.")),
    Column("lot_tracked", gettext_lazy("Lot tracked"), False, ("批號管理", "批號控管"), ("批号管理", "批次管理"),
           ("lot tracked", "lots"), gettext_lazy("yes/no, 1/0 or 是/否; empty = no.")),
    Column("shelf_life_days", gettext_lazy("Shelf life (days)"), False, ("保存期限(天)", "保存期限", "有效天數"),
           ("保质期(天)", "保质期", "有效天数"), ("shelf life", "shelf life days"),
           gettext_lazy("Whole days; may be empty.")),
    Column("barcode", gettext_lazy("Barcode"), False, ("條碼",), ("条码",), (),
           gettext_lazy("Up to 64 characters; unique.")),
    Column("default_warehouse", gettext_lazy("Default warehouse"), False, ("預設倉庫", "預設倉"),
           ("默认仓库", "默认仓"), ("default warehouse", "warehouse"),
           gettext_lazy("An existing warehouse code; may be empty.")),
    Column("is_active", gettext_lazy("Active"), False, ("啟用", "有效"), ("启用", "有效"), ("active",),
           gettext_lazy("yes/no, 1/0 or 是/否; empty = yes.")),
)

OPENING_COLUMNS = (
    Column("item", gettext_lazy("Item code"), True, ("料號", "品號"), ("料号", "品号", "物料编码"),
           ("item code", "code"), gettext_lazy("An existing item.")),
    Column("warehouse", gettext_lazy("Warehouse code"), True, ("倉庫", "倉庫代碼"), ("仓库", "仓库代码"),
           ("warehouse code",), gettext_lazy("A warehouse you may post stock moves in.")),
    Column("location", gettext_lazy("Location code"), True, ("儲位", "儲位代碼"), ("库位", "库位代码"),
           ("location code", "bin"), gettext_lazy("A storage location of that warehouse.")),
    Column("lot_number", gettext_lazy("Lot number"), False, ("批號",), ("批号", "批次"), ("lot number", "lot"),
           gettext_lazy("Required for lot-tracked items, empty for the others.")),
    Column("quantity", gettext_lazy("Quantity (base unit)"), True, ("數量", "期初數量"), ("数量", "期初数量"),
           ("qty",), gettext_lazy("Greater than zero, in the item's base unit.")),
    Column("unit_cost", gettext_lazy("Unit cost"), False, ("單位成本", "單價"), ("单位成本", "单价"),
           ("unit cost", "cost"), gettext_lazy("Zero or more per base unit; empty = the item's standard cost.")),
    Column("manufactured_on", gettext_lazy("Manufactured on"), False, ("製造日期",), ("生产日期", "制造日期"),
           ("manufactured", "manufactured on"), gettext_lazy("Date of a new lot, e.g. 2026-11-25; may be empty.")),
    Column("expires_on", gettext_lazy("Expires on"), False, ("有效日期", "到期日"), ("有效期至", "到期日"),
           ("expiry", "expires on"), gettext_lazy("Date of a new lot; empty = manufacture date + shelf life.")),
)


def normalise_header(text):
    """'Base unit' / 'base_unit' / ' BASE-UNIT ' -> 'baseunit'; '保存期限（天）' -> '保存期限天'."""
    return re.sub(r"[\s_\-()（）.:：*]+", "", str(text or "")).casefold()


# Reading files ---------------------------------------------------------------------------------


@dataclass
class Table:
    kind: str
    filename: str
    headers: dict  # column key -> the header as written in the file
    rows: list  # [(row number, {column key: raw value})]
    ignored_headers: list = field(default_factory=list)


def read_table(data, filename, kind):
    """The rows of an uploaded CSV/XLSX file mapped onto the kind's columns; ImportFileError if the
    file as a whole is unusable."""
    kind = get_kind(kind)
    if len(data) > MAX_BYTES:
        raise ImportFileError(_("The file is larger than %(limit)s MB: split it into smaller files.") % {
            "limit": MAX_BYTES // (1024 * 1024)})
    if not data:
        raise ImportFileError(_("The file is empty."))
    extension = (filename or "").rsplit(".", 1)[-1].lower() if "." in (filename or "") else ""
    if data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        raise ImportFileError(_("Old Excel .xls files are not supported: save the file as .xlsx or CSV (UTF-8)."))
    if extension == "xlsx" or (data[:4] == b"PK\x03\x04" and extension != "csv"):
        raw_rows = _xlsx_rows(data)
    elif extension in ("csv", "txt"):
        raw_rows = _csv_rows(data)
    else:
        raise ImportFileError(_("Upload a CSV (UTF-8) or Excel .xlsx file."))
    return _to_table(kind, filename, raw_rows)


def _too_many_rows():
    return ImportFileError(_("The file has more than %(limit)s rows: split it into smaller files.") % {
        "limit": f"{MAX_ROWS:,}"})


def _xlsx_rows(data):
    from openpyxl import load_workbook

    if not zip_is_xlsx(data):
        raise ImportFileError(_("The file is not an Excel .xlsx workbook."))
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds for a damaged or foreign zip file
        raise ImportFileError(_("The file is not an Excel .xlsx workbook or it is damaged.")) from None
    try:
        sheet = workbook.worksheets[0]
        try:
            yield from enumerate(sheet.iter_rows(values_only=True), start=1)
        except ImportFileError:
            raise
        except Exception:
            raise ImportFileError(_("The workbook could not be read; it may be damaged.")) from None
    finally:
        workbook.close()


def _csv_rows(data):
    if b"\x00" in data[:4096]:
        raise ImportFileError(_("The file is not a CSV text file: save it as CSV (UTF-8) or .xlsx."))
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ImportFileError(_("The file is not UTF-8 text: save it as “CSV UTF-8” or as .xlsx.")) from None
    first_line = text.split("\n", 1)[0]
    delimiter = max(",;\t", key=first_line.count) if any(d in first_line for d in ",;\t") else ","
    try:
        yield from enumerate(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter), start=1)
    except csv.Error:
        raise ImportFileError(_("The CSV file is malformed (check quotes and line breaks).")) from None


def _blank(values):
    return all(v is None or (isinstance(v, str) and not v.strip()) for v in values)


def _to_table(kind, filename, raw_rows):
    rows = []
    for number, values in raw_rows:
        if number > MAX_ROWS * 10:  # mostly blank sheet rows: do not read a million of them
            raise _too_many_rows()
        if _blank(values):
            continue
        rows.append((number, list(values)))
        if len(rows) > MAX_ROWS + 1:  # the header row and MAX_ROWS data rows
            raise _too_many_rows()
    if not rows:
        raise ImportFileError(_("The file is empty."))
    _header_number, header_values = rows[0]
    lookup = {}
    for column in kind.columns:
        for header in column.accepted_headers():
            lookup.setdefault(normalise_header(header), column.key)
        for language, _name in settings.LANGUAGES:
            with translation.override(language):
                lookup.setdefault(normalise_header(str(column.label)), column.key)
    positions, headers, ignored = {}, {}, []
    for index, value in enumerate(header_values):
        text = "" if value is None else str(value).strip()
        if not text:
            continue
        key = lookup.get(normalise_header(text))
        if key is None:
            ignored.append(text)
            continue
        if key in positions:
            raise ImportFileError(_("Columns “%(first)s” and “%(second)s” both mean %(column)s: keep one of them.") % {
                "first": headers[key], "second": text, "column": key})
        positions[key], headers[key] = index, text
    missing = [column.key for column in kind.columns if column.required and column.key not in positions]
    if missing:
        raise ImportFileError(
            _("Missing column(s): %(columns)s. The first row must hold the column headers; "
              "download the template to see them.") % {"columns": ", ".join(missing)}
        )
    data_rows = []
    for number, values in rows[1:]:
        data_rows.append((number, {key: values[index] if index < len(values) else None
                                   for key, index in positions.items()}))
    if not data_rows:
        raise ImportFileError(_("The file has column headers but no rows to import."))
    return Table(kind=kind.key, filename=filename, headers=headers, rows=data_rows, ignored_headers=ignored)


# Parsing cells ---------------------------------------------------------------------------------


def _text(raw):
    if raw is None:
        return ""
    if isinstance(raw, float) and raw.is_integer():
        return str(int(raw))
    if isinstance(raw, datetime.datetime):
        return raw.date().isoformat() if raw.time() == datetime.time() else raw.isoformat(sep=" ")
    if isinstance(raw, datetime.date):
        return raw.isoformat()
    return str(raw).strip()


def parse_code(raw, *, required=True):
    text = normalise_code(_text(raw))
    if not text:
        if required:
            raise CellError(_("a value is required."))
        return ""
    if len(text) > CODE_MAX_LENGTH:
        raise CellError(_("“%(value)s” is longer than %(max)s characters.") % {"value": text, "max": CODE_MAX_LENGTH})
    if not CODE_RE.match(text):
        raise CellError(_("“%(value)s” is not a valid code: use letters, digits and . _ / - only, "
                          "starting with a letter or digit.") % {"value": text})
    return text


def parse_text(raw, *, max_length, required=False):
    text = _text(raw)
    if not text and required:
        raise CellError(_("a value is required."))
    if len(text) > max_length:
        raise CellError(_("the text is longer than %(max)s characters.") % {"max": max_length})
    return text


def parse_decimal(raw, *, default=None, positive=False, places=QTY_PLACES, required=False):
    if isinstance(raw, bool):
        raise CellError(_("“%(value)s” is not a number.") % {"value": raw})
    if isinstance(raw, int | Decimal):
        value = Decimal(raw)
        shown = str(raw)
    elif isinstance(raw, float):
        value = Decimal(repr(raw))
        shown = repr(raw)
    else:
        shown = _text(raw)
        if not shown:
            if required:
                raise CellError(_("a value is required."))
            return default
        try:
            value = Decimal(shown.replace(",", "").replace("，", ""))
        except InvalidOperation:
            raise CellError(_("“%(value)s” is not a number.") % {"value": shown}) from None
    if not value.is_finite():
        raise CellError(_("“%(value)s” is not a number.") % {"value": shown})
    if positive and value <= 0:
        raise CellError(_("must be greater than zero (got %(value)s).") % {"value": shown})
    if value < 0:
        raise CellError(_("must not be negative (got %(value)s).") % {"value": shown})
    value = value.normalize() if value != 0 else Decimal("0")
    exponent = value.as_tuple().exponent
    if exponent < -places:
        raise CellError(_("“%(value)s” has more than %(places)s decimal places.") % {"value": shown, "places": places})
    if value.adjusted() >= MAX_DIGITS - places:
        raise CellError(_("“%(value)s” is too large.") % {"value": shown})
    return value


def parse_int(raw, *, default=None, maximum=None):
    value = parse_decimal(raw, default=None, places=6)
    if value is None:
        return default
    if value != value.to_integral_value():
        raise CellError(_("“%(value)s” is not a whole number.") % {"value": _text(raw)})
    value = int(value)
    if maximum is not None and value > maximum:
        raise CellError(_("must be at most %(max)s (got %(value)s).") % {"max": maximum, "value": value})
    return value


TRUE_WORDS = {"yes", "y", "true", "t", "1", "是", "有", "啟用", "启用", "v", "✓", "x"}
FALSE_WORDS = {"no", "n", "false", "f", "0", "否", "無", "无", "停用"}


def parse_bool(raw, *, default):
    if isinstance(raw, bool):
        return raw
    text = _text(raw).casefold()
    if not text:
        return default
    if text in TRUE_WORDS:
        return True
    if text in FALSE_WORDS:
        return False
    raise CellError(_("“%(value)s” is not yes or no (use yes/no, 1/0 or 是/否).") % {"value": _text(raw)})


def parse_date(raw):
    if isinstance(raw, datetime.datetime):
        return raw.date()
    if isinstance(raw, datetime.date):
        return raw
    text = _text(raw)
    if not text:
        return None
    for pattern in ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y%m%d"):
        try:
            return datetime.datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    raise CellError(_("“%(value)s” is not a date (use 2026-11-25 or 2026/11/25).") % {"value": text})


CHOICE_ALIASES = {
    st.ItemType.RAW_MATERIAL: ("raw material", "原料", "原物料", "材料"),
    st.ItemType.SEMI_FINISHED: ("semi-finished", "半成品"),
    st.ItemType.FINISHED_GOOD: ("finished good", "成品"),
    st.ItemType.CONSUMABLE: ("耗材", "消耗品"),
    st.ItemType.SERVICE: ("服務", "服务"),
    st.Procurement.MAKE: ("自製", "自制", "生產", "生产"),
    st.Procurement.BUY: ("採購", "采购", "外購", "外购"),
}


def choice_lookup(choices_class):
    """{casefolded value or label in any language: value} for a TextChoices class."""
    lookup = {}
    for value, label in choices_class.choices:
        lookup[value.casefold()] = value
        for alias in CHOICE_ALIASES.get(value, ()):
            lookup[alias.casefold()] = value
        for language, _name in settings.LANGUAGES:
            with translation.override(language):
                lookup.setdefault(str(label).strip().casefold(), value)
    return lookup


def parse_choice(raw, lookup, *, default):
    text = _text(raw)
    if not text:
        return default
    value = lookup.get(text.casefold())
    if value is None:
        raise CellError(_("“%(value)s” is not one of: %(choices)s.") % {
            "value": text, "choices": ", ".join(sorted(set(lookup.values())))})
    return value


# Results ---------------------------------------------------------------------------------------


@dataclass
class RowError:
    row: int
    column: str  # the column key, "" for the whole row
    header: str  # the column's header as written in the file
    message: str

    def __str__(self):
        if self.column:
            return _("Row %(row)s, column %(column)s: %(message)s") % {
                "row": self.row, "column": self.header or self.column, "message": self.message}
        return _("Row %(row)s: %(message)s") % {"row": self.row, "message": self.message}


@dataclass
class RowResult:
    number: int
    raw: dict
    values: dict = field(default_factory=dict)  # parsed values, for the commit
    display: dict = field(default_factory=dict)  # what the preview shows per column
    errors: list = field(default_factory=list)
    notes: list = field(default_factory=list)

    @property
    def ok(self):
        return not self.errors

    def cells(self, columns):
        return [self.display.get(c.key, _text(self.raw.get(c.key))) for c in columns]


@dataclass
class ImportResult:
    kind: object
    table: Table
    rows: list
    notes: list = field(default_factory=list)
    new_categories: list = field(default_factory=list)

    @property
    def errors(self):
        return [error for row in self.rows for error in row.errors]

    @property
    def error_rows(self):
        return [row for row in self.rows if row.errors]

    @property
    def error_row_count(self):
        return sum(1 for row in self.rows if row.errors)

    @property
    def ok(self):
        return self.error_row_count == 0


class RowChecker:
    """Collects the parsed values and the errors of one row."""

    def __init__(self, table, number, raw):
        self.table = table
        self.row = RowResult(number=number, raw=raw)

    def has(self, key):
        return key in self.table.headers

    def take(self, key, parser, *args, **kwargs):
        try:
            value = parser(self.row.raw.get(key), *args, **kwargs)
        except CellError as error:
            self.error(key, error.message)
            return None
        self.row.values[key] = value
        return value

    def error(self, key, message):
        self.row.errors.append(RowError(self.row.number, key, self.table.headers.get(key, key), message))

    def failed(self, key):
        return any(e.column == key for e in self.row.errors)

    def show(self, key, value):
        self.row.display[key] = value


def fmt_decimal(value):
    if value is None:
        return ""
    return f"{value.normalize():f}" if value != 0 else "0"


# Units of measure ------------------------------------------------------------------------------


def validate_units(table, *, company, user):
    codes = set()
    for _number, raw in table.rows:
        try:
            codes.add(parse_code(raw.get("code")))
        except CellError:
            pass
    existing = set(UnitOfMeasure.objects.filter(company=company, code__in=codes).values_list("code", flat=True))
    seen, rows = {}, []
    for number, raw in table.rows:
        check = RowChecker(table, number, raw)
        code = check.take("code", parse_code)
        if code:
            check.show("code", code)
            if code in seen:
                check.error("code", _("code “%(code)s” already appears in row %(row)s.") % {
                    "code": code, "row": seen[code]})
            elif code in existing:
                check.error("code", _("unit “%(code)s” already exists.") % {"code": code})
            seen.setdefault(code, number)
        check.take("name", parse_text, max_length=200, required=True)
        decimals = check.take("decimals", parse_int, default=0, maximum=6)
        if decimals is not None:
            check.show("decimals", str(decimals))
        rows.append(check.row)
    return ImportResult(kind=get_kind("units"), table=table, rows=rows)


def commit_units(result, *, company, user):
    created = 0
    for row in result.rows:
        _for_row(row, masterdata.unit_create, company=company, code=row.values["code"], name=row.values["name"],
                 decimals=row.values["decimals"], actor=user)
        created += 1
    return created


def _for_row(row, service, **kwargs):
    """Call a master-data service; its refusal names the file's row."""
    try:
        return service(**kwargs)
    except ValidationError as error:
        raise DomainError(_("Row %(row)s: %(message)s") % {"row": row.number, "message": _validation_text(error)})


def _validation_text(error):
    if hasattr(error, "message_dict"):
        return "; ".join(f"{key}: {' '.join(messages)}" if key != "__all__" else " ".join(messages)
                         for key, messages in error.message_dict.items())
    return " ".join(error.messages)


# Items -----------------------------------------------------------------------------------------


def parse_alternative_units(raw, *, units):
    """'BOX=12;CTN=144' -> [(UnitOfMeasure, Decimal)]; unknown units and bad factors are errors."""
    text = _text(raw)
    if not text:
        return []
    parsed, seen = [], set()
    for part in re.split(r"[;；\n]+", text):
        part = part.strip()
        if not part:
            continue
        pieces = re.split(r"[=＝]", part)
        if len(pieces) != 2 or not pieces[0].strip() or not pieces[1].strip():
            raise CellError(_("“%(part)s” is not UNIT=factor (e.g. BOX=12).") % {"part": part})
        code = normalise_code(pieces[0])
        unit = units.get(code)
        if unit is None:
            raise CellError(_("unit “%(code)s” does not exist.") % {"code": code})
        if not unit.is_active:
            raise CellError(_("unit “%(code)s” is inactive.") % {"code": code})
        if code in seen:
            raise CellError(_("unit “%(code)s” is listed twice.") % {"code": code})
        try:
            factor = parse_decimal(pieces[1].strip(), positive=True)
        except CellError as error:
            raise CellError(_("%(unit)s: %(message)s") % {"unit": code, "message": error.message}) from None
        seen.add(code)
        parsed.append((unit, factor))
    return parsed


def validate_items(table, *, company, user):
    codes, barcodes = set(), set()
    for _number, raw in table.rows:
        try:
            codes.add(parse_code(raw.get("code")))
        except CellError:
            pass
        barcodes.add(_text(raw.get("barcode")))
    barcodes.discard("")
    # A fixed number of queries, whatever the number of rows.
    existing_codes = set(Item.objects.filter(company=company, code__in=codes).values_list("code", flat=True))
    existing_barcodes = set(
        Item.objects.filter(company=company, barcode__in=barcodes).values_list("barcode", flat=True)
    ) if barcodes else set()
    units = {u.code: u for u in UnitOfMeasure.objects.filter(company=company)}
    categories = {c.code: c for c in ItemCategory.objects.filter(company=company)}
    warehouses = {w.code: w for w in Warehouse.objects.filter(company=company)}
    types, procurements = choice_lookup(st.ItemType), choice_lookup(st.Procurement)
    # Translated once, not once per row.
    type_labels = {value: str(label) for value, label in st.ItemType.choices}
    procurement_labels = {value: str(label) for value, label in st.Procurement.choices}
    yes_no = {True: _("Yes"), False: _("No")}

    seen_codes, seen_barcodes, new_categories, rows = {}, {}, {}, []
    for number, raw in table.rows:
        check = RowChecker(table, number, raw)
        code = check.take("code", parse_code)
        if code:
            check.show("code", code)
            if code in seen_codes:
                check.error("code", _("code “%(code)s” already appears in row %(row)s.") % {
                    "code": code, "row": seen_codes[code]})
            elif code in existing_codes:
                check.error("code", _("item “%(code)s” already exists.") % {"code": code})
            seen_codes.setdefault(code, number)
        check.take("name", parse_text, max_length=200, required=True)
        check.take("specification", parse_text, max_length=300)

        category_code = check.take("category", parse_code, required=False)
        if category_code:
            check.show("category", category_code)
            category = categories.get(category_code)
            if category is None:
                new_categories.setdefault(category_code, number)
                check.row.notes.append(_("New category %(code)s") % {"code": category_code})
            elif not category.is_active:
                check.error("category", _("category “%(code)s” is inactive.") % {"code": category_code})
            check.row.values["category"] = category_code

        item_type = check.take("item_type", parse_choice, types, default=st.ItemType.RAW_MATERIAL)
        if item_type:
            check.show("item_type", type_labels[item_type])
        procurement = check.take("procurement", parse_choice, procurements, default=st.Procurement.BUY)
        if procurement:
            check.show("procurement", procurement_labels[procurement])

        base_code = check.take("base_unit", parse_code)
        base_unit = None
        if base_code:
            check.show("base_unit", base_code)
            base_unit = units.get(base_code)
            if base_unit is None:
                check.error("base_unit", _("unit “%(code)s” does not exist.") % {"code": base_code})
            elif not base_unit.is_active:
                check.error("base_unit", _("unit “%(code)s” is inactive.") % {"code": base_code})
        check.row.values["base_unit"] = base_unit

        alternatives = check.take("alternative_units", parse_alternative_units, units=units)
        if alternatives:
            check.show("alternative_units", "; ".join(f"{u.code}={fmt_decimal(f)}" for u, f in alternatives))
            if base_unit is not None and any(u.pk == base_unit.pk for u, _f in alternatives):
                check.error("alternative_units", _("the base unit %(code)s needs no conversion.") % {
                    "code": base_unit.code})

        for key in ("standard_cost", "reorder_point", "safety_stock"):
            value = check.take(key, parse_decimal, default=Decimal("0"))
            if value is not None:
                check.show(key, fmt_decimal(value))
        lead_time = check.take("lead_time_days", parse_int, default=0, maximum=2_147_483_647)
        if lead_time is not None:
            check.show("lead_time_days", str(lead_time))
        lot_tracked = check.take("lot_tracked", parse_bool, default=False)
        if lot_tracked is not None:
            check.show("lot_tracked", yes_no[lot_tracked])
        shelf_life = check.take("shelf_life_days", parse_int, default=None, maximum=2_147_483_647)
        if shelf_life is not None:
            check.show("shelf_life_days", str(shelf_life))

        barcode = check.take("barcode", parse_text, max_length=64)
        if barcode:
            if barcode in seen_barcodes:
                check.error("barcode", _("barcode “%(code)s” already appears in row %(row)s.") % {
                    "code": barcode, "row": seen_barcodes[barcode]})
            elif barcode in existing_barcodes:
                check.error("barcode", _("barcode “%(code)s” is already used by another item.") % {"code": barcode})
            seen_barcodes.setdefault(barcode, number)

        warehouse_code = check.take("default_warehouse", parse_code, required=False)
        warehouse = None
        if warehouse_code:
            check.show("default_warehouse", warehouse_code)
            warehouse = warehouses.get(warehouse_code)
            if warehouse is None:
                check.error("default_warehouse", _("warehouse “%(code)s” does not exist.") % {"code": warehouse_code})
            elif not warehouse.is_active:
                check.error("default_warehouse", _("warehouse “%(code)s” is inactive.") % {"code": warehouse_code})
        check.row.values["default_warehouse"] = warehouse

        active = check.take("is_active", parse_bool, default=True)
        if active is not None:
            check.show("is_active", yes_no[active])
        rows.append(check.row)

    result = ImportResult(kind=get_kind("items"), table=table, rows=rows)
    if new_categories:
        result.notes.append(_("These categories do not exist and will be created (name = code): %(codes)s.") % {
            "codes": ", ".join(sorted(new_categories))})
    result.new_categories = sorted(new_categories)
    return result


ITEM_FIELDS = ("code", "name", "specification", "item_type", "procurement", "base_unit", "standard_cost",
               "reorder_point", "safety_stock", "lead_time_days", "lot_tracked", "shelf_life_days", "barcode",
               "default_warehouse", "is_active")


def commit_items(result, *, company, user):
    categories = {c.code: c for c in ItemCategory.objects.filter(company=company)}
    for code in result.new_categories:
        if code not in categories:
            row = next(r for r in result.rows if r.values.get("category") == code)
            categories[code] = _for_row(row, masterdata.category_create, company=company, code=code, name=code,
                                        actor=user)
    rows = []
    for row in result.rows:
        fields = {key: row.values[key] for key in ITEM_FIELDS if row.values.get(key) is not None}
        fields.setdefault("specification", "")
        fields.setdefault("barcode", "")
        category_code = row.values.get("category")
        fields["category"] = categories[category_code] if category_code else None
        fields["units"] = row.values.get("alternative_units") or []
        rows.append(fields)
    # One bulk write (validated again there, uniqueness for all rows at once) instead of ~25
    # queries per item: 1,000 items commit in about a second.
    try:
        masterdata.items_create_bulk(company=company, rows=rows, actor=user)
    except ValidationError as error:
        raise DomainError(_validation_text(error))
    return len(result.rows)


# Opening balances ------------------------------------------------------------------------------


def validate_opening(table, *, company, user):
    from inventory.selectors import OPERATE

    item_codes, warehouse_codes = set(), set()
    for _number, raw in table.rows:
        for key, bucket in (("item", item_codes), ("warehouse", warehouse_codes)):
            try:
                bucket.add(parse_code(raw.get(key)))
            except CellError:
                pass
    items = {i.code: i for i in Item.objects.filter(company=company, code__in=item_codes).select_related("base_unit")}
    warehouses = {w.code: w for w in Warehouse.objects.filter(company=company, code__in=warehouse_codes)}
    locations = {
        (loc.warehouse_id, loc.code): loc
        for loc in Location.objects.filter(company=company, warehouse__in=list(warehouses.values()))
        .select_related("warehouse")
    }
    if user.has_perm(OPERATE):
        allowed = set(warehouses)
    else:
        from guardian.shortcuts import get_objects_for_user

        allowed = set(
            get_objects_for_user(user, OPERATE, klass=Warehouse.objects.filter(pk__in=[w.pk for w in
                                                                                       warehouses.values()]),
                                 accept_global_perms=False).values_list("code", flat=True)
        ) if warehouses else set()
    existing_openings = set(
        StockMove.objects.filter(company=company, move_type=st.MoveType.OPENING,
                                 item__in=list(items.values())).values_list("item_id", "location_id", "lot__number")
    ) if items else set()

    seen, rows = {}, []
    for number, raw in table.rows:
        check = RowChecker(table, number, raw)
        item_code = check.take("item", parse_code)
        item = None
        if item_code:
            check.show("item", item_code)
            item = items.get(item_code)
            if item is None:
                check.error("item", _("item “%(code)s” does not exist.") % {"code": item_code})
            elif not item.is_active:
                check.error("item", _("item “%(code)s” is inactive.") % {"code": item_code})
                item = None
            elif not item.is_stocked:
                check.error("item", _("item “%(code)s” is a service and has no stock.") % {"code": item_code})
                item = None
        warehouse_code = check.take("warehouse", parse_code)
        warehouse = None
        if warehouse_code:
            check.show("warehouse", warehouse_code)
            warehouse = warehouses.get(warehouse_code)
            if warehouse is None:
                check.error("warehouse", _("warehouse “%(code)s” does not exist.") % {"code": warehouse_code})
            elif warehouse_code not in allowed:
                check.error("warehouse", _("you may not post stock moves in warehouse “%(code)s”.") % {
                    "code": warehouse_code})
                warehouse = None
            elif not warehouse.is_active:
                check.error("warehouse", _("warehouse “%(code)s” is inactive.") % {"code": warehouse_code})
                warehouse = None
        location_code = check.take("location", parse_code)
        location = None
        if location_code:
            check.show("location", location_code)
            if warehouse is not None:
                location = locations.get((warehouse.pk, location_code))
                if location is None:
                    check.error("location", _("location “%(code)s” does not exist in warehouse %(warehouse)s.") % {
                        "code": location_code, "warehouse": warehouse.code})
                elif location.kind != st.LocationKind.INTERNAL:
                    check.error("location", _("location “%(code)s” is not a storage location.") % {
                        "code": location_code})
                    location = None
                elif not location.is_active:
                    check.error("location", _("location “%(code)s” is inactive.") % {"code": location_code})
                    location = None
        lot_number = check.take("lot_number", parse_text, max_length=60)
        if item is not None and lot_number is not None:
            if item.lot_tracked and not lot_number:
                check.error("lot_number", _("item %(code)s is lot-tracked: give a lot number.") % {"code": item.code})
            elif not item.lot_tracked and lot_number:
                check.error("lot_number", _("item %(code)s is not lot-tracked: leave the lot number empty.") % {
                    "code": item.code})
        quantity = check.take("quantity", parse_decimal, positive=True, required=True)
        if quantity is not None:
            check.show("quantity", fmt_decimal(quantity) + (f" {item.base_unit.code}" if item else ""))
        unit_cost = check.take("unit_cost", parse_decimal)
        if unit_cost is None and item is not None and not check.failed("unit_cost"):
            unit_cost = item.standard_cost
            check.row.values["unit_cost"] = unit_cost
        if unit_cost is not None:
            check.show("unit_cost", fmt_decimal(unit_cost))
        for key in ("manufactured_on", "expires_on"):
            value = check.take(key, parse_date)
            if value is not None:
                check.show(key, value.isoformat())
        check.row.values.update(item_obj=item, location_obj=location)

        if item is not None and location is not None and lot_number is not None:
            key = (item.pk, location.pk, lot_number or None)
            if key in seen:
                check.error("", _("%(item)s at %(location)s%(lot)s already appears in row %(row)s.") % {
                    "item": item.code, "location": location, "lot": f" ({lot_number})" if lot_number else "",
                    "row": seen[key]})
            elif key in existing_openings:
                check.error("", _("%(item)s at %(location)s%(lot)s already has an opening balance.") % {
                    "item": item.code, "location": location, "lot": f" ({lot_number})" if lot_number else ""})
            seen.setdefault(key, number)
        rows.append(check.row)
    return ImportResult(kind=get_kind("opening"), table=table, rows=rows)


def lock_opening(table, *, company):
    """Lock the valuations of the file's items (as post_moves will, in item order) before validating,
    so two imports of the same opening balances cannot both pass the duplicate check."""
    codes = set()
    for _number, raw in table.rows:
        try:
            codes.add(parse_code(raw.get("item")))
        except CellError:
            pass
    items = list(Item.objects.filter(company=company, code__in=codes).order_by("pk"))
    if items:
        lock_valuations(company, items)


def commit_opening(result, *, company, user):
    specs = []
    for row in result.rows:
        item, location = row.values["item_obj"], row.values["location_obj"]
        lot = None
        if row.values.get("lot_number"):
            lot = masterdata.lot_for_receipt(item=item, number=row.values["lot_number"],
                                             manufactured_on=row.values.get("manufactured_on"),
                                             expires_on=row.values.get("expires_on"))
        specs.append(MoveSpec(item=item, location=location, lot=lot, quantity=row.values["quantity"],
                              move_type=st.MoveType.OPENING, unit_cost=row.values["unit_cost"], field="file",
                              line=row.number))
    post_moves(company=company, specs=specs, actor=user)
    return len(specs)


# Kinds -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Kind:
    key: str
    label: str
    permission: str
    columns: tuple
    validator: object
    committer: object
    done_message: str  # lazy, with %(count)s
    lock: object = None  # called in the commit's transaction before validating

    def column(self, key):
        return next(c for c in self.columns if c.key == key)


KINDS = {
    "units": Kind("units", gettext_lazy("Units of measure"), "inventory.add_unitofmeasure", UNIT_COLUMNS,
                  validate_units, commit_units, gettext_lazy("%(count)s units of measure imported.")),
    "items": Kind("items", gettext_lazy("Items"), "inventory.add_item", ITEM_COLUMNS, validate_items, commit_items,
                  gettext_lazy("%(count)s items imported.")),
    "opening": Kind("opening", gettext_lazy("Opening balances"), "inventory.add_goodsreceipt", OPENING_COLUMNS,
                    validate_opening, commit_opening, gettext_lazy("%(count)s opening balances posted."),
                    lock=lock_opening),
}


def get_kind(kind):
    if isinstance(kind, Kind):
        return kind
    try:
        return KINDS[kind]
    except KeyError:
        raise ImportFileError(_("Unknown kind of import.")) from None


def validate(kind, table, *, company, user):
    """Every row of ``table`` checked against the database; nothing is written."""
    return get_kind(kind).validator(table, company=company, user=user)


@atomic_with_retry
def commit(kind, table, *, company, user):
    """Re-validate and import everything in one transaction; returns the number of rows imported.
    Raises ImportRejected (nothing written) when any row has an error."""
    kind = get_kind(kind)
    try:
        with transaction.atomic():  # a savepoint when the caller already runs a transaction: still all or nothing
            if kind.lock is not None:
                kind.lock(table, company=company)
            result = kind.validator(table, company=company, user=user)
            if not result.ok:
                raise ImportRejected(result)
            return kind.committer(result, company=company, user=user)
    except IntegrityError:
        # Someone created the same code between our check and our insert.
        raise DomainError(_("Someone else changed the same records at the same time: nothing was imported. "
                            "Check the preview again.")) from None


def template_workbook(kind, language):
    """An XLSX with the kind's headers (in ``language``) and a help sheet describing each column."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    kind = get_kind(kind)
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = kind.key
    sheet.append([column.header_for(language) for column in kind.columns])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for index, column in enumerate(kind.columns, start=1):
        sheet.column_dimensions[sheet.cell(row=1, column=index).column_letter].width = max(
            14, len(column.header_for(language)) * 2 + 2)
    help_sheet = workbook.create_sheet(title="help")
    help_sheet.append([_("Column"), _("Required"), _("Description"), _("Also accepted")])
    for cell in help_sheet[1]:
        cell.font = Font(bold=True)
    for column in kind.columns:
        help_sheet.append([column.header_for(language), _("Yes") if column.required else _("No"), str(column.help),
                           ", ".join(h for h in column.accepted_headers() if h != column.header_for(language))])
    for letter, width in zip("ABCD", (22, 10, 70, 50), strict=True):
        help_sheet.column_dimensions[letter].width = width
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def zip_is_xlsx(data):
    """True when ``data`` is a zip archive holding an Excel workbook part."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return "xl/workbook.xml" in archive.namelist()
    except zipfile.BadZipFile:
        return False
