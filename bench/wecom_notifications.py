"""Notifications through WeCom, end to end: the notification service, the Celery worker and the WeCom
client against the fake WeCom server (office.wecom.fake) on loopback.

    .venv/bin/python bench/wecom_notifications.py --notifications 10000 --users 500 --approvals 200

1. **Throughput.** ``--notifications`` notifications (kind "office.task_assigned", on WeCom by
   default) are made for ``--users`` users mapped to WeCom ids, in batches of one notify() call per
   user group, committed, and sent by a real Celery worker (``--concurrency`` processes, started here
   on the same database and Redis) through the client to the fake. Prints messages/s from the first
   commit to the last message the fake received, and checks WeCom's limits were honoured: the fake
   answered no frequency error (45009) and no member received more than 30 messages in any minute.
2. **Approval latency.** ``--approvals`` approval requests, one after another (a document type the
   bench declares; each request goes to one of 50 approvers in turn, so no member nears WeCom's 30 a
   minute): the time from calling ``approval_submit`` to the approval card reaching the fake; prints
   p50, p95 and max.

It makes its own company (``--company``, default WXBENCH; refused if it exists, or ``--reuse`` it) and
needs DATABASE_URL and REDIS_URL (a Redis database nobody else's worker reads: the bench flushes it).
"""

import argparse
import os
import signal
import statistics
import subprocess
import sys
import time
from collections import defaultdict
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "erp.settings")

import django  # noqa: E402

django.setup()

from django.db import transaction  # noqa: E402

from erp import messages  # noqa: E402
from erp.models import Company, User  # noqa: E402
from erp.roles import sync_roles  # noqa: E402
from office.approval_types import TEXT, ApprovalType, ConditionField, register_approval_type  # noqa: E402
from office.models import NotificationDelivery, Task, WeComIdentity, WeComSettings  # noqa: E402
from office.services.approvals import approval_rule_save, approval_submit  # noqa: E402
from office.services.notifications import notify  # noqa: E402
from office.wecom.fake import FakeWeCom  # noqa: E402

BENCH_TYPE = "office.bench_approval"


def percentile(values, share):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def make_company(code, users, reuse):
    company = Company.objects.filter(code=code).first()
    if company is not None and not reuse:
        raise SystemExit(f"company {code} exists: pass --reuse or another --company")
    if company is None:
        company = Company.objects.create(code=code, name=f"{code} bench")
    sync_roles()
    people = list(User.objects.filter(company=company, username__startswith=f"{code.lower()}-u").order_by("pk"))
    for index in range(len(people), users):
        people.append(User.objects.create_user(username=f"{code.lower()}-u{index:05d}", company=company,
                                               password=None, language="zh-hant"))
    people = people[:users]
    mapped = set(WeComIdentity.objects.filter(company=company).values_list("user_id", flat=True))
    WeComIdentity.objects.bulk_create([WeComIdentity(company=company, user=user, wecom_userid=f"wx{user.pk}")
                                       for user in people if user.pk not in mapped])
    return company, people


def start_worker(concurrency):
    env = dict(os.environ)
    return subprocess.Popen([sys.executable, "-m", "celery", "-A", "erp", "worker", "-l", "error",
                             "--concurrency", str(concurrency), "-n", f"bench-{os.getpid()}@%h"],
                            cwd=ROOT, env=env, start_new_session=True, stderr=subprocess.DEVNULL)


def wait_for(condition, timeout, what):
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise SystemExit(f"timed out waiting for {what}")
        time.sleep(0.005)


def throughput(company, people, fake, total):
    """Make ``total`` notifications in batches (one notify() per round over every user) and wait until
    the fake has received them all."""
    before = len(fake.messages)
    rounds, rest = divmod(total, len(people))
    started = time.monotonic()
    for number in range(rounds + (1 if rest else 0)):
        recipients = people if number < rounds else people[:rest]
        with transaction.atomic():
            notify(company=company, recipients=recipients, kind="office.task_assigned",
                   message=messages.message("Bench message %(n)s", n=number))
    made = time.monotonic()
    wait_for(lambda: len(fake.messages) - before >= total, timeout=1800, what="the fake to receive every message")
    finished = time.monotonic()
    sent = fake.messages[before:]
    per_minute = defaultdict(list)
    for message in sent:
        for user in message["to"]:
            per_minute[user].append(message["at"])
    worst = 0
    for times in per_minute.values():
        times.sort()
        start = 0
        for end, at in enumerate(times):
            while at - times[start] >= timedelta(seconds=60):
                start += 1
            worst = max(worst, end - start + 1)
    statuses = NotificationDelivery.objects.filter(company=company, channel="wecom").values_list("status", flat=True)
    counts = defaultdict(int)
    for status in statuses:
        counts[status] += 1
    return {"made_s": made - started, "total_s": finished - started, "per_s": total / (finished - started),
            "worst_per_minute": worst,
            # message/send calls the fake did not accept (a frequency or token error answered)
            "refused_calls": sum(1 for _method, path in fake.requests if path.endswith("/message/send"))
            - len(fake.messages),
            "statuses": dict(counts)}


def approvals(company, people, fake, count):
    register_approval_type(ApprovalType(
        key=BENCH_TYPE, model="office.task", label="Bench approval",
        fields=(ConditionField("title", "Title", TEXT, lambda task: task.title),),
        requester=lambda task: task.created_by, url=lambda task: f"/office/tasks/{task.pk}/"))
    # One approver per request in turn (50 of them, each a named-user rule on the document's title): the
    # figure is the pipeline's latency, not WeCom's 30-a-minute limit for one member (each of these has
    # room left after the throughput run: it sent them 20 each).
    requester, approvers = people[0], people[1:51]
    for number, approver in enumerate(approvers):
        approval_rule_save(company=company, actor=None, type_key=BENCH_TYPE, name=f"bench {number}",
                           conditions=[{"field": "title", "operator": "eq", "value": f"bench-{number}"}],
                           steps=[{"sequence": 1, "kind": "user", "user": approver}])
    latencies = []
    for number in range(count):
        document = Task.objects.create(company=company, title=f"bench-{number % len(approvers)}",
                                       assignee_user=requester, created_by=requester)
        before = len(fake.messages)
        started = time.monotonic()
        with transaction.atomic():
            approval_submit(document=document, type_key=BENCH_TYPE, actor=requester)
        wait_for(lambda before=before: len(fake.messages) > before, timeout=60, what="the approval card")
        latencies.append(time.monotonic() - started)
    return latencies


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--notifications", type=int, default=10000)
    parser.add_argument("--users", type=int, default=500)
    parser.add_argument("--approvals", type=int, default=200)
    parser.add_argument("--concurrency", type=int, default=2)
    parser.add_argument("--company", default="WXBENCH")
    parser.add_argument("--reuse", action="store_true")
    args = parser.parse_args()

    fake = FakeWeCom(corp_id="wwbench", corp_secret="bench-secret", agent_id=1000002, open_mode=True).start()
    with transaction.atomic():
        company, people = make_company(args.company, args.users, args.reuse)
        WeComSettings.objects.update_or_create(company=company, defaults=dict(
            corp_id="wwbench", agent_id=1000002, app_secret="bench-secret", callback_token="benchtoken",
            encoding_aes_key="jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C", enabled=True, api_base=fake.url))
    worker = start_worker(args.concurrency)
    try:
        time.sleep(4)  # the worker connects to Redis
        load = os.getloadavg()
        print(f"machine: {os.cpu_count()} cores, load before {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}; "
              f"worker concurrency {args.concurrency}")
        result = throughput(company, people, fake, args.notifications)
        print(f"throughput: {args.notifications} notifications to {len(people)} WeCom users: made in "
              f"{result['made_s']:.1f} s, all received by the fake after {result['total_s']:.1f} s = "
              f"{result['per_s']:.0f} messages/s")
        print(f"limits: at most {result['worst_per_minute']} messages to one member in any minute (WeCom's limit 30); "
              f"message/send calls the fake refused: {result['refused_calls']}; deliveries {result['statuses']}")
        if args.approvals:
            latencies = approvals(company, people, fake, args.approvals)
            print(f"approval request -> card at the fake ({len(latencies)} requests, one after another): "
                  f"p50 {percentile(latencies, 0.5) * 1000:.0f} ms, p95 {percentile(latencies, 0.95) * 1000:.0f} ms, "
                  f"max {max(latencies) * 1000:.0f} ms, mean {statistics.mean(latencies) * 1000:.0f} ms")
        load = os.getloadavg()
        print(f"load after {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    finally:
        worker.send_signal(signal.SIGTERM)  # a warm shutdown: the worker finishes what it holds
        worker.wait(timeout=60)
        fake.stop()


if __name__ == "__main__":
    main()
