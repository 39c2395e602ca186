"""The trainers module: ToT events and their marks, observations, facilitator credentials (the
status rules and their dates), the batch-assignment rule, the credential PDF and its QR code, the
public verify page, access, and constant query counts."""
import io
import re
from datetime import timedelta

import numpy
import pytest
import zxingcpp
from flask import current_app
from pypdf import PdfReader
from sqlalchemy import func, select

from edt.audit import AuditEvent
from edt.clock import today
from edt.extensions import db
from edt.instruments import instruments
from edt.modules.attendance.services import Entry
from edt.modules.batches import services as batches
from edt.modules.batches.models import Batch
from edt.modules.trainers import services
from edt.modules.trainers.models import (Credential, CredentialChange, CredentialStatus, Observation, TotDay,
                                         TotKind, TotMark)
from edt.modules.trainers.services import TrainerError
from edt.security import Role

from tests.conftest import csrf_token
from tests.factories import give_credential, make_batch, make_staff

CRITERIA = ("trauma-informed", "respect-privacy", "pictures", "experiential", "participation", "money-accuracy",
            "check-locally", "time-keeping")


def scores(*values):
    values = values or (3,) * len(CRITERIA)
    return dict(zip(CRITERIA, values))


def tot(world, *, kind=TotKind.TOT, days=5, start=None, trainees=()):
    event_ = services.schedule_tot(world.trainer, title="ToT Khulna", kind=kind, venue="Training centre",
                                   start_date=start or today() - timedelta(days=20), days=days,
                                   partner_ids=[world.khulna.id, world.jashore.id])
    if trainees:
        services.add_trainees(world.trainer, event_, [u.id for u in trainees])
    return event_


def mark_all(world, event_, user, status="present", upto=None):
    trainee = next(t for t in event_.trainees if t.user_id == user.id)
    for day in event_.days:
        if upto is None or day.number <= upto:
            services.save_marks(world.trainer, day, [Entry(enrolment_id=trainee.id, status=status)])


def candidate(world, partner=None, username=None):
    return make_staff(Role.FACILITATOR, partner or world.khulna, username=username, credential=None)


def post(client, url, data, token_url=None):
    data = {"csrf_token": csrf_token(client, token_url or url), **data}
    return client.post(url, data=data)


# --- the status rules and their dates ------------------------------------------------------------------

def test_candidate_to_provisional_needs_a_tot_day_attended(app, world):
    person = candidate(world)
    with pytest.raises(TrainerError, match="at least one day"):
        services.change_status(world.trainer, person, "provisional")
    event_ = tot(world, trainees=[person])
    mark_all(world, event_, person, "absent")
    with pytest.raises(TrainerError, match="at least one day"):
        services.change_status(world.trainer, person, "provisional")
    mark_all(world, event_, person, "present", upto=1)
    credential = services.change_status(world.trainer, person, "provisional")
    assert credential.status == "provisional" and credential.status_on == today()
    assert credential.serial is None and credential.expires_on is None
    assert services.standings([person.id])[person.id].status == CredentialStatus.PROVISIONAL


def test_certified_needs_the_whole_tot_and_an_observation_at_the_bar_and_lasts_three_years(app, world):
    person = candidate(world)
    event_ = tot(world, trainees=[person])
    mark_all(world, event_, person, upto=4)
    weak = services.record_observation(world.trainer, person, observed_on=today(),
                                       scores=scores(4, 4, 4, 4, 4, 2, 4, 4), tot_event_id=event_.id)
    assert weak.meets_bar is False  # a key criterion (money accuracy) below 3, whatever the mean
    with pytest.raises(TrainerError, match="every day"):  # day 5 not attended
        services.change_status(world.trainer, person, "certified")
    mark_all(world, event_, person)
    with pytest.raises(TrainerError, match="at or above the bar"):
        services.change_status(world.trainer, person, "certified")
    good = services.record_observation(world.trainer, person, observed_on=today(), scores=scores())
    assert good.meets_bar is True and good.mean_score == 3.0  # every criterion at 3: at the bar
    credential = services.change_status(world.trainer, person, "certified")
    assert credential.certified_on == today()
    assert credential.expires_on == services._years_later(today(), 3)
    assert (credential.expires_on - credential.certified_on).days in (365 * 3, 365 * 3 + 1)
    assert re.fullmatch(rf"EDT-F-{today().year}-\d{{4}}", credential.serial)
    assert len(credential.code) == 26
    history = db.session.scalars(select(CredentialChange).where(CredentialChange.credential_id == credential.id)
                                 .order_by(CredentialChange.id)).all()
    assert [(c.from_status, c.to_status) for c in history] == [("candidate", "certified")]
    assert db.session.scalar(select(func.count()).select_from(AuditEvent)
                             .where(AuditEvent.action == "credential_status_changed")) == 1


def test_the_observation_bar_is_configurable(app, world, monkeypatch):
    person = candidate(world)
    monkeypatch.setitem(current_app.config, "OBSERVATION_BAR", 3.5)
    observation = services.record_observation(world.trainer, person, observed_on=today(), scores=scores())
    assert observation.meets_bar is False and observation.mean_score == 3.0


def test_a_credential_lapses_when_it_expires_or_after_a_year_without_a_batch_or_refresher(app, world, monkeypatch,
                                                                                         lapse_reason):
    old = candidate(world)
    give_credential(old, "certified", on=today() - timedelta(days=3 * 365 + 5))
    state = services.standings([old.id])[old.id]
    assert (state.status, state.because) == (CredentialStatus.LAPSED, "expired")
    idle = candidate(world)
    give_credential(idle, "certified", on=today() - timedelta(days=400))
    assert services.standings([idle.id])[idle.id].because == "inactive"
    make_batch(world.khulna, facilitators=[idle, world.facilitator], trainer=world.trainer,
               start=today() - timedelta(days=30))  # a lapsed facilitator needs a reason...
    assert services.standings([idle.id])[idle.id].status == CredentialStatus.CERTIFIED  # ...and is active again
    monkeypatch.setitem(current_app.config, "CREDENTIAL_LAPSE_DAYS", 10)
    assert services.standings([idle.id])[idle.id].status == CredentialStatus.LAPSED


@pytest.fixture
def lapse_reason(monkeypatch):
    """make_batch has no reason field: give the one the form would send."""
    real = batches.create_batch

    def create(*args, **kwargs):
        kwargs.setdefault("lapse_reason", "Only trained facilitator in the upazila this month")
        return real(*args, **kwargs)

    monkeypatch.setattr(batches, "create_batch", create)


def test_a_refresher_renews_and_withdrawal_needs_a_reason(app, world, lapse_reason):
    person = candidate(world)
    give_credential(person, "certified", on=today() - timedelta(days=3 * 365 + 5))
    first = tot(world, trainees=[person])
    mark_all(world, first, person)
    services.record_observation(world.trainer, person, observed_on=today(), scores=scores(4, 4, 4, 4, 4, 4, 4, 4))
    with pytest.raises(TrainerError, match="refresher"):
        services.change_status(world.trainer, person, "certified")
    refresher = tot(world, kind=TotKind.REFRESHER, days=1, start=today() - timedelta(days=2), trainees=[person])
    assert refresher.days[0].guide_slug == "tot-refresher"
    mark_all(world, refresher, person)
    credential = services.change_status(world.trainer, person, "certified")
    serial = credential.serial
    assert credential.expires_on > today() + timedelta(days=3 * 365 - 2) and credential.serial == serial
    with pytest.raises(TrainerError, match="reason"):
        services.change_status(world.trainer, person, "withdrawn", "  ")
    services.change_status(world.trainer, person, "withdrawn", "Left the partner organisation")
    assert services.standings([person.id])[person.id].status == CredentialStatus.WITHDRAWN


def test_only_master_trainers_change_a_status(app, world):
    with pytest.raises(TrainerError):
        services.change_status(world.facilitator, world.other_facilitator, "withdrawn", "no")


# --- the rule for batches -------------------------------------------------------------------------------

def batch_form(world, facilitators, **extra):
    return {"partner_id": world.khulna.id, "district": "", "venue": "Hall", "start_date": today().isoformat(),
            "language": "bn", "capacity": "25", "master_trainer_id": world.trainer.id,
            "facilitator_ids": [f.id for f in facilitators], **extra}


def test_a_candidate_cannot_be_assigned_to_a_batch(client, login, world):
    person = candidate(world, username="newcomer")
    login(world.trainer)
    before = db.session.scalar(select(func.count()).select_from(Batch))
    response = post(client, "/batches/new", batch_form(world, [person]))
    assert response.status_code == 400
    assert "cannot run a batch yet" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Batch)) == before
    with pytest.raises(batches.BatchError, match="cannot run a batch"):
        make_batch(world.khulna, facilitators=[person, world.facilitator], trainer=world.trainer)


def test_a_provisional_facilitator_runs_a_batch_only_next_to_a_certified_one(client, login, world):
    newer = make_staff(Role.FACILITATOR, world.khulna, credential="provisional")
    login(world.trainer)
    alone = post(client, "/batches/new", batch_form(world, [newer]))
    assert alone.status_code == 400 and "together with a certified one" in alone.get_data(as_text=True)
    paired = post(client, "/batches/new", batch_form(world, [newer, world.facilitator]))
    assert paired.status_code == 302


def test_a_lapsed_facilitator_needs_a_reason_kept_in_their_history(client, login, world):
    old = candidate(world)
    give_credential(old, "certified", on=today() - timedelta(days=3 * 365 + 5))
    login(world.trainer)
    refused = post(client, "/batches/new", batch_form(world, [old, world.facilitator]))
    assert refused.status_code == 400 and "has lapsed" in refused.get_data(as_text=True)
    accepted = post(client, "/batches/new", batch_form(world, [old, world.facilitator],
                                                       lapse_reason="Refresher booked for next month"))
    assert accepted.status_code == 302
    change = db.session.scalar(select(CredentialChange).where(CredentialChange.kind == "lapsed_assignment"))
    assert change.reason == "Refresher booked for next month"
    page = client.get(f"/trainers/facilitators/{old.id}").get_data(as_text=True)
    assert "Refresher booked for next month" in page


def test_editing_a_batch_checks_only_the_facilitators_added(client, login, world):
    batch = make_batch(world.khulna, facilitators=[world.facilitator], trainer=world.trainer)
    person = candidate(world)
    login(world.trainer)
    url = f"/batches/{batch.id}/edit"
    keep = {"venue": "New hall", "language": "bn", "capacity": "25", "master_trainer_id": world.trainer.id,
            "facilitator_ids": [world.facilitator.id]}
    assert post(client, url, keep).status_code == 302
    refused = post(client, url, {**keep, "facilitator_ids": [world.facilitator.id, person.id]})
    assert refused.status_code == 400 and "cannot run a batch yet" in refused.get_data(as_text=True)


# --- the credential PDF and the verify page -------------------------------------------------------------

def qr_payloads(data: bytes) -> list[str]:
    """Rebuild the QR code as pixels from the filled rectangles the PDF draws in its corner, and
    decode it with ZXing (the same reading a phone's camera does)."""
    page = PdfReader(io.BytesIO(data)).pages[0]
    content = page.get_contents().get_data().decode("latin-1")
    width = float(page.mediabox.width)
    left, bottom, size = width - 62 - 92, 58, 92
    scale, quiet = 8, 4 * 8
    image = numpy.full((size * scale + 2 * quiet, size * scale + 2 * quiet), 255, dtype=numpy.uint8)
    for x, y, w, h in re.findall(r"([\d.]+) ([\d.]+) ([\d.]+) ([\d.]+) re", content):
        x, y, w, h = map(float, (x, y, w, h))
        if left - 0.01 <= x and x + w <= left + size + 0.01 and bottom - 0.01 <= y and y + h <= bottom + size + 0.01:
            x0, x1 = round((x - left) * scale), round((x + w - left) * scale)
            y0, y1 = round((bottom + size - y - h) * scale), round((bottom + size - y) * scale)
            image[quiet + y0:quiet + y1, quiet + x0:quiet + x1] = 0
    return [result.text for result in zxingcpp.read_barcodes(image)]


def certified(world, client=None):
    person = make_staff(Role.FACILITATOR, world.khulna, username="certified-one")
    return person, db.session.scalar(select(Credential).where(Credential.user_id == person.id))


def test_the_credential_pdf_prints_serial_dates_and_a_qr_code_of_the_verify_url(app, client, login, world):
    person, credential = certified(world)
    login(person)
    response = client.get(f"/trainers/facilitators/{person.id}/credential.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    data = response.get_data()
    reader = PdfReader(io.BytesIO(data))
    text = reader.pages[0].extract_text()
    assert credential.serial in text and "Staff Person" in text and "Facilitator Credential" in text
    assert credential.expires_on.strftime("%Y") in text
    url = f"{app.config['PUBLIC_URL']}/verify/{credential.code}"
    assert qr_payloads(data) == [url]
    metadata = " ".join(str(v) for v in (reader.metadata or {}).values())
    assert "Staff Person" not in metadata and credential.serial in metadata
    assert db.session.scalar(select(func.count()).select_from(AuditEvent)
                             .where(AuditEvent.action == "credential_downloaded")) == 1


def test_no_credential_pdf_unless_certified_today(client, login, world):
    newer = make_staff(Role.FACILITATOR, world.khulna, credential="provisional")
    old = candidate(world)
    give_credential(old, "certified", on=today() - timedelta(days=3 * 365 + 5))
    login(world.trainer)
    assert client.get(f"/trainers/facilitators/{newer.id}/credential.pdf").status_code == 404
    assert client.get(f"/trainers/facilitators/{old.id}/credential.pdf").status_code == 404


def test_verify_confirms_status_and_dates_and_never_the_name(app, client, world):
    person, credential = certified(world)
    page = client.get(f"/verify/{credential.grouped_code.lower()}")
    body = page.get_data(as_text=True)
    assert page.status_code == 200 and 'data-status="certified"' in body
    assert credential.expires_on.isoformat() in body and credential.serial in body
    assert "Staff Person" not in body and world.khulna.name not in body and person.username not in body
    typed = client.get("/verify", query_string={"serial": credential.serial.lower(), "code": credential.code})
    assert typed.status_code == 200 and 'data-status="certified"' in typed.get_data(as_text=True)
    wrong = client.get("/verify", query_string={"serial": "EDT-F-2000-0001", "code": credential.code})
    assert wrong.status_code == 404
    assert client.get("/verify/AAAAAAAAAAAAAAAAAAAAAAAAAA").status_code == 404
    services.change_status(world.trainer, person, "withdrawn", "Moved abroad")
    after = client.get(f"/verify/{credential.code}").get_data(as_text=True)
    assert 'data-status="withdrawn"' in after and "Moved abroad" not in after
    views = db.session.scalar(select(func.count()).select_from(AuditEvent)
                              .where(AuditEvent.action == "credential_verified"))
    assert views == 1  # once per credential per day, however often it is opened


# --- ToT pages, marks and observations through the app -----------------------------------------------

def test_a_master_trainer_schedules_a_tot_whose_days_link_their_session_plans(client, login, world):
    login(world.trainer)
    response = post(client, "/trainers/tot/new", {"title": "ToT Jashore", "kind": "tot", "days": "5", "venue": "",
                                                  "start_date": (today() + timedelta(days=7)).isoformat(),
                                                  "partner_ids": [world.jashore.id]})
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    for n in range(1, 6):
        assert f'href="/guide/tot-day-{n}"' in page
    dates = db.session.scalars(select(TotDay.date)).all()
    assert len(dates) == 5 and all(d.weekday() != 4 for d in dates)  # Fridays are skipped
    bad = post(client, "/trainers/tot/new", {"title": "", "kind": "tot", "days": "11", "venue": "",
                                             "start_date": today().isoformat()})
    assert bad.status_code == 400 and "Give the training a title." in bad.get_data(as_text=True)


def test_tot_marks_use_the_batch_roll_and_refuse_bad_rows(client, login, world):
    event_ = tot(world, trainees=[world.facilitator, world.other_facilitator])
    day = event_.days[0]
    trainees = {t.user_id: t.id for t in event_.trainees}
    login(world.trainer)
    url = f"/trainers/tot/days/{day.id}"
    page = client.get(url).get_data(as_text=True)
    assert 'class="roll-row"' in page and f'name="s-{trainees[world.facilitator.id]}"' in page
    a, b = trainees[world.facilitator.id], trainees[world.other_facilitator.id]
    saved = post(client, url, {"row": [a, b], f"s-{a}": "present", f"s-{b}": "late", f"n-{b}": "Bus"})
    assert saved.status_code == 302
    marks = {m.trainee_id: (m.status, m.note) for m in db.session.scalars(select(TotMark))}
    assert marks == {a: ("present", ""), b: ("late", "Bus")}
    for data in ({"row": [a], f"s-{a}": "asleep"}, {"row": [a, 99999], f"s-{a}": "absent"}, {"row": ["x"]}):
        response = post(client, url, data)
        assert response.status_code == 400 and "Nothing was saved." in response.get_data(as_text=True)
    assert {m.trainee_id: m.status for m in db.session.scalars(select(TotMark))} == {a: "present", b: "late"}
    future = tot(world, start=today() + timedelta(days=10), trainees=[world.facilitator])
    refused = post(client, f"/trainers/tot/days/{future.days[0].id}",
                   {"row": [future.trainees[0].id], f"s-{future.trainees[0].id}": "present"})
    assert refused.status_code == 400


def observation_data(values, **extra):
    data = {"observed_on": today().isoformat(), "context": "", "session": "Day 5 pricing", "note": ""}
    data.update({f"score_{c.replace('-', '_')}": str(v) for c, v in zip(CRITERIA, values)})
    data.update(extra)
    return data


def test_an_observation_is_recorded_with_every_criterion_and_refused_when_one_is_missing(client, login, world):
    event_ = tot(world, trainees=[world.facilitator])
    login(world.trainer)
    url = f"/trainers/facilitators/{world.facilitator.id}/observe"
    form = client.get(url, query_string={"context": f"tot-{event_.id}"}).get_data(as_text=True)
    assert re.search(rf'<option selected value="tot-{event_.id}">', form)
    assert [c.id for c in instruments().rubric.criteria] == list(CRITERIA)
    missing = observation_data((4, 4, 4, 4, 4, 4, 4))  # no time keeping
    response = post(client, url, missing)
    assert response.status_code == 400 and "Choose a score from 1 to 4." in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Observation)) == 0
    done = post(client, url, observation_data((4, 4, 3, 3, 4, 3, 3, 2), context=f"tot-{event_.id}",
                                              note_time_keeping="Ran over by ten minutes"))
    assert done.status_code == 302
    saved = db.session.scalar(select(Observation))
    assert saved.tot_event_id == event_.id and saved.mean_score == 3.25 and saved.meets_bar
    assert saved.scores["time-keeping"] == {"score": 2, "note": "Ran over by ten minutes"}
    other = post(client, url, observation_data((3,) * 8, context="batch-99999"))
    assert other.status_code == 400  # not a context of this facilitator


# --- access -------------------------------------------------------------------------------------------------

def test_a_facilitator_sees_only_their_own_record(client, login, world):
    login(world.facilitator)
    assert client.get("/trainers/").headers["Location"].endswith(f"/trainers/facilitators/{world.facilitator.id}")
    own = client.get(f"/trainers/facilitators/{world.facilitator.id}")
    assert own.status_code == 200 and "Credential (PDF)" in own.get_data(as_text=True)
    assert client.get(f"/trainers/facilitators/{world.other_facilitator.id}").status_code == 404
    assert client.get(f"/trainers/facilitators/{world.other_facilitator.id}/credential.pdf").status_code == 404
    assert client.get(f"/trainers/facilitators/{world.facilitator.id}/observe").status_code == 403
    login(world.participant.user, "482916")
    assert client.get(f"/trainers/facilitators/{world.facilitator.id}").status_code == 403


def test_the_record_hides_coaching_figures_over_few_people(client, login, world):
    login(world.trainer)
    page = client.get(f"/trainers/facilitators/{world.facilitator.id}").get_data(as_text=True)
    assert "&lt;5" in page and "Attendance" not in page.split('id="quality"')[1].split("</dl>")[0]


# --- constant query counts -----------------------------------------------------------------------------------

def grow(world, event_, n):
    people = [make_staff(Role.FACILITATOR, world.khulna) for _ in range(n)]
    services.add_trainees(world.trainer, event_, [p.id for p in people])
    for person in people:
        mark_all(world, event_, person)
        services.record_observation(world.trainer, person, observed_on=today(), scores=scores(),
                                    tot_event_id=event_.id)
        make_batch(world.khulna, facilitators=[person, world.facilitator], trainer=world.trainer)
    return people


@pytest.mark.parametrize("page", ["index", "event", "expiring", "record", "mark"])
def test_pages_take_the_same_number_of_queries_at_two_sizes(count_queries, login, world, page):
    event_ = tot(world)
    login(world.trainer)
    urls = {"index": "/trainers/", "event": f"/trainers/tot/{event_.id}", "expiring": "/trainers/expiring",
            "record": f"/trainers/facilitators/{world.facilitator.id}", "mark": f"/trainers/tot/days/{event_.days[0].id}"}
    counts = []
    for n in (2, 7):
        grow(world, event_, n)
        for _ in range(n):
            services.record_observation(world.trainer, world.facilitator, observed_on=today(), scores=scores())
        counts.append(count_queries(urls[page]))
    assert counts[0] == counts[1], counts
