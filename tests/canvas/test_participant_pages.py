"""Issue 13 on the participant's own pages: a refused form comes back at its block with the error in
view (anchor, focus) without JavaScript; comments are found from the home page and from the top of
the canvas; "who saved" lines are whole sentences in each language."""
import re

from edt.modules.canvas import services

from tests.conftest import csrf_token
from tests.factories import batch_world, make_canvas

from .test_canvas import add, base_of, post, url


def bangla(client):
    client.post("/accounts/language", data={"locale": "bn", "csrf_token": csrf_token(client, "/")})


def form_of(html: str, action_start: str) -> str:
    found = re.search(r'<form[^>]*action="' + re.escape(action_start) + r'[^"]*"[^>]*>.*?</form>', html, re.S)
    assert found, action_start
    return found.group(0)


def test_an_empty_note_comes_back_at_its_block_with_the_box_focused(client, login, world):
    batch_world(world)
    p = world.participant
    login(p.user)
    response = add(client, p, "channels", "   ")
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    form = form_of(html, f"/canvas/{p.id}/block/channels/add")
    assert f'action="/canvas/{p.id}/block/channels/add#canvas-channels"' in form  # the browser lands on the block
    box = re.search(r'<input id="add-channels"[^>]*>', form).group(0)
    assert "autofocus" in box and 'aria-invalid="true"' in box and 'aria-describedby="add-channels-err"' in box
    assert '<p class="error" id="add-channels-err">Write a few words first.</p>' in form
    assert html.count("autofocus") == 1  # only the refused box
    # every other form of the page also comes back at its own block
    assert f'action="/canvas/{p.id}/block/key_partners/add#canvas-key-partners"' in html


def test_an_empty_answer_comes_back_at_its_block_with_the_error_beside_it(client, login, world):
    batch_world(world)
    p = world.participant
    canvas = make_canvas(p, items={"channels": ["From my home"]})
    services.comment(world.facilitator, canvas, "channels", "Who brings it to the customer?")
    login(p.user)
    response = post(client, url(p, "/comments"), {"block": "channels", "body": " "})
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    form = form_of(html, f"/canvas/{p.id}/comments#canvas-channels")
    area = re.search(r'<textarea id="comment-channels"[^>]*>', form).group(0)
    assert "autofocus" in area and 'aria-describedby="comment-channels-err"' in area
    assert '<p class="error" id="comment-channels-err">Write your comment first.</p>' in form
    assert re.search(r'<details class="comment-box" open><summary>Answer</summary>\s*' + re.escape(form), html)


def test_an_empty_answer_about_the_whole_canvas_comes_back_at_that_box(client, login, world):
    batch_world(world)
    p = world.participant
    canvas = make_canvas(p)
    services.comment(world.facilitator, canvas, None, "A good start.")
    login(p.user)
    html = post(client, url(p, "/comments"), {"block": "", "body": ""}).get_data(as_text=True)
    assert '<details class="comment-box" id="answer-general" open>' in html
    form = form_of(html, f"/canvas/{p.id}/comments#answer-general")
    assert 'autofocus aria-invalid="true" aria-describedby="comment-general-err"' in form
    assert 'id="comment-general-err">Write your comment first.</p>' in form


def test_a_refused_note_change_shows_its_error_in_its_block(client, login, world):
    batch_world(world)
    p = world.participant
    make_canvas(p, items={"channels": ["From my home"]}, status="approved", reviewer=world.facilitator)
    login(p.user)
    response = post(client, url(p, "/block/channels/items"), {"op": "remove-0", "base": base_of(p)})
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    block = re.search(r'<section class="block block-channels".*?</section>', html, re.S).group(0)
    assert '<p class="error" role="alert" id="canvas-channels-err">' in block  # in the block, not at the top
    assert "From my home" in block


def test_the_refused_edit_of_a_block_focuses_the_first_wrong_note(client, login, world):
    batch_world(world)
    p = world.participant
    make_canvas(p, items={"channels": ["From my home"]})
    login(p.user)
    response = post(client, url(p, "/block/channels"), {"items-0": "ok", "items-1": "x" * 201, "items-2": "y" * 201,
                                                        "base": base_of(p)})
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert f'id="notes" method="post" action="/canvas/{p.id}/block/channels#notes"' in html
    assert re.search(r'<input id="items-1"[^>]*autofocus aria-invalid="true" aria-describedby="items-1-err">', html)
    assert not re.search(r'<input id="items-2"[^>]*autofocus', html) and 'aria-describedby="items-2-err"' in html


def test_a_sent_back_canvas_starts_with_links_to_the_blocks_to_change(client, login, world):
    batch_world(world)
    p = world.participant
    canvas = make_canvas(p, items={"channels": ["From my home"]}, status="changes_requested", reviewer=world.facilitator)
    services.comment(world.facilitator, canvas, "channels", "Where else could you sell?")
    services.comment(world.facilitator, canvas, None, "Nearly there.")
    login(p.user)
    bangla(client)
    html = client.get(url(p)).get_data(as_text=True)
    asked = re.search(r'<div class="flash flash-warn" role="status" id="changes-asked">.*?</div>', html, re.S).group(0)
    links = re.findall(r'<a class="button secondary" href="(#[^"]+)">', asked)
    # the whole-canvas thread first, then the blocks in page order (Channels is taught before Revenue streams)
    assert links == ["#canvas-general", "#canvas-channels", "#canvas-revenue-streams"]
    assert "যেখানে বদলাতে বলা হয়েছে:" in asked and "পুরো ক্যানভাস" in asked
    assert all(f'id="{anchor[1:]}"' in html for anchor in links)  # each link has its place on the page
    # an answered thread no longer waits for the participant
    services.comment(p.user, canvas, "channels", "At the weekly haat too.")
    html = client.get(url(p)).get_data(as_text=True)
    asked = re.search(r'id="changes-asked">.*?</div>', html, re.S).group(0)
    assert re.findall(r'<a class="button secondary" href="(#[^"]+)"', asked) == ["#canvas-general", "#canvas-revenue-streams"]


def test_home_chips_open_their_block_and_count_its_comments(client, login, world):
    batch_world(world)
    p = world.participant
    canvas = make_canvas(p, items={"channels": ["From my home", "At the haat"]})
    services.comment(world.facilitator, canvas, "channels", "Good.")
    services.comment(world.facilitator, canvas, "channels", "Which is cheaper?")
    login(p.user)
    html = client.get("/").get_data(as_text=True)
    chip = re.search(r'<li class="done"><a href="/canvas/%d#canvas-channels">.*?</a></li>' % p.id, html, re.S)
    assert chip, "the Channels chip links to its block"
    assert '<span class="badge" id="comments-channels">💬 2 comments</span>' in chip.group(0)
    assert "2 notes" in chip.group(0)
    other = re.search(r'<li><a href="/canvas/%d#canvas-key-partners">.*?</a></li>' % p.id, html, re.S).group(0)
    assert "badge" not in other and "0 notes" in other


def test_who_saved_reads_as_a_whole_sentence_in_bangla(client, login, world):
    batch_world(world)
    p = world.participant
    canvas = make_canvas(p, items={"channels": ["From my home"]})
    login(p.user)
    bangla(client)
    html = client.get(url(p)).get_data(as_text=True)
    assert re.search(r"ভার্সন [0-9১]+: আমি .+-এ সেভ করেছি<", html)
    assert "সেভ করেছেন আমি" not in html and "করেছেন, আমি" not in html
    services.add_item(world.facilitator, canvas, "channels", "At the haat", canvas.revision)
    html = client.get(url(p)).get_data(as_text=True)
    assert re.search(r"ভার্সন [0-9২]+: Staff Person .+-এ সেভ করেছেন<", html)
    login(world.facilitator)
    client.post("/accounts/language", data={"locale": "en", "csrf_token": csrf_token(client, "/")})
    english = client.get(url(p)).get_data(as_text=True)
    assert re.search(r"Version 2, I saved it on .+?</span>", english)
