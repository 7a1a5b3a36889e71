"""Schemathesis over every operation of /api/schema/: generated requests, as a superuser of a company
with data, never answer 5xx and always answer as the schema says (docs/testing.md, "API fuzzing").

The tests are in test_api_fuzz.py (sales, office, the token) and test_api_fuzz_inventory.py: two
modules, so that `--dist loadscope` runs them on two workers (a module is a unit of its own)."""

from __future__ import annotations

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.test import Client
from django.urls import resolve
from drf_spectacular.generators import SchemaGenerator
from schemathesis.checks import not_a_server_error
from schemathesis.generation.feedback import FeedbackSources

# What schemathesis's own pytest plugin does for each operation (its examples, coverage and fuzzing
# phases): its public `schema.parametrize()` makes one test of all the operations (subtests), which
# xdist cannot spread; a test per operation can. Internal names, hence the exact pin (4.32.5).
from schemathesis.pytest._test_builder import build_operation_test
from schemathesis.python._constants.orchestrator import make_constants_value_source
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.conftest import shared_data
from tests.erp import scope_world

MAX_EXAMPLES = 10
SEED = 10  # fixed: the same cases on every run and every machine
CONFIG = schemathesis.Config.from_dict({
    "seed": SEED,
    "suppress-health-check": ["all"],
    # the examples of the schema, the coverage phase (each parameter's boundaries and wrong types) and
    # MAX_EXAMPLES generated requests per operation; nothing stored between runs
    "generation": {"max-examples": MAX_EXAMPLES, "deterministic": True, "database": "none"},
    "phases": {"examples": {"enabled": True}, "coverage": {"enabled": False}, "fuzzing": {"enabled": True},
               "stateful": {"enabled": False}},
    # The coverage phase (each parameter's boundaries, wrong types, NUL …) only for reads: on a write's
    # body it makes hundreds of requests (20-30 s an operation here), beyond the run's budget.
    "operations": [{"include-method": "GET", "phases": {"coverage": {"enabled": True}}}],
})
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


def operations() -> list[tuple[str, str]]:
    """(METHOD, path) of every operation, read from the same generator /api/schema/ serves (no database
    at collection time, so the ids come from it; the test loads the served schema itself)."""
    schema = SchemaGenerator().get_schema(request=None, public=True)
    return [(method.upper(), path) for path, item in schema["paths"].items() for method in item
            if method in ("get", "post", "put", "patch", "delete")]


OPERATIONS = operations()


def operations_under(*prefixes: str, but: tuple[str, ...] = ()) -> list[tuple[str, str]]:
    return [(m, p) for m, p in OPERATIONS if p.startswith(prefixes) and not p.startswith(but)]


def build():
    """The URL walk's company: one object of every business model (id ``scope_world.OUT``) in a
    variety of states, and its superuser, who may use every operation."""
    sequences = {}
    try:
        world = scope_world.build(sequences)
    finally:
        scope_world.restore_sequences(sequences)
    # The token through the API's own endpoint (whatever the token model is), as a client gets it.
    response = Client().post("/api/auth/token/", {"username": world.insider.username, "password": "pw-for-tests"},
                             content_type="application/json")
    assert response.status_code == 200, response.content
    world.token = response.json()["token"]
    return world


@pytest.fixture(scope="module")
def _fuzz_shared(django_db_setup, django_db_blocker):
    with shared_data(django_db_blocker, build) as shared:
        yield shared


@pytest.fixture(scope="module")
def _requests_keep_the_connection():
    # Django's test client does the same: a request's end would otherwise close the connection that
    # holds the test's (uncommitted) transaction.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture(scope="module")
def _fuzz_schema(_fuzz_shared, _requests_keep_the_connection, django_db_blocker):
    """The schema as /api/schema/ serves it to the token's user, loaded once per module."""
    from erp.wsgi import application

    headers = {"Authorization": f"Token {_fuzz_shared.data.token}"}
    with django_db_blocker.unblock():
        schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", application, config=CONFIG,
                                                   headers=headers)
    return schema, headers


@pytest.fixture
def api_schema(_fuzz_shared, _fuzz_schema, request, db):
    _fuzz_shared.for_test(request)
    return _fuzz_schema


def existing_id(path: str) -> dict[str, int]:
    """The world's object's id for a path with {id}, so that detail operations and actions reach a
    view rather than only 404."""
    if "{id}" not in path:
        return {}
    match = resolve(path.replace("{id}", "1"))
    view = getattr(match.func, "cls", None)
    queryset = getattr(view, "queryset", None)
    if queryset is None:
        return {}
    objects = queryset.model._default_manager
    return {"id": scope_world.OUT} if objects.filter(pk=scope_world.OUT).exists() else {}


def fuzz(api_schema, method: str, path: str) -> None:
    """Schemathesis's examples, coverage (reads) and fuzzing phases for one operation; raises on failure."""
    schema, headers = api_schema
    operation = schema[path][method]
    real = existing_id(path)

    def check(case):
        # A generated integer id becomes the world's object; a wrong one (a float, text: the negative
        # cases) is sent as it is, for the 404 it must give.
        if real and isinstance((case.path_parameters or {}).get("id"), int):
            case.path_parameters = {**case.path_parameters, **real}
        case.call_and_validate(headers=headers, checks=CHECKS)

    feedback = FeedbackSources(constants_value_source=make_constants_value_source(schema))
    test = build_operation_test(config=schema.config, operation=operation, test_func=check, given_kwargs={},
                                feedback=feedback)
    test()
