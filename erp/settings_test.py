"""Test settings: the real settings plus a test-only sample app (a concrete document, events)."""

import os

os.environ.setdefault("SECRET_KEY", "test-only-secret-key")

from erp.settings import *  # noqa: E402,F401,F403
from erp.settings import INSTALLED_APPS  # noqa: E402

INSTALLED_APPS = [*INSTALLED_APPS, "tests.sampleapp"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # fast logins in tests
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
EVENT_RETRY_BASE_SECONDS = 0
SECURE_SSL_REDIRECT = False
WHITENOISE_USE_FINDERS = True
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # noqa: F405  (whitenoise warns when it is missing)
DATABASES["default"]["CONN_MAX_AGE"] = 0  # noqa: F405  (live-server threads must not keep connections open)
