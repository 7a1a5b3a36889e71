"""Voiding (作廢) inventory documents: only with a reason, on the screens and through the API; the
reason, who and when are kept on the document and shown on its page and in its history."""

from decimal import Decimal

import pytest
from auditlog.models import LogEntry
from guardian.shortcuts import assign_perm
from rest_framework.test import APIClient

from erp.errors import DomainError
from inventory.models import GoodsReceipt, StockMove
from inventory.services import documents as services

OPERATE = "inventory.operate_warehouse"


@pytest.fixture
def keeper(inv, client):
    """The keeper in zh-Hant (the default language), operating WH1, signed in."""
    assign_perm(OPERATE, inv.keeper, inv.wh1)
    client.force_login(inv.keeper)
    return inv.keeper


def posted_receipt(inv, quantity="5"):
    receipt = services.receipt_save(company=inv.company, actor=inv.admin, warehouse=inv.wh1, lines=[
        {"item": inv.screw, "quantity": Decimal(quantity), "unit": inv.pcs, "location": inv.a1,
         "unit_cost": Decimal("10")}])
    return services.receipt_post(receipt=receipt, actor=inv.admin)


def state_of(receipt):
    """What a refused void must leave untouched: the document's row, its moves, its audit entries."""
    row = GoodsReceipt.objects.filter(pk=receipt.pk).values("status", "void_reason", "voided_by", "voided_at",
                                                            "updated_at").get()
    return row, StockMove.objects.count(), LogEntry.objects.count()


def test_the_void_button_in_zh_hant_is_void_and_opens_a_page_asking_for_the_reason(inv, keeper, client):
    receipt = posted_receipt(inv)
    url = f"/inventory/receipts/{receipt.pk}/cancel/"

    detail = client.get(f"/inventory/receipts/{receipt.pk}/").content.decode()
    asking = client.get(url)

    assert f'<a href="{url}" class="btn btn-outline-danger">作廢並沖回</a>' in detail
    assert asking.status_code == 200
    html = asking.content.decode()
    assert '<p id="void-question">要作廢這份單據並沖回其庫存異動嗎？</p>' in html
    assert "作廢原因" in html and 'name="reason"' in html
    assert f'<a href="/inventory/receipts/{receipt.pk}/" class="btn btn-link">取消</a>' in html  # go back: 取消
    assert '<button type="submit" class="btn btn-danger" id="void-submit">作廢並沖回</button>' in html


@pytest.mark.parametrize("reason", [None, "", "   "])
def test_voiding_on_the_screen_without_a_reason_is_refused_beside_the_field_and_nothing_changes(
        inv, keeper, client, reason):
    receipt = posted_receipt(inv)
    before = state_of(receipt)

    response = client.post(f"/inventory/receipts/{receipt.pk}/cancel/", {} if reason is None else {"reason": reason})

    assert response.status_code == 400
    html = response.content.decode()
    assert 'id="id_reason"' in html and "is-invalid" in html
    assert "請填寫作廢原因。" in html
    assert state_of(receipt) == before
    assert receipt.status == "posted"


def test_voiding_with_a_reason_reverses_keeps_the_reason_and_shows_it_on_the_page_and_in_the_history(
        inv, keeper, client):
    receipt = posted_receipt(inv)

    response = client.post(f"/inventory/receipts/{receipt.pk}/cancel/", {"reason": "  供應商送錯料號  "})

    assert response.status_code == 302
    receipt.refresh_from_db()
    assert (receipt.status, receipt.void_reason, receipt.voided_by) == ("cancelled", "供應商送錯料號", inv.keeper)
    assert receipt.voided_at is not None
    assert sorted(StockMove.objects.values_list("quantity", flat=True)) == [Decimal("-5"), Decimal("5")]
    html = client.get(f"/inventory/receipts/{receipt.pk}/").content.decode()
    assert '<span id="void-reason">供應商送錯料號</span>' in html
    assert "<strong>作廢原因</strong>: — → 供應商送錯料號" in html  # the history's row of the change
    assert "作廢並沖回" not in html  # nothing left to void


def test_a_draft_is_voided_with_作廢(inv, keeper, client):
    draft = services.receipt_save(company=inv.company, actor=inv.admin, warehouse=inv.wh1, lines=[
        {"item": inv.screw, "quantity": Decimal("1"), "unit": inv.pcs, "location": inv.a1, "unit_cost": Decimal("1")}])

    detail = client.get(f"/inventory/receipts/{draft.pk}/").content.decode()
    response = client.post(f"/inventory/receipts/{draft.pk}/cancel/", {"reason": "重複建立"})

    assert f'<a href="/inventory/receipts/{draft.pk}/cancel/" class="btn btn-outline-danger">作廢</a>' in detail
    assert response.status_code == 302
    draft.refresh_from_db()
    assert (draft.status, draft.void_reason) == ("cancelled", "重複建立")


def test_the_void_page_of_a_document_that_cannot_be_voided_goes_back_to_its_page(inv, keeper, client):
    receipt = posted_receipt(inv)
    services.receipt_cancel(receipt=receipt, actor=inv.admin, reason="輸入錯誤")

    response = client.get(f"/inventory/receipts/{receipt.pk}/cancel/")

    assert response.status_code == 302
    assert response["Location"] == f"/inventory/receipts/{receipt.pk}/"


@pytest.mark.parametrize("reason", ["", "  \n "])
def test_every_inventory_void_service_refuses_a_blank_reason_before_writing(inv, reason):
    receipt = posted_receipt(inv)
    before = state_of(receipt)
    calls = [
        lambda: services.receipt_cancel(receipt=receipt, actor=inv.admin, reason=reason),
        lambda: services.issue_cancel(issue=receipt, actor=inv.admin, reason=reason),
        lambda: services.transfer_cancel(transfer=receipt, actor=inv.admin, reason=reason),
        lambda: services.adjustment_cancel(adjustment=receipt, actor=inv.admin, reason=reason),
        lambda: services.count_cancel(count=receipt, actor=inv.admin, reason=reason),
    ]

    for call in calls:
        with pytest.raises(DomainError) as refused:
            call()
        assert refused.value.field == "reason"
    assert state_of(receipt) == before


# API -------------------------------------------------------------------------------------------


@pytest.fixture
def api(inv):
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    client.force_authenticate(inv.admin)
    return client


@pytest.mark.parametrize("body", [{}, {"reason": ""}, {"reason": "   "}])
def test_the_api_refuses_a_void_without_a_reason_with_a_field_error_and_changes_nothing(inv, api, body):
    receipt = posted_receipt(inv)
    before = state_of(receipt)

    response = api.post(f"/api/inventory/receipts/{receipt.pk}/cancel/", body, format="json")

    assert response.status_code == 400
    assert response.json() == {"reason": ["Give the reason for voiding."]}
    assert state_of(receipt) == before


def test_the_api_voids_with_the_reason(inv, api):
    receipt = posted_receipt(inv)

    response = api.post(f"/api/inventory/receipts/{receipt.pk}/cancel/", {"reason": "數量打錯"}, format="json")

    assert (response.status_code, response.json()["status"]) == (200, "cancelled")
    receipt.refresh_from_db()
    assert (receipt.void_reason, receipt.voided_by) == ("數量打錯", inv.admin)


def test_the_api_voids_a_draft_transfer_only_with_a_reason(inv, api):
    transfer = services.transfer_save(company=inv.company, actor=inv.admin, warehouse=inv.wh2, to_warehouse=inv.wh1,
                                      lines=[{"item": inv.screw, "quantity": Decimal("5"), "unit": inv.pcs,
                                              "from_location": inv.b1, "to_location": inv.a1}])

    refused = api.post(f"/api/inventory/transfers/{transfer.pk}/cancel/", {}, format="json")
    transfer.refresh_from_db()
    status_after_refusal = transfer.status
    voided = api.post(f"/api/inventory/transfers/{transfer.pk}/cancel/", {"reason": "改走別倉"}, format="json")

    assert (refused.status_code, refused.json()) == (400, {"reason": ["Give the reason for voiding."]})
    assert status_after_refusal == "draft"
    assert (voided.status_code, voided.json()["status"]) == (200, "cancelled")
    transfer.refresh_from_db()
    assert transfer.void_reason == "改走別倉"
