"""The WeCom client against the fake server: the access token (cached, refreshed before it expires,
dropped and fetched again once, one refresher for many callers), app messages (invalid users
reported, the limits per member deferring instead of dropping), card updates, the OAuth code, and
WeCom down."""

import datetime

import pytest
from django.utils.translation import gettext

from office.models import WeComSettings, WeComUserSends
from office.wecom import client as wecom
from office.wecom import errors
from office.wecom.errors import WeComError, WeComNotConfigured, WeComNotMember, WeComUnavailable
from office.wecom.limits import TEXT_BYTES
from tests.factories import CompanyFactory
from tests.office.conftest import AES_KEY, AGENT_ID, CALLBACK_TOKEN, CORP_ID, CORP_SECRET
from tests.parallel import run_parallel

CARD = {"card_type": "button_interaction", "task_id": "approval-1-1", "main_title": {"title": "信用額度例外"},
        "button_list": [{"text": "核准", "style": 1, "key": "approve"}, {"text": "駁回", "style": 2, "key": "reject"}]}


def sends_to(fake, path="/cgi-bin/message/send"):
    return sum(1 for method, requested in fake.requests if requested == path)


# Access token ------------------------------------------------------------------------------------

def test_the_token_is_fetched_once_and_used_until_shortly_before_it_expires(wecom_settings, fake_wecom, wecom_clock):
    fake_wecom.token_ttl = 2

    first = wecom.access_token(wecom_settings, clock=wecom_clock)
    wecom_clock.advance(1.7)
    cached = wecom.access_token(wecom_settings, clock=wecom_clock)
    wecom_clock.advance(0.2)  # within the last tenth of its life: refreshed early
    renewed = wecom.access_token(wecom_settings, clock=wecom_clock)

    assert first == cached != renewed
    assert fake_wecom.gettoken_calls == 2


def test_a_two_hour_token_is_refreshed_five_minutes_early(wecom_settings, fake_wecom, wecom_clock):
    first = wecom.access_token(wecom_settings, clock=wecom_clock)
    wecom_clock.advance(7200 - 301)
    assert wecom.access_token(wecom_settings, clock=wecom_clock) == first
    wecom_clock.advance(2)
    assert wecom.access_token(wecom_settings, clock=wecom_clock) != first
    assert fake_wecom.gettoken_calls == 2


@pytest.mark.parametrize("invalidate", ["revoke_tokens", "expire_tokens"])
def test_a_refused_token_is_dropped_and_fetched_again_once(wecom_settings, fake_wecom, wecom_clock, invalidate):
    wecom.access_token(wecom_settings, clock=wecom_clock)
    getattr(fake_wecom, invalidate)()  # 40014 or 42001 on the next call

    result = wecom.send_app_message(wecom_settings, userids=["zhangsan"], msgtype="text", content="你好",
                                     clock=wecom_clock)

    assert result.ok and result.sent_to == ["zhangsan"]
    assert fake_wecom.gettoken_calls == 2
    assert sends_to(fake_wecom) == 2


def test_a_token_refused_twice_is_fetched_again_only_once(wecom_settings, fake_wecom, wecom_clock):
    fake_wecom.fail_next("/cgi-bin/message/send", errors.INVALID_TOKEN, "invalid access_token", times=2)

    result = wecom.send_app_message(wecom_settings, userids=["zhangsan"], msgtype="text", content="你好",
                                      clock=wecom_clock)

    assert result.errcode == errors.INVALID_TOKEN and result.sent_to == []
    assert fake_wecom.gettoken_calls == 2 and sends_to(fake_wecom) == 2
    assert WeComUserSends.objects.get(wecom_userid="zhangsan").sent_at == []  # the slot was given back


def test_a_wrong_secret_is_an_error_with_wecoms_code(wecom_settings, wecom_clock):
    wecom_settings.app_secret = "wrong-secret-0000000"

    with pytest.raises(WeComError) as refusal:
        wecom.access_token(wecom_settings, clock=wecom_clock)
    assert refusal.value.errcode == errors.INVALID_SECRET
    assert refusal.value.explain() == str(errors.EXPLANATIONS[errors.INVALID_SECRET])


@pytest.mark.django_db(transaction=True)
def test_many_callers_at_once_make_one_gettoken_call(fake_wecom):
    fake_wecom.delay = 0.3  # a slow WeCom: the others wait for the one refresher
    settings = WeComSettings.objects.create(company=CompanyFactory(code="PAR"), corp_id=CORP_ID, agent_id=AGENT_ID,
                                            app_secret=CORP_SECRET, enabled=True, api_base=fake_wecom.url)

    outcomes, errors_ = run_parallel(6, lambda i: wecom.access_token(WeComSettings.objects.get(pk=settings.pk)))

    assert errors_ == []
    assert len(set(outcomes)) == 1 and outcomes[0]
    assert fake_wecom.gettoken_calls == 1


# App messages ------------------------------------------------------------------------------------

def test_a_text_message_reaches_the_members_and_unknown_ones_are_reported(wecom_settings, fake_wecom, wecom_clock):
    result = wecom.send_app_message(wecom_settings, userids=["zhangsan", "Nobody"], msgtype="text",
                                     content="訂單 SO-2026-000001 待核准", clock=wecom_clock)

    assert (result.errcode, result.sent_to, result.invalid_users) == (0, ["zhangsan"], ["nobody"])
    assert result.msgid and result.complete
    sent = fake_wecom.messages[-1]["body"]
    assert sent["touser"] == "zhangsan|Nobody" and sent["agentid"] == AGENT_ID
    assert sent["text"] == {"content": "訂單 SO-2026-000001 待核准"}


def test_no_known_recipient_is_81013_with_every_recipient_invalid(wecom_settings, fake_wecom, wecom_clock):
    result = wecom.send_app_message(wecom_settings, userids=["ghost"], msgtype="markdown", content="**x**",
                                     clock=wecom_clock)

    assert result.errcode == errors.ALL_RECIPIENTS_INVALID and result.invalid_users == ["ghost"]
    assert not result.ok and result.explain() == str(errors.EXPLANATIONS[errors.ALL_RECIPIENTS_INVALID])
    assert WeComUserSends.objects.get(wecom_userid="ghost").sent_at == []


def test_a_long_text_is_cut_to_2048_bytes_at_a_whole_character(wecom_settings, fake_wecom, wecom_clock):
    wecom.send_app_message(wecom_settings, userids=["zhangsan"], msgtype="text", content="核" * 1000,
                            clock=wecom_clock)

    content = fake_wecom.messages[-1]["body"]["text"]["content"]
    assert len(content.encode("utf-8")) <= TEXT_BYTES and content.endswith("…")
    assert set(content[:-1]) == {"核"}


def test_the_31st_message_in_a_minute_waits_for_a_free_slot_and_then_goes(wecom_settings, fake_wecom, wecom_clock):
    start = wecom_clock.now()
    results = []
    for number in range(31):
        results.append(wecom.send_app_message(wecom_settings, userids=["zhangsan", "lisi"] if number == 30
                                               else ["zhangsan"], msgtype="text", content=f"#{number}",
                                               clock=wecom_clock))
        wecom_clock.advance(1)

    last = results[-1]
    assert all(result.complete for result in results[:30])
    assert (last.sent_to, last.deferred_users) == (["lisi"], ["zhangsan"])
    assert last.retry_at == start + datetime.timedelta(minutes=1)
    assert not last.complete
    assert len(fake_wecom.messages) == 31  # 30 to zhangsan, the 31st to lisi only; WeCom never said 45009

    wecom_clock.advance((last.retry_at - wecom_clock.now()).total_seconds())
    again = wecom.send_app_message(wecom_settings, userids=last.deferred_users, msgtype="text", content="#30",
                                     clock=wecom_clock)
    assert again.complete and again.sent_to == ["zhangsan"]


def test_a_member_with_1000_messages_in_the_hour_waits_for_the_oldest_to_leave_it(wecom_settings, wecom_clock):
    now = wecom_clock.now()
    oldest = now - datetime.timedelta(minutes=59)
    WeComUserSends.objects.create(corp_id=CORP_ID, agent_id=AGENT_ID, wecom_userid="zhangsan",
                                  sent_at=[oldest + datetime.timedelta(seconds=3 * i) for i in range(1000)])

    result = wecom.send_app_message(wecom_settings, userids=["zhangsan"], msgtype="text", content="x",
                                     clock=wecom_clock)

    assert result.deferred_users == ["zhangsan"] and result.sent_to == []
    assert result.retry_at == oldest + datetime.timedelta(hours=1)


def test_a_card_waits_for_all_its_recipients_together(wecom_settings, fake_wecom, wecom_clock):
    WeComUserSends.objects.create(corp_id=CORP_ID, agent_id=AGENT_ID, wecom_userid="lisi",
                                  sent_at=[wecom_clock.now()] * 30)

    result = wecom.send_app_message(wecom_settings, userids=["zhangsan", "lisi"], msgtype="template_card",
                                     content=CARD, clock=wecom_clock)

    assert result.sent_to == [] and result.deferred_users == ["zhangsan", "lisi"]
    assert fake_wecom.messages == []


@pytest.mark.django_db(transaction=True)
def test_parallel_senders_never_send_a_member_more_than_30_a_minute(fake_wecom, wecom_clock):
    settings = WeComSettings.objects.create(company=CompanyFactory(code="PAR"), corp_id=CORP_ID, agent_id=AGENT_ID,
                                            app_secret=CORP_SECRET, enabled=True, api_base=fake_wecom.url)
    wecom.access_token(settings, clock=wecom_clock)

    def send_twenty(index):
        mine = WeComSettings.objects.get(pk=settings.pk)
        return [wecom.send_app_message(mine, userids=["zhangsan"], msgtype="text", content=f"{index}-{n}",
                                        clock=wecom_clock) for n in range(20)]

    outcomes, errors_ = run_parallel(2, send_twenty)

    assert errors_ == []
    results = outcomes[0] + outcomes[1]
    assert sum(1 for result in results if result.sent_to) == 30
    assert sum(1 for result in results if result.deferred_users) == 10
    assert len(fake_wecom.messages) == 30


def test_a_card_gets_a_response_code_that_updates_it_once(wecom_settings, fake_wecom, wecom_clock):
    sent = wecom.send_app_message(wecom_settings, userids=["zhangsan"], msgtype="template_card", content=CARD,
                                   clock=wecom_clock)

    first = wecom.update_template_card(wecom_settings, userids=["zhangsan"], response_code=sent.response_code,
                                        replace_name="已核准", clock=wecom_clock)
    second = wecom.update_template_card(wecom_settings, userids=["zhangsan"], response_code=sent.response_code,
                                         replace_name="已核准", clock=wecom_clock)

    assert sent.response_code and first.ok and not second.ok
    assert fake_wecom.card_updates[0]["body"]["button"] == {"replace_name": "已核准"}
    assert fake_wecom.card_updates[0]["task_id"] == "approval-1-1"


def test_a_click_gives_a_fresh_response_code_for_the_update(wecom_settings, fake_wecom, wecom_clock, client):
    # the fake's callback client, through Django's test client, to a URL that answers 404: what counts here
    # is the response_code the click carried
    response = fake_wecom.click_button("/wecom-callback-for-the-test/", token=CALLBACK_TOKEN,
                                       encoding_aes_key=AES_KEY, corp_id=CORP_ID, from_user="zhangsan",
                                       task_id="approval-1-1", event_key="approve", client=client)
    code = response.plaintext.split("<ResponseCode><![CDATA[")[1].split("]]>")[0]

    result = wecom.update_template_card(wecom_settings, userids=["zhangsan"], response_code=code,
                                        replace_name="已駁回", clock=wecom_clock)

    assert response.status == 404 and result.ok


# Sign-in code ------------------------------------------------------------------------------------

def test_a_sign_in_code_names_the_member_once(wecom_settings, fake_wecom, wecom_clock):
    code = fake_wecom.issue_code("zhangsan")

    assert wecom.user_id_from_code(wecom_settings, code, clock=wecom_clock) == "zhangsan"
    with pytest.raises(WeComError) as refusal:
        wecom.user_id_from_code(wecom_settings, code, clock=wecom_clock)
    assert refusal.value.errcode == errors.INVALID_CODE


def test_a_sign_in_code_of_someone_outside_the_corp_is_refused_clearly(wecom_settings, fake_wecom, wecom_clock):
    code = fake_wecom.issue_code(openid="oAbCdEf-outsider")

    with pytest.raises(WeComNotMember) as refusal:
        wecom.user_id_from_code(wecom_settings, code, clock=wecom_clock)
    assert refusal.value.openid == "oAbCdEf-outsider"
    assert refusal.value.explain() == gettext("This WeCom account is not a member of the company's corp.")


# WeCom down, not set up --------------------------------------------------------------------------

@pytest.mark.parametrize("outage", ["stopped", "503"])
def test_wecom_down_is_unavailable_and_costs_no_slot(wecom_settings, fake_wecom, wecom_clock, outage):
    wecom.access_token(wecom_settings, clock=wecom_clock)
    if outage == "stopped":
        fake_wecom.stop()
    else:
        fake_wecom.down = 503

    with pytest.raises(WeComUnavailable) as refusal:
        wecom.send_app_message(wecom_settings, userids=["zhangsan"], msgtype="text", content="x", clock=wecom_clock)

    assert refusal.value.errcode == errors.SYSTEM_BUSY and refusal.value.retryable
    assert WeComUserSends.objects.get(wecom_userid="zhangsan").sent_at == []
    fake_wecom.down = None
    fake_wecom.start()
    assert wecom.send_app_message(wecom_settings, userids=["zhangsan"], msgtype="text", content="x",
                                   clock=wecom_clock).ok


def test_nothing_is_sent_without_enabled_settings(wecom_settings, fake_wecom, wecom_clock):
    wecom_settings.enabled = False

    with pytest.raises(WeComNotConfigured):
        wecom.send_app_message(wecom_settings, userids=["zhangsan"], msgtype="text", content="x", clock=wecom_clock)
    assert fake_wecom.requests == []
