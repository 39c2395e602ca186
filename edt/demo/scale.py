"""`flask --app edt seed-scale --participants N`: programme-scale data for benchmarks.

Builds, with bulk inserts straight into the tables (the services would take hours at 100,000
people), what four years of a large programme leave behind: partners in all ten districts, their
facilitators, batches of about 25 spread over four years with their ten days, enrolments with
drop-outs, attendance marks for every day held, canvases with revisions, financial plans and
certificates for those who completed. Everyone invented; development only (refused in
production, and on a database that holds anything but an earlier seed-scale).

Logins made for the benchmark: `scale-trainer` (master trainer) and `scale-facilitator-N` (one per
partner) with the demo password; participants `<code>` with the demo PIN (the first of each batch
has a PIN; the others have none, as imported rosters do until a PIN is set).
"""
import random
from datetime import date, timedelta

from sqlalchemy import func, insert, select

from edt.clock import utcnow
from edt.content import CANVAS_BLOCKS
from edt.extensions import db
from edt.modules.accounts.models import Partner, User
from edt.modules.attendance.models import AttendanceMark
from edt.modules.batches.models import Batch, Enrolment, TrainingDay, batch_facilitator
from edt.modules.canvas.models import Canvas, CanvasRevision, FinancialPlan, PlanCost, PlanProduct
from edt.modules.certificates.models import Certificate
from edt.modules.certificates.queries import CODE_ALPHABET
from edt.modules.participants.models import Participant
from edt.places import DISTRICTS
from edt.security import Role

BATCH_SIZE = 25
CHUNK = 5_000
FIRST_NAMES = ("রহিমা", "নাসিমা", "ফাতেমা", "সুমি", "পারুল", "মরিয়ম", "শাহানা", "লাকি", "রোকেয়া", "তাসলিমা",
               "Rashida", "Moushumi", "Jesmin", "Ayesha", "Kulsum", "Tania", "Shirin", "Nargis", "Sabina", "Lipi",
               "করিম", "রফিক", "Jamal", "Sohel")
LAST_NAMES = ("খাতুন", "বেগম", "আক্তার", "দাস", "ইসলাম", "Begum", "Akter", "Khatun", "Das", "Sultana", "Hossain")
TRADES = ("সেলাই", "হাঁস-মুরগি পালন", "চায়ের দোকান", "মুদি দোকান", "Tailoring", "Goat rearing", "Vegetable stall",
          "Handicrafts", "Mobile recharge shop", "Snacks stall")
STATUSES = ("present",) * 8 + ("late", "excused", "absent")


class ScaleError(RuntimeError):
    pass


def _rows(table, rows):
    for start in range(0, len(rows), CHUNK):
        db.session.execute(insert(table), rows[start:start + CHUNK])


def _training_days(start: date) -> list[date]:
    """Ten training days from `start`, skipping Fridays (the default off day)."""
    days, current = [], start
    while len(days) < 10:
        if current.weekday() != 4:
            days.append(current)
        current += timedelta(days=1)
    return days


def seed_scale(participants: int, *, password_hash: str, pin_hash: str, today: date, public_url: str,
               seed: int = 1) -> dict:
    if db.session.scalar(select(func.count()).select_from(Participant)):
        raise ScaleError("The database already holds participants: seed-scale fills an empty database only.")
    rng = random.Random(seed)  # nosec B311  # benchmark data, not security
    now = utcnow()
    districts = list(DISTRICTS)
    partners = [{"name": f"Partner {i + 1} ({district})", "district": district, "created_at": now}
                for i, district in enumerate(districts)]
    _rows(Partner.__table__, partners)
    partner_ids = dict(db.session.execute(select(Partner.district, Partner.id)).all())

    staff = [{"username": "scale-trainer", "display_name": "Scale Trainer", "role": Role.MASTER_TRAINER,
              "partner_id": None, "password_hash": password_hash, "is_enabled": True, "session_version": 1,
              "created_at": now}]
    for district in districts:
        for n in range(1, 4):
            staff.append({"username": f"scale-facilitator-{partner_ids[district]}" + ("" if n == 1 else f"-{n}"),
                          "display_name": f"Facilitator {n} {district}", "role": Role.FACILITATOR,
                          "partner_id": partner_ids[district], "password_hash": password_hash, "is_enabled": True,
                          "session_version": 1, "created_at": now})
    _rows(User.__table__, staff)
    users = db.session.execute(select(User.id, User.username, User.partner_id)).all()
    trainer_id = next(u.id for u in users if u.username == "scale-trainer")
    facilitators = {}
    for user in users:
        if user.partner_id:
            facilitators.setdefault(user.partner_id, []).append(user.id)

    batch_count = -(-participants // BATCH_SIZE)
    first_start = today - timedelta(days=4 * 365)
    batches, per_district_year = [], {}
    for number in range(batch_count):
        district = districts[number % len(districts)]
        # Spread over four years; the last few batches are running now or planned.
        offset = int((number / batch_count) * (4 * 365 + 30))
        start = first_start + timedelta(days=offset)
        days = _training_days(start)
        key = (district, start.year)
        per_district_year[key] = per_district_year.get(key, 0) + 1
        batches.append({"code": f"{DISTRICTS[district]}-{start.year}-B{per_district_year[key]:03d}",
                        "partner_id": partner_ids[district], "district": district,
                        "venue": f"Community hall {number % 7 + 1}", "start_date": days[0], "end_date": days[-1],
                        "off_days": "4", "language": "bn" if number % 5 else "en", "capacity": BATCH_SIZE,
                        "master_trainer_id": trainer_id, "created_at": now})
    _rows(Batch.__table__, batches)
    batch_rows = db.session.execute(select(Batch.id, Batch.partner_id, Batch.start_date, Batch.end_date)
                                    .order_by(Batch.id)).all()
    _rows(batch_facilitator, [{"batch_id": b.id, "user_id": facilitators[b.partner_id][i % 3]}
                              for i, b in enumerate(batch_rows)])
    _rows(TrainingDay.__table__, [{"batch_id": b.id, "number": n + 1, "date": d}
                                  for b in batch_rows for n, d in enumerate(_training_days(b.start_date))])

    # Participants: one login row each (no secret but the first of each batch), then the person.
    codes, people_users = [], []
    per_prefix = {}
    for index in range(participants):
        batch = batch_rows[index // BATCH_SIZE]
        district = districts[(index // BATCH_SIZE) % len(districts)]
        prefix = f"{DISTRICTS[district]}-{batch.start_date.year}-"
        per_prefix[prefix] = per_prefix.get(prefix, 0) + 1
        code = f"{prefix}{per_prefix[prefix]:04d}" if per_prefix[prefix] < 10_000 else f"{prefix}{per_prefix[prefix]}"
        codes.append(code)
        people_users.append({"username": code, "display_name": "", "role": Role.PARTICIPANT,
                             "partner_id": partner_ids[district],
                             "password_hash": pin_hash if index % BATCH_SIZE == 0 else "!no-pin",
                             "is_enabled": True, "session_version": 1, "created_at": now})
    _rows(User.__table__, people_users)
    user_ids = dict(db.session.execute(select(User.username, User.id).where(User.role == Role.PARTICIPANT)).all())
    people = []
    for index, code in enumerate(codes):
        name = f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"
        district = districts[(index // BATCH_SIZE) % len(districts)]
        people.append({"code": code, "partner_id": partner_ids[district], "user_id": user_ids[code],
                       "full_name": name, "name_key": name.casefold(),
                       "gender": "woman" if rng.random() < 0.65 else ("man" if rng.random() < 0.97 else "other"),
                       "birth_year": rng.randint(1975, 2006), "district": district,
                       "phone": f"017{rng.randint(10_000_000, 99_999_999)}", "consent_data_use": True,
                       "consent_photos": rng.random() < 0.5, "consent_date": batch_rows[index // BATCH_SIZE].start_date,
                       "created_at": now})
    _rows(Participant.__table__, people)
    person_ids = dict(db.session.execute(select(Participant.code, Participant.id)).all())

    enrolments = []
    for index, code in enumerate(codes):
        batch = batch_rows[index // BATCH_SIZE]
        dropped = batch.start_date < today and rng.random() < 0.06
        enrolments.append({"batch_id": batch.id, "participant_id": person_ids[code],
                           "status": "dropped" if dropped else "active", "enrolled_on": batch.start_date,
                           "ended_on": batch.start_date + timedelta(days=3) if dropped else None,
                           "reason": rng.choice(("work", "moved", "health", "family")) if dropped else None,
                           "created_at": now})
    _rows(Enrolment.__table__, enrolments)
    enrolment_rows = db.session.execute(select(Enrolment.id, Enrolment.batch_id, Enrolment.participant_id,
                                               Enrolment.status)).all()
    days_by_batch = {}
    for day_id, batch_id, day_date in db.session.execute(select(TrainingDay.id, TrainingDay.batch_id,
                                                                TrainingDay.date)):
        days_by_batch.setdefault(batch_id, []).append((day_id, day_date))
    marker = {b.id: facilitators[b.partner_id][i % 3] for i, b in enumerate(batch_rows)}
    marks, total_marks = [], 0
    for enrolment in enrolment_rows:
        for day_id, day_date in days_by_batch[enrolment.batch_id]:
            if day_date > today:
                continue
            marks.append({"training_day_id": day_id, "enrolment_id": enrolment.id, "status": rng.choice(STATUSES),
                          "note": "", "marked_by_id": marker[enrolment.batch_id], "marked_at": now})
            if len(marks) >= CHUNK * 4:
                _rows(AttendanceMark.__table__, marks)
                total_marks += len(marks)
                marks = []
    _rows(AttendanceMark.__table__, marks)
    total_marks += len(marks)

    # Canvases for everyone whose batch has begun; approved plans and certificates for completers.
    batch_by_id = {b.id: b for b in batch_rows}
    begun = [e for e in enrolment_rows if batch_by_id[e.batch_id].start_date <= today]
    canvases = []
    for enrolment in begun:
        batch = batch_by_id[enrolment.batch_id]
        done = batch.end_date < today and enrolment.status == "active"
        trade = rng.choice(TRADES)
        blocks = {key: [] for key in CANVAS_BLOCKS}
        for key in list(CANVAS_BLOCKS)[: (9 if done else rng.randint(1, 9))]:
            blocks[key] = [f"{trade}: {key.replace('_', ' ')}"]
        canvases.append({"participant_id": enrolment.participant_id, "business_name": trade,
                         "status": "approved" if done else "draft", "revision": 2, "blocks": blocks,
                         "created_at": now, "updated_at": now, "updated_by_id": None})
    _rows(Canvas.__table__, canvases)
    canvas_ids = dict(db.session.execute(select(Canvas.participant_id, Canvas.id)).all())
    revisions = []
    for row in canvases:
        canvas_id = canvas_ids[row["participant_id"]]
        first = {key: row["blocks"][key][:0] for key in CANVAS_BLOCKS}
        revisions.append({"canvas_id": canvas_id, "number": 1, "base_number": 0, "author_id": None, "created_at": now,
                          "action": "name", "changed": [], "snapshot": {"business_name": row["business_name"],
                                                                       "blocks": first}})
        revisions.append({"canvas_id": canvas_id, "number": 2, "base_number": 1, "author_id": None, "created_at": now,
                          "action": "add", "changed": [k for k in CANVAS_BLOCKS if row["blocks"][k]],
                          "snapshot": {"business_name": row["business_name"], "blocks": row["blocks"]}})
    _rows(CanvasRevision.__table__, revisions)
    _rows(FinancialPlan.__table__, [{"canvas_id": canvas_ids[row["participant_id"]], "version": 1,
                                      "own_money": 5_000, "loan_amount": 10_000, "loan_rate": 24,
                                      "loan_method": "declining", "loan_months": 12, "updated_at": now}
                                     for row in canvases if row["status"] == "approved"])
    plan_ids = [p for p, in db.session.execute(select(FinancialPlan.id))]
    _rows(PlanCost.__table__, [{"plan_id": p, "kind": kind, "position": 0, "name": name, "quantity": 1,
                                "amount": amount} for p in plan_ids
                               for kind, name, amount in (("startup", "Sewing machine", 9_000),
                                                          ("fixed", "Rent", 800))])
    _rows(PlanProduct.__table__, [{"plan_id": p, "position": 0, "name": "Blouse", "variable_cost": 180,
                                   "markup_percent": 40, "price": None, "units_per_month": 60} for p in plan_ids])

    partner_names = {row["district"]: row["name"] for row in partners}
    names = {p["code"]: p["full_name"] for p in people}
    code_by_person = {v: k for k, v in person_ids.items()}
    certificates, serials = [], {}
    for enrolment in begun:
        batch = batch_by_id[enrolment.batch_id]
        if not (batch.end_date < today and enrolment.status == "active"):
            continue
        year = batch.end_date.year
        serials[year] = serials.get(year, 0) + 1
        code = code_by_person[enrolment.participant_id]
        district = next(d for d, pid in partner_ids.items() if pid == batch.partner_id)
        secret = "".join(rng.choice(CODE_ALPHABET) for _ in range(26))
        certificates.append({"serial": f"EDT-{year}-{serials[year]:06d}", "code": secret,
                             "participant_id": enrolment.participant_id, "enrolment_id": enrolment.id,
                             "batch_id": batch.id, "status": "valid", "holder_name": names[code],
                             "partner_name": partner_names[district], "training_start": batch.start_date,
                             "training_end": batch.end_date, "signatories": [["Scale Trainer", "Master trainer"]],
                             "issued_on": batch.end_date + timedelta(days=3),
                             "verify_url": f"{public_url}/verify/{secret}",
                             "issued_by_id": trainer_id, "created_at": now})
    _rows(Certificate.__table__, certificates)
    db.session.commit()
    return {"partners": len(partners), "staff": len(staff), "batches": len(batch_rows), "participants": len(people),
            "enrolments": len(enrolment_rows), "attendance_marks": total_marks, "canvases": len(canvases),
            "certificates": len(certificates)}
