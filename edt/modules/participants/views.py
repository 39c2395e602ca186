from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from edt import audit
from edt.errors import attach
from edt.forms import partner_choices
from edt.modules.accounts.services import partners as all_partners
from edt.security import STAFF, role_required, scoped_or_404
from edt.signals import collect_parts

from . import queries, services
from .forms import ParticipantIntakeForm as ParticipantForm, PinForm

bp = Blueprint("participants", __name__, url_prefix="/participants")
PER_PAGE = 50


@bp.route("/")
@role_required(*STAFF)
def index():
    query = request.args.get("q", "")[:100]
    found = queries.search(current_user, query, page=request.args.get("page", 1, type=int), per_page=PER_PAGE)
    if query.strip():  # a search by name is a look into the registry: recorded, never its words
        audit.record(current_user, "participants_searched", "participant", None,
                     details={"fields": ["q"], "results": found.total, **({"more": True} if found.capped else {})})
    return render_template("participants/index.html", rows=found.items, total=found.total, query=query,
                           page=found.page, pages=found.pages, capped=found.capped)


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
            return redirect(url_for("participants.detail", participant_id=participant.id))
    return render_template("participants/pin.html", form=form, participant=participant,
                           closed=participant.erased_at is not None), 400 if form.errors else 200


@bp.route("/new", methods=["GET", "POST"])
@role_required(*STAFF)
def register():
    form = ParticipantForm()
    form.partner_id.choices = partner_choices(current_user, all_partners(), empty=_("Choose…"))
    if request.method == "GET":
        partner_id = request.args.get("partner", 0, type=int)
        if not current_user.is_master_trainer:
            partner_id = current_user.partner_id
        form.partner_id.data = partner_id
        partner = next((p for p in all_partners() if p.id == partner_id), None)
        if partner:
            form.district.data = partner.district
    if form.validate_on_submit():
        try:
            participant = services.register(
                current_user, partner_id=form.partner_id.data, full_name=form.full_name.data,
                gender=form.gender.data, birth_year=form.birth_year.data, district=form.district.data,
                phone=(form.phone.data or "").replace(" ", "") or None, consent_data_use=form.consent_data_use.data,
                consent_photos=form.consent_photos.data, consent_date=form.consent_date.data,
                pin=form.pin.data or None, intake=form.intake_values())
        except services.ParticipantError as error:
            attach(form, error, "full_name")
        else:
            flash(_("Registered %(code)s. Give the person their code.", code=participant.code), "ok")
            return redirect(url_for("participants.detail", participant_id=participant.id))
    return render_template("participants/form.html", form=form, participant=None), 400 if form.errors else 200


@bp.route("/<int:participant_id>")
@role_required(*STAFF)
def detail(participant_id):
    participant = queries.participant_for(current_user, participant_id)
    # The batches and attendance section comes from the modules above (edt.signals.page_parts).
    parts = collect_parts("participants.detail", actor=current_user, participant=participant)
    audit.record(current_user, "participant_viewed", "participant", participant.id)
    return render_template("participants/detail.html", participant=participant, **parts)


@bp.route("/<int:participant_id>/edit", methods=["GET", "POST"])
@role_required(*STAFF)
def edit(participant_id):
    participant = queries.participant_for(current_user, participant_id)
    if participant.erased_at is not None:  # nothing left to correct: refused like any other
        scoped_or_404(None, target_type="participant", target_id=participant.id, actor=current_user)
    form = ParticipantForm(obj=participant)
    del form.partner_id
    del form.pin
    if request.method == "GET":
        audit.record(current_user, "participant_viewed", "participant", participant.id, details={"page": "edit"})
    if form.validate_on_submit():
        try:
            services.update(current_user, participant, full_name=form.full_name.data, gender=form.gender.data,
                            birth_year=form.birth_year.data, district=form.district.data,
                            phone=(form.phone.data or "").replace(" ", "") or None,
                            consent_data_use=form.consent_data_use.data, consent_photos=form.consent_photos.data,
                            consent_date=form.consent_date.data, intake=form.intake_values())
        except services.ParticipantError as error:
            attach(form, error, "full_name")
        else:
            flash(_("Saved."), "ok")
            return redirect(url_for("participants.detail", participant_id=participant.id))
    return render_template("participants/form.html", form=form, participant=participant), (
        400 if form.errors else 200)
