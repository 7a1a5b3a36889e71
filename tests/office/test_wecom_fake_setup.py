"""`WECOM_FAKE=1 make run`: the fake server as a process of its own, and every company pointed at it."""

import json
import subprocess
import sys
import threading
import time
import urllib.request
import xml.etree.ElementTree as ElementTree
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import pytest
from django.core.management import CommandError, call_command

from office.models import WeComIdentity, WeComRobot, WeComSettings
from office.wecom import client
from office.wecom.crypto import WeComCrypto
from office.wecom.fake import FakeWeCom

ROOT = Path(__file__).resolve().parents[2]


def test_the_setup_points_every_company_at_the_fake_and_it_answers(company, make_user, tmp_path):
    user = make_user("salesmgr", "Sales manager")
    with FakeWeCom(open_mode=True) as fake:
        call_command("wecom_fake_setup", "--api-base", fake.url, "--map-users", "--write-config",
                     str(tmp_path / "fake.json"), stdout=open("/dev/null", "w"))

        settings = WeComSettings.objects.get(company=company)
        assert settings.is_ready and settings.api_base == fake.url and len(settings.encoding_aes_key) == 43
        assert WeComIdentity.objects.get(user=user).wecom_userid == "salesmgr"
        assert WeComRobot.objects.filter(company=company, is_active=True).count() == 1
        result = client.send_app_message(settings, userids=["salesmgr"], msgtype="text", content="你好")
        assert result.complete and fake.messages[-1]["to"] == ["salesmgr"]
    written = json.loads((tmp_path / "fake.json").read_text())["companies"][0]
    assert written["corp_id"] == settings.corp_id == f"wwfake{company.pk:012d}"
    assert written["callback_url"] == f"http://127.0.0.1:8000/office/wecom/callback/{company.pk}/"
    assert (tmp_path / "fake.json").stat().st_mode & 0o777 == 0o600


class Capture(BaseHTTPRequestHandler):
    received = []

    def do_POST(self):  # noqa: N802
        body = self.rfile.read(int(self.headers["Content-Length"]))
        Capture.received.append((self.path, body))
        self.send_response(200)
        self.send_header("Content-Length", "7")
        self.end_headers()
        self.wfile.write(b"success")

    def log_message(self, *args):
        pass


def test_a_person_taps_a_cards_button_on_the_fakes_page_and_the_click_reaches_the_callback(company, tmp_path):
    app = ThreadingHTTPServer(("127.0.0.1", 0), Capture)
    threading.Thread(target=app.serve_forever, daemon=True).start()
    card = {"card_type": "button_interaction", "task_id": "approval-9-1", "main_title": {"title": "信用額度例外"},
            "button_list": [{"text": "核准", "key": "approve"}, {"text": "駁回", "key": "reject"}]}
    try:
        with FakeWeCom(open_mode=True) as fake:
            fake.config_path = str(tmp_path / "fake.json")
            call_command("wecom_fake_setup", "--api-base", fake.url, "--site", f"http://127.0.0.1:{app.server_port}",
                         "--write-config", fake.config_path, stdout=open("/dev/null", "w"))
            settings = WeComSettings.objects.get(company=company)
            client.send_app_message(settings, userids=["salesmgr"], msgtype="template_card", content=card)
            opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))

            page = opener.open(f"{fake.url}/", timeout=5).read().decode()
            tapped = opener.open(f"{fake.url}/fake/tap", data=b"message=0&key=approve", timeout=5)

            assert "<button>核准</button>" in page and "<button>駁回</button>" in page
            assert tapped.status == 200 and "salesmgr tapped “approve” on approval-9-1: the app answered 200" in (
                tapped.read().decode())
    finally:
        app.shutdown()
        app.server_close()
    path, body = Capture.received[-1]
    query = dict(parse_qsl(urlsplit(path).query))
    event = WeComCrypto(settings.callback_token, settings.encoding_aes_key, settings.corp_id).decrypt_message(
        query["msg_signature"], query["timestamp"], query["nonce"], ElementTree.fromstring(body).findtext("Encrypt"))
    assert path.startswith(f"/office/wecom/callback/{company.pk}/?")
    assert "<EventKey><![CDATA[approve]]></EventKey>" in event and "<TaskId><![CDATA[approval-9-1]]>" in event


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
