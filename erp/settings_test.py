"""Test settings: the real settings plus a test-only sample app (a concrete document, events).

Under pytest-xdist (`make test` runs it; see docs/testing.md) every worker is its own process with
its own database (pytest-django names it test_<db>_gw0, _gw1, …) and, below, its own Redis database:
the event tests start a Celery worker and flush the broker's database, which must not touch another
worker's queue."""

import os
import re
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

os.environ.setdefault("SECRET_KEY", "test-only-secret-key-" + "0123456789" * 4)  # 50+: erp.settings

from erp.settings import *  # noqa: E402,F401,F403
from erp.settings import ALLOWED_HOSTS, INSTALLED_APPS, REDIS_URL  # noqa: E402


def redis_url_for_worker(url: str, worker: str | None) -> str:
    """``url`` with its Redis database number moved up by the xdist worker's index (gw0 keeps it,
    gw1 takes the next one, …); unchanged outside xdist. Redis has 16 databases unless configured
    otherwise: REDIS_URL=…/9 (what scripts/services.py gives tests) leaves room for 7 workers."""
    index = int(worker[2:]) if worker and re.fullmatch(r"gw\d+", worker) else 0
    if index == 0:
        return url
    parts = urlsplit(url)
    if parts.scheme in ("redis", "rediss"):  # redis://host:port/N
        number = int(parts.path.strip("/") or 0)
        return urlunsplit(parts._replace(path=f"/{number + index}"))
    # redis+socket:///path?virtual_host=N (the embedded Redis) or unix:///path?db=N; urlunsplit would
    # drop the empty host's "//", so the query is rebuilt by hand.
    key = "virtual_host" if parts.scheme == "redis+socket" else "db"
    query = dict(parse_qsl(parts.query))
    query[key] = str(int(query.get(key) or 0) + index)
    return f"{url.partition('?')[0]}?{urlencode(query)}"


INSTALLED_APPS = [*INSTALLED_APPS, "tests.sampleapp"]
# Schemathesis' in-process WSGI client (tests/erp/api_fuzz.py) sends Host: localhost, also when DEBUG
# is off (as in `make test`), where the real settings allow no host (Django adds "testserver" only).
ALLOWED_HOSTS = [*ALLOWED_HOSTS, "localhost"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # fast logins in tests
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
EVENT_RETRY_BASE_SECONDS = 0
SECURE_SSL_REDIRECT = False
WHITENOISE_USE_FINDERS = True
# Find a static file when it is asked for, instead of indexing every file (each with its headers) each
# time a test client builds its middleware: that index was a tenth of a request-heavy test's time.
WHITENOISE_AUTOREFRESH = True
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # noqa: F405  (whitenoise warns when it is missing)
DATABASES["default"]["CONN_MAX_AGE"] = 0  # noqa: F405  (live-server threads must not keep connections open)
DATABASES["default"]["ENGINE"] = "tests.postgresql"  # noqa: F405  (a faster flush after transactional tests)
REDIS_URL = redis_url_for_worker(REDIS_URL, os.environ.get("PYTEST_XDIST_WORKER"))
CELERY_BROKER_URL = REDIS_URL
