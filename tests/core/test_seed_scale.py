"""seed-scale fills an empty database with programme-scale data that the app itself can serve."""
from datetime import timedelta

from sqlalchemy import func, select

from edt import create_app
from edt.changes import version
from edt.clock import today
from edt.extensions import db
from edt.modules.accounts.models import User
from edt.modules.assessments import queries as assessments
from edt.modules.assessments.models import Answer, Sitting
from edt.modules.attendance.models import AttendanceMark
from edt.modules.batches.models import Batch, Enrolment, TrainingDay, batch_facilitator
from edt.modules.canvas.models import Canvas, FinancialPlan
from edt.modules.certificates.models import Certificate
from edt.modules.followup import queries as followups
from edt.modules.followup.models import FollowUp, SupportGiven
from edt.modules.participants.models import Participant
from edt.modules.trainers.models import Credential, Observation, TotEvent, TotMark
from edt.modules.trainers.services import standings

from tests.conftest import csrf_token, make_config


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_seed_scale_builds_batches_of_25_over_four_years_that_the_app_serves(app, client):
    result = app.test_cli_runner().invoke(args=["seed-scale", "--participants", "120"])
    assert result.exit_code == 0, result.output
    assert _count(Participant) == 120 and _count(Enrolment) == 120
    assert _count(Batch) == 5 and _count(TrainingDay) == 50
    assert len(set(db.session.scalars(select(Participant.district)))) == 5  # one district per batch here
    years = {d.year for d in db.session.scalars(select(Batch.start_date))}
    assert len(years) >= 3
    finished = db.session.scalar(select(func.count()).select_from(Certificate))
    assert 0 < finished <= _count(Canvas) and _count(FinancialPlan) == finished
    assert _count(AttendanceMark) > 0
    assert "120 participants" in result.output

    # A participant of a finished batch logs in with the printed PIN and sees their canvas and plan.
    person = db.session.scalar(select(Participant).join(Certificate, Certificate.participant_id == Participant.id)
                               .order_by(Participant.id))
    response = client.post("/accounts/login/participant", data={
        "code": person.code, "pin": "482916", "csrf_token": csrf_token(client, "/accounts/login/participant")})
    assert response.status_code == 302
    assert client.get(f"/canvas/{person.id}").status_code == 200
    assert client.get(f"/canvas/{person.id}/plan").status_code == 200
    client.post("/accounts/logout", data={"csrf_token": csrf_token(client, "/")})
    response = client.post("/accounts/login", data={"username": "scale-trainer", "password": "edt-demo-password",
                                                     "csrf_token": csrf_token(client, "/accounts/login")})
    assert response.status_code == 302
    assert client.get("/reports/").status_code == 200
    verify = db.session.scalar(select(Certificate.code).order_by(Certificate.id))
    assert client.get(f"/verify/{verify}").status_code == 200


def _login(client, username):
    client.post("/accounts/logout", data={"csrf_token": csrf_token(client, "/")})
    response = client.post("/accounts/login", data={"username": username, "password": "edt-demo-password",
                                                     "csrf_token": csrf_token(client, "/accounts/login")})
    assert response.status_code == 302


def test_seed_scale_adds_tests_follow_ups_and_trainers_that_the_pages_show(app, client):
    before = version()
    result = app.test_cli_runner().invoke(args=["seed-scale", "--participants", "500"])
    assert result.exit_code == 0, result.output
    assert version() != before  # the figures' cache sees the bulk load
    # Tests: Day 1 for everyone whose batch began, Day 10 for those who stayed, every question answered.
    items = len(app.extensions["edt_instruments"].forms["A"].items)
    sittings = _count(Sitting)
    assert sittings > 500 and _count(Answer) == items * sittings
    # Follow-ups: only for people whose batch is over, never before a stage opens.
    visits = db.session.execute(select(FollowUp.due_on, Batch.end_date).join(Batch, Batch.id == FollowUp.batch_id))
    assert all(end < today() and due - timedelta(days=15) <= today() for due, end in visits)
    assert _count(FollowUp) > 500 and _count(SupportGiven) > 0
    # Trainers: every facilitator trained, observed and certified (renewed: not expired today).
    facilitators = list(db.session.scalars(select(User.id).where(User.role == "facilitator")))
    assert _count(Credential) == len(facilitators) == 30 and _count(TotEvent) >= 10 and _count(TotMark) > 0
    assert {s.status for s in standings(facilitators).values()} == {"certified"}
    assert _count(Observation) >= 30

    trainer = db.session.scalar(select(User).where(User.username == "scale-trainer"))
    # About three in four of those reached at six months are in wage or self-employment.
    tables, _cohorts = followups.outcomes(today(), limit=5)
    employed = next(t for t in tables if t.indicator.key == "employed_6m")
    total = next(line for line in employed.lines if line.split == "total")
    assert total.cell.reached > 100 and 0.65 < total.cell.numerator / total.cell.reached < 0.82
    report = assessments.report(trainer)
    figures = report.figures(report.total)
    assert figures["post"] > figures["pre"] and 0.2 < figures["gain"] < 0.8

    _login(client, "scale-trainer")
    page = client.get("/followups/outcomes")
    assert page.status_code == 200 and total.cells["pct_reached"] in page.text
    page = client.get("/assessments/")
    assert page.status_code == 200 and f"{figures['gain']:.2f}" in page.text
    assert client.get("/trainers/").status_code == 200
    assert client.get("/trainers/tot/").status_code == 200
    partner_id = db.session.scalar(select(Batch.partner_id).order_by(Batch.end_date.desc()))
    _login(client, f"scale-facilitator-{partner_id}")
    facilitator = db.session.scalar(select(User.id).where(User.username == f"scale-facilitator-{partner_id}"))
    page = client.get("/followups/")
    groups, _missed = followups.due_list(db.session.get(User, facilitator), today())
    assert page.status_code == 200 and all(due.batch.code in page.text for group in groups.values() for due in group)
    runs = select(batch_facilitator.c.batch_id).where(batch_facilitator.c.user_id == facilitator)
    batch_id = db.session.scalar(select(Sitting.batch_id).where(Sitting.stage == "post", Sitting.batch_id.in_(runs)))
    page = client.get(f"/assessments/batches/{batch_id}")
    assert page.status_code == 200 and "table-gain" in page.text


def test_seed_scale_fills_only_an_empty_database_and_never_production(app, world):
    before = _count(Participant)
    result = app.test_cli_runner().invoke(args=["seed-scale", "--participants", "30"])
    assert result.exit_code != 0 and "empty database" in result.output
    assert _count(Participant) == before
    prod = create_app(make_config(ENV_NAME="production", SECRET_KEY="y" * 40, PUBLIC_URL="https://edt.example.org", SEED_DEMO_ALLOWED=False))
    with prod.app_context():
        refused = prod.test_cli_runner().invoke(args=["seed-scale", "--participants", "30"])
    assert refused.exit_code != 0 and "production" in refused.output



def test_the_reports_day_counts_are_made_from_the_seeded_marks(app):
    from edt.modules.reports import tally
    result = app.test_cli_runner().invoke(args=["seed-scale", "--participants", "60"])
    assert result.exit_code == 0, result.output
    assert _count(tally.Tally) == _count(Enrolment) == 60
    assert tally.stale(db.session) == []
