"""`flask --app app users ...`: staff accounts for the console."""
from __future__ import annotations

import secrets

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import select

from bot import accounts
from bot.config import INSTANCE
from bot.conversation import utcnow
from bot.store import db
from bot.store.models import DirectoryEntry, User

users_cli = AppGroup("users", help="Staff accounts for the console.")
DEV_LOGIN_FILE = INSTANCE / "dev-login.txt"


@users_cli.command("create")
@click.option("--username", required=True)
@click.option("--role", required=True, type=click.Choice(["counsellor", "coordinator", "admin", "partner"]))
@click.option("--partner", "partner_key", default=None,
              help="For a partner: the id of her committee or councillor in the directory.")
@click.option("--password", default=None, help="Asked for (hidden) when not given.")
def users_create(username, role, partner_key, password):
    """Create a staff account."""
    if password is None:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        with db.session() as session, session.begin():
            user = accounts.create_user(session, username, role, password, utcnow(), partner_key)
            click.echo(f"created {user.role} '{user.username}'")
    except accounts.AccountError as error:
        raise click.ClickException(str(error)) from None


@users_cli.command("list")
def users_list():
    """Every account with its role (and a partner's directory entry)."""
    with db.session() as session:
        rows = session.execute(select(User, DirectoryEntry.key).outerjoin(DirectoryEntry, User.directory_id ==
                                                                          DirectoryEntry.id).order_by(User.username))
        for user, key in rows:
            state = "" if user.active else " (disabled)"
            click.echo(f"{user.username:20} {user.role:12} {key or '':30}{state}")


@users_cli.command("dev-login")
def users_dev_login():
    """Development only: make sure a coordinator 'coordinator' exists and print how to log in."""
    if current_app.config["APP_ENV"] != "development":
        raise click.ClickException("dev-login is only for APP_ENV=development (make run)")
    with db.session() as session, session.begin():
        exists = session.scalar(select(User.id).where(User.username == "coordinator")) is not None
        if not exists or not DEV_LOGIN_FILE.exists():
            password = secrets.token_urlsafe(12)
            if exists:
                session.execute(User.__table__.delete().where(User.username == "coordinator"))
            accounts.create_user(session, "coordinator", "coordinator", password, utcnow())
            DEV_LOGIN_FILE.write_text(password)
            DEV_LOGIN_FILE.chmod(0o600)
    click.echo(f"  Console: log in as 'coordinator' with the password in {DEV_LOGIN_FILE}: "
               f"{DEV_LOGIN_FILE.read_text().strip()}")
