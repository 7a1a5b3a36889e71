"""API tokens (erp.models.ApiToken): kept hashed, ended by idleness, age, a password change, the
account's deactivation and "sign out everywhere"; issuing one is logged; the admin shows no key."""

from datetime import timedelta

import pytest
from django.apps import apps
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from rest_framework.test import APIClient

from erp.models import AccessLog, ApiToken
from erp.services import token_digest
from tests.conftest import PASSWORD
from tests.factories import UserFactory, api_token_for

TASKS = "/api/office/tasks/"


@pytest.fixture
def keeper(make_user):
    return make_user("keeper", "Warehouse")


def with_token(key):
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return api


def issue(username="keeper", password=PASSWORD):
    return APIClient().post("/api/auth/token/", {"username": username, "password": password}, format="json",
                            REMOTE_ADDR="10.5.5.5")


def test_a_token_is_issued_with_its_end_and_opens_the_api(keeper, settings):
    settings.API_TOKEN_MAX_DAYS = 30
    before = timezone.now()

    response = issue()

    body = response.json()
    assert response.status_code == 200
    assert set(body) == {"token", "expires_at"}
    expires = parse_datetime(body["expires_at"])
    assert before + timedelta(days=30) <= expires <= timezone.now() + timedelta(days=30)
    assert with_token(body["token"]).get(TASKS).status_code == 200


def test_the_database_holds_no_raw_key(keeper):
    key = issue().json()["token"]

    token = ApiToken.objects.get()
    with connection.cursor() as cursor:
        found = []
        for table, column in _text_columns():
            cursor.execute(f'SELECT count(*) FROM "{table}" WHERE "{column}"::text LIKE %s', [f"%{key[8:]}%"])
            if cursor.fetchone()[0]:
                found.append((table, column))

    assert found == []
    assert (token.key_digest, token.prefix) == (token_digest(key), key[:8])


def _text_columns():
    with connection.cursor() as cursor:
        cursor.execute("SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = 'public' "
                       "AND data_type IN ('text', 'character varying', 'jsonb', 'json')")
        return cursor.fetchall()


def test_issuing_a_token_is_in_the_access_log(keeper):
    key = issue().json()["token"]

    entry = AccessLog.objects.get(kind=AccessLog.Kind.TOKEN_ISSUED)
    assert (entry.user, entry.ip_address, entry.path, entry.detail) == (keeper, "10.5.5.5", "/api/auth/token/", key[:8])


def test_each_request_for_a_token_issues_a_new_one(keeper):
    first, second = issue().json()["token"], issue().json()["token"]

    assert first != second
    assert with_token(first).get(TASKS).status_code == 200
    assert with_token(second).get(TASKS).status_code == 200


def test_a_token_unused_for_the_idle_lifetime_is_refused(keeper, settings):
    settings.API_TOKEN_IDLE_HOURS = 72
    key = api_token_for(keeper)
    ApiToken.objects.update(last_used=timezone.now() - timedelta(hours=72, minutes=1))

    response = with_token(key).get(TASKS)

    assert response.status_code == 401
    assert ApiToken.objects.get().last_used < timezone.now() - timedelta(hours=72)  # not revived


def test_a_token_never_used_is_idle_from_its_creation(keeper, settings):
    settings.API_TOKEN_IDLE_HOURS = 72
    key = api_token_for(keeper)
    ApiToken.objects.update(created=timezone.now() - timedelta(hours=73))

    assert with_token(key).get(TASKS).status_code == 401


def test_a_token_in_use_is_refused_after_its_absolute_end(keeper):
    key = api_token_for(keeper)
    ApiToken.objects.update(last_used=timezone.now(), expires_at=timezone.now() - timedelta(seconds=1))

    assert with_token(key).get(TASKS).status_code == 401


def test_last_used_is_written_at_most_once_a_minute(keeper):
    key = api_token_for(keeper)
    api = with_token(key)
    api.get(TASKS)
    first_use = ApiToken.objects.get().last_used

    with CaptureQueriesContext(connection) as again:
        assert api.get(TASKS).status_code == 200
    ApiToken.objects.update(last_used=timezone.now() - timedelta(minutes=2))
    with CaptureQueriesContext(connection) as a_minute_later:
        assert api.get(TASKS).status_code == 200

    assert first_use is not None
    assert not any(q["sql"].startswith('UPDATE "erp_apitoken"') for q in again.captured_queries)
    assert sum(q["sql"].startswith('UPDATE "erp_apitoken"') for q in a_minute_later.captured_queries) == 1
    assert ApiToken.objects.get().last_used > timezone.now() - timedelta(minutes=1)


def test_changing_the_password_ends_the_tokens(client, keeper):
    key = api_token_for(keeper)
    client.force_login(keeper)

    changed = client.post("/accounts/password/", {
        "old_password": PASSWORD, "new_password1": "a-new-long-pass-42", "new_password2": "a-new-long-pass-42",
    })

    assert changed.status_code == 302
    assert with_token(key).get(TASKS).status_code == 401
    assert not ApiToken.objects.exists()


def test_a_password_set_anywhere_else_ends_the_tokens_too(keeper):
    key = api_token_for(keeper)

    keeper.set_password("another-long-pass-42")
    keeper.save()

    assert with_token(key).get(TASKS).status_code == 401


def test_saving_the_user_without_a_new_password_keeps_the_tokens(keeper):
    key = api_token_for(keeper)

    keeper.first_name = "Kim"
    keeper.save()

    assert with_token(key).get(TASKS).status_code == 200


def test_deactivating_the_user_ends_the_tokens(keeper):
    key = api_token_for(keeper)

    keeper.is_active = False
    keeper.save()
    keeper.is_active = True  # reactivated later: the old tokens stay ended
    keeper.save()

    assert with_token(key).get(TASKS).status_code == 401


def test_sign_out_everywhere_from_the_user_menu_ends_tokens_and_every_session(client, keeper):
    key = api_token_for(keeper)
    elsewhere = Client()
    elsewhere.force_login(keeper)
    client.force_login(keeper)
    menu = client.get("/").content.decode()

    response = client.post("/accounts/sign-out-everywhere/")

    assert 'id="sign-out-everywhere"' in menu
    assert response.status_code == 302 and response["Location"] == "/accounts/login/"
    assert with_token(key).get(TASKS).status_code == 401
    assert client.get("/").status_code == 302
    assert elsewhere.get("/").status_code == 302  # the other browser's session ended too
    assert AccessLog.objects.filter(kind=AccessLog.Kind.SIGNED_OUT_EVERYWHERE, user=keeper).count() == 1


def test_sign_out_everywhere_through_the_api(keeper):
    key = api_token_for(keeper)
    other = api_token_for(keeper)
    api = with_token(key)

    response = api.post("/api/auth/token/revoke-all/")

    assert response.status_code == 204
    assert api.get(TASKS).status_code == 401
    assert with_token(other).get(TASKS).status_code == 401


def test_sign_out_everywhere_needs_a_signed_in_user(client, db):  # the refusal is written to the access log
    assert APIClient().post("/api/auth/token/revoke-all/").status_code in (401, 403)
    assert client.post("/accounts/sign-out-everywhere/").status_code == 302


def test_the_admin_shows_the_prefix_and_never_the_key(client, keeper, company):
    key = api_token_for(keeper)
    token = ApiToken.objects.get()
    root = UserFactory(username="root", company=company, is_staff=True, is_superuser=True)
    client.force_login(root)

    listing = client.get("/admin/erp/apitoken/").content.decode()
    page = client.get(f"/admin/erp/apitoken/{token.pk}/change/").content.decode()

    assert key[:8] in listing and key[:8] in page
    assert key not in listing and key[8:] not in page
    assert token.key_digest not in page


def test_the_token_admin_is_for_superusers_only(client, make_user, keeper):
    api_token_for(keeper)
    company_admin = make_user("sysadmin", "System admin", is_staff=True)
    client.force_login(company_admin)

    assert client.get("/admin/erp/apitoken/").status_code == 403
    assert client.post(f"/admin/erp/apitoken/{ApiToken.objects.get().pk}/delete/", {"post": "yes"}).status_code == 403
    assert ApiToken.objects.count() == 1


def test_the_upgrade_hashes_rest_framework_plaintext_tokens_and_drops_their_table(keeper):
    from importlib import import_module

    migration = import_module("erp.migrations.0008_api_tokens_hashed_and_lockout")
    key = "0123456789abcdef0123456789abcdef01234567"
    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE authtoken_token (key varchar(40) PRIMARY KEY, created timestamptz NOT NULL, "
                       "user_id bigint NOT NULL)")
        cursor.execute("INSERT INTO authtoken_token VALUES (%s, now() - interval '1 year', %s)", [key, keeper.pk])

    with connection.schema_editor() as editor:
        migration.hash_plaintext_tokens(apps, editor)

    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass('authtoken_token')")
        assert cursor.fetchone() == (None,)
    assert ApiToken.objects.get().key_digest == token_digest(key)
    assert with_token(key).get(TASKS).status_code == 200


def test_sign_out_everywhere_is_never_a_get(client, keeper):
    key = api_token_for(keeper)
    client.force_login(keeper)

    assert client.get("/accounts/sign-out-everywhere/").status_code == 405
    assert with_token(key).get("/api/auth/token/revoke-all/").status_code == 405
    assert with_token(key).get(TASKS).status_code == 200
