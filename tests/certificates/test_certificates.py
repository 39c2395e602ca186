"""Certificates: eligibility, issue, PDF, downloads, revoke/reissue/withdraw, the verify page."""
import html
import io
import re
import unicodedata
import zipfile
from datetime import timedelta

import pytest
from flask import current_app
from pypdf import PdfReader
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from edt import pdffonts, throttle
from edt.audit import AuditEvent
from edt.extensions import db
from edt.clock import today
from edt.modules.certificates import eligibility, pdf, queries, services
from edt.modules.certificates.models import Certificate
from edt.security import Role
from edt.throttle import ThrottleCounter

from tests.conftest import csrf_token
from tests.factories import make_certifiable_batch, make_participant, make_staff, rewind_throttle

BANNED = ("traffick", "survivor", "victim", "rescue", "exploit", "counter")
SERIAL_RE = re.compile(r"^EDT-\d{4}-\d{6}$")


def graduates(world, names=("Rahela Begum", "Moushumi Das", "Jesmin Nahar"), **kwargs):
    """A finished Khulna batch (run by world.facilitator) with new participants enrolled."""
    people = [make_participant(world.khulna, world.trainer, full_name=name) for name in names]
    batch, enrolments = make_certifiable_batch(world.khulna, world.trainer, world.facilitator, people, **kwargs)
    return batch, people, enrolments


def issued(world, **kwargs):
    batch, people, enrolments = graduates(world, **kwargs)
    certificates = services.issue_all_eligible(world.trainer, batch)
    return batch, people, enrolments, certificates


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(data)).pages)


def post(client, url, data=None, token_url="/"):
    return client.post(url, data={**(data or {}), "csrf_token": csrf_token(client, token_url)})


# --- eligibility -------------------------------------------------------------------------------

def test_the_batch_page_lists_everyone_as_eligible_or_not_with_the_reason(client, login, world):
    batch, people, _ = graduates(world, names=("Rahela Begum", "Moushumi Das", "Jesmin Nahar", "Ayesha Siddika"),
                                 attended=[10, 8, 7, 9])
    from edt.modules.canvas import services as canvases

    canvases.open_canvas(people[3])  # a draft canvas: not submitted
    rows = {row.participant.id: row for row in eligibility.standings(batch)}
    assert [rows[p.id].eligible for p in people] == [True, True, False, True]
    assert "attended 7 of 10 days" in rows[people[2].id].reason
    login(world.trainer)
    page = client.get(f"/certificates/batch/{batch.id}").get_data(as_text=True)
    assert "attended 7 of 10 days" in page and "attended (present or late) at least 8 of the 10" in page
    assert page.count(">Eligible<") == 3 and page.count(">Not eligible<") == 1


def test_canvas_drafts_fail_the_rule_and_approval_can_be_required(app, world, monkeypatch):
    batch, people, _ = graduates(world, names=("Rahela Begum",), canvas="draft")
    row = eligibility.standings(batch)[0]
    assert not row.eligible and "business plan not submitted yet" in row.reason
    batch2, people2, _ = graduates(world, names=("Moushumi Das",), canvas="submitted")
    assert eligibility.standings(batch2)[0].eligible
    monkeypatch.setitem(current_app.config, "CERTIFICATE_CANVAS_STATUS", "approved")  # services run here
    row = eligibility.standings(batch2)[0]
    assert not row.eligible and "not approved yet" in row.reason


def test_excused_days_count_only_when_configured(app, world, monkeypatch):
    batch, _, _ = graduates(world, names=("Rahela Begum",), attended=[6], excused=2)
    assert not eligibility.standings(batch)[0].eligible
    monkeypatch.setitem(current_app.config, "CERTIFICATE_COUNT_EXCUSED", True)
    assert eligibility.standings(batch)[0].eligible


# --- issuing -----------------------------------------------------------------------------------

def test_issue_to_every_eligible_participant_in_one_action(client, login, world):
    batch, people, enrolments = graduates(world, attended=[10, 9, 5])
    login(world.trainer)
    response = post(client, f"/certificates/batch/{batch.id}/issue")
    assert response.status_code == 302
    rows = list(db.session.scalars(select(Certificate).order_by(Certificate.serial)))
    assert [c.participant_id for c in rows] == [people[0].id, people[1].id]
    year = today().year
    assert [c.serial for c in rows] == [f"EDT-{year}-000001", f"EDT-{year}-000002"]
    for certificate in rows:
        assert SERIAL_RE.match(certificate.serial)
        assert len(certificate.code) == 26 and set(certificate.code) <= set(queries.CODE_ALPHABET)  # 130 bits
        assert certificate.holder_name in ("Rahela Begum", "Moushumi Das")
        assert certificate.partner_name == "Khulna Partner"
        assert certificate.training_start == batch.start_date and certificate.training_end == batch.end_date
        assert certificate.verify_url.endswith(f"/verify/{certificate.code}")
    assert len({c.code for c in rows}) == 2
    audit_row = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "certificates_issued"))
    assert audit_row.details["count"] == 2 and audit_row.actor_id == world.trainer.id
    # A second click issues nothing new.
    post(client, f"/certificates/batch/{batch.id}/issue")
    assert db.session.scalar(select(func.count()).select_from(Certificate)) == 2


def test_issuing_below_the_rule_needs_a_written_reason_audited_by_presence_only(client, login, world):
    batch, people, enrolments = graduates(world, names=("Rahela Begum",), attended=[6])
    login(world.trainer)
    url = f"/certificates/enrolment/{enrolments[0].id}/issue"
    refused = post(client, url, {"override_reason": ""}, token_url=url)
    assert refused.status_code == 400 and "does not meet the rule" in refused.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Certificate)) == 0
    reason = "Missed two days for a family wedding, caught up with the facilitator"
    assert post(client, url, {"override_reason": reason}, token_url=url).status_code == 302
    certificate = db.session.scalar(select(Certificate))
    assert certificate.override_reason == reason
    row = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "certificate_issued"))
    assert row.details["override_reason"] is True and "wedding" not in str(row.details)


def test_only_master_trainers_issue_and_only_after_the_last_day(app, client, login, world):
    batch, people, enrolments = graduates(world, names=("Rahela Begum",))
    with pytest.raises(services.CertificateError):
        services.issue(world.facilitator, enrolments[0])
    login(world.facilitator)
    assert post(client, f"/certificates/batch/{batch.id}/issue").status_code == 403
    page = client.get(f"/certificates/batch/{batch.id}").get_data(as_text=True)
    assert 'id="issue-all"' not in page and "Only master trainers issue" in page
    # A batch still running gives no certificates yet.
    from tests.factories import enrol, make_batch

    running = make_batch(world.khulna, facilitators=[world.facilitator], trainer=world.trainer,
                         start=today() - timedelta(days=3))
    person = make_participant(world.khulna, world.trainer)
    enrolment = enrol(running, [person])[0]
    with pytest.raises(services.CertificateError, match="from the last training day"):
        services.issue(world.trainer, enrolment, override_reason="A long enough reason to try")
    assert db.session.scalar(select(func.count()).select_from(Certificate)) == 0


def test_the_database_keeps_one_valid_certificate_per_enrolment(app, world):
    _, _, enrolments, certificates = issued(world, names=("Rahela Begum",))
    twin = services._snapshot(enrolments[0], "EDT-2000-000001", world.trainer)
    db.session.add(twin)
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


# --- the PDF -----------------------------------------------------------------------------------

def test_pdf_prints_serial_dates_partner_and_nothing_about_the_past(client, login, world):
    batch, people, enrolments, certificates = issued(world, names=("Rahela Begum",))
    certificate = certificates[0]
    login(world.trainer)
    response = client.get(f"/certificates/{certificate.id}.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert f'filename="{certificate.serial}.pdf"' in response.headers["Content-Disposition"]
    data = response.get_data()
    reader = PdfReader(io.BytesIO(data))
    assert len(reader.pages) == 1
    width, height = reader.pages[0].mediabox.width, reader.pages[0].mediabox.height
    assert width > height and round(float(width)) == 842  # A4 landscape
    text = pdf_text(data)
    flat = " ".join(text.split())
    assert certificate.serial in flat and "Khulna Partner" in flat and "Rahela Begum" in flat
    assert "Entrepreneurship Development Training" in flat and "10 days" in flat
    assert pdf.long_date(certificate.training_start) in flat and pdf.long_date(certificate.training_end) in flat
    assert certificate.verify_url in flat
    meta = " ".join(str(v) for v in (reader.metadata or {}).values()).lower()
    assert certificate.serial.lower() in meta and "rahela" not in meta
    for word in BANNED:
        assert word not in text.lower() and word not in meta, word
    assert len(data) < 50 * 1024
    # The same certificate downloads byte-identically later.
    assert client.get(f"/certificates/{certificate.id}.pdf").get_data() == data


def test_pdf_is_built_from_the_stored_record_not_the_current_registration(app, world):
    _, people, _, certificates = issued(world, names=("Rahela Begum",))
    before = pdf.render(certificates[0])
    people[0].full_name = "Someone Else"
    db.session.commit()
    assert pdf.render(db.session.get(Certificate, certificates[0].id)) == before


def test_a_name_with_markup_prints_literally(app, world):
    name = "<b>x</b> & <img src=x>"
    _, _, _, certificates = issued(world, names=(name,))
    text = " ".join(pdf_text(pdf.render(certificates[0])).split())
    assert "<b>x</b> & <img src=x>" in text


def test_bangla_name_is_shaped_with_the_embedded_bengali_font(app, world):
    _, _, _, certificates = issued(world, names=("রহিমা খাতুন",))
    data = pdf.render(certificates[0])
    reader = PdfReader(io.BytesIO(data))
    fonts = str(reader.pages[0]["/Resources"]["/Font"].get_object())
    base_fonts = [str(f.get_object()["/BaseFont"]) for f in reader.pages[0]["/Resources"]["/Font"].values()]
    assert any("NotoSansBengali" in name for name in base_fonts), fonts
    assert len(data) < 50 * 1024


def test_the_qr_code_holds_the_verify_url_and_is_built_once(app, world, monkeypatch):
    _, _, _, certificates = issued(world, names=("Rahela Begum",))
    certificate = certificates[0]
    made = []

    class Recording(pdffonts.QrCodeWidget):
        def __init__(self, value, **kw):
            made.append(value)
            super().__init__(value, **kw)

    monkeypatch.setattr(pdffonts, "QrCodeWidget", Recording)
    data = pdf.render(certificate)
    assert made == [certificate.verify_url]
    assert certificate.verify_url == f"{app.config['PUBLIC_URL']}/verify/{certificate.code}"
    links = [a.get_object()["/A"]["/URI"] for a in PdfReader(io.BytesIO(data)).pages[0]["/Annots"]]
    assert certificate.verify_url in links


def test_zip_and_print_pdf_hold_every_valid_certificate(client, login, world):
    batch, _, _, certificates = issued(world)
    services.revoke(world.trainer, certificates[0], "Issued to the wrong person by mistake")
    login(world.facilitator)  # facilitators download for printing (read-only otherwise)
    archive = client.get(f"/certificates/batch/{batch.id}/certificates.zip")
    assert archive.status_code == 200 and archive.mimetype == "application/zip"
    names = zipfile.ZipFile(io.BytesIO(archive.get_data())).namelist()
    assert sorted(names) == sorted(f"{c.serial}.pdf" for c in certificates[1:])
    printed = client.get(f"/certificates/batch/{batch.id}/certificates.pdf")
    reader = PdfReader(io.BytesIO(printed.get_data()))
    assert len(reader.pages) == 2
    assert certificates[1].serial in pdf_text(printed.get_data())
    exports = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "certificates_exported")).all()
    assert sorted(e.details["format"] for e in exports) == ["pdf", "zip"]


# --- revoke, reissue, withdraw ----------------------------------------------------------------

def test_revoke_needs_a_reason_and_the_verify_page_says_revoked(client, login, world):
    _, _, _, certificates = issued(world, names=("Rahela Begum",))
    certificate = certificates[0]
    login(world.trainer)
    url = f"/certificates/{certificate.id}/revoke"
    assert post(client, url, {"reason": "no"}, token_url=url).status_code == 400
    assert db.session.get(Certificate, certificate.id).status == "valid"
    assert post(client, url, {"reason": "Attendance sheet was entered twice"}, token_url=url).status_code == 302
    db.session.expire_all()
    assert db.session.get(Certificate, certificate.id).status == "revoked"
    page = client.get(f"/verify/{certificate.code}").get_data(as_text=True)
    assert 'data-status="revoked"' in page and "Attendance sheet" not in page
    help_text = re.search(r'<p id="revoked-help">(.*?)</p>', page, re.S).group(1)
    assert html.escape(certificate.partner_name) in help_text and "contact" in help_text  # who to turn to
    assert client.get(f"/certificates/{certificate.id}.pdf").status_code == 404  # never printed again
    event_row = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "certificate_revoked"))
    assert "Attendance" not in str(event_row.details)
    # Issuing to every eligible participant skips a revoked holder; one by one it is possible.
    assert services.issue_all_eligible(world.trainer, certificate.batch) == []
    again = services.issue(world.trainer, certificate.enrolment)
    assert again.status == "valid" and again.serial != certificate.serial


def test_reissue_gives_a_new_serial_and_marks_the_old_one_replaced(client, login, world):
    _, people, _, certificates = issued(world, names=("Rahela Begam",))
    old = certificates[0]
    people[0].full_name = "Rahela Begum"  # a spelling correction
    db.session.commit()
    login(world.trainer)
    url = f"/certificates/{old.id}/reissue"
    assert "Rahela Begam" in client.get(url).get_data(as_text=True)
    assert post(client, url, token_url=url).status_code == 302
    db.session.expire_all()
    old = db.session.get(Certificate, old.id)
    new = old.replaced_by
    assert old.status == "replaced" and new.status == "valid" and new.serial != old.serial
    assert new.code != old.code and new.holder_name == "Rahela Begum" and new.replaces_id == old.id
    assert 'data-status="replaced"' in client.get(f"/verify/{old.code}").get_data(as_text=True)
    assert 'data-status="valid"' in client.get(f"/verify/{new.code}").get_data(as_text=True)


def test_withdrawn_at_the_holders_request_erases_the_name(client, login, world):
    _, people, _, certificates = issued(world, names=("Rahela Begum",))
    certificate = certificates[0]
    login(world.trainer)
    url = f"/certificates/{certificate.id}/withdraw"
    assert post(client, url, token_url=url).status_code == 302
    db.session.expire_all()
    stored = db.session.get(Certificate, certificate.id)
    assert stored.status == "withdrawn" and stored.holder_name == ""
    login(None)
    page = html.unescape(client.get(f"/verify/{certificate.code}").get_data(as_text=True))
    assert 'data-status="withdrawn"' in page and "Withdrawn at the holder's request" in page
    assert "revoked" not in page.lower()
    assert 'name="name"' not in page  # no name check on a withdrawn certificate
    # The erasure flow withdraws every certificate of a person at once.
    _, people2, _, more = issued(world, names=("Moushumi Das",))
    assert services.withdraw_for_participant(world.trainer, people2[0]) == 1


# --- the participant's own certificate ---------------------------------------------------------

def test_participant_downloads_only_their_own_certificate_from_their_home_page(client, login, world):
    _, people, _, certificates = issued(world, names=("Rahela Begum", "Moushumi Das"))
    mine, theirs = certificates
    people[0].user  # loaded
    login(people[0].user)
    home = client.get("/").get_data(as_text=True)
    assert f"/certificates/{mine.id}.pdf" in home and f"/certificates/{theirs.id}.pdf" not in home
    assert client.get(f"/certificates/{mine.id}.pdf").status_code == 200
    assert client.get(f"/certificates/{theirs.id}.pdf").status_code == 404
    assert client.get(f"/certificates/batch/{mine.batch_id}").status_code == 403


# --- the public verify page --------------------------------------------------------------------

def test_verify_page_is_public_noindex_and_hides_the_name(client, world):
    _, _, _, certificates = issued(world, names=("Rahela Begum",))
    certificate = certificates[0]
    response = client.get(f"/verify/{certificate.code}")
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and 'data-status="valid"' in page
    assert response.headers["X-Robots-Tag"].startswith("noindex")
    assert '<meta name="robots" content="noindex' in page
    assert "Rahela" not in page and "Entrepreneurship Development Training" in page
    assert "Khulna Partner" in page and pdf.long_date(certificate.training_end) in page
    for word in BANNED:
        assert word not in page.lower()
    # Lower case and dashes as printed on the paper work too.
    assert client.get(f"/verify/{certificate.grouped_code.lower()}").status_code == 200


def test_name_check_by_post_ignores_case_spaces_and_unicode_form(client, world):
    _, _, _, certificates = issued(world, names=("রহিমা খাতুন", "Moushumi Das"))
    bangla, latin = certificates
    url = f"/verify/{latin.code}"

    def check(cert_url, name):
        return post(client, cert_url, {"name": name}, token_url=cert_url).get_data(as_text=True)

    assert "The name matches" in check(url, "  moushumi   DAS ")
    assert "does not match" in check(url, "Moushumi Dash")
    decomposed = unicodedata.normalize("NFD", "রহিমা  খাতুন")
    bangla_url = f"/verify/{bangla.code}"
    assert "The name matches" in check(bangla_url, decomposed)
    assert "does not match" in check(bangla_url, "রহিম খাতুন")
    # The typed name is never stored: not in the audit trail, not in the rate-limit log.
    rows = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "certificate_name_checked")).all()
    assert sorted(r.outcome for r in rows) == ["mismatch", "mismatch", "ok", "ok"]
    assert all("Moushumi" not in str(r.details) for r in rows)
    assert all(len(r.key) == 40 and "127.0.0.1" not in r.key and "Moushumi" not in r.key
               for r in db.session.scalars(select(ThrottleCounter)))
    # A name in the URL is simply ignored: the check only reads the POST body.
    assert "The name matches" not in client.get(f"{url}?name=Moushumi+Das").get_data(as_text=True)


def test_unknown_codes_get_the_same_not_found_page_whatever_their_shape(client, world):
    issued(world, names=("Rahela Begum",))
    bodies = set()
    for code in ("0" * 26, "short", "x" * 300, "%00%27%22", "ÄÖÜ-টেস্ট", "1;drop table certificate", "a/b/../c"):
        response = client.get(f"/verify/{code}")
        assert response.status_code == 404, code
        assert response.headers["X-Robots-Tag"].startswith("noindex")
        # The footer's language form carries a fresh CSRF token and the path back: set them aside.
        body = re.sub(r'name="(csrf_token|next)" value="[^"]*"', "", response.get_data(as_text=True))
        bodies.add(body)
    assert len(bodies) == 1 and "Certificate not found" in bodies.pop()
    missing = post(client, "/verify/" + "0" * 26, {"name": "Anyone"}, token_url="/verify")
    assert missing.status_code == 404


def test_verify_form_takes_the_serial_and_the_code_from_the_paper(client, world):
    _, _, _, certificates = issued(world, names=("Rahela Begum",))
    certificate = certificates[0]
    assert 'name="serial"' in client.get("/verify").get_data(as_text=True)
    found = client.get("/verify", query_string={"serial": certificate.serial.lower(), "code": certificate.grouped_code})
    assert found.status_code == 200 and 'data-status="valid"' in found.get_data(as_text=True)
    wrong = client.get("/verify", query_string={"serial": "EDT-2020-000999", "code": certificate.code})
    assert wrong.status_code == 404
    empty = client.get("/verify", query_string={"serial": "", "code": ""})
    assert empty.status_code == 400 and "Type the certificate number" in empty.get_data(as_text=True)


def test_verify_is_rate_limited_per_client_in_the_database(app, client, world, monkeypatch):
    _, _, _, certificates = issued(world, names=("Rahela Begum",))
    monkeypatch.setitem(app.config, "VERIFY_RATE_LIMIT", 3)
    url = f"/verify/{certificates[0].code}"
    assert [client.get(url).status_code for _ in range(3)] == [200, 200, 200]
    limited = client.get(url)
    assert limited.status_code == 429 and limited.headers["Retry-After"] == "60"
    assert "Too many requests" in limited.get_data(as_text=True)
    views = select(ThrottleCounter.count).where(ThrottleCounter.scope == throttle.VERIFY_SEEN)
    assert db.session.scalar(views) == 3  # the refused request counted no view of the certificate
    # Unknown codes count against the same allowance: another address spends it on guesses.
    guesses = [client.get(f"/verify/{'X' * 26}", environ_base={"REMOTE_ADDR": "10.0.9.9"}).status_code
               for _ in range(3)]
    assert guesses == [404, 404, 404]
    assert client.get(url, environ_base={"REMOTE_ADDR": "10.0.9.9"}).status_code == 429
    # Another client address has its own allowance.
    other = client.get(url, environ_base={"REMOTE_ADDR": "10.0.0.7"})
    assert other.status_code == 200
    # A minute later the first client may ask again (counters that say nothing any more are
    # deleted as new requests arrive).
    rewind_throttle(120)
    assert client.get(url).status_code == 200
    addresses = select(func.count()).select_from(ThrottleCounter).where(
        ThrottleCounter.scope == throttle.VERIFY_ADDRESS)
    assert db.session.scalar(addresses) == 1


def _name_check(client, url, name, address="127.0.0.1"):
    token = csrf_token(client, url)
    text = client.post(url, data={"name": name, "csrf_token": token},
                       environ_base={"REMOTE_ADDR": address}).get_data(as_text=True)
    for phrase, outcome in (("The name matches", "match"), ("does not match", "mismatch"),
                            ("paused for today", "paused")):
        if phrase in text:
            return outcome
    return "no answer"


def test_name_checks_are_capped_per_certificate_and_the_pause_compares_nothing(app, client, world, monkeypatch):
    monkeypatch.setitem(app.config, "VERIFY_RATE_LIMIT", 1000)
    _, _, _, certificates = issued(world, names=("Rahela Begum", "Moushumi Das"))
    first, second = (f"/verify/{c.code}" for c in certificates)
    guesses = [_name_check(client, first, f"Rahela Guess {n}", address=f"198.51.100.{n}") for n in range(5)]
    assert guesses == ["mismatch"] * 5
    # The right name, from yet another address: today's checks of this certificate are spent.
    assert [_name_check(client, first, "Rahela Begum", address=f"192.0.2.{n}") for n in range(10)] == ["paused"] * 10
    assert _name_check(client, second, "Moushumi Das") == "match"  # another certificate has its own checks
    paused = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "certificate_name_checks_paused")).all()
    assert [(e.target_id, e.details["checks"]) for e in paused] == [(str(certificates[0].id), 5)]  # one row, not 10
    checked = db.session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.action == "certificate_name_checked"))
    assert checked == 6  # only the checks that were made
    rewind_throttle(86400 + 1)
    assert _name_check(client, first, "Rahela Begum") == "match"  # the next day


def test_name_checks_are_capped_per_address_across_certificates(app, client, world, monkeypatch):
    monkeypatch.setitem(app.config, "VERIFY_NAME_CHECKS_PER_ADDRESS", 3)
    _, _, _, certificates = issued(world, names=("Rahela Begum", "Moushumi Das", "Jesmin Nahar"))
    urls = [f"/verify/{c.code}" for c in certificates]
    assert [_name_check(client, url, "Somebody Else") for url in urls] == ["mismatch"] * 3
    assert _name_check(client, urls[0], "Rahela Begum") == "paused"
    assert _name_check(client, urls[0], "Rahela Begum", address="10.0.0.9") == "match"


def test_viewing_a_certificate_again_and_again_adds_one_audit_row_a_day(app, client, world):
    _, _, _, certificates = issued(world, names=("Rahela Begum",))
    url = f"/verify/{certificates[0].code}"
    assert [client.get(url).status_code for _ in range(12)] == [200] * 12

    def views():
        return db.session.scalar(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.action == "certificate_verified"))

    assert views() == 1
    rewind_throttle(86400 + 1)
    client.get(url)
    assert views() == 2


# --- fixed query counts -----------------------------------------------------------------------

def test_batch_page_and_index_load_in_a_fixed_number_of_queries(count_queries, login, world):
    small, _, _ = graduates(world, names=[f"Small {n}" for n in range(5)])
    services.issue_all_eligible(world.trainer, small)
    facilitator2 = make_staff(Role.FACILITATOR, world.khulna)
    people = [make_participant(world.khulna, world.trainer, full_name=f"Large {n}") for n in range(50)]
    large, _ = make_certifiable_batch(world.khulna, world.trainer, facilitator2, people, capacity=60)
    services.issue_all_eligible(world.trainer, large)
    login(world.trainer)
    few = count_queries(f"/certificates/batch/{small.id}")
    many = count_queries(f"/certificates/batch/{large.id}")
    assert few == many
    assert count_queries("/certificates/") <= few


def test_actions_on_a_certificate_that_is_no_longer_valid_are_refused_plainly(client, login, world):
    _, _, _, certificates = issued(world, names=("Rahela Begum",))
    certificate = certificates[0]
    services.revoke(world.trainer, certificate, "Issued to the wrong batch by mistake")
    login(world.trainer)
    url = f"/certificates/{certificate.id}/reissue"
    refused = post(client, url, token_url=url)
    assert refused.status_code == 400 and "Only a valid certificate can be reissued" in refused.get_data(as_text=True)
    url = f"/certificates/{certificate.id}/revoke"
    again = post(client, url, {"reason": "Revoking it a second time"}, token_url=url)
    assert again.status_code == 400
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(Certificate)) == 1
    assert db.session.get(Certificate, certificate.id).status == "revoked"


def test_signatories_come_from_configuration_and_are_stored_on_the_certificate(app, world, monkeypatch):
    from edt.config import _signatories

    assert _signatories("Farzana Haque|Master Trainer; |Executive Director") == (
        ("Farzana Haque", "Master Trainer"), ("", "Executive Director"))
    assert _signatories(None) and all(title for _name, title in _signatories(None))
    monkeypatch.setitem(current_app.config, "CERTIFICATE_SIGNATORIES", (("নাসরিন সুলতানা", "পরিচালক"),))
    _, _, _, certificates = issued(world, names=("Rahela Begum",))
    assert certificates[0].signatories == [["নাসরিন সুলতানা", "পরিচালক"]]
    before = pdf.render(certificates[0])
    monkeypatch.setitem(current_app.config, "CERTIFICATE_SIGNATORIES", (("Someone New", "Director"),))
    assert pdf.render(certificates[0]) == before  # printed from the record, not today's settings


def test_with_nobody_waiting_the_page_says_why_instead_of_a_disabled_button(client, login, world):
    batch, people, enrolments = graduates(world, names=("Rahela Begum", "Moushumi Das"), attended=[3, 4])
    login(world.trainer)
    url = f"/certificates/batch/{batch.id}"
    page = client.get(url).get_data(as_text=True)
    assert 'id="issue-all"' not in page and "disabled" not in page
    assert "Nobody meets the rule above yet" in page
    done, _people, _enrolments, _certificates = issued(world, names=("Jesmin Nahar",))
    page = client.get(f"/certificates/batch/{done.id}").get_data(as_text=True)
    assert 'id="issue-all"' not in page
    assert "Nobody is waiting: the 1 eligible participant already has a certificate" in page
