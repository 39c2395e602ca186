"""How numbers, money and dates read, on the pages and in the PDFs: one home for each format.

Everything goes through Flask-Babel, so the user's language (or the one a document forces with
`flask_babel.force_locale(batch.language)`) picks the month names, the digit grouping and the
digits themselves: in Bangla every number is written in Bengali digits (০-৯) with Bangladeshi
grouping (১,০০,০০০), money as "৳ ২,৫৩৫", dates as "২৬ নভেম্বর ২০২৬". BABEL_DEFAULT_TIMEZONE
(Asia/Dhaka, in the config) turns stored UTC instants into Bangladesh time. Codes and serials
(KHU-2026-0001, EDT-2026-000001) never pass through here: they stay Latin.

`init_app` makes each one a Jinja filter: `{{ amount|tk }}`, `{{ value|num }}`, `{{ share|pct }}`,
`{{ moment|when }}`, `{{ moment|clock }}`, `{{ date|day }}` (and `{{ date|day_tag }}`, the same in a
<time> element), `{{ text|digits }}` (the digits of a ready text, for the reader's language) and
`{{ value|bn_digits }}` (always Bengali: picture cards).
"""
import re
from datetime import date, datetime
from functools import lru_cache

from babel.dates import format_date as babel_format_date
from babel.numbers import format_decimal as babel_format_decimal
from flask import g
from flask_babel import format_date, format_datetime, format_decimal, get_locale, get_translations
from flask_babel import gettext as babel_gettext
from jinja2 import pass_context
from markupsafe import Markup, escape

from edt import money
from edt.content import bengali_digits

WHEN = "d MMM y, HH:mm"   # 22 Nov 2026, 14:05 (the month in the user's language)
DAY = "d MMM y"           # 22 Nov 2026
CLOCK = "HH:mm"           # 14:05, Bangladesh time


def language() -> str:
    """The language code of the page or document being written ("bn" or "en"): the reader's, or
    the one forced by `flask_babel.force_locale`. Called hundreds of times on a long page, so it
    reads the locale Flask-Babel keeps for the request before asking Flask-Babel (which chooses it
    once a request, or again inside `force_locale`)."""
    state = g.get("_flask_babel") if g else None
    locale = getattr(state, "babel_locale", None) or get_locale()
    return locale.language if locale is not None else "en"


def bangla() -> bool:
    """True when the page or document being written is in Bangla (the reader's language, or the
    one forced by `force_locale`)."""
    return language() == "bn"


# Each language's translation of each message, looked up once per worker: Flask-Babel's own
# lookup walks three request-context objects a call, and a long list page makes hundreds.
_TRANSLATED: dict[tuple[str, str], str] = {}
_TRANSLATED_MAX = 20_000  # the catalogs hold about 2,000 messages; a bound against odd callers


def translate(string: str) -> str:
    """`string` in the language of the page or document being written (Flask-Babel's catalog)."""
    key = (language(), string)
    text = _TRANSLATED.get(key)
    if text is None:
        if len(_TRANSLATED) >= _TRANSLATED_MAX:
            _TRANSLATED.clear()
        text = _TRANSLATED[key] = get_translations().ugettext(string)
    return text


def digits(value) -> str:
    """`value` as text, its ASCII digits written in Bengali when the reader's language is Bangla.
    For numbers already formatted (a version '26', a day '5', 'Page 1 of 4'); never for a code."""
    text = "" if value is None else str(value)
    return bengali_digits(text) if bangla() else text


def num(value, places: int = 1) -> str:
    """A number rounded to `places` decimals, without a trailing '.0', with the locale's grouping:
    '2.5', '12', '1,00,000' -> in Bangla '২.৫', '১২', '১,০০,০০০'. Negative numbers keep their '-'."""
    value = round(float(value or 0), places)
    return digits(format_decimal(int(value) if value == int(value) else value))


def tk(amount) -> str:
    """Whole Taka with the locale's digit grouping: 'Tk 1,867', in Bangla '৳ ১,৮৬৭'."""
    return babel_gettext("Tk %(amount)s", amount=digits(format_decimal(money.taka(amount or 0))))


def pct(value, places: int = 0) -> str:
    """A share already in percent (28.6 for 28.6 %) rounded to `places`: '29%', in Bangla '২৯%'."""
    return num(value, places) + "%"


def when(moment: datetime | None) -> str:
    """A stored instant as Bangladesh time: '22 Nov 2026, 14:05', in Bangla '২২ নভেম্বর ২০২৬, ১৪:০৫'.
    SQLite hands back naive datetimes; Flask-Babel reads those as UTC, which is what every DateTime
    column stores."""
    if moment is None:
        return ""
    return digits(format_datetime(moment, _pattern(WHEN)))


def clock(moment: datetime | None) -> str:
    """The time of a stored instant in Bangladesh: '14:05', in Bangla '১৪:০৫'."""
    if moment is None:
        return ""
    return digits(format_datetime(moment, CLOCK))


def day(value: date | None, pattern: str = DAY) -> str:
    """A calendar date (a training day, an issue date): '22 Nov 2026', in Bangla '২২ নভেম্বর ২০২৬'
    (Bangla months and weekdays are written out in full: their short forms read as cut words).
    A date is already Bangladesh's; a stored instant is first turned into Bangladesh time."""
    if value is None:
        return ""
    if type(value) is date:  # a calendar date needs no time zone: the same text every time
        return _date_text(language(), value, pattern)
    return digits(format_date(value, _pattern(pattern)))


@lru_cache(maxsize=4096)
def _date_text(code: str, value: date, pattern: str) -> str:
    """A calendar date as `day` writes it in language `code`, kept per worker (a list page writes
    the same few dates many times; Babel's formatting costs about 20 µs each)."""
    text = babel_format_date(value, _pattern(pattern, code), locale=code)
    return bengali_digits(text) if code == "bn" else text


def day_tag(value: date | None, pattern: str = DAY) -> Markup:
    """The date as `day` writes it, in a <time> element that carries the ISO date for machines."""
    if value is None:
        return Markup("")
    return Markup('<time datetime="%s">%s</time>') % (value.isoformat(), escape(day(value, pattern)))


def long_date(value: date, locale: str = "en") -> str:
    """'3 March 2026' / '৩ মার্চ ২০২৬' in `locale`, whatever the page's language: the certificate
    prints both of its languages and stays the same when reprinted."""
    text = babel_format_date(value, "d MMMM y", locale=locale)
    return bengali_digits(text) if locale == "bn" else text


def bn_digits(value) -> str:
    """A number in Bengali digits with Bangladeshi grouping (১,০০,০০০), whatever the reader's
    language (picture cards are in Bangla). Babel groups; it writes Latin digits only, so the
    digits are mapped. Text passes through with its digits mapped."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        value = babel_format_decimal(value, locale="bn")
    return bengali_digits(value)


def _numbers_in_digits(text: str, variables: dict) -> tuple[str, dict]:
    """In Bangla, the numbers among a message's variables written in Bengali digits: `%(n)d`
    becomes `%(n)s` and n its digits ('দিন ৫', not 'দিন 5'). Text variables (codes, names) are
    left alone. In English nothing changes."""
    if not bangla():
        return text, variables
    out = {}
    for name, value in variables.items():
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            text = re.sub(r"%\(" + re.escape(name) + r"\)[dis]", "%(" + name + ")s", text)
            value = digits(value)
        out[name] = value
    return text, out


def gettext(string: str, **variables) -> str:
    """Flask-Babel's gettext with the numbers among `variables` in the reader's digits; for Python
    code (PDFs, flashed messages) that writes numbers a participant reads."""
    text, variables = _numbers_in_digits(translate(string), variables)
    return text % variables if variables else text


def ngettext(singular: str, plural: str, n: int, **variables) -> str:
    """Flask-Babel's ngettext with its count (`num`) and other numbers in the reader's digits."""
    variables.setdefault("num", n)
    text, variables = _numbers_in_digits(get_translations().ungettext(singular, plural, n), variables)
    return text % variables


@pass_context
def _template_gettext(context, string: str, **variables):
    """Jinja's `_`/`gettext` (newstyle, as Flask-Babel installs it), numbers in the reader's digits."""
    text = translate(string)
    if variables:
        text, variables = _numbers_in_digits(text, variables)
    if context.eval_ctx.autoescape:
        text = Markup(text)  # nosec B704  # our own catalog's text, as Jinja's newstyle gettext does; % escapes the variables
    return text % variables


@pass_context
def _template_ngettext(context, singular: str, plural: str, n: int, **variables):
    variables.setdefault("num", n)
    text, variables = _numbers_in_digits(get_translations().ungettext(singular, plural, n), variables)
    if context.eval_ctx.autoescape:
        text = Markup(text)  # nosec B704  # our own catalog's text, as Jinja's newstyle gettext does; % escapes the variables
    return text % variables


def _pattern(pattern: str, code: str | None = None) -> str:
    """In Bangla, months and weekdays written in full (নভেম্বর, বৃহস্পতিবার), not cut (নভে)."""
    if (code or language()) != "bn":
        return pattern
    if "MMMM" not in pattern:
        pattern = pattern.replace("MMM", "MMMM")
    if "EEEE" not in pattern:
        pattern = pattern.replace("EEE", "EEEE")
    return pattern


def init_app(app) -> None:
    for name, function in (("tk", tk), ("num", num), ("pct", pct), ("when", when), ("clock", clock),
                           ("day", day), ("day_tag", day_tag), ("digits", digits), ("bn_digits", bn_digits),
                           ("lang_of", lang_of)):
        app.add_template_filter(function, name)
    # The templates' gettext and ngettext: Flask-Babel's, with numbers in the reader's digits.
    app.jinja_env.globals.update(_=_template_gettext, gettext=_template_gettext, ngettext=_template_ngettext)


def lang_of(text) -> str:
    """'bn' for text written mostly in Bengali script, else 'en': for `lang` on a part of a page
    (a Bangla name on an English page, an English note on a Bangla one; WCAG 3.1.2)."""
    letters = [c for c in str(text or "") if c.isalpha()]
    bangla = sum(1 for c in letters if "\u0980" <= c <= "\u09ff")
    return "bn" if letters and bangla * 2 >= len(letters) else "en"
