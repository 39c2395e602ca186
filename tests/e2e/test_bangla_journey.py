"""Issue 13: a participant whose batch is in Bangla, on a 360 px phone. She logs in from her code
card's address (the code filled in), reads day 5, adds an empty note and sees the error beside the
box, reads her facilitator's comment through the "changes asked in" link, downloads her plan and her
certificate, and logs out to a Bangla login page. On every page the visible text has no Latin word
but codes, serials, "EDT" and addresses, and no ASCII digit outside codes and serials; the share of
Bengali letters and the tap targets of each page are printed (the figures of the closing note)."""
import io
import re
from urllib.parse import urlsplit

from pypdf import PdfReader

from edt.demo import builders
from edt.extensions import db
from edt.modules.canvas import services as canvases
from edt.modules.certificates import services as certificates

from ..factories import PIN, make_participant
from .bangla_text import bengali_share, leftovers, tap_target_problems, visible_text
from .conftest import screenshot

NOTE = "পাড়ার দোকানে বিক্রি"
COMMENT = "দাম কত রাখবেন, তা লিখুন।"


def bangla_world(world):
    """A Bangla batch (the default language) whose ten days end today, run by world.facilitator:
    one participant with a Bangla name who attended every day and holds a certificate; her canvas
    was sent back with a comment in Revenue streams."""
    person = make_participant(world.khulna, world.trainer, full_name="রাহেলা বেগম")
    world.facilitator.display_name = "নাসরিন আপা"  # staff are named on the comments she reads
    db.session.commit()
    batch, (enrolment,) = builders.certifiable_batch(
        world.trainer, world.khulna, [world.facilitator], [person], status_of=builders.present_days([10], 0),
        plans=["submitted"], reviewer=world.trainer, notes=[NOTE], venue="সমাজ কল্যাণ হল")
    assert batch.language == "bn"
    certificate = certificates.issue(world.trainer, enrolment)
    canvas = canvases.open_canvas(person)
    canvases.review(world.facilitator, canvas, "changes", COMMENT, "revenue_streams", canvas.revision)
    for note in ("বাড়ি বাড়ি গিয়ে বিক্রি", "মেলায় দোকান"):  # three notes: the ↑ ↓ ✕ buttons all show
        canvases.add_item(person.user, canvas, "value_propositions", note, canvas.revision)
    return person, certificate


def walk(phone, server, person, certificate, seen):
    """The journey; `seen(name)` is called on every page the participant lands on."""
    from edt.modules.batches import code_cards  # here: the figures script also runs on the tree before

    card = urlsplit(code_cards.login_link(person.code))  # what the QR code on her card opens
    phone.goto(f"{server}{card.path}?{card.query}")
    seen("login")
    assert phone.input_value("#code") == person.code  # the card's address fills the code in, never the PIN
    phone.fill("#pin", PIN)
    with phone.expect_navigation():
        phone.click("main button[type=submit]")
    seen("home")

    with phone.expect_navigation():
        phone.click("#my-batch a[href='/curriculum/day/5']")
    seen("day 5")
    # the summary and the take-home box come before the body
    top = phone.evaluate("() => [document.querySelector('.lead').getBoundingClientRect().top,"
                         " document.querySelector('#takehome').getBoundingClientRect().top,"
                         " document.querySelector('.prose').getBoundingClientRect().top]")
    assert top[0] < top[1] < top[2]

    phone.goto(f"{server}/")
    with phone.expect_navigation():
        phone.click("#open-canvas")
    seen("canvas")
    assert phone.locator("#canvas-value-propositions button[value=up-1]").is_visible()
    assert "আমি" in phone.locator(".canvas-meta").inner_text()  # "ভার্সন …: আমি … সেভ করেছি"
    with phone.expect_navigation():
        phone.click("#add-channels-button")  # an empty note
    seen("canvas, empty note refused")
    assert phone.url.endswith("#canvas-channels")
    error = phone.locator("#add-channels-err")
    assert error.is_visible() and error.evaluate(
        "e => { const r = e.getBoundingClientRect(); return r.top >= 0 && r.bottom <= innerHeight; }")
    assert phone.evaluate("document.activeElement.id") == "add-channels"

    changes = phone.locator("#changes-asked a[href='#canvas-revenue-streams']")
    changes.click()
    phone.wait_for_url(re.compile("#canvas-revenue-streams$"))
    assert phone.locator("#canvas-revenue-streams .comment-body", has_text=COMMENT).is_visible()
    seen("canvas, comment")

    with phone.expect_navigation():
        phone.click("#plan-link")
    seen("money plan")
    phone.goto(f"{server}/canvas/{person.id}")  # the business plan's PDF (canvas and money plan) is offered on the canvas
    with phone.expect_download() as download:
        phone.click("#pdf-link")
    plan = PdfReader(io.BytesIO(open(download.value.path(), "rb").read()))
    plan_text = "\n".join(p.extract_text() for p in plan.pages)

    phone.goto(f"{server}/")
    with phone.expect_download() as download:
        phone.click("#download-certificate")
    cert = PdfReader(io.BytesIO(open(download.value.path(), "rb").read()))
    cert_text = "\n".join(p.extract_text() for p in cert.pages)

    with phone.expect_navigation():
        phone.click("header .logout button")
    seen("logged out")
    return plan_text, cert_text


def test_a_participant_reads_and_works_in_bangla_from_login_to_logout(server, phone, world, capsys):
    person, certificate = bangla_world(world)
    figures, problems = [], []

    def seen(name):
        text = visible_text(phone)
        latin, digits = leftovers(text)
        taps = tap_target_problems(phone)
        figures.append((name, bengali_share(text), len(taps)))
        if latin or digits:
            problems.append(f"{name}: Latin words {sorted(set(latin))}, ASCII digits {sorted(set(digits))}")
        problems.extend(f"{name}: tap target {t}" for t in taps)
        assert phone.evaluate("document.documentElement.lang") == "bn", name
        screenshot(phone, f"bangla-{name.replace(' ', '-').replace(',', '')}.png")

    plan_text, cert_text = walk(phone, server, person, certificate, seen)
    with capsys.disabled():
        print("\nBengali letters / tap-target problems per page:")
        for name, share, taps in figures:
            print(f"  {name:28} {share:5.1f} %  {taps}")
    assert not problems, "\n".join(problems)
    # the PDFs date themselves in Bengali digits ("১ ডিসেম্বর ২০২৬"; the shaped Bangla letters do not
    # extract as text, the digits do); the certificate keeps its Latin serial
    year = str(certificate.issued_on.year).translate({ord(str(d)): chr(0x09E6 + d) for d in range(10)})
    assert year in plan_text and str(certificate.issued_on.year) not in plan_text.replace("CC BY-SA 3.0", "")
    assert certificate.serial in cert_text and year in cert_text
