"""The BOM admin: a version's header changes through bom_save (a second default version is refused
beside the field, nothing saved); its lines are read-only; nothing is added or deleted here."""

import pytest

from production.models import Bom

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(prod, client):
    prod.admin.language = "en"
    prod.admin.save()
    client.force_login(prod.admin)
    return client


def change_data(bom, **overrides):
    data = {"name": bom.name, "routing": bom.routing_id or "", "is_default": "on" if bom.is_default else "",
            "valid_from": "", "valid_to": "", "is_active": "on", "notes": "",
            "lines-TOTAL_FORMS": "0", "lines-INITIAL_FORMS": "0", "lines-MIN_NUM_FORMS": "0",
            "lines-MAX_NUM_FORMS": "1000"}
    data.update(overrides)
    return {k: v for k, v in data.items() if v != "" or k in ("name", "notes")}


def test_the_header_changes_through_the_service(prod, admin_client):
    url = f"/admin/production/bom/{prod.wheel_bom.pk}/change/"
    assert admin_client.get(url).status_code == 200

    answer = admin_client.post(url, change_data(prod.wheel_bom, name="標準輪組"))

    assert answer.status_code == 302, answer.content.decode()[:3000]
    prod.wheel_bom.refresh_from_db()
    assert prod.wheel_bom.name == "標準輪組"
    assert prod.wheel_bom.lines.count() == 2


def test_a_second_default_version_is_refused_beside_the_field(prod, admin_client):
    other = prod.bom(prod.wheel, [(prod.rim, "1")], version="2", is_default=False)

    answer = admin_client.post(f"/admin/production/bom/{other.pk}/change/", change_data(other, is_default="on"))

    assert answer.status_code == 200
    assert "WHEEL already has a default BOM on these dates: version 1" in answer.content.decode()
    assert Bom.objects.get(pk=other.pk).is_default is False


def test_nothing_is_added_or_deleted_in_the_admin(prod, admin_client):
    assert admin_client.get("/admin/production/bom/add/").status_code == 403
    assert admin_client.post(f"/admin/production/bom/{prod.wheel_bom.pk}/delete/").status_code == 403
