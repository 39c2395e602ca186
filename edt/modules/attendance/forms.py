"""The attendance form: one row per person, read from request.form by parse_entries (the
AttendanceForm class only carries the CSRF token)."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm

from .services import AttendanceError, Entry


class AttendanceForm(FlaskForm):
    pass


def parse_entries(form, enrolment_ids: list[int] | None = None) -> list[Entry]:
    """Read the attendance form: `s-<id>` status, `n-<id>` note, `ws-<id>`/`wn-<id>` what the page
    showed, `pf-<id>` = 1 when "mark all present" pre-filled the status. Rows are listed in
    `row` fields so an unticked person is still known to be on the form."""
    entries = []
    for raw in form.getlist("row"):
        try:
            enrolment_id = int(raw)
        except (TypeError, ValueError):
            raise AttendanceError(_l("The form was damaged. Reload the page and try again.")) from None
        status = form.get(f"s-{enrolment_id}") or None
        entries.append(Entry(enrolment_id=enrolment_id, status=status,
                             note=" ".join((form.get(f"n-{enrolment_id}") or "").split()),
                             was_status=form.get(f"ws-{enrolment_id}") or "",
                             was_note=" ".join((form.get(f"wn-{enrolment_id}") or "").split()),
                             prefilled=form.get(f"pf-{enrolment_id}") == "1"))
    if not entries:
        raise AttendanceError(_l("Nobody is on this form. Reload the page and try again."))
    return entries
