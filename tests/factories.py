"""Factories that build real records through the services the app itself uses; the recipes
they share with the demo data are in edt/demo/builders.py."""
from datetime import timedelta
from itertools import count
from types import SimpleNamespace

from werkzeug.datastructures import MultiDict

from edt import throttle
from edt.clock import today
from edt.demo import builders
from edt.extensions import db
from edt.modules.accounts import services as accounts
from edt.modules.batches import services as batches
from edt.modules.canvas import plan
from edt.modules.canvas import services as canvas_services
from edt.modules.canvas.queries import plan_of
from edt.modules.certificates import services as certificates
from edt.modules.followup import services as followups
from edt.modules.participants import services as participants
from edt.modules.kept_forms import services as resume
from edt.modules.trainers import services as trainers
from edt.security import SYSTEM, Role

PASSWORD = "correct horse battery"
PIN = "482916"
_seq = count(1)


def rewind_throttle(seconds: float) -> None:
    """Move every throttle counter back in time, as if `seconds` had passed."""
    back = timedelta(seconds=seconds)
    for row in db.session.scalars(db.select(throttle.ThrottleCounter)):
        for name in ("window_start", "last_at", "blocked_until", "locked_at", "expires_at"):
            if getattr(row, name) is not None:
                setattr(row, name, getattr(row, name) - back)
    db.session.commit()


def make_partner(name=None, district="Khulna"):
    return accounts.save_partner(SYSTEM, None, name=name or f"Partner {next(_seq)}", district=district)


def make_staff(role=Role.FACILITATOR, partner=None, username=None, password=PASSWORD, credential="certified"):
    """A staff account. Facilitators are certified by default (only provisional and certified
    facilitators can run a batch); credential=None makes a candidate, "provisional" a provisional one."""
    user = accounts.create_staff(SYSTEM, username=username or f"{role[:4]}{next(_seq)}", password=password,
                                 role=role, display_name="Staff Person",
                                 partner_id=partner.id if partner else None)
    if role == Role.FACILITATOR and credential:
        give_credential(user, credential)
    return user


def give_credential(user, status="certified", on=None):
    """A credential from before EDT (trainers.record_prior), without a ToT: for tests about
    everything but the status rules (tests/trainers/test_trainers.py builds the evidence)."""
    return trainers.record_prior(SYSTEM, user, status=status, on=on or today(), reason="Phase I ToT register")


def make_participant(partner, actor=None, *, full_name=None, pin=PIN, **fields):
    actor = actor or make_staff(Role.MASTER_TRAINER)
    values = {"gender": "woman", "birth_year": 1995, "district": partner.district, "consent_data_use": True}
    values.update(fields)
    agreed = values.pop("consent_data_use")
    person = participants.register(actor, partner_id=partner.id, full_name=full_name or f"Person {next(_seq)}",
                                   pin=pin, consent_data_use=True, **values)
    if not agreed:  # registered with consent (the rule), withdrawn since
        person.consent_data_use = False
        db.session.commit()
    return person


def make_world():
    khulna = make_partner("Khulna Partner", "Khulna")
    jashore = make_partner("Jashore Partner", "Jashore")
    trainer = make_staff(Role.MASTER_TRAINER, username="mtr")
    facilitator = make_staff(Role.FACILITATOR, khulna, username="fac")
    other_facilitator = make_staff(Role.FACILITATOR, jashore, username="fac2")
    participant = make_participant(khulna, trainer, full_name="Rahima Khatun")
    other_participant = make_participant(jashore, trainer, full_name="Shirin Akter")
    # co_facilitators: more Khulna staff put on Khulna's batches next to world.facilitator when the
    # batch worlds below are built (the access matrix's moved facilitator starts there).
    return SimpleNamespace(khulna=khulna, jashore=jashore, trainer=trainer, facilitator=facilitator,
                           other_facilitator=other_facilitator, participant=participant,
                           other_participant=other_participant, co_facilitators=[])


# --- certificates ---------------------------------------------------------------------------------

def make_certifiable_batch(partner, trainer, facilitator, people, *, attended=None, canvas="submitted",
                           excused=0, capacity=25, co_facilitators=()):
    """A batch of `partner` whose ten days end today, with `people` enrolled and every day marked
    through the attendance service: person i is present `attended[i]` days (default 10), then
    excused `excused` days, then absent. Their canvases get `canvas` status ("draft", "submitted",
    "approved" or None for no canvas). Returns (batch, enrolments in the order of `people`)."""
    people = list(people)
    counts = list(attended) if attended is not None else [10] * len(people)
    note = None if canvas == "draft" else "Fresh vegetables at the door"
    return builders.certifiable_batch(trainer, partner, [facilitator, *co_facilitators], people,
                                      status_of=builders.present_days(counts, excused), plans=[canvas] * len(people),
                                      notes=[note] * len(people), reviewer=trainer, capacity=capacity)


# --- batches and attendance -----------------------------------------------------------------------

def make_batch(partner, *, facilitators=(), trainer=None, start=None, off_days=(), capacity=25, venue="Community hall",
               district=None, language="en"):
    """A batch of `partner`. No weekly off days by default, so day n falls on start + n - 1.
    In English by default, so the tests read English pages; a Bangla batch passes language="bn"
    (its participants then read Bangla: edt._select_locale)."""
    trainer = trainer or make_staff(Role.MASTER_TRAINER)
    if not facilitators:
        facilitators = [make_staff(Role.FACILITATOR, partner)]
    return batches.create_batch(trainer, partner_id=partner.id, district=district, venue=venue,
                                start_date=start or today() - timedelta(days=2), off_days=set(off_days),
                                language=language,
                                capacity=capacity, master_trainer_id=trainer.id,
                                facilitator_ids=[f.id for f in facilitators], clash_ok=batches.KEEP_BOTH)


def enrol(batch, participants, actor=None):
    return batches.enrol(actor or SYSTEM, batch, list(participants))


def batch_world(world) -> dict:
    """A Khulna batch run by world.facilitator with world.participant enrolled, a Jashore batch
    run by world.other_facilitator, and a holiday: the ids the access matrix needs."""
    if hasattr(world, "batch"):
        return world.batch_ids
    world.batch = make_batch(world.khulna, facilitators=[world.facilitator, *world.co_facilitators],
                             trainer=world.trainer)
    world.enrolment = enrol(world.batch, [world.participant])[0]
    world.other_batch = make_batch(world.jashore, facilitators=[world.other_facilitator], trainer=world.trainer)
    world.holiday = batches.add_holiday(SYSTEM, today().replace(month=12, day=16), "Victory Day")
    world.batch_ids = {"batch_id": world.batch.id, "day_id": world.batch.days[0].id,
                       "day3_id": world.batch.days[2].id, "enrolment_id": world.enrolment.id,
                       "holiday_id": world.holiday.id}
    return world.batch_ids


# --- business plan -----------------------------------------------------------------------------

def make_canvas(participant, *, items=None, business_name="", status="draft", reviewer=None, author=None):
    """A canvas with `items` ({block: [text, ...]}), saved by `author` (the participant by
    default), brought to `status` (submitted, changes_requested, approved) by `reviewer`."""
    author = author or participant.user
    canvas = canvas_services.open_canvas(participant)
    if business_name:
        canvas_services.set_business_name(author, canvas, business_name, canvas.revision)
    for block, texts in (items or {}).items():
        for text in texts:
            canvas_services.add_item(author, canvas, block, text, canvas.revision)
    if status in ("submitted", "changes_requested", "approved"):
        canvas_services.submit(author, canvas, canvas.revision)
    if status in ("changes_requested", "approved"):
        decision = "approve" if status == "approved" else "changes"
        canvas_services.review(reviewer, canvas, decision, "Please add your prices." if decision == "changes" else "",
                               "revenue_streams" if decision == "changes" else None, canvas.revision)
    return canvas


def canvas_world(world) -> dict:
    """world.participant in world.facilitator's batch (batch_world) with a canvas at revision 1
    (one note in Channels): the ids the access matrix needs for the canvas rows."""
    if hasattr(world, "canvas_ids"):
        return world.canvas_ids
    batch_world(world)
    world.canvas = make_canvas(world.participant, items={"channels": ["From my home"]})
    world.canvas_ids = {"canvas_participant_id": world.participant.id, "canvas_revision": world.canvas.revision}
    return world.canvas_ids


def make_plan(canvas, actor, **values):
    """A financial plan from plain values (see edt.modules.canvas.plan.PlanInput)."""
    data = plan.PlanInput(**values)
    current = plan_of(canvas)
    return canvas_services.save_plan(actor, canvas, data, current.version if current else 0)


def certificate_world(world) -> dict:
    """A finished Khulna batch run by world.facilitator, separate from batch_world's: one new
    participant holds a certificate, another attended too little to get one. The ids the
    access matrix needs for certificates (world.participant holds none: 404 on the download)."""
    if hasattr(world, "certificate_ids"):
        return world.certificate_ids
    people = [make_participant(world.khulna, world.trainer, full_name=name)
              for name in ("Rahela Begum", "Moushumi Das")]
    batch, enrolments = make_certifiable_batch(world.khulna, world.trainer, world.facilitator, people,
                                               attended=[10, 5], co_facilitators=world.co_facilitators)
    certificate = certificates.issue(world.trainer, enrolments[0])
    world.certificate = certificate
    world.certificate_ids = {"cert_batch_id": batch.id, "cert_enrolment_id": enrolments[1].id,
                             "certificate_id": certificate.id, "certificate_code": certificate.code}
    return world.certificate_ids


# --- data protection --------------------------------------------------------------------------------

def make_kept_form(owner, *, endpoint="canvas.add_item", path="/canvas/1/block/channels/add", fields=None):
    """A form `owner` sent after their session ended, kept to be sent again (edt.modules.kept_forms)."""
    form = MultiDict(fields or [("text", "At the school gate"), ("base", "1")])
    stash = resume.keep(owner, endpoint, path, form)
    db.session.commit()
    return stash


def resume_world(world) -> dict:
    """A form world.facilitator sent after their session ended: the id the access matrix needs."""
    if hasattr(world, "resume_ids"):
        return world.resume_ids
    ids = canvas_world(world)
    stash = make_kept_form(world.facilitator, path=f"/canvas/{ids['canvas_participant_id']}/block/channels/add")
    world.resume_ids = {"resume_token": stash.token}
    return world.resume_ids


# --- follow-ups ------------------------------------------------------------------------------------

def make_finished_batch(world, people, *, days_ago=28):
    """A Khulna batch run by world.facilitator whose last day was `days_ago` days ago, with
    `people` enrolled (scheduled ahead, people enrolled, day 1 moved back)."""
    batch, _enrolments = builders.finished_batch(
        world.trainer, world.khulna, [world.facilitator.id, *(f.id for f in world.co_facilitators)], people,
        venue="Hall", first_day=today() - timedelta(days=days_ago + 9))
    db.session.refresh(batch)
    return batch


def followup_world(world) -> dict:
    """A Khulna person who finished a batch about four weeks ago (their 1-month visit is open), and
    a line in world.participant's money book."""
    if hasattr(world, "followup_ids"):
        return world.followup_ids
    person = make_participant(world.khulna, world.trainer, full_name="Followed Person")
    batch = make_finished_batch(world, [person])
    entry = followups.add_entry(world.participant.user, world.participant, category="sales", amount=500, on=today())
    world.followup_ids = {"fu_participant_id": person.id, "fu_batch_id": batch.id, "fu_entry_id": entry.id}
    return world.followup_ids


# --- trainers: a ToT and its trainees ---------------------------------------------------------------

def tot_world(world) -> dict:
    """A five-day ToT that began three days ago, world.facilitator its trainee, and a spare
    Khulna facilitator not yet on it: the ids the access matrix needs for the trainers rows."""
    if hasattr(world, "tot_ids"):
        return world.tot_ids
    world.tot = trainers.schedule_tot(world.trainer, title="ToT Khulna", kind="tot", venue="Training centre",
                                      start_date=today() - timedelta(days=3), days=5)
    trainers.add_trainees(world.trainer, world.tot, [world.facilitator.id])
    spare = make_staff(Role.FACILITATOR, world.khulna, username="tot-spare", credential=None)
    world.tot_ids = {"tot_event_id": world.tot.id, "tot_day_id": world.tot.days[0].id, "tot_spare_id": spare.id}
    return world.tot_ids
