"""Sign-in throttling (django-axes, erp.lockout): a username, or a client address across usernames,
is locked after LOGIN_FAILURE_LIMIT failures on the login form or the API's token endpoint, for
LOGIN_LOCKOUT_MINUTES; the lock is logged, explained in the user's language, and a superuser lifts it."""

from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.core.management import call_command
from django.utils import timezone
from rest_framework.test import APIClient

from erp.models import AccessLog, ApiToken
from tests.conftest import PASSWORD
from tests.factories import UserFactory

LOCKED_ZH_HANT = "登入失敗次數過多"


@pytest.fixture
def keeper(make_user):
    return make_user("keeper", "Warehouse")


def form_login(client, username, password, ip="10.1.1.1"):
    return client.post("/accounts/login/", {"username": username, "password": password}, REMOTE_ADDR=ip)


def token_login(username, password, ip="10.1.1.1"):
    return APIClient().post("/api/auth/token/", {"username": username, "password": password}, format="json",
                            REMOTE_ADDR=ip)


def test_thirty_wrong_passwords_on_the_login_form_then_the_right_one_is_refused(client, keeper):
    for _attempt in range(30):
        form_login(client, "keeper", "wrong")

    response = form_login(client, "keeper", PASSWORD)

    assert response.status_code == 429
    assert "_auth_user_id" not in client.session
    assert LOCKED_ZH_HANT in response.content.decode()
    assert 'value="keeper"' in response.content.decode()  # the form again, the username kept
    assert response["Retry-After"] == "900"


def test_thirty_wrong_passwords_on_the_token_endpoint_then_the_right_one_is_refused(keeper):
    wrong = [token_login("keeper", "wrong").status_code for _attempt in range(30)]

    response = token_login("keeper", PASSWORD)

    assert wrong[:4] == [400] * 4 and set(wrong[4:]) == {429}
    assert response.status_code == 429
    assert LOCKED_ZH_HANT in response.json()["detail"]
    assert "token" not in response.json()
    assert not ApiToken.objects.exists()


def test_below_the_limit_the_right_password_still_works(client, keeper):
    for _attempt in range(4):
        form_login(client, "keeper", "wrong")

    assert form_login(client, "keeper", PASSWORD).status_code == 302
    assert token_login("keeper", PASSWORD).status_code == 200


def test_the_form_and_the_api_count_together(client, keeper):
    for _attempt in range(3):
        form_login(client, "keeper", "wrong")
    for _attempt in range(2):
        token_login("keeper", "wrong")

    assert form_login(client, "keeper", PASSWORD).status_code == 429


def test_one_address_trying_many_usernames_is_locked_for_every_username(client, make_user):
    make_user("clerk", "Warehouse")
    for n in range(5):
        form_login(client, f"guess-{n}", "wrong", ip="10.6.6.6")

    from_that_address = token_login("clerk", PASSWORD, ip="10.6.6.6")
    from_elsewhere = token_login("clerk", PASSWORD, ip="10.7.7.7")

    assert from_that_address.status_code == 429
    assert from_elsewhere.status_code == 200


def test_one_username_tried_from_many_addresses_is_locked_from_every_address(client, keeper):
    for n in range(5):
        form_login(client, "keeper", "wrong", ip=f"10.2.0.{n + 1}")

    assert form_login(client, "keeper", PASSWORD, ip="10.3.3.3").status_code == 429


def test_the_lock_ends_after_the_cool_off(client, keeper):
    for _attempt in range(5):
        form_login(client, "keeper", "wrong")
    AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(minutes=16))

    assert form_login(client, "keeper", PASSWORD).status_code == 302


def test_each_lockout_is_in_the_access_log_with_username_and_address(client, keeper):
    for _attempt in range(6):
        form_login(client, "keeper", "wrong", ip="10.4.4.4")

    locked = AccessLog.objects.filter(kind=AccessLog.Kind.LOCKED_OUT).values_list("username", "ip_address", "path")
    assert list(locked) == [("keeper", "10.4.4.4", "/accounts/login/")] * 2  # at the 5th failure, and the 6th refused


def test_the_lockout_message_is_in_the_users_language(client, keeper):
    for _attempt in range(5):
        form_login(client, "keeper", "wrong")

    english = client.post("/accounts/login/", {"username": "keeper", "password": PASSWORD}, REMOTE_ADDR="10.1.1.1",
                          HTTP_ACCEPT_LANGUAGE="en")
    simplified = APIClient().post("/api/auth/token/", {"username": "keeper", "password": PASSWORD},
                                  REMOTE_ADDR="10.1.1.1", HTTP_ACCEPT_LANGUAGE="zh-hans")

    assert "Too many failed sign-in attempts. Try again in 15 minutes" in english.content.decode()
    assert "登录失败次数过多" in simplified.json()["detail"]


def test_a_superuser_unlocks_in_the_admin(client, keeper, company):
    for _attempt in range(5):
        form_login(client, "keeper", "wrong")
    root = UserFactory(username="root", company=company, is_staff=True, is_superuser=True)
    admin = client.__class__()
    admin.force_login(root)

    listing = admin.get("/admin/axes/accessattempt/")
    unlocked = admin.post("/admin/axes/accessattempt/", {
        "action": "unlock", "_selected_action": list(AccessAttempt.objects.values_list("pk", flat=True)),
    })

    assert listing.status_code == 200 and b"keeper" in listing.content
    assert unlocked.status_code == 302
    assert form_login(client, "keeper", PASSWORD).status_code == 302


def test_the_unlock_command_lifts_a_username_lock(client, keeper):
    for _attempt in range(5):
        form_login(client, "keeper", "wrong")

    call_command("axes_reset_username", "keeper")

    assert form_login(client, "keeper", PASSWORD).status_code == 302


def test_a_company_admin_who_is_not_superuser_sees_no_sign_in_attempts(client, make_user):
    company_admin = make_user("sysadmin", "System admin", is_staff=True)
    form_login(client, "keeper", "wrong")
    client.force_login(company_admin)

    assert client.get("/admin/axes/accessattempt/").status_code == 403
    assert client.post("/admin/axes/accessattempt/", {
        "action": "unlock", "_selected_action": list(AccessAttempt.objects.values_list("pk", flat=True)),
    }).status_code == 403
    assert AccessAttempt.objects.count() == 1
