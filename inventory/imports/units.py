"""Import of units of measure: new units only (a code that exists is an error)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from erp.imports import (
    Column,
    ImportKind,
    ImportResult,
    RowChecker,
    RowResult,
    Table,
    codes_of,
    for_row,
    parse_int,
    parse_text,
)
from inventory.models import UnitOfMeasure
from inventory.services import masterdata

if TYPE_CHECKING:
    from erp.models import Company, User

UNIT_COLUMNS = (
    Column("code", gettext_lazy("Code"), True, ("單位代碼", "代碼", "單位"), ("单位代码", "代码", "单位"),
           ("unit code", "unit"), gettext_lazy("Letters, digits and . _ / - (e.g. BOX).")),
    Column("name", gettext_lazy("Name"), True, ("名稱", "單位名稱"), ("名称", "单位名称"), ("unit name",),
           gettext_lazy("The unit's name.")),
    Column("decimals", gettext_lazy("Decimals"), False, ("小數位數", "小數位"), ("小数位数", "小数位"),
           ("decimal places",), gettext_lazy("Decimal places shown, 0 to 6; empty = 0.")),
)


def validate_units(table: Table, *, company: Company, user: User) -> ImportResult:
    existing = set(UnitOfMeasure.objects.restrict(user).filter(code__in=codes_of(table, "code"))
                   .values_list("code", flat=True))
    seen: dict[str, int] = {}
    rows: list[RowResult] = []
    for number, raw in table.rows:
        check = RowChecker(table, number, raw)
        check.take_unique("code", seen, existing, _("unit “%(code)s” already exists."))
        check.take("name", parse_text, max_length=200, required=True)
        decimals = check.take("decimals", parse_int, default=0, maximum=6)
        if decimals is not None:
            check.show("decimals", str(decimals))
        rows.append(check.row)
    return ImportResult(table=table, rows=rows)


def commit_units(result: ImportResult, *, company: Company, user: User) -> int:
    for row in result.rows:
        for_row(row, masterdata.unit_create, company=company, code=row.values["code"], name=row.values["name"],
                decimals=row.values["decimals"], actor=user)
    return len(result.rows)


UNITS = ImportKind(
    app_label="inventory", key="units", label=gettext_lazy("Units of measure"),
    permission="inventory.add_unitofmeasure", columns=UNIT_COLUMNS, validator=validate_units,
    committer=commit_units, done_message=gettext_lazy("%(count)s units of measure imported."),
)
