from __future__ import annotations

import contextlib
import copy
import sys
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.conf import settings
from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import translation

from erp.models import Company
from erp.roles import ROLES, sync_roles
from tests.factories import CompanyFactory, UserFactory

PASSWORD = "pw-for-tests"


# A parametrized test function with this many cases is a unit of its own for xdist (below).
BIG_PARAMETRIZED = 100


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    """`--dist loadscope` (what `make test` uses): each test module runs whole on one worker, so
    what it shares is built once; except that a parametrized function with BIG_PARAMETRIZED cases
    or more (the URL walk's three) is a unit of its own, so one worker does not carry a third of
    the suite while the others wait."""
    if config.getvalue("dist") != "loadscope":
        return None
    from xdist.scheduler import LoadScopeScheduling

    config.option.loadscopereorder = False  # the collection's order is the queue's (below)

    class ModulesAndBigFunctions(LoadScopeScheduling):
        sizes: dict[str, int] | None = None

        def _split_scope(self, nodeid: str) -> str:
            if self.sizes is None:
                self.sizes = {}
                for each in self.collection or ():
                    if "[" in each:
                        function = each.split("[", 1)[0]
                        self.sizes[function] = self.sizes.get(function, 0) + 1
            return unit_of(nodeid, self.sizes)

    return ModulesAndBigFunctions(config, log)


# The slowest units of work, in seconds on one worker (`--durations` of a full run on an idle 2-core
# machine, setup included; 2026-12-07; the modules made cheaper on 2026-12-08 scaled by their measured
# before/after ratio, docs/testing.md). They are queued first, so no worker is left with a two-minute module
# while the others have finished; every other unit counts AVERAGE_TEST seconds a test.
SLOW_UNITS = {
    "tests/erp/test_admin_scope.py": 135, "tests/inventory/test_key_migrations.py": 13,
    "tests/erp/test_url_walk.py": 55, "tests/browser/test_handheld.py": 72, "tests/erp/test_api_fuzz.py": 66,
    "tests/erp/test_imports_bounded.py": 34, "tests/erp/test_api_scope_walk.py": 23,
    "tests/browser/test_sales_live.py": 33, "tests/erp/test_api_fuzz_inventory.py": 32,
    "tests/finance/test_business_properties.py": 22,
    "tests/inventory/test_imports.py": 19, "tests/inventory/test_concurrency.py": 18,
    "tests/browser/test_wecom_signin_live.py": 18, "tests/erp/test_events.py": 18, "tests/sales/test_waiting.py": 17,
    "tests/office/test_notifications.py": 15, "tests/browser/test_inbox_live.py": 15,
    "tests/browser/test_csp_live.py": 14, "tests/purchasing/test_demo_story.py": 13,
    "tests/purchasing/test_suppliers_demo.py": 12, "tests/inventory/test_screens_masterdata.py": 12,
    "tests/erp/test_bootstrap.py": 11, "tests/erp/test_run_mode.py": 11, "tests/inventory/test_api.py": 11,
    "tests/inventory/test_demo.py": 11, "tests/sales/test_demo.py": 11, "tests/sales/test_screens_documents.py": 10,
    "tests/erp/test_numbering.py": 10, "tests/browser/test_task_language_live.py": 10,
    "tests/sales/test_screens_masterdata.py": 9, "tests/erp/test_concurrency_retry.py": 9,
    "tests/sales/test_screens_returns.py": 9, "tests/erp/test_settings.py": 8, "tests/test_compose.py": 8,
    "tests/erp/test_catalogues.py": 8, "tests/sales/test_task_language.py": 8,
    "tests/sales/test_screens_deliveries.py": 7, "tests/sales/test_confirm.py": 7,
}
AVERAGE_TEST = 0.12


def unit_of(nodeid: str, sizes: dict[str, int]) -> str:
    """The scheduler's unit of a test (as ModulesAndBigFunctions splits them)."""
    function = nodeid.split("[", 1)[0]
    if "[" in nodeid and sizes.get(function, 0) >= BIG_PARAMETRIZED:
        return function
    return nodeid.rsplit("::", 1)[0]


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Under xdist, the longest units first (SLOW_UNITS, else by their number of tests), each unit's
    tests in their own order: the queue ends with short modules, so the workers finish together."""
    if not getattr(config.option, "numprocesses", None):
        return
    sizes: dict[str, int] = {}
    for item in items:
        if "[" in item.nodeid:
            function = item.nodeid.split("[", 1)[0]
            sizes[function] = sizes.get(function, 0) + 1
    units: dict[str, list[pytest.Item]] = {}
    for item in items:
        units.setdefault(unit_of(item.nodeid, sizes), []).append(item)
    order = sorted(units, key=lambda unit: -SLOW_UNITS.get(unit, AVERAGE_TEST * len(units[unit])))
    items[:] = [item for unit in order for item in units[unit]]


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
def _empty_cache():
    """Each test starts with an empty cache: the access log's refusal counts (erp.access_log.rate_allows)
    are per user id and minute, and users shared by several tests (`shared_data`) keep their ids."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture(autouse=True)
def _django_set_urlconf(request: pytest.FixtureRequest) -> Iterator[None]:
    """pytest-django's fixture of the same name (``@pytest.mark.urls``), without emptying Django's URL
    caches before and after each marked test. The resolvers are cached per URLconf module, and ours
    (tests.sampleapp.urls, the project's) do not change during a run: switching ROOT_URLCONF is
    enough. Emptying them made the next request or ``reverse()`` rebuild the whole project's
    resolver (~70 ms) twice per marked test; test_document_screens marks all its tests."""
    from django.urls import set_urlconf

    marker = request.node.get_closest_marker("urls")
    if marker is None:
        yield
        return
    original = settings.ROOT_URLCONF
    settings.ROOT_URLCONF = marker.kwargs.get("urls") or marker.args[0]
    set_urlconf(None)
    try:
        yield
    finally:
        settings.ROOT_URLCONF = original
        set_urlconf(None)


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
# Data that is slow to build (the demo company, the sales and inventory worlds) is built once per
# test module inside a transaction that stays open while the module's tests run, and is rolled back
# after the last one (Django's setUpTestData pattern). Each test runs in a savepoint inside it
# (pytest-django's `db` opens an atomic block, which nests), so whatever a test writes is undone
# before the next test: every test starts from the same rows. Model instances are handed to each
# test as deep copies, so what a test changes in memory does not reach the next test either.
# A transactional test (transaction=True, transactional_db, live_server) commits and is followed by
# a flush, which must not happen inside that transaction: before such a test the shared transaction
# is rolled back early, and the test builds the data for itself (see docs/testing.md).

_OPEN: list[SharedData] = []  # the shared transaction open on this process's connection, if any


class SharedData:
    """``build()``'s result, made once in a transaction of its own; see the comment above."""

    def __init__(self, django_db_blocker: Any, build: Callable[[], Any]) -> None:
        self.blocker = django_db_blocker
        self.build = build
        self.atomic: Any = None
        self.data: Any = None

    def open(self) -> None:
        with self.blocker.unblock():
            self.atomic = transaction.atomic()
            self.atomic.__enter__()
            try:
                self.data = self.build()
            except BaseException:
                self.atomic.__exit__(*sys.exc_info())
                self.atomic = None
                raise
        _OPEN.append(self)

    def close(self) -> None:
        if self.atomic is None:
            return
        with self.blocker.unblock():
            transaction.set_rollback(True)
            self.atomic.__exit__(None, None, None)
        self.atomic = self.data = None
        _OPEN.remove(self)

    def for_test(self, request: pytest.FixtureRequest) -> Any:
        """What a test gets (from a fixture that requests ``db``): a deep copy of the shared data,
        in the test's savepoint; for a transactional test (or after one closed the transaction) data
        built for it alone."""
        if self.atomic is None or is_transactional(request):
            return self.build()
        return copy.deepcopy(self.data)


@contextlib.contextmanager
def shared_data(django_db_blocker: Any, build: Callable[[], Any]) -> Iterator[SharedData]:
    """For a module-scoped fixture (which also requests ``django_db_setup``):
    ``with shared_data(django_db_blocker, build) as shared: yield shared``; the test-level fixture
    requests it, ``request`` and ``db`` (in that order) and returns ``shared.for_test(request)``."""
    shared = SharedData(django_db_blocker, build)
    shared.open()
    try:
        yield shared
    finally:
        shared.close()


def is_transactional(request: pytest.FixtureRequest) -> bool:
    marker = request.node.get_closest_marker("django_db")
    wants = bool(marker and (marker.kwargs.get("transaction") or marker.kwargs.get("reset_sequences")))
    return wants or bool({"transactional_db", "live_server", "django_db_reset_sequences"} & set(request.fixturenames))


@pytest.fixture(autouse=True)
def _no_shared_transaction_under_a_transactional_test(request: pytest.FixtureRequest) -> None:
    # Autouse fixtures come before the test's other function-scoped ones: the shared transaction is
    # gone before anything commits.
    if _OPEN and is_transactional(request):
        _OPEN[-1].close()


def ensure_roles() -> None:
    """The roles: groups with their permissions. migrate syncs them (erp.apps, post_migrate), and so
    does the flush after each transactional test; every other test is rolled back. So they are in
    place, and syncing them again for each of ~1,000 tests cost 0.05-0.1 s apiece: only a database
    without them (a test deleted one) is synced."""
    if Group.objects.filter(name__in=ROLES).count() != len(ROLES):
        sync_roles()


def acme() -> Company:
    return CompanyFactory(code="ACME", name="測試精密股份有限公司")


def user_maker(company: Company) -> Callable[..., Any]:
    def make(username, *role_names, **fields):
        fields.setdefault("company", company)
        return UserFactory(username=username, roles=list(role_names), **fields)

    return make


# Fixtures of shared worlds (tests/sales/conftest.py, tests/inventory/conftest.py) that hold the
# test's company: a test that uses one of them gets that company from `company` and `make_user` too.
WORLD_FIXTURES = ("sal", "inv", "prod")


@pytest.fixture
def roles(db):
    ensure_roles()


@pytest.fixture
def company(request, db):
    for name in WORLD_FIXTURES:
        if name in request.fixturenames:
            return request.getfixturevalue(name).company
    return acme()


@pytest.fixture
def make_user(db, roles, company):
    return user_maker(company)


@pytest.fixture
def login(client):
    def as_user(user):
        client.force_login(user)
        return client

    return as_user


def session_of(user: Any) -> str:
    """The key of a session signed in as ``user``, as ``client.force_login`` makes it. For a shared
    world (``shared_data``): a test of hundreds of cases that sends one request as the same user sets
    it as its client's cookie (``use_session``) instead of signing in for each case (a new session
    row and the sign-in's signals, about a third of such a case's time). The row is the world's:
    whatever a request writes to it is rolled back with the test."""
    from django.test import Client

    client = Client()
    client.force_login(user)
    return client.cookies[settings.SESSION_COOKIE_NAME].value


def use_session(client: Any, key: str) -> Any:
    client.cookies[settings.SESSION_COOKIE_NAME] = key
    return client


def signed_in_as(response: Any) -> int | None:
    """The id of the user whose session the response's request was signed in with (None: none; a
    session whose user or password hash does not match is emptied by Django before the view)."""
    from django.contrib.auth import SESSION_KEY

    user_id = response.wsgi_request.session.get(SESSION_KEY)
    return None if user_id is None else int(user_id)


def warm_permissions(*users):
    """Read the users' permissions once, as their first request would. Later requests reuse them
    (erp.permissions keeps them per process until they change), so a query count taken after this
    compares like with like."""
    from erp.models import User

    for user in users:
        User.objects.get(pk=user.pk).get_all_permissions()
