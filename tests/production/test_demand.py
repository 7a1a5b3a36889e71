"""Demand lines: the services (save, deactivate, delete while unused), the screens (list with filters,
pages and export; the form with errors beside the fields), the CSV/XLSX import (all or nothing) and
/api/production/demands/."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation

from erp.errors import DomainError
from production.models import Demand
from production.services import demand as services
from tests.files import csv_bytes, xlsx_bytes
from tests.production.conftest import D
from tests.production.test_planning import english, make_run, peg, planned

DAY = datetime.timedelta(days=1)


@pytest.fixture(autouse=True)
def _uploads_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def demand(prod, item=None, quantity="5", date=None, reference="FC-Q1", **fields):
    return services.demand_save(company=prod.company, actor=prod.planner, item=item or prod.bike,
                                date=date or prod.in_a_week, quantity=quantity, reference=reference, **fields)


# Services ------------------------------------------------------------------------------------------


def test_a_demand_line_is_saved_in_the_base_unit_and_changed(prod):
    line = demand(prod, quantity="5.1234567")

    assert (line.item, line.date, line.quantity, line.reference, line.is_active, line.created_by) == (
        prod.bike, prod.in_a_week, D("5.123457"), "FC-Q1", True, prod.planner)
    changed = services.demand_save(company=prod.company, actor=prod.planner, demand=line, item=prod.spoke,
                                   date=prod.today, quantity=D("100"), reference=" spare ")
    assert (changed.pk, changed.item, changed.quantity, changed.reference) == (line.pk, prod.spoke, D("100"), "spare")


@pytest.mark.parametrize(("fields", "field", "message"), [
    ({"quantity": "0"}, "quantity", "The quantity must be more than zero."),
    ({"quantity": "-3"}, "quantity", "The quantity must be more than zero."),
    ({"quantity": "abc"}, "quantity", "Enter the quantity."),
    ({"date": None}, "date", "Enter the required date."),
    ({"item": None}, "item", "Choose an item."),
])
def test_a_bad_demand_line_is_refused_with_its_field_and_nothing_is_written(prod, fields, field, message):
    values = {"item": prod.bike, "date": prod.today, "quantity": "1", **fields}
    with translation.override("en"), pytest.raises(DomainError) as refused:
        services.demand_save(company=prod.company, actor=prod.planner, **values)
    assert (refused.value.field, str(refused.value.message)) == (field, message)
    assert not Demand.objects.exists()


def test_an_inactive_item_is_refused(prod):
    prod.tube.is_active = False
    prod.tube.save()
    with translation.override("en"), pytest.raises(DomainError) as refused:
        demand(prod, item=prod.tube)
    assert str(refused.value.message) == "Item TUBE is inactive."


def test_a_line_mrp_used_is_deactivated_not_deleted(prod):
    used, unused = demand(prod), demand(prod, reference="other")
    run = make_run(prod)
    peg(planned(prod, run, prod.bike, "5"), "5", demand=used)

    services.demand_delete(demand=unused, actor=prod.planner)
    with translation.override("en"), pytest.raises(DomainError) as refused:
        services.demand_delete(demand=used, actor=prod.planner)
    services.demand_deactivate(demand=used, actor=prod.planner)

    assert str(refused.value.message) == ("An MRP run planned for this demand line: deactivate it instead of deleting "
                                          "it.")
    assert list(Demand.objects.values_list("pk", "is_active")) == [(used.pk, False)]


# Screens ----------------------------------------------------------------------------------------------


def test_the_demand_list_filters_pages_and_exports(prod, client, django_assert_max_num_queries):
    client.force_login(english(prod.planner))
    demand(prod, date=prod.today)
    spare = demand(prod, item=prod.spoke, quantity="400", reference="spares", date=prod.today + 30 * DAY)
    url = reverse("production:demand_list")

    with django_assert_max_num_queries(12) as few:
        client.get(url)
    for n in range(30):
        demand(prod, date=prod.today + n * DAY, reference=f"FC-{n}")
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = client.get(url)
    found = client.get(url, {"q": "spoke"})
    later = client.get(url, {"date_from": (prod.today + 29 * DAY).isoformat()})
    export = client.get(url, {"q": "spares", "export": "csv"}).content.decode("utf-8-sig").splitlines()

    assert page.context["page"].paginator.count == 32 and len(page.context["page"].object_list) == 25
    assert [d.pk for d in found.context["page"]] == [spare.pk]
    assert len(later.context["page"].object_list) == 2
    assert export == ["Item code,Item name,Required date,Quantity,Unit,Reference,Active",
                      f"SPOKE,鋼絲,{(prod.today + 30 * DAY).isoformat()},400.000000,PCS,spares,Yes"]


def test_a_demand_line_is_entered_on_its_form(prod, client):
    client.force_login(english(prod.planner))

    response = client.post(reverse("production:demand_create"), {
        "demand-item": prod.bike.pk, "demand-date": prod.in_a_week.isoformat(), "demand-quantity": "12",
        "demand-reference": "Expo"})

    assert response.status_code == 302
    line = Demand.objects.get()
    assert (line.item, line.quantity, line.reference) == (prod.bike, D("12"), "Expo")


def test_a_bad_form_shows_its_errors_beside_the_fields_and_writes_nothing(prod, client):
    client.force_login(english(prod.planner))

    response = client.post(reverse("production:demand_create"), {
        "demand-item": "", "demand-date": "tomorrow", "demand-quantity": "0", "demand-item_search": "bi"})

    assert response.context["form"].errors == {"item": ["Choose an item from the list."],
                                               "date": ["Enter a valid date."]}
    assert 'value="bi"' in response.content.decode()  # what was typed in the item search stays
    assert not Demand.objects.exists()


def test_the_service_refusal_appears_beside_its_field(prod, client):
    client.force_login(english(prod.planner))
    response = client.post(reverse("production:demand_create"), {
        "demand-item": prod.bike.pk, "demand-date": prod.today.isoformat(), "demand-quantity": "0"})
    assert response.context["form"].errors == {"quantity": ["The quantity must be more than zero."]}
    assert not Demand.objects.exists()


def test_edit_deactivate_and_delete_from_the_screens(prod, client):
    client.force_login(english(prod.planner))
    line, used = demand(prod), demand(prod, reference="used")
    peg(planned(prod, make_run(prod), prod.bike, "5"), "5", demand=used)

    edit = client.get(reverse("production:demand_edit", args=[line.pk]))
    client.post(reverse("production:demand_edit", args=[line.pk]), {
        "demand-item": prod.wheel.pk, "demand-date": prod.today.isoformat(), "demand-quantity": "3"})
    client.post(reverse("production:demand_deactivate", args=[used.pk]))
    refused = client.post(reverse("production:demand_delete", args=[used.pk]), follow=True)
    client.post(reverse("production:demand_delete", args=[line.pk]))

    assert edit.context["form"].item_label() == "BIKE 自行車"
    assert [str(m) for m in refused.context["messages"]][-1:] == [
        "An MRP run planned for this demand line: deactivate it instead of deleting it."]
    assert list(Demand.objects.values_list("reference", "is_active")) == [("used", False)]


def test_only_production_writes_demand_lines(prod, client):
    line = demand(prod)
    client.force_login(english(prod.keeper))
    assert client.get(reverse("production:demand_list")).status_code == 200
    assert client.post(reverse("production:demand_create"), {}).status_code == 403
    assert client.post(reverse("production:demand_delete", args=[line.pk])).status_code == 403
    client.force_login(english(prod.rep))
    assert client.get(reverse("production:demand_list")).status_code == 403
    assert Demand.objects.count() == 1


# Import -----------------------------------------------------------------------------------------------


def upload(client, data, name):
    return client.post("/production/imports/demand/", {"file": SimpleUploadedFile(name, data)})


def test_a_file_with_a_bad_row_is_previewed_with_its_errors_and_nothing_is_imported(prod, client):
    client.force_login(english(prod.planner))
    rows = [["item", "date", "quantity", "reference"],
            ["BIKE", prod.in_a_week.isoformat(), 10, "FC"],
            ["NOPE", prod.in_a_week.isoformat(), 1, ""],
            ["SPOKE", "someday", 0, ""]]

    response = upload(client, csv_bytes(rows), "demand.csv")
    preview = client.get(response["Location"])
    refused = client.post(response["Location"] + "commit/")

    assert [str(e) for e in preview.context["result"].errors] == [
        "Row 3, column item: item “NOPE” does not exist.",
        "Row 4, column date: “someday” is not a date (use 2026-11-25 or 2026/11/25).",
        "Row 4, column quantity: must be greater than zero (got 0).",
    ]
    assert refused.status_code == 302
    assert not Demand.objects.exists()


def test_a_clean_xlsx_file_imports_every_line_with_chinese_headers(prod, client):
    client.force_login(english(prod.planner))
    rows = [["料號", "需求日期", "數量", "參考"]] + [
        ["BIKE", prod.today + n * DAY, n + 1, f"FC-{n}"] for n in range(40)]

    response = upload(client, xlsx_bytes(rows), "demand.xlsx")
    assert client.get(response["Location"]).context["result"].ok is True
    done = client.post(response["Location"] + "commit/")

    assert done.status_code == 302
    assert Demand.objects.count() == 40
    assert Demand.objects.get(reference="FC-39").quantity == D("40")
    assert "40 demand lines imported." in client.get(done["Location"]).content.decode()


# API --------------------------------------------------------------------------------------------------


def test_the_api_creates_lists_changes_and_deletes_demand_lines(prod, client):
    client.force_login(english(prod.planner))

    created = client.post("/api/production/demands/", {"item": "bike", "date": "2026-12-20", "quantity": "7",
                                                       "reference": "Fair"}, content_type="application/json")
    line_id = created.json()["id"]
    demand(prod, item=prod.spoke)
    listed = client.get("/api/production/demands/", {"item": "BIKE"}).json()
    patched = client.patch(f"/api/production/demands/{line_id}/", {"quantity": "9"}, content_type="application/json")
    deleted = client.delete(f"/api/production/demands/{line_id}/")

    assert created.status_code == 201
    assert {k: created.json()[k] for k in ("item", "date", "quantity", "unit", "is_active")} == {
        "item": "BIKE", "date": "2026-12-20", "quantity": "7.000000", "unit": "PCS", "is_active": True}
    assert [row["id"] for row in listed["results"]] == [line_id]
    assert patched.json()["quantity"] == "9.000000"
    assert deleted.status_code == 204
    assert list(Demand.objects.values_list("item__code", flat=True)) == ["SPOKE"]


def test_the_api_answers_400_with_field_errors_and_409_for_a_used_line(prod, client):
    client.force_login(english(prod.planner))
    used = demand(prod)
    peg(planned(prod, make_run(prod), prod.bike, "5"), "5", demand=used)

    bad = client.post("/api/production/demands/", {"item": "NOPE", "date": "soon", "quantity": "0"},
                      content_type="application/json")
    zero = client.post("/api/production/demands/", {"item": "BIKE", "date": "2026-12-20", "quantity": "0"},
                       content_type="application/json")
    in_use = client.delete(f"/api/production/demands/{used.pk}/")
    bad_filter = client.get("/api/production/demands/", {"date_from": "x"})

    assert bad.status_code == 400 and {"item", "date"} <= set(bad.json())
    assert zero.status_code == 400 and zero.json()["quantity"] == ["The quantity must be more than zero."]
    assert in_use.status_code == 409
    assert (bad_filter.status_code, list(bad_filter.json())) == (400, ["date_from"])
    assert Demand.objects.count() == 1
