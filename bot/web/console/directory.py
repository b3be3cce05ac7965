"""The directory of committees and councillors, edited by coordinators in the console.

The same checks as `flask --app app directory load` (bot/directory.py). Entries are never deleted,
because cases point to them: untick "active" to stop new referrals.
"""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from sqlalchemy import select

from bot import directory
from bot.conversation import utcnow
from bot.store import db
from bot.store.models import DirectoryEntry, Role
from bot.web.console import bp, login_required

EDITORS = (Role.COORDINATOR.value, Role.ADMIN.value)


@bp.get("/directory")
@login_required(*EDITORS)
def directory_list():
    with db.session() as s:
        rows = s.scalars(select(DirectoryEntry)).all()
        rows = sorted(rows, key=lambda row: (row.kind, row.province or "", row.district or "", row.key))
        return render_template("console/directory.html", rows=rows)


@bp.route("/directory/<key>", methods=["GET", "POST"])
@login_required(*EDITORS)
def directory_edit(key: str):
    new = key == "new"
    with db.session() as s:
        row = None if new else s.scalars(select(DirectoryEntry).where(DirectoryEntry.key == key)).one_or_none()
        if row is None and not new:
            abort(404)
        form = _form_of(row) if request.method == "GET" else request.form.to_dict()
    problems = []
    if request.method == "POST":
        values = {"id": key if not new else form.get("id", "").strip(), "name": form.get("name", "").strip(),
                  "kind": form.get("kind", ""), "phone": form.get("phone", "").strip(),
                  "languages": [code.strip() for code in form.get("languages", "").split(",") if code.strip()],
                  "active": form.get("active") == "on"}
        if form.get("province"):
            values["province"] = form["province"]
        if form.get("district", "").strip():
            values["district"] = form["district"].strip()
        with db.session() as s, s.begin():
            if new and s.scalar(select(DirectoryEntry.id).where(DirectoryEntry.key == values["id"])):
                problems = [f"an entry '{values['id']}' already exists"]
            else:
                saved, problems = directory.save_entry(s, values, utcnow())
        if not problems:
            flash(f"Saved {saved}.", "ok")
            return redirect(url_for("console.directory_list")), 303
    return render_template("console/directory_entry.html", key=key, new=new, form=form, problems=problems,
                           kinds=directory.KINDS, provinces=directory.DIRECTORY_PROVINCES), 400 if problems else 200


def _form_of(row: DirectoryEntry | None) -> dict:
    if row is None:
        return {"active": "on", "languages": "ur"}
    return {"id": row.key, "name": row.name, "kind": row.kind, "province": row.province or "",
            "district": row.district or "", "languages": row.languages, "phone": row.phone,
            "active": "on" if row.active else ""}
