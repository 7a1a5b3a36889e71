"""The warehouse scope (inventory.scoping through erp.scoping.restrict), by permissions only: a keeper
sees and works in the warehouses granted to them or to one of their groups; the roles that read
inventory see every warehouse (view_all_warehouses) but change nothing in one they do not operate;
global operate_warehouse sees and changes everything; another company sees nothing."""

from decimal import Decimal

import pytest
from django.contrib.auth.models import Group, Permission
from guardian.shortcuts import assign_perm
from rest_framework.test import APIClient

from erp.scoping import CHANGE, VIEW
from inventory import selectors
from inventory.models import (
    GoodsReceipt,
    GoodsReceiptLine,
    ItemUnit,
    Location,
    Reservation,
    StockBalance,
    StockMove,
    StockTransfer,
    StockTransferLine,
    Warehouse,
)
from inventory.scoping import can_operate, sees_every_warehouse
from inventory.services.documents import issue_reserve, issue_save, receipt_save, transfer_save
from tests.factories import CompanyFactory, UserFactory

D = Decimal
pytestmark = pytest.mark.django_db


@pytest.fixture
def crew(inv, make_user):
    """A keeper who operates WH1 through the group "Finished goods crew"; a reader (Sales) of every
    warehouse; a system admin (global operate_warehouse)."""
    group = Group.objects.create(name="Finished goods crew")
    assign_perm("inventory.operate_warehouse", group, inv.wh1)
    inv.crew_keeper = make_user("crew", "Warehouse", language="en")
    inv.crew_keeper.groups.add(group)
    inv.group = group
    inv.reader = make_user("reader", "Sales", language="en")
    inv.receive(inv.screw, "10", inv.a1)
    inv.receive(inv.screw, "4", inv.b1)
    return inv


def test_a_keeper_gets_a_warehouse_through_a_group(crew):
    keeper = crew.crew_keeper

    assert list(selectors.warehouses_for_user(keeper)) == [crew.wh1]
    assert list(selectors.warehouses_for_user(keeper, CHANGE)) == [crew.wh1]
    assert {b.warehouse for b in selectors.balances_for_user(keeper)} == {crew.wh1}
    assert {m.warehouse for m in selectors.moves_for_user(keeper)} == {crew.wh1}
    assert {loc.warehouse for loc in selectors.locations_for_user(keeper)} == {crew.wh1}
    assert set(GoodsReceipt.objects.restrict(keeper).values_list("warehouse", flat=True)) == {crew.wh1.pk}
    assert set(GoodsReceiptLine.objects.restrict(keeper).values_list("document__warehouse", flat=True)) == {
        crew.wh1.pk}
    assert (can_operate(keeper, crew.wh1), can_operate(keeper, crew.wh2)) == (True, False)
    assert not sees_every_warehouse(keeper)


def test_the_groups_keeper_posts_in_its_warehouse_through_the_api_and_not_in_another(crew):
    api = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    api.force_authenticate(crew.crew_keeper)
    body = {"warehouse": "WH1", "lines": [{"item": "SCR-M3", "quantity": "1", "unit": "PCS", "location": "A-01",
                                           "unit_cost": "1"}]}

    created = api.post("/api/inventory/receipts/", body, format="json")
    posted = api.post(f"/api/inventory/receipts/{created.json()['id']}/post/")
    elsewhere = api.post("/api/inventory/receipts/", {**body, "warehouse": "WH2",
                                                      "lines": [{**body["lines"][0], "location": "B-01"}]},
                         format="json")

    assert (created.status_code, posted.status_code, elsewhere.status_code) == (201, 200, 400)  # WH2: not theirs to see
    assert list(elsewhere.json()) == ["warehouse"]


def test_leaving_the_group_takes_the_warehouse_away_at_once(crew):
    keeper = crew.crew_keeper
    assert selectors.warehouse_ids_for_user(keeper) == [crew.wh1.pk]

    crew.group.user_set.remove(keeper)

    assert selectors.warehouse_ids_for_user(keeper) == []
    assert not can_operate(keeper, crew.wh1)


def test_reading_every_warehouse_is_not_changing_it(crew):
    reader = crew.reader
    draft = receipt_save(company=crew.company, actor=crew.admin, warehouse=crew.wh2, lines=[
        {"item": crew.screw, "quantity": D("1"), "unit": crew.pcs, "location": crew.b1, "unit_cost": D("1")}])

    assert sees_every_warehouse(reader)
    assert set(selectors.warehouses_for_user(reader)) == {crew.wh1, crew.wh2}
    assert list(selectors.warehouses_for_user(reader, CHANGE)) == []
    assert draft in GoodsReceipt.objects.restrict(reader, VIEW)
    assert draft not in GoodsReceipt.objects.restrict(reader, CHANGE)
    assert not can_operate(reader, crew.wh2)


def test_a_system_admin_operates_every_warehouse_without_a_grant(crew):
    assert set(selectors.warehouses_for_user(crew.admin, CHANGE)) == {crew.wh1, crew.wh2}
    assert can_operate(crew.admin, crew.wh2)


def test_a_transfer_belongs_to_both_its_warehouses(crew):
    transfer = transfer_save(company=crew.company, actor=crew.admin, warehouse=crew.wh2, to_warehouse=crew.wh1,
                             lines=[{"item": crew.screw, "quantity": D("1"), "unit": crew.pcs,
                                     "from_location": crew.b1, "to_location": crew.a1}])
    outsider = UserFactory(username="wh3keeper", company=crew.company, roles=["Warehouse"])

    assert list(StockTransfer.objects.restrict(crew.crew_keeper)) == [transfer]
    assert list(StockTransferLine.objects.restrict(crew.crew_keeper).values_list("document", flat=True)) == [
        transfer.pk]
    assert StockTransfer.objects.restrict(outsider).count() == 0


def test_a_keeper_sees_only_the_reservations_of_their_warehouses(crew):
    issue = issue_save(company=crew.company, actor=crew.admin, warehouse=crew.wh2,
                       lines=[{"item": crew.screw, "quantity": D("1"), "unit": crew.pcs, "location": crew.b1}])
    issue_reserve(issue=issue, actor=crew.admin)

    assert Reservation.objects.restrict(crew.crew_keeper).count() == 0
    assert Reservation.objects.restrict(crew.admin).count() == 1


def test_the_roles_that_read_inventory_hold_view_all_warehouses_and_the_keepers_do_not(roles):
    holders = set(Permission.objects.get(codename="view_all_warehouses").group_set.values_list("name", flat=True))

    assert holders == {"Sales", "Sales manager", "Purchasing", "Production", "Quality", "Finance", "Manager",
                       "System admin"}


def test_another_company_sees_no_warehouse_and_nothing_in_one(crew):
    other = CompanyFactory(code="ELSE")
    for user in (UserFactory(username="else-admin", company=other, roles=["System admin"]),
                 UserFactory(username="else-keeper", company=other, roles=["Warehouse"])):
        assign_perm("inventory.operate_warehouse", user, crew.wh1)  # a grant across companies counts for nothing
        for model in (Warehouse, Location, StockBalance, StockMove, GoodsReceipt, GoodsReceiptLine, ItemUnit):
            assert model.objects.restrict(user).count() == 0, model
        assert selectors.item_list(user).count() == 0
        assert not can_operate(user, crew.wh1)
