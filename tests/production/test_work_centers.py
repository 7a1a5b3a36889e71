"""Work centers and their calendars: the services (codes unique per company, figures checked,
holidays), the calendar functions, the screens (permission matrix, forms, the calendar edited with
htmx, lists that filter, export and keep their query count) and /api/production/work-centers/."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from erp.errors import DomainError
from inventory.errors import InUse
from production.models import WorkCenter, WorkCenterHoliday
from production.selectors import engineering as selectors
from production.services import engineering as services
from tests.conftest import warm_permissions
from tests.factories import CompanyFactory, UserFactory
from tests.production.conftest import D
from tests.production.engineering_helpers import api_as, english, login

pytestmark = pytest.mark.django_db


@pytest.fixture
def w(prod):
    return english(prod)
MONDAY = datetime.date(2027, 1, 4)  # a Monday
API = "/api/production/work-centers/"


def other_company_work_center():
    other = CompanyFactory(code="OTHER", name="Other Co")
    return WorkCenter.objects.create(company=other, code="FAR", name="Far away")


def work_center_post(**overrides):
    data = {"code": "PAINT", "name": "Painting", "capacity_hours": "7.5", "working_weekdays": ["0", "1", "2", "3"],
            "efficiency_percent": "90", "cost_rate": "500", "warehouse": "", "notes": ""}
    data.update(overrides)
    return data


# Services ---------------------------------------------------------------------------------------


def test_create_normalises_the_code_and_sorts_the_working_days(w):
    center = services.work_center_create(company=w.company, actor=w.planner, code=" paint ", name="Painting",
                                         capacity_hours=D("7.5"), working_weekdays=[3, 0, 1, 0],
                                         efficiency_percent=D("90"))

    center.refresh_from_db()
    assert (center.code, center.working_weekdays, center.capacity_hours) == ("PAINT", [0, 1, 3], D("7.50"))


def test_a_code_used_in_the_company_is_refused_with_its_field_and_nothing_is_saved(w):
    with translation.override("en"), pytest.raises(DomainError) as refused:
        services.work_center_create(company=w.company, code="weld", name="Second welding")

    assert refused.value.field == "code"
    assert str(refused.value.message) == "The code WELD is already used by another work center."
    assert WorkCenter.objects.filter(company=w.company).count() == 2


def test_the_same_code_in_another_company_is_fine(w):
    far = other_company_work_center()
    center = services.work_center_create(company=far.company, code="WELD", name="Their welding")

    assert center.company_id == far.company_id


@pytest.mark.parametrize(("fields", "field", "message"), [
    ({"efficiency_percent": D("0")}, "efficiency_percent", "The efficiency must be greater than zero."),
    ({"capacity_hours": D("-1")}, "capacity_hours", "The capacity must not be negative."),
    ({"cost_rate": D("-5")}, "cost_rate", "The cost per hour must not be negative."),
    ({"working_weekdays": [0, 7]}, "working_weekdays", "Working days are 0 (Monday) to 6 (Sunday)."),
])
def test_bad_figures_are_refused_beside_their_field(w, fields, field, message):
    with translation.override("en"), pytest.raises(DomainError) as refused:
        services.work_center_update(work_center=w.frame_shop, actor=w.planner, **fields)

    assert (refused.value.field, str(refused.value.message)) == (field, message)
    w.frame_shop.refresh_from_db()
    assert (w.frame_shop.efficiency_percent, w.frame_shop.capacity_hours, w.frame_shop.working_weekdays) == (
        D("80"), D("16"), [0, 1, 2, 3, 4])


def test_deactivate_keeps_the_routings_operations(w):
    services.work_center_deactivate(work_center=w.frame_shop, actor=w.planner)

    w.frame_shop.refresh_from_db()
    assert w.frame_shop.is_active is False
    assert w.frame_routing.operations.get().work_center_id == w.frame_shop.pk


def test_a_work_center_in_use_is_not_deleted(w):
    with translation.override("en"), pytest.raises(InUse) as refused:
        services.work_center_delete(instance=w.frame_shop, actor=w.planner)

    assert str(refused.value.message) == ("Work center WELD is used by routings and cannot be deleted. "
                                          "Deactivate it instead.")
    assert WorkCenter.objects.filter(pk=w.frame_shop.pk).exists()


def test_holidays_are_added_changed_and_removed(w):
    holiday = services.holiday_save(work_center=w.frame_shop, date=MONDAY, name="New year bridge", actor=w.planner)
    changed = services.holiday_save(work_center=w.frame_shop, holiday=holiday, date=MONDAY, name="Short day",
                                    capacity_hours=D("4"), actor=w.planner)

    assert (changed.pk, changed.name, changed.capacity_hours) == (holiday.pk, "Short day", D("4"))
    services.holiday_delete(holiday=changed, actor=w.planner)
    assert not WorkCenterHoliday.objects.filter(work_center=w.frame_shop).exists()


def test_a_date_already_in_the_calendar_is_refused_beside_the_date(w):
    services.holiday_save(work_center=w.frame_shop, date=MONDAY, name="Closed", actor=w.planner)

    with translation.override("en"), pytest.raises(DomainError) as refused:
        services.holiday_save(work_center=w.frame_shop, date=MONDAY, name="Again", actor=w.planner)

    assert (refused.value.field, str(refused.value.message)) == (
        "date", "2027-01-04 is already in this work center's calendar.")
    assert list(WorkCenterHoliday.objects.values_list("name", flat=True)) == ["Closed"]


def test_a_holiday_longer_than_a_day_is_refused(w):
    with translation.override("en"), pytest.raises(DomainError) as refused:
        services.holiday_save(work_center=w.frame_shop, date=MONDAY, capacity_hours=D("25"), actor=w.planner)

    assert (refused.value.field, str(refused.value.message)) == ("capacity_hours", "A day has at most 24 hours.")
    assert not WorkCenterHoliday.objects.exists()


# The calendar -----------------------------------------------------------------------------------


def test_capacity_per_day_follows_working_days_and_holidays(w):
    # WELD: 16 h Monday to Friday; Tuesday closed, Wednesday a short day, Saturday an extra shift.
    for day, hours in ((1, "0"), (2, "6"), (5, "8")):
        services.holiday_save(work_center=w.frame_shop, date=MONDAY + datetime.timedelta(days=day),
                              capacity_hours=D(hours))

    calendar = selectors.work_center_capacity(w.frame_shop, MONDAY, MONDAY + datetime.timedelta(days=7))

    assert [calendar[MONDAY + datetime.timedelta(days=n)] for n in range(8)] == [
        D("16"), D("0"), D("6"), D("16"), D("16"), D("8"), D("0"), D("16")]


def test_calendars_of_many_work_centers_take_one_query(w):
    services.holiday_save(work_center=w.assembly, date=MONDAY, capacity_hours=D("3"))
    centers = list(WorkCenter.objects.filter(company=w.company))

    with CaptureQueriesContext(connection) as queries:
        calendars = selectors.work_centers_capacity(centers, MONDAY, MONDAY + datetime.timedelta(days=90))

    assert len(queries.captured_queries) == 1
    assert (calendars[w.assembly.pk][MONDAY], calendars[w.frame_shop.pk][MONDAY]) == (D("3"), D("16"))
    assert len(calendars[w.assembly.pk]) == 91


# Screens ----------------------------------------------------------------------------------------


def screen_urls(w):
    pk = w.frame_shop.pk
    return ["/production/work-centers/", "/production/work-centers/new/", f"/production/work-centers/{pk}/",
            f"/production/work-centers/{pk}/edit/"]


def test_screens_need_a_login_and_the_permission(w, client):
    for url in screen_urls(w):
        assert client.get(url).status_code == 302, url
    login(client, w.outsider)
    for url in screen_urls(w):
        assert client.get(url).status_code == 403, url
    login(client, w.planner)
    for url in screen_urls(w):
        assert client.get(url).status_code == 200, url


def test_a_keeper_reads_but_does_not_edit(w, client):
    login(client, w.keeper)

    assert client.get(f"/production/work-centers/{w.frame_shop.pk}/").status_code == 200
    assert client.get(f"/production/work-centers/{w.frame_shop.pk}/edit/").status_code == 403
    assert client.post(f"/production/work-centers/{w.frame_shop.pk}/holidays/new/",
                       {"holiday-date": "2027-01-04"}).status_code == 403


def test_another_companys_work_center_is_404(w, client):
    far = other_company_work_center()
    login(client, w.planner)

    assert client.get(f"/production/work-centers/{far.pk}/").status_code == 404
    assert client.get(f"/production/work-centers/{far.pk}/edit/").status_code == 404


def test_create_through_the_screen(w, client):
    response = login(client, w.planner).post("/production/work-centers/new/", work_center_post())

    center = WorkCenter.objects.get(company=w.company, code="PAINT")
    assert response.status_code == 302 and response.url == f"/production/work-centers/{center.pk}/"
    assert (center.working_weekdays, center.capacity_hours, center.efficiency_percent) == ([0, 1, 2, 3], D("7.5"),
                                                                                             D("90"))


def test_a_taken_code_is_shown_beside_the_code(w, client):
    response = login(client, w.planner).post("/production/work-centers/new/", work_center_post(code="weld"))

    assert response.status_code == 200
    assert response.context["form"].errors == {"code": ["The code WELD is already used."]}
    assert WorkCenter.objects.filter(company=w.company).count() == 2


def test_edit_through_the_screen_and_zero_efficiency_is_refused(w, client):
    login(client, w.planner)
    url = f"/production/work-centers/{w.frame_shop.pk}/edit/"
    bad = client.post(url, work_center_post(code="WELD", name="焊接", efficiency_percent="0"))
    six_days = ["0", "1", "2", "3", "4", "5"]
    good = client.post(url, work_center_post(code="WELD", name="焊接二", working_weekdays=six_days, is_active="on"))

    assert bad.status_code == 200 and "efficiency_percent" in bad.context["form"].errors
    assert good.status_code == 302
    w.frame_shop.refresh_from_db()
    assert (w.frame_shop.name, w.frame_shop.working_weekdays) == ("焊接二", [0, 1, 2, 3, 4, 5])


def test_deactivate_through_the_screen(w, client):
    response = login(client, w.planner).post(f"/production/work-centers/{w.assembly.pk}/deactivate/")

    assert response.status_code == 302
    w.assembly.refresh_from_db()
    assert w.assembly.is_active is False


def test_the_calendar_shows_the_weeks_and_a_holiday_is_added_with_htmx(w, client):
    login(client, w.planner)
    url = f"/production/work-centers/{w.frame_shop.pk}/holidays/new/?from=2027-01-04"
    response = client.post(url, {"holiday-date": "2027-01-05", "holiday-name": "Stocktake",
                                 "holiday-capacity_hours": ""}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="calendar")

    assert response.status_code == 200
    assert [t.name for t in response.templates][0] == "production/engineering/partials/work_center_calendar.html"
    weeks = response.context["weeks"]
    assert len(weeks) == 6 and weeks[0][0][0] == MONDAY
    assert [(day, hours) for day, hours, _holiday in weeks[0][:3]] == [
        (MONDAY, D("16")), (MONDAY + datetime.timedelta(days=1), D("0")),
        (MONDAY + datetime.timedelta(days=2), D("16"))]
    assert "Stocktake" in response.content.decode()


def test_a_holiday_is_changed_and_a_taken_date_shown_beside_the_date(w, client):
    first = services.holiday_save(work_center=w.frame_shop, date=MONDAY, name="A")
    services.holiday_save(work_center=w.frame_shop, date=MONDAY + datetime.timedelta(days=1), name="B")
    login(client, w.planner)
    url = f"/production/work-centers/{w.frame_shop.pk}/holidays/{first.pk}/edit/"
    taken = client.post(url, {"holiday-date": "2027-01-05", "holiday-name": "A", "holiday-capacity_hours": "0"},
                        HTTP_HX_REQUEST="true", HTTP_HX_TARGET="calendar")
    changed = client.post(url, {"holiday-date": "2027-01-04", "holiday-name": "Half day",
                                "holiday-capacity_hours": "4"}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="calendar")

    assert taken.context["holiday_form"].errors == {"date": ["2027-01-05 is already in this work center's calendar."]}
    assert changed.status_code == 200
    first.refresh_from_db()
    assert (first.date, first.name, first.capacity_hours) == (MONDAY, "Half day", D("4"))


def test_a_holiday_is_removed(w, client):
    holiday = services.holiday_save(work_center=w.frame_shop, date=MONDAY, name="A")

    response = login(client, w.planner).post(
        f"/production/work-centers/{w.frame_shop.pk}/holidays/{holiday.pk}/delete/")

    assert response.status_code == 302
    assert not WorkCenterHoliday.objects.exists()


def test_the_list_filters_and_exports(w, client):
    services.work_center_deactivate(work_center=w.assembly)
    login(client, w.planner)

    active = client.get("/production/work-centers/", {"active": "1"})
    search = client.get("/production/work-centers/", {"q": "ass"})
    csv = client.get("/production/work-centers/", {"export": "csv"})

    assert [c.code for c in active.context["page"]] == ["WELD"]
    assert [c.code for c in search.context["page"]] == ["ASSY"]
    lines = csv.content.decode("utf-8-sig").splitlines()
    assert lines[0].startswith("Code,Name,Capacity (hours per day),Working days")
    assert lines[2].startswith("WELD,焊接,16")


def test_the_list_query_count_does_not_grow_with_rows(w, client):
    login(client, w.planner)
    warm_permissions(w.planner)
    client.get("/production/work-centers/")
    with CaptureQueriesContext(connection) as few:
        client.get("/production/work-centers/")
    for n in range(10):
        services.work_center_create(company=w.company, code=f"WC{n}", name=f"Center {n}")
    with CaptureQueriesContext(connection) as many:
        response = client.get("/production/work-centers/")

    assert len(response.context["page"]) == 12
    assert len(many.captured_queries) == len(few.captured_queries)


# API --------------------------------------------------------------------------------------------


def test_api_lists_work_centers_with_their_holidays(w):
    services.holiday_save(work_center=w.frame_shop, date=MONDAY, name="Closed")

    rows = api_as(w.planner).get(API).json()["results"]

    assert [(r["code"], r["working_weekdays"], r["holidays"]) for r in rows] == [
        ("ASSY", [0, 1, 2, 3, 4], []),
        ("WELD", [0, 1, 2, 3, 4], [{"id": WorkCenterHoliday.objects.get().pk, "date": "2027-01-04", "name": "Closed",
                                    "capacity_hours": "0.00"}])]


def test_api_creates_a_work_center_with_holidays_and_changes_them(w):
    client = api_as(w.planner)
    created = client.post(API, {"code": "paint", "name": "Painting", "capacity_hours": "8",
                                "working_weekdays": [0, 2, 4], "warehouse": "FG",
                                "holidays": [{"date": "2027-01-04", "name": "Closed"}]}, format="json")
    body = created.json()
    holiday_id = body["holidays"][0]["id"]
    changed = client.patch(f"{API}{body['id']}/", {"holidays": [
        {"id": holiday_id, "date": "2027-01-04", "capacity_hours": "4"}, {"date": "2027-01-06"}]}, format="json")

    assert created.status_code == 201
    assert (body["code"], body["working_weekdays"], body["warehouse"]) == ("PAINT", [0, 2, 4], "FG")
    assert changed.status_code == 200
    assert [(h["date"], h["capacity_hours"]) for h in changed.json()["holidays"]] == [
        ("2027-01-04", "4.00"), ("2027-01-06", "0.00")]


def test_api_refusals_are_400_naming_the_field_and_write_nothing(w):
    client = api_as(w.planner)
    taken = client.post(API, {"code": "WELD", "name": "Again"}, format="json")
    efficiency = client.post(API, {"code": "X1", "name": "X", "efficiency_percent": "0"}, format="json")
    same_day = client.patch(f"{API}{w.frame_shop.pk}/", {"holidays": [{"date": "2027-01-04"}, {"date": "2027-01-04"}]},
                            format="json")

    assert (taken.status_code, list(taken.json())) == (400, ["code"])
    assert (efficiency.status_code, "efficiency_percent" in efficiency.json()) == (400, True)
    assert same_day.status_code == 400
    assert same_day.json()["date"] == ["2027-01-04 is already in this work center's calendar."]
    assert WorkCenter.objects.filter(company=w.company).count() == 2
    assert not WorkCenterHoliday.objects.exists()


def test_api_scope_and_permissions(w):
    far = other_company_work_center()
    outsider = UserFactory(username="far-planner", company=far.company, roles=["Production"], language="en")

    assert api_as(w.planner).get(f"{API}{far.pk}/").status_code == 404
    assert api_as(outsider).get(API).json()["results"][0]["code"] == "FAR"
    assert api_as(w.outsider).get(API).status_code == 403
    assert api_as(w.keeper).post(API, {"code": "K", "name": "K"}, format="json").status_code == 403
    delete = api_as(w.planner).delete(f"{API}{w.frame_shop.pk}/")
    assert delete.status_code == 409
