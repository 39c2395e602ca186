from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectField
from wtforms.validators import DataRequired, Optional

from edt.forms import DayField
from edt.places import DISTRICT_CHOICES

from .queries import Filter
from .services import PURPOSES

FILE_CHOICES = [("xlsx", _l("Excel workbook: every table")), ("participants", _l("CSV: participants")),
                ("attendance", _l("CSV: attendance")), ("canvases", _l("CSV: business plans")),
                ("certificates", _l("CSV: certificates"))]


class FilterForm(FlaskForm):
    """The report filter, sent by GET so a filtered page can be bookmarked and its exports linked."""

    class Meta:
        csrf = False

    start_from = DayField(_l("Batches starting from"), validators=[Optional()])
    start_to = DayField(_l("until"), validators=[Optional()])
    district = SelectField(_l("District"), choices=[("", _l("All districts"))] + DISTRICT_CHOICES,
                           validators=[Optional()], default="")
    partner = SelectField(_l("Partner"), validators=[Optional()], default="")

    def __init__(self, *args, partners: dict[int, str] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.partner.choices = [("", _l("All partners"))] + [(str(k), v) for k, v in (partners or {}).items()]

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        if ok and self.start_from.data and self.start_to.data and self.start_from.data > self.start_to.data:
            self.start_to.errors.append(str(_l("The end of the range comes before its start.")))
            ok = False
        return ok

    def to_filter(self) -> Filter:
        """The filter of a validated form (blank fields, spaces included, mean "all")."""
        partner = (self.partner.data or "").strip()
        return Filter(start_from=self.start_from.data, start_to=self.start_to.data,
                      district=(self.district.data or "").strip(),
                      partner_id=int(partner) if partner.isdigit() else None)

    def first_error(self) -> str:
        for field in self:
            if field.errors:
                return f"{field.label.text}: {field.errors[0]}"
        return ""


class NamesForm(FlaskForm):
    """A master trainer's export with names: what, why, and a tick to confirm."""

    file = SelectField(_l("File"), choices=FILE_CHOICES, default="xlsx")
    purpose = SelectField(_l("Why are the names needed?"),
                          choices=[("", _l("Choose…"))] + list(PURPOSES),
                          validators=[DataRequired(_l("Choose why the names are needed."))])
    confirm = BooleanField(_l("I will keep this file safe, share it with nobody who does not need it, and delete "
                              "it when the work is done."),
                           validators=[DataRequired(_l("Tick to confirm you will keep the file safe."))])
