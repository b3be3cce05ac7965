"""Blueprints: Twilio webhooks, health, and the web simulator."""
from flask import Flask


def init_app(app: Flask) -> None:
    from bot.web import health, simulator, webhooks

    app.register_blueprint(webhooks.bp)
    app.register_blueprint(health.bp)
    app.register_blueprint(simulator.bp)
