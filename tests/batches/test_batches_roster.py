"""Roster import: a CSV checked row by row, all or nothing, duplicates flagged."""
import io
import re

import pytest
from sqlalchemy import func, select

from edt.audit import AuditEvent
from edt.extensions import db
from edt.modules.batches.models import Enrolment
from edt.modules.participants import services as participant_services
from edt.modules.participants.models import Participant

from tests.conftest import csrf_token
from tests.factories import batch_world, enrol, make_batch, make_participant

HEADER = "full_name,gender,birth_year,district,phone,consent_data_use,consent_photos\n"


def upload(client, text, *, partner_id, batch_id=0, encoding="utf-8", bom=False, name="roster.csv"):
    data = text.encode(encoding)
    if bom:
        data = b"\xef\xbb\xbf" + data
    return client.post("/batches/roster/import", content_type="multipart/form-data", data={
        "csrf_token": csrf_token(client, "/batches/roster/import"), "partner_id": str(partner_id),
        "batch_id": str(batch_id), "file": (io.BytesIO(data), name)})


def participants() -> int:
    return db.session.scalar(select(func.count()).select_from(Participant))


def test_template_download_documents_every_column(client, login, world):
    login(world.facilitator)
    response = client.get("/batches/roster/template.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    text = response.get_data().decode("utf-8-sig")
    for column in ("full_name", "gender", "birth_year", "district", "phone", "consent_data_use", "consent_photos"):
        assert f"# {column}:" in text
    assert HEADER.strip() in text and "রহিমা খাতুন" in text


def test_the_template_itself_imports(client, login, world):
    login(world.trainer)
    template = client.get("/batches/roster/template.csv").get_data()
    response = client.post("/batches/roster/import", content_type="multipart/form-data", data={
        "csrf_token": csrf_token(client, "/batches/roster/import"), "partner_id": str(world.khulna.id),
        "batch_id": "0", "file": (io.BytesIO(template), "edt-roster-template.csv")})
    assert response.status_code == 200
    assert participants() == 4  # the world's two plus the two example rows


def test_import_with_bom_and_bangla_names_enrols_into_a_batch(client, login, world):
    batch_world(world)
    login(world.facilitator)
    text = HEADER + ("রহিমা বেগম,woman,1994,Khulna,01712345678,yes,no\n"
                     "\"Akter, Shirin\",নারী,১৯৯০,khulna,,হ্যাঁ,yes\n"
                     "Karim Uddin,m,,,,y,n\n")
    response = upload(client, text, partner_id=world.khulna.id, batch_id=world.batch.id, bom=True)
    page = response.get_data(as_text=True)
    assert response.status_code == 200, page
    assert "3 people registered" in page and "রহিমা বেগম" in page
    people = db.session.scalars(select(Participant).where(Participant.id != world.participant.id,
                                                          Participant.partner_id == world.khulna.id)
                                .order_by(Participant.code)).all()
    assert [p.full_name for p in people] == ["রহিমা বেগম", "Akter, Shirin", "Karim Uddin"]
    assert people[1].gender == "woman" and people[1].birth_year == 1990 and people[1].district == "Khulna"
    assert people[2].district == "Khulna" and people[2].gender == "man"  # empty district = the partner's
    assert people[0].phone == "01712345678" and people[0].consent_data_use and not people[0].consent_photos
    assert all(p.code.startswith("KHU-") for p in people)
    # Nobody can log in before a facilitator sets a PIN with them.
    assert not any(p.has_pin for p in people)
    enrolled = db.session.scalar(select(func.count()).select_from(Enrolment)
                                 .where(Enrolment.batch_id == world.batch.id, Enrolment.status == "active"))
    assert enrolled == 4
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "roster_imported"))
    assert event.details["count"] == 3 and "রহিমা" not in str(event.details)


def test_imported_people_cannot_log_in_until_a_pin_is_set(client, login, world):
    login(world.facilitator)
    upload(client, HEADER + "Amena Khatun,woman,1992,Khulna,,yes,no\n", partner_id=world.khulna.id)
    person = db.session.scalar(select(Participant).where(Participant.full_name == "Amena Khatun"))
    other = client.application.test_client()
    url = "/accounts/login/participant"
    for pin in ("", "000000", "!no-pin", "482916"):
        response = other.post(url, data={"code": person.code, "pin": pin, "csrf_token": csrf_token(other, url)})
        assert response.status_code in (200, 400)
    assert client.get(f"/participants/{person.id}").get_data(as_text=True).count("No PIN yet") == 1
    client.post(f"/participants/{person.id}/pin", data={"pin": "739164", "csrf_token": csrf_token(client, "/")})
    response = other.post(url, data={"code": person.code, "pin": "739164", "csrf_token": csrf_token(other, url)})
    assert response.status_code == 302


def test_import_without_bom_works_too(client, login, world):
    login(world.facilitator)
    response = upload(client, HEADER + "নাসিমা আক্তার,woman,1988,Khulna,,yes,no\n", partner_id=world.khulna.id)
    assert response.status_code == 200 and participants() == 3


def test_a_file_not_in_utf8_is_refused_in_plain_words(client, login, world):
    login(world.facilitator)
    response = upload(client, HEADER + "José Müller,man,1980,Khulna,,yes,no\n", partner_id=world.khulna.id,
                      encoding="latin-1")
    assert response.status_code == 400
    assert "not saved as UTF-8" in response.get_data(as_text=True)
    assert participants() == 2


def test_wrong_columns_are_named(client, login, world):
    login(world.facilitator)
    response = upload(client, "name,sex,year\nRahima,woman,1990\n", partner_id=world.khulna.id)
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Missing: full_name, gender" in page and "Not expected: name, sex, year" in page
    assert participants() == 2
    empty = upload(client, "", partner_id=world.khulna.id)
    assert empty.status_code == 400 and "The file is empty." in empty.get_data(as_text=True)
    only_header = upload(client, HEADER, partner_id=world.khulna.id)
    assert only_header.status_code == 400 and "no people" in only_header.get_data(as_text=True)


def test_every_row_is_checked_and_nothing_is_saved_when_one_is_wrong(client, login, world):
    batch_world(world)
    login(world.facilitator)
    text = HEADER + ("Good Person,woman,1990,Khulna,,yes,no\n"
                     ",woman,1990,Khulna,,yes,no\n"
                     "Bad Gender,robot,19x0,Paris,abc,maybe,perhaps\n"
                     "No Consent,woman,1990,Khulna,,no,no\n"
                     "Too,few,columns\n")
    response = upload(client, text, partner_id=world.khulna.id, batch_id=world.batch.id)
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and "Nothing was saved" in page
    assert "<strong>Row 3</strong>, <code>full_name</code>" in page
    for column in ("gender", "birth_year", "district", "phone", "consent_data_use", "consent_photos"):
        assert f"<strong>Row 4</strong>, <code>{column}</code>" in page, column
    assert "<strong>Row 5</strong>, <code>consent_data_use</code>" in page
    assert "<strong>Row 6</strong>" in page and "this row has 3 values" in page.lower()
    assert participants() == 2
    assert db.session.scalar(select(func.count()).select_from(Enrolment)) == 1


def test_likely_duplicates_are_flagged_then_confirmed_not_merged(client, login, world):
    login(world.facilitator)
    text = HEADER + ("rahima  KHATUN,woman,1995,Khulna,,yes,no\n"   # same as the world's participant
                     "Nasrin Akter,woman,1991,Khulna,,yes,no\n"
                     "Nasrin Akter,woman,1991,Khulna,,yes,no\n"      # same as row 3
                     "Nasrin Akter,woman,1992,Khulna,,yes,no\n")     # another birth year: a different person
    response = upload(client, text, partner_id=world.khulna.id)
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and 'id="duplicates"' in page
    assert world.participant.code in page and "as row 3" in page
    assert 'value="2"' in page and 'value="4"' in page
    assert participants() == 2  # nothing saved yet
    confirm_token = csrf_token(client, "/batches/roster/import")
    csv_text = page.split('name="csv_text" type="hidden" value="')[1].split('"')[0]
    import html

    response = client.post("/batches/roster/import/confirm", data={
        "csrf_token": confirm_token, "csv_text": html.unescape(csv_text), "partner_id": str(world.khulna.id),
        "batch_id": "0", "include": ["4"]})
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "3 people registered" in page and "1 possible duplicate was left out" in page
    names = db.session.scalars(select(Participant.name_key).where(Participant.partner_id == world.khulna.id)).all()
    assert sorted(names) == ["nasrin akter", "nasrin akter", "nasrin akter", "rahima khatun"]


# The world's Jashore participant (Shirin Akter, 1995, Jashore), then two identical invented rows:
# the upload stops at the duplicates page and the confirmation at the full batch, so nothing is
# ever saved and the same request can be sent twice.
PROBE = HEADER + ("Shirin Akter,woman,1995,Jashore,,yes,no\n"
                  "Nasrin Akter,woman,1991,Khulna,,yes,no\n"
                  "Nasrin Akter,woman,1991,Khulna,,yes,no\n")
# every form's token, in any attribute order, and the page's own for the offline script (time-signed)
TOKENS = re.compile(r'<input[^>]*name="csrf_token"[^>]*>|<meta name="edt-csrf"[^>]*>')


def _probe(client, world, batch, via):
    if via == "upload":
        response = upload(client, PROBE, partner_id=world.khulna.id, batch_id=batch.id)
    else:
        response = client.post("/batches/roster/import/confirm", data={
            "csrf_token": csrf_token(client, "/batches/roster/import"), "csv_text": PROBE,
            "partner_id": str(world.khulna.id), "batch_id": str(batch.id)})
    return response.status_code, TOKENS.sub("", response.get_data(as_text=True))


@pytest.mark.parametrize("via", ["upload", "confirm"])
def test_a_person_of_another_partner_gets_the_reply_of_an_invented_one(client, login, world, via):
    """A facilitator learns nothing about people outside their partner: the same file gets the same
    reply, byte for byte (but the CSRF token), whether another partner registered that person or
    nobody did."""
    full = make_batch(world.khulna, facilitators=[world.facilitator], capacity=1)
    enrol(full, [world.participant])
    login(world.facilitator)
    registered = _probe(client, world, full, via)
    participant_services.update(world.trainer, world.other_participant, full_name="Shirin Sultana",
                                gender="woman", birth_year=1995, district="Jashore", phone=None,
                                consent_data_use=True, consent_photos=False, consent_date=None)
    invented = _probe(client, world, full, via)
    assert registered == invented
    status, page = registered
    if via == "upload":  # the duplicates page, listing the two invented rows only
        assert status == 200 and 'id="include-4"' in page and 'id="include-2"' not in page
    else:  # Shirin and the first Nasrin count against the full batch: nobody set aside as "registered"
        assert status == 400 and "0 places left; the file has 2 people" in page
    assert world.other_participant.code not in registered[1] and "another partner" not in registered[1]
    assert participants() == 2


def test_master_trainers_see_likely_duplicates_across_the_programme(client, login, world):
    login(world.trainer)
    page = upload(client, HEADER + "Shirin Akter,woman,1995,Jashore,,yes,no\n",
                  partner_id=world.khulna.id).get_data(as_text=True)
    assert 'id="duplicates"' in page and world.other_participant.code in page
    assert participants() == 2


def test_every_roster_check_and_import_is_audited_with_counts_only(client, login, world):
    login(world.facilitator)
    upload(client, HEADER + "Bad Row,robot,19x0,Khulna,,yes,no\nGood Row,woman,1990,Khulna,,yes,no\n",
           partner_id=world.khulna.id)
    upload(client, HEADER + "Rahima Khatun,woman,1995,Khulna,,yes,no\nAmena Khatun,woman,1992,Khulna,,yes,no\n",
           partner_id=world.khulna.id)
    client.post("/batches/roster/import/confirm", data={
        "csrf_token": csrf_token(client, "/batches/roster/import"), "partner_id": str(world.khulna.id),
        "batch_id": "0", "csv_text": HEADER + "Amena Khatun,woman,1992,Khulna,,yes,no\n"})
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.action.in_(("roster_checked", "roster_imported")))
                                .order_by(AuditEvent.id)).all()
    assert [e.action for e in events] == ["roster_checked", "roster_checked", "roster_checked", "roster_imported"]
    assert all(e.actor_id == world.facilitator.id and e.target_id == str(world.khulna.id) for e in events)
    failed, flagged, confirmed, imported = (e.details for e in events)
    assert failed["rows"] == 2 and failed["errors"] == 2 and failed["fields"] == ["birth_year", "gender"]
    assert flagged["rows"] == 2 and flagged["errors"] == 0 and flagged["duplicates"] == 1
    assert confirmed["rows"] == 1 and confirmed["errors"] == 0 and confirmed["duplicates"] == 0
    assert imported["count"] == 1 and imported["skipped_duplicates"] == 0
    text = str([e.details for e in events])
    assert not any(word in text for word in ("Rahima", "Amena", "Khatun", "robot", "1992"))


def test_capacity_is_checked_before_anything_is_saved(client, login, world):
    batch = make_batch(world.khulna, facilitators=[world.facilitator], capacity=2)
    login(world.facilitator)
    text = HEADER + "".join(f"Person Number{n},woman,1990,Khulna,,yes,no\n" for n in range(3))
    response = upload(client, text, partner_id=world.khulna.id, batch_id=batch.id)
    assert response.status_code == 400 and "2 places left; the file has 3 people" in response.get_data(as_text=True)
    assert participants() == 2


def test_facilitators_import_only_for_their_partner_and_batches(client, login, world):
    batch_world(world)
    login(world.other_facilitator)
    text = HEADER + "Someone Else,woman,1990,Khulna,,yes,no\n"
    assert upload(client, text, partner_id=world.khulna.id).status_code == 400
    # Khulna's batch is not among the choices of a Jashore facilitator.
    assert upload(client, text, partner_id=world.jashore.id, batch_id=world.batch.id).status_code == 400
    assert participants() == 2


def test_import_form_without_a_file_asks_for_one(client, login, world):
    login(world.facilitator)
    response = client.post("/batches/roster/import", data={
        "csrf_token": csrf_token(client, "/batches/roster/import"), "partner_id": str(world.khulna.id),
        "batch_id": "0"})
    assert response.status_code == 400 and "Choose the CSV file" in response.get_data(as_text=True)


def test_semicolon_separated_files_from_other_spreadsheet_locales(client, login, world):
    login(world.trainer)
    text = HEADER.replace(",", ";") + "Salma Begum;woman;1985;Satkhira;;yes;yes\n"
    response = upload(client, text, partner_id=world.khulna.id)
    assert response.status_code == 200
    assert db.session.scalar(select(Participant.district).where(Participant.full_name == "Salma Begum")) == "Satkhira"


def test_import_does_not_reach_back_into_a_dropped_duplicate_check(client, login, world):
    """An existing participant's name differing only in spaces and case is still a duplicate."""
    make_participant(world.khulna, full_name="Morium  Nesa", birth_year=1993)
    login(world.facilitator)
    page = upload(client, HEADER + "morium nesa,woman,1993,Khulna,,yes,no\n",
                  partner_id=world.khulna.id).get_data(as_text=True)
    assert 'id="duplicates"' in page
