"""The departments stand in a declared order (settings.DEPARTMENT_APPS, bottom to top, above the core):
imports follow it (import-linter, in `make lint`), and so must foreign keys and migrations — a lower
app's document refers to a higher app's through a generic reference, never a foreign key."""

import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.db.migrations.loader import MigrationLoader

ORDER = ["erp", *settings.DEPARTMENT_APPS]  # bottom to top
RANK = {label: n for n, label in enumerate(ORDER)}
ROOT = Path(__file__).resolve().parents[2]


def test_foreign_keys_point_to_the_same_app_or_below():
    upward = []
    for model in apps.get_models():
        source = RANK.get(model._meta.app_label)
        if source is None:
            continue
        for field in model._meta.get_fields():
            if not (field.is_relation and field.concrete) or field.related_model is None:
                continue
            target = RANK.get(field.related_model._meta.app_label)
            if target is not None and target > source:
                upward.append(f"{model._meta.label}.{field.name} -> {field.related_model._meta.label}")
    assert upward == []


def test_migrations_depend_on_the_same_app_or_below():
    loader = MigrationLoader(None, ignore_no_migrations=True)
    upward = []
    for (app_label, name), migration in loader.disk_migrations.items():
        source = RANK.get(app_label)
        if source is None:
            continue
        for dependency_app, dependency in migration.dependencies:
            target = RANK.get(dependency_app)
            if target is not None and target > source:
                upward.append(f"{app_label}.{name} -> {dependency_app}.{dependency}")
    assert upward == []


def contract():
    return tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]


def test_the_import_contract_is_the_declared_order():
    """pyproject's import-linter layers are settings.DEPARTMENT_APPS read from the top down (siblings of a
    layer, "finance | hr", are independent of each other)."""
    config = contract()
    layers = [sorted(part.strip() for part in layer.split("|")) for layer in config["contracts"][0]["layers"]]
    flattened = [label for layer in layers for label in layer]
    assert sorted(config["root_packages"]) == sorted(ORDER)
    assert sorted(flattened) == sorted(ORDER)
    for higher, lower in zip(layers, layers[1:], strict=False):
        assert max(RANK[label] for label in lower) < min(RANK[label] for label in higher)


def test_an_upward_import_breaks_the_contract(tmp_path):
    """The contract is not a test that cannot fail: a copy of the tree where inventory imports sales
    is refused."""
    for label in ORDER:
        shutil.copytree(ROOT / label, tmp_path / label, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    lint = [str(Path(sys.executable).parent / "lint-imports")]
    clean = subprocess.run(lint, cwd=tmp_path, capture_output=True, text=True, env={"PYTHONPATH": str(tmp_path)})
    (tmp_path / "inventory" / "upward.py").write_text("from sales import models  # noqa: F401\n")
    broken = subprocess.run(lint, cwd=tmp_path, capture_output=True, text=True, env={"PYTHONPATH": str(tmp_path)})

    assert clean.returncode == 0, clean.stdout
    assert broken.returncode != 0
    assert "inventory is not allowed to import sales" in broken.stdout
