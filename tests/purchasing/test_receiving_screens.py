"""Receiving's screens: Receive goods on an order, the receipts list, inspections (record form) and
supplier returns, with their permission matrix (anonymous, no permission, out of scope)."""

import pytest
from django.test import Client
from guardian.shortcuts import assign_perm

from inventory.models import GoodsReceipt
from inventory.services import masterdata
from inventory.services.documents import receipt_post
from purchasing.models import Inspection, SupplierReturn
from purchasing.services.inspections import inspection_record
from purchasing.services.receiving import receipt_create_for_order
from tests.conftest import user_maker
from tests.purchasing.conftest import D


def browser(user=None):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    if user is not None:
        if user.language != "en":  # the page speaks the user's language: these tests read English
            user.language = "en"
            user.save(update_fields=["language"])
        client.force_login(user)
    return client


@pytest.fixture
def far_keeper(pur):
    far = masterdata.warehouse_create(company=pur.company, code="FAR", name="遠倉")
    keeper = user_maker(pur.company)("farkeeper", "Warehouse", language="en")
    assign_perm("inventory.operate_warehouse", keeper, far)
    return keeper


@pytest.fixture
def received(pur):
    order = pur.approved_order(pur.acme_parts, [(pur.sensor, "10", "300")])
    receipt = receipt_post(receipt=receipt_create_for_order(order=order, actor=pur.keeper), actor=pur.keeper)
    return order, receipt, Inspection.objects.get(receipt=receipt)


def test_receive_goods_makes_a_draft_and_opens_inventory_s_receipt_entry(pur, far_keeper):
    order = pur.approved_order(pur.acme_parts, [(pur.motor, "10", "800")])
    url = f"/purchasing/orders/{order.pk}/receive/"

    assert browser().post(url).status_code == 302 and not GoodsReceipt.objects.exists()  # to the login page
    assert browser(pur.rep).post(url).status_code == 403
    assert browser(far_keeper).post(url).status_code == 403
    assert not GoodsReceipt.objects.exists()

    answer = browser(pur.keeper).post(url)

    receipt = GoodsReceipt.objects.get()
    assert answer.status_code == 302 and answer["Location"] == f"/inventory/receipts/{receipt.pk}/edit/"
    edit = browser(pur.keeper).get(answer["Location"])
    assert edit.status_code == 200


def test_the_receipt_pages_show_the_order_and_the_quarantine(pur, received):
    order, receipt, _inspection = received

    listed = browser(pur.keeper).get("/purchasing/receipts/")
    page = browser(pur.keeper).get(f"/inventory/receipts/{receipt.pk}/")

    assert listed.status_code == 200 and receipt.number in listed.content.decode()
    text = page.content.decode()
    assert order.number in text and "in quarantine (QC) until inspected" in text
    assert "Return to supplier" in text and "Incoming inspections" in text


def test_inspection_screens_matrix_and_the_record_form(pur, received, far_keeper):
    _order, _receipt, inspection = received
    detail = f"/purchasing/inspections/{inspection.pk}/"
    record = f"/purchasing/inspections/{inspection.pk}/record/"

    assert browser().get(detail).status_code == 302
    assert browser(pur.rep).get("/purchasing/inspections/").status_code == 403
    assert browser(far_keeper).get(detail).status_code == 404
    assert browser(pur.keeper).post(record, {"accepted": "10", "rejected": "0"}).status_code == 403
    listed = browser(pur.inspector).get("/purchasing/inspections/?status=draft")
    assert listed.status_code == 200 and inspection.reference in listed.content.decode()
    assert "Record result" in browser(pur.inspector).get(detail).content.decode()

    answer = browser(pur.inspector).post(record, {"accepted": "8", "rejected": "2", "notes": "scratched"})

    inspection.refresh_from_db()
    assert answer.status_code == 302
    assert (inspection.status, inspection.accepted_quantity, inspection.rejected_quantity) == (
        "done", D("8"), D("2"))


def test_a_refused_record_is_a_message_not_a_500(pur, received):
    _order, _receipt, inspection = received

    answer = browser(pur.inspector).post(f"/purchasing/inspections/{inspection.pk}/record/",
                                         {"accepted": "8", "rejected": "1"}, follow=True)

    assert answer.status_code == 200
    assert "Accepted and rejected must add up to the 10 received." in answer.content.decode()
    assert Inspection.objects.get().status == "draft"


def test_supplier_return_screens(pur, received, far_keeper):
    _order, receipt, inspection = received
    inspection_record(inspection=inspection, accepted=D("9"), rejected=D("1"), actor=pur.inspector)

    assert browser(far_keeper).post(f"/purchasing/returns/from-receipt/{receipt.pk}/").status_code == 404
    made = browser(pur.keeper).post(f"/purchasing/returns/from-receipt/{receipt.pk}/")
    supplier_return = SupplierReturn.objects.get()
    assert made.status_code == 302 and made["Location"] == f"/purchasing/returns/{supplier_return.pk}/"
    assert browser(far_keeper).get(made["Location"]).status_code == 404
    assert browser(pur.inspector).post(f"{made['Location']}post/").status_code == 403
    assert browser(pur.keeper).get("/purchasing/returns/").status_code == 200

    posted = browser(pur.keeper).post(f"{made['Location']}post/")

    supplier_return.refresh_from_db()
    assert posted.status_code == 302 and supplier_return.status == "posted"
