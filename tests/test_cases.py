"""Cases: stored encrypted, checked by reference and PIN with a limit, listed and shown for staff."""
from __future__ import annotations

import json
from datetime import timedelta

import pytest
import sqlalchemy as sa
from cryptography.fernet import Fernet
from sqlalchemy import select

from bot import cases
from bot.conversation import utcnow
from bot.engine import events as ev
from bot.store import conversations as store
from bot.store import db
from bot.store.models import Case, CaseEvent, Message
from tests.conftest import make_app

NARRATIVE = "Mera manager Tariq raat ko messages bhejta hai"
ANSWERS = {"sector": "government", "province": "balochistan", "district": "Quetta", "accused": "boss",
           "accused_controls_job": "yes", "narrative": NARRATIVE, "language": "ur"}


def open_case(app, reference="K7MX4RTA", pin="4821", route="external_committee", target=None, number="+923001234567"):
    vault = app.extensions["vault"]
    with app.app_context(), db.session() as session, session.begin():
        contact = store.lock_contact(session, vault, number, "sms", utcnow())
        opened = ev.CaseOpened(reference, ANSWERS, pin, route, ("accused_writes_acr", "government_chain_of_command"),
                               target)
        cases.apply_case_events(session, vault, contact, [opened], utcnow(), lambda case: None)
    return reference


def status(app, reference, pin, now=None):
    with app.app_context(), db.session() as session, session.begin():
        services = cases.CaseServices(session, app.extensions["vault"], now or utcnow(), cases.route_case)
        return services.case_status(reference, pin)


def test_references_have_no_look_alike_characters(app):
    with app.app_context(), db.session() as session:
        services = cases.CaseServices(session, app.extensions["vault"], utcnow(), cases.route_case)
        references = {services.new_reference() for _ in range(200)}
    assert len(references) == 200
    assert all(len(r) == 8 and not set(r) & set("0O1IL2Z5S8B6GUVQD") for r in references)


def test_a_case_is_stored_encrypted_with_its_route_reasons_and_trail(app):
    open_case(app)
    with app.app_context(), db.engine().connect() as connection:
        dumped = "\n".join(str(v) for table in ("cases", "case_events")
                           for row in connection.execute(sa.text(f"SELECT * FROM {table}")) for v in row)
    assert "Tariq" not in dumped and "Quetta" not in dumped and "4821" not in dumped
    with app.app_context(), db.session() as session:
        case = session.scalars(select(Case)).one()
        assert app.extensions["vault"].decrypt_json(case.answers_enc)["narrative"] == NARRATIVE
        assert json.loads(case.route_reasons) == ["accused_writes_acr", "government_chain_of_command"]
        kinds = session.scalars(select(CaseEvent.kind).order_by(CaseEvent.id)).all()
    assert kinds == ["opened", "routed"]


def test_her_case_status_needs_the_right_pin(app):
    open_case(app)
    assert status(app, "K7MX4RTA", "4821") == "new"
    assert status(app, "K7MX4RTA", "0000") == "wrong"
    assert status(app, "NOSUCHRF", "4821") == "wrong"  # an unknown reference says no more than a wrong PIN


def test_five_wrong_pins_lock_the_case_for_a_day(app):
    open_case(app)
    for _ in range(cases.PIN_TRIES):
        assert status(app, "K7MX4RTA", "0000") == "wrong"
    assert status(app, "K7MX4RTA", "4821") == "locked"  # even the right PIN, while locked
    assert status(app, "K7MX4RTA", "4821", now=utcnow() + cases.PIN_LOCK + timedelta(minutes=1)) == "new"


def test_a_referral_queues_a_neutral_sms_to_the_partner(app, runner):
    runner.invoke(args=["directory", "load", "flows/directory/sample.yaml"])
    open_case(app, target="sample_balochistan_committee")
    vault = app.extensions["vault"]
    with app.test_request_context(), db.session() as session, session.begin():
        case = session.scalars(select(Case)).one()
        assert case.directory_id is not None
        message = cases.notify_partner(session, vault, case, utcnow())
        body = vault.decrypt(message.body_enc)
    assert "K7MX4RTA" in body and "/console/cases/K7MX4RTA" in body
    assert "Tariq" not in body and "Quetta" not in body
    with app.app_context(), db.session() as session:
        sent = session.scalars(select(Message).where(Message.kind == "referral")).one()
        assert (sent.status, sent.contact_id) == ("pending", None)  # a partner's SMS is never tied to her


def test_cases_list_json_has_route_and_reasons_but_no_answers_or_number(app, runner):
    open_case(app)
    result = runner.invoke(args=["cases", "list", "--json"])
    assert result.exit_code == 0, result.output
    [row] = json.loads(result.output)
    assert set(row) == {"reference", "status", "route", "route_reasons", "language", "created_at"}
    assert (row["route"], row["route_reasons"]) == ("external_committee",
                                                   ["accused_writes_acr", "government_chain_of_command"])
    assert "Tariq" not in result.output and "3001234567" not in result.output


def test_cases_show_decrypts_for_staff_and_records_the_view(app, runner):
    open_case(app)
    result = runner.invoke(args=["cases", "show", "k7mx4rta", "--actor", "amina"])
    assert result.exit_code == 0, result.output
    assert f"narrative: {NARRATIVE}" in result.output
    with app.app_context(), db.session() as session:
        assert session.scalars(select(CaseEvent.actor).where(CaseEvent.kind == "viewed")).all() == ["amina"]


def test_staff_can_reroute_with_a_reason_kept_in_the_trail(app, runner):
    open_case(app)
    result = runner.invoke(args=["cases", "reroute", "K7MX4RTA", "--route", "internal",
                                 "--reason", "she asked to stay inside", "--actor", "amina"])
    assert result.exit_code == 0, result.output
    with app.app_context(), db.session() as session:
        case = session.scalars(select(Case)).one()
        assert case.route == "internal" and json.loads(case.route_reasons)[-1] == "staff_override"
        event = session.scalars(select(CaseEvent).where(CaseEvent.kind == "rerouted")).one()
        assert app.extensions["vault"].decrypt_json(event.detail_enc)["reason"] == "she asked to stay inside"


def test_the_trail_is_append_only_in_the_database(app):
    open_case(app)
    with app.app_context(), pytest.raises(sa.exc.DatabaseError), db.session() as session, session.begin():
        session.execute(sa.update(CaseEvent).values(kind="tampered"))


def test_reencrypt_lets_the_old_key_go(app, database_url, runner):
    open_case(app)
    old, new = app.config["DATA_KEYS"], Fernet.generate_key().decode()
    rotated = make_app(database_url, DATA_KEYS=f"{new},{old}", SECRET_KEY=app.config["SECRET_KEY"])
    assert rotated.test_cli_runner().invoke(args=["data", "reencrypt"]).exit_code == 0
    only_new = make_app(database_url, DATA_KEYS=new, SECRET_KEY=app.config["SECRET_KEY"])
    result = only_new.test_cli_runner().invoke(args=["cases", "show", "K7MX4RTA"])
    assert f"narrative: {NARRATIVE}" in result.output
    for each in (rotated, only_new):
        each.extensions["db_engine"].dispose()
