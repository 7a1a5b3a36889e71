"""BOM screens: the permission matrix (anonymous, no role, planner, warehouse reads only), the list's
filters and export, entry of a version with its lines (the item lookup, a unit per line, refusals
beside the lines, nothing saved), editing, copy, cost roll-up, deactivate, the explosion and
where-used on the page, the where-used screen, and lists whose query count does not grow."""

import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from inventory import status as inventory_status
from inventory.services import masterdata
from production.models import Bom, BomLine
from tests.conftest import user_maker, warm_permissions
from tests.production.conftest import D

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(prod):
    prod.keeper_reader = user_maker(prod.company)("reader", "Warehouse", language="en")
    for user in (prod.planner, prod.outsider, prod.admin, prod.keeper):
        user.language = "en"
        user.save()
    return prod


def signed_in(client, user):
    client.force_login(user)
    return client


def screen_urls(w):
    bom = w.bike_bom.pk
    return ["/production/boms/", "/production/boms/new/", f"/production/boms/{bom}/",
            f"/production/boms/{bom}/edit/", f"/production/boms/{bom}/print/",
            "/production/boms/where-used/?item=SPOKE"]


def action_urls(w):
    bom = w.bike_bom.pk
    return [f"/production/boms/{bom}/copy/", f"/production/boms/{bom}/cost-rollup/",
            f"/production/boms/{bom}/deactivate/"]


def lines_data(*rows, initial=0):
    data = {"lines-TOTAL_FORMS": str(len(rows)), "lines-INITIAL_FORMS": str(initial), "lines-MIN_NUM_FORMS": "0",
            "lines-MAX_NUM_FORMS": "1000"}
    for n, row in enumerate(rows):
        data.update({f"lines-{n}-{name}": value for name, value in row.items()})
        data.setdefault(f"lines-{n}-kind", "component")
    return data


def header_data(w, **overrides):
    data = {"item": w.wheel.pk, "version": "2", "name": "", "quantity": "1", "routing": "", "valid_from": "",
            "valid_to": "", "is_active": "on", "notes": ""}
    data.update(overrides)
    return data


# Permission matrix --------------------------------------------------------------------------------


def test_anonymous_users_go_to_the_login_page(world, client):
    for url in screen_urls(world) + action_urls(world):
        answer = client.post(url) if url in action_urls(world) else client.get(url)
        assert answer.status_code == 302 and "/login" in answer["Location"], url


def test_a_user_without_a_production_role_is_refused_everywhere(world, client):
    signed_in(client, world.outsider)
    for url in screen_urls(world):
        assert client.get(url).status_code == 403, url
    for url in action_urls(world):
        assert client.post(url).status_code == 403, url
    assert Bom.objects.get(pk=world.bike_bom.pk).is_active


def test_the_planner_opens_every_screen(world, client):
    signed_in(client, world.planner)
    for url in screen_urls(world):
        assert client.get(url).status_code == 200, url


def test_the_warehouse_reads_boms_but_changes_nothing(world, client):
    signed_in(client, world.keeper_reader)
    assert client.get("/production/boms/").status_code == 200
    assert client.get(f"/production/boms/{world.bike_bom.pk}/").status_code == 200
    assert client.get("/production/boms/new/").status_code == 403
    assert client.get(f"/production/boms/{world.bike_bom.pk}/edit/").status_code == 403
    for url in action_urls(world):
        assert client.post(url).status_code == 403, url


def test_another_companys_bom_is_not_found(world, client):
    from tests.factories import CompanyFactory, UserFactory
    stranger = UserFactory(username="other-planner", roles=["Production"], company=CompanyFactory(code="OTHER"),
                           language="en")
    signed_in(client, stranger)
    assert client.get(f"/production/boms/{world.bike_bom.pk}/").status_code == 404
    assert client.post(f"/production/boms/{world.bike_bom.pk}/deactivate/").status_code == 404
    assert "BIKE" not in client.get("/production/boms/").content.decode()


# List --------------------------------------------------------------------------------------------


def test_the_list_filters_by_item_version_default_and_active(world, client):
    world.bom(world.wheel, [(world.rim, "1")], version="2", is_default=False)
    signed_in(client, world.planner)

    def listed(query):
        page = client.get(f"/production/boms/?{query}").content.decode()
        return [code for code in ("BIKE", "FRAME", "WHEEL") if f">{code}<" in page]

    assert listed("") == ["BIKE", "FRAME", "WHEEL"]
    assert listed("q=whe") == ["WHEEL"]
    assert listed("default=no") == ["WHEEL"]
    assert listed("version=2") == ["WHEEL"]
    assert listed("active=no") == []


def test_the_list_exports_what_it_shows(world, client):
    signed_in(client, world.planner)
    answer = client.get("/production/boms/?export=xlsx&q=BIKE")

    sheet = load_workbook(io.BytesIO(answer.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:3] == ("Item code", "Item name", "Version")
    assert [row[:3] for row in rows[1:]] == [("BIKE", "自行車", "1")]


def test_the_lists_query_count_does_not_grow_with_the_rows(world, client):
    signed_in(client, world.planner)
    warm_permissions(world.planner)
    client.get("/production/boms/")
    with CaptureQueriesContext(connection) as few:
        client.get("/production/boms/")
    for n in range(12):
        item = masterdata.item_create(company=world.company, code=f"ASM{n:02}", name=f"組件{n}", base_unit=world.pcs,
                                      procurement=inventory_status.Procurement.MAKE)
        world.bom(item, [(world.rim, "1"), (world.spoke, "2")], routing=None)
    with CaptureQueriesContext(connection) as many:
        page = client.get("/production/boms/").content.decode()

    assert "ASM11" in page
    assert len(many) == len(few)


# Entry -------------------------------------------------------------------------------------------


def test_entry_saves_a_version_with_a_line_in_boxes(world, client):
    signed_in(client, world.planner)
    form = client.get("/production/boms/new/").content.decode()
    assert "/inventory/documents/items/" in form and "lines-0-item_search" in form and 'id="id_-item"' in form

    answer = client.post("/production/boms/new/", {
        **header_data(world), **lines_data({"item": world.rim.pk, "quantity": "1"},
                                           {"item": world.spoke.pk, "quantity": "0.36", "unit": world.box.pk})})

    assert answer.status_code == 302, answer.content.decode()[:3000]
    bom = Bom.objects.get(item=world.wheel, version="2")
    assert answer["Location"] == f"/production/boms/{bom.pk}/"
    assert list(bom.lines.values_list("component__code", "quantity_base")) == [("RIM", D("1")), ("SPOKE", D("36"))]


def test_a_refused_line_is_shown_and_nothing_is_saved(world, client):
    signed_in(client, world.planner)
    before = (Bom.objects.count(), BomLine.objects.count())

    answer = client.post("/production/boms/new/", {
        **header_data(world), **lines_data({"item": world.tube.pk, "quantity": "1", "unit": world.box.pk})})

    assert answer.status_code == 200
    assert "Line 1: TUBE has no conversion from BOX to its base unit KG." in answer.content.decode()
    assert (Bom.objects.count(), BomLine.objects.count()) == before


def test_a_cycle_and_a_second_default_are_refused_on_the_screen(world, client):
    signed_in(client, world.planner)

    cycle = client.post("/production/boms/new/", {
        **header_data(world, item=world.spoke.pk, version="1"), **lines_data({"item": world.bike.pk, "quantity": "1"})})
    default = client.post("/production/boms/new/", {
        **header_data(world, is_default="on"), **lines_data({"item": world.rim.pk, "quantity": "1"})})

    assert "Line 1: SPOKE would contain itself: SPOKE → BIKE → SPOKE." in cycle.content.decode()
    assert "WHEEL already has a default BOM on these dates: version 1" in default.content.decode()
    assert not Bom.objects.filter(version="2").exists() and not Bom.objects.filter(item=world.spoke).exists()


def test_editing_shows_the_lines_and_saves_them(world, client):
    signed_in(client, world.planner)
    bom = world.wheel_bom
    rim, spoke = bom.lines.order_by("sequence")
    page = client.get(f"/production/boms/{bom.pk}/edit/").content.decode()
    assert 'value="SPOKE 鋼絲"' in page and 'value="WHEEL 車輪"' in page

    answer = client.post(f"/production/boms/{bom.pk}/edit/", {
        **header_data(world, version="1", is_default="on"),
        **lines_data({"id": rim.pk, "item": world.rim.pk, "quantity": "1"},
                     {"id": spoke.pk, "item": world.spoke.pk, "quantity": "32"}, initial=2)})

    assert answer.status_code == 302, answer.content.decode()[:3000]
    spoke.refresh_from_db()
    assert spoke.quantity_base == D("32")


# Page and actions --------------------------------------------------------------------------------


def test_the_page_shows_the_explosion_for_a_quantity_the_cost_and_where_used(world, client):
    signed_in(client, world.planner)
    page = client.get(f"/production/boms/{world.wheel_bom.pk}/?quantity=10").content.decode()

    assert "WHEEL → SPOKE" in page and "360" in page  # 10 wheels × 36 spokes
    assert "SPOKE ← " not in page and "WHEEL ← BIKE" in page  # where WHEEL is used
    assert 'id="material-total">272' in page  # RIM 200 + 36 × 2


def test_a_bad_explosion_quantity_is_shown_beside_the_field(world, client):
    signed_in(client, world.planner)
    page = client.get(f"/production/boms/{world.wheel_bom.pk}/?quantity=-3").content.decode()

    assert "The quantity must be greater than zero." in page


def test_copy_cost_and_deactivate(world, client):
    signed_in(client, world.planner)
    bom = world.bike_bom

    copy = client.post(f"/production/boms/{bom.pk}/copy/", {"version": "2"})
    copied = Bom.objects.get(item=world.bike, version="2")
    taken = client.post(f"/production/boms/{bom.pk}/copy/", {"version": "2"}, follow=True)
    costed = client.post(f"/production/boms/{bom.pk}/cost-rollup/", {"cost_basis": "standard"}, follow=True)
    gone = client.post(f"/production/boms/{bom.pk}/deactivate/", follow=True)

    assert copy["Location"] == f"/production/boms/{copied.pk}/"
    assert "BIKE already has a version 2." in taken.content.decode()
    assert "Cost of BIKE v1 rolled up: material 762 and operations 2437.5 per unit." in costed.content.decode()
    assert "BIKE v1 deactivated." in gone.content.decode()
    bom.refresh_from_db()
    assert (bom.material_cost, bom.operation_cost, bom.is_active) == (D("762"), D("2437.5"), False)


def test_the_where_used_screen_finds_an_items_parents(world, client):
    signed_in(client, world.planner)

    every = client.get("/production/boms/where-used/?item=spoke").content.decode()
    one = client.get("/production/boms/where-used/?item=SPOKE&levels=one").content.decode()
    unknown = client.get("/production/boms/where-used/?item=NOPE").content.decode()

    assert "SPOKE ← WHEEL ← BIKE" in every
    assert "SPOKE ← WHEEL" in one and "SPOKE ← WHEEL ← BIKE" not in one
    assert "No item has the code NOPE." in unknown


def test_the_page_and_the_where_used_screen_keep_their_query_counts(world, client):
    signed_in(client, world.planner)
    warm_permissions(world.planner)
    client.get(f"/production/boms/{world.bike_bom.pk}/")
    with CaptureQueriesContext(connection) as few:
        client.get(f"/production/boms/{world.bike_bom.pk}/")
    with CaptureQueriesContext(connection) as where_few:
        client.get("/production/boms/where-used/?item=SPOKE")
    for n in range(5):
        item = masterdata.item_create(company=world.company, code=f"HUB{n}", name=f"花鼓{n}", base_unit=world.pcs,
                                      procurement=inventory_status.Procurement.MAKE)
        world.bom(item, [(world.spoke, "2")])
        BomLine.objects.create(bom=world.bike_bom, sequence=100 + n, component=item, quantity=D("1"), unit=world.pcs,
                               quantity_base=D("1"))
    with CaptureQueriesContext(connection) as many:
        client.get(f"/production/boms/{world.bike_bom.pk}/")
    with CaptureQueriesContext(connection) as where_many:
        client.get("/production/boms/where-used/?item=SPOKE")

    assert len(many) == len(few)
    assert len(where_many) == len(where_few)
