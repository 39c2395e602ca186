from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, HiddenField, IntegerField, SelectField, SelectMultipleField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from edt.forms import DATE_MESSAGE, DayField, LineField
from edt.places import DISTRICT_CHOICES

WEEKDAYS = [("0", _l("Monday")), ("1", _l("Tuesday")), ("2", _l("Wednesday")), ("3", _l("Thursday")),
            ("4", _l("Friday")), ("5", _l("Saturday")), ("6", _l("Sunday"))]
LANGUAGE_CHOICES = [("bn", "বাংলা (Bangla)"), ("en", "English")]
REASON_CHOICES = [("work", _l("Found work")), ("moved", _l("Moved away")), ("health", _l("Health")),
                  ("family", _l("Family or care duties")), ("unreachable", _l("Could not be reached")),
                  ("other", _l("Other reason"))]


class MultiCheckboxField(SelectMultipleField):
    """Checkboxes instead of a multi-select: easier on a phone, and works without JavaScript."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class BatchForm(FlaskForm):
    partner_id = SelectField(_l("Partner organisation"), coerce=int)
    district = SelectField(_l("District"), choices=[("", _l("The partner's district"))] + DISTRICT_CHOICES,
                           validators=[Optional()])
    venue = LineField(_l("Venue"), validators=[Optional(), Length(max=160)])
    start_date = DayField(_l("First day"), validators=[InputRequired(DATE_MESSAGE)])
    off_days = MultiCheckboxField(_l("Weekly off days"), choices=WEEKDAYS, default=["4"])
    language = SelectField(_l("Language"), choices=LANGUAGE_CHOICES, default="bn")
    capacity = IntegerField(_l("Capacity"), default=25,
                            validators=[InputRequired(_l("Give the number of places.")),
                                        NumberRange(1, 60, _l("Between 1 and 60 people."))])
    master_trainer_id = SelectField(_l("Master trainer"), coerce=int)
    facilitator_ids = MultiCheckboxField(_l("Facilitators"), coerce=int)
    lapse_reason = LineField(_l("Reason, if a chosen facilitator's credential has lapsed"),
                               validators=[Optional(), Length(max=200)])
    clash_ok = HiddenField(default="", validators=[Optional(), Length(max=32)])  # BookingClash's token, once asked


class BatchEditForm(FlaskForm):
    venue = LineField(_l("Venue"), validators=[Optional(), Length(max=160)])
    off_days = MultiCheckboxField(_l("Weekly off days"), choices=WEEKDAYS)
    language = SelectField(_l("Language"), choices=LANGUAGE_CHOICES)
    capacity = IntegerField(_l("Capacity"), validators=[InputRequired(_l("Give the number of places.")),
                                                        NumberRange(1, 60, _l("Between 1 and 60 people."))])
    master_trainer_id = SelectField(_l("Master trainer"), coerce=int)
    facilitator_ids = MultiCheckboxField(_l("Facilitators"), coerce=int)
    lapse_reason = LineField(_l("Reason, if a chosen facilitator's credential has lapsed"),
                               validators=[Optional(), Length(max=200)])
    clash_ok = HiddenField(default="", validators=[Optional(), Length(max=32)])  # BookingClash's token, once asked


class MoveDayForm(FlaskForm):
    date = DayField(_l("New date"), validators=[InputRequired(DATE_MESSAGE)])
    shift_following = BooleanField(_l("Move the later days as well, to the next working days"))
    confirmed = HiddenField(default="", validators=[Optional(), Length(max=32)])  # the token of the plan previewed


class UndoMoveForm(FlaskForm):
    clash_ok = HiddenField(default="", validators=[Optional(), Length(max=32)])


class EnrolForm(FlaskForm):
    participant_ids = MultiCheckboxField(_l("Participants not yet in a batch"), coerce=int, validators=[Optional()])
    codes = LineField(_l("Or type participant codes"), validators=[Optional(), Length(max=2000)],
                        render_kw={"placeholder": "KHU-2026-0042, KHU-2026-0043", "autocapitalize": "characters"})


class DropForm(FlaskForm):
    on = DayField(_l("Last day they came or the date they left"), validators=[InputRequired(DATE_MESSAGE)])
    reason = SelectField(_l("Reason"), choices=REASON_CHOICES)


class TransferForm(FlaskForm):
    batch_id = SelectField(_l("New batch"), coerce=int)
    on = DayField(_l("Date of the transfer"), validators=[InputRequired(DATE_MESSAGE)])


class HolidayForm(FlaskForm):
    date = DayField(_l("Date"), validators=[InputRequired(DATE_MESSAGE)])
    name = LineField(_l("Name"), validators=[DataRequired(_l("Give the holiday a name.")), Length(max=80)],
                       render_kw={"placeholder": "Victory Day"})
    lunar = BooleanField(_l("Lunar date: check locally, it depends on the moon sighting"))


class ImportForm(FlaskForm):
    file = FileField(_l("Roster file (CSV)"), render_kw={"accept": ".csv,text/csv"})
    partner_id = SelectField(_l("Partner organisation"), coerce=int)
    batch_id = SelectField(_l("Enrol them into a batch (optional)"), coerce=int, validators=[Optional()])


class ImportConfirmForm(FlaskForm):
    """Second step when duplicates were flagged: the checked file travels back with the choices."""

    csv_text = HiddenField()
    partner_id = HiddenField()
    batch_id = HiddenField()
