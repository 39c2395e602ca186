"""Fonts, safe paragraphs and neutral document information for every PDF EDT prints (business
plans, certificates, sign-in sheets).

Bangla needs two things in ReportLab: a Bengali TrueType font embedded in the PDF (Noto Sans
Bengali, shipped with its OFL licence in static/fonts/) and shaping by HarfBuzz (`uharfbuzz`,
installed by `reportlab[shaping]`), which joins conjuncts such as ক্ষ and ন্ন and moves the vowel
sign ি before its consonant. ReportLab shapes only Paragraphs whose style says `shaping=1` and
whose base font is a shapable TrueType font; `drawString(..., shaping=True)` silently does not.

Noto Sans Bengali has digits and punctuation but no Latin letters, so `paragraph()` writes each
word in Noto Sans Bengali when it holds Bangla and in Helvetica (built into every PDF reader)
otherwise. User text is always XML-escaped first: ReportLab parses paragraph markup, and a name
such as `<img src=x>` must print literally and fetch nothing.

Every PDF is drawn on a `NeutralCanvas` (directly, or through `canvas_maker` for ReportLab's
DocTemplates): its document information (title, author, subject, keywords, creator, producer,
shown under "Properties" and read by search indexes) is fixed when the canvas is made, from a
title without names and the issuing organisation, and nothing set later can change it. A PDF is
shared, forwarded and printed: its metadata names nobody and says nothing of why someone trained.
"""
import itertools
import re
from functools import partial
from pathlib import Path
from xml.sax.saxutils import escape  # nosec B406  # escapes text for ReportLab paragraphs, parses no XML

from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.lib.colors import black
from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas as PdfCanvas
from reportlab.platypus import Paragraph

FONT_DIR = Path(__file__).resolve().parent.parent / "static" / "fonts"
BENGALI = "NotoSansBengali"
BENGALI_BOLD = "NotoSansBengali-Bold"
LATIN = {BENGALI: "Helvetica", BENGALI_BOLD: "Helvetica-Bold"}
ISSUER = "EDT"  # author of a document no partner organisation issued, creator and producer of all
SUBJECT = "Entrepreneurship Development Training"
ATTRIBUTION = "Business Model Canvas by Strategyzer AG (strategyzer.com), licensed under CC BY-SA 3.0."

_WORD = re.compile(r"(\s+)")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# Characters that belong to a Bangla run: the Bengali block, joiners and the dotted circle.
_BANGLA = re.compile(r"[\u0980-\u09ff\u200c\u200d\u25cc]")
_registered = False


def register() -> None:
    """Register Noto Sans Bengali (regular and bold) with ReportLab, once per process."""
    global _registered
    if _registered:
        return
    for name, file in ((BENGALI, "NotoSansBengali-Regular.ttf"), (BENGALI_BOLD, "NotoSansBengali-Bold.ttf")):
        font = TTFont(name, str(FONT_DIR / file))
        font.shapable = True
        pdfmetrics.registerFont(font)
    pdfmetrics.registerFontFamily(BENGALI, normal=BENGALI, bold=BENGALI_BOLD, italic=BENGALI,
                                  boldItalic=BENGALI_BOLD)
    _registered = True


def shaping_available() -> bool:
    try:
        import uharfbuzz  # noqa: F401  (a probe: is the optional shaping engine installed?)
    except ImportError:
        return False
    return True


def style(name: str, *, size: float = 10, bold: bool = False, leading: float | None = None, **extra) -> ParagraphStyle:
    """A paragraph style on Noto Sans Bengali with HarfBuzz shaping switched on."""
    register()
    return ParagraphStyle(name, fontName=BENGALI_BOLD if bold else BENGALI, fontSize=size,
                          leading=leading or round(size * 1.35, 1), shaping=1, **extra)


def _glyphs(font_name: str) -> dict:
    return pdfmetrics.getFont(font_name).face.charToGlyph


def _latin_safe(text: str) -> str:
    """Helvetica covers Windows-1252; anything else it cannot draw prints as '?'."""
    return "".join(c if c.encode("cp1252", "ignore") else "?" for c in text)


def _runs(word: str, bengali: str) -> list[tuple[str, str]]:
    """Split one word into (font, text) runs: a word with Bangla stays in the Bengali font except
    for letters that font lacks; a word without Bangla is set in Helvetica."""
    latin = LATIN[bengali]
    if not _BANGLA.search(word):
        return [(latin, _latin_safe(word))]
    glyphs = _glyphs(bengali)
    runs: list[tuple[str, str]] = []
    for char in word:
        font = bengali if ord(char) in glyphs else latin
        if font == latin:
            char = _latin_safe(char)
        if runs and runs[-1][0] == font:
            runs[-1] = (font, runs[-1][1] + char)
        else:
            runs.append((font, char))
    return runs


def markup(text, base_font: str = BENGALI) -> str:
    """Escaped paragraph markup for plain user text, one <font> tag per script run."""
    register()
    text = _CONTROL.sub("", "" if text is None else str(text))
    parts = []
    for piece in _WORD.split(text):
        if not piece:
            continue
        if piece.isspace():
            parts.append("<br/>" if "\n" in piece else " ")
            continue
        runs = _runs(piece, base_font)
        # ReportLab shapes a whole word with its first font: a word mixing two fonts is split by a
        # space so each part is shaped by its own font (rare: "রহিমাs" prints as "রহিমা s").
        parts.append("".join(f'<font face="{font}">{escape(run)}{"" if last else " "}</font>'
                             for last, (font, run) in ((i == len(runs) - 1, r) for i, r in enumerate(runs))))
    return "".join(parts)


def paragraph(text, style_: ParagraphStyle) -> Paragraph:
    """A shaped Paragraph of plain (user) text: escaped, Bangla shaped, Latin in Helvetica."""
    base = style_.fontName if style_.fontName in LATIN else BENGALI
    if style_.fontName not in LATIN or not getattr(style_, "shaping", 0):
        style_ = ParagraphStyle(style_.name + "-shaped", parent=style_, fontName=base, shaping=1)
    return Paragraph(markup(text, base), style_)


class NeutralCanvas(PdfCanvas):
    """A ReportLab canvas whose document information is neutral and fixed when it is made.

    `title` names the kind of document and at most a pseudonymous code or a serial, never a person
    or a business name (which often holds the owner's name); the author is the issuing partner
    organisation, or EDT. The setters ReportLab's DocTemplate (or any builder) calls afterwards
    write the same neutral values again, whatever they are given.
    """

    def __init__(self, *args, title: str, organisation: str | None = None, **kwargs):
        self._neutral_info = {"title": title, "author": organisation or ISSUER, "subject": SUBJECT,
                              "keywords": "", "creator": ISSUER, "producer": ISSUER}
        super().__init__(*args, **kwargs)
        self._write_neutral_info()

    def _write_neutral_info(self, *_ignored) -> None:
        info = self._neutral_info
        self._doc.setTitle(info["title"])
        self._doc.setAuthor(info["author"])
        self._doc.setSubject(info["subject"])
        self._doc.setKeywords(info["keywords"])
        self._doc.setCreator(info["creator"])
        self._doc.setProducer(info["producer"])

    setTitle = setAuthor = setSubject = setKeywords = setCreator = setProducer = _write_neutral_info


def canvas_maker(*, title: str, organisation: str | None = None):
    """The `canvasmaker` to pass to a DocTemplate's build(): every page on a NeutralCanvas."""
    return partial(NeutralCanvas, title=title, organisation=organisation)


def draw_qr(c: PdfCanvas, url: str, x: float, y: float, size: float, *, link: bool = True) -> None:
    """`url` as a QR code of `size` points with its lower left corner at (x, y), from one
    QrCodeWidget encoded once. Its module matrix is laid down as one filled path: going through
    getBounds() or a Drawing would encode it again and draw hundreds of separate shapes. The white
    page around it is the quiet zone (leave about 4 modules free). Used by the certificates, the
    facilitator credentials and the participants' code cards."""
    widget = QrCodeWidget(url, barLevel="M")
    widget.qr.make()
    count = widget.qr.getModuleCount()
    box = size / count
    path = c.beginPath()
    for r, row in enumerate(widget.qr.modules):
        column = 0
        for dark, run in itertools.groupby(bool(m) for m in row):
            length = len(list(run))
            if dark:
                path.rect(x + column * box, y + size - (r + 1) * box, length * box, box)
            column += length
    c.setFillColor(black)
    c.drawPath(path, stroke=0, fill=1)
    if link:
        c.linkURL(url, (x, y, x + size, y + size), relative=0)
