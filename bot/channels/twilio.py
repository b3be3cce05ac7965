"""Twilio: request signatures, inbound form parsing, TwiML replies, and the REST client for sends."""
from __future__ import annotations

import logging
from dataclasses import dataclass

from flask import Request
from requests.exceptions import RequestException
from twilio.base.exceptions import TwilioException
from twilio.http.http_client import TwilioHttpClient
from twilio.request_validator import RequestValidator
from twilio.rest import Client
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


TWILIO_API = "https://api.twilio.com"

# twilio's HTTP client logs every request's query string at INFO, and listing messages puts her
# number in it (To=...): its own logger keeps only warnings, so logs never carry a number.
_http_log = logging.getLogger("bot.channels.twilio.http")
_http_log.setLevel(logging.WARNING)


class RedirectedHttpClient(TwilioHttpClient):
    """twilio's own HTTP client, sending what was meant for api.twilio.com to `base` instead (the test fake)."""

    def __init__(self, base: str, timeout: float):
        super().__init__(timeout=timeout, logger=_http_log)
        self.base = base.rstrip("/")

    def request(self, method, url, *args, **kwargs):
        if url.startswith(TWILIO_API):
            url = self.base + url[len(TWILIO_API):]
        return super().request(method, url, *args, **kwargs)


def make_client(config) -> Client:
    """The official Twilio client for the configured account, with a timeout (twilio has none by default,
    so a stalled connection would hold a worker forever), pointed at TWILIO_API_BASE when that is set."""
    timeout = config.get("TWILIO_HTTP_TIMEOUT", 15)
    base = config.get("TWILIO_API_BASE")
    http = RedirectedHttpClient(base, timeout) if base else TwilioHttpClient(timeout=timeout, logger=_http_log)
    return Client(config["TWILIO_ACCOUNT_SID"], config["TWILIO_AUTH_TOKEN"], http_client=http)


OPTED_OUT = 21610
PERMANENT = {21211: "the number is not valid", 30005: "unknown or inactive number",
             30006: "a landline or unreachable carrier"}
"""Twilio error codes that no retry can fix, besides OPTED_OUT (all other 4xx but 429 fail at once too)."""

SEND_ERRORS = (TwilioException, RequestException)
"""What a call through the Twilio client raises when the message did not (or may not) go."""


@dataclass(frozen=True)
class SendFailure:
    retry: bool               # worth trying again later (network, 429, 5xx)
    code: str | None          # Twilio's error code, for the messages.error_code column
    reason: str               # for last_error and logs: never the error's own text, which quotes the number
    opted_out: bool = False   # the recipient replied STOP: never message her again


def classify(error: Exception) -> SendFailure:
    """What a failed send means: retry later, fail for good, or she has opted out."""
    if isinstance(error, RequestException):
        # A timeout or a reset may come after Twilio accepted the message: the retry asks Twilio first.
        return SendFailure(True, None, f"network error ({type(error).__name__})")
    status, code = getattr(error, "status", None), getattr(error, "code", None)
    if code == OPTED_OUT:
        return SendFailure(False, str(code), f"Twilio error {code}: the recipient replied STOP", opted_out=True)
    if status is None or status == 429 or status >= 500:
        return SendFailure(True, str(code) if code else None, f"Twilio answered HTTP {status or '?'}"
                           + (f" (error {code})" if code and code != status else ""))
    return SendFailure(False, str(code) if code else None,
                       f"Twilio error {code}: {PERMANENT.get(code, 'refused')} (HTTP {status})")
