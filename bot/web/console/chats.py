"""The counsellors' queue and a chat: claim, reply, note, hand back, close. Live by polling JSON."""
from __future__ import annotations

from flask import abort, current_app, flash, g, jsonify, redirect, render_template, request, url_for
from sqlalchemy import select

from bot import casework, chats, outbox
from bot.conversation import utcnow
from bot.store import db
from bot.store.models import Case, Chat, ChatStatus, Contact, User
from bot.web.console import STAFF, bp, login_required


@bp.get("/queue")
@login_required(*STAFF)
def queue():
    return render_template("console/queue.html", chats=_queue_rows())


@bp.get("/queue.json")
@login_required(*STAFF)
def queue_json():
    return jsonify(chats=_queue_rows())


@bp.get("/chats/<int:chat_id>")
@login_required(*STAFF)
def chat(chat_id: int):
    vault = current_app.extensions["vault"]
    with db.session() as s, s.begin():
        chat, contact = _chat_and_contact(s, chat_id)
        chats.add_event(s, vault, chat, "viewed", g.user.username, utcnow())
        s.flush()
        messages = casework.message_entries(s, vault, contact)
        holder = s.get(User, chat.counsellor_id) if chat.counsellor_id else None
        view = {
            "chat": chat, "holder": holder.username if holder else None, "mine": chat.counsellor_id == g.user.id,
            "pseudonym": casework.pseudonym(vault, contact.id), "language": contact.language or "-",
            "channel": contact.channel, "opted_out": contact.opted_out,
            "messages": messages, "last_id": messages[-1][0] if messages else 0,
            "events": casework.chat_events(s, vault, chat), "canned": _canned(contact.language),
            "window_closed": contact.channel == "whatsapp" and not outbox.whatsapp_window_open(s, contact.id, utcnow()),
            "cases": _cases_of(s, contact),
        }
    return render_template("console/chat.html", **view)


@bp.get("/chats/<int:chat_id>/updates.json")
@login_required(*STAFF)
def chat_updates(chat_id: int):
    """New messages after `after` (a message id), and who holds the chat now."""
    vault = current_app.extensions["vault"]
    with db.session() as s:
        chat, contact = _chat_and_contact(s, chat_id)
        holder = s.get(User, chat.counsellor_id) if chat.counsellor_id else None
        messages = casework.message_entries(s, vault, contact, request.args.get("after", 0, type=int))
        return jsonify(status=chat.status, holder=holder.username if holder else None,
                       messages=[{"id": i, "at": e.at.isoformat(), "actor": e.actor, "text": e.text,
                                  "direction": e.direction} for i, e in messages])


@bp.post("/chats/<int:chat_id>/claim")
@login_required(*STAFF)
def claim(chat_id: int):
    def take(s, vault, chat, now):
        chats.claim(s, vault, chat.id, g.user, now)
        return []

    return _act(chat_id, take)


@bp.post("/chats/<int:chat_id>/reply")
@login_required(*STAFF)
def reply(chat_id: int):
    text = request.form.get("text", "")
    return _act(chat_id, lambda s, vault, chat, now: [chats.reply(s, vault, chat, g.user, text, now)],
                done="Sent.")


@bp.post("/chats/<int:chat_id>/template")
@login_required(*STAFF)
def template(chat_id: int):
    return _act(chat_id, lambda s, vault, chat, now: [chats.send_template(s, vault, chat, g.user, now)],
                done="The template was sent.")


@bp.post("/chats/<int:chat_id>/note")
@login_required(*STAFF)
def note(chat_id: int):
    text = request.form.get("text", "")
    def add(s, vault, chat, now):
        chats.note(s, vault, chat, g.user, text, now)
        return []

    return _act(chat_id, add, done="Note added.")


@bp.post("/chats/<int:chat_id>/hand-back")
@login_required(*STAFF)
def hand_back(chat_id: int):
    return _act(chat_id, lambda s, vault, chat, now: chats.hand_back(s, vault, chat, g.user, now, close=False),
                done="She is back with the bot.", to_queue=True)


@bp.post("/chats/<int:chat_id>/close")
@login_required(*STAFF)
def close(chat_id: int):
    return _act(chat_id, lambda s, vault, chat, now: chats.hand_back(s, vault, chat, g.user, now, close=True),
                done="The chat is closed.", to_queue=True)


def _act(chat_id: int, action, done: str | None = None, to_queue: bool = False):
    """Run one chat action in a transaction; send what it queued once committed; say what happened."""
    vault = current_app.extensions["vault"]
    queued: list[int] = []
    try:
        with db.session() as s, s.begin():
            chat, _ = _chat_and_contact(s, chat_id)
            queued = action(s, vault, chat, utcnow()) or []
    except chats.ChatError as refused:
        flash(str(refused), "error")
        return redirect(url_for("console.chat", chat_id=chat_id)), 303
    outbox.send_after_commit(queued)
    if done:
        flash(done, "ok")
    return redirect(url_for("console.queue") if to_queue else url_for("console.chat", chat_id=chat_id)), 303


def _chat_and_contact(s, chat_id: int) -> tuple[Chat, Contact]:
    chat = s.get(Chat, chat_id)
    if chat is None:
        abort(404)
    contact = s.get(Contact, chat.contact_id)
    return chat, contact


def _queue_rows() -> list[dict]:
    """Open chats, waiting ones first, oldest first; nothing that identifies her but the pseudonym."""
    vault, now = current_app.extensions["vault"], utcnow()
    with db.session() as s, s.begin():
        queued = chats.sweep(s, vault, now)  # the queue's own clock: late notices and idle chats
    outbox.send_after_commit(queued)
    with db.session() as s:
        rows = s.execute(select(Chat, Contact.language, User.username)
                         .join(Contact, Contact.id == Chat.contact_id)
                         .outerjoin(User, User.id == Chat.counsellor_id)
                         .where(Chat.status != ChatStatus.CLOSED.value)
                         .order_by(Chat.status.desc(), Chat.created_at)).all()  # "waiting" sorts before "held"
        return [{"id": chat.id, "pseudonym": vault.pseudonym(chat.contact_id), "reason": chat.reason,
                 "status": chat.status, "holder": holder, "language": language or "-",
                 "waiting_minutes": int((now - chat.created_at).total_seconds() // 60),
                 "last_activity": chat.updated_at.isoformat(),
                 "url": url_for("console.chat", chat_id=chat.id)}
                for chat, language, holder in rows]


def _canned(language: str | None) -> list[tuple[str, str]]:
    """The ready answers (canned.* texts) in her language."""
    texts = current_app.extensions["flows"].texts
    language = language if language in texts.languages else texts.default
    keys = [key for key in texts.texts[texts.default] if key.startswith("canned.")]
    return [(key.split(".", 1)[1].replace("_", " "), texts.render(language, key, {})) for key in keys]


def _cases_of(s, contact: Contact) -> list[str]:
    return list(s.scalars(select(Case.reference).where(Case.contact_id == contact.id).order_by(Case.id)))
