"""The WeCom screens: who may do what (the permission matrix), secrets masked and kept when left blank,
validation beside the field, the test buttons reporting WeCom's answer (the fake's)."""

import pytest
from django.urls import reverse
from django.utils.html import escape
from django.utils.translation import gettext

from office.models import WeComIdentity, WeComRobot, WeComRobotMessage, WeComSettings
from office.wecom.errors import ALL_RECIPIENTS_INVALID, EXPLANATIONS
from tests.factories import CompanyFactory, UserFactory
from tests.office.conftest import AES_KEY, CORP_SECRET, ROBOT_KEY

ROBOT_ROUTES = ["wecom_robot_detail", "wecom_robot_edit", "wecom_robot_disable", "wecom_robot_enable",
                "wecom_robot_test"]
WRITES = {"wecom_test_message", "wecom_robot_disable", "wecom_robot_enable", "wecom_robot_test"}


@pytest.fixture
def robot(company, fake_wecom, wecom_settings):
    return WeComRobot.objects.create(company=company, name="業務群", webhook_key=ROBOT_KEY)


@pytest.fixture
def people(make_user):
    return {
        "admin": make_user("admin", "System admin"),
        "manager": make_user("boss", "Manager"),  # reads everything, changes nothing
        "office": make_user("clerk", "Office staff"),  # the office's tasks, not WeCom
        "sales": make_user("seller", "Sales"),
    }


def urls(robot):
    return {
        "wecom_settings": reverse("office:wecom_settings"),
        "wecom_test_message": reverse("office:wecom_test_message"),
        "wecom_robot_list": reverse("office:wecom_robot_list"),
        "wecom_robot_create": reverse("office:wecom_robot_create"),
        **{name: reverse(f"office:{name}", args=[robot.pk]) for name in ROBOT_ROUTES},
    }


# name -> (GET status, POST status) for each kind of user; None: the method is not allowed (405)
MATRIX = {
    "admin": {"wecom_settings": (200, 200), "wecom_test_message": (405, 302), "wecom_robot_list": (200, 200),
              "wecom_robot_create": (200, 200), "wecom_robot_detail": (200, 200), "wecom_robot_edit": (200, 200),
              "wecom_robot_disable": (405, 302), "wecom_robot_enable": (405, 302), "wecom_robot_test": (405, 302)},
    "manager": {"wecom_settings": (200, 403), "wecom_test_message": (403, 403), "wecom_robot_list": (200, 200),
                "wecom_robot_create": (403, 403), "wecom_robot_detail": (200, 200), "wecom_robot_edit": (403, 403),
                "wecom_robot_disable": (403, 403), "wecom_robot_enable": (403, 403), "wecom_robot_test": (403, 403)},
}
for kind in ("office", "sales"):
    MATRIX[kind] = {name: (403, 403) for name in MATRIX["admin"]}


@pytest.mark.parametrize("kind", ["admin", "manager", "office", "sales"])
def test_the_permission_matrix(client, people, robot, kind, monkeypatch):
    from office.services import wecom as services

    monkeypatch.setattr(services, "enqueue_robot_drain", lambda robot_id, eta=None: True)
    client.force_login(people[kind])
    seen = {}
    for name, url in urls(robot).items():
        seen[name] = (client.get(url).status_code, client.post(url, {}).status_code)

    assert seen == MATRIX[kind]


def test_anonymous_users_are_sent_to_log_in(client, robot):
    for url in urls(robot).values():
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_another_companys_robot_is_not_there(client, robot, roles):
    other = CompanyFactory(code="OTHER")
    client.force_login(UserFactory(username="other-admin", company=other, roles=["System admin"]))

    for name in ROBOT_ROUTES:
        assert client.get(reverse(f"office:{name}", args=[robot.pk])).status_code in (404, 405)
        assert client.post(reverse(f"office:{name}", args=[robot.pk])).status_code == 404
    assert robot.name not in client.get(reverse("office:wecom_robot_list")).content.decode()
    WeComRobot.objects.get(pk=robot.pk, is_active=True)  # untouched


def test_the_settings_page_never_shows_a_secret(client, people, wecom_settings):
    client.force_login(people["admin"])

    page = client.get(reverse("office:wecom_settings")).content.decode()

    assert CORP_SECRET not in page and AES_KEY not in page and "QDG6eK" not in page
    assert f"••••{CORP_SECRET[-4:]}" in page and f"••••{AES_KEY[-4:]}" in page


def test_blank_secrets_keep_the_stored_ones(client, people, wecom_settings):
    client.force_login(people["admin"])

    response = client.post(reverse("office:wecom_settings"), {
        "corp_id": wecom_settings.corp_id, "agent_id": "1000003", "app_secret": "", "callback_token": "",
        "encoding_aes_key": "", "enabled": "on"})

    assert response.status_code == 302
    saved = WeComSettings.objects.get(pk=wecom_settings.pk)
    assert (saved.agent_id, saved.app_secret, saved.encoding_aes_key) == (1000003, CORP_SECRET, AES_KEY)


def test_a_bad_encoding_aes_key_is_refused_beside_its_field_and_nothing_is_saved(client, people, company):
    client.force_login(people["admin"])

    response = client.post(reverse("office:wecom_settings"), {
        "corp_id": "wwcorp", "agent_id": "1000002", "app_secret": "a-secret-0000", "callback_token": "tok",
        "encoding_aes_key": AES_KEY[:40] + "===", "enabled": "on"})

    assert response.status_code == 200
    assert "43" in str(response.context["form"].errors["encoding_aes_key"])
    assert not WeComSettings.objects.filter(company=company).exists()


def test_enabling_without_a_secret_is_refused_beside_the_field(client, people, company):
    client.force_login(people["admin"])

    response = client.post(reverse("office:wecom_settings"), {"corp_id": "wwcorp", "agent_id": "1000002",
                                                               "enabled": "on"})

    assert response.status_code == 200 and "app_secret" in response.context["form"].errors
    assert not WeComSettings.objects.filter(company=company).exists()


def test_only_a_superuser_changes_the_api_address(client, people, wecom_settings, fake_wecom):
    client.force_login(people["admin"])
    form = client.get(reverse("office:wecom_settings")).context["form"]
    assert "api_base" not in form.fields
    client.post(reverse("office:wecom_settings"), {"corp_id": wecom_settings.corp_id, "agent_id": "1000002",
                                                   "enabled": "on", "api_base": "http://169.254.169.254/"})
    assert WeComSettings.objects.get(pk=wecom_settings.pk).api_base == fake_wecom.url


def test_the_test_message_goes_to_the_admins_own_wecom(client, people, company, wecom_settings, fake_wecom):
    WeComIdentity.objects.create(company=company, user=people["admin"], wecom_userid="zhangsan")
    client.force_login(people["admin"])

    response = client.post(reverse("office:wecom_test_message"), follow=True)

    assert fake_wecom.messages[-1]["to"] == ["zhangsan"]
    assert "zhangsan" in response.content.decode()


def test_the_test_message_explains_wecoms_refusal(client, people, company, wecom_settings, fake_wecom):
    WeComIdentity.objects.create(company=company, user=people["admin"], wecom_userid="not-in-the-corp")
    client.force_login(people["admin"])

    page = client.post(reverse("office:wecom_test_message"), follow=True).content.decode()

    assert "81013" in page and escape(str(EXPLANATIONS[ALL_RECIPIENTS_INVALID])) in page


def test_the_test_message_needs_a_mapped_user(client, people, wecom_settings, fake_wecom):
    client.force_login(people["admin"])

    page = client.post(reverse("office:wecom_test_message"), follow=True).content.decode()

    assert escape(gettext("Your account has no WeCom user ID yet: ask an administrator to map it.")) in page
    assert fake_wecom.messages == []


def test_a_robot_is_added_with_its_key_masked_after(client, people, company, fake_wecom, wecom_settings):
    client.force_login(people["admin"])

    response = client.post(reverse("office:wecom_robot_create"), {
        "name": "倉儲群", "webhook_key": f"https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key={ROBOT_KEY}"})

    robot = WeComRobot.objects.get(name="倉儲群")
    assert response.status_code == 302 and robot.webhook_key == ROBOT_KEY
    edit = client.get(reverse("office:wecom_robot_edit", args=[robot.pk])).content.decode()
    assert ROBOT_KEY not in edit and f"••••{ROBOT_KEY[-4:]}" in edit


def test_a_robot_needs_a_key_beside_its_field(client, people, company):
    client.force_login(people["admin"])

    response = client.post(reverse("office:wecom_robot_create"), {"name": "倉儲群", "webhook_key": "bad key"})

    assert response.status_code == 200 and "webhook_key" in response.context["form"].errors
    assert not WeComRobot.objects.exists()


def test_the_robot_test_button_posts_and_reports(client, people, robot, fake_wecom, monkeypatch):
    from office.services import wecom as services

    monkeypatch.setattr(services, "enqueue_robot_drain", lambda robot_id, eta=None: True)
    client.force_login(people["admin"])

    page = client.post(reverse("office:wecom_robot_test", args=[robot.pk]), follow=True).content.decode()
    fake_wecom.remove_robot(ROBOT_KEY)
    refused = client.post(reverse("office:wecom_robot_test", args=[robot.pk]), follow=True).content.decode()

    assert len(fake_wecom.robot_posts) == 1 and "robot-test" in page
    assert "93000" in refused and "robot-disabled-reason" in refused
    robot.refresh_from_db()
    assert not robot.is_active


def test_disable_and_enable_again(client, people, robot, monkeypatch):
    from office.services import wecom as services

    monkeypatch.setattr(services, "enqueue_robot_drain", lambda robot_id, eta=None: True)
    client.force_login(people["admin"])

    client.post(reverse("office:wecom_robot_disable", args=[robot.pk]))
    robot.refresh_from_db()
    assert not robot.is_active and "admin" in robot.display_disabled_reason
    client.post(reverse("office:wecom_robot_enable", args=[robot.pk]))
    robot.refresh_from_db()
    assert robot.is_active and robot.disabled_reason is None


def test_the_robot_list_filters_and_the_queue_shows(client, people, robot, company):
    WeComRobot.objects.create(company=company, name="停用群", webhook_key=ROBOT_KEY, is_active=False)
    WeComRobotMessage.objects.create(company=company, robot=robot, msgtype="text", payload={"content": "逾期訂單 3 筆"},
                                     status="failed", errcode=93000, errmsg="invalid webhook url")
    client.force_login(people["manager"])

    active = client.get(reverse("office:wecom_robot_list"), {"state": "active"}).content.decode()
    detail = client.get(reverse("office:wecom_robot_detail", args=[robot.pk]), {"status": "failed"}).content.decode()

    assert "業務群" in active and "停用群" not in active
    assert "逾期訂單 3 筆" in detail and "93000" in detail


def test_the_robot_list_answers_in_a_constant_number_of_queries(client, people, company, django_assert_max_num_queries):
    from tests.conftest import warm_permissions

    for n in range(12):
        WeComRobot.objects.create(company=company, name=f"群 {n}", webhook_key=ROBOT_KEY)
    warm_permissions(people["manager"])
    client.force_login(people["manager"])

    with django_assert_max_num_queries(12):
        assert client.get(reverse("office:wecom_robot_list")).status_code == 200
