from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, RadioField, SelectField, SelectMultipleField
from wtforms.validators import DataRequired, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from edt.forms import DayField, LineField
from edt.modules.participants.models import IncomeRange, WorkKind

from .models import RECORDED, Category, LoanSource, Method, Need, SupportKind

BANGLA_DIGITS = str.maketrans("০১২৩৪৫৬৭৮৯", "0123456789")
YES_NO = [("yes", _l("Yes")), ("no", _l("No"))]


def whole_number(text: str | None) -> int | None:
    """'১২', '12', ' 1,200 ' -> int; '' -> None; anything else -> ValueError."""
    text = (text or "").translate(BANGLA_DIGITS).replace(",", "").strip()
    if not text:
        return None
    if not text.isdigit() or len(text) > 9:
        raise ValueError(text)
    return int(text)


def yes_no(value: str | None) -> bool | None:
    return {"yes": True, "no": False}.get(value or "")


class Checkboxes(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class VisitForm(FlaskForm):
    """One visit, mostly taps. Only "what happened" is needed for a visit that did not take place."""

    status = RadioField(_l("What happened?"), choices=[(s.value, s.label) for s in RECORDED], default="done",
                        validators=[DataRequired(_l("Choose what happened."))])
    method = RadioField(_l("How did you meet?"), choices=Method.choices(), validators=[Optional()])
    consent_confirmed = BooleanField(_l("They agree again that we keep these answers"))
    works_now = RadioField(_l("Work now"), choices=WorkKind.choices(), validators=[Optional()])
    business_started = RadioField(_l("Started a business?"), choices=YES_NO, validators=[Optional()])
    trade = LineField(_l("Which trade?"), validators=[Optional(), Length(max=80)])
    still_running = RadioField(_l("Is it still running?"), choices=YES_NO, validators=[Optional()])
    income_range = RadioField(_l("Monthly income now"), choices=IncomeRange.choices(), validators=[Optional()])
    days_worked = LineField(_l("Days worked in the last 30 days"), validators=[Optional(), Length(max=4)],
                              render_kw={"inputmode": "numeric", "autocomplete": "off"})
    savings = RadioField(_l("Saving money?"), choices=YES_NO, validators=[Optional()])
    loan_source = RadioField(_l("Loan taken since the last visit"), choices=LoanSource.choices(),
                             validators=[Optional()])
    support_since = Checkboxes(_l("Support received since the last visit"), choices=SupportKind.choices(),
                               validators=[Optional()])
    needs = Checkboxes(_l("What they need now"), choices=Need.choices(), validators=[Optional()])
    needs_note = LineField(_l("Need, in their words (optional)"), validators=[Optional(), Length(max=300)])
    next_step = LineField(_l("Next step (optional)"), validators=[Optional(), Length(max=300)])

    def answers(self) -> dict:
        """The answers as the service takes them (raises ValueError for days that are not a number)."""
        return {"works_now": self.works_now.data, "business_started": yes_no(self.business_started.data),
                "trade": self.trade.data, "still_running": yes_no(self.still_running.data),
                "income_range": self.income_range.data, "days_worked": whole_number(self.days_worked.data),
                "savings": yes_no(self.savings.data), "loan_source": self.loan_source.data,
                "support_since": self.support_since.data, "needs": self.needs.data,
                "needs_note": self.needs_note.data, "next_step": self.next_step.data}


class NotReachedForm(FlaskForm):
    """The due list's one-tap "not reached": nothing but the CSRF token."""


class SupportForm(FlaskForm):
    kind = SelectField(_l("Support given"), choices=[("", _l("Choose…")), *SupportKind.choices()],
                       validators=[DataRequired(_l("Choose what support was given."))])
    given_on = DayField(_l("Date (empty = today)"), validators=[Optional()])
    note = LineField(_l("Note (optional)"), validators=[Optional(), Length(max=200)])


class EntryForm(FlaskForm):
    category = RadioField(_l("What for?"), choices=Category.choices(),
                          validators=[DataRequired(_l("Tap a picture to choose what the money was for."))])
    amount = LineField(_l("How much (Taka)?"), validators=[DataRequired(_l("Write the amount in Taka, like 500 or ৫০০.")),
                                                              Length(max=14)],
                         render_kw={"inputmode": "numeric", "autocomplete": "off"})
    on = DayField(_l("Day (empty = today)"), validators=[Optional()])


class ShareForm(FlaskForm):
    shared = BooleanField(_l("Share my monthly totals with my facilitator"))


class DeleteEntryForm(FlaskForm):
    """Deleting a line of one's own book: the CSRF token is the whole form."""


class OutcomeFilterForm(FlaskForm):
    class Meta:
        csrf = False

    cohort = SelectField(_l("Cohort"), validators=[Optional()], default="")

    def __init__(self, *args, cohorts=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.cohort.choices = [("", _l("All cohorts"))] + [(c, c) for c in cohorts]
