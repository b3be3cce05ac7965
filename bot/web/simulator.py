"""/simulator: talk to the bot as a phone would, through the same engine, storage and rendering."""
from __future__ import annotations

import uuid
from datetime import timezone

from flask import Blueprint, abort, current_app, redirect, render_template, request, session, url_for
from sqlalchemy import select

from bot import phone
from bot.conversation import Inbound, handle_inbound, utcnow
from bot.engine.segments import count_segments
from bot.store import conversations as store
from bot.store import db
from bot.store.models import Contact, Direction, Message, Role, User

bp = Blueprint("simulator", __name__, url_prefix="/simulator", template_folder="templates")
DEFAULT_PHONE = "+923000000000"


@bp.before_request
def only_when_enabled():
    if not current_app.config["SIMULATOR_ENABLED"]:
        abort(404)
    if current_app.config["APP_ENV"] == "production" and not _staff_logged_in():
        return redirect(url_for("console.login"))


def _staff_logged_in() -> bool:
    """In production the simulator is for logged-in staff only (it can write to real conversations)."""
    user_id = session.get("user_id")
    with db.session() as dbs:
        user = dbs.get(User, user_id) if user_id is not None else None
        return user is not None and user.active and user.role != Role.PARTNER.value


def _current_phone() -> tuple[str, str]:
    return session.get("sim_phone", DEFAULT_PHONE), session.get("sim_channel", "sms")


@bp.get("/")
def show():
    number, channel = _current_phone()
    vault = current_app.extensions["vault"]
    messages, state = [], None
    with db.session() as dbs:
        contact = store.find_contact(dbs, vault, number)
        if contact is not None:
            state = store.load_session(dbs, vault, contact)
            for row in store.conversation(dbs, contact):
                text = vault.decrypt(row.body_enc) or ""
                messages.append({"direction": row.direction, "text": text, "status": row.status,
                                 "count": count_segments(text), "channel": row.channel})
    return render_template("simulator.html", phone=number, channel=channel, messages=messages, state=state,
                           error=request.args.get("error"))


@bp.post("/send")
def send():
    try:
        number = phone.normalise(request.form.get("phone", DEFAULT_PHONE), current_app.config["DEFAULT_REGION"])
    except phone.BadNumber:
        return redirect(url_for("simulator.show", error="That is not a phone number."))
    channel = "whatsapp" if request.form.get("channel") == "whatsapp" else "sms"
    session["sim_phone"], session["sim_channel"] = number, channel
    body = request.form.get("body", "")
    if current_app.extensions.get("flows") is None:
        return redirect(url_for("simulator.show", error="The flows have errors: run flows check."))
    handle_inbound(Inbound(number, channel, body, f"SIM{uuid.uuid4().hex}", utcnow()))
    return redirect(url_for("simulator.show") + "#last")


@bp.post("/forget")
def forget():
    """Erase the simulated number's conversation, as DELETE would, to start over."""
    number, _ = _current_phone()
    vault = current_app.extensions["vault"]
    with db.session() as dbs, dbs.begin():
        contact = store.find_contact(dbs, vault, number)
        if contact is not None:
            store.erase_contact(dbs, contact)
    return redirect(url_for("simulator.show"))


@bp.get("/outbox")
def outbox():
    """Messages sent through Twilio's API (not webhook replies), newest first; without Twilio credentials
    they stop here, as `logged`. The text is shown outside production only."""
    vault = current_app.extensions["vault"]
    show_text = current_app.config["APP_ENV"] != "production"
    rows = []
    with db.session() as dbs:
        # Webhook replies have reply_to_id; the outbox's rows never do.
        query = (select(Message, Contact.phone_enc).outerjoin(Contact, Contact.id == Message.contact_id)
                 .where(Message.direction == Direction.OUT.value, Message.reply_to_id.is_(None))
                 .order_by(Message.id.desc()).limit(200))
        for message, phone_enc in dbs.execute(query):
            number = vault.decrypt(message.to_enc or phone_enc) or ""
            rows.append({"id": message.id, "kind": message.kind, "channel": message.channel,
                         "to": "•" * 7 + number[-3:] if number else "", "status": message.status,
                         "attempts": message.attempts, "error": message.last_error, "code": message.error_code,
                         "created_at": message.created_at.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC"),
                         "text": vault.decrypt(message.body_enc) if show_text else None})
    return render_template("simulator_outbox.html", rows=rows, show_text=show_text)
