"""The paper side of attendance and the counter: the sign-in sheet in the batch's language with a
full batch on one A4 page, the day page "from the paper sheet" in the sheet's order with its
numbers, and a counter that says what Save will save."""
import io
import re

from flask_babel import force_locale
from flask_babel import gettext
from pypdf import PdfReader
from sqlalchemy import select

from edt.extensions import db
from edt.modules.attendance.models import AttendanceMark
from edt.modules.batches.models import Enrolment

from tests.attendance.test_attendance import read_form
from tests.factories import enrol, make_batch, make_participant

NAMES = ["Shirin Begum", "Amena Khatun", "রহিমা বেগম", "Beauty Akter", "Nasima Akter", "মুক্তা রানী"]


def batch_of(world, n, language="en"):
    batch = make_batch(world.khulna, facilitators=[world.facilitator], trainer=world.trainer, capacity=30)
    batch.language = language
    db.session.commit()
    people = [make_participant(world.khulna, world.trainer, full_name=f"{NAMES[i % len(NAMES)]} {i}")
              for i in range(n)]
    enrol(batch, people)
    return batch, people


def sheet(client, day):
    response = client.get(f"/attendance/days/{day.id}/sheet.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    return PdfReader(io.BytesIO(response.data))


def sheet_codes(reader) -> list[str]:
    text = "\n".join(page.extract_text() for page in reader.pages)
    return re.findall(r"KHU-\d{4}-\d{4}", text)


def test_a_batch_of_25_fits_one_a4_page_and_26_start_a_second(client, login, world):
    full, people = batch_of(world, 25)
    login(world.facilitator)
    reader = sheet(client, full.days[0])
    assert len(reader.pages) == 1
    assert sorted(sheet_codes(reader)) == sorted(p.code for p in people)
    bigger, _people = batch_of(world, 26)
    assert len(sheet(client, bigger.days[0]).pages) == 2


def test_the_sheet_is_written_in_the_batchs_language(app, client, login, world):
    english, _ = batch_of(world, 3, "en")
    bangla, _ = batch_of(world, 3, "bn")
    login(world.facilitator)  # the facilitator reads English
    reader = sheet(client, english.days[0])
    text = reader.pages[0].extract_text()
    month = english.days[0].date.strftime("%B")
    assert f"Day 1 · {english.days[0].date.strftime('%A')} {english.days[0].date.day} {month}" in text
    assert "Safe start" in text  # the day's title
    assert reader.metadata.title == f"Sign-in sheet {english.code} · Day 1"
    reader = sheet(client, bangla.days[0])
    with app.test_request_context(), force_locale("bn"):
        title = gettext("Sign-in sheet %(batch)s · Day %(n)d", batch=bangla.code, n=1)
    assert title != f"Sign-in sheet {bangla.code} · Day 1" and reader.metadata.title == title
    text = reader.pages[0].extract_text()
    assert month not in text and "Safe start" not in text and "Sign-in" not in text


def test_from_paper_the_day_page_follows_the_sheet_row_by_row(client, login, world):
    batch, people = batch_of(world, 27)
    day = batch.days[0]
    login(world.facilitator)
    codes = sheet_codes(sheet(client, day))
    page = client.get(f"/attendance/days/{day.id}?order=paper").get_data(as_text=True)
    rows = re.findall(r'<span class="sheet-no">(\d+)</span> <span class="who"[^>]*>[^<]*</span> <span class="code">([^<]+)',
                      page)
    assert [int(n) for n, _code in rows] == list(range(1, 28))
    assert [code for _n, code in rows] == codes  # the sheet's order, number for number
    assert page.index("Sheet page 2") < page.index(f'<span class="sheet-no">26</span>')
    assert 'class="roll-form paper"' in page and 'id="screen-order"' in page
    # The usual page links to it, and the sheet link sits next to it.
    usual = client.get(f"/attendance/days/{day.id}").get_data(as_text=True)
    assert f'href="/attendance/days/{day.id}?order=paper"' in usual and 'class="sheet-no"' not in usual
    # Copy the marks: row 2 absent, row 5 late, the rest present; Save keeps the paper order.
    form = read_form(page)
    ids = {e.participant.code: e.id for e in db.session.scalars(select(Enrolment).where(Enrolment.batch_id == batch.id))}
    for number, code in enumerate(codes, start=1):
        form[f"s-{ids[code]}"] = ["absent" if number == 2 else "late" if number == 5 else "present"]
    response = client.post(f"/attendance/days/{day.id}?order=paper", data=form)
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/attendance/days/{day.id}?order=paper")
    saved = {m.enrolment_id: m.status for m in db.session.scalars(select(AttendanceMark))}
    assert saved[ids[codes[1]]] == "absent" and saved[ids[codes[4]]] == "late"
    assert sum(1 for s in saved.values() if s == "present") == 25


def test_the_counter_says_what_save_will_save(client, login, world):
    batch, people = batch_of(world, 5)
    day = batch.days[0]
    login(world.facilitator)
    page = client.get(f"/attendance/days/{day.id}").get_data(as_text=True)
    tally = page.split('id="tally"')[1].split("</p>")[0]
    assert 'data-count="present">P 0<' in tally and "not marked: 5" in tally
    assert page.index('id="tally"') > page.index('id="attendance-form"')  # next to Save
    page = client.get(f"/attendance/days/{day.id}?all=present").get_data(as_text=True)
    tally = page.split('id="tally"')[1].split("</p>")[0]
    assert 'data-count="present">P 5<' in tally and "not marked: 0" in tally  # nothing saved yet
    note = re.search(r'<p class="flash prefill-note" id="prefill-note" role="status"[^>]*>([^<]*)</p>', page)
    assert note and note.group(1).startswith("Everyone not yet marked is set to Present")
    assert db.session.scalar(select(AttendanceMark)) is None
    plain = client.get(f"/attendance/days/{day.id}").get_data(as_text=True)
    assert re.search(r'id="prefill-note" role="status"[^>]*></p>', plain)  # an empty live region, for edt.js
