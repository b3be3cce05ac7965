"""The console for staff at /console: the counsellors' queue and chats, cases, and partners' referrals.

Every page needs a login; every form carries a CSRF token; roles decide what a page allows, and
what a partner may see is decided in the database query (bot/casework.py), so a direct URL to a
case not referred to her is a 404. Pages are server-rendered and readable without JavaScript; the
queue and an open chat update themselves by polling small JSON endpoints.
"""
from __future__ import annotations

from functools import wraps

from flask import Blueprint, abort, g, redirect, request, session, url_for
from flask_wtf.csrf import CSRFError, generate_csrf, validate_csrf
from wtforms import ValidationError

from bot.store import db
from bot.store.models import Role, User

bp = Blueprint("console", __name__, url_prefix="/console", template_folder="../templates")
STAFF = (Role.COUNSELLOR.value, Role.COORDINATOR.value, Role.ADMIN.value)
"""Roles that work chats and cases; a partner only reads the cases referred to her."""


@bp.before_request
def load_user_and_check_csrf():
    g.user = None
    user_id = session.get("user_id")
    if user_id is not None:
        with db.session() as s:
            user = s.get(User, user_id)
            if user is not None and user.active:
                s.expunge(user)
                g.user = user
            else:
                session.clear()
    if request.method == "POST":
        try:
            validate_csrf(request.form.get("csrf_token") or request.headers.get("X-CSRFToken"))
        except ValidationError as error:
            raise CSRFError(str(error)) from None


@bp.app_context_processor
def template_globals():
    return {"csrf_token": generate_csrf, "user": g.get("user")}


def login_required(*roles: str):
    """The view needs a logged-in user, with one of `roles` when given (403 otherwise)."""

    def decorate(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if g.user is None:
                if request.path.endswith(".json"):
                    abort(401)
                return redirect(url_for("console.login", next=request.full_path.rstrip("?")))
            if roles and g.user.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorate


from bot.web.console import auth, cases, chats, directory  # noqa: E402,F401  (their routes register on bp)
