"""Every date a page accepts is a DayField (edt.forms): outside 2000-01-01..2100-12-31, or not a
date at all, it is refused next to its field with a 400 and changes nothing, on GET filters
(/privacy/audit, /reports/ and its exports) and POST forms alike. Year 9999 used to reach a filter
that adds a day to it (an OverflowError, a 500)."""
from datetime import timedelta

import pytest
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import DateField

from edt.backup import fingerprint
from edt.extensions import db
from edt.forms import DayField
from edt.clock import today
from edt.modules.participants.models import Participant

from tests.conftest import csrf_token
from tests.factories import batch_world, make_batch

OUT_OF_RANGE = ["9999-12-31", "0001-01-01", "1999-12-31", "2101-01-01", "1000-06-15"]
NOT_A_DATE = ["10000-01-01", "0000-00-00", "2026-02-30", "2026-13-01", "-2026-01-01", "9999-99-99", "31/12/2026"]
RANGE_MESSAGE = "Give a date between 2000-01-01 and 2100-12-31."
TYPING_MESSAGE = "Give a date, for example 2026-03-14."
QUIET = ("audit_event", "login_attempt", "verify_request", "form_stash")

# (page, field) for every date filter sent by GET; the HTML pages show the message next to the field.
FILTERS = [("/privacy/audit", "since"), ("/privacy/audit", "until"), ("/reports/", "start_from"),
           ("/reports/", "start_to")]
EXPORTS = [("/reports/export.csv", "start_from"), ("/reports/export.xlsx", "start_to"),
           ("/reports/export/names", "start_from")]


def error_next_to(body: str, name: str, message: str) -> bool:
    return f'<p class="error" id="{name}-err">{message}</p>' in body


@pytest.mark.parametrize("page,name", FILTERS)
def test_a_filter_refuses_dates_out_of_range_next_to_the_field(client, login, world, page, name):
    login(world.trainer)
    for value in OUT_OF_RANGE:
        response = client.get(page, query_string={name: value})
        assert response.status_code == 400, (page, name, value)
        assert error_next_to(response.get_data(as_text=True), name, RANGE_MESSAGE), (page, name, value)
    for value in NOT_A_DATE:
        response = client.get(page, query_string={name: value})
        assert response.status_code == 400, (page, name, value)
        assert error_next_to(response.get_data(as_text=True), name, TYPING_MESSAGE), (page, name, value)
    for value in ("2000-01-01", "2100-12-31", "2026-03-14", ""):  # the bounds themselves are fine
        assert client.get(page, query_string={name: value}).status_code == 200, (page, name, value)


def test_the_audit_log_until_the_last_day_python_knows_is_refused_not_a_crash(client, login, world):
    login(world.trainer)
    response = client.get("/privacy/audit?until=9999-12-31")
    assert response.status_code == 400
    body = response.get_data(as_text=True)
    assert error_next_to(body, "until", RANGE_MESSAGE) and 'id="audit-rows"' in body  # the page still works


@pytest.mark.parametrize("page,name", EXPORTS)
def test_exports_refuse_dates_out_of_range_with_a_reason(client, login, world, page, name):
    login(world.trainer)
    for value in ("9999-12-31", "0001-01-01", "10000-01-01"):
        response = client.get(page, query_string={name: value})
        assert response.status_code == 400, (page, name, value)
        assert "Give a date" in response.get_data(as_text=True)


def test_bangla_message_for_a_date_out_of_range(client, login, world):
    login(world.trainer)
    client.post("/accounts/language", data={"locale": "bn", "csrf_token": csrf_token(client, "/")})
    response = client.get("/privacy/audit?since=9999-12-31")
    assert response.status_code == 400
    body = response.get_data(as_text=True)
    assert 'id="since-err"' in body and RANGE_MESSAGE not in body and "2000-01-01" in body


def _post_forms(world):
    ids = batch_world(world)
    target = make_batch(world.khulna, facilitators=[world.facilitator], trainer=world.trainer)
    start = (today() + timedelta(days=30)).isoformat()
    return [
        ("/participants/new", "consent_date", {"partner_id": str(world.khulna.id), "full_name": "Date Tester",
                                               "gender": "woman", "district": "Khulna", "consent_data_use": "y"}),
        (f"/participants/{world.participant.id}/edit", "consent_date",
         {"full_name": "Rahima Khatun", "gender": "woman", "district": "Khulna", "consent_data_use": "y"}),
        ("/batches/new", "start_date", {"partner_id": str(world.khulna.id), "venue": "Hall", "off_days": "4",
                                        "language": "bn", "capacity": "25", "master_trainer_id": str(world.trainer.id),
                                        "facilitator_ids": str(world.facilitator.id), "start_date": start}),
        (f"/batches/days/{ids['day3_id']}/move", "date", {}),
        (f"/batches/enrolments/{ids['enrolment_id']}/drop", "on", {"reason": "work"}),
        (f"/batches/enrolments/{ids['enrolment_id']}/transfer", "on", {"batch_id": str(target.id)}),
        ("/batches/holidays", "date", {"name": "A holiday"}),
    ]


def test_every_date_form_refuses_dates_out_of_range_and_changes_nothing(client, login, world):
    forms = _post_forms(world)
    login(world.trainer)
    for url, name, data in forms:
        for value, message in [(v, RANGE_MESSAGE) for v in ("9999-12-31", "0001-01-01", "2101-01-01")] + [
                ("10000-01-01", TYPING_MESSAGE)]:
            before = fingerprint()
            response = client.post(url, data={**data, name: value, "csrf_token": csrf_token(client, "/")})
            assert response.status_code == 400, (url, name, value)
            assert error_next_to(response.get_data(as_text=True), name, message), (url, name, value)
            after = fingerprint()
            assert [t for t in before if t not in QUIET and before[t] != after.get(t)] == [], (url, value)
    assert db.session.scalar(select(Participant).where(Participant.full_name == "Date Tester")) is None


def test_every_date_input_of_the_app_is_a_bounded_day_field(app):
    """No form of any module declares another kind of date field."""
    def forms(cls):
        for sub in cls.__subclasses__():
            yield sub
            yield from forms(sub)

    found = []
    for form in forms(FlaskForm):
        if not form.__module__.startswith("edt."):
            continue
        for name in dir(form):
            field = getattr(form, name, None)
            kind = getattr(field, "field_class", None)
            if isinstance(kind, type) and issubclass(kind, DateField):
                assert issubclass(kind, DayField), f"{form.__module__}.{form.__name__}.{name} is a {kind.__name__}"
                found.append(f"{form.__name__}.{name}")
    assert len(found) >= 10, found  # the filters and forms above, at least
