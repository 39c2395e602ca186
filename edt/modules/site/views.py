"""The front door: a home page for each role and the health check."""
from flask import Blueprint, jsonify, render_template
from flask_login import current_user
from sqlalchemy import text

from edt.content import library
from edt.extensions import db
from edt.modules.participants.queries import own_participant
from edt.security import public

bp = Blueprint("site", __name__)


@bp.route("/")
@public
def home():
    if not current_user.is_authenticated:
        return render_template("site/welcome.html")
    if current_user.is_participant:
        return render_template("site/participant_home.html", participant=own_participant(current_user),
                               days=library().days)
    return render_template("site/staff_home.html", days=library().days)


@bp.route("/healthz")
@public
def healthz():
    try:
        db.session.execute(text("select 1"))
        database = "ok"
    except Exception:  # the check itself must never fail loudly
        db.session.rollback()
        database = "unavailable"
    status = 200 if database == "ok" else 503
    return jsonify(status="ok" if status == 200 else "degraded", database=database), status
