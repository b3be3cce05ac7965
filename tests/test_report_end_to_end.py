"""From her first SMS to the committee's referral SMS: webhook, engine, case, outbox, rq worker, Twilio."""
from __future__ import annotations

import json
from xml.etree import ElementTree

import pytest
from sqlalchemy import select

from bot import jobs
from bot.store import db
from bot.store.models import Case, Message
from tests.conftest import inbound_params, make_app, sign

HER = "+923001234567"
BALOCHISTAN_COMMITTEE = "+12025550104"

# A government employee in Quetta whose boss writes her annual report, with no committee at work.
REPORT = ["hi", "4", "1",            # main menu -> tell us what happened -> she consents
          "2",                       # not in danger now
          "1", "4", "Quetta",        # government, Balochistan, her district
          "1", "1", "2",             # her boss; he writes her ACR; no committee
          "1",                       # this week
          "He sends me messages at night and says my report depends on it.", "It started in March.", "done",
          "3", "1", "1",             # help with a formal complaint; a committee; safe at any time
          "4821"]                    # her PIN


def texts(response) -> list[str]:
    assert response.status_code == 200, response.get_data(as_text=True)
    return [m.text for m in ElementTree.fromstring(response.data).findall("Message")]


@pytest.fixture
def helpline(database_url, redis_url, fake_twilio):
    app = make_app(database_url, REDIS_URL=redis_url, **fake_twilio.settings)
    assert app.test_cli_runner().invoke(args=["directory", "load", "flows/directory/sample.yaml"]).exit_code == 0
    yield app
    app.extensions["db_engine"].dispose()


def send(app, body: str):
    params = inbound_params(body, HER)
    return app.test_client().post("/twilio/messages", data=params,
                                  headers={"X-Twilio-Signature": sign("/twilio/messages", params)})


@pytest.mark.redis
def test_her_report_reaches_the_external_committee_by_sms_through_a_real_worker(helpline, fake_twilio):
    for body in REPORT[:-1]:
        texts(send(helpline, body))
    done = texts(send(helpline, REPORT[-1]))
    assert done[0].startswith("Thank you.\nYour case number is ")
    reference = done[0].split("Your case number is ")[1][:8]
    assert "Sample Balochistan External Committee (fictional)" in done[1]  # asked before anything is sent

    with helpline.app_context(), db.session() as session:
        case = session.scalars(select(Case)).one()
        assert (case.reference, case.status, case.route) == (reference, "new", "external_committee")
        assert {"accused_is_boss", "accused_writes_acr", "no_committee"} <= set(json.loads(case.route_reasons))
    assert fake_twilio.messages == []  # nothing shared before she chooses

    assert texts(send(helpline, "2"))[0].startswith("Done, it has been sent.")  # her answers, not her number
    with helpline.app_context():
        worker = jobs.HelplineWorker(list(jobs.QUEUES), connection=jobs.redis())
        worker.work(burst=True)

    [sms] = fake_twilio.messages
    assert sms["to"] == BALOCHISTAN_COMMITTEE
    assert reference in sms["body"] and "/console/cases/" in sms["body"]
    assert "night" not in sms["body"] and "Quetta" not in sms["body"]
    with helpline.app_context(), db.session() as session:
        case = session.scalars(select(Case)).one()
        referral = session.scalars(select(Message).where(Message.kind == "referral")).one()
        assert case.status == "referred"
        assert (referral.status, referral.twilio_sid) == ("queued", sms["sid"])


@pytest.mark.redis
def test_she_checks_her_case_by_reference_and_pin_and_learns_only_its_status(helpline):
    for body in REPORT[:-1]:
        send(helpline, body)
    reference = texts(send(helpline, REPORT[-1]))[0].split("Your case number is ")[1][:8]
    send(helpline, "4")                        # share nothing for now
    send(helpline, "0")
    assert texts(send(helpline, "5"))[0] == "Please send your case number."
    send(helpline, reference.lower())
    assert texts(send(helpline, "4821")) == ["Your case is recorded. Nobody has taken it up yet."]
