"""Every picture-card set prints on A4 from the real browser (Chromium's print-to-PDF, parsed
back with pypdf): the right number of A4 pages, each with drawing on it, the Bangla font embedded
and every card's word on the page."""
import io
import re
import unicodedata

from pypdf import PdfReader

from edt.cards import CardLibrary
from edt.config import ROOT
from edt.instruments import load

from ..factories import PASSWORD
from .conftest import staff_login

DRAWING = re.compile(rb"\b(?:re|l|c|m)\s")  # rectangles, lines, curves, moves in the page's drawing


def _text(page) -> str:
    """The page's text without spaces (the extraction spaces words and signs its own way)."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", page.extract_text()))


def _fonts(page) -> set[str]:
    return {str(font.get_object()["/BaseFont"]) for font in page["/Resources"].get("/Font", {}).values()}


def test_every_card_set_prints_on_a4_with_its_pictures_and_words(server, phone, world):
    library = CardLibrary(ROOT / "facilitator_guide" / "cards", ROOT / "static" / "cards")
    forms = load(ROOT / "facilitator_guide" / "assessments", library.has_card).forms
    library.paginate(forms)
    staff_login(phone, server, "fac", PASSWORD)
    printed = 0
    for card_set in library.sets.values():
        for part, sheets in enumerate(card_set.parts, 1):
            phone.goto(f"{server}/guide/cards/{card_set.id}/print?part={part}")
            phone.emulate_media(media="print")
            pdf = PdfReader(io.BytesIO(phone.pdf(format="A4", print_background=False, prefer_css_page_size=True)))
            where = f"{card_set.id} part {part}"
            assert len(pdf.pages) == len(sheets), f"{where}: {len(pdf.pages)} pages for {len(sheets)} sheets"
            for page, index in zip(pdf.pages, sheets):
                width, height = (float(v) for v in page.mediabox[2:])
                assert abs(width - 595) < 2 and abs(height - 842) < 2, f"{where}: not A4"
                assert len(DRAWING.findall(page.get_contents().get_data())) > 200, f"{where}: no pictures drawn"
                assert any("NotoSansBengali" in name for name in _fonts(page)), f"{where}: no Bangla font"
                text = _text(page)
                assert re.search(r"[\u0980-\u09FF]", text) and "Logout" not in text
                sheet = card_set.sheets[index]
                for card in sheet.cards + sheet.columns:
                    if card_set.layout != "answer_sheet":  # answer sheets carry Bangla only
                        assert re.sub(r"\s+", "", card.word_en) in text, f"{where}: {card.word_en!r}"
                for item in sheet.items:
                    number = str(forms[card_set.form].items.index(item) + 1).translate(str.maketrans(
                        "0123456789", "০১২৩৪৫৬৭৮৯"))
                    assert number in text, f"{where}: question {number}"
            printed += 1
    assert printed >= len(library.sets)
