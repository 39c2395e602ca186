"""No personal data in any PDF's properties.

A PDF's document information (title, author, subject, keywords, creator, producer, and XMP if
any) travels with the file: it shows under "Properties", in search indexes and in the preview of a
forwarded attachment. Every kind of PDF EDT makes is downloaded here through its real route for
participants with canary names (one Latin, one Bangla), a canary phone number and a business named
after its owner; their names must be printed on the pages (so the canaries are really in the
documents) and never in the properties, which also say nothing about trafficking or survivors.
"""
import io
import re
import zipfile

from pypdf import PdfReader
from sqlalchemy import select

from edt.extensions import db

from edt.modules.canvas import services as canvases
from edt.modules.canvas.plan import CostLine, ProductLine
from edt.modules.canvas.queries import canvas_of
from edt.modules.certificates import services as certificates
from edt.modules.trainers.models import Credential

from tests.conftest import csrf_token
from tests.factories import make_certifiable_batch, make_participant, make_plan
from tests.privacy.test_privacy_pages import marked

LATIN = "Tahmina Quokkabegum"
BANGLA = "তাহমিনা কোয়োক্কা"
PHONE = "01799000111"
CANARIES = ("tahmina", "quokka", "তাহমিনা", "কোয়োক্কা", PHONE, PHONE[1:], "staff person")


def properties(data: bytes) -> dict:
    reader = PdfReader(io.BytesIO(data))
    meta = {str(k): str(v) for k, v in (reader.metadata or {}).items()}
    xmp = reader.xmp_metadata
    if xmp is not None:
        meta["xmp"] = xmp.rdf_root.toxml()
    return meta


def page_text(data: bytes) -> str:
    return " ".join((page.extract_text() or "") for page in PdfReader(io.BytesIO(data)).pages)


def assert_neutral(data: bytes, where: str, *, author: str, title: str) -> None:
    meta = properties(data)
    everything = " ".join(meta.values()).lower()
    assert [c for c in CANARIES if c.lower() in everything] == [], f"{where}: {meta}"
    assert marked(everything) == [], where
    assert meta["/Title"] == title and meta["/Author"] == author, f"{where}: {meta}"
    assert meta["/Subject"] == "Entrepreneurship Development Training" and meta.get("/Keywords", "") == ""
    assert meta["/Creator"] == "EDT" and meta["/Producer"] == "EDT", f"{where}: {meta}"


def test_no_pdf_names_anyone_in_its_properties(app, client, login, world):
    latin = make_participant(world.khulna, world.trainer, full_name=LATIN, phone=PHONE)
    bangla = make_participant(world.khulna, world.trainer, full_name=BANGLA, phone="01799000222")
    batch, enrolments = make_certifiable_batch(world.khulna, world.trainer, world.facilitator, [latin, bangla])
    canvas = canvas_of(latin.id)
    canvases.set_business_name(latin.user, canvas, f"{LATIN} Tailors", canvas.revision)
    make_plan(canvas, latin.user, startup=[CostLine("Sewing machine", 9000)],
              products=[ProductLine("Blouse", 200, 30, price=350)], fixed=[CostLine("Rent", 1500)])
    issued = [certificates.issue(world.trainer, e) for e in enrolments]
    first, last = sorted(c.serial for c in issued)
    credential = db.session.scalar(select(Credential).where(Credential.user_id == world.facilitator.id))
    assert batch.language == "bn"

    urls = {
        f"/canvas/{latin.id}/pdf": (f"Business plan {latin.code}", LATIN),
        f"/canvas/{bangla.id}/pdf": (f"Business plan {bangla.code}", BANGLA),
        # the sign-in sheet is in the batch's language (this batch's is Bangla), its title too
        f"/attendance/days/{batch.days[0].id}/sheet.pdf": (f"হাজিরা শিট {batch.code} · দিন 1", LATIN),
        f"/certificates/{issued[0].id}.pdf": (f"Certificate {issued[0].serial}", LATIN),
        f"/certificates/{issued[1].id}.pdf": (f"Certificate {issued[1].serial}", BANGLA),
        f"/certificates/batch/{batch.id}/certificates.pdf": (f"Certificates {first} to {last}", LATIN),
        # the participants' code cards: codes only, never a name (on the page or in the properties)
        f"/batches/{batch.id}/code-cards.pdf": (f"Code cards {batch.code}", latin.code),
        # a facilitator's credential: the staff member's name on the page, never in the properties
        f"/trainers/facilitators/{world.facilitator.id}/credential.pdf":
            (f"Facilitator credential {credential.serial}", "Staff Person"),
    }
    zip_url = f"/certificates/batch/{batch.id}/certificates.zip"
    # Every route that sends a PDF (or a bundle of them) is covered: a new one fails here until added.
    pdf_rules = {r.endpoint for r in app.url_map.iter_rules() if re.search(r"[./](pdf|zip)$", r.rule)}
    adapter = app.url_map.bind("localhost")
    assert pdf_rules == {adapter.match(url)[0] for url in [*urls, zip_url]}

    login(world.trainer)
    for url, (title, printed) in urls.items():
        response = client.get(url)
        assert response.status_code == 200 and response.mimetype == "application/pdf", url
        text = " ".join(page_text(response.data).split())
        # (Shaped Bangla comes back from text extraction with its vowel signs moved: the first letters suffice.)
        assert printed[:3] in text, f"{url}: the canary is printed on the page"
        assert_neutral(response.data, url, author="Khulna Partner", title=title)

    response = client.get(zip_url)
    assert response.status_code == 200
    with zipfile.ZipFile(io.BytesIO(response.data)) as archive:
        names = archive.namelist()
        assert len(names) == 2
        for name in names:
            assert_neutral(archive.read(name), name, author="Khulna Partner",
                           title=f"Certificate {name.removesuffix('.pdf')}")

    login(latin.user)  # the participant's own download, in Bangla: the same neutral properties
    client.post("/accounts/language", data={"locale": "bn", "csrf_token": csrf_token(client, "/")})
    response = client.get(f"/canvas/{latin.id}/pdf")
    assert response.status_code == 200
    meta = properties(response.data)
    assert meta["/Title"].endswith(latin.code) and meta["/Author"] == "Khulna Partner"
    assert [c for c in CANARIES if c.lower() in " ".join(meta.values()).lower()] == []
