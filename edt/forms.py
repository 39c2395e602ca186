"""Fields and forms shared by every module.

ConfirmForm is the one form of a one-button action (its CSRF token and nothing else). LineField is
the one single-line text field: it refuses line breaks and control characters. NumberField
reads numbers typed in Latin or Bangla digits through Babel's parse_decimal (a browser's
type=number refuses Bangla digits). partner_choices() builds the partner list of every form that
asks for one.

DayField is the one date field of the app: every date a page accepts (filters sent by GET and
forms sent by POST) goes through it, so a typing mistake gets a plain message and a date outside
FIRST_DAY..LAST_DAY (year 1, year 9999, the day after the last one Python can hold) is refused
next to its field with a 400 before any filter or rule computes with it. Services keep their own,
narrower windows (a batch starts within a year of today, a consent date is not in the future).
"""
import re
from datetime import date

from babel.numbers import NumberFormatError, parse_decimal
from flask_babel import get_translations
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, StringField
from wtforms.validators import ValidationError

DATE_MESSAGE = _l("Give a date, for example 2026-03-14.")


def N_(text: str) -> str:  # noqa: N802  (marks a string for extraction; gettext runs later)
    return text


# WTForms' own messages, which WTForms ships in no Bangla: listed here so `make catalog` extracts
# them into our catalog, and read from it by WTFormsTranslations (installed by init_app).
WTFORMS_MESSAGES = (
    N_("This field is required."), N_("Invalid input."), N_("Not a valid choice."),
    N_("Not a valid integer value."), N_("Not a valid decimal value."), N_("Not a valid float value."),
    N_("Not a valid date value."), N_("Not a valid datetime value."), N_("Not a valid time value."),
    N_("Invalid Choice: could not coerce."), N_("Invalid choice(s): one or more data inputs could not be coerced."),
    N_("Invalid email address."), N_("Invalid URL."), N_("Invalid value, must be one of: %(values)s."),
    N_("Number must be at least %(min)s."), N_("Number must be at most %(max)s."),
    N_("Number must be between %(min)s and %(max)s."), N_("Field must be equal to %(other_name)s."),
    N_("Field must be between %(min)d and %(max)d characters long."),
)


def _wtforms_plurals(ngettext):  # never called: shows WTForms' plural messages to `make catalog`
    return [ngettext("Field must be at least %(min)d character long.",
                     "Field must be at least %(min)d characters long.", 1),
            ngettext("Field cannot be longer than %(max)d character.",
                     "Field cannot be longer than %(max)d characters.", 1),
            ngettext("Field must be exactly %(max)d character long.",
                     "Field must be exactly %(max)d characters long.", 1)]


class WTFormsTranslations:
    """WTForms' translations object, reading our catalog (the reader's or forced language) and
    leaving unknown messages in English. Flask-WTF would look for a Bangla WTForms catalog,
    which does not exist."""

    def gettext(self, string):
        return get_translations().ugettext(string)

    def ngettext(self, singular, plural, n):
        return get_translations().ungettext(singular, plural, n)


def init_app(app) -> None:
    """Every FlaskForm reads WTForms' messages from our catalog: Flask-WTF's FlaskForm.Meta hands
    WTForms the module-level `translations` of flask_wtf.form, replaced here once."""
    import flask_wtf.form
    flask_wtf.form.translations = WTFormsTranslations()
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


class ConfirmForm(FlaskForm):
    """A form with nothing but its CSRF token, for one-button actions."""


def partner_choices(user, partners, *, empty=None) -> list[tuple[int, str]]:
    """The partner organisations `user` may choose in a form: every partner (after an `empty`
    first choice such as "Choose…") for a master trainer, only their own for a facilitator."""
    if not getattr(user, "is_master_trainer", False):
        return [(user.partner_id, user.partner.name if user.partner else "")]
    return ([(0, empty)] if empty is not None else []) + [(p.id, f"{p.name} ({p.district})") for p in partners]


# --- numbers -------------------------------------------------------------------------------------

# Digits of any script (Python's \d: Latin and Bangla alike), at most two after the point, once
# the currency word and the group separators are gone.
NUMBER = re.compile(r"^\d+(\.\d{1,2})?$")
CURRENCY = re.compile(r"^(tk\.?|৳|taka|টাকা)\s*|\s*(tk\.?|৳|taka|টাকা)$", re.I)
MONEY_MAX = 100_000_000  # ten crore Taka: well beyond any plan here, small enough to catch typos


def parse_number(text: str | None):
    """'১,২০০', '1200', 'Tk 1,200.50' -> Decimal; '' -> None; anything else -> ValueError.
    Babel reads the digits of either script; the pattern keeps out what Decimal would also
    accept (1e5, NaN, a minus sign, three decimals)."""
    text = CURRENCY.sub("", (text or "").strip())
    text = text.replace(" ", "").replace("\u00a0", "")
    if text == "":
        return None
    if text.startswith("-"):
        raise ValueError(_l("Write 0 or more: amounts cannot be negative."))
    if not NUMBER.match(text.replace(",", "")):
        raise ValueError(_l("Write a number, like 1200 or ১২০০ (at most 2 digits after the point)."))
    try:
        return parse_decimal(text, locale="en")
    except NumberFormatError as error:  # pragma: no cover - the pattern above already guards
        raise ValueError(_l("Write a number, like 1200 or ১২০০.")) from error


# What a one-line box never holds: line breaks (also Unicode's NEL, line and paragraph separators),
# tabs and the other control characters. A pasted "name\nsomething else" is refused, not stored.
NOT_ONE_LINE = re.compile(r"[\x00-\x1f\x7f\x85\u2028\u2029]")


class LineField(StringField):
    """The one single-line text field of the app (names, venues, titles, codes, short notes):
    refuses line breaks and control characters with a message next to the field. Every
    StringField of a form is a LineField (tests/core/test_single_line.py keeps it so)."""

    def pre_validate(self, form):
        if isinstance(self.data, str) and NOT_ONE_LINE.search(self.data):
            raise ValidationError(_("Write this on one line, without line breaks or invisible characters."))


class NumberField(StringField):
    """A text box for numbers typed in Latin or Bangla digits. `data` is a float, or None when
    left empty; `maximum` and `whole` refuse a typo next to the field."""

    def __init__(self, label=None, validators=None, *, maximum=MONEY_MAX, whole=False, **kwargs):
        kwargs.setdefault("render_kw", {}).update({"inputmode": "numeric" if whole else "decimal",
                                                    "autocomplete": "off", "class": "num"})
        super().__init__(label, validators, **kwargs)
        self.maximum, self.whole = maximum, whole

    def process_formdata(self, valuelist):
        if not valuelist:
            return
        self.raw = valuelist[0]
        number = parse_number(valuelist[0])  # ValueError -> shown next to the field
        if number is not None and number > self.maximum:
            raise ValueError(_l("This number is too big (at most %(max)s).", max=f"{self.maximum:,}"))
        if number is not None and self.whole and number != number.to_integral_value():
            raise ValueError(_l("Write a whole number."))
        self.data = None if number is None else float(number)

    def _value(self):
        if getattr(self, "raw", None) is not None:
            return self.raw
        if self.data is None:
            return ""
        return f"{self.data:.2f}".rstrip("0").rstrip(".")
