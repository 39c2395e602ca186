"""Bad input: Hypothesis posts random and hostile values to every form of the app (very
long text, control characters, Bangla, HTML and SQL payloads, wrong types, missing fields, extra
fields such as role, partner_id, is_enabled or status), as each relevant role. Whatever arrives:

- never a 500 (the suite's app raises server errors, so one fails the example with its traceback);
- never a change the user may not make: a refused role changes nothing at all (every table's rows
  compared), and nobody gains a role, a partner, an account or another partner's participant;
- user text is always escaped: a marker tag sent in any field never appears as markup, neither
  in the answer nor on the page a save redirects to, nor on the pages that show stored text;
- redirects never leave the site (as a browser resolves the Location);
- date fields and date filters get any date Python holds (year 1 to 9999) and malformed or extreme
  ones: a date outside 2000-01-01..2100-12-31 or not a date is refused next to its field with a
  400, never a 500, and the filters of /privacy/audit and /reports/ answer exactly as a DayField
  should (`test_date_filters_answer_as_a_day_field`).

Examples per form: `examples` of each spec (25 by default, 10 for one-button forms), shared out
between the roles tried (at least 8 each), derandomized so CI is stable.
`pytest tests/test_fuzz_forms.py -rP | grep examples` lists the examples run per form.
"""
import io
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from types import SimpleNamespace

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import String, Text, func, select

from edt.inputs import CONTROL_CHARACTERS, HUGE_NUMBER
from edt.instruments import instruments
from edt.backup import fingerprint
from edt.extensions import db
from edt.forms import FIRST_DAY, LAST_DAY
from edt.modules.accounts.models import User
from edt.modules.attendance import queries as attendance_queries
from edt.modules.batches.models import Batch, Enrolment, TrainingDay
from edt.modules.canvas.models import Canvas
from edt.modules.certificates.models import Certificate
from edt.modules.participants.models import Participant
from edt.security import Role

from tests.conftest import csrf_token
from tests.factories import (PIN, canvas_world, certificate_world, followup_world, make_participant, make_plan,
                             make_staff, resume_world, tot_world)
from tests.core.test_access_matrix import MATRIX
from tests.core.test_redirects import browser_resolves

# --- the settings profile: stable in CI, bounded in time -------------------------------------------

settings.register_profile(
    "edt-forms", max_examples=25, deadline=None, derandomize=True, database=None, print_blob=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large,
                           HealthCheck.filter_too_much])
PROFILE = settings.get_profile("edt-forms")

# --- hostile values -------------------------------------------------------------------------------

MARK = "<x-edt-mark"  # a tag no page contains: sent in any field, it may only ever come back escaped
SAMPLES = [
    MARK + ">hello</x-edt-mark><script>alert(1)</script>", '"><x-edt-mark onmouseover=alert(1)>',
    "'><x-edt-mark>", "' OR '1'='1", "1; DROP TABLE participant; --", "%(name)s %s {0} {{ 7*7 }}",
    "../../../../etc/passwd", "\u202eevil\u202c", "\ufeffBOM", "\x00", "a\x00b", "\x07\x1b[31mred", "\r\n\r\nX: y",
    "0", "-1", "-0", "1e309", "nan", "inf", "99999999999999999999999", "3.14159", "1,5", "", " ", "true", "on",
    "null", "None", "[]", "{}", "2026-02-30", "0000-00-00", "9999-12-31", "1970-01-01", "2026-13-01",
    "রহিমা খাতুন", "মোছাম্মৎ আয়েশা <b>বেগম</b>", "KHU-2026-0001", "JSR-2026-0001", "master_trainer",
    "participant", "facilitator", "approved", "valid", "withdrawn", "cancelled", "x" * 300, "ব" * 5000,
    "99999999999999999999", "9999999999999999", "-9999999999999999",
    "<" * 2000, "🐐" * 50, "up-0", "remove-999", "down-9999999999",
]
MARKUP = [MARK + ">hello</x-edt-mark><script>alert(1)</script>", '"><x-edt-mark onmouseover=alert(1)>',
          "রহিমা " + MARK + " data-x='1'>খাতুন"]
TEXT = st.one_of(
    st.sampled_from(MARKUP),
    st.sampled_from(SAMPLES),
    st.text(max_size=60),
    st.text(alphabet=st.characters(max_codepoint=0x1F), max_size=8),
    st.text(alphabet="0123456789-.,e+ ", max_size=25),
)
VALUE = st.one_of(TEXT, st.lists(TEXT, min_size=2, max_size=3))
EXTREME_DATES = ["9999-12-31", "0001-01-01", "1999-12-31", "2000-01-01", "2100-12-31", "2101-01-01", "10000-01-01",
                 "0000-00-00", "2026-02-29", "2028-02-29", "-0001-01-01", "+2026-01-01", "2026-1-5", "২০২৬-০৩-১৪",
                 "2026-03-14T00:00", " 2026-03-14", "2026-03-14 ", "1e309", "99999999999999999", "   "]
DATES = st.one_of(
    st.sampled_from(EXTREME_DATES),
    st.dates().map(date.isoformat),  # every date Python holds
    st.builds("{}-{:02d}-{:02d}".format, st.integers(-99999, 99999), st.integers(-1, 99), st.integers(-1, 99)),
    TEXT,
)
EXTRA_FIELDS = ["role", "partner_id", "is_enabled", "status", "user_id", "participant_id", "erased_at",
                "session_version", "actor_id", "id", "code", "batch_id", "password_hash", "marked_by_id",
                "s-999999", "items-40", "startup-30-name", "csrf_token_extra"]


# --- the forms --------------------------------------------------------------------------------------

@dataclass
class Spec:
    endpoint: str
    url: str  # formatted with the fuzz world's ids
    good: object  # a well-formed form: a dict, or a function (ids) -> dict read at example time
    roles: tuple = ("facilitator", "master_trainer", "other_facilitator")
    method: str = "POST"
    files: tuple = ()
    examples: int = 25
    relogin: bool = False
    mutable: tuple = ()  # names of fields to fuzz besides the good form's (GET filters, files...)
    dates: tuple = ()  # date fields: they also get any date, extreme and malformed ones
    notes: str = field(default="")


def _attendance_form(ids):
    day = db.session.get(TrainingDay, ids["day_id"])
    rows = [e.id for e in attendance_queries.day_roster(day)]
    form = {"row": [str(r) for r in rows]}
    for r in rows:
        form.update({f"s-{r}": "present", f"n-{r}": "", f"ws-{r}": "", f"wn-{r}": "", f"pf-{r}": ""})
    return form


def _base(ids):
    return str(db.session.scalar(select(Canvas.revision).where(Canvas.participant_id == ids["participant_id"])))


def _plan_form(ids):
    from edt.modules.canvas.models import FinancialPlan

    version = db.session.scalar(select(FinancialPlan.version).join(Canvas, Canvas.id == FinancialPlan.canvas_id)
                                .where(Canvas.participant_id == ids["participant_id"])) or 0
    return {"version": str(version), "startup-0-name": "Sewing machine", "startup-0-quantity": "1",
            "startup-0-amount": "9000", "products-0-name": "Blouse", "products-0-variable_cost": "200",
            "products-0-markup_percent": "", "products-0-price": "350", "products-0-units_per_month": "30",
            "fixed-0-name": "Rent", "fixed-0-amount": "1500", "own_money": "2000", "loan_amount": "5000",
            "loan_rate": "24", "loan_method": "declining", "loan_months": "12"}


def _tot_marks(ids):
    from edt.modules.trainers.models import TotDay

    day = db.session.get(TotDay, ids["tot_day_id"])
    form = {"row": [str(t.id) for t in day.event.trainees]}
    for t in day.event.trainees:
        form.update({f"s-{t.id}": "present", f"n-{t.id}": "", f"ws-{t.id}": "", f"wn-{t.id}": "", f"pf-{t.id}": ""})
    return form


def _observation_form(ids):
    from edt.clock import today
    from edt.instruments import instruments

    form = {"observed_on": today().isoformat(), "context": "tot-{}".format(ids["tot_event_id"]),
            "session": "Day 5 pricing", "note": "Calm and clear"}
    for criterion in instruments().rubric.criteria:
        key = criterion.id.replace("-", "_")
        form.update({f"score_{key}": "3", f"note_{key}": ""})
    return form
def _sheet_form(ids):
    sent = {f"i-{item.id}": "dont_know" for item in instruments().forms["A"].items}
    return {**sent, "then": "batch"}


CSV = "full_name,gender,birth_year,phone\nরহিমা খাতুন,woman,1990,01712345678\n"
ALL = ("anon", "participant", "facilitator", "other_facilitator", "master_trainer")
STAFF_ROLES = ("participant", "facilitator", "master_trainer")
MT_ONLY = ("facilitator", "master_trainer")
CANVAS_ROLES = ("participant", "facilitator", "master_trainer", "other_facilitator")

SPECS = [
    # accounts
    Spec("accounts.login", "/accounts/login", {"username": "nobody-x", "password": "not the password", "next": "/"},
         roles=("anon",)),
    Spec("accounts.participant_login", "/accounts/login/participant", {"code": "KHU-2099-0001", "pin": "111111",
                                                                       "next": "/"}, roles=("anon",)),
    Spec("accounts.logout", "/accounts/logout", {}, roles=STAFF_ROLES, relogin=True, examples=10),
    Spec("accounts.password", "/accounts/password", {"current": "not my password", "new": "a new long password"},
         roles=STAFF_ROLES),
    Spec("accounts.language", "/accounts/language", {"locale": "bn", "next": "/curriculum/"},
         roles=("anon", "participant", "facilitator")),
    Spec("accounts.create_user", "/accounts/users/new",
         {"username": "new.user", "display_name": "New Person", "role": "facilitator", "partner_id": "{khulna_id}",
          "locale": "", "password": "a long enough password"}, roles=MT_ONLY),
    Spec("accounts.edit_user", "/accounts/users/{spare_id}/edit",
         {"display_name": "Spare", "role": "facilitator", "partner_id": "{khulna_id}", "locale": "bn"}, roles=MT_ONLY),
    Spec("accounts.set_user_enabled", "/accounts/users/{spare_id}/enabled/0", {}, roles=MT_ONLY, examples=10),
    Spec("accounts.clear_lock", "/accounts/locked/{spare_id}/clear", {}, roles=MT_ONLY, examples=10),
    Spec("accounts.reset_password", "/accounts/users/{spare_id}/password", {"password": "another long password"},
         roles=MT_ONLY),
    Spec("accounts.create_partner", "/accounts/partners/new", {"name": "New Partner", "district": "Khulna"},
         roles=MT_ONLY),
    Spec("accounts.edit_partner", "/accounts/partners/{jashore_id}/edit", {"name": "Jashore Partner",
                                                                           "district": "Jashore"}, roles=MT_ONLY),
    # participants
    Spec("participants.register", "/participants/new",
         {"partner_id": "{khulna_id}", "full_name": "Amena Khatun", "gender": "woman", "birth_year": "1990",
          "district": "Khulna", "phone": "01712345678", "consent_data_use": "y", "consent_photos": "",
          "consent_date": "", "pin": "", "intake_work": "wage", "intake_income_source": "job",
          "intake_income": "1-2000", "intake_household": "4", "intake_business": "no"},
         roles=STAFF_ROLES + ("other_facilitator",), examples=30,
         dates=("consent_date",)),
    Spec("participants.edit", "/participants/{participant_id}/edit",
         {"full_name": "Rahima Khatun", "gender": "woman", "birth_year": "1990", "district": "Khulna",
          "phone": "", "consent_data_use": "y", "consent_photos": "", "consent_date": "",
          "intake_work": "", "intake_income_source": "", "intake_income": "undisclosed", "intake_household": "",
          "intake_business": ""}, examples=30,
         dates=("consent_date",)),
    Spec("participants.set_pin", "/participants/{spare_participant_id}/pin", {"pin": "583920"}),
    # batches
    Spec("batches.create", "/batches/new",
         {"partner_id": "{khulna_id}", "district": "", "venue": "Hall", "start_date": "2030-01-05",
          "off_days": ["4"], "language": "bn", "capacity": "25", "master_trainer_id": "{trainer_id}",
          "facilitator_ids": ["{facilitator_id}"]}, roles=MT_ONLY, dates=("start_date",)),
    Spec("batches.edit", "/batches/{batch_id}/edit",
         {"venue": "Hall", "off_days": ["4"], "language": "bn", "capacity": "25", "master_trainer_id": "{trainer_id}",
          "facilitator_ids": ["{facilitator_id}"]}, roles=MT_ONLY),
    Spec("batches.set_cancelled", "/batches/{batch_id}/cancelled/0", {}, roles=MT_ONLY, examples=10),
    Spec("batches.move_day", "/batches/days/{day3_id}/move", {"date": "2030-01-05", "shift_following": "",
                                                              "confirmed": ""}, dates=("date",)),
    Spec("batches.enrol", "/batches/{batch_id}/enrol", {"participant_ids": [], "codes": "{other_code}"}),
    Spec("batches.drop", "/batches/enrolments/{enrolment_id}/drop", {"on": "2020-01-01", "reason": "work"},
         dates=("on",)),
    Spec("batches.transfer", "/batches/enrolments/{enrolment_id}/transfer", {"batch_id": "{batch_id}",
                                                                             "on": "2020-01-01"},
         dates=("on",)),
    Spec("batches.holidays", "/batches/holidays", {"date": "2031-03-26", "name": "Independence Day"},
         roles=MT_ONLY, dates=("date",)),
    Spec("batches.delete_holiday", "/batches/holidays/{holiday_id}/delete", {}, roles=MT_ONLY, examples=10),
    Spec("batches.edit_holiday", "/batches/holidays/{holiday_id}/edit",
         {"date": "2031-03-27", "name": "Eid-ul-Fitr", "lunar": "y"}, roles=MT_ONLY, dates=("date",)),
    Spec("batches.undo_move", "/batches/{batch_id}/undo-move", {"clash_ok": ""}),
    Spec("batches.import_roster", "/batches/roster/import", {"partner_id": "{khulna_id}", "batch_id": "0"},
         roles=STAFF_ROLES + ("other_facilitator",), files=("file",), mutable=("file",)),
    Spec("batches.confirm_import", "/batches/roster/import/confirm",
         {"csv_text": CSV, "partner_id": "{khulna_id}", "batch_id": "0", "include": ["1"]},
         roles=STAFF_ROLES + ("other_facilitator",)),
    # attendance
    Spec("attendance.mark", "/attendance/days/{day_id}", _attendance_form, examples=30),
    # canvas
    Spec("canvas.add_item", "/canvas/{participant_id}/block/channels/add",
         lambda ids: {"text": "At the school gate", "base": _base(ids)}, roles=CANVAS_ROLES, examples=30),
    Spec("canvas.change_item", "/canvas/{participant_id}/block/channels/items",
         lambda ids: {"op": "down-0", "base": _base(ids)}, roles=CANVAS_ROLES),
    Spec("canvas.edit_block", "/canvas/{participant_id}/block/channels",
         lambda ids: {"items-0": "From my home", "items-1": "Market", "base": _base(ids)}, roles=CANVAS_ROLES,
         examples=30),
    Spec("canvas.name", "/canvas/{participant_id}/name", lambda ids: {"business_name": "Rahima Tailors",
                                                                      "base": _base(ids)}, roles=CANVAS_ROLES),
    Spec("canvas.submit", "/canvas/{participant_id}/submit", lambda ids: {"base": _base(ids)}, roles=CANVAS_ROLES),
    Spec("canvas.review", "/canvas/{participant_id}/review",
         lambda ids: {"decision": "changes", "body": "Add prices", "block": "channels", "base": _base(ids),
                      "then": "next"},
         roles=CANVAS_ROLES),
    Spec("canvas.reopen", "/canvas/{participant_id}/reopen", lambda ids: {"base": _base(ids)}, roles=CANVAS_ROLES),
    Spec("canvas.comment", "/canvas/{participant_id}/comments", {"block": "channels", "body": "Which days?"},
         roles=CANVAS_ROLES),
    Spec("canvas.restore", "/canvas/{participant_id}/history/1/restore", lambda ids: {"base": _base(ids)},
         roles=CANVAS_ROLES),
    Spec("canvas.edit_plan", "/canvas/{participant_id}/plan/edit", _plan_form, roles=CANVAS_ROLES, examples=30),
    # certificates
    Spec("certificates.issue_all", "/certificates/batch/{cert_batch_id}/issue", {}, roles=MT_ONLY, examples=10),
    Spec("certificates.issue", "/certificates/enrolment/{cert_enrolment_id}/issue",
         {"override_reason": "Attended the make-up days"}, roles=MT_ONLY),
    Spec("certificates.revoke", "/certificates/{certificate_id}/revoke", {"reason": "Issued by mistake"},
         roles=MT_ONLY),
    Spec("certificates.reissue", "/certificates/{certificate_id}/reissue", {}, roles=MT_ONLY, examples=10),
    Spec("certificates.withdraw", "/certificates/{certificate_id}/withdraw", {}, roles=MT_ONLY, examples=10),
    Spec("certificates.verify_code", "/verify/{certificate_code}", {"name": "Rahela Begum"}, roles=("anon",)),
    # tests (assessments): one answer given aloud, a whole answer sheet typed in
    Spec("assessments.record", "/assessments/batches/{batch_id}/pre/A/record",
         {"item": "costing-1", "person": "{participant_id}", "answer": "dont_know", "number": ""}, examples=30),
    Spec("assessments.enter", "/assessments/batches/{batch_id}/pre/people/{participant_id}", _sheet_form,
         examples=30),
    # data protection
    Spec("privacy.erase", "/privacy/participants/{spare_participant_id}/erase", {"code": "{spare_code}"},
         roles=MT_ONLY),
    Spec("kept_forms.discard", "/kept-forms/{resume_token}/discard", {}, roles=("facilitator", "other_facilitator"),
         examples=10),
    # reports: the names export asks for a reason
    Spec("reports.export_names", "/reports/export/names", {"file": "csv", "purpose": "follow_up", "confirm": "y"},
         roles=MT_ONLY),
    # follow-ups: a visit, one-tap "not reached", support; the participant's own money book
    Spec("followup.record", "/followups/visit/{fu_participant_id}/{fu_batch_id}/m1",
         {"status": "done", "method": "home", "consent_confirmed": "y", "works_now": "self",
          "business_started": "yes", "trade": "Tailoring", "still_running": "yes", "income_range": "2001-5000",
          "days_worked": "20", "savings": "yes", "loan_source": "mfi", "support_since": ["mentoring"],
          "needs": ["capital", "market"], "needs_note": "A second machine", "next_step": "Market visit"},
         examples=30),
    Spec("followup.not_reached", "/followups/visit/{fu_participant_id}/{fu_batch_id}/m1/not-reached", {},
         examples=10),
    Spec("followup.add_support", "/followups/people/{fu_participant_id}/support",
         {"kind": "market", "given_on": "", "note": "Met the wholesaler"}, dates=("given_on",)),
    Spec("followup.book", "/followups/book", {"category": "sales", "amount": "৫০০", "on": ""},
         roles=("participant", "facilitator"), dates=("on",)),
    Spec("followup.share", "/followups/book/share", {"shared": "y"}, roles=("participant", "facilitator"),
         examples=10),
    Spec("followup.delete_entry", "/followups/book/{fu_entry_id}/delete", {}, roles=("participant", "facilitator"),
         examples=10),
    # trainers: ToTs, their marks, observations and credential statuses (master trainers only)
    Spec("trainers.schedule", "/trainers/tot/new",
         {"title": "ToT Khulna", "kind": "tot", "start_date": "2026-12-05", "days": "5", "venue": "Hall",
          "partner_ids": ["{khulna_id}"]}, roles=MT_ONLY, dates=("start_date",)),
    Spec("trainers.add_trainees", "/trainers/tot/{tot_event_id}/trainees", {"user_ids": ["{tot_spare_id}"]},
         roles=MT_ONLY),
    Spec("trainers.mark", "/trainers/tot/days/{tot_day_id}", _tot_marks, roles=MT_ONLY),
    Spec("trainers.observe", "/trainers/facilitators/{facilitator_id}/observe", _observation_form,
         roles=MT_ONLY, examples=30, dates=("observed_on",)),
    Spec("trainers.status", "/trainers/facilitators/{spare_id}/status", {"status": "withdrawn",
                                                                         "reason": "Left the organisation"},
         roles=MT_ONLY),
    # forms sent by GET: searches and filters
    Spec("followup.index", "/followups/", {"partner": "{khulna_id}"}, method="GET", examples=10),
    Spec("followup.outcomes", "/followups/outcomes", {"cohort": ""}, method="GET", roles=MT_ONLY, examples=10),
    Spec("participants.index", "/participants/", {"q": "Rahima", "page": "1"}, method="GET"),
    Spec("batches.index", "/batches/", {"q": "KHU", "status": "running", "page": "1"}, method="GET"),
    Spec("canvas.index", "/canvas/", {"q": "KHU", "status": "draft", "page": "1"}, method="GET"),
    Spec("certificates.index", "/certificates/", {"page": "1"}, method="GET", examples=10),
    Spec("assessments.index", "/assessments/", {"by": "gender"}, method="GET", examples=10),
    Spec("curriculum.search", "/curriculum/search", {"q": "price"}, method="GET", roles=("participant",)),
    Spec("certificates.verify", "/verify", {"serial": "EDT-2026-000001", "code": "{certificate_code}"},
         method="GET", roles=("anon",)),
    Spec("privacy.audit_log", "/privacy/audit", {"person": "fac", "code": "{participant_code}", "action": "",
                                                 "since": "", "until": "", "page": "1"}, method="GET",
         roles=MT_ONLY, dates=("since", "until")),
    Spec("privacy.audit_csv", "/privacy/audit.csv", {"person": "fac", "code": "{participant_code}", "action": "",
                                                     "since": "", "until": ""}, method="GET",
         roles=MT_ONLY, dates=("since", "until"), examples=10),
    Spec("reports.dashboard", "/reports/", {"start_from": "2026-01-01", "start_to": "", "district": "Khulna",
                                            "partner": ""}, method="GET", roles=MT_ONLY,
         dates=("start_from", "start_to")),
    Spec("reports.export_csv", "/reports/export.csv", {"start_from": "2026-01-01", "start_to": "2026-12-31",
                                                       "district": "", "partner": "", "kind": "summary"},
         method="GET", roles=MT_ONLY, dates=("start_from", "start_to")),
    # sync: a device credential (no fields); the sync endpoint refuses a form post before reading
    # it (no credential header, not JSON). Its JSON items are fuzzed in tests/sync/test_sync_fuzz.py.
    Spec("sync.device", "/sync/device", {}, roles=ALL, examples=10),
    Spec("sync.send", "/sync/", {"items": "[]"}, roles=ALL, examples=10),
]
GET_FORM_ENDPOINTS = {s.endpoint for s in SPECS if s.method == "GET"}


def test_every_form_of_the_app_is_fuzzed(app):
    posted = {rule.endpoint for rule in app.url_map.iter_rules() if "POST" in (rule.methods or ())}
    missing = sorted(posted - {s.endpoint for s in SPECS})
    assert not missing, f"forms without a fuzz spec: {missing}"


# --- the world and its users ------------------------------------------------------------------------

@pytest.fixture
def fz(world, client, login, app):
    from edt.modules.canvas.plan import CostLine

    ids = {**canvas_world(world), **certificate_world(world), **resume_world(world), **followup_world(world),
           **tot_world(world)}
    spare = make_staff(Role.FACILITATOR, world.khulna, username="spare")
    spare_participant = make_participant(world.khulna, world.trainer, full_name="Spare Person")
    other = make_participant(world.khulna, world.trainer, full_name="Not Yet Enrolled")
    make_plan(world.canvas, world.participant.user, fixed=[CostLine("Rent", 1500)])
    ids.update(world.batch_ids, spare_id=spare.id, spare_participant_id=spare_participant.id,
               spare_code=spare_participant.code, other_code=other.code, khulna_id=world.khulna.id,
               jashore_id=world.jashore.id, participant_id=world.participant.id,
               participant_code=world.participant.code, facilitator_id=world.facilitator.id,
               trainer_id=world.trainer.id)
    users = {"participant": world.participant.user, "facilitator": world.facilitator,
             "other_facilitator": world.other_facilitator, "master_trainer": world.trainer}
    partners = {"facilitator": world.khulna.id, "other_facilitator": world.jashore.id}
    clients = {}

    def client_for(role, fresh=False):
        if fresh or role not in clients:
            c = app.test_client()
            if role != "anon":
                login(users[role], target=c)
            clients[role] = c
        return clients[role]

    return SimpleNamespace(ids=ids, client_for=client_for, users=users, partners=partners, world=world)


def _fill(value, ids):
    if isinstance(value, list):
        return [_fill(v, ids) for v in value]
    return value.format_map(ids) if isinstance(value, str) and "{" in value else value


def _refused(app, spec, role) -> bool:
    """Roles the access matrix refuses for this route: they must change nothing at all."""
    view = app.view_functions[spec.endpoint]
    if role == "anon":
        return not getattr(view, "edt_public", False)
    return MATRIX[spec.endpoint]["expect"][role] in (403, 404)


def _privileges():
    users = {u.id: (u.username, u.role, u.partner_id, u.is_enabled) for u in db.session.scalars(select(User))}
    people = {p.id: (p.partner_id, p.user_id, p.code) for p in db.session.scalars(select(Participant))}
    enrolments = db.session.execute(select(Enrolment.id, Participant.partner_id, Batch.partner_id, Batch.id)
                                    .join(Participant, Participant.id == Enrolment.participant_id)
                                    .join(Batch, Batch.id == Enrolment.batch_id)).all()
    canvases = dict(db.session.execute(select(Canvas.id, Canvas.status)).all())
    certificates = dict(db.session.execute(select(Certificate.id, Certificate.status)).all())
    batches = dict(db.session.execute(select(Batch.id, Batch.partner_id)).all())
    return SimpleNamespace(users=users, people=people, enrolments=enrolments, canvases=canvases,
                           certificates=certificates, batches=batches)


QUIET = ("audit_event", "throttle_counter", "form_stash")  # logs and counts of the attempt itself
LINE_BREAK = "http://example.org/\nwapiti3"  # what a scanner once stored as a partner name


def _line_breaks_stored():
    """Columns of one line (String, not Text) holding a line break, with their row counts."""
    found = {}
    for table in db.metadata.sorted_tables:
        if table.name in QUIET:
            continue
        for column in table.columns:
            if isinstance(column.type, String) and not isinstance(column.type, Text):
                count = db.session.scalar(select(func.count()).select_from(table)
                                          .where(column.contains("\n") | column.contains("\r")))
                if count:
                    found[f"{table.name}.{column.name}"] = count
    return found

CHANGES_USERS = {"accounts.create_user", "accounts.edit_user", "accounts.set_user_enabled",
                 "participants.register", "batches.import_roster", "batches.confirm_import", "privacy.erase"}
CHANGES_CANVAS_STATUS = {"canvas.submit", "canvas.review", "canvas.reopen"}
CHANGES_CERTIFICATES = {"certificates.issue_all", "certificates.issue", "certificates.revoke", "certificates.reissue",
                        "certificates.withdraw", "privacy.erase"}


def _check_privileges(spec, role, before, after, fz):
    # Existing accounts keep their role and partner; only the forms that manage accounts change them.
    for user_id, (username, user_role, partner_id, enabled) in before.users.items():
        now = after.users.get(user_id)
        assert now is not None, f"{spec.endpoint}: an account disappeared"
        if spec.endpoint not in CHANGES_USERS or role != "master_trainer":
            assert now == (username, user_role, partner_id, enabled), f"{spec.endpoint} as {role} changed an account"
    for user_id in set(after.users) - set(before.users):
        _username, user_role, partner_id, _enabled = after.users[user_id]
        if user_role != Role.PARTICIPANT:
            assert role == "master_trainer" and spec.endpoint == "accounts.create_user", (
                f"{spec.endpoint} as {role} created a {user_role}")
        elif role == "facilitator":
            assert partner_id == fz.partners[role], f"{spec.endpoint}: a participant of another partner"
    for person_id, (partner_id, user_id, code) in before.people.items():
        assert after.people[person_id] == (partner_id, user_id, code), f"{spec.endpoint}: a participant moved"
    for person_id in set(after.people) - set(before.people):
        if role in fz.partners:
            assert after.people[person_id][0] == fz.partners[role], f"{spec.endpoint}: registered for another partner"
    for _id, person_partner, batch_partner, _batch in after.enrolments:
        assert person_partner == batch_partner, f"{spec.endpoint}: enrolled into another partner's batch"
    assert {k: v for k, v in after.batches.items() if k in before.batches} == before.batches
    if spec.endpoint not in CHANGES_CANVAS_STATUS:
        assert after.canvases == {**after.canvases, **before.canvases}, f"{spec.endpoint} changed a canvas status"
    if spec.endpoint not in CHANGES_CERTIFICATES:
        assert after.certificates == before.certificates, f"{spec.endpoint} changed a certificate"


def _assert_escaped(response, where):
    if response.mimetype == "text/html":
        assert MARK not in response.get_data(as_text=True), f"unescaped user text on {where}"


def _assert_on_site(response, where):
    location = response.headers.get("Location", "")
    assert location.startswith("/") and not location.startswith("//") and "\\" not in location, (
        f"{where} redirects off-site: {location!r}")
    assert browser_resolves(location) == ("http", "localhost"), f"{where} redirects off-site: {location!r}"


def date_verdict(value) -> bool | None:
    """What a DayField makes of a value sent for it: True when accepted (blank, or a date between
    FIRST_DAY and LAST_DAY as WTForms parses it), False when refused next to the field, None when
    the request is refused at the door (control characters, a number too large for any field)."""
    values = [value] if isinstance(value, str) else list(value)
    if any(CONTROL_CHARACTERS.search(v) or HUGE_NUMBER.fullmatch(v) for v in values):
        return None
    if not values or not values[0].strip():  # Optional() looks at the first value only
        return True
    value = " ".join(values)  # as DateField reads several values
    try:
        day = datetime.strptime(value, "%Y-%m-%d").date()
    except ValueError:
        return False
    return FIRST_DAY <= day <= LAST_DAY


# --- the property tests -----------------------------------------------------------------------------

def _send(client, spec, url, data):
    if spec.method == "GET":
        return client.get(url, query_string=data)
    return client.post(url, data=data, content_type="multipart/form-data" if spec.files else None)


@pytest.mark.parametrize("spec", SPECS, ids=[s.endpoint for s in SPECS])
def test_hostile_input_never_breaks_a_form(app, fz, spec):
    ids = fz.ids
    url = _fill(spec.url, ids)
    good_names = sorted(_fill(spec.good, ids) if not callable(spec.good) else spec.good(ids))
    names = sorted(set(good_names) | set(spec.mutable)) or ["_none"]
    for role in spec.roles:  # every session exists before the first snapshot
        fz.client_for(role)
    tokens = {role: csrf_token(fz.client_for(role), "/accounts/login" if role == "anon" else "/")
              for role in spec.roles}
    ran = []

    per_role = max(8, -(-spec.examples // len(spec.roles)))  # each role gets its share, at least 8

    @settings(parent=PROFILE, max_examples=per_role)
    @given(changes=st.dictionaries(st.one_of(st.sampled_from(names), st.sampled_from(EXTRA_FIELDS)), VALUE,
                                   max_size=4),
           dropped=st.sets(st.sampled_from(names), max_size=2),
           csv_rows=st.lists(st.tuples(TEXT, TEXT, TEXT), max_size=3),
           dates=st.fixed_dictionaries({}, optional=dict.fromkeys(spec.dates, DATES)))
    def example(changes, dropped, csv_rows, dates):
        run(current["role"], {**changes, **dates}, dropped, csv_rows)

    def wordy(ids):
        """The fields holding words (not numbers, dates or choices): a well-formed form with
        hostile words is the surest way to store them and see them shown again."""
        good = spec.good(ids) if callable(spec.good) else _fill(spec.good, ids)
        return [k for k, v in good.items() if isinstance(v, str) and re.search(r"[A-Za-z]{3}", v)
                and not re.fullmatch(r"[a-z_]+|[A-Z]{3}-\d{4}-\d{4}|/.*", v)]

    def run(role, changes, dropped, csv_rows):
        ran.append(role)
        db.session.expire_all()
        client = fz.client_for(role, fresh=spec.relogin)
        if spec.relogin:
            tokens[role] = csrf_token(client, "/accounts/login" if role == "anon" else "/")
        good = spec.good(ids) if callable(spec.good) else _fill(spec.good, ids)
        data = {k: v for k, v in {**good, **changes}.items() if k not in dropped}
        if spec.method == "POST":
            data["csrf_token"] = tokens[role]
        for name in spec.files:
            if name not in dropped:
                lines = ["full_name,gender,birth_year,phone"] + [",".join(row) + ",woman" for row in csv_rows]
                raw = data.pop(name, None)
                content = ("\n".join(lines) + (raw if isinstance(raw, str) else "")).encode("utf-8", "replace")
                data[name] = (io.BytesIO(content), "roster.csv")
        refused = _refused(app, spec, role)
        before = fingerprint() if refused else None
        privileges = _privileges()

        response = _send(client, spec, url, data)
        where = f"{spec.endpoint} as {role}"
        assert response.status_code < 500, where
        refused_dates = [n for n in spec.dates if n in data and date_verdict(data[n]) is False]
        if refused_dates and not refused and not (spec.method == "POST" and response.status_code == 429):
            assert response.status_code == 400, f"{where}: {refused_dates} = {[data[n] for n in refused_dates]}"
        _assert_escaped(response, where)
        if 300 <= response.status_code < 400:
            _assert_on_site(response, where)
            followed = client.get(response.headers["Location"])
            assert followed.status_code < 500, f"{where} -> {response.headers['Location']}"
            _assert_escaped(followed, f"{where} -> {response.headers['Location']}")
        if refused:
            after = fingerprint()
            changed = [t for t in before if t not in QUIET and before[t] != after.get(t)]
            assert changed == [], f"{where} (refused) changed {changed}"
        _check_privileges(spec, role, privileges, _privileges(), fz)

    current = {}
    for role in spec.roles:
        current["role"] = role
        # Six explicit examples first: the words of a well-formed form replaced by markup, by
        # control characters and by very long Bangla; a line break in every word field; every field a
        # 16-digit or a negative number; then the generated ones.
        for payload in (MARKUP[0], "\x00\x01\x1f\x7f", "বাংলা " * 900):
            run(role, {name: payload for name in wordy(ids)}, set(),
                [(payload, payload, "1990")] if spec.files else [])
        # a line break in every word field: refused by the one-line fields (edt.forms.LineField)
        stored = _line_breaks_stored()
        run(role, {name: LINE_BREAK for name in wordy(ids)}, set(), [])
        assert _line_breaks_stored() == stored, f"{spec.endpoint} as {role}: a one-line column took a line break"
        for number in ("9999999999999999", "-1"):  # every field a large or a negative number
            run(role, dict.fromkeys(names, number), set(), [])
        example()
    _pages_show_stored_text_escaped(fz)
    print(f"{spec.endpoint}: {len(ran)} examples ({', '.join(f'{r} {ran.count(r)}' for r in sorted(set(ran)))})")
    assert all(ran.count(role) >= min(per_role, 8) + 6 for role in spec.roles)


FILTER_PAGES = [s for s in SPECS if s.method == "GET" and s.dates]


@pytest.mark.parametrize("spec", FILTER_PAGES, ids=[s.endpoint for s in FILTER_PAGES])
def test_date_filters_answer_as_a_day_field(client, login, world, spec):
    """The GET filters with any date Python holds, and extreme and malformed ones, in every field
    at once: 200 exactly when every date is accepted (and a range runs forwards), otherwise a 400
    with the message next to each refused field (the exports answer a 400 with the reason)."""
    login(world.trainer)
    ran = []

    @settings(parent=PROFILE, max_examples=60)
    @given(values=st.fixed_dictionaries(dict.fromkeys(spec.dates, DATES)))
    def example(values):
        ran.append(values)
        response = client.get(spec.url, query_string={**spec.good, **values})
        where = f"{spec.url} {values!r}"
        assert response.status_code in (200, 400), where
        verdicts = {name: date_verdict(v) for name, v in values.items()}
        if None in verdicts.values():  # refused before any view, with its own reason
            assert response.status_code == 400, where
            return
        refused = [name for name, ok in verdicts.items() if not ok]
        first, last = (values[n].strip() for n in spec.dates)
        backwards = not refused and first and last and first > last and spec.endpoint.startswith("reports.")
        assert response.status_code == (400 if refused or backwards else 200), where
        body = response.get_data(as_text=True)
        for name in refused:
            if spec.url.endswith(".csv"):  # a file, or the error page with the reason
                assert "Give a date" in body, where
            else:
                assert f'id="{name}-err"' in body, f"{where}: no message next to {name}"

    example()
    for extreme in EXTREME_DATES:  # each extreme in each field, whatever the generator chose
        for name in spec.dates:
            example.hypothesis.inner_test({**dict.fromkeys(spec.dates, ""), name: extreme})
    assert len(ran) >= 60


def _pages_show_stored_text_escaped(fz):
    """After the examples, the pages that show stored text (as staff and as the participant)."""
    ids = fz.ids
    trainer = fz.client_for("master_trainer")
    urls = ["/participants/", f"/participants/{ids['participant_id']}", f"/canvas/{ids['participant_id']}",
            f"/canvas/{ids['participant_id']}/history", f"/canvas/{ids['participant_id']}/plan",
            f"/batches/{ids['batch_id']}", f"/attendance/days/{ids['day_id']}",
            f"/attendance/batches/{ids['batch_id']}",
            f"/certificates/batch/{ids['cert_batch_id']}", "/batches/", "/batches/holidays", "/accounts/users",
            "/accounts/partners", "/privacy/audit", "/canvas/", "/certificates/"]
    urls += [f"/participants/{pid}" for pid in db.session.scalars(select(Participant.id))]
    for url in urls:
        response = trainer.get(url)
        assert response.status_code < 500, url
        _assert_escaped(response, url)
    person = fz.client_for("participant")
    for url in ("/", f"/canvas/{ids['participant_id']}", f"/canvas/{ids['participant_id']}/plan"):
        response = person.get(url)
        assert response.status_code < 500, url
        _assert_escaped(response, url)


def test_a_participant_pin_is_never_set_by_an_extra_field(client, login, fz):
    """A focused example of the rule the fuzzing checks everywhere: fields a form does not have
    are ignored, whatever their names."""
    world = fz.world
    login(world.facilitator)
    response = client.post("/participants/new", data={
        "partner_id": str(world.jashore.id), "full_name": "Extra Fields", "gender": "woman", "district": "Khulna",
        "consent_data_use": "y", "pin": PIN, "role": "master_trainer", "is_enabled": "0",
        "session_version": "99", "code": "KHU-1999-0001", "csrf_token": csrf_token(client, "/")})
    assert response.status_code == 400  # another partner: refused with a message
    response = client.post("/participants/new", data={
        "partner_id": str(world.khulna.id), "full_name": "Extra Fields", "gender": "woman", "district": "Khulna",
        "consent_data_use": "y", "role": "master_trainer", "code": "KHU-1999-0001",
        "csrf_token": csrf_token(client, "/")})
    assert response.status_code == 302
    person = db.session.scalar(select(Participant).where(Participant.full_name == "Extra Fields"))
    assert person.partner_id == world.khulna.id and person.code != "KHU-1999-0001"
    assert db.session.get(User, person.user_id).role == "participant"
    assert re.match(r"KHU-\d{4}-\d{4}$", person.code)


def test_numbers_too_large_for_the_database_are_refused_plainly(client, login, world):
    """Ids beyond an INTEGER column and page numbers that overflow once multiplied: a 404 or a
    400 with a reason, on SQLite and PostgreSQL alike, never a database error."""
    login(world.trainer)
    assert client.get("/participants/2147483648").status_code == 404
    assert client.get("/participants/2147483647").status_code == 404  # the largest id: simply not found
    for url in ("/participants/?page=99999999999999999", "/batches/roster/import?batch=2147483648",
                "/participants/new?partner=-2147483649", "/canvas/?page=+000099999999999999999"):
        response = client.get(url)
        assert response.status_code == 400 and "far too large" in response.get_data(as_text=True), url
    response = client.post("/batches/roster/import/confirm", data={
        "csv_text": "full_name\nX\n", "partner_id": "2147483648", "batch_id": "0",
        "csrf_token": csrf_token(client, "/")})
    assert response.status_code == 400
    assert client.get("/participants/?q=01712345678901").status_code == 200  # a long phone number is fine
