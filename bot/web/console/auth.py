"""Logging in and out of the console."""
from __future__ import annotations

from flask import current_app, g, redirect, render_template, request, session, url_for

from bot import accounts
from bot.conversation import utcnow
from bot.store import db
from bot.web.console import bp, login_required


@bp.route("/login", methods=["GET", "POST"])
def login():
    error, status = None, 200
    if request.method == "POST":
        config = current_app.config
        with db.session() as s, s.begin():
            try:
                user = accounts.authenticate(s, current_app.extensions["vault"], request.form.get("username", ""),
                                             request.form.get("password", ""), request.remote_addr or "",
                                             utcnow(), config["LOGIN_MAX_FAILURES"], config["LOGIN_WINDOW_MINUTES"])
            except accounts.TooManyFailures as refused:
                error, status, user = str(refused), 429, None
            except accounts.AccountError as refused:
                error, status, user = str(refused), 401, None
            if user is not None:
                session.clear()  # a new session for the new login
                session.permanent = True
                session["user_id"] = user.id
                target = request.args.get("next", "")
                return redirect(target if target.startswith("/console/") else url_for("console.home"))
    return render_template("console/login.html", error=error), status


@bp.post("/logout")
@login_required()
def logout():
    session.clear()
    return redirect(url_for("console.login"))


@bp.get("/")
@login_required()
def home():
    if g.user.role == "partner":
        return redirect(url_for("console.case_list"))
    return redirect(url_for("console.queue"))
