import pytest
from django.conf import settings

from erp.roles import sync_roles
from tests.factories import CompanyFactory, UserFactory

PASSWORD = "pw-for-tests"


@pytest.fixture(scope="session", autouse=True)
def _celery_uses_test_redis():
    """Celery talks to the REDIS_URL the test run was given (a real Redis)."""
    from erp.celery import app

    app.conf.broker_url = settings.CELERY_BROKER_URL
    yield


@pytest.fixture
def roles(db):
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
