"""Every URL pattern: anonymous users go to the login page, signed-in users without the
permission get a 403, nobody ever gets a 500. And no view forgot to declare its permission."""

import re

import pytest
from django.urls import URLPattern, URLResolver, get_resolver
from rest_framework.views import APIView

from tests.factories import UserFactory

SAMPLE_VALUE = "1"


def iter_patterns(patterns=None, prefix="", namespace=""):
    for entry in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(entry, URLResolver):
            ns = entry.namespace or namespace
            yield from iter_patterns(entry.url_patterns, prefix + str(entry.pattern), ns)
        elif isinstance(entry, URLPattern):
            yield prefix + str(entry.pattern), entry, namespace


def sample_url(route):
    """'office/tasks/<int:pk>/' or '^tasks/(?P<pk>[^/.]+)/$' -> a concrete path."""
    url = re.sub(r"\(\?P<\w+>[^)]*\)", SAMPLE_VALUE, route)
    url = re.sub(r"<(?:\w+:)?\w+>", SAMPLE_VALUE, url)
    url = url.replace("^", "").replace("$", "").replace("\\.", ".").replace("/?", "/")
    return "/" + url


def app_urls():
    seen = set()
    for route, pattern, namespace in iter_patterns():
        if namespace == "admin" or route.startswith("admin/"):
            continue
        if "format" in route:  # DRF's .json suffix variants repeat the same views
            continue
        url = sample_url(route)
        if url not in seen:
            seen.add(url)
            yield url, pattern


def requirement(callback):
    """What a view declared: 'public', 'login', a tuple of permissions, or 'api' (DRF classes)."""
    if getattr(callback, "erp_permission", None):
        return callback.erp_permission
    view_class = getattr(callback, "view_class", None) or getattr(callback, "cls", None)
    if view_class is not None and issubclass(view_class, APIView):
        return "api"
    return None


URLS = list(app_urls())
API_LOGIN_ONLY = {"/api/schema/", "/api/docs/", "/api/office/"}


def test_every_view_declares_its_permission():
    undeclared = [url for url, pattern in URLS if requirement(pattern.callback) is None]
    assert undeclared == []


@pytest.mark.parametrize("url,pattern", URLS, ids=[u for u, _ in URLS])
def test_anonymous_users_are_sent_to_log_in(client, db, url, pattern):
    response = client.get(url)
    kind = requirement(pattern.callback)

    if kind == "public":
        assert response.status_code in (200, 302, 405)
    elif kind == "api":
        assert response.status_code in (401, 403)
    else:
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/?next=")


@pytest.mark.parametrize("url,pattern", URLS, ids=[u for u, _ in URLS])
def test_signed_in_users_without_the_permission_get_403(client, db, roles, url, pattern):
    client.force_login(UserFactory(username="nobody"))
    response = client.get(url)
    kind = requirement(pattern.callback)

    if kind == "public" or kind == "login" or url in API_LOGIN_ONLY:
        # login-only pages of one's own records (an export) answer 404 for another user's id
        assert response.status_code in (200, 302, 404, 405)
    else:
        assert response.status_code == 403
        if kind != "api":
            assert "您無權開啟此頁面" in response.content.decode()  # translated, zh-Hant by default


@pytest.mark.parametrize("url,pattern", URLS, ids=[u for u, _ in URLS])
def test_a_system_admin_never_gets_a_server_error(client, db, roles, url, pattern):
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    response = client.get(url)

    assert response.status_code < 500


def test_admin_pages_need_staff(client, db):
    client.force_login(UserFactory(username="plain"))

    response = client.get("/admin/")

    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")
