"""Code cards: a facilitator prints one A7 card per participant of a batch (eight to an A4 page)
with the code, the login address and a QR code of the login with the code filled in, never the
PIN, in the batch's language, with no word that tells what the training is for."""
import io
import re
import subprocess

import numpy
import zxingcpp
from PIL import Image
from pypdf import PdfReader

from edt import sessions
from edt.extensions import db

from tests.conftest import csrf_token
from tests.factories import PIN, enrol, make_batch, make_participant

BANNED = ("traffick", "survivor", "victim", "rescue", "exploit", "counter", "entrepreneur", "উদ্যোক্তা",
          "পাচার", "training", "প্রশিক্ষণ")


def _batch_of(world, count, language="bn"):
    batch = make_batch(world.khulna, facilitators=[world.facilitator], trainer=world.trainer, language=language)
    people = [make_participant(world.khulna, world.trainer, full_name=f"Person {i}") for i in range(count)]
    enrol(batch, people)
    return batch, people


def _qr_codes(data: bytes, tmp_path) -> list[list[str]]:
    """Every QR code on every page, decoded from the page rendered at 150 dpi."""
    pdf = tmp_path / "cards.pdf"
    pdf.write_bytes(data)
    subprocess.run(["pdftoppm", "-r", "150", "-gray", "-png", str(pdf), str(tmp_path / "page")], check=True)
    pages = []
    for png in sorted(tmp_path.glob("page-*.png")):
        image = numpy.array(Image.open(png).convert("L"))
        pages.append(sorted(r.text for r in zxingcpp.read_barcodes(image)))
    return pages


def test_the_cards_carry_code_address_and_a_qr_of_the_prefilled_login_in_bangla(app, client, login, world, tmp_path):
    batch, people = _batch_of(world, 10)
    login(world.facilitator)
    response = client.get(f"/batches/{batch.id}/code-cards.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    data = response.get_data()
    reader = PdfReader(io.BytesIO(data))
    assert len(reader.pages) == 2  # eight to a page
    assert round(float(reader.pages[0].mediabox.width)) == 595  # A4 portrait
    text = "\n".join(page.extract_text() for page in reader.pages)
    codes = sorted(p.code for p in people)
    for code in codes:
        assert code in text  # Latin, as typed at login
    address = f"{app.config['PUBLIC_URL']}/accounts/login/participant"
    assert text.count(address) == 10
    assert re.search(r"[\u0980-\u09FF]", text) and "Your code" not in text  # the batch's language: Bangla
    for word in BANNED:
        assert word not in text.lower(), word
    assert PIN not in text and "Person" not in text  # never the PIN, never a name
    meta = " ".join(str(v) for v in (reader.metadata or {}).values())
    assert batch.code in meta and "Person" not in meta
    found = _qr_codes(data, tmp_path)
    assert [len(page) for page in found] == [8, 2]
    assert sorted(sum(found, [])) == sorted(f"{address}?code={code}" for code in codes)


def test_an_english_batch_gets_english_cards(client, login, world):
    batch, _ = _batch_of(world, 1, language="en")
    login(world.trainer)
    text = PdfReader(io.BytesIO(client.get(f"/batches/{batch.id}/code-cards.pdf").get_data())).pages[0].extract_text()
    assert "Your code" in text and "Never write your PIN on this card." in " ".join(text.split())


def test_the_qr_link_opens_the_login_with_the_code_filled_in_and_logs_in_with_the_pin(app, world):
    batch, people = _batch_of(world, 1)
    phone = app.test_client()
    phone.delete_cookie(sessions.LANGUAGE_COOKIE)
    url = f"/accounts/login/participant?code={people[0].code}"
    page = phone.get(url).get_data(as_text=True)
    assert f'value="{people[0].code}"' in page and '<html lang="bn">' in page
    response = phone.post("/accounts/login/participant",
                          data={"code": people[0].code, "pin": PIN, "csrf_token": csrf_token(phone, url)})
    assert response.status_code == 302
    assert '<html lang="bn">' in phone.get("/").get_data(as_text=True)  # a Bangla batch: Bangla pages


def test_the_import_result_and_the_batch_page_link_to_the_cards(client, login, world):
    from tests.batches.test_batches_roster import HEADER, upload
    batch, _ = _batch_of(world, 1)
    login(world.facilitator)
    page = upload(client, HEADER + "Karim Uddin,m,,,,y,n\n", partner_id=world.khulna.id,
                  batch_id=batch.id).get_data(as_text=True)
    assert "1 person registered" in page and f'href="/batches/{batch.id}/code-cards.pdf"' in page
    page = client.get(f"/batches/{batch.id}").get_data(as_text=True)
    assert f'href="/batches/{batch.id}/code-cards.pdf"' in page


def test_only_active_participants_get_a_card(client, login, world):
    from edt.clock import today
    from edt.modules.batches import services
    from edt.modules.batches.models import Enrolment
    from sqlalchemy import select
    batch, people = _batch_of(world, 3)
    gone = db.session.scalar(select(Enrolment).where(Enrolment.participant_id == people[0].id))
    services.drop_out(world.facilitator, gone, on=today(), reason="other")
    login(world.facilitator)
    text = PdfReader(io.BytesIO(client.get(f"/batches/{batch.id}/code-cards.pdf").get_data())).pages[0].extract_text()
    assert people[0].code not in text and people[1].code in text and people[2].code in text
