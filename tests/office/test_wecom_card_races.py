"""Two phones at once on real PostgreSQL: two approvers tapping approve on their cards at the same moment,
processed by two workers, decide the request once; both cards then say how it ended."""

import pytest
from django.urls import reverse

from office.models import ApprovalDecision, WeComApprovalCard, WeComCallback, WeComIdentity, WeComSettings
from office.services.approvals import approval_submit
from office.services.wecom_cards import callback_process, card_send
from tests.office.approval_helpers import build_people, role_step, rule, sample_order
from tests.office.conftest import AES_KEY, AGENT_ID, CALLBACK_TOKEN, CORP_ID, CORP_SECRET
from tests.parallel import run_parallel
from tests.sampleapp.approvals import SAMPLE_APPROVAL

pytestmark = pytest.mark.django_db(transaction=True)


def test_two_approvers_tapping_approve_at_once_decide_once(roles, fake_wecom, client):
    people = build_people()
    WeComSettings.objects.create(company=people.company, corp_id=CORP_ID, agent_id=AGENT_ID, app_secret=CORP_SECRET,
                                 callback_token=CALLBACK_TOKEN, encoding_aes_key=AES_KEY, enabled=True,
                                 api_base=fake_wecom.url)
    for user, userid in ((people.mgr1, "zhangsan"), (people.mgr2, "lisi")):
        WeComIdentity.objects.create(company=people.company, user=user, wecom_userid=userid)
    rule(people, [role_step()])
    request = approval_submit(document=sample_order(people), type_key=SAMPLE_APPROVAL, actor=people.rep)
    cards = [card_send(request=request, user=user).card for user in (people.mgr1, people.mgr2)]
    url = reverse("office:wecom_callback", args=[people.company.pk])
    for card in cards:
        answer = fake_wecom.click_button(url, token=CALLBACK_TOKEN, encoding_aes_key=AES_KEY, corp_id=CORP_ID,
                                         from_user=card.wecom_userid, task_id=card.task_id, event_key="approve",
                                         client=client)
        assert answer.status == 200
    callbacks = list(WeComCallback.objects.order_by("pk").values_list("pk", flat=True))

    outcomes, errors = run_parallel(2, lambda i: callback_process(callback_id=callbacks[i]))

    assert errors == []
    assert sorted(outcomes) == ["applied", "refused"]
    assert ApprovalDecision.objects.count() == 1
    request.refresh_from_db()
    assert request.status == "approved"
    assert sorted(WeComApprovalCard.objects.values_list("replace_name", flat=True)) == ["Approved",
                                                                                       "Decided by another"]
