"""edt.pdffonts: Bangla is shaped by HarfBuzz in an embedded Noto Sans Bengali, Latin runs use
Helvetica, and user text is escaped so paragraph markup in a name prints literally."""
from io import BytesIO

from pypdf import PdfReader
from reportlab.platypus import SimpleDocTemplate

from edt import pdffonts


def shaped_text(text, **style):
    para = pdffonts.paragraph(text, pdffonts.style("t", **style))
    para.wrap(500, 500)
    return "".join(getattr(word, "text", "") for line in para.blPara.lines for word in line.words)


def test_harfbuzz_is_installed_and_the_fonts_ship_with_their_licence():
    assert pdffonts.shaping_available()
    for name in ("NotoSansBengali-Regular.ttf", "NotoSansBengali-Bold.ttf", "OFL.txt"):
        assert (pdffonts.FONT_DIR / name).is_file(), name
    assert "SIL Open Font License" in (pdffonts.FONT_DIR / "OFL.txt").read_text()


def test_bangla_is_shaped_conjuncts_join_and_the_i_sign_moves_before_its_consonant():
    # Unshaped, "কি" would be ক followed by ি; shaped, the vowel sign is drawn first.
    assert shaped_text("কি").startswith("ি")
    # A conjunct becomes one glyph (ReportLab maps it to a private-use character).
    for conjunct in ("ক্ষ", "ন্ন"):
        out = shaped_text(conjunct)
        assert len(out) == 1 and 0xE000 <= ord(out) <= 0xF8FF, (conjunct, out)
    assert len(shaped_text("লক্ষ্মী", bold=True)) < len("লক্ষ্মী")


def test_user_text_is_escaped_and_never_parsed_as_markup():
    markup = pdffonts.markup('<img src="x"/> & <b>bold</b> <font size=40>big</font>')
    assert "<img" not in markup and "<b>" not in markup and "&lt;img" in markup and "&amp;" in markup
    text = shaped_text('<img src="http://example.org/x.png"/> Rahima & <b>Co</b>')
    assert text == '<img src="http://example.org/x.png"/> Rahima & <b>Co</b>'  # printed as typed


def test_words_are_set_in_the_font_that_has_their_letters():
    markup = pdffonts.markup("Rahima রহিমা ৳১,২০০ Tk 1,200")
    assert '<font face="Helvetica">Rahima</font>' in markup
    assert '<font face="NotoSansBengali">রহিমা</font>' in markup
    assert '<font face="NotoSansBengali">৳১,২০০</font>' in markup
    # A word mixing both scripts is split between the fonts, never shaped with the wrong one.
    mixed = pdffonts.markup("রহিমাs")
    assert 'face="NotoSansBengali">রহিমা' in mixed and 'face="Helvetica">s<' in mixed
    # Characters neither font has print as "?" instead of breaking the PDF.
    assert "?" in pdffonts.markup("✓")


def test_a_mixed_pdf_embeds_the_bengali_font_and_keeps_latin_text_searchable():
    buffer = BytesIO()
    doc = SimpleDocTemplate(buffer)
    style = pdffonts.style("body", size=12)
    doc.build([pdffonts.paragraph(t, style) for t in ("Rahima's tailoring: সালোয়ার কামিজ ক্ষ ন্ন কি",
                                                       "<script>alert(1)</script> রহিমাs 😀")])
    reader = PdfReader(BytesIO(buffer.getvalue()))
    fonts = set()
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            fonts.add(str(font.get_object()["/BaseFont"]))
    assert any("NotoSansBengali" in f for f in fonts) and "/Helvetica" in fonts
    text = reader.pages[0].extract_text()
    assert "Rahima's tailoring:" in text and "<script>alert(1)</script>" in text
