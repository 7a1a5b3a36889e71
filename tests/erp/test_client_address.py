"""Which address the audit trail and the access log record: REMOTE_ADDR, or X-Forwarded-For only
through TRUSTED_PROXY_COUNT proxies, always validated — a forged header never chooses the address
and never turns a save into a 500."""

import pytest
from auditlog.models import LogEntry
from django.test import RequestFactory

from erp.access_log import client_ip, client_port
from erp.models import AccessLog
from office.models import Task


def address(settings, proxies=0, **meta):
    settings.TRUSTED_PROXY_COUNT = proxies
    return client_ip(RequestFactory().get("/", **meta))


def test_without_trusted_proxies_the_forwarded_header_is_ignored(settings):
    assert address(settings, REMOTE_ADDR="10.0.0.5", HTTP_X_FORWARDED_FOR="203.0.113.9") == "10.0.0.5"


def test_behind_one_proxy_the_right_most_entry_is_the_client_and_spoofed_left_entries_are_ignored(settings):
    forged = "198.51.100.66, 203.0.113.9"  # the client sent the first; the proxy appended the second

    assert address(settings, 1, REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR=forged) == "203.0.113.9"
    assert address(settings, 1, REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="203.0.113.9") == "203.0.113.9"


def test_behind_two_proxies_the_second_entry_from_the_right_is_the_client(settings):
    forwarded = "198.51.100.66, 203.0.113.9, 10.0.0.1"

    assert address(settings, 2, REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR=forwarded) == "203.0.113.9"
    # a request that entered behind the outer proxy carries fewer entries: the left-most is a proxy's
    assert address(settings, 2, REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="10.0.0.1") == "10.0.0.1"


def test_behind_a_proxy_without_a_forwarded_header_remote_addr_counts(settings):
    assert address(settings, 1, REMOTE_ADDR="10.0.0.2") == "10.0.0.2"


@pytest.mark.parametrize("forwarded", ["not-an-ip", "", " , ", "fe80::1%eth0", "999.1.1.1", "1.2.3.4\x00"])
def test_a_forwarded_value_that_is_not_an_address_falls_back_to_remote_addr(settings, forwarded):
    assert address(settings, 1, REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR=forwarded) == "10.0.0.2"


def test_ipv6_and_ports_written_by_proxies(settings):
    assert address(settings, REMOTE_ADDR="2001:DB8::0:1") == "2001:db8::1"
    assert address(settings, 1, REMOTE_ADDR="::1", HTTP_X_FORWARDED_FOR="[2001:db8::7]:443") == "2001:db8::7"
    assert address(settings, 1, REMOTE_ADDR="::1", HTTP_X_FORWARDED_FOR="203.0.113.9:5123") == "203.0.113.9"


@pytest.mark.parametrize("remote", ["garbage", "", "unix:/run/gunicorn.sock"])
def test_a_remote_addr_that_is_not_an_address_gives_none(settings, remote):
    assert address(settings, REMOTE_ADDR=remote, HTTP_X_FORWARDED_FOR="203.0.113.9") is None
    assert address(settings, 1, REMOTE_ADDR=remote, HTTP_X_FORWARDED_FOR="nonsense") is None


def test_the_port_is_read_from_x_forwarded_port_only_behind_a_proxy_and_only_when_it_is_a_port(settings):
    factory = RequestFactory()
    settings.TRUSTED_PROXY_COUNT = 0
    assert client_port(factory.get("/", HTTP_X_FORWARDED_PORT="4444", REMOTE_PORT="5555")) == 5555
    settings.TRUSTED_PROXY_COUNT = 1
    assert client_port(factory.get("/", HTTP_X_FORWARDED_PORT="4444")) == 4444
    assert client_port(factory.get("/", HTTP_X_FORWARDED_PORT="-1")) is None
    assert client_port(factory.get("/", HTTP_X_FORWARDED_PORT="99999999999")) is None


def test_a_ui_save_with_a_forged_forwarded_header_records_remote_addr(client, make_user):
    user = make_user("clerk", "Sales")
    client.force_login(user)

    response = client.post(
        "/office/tasks/new/", {"title": "Call", "assignee_user": user.pk, "priority": "normal"},
        REMOTE_ADDR="10.1.2.3", HTTP_X_FORWARDED_FOR="not-an-ip", HTTP_X_FORWARDED_PORT="-7",
    )

    assert response.status_code == 302
    entry = LogEntry.objects.get_for_object(Task.objects.get()).get()
    assert (entry.actor, entry.remote_addr, entry.remote_port) == (user, "10.1.2.3", None)


def test_an_api_write_with_a_forged_forwarded_header_records_remote_addr(client, make_user):
    keeper = make_user("keeper", "Warehouse")
    client.force_login(keeper)

    response = client.post(
        "/api/office/tasks/", {"title": "Via API", "assignee_user": "keeper"}, content_type="application/json",
        REMOTE_ADDR="10.9.8.7", HTTP_X_FORWARDED_FOR="198.51.100.1, not-an-ip",
    )

    assert response.status_code == 201
    entry = LogEntry.objects.get_for_object(Task.objects.get(pk=response.json()["id"])).get()
    assert (entry.actor, entry.remote_addr) == (keeper, "10.9.8.7")


def test_a_spoofed_left_most_entry_is_not_recorded_behind_one_proxy(client, make_user, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    user = make_user("clerk", "Sales")
    client.force_login(user)

    client.post(
        "/office/tasks/new/", {"title": "Call", "assignee_user": user.pk, "priority": "normal"},
        REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="198.51.100.66, 203.0.113.9",
    )

    entry = LogEntry.objects.get_for_object(Task.objects.get()).get()
    assert entry.remote_addr == "203.0.113.9"


def test_the_access_log_records_remote_addr_despite_a_forged_header(client, make_user):
    make_user("clerk")

    client.post("/accounts/login/", {"username": "clerk", "password": "wrong"},
                REMOTE_ADDR="10.0.0.9", HTTP_X_FORWARDED_FOR="not-an-ip")
    client.post("/accounts/login/", {"username": "clerk", "password": "pw-for-tests"},
                REMOTE_ADDR="::1", HTTP_X_FORWARDED_FOR="198.51.100.1")

    assert list(AccessLog.objects.order_by("pk").values_list("kind", "ip_address")) == [
        ("login_failed", "10.0.0.9"), ("login", "::1"),
    ]
