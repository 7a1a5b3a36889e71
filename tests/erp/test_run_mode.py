"""`make run` serves as in production (DEBUG off, gunicorn, WhiteNoise, translated error pages) over
plain http on 127.0.0.1; DEBUG=1 stays available for development. A deployment stays strict."""

import base64
import io
import logging
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import RequestFactory
from django.utils import translation

from erp.log_filters import OneLineClientErrors
from erp.views import server_error
from tests.factories import UserFactory

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts"))
import run  # noqa: E402  # scripts/run.py

# What the shell that starts `make run` may have: none of the settings run_environment decides.
DECIDED = ("DEBUG", "SECRET_KEY", "FIELD_ENCRYPTION_KEY", "ALLOWED_HOSTS", "SECURE_SSL_REDIRECT",
           "SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE", "SECURE_HSTS_SECONDS", "SECURE_HSTS_INCLUDE_SUBDOMAINS")


def shell_environment(**extra):
    env = {k: v for k, v in os.environ.items() if k not in DECIDED and k != "EMAIL_URL"}
    env.update(DJANGO_SETTINGS_MODULE="erp.settings", **extra)
    return env


def settings_of(env):
    result = subprocess.run([sys.executable, "manage.py", "diffsettings", "--all"], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_make_run_serves_with_debug_off_and_http_cookies_on_127_0_0_1(tmp_path):
    env = run.run_environment(shell_environment(), var=tmp_path)

    out = settings_of(env)

    for line in ["DEBUG = False", "SESSION_COOKIE_SECURE = False", "CSRF_COOKIE_SECURE = False",
                 "LANGUAGE_COOKIE_SECURE = False", "SECURE_SSL_REDIRECT = False", "SECURE_HSTS_SECONDS = 0",
                 "ALLOWED_HOSTS = ['127.0.0.1', 'localhost']"]:
        assert line in out
    assert "whitenoise.storage.CompressedManifestStaticFilesStorage" in out
    assert run.web_server(env, "8123")[:3] == [sys.executable, "-m", "gunicorn"]
    assert "127.0.0.1:8123" in run.web_server(env, "8123")


def test_the_secret_key_is_made_once_under_var_and_kept(tmp_path):
    first = run.run_environment(shell_environment(), var=tmp_path)
    second = run.run_environment(shell_environment(), var=tmp_path)
    given = run.run_environment(shell_environment(SECRET_KEY="k" * 60), var=tmp_path)

    assert len(first["SECRET_KEY"]) >= 50
    assert second["SECRET_KEY"] == first["SECRET_KEY"] == (tmp_path / "secret_key").read_text().strip()
    assert stat.S_IMODE((tmp_path / "secret_key").stat().st_mode) == 0o600
    assert given["SECRET_KEY"] == "k" * 60


def test_the_field_encryption_key_is_made_once_under_var_kept_and_used_with_debug_too(tmp_path):
    first = run.run_environment(shell_environment(), var=tmp_path)
    development = run.run_environment(shell_environment(DEBUG="1"), var=tmp_path)
    given = run.run_environment(shell_environment(FIELD_ENCRYPTION_KEY="given"), var=tmp_path)

    key = (tmp_path / "field_key").read_text().strip()
    assert first["FIELD_ENCRYPTION_KEY"] == development["FIELD_ENCRYPTION_KEY"] == key
    assert len(base64.urlsafe_b64decode(key)) == 32
    assert stat.S_IMODE((tmp_path / "field_key").stat().st_mode) == 0o600
    assert given["FIELD_ENCRYPTION_KEY"] == "given"
    assert "FIELD_ENCRYPTION_KEY_SET = True" in settings_of(first)


def test_debug_1_is_the_development_server_and_an_operators_value_wins(tmp_path):
    development = run.run_environment(shell_environment(DEBUG="1"), var=tmp_path)
    made_a_key = (tmp_path / "secret_key").exists()
    secure = run.run_environment(shell_environment(SESSION_COOKIE_SECURE="1"), var=tmp_path)

    assert "SECRET_KEY" not in development and not made_a_key
    assert run.web_server(development, "8000")[1:3] == ["manage.py", "runserver"]
    assert secure["SESSION_COOKIE_SECURE"] == "1"


def test_a_deployment_without_the_run_environment_stays_strict():
    out = settings_of(shell_environment(DEBUG="0", SECRET_KEY="x" * 60, ALLOWED_HOSTS="erp.example.com"))

    for line in ["SESSION_COOKIE_SECURE = True", "CSRF_COOKIE_SECURE = True", "SECURE_SSL_REDIRECT = True",
                 "SECURE_HSTS_SECONDS = 31536000"]:
        assert line in out


# Error pages with DEBUG off ---------------------------------------------------------------------


@pytest.fixture
def production(settings):
    settings.DEBUG = False
    return settings


def test_an_unknown_url_answers_the_translated_404_page_not_the_debug_page(production, client, db):
    response = client.get("/no-such-page/")

    html = response.content.decode()
    assert response.status_code == 404
    assert "找不到頁面" in html and "回到首頁" in html
    assert "URLconf" not in html and "admin/" not in html
    assert '<html lang="zh-hant">' in html and 'rel="icon"' in html  # the base layout


def test_a_signed_in_user_gets_the_404_page_in_the_base_layout_with_the_menu(production, client, db, roles):
    client.force_login(UserFactory(username="lost", language="en"))

    html = client.get("/no-such-page/").content.decode()

    assert "Page not found" in html and 'id="user-menu"' in html


def test_a_403_is_one_line_in_the_log_without_a_traceback(production, client, db, roles):
    handler = next(h for h in logging.getLogger().handlers
                   if any(type(f).__name__ == "OneLineClientErrors" for f in h.filters))
    stream = io.StringIO()
    previous = handler.setStream(stream)
    client.force_login(UserFactory(username="nobody"))
    try:
        response = client.get("/inventory/receipts/")
    finally:
        handler.setStream(previous)

    assert response.status_code == 403
    lines = [line for line in stream.getvalue().splitlines() if "django.request" in line or "Traceback" in line
             or line.startswith(" ")]
    assert lines == [lines[0]] and "Forbidden (Permission denied): /inventory/receipts/" in lines[0]


def test_a_500_keeps_its_traceback_in_the_log():
    try:
        raise RuntimeError("boom")
    except RuntimeError:
        record = logging.LogRecord("django.request", logging.ERROR, __file__, 1, "Internal Server Error", (),
                                   sys.exc_info())
    record.status_code = 500

    assert OneLineClientErrors().filter(record) and record.exc_info is not None


def test_the_400_and_500_pages_are_translated(production, client, db):
    bad = client.get("/", {"q": "\x00"})
    with translation.override("zh-hant"):
        error = server_error(RequestFactory().get("/"))

    assert bad.status_code == 400 and "請求有誤" in bad.content.decode()
    assert error.status_code == 500 and "發生錯誤" in error.content.decode()


def test_favicon_ico_leads_to_the_static_icon(client, db):
    response = client.get("/favicon.ico")

    assert response.status_code == 302
    assert response["Location"] == "/static/favicon.svg"
    assert client.get(response["Location"]).status_code == 200


def test_static_files_are_collected_again_only_when_they_changed(tmp_path, monkeypatch):
    calls = []
    monkeypatch.setattr(run, "run", lambda args, env: calls.append(args))
    (tmp_path / "staticfiles").mkdir()

    first = run.collect_static({}, var=tmp_path)
    (tmp_path / "staticfiles" / "staticfiles.json").write_text("{}")  # what collectstatic writes
    again = run.collect_static({}, var=tmp_path)
    (tmp_path / "staticfiles" / ".fingerprint").write_text("an older static/ tree")
    changed = run.collect_static({}, var=tmp_path)

    assert (first, again, changed) == (True, False, True)
    assert calls == [["collectstatic", "--noinput", "-v", "0"]] * 2
