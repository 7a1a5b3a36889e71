"""The site's URLs plus two views that fail with a deadlock, for the busy-page tests."""

from django.db import OperationalError
from django.http import HttpRequest, HttpResponse
from django.urls import path

from erp.urls import urlpatterns as site_urlpatterns

CALLS: list[str] = []


class Deadlock(Exception):
    pgcode = "40P01"  # what psycopg reports for deadlock_detected


def deadlocked(request: HttpRequest) -> HttpResponse:
    CALLS.append(request.path)
    raise OperationalError("deadlock detected") from Deadlock()


urlpatterns = [path("conflict/", deadlocked), path("api/conflict/", deadlocked), *site_urlpatterns]
