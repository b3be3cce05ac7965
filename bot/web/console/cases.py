"""Cases in the console: the list, a case page with one timeline, status, re-routing and notes.

A partner reaches only the cases referred to her entry (casework.visible_cases filters in SQL) and
reads them; counsellors, coordinators and admins work them. Every view is written to the trail.
"""
from __future__ import annotations

import json

from flask import abort, current_app, flash, g, redirect, render_template, request, url_for
from sqlalchemy import select

from bot import casework, cases
from bot.conversation import utcnow
from bot.store import db
from bot.store.models import CaseStatus, DirectoryEntry
from bot.web.console import STAFF, bp, login_required


@bp.get("/cases")
@login_required()
def case_list():
    with db.session() as s:
        rows = [{"reference": c.reference, "status": c.status, "route": c.route, "language": c.language or "-",
                 "created_at": c.created_at, "pseudonym": casework.pseudonym(current_app.extensions["vault"],
                                                                              c.contact_id)}
                for c in s.scalars(casework.visible_cases(g.user).limit(500))]
    return render_template("console/cases.html", cases=rows, partner=casework.is_partner(g.user))


@bp.get("/cases/<reference>")
@login_required()
def case_page(reference: str):
    vault = current_app.extensions["vault"]
    with db.session() as s, s.begin():
        case = casework.find_case(s, g.user, reference)
        if case is None:
            abort(404)
        cases.add_event(s, vault, case, "viewed", g.user.username, utcnow())
        s.flush()
        target = casework.target_of(s, case)
        view = {
            "case": case, "partner": casework.is_partner(g.user),
            "pseudonym": casework.pseudonym(vault, case.contact_id),
            "answers": casework.answers_for(vault, case, g.user),
            "reasons": json.loads(case.route_reasons or "[]"), "target": target.name if target else None,
            "shared": casework.shared_choice(vault, case),
            "timeline": casework.timeline(s, vault, case, g.user),
            "statuses": [status.value for status in CaseStatus], "routes": cases.ROUTES,
            "directory": [(e.key, e.name) for e in s.scalars(select(DirectoryEntry).where(DirectoryEntry.active)
                                                             .order_by(DirectoryEntry.name))],
        }
    return render_template("console/case.html", **view)


@bp.post("/cases/<reference>/status")
@login_required(*STAFF)
def case_status(reference: str):
    status = request.form.get("status", "")
    return _act(reference, lambda s, vault, case, now: cases.set_status(s, vault, case, status, g.user.username, now),
                "Status changed.")


@bp.post("/cases/<reference>/reroute")
@login_required(*STAFF)
def case_reroute(reference: str):
    form = request.form
    return _act(reference, lambda s, vault, case, now: cases.reroute(
        s, vault, case, form.get("route", ""), form.get("target") or None, form.get("reason", ""),
        g.user.username, now), "Re-routed; the reason is in the trail.")


@bp.post("/cases/<reference>/note")
@login_required(*STAFF)
def case_note(reference: str):
    text = request.form.get("text", "").strip()

    def add(s, vault, case, now):
        if not text:
            raise cases.CaseError("Write a note first.")
        cases.add_event(s, vault, case, "note", g.user.username, now, {"text": text})

    return _act(reference, add, "Note added.")


def _act(reference: str, action, done: str):
    vault = current_app.extensions["vault"]
    try:
        with db.session() as s, s.begin():
            case = casework.find_case(s, g.user, reference)
            if case is None:
                abort(404)
            action(s, vault, case, utcnow())
    except cases.CaseError as refused:
        flash(str(refused), "error")
    else:
        flash(done, "ok")
    return redirect(url_for("console.case_page", reference=reference.upper())), 303
