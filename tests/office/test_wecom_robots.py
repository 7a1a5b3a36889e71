"""A group robot's queue against the fake server: 20 posts a minute (a sliding window on a clock the
test moves), content cut to WeCom's byte limits, 93000 disabling the robot, 45009 pausing it, WeCom
down for an hour and back with nothing lost, one drainer per robot."""

import datetime

import pytest

from erp.models import Department
from office import tasks
from office.models import WeComRobot, WeComRobotMessage
from office.selectors.wecom import robot_for_department, robot_queue_status, robots_to_resume
from office.services import wecom as services
from office.status import RobotMessageStatus
from office.wecom import errors
from office.wecom.limits import MARKDOWN_BYTES, TEXT_BYTES
from tests.factories import CompanyFactory
from tests.office.conftest import ROBOT_KEY
from tests.parallel import run_parallel

WEBHOOK = "/cgi-bin/webhook/send"


@pytest.fixture
def robot(company, fake_wecom, wecom_settings):
    return WeComRobot.objects.create(company=company, name="業務群", webhook_key=ROBOT_KEY)


def enqueue(robot, clock, count, prefix="#"):
    return [services.robot_enqueue(robot=robot, msgtype="text", content=f"{prefix}{n}", clock=clock)
            for n in range(count)]


def posted(fake):
    return [post["body"]["text"]["content"] for post in fake.robot_posts]


def test_a_robot_posts_20_messages_a_minute_and_the_rest_after_the_window_moves(robot, fake_wecom, wecom_clock):
    start = wecom_clock.now()
    enqueue(robot, wecom_clock, 25)

    first = services.robot_queue_drain(robot_id=robot.pk, clock=wecom_clock)
    wecom_clock.advance(59)
    too_early = services.robot_queue_drain(robot_id=robot.pk, clock=wecom_clock)
    wecom_clock.advance(1)
    second = services.robot_queue_drain(robot_id=robot.pk, clock=wecom_clock)

    assert (first.sent, first.stopped, first.wait_until) == (20, "wait", start + datetime.timedelta(minutes=1))
    assert (too_early.sent, too_early.stopped) == (0, "wait")
    assert (second.sent, second.stopped) == (5, "idle")
    assert posted(fake_wecom) == [f"#{n}" for n in range(25)]  # in order, WeCom never said 45009
    assert WeComRobotMessage.objects.filter(status=RobotMessageStatus.SENT).count() == 25


def test_the_window_slides_a_post_leaving_it_frees_one_slot(robot, fake_wecom, wecom_clock):
    start = wecom_clock.now()
    for _ in range(20):  # one post every 2 s
        enqueue(robot, wecom_clock, 1)
        services.robot_queue_drain(robot_id=robot.pk, clock=wecom_clock)
        wecom_clock.advance(2)
    enqueue(robot, wecom_clock, 2, prefix="late")

    full = services.robot_queue_drain(robot_id=robot.pk, clock=wecom_clock)  # 40 s in: 20 posts in the window
    wecom_clock.advance((start + datetime.timedelta(seconds=60) - wecom_clock.now()).total_seconds())
    one = services.robot_queue_drain(robot_id=robot.pk, clock=wecom_clock)

    assert (full.sent, full.wait_until) == (0, start + datetime.timedelta(seconds=60))
    assert (one.sent, one.wait_until) == (1, start + datetime.timedelta(seconds=62))


def test_the_fake_itself_refuses_a_21st_post_in_a_minute(robot, fake_wecom):
    from office.wecom.client import robot_post

    answers = [robot_post(fake_wecom.url, ROBOT_KEY, "text", {"content": str(n)}).errcode for n in range(21)]

    assert answers == [0] * 20 + [errors.FREQUENCY]


def test_content_is_cut_to_the_byte_limits_at_a_whole_character(robot, wecom_clock):
    text = services.robot_enqueue(robot=robot, msgtype="text", content="遲" * 1000, clock=wecom_clock)
    markdown = services.robot_enqueue(robot=robot, msgtype="markdown", content="## 逾期\n" + "單" * 2000,
                                      clock=wecom_clock)

    for message, limit in [(text, TEXT_BYTES), (markdown, MARKDOWN_BYTES)]:
        content = message.payload["content"]
        assert len(content.encode("utf-8")) <= limit and content.endswith("…")
        assert len(content.encode("utf-8")) > limit - 6  # no more cut than a character and the ellipsis


def test_a_news_message_keeps_up_to_eight_articles_within_their_limits(robot, fake_wecom, wecom_clock):
    articles = [{"title": "逾期訂單" * 20, "description": "說明" * 200, "url": "https://erp.example.com/sales/",
                 "picurl": "https://erp.example.com/static/logo.png"}]
    message = services.robot_enqueue(robot=robot, msgtype="news", content=articles, clock=wecom_clock)
    services.robot_queue_drain(robot_id=robot.pk, clock=wecom_clock)

    article = fake_wecom.robot_posts[0]["body"]["news"]["articles"][0]
    assert len(article["title"].encode()) <= 128 and len(article["description"].encode()) <= 512
    assert article["url"] == "https://erp.example.com/sales/"
    message.refresh_from_db()
    assert message.status == RobotMessageStatus.SENT
    with pytest.raises(services.DomainError):
        services.robot_enqueue(robot=robot, msgtype="news", content=articles * 9, clock=wecom_clock)


def test_an_invalid_webhook_key_disables_the_robot_and_fails_its_queue(robot, fake_wecom, wecom_clock):
    fake_wecom.remove_robot(ROBOT_KEY)
    enqueue(robot, wecom_clock, 3)

    outcome = services.robot_queue_drain(robot_id=robot.pk, clock=wecom_clock)

    robot.refresh_from_db()
    assert not robot.is_active and "93000" in robot.display_disabled_reason
    assert "invalid webhook url" in robot.display_disabled_reason
    assert list(WeComRobotMessage.objects.values_list("status", "errcode")) == [("failed", 93000)] * 3
    assert (outcome.failed, outcome.stopped) == (1, "idle")
    assert len(fake_wecom.requests) == 1  # one post told it; the others were not tried
    later = services.robot_enqueue(robot=robot, msgtype="text", content="after", clock=wecom_clock)
    assert later.status == RobotMessageStatus.FAILED


def test_too_many_pauses_the_robot_a_minute_then_two_and_the_message_waits(robot, fake_wecom, wecom_clock):
    fake_wecom.fail_next(WEBHOOK, errors.FREQUENCY, "api freq out of limit", times=2)
    start = wecom_clock.now()
    enqueue(robot, wecom_clock, 2)

    first = services.robot_queue_drain(robot_id=robot.pk, clock=wecom_clock)
    wecom_clock.advance(60)
    second = services.robot_queue_drain(robot_id=robot.pk, clock=wecom_clock)
    wecom_clock.advance(120)
    third = services.robot_queue_drain(robot_id=robot.pk, clock=wecom_clock)

    assert (first.sent, first.wait_until) == (0, start + datetime.timedelta(minutes=1))
    assert (second.sent, second.wait_until) == (0, start + datetime.timedelta(minutes=3))
    assert third.sent == 2 and posted(fake_wecom) == ["#0", "#1"]
    robot.refresh_from_db()
    assert (robot.backoff_until, robot.backoff_count) == (None, 0)


def test_a_message_wecom_refuses_fails_alone_and_the_next_one_goes(robot, fake_wecom, wecom_clock):
    fake_wecom.fail_next(WEBHOOK, 40008, "invalid message type")
    enqueue(robot, wecom_clock, 2)

    outcome = services.robot_queue_drain(robot_id=robot.pk, clock=wecom_clock)

    assert (outcome.sent, outcome.failed) == (1, 1)
    assert list(WeComRobotMessage.objects.order_by("pk").values_list("status", flat=True)) == ["failed", "sent"]


@pytest.mark.parametrize("outage", ["stopped", "503"])
def test_wecom_down_for_an_hour_then_back_delivers_everything_in_order(robot, fake_wecom, wecom_clock, outage):
    if outage == "stopped":
        fake_wecom.stop()
    else:
        fake_wecom.down = 503
    enqueue(robot, wecom_clock, 3)
    end = wecom_clock.now() + datetime.timedelta(hours=1)
    tries = 0
    while wecom_clock.now() < end:  # the beat task, every 30 s of the hour
        if robots_to_resume(wecom_clock.now()):
            outcome = services.robot_queue_drain(robot_id=robot.pk, clock=wecom_clock)
            assert outcome.sent == 0
            tries += 1
        wecom_clock.advance(30)
    head = WeComRobotMessage.objects.order_by("pk").first()
    assert head.status == RobotMessageStatus.PENDING and head.errcode == errors.SYSTEM_BUSY
    assert tries == head.attempts and 5 <= tries <= 12  # 30 s doubling up to 10 minutes

    fake_wecom.down = None
    fake_wecom.start()
    wecom_clock.advance((head.next_attempt_at - wecom_clock.now()).total_seconds())
    assert robots_to_resume(wecom_clock.now()) == [robot.pk]
    back = services.robot_queue_drain(robot_id=robot.pk, clock=wecom_clock)

    assert back.sent == 3 and posted(fake_wecom) == ["#0", "#1", "#2"]


def test_the_beat_resumes_only_active_robots_with_a_due_message_and_no_pause(robot, company, wecom_clock):
    now = wecom_clock.now()
    paused = WeComRobot.objects.create(company=company, name="暫停", webhook_key=ROBOT_KEY,
                                       backoff_until=now + datetime.timedelta(minutes=1))
    off = WeComRobot.objects.create(company=company, name="停用", webhook_key=ROBOT_KEY, is_active=False)
    idle = WeComRobot.objects.create(company=company, name="空", webhook_key=ROBOT_KEY)
    for each in (robot, paused, off):
        WeComRobotMessage.objects.create(company=company, robot=each, msgtype="text", payload={"content": "x"},
                                         next_attempt_at=now)
    WeComRobotMessage.objects.create(company=company, robot=idle, msgtype="text", payload={"content": "x"},
                                     next_attempt_at=now + datetime.timedelta(seconds=5))

    assert robots_to_resume(now) == [robot.pk]


def test_a_queued_message_asks_a_worker_to_drain_the_robot_after_commit(robot, wecom_clock, monkeypatch,
                                                                       django_capture_on_commit_callbacks):
    asked = []
    monkeypatch.setattr(services, "enqueue_robot_drain", lambda robot_id, eta=None: asked.append(robot_id))

    with django_capture_on_commit_callbacks(execute=True):
        services.robot_enqueue(robot=robot, msgtype="markdown", content="**今日逾期訂單**", clock=wecom_clock)
        assert asked == []  # not before the commit

    assert asked == [robot.pk]


def test_the_drain_task_comes_back_when_the_window_frees(robot, wecom_clock, monkeypatch):
    wait = wecom_clock.now() + datetime.timedelta(seconds=42)
    later = []
    monkeypatch.setattr(tasks, "robot_queue_drain",
                        lambda robot_id: services.DrainOutcome(sent=20, stopped="wait", wait_until=wait))
    monkeypatch.setattr(tasks, "enqueue_robot_drain", lambda robot_id, eta=None: later.append((robot_id, eta)))

    assert tasks.drain_robot(robot.pk) == {"sent": 20, "failed": 0, "stopped": "wait"}
    assert later == [(robot.pk, wait)]


@pytest.mark.django_db(transaction=True)
def test_two_drainers_at_once_post_each_message_once_within_the_window(fake_wecom, wecom_clock):
    from office.models import WeComSettings

    company = CompanyFactory(code="PAR")
    WeComSettings.objects.create(company=company, api_base=fake_wecom.url)
    robot = WeComRobot.objects.create(company=company, name="群", webhook_key=ROBOT_KEY)
    enqueue(robot, wecom_clock, 25)
    fake_wecom.delay = 0.02

    outcomes, errors_ = run_parallel(2, lambda i: services.robot_queue_drain(robot_id=robot.pk, clock=wecom_clock))

    assert errors_ == []
    assert sum(outcome.sent for outcome in outcomes) == 20
    assert sorted(posted(fake_wecom), key=lambda text: int(text[1:])) == [f"#{n}" for n in range(20)]
    assert len(set(posted(fake_wecom))) == 20


def test_a_test_post_reports_wecoms_answer(robot, fake_wecom, wecom_clock, make_user):
    admin = make_user("admin", "System admin")

    ok = services.robot_test_post(robot=robot, actor=admin, clock=wecom_clock)
    fake_wecom.remove_robot(ROBOT_KEY)
    refused = services.robot_test_post(robot=robot, actor=admin, clock=wecom_clock)

    assert ok.message.status == RobotMessageStatus.SENT and ok.explain == str(errors.EXPLANATIONS[errors.OK])
    assert refused.message.errcode == errors.INVALID_WEBHOOK
    assert refused.explain == str(errors.EXPLANATIONS[errors.INVALID_WEBHOOK])


def test_a_webhook_address_pasted_whole_keeps_its_key(company, make_user):
    robot = services.robot_save(company=company, actor=None, name="倉儲群",
                                webhook_key=f"https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key={ROBOT_KEY}")

    assert WeComRobot.objects.get(pk=robot.pk).webhook_key == ROBOT_KEY
    services.robot_save(company=company, actor=None, robot=robot, name="倉儲群 2", webhook_key="")
    assert WeComRobot.objects.get(pk=robot.pk).webhook_key == ROBOT_KEY  # blank keeps it


def test_a_departments_robot_or_else_the_companys(company):
    sales = Department.objects.create(company=company, code="SAL", name="業務部")
    general = WeComRobot.objects.create(company=company, name="全公司", webhook_key=ROBOT_KEY)
    own = WeComRobot.objects.create(company=company, name="業務", webhook_key=ROBOT_KEY, department=sales)

    assert robot_for_department(company, sales) == own
    assert robot_for_department(company, None) == general
    assert robot_queue_status(own).waiting == 0
