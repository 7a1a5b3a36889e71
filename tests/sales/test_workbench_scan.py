"""The workbench's scan field: a scanner's code and Enter open what it names — the pick sheet of an
order's delivery note (by the note's number or the order's), a document, an item, a lot — among what
the keeper may see; anything else comes back with a message next to the field."""

from decimal import Decimal

import pytest
from guardian.shortcuts import assign_perm

from erp.models import Company
from inventory.models import DeliveryNote, Lot
from inventory.services import masterdata
from sales.services.orders import order_confirm
from tests.conftest import user_maker
from tests.sales.conftest import deliver_events

D = Decimal
pytestmark = pytest.mark.django_db


@pytest.fixture
def shipping(sal):
    sal.receive(sal.widget, 10, lot_number="")
    order = sal.order([{"item": sal.widget, "quantity": D("4")}])
    order_confirm(order=order, actor=sal.rep)
    deliver_events()
    order.refresh_from_db()
    return order, DeliveryNote.objects.get(source_id=order.pk)


def scan(client, code):
    return client.get("/inventory/scan/", {"code": code})


def test_the_orders_number_opens_the_pick_sheet_of_its_draft_note(sal, client, shipping):
    order, note = shipping
    client.force_login(sal.keeper)
    assert 'id="workbench-scan"' in client.get("/inventory/").content.decode()

    response = scan(client, f" {order.number.lower()} ")

    assert response.status_code == 302
    assert response["Location"] == f"/inventory/deliveries/{note.pk}/pick/"


def test_a_drafts_printed_reference_opens_its_pick_sheet_in_any_language(sal, client, shipping):
    _order, note = shipping
    client.force_login(sal.keeper)

    for reference in (f"DN 草稿 #{note.pk}", f"Draft DN #{note.pk}", f"DN 草稿 #{note.pk + 1000}"):
        response = scan(client, reference)
        if reference.endswith(f"#{note.pk}"):
            assert response["Location"] == f"/inventory/deliveries/{note.pk}/pick/", reference
        else:
            assert response.status_code == 200 and "is-invalid" in response.content.decode()


def test_an_item_code_or_barcode_and_a_lot_number_open_their_pages(sal, client):
    sal.widget.barcode = "4710000000017"
    sal.widget.save()
    glue = masterdata.item_create(company=sal.company, code="GLUE", name="膠水", base_unit=sal.pcs, lot_tracked=True)
    sal.receive(glue, 3, lot_number="L-2026-01")
    client.force_login(sal.keeper)

    assert scan(client, "4710000000017")["Location"] == f"/inventory/items/{sal.widget.pk}/"
    assert scan(client, "wid-1")["Location"] == f"/inventory/items/{sal.widget.pk}/"
    lot = Lot.objects.get(number="L-2026-01")
    assert scan(client, "L-2026-01")["Location"] == f"/inventory/lots/{lot.pk}/"


def test_an_unknown_code_comes_back_with_a_message_next_to_the_field(sal, client):
    client.force_login(sal.keeper)

    response = scan(client, "NOPE-123")

    assert response.status_code == 200
    body = response.content.decode()
    assert "is-invalid" in body and "NOPE-123" in body


def test_another_companys_document_is_not_found(sal, client, shipping):
    order, _note = shipping
    other = Company.objects.create(code="OTHER", name="別家公司")
    stranger = user_maker(other)("stranger", "Warehouse")
    wh = masterdata.warehouse_create(company=other, code="FG", name="成品倉")
    assign_perm("inventory.operate_warehouse", stranger, wh)
    client.force_login(stranger)

    response = scan(client, order.number)

    assert response.status_code == 200
    assert "is-invalid" in response.content.decode()


def test_the_scan_needs_the_workbench_permission(sal, client):
    assert scan(client, "WID-1")["Location"].startswith("/accounts/login/")
    client.force_login(user_maker(sal.company)("nobody"))
    assert scan(client, "WID-1").status_code == 403
