"""Tap to call: a phone number on a person's record and in the lists of people at risk is a tel:
link (digits and a leading + only), shown to staff who may open the record."""
from edt.extensions import db
from edt.modules.attendance import services

from tests.factories import enrol, make_batch, make_participant


def test_the_phone_on_a_record_is_a_tel_link(client, login, world):
    person = make_participant(world.khulna, world.trainer, full_name="Amena Khatun", phone="+8801712345678")
    bangla = make_participant(world.khulna, world.trainer, full_name="মুক্তা রানী", phone="০১৭১২৩৪৫৬৭৮")
    nobody = make_participant(world.khulna, world.trainer, full_name="Rupa Das")
    login(world.facilitator)
    page = client.get(f"/participants/{person.id}").get_data(as_text=True)
    assert '<dd id="participant-phone"><a href="tel:+8801712345678">+8801712345678</a></dd>' in page
    page = client.get(f"/participants/{bangla.id}").get_data(as_text=True)
    assert '<a href="tel:01712345678">০১৭১২৩৪৫৬৭৮</a>' in page
    page = client.get(f"/participants/{nobody.id}").get_data(as_text=True)
    assert '<dd id="participant-phone">—</dd>' in page and "tel:" not in page
    login(world.other_facilitator)
    assert client.get(f"/participants/{person.id}").status_code == 404


def test_people_at_risk_show_their_name_and_a_call_link(client, login, world):
    batch = make_batch(world.khulna, facilitators=[world.facilitator], trainer=world.trainer)
    risky = make_participant(world.khulna, world.trainer, full_name="Laily Begum", phone="01712000111")
    quiet = make_participant(world.khulna, world.trainer, full_name="Halima Begum")
    enrolments = enrol(batch, [risky, quiet])
    for day in batch.days[:2]:
        services.save_day(world.facilitator, day, [services.Entry(e.id, "absent") for e in enrolments])
    db.session.expire_all()
    login(world.facilitator)
    for url in ("/", f"/attendance/batches/{batch.id}"):
        page = client.get(url).get_data(as_text=True)
        section = page.split('id="at-risk"')[1].split("</section>")[0]
        assert "Laily Begum" in section and risky.code in section and "Halima Begum" in section, url
        assert '<a href="tel:01712000111" class="call">Call 01712000111</a>' in section, url
        assert section.count("tel:") == 1, url
    login(world.other_facilitator)
    assert "Laily Begum" not in client.get("/").get_data(as_text=True)
