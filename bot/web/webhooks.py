"""Twilio's webhooks: inbound SMS and WhatsApp messages, and delivery status callbacks."""
from __future__ import annotations

import logging

from flask import Blueprint, Response, abort, current_app, request, url_for
from sqlalchemy import select
from sqlalchemy.exc import OperationalError

from bot.channels import twilio
from bot.conversation import Inbound, handle_inbound, utcnow
from bot.engine.problems import FlowError
from bot.store import db
from bot.store.models import STATUS_RANK, Message

bp = Blueprint("webhooks", __name__, url_prefix="/twilio")
log = logging.getLogger(__name__)


@bp.before_request
def require_twilio_signature():
    token = current_app.config["TWILIO_AUTH_TOKEN"]
    if not token:
        abort(Response("TWILIO_AUTH_TOKEN is not configured: webhooks are refused\n", 503, mimetype="text/plain"))
    if not twilio.is_signed(request, token, current_app.config["PUBLIC_BASE_URL"]):
        log.warning("refused a request to %s with a missing or wrong Twilio signature", request.path)
        abort(Response("missing or invalid X-Twilio-Signature\n", 403, mimetype="text/plain"))


@bp.errorhandler(OperationalError)
def database_unavailable(error):
    log.error("database unavailable while handling %s: %s", request.path, type(error).__name__)
    return Response("database unavailable, retry later\n", 503, mimetype="text/plain")


@bp.errorhandler(FlowError)
def flow_broken(error):
    log.error("the flows failed at run time: %s", error)
    return Response("the flows failed: run `flask --app app flows check`\n", 503, mimetype="text/plain")


@bp.post("/messages")
def inbound_message():
    if current_app.extensions.get("flows") is None:
        return Response("the flows have errors: run `flask --app app flows check`\n", 503, mimetype="text/plain")
    try:
        form = twilio.parse_inbound(request.form, current_app.config["DEFAULT_REGION"])
    except twilio.BadForm as error:
        return Response(f"{error}\n", 400, mimetype="text/plain")
    replies = handle_inbound(Inbound(form.phone, form.channel, form.body, form.sid, utcnow()))
    texts = [(reply.text, _status_callback_url(reply.id)) for reply in replies]
    return Response(twilio.twiml(texts), 200, mimetype="text/xml")


def _status_callback_url(message_id: int) -> str:
    path = url_for("webhooks.status_callback", m=message_id)
    return current_app.config["PUBLIC_BASE_URL"] + path if current_app.config["PUBLIC_BASE_URL"] else path


@bp.post("/status")
def status_callback():
    sid = request.form.get("MessageSid", "").strip()
    status = request.form.get("MessageStatus", "").strip().lower()
    if not sid or not status:
        return Response("MessageSid and MessageStatus are required\n", 400, mimetype="text/plain")
    if status not in STATUS_RANK:
        log.warning("ignored unknown message status %r", status[:20])
        return Response(status=204)
    with db.session() as session, session.begin():
        message = session.scalars(select(Message).where(Message.twilio_sid == sid).with_for_update()).one_or_none()
        if message is None and request.args.get("m", "").isdigit():
            candidate = session.scalars(select(Message).where(Message.id == int(request.args["m"]))
                                        .with_for_update()).one_or_none()
            if candidate is not None and candidate.direction == "out" and candidate.twilio_sid is None:
                message = candidate
                message.twilio_sid = sid
        if message is None:
            log.info("status %s for a message we do not know", status)
            return Response(status=204)
        if STATUS_RANK[status] > STATUS_RANK.get(message.status, 0):
            message.status = status
            message.error_code = request.form.get("ErrorCode") or message.error_code
            message.updated_at = utcnow()
    return Response(status=204)
