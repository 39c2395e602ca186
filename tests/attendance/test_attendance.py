"""Attendance: the day page, "mark all present", the upsert, the sign-in sheet, the progress
grid, summaries across a transfer, and the home pages."""
import io
import threading
from datetime import timedelta
from html.parser import HTMLParser

import pytest
from pypdf import PdfReader
from sqlalchemy import func, select

from edt import clock
from edt.audit import AuditEvent
from edt.extensions import db
from edt.modules.attendance import queries, services
from edt.modules.attendance.models import AttendanceMark
from edt.modules.batches import services as batch_services
from edt.modules.batches.models import Batch, Enrolment, TrainingDay

from tests.conftest import csrf_token
from tests.factories import batch_world, enrol, make_batch, make_participant, make_staff

FORBIDDEN = ("traffick", "survivor", "victim")


class FormReader(HTMLParser):
    """What a browser would send for the attendance form: hidden fields, checked radios, text."""

    def __init__(self):
        super().__init__()
        self.fields, self.inside = [], False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form" and a.get("id") == "attendance-form":
            self.inside = True
        if not self.inside or tag != "input" or "disabled" in a:
            return
        kind = a.get("type", "text")
        if kind == "radio" and "checked" not in a:
            return
        self.fields.append((a["name"], a.get("value", "")))

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False


def read_form(html: str) -> dict:
    reader = FormReader()
    reader.feed(html)
    data = {}
    for name, value in reader.fields:
        data.setdefault(name, []).append(value)
    return data


def marks() -> dict:
    return {(m.training_day_id, m.enrolment_id): m.status for m in db.session.scalars(select(AttendanceMark))}


def mark_count() -> int:
    return db.session.scalar(select(func.count()).select_from(AttendanceMark))


@pytest.fixture
def day_batch(world):
    """The Khulna batch started two days ago (days 1-3 are open), with five people enrolled."""
    batch_world(world)
    people = [world.participant] + [make_participant(world.khulna, world.trainer, full_name=name)
                                    for name in ("রহিমা বেগম", "Shirin Begum", "Amena Khatun", "Nasima Akter")]
    enrol(world.batch, people[1:])
    return world.batch, people


def enrolments_of(batch) -> dict:
    return {e.participant_id: e.id for e in db.session.scalars(select(Enrolment).where(Enrolment.batch_id == batch.id))}


# --- the day page -----------------------------------------------------------------------------------

def test_the_day_page_lists_names_and_codes_with_four_choices(client, login, world, day_batch):
    batch, people = day_batch
    login(world.facilitator)
    page = client.get(f"/attendance/days/{batch.days[0].id}").get_data(as_text=True)
    for person in people:
        assert person.full_name in page and person.code in page
    enrolment = enrolments_of(batch)[people[0].id]
    for status in ("present", "late", "excused", "absent"):
        assert f'id="s-{enrolment}-{status}"' in page
    assert 'checked' not in page.split('id="attendance-form"')[1]
    assert 'id="mark-all-present"' in page and 'id="save-attendance"' in page
    assert not any(word in page.lower() for word in FORBIDDEN)


def test_mark_all_present_then_k_exceptions_is_one_save(client, login, world, day_batch):
    """A phone user taps "Mark all present" (1), changes k people (k), taps Save (1): one POST."""
    batch, people = day_batch
    login(world.facilitator)
    day = batch.days[0]
    page = client.get(f"/attendance/days/{day.id}?all=present").get_data(as_text=True)
    assert 'id="prefill-note"' in page
    form = read_form(page)
    ids = enrolments_of(batch)
    assert all(form[f"s-{i}"] == ["present"] for i in ids.values())
    form[f"s-{ids[people[1].id]}"] = ["absent"]  # exception 1
    form[f"s-{ids[people[2].id]}"] = ["late"]  # exception 2
    form[f"n-{ids[people[2].id]}"] = ["bus was late"]
    response = client.post(f"/attendance/days/{day.id}", data=form)
    assert response.status_code == 302
    saved = marks()
    assert len(saved) == 5
    assert saved[(day.id, ids[people[1].id])] == "absent" and saved[(day.id, ids[people[2].id])] == "late"
    assert sum(1 for s in saved.values() if s == "present") == 3
    note = db.session.scalar(select(AttendanceMark.note).where(AttendanceMark.enrolment_id == ids[people[2].id]))
    assert note == "bus was late"
    page = client.get(f"/attendance/days/{day.id}").get_data(as_text=True)
    assert "3 present, 1 late, 0 excused, 1 absent" in page
    assert 'id="mark-all-present"' not in page  # everyone is marked now
    audit = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "attendance_saved"))
    assert audit.actor_id == world.facilitator.id and audit.details["created"] == 5
    assert "bus" not in str(audit.details) and "Begum" not in str(audit.details)


def test_saving_again_updates_in_place_never_duplicates(client, login, world, day_batch):
    batch, people = day_batch
    login(world.facilitator)
    day = batch.days[1]
    for status in ("present", "absent", "present"):
        form = read_form(client.get(f"/attendance/days/{day.id}?all=present").get_data(as_text=True))
        first = enrolments_of(batch)[people[0].id]
        form[f"s-{first}"] = [status]
        assert client.post(f"/attendance/days/{day.id}", data=form).status_code == 302
    assert mark_count() == 5
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "attendance_saved")
                                .order_by(AuditEvent.id)).all()
    assert [(e.details["created"], e.details["updated"]) for e in events] == [(5, 0), (0, 1), (0, 1)]


def test_unticked_people_stay_unmarked(client, login, world, day_batch):
    batch, people = day_batch
    login(world.facilitator)
    day = batch.days[0]
    form = read_form(client.get(f"/attendance/days/{day.id}").get_data(as_text=True))
    first = enrolments_of(batch)[people[0].id]
    form[f"s-{first}"] = ["excused"]
    assert client.post(f"/attendance/days/{day.id}", data=form).status_code == 302
    assert marks() == {(day.id, first): "excused"}


def test_a_colleagues_newer_mark_is_kept_unless_you_changed_that_person(client, login, world, day_batch):
    batch, people = day_batch
    colleague = make_staff("facilitator", world.khulna)
    batch_services.update_batch(world.trainer, batch, venue=batch.venue, off_days=set(), language="bn", capacity=25,
                                master_trainer_id=None, facilitator_ids=[world.facilitator.id, colleague.id])
    day = db.session.get(TrainingDay, batch.days[0].id)
    ids = enrolments_of(batch)
    login(world.facilitator)
    stale = read_form(client.get(f"/attendance/days/{day.id}?all=present").get_data(as_text=True))
    # Meanwhile the colleague marks two people on another phone.
    services.save_day(colleague, day, [services.Entry(ids[people[3].id], "late"),
                                       services.Entry(ids[people[4].id], "absent")])
    stale[f"s-{ids[people[4].id]}"] = ["excused"]  # this person was changed on the stale page too
    assert client.post(f"/attendance/days/{day.id}", data=stale).status_code == 302
    saved = marks()
    assert saved[(day.id, ids[people[3].id])] == "late"  # untouched here: the colleague's mark stays
    assert saved[(day.id, ids[people[4].id])] == "excused"  # changed by both: the later save wins
    event_row = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "attendance_saved")
                                   .order_by(AuditEvent.id.desc())).first()
    assert event_row.details["kept"] == 1 and event_row.details["conflicts"] == 1
    page = client.get(f"/attendance/days/{day.id}").get_data(as_text=True)
    assert "saved by a colleague after you opened the page were kept" in page


def test_two_facilitators_saving_at_once_never_duplicate_or_fail(app, login, world, day_batch):
    batch, people = day_batch
    colleague = make_staff("facilitator", world.khulna)
    batch_services.update_batch(world.trainer, batch, venue=batch.venue, off_days=set(), language="bn", capacity=25,
                                master_trainer_id=None, facilitator_ids=[world.facilitator.id, colleague.id])
    day_id = batch.days[2].id
    clients = [app.test_client(), app.test_client()]
    forms = []
    for c, user, choice in ((clients[0], world.facilitator, "present"), (clients[1], colleague, "late")):
        login(user, target=c)
        form = read_form(c.get(f"/attendance/days/{day_id}").get_data(as_text=True))
        for key in list(form):
            if key.startswith("row"):
                for enrolment_id in form[key]:
                    form[f"s-{enrolment_id}"] = [choice]
        forms.append(form)
    barrier, results = threading.Barrier(2), []

    def save(c, form):
        barrier.wait()
        results.append(c.post(f"/attendance/days/{day_id}", data=form).status_code)

    threads = [threading.Thread(target=save, args=pair) for pair in zip(clients, forms)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == [302, 302]
    rows = db.session.execute(select(AttendanceMark.enrolment_id, func.count()).where(
        AttendanceMark.training_day_id == day_id).group_by(AttendanceMark.enrolment_id)).all()
    assert len(rows) == 5 and all(n == 1 for _, n in rows)
    statuses = set(db.session.scalars(select(AttendanceMark.status).where(AttendanceMark.training_day_id == day_id)))
    assert len(statuses) == 1  # one save came last and wrote every row: no mixture of half-saves


def test_the_upsert_itself_tolerates_a_row_written_in_between(app, world, day_batch):
    batch, people = day_batch
    day = db.session.get(TrainingDay, batch.days[0].id)
    first = enrolments_of(batch)[people[0].id]
    services._upsert([{"training_day_id": day.id, "enrolment_id": first, "status": "late", "note": "",
                       "marked_by_id": world.facilitator.id, "marked_at": day.batch.created_at}])
    services._upsert([{"training_day_id": day.id, "enrolment_id": first, "status": "absent", "note": "x",
                       "marked_by_id": world.facilitator.id, "marked_at": day.batch.created_at}])
    db.session.commit()
    assert marks() == {(day.id, first): "absent"}


# --- bad input ---------------------------------------------------------------------------------------

def post_day(client, day_id, data):
    return client.post(f"/attendance/days/{day_id}", data={**data, "csrf_token": csrf_token(client, "/")})


def test_bad_input_gets_a_message_and_changes_nothing(client, login, world, day_batch):
    batch, people = day_batch
    login(world.facilitator)
    ids = enrolments_of(batch)
    first, second = ids[people[0].id], ids[people[1].id]
    day = batch.days[0].id
    other = make_batch(world.khulna, facilitators=[world.facilitator])
    stranger = enrol(other, [make_participant(world.khulna, world.trainer)])[0].id
    cases = [
        ({"row": [first, second], f"s-{first}": "present", f"s-{second}": "asleep"}, "Choose present, late"),
        ({"row": [first, stranger], f"s-{first}": "present", f"s-{stranger}": "present"}, "not enrolled"),
        ({"row": [first, 999999], f"s-{first}": "present", "s-999999": "present"}, "not enrolled"),
        ({"row": ["abc"], "s-abc": "present"}, "damaged"),
        ({"row": [first, first], f"s-{first}": "present"}, "twice"),
        ({f"s-{first}": "present"}, "Nobody is on this form"),
        ({"row": [first], f"s-{first}": "present", f"n-{first}": "x" * 201}, "too long"),
    ]
    for data, message in cases:
        response = post_day(client, day, data)
        page = response.get_data(as_text=True)
        assert response.status_code == 400, data
        assert message in page and "Nothing was saved" in page, message
    assert mark_count() == 0
    no_token = client.post(f"/attendance/days/{day}", data={"row": [first], f"s-{first}": "present"})
    assert no_token.status_code == 400 and mark_count() == 0


def test_a_future_day_or_a_cancelled_batch_cannot_be_saved(client, login, world, day_batch):
    batch, people = day_batch
    login(world.facilitator)
    first = enrolments_of(batch)[people[0].id]
    future = batch.days[5]
    page = client.get(f"/attendance/days/{future.id}").get_data(as_text=True)
    assert 'id="cannot-save"' in page and 'id="save-attendance"' not in page
    response = post_day(client, future.id, {"row": [first], f"s-{first}": "present"})
    assert response.status_code == 400 and "has not come yet" in response.get_data(as_text=True)
    batch_services.set_cancelled(world.trainer, db.session.get(Batch, batch.id), True)
    response = post_day(client, batch.days[0].id, {"row": [first], f"s-{first}": "present"})
    assert response.status_code == 400 and "cancelled" in response.get_data(as_text=True)
    assert mark_count() == 0


def test_people_who_left_appear_only_on_days_before_they_left(client, login, world, day_batch):
    batch, people = day_batch
    ids = enrolments_of(batch)
    leaver = db.session.get(Enrolment, ids[people[1].id])
    batch_services.drop_out(world.facilitator, leaver, on=batch.days[1].date, reason="work")
    login(world.facilitator)
    assert people[1].code in client.get(f"/attendance/days/{batch.days[1].id}").get_data(as_text=True)
    assert people[1].code not in client.get(f"/attendance/days/{batch.days[2].id}").get_data(as_text=True)
    response = post_day(client, batch.days[2].id, {"row": [leaver.id], f"s-{leaver.id}": "present"})
    assert response.status_code == 400 and mark_count() == 0


# --- query counts ---------------------------------------------------------------------------------------

def fill(batch, count_people, trainer):
    people = [make_participant(batch.partner, trainer) for _ in range(count_people)]
    enrolments = enrol(batch, people)
    for day in batch.days[:3]:
        services.save_day(trainer, day, [services.Entry(e.id, ("present", "late", "absent")[i % 3])
                                         for i, e in enumerate(enrolments)])
    return enrolments


@pytest.mark.parametrize("page", ["mark", "grid", "detail", "home"])
def test_pages_load_in_the_same_number_of_queries_for_5_and_50_people(count_queries, login, world, page):
    small = make_batch(world.khulna, facilitators=[world.facilitator], trainer=world.trainer, capacity=60)
    large = make_batch(world.khulna, facilitators=[world.facilitator], trainer=world.trainer, capacity=60,
                       start=clock.today() - timedelta(days=2))
    fill(small, 5, world.trainer)
    fill(large, 50, world.trainer)
    login(world.facilitator)
    urls = {"mark": "/attendance/days/{day}", "grid": "/attendance/batches/{batch}", "detail": "/batches/{batch}",
            "home": "/"}
    counts = []
    for batch in (small, large):
        url = urls[page].format(day=batch.days[0].id, batch=batch.id)
        counts.append(count_queries(url))
        if page == "home":  # the home page sums both batches: add 45 people to the first and count again
            break
    if page == "home":
        fill(make_batch(world.khulna, facilitators=[world.facilitator], trainer=world.trainer, capacity=60), 45,
             world.trainer)
        counts.append(count_queries("/"))
    assert counts[0] == counts[1], counts


def test_the_facilitator_home_follows_current_work_not_history(count_queries, login, world):
    """Years of past batches add no statement and no line to the home page: it shows today's day,
    the next days and the running batches only."""
    current = make_batch(world.khulna, facilitators=[world.facilitator], trainer=world.trainer, capacity=60)
    fill(current, 5, world.trainer)
    login(world.facilitator)
    before = count_queries("/")
    page = count_queries.html
    for i in range(1, 7):  # six finished batches, one every two months back
        old = make_batch(world.khulna, facilitators=[world.facilitator], trainer=world.trainer, capacity=60,
                         start=clock.today() - timedelta(days=60 * i))
        assert old.code not in page
    assert count_queries("/") == before
    after = count_queries.html
    assert current.code in after and all(b.code not in after for b in db.session.scalars(
        select(Batch).where(Batch.id != current.id)))


# --- summaries, the grid, the sheet ----------------------------------------------------------------------

def test_summary_counts_statuses_and_flags_people_at_risk(app, world, day_batch):
    batch, people = day_batch
    ids = enrolments_of(batch)
    plan = {0: ("present", "late", "absent"), 1: ("absent", "absent", "excused")}
    for n, day in enumerate(batch.days[:3]):
        entries = [services.Entry(ids[people[i].id], statuses[n]) for i, statuses in plan.items()]
        services.save_day(world.facilitator, day, entries)
    summary = queries.summaries([batch.id])
    first, second = summary[ids[people[0].id]], summary[ids[people[1].id]]
    assert (first.present, first.late, first.absent, first.attended, first.recorded_days) == (1, 1, 1, 2, 3)
    assert not first.at_risk and second.at_risk and second.excused == 1 and second.absent == 2
    assert summary[ids[people[2].id]].recorded_days == 3 and summary[ids[people[2].id]].attended == 0


def test_transfer_carries_attended_days_by_day_number(app, world, day_batch):
    batch, people = day_batch
    ids = enrolments_of(batch)
    old_id = ids[people[0].id]
    for day, status in zip(batch.days[:3], ("present", "late", "absent")):
        services.save_day(world.facilitator, day, [services.Entry(old_id, status)])
    target = make_batch(world.khulna, facilitators=[world.facilitator], trainer=world.trainer,
                        start=clock.today() - timedelta(days=4))
    new = batch_services.transfer(world.facilitator, db.session.get(Enrolment, old_id), target)
    target = db.session.get(Batch, target.id)
    # In the new batch: day 3 present (better than the old absent), days 4 and 5 present.
    for day in target.days[2:5]:
        services.save_day(world.facilitator, day, [services.Entry(new.id, "present")])
    summary = queries.summaries([target.id])[new.id]
    assert summary.marks == {1: "present", 2: "late", 3: "present", 4: "present", 5: "present"}
    assert summary.carried == {1, 2} and summary.attended == 5
    old = queries.summaries([batch.id])[old_id]
    assert old.marks == {1: "present", 2: "late", 3: "absent"} and not old.carried  # its own history only


def test_grid_shows_letters_rates_and_at_risk(client, login, world, day_batch):
    batch, people = day_batch
    ids = enrolments_of(batch)
    for day in batch.days[:3]:
        services.save_day(world.facilitator, day, [services.Entry(ids[people[0].id], "present"),
                                                   services.Entry(ids[people[1].id], "absent"),
                                                   services.Entry(ids[people[2].id], "late")])
    login(world.facilitator)
    page = client.get(f"/attendance/batches/{batch.id}").get_data(as_text=True)
    assert 'class="cell m-present" title="Present">P<' in page
    assert 'class="cell m-absent" title="Absent">A<' in page and 'class="cell m-late" title="Late">L<' in page
    at_risk = page.split('id="at-risk"')[1].split("</section>")[0]
    assert people[1].code in at_risk and people[0].code not in at_risk
    assert "67%" in page  # each of the three days: 2 of 3 marked people attended
    assert people[0].full_name in page and people[1].full_name in at_risk  # names, as on the day's page


def test_sign_in_sheet_is_an_a4_pdf_with_codes_and_the_day(client, login, world, day_batch):
    batch, people = day_batch
    batch.language = "en"  # the sheet is written in the batch's language (tests/attendance/test_paper.py)
    db.session.commit()
    login(world.facilitator)
    response = client.get(f"/attendance/days/{batch.days[2].id}/sheet.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    reader = PdfReader(io.BytesIO(response.data))
    width, height = (float(v) for v in reader.pages[0].mediabox.upper_right)
    assert (round(width), round(height)) == (595, 842)
    text = " ".join(p.extract_text() for p in reader.pages)
    assert batch.code in text and "Day 3" in text and "Sign-in sheet" in text
    for person in people:
        assert person.code in text
    assert "Shirin Begum" in text
    assert not any(word in text.lower() for word in FORBIDDEN)
    fonts = set()
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            fonts.add(str(font.get_object()["/BaseFont"]))
    assert any("NotoSansBengali" in f for f in fonts)  # the Bangla name is set in a Bengali font
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "signin_sheet_exported")) is not None


# --- home pages -------------------------------------------------------------------------------------------

def test_facilitator_home_shows_today_first_then_next_days_then_people_at_risk(client, login, world, day_batch):
    batch, people = day_batch
    ids = enrolments_of(batch)
    for day in batch.days[:2]:
        services.save_day(world.facilitator, day, [services.Entry(ids[people[1].id], "absent")])
    login(world.facilitator)
    page = client.get("/").get_data(as_text=True)
    today_day = next(d for d in batch.days if d.date == clock.today())
    today, upcoming, risky = page.index('id="today"'), page.index('id="upcoming"'), page.index('id="at-risk"')
    assert today < upcoming < risky
    assert f'href="/attendance/days/{today_day.id}?all=present"' in page  # one tap to mark the day
    assert people[1].code in page[risky:] and people[1].full_name in page[risky:]  # names, as on the day's page
    login(world.other_facilitator)
    page = client.get("/").get_data(as_text=True)
    assert batch.code not in page


def test_master_trainer_home_lists_todays_days_of_every_batch(client, login, world, day_batch):
    batch, _people = day_batch
    login(world.trainer)
    page = client.get("/").get_data(as_text=True)
    assert batch.code in page and world.other_batch.code in page


def test_participant_sees_their_batch_days_and_own_attendance(client, login, world, day_batch):
    batch, people = day_batch
    ids = enrolments_of(batch)
    services.save_day(world.facilitator, batch.days[0], [services.Entry(ids[people[0].id], "present"),
                                                         services.Entry(ids[people[1].id], "absent")])
    login(world.participant.user)
    page = client.get("/").get_data(as_text=True)
    assert 'id="my-batch"' in page and batch.days[9].date.isoformat() in page
    assert 'class="cell m-present">P</span> Present' in page
    assert "Absent" not in page.split('id="my-batch"')[1]  # someone else's absence is not shown
    assert people[1].code not in page and not any(word in page.lower() for word in FORBIDDEN)
    for url in (f"/batches/{batch.id}", f"/attendance/days/{batch.days[0].id}", f"/attendance/batches/{batch.id}"):
        assert client.get(url).status_code == 403


def test_a_day_of_25_people_stays_within_the_page_budget(client, login, world):
    """<= 60 KB and <= 6 requests with its CSS and JS, for a slow connection: the bytes that travel,
    gzipped as the app sends them to every browser (edt.assets); the offline scripts included."""
    from tests.budget import BUDGET_BYTES, BUDGET_REQUESTS, weigh

    batch = make_batch(world.khulna, facilitators=[world.facilitator], trainer=world.trainer)
    enrol(batch, [make_participant(world.khulna, world.trainer, full_name=f"মোছাম্মৎ রহিমা খাতুন {n}")
                  for n in range(25)])
    login(world.facilitator)
    status, total, requests = weigh(client, f"/attendance/days/{batch.days[0].id}?all=present")
    assert status == 200 and total <= BUDGET_BYTES and requests <= BUDGET_REQUESTS, (total, requests)
