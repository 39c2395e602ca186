from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, IntegerField, PasswordField, SelectField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from edt.forms import DayField, LineField
from edt.places import DISTRICT_CHOICES

from .models import INTAKE_FIELDS, UNDISCLOSED, IncomeRange, IncomeSource, WorkKind


class PinForm(FlaskForm):
    pin = PasswordField(_l("New 6-digit PIN"), validators=[DataRequired(), Length(max=16)],
                        render_kw={"inputmode": "numeric", "autocomplete": "new-password"})


GENDER_CHOICES = [("woman", _l("Woman")), ("man", _l("Man")), ("other", _l("Other")),
                  ("undisclosed", _l("Prefers not to say"))]


class ParticipantForm(FlaskForm):
    """Short on purpose: only what the work needs, each field explained."""

    partner_id = SelectField(_l("Partner organisation"), coerce=int)
    full_name = LineField(_l("Full name"), validators=[DataRequired(_l("Write the participant's name.")),
                                                         Length(max=120)],
                            render_kw={"autocomplete": "off"})
    gender = SelectField(_l("Gender"), choices=GENDER_CHOICES)
    birth_year = IntegerField(_l("Birth year (optional)"),
                              validators=[Optional(), NumberRange(1930, 2020, _l("Write a year like 1994."))],
                              render_kw={"inputmode": "numeric"})
    district = SelectField(_l("District"), choices=DISTRICT_CHOICES)
    phone = LineField(_l("Phone (optional)"), validators=[Optional(), Length(max=20)],
                        render_kw={"inputmode": "tel", "autocomplete": "off"})
    consent_data_use = BooleanField(_l("They agreed that we keep this record"))
    consent_photos = BooleanField(_l("They agreed to appear in photos"))
    consent_date = DayField(_l("Date of the agreement (empty = today)"), validators=[Optional()])
    pin = PasswordField(_l("6-digit PIN (optional: set it later with them)"),
                        validators=[Optional(), Length(max=16)],
                        render_kw={"inputmode": "numeric", "autocomplete": "new-password"})


SKIP = ("", _l("Not asked"))
NOT_SAY = (UNDISCLOSED, _l("Prefers not to say"))


class IntakeMixin:
    """The optional baseline before the training, asked in private; every answer may be skipped."""

    intake_work = SelectField(_l("Work before the training"), choices=[SKIP, *WorkKind.choices(), NOT_SAY],
                              default="", validators=[Optional()])
    intake_income_source = SelectField(_l("Main income source"), choices=[SKIP, *IncomeSource.choices(), NOT_SAY],
                                       default="", validators=[Optional()])
    intake_income = SelectField(_l("Monthly income"), choices=[SKIP, *IncomeRange.choices(), NOT_SAY],
                                default="", validators=[Optional()])
    intake_household = LineField(_l("People in the household (optional)"), validators=[Optional(), Length(max=4)],
                                   render_kw={"inputmode": "numeric", "autocomplete": "off"})
    intake_business = SelectField(_l("Already runs a business"),
                                  choices=[SKIP, ("yes", _l("Yes")), ("no", _l("No")), NOT_SAY],
                                  default="", validators=[Optional()])

    def intake_values(self) -> dict:
        return {name: getattr(self, name).data for name in INTAKE_FIELDS}


class ParticipantIntakeForm(IntakeMixin, ParticipantForm):
    """Registration and correction: the record and its optional baseline."""
