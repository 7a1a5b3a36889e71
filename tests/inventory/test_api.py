"""/api/inventory/: master data by code, documents through the services, balances and the ledger
scoped to the user's warehouses; bad input is a 400/409 on the field and writes nothing."""

from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission
from django.utils import timezone
from guardian.shortcuts import assign_perm
from rest_framework.test import APIClient

from erp.models import Company
from inventory.models import (
    GoodsReceipt,
    Item,
    ItemUnit,
    Location,
    Lot,
    StockBalance,
    StockCount,
    StockCountLine,
    StockIssue,
    StockMove,
    StockTransfer,
    UnitOfMeasure,
    Warehouse,
)
from inventory.services import masterdata
from inventory.services.documents import issue_save, transfer_save
from tests.factories import api_token_for

URL = "/api/inventory/"


@pytest.fixture
def api():
    return APIClient(HTTP_ACCEPT_LANGUAGE="en")


@pytest.fixture
def admin_api(api, inv):
    api.force_authenticate(inv.admin)
    return api


@pytest.fixture
def keeper_api(api, inv):
    """The keeper may operate WH1 only."""
    assign_perm("inventory.operate_warehouse", inv.keeper, inv.wh1)
    api.force_authenticate(inv.keeper)
    return api


def receipt_body(**line):
    fields = {"item": "SCR-M3", "quantity": "10", "location": "A-01", "unit_cost": "2"}
    fields.update(line)
    return {"warehouse": line.pop("warehouse", "WH1"), "supplier_reference": "PO-1", "lines": [fields]}


def issue_body(warehouse="WH1", **line):
    fields = {"item": "SCR-M3", "quantity": "5", "location": "A-01"}
    fields.update(line)
    return {"warehouse": warehouse, "purpose": "line 3", "lines": [fields]}


def other_company_world():
    other = Company.objects.create(code="OTHER", name="Other Co")
    masterdata.units_seed(company=other)
    pcs = UnitOfMeasure.objects.get(company=other, code="PCS")
    warehouse = masterdata.warehouse_create(company=other, code="WH9", name="Elsewhere")
    masterdata.item_create(company=other, code="FOREIGN", name="Not ours", base_unit=pcs)
    return warehouse


# Master data ----------------------------------------------------------------------------------


def test_an_item_is_created_with_codes_and_alternative_units(admin_api, inv):
    response = admin_api.post(URL + "items/", {
        "code": " bolt-m5 ", "name": "M5 螺栓", "base_unit": "pcs", "default_warehouse": "wh1",
        "units": [{"unit": "BOX", "factor": "50"}], "reorder_point": "5",
    }, format="json")

    body = response.json()
    assert response.status_code == 201
    assert (body["code"], body["base_unit"], body["default_warehouse"], body["category"]) == (
        "BOLT-M5", "PCS", "WH1", None)
    assert body["units"] == [{"unit": "BOX", "factor": "50.000000"}]
    assert ItemUnit.objects.get(item__code="BOLT-M5").factor == Decimal("50")


def test_bad_item_input_is_a_400_on_the_field_and_creates_nothing(admin_api, inv):
    before = Item.objects.count()

    duplicate = admin_api.post(URL + "items/", {"code": "scr-m3", "name": "x", "base_unit": "PCS"}, format="json")
    unknown_unit = admin_api.post(URL + "items/", {"code": "X1", "name": "x", "base_unit": "LBS"}, format="json")
    zero_factor = admin_api.post(URL + "items/", {"code": "X2", "name": "x", "base_unit": "PCS",
                                                  "units": [{"unit": "BOX", "factor": "0"}]}, format="json")
    base_twice = admin_api.post(URL + "items/", {"code": "X3", "name": "x", "base_unit": "PCS",
                                                 "units": [{"unit": "PCS", "factor": "1"}]}, format="json")
    bad_code = admin_api.post(URL + "items/", {"code": "A B*", "name": "x", "base_unit": "PCS"}, format="json")

    assert (duplicate.status_code, list(duplicate.json())) == (400, ["code"])
    assert duplicate.json()["code"] == ["Item with this Code already exists."]
    assert (unknown_unit.status_code, list(unknown_unit.json())) == (400, ["base_unit"])
    assert (zero_factor.status_code, zero_factor.json()["units"]) == (
        400, ["The conversion factor must be greater than zero."])
    assert (base_twice.status_code, base_twice.json()["units"]) == (400, ["The base unit needs no conversion."])
    assert (bad_code.status_code, list(bad_code.json())) == (400, ["code"])
    assert Item.objects.count() == before


def test_an_item_update_replaces_its_units_and_deactivation_retires_it(admin_api, inv):
    changed = admin_api.patch(URL + f"items/{inv.screw.pk}/", {"units": [{"unit": "CTN", "factor": "144"}]},
                              format="json")
    retired = admin_api.patch(URL + f"items/{inv.screw.pk}/", {"is_active": False}, format="json")
    active_list = admin_api.get(URL + "items/", {"active": "true"})

    assert (changed.status_code, changed.json()["units"]) == (200, [{"unit": "CTN", "factor": "144.000000"}])
    assert (retired.status_code, retired.json()["is_active"]) == (200, False)
    assert [row["code"] for row in active_list.json()["results"]] == ["RES-01"]
    assert list(inv.screw.units.values_list("unit__code", flat=True)) == ["CTN"]


def test_items_are_listed_and_filtered_in_the_users_company_only(admin_api, inv):
    other_company_world()

    everything = admin_api.get(URL + "items/")
    lot_tracked = admin_api.get(URL + "items/", {"lot_tracked": "true"})
    searched = admin_api.get(URL + "items/", {"search": "螺絲"})
    bad_flag = admin_api.get(URL + "items/", {"lot_tracked": "maybe"})
    foreign = Item.objects.get(code="FOREIGN")

    assert [row["code"] for row in everything.json()["results"]] == ["RES-01", "SCR-M3"]
    assert [row["code"] for row in lot_tracked.json()["results"]] == ["RES-01"]
    assert [row["code"] for row in searched.json()["results"]] == ["SCR-M3"]
    assert (bad_flag.status_code, list(bad_flag.json())) == (400, ["lot_tracked"])
    assert admin_api.get(URL + f"items/{foreign.pk}/").status_code == 404


def test_deleting_an_item_in_use_is_a_409_and_an_unused_one_goes(admin_api, inv):
    inv.receive(inv.screw, "5", inv.a1)
    spare = masterdata.item_create(company=inv.company, code="SPARE", name="unused", base_unit=inv.pcs,
                                   units=[(inv.box, Decimal("10"))])

    refused = admin_api.delete(URL + f"items/{inv.screw.pk}/")
    deleted = admin_api.delete(URL + f"items/{spare.pk}/")

    assert refused.status_code == 409
    assert refused.json()["detail"] == ("SCR-M3 M3 螺絲 is still used by other records and cannot be deleted. "
                                        "Deactivate it instead (is_active = false).")
    assert deleted.status_code == 204
    assert list(Item.objects.filter(company=inv.company).values_list("code", flat=True).order_by("code")) == [
        "RES-01", "SCR-M3"]


def test_units_can_be_created_and_a_used_unit_cannot_be_deleted(admin_api, inv):
    created = admin_api.post(URL + "units/", {"code": "drum", "name": "drum", "decimals": 0}, format="json")
    in_use = admin_api.delete(URL + f"units/{inv.pcs.pk}/")
    unused = admin_api.delete(URL + f"units/{created.json()['id']}/")

    assert (created.status_code, created.json()["code"]) == (201, "DRUM")
    assert in_use.status_code == 409
    assert unused.status_code == 204
    assert UnitOfMeasure.objects.filter(company=inv.company, code="PCS").exists()


def test_a_warehouse_comes_with_its_transit_location_and_an_unused_one_can_be_deleted(admin_api, inv):
    created = admin_api.post(URL + "warehouses/", {"code": "wh3", "name": "Spare"}, format="json")
    warehouse = Warehouse.objects.get(company=inv.company, code="WH3")
    transit = list(warehouse.locations.values_list("code", "kind"))
    deleted = admin_api.delete(URL + f"warehouses/{warehouse.pk}/")
    in_use = admin_api.delete(URL + f"warehouses/{inv.wh1.pk}/")

    assert (created.status_code, created.json()["code"]) == (201, "WH3")
    assert transit == [("QC", "quarantine"), ("TRANSIT", "transit")]
    assert deleted.status_code == 204
    assert not Location.objects.filter(warehouse_id=warehouse.pk).exists()
    assert in_use.status_code == 409
    assert Warehouse.objects.filter(pk=inv.wh1.pk).exists()


def test_locations_are_created_by_warehouse_and_parent_code(admin_api, inv):
    created = admin_api.post(URL + "locations/", {"warehouse": "WH1", "code": "a-01-1", "name": "shelf",
                                                  "parent": "A-01"}, format="json")
    duplicate = admin_api.post(URL + "locations/", {"warehouse": "WH1", "code": "A-02", "name": "again"},
                               format="json")
    same_code_elsewhere = admin_api.post(URL + "locations/", {"warehouse": "WH2", "code": "A-02", "name": "ok"},
                                         format="json")
    parent_elsewhere = admin_api.post(URL + "locations/", {"warehouse": "WH2", "code": "B-09", "name": "x",
                                                           "parent": "A-01"}, format="json")
    moved = admin_api.patch(URL + f"locations/{inv.a2.pk}/", {"warehouse": "WH2"}, format="json")
    transit = Location.objects.get(warehouse=inv.wh1, code="TRANSIT")
    transit_delete = admin_api.delete(URL + f"locations/{transit.pk}/")
    listed = admin_api.get(URL + "locations/", {"warehouse": "WH2"})

    assert (created.status_code, created.json()["parent"], created.json()["code"]) == (201, "A-01", "A-01-1")
    assert (duplicate.status_code, list(duplicate.json())) == (400, ["code"])
    assert same_code_elsewhere.status_code == 201
    assert (parent_elsewhere.status_code, parent_elsewhere.json()["parent"]) == (
        400, ["There is no location A-01 in warehouse WH2."])
    assert (moved.status_code, list(moved.json())) == (400, ["warehouse"])
    assert transit_delete.status_code == 409
    assert [row["code"] for row in listed.json()["results"]] == ["A-02", "B-01", "QC", "TRANSIT"]


def test_lots_are_created_for_lot_tracked_items_only(admin_api, inv):
    created = admin_api.post(URL + "lots/", {"item": "RES-01", "number": " L-100 ", "expires_on": "2027-01-31"},
                             format="json")
    again = admin_api.post(URL + "lots/", {"item": "RES-01", "number": "L-100"}, format="json")
    not_tracked = admin_api.post(URL + "lots/", {"item": "SCR-M3", "number": "L-1"}, format="json")
    backwards = admin_api.post(URL + "lots/", {"item": "RES-01", "number": "L-2", "manufactured_on": "2026-05-01",
                                               "expires_on": "2026-04-01"}, format="json")
    listed = admin_api.get(URL + "lots/", {"item": "res-01"})

    assert (created.status_code, created.json()["number"], created.json()["item"]) == (201, "L-100", "RES-01")
    assert (again.status_code, list(again.json())) == (400, ["number"])
    assert (not_tracked.status_code, not_tracked.json()["item"]) == (
        400, ["SCR-M3 is not lot-tracked: leave the lot empty."])
    assert (backwards.status_code, list(backwards.json())) == (400, ["expires_on"])
    assert [row["number"] for row in listed.json()["results"]] == ["L-100"]
    assert Lot.objects.count() == 1


# Receipts -------------------------------------------------------------------------------------


def test_a_receipt_is_saved_by_codes_and_posted(admin_api, inv):
    created = admin_api.post(URL + "receipts/", receipt_body(unit="box", quantity="2"), format="json")
    receipt_id = created.json()["id"]
    posted = admin_api.post(URL + f"receipts/{receipt_id}/post/")

    assert created.status_code == 201
    assert created.json()["status"] == "draft"
    assert created.json()["lines"][0] == {
        "id": created.json()["lines"][0]["id"], "item": "SCR-M3", "unit": "BOX", "quantity": "2.0000",
        "location": "A-01", "lot_number": "", "manufactured_on": None, "expires_on": None, "unit_cost": "2.000000",
    }
    assert posted.status_code == 200
    assert posted.json()["status"] == "posted"
    assert posted.json()["number"] == posted.json()["reference"] != ""
    assert StockBalance.objects.get(item=inv.screw, location=inv.a1).on_hand == Decimal("24")


def test_a_lot_tracked_receipt_creates_its_lot_on_posting(admin_api, inv):
    created = admin_api.post(URL + "receipts/", receipt_body(item="RES-01", quantity="1.5", lot_number="R-1"),
                             format="json")
    admin_api.post(URL + f"receipts/{created.json()['id']}/post/")

    balance = StockBalance.objects.get(item=inv.resin)
    assert (balance.lot.number, balance.on_hand) == ("R-1", Decimal("1.5"))


@pytest.mark.parametrize("line,field,message", [
    ({"quantity": "0"}, "lines", "Line 1: the quantity must be greater than zero."),
    ({"quantity": "-3"}, "lines", "Line 1: the quantity must be greater than zero."),
    ({"unit": "KG"}, "lines", "Line 1: SCR-M3 has no conversion from KG to its base unit PCS."),
    ({"item": "RES-01"}, "lines", "Line 1: RES-01 is lot-tracked: give a lot number."),
    ({"lot_number": "L-9"}, "lines", "Line 1: SCR-M3 is not lot-tracked: leave the lot number empty."),
    ({"location": "B-01"}, "lines", None),
    ({"location": "TRANSIT"}, "lines", "Line 1: location WH1/TRANSIT is a transit location."),
    ({"item": "NOPE"}, "lines", None),
    ({"quantity": "abc"}, "lines", None),
])
def test_bad_receipt_lines_are_400_and_save_nothing(admin_api, inv, line, field, message):
    response = admin_api.post(URL + "receipts/", receipt_body(**line), format="json")

    assert response.status_code == 400
    assert field in response.json()
    if message:
        assert response.json()["detail"] == message
    assert GoodsReceipt.objects.count() == 0
    assert StockMove.objects.count() == 0


def test_a_line_error_of_the_api_names_the_line_and_field(admin_api, inv):
    response = admin_api.post(URL + "receipts/", {"warehouse": "WH1", "lines": [
        {"item": "SCR-M3", "quantity": "1", "location": "A-01"},
        {"item": "SCR-M3", "quantity": "1", "location": "B-01"},
    ]}, format="json")

    assert response.status_code == 400
    assert response.json() == {"lines": {"1": {"location": ["There is no location B-01 in warehouse WH1."]}}}


def test_an_inactive_item_cannot_be_received(admin_api, inv):
    masterdata.item_update(item=inv.screw, is_active=False)

    response = admin_api.post(URL + "receipts/", receipt_body(), format="json")

    assert (response.status_code, response.json()["lines"]) == (
        400, ["Line 1: SCR-M3 is inactive and cannot be used on new documents."])
    assert GoodsReceipt.objects.count() == 0


def test_a_draft_can_be_changed_but_a_posted_receipt_is_a_409(admin_api, inv):
    created = admin_api.post(URL + "receipts/", receipt_body(), format="json")
    receipt_id = created.json()["id"]
    renamed = admin_api.patch(URL + f"receipts/{receipt_id}/", {"notes": "pallet 2"}, format="json")
    relined = admin_api.put(URL + f"receipts/{receipt_id}/", receipt_body(quantity="7"), format="json")
    admin_api.post(URL + f"receipts/{receipt_id}/post/")
    late = admin_api.patch(URL + f"receipts/{receipt_id}/", {"notes": "too late"}, format="json")
    posted_twice = admin_api.post(URL + f"receipts/{receipt_id}/post/")

    assert (renamed.status_code, renamed.json()["notes"], renamed.json()["lines"][0]["quantity"]) == (
        200, "pallet 2", "10.0000")
    assert (relined.status_code, relined.json()["lines"][0]["quantity"]) == (200, "7.0000")
    assert late.status_code == 409
    assert posted_twice.status_code == 409
    assert GoodsReceipt.objects.get().notes == "pallet 2"
    assert StockMove.objects.count() == 1


def test_cancelling_a_posted_receipt_reverses_its_moves(admin_api, inv):
    receipt = inv.receive(inv.screw, "10", inv.a1)

    response = admin_api.post(URL + f"receipts/{receipt.pk}/cancel/", {"reason": "重複建立"}, format="json")

    assert (response.status_code, response.json()["status"]) == (200, "cancelled")
    assert sorted(StockMove.objects.values_list("quantity", flat=True)) == [Decimal("-10"), Decimal("10")]
    assert StockBalance.objects.get(item=inv.screw).on_hand == 0


# Issues, transfers, adjustments ---------------------------------------------------------------


def test_issuing_more_than_available_is_a_409_and_posts_nothing(admin_api, inv):
    inv.receive(inv.screw, "3", inv.a1)
    created = admin_api.post(URL + "issues/", issue_body(quantity="5"), format="json")
    moves_before = StockMove.objects.count()

    response = admin_api.post(URL + f"issues/{created.json()['id']}/post/")

    assert created.status_code == 201
    assert response.status_code == 409
    assert response.json()["quantity"] == [
        "Line 1: Only 3 PCS of SCR-M3 available at WH1/A-01; 5 requested."]
    assert StockMove.objects.count() == moves_before
    assert StockIssue.objects.get().status == "draft"


def test_an_issue_of_a_lot_names_the_lot_by_number_or_id(admin_api, inv):
    inv.receive(inv.resin, "2", inv.a1, lot_number="R-1")
    lot = Lot.objects.get(number="R-1")

    by_number = admin_api.post(URL + "issues/", issue_body(item="RES-01", quantity="0.5", lot="R-1"), format="json")
    by_id = admin_api.post(URL + "issues/", issue_body(item="RES-01", quantity="500", unit="G", lot_id=lot.pk),
                           format="json")
    admin_api.post(URL + f"issues/{by_number.json()['id']}/post/")
    admin_api.post(URL + f"issues/{by_id.json()['id']}/post/")

    assert (by_number.json()["lines"][0]["lot"], by_id.json()["lines"][0]["lot_id"]) == ("R-1", lot.pk)
    assert StockBalance.objects.get(item=inv.resin).on_hand == Decimal("1")


@pytest.mark.parametrize("line,errors", [
    ({"item": "RES-01", "quantity": "1"}, None),
    ({"item": "RES-01", "quantity": "1", "lot": "NOPE"}, {"lines": {"0": {"lot": ["RES-01 has no lot NOPE."]}}}),
    ({"lot": "R-1"}, {"lines": {"0": {"lot": ["SCR-M3 is not lot-tracked: leave the lot empty."]}}}),
    ({"unit": "G"}, None),
    ({"quantity": "0"}, None),
])
def test_bad_issue_lines_are_400_and_save_nothing(admin_api, inv, line, errors):
    inv.receive(inv.resin, "2", inv.a1, lot_number="R-1")
    moves_before = StockMove.objects.count()

    response = admin_api.post(URL + "issues/", issue_body(**line), format="json")

    assert response.status_code == 400
    assert "lines" in response.json()
    if errors:
        assert response.json() == errors
    assert StockIssue.objects.count() == 0
    assert StockMove.objects.count() == moves_before


def test_a_transfer_to_the_same_location_is_refused(admin_api, inv):
    inv.receive(inv.screw, "10", inv.a1)

    response = admin_api.post(URL + "transfers/", {"warehouse": "WH1", "to_warehouse": "WH1", "lines": [
        {"item": "SCR-M3", "quantity": "1", "from_location": "A-01", "to_location": "A-01"}]}, format="json")

    assert (response.status_code, response.json()["lines"]) == (
        400, ["Line 1: the goods must go to another location than the one they come from."])
    assert StockTransfer.objects.count() == 0


def test_a_transfer_within_a_warehouse_posts_at_once(admin_api, inv):
    inv.receive(inv.screw, "10", inv.a1)
    created = admin_api.post(URL + "transfers/", {"warehouse": "WH1", "to_warehouse": "WH1", "lines": [
        {"item": "SCR-M3", "quantity": "4", "from_location": "A-01", "to_location": "A-02"}]}, format="json")

    posted = admin_api.post(URL + f"transfers/{created.json()['id']}/post/")

    assert (posted.status_code, posted.json()["status"], posted.json()["is_two_step"]) == (200, "received", False)
    assert StockBalance.objects.get(item=inv.screw, location=inv.a2).on_hand == Decimal("4")


def test_a_transfer_between_warehouses_is_shipped_then_received(admin_api, inv):
    inv.receive(inv.screw, "10", inv.a1)
    created = admin_api.post(URL + "transfers/", {"warehouse": "WH1", "to_warehouse": "WH2", "lines": [
        {"item": "SCR-M3", "quantity": "6", "from_location": "A-01", "to_location": "B-01"}]}, format="json")
    transfer_id = created.json()["id"]

    shipped = admin_api.post(URL + f"transfers/{transfer_id}/post/")
    in_transit = admin_api.get(URL + "balances/", {"warehouse": "WH2"}).json()["results"]
    received = admin_api.post(URL + f"transfers/{transfer_id}/receive/")
    again = admin_api.post(URL + f"transfers/{transfer_id}/receive/")

    assert (shipped.status_code, shipped.json()["status"]) == (200, "shipped")
    assert [(row["location"], row["on_hand"]) for row in in_transit] == [("TRANSIT", "6.000000")]
    assert (received.status_code, received.json()["status"]) == (200, "received")
    assert again.status_code == 409
    assert StockBalance.objects.get(item=inv.screw, location=inv.b1).on_hand == Decimal("6")


def test_an_adjustment_removes_stock_and_cannot_take_more_than_there_is(admin_api, inv):
    inv.receive(inv.screw, "10", inv.a1)
    body = {"warehouse": "WH1", "reason": "damage", "lines": [
        {"item": "SCR-M3", "quantity_change": "-4", "location": "A-01"}]}
    created = admin_api.post(URL + "adjustments/", body, format="json")
    posted = admin_api.post(URL + f"adjustments/{created.json()['id']}/post/")
    too_much = admin_api.post(URL + "adjustments/", {**body, "lines": [
        {"item": "SCR-M3", "quantity_change": "-7", "location": "A-01"}]}, format="json")
    moves_before = StockMove.objects.count()
    refused = admin_api.post(URL + f"adjustments/{too_much.json()['id']}/post/")
    zero = admin_api.post(URL + "adjustments/", {**body, "lines": [
        {"item": "SCR-M3", "quantity_change": "0", "location": "A-01"}]}, format="json")

    assert (created.json()["reason"], posted.status_code, posted.json()["status"]) == ("DAMAGE", 200, "posted")
    assert StockBalance.objects.get(item=inv.screw, location=inv.a1).on_hand == Decimal("6")
    assert (refused.status_code, list(refused.json())) == (409, ["detail", "quantity"])
    assert StockMove.objects.count() == moves_before
    assert (zero.status_code, zero.json()["lines"]) == (400, ["Line 1: the quantity must not be zero."])


# Counts ---------------------------------------------------------------------------------------


def test_a_count_is_started_recorded_and_posted_once(admin_api, inv):
    inv.receive(inv.screw, "10", inv.a1)
    created = admin_api.post(URL + "counts/", {"warehouse": "WH1", "location": "a-01"}, format="json")
    count_id = created.json()["id"]
    started = admin_api.post(URL + f"counts/{count_id}/start/")
    line_id = started.json()["lines"][0]["id"]
    negative = admin_api.post(URL + f"counts/{count_id}/record/", {"counted": {str(line_id): "-1"}}, format="json")
    bad_key = admin_api.post(URL + f"counts/{count_id}/record/", {"counted": {"first": "1"}}, format="json")
    unknown = admin_api.post(URL + f"counts/{count_id}/record/", {"counted": {"999999": "1"}}, format="json")
    recorded = admin_api.post(URL + f"counts/{count_id}/record/", {"counted": {str(line_id): "8"}}, format="json")
    posted = admin_api.post(URL + f"counts/{count_id}/post/")
    moves_after_post = StockMove.objects.count()
    twice = admin_api.post(URL + f"counts/{count_id}/post/")

    assert (created.status_code, created.json()["location"], created.json()["status"]) == (201, "A-01", "draft")
    assert [(row["item"], row["expected_quantity"]) for row in started.json()["lines"]] == [("SCR-M3", "10.000000")]
    assert (negative.status_code, negative.json()["counted_quantity"]) == (
        400, ["A counted quantity cannot be negative."])
    assert (bad_key.status_code, list(bad_key.json())) == (400, ["counted"])
    assert (unknown.status_code, list(unknown.json())) == (400, ["detail", "lines"])
    assert (recorded.status_code, recorded.json()["lines"][0]["variance"]) == (200, "-2.000000")
    assert (posted.status_code, posted.json()["status"]) == (200, "posted")
    assert StockMove.objects.filter(move_type="count_variance").get().quantity == Decimal("-2")
    assert twice.status_code == 409
    assert StockMove.objects.count() == moves_after_post


def test_starting_a_count_twice_is_a_409_and_changes_nothing(admin_api, inv):
    inv.receive(inv.screw, "10", inv.a1)
    count = admin_api.post(URL + "counts/", {"warehouse": "WH1"}, format="json").json()
    first = admin_api.post(URL + f"counts/{count['id']}/start/")
    lines = list(StockCountLine.objects.filter(document_id=count["id"]).values())

    again = admin_api.post(URL + f"counts/{count['id']}/start/")

    assert (first.status_code, first.json()["status"]) == (200, "counting")
    assert (again.status_code, list(again.json())) == (409, ["detail"])
    assert list(StockCountLine.objects.filter(document_id=count["id"]).values()) == lines
    assert StockCount.objects.get(pk=count["id"]).status == "counting"


def test_a_count_of_a_location_in_another_warehouse_is_refused(admin_api, inv):
    response = admin_api.post(URL + "counts/", {"warehouse": "WH1", "location": "B-01"}, format="json")

    assert (response.status_code, response.json()) == (
        400, {"location": ["There is no location B-01 in warehouse WH1."]})
    assert StockCount.objects.count() == 0


def test_found_stock_is_added_to_a_count_sheet(admin_api, inv):
    count = admin_api.post(URL + "counts/", {"warehouse": "WH1"}, format="json").json()
    admin_api.post(URL + f"counts/{count['id']}/start/")

    added = admin_api.post(URL + f"counts/{count['id']}/add-line/",
                           {"item": "SCR-M3", "location": "A-02", "counted_quantity": "3"}, format="json")
    posted = admin_api.post(URL + f"counts/{count['id']}/post/")

    assert [(row["location"], row["counted_quantity"]) for row in added.json()["lines"]] == [("A-02", "3.000000")]
    assert posted.status_code == 200
    assert StockBalance.objects.get(item=inv.screw, location=inv.a2).on_hand == Decimal("3")


# Balances and moves ---------------------------------------------------------------------------


def test_balances_show_on_hand_reserved_and_available_filtered_by_codes(admin_api, inv):
    from inventory.services.stock import reserve

    inv.receive(inv.screw, "10", inv.a1)
    inv.receive(inv.screw, "4", inv.b1)
    receipt = inv.receive(inv.resin, "2", inv.a1, lot_number="R-1")
    reserve(company=inv.company, item=inv.screw, warehouse=inv.wh1, quantity=Decimal("3"), document=receipt)

    screws_wh1 = admin_api.get(URL + "balances/", {"item": "scr-m3", "warehouse": "WH1"}).json()["results"]
    by_lot = admin_api.get(URL + "balances/", {"lot": "R-1"}).json()["results"]
    by_location = admin_api.get(URL + "balances/", {"location": "B-01"}).json()["results"]
    unknown = admin_api.get(URL + "balances/", {"item": "NOPE"})

    assert [(r["item"], r["warehouse"], r["location"], r["lot"], r["on_hand"], r["reserved"], r["available"])
            for r in screws_wh1] == [("SCR-M3", "WH1", "A-01", None, "10.000000", "3.000000", "7.000000")]
    assert [(r["item"], r["lot"], r["unit"]) for r in by_lot] == [("RES-01", "R-1", "KG")]
    assert [(r["item"], r["on_hand"]) for r in by_location] == [("SCR-M3", "4.000000")]
    assert (unknown.status_code, unknown.json()) == (400, {"item": ["No record with the code NOPE."]})


def test_moves_are_filtered_by_item_type_reference_and_dates(admin_api, inv):
    receipt = inv.receive(inv.screw, "10", inv.a1)
    inv.receive(inv.resin, "1", inv.a1, lot_number="R-1")
    issue = issue_save(company=inv.company, actor=inv.admin, warehouse=inv.wh1,
                       lines=[{"item": inv.screw, "quantity": Decimal("2"), "unit": inv.pcs, "location": inv.a1}])
    admin_api.post(URL + f"issues/{issue.pk}/post/")
    today = timezone.localdate().isoformat()

    screws = admin_api.get(URL + "moves/", {"item": "SCR-M3"}).json()["results"]
    issues = admin_api.get(URL + "moves/", {"move_type": "issue"}).json()["results"]
    by_reference = admin_api.get(URL + "moves/", {"reference": receipt.number}).json()["results"]
    by_lot = admin_api.get(URL + "moves/", {"lot": "R-1"}).json()["results"]
    today_only = admin_api.get(URL + "moves/", {"date_from": today, "date_to": today}).json()["results"]
    future = admin_api.get(URL + "moves/", {"date_from": "2999-01-01"}).json()["results"]
    bad_type = admin_api.get(URL + "moves/", {"move_type": "teleport"})
    bad_date = admin_api.get(URL + "moves/", {"date_from": "2026-13-40"})

    assert [(m["move_type"], m["quantity"]) for m in screws] == [("issue", "-2.000000"), ("receipt", "10.000000")]
    assert [(m["item"], m["document_type"], m["posted_by"]) for m in issues] == [("SCR-M3", "stockissue", "boss")]
    assert [m["document_reference"] for m in by_reference] == [receipt.number]
    assert [m["item"] for m in by_lot] == ["RES-01"]
    assert len(today_only) == 3
    assert future == []
    assert (bad_type.status_code, list(bad_type.json())) == (400, ["move_type"])
    assert (bad_date.status_code, list(bad_date.json())) == (400, ["date_from"])


@pytest.mark.parametrize("endpoint", ["balances/", "moves/"])
def test_stock_lists_take_a_fixed_number_of_queries(keeper_api, inv, django_assert_max_num_queries, endpoint):
    inv.receive(inv.screw, "1", inv.a1)
    with django_assert_max_num_queries(7):
        small = keeper_api.get(URL + endpoint)
    for n in range(6):
        inv.receive(inv.resin, "1", inv.a2 if n % 2 else inv.a1, lot_number=f"R-{n}")
        inv.receive(inv.screw, "1", inv.b1)
    with django_assert_max_num_queries(7):
        large = keeper_api.get(URL + endpoint)

    assert (small.status_code, len(small.json()["results"])) == (200, 1)
    assert (large.status_code, len(large.json()["results"])) == (200, 7)


@pytest.mark.parametrize("endpoint", ["items/", "lots/", "receipts/", "counts/"])
def test_other_lists_take_a_fixed_number_of_queries(keeper_api, inv, django_assert_max_num_queries, endpoint):
    inv.receive(inv.resin, "1", inv.a1, lot_number="R")
    keeper_api.post(URL + "counts/", {"warehouse": "WH1"}, format="json")
    with django_assert_max_num_queries(6):
        small = keeper_api.get(URL + endpoint)
    for n in range(5):
        masterdata.item_create(company=inv.company, code=f"P-{n}", name="part", base_unit=inv.pcs,
                               units=[(inv.box, Decimal("10"))])
        inv.receive(inv.resin, "1", inv.a1, lot_number=f"R-{n}")
        keeper_api.post(URL + "counts/", {"warehouse": "WH1"}, format="json")
    with django_assert_max_num_queries(6):
        large = keeper_api.get(URL + endpoint)

    assert (small.status_code, large.status_code) == (200, 200)
    assert len(large.json()["results"]) > len(small.json()["results"])


# Scoping and permissions ----------------------------------------------------------------------


def test_a_keeper_sees_and_operates_only_the_granted_warehouse(keeper_api, inv):
    inv.receive(inv.screw, "10", inv.a1)
    inv.receive(inv.screw, "4", inv.b1)
    foreign_draft = issue_save(company=inv.company, actor=inv.admin, warehouse=inv.wh2,
                               lines=[{"item": inv.screw, "quantity": Decimal("1"), "unit": inv.pcs,
                                       "location": inv.b1}])

    balances = keeper_api.get(URL + "balances/").json()["results"]
    moves = keeper_api.get(URL + "moves/").json()["results"]
    in_wh2 = keeper_api.post(URL + "receipts/", receipt_body(warehouse="WH2", location="B-01"), format="json")
    in_wh1 = keeper_api.post(URL + "receipts/", receipt_body(), format="json")
    posted = keeper_api.post(URL + f"receipts/{in_wh1.json()['id']}/post/")
    hidden = keeper_api.post(URL + f"issues/{foreign_draft.pk}/post/")

    assert [(b["warehouse"], b["on_hand"]) for b in balances] == [("WH1", "10.000000")]
    assert {m["warehouse"] for m in moves} == {"WH1"}
    # a warehouse the keeper does not see is as unknown as on the screen's choice
    assert (in_wh2.status_code, list(in_wh2.json())) == (400, ["warehouse"])
    assert GoodsReceipt.objects.filter(warehouse=inv.wh2, status="draft").count() == 0
    assert (in_wh1.status_code, posted.status_code) == (201, 200)
    assert hidden.status_code == 404
    assert StockIssue.objects.get().status == "draft"


def test_a_keeper_receives_a_transfer_into_their_warehouse_but_cannot_ship_it(keeper_api, inv):
    inv.receive(inv.screw, "10", inv.b1)
    transfer = transfer_save(company=inv.company, actor=inv.admin, warehouse=inv.wh2, to_warehouse=inv.wh1,
                             lines=[{"item": inv.screw, "quantity": Decimal("5"), "unit": inv.pcs,
                                     "from_location": inv.b1, "to_location": inv.a1}])
    moves_before = StockMove.objects.count()

    ship = keeper_api.post(URL + f"transfers/{transfer.pk}/post/")
    moves_after_refusal = StockMove.objects.count()
    from inventory.services.documents import transfer_ship

    transfer_ship(transfer=transfer, actor=inv.admin)
    receive = keeper_api.post(URL + f"transfers/{transfer.pk}/receive/")

    assert ship.status_code == 403
    assert moves_after_refusal == moves_before
    assert (receive.status_code, receive.json()["status"]) == (200, "received")


def test_a_keeper_ships_to_any_warehouse_of_the_company_as_on_the_screen(keeper_api, inv):
    inv.receive(inv.screw, "10", inv.a1)
    body = {"warehouse": "WH1", "to_warehouse": "WH2", "lines": [
        {"item": "SCR-M3", "quantity": "2", "from_location": "A-01", "to_location": "B-01"}]}

    created = keeper_api.post(URL + "transfers/", body, format="json")

    assert (created.status_code, created.json()["to_warehouse"]) == (201, "WH2")


def test_a_keeper_adds_and_changes_locations_only_in_the_warehouse_they_operate(keeper_api, api, inv, make_user):
    viewer = make_user("viewer", "Warehouse")  # reads every warehouse, operates none
    viewer.user_permissions.add(Permission.objects.get(codename="view_all_warehouses"))
    viewer_api = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    viewer_api.force_authenticate(viewer)
    before = list(Location.objects.order_by("pk").values())

    elsewhere = keeper_api.post(URL + "locations/", {"warehouse": "WH2", "code": "X-1", "name": "x"}, format="json")
    changed = keeper_api.patch(URL + f"locations/{inv.b1.pk}/", {"name": "mine now"}, format="json")
    deleted = keeper_api.delete(URL + f"locations/{inv.b1.pk}/")
    renamed = keeper_api.patch(URL + f"warehouses/{inv.wh2.pk}/", {"name": "mine now"}, format="json")
    seen_only = viewer_api.post(URL + "locations/", {"warehouse": "WH2", "code": "X-1", "name": "x"}, format="json")
    viewer_changed = viewer_api.patch(URL + f"locations/{inv.b1.pk}/", {"name": "x"}, format="json")
    unchanged = list(Location.objects.order_by("pk").values())
    own = keeper_api.post(URL + "locations/", {"warehouse": "WH1", "code": "X-1", "name": "x"}, format="json")

    assert (elsewhere.status_code, list(elsewhere.json())) == (400, ["warehouse"])
    assert (changed.status_code, deleted.status_code, renamed.status_code) == (404, 404, 404)
    assert (seen_only.status_code, viewer_changed.status_code) == (403, 403)
    assert unchanged == before
    assert Warehouse.objects.get(pk=inv.wh2.pk).name != "mine now"
    assert own.status_code == 201


def test_a_user_who_may_add_documents_but_not_operate_the_warehouse_gets_403(api, inv, make_user):
    clerk = make_user("clerk")  # sees every warehouse, operates none
    clerk.user_permissions.add(*Permission.objects.filter(
        content_type__app_label="inventory", codename__in=["add_goodsreceipt", "view_goodsreceipt",
                                                           "change_goodsreceipt", "view_all_warehouses"]))
    from inventory.services.documents import receipt_save

    draft = receipt_save(company=inv.company, actor=inv.admin, warehouse=inv.wh1,
                         lines=[{"item": inv.screw, "quantity": Decimal("1"), "unit": inv.pcs, "location": inv.a1}])
    api.force_authenticate(clerk)

    create = api.post(URL + "receipts/", receipt_body(), format="json")
    post = api.post(URL + f"receipts/{draft.pk}/post/")
    edit = api.patch(URL + f"receipts/{draft.pk}/", {"notes": "x"}, format="json")

    assert (create.status_code, post.status_code, edit.status_code) == (403, 403, 403)
    assert StockMove.objects.count() == 0
    assert GoodsReceipt.objects.count() == 1


def test_a_manager_reads_but_cannot_write(api, inv, make_user):
    inv.receive(inv.screw, "10", inv.a1)
    api.force_authenticate(make_user("manager", "Manager"))

    balances = api.get(URL + "balances/")
    create = api.post(URL + "items/", {"code": "X", "name": "x", "base_unit": "PCS"}, format="json")
    post = api.post(URL + "receipts/", receipt_body(), format="json")

    assert (balances.status_code, len(balances.json()["results"])) == (200, 1)
    assert (create.status_code, post.status_code) == (403, 403)


def test_without_permission_or_login_the_inventory_api_is_closed(api, inv, make_user):
    anonymous = [api.get(URL + path).status_code for path in ("", "items/", "balances/", "moves/")]
    api.force_authenticate(make_user("nobody"))
    nobody = [api.get(URL + path).status_code for path in ("", "items/", "balances/", "moves/", "receipts/")]

    assert set(anonymous) <= {401, 403}
    assert nobody == [403, 403, 403, 403, 403]


def test_another_companys_master_data_cannot_be_used_by_code(admin_api, inv):
    other_company_world()

    response = admin_api.post(URL + "receipts/", receipt_body(item="FOREIGN"), format="json")
    in_foreign_warehouse = admin_api.post(URL + "receipts/", receipt_body(warehouse="WH9"), format="json")
    warehouses = admin_api.get(URL + "warehouses/").json()["results"]

    assert (response.status_code, list(response.json()["lines"]["0"])) == (400, ["item"])
    assert (in_foreign_warehouse.status_code, list(in_foreign_warehouse.json())) == (400, ["warehouse"])
    assert [w["code"] for w in warehouses] == ["WH1", "WH2"]


def test_a_token_opens_the_inventory_api(api, inv):
    inv.receive(inv.screw, "10", inv.a1)
    assign_perm("inventory.operate_warehouse", inv.keeper, inv.wh1)
    api.credentials(HTTP_AUTHORIZATION=f"Token {api_token_for(inv.keeper)}")

    root = api.get(URL)
    balances = api.get(URL + "balances/")

    assert root.status_code == 200
    assert "balances" in root.json()
    assert [(b["item"], b["available"]) for b in balances.json()["results"]] == [("SCR-M3", "10.000000")]


def test_the_api_schema_still_renders_with_the_inventory_endpoints(client, inv):
    client.force_login(inv.keeper)

    schema = client.get("/api/schema/")

    assert schema.status_code == 200
    assert b"/api/inventory/balances/" in schema.content
    assert b"/api/inventory/counts/{id}/record/" in schema.content


@pytest.mark.django_db(transaction=True)
def test_a_number_beyond_the_ledgers_range_is_a_400_not_a_500(api, inv):
    api.force_authenticate(inv.admin)
    created = api.post(URL + "receipts/", receipt_body(quantity="9999999999999999", unit="BOX"), format="json")

    posted = api.post(URL + f"receipts/{created.json()['id']}/post/")

    assert created.status_code == 201
    assert posted.status_code == 400
    assert StockMove.objects.count() == 0
    assert GoodsReceipt.objects.get(pk=created.json()["id"]).status == "draft"


def test_a_draft_issue_reserves_and_releases_through_the_api(inv):
    from decimal import Decimal

    from rest_framework.test import APIClient

    from inventory.models import StockBalance

    inv.receive(inv.screw, "5", inv.a1)
    api = APIClient()
    api.force_authenticate(inv.admin)
    created = api.post("/api/inventory/issues/", {"warehouse": "WH1", "lines": [
        {"item": "SCR-M3", "quantity": "4", "unit": "PCS", "location": "A-01"}]}, format="json")
    issue_id = created.json()["id"]

    reserved = api.post(f"/api/inventory/issues/{issue_id}/reserve/")
    again = api.post(f"/api/inventory/issues/{issue_id}/reserve/")
    balance = StockBalance.objects.get(item=inv.screw)
    released = api.post(f"/api/inventory/issues/{issue_id}/release/")

    assert created.status_code == 201
    assert reserved.status_code == 200
    assert again.status_code == 400
    assert balance.reserved == Decimal("4")
    assert released.status_code == 200
    assert StockBalance.objects.get(item=inv.screw).reserved == 0
