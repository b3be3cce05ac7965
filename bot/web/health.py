"""GET /healthz: what is up, for load balancers and people."""
from flask import Blueprint, current_app, jsonify
from sqlalchemy import text

from bot import jobs
from bot.store import db

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz():
    report = {"database": "ok", "redis": "not configured", "flows": "ok"}
    healthy = True
    try:
        with db.engine().connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception as error:  # any failure to reach the database means unhealthy
        report["database"], healthy = f"down ({type(error).__name__})", False
    if current_app.config["REDIS_URL"]:
        report["redis"] = "ok" if jobs.redis_ok() else "down"
        healthy = healthy and report["redis"] == "ok"
    if current_app.extensions.get("flows") is None:
        report["flows"], healthy = "errors (run flows check)", False
    return jsonify(report), 200 if healthy else 503
