"""Blueprints: Twilio webhooks, health, the web simulator and the staff console."""
from flask import Flask


def init_app(app: Flask) -> None:
    from bot.web import console, health, simulator, webhooks

    app.register_blueprint(webhooks.bp)
    app.register_blueprint(health.bp)
    app.register_blueprint(simulator.bp)
    app.register_blueprint(console.bp)
