"""The session idle timeout (SESSION_COOKIE_AGE, erp.middleware.SessionIdleMiddleware): a page load
or a write extends the session, a background htmx GET does not, and an expired session signs out."""

import time
from datetime import timedelta

from django.contrib.sessions.models import Session
from django.utils import timezone

from erp.middleware import SessionIdleMiddleware


def session_of(client):
    return Session.objects.get(session_key=client.session.session_key)


def stale(client, seconds_left):
    """The session as if its last activity was long ago: ``seconds_left`` before it expires."""
    session = client.session
    session[SessionIdleMiddleware.KEY] = int(time.time()) - 3600
    session.save()
    Session.objects.filter(session_key=session.session_key).update(
        expire_date=timezone.now() + timedelta(seconds=seconds_left))


def test_a_page_load_moves_the_expiry_to_the_idle_timeout_from_now(client, make_user, settings):
    settings.SESSION_COOKIE_AGE = 900
    client.force_login(make_user("clerk", "Sales"))
    stale(client, 60)

    assert client.get("/").status_code == 200

    left = (session_of(client).expire_date - timezone.now()).total_seconds()
    assert 890 < left <= 900
    assert client.cookies[settings.SESSION_COOKIE_NAME]["max-age"] == 900


def test_a_background_htmx_refresh_does_not_extend_the_session(client, make_user, settings):
    settings.SESSION_COOKIE_AGE = 900
    client.force_login(make_user("clerk", "Sales"))
    stale(client, 60)

    client.get("/office/inbox/badge/", HTTP_HX_REQUEST="true")

    left = (session_of(client).expire_date - timezone.now()).total_seconds()
    assert left <= 60


def test_an_idle_session_has_expired(client, make_user):
    client.force_login(make_user("clerk", "Sales"))
    stale(client, -1)

    response = client.get("/")

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
