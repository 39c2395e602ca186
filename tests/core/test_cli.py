from sqlalchemy import func, select

from edt import create_app
from edt.extensions import db
from edt.modules.accounts.models import User
from edt.modules.participants.models import Participant

from tests.conftest import make_config


def test_init_db_upgrades_to_head(app):
    result = app.test_cli_runner().invoke(args=["init-db"])
    assert result.exit_code == 0 and "up to date" in result.output


def test_seed_demo_creates_the_documented_logins_and_keeps_data_on_rerun(app, client):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["seed-demo", "--if-empty"])
    assert result.exit_code == 0, result.output
    assert "trainer" in result.output and "482916" in result.output
    users = set(db.session.scalars(select(User.username)))
    assert {"trainer", "facilitator", "facilitator2"} <= users
    names = set(db.session.scalars(select(Participant.full_name)))
    assert any(any("\u0980" <= ch <= "\u09FF" for ch in name) for name in names)
    count = db.session.scalar(select(func.count()).select_from(User))
    again = runner.invoke(args=["seed-demo", "--if-empty"])
    assert again.exit_code == 0 and db.session.scalar(select(func.count()).select_from(User)) == count
    assert runner.invoke(args=["seed-demo"]).exit_code != 0  # never on top of real data
    # The demo facilitator's review queue is not empty: canvases wait in the batch they run.
    from edt.modules.canvas.queries import waiting_by_batch

    facilitator = db.session.scalar(select(User).where(User.username == "facilitator"))
    waiting, batches = waiting_by_batch(facilitator)
    assert waiting >= 4 and any(b["waiting"] >= 4 for b in batches)
    # The printed logins work.
    from tests.conftest import csrf_token

    response = client.post("/accounts/login", data={"username": "trainer", "password": "edt-demo-password",
                                                     "csrf_token": csrf_token(client, "/accounts/login")})
    assert response.status_code == 302
    code = db.session.scalar(select(Participant.code).order_by(Participant.id))
    client.post("/accounts/logout", data={"csrf_token": csrf_token(client, "/")})
    response = client.post("/accounts/login/participant", data={
        "code": code, "pin": "482916", "csrf_token": csrf_token(client, "/accounts/login/participant")})
    assert response.status_code == 302


def test_seed_demo_refuses_production(app):
    prod = create_app(make_config(ENV_NAME="production", SECRET_KEY="y" * 40, PUBLIC_URL="https://edt.example.org", SEED_DEMO_ALLOWED=False))
    with prod.app_context():
        result = prod.test_cli_runner().invoke(args=["seed-demo"])
    assert result.exit_code != 0 and "production" in result.output
    assert db.session.scalar(select(func.count()).select_from(User)) == 0


def test_create_user_with_partner(app, world):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["create-user", "--role", "facilitator", "--username", "newbie",
                                 "--partner", "Khulna Partner"], input="a long enough password\na long enough password\n")
    assert result.exit_code == 0, result.output
    user = db.session.scalar(select(User).where(User.username == "newbie"))
    assert user.partner_id == world.khulna.id
    bad = runner.invoke(args=["create-user", "--role", "master_trainer", "--username", "weak"],
                        input="short\nshort\n")
    assert bad.exit_code != 0 and "12 characters" in bad.output
