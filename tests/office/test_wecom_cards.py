"""Approval cards on WeCom (the fake): sent to each approver's phone, tapped, applied through the approval
engine as the mapped user, and the card updated once; forged, replayed and foreign callbacks refused."""

import time

import pytest
from django.urls import reverse

from office.models import ApprovalRequest, WeComApprovalCard, WeComCallback, WeComIdentity, WeComSettings
from office.services.approvals import approval_decide, approval_submit
from office.services.wecom_cards import callback_process, card_send, card_update_send, card_updates_resend
from office.wecom.crypto import WeComCrypto
from tests.office.approval_helpers import build_people, role_step, rule, sample_order
from tests.office.conftest import AES_KEY, AGENT_ID, CALLBACK_TOKEN, CORP_ID, CORP_SECRET
from tests.sampleapp.approvals import SAMPLE_APPROVAL

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(roles):
    return build_people()


@pytest.fixture
def wecom(people, fake_wecom):
    WeComSettings.objects.create(company=people.company, corp_id=CORP_ID, agent_id=AGENT_ID, app_secret=CORP_SECRET,
                                 callback_token=CALLBACK_TOKEN, encoding_aes_key=AES_KEY, enabled=True,
                                 api_base=fake_wecom.url)
    for user, userid in ((people.mgr1, "zhangsan"), (people.mgr2, "lisi")):
        WeComIdentity.objects.create(company=people.company, user=user, wecom_userid=userid)
    return fake_wecom


def submitted(people, **rule_fields):
    rule(people, [role_step(**rule_fields)])
    return approval_submit(document=sample_order(people), type_key=SAMPLE_APPROVAL, actor=people.rep)


def callback_url(people):
    return reverse("office:wecom_callback", args=[people.company.pk])


def click(fake, people, client, card, *, as_user=None, key="approve", **extra):
    return fake.click_button(callback_url(people), token=CALLBACK_TOKEN, encoding_aes_key=AES_KEY, corp_id=CORP_ID,
                             from_user=as_user or card.wecom_userid, task_id=card.task_id, event_key=key,
                             client=client, **extra)


def process_all():
    pending = WeComCallback.objects.order_by("pk").values_list("pk", flat=True)
    return [callback_process(callback_id=pk) for pk in pending]


def test_a_manager_taps_approve_on_the_card_the_request_is_approved_and_the_card_reads_approved(people, wecom, client):
    request = submitted(people)

    sent = card_send(request=request, user=people.mgr1, link="https://erp.example.com/office/approvals/1/")

    assert sent.status == "sent"
    body = wecom.messages[-1]["body"]
    assert body["touser"] == "zhangsan" and body["msgtype"] == "template_card"
    card_json = body["template_card"]
    assert card_json["card_type"] == "button_interaction"
    assert [b["key"] for b in card_json["button_list"]] == ["approve", "reject"]
    assert card_json["task_id"] == sent.card.task_id
    assert card_json["card_action"]["url"] == "https://erp.example.com/office/approvals/1/"

    answer = click(wecom, people, client, sent.card)
    assert answer.status == 200 and answer.body == ""
    assert WeComCallback.objects.get().status == "received"  # answered at once; the worker decides

    assert process_all() == ["applied"]
    request.refresh_from_db()
    assert request.status == "approved"
    decision = request.decisions.get()
    assert (decision.decided_by, decision.via, decision.decision) == (people.mgr1, "wecom", "approve")

    card = WeComApprovalCard.objects.get()
    assert card.update_due and card.replace_name == "Approved"
    assert card_update_send(card_id=card.pk) == "updated"
    assert wecom.card_updates[-1]["body"]["button"] == {"replace_name": "Approved"}
    card.refresh_from_db()
    assert not card.update_due and card.updated_at is not None


def test_the_card_reads_in_the_approvers_language(people, wecom, client):
    people.mgr1.language = "zh-hant"
    people.mgr1.save()
    request = submitted(people)
    sent = card_send(request=request, user=people.mgr1)
    assert [b["text"] for b in wecom.messages[-1]["body"]["template_card"]["button_list"]] == ["核准", "駁回"]

    click(wecom, people, client, sent.card)
    process_all()
    card = WeComApprovalCard.objects.get()
    assert card.replace_name == "已核准"


def test_reject_on_the_card_rejects_with_a_comment(people, wecom, client):
    request = submitted(people)
    sent = card_send(request=request, user=people.mgr1)

    click(wecom, people, client, sent.card, key="reject")
    process_all()

    request.refresh_from_db()
    assert request.status == "rejected"
    assert request.decisions.get().comment == "Rejected on WeCom."
    assert WeComApprovalCard.objects.get().replace_name == "Rejected"


def test_wecom_retrying_the_same_event_is_ignored(people, wecom, client):
    request = submitted(people)
    sent = card_send(request=request, user=people.mgr1)
    stamp = str(int(time.time()))
    code = "fake-rc-fixed"
    wecom.response_codes[code] = {"used": False, "task_id": sent.card.task_id, "userids": ["zhangsan"]}

    first = click(wecom, people, client, sent.card, response_code=code, timestamp=stamp, nonce="n1")
    again = click(wecom, people, client, sent.card, response_code=code, timestamp=stamp, nonce="n1")

    assert (first.status, again.status) == (200, 200)
    assert WeComCallback.objects.count() == 1
    assert process_all() == ["applied"]
    assert request.decisions.count() == 1


def test_an_unmapped_wecom_user_is_refused_and_the_card_says_so(people, wecom, client):
    request = submitted(people)
    sent = card_send(request=request, user=people.mgr1)

    click(wecom, people, client, sent.card, as_user="wangwu")

    assert process_all() == ["refused"]
    request.refresh_from_db()
    assert request.status == "pending" and request.decisions.count() == 0
    callback = WeComCallback.objects.get()
    assert "wangwu" in callback.display_result
    assert WeComApprovalCard.objects.get().replace_name == "無權簽核"  # nobody known: the site's language


def test_a_card_tapped_after_the_request_was_decided_on_the_web_is_refused_and_reads_the_outcome(
        people, wecom, client):
    request = submitted(people)
    sent = card_send(request=request, user=people.mgr1)
    approval_decide(request=request, actor=people.mgr2, decision="approve")
    card = WeComApprovalCard.objects.get()
    assert card.update_due and card.replace_name == "Decided by another"  # closed when the request ended
    assert card_update_send(card_id=card.pk) == "updated"

    click(wecom, people, client, sent.card)

    assert process_all() == ["refused"]
    assert request.decisions.count() == 1


def test_other_approvers_cards_close_when_one_decides(people, wecom, client):
    request = submitted(people)
    mine = card_send(request=request, user=people.mgr1).card
    theirs = card_send(request=request, user=people.mgr2).card

    click(wecom, people, client, mine)
    process_all()

    labels = dict(WeComApprovalCard.objects.values_list("pk", "replace_name"))
    assert labels == {mine.pk: "Approved", theirs.pk: "Decided by another"}
    assert card_updates_resend() == 2


@pytest.mark.parametrize("tamper", ["signature", "corp", "stale", "garbage", "doctype"])
def test_forged_replayed_or_malformed_callbacks_are_refused_and_nothing_is_recorded(people, wecom, client, tamper):
    request = submitted(people)
    card = card_send(request=request, user=people.mgr1).card
    url = callback_url(people)
    if tamper == "signature":
        answer = wecom.click_button(url, token="wrong-token", encoding_aes_key=AES_KEY, corp_id=CORP_ID,
                                    from_user="zhangsan", task_id=card.task_id, event_key="approve", client=client)
        status = answer.status
    elif tamper == "corp":
        answer = wecom.click_button(url, token=CALLBACK_TOKEN, encoding_aes_key=AES_KEY, corp_id="wwsomeoneelse",
                                    from_user="zhangsan", task_id=card.task_id, event_key="approve", client=client)
        status = answer.status
    elif tamper == "stale":
        status = click(wecom, people, client, card, timestamp=str(int(time.time()) - 3600)).status
    else:
        crypto = WeComCrypto(CALLBACK_TOKEN, AES_KEY, CORP_ID)
        stamp, nonce = str(int(time.time())), "abc"
        body = (b"<!DOCTYPE x [<!ENTITY a 'b'>]><xml><Encrypt>&a;</Encrypt></xml>" if tamper == "doctype"
                else b"not xml at all \x00")
        status = client.post(f"{url}?msg_signature={crypto.sign('x', stamp, nonce)}&timestamp={stamp}&nonce={nonce}",
                             data=body, content_type="text/xml").status_code
    assert status in (400, 403)
    assert WeComCallback.objects.count() == 0
    assert ApprovalRequest.objects.get().status == "pending"


def test_wecoms_url_check_is_answered_with_the_echo(people, wecom, client):
    answer = wecom.verify_url(callback_url(people), token=CALLBACK_TOKEN, encoding_aes_key=AES_KEY, corp_id=CORP_ID,
                              client=client)
    assert (answer.status, answer.body) == (200, answer.plaintext)


def test_the_callback_of_a_company_without_wecom_is_404(people, client):
    assert client.get(callback_url(people) + "?msg_signature=x&timestamp=1&nonce=1&echostr=x").status_code == 404
    assert client.get(callback_url(people)).status_code == 400  # not a request WeCom would make


def test_card_updates_wait_while_wecom_is_down_and_go_when_it_is_back(people, wecom, client):
    request = submitted(people)
    sent = card_send(request=request, user=people.mgr1)
    click(wecom, people, client, sent.card)
    process_all()
    card = WeComApprovalCard.objects.get()

    wecom.stop()
    assert card_update_send(card_id=card.pk) == "retry"
    card.refresh_from_db()
    assert card.update_due and card.update_attempts == 1 and card.update_next_at is not None

    wecom.start()
    WeComSettings.objects.filter(company=people.company).update(api_base=wecom.url)
    assert card_update_send(card_id=card.pk) == "updated"
    assert wecom.card_updates[-1]["body"]["button"] == {"replace_name": "Approved"}


def test_no_card_for_an_approver_without_a_wecom_id_or_a_settled_seat(people, wecom):
    request = submitted(people)
    assert card_send(request=request, user=people.mgr3).status == "skipped"  # not mapped
    approval_decide(request=request, actor=people.mgr2, decision="approve")
    assert card_send(request=request, user=people.mgr1).status == "skipped"  # nothing left to decide
    assert WeComApprovalCard.objects.count() == 0
