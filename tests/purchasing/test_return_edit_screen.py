"""Editing a draft supplier return on the screen: quantities, location and lot of its lines, reason."""

import pytest

from inventory.models import Location
from purchasing.models import SupplierReturn
from purchasing.services.inspections import inspection_record
from purchasing.services.returns import return_create_from_receipt, return_post
from tests.purchasing.conftest import D
from tests.purchasing.test_receiving_screens import browser, far_keeper, received  # noqa: F401 (fixtures)

pytestmark = pytest.mark.django_db


@pytest.fixture
def draft_return(pur, received):  # noqa: F811
    _order, receipt, inspection = received
    inspection_record(inspection=inspection, accepted=D("8"), rejected=D("2"), actor=pur.inspector)
    return return_create_from_receipt(receipt=receipt, actor=pur.keeper, reason="cracked")


def posted_data(line, **values):
    return {"reason": values.get("reason", "cracked"), f"quantity_{line.pk}": values.get("quantity", "2"),
            f"location_{line.pk}": values.get("location", line.location_id), f"lot_{line.pk}": ""}


def test_the_keeper_edits_a_draft_return(pur, draft_return):
    line = draft_return.lines.get()
    other = Location.objects.filter(warehouse=draft_return.warehouse, is_active=True).exclude(
        pk=line.location_id).order_by("code").first()
    url = f"/purchasing/returns/{draft_return.pk}/edit/"
    assert url in browser(pur.keeper).get(f"/purchasing/returns/{draft_return.pk}/").content.decode()
    assert browser(pur.keeper).get(url).status_code == 200

    answer = browser(pur.keeper).post(url, posted_data(line, reason="cracked housing", quantity="1",
                                                       location=other.pk))

    assert answer.status_code == 302 and answer["Location"] == f"/purchasing/returns/{draft_return.pk}/"
    draft_return.refresh_from_db()
    saved = draft_return.lines.get()
    assert (draft_return.reason, saved.quantity, saved.location_id, saved.receipt_line_id) == (
        "cracked housing", D("1"), other.pk, line.receipt_line_id)


def test_a_refused_edit_saves_nothing(pur, draft_return):
    line = draft_return.lines.get()
    url = f"/purchasing/returns/{draft_return.pk}/edit/"

    negative = browser(pur.keeper).post(url, posted_data(line, reason="changed", quantity="-1"))
    nothing = browser(pur.keeper).post(url, posted_data(line, reason="changed", quantity="0"))

    assert negative.status_code == 400
    assert nothing.status_code == 400 and "Add at least one line." in nothing.content.decode()
    draft_return.refresh_from_db()
    assert (draft_return.reason, draft_return.lines.get().quantity) == ("cracked", D("2"))


def test_a_posted_return_goes_back_to_its_page_with_a_message(pur, draft_return):
    return_post(supplier_return=draft_return, actor=pur.keeper)
    client = browser(pur.keeper)

    answer = client.get(f"/purchasing/returns/{draft_return.pk}/edit/")

    assert answer.status_code == 302 and answer["Location"] == f"/purchasing/returns/{draft_return.pk}/"
    assert "no longer a draft" in client.get(answer["Location"]).content.decode()
    assert "/edit/" not in client.get(answer["Location"]).content.decode()


def test_another_warehouses_keeper_and_the_inspector_cannot_edit(pur, draft_return, far_keeper):  # noqa: F811
    line = draft_return.lines.get()
    url = f"/purchasing/returns/{draft_return.pk}/edit/"
    assert browser(far_keeper).get(url).status_code == 404
    assert browser(far_keeper).post(url, posted_data(line, reason="theirs")).status_code == 404
    assert browser(pur.inspector).post(url, posted_data(line, reason="theirs")).status_code == 403
    assert SupplierReturn.objects.get().reason == "cracked"
