"""The fake WeCom server's callback client round-trips with our crypto: what the fake encrypts and signs,
office.wecom.crypto checks and decrypts; what the crypto encrypts as a reply, the fake reads back."""

import xml.etree.ElementTree as ElementTree

import pytest

from office.wecom.crypto import WeComCrypto, WeComCryptoError
from office.wecom.fake import FakeWeCom, read_reply
from tests.office.conftest import AES_KEY, CALLBACK_TOKEN, CORP_ID


class Recorder:
    """Stands in for Django's test client: keeps what the fake sent."""

    def __init__(self, answer=b"success"):
        self.calls = []
        self.answer = answer

    def _respond(self):
        return type("Response", (), {"status_code": 200, "content": self.answer})()

    def get(self, path, data=None, **extra):
        self.calls.append(("GET", path, None))
        return self._respond()

    def post(self, path, data=None, content_type=None, **extra):
        self.calls.append(("POST", path, data))
        return self._respond()


def query_of(url):
    from urllib.parse import parse_qsl, urlsplit

    return dict(parse_qsl(urlsplit(url).query))


def test_a_click_is_the_template_card_event_encrypted_and_signed_as_wecom_does():
    fake, recorder = FakeWeCom(corp_id=CORP_ID), Recorder()

    response = fake.click_button("/office/wecom/callback/?company=1", token=CALLBACK_TOKEN, encoding_aes_key=AES_KEY,
                                 corp_id=CORP_ID, from_user="zhangsan", task_id="approval-7-1", event_key="approve",
                                 client=recorder)

    method, url, payload = recorder.calls[0]
    query = query_of(url)
    outer = ElementTree.fromstring(payload)
    encrypted = outer.findtext("Encrypt")
    plaintext = WeComCrypto(CALLBACK_TOKEN, AES_KEY, CORP_ID).decrypt_message(
        query["msg_signature"], query["timestamp"], query["nonce"], encrypted)
    event = ElementTree.fromstring(plaintext)
    assert (method, url.split("&")[0]) == ("POST", "/office/wecom/callback/?company=1")
    assert outer.findtext("ToUserName") == CORP_ID and outer.findtext("AgentID") == str(fake.agent_id)
    assert {child.tag: child.text for child in event} == {
        "ToUserName": CORP_ID, "FromUserName": "zhangsan", "CreateTime": event.findtext("CreateTime"),
        "MsgType": "event", "Event": "template_card_event", "EventKey": "approve", "TaskId": "approval-7-1",
        "CardType": "button_interaction", "ResponseCode": event.findtext("ResponseCode"),
        "AgentID": str(fake.agent_id)}
    assert fake.response_codes[event.findtext("ResponseCode")] == {"used": False, "task_id": "approval-7-1",
                                                                   "userids": ["zhangsan"]}
    assert response.plaintext == plaintext and response.status == 200


def test_a_forged_signature_is_refused_by_our_crypto():
    fake, recorder = FakeWeCom(corp_id=CORP_ID), Recorder()
    fake.click_button("/cb/", token="another-token", encoding_aes_key=AES_KEY, corp_id=CORP_ID, from_user="lisi",
                      task_id="t", event_key="reject", client=recorder)
    _method, url, payload = recorder.calls[0]
    query = query_of(url)

    with pytest.raises(WeComCryptoError) as refusal:
        WeComCrypto(CALLBACK_TOKEN, AES_KEY, CORP_ID).decrypt_message(
            query["msg_signature"], query["timestamp"], query["nonce"],
            ElementTree.fromstring(payload).findtext("Encrypt"))
    assert refusal.value.code == WeComCryptoError.VALIDATE_SIGNATURE


def test_the_url_check_sends_an_echostr_our_crypto_opens():
    fake, recorder = FakeWeCom(corp_id=CORP_ID), Recorder()

    response = fake.verify_url("/cb/", token=CALLBACK_TOKEN, encoding_aes_key=AES_KEY, corp_id=CORP_ID,
                               client=recorder)

    query = query_of(recorder.calls[0][1])
    echo = WeComCrypto(CALLBACK_TOKEN, AES_KEY, CORP_ID).verify_url(query["msg_signature"], query["timestamp"],
                                                                     query["nonce"], query["echostr"])
    assert echo == response.plaintext and echo.isdigit()


def test_a_reply_our_crypto_encrypts_is_read_back_by_the_fake():
    crypto = WeComCrypto(CALLBACK_TOKEN, AES_KEY, CORP_ID)
    message = ("<xml><MsgType><![CDATA[update_button]]></MsgType>"
               "<Button><ReplaceName>已核准</ReplaceName></Button></xml>")
    encrypted = crypto.encrypt(message)
    reply = (f"<xml><Encrypt><![CDATA[{encrypted}]]></Encrypt><MsgSignature><![CDATA["
             f"{crypto.sign(encrypted, '1700000000', 'n0nce')}]]></MsgSignature><TimeStamp>1700000000</TimeStamp>"
             "<Nonce><![CDATA[n0nce]]></Nonce></xml>")

    assert read_reply(reply, token=CALLBACK_TOKEN, encoding_aes_key=AES_KEY, corp_id=CORP_ID) == message
    with pytest.raises(WeComCryptoError):
        read_reply(reply, token=CALLBACK_TOKEN, encoding_aes_key=AES_KEY, corp_id="wwsomeoneelse")


def test_the_fake_answers_over_http_and_can_be_stopped_and_started_on_the_same_port():
    import urllib.error
    import urllib.request

    direct = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with FakeWeCom() as fake:
        port = fake.port
        assert b"gettoken calls: 0" in direct.open(f"{fake.url}/", timeout=5).read()
        fake.stop()
        with pytest.raises(urllib.error.URLError):
            direct.open(f"{fake.url}/", timeout=5)
        fake.start()
        assert fake.port == port
        assert direct.open(f"{fake.url}/", timeout=5).status == 200
