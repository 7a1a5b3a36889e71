"""Approvals answered from the phone: WeCom template cards for the approval engine's seats, and the
callback WeCom posts when a card's button is tapped.

1. A step opens (``office.services.approval_notices.approvers_asked``): each approver is notified; on the
   WeCom channel the notification goes as a ``button_interaction`` template card (``card_send``) with a
   unique ``task_id`` recorded on a ``WeComApprovalCard`` row for the approver's seat.
2. The approver taps approve or reject: WeCom posts the encrypted event to the callback URL
   (``office.views_wecom_callback``). ``callback_receive`` checks ``msg_signature`` and the timestamp's age,
   decrypts (the corp ID inside must be the company's), records the event once (WeCom's retries of the same
   event are recognised by its sender, time, card and button and ignored) and answers at once; the work
   follows on the worker (``callback_process``, after commit; a beat task catches what a lost task left).
3. ``callback_process`` applies the button through the approval engine as the WeCom user's mapped local
   user (an unmapped, inactive or other user is refused and the card says so), then the card's button is
   replaced by the outcome in the approver's language ("已核准") with the click's one-time response code.
4. When a seat is settled by someone else (another approver of the step, the web page, the request
   ending), its card is closed the same way with the code message/send gave (``cards_settle``).

Card updates are retried with backoff while WeCom is unreachable (``card_update_send``, beat
``card_updates_resend``), so nothing is lost when WeCom is down for a while.
"""

from __future__ import annotations

import datetime
import logging
import secrets
import time
import xml.etree.ElementTree as ElementTree
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop, pgettext

from erp import messages
from erp.errors import DomainError
from erp.models import Company, User
from office.approval_types import approval_type
from office.models import (
    ApprovalDecision,
    ApprovalRequest,
    ApprovalStepApprover,
    WeComApprovalCard,
    WeComCallback,
    WeComIdentity,
    WeComSettings,
)
from office.models.wecom_cards import CallbackStatus
from office.selectors.wecom_identities import wecom_identity_for_userid
from office.status import ApprovalStatus, Decision, DecisionVia, StepStatus
from office.wecom import client, errors
from office.wecom.clock import SYSTEM_CLOCK, Clock
from office.wecom.crypto import WeComCrypto, WeComCryptoError
from office.wecom.errors import WeComError

logger = logging.getLogger(__name__)

APPROVE_KEY = "approve"
REJECT_KEY = "reject"
BUTTON_DECISIONS = {APPROVE_KEY: Decision.APPROVE, REJECT_KEY: Decision.REJECT}
# A callback older than this is a replay, not WeCom's retry (WeCom retries within seconds).
CALLBACK_MAX_AGE_SECONDS = 300
CARD_UPDATE_MAX_ATTEMPTS = 12
CARD_UPDATE_FIRST_DELAY = 30.0
CARD_UPDATE_MAX_DELAY = 600.0
HORIZONTAL_ROWS = 6  # WeCom shows at most 6 rows of horizontal_content_list


# Sending ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SendOutcome:
    """What became of one app message (a card or a text) to one member: ``status`` "sent", "skipped"
    (nothing to send: the seat was settled, or the user has no WeCom id), "failed" (WeCom will never
    take it: an unknown member), "retry" (WeCom unreachable or over a limit: send again at
    ``retry_after`` seconds). ``detail`` for admins; ``card`` the card row a card's send made. The same
    words as the notification channels' results (office.notification_channels)."""

    status: str
    detail: str = ""
    retry_after: float | None = None
    card: WeComApprovalCard | None = None


def new_task_id(seat: ApprovalStepApprover) -> str:
    """Unique per app, of letters, digits and "_-@" (WeCom's rule), at most 128 bytes."""
    return f"apr{seat.pk}-{secrets.token_hex(8)}"


def card_values(request: ApprovalRequest) -> list[tuple[str, str]]:
    """The request's condition values as (label, text) rows, in the document type's order."""
    try:
        kind = approval_type(request.type_key)
    except DomainError:
        return []
    rows = []
    for each in kind.fields:
        value = (request.values or {}).get(each.name)
        text = value.get("text") if isinstance(value, dict) else value
        if text not in (None, ""):
            rows.append((str(each.label), str(text)))
    return rows


def approval_card(seat: ApprovalStepApprover, *, task_id: str, link: str) -> dict[str, Any]:
    """The button_interaction template card asking ``seat``'s user to decide, in the active language
    (the caller sets the approver's). WeCom's limits: titles 26 / 30 characters, 6 rows, 6 buttons."""
    request = seat.step.request
    requester = request.requester
    card: dict[str, Any] = {
        "card_type": "button_interaction",
        "source": {"desc": request.company.name[:13]},
        "main_title": {
            "title": (_("Approval: %(document)s") % {"document": request.reference})[:26],
            "desc": str(type_label_of(request))[:30],
        },
        "sub_title_text": (_("%(requester)s asks for your approval.") % {
            "requester": requester.get_full_name() or requester.get_username()})[:160],
        "horizontal_content_list": [
            {"keyname": label[:5], "value": value[:26]} for label, value in card_values(request)[:HORIZONTAL_ROWS]
        ],
        "task_id": task_id,
        "button_list": [
            {"text": pgettext("wecom card button", "Approve"), "style": 1, "key": APPROVE_KEY},
            {"text": pgettext("wecom card button", "Reject"), "style": 2, "key": REJECT_KEY},
        ],
    }
    if link:
        card["card_action"] = {"type": 1, "url": link}
    return card


def type_label_of(request: ApprovalRequest) -> str:
    try:
        return str(approval_type(request.type_key).label)
    except DomainError:
        return request.type_key


def open_seat(*, request: ApprovalRequest, user: User) -> ApprovalStepApprover | None:
    """``user``'s undecided seat on an open step of ``request`` (what a card asks them to decide)."""
    return (ApprovalStepApprover.objects
            .filter(step__request=request, step__status=StepStatus.OPEN, user=user, decided=False)
            .select_related("step__request__company", "step__request__requester", "user").order_by("pk").first())


def card_send(*, request: ApprovalRequest, user: User, link: str = "", clock: Clock = SYSTEM_CLOCK) -> SendOutcome:
    """Send ``user`` the card for their open seat on ``request`` (the WeCom channel of an "approval
    waiting" notification). Skipped when the seat was settled meanwhile or the user has no WeCom id."""
    seat = open_seat(request=request, user=user)
    if seat is None or not request.is_pending:
        return SendOutcome("skipped", gettext_noop("No longer waiting for this approver."))
    member = wecom_member(company_id=request.company_id, user=user)
    if isinstance(member, SendOutcome):
        return member
    wecom, userid = member
    task_id = new_task_id(seat)
    with translation.override(user.language or settings.LANGUAGE_CODE):
        card = approval_card(seat, task_id=task_id, link=link)
    outcome, answer = send_to_member(wecom, userid=userid, msgtype="template_card", content=card, clock=clock)
    if answer is None:
        return outcome
    row = WeComApprovalCard.objects.create(company=request.company, seat=seat, task_id=task_id,
                                           wecom_userid=userid, response_code=answer.response_code,
                                           sent_at=clock.now())
    return SendOutcome("sent", card=row)


def wecom_member(*, company_id: int, user: User) -> tuple[WeComSettings, str] | SendOutcome:
    """The company's WeCom app (enabled) and ``user``'s WeCom user id, or why nothing can go to them."""
    identity = WeComIdentity.objects.filter(user=user.pk, company=company_id).first()
    if identity is None:
        return SendOutcome("skipped", gettext_noop("The user has no WeCom user ID."))
    wecom = WeComSettings.objects.filter(company=company_id, enabled=True).first()
    if wecom is None:
        return SendOutcome("skipped", gettext_noop("WeCom is not set up for the company."))
    return wecom, identity.wecom_userid


def send_to_member(wecom: WeComSettings, *, userid: str, msgtype: client.AppMsgType, content: str | dict[str, Any],
                   clock: Clock = SYSTEM_CLOCK) -> tuple[SendOutcome, client.AppMessageResult | None]:
    """message/send to one member, WeCom's answer read as an outcome; the answer itself only when the
    member got the message (a card's response code is in it)."""
    try:
        answer = client.send_app_message(wecom, userids=[userid], msgtype=msgtype, content=content, clock=clock)
    except WeComError as error:
        return SendOutcome("retry" if error.retryable else "failed", errors.explain(error.errcode, error.errmsg)), None
    if answer.deferred_users:  # over the member's limit: when a slot frees
        wait = (answer.retry_at - clock.now()).total_seconds() if answer.retry_at else 60.0
        return SendOutcome("retry", answer.explain(), retry_after=max(wait, 1.0)), None
    if not answer.ok:
        return SendOutcome("retry" if answer.retryable else "failed", answer.explain()), None
    if answer.invalid_users:
        return SendOutcome("failed", _("WeCom does not know the member %(users)s.") % {
            "users": ", ".join(answer.invalid_users)}), None
    return SendOutcome("sent", answer.msgid), answer


# Closing the cards of settled seats --------------------------------------------------------------


def settled_label(card: WeComApprovalCard) -> str:
    """What a settled seat's card button reads, in the active language: the seat's own decision, or
    how the request or step ended without it."""
    seat = card.seat
    decision = ApprovalDecision.objects.filter(seat=seat).values_list("decision", flat=True).first()
    if decision == Decision.APPROVE:
        return pgettext("wecom card button", "Approved")
    if decision == Decision.REJECT:
        return pgettext("wecom card button", "Rejected")
    if decision == Decision.RETURN:
        return pgettext("wecom card button", "Returned")
    request = seat.step.request
    if request.status == ApprovalStatus.CANCELLED:
        return pgettext("wecom card button", "Withdrawn")
    return pgettext("wecom card button", "Decided by another")


def cards_settle(request: ApprovalRequest) -> int:
    """Close the cards of ``request``'s seats that no longer wait for a decision (decided, or their step
    closed): each button is to read how it ended, sent after commit. Returns how many cards changed."""
    cards = (WeComApprovalCard.objects.select_for_update(of=("self",))
             .filter(seat__step__request=request, updated_at__isnull=True, update_due=False)
             .filter(Q(seat__decided=True) | ~Q(seat__step__status=StepStatus.OPEN)
                     | ~Q(seat__step__request__status=ApprovalStatus.PENDING))
             .select_related("seat__step__request", "seat__user").order_by("pk"))
    changed = []
    for card in cards:
        with translation.override(card.seat.user.language or settings.LANGUAGE_CODE):
            card.replace_name = settled_label(card)[:40]
        card.update_due, card.update_next_at = True, timezone.now()
        card.save(update_fields=["replace_name", "update_due", "update_next_at"])
        changed.append(card.pk)
    if changed:
        transaction.on_commit(lambda: enqueue_card_updates(changed))
    return len(changed)


def enqueue_card_updates(card_ids: list[int]) -> None:
    from office.tasks import wecom_card_update

    for card_id in card_ids:
        try:
            wecom_card_update.delay(card_id)
        except Exception:  # Redis down: the beat task sends it (card_updates_resend)
            logger.warning("could not queue the update of WeCom card %s; the beat task will", card_id, exc_info=True)


def card_update_delay(attempts: int) -> float:
    return float(min(CARD_UPDATE_FIRST_DELAY * 2 ** max(attempts - 1, 0), CARD_UPDATE_MAX_DELAY))


def card_update_send(*, card_id: int, clock: Clock = SYSTEM_CLOCK) -> str:
    """Replace the button of a card whose update is due (once: under the card's row lock; a second
    worker skips it). Returns "updated", "retry", "failed" or "skipped"."""
    with transaction.atomic():
        card = (WeComApprovalCard.objects.select_for_update(skip_locked=True)
                .filter(pk=card_id, update_due=True).first())
        if card is None:
            return "skipped"
        wecom = WeComSettings.objects.filter(company=card.company_id).first()
        card.update_attempts += 1
        outcome, error = "updated", ""
        if wecom is None or not card.response_code:
            outcome, error = "failed", "no WeCom settings or response code"
        else:
            try:
                answer = client.update_template_card(wecom, userids=[card.wecom_userid],
                                                     response_code=card.response_code,
                                                     replace_name=card.replace_name, clock=clock)
                if not answer.ok:
                    outcome = "retry" if answer.retryable else "failed"
                    error = f"{answer.errcode}: {answer.errmsg}"
            except WeComError as failure:
                outcome = "retry" if failure.retryable else "failed"
                error = f"{failure.errcode}: {failure.errmsg}"
        if outcome == "retry" and card.update_attempts < CARD_UPDATE_MAX_ATTEMPTS:
            card.update_next_at = clock.now() + datetime.timedelta(seconds=card_update_delay(card.update_attempts))
        else:
            card.update_due = False
            card.update_next_at = None
            if outcome == "updated":
                card.updated_at, card.response_code = clock.now(), ""  # a response code works once
            elif outcome == "retry":
                outcome = "failed"
        card.update_error = error[:500]
        card.save(update_fields=["update_attempts", "update_next_at", "update_due", "updated_at", "response_code",
                                 "update_error"])
        return outcome


def card_updates_resend(*, clock: Clock = SYSTEM_CLOCK, limit: int = 500) -> int:
    """Beat: queue every card update that is due (a lost task, a worker or Redis down)."""
    due = list(WeComApprovalCard.objects.filter(update_due=True, update_next_at__lte=clock.now())
               .order_by("update_next_at").values_list("pk", flat=True)[:limit])
    enqueue_card_updates(due)
    return len(due)


# The callback -----------------------------------------------------------------------------------


class CallbackRefused(Exception):
    """A request to the callback URL that is not WeCom's (forged signature, wrong corp, stale replay,
    malformed body): answered 4xx with ``reason``, nothing recorded."""

    def __init__(self, reason: str, status: int = 400) -> None:
        super().__init__(reason)
        self.reason = reason
        self.status = status


def crypto_for(company: Company) -> tuple[WeComSettings, WeComCrypto]:
    wecom = WeComSettings.objects.filter(company=company, enabled=True).first()
    if wecom is None or not wecom.callback_token or not wecom.encoding_aes_key:
        raise CallbackRefused("WeCom is not set up for this company", status=404)
    return wecom, WeComCrypto(wecom.callback_token, wecom.encoding_aes_key, wecom.corp_id)


def check_fresh(timestamp: str, *, now: float | None = None) -> None:
    try:
        sent = int(timestamp)
    except (TypeError, ValueError):
        raise CallbackRefused("bad timestamp") from None
    if abs((now if now is not None else time.time()) - sent) > CALLBACK_MAX_AGE_SECONDS:
        raise CallbackRefused("stale timestamp (a replay?)", status=403)


def callback_verify_url(*, company: Company, params: dict[str, str]) -> str:
    """WeCom's check of the callback URL (GET): the decrypted ``echostr`` to answer with."""
    _wecom, crypto = crypto_for(company)
    try:
        return crypto.verify_url(params.get("msg_signature", ""), params.get("timestamp", ""),
                                 params.get("nonce", ""), params.get("echostr", ""))
    except WeComCryptoError as error:
        raise CallbackRefused(f"verification failed ({error.code})", status=403) from None


def xml_fields(text: str | bytes) -> dict[str, str]:
    """The child elements of an <xml> document as text (WeCom's flat event format). A DOCTYPE (entity
    expansion, "billion laughs") is refused before parsing."""
    raw = text.encode() if isinstance(text, str) else text
    if b"<!DOCTYPE" in raw.upper() or b"<!ENTITY" in raw.upper():
        raise CallbackRefused("DOCTYPE not allowed")
    try:
        root = ElementTree.fromstring(text)
    except ElementTree.ParseError:
        raise CallbackRefused("malformed XML") from None
    return {child.tag: (child.text or "").strip() for child in root}


def callback_receive(*, company: Company, params: dict[str, str], body: bytes) -> WeComCallback | None:
    """A POST to the callback URL: check and decrypt it, record the event once and queue its work.
    Returns the new callback row, or None for WeCom's retry of an event already recorded. Raises
    ``CallbackRefused`` for anything that is not a genuine, fresh event for this company."""
    _wecom, crypto = crypto_for(company)
    timestamp = params.get("timestamp", "")
    check_fresh(timestamp)
    encrypted = xml_fields(body).get("Encrypt", "")
    if not encrypted:
        raise CallbackRefused("no Encrypt element")
    try:
        plaintext = crypto.decrypt_message(params.get("msg_signature", ""), timestamp, params.get("nonce", ""),
                                           encrypted)
    except WeComCryptoError as error:
        raise CallbackRefused(f"signature or decryption failed ({error.code})", status=403) from None
    event = xml_fields(plaintext)
    kind = event.get("Event") or event.get("MsgType", "")
    key = ":".join((event.get("FromUserName", ""), event.get("CreateTime", ""), kind, event.get("TaskId", ""),
                    event.get("EventKey", "")))[:300]
    row = WeComCallback(company=company, dedupe_key=key, event=kind[:60], from_user=event.get("FromUserName", "")[:64],
                        task_id=event.get("TaskId", "")[:128], event_key=event.get("EventKey", "")[:100],
                        response_code=event.get("ResponseCode", "")[:200])
    if kind != "template_card_event":
        row.status, row.processed_at = CallbackStatus.IGNORED, timezone.now()
    try:
        with transaction.atomic():
            row.save()
    except IntegrityError:
        return None  # WeCom's retry of an event already recorded
    if row.status == CallbackStatus.RECEIVED:
        transaction.on_commit(lambda: enqueue_callback(row.pk))
    return row


def enqueue_callback(callback_id: int) -> None:
    from office.tasks import wecom_callback_process

    try:
        wecom_callback_process.delay(callback_id)
    except Exception:  # Redis down: the beat task processes it (callbacks_resume)
        logger.warning("could not queue WeCom callback %s; the beat task will", callback_id, exc_info=True)


def callback_process(*, callback_id: int) -> str:
    """Apply a card's button as the WeCom user's mapped local user, once (the callback's row lock; a
    second worker skips it), and have the card say what happened. Returns the callback's status."""
    from office.services.approvals import approval_decide  # the engine; imported here, it imports notices

    with transaction.atomic():
        callback = (WeComCallback.objects.select_for_update(skip_locked=True, of=("self",))
                    .filter(pk=callback_id, status=CallbackStatus.RECEIVED).select_related("company").first())
        if callback is None:
            return "skipped"
        callback.attempts += 1
        card = (WeComApprovalCard.objects.filter(company=callback.company, task_id=callback.task_id)
                .select_related("seat__step__request", "seat__user").first())
        decision = BUTTON_DECISIONS.get(callback.event_key)
        if card is None or decision is None:
            return finish_callback(callback, CallbackStatus.IGNORED,
                                   messages.message(gettext_noop("Not a card of ours, or an unknown button.")))
        # The request before any card: the order every writer of a request's cards locks in (the engine
        # locks the request, then cards_settle its cards), so two taps at once wait instead of deadlocking.
        ApprovalRequest.objects.select_for_update().filter(pk=card.seat.step.request_id).first()
        card.refresh_from_db()
        identity = wecom_identity_for_userid(callback.company, callback.from_user)
        user = identity.user if identity is not None else None
        if user is None or not user.is_active or callback.from_user.lower() != card.wecom_userid.lower():
            refuse_on_card(card, callback, user)
            return finish_callback(callback, CallbackStatus.REFUSED, messages.message(
                gettext_noop("WeCom user %(userid)s may not decide this card (not mapped to an active user, or "
                             "not the card's approver)."), userid=callback.from_user))
        request = card.seat.step.request
        with translation.override(user.language or settings.LANGUAGE_CODE):
            comment = _("Rejected on WeCom.") if decision == Decision.REJECT else ""
        try:
            with transaction.atomic():
                approval_decide(request=request, actor=user, decision=decision, comment=comment, via=DecisionVia.WECOM,
                                step=card.seat.step)
        except DomainError as refusal:
            card.refresh_from_db()
            reply_on_card(card, callback, user, decided=False)
            return finish_callback(callback, CallbackStatus.REFUSED, messages.message(
                gettext_noop("Refused: %(reason)s"), reason=str(refusal)))
        card.seat.refresh_from_db()
        reply_on_card(card, callback, user, decided=True)
        cards_settle(request)
        done = (gettext_noop("%(user)s approved %(document)s on WeCom.") if decision == Decision.APPROVE
                else gettext_noop("%(user)s rejected %(document)s on WeCom."))
        return finish_callback(callback, CallbackStatus.APPLIED,
                               messages.message(done, user=user.get_username(), document=request.reference))


def finish_callback(callback: WeComCallback, status: str, result: messages.Stored) -> str:
    callback.status, callback.result, callback.processed_at = status, result, timezone.now()
    callback.save(update_fields=["status", "result", "processed_at", "attempts"])
    return status


def reply_on_card(card: WeComApprovalCard, callback: WeComCallback, user: User, *, decided: bool) -> None:
    """The card's button reads the outcome for its approver (with the click's fresh response code)."""
    with translation.override(user.language or settings.LANGUAGE_CODE):
        label = settled_label(card) if (decided or card.seat.decided or card.seat.step.status != StepStatus.OPEN
                                        or card.seat.step.request.status != ApprovalStatus.PENDING) \
            else pgettext("wecom card button", "Could not decide")
    schedule_card_update(card, label, callback.response_code)


def refuse_on_card(card: WeComApprovalCard, callback: WeComCallback, user: User | None) -> None:
    language = (user.language if user is not None else "") or settings.LANGUAGE_CODE
    with translation.override(language):
        label = pgettext("wecom card button", "Not authorised")
    schedule_card_update(card, label, callback.response_code)


def schedule_card_update(card: WeComApprovalCard, label: str, response_code: str) -> None:
    card.replace_name = label[:40]
    if response_code:
        card.response_code = response_code
    card.update_due, card.update_next_at, card.updated_at = True, timezone.now(), None
    card.save(update_fields=["replace_name", "response_code", "update_due", "update_next_at", "updated_at"])
    card_id = card.pk
    transaction.on_commit(lambda: enqueue_card_updates([card_id]))


def callbacks_resume(*, older_than_seconds: float = 10, limit: int = 500) -> int:
    """Beat: queue the callbacks still waiting to be processed (a lost task, a worker or Redis down)."""
    cutoff = timezone.now() - datetime.timedelta(seconds=older_than_seconds)
    due = list(WeComCallback.objects.filter(status=CallbackStatus.RECEIVED, received_at__lte=cutoff)
               .order_by("pk").values_list("pk", flat=True)[:limit])
    for callback_id in due:
        enqueue_callback(callback_id)
    return len(due)
