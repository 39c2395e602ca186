from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from edt.security import STAFF, role_required

from . import queries, services
from .forms import PinForm

bp = Blueprint("participants", __name__, url_prefix="/participants")
PER_PAGE = 50


@bp.route("/")
@role_required(*STAFF)
def index():
    query = request.args.get("q", "")[:100]
    page = max(request.args.get("page", 1, type=int), 1)
    rows, total = queries.search(current_user, query, page=page, per_page=PER_PAGE)
    return render_template("participants/index.html", rows=rows, total=total, query=query, page=page,
                           pages=max((total + PER_PAGE - 1) // PER_PAGE, 1))


@bp.route("/<int:participant_id>/pin", methods=["GET", "POST"])
@role_required(*STAFF)
def set_pin(participant_id):
    participant = queries.participant_for(current_user, participant_id)
    form = PinForm()
    if form.validate_on_submit():
        try:
            services.set_pin(current_user, participant, form.pin.data)
        except services.ParticipantError as error:
            form.pin.errors.append(str(error))
        else:
            flash(_("PIN saved for %(code)s. Tell it to the participant in private.", code=participant.code), "ok")
            return redirect(url_for("participants.index"))
    return render_template("participants/pin.html", form=form, participant=participant), (
        400 if form.errors else 200)
