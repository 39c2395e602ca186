"""No personal data in logs. Representative flows run over real HTTP (werkzeug's server,
so its request log is part of the test) with every logger at DEBUG, SQLAlchemy's engine log
switched on, and canary names, usernames, passwords, PINs, notes and searches: no log record holds
any canary."""
import logging
import re
import urllib.parse

import pytest

from edt import QueryStringFilter
from edt.modules.accounts import services as accounts
from edt.security import Role

from tests.factories import PASSWORD, batch_world, certificate_world, make_staff
from tests.live_server import Browser, serving
from tests.attendance.test_attendance import read_form

CANARIES = {
    "username": "canaryuser7",
    "password": "Canary-Password-9817",
    "unknown_user": "canary-nobody-3141",
    "wrong_password": "Canary-Wrong-Pass-2718",
    "pin": "739154",
    "wrong_pin": "615283",
    "new_pin": "860274",
    "registration_pin": "951847",
    "name": "Canaria Zubaidova",
    "phone": "01719990042",
    "search": "Zubaidova",
    "note": "canary-note-goats-by-the-river",
    "comment": "canary-comment-ask-her-husband",
    "attendance": "canary-attendance-clinic",
    "verify_name": "Canaria Verifyname",
    "audit_person": "canary-person-filter",
}


class Capture(logging.Handler):
    def __init__(self):
        super().__init__(level=logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record):
        self.records.append(record)

    def texts(self):
        formatter = logging.Formatter()
        for record in self.records:
            text = record.getMessage()
            if record.exc_info:
                text += formatter.formatException(record.exc_info)
            yield record.name, text + " " + str(record.args)


@pytest.fixture
def capture():
    """Every record of every logger, at DEBUG, including werkzeug and SQLAlchemy's engine log."""
    handler = Capture()
    root = logging.getLogger()
    engine_logger = logging.getLogger("sqlalchemy.engine")
    saved = root.level, engine_logger.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    engine_logger.setLevel(logging.INFO)  # as someone debugging a slow page would switch it on
    try:
        yield handler
    finally:
        root.removeHandler(handler)
        root.setLevel(saved[0])
        engine_logger.setLevel(saved[1])


def _base(html: str) -> str:
    return re.search(r'name="base" (?:type="hidden" )?value="(\d+)"', html).group(1)


def test_no_log_record_holds_a_name_pin_password_note_or_search(app, world, capture):
    c = CANARIES
    batch_world(world)
    cert = certificate_world(world)
    make_staff(Role.FACILITATOR, world.khulna, username=c["username"], password=c["password"])
    p = world.participant
    accounts.set_pin(world.trainer, p.user, c["pin"])
    day_id = world.batch.days[0].id

    with serving(app) as port:
        stranger = Browser(port)
        stranger.post("/accounts/login", {"username": c["unknown_user"], "password": c["wrong_password"],
                                          "csrf_token": stranger.csrf()})
        stranger.post("/accounts/login", {"username": c["username"], "password": c["wrong_password"],
                                          "csrf_token": stranger.csrf()})
        stranger.post("/accounts/login/participant", {"code": p.code, "pin": c["wrong_pin"],
                                                      "csrf_token": stranger.csrf("/accounts/login/participant")})
        code_url = f"/verify/{cert['certificate_code']}"
        assert stranger.post(code_url, {"name": c["verify_name"], "csrf_token": stranger.csrf(code_url)}
                             ).status_code == 200

        person = Browser(port)
        person.login(p.code, c["pin"], participant=True)
        page = person.get(f"/canvas/{p.id}").text
        assert person.post(f"/canvas/{p.id}/block/channels/add", {"text": c["note"], "base": _base(page),
                                                                  "csrf_token": person.csrf("/")}).status_code == 302
        assert person.post("/accounts/password", {"current": c["pin"], "new": c["new_pin"],
                                                  "csrf_token": person.csrf("/accounts/password")}).status_code == 302

        staff = Browser(port)
        staff.login(c["username"], c["password"])
        registered = staff.post("/participants/new", {
            "partner_id": str(world.khulna.id), "full_name": c["name"], "gender": "woman", "district": "Khulna",
            "phone": c["phone"], "consent_data_use": "y", "pin": c["registration_pin"],
            "csrf_token": staff.csrf("/participants/new")})
        assert registered.status_code == 302
        query = urllib.parse.quote(c["search"])
        for url in (f"/participants/?q={query}", f"/canvas/?q={query}", f"/batches/?q={query}",
                    f"/curriculum/search?q={query}", f"/participants/?q={urllib.parse.quote(c['name'])}&page=1"):
            assert staff.get(url).status_code == 200, url
        assert c["name"] in staff.get(registered.location).text  # the page shows it; the log must not

        facilitator = Browser(port)
        facilitator.login("fac", PASSWORD)
        form = read_form(facilitator.get(f"/attendance/days/{day_id}").text)
        for enrolment_id in form["row"]:
            form[f"s-{enrolment_id}"] = ["late"]
            form[f"n-{enrolment_id}"] = [c["attendance"]]
        assert facilitator.post(f"/attendance/days/{day_id}", form).status_code == 302
        assert facilitator.post(f"/canvas/{p.id}/comments", {"body": c["comment"], "block": "channels",
                                                             "csrf_token": facilitator.csrf("/")}).status_code == 302

        trainer = Browser(port)
        trainer.login("mtr", PASSWORD)
        audit_url = f"/privacy/audit?person={c['audit_person']}&code={p.code}"
        assert trainer.get(audit_url).status_code == 200

    texts = list(capture.texts())
    names = {name for name, _text in texts}
    assert "werkzeug" in names and "sqlalchemy.engine.Engine" in names  # the logs really were on
    request_lines = [text for name, text in texts if name == "werkzeug" and "/participants/?" in text]
    assert request_lines and all("?…" in line for line in request_lines)  # path kept, query dropped
    leaks = [(name, label, text[:200]) for name, text in texts for label, canary in CANARIES.items()
             if canary.lower() in text.lower()]
    assert leaks == []


def test_the_query_string_filter_keeps_paths_and_questions():
    record = logging.LogRecord("werkzeug", logging.INFO, __file__, 1, '"%s" %s %s',
                               ("GET /participants/?q=Rahima+Khatun HTTP/1.1", "200", "-"), None)
    assert QueryStringFilter().filter(record) is True
    assert record.getMessage() == '"GET /participants/?… HTTP/1.1" 200 -'
    plain = logging.LogRecord("werkzeug", logging.INFO, __file__, 1, "Is the server up?", None, None)
    QueryStringFilter().filter(plain)
    assert plain.getMessage() == "Is the server up?"
    gunicorn = logging.LogRecord("gunicorn.access", logging.INFO, __file__, 1, '%(r)s %(q)s %(U)s',
                                 ({"r": "GET /canvas/?q=Shirin HTTP/1.1", "q": "q=Shirin", "U": "/canvas/"},), None)
    QueryStringFilter().filter(gunicorn)
    assert "Shirin" not in gunicorn.getMessage() and "/canvas/" in gunicorn.getMessage()


def test_verification_codes_never_reach_a_log(app, world, capture):
    """Whoever reads an access log must not be able to open the certificates in it: the code in
    /verify/<code> is dropped from request lines, like query strings."""
    cert = certificate_world(world)
    code = cert["certificate_code"]
    grouped = "-".join(code[i:i + 4] for i in range(0, len(code), 4)).lower()
    with serving(app) as port:
        visitor = Browser(port)
        for path in (f"/verify/{code}", f"/verify/{grouped}", f"/verify/{code}?lang=bn"):
            assert visitor.get(path).status_code == 200, path
        assert visitor.post(f"/verify/{code}", {"name": CANARIES["verify_name"],
                                                "csrf_token": visitor.csrf(f"/verify/{code}")}).status_code == 200
    texts = list(capture.texts())
    request_lines = [text for name, text in texts if name == "werkzeug" and "/verify/" in text]
    assert len(request_lines) >= 4 and all("/verify/…" in line for line in request_lines)
    assert [text[:200] for _name, text in texts if code.lower() in text.lower() or grouped in text.lower()] == []


def test_the_filter_drops_verification_codes_from_gunicorn_atoms_too():
    line = logging.LogRecord("werkzeug", logging.INFO, __file__, 1, '"%s" %s %s',
                             ("GET /verify/AFCMYBGZGABEXWF23HDHB15JGM HTTP/1.1", "200", "-"), None)
    QueryStringFilter().filter(line)
    assert line.getMessage() == '"GET /verify/… HTTP/1.1" 200 -'
    gunicorn = logging.LogRecord("gunicorn.access", logging.INFO, __file__, 1, "%(r)s %(U)s %(f)s",
                                 ({"r": "POST /verify/afcm-ybgz-gabe HTTP/1.1", "U": "/verify/afcm-ybgz-gabe",
                                   "f": "https://edt.example.org/verify/AFCMYBGZ?x=1"},), None)
    QueryStringFilter().filter(gunicorn)
    assert "afcm" not in gunicorn.getMessage().lower() and gunicorn.getMessage().count("/verify/…") == 3
