"""`flask --app edt seed-scale --participants N`: programme-scale data for benchmarks.

What four years of a large programme leave behind, written in bulk straight into the tables
(edt/demo/bulk.py: COPY on PostgreSQL; the services would take hours at 100,000 people):
partners in all ten districts with three facilitators each, their trainings of trainers,
refreshers, teach-back observations and renewed credentials (scale_trainers.py); batches of 25
spread over four years with their ten days; participants with their intake answers; enrolments
with drop-outs; attendance marks for every day held; the Day 1 and Day 10 tests with every answer
(scale_assessments.py); canvases with two revisions; financial plans and certificates for those
who completed; and, after the batch, the follow-up visits the stages call for, support given and
a few money books (scale_followup.py). Everyone is invented; development only (refused in
production and on a database that already holds participants). About 100,000 participants a
minute or two on PostgreSQL; the statistics are refreshed (ANALYZE) after the commit.

Logins made for the benchmark: `scale-trainer` (master trainer) and `scale-facilitator-N` (one per
partner, N the partner id; `-2` and `-3` are its colleagues) with the demo password; participants
`<code>` with the demo PIN (the first of each batch has a PIN; the others have none, as imported
rosters do until a PIN is set).
"""
import random
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import func, select

from edt.clock import utcnow
from edt.content import CANVAS_BLOCKS
from edt.extensions import db
from edt.modules.accounts.models import Partner, User
from edt.modules.assessments import services as assessment_services
from edt.modules.assessments.models import Sitting
from edt.modules.attendance.models import AttendanceMark
from edt.modules.batches.models import Batch, Enrolment, TrainingDay, batch_facilitator
from edt.modules.canvas.models import Canvas, CanvasRevision, FinancialPlan, PlanCost, PlanProduct
from edt.modules.certificates.models import Certificate
from edt.modules.certificates.queries import CODE_ALPHABET
from edt.modules.participants.models import Participant
from edt.modules.reports import tally
from edt.places import DISTRICTS
from edt.security import Role

from . import scale_assessments, scale_followup, scale_trainers
from .bulk import Bulk, Json, analyze, picker, working_days

BATCH_SIZE = 25
FIRST_NAMES = ("রহিমা", "নাসিমা", "ফাতেমা", "সুমি", "পারুল", "মরিয়ম", "শাহানা", "লাকি", "রোকেয়া", "তাসলিমা",
               "Rashida", "Moushumi", "Jesmin", "Ayesha", "Kulsum", "Tania", "Shirin", "Nargis", "Sabina", "Lipi",
               "করিম", "রফিক", "Jamal", "Sohel")
LAST_NAMES = ("খাতুন", "বেগম", "আক্তার", "দাস", "ইসলাম", "Begum", "Akter", "Khatun", "Das", "Sultana", "Hossain")
TRADES = ("সেলাই", "হাঁস-মুরগি পালন", "চায়ের দোকান", "মুদি দোকান", "Tailoring", "Goat rearing", "Vegetable stall",
          "Handicrafts", "Mobile recharge shop", "Snacks stall")
STATUSES = ("present",) * 8 + ("late", "excused", "absent")
# Intake answers (the follow-ups' baseline), drawn with these weights.
INTAKE_WORK = (("none", 70), ("wage", 18), ("self", 6), ("both", 1), ("undisclosed", 3), (None, 2))
INTAKE_INCOME = (("0", 48), ("1-2000", 30), ("2001-5000", 12), ("5001-10000", 3), ("undisclosed", 5), (None, 2))
INTAKE_SOURCE = (("none", 40), ("day_labour", 25), ("family", 25), ("farming", 5), ("other", 3), (None, 2))
INTAKE_BUSINESS = (("no", 85), ("yes", 8), ("undisclosed", 5), (None, 2))
# What the command reports: table -> words.
REPORTED = {"batch": "batches", "participant": "participants", "enrolment": "enrolments",
            "attendance_mark": "attendance marks", "assessment_sitting": "test sittings",
            "assessment_answer": "test answers", "canvas": "canvases", "financial_plan": "financial plans",
            "certificate": "certificates", "follow_up": "follow-up visits", "support_given": "support given",
            "money_entry": "money book lines", "tot_event": "trainings of trainers",
            "observation": "observations", "credential": "credentials"}
USER_COLUMNS = ("id", "username", "display_name", "role", "partner_id", "password_hash", "is_enabled",
                "session_version", "created_at")


class ScaleError(RuntimeError):
    pass


@dataclass
class ScaleBatch:
    id: int
    partner_id: int
    district: str
    start: date
    end: date
    days: list  # (training day id, date)
    facilitator_id: int


@dataclass
class Person:
    participant_id: int
    enrolment_id: int
    batch: ScaleBatch
    code: str
    name: str
    completed: bool  # stayed to the end of a batch that is over
    dropped: bool
    intake_income: str | None
    trade: str = ""


@dataclass
class Scale:
    """What the module seeders need of what was made, without reading it back."""

    today: date
    now: object
    rng: random.Random
    bulk: Bulk
    trainer_id: int
    partner_ids: dict  # district -> id
    facilitators: dict  # partner id -> [user ids]
    first_start: date
    batches: list = field(default_factory=list)
    people: list = field(default_factory=list)


def seed_scale(participants: int, *, password_hash: str, pin_hash: str, today: date, public_url: str,
               seed: int = 1) -> dict:
    if db.session.scalar(select(func.count()).select_from(Participant)):
        raise ScaleError("The database already holds participants: seed-scale fills an empty database only.")
    bulk = Bulk(db.session)
    rng = random.Random(seed)  # nosec B311  # benchmark data, not security
    now = utcnow()
    scale = _staff(bulk, rng, today, now, password_hash)
    _batches(scale, participants)
    _people(scale, participants, pin_hash)
    _attendance(scale)
    _canvases_and_certificates(scale, public_url)
    scale_assessments.seed(scale)
    scale_followup.seed(scale)
    scale_trainers.seed(scale)
    tables = [db.metadata.tables[name] for name in bulk.written]
    bulk.finish(tables)
    db.session.commit()
    analyze(db.session, tables)
    # What the app keeps from the records just written (with fresh statistics for good plans): the
    # reports' day counts from the marks, and each test sitting's sums from its answers.
    tally.rebuild(db.session.connection())
    assessment_services.rescore()
    db.session.commit()
    analyze(db.session, [tally.Tally.__table__, Sitting.__table__])
    made = {"partners": bulk.written["partner"], "staff": 1 + 3 * len(scale.partner_ids)}
    return made | {words: bulk.written.get(table, 0) for table, words in REPORTED.items()}


def _staff(bulk: Bulk, rng, today: date, now, password_hash: str) -> Scale:
    districts = list(DISTRICTS)
    partner_ids = dict(zip(districts, bulk.ids(Partner.__table__, len(districts))))
    bulk.write(Partner.__table__, ("id", "name", "district", "created_at"),
               [(partner_ids[d], f"Partner {i + 1} ({d})", d, now) for i, d in enumerate(districts)])
    ids = iter(bulk.ids(User.__table__, 1 + 3 * len(districts)))
    trainer_id = next(ids)
    staff = [(trainer_id, "scale-trainer", "Scale Trainer", Role.MASTER_TRAINER.value, None, password_hash, True, 1,
              now)]
    facilitators = {}
    for district in districts:
        partner_id = partner_ids[district]
        for n in range(1, 4):
            user_id = next(ids)
            facilitators.setdefault(partner_id, []).append(user_id)
            staff.append((user_id, f"scale-facilitator-{partner_id}" + ("" if n == 1 else f"-{n}"),
                          f"Facilitator {n} {district}", Role.FACILITATOR.value, partner_id, password_hash, True, 1,
                          now))
    bulk.write(User.__table__, USER_COLUMNS, staff)
    return Scale(today=today, now=now, rng=rng, bulk=bulk, trainer_id=trainer_id, partner_ids=partner_ids,
                 facilitators=facilitators, first_start=today - timedelta(days=4 * 365))


def _batches(scale: Scale, participants: int) -> None:
    bulk, districts = scale.bulk, list(DISTRICTS)
    count = -(-participants // BATCH_SIZE)
    batch_ids = bulk.ids(Batch.__table__, count)
    day_ids = iter(bulk.ids(TrainingDay.__table__, 10 * count))
    rows, per_district_year = [], {}
    for number, batch_id in enumerate(batch_ids):
        district = districts[number % len(districts)]
        # Spread over four years; the last few batches are running now or planned.
        start = scale.first_start + timedelta(days=int((number / count) * (4 * 365 + 30)))
        days = working_days(start, 10)
        key = (district, start.year)
        per_district_year[key] = per_district_year.get(key, 0) + 1
        partner_id = scale.partner_ids[district]
        rows.append((batch_id, f"{DISTRICTS[district]}-{start.year}-B{per_district_year[key]:03d}", partner_id,
                     district, f"Community hall {number % 7 + 1}", days[0], days[-1], "4",
                     "bn" if number % 5 else "en", BATCH_SIZE, scale.trainer_id, scale.now))
        scale.batches.append(ScaleBatch(batch_id, partner_id, district, days[0], days[-1],
                                        [(next(day_ids), d) for d in days],
                                        scale.facilitators[partner_id][number % 3]))
    bulk.write(Batch.__table__, ("id", "code", "partner_id", "district", "venue", "start_date", "end_date", "off_days",
                                 "language", "capacity", "master_trainer_id", "created_at"), rows)
    bulk.write(batch_facilitator, ("batch_id", "user_id"), ((b.id, b.facilitator_id) for b in scale.batches))
    bulk.write(TrainingDay.__table__, ("id", "batch_id", "number", "date"),
               ((day_id, b.id, n, d) for b in scale.batches for n, (day_id, d) in enumerate(b.days, start=1)))


def _people(scale: Scale, participants: int, pin_hash: str) -> None:
    """One login row each (no secret but the first of each batch), the person, the enrolment."""
    bulk, rng, now, today = scale.bulk, scale.rng, scale.now, scale.today
    user_ids = bulk.ids(User.__table__, participants)
    person_ids = bulk.ids(Participant.__table__, participants)
    enrolment_ids = bulk.ids(Enrolment.__table__, participants)
    work, income = picker(rng, INTAKE_WORK), picker(rng, INTAKE_INCOME)
    source, business = picker(rng, INTAKE_SOURCE), picker(rng, INTAKE_BUSINESS)
    users, people, enrolments, per_prefix = [], [], [], {}
    for index in range(participants):
        batch = scale.batches[index // BATCH_SIZE]
        prefix = f"{DISTRICTS[batch.district]}-{batch.start.year}-"
        serial = per_prefix[prefix] = per_prefix.get(prefix, 0) + 1
        code = f"{prefix}{serial:04d}"
        users.append((user_ids[index], code, "", Role.PARTICIPANT.value, batch.partner_id,
                      pin_hash if index % BATCH_SIZE == 0 else "!no-pin", True, 1, now))
        name = f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"
        intake_income = income()
        people.append((person_ids[index], code, batch.partner_id, user_ids[index], name, name.casefold(),
                       "woman" if rng.random() < 0.65 else ("man" if rng.random() < 0.97 else "other"),
                       rng.randint(1975, 2006), batch.district, f"017{rng.randint(10_000_000, 99_999_999)}", True,
                       rng.random() < 0.5, batch.start, now, work(), source(), intake_income,
                       rng.randint(2, 8) if rng.random() < 0.95 else None, business()))
        dropped = batch.start < today and rng.random() < 0.06
        enrolments.append((enrolment_ids[index], batch.id, person_ids[index], "dropped" if dropped else "active",
                           batch.start, batch.start + timedelta(days=3) if dropped else None,
                           rng.choice(("work", "moved", "health", "family")) if dropped else None, now))
        scale.people.append(Person(person_ids[index], enrolment_ids[index], batch, code, name,
                                   completed=batch.end < today and not dropped, dropped=dropped,
                                   intake_income=intake_income))
    bulk.write(User.__table__, USER_COLUMNS, users)
    bulk.write(Participant.__table__, (
        "id", "code", "partner_id", "user_id", "full_name", "name_key", "gender", "birth_year", "district", "phone",
        "consent_data_use", "consent_photos", "consent_date", "created_at", "intake_work", "intake_income_source",
        "intake_income", "intake_household", "intake_business"), people)
    bulk.write(Enrolment.__table__, ("id", "batch_id", "participant_id", "status", "enrolled_on", "ended_on",
                                     "reason", "created_at"), enrolments)


def _attendance(scale: Scale) -> None:
    """A mark for every day held, up to the day someone left."""
    rng, today, now = scale.rng, scale.today, scale.now
    status = picker(rng, [(s, 1) for s in STATUSES])

    def marks():
        for person in scale.people:
            batch = person.batch
            last = min(today, batch.start + timedelta(days=3)) if person.dropped else today
            for day_id, day in batch.days:
                if day > last:
                    break
                yield day_id, person.enrolment_id, status(), "", batch.facilitator_id, now

    scale.bulk.write(AttendanceMark.__table__, ("training_day_id", "enrolment_id", "status", "note", "marked_by_id",
                                                "marked_at"), marks())


def _canvases_and_certificates(scale: Scale, public_url: str) -> None:
    """Canvases for everyone whose batch has begun; approved plans and certificates for completers."""
    bulk, rng, now, today = scale.bulk, scale.rng, scale.now, scale.today
    begun = [p for p in scale.people if p.batch.start <= today]
    keys = list(CANVAS_BLOCKS)
    variants = {}  # (trade, blocks filled) -> (blocks, first snapshot, second snapshot, changed): shared JSON

    def variant(trade: str, filled: int):
        if (trade, filled) not in variants:
            blocks = {key: ([f"{trade}: {key.replace('_', ' ')}"] if n < filled else []) for n, key in enumerate(keys)}
            variants[trade, filled] = (
                Json(blocks), Json({"business_name": trade, "blocks": {key: [] for key in keys}}),
                Json({"business_name": trade, "blocks": blocks}), Json(keys[:filled]))
        return variants[trade, filled]

    unchanged = Json([])
    canvas_ids = bulk.ids(Canvas.__table__, len(begun))
    canvases, revisions, approved = [], [], []
    for canvas_id, person in zip(canvas_ids, begun):
        person.trade = trade = rng.choice(TRADES)
        blocks, first, second, changed = variant(trade, 9 if person.completed else rng.randint(1, 9))
        canvases.append((canvas_id, person.participant_id, trade, "approved" if person.completed else "draft", 2,
                         blocks, now, now, None))
        revisions.append((canvas_id, 1, 0, None, now, "name", unchanged, first))
        revisions.append((canvas_id, 2, 1, None, now, "add", changed, second))
        if person.completed:
            approved.append((canvas_id, person))
    bulk.write(Canvas.__table__, ("id", "participant_id", "business_name", "status", "revision", "blocks",
                                  "created_at", "updated_at", "updated_by_id"), canvases)
    bulk.write(CanvasRevision.__table__, ("canvas_id", "number", "base_number", "author_id", "created_at", "action",
                                          "changed", "snapshot"), revisions)
    plan_ids = bulk.ids(FinancialPlan.__table__, len(approved))
    bulk.write(FinancialPlan.__table__, ("id", "canvas_id", "version", "own_money", "loan_amount", "loan_rate",
                                         "loan_method", "loan_months", "updated_at"),
               ((plan_id, canvas_id, 1, 5_000, 10_000, 24, "declining", 12, now)
                for plan_id, (canvas_id, _person) in zip(plan_ids, approved)))
    bulk.write(PlanCost.__table__, ("plan_id", "kind", "position", "name", "quantity", "amount"),
               ((p, kind, 0, name, 1, amount) for p in plan_ids
                for kind, name, amount in (("startup", "Sewing machine", 9_000), ("fixed", "Rent", 800))))
    bulk.write(PlanProduct.__table__, ("plan_id", "position", "name", "variable_cost", "markup_percent", "price",
                                       "units_per_month"), ((p, 0, "Blouse", 180, 40, None, 60) for p in plan_ids))

    partner_names = {pid: f"Partner {i + 1} ({d})" for i, (d, pid) in enumerate(scale.partner_ids.items())}
    signatories = Json([["Scale Trainer", "Master trainer"]])
    serials, certificates = {}, []
    for _canvas_id, person in approved:
        batch = person.batch
        year = batch.end.year
        serials[year] = serials.get(year, 0) + 1
        secret = "".join(rng.choices(CODE_ALPHABET, k=26))
        certificates.append((f"EDT-{year}-{serials[year]:06d}", secret, person.participant_id, person.enrolment_id,
                             batch.id, "valid", person.name, partner_names[batch.partner_id], batch.start, batch.end,
                             signatories, batch.end + timedelta(days=3), f"{public_url}/verify/{secret}",
                             scale.trainer_id, now))
    bulk.write(Certificate.__table__, ("serial", "code", "participant_id", "enrolment_id", "batch_id", "status",
                                       "holder_name", "partner_name", "training_start", "training_end", "signatories",
                                       "issued_on", "verify_url", "issued_by_id", "created_at"), certificates)
