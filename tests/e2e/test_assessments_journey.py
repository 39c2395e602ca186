"""A facilitator records a Day 1 test given aloud to a group of five, on a 360x740 phone, in
Bangla, with JavaScript off: one tap per answer, the next person comes up by itself. The taps
are counted (the figure in the README)."""
from sqlalchemy import select

from edt.extensions import db
from edt.instruments import instruments
from edt.modules.assessments import queries
from edt.modules.assessments.models import Answer

from ..factories import PASSWORD, enrol, make_batch, make_participant
from .conftest import screenshot, staff_login


def test_an_oral_test_for_five_people_one_tap_per_answer(server, browser, world):
    batch = make_batch(world.khulna, facilitators=[world.facilitator], trainer=world.trainer)
    enrol(batch, [make_participant(world.khulna, world.trainer) for _ in range(10)])
    takers = sorted((p for p in queries.batch_people(batch) if p.form_for("pre") == "A"),
                    key=lambda p: p.participant.code)
    assert len(takers) == 5
    form = instruments().forms["A"]
    context = browser.new_context(viewport={"width": 360, "height": 740}, java_script_enabled=False)
    phone = context.new_page()
    try:
        staff_login(phone, server, "fac", PASSWORD)
        with phone.expect_navigation():
            phone.click("footer button[value=bn]")
        phone.goto(f"{server}/assessments/batches/{batch.id}")
        assert "প্রথম দিনের যাচাই" in phone.content()
        taps = 1
        with phone.expect_navigation():
            phone.click("#record-pre-A")  # everyone taking form A
        expected = {}
        for n, item in enumerate(form.items):
            for k, person in enumerate(takers):
                assert person.participant.code in phone.locator("#person").inner_text()
                assert item.question_bn in phone.locator("h1").inner_text()
                if n == 0 and k == 0:
                    screenshot(phone, "assessment-record.png")
                buttons = phone.locator("#answers button[name=answer]")
                if item.type == "number":
                    phone.fill("#number", str(item.answer) if k % 2 == 0 else "১২")
                    target = phone.locator("#answers button.primary")
                    expected[(person.participant.id, item.id)] = str(item.answer) if k % 2 == 0 else "12"
                else:
                    target = buttons.nth((n + k) % buttons.count())
                    expected[(person.participant.id, item.id)] = target.get_attribute("value")
                with phone.expect_navigation():
                    target.click()
                taps += 1
        assert "এই দলের সব উত্তর লেখা হয়ে গেছে" in phone.content()
    finally:
        context.close()
    answers = db.session.scalars(select(Answer).where(Answer.is_current)).all()
    assert {(a.sitting.participant_id, a.item_id): a.response for a in answers} == expected
    answers_count = len(form.items) * len(takers)
    assert taps == 1 + answers_count  # one tap to start, then exactly one per answer
    per_person = (taps - 1) / len(takers)
    assert per_person == len(form.items)
    print(f"taps: {taps} for {answers_count} answers, 1 per answer, {per_person:.0f} per person "
          f"(+1 to start the group)")
