"""The raw-SQL policy (docs/architecture.md, "Hand-written SQL"): no cursor, RawSQL, .raw() or
.extra() in any module of the core or a department app outside its ``sql`` module; migrations and
the bench-data generators listed below excepted."""

import re
import sys
from pathlib import Path

from django.conf import settings

ROOT = Path(settings.BASE_DIR)
RAW_SQL = re.compile(r"cursor\(|\bRawSQL\b|\.raw\(|\.extra\(")

# Management commands that generate benchmark data in bulk with COPY and hand-written INSERTs: test
# data, not business writes, run by hand (bench/README.md).
EXCEPTED = {
    "inventory/management/commands/generate_inventory_data.py",
    "sales/management/commands/generate_sales_data.py",
    "purchasing/management/commands/generate_purchasing_data.py",
}


def is_sql_module(relative: str) -> bool:
    parts = relative.split("/")
    return parts[1:] == ["sql.py"] or (len(parts) > 2 and parts[1] == "sql")


def offences(relative: str, text: str) -> list[str]:
    """``relative:line`` of each raw-SQL use in ``text`` that the policy forbids."""
    if is_sql_module(relative) or "/migrations/" in relative or relative in EXCEPTED:
        return []
    return [f"{relative}:{n}" for n, line in enumerate(text.splitlines(), start=1) if RAW_SQL.search(line)]


def modules():
    for app in ["erp", *settings.DEPARTMENT_APPS]:
        for path in sorted((ROOT / app).rglob("*.py")):
            yield path.relative_to(ROOT).as_posix(), path


def test_raw_sql_lives_only_in_the_apps_sql_modules():
    found = [hit for relative, path in modules() for hit in offences(relative, path.read_text(encoding="utf-8"))]
    assert found == []


def test_the_policy_sees_every_form_of_raw_sql():
    samples = [
        "    with connection.cursor() as cursor:",
        "    with transaction.get_connection().cursor() as c:",
        "qs.annotate(n=RawSQL('select 1', []))",
        "Item.objects.raw('SELECT * FROM inventory_item')",
        "qs.extra(where=['1=1'])",
    ]
    for sample in samples:
        assert offences("sales/services/orders.py", f"x = 1\n{sample}\n") == ["sales/services/orders.py:2"], sample
    # the places it allows
    for allowed in ["sales/sql.py", "inventory/sql/reserve.py", "inventory/migrations/0011_x.py",
                    "sales/management/commands/generate_sales_data.py"]:
        assert offences(allowed, samples[0]) == []
    assert offences("sales/services/orders.py", "context.update(x=1)\nqueryset.filter(pk=1)") == []


def test_the_policy_fails_on_a_new_module_with_raw_sql(tmp_path, monkeypatch):
    app = tmp_path / "office"
    app.mkdir()
    (app / "hacks.py").write_text("from django.db import connection\n\nwith connection.cursor() as c:\n    pass\n")
    (app / "sql.py").write_text("from django.db import connection\n\nwith connection.cursor() as c:\n    pass\n")
    monkeypatch.setattr(settings, "DEPARTMENT_APPS", ["office"])
    monkeypatch.setattr(sys.modules[__name__], "ROOT", tmp_path)
    found = [hit for relative, path in modules() if relative.startswith("office/")
             for hit in offences(relative, path.read_text(encoding="utf-8"))]
    assert found == ["office/hacks.py:3"]
