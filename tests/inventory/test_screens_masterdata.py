"""Inventory master-data and report screens: items with their units, units of measure, warehouses and
locations, lots and the lot trace, stock on hand, ledger, low stock, valuation and the workbench."""

import csv
import io
from decimal import Decimal

import pytest
from auditlog.models import LogEntry
from django.db import connection
from django.db.models import Sum
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation
from guardian.shortcuts import assign_perm
from openpyxl import load_workbook

from erp.models import AccessLog
from inventory.models import Item, ItemCategory, ItemUnit, Location, Lot, StockMove, UnitOfMeasure, Warehouse
from inventory.services import masterdata
from inventory.services.documents import receipt_post, receipt_save
from inventory.services.stock import reserve
from inventory.views.reports import document_url
from tests.conftest import shared_data
from tests.inventory.conftest import build_world


def build_stocked_world():
    """inv with stock: 100 screws in WH1/A-01, 30 in WH2/B-01, 5 kg of resin lot L-001 in WH1/A-02,
    and users reading the screens in English."""
    w = build_world()
    for user in (w.keeper, w.admin):
        user.language = "en"
        user.save()
    w.receive(w.screw, "100", w.a1, cost="2")
    w.receive(w.screw, "30", w.b1, cost="3")
    w.receive(w.resin, "5", w.a2, cost="100", lot_number="L-001")
    w.lot = Lot.objects.get(item=w.resin, number="L-001")
    return w


@pytest.fixture(scope="module")
def _inv_shared(django_db_setup, django_db_blocker):
    # Every test here starts from the stocked world: this module's shared world is that one, built
    # once (it replaces tests/inventory/conftest.py's; see tests/conftest.py, shared data).
    with shared_data(django_db_blocker, build_stocked_world) as shared:
        yield shared


@pytest.fixture
def world(inv):
    return inv


@pytest.fixture
def admin_client(client, world):
    client.force_login(world.admin)
    return client


@pytest.fixture
def keeper_client(client, world):
    """A keeper who operates WH1 only."""
    assign_perm("inventory.operate_warehouse", world.keeper, world.wh1)
    client.force_login(world.keeper)
    return client


def item_post_data(**overrides):
    data = {
        "code": "BOLT-M6", "name": "M6 螺栓", "specification": "", "category": "", "item_type": "raw",
        "procurement": "buy", "base_unit": "", "standard_cost": "1.5", "reorder_point": "20", "safety_stock": "5",
        "lead_time_days": "7", "shelf_life_days": "", "barcode": "", "default_warehouse": "", "is_active": "on",
        "units-TOTAL_FORMS": "3", "units-INITIAL_FORMS": "0", "units-MIN_NUM_FORMS": "0", "units-MAX_NUM_FORMS": "30",
        "units-0-unit": "", "units-0-factor": "", "units-1-unit": "", "units-1-factor": "",
        "units-2-unit": "", "units-2-factor": "",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def read_xlsx(response):
    sheet = load_workbook(io.BytesIO(response.content)).active
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def read_csv(response):
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


def queries_for(client, url):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries.captured_queries)


def receive_many(world, count, location, prefix):
    """``count`` new items received in one document: one balance and one move each."""
    items = [masterdata.item_create(company=world.company, code=f"{prefix}-{n:03d}", name=f"零件 {n}",
                                    base_unit=world.pcs) for n in range(count)]
    receipt = receipt_save(company=world.company, actor=world.admin, warehouse=location.warehouse, lines=[
        {"item": item, "quantity": Decimal("4"), "unit": world.pcs, "location": location, "unit_cost": Decimal("1")}
        for item in items
    ])
    receipt_post(receipt=receipt, actor=world.admin)


# Every screen renders ------------------------------------------------------------------------


def screen_urls(world):
    return [
        "/inventory/",
        "/inventory/items/",
        "/inventory/items/new/",
        f"/inventory/items/{world.screw.pk}/",
        f"/inventory/items/{world.resin.pk}/",
        f"/inventory/items/{world.screw.pk}/edit/",
        "/inventory/units/",
        "/inventory/units/new/",
        f"/inventory/units/{world.box.pk}/edit/",
        "/inventory/warehouses/",
        "/inventory/warehouses/new/",
        f"/inventory/warehouses/{world.wh1.pk}/",
        f"/inventory/warehouses/{world.wh1.pk}/locations/new/",
        f"/inventory/locations/{world.a1.pk}/edit/",
        "/inventory/lots/",
        f"/inventory/lots/{world.lot.pk}/",
        "/inventory/stock/",
        "/inventory/ledger/",
        "/inventory/low-stock/",
        "/inventory/valuation/",
        "/inventory/valuation/?by=warehouse",
    ]


@pytest.mark.parametrize("language", ["en", "zh-hant", "zh-hans"])
def test_every_screen_renders_for_a_system_admin_in_each_language(admin_client, world, language):
    world.admin.language = language
    world.admin.save()

    statuses = {url: admin_client.get(url).status_code for url in screen_urls(world)}

    assert statuses == {url: 200 for url in screen_urls(world)}


def test_every_screen_renders_for_a_keeper_in_a_granted_warehouse(keeper_client, world):
    statuses = {url: keeper_client.get(url).status_code for url in screen_urls(world)}

    assert statuses == {url: 200 for url in screen_urls(world)}


def test_a_manager_reads_the_screens_but_cannot_create_or_edit(client, world, make_user):
    client.force_login(make_user("manager", "Manager"))

    assert client.get("/inventory/items/").status_code == 200
    assert client.get("/inventory/stock/").status_code == 200
    assert client.get("/inventory/items/new/").status_code == 403
    assert client.get(f"/inventory/items/{world.screw.pk}/edit/").status_code == 403
    assert client.get("/inventory/units/new/").status_code == 403
    assert client.get("/inventory/warehouses/new/").status_code == 403
    assert client.get(f"/inventory/locations/{world.a1.pk}/edit/").status_code == 403


def test_anonymous_users_are_sent_to_log_in_and_users_without_permission_get_403(client, world, make_user):
    assert client.get("/inventory/items/").status_code == 302
    client.force_login(make_user("hr", "HR"))

    assert client.get("/inventory/items/").status_code == 403
    assert client.get("/inventory/").status_code == 403


def test_the_menu_leads_to_the_workbench_with_links_to_every_inventory_screen(keeper_client):
    home = keeper_client.get("/").content.decode()
    page = keeper_client.get("/inventory/").content.decode()

    assert 'href="/inventory/"' in home
    for href in ("/inventory/items/", "/inventory/units/", "/inventory/warehouses/", "/inventory/lots/",
                 "/inventory/stock/", "/inventory/ledger/", "/inventory/low-stock/", "/inventory/valuation/",
                 "/inventory/receipts/", "/inventory/issues/", "/inventory/transfers/", "/inventory/adjustments/",
                 "/inventory/counts/", "/inventory/imports/"):
        assert f'href="{href}"' in page


# Items ---------------------------------------------------------------------------------------


def test_an_item_is_created_with_two_alternative_units_through_the_form(admin_client, world):
    response = admin_client.post("/inventory/items/new/", item_post_data(
        code=" bolt-m6 ", base_unit=str(world.pcs.pk),
        **{"units-0-unit": str(world.box.pk), "units-0-factor": "12",
           "units-1-unit": str(UnitOfMeasure.objects.get(company=world.company, code="CTN").pk),
           "units-1-factor": "144"},
    ))

    item = Item.objects.get(company=world.company, code="BOLT-M6")
    assert response.status_code == 302
    assert response["Location"] == f"/inventory/items/{item.pk}/"
    assert (item.name, item.base_unit, item.reorder_point, item.lead_time_days) == (
        "M6 螺栓", world.pcs, Decimal("20"), 7)
    assert sorted((u.unit.code, u.factor) for u in item.units.all()) == [
        ("BOX", Decimal("12")), ("CTN", Decimal("144"))]
    detail = admin_client.get(response["Location"]).content.decode()
    assert "1 BOX = 12 PCS" in detail
    assert "1 CTN = 144 PCS" in detail


def test_a_duplicate_code_is_refused_beside_the_code_field_and_nothing_is_saved(admin_client, world):
    items_before, units_before = Item.objects.count(), ItemUnit.objects.count()

    response = admin_client.post("/inventory/items/new/", item_post_data(
        code="scr-m3", base_unit=str(world.pcs.pk), **{"units-0-unit": str(world.box.pk), "units-0-factor": "10"},
    ))

    assert response.status_code == 200
    assert response.context["form"].errors == {"code": ["The code SCR-M3 is already used."]}
    assert "The code SCR-M3 is already used." in response.content.decode()
    assert (Item.objects.count(), ItemUnit.objects.count()) == (items_before, units_before)


def test_a_zero_factor_is_refused_beside_the_factor_and_nothing_is_saved(admin_client, world):
    items_before, units_before = Item.objects.count(), ItemUnit.objects.count()

    response = admin_client.post("/inventory/items/new/", item_post_data(
        base_unit=str(world.pcs.pk), **{"units-0-unit": str(world.box.pk), "units-0-factor": "0"},
    ))

    units = response.context["units"]
    assert response.status_code == 200
    assert units.forms[0].errors == {"factor": ["The conversion factor must be greater than zero."]}
    assert response.context["form"].errors == {}
    assert "The conversion factor must be greater than zero." in response.content.decode()
    assert (Item.objects.count(), ItemUnit.objects.count()) == (items_before, units_before)


def test_the_base_unit_listed_as_an_alternative_is_refused_beside_that_unit(admin_client, world):
    items_before, units_before = Item.objects.count(), ItemUnit.objects.count()

    response = admin_client.post("/inventory/items/new/", item_post_data(
        base_unit=str(world.pcs.pk), **{"units-0-unit": str(world.box.pk), "units-0-factor": "12",
                                        "units-1-unit": str(world.pcs.pk), "units-1-factor": "1"},
    ))

    units = response.context["units"]
    assert response.status_code == 200
    assert [f.errors for f in units.forms] == [{}, {"unit": ["The base unit needs no conversion."]}, {}]
    assert "The base unit needs no conversion." in response.content.decode()
    assert (Item.objects.count(), ItemUnit.objects.count()) == (items_before, units_before)


def test_a_unit_listed_twice_and_a_unit_without_factor_are_refused(admin_client, world):
    response = admin_client.post("/inventory/items/new/", item_post_data(
        base_unit=str(world.pcs.pk), **{"units-0-unit": str(world.box.pk), "units-0-factor": "12",
                                        "units-1-unit": str(world.box.pk), "units-1-factor": "10",
                                        "units-2-unit": str(world.kg.pk)},
    ))

    units = response.context["units"]
    assert [f.errors for f in units.forms] == [
        {}, {}, {"factor": ["Give the number of base units in one of this unit."]}]
    assert not Item.objects.filter(code="BOLT-M6").exists()

    response = admin_client.post("/inventory/items/new/", item_post_data(
        base_unit=str(world.pcs.pk), **{"units-0-unit": str(world.box.pk), "units-0-factor": "12",
                                        "units-1-unit": str(world.box.pk), "units-1-factor": "10"},
    ))

    assert [f.errors for f in response.context["units"].forms] == [{}, {"unit": ["Unit BOX is listed twice."]}, {}]
    assert not Item.objects.filter(code="BOLT-M6").exists()


def test_a_duplicate_barcode_and_a_negative_reorder_point_are_shown_beside_their_fields(admin_client, world):
    masterdata.item_update(item=world.screw, barcode="4710000000001")

    response = admin_client.post("/inventory/items/new/", item_post_data(
        base_unit=str(world.pcs.pk), barcode="4710000000001", reorder_point="-1",
    ))

    errors = response.context["form"].errors
    assert sorted(errors) == ["barcode", "reorder_point"]
    assert errors["barcode"] == ["Another item already has this barcode."]
    assert not Item.objects.filter(code="BOLT-M6").exists()


def test_editing_an_item_changes_its_fields_and_replaces_its_units(admin_client, world):
    ctn = UnitOfMeasure.objects.get(company=world.company, code="CTN")
    data = item_post_data(
        code="SCR-M3", name="M3 螺絲 (不鏽鋼)", base_unit=str(world.pcs.pk), reorder_point="50",
        **{"units-TOTAL_FORMS": "3", "units-INITIAL_FORMS": "1",
           "units-0-unit": str(world.box.pk), "units-0-factor": "10",
           "units-1-unit": str(ctn.pk), "units-1-factor": "100"},
    )

    response = admin_client.post(f"/inventory/items/{world.screw.pk}/edit/", data)

    world.screw.refresh_from_db()
    assert response.status_code == 302
    assert (world.screw.name, world.screw.reorder_point) == ("M3 螺絲 (不鏽鋼)", Decimal("50"))
    assert sorted((u.unit.code, u.factor) for u in world.screw.units.all()) == [
        ("BOX", Decimal("10")), ("CTN", Decimal("100"))]


def test_the_edit_form_starts_with_the_items_units(admin_client, world):
    response = admin_client.get(f"/inventory/items/{world.screw.pk}/edit/")

    units = response.context["units"]
    assert [(f.initial.get("unit"), f.initial.get("factor")) for f in units.forms] == [
        (world.box, Decimal("12")), (None, None), (None, None)]


def test_the_item_list_filters_by_search_type_and_lot_tracking_and_shows_stock(admin_client, world):
    page = admin_client.get("/inventory/items/?q=scr").context["page"]
    assert [(i.code, i.on_hand, i.available) for i in page] == [("SCR-M3", Decimal("130"), Decimal("130"))]

    page = admin_client.get("/inventory/items/?lot_tracked=1").context["page"]
    assert [i.code for i in page] == ["RES-01"]

    page = admin_client.get("/inventory/items/?item_type=finished").context["page"]
    assert list(page) == []


def test_the_item_list_filters_by_category_activity_and_finds_a_barcode(admin_client, world):
    raw = ItemCategory.objects.create(company=world.company, code="RAW", name="原料")
    masterdata.item_update(item=world.resin, category=raw, barcode="4710000000002")
    masterdata.item_update(item=world.screw, is_active=False)

    assert [i.code for i in admin_client.get(f"/inventory/items/?category={raw.pk}").context["page"]] == ["RES-01"]
    assert [i.code for i in admin_client.get("/inventory/items/?q=4710000000002").context["page"]] == ["RES-01"]
    assert [i.code for i in admin_client.get("/inventory/items/?active=0").context["page"]] == ["SCR-M3"]
    assert [i.code for i in admin_client.get("/inventory/items/?active=1").context["page"]] == ["RES-01"]


def test_the_item_list_keeps_its_filters_in_the_page_links(admin_client, world):
    for n in range(30):
        masterdata.item_create(company=world.company, code=f"SCR-X{n:02d}", name=f"螺絲 {n}", base_unit=world.pcs)

    response = admin_client.get("/inventory/items/?q=scr")

    assert response.context["page"].paginator.count == 31
    assert len(response.context["page"]) == 25
    assert 'href="?q=scr&amp;page=2"' in response.content.decode()


def test_the_item_detail_shows_units_stock_reservations_moves_and_history(admin_client, world):
    order = receipt_save(company=world.company, actor=world.admin, warehouse=world.wh1, lines=[
        {"item": world.screw, "quantity": Decimal("1"), "unit": world.pcs, "location": world.a1}])
    with translation.override("en"):  # the reference is stored in the admin's language, which the page is in
        reserve(company=world.company, item=world.screw, warehouse=world.wh1, quantity=Decimal("40"), document=order)

    response = admin_client.get(f"/inventory/items/{world.screw.pk}/")

    context = response.context
    assert [(b.warehouse.code, b.location.code, b.on_hand, b.available) for b in context["balances"]] == [
        ("WH1", "A-01", Decimal("100"), Decimal("60")), ("WH2", "B-01", Decimal("30"), Decimal("30"))]
    assert [(t["warehouse"].code, t["on_hand"], t["available"]) for t in context["warehouse_totals"]] == [
        ("WH1", Decimal("100"), Decimal("60")), ("WH2", Decimal("30"), Decimal("30"))]
    assert [(u.unit.code, u.factor) for u in context["item_units"]] == [("BOX", Decimal("12"))]
    assert [(m.warehouse.code, m.quantity) for m in context["moves"]] == [
        ("WH2", Decimal("30")), ("WH1", Decimal("100"))]
    assert [(r.document_reference, r.location.code, r.quantity) for r in context["reservations"]] == [
        (str(order.reference), "A-01", Decimal("40"))]
    assert [row["entry"].action for row in context["history"]] == [LogEntry.Action.CREATE]
    assert "1 BOX = 12 PCS" in response.content.decode()


def test_an_item_of_another_company_is_not_found(admin_client, world):
    from tests.factories import CompanyFactory

    other = CompanyFactory(code="OTHER")
    masterdata.units_seed(company=other)
    foreign = masterdata.item_create(company=other, code="X1", name="x",
                                     base_unit=UnitOfMeasure.objects.get(company=other, code="PCS"))

    assert admin_client.get(f"/inventory/items/{foreign.pk}/").status_code == 404
    assert admin_client.get(f"/inventory/items/{foreign.pk}/edit/").status_code == 404


# Units, warehouses, locations ----------------------------------------------------------------


def test_a_unit_is_created_and_edited_and_a_duplicate_code_is_refused(admin_client, world):
    response = admin_client.post("/inventory/units/new/", {"code": "drum", "name": "Drum", "decimals": "0",
                                                           "is_active": "on"})
    drum = UnitOfMeasure.objects.get(company=world.company, code="DRUM")
    assert response.status_code == 302

    response = admin_client.post(f"/inventory/units/{drum.pk}/edit/", {"code": "DRUM", "name": "Steel drum",
                                                                       "decimals": "1", "is_active": "on"})
    drum.refresh_from_db()
    assert response.status_code == 302
    assert (drum.name, drum.decimals) == ("Steel drum", 1)

    count = UnitOfMeasure.objects.count()
    response = admin_client.post("/inventory/units/new/", {"code": "box", "name": "Another box", "decimals": "9"})
    assert response.status_code == 200
    assert response.context["form"].errors == {
        "code": ["The code BOX is already used."],
        "decimals": ["Ensure this value is less than or equal to 6."],
    }
    assert UnitOfMeasure.objects.count() == count


def test_a_warehouse_is_created_with_its_transit_location(admin_client, world):
    response = admin_client.post("/inventory/warehouses/new/", {"code": "wh3", "name": "半成品倉", "address": ""})

    warehouse = Warehouse.objects.get(company=world.company, code="WH3")
    assert response.status_code == 302
    assert response["Location"] == f"/inventory/warehouses/{warehouse.pk}/"
    assert list(warehouse.locations.values_list("code", "kind")) == [("QC", "quarantine"), ("TRANSIT", "transit")]

    response = admin_client.post("/inventory/warehouses/new/", {"code": "WH1", "name": "again"})
    assert response.context["form"].errors == {"code": ["The code WH1 is already used."]}
    assert Warehouse.objects.filter(company=world.company).count() == 3


def test_locations_are_created_under_a_parent_and_shown_as_a_tree(admin_client, world):
    response = admin_client.post(f"/inventory/warehouses/{world.wh1.pk}/locations/new/",
                                 {"code": "a-01-1", "name": "A-01 上層", "parent": str(world.a1.pk)})
    shelf = Location.objects.get(warehouse=world.wh1, code="A-01-1")
    assert response.status_code == 302
    assert shelf.parent == world.a1

    tree = admin_client.get(f"/inventory/warehouses/{world.wh1.pk}/").context["locations"]
    assert [(loc.code, loc.depth) for loc in tree] == [("A-01", 0), ("A-01-1", 1), ("A-02", 0), ("QC", 0),
                                                       ("TRANSIT", 0)]


def test_a_location_code_used_in_the_warehouse_is_refused_and_nothing_is_saved(admin_client, world):
    count = Location.objects.count()

    response = admin_client.post(f"/inventory/warehouses/{world.wh1.pk}/locations/new/",
                                 {"code": "A-01", "name": "again"})

    assert response.status_code == 200
    assert response.context["form"].errors == {"code": ["The code A-01 is already used in this warehouse."]}
    assert Location.objects.count() == count


def test_a_location_is_edited_and_cannot_move_under_its_own_child(admin_client, world):
    child = masterdata.location_create(warehouse=world.wh1, code="A-01-1", name="child", parent=world.a1)

    response = admin_client.post(f"/inventory/locations/{world.a1.pk}/edit/",
                                 {"code": "A-01", "name": "A 區 01 (new)", "parent": str(child.pk),
                                  "is_active": "on"})
    assert response.status_code == 200
    assert list(response.context["form"].errors) == ["parent"]

    response = admin_client.post(f"/inventory/locations/{world.a1.pk}/edit/",
                                 {"code": "A-01", "name": "A 區 01 (new)", "parent": "", "is_active": "on"})
    world.a1.refresh_from_db()
    assert response.status_code == 302
    assert world.a1.name == "A 區 01 (new)"


# Lots ----------------------------------------------------------------------------------------


def test_the_lot_trace_shows_where_the_lot_came_from_with_its_document(admin_client, world):
    receipt_move = StockMove.objects.get(lot=world.lot)

    response = admin_client.get(f"/inventory/lots/{world.lot.pk}/")

    page = response.context["page"]
    assert [(m.move_type, m.quantity, m.document_reference) for m in page] == [
        ("receipt", Decimal("5"), receipt_move.document_reference)]
    assert page[0].document_url == document_url("receipt", receipt_move.document_id)
    assert f'href="{page[0].document_url}"' in response.content.decode()
    assert response.context["totals"] == {"came_in": Decimal("5"), "went_out": None}
    assert [(b.location.code, b.on_hand) for b in response.context["balances"]] == [("A-02", Decimal("5"))]


def test_the_lot_list_searches_by_number(admin_client, world):
    world.receive(world.resin, "2", world.a1, lot_number="L-002")

    assert [lot.number for lot in admin_client.get("/inventory/lots/?q=L-002").context["page"]] == ["L-002"]
    assert [lot.number for lot in admin_client.get("/inventory/lots/?item=res-01").context["page"]] == [
        "L-001", "L-002"]


# Reports -------------------------------------------------------------------------------------


def test_stock_on_hand_filters_by_item_warehouse_location_and_lot(admin_client, world):
    rows = admin_client.get("/inventory/stock/?item=SCR-M3").context["page"]
    assert [(b.location.code, b.on_hand) for b in rows] == [("A-01", Decimal("100")), ("B-01", Decimal("30"))]

    rows = admin_client.get(f"/inventory/stock/?warehouse={world.wh2.pk}").context["page"]
    assert [(b.item.code, b.on_hand) for b in rows] == [("SCR-M3", Decimal("30"))]

    rows = admin_client.get(f"/inventory/stock/?location={world.a2.pk}&lot=L-001").context["page"]
    assert [(b.item.code, b.lot.number) for b in rows] == [("RES-01", "L-001")]


def test_stock_on_hand_hides_zero_balances_unless_asked(admin_client, world):
    from inventory.services.documents import issue_post, issue_save

    issue = issue_save(company=world.company, actor=world.admin, warehouse=world.wh2, lines=[
        {"item": world.screw, "quantity": Decimal("30"), "unit": world.pcs, "location": world.b1}])
    issue_post(issue=issue, actor=world.admin)

    rows = admin_client.get("/inventory/stock/?item=SCR-M3").context["page"]
    assert [b.location.code for b in rows] == ["A-01"]
    rows = admin_client.get("/inventory/stock/?item=SCR-M3&include_zero=on").context["page"]
    assert [(b.location.code, b.on_hand) for b in rows] == [("A-01", Decimal("100")), ("B-01", Decimal("0"))]


def test_an_unknown_item_code_or_a_bad_date_is_shown_as_a_filter_error_not_a_server_error(admin_client, world):
    response = admin_client.get("/inventory/stock/?item=NOPE")
    assert response.status_code == 200
    assert response.context["filters"].errors == {"item": ["No item has this code."]}

    response = admin_client.get("/inventory/ledger/?date_from=yesterday&warehouse=999999")
    assert response.status_code == 200
    assert sorted(response.context["filters"].errors) == ["date_from", "warehouse"]
    assert response.context["page"].paginator.count == 3  # the bad filters are not applied


def test_the_ledger_filters_by_item_warehouse_type_dates_and_document(admin_client, world):
    first = StockMove.objects.filter(item=world.screw, warehouse=world.wh1).get()

    rows = admin_client.get(f"/inventory/ledger/?item=SCR-M3&warehouse={world.wh1.pk}").context["page"]
    assert [m.pk for m in rows] == [first.pk]

    today = timezone.localdate(first.posted_at).isoformat()
    rows = admin_client.get(f"/inventory/ledger/?move_type=receipt&date_from={today}&date_to={today}").context["page"]
    assert len(rows) == 3
    rows = admin_client.get("/inventory/ledger/?move_type=issue").context["page"]
    assert len(rows) == 0

    rows = admin_client.get(f"/inventory/ledger/?document={first.document_reference}").context["page"]
    assert [m.pk for m in rows] == [first.pk]
    assert rows[0].document_url == document_url("receipt", first.document_id)


def test_low_stock_lists_items_whose_available_stock_is_below_the_reorder_point(admin_client, world):
    masterdata.item_update(item=world.resin, reorder_point=Decimal("8"))

    rows = admin_client.get("/inventory/low-stock/").context["page"]
    assert [(i.code, i.available, i.shortage) for i in rows] == [("RES-01", Decimal("5"), Decimal("3"))]

    rows = admin_client.get(f"/inventory/low-stock/?warehouse={world.wh2.pk}").context["page"]
    assert [(i.code, i.available) for i in rows] == [("RES-01", Decimal("0"))]  # WH2 holds 30 screws: enough


def test_valuation_totals_equal_the_sum_of_the_move_values(admin_client, world):
    ledger_total = StockMove.objects.filter(company=world.company).aggregate(v=Sum("value"))["v"]

    by_item = admin_client.get("/inventory/valuation/").context
    by_warehouse = admin_client.get("/inventory/valuation/?by=warehouse").context

    assert ledger_total == Decimal("790.00")  # 100 × 2 + 30 × 3 + 5 × 100
    assert by_item["totals"]["value"] == ledger_total
    assert by_warehouse["totals"]["value"] == ledger_total
    assert [(r["item_code"], r["quantity"], r["value"]) for r in by_item["page"]] == [
        ("RES-01", Decimal("5"), Decimal("500.00")), ("SCR-M3", Decimal("130"), Decimal("290.00"))]
    assert [(r["warehouse__code"], r["item__code"], r["value"]) for r in by_warehouse["page"]] == [
        ("WH1", "RES-01", Decimal("500.00")), ("WH1", "SCR-M3", Decimal("200.00")),
        ("WH2", "SCR-M3", Decimal("90.00"))]


def test_the_workbench_lists_drafts_to_post_with_links_to_the_documents(keeper_client, world):
    draft = receipt_save(company=world.company, actor=world.keeper, warehouse=world.wh1, lines=[
        {"item": world.screw, "quantity": Decimal("1"), "unit": world.pcs, "location": world.a1}])
    receipt_save(company=world.company, actor=world.admin, warehouse=world.wh2, lines=[
        {"item": world.screw, "quantity": Decimal("1"), "unit": world.pcs, "location": world.b1}])

    response = keeper_client.get("/inventory/")

    groups = {g["key"]: g["documents"] for g in response.context["groups"]}
    assert groups["receipts"] == [draft]  # the WH2 draft is not the keeper's
    assert f'href="{document_url("receipt", draft.pk)}"' in response.content.decode()


# Keeper scoping ------------------------------------------------------------------------------


def test_a_keeper_granted_wh1_never_sees_wh2_stock(keeper_client, world):
    stock = keeper_client.get("/inventory/stock/").context["page"]
    ledger = keeper_client.get("/inventory/ledger/").context["page"]
    items = keeper_client.get("/inventory/items/?q=SCR-M3").context["page"]
    detail = keeper_client.get(f"/inventory/items/{world.screw.pk}/").context
    warehouses = keeper_client.get("/inventory/warehouses/").context["page"]
    valuation = keeper_client.get("/inventory/valuation/?by=warehouse").context
    by_item = keeper_client.get("/inventory/valuation/").context

    assert {b.warehouse.code for b in stock} == {"WH1"}
    assert {m.warehouse.code for m in ledger} == {"WH1"}
    assert [(i.code, i.on_hand) for i in items] == [("SCR-M3", Decimal("100"))]
    assert [b.warehouse.code for b in detail["balances"]] == ["WH1"]
    assert {m.warehouse.code for m in detail["moves"]} == {"WH1"}
    assert [w.code for w in warehouses] == ["WH1"]
    assert {r["warehouse__code"] for r in valuation["page"]} == {"WH1"}
    assert valuation["totals"]["value"] == Decimal("700.00")
    assert [(r["item_code"], r["quantity"], r["value"]) for r in by_item["page"]] == [
        ("RES-01", Decimal("5"), Decimal("500.00")), ("SCR-M3", Decimal("100"), Decimal("200.00"))]
    assert by_item["totals"]["value"] == Decimal("700.00")


def test_a_keeper_cannot_open_or_filter_by_a_warehouse_not_granted(keeper_client, world):
    assert keeper_client.get(f"/inventory/warehouses/{world.wh2.pk}/").status_code == 404
    assert keeper_client.get(f"/inventory/warehouses/{world.wh2.pk}/locations/new/").status_code == 404
    assert keeper_client.get(f"/inventory/locations/{world.b1.pk}/edit/").status_code == 404

    response = keeper_client.get(f"/inventory/stock/?warehouse={world.wh2.pk}")
    assert list(response.context["filters"].errors) == ["warehouse"]
    assert {b.warehouse.code for b in response.context["page"]} == {"WH1"}


def test_a_keeper_sees_only_the_moves_of_a_lot_in_granted_warehouses(keeper_client, world):
    world.receive(world.resin, "3", world.b1, lot_number="L-001")

    page = keeper_client.get(f"/inventory/lots/{world.lot.pk}/").context["page"]

    assert [(m.warehouse.code, m.quantity) for m in page] == [("WH1", Decimal("5"))]


# Exports -------------------------------------------------------------------------------------


def test_the_item_list_exports_the_filtered_rows_to_xlsx_and_csv(admin_client, world):
    response = admin_client.get("/inventory/items/?q=SCR&export=xlsx")

    rows = read_xlsx(response)
    assert response["Content-Disposition"] == 'attachment; filename="items.xlsx"'
    assert rows[0][:3] == ["Code", "Name", "Specification"]
    assert [(r[0], r[7]) for r in rows[1:]] == [("SCR-M3", 130)]

    rows = read_csv(admin_client.get("/inventory/items/?lot_tracked=1&export=csv"))
    assert [r[0] for r in rows] == ["Code", "RES-01"]
    assert AccessLog.objects.filter(kind="export").count() == 2


def test_stock_on_hand_and_ledger_export_the_filtered_rows(admin_client, world):
    rows = read_csv(admin_client.get(f"/inventory/stock/?warehouse={world.wh2.pk}&export=csv"))
    assert rows == [
        ["Item code", "Item name", "Warehouse", "Location", "Lot number", "On hand", "Reserved", "Available", "Unit"],
        ["SCR-M3", "M3 螺絲", "WH2", "B-01", "", "30.000000", "0.000000", "30.000000", "PCS"],
    ]

    rows = read_xlsx(admin_client.get("/inventory/ledger/?item=RES-01&export=xlsx"))
    assert len(rows) == 2
    assert rows[1][1:9] == [StockMove.objects.get(lot=world.lot).document_reference, "Goods receipt", "RES-01",
                            "環氧樹脂", "WH1", "A-02", "L-001", 5]


def test_a_keeper_exports_only_the_granted_warehouse(keeper_client, world):
    rows = read_csv(keeper_client.get("/inventory/stock/?export=csv"))

    assert {r[2] for r in rows[1:]} == {"WH1"}


def test_the_other_lists_export_too(admin_client, world):
    for url, first_header in (("/inventory/units/?q=BOX&export=csv", "Code"),
                              ("/inventory/warehouses/?export=csv", "Code"),
                              ("/inventory/lots/?export=csv", "Item code"),
                              ("/inventory/low-stock/?export=csv", "Item code"),
                              ("/inventory/valuation/?by=warehouse&export=csv", "Warehouse")):
        rows = read_csv(admin_client.get(url))
        assert rows[0][0] == first_header, url
    assert [r[0] for r in read_csv(admin_client.get("/inventory/units/?q=BOX&export=csv"))] == ["Code", "BOX"]


# Query counts --------------------------------------------------------------------------------


@pytest.mark.parametrize("url", ["/inventory/items/", "/inventory/stock/", "/inventory/ledger/"])
def test_list_pages_run_a_fixed_number_of_queries_whatever_the_number_of_rows(
    keeper_client, world, url, django_assert_max_num_queries
):
    queries_for(keeper_client, url)  # warm the caches (content types, permissions in the session)
    few = queries_for(keeper_client, url)

    receive_many(world, 40, world.a1, "BULK")

    with django_assert_max_num_queries(few):
        response = keeper_client.get(url)
    assert len(response.context["page"]) == 25


def test_an_htmx_filter_change_gets_only_the_results(admin_client, world):
    response = admin_client.get("/inventory/stock/?item=RES-01", HTTP_HX_REQUEST="true", HTTP_HX_TARGET="results")

    page = response.content.decode()
    assert [t.name for t in response.templates][0] == "inventory/partials/report_stock_table.html"
    assert "<html" not in page
    assert "L-001" in page
    assert 'href="?item=RES-01&amp;export=xlsx"' in page
