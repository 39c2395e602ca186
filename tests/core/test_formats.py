"""edt.formats: money, numbers and dates as the pages and PDFs write them, in both languages, with
stored UTC instants shown in Bangladesh time."""
from datetime import date, datetime, timezone

from flask_babel import force_locale

from edt import formats

# 20:30 UTC on 21 November is already 22 November, 02:30, in Dhaka (UTC+6).
LATE_EVENING_UTC = datetime(2026, 11, 21, 20, 30, tzinfo=timezone.utc)


def test_a_stored_instant_reads_in_bangladesh_time_whether_or_not_it_carries_its_zone(app):
    with app.test_request_context():
        assert formats.when(LATE_EVENING_UTC) == "22 Nov 2026, 02:30"
        assert formats.when(LATE_EVENING_UTC.replace(tzinfo=None)) == "22 Nov 2026, 02:30"  # SQLite: naive UTC
        assert formats.day(LATE_EVENING_UTC) == "22 Nov 2026"  # the Dhaka date, not the UTC one
        assert formats.when(None) == "" and formats.day(None) == ""


def test_dates_and_money_follow_the_readers_language(app):
    with app.test_request_context(), force_locale("bn"):
        assert formats.day(date(2026, 3, 3)) == "৩ মার্চ ২০২৬"  # the month in Bangla, written out
        assert formats.tk(100000) == "৳ ১,০০,০০০"  # lakh grouping, Bengali digits
    with app.test_request_context():
        assert formats.tk(1867.4) == "Tk 1,867" and formats.num(2.50) == "2.5" and formats.num(12.0) == "12"


def test_the_certificate_date_is_english_whatever_the_reader_reads(app):
    with app.test_request_context(), force_locale("bn"):
        assert formats.long_date(date(2026, 3, 3)) == "3 March 2026"


def test_a_date_tag_carries_the_iso_date_for_machines(app):
    with app.test_request_context():
        tag = formats.day_tag(date(2026, 3, 3))
        assert str(tag) == '<time datetime="2026-03-03">3 Mar 2026</time>'
        assert formats.day_tag(None) == ""


def test_bengali_digits_keep_the_bangladeshi_grouping():
    assert formats.bn_digits(12345678) == "১,২৩,৪৫,৬৭৮" and formats.bn_digits(18) == "১৮"
    assert formats.bn_digits("Day 3") == "Day ৩"


def test_the_filters_are_registered_on_the_app(app):
    for name in ("tk", "num", "pct", "when", "clock", "day", "day_tag", "digits", "bn_digits"):
        assert app.jinja_env.filters[name].__module__ == "edt.formats"
    assert app.config["BABEL_DEFAULT_TIMEZONE"] == "Asia/Dhaka"


def test_bangla_numbers_use_bengali_digits_and_lakh_grouping(app):
    with app.test_request_context(), force_locale("bn"):
        assert formats.num(100000) == "১,০০,০০০"
        assert formats.num(12345678) == "১,২৩,৪৫,৬৭৮"
        assert formats.num(-2535) == "-২,৫৩৫"            # negative numbers keep their sign
        assert formats.num(2.5) == "২.৫" and formats.num(1234.567, 2) == "১,২৩৪.৫৭"  # decimals
        assert formats.num(12.0) == "১২"
        assert formats.pct(28.57) == "২৯%" and formats.pct(28.57, 1) == "২৮.৬%"  # percentages
        assert formats.tk(2535) == "৳ ২,৫৩৫" and formats.tk(-2535.4) == "৳ -২,৫৩৫"
        assert formats.digits(26) == "২৬" and formats.digits("Page 1 of 4") == "Page ১ of ৪"
    with app.test_request_context():  # English keeps Latin digits and its own grouping
        assert formats.num(100000) == "100,000" and formats.num(-2535) == "-2,535"
        assert formats.pct(28.57) == "29%" and formats.tk(-2535.4) == "Tk -2,535" and formats.digits(26) == "26"


def test_bangla_dates_have_bangla_months_weekdays_and_digits_in_dhaka_time(app):
    with app.test_request_context(), force_locale("bn"):
        assert formats.day(date(2026, 11, 26)) == "২৬ নভেম্বর ২০২৬"
        assert formats.day(date(2026, 11, 26), "EEE d MMM") == "বৃহস্পতিবার ২৬ নভেম্বর"
        assert formats.when(LATE_EVENING_UTC) == "২২ নভেম্বর ২০২৬, ০২:৩০"  # Dhaka, not UTC
        assert formats.clock(LATE_EVENING_UTC) == "০২:৩০"
        assert formats.long_date(date(2026, 11, 26), "bn") == "২৬ নভেম্বর ২০২৬"
        assert str(formats.day_tag(date(2026, 3, 3))) == '<time datetime="2026-03-03">৩ মার্চ ২০২৬</time>'
    with app.test_request_context():
        assert formats.day(date(2026, 11, 26), "EEE d MMM") == "Thu 26 Nov"


def test_codes_and_serials_stay_latin_in_bangla_pages(app):
    """Codes are printed as they are; a template that passes one through |digits is the bug this
    catches: the helper maps digits, so codes must never go through it."""
    with app.test_request_context(), force_locale("bn"):
        page = app.jinja_env.from_string(
            "{{ code }} {{ serial }} {{ 2535|tk }} {{ day|day }}").render(
            code="KHU-2026-0001", serial="EDT-2026-000001", day=date(2026, 11, 26))
        assert page == "KHU-2026-0001 EDT-2026-000001 ৳ ২,৫৩৫ ২৬ নভেম্বর ২০২৬"


def test_the_helpers_follow_a_forced_locale_inside_an_english_request(app):
    """A document in its batch's language (force_locale(batch.language)) inside a staff member's
    English request: the helpers follow the forced language, then return to English."""
    with app.test_request_context():
        with force_locale("bn"):
            assert formats.bangla() and formats.num(5) == "৫"
        assert not formats.bangla() and formats.num(5) == "5"
