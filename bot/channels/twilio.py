"""Twilio: request signatures, inbound form parsing, TwiML replies."""
from __future__ import annotations

from dataclasses import dataclass

from flask import Request
from twilio.request_validator import RequestValidator
from twilio.twiml.messaging_response import MessagingResponse

from bot import phone


def signed_url(request: Request, public_base_url: str) -> str:
    """The URL Twilio signed: PUBLIC_BASE_URL + path (+ query) when set, else the request URL."""
    if not public_base_url:
        return request.url
    query = request.query_string.decode()
    return public_base_url + request.path + (f"?{query}" if query else "")


def is_signed(request: Request, auth_token: str, public_base_url: str) -> bool:
    signature = request.headers.get("X-Twilio-Signature", "")
    if not signature:
        return False
    params = request.form.to_dict(flat=True) if request.mimetype == "application/x-www-form-urlencoded" else {}
    return RequestValidator(auth_token).validate(signed_url(request, public_base_url), params, signature)


@dataclass(frozen=True)
class InboundForm:
    phone: str
    channel: str
    body: str
    sid: str


class BadForm(ValueError):
    """The form is not an inbound message we can handle; the message says why."""


def parse_inbound(form, region: str) -> InboundForm:
    sid = (form.get("MessageSid") or form.get("SmsSid") or "").strip()
    if not sid or len(sid) > 64:
        raise BadForm("MessageSid is missing or malformed")
    sender = form.get("From", "")
    try:
        number = phone.normalise(sender, region)
    except phone.BadNumber as error:
        raise BadForm(f"From is not a phone number ({error})") from None
    return InboundForm(number, phone.channel_of(sender), form.get("Body", ""), sid)


def twiml(texts: list[tuple[str, str | None]]) -> str:
    """TwiML with one <Message> per (text, status callback URL or None); none: an empty <Response/>."""
    response = MessagingResponse()
    for text, action in texts:
        if action:
            response.message(text, action=action, method="POST")
        else:
            response.message(text)
    return str(response)
