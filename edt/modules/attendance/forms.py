"""The attendance form has one row per person, so it is read from request.form by
services.parse_entries; this class only carries the CSRF token."""
from flask_wtf import FlaskForm


class AttendanceForm(FlaskForm):
    pass
