"""Consent, erasure and retention: erasing a participant leaves no personal data or free
text anywhere in the database, keeps the code and the counts, withdraws certificates, closes the
login and audits field names only; `retention` finds people with no activity for N years."""
import json
from datetime import timedelta

import pytest
from flask import current_app
from sqlalchemy import JSON, Column, Integer, MetaData, String, Table, Text, func, select, update

from edt import signals
from edt.audit import AuditEvent
from edt.clock import utcnow
from edt.extensions import db
from edt.modules.accounts.models import User
from edt.modules.attendance import services as attendance
from edt.modules.attendance.models import AttendanceMark
from edt.modules.canvas import services as canvas_services
from edt.modules.canvas.models import Canvas, CanvasComment, CanvasRevision, PlanCost, PlanProduct
from edt.modules.certificates import services as certificates
from edt.modules.certificates.models import Certificate
from edt.modules.participants.models import Participant
from edt.modules.privacy import services as privacy
from edt.modules.kept_forms.models import FormStash

from tests.conftest import csrf_token
from tests.factories import (PIN, make_canvas, make_certifiable_batch, make_kept_form, make_participant, make_plan)

CANARIES = {
    "name": "Zubaida Canary-Begum",
    "phone": "01719990042",
    "business": "Zubaida's Canary Tailoring",
    "note": "canary note sewing by the river",
    "note2": "canary second note",
    "comment": "canary comment about her husband",
    "answer": "canary answer from her",
    "plan": "canary sewing machine",
    "product": "canary blouse",
    "attendance": "canary absent: clinic visit",
    "override": "canary override reason",
}


def dump_database(skip=()) -> str:
    """Every value in every table (but `skip`), as one string."""
    out = []
    for table in db.metadata.sorted_tables:
        if table.name in skip:
            continue
        for row in db.session.execute(select(table)).all():
            out.append(json.dumps([str(v) for v in row], ensure_ascii=False))
    return "\n".join(out)


def count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


@pytest.fixture
def person(world):
    """A participant with everything personal EDT can hold: name, phone, a canvas with history,
    comments both ways, a plan, an attendance note and a certificate."""
    from edt.modules.canvas.plan import CostLine, ProductLine

    p = make_participant(world.khulna, world.trainer, full_name=CANARIES["name"], phone=CANARIES["phone"])
    batch, (enrolment,) = make_certifiable_batch(world.khulna, world.trainer, world.facilitator, [p],
                                                 attended=[6], canvas=None)
    day = sorted(batch.days, key=lambda d: d.number)[-1]
    attendance.save_day(world.trainer, day, [attendance.Entry(enrolment.id, "absent", note=CANARIES["attendance"],
                                                              was_status="absent")])
    canvas = make_canvas(p, business_name=CANARIES["business"],
                         items={"key_activities": [CANARIES["note"]], "channels": [CANARIES["note2"]]})
    canvas_services.comment(world.facilitator, canvas, "channels", CANARIES["comment"])
    canvas_services.comment(p.user, canvas, "channels", CANARIES["answer"])
    make_plan(canvas, p.user, startup=[CostLine(CANARIES["plan"], 9000)],
              products=[ProductLine(CANARIES["product"], 200, 30, price=350)])
    canvas_services.submit(p.user, canvas, canvas.revision)
    certificates.issue(world.trainer, enrolment, override_reason=CANARIES["override"])
    make_kept_form(p.user, path=f"/canvas/{p.id}/block/channels/add", fields=[("text", CANARIES["note"]),
                                                                             ("base", "1")])
    return p


def _counts(p):
    canvas_id = db.session.scalar(select(Canvas.id).where(Canvas.participant_id == p.id))
    return {"items": db.session.get(Canvas, canvas_id).item_count,
            "revisions": count(CanvasRevision, CanvasRevision.canvas_id == canvas_id),
            "comments": count(CanvasComment, CanvasComment.canvas_id == canvas_id),
            "marks": count(AttendanceMark), "plan_lines": count(PlanCost) + count(PlanProduct),
            "certificates": count(Certificate, Certificate.participant_id == p.id)}


def test_erasure_page_needs_the_code_typed_and_leaves_nothing_personal(client, login, world, person):
    p = person
    before = dump_database()
    assert all(value in before for value in CANARIES.values())  # the fixture really holds them all
    logins = ("user", "audit_event", "throttle_counter")  # logging in changes these, nothing else may
    before = dump_database(skip=logins)
    counts = _counts(p)
    code = p.code
    participant_session = client.application.test_client()
    login(p.user, target=participant_session)
    assert participant_session.get("/").status_code == 200

    login(world.facilitator)
    assert client.get(f"/privacy/participants/{p.id}/erase").status_code == 403
    login(world.trainer)
    page = client.get(f"/privacy/participants/{p.id}/erase").get_data(as_text=True)
    assert "2 canvas notes" in page and "1 attendance notes" in page and "1 certificates" in page
    wrong = client.post(f"/privacy/participants/{p.id}/erase", data={"code": "KHU-2026-9999",
                                                                     "csrf_token": csrf_token(client, "/")})
    assert wrong.status_code == 400 and "That is not this participant" in wrong.get_data(as_text=True)
    assert dump_database(skip=logins) == before  # nothing changed

    done = client.post(f"/privacy/participants/{p.id}/erase", data={"code": code.lower(),
                                                                    "csrf_token": csrf_token(client, "/")})
    assert done.status_code == 302
    after = dump_database()
    for label, value in CANARIES.items():
        assert value not in after, label
    db.session.expire_all()
    erased = db.session.get(Participant, p.id)
    assert erased.code == code and erased.full_name == privacy.ERASED and erased.phone is None
    assert erased.erased_at is not None and not erased.consent_data_use and erased.gender == "woman"
    assert _counts(erased) == counts  # the code and the counts stay
    canvas = db.session.scalar(select(Canvas).where(Canvas.participant_id == p.id))
    assert canvas.items("key_activities") == [privacy.ERASED] and canvas.business_name == privacy.ERASED
    assert all(set(r.snapshot["blocks"]["key_activities"]) <= {privacy.ERASED}
               for r in db.session.scalars(select(CanvasRevision).where(CanvasRevision.canvas_id == canvas.id)))
    certificate = db.session.scalar(select(Certificate).where(Certificate.participant_id == p.id))
    assert certificate.status == "withdrawn" and certificate.holder_name == "" and certificate.override_reason is None
    verify = client.get(f"/verify/{certificate.code}").get_data(as_text=True)
    assert "withdrawn" in verify.lower()
    assert count(FormStash) == 0

    # The login is closed, and the session open on her phone ends at the next request.
    assert participant_session.get("/").get_data(as_text=True).count("Log out") == 0
    stranger = client.application.test_client()
    refused = stranger.post("/accounts/login/participant", data={
        "code": code, "pin": PIN, "csrf_token": csrf_token(stranger, "/accounts/login/participant")})
    assert refused.status_code == 200 and "did not work" in refused.get_data(as_text=True)

    row = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "participant_erased"))
    assert row.actor_id == world.trainer.id and row.target_id == str(p.id)
    assert {"full_name", "phone", "canvas", "attendance_notes", "certificates", "login"} <= set(row.details["fields"])
    assert row.details["counts"]["canvas_notes"] == 2 and row.details["counts"]["kept_forms"] == 1

    detail = client.get(f"/participants/{p.id}").get_data(as_text=True)
    assert privacy.ERASED in detail and 'id="erased-note"' in detail
    again = client.post(f"/privacy/participants/{p.id}/erase", data={"code": code,
                                                                     "csrf_token": csrf_token(client, "/")})
    assert again.status_code == 400 and "already erased" in again.get_data(as_text=True)
    assert client.get(f"/participants/{p.id}/edit").status_code == 404
    assert client.get(f"/canvas/{p.id}").status_code == 404


def test_erase_participant_command(app, world, person):
    runner = app.test_cli_runner()
    code = person.code
    unknown = runner.invoke(args=["erase-participant", "KHU-1999-0001", "--yes"])
    assert unknown.exit_code != 0 and "No participant" in unknown.output
    mismatch = runner.invoke(args=["erase-participant", code], input="KHU-2026-0000\n")
    assert mismatch.exit_code != 0 and "did not match" in mismatch.output
    assert CANARIES["name"] in dump_database()
    result = runner.invoke(args=["erase-participant", code], input=f"{code}\n")
    assert result.exit_code == 0, result.output
    assert f"Erased {code}" in result.output and "2 canvas notes" in result.output
    assert all(value not in dump_database() for value in CANARIES.values())
    row = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "participant_erased"))
    assert row.actor_id is None and row.details["via"] == "cli"
    again = runner.invoke(args=["erase-participant", code, "--yes"])
    assert again.exit_code != 0 and "already erased" in again.output


def _make_old(p, years_ago: float):
    when = utcnow() - timedelta(days=365 * years_ago)
    db.session.execute(update(Participant).where(Participant.id == p.id).values(created_at=when))
    db.session.execute(update(User).where(User.id == p.user_id).values(last_login_at=when))
    db.session.commit()


def test_retention_lists_and_erases_people_with_no_activity_for_n_years(app, world, monkeypatch):
    runner = app.test_cli_runner()
    old = make_participant(world.khulna, world.trainer, full_name="Old Canary Person")
    recent = make_participant(world.khulna, world.trainer, full_name="Recent Person")
    busy = make_participant(world.jashore, world.trainer, full_name="Registered Long Ago")
    _make_old(old, 6)
    _make_old(recent, 2)
    _make_old(busy, 7)
    make_canvas(busy, items={"channels": ["Still working on her plan"]})  # activity this year

    listed = runner.invoke(args=["retention"])
    assert listed.exit_code == 0, listed.output
    assert old.code in listed.output and recent.code not in listed.output and busy.code not in listed.output
    assert "1 participant(s) with no activity for 5 years" in listed.output
    assert runner.invoke(args=["retention", "--older-than-years", "10"]).output.startswith("0 participant(s)")
    monkeypatch.setitem(current_app.config, "RETENTION_YEARS", 1)  # the default comes from configuration
    wider = runner.invoke(args=["retention"]).output
    monkeypatch.undo()
    assert old.code in wider and recent.code in wider and busy.code not in wider

    refused = runner.invoke(args=["retention", "--erase"], input="n\n")
    assert refused.exit_code != 0 and db.session.get(Participant, old.id).erased_at is None
    erased = runner.invoke(args=["retention", "--erase", "--yes"])
    assert erased.exit_code == 0 and "Erased 1 participant(s)" in erased.output
    db.session.expire_all()
    assert db.session.get(Participant, old.id).erased_at is not None
    assert db.session.get(Participant, recent.id).erased_at is None
    assert "Old Canary Person" not in dump_database()
    assert db.session.scalar(select(AuditEvent.details).where(AuditEvent.action == "participant_erased"))[
        "via"] == "retention"
    assert runner.invoke(args=["retention"]).output.startswith("0 participant(s)")  # erased people are not listed


def test_last_activity_counts_attendance_and_certificates(app, world, person):
    last = privacy.last_activity()
    assert last[person.id] >= (utcnow() - timedelta(days=1)).date()
    assert privacy.inactive(1) == []


# Text columns (String, Text, JSON) that hold nothing about a participant: codes, statuses, staff
# and programme data, the audit trail (field names and counts only). Every other text column must
# be erased by some module's receiver of edt.signals.participant_erased.
NOT_PERSONAL = {
    "attendance_mark.status", "audit_event.action", "audit_event.details", "audit_event.outcome",
    "audit_event.target_id", "audit_event.target_type", "batch.code", "batch.district", "batch.language",
    "batch.off_days", "batch.venue", "canvas.status", "canvas_comment.block", "canvas_comment.kind",
    "canvas_revision.action", "canvas_revision.changed", "certificate.code", "certificate.partner_name",
    "certificate.serial", "certificate.signatories", "certificate.status", "certificate.verify_url",
    "enrolment.reason", "enrolment.status", "financial_plan.loan_method", "form_stash.endpoint",
    "form_stash.token", "holiday.name", "participant.code", "participant.district", "participant.gender",
    "partner.district", "partner.name", "plan_cost.kind", "throttle_counter.key", "throttle_counter.scope",
    "user.role", "user.username",
    # follow-ups: statuses and answers chosen from lists, kept for the outcome counts (as the plan's figures are)
    "follow_up.stage", "follow_up.status", "follow_up.method", "follow_up.works_now", "follow_up.income_range",
    "follow_up.loan_source", "follow_up.support_since", "follow_up.needs", "support_given.kind",
    # trainers: records about staff (ToTs, observations of their sessions, credentials), never about
    # participants; they are kept and ended with the staff account, not by a participant's erasure
    "credential.code", "credential.reason", "credential.serial", "credential.status", "credential_change.from_status",
    "credential_change.kind", "credential_change.reason", "credential_change.to_status", "observation.note",
    "observation.scores", "observation.session", "tot_day.guide_slug", "tot_event.kind", "tot_event.title",
    "tot_event.venue", "tot_mark.note", "tot_mark.status",
    # the figures' change counter's random series stamp; a move of a batch's days lists day numbers and dates only
    "data_version.stamp", "day_move.changes",
}


def _text_columns() -> set[str]:
    return {f"{table.name}.{column.name}" for table in db.metadata.sorted_tables for column in table.columns
            if isinstance(column.type, (String, Text, JSON))}


def test_every_text_column_is_erased_by_some_module_or_listed_as_not_personal(app):
    covered = signals.erased_columns()
    text = _text_columns()
    uncovered = text - set(covered) - NOT_PERSONAL
    assert not uncovered, f"no erasure receiver covers {sorted(uncovered)}: erase them or list them in NOT_PERSONAL"
    assert set(covered) <= text, f"receivers name columns that do not exist: {sorted(set(covered) - text)}"
    assert NOT_PERSONAL <= text and not NOT_PERSONAL & set(covered)


def test_a_new_text_column_without_a_receiver_fails_the_coverage_check(app):
    # The same check, on a model that gained a free-text column nobody erases.
    extra = Table("followup_visit_probe", MetaData(), Column("id", Integer, primary_key=True),
                  Column("story", Text))
    text = _text_columns() | {f"{extra.name}.{c.name}" for c in extra.columns if isinstance(c.type, Text)}
    assert text - set(signals.erased_columns()) - NOT_PERSONAL == {"followup_visit_probe.story"}


def test_each_module_answers_the_erasure_signal_for_its_own_columns(app):
    owners = signals.erased_columns()
    assert owners["participant.full_name"].startswith("edt.modules.participants.")
    assert owners["attendance_mark.note"].startswith("edt.modules.attendance.")
    assert owners["canvas_comment.body"].startswith("edt.modules.canvas.")
    assert owners["certificate.holder_name"].startswith("edt.modules.certificates.")
    assert not any(owner.startswith("edt.modules.privacy.") for owner in owners.values())


def test_erasure_deletes_the_persons_own_sync_credentials_and_applied_saves(app, world, person):
    from edt.modules.sync import services as sync
    from edt.modules.sync.models import AppliedItem, SyncDevice

    sync.issue_device(person.user, None)
    sync.issue_device(world.facilitator, None)
    for user in (person.user, world.facilitator):
        db.session.add(AppliedItem(user_id=user.id, key=f"k-{user.id}", kind="canvas_note", digest="0" * 64,
                                   result={"participant_id": person.id, "base": 1, "revision": 2}))
    db.session.commit()
    privacy.erase(world.trainer, person)
    assert count(SyncDevice, SyncDevice.user_id == person.user_id) == 0
    assert count(AppliedItem, AppliedItem.user_id == person.user_id) == 0
    # the facilitator's device and her record of saves (ids and a hash: a retry is not applied again) stay
    assert count(SyncDevice, SyncDevice.user_id == world.facilitator.id) == 1
    assert count(AppliedItem, AppliedItem.user_id == world.facilitator.id) == 1
    assert signals.erased_columns()["sync_device.token_hash"].startswith("edt.modules.sync.")
