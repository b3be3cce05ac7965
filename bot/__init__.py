"""The helpline: `create_app()` builds the Flask app that gunicorn, the CLI and the tests use."""
from __future__ import annotations

import logging

from flask import Flask

from bot import cli, config, flows, jobs, web
from bot.crypto import Vault
from bot.store import db


def create_app(overrides: dict | None = None) -> Flask:
    """The app, configured from the environment and then from `overrides` (tests pass these)."""
    app = Flask(__name__, instance_path=str(config.INSTANCE))
    settings = config.from_env()
    settings.update(overrides or {})
    app.config.update(config.finish(settings))
    logging.basicConfig(level=app.config["LOG_LEVEL"], format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    # urllib3's DEBUG lines carry request URLs, and a Twilio lookup's URL carries a number: never log them.
    logging.getLogger("urllib3").setLevel(logging.INFO)
    app.extensions["vault"] = Vault(app.config["DATA_KEYS"], app.config["SECRET_KEY"])
    db.init_app(app)
    jobs.init_app(app)
    flows.init_app(app)
    web.init_app(app)
    cli.init_app(app)
    return app
