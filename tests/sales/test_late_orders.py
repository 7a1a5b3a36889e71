"""The daily late-order scan: each confirmed order past its promised date with quantities still to
deliver notifies its rep once a day, and each department's group channel gets the day's late orders
as one digest; running the scan again the same day sends nothing twice."""

import datetime
from decimal import Decimal

import pytest
from django.utils import translation

from erp.formats import format_date
from erp.models import Department, User
from office import notification_channels as registry
from office.models import Broadcast, Notification, NotificationDelivery
from office.notification_channels import SENT, ChannelResult
from sales.models import SalesOrder
from sales.services.late_orders import late_orders_notify
from sales.services.orders import order_confirm
from sales.tasks import notify_late_orders

D = Decimal
DAY = datetime.timedelta(days=1)


@pytest.fixture
def robot():
    """A group channel serving every department (the lead's WeCom robot, for the test)."""
    registry.register_group_channel("test_robot", "Test robot", lambda delivery: ChannelResult(SENT))
    yield
    registry.GROUP_CHANNELS.pop("test_robot", None)


def late_order(sal, *, days_late=2, customer=None, actor=None, item=None):
    order = sal.order([{"item": item or sal.widget, "quantity": D("1")}], customer=customer, actor=actor)
    order_confirm(order=order, actor=actor or sal.rep)
    SalesOrder.objects.filter(pk=order.pk).update(promised_date=sal.today - days_late * DAY)
    return SalesOrder.objects.get(pk=order.pk)


def test_each_late_orders_rep_is_notified_once_a_day(sal, robot):
    sal.receive(sal.widget, 30)
    order = late_order(sal)
    late_order(sal, days_late=0)  # promised today: not late yet

    assert late_orders_notify(company=sal.company, today=sal.today) == 1
    assert late_orders_notify(company=sal.company, today=sal.today) == 0  # again the same day: nothing
    # the next day: the first is still late, and the one promised today has become late
    assert late_orders_notify(company=sal.company, today=sal.today + DAY) == 2

    notification = Notification.objects.filter(kind="sales.order_late").order_by("pk").first()
    assert (notification.recipient, notification.document_id) == (sal.rep, order.pk)
    assert notification.link == f"/sales/orders/{order.pk}/"
    with translation.override("en"):
        promised = format_date(sal.today - 2 * DAY)
        assert notification.display_text == (f"{order.number} for 大同機械 is late: promised for {promised}, "
                                             "not all delivered.")


def test_delivered_cancelled_and_draft_orders_are_not_late(sal, robot):
    sal.receive(sal.widget, 30)
    order = late_order(sal)
    SalesOrder.objects.filter(pk=order.pk).update(status="delivered")
    draft = sal.order([{"item": sal.widget, "quantity": D("1")}])
    SalesOrder.objects.filter(pk=draft.pk).update(promised_date=sal.today - 5 * DAY)

    assert late_orders_notify(company=sal.company, today=sal.today) == 0
    assert Broadcast.objects.count() == 0


def test_the_days_late_orders_go_to_each_departments_group_as_one_digest(sal, robot):
    sales_one = Department.objects.create(company=sal.company, code="S1", name="業務一部")
    User.objects.filter(pk=sal.rep.pk).update(department=sales_one)
    sal.receive(sal.widget, 30)
    first, second = late_order(sal, days_late=3), late_order(sal, days_late=1)
    third = late_order(sal, customer=sal.other_customer, actor=sal.rep2)  # rep2 has no department

    late_orders_notify(company=sal.company, today=sal.today)
    late_orders_notify(company=sal.company, today=sal.today)

    digests = {b.department: b for b in Broadcast.objects.all()}
    assert set(digests) == {sales_one, None}  # None: the company's own group
    with translation.override("en"):
        lines = digests[sales_one].display_text.splitlines()
        assert lines[0] == f"Late orders on {format_date(sal.today)}: 2"
        assert [line.split(" · ")[0] for line in lines[1:]] == [first.number, second.number]
        assert digests[None].display_text.splitlines()[1].startswith(f"{third.number} · 永豐工業 · ")
    assert digests[sales_one].link == "/sales/orders/?late=on"
    assert NotificationDelivery.objects.filter(broadcast__isnull=False, channel="test_robot").count() == 2
    assert Notification.objects.filter(kind="sales.order_late").count() == 3


def test_the_beat_task_scans_every_company(sal, robot):
    sal.receive(sal.widget, 30)
    late_order(sal)

    assert notify_late_orders() == 1
    assert notify_late_orders() == 0


def test_the_beat_runs_the_scan_daily(settings):
    assert settings.CELERY_BEAT_SCHEDULE["notify-late-orders"]["task"] == "sales.tasks.notify_late_orders"
