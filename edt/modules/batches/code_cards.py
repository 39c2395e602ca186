"""Code cards: one small card per participant of a batch, to hand out on day 1.

Eight A7 cards (105 × 74 mm) on an A4 page, with dashed cut lines. Each card carries the
participant's code in large letters, the login address and a QR code that opens the participant
login with the code filled in (never the PIN: the PIN is set with each person in private). The
card is written in the batch's language (`force_locale(batch.language)`, so gettext and the
edt.formats helpers follow it) and says nothing of what the training is for or who it is for:
a lost card shows a code and an address, nothing else. No name is printed; the document's
metadata carries the batch code only.
"""
import io
from urllib.parse import urlencode

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from reportlab.lib.colors import HexColor
from reportlab.lib.enums import TA_LEFT
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm

from edt import pdffonts

CARD_W, CARD_H = 105 * mm, A4[1] / 4  # A7, landscape: 2 across, 4 down
COLUMNS, ROWS = 2, 4
PER_PAGE = COLUMNS * ROWS
QR = 30 * mm
PAD = 6 * mm
INK = HexColor("#1d2430")
MUTED = HexColor("#5b6472")
LINE = HexColor("#9aa3ad")


def login_address() -> str:
    """The address printed on the card: the participant login page."""
    return f"{current_app.config['PUBLIC_URL']}/accounts/login/participant"


def login_link(code: str) -> str:
    """What the QR code opens: the login page with this code filled in."""
    return f"{login_address()}?{urlencode({'code': code})}"


def _styles():
    return {
        "label": pdffonts.style("code-card-label", size=9, alignment=TA_LEFT, textColor=MUTED),
        "code": pdffonts.style("code-card-code", size=19, bold=True, alignment=TA_LEFT, textColor=INK, leading=24),
        "text": pdffonts.style("code-card-text", size=8.5, alignment=TA_LEFT, textColor=INK, leading=11.5),
        "address": pdffonts.style("code-card-address", size=7.5, alignment=TA_LEFT, textColor=INK, leading=10),
    }


def _draw_card(c, styles, code: str, x: float, y: float) -> None:
    """One card with its lower left corner at (x, y)."""
    text_width = CARD_W - QR - 3 * PAD
    top = y + CARD_H - PAD

    def put(text, style, y_top, width=text_width):
        para = pdffonts.paragraph(text, style)
        _w, height = para.wrap(width, CARD_H)
        para.drawOn(c, x + PAD, y_top - height)
        return y_top - height

    below = put(_("Your code"), styles["label"], top)
    below = put(code, styles["code"], below - 1, CARD_W - 2 * PAD)
    below = put(_("Scan the square with the phone's camera, or open this address:"), styles["text"], below - 4)
    below = put(login_address(), styles["address"], below - 2)
    put(_("Then type your PIN. Never write your PIN on this card."), styles["text"], below - 4)
    pdffonts.draw_qr(c, login_link(code), x + CARD_W - PAD - QR, y + PAD, QR)


def _cut_lines(c, x0: float, y0: float) -> None:
    c.setStrokeColor(LINE)
    c.setLineWidth(0.4)
    c.setDash(3, 3)
    for column in range(COLUMNS + 1):
        c.line(x0 + column * CARD_W, 0, x0 + column * CARD_W, A4[1])
    for row in range(ROWS + 1):
        c.line(0, y0 + row * CARD_H, A4[0], y0 + row * CARD_H)
    c.setDash()


def render(batch, codes: list[str]) -> bytes:
    """The cards of `codes`, eight to an A4 page, in the batch's language."""
    buffer = io.BytesIO()
    with force_locale(batch.language):
        c = pdffonts.NeutralCanvas(buffer, pagesize=A4, invariant=1, pageCompression=1,
                                   title=f"Code cards {batch.code}",
                                   organisation=batch.partner.name if batch.partner else None)
        styles = _styles()
        x0 = (A4[0] - COLUMNS * CARD_W) / 2
        y0 = (A4[1] - ROWS * CARD_H) / 2
        pages = [codes[i:i + PER_PAGE] for i in range(0, len(codes), PER_PAGE)] or [[]]
        for page in pages:
            _cut_lines(c, x0, y0)
            for index, code in enumerate(page):
                column, row = index % COLUMNS, index // COLUMNS
                _draw_card(c, styles, code, x0 + column * CARD_W, y0 + (ROWS - 1 - row) * CARD_H)
            c.showPage()
        c.save()
    return buffer.getvalue()
