"""Concurrency over real HTTP, on the suite's database (SQLite in WAL mode with a busy timeout
and immediate write transactions, or PostgreSQL): 20 people saving the same attendance day at
once, two people saving the same canvas revision at once, and 24 guesses sent at once at a PIN
and at a certificate's name. No duplicate rows, no "database is locked", every request answered,
no silent overwrite (the second canvas save is refused and shown both versions), and never more
guesses checked than the throttle allows.

They run one after another on one xdist worker (each worker has its own database, so the other
workers' tests never take part in a race).

`pytest tests/core/test_concurrency.py -rP | grep runs` prints the runs and their outcomes."""
import re
import threading
from collections import Counter

import pytest
from sqlalchemy import func, select

from edt import sessions, throttle
from edt.audit import AuditEvent
from edt.extensions import db
from edt.modules.attendance.models import AttendanceMark
from edt.modules.canvas.models import Canvas, CanvasRevision

from tests.factories import PASSWORD, PIN, batch_world, certificate_world, enrol, make_canvas, make_participant
from tests.live_server import Browser, serving
from tests.attendance.test_attendance import read_form

pytestmark = pytest.mark.xdist_group("concurrency")

THREADS = 20
STATUSES = ("present", "late", "excused", "absent")


def _race(jobs):
    """Run every job in its own thread, released together by a barrier; returns their results."""
    barrier = threading.Barrier(len(jobs))
    results = [None] * len(jobs)

    def run(i, job):
        barrier.wait()
        try:
            results[i] = job()
        except Exception as error:  # reported as the outcome, so the assertion shows it
            results[i] = error

    threads = [threading.Thread(target=run, args=(i, job)) for i, job in enumerate(jobs)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    return results


@pytest.fixture
def crowded_day(world):
    """The Khulna batch (days 1-3 open) with 25 people enrolled."""
    batch_world(world)
    people = [make_participant(world.khulna, world.trainer, full_name=f"মোছাম্মৎ রহিমা {n}") for n in range(24)]
    enrol(world.batch, people)
    return world.batch


def test_twenty_people_saving_the_same_attendance_day_at_once(app, world, crowded_day):
    outcomes = []
    with serving(app) as port:
        browsers = []
        for n in range(THREADS):  # facilitators and master trainers, each on their own phone
            browser = Browser(port)
            browser.login("fac" if n % 2 else "mtr", PASSWORD)
            browsers.append(browser)
        for day in crowded_day.days[:3]:  # three runs, one per open day
            url = f"/attendance/days/{day.id}"
            forms = []
            for n, browser in enumerate(browsers):
                form = read_form(browser.get(url).text)
                for enrolment_id in form["row"]:
                    form[f"s-{enrolment_id}"] = [STATUSES[n % 4]]
                    form[f"n-{enrolment_id}"] = [f"phone {n}"]
                forms.append(form)
            results = _race([lambda b=b, f=f: b.post(url, f) for b, f in zip(browsers, forms)])
            codes = Counter(r.status_code if not isinstance(r, Exception) else repr(r) for r in results)
            assert codes == {302: THREADS}, codes
            assert not any("locked" in r.text.lower() for r in results)
            rows = db.session.execute(select(AttendanceMark.enrolment_id, func.count())
                                      .where(AttendanceMark.training_day_id == day.id)
                                      .group_by(AttendanceMark.enrolment_id)).all()
            assert len(rows) == 25 and all(n == 1 for _e, n in rows)  # one row per person, never two
            saved = set(db.session.execute(select(AttendanceMark.status, AttendanceMark.note)
                                           .where(AttendanceMark.training_day_id == day.id)).all())
            assert len(saved) == 1  # one save came last and wrote every row: no mixture of half-saves
            events = list(db.session.scalars(select(AuditEvent.details).where(
                AuditEvent.action == "attendance_saved", AuditEvent.target_id == str(day.id))))
            assert len(events) == THREADS
            assert sum(e["created"] for e in events) == 25  # each row created exactly once
            # Every later save knew it replaced a colleague's marks (counted, and told on screen).
            assert sum(e["conflicts"] for e in events) == 25 * (THREADS - 1)
            outcomes.append(f"day {day.number}: {THREADS} saves -> {dict(codes)}, 25 rows, "
                            f"{sum(e['conflicts'] for e in events)} overwrites reported")
    print(f"attendance runs ({db.engine.dialect.name}): " + "; ".join(outcomes))


def _base(html: str) -> int:
    return int(re.search(r'name="base" (?:type="hidden" )?value="(\d+)"', html).group(1))


@pytest.mark.parametrize("form", ["add_item", "edit_block"])
def test_two_saves_of_the_same_canvas_revision_one_wins_the_other_is_refused(app, world, form):
    p = world.participant
    batch_world(world)
    make_canvas(p, items={"channels": ["From my home"]})
    runs, outcomes = 8, Counter()
    with serving(app) as port:
        participant, facilitator = Browser(port), Browser(port)
        participant.login(p.code, PIN, participant=True)
        facilitator.login("fac", PASSWORD)
        for run in range(runs):
            pages = [b.get(f"/canvas/{p.id}").text for b in (participant, facilitator)]
            base = _base(pages[0])
            assert _base(pages[1]) == base
            texts = [f"participant note {run}", f"facilitator note {run}"]
            before = db.session.scalar(select(Canvas.blocks).where(Canvas.participant_id == p.id))["channels"]
            jobs = []
            for browser, text in zip((participant, facilitator), texts):
                token = browser.csrf(f"/canvas/{p.id}")
                if form == "add_item":
                    data = {"text": text, "base": str(base), "csrf_token": token}
                    url = f"/canvas/{p.id}/block/channels/add"
                else:
                    data = {**{f"items-{i}": item for i, item in enumerate(before)}, f"items-{len(before)}": text,
                            "base": str(base), "csrf_token": token}
                    url = f"/canvas/{p.id}/block/channels"
                jobs.append(lambda b=browser, u=url, d=data: b.post(u, d))
            results = _race(jobs)
            codes = sorted(r.status_code if not isinstance(r, Exception) else repr(r) for r in results)
            assert codes == [302, 409], codes
            winner, loser = (0, 1) if results[0].status_code == 302 else (1, 0)
            canvas = db.session.scalar(select(Canvas).where(Canvas.participant_id == p.id))
            db.session.refresh(canvas)
            assert canvas.revision == base + 1  # exactly one new revision
            assert canvas.items("channels") == before + [texts[winner]]  # the loser wrote nothing
            assert db.session.scalar(select(func.count()).select_from(CanvasRevision)
                                     .where(CanvasRevision.canvas_id == canvas.id)) == base + 1
            refused = results[loser].text
            assert 'id="conflict"' in refused and texts[winner] in refused  # their version, shown
            assert f'value="{texts[loser]}"' in refused  # and mine, back in the form: nothing lost
            outcomes["accepted by " + ("participant" if winner == 0 else "facilitator")] += 1
    print(f"canvas {form} runs ({db.engine.dialect.name}): {runs} races, each one 302 + one 409; {dict(outcomes)}")


GUESSES = 24


def test_24_wrong_pins_at_once_are_checked_no_more_than_the_limit(app, world):
    """The check and the count are one locked step: of 24 parallel wrong PINs exactly 5 reach the
    hash check (the limit before the first wait), 19 are refused, and the counter says 5."""
    code, url = world.participant.code, "/accounts/login/participant"
    with serving(app) as port:
        browsers = [Browser(port) for _ in range(GUESSES)]
        for b in browsers:  # phones whose last choice was English, as the suite's client (the answers are read)
            b.cookies[sessions.LANGUAGE_COOKIE] = "en"
        tokens = [b.csrf(url) for b in browsers]
        results = _race([lambda b=b, t=t: b.post(url, {"code": code, "pin": "111111", "csrf_token": t})
                         for b, t in zip(browsers, tokens)])
    answers = Counter("checked" if "did not work" in r.text else "refused" if "Too many attempts" in r.text
                      else repr(r) for r in results)
    assert answers == {"checked": 5, "refused": GUESSES - 5}, answers
    counted = db.session.scalar(select(throttle.ThrottleCounter.count).where(
        throttle.ThrottleCounter.scope == throttle.LOGIN_PIN))
    failed = db.session.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "login_failed"))
    assert counted == 5 and failed == 5
    print(f"pin guess runs ({db.engine.dialect.name}): {GUESSES} at once -> {dict(answers)}")


def test_24_name_checks_at_once_compare_no_more_than_the_daily_cap(app, world, monkeypatch):
    monkeypatch.setitem(app.config, "VERIFY_RATE_LIMIT", 1000)  # all browsers share 127.0.0.1
    ids = certificate_world(world)
    url = f"/verify/{ids['certificate_code']}"
    with serving(app) as port:
        browsers = [Browser(port) for _ in range(GUESSES)]
        for b in browsers:  # phones whose last choice was English, as the suite's client (the answers are read)
            b.cookies[sessions.LANGUAGE_COOKIE] = "en"
        tokens = [b.csrf(url) for b in browsers]
        results = _race([lambda b=b, t=t, n=n: b.post(url, {"name": f"Guess {n}", "csrf_token": t})
                         for n, (b, t) in enumerate(zip(browsers, tokens))])
    answers = Counter("compared" if "does not match" in r.text else "paused" if "paused for today" in r.text
                      else repr(r) for r in results)
    assert answers == {"compared": 5, "paused": GUESSES - 5}, answers
    print(f"name check runs ({db.engine.dialect.name}): {GUESSES} at once -> {dict(answers)}")
