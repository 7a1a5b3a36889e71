"""Item planning parameters (MRP's lot sizing) on inventory's item: set through inventory's services,
the item screen, /api/inventory/items/, the item import and the admin, with the same rule everywhere:
a fixed lot size must be greater than zero, no lot figure may be negative; a refusal is shown beside
its field and saves nothing."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.forms import modelform_factory
from django.utils import translation

from erp.errors import DomainError
from inventory import status as inventory_status
from inventory.admin import ItemAdminForm
from inventory.models import Item
from inventory.services import masterdata
from tests.files import csv_bytes
from tests.production.conftest import D
from tests.production.engineering_helpers import api_as, english

pytestmark = pytest.mark.django_db


@pytest.fixture
def w(prod):
    return english(prod)
FIXED, MIN_MULTIPLE = inventory_status.LotSizing.FIXED, inventory_status.LotSizing.MIN_MULTIPLE


def lot_figures(item):
    item.refresh_from_db()
    return item.lot_sizing, item.lot_size, item.lot_minimum, item.lot_multiple


# Services ----------------------------------------------------------------------------------------


def test_new_items_are_lot_for_lot(w):
    assert lot_figures(w.frame) == ("lot_for_lot", D("0"), D("0"), D("0"))


def test_the_lot_rules_are_set_through_the_item_services(w):
    masterdata.item_update(item=w.frame, lot_sizing=FIXED, lot_size=D("25"))
    masterdata.item_update(item=w.wheel, lot_sizing=MIN_MULTIPLE, lot_minimum=D("40"), lot_multiple=D("12"))
    tyre = masterdata.item_create(company=w.company, code="TYRE", name="Tyre", base_unit=w.pcs,
                                  lot_sizing=MIN_MULTIPLE, lot_multiple=D("10"))

    assert lot_figures(w.frame) == (FIXED, D("25"), D("0"), D("0"))
    assert lot_figures(w.wheel) == (MIN_MULTIPLE, D("0"), D("40"), D("12"))
    assert lot_figures(tyre) == (MIN_MULTIPLE, D("0"), D("0"), D("10"))


@pytest.mark.parametrize(("fields", "field", "message"), [
    ({"lot_sizing": FIXED}, "lot_size", "A fixed lot size must be greater than zero."),
    ({"lot_sizing": FIXED, "lot_size": D("-5")}, "lot_size", "Lot quantities must not be negative."),
    ({"lot_sizing": MIN_MULTIPLE, "lot_minimum": D("-1")}, "lot_minimum", "Lot quantities must not be negative."),
    ({"lot_sizing": MIN_MULTIPLE, "lot_multiple": D("-1")}, "lot_multiple", "Lot quantities must not be negative."),
])
def test_bad_lot_figures_are_refused_beside_their_field_and_nothing_is_saved(w, fields, field, message):
    with translation.override("en"), pytest.raises(DomainError) as refused:
        masterdata.item_update(item=w.frame, **fields)
    with translation.override("en"), pytest.raises(DomainError):
        masterdata.item_create(company=w.company, code="NEW", name="New", base_unit=w.pcs, **fields)

    assert (refused.value.field, str(refused.value.message)) == (field, message)
    assert lot_figures(w.frame) == ("lot_for_lot", D("0"), D("0"), D("0"))
    assert not Item.objects.filter(code="NEW").exists()


def test_switching_to_fixed_keeps_the_stored_lot_size(w):
    masterdata.item_update(item=w.frame, lot_size=D("30"))

    masterdata.item_update(item=w.frame, lot_sizing=FIXED)

    assert lot_figures(w.frame) == (FIXED, D("30"), D("0"), D("0"))


# Screen ------------------------------------------------------------------------------------------


def item_post(w, **overrides):
    data = {"code": "FRAME", "name": "車架", "specification": "", "category": "", "item_type": "semi",
            "procurement": "make", "base_unit": str(w.pcs.pk), "standard_cost": "0", "reorder_point": "0",
            "safety_stock": "0", "lead_time_days": "5", "shelf_life_days": "", "barcode": "", "default_warehouse": "",
            "is_active": "on", "lot_sizing": "fixed", "lot_size": "20", "lot_minimum": "", "lot_multiple": "",
            "units-TOTAL_FORMS": "0", "units-INITIAL_FORMS": "0", "units-MIN_NUM_FORMS": "0",
            "units-MAX_NUM_FORMS": "30"}
    data.update(overrides)
    return data


def test_the_item_screen_sets_the_lot_rule(w, client):
    client.force_login(w.admin)

    response = client.post(f"/inventory/items/{w.frame.pk}/edit/", item_post(w))
    page = client.get(f"/inventory/items/{w.frame.pk}/")

    assert response.status_code == 302
    assert lot_figures(w.frame) == (FIXED, D("20"), D("0"), D("0"))
    assert 'id="item-lot-sizing">Fixed quantity · 20 PCS' in page.content.decode()


def test_the_item_screen_shows_a_missing_fixed_lot_size_beside_the_field(w, client):
    client.force_login(w.admin)

    response = client.post(f"/inventory/items/{w.frame.pk}/edit/", item_post(w, lot_size="0"))
    negative = client.post(f"/inventory/items/{w.frame.pk}/edit/",
                           item_post(w, lot_sizing="min_multiple", lot_size="", lot_multiple="-3"))

    assert response.status_code == 200
    assert response.context["form"].errors == {"lot_size": ["A fixed lot size must be greater than zero."]}
    assert list(negative.context["form"].errors) == ["lot_multiple"]
    assert lot_figures(w.frame) == ("lot_for_lot", D("0"), D("0"), D("0"))


def test_the_new_item_form_offers_the_planning_fields(w, client):
    client.force_login(w.admin)

    page = client.get("/inventory/items/new/").content.decode()

    assert 'name="lot_sizing"' in page and 'name="lot_multiple"' in page


# API ---------------------------------------------------------------------------------------------


def test_the_item_api_reads_and_writes_the_lot_rule(w):
    client = api_as(w.admin)
    changed = client.patch(f"/api/inventory/items/{w.wheel.pk}/", {
        "lot_sizing": "min_multiple", "lot_minimum": "40", "lot_multiple": "12"}, format="json")
    created = client.post("/api/inventory/items/", {"code": "TYRE", "name": "Tyre", "base_unit": "PCS",
                                                    "lot_sizing": "fixed", "lot_size": "50"}, format="json")

    assert changed.status_code == 200
    body = changed.json()
    assert (body["lot_sizing"], body["lot_minimum"], body["lot_multiple"], body["lot_size"]) == (
        "min_multiple", "40.000000", "12.000000", "0.000000")
    assert created.status_code == 201
    assert lot_figures(Item.objects.get(code="TYRE")) == (FIXED, D("50"), D("0"), D("0"))


def test_the_item_api_refuses_a_fixed_rule_without_a_size_with_400(w):
    client = api_as(w.admin)

    response = client.patch(f"/api/inventory/items/{w.wheel.pk}/", {"lot_sizing": "fixed"}, format="json")
    created = client.post("/api/inventory/items/", {"code": "TYRE", "name": "Tyre", "base_unit": "PCS",
                                                    "lot_sizing": "fixed", "lot_size": "0"}, format="json")
    unknown = client.patch(f"/api/inventory/items/{w.wheel.pk}/", {"lot_sizing": "weekly"}, format="json")

    assert response.status_code == 400
    assert response.json()["lot_size"] == ["A fixed lot size must be greater than zero."]
    assert (created.status_code, created.json()["lot_size"]) == (400, ["A fixed lot size must be greater than zero."])
    assert (unknown.status_code, list(unknown.json())) == (400, ["lot_sizing"])
    assert lot_figures(w.wheel) == ("lot_for_lot", D("0"), D("0"), D("0"))
    assert not Item.objects.filter(code="TYRE").exists()


# Import ------------------------------------------------------------------------------------------


@pytest.fixture
def _uploads_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def import_items(client, rows):
    response = client.post("/inventory/imports/items/", {"file": SimpleUploadedFile("items.csv", csv_bytes(rows))})
    return response, client.get(response["Location"])


@pytest.mark.usefixtures("_uploads_in_tmp")
def test_the_item_import_takes_the_lot_columns(w, client):
    client.force_login(w.admin)
    rows = [["code", "name", "base_unit", "procurement", "lot_sizing", "lot_size", "lot_minimum", "lot_multiple"],
            ["SEAT", "Seat", "PCS", "make", "fixed", "25", "", ""],
            ["BELL", "Bell", "PCS", "buy", "最小批量與倍數", "", "100", "50"],
            ["PEDAL", "Pedal", "PCS", "buy", "", "", "", ""]]

    response, preview = import_items(client, rows)
    assert preview.context["result"].errors == []
    client.post(response["Location"] + "commit/")

    assert lot_figures(Item.objects.get(code="SEAT")) == (FIXED, D("25"), D("0"), D("0"))
    assert lot_figures(Item.objects.get(code="BELL")) == (MIN_MULTIPLE, D("0"), D("100"), D("50"))
    assert lot_figures(Item.objects.get(code="PEDAL")) == ("lot_for_lot", D("0"), D("0"), D("0"))


@pytest.mark.usefixtures("_uploads_in_tmp")
def test_the_item_import_shows_bad_lot_figures_on_their_row(w, client):
    client.force_login(w.admin)
    rows = [["code", "name", "base_unit", "lot_sizing", "lot_size", "lot_multiple"],
            ["SEAT", "Seat", "PCS", "fixed", "0", ""],
            ["BELL", "Bell", "PCS", "weekly", "", ""],
            ["HORN", "Horn", "PCS", "min_multiple", "", "-2"]]

    with translation.override("en"):
        _response, preview = import_items(client, rows)

    errors = [(e.row, e.column) for e in preview.context["result"].errors]
    assert errors == [(2, "lot_size"), (3, "lot_sizing"), (4, "lot_multiple")]
    assert not Item.objects.filter(code__in=["SEAT", "BELL", "HORN"]).exists()


# Admin -------------------------------------------------------------------------------------------


def test_the_admin_form_shows_a_missing_fixed_lot_size_beside_the_field(w):
    data = {f.name: getattr(w.frame, f.attname) for f in Item._meta.concrete_fields if f.name not in ("id",)}
    data.update({"lot_sizing": "fixed", "lot_size": "0", "base_unit": w.pcs.pk, "company": w.company.pk})

    form_class = modelform_factory(Item, form=ItemAdminForm, fields=list(data))
    with translation.override("en"):  # the messages are lazy: read them in English too
        form = form_class(data=data, instance=w.frame)
        form.is_valid()

        assert form.errors["lot_size"] == ["A fixed lot size must be greater than zero."]
        assert "__all__" not in form.errors
