"""What is stored, how, and what is erased: on SQLite and PostgreSQL."""
from __future__ import annotations

import logging

import sqlalchemy as sa
from sqlalchemy import func, select

from bot.store import db, migrate
from bot.store.models import Case, Chat, Contact, ConversationSession, Message
from tests.test_report_end_to_end import REPORT

NUMBER = "+923001234567"
NARRATIVE = "Mera manager Tariq mujhe raat ko messages bhejta hai"


def dump_database(app) -> str:
    """Every value of every table, as text: what someone who copied the database file would read."""
    with app.app_context(), db.engine().connect() as connection:
        parts = []
        for table in sa.inspect(connection).get_table_names():
            for row in connection.execute(sa.text(f"SELECT * FROM {table}")):
                parts.extend(str(value) for value in row)
        return "\n".join(parts)


def test_database_holds_no_phone_number_narrative_or_answer_in_clear(send, app):
    for body in REPORT:  # her report: where she works, her district, what happened, her PIN
        send(body, sender=NUMBER)
    send("TALK", sender=NUMBER)
    send(NARRATIVE, sender=NUMBER)  # held for a counsellor
    with app.app_context(), db.session() as session:  # the report and the chat were really stored
        assert session.scalar(select(func.count()).select_from(Case)) == 1
        assert session.scalar(select(func.count()).select_from(Chat)) == 1
    dumped = dump_database(app)
    for secret in (NUMBER, NUMBER[1:], "3001234567", "Tariq", "manager", "counsellor will reply", "Quetta",
                   "at night", "March"):
        assert secret not in dumped, secret


def test_saved_values_are_encrypted_at_rest_and_read_back(app):
    from bot.conversation import utcnow
    from bot.engine import Session, Status
    from bot.store import conversations as store
    vault = app.extensions["vault"]
    with app.app_context(), db.session() as session, session.begin():
        contact = store.lock_contact(session, vault, NUMBER, "sms", utcnow())
        saved = Session(flow="rights", state="topics", status=Status.ACTIVE, values={"narrative": NARRATIVE})
        store.save_session(session, vault, contact, saved, utcnow())
    assert "Tariq" not in dump_database(app)
    with app.app_context(), db.session() as session:
        contact = store.find_contact(session, vault, NUMBER)
        assert store.load_session(session, vault, contact).values == {"narrative": NARRATIVE}


def test_delete_erases_every_message_and_the_contact(send, app):
    send("hi", sender=NUMBER)
    send("2", sender=NUMBER)
    send(NARRATIVE, sender=NUMBER)
    send("DELETE", sender=NUMBER)
    texts = send("1", sender=NUMBER)
    assert b"Done. It has all been deleted." in texts.data
    with app.app_context(), db.session() as session:
        assert session.scalar(select(func.count()).select_from(Contact)) == 0
        assert session.scalar(select(func.count()).select_from(ConversationSession)) == 0
        # Only the confirmation and its neutral answer remain, tied to no one, so a retry is recognised.
        rows = session.scalars(select(Message).order_by(Message.id)).all()
        assert [(m.direction, m.contact_id) for m in rows] == [("in", None), ("out", None)]
        assert rows[0].body_enc is None


def test_delete_confirmation_retried_by_twilio_does_not_recreate_her(send, app):
    send("hi", sender=NUMBER)
    send("DELETE", sender=NUMBER)
    first = send("1", sender=NUMBER, sid="SMdelete00000000000000000000000001")
    again = send("1", sender=NUMBER, sid="SMdelete00000000000000000000000001")
    assert again.data == first.data
    with app.app_context(), db.session() as session:
        assert session.scalar(select(func.count()).select_from(Contact)) == 0


def test_declining_delete_keeps_everything(send, app):
    send("hi", sender=NUMBER)
    send("DELETE", sender=NUMBER)
    send("2", sender=NUMBER)
    with app.app_context(), db.session() as session:
        assert session.scalar(select(func.count()).select_from(Message)) == 6


def test_stop_is_remembered_on_the_contact_and_silences_the_bot(send, app):
    send("hi")
    send("STOP")
    response = send("hello?")
    assert response.data.strip().endswith(b"<Response />")
    with app.app_context(), db.session() as session:
        assert session.scalars(select(Contact)).one().opted_out is True
    assert b"Hello." in send("START").data


def test_logs_carry_no_phone_number_and_no_message_text(send, caplog):
    with caplog.at_level(logging.DEBUG):
        send("hi", sender=NUMBER)
        send(NARRATIVE, sender=NUMBER)
        send("junk\x00", sender="not a number")
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert "handled" in logged  # the handler does log, just not her data
    for secret in (NUMBER, "3001234567", "Tariq", "manager", "Hello. Reply"):
        assert secret not in logged


def test_migrations_go_down_to_nothing_and_up_again(app):
    with app.app_context():
        migrate.downgrade("base")
        assert "contacts" not in sa.inspect(db.engine()).get_table_names()
        migrate.upgrade()
        assert {"contacts", "sessions", "messages"} <= set(sa.inspect(db.engine()).get_table_names())


def test_data_keys_rotate_old_data_still_reads(send, app, database_url):
    """A new key put first in DATA_KEYS encrypts; the old key, kept after it, still decrypts."""
    from cryptography.fernet import Fernet

    from tests.conftest import make_app
    send("hi", sender=NUMBER)
    old_key = app.config["DATA_KEYS"]
    rotated = make_app(database_url, DATA_KEYS=f"{Fernet.generate_key().decode()},{old_key}",
                       SECRET_KEY=app.config["SECRET_KEY"])
    with rotated.app_context(), db.session() as session:
        contact = session.scalars(select(Contact)).one()
        assert rotated.extensions["vault"].decrypt(contact.phone_enc) == NUMBER
    rotated.extensions["db_engine"].dispose()
