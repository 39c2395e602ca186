"""How numbers, money and dates read, on the pages and in the PDFs: one home for each format.

Everything goes through Flask-Babel, so the user's language picks the month names and digit
grouping, and BABEL_DEFAULT_TIMEZONE (Asia/Dhaka, in the config) turns stored UTC instants into
Bangladesh time. `init_app` makes each one a Jinja filter: `{{ amount|tk }}`, `{{ value|num }}`,
`{{ moment|when }}`, `{{ date|day }}` (and `{{ date|day_tag }}`, the same in a <time> element).
"""
from datetime import date, datetime

from babel.dates import format_date as babel_format_date
from babel.numbers import format_decimal as babel_format_decimal
from flask_babel import format_date, format_datetime, format_decimal, gettext
from markupsafe import Markup, escape

from edt import money
from edt.content import bengali_digits

WHEN = "d MMM y, HH:mm"   # 22 Nov 2026, 14:05 (the month in the user's language)
DAY = "d MMM y"           # 22 Nov 2026


def tk(amount) -> str:
    """Whole Taka with the locale's digit grouping: 'Tk 1,867'."""
    return gettext("Tk %(amount)s", amount=format_decimal(money.taka(amount or 0)))


def num(value, places: int = 1) -> str:
    """A number rounded to `places` decimals, without a trailing '.0': '2.5', '12'."""
    value = round(float(value or 0), places)
    return format_decimal(int(value) if value == int(value) else value)


def bn_digits(value) -> str:
    """A number in Bengali digits with Bangladeshi grouping (১,০০,০০০), whatever the reader's
    language (picture cards are in Bangla). Babel groups; it writes Latin digits only, so the
    digits are mapped. Text passes through with its digits mapped."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        value = babel_format_decimal(value, locale="bn")
    return bengali_digits(value)


def when(moment: datetime | None) -> str:
    """A stored instant as Bangladesh time: '22 Nov 2026, 14:05'. SQLite hands back naive
    datetimes; Flask-Babel reads those as UTC, which is what every DateTime column stores."""
    if moment is None:
        return ""
    return format_datetime(moment, WHEN)


def day(value: date | None, pattern: str = DAY) -> str:
    """A calendar date (a training day, an issue date): '22 Nov 2026'. A date is already
    Bangladesh's; a stored instant is first turned into Bangladesh time."""
    if value is None:
        return ""
    return format_date(value, pattern)


def day_tag(value: date | None, pattern: str = DAY) -> Markup:
    """The date as `day` writes it, in a <time> element that carries the ISO date for machines."""
    if value is None:
        return Markup("")
    return Markup('<time datetime="%s">%s</time>') % (value.isoformat(), escape(day(value, pattern)))


def long_date(value: date, locale: str = "en") -> str:
    """'3 March 2026' in `locale`, whatever the reader's language: the certificate is printed in
    English for employers and stays the same when reprinted."""
    return babel_format_date(value, "d MMMM y", locale=locale)


def init_app(app) -> None:
    for name, function in (("tk", tk), ("num", num), ("when", when), ("day", day), ("day_tag", day_tag),
                           ("bn_digits", bn_digits), ("lang_of", lang_of)):
        app.add_template_filter(function, name)


def lang_of(text) -> str:
    """'bn' for text written mostly in Bengali script, else 'en': for `lang` on a part of a page
    (a Bangla name on an English page, an English note on a Bangla one; WCAG 3.1.2)."""
    letters = [c for c in str(text or "") if c.isalpha()]
    bangla = sum(1 for c in letters if "\u0980" <= c <= "\u09ff")
    return "bn" if letters and bangla * 2 >= len(letters) else "en"
