"""A NUL byte (%00) anywhere in a request's text answers 400, never 500: PostgreSQL refuses NUL in
strings, so one middleware (``erp.middleware.RefuseNulMiddleware``) stops it before any view."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import RequestFactory
from rest_framework.test import APIClient

from erp.middleware import request_has_nul
from sales.models import Customer
from tests.conftest import acme, ensure_roles, session_of, shared_data, signed_in_as, use_session
from tests.erp.test_url_walk import URLS
from tests.factories import UserFactory

NUL_QUERY = "q=%00&search=%00&item=%00&reference=%00&warehouse=%00&status=%00&customer=%00&page=%00"
GET_URLS = [url for url, _pattern in URLS] + ["/admin/", "/admin/erp/user/"]


def build():
    ensure_roles()
    company = acme()
    root = UserFactory(username="root", is_staff=True, is_superuser=True, company=company)
    return {"company": company, "root": root, "session": session_of(root)}


@pytest.fixture(scope="module")
def _nul_shared(django_db_setup, django_db_blocker):
    # The company (with its seeds: units, approval rules…) and its superuser, made once per module
    # rather than for each of ~570 tests (two thirds of each test's time); the tests only send
    # requests as the superuser, the one that writes does it in its savepoint (tests/conftest.py).
    with shared_data(django_db_blocker, build) as shared:
        yield shared


@pytest.fixture
def nul_world(_nul_shared, request, db):
    return _nul_shared.for_test(request)


@pytest.fixture
def company(nul_world):
    return nul_world["company"]


@pytest.fixture
def root(nul_world):
    return nul_world["root"]


@pytest.mark.parametrize("url", GET_URLS)
def test_a_nul_in_the_query_string_of_any_route_answers_400(client, nul_world, url):
    use_session(client, nul_world["session"])

    response = client.get(f"{url}?{NUL_QUERY}")

    assert signed_in_as(response) == nul_world["root"].pk
    assert response.status_code == 400
    if url.startswith("/api/"):
        assert "detail" in response.json()
    else:
        assert "NUL" in response.content.decode()  # the translated page, zh-Hant by default


@pytest.mark.parametrize("url", [
    "/sales/entry/items/?q=a%00b",
    "/sales/entry/customers/?q=%00",
    "/api/sales/customers/?search=%00",
    "/api/sales/orders/?search=%00",
    "/api/inventory/items/?search=%00",
    "/api/inventory/balances/?item=%00",
    "/api/inventory/moves/?reference=%00",
    "/api/inventory/locations/?warehouse=%00",
    "/api/inventory/receipts/?warehouse=%00",
    "/api/inventory/adjustments/?warehouse=%00",
    "/api/inventory/moves/?warehouse=%00",
    "/api/office/tasks/?status=%00",
    "/api/inventory/deliveries/?search=%00",
])
def test_the_reported_searches_and_filters_answer_400(client, root, url):
    client.force_login(root)

    assert client.get(url).status_code == 400


def test_a_nul_in_the_path_answers_400(client, root):
    client.force_login(root)

    assert client.get("/sales/customers/%00/").status_code == 400
    assert client.get("/api/sales/customers/%00/").status_code == 400


@pytest.mark.parametrize("url", ["/sales/customers/new/", "/office/tasks/new/", "/inventory/items/new/",
                                 "/accounts/login/"])
def test_a_nul_in_a_form_field_answers_400(client, root, url):
    client.force_login(root)

    response = client.post(url, {"name": "Acme\x00", "code": "C1", "title": "x", "username": "a\x00"})

    assert response.status_code == 400


@pytest.mark.parametrize("method,url", [
    ("post", "/api/sales/customers/"),
    ("post", "/api/office/tasks/"),
    ("post", "/api/inventory/items/"),
    ("post", "/api/auth/token/"),
])
def test_a_nul_in_an_api_write_answers_400_json_and_form(root, method, url):
    api = APIClient()
    api.force_authenticate(root)

    as_json = getattr(api, method)(url, {"name": "A\x00", "code": "C1", "title": "t", "username": "u"},
                                   format="json")
    nested = getattr(api, method)(url, {"code": "C1", "lines": [{"note": {"\x00": 1}}]}, format="json")
    as_form = getattr(api, method)(url, {"name": "A\x00", "code": "C1"})

    assert as_json.status_code == nested.status_code == as_form.status_code == 400
    assert "detail" in as_json.json()


def test_a_nul_in_a_patch_answers_400_and_changes_nothing(root, company):
    customer = Customer.objects.create(company=company, code="C-NUL", name="Before")
    api = APIClient()
    api.force_authenticate(root)

    as_json = api.patch(f"/api/sales/customers/{customer.pk}/", {"name": "After\x00"}, format="json")
    as_form = api.patch(f"/api/sales/customers/{customer.pk}/", "name=After%00",
                        content_type="application/x-www-form-urlencoded")

    assert as_json.status_code == as_form.status_code == 400
    customer.refresh_from_db()
    assert customer.name == "Before"


def test_uploaded_files_may_hold_nuls_and_an_escaped_backslash_u0000_is_not_a_nul():
    factory = RequestFactory()
    upload = SimpleUploadedFile("book.xlsx", b"PK\x03\x04\x00\x00binary\x00", content_type="application/octet-stream")

    assert not request_has_nul(factory.post("/sales/import/customers/", {"file": upload, "kind": "customers"}))
    assert not request_has_nul(factory.post("/api/x/", '{"name": "C:\\\\u0000"}', content_type="application/json"))
    assert request_has_nul(factory.post("/api/x/", '{"name": "C:\\u0000"}', content_type="application/json"))
    assert not request_has_nul(factory.get("/sales/customers/", {"q": "%2500"}))
