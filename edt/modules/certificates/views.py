"""Certificate pages for staff, the participant's download, and the public verify page.

One blueprint with explicit paths instead of a URL prefix: staff pages live under /certificates/,
and the verify page at /verify/<code> because that URL is printed on paper and in the QR code,
where short is better.
"""
from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from edt import audit
from edt.formats import bangla, long_date
from edt.forms import ConfirmForm
from edt.modules.batches.queries import batch_for
from edt.security import ALL_ROLES, STAFF, Role, client_address, public, role_required
from edt.signals import verification_requested

from . import eligibility, queries, services, verification
from .wording import TRAINING, TRAINING_BN
from .eligibility import CertificateError
from .forms import IssueForm, NameForm, RevokeForm, VerifyForm
from .models import CertificateStatus

bp = Blueprint("certificates", __name__)
bp.add_app_template_global(CertificateStatus, "CertificateStatus")
PER_PAGE = 50
NOINDEX = "noindex, nofollow, noarchive"


@bp.after_request
def _no_index(response):
    """Certificate pages stay out of search engines, the verify page above all."""
    response.headers["X-Robots-Tag"] = NOINDEX
    if response.status_code == 429:
        response.headers["Retry-After"] = "60"
    return response


def _pdf(data: bytes, filename: str, mimetype: str = "application/pdf") -> Response:
    response = Response(data, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


# --- staff -------------------------------------------------------------------------------------

@bp.route("/certificates/")
@role_required(*STAFF)
def index():
    pagination, rows = queries.list_batches(current_user, page=request.args.get("page", 1, type=int),
                                            per_page=PER_PAGE)
    return render_template("certificates/index.html", rows=rows, pagination=pagination)


@bp.route("/certificates/batch/<int:batch_id>")
@role_required(*STAFF)
def batch(batch_id):
    found = batch_for(current_user, batch_id)
    # Audited before loading the rows: the commit would expire them and load each one again.
    audit.record(current_user, "certificates_viewed", "batch", found.id, commit=True)
    rows = eligibility.standings(found)
    return render_template("certificates/batch.html", batch=found, rows=rows, rule=eligibility.rule(),
                           problem=eligibility.batch_problem(found), form=ConfirmForm(),
                           eligible_waiting=sum(1 for r in rows if r.waiting),
                           valid_count=sum(1 for r in rows if r.certificate is not None))


@bp.route("/certificates/batch/<int:batch_id>/issue", methods=["POST"])
@role_required(Role.MASTER_TRAINER)
def issue_all(batch_id):
    found = batch_for(current_user, batch_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        issued = services.issue_all_eligible(current_user, found)
    except CertificateError as error:
        flash(str(error), "error")
    else:
        if issued:
            flash(_("%(n)d certificates issued.", n=len(issued)), "ok")
        else:
            flash(_("Every eligible participant already has a certificate."), "ok")
    return redirect(url_for("certificates.batch", batch_id=found.id))


@bp.route("/certificates/batch/<int:batch_id>/certificates.zip")
@role_required(*STAFF)
def download_zip(batch_id):
    found = batch_for(current_user, batch_id)
    try:
        data = services.batch_zip(current_user, found)
    except CertificateError as error:
        abort(404, str(error))
    return _pdf(data, f"certificates-{found.code}.zip", "application/zip")


@bp.route("/certificates/batch/<int:batch_id>/certificates.pdf")
@role_required(*STAFF)
def download_print(batch_id):
    found = batch_for(current_user, batch_id)
    try:
        data = services.batch_pdf(current_user, found)
    except CertificateError as error:
        abort(404, str(error))
    return _pdf(data, f"certificates-{found.code}.pdf")


@bp.route("/certificates/enrolment/<int:enrolment_id>/issue", methods=["GET", "POST"])
@role_required(Role.MASTER_TRAINER)
def issue(enrolment_id):
    enrolment = queries.enrolment_for(current_user, enrolment_id)
    form = IssueForm()
    try:
        standing = eligibility.standing_for(enrolment)
    except CertificateError:
        abort(404)
    if request.method == "GET":
        audit.record(current_user, "participant_viewed", "enrolment", enrolment.id, details={"page": "issue"},
                     commit=True)
    if form.validate_on_submit():
        try:
            certificate = services.issue(current_user, enrolment, override_reason=form.override_reason.data)
        except CertificateError as error:
            form.override_reason.errors.append(str(error))
        else:
            flash(_("Certificate %(serial)s issued to %(code)s.", serial=certificate.serial,
                    code=enrolment.participant.code), "ok")
            return redirect(url_for("certificates.batch", batch_id=enrolment.batch_id))
    return render_template("certificates/issue.html", enrolment=enrolment, standing=standing, form=form,
                           problem=eligibility.batch_problem(enrolment.batch)), (400 if form.errors else 200)


@bp.route("/certificates/<int:certificate_id>.pdf")
@role_required(*ALL_ROLES)
def download(certificate_id):
    certificate = queries.certificate_for(current_user, certificate_id)
    try:
        data = services.download(current_user, certificate)
    except CertificateError as error:
        abort(404, str(error))
    return _pdf(data, f"{certificate.serial}.pdf")


@bp.route("/certificates/<int:certificate_id>/revoke", methods=["GET", "POST"])
@role_required(Role.MASTER_TRAINER)
def revoke(certificate_id):
    certificate = queries.certificate_for(current_user, certificate_id)
    form = RevokeForm()
    if request.method == "GET":
        audit.record(current_user, "certificate_viewed", "certificate", certificate.id, details={"page": "revoke"},
                     commit=True)
    if form.validate_on_submit():
        try:
            services.revoke(current_user, certificate, form.reason.data)
        except CertificateError as error:
            form.reason.errors.append(str(error))
        else:
            flash(_("Certificate %(serial)s revoked.", serial=certificate.serial), "ok")
            return redirect(url_for("certificates.batch", batch_id=certificate.batch_id))
    return render_template("certificates/revoke.html", certificate=certificate, form=form), (
        400 if form.errors else 200)


def _confirm(certificate_id, action: str):
    """Reissue and withdraw: a page that says what will happen, then one POST."""
    certificate = queries.certificate_for(current_user, certificate_id)
    form = ConfirmForm()
    error = None
    if request.method == "GET":
        audit.record(current_user, "certificate_viewed", "certificate", certificate.id, details={"page": action},
                     commit=True)
    if form.validate_on_submit():
        try:
            if action == "reissue":
                new = services.reissue(current_user, certificate)
                flash(_("Certificate %(old)s replaced by %(new)s.", old=certificate.serial, new=new.serial),
                      "ok")
            else:
                services.withdraw(current_user, certificate)
                flash(_("Certificate %(serial)s withdrawn.", serial=certificate.serial), "ok")
        except CertificateError as problem:
            error = str(problem)
        else:
            return redirect(url_for("certificates.batch", batch_id=certificate.batch_id))
    current_name = certificate.participant.full_name if certificate.participant else ""
    return render_template("certificates/confirm.html", certificate=certificate, form=form, action=action,
                           error=error, current_name=current_name), (400 if error else 200)


@bp.route("/certificates/<int:certificate_id>/reissue", methods=["GET", "POST"])
@role_required(Role.MASTER_TRAINER)
def reissue(certificate_id):
    return _confirm(certificate_id, "reissue")


@bp.route("/certificates/<int:certificate_id>/withdraw", methods=["GET", "POST"])
@role_required(Role.MASTER_TRAINER)
def withdraw(certificate_id):
    return _confirm(certificate_id, "withdraw")


# --- the public verify page --------------------------------------------------------------------

def _rate_limit() -> None:
    if not verification.allow_verify(client_address()):
        abort(429)


def _look_up(code: str, serial: str | None = None):
    """The certificate a verifier asked for, or None; 429 once their address is over its limit."""
    allowed, certificate = verification.lookup(code, client_address(), serial=serial)
    if not allowed:
        abort(429)
    return certificate


def _not_found(code: str | None = None, serial: str | None = None):
    """The one answer for every unknown code, whatever its shape, unless a higher module knows
    the code (verification_requested: a facilitator's credential) and answers with its own page."""
    if code:
        for _receiver, page in verification_requested.send(code, serial=serial):
            if page is not None:
                return page
    return render_template("certificates/not_found.html"), 404


def _result(certificate, form: NameForm, outcome=None):
    """The verify page is bilingual, as the certificate is: the visitor's language first (the
    training's name and the dates), the other one under it."""
    first, second = ("bn", "en") if bangla() else ("en", "bn")
    trainings = {"en": TRAINING, "bn": TRAINING_BN}
    return render_template("certificates/verify_result.html", certificate=certificate, form=form, outcome=outcome,
                           training=trainings[first], training_other=trainings[second],
                           languages=(first, second), long_date=long_date)


@bp.route("/verify")
@public
def verify():
    form = VerifyForm(request.args)
    if not request.args:
        return render_template("certificates/verify.html", form=form)
    if not form.validate():
        _rate_limit()
        return render_template("certificates/verify.html", form=form), 400
    certificate = _look_up(form.code.data, serial=form.serial.data)
    if certificate is None:
        return _not_found(form.code.data, form.serial.data)
    return _result(certificate, NameForm(formdata=None))


@bp.route("/verify/<path:code>", methods=["GET", "POST"])
@public
def verify_code(code):
    certificate = _look_up(code)
    if certificate is None:
        return _not_found(code)
    form = NameForm()
    outcome = None
    if request.method == "POST":
        if not form.validate_on_submit():
            return _result(certificate, form), 400
        outcome = verification.check_name(certificate, form.name.data, client_address())
    return _result(certificate, form, outcome)
