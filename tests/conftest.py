import contextlib
import sys
from collections.abc import Callable, Iterator
from typing import TypeVar

import pytest
from django.conf import settings
from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import translation

from erp.roles import ROLE_PERMISSIONS, sync_roles
from tests.factories import CompanyFactory, UserFactory

PASSWORD = "pw-for-tests"
T = TypeVar("T")


@pytest.fixture(scope="session", autouse=True)
def _celery_uses_test_redis():
    """Celery talks to the REDIS_URL the test run was given (a real Redis; under xdist each worker
    has a database of its own, see erp/settings_test.py)."""
    from erp.celery import app

    app.conf.broker_url = settings.CELERY_BROKER_URL
    yield


@pytest.fixture(autouse=True)
def _fresh_permission_sets():
    """Each test starts with this process's permission sets empty (erp.permissions keeps them per
    user id and permission version). A rolled-back test can leave a set under a version number the
    next test reaches again with other permissions; with users shared by several tests (the
    `shared_data` fixtures below) that set would be taken for the current one."""
    from erp import permissions

    permissions._PERMISSION_SETS.clear()


@pytest.fixture(autouse=True)
def _default_language():
    """Each test starts in the default language. A request activates its user's language in the
    thread (erp.middleware, LocaleMiddleware) and nothing switches it back, so without this a test
    would run in whatever language the previous test on this process left: under xdist that is
    another test each run."""
    translation.deactivate()
    yield
    translation.deactivate()


# Shared data -------------------------------------------------------------------------------------
# Data that is slow to build (the demo company) is built once per module inside a transaction that
# stays open while the module's tests run, and is rolled back after the last one. Each test runs in
# a savepoint inside it (pytest-django's `db` opens an atomic block, which nests), so whatever a test
# writes is undone before the next one: every test starts from the same rows. This is Django's
# setUpTestData pattern. It only works for tests that run in a transaction: a `transaction=True`,
# `transactional_db` or `live_server` test commits and flushes, so `shared_db` refuses those.


@contextlib.contextmanager
def shared_data(django_db_blocker, build: Callable[[], T]) -> Iterator[T]:
    """For a module-scoped fixture (which also requests ``django_db_setup``):
    ``with shared_data(django_db_blocker, build) as data: yield data``. Opens the module's
    transaction, runs ``build`` in it, yields its result with the database blocked again (tests
    reach it through `shared_db`), and rolls everything back after the module's last test."""
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            result = build()
        except BaseException:
            atomic.__exit__(*sys.exc_info())
            raise
    try:
        yield result
    finally:
        with django_db_blocker.unblock():
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


def is_transactional(request: pytest.FixtureRequest) -> bool:
    marker = request.node.get_closest_marker("django_db")
    wants = bool(marker and (marker.kwargs.get("transaction") or marker.kwargs.get("reset_sequences")))
    return wants or bool({"transactional_db", "live_server", "django_db_reset_sequences"} & set(request.fixturenames))


@pytest.fixture
def _not_transactional(request: pytest.FixtureRequest) -> None:
    if is_transactional(request):
        raise pytest.UsageError(f"{request.node.nodeid}: shared data needs a test that runs in a transaction "
                                "(a transactional test would commit into the shared transaction and flush it)")


@pytest.fixture
def shared_db(_not_transactional: None, db: None) -> None:
    """`db` for a test that reads module-shared data: the test runs in a savepoint inside the
    module's transaction. A transactional test is refused before its database is set up."""


@pytest.fixture
def roles(db):
    """The roles: groups with their permissions. migrate syncs them (erp.apps, post_migrate), and so
    does the flush after each transactional test; every other test is rolled back. So they are in
    place, and syncing them again for each of ~1,000 tests cost 0.05-0.1 s apiece: only a database
    without them (a test deleted one) is synced."""
    if Group.objects.filter(name__in=ROLE_PERMISSIONS).count() != len(ROLE_PERMISSIONS):
        sync_roles()


@pytest.fixture
def company(db):
    return CompanyFactory(code="ACME", name="測試精密股份有限公司")


@pytest.fixture
def make_user(db, roles, company):
    def make(username, *role_names, **fields):
        fields.setdefault("company", company)
        return UserFactory(username=username, roles=list(role_names), **fields)

    return make


@pytest.fixture
def login(client):
    def as_user(user):
        client.force_login(user)
        return client

    return as_user


def warm_permissions(*users):
    """Read the users' permissions once, as their first request would. Later requests reuse them
    (erp.permissions keeps them per process until they change), so a query count taken after this
    compares like with like."""
    from erp.models import User

    for user in users:
        User.objects.get(pk=user.pk).get_all_permissions()
