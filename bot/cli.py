"""`flask --app app ...` commands: db, flows, chat, purge."""
from __future__ import annotations

import sys
import uuid

import click
from flask import Flask, current_app
from flask.cli import AppGroup, with_appcontext

from bot import flows as flow_loading
from bot import jobs, phone
from bot.conversation import Inbound, handle_inbound, utcnow

db_cli = AppGroup("db", help="Create or migrate the database schema.")
flows_cli = AppGroup("flows", help="Check the flow and locale files.")


@db_cli.command("upgrade")
@click.argument("revision", default="head")
def db_upgrade(revision):
    """Create or migrate the schema to REVISION (default: the newest)."""
    from bot.store import migrate

    migrate.upgrade(revision)
    click.echo(f"database at revision {revision}")


@db_cli.command("downgrade")
@click.argument("revision")
def db_downgrade(revision):
    """Undo migrations down to REVISION ('base' for an empty database)."""
    from bot.store import migrate

    migrate.downgrade(revision)
    click.echo(f"database at revision {revision}")


@flows_cli.command("check")
@click.option("--strict", is_flag=True, help="Treat warnings (such as unreviewed texts) as errors.")
@click.option("--flows-dir", default=None, help="Folder of flow files (default: FLOWS_DIR).")
@click.option("--locales-dir", default=None, help="Folder of locale files (default: LOCALES_DIR).")
def flows_check(strict, flows_dir, locales_dir):
    """Print every problem as path:line: message; exit 1 on any error."""
    flowset, problems = flow_loading.load(flows_dir or current_app.config["FLOWS_DIR"],
                                          locales_dir or current_app.config["LOCALES_DIR"])
    for problem in problems:
        click.echo(str(problem))
    errors = [p for p in problems if p.severity == "error" or strict]
    warnings = len(problems) - len([p for p in problems if p.severity == "error"])
    summary = (f"{len(flowset.flows)} flows, {len(flowset.texts.languages)} languages: "
               f"{len([p for p in problems if p.severity == 'error'])} errors, {warnings} warnings")
    click.echo(summary, err=True)
    sys.exit(1 if errors else 0)


@click.command("chat")
@with_appcontext
@click.option("--phone", "number", default="+923000000000", show_default=True, help="Her number (any format).")
@click.option("--channel", type=click.Choice(["sms", "whatsapp"]), default="sms", show_default=True)
def chat(number, channel):
    """Talk to the bot in the terminal, through the same engine and storage as a real message."""
    if current_app.extensions.get("flows") is None:
        raise click.ClickException("the flows have errors: run `flask --app app flows check`")
    try:
        e164 = phone.normalise(number, current_app.config["DEFAULT_REGION"])
    except phone.BadNumber as error:
        raise click.BadParameter(str(error), param_hint="--phone") from None
    click.echo(f"Chatting as {e164} over {channel}. Type a message; Ctrl-D to stop.")
    for line in sys.stdin if not sys.stdin.isatty() else iter(lambda: click.prompt("you", prompt_suffix="> ",
                                                                                   default="", show_default=False), None):
        for reply in handle_inbound(Inbound(e164, channel, line.rstrip("\n"), f"CLI{uuid.uuid4().hex}", utcnow())):
            cost = f"[{reply.segments} SMS]" if channel == "sms" else "[WhatsApp]"
            click.echo(f"bot {cost}>\n{reply.text}\n")


@click.command("purge")
@with_appcontext
def purge():
    """Delete conversations older than RETENTION_DAYS now (the worker also does it on a schedule)."""
    click.echo(jobs.run_now("bot.tasks.purge_old_conversations"))


def init_app(app: Flask) -> None:
    for command in (db_cli, flows_cli, chat, purge):
        app.cli.add_command(command)
