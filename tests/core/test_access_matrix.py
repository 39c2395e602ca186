"""One table lists every route with the status each kind of user gets. A route missing from the
table fails the suite, so every new page must state who may use it.

Columns: anonymous, participant (of the Khulna partner), facilitator (Khulna), other_facilitator
(Jashore: must not reach anything of Khulna's), master_trainer. URLs name Khulna's objects.

Three more kinds of user get exactly what another column says (SAME_AS):
- moved_facilitator: assigned to every Khulna batch next to world.facilitator, then moved to
  Jashore by a master trainer (accounts.services.update_staff), and logged in again: gets what
  other_facilitator gets, 404 on every Khulna object.
- stale_facilitator: the same, but moved by a plain write of their partner, so their Khulna
  assignment rows are still in the database (as in a database from before moves ended them): the
  batches module's one rule (assigned AND the batch's partner is theirs) alone keeps them out.
- deactivated_facilitator: world.facilitator (who runs every Khulna batch) deactivated by a
  master trainer while logged in; the session made before keeps being sent: gets what an
  anonymous visitor gets."""
from string import Formatter

import pytest

from edt.extensions import db
from edt.modules.accounts import services as accounts
from edt.security import Role

from tests.conftest import csrf_token
from tests.factories import (batch_world, canvas_world, certificate_world, followup_world, make_staff, make_world,
                             resume_world, tot_world)

ROLES = ("anon", "participant", "facilitator", "other_facilitator", "master_trainer")
SAME_AS = {"moved_facilitator": "other_facilitator", "stale_facilitator": "other_facilitator",
           "deactivated_facilitator": "anon"}
EVERY_ROLE = ROLES + tuple(SAME_AS)
R = 302  # redirect (to the login page for anonymous users, elsewhere after a successful POST)


def row(method, url, anon, participant, facilitator, other_facilitator, master_trainer, data=None):
    return {"method": method, "url": url, "data": data or {},
            "expect": dict(zip(ROLES, (anon, participant, facilitator, other_facilitator, master_trainer)))}


MATRIX = {
    # site
    "site.home": row("GET", "/", 200, 200, 200, 200, 200),
    "site.healthz": row("GET", "/healthz", 200, 200, 200, 200, 200),
    "site.favicon": row("GET", "/favicon.ico", 200, 200, 200, 200, 200),
    # accounts
    "accounts.login": row("GET", "/accounts/login", 200, R, R, R, R),
    "accounts.participant_login": row("GET", "/accounts/login/participant", 200, R, R, R, R),
    "accounts.logout": row("POST", "/accounts/logout", R, R, R, R, R),
    "accounts.password": row("GET", "/accounts/password", R, 200, 200, 200, 200),
    "accounts.language": row("POST", "/accounts/language", R, R, R, R, R, data={"locale": "bn"}),
    "accounts.users": row("GET", "/accounts/users", R, 403, 403, 403, 200),
    # locked and waiting accounts, and unlocking one: master trainers only
    "accounts.locked": row("GET", "/accounts/locked", R, 403, 403, 403, 200),
    "accounts.clear_lock": row("POST", "/accounts/locked/{participant_user_id}/clear", R, 403, 403, 403, R),
    "accounts.create_user": row("GET", "/accounts/users/new", R, 403, 403, 403, 200),
    "accounts.edit_user": row("GET", "/accounts/users/{facilitator_id}/edit", R, 403, 403, 403, 200),
    "accounts.set_user_enabled": row("POST", "/accounts/users/{facilitator_id}/enabled/0", R, 403, 403, 403, R),
    "accounts.reset_password": row("POST", "/accounts/users/{facilitator_id}/password", R, 403, 403, 403, R,
                                   data={"password": "a fresh long password"}),
    "accounts.partners": row("GET", "/accounts/partners", R, 403, 403, 403, 200),
    "accounts.create_partner": row("GET", "/accounts/partners/new", R, 403, 403, 403, 200),
    "accounts.edit_partner": row("GET", "/accounts/partners/{khulna_id}/edit", R, 403, 403, 403, 200),
    # curriculum and guide
    "curriculum.index": row("GET", "/curriculum/", R, 200, 200, 200, 200),
    "curriculum.day": row("GET", "/curriculum/day/1", R, 200, 200, 200, 200),
    "curriculum.print_day": row("GET", "/curriculum/day/1/print", R, 200, 200, 200, 200),
    "curriculum.search": row("GET", "/curriculum/search?q=price", R, 200, 200, 200, 200),
    "curriculum.guide_index": row("GET", "/guide/", R, 403, 200, 200, 200),
    "curriculum.guide": row("GET", "/guide/purpose-and-use", R, 403, 200, 200, 200),
    "curriculum.print_guide": row("GET", "/guide/print", R, 403, 200, 200, 200),
    # printable picture cards, the test forms with their answer keys, the observation rubric: staff only
    "curriculum.cards": row("GET", "/guide/cards", R, 403, 200, 200, 200),
    "curriculum.card_set": row("GET", "/guide/cards/risks", R, 403, 200, 200, 200),
    "curriculum.print_cards": row("GET", "/guide/cards/answer-sheet-a/print", R, 403, 200, 200, 200),
    "curriculum.test_form": row("GET", "/guide/tests/a", R, 403, 200, 200, 200),
    "curriculum.observation_rubric": row("GET", "/guide/observation-rubric", R, 403, 200, 200, 200),
    # participants
    "participants.index": row("GET", "/participants/", R, 403, 200, 200, 200),
    "participants.set_pin": row("GET", "/participants/{participant_id}/pin", R, 403, 200, 404, 200),
    # batches, training days, enrolment, holidays, roster import
    "batches.index": row("GET", "/batches/", R, 403, 200, 200, 200),
    "batches.create": row("GET", "/batches/new", R, 403, 403, 403, 200),
    "batches.detail": row("GET", "/batches/{batch_id}", R, 403, 200, 404, 200),
    # the batch's code cards (PDF): its facilitators and master trainers only
    "batches.code_cards": row("GET", "/batches/{batch_id}/code-cards.pdf", R, 403, 200, 404, 200),
    "batches.edit": row("GET", "/batches/{batch_id}/edit", R, 403, 403, 403, 200),
    "batches.set_cancelled": row("POST", "/batches/{batch_id}/cancelled/1", R, 403, 403, 403, R),
    "batches.move_day": row("GET", "/batches/days/{day_id}/move", R, 403, 200, 404, 200),
    "batches.enrol": row("POST", "/batches/{batch_id}/enrol", R, 403, R, 404, R),
    "batches.drop": row("GET", "/batches/enrolments/{enrolment_id}/drop", R, 403, 200, 404, 200),
    "batches.transfer": row("GET", "/batches/enrolments/{enrolment_id}/transfer", R, 403, 200, 404, 200),
    "batches.holidays": row("GET", "/batches/holidays", R, 403, 403, 403, 200),
    "batches.delete_holiday": row("POST", "/batches/holidays/{holiday_id}/delete", R, 403, 403, 403, R),
    "batches.edit_holiday": row("GET", "/batches/holidays/{holiday_id}/edit", R, 403, 403, 403, 200),
    "batches.undo_move": row("GET", "/batches/{batch_id}/undo-move", R, 403, 302, 404, 302),
    "batches.roster_template": row("GET", "/batches/roster/template.csv", R, 403, 200, 200, 200),
    "batches.import_roster": row("GET", "/batches/roster/import", R, 403, 200, 200, 200),
    # an empty file for Khulna: the facilitator is told it is empty, the other one may not import for Khulna
    "batches.confirm_import": row("POST", "/batches/roster/import/confirm", R, 403, 400, 400, 400,
                                  data={"partner_id": "{khulna_id}", "csv_text": ""}),
    # attendance
    "attendance.mark": row("GET", "/attendance/days/{day_id}", R, 403, 200, 404, 200),
    "attendance.sheet": row("GET", "/attendance/days/{day_id}/sheet.pdf", R, 403, 200, 404, 200),
    "attendance.grid": row("GET", "/attendance/batches/{batch_id}", R, 403, 200, 404, 200),
    # participants' full record
    "participants.register": row("GET", "/participants/new", R, 403, 200, 200, 200),
    "participants.detail": row("GET", "/participants/{participant_id}", R, 403, 200, 404, 200),
    "participants.edit": row("GET", "/participants/{participant_id}/edit", R, 403, 200, 404, 200),
    # certificates: only master trainers issue, revoke, reissue and withdraw; facilitators
    # see their batches' certificates read-only and download them; a participant downloads only
    # their own (world.participant holds none here: 404); the verify pages are public.
    "certificates.index": row("GET", "/certificates/", R, 403, 200, 200, 200),
    "certificates.batch": row("GET", "/certificates/batch/{cert_batch_id}", R, 403, 200, 404, 200),
    "certificates.issue_all": row("POST", "/certificates/batch/{cert_batch_id}/issue", R, 403, 403, 403, R),
    "certificates.download_zip": row("GET", "/certificates/batch/{cert_batch_id}/certificates.zip",
                                     R, 403, 200, 404, 200),
    "certificates.download_print": row("GET", "/certificates/batch/{cert_batch_id}/certificates.pdf",
                                       R, 403, 200, 404, 200),
    "certificates.issue": row("GET", "/certificates/enrolment/{cert_enrolment_id}/issue", R, 403, 403, 403, 200),
    "certificates.download": row("GET", "/certificates/{certificate_id}.pdf", R, 404, 200, 404, 200),
    "certificates.revoke": row("GET", "/certificates/{certificate_id}/revoke", R, 403, 403, 403, 200),
    "certificates.reissue": row("GET", "/certificates/{certificate_id}/reissue", R, 403, 403, 403, 200),
    "certificates.withdraw": row("GET", "/certificates/{certificate_id}/withdraw", R, 403, 403, 403, 200),
    "certificates.verify": row("GET", "/verify", 200, 200, 200, 200, 200),
    "certificates.verify_code": row("GET", "/verify/{certificate_code}", 200, 200, 200, 200, 200),
    # business plan: world.participant's canvas (revision 1) in world.facilitator's batch.
    # Writes that succeed or are refused with a message redirect; a review of a draft is a 400.
    "canvas.index": row("GET", "/canvas/", R, R, 200, 200, 200),
    "canvas.view": row("GET", "/canvas/{canvas_participant_id}", R, 200, 200, 404, 200),
    "canvas.queue": row("GET", "/canvas/queue/{batch_id}", R, 403, 200, 404, 200),
    "canvas.add_item": row("POST", "/canvas/{canvas_participant_id}/block/channels/add", R, R, R, 404, R,
                           data={"text": "At the school gate", "base": "1"}),
    "canvas.change_item": row("POST", "/canvas/{canvas_participant_id}/block/channels/items", R, R, R, 404, R,
                              data={"op": "down-0", "base": "1"}),
    "canvas.edit_block": row("GET", "/canvas/{canvas_participant_id}/block/channels", R, 200, 200, 404, 200),
    "canvas.name": row("GET", "/canvas/{canvas_participant_id}/name", R, 200, 200, 404, 200),
    "canvas.submit": row("POST", "/canvas/{canvas_participant_id}/submit", R, R, R, 404, R, data={"base": "1"}),
    "canvas.review": row("POST", "/canvas/{canvas_participant_id}/review", R, 403, 400, 404, 400,
                         data={"decision": "approve", "base": "1"}),
    "canvas.reopen": row("POST", "/canvas/{canvas_participant_id}/reopen", R, 403, R, 404, R, data={"base": "1"}),
    "canvas.comment": row("POST", "/canvas/{canvas_participant_id}/comments", R, 400, R, 404, R,
                          data={"block": "channels", "body": "Which days?"}),
    "canvas.history": row("GET", "/canvas/{canvas_participant_id}/history", R, 200, 200, 404, 200),
    "canvas.revision": row("GET", "/canvas/{canvas_participant_id}/history/1", R, 200, 200, 404, 200),
    "canvas.restore": row("POST", "/canvas/{canvas_participant_id}/history/1/restore", R, R, R, 404, R,
                          data={"base": "1"}),
    "canvas.plan": row("GET", "/canvas/{canvas_participant_id}/plan", R, 200, 200, 404, 200),
    "canvas.edit_plan": row("GET", "/canvas/{canvas_participant_id}/plan/edit", R, 200, 200, 404, 200),
    "canvas.download": row("GET", "/canvas/{canvas_participant_id}/pdf", R, 200, 200, 404, 200),
    # reports: the dashboard and its exports are for master trainers; a batch report and
    # its exports for the batch's facilitators and master trainers. Names need a reason (POST).
    "reports.dashboard": row("GET", "/reports/?district=Khulna", R, 403, 403, 403, 200),
    "reports.export_csv": row("GET", "/reports/export.csv?kind=participants", R, 403, 403, 403, 200),
    "reports.export_xlsx": row("GET", "/reports/export.xlsx", R, 403, 403, 403, 200),
    "reports.export_names": row("GET", "/reports/export/names", R, 403, 403, 403, 200),
    "reports.batch": row("GET", "/reports/batch/{batch_id}", R, 403, 200, 404, 200),
    "reports.batch_csv": row("GET", "/reports/batch/{batch_id}/export.csv?kind=attendance", R, 403, 200, 404, 200),
    "reports.batch_xlsx": row("GET", "/reports/batch/{batch_id}/export.xlsx", R, 403, 200, 404, 200),
    # tests (assessments): a batch's facilitators record and see its tests, master trainers all,
    # a participant only their own page; world.participant takes form A on Day 1 (alone in the batch).
    "assessments.index": row("GET", "/assessments/", R, 403, 200, 200, 200),
    "assessments.export": row("GET", "/assessments/report.csv?by=gender", R, 403, 200, 200, 200),
    "assessments.batch": row("GET", "/assessments/batches/{batch_id}", R, 403, 200, 404, 200),
    "assessments.batch_export": row("GET", "/assessments/batches/{batch_id}/results.xlsx", R, 403, 200, 404, 200),
    "assessments.sheets": row("GET", "/assessments/batches/{batch_id}/pre/sheets", R, 403, 200, 404, 200),
    "assessments.record": row("POST", "/assessments/batches/{batch_id}/pre/A/record", R, 403, R, 404, R,
                              data={"item": "costing-1", "person": "{participant_id}", "answer": "dont_know"}),
    "assessments.enter": row("GET", "/assessments/batches/{batch_id}/pre/people/{participant_id}",
                             R, 403, 200, 404, 200),
    "assessments.mine": row("GET", "/assessments/mine", R, 200, 403, 403, 403),
    # data protection: the audit log and erasure are for master trainers; a kept form
    # (sent after the session ended) is reachable only by the person who sent it (world.facilitator).
    "privacy.audit_log": row("GET", "/privacy/audit", R, 403, 403, 403, 200),
    # the audit log as CSV for an auditor: master trainers only, like the page
    "privacy.audit_csv": row("GET", "/privacy/audit.csv", R, 403, 403, 403, 200),
    "privacy.erase": row("GET", "/privacy/participants/{participant_id}/erase", R, 403, 403, 403, 200),
    "kept_forms.review": row("GET", "/kept-forms/{resume_token}", R, 404, 200, 404, 404),
    "kept_forms.discard": row("POST", "/kept-forms/{resume_token}/discard", R, 404, R, 404, 404),
    # follow-ups: staff of the person's partner (whoever ran the batch) and master trainers; the money
    # book is the participant's own; the outcome figures and the donor report are for master trainers.
    "followup.index": row("GET", "/followups/", R, 403, 200, 200, 200),
    "followup.record": row("GET", "/followups/visit/{fu_participant_id}/{fu_batch_id}/m1", R, 403, 200, 404, 200),
    "followup.not_reached": row("POST", "/followups/visit/{fu_participant_id}/{fu_batch_id}/m1/not-reached",
                                R, 403, R, 404, R),
    "followup.person": row("GET", "/followups/people/{fu_participant_id}", R, 403, 200, 404, 200),
    "followup.add_support": row("POST", "/followups/people/{fu_participant_id}/support", R, 403, R, 404, R,
                                data={"kind": "mentoring", "given_on": "", "note": ""}),
    "followup.book": row("GET", "/followups/book", R, 200, 403, 403, 403),
    "followup.share": row("POST", "/followups/book/share", R, R, 403, 403, 403, data={"shared": "y"}),
    "followup.delete_entry": row("POST", "/followups/book/{fu_entry_id}/delete", R, R, 403, 403, 403),
    "followup.outcomes": row("GET", "/followups/outcomes", R, 403, 403, 403, 200),
    "followup.outcomes_xlsx": row("GET", "/followups/outcomes.xlsx", R, 403, 403, 403, 200),
    "followup.outcomes_csv": row("GET", "/followups/outcomes.csv?table=employed_6m", R, 403, 403, 403, 200),
    # trainers: master trainers manage ToTs, observations and statuses; a facilitator reads only their
    # own record and credential (world.facilitator is certified); participants nothing.
    "trainers.index": row("GET", "/trainers/", R, 403, R, R, 200),
    "trainers.facilitator": row("GET", "/trainers/facilitators/{facilitator_id}", R, 403, 200, 404, 200),
    "trainers.credential_pdf": row("GET", "/trainers/facilitators/{facilitator_id}/credential.pdf",
                                   R, 403, 200, 404, 200),
    "trainers.status": row("GET", "/trainers/facilitators/{facilitator_id}/status", R, 403, 403, 403, 200),
    "trainers.observe": row("GET", "/trainers/facilitators/{facilitator_id}/observe", R, 403, 403, 403, 200),
    "trainers.expiring": row("GET", "/trainers/expiring", R, 403, 403, 403, 200),
    "trainers.events": row("GET", "/trainers/tot/", R, 403, 403, 403, 200),
    "trainers.schedule": row("GET", "/trainers/tot/new", R, 403, 403, 403, 200),
    "trainers.event": row("GET", "/trainers/tot/{tot_event_id}", R, 403, 403, 403, 200),
    "trainers.add_trainees": row("POST", "/trainers/tot/{tot_event_id}/trainees", R, 403, 403, 403, R,
                                 data={"user_ids": "{tot_spare_id}"}),
    "trainers.mark": row("GET", "/trainers/tot/days/{tot_day_id}", R, 403, 403, 403, 200),
    # sync (working offline): the endpoint takes only a device credential in its header (none here:
    # 401 for everyone, whatever the session cookie); a credential for any logged-in user; the
    # pages a device keeps are the user's own (tests/sync); the service worker and the offline
    # page hold nothing personal
    "sync.send": row("POST", "/sync/", 401, 401, 401, 401, 401),
    "sync.device": row("POST", "/sync/device", R, 200, 200, 200, 200),
    "sync.pages": row("GET", "/sync/pages", R, 200, 200, 200, 200),
    "sync.outbox": row("GET", "/sync/outbox", R, 200, 200, 200, 200),
    "sync.offline": row("GET", "/sync/offline", 200, 200, 200, 200, 200),
    "sync.service_worker": row("GET", "/sw.js", 200, 200, 200, 200, 200),
}


def test_every_route_is_in_the_matrix(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules() if rule.endpoint != "static"}
    missing = sorted(endpoints - set(MATRIX))
    stale = sorted(set(MATRIX) - endpoints)
    assert not missing, f"routes missing from the access matrix: {missing}"
    assert not stale, f"matrix rows for routes that no longer exist: {stale}"


def ids(world) -> dict:
    return _Ids(world, {"facilitator_id": world.facilitator.id, "khulna_id": world.khulna.id,
                        "participant_user_id": world.participant.user_id,
                        "participant_id": world.participant.id, "participant_code": world.participant.code,
                        **getattr(world, "extra_ids", {})})


PROVIDERS = {"cert": certificate_world, "canvas": canvas_world, "resume": resume_world, "fu": followup_world,
             "tot": tot_world}
PLAIN_IDS = ("facilitator_id", "khulna_id", "participant_user_id", "participant_id", "participant_code")


def provider_for(key):
    """The builder of the records an id names: certificates, canvases, kept forms, else batches."""
    return next((f for prefix, f in PROVIDERS.items() if key.startswith(prefix)), batch_world)


class _Ids(dict):
    """URL ids; the batch, canvas, certificate and kept-form records are created only for rows
    whose URL needs them, so other rows run on the plain world."""

    def __init__(self, world, values):
        super().__init__(values)
        self.world = world

    def __missing__(self, key):
        extra = provider_for(key)(self.world)
        if key in extra:
            self.update(extra)
            return self[key]
        raise KeyError(key)

    def _everything(self):
        for provider in (batch_world, canvas_world, certificate_world, resume_world, followup_world, tot_world):
            self.update(provider(self.world))

    def keys(self):  # `url.format(**ids(world))` needs every id up front
        self._everything()
        return super().keys()

    def __iter__(self):
        self._everything()
        return super().__iter__()


def user_for(world, role):
    return {"anon": None, "participant": world.participant.user, "facilitator": world.facilitator,
            "other_facilitator": world.other_facilitator, "master_trainer": world.trainer}[role]


def prepare(world, role):
    """Before the row's objects are built: the moved facilitators start in Khulna's team."""
    if role in ("moved_facilitator", "stale_facilitator"):
        world.moved = make_staff(Role.FACILITATOR, world.khulna, username="fac-moved")
        world.co_facilitators.append(world.moved)


def log_in_as(world, role, login):
    """After the row's objects exist (so the moved facilitator was assigned to every Khulna
    batch the URL names): move, log in, or log in then deactivate."""
    if role == "moved_facilitator":
        accounts.update_staff(world.trainer, world.moved, display_name="Moved Person", role=Role.FACILITATOR,
                              partner_id=world.jashore.id, locale=None)
        login(world.moved)
    elif role == "stale_facilitator":
        world.moved.partner_id = world.jashore.id  # the assignment rows stay
        db.session.commit()
        login(world.moved)
    elif role == "deactivated_facilitator":
        login(world.facilitator)
        accounts.set_enabled(world.trainer, world.facilitator, False)
    else:
        login(user_for(world, role))


def fill_in(entry, values) -> tuple[str, dict]:
    """The row's URL and form data with the ids filled in (building the records they name)."""
    url = entry["url"].format_map(values)
    return url, {k: v.format_map(values) if isinstance(v, str) else v for k, v in entry["data"].items()}


def world_key(entry, role) -> tuple:
    """What the row's world depends on: a moved facilitator or not, and which records its URL
    names (in the order the URL names them, the order they are built in)."""
    texts = [entry["url"], *(v for v in entry["data"].values() if isinstance(v, str))]
    names = [name for text in texts for _, name, _, _ in Formatter().parse(text) if name]
    providers = [provider_for(name).__name__ for name in names if name not in PLAIN_IDS]
    return ("access", role in ("moved_facilitator", "stale_facilitator"), tuple(dict.fromkeys(providers)))


def matrix_world(entry, role, worlds):
    """The row's world before anyone logs in, built once per kind of row and restored after."""
    def build():
        world = make_world()
        prepare(world, role)
        fill_in(entry, ids(world))
        return world

    return worlds.get(world_key(entry, role), build)


@pytest.mark.parametrize("role", EVERY_ROLE)
@pytest.mark.parametrize("endpoint", sorted(MATRIX))
def test_access(endpoint, role, client, login, worlds):
    entry = MATRIX[endpoint]
    world = matrix_world(entry, role, worlds)
    url, data = fill_in(entry, ids(world))
    log_in_as(world, role, login)
    if entry["method"] == "GET":
        response = client.get(url)
    else:
        response = client.post(url, data={**data, "csrf_token": csrf_token(client, "/")})
    status, location = response.status_code, response.headers.get("Location", "")
    response.close()  # a streamed export ends its transaction even when the assertion fails
    column = SAME_AS.get(role, role)
    expected = entry["expect"][column]
    assert status == expected, f"{role} {entry['method']} {url}: {status} != {expected}"
    if column == "anon" and expected == R and entry["method"] == "GET":
        assert location.startswith("/accounts/login")

