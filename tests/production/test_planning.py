"""MRP runs around the engine: starting a run (one at a time per company, the task queued after commit),
the task (idempotent, progress, done or failed), runs left behind by a dead worker, the screens (runs,
detail with progress, compare, planned orders, MRP record, exceptions, the production home page) and
the API. The engine's output is written straight to the tables here (its own tests are the mrp
branch's); one test runs the real engine and is skipped while it is not there."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from production import status as st
from production.models import MrpException, MrpItemPlan, MrpRecord, MrpRun, PlannedOrder, PlannedOrderPeg
from production.services import runs
from tests.production.conftest import D

DAY = datetime.timedelta(days=1)


# Helpers (module-level, taking the world) ---------------------------------------------------------------


def english(*users):
    for user in users:
        user.language = "en"
        user.save(update_fields=["language"])
    return users[0]


def make_run(prod, *, status=st.MrpRunStatus.DONE, as_of=None, counts=None, inputs=None, **fields):
    """A run as the engine leaves it (its rows are added with planned() and friends)."""
    fields.setdefault("progress", 100 if status == st.MrpRunStatus.DONE else 0)
    fields.setdefault("finished_at", timezone.now() if status == st.MrpRunStatus.DONE else None)
    return MrpRun.objects.create(company=prod.company, as_of=as_of or prod.today, status=status,
                                 counts=counts if counts is not None else {"planned_orders": 0},
                                 inputs=inputs if inputs is not None else {"items": 6},
                                 created_by=prod.planner, **fields)


def planned(prod, run, item, quantity, *, due=None, release=None, kind=None, late=False, bom=None):
    kind = kind or (st.PlannedOrderKind.MAKE if item.procurement == "make" else st.PlannedOrderKind.BUY)
    due = due or prod.in_a_week
    release = release or due - datetime.timedelta(days=item.lead_time_days)
    if kind == st.PlannedOrderKind.MAKE and bom is None:
        bom = {prod.bike.pk: prod.bike_bom, prod.wheel.pk: prod.wheel_bom, prod.frame.pk: prod.frame_bom}.get(item.pk)
    return PlannedOrder.objects.create(run=run, item=item, kind=kind, quantity=D(quantity), due_date=due,
                                       release_date=release, is_late=late, bom=bom)


def peg(order, quantity, need=None, **target):
    return PlannedOrderPeg.objects.create(planned_order=order, quantity=D(quantity),
                                          need_date=need or order.due_date, **target)


def item_plan(prod, run, item, **fields):
    values = {"low_level_code": 0, "procurement": item.procurement, "on_hand": D("0"), "safety_stock": D("0"),
              "lead_time_days": item.lead_time_days, "lot_rule": "lot for lot", **fields}
    return MrpItemPlan.objects.create(run=run, item=item, **values)


def record_day(run, item, date, **figures):
    return MrpRecord.objects.create(run=run, item=item, date=date, **{k: D(v) for k, v in figures.items()})


def exception(prod, run, item, kind=st.MrpExceptionKind.LATE_RELEASE, **fields):
    return MrpException.objects.create(run=run, item=item, kind=kind, date=fields.pop("date", prod.today), **fields)


def bike_run(prod, **fields):
    """A finished run: a bike work order for a sales order line, two wheels for it, rims bought for
    the wheels (one late), an exception."""
    run = make_run(prod, counts={"planned_orders": 3, "exceptions": 1}, **fields)
    order = prod.sales_order([{"item": prod.bike, "quantity": D("2")}])
    order.refresh_from_db()
    line = order.lines.get()
    bike = planned(prod, run, prod.bike, "2")
    peg(bike, "2", sales_order_line=line)
    wheels = planned(prod, run, prod.wheel, "4", due=prod.in_a_week - 3 * DAY)
    peg(wheels, "4", parent=bike)
    rims = planned(prod, run, prod.rim, "4", due=prod.in_a_week - 5 * DAY, release=prod.today - DAY, late=True)
    peg(rims, "4", parent=wheels)
    item_plan(prod, run, prod.bike, on_hand=D("1"), safety_stock=D("1"))
    record_day(run, prod.bike, prod.in_a_week, gross="3", projected="-2", net="2", planned_receipt="2")
    record_day(run, prod.bike, prod.in_a_week - 3 * DAY, planned_release="2")
    exception(prod, run, prod.rim, planned_order=rims, reference=f"PO#{rims.pk}")
    return run, {"bike": bike, "wheels": wheels, "rims": rims, "line": line, "order": order}


# Starting a run ------------------------------------------------------------------------------------------


def test_a_started_run_is_queued_and_its_task_goes_out_after_the_commit(prod, monkeypatch,
                                                                        django_capture_on_commit_callbacks):
    queued = []
    monkeypatch.setattr("production.tasks.mrp_run_task.delay", queued.append)

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        run = runs.mrp_run_start(company=prod.company, actor=prod.planner, horizon_days=30)
        assert queued == []  # nothing is queued inside the transaction
    for callback in callbacks:
        callback()

    run.refresh_from_db()
    assert (run.status, run.as_of, run.horizon_days, run.created_by, run.progress) == (
        "queued", prod.today, 30, prod.planner, 0)
    assert queued == [run.pk]


def test_a_second_run_is_refused_while_one_is_queued_or_running(prod):
    busy = make_run(prod, status=st.MrpRunStatus.RUNNING, started_at=timezone.now())

    with translation.override("en"), pytest.raises(runs.DomainError) as refused:
        runs.mrp_run_start(company=prod.company, actor=prod.planner)

    assert str(refused.value.message) == (f"MRP run #{busy.pk} is still running: wait until it ends before starting "
                                          "another.")
    assert MrpRun.objects.count() == 1


@pytest.mark.parametrize("horizon", [0, 731, None])
def test_a_horizon_out_of_range_is_refused_and_nothing_is_written(prod, horizon):
    with translation.override("en"), pytest.raises(runs.DomainError) as refused:
        runs.mrp_run_start(company=prod.company, actor=prod.planner, horizon_days=horizon)

    assert (refused.value.field, str(refused.value.message)) == (
        "horizon_days", "The horizon must be between 1 and 730 days.")
    assert not MrpRun.objects.exists()


# The task ----------------------------------------------------------------------------------------------


def test_the_task_runs_a_queued_run_reports_progress_and_ends_done(prod, monkeypatch):
    run = make_run(prod, status=st.MrpRunStatus.QUEUED, counts={}, inputs={})
    seen = []

    def engine(*, run, progress):
        progress(40, "Netting level 1")
        seen.append(MrpRun.objects.values_list("status", "progress", "step").get(pk=run.pk))
        progress(20, "backwards is ignored")
        seen.append(MrpRun.objects.values_list("progress", "step").get(pk=run.pk))
        return {"items": 6, "sales_order_lines": 1}, {"planned_orders": 3}

    monkeypatch.setattr("production.services.mrp.mrp_run_execute", engine)
    from production.tasks import mrp_run_task

    assert mrp_run_task(run.pk) == "done"

    run.refresh_from_db()
    assert seen == [("running", 40, "Netting level 1"), (40, "Netting level 1")]
    assert (run.status, run.progress, run.step, run.inputs, run.counts, run.error) == (
        "done", 100, "", {"items": 6, "sales_order_lines": 1}, {"planned_orders": 3}, "")
    assert run.started_at is not None and run.finished_at >= run.started_at


def test_the_task_skips_a_run_that_is_not_queued(prod, monkeypatch):
    calls = []
    monkeypatch.setattr("production.services.mrp.mrp_run_execute", lambda **kw: calls.append(kw))
    done = make_run(prod)
    running = make_run(prod, status=st.MrpRunStatus.RUNNING, started_at=timezone.now())

    assert runs.mrp_run_perform(run_id=done.pk) == "skipped"
    assert runs.mrp_run_perform(run_id=running.pk) == "skipped"
    assert runs.mrp_run_perform(run_id=999999) == "skipped"
    assert calls == []
    assert MrpRun.objects.get(pk=done.pk).status == "done"


def test_a_failing_engine_ends_the_run_failed_with_its_error_and_removes_what_it_wrote(prod, monkeypatch, caplog):
    run = make_run(prod, status=st.MrpRunStatus.QUEUED, counts={}, inputs={})

    def engine(*, run, progress):
        planned(prod, run, prod.rim, "10")
        progress(50, "Buying")
        raise ValueError("a BOM loops back on itself")

    monkeypatch.setattr("production.services.mrp.mrp_run_execute", engine)

    assert runs.mrp_run_perform(run_id=run.pk) == "failed"

    run.refresh_from_db()
    assert (run.status, run.progress) == ("failed", 50)
    assert run.error.startswith("ValueError: a BOM loops back on itself\n")
    assert run.finished_at is not None
    assert not PlannedOrder.objects.filter(run=run).exists()
    assert f"MRP run {run.pk} failed" in caplog.text


def test_a_run_marked_failed_while_running_keeps_failed_when_the_engine_ends(prod, monkeypatch):
    run = make_run(prod, status=st.MrpRunStatus.QUEUED, counts={}, inputs={})

    def engine(*, run, progress):
        planned(prod, run, prod.rim, "10")
        MrpRun.objects.filter(pk=run.pk).update(status="failed", error="marked")  # a planner gave up on it
        progress(90, "late news")
        return {}, {"planned_orders": 1}

    monkeypatch.setattr("production.services.mrp.mrp_run_execute", engine)

    assert runs.mrp_run_perform(run_id=run.pk) == "failed"
    run.refresh_from_db()
    assert (run.status, run.error, run.progress, run.counts) == ("failed", "marked", 0, {})
    assert not PlannedOrder.objects.filter(run=run).exists()


def test_the_real_engine_runs_a_run_to_the_end(prod):
    from production.services import mrp

    try:
        mrp.mrp_run_execute(run=make_run(prod, status=st.MrpRunStatus.RUNNING), progress=None)
    except NotImplementedError:
        pytest.skip("the MRP engine (branch mrp) is not merged yet")
    except Exception:  # noqa: BLE001  (the engine is there: the test below is what matters)
        pass
    MrpRun.objects.all().delete()
    prod.sales_order([{"item": prod.bike, "quantity": D("2")}])
    run = runs.mrp_run_start(company=prod.company, actor=prod.planner)

    assert runs.mrp_run_perform(run_id=run.pk) == "done"
    run.refresh_from_db()
    assert (run.status, run.progress) == ("done", 100)
    assert run.counts and PlannedOrder.objects.filter(run=run, item=prod.bike).exists()


# Runs left behind -----------------------------------------------------------------------------------------


def test_a_planner_marks_a_run_failed_only_once_it_has_been_running_a_while(prod):
    english(prod.planner)
    recent = make_run(prod, status=st.MrpRunStatus.RUNNING, started_at=timezone.now() - datetime.timedelta(minutes=3))
    planned(prod, recent, prod.rim, "5")

    with translation.override("en"), pytest.raises(runs.DomainError) as refused:
        runs.mrp_run_mark_failed(run=recent, actor=prod.planner)
    assert str(refused.value.message) == ("This run started less than 10 minutes ago: give it time before marking it "
                                          "failed.")
    assert MrpRun.objects.get(pk=recent.pk).status == "running"

    MrpRun.objects.filter(pk=recent.pk).update(started_at=timezone.now() - datetime.timedelta(minutes=11))
    with translation.override("en"):
        runs.mrp_run_mark_failed(run=recent, actor=prod.planner)

    recent.refresh_from_db()
    assert (recent.status, recent.error) == ("failed", "Marked failed by planner: the worker did not finish the run.")
    assert not PlannedOrder.objects.filter(run=recent).exists()
    runs.mrp_run_start(company=prod.company, actor=prod.planner)  # a new run may start


def test_the_beat_rule_fails_runs_running_for_hours_and_queues_lost_ones_again(prod, monkeypatch):
    queued = []
    monkeypatch.setattr("production.tasks.mrp_run_task.delay", queued.append)
    now = timezone.now()
    dead = make_run(prod, status=st.MrpRunStatus.RUNNING, started_at=now - datetime.timedelta(hours=3))
    alive = make_run(prod, status=st.MrpRunStatus.RUNNING, started_at=now - datetime.timedelta(minutes=30))
    lost = make_run(prod, status=st.MrpRunStatus.QUEUED)
    MrpRun.objects.filter(pk=lost.pk).update(created_at=now - datetime.timedelta(minutes=5))

    with translation.override("en"):
        assert runs.mrp_runs_fail_stuck(now=now) == 1

    statuses = dict(MrpRun.objects.values_list("pk", "status"))
    assert (statuses[dead.pk], statuses[alive.pk], statuses[lost.pk]) == ("failed", "running", "queued")
    assert MrpRun.objects.get(pk=dead.pk).error == "The worker stopped: the run was still running after 2 hours."
    assert queued == [lost.pk]


# Screens --------------------------------------------------------------------------------------------------


def test_the_start_form_defaults_to_today_and_queues_a_run(prod, client, monkeypatch):
    monkeypatch.setattr("production.tasks.mrp_run_task.delay", lambda pk: None)
    client.force_login(english(prod.planner))

    page = client.get(reverse("production:mrp_run_start"))
    assert page.context["form"]["as_of"].value() == prod.today
    response = client.post(reverse("production:mrp_run_start"), {"as_of": prod.today.isoformat(), "horizon_days": 60})

    run = MrpRun.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("production:mrp_run_detail", args=[run.pk])
    assert (run.status, run.horizon_days) == ("queued", 60)


def test_the_start_form_shows_a_refusal_beside_the_form_and_writes_nothing(prod, client):
    client.force_login(english(prod.planner))
    busy = make_run(prod, status=st.MrpRunStatus.QUEUED)

    response = client.post(reverse("production:mrp_run_start"), {"as_of": prod.today.isoformat(), "horizon_days": 60})
    bad = client.post(reverse("production:mrp_run_start"), {"as_of": "someday", "horizon_days": 0})

    assert response.status_code == 200
    assert response.context["form"].non_field_errors() == [
        f"MRP run #{busy.pk} is still queued: wait until it ends before starting another."]
    assert set(bad.context["form"].errors) == {"as_of", "horizon_days"}
    assert MrpRun.objects.count() == 1


def test_the_run_page_refreshes_its_progress_while_running_and_reloads_when_done(prod, client):
    client.force_login(english(prod.planner))
    run = make_run(prod, status=st.MrpRunStatus.RUNNING, started_at=timezone.now(), progress=35, step="Netting")
    url = reverse("production:mrp_run_detail", args=[run.pk])

    page = client.get(url)
    partial = client.get(url, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="run-progress")
    MrpRun.objects.filter(pk=run.pk).update(status="done", progress=100)
    finished = client.get(url, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="run-progress")

    assert b'hx-trigger="every 2s"' in page.content and b'data-percent="35"' in page.content
    assert partial.templates[0].name == "production/planning/partials/run_progress.html"
    assert b"Netting" in partial.content and b"Mark failed" not in partial.content
    assert (finished.status_code, finished["HX-Refresh"]) == (204, "true")


def test_the_run_page_shows_counts_inputs_and_offers_mark_failed_for_a_stuck_run(prod, client):
    client.force_login(english(prod.planner))
    run, _orders = bike_run(prod)
    stuck = make_run(prod, status=st.MrpRunStatus.RUNNING, started_at=timezone.now() - datetime.timedelta(hours=1))

    page = client.get(reverse("production:mrp_run_detail", args=[run.pk]))
    stuck_page = client.get(reverse("production:mrp_run_detail", args=[stuck.pk]))
    marked = client.post(reverse("production:mrp_run_mark_failed", args=[stuck.pk]))

    assert page.context["counts"] == [("Exceptions", 1), ("Planned orders", 3)]
    assert page.context["inputs"] == [("Items", 6)]
    assert b"Mark failed" in stuck_page.content
    assert marked.status_code == 302
    assert MrpRun.objects.get(pk=stuck.pk).status == "failed"


def test_the_runs_list_filters_pages_and_exports(prod, client, django_assert_max_num_queries):
    client.force_login(english(prod.planner))
    for n in range(3):
        make_run(prod, as_of=prod.today - n * DAY)
    failed = make_run(prod, status=st.MrpRunStatus.FAILED)
    url = reverse("production:mrp_run_list")

    with django_assert_max_num_queries(12) as few:
        client.get(url)
    for n in range(30):
        make_run(prod, as_of=prod.today - (n + 5) * DAY)
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = client.get(url)
    filtered = client.get(url, {"status": "failed"})
    export = client.get(url, {"status": "failed", "export": "csv"})

    assert page.context["page"].paginator.count == 34 and len(page.context["page"].object_list) == 25
    assert [run.pk for run in filtered.context["page"]] == [failed.pk]
    assert export.status_code == 200
    lines = export.content.decode("utf-8-sig").splitlines()
    assert lines[0].startswith("Run,As of,Horizon (days),Status")
    assert len(lines) == 2 and lines[1].startswith(f"{failed.pk},")


def test_two_runs_compared_side_by_side_with_the_planned_orders_that_differ(prod, client):
    client.force_login(english(prod.planner))
    old = make_run(prod, counts={"planned_orders": 2, "exceptions": 0})
    planned(prod, old, prod.bike, "2")
    planned(prod, old, prod.rim, "4")
    new, _orders = bike_run(prod)

    response = client.get(reverse("production:mrp_run_compare", args=[new.pk]), {"other": old.pk})

    assert response.context["counts"] == [("Exceptions", 0, 1), ("Planned orders", 2, 3)]
    assert [(d.item_code, d.kind, d.left_count, d.left_quantity, d.right_count, d.right_quantity)
            for d in response.context["differences"]] == [("WHEEL", "make", 0, D("0"), 1, D("4"))]


def test_the_planned_orders_list_filters_by_item_kind_late_and_firmed_and_exports_the_pegging(prod, client):
    client.force_login(english(prod.planner))
    run, orders = bike_run(prod)
    PlannedOrder.objects.filter(pk=orders["wheels"].pk).update(firmed_at=timezone.now())
    url = reverse("production:planned_order_list", args=[run.pk])

    def shown(**params):
        return [o.pk for o in client.get(url, params).context["page"]]

    assert shown() == [orders["rims"].pk, orders["wheels"].pk, orders["bike"].pk]
    assert shown(item="rim") == [orders["rims"].pk]
    assert shown(kind="make") == [orders["wheels"].pk, orders["bike"].pk]
    assert shown(late="1") == [orders["rims"].pk]
    assert shown(firmed="1") == [orders["wheels"].pk]
    assert shown(firmed="0", kind="make") == [orders["bike"].pk]
    export = client.get(url, {"item": "BIKE", "export": "csv"})
    rows = export.content.decode("utf-8-sig").splitlines()
    reference = orders["order"].reference
    assert rows[1].split(",")[1:5] == ["BIKE", "自行車", "Work order", "2.000000"]
    assert f"{reference} line 1 (2)" in rows[1]
    page = client.get(url)
    assert b'name="ids"' in page.content and b"Firm selected" in page.content


def test_the_planned_orders_list_counts_no_more_queries_with_more_rows(prod, client, django_assert_max_num_queries):
    client.force_login(english(prod.planner))
    run, orders = bike_run(prod)
    url = reverse("production:planned_order_list", args=[run.pk])
    with django_assert_max_num_queries(20) as few:
        client.get(url)
    for n in range(20):
        order = planned(prod, run, prod.spoke, str(n + 1))
        peg(order, str(n + 1), parent=orders["wheels"])
        peg(order, "1", safety_stock=True)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(url)
    assert len(response.context["page"].object_list) == 23


def test_the_mrp_record_shows_days_as_columns_the_header_pegging_and_exceptions(prod, client):
    client.force_login(english(prod.planner))
    run, orders = bike_run(prod)

    response = client.get(reverse("production:mrp_record", args=[run.pk]), {"item": "bike"})
    rim = client.get(reverse("production:mrp_record", args=[run.pk]), {"item": "RIM"})
    unknown = client.get(reverse("production:mrp_record", args=[run.pk]), {"item": "NOPE"})

    record = response.context["record"]
    assert [day.date for day in record.days] == [prod.in_a_week - 3 * DAY, prod.in_a_week]
    assert (record.plan.on_hand, record.plan.safety_stock, record.plan.lead_time_days) == (D("1"), D("1"), 3)
    assert [o.peg_rows[0][0] for o in record.planned_orders] == [f"{orders['order'].reference} line 1"]
    content = response.content.decode()
    assert "Projected available" in content and '<td class="num text-danger">-2</td>' in content
    assert [e.kind for e in rim.context["record"].exceptions] == ["late"]
    assert rim.context["record"].planned_orders[0].peg_rows[0][0] == f"Planned order {orders['wheels'].pk} (WHEEL)"
    assert unknown.context["record"] is None
    assert [str(m) for m in unknown.context["messages"]] == ["No item has the code NOPE."]


def test_the_exceptions_list_filters_and_exports(prod, client, django_assert_max_num_queries):
    client.force_login(english(prod.planner))
    run, _orders = bike_run(prod)
    exception(prod, run, prod.bike, kind=st.MrpExceptionKind.CANCEL, quantity=D("1"), reference="WO-9")
    url = reverse("production:mrp_exception_list", args=[run.pk])

    with django_assert_max_num_queries(12) as few:
        everything = client.get(url)
    for _n in range(10):
        exception(prod, run, prod.spoke, kind=st.MrpExceptionKind.RESCHEDULE_IN)
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(url)
    cancel = client.get(url, {"kind": "cancel"})
    export = client.get(url, {"item": "RIM", "export": "csv"}).content.decode("utf-8-sig").splitlines()

    assert everything.context["page"].paginator.count == 2
    assert [e.reference for e in cancel.context["page"]] == ["WO-9"]
    assert export[0].startswith("Item code,Item name,Kind,Date") and len(export) == 2


def test_the_production_home_page_shows_the_latest_run_late_orders_exceptions_and_links(prod, client):
    client.force_login(english(prod.planner))
    run, orders = bike_run(prod)
    queued = make_run(prod, status=st.MrpRunStatus.QUEUED)

    response = client.get(reverse("production:home"))

    assert response.context["latest"] == queued and response.context["done"] == run
    assert [o.pk for o in response.context["late"]] == [orders["rims"].pk]
    assert response.context["exception_count"] == 1
    links = {str(link["label"]): link["url"] for link in response.context["links"]}
    assert links["Demand lines"] == reverse("production:demand_list")
    assert links["MRP runs"] == reverse("production:mrp_run_list")
    assert set(links) >= {"Bills of materials", "Work centers", "Routings", "Work orders"}


def test_a_warehouse_keeper_reads_planning_but_neither_starts_runs_nor_firms(prod, client):
    client.force_login(english(prod.keeper))
    run, orders = bike_run(prod)

    assert client.get(reverse("production:mrp_run_detail", args=[run.pk])).status_code == 200
    assert client.get(reverse("production:mrp_run_start")).status_code == 403
    assert client.post(reverse("production:planned_orders_firm", args=[run.pk]),
                       {"ids": [orders["bike"].pk]}).status_code == 403
    client.force_login(english(prod.outsider))
    assert client.get(reverse("production:home")).status_code == 403
    assert PlannedOrder.objects.filter(firmed_at__isnull=False).count() == 0


# API ----------------------------------------------------------------------------------------------------


def test_the_api_starts_a_run_and_answers_its_status(prod, client, monkeypatch):
    monkeypatch.setattr("production.tasks.mrp_run_task.delay", lambda pk: None)
    client.force_login(english(prod.planner))

    created = client.post("/api/production/mrp-runs/", {"as_of": "2026-12-01", "horizon_days": 45},
                          content_type="application/json")
    run_id = created.json()["id"]
    status = client.get(f"/api/production/mrp-runs/{run_id}/").json()
    again = client.post("/api/production/mrp-runs/", {}, content_type="application/json")
    bad = client.post("/api/production/mrp-runs/", {"as_of": "soon", "horizon_days": 0},
                      content_type="application/json")

    assert created.status_code == 201
    assert {k: status[k] for k in ("as_of", "horizon_days", "status", "progress", "counts")} == {
        "as_of": "2026-12-01", "horizon_days": 45, "status": "queued", "progress": 0, "counts": {}}
    assert again.status_code == 400
    assert again.json()["detail"] == f"MRP run #{run_id} is still queued: wait until it ends before starting another."
    assert bad.status_code == 400 and set(bad.json()) == {"as_of", "horizon_days"}
    assert MrpRun.objects.count() == 1


def test_the_api_lists_a_runs_planned_orders_with_pegging_and_an_items_record(prod, client):
    client.force_login(english(prod.planner))
    run, orders = bike_run(prod)

    listed = client.get(f"/api/production/mrp-runs/{run.pk}/planned-orders/", {"late": "true"}).json()
    bikes = client.get(f"/api/production/mrp-runs/{run.pk}/planned-orders/", {"item": "BIKE"}).json()
    record = client.get(f"/api/production/mrp-runs/{run.pk}/records/", {"item": "BIKE"}).json()
    no_item = client.get(f"/api/production/mrp-runs/{run.pk}/records/")
    unknown = client.get(f"/api/production/mrp-runs/{run.pk}/records/", {"item": "NOPE"})
    bad_kind = client.get(f"/api/production/mrp-runs/{run.pk}/planned-orders/", {"kind": "steal"})

    assert [(o["item"], o["kind"], o["quantity"], o["late"]) for o in listed["results"]] == [
        ("RIM", "buy", "4.000000", True)]
    assert listed["results"][0]["pegs"][0]["parent"] == orders["wheels"].pk
    assert bikes["results"][0]["pegs"][0]["sales_order_line"] == orders["line"].pk
    assert bikes["results"][0]["pegs"][0]["sales_order"] == orders["order"].reference
    assert record["header"]["starting_available"] == "1.000000" and record["header"]["lead_time_days"] == 3
    assert [(d["date"], d["projected"]) for d in record["days"]] == [
        ((prod.in_a_week - 3 * DAY).isoformat(), "0.000000"), (prod.in_a_week.isoformat(), "-2.000000")]
    assert no_item.json() == {"items": [{"item": "BIKE", "low_level_code": 0, "planned_orders": 0}]}
    assert (unknown.status_code, list(unknown.json())) == (400, ["item"])
    assert (bad_kind.status_code, list(bad_kind.json())) == (400, ["kind"])


def test_the_api_refuses_a_keeper_starting_a_run(prod, client):
    client.force_login(english(prod.keeper))
    response = client.post("/api/production/mrp-runs/", {}, content_type="application/json")
    assert response.status_code == 403
    assert not MrpRun.objects.exists()


def test_totals_of_a_record_sum_its_days(prod):
    from production.selectors.planning import item_record

    run, _orders = bike_run(prod)
    record = item_record(prod.planner, run, prod.bike)
    assert record.totals["gross"] == Decimal("3") and record.totals["planned_release"] == Decimal("2")


def test_nested_figures_and_the_engines_steps_are_shown_in_words(prod, client):
    client.force_login(english(prod.planner))
    run = make_run(prod, counts={"planned_orders_by_kind": {"make": 2, "buy": 1}, "late": 1},
                   inputs={"scheduled_receipts": {"purchase_order": 4}, "digest": "ab12"})
    running = make_run(prod, status=st.MrpRunStatus.RUNNING, started_at=timezone.now(), step="netting")

    page = client.get(reverse("production:mrp_run_detail", args=[run.pk]))
    progress = client.get(reverse("production:mrp_run_detail", args=[running.pk]))

    assert page.context["counts"] == [("Late planned orders", 1), ("Planned orders · Purchase", 1),
                                      ("Planned orders · Work order", 2)]
    assert page.context["inputs"] == [("Digest of the inputs", "ab12"), ("Scheduled receipts · Purchase orders", 4)]
    assert progress.context["step"] == "Netting"


def test_an_engine_reporting_progress_without_a_step_is_understood(prod, monkeypatch):
    run = make_run(prod, status=st.MrpRunStatus.QUEUED, counts={}, inputs={})
    seen = []

    def engine(*, run, progress):
        progress(30)
        seen.append(MrpRun.objects.values_list("progress", "step").get(pk=run.pk))
        return {}, {}

    monkeypatch.setattr("production.services.mrp.mrp_run_execute", engine)
    assert runs.mrp_run_perform(run_id=run.pk) == "done"
    assert seen == [(30, "")]


def test_the_home_page_counts_no_more_queries_with_more_late_orders(prod, client, django_assert_max_num_queries):
    client.force_login(english(prod.planner))
    run, orders = bike_run(prod)
    with django_assert_max_num_queries(20) as few:
        client.get(reverse("production:home"))
    for n in range(15):
        planned(prod, run, prod.spoke, str(n + 1), release=prod.today - DAY, late=True)
        exception(prod, run, prod.spoke)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(reverse("production:home"))
    assert (len(response.context["late"]), response.context["late_count"]) == (10, 16)
    assert response.context["exception_count"] == 16


def test_a_filter_change_refreshes_only_the_results(prod, client):
    client.force_login(english(prod.planner))
    run, _orders = bike_run(prod)
    response = client.get(reverse("production:planned_order_list", args=[run.pk]), {"kind": "buy"},
                          HTTP_HX_REQUEST="true", HTTP_HX_TARGET="results")
    assert response.templates[0].name == "production/planning/planned_order_list_table.html"
    assert [o.item.code for o in response.context["page"]] == ["RIM"]
