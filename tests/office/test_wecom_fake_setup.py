"""`WECOM_FAKE=1 make run`: the fake server as a process of its own, and every company pointed at it."""

import subprocess
import sys
import time
import urllib.request
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from office.models import WeComIdentity, WeComRobot, WeComSettings
from office.wecom import client
from office.wecom.fake import FakeWeCom

ROOT = Path(__file__).resolve().parents[2]


def test_the_setup_points_every_company_at_the_fake_and_it_answers(company, make_user):
    user = make_user("salesmgr", "Sales manager")
    with FakeWeCom(open_mode=True) as fake:
        call_command("wecom_fake_setup", "--api-base", fake.url, "--map-users", stdout=open("/dev/null", "w"))

        settings = WeComSettings.objects.get(company=company)
        assert settings.is_ready and settings.api_base == fake.url and len(settings.encoding_aes_key) == 43
        assert WeComIdentity.objects.get(user=user).wecom_userid == "salesmgr"
        assert WeComRobot.objects.filter(company=company, is_active=True).count() == 1
        result = client.send_app_message(settings, userids=["salesmgr"], msgtype="text", content="你好")
        assert result.complete and fake.messages[-1]["to"] == ["salesmgr"]


def test_the_setup_maps_through_the_mapping_rules_and_registers_the_callback_with_the_fake(company, make_user):
    salesmgr, taken, boss = make_user("salesmgr", "Sales manager"), make_user("other"), make_user("boss")
    WeComIdentity.objects.create(company=company, user=taken, wecom_userid="SalesMgr")  # the id, in another case
    WeComIdentity.objects.create(company=company, user=boss, wecom_userid="theboss")
    admin = make_user("root")
    admin.is_superuser = True  # only a superuser maps a superuser: the setup (no one) leaves them alone
    admin.save()
    clerk = make_user("clerk")
    out = StringIO()
    with FakeWeCom(open_mode=True, users=()) as fake:
        call_command("wecom_fake_setup", "--api-base", fake.url, "--map-users", "--callback-base",
                     "http://127.0.0.1:8000/", stdout=out)

        settings = WeComSettings.objects.get(company=company)
        app = next(iter(fake.apps.values()))
        assert app.callback_url == f"http://127.0.0.1:8000/office/wecom/callback/{company.pk}/"
        assert (app.token, app.encoding_aes_key, app.corp_id, app.corp_secret, app.agent_id) == (
            settings.callback_token, settings.encoding_aes_key, settings.corp_id, settings.app_secret,
            settings.agent_id)
        assert {"clerk", "salesmgr", "theboss"} <= set(fake.members())
    assert WeComIdentity.objects.get(user=clerk).wecom_userid == "clerk"
    assert not WeComIdentity.objects.filter(user__in=[salesmgr, admin]).exists()
    assert "skipped: 2" in out.getvalue() and "callback registered" in out.getvalue()


def test_the_setup_keeps_going_when_the_fake_is_not_listening(company):
    err = StringIO()
    call_command("wecom_fake_setup", "--api-base", "http://127.0.0.1:1", "--callback-base", "http://127.0.0.1:8000",
                 stdout=StringIO(), stderr=err)
    assert WeComSettings.objects.get(company=company).is_ready and "could not be told" in err.getvalue()


def test_the_setup_refuses_anything_but_the_loopback(company):
    with pytest.raises(CommandError):
        call_command("wecom_fake_setup", "--api-base", "https://qyapi.weixin.qq.com")
    assert not WeComSettings.objects.exists()


def test_the_fake_runs_as_a_process_of_its_own():
    process = subprocess.Popen([sys.executable, "-m", "office.wecom.fake", "--port", "0"], cwd=ROOT,
                               stdout=subprocess.PIPE, text=True)
    try:
        line = process.stdout.readline()
        url = line.split()[3].rstrip("/")
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        for _ in range(50):
            try:
                answer = opener.open(f"{url}/cgi-bin/gettoken?corpid=any&corpsecret=any", timeout=5).read()
                break
            except OSError:
                time.sleep(0.1)
        assert b'"access_token"' in answer
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_make_run_sends_wecom_and_its_sign_in_pages_to_the_fake():
    sys.path.insert(0, str(ROOT / "scripts"))
    import run  # scripts/run.py

    env = run.fake_wecom_environment({"WECOM_FAKE": "1", "WECOM_FAKE_PORT": "8125"})

    assert (env["WECOM_API_BASE"], env["WECOM_QR_URL"], env["WECOM_OAUTH_URL"]) == (
        "http://127.0.0.1:8125", "http://127.0.0.1:8125/wwlogin/sso/login",
        "http://127.0.0.1:8125/connect/oauth2/authorize")
    assert run.fake_wecom_environment({})["WECOM_API_BASE"] == "http://127.0.0.1:8025"
