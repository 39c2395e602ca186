"""Pages of the trainers module: ToT events and their daily marks, observations on a phone, each
facilitator's record (standing, history, observations, coaching figures) and credential PDF, the
expiry view, and the credential's answer on the public verify page.

Master trainers manage everything here; a facilitator sees only their own record; participants
nothing. Views parse, call a service or a query, and pick a template.
"""
from datetime import timedelta

from flask import Blueprint, Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user

from edt import audit
from edt.clock import today
from edt.content import library
from edt.errors import attach
from edt.extensions import db
from edt.instruments import instruments
from edt.modules.accounts.models import Partner
from edt.modules.attendance.forms import AttendanceForm
from edt.modules.attendance.models import LETTERS
from edt.modules.attendance.forms import parse_entries
from edt.modules.attendance.services import AttendanceError
from edt.modules.batches.services import BatchError
from edt.security import STAFF, Role, role_required
from edt.signals import verification_requested

from . import queries, services
from .forms import StatusForm, TotForm, TraineesForm, observation_form
from .models import CredentialStatus, TotMarkStatus, criterion_field

bp = Blueprint("trainers", __name__, url_prefix="/trainers")
PER_PAGE = 50
STATUSES = [s.value for s in TotMarkStatus]


def _small() -> int:
    return int(current_app.config.get("SMALL_CELL_THRESHOLD", 5))


# --- facilitators -----------------------------------------------------------------------------------

@bp.route("/")
@role_required(*STAFF)
def index():
    if current_user.role == Role.FACILITATOR:
        return redirect(url_for("trainers.facilitator", user_id=current_user.id))
    page = max(request.args.get("page", 1, type=int), 1)
    users, total = queries.list_facilitators(page, PER_PAGE)
    states = services.standings([u.id for u in users])
    counts = {}
    for state in states.values():
        counts[state.status] = counts.get(state.status, 0) + 1
    return render_template("trainers/index.html", users=users, states=states, page=page, counts=counts,
                           pages=max((total + PER_PAGE - 1) // PER_PAGE, 1), total=total, statuses=CredentialStatus)


@bp.route("/facilitators/<int:user_id>")
@role_required(*STAFF)
def facilitator(user_id):
    person = queries.facilitator_for(current_user, user_id)
    audit.record(current_user, "facilitator_record_viewed", "user", person.id, commit=True)
    person = queries.facilitator_for(current_user, user_id)
    on = today()
    state = services.standings([person.id], on)[person.id]
    credential = queries.credentials_of([person.id]).get(person.id)
    observations = queries.observations_of(person.id)
    quality = queries.quality(person, on)
    rubric = instruments().rubric
    return render_template("trainers/facilitator.html", person=person, state=state, credential=credential,
                           changes=queries.changes_of(credential), observations=observations, quality=quality,
                           small=quality.people < _small(), threshold=_small(), rubric=rubric,
                           lang=str(get_locale() or "en"), statuses=CredentialStatus)


@bp.route("/facilitators/<int:user_id>/status", methods=["GET", "POST"])
@role_required(Role.MASTER_TRAINER)
def status(user_id):
    person = queries.facilitator_for(current_user, user_id)
    form = StatusForm()
    state = services.standings([person.id])[person.id]
    if form.validate_on_submit():
        try:
            services.change_status(current_user, person, form.status.data, form.reason.data or "")
        except services.TrainerError as error:
            db.session.rollback()
            attach(form, error, "status")
        else:
            flash(_("Status saved."), "ok")
            return redirect(url_for("trainers.facilitator", user_id=person.id))
    elif request.method == "GET":
        form.status.data = state.status
    return render_template("trainers/status.html", person=person, form=form, state=state), \
        400 if form.errors else 200


@bp.route("/facilitators/<int:user_id>/credential.pdf")
@role_required(*STAFF)
def credential_pdf(user_id):
    person = queries.facilitator_for(current_user, user_id)
    credential = queries.credentials_of([person.id]).get(person.id)
    state = services.standings([person.id])[person.id]
    if credential is None or credential.serial is None or state.status != CredentialStatus.CERTIFIED:
        abort(404)
    from . import pdf  # noqa: ReportLab loads on the first PDF, not in every worker (memory)
    paper = pdf.CredentialPaper(
        serial=credential.serial, grouped_code=credential.grouped_code,
        holder_name=person.display_name or person.username,
        organisation=person.partner.name if person.partner else "EDT",
        certified_on=credential.certified_on, expires_on=credential.expires_on,
        verify_url=f"{current_app.config['PUBLIC_URL']}/verify/{credential.code}",
        signatories=tuple(tuple(s) for s in current_app.config.get("CERTIFICATE_SIGNATORIES", ())))
    audit.record(current_user, "credential_downloaded", "credential", credential.id, commit=True)
    response = Response(pdf.render(paper), mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'attachment; filename="credential-{credential.serial}.pdf"'
    return response


@bp.route("/expiring")
@role_required(Role.MASTER_TRAINER)
def expiring():
    on = today()
    window = current_app.config["CREDENTIAL_EXPIRY_WINDOW_DAYS"]
    soon = queries.credentials_expiring(on, on + timedelta(days=window))
    held = queries.held_credentials()
    states = services.standings([c.user_id for c in held], on)
    lapse_days = current_app.config["CREDENTIAL_LAPSE_DAYS"]
    due = []
    for credential in held:
        state = states[credential.user_id]
        if state.status == CredentialStatus.LAPSED or (
                state.last_active and (on - state.last_active).days > lapse_days - window):
            due.append((credential, state, state.last_active + timedelta(days=lapse_days)
                        if state.last_active else None))
    return render_template("trainers/expiring.html", soon=soon, due=due, window=window, today=on)


# --- observations --------------------------------------------------------------------------------------

def _context_choices(person):
    events, batches = queries.contexts_for(person)
    return ([("", _("Neither"))] + [(f"tot-{e.id}", e.title) for e in events]
            + [(f"batch-{b.id}", b.code) for b in batches])


@bp.route("/facilitators/<int:user_id>/observe", methods=["GET", "POST"])
@role_required(Role.MASTER_TRAINER)
def observe(user_id):
    person = queries.facilitator_for(current_user, user_id)
    rubric = instruments().rubric
    lang = str(get_locale() or "en")
    form = observation_form(rubric, lang)
    form.context.choices = _context_choices(person)
    if request.method == "GET":
        form.observed_on.data = today()
        wanted = request.args.get("context", "")
        if wanted in {value for value, _label in form.context.choices}:
            form.context.data = wanted
    if form.validate_on_submit():
        kind, _sep, number = (form.context.data or "").partition("-")
        scores = {c.id: int(form[f"score_{criterion_field(c.id)}"].data) for c in rubric.criteria}
        notes = {c.id: form[f"note_{criterion_field(c.id)}"].data or "" for c in rubric.criteria}
        try:
            services.record_observation(
                current_user, person, observed_on=form.observed_on.data, scores=scores, notes=notes,
                session=form.session.data or "", note=form.note.data or "",
                tot_event_id=int(number) if kind == "tot" else None,
                batch_id=int(number) if kind == "batch" else None)
        except services.TrainerError as error:
            db.session.rollback()
            attach(form, error, "observed_on")
        else:
            flash(_("Observation saved."), "ok")
            return redirect(url_for("trainers.facilitator", user_id=person.id))
    return render_template("trainers/observe.html", person=person, form=form, rubric=rubric, lang=lang,
                           key=criterion_field), 400 if form.errors else 200


# --- ToT events ------------------------------------------------------------------------------------------

@bp.route("/tot/")
@role_required(Role.MASTER_TRAINER)
def events():
    page = max(request.args.get("page", 1, type=int), 1)
    rows, total = queries.list_events(page, PER_PAGE)
    return render_template("trainers/events.html", rows=rows, page=page, today=today(),
                           pages=max((total + PER_PAGE - 1) // PER_PAGE, 1))


@bp.route("/tot/new", methods=["GET", "POST"])
@role_required(Role.MASTER_TRAINER)
def schedule():
    form = TotForm()
    form.partner_ids.choices = [(p.id, p.name) for p in db.session.scalars(db.select(Partner).order_by(Partner.name))]
    if request.method == "GET":
        form.start_date.data = today()
    if form.validate_on_submit():
        try:
            event = services.schedule_tot(current_user, title=form.title.data, kind=form.kind.data,
                                          venue=form.venue.data or "", start_date=form.start_date.data,
                                          days=form.days.data, partner_ids=form.partner_ids.data or [])
        except (services.TrainerError, BatchError) as error:
            db.session.rollback()
            attach(form, error, "start_date")
        else:
            flash(_("Training of trainers scheduled: %(first)s to %(last)s.", first=event.start_date.isoformat(),
                    last=event.end_date.isoformat()), "ok")
            return redirect(url_for("trainers.event", event_id=event.id))
    return render_template("trainers/schedule.html", form=form), 400 if form.errors else 200


def _render_event(event, form=None, status=200):
    trainees = queries.event_trainees(event)
    if form is None:
        form = TraineesForm()
    form.user_ids.choices = [(u.id, f"{u.display_name or u.username} ({u.partner.name})" if u.partner
                              else u.display_name or u.username) for u in queries.trainee_candidates(event)]
    states = services.standings([t.user_id for t in trainees])
    lib = library()
    plans = {d.id: lib.guide_page(d.guide_slug) for d in event.days if d.guide_slug}
    return render_template("trainers/event.html", event=event, trainees=trainees, marks=queries.event_marks(event),
                           observations=queries.event_observations(event), form=form, states=states,
                           plans=plans, letters=LETTERS, today=today()), status


@bp.route("/tot/<int:event_id>")
@role_required(Role.MASTER_TRAINER)
def event(event_id):
    return _render_event(queries.event_for(current_user, event_id))


@bp.route("/tot/<int:event_id>/trainees", methods=["POST"])
@role_required(Role.MASTER_TRAINER)
def add_trainees(event_id):
    found = queries.event_for(current_user, event_id)
    form = TraineesForm()
    form.user_ids.choices = [(u.id, u.username) for u in queries.trainee_candidates(found)]
    if form.validate_on_submit():
        try:
            count = services.add_trainees(current_user, found, form.user_ids.data or [])
        except services.TrainerError as error:
            db.session.rollback()
            attach(form, error, "user_ids")
        else:
            flash(_("%(n)d trainees added.", n=count), "ok")
            return redirect(url_for("trainers.event", event_id=found.id))
    return _render_event(found, form, 400)


def _render_day(day, *, posted=None, prefill=False, error=None, status=200):
    trainees = queries.event_trainees(day.event)
    marks = queries.day_marks(day)
    rows = []
    for trainee in trainees:
        mark = marks.get(trainee.id)
        was_status, was_note = (mark.status, mark.note) if mark else ("", "")
        prefilled = prefill and mark is None
        row = {"id": trainee.id, "who": trainee.user.display_name or trainee.user.username,
               "code": trainee.user.partner.name if trainee.user.partner else "",
               "status": was_status or ("present" if prefilled else ""), "note": was_note, "was_status": was_status,
               "was_note": was_note, "prefilled": prefilled, "left": False}
        if posted is not None:
            row.update(status=posted.get(f"s-{trainee.id}", "") or "", note=posted.get(f"n-{trainee.id}", "") or "")
        rows.append(row)
    counts = dict.fromkeys(STATUSES, 0)
    for mark in marks.values():
        counts[mark.status] += 1
    on = today()
    days = day.event.days
    plans = library().guide_page(day.guide_slug) if day.guide_slug else None
    return render_template("trainers/mark.html", day=day, event=day.event, rows=rows, counts=counts,
                           unmarked=len(trainees) - len(marks), statuses=STATUSES, letters=LETTERS,
                           form=AttendanceForm(), error=error, can_save=day.date <= on, prefill=prefill, plans=plans,
                           previous=next((d for d in days if d.number == day.number - 1), None),
                           following=next((d for d in days if d.number == day.number + 1), None)), status


@bp.route("/tot/days/<int:day_id>", methods=["GET", "POST"])
@role_required(Role.MASTER_TRAINER)
def mark(day_id):
    day = queries.day_for(current_user, day_id)
    if request.method == "GET":
        return _render_day(day, prefill=request.args.get("all") == "present")
    form = AttendanceForm()
    if not form.validate_on_submit():
        return _render_day(day, posted=request.form, status=400,
                           error=_("This form was open too long or was sent twice. Please reload and try again."))
    try:
        counts = services.save_marks(current_user, day, parse_entries(request.form))
    except (services.TrainerError, AttendanceError) as error:
        db.session.rollback()
        return _render_day(day, posted=request.form, error=str(error), status=400)
    flash(_("Saved day %(n)d: %(p)d present, %(l)d late, %(e)d excused, %(a)d absent.", n=day.number,
            p=counts["present"], l=counts["late"], e=counts["excused"], a=counts["absent"]), "ok")
    return redirect(url_for("trainers.mark", day_id=day.id))


# --- the public verify page: a credential's answer ----------------------------------------------

@verification_requested.connect
def verify_credential(code, serial=None, **_extra):
    """The verify page found no certificate: a credential with this code (and serial, when one
    was typed) shows its status and dates, never the holder's name or partner."""
    credential = queries.credential_by_code(code)
    if credential is None or (serial is not None and "".join(serial.split()).upper() != credential.serial):
        return None
    state = services.standings([credential.user_id])[credential.user_id]
    services.verify_seen(credential)
    return render_template("trainers/verify.html", credential=credential, state=state, statuses=CredentialStatus)

