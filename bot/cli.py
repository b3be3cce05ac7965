"""`flask --app app ...` commands: db, flows, directory, chat, purge, outbox (cases, data, users: own modules)."""
from __future__ import annotations

import sys
import uuid
from collections import Counter
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import AppGroup, with_appcontext
from sqlalchemy import select

from bot import flows as flow_loading
from bot import directory, jobs, phone, texts_csv
from bot.cases_cli import cases_cli, data_cli
from bot.users_cli import users_cli
from bot.conversation import Inbound, handle_inbound, utcnow
from bot.engine.preview import all_messages
from bot.engine.problems import Problem
from bot.engine.segments import count_segments
from bot.engine.text_checks import UNREVIEWED
from bot.i18n import load_catalogue
from bot.store import db
from bot.store.models import DirectoryEntry

db_cli = AppGroup("db", help="Create or migrate the database schema.")
flows_cli = AppGroup("flows", help="Check the flows and texts, list the texts, export and import them as CSV.")
directory_cli = AppGroup("directory", help="Committees and councillors cases are referred to.")
outbox_cli = AppGroup("outbox", help="Messages the helpline sends on its own (not webhook replies).")


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
                                          locales_dir or current_app.config["LOCALES_DIR"],
                                          current_app.config["FACTS_FILE"])
    unreviewed = [p for p in problems if p.severity == UNREVIEWED]
    shown = [p for p in problems if p.severity != UNREVIEWED]
    if strict:
        shown += [Problem(p.path, p.line, p.message) for p in unreviewed]  # each one an error
    for problem in sorted(shown):
        click.echo(str(problem))
    if not strict:
        by_language = Counter(Path(p.path).name.split(".")[-2] for p in unreviewed)  # <namespace>.<lang>.yml
        for language, count in sorted(by_language.items(), key=lambda item: flowset.texts.languages.index(item[0])):
                click.echo(f"{flowset.texts.languages_path}:1: warning: {count} '{language}' texts are not yet "
                           f"reviewed by a native speaker (`flows texts` lists them; --strict fails on them)")
    errors = [p for p in shown if p.severity == "error" or strict]
    warnings = len(shown) - len(errors) + (0 if strict else len(unreviewed))
    click.echo(f"{len(flowset.flows)} flows, {len(flowset.texts.languages)} languages: "
               f"{len(errors)} errors, {warnings} warnings", err=True)
    sys.exit(1 if errors else 0)


@flows_cli.command("texts")
@click.option("--unreviewed", is_flag=True, help="Only keys with a text not reviewed in some language.")
def flows_texts(unreviewed):
    """A table of every text key by language: SMS segments as sent, and native review status."""
    flowset, _ = flow_loading.load(current_app.config["FLOWS_DIR"], current_app.config["LOCALES_DIR"])
    catalogue = flowset.texts
    sent = {language: {} for language in catalogue.languages}
    for language in catalogue.languages:
        for preview in all_messages(flowset, language):
            segments = count_segments(preview.text).segments
            sent[language][preview.key] = max(segments, sent[language].get(preview.key, 0))
    status_mark = {"reviewed": "R", "changed": "C", "unreviewed": "U"}
    rows = []
    for key in sorted(catalogue.texts[catalogue.default]):
        cells = []
        for language in catalogue.languages:
            entry = catalogue.texts.get(language, {}).get(key)
            if entry is None:
                cells.append("-")
                continue
            segments = sent[language].get(key) or count_segments(entry.value).segments
            over = "!" if segments > catalogue.budget(key) else ""
            cells.append(f"{segments}{over} {status_mark[catalogue.review_status(language, key)]}")
        if unreviewed and all(cell.endswith(" R") for cell in cells):
            continue
        rows.append([key, str(catalogue.budget(key))] + cells)
    header = ["key", "budget"] + list(catalogue.languages)
    widths = [max(len(row[i]) for row in rows + [header]) for i in range(len(header))]
    click.echo("SMS segments as sent (! over budget); R reviewed, C changed since review, U unreviewed, - missing")
    for row in [header] + rows:
        click.echo("  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip())


@flows_cli.command("export-texts")
@click.argument("file", type=click.Path(dir_okay=False, allow_dash=True))
@click.option("--excel", is_flag=True, help="Start with a UTF-8 BOM, which Excel needs to read accents and Urdu.")
def flows_export_texts(file, excel):
    """Write every text, its review status and budget to FILE as CSV for translators (- for stdout)."""
    catalogue, problems = load_catalogue(current_app.config["LOCALES_DIR"])
    for problem in problems:
        click.echo(f"warning: {problem}", err=True)  # a file that cannot be read leaves its texts out
    data = texts_csv.export_csv(catalogue).encode("utf-8-sig" if excel else "utf-8")
    with click.open_file(file, "wb") as out:
        out.write(data)
    if file != "-":
        click.echo(f"{len(catalogue.texts.get(catalogue.default, {}))} texts in "
                   f"{', '.join(catalogue.languages)} written to {file}", err=True)


@flows_cli.command("import-texts")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, allow_dash=True))
@click.option("--dry-run", is_flag=True, help="Check and show the changes; write nothing.")
def flows_import_texts(file, dry_run):
    """Take new texts and reviews from a CSV made by export-texts: all of it, or nothing if a text has an error."""
    with click.open_file(file, "rb") as source:
        data = source.read()
    try:
        text = data.decode("utf-8-sig")
        outcome = texts_csv.import_csv(text, file, current_app.config["FLOWS_DIR"],
                                       current_app.config["LOCALES_DIR"], current_app.config["FACTS_FILE"], dry_run)
    except UnicodeDecodeError:
        raise click.ClickException(f"{file} is not UTF-8 text: save it as 'CSV UTF-8'") from None
    except texts_csv.TextsCsvError as error:
        raise click.ClickException(f"{file}: {error}") from None
    for note in outcome.notes:
        click.echo(f"{file}:1: warning: {note}", err=True)
    for refusal in outcome.refusals:
        click.echo(refusal)
    if outcome.refusals:
        click.echo(f"{file}: nothing imported: fix the rows above and import again", err=True)
        sys.exit(1)
    if dry_run:
        for change in outcome.changes:
            done = [f"new text: {change.text!r}"] if change.text is not None else []
            done += [f"reviewed by {change.reviewer}"] if change.reviewer else []
            click.echo(f"{file}:{change.line}: {change.key} ({change.language}): {'; '.join(done)}")
    click.echo(f"{outcome.texts_changed} texts changed, {outcome.reviews_recorded} reviews recorded"
               + (" (dry run: nothing written)" if dry_run else ""))


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


@outbox_cli.command("sweep")
def outbox_sweep():
    """Queue (or, without Redis, send) outbox messages that are due or were lost (the worker does it every minute)."""
    click.echo(jobs.run_now("bot.tasks.sweep_outbox"))


@directory_cli.command("load")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--if-empty", is_flag=True, help="Only when the directory has no entries yet (`make run` uses it).")
def directory_load(file, if_empty):
    """Load committees and councillors from FILE (YAML); entries it leaves out become inactive."""
    if if_empty:
        with db.session() as session:
            if session.scalar(select(DirectoryEntry.id).limit(1)) is not None:
                click.echo("the directory already has entries: nothing loaded")
                return
    entries, problems = directory.load_directory_file(file)
    if problems:
        for problem in sorted(problems):
            click.echo(str(problem))
        click.echo(f"{len(problems)} problems: nothing was loaded", err=True)
        sys.exit(1)
    with db.session() as session, session.begin():
        changes = directory.sync_directory(session, entries, utcnow())
    for line in directory.describe(changes):
        click.echo(line)


@directory_cli.command("list")
def directory_list():
    """A table of the directory: active and inactive entries."""
    with db.session() as session:
        rows = session.scalars(select(DirectoryEntry)).all()
    for line in directory.table(rows):
        click.echo(line)


def init_app(app: Flask) -> None:
    for command in (db_cli, flows_cli, directory_cli, outbox_cli, cases_cli, data_cli, users_cli, chat, purge):
        app.cli.add_command(command)
