"""The console in a real browser: Playwright driving Debian's Chromium against the app on loopback.

Screenshots of the queue, a chat and a case page are written to test-artifacts/screenshots/.
Without Chromium (apt-get install chromium) these tests are skipped, except under CI=true.
"""
from __future__ import annotations

import shutil
import threading

import pytest
from sqlalchemy import select
from werkzeug.serving import make_server

from bot.store import db
from bot.store.models import Case
from tests.conftest import ROOT, free_port, make_app, unavailable
from tests.test_console import HER_DIGITS, PASSWORD, referred_cases, webhook

SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"
CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="module")
def chromium():
    executable = shutil.which("chromium") or shutil.which("chromium-browser")
    if executable is None:
        unavailable("Debian's chromium is not installed (make test installs it when it can: apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, headless=True, args=CHROMIUM_FLAGS)
        yield browser
        browser.close()


@pytest.fixture
def live(tmp_path, fake_twilio):
    """The helpline served on a loopback port, with three staff accounts and the sample directory."""
    app = make_app(f"sqlite:///{tmp_path / 'helpline.db'}", COUNSELLOR_HOURS=(0, 24 * 60), **fake_twilio.settings)
    runner = app.test_cli_runner()
    runner.invoke(args=["directory", "load", "flows/directory/sample.yaml"])
    for name, role, partner in (("amina", "counsellor", None), ("sara", "counsellor", None),
                                ("quetta", "partner", "sample_balochistan_committee")):
        runner.invoke(args=["users", "create", "--username", name, "--role", role, "--password", PASSWORD]
                      + (["--partner", partner] if partner else []))
    server = make_server("127.0.0.1", free_port(), app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    app.base = f"http://127.0.0.1:{server.server_port}"
    yield app
    server.shutdown()
    app.extensions["db_engine"].dispose()


def log_in(browser, live, username: str):
    page = browser.new_context(locale="en-GB").new_page()
    page.goto(f"{live.base}/console/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    return page


def shot(page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    assert path.stat().st_size > 0


def test_a_counsellor_takes_an_escalated_chat_from_the_live_queue_to_the_bot(chromium, live, fake_twilio):
    amina = log_in(chromium, live, "amina")
    amina.wait_for_selector("text=Nobody is waiting.")

    webhook(live, "سلام")  # the language menu: Salaam is said in every language here
    webhook(live, "۲")     # Urdu
    webhook(live, "بات")   # "talk" in Urdu: she asks for a counsellor
    row = amina.wait_for_selector("#queue a", timeout=15_000)  # the queue updates itself, no reload
    shot(amina, "queue")
    row.click()
    amina.click("text=Claim this chat")
    amina.wait_for_selector("text=You have this chat")

    webhook(live, "میرا باس مجھے رات کو میسج کرتا ہے")
    message = amina.wait_for_selector(".msg.in .text >> text=میرا باس", timeout=15_000)  # arrives live
    assert message.evaluate("e => getComputedStyle(e).direction") == "rtl"  # Urdu reads right to left

    amina.fill("#reply", "I am here. Are you safe now?")
    amina.click("text=Send")
    amina.wait_for_selector("text=Sent.")
    assert fake_twilio.messages[-1]["body"] == "I am here. Are you safe now?"
    amina.fill("textarea[name=text] >> nth=1", "Government office; the boss writes her ACR.")
    amina.click("text=Add note")
    amina.wait_for_selector("li.note >> text=the boss writes her ACR")
    shot(amina, "chat")
    assert HER_DIGITS not in amina.content()

    sara = log_in(chromium, live, "sara")
    sara.goto(amina.url)
    sara.wait_for_selector("text=amina has this chat.")
    assert sara.query_selector("text=Claim this chat") is None and sara.query_selector("#reply") is None

    amina.click("text=Hand back to the bot")
    amina.wait_for_selector("text=She is back with the bot.")
    menu = webhook(live, "0")
    assert menu[0].startswith("السلام علیکم"), menu  # the bot's menu, in her language


def test_a_partner_opens_her_referred_case_but_not_another(chromium, live):
    referred_cases(live)
    with live.app_context(), db.session() as s:
        assert len(s.scalars(select(Case)).all()) == 2
    partner = log_in(chromium, live, "quetta")
    partner.wait_for_selector("text=Cases referred to you")
    partner.click("text=K7MXART4")
    partner.wait_for_selector("h1 >> text=Case K7MXART4")
    shot(partner, "case")
    assert "Tariq" not in partner.content() and HER_DIGITS not in partner.content()
    response = partner.goto(f"{live.base}/console/cases/HJ7TNWCE")
    assert response.status == 404
