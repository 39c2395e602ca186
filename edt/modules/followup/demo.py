"""Demo data for the follow-ups (called by edt/demo.py): two Khulna batches that finished months
ago with their 1-, 3- and 6-month visits (done, not reached, refused, a consent withdrawn, some
overdue, one missed), support given, visits due this week and this month, and রহিমা's money book
with three months of lines next to her plan. All names are invented."""
from datetime import timedelta

from edt.clock import today
from edt.extensions import db
from edt.modules.batches import services as batches
from edt.modules.participants import services as participants

from . import queries, rules, services
from .models import FollowUpStatus

SIX_MONTH = ("হাসিনা বেগম", "Lipi Akter", "রেহানা পারভীন", "Selina Khatun", "মমতাজ বেগম", "Nurjahan Begum",
             "শাহনাজ আক্তার", "Rupa Rani", "জোছনা খাতুন", "Bilkis Ara", "আনোয়ারা বেগম", "Tahmina Akter")
THREE_MONTH = ("সাবিনা ইয়াসমিন", "Kohinoor Begum", "মাসুমা খাতুন", "Rokeya Sultana", "পারভীন আক্তার",
               "Dolly Rani", "শিরিন সুলতানা", "Monira Begum", "ফেরদৌসী রহমান", "Asma Khatun")
SOON = ("রুমানা আক্তার", "Nilufa Yasmin", "শেফালী রানী", "Hosne Ara")
INCOMES = ("0", "1-2000", "0", "2001-5000", "1-2000", "0", "undisclosed", "1-2000", "0", "2001-5000", "", "0")
TRADES = ("Tailoring", "Poultry", "Grocery corner", "Cattle fattening", "Handicrafts", "Beauty parlour")


def _finished_batch(trainer, partner, facilitator, names, *, last_day, first_index: int):
    """A batch whose last day is about `last_day`: scheduled ahead, people enrolled, day 1 moved back."""
    people = [participants.register(trainer, partner_id=partner.id, full_name=name,
                                    gender="man" if name == "Hosne Ara" else "woman",
                                    birth_year=1982 + (first_index + i) * 3 % 22, district=partner.district,
                                    phone=f"0172{first_index + i:07d}" if i % 4 != 3 else None,
                                    consent_data_use=True, pin=None,
                                    intake={"intake_work": "none" if i % 3 else "wage",
                                            "intake_income": INCOMES[i % len(INCOMES)],
                                            "intake_income_source": "day_labour" if i % 3 == 0 else "family",
                                            "intake_household": str(3 + i % 4),
                                            "intake_business": "no" if i % 5 else "yes"})
              for i, name in enumerate(names)]
    batch = batches.create_batch(trainer, partner_id=partner.id, district=None, venue="Dumuria NGO office",
                                 start_date=today() + timedelta(days=3), off_days=set(),
                                 facilitator_ids=[facilitator.id], clash_ok=batches.KEEP_BOTH)
    enrolments = batches.enrol(trainer, batch, people)
    batches.move_day(trainer, batch.days[0], last_day - timedelta(days=9), confirmed=True, shift_following=True,
                     clash_ok=batches.KEEP_BOTH)
    db.session.refresh(batch)
    return batch, people, enrolments


def _visit(actor, person, batch, stage, **values):
    visit = queries.visit_for(actor, person.id, batch.id, stage, today())
    status = values.pop("status", FollowUpStatus.DONE.value)
    if status == FollowUpStatus.NOT_REACHED.value:
        return services.not_reached(actor, visit)
    return services.record(actor, visit, status=status, **values)


def _done(i: int, stage: str, months: int) -> dict:
    """Answers that get better with time, as they often do (and not for everyone)."""
    works = ("self", "self", "none", "both", "self", "wage", "self", "none", "self", "both")[i % 10]
    started = works in ("self", "both")
    ranks = ("0", "1-2000", "2001-5000", "5001-10000")
    step = min(3, (i % 3) + months // 3)
    return {"method": ("home", "phone", "office")[i % 3], "consent_confirmed": True, "works_now": works,
            "business_started": started, "trade": TRADES[i % len(TRADES)] if started else "",
            "still_running": started if months < 12 else None, "income_range": ranks[step if started else i % 2],
            "days_worked": 18 + i % 10 if works != "none" else 0, "savings": i % 2 == 0,
            "loan_source": ("none", "mfi", "samity", "none", "family")[i % 5],
            "support_since": ["mentoring"] if i % 2 else [], "needs": ["capital", "market"] if i % 3 else ["skills"],
            "needs_note": "", "next_step": "Visit the wholesale market together" if i % 4 == 0 else ""}


def seed(trainer, partner, facilitator, rahima) -> dict:
    now = today()
    # Six months ago: 1-, 3- and 6-month visits; the 6-month ones due five days ago.
    six = rules.stage("m6")
    six_last_day = rules.add_months(now - timedelta(days=5), -six.months)
    old, old_people, old_enrolments = _finished_batch(trainer, partner, facilitator, SIX_MONTH,
                                                      last_day=six_last_day, first_index=100)
    batches.drop_out(trainer, old_enrolments[11], on=old.days[4].date, reason="family")
    for i, person in enumerate(old_people[:11]):
        _visit(facilitator, person, old, "m1", **_done(i, "m1", 1))
        if i == 4:
            _visit(facilitator, person, old, "m3", status=FollowUpStatus.REFUSED.value)
        elif i != 7:  # the 3-month visit of person 7 was missed
            _visit(facilitator, person, old, "m3", **_done(i, "m3", 3))
        if i < 7 and i != 4:
            _visit(facilitator, person, old, "m6", **_done(i, "m6", 6))
        elif i == 8:
            _visit(facilitator, person, old, "m6", status=FollowUpStatus.NOT_REACHED.value)
    _visit(facilitator, old_people[11], old, "m3", **_done(11, "m3", 3))  # the one who left early
    # Three months ago: 1-month visits done, the 3-month ones due eight days ago (some overdue).
    three_last_day = rules.add_months(now - timedelta(days=8), -3)
    recent, recent_people, _enrolments = _finished_batch(trainer, partner, facilitator, THREE_MONTH,
                                                         last_day=three_last_day, first_index=200)
    for i, person in enumerate(recent_people):
        _visit(facilitator, person, recent, "m1", **_done(i, "m1", 1))
        if i < 4:
            _visit(facilitator, person, recent, "m3", **_done(i, "m3", 3))
        elif i == 4:
            _visit(facilitator, person, recent, "m3", status=FollowUpStatus.WITHDRAWN.value)
    # Visits due this week and later this month.
    week, _p, _e = _finished_batch(trainer, partner, facilitator, SOON[:2],
                                   last_day=rules.add_months(now + timedelta(days=3), -1), first_index=300)
    month, _p, _e = _finished_batch(trainer, partner, facilitator, SOON[2:],
                                    last_day=rules.add_months(now + timedelta(days=20), -1), first_index=310)
    # Support given after the training.
    for i, (person, kind) in enumerate(((old_people[0], "mentoring"), (old_people[0], "loan"),
                                        (old_people[1], "market"), (old_people[3], "grant"),
                                        (old_people[5], "bds"), (recent_people[2], "counselling"),
                                        (recent_people[0], "mentoring"))):
        services.add_support(facilitator, person, kind=kind, given_on=now - timedelta(days=40 + 9 * i),
                             note="Linked with the Dumuria wholesale market" if kind == "market" else "")
    # রহিমা's money book: three months of lines, shared with her facilitator.
    first = rules.add_months(now.replace(day=1), -2)
    lines = (("sales", 5200), ("inputs", 2100), ("rent", 1200), ("transport", 300), ("household", 900),
             ("sales", 1800), ("savings", 500), ("loan", 700))
    for month_index in range(3):
        start = rules.add_months(first, month_index)
        for j, (category, amount) in enumerate(lines):
            day = min(start + timedelta(days=2 + j * 3), now)
            services.add_entry(rahima.user, rahima, category=category,
                               amount=amount + 300 * month_index if category == "sales" else amount, on=day)
    services.set_shared(rahima.user, rahima, True)
    return {"followup_batches": [old, recent, week, month]}
