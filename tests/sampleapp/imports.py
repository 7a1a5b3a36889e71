"""A test-only kind of import: departments (a core model), declared and registered the way a department
app does it, so the engine and the shared screens are tested without inventory or sales."""

from __future__ import annotations

from typing import TYPE_CHECKING

from erp.errors import DomainError
from erp.imports import (
    Column,
    ImportKind,
    ImportResult,
    RowChecker,
    RowResult,
    Table,
    codes_of,
    for_row,
    parse_code,
    parse_int,
    parse_text,
)
from erp.models import Department

if TYPE_CHECKING:
    from erp.models import Company, User

COLUMNS = (
    Column("code", "Code", True, ("部門代號", "代號"), ("部门代码", "代码"), ("department code",), "A new code."),
    Column("name", "Name", True, ("部門名稱",), ("部门名称",), ("department name",), "Up to 200 characters."),
    Column("rank", "Rank", False, ("順序",), ("顺序",), (), "A whole number; may be empty."),
)
REFUSED_NAME = "REFUSED BY THE SERVICE"


def department_create(*, company: Company, code: str, name: str) -> Department:
    """A service as a department app has them: checks, then writes."""
    if name == REFUSED_NAME:
        raise DomainError("the service refuses this name.")
    department = Department(company=company, code=code, name=name)
    department.full_clean()
    department.save()
    return department


def validate_departments(table: Table, *, company: Company, user: User) -> ImportResult:
    existing = set(Department.objects.filter(company=company, code__in=codes_of(table, "code"))
                   .values_list("code", flat=True))
    seen: dict[str, int] = {}
    rows: list[RowResult] = []
    for number, raw in table.rows:
        check = RowChecker(table, number, raw)
        code = check.take("code", parse_code)
        if code:
            check.show("code", code)
            if code in seen:
                check.error("code", f"code “{code}” already appears in row {seen[code]}.")
            elif code in existing:
                check.error("code", f"department “{code}” already exists.")
            seen.setdefault(code, number)
        check.take("name", parse_text, max_length=200, required=True)
        check.take("rank", parse_int, maximum=99)
        rows.append(check.row)
    return ImportResult(table=table, rows=rows)


def commit_departments(result: ImportResult, *, company: Company, user: User) -> int:
    for row in result.rows:
        for_row(row, department_create, company=company, code=row.values["code"], name=row.values["name"])
    return len(result.rows)


DEPARTMENTS = ImportKind(
    app_label="sampleapp", key="departments", label="Departments", permission="erp.add_department",
    columns=COLUMNS, validator=validate_departments, committer=commit_departments,
    done_message="%(count)s departments imported.", segment="org-units",
)
