"""seed-scale fills an empty database with programme-scale data that the app itself can serve."""
from sqlalchemy import func, select

from edt import create_app
from edt.extensions import db
from edt.modules.attendance.models import AttendanceMark
from edt.modules.batches.models import Batch, Enrolment, TrainingDay
from edt.modules.canvas.models import Canvas, FinancialPlan
from edt.modules.certificates.models import Certificate
from edt.modules.participants.models import Participant

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


def test_seed_scale_fills_only_an_empty_database_and_never_production(app, world):
    before = _count(Participant)
    result = app.test_cli_runner().invoke(args=["seed-scale", "--participants", "30"])
    assert result.exit_code != 0 and "empty database" in result.output
    assert _count(Participant) == before
    prod = create_app(make_config(ENV_NAME="production", SECRET_KEY="y" * 40, PUBLIC_URL="https://edt.example.org", SEED_DEMO_ALLOWED=False))
    with prod.app_context():
        refused = prod.test_cli_runner().invoke(args=["seed-scale", "--participants", "30"])
    assert refused.exit_code != 0 and "production" in refused.output
