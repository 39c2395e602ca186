"""The review queue: canvases sent for review, per batch, the longest waiting first; the staff home
says how many wait; a decision can open the next one; a refused review comes back with its error
in view; nothing of another partner's people ever shows."""
import re
from datetime import timedelta

from sqlalchemy import select

from edt.clock import utcnow
from edt.extensions import db
from edt.modules.canvas.models import Canvas, CanvasComment, CanvasStatus

from tests.conftest import csrf_token
from tests.factories import enrol, make_batch, make_canvas, make_participant


def waiting_batch(world, names, *, partner=None, facilitator=None):
    """A batch with one canvas sent for review per name, the first name's sent longest ago."""
    partner, facilitator = partner or world.khulna, facilitator or world.facilitator
    batch = make_batch(partner, facilitators=[facilitator], trainer=world.trainer, capacity=60)
    people = [make_participant(partner, world.trainer, full_name=name) for name in names]
    enrol(batch, people)
    now = utcnow()
    for hours, person in zip(range(len(people) * 2, 0, -2), people):
        canvas = make_canvas(person, items={"channels": ["From my home"]}, status="submitted")
        canvas.status_at = now - timedelta(hours=hours)
    db.session.commit()
    return batch, people


def status_of(person):
    db.session.expire_all()
    return db.session.scalar(select(Canvas.status).where(Canvas.participant_id == person.id))


def review(client, person, decision, body="", then="stay"):
    canvas = db.session.scalar(select(Canvas).where(Canvas.participant_id == person.id))
    return client.post(f"/canvas/{person.id}/review", data={
        "decision": decision, "body": body, "block": "", "base": canvas.revision, "then": then,
        "csrf_token": csrf_token(client, "/")})


def test_the_queue_lists_a_batchs_waiting_canvases_oldest_first_with_names(client, login, world):
    batch, people = waiting_batch(world, ["Amena Khatun", "রহিমা বেগম", "Nasima Akter"])
    draft = make_participant(world.khulna, world.trainer, full_name="Draft Person")
    enrol(batch, [draft])
    make_canvas(draft, items={"channels": ["Market"]})  # a draft waits for nobody
    login(world.facilitator)
    page = client.get(f"/canvas/queue/{batch.id}").get_data(as_text=True)
    queue = page.split('id="queue"')[1].split("</ol>")[0]
    positions = [queue.index(p.full_name) for p in people]
    assert positions == sorted(positions)  # the longest waiting first
    assert all(p.code in queue for p in people) and "Draft Person" not in queue
    assert f'href="/canvas/{people[0].id}"' in page.split('id="review-first"')[1][:200]
    # "Start reviewing" on the home page opens the longest waiting one
    response = client.get(f"/canvas/queue/{batch.id}?open=first")
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/canvas/{people[0].id}")


def test_the_staff_home_says_how_many_canvases_wait_and_where(client, login, world):
    batch, _people = waiting_batch(world, ["Amena Khatun", "Nasima Akter", "Rupa Das"])
    login(world.facilitator)
    page = client.get("/").get_data(as_text=True)
    section = page.split('id="review-waiting"')[1].split("</section>")[0]
    assert "3 canvases waiting for review" in section and batch.code in section
    assert f'href="/canvas/queue/{batch.id}?open=first"' in section


def test_a_facilitator_never_sees_another_partners_canvases_in_the_queue(client, login, world):
    khulna, khulna_people = waiting_batch(world, ["Amena Khatun", "Nasima Akter"])
    jashore, jashore_people = waiting_batch(world, ["Shirin Parvin"], partner=world.jashore,
                                            facilitator=world.other_facilitator)
    login(world.other_facilitator)
    home = client.get("/").get_data(as_text=True)
    assert "1 canvas waiting for review" in home and khulna.code not in home
    assert client.get(f"/canvas/queue/{khulna.id}").status_code == 404
    assert client.get(f"/canvas/queue/{khulna.id}?open=first").status_code == 404
    assert client.get(f"/canvas/?batch={khulna.id}").status_code == 404
    own = client.get(f"/canvas/queue/{jashore.id}").get_data(as_text=True)
    assert "Shirin Parvin" in own and not any(p.full_name in own or p.code in own for p in khulna_people)
    # A Khulna facilitator put on the Jashore batch reaches nothing of it (the one batch rule).
    db.session.execute(jashore.__table__.metadata.tables["batch_facilitator"].insert().values(
        batch_id=jashore.id, user_id=world.facilitator.id))
    db.session.commit()
    login(world.facilitator)
    home = client.get("/").get_data(as_text=True)
    assert "2 canvases waiting for review" in home and jashore.code not in home
    assert client.get(f"/canvas/queue/{jashore.id}").status_code == 404
    # A master trainer sees both batches' queues.
    login(world.trainer)
    home = client.get("/").get_data(as_text=True)
    assert "3 canvases waiting for review" in home and khulna.code in home and jashore.code in home
    assert all(p.code in client.get(f"/canvas/queue/{jashore.id}").get_data(as_text=True) for p in jashore_people)


def test_save_and_open_the_next_one_lands_on_the_next_waiting_canvas(client, login, world):
    batch, (first, second, third) = waiting_batch(world, ["Amena Khatun", "Nasima Akter", "Rupa Das"])
    login(world.facilitator)
    page = client.get(f"/canvas/{first.id}").get_data(as_text=True)
    assert 'id="review-next"' in page and "2 more waiting in " + batch.code in page
    response = review(client, first, "approve", then="next")
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/canvas/{second.id}#canvas-title")
    assert status_of(first) == CanvasStatus.APPROVED
    response = review(client, second, "changes", "Add your prices, please.", then="next")
    assert response.headers["Location"].endswith(f"/canvas/{third.id}#canvas-title")
    assert status_of(second) == CanvasStatus.CHANGES_REQUESTED
    page = client.get(f"/canvas/{third.id}").get_data(as_text=True)
    assert 'id="review-next"' not in page and 'value="next" id="review-button"' in page  # the last one
    response = review(client, third, "approve", then="next")
    assert response.headers["Location"].endswith(f"/canvas/queue/{batch.id}#main")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert f"No more canvases are waiting for review in {batch.code}." in page and 'id="queue-empty"' in page
    # "Save the review" alone stays on the canvas.
    other = make_participant(world.khulna, world.trainer, full_name="Laily Begum")
    enrol(batch, [other])
    make_canvas(other, items={"channels": ["Market"]}, status="submitted")
    response = review(client, other, "approve")
    assert response.headers["Location"].endswith(f"/canvas/{other.id}#canvas-title")


def test_asking_for_changes_without_a_comment_comes_back_at_the_comment_field(client, login, world):
    batch, (person, _next) = waiting_batch(world, ["Amena Khatun", "Nasima Akter"])
    login(world.facilitator)
    page = client.get(f"/canvas/{person.id}").get_data(as_text=True)
    assert f'action="/canvas/{person.id}/review#review"' in page  # the browser lands on the form
    response = review(client, person, "changes", "   ", then="next")
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert 'id="review"' not in page  # the fragment finds nothing: the browser honours autofocus
    form = page.split('id="review-title"')[1].split("</form>")[0]
    body = re.search(r"<textarea[^>]*name=\"body\"[^>]*>", form).group(0)
    assert "autofocus" in body and 'aria-invalid="true"' in body and 'aria-describedby="body-err"' in body
    assert '<p class="error" id="body-err">Write what to change, so the participant knows what to do.</p>' in form
    assert form.count("autofocus") == 1
    assert status_of(person) == CanvasStatus.SUBMITTED  # nothing changed
    assert db.session.scalar(select(CanvasComment).where(CanvasComment.body.like("%"))) is None
    # No decision at all: the first choice is focused, the message next to the choices.
    page = review(client, person, "").get_data(as_text=True)
    form = page.split('id="review-title"')[1].split("</form>")[0]
    first_choice = re.search(r'<input[^>]*name="decision"[^>]*>', form).group(0)
    assert "autofocus" in first_choice and 'id="decision-err"' in form and form.count("autofocus") == 1


def test_the_canvas_list_filters_by_batch_and_then_shows_names(client, login, world):
    batch, people = waiting_batch(world, ["Amena Khatun", "Nasima Akter"])
    other_batch, others = waiting_batch(world, ["Rupa Das"])
    login(world.facilitator)
    everything = client.get("/canvas/").get_data(as_text=True)
    assert all(p.code in everything for p in people + others)
    assert "Amena Khatun" not in everything  # the list of every batch: codes only
    assert f'<option value="{batch.id}">{batch.code}</option>' in everything
    one = client.get(f"/canvas/?batch={batch.id}").get_data(as_text=True)
    table = one.split("<tbody>")[1]
    assert all(p.code in table and p.full_name in table for p in people) and others[0].code not in table
    assert f'href="/canvas/queue/{batch.id}"' in one
    assert f'href="/canvas/?status=submitted&amp;batch={batch.id}"' in one  # the status filter keeps the batch


def test_the_queue_and_the_home_page_take_the_same_queries_for_3_and_30_canvases(count_queries, login, world):
    small, _ = waiting_batch(world, [f"Small {n}" for n in range(3)])
    large, _ = waiting_batch(world, [f"Large {n}" for n in range(30)])
    login(world.facilitator)
    assert count_queries(f"/canvas/queue/{small.id}") == count_queries(f"/canvas/queue/{large.id}")
    home = count_queries("/")
    assert "33 canvases waiting for review" in count_queries.html
    waiting_batch(world, [f"More {n}" for n in range(30)])
    assert count_queries("/") == home
    assert count_queries(f"/canvas/?batch={small.id}") == count_queries(f"/canvas/?batch={large.id}")
