"""Capacity load with figures worked out by hand. The world's WELD works 16 h a day Monday to Friday at
80 % efficiency, ASSY 8 h at 100 %; R-FRAME is one operation at WELD (setup 60 min, 90 min a frame),
R-BIKE one at ASSY (setup 30 min, 45 min a bike).

A released work order of 10 frames: (60 + 90 × 10) / 60 / 0.8 = 20 h on WELD's first working day from
its start, against 16 h: overloaded (125 %)."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from production import status as st
from production.models import MrpRun, PlannedOrder, Routing, RoutingOperation, WorkOrder
from production.selectors.capacity import capacity_load
from production.services import engineering as services
from tests.conftest import warm_permissions
from tests.production.conftest import D
from tests.production.engineering_helpers import api_as, english

pytestmark = pytest.mark.django_db


@pytest.fixture
def w(prod):
    return english(prod)
MONDAY = datetime.date(2027, 1, 4)
SUNDAY = MONDAY + datetime.timedelta(days=13)  # two weeks


def day(n):
    return MONDAY + datetime.timedelta(days=n)


def work_order(w, item, quantity, start=MONDAY, status=st.WorkOrderStatus.RELEASED, completed="0", **fields):
    return WorkOrder.objects.create(company=w.company, item=item, warehouse=w.wh, quantity=D(quantity),
                                    completed_quantity=D(completed), start_date=start,
                                    due_date=start + datetime.timedelta(days=20), status=status, **fields)


def mrp_run(w, status=st.MrpRunStatus.DONE):
    return MrpRun.objects.create(company=w.company, as_of=MONDAY, status=status)


def planned(run, item, quantity, release=MONDAY, kind=st.PlannedOrderKind.MAKE, **fields):
    return PlannedOrder.objects.create(run=run, item=item, kind=kind, quantity=D(quantity), release_date=release,
                                       due_date=release + datetime.timedelta(days=3), **fields)


def load_of(w, code="WELD", **kwargs):
    kwargs.setdefault("date_from", MONDAY)
    kwargs.setdefault("date_to", SUNDAY)
    kwargs.setdefault("as_of", MONDAY)
    result = capacity_load(w.planner, **kwargs)
    return next(row for row in result.rows if row.work_center.code == code), result


def loaded_days(row):
    return [(d.date, d.load) for d in row.days if d.load]


def test_ten_frames_load_weld_for_20_hours_and_overload_the_day(w):
    work_order(w, w.frame, "10", routing=w.frame_routing)

    row, _result = load_of(w)

    monday = row.days[0]
    assert (monday.date, monday.capacity, monday.load, monday.percent, monday.overloaded) == (
        MONDAY, D("16"), D("20"), D("125.0"), True)
    assert loaded_days(row) == [(MONDAY, D("20"))]
    assert row.overloaded_days == 1
    assert (row.weeks[0].capacity, row.weeks[0].load, row.weeks[0].overloaded) == (D("80"), D("20"), False)


def test_in_progress_orders_load_their_remaining_quantity_and_others_nothing(w):
    work_order(w, w.frame, "10", completed="6", status=st.WorkOrderStatus.IN_PROGRESS, routing=w.frame_routing)
    for status in (st.WorkOrderStatus.DRAFT, st.WorkOrderStatus.COMPLETED, st.WorkOrderStatus.CANCELLED):
        work_order(w, w.frame, "10", status=status, routing=w.frame_routing)

    row, result = load_of(w)

    assert loaded_days(row) == [(MONDAY, D("8.75"))]  # (60 + 90 × 4) / 60 / 0.8
    assert result.work_orders == 1


def test_operations_follow_each_other_on_their_work_centers_working_days(w):
    # Weld on Friday, then assemble: ASSY is closed on Friday (a holiday), so assembly falls on Monday.
    routing = services.routing_save(company=w.company, code="R-FRAME2", name="Frame and fit", item=w.frame,
                                    operations=[
                                        {"sequence": 10, "name": "Weld", "work_center": w.frame_shop,
                                         "setup_minutes": D("60"), "run_minutes": D("90")},
                                        {"sequence": 20, "name": "Fit", "work_center": w.assembly,
                                         "setup_minutes": D("12"), "run_minutes": D("6")}])
    services.holiday_save(work_center=w.assembly, date=day(4), name="Closed")
    work_order(w, w.frame, "2", start=day(4), routing=routing)
    # Started on a Saturday: WELD does not work weekends, so its welding falls on Monday of week 2.
    work_order(w, w.frame, "1", start=day(5), routing=w.frame_routing)

    weld, _result = load_of(w)
    fit, _result = load_of(w, "ASSY")

    assert loaded_days(weld) == [(day(4), D("5")), (day(7), D("3.125"))]  # (60 + 180) / 48; 150 / 48
    assert loaded_days(fit) == [(day(7), D("0.4"))]  # (12 + 12) / 60
    assert [d.capacity for d in fit.days[3:8]] == [D("8"), D("0"), D("0"), D("0"), D("8")]


def test_the_routing_comes_from_the_order_its_bom_or_the_item(w):
    routing = Routing.objects.create(company=w.company, code="R-FRAME-ALT", name="Alt", item=w.frame)
    RoutingOperation.objects.create(routing=routing, sequence=10, name="Alt", work_center=w.assembly,
                                    run_minutes=D("60"))
    work_order(w, w.frame, "1", routing=routing)  # its own routing: 1 h at ASSY
    work_order(w, w.frame, "2", bom=w.frame_bom)  # its BOM's routing R-FRAME: (60 + 180) / 48 = 5 h
    work_order(w, w.frame, "3")  # nothing named: the default BOM's routing R-FRAME: (60 + 270) / 48 = 6.875 h
    work_order(w, w.wheel, "5")  # no routing anywhere: no load

    weld, _result = load_of(w)
    assembly, _result = load_of(w, "ASSY")

    assert loaded_days(weld) == [(MONDAY, D("11.875"))]
    assert loaded_days(assembly) == [(MONDAY, D("1"))]


def test_the_latest_finished_mrp_runs_unfirmed_make_orders_load_too(w):
    older = mrp_run(w)
    planned(older, w.bike, "100", bom=w.bike_bom)  # an older run: ignored
    run = mrp_run(w)
    planned(run, w.bike, "4", release=day(1), bom=w.bike_bom)  # (30 + 180) / 60 = 3.5 h at ASSY on Tuesday
    planned(run, w.bike, "8", release=day(1), bom=w.bike_bom, firmed_at=timezone.now())  # firmed: a work order now
    planned(run, w.tube, "50", kind=st.PlannedOrderKind.BUY)  # bought: no load
    planned(run, w.frame, "2", release=day(2))  # no BOM on the order: the item's default BOM's routing
    mrp_run(w, status=st.MrpRunStatus.FAILED)  # newer but failed: not used

    assembly, result = load_of(w, "ASSY")
    weld, _result = load_of(w)

    assert loaded_days(assembly) == [(day(1), D("3.5"))]
    assert loaded_days(weld) == [(day(2), D("5"))]
    assert (result.mrp_run, result.planned_orders) == (run, 2)


def test_work_that_should_have_started_is_loaded_from_the_as_of_day(w):
    work_order(w, w.frame, "10", start=MONDAY - datetime.timedelta(days=10), routing=w.frame_routing)

    row, _result = load_of(w, as_of=day(1))

    assert loaded_days(row) == [(day(1), D("20"))]


def test_load_after_the_last_day_is_not_shown_and_weeks_sum_the_days(w):
    work_order(w, w.frame, "10", routing=w.frame_routing)
    work_order(w, w.frame, "1", start=day(8), routing=w.frame_routing)
    work_order(w, w.frame, "1", start=day(30), routing=w.frame_routing)

    row, result = load_of(w)

    assert [(wk.start, wk.capacity, wk.load, wk.percent, wk.overloaded_days) for wk in row.weeks] == [
        (MONDAY, D("80"), D("20"), D("25.0"), 1), (day(7), D("80"), D("3.125"), D("3.9"), 0)]
    assert result.days[0] == MONDAY and result.days[-1] == SUNDAY


def test_the_query_count_does_not_grow_with_orders(w):
    work_order(w, w.frame, "1", routing=w.frame_routing)
    work_order(w, w.bike, "1")  # its routing found through the item's default BOM
    run = mrp_run(w)
    planned(run, w.bike, "1", bom=w.bike_bom)
    with CaptureQueriesContext(connection) as few:
        load_of(w)
    for n in range(15):
        work_order(w, w.frame, "1", start=day(n % 10), routing=w.frame_routing)
        work_order(w, w.bike, "2", start=day(n % 10))
        planned(run, w.frame, "3", release=day(n % 12))
    with CaptureQueriesContext(connection) as many:
        load_of(w, date_to=SUNDAY + datetime.timedelta(days=60))

    assert len(many.captured_queries) == len(few.captured_queries)


# Screen and API --------------------------------------------------------------------------------


def test_the_screen_needs_the_permissions(w, client):
    assert client.get("/production/capacity/").status_code == 302
    client.force_login(w.outsider)
    assert client.get("/production/capacity/").status_code == 403
    client.force_login(w.keeper)
    assert client.get("/production/capacity/").status_code == 200


def test_the_screen_shows_the_table_chart_and_exports(w, client):
    work_order(w, w.frame, "10", routing=w.frame_routing, start=timezone.localdate())
    client.force_login(w.planner)
    today = timezone.localdate().isoformat()

    page = client.get("/production/capacity/", {"work_center": str(w.frame_shop.pk), "date_from": today,
                                                "weeks": "1"})
    weekly = client.get("/production/capacity/", {"date_from": today, "weeks": "2", "by": "week"})
    csv = client.get("/production/capacity/", {"work_center": str(w.frame_shop.pk), "date_from": today,
                                               "weeks": "1", "export": "csv"})

    assert page.status_code == 200
    assert [r.work_center.code for r in page.context["load"].rows] == ["WELD"]
    chart = page.context["chart"]["charts"][0]
    assert (chart["code"], len(chart["labels"]), sum(chart["load"])) == ("WELD", 7, 20.0)
    assert "vendor/chartjs-4.5.1/chart.umd.min.js" in page.content.decode()
    assert [r.work_center.code for r in weekly.context["load"].rows] == ["ASSY", "WELD"]
    assert len(weekly.context["chart"]["charts"][1]["labels"]) in (2, 3)
    lines = csv.content.decode("utf-8-sig").splitlines()
    assert lines[0] == "Work center,Date,Capacity (hours),Load (hours),Load %,Operations,Overloaded"
    assert len(lines) == 8
    assert sum(D(line.split(",")[3]) for line in lines[1:]) == D("20")


def test_the_screen_query_count_does_not_grow_with_orders(w, client):
    client.force_login(w.planner)
    warm_permissions(w.planner)
    work_order(w, w.frame, "1", start=timezone.localdate(), routing=w.frame_routing)
    client.get("/production/capacity/")
    with CaptureQueriesContext(connection) as few:
        client.get("/production/capacity/")
    for n in range(10):
        work_order(w, w.frame, "1", start=timezone.localdate() + datetime.timedelta(days=n), routing=w.frame_routing)
    with CaptureQueriesContext(connection) as many:
        client.get("/production/capacity/")

    assert len(many.captured_queries) == len(few.captured_queries)


def test_api_gives_the_load_per_day_and_week(w):
    start = timezone.localdate()
    work_order(w, w.frame, "10", routing=w.frame_routing, start=start)
    first_working = start
    while first_working.weekday() > 4:
        first_working += datetime.timedelta(days=1)

    response = api_as(w.planner).get("/api/production/capacity/", {
        "from": start.isoformat(), "to": (start + datetime.timedelta(days=6)).isoformat(), "work_center": "weld"})

    assert response.status_code == 200
    [row] = response.json()
    assert (row["id"], row["work_center"], row["load"], len(row["days"])) == (w.frame_shop.pk, "WELD", "20.0000", 7)
    loaded = [d for d in row["days"] if d["load"] != "0"]
    assert loaded == [{"date": first_working.isoformat(), "capacity": "16.0000", "load": "20.0000",
                       "percent": "125.0", "overloaded": True}]


def test_api_bad_parameters_are_400(w):
    client = api_as(w.planner)
    with translation.override("en"):
        backwards = client.get("/api/production/capacity/", {"from": "2027-01-10", "to": "2027-01-01"})
        too_long = client.get("/api/production/capacity/", {"from": "2027-01-01", "to": "2028-06-01"})
        unknown = client.get("/api/production/capacity/", {"work_center": "NOPE"})
        bad_date = client.get("/api/production/capacity/", {"from": "soon"})

    assert (backwards.status_code, backwards.json()) == (400, {"to": ["The last day is before the first."]})
    assert (too_long.status_code, too_long.json()) == (400, {"to": ["Ask for at most 366 days."]})
    assert (unknown.status_code, unknown.json()) == (400, {"work_center": ["No work center NOPE."]})
    assert bad_date.status_code == 400


def test_api_needs_the_permissions(w):
    assert api_as(w.outsider).get("/api/production/capacity/").status_code == 403
    assert api_as(w.keeper).get("/api/production/capacity/").status_code == 200
