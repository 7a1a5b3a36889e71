"""WeCom's callback URL (企業微信「接收消息」): GET is WeCom's check of the URL when an admin saves it
(answer the decrypted echostr), POST an event (a card's button tapped). Public — WeCom signs, it does
not sign in — so every request is checked by signature, timestamp and corp ID
(office.services.wecom_cards) and refused with a 4xx otherwise. The answer is immediate; the work
follows on the worker."""

from django.db import transaction
from django.http import HttpResponse, HttpResponseNotAllowed
from django.shortcuts import get_object_or_404
from django.views.decorators.csrf import csrf_exempt

from erp.models import Company
from erp.permissions import _mark
from office.services.wecom_cards import CallbackRefused, callback_receive, callback_verify_url

MAX_BODY_BYTES = 64 * 1024  # an event is a few hundred bytes


@csrf_exempt
def wecom_callback(request, company_id):
    params = {key: request.GET.get(key, "") for key in ("msg_signature", "timestamp", "nonce", "echostr")}
    if not all(params[key] for key in ("msg_signature", "timestamp", "nonce")):
        return HttpResponse("missing msg_signature, timestamp or nonce", status=400, content_type="text/plain")
    company = get_object_or_404(Company, pk=company_id)
    try:
        if request.method == "GET":
            return HttpResponse(callback_verify_url(company=company, params=params), content_type="text/plain")
        if request.method != "POST":
            return HttpResponseNotAllowed(["GET", "POST"])
        if len(request.body) > MAX_BODY_BYTES:
            return HttpResponse("too large", status=413, content_type="text/plain")
        with transaction.atomic():
            callback_receive(company=company, params=params, body=request.body)
    except CallbackRefused as refusal:
        return HttpResponse(refusal.reason, status=refusal.status, content_type="text/plain")
    return HttpResponse("", content_type="text/plain")  # no passive reply: the card is updated by the API


wecom_callback = _mark(wecom_callback, "public")
