"""Reading configuration from the environment.

Every reader raises ``ConfigError`` with one line naming the variable when a value is malformed;
``manage.py`` and the WSGI/ASGI entry points turn it into that line on stderr and exit 1.
"""

import base64
import binascii
import hashlib
import hmac
import os
import zoneinfo
from collections.abc import Iterable
from typing import overload
from urllib.parse import urlparse

import dj_database_url


class ConfigError(Exception):
    """A malformed environment variable; the message names it."""


TRUE_WORDS = {"1", "true", "yes", "on"}
FALSE_WORDS = {"0", "false", "no", "off", ""}


@overload
def env_str(name: str, default: str) -> str: ...


@overload
def env_str(name: str, default: None = None) -> str | None: ...


def env_str(name: str, default: str | None = None) -> str | None:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in TRUE_WORDS:
        return True
    if value in FALSE_WORDS:
        return False
    raise ConfigError(f"{name}: expected one of 1/0, true/false, yes/no, on/off; got {raw!r}")


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise ConfigError(f"{name}: expected a whole number; got {raw!r}") from None


def env_list(name: str, default: Iterable[str] = ()) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return list(default)
    return [item.strip() for item in raw.split(",") if item.strip()]


def env_origins(name: str) -> list[str]:
    origins = env_list(name)
    for origin in origins:
        parsed = urlparse(origin)
        if parsed.scheme not in ("http", "https") or not parsed.netloc:
            raise ConfigError(f"{name}: {origin!r} is not an origin like https://erp.example.com")
    return origins


def env_database(name: str, default: str) -> dj_database_url.DBConfig:
    raw = os.environ.get(name) or default
    if raw.split("://", 1)[0] not in ("postgres", "postgresql", "pgsql", "postgis"):
        raise ConfigError(f"{name}: expected a postgresql:// URL; got {raw!r}")
    try:
        config = dj_database_url.parse(raw, conn_max_age=60, conn_health_checks=True)
    except Exception as exc:  # dj_database_url raises several types
        raise ConfigError(f"{name}: cannot parse {raw!r} ({exc})") from None
    if not config.get("NAME"):
        raise ConfigError(f"{name}: the URL names no database; got {raw!r}")
    return config


def env_redis(name: str, default: str) -> str:
    raw = os.environ.get(name) or default
    scheme = raw.split("://", 1)[0]
    if scheme not in ("redis", "rediss", "redis+socket", "unix"):
        raise ConfigError(f"{name}: expected redis://host:port/db or redis+socket:///path; got {raw!r}")
    parsed = urlparse(raw)
    if scheme in ("redis", "rediss") and not parsed.hostname:
        raise ConfigError(f"{name}: the URL names no host; got {raw!r}")
    if scheme in ("redis+socket", "unix") and not parsed.path:
        raise ConfigError(f"{name}: the URL names no socket path; got {raw!r}")
    return raw


def env_timezone(name: str, default: str) -> str:
    raw = os.environ.get(name) or default
    try:
        zoneinfo.ZoneInfo(raw)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise ConfigError(f"{name}: {raw!r} is not a time zone name like Asia/Taipei") from None
    return raw


def env_email(name: str) -> dict[str, str | int | bool]:
    """EMAIL_URL: smtp://user:pass@host:port, smtp+tls://…, smtp+ssl://…, console:// (default)."""
    raw = os.environ.get(name) or "console://"
    parsed = urlparse(raw)
    if parsed.scheme == "console":
        return {"EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend"}
    if parsed.scheme not in ("smtp", "smtp+tls", "smtp+ssl") or not parsed.hostname:
        raise ConfigError(f"{name}: expected smtp://user:password@host:port or console://; got {raw!r}")
    try:
        port = parsed.port or (465 if parsed.scheme == "smtp+ssl" else 587 if parsed.scheme == "smtp+tls" else 25)
    except ValueError:
        raise ConfigError(f"{name}: the port is not a number; got {raw!r}") from None
    return {
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": parsed.hostname,
        "EMAIL_PORT": port,
        "EMAIL_HOST_USER": parsed.username or "",
        "EMAIL_HOST_PASSWORD": parsed.password or "",
        "EMAIL_USE_TLS": parsed.scheme == "smtp+tls",
        "EMAIL_USE_SSL": parsed.scheme == "smtp+ssl",
    }


FERNET_KEY_HINT = ("python3 -c \"import base64, os; print(base64.urlsafe_b64encode(os.urandom(32)).decode())\"")


def env_fernet_keys(name: str) -> list[str]:
    """Comma-separated Fernet keys (32 bytes in url-safe Base64, 44 characters), newest first."""
    keys = env_list(name)
    for index, key in enumerate(keys, start=1):
        try:
            raw = base64.urlsafe_b64decode(key.encode("ascii"))
        except (binascii.Error, ValueError, UnicodeEncodeError):
            raw = b""
        if len(raw) != 32 or len(key) != 44:
            raise ConfigError(f"{name}: key {index} is not a Fernet key (32 bytes in url-safe Base64, 44 characters;"
                              f" make one with {FERNET_KEY_HINT})")
    return keys


def derived_fernet_key(secret_key: str) -> str:
    """The Fernet key made from Django's SECRET_KEY, for when FIELD_ENCRYPTION_KEY is not set: HMAC-SHA256
    with a purpose of its own, so it is no key Django uses for anything else."""
    digest = hmac.new(secret_key.encode("utf-8"), b"erp.crypto field encryption key", hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode("ascii")
