"""Test databases for xdist workers: migrate once, copy for each worker.

pytest-django gives each xdist worker a database of its own (test_<db>_gw0, _gw1, …) and each
worker would run every migration into it: the same ten-odd seconds of work per worker, at the same
time, on two cores. Here the first worker to get there migrates a template (test_<db>_template)
once, and every worker's database is a copy of it (CREATE DATABASE … TEMPLATE, well under a
second). A file lock orders the workers. The template carries in its comment a digest of what its
content comes from (``template_digest``: every Python file of the installed first-party apps — the
migrations, and the models, roles and seeds that post_migrate writes — and the pinned requirements),
and stays after the run: the next run copies it again when nothing of that changed (no migration
at all: about half a minute of model-state rendering saved), and rebuilds it otherwise.

Outside xdist, and with --reuse-db, this is Django's own creation.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import tempfile
from functools import cache
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.core.management import call_command
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


@cache
def template_digest() -> str:
    """A digest of everything the migrated template holds: the Python files of the first-party apps
    (under the project directory: migrations, models, and what post_migrate seeds) and the pinned
    requirements. The same digest means the same schema and seed rows."""
    root = Path(settings.BASE_DIR).resolve()
    digest = hashlib.sha256()
    files = set(root.glob("requirements*.txt"))
    for config in apps.get_app_configs():
        path = Path(config.path).resolve()
        if path.is_relative_to(root) and ".venv" not in path.parts:
            files.update(path.rglob("*.py"))
    for file in sorted(files):
        digest.update(str(file.relative_to(root)).encode() + b"\0" + file.read_bytes() + b"\0")
    return digest.hexdigest()
