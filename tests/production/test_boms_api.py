"""/api/production/boms/: list and detail with their lines, create and change through bom_save with
the screens' rules (400 per field and per line, nothing saved), the explosion, where-used, the cost
roll-up, copy and deactivate; permissions and the list's query count."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from inventory import status as inventory_status
from inventory.services import masterdata
from production.models import Bom, BomLine
from tests.conftest import user_maker, warm_permissions
from tests.production.conftest import D

pytestmark = pytest.mark.django_db
URL = "/api/production/boms/"


@pytest.fixture
def api(prod):
    for user in (prod.planner, prod.outsider, prod.keeper):
        user.language = "en"
        user.save()
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    client.force_authenticate(prod.planner)
    return client


def as_user(user):
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    client.force_authenticate(user)
    return client


def body(**overrides):
    data = {"item": "WHEEL", "version": "2", "is_default": False,
            "lines": [{"component": "RIM", "quantity": "1"}, {"component": "SPOKE", "quantity": "0.36", "unit": "BOX"}]}
    data.update(overrides)
    return data


def counts():
    return Bom.objects.count(), BomLine.objects.count()


def test_the_list_and_a_version_with_its_lines(prod, api):
    listed = api.get(URL).json()
    detail = api.get(f"{URL}{prod.frame_bom.pk}/").json()

    assert [(r["item"], r["version"], r["line_count"]) for r in listed["results"]] == [
        ("BIKE", "1", 3), ("FRAME", "1", 1), ("WHEEL", "1", 2)]
    assert detail["routing"] == "R-FRAME"
    assert [(line["component"], line["quantity"], line["unit"], line["quantity_base"], line["scrap_percent"])
            for line in detail["lines"]] == [("TUBE", "2.5000", "KG", "2.500000", "5.00")]


def test_the_list_filters(prod, api):
    prod.bom(prod.wheel, [(prod.rim, "1")], version="2", is_default=False)

    assert [r["version"] for r in api.get(URL, {"item": "wheel"}).json()["results"]] == ["1", "2"]
    assert [r["item"] for r in api.get(URL, {"default": "false"}).json()["results"]] == ["WHEEL"]
    assert api.get(URL, {"default": "maybe"}).status_code == 400


def test_create_a_version_through_the_service(prod, api):
    answer = api.post(URL, body(), format="json")

    assert answer.status_code == 201, answer.json()
    assert [(line["component"], line["quantity_base"]) for line in answer.json()["lines"]] == [
        ("RIM", "1.000000"), ("SPOKE", "36.000000")]


def test_a_refused_line_is_a_400_on_lines_and_nothing_is_saved(prod, api):
    before = counts()

    unit = api.post(URL, body(lines=[{"component": "TUBE", "quantity": "1", "unit": "BOX"}]), format="json")
    zero = api.post(URL, body(lines=[{"component": "RIM", "quantity": "0"}]), format="json")
    cycle = api.post(URL, body(item="SPOKE", version="1", lines=[{"component": "BIKE", "quantity": "1"}]),
                     format="json")
    unknown = api.post(URL, body(lines=[{"component": "NOPE", "quantity": "1"}]), format="json")

    assert (unit.status_code, unit.json()["lines"]) == (
        400, ["Line 1: TUBE has no conversion from BOX to its base unit KG."])
    assert (zero.status_code, zero.json()["lines"]) == (400, ["Line 1: the quantity per must be greater than zero."])
    assert cycle.json()["lines"] == ["Line 1: SPOKE would contain itself: SPOKE → BIKE → SPOKE."]
    assert (unknown.status_code, list(unknown.json()["lines"]["0"])) == (400, ["component"])
    assert counts() == before


def test_a_second_default_is_a_400_on_is_default_naming_the_other(prod, api):
    answer = api.post(URL, body(is_default=True), format="json")

    assert answer.status_code == 400
    assert answer.json()["is_default"] == [
        "WHEEL already has a default BOM on these dates: version 1 (no end dates). Take the default flag off there "
        "first, or give the two versions different dates."]


def test_a_patch_without_lines_keeps_them_and_put_replaces_them(prod, api):
    patched = api.patch(f"{URL}{prod.wheel_bom.pk}/", {"name": "標準輪組"}, format="json")
    put = api.put(f"{URL}{prod.wheel_bom.pk}/", body(version="1", is_default=True,
                                                      lines=[{"component": "RIM", "quantity": "1"}]), format="json")

    assert patched.status_code == 200 and len(patched.json()["lines"]) == 2
    assert put.status_code == 200 and [line["component"] for line in put.json()["lines"]] == ["RIM"]


def test_the_explosion_and_where_used(prod, api):
    explosion = api.get(f"{URL}{prod.bike_bom.pk}/explosion/", {"quantity": "10"}).json()
    where = api.get(f"{URL}{prod.wheel_bom.pk}/where-used/").json()

    assert [(r["level"], r["path"], r["extended_quantity"], r["base_unit"]) for r in explosion] == [
        (1, ["BIKE", "FRAME"], "10.000000", "PCS"), (2, ["BIKE", "FRAME", "TUBE"], "26.250000", "KG"),
        (1, ["BIKE", "WHEEL"], "20.000000", "PCS"), (2, ["BIKE", "WHEEL", "RIM"], "20.000000", "PCS"),
        (2, ["BIKE", "WHEEL", "SPOKE"], "720.000000", "PCS"), (1, ["BIKE", "SPOKE"], "40.000000", "PCS")]
    assert [(r["level"], r["path"], r["item"], r["quantity_per"]) for r in where] == [
        (1, ["WHEEL", "BIKE"], "BIKE", "2.0000")]
    assert api.get(f"{URL}{prod.bike_bom.pk}/explosion/", {"quantity": "-1"}).status_code == 400
    assert api.get(f"{URL}{prod.bike_bom.pk}/explosion/", {"quantity": "x"}).status_code == 400
    assert api.get(f"{URL}{prod.bike_bom.pk}/where-used/", {"levels": "two"}).status_code == 400


def test_the_cost_rollup_is_kept_on_the_version(prod, api):
    answer = api.post(f"{URL}{prod.bike_bom.pk}/cost-rollup/", {"cost_basis": "standard"}, format="json")
    refused = api.post(f"{URL}{prod.bike_bom.pk}/cost-rollup/", {"cost_basis": "latest"}, format="json")

    assert answer.status_code == 200
    data = answer.json()
    assert (data["material_per_unit"], data["operation_per_unit"], data["total_per_unit"]) == (
        "762.000000", "2437.500000", "3199.500000")
    assert [(m["component"], m["amount"]) for m in data["materials"]] == [
        ("TUBE", "210.000000"), ("RIM", "400.000000"), ("SPOKE", "144.000000"), ("SPOKE", "8.000000")]
    assert refused.status_code == 400 and "cost_basis" in refused.json()
    assert api.get(f"{URL}{prod.bike_bom.pk}/").json()["material_cost"] == "762.000000"


def test_copy_and_deactivate(prod, api):
    copy = api.post(f"{URL}{prod.frame_bom.pk}/copy/", {"version": "2"}, format="json")
    again = api.post(f"{URL}{prod.frame_bom.pk}/copy/", {"version": "2"}, format="json")
    gone = api.post(f"{URL}{prod.frame_bom.pk}/deactivate/", format="json")
    twice = api.post(f"{URL}{prod.frame_bom.pk}/deactivate/", format="json")

    assert copy.status_code == 201 and copy.json()["version"] == "2" and copy.json()["is_default"] is False
    assert again.status_code == 400 and again.json()["version"] == ["FRAME already has a version 2."]
    assert gone.status_code == 200 and gone.json()["is_active"] is False
    assert twice.status_code == 400


def test_permissions(prod, api):
    reader = user_maker(prod.company)("reader", "Warehouse", language="en")

    assert as_user(prod.outsider).get(URL).status_code == 403
    assert APIClient(HTTP_ACCEPT_LANGUAGE="en").get(URL).status_code in (401, 403)
    assert as_user(reader).get(f"{URL}{prod.bike_bom.pk}/explosion/").status_code == 200
    assert as_user(reader).post(URL, body(), format="json").status_code == 403
    assert as_user(reader).post(f"{URL}{prod.bike_bom.pk}/deactivate/").status_code == 403


def test_the_lists_query_count_does_not_grow_with_the_rows(prod, api):
    warm_permissions(prod.planner)
    api.get(URL)
    with CaptureQueriesContext(connection) as few:
        api.get(URL)
    for n in range(10):
        item = masterdata.item_create(company=prod.company, code=f"ASM{n}", name=f"組件{n}", base_unit=prod.pcs,
                                      procurement=inventory_status.Procurement.MAKE)
        prod.bom(item, [(prod.rim, "1")])
    with CaptureQueriesContext(connection) as many:
        assert api.get(URL).json()["count"] == 13

    assert len(many) == len(few)


def test_the_details_query_count_does_not_grow_with_the_lines(prod, api):
    warm_permissions(prod.planner)
    api.get(f"{URL}{prod.wheel_bom.pk}/")
    with CaptureQueriesContext(connection) as few:
        api.get(f"{URL}{prod.wheel_bom.pk}/")
    for n in range(8):
        BomLine.objects.create(bom=prod.wheel_bom, sequence=100 + n, component=prod.tube, quantity=D("1"),
                               unit=prod.kg, quantity_base=D("1"))
    with CaptureQueriesContext(connection) as many:
        assert len(api.get(f"{URL}{prod.wheel_bom.pk}/").json()["lines"]) == 10

    assert len(many) == len(few)
