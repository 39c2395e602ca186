"""The sync endpoint: each queued save applied once, through the same rules and access checks as
its form; bad items refused with a reason and nothing written; conflicts never silent; the device
credential revoked by logout and by every event that ends all sessions."""
import json
from datetime import timedelta

from sqlalchemy import func, select

from edt.audit import AuditEvent
from edt.extensions import db
from edt.modules.accounts import services as accounts
from edt.modules.attendance import services as attendance
from edt.modules.attendance.models import AttendanceMark
from edt.modules.canvas import services as canvas_services
from edt.modules.canvas.models import Canvas
from edt.modules.followup.models import FollowUp
from edt.modules.sync.models import AppliedItem, SyncDevice
from edt.modules.sync.services import HEADER

from tests.conftest import csrf_token
from tests.factories import batch_world, canvas_world, enrol, followup_world, make_participant


def device_token(client) -> str:
    response = client.post("/sync/device", headers={"X-CSRFToken": csrf_token(client, "/")})
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    return response.get_json()["token"]


def send(client, token, items, **extra):
    return client.post("/sync/", data=json.dumps({"items": items}), content_type="application/json",
                       headers={HEADER: token}, **extra)


def day_item(key, day, rows, **overrides):
    """An attendance form for `day` as the page would send it: rows = {enrolment: (status, note,
    was_status, was_note)}."""
    fields = {"row": [str(e) for e in rows]}
    for enrolment, (status, note, was_status, was_note) in rows.items():
        fields.update({f"s-{enrolment}": status, f"n-{enrolment}": note, f"ws-{enrolment}": was_status,
                       f"wn-{enrolment}": was_note, f"pf-{enrolment}": ""})
    return {"key": key, "kind": "attendance", "target": {"day_id": day.id}, "base": None, "fields": fields,
            **overrides}


def marks():
    return sorted((m.training_day_id, m.enrolment_id, m.status, m.note) for m in db.session.scalars(select(AttendanceMark)))


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def results(response) -> dict:
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    return {r["key"]: r for r in response.get_json()["results"]}


# --- the credential --------------------------------------------------------------------------

def test_a_device_credential_needs_a_session_and_the_csrf_header(client, login, world):
    anonymous = client.post("/sync/device", headers={"X-CSRFToken": csrf_token(client, "/")})
    assert anonymous.status_code == 302 and count(SyncDevice) == 0  # no session: the login page
    login(world.facilitator)
    assert client.post("/sync/device").status_code == 400  # no CSRF header: refused
    token = device_token(client)
    device = db.session.scalar(select(SyncDevice))
    assert device.user_id == world.facilitator.id and device.token_hash != token and len(device.token_hash) == 64
    assert device.session_version == world.facilitator.session_version
    assert device.expires_at.replace(tzinfo=None) - device.created_at.replace(tzinfo=None) <= timedelta(hours=12)


def test_sending_without_a_usable_credential_is_refused(client, login, world):
    ids = batch_world(world)
    day = world.batch.days[0]
    item = day_item("k-no-credential", day, {ids["enrolment_id"]: ("present", "", "", "")})
    for token in ("", "not-a-token", "x" * 300):
        response = send(client, token, [item])
        assert response.status_code == 401 and response.get_json()["error"]
    login(world.facilitator)
    token = device_token(client)
    not_json = client.post("/sync/", data={"items": "[]"}, headers={HEADER: token})
    assert not_json.status_code == 415
    assert send(client, token, "nope").status_code == 400
    assert send(client, token, [item] * 101).status_code == 400
    assert marks() == [] and count(AppliedItem) == 0


def test_logout_revokes_the_credential(client, login, world):
    ids = batch_world(world)
    login(world.facilitator)
    token = device_token(client)
    logout = client.post("/accounts/logout", data={"csrf_token": csrf_token(client, "/")})
    assert logout.headers["Clear-Site-Data"] == '"cache", "storage"'  # kept pages, outbox and worker go
    item = day_item("k-after-logout", world.batch.days[0], {ids["enrolment_id"]: ("present", "", "", "")})
    response = send(client, token, [item])
    assert response.status_code == 401 and "Log in again" in response.get_json()["error"]
    assert marks() == []


def test_every_end_of_all_sessions_revokes_the_credential(client, login, world):
    ids = batch_world(world)
    day = world.batch.days[0]
    endings = [
        lambda: accounts.end_sessions_after_wrong_secrets(world.facilitator, 5),
        lambda: accounts.reset_password(world.trainer, world.facilitator, "a fresh long password 1"),
        lambda: accounts.set_enabled(world.trainer, world.facilitator, False),
    ]
    for n, end in enumerate(endings):
        accounts.set_enabled(world.trainer, world.facilitator, True)
        db.session.refresh(world.facilitator)
        login(world.facilitator, "a fresh long password 1" if n >= 2 else None)
        token = device_token(client)
        end()
        response = send(client, token, [day_item(f"k-ended-{n}", day, {ids["enrolment_id"]: ("late", "", "", "")})])
        assert response.status_code == 401, n
    assert marks() == []


def test_a_credential_past_its_session_end_is_refused(client, login, world):
    ids = batch_world(world)
    login(world.facilitator)
    token = device_token(client)
    device = db.session.scalar(select(SyncDevice))
    device.expires_at = device.expires_at - timedelta(hours=13)
    db.session.commit()
    response = send(client, token, [day_item("k-expired", world.batch.days[0],
                                             {ids["enrolment_id"]: ("present", "", "", "")})])
    assert response.status_code == 401 and marks() == []


def test_the_endpoint_does_not_take_the_session_cookie_instead_of_the_credential(client, login, world):
    ids = batch_world(world)
    login(world.facilitator)
    response = client.post("/sync/", json={"items": [day_item("k-cookie", world.batch.days[0],
                                                               {ids["enrolment_id"]: ("present", "", "", "")})]})
    assert response.status_code == 401 and marks() == []


# --- applied once ----------------------------------------------------------------------------

def test_a_day_is_applied_once_whatever_the_retries(client, login, world):
    ids = batch_world(world)
    second = make_participant(world.khulna, world.trainer, full_name="Second Person")
    other = enrol(world.batch, [second])[0]
    day = world.batch.days[0]
    login(world.facilitator)
    token = device_token(client)
    item = day_item("day1-offline-0001", day, {ids["enrolment_id"]: ("present", "", "", ""),
                                                other.id: ("late", "bus was late", "", "")})
    first = results(send(client, token, [item]))
    assert first["day1-offline-0001"]["status"] == "applied"
    expected = sorted([(day.id, ids["enrolment_id"], "present", ""), (day.id, other.id, "late", "bus was late")])
    assert marks() == expected
    for _retry in range(3):  # the answer was lost: the device sends it again
        again = results(send(client, token, [item]))
        assert again["day1-offline-0001"]["status"] == "already"
    assert marks() == expected
    assert count(AppliedItem) == 1
    saves = db.session.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "attendance_saved"))
    assert saves == 1
    applied = db.session.scalar(select(AppliedItem))
    assert (applied.user_id, applied.kind) == (world.facilitator.id, "attendance")


def test_a_key_used_again_for_another_save_is_refused(client, login, world):
    ids = batch_world(world)
    day = world.batch.days[0]
    login(world.facilitator)
    token = device_token(client)
    send(client, token, [day_item("same-key-0001", day, {ids["enrolment_id"]: ("present", "", "", "")})])
    reused = results(send(client, token, [day_item("same-key-0001", day,
                                                   {ids["enrolment_id"]: ("absent", "", "present", "")})]))
    assert reused["same-key-0001"]["status"] == "refused" and "another save" in reused["same-key-0001"]["reason"]
    assert marks() == [(day.id, ids["enrolment_id"], "present", "")]


def test_keys_are_per_user(client, login, world):
    """Another account's key never hides this one's save."""
    ids = batch_world(world)
    day = world.batch.days[0]
    login(world.facilitator)
    token = device_token(client)
    send(client, token, [day_item("shared-key-01", day, {ids["enrolment_id"]: ("present", "", "", "")})])
    login(world.trainer)
    trainer_token = device_token(client)
    answer = results(send(client, trainer_token, [day_item("shared-key-01", day,
                                                           {ids["enrolment_id"]: ("late", "", "present", "")})]))
    assert answer["shared-key-01"]["status"] == "applied"
    assert marks() == [(day.id, ids["enrolment_id"], "late", "")]


# --- access and bad items ----------------------------------------------------------------------

def test_an_item_for_another_partners_batch_is_refused(client, login, world):
    ids = batch_world(world)
    other_day = world.other_batch.days[0]
    stranger = make_participant(world.jashore, world.trainer, full_name="Jashore Person")
    enrolment = enrol(world.other_batch, [stranger])[0]
    login(world.facilitator)
    token = device_token(client)
    mine = day_item("mine-000001", world.batch.days[0], {ids["enrolment_id"]: ("present", "", "", "")})
    theirs = day_item("theirs-00001", other_day, {enrolment.id: ("absent", "", "", "")})
    answer = results(send(client, token, [theirs, mine]))
    assert answer["theirs-00001"]["status"] == "refused"
    assert "cannot change it" in answer["theirs-00001"]["reason"]
    assert answer["mine-000001"]["status"] == "applied"  # one bad item does not stop the others
    assert marks() == [(world.batch.days[0].id, ids["enrolment_id"], "present", "")]
    assert {a.key for a in db.session.scalars(select(AppliedItem))} == {"mine-000001"}


def test_a_participant_cannot_send_attendance_or_someone_elses_note(client, login, world):
    ids = batch_world(world)
    canvas_ids = canvas_world(world)
    login(world.participant.user)
    token = device_token(client)
    attendance_item = day_item("p-attend-01", world.batch.days[0], {ids["enrolment_id"]: ("present", "", "", "")})
    foreign = make_participant(world.khulna, world.trainer, full_name="Another Woman")
    note = {"key": "p-note-0001", "kind": "canvas_note", "target": {"participant_id": foreign.id, "block": "channels"},
            "base": 0, "fields": {"text": "sell at the haat"}}
    answer = results(send(client, token, [attendance_item, note]))
    assert answer["p-attend-01"]["status"] == "refused" and answer["p-note-0001"]["status"] == "refused"
    assert marks() == [] and count(AppliedItem) == 0
    assert canvas_ids  # world.participant's own canvas exists; the other woman has none
    assert db.session.scalar(select(Canvas).where(Canvas.participant_id == foreign.id)) is None


def test_bad_items_are_refused_with_reasons_and_nothing_is_written(client, login, world):
    ids = batch_world(world)
    day = world.batch.days[0]
    future = world.batch.days[-1]
    enrolment = ids["enrolment_id"]
    login(world.facilitator)
    token = device_token(client)
    good = {enrolment: ("present", "", "", "")}
    bad = [
        {"kind": "attendance", "target": {"day_id": day.id}, "fields": {}},                       # no key
        {"key": "short", "kind": "attendance", "target": {"day_id": day.id}, "fields": {}},       # key too short
        day_item("bad-kind-0001", day, good, kind="payment"),                                  # unknown kind
        day_item("bad-status-01", day, {enrolment: ("sleeping", "", "", "")}),                 # unknown mark
        day_item("bad-note-0001", day, {enrolment: ("late", "x" * 201, "", "")}),              # note too long
        day_item("bad-future-01", future, good),                                               # a day not come yet
        day_item("bad-target-01", day, good, target={"day_id": "1; drop table"}),              # damaged target
        day_item("bad-target-02", day, good, target=[day.id]),
        day_item("bad-fields-01", day, good, fields={"row": [str(enrolment)], f"s-{enrolment}": {"x": 1}}),
        day_item("bad-fields-02", day, good, fields="row=1"),
        day_item("bad-roster-01", day, {999999: ("present", "", "", "")}),                     # not on the list
        "not an object",
    ]
    answer = send(client, token, bad)
    assert answer.status_code == 200
    outcomes = answer.get_json()["results"]
    assert len(outcomes) == len(bad)
    assert all(o["status"] == "refused" and o["reason"] for o in outcomes), outcomes
    reasons = {o["key"]: o["reason"] for o in outcomes}
    assert "present, late, excused or absent" in reasons["bad-status-01"]
    assert "too long" in reasons["bad-note-0001"]
    assert "attendance can be recorded from" in reasons["bad-future-01"]
    assert marks() == [] and count(AppliedItem) == 0


# --- conflicts ---------------------------------------------------------------------------------

def test_a_colleagues_later_save_of_the_same_person_is_a_conflict_with_both_versions(client, login, world):
    ids = batch_world(world)
    enrolment = ids["enrolment_id"]
    second = enrol(world.batch, [make_participant(world.khulna, world.trainer, full_name="Rina")])[0]
    day = world.batch.days[0]
    # the device opened the page when nobody was marked; then a colleague saved, online
    attendance.save_day(world.trainer, day, [attendance.Entry(enrolment, "absent", "called: sick"),
                                             attendance.Entry(second.id, "present")])
    login(world.facilitator)
    token = device_token(client)
    offline = day_item("conflict-0001", day, {enrolment: ("late", "", "", ""), second.id: ("present", "", "", "")})
    answer = results(send(client, token, [offline]))["conflict-0001"]
    assert answer["status"] == "conflict"
    (row,) = answer["server"]["rows"]  # Rina: both chose present, nothing to decide
    assert row["enrolment_id"] == enrolment and row["mine"] == ["late", ""]
    assert row["theirs"] == ["absent", "called: sick"] and row["was"] == ["", ""]
    assert row["code"] == world.participant.code and row["by"]
    assert marks() == sorted([(day.id, enrolment, "absent", "called: sick"), (day.id, second.id, "present", "")])
    assert count(AppliedItem) == 0  # not applied: the same key may be sent again once decided
    # "keep mine" on the device: the same save, now edited from what is saved
    offline["fields"].update({f"ws-{enrolment}": "absent", f"wn-{enrolment}": "called: sick"})
    assert results(send(client, token, [offline]))["conflict-0001"]["status"] == "applied"
    assert marks() == sorted([(day.id, enrolment, "late", ""), (day.id, second.id, "present", "")])


def test_a_colleagues_save_of_another_person_is_kept_without_a_conflict(client, login, world):
    ids = batch_world(world)
    enrolment = ids["enrolment_id"]
    second = enrol(world.batch, [make_participant(world.khulna, world.trainer, full_name="Rina")])[0]
    day = world.batch.days[0]
    attendance.save_day(world.trainer, day, [attendance.Entry(second.id, "excused", "wedding")])
    login(world.facilitator)
    token = device_token(client)
    offline = day_item("no-clash-0001", day, {enrolment: ("present", "", "", ""), second.id: ("", "", "", "")})
    offline["fields"].pop(f"s-{second.id}")  # left untouched on the phone
    assert results(send(client, token, [offline]))["no-clash-0001"]["status"] == "applied"
    assert marks() == sorted([(day.id, enrolment, "present", ""), (day.id, second.id, "excused", "wedding")])


# --- canvas notes --------------------------------------------------------------------------------

def note(key, participant_id, base, text, block="channels"):
    return {"key": key, "kind": "canvas_note", "target": {"participant_id": participant_id, "block": block},
            "base": base, "fields": {"text": text}}


def test_notes_queued_on_one_page_are_all_added_once(client, login, world):
    canvas_world(world)
    canvas = db.session.scalar(select(Canvas).where(Canvas.participant_id == world.participant.id))
    base = canvas.revision
    login(world.participant.user)
    token = device_token(client)
    items = [note("note-a-00001", world.participant.id, base, "sell at the haat"),
             note("note-b-00001", world.participant.id, base, "sell to neighbours")]
    first = results(send(client, token, items[:1]))  # the answer to this one was lost...
    assert first["note-a-00001"]["status"] == "applied"
    both = results(send(client, token, items))       # ...so both are sent again
    assert [both[k]["status"] for k in ("note-a-00001", "note-b-00001")] == ["already", "applied"]
    db.session.refresh(canvas)
    assert canvas.items("channels")[-2:] == ["sell at the haat", "sell to neighbours"]
    assert canvas.items("channels").count("sell at the haat") == 1
    assert canvas.revision == base + 2


def test_a_note_on_a_canvas_changed_by_someone_else_is_a_conflict(client, login, world):
    canvas_world(world)
    canvas = db.session.scalar(select(Canvas).where(Canvas.participant_id == world.participant.id))
    base = canvas.revision
    canvas_services.add_item(world.facilitator, canvas, "channels", "facilitator's idea", base)
    login(world.participant.user)
    token = device_token(client)
    answer = results(send(client, token, [note("note-c-00001", world.participant.id, base, "my idea")]))
    conflict = answer["note-c-00001"]
    assert conflict["status"] == "conflict" and conflict["server"]["revision"] == base + 1
    assert "facilitator's idea" in conflict["server"]["items"]
    db.session.refresh(canvas)
    assert "my idea" not in canvas.items("channels") and count(AppliedItem) == 0


# --- follow-up visits ----------------------------------------------------------------------------

def visit_item(key, ids, base, **fields):
    values = {"status": "done", "method": "home", "consent_confirmed": "y", "works_now": "self",
              "business_started": "yes", "still_running": "yes", "trade": "tailoring", **fields}
    return {"key": key, "kind": "followup", "base": base, "fields": values,
            "target": {"participant_id": ids["fu_participant_id"], "batch_id": ids["fu_batch_id"], "stage": "m1"}}


def test_a_visit_is_recorded_once_and_a_later_record_is_a_conflict(client, login, world):
    ids = followup_world(world)
    login(world.facilitator)
    token = device_token(client)
    first = visit_item("visit-000001", ids, "")
    assert results(send(client, token, [first]))["visit-000001"]["status"] == "applied"
    assert results(send(client, token, [first]))["visit-000001"]["status"] == "already"
    (row,) = db.session.scalars(select(FollowUp)).all()
    assert (row.status, row.method, row.trade, row.business_started) == ("done", "home", "tailoring", True)
    stale = visit_item("visit-000002", ids, "", method="phone")  # edited from before the first save
    answer = results(send(client, token, [stale]))["visit-000002"]
    assert answer["status"] == "conflict" and answer["server"]["status"] == "done"
    db.session.refresh(row)
    assert row.method == "home"
    rebased = visit_item("visit-000002", ids, answer["server"]["version"], method="phone")
    assert results(send(client, token, [rebased]))["visit-000002"]["status"] == "applied"
    db.session.refresh(row)
    assert row.method == "phone"


def test_a_visit_breaking_a_rule_or_out_of_reach_is_refused(client, login, world):
    ids = followup_world(world)
    login(world.other_facilitator)
    token = device_token(client)
    answer = results(send(client, token, [visit_item("visit-far-001", ids, "")]))
    assert answer["visit-far-001"]["status"] == "refused"
    login(world.facilitator)
    token = device_token(client)
    no_consent = visit_item("visit-bad-001", ids, "", consent_confirmed="")
    answer = results(send(client, token, [no_consent]))
    assert answer["visit-bad-001"]["status"] == "refused" and "tick the box" in answer["visit-bad-001"]["reason"]
    assert count(FollowUp) == 0 and count(AppliedItem) == 0


# --- what a device keeps, and the service worker ---------------------------------------------------

def test_the_pages_a_facilitator_keeps_are_todays_and_tomorrows_of_their_batches(client, login, world):
    batch_world(world)
    login(world.facilitator)
    data = client.get("/sync/pages").get_json()
    days = [d for d in world.batch.days if d.date in (world.batch.days[2].date, world.batch.days[3].date)]
    for day in days:  # the batch began two days ago: days 3 and 4 are today and tomorrow
        assert f"/attendance/days/{day.id}" in data["pages"]
        assert f"/attendance/days/{day.id}/sheet.pdf" in data["pages"]
        assert f"/curriculum/day/{day.number}" in data["pages"]
    assert f"/attendance/days/{world.batch.days[0].id}" not in data["pages"]
    assert not any(f"/attendance/days/{d.id}" in data["pages"] for d in world.other_batch.days)
    assert "/followups/" in data["pages"] and data["staff"] is True
    assert any(a.startswith("/static/js/offline.js?v=") for a in data["assets"])
    login(world.other_facilitator)
    theirs = client.get("/sync/pages").get_json()["pages"]
    assert not any(f"/attendance/days/{d.id}" in theirs for d in world.batch.days)


def test_a_participant_keeps_her_own_plan_and_her_batchs_days(client, login, world):
    batch_world(world)
    login(world.participant.user)
    data = client.get("/sync/pages").get_json()
    pid = world.participant.id
    assert f"/canvas/{pid}" in data["pages"] and f"/canvas/{pid}/plan" in data["pages"]
    assert {"/curriculum/day/1", "/curriculum/day/3"} <= set(data["pages"])
    assert "/curriculum/day/4" not in data["pages"]  # not yet
    assert not any(p.startswith("/attendance") or p.startswith("/followups") for p in data["pages"])


def test_the_service_worker_is_served_for_the_whole_site(client):
    response = client.get("/sw.js")
    assert response.status_code == 200 and response.mimetype == "application/javascript"
    assert response.headers["Service-Worker-Allowed"] == "/"
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]
    assert b"edt-pages" in response.data
    manifest = client.get("/static/manifest.webmanifest")
    assert manifest.mimetype == "application/manifest+json"
    data = json.loads(manifest.data)
    assert data["start_url"] == "/" and data["lang"] == "bn" and "ইডিটি" in data["name"]
    for icon in data["icons"]:
        assert client.get(icon["src"]).status_code == 200


def test_pages_still_work_without_javascript_and_say_nothing_offline(client, login, world):
    ids = batch_world(world)
    login(world.facilitator)
    page = client.get(f"/attendance/days/{ids['day_id']}").get_data(as_text=True)
    assert 'id="offline-status"' in page and "hidden" in page.split('id="offline-status"')[1].split(">")[0]
    assert "data-sync-kind=\"attendance\"" in page
    response = client.post(f"/attendance/days/{ids['day_id']}",
                           data={"csrf_token": csrf_token(client, "/"), "row": ids["enrolment_id"],
                                 f"s-{ids['enrolment_id']}": "present"})
    assert response.status_code == 302 and marks() == [(ids["day_id"], ids["enrolment_id"], "present", "")]
    assert client.get("/sync/offline").status_code == 200
