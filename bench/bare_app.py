"""The baseline for webhook_throughput.py: Twilio's inbound webhook with nothing behind it.

It does only what every Twilio webhook must do, checking X-Twilio-Signature with the
same token and the same URL rule as the helpline (PUBLIC_BASE_URL + path + query when
set, else the request URL), and answers with fixed TwiML. The helpline's throughput is
reported as a fraction of this one's, so the figure says what the conversation itself
(storage, engine, rendering) costs rather than what Flask, gunicorn and HTTP cost.

    gunicorn --chdir bench bare_app:app
"""
from __future__ import annotations

import os

from flask import Flask, Response, request
from twilio.request_validator import RequestValidator

TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response><Message>ok</Message></Response>'

AUTH_TOKEN = os.environ.get("TWILIO_AUTH_TOKEN", "")
PUBLIC_BASE_URL = os.environ.get("PUBLIC_BASE_URL", "").rstrip("/")

app = Flask(__name__)


def signed_url() -> str:
    """The URL Twilio signed, by the same rule as bot/channels/twilio.py."""
    if not PUBLIC_BASE_URL:
        return request.url
    query = request.query_string.decode()
    return PUBLIC_BASE_URL + request.path + (f"?{query}" if query else "")


@app.post("/twilio/messages")
def inbound_message():
    if not AUTH_TOKEN:
        return Response("TWILIO_AUTH_TOKEN is not configured\n", 503, mimetype="text/plain")
    signature = request.headers.get("X-Twilio-Signature", "")
    # A validator per request, as the helpline builds one, so both pay the same.
    if not signature or not RequestValidator(AUTH_TOKEN).validate(
            signed_url(), request.form.to_dict(flat=True), signature):
        return Response("missing or invalid X-Twilio-Signature\n", 403, mimetype="text/plain")
    return Response(TWIML, 200, mimetype="text/xml")
