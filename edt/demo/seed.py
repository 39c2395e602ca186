"""The demo story for `flask --app edt seed-demo`: every feature populated with realistic records,
built with the recipes in edt/demo/builders.py. All names are invented. Never loaded in
production (its logins are public)."""
import random
from datetime import date, timedelta

from sqlalchemy import select

from edt import audit
from edt.clock import today, utcnow
from edt.demo.builders import business_plan, certifiable_batch, days_in_order, finished_batch, mark_attendance
from edt.extensions import db
from edt.instruments import DONT_KNOW, instruments
from edt.modules.accounts import services as accounts
from edt.modules.accounts.models import User
from edt.modules.assessments import queries as assessment_queries
from edt.modules.assessments import services as assessments
from edt.modules.attendance import services as attendance
from edt.modules.attendance.models import AttendanceMark
from edt.modules.attendance.services import Entry
from edt.modules.batches.models import Batch
from edt.modules.batches import queries as batch_queries
from edt.modules.batches import services as batches
from edt.modules.canvas import plan
from edt.modules.canvas import services as canvases
from edt.modules.certificates import services as certificates
from edt.modules.followup import demo as followup_demo
from edt.modules.participants import services as participants
from edt.modules.participants.models import Participant
from edt.modules.privacy import services as privacy
from edt.modules.trainers import services as trainers
from edt.modules.trainers.models import TotKind
from edt.security import SYSTEM, Role

DEMO_PASSWORD = "edt-demo-password"  # nosec B105  # the demo's public login, seed-demo refuses production
DEMO_PIN = "482916"
YEAR = 2026


def seed() -> dict:
    khulna = accounts.save_partner(SYSTEM, None, name="Shapla Development Trust", district="Khulna")
    jashore = accounts.save_partner(SYSTEM, None, name="Nodi Women's Forum", district="Jashore")
    trainer = accounts.create_staff(SYSTEM, username="trainer", password=DEMO_PASSWORD, role=Role.MASTER_TRAINER,
                                    display_name="Farzana Haque")
    facilitator = accounts.create_staff(SYSTEM, username="facilitator", password=DEMO_PASSWORD, role=Role.FACILITATOR,
                                        display_name="Nasrin Sultana", partner_id=khulna.id)
    facilitator2 = accounts.create_staff(SYSTEM, username="facilitator2", password=DEMO_PASSWORD,
                                         role=Role.FACILITATOR, display_name="Mahmudul Islam", partner_id=jashore.id)
    first = participants.register(trainer, partner_id=khulna.id, full_name="রহিমা খাতুন", gender="woman",
                                  birth_year=1994, district="Khulna", consent_data_use=True, consent_photos=False,
                                  consent_date=date(YEAR, 1, 10), pin=DEMO_PIN, year=YEAR)
    second = participants.register(trainer, partner_id=jashore.id, full_name="Shirin Akter", gender="woman",
                                   birth_year=1990, district="Jashore", consent_data_use=True, consent_photos=True,
                                   consent_date=date(YEAR, 1, 12), pin=DEMO_PIN, year=YEAR)
    db.session.commit()
    seed_trainers(trainer, khulna, jashore, facilitator, facilitator2)
    finished = seed_certificates(trainer, khulna, facilitator)["certificate_batch"]
    running = seed_batches(trainer, khulna, jashore, facilitator, facilitator2, first, second)["running"]
    seed_canvases(trainer, facilitator, facilitator2, first, second)
    others = seed_reports(trainer)
    seed_assessments([finished, *others], running)
    seed_privacy(trainer, facilitator, khulna, first)
    followup_demo.seed(trainer, khulna, facilitator, first)
    seed_batch_observation(trainer, facilitator)
    return {"trainer": trainer, "facilitator": facilitator, "facilitator2": facilitator2,
            "participants": [first, second]}


def demo_participant_codes() -> list[str]:
    names = ("রহিমা খাতুন", "Shirin Akter")
    rows = db.session.execute(select(Participant.code, Participant.full_name)
                              .where(Participant.full_name.in_(names)).order_by(Participant.code)).all()
    return [code for code, _ in rows]


def logins_text() -> str:
    codes = ", ".join(demo_participant_codes()) or "(none)"
    return (
        "Demo logins (http://127.0.0.1:5000):\n"
        f"  staff: trainer (master trainer), facilitator (Khulna), facilitator2 (Jashore), facilitator3 (Khulna, "
        f"provisional); password {DEMO_PASSWORD}\n"
        f"  participants: {codes}; PIN {DEMO_PIN} (KHU-: a Bangla batch, Bangla pages by default; "
        "JAS-: an English batch)"
        + certificate_holder_line()
    )



# --- certificates ---------------------------------------------------------------------------------

GRADUATES = (  # (name, days present, canvas status): invented people of a batch that has finished
    ("শাহানা পারভীন", 10, "approved"), ("Rashida Begum", 10, "approved"), ("নাসিমা আক্তার", 9, "submitted"),
    ("Moushumi Das", 10, "approved"), ("ফাতেমা খাতুন", 8, "submitted"), ("Jesmin Nahar", 9, "approved"),
    ("সুমি রানী দাস", 10, "submitted"), ("Ayesha Siddika", 7, "submitted"), ("পারুল বেগম", 10, "draft"),
    ("Kulsum Bibi", 9, "approved"), ("মরিয়ম নেছা", 10, "approved"), ("Tania Sultana", 6, "submitted"),
)


def seed_certificates(trainer, partner, facilitator) -> dict:
    """A Khulna batch that finished about three weeks ago, attendance and business plans
    recorded, certificates issued to everyone eligible, one issued with a reason although the rule
    was not met, one revoked, and one reissued after a spelling correction."""
    people = [participants.register(trainer, partner_id=partner.id, full_name=name, gender="woman",
                                    birth_year=1985 + i, district=partner.district, consent_data_use=True,
                                    consent_photos=i % 3 == 0, pin=DEMO_PIN)
              for i, (name, _days, _canvas) in enumerate(GRADUATES)]

    def status_of(i, number):
        present = GRADUATES[i][1]
        if number <= present:
            return "late" if number == 3 and present == 10 else "present"
        return "excused" if number == present + 1 else "absent"

    ideas = ("Tailoring: blouses and school uniforms", "Ducks and chickens: eggs for the market",
             "Grocery corner shop", "Cattle fattening for Eid", "Beauty parlour at home", "Handmade nakshi kantha")
    batch, enrolments = certifiable_batch(
        trainer, partner, [facilitator], people, status_of=status_of, marker=facilitator, reviewer=facilitator,
        plans=[status for _name, _days, status in GRADUATES], notes=[ideas[i % len(ideas)] for i in range(len(people))],
        venue="Rupsha Union Parishad hall", first_day=today() - timedelta(days=32))
    issued = certificates.issue_all_eligible(trainer, batch)
    by_person = {c.participant_id: c for c in issued}
    certificates.issue(trainer, enrolments[7], override_reason="Missed two days when the ferry stopped; "
                                                               "caught up with the facilitator.")
    certificates.revoke(trainer, by_person[people[10].id], "Attendance for this person was entered twice.")
    corrected = people[5]
    participants.update(trainer, corrected, full_name="Jasmin Nahar", gender=corrected.gender,
                        birth_year=corrected.birth_year, district=corrected.district, phone=corrected.phone,
                        consent_data_use=True, consent_photos=corrected.consent_photos,
                        consent_date=corrected.consent_date)
    certificates.reissue(trainer, by_person[corrected.id])
    return {"certificate_batch": batch, "graduates": people}


def certificate_holder_line() -> str:
    code = db.session.scalar(select(Participant.code).where(Participant.full_name == GRADUATES[0][0]))
    return f"\n  a participant with a certificate: {code}; PIN {DEMO_PIN}" if code else ""


# --- batches, days and attendance -----------------------------------------------------------------

KHULNA_NAMES = (
    "আকলিমা খাতুন", "Rokeya Begum", "সাথী আক্তার", "Hasina Khatun", "মুক্তা রানী", "Laily Begum", "শিরিন সুলতানা",
    "Beauty Akter", "রুমা খাতুন", "Parveen Sultana", "জোসনা বেগম", "Mst. Shefali", "তাসলিমা আক্তার",
    "Rina Das", "কোহিনূর বেগম", "Sabina Yasmin", "লাকী খাতুন", "Halima Begum", "মাহমুদা আক্তার", "Jhorna Rani",
    "Abdul Karim", "সোহেল রানা",
)
JASHORE_NAMES = (
    "রাবেয়া খাতুন", "Nurjahan Begum", "পপি আক্তার", "Morjina Khatun", "রেহানা পারভীন", "Anjuara Begum",
    "সুফিয়া খাতুন", "Rupa Akter", "আছিয়া বেগম", "Mousumi Rani", "Rafiqul Islam", "শাহনাজ বেগম", "Kakoli Das",
    "ফরিদা ইয়াসমিন",
)
MEN = ("Abdul Karim", "সোহেল রানা", "Rafiqul Islam")
PLANNED_NAMES = ("নাজমা বেগম", "Sharmin Akter", "রত্না রানী", "Monowara Begum", "শাপলা খাতুন")
HOLIDAYS = ((2, 21, "Language Martyrs' Day"), (3, 26, "Independence Day"), (4, 14, "Pohela Boishakh"),
            (5, 1, "May Day"), (12, 16, "Victory Day"))


def _working_days_back(start, count, off_weekdays, holidays):
    """The date `count` working days before `start` (or `start` itself when count is 0)."""
    day = start
    while count:
        day -= timedelta(days=1)
        if day.weekday() not in off_weekdays and day not in holidays:
            count -= 1
    return day


def seed_batches(trainer, khulna, jashore, facilitator, facilitator2, rahima, shirin) -> dict:
    """A Khulna batch on its fifth day (today, not yet marked: the facilitator's first task),
    with a drop-out, a transfer and two people at risk; a planned Khulna batch; a Jashore batch
    run by facilitator2; and the public holidays of this year and the next."""
    now = today()
    # The government list shipped with EDT (2026 and 2027, lunar dates marked), then the fixed
    # dates for any other year the demo runs in.
    batches.load_holidays(trainer, batches.HOLIDAY_FILE.read_text(encoding="utf-8"))
    for year in (now.year, now.year + 1):
        for month, day, name in HOLIDAYS:
            if not batch_queries.holiday_dates(date(year, month, day), date(year, month, day)):
                batches.add_holiday(trainer, date(year, month, day), name)
    holidays = batch_queries.holiday_dates(now - timedelta(days=30), now)
    # Friday is the weekly off day; on a Friday the demo batch rests on Saturday instead, so that
    # "today" is always a training day when someone opens the demo.
    off = {5} if now.weekday() == 4 else {4}

    def register(partner, name, i):
        return participants.register(trainer, partner_id=partner.id, full_name=name,
                                     gender="man" if name in MEN else "woman",
                                     birth_year=1978 + (i * 7) % 27, district=partner.district,
                                     phone=f"0171{i:07d}" if i % 3 == 0 else None, consent_data_use=True,
                                     consent_photos=i % 2 == 0, pin=None)

    running = batches.create_batch(trainer, partner_id=khulna.id, district=None, venue="Sonadanga community hall",
                                   start_date=_working_days_back(now, 4, off, holidays), off_days=off,
                                   facilitator_ids=[facilitator.id])
    people = [rahima] + [register(khulna, name, i) for i, name in enumerate(KHULNA_NAMES)]
    enrolments = batches.enrol(trainer, running, people)
    past = [d for d in running.days if d.date < now]

    def khulna_pattern(i, number):
        if i in (5, 14) and number in (2, 3):
            return "absent"  # two people at risk
        if i == 9 and number == 3:
            return "excused"
        if (i + number) % 11 == 0:
            return "late"
        return "present"

    mark_attendance(facilitator, past, enrolments, khulna_pattern)
    if len(past) >= 3:
        batches.drop_out(facilitator, enrolments[20], on=past[2].date, reason="work")

    planned = batches.create_batch(trainer, partner_id=khulna.id, district=None, venue="Rupsha Union Parishad hall",
                                   start_date=now + timedelta(days=12), facilitator_ids=[facilitator.id])
    batches.enrol(trainer, planned, [register(khulna, name, 30 + i) for i, name in enumerate(PLANNED_NAMES)])
    # Someone whose family moved across the river joins the later batch; days 1-3 still count there.
    if len(past) >= 3:
        batches.transfer(facilitator, enrolments[12], planned, on=past[2].date)

    # Khulna's batches are in Bangla (their participants log in to Bangla pages and get Bangla code
    # cards and certificates); this one is in English, to show both.
    jashore_batch = batches.create_batch(trainer, partner_id=jashore.id, district=None, venue="Jhikargachha NGO office",
                                         start_date=_working_days_back(now, 2, {4}, holidays),
                                         facilitator_ids=[facilitator2.id], language="en")
    jashore_people = [shirin] + [register(jashore, name, 50 + i) for i, name in enumerate(JASHORE_NAMES)]
    jashore_enrolments = batches.enrol(trainer, jashore_batch, jashore_people)
    mark_attendance(facilitator2, [d for d in jashore_batch.days if d.date <= now], jashore_enrolments,
                    lambda i, number: "late" if i == 3 else "present")
    return {"running": running, "planned": planned, "jashore_batch": jashore_batch}


# --- business plans: canvases and financial plans -------------------------------------------------

RAHIMA_CANVAS = {  # a tailoring business, in Bangla as she wrote it
    "value_propositions": ["মাপমতো সালোয়ার কামিজ ও স্কুল ইউনিফর্ম", "ঈদের আগে সময়মতো ডেলিভারি",
                           "মহিলারা মহিলাদের মাপ নেন: নিরাপদ ও স্বস্তির জায়গা"],
    "customer_segments": ["পাড়ার মহিলারা", "স্কুলের ছাত্রীদের মা-বাবা", "গার্মেন্টস কর্মী (বেতনের দিনে)"],
    "channels": ["বাড়ি থেকে বিক্রি", "স্কুলের গেটে নমুনা দেখানো"],
    "customer_relationships": ["নিয়মিত গ্রাহকের জন্য ছোট ছাড়", "ফোনে অর্ডার নেওয়া"],
    "key_partners": ["বড় বাজারের কাপড়ের পাইকার", "সঞ্চয় দলের সদস্যরা"],
    "key_activities": ["মাপ নেওয়া", "কাটিং ও সেলাই", "ইস্ত্রি ও প্যাকিং"],
    "key_resources": ["পায়ে চালানো সেলাই মেশিন", "কাঁচি, ফিতা, ইস্ত্রি", "দুই বছরের সেলাইয়ের অভিজ্ঞতা"],
    "cost_structure": ["কাপড় ও সুতা", "ঘর ভাড়ার অংশ", "বিদ্যুৎ"],
    "revenue_streams": ["প্রতি সেট ৬২০ টাকা", "নগদ ও বিকাশ"],
}
SHIRIN_CANVAS = {  # a snack stall, approved
    "value_propositions": ["Fresh singara and samosa, hot at 4 pm", "Clean stall, covered food"],
    "customer_segments": ["Students of the college", "Rickshaw pullers at the stand", "Evening shoppers"],
    "channels": ["Stall at the college gate", "Tiffin orders by phone for two offices"],
    "customer_relationships": ["Same taste every day", "Tenth snack free on a card"],
    "key_partners": ["Flour and oil from Jhikargachha bazar", "Husband fetches potatoes"],
    "key_activities": ["Preparing filling at noon", "Frying in small batches", "Keeping the stall clean"],
    "key_resources": ["Gas stove and karai", "Stall space (rented)", "Food safety training"],
    "cost_structure": ["Flour, oil, potatoes, onions", "Gas cylinder", "Stall rent"],
    "revenue_streams": ["Tk 10 a piece, cash", "Tiffin orders paid weekly"],
}
ROKEYA_CANVAS = {  # poultry, sent for review
    "value_propositions": ["Sonali chicken raised without antibiotics", "দেশি স্বাদ, ন্যায্য দাম"],
    "customer_segments": ["Households before Eid", "Two restaurants in Sonadanga"],
    "channels": ["Sold from the yard", "Delivered by van to the restaurants"],
    "key_resources": ["Shed for 100 birds", "Feeders and drinkers"],
    "cost_structure": ["Chicks", "Feed", "Vaccines"],
    "revenue_streams": ["Tk 230 a bird"],
}
WAITING_CANVASES = (  # (name, business, notes, hours since sent): more canvases in the review queue
    ("Hasina Khatun", "Hasina Goat Rearing", {
        "value_propositions": ["Healthy Black Bengal goats for Eid"], "customer_segments": ["Neighbours", "Bazar traders"],
        "key_resources": ["Two does and a shed"], "cost_structure": ["Feed", "Vaccines"],
        "revenue_streams": ["Tk 9,000 a goat before Eid"]}, 30),
    ("মুক্তা রানী", "মুক্তা হস্তশিল্প", {
        "value_propositions": ["হাতে সেলাই করা নকশি কাঁথা"], "customer_segments": ["শহরের দোকান", "অনলাইন ক্রেতা"],
        "channels": ["মেলায় স্টল"], "cost_structure": ["কাপড়", "সুতা"], "revenue_streams": ["প্রতি কাঁথা ১,৫০০ টাকা"]}, 20),
    ("Beauty Akter", "Beauty Parlour at Home", {
        "value_propositions": ["Bridal make-up at home, women only"], "customer_segments": ["Brides and their families"],
        "key_resources": ["Mirror, chair, kit"], "revenue_streams": ["Tk 1,200 a bride"]}, 3),
)
SATHI_CANVAS = {  # a grocery corner, still a draft
    "value_propositions": ["মুদি দোকান: চাল, ডাল, তেল হাতের কাছে"],
    "customer_segments": ["আশেপাশের ৪০টি পরিবার"],
    "key_resources": ["ঘরের সামনের বারান্দা"],
}


def seed_canvases(trainer, facilitator, facilitator2, rahima, shirin) -> dict:
    """Business plans in every status: রহিমা's tailoring canvas sent back with comments she has
    answered; Shirin's snack stall approved; a poultry canvas waiting for review; a grocery draft.
    Each with a financial plan; some notes written by the facilitator on the participant's behalf,
    and one earlier version restored."""
    def fill(person, items, *, author=None, name=""):
        sheet = canvases.open_canvas(person)
        if name:
            canvases.set_business_name(author or person.user, sheet, name, sheet.revision)
        for block, notes in items.items():
            for note in notes:
                canvases.add_item(author or person.user, sheet, block, note, sheet.revision)
        return sheet

    def by_name(name):
        return db.session.scalar(select(Participant).where(Participant.full_name == name))

    # রহিমা: she writes most notes; her facilitator writes two with her; sent back, then answered.
    sheet = fill(rahima, {k: v for k, v in RAHIMA_CANVAS.items() if k != "key_partners"}, name="রহিমা টেইলার্স")
    fill(rahima, {"key_partners": RAHIMA_CANVAS["key_partners"]}, author=facilitator)
    canvases.add_item(rahima.user, sheet, "channels", "Facebook পেজ", sheet.revision)
    canvases.change_item(rahima.user, sheet, "channels", "remove", 2, sheet.revision)
    canvases.save_plan(rahima.user, sheet, plan.PlanInput(
        startup=[plan.CostLine("পায়ে চালানো সেলাই মেশিন", 9000), plan.CostLine("কাঁচি ও ফিতা", 350),
                 plan.CostLine("ইস্ত্রি", 900)],
        products=[plan.ProductLine("সালোয়ার কামিজ (সেট)", 440, 12, price=620),
                  plan.ProductLine("স্কুল ইউনিফর্ম", 300, 10, markup_percent=40),
                  plan.ProductLine("Repairs and alterations", 5, 25, price=40)],
        fixed=[plan.CostLine("ঘর ভাড়ার অংশ", 1200), plan.CostLine("বিদ্যুৎ", 300), plan.CostLine("Mobile phone", 200)],
        own_money=3000, loan_amount=8000, loan_rate=24, loan_months=12, loan_method="declining"), 0)
    canvases.submit(rahima.user, sheet, sheet.revision)
    canvases.review(facilitator, sheet, "changes", "Which day of the week will you be at the school gate? "
                    "Write it in Channels.", "channels", sheet.revision)
    canvases.comment(facilitator, sheet, "revenue_streams", "How much will you ask for a school uniform?")
    canvases.comment(rahima.user, sheet, "channels", "রবিবার আর বুধবার, ছুটির সময়।")

    # Shirin: approved, with a flat-rate loan she compared with a declining one.
    stall = fill(shirin, SHIRIN_CANVAS, name="Shirin's Snack Corner")
    canvases.save_plan(shirin.user, stall, plan.PlanInput(
        startup=[plan.CostLine("Gas stove", 2500), plan.CostLine("Karai and utensils", 1200),
                 plan.CostLine("Stall cover and table", 1800)],
        products=[plan.ProductLine("Singara", 5, 900, price=10), plan.ProductLine("Samosa", 6, 600, price=10)],
        fixed=[plan.CostLine("Stall rent", 1500), plan.CostLine("Gas", 1400)],
        own_money=2500, loan_amount=5000, loan_rate=12, loan_months=12, loan_method="flat"), 0)
    canvases.submit(shirin.user, stall, stall.revision)
    canvases.comment(facilitator2, stall, "value_propositions", "Good: say why covered food matters to parents.")
    canvases.comment(shirin.user, stall, "value_propositions", "Parents want their children to eat clean food.")
    canvases.review(facilitator2, stall, "approve", "A clear plan. Well done.", None, stall.revision)

    result = {"rahima": sheet, "shirin": stall}
    rokeya, sathi = by_name("Rokeya Begum"), by_name("সাথী আক্তার")
    if rokeya is not None:  # sent for review, written with the facilitator
        coop = fill(rokeya, ROKEYA_CANVAS, name="Rokeya Poultry")
        canvases.add_item(facilitator, coop, "key_partners", "Upazila livestock office (vaccines)", coop.revision)
        canvases.add_item(rokeya.user, coop, "key_partners", "Feed seller", coop.revision)
        canvases.restore(rokeya.user, coop, coop.revision - 1, coop.revision)  # she took hers back out
        canvases.save_plan(facilitator, coop, plan.PlanInput(
            startup=[plan.CostLine("Shed repairs", 4000), plan.CostLine("Chicks", 35, 100)],
            products=[plan.ProductLine("Sonali chicken", 180, 95, markup_percent=25)],
            fixed=[plan.CostLine("Electricity for the shed", 250)],
            own_money=4000, loan_amount=4000, loan_rate=24, loan_months=6, loan_method="declining"), 0)
        canvases.submit(rokeya.user, coop, coop.revision)
        coop.status_at = utcnow() - timedelta(hours=52)  # the longest waiting in the facilitator's queue
        result["rokeya"] = coop
    for name, business, items, hours in WAITING_CANVASES:  # the rest of the review queue
        person = by_name(name)
        if person is None:
            continue
        waiting = fill(person, items, name=business)
        canvases.submit(person.user, waiting, waiting.revision)
        waiting.status_at = utcnow() - timedelta(hours=hours)
    db.session.commit()
    if sathi is not None:  # a draft: the first notes and a plan with a price below cost to fix
        shop = fill(sathi, SATHI_CANVAS)
        canvases.save_plan(sathi.user, shop, plan.PlanInput(
            products=[plan.ProductLine("চাল (কেজি)", 58, 300, price=56), plan.ProductLine("ডাল (কেজি)", 110, 60, price=125)],
            fixed=[plan.CostLine("দোকান ভাড়া", 800)], own_money=6000), 0)
        result["sathi"] = shop
    return result


# --- reports ----------------------------------------------------------------------------------

REPORT_PARTNERS = (  # invented partner organisations: (name, district, weeks since their batch started)
    ("Padma Mohila Kalyan Samity", "Faridpur", 34), ("Meghna Unnayan Sangstha", "Narsingdi", 26),
    ("Sundarban Jibika Trust", "Satkhira", 19), ("Bakkhali Nari Udyog", "Cox's Bazar", 12),
    ("Buriganga Women's Forum", "Dhaka", 7),
)
BN_WOMEN = ("আমেনা", "ফারজানা", "বিলকিস", "মৌসুমী", "চম্পা", "নাসরিন", "দিলরুবা", "রোকসানা", "সালেহা", "শিউলি")
BN_FAMILY = ("বেগম", "খাতুন", "আক্তার", "পারভীন", "সুলতানা")
EN_WOMEN = ("Hasna", "Jharna", "Kamrun", "Lovely", "Mitu", "Shahida", "Papia", "Reshma", "Momtaz", "Farida")
EN_FAMILY = ("Begum", "Khatun", "Akter", "Sultana", "Parvin")
MEN_NAMES = ("Abul Hossain", "জাহিদ হাসান", "Kamal Uddin", "মিজানুর রহমান", "Shafiqul Islam")


def seed_reports(trainer) -> list:
    """Five finished batches of about twenty people with other partners in other districts, so the
    reports have something to show: attendance, a drop-out or two, business plans and
    certificates, some men, ages from about 20 to 50, and a few people without data-use consent."""
    ideas = ("Tailoring and alterations", "Goat rearing", "Duck and chicken eggs", "Tea stall", "Handicrafts",
             "Mobile recharge and bKash point", "Vegetable vending", "Beauty parlour at home")
    finished = []
    for b, (name, district, weeks) in enumerate(REPORT_PARTNERS):
        partner = accounts.save_partner(SYSTEM, None, name=name, district=district)
        staff = accounts.create_staff(SYSTEM, username=f"facilitator-{district.split()[0].lower().strip(chr(39) + 's')}",
                                      password=DEMO_PASSWORD, role=Role.FACILITATOR,
                                      display_name=f"{district} facilitator", partner_id=partner.id)
        # The first district's credential dates from the first phase and runs out within 90 days;
        # its holder took the refresher two months ago, so the renewal is due, not the lapse.
        certified_on = today() - timedelta(days=3 * 365 - 45) if b == 0 else today() - timedelta(days=200 + 30 * b)
        trainers.record_prior(SYSTEM, staff, status="certified", on=certified_on, reason="Phase I ToT register")
        if b == 0:
            refresher = trainers.schedule_tot(trainer, title=f"Refresher {district}", kind=TotKind.REFRESHER,
                                              venue=f"{district} NGO hall", start_date=today() - timedelta(days=60),
                                              days=1, partner_ids=[partner.id])
            trainers.add_trainees(trainer, refresher, [staff.id])
            trainers.save_marks(trainer, refresher.days[0], [Entry(enrolment_id=refresher.trainees[0].id,
                                                                   status="present")])
        people = []
        for j in range(18 + b):
            if (j + b) % 9 == 4:
                full, gender = MEN_NAMES[(j + b) % len(MEN_NAMES)], "man"
            elif j % 2:
                full, gender = f"{BN_WOMEN[(j + b) % 10]} {BN_FAMILY[(j * 3 + b) % 5]}", "woman"
            else:
                full, gender = f"{EN_WOMEN[(j + 2 * b) % 10]} {EN_FAMILY[(j + b) % 5]}", "woman"
            people.append(participants.register(trainer, partner_id=partner.id, full_name=full, gender=gender,
                                                birth_year=1974 + (j * 7 + b * 3) % 32, district=district,
                                                consent_data_use=True, consent_photos=j % 4 == 0, pin=None))
            if (j + b) % 11 == 5:  # agreed when registered, withdrew later: counted, never listed
                people[-1].consent_data_use = False
        batch, enrolments = finished_batch(trainer, partner, [staff.id], people, venue=f"{district} NGO hall",
                                           first_day=today() - timedelta(weeks=weeks), scheduled_in=3)
        days = days_in_order(batch)
        leaver = enrolments[-2]

        def status(j, number):
            if j % 7 == 3 and number in (5, 6):
                return "absent"  # two days away: at risk, still eligible
            if j % 9 == 8 and number > 6:
                return "absent"  # stopped coming: not eligible
            return "late" if (j + number) % 13 == 0 else "present"

        for day in days:
            if day.number == 4 and leaver.status == "active":
                batches.drop_out(staff, leaver, on=days[2].date, reason=("work", "family", "moved")[b % 3])
            on_list = [(j, e) for j, e in enumerate(enrolments) if e.status == "active" or day.number < 4]
            attendance.save_day(staff, day, [attendance.Entry(enrolment_id=e.id, status=status(j, day.number))
                                             for j, e in on_list])
        for j, person in enumerate(people[:-2] + people[-1:]):  # the one who left has no plan
            status = "draft" if j % 5 == 4 else "approved" if j % 3 != 1 else "submitted"
            business_plan(person, status, reviewer=staff, note=ideas[(j + b) % len(ideas)])
        certificates.issue_all_eligible(trainer, batch)
        finished.append(batch)
    return finished


# --- tests --------------------------------------------------------------------------------------------

# How hard each skill is before and after the ten days (chance of a right answer for an average
# person): loans stay hard (flat against declining interest), records and marketing are learned well.
SKILL_CHANCES = {"costing": (0.35, 0.75), "pricing": (0.4, 0.8), "break-even": (0.2, 0.6), "records": (0.3, 0.85),
                 "loans": (0.25, 0.45), "marketing": (0.55, 0.85), "risk": (0.45, 0.8), "law": (0.3, 0.65),
                 "planning": (0.3, 0.7)}


def believable_answer(item, chance: float, roll: float, roll2: float) -> str:
    """A believable answer: right with `chance`, else "don't know" or a wrong one."""
    if item.type == "oral":
        return str(2 if roll < chance * 0.7 else 1 if roll < chance + 0.2 else 0)
    if roll < chance:
        return str(item.answer) if item.type == "number" else item.answer
    if roll2 < 0.4:
        return DONT_KNOW
    if item.type == "number":
        return str(item.answer * 2)
    if item.type == "yes_no":
        return "no" if item.answer == "yes" else "yes"
    return [o.card for o in item.options if o.card != item.answer][int(roll2 * 10) % 2]


def seed_assessments(finished_batches, running) -> None:
    """The finished batches: the Day 1 and Day 10 tests for everyone still in them, typed in from
    their answer sheets. The running batch: the Day 1 test of everyone present on Day 1, given
    aloud."""
    rng = random.Random(17)  # nosec B311  # demo answers, not security
    forms = instruments().forms

    def take(batch, person, stage, ability):
        form = forms[person.form_for(stage)]
        sent = {}
        for item in form.items:
            before, after = SKILL_CHANCES[item.skill]
            chance = min(0.95, max(0.05, (before if stage == "pre" else after) + ability))
            sent[item.id] = believable_answer(item, chance, rng.random(), rng.random())
        assessments.save_sheet(batch.facilitators[0], batch, person.participant.id, stage, sent)

    for batch in finished_batches:
        for person in assessment_queries.batch_people(batch, active_only=True):
            ability = rng.uniform(-0.15, 0.15)
            take(batch, person, "pre", ability)
            take(batch, person, "post", ability)
    day_one = running.days[0]
    present = set(db.session.scalars(select(AttendanceMark.enrolment_id).where(
        AttendanceMark.training_day_id == day_one.id, AttendanceMark.status.in_(("present", "late")))))
    for person in assessment_queries.batch_people(running, active_only=True):
        if person.enrolment.id in present:
            take(running, person, "pre", rng.uniform(-0.15, 0.15))


# --- data protection --------------------------------------------------------------------------------

def seed_privacy(trainer, facilitator, partner, rahima) -> None:
    """For the audit page and erasure: a participant who asked for her data to be erased (her code
    and counts stay, everything personal reads "[erased]"), the views of a record a facilitator
    made, and a refused attempt by a colleague of another partner."""
    leaving = participants.register(trainer, partner_id=partner.id, full_name="Morjina Khatun", gender="woman",
                                    birth_year=1992, district=partner.district, phone="01711000111",
                                    consent_data_use=True, pin=DEMO_PIN)
    sheet = canvases.open_canvas(leaving)
    canvases.add_item(leaving.user, sheet, "value_propositions", "Pickles and achar from my mother's recipe",
                      sheet.revision)
    canvases.comment(facilitator, sheet, "value_propositions", "Who buys most: neighbours or the market?")
    privacy.erase(trainer, leaving)
    for page in ("detail", "edit"):
        audit.record(facilitator, "participant_viewed", "participant", rahima.id, details={"page": page})
    other = db.session.scalar(select(User).where(User.username == "facilitator2"))
    audit.record(other, "refused", "participant", rahima.id, outcome="not_found")
    db.session.commit()


# --- trainers: the ToT, observations and credentials ------------------------------------------------

# Teach-back scores by rubric criterion (trauma-informed, respect-privacy, pictures, experiential,
# participation, money-accuracy, check-locally, time-keeping).
STRONG = (4, 4, 3, 3, 4, 3, 3, 3)
GOOD = (3, 3, 4, 3, 3, 3, 3, 2)
NOT_YET = (3, 3, 2, 2, 3, 2, 3, 2)


def _observe(trainer, person, scores, on, *, session, note="", tot=None, batch=None, notes=None):
    rubric_ids = [c.id for c in instruments().rubric.criteria]
    return trainers.record_observation(trainer, person, observed_on=on, scores=dict(zip(rubric_ids, scores)),
                                       notes=notes or {}, session=session, note=note,
                                       tot_event_id=tot.id if tot else None, batch_id=batch.id if batch else None)


def seed_trainers(trainer, khulna, jashore, facilitator, facilitator2) -> dict:
    """The five-day ToT held last month with its marks and teach-back observations: Nasrin
    (facilitator) and Mahmudul (facilitator2) attended every day and were certified, Taslima
    (facilitator3) missed two days and is provisional; Rafiqul, certified in Phase I more than
    three years ago, has lapsed and is down for next month's refresher; Rubina is a candidate."""
    third = accounts.create_staff(SYSTEM, username="facilitator3", password=DEMO_PASSWORD, role=Role.FACILITATOR,
                                  display_name="Taslima Akter", partner_id=khulna.id)
    lapsed = accounts.create_staff(SYSTEM, username="facilitator-lapsed", password=DEMO_PASSWORD,
                                   role=Role.FACILITATOR, display_name="Rafiqul Hasan", partner_id=khulna.id)
    candidate = accounts.create_staff(SYSTEM, username="facilitator-new", password=DEMO_PASSWORD,
                                      role=Role.FACILITATOR, display_name="Rubina Yasmin", partner_id=jashore.id)
    trainers.record_prior(SYSTEM, lapsed, status="certified", on=today() - timedelta(days=3 * 365 + 40),
                          reason="Phase I ToT register, Khulna")
    now = today()
    tot = trainers.schedule_tot(trainer, title="ToT Khulna and Jashore", kind=TotKind.TOT,
                                venue="Shapla training centre, Khulna", start_date=now - timedelta(days=38), days=5,
                                partner_ids=[khulna.id, jashore.id])
    trainers.add_trainees(trainer, tot, [facilitator.id, facilitator2.id, third.id])
    trainees = {t.user_id: t for t in tot.trainees}
    for day in tot.days:
        third_mark = "present" if day.number <= 3 else ("absent" if day.number == 4 else "excused")
        trainers.save_marks(trainer, day, [
            Entry(enrolment_id=trainees[facilitator.id].id, status="present"),
            Entry(enrolment_id=trainees[facilitator2.id].id, status="late" if day.number == 2 else "present",
                  note="Bus from Jashore late" if day.number == 2 else ""),
            Entry(enrolment_id=trainees[third.id].id, status=third_mark,
                  note="Family wedding" if third_mark == "excused" else "")])
    day = {d.number: d.date for d in tot.days}
    _observe(trainer, facilitator, GOOD, day[2], tot=tot, session="Teach-back: Day 3 market visit")
    _observe(trainer, facilitator, STRONG, day[5], tot=tot, session="Final teach-back: Day 5 break-even",
             note="Calm and clear; let the group find the break-even point themselves.",
             notes={"time-keeping": "Ran 10 minutes over; use the timer card."})
    _observe(trainer, facilitator2, GOOD, day[5], tot=tot, session="Final teach-back: Day 7 loans")
    _observe(trainer, third, NOT_YET, day[3], tot=tot, session="Teach-back: Day 6 cash book",
             notes={"pictures": "Relied on the written chart; bring the note pictures.",
                    "money-accuracy": "Check the change in the worked example."})
    trainers.change_status(trainer, facilitator, "certified")
    trainers.change_status(trainer, facilitator2, "certified")
    trainers.change_status(trainer, third, "provisional")
    refresher = trainers.schedule_tot(trainer, title="Refresher Khulna", kind=TotKind.REFRESHER,
                                      venue="Shapla training centre, Khulna", start_date=now + timedelta(days=24),
                                      days=1, partner_ids=[khulna.id])
    trainers.add_trainees(trainer, refresher, [lapsed.id])
    return {"tot": tot, "refresher": refresher, "provisional": third, "lapsed": lapsed, "candidate": candidate}


def seed_batch_observation(trainer, facilitator) -> None:
    """A master trainer's visit to the running Khulna batch, scored on the same rubric."""
    batch = db.session.scalar(select(Batch)
                              .where(Batch.facilitators.any(id=facilitator.id), Batch.start_date <= today(),
                                     Batch.end_date >= today()).order_by(Batch.start_date).limit(1))
    if batch is not None:
        _observe(trainer, facilitator, STRONG, today() - timedelta(days=1), batch=batch,
                 session="Day 4: value chain card sort")
