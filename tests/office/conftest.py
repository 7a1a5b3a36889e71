"""The fake WeCom server (office.wecom.fake) on a free loopback port for each test that asks for it, on a
clock the test moves (``wecom_clock``), and a company whose WeCom settings point at it. No test talks
to the real WeCom."""

import pytest

from office.models import WeComSettings
from office.wecom.clock import ManualClock
from office.wecom.fake import FakeWeCom

CORP_ID = "wwfake000000000001"
CORP_SECRET = "fake-corp-secret-0001"
AGENT_ID = 1000002
CALLBACK_TOKEN = "QDG6eK"
AES_KEY = "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C"
ROBOT_KEY = "693a91f6-7a0c-4bc4-97a0-0ec2sifa5aaa"


@pytest.fixture
def wecom_clock():
    return ManualClock()


@pytest.fixture
def fake_wecom(wecom_clock):
    fake = FakeWeCom(corp_id=CORP_ID, corp_secret=CORP_SECRET, agent_id=AGENT_ID,
                     users=("zhangsan", "lisi", "wangwu"), robot_keys=(ROBOT_KEY,), clock=wecom_clock)
    fake.start()
    yield fake
    fake.stop()


@pytest.fixture
def wecom_settings(company, fake_wecom):
    return WeComSettings.objects.create(company=company, corp_id=CORP_ID, agent_id=AGENT_ID, app_secret=CORP_SECRET,
                                        callback_token=CALLBACK_TOKEN, encoding_aes_key=AES_KEY, enabled=True,
                                        api_base=fake_wecom.url)
