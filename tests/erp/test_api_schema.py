"""/api/schema/ tells the truth about the answers (what the fuzz test, test_api_fuzz.py, found):
every operation documents its error answers, nullable fields are nullable, an unknown /api/ URL
answers JSON like any other 404."""

from decimal import Decimal

import pytest
from django.test import Client
from rest_framework.test import APIClient

from tests.factories import UserFactory
from tests.sales.conftest import _sal_shared, sal  # noqa: F401  (the sales world)


@pytest.fixture
def schema(db):
    client = Client()
    client.force_login(UserFactory(username="root", is_superuser=True, is_staff=True))
    response = client.get("/api/schema/?format=json")
    assert response.status_code == 200
    return response.json()


def test_every_operation_documents_its_error_answers(schema):
    missing = []
    for path, methods in schema["paths"].items():
        for method, operation in methods.items():
            expected = {"400", "401", "403", "404"}
            if method != "get":
                expected |= {"409", "503"}
            if "requestBody" in operation:
                expected.add("415")
            if not expected <= set(operation["responses"]):
                missing.append((method, path, sorted(expected - set(operation["responses"]))))

    assert missing == []
    assert schema["components"]["schemas"]["ErrorDetail"]["required"] == ["detail"]


def test_an_order_lines_promised_date_is_nullable_as_a_draft_has_none(schema, sal):  # noqa: F811
    order = sal.order([{"item": sal.widget, "quantity": Decimal("2")}])
    api = APIClient()
    api.force_authenticate(sal.admin)

    line = api.get(f"/api/sales/orders/{order.pk}/").json()["lines"][0]

    assert line["promised_date"] is None
    assert schema["components"]["schemas"]["OrderLine"]["properties"]["promised_date"].get("nullable") is True


@pytest.mark.parametrize("url", ["/api/sales/orders/1.5/", "/api/no-such-thing/", "/api/inventory/items/x/y/"])
def test_an_api_url_that_matches_no_route_answers_a_json_404(db, url):
    api = APIClient()
    api.force_authenticate(UserFactory(username="root", is_superuser=True, is_staff=True))

    response = api.get(url)

    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert "detail" in response.json()


def test_a_screen_url_that_matches_no_route_still_answers_the_page(client, db):
    client.force_login(UserFactory(username="root", is_superuser=True, is_staff=True))

    response = client.get("/sales/no-such-thing/")

    assert response.status_code == 404
    assert "text/html" in response["Content-Type"]
