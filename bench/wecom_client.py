"""The WeCom client's throughput with the limits honoured, against the fake WeCom server (never the real
one); bench/wecom_notifications.py is the notifications end to end, through a Celery worker.

    .venv/bin/python bench/wecom_client.py --messages 10000 --users 200 --threads 4 --robot 1000

1. App messages: ``--messages`` text messages to ``--users`` members from ``--threads`` threads, through
   ``office.wecom.client.send_app_message`` (token cache, per-member counts under row locks, HTTP to
   the fake). A member over 30 a minute or 1,000 an hour is deferred; the bench then moves the shared
   clock (the client's and the fake's, ``ManualClock``) to the time a slot frees and sends what was
   deferred, so no simulated minute is waited for in real time. Prints messages/s (wall clock), how
   many sends were deferred, gettoken calls, the fake's 45009 answers (0: the client kept the limits)
   and the most messages one member got in any minute (≤ 30).
2. Group robot: ``--robot`` messages queued for one robot (``robot_enqueue``) and drained
   (``robot_queue_drain``) with the clock moved a minute whenever the window is full. Prints posts/s
   (wall clock) and the most posts in any minute (≤ 20).

It uses a company of its own (code WECOMBENCH, made on the first run and kept, like the other benches'
BENCH) and deletes the WeCom rows it made at the end. Run it with the server's environment
(DATABASE_URL, and DEBUG or SECRET_KEY), as the other bench scripts.
"""

import argparse
import datetime
import os
import secrets
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "erp.settings")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402

from erp.models import Company  # noqa: E402
from office.models import WeComAccessToken, WeComRobot, WeComRobotMessage, WeComSettings, WeComUserSends  # noqa: E402
from office.services import wecom as services  # noqa: E402
from office.wecom import client  # noqa: E402
from office.wecom.clock import ManualClock  # noqa: E402
from office.wecom.fake import FakeWeCom  # noqa: E402

MINUTE = datetime.timedelta(minutes=1)


def most_in_a_minute(times):
    """The most events in any 60-second window (a sliding window over sorted times)."""
    times, most, start = sorted(times), 0, 0
    for end, moment in enumerate(times):
        while moment - times[start] >= MINUTE:
            start += 1
        most = max(most, end - start + 1)
    return most


def send_share(settings, share, clock, later, lock):
    """One thread's sends; the members deferred go into ``later`` with the time a slot frees."""
    mine = WeComSettings.objects.get(pk=settings.pk)
    for userid in share:
        result = client.send_app_message(mine, userids=[userid], msgtype="text", content="bench", clock=clock)
        if result.deferred_users:
            with lock:
                later.append((userid, result.retry_at))
    connection.close()


def app_messages(settings, fake, clock, *, messages, users, threads):
    pending = [f"u{n % users:04d}" for n in range(messages)]
    deferred_total, rounds = 0, 0
    started = time.perf_counter()
    while pending:
        rounds += 1
        later, lock = [], threading.Lock()
        workers = [threading.Thread(target=send_share, args=(settings, pending[i::threads], clock, later, lock))
                   for i in range(threads)]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()
        deferred_total += len(later)
        pending = [userid for userid, _at in later]
        if later:  # on to the first moment a slot frees (simulated: the fake's clock is the same)
            wait = (min(at for _userid, at in later) - clock.now()).total_seconds()
            clock.advance(max(wait, 0.001))
    seconds = time.perf_counter() - started
    per_member = {}
    for message in fake.messages:
        for userid in message["to"]:
            per_member.setdefault(userid, []).append(message["at"])
    refused = sum(1 for method, path in fake.requests if path == "/cgi-bin/message/send") - len(fake.messages)
    print(f"app messages: {len(fake.messages)} sent in {seconds:.1f} s = {len(fake.messages) / seconds:.0f}/s "
          f"({threads} threads, {users} members, {rounds} rounds, {deferred_total} sends deferred)")
    print(f"  gettoken calls {fake.gettoken_calls}; WeCom's refusals {refused}; most to one member in a "
          f"minute {max(most_in_a_minute(times) for times in per_member.values())} (limit 30)")


def robot_posts(company, fake, clock, *, count, key):
    robot = WeComRobot.objects.create(company=company, name="bench", webhook_key=key)
    for n in range(count):
        services.robot_enqueue(robot=robot, msgtype="markdown", content=f"**bench** #{n}", clock=clock)
    started = time.perf_counter()
    while True:
        outcome = services.robot_queue_drain(robot_id=robot.pk, clock=clock)
        if outcome.stopped != "wait":
            break
        clock.advance(max((outcome.wait_until - clock.now()).total_seconds(), 0.001))
    seconds = time.perf_counter() - started
    posts = [post["at"] for post in fake.robot_posts]
    print(f"robot: {len(posts)} posts in {seconds:.1f} s = {len(posts) / seconds:.0f}/s (wall clock); most in a "
          f"minute {most_in_a_minute(posts)} (limit 20)")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--messages", type=int, default=10_000)
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--robot", type=int, default=1000)
    args = parser.parse_args()

    clock = ManualClock()
    key = f"bench-{secrets.token_hex(8)}"
    fake = FakeWeCom(users=[f"u{n:04d}" for n in range(args.users)], robot_keys=[key], clock=clock).start()
    company, _made = Company.objects.get_or_create(code="WECOMBENCH", defaults={"name": "WeCom bench"})
    settings, _made = WeComSettings.objects.update_or_create(company=company, defaults={
        "corp_id": fake.corp_id, "agent_id": fake.agent_id, "app_secret": fake.corp_secret, "enabled": True,
        "api_base": fake.url})
    try:
        app_messages(settings, fake, clock, messages=args.messages, users=args.users, threads=args.threads)
        if args.robot:
            robot_posts(company, fake, clock, count=args.robot, key=key)
    finally:
        fake.stop()
        WeComRobotMessage.objects.filter(company=company).delete()
        WeComRobot.objects.filter(company=company).delete()
        WeComUserSends.objects.filter(corp_id=fake.corp_id, agent_id=fake.agent_id).delete()
        WeComAccessToken.objects.filter(corp_id=fake.corp_id, agent_id=fake.agent_id).delete()
        settings.delete()


if __name__ == "__main__":
    main()
