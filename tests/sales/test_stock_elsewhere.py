"""Stock of a short order's items in the company's other warehouses (issue 11): the confirmation's
message and the order page say where it is, and a keeper of that warehouse makes the transfer for
the order in one click (sales.services.shortages → inventory.services.replenish): created once,
refused a second time, 403/404 for whoever may not make it, nothing written then."""

from decimal import Decimal

import pytest
from django.contrib.messages import get_messages
from guardian.shortcuts import assign_perm

from erp.errors import IllegalTransition
from inventory.models import StockBalance, StockTransfer, StockTransferLine
from inventory.services import masterdata
from inventory.services.documents import transfer_receive, transfer_ship
from inventory.services.replenish import SHIP_TRANSFER_TASK
from office.models import Task
from sales.services.orders import order_cancel, order_confirm
from sales.services.shortages import order_transfer_shortage
from tests.factories import CompanyFactory, UserFactory

D = Decimal
pytestmark = pytest.mark.django_db


@pytest.fixture
def world(sal):
    """FG (the orders' warehouse) has no motors; RAW holds 36, kept by its own keeper."""
    sal.raw = masterdata.warehouse_create(company=sal.company, code="RAW", name="原料倉")
    sal.r1 = masterdata.location_create(warehouse=sal.raw, code="R-01", name="R 01")
    sal.receive(sal.motor, 36, sal.r1)
    sal.raw_keeper = UserFactory(username="rawkeeper", company=sal.company, roles=["Warehouse"], language="en")
    assign_perm("inventory.operate_warehouse", sal.raw_keeper, sal.raw)
    for user in (sal.rep, sal.keeper, sal.admin):
        user.language = "en"
        user.save(update_fields=["language"])
    return sal


def messages_of(response):
    return [str(m) for m in get_messages(response.wsgi_request)._queued_messages]


def short_order(world, quantity="100"):
    order = world.order([{"item": world.motor, "quantity": D(quantity)}])
    order_confirm(order=order, actor=world.rep)
    order.refresh_from_db()
    return order


def transfer_url(order):
    return f"/sales/orders/{order.pk}/stock-transfer/"


# The confirmation and the page -----------------------------------------------------------------


def test_the_confirmation_says_how_much_other_warehouses_hold_of_what_is_short(world, client):
    order = world.order([{"item": world.motor, "quantity": D("100")}, {"item": world.pump, "quantity": D("2")}])
    client.force_login(world.rep)

    response = client.post(f"/sales/orders/{order.pk}/confirm/")

    [message] = messages_of(response)
    assert message.endswith(". Available in other warehouses: MOT-1: RAW 36 PCS.")  # nothing of PMP-1 anywhere
    assert "line 1 MOT-1: 0 PCS reserved, 100 PCS short" in message


def test_with_nothing_elsewhere_the_confirmation_says_nothing_of_other_warehouses(world, client):
    order = world.order([{"item": world.pump, "quantity": D("2")}])
    client.force_login(world.rep)

    response = client.post(f"/sales/orders/{order.pk}/confirm/")

    assert "other warehouses" not in messages_of(response)[0]


def test_the_order_page_shows_the_stock_elsewhere_and_the_button_only_to_its_keeper(world, client):
    order = short_order(world)
    client.force_login(world.rep)
    as_rep = client.get(f"/sales/orders/{order.pk}/").content.decode()
    client.force_login(world.raw_keeper)
    as_raw_keeper = client.get(f"/sales/orders/{order.pk}/").content.decode()
    client.force_login(world.keeper)  # keeps FG only: does not see RAW
    as_fg_keeper = client.get(f"/sales/orders/{order.pk}/").content.decode()

    assert 'id="stock-elsewhere"' in as_rep and "RAW: 36 PCS available" in as_rep
    assert "Line 1 MOT-1: 100 PCS short." in as_rep
    assert transfer_url(order) not in as_rep  # a rep may not make stock transfers
    assert transfer_url(order) in as_raw_keeper and 'data-transfer-from="RAW"' in as_raw_keeper
    assert "MOT-1 36 PCS" in as_raw_keeper
    assert 'id="stock-elsewhere"' not in as_fg_keeper


def test_no_box_when_nothing_is_short_or_no_other_warehouse_has_it(world, client):
    world.receive(world.motor, 5)  # into FG
    covered = short_order(world, "5")
    nowhere = world.order([{"item": world.pump, "quantity": D("1")}])
    order_confirm(order=nowhere, actor=world.rep)
    client.force_login(world.raw_keeper)

    for order in (covered, nowhere):
        html = client.get(f"/sales/orders/{order.pk}/").content.decode()
        assert 'id="stock-elsewhere"' not in html and transfer_url(order) not in html


def test_the_polled_part_of_the_page_leaves_the_box_out(world, client):
    order = short_order(world)
    client.force_login(world.raw_keeper)

    html = client.get(f"/sales/orders/{order.pk}/tracking/").content.decode()

    assert 'id="stock-elsewhere"' not in html


# The transfer ------------------------------------------------------------------------------------


def test_the_keeper_makes_the_transfer_in_one_click_and_a_second_click_is_refused(world, client):
    order = short_order(world)
    client.force_login(world.raw_keeper)

    response = client.post(transfer_url(order), {"from_warehouse": world.raw.pk})

    transfer = StockTransfer.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/sales/orders/{order.pk}/"
    assert messages_of(response) == [
        f"Stock transfer {transfer.reference} from RAW to FG made for {order.number} (MOT-1 36 PCS); "
        f"the warehouse has a task to ship it."]
    assert (transfer.warehouse, transfer.to_warehouse, transfer.source) == (world.raw, world.wh, order)
    assert [(line.item, line.quantity, line.from_location, line.to_location) for line in transfer.lines.all()] == [
        (world.motor, D("36"), world.r1, world.a1)]
    assert Task.objects.get(kind=SHIP_TRANSFER_TASK).document_id == transfer.pk

    again = client.post(transfer_url(order), {"from_warehouse": world.raw.pk})

    assert again.status_code == 302
    # 64 are still short, but RAW's 36 are all on the first transfer
    assert messages_of(again) == [f"RAW has nothing available of what {order.number} is short of."]
    assert StockTransfer.objects.count() == 1 and Task.objects.filter(kind=SHIP_TRANSFER_TASK).count() == 1
    html = client.get(f"/sales/orders/{order.pk}/").content.decode()
    assert "36 PCS on the way by transfer." in html and f"/inventory/transfers/{transfer.pk}/" in html
    assert transfer_url(order) not in html  # RAW has nothing left to offer


def test_the_message_is_in_the_keepers_language(world, client):
    order = short_order(world)
    world.raw_keeper.language = "zh-hant"
    world.raw_keeper.save(update_fields=["language"])
    client.force_login(world.raw_keeper)

    response = client.post(transfer_url(order), {"from_warehouse": world.raw.pk})

    [message] = messages_of(response)
    assert "調撥" in message and "RAW" in message and order.number in message


def test_the_arrived_transfer_is_stock_of_the_orders_warehouse(world, client):
    order = short_order(world)
    transfer = order_transfer_shortage(order=order, from_warehouse=world.raw, actor=world.raw_keeper)

    transfer_ship(transfer=transfer, actor=world.raw_keeper)
    transfer_receive(transfer=transfer, actor=world.keeper)

    assert StockBalance.objects.get(item=world.motor, location=world.a1).on_hand == D("36")
    assert StockBalance.objects.get(item=world.motor, location=world.r1).on_hand == D("0")
    assert Task.objects.get(kind=SHIP_TRANSFER_TASK).status == "done"


@pytest.mark.parametrize("who", ["rep", "fg keeper", "another company's keeper", "anonymous"])
def test_who_may_not_make_the_transfer_gets_403_or_404_and_nothing_is_written(world, client, who):
    order = short_order(world)
    other = CompanyFactory(code="OTHER", name="別家公司")
    users = {
        "rep": world.rep,  # no inventory.add_stocktransfer
        "fg keeper": world.keeper,  # does not operate RAW
        "another company's keeper": UserFactory(username="okeeper", company=other, roles=["Warehouse"]),
    }
    if who in users:
        client.force_login(users[who])

    response = client.post(transfer_url(order), {"from_warehouse": world.raw.pk})

    expected = {"rep": 403, "fg keeper": 403, "another company's keeper": 404, "anonymous": 302}[who]
    assert response.status_code == expected
    assert not StockTransfer.objects.exists() and not StockTransferLine.objects.exists()
    assert not Task.objects.filter(kind=SHIP_TRANSFER_TASK).exists()


def test_a_keeper_cannot_name_a_warehouse_he_does_not_operate_or_none(world, client):
    order = short_order(world)
    client.force_login(world.raw_keeper)

    own = client.post(transfer_url(order), {"from_warehouse": world.wh.pk})  # FG, the order's, not his
    missing = client.post(transfer_url(order), {})
    read = client.get(transfer_url(order))

    assert (own.status_code, missing.status_code, read.status_code) == (403, 403, 405)
    assert not StockTransfer.objects.exists()


def test_a_cancelled_order_gets_no_transfer(world):
    order = short_order(world)
    order_cancel(order=order, actor=world.rep, reason="客戶取消")

    with pytest.raises(IllegalTransition):
        order_transfer_shortage(order=order, from_warehouse=world.raw, actor=world.raw_keeper)

    assert not StockTransfer.objects.exists()


def test_the_order_page_with_stock_elsewhere_does_not_grow_with_the_lines(world, client, django_assert_max_num_queries):
    world.receive(world.pump, 50, world.r1)
    small = world.order([{"item": world.motor, "quantity": D("1")}, {"item": world.pump, "quantity": D("1")}])
    big = world.order([{"item": world.motor, "quantity": D("1")}, {"item": world.pump, "quantity": D("1")}] * 6)
    for order in (small, big):
        order_confirm(order=order, actor=world.rep)
    order_transfer_shortage(order=small, from_warehouse=world.raw, actor=world.raw_keeper)
    order_transfer_shortage(order=big, from_warehouse=world.raw, actor=world.raw_keeper)
    client.force_login(world.raw_keeper)
    client.get(f"/sales/orders/{small.pk}/")  # warm the per-process caches

    counts = []
    for order in (small, big):
        with django_assert_max_num_queries(50) as captured:
            response = client.get(f"/sales/orders/{order.pk}/")
        assert response.status_code == 200 and 'id="stock-elsewhere"' in response.content.decode()
        counts.append(len(captured.captured_queries))

    assert counts[0] == counts[1]


def test_the_transfers_page_and_the_api_say_which_document_it_is_for(world, client):
    order = short_order(world)
    transfer = order_transfer_shortage(order=order, from_warehouse=world.raw, actor=world.raw_keeper)
    client.force_login(world.raw_keeper)

    page = client.get(f"/inventory/transfers/{transfer.pk}/").content.decode()
    response = client.get(f"/api/inventory/transfers/{transfer.pk}/")

    assert "For document" in page and order.number in page
    assert response.status_code == 200
    assert response.json()["source_reference"] == order.number
