"""Fields shared by the forms of every module.

DayField is the one date field of the app: every date a page accepts (filters sent by GET and
forms sent by POST) goes through it, so a typing mistake gets a plain message and a date outside
FIRST_DAY..LAST_DAY (year 1, year 9999, the day after the last one Python can hold) is refused
next to its field with a 400 before any filter or rule computes with it. Services keep their own,
narrower windows (a batch starts within a year of today, a consent date is not in the future).
"""
from datetime import date

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import DateField
from wtforms.validators import ValidationError

DATE_MESSAGE = _l("Give a date, for example 2026-03-14.")
FIRST_DAY = date(2000, 1, 1)
LAST_DAY = date(2100, 12, 31)


class DayField(DateField):
    """A date between `first` and `last` (2000-01-01 and 2100-12-31 unless a field says otherwise),
    whose complaints are in plain words. Browsers get the same bounds as min and max."""

    def __init__(self, label=None, validators=None, *, first: date = FIRST_DAY, last: date = LAST_DAY, **kwargs):
        kwargs["render_kw"] = {"min": first.isoformat(), "max": last.isoformat(), **(kwargs.get("render_kw") or {})}
        super().__init__(label, validators, **kwargs)
        self.first, self.last = first, last

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError:
            self.data = None
            raise ValueError(str(DATE_MESSAGE)) from None

    def pre_validate(self, form):
        if self.data is not None and not self.first <= self.data <= self.last:
            raise ValidationError(_("Give a date between %(first)s and %(last)s.", first=self.first.isoformat(),
                               last=self.last.isoformat()))
