from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField
from wtforms.validators import DataRequired, Length, Optional

from edt.forms import DayField, LineField


class AuditFilterForm(FlaskForm):
    """Filters of the audit page, sent by GET (nothing secret: codes and usernames)."""

    class Meta:
        csrf = False

    person = LineField(_l("Staff member (username or name)"), validators=[Optional(), Length(max=64)])
    code = LineField(_l("Participant code"), validators=[Optional(), Length(max=32)],
                       render_kw={"placeholder": "KHU-2026-0042", "autocapitalize": "characters"})
    action = SelectField(_l("Action"), validators=[Optional()])
    since = DayField(_l("From (date, Bangladesh time)"), validators=[Optional()])
    until = DayField(_l("To (date, Bangladesh time)"), validators=[Optional()])


class EraseForm(FlaskForm):
    code = LineField(_l("Type the participant's code to confirm"),
                       validators=[DataRequired(_l("Type the code shown above.")), Length(max=32)],
                       render_kw={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"})
