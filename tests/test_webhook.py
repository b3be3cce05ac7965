"""POST /twilio/messages and /twilio/status, on SQLite and PostgreSQL."""
from __future__ import annotations

import threading
from xml.etree import ElementTree

import pytest
from sqlalchemy import func, select

from bot.store import db
from bot.store.models import Contact, ConversationSession, Message
from tests.conftest import inbound_params, sign


def replies(response) -> list[str]:
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.mimetype == "text/xml"
    root = ElementTree.fromstring(response.data)
    assert root.tag == "Response"
    return [m.text or "" for m in root.findall("Message")]


def count(app, model, *where) -> int:
    with app.app_context(), db.session() as session:
        return session.scalar(select(func.count()).select_from(model).where(*where))


def position(app) -> str | None:
    with app.app_context(), db.session() as session:
        row = session.scalars(select(ConversationSession)).one()
        return f"{row.flow}.{row.state}"


# --- signatures -------------------------------------------------------------------------------

def test_unsigned_request_is_rejected(client, app):
    response = client.post("/twilio/messages", data=inbound_params("hi"))
    assert response.status_code == 403
    assert count(app, Message) == 0


def test_forged_signature_is_rejected(client, app):
    params = inbound_params("hi")
    response = client.post("/twilio/messages", data=params,
                           headers={"X-Twilio-Signature": sign("/twilio/messages", params, token="not-the-token")})
    assert response.status_code == 403
    assert count(app, Message) == 0


def test_signature_replayed_with_another_body_is_rejected(client, app):
    params = inbound_params("hi")
    signature = sign("/twilio/messages", params)
    tampered = dict(params, Body="DELETE")
    response = client.post("/twilio/messages", data=tampered, headers={"X-Twilio-Signature": signature})
    assert response.status_code == 403
    assert count(app, Message) == 0


def test_signature_for_another_url_is_rejected(client):
    params = inbound_params("hi")
    response = client.post("/twilio/messages", data=params,
                           headers={"X-Twilio-Signature": sign("/twilio/status", params)})
    assert response.status_code == 403


def test_without_auth_token_the_webhook_refuses_with_503(database_url):
    from tests.conftest import make_app
    app = make_app(database_url, TWILIO_AUTH_TOKEN="")
    params = inbound_params("hi")
    response = app.test_client().post("/twilio/messages", data=params,
                                      headers={"X-Twilio-Signature": sign("/twilio/messages", params)})
    assert response.status_code == 503
    assert b"TWILIO_AUTH_TOKEN" in response.data
    app.extensions["db_engine"].dispose()


def test_signature_checked_against_request_url_when_no_public_base_url(database_url):
    from tests.conftest import make_app
    app = make_app(database_url, PUBLIC_BASE_URL="")
    params = inbound_params("hi")
    signature = sign("/twilio/messages", params, base="http://localhost")
    response = app.test_client().post("/twilio/messages", data=params, headers={"X-Twilio-Signature": signature})
    assert replies(response)[0].startswith("Hello.")
    app.extensions["db_engine"].dispose()


# --- conversations ----------------------------------------------------------------------------

def test_first_message_gets_the_main_menu_as_twiml(send, app):
    texts = replies(send("hi"))
    assert len(texts) == 1
    assert texts[0].startswith("Hello. Reply with a number:")
    assert "2. Your rights at work" in texts[0]
    assert count(app, Message, Message.direction == "in") == 1
    assert count(app, Message, Message.direction == "out") == 1


def test_each_reply_carries_a_status_callback(send):
    response = send("hi")
    message = ElementTree.fromstring(response.data).find("Message")
    assert message.get("action").startswith("https://helpline.example.org/twilio/status?m=")


def test_conversation_advances_and_is_stored_between_messages(send, app):
    send("hi")
    texts = replies(send("2"))
    assert texts[0].startswith("Reply with a number:\n1. What counts as harassment")
    assert position(app) == "rights.topics"


def test_whatsapp_sender_is_the_same_woman_as_her_sms_number(send, app):
    send("hi", sender="whatsapp:+923001234567")
    send("2", sender="+923001234567")
    assert count(app, Contact) == 1
    assert position(app) == "rights.topics"
    with app.app_context(), db.session() as session:
        assert session.scalars(select(Message.channel).where(Message.direction == "in")).all() == ["whatsapp", "sms"]


@pytest.mark.parametrize("sender", ["+923001234567", "00923001234567", "03001234567", "whatsapp:+92 300 1234567"])
def test_local_and_international_forms_of_a_number_are_one_contact(send, app, sender):
    send("hi", sender="+923001234567")
    send("1", sender=sender)
    assert count(app, Contact) == 1


def test_a_sender_that_is_not_a_number_gets_400_not_500(send, app):
    response = send("hi", sender="not-a-number")
    assert response.status_code == 400
    assert b"From" in response.data
    assert count(app, Message) == 0


def test_missing_message_sid_gets_400(client, app):
    params = inbound_params("hi")
    del params["MessageSid"]
    response = client.post("/twilio/messages", data=params,
                           headers={"X-Twilio-Signature": sign("/twilio/messages", params)})
    assert response.status_code == 400


def test_empty_first_message_is_answered_with_the_language_menu(send, app):
    texts = replies(send(""))
    assert texts[0].startswith("Salam. Reply with a number:\n1. English\n2. اردو")
    texts = replies(send(""))  # at the menu, an empty answer is a wrong answer: hint and menu again
    assert texts[0].startswith("Please reply with one of the numbers below.\nSalam.")


def test_a_2000_character_body_is_stored_whole_and_answered(send, app):
    send("hi")
    body = ("My manager " * 200)[:2000]
    texts = replies(send(body))
    assert texts[0].startswith("Please reply")
    with app.app_context(), db.session() as session:
        stored = session.scalars(select(Message).where(Message.direction == "in").order_by(Message.id.desc())).first()
        assert app.extensions["vault"].decrypt(stored.body_enc) == body
        assert stored.segments == 14  # 2,000 GSM-7 characters in 153-character parts


def test_control_characters_and_mixed_scripts_are_cleaned_not_fatal(send, app):
    body = "\x00\x07مجھے\u200f madad\x1b چاہیے 😀 ۱\r"
    texts = replies(send(body))
    assert texts
    with app.app_context(), db.session() as session:
        stored = session.scalars(select(Message).where(Message.direction == "in")).one()
        kept = app.extensions["vault"].decrypt(stored.body_enc)
    assert "\x00" not in kept and "\x07" not in kept and "\x1b" not in kept
    assert "مجھے" in kept and "😀" in kept


def test_a_huge_body_is_refused_with_413(client, app):
    params = inbound_params("x" * 100_000)
    response = client.post("/twilio/messages", data=params,
                           headers={"X-Twilio-Signature": sign("/twilio/messages", params)})
    assert response.status_code == 413
    assert count(app, Message) == 0


# --- retries and concurrency ------------------------------------------------------------------

def test_repeated_message_sid_returns_the_same_reply_without_advancing(send, app):
    send("hi")
    first = replies(send("2", sid="SMretry0000000000000000000000000001"))
    again = replies(send("2", sid="SMretry0000000000000000000000000001"))
    assert again == first
    assert position(app) == "rights.topics"
    assert count(app, Message, Message.direction == "in") == 2


def test_two_messages_at_once_from_one_number_are_handled_one_after_the_other(app):
    """Eight '1's sent at once from the menu: each must see the state the previous one left."""
    client = app.test_client()
    client.post("/twilio/messages", data=(p := inbound_params("hi")),
                headers={"X-Twilio-Signature": sign("/twilio/messages", p)})
    results, errors = [], []
    barrier = threading.Barrier(8)

    def post():
        params = inbound_params("1")
        try:
            barrier.wait()
            response = app.test_client().post("/twilio/messages", data=params,
                                              headers={"X-Twilio-Signature": sign("/twilio/messages", params)})
            results.append((response.status_code, replies(response)[0]))
        except Exception as error:  # surfaced below
            errors.append(error)

    threads = [threading.Thread(target=post) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors
    assert count(app, Message, Message.direction == "in") == 9
    # From the menu, "1" eight times walks eight different steps (the boss pages, what next, the
    # Ombudsperson pages, the province menu, Punjab): serialised, all eight replies differ; a
    # message that read a stale state would repeat a reply.
    assert len({text for _, text in results}) == 8
    assert position(app) == "rights.office_punjab"


# --- status callbacks -------------------------------------------------------------------------

def post_status(client, params: dict, query: str = ""):
    path = "/twilio/status" + (f"?{query}" if query else "")
    return client.post(path, data=params, headers={"X-Twilio-Signature": sign(path, params)})


def reply_row(app) -> Message:
    with app.app_context(), db.session() as session:
        return session.scalars(select(Message).where(Message.direction == "out")).first()


def test_status_callback_records_the_sid_and_moves_status_forward_only(send, client, app):
    send("hi")
    row = reply_row(app)
    sid = "SM" + "a" * 32
    assert post_status(client, {"MessageSid": sid, "MessageStatus": "sent"}, f"m={row.id}").status_code == 204
    assert post_status(client, {"MessageSid": sid, "MessageStatus": "delivered"}, f"m={row.id}").status_code == 204
    assert post_status(client, {"MessageSid": sid, "MessageStatus": "sent"}, f"m={row.id}").status_code == 204
    row = reply_row(app)
    assert (row.twilio_sid, row.status) == (sid, "delivered")


def test_status_callback_keeps_the_error_code_of_a_failure(send, client, app):
    send("hi")
    row = reply_row(app)
    post_status(client, {"MessageSid": "SM" + "b" * 32, "MessageStatus": "undelivered", "ErrorCode": "30005"},
                f"m={row.id}")
    row = reply_row(app)
    assert (row.status, row.error_code) == ("undelivered", "30005")


def test_status_callback_must_be_signed(send, client, app):
    send("hi")
    response = client.post("/twilio/status", data={"MessageSid": "SMx", "MessageStatus": "delivered"})
    assert response.status_code == 403
    assert reply_row(app).status == "replied"


def test_status_callback_for_an_unknown_message_is_accepted_and_ignored(client):
    assert post_status(client, {"MessageSid": "SM" + "c" * 32, "MessageStatus": "delivered"}).status_code == 204


def test_status_callback_cannot_take_over_an_inbound_message(send, client, app):
    send("hi")
    with app.app_context(), db.session() as session:
        inbound = session.scalars(select(Message).where(Message.direction == "in")).one()
    post_status(client, {"MessageSid": "SM" + "d" * 32, "MessageStatus": "delivered"}, f"m={inbound.id}")
    with app.app_context(), db.session() as session:
        assert session.get(Message, inbound.id).status == "received"


def test_status_callback_without_fields_gets_400(client):
    assert post_status(client, {"MessageSid": "SMx"}).status_code == 400


# --- health -----------------------------------------------------------------------------------

def test_healthz_reports_the_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json()["database"] == "ok"
