"""The business plan PDF: A4 landscape, the nine blocks, the financial summary, who and when, the
canvas attribution, Bangla in an embedded font, user text printed literally, nothing that hints
at the programme's purpose."""
import re
from io import BytesIO

from pypdf import PdfReader
from sqlalchemy import select

from edt.audit import AuditEvent
from edt.content import CANVAS_BLOCKS
from edt.extensions import db
from edt.modules.canvas.plan import CostLine, ProductLine

from tests.factories import make_canvas, make_plan

FORBIDDEN = re.compile(r"traffick|survivor|victim|exploit|rescue|পাচার|ভুক্তভোগী", re.I)


def download(client, login, participant):
    login(participant.user)
    response = client.get(f"/canvas/{participant.id}/pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert "attachment" in response.headers["Content-Disposition"]
    return PdfReader(BytesIO(response.data))


def test_the_pdf_holds_the_canvas_the_plan_and_the_attribution(client, login, world):
    p = world.participant
    canvas = make_canvas(p, business_name="Rahima Tailors", items={
        "value_propositions": ["Well-fitting school uniforms", "<img src=x onerror=alert(1)>"],
        "customer_segments": ["Parents of Class 1-5 pupils"],
        "key_partners": ["কাপড়ের পাইকারি দোকান, বড় বাজার"],
        "revenue_streams": ["Cash and bKash"],
    })
    make_plan(canvas, p.user, startup=[CostLine("Sewing machine", 9000)],
              products=[ProductLine("Uniform set", 440, 12, price=620)], fixed=[CostLine("Rent", 1700)],
              loan_amount=20000, loan_rate=12, loan_months=12, loan_method="flat")
    reader = download(client, login, p)
    assert len(reader.pages) == 2
    for page in reader.pages:
        width, height = float(page.mediabox.width), float(page.mediabox.height)
        assert (round(width), round(height)) == (842, 595)  # A4 landscape
    first, second = (page.extract_text() for page in reader.pages)
    for label, _question in CANVAS_BLOCKS.values():
        assert str(label) in first
    assert "Rahima Tailors" in first and "Rahima Khatun" in first
    assert "Well-fitting school uniforms" in first and "<img src=x onerror=alert(1)>" in first
    assert re.search(r"(January|February|March|April|May|June|July|August|September|October|November|December) "
                     r"\d{1,2}, \d{4}", first)
    assert "Business Model Canvas by Strategyzer AG (strategyzer.com), licensed under CC BY-SA 3.0." in first
    # The financial summary, in Taka, with the day-7 flat loan figures.
    assert "Tk 1,867" in second and "Tk 2,400" in second and "Tk 9,000" in second and "Tk 620" in second
    assert "Financial plan" in second
    # Bangla is drawn with the embedded Noto Sans Bengali.
    fonts = {str(f.get_object()["/BaseFont"]) for f in reader.pages[0]["/Resources"]["/Font"].values()}
    assert any("NotoSansBengali" in f for f in fonts)
    meta = reader.metadata
    # The properties name nobody: the code and the partner, never the name or the business name.
    assert meta.title == f"Business plan {p.code}" and meta.author == "Khulna Partner"
    assert not re.search("Rahima|Tailors", " ".join(str(v) for v in meta.values()))
    everything = " ".join([first, second] + [str(v) for v in meta.values()])
    assert not FORBIDDEN.search(everything)
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "canvas_pdf",
                                                      AuditEvent.actor_id == p.user.id)) is not None


def test_a_full_canvas_still_fits_one_page_and_an_empty_one_prints(client, login, world):
    p = world.participant
    long_note = "A long note that goes on and on about what the business does for its customers every day"
    make_canvas(p, items={key: [f"{long_note} {i}" for i in range(30)] for key in CANVAS_BLOCKS})
    reader = download(client, login, p)
    assert len(reader.pages) == 2  # the notes shrink to fit their boxes; page 2 is the plan
    assert "No financial plan yet." in reader.pages[1].extract_text()
    empty = download(client, login, world.other_participant)
    assert len(empty.pages) == 2 and "My business" in empty.pages[0].extract_text()


def test_a_long_plan_flows_onto_more_pages(client, login, world):
    p = world.participant
    canvas = make_canvas(p, items={"channels": ["Home"]})
    make_plan(canvas, p.user, startup=[CostLine(f"Tool number {i}", 100 + i, 2) for i in range(20)],
              products=[ProductLine(f"Product number {i}", 10, 5, price=20) for i in range(20)],
              fixed=[CostLine(f"Monthly cost {i}", 50) for i in range(20)],
              loan_amount=5000, loan_rate=24, loan_months=12)
    reader = download(client, login, p)
    assert len(reader.pages) >= 3
    text = re.sub(r"\s+", " ", " ".join(page.extract_text() for page in reader.pages))
    assert "Product number 19" in text and "Tool number 19" in text and "Monthly cost 19" in text
