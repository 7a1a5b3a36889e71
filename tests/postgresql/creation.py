"""Test databases for xdist workers: migrate once, copy for each worker.

pytest-django gives each xdist worker a database of its own (test_<db>_gw0, _gw1, …) and each
worker would run every migration into it: the same ten-odd seconds of work per worker, at the same
time, on two cores. Here the first worker to get there migrates a template (test_<db>_template)
once, and every worker's database is a copy of it (CREATE DATABASE … TEMPLATE, well under a
second). A file lock orders the workers. The template carries in its comment a digest of what its
schema and data come from (``template_digest``: the first-party apps' migrations and the pinned
requirements), and stays after the run: the next run copies it again when no migration changed
(no migrate at all: about fifty seconds of Django's model-state rendering saved per run), and
rebuilds it otherwise. What post_migrate writes from the current code (content types, permissions,
the roles' grants) is written again into each copy: a fifth of a second.

Outside xdist, and with --reuse-db, this is Django's own creation.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import re
import tempfile
from functools import cache
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.core.management import call_command
from django.core.management.sql import emit_post_migrate_signal
from django.db.backends.postgresql import creation


class DatabaseCreation(creation.DatabaseCreation):
    def create_test_db(self, verbosity: int = 1, autoclobber: bool = False, serialize: bool = True,
                       keepdb: bool = False) -> str:
        worker = os.environ.get("PYTEST_XDIST_WORKER")
        test_name = self._get_test_db_name()
        if keepdb or not worker or not test_name.endswith(f"_{worker}"):
            return super().create_test_db(verbosity, autoclobber, serialize, keepdb)
        run = template_digest()

        template = f"{test_name.removesuffix(f'_{worker}')}_template"
        lock = Path(tempfile.gettempdir()) / f"{template}.lock"
        with open(lock, "w") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)  # released when the file closes
            if self._template_run(template) != run:
                self._build_template(template, run, verbosity)
            if verbosity >= 1:
                self.log(f"Copying {template} to {test_name}...")
            target, source = self._quote_name(test_name), self._quote_name(template)
            with self._nodb_cursor() as cursor:  # a worker's database left by a broken run goes first
                cursor.execute(f"DROP DATABASE IF EXISTS {target}")
                cursor.execute(f"CREATE DATABASE {target} WITH TEMPLATE {source}")

        self.connection.close()
        settings.DATABASES[self.connection.alias]["NAME"] = test_name
        self.connection.settings_dict["NAME"] = test_name
        # The template may predate code that post_migrate reads (a role's grants): as migrate would.
        emit_post_migrate_signal(verbosity=0, interactive=False, db=self.connection.alias)
        # What Django's create_test_db does after migrating.
        if serialize:
            self.connection._test_serialized_contents = self.serialize_db_to_string()
        call_command("createcachetable", database=self.connection.alias)
        self.connection.ensure_connection()
        return test_name

    def _template_run(self, template: str) -> str | None:
        with self._nodb_cursor() as cursor:
            cursor.execute("SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = %s",
                           [template])
            row = cursor.fetchone()
        return row[0] if row else None

    def _build_template(self, template: str, run: str, verbosity: int) -> None:
        original = self.connection.settings_dict["NAME"]
        test_settings = self.connection.settings_dict["TEST"]
        worker_name = test_settings.get("NAME")
        test_settings["NAME"] = template
        try:
            super().create_test_db(verbosity, autoclobber=True, serialize=False, keepdb=False)
        finally:
            test_settings["NAME"] = worker_name
        self.connection.close()  # nobody may be connected to a template that is being copied
        self.connection.close_pool()
        self.connection.settings_dict["NAME"] = original
        settings.DATABASES[self.connection.alias]["NAME"] = original
        with self._nodb_cursor() as cursor:
            cursor.execute(f"COMMENT ON DATABASE {self._quote_name(template)} IS %s", [run])


def imported_modules(root: Path, migrations: set[Path]) -> set[Path]:
    """The project's own modules that migrations import (their operations and field helpers)."""
    found = set()
    for migration in migrations:
        for name in re.findall(r"^(?:from|import) ([\w.]+)", migration.read_text(), flags=re.MULTILINE):
            module = root.joinpath(*name.split("."))
            for candidate in (module.with_suffix(".py"), module / "__init__.py"):
                if candidate.is_file():
                    found.add(candidate)
    return found


@cache
def template_digest() -> str:
    """A digest of what the migrated template's schema and rows come from: the migrations of the
    first-party apps (under the project directory; a data migration's code is in its file) and the
    pinned requirements (third-party apps' migrations). The same digest means the same schema."""
    root = Path(settings.BASE_DIR).resolve()
    digest = hashlib.sha256()
    files = set(root.glob("requirements*.txt"))
    for config in apps.get_app_configs():
        path = Path(config.path).resolve()
        if path.is_relative_to(root) and ".venv" not in path.parts:
            migrations = set((path / "migrations").glob("*.py"))
            files.update(migrations)
            files.update(imported_modules(root, migrations))
    for file in sorted(files):
        digest.update(str(file.relative_to(root)).encode() + b"\0" + file.read_bytes() + b"\0")
    return digest.hexdigest()
