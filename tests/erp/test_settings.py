"""Configuration from the environment: a malformed value stops start-up with one line naming it."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
GOOD = {
    "DEBUG": "0",
    "SECRET_KEY": "x" * 60,
    "ALLOWED_HOSTS": "erp.example.com",
    "DATABASE_URL": "postgresql://postgres@127.0.0.1:5432/erp",
    "REDIS_URL": "redis://127.0.0.1:6379/0",
    "DJANGO_SETTINGS_MODULE": "erp.settings",
}


def start(**overrides):
    env = {k: v for k, v in os.environ.items() if k not in GOOD and k != "EMAIL_URL"}
    env.update(GOOD)
    for key, value in overrides.items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    return subprocess.run(
        [sys.executable, "manage.py", "diffsettings", "--all"], cwd=ROOT, env=env, capture_output=True, text=True,
        timeout=60,
    )


@pytest.mark.parametrize(
    "variable,value",
    [
        ("DATABASE_URL", "mysql://root@localhost/erp"),
        ("DATABASE_URL", "postgresql://postgres@localhost"),
        ("REDIS_URL", "http://localhost:6379"),
        ("DEBUG", "maybe"),
        ("TIME_ZONE", "Mars/Olympus"),
        ("CSRF_TRUSTED_ORIGINS", "erp.example.com"),
        ("EMAIL_URL", "smtp://"),
        ("SECURE_HSTS_SECONDS", "a year"),
        ("LOGIN_FAILURE_LIMIT", "0"),
        ("API_TOKEN_IDLE_HOURS", "a day"),
        ("FIELD_ENCRYPTION_KEY", "not-a-fernet-key"),
    ],
)
def test_a_malformed_variable_stops_start_up_with_one_line_naming_it(variable, value):
    result = start(**{variable: value})

    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(f"Configuration error: {variable}:")


def test_production_refuses_to_start_without_a_secret_key():
    result = start(SECRET_KEY=None)

    assert result.returncode == 1
    assert result.stderr.strip() == (
        "Configuration error: SECRET_KEY: must be set when DEBUG is off (there is no fallback in production)"
    )


def test_defaults_with_debug_off_are_secure_and_taiwanese():
    result = start()

    assert result.returncode == 0, result.stderr
    out = result.stdout
    for line in [
        "SESSION_COOKIE_SECURE = True",
        "CSRF_COOKIE_SECURE = True",
        "SECURE_SSL_REDIRECT = True",
        "SECURE_HSTS_SECONDS = 31536000",
        "LANGUAGE_CODE = 'zh-hant'",
        "TIME_ZONE = 'Asia/Taipei'",
        "USE_THOUSAND_SEPARATOR = True",
    ]:
        assert line in out


def test_email_url_configures_smtp():
    from erp.env import env_email

    os.environ["EMAIL_URL_TEST"] = "smtp+tls://mailer:s3cret@mail.example.com:2525"
    try:
        config = env_email("EMAIL_URL_TEST")
    finally:
        del os.environ["EMAIL_URL_TEST"]

    assert config["EMAIL_HOST"] == "mail.example.com"
    assert (config["EMAIL_PORT"], config["EMAIL_HOST_USER"], config["EMAIL_USE_TLS"]) == (2525, "mailer", True)


@pytest.mark.parametrize("key", ["short", "y" * 49])
def test_production_refuses_a_secret_key_shorter_than_50_characters(key):
    result = start(SECRET_KEY=key)

    assert result.returncode == 1
    assert result.stderr.strip().startswith(
        f"Configuration error: SECRET_KEY: must be at least 50 characters when DEBUG is off; got {len(key)}"
    )


def test_a_short_secret_key_is_accepted_with_debug_on():
    assert start(DEBUG="1", SECRET_KEY="short").returncode == 0


def test_the_session_idle_timeout_and_trusted_proxies_come_from_the_environment():
    defaults = start()
    configured = start(SESSION_COOKIE_AGE="900", TRUSTED_PROXY_COUNT="2")

    assert "SESSION_COOKIE_AGE = 7200" in defaults.stdout
    assert "TRUSTED_PROXY_COUNT = 0" in defaults.stdout
    assert "SESSION_COOKIE_AGE = 900" in configured.stdout
    assert "TRUSTED_PROXY_COUNT = 2" in configured.stdout
    assert start(TRUSTED_PROXY_COUNT="-1").stderr.strip().startswith("Configuration error: TRUSTED_PROXY_COUNT:")
