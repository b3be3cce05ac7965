"""`flask --app app cases ...` for staff: list, show, re-route with a reason; and `data reencrypt`."""
from __future__ import annotations

import json

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import select

from bot import cases
from bot.cases import add_event
from bot.conversation import utcnow
from bot.store import db
from bot.store.models import (Case, CaseEvent, CaseStatus, ChatEvent, Contact, ConversationSession, DirectoryEntry,
                              Message)

cases_cli = AppGroup("cases", help="Cases for staff: list, show, re-route.")
data_cli = AppGroup("data", help="Encrypted data: re-encrypt with the newest key of DATA_KEYS.")
ROUTES = cases.ROUTES


def summary(case: Case) -> dict:
    """What `cases list --json` shows: never the narrative, an answer or a phone number."""
    return {"reference": case.reference, "status": case.status, "route": case.route,
            "route_reasons": json.loads(case.route_reasons or "[]"), "language": case.language,
            "created_at": case.created_at.isoformat()}


@cases_cli.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON (one list).")
@click.option("--status", type=click.Choice([s.value for s in CaseStatus]), help="Only cases with this status.")
def cases_list(as_json, status):
    """Every case, newest first: reference, status, route and reasons, language, created."""
    with db.session() as session:
        query = select(Case).order_by(Case.created_at.desc(), Case.id.desc())
        if status:
            query = query.where(Case.status == status)
        rows = [summary(case) for case in session.scalars(query)]
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    for row in rows:
        click.echo(f"{row['reference']}  {row['status']:<11}  {row['route'] or '-':<18}  {row['language'] or '-':<7}  "
                   f"{row['created_at'][:16]}  {', '.join(row['route_reasons'])}")


@cases_cli.command("show")
@click.argument("reference")
@click.option("--actor", default="cli", show_default=True, help="Who is looking (written to the case's trail).")
def cases_show(reference, actor):
    """One case: status, route and reasons, her answers (decrypted), and its trail. The view is recorded."""
    vault = current_app.extensions["vault"]
    with db.session() as session, session.begin():
        case = session.scalars(select(Case).where(Case.reference == reference.strip().upper())).one_or_none()
        if case is None:
            raise click.ClickException(f"no case {reference}")
        now = utcnow()
        add_event(session, vault, case, "viewed", actor, now)
        session.flush()
        target = session.get(DirectoryEntry, case.directory_id) if case.directory_id else None
        click.echo(f"case {case.reference}  status {case.status}  language {case.language or '-'}")
        click.echo(f"route {case.route}  to {target.name if target else '-'}  because "
                   f"{', '.join(json.loads(case.route_reasons or '[]'))}")
        click.echo(f"shared with the partner: {(vault.decrypt_json(case.shared_enc) or {}).get('share', 'nothing yet')}")
        click.echo("answers:")
        for name, value in (vault.decrypt_json(case.answers_enc) or {}).items():
            click.echo(f"  {name}: {value}")
        click.echo("trail:")
        for event in session.scalars(select(CaseEvent).where(CaseEvent.case_id == case.id).order_by(CaseEvent.id)):
            detail = vault.decrypt_json(event.detail_enc) if event.detail_enc else ""
            click.echo(f"  {event.created_at.isoformat()[:19]}  {event.kind:<20} {event.actor:<10} {detail or ''}")


@cases_cli.command("reroute")
@click.argument("reference")
@click.option("--route", type=click.Choice(ROUTES), required=True)
@click.option("--to", "target_key", default=None, help="Directory entry key (see `directory list`).")
@click.option("--reason", required=True, help="Why staff override the rules (kept in the trail).")
@click.option("--actor", required=True, help="Your username.")
def cases_reroute(reference, route, target_key, reason, actor):
    """Override the routing decision, with a reason."""
    vault = current_app.extensions["vault"]
    with db.session() as session, session.begin():
        case = session.scalars(select(Case).where(Case.reference == reference.strip().upper())).one_or_none()
        if case is None:
            raise click.ClickException(f"no case {reference}")
        try:
            cases.reroute(session, vault, case, route, target_key, reason, actor, utcnow())
        except cases.CaseError as error:
            raise click.ClickException(str(error)) from None
    click.echo(f"case {case.reference} now routed to {route}{' (' + target_key + ')' if target_key else ''}")


ENCRYPTED_COLUMNS = [(Contact, ("phone_enc",)), (ConversationSession, ("values_enc",)),
                     (Message, ("body_enc", "to_enc")), (Case, ("answers_enc", "shared_enc")),
                     (CaseEvent, ("detail_enc",)), (ChatEvent, ("detail_enc",))]


@data_cli.command("reencrypt")
def data_reencrypt():
    """Re-encrypt everything with the first key of DATA_KEYS, so older keys can then be removed."""
    vault = current_app.extensions["vault"]
    counts = {}
    with db.session() as session, session.begin():
        for model, columns in ENCRYPTED_COLUMNS:
            count = 0
            for row in session.scalars(select(model)):
                for column in columns:
                    value = getattr(row, column)
                    if value:  # the trail's trigger allows this one change: the same detail, newly encrypted
                        setattr(row, column, vault.rotate(value))
                        count += 1
            counts[model.__tablename__] = count
    click.echo(", ".join(f"{table}: {count}" for table, count in counts.items()) + " values re-encrypted")
