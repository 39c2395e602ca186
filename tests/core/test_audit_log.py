"""Who saw what: an audit row for every view by staff of a participant's record, canvas,
plan, PDF or certificate, every change and export, and every refusal; the master trainer's audit
page; and rows that the application never updates or deletes."""
import json
import re
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import event, func, select, text
from sqlalchemy.exc import DatabaseError

from edt import clock
from edt.audit import AuditEvent, record
from edt.extensions import db

from tests.conftest import csrf_token
from tests.factories import canvas_world, certificate_world, make_participant, make_plan
from tests.core.test_access_matrix import MATRIX, ids, user_for


def newest() -> AuditEvent:
    return db.session.scalars(select(AuditEvent).order_by(AuditEvent.id.desc())).first()


def audit_count() -> int:
    return db.session.scalar(select(func.count()).select_from(AuditEvent))


@pytest.fixture
def rich(world):
    """world.participant with a canvas (and plan) in world.facilitator's batch; a finished batch
    with a certificate."""
    from edt.modules.canvas.plan import CostLine

    values = {**canvas_world(world), **certificate_world(world)}
    make_plan(world.canvas, world.participant.user, fixed=[CostLine("Rent", 1500)], own_money=2000)
    return values


def _utc_now_ish(at: datetime) -> bool:
    """Stored in UTC: within a few minutes of UTC now (Bangladesh time is six hours ahead)."""
    at = at if at.tzinfo else at.replace(tzinfo=timezone.utc)
    return abs(datetime.now(timezone.utc) - at) < timedelta(minutes=30)


def test_every_staff_view_of_personal_data_is_audited_with_actor_target_time_and_outcome(client, login, world,
                                                                                        rich):
    p, canvas_id, cert = world.participant, world.canvas.id, world.certificate
    day_id = world.batch.days[0].id
    views = [
        (f"/participants/{p.id}", "participant_viewed", "participant", p.id),
        (f"/participants/{p.id}/edit", "participant_viewed", "participant", p.id),
        (f"/privacy/participants/{p.id}/erase", "participant_viewed", "participant", p.id),
        (f"/canvas/{p.id}", "canvas_viewed", "canvas", canvas_id),
        (f"/canvas/{p.id}/history", "canvas_viewed", "canvas", canvas_id),
        (f"/canvas/{p.id}/history/1", "canvas_viewed", "canvas", canvas_id),
        (f"/canvas/{p.id}/block/channels", "canvas_viewed", "canvas", canvas_id),
        (f"/canvas/{p.id}/name", "canvas_viewed", "canvas", canvas_id),
        (f"/canvas/{p.id}/plan", "plan_viewed", "canvas", canvas_id),
        (f"/canvas/{p.id}/plan/edit", "plan_viewed", "canvas", canvas_id),
        (f"/canvas/{p.id}/pdf", "canvas_pdf", "canvas", canvas_id),
        (f"/attendance/days/{day_id}", "attendance_viewed", "training_day", day_id),
        (f"/attendance/days/{day_id}/sheet.pdf", "signin_sheet_exported", "training_day", day_id),
        (f"/certificates/batch/{rich['cert_batch_id']}", "certificates_viewed", "batch", rich["cert_batch_id"]),
        (f"/certificates/enrolment/{rich['cert_enrolment_id']}/issue", "participant_viewed", "enrolment",
         rich["cert_enrolment_id"]),
        (f"/certificates/{cert.id}.pdf", "certificate_downloaded", "certificate", cert.id),
        (f"/certificates/{cert.id}/revoke", "certificate_viewed", "certificate", cert.id),
        (f"/certificates/{cert.id}/reissue", "certificate_viewed", "certificate", cert.id),
        (f"/certificates/{cert.id}/withdraw", "certificate_viewed", "certificate", cert.id),
        (f"/certificates/batch/{rich['cert_batch_id']}/certificates.pdf", "certificates_exported", "batch",
         rich["cert_batch_id"]),
    ]
    login(world.trainer)
    for url, action, target_type, target_id in views:
        before = audit_count()
        response = client.get(url)
        assert response.status_code == 200, url
        assert audit_count() == before + 1, url
        row = newest()
        assert (row.actor_id, row.action, row.target_type, row.target_id, row.outcome) == (
            world.trainer.id, action, target_type, str(target_id), "ok"), url
        assert _utc_now_ish(row.at), url
    # A facilitator's views are audited the same way.
    login(world.facilitator)
    client.get(f"/canvas/{p.id}/plan")
    assert (newest().actor_id, newest().action) == (world.facilitator.id, "plan_viewed")


@pytest.mark.parametrize("role", ["other_facilitator", "participant"])
def test_every_refusal_is_audited(client, login, world, role):
    """Every object URL the matrix refuses with 404 goes through a scoped getter that audits the
    refusal; every 403 is audited as forbidden."""
    login(user_for(world, role))
    values = ids(world)
    checked = 0
    for endpoint, entry in sorted(MATRIX.items()):
        expected = entry["expect"][role]
        if expected not in (403, 404):
            continue
        url = entry["url"].format_map(values)
        before = audit_count()
        if entry["method"] == "GET":
            response = client.get(url)
        else:
            data = {k: v.format_map(values) for k, v in entry["data"].items()}
            response = client.post(url, data={**data, "csrf_token": csrf_token(client, "/")})
        assert response.status_code == expected, endpoint
        refusals = db.session.scalars(select(AuditEvent).where(AuditEvent.id > 0, AuditEvent.action == "refused")
                                      .order_by(AuditEvent.id.desc()).limit(1)).all()
        assert audit_count() > before and refusals, f"{endpoint}: refusal not audited"
        row = refusals[0]
        assert row.actor_id == user_for(world, role).id
        assert row.outcome == ("not_found" if expected == 404 else "forbidden"), endpoint
        checked += 1
    assert checked >= 20


# --- the audit page ----------------------------------------------------------------------------

def test_audit_page_filters_by_person_code_action_and_date(client, login, world, rich):
    p = world.participant
    other = make_participant(world.khulna, world.trainer, full_name="Morjina Begum")
    login(world.facilitator)
    client.get(f"/participants/{p.id}")
    client.get(f"/canvas/{p.id}")
    client.get(f"/participants/{other.id}")
    login(world.other_facilitator)
    client.get(f"/canvas/{p.id}")  # refused: another partner's participant
    login(world.trainer)

    def rows(**args):
        page = client.get("/privacy/audit", query_string=args)
        assert page.status_code == 200
        html = page.get_data(as_text=True)
        body = html.split('id="audit-rows"')[1].split("</table>")[0]
        return html, re.findall(r"<tr[^>]*><td><time", body), body

    html, found, _body = rows()
    assert int(re.search(r'id="audit-total">(\d+)', html).group(1)) == audit_count()  # this view included
    _html, found, body = rows(code=p.code, person="fac")
    assert len(found) == 3 and "participant_viewed" in body and "canvas_viewed" in body and "refused" in body
    assert other.code not in body and "Rahima" not in body  # codes, never names
    _html, found, body = rows(code=p.code, action="refused")
    assert len(found) == 1 and "fac2" in body and "not_found" in body
    _html, found, _body = rows(person="fac2", action="participant_viewed")
    assert found == []
    today = clock.today()  # the filter's dates are Bangladesh dates, as the page shows its times
    _html, found, _body = rows(code=p.code, since=(today - timedelta(days=1)).isoformat(), until=today.isoformat())
    assert len(found) >= 3
    _html, found, _body = rows(code=p.code, until=(today - timedelta(days=2)).isoformat())
    assert found == []
    _html, found, _body = rows(code="KHU-1999-9999")
    assert found == []
    viewed = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "audit_log_viewed")
                                .order_by(AuditEvent.id.desc())).first()
    assert viewed.actor_id == world.trainer.id and viewed.details == {"filters": ["code"]}  # names, not values
    assert client.get("/privacy/audit?since=not-a-date").status_code == 400


def test_audit_page_is_paginated_and_loads_in_a_fixed_number_of_queries(client, count_queries, login, world):
    p = world.participant

    def fill(n):
        for _ in range(n):
            record(world.facilitator, "participant_viewed", "participant", p.id)
        db.session.commit()

    login(world.trainer)
    fill(5)
    few = count_queries(f"/privacy/audit?code={p.code}")
    fill(120)
    many = count_queries(f"/privacy/audit?code={p.code}")
    assert few == many
    page2 = client.get(f"/privacy/audit?code={p.code}&page=2").get_data(as_text=True)
    assert "Page 2 of 3" in page2 and 'rel="next"' in page2 and "code=" in page2.split('rel="next"')[0][-300:]


# --- append-only -------------------------------------------------------------------------------

def test_the_orm_and_the_database_refuse_to_change_audit_rows(app, world):
    row = record(world.trainer, "participant_viewed", "participant", world.participant.id, commit=True)
    row.action = "nothing_to_see"
    with pytest.raises(RuntimeError, match="append-only"):
        db.session.commit()
    db.session.rollback()
    db.session.delete(db.session.get(AuditEvent, row.id))
    with pytest.raises(RuntimeError, match="append-only"):
        db.session.commit()
    db.session.rollback()
    # Below the ORM: the database itself refuses (a trigger from the migrations).
    with pytest.raises(DatabaseError, match="append-only"):
        db.session.execute(text("UPDATE audit_event SET action = 'x' WHERE id = :id"), {"id": row.id})
    db.session.rollback()
    if db.engine.dialect.name == "postgresql":  # SQLite keeps DELETE for the suite's cleanup
        with pytest.raises(DatabaseError, match="append-only"):
            db.session.execute(text("DELETE FROM audit_event WHERE id = :id"), {"id": row.id})
        db.session.rollback()
    assert db.session.get(AuditEvent, row.id).action == "participant_viewed"


WRITES_TO_AUDIT = re.compile(r"^\s*(UPDATE|DELETE\s+FROM)\s+\"?audit_event\b", re.IGNORECASE)


def test_the_application_never_updates_or_deletes_audit_rows(app, client, login, world, rich):
    """Every SQL statement the application runs in a broad tour (logins, failures, views,
    changes, exports, an erasure) is watched: none updates or deletes an audit row."""
    from edt.modules.privacy import services as privacy

    statements = []

    def watch(_conn, _cursor, statement, *_args):
        statements.append(statement)

    with app.app_context():
        event.listen(db.engine, "before_cursor_execute", watch)
    try:
        p = world.participant
        client.post("/accounts/login", data={"username": "fac", "password": "wrong password!!",
                                             "csrf_token": csrf_token(client)})
        login(world.facilitator)
        client.get(f"/participants/{p.id}")
        client.get(f"/canvas/{p.id}/pdf")
        client.post(f"/canvas/{p.id}/comments", data={"body": "Which days?", "block": "channels",
                                                      "csrf_token": csrf_token(client, "/")})
        login(world.trainer)
        client.get(f"/certificates/{world.certificate.id}.pdf")
        client.get("/privacy/audit")
        code = p.code
        client.post(f"/privacy/participants/{p.id}/erase", data={"code": code,
                                                                 "csrf_token": csrf_token(client, "/")})
        login(world.other_facilitator)
        client.get(f"/participants/{p.id}")
    finally:
        with app.app_context():
            event.remove(db.engine, "before_cursor_execute", watch)
    db.session.refresh(p)
    assert p.erased_at is not None and p.full_name == privacy.ERASED
    assert len(statements) > 100
    assert [s for s in statements if WRITES_TO_AUDIT.search(s)] == []


def test_audit_rows_hold_field_names_never_values(client, login, world, rich):
    canaries = ("Zubaida Canaryname", "01719990000", "secret-canvas-note", "secret-comment-text")
    login(world.trainer)
    p = world.participant
    client.post(f"/participants/{p.id}/edit", data={
        "full_name": canaries[0], "gender": "woman", "district": "Khulna", "phone": canaries[1],
        "consent_data_use": "y", "csrf_token": csrf_token(client, "/")})
    client.post(f"/canvas/{p.id}/block/channels/add", data={"text": canaries[2], "base": str(world.canvas.revision),
                                                            "csrf_token": csrf_token(client, "/")})
    client.post(f"/canvas/{p.id}/comments", data={"body": canaries[3], "csrf_token": csrf_token(client, "/")})
    client.post(f"/privacy/participants/{p.id}/erase", data={"code": p.code, "csrf_token": csrf_token(client, "/")})
    dumped = json.dumps([[e.action, e.target_type, e.target_id, e.details] for e in
                         db.session.scalars(select(AuditEvent))], ensure_ascii=False)
    assert "participant_updated" in dumped and "participant_erased" in dumped and '"full_name"' in dumped
    for canary in canaries:
        assert canary not in dumped


def test_the_audit_page_shows_bangladesh_time_and_labels_and_exports_csv_for_an_auditor(client, login, world, rich):
    p = world.participant
    login(world.facilitator)
    client.get(f"/participants/{p.id}")
    login(world.trainer)
    page = client.get("/privacy/audit", query_string={"code": p.code}).get_data(as_text=True)
    body = page.split('id="audit-rows"')[1].split("</table>")[0]
    viewed = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "participant_viewed")
                                .order_by(AuditEvent.id.desc())).first()
    at = viewed.at.replace(tzinfo=viewed.at.tzinfo or timezone.utc)
    dhaka = at.astimezone(timezone(timedelta(hours=6)))
    assert f'datetime="{dhaka.isoformat(timespec="seconds")}"' in body  # +06:00, not UTC
    assert dhaka.strftime("%Y-%m-%d %H:%M") in body and "Bangladesh time" in page
    assert ">Participant viewed<" in body and 'title="participant_viewed"' in body  # label, name kept for search
    assert 'id="audit-csv"' in page
    # Bangla: the labels follow the user's language.
    client.post("/accounts/language", data={"locale": "bn", "csrf_token": csrf_token(client, "/")})
    bangla = client.get("/privacy/audit", query_string={"code": p.code}).get_data(as_text=True)
    assert ">Participant viewed<" not in bangla.split('id="audit-rows"')[1]
    # The CSV: the same rows, Bangladesh time, stable action names beside the labels; audited.
    before = audit_count()
    response = client.get("/privacy/audit.csv", query_string={"code": p.code})
    assert response.status_code == 200 and response.mimetype == "text/csv"
    import csv
    import io

    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0] == ["when_dhaka", "who", "action", "action_label", "about", "about_id", "outcome", "fields"]
    mine = [r for r in rows[1:] if r[2] == "participant_viewed"]
    assert mine and mine[0][0].endswith("+06:00") and mine[0][1] == world.facilitator.username
    assert mine[0][4] == "participant" and mine[0][5] == p.code
    assert "Rahima" not in response.get_data(as_text=True)  # codes, never names
    assert audit_count() == before + 1 and newest().action == "audit_log_exported"
    assert client.get("/privacy/audit.csv?since=not-a-date").status_code == 400
    login(world.facilitator)
    assert client.get("/privacy/audit.csv").status_code == 403
