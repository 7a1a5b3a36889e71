"""BOM reads: the default version on a date, the indented explosion (scrap, units, phantoms,
by-products) read level by level, where-used up one or all levels, and the cost roll-up worked out
by hand (standard and moving-average cost, setup spread over the BOM's quantity, efficiency)."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from erp.errors import DomainError
from inventory import status as inventory_status
from inventory.services import masterdata
from production import status as st
from production.models import Bom
from production.selectors import boms as selectors
from production.services import boms as services
from tests.production.conftest import D

pytestmark = pytest.mark.django_db
K = st.BomLineKind


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def rows_of(rows):
    return [(r.level, r.path_text, r.kind, r.extended_quantity, r.base_unit.code) for r in rows]


def hub_kit_wheel(prod):
    """WHEEL v2 (not the default): RIM, 0.36 BOX of SPOKE (36), a phantom hub kit (2 spokes a kit
    with 10 % scrap, 0.1 kg TUBE) and 0.1 kg of steel chips as a by-product."""
    make = {"procurement": inventory_status.Procurement.MAKE,
            "item_type": inventory_status.ItemType.SEMI_FINISHED}
    kit = masterdata.item_create(company=prod.company, code="HUBKIT", name="花鼓組", base_unit=prod.pcs, **make)
    chips = masterdata.item_create(company=prod.company, code="CHIPS", name="鋼屑", base_unit=prod.kg,
                                   item_type=inventory_status.ItemType.RAW_MATERIAL, standard_cost=D("5"))
    prod.bom(kit, [(prod.spoke, "0.02", prod.box, "100", {"scrap_percent": D("10")}), (prod.tube, "0.1")])
    return services.bom_save(
        company=prod.company, actor=prod.planner, item=prod.wheel, version="2", is_default=False,
        lines=[{"component": prod.rim, "quantity": D("1")},
               {"component": prod.spoke, "quantity": D("0.36"), "unit": prod.box},
               {"component": kit, "quantity": D("1"), "kind": K.PHANTOM},
               {"component": chips, "quantity": D("0.1"), "kind": K.BY_PRODUCT}])


# Default versions --------------------------------------------------------------------------------


def test_the_default_version_on_a_date_is_the_active_default_valid_that_day(prod):
    Bom.objects.filter(pk=prod.wheel_bom.pk).update(valid_to=prod.today)
    later = prod.bom(prod.wheel, [(prod.rim, "1")], version="2", valid_from=prod.in_a_week)

    assert selectors.bom_default_for(prod.wheel, prod.today) == prod.wheel_bom
    assert selectors.bom_default_for(prod.wheel, prod.today + datetime.timedelta(days=1)) is None
    assert selectors.bom_default_for(prod.wheel, prod.in_a_week) == later
    assert selectors.bom_default_for(prod.rim, prod.today) is None


# Explosion ---------------------------------------------------------------------------------------


def test_the_bicycle_explodes_through_its_made_components_with_scrap(prod):
    rows = selectors.bom_explode(prod.bike_bom, D("10"))

    assert rows_of(rows) == [
        (1, "BIKE → FRAME", "component", D("10"), "PCS"),
        (2, "BIKE → FRAME → TUBE", "component", D("26.25"), "KG"),  # 10 × 2.5 kg × 1.05
        (1, "BIKE → WHEEL", "component", D("20"), "PCS"),
        (2, "BIKE → WHEEL → RIM", "component", D("20"), "PCS"),
        (2, "BIKE → WHEEL → SPOKE", "component", D("720"), "PCS"),
        (1, "BIKE → SPOKE", "component", D("40"), "PCS"),
    ]
    assert [r.bom for r in rows] == [prod.frame_bom, None, prod.wheel_bom, None, None, None]


def test_a_phantom_is_exploded_through_its_bom_and_a_box_of_100_spokes_counts_as_100(prod):
    wheel2 = hub_kit_wheel(prod)

    rows = selectors.bom_explode(wheel2, D("10"))

    assert rows_of(rows) == [
        (1, "WHEEL → RIM", "component", D("10"), "PCS"),
        (1, "WHEEL → SPOKE", "component", D("360"), "PCS"),  # 10 × 0.36 box × 100
        (1, "WHEEL → HUBKIT", "phantom", D("10"), "PCS"),
        (2, "WHEEL → HUBKIT → SPOKE", "component", D("22"), "PCS"),  # 10 × 2 × 1.10
        (2, "WHEEL → HUBKIT → TUBE", "component", D("1"), "KG"),
        (1, "WHEEL → CHIPS", "by_product", D("1"), "KG"),
    ]
    assert [(r.quantity_per, r.unit.code) for r in rows[:2]] == [(D("1"), "PCS"), (D("0.36"), "BOX")]
    assert rows[-1].is_output and not rows[0].is_output


def test_the_quantity_is_per_the_boms_quantity(prod):
    frames = services.bom_save(company=prod.company, actor=prod.planner, item=prod.frame, version="4", quantity="4",
                               lines=[{"component": prod.tube, "quantity": D("10")}], is_default=False)

    assert rows_of(selectors.bom_explode(frames, D("6"))) == [(1, "FRAME → TUBE", "component", D("15"), "KG")]
    assert rows_of(selectors.bom_explode(frames)) == [(1, "FRAME → TUBE", "component", D("10"), "KG")]


def test_the_explosion_reads_each_level_with_two_queries_whatever_the_number_of_components(prod):
    make = {"procurement": inventory_status.Procurement.MAKE, "item_type": inventory_status.ItemType.SEMI_FINISHED}
    small = prod.bom(masterdata.item_create(company=prod.company, code="SMALL", name="小", base_unit=prod.pcs,
                                            **make), [(prod.frame, "1")])
    parts = []
    for n in range(8):
        part = masterdata.item_create(company=prod.company, code=f"PART{n}", name=f"零件{n}", base_unit=prod.pcs,
                                      **make)
        prod.bom(part, [(prod.rim, "1"), (prod.tube, "1")])
        parts.append((part, "1"))
    big = prod.bom(masterdata.item_create(company=prod.company, code="BIG", name="大", base_unit=prod.pcs, **make),
                   parts)

    with CaptureQueriesContext(connection) as few:
        assert len(selectors.bom_explode(small, D("1"))) == 2
    with CaptureQueriesContext(connection) as many:
        assert len(selectors.bom_explode(big, D("1"))) == 24

    assert len(few) == len(many) == 3  # lines, default versions of the made ones, their lines


# Where-used ---------------------------------------------------------------------------------------


def test_where_used_goes_up_one_level_or_all_of_them(prod):
    single = selectors.where_used(prod.planner, prod.spoke, multi_level=False)
    every = selectors.where_used(prod.planner, prod.spoke)

    assert [(r.level, r.path_text, r.bom, r.line.quantity) for r in single] == [
        (1, "SPOKE ← BIKE", prod.bike_bom, D("4")), (1, "SPOKE ← WHEEL", prod.wheel_bom, D("36"))]
    assert [(r.level, r.path_text, r.bom) for r in every] == [
        (1, "SPOKE ← BIKE", prod.bike_bom), (1, "SPOKE ← WHEEL", prod.wheel_bom),
        (2, "SPOKE ← WHEEL ← BIKE", prod.bike_bom)]


def test_where_used_leaves_out_inactive_versions_and_another_companys(prod, make_user):
    services.bom_deactivate(bom=prod.wheel_bom, actor=prod.planner)

    assert [r.path_text for r in selectors.where_used(prod.planner, prod.spoke)] == ["SPOKE ← BIKE"]
    from tests.factories import CompanyFactory, UserFactory
    stranger = UserFactory(username="other-planner", roles=["Production"], company=CompanyFactory(code="OTHER"))
    assert selectors.where_used(stranger, prod.spoke) == []


def test_where_used_reads_one_query_per_level(prod):
    with CaptureQueriesContext(connection) as few:
        selectors.where_used(prod.planner, prod.spoke)
    for n in range(6):  # six more assemblies using SPOKE, each used by BIKE
        part = masterdata.item_create(company=prod.company, code=f"SUB{n}", name=f"組件{n}", base_unit=prod.pcs,
                                      procurement=inventory_status.Procurement.MAKE)
        prod.bom(part, [(prod.spoke, "2")])
        prod.bom(prod.bike, [(part, "1")], version=f"S{n}", is_default=False)
    with CaptureQueriesContext(connection) as many:
        rows = selectors.where_used(prod.planner, prod.spoke)

    assert len(rows) == 3 + 12
    assert len(few) == len(many) == 2  # SPOKE's parents, then theirs (BIKE is used nowhere: no third level)


# Cost roll-up -------------------------------------------------------------------------------------


def test_the_bicycles_cost_at_standard_cost_worked_out_by_hand(prod):
    breakdown = services.bom_cost_rollup(bom=prod.bike_bom, actor=prod.planner)

    # Material: TUBE 2.5 kg × 1.05 × 80 = 210; RIM 2 × 200 = 400; SPOKE 72 × 2 = 144; spare SPOKE 4 × 2 = 8.
    assert [(m.row.path_text, m.row.extended_quantity, m.unit_cost, m.amount) for m in breakdown.materials] == [
        ("BIKE → FRAME → TUBE", D("2.625"), D("80"), D("210")),
        ("BIKE → WHEEL → RIM", D("2"), D("200"), D("400")),
        ("BIKE → WHEEL → SPOKE", D("72"), D("2"), D("144")),
        ("BIKE → SPOKE", D("4"), D("2"), D("8")),
    ]
    # Operations: assembly (30 + 45) min = 1.25 h × 450 = 562.50; welding (60 + 90) min ÷ 80 % = 3.125 h × 600.
    assert [(o.path_text, o.operation.name, o.hours, o.amount) for o in breakdown.operations] == [
        ("BIKE", "組裝", D("1.25"), D("562.5")), ("BIKE → FRAME", "焊接", D("3.125"), D("1875"))]
    prod.bike_bom.refresh_from_db()
    assert (prod.bike_bom.material_cost, prod.bike_bom.operation_cost) == (D("762"), D("2437.5"))
    assert prod.bike_bom.costed_at is not None
    assert breakdown.total_per_unit == D("3199.5")


def test_the_setup_is_spread_over_the_boms_quantity(prod):
    frames = services.bom_save(company=prod.company, actor=prod.planner, item=prod.frame, version="4", quantity="4",
                               routing=prod.frame_routing, lines=[{"component": prod.tube, "quantity": D("10")}],
                               is_default=False)

    breakdown = services.bom_cost_rollup(bom=frames, actor=prod.planner)

    # 10 kg × 80 = 800 for 4 frames; (60 ÷ 4 + 90) min × 4 = 420 min = 7 h ÷ 80 % = 8.75 h × 600 = 5,250.
    assert (breakdown.material_total, breakdown.operation_total) == (D("800"), D("5250"))
    assert (breakdown.material_per_unit, breakdown.operation_per_unit) == (D("200"), D("1312.5"))


def test_the_cost_at_moving_average_cost_uses_inventorys_valuation(prod):
    prod.receive(prod.rim, "10", unit_cost="190")

    breakdown = services.bom_cost_rollup(bom=prod.bike_bom, actor=prod.planner, cost_basis="average")

    assert [(m.row.component.code, m.unit_cost, m.source) for m in breakdown.materials] == [
        ("TUBE", D("80"), "standard"), ("RIM", D("190"), "average"), ("SPOKE", D("2"), "standard"),
        ("SPOKE", D("2"), "standard")]
    assert breakdown.material_per_unit == D("742")  # 210 + 2 × 190 + 144 + 8


def test_a_phantoms_components_are_costed_and_a_by_product_is_not(prod):
    wheel2 = hub_kit_wheel(prod)

    breakdown = services.bom_cost_rollup(bom=wheel2, actor=prod.planner)

    # RIM 200 + 36 spokes × 2 = 72 + phantom: 2.2 spokes × 2 = 4.4 and 0.1 kg × 80 = 8.
    assert breakdown.material_per_unit == D("284.4")
    assert breakdown.operation_per_unit == D("0")


def test_an_unknown_cost_basis_is_refused(prod):
    with pytest.raises(DomainError) as refused:
        services.bom_cost_rollup(bom=prod.bike_bom, actor=prod.planner, cost_basis="latest")

    assert (refused.value.field, str(refused.value.message)) == ("cost_basis", "Choose standard or average cost.")
    prod.bike_bom.refresh_from_db()
    assert prod.bike_bom.costed_at is None
