"""The console over HTTP: logins and their limit, CSRF, the queue, claiming, replying, cases for partners.

The browser tests (tests/test_console_browser.py) walk the same paths in Chromium; these check the
rules one by one, with the real app, database and fake Twilio API.
"""
from __future__ import annotations

import re
from datetime import timedelta
from xml.etree import ElementTree

import pytest
from sqlalchemy import select

from bot import accounts, chats
from bot.conversation import utcnow
from bot.store import db
from bot.store.models import Case, Chat, ConversationSession, DirectoryEntry, Message, User
from tests.conftest import inbound_params, make_app, sign
from tests.test_cases import open_case

HER = "+923001234567"
HER_DIGITS = "3001234567"
PASSWORD = "correct horse battery"


@pytest.fixture
def console_app(database_url, fake_twilio):
    app = make_app(database_url, COUNSELLOR_HOURS=(0, 24 * 60), **fake_twilio.settings)
    runner = app.test_cli_runner()
    assert runner.invoke(args=["directory", "load", "flows/directory/sample.yaml"]).exit_code == 0
    for name, role, partner in (("amina", "counsellor", None), ("sara", "counsellor", None),
                                ("quetta", "partner", "sample_balochistan_committee")):
        args = ["users", "create", "--username", name, "--role", role, "--password", PASSWORD]
        result = runner.invoke(args=args + (["--partner", partner] if partner else []))
        assert result.exit_code == 0, result.output
    yield app
    app.extensions["db_engine"].dispose()


def webhook(app, body: str, sender: str = HER):
    params = inbound_params(body, sender)
    response = app.test_client().post("/twilio/messages", data=params,
                                      headers={"X-Twilio-Signature": sign("/twilio/messages", params)})
    assert response.status_code == 200
    return [message.text for message in ElementTree.fromstring(response.data).findall("Message")]


class Staff:
    """A logged-in browser session of the test client: GETs, and POSTs with the page's CSRF token.

    `base_url` https:// for production apps, whose session cookie is sent over HTTPS only.
    """

    def __init__(self, app, username: str, password: str = PASSWORD, base_url: str = "http://localhost"):
        self.client, self.base_url = app.test_client(), base_url
        self.response = self.client.post("/console/login", base_url=base_url,
                                         data={"csrf_token": self.token("/console/login"), "username": username,
                                               "password": password})

    def token(self, path: str) -> str:
        page = self.client.get(path, base_url=self.base_url).get_data(as_text=True)
        return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)

    def get(self, path: str):
        return self.client.get(path, base_url=self.base_url, follow_redirects=True)

    def post(self, path: str, **form):
        return self.client.post(path, base_url=self.base_url, follow_redirects=True,
                                data={"csrf_token": self.token("/console/cases"), **form})


def escalate(app) -> int:
    webhook(app, "hi")
    webhook(app, "TALK")
    with app.app_context(), db.session() as s:
        return s.scalars(select(Chat.id)).one()


def test_a_login_with_the_right_password_opens_the_queue(console_app):
    staff = Staff(console_app, "amina")
    assert staff.response.status_code == 302
    assert "Chats waiting for a counsellor" in staff.get("/console/").get_data(as_text=True)


def test_pages_need_a_login(console_app):
    client = console_app.test_client()
    assert client.get("/console/queue").headers["Location"].startswith("/console/login")
    assert client.get("/console/queue.json").status_code == 401


def test_a_wrong_password_and_an_unknown_name_get_the_same_answer(console_app):
    wrong = Staff(console_app, "amina", "not the password")
    unknown = Staff(console_app, "nobody", PASSWORD)
    assert wrong.response.status_code == unknown.response.status_code == 401
    assert "Wrong username or password." in wrong.response.get_data(as_text=True)


def test_failed_logins_are_limited_even_for_the_right_password_then(console_app):
    for _ in range(console_app.config["LOGIN_MAX_FAILURES"]):
        assert Staff(console_app, "amina", "guess").response.status_code == 401
    refused = Staff(console_app, "amina", PASSWORD).response
    assert refused.status_code == 429 and "Too many failed logins" in refused.get_data(as_text=True)


def test_one_address_guessing_many_names_is_paused_too(console_app):
    for number in range(console_app.config["LOGIN_MAX_FAILURES"] * accounts.ADDRESS_FACTOR):
        assert Staff(console_app, f"guess{number}", "guess").response.status_code == 401
    assert Staff(console_app, "amina", PASSWORD).response.status_code == 429


def test_a_form_without_its_csrf_token_is_rejected_and_changes_nothing(console_app):
    chat_id = escalate(console_app)
    staff = Staff(console_app, "amina")
    assert staff.client.post(f"/console/chats/{chat_id}/claim").status_code == 400
    assert staff.client.post(f"/console/chats/{chat_id}/claim", data={"csrf_token": "forged"}).status_code == 400
    with console_app.app_context(), db.session() as s:
        assert s.get(Chat, chat_id).status == "waiting"


def test_asking_for_a_counsellor_puts_her_in_the_queue_and_tells_her_the_wait(console_app):
    webhook(console_app, "hi")
    replies = webhook(console_app, "TALK")
    assert replies[-1] == "Counsellors usually answer within 15 minutes."
    [row] = Staff(console_app, "amina").get("/console/queue.json").get_json()["chats"]
    assert (row["status"], row["reason"], row["holder"]) == ("waiting", "asked", None)
    assert row["pseudonym"].startswith("Guest ")


def test_outside_the_hours_she_is_told_and_given_the_helplines(database_url, fake_twilio):
    app = make_app(database_url, COUNSELLOR_HOURS=(0, 0), **fake_twilio.settings)
    webhook(app, "hi")
    replies = webhook(app, "TALK")
    assert replies[-1].startswith("Our counsellors are away now.") and "1043" in replies[-1]
    app.extensions["db_engine"].dispose()


def test_claim_reply_note_and_hand_back(console_app, fake_twilio):
    chat_id = escalate(console_app)
    amina = Staff(console_app, "amina")
    page = amina.post(f"/console/chats/{chat_id}/claim").get_data(as_text=True)
    assert "You have this chat" in page

    assert webhook(console_app, "my manager follows me") == []  # held for amina, not answered by the bot
    updates = amina.get(f"/console/chats/{chat_id}/updates.json").get_json()
    assert updates["messages"][-1]["text"] == "my manager follows me" and updates["holder"] == "amina"

    assert "Sent." in amina.post(f"/console/chats/{chat_id}/reply", text="I am here. Are you safe now?").get_data(
        as_text=True)
    assert [(m["to"], m["body"]) for m in fake_twilio.messages] == [(HER, "I am here. Are you safe now?")]
    amina.post(f"/console/chats/{chat_id}/note", text="Works in Quetta; wants to think first.")
    assert "Works in Quetta; wants to think first." in amina.get(f"/console/chats/{chat_id}").get_data(as_text=True)

    amina.post(f"/console/chats/{chat_id}/hand-back")
    assert fake_twilio.messages[-1]["body"] == "Thank you for writing. Reply 0 for the menu at any time."
    with console_app.app_context(), db.session() as s:
        assert s.get(Chat, chat_id).status == "closed"
        assert s.scalars(select(ConversationSession.status)).one() == "active"
    assert webhook(console_app, "1")[0].startswith("(1/")  # the bot answers again, from its menu


def test_a_second_counsellor_cannot_claim_a_held_chat(console_app):
    chat_id = escalate(console_app)
    Staff(console_app, "amina").post(f"/console/chats/{chat_id}/claim")
    sara = Staff(console_app, "sara")
    page = sara.post(f"/console/chats/{chat_id}/claim").get_data(as_text=True)
    assert "amina already has this chat." in page
    assert f'action="/console/chats/{chat_id}/reply"' not in page
    with console_app.app_context(), db.session() as s:
        assert s.get(Chat, chat_id).counsellor_id is not None
    refused = sara.post(f"/console/chats/{chat_id}/reply", text="hello").get_data(as_text=True)
    assert "only the counsellor who holds it" in refused


def test_nobody_claims_in_time_she_is_told_once_and_an_idle_chat_returns_to_the_queue(console_app, fake_twilio):
    chat_id = escalate(console_app)
    later = utcnow() + timedelta(minutes=16)
    with console_app.test_request_context(), db.session() as s, s.begin():
        chats.sweep(s, console_app.extensions["vault"], later)
        chats.sweep(s, console_app.extensions["vault"], later + timedelta(minutes=5))
    with console_app.app_context(), db.session() as s:
        told = s.scalars(select(Message).where(Message.kind == "counsellor")).all()
        assert len(told) == 1 and s.get(Chat, chat_id).told_waiting_at is not None
        assert console_app.extensions["vault"].decrypt(told[0].body_enc).startswith("Sorry, no counsellor is free")
    Staff(console_app, "amina").post(f"/console/chats/{chat_id}/claim")
    with console_app.test_request_context(), db.session() as s, s.begin():
        chats.sweep(s, console_app.extensions["vault"], utcnow() + timedelta(minutes=31))
    with console_app.app_context(), db.session() as s:
        chat = s.get(Chat, chat_id)
        assert (chat.status, chat.counsellor_id) == ("waiting", None)


def test_whatsapp_replies_after_the_24_hour_window_are_blocked(console_app):
    webhook(console_app, "hi", sender="whatsapp:" + HER)
    webhook(console_app, "TALK", sender="whatsapp:" + HER)
    with console_app.test_request_context(), db.session() as s, s.begin():
        chat = s.scalars(select(Chat)).one()
        amina = s.scalars(select(User).where(User.username == "amina")).one()
        chats.claim(s, console_app.extensions["vault"], chat.id, amina, utcnow())
        with pytest.raises(chats.ChatError, match="24 hours"):
            chats.reply(s, console_app.extensions["vault"], chat, amina, "hello", utcnow() + timedelta(hours=25))


def referred_cases(app):
    """One case referred to the partner's committee (she shared her answers), one referred elsewhere."""
    open_case(app, reference="K7MXART4", target="sample_balochistan_committee")
    open_case(app, reference="HJ7TNWCE", target="sample_punjab_committee", number="+923007654321")
    with app.app_context(), db.session() as s, s.begin():
        vault = app.extensions["vault"]
        for case in s.scalars(select(Case)):
            case.shared_enc = vault.encrypt_json({"share": "answers"})


def test_a_partner_sees_only_the_cases_referred_to_her_and_only_what_was_shared(console_app):
    referred_cases(console_app)
    partner = Staff(console_app, "quetta")
    listing = partner.get("/console/cases").get_data(as_text=True)
    assert "K7MXART4" in listing and "HJ7TNWCE" not in listing
    assert partner.get("/console/cases/HJ7TNWCE").status_code == 404  # not hers: as if it did not exist
    page = partner.get("/console/cases/K7MXART4").get_data(as_text=True)
    assert "balochistan" in page and "Tariq" not in page  # her answers, not her own words
    assert partner.get("/console/queue").status_code == 403


def test_no_page_or_json_shows_her_number(console_app):
    chat_id = escalate(console_app)
    referred_cases(console_app)
    amina = Staff(console_app, "amina")
    amina.post(f"/console/chats/{chat_id}/claim")
    for path in ("/console/queue", "/console/queue.json", f"/console/chats/{chat_id}",
                 f"/console/chats/{chat_id}/updates.json", "/console/cases", "/console/cases/K7MXART4"):
        response = amina.get(path)
        assert response.status_code == 200 and HER_DIGITS not in response.get_data(as_text=True), path
    partner = Staff(console_app, "quetta")
    for path in ("/console/cases", "/console/cases/K7MXART4"):
        assert HER_DIGITS not in partner.get(path).get_data(as_text=True)


def test_viewing_a_case_is_written_to_its_trail(console_app):
    referred_cases(console_app)
    Staff(console_app, "quetta").get("/console/cases/K7MXART4")
    page = Staff(console_app, "amina").get("/console/cases/K7MXART4").get_data(as_text=True)
    assert page.count("viewed") >= 2 and "quetta" in page


def test_users_create_refuses_bad_accounts(console_app):
    runner = console_app.test_cli_runner()
    for args, error in ((["--username", "amina", "--role", "counsellor"], "already exists"),
                        (["--username", "zara", "--role", "partner"], "needs --partner"),
                        (["--username", "zara", "--role", "partner", "--partner", "nope"], "no directory entry"),
                        (["--username", "zara", "--role", "counsellor", "--password", "short"], "at least 12")):
        result = runner.invoke(args=["users", "create", *args] + ([] if "--password" in args else
                                                                   ["--password", PASSWORD]))
        assert result.exit_code != 0 and error in result.output, result.output


def test_in_production_the_simulator_needs_a_staff_login(database_url):
    app = make_app(database_url, APP_ENV="production", SIMULATOR_ENABLED=True)
    response = app.test_client().get("/simulator/")
    assert response.status_code == 302 and response.headers["Location"].startswith("/console/login")
    app.extensions["db_engine"].dispose()


def test_a_coordinator_edits_the_directory_with_the_same_checks_as_a_file(console_app):
    console_app.test_cli_runner().invoke(args=["users", "create", "--username", "nadia", "--role", "coordinator",
                                               "--password", PASSWORD])
    nadia = Staff(console_app, "nadia")
    form = {"name": "Sample Ziarat Councillor (fictional)", "kind": "councillor", "province": "balochistan",
            "district": "Ziarat, زیارت", "languages": "bal, ur", "phone": "+1 202 555 0150", "active": "on"}
    refused = nadia.post("/console/directory/new", id="sample_ziarat_councillor", **{**form, "phone": "call me"})
    assert refused.status_code == 400 and "is not a phone number" in refused.get_data(as_text=True)
    saved = nadia.post("/console/directory/new", id="sample_ziarat_councillor", **form)
    assert "Saved sample_ziarat_councillor." in saved.get_data(as_text=True)
    nadia.post("/console/directory/sample_ziarat_councillor", **{k: v for k, v in form.items() if k != "active"})
    listing = console_app.test_cli_runner().invoke(args=["directory", "list"]).output
    assert "sample_ziarat_councillor" in listing and "+12025550150" in listing
    with console_app.app_context(), db.session() as s:
        entry = s.scalars(select(DirectoryEntry).where(DirectoryEntry.key == "sample_ziarat_councillor")).one()
        assert (entry.active, entry.languages) == (False, "bal,ur")
    assert Staff(console_app, "amina").get("/console/directory").status_code == 403


def test_on_duty_counsellors_get_an_sms_alert_that_says_nothing_about_her(database_url, fake_twilio):
    app = make_app(database_url, COUNSELLOR_ALERT_NUMBERS=["+12025550190"], **fake_twilio.settings)
    webhook(app, "hi")
    webhook(app, "TALK")
    [alert] = fake_twilio.messages
    assert alert["to"] == "+12025550190" and "/console/" in alert["body"] and HER_DIGITS not in alert["body"]
    app.extensions["db_engine"].dispose()


def test_her_chat_closes_when_she_goes_back_to_the_menu_and_goes_when_she_deletes(console_app):
    chat_id = escalate(console_app)
    webhook(console_app, "0")
    with console_app.app_context(), db.session() as s:
        assert s.get(Chat, chat_id).status == "closed"
    webhook(console_app, "TALK")
    webhook(console_app, "DELETE")
    webhook(console_app, "1")
    with console_app.app_context(), db.session() as s:
        assert s.scalars(select(Chat)).all() == []


def test_a_conversation_escalated_before_the_queue_existed_joins_it(console_app):
    webhook(console_app, "hi")
    with console_app.app_context(), db.session() as s, s.begin():  # as an older version left it: no chat
        s.scalars(select(ConversationSession)).one().status = "escalated"
    assert webhook(console_app, "is anyone there?") == []
    [row] = Staff(console_app, "amina").get("/console/queue.json").get_json()["chats"]
    assert (row["status"], row["reason"]) == ("waiting", "asked")


@pytest.mark.parametrize("share, shown", [("everything", {"narrative", "district"}), ("answers", {"district"}),
                                          ("reference", set())])
def test_a_partner_sees_exactly_what_she_chose_to_share(console_app, share, shown):
    referred_cases(console_app)
    with console_app.app_context(), db.session() as s, s.begin():
        case = s.scalars(select(Case).where(Case.reference == "K7MXART4")).one()
        case.shared_enc = console_app.extensions["vault"].encrypt_json({"share": share})
    page = Staff(console_app, "quetta").get("/console/cases/K7MXART4").get_data(as_text=True)
    assert ("Tariq" in page) == ("narrative" in shown) and ("Quetta" in page) == ("district" in shown)
