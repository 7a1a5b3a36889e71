"""Routings with their operations: saved in one go by the service (unique sequences, times not
negative, no operation put at an inactive work center; a refusal saves nothing), the hours an
operation takes, the screens (operations formset, the refusal beside its line) and
/api/production/routings/."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from erp.errors import DomainError
from production.models import Routing, RoutingOperation
from production.selectors import engineering as selectors
from production.services import engineering as services
from tests.conftest import warm_permissions
from tests.factories import CompanyFactory
from tests.production.conftest import D
from tests.production.engineering_helpers import api_as, english, login

pytestmark = pytest.mark.django_db


@pytest.fixture
def w(prod):
    return english(prod)
API = "/api/production/routings/"


def wheel_operations(w, **second):
    return [{"sequence": 10, "name": "Lacing", "work_center": w.assembly, "setup_minutes": D("15"),
             "run_minutes": D("12")},
            {"sequence": 20, "name": "Truing", "work_center": w.assembly, "setup_minutes": D("0"),
             "run_minutes": D("6"), **second}]


def stored(routing):
    return list(routing.operations.order_by("sequence").values_list("sequence", "name", "work_center__code",
                                                                       "setup_minutes", "run_minutes"))


# Hours -------------------------------------------------------------------------------------------


def test_operation_hours_divide_by_the_efficiency(w):
    weld = w.frame_routing.operations.get()  # 60 min setup, 90 min per frame at WELD (80 %)
    assemble = w.bike_routing.operations.get()  # 30 min setup, 45 min per bike at ASSY (100 %)

    assert selectors.routing_operation_hours(weld, D("10")) == D("20")  # (60 + 900) / 60 / 0.8
    assert selectors.routing_operation_hours(weld, D("1")) == D("3.125")  # 150 / 60 / 0.8
    assert selectors.routing_operation_hours(assemble, D("4")) == D("3.5")  # (30 + 180) / 60


# Service -----------------------------------------------------------------------------------------


def test_a_routing_is_saved_with_its_operations(w):
    routing = services.routing_save(company=w.company, actor=w.planner, code="r-wheel", name="Wheel building",
                                    item=w.wheel, operations=wheel_operations(w))

    assert (routing.code, routing.item_id) == ("R-WHEEL", w.wheel.pk)
    assert stored(routing) == [(10, "Lacing", "ASSY", D("15"), D("12")), (20, "Truing", "ASSY", D("0"), D("6"))]


def test_operations_are_changed_added_removed_and_renumbered_in_one_go(w):
    routing = services.routing_save(company=w.company, code="R-WHEEL", name="Wheel", item=w.wheel,
                                    operations=wheel_operations(w))
    lacing, truing = routing.operations.order_by("sequence")

    services.routing_save(company=w.company, routing=routing, actor=w.planner, operations=[
        {"id": truing.pk, "sequence": 10, "name": "Truing", "work_center": w.assembly, "run_minutes": D("5")},
        {"id": lacing.pk, "sequence": 20, "name": "Lacing", "work_center": w.frame_shop, "setup_minutes": D("15"),
         "run_minutes": D("12")},
        {"sequence": 30, "name": "Check", "work_center": w.assembly, "run_minutes": D("1")},
    ])

    assert stored(routing) == [(10, "Truing", "ASSY", D("0"), D("5")), (20, "Lacing", "WELD", D("15"), D("12")),
                               (30, "Check", "ASSY", D("0"), D("1"))]
    assert set(routing.operations.values_list("pk", flat=True)) >= {lacing.pk, truing.pk}


@pytest.mark.parametrize(("second", "line_field", "message"), [
    ({"sequence": 10}, "sequence", "Operation line 2: sequence 10 is used by another operation."),
    ({"run_minutes": D("-1")}, "run_minutes", "Operation line 2: times must not be negative."),
    ({"setup_minutes": D("-0.5")}, "setup_minutes", "Operation line 2: times must not be negative."),
    ({"name": " "}, "name", "Operation line 2: give the operation a name."),
])
def test_a_bad_operation_is_refused_naming_its_line_and_nothing_is_saved(w, second, line_field, message):
    with translation.override("en"), pytest.raises(services.OperationRefused) as refused:
        services.routing_save(company=w.company, code="R-WHEEL", name="Wheel", item=w.wheel,
                              operations=wheel_operations(w, **second))

    assert (refused.value.index, refused.value.line_field, refused.value.field) == (1, line_field, "operations")
    assert str(refused.value.message) == message
    assert not Routing.objects.filter(code="R-WHEEL").exists()


def test_an_operation_at_an_inactive_work_center_is_refused_and_nothing_is_saved(w):
    services.work_center_deactivate(work_center=w.frame_shop)

    with translation.override("en"), pytest.raises(services.OperationRefused) as refused:
        services.routing_save(company=w.company, routing=w.bike_routing, name="Changed", operations=[
            {"id": w.bike_routing.operations.get().pk, "sequence": 10, "name": "組裝", "work_center": w.assembly},
            {"sequence": 20, "name": "Weld the stand", "work_center": w.frame_shop}])

    assert str(refused.value.message) == ("Operation line 2: work center WELD is inactive: choose an active "
                                          "work center.")
    w.bike_routing.refresh_from_db()
    assert w.bike_routing.name == "自行車組裝"
    assert stored(w.bike_routing) == [(10, "組裝", "ASSY", D("30"), D("45"))]


def test_an_operation_already_at_an_inactive_work_center_may_stay(w):
    services.work_center_deactivate(work_center=w.frame_shop)
    weld = w.frame_routing.operations.get()

    services.routing_save(company=w.company, routing=w.frame_routing, name="Frame welding", operations=[
        {"id": weld.pk, "sequence": 10, "name": "焊接", "work_center": w.frame_shop, "setup_minutes": D("50"),
         "run_minutes": D("90")}])

    assert stored(w.frame_routing) == [(10, "焊接", "WELD", D("50"), D("90"))]


def test_a_taken_code_and_another_companys_work_center_are_refused(w):
    other = CompanyFactory(code="OTHER", name="Other Co")
    far = services.work_center_create(company=other, code="FAR", name="Far")

    with translation.override("en"), pytest.raises(DomainError) as taken:
        services.routing_save(company=w.company, code="r-bike", name="Again", item=w.bike, operations=[])
    with translation.override("en"), pytest.raises(services.OperationRefused) as foreign:
        services.routing_save(company=w.company, code="R-NEW", name="New", item=w.bike, operations=[
            {"sequence": 10, "name": "X", "work_center": far}])

    assert (taken.value.field, str(taken.value.message)) == ("code", "The code R-BIKE is already used by another "
                                                                     "routing.")
    assert foreign.value.line_field == "work_center"
    assert Routing.objects.filter(company=w.company).count() == 2


# Screens -----------------------------------------------------------------------------------------


def formset_post(rows, initial=0, **fields):
    data = {"code": "R-WHEEL", "name": "Wheel building", "item": "", "notes": "",
            "operations-TOTAL_FORMS": str(len(rows)), "operations-INITIAL_FORMS": str(initial),
            "operations-MIN_NUM_FORMS": "0", "operations-MAX_NUM_FORMS": "200"}
    data.update(fields)
    for n, row in enumerate(rows):
        for key, value in row.items():
            data[f"operations-{n}-{key}"] = value
    return data


def test_screens_need_a_login_and_the_permission(w, client):
    urls = ["/production/routings/", "/production/routings/new/", f"/production/routings/{w.bike_routing.pk}/",
            f"/production/routings/{w.bike_routing.pk}/edit/"]
    for url in urls:
        assert client.get(url).status_code == 302, url
    login(client, w.outsider)
    for url in urls:
        assert client.get(url).status_code == 403, url
    login(client, w.planner)
    for url in urls:
        assert client.get(url).status_code == 200, url
    login(client, w.keeper)
    assert client.get(urls[2]).status_code == 200
    assert client.get(urls[3]).status_code == 403


def test_create_a_routing_through_the_screen(w, client):
    data = formset_post([
        {"sequence": "10", "name": "Lacing", "work_center": str(w.assembly.pk), "setup_minutes": "15",
         "run_minutes": "12"},
        {"sequence": "", "name": "", "work_center": "", "setup_minutes": "", "run_minutes": ""},
    ], item=str(w.wheel.pk))

    response = login(client, w.planner).post("/production/routings/new/", data)

    routing = Routing.objects.get(code="R-WHEEL")
    assert response.status_code == 302 and response.url == f"/production/routings/{routing.pk}/"
    assert stored(routing) == [(10, "Lacing", "ASSY", D("15"), D("12"))]


def test_an_inactive_work_center_is_refused_beside_its_line(w, client):
    services.work_center_deactivate(work_center=w.frame_shop)
    data = formset_post([
        {"sequence": "10", "name": "Lacing", "work_center": str(w.assembly.pk), "run_minutes": "12"},
        {"sequence": "20", "name": "Weld", "work_center": str(w.frame_shop.pk), "run_minutes": "1"},
    ], item=str(w.wheel.pk))

    response = login(client, w.planner).post("/production/routings/new/", data)

    assert response.status_code == 200
    forms = response.context["formset"].forms
    assert forms[0].errors == {}
    assert forms[1].errors == {"work_center": ["work center WELD is inactive: choose an active work center."]}
    assert not Routing.objects.filter(code="R-WHEEL").exists()


def test_edit_renumbers_and_removes_operations_through_the_screen(w, client):
    routing = services.routing_save(company=w.company, code="R-WHEEL", name="Wheel", item=w.wheel,
                                    operations=wheel_operations(w))
    lacing, truing = routing.operations.order_by("sequence")
    data = formset_post([
        {"id": str(lacing.pk), "sequence": "10", "name": "Lacing", "work_center": str(w.assembly.pk),
         "setup_minutes": "15", "run_minutes": "12", "DELETE": "on"},
        {"id": str(truing.pk), "sequence": "5", "name": "Truing", "work_center": str(w.assembly.pk),
         "run_minutes": "6"},
    ], initial=2, item=str(w.wheel.pk), is_active="on")

    response = login(client, w.planner).post(f"/production/routings/{routing.pk}/edit/", data)

    assert response.status_code == 302
    assert stored(routing) == [(5, "Truing", "ASSY", D("0"), D("6"))]


def test_a_duplicate_sequence_is_shown_beside_the_second_line(w, client):
    data = formset_post([
        {"sequence": "10", "name": "A", "work_center": str(w.assembly.pk)},
        {"sequence": "10", "name": "B", "work_center": str(w.assembly.pk)},
    ], item=str(w.wheel.pk))

    response = login(client, w.planner).post("/production/routings/new/", data)

    assert response.context["formset"].forms[1].errors == {"sequence": ["sequence 10 is used by another operation."]}
    assert not Routing.objects.filter(code="R-WHEEL").exists()


def test_the_detail_shows_hours_for_a_quantity(w, client):
    response = login(client, w.planner).get(f"/production/routings/{w.frame_routing.pk}/", {"quantity": "10"})

    assert [op.hours for op in response.context["operations"]] == [D("20")]
    assert response.context["total_hours"] == D("20")


def test_the_list_filters_exports_and_keeps_its_query_count(w, client):
    login(client, w.planner)
    warm_permissions(w.planner)
    by_center = client.get("/production/routings/", {"work_center": str(w.frame_shop.pk)})
    by_item = client.get("/production/routings/", {"item": "bike"})
    csv = client.get("/production/routings/", {"export": "csv"})
    with CaptureQueriesContext(connection) as few:
        client.get("/production/routings/")
    for n in range(8):
        services.routing_save(company=w.company, code=f"R{n}", name=f"R {n}", item=w.wheel,
                              operations=wheel_operations(w))
    with CaptureQueriesContext(connection) as many:
        response = client.get("/production/routings/")

    assert [r.code for r in by_center.context["page"]] == ["R-FRAME"]
    assert [r.code for r in by_item.context["page"]] == ["R-BIKE"]
    assert csv.content.decode("utf-8-sig").splitlines()[1] == "R-BIKE,自行車組裝,BIKE,自行車,1,Yes"
    assert len(response.context["page"]) == 10
    assert len(many.captured_queries) == len(few.captured_queries)


# API ---------------------------------------------------------------------------------------------


def test_api_lists_routings_with_their_operations(w):
    rows = api_as(w.planner).get(API, {"item": "FRAME"}).json()["results"]

    assert rows == [{"id": w.frame_routing.pk, "code": "R-FRAME", "name": "車架焊接", "item": "FRAME", "notes": "",
                     "is_active": True, "operations": [
                         {"id": w.frame_routing.operations.get().pk, "sequence": 10, "name": "焊接",
                          "work_center": "WELD", "setup_minutes": "60.00", "run_minutes": "90.0000",
                          "instructions": ""}]}]


def test_api_creates_and_updates_a_routing_with_operations(w):
    client = api_as(w.planner)
    created = client.post(API, {"code": "r-wheel", "name": "Wheel", "item": "WHEEL", "operations": [
        {"sequence": 10, "name": "Lacing", "work_center": "ASSY", "setup_minutes": "15", "run_minutes": "12"}]},
        format="json")
    body = created.json()
    renamed = client.patch(f"{API}{body['id']}/", {"name": "Wheel building"}, format="json")
    replaced = client.patch(f"{API}{body['id']}/", {"operations": [
        {"id": body["operations"][0]["id"], "sequence": 20, "name": "Lacing", "work_center": "ASSY"},
        {"sequence": 30, "name": "Truing", "work_center": "WELD", "run_minutes": "6"}]}, format="json")

    assert created.status_code == 201 and body["code"] == "R-WHEEL"
    assert (renamed.status_code, len(renamed.json()["operations"])) == (200, 1)
    assert replaced.status_code == 200
    routing = Routing.objects.get(code="R-WHEEL")
    assert stored(routing) == [(20, "Lacing", "ASSY", D("0"), D("0")), (30, "Truing", "WELD", D("0"), D("6"))]


def test_api_refuses_an_inactive_work_center_on_its_line_with_400(w):
    services.work_center_deactivate(work_center=w.frame_shop)

    response = api_as(w.planner).post(API, {"code": "R-WHEEL", "name": "Wheel", "item": "WHEEL", "operations": [
        {"sequence": 10, "name": "Lacing", "work_center": "ASSY"},
        {"sequence": 20, "name": "Weld", "work_center": "WELD"}]}, format="json")

    assert response.status_code == 400
    assert response.json() == {"operations": [{}, {"work_center": [
        "work center WELD is inactive: choose an active work center."]}]}
    assert not Routing.objects.filter(code="R-WHEEL").exists()
    assert RoutingOperation.objects.count() == 2


def test_api_scope_and_permissions(w):
    assert api_as(w.outsider).get(API).status_code == 403
    assert api_as(w.keeper).get(API).status_code == 200
    assert api_as(w.keeper).patch(f"{API}{w.bike_routing.pk}/", {"name": "x"}, format="json").status_code == 403
    assert api_as(w.planner).delete(f"{API}{w.bike_routing.pk}/").status_code == 409
