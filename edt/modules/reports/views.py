"""Report pages and exports.

The dashboard and its exports are for master trainers; a batch report and its exports for the
batch's facilitators and every master trainer (through the batches module's scoped getter).
Filters travel in the URL, so every export link carries exactly the filter of the page it is on.
"""
from flask import Blueprint, Response, abort, render_template, request, send_file, stream_with_context
from flask_login import current_user

from edt.clock import today
from edt.modules.batches.queries import batch_for
from edt.modules.followup import queries as followup_queries
from edt.security import STAFF, Role, role_required

from . import cache, queries, services, suppression
from .forms import FilterForm, NamesForm
from .queries import Filter

bp = Blueprint("reports", __name__, url_prefix="/reports")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _batch(batch_id: int):
    """The batch through the batches module's scoped getter (404, audited, when out of reach; the
    <int> converter already answers 404 to ids no INTEGER column can hold)."""
    return batch_for(current_user, batch_id)


def _filter_form() -> tuple[FilterForm, dict]:
    partners = queries.partner_names()
    return FilterForm(request.args, partners=partners), partners


def _filter_or_400() -> Filter:
    form, _partners = _filter_form()
    if not form.validate():
        abort(400, form.first_error())
    return form.to_filter()


def _send(filename: str, stream, fmt: str) -> Response:
    if fmt == "csv":
        response = Response(stream_with_context(stream), mimetype="text/csv")
    else:
        response = send_file(stream, mimetype=XLSX, as_attachment=True, download_name=filename, etag=False,
                             conditional=False, max_age=0)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _export(flt: Filter, fmt: str, kind: str, **kwargs) -> Response:
    try:
        filename, stream = services.export(current_user, flt, fmt, kind, **kwargs)
    except services.ReportError as error:
        abort(400, str(error))
    return _send(filename, stream, fmt)


# --- the dashboard (master trainers) -----------------------------------------------------------

@bp.route("/")
@role_required(Role.MASTER_TRAINER)
def dashboard():
    form, partners = _filter_form()
    if request.args and not form.validate():
        return render_template("reports/dashboard.html", form=form, board=None), 400
    flt = form.to_filter()
    limit = suppression.threshold()
    # Kept between requests while no record behind a figure changes (cache.py); the dashboard
    # covers every batch for every master trainer, so who asks is not part of the key.
    outcomes, _cohorts = cache.kept("outcomes", (limit,), lambda: followup_queries.outcomes(today(), limit=limit))
    board = cache.kept("dashboard", (flt, limit, tuple(partners.items())),
                       lambda: services.dashboard(current_user, flt, partners))
    return render_template("reports/dashboard.html", form=form, board=board, args=flt.args(), kinds=services.KINDS,
                           limit=limit, outcomes=outcomes)


@bp.route("/export.csv")
@role_required(Role.MASTER_TRAINER)
def export_csv():
    return _export(_filter_or_400(), "csv", request.args.get("kind", "summary"))


@bp.route("/export.xlsx")
@role_required(Role.MASTER_TRAINER)
def export_xlsx():
    return _export(_filter_or_400(), "xlsx", "all")


@bp.route("/export/names", methods=["GET", "POST"])
@role_required(Role.MASTER_TRAINER)
def export_names():
    """Names only after choosing why and confirming; the POST answers with the file itself."""
    flt = _filter_or_400()
    form = NamesForm()
    if form.validate_on_submit():
        choice = form.file.data
        fmt, kind = ("xlsx", "all") if choice == "xlsx" else ("csv", choice)
        return _export(flt, fmt, kind, names=True, purpose=form.purpose.data)
    return render_template("reports/names.html", form=form, flt=flt, args=flt.args(),
                           partners=queries.partner_names()), (400 if form.errors else 200)


# --- a batch report (its facilitators and master trainers) --------------------------------------

@bp.route("/batch/<int:batch_id>")
@role_required(*STAFF)
def batch(batch_id):
    found = _batch(batch_id)
    return render_template("reports/batch.html", report=services.batch_report(current_user, found),
                           kinds=services.KINDS, limit=suppression.threshold())


@bp.route("/batch/<int:batch_id>/export.csv")
@role_required(*STAFF)
def batch_csv(batch_id):
    found = _batch(batch_id)
    return _export(Filter(batch_id=found.id), "csv", request.args.get("kind", "summary"), batch=found)


@bp.route("/batch/<int:batch_id>/export.xlsx")
@role_required(*STAFF)
def batch_xlsx(batch_id):
    found = _batch(batch_id)
    return _export(Filter(batch_id=found.id), "xlsx", "all", batch=found)
