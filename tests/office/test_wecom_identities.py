"""The WeCom identity mapping: the service's rules (format, one id per user and company in any case,
the company's users only, superusers by superusers), the admin's screens (list with filters, map,
change, remove, each refusal beside its field), who may use them, the Django admin, and two admins
mapping at the same moment."""

import pytest
from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from erp.errors import DomainError
from erp.models import User
from office.models import WeComIdentity
from office.selectors.wecom_identities import wecom_identity_for_userid
from office.services.wecom_identities import wecom_identities_map, wecom_identity_remove
from tests.conftest import warm_permissions
from tests.factories import CompanyFactory, UserFactory
from tests.office import wecom_people
from tests.parallel import run_parallel

LIST = "/office/wecom/identities/"
NEW = "/office/wecom/identities/new/"


@pytest.fixture
def world(db, roles, company, make_user):
    return wecom_people.build(company, make_user)


def mapped(company):
    return dict(WeComIdentity.objects.filter(company=company).values_list("user__username", "wecom_userid"))


def refusal(call):
    with translation.override("en"):
        with pytest.raises(DomainError) as refused:
            call()
        return refused.value.field, str(refused.value.message)  # a lazy message: read in English


# The service -----------------------------------------------------------------------------------


def test_users_are_mapped_changed_and_moved_between_each_other_in_one_call(world):
    wecom_identities_map(company=world.company, mapping={world.zhang: "ZhangSan", world.li: "LiSi"},
                         actor=world.admin)

    result = wecom_identities_map(company=world.company, mapping={world.zhang: "LiSi", world.li: "ZhangSan"},
                                  actor=world.admin)

    assert mapped(world.company) == {"zhang": "LiSi", "li": "ZhangSan"}
    assert (result.created, result.unchanged) == (2, 0)
    again = wecom_identities_map(company=world.company, mapping={world.zhang: "LiSi"}, actor=world.admin)
    assert (again.created, again.unchanged) == (0, 1)


def test_a_mapping_is_in_the_audit_trail_with_its_actor(world):
    wecom_identities_map(company=world.company, mapping={world.zhang: "ZhangSan"}, actor=world.admin)
    identity = WeComIdentity.objects.get(user=world.zhang)
    wecom_identity_remove(identity=identity, actor=world.admin)

    entries = LogEntry.objects.filter(content_type=ContentType.objects.get_for_model(WeComIdentity),
                                      object_pk=str(identity.pk)).order_by("pk")
    assert [(e.action, e.actor_id) for e in entries] == [(LogEntry.Action.CREATE, world.admin.pk),
                                                          (LogEntry.Action.DELETE, None)]
    assert entries[0].changes["wecom_userid"] == ["None", "ZhangSan"]


def test_an_id_is_one_users_in_any_case(world):
    wecom_identities_map(company=world.company, mapping={world.zhang: "ZhangSan"}, actor=world.admin)

    field, message = refusal(lambda: wecom_identities_map(company=world.company, mapping={world.li: "zhangsan"},
                                                          actor=world.admin))

    assert (field, message) == ("wecom_userid", "WeCom user ID “zhangsan” is already mapped to zhang.")
    assert mapped(world.company) == {"zhang": "ZhangSan"}
    assert wecom_identity_for_userid(world.company, "ZHANGSAN").user == world.zhang


def test_the_same_id_in_another_company_is_another_member(world):
    wecom_identities_map(company=world.company, mapping={world.zhang: "ZhangSan"}, actor=world.admin)

    wecom_identities_map(company=world.other, mapping={world.outsider: "ZhangSan"}, actor=world.outsider_admin)

    assert wecom_identity_for_userid(world.other, "zhangsan").user == world.outsider
    assert wecom_identity_for_userid(world.company, "zhangsan").user == world.zhang


@pytest.mark.parametrize("value", ["", "張三", "a b", "x" * 65, "semi;colon", "line\nbreak", "tab\there"])
def test_a_text_that_is_not_a_wecom_user_id_is_refused(world, value):
    field, message = refusal(lambda: wecom_identities_map(company=world.company, mapping={world.zhang: value},
                                                          actor=world.admin))

    assert field == "wecom_userid"
    assert message.endswith("is not a WeCom user ID: use 1 to 64 letters, digits and _ - @ . only.")
    assert WeComIdentity.objects.count() == 0


def test_every_allowed_character_and_64_of_them_make_a_wecom_user_id(world):
    wecom_identities_map(company=world.company, mapping={world.zhang: "a.B-c_d@e9", world.li: "x" * 64},
                         actor=world.admin)

    assert mapped(world.company) == {"zhang": "a.B-c_d@e9", "li": "x" * 64}


def test_another_companys_user_and_another_companys_admin_are_refused(world):
    assert refusal(lambda: wecom_identities_map(company=world.company, mapping={world.outsider: "wang"},
                                                actor=world.admin)) == (
        "user", "wang is not a user of 測試精密股份有限公司.")
    assert refusal(lambda: wecom_identities_map(company=world.company, mapping={world.zhang: "zs"},
                                                actor=world.outsider_admin)) == (
        None, "You may change the WeCom mappings of your own company only.")
    assert WeComIdentity.objects.count() == 0


def test_only_a_superuser_maps_or_unmaps_a_superuser(world):
    assert refusal(lambda: wecom_identities_map(company=world.company, mapping={world.root: "boss"},
                                                actor=world.admin)) == (
        "user", "Only a superuser may change a superuser's WeCom mapping.")

    wecom_identities_map(company=world.company, mapping={world.root: "boss"}, actor=world.root)
    identity = WeComIdentity.objects.get(user=world.root)
    assert refusal(lambda: wecom_identity_remove(identity=identity, actor=world.admin)) == (
        None, "Only a superuser may change a superuser's WeCom mapping.")
    assert mapped(world.company) == {"root": "boss"}


@pytest.mark.django_db(transaction=True)
def test_two_admins_mapping_one_id_to_two_users_at_once_leave_exactly_one_mapping():
    from erp.roles import sync_roles

    sync_roles()
    company = CompanyFactory(code="RACE")
    admin = UserFactory(username="race-admin", company=company, roles=["System admin"])
    users = [UserFactory(username=f"racer{n}", company=company) for n in range(2)]

    outcomes, errors = run_parallel(2, lambda n: wecom_identities_map(
        company=company, mapping={User.objects.get(pk=users[n].pk): "SameMember"}, actor=admin).created,
        refused=(DomainError,))

    assert errors == []
    assert sorted(outcomes, key=str) == [1, "refused"]
    assert WeComIdentity.objects.filter(company=company).count() == 1


# The screens -----------------------------------------------------------------------------------


def test_the_list_shows_the_companys_users_with_their_ids_filtered_and_searched(world, client):
    wecom_identities_map(company=world.company, mapping={world.zhang: "ZhangSan"}, actor=world.admin)
    client.force_login(world.admin)

    everyone = client.get(LIST)
    only_mapped = client.get(LIST, {"mapped": "mapped"})
    unmapped = client.get(LIST, {"mapped": "unmapped"})
    searched = client.get(LIST, {"q": "zhangs"})
    partial = client.get(LIST, {"q": "li"}, headers={"HX-Request": "true", "HX-Target": "results"})

    def names(response):
        return [user.username for user in response.context["page"]]

    assert names(everyone) == ["chen", "chen2", "clerk", "li", "root", "sysadmin", "zhang"]
    assert names(only_mapped) == ["zhang"]
    assert names(unmapped) == ["chen", "chen2", "clerk", "li", "root", "sysadmin"]
    assert names(searched) == ["zhang"]
    assert names(partial) == ["li"] and "<html" not in partial.content.decode()
    html = everyone.content.decode()
    assert "<code>ZhangSan</code>" in html and "wang" not in html  # another company's users are not there


def test_the_list_pages_its_users_in_a_constant_number_of_queries(world, client):
    for n in range(30):
        UserFactory(username=f"worker{n:02d}", company=world.company)
    client.force_login(world.admin)
    warm_permissions(world.admin)
    client.get(LIST)

    with CaptureQueriesContext(connection) as few:
        first = client.get(LIST)
    wecom_identities_map(company=world.company, mapping={User.objects.get(username=f"worker{n:02d}"): f"w{n}"
                                                         for n in range(20)}, actor=world.admin)
    with CaptureQueriesContext(connection) as many:
        client.get(LIST)
    second = client.get(LIST, {"page": 2})

    assert len(first.context["page"].object_list) == 25
    assert len(many) == len(few)
    assert [u.username for u in second.context["page"]] == [*(f"worker{n}" for n in range(19, 30)), "zhang"]


def test_an_admin_maps_a_user_and_each_refusal_stands_beside_its_field(world, client):
    client.force_login(world.admin)
    wecom_identities_map(company=world.company, mapping={world.li: "LiSi"}, actor=world.admin)

    form = client.get(NEW, {"user": world.zhang.pk})
    choices = [u.username for u in form.context["form"].fields["user"].queryset]
    bad = client.post(NEW, {"user": world.zhang.pk, "wecom_userid": "張三"})
    taken = client.post(NEW, {"user": world.zhang.pk, "wecom_userid": "lisi"})
    done = client.post(NEW, {"user": world.zhang.pk, "wecom_userid": " ZhangSan "})

    assert form.context["form"]["user"].value() == str(world.zhang.pk)
    assert choices == ["chen", "chen2", "clerk", "root", "sysadmin", "zhang"]  # li has an id already
    assert bad.context["form"].errors == {"wecom_userid": [
        "“張三” is not a WeCom user ID: use 1 to 64 letters, digits and _ - @ . only."]}
    assert taken.context["form"].errors == {"wecom_userid": ["WeCom user ID “lisi” is already mapped to li."]}
    assert 'id="error_1_id_wecom_userid"' in taken.content.decode()  # crispy puts it under the field
    assert done.status_code == 302 and done["Location"] == LIST
    assert mapped(world.company) == {"li": "LiSi", "zhang": "ZhangSan"}
    assert "張三 (zhang) is mapped to WeCom user ID “ZhangSan”." in client.get(LIST).content.decode()


def test_a_company_admin_may_not_hand_themselves_a_superusers_account(world, client):
    client.force_login(world.admin)

    response = client.post(NEW, {"user": world.root.pk, "wecom_userid": "mine"})

    assert response.context["form"].errors == {"user": ["Only a superuser may change a superuser's WeCom mapping."]}
    assert WeComIdentity.objects.count() == 0


def test_a_company_admin_may_neither_change_nor_remove_a_superusers_mapping(world, client):
    wecom_identities_map(company=world.company, mapping={world.root: "boss"}, actor=world.root)
    identity = WeComIdentity.objects.get(user=world.root)
    client.force_login(world.admin)

    changed = client.post(f"{LIST}{identity.pk}/", {"wecom_userid": "mine"})
    removed = client.post(f"{LIST}{identity.pk}/delete/", headers={"referer": f"http://testserver{LIST}"}, follow=True)

    assert changed.context["form"].non_field_errors() == ["Only a superuser may change a superuser's WeCom mapping."]
    assert removed.redirect_chain == [(f"http://testserver{LIST}", 302)]
    assert "Only a superuser may change a superuser&#x27;s WeCom mapping." in removed.content.decode()
    assert mapped(world.company) == {"root": "boss"}


def test_an_admin_changes_and_removes_a_mapping(world, client):
    wecom_identities_map(company=world.company, mapping={world.zhang: "ZhangSan", world.li: "LiSi"},
                         actor=world.admin)
    identity = WeComIdentity.objects.get(user=world.zhang)
    client.force_login(world.admin)

    taken = client.post(f"{LIST}{identity.pk}/", {"wecom_userid": "LISI"})
    changed = client.post(f"{LIST}{identity.pk}/", {"wecom_userid": "zhang.san"})
    removed = client.post(f"{LIST}{WeComIdentity.objects.get(user=world.li).pk}/delete/")

    assert taken.context["form"].errors == {"wecom_userid": ["WeCom user ID “LISI” is already mapped to li."]}
    assert changed.status_code == 302 and removed.status_code == 302
    assert mapped(world.company) == {"zhang": "zhang.san"}
    assert client.get(f"{LIST}{identity.pk}/delete/").status_code == 405


def test_who_may_use_the_mapping_screens(world, client):
    wecom_identities_map(company=world.company, mapping={world.zhang: "ZhangSan"}, actor=world.admin)
    identity = WeComIdentity.objects.get(user=world.zhang)
    urls = [LIST, NEW, f"{LIST}{identity.pk}/", "/office/imports/", "/office/imports/wecom-identities/"]

    anonymous = [client.get(url).status_code for url in urls]
    client.force_login(world.office)  # Office staff: office's permissions, but not the mapping's
    clerk = [client.get(url).status_code for url in urls] + [client.post(f"{LIST}{identity.pk}/delete/").status_code]
    client.force_login(world.outsider_admin)
    outsider = [client.get(url).status_code for url in urls] + [
        client.post(f"{LIST}{identity.pk}/", {"wecom_userid": "taken"}).status_code,
        client.post(f"{LIST}{identity.pk}/delete/").status_code]
    outsiders_list = client.get(LIST)

    assert anonymous == [302] * 5
    assert clerk == [403] * 6
    assert outsider == [200, 200, 404, 200, 200, 404, 404]
    assert [u.username for u in outsiders_list.context["page"]] == ["admin-b", "wang"]
    assert mapped(world.company) == {"zhang": "ZhangSan"}
    assert not world.office.has_perm("office.view_wecomidentity")


# The Django admin ------------------------------------------------------------------------------


def test_the_django_admin_applies_the_same_rules_within_the_company(world, client):
    wecom_identities_map(company=world.company, mapping={world.li: "LiSi"}, actor=world.admin)
    client.force_login(world.admin)
    add = "/admin/office/wecomidentity/add/"

    taken = client.post(add, {"company": world.company.pk, "user": world.zhang.pk, "wecom_userid": "lisi"})
    superuser = client.post(add, {"company": world.company.pk, "user": world.root.pk, "wecom_userid": "boss"})
    outsider = client.post(add, {"company": world.company.pk, "user": world.outsider.pk, "wecom_userid": "wang"})
    bad = client.post(add, {"company": world.company.pk, "user": world.zhang.pk, "wecom_userid": "張 三"})
    done = client.post(add, {"company": world.company.pk, "user": world.zhang.pk, "wecom_userid": "ZhangSan"})

    assert taken.context["adminform"].form.errors["wecom_userid"] == [
        "WeCom user ID “lisi” is already mapped to li."]
    assert superuser.context["adminform"].form.errors["user"] == [
        "Only a superuser may change a superuser's WeCom mapping."]
    assert "user" in outsider.context["adminform"].form.errors  # not a choice: another company's user
    assert bad.context["adminform"].form.errors["wecom_userid"] == [
        "“張 三” is not a WeCom user ID: use 1 to 64 letters, digits and _ - @ . only."]
    assert done.status_code == 302
    assert mapped(world.company) == {"li": "LiSi", "zhang": "ZhangSan"}
    client.force_login(world.outsider_admin)
    assert client.get(f"/admin/office/wecomidentity/{WeComIdentity.objects.get(user=world.li).pk}/change/"
                      ).status_code == 404
