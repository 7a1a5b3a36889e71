"""BOM services: saving a version with its lines (units, quantities, scrap, operations), cycles
refused with their path at any depth and through any active version, one default version per item
and date (also with two savers at once), versions in use by open work orders, copy and deactivate."""

import datetime

import pytest
from django.utils import translation

from erp.errors import DomainError
from inventory import status as inventory_status
from inventory.services import masterdata
from production import status as st
from production.models import Bom, BomLine, Routing, RoutingOperation, WorkOrder
from production.services import boms as services
from tests.parallel import run_parallel
from tests.production.conftest import D

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def save(prod, item, lines, version="2", **header):
    header.setdefault("is_default", False)
    return services.bom_save(company=prod.company, actor=prod.planner, item=item, version=version, lines=lines,
                             **header)


def line(component, quantity="1", **fields):
    return {"component": component, "quantity": D(quantity), **fields}


def snapshot():
    return (list(Bom.objects.order_by("pk").values_list("pk", "version", "is_default", "is_active", "quantity")),
            list(BomLine.objects.order_by("pk").values_list("pk", "bom_id", "component_id", "quantity_base")))


# Saving ------------------------------------------------------------------------------------------


def test_a_version_is_saved_with_its_lines_in_any_unit_of_the_component(prod):
    bom = save(prod, prod.wheel, [line(prod.rim), line(prod.spoke, "0.36", unit=prod.box, scrap_percent=D("2"))],
               name="輪組 B", quantity="2")

    rows = list(bom.lines.order_by("sequence"))
    assert [(r.sequence, r.component.code, r.quantity, r.unit.code, r.quantity_base, r.scrap_percent, r.kind)
            for r in rows] == [(10, "RIM", D("1"), "PCS", D("1"), D("0"), "component"),
                               (20, "SPOKE", D("0.36"), "BOX", D("36"), D("2"), "component")]
    assert (bom.version, bom.name, bom.quantity, bom.is_default, bom.company) == ("2", "輪組 B", D("2"), False,
                                                                                  prod.company)


def test_changing_a_version_keeps_named_lines_adds_new_ones_and_removes_the_rest(prod):
    bom = save(prod, prod.wheel, [line(prod.rim), line(prod.spoke, "36")])
    rim_line, spoke_line = bom.lines.order_by("sequence")

    save(prod, prod.wheel, [{"id": spoke_line.pk, **line(prod.spoke, "32")}, line(prod.tube, "0.5")], bom=bom)

    rows = list(bom.lines.order_by("sequence").values_list("pk", "component__code", "quantity"))
    assert rows[0] == (spoke_line.pk, "SPOKE", D("32"))
    assert rows[1][1:] == ("TUBE", D("0.5"))
    assert not BomLine.objects.filter(pk=rim_line.pk).exists()


@pytest.mark.parametrize("quantity", ["0", "-1", ""])
def test_a_quantity_per_of_zero_or_less_is_refused_and_nothing_is_written(prod, quantity):
    before = snapshot()

    with pytest.raises(DomainError) as refused:
        save(prod, prod.wheel, [line(prod.rim), {"component": prod.spoke, "quantity": quantity}])

    assert (refused.value.field, str(refused.value.message)) == (
        "lines", "Line 2: the quantity per must be greater than zero.")
    assert snapshot() == before


def test_a_unit_the_component_has_no_conversion_from_is_refused_beside_the_line(prod):
    before = snapshot()

    with pytest.raises(DomainError) as refused:
        save(prod, prod.frame, [line(prod.tube, "2", unit=prod.box)])

    assert (refused.value.field, str(refused.value.message)) == (
        "lines", "Line 1: TUBE has no conversion from BOX to its base unit KG.")
    assert snapshot() == before


def test_a_service_item_has_no_bom(prod):
    service = masterdata.item_create(company=prod.company, code="PAINT-SVC", name="烤漆", base_unit=prod.pcs,
                                     item_type=inventory_status.ItemType.SERVICE)

    with pytest.raises(DomainError) as refused:
        save(prod, service, [line(prod.rim)])

    assert (refused.value.field, str(refused.value.message)) == (
        "item", "PAINT-SVC is a service: a service has no bill of materials.")


def test_a_scrap_of_100_percent_and_an_empty_bom_and_a_taken_version_are_refused(prod):
    with pytest.raises(DomainError) as scrap:
        save(prod, prod.wheel, [line(prod.rim, scrap_percent=D("100"))])
    with pytest.raises(DomainError) as empty:
        save(prod, prod.wheel, [line(prod.rim, kind=st.BomLineKind.BY_PRODUCT)])
    with pytest.raises(DomainError) as taken:
        save(prod, prod.wheel, [line(prod.rim)], version="1")

    assert str(scrap.value.message) == "Line 1: the scrap % must be from 0 to 99."
    assert (empty.value.field, str(empty.value.message)) == ("lines", "Add at least one component.")
    assert (taken.value.field, str(taken.value.message)) == ("version", "WHEEL already has a version 1.")


def test_an_operation_must_belong_to_the_boms_routing(prod):
    other = RoutingOperation.objects.get(routing=prod.frame_routing)
    assembly = RoutingOperation.objects.get(routing=prod.bike_routing)

    with pytest.raises(DomainError) as refused:
        save(prod, prod.bike, [line(prod.frame, operation=other)], routing=prod.bike_routing)
    bom = save(prod, prod.bike, [line(prod.frame, operation=assembly)], routing=prod.bike_routing)

    assert str(refused.value.message) == "Line 1: operation 10 焊接 is not an operation of the BOM's routing."
    assert bom.lines.get().operation == assembly


def test_a_routing_of_another_item_is_refused(prod):
    with pytest.raises(DomainError) as refused:
        save(prod, prod.bike, [line(prod.frame)], routing=prod.frame_routing)

    assert (refused.value.field, str(refused.value.message)) == ("routing", "Routing R-FRAME makes FRAME, not BIKE.")


def test_a_phantom_needs_a_bom_of_its_own(prod):
    with pytest.raises(DomainError) as refused:
        save(prod, prod.bike, [line(prod.rim, kind=st.BomLineKind.PHANTOM)])

    assert str(refused.value.message) == ("Line 1: RIM has no active BOM: a phantom is replaced by its BOM's "
                                          "components.")


# Cycles ------------------------------------------------------------------------------------------


def test_a_component_equal_to_the_item_is_refused(prod):
    before = snapshot()

    with pytest.raises(DomainError) as refused:
        save(prod, prod.wheel, [line(prod.rim), line(prod.wheel)])

    assert str(refused.value.message) == "Line 2: WHEEL would contain itself: WHEEL → WHEEL."
    assert snapshot() == before


def test_a_cycle_two_levels_down_is_refused_with_its_path(prod):
    before = snapshot()

    with pytest.raises(DomainError) as refused:  # SPOKE made of BIKE: BIKE → WHEEL → SPOKE → BIKE
        save(prod, prod.spoke, [line(prod.bike)], version="1", is_default=True)

    assert (refused.value.field, str(refused.value.message)) == (
        "lines", "Line 1: SPOKE would contain itself: SPOKE → BIKE → SPOKE.")
    assert snapshot() == before


def test_a_cycle_three_levels_deep_shows_the_whole_path(prod):
    # RIM made of TUBE; then TUBE made of BIKE closes BIKE → WHEEL → RIM → TUBE → BIKE.
    save(prod, prod.rim, [line(prod.tube, "0.5")], version="1", is_default=True)
    before = snapshot()

    with pytest.raises(DomainError) as refused:
        save(prod, prod.tube, [line(prod.rim, "1"), line(prod.bike, "1")], version="1")

    assert str(refused.value.message) == "Line 1: TUBE would contain itself: TUBE → RIM → TUBE."
    with pytest.raises(DomainError) as deep:
        save(prod, prod.tube, [line(prod.bike, "1")], version="1")
    assert str(deep.value.message) == "Line 1: TUBE would contain itself: TUBE → BIKE → FRAME → TUBE."
    assert snapshot() == before


def test_a_cycle_through_a_version_that_is_not_the_default_is_refused(prod):
    # WHEEL's version 2 (not the default) uses TUBE; TUBE made of WHEEL closes the loop through it.
    save(prod, prod.wheel, [line(prod.rim), line(prod.tube, "0.2")], version="2", is_default=False)

    with pytest.raises(DomainError) as refused:
        save(prod, prod.tube, [line(prod.wheel)], version="1")

    assert str(refused.value.message) == "Line 1: TUBE would contain itself: TUBE → WHEEL → TUBE."


def test_an_inactive_version_closes_no_cycle(prod):
    wheel2 = save(prod, prod.wheel, [line(prod.rim), line(prod.tube, "0.2")], version="2")
    services.bom_deactivate(bom=wheel2, actor=prod.planner)

    tube_bom = save(prod, prod.tube, [line(prod.wheel)], version="1")

    assert tube_bom.pk is not None


def test_a_cycle_through_the_version_being_changed_uses_its_new_lines(prod):
    # FRAME's version 1 is changed to use WHEEL: no cycle (WHEEL does not use FRAME).
    services.bom_save(company=prod.company, actor=prod.planner, item=prod.frame, version="1",
                      lines=[line(prod.tube, "2.5"), line(prod.wheel)], bom=prod.frame_bom)
    # WHEEL made of FRAME now would close WHEEL → FRAME → WHEEL.
    with pytest.raises(DomainError) as refused:
        services.bom_save(company=prod.company, actor=prod.planner, item=prod.wheel, version="1",
                          lines=[line(prod.rim), line(prod.frame)], bom=prod.wheel_bom)

    assert str(refused.value.message) == "Line 2: WHEEL would contain itself: WHEEL → FRAME → WHEEL."


# One default version per item and date ----------------------------------------------------------


def test_a_second_default_version_on_overlapping_dates_is_refused_naming_the_first(prod):
    before = snapshot()

    with pytest.raises(DomainError) as refused:
        save(prod, prod.wheel, [line(prod.rim)], is_default=True, valid_from=prod.in_a_week)

    assert (refused.value.field, str(refused.value.message)) == (
        "is_default", "WHEEL already has a default BOM on these dates: version 1 (no end dates). Take the default "
                      "flag off there first, or give the two versions different dates.")
    assert snapshot() == before


def test_default_versions_on_following_dates_are_accepted(prod):
    services.bom_save(company=prod.company, actor=prod.planner, item=prod.wheel, version="1", bom=prod.wheel_bom,
                      lines=[line(prod.rim), line(prod.spoke, "36")], is_default=True,
                      valid_to=prod.in_a_week - datetime.timedelta(days=1))

    bom = save(prod, prod.wheel, [line(prod.rim), line(prod.spoke, "32")], is_default=True,
               valid_from=prod.in_a_week)

    assert bom.is_default
    from production.selectors.boms import bom_default_for
    assert bom_default_for(prod.wheel, prod.today) == prod.wheel_bom
    assert bom_default_for(prod.wheel, prod.in_a_week) == bom


@pytest.mark.django_db(transaction=True)
def test_two_planners_saving_two_default_versions_at_once_one_wins_the_other_gets_the_message(prod):
    item = masterdata.item_create(company=prod.company, code="SADDLE", name="座墊", base_unit=prod.pcs,
                                  item_type=inventory_status.ItemType.SEMI_FINISHED,
                                  procurement=inventory_status.Procurement.MAKE)
    messages = []

    def run(i):
        try:
            with translation.override("en"):
                return services.bom_save(company=prod.company, actor=prod.planner, item=item, version=f"V{i}",
                                         lines=[line(prod.tube, "0.3")], is_default=True).version
        except DomainError as error:
            messages.append(str(error.message))
            raise

    outcomes, errors = run_parallel(2, run, refused=(DomainError,))

    assert errors == []
    assert sorted(o == "refused" for o in outcomes) == [False, True]
    winner = Bom.objects.get(item=item)
    assert winner.is_default
    assert messages == [f"SADDLE already has a default BOM on these dates: version {winner.version} (no end dates). "
                        "Take the default flag off there first, or give the two versions different dates."]
    assert BomLine.objects.filter(bom__item=item).count() == 1


# In use, copy, deactivate ------------------------------------------------------------------------


def open_work_order(prod, bom, status=st.WorkOrderStatus.RELEASED):
    return WorkOrder.objects.create(company=prod.company, item=bom.item, bom=bom, warehouse=prod.wh,
                                    quantity=D("5"), start_date=prod.today, due_date=prod.in_a_week,
                                    status=status, number=f"WO-{status}")


def test_the_lines_of_a_version_an_open_work_order_uses_cannot_change(prod):
    open_work_order(prod, prod.wheel_bom)
    before = snapshot()

    with pytest.raises(DomainError) as refused:
        services.bom_save(company=prod.company, actor=prod.planner, item=prod.wheel, version="1", bom=prod.wheel_bom,
                          lines=[line(prod.rim), line(prod.spoke, "32")])

    assert (refused.value.field, str(refused.value.message)) == (
        "lines", "WHEEL v1 is used by open work orders (WO-released): its lines and quantity cannot change. Copy "
                 "it to a new version and change that one.")
    assert snapshot() == before


def test_the_header_of_a_version_in_use_still_changes_and_a_closed_order_does_not_hold_it(prod):
    open_work_order(prod, prod.wheel_bom)
    lines = [{"id": row.pk, "component": row.component, "quantity": row.quantity, "unit": row.unit}
             for row in prod.wheel_bom.lines.order_by("sequence")]

    services.bom_save(company=prod.company, actor=prod.planner, item=prod.wheel, version="1", bom=prod.wheel_bom,
                      lines=lines, name="標準輪組")
    WorkOrder.objects.filter(bom=prod.wheel_bom).update(status=st.WorkOrderStatus.CLOSED)
    services.bom_save(company=prod.company, actor=prod.planner, item=prod.wheel, version="1", bom=prod.wheel_bom,
                      lines=[line(prod.rim), line(prod.spoke, "32")])

    prod.wheel_bom.refresh_from_db()
    assert prod.wheel_bom.name == "標準輪組"
    assert list(prod.wheel_bom.lines.values_list("quantity_base", flat=True).order_by("sequence")) == [D("1"),
                                                                                                      D("32")]


def test_a_copy_is_a_new_version_with_the_same_lines_not_the_default(prod):
    copy = services.bom_copy(bom=prod.frame_bom, version="2", actor=prod.planner)

    assert (copy.item, copy.version, copy.is_default, copy.routing, copy.quantity) == (
        prod.frame, "2", False, prod.frame_routing, D("1"))
    assert list(copy.lines.values_list("component__code", "quantity", "scrap_percent")) == [
        ("TUBE", D("2.5"), D("5"))]
    assert Bom.objects.filter(item=prod.frame).count() == 2


def test_a_copy_to_a_taken_version_is_refused(prod):
    with pytest.raises(DomainError) as refused:
        services.bom_copy(bom=prod.frame_bom, version="1", actor=prod.planner)

    assert str(refused.value.message) == "FRAME already has a version 1."
    assert Bom.objects.filter(item=prod.frame).count() == 1


def test_deactivating_retires_the_version_and_twice_is_refused(prod):
    services.bom_deactivate(bom=prod.wheel_bom, actor=prod.planner)

    with pytest.raises(DomainError) as refused:
        services.bom_deactivate(bom=prod.wheel_bom, actor=prod.planner)

    prod.wheel_bom.refresh_from_db()
    assert prod.wheel_bom.is_active is False
    assert str(refused.value.message) == "WHEEL v1 is already inactive."
    from production.selectors.boms import bom_default_for
    assert bom_default_for(prod.wheel) is None


def test_unknown_header_fields_are_refused(prod):
    with pytest.raises(DomainError) as refused:
        save(prod, prod.wheel, [line(prod.rim)], colour="red")

    assert str(refused.value.message) == "Unknown fields: colour"


def test_a_new_routing_for_the_test(prod):
    # A routing made for WHEEL is accepted with its own operation.
    routing = Routing.objects.create(company=prod.company, code="R-WHEEL", name="輪組", item=prod.wheel)
    operation = RoutingOperation.objects.create(routing=routing, sequence=10, name="穿鋼絲",
                                                work_center=prod.assembly, run_minutes=D("12"))

    bom = save(prod, prod.wheel, [line(prod.rim), line(prod.spoke, "36", operation=operation)], routing=routing)

    assert bom.lines.get(component=prod.spoke).operation == operation
