"""The front door: a home page for each role and the health check."""
from flask import Blueprint, current_app, jsonify, render_template, send_from_directory
from flask_login import current_user
from sqlalchemy import text

from edt.clock import today
from edt.content import library
from edt.extensions import db
from edt.modules.attendance import queries as attendance_queries
from edt.modules.canvas import queries as canvas_queries
from edt.modules.certificates import queries as certificate_queries
from edt.modules.participants.queries import own_participant
from edt.security import public

bp = Blueprint("site", __name__)


@bp.route("/")
@public
def home():
    if not current_user.is_authenticated:
        return render_template("site/welcome.html")
    if current_user.is_participant:
        participant = own_participant(current_user)
        enrolment, marks = attendance_queries.own_batch_days(participant) if participant else (None, [])
        return render_template("site/participant_home.html", participant=participant, days=library().days,
                               enrolment=enrolment, batch_days=marks, today=today(),
                               my_plan=canvas_queries.home_card(participant) if participant else None,
                               certificates=certificate_queries.own_certificates(current_user))
    waiting, waiting_batches = canvas_queries.waiting_by_batch(current_user)
    return render_template("site/staff_home.html", days=library().days,
                           home=attendance_queries.staff_home(current_user), today=today(),
                           waiting=waiting, waiting_batches=waiting_batches)


@bp.route("/favicon.ico")
@public
def favicon():
    """Browsers ask for /favicon.ico on a first visit whatever the page says: the same icon as the
    pages' <link rel="icon">, cached like a static file without its hash (edt.assets)."""
    return send_from_directory(current_app.static_folder, "img/favicon.ico", mimetype="image/vnd.microsoft.icon")


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
