"""Forms of the trainers module. The observation form is built from the rubric (data in
facilitator_guide/assessments/observation-rubric.yaml): one row of four scores and a note per
criterion, so a new criterion in the file needs no code."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import IntegerField, RadioField, SelectField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from edt.forms import DATE_MESSAGE, DayField, LineField
from edt.modules.batches.forms import MultiCheckboxField

from .models import NOTE_LENGTH, REASON_LENGTH, CredentialStatus, TotKind, criterion_field


class TotForm(FlaskForm):
    title = LineField(_l("Title"), validators=[DataRequired(_l("Give the training a title.")), Length(max=120)],
                        render_kw={"placeholder": "ToT Khulna, March"})
    kind = SelectField(_l("Kind"), choices=TotKind.choices(), default=TotKind.TOT)
    start_date = DayField(_l("First day"), validators=[InputRequired(DATE_MESSAGE)])
    days = IntegerField(_l("Number of days"), default=5,
                        validators=[InputRequired(_l("Give the number of days.")),
                                    NumberRange(1, 10, _l("Between 1 and 10 days."))])
    venue = LineField(_l("Venue"), validators=[Optional(), Length(max=160)])
    partner_ids = MultiCheckboxField(_l("Partner organisations"), coerce=int, validators=[Optional()])


class TraineesForm(FlaskForm):
    user_ids = MultiCheckboxField(_l("Facilitators"), coerce=int, validators=[Optional()])


class StatusForm(FlaskForm):
    status = SelectField(_l("New status"), choices=CredentialStatus.choices())
    reason = TextAreaField(_l("Reason"), validators=[Optional(), Length(max=REASON_LENGTH)],
                           description=_l("Needed for lapsed and withdrawn. Master trainers and the facilitator "
                                          "can read it; avoid health or family details."))


SCORES = [("1", "1"), ("2", "2"), ("3", "3"), ("4", "4")]


class ObservationBase(FlaskForm):
    observed_on = DayField(_l("Date of the session"), validators=[InputRequired(DATE_MESSAGE)])
    context = SelectField(_l("Where"), validators=[Optional()])
    session = LineField(_l("Session"), validators=[Optional(), Length(max=120)],
                          render_kw={"placeholder": "Day 5: costing and pricing"})
    note = TextAreaField(_l("Overall note for coaching"), validators=[Optional(), Length(max=1000)])


def observation_form(rubric, lang: str, **kwargs) -> ObservationBase:
    """An observation form with a score and a note for every criterion of `rubric`, labelled in
    `lang` (the rubric carries English and Bangla names)."""

    class ObservationForm(ObservationBase):
        pass

    for criterion in rubric.criteria:
        key = criterion_field(criterion.id)
        name = criterion.name_bn if lang == "bn" else criterion.name_en
        setattr(ObservationForm, f"score_{key}",
                RadioField(name, choices=SCORES, validators=[InputRequired(_l("Choose a score from 1 to 4."))]))
        setattr(ObservationForm, f"note_{key}",
                LineField(_l("Note"), validators=[Optional(), Length(max=NOTE_LENGTH)]))
    return ObservationForm(**kwargs)
