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
        bangla = formats.day(date(2026, 3, 3))
        assert "2026" in bangla and "Mar" not in bangla  # the month in Bangla
        assert "1,00,000" in formats.tk(100000)  # lakh grouping in Bangla
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
    for name in ("tk", "num", "when", "day", "day_tag", "bn_digits"):
        assert app.jinja_env.filters[name].__module__ == "edt.formats"
    assert app.config["BABEL_DEFAULT_TIMEZONE"] == "Asia/Dhaka"
