"""rq jobs. They run inside the app context (worker.py pushes it, or in-process without Redis)."""
from __future__ import annotations

import logging
from datetime import timedelta

from flask import current_app
from sqlalchemy import and_, delete, exists, func, select

from bot.conversation import utcnow
from bot.store import db
from bot.store.models import Contact, ConversationSession, Message

log = logging.getLogger(__name__)


def purge_old_conversations() -> dict:
    """Delete messages and sessions older than RETENTION_DAYS, and contacts left with nothing.

    A contact who opted out is kept (only her hashed number and the flag), so STOP is honoured.
    """
    cutoff = utcnow() - timedelta(days=current_app.config["RETENTION_DAYS"])
    with db.session() as session, session.begin():
        old = Message.created_at < cutoff
        # Counted first: deleting a message also deletes its replies (ON DELETE CASCADE), which
        # rowcount would not include.
        messages = session.scalar(select(func.count()).select_from(Message).where(old))
        session.execute(delete(Message).where(old))
        sessions = session.execute(delete(ConversationSession).where(ConversationSession.updated_at < cutoff)).rowcount
        contacts = session.execute(delete(Contact).where(and_(
            Contact.last_seen_at < cutoff,
            Contact.opted_out.is_(False),
            ~exists(select(Message.id).where(Message.contact_id == Contact.id)),
            ~exists(select(ConversationSession.id).where(ConversationSession.contact_id == Contact.id)),
        ))).rowcount
    result = {"messages": messages, "sessions": sessions, "contacts": contacts}
    log.info("purged conversations older than %s days: %s", current_app.config["RETENTION_DAYS"], result)
    return result
