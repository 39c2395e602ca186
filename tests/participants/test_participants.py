"""Participants' full record: register, view, correct, search; names only where needed."""
import pytest
from sqlalchemy import func, select

from edt.audit import AuditEvent
from edt.extensions import db
from edt.modules.participants import services as participant_services
from edt.modules.participants.models import Participant
from edt.modules.privacy import services as privacy

from tests.conftest import csrf_token
from tests.factories import batch_world, make_participant

FORM = {"full_name": "  Parvin   Akter ", "gender": "woman", "birth_year": "1993", "district": "Khulna",
        "phone": "017 1234 5678", "consent_data_use": "y", "consent_photos": ""}


def fresh(ident):
    db.session.expire_all()
    return db.session.get(Participant, ident)


def test_facilitator_registers_a_participant_of_their_partner(client, login, world):
    login(world.facilitator)
    url = "/participants/new"
    page = client.get(url).get_data(as_text=True)
    assert "Khulna Partner" in page and "Jashore Partner" not in page
    response = client.post(url, data={**FORM, "partner_id": world.khulna.id, "csrf_token": csrf_token(client, url)})
    assert response.status_code == 302
    person = db.session.scalar(select(Participant).where(Participant.name_key == "parvin akter"))
    assert response.headers["Location"] == f"/participants/{person.id}"
    assert person.full_name == "Parvin Akter" and person.phone == "01712345678" and person.birth_year == 1993
    assert person.consent_data_use and not person.consent_photos and person.consent_date is not None
    assert person.code.startswith("KHU-") and not person.has_pin  # no PIN given: login stays closed


def test_registration_with_a_pin_opens_the_login(client, login, world):
    login(world.trainer)
    url = "/participants/new"
    response = client.post(url, data={**FORM, "partner_id": world.jashore.id, "district": "Jashore", "pin": "739164",
                                      "csrf_token": csrf_token(client, url)})
    assert response.status_code == 302
    person = db.session.scalar(select(Participant).where(Participant.name_key == "parvin akter"))
    assert person.partner_id == world.jashore.id and person.code.startswith("JAS-") and person.has_pin


def test_bad_registration_input_is_explained_and_nothing_saved(client, login, world):
    login(world.facilitator)
    url = "/participants/new"
    token = csrf_token(client, url)
    cases = [
        ({"consent_data_use": ""}, "We keep a record only with the person"),
        ({"full_name": ""}, "Write the participant"),
        ({"birth_year": "1850"}, "Write a year like 1994"),
        ({"phone": "call me"}, "digits only"),
        ({"gender": "robot"}, "Not a valid choice"),
        ({"pin": "123456"}, "too easy to guess"),
        ({"partner_id": world.jashore.id}, "Not a valid choice"),
    ]
    for change, message in cases:
        data = {**FORM, "partner_id": world.khulna.id, "csrf_token": token, **change}
        response = client.post(url, data=data)
        assert response.status_code == 400, change
        assert message in response.get_data(as_text=True), message
    assert db.session.scalar(select(func.count()).select_from(Participant)) == 2


def test_detail_shows_the_record_and_is_audited(client, login, world):
    batch_world(world)
    login(world.facilitator)
    page = client.get(f"/participants/{world.participant.id}").get_data(as_text=True)
    assert "Rahima Khatun" in page and world.participant.code in page and world.batch.code in page
    event_row = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "participant_viewed"))
    assert event_row.actor_id == world.facilitator.id and event_row.target_id == str(world.participant.id)


def test_edit_corrects_the_record_and_audits_field_names_only(client, login, world):
    login(world.facilitator)
    url = f"/participants/{world.participant.id}/edit"
    token = csrf_token(client, url)
    response = client.post(url, data={"csrf_token": token, "full_name": "Rahima Khatun Mim", "gender": "woman",
                                      "birth_year": "1995", "district": "Satkhira", "phone": "",
                                      "consent_data_use": "y", "consent_photos": "y"})
    assert response.status_code == 302
    person = fresh(world.participant.id)
    assert person.full_name == "Rahima Khatun Mim" and person.name_key == "rahima khatun mim"
    assert person.district == "Satkhira" and person.consent_photos
    event_row = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "participant_updated"))
    assert set(event_row.details["fields"]) == {"full_name", "district", "consent_photos"}
    assert "Mim" not in str(event_row.details)
    bad = client.post(url, data={"csrf_token": token, "full_name": "", "gender": "woman", "district": "Khulna"})
    assert bad.status_code == 400 and fresh(world.participant.id).full_name == "Rahima Khatun Mim"


def test_lists_show_codes_and_search_finds_by_name_or_code(client, login, world):
    make_participant(world.khulna, full_name="সালমা খাতুন")
    login(world.facilitator)
    page = client.get("/participants/").get_data(as_text=True)
    assert world.participant.code in page and "Rahima Khatun" not in page
    assert world.other_participant.code not in page  # another partner's people
    found = client.get("/participants/?q=rahima").get_data(as_text=True)
    assert world.participant.code in found and "1 participant" in found
    bangla = client.get("/participants/?q=সালমা").get_data(as_text=True)
    assert "1 participant" in bangla
    by_code = client.get(f"/participants/?q={world.participant.code.lower()}").get_data(as_text=True)
    assert world.participant.code in by_code


def test_lists_count_up_to_the_cap_and_still_page_through_the_rows(client, login, world, monkeypatch):
    from edt.modules.participants import queries
    monkeypatch.setattr(queries, "SEARCH_COUNT_CAP", 3)
    codes = sorted(make_participant(world.khulna, full_name=f"Nasima Akter {n}").code for n in range(5))
    login(world.facilitator)
    first = client.get("/participants/?q=nasima").get_data(as_text=True)
    assert "More than 3 participants match" in first and "5 participants" not in first
    assert all(code in first for code in codes)  # one page of 50 shows every match the cap allows
    plain = client.get("/participants/").get_data(as_text=True)  # the whole list counts to the cap too
    assert "More than 3 participants. Search by code or name" in plain
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "participants_searched")).one()
    assert event.details == {"fields": ["q"], "results": 3, "more": True}
    beyond = client.get("/participants/?q=nasima&page=9")  # past the last page: the last page
    assert beyond.status_code == 200 and codes[0] in beyond.get_data(as_text=True)
    monkeypatch.setattr(queries, "SEARCH_COUNT_CAP", 1000)  # under the cap: the exact count
    assert "5 participants" in client.get("/participants/?q=nasima").get_data(as_text=True)


def test_participant_list_loads_in_a_fixed_number_of_queries(count_queries, login, world):
    login(world.trainer)
    for _ in range(3):
        make_participant(world.khulna, world.trainer)
    small = count_queries("/participants/")
    for _ in range(45):
        make_participant(world.khulna, world.trainer)
    assert count_queries("/participants/") == small


def test_participants_cannot_open_staff_pages_of_their_own_record(client, login, world):
    login(world.participant.user)
    assert client.get(f"/participants/{world.participant.id}").status_code == 403
    assert client.get("/participants/new").status_code == 403


def test_a_name_search_is_audited_without_its_words(client, login, world):
    login(world.facilitator)
    client.get("/participants/")  # the plain list is not a search
    client.get("/participants/?q=rahima")
    client.get("/participants/?q=nobody+of+that+name")
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "participants_searched")
                                .order_by(AuditEvent.id)).all()
    assert [e.details for e in events] == [{"fields": ["q"], "results": 1}, {"fields": ["q"], "results": 0}]
    assert all(e.actor_id == world.facilitator.id for e in events)
    assert "rahima" not in str([(e.details, e.target_id) for e in events]).lower()


def test_no_pin_can_be_set_for_an_erased_participant(client, login, world):
    person = world.participant
    privacy.erase(world.trainer, person)
    before = fresh(person.id).user.password_hash, fresh(person.id).user.session_version
    for user in (world.facilitator, world.trainer):
        login(user)
        url = f"/participants/{person.id}/pin"
        shown = client.get(url).get_data(as_text=True)
        assert 'id="login-closed"' in shown and 'name="pin"' not in shown
        response = client.post(url, data={"pin": "739164", "csrf_token": csrf_token(client, "/")})
        assert response.status_code == 400 and "no PIN can be set" in response.get_data(as_text=True)
        detail = client.get(f"/participants/{person.id}").get_data(as_text=True)
        assert 'id="set-pin"' not in detail
    after = fresh(person.id).user
    assert (after.password_hash, after.session_version) == before and not after.is_enabled
    with pytest.raises(participant_services.ParticipantError):
        participant_services.set_pin(world.trainer, fresh(person.id), "739164")
    assert not db.session.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "pin_set"))
