"""What the issue tried as a new user would, against the fake WeCom server: a sales manager receives a
credit-exception card, taps approve, the order proceeds and the card reads 已核准 (the rep is told); a
department's group robot posts the day's late orders."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from office.models import (
    ApprovalRequest,
    Notification,
    NotificationDelivery,
    WeComApprovalCard,
    WeComCallback,
    WeComIdentity,
    WeComRobot,
    WeComSettings,
)
from office.services.notifications import delivery_send
from office.services.wecom import robot_queue_drain
from office.services.wecom_cards import callback_process, card_update_send
from sales.models import CreditApproval, SalesOrder
from sales.services.late_orders import late_orders_notify
from sales.services.masterdata import customer_update
from sales.services.orders import credit_request_approval, order_confirm
from tests.office.conftest import (
    AES_KEY,
    AGENT_ID,
    CALLBACK_TOKEN,
    CORP_ID,
    CORP_SECRET,
    ROBOT_KEY,
    fake_wecom,
    wecom_clock,
)

__all__ = ["fake_wecom", "wecom_clock"]  # the fake server's fixtures, used here

D = Decimal
pytestmark = pytest.mark.django_db


def send_pending(channel):
    pending = NotificationDelivery.objects.filter(channel=channel, status="pending").values_list("pk", flat=True)
    return [delivery_send(pk) for pk in pending]


def test_a_sales_manager_approves_a_credit_exception_from_the_wecom_card(sal, fake_wecom, client):
    customer_update(customer=sal.customer, actor=sal.manager, credit_limit=D("1000"))
    order = sal.order([{"item": sal.widget, "quantity": D("20")}])  # 2,100 with tax
    WeComSettings.objects.create(company=sal.company, corp_id=CORP_ID, agent_id=AGENT_ID, app_secret=CORP_SECRET,
                                 callback_token=CALLBACK_TOKEN, encoding_aes_key=AES_KEY, enabled=True,
                                 api_base=fake_wecom.url)
    sal.manager.language = "zh-hant"
    sal.manager.save()
    WeComIdentity.objects.create(company=sal.company, user=sal.manager, wecom_userid="zhangsan")

    credit_request_approval(order=order, actor=sal.rep)
    assert send_pending("wecom") == ["sent"]  # the worker's part, after commit

    card = fake_wecom.messages[-1]["body"]["template_card"]
    assert card["main_title"]["title"] == f"簽核：{order.reference}"
    assert [button["text"] for button in card["button_list"]] == ["核准", "駁回"]
    answer = fake_wecom.click_button(reverse("office:wecom_callback", args=[sal.company.pk]), token=CALLBACK_TOKEN,
                                     encoding_aes_key=AES_KEY, corp_id=CORP_ID, from_user="zhangsan",
                                     task_id=card["task_id"], event_key="approve", client=client)
    assert (answer.status, answer.body) == (200, "")
    assert callback_process(callback_id=WeComCallback.objects.get().pk) == "applied"

    assert ApprovalRequest.objects.get().status == "approved"
    approval = CreditApproval.objects.get(order=order)
    assert (approval.approved_by, approval.order_total) == (sal.manager, D("2100.00"))
    assert card_update_send(card_id=WeComApprovalCard.objects.get().pk) == "updated"
    assert fake_wecom.card_updates[-1]["body"]["button"] == {"replace_name": "已核准"}

    told = Notification.objects.get(recipient=sal.rep, kind="office.approval_decided")
    assert order.reference in told.text
    assert order_confirm(order=order, actor=sal.rep).order.status == "confirmed"  # the order proceeds


def test_the_departments_robot_posts_the_days_late_orders(sal, fake_wecom):
    WeComSettings.objects.create(company=sal.company, corp_id=CORP_ID, agent_id=AGENT_ID, app_secret=CORP_SECRET,
                                 callback_token=CALLBACK_TOKEN, encoding_aes_key=AES_KEY, enabled=True,
                                 api_base=fake_wecom.url)
    robot = WeComRobot.objects.create(company=sal.company, department=sal.rep.department, name="業務群",
                                      webhook_key=ROBOT_KEY)
    sal.receive(sal.widget, 10)
    order = sal.order([{"item": sal.widget, "quantity": D("1")}])
    order_confirm(order=order, actor=sal.rep)
    SalesOrder.objects.filter(pk=order.pk).update(promised_date=sal.today - datetime.timedelta(days=3))

    late_orders_notify(company=sal.company, today=sal.today)
    assert send_pending("wecom_robot") == ["sent"]  # into the robot's paced queue
    assert robot_queue_drain(robot_id=robot.pk).sent == 1

    post = fake_wecom.robot_posts[-1]
    assert post["key"] == ROBOT_KEY and post["body"]["msgtype"] == "markdown"
    content = post["body"]["markdown"]["content"]
    assert order.number in content and "大同機械" in content
    late_orders_notify(company=sal.company, today=sal.today)  # again the same day: no second digest
    assert send_pending("wecom_robot") == []


def test_wecom_down_for_an_hour_the_notification_waits_and_goes_when_it_is_back(sal, fake_wecom):
    WeComSettings.objects.create(company=sal.company, corp_id=CORP_ID, agent_id=AGENT_ID, app_secret=CORP_SECRET,
                                 callback_token=CALLBACK_TOKEN, encoding_aes_key=AES_KEY, enabled=True,
                                 api_base=fake_wecom.url)
    WeComIdentity.objects.create(company=sal.company, user=sal.rep, wecom_userid="lisi")
    sal.receive(sal.widget, 10)
    order = sal.order([{"item": sal.widget, "quantity": D("1")}])
    order_confirm(order=order, actor=sal.rep)
    SalesOrder.objects.filter(pk=order.pk).update(promised_date=sal.today - datetime.timedelta(days=1))
    fake_wecom.stop()

    late_orders_notify(company=sal.company, today=sal.today)
    assert send_pending("wecom") == ["retry"]
    delivery = NotificationDelivery.objects.get(channel="wecom")
    assert (delivery.status, delivery.attempts) == ("pending", 1) and delivery.next_attempt_at is not None

    fake_wecom.start()  # back on the same address
    NotificationDelivery.objects.filter(pk=delivery.pk).update(next_attempt_at=delivery.created_at)  # now due
    assert send_pending("wecom") == ["sent"]
    received = fake_wecom.messages[-1]
    assert received["to"] == ["lisi"] and order.number in received["body"]["text"]["content"]
