"""Line entry of the inventory documents: items are found with the same lookup as order entry (no
list of every item), and the lines offer the locations of the warehouse chosen in the header only
(the screen refuses another warehouse's location and saves nothing)."""

import re

import pytest
from guardian.shortcuts import assign_perm

from inventory.models import GoodsReceipt, StockTransfer, UnitOfMeasure
from inventory.services import masterdata
from tests.factories import CompanyFactory
from tests.inventory.test_screens_documents import OPERATE, draft_receipt, lines_data


@pytest.fixture
def keeper(inv, client):
    """The fixture's keeper, in English, granted both warehouses, signed in."""
    inv.keeper.language = "en"
    inv.keeper.save()
    assign_perm(OPERATE, inv.keeper, inv.wh1)
    assign_perm(OPERATE, inv.keeper, inv.wh2)
    client.force_login(inv.keeper)
    return inv.keeper


def location_codes(response, field="location", index=0):
    form = response.context["formset"].forms[index]
    return [obj.instance.code for obj, _label in form.fields[field].choices if obj]


def test_the_receipt_form_lists_no_items_and_offers_the_item_lookup(inv, keeper, client):
    html = client.get("/inventory/receipts/new/").content.decode()

    assert 'name="lines-0-item_search"' in html
    assert 'type="hidden" name="lines-0-item"' in html
    assert "SCR-M3" not in html  # no drop-down of every item
    assert 'hx-get="/inventory/documents/items/"' in html


def test_the_item_lookup_finds_by_code_name_and_barcode_and_enter_takes_the_exact_match(inv, keeper, client):
    other = CompanyFactory(code="OTHER")
    masterdata.units_seed(company=other)
    masterdata.item_create(company=other, code="SCR-M4", name="M4 螺絲",
                           base_unit=UnitOfMeasure.objects.get(company=other, code="PCS"))

    found = client.get("/inventory/documents/items/", {"prefix": "lines-0", "lines-0-item_search": "scr"})
    by_name = client.get("/inventory/documents/items/", {"prefix": "lines-0", "q": "樹脂"})
    picked = client.get("/inventory/documents/items/", {"prefix": "lines-0", "q": "SCR-M3", "pick": "1"})
    unknown = client.get("/inventory/documents/items/", {"prefix": "lines-0", "q": "NOPE-1", "pick": "1"})

    assert [item.code for item in found.context["items"]] == ["SCR-M3"]  # not the other company's SCR-M4
    assert [item.code for item in by_name.context["items"]] == ["RES-01"]
    assert picked.context["picked"] == inv.screw.pk
    assert 'data-lookup-choose="id_lines-0-item"' in picked.content.decode()
    assert "data-lookup-auto" in picked.content.decode()
    assert "data-lookup-auto" not in found.content.decode()
    assert unknown.context["items"] == []
    assert "No active item has the code, barcode or name NOPE-1." in unknown.content.decode()


def test_the_lines_offer_the_chosen_warehouses_locations_and_follow_a_change(inv, keeper, client):
    new = client.get("/inventory/receipts/new/")

    assert location_codes(new) == []  # two warehouses: none chosen yet

    refreshed = client.post("/inventory/receipts/new/", {
        "warehouse": inv.wh2.pk, "document_date": "2026-03-02", "refresh_lines": "1",
        **lines_data([{"item": inv.screw, "quantity": "3", "location": inv.a1}])})

    assert refreshed.status_code == 200
    assert location_codes(refreshed) == ["B-01"]
    assert 'value="SCR-M3 M3 螺絲"' in refreshed.content.decode()  # the chosen item stays shown
    assert len(refreshed.context["formset"].forms) == 1
    assert GoodsReceipt.objects.count() == 0


def test_a_user_with_one_warehouse_has_it_chosen_and_its_locations_offered(inv, client):
    assign_perm(OPERATE, inv.keeper, inv.wh1)
    client.force_login(inv.keeper)

    response = client.get("/inventory/receipts/new/")

    assert response.context["form"]["warehouse"].value() == inv.wh1.pk
    assert location_codes(response) == ["A-01", "A-02"]
    assert re.search(r'<option value="\d+" data-code="A-01">', response.content.decode())


def test_a_location_of_another_warehouse_is_refused_and_nothing_is_saved(inv, keeper, client):
    response = client.post("/inventory/receipts/new/", {
        "warehouse": inv.wh1.pk, "document_date": "2026-03-02",
        **lines_data([{"item": inv.screw, "quantity": "3", "location": inv.b1}])})

    assert response.status_code == 200
    assert response.context["formset"].forms[0].errors == {
        "location": ["Select a valid choice. That choice is not one of the available choices."]}
    assert GoodsReceipt.objects.count() == 0


def test_a_draft_offers_its_own_warehouses_locations(inv, keeper, client):
    draft = draft_receipt(inv, inv.wh2, inv.b1)

    response = client.get(f"/inventory/receipts/{draft.pk}/edit/")

    assert location_codes(response) == ["B-01"]
    assert 'value="SCR-M3 M3 螺絲"' in response.content.decode()


def test_a_transfer_offers_the_source_and_the_destination_locations(inv, keeper, client):
    response = client.post("/inventory/transfers/new/", {
        "warehouse": inv.wh1.pk, "to_warehouse": inv.wh2.pk, "document_date": "2026-03-02", "refresh_lines": "1",
        **lines_data([{"item": inv.screw, "quantity": "1"}])})

    assert location_codes(response, "from_location") == ["A-01", "A-02"]
    assert location_codes(response, "to_location") == ["B-01"]

    refused = client.post("/inventory/transfers/new/", {
        "warehouse": inv.wh1.pk, "to_warehouse": inv.wh2.pk, "document_date": "2026-03-02",
        **lines_data([{"item": inv.screw, "quantity": "1", "from_location": inv.b1, "to_location": inv.a1}])})

    assert set(refused.context["formset"].forms[0].errors) == {"from_location", "to_location"}
    assert StockTransfer.objects.count() == 0


def test_an_issue_offers_the_chosen_warehouses_locations(inv, keeper, client):
    response = client.post("/inventory/issues/new/", {
        "warehouse": inv.wh2.pk, "document_date": "2026-03-02", "refresh_lines": "1",
        **lines_data([{"item": "", "quantity": ""}])})

    assert location_codes(response) == ["B-01"]
