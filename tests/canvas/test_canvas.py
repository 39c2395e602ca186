"""The Business Model Canvas: notes per block without JavaScript, statuses, comments, revisions,
saves that never silently overwrite each other, scoped access and a fixed number of queries."""

import pytest
from sqlalchemy import func, select

from edt.audit import AuditEvent
from edt.content import CANVAS_BLOCKS
from edt.extensions import db
from edt.modules.accounts.models import User
from edt.modules.canvas import queries, services
from edt.modules.canvas.models import Canvas, CanvasComment, CanvasRevision

from tests.conftest import csrf_token
from tests.factories import batch_world, enrol, make_batch, make_canvas, make_participant, make_plan


def canvas_of(participant):
    db.session.expire_all()
    return db.session.scalar(select(Canvas).where(Canvas.participant_id == participant.id))


def base_of(participant) -> int:
    canvas = canvas_of(participant)
    return canvas.revision if canvas else 0


def post(client, url, data):
    return client.post(url, data={**data, "csrf_token": csrf_token(client, "/")})


def url(participant, tail=""):
    return f"/canvas/{participant.id}{tail}"


def add(client, participant, block, text, base=None):
    return post(client, url(participant, f"/block/{block}/add"),
                {"text": text, "base": base_of(participant) if base is None else base})


# --- the page ----------------------------------------------------------------------------------

def test_participant_sees_nine_blocks_with_questions_icons_and_day_links(client, login, world):
    login(world.participant.user)
    page = client.get(url(world.participant))
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    for key, (label, question) in CANVAS_BLOCKS.items():
        assert f'id="canvas-{key.replace("_", "-")}"' in html
        assert str(label) in html and str(question).replace("'", "&#39;") in html
        assert f'href="#i-{key}"' in html  # the block's icon
        assert f'id="add-{key}"' in html  # an add box per block, no JavaScript needed
    # The day that teaches the value proposition links to its anchor on the curriculum page.
    assert 'href="/curriculum/day/2#canvas-value-propositions"' in html
    assert "Strategyzer AG" in html and "CC BY-SA 3.0" in html


def test_canvas_index_sends_a_participant_to_their_own_canvas(client, login, world):
    login(world.participant.user)
    response = client.get("/canvas/")
    assert response.status_code == 302 and response.headers["Location"].endswith(url(world.participant))


def test_add_edit_move_and_remove_notes_with_plain_forms(client, login, world):
    p = world.participant
    login(p.user)
    for text in ("Women in my lane", "Garment workers", "School uniforms for children"):
        assert add(client, p, "customer_segments", text).status_code == 302
    assert canvas_of(p).items("customer_segments") == ["Women in my lane", "Garment workers",
                                                       "School uniforms for children"]
    # Move the last one up, then remove the first.
    change = url(p, "/block/customer_segments/items")
    assert post(client, change, {"op": "up-2", "base": base_of(p)}).status_code == 302
    assert canvas_of(p).items("customer_segments")[1] == "School uniforms for children"
    assert post(client, change, {"op": "remove-0", "base": base_of(p)}).status_code == 302
    assert canvas_of(p).items("customer_segments") == ["School uniforms for children", "Garment workers"]
    # The block's edit page changes all notes at once; an emptied box removes its note.
    edit = url(p, "/block/customer_segments")
    form = client.get(edit).get_data(as_text=True)
    assert 'name="items-0"' in form and 'value="School uniforms for children"' in form
    response = post(client, edit, {"items-0": "  School   uniforms ", "items-1": "", "items-2": "Teachers",
                                   "base": base_of(p)})
    assert response.status_code == 302
    canvas = canvas_of(p)
    assert canvas.items("customer_segments") == ["School uniforms", "Teachers"]
    assert canvas.revision == 6
    authors = set(db.session.scalars(select(CanvasRevision.author_id).where(CanvasRevision.canvas_id == canvas.id)))
    assert authors == {p.user.id}


def test_facilitator_writes_on_behalf_and_the_save_records_who_wrote_it(client, login, world):
    batch_world(world)  # world.participant is in world.facilitator's batch
    p = world.participant
    login(world.facilitator)
    assert add(client, p, "key_partners", "Fabric wholesaler in Boro Bazar").status_code == 302
    canvas = canvas_of(p)
    revision = db.session.scalar(select(CanvasRevision).where(CanvasRevision.canvas_id == canvas.id))
    assert revision.author_id == world.facilitator.id and revision.changed == ["key_partners"]
    assert canvas.updated_by_id == world.facilitator.id
    login(p.user)  # the participant sees who wrote on her canvas
    history = client.get(url(p, "/history")).get_data(as_text=True)
    assert "Staff Person" in history and "Key partners" in history and "Fabric wholesaler in Boro Bazar" in history


def test_bad_input_is_refused_in_plain_words_and_nothing_changes(client, login, world):
    p = world.participant
    login(p.user)
    empty = add(client, p, "channels", "   ")
    assert empty.status_code == 400 and "Write a few words first." in empty.get_data(as_text=True)
    long = add(client, p, "channels", "x" * 201)
    assert long.status_code == 400
    assert post(client, url(p, "/block/nowhere/add"), {"text": "hi", "base": 0}).status_code == 404
    assert post(client, url(p, "/block/channels/add"), {"text": "hi", "base": "abc"}).status_code == 400
    assert post(client, url(p, "/block/channels/items"), {"op": "explode-1", "base": 0}).status_code == 400
    assert canvas_of(p).revision == 0 and canvas_of(p).item_count == 0


def test_user_text_is_escaped(client, login, world):
    p = world.participant
    login(p.user)
    add(client, p, "value_propositions", '<img src=x onerror=alert(1)> "Tailoring"')
    post(client, url(p, "/name"), {"business_name": "<b>Rahima</b> Tailors", "base": base_of(p)})
    html = client.get(url(p)).get_data(as_text=True)
    assert "<img src=x" not in html and "&lt;img src=x onerror=alert(1)&gt;" in html
    assert "<b>Rahima</b>" not in html and "&lt;b&gt;Rahima&lt;/b&gt; Tailors" in html


# --- statuses and comments ---------------------------------------------------------------------

def test_submit_comment_request_changes_answer_resubmit_approve_freeze_reopen(client, login, world, app):
    batch_world(world)  # world.participant is in world.facilitator's batch
    p = world.participant
    login(p.user)
    refused = post(client, url(p, "/submit"), {"base": 0})
    assert refused.status_code == 302 and canvas_of(p).status == "draft"  # an empty canvas is not sent
    for block, text in (("value_propositions", "Well-fitting school uniforms"), ("customer_segments", "Parents"),
                        ("channels", "From my home, and at the school gate")):
        add(client, p, block, text)
    assert post(client, url(p, "/submit"), {"base": base_of(p)}).status_code == 302
    assert canvas_of(p).status == "submitted"
    # A participant cannot start a thread, only answer one; nor review.
    assert post(client, url(p, "/comments"), {"block": "channels", "body": "Hello"}).status_code == 400
    assert post(client, url(p, "/review"), {"decision": "approve", "base": base_of(p)}).status_code == 403
    login(world.facilitator)
    early = post(client, url(p, "/review"), {"decision": "approve", "base": base_of(p) - 1})
    assert early.status_code == 400 and "changed since you opened it" in early.get_data(as_text=True)
    login(p.user)

    login(world.facilitator)
    page = client.get(url(p)).get_data(as_text=True)
    assert "Rahima Khatun" in page and 'id="review"' in page  # the review needs the name
    assert post(client, url(p, "/review"), {"decision": "changes", "body": "", "base": base_of(p)}).status_code == 400
    assert canvas_of(p).status == "submitted"
    assert post(client, url(p, "/review"), {"decision": "changes", "block": "channels",
                                            "body": "Which days at the gate?", "base": base_of(p)}).status_code == 302
    assert canvas_of(p).status == "changes_requested"

    login(p.user)
    page = client.get(url(p)).get_data(as_text=True)
    assert "Which days at the gate?" in page and "Changes asked" in page
    assert post(client, url(p, "/comments"), {"block": "channels", "body": "Sunday to Thursday"}).status_code == 302
    add(client, p, "channels", "School gate, Sunday to Thursday")
    assert canvas_of(p).status == "changes_requested"
    assert post(client, url(p, "/submit"), {"base": base_of(p)}).status_code == 302

    login(world.facilitator)
    thread = client.get(url(p)).get_data(as_text=True)
    assert "Sunday to Thursday" in thread and "Which days at the gate?" in thread
    assert post(client, url(p, "/review"), {"decision": "approve", "body": "Well done.", "base": base_of(p)}
                ).status_code == 302
    assert canvas_of(p).status == "approved"

    # Approved: frozen for everyone until a facilitator reopens it.
    login(p.user)
    revision = base_of(p)
    frozen = add(client, p, "channels", "More")
    assert frozen.status_code == 400 and "This canvas is approved" in frozen.get_data(as_text=True)
    assert client.get(url(p, "/block/channels")).status_code == 302
    assert 'id="add-channels"' not in client.get(url(p)).get_data(as_text=True)
    assert post(client, url(p, "/reopen"), {"base": revision}).status_code == 403
    assert base_of(p) == revision
    login(world.facilitator)
    assert add(client, p, "channels", "More").status_code == 400
    assert post(client, url(p, "/reopen"), {"base": base_of(p)}).status_code == 302
    assert canvas_of(p).status == "draft"
    assert add(client, p, "channels", "Mobile phone orders").status_code == 302
    actions = set(db.session.scalars(select(AuditEvent.action).where(AuditEvent.target_type == "canvas")))
    assert {"canvas_submitted", "canvas_changes_requested", "canvas_approved", "canvas_reopened",
            "canvas_saved", "canvas_commented"} <= actions


def test_approval_of_a_canvas_changed_since_the_reviewer_opened_it_is_refused(client, login, world):
    batch_world(world)  # world.participant is in world.facilitator's batch
    p = world.participant
    canvas = make_canvas(p, items={"channels": ["Home"]}, status="submitted")
    seen = canvas.revision
    make_canvas(p, items={"channels": ["Market stall"]}, status="draft")  # the participant keeps writing
    login(world.facilitator)
    response = post(client, url(p, "/review"), {"decision": "approve", "body": "Looks good", "base": seen})
    assert response.status_code == 400 and "changed since you opened it" in response.get_data(as_text=True)
    assert 'Looks good' in response.get_data(as_text=True)  # the comment is shown back, not lost
    assert canvas_of(p).status == "submitted"


# --- revisions and conflicts -------------------------------------------------------------------

def test_a_save_based_on_an_old_revision_is_refused_with_both_versions(client, login, world, app):
    p = world.participant
    make_canvas(p, items={"key_resources": ["Sewing machine"]})
    seen = base_of(p)
    # The facilitator saves first ...
    services.add_item(world.facilitator, canvas_of(p), "key_resources", "Scissors and tape", seen)
    # ... then the participant, from the page she opened before: refused, nothing overwritten.
    login(p.user)
    response = add(client, p, "key_resources", "A table by the window", base=seen)
    html = response.get_data(as_text=True)
    assert response.status_code == 409 and 'id="conflict"' in html
    assert "Scissors and tape" in html  # their version
    assert canvas_of(p).items("key_resources") == ["Sewing machine", "Scissors and tape"]
    # The form holds their notes and mine, on the current revision: saving it merges, nothing lost.
    current = base_of(p)
    assert f'name="base" value="{current}"' in html
    for i, text in enumerate(["Sewing machine", "Scissors and tape", "A table by the window"]):
        assert f'name="items-{i}" value="{text}"' in html
    merged = post(client, url(p, "/block/key_resources"),
                  {"items-0": "Sewing machine", "items-1": "Scissors and tape", "items-2": "A table by the window",
                   "base": current})
    assert merged.status_code == 302
    assert canvas_of(p).items("key_resources") == ["Sewing machine", "Scissors and tape", "A table by the window"]


@pytest.mark.parametrize("action", ["edit_block", "move", "name"])
def test_every_kind_of_save_checks_the_revision(client, login, world, action):
    p = world.participant
    make_canvas(p, items={"key_activities": ["Cutting", "Stitching"]}, business_name="Rahima Tailors")
    seen = base_of(p)
    services.add_item(world.facilitator, canvas_of(p), "key_activities", "Ironing", seen)
    login(p.user)
    if action == "edit_block":
        response = post(client, url(p, "/block/key_activities"), {"items-0": "Cutting well", "base": seen})
        assert 'value="Cutting well"' in response.get_data(as_text=True)
    elif action == "move":
        response = post(client, url(p, "/block/key_activities/items"), {"op": "down-0", "base": seen})
    else:
        response = post(client, url(p, "/name"), {"business_name": "Rahima Dresses", "base": seen})
        assert 'value="Rahima Dresses"' in response.get_data(as_text=True)
    assert response.status_code == 409
    canvas = canvas_of(p)
    assert canvas.items("key_activities") == ["Cutting", "Stitching", "Ironing"]
    assert canvas.business_name == "Rahima Tailors" and canvas.revision == seen + 1


def test_racing_saves_on_the_same_revision_cannot_both_win(app, world):
    """Two writers both passed the in-memory check on the same revision: the compare-and-set in
    the database lets only one of them save."""
    p = world.participant
    make_canvas(p, items={"channels": ["Home"]})
    stale = canvas_of(p)  # this session still believes the canvas is at `base`
    base, canvas_id, facilitator_id = stale.revision, stale.id, world.facilitator.id
    with app.app_context():  # another request, another session, saves first
        services.add_item(db.session.get(User, facilitator_id), db.session.get(Canvas, canvas_id), "channels",
                          "Market", base)
    assert stale.revision == base
    with pytest.raises(services.CanvasConflict) as raised:
        services.add_item(p.user, stale, "channels", "Phone", base)
    assert raised.value.canvas.items("channels") == ["Home", "Market"]
    assert canvas_of(p).items("channels") == ["Home", "Market"]
    assert db.session.scalar(select(func.count()).select_from(CanvasRevision)) == 2


def test_history_shows_changes_per_block_and_restore_makes_a_new_revision(client, login, world):
    p = world.participant
    make_canvas(p, items={"cost_structure": ["Cloth", "Thread"]})
    services.save_block(world.facilitator, canvas_of(p), "cost_structure", ["Cloth", "Rent"], base_of(p))
    login(p.user)
    history = client.get(url(p, "/history")).get_data(as_text=True)
    assert "Version 3" in history and "+ Rent" in history and "− Thread" in history and "Cost structure" in history
    old = client.get(url(p, "/history/2"))
    assert old.status_code == 200 and "Thread" in old.get_data(as_text=True)
    assert client.get(url(p, "/history/99")).status_code == 404
    assert post(client, url(p, "/history/2/restore"), {"base": base_of(p)}).status_code == 302
    canvas = canvas_of(p)
    assert canvas.revision == 4 and canvas.items("cost_structure") == ["Cloth", "Thread"]
    restored = db.session.scalar(select(CanvasRevision).where(CanvasRevision.number == 4))
    assert restored.action == "restore" and restored.base_number == 3 and restored.changed == ["cost_structure"]
    # A restore from a stale page is refused.
    assert post(client, url(p, "/history/1/restore"), {"base": 2}).status_code == 302
    assert canvas_of(p).revision == 4


# --- access ------------------------------------------------------------------------------------

def test_a_participant_cannot_reach_another_participants_canvas(client, login, world):
    other = make_participant(world.khulna, full_name="Momena Begum")
    make_canvas(other, items={"channels": ["Door to door"]})
    login(world.participant.user)
    for method, tail, data in (("GET", "", None), ("GET", "/plan", None), ("GET", "/pdf", None),
                               ("GET", "/history", None), ("POST", "/block/channels/add", {"text": "x", "base": 1}),
                               ("POST", "/submit", {"base": 1}), ("POST", "/comments", {"body": "x"})):
        response = client.get(url(other, tail)) if method == "GET" else post(client, url(other, tail), data)
        assert response.status_code == 404, tail
    assert canvas_of(other).items("channels") == ["Door to door"] and canvas_of(other).status == "draft"
    assert db.session.scalar(select(func.count()).select_from(AuditEvent)
                             .where(AuditEvent.action == "refused", AuditEvent.target_type == "canvas")) >= 7


def test_facilitators_reach_the_canvases_of_their_batches_and_the_canvas_follows_a_transfer(client, login, world):
    from edt.modules.batches import services as batches
    from edt.modules.batches.queries import facilitates
    from edt.security import Role

    from tests.factories import make_staff

    batch_world(world)
    p = world.participant
    make_canvas(p, items={"channels": ["From my home"]})
    colleague = make_staff(Role.FACILITATOR, world.khulna, username="fac-colleague")  # same partner, no batch
    new_batch = make_batch(world.khulna, facilitators=[colleague], trainer=world.trainer)
    for user, reaches in ((world.facilitator, True), (colleague, False), (world.other_facilitator, False),
                          (world.trainer, True)):
        login(user)
        assert client.get(url(p)).status_code == (200 if reaches else 404), user.username
        assert facilitates(user, p) == reaches  # the canvas scope is the batches module's rule
    batches.transfer(world.trainer, world.enrolment, new_batch)
    for user, reaches in ((world.facilitator, False), (colleague, True)):
        login(user)
        page = client.get(url(p))
        assert page.status_code == (200 if reaches else 404), user.username
        assert facilitates(user, p) == reaches
    assert "From my home" in page.get_data(as_text=True)  # one canvas, whatever the batch


def test_another_partners_facilitator_changes_nothing(client, login, world):
    batch_world(world)
    p = world.participant
    make_canvas(p, items={"channels": ["From my home"]}, status="submitted")
    before = (base_of(p), canvas_of(p).status)
    login(world.other_facilitator)
    for tail, data in (("/block/channels/add", {"text": "x", "base": before[0]}),
                       ("/block/channels", {"items-0": "x", "base": before[0]}),
                       ("/block/channels/items", {"op": "remove-0", "base": before[0]}),
                       ("/name", {"business_name": "x", "base": before[0]}),
                       ("/review", {"decision": "approve", "base": before[0]}),
                       ("/comments", {"block": "channels", "body": "x"}),
                       ("/history/1/restore", {"base": before[0]}),
                       ("/plan/edit", {"version": 0, "own_money": "5"})):
        assert post(client, url(p, tail), data).status_code == 404, tail
    assert (base_of(p), canvas_of(p).status) == before
    assert canvas_of(p).items("channels") == ["From my home"]
    assert db.session.scalar(select(func.count()).select_from(CanvasComment)) == 0
    assert queries.plan_of(canvas_of(p)) is None


def test_staff_list_is_scoped_and_filters_by_status(client, login, world):
    batch_world(world)  # world.participant is in world.facilitator's batch
    make_canvas(world.participant, items={"channels": ["Home"]}, business_name="Rahima Tailors", status="submitted")
    make_canvas(world.other_participant, items={"channels": ["Bazaar"]}, business_name="Shirin Snacks")
    login(world.facilitator)
    page = client.get("/canvas/?status=submitted").get_data(as_text=True)
    assert world.participant.code in page and "Rahima Tailors" in page
    assert world.other_participant.code not in page and "Shirin Snacks" not in page
    assert "Rahima Khatun" not in page  # lists show codes, not names
    login(world.trainer)
    everything = client.get("/canvas/").get_data(as_text=True)
    assert world.participant.code in everything and world.other_participant.code in everything
    drafts = client.get("/canvas/?status=draft").get_data(as_text=True)
    assert world.other_participant.code in drafts and world.participant.code not in drafts


def test_participant_home_shows_my_business_plan_first(client, login, world):
    p = world.participant
    make_canvas(p, items={"value_propositions": ["দর্জির কাজ: মাপমতো সালোয়ার কামিজ"]}, business_name="রহিমা টেইলার্স")
    make_plan(canvas_of(p), p.user, fixed=[_line("Rent", 1700)],
              products=[_product("Salwar kameez", 440, 10, price=620)])
    login(p.user)
    html = client.get("/").get_data(as_text=True)
    assert 'id="my-plan"' in html and "রহিমা টেইলার্স" in html and "My business plan" in html
    assert html.index('id="my-plan"') < html.index("The 10 days")  # the plan comes first
    assert f'href="/canvas/{p.id}"' in html and f'href="/canvas/{p.id}/pdf"' in html
    assert "Tk 100" in html  # profit a month: 10 x (620 - 440) - 1700
    # No canvas yet: the card still invites them in.
    login(world.other_participant.user)
    assert 'id="open-canvas"' in client.get("/").get_data(as_text=True)


def _line(name, amount, quantity=1):
    from edt.modules.canvas.plan import CostLine

    return CostLine(name, amount, quantity)


def _product(name, cost, units, price=None, markup=None):
    from edt.modules.canvas.plan import ProductLine

    return ProductLine(name, cost, units, price, markup)


# --- query counts ------------------------------------------------------------------------------

def _fill(participant, facilitator, n):
    canvas = make_canvas(participant)
    blocks = list(CANVAS_BLOCKS)
    for i in range(n):
        services.add_item(participant.user, canvas, blocks[i % 9], f"Note {i}", canvas.revision)
        services.comment(facilitator, canvas, blocks[i % 9], f"Comment {i}")
    make_plan(canvas, participant.user, startup=[_line(f"Tool {i}", 100) for i in range(min(n, 20))],
              products=[_product(f"Product {i}", 10, 5, price=20) for i in range(min(n, 20))])


@pytest.mark.parametrize("path", ["", "/history", "/plan"])
def test_canvas_pages_load_in_a_fixed_number_of_queries(client, count_queries, login, world, path):
    small = make_participant(world.khulna, full_name="Small Canvas")
    big = make_participant(world.khulna, full_name="Big Canvas")
    enrol(make_batch(world.khulna, facilitators=[world.facilitator]), [small, big])
    _fill(small, world.facilitator, 5)
    _fill(big, world.facilitator, 50)
    counts = []
    for participant in (small, big):
        login(world.facilitator)
        client.get(url(participant, path))  # warm up (first open creates nothing: the canvas exists)
        counts.append(count_queries(url(participant, path)))
    assert counts[0] == counts[1], counts


def test_staff_list_loads_in_a_fixed_number_of_queries(count_queries, login, world):
    batch = make_batch(world.khulna, facilitators=[world.facilitator], capacity=60)
    counts = []
    for n in (5, 50):
        people = [make_participant(world.khulna) for _ in range(n - len(db.session.scalars(select(Canvas)).all()))]
        enrol(batch, people)
        for person in people:
            make_canvas(person, items={"channels": ["Home"]})
        login(world.facilitator)
        counts.append(count_queries("/canvas/"))
    assert counts[0] == counts[1], counts


def test_the_canvas_page_fits_a_slow_phone(client, login, world):
    """Five notes in every block and a comment on each: still within 60 KB and 6 requests (the bytes
    that travel, gzipped as edt.assets sends them, with every stylesheet and script of the page)."""
    batch_world(world)
    p = world.participant
    canvas = make_canvas(p, items={key: [f"A short note about {key} number {i}" for i in range(5)]
                                   for key in CANVAS_BLOCKS})
    for key in CANVAS_BLOCKS:
        services.comment(world.facilitator, canvas, key, "Good. Which of these matters most to your customers?")
    from tests.budget import BUDGET_BYTES, BUDGET_REQUESTS, weigh

    for user in (p.user, world.facilitator):
        login(user)
        status, total, requests = weigh(client, url(p))
        assert status == 200 and total <= BUDGET_BYTES and requests <= BUDGET_REQUESTS, (user.role, total, requests)


def test_comments_about_the_whole_canvas_are_shown_and_answered(client, login, world):
    batch_world(world)
    p = world.participant
    make_canvas(p, items={"channels": ["From my home"]}, status="submitted")
    login(world.facilitator)
    assert post(client, url(p, "/review"), {"decision": "changes", "body": "Add your costs, please.",
                                            "base": base_of(p)}).status_code == 302
    login(p.user)
    page = client.get(url(p)).get_data(as_text=True)
    assert "Comments about the whole canvas" in page and "Add your costs, please." in page
    assert 'id="comment-general"' in page
    assert post(client, url(p, "/comments"), {"block": "", "body": "I will add them today."}).status_code == 302
    bodies = list(db.session.scalars(select(CanvasComment.body).where(CanvasComment.block.is_(None))
                                     .order_by(CanvasComment.id)))
    assert bodies == ["Add your costs, please.", "I will add them today."]
