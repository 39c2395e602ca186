from sqlalchemy import func, select

from edt.audit import AuditEvent
from edt.extensions import db
from edt.modules.accounts import services
from edt.modules.accounts.models import Partner, User
from edt.security import Role

from tests.conftest import csrf_token
from tests.factories import PASSWORD, PIN, make_partner, make_staff, rewind_throttle


def post_login(client, username, password, url="/accounts/login", field="password"):
    key = "code" if field == "pin" else "username"
    return client.post(url, data={key: username, field: password, "csrf_token": csrf_token(client, url)})


def test_staff_login_and_logout_end_the_session_on_the_server(client, world):
    response = post_login(client, "fac", PASSWORD)
    assert response.status_code == 302 and response.headers["Location"] == "/"
    cookie = client.get_cookie("session").value
    assert client.get("/participants/").status_code == 200
    client.post("/accounts/logout", data={"csrf_token": csrf_token(client, "/")})
    # Replaying the old cookie is refused: the server-side session version moved on.
    client.set_cookie("session", cookie)
    assert client.get("/participants/").status_code == 302


def test_participant_logs_in_with_code_and_pin_only_on_their_page(client, world):
    code = world.participant.code
    assert post_login(client, code, PIN, "/accounts/login/participant", "pin").status_code == 302
    home = client.get("/").get_data(as_text=True)
    assert code in home and "Rahima Khatun" in home
    client.post("/accounts/logout", data={"csrf_token": csrf_token(client, "/")})
    # A participant cannot use the staff form, and staff cannot use the participant form.
    assert post_login(client, code, PIN).status_code == 200
    assert post_login(client, "fac", PASSWORD, "/accounts/login/participant", "pin").status_code == 200


def test_same_message_for_unknown_user_and_wrong_password(client, world):
    unknown = post_login(client, "nobody-here", "whatever-password").get_data(as_text=True)
    wrong = post_login(client, "fac", "wrong-password-123").get_data(as_text=True)
    message = "That did not work. Check what you typed and try again."
    assert message in unknown and message in wrong


def test_five_failures_make_the_account_wait_a_minute_but_not_others(client, world):
    for _ in range(5):
        assert post_login(client, "fac", "wrong-password-123").status_code == 200
    waiting = post_login(client, "fac", PASSWORD)
    assert waiting.status_code == 200 and "Too many attempts" in waiting.get_data(as_text=True)
    assert post_login(client, "fac2", PASSWORD).status_code == 302
    # A minute later the account opens again.
    rewind_throttle(61)
    client.post("/accounts/logout", data={"csrf_token": csrf_token(client, "/")})
    assert post_login(client, "fac", PASSWORD).status_code == 302


def test_deactivation_ends_open_sessions_at_the_next_request(client, world, app):
    login_client = app.test_client()
    assert post_login(login_client, "fac", PASSWORD).status_code == 302
    assert login_client.get("/participants/").status_code == 200
    services.set_enabled(world.trainer, world.facilitator, False)
    assert login_client.get("/participants/").status_code == 302
    assert post_login(login_client, "fac", PASSWORD).status_code == 200


def test_password_rules(app, world):
    assert services.password_problem("short") is not None
    assert services.password_problem("password1234") is not None  # on the bundled common list
    assert services.password_problem("fac-is-my-password", "fac") is not None
    assert services.password_problem("a long sentence about goats") is None
    for pin in ("000000", "123456", "654321", "121212", "12345", "abcdef", "1234567"):
        assert services.pin_problem(pin) is not None, pin
    assert services.pin_problem("482916") is None


def test_master_trainer_creates_edits_and_resets_users(client, login, world):
    login(world.trainer)
    token = csrf_token(client, "/accounts/users/new")
    response = client.post("/accounts/users/new", data={
        "csrf_token": token, "username": "newfac", "display_name": "New Facilitator", "role": "facilitator",
        "partner_id": world.khulna.id, "locale": "bn", "password": "a good long password"})
    assert response.status_code == 302
    user = db.session.scalar(select(User).where(User.username == "newfac"))
    assert user.partner_id == world.khulna.id and user.locale == "bn" and user.password_hash.startswith("scrypt:")
    # A facilitator without a partner is refused with a message, and nothing is saved.
    response = client.post("/accounts/users/new", data={
        "csrf_token": token, "username": "nopartner", "role": "facilitator", "partner_id": 0,
        "password": "a good long password"})
    assert response.status_code == 200 and "belongs to a partner" in response.get_data(as_text=True)
    assert db.session.scalar(select(User).where(User.username == "nopartner")) is None
    # Reset the password: the old one stops working.
    response = client.post(f"/accounts/users/{user.id}/password",
                           data={"csrf_token": token, "password": "another long password"})
    assert response.status_code == 302
    other = client.application.test_client()
    assert post_login(other, "newfac", "a good long password").status_code == 200
    assert post_login(other, "newfac", "another long password").status_code == 302


def test_everyone_changes_their_own_secret(client, login, world):
    login(world.participant.user)
    token = csrf_token(client, "/accounts/password")
    bad = client.post("/accounts/password", data={"csrf_token": token, "current": PIN, "new": "123456"})
    assert bad.status_code == 200 and "too easy" in bad.get_data(as_text=True)
    ok = client.post("/accounts/password", data={"csrf_token": token, "current": PIN, "new": "739164"})
    assert ok.status_code == 302
    assert client.get("/").status_code == 200  # this phone stays logged in


def test_partners_page_creates_and_edits(client, login, world):
    login(world.trainer)
    token = csrf_token(client, "/accounts/partners/new")
    assert client.post("/accounts/partners/new", data={"csrf_token": token, "name": "Satkhira Shomaj",
                                                        "district": "Satkhira"}).status_code == 302
    bad = client.post("/accounts/partners/new", data={"csrf_token": token, "name": "X", "district": "Paris"})
    assert bad.status_code == 200
    assert db.session.scalar(select(func.count()).select_from(Partner)) == 3


def test_audit_rows_for_logins_and_user_changes_hold_no_secrets(client, world):
    post_login(client, "fac", "wrong-password-123")
    post_login(client, "fac", PASSWORD)
    actions = [e.action for e in db.session.scalars(select(AuditEvent).order_by(AuditEvent.id))]
    assert "user_created" in actions and "login_failed" in actions and "login" in actions
    blob = " ".join(str(e.details) for e in db.session.scalars(select(AuditEvent)))
    assert PASSWORD not in blob and "wrong-password" not in blob and "Rahima" not in blob


def test_audit_rows_cannot_be_changed(app, world):
    event = db.session.scalars(select(AuditEvent)).first()
    event.action = "tampered"
    try:
        db.session.commit()
    except RuntimeError as error:
        assert "append-only" in str(error)
        db.session.rollback()
    else:
        raise AssertionError("an audit row was updated")


def test_next_redirect_stays_on_this_site(client, world):
    for target in ("https://evil.example/", "//evil.example/", "/\\evil.example"):
        url = "/accounts/login"
        response = client.post(url, data={"username": "fac", "password": PASSWORD, "next": target,
                                          "csrf_token": csrf_token(client, url)})
        assert response.headers["Location"] == "/"
        client.post("/accounts/logout", data={"csrf_token": csrf_token(client, "/")})
    response = client.post(url, data={"username": "fac", "password": PASSWORD, "next": "/curriculum/day/2",
                                      "csrf_token": csrf_token(client, url)})
    assert response.headers["Location"] == "/curriculum/day/2"


def test_post_without_csrf_token_is_refused_and_changes_nothing(client, login, world):
    login(world.trainer)
    response = client.post("/accounts/partners/new", data={"name": "No Token", "district": "Dhaka"})
    assert response.status_code == 400
    assert db.session.scalar(select(Partner).where(Partner.name == "No Token")) is None


def test_staff_roles_are_distinct(app, world):
    assert world.trainer.role == Role.MASTER_TRAINER and world.facilitator.partner_id == world.khulna.id
    assert make_staff(Role.MASTER_TRAINER, make_partner()).is_master_trainer


def test_language_chosen_on_the_login_page_stays_after_login(client, world):
    client.post("/accounts/language", data={"locale": "bn", "csrf_token": csrf_token(client, "/")})
    assert post_login(client, world.participant.code, PIN, "/accounts/login/participant", "pin").status_code == 302
    assert 'lang="bn"' in client.get("/").get_data(as_text=True)
